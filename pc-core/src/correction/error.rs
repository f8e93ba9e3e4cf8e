//! Errors of loading and evaluating corrections.

use std::path::PathBuf;

/// Everything that can go wrong, naming the file, correction and input concerned.
#[derive(Debug, thiserror::Error)]
pub enum CorrectionError {
    #[error("cannot read correction file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid correction file {file}: at {at}: {msg}")]
    Schema {
        file: String,
        at: String,
        msg: String,
    },
    #[error("no {kind} `{name}` in {file}{hint}")]
    Unknown {
        kind: &'static str,
        name: String,
        file: String,
        hint: String,
    },
    #[error("correction `{correction}` takes {expected} inputs ({names}), got {got}")]
    InputCount {
        correction: String,
        expected: usize,
        names: String,
        got: usize,
    },
    #[error("correction `{correction}`: input `{input}` is {expected}, got {got}")]
    InputType {
        correction: String,
        input: String,
        expected: String,
        got: String,
    },
    #[error(
        "correction `{correction}`: input `{input}` = {value} is {side} the bin edges [{low}, {high}] (flow is \"error\")"
    )]
    OutOfRange {
        correction: String,
        input: String,
        value: f64,
        side: &'static str,
        low: f64,
        high: f64,
    },
    #[error(
        "correction `{correction}`: input `{input}` has no category {key} and no default{hint}"
    )]
    UnknownKey {
        correction: String,
        input: String,
        key: String,
        hint: String,
    },
    #[error(
        "correction `{correction}`: input column `{input}` has {got} rows, other columns {expected}"
    )]
    ColumnLength {
        correction: String,
        input: String,
        expected: usize,
        got: usize,
    },
    #[error("compound correction `{compound}`: {source}")]
    InCompound {
        compound: String,
        source: Box<CorrectionError>,
    },
    #[error("{source} (row {row})")]
    Row {
        row: usize,
        source: Box<CorrectionError>,
    },
}
