//! Paths and helpers shared by the integration tests: data folders, the `pc` binary,
//! generated samples, and files of the in-repo writer with the byte positions to patch.

use std::path::{Path, PathBuf};

use pc_core::io::write::{BranchSpec, FileWriter};
use pc_core::io::{Codec, Column, Layout, LeafType, Values};
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

/// A fresh scratch directory for one test (`TMPDIR/pc-it-TAG-PID`).
pub fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pc-it-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The `pc` binary, without `$PC_DATA_DIR` from the environment.
pub fn pc() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_pc"));
    c.env_remove("PC_DATA_DIR");
    c
}

/// A generated Drell-Yan sample of `events` in clusters of 1000, at `dir/name`.
pub fn generated(dir: &Path, name: &str, events: u64) -> PathBuf {
    let path = dir.join(name);
    let mut opts =
        pc_core::generate::GenerateOptions::new(pc_core::generate::SampleKind::DrellYan, events);
    opts.cluster_size = 1000;
    pc_core::generate::generate(&path, &opts).unwrap();
    path
}

// Files of the in-repo writer and the positions of their fields, for patching bytes.

/// Entries per cluster (one basket per branch each) of the test tree.
pub const CLUSTERS: [usize; 3] = [37, 41, 43];
pub const ENTRIES: u64 = 121;

/// Writes tree `Events` with a counter `nObj`, a counted `Obj_pt[nObj]` and a scalar `x`.
pub fn write_tree(path: &Path, codec: Codec) {
    let mut w = FileWriter::create(path, codec).unwrap();
    let specs = vec![
        BranchSpec::scalar("nObj", LeafType::U32),
        BranchSpec::counted("Obj_pt", LeafType::F32, "nObj"),
        BranchSpec::scalar("x", LeafType::F32),
    ];
    let tree = w.add_tree("Events", "", specs).unwrap();
    for (c, &n) in CLUSTERS.iter().enumerate() {
        let counts: Vec<u32> = (0..n).map(|i| ((i * 7 + c * 3) % 5) as u32).collect();
        let mut offsets = vec![0u32];
        for &k in &counts {
            offsets.push(offsets.last().unwrap() + k);
        }
        let total = *offsets.last().unwrap() as usize;
        let columns = [
            Column {
                name: "nObj".into(),
                values: Values::U32(counts),
                layout: Layout::Scalar,
            },
            Column {
                name: "Obj_pt".into(),
                values: Values::F32((0..total).map(|i| i as f32 * 0.5).collect()),
                layout: Layout::Jagged(offsets),
            },
            Column {
                name: "x".into(),
                values: Values::F32((0..n).map(|i| (i % 4) as f32).collect()),
                layout: Layout::Scalar,
            },
        ];
        w.write_cluster(tree, &columns).unwrap();
    }
    w.finish().unwrap();
}

/// Every position of `needle` in `hay`.
pub fn find_all(hay: &[u8], needle: &[u8]) -> Vec<usize> {
    hay.windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect()
}

/// Key starts of the baskets of `branch` of tree `Events` in a file of our writer, in
/// entry order (wide keys: the class name follows 34 bytes of fixed fields).
pub fn basket_keys(bytes: &[u8], branch: &str) -> Vec<usize> {
    let mut needle = b"\x07TBasket".to_vec();
    needle.push(branch.len() as u8);
    needle.extend_from_slice(branch.as_bytes());
    needle.extend_from_slice(b"\x06Events");
    find_all(bytes, &needle).iter().map(|p| p - 34).collect()
}

/// The key length of the key at `key`.
pub fn keylen_at(bytes: &[u8], key: usize) -> usize {
    u16::from_be_bytes([bytes[key + 14], bytes[key + 15]]) as usize
}

/// Positions of a branch's `fBasketEntry`, `fBasketBytes` and `fBasketSeek` tables in an
/// uncompressed TTree record of [`write_tree`].
pub struct Tables {
    pub entry: usize,
    pub bytes: usize,
    pub seek: usize,
    /// fMaxBaskets: slots in each table.
    pub max: usize,
}

/// The tables of the `branch`-th branch (in file order) of a [`write_tree`] file.
pub fn tables(bytes: &[u8], branch: usize) -> Tables {
    let mut needle = Vec::new();
    let mut start = 0u64;
    needle.extend_from_slice(&start.to_be_bytes());
    for n in CLUSTERS {
        start += n as u64;
        needle.extend_from_slice(&start.to_be_bytes());
    }
    let entry = find_all(bytes, &needle)[branch];
    // fMaxBaskets slots: the unused ones are zero, then a speed-bump byte (1) and fBasketSeek.
    let i64_at = |p: usize| i64::from_be_bytes(bytes[p..p + 8].try_into().unwrap());
    let mut max = CLUSTERS.len() + 1;
    while i64_at(entry + 8 * max) == 0 {
        max += 1;
    }
    assert_eq!(bytes[entry + 8 * max], 1);
    Tables {
        entry,
        bytes: entry - 1 - 4 * max,
        seek: entry + 8 * max + 1,
        max,
    }
}

/// Writes `bytes` changed by `patch` to `dir/name` and returns the path.
pub fn patched(dir: &Path, name: &str, bytes: &[u8], patch: impl FnOnce(&mut Vec<u8>)) -> PathBuf {
    let mut b = bytes.to_vec();
    patch(&mut b);
    let path = dir.join(name);
    std::fs::write(&path, &b).unwrap();
    path
}

pub fn put_i64(b: &mut [u8], at: usize, v: i64) {
    b[at..at + 8].copy_from_slice(&v.to_be_bytes());
}

pub fn put_i32(b: &mut [u8], at: usize, v: i32) {
    b[at..at + 4].copy_from_slice(&v.to_be_bytes());
}
