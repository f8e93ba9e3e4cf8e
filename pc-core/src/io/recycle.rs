//! Per-thread reuse of column buffers: a chunk's columns, once processed, are handed back
//! ([`recycle`]) and the next chunk's are built in them ([`values_with_capacity`],
//! [`offsets_with_capacity`]). The allocator then sees no churn of large blocks from chunk to
//! chunk, so memory stays at its first chunks' level.

use std::cell::RefCell;
use std::thread::LocalKey;

use super::column::{Column, Layout, LeafType, Values};

/// Buffers kept per thread and kind: about two chunks' worth of a typical analysis.
const KEEP: usize = 128;

thread_local! {
    static VALUES: RefCell<Vec<Values>> = const { RefCell::new(Vec::new()) };
    static OFFSETS: RefCell<Vec<Vec<u32>>> = const { RefCell::new(Vec::new()) };
}

fn capacity(v: &Values) -> usize {
    crate::with_values!(v, x => x.capacity())
}

/// Takes the smallest buffer of `pool` that `fits`, by `size`.
fn take<T>(
    pool: &'static LocalKey<RefCell<Vec<T>>>,
    fits: impl Fn(&T) -> bool,
    size: impl Fn(&T) -> usize,
) -> Option<T> {
    pool.with_borrow_mut(|pool| {
        let best = (0..pool.len())
            .filter(|&i| fits(&pool[i]))
            .min_by_key(|&i| size(&pool[i]))?;
        Some(pool.swap_remove(best))
    })
}

/// Keeps `buffer` in `pool`; beyond [`KEEP`] the oldest goes.
fn keep<T>(pool: &'static LocalKey<RefCell<Vec<T>>>, buffer: T) {
    pool.with_borrow_mut(|pool| {
        if pool.len() >= KEEP {
            pool.remove(0);
        }
        pool.push(buffer);
    });
}

/// An empty vector of `leaf` values with room for `n`: a recycled one if this thread has one
/// (the smallest that fits), else a new one.
pub fn values_with_capacity(leaf: LeafType, n: usize) -> Values {
    let fits = |v: &Values| v.leaf_type() == leaf && capacity(v) >= n;
    match take(&VALUES, fits, capacity) {
        Some(mut v) => {
            crate::with_values!(&mut v, x => x.clear());
            v
        }
        None => Values::with_capacity(leaf, n),
    }
}

/// An empty offsets vector with room for `n`, recycled if possible.
pub fn offsets_with_capacity(n: usize) -> Vec<u32> {
    match take(&OFFSETS, |o| o.capacity() >= n, Vec::capacity) {
        Some(mut o) => {
            o.clear();
            o
        }
        None => Vec::with_capacity(n),
    }
}

/// Hands `column`'s buffers back to this thread's pool.
pub fn recycle(column: Column) {
    keep(&VALUES, column.values);
    if let Layout::Jagged(offsets) = column.layout {
        keep(&OFFSETS, offsets);
    }
}
