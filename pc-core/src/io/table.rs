//! Basket tables: a branch's `fBasketBytes`, `fBasketEntry` and `fBasketSeek` arrays.
//!
//! A NanoAOD tree of hundreds of branches and clusters holds hundreds of thousands of
//! basket records. Opening a tree only notes where each branch's arrays are in the TTree
//! record and counts its baskets; a branch's table is parsed, and checked, when the
//! branch is first read. So an open file holds the tables of the branches read only, and
//! opening one (planning opens every file) allocates little.

use std::sync::{Arc, OnceLock};

use super::bytes::CursorResult;
use super::meta::{BasketMeta, BasketSource, EmbeddedBasket};

/// Where a branch's basket arrays are in the TTree record, and what else makes its table.
#[derive(Clone, Debug, Default)]
pub struct TableAt {
    /// Record positions of the `fBasketBytes` (i32), `fBasketEntry` (i64) and
    /// `fBasketSeek` (i64) values.
    pub bytes: usize,
    pub entry: usize,
    pub seek: usize,
    /// `fMaxBaskets`: the length of the arrays.
    pub max_baskets: usize,
    /// Baskets on disk: the leading non-zero seeks of the first `fWriteBasket` slots.
    pub on_disk: usize,
    /// The non-empty baskets stored in the TBranch itself (entries, content); they follow
    /// the baskets on disk.
    pub embedded: Vec<(u64, Arc<EmbeddedBasket>)>,
    /// The branch's `fEntries`, which the baskets must hold.
    pub entries: u64,
}

/// A branch's basket table, parsed from the TTree record on first use.
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub at: TableAt,
    parsed: OnceLock<Result<Vec<BasketMeta>, String>>,
}

impl Table {
    pub fn new(at: TableAt) -> Table {
        Table {
            at,
            parsed: OnceLock::new(),
        }
    }

    /// Number of baskets (on disk and embedded); needs no parsing.
    pub fn len(&self) -> usize {
        self.at.on_disk + self.at.embedded.len()
    }

    /// The parsed table or why it is invalid; `None` before [`Table::parse_once`].
    pub fn get(&self) -> Option<Result<&[BasketMeta], &str>> {
        self.parsed
            .get()
            .map(|r| r.as_ref().map(Vec::as_slice).map_err(String::as_str))
    }

    /// Parses and checks the table from `record` (the TTree record it was found in),
    /// unless done already.
    pub fn parse_once(&self, record: &[u8]) {
        self.parsed.get_or_init(|| parse(&self.at, record));
    }
}

/// Builds a branch's basket table from the arrays at `at` in `record` and checks it.
fn parse(at: &TableAt, record: &[u8]) -> CursorResult<Vec<BasketMeta>> {
    let entry = |i| nth(record, at.entry, i).map(i64::from_be_bytes);
    let mut baskets = Vec::with_capacity(at.on_disk + at.embedded.len());
    for i in 0..at.on_disk {
        let start = entry(i)?;
        if i + 1 >= at.max_baskets {
            return Err(format!("basket {i} has no end entry"));
        }
        let stop = entry(i + 1)?;
        let nbytes = nth(record, at.bytes, i).map(i32::from_be_bytes)?;
        if start < 0 || nbytes <= 0 {
            return Err(format!(
                "basket {i} has entries {start}..{stop} and {nbytes} bytes"
            ));
        }
        // Seeks were checked non-negative when the tree was opened.
        let seek = nth(record, at.seek, i).map(u64::from_be_bytes)?;
        baskets.push(BasketMeta {
            entry_start: start as u64,
            entry_stop: stop as u64,
            source: BasketSource::Disk {
                seek,
                nbytes: nbytes as u32,
            },
        });
    }
    for (n_entries, basket) in &at.embedded {
        let start = baskets.last().map_or(0, |b| b.entry_stop);
        baskets.push(BasketMeta {
            entry_start: start,
            entry_stop: start.saturating_add(*n_entries),
            source: BasketSource::Embedded(basket.clone()),
        });
    }
    check(&baskets, at.entries)?;
    Ok(baskets)
}

/// The `i`-th `N`-byte value of the array at `pos` in `record`.
fn nth<const N: usize>(record: &[u8], pos: usize, i: usize) -> CursorResult<[u8; N]> {
    i.checked_mul(N)
        .and_then(|o| o.checked_add(pos))
        .and_then(|at| record.get(at..at.checked_add(N)?))
        .map(|b| b.try_into().expect("N bytes"))
        .ok_or_else(|| {
            format!(
                "basket table outside the {}-byte TTree record",
                record.len()
            )
        })
}

/// Checks a branch's baskets follow each other from entry 0 without gap or overlap, none is
/// empty, and together they hold the branch's `entries`: then a read of any entry range
/// gets exactly that many entries.
fn check(baskets: &[BasketMeta], entries: u64) -> CursorResult<()> {
    let mut next = 0;
    for (i, b) in baskets.iter().enumerate() {
        if b.entry_start != next {
            return Err(format!(
                "basket {i} starts at entry {}, expected {next} (gap or overlap in fBasketEntry)",
                b.entry_start
            ));
        }
        if b.entry_stop <= b.entry_start {
            return Err(format!(
                "basket {i} has the empty or reversed entry range {}..{}",
                b.entry_start, b.entry_stop
            ));
        }
        next = b.entry_stop;
    }
    if next != entries {
        return Err(match baskets.len() {
            0 => format!("no basket holds its {entries} entries (basket 0 is missing)"),
            n => format!(
                "baskets end at entry {next} (basket {}), the branch has {entries}",
                n - 1
            ),
        });
    }
    Ok(())
}
