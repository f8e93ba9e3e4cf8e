//! Paths and helpers shared by the integration tests.

use std::path::PathBuf;

use pc_core::io::{Column, Layout, Values};
use sha2::{Digest, Sha256};

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The read-only shared data folder (`../shared/data`), or `$PC_SHARED_DATA`.
pub fn shared_data() -> PathBuf {
    std::env::var_os("PC_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/data"))
}

/// The environment for `${VAR}` in dataset file paths, with `PC_SHARED_DATA` set to
/// [`shared_data`] (so the default location works without the variable).
pub fn dataset_env(name: &str) -> Option<String> {
    match name {
        "PC_SHARED_DATA" => Some(shared_data().to_string_lossy().into_owned()),
        _ => std::env::var(name).ok(),
    }
}

/// The real NanoAOD sample files, sorted by name.
pub fn nanoaod_files() -> Vec<PathBuf> {
    let dir = shared_data().join("nanoaod");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "root"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .root files in {}", dir.display());
    files
}

/// SHA-256 of the values as little-endian bytes (bools as one byte), as
/// `validation/dump_reference.py` computes it.
pub fn values_sha256(values: &Values) -> String {
    let mut h = Sha256::new();
    pc_core::with_values!(values, v => {
        for x in v {
            h.update(le_bytes(x));
        }
    });
    hex(&h.finalize())
}

/// SHA-256 of the per-entry lengths of a jagged column as little-endian u32.
pub fn counts_sha256(column: &Column) -> Option<String> {
    let Layout::Jagged(offsets) = &column.layout else {
        return None;
    };
    let mut h = Sha256::new();
    for w in offsets.windows(2) {
        h.update((w[1] - w[0]).to_le_bytes());
    }
    Some(hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Little-endian bytes of one value.
pub trait LeBytes {
    fn le(&self) -> Vec<u8>;
}
macro_rules! le_impl {
    ($($t:ty),*) => { $(impl LeBytes for $t { fn le(&self) -> Vec<u8> { self.to_le_bytes().to_vec() } })* };
}
le_impl!(i8, u8, i16, u16, i32, u32, i64, u64, f32, f64);
impl LeBytes for bool {
    fn le(&self) -> Vec<u8> {
        vec![u8::from(*self)]
    }
}
fn le_bytes<T: LeBytes>(x: &T) -> Vec<u8> {
    x.le()
}

/// Checks two column lists are identical, bit for bit (NaN equals NaN); the error
/// names the first differing branch instead of printing megabytes of values.
pub fn assert_identical(got: &[Column], expected: &[Column], what: &str) {
    assert_eq!(got.len(), expected.len(), "{what}: number of columns");
    for (g, e) in got.iter().zip(expected) {
        assert_eq!(g.name, e.name, "{what}: column order");
        assert!(
            g.layout == e.layout,
            "{what}: branch {} has different entry offsets",
            e.name
        );
        assert_eq!(
            g.values.leaf_type(),
            e.values.leaf_type(),
            "{what}: branch {} type",
            e.name
        );
        assert!(
            values_sha256(&g.values) == values_sha256(&e.values),
            "{what}: branch {} has different values",
            e.name
        );
    }
}

/// A 2018 MC dataset named `DY` of `sample` (cross section 1 pb) on one file.
pub fn mc_dataset(sample: &str, file: &std::path::Path) -> pc_core::config::Dataset {
    let meta = [
        ("sample", sample),
        ("year", "2018"),
        ("isMC", "true"),
        ("xsec", "1.0"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    pc_core::config::Dataset::from_metadata("DY", meta, vec![file.to_string_lossy().into()])
        .unwrap()
}
