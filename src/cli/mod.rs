//! Command-line definition and dispatch.

mod bench_read;
mod correction;
mod dump;
mod generate;
mod inspect;
mod new;
mod schema;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// A compiled, type-checked NanoAOD analysis framework in the spirit of PocketCoffea.
#[derive(Parser, Debug)]
#[command(name = "pc", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create a new analysis crate (a `#[processor]` module that builds and runs).
    New(new::Args),
    /// Show the trees of a ROOT file: entries, branches (type, counter, codec), clusters.
    Inspect(inspect::Args),
    /// Print branches of a tree as one JSON object per entry per line.
    Dump(dump::Args),
    /// Write a NanoAOD-like sample (Drell-Yan, ttbar or pseudo-data).
    Generate(generate::Args),
    /// Print the branch catalog of a file (`name type [counter]` per line).
    Schema(schema::Args),
    /// Inspect (`summary`), evaluate (`eval`) or time (`bench`) correctionlib files.
    #[command(subcommand_value_name = "ACTION")]
    Correction(correction::Args),
    /// Time reading branches of a file chunk by chunk (prints one JSON line).
    BenchRead(bench_read::Args),
}

/// The `pc` command: the framework commands plus one per registered analysis.
pub fn command(analyses: &[pc_core::cli::Analysis]) -> clap::Command {
    pc_core::cli::command(analyses, Cli::command())
}

/// Runs a framework command.
pub fn run(matches: &clap::ArgMatches) -> anyhow::Result<()> {
    let cli = Cli::from_arg_matches(matches)?;
    match cli.command {
        Command::Inspect(a) => inspect::run(a),
        Command::New(a) => new::run(a),
        Command::Dump(a) => dump::run(a),
        Command::Generate(a) => generate::run(a),
        Command::Schema(a) => schema::run(a),
        Command::BenchRead(a) => bench_read::run(a),
        Command::Correction(a) => correction::run(a),
    }
}
