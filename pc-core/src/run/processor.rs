//! The contract between an analysis and the runtime. `#[processor]` generates an
//! implementation of [`Processor`]; one can also be written by hand.

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
    /// Read only if this boolean parameter is true (e.g. inputs of optional corrections).
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
}

impl ChunkContext<'_> {
    /// Is (run, lumi) certified? Always true for simulation.
    #[inline]
    pub fn certified(&self, run: u32, lumi: u32) -> bool {
        self.lumimask.is_none_or(|m| m.contains(run, lumi))
    }
}

/// Why a chunk could not be processed.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error(transparent)]
    Column(#[from] ColumnError),
    #[error(transparent)]
    Hist(#[from] crate::hist::HistError),
    #[error("{0}")]
    Other(String),
}

/// An analysis: declares what it needs and processes one chunk at a time.
pub trait Processor: Sync {
    /// The static description (branches, categories, variations, histograms).
    fn spec(&self) -> ProcessorSpec;

    /// Processes the events of one chunk: skim, objects, preselection, categories,
    /// weights, fills. The runtime has already counted `initial` and summed `genWeight`.
    fn process(
        &self,
        columns: &Columns,
        ctx: &ChunkContext<'_>,
        out: &mut ChunkOutput,
    ) -> Result<(), ProcessError>;
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
