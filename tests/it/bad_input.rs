//! Targeted bad inputs: non-files, broken basket tables, counters that disagree with
//! offsets, and baskets that claim impossible sizes. Each bad file is built here, by the
//! writer or by patching bytes of a real or written file, and must give an error that
//! names what is wrong (never a panic, a hang or a short column).

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use pc_core::io::write::{BranchSpec, FileWriter};
use pc_core::io::{Codec, Column, IoError, Layout, LeafType, ReadOptions, RootFile, Values};

/// A fresh scratch directory for one test.
fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pc-bad-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Opens `path` on another thread and returns its error, failing the test if the open
/// takes more than a few seconds (a FIFO would block it forever).
fn open_error_quickly(path: &Path) -> IoError {
    let (send, recv) = mpsc::channel();
    let p = path.to_path_buf();
    std::thread::spawn(move || {
        let _ = send.send(RootFile::open(&p).err());
    });
    recv.recv_timeout(Duration::from_secs(5))
        .unwrap_or_else(|_| panic!("{}: open did not return within 5 s", path.display()))
        .unwrap_or_else(|| panic!("{}: opened as a ROOT file", path.display()))
}

#[test]
fn fifo_directory_and_device_are_refused_at_once() {
    let dir = scratch("kinds");
    let fifo = dir.join("events.root");
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: `c_path` is a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    for (path, kind) in [
        (fifo.as_path(), "FIFO"),
        (dir.as_path(), "directory"),
        (Path::new("/dev/null"), "device"),
    ] {
        let err = open_error_quickly(path);
        assert!(matches!(err, IoError::NotRegularFile { .. }), "{err:?}");
        let text = err.to_string();
        assert!(
            text.contains(&*path.to_string_lossy()) && text.contains(kind),
            "{text}"
        );
    }
}

/// Entries per cluster (one basket per branch each) of the test tree.
pub(crate) const CLUSTERS: [usize; 3] = [37, 41, 43];
pub(crate) const ENTRIES: u64 = 121;

