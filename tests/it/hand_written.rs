//! `examples/hand_written.rs` (a processor written by hand on the public contract) equals
//! the same analysis written with `#[processor]`, bin by bin, on generated MC and data.

use pc_core::config::{Dataset, Params};
use pc_core::generate::{GenerateOptions, SampleKind, generate};
use pc_core::prelude::*;
use pc_core::run::{RunOptions, run};

#[allow(dead_code)]
#[path = "../../examples/hand_written.rs"]
mod example;

/// A collection derived outside the processor module (as a library's would be).
mod objects {
    use pc_core::prelude::*;

    #[derive(Collection, Clone, Copy, Debug)]
    #[collection(prefix = "Muon")]
    pub struct Muon {
        pub pt: f32,
        pub eta: f32,
        pub phi: f32,
        pub charge: i32,
    }
}

#[processor(name = "dimuon", tree = "Events", schema = "nanoaod_v7")]
mod with_macro {
    use super::*;
    use objects::Muon;

    #[event]
    #[derive(Clone, Copy, Debug)]
    pub struct Event {
        #[mc]
        #[branch("genWeight")]
        pub gen_weight: f32,
    }

    #[skim]
    pub fn two_muons(muons: &[Muon]) -> bool {
        muons.len() == 2
    }

    #[preselect]
    pub fn opposite_charge(muons: &[Muon]) -> bool {
        muons[0].charge + muons[1].charge == 0
    }

    #[cut]
    pub fn all() -> bool {
        true
    }

    categories! {
        pair = [all];
    }

    #[weight]
    pub fn gen_weight(ev: &Event) -> f64 {
        f64::from(ev.gen_weight)
    }

    #[weight]
    pub fn lumi_xsec(ctx: &Ctx<'_>) -> f64 {
        ctx.lumi_pb * ctx.dataset.xsec.unwrap_or(1.0)
    }

    fn mass(m: &[Muon]) -> f64 {
        let f = |g: fn(&Muon) -> f32| [g(&m[0]), g(&m[1])];
        super::example::mass(&f(|m| m.pt), &f(|m| m.eta), &f(|m| m.phi))
    }

    histogram! {
        mll: Regular(60, 60.0, 120.0, "mll") = |m: &[Muon]| Some(mass(m));
    }
}

fn datasets(dir: &std::path::Path) -> Vec<Dataset> {
    let mut out = Vec::new();
    for (name, kind, mc, events) in [
        ("DY_2018", SampleKind::DrellYan, true, 100_000),
        ("DATA_2018", SampleKind::Data, false, 30_000),
    ] {
        let path = dir.join(format!("{name}.root"));
        let mut opts = GenerateOptions::new(kind, events);
        opts.seed = 7;
        generate(&path, &opts).unwrap();
        let mut meta: std::collections::BTreeMap<String, String> = [
            ("sample", name.trim_end_matches("_2018")),
            ("year", "2018"),
            ("isMC", if mc { "true" } else { "false" }),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        if mc {
            meta.insert("xsec".into(), "6077.22".into());
        }
        out.push(Dataset::from_metadata(name, meta, vec![path.to_string_lossy().into()]).unwrap());
    }
    out
}

#[test]
fn hand_written_processor_equals_the_macro_version() {
    let dir = std::env::temp_dir().join(format!("pc-hand-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let datasets = datasets(&dir);
    let params = Params::builder()
        .dir("data_dir", crate::common::shared_data())
        .load()
        .unwrap();
    let opts = RunOptions {
        threads: 2,
        chunk_size: 20_000,
    };
    let by_hand = run(&example::Dimuon::default(), &datasets, &params, &opts).unwrap();
    let by_macro = run(&with_macro::Processor, &datasets, &params, &opts).unwrap();
    assert!(by_hand.failed.is_empty() && by_macro.failed.is_empty());
    let (a, b) = (&by_hand.output, &by_macro.output);
    assert_eq!(a.cutflow_json(), b.cutflow_json());
    let (ha, hb) = (a.histograms(), b.histograms());
    assert_eq!(ha.keys().collect::<Vec<_>>(), hb.keys().collect::<Vec<_>>());
    for (key, h) in &ha {
        assert_eq!(h.storage(), hb[key].storage(), "{key}");
    }
    // Not empty: both selected events in MC and data.
    let presel = &a.cutflow_json()["presel"];
    assert!(
        presel["DY_2018"]["nominal"].as_u64().unwrap() > 10_000,
        "{presel}"
    );
    assert!(
        presel["DATA_2018"]["nominal"].as_u64().unwrap() > 1_000,
        "{presel}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
