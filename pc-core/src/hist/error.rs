//! Errors of the histogram module. Every error names the histogram or the axis.

use std::path::PathBuf;

/// What went wrong while building, filling, merging or (de)serialising a histogram.
#[derive(Debug, thiserror::Error)]
pub enum HistError {
    /// An axis definition is invalid (no bins, unordered edges, duplicate labels, ...).
    #[error("axis `{axis}`: {reason}")]
    InvalidAxis { axis: String, reason: String },
    /// A histogram definition is invalid (no axes, too many bins, ...).
    #[error("histogram `{hist}`: {reason}")]
    InvalidHist { hist: String, reason: String },
    /// A fill got the wrong number of category indices or values.
    #[error(
        "histogram `{hist}`: fill expects {want_cats} category index(es) and {want_values} \
         value(s), got {got_cats} and {got_values}"
    )]
    FillArity {
        hist: String,
        want_cats: usize,
        want_values: usize,
        got_cats: usize,
        got_values: usize,
    },
    /// A label is not among the categories of a string-category axis.
    #[error("axis `{axis}`: unknown category `{label}` (categories: {known})")]
    UnknownLabel {
        axis: String,
        label: String,
        known: String,
    },
    /// Two histograms to be added have different axes.
    #[error("cannot add histogram `{other}` to `{hist}`: {reason}")]
    AxesMismatch {
        hist: String,
        other: String,
        reason: String,
    },
    /// A bin holds NaN or an infinity, which strict JSON cannot represent.
    #[error("histogram `{hist}`: bin {bin} holds a non-finite {what} ({x}); JSON cannot hold it")]
    NonFinite {
        hist: String,
        bin: usize,
        what: &'static str,
        x: f64,
    },
    /// A UHI JSON document does not describe a histogram we can read.
    #[error("UHI JSON `{hist}`: {reason}")]
    Uhi { hist: String, reason: String },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file is not valid JSON.
    #[error("{path}: {source}")]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}
