//! The chunk plan: every file of every dataset cut into entry ranges aligned to the
//! tree's clusters, with stable ids. A plan is a value (JSON): a local run, a batch job
//! (a slice of it) and a resumed run all execute chunks of the same plan.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::{Dataset, Params};
use crate::io::RootFile;
use crate::run::ProcessorSpec;

/// Format tag of plan files.
pub const PLAN_FORMAT: &str = "pc-plan/1";

/// Every chunk of a run, and what it runs with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChunkPlan {
    pub format: String,
    /// The processor's name.
    pub processor: String,
    pub tree: String,
    pub chunk_size: u64,
    /// A hash of everything that decides the results: processor, parameters, datasets,
    /// chunks. Partial results of different plans are never merged.
    pub fingerprint: String,
    /// The resolved parameters (`parameters_dump.yaml`), so a batch job needs only the plan.
    pub params_yaml: String,
    pub datasets: Vec<PlannedDataset>,
    pub chunks: Vec<PlannedChunk>,
    /// Files left out with `--skip-bad-files`, and why.
    pub skipped_files: Vec<BadFile>,
}

/// A dataset as the plan runs it: PocketCoffea's built-dataset entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlannedDataset {
    pub name: String,
    pub metadata: BTreeMap<String, String>,
    pub files: Vec<String>,
}

/// One unit of work: an entry range of one file of one dataset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedChunk {
    /// Position in the plan.
    pub id: usize,
    /// Index into [`ChunkPlan::datasets`].
    pub dataset: usize,
    /// Path or URL.
    pub file: String,
    /// The ROOT file's UUID: a job refuses a file that was replaced since planning.
    pub uuid: String,
    /// `[start, stop)`.
    pub entries: [u64; 2],
}

impl PlannedChunk {
    /// The entry range.
    pub fn range(&self) -> Range<u64> {
        self.entries[0]..self.entries[1]
    }

    /// Number of entries.
    pub fn len(&self) -> u64 {
        self.entries[1].saturating_sub(self.entries[0])
    }

    /// Whether the chunk has no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A file that could not be opened as an input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BadFile {
    pub dataset: String,
    pub file: String,
    pub error: String,
}

/// How to cut the datasets into chunks.
#[derive(Clone, Debug)]
pub struct PlanOptions {
    /// Target entries per chunk (chunks are whole clusters).
    pub chunk_size: u64,
    /// Only the first N files of each dataset.
    pub limit_files: Option<usize>,
    /// Only the first N chunks of each dataset.
    pub limit_chunks: Option<usize>,
    /// Leave out files that cannot be opened (listed in the plan) instead of failing.
    pub skip_bad_files: bool,
    /// Files opened at once (0: all cores), in a pool of its own that ends with the
    /// planning, so the allocator hands its threads' memory on to the execution.
    pub threads: usize,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            chunk_size: 100_000,
            limit_files: None,
            limit_chunks: None,
            threads: 0,
            skip_bad_files: false,
        }
    }
}

/// Why a plan could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("dataset `{0}` has no files")]
    NoFiles(String),
    #[error("{} input file(s) cannot be read (use --skip-bad-files to leave them out):\n{}", .0.len(), list_bad(.0))]
    BadFiles(Vec<BadFile>),
    #[error("the chunk size must be at least 1")]
    ChunkSize,
    #[error("building the planning thread pool: {0}")]
    Pool(String),
    #[error(transparent)]
    Params(#[from] crate::config::ParamError),
    #[error("{path}: {what}")]
    File { path: String, what: String },
}

fn list_bad(files: &[BadFile]) -> String {
    files
        .iter()
        .map(|b| format!("  dataset `{}`: {}", b.dataset, b.error))
        .collect::<Vec<_>>()
        .join("\n")
}

impl fmt::Display for BadFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "dataset `{}`: {}", self.dataset, self.error)
    }
}

