//! The standard demo: generated Drell-Yan and ttbar MC and one pseudo-data sample per
//! primary dataset the analysis names (2018), written once into the demo folder.

use std::collections::BTreeMap;

use anyhow::Context;

use super::{Demo, DemoRequest};
use crate::config::Dataset;
use crate::generate::{GENERATOR_VERSION, GenerateOptions, SampleKind, generate};

/// The MC samples: (dataset, sample, kind, cross section in pb, seed).
const MC: [(&str, &str, SampleKind, f64, u64); 2] = [
    (
        "DYJetsToLL_M-50_2018",
        "DYJetsToLL",
        SampleKind::DrellYan,
        6077.22,
        1,
    ),
    ("TTJets_2018", "TTJets", SampleKind::TTbar, 831.76, 2),
];

/// Generates the samples if missing: the MC ones, then `DATA_{pd}_2018_EraA` for each of
/// the request's primary datasets. Without a data folder, the demo uses its own
/// certification file and runs without corrections (and says so).
pub fn standard(req: &DemoRequest) -> anyhow::Result<Demo> {
    let dir = &req.dir;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let data = req.primary_datasets.iter().enumerate().map(|(i, pd)| {
        let name = format!("DATA_{pd}_2018_EraA");
        (
            name,
            format!("DATA_{pd}"),
            SampleKind::Data,
            None,
            3 + i as u64,
            Some(*pd),
        )
    });
    let mc = MC.iter().map(|&(name, sample, kind, xsec, seed)| {
        (
            name.to_string(),
            sample.to_string(),
            kind,
            Some(xsec),
            seed,
            None,
        )
    });
    let mut datasets = Vec::new();
    for (name, sample, kind, xsec, seed, pd) in mc.chain(data) {
        let path = sample_file(req, kind, seed)?;
        let mut meta = BTreeMap::new();
        meta.insert("sample".to_string(), sample);
        meta.insert("year".to_string(), "2018".to_string());
        let is_mc = if xsec.is_some() { "True" } else { "False" };
        meta.insert("isMC".to_string(), is_mc.to_string());
        if let Some(x) = xsec {
            meta.insert("xsec".to_string(), x.to_string());
        }
        if let Some(pd) = pd {
            meta.insert("era".to_string(), "A".to_string());
            meta.insert("primaryDataset".to_string(), pd.to_string());
        }
        meta.insert("nevents".to_string(), req.events.to_string());
        let d = Dataset::from_metadata(&name, meta, vec![path.to_string_lossy().into_owned()])
            .map_err(|e| anyhow::anyhow!("demo dataset {name}: {e}"))?;
        datasets.push(d);
    }
    let golden = dir.join("demo_golden_2018.json");
    std::fs::write(&golden, crate::generate::demo_golden_json())?;
    let params_yaml = (!req.has_data_dir).then(|| {
        eprintln!(
            "note: no data folder (--data-dir, $PC_DATA_DIR or ../shared/data): \
             the demo runs without scale-factor weights and jet calibration"
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

/// The generated file of `kind` with `seed`, made on first use.
fn sample_file(
    req: &DemoRequest,
    kind: SampleKind,
    seed: u64,
) -> anyhow::Result<std::path::PathBuf> {
    let events = req.events;
    let path = req.dir.join(format!(
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
    Ok(path)
}
