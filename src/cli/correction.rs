//! `pc correction`: inspect and evaluate correctionlib files, like Python correctionlib's CLI.

use std::io::{BufRead as _, Write as _};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context as _, bail};
use pc_core::correction::{
    Correction, CorrectionError, CorrectionSet, Input, Value, VarType, Variable,
};
use serde_json::Value as Json;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// List the corrections: inputs with types and ranges or keys, output.
    Summary {
        /// A correctionlib JSON file (`.json` or `.json.gz`).
        file: PathBuf,
    },
    /// Evaluate NAME on JSON lines from stdin (each an array of the inputs in order);
    /// prints one number per line, or `{"error": "..."}`.
    Eval { file: PathBuf, name: String },
    /// Time column evaluation of NAME on N rows (one core); prints one JSON line.
    Bench {
        file: PathBuf,
        name: String,
        #[arg(long, default_value_t = 1_000_000)]
        n: usize,
        /// Per input `NAME=uniform:LOW:HIGH` (a random real column) or `NAME=VALUE` (a
        /// scalar); inputs not given are uniform in their bin range or their first key.
        #[arg(long = "input", value_name = "NAME=SPEC")]
        inputs: Vec<String>,
        /// Timed repetitions (the best is reported).
        #[arg(long, default_value_t = 5)]
        repeat: usize,
    },
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::Summary { file } => summary(&CorrectionSet::from_file(&file)?),
        Command::Eval { file, name } => {
            let set = CorrectionSet::from_file(&file)?;
            match (set.get(&name), set.compound(&name)) {
                (Ok(c), _) => eval(c.name(), c.inputs(), |v| c.evaluate(v)),
                (Err(_), Ok(c)) => eval(c.name(), c.inputs(), |v| c.evaluate(v)),
                (Err(e), Err(_)) => Err(e.into()),
            }
        }
        Command::Bench {
            file,
            name,
            n,
            inputs,
            repeat,
        } => {
            let set = CorrectionSet::from_file(&file)?;
            bench(set.get(&name)?, n, &inputs, repeat)
        }
    }
}

fn summary(set: &CorrectionSet) -> anyhow::Result<()> {
    let mut out = String::new();
    out += &format!(
        "{}: {} corrections",
        set.source(),
        set.corrections().count()
    );
    if set.compounds().count() > 0 {
        out += &format!(", {} compound corrections", set.compounds().count());
    }
    out.push('\n');
    for c in set.corrections() {
        out += &format!("\n{} (v{})\n", c.name(), c.version());
        if !c.description().is_empty() {
            out += &format!("  {}\n", c.description().lines().next().unwrap_or(""));
        }
        for (i, v) in c.inputs().iter().enumerate() {
            let d = c.domain(i);
            out += &format!("  input {} ({})", v.name, v.var_type);
            if let Some((lo, hi)) = d.range {
                out += &format!(" range [{lo}, {hi}], flow {}", d.flows.join("/"));
            }
            if !d.keys.is_empty() {
                let shown: Vec<&str> = d.keys.iter().take(12).map(String::as_str).collect();
                let more = if d.keys.len() > 12 {
                    format!(", ... ({} keys)", d.keys.len())
                } else {
                    String::new()
                };
                out += &format!(" keys {}{more}", shown.join(", "));
                if d.has_default {
                    out += " (with default)";
                }
            }
            if !v.description.is_empty() {
                out += &format!(": {}", v.description.lines().next().unwrap_or(""));
            }
            out.push('\n');
        }
        out += &format!("  output {} ({})\n", c.output().name, c.output().var_type);
    }
    for c in set.compounds() {
        out += &format!(
            "\n{} (compound of {})\n",
            c.name(),
            c.stack().collect::<Vec<_>>().join(", ")
        );
        for v in c.inputs() {
            out += &format!("  input {} ({})\n", v.name, v.var_type);
        }
        out += &format!("  output {} ({})\n", c.output().name, c.output().var_type);
    }
    std::io::stdout().write_all(out.as_bytes()).ok();
    Ok(())
}

/// A JSON number as Python's `json` writes it (shortest round trip; NaN, Infinity).
fn number(x: f64) -> String {
    if x.is_finite() {
        ryu::Buffer::new().format_finite(x).to_string()
    } else if x.is_nan() {
        "NaN".into()
    } else if x > 0.0 {
        "Infinity".into()
    } else {
        "-Infinity".into()
    }
}

