//! Resolves the inputs of a run from the options: parameters, datasets, plan options. All
//! of it is checked here, before any input file is opened.

use std::path::PathBuf;

use anyhow::Context;

use super::args::InputArgs;
use super::{Analysis, DemoRequest};
use crate::config::{Dataset, Params, datasets};
use crate::plan::PlanOptions;

/// The resolved inputs.
pub struct Inputs {
    pub params: Params,
    pub datasets: Vec<Dataset>,
    pub plan: PlanOptions,
}

/// The data folder: `--data-dir`, `$PC_DATA_DIR`, `$PC_SHARED_DATA`, else `../shared/data`
/// when present.
fn data_dir(args: &InputArgs) -> Option<PathBuf> {
    args.data_dir
        .clone()
        .or_else(|| std::env::var_os("PC_DATA_DIR").map(PathBuf::from))
        .or_else(|| std::env::var_os("PC_SHARED_DATA").map(PathBuf::from))
        .or_else(|| Some(PathBuf::from("../shared/data")).filter(|p| p.join("lumimasks").is_dir()))
}

/// Parameters and datasets of `analysis` as `args` ask.
pub fn resolve(analysis: &Analysis, args: &InputArgs) -> anyhow::Result<Inputs> {
    let data_dir = data_dir(args);
    if let Some(d) = &data_dir {
        anyhow::ensure!(d.is_dir(), "--data-dir {}: not a folder", d.display());
    }
    let mut builder =
        Params::builder().dir("data_dir", data_dir.as_deref().unwrap_or(&args.demo_dir));
    if let Some((name, yaml)) = analysis.params {
        builder = builder.yaml(name, yaml);
    }
    let filter = datasets::DatasetFilter {
        samples: (!args.filter_samples.is_empty()).then(|| args.filter_samples.clone()),
        year: (!args.filter_years.is_empty()).then(|| args.filter_years.clone()),
        datasets: (!args.filter_datasets.is_empty()).then(|| args.filter_datasets.clone()),
        ..Default::default()
    };
    let datasets = if !args.datasets.is_empty() {
        datasets::load_datasets(&args.datasets, &filter)?
    } else {
        let Some(demo) = analysis.demo else {
            anyhow::bail!(
                "no --datasets given, and `{}` has no built-in demo",
                analysis.name()
            );
        };
        let request = DemoRequest {
            dir: args.demo_dir.clone(),
            events: args.demo_events,
            has_data_dir: data_dir.is_some(),
            quiet: args.quiet,
            primary_datasets: analysis.demo_data,
        };
        let demo = demo(&request).context("preparing the demo samples")?;
        if let Some(yaml) = &demo.params_yaml {
            builder = builder.yaml("the demo's parameters", yaml);
        }
        let selected: Vec<Dataset> = demo
            .datasets
            .into_iter()
            .filter(|d| filter.matches(d))
            .collect();
        anyhow::ensure!(!selected.is_empty(), "no demo dataset passes the filters");
        selected
    };
    for p in &args.params {
        builder = builder.user_file(p);
    }
    let params = builder.load()?;
    check_years(&params, &datasets)?;
    let limit = |n: Option<usize>| match args.test {
        true => Some(n.unwrap_or(2).min(2)),
        false => n,
    };
    Ok(Inputs {
        params,
        datasets,
        plan: PlanOptions {
            chunk_size: args.chunksize,
            limit_files: limit(args.limit_files),
            limit_chunks: limit(args.limit_chunks),
            skip_bad_files: args.skip_bad_files,
            threads: 0,
        },
    })
}

/// Every dataset's year must have parameters (its luminosity): one error naming all.
fn check_years(params: &Params, datasets: &[Dataset]) -> anyhow::Result<()> {
    let mut missing: Vec<String> = Vec::new();
    for d in datasets {
        if !params.contains(&format!("lumi.picobarns.{}", d.year)) {
            missing.push(format!("`{}` (dataset {})", d.year, d.name));
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let known = params.keys("lumi.picobarns").unwrap_or_default().join(", ");
    anyhow::bail!(
        "no parameters for year(s) {} (no `lumi.picobarns.YEAR`; the parameters know: {known})",
        missing.join(", ")
    )
}
