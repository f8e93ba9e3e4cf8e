//! Finalises a complete partial result: MC normalised by the whole dataset's Σ genWeight
//! (after the last merge, as PocketCoffea's postprocessing), failed and missing chunks
//! listed against the plan.

use crate::execute::RunSetup;
use crate::partial::Partial;
use crate::plan::ChunkPlan;
use crate::run::{FailedChunk, Output, RunResult};

/// The normalised result of `partial`, a partial result of `plan` run with `setup`.
pub fn finalize(
    setup: &RunSetup,
    plan: &ChunkPlan,
    mut partial: Partial,
    seconds: f64,
) -> RunResult {
    for out in &mut partial.datasets {
        out.normalise();
    }
    let chunk = |id: usize| &plan.chunks[id];
    let failed: Vec<FailedChunk> = partial
        .failed
        .iter()
        .map(|(&id, error)| FailedChunk {
            id,
            dataset: plan.datasets[chunk(id).dataset].name.clone(),
            file: chunk(id).file.clone(),
            entries: chunk(id).range(),
            error: error.clone(),
        })
        .collect();
    let missing = crate::merge::missing(&partial, plan);
    let events_of = |ids: &mut dyn Iterator<Item = usize>| ids.map(|i| chunk(i).len()).sum();
    RunResult {
        events: plan.entries(),
        events_done: events_of(&mut partial.done.iter().copied()),
        events_failed: events_of(&mut partial.failed.keys().copied()),
        chunks: plan.chunks.len(),
        chunks_done: partial.done.len(),
        failed,
        missing,
        skipped_files: plan.skipped_files.clone(),
        fingerprint: plan.fingerprint.clone(),
        seconds,
        chunks_resumed: 0,
        output: Output {
            spec: setup.spec.clone(),
            datasets: setup
                .datasets
                .iter()
                .cloned()
                .zip(partial.datasets)
                .collect(),
        },
    }
}
