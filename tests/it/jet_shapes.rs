//! JES and JER shape variations through the DSL: a `#[calibrate]` with the jet calibration
//! re-runs the selection per variation; counts and histograms per variation label equal a
//! direct use of the calibrator on the columns.

use pc_core::config::Params;
use pc_core::generate::{GenerateOptions, SampleKind, generate};
use pc_core::io::{ReadOptions, RootFile, Values};
use pc_core::jetmet::{JetCalibConfig, JetCalibrator, JetVariation};
use pc_core::run::{RunOptions, run};

use crate::common;
use crate::jetmet::FileJets;

#[pc_core::prelude::processor(name = "jet_shapes", schema = "nanoaod_v7")]
mod jet_shapes {
    use pc_core::cms::{CalibJet, JetCalibration, JetEvent};
    use pc_core::jetmet::{JetMetError, JetVariation};
    use pc_core::prelude::*;

    #[collection(prefix = "Jet")]
    #[derive(Clone, Copy, Debug)]
    pub struct Jet {
        pub pt: f32,
        pub eta: f32,
        pub phi: f32,
        pub mass: f32,
        #[branch("rawFactor")]
        pub raw_factor: f32,
        pub area: f32,
        #[mc]
        #[branch("genJetIdx")]
        pub gen_jet_idx: i32,
    }

    impl CalibJet for Jet {
        fn inputs(&self) -> [f32; 6] {
            [
                self.pt,
                self.eta,
                self.phi,
                self.mass,
                self.raw_factor,
                self.area,
            ]
        }
        fn gen_jet_idx(&self) -> i32 {
            self.gen_jet_idx
        }
        fn set_pt_mass(&mut self, pt: f32, mass: f32) {
            self.pt = pt;
            self.mass = mass;
        }
    }

    #[collection(prefix = "GenJet")]
    #[derive(Clone, Copy, Debug)]
    pub struct GenJet {
        #[mc]
        pub pt: f32,
    }

    #[event]
    #[derive(Clone, Copy, Debug)]
    pub struct Event {
        pub run: u32,
        #[branch("luminosityBlock")]
        pub lumi: u32,
        pub event: u64,
        #[branch("fixedGridRhoFastjetAll")]
        pub rho: f32,
    }

    pub struct Calib(pub JetCalibration);

    #[setup]
    pub fn calib(ctx: &Ctx<'_>) -> Result<Calib, String> {
        JetCalibration::from_params(ctx.params, "2018", "AK4PFchs", true)
            .map_err(|e| e.to_string())?
            .map(Calib)
            .ok_or_else(|| "no jet calibration configured".to_string())
    }

    #[calibrate(variations = [AK4PFchs_JES_Total, AK4PFchs_JER])]
    pub fn jets(
        jets: &mut [Jet],
        gen_jets: &[GenJet],
        ev: &Event,
        c: &Calib,
        shift: Shift,
    ) -> Result<(), JetMetError> {
        let variation = match shift {
            Shift::Nominal => JetVariation::Nominal,
            Shift::Up(0) => JetVariation::JesUp(0),
            Shift::Down(0) => JetVariation::JesDown(0),
            Shift::Up(_) => JetVariation::JerUp,
            Shift::Down(_) => JetVariation::JerDown,
        };
        let event = JetEvent {
            rho: ev.rho,
            run: ev.run,
            lumi: ev.lumi,
            event: ev.event,
        };
        c.0.apply(jets, gen_jets.iter().map(|g| g.pt), event, variation)
    }

    pub struct Good(pub Vec<Jet>);

    #[produce]
    pub fn good(jets: &[Jet]) -> Good {
        Good(
            jets.iter()
                .filter(|j| j.pt > 30.0 && j.eta.abs() < 2.4)
                .copied()
                .collect(),
        )
    }

    #[preselect]
    pub fn two_jets(g: &Good) -> bool {
        g.0.len() >= 2
    }

    #[cut]
    pub fn all() -> bool {
        true
    }

    categories! {
        baseline = [all];
    }

    histogram! {
        n_jets: Integer(0, 10, "n") = |g: &Good| Some(g.0.len());
        lead_pt: Regular(40, 0.0, 400.0, "pt") = |g: &Good| g.0.first().map(|j| j.pt);
    }
}

