//! Errors of the ROOT I/O layer. Every error names the file and, where it applies, the
//! tree, branch and basket.

use std::path::PathBuf;

/// Result alias of the I/O layer.
pub type Result<T, E = IoError> = std::result::Result<T, E>;

/// What went wrong while reading or writing a ROOT file.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    #[error("{path}: {source}")]
    Os {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a regular file ({kind}); ROOT input must be a file")]
    NotRegularFile { path: PathBuf, kind: &'static str },
    #[error("{path}: not a ROOT file (bad magic)")]
    NotRoot { path: PathBuf },
    #[error("{path}: corrupt or truncated file: {what}")]
    Corrupt { path: PathBuf, what: String },
    #[error("{path}: no tree `{tree}` (trees in the file: {available})")]
    MissingTree {
        path: PathBuf,
        tree: String,
        available: String,
    },
    #[error("{path}: tree `{tree}` has no branch `{branch}`{hint}")]
    MissingBranch {
        path: PathBuf,
        tree: String,
        branch: String,
        hint: String,
    },
    #[error("{path}: tree `{tree}`, branch `{branch}`: unsupported {what}")]
    Unsupported {
        path: PathBuf,
        tree: String,
        branch: String,
        what: String,
    },
    #[error("{path}: tree `{tree}`, branch `{branch}`, basket {basket}: {what}")]
    Basket {
        path: PathBuf,
        tree: String,
        branch: String,
        basket: usize,
        what: String,
    },
    #[error("{path}: tree `{tree}`: entry range {start}..{stop} is outside 0..{entries}")]
    BadRange {
        path: PathBuf,
        tree: String,
        start: u64,
        stop: u64,
        entries: u64,
    },
    #[error("{path}: {what}")]
    Write { path: PathBuf, what: String },
}
