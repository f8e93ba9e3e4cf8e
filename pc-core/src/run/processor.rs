//! The contract between an analysis and the runtime. `#[processor]` generates an
//! implementation of [`Processor`]; one can also be written by hand.

use std::any::Any;

use super::columns::{ColumnError, Columns};
use super::output::ChunkOutput;
use crate::config::Dataset;
use crate::hist::Axis;
use crate::lumimask::LumiMask;

/// A branch the processor reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BranchReq {
    pub name: &'static str,
    /// Read only for simulation (absent in data: `genWeight`, `Pileup_nTrueInt`, ...).
    pub mc_only: bool,
    /// Read only if this boolean parameter is true (e.g. inputs of optional corrections),
    /// or, written `key == value`, unless parameter `key` exists and is not `value` (e.g.
    /// `Muon_mediumId` only if `object_preselection.Muon.id == mediumId`).
    pub when: Option<&'static str>,
}

/// A histogram: its analysis axes (the runtime prepends `cat` and, for MC, `variation`).
#[derive(Clone, Debug)]
pub struct HistDef {
    pub name: &'static str,
    pub axes: Vec<Axis>,
}

/// What a processor declares: the branches it reads, its categories, variations and
/// histograms. Indices into these lists are what [`ChunkOutput`] takes.
#[derive(Clone, Debug)]
pub struct ProcessorSpec {
    pub name: &'static str,
    pub tree: &'static str,
    pub branches: Vec<BranchReq>,
    pub categories: Vec<&'static str>,
    /// Shape variations (object selection re-run), `nominal` first.
    pub shape_variations: Vec<&'static str>,
    /// Labels of the `variation` axis of MC histograms as declared (`nominal`, weight
    /// variations such as `pileupUp`, shape variations), sorted as PocketCoffea does.
    pub variations: Vec<String>,
    /// Per label of `variations`: the `#[weight]` or `#[calibrate]` function declaring it
    /// (`""` for `nominal`).
    pub variation_sources: Vec<&'static str>,
    /// Per label of `variations`: whether this run histograms it (all, unless
    /// [`ProcessorSpec::select_variations`] says otherwise).
    pub histogrammed: Vec<bool>,
    pub histograms: Vec<HistDef>,
    /// Subsamples as `(sample, subsample)`, in declaration order; outputs of a sample with
    /// subsamples are named `{sample}__{subsample}`.
    pub subsamples: Vec<(&'static str, &'static str)>,
}

