//! The driver's actions: run, plan, exec, merge, describe.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;

use super::Analysis;
use super::args::{Action, ExecArgs, InputArgs, MergeArgs, PlanArgs, RunArgs};
use super::inputs::resolve;
use super::progress::Progress;
use crate::execute::{ExecOptions, RunSetup, execute};
use crate::plan::{ChunkPlan, PlannedChunk, Slice, plan};
use crate::run::{LocalOptions, RunResult, run_local};
use crate::write::{OutputDir, write_outputs};

/// `NAME` alone: `run` with the default options.
pub fn run_default(analysis: &Analysis) -> anyhow::Result<()> {
    run_action(analysis, Action::Run(RunArgs::default_for_cli()))
}

impl RunArgs {
    /// The options as clap would default them (no arguments given).
    fn default_for_cli() -> RunArgs {
        use clap::{Args, FromArgMatches};
        let cmd = RunArgs::augment_args(clap::Command::new("run"));
        let m = cmd.get_matches_from(["run"]);
        RunArgs::from_arg_matches(&m).expect("the defaults parse")
    }
}

/// Runs `action` of `analysis`.
pub fn run_action(analysis: &Analysis, action: Action) -> anyhow::Result<()> {
    match action {
        Action::Run(a) => run(analysis, a),
        Action::Plan(a) => write_plan(analysis, a),
        Action::Exec(a) => exec(analysis, a),
        Action::Merge(a) => merge(analysis, a),
        Action::Describe(a) => describe(analysis, a),
    }
}

fn run(analysis: &Analysis, args: RunArgs) -> anyhow::Result<()> {
    let name = analysis.name();
    let t0 = Instant::now();
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from("pc-output").join(name));
    let dir = OutputDir::open(&output)?;
    let mut inputs = resolve(analysis, &args.input)?;
    inputs.plan.threads = args.threads;
    let setup = RunSetup::new(
        analysis.processor,
        inputs.datasets.clone(),
        inputs.params.clone(),
    )?;
    let chunk_plan = plan(&setup.spec, &inputs.datasets, &inputs.params, &inputs.plan)?;
    report_skipped(&chunk_plan);
    let progress = Progress::new(!args.input.quiet, chunk_plan.entries());
    let on_chunk = |c: &PlannedChunk, _ok: bool| progress.add(c.len());
    let opts = LocalOptions {
        threads: args.threads,
        resume: args.resume,
        on_chunk: Some(&on_chunk),
        checkpoint_every: std::time::Duration::try_from_secs_f64(args.checkpoint_seconds.max(0.0))
            .unwrap_or(std::time::Duration::MAX),
    };
    let result = run_local(analysis.processor, &setup, &chunk_plan, &dir, &opts)?;
    progress.finish();
    write_outputs(&dir, &result, &setup.params, analysis.version)
        .with_context(|| format!("writing the outputs to {}", output.display()))?;
    if !args.input.quiet {
        println!("{}", result.output.cutflow_table());
    }
    let seconds = t0.elapsed().as_secs_f64();
    let resumed = match result.chunks_resumed {
        0 => String::new(),
        n => format!(
            " ({n} chunks taken from the ledger, {} processed now)",
            result.chunks_done - n
        ),
    };
    println!(
        "{name}: {} events in {} chunks{resumed}, {seconds:.2} s ({:.2} M events/s); outputs in {}",
        result.events_done,
        result.chunks_done,
        result.events_done as f64 / seconds.max(1e-9) / 1e6,
        output.display()
    );
    fail_on_failures(&result, &output)
}

fn report_skipped(chunk_plan: &ChunkPlan) {
    for b in &chunk_plan.skipped_files {
        eprintln!("skipped file (--skip-bad-files): {b}");
    }
}

/// Lists failed chunks; an error (non-zero exit) if any.
fn fail_on_failures(result: &RunResult, output: &std::path::Path) -> anyhow::Result<()> {
    if result.failed.is_empty() {
        return Ok(());
    }
    for f in &result.failed {
        eprintln!(
            "failed chunk {} (dataset {}): {} entries {}..{}: {}",
            f.id, f.dataset, f.file, f.entries.start, f.entries.end, f.error
        );
    }
    anyhow::bail!(
        "{} of {} chunks failed ({} events); listed in {}",
        result.failed.len(),
        result.chunks,
        result.events_failed,
        output.join("failed_chunks.json").display()
    )
}

fn write_plan(analysis: &Analysis, args: PlanArgs) -> anyhow::Result<()> {
    let inputs = resolve(analysis, &args.input)?;
    // The setup is checked now, not in the jobs.
    let setup = RunSetup::new(
        analysis.processor,
        inputs.datasets.clone(),
        inputs.params.clone(),
    )?;
    let chunk_plan = plan(&setup.spec, &inputs.datasets, &inputs.params, &inputs.plan)?;
    report_skipped(&chunk_plan);
    chunk_plan.write(&args.output)?;
    println!(
        "plan {}: {} chunks, {} events, {} datasets -> {}",
        chunk_plan.fingerprint,
        chunk_plan.chunks.len(),
        chunk_plan.entries(),
        chunk_plan.datasets.len(),
        args.output.display()
    );
    Ok(())
}

