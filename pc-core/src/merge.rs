//! Merges partial result files of one plan, one file at a time (memory does not grow with
//! their number): exact in any order; a chunk present twice is an error, and so is a
//! chunk of the plan present nowhere (named by its slice when the partials have slices).

use std::path::Path;

use crate::execute::RunSetup;
use crate::partial::{Partial, PartialError};
use crate::plan::{ChunkPlan, Slice};
use crate::util::ranges;

/// Why partials could not be merged into a complete result.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error(transparent)]
    Partial(#[from] PartialError),
    #[error("no partial results given")]
    Nothing,
    #[error("incomplete: {what} (run the missing slices, or pass --allow-missing)")]
    Missing { what: String, chunks: Vec<usize> },
}

/// Reads and merges `paths` (partials of `plan`) into one partial.
pub fn merge_files(
    paths: &[impl AsRef<Path>],
    plan: &ChunkPlan,
    setup: &RunSetup,
) -> Result<Partial, MergeError> {
    let mut merged: Option<Partial> = None;
    for path in paths {
        let path = path.as_ref();
        let p = Partial::read(path, plan, &setup.spec, &setup.datasets)?;
        match &mut merged {
            None => merged = Some(p),
            Some(m) => m.merge(p, &path.display().to_string())?,
        }
    }
    merged.ok_or(MergeError::Nothing)
}

/// The chunk ids of `plan` that `partial` has neither processed nor failed.
pub fn missing(partial: &Partial, plan: &ChunkPlan) -> Vec<usize> {
    (0..plan.chunks.len())
        .filter(|id| !partial.done.contains(id) && !partial.failed.contains_key(id))
        .collect()
}

/// An error naming what `partial` lacks of `plan`, if anything: the slices (when the
/// partials were made as slices of one count) and the chunk ids.
pub fn check_complete(partial: &Partial, plan: &ChunkPlan) -> Result<(), MergeError> {
    let chunks = missing(partial, plan);
    if chunks.is_empty() {
        return Ok(());
    }
    let counts: std::collections::BTreeSet<usize> =
        partial.slices.iter().map(|s| s.count).collect();
    let mut what = format!(
        "chunk(s) {} of {} missing",
        ranges(&chunks),
        plan.chunks.len()
    );
    if let [count] = counts.into_iter().collect::<Vec<_>>()[..] {
        let absent: Vec<String> = (1..=count)
            .map(|index| Slice { index, count })
            .filter(|s| s.range(plan.chunks.len()).any(|id| chunks.contains(&id)))
            .map(|s| s.to_string())
            .collect();
        what = format!("slice(s) {} not merged; {what}", absent.join(", "));
    }
    Err(MergeError::Missing { what, chunks })
}
