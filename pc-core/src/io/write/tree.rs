//! Per-tree writer state (baskets written so far, cluster sizes, counter maxima) and the
//! serialisation of the `TTree` record with its `TBranch` and `TLeaf` objects.
//!
//! Class versions written: `TTree` 20, `TBranch` 13, `TLeaf` 2, `TLeaf?` 1, `TObjArray` 3,
//! `TNamed` 1, `TAttLine` 2, `TAttFill` 2, `TAttMarker` 2.

use super::basket::BASKET_SIZE;
use super::buffer::{Buf, OBJECT_BITS};
use super::{BranchShape, BranchSpec};
use crate::io::{Column, Layout, LeafType, Values};

/// `TTree::fDefaultEntryOffsetLen` and the `fEntryOffsetLen` of counted branches.
const ENTRY_OFFSET_LEN: i32 = 1000;
/// ROOT's initial `fMaxBaskets`.
const MIN_MAX_BASKETS: usize = 10;
/// `TObject::kMustCleanup`, set on trees.
const MUST_CLEANUP: u32 = 0x8;
/// `TBranch::kDoNotUseBufferMap`, set on branches of basic types.
const DO_NOT_USE_BUFFER_MAP: u32 = 0x0040_0000;

/// Where one basket of a branch went.
#[derive(Clone, Copy, Debug)]
pub(super) struct BasketRecord {
    pub seek: u64,
    /// `fNbytes` of the basket key (header plus stored payload).
    pub nbytes: i32,
    pub first_entry: u64,
}

/// A branch stored uncompressed for compressing poorly is tried again this often (clusters).
const RECHECK_CLUSTERS: usize = 16;

/// One declared branch and what has been written for it.
pub(super) struct BranchState {
    pub spec: BranchSpec,
    /// Index of the counter branch of a counted branch.
    counter: Option<usize>,
    /// True if some counted branch uses this one as its counter (`fIsRange`).
    is_counter: bool,
    baskets: Vec<BasketRecord>,
    /// Sum over baskets of key length plus uncompressed payload (`fTotBytes`).
    tot_bytes: i64,
    /// Sum over baskets of bytes on disk (`fZipBytes`).
    zip_bytes: i64,
    /// Largest value seen, for counters (`fMaximum`, used by ROOT to size read buffers).
    max: i64,
    /// The last basket that was compressed saved less than the codec's
    /// [`Codec::min_saving`](crate::io::Codec::min_saving).
    compresses_poorly: bool,
}

/// One declared tree.
pub(super) struct TreeState {
    pub name: String,
    pub title: String,
    pub branches: Vec<BranchState>,
    entries: u64,
    clusters: Vec<u64>,
}

impl TreeState {
    /// Validates the branch list and resolves counters.
    pub fn new(name: &str, title: &str, specs: Vec<BranchSpec>) -> Result<TreeState, String> {
        if name.is_empty() {
            return Err("a tree needs a non-empty name".into());
        }
        let mut branches: Vec<BranchState> = Vec::with_capacity(specs.len());
        for spec in specs {
            if spec.name.is_empty() {
                return Err(format!("tree `{name}`: a branch has an empty name"));
            }
            if branches.iter().any(|b| b.spec.name == spec.name) {
                return Err(format!(
                    "tree `{name}`: branch `{}` is declared twice",
                    spec.name
                ));
            }
            let counter = match &spec.shape {
                BranchShape::Scalar => None,
                BranchShape::Fixed(0) => {
                    return Err(format!(
                        "tree `{name}`, branch `{}`: a fixed array needs at least one value per entry",
                        spec.name
                    ));
                }
                BranchShape::Fixed(_) => None,
                BranchShape::Counted { counter } => {
                    let index = branches
                        .iter()
                        .position(|b| &b.spec.name == counter)
                        .ok_or_else(|| {
                            format!(
                                "tree `{name}`, branch `{}`: counter `{counter}` is not a branch declared before it",
                                spec.name
                            )
                        })?;
                    let c = &branches[index].spec;
                    if c.shape != BranchShape::Scalar
                        || !matches!(c.leaf, LeafType::I32 | LeafType::U32)
                    {
                        return Err(format!(
                            "tree `{name}`, branch `{}`: counter `{counter}` must be a scalar Int_t or UInt_t branch",
                            spec.name
                        ));
                    }
                    branches[index].is_counter = true;
                    Some(index)
                }
            };
            branches.push(BranchState {
                spec,
                counter,
                is_counter: false,
                baskets: Vec::new(),
                tot_bytes: 0,
                zip_bytes: 0,
                max: 0,
                compresses_poorly: false,
            });
        }
        Ok(TreeState {
            name: name.to_string(),
            title: title.to_string(),
            branches,
            entries: 0,
            clusters: Vec::new(),
        })
    }

