//! `pc dump`: branches as JSON lines, for debugging and for comparisons with uproot.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use pc_core::io::{Column, Layout, ReadOptions, RootFile, Values};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The ROOT file.
    file: PathBuf,
    /// Comma-separated branch names (default: every readable branch).
    #[arg(long, value_delimiter = ',')]
    branches: Vec<String>,
    /// The tree to read.
    #[arg(long, default_value = "Events")]
    tree: String,
    /// Entry range `START:STOP` (either side may be empty).
    #[arg(long)]
    entries: Option<String>,
}

/// Entries read per batch, so memory stays bounded on large files.
const BATCH: u64 = 50_000;

pub fn run(args: Args) -> anyhow::Result<()> {
    let file = RootFile::open(&args.file)?;
    let tree = file.tree(&args.tree)?;
    let names: Vec<String> = if args.branches.is_empty() {
        tree.branches()
            .into_iter()
            .filter(|b| b.leaf.is_ok())
            .map(|b| b.name)
            .collect()
    } else {
        args.branches.clone()
    };
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let (start, stop) = parse_range(args.entries.as_deref(), tree.entries())?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut line = String::new();
    let mut at = start;
    while at < stop {
        let end = (at + BATCH).min(stop);
        let columns = tree.read(&names, at..end, ReadOptions { parallel: true })?;
        for i in 0..(end - at) as usize {
            line.clear();
            line.push('{');
            for (k, col) in columns.iter().enumerate() {
                if k > 0 {
                    line.push_str(", ");
                }
                line.push('"');
                line.push_str(&col.name);
                line.push_str("\": ");
                write_entry(&mut line, col, i);
            }
            line.push_str("}\n");
            if out.write_all(line.as_bytes()).is_err() {
                return Ok(()); // closed pipe (`| head`): stop quietly
            }
        }
        at = end;
    }
    out.flush().ok();
    Ok(())
}

fn parse_range(spec: Option<&str>, entries: u64) -> anyhow::Result<(u64, u64)> {
    let Some(spec) = spec else {
        return Ok((0, entries));
    };
    let (a, b) = spec
        .split_once(':')
        .with_context(|| format!("--entries `{spec}`: expected START:STOP"))?;
    let parse = |s: &str, default: u64| -> anyhow::Result<u64> {
        if s.is_empty() {
            Ok(default)
        } else {
            s.parse()
                .with_context(|| format!("--entries `{spec}`: `{s}` is not a number"))
        }
    };
    let (a, b) = (parse(a, 0)?, parse(b, entries)?.min(entries));
    anyhow::ensure!(a <= b, "--entries `{spec}`: start is after stop");
    Ok((a, b))
}

fn write_entry(line: &mut String, col: &Column, i: usize) {
    let range = col.entry_range(i);
    if matches!(col.layout, Layout::Scalar) {
        write_value(line, &col.values, range.start);
        return;
    }
    line.push('[');
    for (k, j) in range.enumerate() {
        if k > 0 {
            line.push_str(", ");
        }
        write_value(line, &col.values, j);
    }
    line.push(']');
}

fn write_value(line: &mut String, values: &Values, j: usize) {
    use std::fmt::Write as _;
    match values {
        Values::Bool(v) => line.push_str(if v[j] { "true" } else { "false" }),
        Values::I8(v) => write!(line, "{}", v[j]).expect("write to String"),
        Values::U8(v) => write!(line, "{}", v[j]).expect("write to String"),
        Values::I16(v) => write!(line, "{}", v[j]).expect("write to String"),
        Values::U16(v) => write!(line, "{}", v[j]).expect("write to String"),
        Values::I32(v) => write!(line, "{}", v[j]).expect("write to String"),
        Values::U32(v) => write!(line, "{}", v[j]).expect("write to String"),
        Values::I64(v) => write!(line, "{}", v[j]).expect("write to String"),
        Values::U64(v) => write!(line, "{}", v[j]).expect("write to String"),
        Values::F32(v) => write_float(line, v[j].is_finite(), v[j].is_nan(), v[j] < 0.0, || {
            ryu::Buffer::new().format_finite(v[j]).to_string()
        }),
        Values::F64(v) => write_float(line, v[j].is_finite(), v[j].is_nan(), v[j] < 0.0, || {
            ryu::Buffer::new().format_finite(v[j]).to_string()
        }),
    }
}

/// Shortest round-trip form; NaN and infinities as Python's `json` writes them.
fn write_float(
    line: &mut String,
    finite: bool,
    nan: bool,
    negative: bool,
    fmt: impl Fn() -> String,
) {
    if finite {
        line.push_str(&fmt());
    } else if nan {
        line.push_str("NaN");
    } else if negative {
        line.push_str("-Infinity");
    } else {
        line.push_str("Infinity");
    }
}
