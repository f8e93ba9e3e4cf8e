//! Writer tests. With `PC_WRITE_SAMPLES_DIR` set, `sample_files_for_every_codec` also leaves
//! one sample file per codec there plus a JSON of the expected values, for
//! `validation/check_writer.py`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};

use super::{BranchSpec, FileIdentity, FileWriter};
use crate::io::{Codec, Column, IoError, Layout, LeafType, Values};

const ALL_TYPES: [LeafType; 11] = [
    LeafType::Bool,
    LeafType::I8,
    LeafType::U8,
    LeafType::I16,
    LeafType::U16,
    LeafType::I32,
    LeafType::U32,
    LeafType::I64,
    LeafType::U64,
    LeafType::F32,
    LeafType::F64,
];

const CODECS: [(&str, Codec); 6] = [
    ("none", Codec::None),
    ("zlib", Codec::Zlib(1)),
    ("lzma", Codec::Lzma(9)),
    ("lz4", Codec::Lz4(4)),
    ("lz4fast", Codec::Lz4(1)),
    ("zstd", Codec::Zstd(5)),
];

/// A small deterministic generator (64-bit LCG).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 16
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// `n` values of `leaf`, spanning each type's range (extremes included), compressible.
fn values(leaf: LeafType, n: usize, rng: &mut Lcg) -> Values {
    let mut pick = |i: usize| -> u64 {
        match i % 7 {
            0 => 0,
            1 => u64::MAX,
            2 => 1u64 << 63,
            _ => rng.below(100) * 0x0101_0101_0101,
        }
    };
    match leaf {
        LeafType::Bool => Values::Bool((0..n).map(|i| pick(i) % 2 == 1).collect()),
        LeafType::I8 => Values::I8((0..n).map(|i| pick(i) as i8).collect()),
        LeafType::U8 => Values::U8((0..n).map(|i| pick(i) as u8).collect()),
        LeafType::I16 => Values::I16((0..n).map(|i| pick(i) as i16).collect()),
        LeafType::U16 => Values::U16((0..n).map(|i| pick(i) as u16).collect()),
        LeafType::I32 => Values::I32((0..n).map(|i| pick(i) as i32).collect()),
        LeafType::U32 => Values::U32((0..n).map(|i| pick(i) as u32).collect()),
        LeafType::I64 => Values::I64((0..n).map(|i| pick(i) as i64).collect()),
        LeafType::U64 => Values::U64((0..n).map(pick).collect()),
        LeafType::F32 => Values::F32(
            (0..n)
                .map(|i| (pick(i) % 100_000) as f32 * 0.25 - 7.5)
                .collect(),
        ),
        LeafType::F64 => Values::F64(
            (0..n)
                .map(|i| (pick(i) % 1_000_000) as f64 / 3.0 - 1e5)
                .collect(),
        ),
    }
}

/// Element `i` of `values` as JSON (floats exactly, 64-bit integers as integers).
fn json_at(values: &Values, i: usize) -> Value {
    match values {
        Values::Bool(v) => json!(v[i]),
        Values::I8(v) => json!(v[i]),
        Values::U8(v) => json!(v[i]),
        Values::I16(v) => json!(v[i]),
        Values::U16(v) => json!(v[i]),
        Values::I32(v) => json!(v[i]),
        Values::U32(v) => json!(v[i]),
        Values::I64(v) => json!(v[i]),
        Values::U64(v) => json!(v[i]),
        Values::F32(v) => json!(f64::from(v[i])),
        Values::F64(v) => json!(v[i]),
    }
}

/// A tree declaration plus the generator of its clusters.
struct SampleTree {
    name: &'static str,
    specs: Vec<BranchSpec>,
}

fn short(leaf: LeafType) -> &'static str {
    leaf.short_name()
}

