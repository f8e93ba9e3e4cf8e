//! A TTree opened for columnar reading.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use super::basket::{self, Decoded};
use super::column::{Column, Layout, LeafType, Values};
use super::error::{IoError, Result};
use super::file::{FileHandle, ObjectAt};
use super::meta::{self, BasketMeta, BranchMeta, Shape, TreeMeta};

/// Public description of a branch (for catalogs, `inspect`, and planning).
#[derive(Clone, Debug)]
pub struct BranchInfo {
    pub name: String,
    pub title: String,
    /// The element type, or why the branch cannot be read as numbers.
    pub leaf: std::result::Result<LeafType, String>,
    /// `None` for scalars; `Some(counter)` for counted arrays.
    pub counter: Option<String>,
    /// Values per entry for fixed-size arrays (1 otherwise).
    pub fixed_len: usize,
    pub entries: u64,
    /// ROOT's `fCompress` of the branch (100 * algorithm + level).
    pub compress: i32,
    pub baskets: usize,
    pub embedded_baskets: usize,
    pub tot_bytes: i64,
    pub zip_bytes: i64,
}

/// Options of [`Tree::read`].
#[derive(Clone, Copy, Debug, Default)]
pub struct ReadOptions {
    /// Decode baskets in parallel on the rayon pool.
    pub parallel: bool,
}

/// A TTree: metadata parsed once (basket tables on first use); cheap to clone and safe
/// to share between threads.
#[derive(Clone)]
pub struct Tree {
    file: Arc<FileHandle>,
    name: String,
    record: Record,
    meta: Arc<TreeMeta>,
}

/// Where the TTree record is in the file, to read it again for basket tables, and a hash
/// of its content, to know it is still the one parsed.
#[derive(Clone, Copy)]
struct Record {
    at: ObjectAt,
    hash: u64,
}

impl Tree {
    /// Parses the TTree record `payload` of the object at `at`.
    pub(crate) fn parse(
        file: Arc<FileHandle>,
        name: &str,
        payload: &[u8],
        at: ObjectAt,
    ) -> Result<Tree> {
        let meta = meta::parse_tree(payload, at.keylen as usize)
            .map_err(|e| file.corrupt(format!("tree `{name}`: {e}")))?;
        let record = Record {
            at,
            hash: xxhash_rust::xxh64::xxh64(payload, 0),
        };
        Ok(Tree {
            file,
            name: name.to_string(),
            record,
            meta: Arc::new(meta),
        })
    }

