//! Weighted bin storage: per bin the sum of weights and the sum of squared weights.

use std::sync::OnceLock;

use crate::exact::ExactSum;

/// One weighted bin, as boost-histogram's `weighted_sum`: `value` is the sum of weights,
/// `variance` the sum of squared weights.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[repr(C)]
pub struct WeightedSum {
    /// Sum of weights.
    pub value: f64,
    /// Sum of squared weights.
    pub variance: f64,
}

impl WeightedSum {
    /// Adds one entry of weight `w`.
    #[inline]
    pub fn fill(&mut self, w: f64) {
        self.value += w;
        self.variance += w * w;
    }

    /// Adds another bin (merging partial results).
    #[inline]
    pub fn add(&mut self, other: &Self) {
        self.value += other.value;
        self.variance += other.variance;
    }

    /// Scales by `f`: value by `f`, variance by `f * f`.
    #[inline]
    pub fn scale(&mut self, f: f64) {
        self.value *= f;
        self.variance *= f * f;
    }
}

/// Dense weighted storage over all bins (flow bins included), row-major over the axes.
///
/// Sums are exact ([`ExactSum`]): a histogram's bins depend only on which entries were
/// filled, not on the order of fills or merges, so chunk sizes and thread counts cannot
/// change a result by one bit. A scale factor (normalisation) is kept aside and applied
/// when the bins are read.
#[derive(Debug, Clone)]
pub struct WeightedStorage {
    sums: Vec<[ExactSum; 2]>,
    scale: f64,
    /// The bins as f64, computed on first read after a change.
    cache: OnceLock<Vec<WeightedSum>>,
}

impl PartialEq for WeightedStorage {
    fn eq(&self, other: &Self) -> bool {
        self.bins() == other.bins()
    }
}

impl WeightedStorage {
    /// `n` empty bins.
    pub fn zeros(n: usize) -> Self {
        Self {
            sums: vec![[ExactSum::default(); 2]; n],
            scale: 1.0,
            cache: OnceLock::new(),
        }
    }

    /// Storage from the bins themselves.
    pub fn from_bins(bins: Vec<WeightedSum>) -> Self {
        let sums = bins
            .iter()
            .map(|b| {
                let mut s = [ExactSum::default(); 2];
                s[0].add(b.value);
                s[1].add(b.variance);
                s
            })
            .collect();
        Self {
            sums,
            scale: 1.0,
            cache: OnceLock::new(),
        }
    }

    /// All bins, in storage order.
    pub fn bins(&self) -> &[WeightedSum] {
        self.cache.get_or_init(|| {
            let (f, f2) = (self.scale, self.scale * self.scale);
            self.sums
                .iter()
                .map(|[v, w2]| WeightedSum {
                    value: v.value() * f,
                    variance: w2.value() * f2,
                })
                .collect()
        })
    }

    /// Adds weight `w` to bin `i`; `i` must be in range (checked by the caller's indexing,
    /// which only produces in-range bins).
    #[inline]
    pub fn fill(&mut self, i: usize, w: f64) {
        if let Some(b) = self.sums.get_mut(i) {
            b[0].add(w);
            b[1].add(w * w);
            self.cache.take();
        }
    }

    /// Bin-by-bin sum with `other` (same length, checked by the caller); exact when both
    /// have the same scale (always, for partial results of one run).
    pub fn add(&mut self, other: &Self) {
        if self.scale == other.scale {
            for (a, b) in self.sums.iter_mut().zip(&other.sums) {
                a[0].merge(&b[0]);
                a[1].merge(&b[1]);
            }
        } else {
            let merged: Vec<WeightedSum> = self
                .bins()
                .iter()
                .zip(other.bins())
                .map(|(a, b)| WeightedSum {
                    value: a.value + b.value,
                    variance: a.variance + b.variance,
                })
                .collect();
            *self = Self::from_bins(merged);
        }
        self.cache.take();
    }

    /// Scales every bin by `f` (variances by `f * f`).
    pub fn scale(&mut self, f: f64) {
        self.scale *= f;
        self.cache.take();
    }

    /// The exact (unscaled) sums of the bins that were filled: `(bin, [Σw, Σw²])`.
    pub fn filled_sums(&self) -> impl Iterator<Item = (usize, &[ExactSum; 2])> {
        let zero = [ExactSum::default(); 2];
        self.sums
            .iter()
            .enumerate()
            .filter(move |(_, s)| **s != zero)
    }

    /// Adds exact sums to bin `i` (the inverse of [`WeightedStorage::filled_sums`]);
    /// `false` if `i` is out of range.
    pub fn add_sums(&mut self, i: usize, sums: &[ExactSum; 2]) -> bool {
        let Some(b) = self.sums.get_mut(i) else {
            return false;
        };
        b[0].merge(&sums[0]);
        b[1].merge(&sums[1]);
        self.cache.take();
        true
    }

    /// Number of bins (flow included).
    pub fn len(&self) -> usize {
        self.sums.len()
    }

    /// Whether there are no bins.
    pub fn is_empty(&self) -> bool {
        self.sums.is_empty()
    }

    /// Empties every bin.
    pub fn reset(&mut self) {
        self.sums.fill([ExactSum::default(); 2]);
        self.scale = 1.0;
        self.cache.take();
    }
}
