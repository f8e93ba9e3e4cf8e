//! NanoAOD-like sample generator: Drell-Yan, ttbar and pseudo-data files with realistic
//! (smeared, generator-level-motivated) physics and a NanoAOD v9 2018 branch list.
//!
//! ```no_run
//! use pc_core::generate::{generate, GenerateOptions, SampleKind};
//! let opts = GenerateOptions::new(SampleKind::DrellYan, 200_000);
//! let summary = generate("dy.root".as_ref(), &opts).unwrap();
//! println!("{} events, {} bytes", summary.events, summary.bytes);
//! ```
//!
//! Each cluster of `cluster_size` events is generated from its own random stream
//! (`seed`, cluster index), in parallel, so the output depends only on the options, not on
//! the number of threads.
//!
//! Module map: `rng` random numbers, `physics` kinematics and object types, `dy` and
//! `ttbar` generator-level processes, `sim` detector simulation and trigger emulation,
//! `schema` the branch list, `data` run/lumi ranges of the pseudo-data.

mod data;
pub use data::demo_golden_json;
mod dy;
mod physics;
mod rng;
mod schema;
mod sim;
mod triggers;
mod ttbar;

#[cfg(test)]
mod tests;

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crate::io::write::{BranchSpec, FileIdentity, FileWriter, PackedCluster};
use crate::io::{Codec, Column, IoError, Layout, LeafType, Values};
use physics::EventInfo;
use rng::Rng;
use schema::Entry;
use sim::ClusterData;

/// Which kind of sample to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SampleKind {
    /// Drell-Yan Z/gamma* -> ee, mumu, tautau (M > 50), aMC@NLO-like weights.
    DrellYan,
    /// ttbar (all decay channels), Powheg-like weights.
    TTbar,
    /// Pseudo-data: DY and ttbar mixed by cross-section, 2018 runs and lumi sections.
    Data,
}

impl SampleKind {
    /// Is this simulation (with generator-level branches)?
    pub fn is_mc(self) -> bool {
        self != SampleKind::Data
    }

    /// The short name used on the command line (`dy`, `ttbar`, `data`).
    pub fn name(self) -> &'static str {
        match self {
            SampleKind::DrellYan => "dy",
            SampleKind::TTbar => "ttbar",
            SampleKind::Data => "data",
        }
    }
}

impl fmt::Display for SampleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SampleKind {
    type Err = String;

    /// Accepts `dy` (`drellyan`, `dyjets`), `ttbar` (`tt`), `data`.
    fn from_str(s: &str) -> Result<SampleKind, String> {
        match s.to_ascii_lowercase().as_str() {
            "dy" | "drellyan" | "drell-yan" | "dyjets" => Ok(SampleKind::DrellYan),
            "ttbar" | "tt" | "ttjets" => Ok(SampleKind::TTbar),
            "data" | "pseudodata" => Ok(SampleKind::Data),
            _ => Err(format!(
                "unknown sample kind `{s}` (expected dy, ttbar or data)"
            )),
        }
    }
}

/// Options of [`generate`]; `pc generate --kind dy --events N --codec zlib:1 --seed 42`.
#[derive(Clone, Debug)]
pub struct GenerateOptions {
    pub kind: SampleKind,
    /// Number of events in the `Events` tree.
    pub events: u64,
    pub seed: u64,
    pub codec: Codec,
    /// Entries per cluster (one basket per branch per cluster).
    pub cluster_size: usize,
    /// Add every HLT/L1 bit of a 2018 menu (~1000 more branches) and PDF weights.
    pub full_schema: bool,
    /// Write with direct I/O where the file system offers it
    /// ([`FileWriter::set_direct_io`]).
    pub direct_io: bool,
}

impl GenerateOptions {
    /// Defaults: seed 42, `lz4:1` (the fastest to write, ~1.7 kB per Drell-Yan event;
    /// `zstd:1` writes about a third of the bytes, more slowly: README), 2 500 entries per
    /// cluster (measured on ttbar: ~10% faster than 5 000, with 40% less memory), direct
    /// I/O, default schema.
    pub fn new(kind: SampleKind, events: u64) -> GenerateOptions {
        GenerateOptions {
            kind,
            events,
            seed: 42,
            codec: Codec::Lz4(1),
            cluster_size: 2_500,
            full_schema: false,
            direct_io: true,
        }
    }
}

