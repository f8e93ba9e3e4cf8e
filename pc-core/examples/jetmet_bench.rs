//! Times `JetCalibrator::calibrate_event` on one thread: the jets of a NanoAOD file, cycled
//! until at least `MIN_JETS` jets are calibrated (nominal, JES up/down, JER up/down).
//! Prints one JSON line. Used by `bench/jetmet_bench.py`.
//!
//! usage: jetmet_bench NANOAOD.root JEC_DIR MIN_JETS

use std::path::Path;
use std::time::Instant;

use pc_core::io::{ReadOptions, RootFile, Values};
use pc_core::jetmet::{EventJets, JetCalibConfig, JetCalibrator};

/// The calibration `bench/jetmet_bench.py` gives coffea.
const FILES: [&str; 6] = [
    "Summer19UL18_V5_MC_L1FastJet_AK4PFchs.jec.txt.gz",
    "Summer19UL18_V5_MC_L2Relative_AK4PFchs.jec.txt.gz",
    "Summer19UL18_V5_MC_L3Absolute_AK4PFchs.jec.txt.gz",
    "Summer19UL18_V5_MC_Uncertainty_AK4PFchs.junc.txt.gz",
    "Summer19UL18_JRV2_MC_PtResolution_AK4PFchs.jr.txt.gz",
    "Summer19UL18_JRV2_MC_SF_AK4PFchs.jersf.txt.gz",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [file, jec_dir, min_jets] = args.as_slice() else {
        return Err("usage: jetmet_bench NANOAOD.root JEC_DIR MIN_JETS".into());
    };
    let min_jets: usize = min_jets.parse()?;
    let t0 = Instant::now();
    let files: Vec<_> = FILES.iter().map(|f| Path::new(jec_dir).join(f)).collect();
    let cal = JetCalibrator::new(&JetCalibConfig::from_files(&files)?)?;
    let setup = t0.elapsed().as_secs_f64();

    let tree = RootFile::open(file)?.tree("Events")?;
    let names = [
        "Jet_pt",
        "Jet_eta",
        "Jet_phi",
        "Jet_mass",
        "Jet_rawFactor",
        "Jet_area",
        "GenJet_pt",
        "Jet_genJetIdx",
        "fixedGridRhoFastjetAll",
        "run",
        "luminosityBlock",
        "event",
    ];
    let c = tree.read(&names, 0..tree.entries(), ReadOptions::default())?;
    let f = |k: usize| match &c[k].values {
        Values::F32(v) => v.as_slice(),
        _ => panic!("{}: not float", names[k]),
    };
    let (Values::I32(gen_idx), Values::U32(run), Values::U32(lumi), Values::U64(event)) =
        (&c[7].values, &c[9].values, &c[10].values, &c[11].values)
    else {
        return Err("unexpected branch types".into());
    };
    let events: Vec<EventJets<'_>> = (0..tree.entries() as usize)
        .map(|i| {
            let r = c[0].entry_range(i);
            EventJets {
                pt: &f(0)[r.clone()],
                eta: &f(1)[r.clone()],
                phi: &f(2)[r.clone()],
                mass: &f(3)[r.clone()],
                raw_factor: &f(4)[r.clone()],
                area: &f(5)[r.clone()],
                gen_jet_idx: &gen_idx[r],
                gen_jet_pt: &f(6)[c[6].entry_range(i)],
                rho: f(8)[i],
                run: run[i],
                lumi: lumi[i],
                event: event[i],
            }
        })
        .collect();

    let mut out = cal.new_output();
    let (mut jets, mut checksum) = (0usize, 0f64);
    let t1 = Instant::now();
    while jets < min_jets {
        for e in &events {
            cal.calibrate_event(e, &mut out)?;
            jets += e.pt.len();
            checksum += out.pt(0).iter().map(|&x| f64::from(x)).sum::<f64>();
        }
    }
    let seconds = t1.elapsed().as_secs_f64();
    println!(
        "{{\"tool\":\"pc\",\"jets\":{jets},\"seconds\":{seconds},\"setup_seconds\":{setup},\
         \"variations\":{},\"checksum\":{checksum}}}",
        out.variations().len()
    );
    Ok(())
}
