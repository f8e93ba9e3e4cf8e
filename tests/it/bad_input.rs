//! Bad inputs the `pc` binary cannot pin down (the catalogue, `catalogue.rs`, runs every
//! class through the binary): a counted array whose offsets disagree with its counter,
//! read serially and in parallel, over all entries and a range starting mid-basket, and
//! not compared when the counter is not read in the same call.

use pc_core::io::{Codec, IoError, ReadOptions, RootFile};

use crate::common::{
    CLUSTERS, ENTRIES, basket_keys, keylen_at, patched, put_i64, scratch, tables, write_tree,
};

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
    let dir = scratch("bad-counter");
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
