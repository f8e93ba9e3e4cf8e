//! The driver every analysis crate uses: `cargo run --release -- NAME [run|plan|exec|merge|describe]`.
//!
//! An analysis crate's `main.rs`:
//! ```no_run
//! # mod dimuon { pub fn analysis() -> pc_core::cli::Analysis { unimplemented!() } }
//! #[global_allocator]
//! static ALLOC: pc_core::cli::Allocator = pc_core::cli::Allocator;
//! fn main() -> std::process::ExitCode {
//!     pc_core::cli::main(&[dimuon::analysis()])
//! }
//! ```
//! The workspace's `pc` binary is built the same way ([`command`] and [`dispatch`]), with
//! its framework commands beside the analyses.

mod args;
mod commands;
pub mod demo;
mod inputs;
mod progress;

use std::process::ExitCode;

use clap::{ArgMatches, Args as _, Command, FromArgMatches, Subcommand as _};

use crate::config::Dataset;
use crate::run::Processor;

pub use args::{Action, ExecArgs, InputArgs, MergeArgs, PlanArgs, RunArgs};

/// The allocator analysis binaries should use (mimalloc: measured ~20% less wall time than
/// glibc malloc on chunked reads, since chunk buffers are reused).
pub use mimalloc::MiMalloc as Allocator;

/// An analysis the driver can run: its processor, its own parameters and, optionally, a
/// built-in demo (datasets generated on first use).
#[derive(Clone, Copy)]
pub struct Analysis {
    pub processor: &'static dyn Processor,
    /// The analysis' parameters (`(name for messages, YAML text)`), merged on top of the
    /// framework defaults and under the user's `--params`.
    pub params: Option<(&'static str, &'static str)>,
    /// Datasets to run on when no `--datasets` is given.
    pub demo: Option<fn(&DemoRequest) -> anyhow::Result<Demo>>,
    /// The primary datasets of the demo's pseudo-data ([`DemoRequest::primary_datasets`]).
    pub demo_data: &'static [&'static str],
    /// The analysis crate's version (written to `config.json`).
    pub version: &'static str,
}

impl Analysis {
    /// An analysis around `processor`, without parameters or demo.
    pub const fn new(processor: &'static dyn Processor) -> Analysis {
        Analysis {
            processor,
            params: None,
            demo: None,
            demo_data: &[],
            version: "",
        }
    }

    /// With the analysis' own parameters.
    pub const fn params(mut self, name: &'static str, yaml: &'static str) -> Analysis {
        self.params = Some((name, yaml));
        self
    }

    /// With a built-in demo.
    pub const fn demo(mut self, demo: fn(&DemoRequest) -> anyhow::Result<Demo>) -> Analysis {
        self.demo = Some(demo);
        self
    }

    /// With the standard demo ([`demo::standard`]): generated Drell-Yan and ttbar MC, and
    /// pseudo-data for each of `primary_datasets`.
    pub const fn standard_demo(mut self, primary_datasets: &'static [&'static str]) -> Analysis {
        self.demo = Some(demo::standard);
        self.demo_data = primary_datasets;
        self
    }

    /// With the analysis crate's version.
    pub const fn version(mut self, version: &'static str) -> Analysis {
        self.version = version;
        self
    }

    /// The processor's name (the command name).
    pub fn name(&self) -> &'static str {
        self.processor.spec().name
    }
}

/// What a demo is asked for.
#[derive(Debug, Clone)]
pub struct DemoRequest {
    /// Folder for generated samples.
    pub dir: std::path::PathBuf,
    /// Events per sample.
    pub events: u64,
    /// Whether a data folder (corrections, golden JSONs) is at hand.
    pub has_data_dir: bool,
    pub quiet: bool,
    /// The primary datasets to make pseudo-data for (`SingleMuon`, ...).
    pub primary_datasets: &'static [&'static str],
}

/// The demo's datasets, and parameters to add (e.g. its own golden JSON) when needed.
#[derive(Debug, Clone)]
pub struct Demo {
    pub datasets: Vec<Dataset>,
    pub params_yaml: Option<String>,
}

/// Parses the command line and runs one of `analyses`; errors are printed for people.
pub fn main(analyses: &[Analysis]) -> ExitCode {
    tune_allocator();
    let mut cmd = command(analyses, Command::new(binary_name()));
    if analyses.len() == 1 {
        cmd = cmd.subcommand_required(false);
    }
    let matches = cmd.get_matches();
    let result = match dispatch(analyses, &matches) {
        Some(r) => r,
        // One analysis and no name: its default run.
        None => commands::run_default(&analyses[0]),
    };
    report(result)
}

/// Sets mimalloc to return freed memory to the OS only after it stayed unused for 100 ms
/// (its default is 10 ms): each chunk's buffers are mostly reused by the next instead of
/// being faulted back in, and peak memory stays flat however many events are read
/// (zmumu, 1 thread, all variations, 1M and 10M events: 92 and 91 MiB, where never
/// purging gives 113 and 130 MiB for 2% less time). `MIMALLOC_PURGE_DELAY` overrides it.
pub fn tune_allocator() {
    /// mimalloc's `mi_option_purge_delay` (`mimalloc.h`; not exported by the -sys crate).
    const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return; // the user's choice, read by mimalloc itself
    }
    // SAFETY: sets an integer option; mimalloc reads it on every purge decision.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 100) };
}

fn binary_name() -> String {
    std::env::args()
        .next()
        .and_then(|a| {
            std::path::Path::new(&a)
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "analysis".into())
}

/// `base` with one subcommand per analysis (`NAME [run|plan|exec|merge|describe]`).
pub fn command(analyses: &[Analysis], base: Command) -> Command {
    let mut cmd = base.subcommand_required(true).arg_required_else_help(false);
    for a in analyses {
        let name = a.name();
        let sub = Command::new(name).args_conflicts_with_subcommands(true);
        let sub = Action::augment_subcommands(RunArgs::augment_args(sub)).about(format!(
            "The `{name}` analysis: run (the default), plan, exec, merge or describe"
        ));
        cmd = cmd.subcommand(sub);
    }
    cmd
}

/// Runs the analysis `matches` names, or `None` if the subcommand is not an analysis.
pub fn dispatch(analyses: &[Analysis], matches: &ArgMatches) -> Option<anyhow::Result<()>> {
    let (name, sub) = matches.subcommand()?;
    let analysis = analyses.iter().find(|a| a.name() == name)?;
    let result = (|| {
        let action = match sub.subcommand() {
            Some(_) => Action::from_arg_matches(sub)?,
            None => Action::Run(RunArgs::from_arg_matches(sub)?),
        };
        commands::run_action(analysis, action)
    })();
    Some(result)
}

/// Prints an error (its causes `: `-separated) and gives the exit code.
pub fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", error_chain(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes, skipping a cause whose text the message already contains
/// (our library errors name their source in their own message).
pub fn error_chain(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let part = cause.to_string();
        if !text.contains(&part) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&part);
        }
    }
    text
}
