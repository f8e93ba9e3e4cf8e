//! The `#[processor]` version of Z->mumu (`zmumu::dsl`) gives byte-identical
//! `histograms.json` and `cutflow.json` to the hand-written `zmumu::Zmumu`, on the shared
//! NanoAOD files and on generated samples.

use std::path::{Path, PathBuf};

use pc_core::config::{Dataset, Params, datasets};
use pc_core::generate::{GenerateOptions, SampleKind, generate};
use pc_core::run::{Processor, RunOptions, run, write::write_outputs};

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The shared data folder (`../shared/data` next to the workspace), or `$PC_SHARED_DATA`.
fn shared_data() -> PathBuf {
    std::env::var_os("PC_SHARED_DATA").map_or_else(|| root().join("../shared/data"), PathBuf::from)
}

fn params() -> Params {
    Params::builder()
        .yaml("zmumu", zmumu::PARAMS_YAML)
        .dir("data_dir", shared_data())
        .load()
        .unwrap()
}

/// Runs `processor` and returns the bytes of its `histograms.json` and `cutflow.json`.
fn outputs<P: Processor>(processor: &P, datasets: &[Dataset], out: &Path) -> [Vec<u8>; 2] {
    let opts = RunOptions {
        threads: 2,
        chunk_size: 7_000,
        progress: false,
    };
    let params = params();
    let result = run(processor, datasets, &params, &opts).unwrap();
    assert!(result.failed.is_empty(), "{:?}", result.failed);
    write_outputs(out, &result, &params, "test").unwrap();
    ["histograms.json", "cutflow.json"].map(|f| std::fs::read(out.join(f)).unwrap())
}

fn assert_same_outputs(datasets: &[Dataset], dir: &Path) {
    let hand = outputs(&zmumu::Zmumu, datasets, &dir.join("hand"));
    let dsl = outputs(&zmumu::dsl::zmumu::Processor, datasets, &dir.join("dsl"));
    for (name, (h, d)) in ["histograms.json", "cutflow.json"]
        .iter()
        .zip(hand.iter().zip(&dsl))
    {
        assert!(
            h == d,
            "{name} differs between the hand-written and the DSL processor ({})",
            dir.display()
        );
    }
    // Something was selected, so the comparison means something.
    let cutflow = String::from_utf8(hand[1].clone()).unwrap();
    assert!(cutflow.contains("baseline"), "{cutflow}");
}

#[test]
fn dsl_equals_hand_written_on_shared_files() {
    let json = root().join("validation/zmumu/datasets_shared.json");
    let ds = datasets::load_datasets(&[&json], &Default::default()).unwrap();
    let dir = std::env::temp_dir().join(format!("pc-zmumu-dsl-shared-{}", std::process::id()));
    assert_same_outputs(&ds, &dir);
}

#[test]
fn dsl_equals_hand_written_on_generated_samples() {
    let dir = std::env::temp_dir().join(format!("pc-zmumu-dsl-gen-{}", std::process::id()));
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
        let mut opts = GenerateOptions::new(kind, 20_000);
        opts.cluster_size = 1000;
        generate(&path, &opts).unwrap();
        let mut meta = std::collections::BTreeMap::new();
        meta.insert("sample".to_string(), sample.to_string());
        meta.insert("year".to_string(), "2018".to_string());
        meta.insert("isMC".to_string(), xsec.is_some().to_string());
        if let Some(x) = xsec {
            meta.insert("xsec".to_string(), x.to_string());
        }
        ds.push(Dataset::from_metadata(name, meta, vec![path.to_string_lossy().into()]).unwrap());
    }
    assert_same_outputs(&ds, &dir);
}
