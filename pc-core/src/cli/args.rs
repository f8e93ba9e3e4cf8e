//! The driver's options, as composable clap `Args`.

use std::path::PathBuf;

use crate::plan::Slice;

/// What to do with an analysis.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum Action {
    /// Plan, execute every chunk and write the outputs (the default).
    Run(RunArgs),
    /// Write the chunk plan (JSON) for batch jobs: `exec` runs slices of it.
    Plan(PlanArgs),
    /// Execute one slice of a plan into a partial result.
    Exec(ExecArgs),
    /// Merge partial results of a plan (each chunk exactly once) and write the outputs.
    Merge(MergeArgs),
    /// Print the plan (chunks per dataset), branches read, categories, variations, histograms.
    Describe(InputArgs),
}

/// Where the inputs come from: datasets, parameters, chunking, filters.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct InputArgs {
    /// A built dataset JSON, PocketCoffea format (repeatable) [default: the analysis' demo].
    #[arg(long = "datasets", value_name = "JSON")]
    pub datasets: Vec<PathBuf>,
    /// Parameter files merged in order on top of the defaults and the analysis' own (repeatable).
    #[arg(long = "params", value_name = "YAML")]
    pub params: Vec<PathBuf>,
    /// Folder with corrections and lumi masks (`${data_dir:}` in the parameters)
    /// [default: $PC_DATA_DIR, $PC_SHARED_DATA, else ../shared/data when present].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Entries per chunk (chunks are whole ROOT clusters).
    #[arg(long, default_value_t = 100_000, value_name = "N")]
    pub chunksize: u64,
    /// Only the first N files of each dataset.
    #[arg(long, value_name = "N")]
    pub limit_files: Option<usize>,
    /// Only the first N chunks of each dataset.
    #[arg(long, value_name = "N")]
    pub limit_chunks: Option<usize>,
    /// A quick test: at most 2 files and 2 chunks per dataset (as PocketCoffea's --test).
    #[arg(long)]
    pub test: bool,
    /// Only these samples (repeatable or comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "SAMPLE")]
    pub filter_samples: Vec<String>,
    /// Only these datasets (repeatable or comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "DATASET")]
    pub filter_datasets: Vec<String>,
    /// Only these years (repeatable or comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "YEAR")]
    pub filter_years: Vec<String>,
    /// Leave out input files that cannot be read (listed in the outputs) instead of stopping.
    #[arg(long)]
    pub skip_bad_files: bool,
    /// Events per demo sample.
    #[arg(long, default_value_t = 200_000, value_name = "N")]
    pub demo_events: u64,
    /// Cache folder of the demo samples.
    #[arg(long, default_value = ".cache/pc-demo", value_name = "DIR")]
    pub demo_dir: PathBuf,
    /// No progress output.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `run`: the whole pipeline on this machine.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct RunArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output folder [default: pc-output/NAME].
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Worker threads [default: all cores].
    #[arg(long, default_value_t = 0, hide_default_value = true, value_name = "N")]
    pub threads: usize,
    /// Continue a killed run from the ledger in its output folder (same plan only).
    #[arg(long)]
    pub resume: bool,
    /// Seconds between saves of the ledger (the partial result so far) while running.
    #[arg(long, default_value_t = 5.0, value_name = "S")]
    pub checkpoint_seconds: f64,
}

/// `plan`: write the chunk plan.
#[derive(clap::Args, Debug, Clone)]
pub struct PlanArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The plan file to write.
    #[arg(short, long, default_value = "plan.json", value_name = "FILE")]
    pub output: PathBuf,
}

/// `exec`: one slice of a plan.
#[derive(clap::Args, Debug, Clone)]
pub struct ExecArgs {
    /// The plan (written by `plan`).
    #[arg(long, value_name = "FILE")]
    pub plan: PathBuf,
    /// Which slice: K/N runs the K-th of N nearly equal contiguous parts [default: 1/1].
    #[arg(long, value_name = "K/N")]
    pub slice: Option<Slice>,
    /// The partial result to write [default: partial_K_of_N.json].
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Worker threads [default: all cores].
    #[arg(long, default_value_t = 0, hide_default_value = true, value_name = "N")]
    pub threads: usize,
    /// No progress output.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `merge`: partial results into the outputs.
#[derive(clap::Args, Debug, Clone)]
pub struct MergeArgs {
    /// The plan the partials were made from.
    #[arg(long, value_name = "FILE")]
    pub plan: PathBuf,
    /// The partial results (written by `exec`).
    #[arg(required = true, value_name = "PARTIAL")]
    pub partials: Vec<PathBuf>,
    /// Output folder.
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// Write the outputs even if chunks of the plan are in no partial (they are listed).
    #[arg(long)]
    pub allow_missing: bool,
    /// No cutflow table.
    #[arg(short, long)]
    pub quiet: bool,
}