fn exec(analysis: &Analysis, args: ExecArgs) -> anyhow::Result<()> {
    let chunk_plan = ChunkPlan::read(&args.plan)?;
    let setup = RunSetup::for_plan(analysis.processor, &chunk_plan, chunk_plan.params()?)?;
    let slice = args.slice.unwrap_or(Slice { index: 1, count: 1 });
    let output = args.output.clone().unwrap_or_else(|| {
        PathBuf::from(format!("partial_{}_of_{}.json", slice.index, slice.count))
    });
    let ids: Vec<usize> = chunk_plan.slice(slice).collect();
    let events: u64 = ids.iter().map(|&i| chunk_plan.chunks[i].len()).sum();
    let progress = Progress::new(!args.quiet, events);
    let on_chunk = |c: &PlannedChunk, _ok: bool| progress.add(c.len());
    let opts = ExecOptions {
        threads: args.threads,
        on_chunk: Some(&on_chunk),
        checkpoint: None,
    };
    let mut partial = execute(
        analysis.processor,
        &setup,
        &chunk_plan,
        &ids,
        setup.empty_partial(&chunk_plan)?,
        &opts,
    )?;
    progress.finish();
    partial.slices = vec![slice];
    partial
        .write(&output, &chunk_plan.processor)
        .with_context(|| format!("writing {}", output.display()))?;
    println!(
        "slice {slice}: {} chunks done, {} failed -> {}",
        partial.done.len(),
        partial.failed.len(),
        output.display()
    );
    for (id, e) in &partial.failed {
        eprintln!("failed chunk {id}: {e}");
    }
    anyhow::ensure!(
        partial.failed.is_empty(),
        "{} chunk(s) of slice {slice} failed",
        partial.failed.len()
    );
    Ok(())
}

fn merge(analysis: &Analysis, args: MergeArgs) -> anyhow::Result<()> {
    let t0 = Instant::now();
    let chunk_plan = ChunkPlan::read(&args.plan)?;
    let setup = RunSetup::for_plan(analysis.processor, &chunk_plan, chunk_plan.params()?)?;
    let dir = OutputDir::open(&args.output)?;
    let partial = crate::merge::merge_files(&args.partials, &chunk_plan, &setup)?;
    if !args.allow_missing {
        crate::merge::check_complete(&partial, &chunk_plan)?;
    }
    let result =
        crate::finalize::finalize(&setup, &chunk_plan, partial, t0.elapsed().as_secs_f64());
    write_outputs(&dir, &result, &setup.params, analysis.version)
        .with_context(|| format!("writing the outputs to {}", args.output.display()))?;
    if !args.quiet {
        println!("{}", result.output.cutflow_table());
    }
    println!(
        "merged {} partials: {} of {} chunks; outputs in {}",
        args.partials.len(),
        result.chunks_done,
        result.chunks,
        args.output.display()
    );
    if !result.missing.is_empty() {
        eprintln!(
            "missing chunks (--allow-missing): {}",
            crate::util::ranges(&result.missing)
        );
    }
    fail_on_failures(&result, &args.output)
}

fn describe(analysis: &Analysis, args: InputArgs) -> anyhow::Result<()> {
    let inputs = resolve(analysis, &args)?;
    let mut spec = analysis.processor.spec();
    spec.select_variations(&inputs.params)?;
    let chunk_plan = plan(&spec, &inputs.datasets, &inputs.params, &inputs.plan)?;
    println!(
        "processor `{}` (tree `{}`), plan {}",
        spec.name, spec.tree, chunk_plan.fingerprint
    );
    println!("datasets:");
    for (i, d) in chunk_plan.datasets.iter().enumerate() {
        let chunks: Vec<&PlannedChunk> = chunk_plan
            .chunks
            .iter()
            .filter(|c| c.dataset == i)
            .collect();
        let events: u64 = chunks.iter().map(|c| c.len()).sum();
        println!(
            "  {}: {} files, {} chunks, {events} events",
            d.name,
            d.files.len(),
            chunks.len()
        );
    }
    report_skipped(&chunk_plan);
    let branches: Vec<String> = spec
        .branches
        .iter()
        .map(|b| {
            let mut s = b.name.to_string();
            if b.mc_only {
                s += " (MC)";
            }
            if let Some(w) = b.when {
                s += &format!(" (when {w})");
            }
            s
        })
        .collect();
    println!(
        "branches read ({}): {}",
        branches.len(),
        branches.join(", ")
    );
    println!("categories: {}", spec.categories.join(", "));
    println!("variations: {}", spec.axis_variations().join(", "));
    println!("histograms:");
    for h in &spec.histograms {
        let axes: Vec<String> = h.axes.iter().map(describe_axis).collect();
        println!("  {}: {}", h.name, axes.join(" x "));
    }
    Ok(())
}

/// `name: Regular(50, 0, 150)`.
fn describe_axis(a: &crate::hist::Axis) -> String {
    use crate::hist::AxisKind;
    let kind = match a.kind() {
        AxisKind::Regular { bins, start, stop } => format!("Regular({bins}, {start}, {stop})"),
        AxisKind::Variable { edges } => format!("Variable({} bins)", edges.len().saturating_sub(1)),
        AxisKind::Integer { start, stop } => format!("Integer({start}, {stop})"),
        AxisKind::StrCategory { labels, .. } => format!("StrCategory({})", labels.join(", ")),
    };
    format!("{} {kind}", a.name())
}
