//! ROOT TTree writer for the NanoAOD layout.
//!
//! [`FileWriter`] writes a ROOT file with any number of flat trees whose branches each hold
//! one leaf: scalars (`genWeight/F`), fixed-size arrays (`X[3]/F`) and counted arrays
//! (`Muon_pt[nMuon]/F`). Every [`FileWriter::write_cluster`] call writes one basket per
//! branch straight to disk, so memory stays bounded by the cluster size; the TTree metadata
//! (basket seeks, entries, cluster ranges) is written by [`FileWriter::finish`].
//!
//! The file uses ROOT's 64-bit layout throughout (file header version ≥ 1000000, keys of
//! version 1004, directory version 1005), which ROOT and uproot read at any file size.
//!
//! Baskets of one cluster are serialised and compressed in parallel on the rayon pool, then
//! appended in branch order, so the file does not depend on the number of threads. With a
//! fixed [`FileIdentity`] ([`FileWriter::create_with`]) the same columns give byte-identical
//! files.
//!
//! Module map: `buffer` big-endian object framing, `key` key headers, `basket` basket
//! payloads, `tree` per-tree state and the TTree record, `file` the file layout, `sink` the
//! buffered (optionally direct-I/O) appends to disk.

mod basket;
mod buffer;
mod file;
mod key;
mod sink;
mod tree;

#[cfg(test)]
mod tests;

pub use file::{FileWriter, PackedCluster};

use super::LeafType;

/// How a branch's values map onto entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BranchShape {
    /// One value per entry (`genWeight/F`).
    Scalar,
    /// A fixed number of values per entry (`X[3]/F`); must be at least 1.
    Fixed(usize),
    /// As many values per entry as the named counter branch says (`Muon_pt[nMuon]/F`).
    Counted { counter: String },
}

/// Declaration of one branch (with its single leaf) of a tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BranchSpec {
    pub name: String,
    pub leaf: LeafType,
    pub shape: BranchShape,
}

impl BranchSpec {
    /// A branch with one value per entry.
    pub fn scalar(name: &str, leaf: LeafType) -> Self {
        BranchSpec {
            name: name.to_string(),
            leaf,
            shape: BranchShape::Scalar,
        }
    }

    /// A counted array branch; `counter` names an earlier `I32`/`U32` scalar branch.
    pub fn counted(name: &str, leaf: LeafType, counter: &str) -> Self {
        BranchSpec {
            name: name.to_string(),
            leaf,
            shape: BranchShape::Counted {
                counter: counter.to_string(),
            },
        }
    }

    /// A fixed-size array branch of `n` values per entry.
    pub fn fixed(name: &str, leaf: LeafType, n: usize) -> Self {
        BranchSpec {
            name: name.to_string(),
            leaf,
            shape: BranchShape::Fixed(n),
        }
    }

    /// The leaf title: `name`, `name[3]` or `name[nMuon]`.
    fn leaf_title(&self) -> String {
        match &self.shape {
            BranchShape::Scalar => self.name.clone(),
            BranchShape::Fixed(n) => format!("{}[{n}]", self.name),
            BranchShape::Counted { counter } => format!("{}[{counter}]", self.name),
        }
    }

    /// The branch title: the leaf title, `/` and the type code (`Muon_pt[nMuon]/F`).
    fn branch_title(&self) -> String {
        format!("{}/{}", self.leaf_title(), self.leaf.type_code())
    }

    /// Values per entry for scalars and fixed arrays (`fLen`); 1 for counted arrays.
    fn len_per_entry(&self) -> usize {
        match self.shape {
            BranchShape::Fixed(n) => n,
            _ => 1,
        }
    }
}

/// The time stamps and UUID a file is written with. ROOT stamps the file header, the
/// directory and every key with the time of writing and the file with a random UUID; fixing
/// both makes the output a function of the data only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileIdentity {
    /// Unix time in seconds (UTC) of every `TDatime` in the file (creation, modification and
    /// key times); stored with ROOT's 1995..2058 range and one-second resolution.
    pub unix_time: u64,
    /// The file's UUID (header and top directory).
    pub uuid: [u8; 16],
}

impl FileIdentity {
    /// A fixed identity: the given time and a version-4-style UUID derived from `seed`
    /// (the same seed gives the same UUID).
    pub fn from_seed(seed: u64, unix_time: u64) -> FileIdentity {
        FileIdentity {
            unix_time,
            uuid: key::uuid_from(&seed.to_le_bytes()),
        }
    }
}

/// Handle of a tree declared with [`FileWriter::add_tree`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TreeId(usize);