/// What [`generate`] wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct GenerateSummary {
    pub events: u64,
    pub clusters: u64,
    /// Branches of the `Events` tree.
    pub branches: usize,
    /// Entries of the `Runs` and `LuminosityBlocks` trees.
    pub runs: usize,
    pub lumis: usize,
    /// Sum of generator weights and of their squares (0 for data).
    pub sum_w: f64,
    pub sum_w2: f64,
    /// Size of the written file in bytes.
    pub bytes: u64,
}

/// Version of the generated content: changes whenever the same options give different
/// events or bytes (a cache of generated files keys on it).
pub const GENERATOR_VERSION: u32 = 2;

/// Time stamp written into generated files (2018-09-01, within the 2018 run).
const GENERATED_AT_UNIX_TIME: u64 = 1_535_760_000;

/// MC events per luminosity block.
const MC_EVENTS_PER_LUMI: u64 = 500;
/// Magnitude of the aMC@NLO-like DY weight and the Powheg-like ttbar weight.
const DY_WEIGHT: f32 = 23_519.0;
const TT_WEIGHT: f32 = 72.99;
/// Fractions of negative weights.
const DY_NEG_FRACTION: f64 = 0.155;
const TT_NEG_FRACTION: f64 = 0.004;

/// The branch list (name, type, shape) of the `Events` tree for these options.
pub fn events_branches(kind: SampleKind, full_schema: bool) -> Vec<BranchSpec> {
    specs(&schema::events_schema(kind.is_mc(), full_schema))
}

fn specs(entries: &[Entry]) -> Vec<BranchSpec> {
    entries
        .iter()
        .map(|e| match &e.counter {
            Some(c) => BranchSpec::counted(&e.name, e.leaf, c),
            None => BranchSpec::scalar(&e.name, e.leaf),
        })
        .collect()
}

/// Events per data lumi section so that `events` spread over all lumi ranges.
fn data_events_per_lumi(events: u64) -> u64 {
    events.div_ceil(data::total_lumis()).max(1)
}

/// (run, luminosityBlock, event) of the `i`-th event.
fn event_id(kind: SampleKind, events: u64, i: u64) -> (u32, u32, u64) {
    match kind {
        SampleKind::Data => {
            let (run, lumi) = data::lumi_at(i / data_events_per_lumi(events));
            // A bijective scramble of the index: unique, but not sequential like real data.
            let ev = u64::from((i as u32).wrapping_mul(0x9E37_79B1)) + (i >> 32 << 32) + 1;
            (run, lumi, ev)
        }
        _ => (1, (1 + i / MC_EVENTS_PER_LUMI) as u32, i + 1),
    }
}

/// Generates the objects of cluster `c` (events `first..first + n`).
fn generate_cluster(opts: &GenerateOptions, c: u64, first: u64, n: usize) -> ClusterData {
    let mut rng = Rng::stream(opts.seed, 2 * c);
    let mut cd = ClusterData::with_capacity(n);
    let mc = opts.kind.is_mc();
    let mut truth = physics::Truth::default();
    let mut scratch = sim::Scratch::default();
    for k in 0..n as u64 {
        let i = first + k;
        let tt = match opts.kind {
            SampleKind::DrellYan => false,
            SampleKind::TTbar => true,
            SampleKind::Data => !rng.chance(data::DATA_DY_FRACTION),
        };
        if tt {
            ttbar::generate(&mut rng, &mut truth);
        } else {
            dy::generate(&mut rng, &mut truth);
        }
        let (run, lumi, event) = event_id(opts.kind, opts.events, i);
        let weight = match opts.kind {
            SampleKind::DrellYan => {
                DY_WEIGHT
                    * if rng.chance(DY_NEG_FRACTION) {
                        -1.0
                    } else {
                        1.0
                    }
            }
            SampleKind::TTbar => {
                TT_WEIGHT
                    * if rng.chance(TT_NEG_FRACTION) {
                        -1.0
                    } else {
                        1.0
                    }
            }
            SampleKind::Data => 1.0,
        };
        let info = EventInfo {
            run,
            lumi,
            event,
            weight,
            ttbar: tt,
            ..EventInfo::default()
        };
        sim::simulate(&truth, info, mc, &mut rng, &mut cd, &mut scratch);
    }
    cd
}

