//! {{name}}: a dimuon analysis written with `#[processor]`. Start here: every function is
//! plain Rust, every branch is checked against the NanoAOD schema at compile time.

use pc_core::prelude::*;

#[processor(name = "{{name}}", tree = "Events", schema = "nanoaod_v7")]
pub mod analysis {
    use super::*;
    use pc_core::cms::LorentzVector;

    /// A muon: `Muon_<field>` branches, counted by `nMuon`.
    #[collection(prefix = "Muon")]
    #[derive(Clone, Copy, Debug)]
    pub struct Muon {
        pub pt: f32,
        pub eta: f32,
        pub phi: f32,
        pub mass: f32,
        pub charge: i32,
        #[branch("tightId")]
        pub tight_id: bool,
    }

    /// Event-level branches; `#[mc]` ones are not read for data.
    #[event]
    #[derive(Clone, Copy, Debug)]
    pub struct Event {
        #[mc]
        #[branch("genWeight")]
        pub gen_weight: f32,
        #[branch("HLT_IsoMu24")]
        pub trigger: bool,
    }

    /// The analysis' own parameters: the `{{name}}` section of `params/params.yaml`, checked
    /// and read once per dataset (an unknown or mistyped key is an error at start).
    #[config("{{name}}")]
    #[derive(Clone, Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Thresholds {
        pub muon_pt: f32,
    }

    #[skim]
    pub fn trigger(ev: &Event) -> bool {
        ev.trigger
    }

    /// What the selection keeps of an event.
    pub struct Selected {
        pub muons: Vec<Muon>,
        /// Mass of an opposite-charge pair of exactly two good muons.
        pub mass: Option<f64>,
    }

    #[produce]
    pub fn selected(muons: &[Muon], t: &Thresholds) -> Selected {
        let muons: Vec<Muon> = muons
            .iter()
            .filter(|m| m.pt > t.muon_pt && m.eta.abs() < 2.4 && m.tight_id)
            .copied()
            .collect();
        let mass = match muons[..] {
            [a, b] if a.charge != b.charge => Some(LorentzVector::sum([&a, &b]).mass()),
            _ => None,
        };
        Selected { muons, mass }
    }

    #[preselect]
    pub fn dimuon(s: &Selected) -> bool {
        s.mass.is_some()
    }

    #[cut]
    pub fn all() -> bool {
        true
    }

    #[cut]
    pub fn z_window(s: &Selected) -> bool {
        s.mass.is_some_and(|m| (60.0..120.0).contains(&m))
    }

    categories! {
        inclusive = [all];
        z_peak = [z_window];
    }

    #[weight]
    pub fn gen_weight(ev: &Event) -> f64 {
        f64::from(ev.gen_weight)
    }

    #[weight]
    pub fn lumi_xsec(ctx: &Ctx<'_>) -> f64 {
        ctx.lumi_pb * ctx.dataset.xsec.unwrap_or(1.0)
    }

    histogram! {
        mll: Regular(60, 60.0, 120.0, "ll.mass", label = "$m_{\\mu\\mu}$ [GeV]") = |s: &Selected| s.mass;
        lead_pt: Regular(50, 0.0, 200.0, "MuonGood.pt") = |s: &Selected| s.muons.first().map(|m| f64::from(m.pt));
    }
}

/// The analysis' parameters, merged on top of the framework defaults.
pub const PARAMS_YAML: &str = include_str!("../params/params.yaml");

/// The analysis for the driver: `cargo run --release -- {{name}} --help`.
pub fn analysis() -> pc_core::cli::Analysis {
    pc_core::cli::Analysis::new(&analysis::Processor)
        .params("params/params.yaml", PARAMS_YAML)
        .demo(demo)
        .version(env!("CARGO_PKG_VERSION"))
}

/// Without `--datasets`: a Drell-Yan sample generated once into the demo folder.
fn demo(req: &pc_core::cli::DemoRequest) -> anyhow::Result<pc_core::cli::Demo> {
    use pc_core::generate::{GenerateOptions, SampleKind, generate};
    let path = req.dir.join(format!("demo_dy_{}.root", req.events));
    if !path.exists() {
        std::fs::create_dir_all(&req.dir)?;
        let tmp = path.with_extension("partial");
        generate(
            &tmp,
            &GenerateOptions::new(SampleKind::DrellYan, req.events),
        )?;
        std::fs::rename(&tmp, &path)?;
    }
    let meta = [
        ("sample", "DYJetsToLL"),
        ("year", "2018"),
        ("isMC", "True"),
        ("xsec", "6077.22"),
    ];
    let meta = meta.map(|(k, v)| (k.to_string(), v.to_string())).into();
    let files = vec![path.to_string_lossy().into_owned()];
    let dataset = pc_core::config::Dataset::from_metadata("DYJetsToLL_M-50_2018", meta, files)
        .map_err(anyhow::Error::msg)?;
    Ok(pc_core::cli::Demo {
        datasets: vec![dataset],
        params_yaml: None,
    })
}