fn eval(
    name: &str,
    inputs: &[Variable],
    evaluate: impl Fn(&[Value]) -> Result<f64, CorrectionError>,
) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for (i, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line.context("reading stdin")?;
        if line.trim().is_empty() {
            continue;
        }
        let answer =
            eval_line(name, inputs, &evaluate, &line).map_err(|e| format!("line {}: {e:#}", i + 1));
        match answer {
            Ok(x) => writeln!(out, "{}", number(x))?,
            Err(e) => writeln!(out, "{}", serde_json::json!({ "error": e }))?,
        }
    }
    out.flush()?;
    Ok(())
}

fn eval_line(
    name: &str,
    inputs: &[Variable],
    evaluate: impl Fn(&[Value]) -> Result<f64, CorrectionError>,
    line: &str,
) -> anyhow::Result<f64> {
    let items: Vec<Json> =
        serde_json::from_str(line).context("expected a JSON array of input values")?;
    if items.len() != inputs.len() {
        bail!(
            "correction `{}` takes {} inputs ({}), got {}",
            name,
            inputs.len(),
            inputs
                .iter()
                .map(|v| v.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            items.len()
        );
    }
    let values = items
        .iter()
        .zip(inputs)
        .map(|(item, var)| {
            let value = match (var.var_type, item) {
                (VarType::Real, Json::Number(n)) => n.as_f64().map(Value::Real),
                (VarType::Int, Json::Number(n)) => n.as_i64().map(Value::Int),
                (VarType::Str, Json::String(s)) => Some(Value::Str(s)),
                _ => None,
            };
            value.with_context(|| {
                format!("input `{}` must be {}, got {item}", var.name, var.var_type)
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(evaluate(&values)?)
}

/// One bench input, owned.
enum Column {
    Reals(Vec<f64>),
    Real(f64),
    Int(i64),
    Str(String),
}

fn bench(c: &Correction, n: usize, specs: &[String], repeat: usize) -> anyhow::Result<()> {
    let mut rng = 0x9E3779B97F4A7C15u64;
    let mut uniform = |lo: f64, hi: f64| -> Vec<f64> {
        (0..n)
            .map(|_| {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                lo + (hi - lo) * ((rng >> 11) as f64 / (1u64 << 53) as f64)
            })
            .collect()
    };
    let mut columns = Vec::new();
    for (i, var) in c.inputs().iter().enumerate() {
        let spec = specs
            .iter()
            .find_map(|s| s.strip_prefix(&format!("{}=", var.name)));
        let column = match (spec, var.var_type) {
            (Some(s), VarType::Real) if s.starts_with("uniform:") => {
                let parts: Vec<f64> = s["uniform:".len()..]
                    .split(':')
                    .map(str::parse)
                    .collect::<Result<_, _>>()
                    .with_context(|| format!("bad spec `{s}` for input `{}`", var.name))?;
                let [lo, hi] = parts[..] else {
                    bail!("expected uniform:LOW:HIGH for input `{}`", var.name)
                };
                Column::Reals(uniform(lo, hi))
            }
            (Some(s), VarType::Real) => {
                Column::Real(s.parse().with_context(|| format!("input `{}`", var.name))?)
            }
            (Some(s), VarType::Int) => {
                Column::Int(s.parse().with_context(|| format!("input `{}`", var.name))?)
            }
            (Some(s), VarType::Str) => Column::Str(s.to_string()),
            (None, VarType::Real) => {
                let (lo, hi) = c.domain(i).range.unwrap_or((0.0, 1.0));
                Column::Reals(uniform(lo.max(-1e6), hi.min(1e6)))
            }
            (None, _) => {
                let key = c
                    .domain(i)
                    .keys
                    .into_iter()
                    .next()
                    .with_context(|| format!("give --input {}=...", var.name))?;
                match var.var_type {
                    VarType::Int => Column::Int(key.parse()?),
                    _ => Column::Str(key),
                }
            }
        };
        columns.push(column);
    }
    let inputs: Vec<Input> = columns
        .iter()
        .map(|col| match col {
            Column::Reals(v) => Input::Reals(v),
            Column::Real(x) => Input::Real(*x),
            Column::Int(x) => Input::Int(*x),
            Column::Str(s) => Input::Str(s),
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    let mut best = f64::INFINITY;
    for _ in 0..repeat.max(1) {
        let start = Instant::now();
        c.evaluate_columns(&inputs, &mut out)?;
        best = best.min(start.elapsed().as_secs_f64());
    }
    let checksum: f64 = out.iter().sum();
    println!(
        "{}",
        serde_json::json!({
            "correction": c.name(), "n": n, "best_s": best,
            "evals_per_s": n as f64 / best, "sum": checksum,
        })
    );
    Ok(())
}
