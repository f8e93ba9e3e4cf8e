//! Bad inputs the `pc` binary cannot pin down (the catalogue, `catalogue.rs`, runs every
//! class through the binary): a counted array whose offsets disagree with its counter,
//! read serially and in parallel, over all entries and a range starting mid-basket, and
//! not compared when the counter is not read in the same call.

use pc_core::io::{Codec, IoError, ReadOptions, RootFile};

use crate::common::{ENTRIES, basket_keys, keylen_at, patched, scratch, write_tree};

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