    /// The basket table of branch `m`, parsed and checked on first use.
    fn baskets<'a>(&self, m: &'a BranchMeta) -> Result<&'a [BasketMeta]> {
        self.load_tables(&[m])?;
        match m.baskets.get() {
            Some(Ok(baskets)) => Ok(baskets),
            Some(Err(e)) => Err(self
                .file
                .corrupt(format!("tree `{}`: branch `{}`: {e}", self.name, m.name))),
            None => unreachable!("load_tables parses every table it is given"),
        }
    }

    /// Parses the basket tables of `metas` not parsed yet, reading the TTree record again
    /// once for all of them.
    fn load_tables(&self, metas: &[&BranchMeta]) -> Result<()> {
        if metas.iter().all(|m| m.baskets.get().is_some()) {
            return Ok(());
        }
        let same = self
            .file
            .with_payload(self.record.at, |payload| {
                let same = xxhash_rust::xxh64::xxh64(payload, 0) == self.record.hash;
                if same {
                    for m in metas {
                        m.baskets.parse_once(payload);
                    }
                }
                same
            })
            .map_err(|e| self.file.corrupt(format!("object `{}`: {e}", self.name)))?;
        if !same {
            return Err(self.file.corrupt(format!(
                "tree `{}`: the TTree record changed since the file was opened",
                self.name
            )));
        }
        Ok(())
    }

    /// The tree's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file the tree lives in.
    pub fn path(&self) -> &Path {
        &self.file.path
    }

    /// Number of entries.
    pub fn entries(&self) -> u64 {
        self.meta.entries
    }

    /// All branches, in file order.
    pub fn branches(&self) -> Vec<BranchInfo> {
        self.meta.branches.iter().map(branch_info).collect()
    }

    /// One branch by name.
    pub fn branch(&self, name: &str) -> Result<BranchInfo> {
        self.find(name).map(branch_info)
    }

    /// Entry numbers where clusters start, plus the number of entries at the end:
    /// `[0, c1, c2, ..., entries]`. Taken from the tree's cluster ranges and
    /// `fAutoFlush` when set, otherwise from the basket boundaries all branches share.
    /// Cluster sizes that disagree with the baskets (more clusters than any branch has
    /// baskets, as a corrupt `fEntries` can claim) fall back to the basket boundaries.
    pub fn clusters(&self) -> Vec<u64> {
        let m = &self.meta;
        if m.auto_flush > 0 || m.cluster_size.iter().any(|&s| s > 0) {
            // ROOT flushes every branch's basket at each cluster boundary.
            let most_baskets = m.branches.iter().map(|b| b.baskets.len()).max();
            let limit = most_baskets.unwrap_or(0) + m.cluster_size.len() + 2;
            if let Some(out) = self.declared_clusters(limit) {
                return out;
            }
        }
        self.common_basket_boundaries()
    }

    /// The cluster boundaries from the cluster ranges and `fAutoFlush`, or `None` once
    /// there would be more than `limit`.
    fn declared_clusters(&self, limit: usize) -> Option<Vec<u64>> {
        let m = &self.meta;
        let mut out = vec![0u64];
        let push = |out: &mut Vec<u64>, at: u64| {
            out.push(at);
            (out.len() <= limit).then_some(())
        };
        let mut start = 0i64;
        for (&end, &size) in m.cluster_range_end.iter().zip(&m.cluster_size) {
            let size = if size > 0 { size } else { m.auto_flush.max(1) };
            while start <= end && (start as u64) < m.entries {
                start = start.saturating_add(size);
                push(
                    &mut out,
                    (start.min(end.saturating_add(1)) as u64).min(m.entries),
                )?;
                if start > end {
                    start = end.saturating_add(1);
                }
            }
        }
        let size = m.auto_flush.max(1);
        while (start as u64) < m.entries {
            start = start.saturating_add(size);
            push(&mut out, (start as u64).min(m.entries))?;
        }
        out.dedup();
        Some(out)
    }

    /// Entry numbers where every readable branch starts a new basket, plus the end. Parses
    /// the basket tables of all readable branches; one that cannot be parsed (an error
    /// when the branch is read) is left out.
    pub fn common_basket_boundaries(&self) -> Vec<u64> {
        let readable: Vec<&BranchMeta> = self
            .meta
            .branches
            .iter()
            .filter(|b| b.leaf.is_ok())
            .collect();
        let tables: Vec<(&BranchMeta, &[BasketMeta])> = match self.load_tables(&readable) {
            Ok(()) => readable
                .iter()
                .filter_map(|&b| Some((b, b.baskets.get()?.ok()?)))
                .collect(),
            Err(_) => Vec::new(),
        };
        let mut common: Option<Vec<u64>> = None;
        for (b, baskets) in tables {
            let mut starts: Vec<u64> = baskets.iter().map(|k| k.entry_start).collect();
            starts.push(b.entries);
            common = Some(match common {
                None => starts,
                Some(c) => c
                    .into_iter()
                    .filter(|s| starts.binary_search(s).is_ok())
                    .collect(),
            });
        }
        let mut out = common.unwrap_or_else(|| vec![0, self.meta.entries]);
        if out.last() != Some(&self.meta.entries) {
            out.push(self.meta.entries);
        }
        out
    }

    /// Reads `branches` over the entries `range` into columns (in the order asked).
    /// Only the baskets of those branches that overlap the range are read. Each branch's
    /// baskets are converted into its column as soon as they are decoded, so beside the
    /// columns at most one branch's decompressed baskets (per thread) are held.
    pub fn read(
        &self,
        branches: &[&str],
        range: Range<u64>,
        opts: ReadOptions,
    ) -> Result<Vec<Column>> {
        let metas = self.resolve(branches, &range)?;
        let column = |m: &&BranchMeta| -> Result<Column> {
            let (parts, decoded) = self.decode_branch(m, &range, opts)?;
            let parts: Vec<(usize, &BasketMeta, &Decoded<'_>)> = parts
                .iter()
                .zip(&decoded)
                .map(|(&(ki, k), d)| (ki, k, d))
                .collect();
            self.assemble(m, &parts, &range)
        };
        let columns: Vec<Column> = if opts.parallel {
            metas.par_iter().map(column).collect::<Result<_>>()?
        } else {
            metas.iter().map(column).collect::<Result<_>>()?
        };
        self.check_counters(&metas, &columns, range.start)?;
        Ok(columns)
    }

    /// Checks each counted column against its counter when the counter was read in the
    /// same call: entry `i` must hold exactly `counter[i]` values (`Muon_pt` vs `nMuon`).
    /// Offsets equal to those of a column already checked against the same counter (all
    /// `Muon_*` branches, usually) are not checked again: comparing them is far cheaper.
    fn check_counters(&self, metas: &[&BranchMeta], columns: &[Column], start: u64) -> Result<()> {
        let mut verified: Vec<(usize, &[u32])> = Vec::new();
        for (m, column) in metas.iter().zip(columns) {
            let (Shape::Counted(counter), Layout::Jagged(offsets)) = (&m.shape, &column.layout)
            else {
                continue;
            };
            let Some(c) = metas.iter().position(|c| &c.name == counter) else {
                continue;
            };
            if verified
                .iter()
                .any(|&(vc, vo)| vc == c && vo == offsets.as_slice())
            {
                continue;
            }
            let counts = &columns[c];
            let mismatch = match counts.layout {
                Layout::Scalar => first_mismatch(offsets, &counts.values),
                _ => Some((0, "a non-scalar value".to_string())),
            };
            if let Some((i, count)) = mismatch {
                let entry = start + i as u64;
                let values = offsets
                    .get(i + 1)
                    .zip(offsets.get(i))
                    .map_or(0, |(b, a)| u64::from(b - a));
                let basket = self
                    .baskets(m)
                    .map_or(0, |t| t.partition_point(|b| b.entry_stop <= entry));
                return Err(self.basket_error(
                    m,
                    basket,
                    format!(
                        "entry {entry} has {values} values but its counter `{counter}` says {count}"
                    ),
                ));
            }
            verified.push((c, offsets));
        }
        Ok(())
    }

    /// Reads and decompresses the baskets `read` would use, without converting them;
    /// returns the number of uncompressed bytes. The floor that benchmarks compare to.
    pub fn decompress_only(
        &self,
        branches: &[&str],
        range: Range<u64>,
        opts: ReadOptions,
    ) -> Result<usize> {
        let metas = self.resolve(branches, &range)?;
        let bytes = |m: &&BranchMeta| -> Result<usize> {
            let (_, decoded) = self.decode_branch(m, &range, opts)?;
            Ok(decoded.iter().map(|d| d.data().len()).sum())
        };
        if opts.parallel {
            metas.par_iter().map(bytes).sum()
        } else {
            metas.iter().map(bytes).sum()
        }
    }

    /// Looks up readable branches and checks the range.
    fn resolve(&self, branches: &[&str], range: &Range<u64>) -> Result<Vec<&BranchMeta>> {
        if range.start > range.end || range.end > self.meta.entries {
            return Err(IoError::BadRange {
                path: self.file.path.clone(),
                tree: self.name.clone(),
                start: range.start,
                stop: range.end,
                entries: self.meta.entries,
            });
        }
        let metas = branches
            .iter()
            .map(|b| self.find(b))
            .collect::<Result<Vec<_>>>()?;
        for m in &metas {
            if let Err(why) = &m.leaf {
                return Err(self.unsupported(m, why));
            }
        }
        self.load_tables(&metas)?;
        for m in &metas {
            self.baskets(m)?;
        }
        Ok(metas)
    }

    /// Reads and decompresses the baskets of branch `m` that overlap `range`; returns the
    /// (basket index, basket) pairs and their decoded content.
    #[allow(clippy::type_complexity)]
    fn decode_branch<'a>(
        &'a self,
        m: &'a BranchMeta,
        range: &Range<u64>,
        opts: ReadOptions,
    ) -> Result<(Vec<(usize, &'a BasketMeta)>, Vec<Decoded<'a>>)> {
        // The table is sorted and without gaps (checked): the overlapping baskets are a run.
        let baskets = self.baskets(m)?;
        let first = baskets.partition_point(|k| k.entry_stop <= range.start);
        let parts: Vec<(usize, &'a BasketMeta)> = baskets[first..]
            .iter()
            .take_while(|k| k.entry_start < range.end)
            .enumerate()
            .map(|(i, k)| (first + i, k))
            .collect();
        let decode = |&(ki, k): &(usize, &'a BasketMeta)| -> Result<Decoded<'a>> {
            basket::decode(&self.file, k).map_err(|what| self.basket_error(m, ki, what))
        };
        let decoded = if opts.parallel {
            // Every basket's result, so the error reported is the first basket's (the same
            // whatever the threads' timing).
            let all: Vec<Result<Decoded<'a>>> = parts.par_iter().map(decode).collect();
            all.into_iter().collect::<Result<_>>()?
        } else {
            parts.iter().map(decode).collect::<Result<_>>()?
        };
        Ok((parts, decoded))
    }

    fn assemble(
        &self,
        m: &BranchMeta,
        parts: &[(usize, &BasketMeta, &Decoded<'_>)],
        range: &Range<u64>,
    ) -> Result<Column> {
        let leaf = *m.leaf.as_ref().expect("checked by read");
        let size = leaf.size();
        // Element sizes are powers of two: a mask and a shift, never a division per entry
        // (the compiler does not always see that through the inlining).
        let (mask, shift) = (size - 1, size.trailing_zeros());
        let per_entry = match &m.shape {
            Shape::Fixed(n) => *n,
            _ => 1,
        };
        let counted = matches!(m.shape, Shape::Counted(_));
        let n_entries = (range.end - range.start) as usize;
        // Byte slices of each basket that fall in the range, and entry offsets.
        let mut slices: Vec<&[u8]> = Vec::with_capacity(parts.len());
        let mut offsets: Vec<u32> = match counted {
            true => super::recycle::offsets_with_capacity(n_entries + 1),
            false => Vec::new(),
        };
        if counted {
            offsets.push(0);
        }
        let mut total: u64 = 0;
        for &(ki, k, d) in parts {
            let lo = (range.start.max(k.entry_start) - k.entry_start) as usize;
            let hi = (range.end.min(k.entry_stop) - k.entry_start) as usize;
            let n = (k.entry_stop - k.entry_start) as usize;
            let data = d.data();
            let bytes = if counted {
                let offs = d.offsets().filter(|o| o.len() == n + 1).ok_or_else(|| {
                    self.basket_error(m, ki, "counted-array basket has no entry offsets".into())
                })?;
                for w in offs[lo..=hi].windows(2) {
                    let len = (w[1] - w[0]) as usize;
                    if len & mask != 0 {
                        return Err(self.basket_error(
                            m,
                            ki,
                            format!("entry of {len} bytes is not a multiple of {size}"),
                        ));
                    }
                    total += (len >> shift) as u64;
                    let total32 = u32::try_from(total).map_err(|_| {
                        self.basket_error(m, ki, "more than 2^32 values in one read".into())
                    })?;
                    offsets.push(total32);
                }
                &data[offs[lo] as usize..offs[hi] as usize]
            } else {
                let width = size * per_entry;
                if data.len() != n * width {
                    return Err(self.basket_error(
                        m,
                        ki,
                        format!(
                            "basket has {} bytes, expected {n} entries x {width}",
                            data.len()
                        ),
                    ));
                }
                &data[lo * width..hi * width]
            };
            slices.push(bytes);
        }
        let n_values = slices.iter().map(|s| s.len() / size).sum();
        let mut values = super::recycle::values_with_capacity(leaf, n_values);
        for s in slices {
            extend_from_be(&mut values, s);
        }
        let layout = match &m.shape {
            Shape::Scalar => Layout::Scalar,
            Shape::Fixed(n) => Layout::Fixed(*n),
            Shape::Counted(_) => Layout::Jagged(offsets),
        };
        let column = Column {
            name: m.name.clone(),
            values,
            layout,
        };
        // The basket table was checked when the tree was opened; this keeps the promise
        // of one entry per entry of the range whatever happens above.
        if column.entries() != n_entries {
            let last = parts.last().map_or(0, |p| p.0);
            return Err(self.basket_error(
                m,
                last,
                format!(
                    "baskets give {} entries for the {n_entries} of {}..{}",
                    column.entries(),
                    range.start,
                    range.end
                ),
            ));
        }
        Ok(column)
    }

    fn find(&self, name: &str) -> Result<&BranchMeta> {
        self.meta
            .branches
            .iter()
            .find(|b| b.name == name)
            .ok_or_else(|| {
                let names = self.meta.branches.iter().map(|b| b.name.as_str());
                IoError::MissingBranch {
                    path: self.file.path.clone(),
                    tree: self.name.clone(),
                    branch: name.to_string(),
                    hint: crate::util::did_you_mean(name, names)
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default(),
                }
            })
    }

    fn unsupported(&self, m: &BranchMeta, why: &str) -> IoError {
        IoError::Unsupported {
            path: self.file.path.clone(),
            tree: self.name.clone(),
            branch: m.name.clone(),
            what: why.to_string(),
        }
    }

    fn basket_error(&self, m: &BranchMeta, basket: usize, what: String) -> IoError {
        IoError::Basket {
            path: self.file.path.clone(),
            tree: self.name.clone(),
            branch: m.name.clone(),
            basket,
            what,
        }
    }
}

fn branch_info(m: &BranchMeta) -> BranchInfo {
    BranchInfo {
        name: m.name.clone(),
        title: m.title.clone(),
        leaf: m.leaf.clone(),
        counter: match &m.shape {
            Shape::Counted(c) => Some(c.clone()),
            _ => None,
        },
        fixed_len: match m.shape {
            Shape::Fixed(n) => n,
            _ => 1,
        },
        entries: m.entries,
        compress: m.compress,
        baskets: m.baskets.len(),
        embedded_baskets: m.baskets.at.embedded.len(),
        tot_bytes: m.tot_bytes,
        zip_bytes: m.zip_bytes,
    }
}

/// The first entry whose number of values (from `offsets`) differs from the counter's
/// value, with that value as text; also an entry the counter has no value for.
fn first_mismatch(offsets: &[u32], counts: &Values) -> Option<(usize, String)> {
    // The common case, all agree, is checked without branches (vectorised); only a
    // disagreement is looked for entry by entry.
    let agree = match counts {
        Values::Bool(v) => counts_agree(offsets, v, |c| c as u32),
        Values::I8(v) => counts_agree(offsets, v, |c| c as u32),
        Values::U8(v) => counts_agree(offsets, v, |c| c as u32),
        Values::I16(v) => counts_agree(offsets, v, |c| c as u32),
        Values::U16(v) => counts_agree(offsets, v, |c| c as u32),
        Values::I32(v) => counts_agree(offsets, v, |c| c as u32),
        Values::U32(v) => counts_agree(offsets, v, |c| c),
        Values::I64(v) => counts_agree(offsets, v, |c| c as u64),
        Values::U64(v) => counts_agree(offsets, v, |c| c),
        Values::F32(_) | Values::F64(_) => false,
    };
    if agree {
        return None;
    }
    match counts {
        Values::Bool(v) => mismatch_in(offsets, v),
        Values::I8(v) => mismatch_in(offsets, v),
        Values::U8(v) => mismatch_in(offsets, v),
        Values::I16(v) => mismatch_in(offsets, v),
        Values::U16(v) => mismatch_in(offsets, v),
        Values::I32(v) => mismatch_in(offsets, v),
        Values::U32(v) => mismatch_in(offsets, v),
        Values::I64(v) => mismatch_in(offsets, v),
        Values::U64(v) => mismatch_in(offsets, v),
        Values::F32(_) | Values::F64(_) => Some((0, "a floating-point value".to_string())),
    }
}

/// Whether entry `i` holds `widen(counts[i])` values for every entry. Negative counts
/// widen to huge numbers, which no entry of a basket (at most 1 GiB) can hold.
fn counts_agree<T: Copy, W: Copy + PartialEq + From<u32>>(
    offsets: &[u32],
    counts: &[T],
    widen: impl Fn(T) -> W,
) -> bool {
    let n = offsets.len().saturating_sub(1);
    let (Some(ends), Some(starts)) = (offsets.get(1..), offsets.get(..n)) else {
        return counts.is_empty();
    };
    counts.len() == n
        && ends
            .iter()
            .zip(starts)
            .zip(counts)
            .fold(true, |ok, ((&b, &a), &c)| {
                ok & (W::from(b.wrapping_sub(a)) == widen(c))
            })
}

/// Entry by entry: the first entry whose size differs from its count.
fn mismatch_in<T>(offsets: &[u32], counts: &[T]) -> Option<(usize, String)>
where
    T: Copy + TryInto<u64> + ToString,
{
    let n = offsets.len().saturating_sub(1);
    let sizes = offsets.windows(2).map(|w| u64::from(w[1] - w[0]));
    let bad = sizes
        .zip(counts)
        .position(|(size, &c)| c.try_into().ok() != Some(size));
    match bad {
        Some(i) => Some((i, counts[i].to_string())),
        None if counts.len() != n => Some((counts.len().min(n), "no value".to_string())),
        None => None,
    }
}

/// Appends big-endian bytes, converted to native values, to `values`.
fn extend_from_be(values: &mut Values, bytes: &[u8]) {
    macro_rules! conv {
        ($v:expr, $t:ty) => {{
            let (chunks, _) = bytes.as_chunks::<{ std::mem::size_of::<$t>() }>();
            $v.extend(chunks.iter().map(|c| <$t>::from_be_bytes(*c)))
        }};
    }
    match values {
        Values::Bool(v) => v.extend(bytes.iter().map(|&b| b != 0)),
        Values::I8(v) => v.extend(bytes.iter().map(|&b| b as i8)),
        Values::U8(v) => v.extend_from_slice(bytes),
        Values::I16(v) => conv!(v, i16),
        Values::U16(v) => conv!(v, u16),
        Values::I32(v) => conv!(v, i32),
        Values::U32(v) => conv!(v, u32),
        Values::I64(v) => conv!(v, i64),
        Values::U64(v) => conv!(v, u64),
        Values::F32(v) => conv!(v, f32),
        Values::F64(v) => conv!(v, f64),
    }
}
