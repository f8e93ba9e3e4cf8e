//! The runtime: chunk planning, typed column access, the [`Processor`] contract, the
//! runner (rayon over chunks, merged in chunk order) and the outputs.

pub mod columns;
pub mod output;
pub mod plan;
pub mod processor;
pub mod runner;
mod selection;
pub mod variation;
pub mod write;

pub use columns::{ColumnError, Columns, Element, Jagged};
pub use output::{ChunkOutput, Output, Tally};
pub use plan::Chunk;
pub use processor::{BranchReq, ChunkContext, HistDef, ProcessError, Processor, ProcessorSpec};
pub use runner::{FailedChunk, RunError, RunOptions, RunResult, run};
pub use variation::{Multi, Shift, UpDown, WeightOutput};