/// Fills the columns of one cluster, in schema order, reusing the buffers of `old` (the
/// columns of an earlier cluster, already written) if given.
fn cluster_columns(
    opts: &GenerateOptions,
    entries: &[Entry],
    c: u64,
    cd: &ClusterData,
    old: Option<Vec<Column>>,
) -> Vec<Column> {
    let mut rng = Rng::stream(opts.seed, 2 * c + 1);
    let mut old = old.map(Vec::into_iter);
    entries
        .iter()
        .map(|e| (e.fill)(cd, &mut rng, old.as_mut().and_then(Iterator::next)))
        .collect()
}

/// Generates cluster `c` and returns its columns and (sum w, sum w^2); `old` lends the
/// buffers of already-written columns.
fn make_cluster(
    opts: &GenerateOptions,
    entries: &[Entry],
    c: u64,
    old: Option<Vec<Column>>,
) -> (Vec<Column>, f64, f64) {
    let first = c * opts.cluster_size as u64;
    let n = (opts.events - first).min(opts.cluster_size as u64) as usize;
    let cd = generate_cluster(opts, c, first, n);
    let (sw, sw2) = if opts.kind.is_mc() {
        cd.ev.iter().fold((0.0, 0.0), |(a, b), e| {
            let w = f64::from(e.weight);
            (a + w, b + w * w)
        })
    } else {
        (0.0, 0.0)
    };
    (cluster_columns(opts, entries, c, &cd, old), sw, sw2)
}

fn scalar_col(name: &str, values: Values) -> Column {
    Column {
        name: name.to_string(),
        values,
        layout: Layout::Scalar,
    }
}

/// The distinct (run, lumi) pairs of the sample, in order.
fn lumi_list(opts: &GenerateOptions) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    match opts.kind {
        SampleKind::Data => {
            let per = data_events_per_lumi(opts.events);
            let n = opts.events.div_ceil(per);
            for k in 0..n {
                let l = data::lumi_at(k);
                if !out.contains(&l) {
                    out.push(l);
                }
            }
        }
        _ => {
            let n = opts.events.div_ceil(MC_EVENTS_PER_LUMI);
            out.extend((0..n).map(|k| (1, 1 + k as u32)));
        }
    }
    out
}

/// The next message of `rx`. On a rayon worker thread (`generate` called inside a pool) the
/// wait runs pending pool jobs, so that the generation tasks it waits for can run even on a
/// one-thread pool.
fn wait_for<T>(rx: &std::sync::mpsc::Receiver<T>) -> T {
    use std::sync::mpsc::RecvTimeoutError;
    let closed = "the sender outlives the wait";
    loop {
        match rayon::yield_now() {
            None => return rx.recv().expect(closed),
            Some(rayon::Yield::Executed) => {
                if let Ok(message) = rx.try_recv() {
                    return message;
                }
            }
            Some(rayon::Yield::Idle) => {
                match rx.recv_timeout(std::time::Duration::from_micros(200)) {
                    Ok(message) => return message,
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => panic!("{closed}"),
                }
            }
        }
    }
}

