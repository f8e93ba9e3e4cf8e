//! The runtime: typed column access, the [`Processor`] contract, per-dataset outputs and
//! the local run (plan -> execute -> finalize, see [`crate::plan`], [`crate::execute`],
//! [`crate::finalize`]).

pub mod builder;
pub mod collection;
pub mod columns;
pub mod cut;
pub mod ids;
pub mod output;
pub mod processor;
pub mod runner;
mod selection;
pub mod variation;

pub use builder::SpecBuilder;
pub use collection::{BoxError, Collection, Resource};
pub use columns::{ColumnError, Columns, Element, Jagged};
pub use cut::EventCut;
pub use ids::{BranchId, CategoryId, GroupId, HistId, ShapeId, VariationId};
pub use output::{ChunkOutput, Output, Tally};
/// `#[derive(Collection)]` (the trait and its derive share the name, as serde's).
pub use pc_macros::Collection;
pub use processor::{
    BranchReq, ChunkContext, HistDef, Prepared, ProcessError, ProcessResult, Processor,
    ProcessorSpec,
};
pub use runner::{FailedChunk, LocalOptions, RunError, RunOptions, RunResult, run, run_local};
pub use variation::{Multi, Shift, UpDown, WeightOutput};
