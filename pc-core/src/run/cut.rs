//! The [`EventCut`] contract: a library selection on the raw event (event flags, golden
//! JSON, triggers, vertices) that an analysis lists in `skim![..]` instead of writing it.

use super::collection::BoxError;
use super::columns::{ColumnError, Columns};
use super::processor::ChunkContext;

/// A cut on the event, built once per dataset from the parameters (which may name the
/// branches it reads: the year's trigger paths and event flags), resolved once per chunk
/// and tested per event. `#[processor]` modules list such cuts in `skim![A, B, ..]`; they
/// run before the module's `#[skim]` functions, in the listed order.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a library event cut",
    label = "`skim![..]` lists types implementing `pc_core::run::EventCut`",
    note = "write the cut as a `#[skim]` function, or implement `EventCut` for the type"
)]
pub trait EventCut: Sized + Send + Sync + 'static {
    /// What the cut needs from one chunk (its columns, the lumi mask, ...).
    type Chunk<'c>;

    /// Builds the cut for the context's dataset (once per dataset and run).
    fn setup(ctx: &ChunkContext<'_>) -> Result<Self, BoxError>;

    /// The branches the cut reads for this dataset (read besides the processor's own).
    fn branches(&self) -> Vec<String>;

    /// Resolves the cut's columns in one chunk.
    fn chunk<'c>(
        &'c self,
        columns: &'c Columns,
        ctx: &'c ChunkContext<'c>,
    ) -> Result<Self::Chunk<'c>, ColumnError>;

    /// Whether event `event` of the chunk passes.
    fn pass(chunk: &Self::Chunk<'_>, event: usize) -> bool;
}