/// Writes a NanoAOD-like file with `Events`, `Runs` and `LuminosityBlocks` trees.
pub fn generate(path: &Path, opts: &GenerateOptions) -> Result<GenerateSummary, IoError> {
    if opts.cluster_size == 0 {
        return Err(IoError::Write {
            path: path.to_path_buf(),
            what: "cluster_size must be > 0".into(),
        });
    }
    let mc = opts.kind.is_mc();
    let entries = schema::events_schema(mc, opts.full_schema);
    // Fixed time stamp and seed-derived UUID: the same options give the same bytes.
    let identity = FileIdentity::from_seed(opts.seed, GENERATED_AT_UNIX_TIME);
    let mut w = FileWriter::create_with(path, opts.codec, identity)?;
    w.set_direct_io(opts.direct_io);
    let events_tree = w.add_tree("Events", "Events", specs(&entries))?;
    let runs_specs = if mc {
        vec![
            BranchSpec::scalar("run", LeafType::U32),
            BranchSpec::scalar("genEventCount", LeafType::I64),
            BranchSpec::scalar("genEventSumw", LeafType::F64),
            BranchSpec::scalar("genEventSumw2", LeafType::F64),
        ]
    } else {
        vec![BranchSpec::scalar("run", LeafType::U32)]
    };
    let runs_tree = w.add_tree("Runs", "Runs", runs_specs)?;
    let lumi_tree = w.add_tree(
        "LuminosityBlocks",
        "LuminosityBlocks",
        vec![
            BranchSpec::scalar("run", LeafType::U32),
            BranchSpec::scalar("luminosityBlock", LeafType::U32),
        ],
    )?;

    // A pipeline: up to `AHEAD` clusters are generated on the rayon pool while this thread
    // has cluster c compressed there (in parallel, basket by basket) and then writes it to
    // disk itself, in cluster order. Columns already compressed are recycled as buffers of
    // later clusters (no page faults and no large frees in the steady state); which buffer
    // a cluster gets does not change its contents.
    const AHEAD: u64 = 2;
    let n_clusters = opts.events.div_ceil(opts.cluster_size as u64);
    let (mut sum_w, mut sum_w2) = (0.0, 0.0);
    let mut packed = PackedCluster::default();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let written = rayon::in_place_scope(|scope| -> Result<(), IoError> {
        let entries = &entries;
        let generate_ahead = |c: u64, old: Option<Vec<Column>>| {
            if c < n_clusters {
                let done = done_tx.clone();
                scope.spawn(move |_| {
                    // A panic is handed to the writing loop (which would otherwise wait for
                    // this cluster forever) and re-raised there.
                    let cluster = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        make_cluster(opts, entries, c, old)
                    }));
                    // The receiver only goes away after an error; the result is then unused.
                    let _ = done.send((c, cluster));
                });
            }
        };
        for c in 0..AHEAD {
            generate_ahead(c, None);
        }
        let mut ready = std::collections::BTreeMap::new();
        for c in 0..n_clusters {
            let (cols, sw, sw2) = loop {
                if let Some(cluster) = ready.remove(&c) {
                    break cluster;
                }
                let (k, cluster) = wait_for(&done_rx);
                ready.insert(k, cluster.unwrap_or_else(|p| std::panic::resume_unwind(p)));
            };
            sum_w += sw;
            sum_w2 += sw2;
            w.pack_cluster(events_tree, &cols, &mut packed)?;
            generate_ahead(c + AHEAD, Some(cols));
            w.append_cluster(&mut packed)?;
        }
        Ok(())
    });
    written?;

    // Runs and LuminosityBlocks.
    let lumis = lumi_list(opts);
    let mut runs: Vec<u32> = lumis.iter().map(|l| l.0).collect();
    runs.dedup();
    let mut run_cols = vec![scalar_col("run", Values::U32(runs.clone()))];
    if mc {
        run_cols.push(scalar_col(
            "genEventCount",
            Values::I64(vec![opts.events as i64]),
        ));
        run_cols.push(scalar_col("genEventSumw", Values::F64(vec![sum_w])));
        run_cols.push(scalar_col("genEventSumw2", Values::F64(vec![sum_w2])));
    }
    w.write_cluster(runs_tree, &run_cols)?;
    w.write_cluster(
        lumi_tree,
        &[
            scalar_col("run", Values::U32(lumis.iter().map(|l| l.0).collect())),
            scalar_col(
                "luminosityBlock",
                Values::U32(lumis.iter().map(|l| l.1).collect()),
            ),
        ],
    )?;
    w.finish()?;
    let bytes = std::fs::metadata(path)
        .map_err(|source| IoError::Os {
            path: path.to_path_buf(),
            source,
        })?
        .len();
    Ok(GenerateSummary {
        events: opts.events,
        clusters: n_clusters,
        branches: entries.len(),
        runs: runs.len(),
        lumis: lumis.len(),
        sum_w,
        sum_w2,
        bytes,
    })
}

/// The columns of the first `events` events (one cluster per `cluster_size`), without
/// writing a file: for tests and benchmarks of the generator alone.
pub fn generate_columns(opts: &GenerateOptions) -> Vec<Vec<Column>> {
    let entries = schema::events_schema(opts.kind.is_mc(), opts.full_schema);
    let n_clusters = opts.events.div_ceil(opts.cluster_size.max(1) as u64);
    use rayon::prelude::*;
    (0..n_clusters)
        .into_par_iter()
        .map(|c| make_cluster(opts, &entries, c, None).0)
        .collect()
}