impl ProcessorSpec {
    /// Checks that the declaration is consistent (what a hand-written processor could get
    /// wrong): unique names, one source and one flag per variation label, `nominal` declared
    /// and the first shape variation.
    pub fn validate(&self) -> Result<(), String> {
        fn unique<'a>(what: &str, names: impl Iterator<Item = &'a str>) -> Result<(), String> {
            let mut seen = std::collections::BTreeSet::new();
            for n in names {
                if n.is_empty() {
                    return Err(format!("a {what} has an empty name"));
                }
                if !seen.insert(n) {
                    return Err(format!("{what} `{n}` is declared twice"));
                }
            }
            Ok(())
        }
        let name = self.name;
        let err = |e: String| format!("processor `{name}`: {e}");
        if self.name.is_empty() || self.tree.is_empty() {
            return Err(err("the name and the tree must not be empty".into()));
        }
        unique("branch", self.branches.iter().map(|b| b.name)).map_err(err)?;
        unique("category", self.categories.iter().copied()).map_err(err)?;
        unique("histogram", self.histograms.iter().map(|h| h.name)).map_err(err)?;
        unique("variation", self.variations.iter().map(String::as_str)).map_err(err)?;
        if self.categories.is_empty() {
            return Err(err("declares no category".into()));
        }
        if self.shape_variations.first() != Some(&"nominal")
            || !self.variations.iter().any(|v| v == "nominal")
        {
            return Err(err(
                "`nominal` must be a variation label and the first shape variation".into(),
            ));
        }
        if self.variation_sources.len() != self.variations.len()
            || self.histogrammed.len() != self.variations.len()
        {
            return Err(err(format!(
                "{} variation labels, {} sources, {} histogrammed flags",
                self.variations.len(),
                self.variation_sources.len(),
                self.histogrammed.len()
            )));
        }
        if let Some(s) = self
            .shape_variations
            .iter()
            .find(|s| !self.variations.iter().any(|v| v == *s))
        {
            return Err(err(format!(
                "shape variation `{s}` is not a variation label"
            )));
        }
        Ok(())
    }

    /// The `variation` axis of this run: the histogrammed labels, in declared order.
    pub fn axis_variations(&self) -> Vec<&str> {
        self.variations
            .iter()
            .zip(&self.histogrammed)
            .filter(|(_, on)| **on)
            .map(|(v, _)| v.as_str())
            .collect()
    }

    /// For each declared label, its index on this run's `variation` axis.
    pub fn variation_axis_index(&self) -> Vec<Option<usize>> {
        index_of_kept(self.histogrammed.iter().copied())
    }

    /// For each shape variation (`nominal` first), its index among the shape variations
    /// this run computes.
    pub fn shape_index(&self) -> Vec<Option<usize>> {
        index_of_kept(self.shape_variations.iter().map(|label| {
            *label == "nominal"
                || self
                    .variations
                    .iter()
                    .zip(&self.histogrammed)
                    .any(|(v, &on)| on && v == label)
        }))
    }

    /// The shape variations this run computes, `nominal` first.
    pub fn run_shapes(&self) -> Vec<&'static str> {
        self.shape_variations
            .iter()
            .zip(self.shape_index())
            .filter(|(_, i)| i.is_some())
            .map(|(s, _)| *s)
            .collect()
    }

    /// The output groups of `sample`: `{sample}__{sub}` for each of its subsamples, in
    /// declaration order, or the sample alone.
    pub fn groups(&self, sample: &str) -> Vec<String> {
        let subs: Vec<String> = self
            .subsamples
            .iter()
            .filter(|(s, _)| *s == sample)
            .map(|(s, sub)| format!("{s}__{sub}"))
            .collect();
        if subs.is_empty() {
            vec![sample.to_string()]
        } else {
            subs
        }
    }
}

/// Everything a chunk's processing may look at besides its columns.
pub struct ChunkContext<'a> {
    pub dataset: &'a Dataset,
    /// Integrated luminosity of the dataset's year, in pb^-1.
    pub lumi_pb: f64,
    /// The golden JSON of the year (data only).
    pub lumimask: Option<&'a LumiMask>,
    pub params: &'a crate::config::Params,
    /// What [`Processor::prepare`] built for the dataset (`None` while preparing).
    pub prepared: Option<&'a Prepared>,
}

impl ChunkContext<'_> {
    /// Is (run, lumi) certified? Always true for simulation.
    #[inline]
    pub fn certified(&self, run: u32, lumi: u32) -> bool {
        self.lumimask.is_none_or(|m| m.contains(run, lumi))
    }

    /// What [`Processor::prepare`] built for the dataset, as the `T` it made.
    pub fn prepared<T: Any>(&self) -> Result<&T, ProcessError> {
        self.prepared
            .ok_or_else(|| ProcessError::Other("nothing is prepared yet".into()))?
            .get()
    }
}

