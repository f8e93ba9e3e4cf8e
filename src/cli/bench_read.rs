//! `pc bench-read`: time reading branches of a file, chunk by chunk, as the runtime
//! does; prints one JSON line. Used by `bench/read_bench.py`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use pc_core::io::{ReadOptions, RootFile};
use rayon::prelude::*;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The ROOT file.
    file: PathBuf,
    /// Comma-separated branch names.
    #[arg(long, value_delimiter = ',', required = true)]
    branches: Vec<String>,
    #[arg(long, default_value = "Events")]
    tree: String,
    /// Worker threads (chunks are read in parallel).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Minimum entries per chunk (chunks are whole clusters).
    #[arg(long, default_value_t = 100_000)]
    chunk_size: u64,
    /// Only read and decompress the baskets (the decompression floor).
    #[arg(long)]
    decompress_only: bool,
    /// Read the file this many times (longer runs, steadier numbers).
    #[arg(long, default_value_t = 1)]
    passes: usize,
}

/// Groups cluster boundaries into chunks of at least `size` entries.
pub fn chunks(clusters: &[u64], size: u64) -> Vec<std::ops::Range<u64>> {
    let mut out = Vec::new();
    let mut start = 0;
    for &b in &clusters[1..] {
        if b - start >= size {
            out.push(start..b);
            start = b;
        }
    }
    if let Some(&end) = clusters.last().filter(|&&e| e > start) {
        out.push(start..end);
    }
    out
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let t0 = Instant::now();
    let file = RootFile::open(&args.file)?;
    let tree = file.tree(&args.tree)?;
    let names: Vec<&str> = args.branches.iter().map(String::as_str).collect();
    let ranges = chunks(&tree.clusters(), args.chunk_size);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build()
        .context("building the thread pool")?;
    let opts = ReadOptions { parallel: false };
    let read_chunk = |r: &std::ops::Range<u64>| -> pc_core::io::Result<usize> {
        if args.decompress_only {
            tree.decompress_only(&names, r.clone(), opts)
        } else {
            Ok(tree
                .read(&names, r.clone(), opts)?
                .iter()
                .map(|c| c.values.len())
                .sum())
        }
    };
    let work: Vec<&std::ops::Range<u64>> = (0..args.passes.max(1))
        .flat_map(|_| ranges.iter())
        .collect();
    let total: usize = pool.install(|| {
        work.par_iter()
            .map(|r| read_chunk(r))
            .sum::<pc_core::io::Result<usize>>()
    })?;
    let seconds = t0.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "tool": "pc",
            "events": tree.entries() * args.passes.max(1) as u64,
            "seconds": seconds,
            "events_per_s": (tree.entries() * args.passes.max(1) as u64) as f64 / seconds,
            "threads": args.threads,
            "chunks": ranges.len(),
            if args.decompress_only { "bytes" } else { "values" }: total,
        })
    );
    Ok(())
}