/// Plans the chunks of `datasets` for `spec`, opening every file once (in parallel) to
/// read its cluster boundaries and UUID.
pub fn plan(
    spec: &ProcessorSpec,
    datasets: &[Dataset],
    params: &Params,
    opts: &PlanOptions,
) -> Result<ChunkPlan, PlanError> {
    if opts.chunk_size == 0 {
        return Err(PlanError::ChunkSize);
    }
    let mut files: Vec<(usize, &str)> = Vec::new();
    for (di, d) in datasets.iter().enumerate() {
        if d.files.is_empty() {
            return Err(PlanError::NoFiles(d.name.clone()));
        }
        let n = opts.limit_files.unwrap_or(usize::MAX);
        files.extend(d.files.iter().take(n).map(|f| (di, f.as_str())));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(|e| PlanError::Pool(e.to_string()))?;
    let opened: Vec<Result<(String, Vec<u64>), String>> = pool.install(|| {
        files
            .par_iter()
            .map(|(_, f)| {
                let file = RootFile::open(f).map_err(|e| e.to_string())?;
                let tree = file.tree(spec.tree).map_err(|e| e.to_string())?;
                Ok((file_identity(&file), tree.clusters()))
            })
            .collect()
    });
    drop(pool);
    let mut bad = Vec::new();
    let mut chunks: Vec<PlannedChunk> = Vec::new();
    let mut per_dataset = vec![0usize; datasets.len()];
    for ((di, f), r) in files.iter().zip(opened) {
        let (uuid, clusters) = match r {
            Ok(ok) => ok,
            Err(error) => {
                bad.push(BadFile {
                    dataset: datasets[*di].name.clone(),
                    file: f.to_string(),
                    error,
                });
                continue;
            }
        };
        for entries in split(&clusters, opts.chunk_size) {
            if opts.limit_chunks.is_some_and(|n| per_dataset[*di] >= n) {
                break;
            }
            per_dataset[*di] += 1;
            chunks.push(PlannedChunk {
                id: chunks.len(),
                dataset: *di,
                file: f.to_string(),
                uuid: uuid.clone(),
                entries: [entries.start, entries.end],
            });
        }
    }
    if !bad.is_empty() && !opts.skip_bad_files {
        return Err(PlanError::BadFiles(bad));
    }
    let mut plan = ChunkPlan {
        format: PLAN_FORMAT.into(),
        processor: spec.name.into(),
        tree: spec.tree.into(),
        chunk_size: opts.chunk_size,
        fingerprint: String::new(),
        params_yaml: params.to_yaml()?,
        datasets: datasets
            .iter()
            .map(|d| PlannedDataset {
                name: d.name.clone(),
                metadata: d.metadata.clone(),
                files: d.files.clone(),
            })
            .collect(),
        chunks,
        skipped_files: bad,
    };
    plan.fingerprint = plan.compute_fingerprint();
    Ok(plan)
}

/// What identifies a file's content: its ROOT UUID.
pub(crate) fn file_identity(file: &RootFile) -> String {
    file.uuid_string()
}

impl ChunkPlan {
    /// The hash of everything but the fingerprint itself.
    fn compute_fingerprint(&self) -> String {
        let mut copy = self.clone();
        copy.fingerprint.clear();
        let bytes = serde_json::to_vec(&copy).expect("plans serialise");
        let digest = Sha256::digest(&bytes);
        digest[..12].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The datasets as the runtime uses them.
    pub fn datasets(&self) -> Result<Vec<Dataset>, PlanError> {
        self.datasets
            .iter()
            .map(|d| {
                Dataset::from_metadata(&d.name, d.metadata.clone(), d.files.clone()).map_err(
                    |what| PlanError::File {
                        path: "plan".into(),
                        what: format!("dataset `{}`: {what}", d.name),
                    },
                )
            })
            .collect()
    }

    /// The parameters the plan was made with.
    pub fn params(&self) -> Result<Params, PlanError> {
        Ok(Params::builder()
            .without_defaults()
            .yaml("the plan's parameters", &self.params_yaml)
            .load()?)
    }

    /// Number of entries over all chunks.
    pub fn entries(&self) -> u64 {
        self.chunks.iter().map(PlannedChunk::len).sum()
    }

    /// Writes the plan as JSON (whole or not at all).
    pub fn write(&self, path: &Path) -> Result<(), PlanError> {
        let text = serde_json::to_string_pretty(self).expect("plans serialise") + "\n";
        crate::write::write_atomic(path, text.as_bytes()).map_err(|e| PlanError::File {
            path: path.display().to_string(),
            what: e.to_string(),
        })
    }

    /// Reads a plan written by [`ChunkPlan::write`], checking its format and fingerprint.
    pub fn read(path: &Path) -> Result<ChunkPlan, PlanError> {
        let err = |what: String| PlanError::File {
            path: path.display().to_string(),
            what,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let plan: ChunkPlan =
            serde_json::from_str(&text).map_err(|e| err(format!("not a plan: {e}")))?;
        if plan.format != PLAN_FORMAT {
            return Err(err(format!(
                "plan format `{}`, this build reads `{PLAN_FORMAT}`",
                plan.format
            )));
        }
        if plan.compute_fingerprint() != plan.fingerprint {
            return Err(err(
                "the plan was edited (its fingerprint does not match)".into()
            ));
        }
        for (i, c) in plan.chunks.iter().enumerate() {
            if c.id != i || c.dataset >= plan.datasets.len() || c.entries[0] > c.entries[1] {
                return Err(err(format!("chunk {i} is inconsistent")));
            }
        }
        Ok(plan)
    }

    /// The chunk ids of slice `k` of `n` (1-based; contiguous ranges of nearly equal size).
    pub fn slice(&self, slice: Slice) -> Range<usize> {
        slice.range(self.chunks.len())
    }
}

/// Slice `index` of `count` (1-based), as `--slice 2/3`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slice {
    pub index: usize,
    pub count: usize,
}

impl Slice {
    /// The chunk ids of this slice among `chunks` chunks.
    pub fn range(self, chunks: usize) -> Range<usize> {
        let at = |k: usize| chunks * k / self.count;
        at(self.index - 1)..at(self.index)
    }
}

impl fmt::Display for Slice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Slice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not a slice K/N with 1 <= K <= N");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Slice { index, count })
    }
}