/// NanoAOD-like `Events`: counters, every type as scalar, counted (under a `UInt_t` and an
/// `Int_t` counter) and fixed array.
fn events_tree() -> SampleTree {
    let mut specs = vec![
        BranchSpec::scalar("run", LeafType::U32),
        BranchSpec::scalar("event", LeafType::U64),
        BranchSpec::scalar("nMuon", LeafType::U32),
        BranchSpec::scalar("nJet", LeafType::I32),
    ];
    for leaf in ALL_TYPES {
        specs.push(BranchSpec::scalar(&format!("s_{}", short(leaf)), leaf));
        specs.push(BranchSpec::counted(
            &format!("Muon_{}", short(leaf)),
            leaf,
            "nMuon",
        ));
        specs.push(BranchSpec::fixed(&format!("f3_{}", short(leaf)), leaf, 3));
    }
    specs.push(BranchSpec::counted("Jet_pt", LeafType::F32, "nJet"));
    specs.push(BranchSpec::counted("Jet_id", LeafType::U8, "nJet"));
    specs.push(BranchSpec::fixed("one_f64", LeafType::F64, 1));
    SampleTree {
        name: "Events",
        specs,
    }
}

fn runs_tree() -> SampleTree {
    SampleTree {
        name: "Runs",
        specs: vec![
            BranchSpec::scalar("run", LeafType::U32),
            BranchSpec::scalar("genEventCount", LeafType::I64),
            BranchSpec::scalar("genEventSumw", LeafType::F64),
        ],
    }
}

fn lumi_tree() -> SampleTree {
    SampleTree {
        name: "LuminosityBlocks",
        specs: vec![
            BranchSpec::scalar("run", LeafType::U32),
            BranchSpec::scalar("luminosityBlock", LeafType::U32),
            BranchSpec::scalar("nHLT", LeafType::U32),
            BranchSpec::counted("HLT_prescale", LeafType::F32, "nHLT"),
        ],
    }
}

/// Random columns for one cluster of `n` entries of `specs`; counts are 0..=4 with many zeros.
fn cluster(specs: &[BranchSpec], n: usize, rng: &mut Lcg) -> Vec<Column> {
    let mut columns: Vec<Column> = Vec::with_capacity(specs.len());
    for spec in specs {
        let (values, layout) = match &spec.shape {
            super::BranchShape::Scalar => {
                let is_counter = specs.iter().any(|s| {
                    matches!(&s.shape, super::BranchShape::Counted { counter } if counter == &spec.name)
                });
                if is_counter {
                    let counts: Vec<u64> = (0..n).map(|_| rng.below(9).saturating_sub(4)).collect();
                    let values = match spec.leaf {
                        LeafType::I32 => Values::I32(counts.iter().map(|&c| c as i32).collect()),
                        _ => Values::U32(counts.iter().map(|&c| c as u32).collect()),
                    };
                    (values, Layout::Scalar)
                } else {
                    (values(spec.leaf, n, rng), Layout::Scalar)
                }
            }
            super::BranchShape::Fixed(k) => (values(spec.leaf, n * k, rng), Layout::Fixed(*k)),
            super::BranchShape::Counted { counter } => {
                let c = specs
                    .iter()
                    .position(|s| &s.name == counter)
                    .expect("counter");
                let mut offsets = vec![0u32];
                for i in 0..n {
                    let count = match &columns[c].values {
                        Values::I32(v) => v[i] as u32,
                        Values::U32(v) => v[i],
                        _ => unreachable!("counters are 32-bit"),
                    };
                    offsets.push(offsets[i] + count);
                }
                let total = offsets[n] as usize;
                (values(spec.leaf, total, rng), Layout::Jagged(offsets))
            }
        };
        columns.push(Column {
            name: spec.name.clone(),
            values,
            layout,
        });
    }
    columns
}

/// Expected content of one tree, accumulated cluster by cluster.
struct Expected {
    entries: usize,
    boundaries: Vec<usize>,
    branches: Vec<(String, Value)>,
}

impl Expected {
    fn new(tree: &SampleTree) -> Expected {
        let branches = tree
            .specs
            .iter()
            .map(|s| {
                let (shape, title) = (
                    match &s.shape {
                        super::BranchShape::Scalar => json!("scalar"),
                        super::BranchShape::Fixed(n) => json!(format!("fixed:{n}")),
                        super::BranchShape::Counted { counter } => json!(format!("counted:{counter}")),
                    },
                    s.branch_title(),
                );
                (
                    s.name.clone(),
                    json!({"type": s.leaf.short_name(), "shape": shape, "title": title, "values": []}),
                )
            })
            .collect();
        Expected {
            entries: 0,
            boundaries: vec![0],
            branches,
        }
    }