    /// Entries written so far.
    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// Checks that `columns` match the declared branches and agree on the number of entries
    /// and on the counts of counted arrays. Returns the number of entries.
    pub fn check(&self, columns: &[Column]) -> Result<usize, String> {
        let tree = &self.name;
        if columns.len() != self.branches.len() {
            return Err(format!(
                "tree `{tree}`: {} columns given for {} branches",
                columns.len(),
                self.branches.len()
            ));
        }
        let mut entries = None;
        // Per counter branch, a column whose offsets were already checked against it: the
        // other arrays of a collection usually carry equal offsets, compared in bulk.
        let mut checked: Vec<Option<&[u32]>> = vec![None; self.branches.len()];
        for (branch, column) in self.branches.iter().zip(columns) {
            let spec = &branch.spec;
            let what = |msg: String| format!("tree `{tree}`, branch `{}`: {msg}", spec.name);
            if !column.name.is_empty() && column.name != spec.name {
                return Err(what(format!("given the column `{}`", column.name)));
            }
            let leaf = column.values.leaf_type();
            if leaf != spec.leaf {
                return Err(what(format!(
                    "column holds {} values, the branch is declared {}",
                    leaf.root_name(),
                    spec.leaf.root_name()
                )));
            }
            let verified = match (branch.counter, &column.layout) {
                (Some(c), Layout::Jagged(offsets)) => checked[c] == Some(offsets.as_slice()),
                _ => false,
            };
            // Offsets equal to checked ones need only their end compared with the values.
            if !verified || offsets_end(column) != column.values.len() {
                check_layout(spec, column).map_err(what)?;
            }
            let n = column.entries();
            match entries {
                None => entries = Some(n),
                Some(m) if m != n => {
                    return Err(what(format!(
                        "column has {n} entries, the columns before it have {m}"
                    )));
                }
                Some(_) => {}
            }
            if let (Some(c), Layout::Jagged(offsets), false) =
                (branch.counter, &column.layout, verified)
            {
                check_counts(&columns[c].values, offsets).map_err(|e| {
                    what(format!(
                        "offsets disagree with counter `{}`: {e}",
                        self.branches[c].spec.name
                    ))
                })?;
                checked[c] = Some(offsets);
            }
        }
        Ok(entries.unwrap_or(0))
    }

    /// Records a basket written for `branch`, starting at the current entry.
    pub fn add_basket(&mut self, branch: usize, seek: u64, nbytes: i32, tot_bytes: i64) {
        let first_entry = self.entries;
        let b = &mut self.branches[branch];
        b.baskets.push(BasketRecord {
            seek,
            nbytes,
            first_entry,
        });
        b.tot_bytes += tot_bytes;
        b.zip_bytes += i64::from(nbytes);
    }

    /// Should the next basket of `branch` be compressed? Not while its last compressed
    /// basket saved less than `min_saving`, except every [`RECHECK_CLUSTERS`]th cluster.
    pub fn worth_compressing(&self, branch: usize, min_saving: Option<f64>) -> bool {
        min_saving.is_none()
            || !self.branches[branch].compresses_poorly
            || self.clusters.len().is_multiple_of(RECHECK_CLUSTERS)
    }

    /// Records what compressing a basket of `branch` from `raw` to `stored` bytes saved.
    pub fn note_saving(&mut self, branch: usize, raw: usize, stored: usize, min_saving: f64) {
        self.branches[branch].compresses_poorly = (stored as f64) > (1.0 - min_saving) * raw as f64;
    }

    /// Per branch, the largest value of a counter branch in `columns` (0 for other branches).
    pub fn counter_maxima(&self, columns: &[Column]) -> Vec<i64> {
        self.branches
            .iter()
            .zip(columns)
            .map(|(b, column)| {
                let max = match (&column.values, b.is_counter) {
                    (Values::I32(v), true) => v.iter().map(|&x| i64::from(x)).max(),
                    (Values::U32(v), true) => v.iter().map(|&x| i64::from(x)).max(),
                    _ => None,
                };
                max.unwrap_or(0)
            })
            .collect()
    }

    /// Closes a cluster of `n` entries (after all its baskets were added); `maxima` from
    /// [`TreeState::counter_maxima`].
    pub fn end_cluster(&mut self, maxima: &[i64], n: usize) {
        for (b, &max) in self.branches.iter_mut().zip(maxima) {
            b.max = b.max.max(max);
        }
        self.entries += n as u64;
        self.clusters.push(n as u64);
    }

