//! Partial results: the unnormalised, exact sums of some chunks of a plan, with a ledger
//! of the chunks done and failed. Partials of one plan merge exactly in any order; the
//! file form (JSON) is what batch jobs write and what `--resume` restarts from.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::config::Dataset;
use crate::exact::ExactSum;
use crate::plan::{ChunkPlan, Slice};
use crate::run::{ChunkOutput, ProcessorSpec, Tally};

/// Format tag of partial files.
pub const PARTIAL_FORMAT: &str = "pc-partial/1";

/// The accumulated results of some chunks of one plan (see the module docs).
#[derive(Clone, Debug)]
pub struct Partial {
    /// The plan's fingerprint.
    pub fingerprint: String,
    /// The slice this partial was asked to run (`None`: a local run or a merge).
    pub slices: Vec<Slice>,
    /// Chunk ids processed.
    pub done: BTreeSet<usize>,
    /// Chunk ids that failed, with the reason (never also in `done`).
    pub failed: BTreeMap<usize, String>,
    /// Per dataset of the plan, in plan order.
    pub datasets: Vec<ChunkOutput>,
}

/// Why partial results cannot be combined or read.
#[derive(Debug, thiserror::Error)]
pub enum PartialError {
    #[error("{0}: {1}")]
    File(String, String),
    #[error("{0}: made from another plan (fingerprint {1}, the plan's is {2})")]
    OtherPlan(String, String, String),
    #[error("{source_name}: chunk(s) {} processed twice (also in an earlier partial)", crate::util::ranges(.chunks))]
    Twice {
        source_name: String,
        chunks: Vec<usize>,
    },
    #[error("{0}: does not match the analysis: {1}")]
    Shape(String, String),
    #[error(transparent)]
    Hist(#[from] crate::hist::HistError),
}

impl Partial {
    /// Nothing processed yet.
    pub fn empty(
        plan: &ChunkPlan,
        spec: &ProcessorSpec,
        datasets: &[Dataset],
    ) -> Result<Partial, crate::hist::HistError> {
        Ok(Partial {
            fingerprint: plan.fingerprint.clone(),
            slices: Vec::new(),
            done: BTreeSet::new(),
            failed: BTreeMap::new(),
            datasets: datasets
                .iter()
                .map(|d| ChunkOutput::new(spec, d))
                .collect::<Result<_, _>>()?,
        })
    }

    /// Records chunk `id` of dataset `dataset`: its output, or why it failed.
    pub fn record(
        &mut self,
        id: usize,
        dataset: usize,
        result: Result<ChunkOutput, String>,
    ) -> Result<(), crate::hist::HistError> {
        match result {
            Ok(out) => {
                self.datasets[dataset].merge(&out)?;
                self.failed.remove(&id);
                self.done.insert(id);
            }
            Err(e) => {
                self.failed.insert(id, e);
            }
        }
        Ok(())
    }

    /// Adds `other` (from `source_name`, for messages): exact, any order; a chunk done in
    /// both is an error.
    pub fn merge(&mut self, other: Partial, source_name: &str) -> Result<(), PartialError> {
        if other.fingerprint != self.fingerprint {
            return Err(PartialError::OtherPlan(
                source_name.into(),
                other.fingerprint,
                self.fingerprint.clone(),
            ));
        }
        let twice: Vec<usize> = self.done.intersection(&other.done).copied().collect();
        if !twice.is_empty() {
            return Err(PartialError::Twice {
                source_name: source_name.into(),
                chunks: twice,
            });
        }
        if other.datasets.len() != self.datasets.len() {
            return Err(PartialError::Shape(
                source_name.into(),
                "another number of datasets".into(),
            ));
        }
        for (a, b) in self.datasets.iter_mut().zip(&other.datasets) {
            a.merge(b)?;
        }
        self.done.extend(other.done);
        for (id, e) in other.failed {
            self.failed.entry(id).or_insert(e);
        }
        let done = &self.done;
        self.failed.retain(|id, _| !done.contains(id));
        self.slices.extend(other.slices);
        Ok(())
    }

    /// The file form.
    pub fn to_file(&self, processor: &str) -> PartialFile {
        PartialFile {
            format: PARTIAL_FORMAT.into(),
            processor: processor.into(),
            fingerprint: self.fingerprint.clone(),
            slices: self.slices.clone(),
            done: crate::util::ranges(&self.done.iter().copied().collect::<Vec<_>>()),
            failed: self.failed.clone(),
            datasets: self
                .datasets
                .iter()
                .map(DatasetPartial::from_output)
                .collect(),
        }
    }

    /// Writes the file form as JSON, whole or not at all.
    pub fn write(&self, path: &Path, processor: &str) -> std::io::Result<()> {
        let text = serde_json::to_vec(&self.to_file(processor)).expect("partials serialise");
        crate::write::write_atomic(path, &text)
    }

