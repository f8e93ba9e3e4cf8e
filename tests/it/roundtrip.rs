//! Writer -> reader round trips for every leaf type, shape and codec, and chunked
//! reads that cross basket and cluster boundaries.

use crate::common::assert_identical;
use pc_core::io::write::{BranchSpec, FileWriter};
use pc_core::io::{Codec, Column, Layout, LeafType, ReadOptions, RootFile, Values};

const TYPES: [LeafType; 11] = [
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

/// Deterministic pseudo-random values of any type (`k` varies per branch).
fn values(leaf: LeafType, n: usize, k: u64) -> Values {
    let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ k;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut v = Values::with_capacity(leaf, n);
    for _ in 0..n {
        let r = next();
        match &mut v {
            Values::Bool(v) => v.push(r & 1 == 1),
            Values::I8(v) => v.push(r as i8),
            Values::U8(v) => v.push(r as u8),
            Values::I16(v) => v.push(r as i16),
            Values::U16(v) => v.push(r as u16),
            Values::I32(v) => v.push(r as i32),
            Values::U32(v) => v.push(r as u32),
            Values::I64(v) => v.push(r as i64),
            Values::U64(v) => v.push(r),
            Values::F32(v) => v.push((r % 100_000) as f32 / 7.0 - 5000.0),
            Values::F64(v) => v.push(f64::from_bits(r >> 2)),
        }
    }
    v
}

/// Cluster `c` of the test tree: counter `nObj`, then per type a scalar, a counted
/// array and a fixed array of 3.
fn cluster(c: usize, n: usize) -> Vec<Column> {
    let counts: Vec<u32> = (0..n).map(|i| ((i * 7 + c * 3) % 5) as u32).collect();
    let mut offsets = vec![0u32];
    for &k in &counts {
        offsets.push(offsets.last().unwrap() + k);
    }
    let total = *offsets.last().unwrap() as usize;
    let mut cols = vec![Column {
        name: "nObj".into(),
        values: Values::U32(counts),
        layout: Layout::Scalar,
    }];
    for (t, &leaf) in TYPES.iter().enumerate() {
        let k = (c * 100 + t * 3) as u64;
        let name = leaf.short_name();
        cols.push(Column {
            name: format!("s_{name}"),
            values: values(leaf, n, k),
            layout: Layout::Scalar,
        });
        cols.push(Column {
            name: format!("Obj_{name}"),
            values: values(leaf, total, k + 1),
            layout: Layout::Jagged(offsets.clone()),
        });
        cols.push(Column {
            name: format!("f_{name}"),
            values: values(leaf, 3 * n, k + 2),
            layout: Layout::Fixed(3),
        });
    }
    cols
}

fn specs() -> Vec<BranchSpec> {
    let mut s = vec![BranchSpec::scalar("nObj", LeafType::U32)];
    for leaf in TYPES {
        let name = leaf.short_name();
        s.push(BranchSpec::scalar(&format!("s_{name}"), leaf));
        s.push(BranchSpec::counted(&format!("Obj_{name}"), leaf, "nObj"));
        s.push(BranchSpec::fixed(&format!("f_{name}"), leaf, 3));
    }
    s
}

/// Concatenates columns of several clusters (the expected result of a full read).
fn concat(parts: &[Vec<Column>]) -> Vec<Column> {
    let mut out = parts[0].clone();
    for part in &parts[1..] {
        for (o, p) in out.iter_mut().zip(part) {
            if let (Layout::Jagged(a), Layout::Jagged(b)) = (&mut o.layout, &p.layout) {
                let base = *a.last().unwrap();
                a.extend(b[1..].iter().map(|x| x + base));
            }
            pc_core::with_values!(&mut o.values, v => {
                let other = &p.values;
                pc_core::with_values!(other, w => {
                    // Same variant by construction; the transmute-free way is a byte copy
                    // through the generic helper below.
                    extend_same(v, w);
                });
            });
        }
    }
    out
}

fn extend_same<T: Clone + 'static, U: Clone + 'static>(v: &mut Vec<T>, w: &[U]) {
    let w: &dyn std::any::Any = &w.to_vec();
    v.extend_from_slice(w.downcast_ref::<Vec<T>>().expect("same type"));
}

const SIZES: [usize; 4] = [1000, 1, 2500, 777];

fn write_file(path: &std::path::Path, codec: Codec) -> Vec<Column> {
    let mut w = FileWriter::create(path, codec).unwrap();
    let t = w.add_tree("Events", "Events", specs()).unwrap();
    let parts: Vec<Vec<Column>> = SIZES
        .iter()
        .enumerate()
        .map(|(c, &n)| cluster(c, n))
        .collect();
    for p in &parts {
        w.write_cluster(t, p).unwrap();
    }
    w.finish().unwrap();
    concat(&parts)
}

#[test]
fn every_type_shape_and_codec_round_trips() {
    let dir = tempdir();
    for codec in ["none", "zlib:1", "lzma:9", "lz4", "zstd:5"] {
        let codec: Codec = codec.parse().unwrap();
        let path = dir.join(format!("rt_{}.root", codec.to_string().replace(':', "_")));
        let expected = write_file(&path, codec);
        let tree = RootFile::open(&path).unwrap().tree("Events").unwrap();
        let names: Vec<&str> = expected.iter().map(|c| c.name.as_str()).collect();
        let total: u64 = SIZES.iter().sum::<usize>() as u64;
        assert_eq!(tree.entries(), total);
        for parallel in [false, true] {
            let got = tree
                .read(&names, 0..total, ReadOptions { parallel })
                .unwrap();
            assert_identical(&got, &expected, &format!("{codec}, parallel {parallel}"));
        }
        assert_eq!(tree.clusters(), vec![0, 1000, 1001, 3501, 4278], "{codec}");
    }
}

#[test]
fn chunked_reads_equal_one_read_across_boundaries() {
    let dir = tempdir();
    let path = dir.join("chunks.root");
    write_file(&path, "zstd:3".parse().unwrap());
    let tree = RootFile::open(&path).unwrap().tree("Events").unwrap();
    let names: Vec<String> = tree.branches().into_iter().map(|b| b.name).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let opts = ReadOptions::default();
    // Cuts inside clusters, on boundaries, empty ranges, and the ends.
    for (a, b, c) in [
        (0, 999, 4278),
        (0, 1000, 1001),
        (500, 1000, 3600),
        (999, 1001, 1002),
        (10, 10, 20),
        (4000, 4277, 4278),
        (0, 0, 0),
    ] {
        let whole = tree.read(&names, a..c, opts).unwrap();
        let left = tree.read(&names, a..b, opts).unwrap();
        let right = tree.read(&names, b..c, opts).unwrap();
        let joined = concat(&[left, right]);
        assert_identical(&joined, &whole, &format!("[{a}, {b}) + [{b}, {c})"));
    }
}

#[test]
fn shared_files_read_in_chunks_equal_one_read() {
    // Real files with several baskets per branch (LHEPdfWeight, PFCands_*).
    for path in crate::common::nanoaod_files() {
        let tree = RootFile::open(&path).unwrap().tree("Events").unwrap();
        let n = tree.entries();
        let names: Vec<String> = tree
            .branches()
            .into_iter()
            .filter(|b| b.leaf.is_ok())
            .map(|b| b.name)
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let whole = tree
            .read(&names, 0..n, ReadOptions { parallel: true })
            .unwrap();
        for cut in [1, n / 3, n / 2 + 1, n - 1] {
            let left = tree.read(&names, 0..cut, ReadOptions::default()).unwrap();
            let right = tree.read(&names, cut..n, ReadOptions::default()).unwrap();
            assert_identical(
                &concat(&[left, right]),
                &whole,
                &format!("{} cut at {cut}", path.display()),
            );
        }
    }
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pc-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn generated_samples_read_back_as_generated_for_every_codec() {
    use pc_core::generate::{GenerateOptions, SampleKind, generate, generate_columns};
    let dir = tempdir();
    for (kind, codec) in [
        (SampleKind::DrellYan, "zlib:1"),
        (SampleKind::TTbar, "lz4"),
        (SampleKind::Data, "zstd:3"),
        (SampleKind::DrellYan, "lzma:1"),
        (SampleKind::DrellYan, "none"),
    ] {
        let mut opts = GenerateOptions::new(kind, 2500);
        opts.codec = codec.parse().unwrap();
        opts.cluster_size = 1000;
        let path = dir.join(format!("gen_{kind}_{}.root", codec.replace(':', "")));
        generate(&path, &opts).unwrap();
        let expected = concat(&generate_columns(&opts));
        let tree = RootFile::open(&path).unwrap().tree("Events").unwrap();
        assert_eq!(tree.entries(), 2500);
        assert_eq!(tree.clusters(), vec![0, 1000, 2000, 2500]);
        let names: Vec<&str> = expected.iter().map(|c| c.name.as_str()).collect();
        let got = tree
            .read(&names, 0..2500, ReadOptions { parallel: true })
            .unwrap();
        assert_identical(&got, &expected, &format!("{kind} {codec}"));
    }
}