    /// Serialises the `TTree` object for a key of length `keylen` (object references count
    /// from the start of the key). `compress` is the file's `fCompress`.
    pub fn record(&self, keylen: usize, compress: i32) -> Vec<u8> {
        let mut buf = Buf::new(keylen);
        let tree = buf.begin(20);
        buf.tnamed(&self.name, &self.title, OBJECT_BITS | MUST_CLEANUP);
        att_line(&mut buf);
        att_fill(&mut buf);
        att_marker(&mut buf);

        let tot: i64 = self.branches.iter().map(|b| b.tot_bytes).sum();
        let zip: i64 = self.branches.iter().map(|b| b.zip_bytes).sum();
        let (ranges, auto_flush) = cluster_ranges(&self.clusters);
        buf.i64(self.entries as i64); // fEntries
        buf.i64(tot); // fTotBytes
        buf.i64(zip); // fZipBytes
        buf.i64(zip); // fSavedBytes
        buf.i64(zip); // fFlushedBytes
        buf.f64(1.0); // fWeight
        buf.i32(0); // fTimerInterval
        buf.i32(25); // fScanField
        buf.i32(0); // fUpdate
        buf.i32(ENTRY_OFFSET_LEN); // fDefaultEntryOffsetLen
        buf.i32(ranges.len() as i32); // fNClusterRange
        buf.i64(1_000_000_000_000); // fMaxEntries
        buf.i64(1_000_000_000_000); // fMaxEntryLoop
        buf.i64(0); // fMaxVirtualSize
        buf.i64(-300_000_000); // fAutoSave
        buf.i64(auto_flush); // fAutoFlush
        buf.i64(1_000_000); // fEstimate
        buf.u8(u8::from(!ranges.is_empty()));
        for &(end, _) in &ranges {
            buf.i64(end); // fClusterRangeEnd
        }
        buf.u8(u8::from(!ranges.is_empty()));
        for &(_, size) in &ranges {
            buf.i64(size); // fClusterSize
        }
        io_features(&mut buf);

        let obj_array = buf.begin(3);
        buf.tobject(OBJECT_BITS);
        buf.tstring("");
        buf.i32(self.branches.len() as i32);
        buf.i32(0);
        let mut leaf_refs: Vec<u32> = Vec::with_capacity(self.branches.len());
        for branch in &self.branches {
            let counter_ref = branch.counter.map(|c| leaf_refs[c]);
            let leaf_ref = self.write_branch(&mut buf, branch, counter_ref, compress);
            leaf_refs.push(leaf_ref);
        }
        buf.end(obj_array);

        let leaves = buf.begin(3);
        buf.tobject(OBJECT_BITS);
        buf.tstring("");
        buf.i32(leaf_refs.len() as i32);
        buf.i32(0);
        for &r in &leaf_refs {
            buf.object_ref(r);
        }
        buf.end(leaves);

        buf.u32(0); // fAliases
        buf.i32(0); // fIndexValues (empty TArrayD)
        buf.i32(0); // fIndex (empty TArrayI)
        buf.u32(0); // fTreeIndex
        buf.u32(0); // fFriends
        buf.u32(0); // fUserInfo
        buf.u32(0); // fBranchRef
        buf.end(tree);
        buf.into_bytes()
    }