    /// Reads a partial file of `plan` (checked against the plan and the analysis).
    pub fn read(
        path: &Path,
        plan: &ChunkPlan,
        spec: &ProcessorSpec,
        datasets: &[Dataset],
    ) -> Result<Partial, PartialError> {
        let name = path.display().to_string();
        let err = |what: String| PartialError::File(name.clone(), what);
        let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
        let file: PartialFile =
            serde_json::from_slice(&bytes).map_err(|e| err(format!("not a partial: {e}")))?;
        file.into_partial(&name, plan, spec, datasets)
    }
}

/// The serialised form of a [`Partial`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PartialFile {
    pub format: String,
    pub processor: String,
    pub fingerprint: String,
    pub slices: Vec<Slice>,
    /// Chunk ids done, as ranges (`"0-9"`, `"12"`).
    pub done: String,
    pub failed: BTreeMap<usize, String>,
    pub datasets: Vec<DatasetPartial>,
}

impl PartialFile {
    /// Back to a [`Partial`], checking it belongs to `plan` and fits the analysis.
    pub fn into_partial(
        self,
        name: &str,
        plan: &ChunkPlan,
        spec: &ProcessorSpec,
        datasets: &[Dataset],
    ) -> Result<Partial, PartialError> {
        let err = |what: String| PartialError::File(name.into(), what);
        if self.format != PARTIAL_FORMAT {
            return Err(err(format!(
                "format `{}`, this build reads `{PARTIAL_FORMAT}`",
                self.format
            )));
        }
        if self.fingerprint != plan.fingerprint {
            return Err(PartialError::OtherPlan(
                name.into(),
                self.fingerprint,
                plan.fingerprint.clone(),
            ));
        }
        let done = crate::util::parse_ranges(&self.done).map_err(err)?;
        if let Some(id) = done
            .iter()
            .chain(self.failed.keys())
            .find(|&&id| id >= plan.chunks.len())
        {
            return Err(err(format!("chunk {id} is not in the plan")));
        }
        let mut partial = Partial::empty(plan, spec, datasets)?;
        if self.datasets.len() != partial.datasets.len() {
            return Err(PartialError::Shape(
                name.into(),
                format!(
                    "{} datasets, the plan has {}",
                    self.datasets.len(),
                    partial.datasets.len()
                ),
            ));
        }
        for (out, d) in partial.datasets.iter_mut().zip(self.datasets) {
            d.into_output(out)
                .map_err(|what| PartialError::Shape(name.into(), what))?;
        }
        partial.done = done.into_iter().collect();
        partial.failed = self.failed;
        partial.slices = self.slices;
        Ok(partial)
    }
}

/// The exact sums of one dataset.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DatasetPartial {
    pub initial: u64,
    pub skim: u64,
    pub presel: Vec<u64>,
    pub groups: Vec<String>,
    /// Per group, per category, per shape variation.
    pub categories: Vec<Vec<Vec<Tally>>>,
    pub sum_genweights: ExactSum,
    /// Per group, per histogram: the filled bins.
    pub hists: Vec<Vec<FilledBins>>,
}

/// The filled bins of a histogram: `(bin, Σw, Σw²)`, exact and unnormalised.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FilledBins {
    pub bins: usize,
    pub filled: Vec<(usize, ExactSum, ExactSum)>,
}

impl DatasetPartial {
    fn from_output(o: &ChunkOutput) -> DatasetPartial {
        DatasetPartial {
            initial: o.initial,
            skim: o.skim,
            presel: o.presel.clone(),
            groups: o.groups.clone(),
            categories: o.categories.clone(),
            sum_genweights: o.sum_genweights,
            hists: o
                .hists
                .iter()
                .map(|hs| {
                    hs.iter()
                        .map(|h| FilledBins {
                            bins: h.storage().len(),
                            filled: h
                                .storage()
                                .filled_sums()
                                .map(|(i, [w, w2])| (i, *w, *w2))
                                .collect(),
                        })
                        .collect()
                })
                .collect(),
        }
    }

    /// Adds these sums into `out` (an empty output of the same analysis and dataset).
    fn into_output(self, out: &mut ChunkOutput) -> Result<(), String> {
        let shape = |c: &Vec<Vec<Vec<Tally>>>| -> Vec<Vec<usize>> {
            c.iter().map(|g| g.iter().map(Vec::len).collect()).collect()
        };
        if self.groups != out.groups {
            return Err(format!(
                "groups {:?}, the analysis has {:?}",
                self.groups, out.groups
            ));
        }
        if self.presel.len() != out.presel.len()
            || shape(&self.categories) != shape(&out.categories)
        {
            return Err("other categories or shape variations".into());
        }
        out.initial = self.initial;
        out.skim = self.skim;
        out.presel = self.presel;
        out.categories = self.categories;
        out.sum_genweights = self.sum_genweights;
        if self.hists.len() != out.hists.len() {
            return Err("another number of groups of histograms".into());
        }
        for (hs, fs) in out.hists.iter_mut().zip(self.hists) {
            if hs.len() != fs.len() {
                return Err(format!(
                    "{} histograms, the analysis has {}",
                    fs.len(),
                    hs.len()
                ));
            }
            for (h, f) in hs.iter_mut().zip(fs) {
                if f.bins != h.storage().len() {
                    return Err(format!(
                        "histogram `{}` has {} bins, the analysis' has {}",
                        h.name(),
                        f.bins,
                        h.storage().len()
                    ));
                }
                for (i, w, w2) in f.filled {
                    if !h.storage_mut().add_sums(i, &[w, w2]) {
                        return Err(format!("histogram `{}`: bin {i} out of range", h.name()));
                    }
                }
            }
        }
        Ok(())
    }
}