/// Cuts `[0, entries)` into ranges of about `chunk_size` entries whose ends lie on
/// cluster boundaries (`clusters` = `[0, c1, ..., entries]`), like coffea's
/// `n = max(round(N / chunksize), 1)` split but snapped to clusters.
pub fn split(clusters: &[u64], chunk_size: u64) -> Vec<Range<u64>> {
    let entries = clusters.last().copied().unwrap_or(0);
    if entries == 0 {
        return Vec::new();
    }
    let n = ((entries as f64 / chunk_size.max(1) as f64).round() as u64).max(1);
    let target = entries.div_ceil(n);
    let mut out = Vec::new();
    let mut start = 0;
    for &b in &clusters[1..] {
        if b - start >= target || b == entries {
            out.push(start..b);
            start = b;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_follow_clusters_and_cover_everything() {
        let clusters: Vec<u64> = (0..=100).map(|i| i * 1000).collect();
        let parts = split(&clusters, 25_000);
        assert_eq!(
            parts,
            vec![0..25_000, 25_000..50_000, 50_000..75_000, 75_000..100_000]
        );
        let parts = split(&clusters, 30_000);
        assert_eq!(parts.iter().map(|r| r.end - r.start).sum::<u64>(), 100_000);
        assert!(
            parts
                .iter()
                .all(|r| r.start % 1000 == 0 && r.end % 1000 == 0)
        );
        assert_eq!(split(&[0, 7], 1_000_000), vec![0..7]);
        assert!(split(&[0], 10).is_empty());
        // Uneven clusters: never cut inside one.
        assert_eq!(split(&[0, 3, 10, 11], 2), vec![0..3, 3..10, 10..11]);
    }

    #[test]
    fn slices_cover_every_chunk_once() {
        for chunks in [0, 1, 2, 7, 100] {
            for count in 1..=9 {
                let mut next = 0;
                for index in 1..=count {
                    let r = Slice { index, count }.range(chunks);
                    assert_eq!(r.start, next);
                    next = r.end;
                }
                assert_eq!(next, chunks);
            }
        }
        assert_eq!("2/3".parse::<Slice>(), Ok(Slice { index: 2, count: 3 }));
        for bad in ["0/3", "4/3", "x", "1/0", "/2"] {
            assert!(bad.parse::<Slice>().is_err(), "{bad}");
        }
    }
}
