//! Weighted bin storage: per bin the sum of weights and the sum of squared weights.

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
#[derive(Debug, Clone, PartialEq)]
pub struct WeightedStorage {
    bins: Vec<WeightedSum>,
}

impl WeightedStorage {
    /// `n` empty bins.
    pub fn zeros(n: usize) -> Self {
        Self {
            bins: vec![WeightedSum::default(); n],
        }
    }

    /// Storage from the bins themselves.
    pub fn from_bins(bins: Vec<WeightedSum>) -> Self {
        Self { bins }
    }

    /// All bins, in storage order.
    pub fn bins(&self) -> &[WeightedSum] {
        &self.bins
    }

    /// All bins, mutable.
    pub fn bins_mut(&mut self) -> &mut [WeightedSum] {
        &mut self.bins
    }

    /// Adds weight `w` to bin `i`; `i` must be in range (checked by the caller's indexing,
    /// which only produces in-range bins).
    #[inline]
    pub fn fill(&mut self, i: usize, w: f64) {
        if let Some(b) = self.bins.get_mut(i) {
            b.fill(w);
        }
    }

    /// Bin-by-bin sum with `other` (same length, checked by the caller).
    pub fn add(&mut self, other: &Self) {
        for (a, b) in self.bins.iter_mut().zip(&other.bins) {
            a.add(b);
        }
    }

    /// Scales every bin by `f`.
    pub fn scale(&mut self, f: f64) {
        for b in &mut self.bins {
            b.scale(f);
        }
    }

    /// Empties every bin.
    pub fn reset(&mut self) {
        self.bins.fill(WeightedSum::default());
    }
}