    fn add(&mut self, columns: &[Column]) {
        let n = columns.first().map_or(0, Column::entries);
        for ((_, b), column) in self.branches.iter_mut().zip(columns) {
            let list = b["values"].as_array_mut().expect("array");
            for i in 0..n {
                let range = column.entry_range(i);
                list.push(match column.layout {
                    Layout::Scalar => json_at(&column.values, i),
                    _ => Value::Array(range.map(|j| json_at(&column.values, j)).collect()),
                });
            }
        }
        if n > 0 {
            self.entries += n;
            self.boundaries.push(self.entries);
        }
    }

    fn into_json(self) -> Value {
        let order: Vec<String> = self.branches.iter().map(|(n, _)| n.clone()).collect();
        let branches: serde_json::Map<String, Value> = self.branches.into_iter().collect();
        json!({
            "entries": self.entries,
            "cluster_boundaries": self.boundaries,
            "branch_order": order,
            "branches": branches,
        })
    }
}

/// Writes the three-tree sample with interleaved clusters; returns the expected content.
fn write_sample(path: &Path, codec: Codec) -> Value {
    write_sample_with(path, codec, None)
}

/// [`write_sample`], with a fixed identity if given.
fn write_sample_with(path: &Path, codec: Codec, identity: Option<FileIdentity>) -> Value {
    let mut rng = Lcg(0x5EED);
    let trees = [events_tree(), runs_tree(), lumi_tree()];
    let mut w = match identity {
        Some(id) => FileWriter::create_with(path, codec, id),
        None => FileWriter::create(path, codec),
    }
    .expect("create");
    let ids: Vec<_> = trees
        .iter()
        .map(|t| {
            w.add_tree(t.name, &format!("{} tree", t.name), t.specs.clone())
                .expect("tree")
        })
        .collect();
    let mut expected: Vec<Expected> = trees.iter().map(Expected::new).collect();
    // (tree, entries): uneven Events clusters, one empty cluster, interleaved with the others.
    let plan = [
        (0, 700),
        (2, 4),
        (0, 700),
        (1, 3),
        (0, 0),
        (0, 250),
        (2, 2),
        (0, 1000),
        (0, 5),
    ];
    // Then 14 uneven LuminosityBlocks clusters: more baskets than ROOT's initial fMaxBaskets
    // and many cluster ranges.
    let lumi = (0..14).map(|i| (2, 1 + i % 3));
    for (t, n) in plan.into_iter().chain(lumi) {
        let columns = cluster(&trees[t].specs, n, &mut rng);
        w.write_cluster(ids[t], &columns).expect("write_cluster");
        expected[t].add(&columns);
    }
    w.finish().expect("finish");
    let trees: serde_json::Map<String, Value> = trees
        .iter()
        .zip(expected)
        .map(|(t, e)| (t.name.to_string(), e.into_json()))
        .collect();
    json!({"trees": trees, "tree_order": ["Events", "Runs", "LuminosityBlocks"]})
}

/// A fresh path in the temporary directory (unique per call, tests run in parallel).
fn temp_path(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("pc_write_{}_{n}_{name}", std::process::id()))
}

fn be_u32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}

fn be_u64(b: &[u8], at: usize) -> u64 {
    u64::from_be_bytes(b[at..at + 8].try_into().unwrap())
}

