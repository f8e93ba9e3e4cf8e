//! The file UUID (`TFile::fUUID`) of real and written files.

use pc_core::io::write::{BranchSpec, FileIdentity, FileWriter};
use pc_core::io::{Codec, Column, Layout, LeafType, RootFile, Values};

#[test]
fn uuid_of_a_real_file_matches_uproot() {
    // Expected value from uproot 5: `uproot.open("nano_dy.root").file.uuid`.
    let path = crate::common::shared_data().join("nanoaod/nano_dy.root");
    let file = RootFile::open(&path).unwrap();
    assert_eq!(file.uuid_string(), "a9490124-3648-11ea-89e9-f5b55c90beef");
    assert_eq!(file.uuid()[..4], [0xa9, 0x49, 0x01, 0x24]);
    // Written with a 32-bit header (fVersion < 1000000), like most of the shared files.
    let path = crate::common::shared_data().join("nanoaod/nano_tree.root");
    let file = RootFile::open(&path).unwrap();
    assert_eq!(file.uuid_string(), "6e51c55a-5cc9-31e9-9553-cc5c2df46e95");
}

/// Writes a one-branch file with `identity` (or a fresh identity with `None`).
fn write_small(path: &std::path::Path, identity: Option<FileIdentity>) {
    let mut w = match identity {
        Some(id) => FileWriter::create_with(path, Codec::Zlib(1), id).unwrap(),
        None => FileWriter::create(path, Codec::Zlib(1)).unwrap(),
    };
    let tree = w
        .add_tree("Events", "", vec![BranchSpec::scalar("x", LeafType::F32)])
        .unwrap();
    let x = Column {
        name: "x".into(),
        values: Values::F32(vec![1.0, 2.0, 3.0]),
        layout: Layout::Scalar,
    };
    w.write_cluster(tree, &[x]).unwrap();
    w.finish().unwrap();
}

#[test]
fn a_written_file_reports_the_uuid_it_was_written_with() {
    let dir = std::env::temp_dir().join(format!("pc-uuid-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("fixed.root");
    let identity = FileIdentity::from_seed(42, 1_700_000_000);
    write_small(&path, Some(identity));
    let file = RootFile::open(&path).unwrap();
    assert_eq!(file.uuid(), identity.uuid);
    let s = file.uuid_string();
    assert_eq!((s.len(), s.matches('-').count()), (36, 4), "{s}");
    // Without a fixed identity every file gets its own, non-zero UUID.
    let (a, b) = (dir.join("a.root"), dir.join("b.root"));
    write_small(&a, None);
    write_small(&b, None);
    let (ua, ub) = (
        RootFile::open(&a).unwrap().uuid(),
        RootFile::open(&b).unwrap().uuid(),
    );
    assert!(ua != [0; 16] && ua != ub, "{ua:?} {ub:?}");
}
