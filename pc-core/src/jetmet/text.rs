//! Reader of the legacy JetMET text format (`.jec.txt`, `.junc.txt`, `.jr.txt`, `.jersf.txt`,
//! plain or gzip-compressed).
//!
//! A table is a header line `{N bin-vars... M eval-vars... formula kind...}` followed by one
//! record per line: `N` (min, max) bin-edge pairs, a count `K`, then `K` numbers. Uncertainty
//! source files hold several tables, each introduced by a `[SourceName]` line. Lines starting
//! with `#` and blank lines are skipped. Numbers are stored as `f32`, as CMSSW and coffea do.

use std::path::Path;

use super::JetMetError;

/// The header of one table.
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    /// Names of the binned variables (`JetEta`, `Rho`, ...).
    pub binned: Vec<String>,
    /// Names of the formula variables (`JetPt`, ...), in `x, y, z, t` order.
    pub eval: Vec<String>,
    /// The formula string (`""` or `None` when the table has none).
    pub formula: String,
    /// The header's 1-based line number in the file.
    pub line: usize,
}

/// One record (line) of a table.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// 1-based line number in the file.
    pub line: usize,
    /// (min, max) per binned variable.
    pub bins: Vec<(f32, f32)>,
    /// The `K` numbers after the count.
    pub values: Vec<f32>,
}

/// One table: a header and its records; `section` is the `[Name]` that introduced it, if any.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub section: Option<String>,
    pub header: Header,
    pub records: Vec<Record>,
}

/// Reads a text file, gunzipping it when it starts with the gzip magic bytes.
pub fn read_text(path: &Path) -> Result<String, JetMetError> {
    let err = |message: String| JetMetError::file(path, message);
    let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        gunzip(&bytes).map_err(err)?
    } else {
        bytes
    };
    String::from_utf8(bytes).map_err(|e| err(format!("not UTF-8 text: {e}")))
}

/// Decompresses a single-member gzip stream (its size is in the trailer).
fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let size = bytes
        .len()
        .checked_sub(4)
        .map(|at| u32::from_le_bytes(bytes[at..].try_into().unwrap()) as usize)
        .ok_or("truncated gzip stream")?;
    let mut out = vec![0u8; size];
    let n = libdeflater::Decompressor::new()
        .gzip_decompress(bytes, &mut out)
        .map_err(|e| format!("gzip: {e}"))?;
    out.truncate(n);
    Ok(out)
}

/// Reads and parses a file into its tables (at least one).
pub fn read_tables(path: &Path) -> Result<Vec<Table>, JetMetError> {
    parse_tables(&read_text(path)?)
        .map_err(|(line, message)| JetMetError::line(path, line, message))
}

/// Parses the text of a file; errors carry the 1-based line number.
pub fn parse_tables(text: &str) -> Result<Vec<Table>, (usize, String)> {
    let mut tables: Vec<Table> = Vec::new();
    let mut section: Option<String> = None;
    let mut pending_section = false;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[') {
            let name = name
                .strip_suffix(']')
                .ok_or((line, format!("unterminated section name {trimmed:?}")))?;
            section = Some(name.trim().to_string());
            pending_section = true;
            continue;
        }
        if trimmed.starts_with('{') {
            let header = parse_header(trimmed, line).map_err(|m| (line, m))?;
            tables.push(Table {
                section: section.clone(),
                header,
                records: Vec::new(),
            });
            pending_section = false;
            continue;
        }
        if pending_section {
            return Err((
                line,
                "expected a '{...}' header after the section name".into(),
            ));
        }
        let table = tables
            .last_mut()
            .ok_or((line, "record before the '{...}' header".to_string()))?;
        let record =
            parse_record(trimmed, line, table.header.binned.len()).map_err(|m| (line, m))?;
        table.records.push(record);
    }
    if tables.is_empty() {
        return Err((1, "no '{...}' header found".into()));
    }
    if let Some(t) = tables.iter().find(|t| t.records.is_empty()) {
        return Err((t.header.line, "table without records".into()));
    }
    Ok(tables)
}

