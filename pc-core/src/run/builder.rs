//! Building a [`ProcessorSpec`] by declaring its items one by one, each declaration giving
//! the typed id the processor then uses (what a hand-written processor does).

use super::ids::{BranchId, CategoryId, HistId, ShapeId, VariationId};
use super::processor::{BranchReq, HistDef, ProcessorSpec};
use crate::hist::Axis;

/// Declares a processor's branches, categories, histograms and variations.
///
/// ```
/// use pc_core::hist::Axis;
/// use pc_core::run::ProcessorSpec;
/// let mut b = ProcessorSpec::builder("dimuon", "Events");
/// let pt = b.branch("Muon_pt");
/// let gen_weight = b.mc_branch("genWeight");
/// let all = b.category("all");
/// let h = b.histogram("pt", vec![Axis::regular("pt", 50, 0.0, 200.0).unwrap()]);
/// let spec = b.build().unwrap();
/// assert_eq!(spec.branches[pt.index()].name, "Muon_pt");
/// # let _ = (gen_weight, all, h);
/// ```
#[derive(Debug)]
pub struct SpecBuilder {
    spec: ProcessorSpec,
}

impl ProcessorSpec {
    /// A builder for the processor `name` reading tree `tree`; `nominal` is declared.
    pub fn builder(name: &'static str, tree: &'static str) -> SpecBuilder {
        SpecBuilder {
            spec: ProcessorSpec {
                name,
                tree,
                branches: Vec::new(),
                categories: Vec::new(),
                shape_variations: vec!["nominal"],
                variations: vec!["nominal".into()],
                variation_sources: vec![""],
                histogrammed: vec![true],
                histograms: Vec::new(),
                subsamples: Vec::new(),
            },
        }
    }
}

impl SpecBuilder {
    /// A branch read for data and simulation.
    pub fn branch(&mut self, name: &'static str) -> BranchId {
        self.push_branch(name, false, None)
    }

    /// A branch read only for simulation (`genWeight`, `Pileup_nTrueInt`, ...).
    pub fn mc_branch(&mut self, name: &'static str) -> BranchId {
        self.push_branch(name, true, None)
    }

    /// A branch read only when boolean parameter `param` is true.
    pub fn branch_when(
        &mut self,
        name: &'static str,
        mc_only: bool,
        param: &'static str,
    ) -> BranchId {
        self.push_branch(name, mc_only, Some(param))
    }

    fn push_branch(
        &mut self,
        name: &'static str,
        mc_only: bool,
        when: Option<&'static str>,
    ) -> BranchId {
        self.spec.branches.push(BranchReq {
            name,
            mc_only,
            when,
        });
        BranchId::new(self.spec.branches.len() - 1)
    }

    pub fn category(&mut self, name: &'static str) -> CategoryId {
        self.spec.categories.push(name);
        CategoryId::new(self.spec.categories.len() - 1)
    }

    /// A histogram with analysis axes `axes` (the runtime prepends `cat` and, for MC,
    /// `variation`).
    pub fn histogram(&mut self, name: &'static str, axes: Vec<Axis>) -> HistId {
        self.spec.histograms.push(HistDef { name, axes });
        HistId::new(self.spec.histograms.len() - 1)
    }

    /// `nominal` on the `variation` axis.
    pub fn nominal(&self) -> VariationId {
        VariationId::new(self.position("nominal"))
    }

    /// A weight variation `label` (e.g. `pileupUp`) of the weight `source`, selectable by
    /// `variations.weights`.
    pub fn weight_variation(&mut self, label: &str, source: &'static str) -> VariationId {
        self.push_variation(label, source)
    }

    /// A shape variation `label` (e.g. `JESUp`) of the calibrator `source`, selectable by
    /// `variations.shape`: the id to run it by and its label on the `variation` axis.
    pub fn shape_variation(
        &mut self,
        label: &'static str,
        source: &'static str,
    ) -> (ShapeId, VariationId) {
        self.spec.shape_variations.push(label);
        let v = self.push_variation(label, source);
        (ShapeId::new(self.spec.shape_variations.len() - 1), v)
    }

    fn push_variation(&mut self, label: &str, source: &'static str) -> VariationId {
        self.spec.variations.push(label.to_string());
        self.spec.variation_sources.push(source);
        self.spec.histogrammed.push(true);
        VariationId::new(self.spec.variations.len() - 1)
    }

    /// Subsample `sub` of `sample` (outputs `{sample}__{sub}`; groups in declaration order).
    pub fn subsample(&mut self, sample: &'static str, sub: &'static str) {
        self.spec.subsamples.push((sample, sub));
    }

    fn position(&self, label: &str) -> usize {
        self.spec
            .variations
            .iter()
            .position(|v| v == label)
            .unwrap_or(0)
    }

    /// The spec, checked by [`ProcessorSpec::validate`].
    pub fn build(self) -> Result<ProcessorSpec, String> {
        self.spec.validate()?;
        Ok(self.spec)
    }
}