/// Writes tree `Events` with a counter `nObj`, a counted `Obj_pt[nObj]` and a scalar `x`.
pub(crate) fn write_tree(path: &Path, codec: Codec) {
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
pub(crate) fn find_all(hay: &[u8], needle: &[u8]) -> Vec<usize> {
    hay.windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect()
}

/// Key starts of the baskets of `branch` in a file of our writer, in entry order
/// (wide keys: the class name follows 34 bytes of fixed fields).
pub(crate) fn basket_keys(bytes: &[u8], branch: &str) -> Vec<usize> {
    let mut needle = b"\x07TBasket".to_vec();
    needle.push(branch.len() as u8);
    needle.extend_from_slice(branch.as_bytes());
    needle.extend_from_slice(b"\x06Events");
    find_all(bytes, &needle).iter().map(|p| p - 34).collect()
}

/// The key length of the key at `key`.
fn keylen_at(bytes: &[u8], key: usize) -> usize {
    u16::from_be_bytes([bytes[key + 14], bytes[key + 15]]) as usize
}

/// Positions of a branch's `fBasketEntry`, `fBasketBytes` and `fBasketSeek` tables in an
/// uncompressed TTree record; `branch` counts branches in file order.
pub(crate) struct Tables {
    pub entry: usize,
    pub bytes: usize,
    pub seek: usize,
    /// fMaxBaskets: slots in each table.
    pub max: usize,
}

pub(crate) fn tables(bytes: &[u8], branch: usize) -> Tables {
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
fn patched(dir: &Path, name: &str, bytes: &[u8], patch: impl FnOnce(&mut Vec<u8>)) -> PathBuf {
    let mut b = bytes.to_vec();
    patch(&mut b);
    let path = dir.join(name);
    std::fs::write(&path, &b).unwrap();
    path
}

fn put_i64(b: &mut [u8], at: usize, v: i64) {
    b[at..at + 8].copy_from_slice(&v.to_be_bytes());
}

fn put_i32(b: &mut [u8], at: usize, v: i32) {
    b[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

/// Opens the tree of `path` and reads `branches` over all entries; returns the error text.
fn read_error(path: &Path, branches: &[&str]) -> String {
    let file = RootFile::open(path).map_err(|e| e.to_string());
    let tree = file.and_then(|f| f.tree("Events").map_err(|e| e.to_string()));
    match tree {
        Err(e) => e,
        Ok(t) => match t.read(branches, 0..t.entries(), ReadOptions::default()) {
            Err(e) => e.to_string(),
            Ok(cols) => panic!(
                "{}: read {:?} entries without an error",
                path.display(),
                cols.iter().map(|c| c.entries()).collect::<Vec<_>>()
            ),
        },
    }
}

#[test]
fn broken_basket_tables_are_errors_naming_file_tree_branch_and_basket() {
    let dir = scratch("tables");
    let good = dir.join("good.root");
    write_tree(&good, Codec::None);
    let bytes = std::fs::read(&good).unwrap();
    let t = tables(&bytes, 2); // branch `x`
    let key_x1 = basket_keys(&bytes, "x")[1];
    type Patch = Box<dyn FnOnce(&mut Vec<u8>)>;
    let cases: Vec<(&str, Patch, &str)> = vec![
        (
            "not_at_0",
            Box::new(move |b| put_i64(b, t.entry, 5)),
            "basket 0 starts at entry 5, expected 0",
        ),
        (
            "empty",
            Box::new(move |b| put_i64(b, t.entry + 16, 37)),
            "basket 1 has the empty or reversed entry range 37..37",
        ),
        (
            "overlap",
            Box::new(move |b| put_i64(b, t.entry + 16, 30)),
            "basket 1 has the empty or reversed entry range 37..30",
        ),
        (
            "short",
            Box::new(move |b| put_i64(b, t.entry + 24, 100)),
            "baskets end at entry 100 (basket 2), the branch has 121",
        ),
        (
            "moved",
            Box::new(move |b| put_i64(b, t.entry + 16, 70)),
            "basket 1: basket holds 41 entries, the branch says 33",
        ),
        (
            "no_seek",
            Box::new(move |b| put_i64(b, t.seek + 8, 0)),
            "baskets end at entry 37 (basket 0)",
        ),
        (
            "no_bytes",
            Box::new(move |b| put_i32(b, t.bytes + 4, 0)),
            "basket 1 has entries 37..78 and 0 bytes",
        ),
        (
            "objlen_0",
            Box::new(move |b| put_i32(b, key_x1 + 6, 0)),
            "basket 1: basket claims 41 entries but holds no bytes",
        ),
    ];
    for (name, patch, expected) in cases {
        let path = patched(&dir, &format!("{name}.root"), &bytes, patch);
        let err = read_error(&path, &["x"]);
        assert!(
            err.contains(&*path.to_string_lossy())
                && err.contains("Events")
                && err.contains("`x`")
                && err.contains(expected),
            "{name}: {err}"
        );
    }
    // The tree's fEntries (its first 64-bit 121) no longer matching its branches.
    let tree_key = RootFile::open(&good).unwrap().keys()[0].clone();
    let record = tree_key.seek_key as usize + tree_key.keylen as usize;
    let at = record + find_all(&bytes[record..], &ENTRIES.to_be_bytes())[0];
    let path = patched(&dir, "entries.root", &bytes, |b| put_i64(b, at, 150));
    let err = read_error(&path, &["x"]);
    assert!(
        err.contains("`x`") && err.contains("121 entries, its tree 150"),
        "{err}"
    );
    // The intact file reads fully.
    let file = RootFile::open(&good).unwrap();
    let tree = file.tree("Events").unwrap();
    let cols = tree
        .read(&["nObj", "Obj_pt", "x"], 0..ENTRIES, ReadOptions::default())
        .unwrap();
    assert!(cols.iter().all(|c| c.entries() == ENTRIES as usize));
}

#[test]
fn basket_tables_are_checked_when_their_branch_is_read() {
    let dir = scratch("lazy_tables");
    let good = dir.join("good.root");
    write_tree(&good, Codec::None);
    let bytes = std::fs::read(&good).unwrap();
    let t = tables(&bytes, 2); // branch `x`
    let path = patched(&dir, "x_not_at_0.root", &bytes, |b| put_i64(b, t.entry, 5));
    // The tree opens and the other branches read; `x` fails at each read, and names it.
    let file = RootFile::open(&path).unwrap();
    let tree = file.tree("Events").unwrap();
    assert_eq!(tree.branch("x").unwrap().baskets, CLUSTERS.len());
    let all = 0..ENTRIES;
    let cols = tree
        .read(&["nObj", "Obj_pt"], all.clone(), ReadOptions::default())
        .unwrap();
    assert!(cols.iter().all(|c| c.entries() == ENTRIES as usize));
    for _ in 0..2 {
        let err = tree
            .read(&["nObj", "x"], all.clone(), ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&*path.to_string_lossy())
                && err
                    .contains("tree `Events`: branch `x`: basket 0 starts at entry 5, expected 0"),
            "{err}"
        );
    }
    // A file rewritten after it was opened is refused, not read with the old positions.
    let changed = dir.join("changed.root");
    std::fs::write(&changed, &bytes).unwrap();
    let file = RootFile::open(&changed).unwrap();
    let tree = file.tree("Events").unwrap();
    let mut other = bytes.clone();
    put_i64(&mut other, t.entry + 16, 30);
    std::fs::write(&changed, &other).unwrap();
    let err = tree
        .read(&["x"], all, ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("changed since the file was opened"), "{err}");
}

#[test]
fn counter_disagreeing_with_offsets_names_both_branches() {
    let dir = scratch("counter");
    let good = dir.join("good.root");
    write_tree(&good, Codec::None);
    let bytes = std::fs::read(&good).unwrap();
    // Entry 3 of basket 1 (entry 40) of `nObj` says one more value than `Obj_pt` has.
    let key = basket_keys(&bytes, "nObj")[1];
    let at = key + keylen_at(&bytes, key) + 4 * 3;
    let count = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    let path = patched(&dir, "counter.root", &bytes, |b| {
        b[at..at + 4].copy_from_slice(&(count + 1).to_be_bytes());
    });
    let file = RootFile::open(&path).unwrap();
    let tree = file.tree("Events").unwrap();
    for (branches, range) in [
        (["nObj", "Obj_pt"], 0..ENTRIES),
        (["Obj_pt", "nObj"], 38..50),
    ] {
        for parallel in [false, true] {
            let err = tree
                .read(&branches, range.clone(), ReadOptions { parallel })
                .unwrap_err();
            assert!(matches!(err, IoError::Basket { .. }), "{err:?}");
            let text = err.to_string();
            let expected = format!(
                "tree `Events`, branch `Obj_pt`, basket 1: entry 40 has {count} values but its counter `nObj` says {}",
                count + 1
            );
            assert!(
                text.contains(&*path.to_string_lossy()) && text.contains(&expected),
                "{text}"
            );
        }
    }
    // Without the counter in the same read there is nothing to compare with.
    assert!(
        tree.read(&["Obj_pt"], 0..ENTRIES, ReadOptions::default())
            .is_ok()
    );
}

#[test]
fn basket_claiming_more_than_its_codec_can_expand_is_refused() {
    let dir = scratch("expand");
    let good = dir.join("good.root");
    write_tree(&good, Codec::Zlib(1));
    let bytes = std::fs::read(&good).unwrap();
    let key = basket_keys(&bytes, "x")[0];
    let block = key + keylen_at(&bytes, key);
    assert_eq!(
        &bytes[block..block + 2],
        b"ZL",
        "the basket of `x` is compressed"
    );
    // Just under ROOT's 1 GiB cap, with blocks for a few hundred bytes.
    let path = patched(&dir, "gib.root", &bytes, |b| {
        put_i32(b, key + 6, (1 << 30) - 1)
    });
    let err = read_error(&path, &["x"]);
    assert!(
        err.contains(&*path.to_string_lossy())
            && err.contains("branch `x`, basket 0")
            && err.contains("claims 1073741823 uncompressed bytes"),
        "{err}"
    );
    // A block claiming 16 MiB from a few compressed bytes, the key agreeing.
    let path = patched(&dir, "ratio.root", &bytes, |b| {
        put_i32(b, key + 6, 0xFF_FFFF);
        b[block + 6..block + 9].copy_from_slice(&[0xFF, 0xFF, 0xFF]);
    });
    let err = read_error(&path, &["x"]);
    assert!(
        err.contains("branch `x`, basket 0")
            && err.contains("more than ZLIB can expand to (1032:1)"),
        "{err}"
    );
}