fn parse_header(text: &str, line: usize) -> Result<Header, String> {
    let inner = text
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .ok_or_else(|| format!("header not enclosed in braces: {text:?}"))?;
    let tokens: Vec<&str> = inner.split_whitespace().collect();
    let count = |at: usize, what: &str| -> Result<usize, String> {
        let tok = tokens
            .get(at)
            .ok_or_else(|| format!("header ends before the {what}"))?;
        tok.parse::<usize>()
            .map_err(|_| format!("header: the {what} must be a number, found {tok:?}"))
    };
    let n_binned = count(0, "number of binned variables")?;
    let n_eval = count(n_binned + 1, "number of formula variables")?;
    let name = |at: usize| tokens.get(at).map(|s| s.to_string());
    let names = |from: usize, n: usize| -> Result<Vec<String>, String> {
        (from..from + n)
            .map(|at| name(at).ok_or_else(|| "header ends inside the variable names".to_string()))
            .collect()
    };
    let binned = names(1, n_binned)?;
    let eval = names(n_binned + 2, n_eval)?;
    if n_eval > 4 {
        return Err(format!(
            "{n_eval} formula variables (at most 4: x, y, z, t)"
        ));
    }
    let formula = name(n_binned + n_eval + 2).ok_or("header ends before the formula")?;
    Ok(Header {
        binned,
        eval,
        formula,
        line,
    })
}

fn parse_record(text: &str, line: usize, n_binned: usize) -> Result<Record, String> {
    let numbers: Vec<f64> = text
        .split_whitespace()
        .map(|tok| {
            tok.parse::<f64>()
                .map_err(|_| format!("not a number: {tok:?}"))
        })
        .collect::<Result<_, _>>()?;
    let n_edges = 2 * n_binned;
    let count = *numbers.get(n_edges).ok_or_else(|| {
        format!(
            "{} numbers, expected {n_edges} bin edges and a count",
            numbers.len()
        )
    })?;
    if count < 0.0 || count.fract() != 0.0 {
        return Err(format!(
            "the value count must be a non-negative integer, found {count}"
        ));
    }
    let values = &numbers[n_edges + 1..];
    if values.len() != count as usize {
        return Err(format!("{} values after the count {count}", values.len()));
    }
    let bins = numbers[..n_edges]
        .chunks(2)
        .map(|p| (p[0] as f32, p[1] as f32))
        .collect::<Vec<_>>();
    if let Some((lo, hi)) = bins
        .iter()
        .find(|(lo, hi)| lo.partial_cmp(hi).is_none_or(|o| o.is_gt()))
    {
        return Err(format!("bin minimum {lo} above its maximum {hi}"));
    }
    Ok(Record {
        line,
        bins,
        values: values.iter().map(|&v| v as f32).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_header_records_and_sections() {
        let text = "# comment\n[A]\n{1 JetEta 1 JetPt \"\" Correction Uncertainty}\n\
                    -5 0 6 10 0.1 0.2 20 0.3 0.4\n 0 5 6 10 0.1 0.2 20 0.3 0.4\n\n\
                    [B]\n{1 JetEta 1 JetPt \"\" Correction Uncertainty}\n-5 5 3 10 0.5 0.6\n";
        let tables = parse_tables(text).unwrap();
        assert_eq!(tables.len(), 2);
        assert_eq!(tables[0].section.as_deref(), Some("A"));
        assert_eq!(tables[0].header.binned, ["JetEta"]);
        assert_eq!(tables[0].header.eval, ["JetPt"]);
        assert_eq!(tables[0].header.formula, "\"\"");
        assert_eq!(tables[0].records[1].line, 5);
        assert_eq!(tables[0].records[1].bins, [(0.0, 5.0)]);
        assert_eq!(tables[1].records[0].values, [10.0, 0.5, 0.6]);
    }

    #[test]
    fn bad_inputs_name_the_line() {
        let cases = [
            (
                "{1 JetEta 1 JetPt 1 Correction L3}\n-5 5 2 1 x\n",
                2,
                "not a number",
            ),
            (
                "{1 JetEta 1 JetPt 1 Correction L3}\n-5 5 3 1 2\n",
                2,
                "values after the count",
            ),
            (
                "{1 JetEta 1 JetPt 1 Correction L3}\n-5\n",
                2,
                "expected 2 bin edges",
            ),
            ("{x JetEta}\n", 1, "must be a number"),
            ("{2 JetEta}\n", 1, "header ends"),
            ("-5 5 2 1 2\n", 1, "before the '{...}' header"),
            ("", 1, "no '{...}' header"),
            (
                "{1 JetEta 1 JetPt 1 Correction L3}\n5 -5 2 1 2\n",
                2,
                "above its maximum",
            ),
            ("[A]\n-5 5 2 1 2\n", 2, "expected a '{...}' header"),
            ("{1 JetEta 1 JetPt 1 Correction L3}\n", 1, "without records"),
        ];
        for (text, line, needle) in cases {
            let (got_line, message) = parse_tables(text).unwrap_err();
            assert_eq!(got_line, line, "{text:?}: {message}");
            assert!(message.contains(needle), "{text:?}: {message}");
        }
    }
}
