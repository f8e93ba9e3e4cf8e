//! Per-thread reuse of column buffers: a chunk's columns, once processed, are handed back
//! ([`recycle`]) and the next chunk's are built in them ([`values_with_capacity`],
//! [`offsets_with_capacity`]). The allocator then sees no churn of large blocks from chunk to
//! chunk, so memory stays at its first chunks' level.

use std::cell::RefCell;

use super::column::{Column, Layout, LeafType, Values};

/// Buffers kept per thread: about two chunks' worth of a typical analysis.
const KEEP: usize = 128;

thread_local! {
    static VALUES: RefCell<Vec<Values>> = const { RefCell::new(Vec::new()) };
    static OFFSETS: RefCell<Vec<Vec<u32>>> = const { RefCell::new(Vec::new()) };
}

/// An empty vector of `leaf` values with room for `n`: a recycled one if this thread has one
/// (the smallest that fits), else a new one.
pub fn values_with_capacity(leaf: LeafType, n: usize) -> Values {
    let reused = VALUES.with_borrow_mut(|pool| {
        let fits =
            |v: &Values| v.leaf_type() == leaf && crate::with_values!(v, x => x.capacity()) >= n;
        let best = pool
            .iter()
            .enumerate()
            .filter(|(_, v)| fits(v))
            .min_by_key(|(_, v)| crate::with_values!(v, x => x.capacity()))
            .map(|(i, _)| i)?;
        Some(pool.swap_remove(best))
    });
    match reused {
        Some(mut v) => {
            crate::with_values!(&mut v, x => x.clear());
            v
        }
        None => Values::with_capacity(leaf, n),
    }
}

/// An empty offsets vector with room for `n`, recycled if possible.
pub fn offsets_with_capacity(n: usize) -> Vec<u32> {
    let reused = OFFSETS.with_borrow_mut(|pool| {
        let best = pool
            .iter()
            .enumerate()
            .filter(|(_, o)| o.capacity() >= n)
            .min_by_key(|(_, o)| o.capacity())
            .map(|(i, _)| i)?;
        Some(pool.swap_remove(best))
    });
    match reused {
        Some(mut o) => {
            o.clear();
            o
        }
        None => Vec::with_capacity(n),
    }
}

/// Hands `column`'s buffers back to this thread's pool (beyond 128 kept, the oldest go).
pub fn recycle(column: Column) {
    VALUES.with_borrow_mut(|pool| {
        if pool.len() >= KEEP {
            pool.remove(0);
        }
        pool.push(column.values);
    });
    if let Layout::Jagged(offsets) = column.layout {
        OFFSETS.with_borrow_mut(|pool| {
            if pool.len() >= KEEP {
                pool.remove(0);
            }
            pool.push(offsets);
        });
    }
}
