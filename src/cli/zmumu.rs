//! `pc zmumu`: PocketCoffea's Z->mumu example. Without `--datasets` it runs on the
//! built-in demo samples (generated on first use into a cache folder).

use std::path::{Path, PathBuf};

use anyhow::Context;
use pc_core::config::{Dataset, Params, datasets};
use pc_core::generate::{GENERATOR_VERSION, GenerateOptions, SampleKind, generate};
use pc_core::run::{RunOptions, run, write::write_outputs};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A built dataset JSON (PocketCoffea format) [default: the built-in demo samples].
    #[arg(long)]
    datasets: Option<PathBuf>,
    /// Only these samples (repeatable).
    #[arg(long = "sample")]
    samples: Vec<String>,
    /// Output folder.
    #[arg(short, long, default_value = "pc-output/zmumu")]
    output: PathBuf,
    /// Worker threads [default: all cores].
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Entries per chunk (chunks are whole ROOT clusters).
    #[arg(long, default_value_t = 100_000)]
    chunksize: u64,
    /// Parameter files merged on top of the defaults (repeatable).
    #[arg(long = "params")]
    params: Vec<PathBuf>,
    /// Folder with corrections and lumi masks (`${data_dir:}` in the parameters)
    /// [default: $PC_DATA_DIR, else ../shared/data when present].
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Events per demo sample.
    #[arg(long, default_value_t = 200_000)]
    demo_events: u64,
    /// Cache folder of the demo samples.
    #[arg(long, default_value = ".cache/pc-demo")]
    demo_dir: PathBuf,
    /// No progress output.
    #[arg(short, long)]
    quiet: bool,
}

pub fn run_cli(args: Args) -> anyhow::Result<()> {
    let data_dir = args
        .data_dir
        .clone()
        .or_else(|| std::env::var_os("PC_DATA_DIR").map(PathBuf::from))
        .or_else(|| Some(PathBuf::from("../shared/data")).filter(|p| p.join("lumimasks").is_dir()));
    // Without a data folder, `${data_dir:}` points at the demo folder: files not there are
    // only an error if the analysis opens them.
    let mut builder = Params::builder()
        .yaml(
            "analyses/zmumu/params/object_preselection.yaml",
            zmumu::PARAMS_YAML,
        )
        .dir("data_dir", data_dir.as_deref().unwrap_or(&args.demo_dir));
    let datasets = match &args.datasets {
        Some(path) => {
            let filter = datasets::DatasetFilter {
                samples: (!args.samples.is_empty()).then(|| args.samples.clone()),
                ..Default::default()
            };
            datasets::load_datasets(&[path], &filter)?
        }
        None => {
            let (datasets, golden) = demo_samples(&args.demo_dir, args.demo_events, args.quiet)?;
            if data_dir.is_none() {
                // No real golden JSON and correction files at hand: the demo's own
                // certification file, and no corrections.
                eprintln!(
                    "note: no data folder (--data-dir, $PC_DATA_DIR or ../shared/data): \
                     the demo runs without pileup/muon-SF weights and jet calibration"
                );
                builder = builder.yaml(
                    "demo",
                    &format!(
                        "corrections: false\nlumi:\n  goldenJSON:\n    \"2018\": \"{}\"\n",
                        golden.display()
                    ),
                );
            }
            datasets
        }
    };
    anyhow::ensure!(!datasets.is_empty(), "no datasets selected");
    for p in &args.params {
        builder = builder.file(p);
    }
    let params = builder.load()?;
    let opts = RunOptions {
        threads: args.threads,
        chunk_size: args.chunksize,
        progress: !args.quiet,
    };
    let result = run(&zmumu::dsl::zmumu::Processor, &datasets, &params, &opts)?;
    write_outputs(&args.output, &result, &params, env!("CARGO_PKG_VERSION"))
        .with_context(|| format!("writing the outputs to {}", args.output.display()))?;
    if !args.quiet {
        println!("{}", result.output.cutflow_table());
    }
    println!(
        "zmumu: {} events in {} chunks, {:.2} s ({:.2} M events/s); outputs in {}",
        result.events,
        result.chunks,
        result.seconds,
        result.events as f64 / result.seconds / 1e6,
        args.output.display()
    );
    if !result.failed.is_empty() {
        for f in &result.failed {
            eprintln!(
                "failed chunk {}: {} entries {}..{}: {}",
                f.chunk.id,
                f.chunk.file.display(),
                f.chunk.entries.start,
                f.chunk.entries.end,
                f.error
            );
        }
        anyhow::bail!(
            "{} of {} chunks failed (listed in {})",
            result.failed.len(),
            result.chunks,
            args.output.join("failed_chunks.json").display()
        );
    }
    Ok(())
}

/// The demo datasets: Drell-Yan and ttbar MC and pseudo-data, generated once into `dir`.
fn demo_samples(dir: &Path, events: u64, quiet: bool) -> anyhow::Result<(Vec<Dataset>, PathBuf)> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let samples = [
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
    let mut out = Vec::new();
    for (name, sample, kind, xsec, seed) in samples {
        let path = dir.join(format!(
            "{kind}_{events}_seed{seed}_lz4-1_gen{GENERATOR_VERSION}.root"
        ));
        if !path.exists() {
            let mut opts = GenerateOptions::new(kind, events);
            opts.seed = seed;
            if !quiet {
                eprintln!(
                    "generating the demo sample {} ({events} events)",
                    path.display()
                );
            }
            let tmp = path.with_extension("root.partial");
            generate(&tmp, &opts)?;
            std::fs::rename(&tmp, &path)?;
        }
        let mut meta = std::collections::BTreeMap::new();
        meta.insert("sample".to_string(), sample.to_string());
        meta.insert("year".to_string(), "2018".to_string());
        meta.insert(
            "isMC".to_string(),
            if xsec.is_some() { "True" } else { "False" }.to_string(),
        );
        if let Some(x) = xsec {
            meta.insert("xsec".to_string(), x.to_string());
        } else {
            meta.insert("era".to_string(), "A".to_string());
            meta.insert("primaryDataset".to_string(), "SingleMuon".to_string());
        }
        meta.insert("nevents".to_string(), events.to_string());
        let d = Dataset::from_metadata(name, meta, vec![path.to_string_lossy().into_owned()])
            .map_err(|e| anyhow::anyhow!("demo dataset {name}: {e}"))?;
        out.push(d);
    }
    let golden = dir.join("demo_golden_2018.json");
    std::fs::write(&golden, pc_core::generate::demo_golden_json())?;
    Ok((out, golden))
}
