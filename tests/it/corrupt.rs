//! Corrupt and truncated files give errors, never panics: bytes of real files are
//! flipped and cut, and every tree and branch is read.

use std::path::Path;

use pc_core::io::{ReadOptions, RootFile};

/// Opens `path` and reads every readable branch of every tree; returns how far it got.
fn read_everything(path: &Path) -> Result<usize, String> {
    let file = RootFile::open(path).map_err(|e| e.to_string())?;
    let mut n = 0;
    for name in file.tree_names() {
        let tree = file.tree(&name).map_err(|e| e.to_string())?;
        let _ = tree.clusters();
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