/// Follows header -> directory -> keys list and returns the names of the listed keys.
fn listed_keys(bytes: &[u8]) -> Vec<String> {
    assert_eq!(&bytes[..4], b"root");
    assert!(be_u32(bytes, 4) >= 1_000_000, "64-bit header");
    assert_eq!(
        be_u64(bytes, 12) as usize,
        bytes.len(),
        "fEND is the file length"
    );
    let nbytes_name = be_u32(bytes, 36) as usize;
    let dir = 100 + nbytes_name;
    assert_eq!(u16::from_be_bytes([bytes[dir], bytes[dir + 1]]), 1005);
    let seek_keys = be_u64(bytes, dir + 34) as usize;
    let keylen = u16::from_be_bytes([bytes[seek_keys + 14], bytes[seek_keys + 15]]) as usize;
    let mut at = seek_keys + keylen;
    let n = be_u32(bytes, at);
    at += 4;
    let mut names = Vec::new();
    for _ in 0..n {
        let keylen = u16::from_be_bytes([bytes[at + 14], bytes[at + 15]]) as usize;
        let mut s = at + 34;
        let class_len = bytes[s] as usize;
        s += 1 + class_len;
        let name_len = bytes[s] as usize;
        names.push(String::from_utf8(bytes[s + 1..s + 1 + name_len].to_vec()).unwrap());
        at += keylen;
    }
    names
}

#[test]
fn sample_files_for_every_codec() {
    let dir = std::env::var_os("PC_WRITE_SAMPLES_DIR").map(PathBuf::from);
    if let Some(dir) = &dir {
        std::fs::create_dir_all(dir).expect("samples dir");
    }
    let mut sizes = Vec::new();
    for (name, codec) in CODECS {
        let path = match &dir {
            Some(d) => d.join(format!("sample_{name}.root")),
            None => temp_path(&format!("sample_{name}.root")),
        };
        let mut expected = write_sample(&path, codec);
        let bytes = std::fs::read(&path).expect("read back");
        assert_eq!(listed_keys(&bytes), ["Events", "Runs", "LuminosityBlocks"]);
        sizes.push(bytes.len());
        match &dir {
            Some(d) => {
                expected["codec"] = json!(codec.to_string());
                expected["file"] = json!(path.file_name().unwrap().to_string_lossy());
                let text = serde_json::to_string(&expected).unwrap();
                std::fs::write(d.join(format!("sample_{name}.json")), text).expect("json");
            }
            None => std::fs::remove_file(&path).expect("cleanup"),
        }
    }
    assert!(
        sizes[1..].iter().all(|&s| s < sizes[0]),
        "compression shrinks: {sizes:?}"
    );
}

/// Writes the sample with `identity` on a rayon pool of `threads` threads; returns the bytes.
fn sample_bytes(name: &str, codec: Codec, identity: FileIdentity, threads: usize) -> Vec<u8> {
    // The file name is stored in the file: same name, fresh directory.
    let dir = temp_path("dir");
    std::fs::create_dir(&dir).unwrap();
    let path = dir.join(name);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| write_sample_with(&path, codec, Some(identity)));
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    bytes
}

#[test]
fn fixed_identity_gives_identical_files() {
    let id = FileIdentity::from_seed(42, 1_700_000_000);
    assert_eq!(id, FileIdentity::from_seed(42, 1_700_000_000));
    assert_ne!(id.uuid, FileIdentity::from_seed(43, 1_700_000_000).uuid);
    for (name, codec) in CODECS {
        let a = sample_bytes(&format!("same_{name}.root"), codec, id, 1);
        let b = sample_bytes(&format!("same_{name}.root"), codec, id, 3);
        assert!(a == b, "{name}: same identity, different bytes");
        assert_eq!(listed_keys(&a), ["Events", "Runs", "LuminosityBlocks"]);
        // The UUID sits after the 2-byte UUID version at the end of the file header.
        let uuid_at = 4 + 4 + 4 + 8 + 8 + 4 + 4 + 4 + 1 + 4 + 8 + 4 + 2;
        assert_eq!(a[uuid_at..uuid_at + 16], id.uuid);
        let other = FileIdentity {
            unix_time: id.unix_time + 1,
            ..id
        };
        let c = sample_bytes(&format!("same_{name}.root"), codec, other, 2);
        assert_eq!(a.len(), c.len());
        assert!(a != c, "{name}: the time stamps are in the file");
    }
}

