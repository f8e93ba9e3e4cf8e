//! The local run: the pipeline plan -> execute -> finalize on one machine, optionally
//! with a ledger in the output folder so a killed run resumes where it stopped.

use std::ops::Range;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::output::Output;
use super::processor::Processor;
use crate::config::{Dataset, Params};
use crate::execute::{ExecOptions, OnChunk, RunSetup, execute};
use crate::partial::Partial;
use crate::plan::{BadFile, ChunkPlan, PlanOptions, plan};
use crate::write::OutputDir;

/// How to run (see [`run`]).
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Worker threads (0: all cores).
    pub threads: usize,
    /// Target entries per chunk (chunks are whole clusters).
    pub chunk_size: u64,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            threads: 0,
            chunk_size: 100_000,
        }
    }
}

/// A chunk that could not be processed, and why.
#[derive(Debug, Clone)]
pub struct FailedChunk {
    pub id: usize,
    pub dataset: String,
    pub file: String,
    pub entries: Range<u64>,
    pub error: String,
}

/// Why a run could not start or finish.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Io(Box<crate::io::IoError>),
    #[error(transparent)]
    Params(#[from] crate::config::ParamError),
    #[error(transparent)]
    LumiMask(#[from] crate::lumimask::LumiMaskError),
    #[error(transparent)]
    Hist(#[from] crate::hist::HistError),
    #[error(transparent)]
    Plan(Box<crate::plan::PlanError>),
    #[error(transparent)]
    Partial(Box<crate::partial::PartialError>),
    #[error(transparent)]
    Write(Box<crate::write::WriteError>),
    #[error("{0}")]
    Setup(String),
}

macro_rules! boxed_from {
    ($($variant:ident($t:ty)),*) => {$(
        impl From<$t> for RunError {
            fn from(e: $t) -> Self {
                RunError::$variant(Box::new(e))
            }
        }
    )*};
}
boxed_from!(
    Io(crate::io::IoError),
    Plan(crate::plan::PlanError),
    Partial(crate::partial::PartialError),
    Write(crate::write::WriteError)
);

/// The result of a run: the merged, normalised output and what happened to each chunk.
#[derive(Debug)]
pub struct RunResult {
    pub output: Output,
    pub failed: Vec<FailedChunk>,
    /// Chunk ids of the plan neither processed nor failed (an incomplete merge).
    pub missing: Vec<usize>,
    pub skipped_files: Vec<BadFile>,
    /// The plan's fingerprint.
    pub fingerprint: String,
    /// Chunks and entries planned.
    pub chunks: usize,
    pub events: u64,
    pub chunks_done: usize,
    pub events_done: u64,
    pub events_failed: u64,
    /// Chunks taken from the ledger of an earlier, killed run (`--resume`).
    pub chunks_resumed: usize,
    pub seconds: f64,
}

/// Runs `processor` over `datasets` in memory: plan, execute every chunk, finalize.
pub fn run<P: Processor + ?Sized>(
    processor: &P,
    datasets: &[Dataset],
    params: &Params,
    opts: &RunOptions,
) -> Result<RunResult, RunError> {
    let t0 = Instant::now();
    let plan_opts = PlanOptions {
        chunk_size: opts.chunk_size,
        threads: opts.threads,
        ..PlanOptions::default()
    };
    let setup = RunSetup::new(processor, datasets.to_vec(), params.clone())?;
    let chunk_plan = plan(&setup.spec, datasets, params, &plan_opts)?;
    let ids: Vec<usize> = (0..chunk_plan.chunks.len()).collect();
    let exec = ExecOptions {
        threads: opts.threads,
        ..ExecOptions::default()
    };
    let partial = execute(
        processor,
        &setup,
        &chunk_plan,
        &ids,
        setup.empty_partial(&chunk_plan)?,
        &exec,
    )?;
    Ok(crate::finalize::finalize(
        &setup,
        &chunk_plan,
        partial,
        t0.elapsed().as_secs_f64(),
    ))
}

/// How to run locally into an output folder (see [`run_local`]).
#[derive(Clone, Copy)]
pub struct LocalOptions<'a> {
    pub threads: usize,
    /// Continue from the ledger a killed run left in the output folder.
    pub resume: bool,
    /// How often the ledger is saved while chunks finish.
    pub checkpoint_every: Duration,
    pub on_chunk: Option<OnChunk<'a>>,
}

impl Default for LocalOptions<'_> {
    fn default() -> Self {
        LocalOptions {
            threads: 0,
            resume: false,
            checkpoint_every: Duration::from_secs(5),
            on_chunk: None,
        }
    }
}

/// The ledger and plan files of a run in its output folder.
const LEDGER: &str = "partial.json";
const PLAN: &str = "plan.json";

/// Runs `chunk_plan` with `setup` on this machine, saving a ledger (the partial result so
/// far) in `dir` as chunks finish; with `resume`, starts from the ledger of the same plan
/// and runs only the chunks it lacks. The caller writes the outputs.
pub fn run_local<P: Processor + ?Sized>(
    processor: &P,
    setup: &RunSetup,
    chunk_plan: &ChunkPlan,
    dir: &OutputDir,
    opts: &LocalOptions<'_>,
) -> Result<RunResult, RunError> {
    let t0 = Instant::now();
    let ledger = dir.state_file(LEDGER);
    let plan_path = dir.state_file(PLAN);
    let mut start = setup.empty_partial(chunk_plan)?;
    if opts.resume && plan_path.exists() {
        let before = ChunkPlan::read(&plan_path)?;
        if before.fingerprint != chunk_plan.fingerprint {
            return Err(RunError::Setup(format!(
                "{}: --resume: the run there had another plan (parameters, datasets, files or \
                 chunk size changed); run without --resume to start again",
                dir.path().display()
            )));
        }
        if ledger.exists() {
            start = Partial::read(&ledger, chunk_plan, &setup.spec, &setup.datasets)?;
        }
    } else {
        let _ = std::fs::remove_file(&ledger);
        chunk_plan.write(&plan_path)?;
    }
    let resumed = start.done.len();
    let todo: Vec<usize> = (0..chunk_plan.chunks.len())
        .filter(|id| !start.done.contains(id))
        .collect();
    let save_error: Mutex<Option<std::io::Error>> = Mutex::new(None);
    let save = |p: &Partial| {
        if let Err(e) = p.write(&ledger, &chunk_plan.processor) {
            save_error
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get_or_insert(e);
        }
    };
    let exec = ExecOptions {
        threads: opts.threads,
        on_chunk: opts.on_chunk,
        checkpoint: Some((&save, opts.checkpoint_every)),
    };
    let partial = execute(processor, setup, chunk_plan, &todo, start, &exec)?;
    save(&partial);
    if let Some(source) = save_error.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(crate::write::WriteError::Io {
            path: ledger,
            source,
        }
        .into());
    }
    let mut result =
        crate::finalize::finalize(setup, chunk_plan, partial, t0.elapsed().as_secs_f64());
    result.chunks_resumed = resumed;
    Ok(result)
}
