//! The analysis as the macro understands it: typed items that keep the user's spans.

use proc_macro2::Span;
use syn::{ExprClosure, Ident, ItemMod, LitStr, ReturnType, Type};

/// Everything `#[processor]` read from the module.
pub(crate) struct Analysis {
    pub name: LitStr,
    pub tree: LitStr,
    pub schema: LitStr,
    /// The module with the macro's own attributes and blocks removed.
    pub module: ItemMod,
    pub event: Option<Record>,
    pub collections: Vec<Record>,
    /// `#[config("section")]` structs: parameter sections read once per dataset.
    pub configs: Vec<Config>,
    /// Functions with a stage attribute, in declaration order.
    pub funcs: Vec<Func>,
    /// `skim![..]`: library `EventCut` types, applied before the `#[skim]` functions.
    pub skim_cuts: Vec<Type>,
    pub categories: Vec<Category>,
    /// `subsamples!`: per sample, named AND-of-cuts selections.
    pub subsamples: Vec<Subsample>,
    /// The `weights!` block; `None`: every `#[weight]` applies to every category.
    pub weights: Option<Vec<WeightRule>>,
    pub hists: Vec<Hist>,
}

/// A `#[collection]` (`prefix` set) or `#[event]` struct.
pub(crate) struct Record {
    pub ident: Ident,
    pub prefix: Option<String>,
    pub fields: Vec<Field>,
}

/// A `#[config("section")]` struct: `serde::Deserialize` from the parameters at `section`.
pub(crate) struct Config {
    pub ident: Ident,
    pub section: LitStr,
}

/// One field of a record, bound to a branch.
pub(crate) struct Field {
    pub ident: Ident,
    pub ty: Type,
    /// The full branch name (`Muon_pt`).
    pub branch: String,
    /// Where the branch name comes from: the `#[branch("..")]` literal or the field name.
    pub branch_span: Span,
    /// `#[mc]`: read only for simulation, `Default::default()` in data.
    pub mc: bool,
    /// `#[when("param")]`: read only if the boolean parameter is true, else default.
    pub when: Option<LitStr>,
}

impl Field {
    /// Whether the branch may be absent from a chunk's columns (`#[mc]` or `#[when]`).
    pub fn optional(&self) -> bool {
        self.mc || self.when.is_some()
    }
}

/// When a function runs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Stage {
    /// Once per dataset, before any chunk is read.
    Setup,
    Skim,
    Produce,
    Preselect,
    /// Per shape variation, after the skim: corrects a collection in place.
    Calibrate,
    Cut,
    Weight,
}

impl Stage {
    pub fn from_attr(name: &str) -> Option<Stage> {
        Some(match name {
            "setup" => Stage::Setup,
            "calibrate" => Stage::Calibrate,
            "skim" => Stage::Skim,
            "produce" => Stage::Produce,
            "preselect" => Stage::Preselect,
            "cut" => Stage::Cut,
            "weight" => Stage::Weight,
            _ => return None,
        })
    }

    pub fn attr(self) -> &'static str {
        match self {
            Stage::Setup => "#[setup]",
            Stage::Calibrate => "#[calibrate]",
            Stage::Skim => "#[skim]",
            Stage::Produce => "#[produce]",
            Stage::Preselect => "#[preselect]",
            Stage::Cut => "#[cut]",
            Stage::Weight => "#[weight]",
        }
    }
}

/// A function with a stage attribute.
pub(crate) struct Func {
    pub stage: Stage,
    pub ident: Ident,
    /// Argument types, in order.
    pub args: Vec<Type>,
    pub ret: ReturnType,
    /// `#[weight(variations = [..])]` or `#[calibrate(variations = [..])]`.
    pub variations: Vec<Ident>,
}

/// `name = [cut, ...];` in `categories!`.
pub(crate) struct Category {
    pub ident: Ident,
    pub cuts: Vec<Ident>,
}

/// `name = [cut, ..]` of `"Sample" = { .. }` in `subsamples!`.
pub(crate) struct Subsample {
    pub sample: LitStr,
    pub ident: Ident,
    pub cuts: Vec<Ident>,
}

/// `inclusive = [w, ..];`, `category = [w, ..];` or `"Sample" = [w, ..];` in `weights!`.
pub(crate) struct WeightRule {
    pub target: Target,
    pub weights: Vec<Ident>,
}

/// Which events a [`WeightRule`] applies to.
pub(crate) enum Target {
    Inclusive,
    Category(Ident),
    Sample(LitStr),
}

/// One entry of `histogram!` (its `///` comments document it in the source only).
pub(crate) struct Hist {
    pub ident: Ident,
    /// One or more axes: `Regular(..)` or `(Regular(..), Variable(..))`.
    pub axes: Vec<AxisSpec>,
    pub value: ExprClosure,
    /// `None`: every category.
    pub categories: Option<Vec<Ident>>,
}

/// `Regular(bins, lo, hi, "name", label = "..")` and friends.
pub(crate) struct AxisSpec {
    pub kind: Ident,
    /// The numeric arguments before the axis name.
    pub args: Vec<syn::Expr>,
    pub name: LitStr,
    pub label: Option<LitStr>,
}

/// Where the value of a function argument comes from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Source {
    Event,
    /// Index into [`Analysis::collections`].
    Collection(usize),
    /// `&mut` of a collection, for a `#[calibrate]`.
    CollectionMut(usize),
    /// The `Shift` a `#[calibrate]` applies.
    Shift,
    Ctx,
    /// Index into [`Analysis::configs`].
    Config(usize),
    /// The value returned by function `funcs[i]` (a `#[setup]` or `#[produce]`).
    Value(usize),
    /// Index into `Plan::resources`: a `pc_core::run::Resource` built once per dataset.
    Resource(usize),
}

/// Collects every error so the user sees all of them in one build.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    pub fn at(&mut self, span: Span, msg: impl std::fmt::Display) {
        self.push(syn::Error::new(span, msg));
    }

    pub fn into_result(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}