    /// Writes one `TBranch` (as an element of `fBranches`) and returns the reference of its leaf.
    fn write_branch(
        &self,
        buf: &mut Buf,
        branch: &BranchState,
        counter_ref: Option<u32>,
        compress: i32,
    ) -> u32 {
        let spec = &branch.spec;
        let (any, _) = buf.begin_any("TBranch");
        let obj = buf.begin(13);
        buf.tnamed(
            &spec.name,
            &spec.branch_title(),
            OBJECT_BITS | DO_NOT_USE_BUFFER_MAP,
        );
        att_fill(buf);
        let counted = branch.counter.is_some();
        let n_baskets = branch.baskets.len();
        let max_baskets = MIN_MAX_BASKETS.max(n_baskets + 1);
        buf.i32(compress); // fCompress
        buf.i32(BASKET_SIZE); // fBasketSize
        buf.i32(if counted { ENTRY_OFFSET_LEN } else { 0 }); // fEntryOffsetLen
        buf.i32(n_baskets as i32); // fWriteBasket
        buf.i64(self.entries as i64); // fEntryNumber
        io_features(buf);
        buf.i32(0); // fOffset
        buf.i32(max_baskets as i32); // fMaxBaskets
        buf.i32(0); // fSplitLevel
        buf.i64(self.entries as i64); // fEntries
        buf.i64(0); // fFirstEntry
        buf.i64(branch.tot_bytes); // fTotBytes
        buf.i64(branch.zip_bytes); // fZipBytes
        empty_obj_array(buf); // fBranches

        let leaves = buf.begin(3);
        buf.tobject(OBJECT_BITS);
        buf.tstring("");
        buf.i32(1);
        buf.i32(0);
        let leaf_ref = write_leaf(buf, branch, counter_ref);
        buf.end(leaves);

        empty_obj_array(buf); // fBaskets
        buf.u8(1);
        for i in 0..max_baskets {
            buf.i32(branch.baskets.get(i).map_or(0, |b| b.nbytes)); // fBasketBytes
        }
        buf.u8(1);
        for i in 0..max_baskets {
            let entry = match branch.baskets.get(i) {
                Some(b) => b.first_entry,
                None if i == n_baskets => self.entries,
                None => 0,
            };
            buf.i64(entry as i64); // fBasketEntry
        }
        buf.u8(1);
        for i in 0..max_baskets {
            buf.i64(branch.baskets.get(i).map_or(0, |b| b.seek as i64)); // fBasketSeek
        }
        buf.tstring(""); // fFileName
        buf.end(obj);
        buf.end(any);
        leaf_ref
    }
}

/// Writes the single `TLeaf?` of a branch; returns its object reference.
fn write_leaf(buf: &mut Buf, branch: &BranchState, counter_ref: Option<u32>) -> u32 {
    let spec = &branch.spec;
    let leaf = spec.leaf;
    let (any, leaf_ref) = buf.begin_any(leaf_class(leaf));
    let specific = buf.begin(1);
    let base = buf.begin(2);
    buf.tnamed(&spec.name, &spec.leaf_title(), OBJECT_BITS);
    buf.i32(spec.len_per_entry() as i32); // fLen
    buf.i32(leaf.size() as i32); // fLenType
    buf.i32(0); // fOffset
    buf.u8(u8::from(branch.is_counter)); // fIsRange
    buf.u8(u8::from(matches!(
        leaf,
        LeafType::U8 | LeafType::U16 | LeafType::U32 | LeafType::U64
    ))); // fIsUnsigned
    buf.object_ref(counter_ref.unwrap_or(0)); // fLeafCount
    buf.end(base);
    let max = branch.max;
    match leaf {
        LeafType::Bool | LeafType::I8 | LeafType::U8 => buf.bytes(&[0, 0]),
        LeafType::I16 | LeafType::U16 => buf.bytes(&[0; 4]),
        LeafType::I32 | LeafType::U32 => {
            buf.i32(0);
            buf.i32(max.min(i64::from(i32::MAX)) as i32);
        }
        LeafType::I64 | LeafType::U64 | LeafType::F64 => buf.bytes(&[0; 16]),
        LeafType::F32 => buf.bytes(&[0; 8]),
    }
    buf.end(specific);
    buf.end(any);
    leaf_ref
}

/// The `TLeaf` subclass of a leaf type.
fn leaf_class(leaf: LeafType) -> &'static str {
    match leaf {
        LeafType::Bool => "TLeafO",
        LeafType::I8 | LeafType::U8 => "TLeafB",
        LeafType::I16 | LeafType::U16 => "TLeafS",
        LeafType::I32 | LeafType::U32 => "TLeafI",
        LeafType::I64 | LeafType::U64 => "TLeafL",
        LeafType::F32 => "TLeafF",
        LeafType::F64 => "TLeafD",
    }
}

/// The last offset of a jagged column (the number of values it claims), else 0.
fn offsets_end(column: &Column) -> usize {
    match &column.layout {
        Layout::Jagged(offsets) => offsets.last().map_or(0, |&o| o as usize),
        _ => 0,
    }
}

/// Checks a column's layout against the branch shape.
fn check_layout(spec: &BranchSpec, column: &Column) -> Result<(), String> {
    let len = column.values.len();
    match (&spec.shape, &column.layout) {
        (BranchShape::Scalar, Layout::Scalar) => Ok(()),
        (BranchShape::Fixed(n), Layout::Fixed(m)) if n == m => {
            if len.is_multiple_of(*n) {
                Ok(())
            } else {
                Err(format!(
                    "{len} values is not a multiple of the array size {n}"
                ))
            }
        }
        (BranchShape::Counted { .. }, Layout::Jagged(offsets)) => {
            if offsets.first() != Some(&0) {
                return Err("jagged offsets must start with 0".into());
            }
            if offsets.windows(2).any(|w| w[1] < w[0]) {
                return Err("jagged offsets decrease".into());
            }
            let last = offsets[offsets.len() - 1] as usize;
            if last != len {
                return Err(format!(
                    "jagged offsets end at {last} but there are {len} values"
                ));
            }
            Ok(())
        }
        (shape, layout) => Err(format!(
            "column layout {layout:?} does not fit the declared shape {shape:?}"
        )),
    }
}

