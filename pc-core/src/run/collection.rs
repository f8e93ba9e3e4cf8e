//! The [`Collection`] contract: a struct whose fields are the `{prefix}_{field}` branches of
//! a NanoAOD collection, one value per object. `#[derive(Collection)]` implements it in any
//! crate; `#[processor]` functions then take the objects of an event as `&[T]`.

use super::columns::{ColumnError, Columns};
use super::ids::BranchId;
use super::processor::BranchReq;

/// A NanoAOD collection: its branches and how one event's objects are built from them.
///
/// Derive it: `#[derive(Collection)] #[collection(prefix = "Muon")] struct Muon { pt: f32, .. }`
/// (fields may carry `#[branch("pfRelIso04_all")]`, `#[mc]` and `#[when("param")]`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a NanoAOD collection",
    label = "a `&[T]` argument must be a collection",
    note = "derive it: `#[derive(Collection)] #[collection(prefix = \"Muon\")] struct {Self} {{ pt: f32, .. }}`"
)]
pub trait Collection: Sized {
    /// The branch prefix (`Muon`); the arrays are counted by `n{PREFIX}`.
    const PREFIX: &'static str;
    /// The branches of the fields, in field order.
    const BRANCHES: &'static [BranchReq];
    /// The chunk's columns of the fields, resolved once per chunk.
    type Columns<'c>;

    /// Resolves the columns of the fields, declared from branch `first` on (in
    /// [`Collection::BRANCHES`] order), and checks that their counts agree.
    fn columns(columns: &Columns, first: BranchId) -> Result<Self::Columns<'_>, ColumnError>;

    /// Replaces `out` by the objects of event `event` (no allocation once `out` is warm).
    fn fill(columns: &Self::Columns<'_>, event: usize, out: &mut Vec<Self>);
}

/// A value built once per dataset, before any event is read, from the dataset and the
/// parameters (a correction set, a calibrator, thresholds of the year): `#[processor]`
/// functions take it as `&T`, and a library provides it without a `#[setup]` in the analysis.
#[diagnostic::on_unimplemented(
    message = "`#[processor]` cannot pass `&{Self}`",
    label = "not a collection, `#[config]`, `#[setup]`/`#[produce]` value, `Ctx` or `Resource`",
    note = "a library type built per dataset implements `pc_core::run::Resource`"
)]
pub trait Resource: Sized + Send + Sync + 'static {
    /// Builds the value for the chunk context's dataset (once per dataset and run).
    fn setup(ctx: &super::ChunkContext<'_>) -> Result<Self, BoxError>;
}

/// Any error of a [`Resource::setup`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
