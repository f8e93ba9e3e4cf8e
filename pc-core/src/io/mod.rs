//! ROOT file I/O: a bulk columnar TTree reader and a NanoAOD-layout TTree writer.
//!
//! Reading: [`RootFile::open`] parses the file header and the top directory,
//! [`RootFile::tree`] the TTree metadata (a branch's basket table when the branch is first
//! read); [`Tree::read`] reads a set of branches over an entry range into [`Column`]s,
//! touching only those branches' baskets.
//! Writing: [`write::FileWriter`] writes trees of scalars and counted arrays.

mod basket;
mod bytes;
pub mod codec;
mod column;
mod error;
mod file;
mod meta;
pub mod recycle;
mod table;
mod tree;
pub mod write;
mod xz;

pub use codec::Codec;
pub use column::{Column, Layout, LeafType, Values};
pub use error::{IoError, Result};
pub use file::{KeyInfo, RootFile};
pub use tree::{BranchInfo, ReadOptions, Tree};
