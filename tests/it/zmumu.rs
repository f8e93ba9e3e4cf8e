//! The Z->mumu analysis end to end: equal to the independent Python reference
//! (`validation/zmumu_reference.py`) on the real NanoAOD files, and identical outputs for
//! any thread count and chunk size.

use std::path::{Path, PathBuf};

use pc_core::config::{Params, datasets};
use pc_core::generate::{GenerateOptions, SampleKind, generate};
use pc_core::run::{RunOptions, run};
use pc_core::write::{OutputDir, write_outputs};
use serde_json::Value;

use crate::common;

fn params() -> Params {
    Params::builder()
        .yaml("zmumu", zmumu::PARAMS_YAML)
        .dir("data_dir", common::shared_data())
        .load()
        .unwrap()
}

fn run_zmumu(datasets: &[pc_core::config::Dataset], threads: usize, chunk_size: u64, out: &Path) {
    let opts = RunOptions {
        threads,
        chunk_size,
    };
    let params = params();
    let result = run(&zmumu::zmumu::Processor, datasets, &params, &opts).unwrap();
    assert!(result.failed.is_empty(), "{:?}", result.failed);
    let dir = OutputDir::open(out).unwrap();
    write_outputs(&dir, &result, &params, "test").unwrap();
}

/// Compares two JSON documents: integers exactly, floats to 1e-9 relative; keys that
/// only describe the writer are skipped.
fn compare(a: &Value, b: &Value, path: &str, diffs: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            // A histogram's own metadata and writer info describe the writer, not the data.
            let is_hist = x.contains_key("storage");
            let skip = |k: &str| is_hist && (k == "writer_info" || k == "metadata");
            let kx: Vec<_> = x.keys().filter(|k| !skip(k)).collect();
            let ky: Vec<_> = y.keys().filter(|k| !skip(k)).collect();
            if kx != ky {
                diffs.push(format!("{path}: keys {kx:?} vs {ky:?}"));
                return;
            }
            for k in kx {
                compare(&x[k], &y[k], &format!("{path}/{k}"), diffs);
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                compare(p, q, &format!("{path}[{i}]"), diffs);
            }
        }
        (Value::Number(x), Value::Number(y)) => {
            let same = match (x.as_i64(), y.as_i64()) {
                (Some(p), Some(q)) => p == q,
                _ => {
                    let (p, q) = (x.as_f64().unwrap(), y.as_f64().unwrap());
                    (p - q).abs() <= 1e-9 * p.abs().max(q.abs()) + 1e-300
                }
            };
            if !same {
                diffs.push(format!("{path}: {x} vs {y}"));
            }
        }
        _ if a == b => {}
        _ => diffs.push(format!("{path}: {a} vs {b}")),
    }
}

fn read(path: PathBuf) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap()
}

#[test]
fn shared_files_equal_the_python_reference_bin_by_bin() {
    let json = common::root().join("validation/zmumu/datasets_shared.json");
    // Its file paths are `${PC_SHARED_DATA}/nanoaod/...`.
    let ds =
        datasets::load_datasets_with(&[&json], &Default::default(), &common::dataset_env).unwrap();
    let out = std::env::temp_dir().join(format!("pc-zmumu-shared-{}", std::process::id()));
    run_zmumu(&ds, 2, 100_000, &out);
    let reference = common::root().join("validation/zmumu/reference_shared");
    let mut diffs = Vec::new();
    for file in ["cutflow.json", "histograms.json"] {
        compare(
            &read(reference.join(file)),
            &read(out.join(file)),
            file,
            &mut diffs,
        );
    }
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs[..diffs.len().min(20)].join("\n")
    );
    every_variation_moves_every_filled_mc_histogram(&read(out.join("histograms.json")));
}

/// Pileup and both muon SFs apply to every selected MC event, so each variation's total
/// differs from the nominal one in every filled MC histogram.
fn every_variation_moves_every_filled_mc_histogram(hists: &Value) {
    let mut checked = 0;
    for (key, h) in hists.as_object().unwrap() {
        let axes = h["axes"].as_array().unwrap();
        if axes.len() < 3 || axes[1]["metadata"]["name"] != "variation" {
            continue; // data
        }
        let labels: Vec<&str> = axes[1]["categories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        assert_eq!(
            labels,
            [
                "nominal",
                "pileupDown",
                "pileupUp",
                "sf_mu_idDown",
                "sf_mu_idUp",
                "sf_mu_isoDown",
                "sf_mu_isoUp"
            ]
        );
        let totals: Vec<f64> = h["storage"]["values"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| {
                row.as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_f64().unwrap())
                    .sum()
            })
            .collect();
        if totals[0] == 0.0 {
            continue;
        }
        for (label, total) in labels.iter().zip(&totals).skip(1) {
            assert!(
                (total - totals[0]).abs() > 1e-6 * totals[0].abs(),
                "{key}: {label} total {total} equals nominal {}",
                totals[0]
            );
        }
        checked += 1;
    }
    assert!(checked >= 14, "only {checked} MC histograms checked");
}