/// Why a chunk could not be processed.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error(transparent)]
    Column(#[from] ColumnError),
    #[error(transparent)]
    Hist(#[from] crate::hist::HistError),
    /// An id the processor's spec does not declare.
    #[error("{0}")]
    Undeclared(String),
    #[error("{0}")]
    Other(String),
}

/// What [`Processor::process`] returns.
pub type ProcessResult = Result<(), ProcessError>;

/// An analysis: declares what it needs, prepares what a dataset's chunks share, and
/// processes one chunk at a time.
pub trait Processor: Sync {
    /// The static description (branches, categories, variations, histograms), e.g. from
    /// [`ProcessorSpec::builder`].
    fn spec(&self) -> ProcessorSpec;

    /// Builds what every chunk of `ctx.dataset` shares (typed configuration, corrections,
    /// thresholds), once per run and dataset, before any chunk is read: an error here stops
    /// the run at start with one message. The default prepares nothing.
    fn prepare(&self, ctx: &ChunkContext<'_>) -> Result<Prepared, ProcessError> {
        let _ = ctx;
        Ok(Prepared::new(()))
    }

    /// Processes the events of one chunk: skim, objects, preselection, categories,
    /// weights, fills (what [`prepare`](Processor::prepare) built for the dataset is
    /// [`ChunkContext::prepared`]). The runtime has already counted `initial` and summed
    /// `genWeight`.
    fn process(
        &self,
        columns: &Columns,
        ctx: &ChunkContext<'_>,
        out: &mut ChunkOutput,
    ) -> ProcessResult;
}

/// What [`Processor::prepare`] built for one dataset, shared by its chunks, and the
/// branches the dataset's parameters name (trigger paths, event flags) read besides the
/// spec's.
pub struct Prepared {
    value: Box<dyn Any + Send + Sync>,
    branches: Vec<String>,
}

impl Prepared {
    pub fn new<T: Any + Send + Sync>(value: T) -> Prepared {
        Prepared {
            value: Box::new(value),
            branches: Vec::new(),
        }
    }

    /// Also reads `branches` for this dataset (found in [`Columns`] by name).
    pub fn with_branches(mut self, branches: Vec<String>) -> Prepared {
        self.branches = branches;
        self
    }

    /// The branches read for this dataset besides the spec's.
    pub fn branches(&self) -> &[String] {
        &self.branches
    }

    /// The value, if it is a `T`.
    pub fn get<T: Any>(&self) -> Result<&T, ProcessError> {
        self.value.downcast_ref().ok_or_else(|| {
            ProcessError::Other(format!(
                "the prepared value is not a `{}`",
                std::any::type_name::<T>()
            ))
        })
    }
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Prepared(..)")
    }
}

/// For each item, its position among the kept ones (`None` for the others).
fn index_of_kept(keep: impl Iterator<Item = bool>) -> Vec<Option<usize>> {
    let mut next = 0;
    keep.map(|on| {
        next += usize::from(on);
        on.then(|| next - 1)
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ProcessorSpec {
        ProcessorSpec {
            name: "p",
            tree: "Events",
            branches: vec![BranchReq {
                name: "nMuon",
                mc_only: false,
                when: None,
            }],
            categories: vec!["baseline"],
            shape_variations: vec!["nominal"],
            variations: vec!["nominal".into(), "puUp".into()],
            variation_sources: vec!["", "pileup"],
            histogrammed: vec![true, true],
            histograms: Vec::new(),
            subsamples: Vec::new(),
        }
    }

    #[test]
    fn validate_names_what_is_inconsistent() {
        assert_eq!(spec().validate(), Ok(()));
        let mut s = spec();
        s.categories.push("baseline");
        assert!(
            s.validate()
                .unwrap_err()
                .contains("category `baseline` is declared twice")
        );
        let mut s = spec();
        s.variation_sources.pop();
        assert!(
            s.validate()
                .unwrap_err()
                .contains("2 variation labels, 1 sources")
        );
        let mut s = spec();
        s.shape_variations.push("JESUp");
        assert!(
            s.validate()
                .unwrap_err()
                .contains("`JESUp` is not a variation label")
        );
        let mut s = spec();
        s.branches.push(s.branches[0].clone());
        assert!(s.validate().unwrap_err().contains("branch `nMuon`"));
    }
}
