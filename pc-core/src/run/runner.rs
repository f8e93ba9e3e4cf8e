//! Runs a processor over datasets: plan chunks, read and process them on a rayon pool,
//! merge in chunk order, normalise.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use rayon::prelude::*;

use super::columns::Columns;
use super::output::{ChunkOutput, Output};
use super::plan::Chunk;
use super::processor::{ChunkContext, ProcessError, Processor, ProcessorSpec};
use crate::config::{Dataset, Params};
use crate::io::{ReadOptions, RootFile, Tree};
use crate::lumimask::LumiMask;

/// How to run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Worker threads (0: all cores).
    pub threads: usize,
    /// Target entries per chunk (chunks are whole clusters).
    pub chunk_size: u64,
    /// Print progress (a bar on a terminal, log lines otherwise).
    pub progress: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            threads: 0,
            chunk_size: 100_000,
            progress: false,
        }
    }
}

/// A chunk that could not be processed, and why.
#[derive(Debug, Clone)]
pub struct FailedChunk {
    pub chunk: Chunk,
    pub error: String,
}

/// Why a run could not start or finish.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Io(#[from] crate::io::IoError),
    #[error(transparent)]
    Params(#[from] crate::config::ParamError),
    #[error(transparent)]
    LumiMask(#[from] crate::lumimask::LumiMaskError),
    #[error(transparent)]
    Hist(#[from] crate::hist::HistError),
    #[error("dataset `{dataset}`: {what}")]
    Dataset { dataset: String, what: String },
    #[error("building the thread pool: {0}")]
    Pool(String),
}

/// The result of [`run`]: the merged output and the chunks that failed (if any).
#[derive(Debug)]
pub struct RunResult {
    pub output: Output,
    pub failed: Vec<FailedChunk>,
    pub chunks: usize,
    pub events: u64,
    pub seconds: f64,
}

/// Per-dataset inputs resolved once before processing.
struct DatasetSetup {
    lumi_pb: f64,
    lumimask: Option<LumiMask>,
}

/// Runs `processor` over `datasets`.
pub fn run<P: Processor>(
    processor: &P,
    datasets: &[Dataset],
    params: &Params,
    opts: &RunOptions,
) -> Result<RunResult, RunError> {
    let t0 = Instant::now();
    let mut spec = processor.spec();
    spec.select_variations(params)?;
    let setups = datasets
        .iter()
        .map(|d| setup(d, params))
        .collect::<Result<Vec<_>, _>>()?;

    // Plan: open each file once; keep its tree for the chunks.
    let mut trees: Vec<Tree> = Vec::new();
    let mut chunks: Vec<(Chunk, usize)> = Vec::new();
    for (di, d) in datasets.iter().enumerate() {
        if d.files.is_empty() {
            return Err(RunError::Dataset {
                dataset: d.name.clone(),
                what: "has no files".into(),
            });
        }
        for f in &d.files {
            let tree = RootFile::open(f)?.tree(spec.tree)?;
            for entries in super::plan::split(&tree.clusters(), opts.chunk_size) {
                let chunk = Chunk {
                    id: chunks.len(),
                    dataset: di,
                    file: f.into(),
                    entries,
                };
                chunks.push((chunk, trees.len()));
            }
            trees.push(tree);
        }
    }
    let events: u64 = chunks
        .iter()
        .map(|(c, _)| c.entries.end - c.entries.start)
        .sum();

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(|e| RunError::Pool(e.to_string()))?;
    let done = AtomicUsize::new(0);
    let progress = Progress::new(opts.progress, chunks.len(), events);
    let results: Vec<Result<ChunkOutput, String>> = pool.install(|| {
        chunks
            .par_iter()
            .map(|(chunk, ti)| {
                let d = &datasets[chunk.dataset];
                let s = &setups[chunk.dataset];
                let ctx = ChunkContext {
                    dataset: d,
                    lumi_pb: s.lumi_pb,
                    lumimask: s.lumimask.as_ref(),
                    params,
                };
                let r = process_chunk(processor, &spec, &trees[*ti], chunk, &ctx)
                    .map_err(|e| e.to_string());
                progress.tick(done.fetch_add(1, Ordering::Relaxed) + 1);
                r
            })
            .collect()
    });
    progress.finish();

    // Merge per dataset in chunk-id order, so results do not depend on threads.
    let mut merged: Vec<ChunkOutput> = datasets
        .iter()
        .map(|d| ChunkOutput::new(&spec, d))
        .collect::<Result<_, _>>()?;
    let mut failed = Vec::new();
    for ((chunk, _), r) in chunks.iter().zip(results) {
        match r {
            Ok(out) => merged[chunk.dataset].merge(&out)?,
            Err(error) => failed.push(FailedChunk {
                chunk: chunk.clone(),
                error,
            }),
        }
    }
    for m in &mut merged {
        m.normalise();
    }
    Ok(RunResult {
        output: Output {
            spec,
            datasets: datasets.iter().cloned().zip(merged).collect(),
        },
        failed,
        chunks: chunks.len(),
        events,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

fn setup(d: &Dataset, params: &Params) -> Result<DatasetSetup, RunError> {
    let lumi_pb = params.get::<f64>(&format!("lumi.picobarns.{}.tot", d.year))?;
    let lumimask = if d.is_mc {
        None
    } else {
        let path = params.get::<String>(&format!("lumi.goldenJSON.{}", d.year))?;
        Some(LumiMask::from_file(path)?)
    };
    Ok(DatasetSetup { lumi_pb, lumimask })
}

/// Reads one chunk's branches and runs the processor on it.
fn process_chunk<P: Processor>(
    processor: &P,
    spec: &ProcessorSpec,
    tree: &Tree,
    chunk: &Chunk,
    ctx: &ChunkContext<'_>,
) -> Result<ChunkOutput, ChunkError> {
    let is_mc = ctx.dataset.is_mc;
    let mut wanted: Vec<(usize, &str)> = Vec::new();
    for (i, b) in spec.branches.iter().enumerate() {
        let enabled = match b.when {
            Some(p) => ctx.params.get::<bool>(p).map_err(|e| {
                ProcessError::Other(format!("branch `{}` is read `when` {p}: {e}", b.name))
            })?,
            None => true,
        };
        if enabled && (is_mc || !b.mc_only) {
            wanted.push((i, b.name));
        }
    }
    let names: Vec<&str> = wanted.iter().map(|(_, n)| *n).collect();
    let read = tree.read(&names, chunk.entries.clone(), ReadOptions::default())?;
    let mut columns: Vec<Option<crate::io::Column>> = vec![None; spec.branches.len()];
    for ((i, _), c) in wanted.iter().zip(read) {
        columns[*i] = Some(c);
    }
    let n = (chunk.entries.end - chunk.entries.start) as usize;
    let columns = Columns::new(spec.branches.iter().map(|b| b.name).collect(), columns, n);
    let mut out = ChunkOutput::new(spec, ctx.dataset)?;
    out.initial = n as u64;
    if is_mc {
        let gw = spec
            .branches
            .iter()
            .position(|b| b.name == "genWeight")
            .ok_or_else(|| {
                ProcessError::Other("an MC run needs the `genWeight` branch to normalise".into())
            })?;
        for &w in columns.scalar::<f32>(gw).map_err(ProcessError::from)? {
            out.sum_genweights.add(f64::from(w));
        }
    }
    processor.process(&columns, ctx, &mut out)?;
    Ok(out)
}

/// Why one chunk failed.
#[derive(Debug, thiserror::Error)]
enum ChunkError {
    #[error(transparent)]
    Io(#[from] crate::io::IoError),
    #[error(transparent)]
    Hist(#[from] crate::hist::HistError),
    #[error(transparent)]
    Process(#[from] ProcessError),
}

/// Progress on stderr: a bar on a terminal, a log line per 10% otherwise.
struct Progress {
    enabled: bool,
    tty: bool,
    total: usize,
    events: u64,
    start: Instant,
}

impl Progress {
    fn new(enabled: bool, total: usize, events: u64) -> Progress {
        Progress {
            enabled,
            tty: std::io::stderr().is_terminal(),
            total,
            events,
            start: Instant::now(),
        }
    }

    fn tick(&self, done: usize) {
        if !self.enabled || self.total == 0 {
            return;
        }
        let frac = done as f64 / self.total as f64;
        let rate = self.events as f64 * frac / self.start.elapsed().as_secs_f64().max(1e-9);
        if self.tty {
            let width = 30;
            let filled = (frac * width as f64) as usize;
            eprint!(
                "\r[{}{}] {done}/{} chunks, {:.2} M events/s ",
                "#".repeat(filled),
                " ".repeat(width - filled),
                self.total,
                rate / 1e6
            );
        } else if done * 10 / self.total != (done - 1) * 10 / self.total || done == self.total {
            eprintln!(
                "processed {done}/{} chunks ({:.0}%), {:.2} M events/s",
                self.total,
                frac * 100.0,
                rate / 1e6
            );
        }
    }

    fn finish(&self) {
        if self.enabled && self.tty {
            eprintln!();
        }
    }
}