#[test]
fn many_clusters_and_empty_trees() {
    let path = temp_path("many.root");
    let mut w = FileWriter::create(&path, Codec::Zstd(3)).unwrap();
    let specs = vec![
        BranchSpec::scalar("nX", LeafType::I32),
        BranchSpec::counted("X", LeafType::F64, "nX"),
    ];
    let t = w.add_tree("T", "", specs.clone()).unwrap();
    w.add_tree("Empty", "nothing", specs.clone()).unwrap();
    let mut rng = Lcg(7);
    for i in 0..40 {
        let columns = cluster(&specs, 1 + i % 3, &mut rng);
        w.write_cluster(t, &columns).unwrap();
    }
    w.finish().unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(listed_keys(&bytes), ["T", "Empty"]);
    std::fs::remove_file(&path).unwrap();
}

/// `lz4:1` stores a branch uncompressed after a basket that saved under 40%, and tries
/// again every 16th cluster; other codecs compress every basket. Values read back intact.
#[test]
fn fastest_lz4_skips_branches_that_compress_poorly() {
    let mut rng = Lcg(11);
    // 10% zeros then noise: LZ4 saves about a tenth. All zeros: saves almost everything.
    let mixed: Vec<u8> = (0..5000)
        .map(|i| if i < 500 { 0 } else { rng.next() as u8 })
        .collect();
    let columns = [
        col("mixed", Values::U8(mixed.clone()), Layout::Scalar),
        col("zeros", Values::U8(vec![0; 5000]), Layout::Scalar),
    ];
    // Bytes saved per branch over `clusters` identical clusters.
    let saved = |codec: Codec, clusters: usize| -> Vec<i64> {
        let path = temp_path(&format!("poor_{codec}_{clusters}.root"));
        let mut w = FileWriter::create(&path, codec).unwrap();
        let t = w.add_tree("T", "", specs_of(&columns)).unwrap();
        for _ in 0..clusters {
            w.write_cluster(t, &columns).unwrap();
        }
        w.finish().unwrap();
        let tree = crate::io::RootFile::open(&path).unwrap().tree("T").unwrap();
        let back = tree
            .read(&["mixed"], 0..tree.entries(), Default::default())
            .unwrap();
        let Values::U8(v) = &back[0].values else {
            panic!("u8 column")
        };
        assert!(v.chunks(5000).all(|c| c == mixed), "{codec}");
        let out = ["mixed", "zeros"].map(|b| {
            let info = tree.branch(b).unwrap();
            info.tot_bytes - info.zip_bytes
        });
        std::fs::remove_file(&path).unwrap();
        out.to_vec()
    };
    let once = saved(Codec::Lz4(1), 1);
    assert!(
        once[0] > 0 && once[0] < 1000,
        "mixed saves a little: {once:?}"
    );
    // Compressed: clusters 0 and 16 of 20; the zeros in every cluster.
    assert_eq!(saved(Codec::Lz4(1), 20), vec![2 * once[0], 20 * once[1]]);
    let once2 = saved(Codec::Lz4(2), 1);
    assert_eq!(saved(Codec::Lz4(2), 20), vec![20 * once2[0], 20 * once2[1]]);
}

/// Runs `f` on a fresh writer with a tree of `nMuon`/`Muon_pt`/`w` and returns its error text.
fn write_error(f: impl FnOnce(&mut FileWriter, super::TreeId) -> Result<(), IoError>) -> String {
    let path = temp_path("errors.root");
    let mut w = FileWriter::create(&path, Codec::None).unwrap();
    let t = w
        .add_tree(
            "Events",
            "",
            vec![
                BranchSpec::scalar("nMuon", LeafType::U32),
                BranchSpec::counted("Muon_pt", LeafType::F32, "nMuon"),
                BranchSpec::scalar("w", LeafType::F32),
            ],
        )
        .unwrap();
    let err = f(&mut w, t).expect_err("must fail");
    std::fs::remove_file(&path).unwrap();
    err.to_string()
}

fn col(name: &str, values: Values, layout: Layout) -> Column {
    Column {
        name: name.into(),
        values,
        layout,
    }
}