/// Checks that the counts of a counter column equal the lengths given by `offsets`.
fn check_counts(counter: &Values, offsets: &[u32]) -> Result<(), String> {
    let n = offsets.len() - 1;
    if counter.len() != n {
        return Err(format!("{} counts for {n} entries", counter.len()));
    }
    let count = |i: usize| -> i64 {
        match counter {
            Values::I32(v) => i64::from(v[i]),
            Values::U32(v) => i64::from(v[i]),
            _ => -1,
        }
    };
    for (i, w) in offsets.windows(2).enumerate() {
        let len = i64::from(w[1] - w[0]);
        let c = count(i);
        if c != len {
            return Err(format!(
                "entry {i} of the cluster has {len} values but the counter says {c}"
            ));
        }
    }
    Ok(())
}

/// Encodes cluster sizes as ROOT's cluster ranges: runs of equal-sized clusters become
/// ranges `(last entry, cluster size)` except the final run, whose size becomes `fAutoFlush`.
/// A shorter last cluster is absorbed by the run before it (the tree simply ends early).
fn cluster_ranges(clusters: &[u64]) -> (Vec<(i64, i64)>, i64) {
    let mut runs: Vec<(u64, u64)> = Vec::new(); // (size, count)
    for &size in clusters {
        match runs.last_mut() {
            Some((s, count)) if *s == size => *count += 1,
            _ => runs.push((size, 1)),
        }
    }
    if runs.len() >= 2 {
        let (last_size, last_count) = runs[runs.len() - 1];
        if last_count == 1 && last_size < runs[runs.len() - 2].0 {
            runs.pop();
        }
    }
    let Some(&(final_size, _)) = runs.last() else {
        return (Vec::new(), 0);
    };
    let mut ranges = Vec::with_capacity(runs.len() - 1);
    let mut end = 0u64;
    for &(size, count) in &runs[..runs.len() - 1] {
        end += size * count;
        ranges.push((end as i64 - 1, size as i64));
    }
    (ranges, final_size as i64)
}

/// `TAttLine` version 2: color 602, style 1, width 1.
fn att_line(buf: &mut Buf) {
    let m = buf.begin(2);
    buf.i16(602);
    buf.i16(1);
    buf.i16(1);
    buf.end(m);
}

/// `TAttFill` version 2: color 0, style 1001.
fn att_fill(buf: &mut Buf) {
    let m = buf.begin(2);
    buf.i16(0);
    buf.i16(1001);
    buf.end(m);
}

/// `TAttMarker` version 2: color 1, style 1, size 1.
fn att_marker(buf: &mut Buf) {
    let m = buf.begin(2);
    buf.i16(1);
    buf.i16(1);
    buf.f32(1.0);
    buf.end(m);
}

/// `ROOT::TIOFeatures` (a class without ClassDef: version 0 and its checksum), no bits set.
fn io_features(buf: &mut Buf) {
    let m = buf.begin(0);
    buf.u32(0x1AA1_2F10);
    buf.u8(0);
    buf.end(m);
}

/// An empty `TObjArray`.
fn empty_obj_array(buf: &mut Buf) {
    let m = buf.begin(3);
    buf.tobject(OBJECT_BITS);
    buf.tstring("");
    buf.i32(0);
    buf.i32(0);
    buf.end(m);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn even_clusters_need_no_ranges() {
        assert_eq!(cluster_ranges(&[100, 100, 100]), (vec![], 100));
        assert_eq!(cluster_ranges(&[100, 100, 30]), (vec![], 100));
        assert_eq!(cluster_ranges(&[30]), (vec![], 30));
        assert_eq!(cluster_ranges(&[]), (vec![], 0));
    }

    #[test]
    fn uneven_clusters_become_ranges() {
        assert_eq!(
            cluster_ranges(&[100, 50, 100]),
            (vec![(99, 100), (149, 50)], 100)
        );
        assert_eq!(cluster_ranges(&[100, 30, 30]), (vec![(99, 100)], 30));
        assert_eq!(cluster_ranges(&[10, 10, 20, 5]), (vec![(19, 10)], 20));
        assert_eq!(cluster_ranges(&[10, 20]), (vec![(9, 10)], 20));
    }
}