fn files() -> Vec<String> {
    let jec = common::shared_data().join("jec");
    [
        "Summer19UL18_V5_MC_L1FastJet_AK4PFchs.jec.txt.gz",
        "Summer19UL18_V5_MC_L2Relative_AK4PFchs.jec.txt.gz",
        "Summer19UL18_V5_MC_L3Absolute_AK4PFchs.jec.txt.gz",
        "RegroupedV2_Summer19UL18_V5_MC_UncertaintySources_AK4PFchs.junc.txt.gz",
        "Summer19UL18_JRV2_MC_PtResolution_AK4PFchs.jr.txt.gz",
        "Summer19UL18_JRV2_MC_SF_AK4PFchs.jersf.txt.gz",
    ]
    .iter()
    .map(|f| jec.join(f).to_string_lossy().into_owned())
    .collect()
}

#[test]
fn jes_and_jer_shape_variations_rerun_the_selection() {
    let path = std::env::temp_dir().join(format!("pc-jet-shapes-{}.root", std::process::id()));
    let mut opts = GenerateOptions::new(SampleKind::DrellYan, 20_000);
    opts.codec = "lz4".parse().unwrap();
    generate(&path, &opts).unwrap();
    let files = files();
    let yaml = format!(
        "jets_calibration:\n  jet_factory:\n    \"2018\":\n      AK4PFchs:\n        files: {files:?}\n        jes_sources: [Total]\n        seed: 7\n"
    );
    let params = Params::builder()
        .dir("data_dir", common::shared_data())
        .yaml("test", &yaml)
        .load()
        .unwrap();
    let ds = common::mc_dataset("DY", &path);
    let run_opts = RunOptions {
        threads: 2,
        chunk_size: 5000,
    };
    let result = run(&jet_shapes::Processor, &[ds], &params, &run_opts).unwrap();
    assert!(result.failed.is_empty(), "{:?}", result.failed);
    let spec = &result.output.spec;
    assert_eq!(
        spec.shape_variations,
        [
            "nominal",
            "AK4PFchs_JES_TotalUp",
            "AK4PFchs_JES_TotalDown",
            "AK4PFchs_JERUp",
            "AK4PFchs_JERDown"
        ]
    );
    let out = &result.output.datasets[0].1;

    // The same by hand: the calibrator on the columns, per variation.
    let mut config = JetCalibConfig::from_files(&files).unwrap();
    config.jes_sources = vec!["Total".into()];
    config.seed = 7;
    let calibrator = JetCalibrator::new(&config).unwrap();
    let variations = [
        JetVariation::Nominal,
        JetVariation::JesUp(0),
        JetVariation::JesDown(0),
        JetVariation::JerUp,
        JetVariation::JerDown,
    ];
    let file = FileJets::read(&path);
    let tree = RootFile::open(&path).unwrap().tree("Events").unwrap();
    let gen_weight = tree
        .read(&["genWeight"], 0..tree.entries(), ReadOptions::default())
        .unwrap();
    let Values::F32(gen_weight) = &gen_weight[0].values else {
        panic!("genWeight type")
    };
    let mut output = calibrator.new_output();
    let mut presel = [0u64; 5];
    let mut n_jets = [[0u64; 12]; 5];
    let sum_gen: f64 = gen_weight.iter().map(|&w| f64::from(w)).sum();
    for e in 0..file.entries() {
        let jets = file.event(e);
        calibrator.calibrate_event(&jets, &mut output).unwrap();
        for (s, v) in variations.iter().enumerate() {
            let pt = output.pt(output.index(*v).unwrap());
            let good = pt
                .iter()
                .zip(jets.eta)
                .filter(|(pt, eta)| **pt > 30.0 && eta.abs() < 2.4)
                .count();
            if good >= 2 {
                presel[s] += 1;
                n_jets[s][(good + 1).min(11)] += 1;
            }
        }
    }
    assert_eq!(out.presel(), presel);
    assert!(
        presel[1] > presel[0] && presel[0] > presel[2],
        "JES Up/Down: {presel:?}"
    );
    assert_ne!(presel[3], presel[4], "JER Up/Down: {presel:?}");
    // n_jets: axes cat, variation (sorted labels), n (flow bins included).
    let hist = &out.hists()[0][0];
    let labels = &spec.variations;
    for (s, shape) in spec.shape_variations.iter().enumerate() {
        let v = labels.iter().position(|l| l == shape).unwrap();
        for (b, &want) in n_jets[s].iter().enumerate() {
            let got = hist.bin(&[0, v, b]).unwrap().value * sum_gen;
            assert!(
                (got - want as f64).abs() < 1e-6 * (want as f64).max(1.0),
                "{shape} bin {b}: {got} vs {want}"
            );
        }
    }
    std::fs::remove_file(path).unwrap();
}