fn good_columns() -> Vec<Column> {
    vec![
        col("nMuon", Values::U32(vec![2, 0, 1]), Layout::Scalar),
        col(
            "Muon_pt",
            Values::F32(vec![1.0, 2.0, 3.0]),
            Layout::Jagged(vec![0, 2, 2, 3]),
        ),
        col("w", Values::F32(vec![1.0; 3]), Layout::Scalar),
    ]
}

#[test]
fn good_columns_are_accepted() {
    let path = temp_path("good.root");
    let mut w = FileWriter::create(&path, Codec::Lz4(4)).unwrap();
    let t = w
        .add_tree(
            "Events",
            "",
            vec![
                BranchSpec::scalar("nMuon", LeafType::U32),
                BranchSpec::counted("Muon_pt", LeafType::F32, "nMuon"),
                BranchSpec::scalar("w", LeafType::F32),
            ],
        )
        .unwrap();
    w.write_cluster(t, &good_columns()).unwrap();
    w.finish().unwrap();
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn mismatched_entry_counts_are_errors() {
    let e = write_error(|w, t| {
        let mut c = good_columns();
        c[2] = col("w", Values::F32(vec![1.0; 2]), Layout::Scalar);
        w.write_cluster(t, &c)
    });
    assert!(e.contains("branch `w`") && e.contains("2 entries"), "{e}");
}

#[test]
fn counter_mismatch_is_an_error() {
    let e = write_error(|w, t| {
        let mut c = good_columns();
        c[1] = col(
            "Muon_pt",
            Values::F32(vec![1.0, 2.0, 3.0]),
            Layout::Jagged(vec![0, 1, 2, 3]),
        );
        w.write_cluster(t, &c)
    });
    assert!(
        e.contains("branch `Muon_pt`") && e.contains("counter `nMuon`"),
        "{e}"
    );
}

#[test]
fn malformed_columns_are_errors() {
    let cases: Vec<(usize, Column, &str)> = vec![
        (
            1,
            col(
                "Muon_pt",
                Values::F32(vec![1.0, 2.0]),
                Layout::Jagged(vec![0, 2, 2, 3]),
            ),
            "end at 3",
        ),
        (
            1,
            col(
                "Muon_pt",
                Values::F32(vec![1.0; 3]),
                Layout::Jagged(vec![1, 2, 2, 3]),
            ),
            "start with 0",
        ),
        (
            1,
            col(
                "Muon_pt",
                Values::F32(vec![1.0; 3]),
                Layout::Jagged(vec![0, 2, 1, 3]),
            ),
            "decrease",
        ),
        (
            1,
            col("Muon_pt", Values::F32(vec![1.0; 3]), Layout::Scalar),
            "does not fit",
        ),
        (
            2,
            col("w", Values::F64(vec![1.0; 3]), Layout::Scalar),
            "Double_t",
        ),
        (
            2,
            col("other", Values::F32(vec![1.0; 3]), Layout::Scalar),
            "column `other`",
        ),
        (
            0,
            col("nMuon", Values::U32(vec![2, 0]), Layout::Scalar),
            "entries",
        ),
    ];
    for (i, column, needle) in cases {
        let e = write_error(|w, t| {
            let mut c = good_columns();
            c[i] = column;
            w.write_cluster(t, &c)
        });
        assert!(e.contains(needle), "`{needle}` not in: {e}");
    }
    let e = write_error(|w, t| w.write_cluster(t, &good_columns()[..2]));
    assert!(e.contains("2 columns given for 3 branches"), "{e}");
    let e = write_error(|w, _| w.write_cluster(super::TreeId(9), &good_columns()));
    assert!(e.contains("unknown tree"), "{e}");
}

#[test]
fn bad_declarations_are_errors() {
    let cases: Vec<(Vec<BranchSpec>, &str)> = vec![
        (
            vec![BranchSpec::counted("Muon_pt", LeafType::F32, "nMuon")],
            "counter `nMuon`",
        ),
        (
            vec![
                BranchSpec::counted("Muon_pt", LeafType::F32, "nMuon"),
                BranchSpec::scalar("nMuon", LeafType::U32),
            ],
            "declared before",
        ),
        (
            vec![
                BranchSpec::scalar("nMuon", LeafType::U16),
                BranchSpec::counted("Muon_pt", LeafType::F32, "nMuon"),
            ],
            "Int_t or UInt_t",
        ),
        (
            vec![
                BranchSpec::scalar("x", LeafType::F32),
                BranchSpec::scalar("x", LeafType::F32),
            ],
            "twice",
        ),
        (
            vec![BranchSpec::fixed("x", LeafType::F32, 0)],
            "at least one",
        ),
        (vec![BranchSpec::scalar("", LeafType::F32)], "empty name"),
    ];
    for (specs, needle) in cases {
        let e = write_error(|w, _| w.add_tree("Bad", "", specs).map(|_| ()));
        assert!(e.contains(needle), "`{needle}` not in: {e}");
    }
    let e = write_error(|w, _| w.add_tree("Events", "", vec![]).map(|_| ()));
    assert!(e.contains("declared twice"), "{e}");
}

/// Branch specs for generator columns: counted arrays `X_y` use the counter `nX`.
fn specs_of(columns: &[Column]) -> Vec<BranchSpec> {
    columns
        .iter()
        .map(|c| {
            let leaf = c.values.leaf_type();
            match &c.layout {
                Layout::Scalar => BranchSpec::scalar(&c.name, leaf),
                Layout::Fixed(n) => BranchSpec::fixed(&c.name, leaf, *n),
                Layout::Jagged(_) => {
                    let prefix = c.name.split('_').next().unwrap_or(&c.name);
                    BranchSpec::counted(&c.name, leaf, &format!("n{prefix}"))
                }
            }
        })
        .collect()
}

/// Writer throughput on generator columns (writing only, generation not timed):
/// `PC_WRITE_BENCH_EVENTS=200000 RAYON_NUM_THREADS=2 cargo test --release -p pc-core
/// write::tests::bench_writer -- --ignored --nocapture`.
#[test]
#[ignore = "benchmark; run in release mode"]
fn bench_writer() {
    use crate::generate::{GenerateOptions, SampleKind, generate_columns};
    let events: u64 = std::env::var("PC_WRITE_BENCH_EVENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200_000);
    let codecs = std::env::var("PC_WRITE_BENCH_CODECS")
        .unwrap_or_else(|_| "zlib:1,lz4,zstd:3,lzma:9,none".into());
    let generated = events.min(100_000);
    let clusters = generate_columns(&GenerateOptions::new(SampleKind::DrellYan, generated));
    let specs = specs_of(&clusters[0]);
    let raw: usize = clusters
        .iter()
        .flatten()
        .map(super::basket::payload_len)
        .sum();
    let repeat = events.div_ceil(generated) as usize;
    let raw = raw * repeat;
    println!(
        "{} branches, {events} events, {:.0} B/event uncompressed payload, {} threads",
        specs.len(),
        raw as f64 / events as f64,
        rayon::current_num_threads()
    );
    for codec in codecs.split(',') {
        let codec: Codec = codec.parse().unwrap();
        let path = temp_path("bench.root");
        let start = std::time::Instant::now();
        let cpu0 = cpu_seconds();
        let mut w = FileWriter::create(&path, codec).unwrap();
        let t = w.add_tree("Events", "Events", specs.clone()).unwrap();
        for _ in 0..repeat {
            for columns in &clusters {
                w.write_cluster(t, columns).unwrap();
            }
        }
        w.finish().unwrap();
        let secs = start.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu0;
        let size = std::fs::metadata(&path).unwrap().len();
        std::fs::remove_file(&path).unwrap();
        println!(
            "{codec:>8}: {secs:6.2} s ({cpu:5.2} s CPU)  {:7.1} MB/s in  {:9.0} events/s  ratio {:.2}",
            raw as f64 / secs / 1e6,
            events as f64 / secs,
            raw as f64 / size as f64
        );
    }
}

/// User plus system CPU time of this process (Linux; 0 elsewhere).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Fields 14 and 15 (utime, stime) in clock ticks of 1/100 s; `rest` starts at field 3.
    (ticks(11) + ticks(12)) / 100.0
}
