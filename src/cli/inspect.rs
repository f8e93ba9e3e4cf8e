//! `pc inspect`: trees, entries, branches (type, counter, codec) and clusters of a file.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use pc_core::io::{BranchInfo, RootFile, Tree};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The ROOT file.
    file: PathBuf,
    /// Only this tree (default: all trees).
    #[arg(long)]
    tree: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let file = RootFile::open(&args.file)?;
    let names = match &args.tree {
        Some(t) => vec![t.clone()],
        None => file.tree_names(),
    };
    let trees = names
        .iter()
        .map(|n| file.tree(n))
        .collect::<Result<Vec<_>, _>>()?;
    let text = if args.json {
        let doc: Vec<_> = trees.iter().map(tree_json).collect();
        serde_json::to_string_pretty(&doc)? + "\n"
    } else {
        let mut text = format!("{}\n", args.file.display());
        for t in &trees {
            describe_tree(&mut text, t);
        }
        text
    };
    // A closed pipe (`pc inspect f.root | head`) is not an error.
    std::io::stdout().write_all(text.as_bytes()).ok();
    Ok(())
}

fn codec_name(compress: i32) -> String {
    let level = compress % 100;
    let algo = match compress / 100 {
        _ if compress <= 0 => return "none".into(),
        0 | 1 => "zlib",
        2 => "lzma",
        3 => "old",
        4 => "lz4",
        5 => "zstd",
        _ => "unknown",
    };
    format!("{algo}:{level}")
}

fn type_name(b: &BranchInfo) -> String {
    match &b.leaf {
        Ok(t) => t.root_name().to_string(),
        Err(why) => format!("unsupported ({why})"),
    }
}

fn shape(b: &BranchInfo) -> String {
    match (&b.counter, b.fixed_len) {
        (Some(c), _) => format!("[{c}]"),
        (None, n) if n > 1 => format!("[{n}]"),
        _ => String::new(),
    }
}

fn describe_tree(out: &mut String, t: &Tree) {
    let branches = t.branches();
    let clusters = t.clusters();
    writeln!(
        out,
        "\ntree {}: {} entries, {} branches, {} clusters",
        t.name(),
        t.entries(),
        branches.len(),
        clusters.len().saturating_sub(1)
    )
    .expect("write to String");
    let shown: Vec<String> = clusters.iter().take(12).map(u64::to_string).collect();
    let more = if clusters.len() > 12 { ", ..." } else { "" };
    writeln!(out, "  cluster starts: [{}{more}]", shown.join(", ")).expect("write to String");
    let width = branches
        .iter()
        .map(|b| b.name.len() + shape(b).len())
        .max()
        .unwrap_or(0);
    for b in &branches {
        let name = format!("{}{}", b.name, shape(b));
        writeln!(
            out,
            "  {name:<width$}  {:<10} {:<8} baskets {:>4}{}  {:>10} B -> {:>10} B",
            type_name(b),
            codec_name(b.compress),
            b.baskets,
            if b.embedded_baskets > 0 {
                " (1 embedded)"
            } else {
                ""
            },
            b.tot_bytes,
            b.zip_bytes,
        )
        .expect("write to String");
    }
}

fn tree_json(t: &Tree) -> serde_json::Value {
    let branches: Vec<_> = t
        .branches()
        .iter()
        .map(|b| {
            serde_json::json!({
                "name": b.name,
                "type": b.leaf.as_ref().map(|t| t.root_name()).ok(),
                "unsupported": b.leaf.as_ref().err(),
                "counter": b.counter,
                "fixed_len": b.fixed_len,
                "codec": codec_name(b.compress),
                "baskets": b.baskets,
                "embedded_baskets": b.embedded_baskets,
                "tot_bytes": b.tot_bytes,
                "zip_bytes": b.zip_bytes,
            })
        })
        .collect();
    serde_json::json!({
        "tree": t.name(),
        "entries": t.entries(),
        "clusters": t.clusters(),
        "branches": branches,
    })
}
