//! Corrupt and truncated files give errors, never panics: bytes of real files are
//! flipped and cut, and every tree and branch is read.

use std::path::Path;

use pc_core::io::{ReadOptions, RootFile};

/// Opens `path` and reads every readable branch of every tree, alone and all together (so
/// counters meet their arrays), and checks every column returned has the range's entries;
/// returns how many single-branch reads succeeded.
fn read_everything(path: &Path) -> Result<usize, String> {
    let file = RootFile::open(path).map_err(|e| e.to_string())?;
    let mut n = 0;
    for name in file.tree_names() {
        let tree = file.tree(&name).map_err(|e| e.to_string())?;
        let _ = tree.clusters();
        let readable: Vec<String> = tree
            .branches()
            .into_iter()
            .filter(|b| b.leaf.is_ok())
            .map(|b| b.name)
            .collect();
        let names: Vec<&str> = readable.iter().map(String::as_str).collect();
        let half = tree.entries() / 2;
        for range in [0..tree.entries(), half..tree.entries()] {
            if let Ok(cols) = tree.read(&names, range.clone(), ReadOptions { parallel: true }) {
                for c in &cols {
                    assert_eq!(c.entries() as u64, range.end - range.start, "{}", c.name);
                }
            }
        }
        for b in tree.branches().into_iter().filter(|b| b.leaf.is_ok()) {
            // Errors are fine; panics are not.
            if tree
                .read(&[&b.name], 0..tree.entries(), ReadOptions::default())
                .is_ok()
            {
                n += 1;
            }
        }
    }
    Ok(n)
}

/// A small deterministic generator (xorshift) for mutation positions.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn mutate_and_read(original: &[u8], dir: &Path, tag: &str, mutations: usize, seed: u64) {
    let mut rng = Rng(seed);
    let target = dir.join(format!("mutated_{tag}.root"));
    let len = original.len();
    for m in 0..mutations {
        let mut bytes = original.to_vec();
        match m % 4 {
            // Truncate anywhere.
            0 => bytes.truncate(rng.below(len)),
            // Flip a byte in the header or in the metadata at the end of the file.
            1 => bytes[rng.below(512.min(len))] ^= 1 << rng.below(8),
            2 => {
                let at = len - 1 - rng.below(len / 5);
                bytes[at] ^= 1 << rng.below(8);
            }
            // Overwrite a run of bytes anywhere (hits baskets and keys).
            _ => {
                let at = rng.below(len);
                for b in bytes.iter_mut().skip(at).take(1 + rng.below(16)) {
                    *b = rng.below(256) as u8;
                }
            }
        }
        std::fs::write(&target, &bytes).unwrap();
        let _ = read_everything(&target);
    }
}

#[test]
fn flipped_and_truncated_real_files_never_panic() {
    let dir = std::env::temp_dir().join(format!("pc-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // `PC_FUZZ_MUTATIONS` raises the count for a longer local run.
    let mutations = std::env::var("PC_FUZZ_MUTATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(40);
    for (i, path) in crate::common::nanoaod_files().iter().enumerate() {
        let original = std::fs::read(path).unwrap();
        let intact = read_everything(path).unwrap();
        assert!(intact > 0);
        mutate_and_read(
            &original,
            &dir,
            &i.to_string(),
            mutations,
            0x5eed + i as u64,
        );
    }
}

#[test]
fn errors_name_the_file_tree_and_branch() {
    let path = &crate::common::nanoaod_files()[1];
    let file = RootFile::open(path).unwrap();
    let err = file.tree("Evnets").err().unwrap().to_string();
    assert!(
        err.contains("Evnets") && err.contains("Events") && err.contains(&*path.to_string_lossy()),
        "{err}"
    );
    let tree = file.tree("Events").unwrap();
    let err = tree
        .read(&["Muon_pT"], 0..1, ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Muon_pT") && err.contains("did you mean `Muon_pt`"),
        "{err}"
    );
    let err = tree
        .read(&["Muon_pt"], 0..tree.entries() + 1, ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("outside"), "{err}");

    // A truncated copy: the error names the file and what is missing.
    let dir = std::env::temp_dir().join(format!("pc-trunc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cut = dir.join("cut.root");
    let bytes = std::fs::read(path).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let err = read_everything(&cut).unwrap_err();
    assert!(
        err.contains("cut.root") && err.contains("truncated"),
        "{err}"
    );
    std::fs::write(&cut, b"not a root file at all").unwrap();
    let err = read_everything(&cut).unwrap_err();
    assert!(err.contains("not a ROOT file"), "{err}");
}

/// One value for a 64-bit table slot or entry count: near, zero, negative, huge or random.
fn nasty_i64(rng: &mut Rng, current: i64, random_below: usize) -> i64 {
    match rng.below(7) {
        0 => 0,
        1 => current + 1,
        2 => current - 1,
        3 => -1,
        4 => i64::MAX,
        5 => 1 << 40,
        _ => rng.below(random_below) as i64,
    }
}

/// Mutates TTree metadata of an uncompressed written file: basket entry, byte and seek
/// tables and the tree's and branches' entry counts, one to three fields at a time.
fn mutate_metadata(original: &[u8], rng: &mut Rng) -> Vec<u8> {
    use crate::common::{ENTRIES, find_all, tables};
    let mut b = original.to_vec();
    let i64_at = |b: &[u8], p: usize| i64::from_be_bytes(b[p..p + 8].try_into().unwrap());
    for _ in 0..1 + rng.below(3) {
        let t = tables(original, rng.below(3));
        let slot = rng.below(t.max);
        match rng.below(4) {
            0 => {
                let at = t.entry + 8 * slot;
                let v = nasty_i64(rng, i64_at(&b, at), 2 * ENTRIES as usize);
                b[at..at + 8].copy_from_slice(&v.to_be_bytes());
            }
            1 => {
                let at = t.bytes + 4 * slot;
                let cur = i32::from_be_bytes(b[at..at + 4].try_into().unwrap());
                let v = nasty_i64(rng, cur as i64, 1000) as i32;
                b[at..at + 4].copy_from_slice(&v.to_be_bytes());
            }
            2 => {
                let at = t.seek + 8 * slot;
                let v = match rng.below(3) {
                    // Another basket's position.
                    0 => i64_at(&b, t.seek + 8 * rng.below(3)),
                    _ => nasty_i64(rng, i64_at(&b, at), original.len() + 100),
                };
                b[at..at + 8].copy_from_slice(&v.to_be_bytes());
            }
            _ => {
                let spots = find_all(original, &ENTRIES.to_be_bytes());
                let at = spots[rng.below(spots.len())];
                let v = nasty_i64(rng, ENTRIES as i64, 2 * ENTRIES as usize);
                b[at..at + 8].copy_from_slice(&v.to_be_bytes());
            }
        }
    }
    b
}

#[test]
fn mutated_tree_metadata_never_panics() {
    let dir = std::env::temp_dir().join(format!("pc-fuzz-meta-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.root");
    crate::common::write_tree(&good, pc_core::io::Codec::None);
    let original = std::fs::read(&good).unwrap();
    assert_eq!(read_everything(&good).unwrap(), 3);
    // `PC_FUZZ_MUTATIONS` raises the count (default 300) for a longer local run.
    let mutations = std::env::var("PC_FUZZ_MUTATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(300, |n: usize| n.max(300));
    let target = dir.join("mutated.root");
    let mut rng = Rng(0x7ab1e5);
    for _ in 0..mutations {
        std::fs::write(&target, mutate_metadata(&original, &mut rng)).unwrap();
        let _ = read_everything(&target);
    }
}
