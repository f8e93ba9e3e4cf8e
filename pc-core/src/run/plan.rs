//! The chunk plan: every file of every dataset cut into entry ranges aligned to the
//! tree's clusters, with stable ids (dataset order, file order, entry order).

use std::ops::Range;
use std::path::PathBuf;

use crate::io::{Result, RootFile};

/// One unit of work: an entry range of one file of one dataset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    /// Position in the plan; outputs are merged in this order.
    pub id: usize,
    /// Index of the dataset in the run's dataset list.
    pub dataset: usize,
    pub file: PathBuf,
    pub entries: Range<u64>,
}

/// Cuts `[0, entries)` into ranges of about `chunk_size` entries whose ends lie on
/// cluster boundaries (`clusters` = `[0, c1, ..., entries]`), like coffea's
/// `n = max(round(N / chunksize), 1)` split but snapped to clusters.
pub fn split(clusters: &[u64], chunk_size: u64) -> Vec<Range<u64>> {
    let entries = clusters.last().copied().unwrap_or(0);
    if entries == 0 {
        return Vec::new();
    }
    let n = ((entries as f64 / chunk_size.max(1) as f64).round() as u64).max(1);
    let target = entries.div_ceil(n);
    let mut out = Vec::new();
    let mut start = 0;
    for &b in &clusters[1..] {
        if b - start >= target || b == entries {
            out.push(start..b);
            start = b;
        }
    }
    out
}

/// Plans the chunks of `files` (grouped by dataset index), opening each file once to
/// read its cluster boundaries.
pub fn plan(files: &[(usize, PathBuf)], tree: &str, chunk_size: u64) -> Result<Vec<Chunk>> {
    let mut chunks = Vec::new();
    for (dataset, path) in files {
        let t = RootFile::open(path)?.tree(tree)?;
        for entries in split(&t.clusters(), chunk_size) {
            chunks.push(Chunk {
                id: chunks.len(),
                dataset: *dataset,
                file: path.clone(),
                entries,
            });
        }
    }
    Ok(chunks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_follow_clusters_and_cover_everything() {
        let clusters: Vec<u64> = (0..=100).map(|i| i * 1000).collect();
        let parts = split(&clusters, 25_000);
        assert_eq!(
            parts,
            vec![0..25_000, 25_000..50_000, 50_000..75_000, 75_000..100_000]
        );
        let parts = split(&clusters, 30_000);
        assert_eq!(parts.iter().map(|r| r.end - r.start).sum::<u64>(), 100_000);
        assert!(
            parts
                .iter()
                .all(|r| r.start % 1000 == 0 && r.end % 1000 == 0)
        );
        assert_eq!(split(&[0, 7], 1_000_000), vec![0..7]);
        assert!(split(&[0], 10).is_empty());
        // Uneven clusters: never cut inside one.
        assert_eq!(split(&[0, 3, 10, 11], 2), vec![0..3, 3..10, 10..11]);
    }
}
