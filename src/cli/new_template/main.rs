//! Runs {{name}}: `cargo run --release -- [DATASETS.json] [OUTPUT_DIR]`. Without a dataset
//! JSON it generates a small Drell-Yan sample to run on.

use std::collections::BTreeMap;
use std::error::Error;

use pc_core::config::{Dataset, Params, datasets};
use pc_core::generate::{GenerateOptions, SampleKind, generate};
use pc_core::run::{RunOptions, run, write::write_outputs};

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let datasets = match args.first() {
        Some(json) => datasets::load_datasets(&[json], &Default::default())?,
        None => vec![demo_dataset()?],
    };
    let output = args.get(1).map_or("output", String::as_str);
    let data_dir = std::env::var("PC_DATA_DIR").unwrap_or_else(|_| "data".into());
    let params = Params::builder()
        .dir("data_dir", data_dir)
        .yaml("params/params.yaml", {{name}}::PARAMS_YAML)
        .load()?;
    let opts = RunOptions {
        progress: true,
        ..RunOptions::default()
    };
    let result = run(&{{name}}::analysis::Processor, &datasets, &params, &opts)?;
    write_outputs(output.as_ref(), &result, &params, env!("CARGO_PKG_VERSION"))?;
    println!("{}", result.output.cutflow_table());
    println!("outputs in {output}/");
    if !result.failed.is_empty() {
        return Err(format!("{} chunks failed", result.failed.len()).into());
    }
    Ok(())
}

/// A 50k-event Drell-Yan sample, generated once into `.cache/`.
fn demo_dataset() -> Result<Dataset, Box<dyn Error>> {
    let path = std::path::Path::new(".cache/demo_dy.root");
    if !path.exists() {
        std::fs::create_dir_all(".cache")?;
        generate(path, &GenerateOptions::new(SampleKind::DrellYan, 50_000))?;
    }
    let meta: BTreeMap<String, String> = [("sample", "DYJetsToLL"), ("year", "2018"), ("isMC", "True"), ("xsec", "6077.22")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Ok(Dataset::from_metadata("DYJetsToLL_M-50_2018", meta, vec![path.to_string_lossy().into_owned()])?)
}