#[test]
fn outputs_do_not_depend_on_threads_or_chunk_size() {
    let dir = std::env::temp_dir().join(format!("pc-zmumu-det-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut ds = Vec::new();
    for (name, sample, kind, xsec) in [
        (
            "DYJetsToLL_M-50_2018",
            "DYJetsToLL",
            SampleKind::DrellYan,
            Some(6077.22),
        ),
        (
            "DATA_SingleMuon_2018_EraA",
            "DATA_SingleMuon",
            SampleKind::Data,
            None,
        ),
    ] {
        let path = dir.join(format!("{kind}.root"));
        let mut opts = GenerateOptions::new(kind, 30_000);
        opts.cluster_size = 1000;
        opts.codec = "lz4".parse().unwrap();
        generate(&path, &opts).unwrap();
        let mut meta = std::collections::BTreeMap::new();
        meta.insert("sample".to_string(), sample.to_string());
        meta.insert("year".to_string(), "2018".to_string());
        meta.insert("isMC".to_string(), xsec.is_some().to_string());
        match xsec {
            Some(x) => meta.insert("xsec".to_string(), x.to_string()),
            None => meta.insert("primaryDataset".to_string(), "SingleMuon".to_string()),
        };
        ds.push(
            pc_core::config::Dataset::from_metadata(
                name,
                meta,
                vec![path.to_string_lossy().into()],
            )
            .unwrap(),
        );
    }
    let runs = [(1, 1_000_000), (2, 1_000), (2, 7_000), (1, 3_000)];
    let outputs: Vec<(String, String)> = runs
        .iter()
        .map(|&(threads, chunk)| {
            let out = dir.join(format!("out_{threads}_{chunk}"));
            run_zmumu(&ds, threads, chunk, &out);
            let text = |f: &str| std::fs::read_to_string(out.join(f)).unwrap();
            (text("histograms.json"), text("cutflow.json"))
        })
        .collect();
    for (i, o) in outputs.iter().enumerate().skip(1) {
        assert!(
            o.0 == outputs[0].0,
            "histograms.json differs for {:?}",
            runs[i]
        );
        assert!(
            o.1 == outputs[0].1,
            "cutflow.json differs for {:?}",
            runs[i]
        );
    }
    let cutflow: Value = serde_json::from_str(&outputs[0].1).unwrap();
    let data_skim = cutflow["skim"]["DATA_SingleMuon_2018_EraA"]
        .as_u64()
        .unwrap();
    assert!(data_skim > 0, "the pseudo-data must pass the skim");
}

#[test]
fn demo_golden_json_accepts_the_same_pseudo_data_as_the_real_one() {
    use pc_core::io::{ReadOptions, RootFile, Values};
    use pc_core::lumimask::LumiMask;
    let dir = std::env::temp_dir().join(format!("pc-golden-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("data.root");
    generate(&path, &GenerateOptions::new(SampleKind::Data, 20_000)).unwrap();
    let tree = RootFile::open(&path).unwrap().tree("Events").unwrap();
    let cols = tree
        .read(
            &["run", "luminosityBlock"],
            0..tree.entries(),
            ReadOptions::default(),
        )
        .unwrap();
    let (Values::U32(runs), Values::U32(lumis)) = (&cols[0].values, &cols[1].values) else {
        panic!("run and luminosityBlock are UInt_t");
    };
    let real = LumiMask::from_file(
        common::shared_data()
            .join("lumimasks/Cert_314472-325175_13TeV_Legacy2018_Collisions18_JSON.txt"),
    )
    .unwrap();
    let demo = LumiMask::from_json_str(&pc_core::generate::demo_golden_json(), "demo").unwrap();
    let (a, b) = (real.mask(runs, lumis), demo.mask(runs, lumis));
    assert_eq!(a, b);
    let certified = a.iter().filter(|&&x| x).count();
    assert!(
        certified > 0 && certified < a.len(),
        "{certified} of {} certified",
        a.len()
    );
}
