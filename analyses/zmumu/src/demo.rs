//! The built-in demo: Drell-Yan and ttbar MC and pseudo-data, generated once into the
//! demo folder.

use std::collections::BTreeMap;

use anyhow::Context;
use pc_core::cli::{Demo, DemoRequest};
use pc_core::config::Dataset;
use pc_core::generate::{GENERATOR_VERSION, GenerateOptions, SampleKind, generate};

/// The demo's samples: (dataset, sample, kind, cross section in pb (MC), seed).
const SAMPLES: [(&str, &str, SampleKind, Option<f64>, u64); 3] = [
    (
        "DYJetsToLL_M-50_2018",
        "DYJetsToLL",
        SampleKind::DrellYan,
        Some(6077.22),
        1,
    ),
    ("TTJets_2018", "TTJets", SampleKind::TTbar, Some(831.76), 2),
    (
        "DATA_SingleMuon_2018_EraA",
        "DATA_SingleMuon",
        SampleKind::Data,
        None,
        3,
    ),
];

/// Generates the samples if missing. Without a data folder, the demo uses its own
/// certification file and runs without corrections (and says so).
pub fn demo(req: &DemoRequest) -> anyhow::Result<Demo> {
    let dir = &req.dir;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let events = req.events;
    let mut datasets = Vec::new();
    for (name, sample, kind, xsec, seed) in SAMPLES {
        let path = dir.join(format!(
            "{kind}_{events}_seed{seed}_lz4-1_gen{GENERATOR_VERSION}.root"
        ));
        if !path.exists() {
            let mut opts = GenerateOptions::new(kind, events);
            opts.seed = seed;
            if !req.quiet {
                eprintln!(
                    "generating the demo sample {} ({events} events)",
                    path.display()
                );
            }
            let tmp = path.with_extension("root.partial");
            generate(&tmp, &opts)?;
            std::fs::rename(&tmp, &path)?;
        }
        let mut meta = BTreeMap::new();
        meta.insert("sample".to_string(), sample.to_string());
        meta.insert("year".to_string(), "2018".to_string());
        let is_mc = if xsec.is_some() { "True" } else { "False" };
        meta.insert("isMC".to_string(), is_mc.to_string());
        match xsec {
            Some(x) => {
                meta.insert("xsec".to_string(), x.to_string());
            }
            None => {
                meta.insert("era".to_string(), "A".to_string());
                meta.insert("primaryDataset".to_string(), "SingleMuon".to_string());
            }
        }
        meta.insert("nevents".to_string(), events.to_string());
        let d = Dataset::from_metadata(name, meta, vec![path.to_string_lossy().into_owned()])
            .map_err(|e| anyhow::anyhow!("demo dataset {name}: {e}"))?;
        datasets.push(d);
    }
    let golden = dir.join("demo_golden_2018.json");
    std::fs::write(&golden, pc_core::generate::demo_golden_json())?;
    let params_yaml = (!req.has_data_dir).then(|| {
        eprintln!(
            "note: no data folder (--data-dir, $PC_DATA_DIR or ../shared/data): \
             the demo runs without pileup/muon-SF weights and jet calibration"
        );
        format!(
            "corrections: false\nlumi:\n  goldenJSON:\n    \"2018\": \"{}\"\n",
            golden.display()
        )
    });
    Ok(Demo {
        datasets,
        params_yaml,
    })
}
