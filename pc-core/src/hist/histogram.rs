//! N-dimensional weighted histogram with flow bins.

use super::HistError;
use super::axis::{Axis, AxisKind};
use super::storage::{WeightedStorage, WeightedSum};

/// Largest number of bins (flow included) a histogram may have.
pub const MAX_HIST_BINS: usize = 1 << 28;

/// A weighted N-D histogram: axes (any mix of string-category and continuous axes) and a
/// dense row-major storage over all bins including flow bins (the layout of `hist`'s
/// `view(flow=True)`: the last axis varies fastest).
///
/// Category axes are filled with category *indices* (resolve labels once with
/// [`Axis::category_index`]), continuous axes with values. The output contract puts
/// `cat` and `variation` first, then the analysis axes:
///
/// ```
/// use pc_core::hist::{Axis, Hist};
/// let mut h = Hist::new("mll", vec![
///     Axis::str_category("cat", &["baseline", "2jets"])?,
///     Axis::str_category("variation", &["nominal", "puUp", "puDown"])?,
///     Axis::regular("mll", 60, 60.0, 120.0)?.with_label("$m_{\\mu\\mu}$ [GeV]"),
/// ])?;
/// h.fill_1d(&[0, 0], 91.2, 0.5)?;          // cat "baseline", variation "nominal"
/// h.fill_indexed(&[1, 2], &[91.2], 0.5)?;  // the general form
/// assert_eq!(h.sum(true).value, 1.0);
/// # Ok::<(), pc_core::hist::HistError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Hist {
    name: String,
    label: String,
    axes: Vec<Axis>,
    strides: Vec<usize>,
    n_cats: usize,
    storage: WeightedStorage,
}

impl Hist {
    /// An empty histogram over `axes` (at least one).
    pub fn new(name: &str, axes: Vec<Axis>) -> Result<Self, HistError> {
        let n = Self::check_axes(name, &axes)?;
        Self::with_storage(name, axes, WeightedStorage::zeros(n))
    }

    /// A histogram over `axes` holding `bins` (flow included, storage order); used when
    /// reading serialised histograms.
    pub fn from_bins(
        name: &str,
        axes: Vec<Axis>,
        bins: Vec<WeightedSum>,
    ) -> Result<Self, HistError> {
        let n = Self::check_axes(name, &axes)?;
        if bins.len() != n {
            return Err(HistError::InvalidHist {
                hist: name.to_owned(),
                reason: format!("axes need {n} bins (flow included), got {}", bins.len()),
            });
        }
        Self::with_storage(name, axes, WeightedStorage::from_bins(bins))
    }

    /// Validates the axes; returns the total number of bins.
    fn check_axes(name: &str, axes: &[Axis]) -> Result<usize, HistError> {
        let invalid = |reason: String| HistError::InvalidHist {
            hist: name.to_owned(),
            reason,
        };
        if axes.is_empty() {
            return Err(invalid("needs at least one axis".to_owned()));
        }
        for (i, a) in axes.iter().enumerate() {
            if !a.name().is_empty() && axes[..i].iter().any(|b| b.name() == a.name()) {
                return Err(invalid(format!("two axes are named `{}`", a.name())));
            }
        }
        axes.iter()
            .try_fold(1usize, |n, a| n.checked_mul(a.extent()))
            .filter(|&n| n <= MAX_HIST_BINS)
            .ok_or_else(|| invalid(format!("more than {MAX_HIST_BINS} bins")))
    }

    fn with_storage(
        name: &str,
        axes: Vec<Axis>,
        storage: WeightedStorage,
    ) -> Result<Self, HistError> {
        let mut strides = vec![1usize; axes.len()];
        for i in (0..axes.len().saturating_sub(1)).rev() {
            strides[i] = strides[i + 1] * axes[i + 1].extent();
        }
        let n_cats = axes.iter().filter(|a| a.is_category()).count();
        Ok(Self {
            name: name.to_owned(),
            label: String::new(),
            axes,
            strides,
            n_cats,
            storage,
        })
    }

    /// Sets the histogram label (metadata).
    #[must_use]
    pub fn with_label(mut self, label: &str) -> Self {
        label.clone_into(&mut self.label);
        self
    }

    /// The histogram name (used in error messages and written as metadata).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The histogram label (empty if unset).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The axes, in storage order.
    pub fn axes(&self) -> &[Axis] {
        &self.axes
    }

    /// The axis named `name`.
    pub fn axis(&self, name: &str) -> Option<&Axis> {
        self.axes.iter().find(|a| a.name() == name)
    }

    /// Number of string-category axes (filled by index).
    pub fn n_category_axes(&self) -> usize {
        self.n_cats
    }

    /// Number of continuous axes (filled by value).
    pub fn n_value_axes(&self) -> usize {
        self.axes.len() - self.n_cats
    }

    /// Extent (bins with flow) of every axis: the shape of the storage.
    pub fn shape(&self) -> Vec<usize> {
        self.axes.iter().map(Axis::extent).collect()
    }

    /// All bins, flow included, row-major (last axis fastest).
    pub fn bins(&self) -> &[WeightedSum] {
        self.storage.bins()
    }

    /// The bin at flow coordinates `idx` (one per axis; `0` is the underflow bin of a
    /// continuous axis), or `None` if out of range.
    pub fn bin(&self, idx: &[usize]) -> Option<WeightedSum> {
        self.flat_index(idx).map(|i| self.storage.bins()[i])
    }

    /// Storage position of flow coordinates `idx`, or `None` if out of range.
    pub fn flat_index(&self, idx: &[usize]) -> Option<usize> {
        if idx.len() != self.axes.len() {
            return None;
        }
        let mut flat = 0;
        for ((a, &s), &i) in self.axes.iter().zip(&self.strides).zip(idx) {
            if i >= a.extent() {
                return None;
            }
            flat += i * s;
        }
        Some(flat)
    }

    fn arity_error(&self, got_cats: usize, got_values: usize) -> HistError {
        HistError::FillArity {
            hist: self.name.clone(),
            want_cats: self.n_cats,
            want_values: self.n_value_axes(),
            got_cats,
            got_values,
        }
    }

    /// Storage position for one entry, or `None` when the entry is dropped (an out-of-range
    /// category index on an axis without a flow bin). Lengths are checked by the caller.
    #[inline]
    fn locate(&self, cats: &[usize], values: &[f64]) -> Option<usize> {
        let (mut ci, mut vi) = (cats.iter(), values.iter());
        let mut flat = 0;
        for (a, &s) in self.axes.iter().zip(&self.strides) {
            let bin = if a.is_category() {
                a.category_bin(*ci.next()?)?
            } else {
                a.index(*vi.next()?)?
            };
            flat += bin * s;
        }
        Some(flat)
    }

    /// Adds one entry of weight `weight`. `cats` holds one category index per category axis
    /// and `values` one value per continuous axis, each in axis order. An out-of-range
    /// category index goes to that axis' flow bin (dropped if it has none), like an unknown
    /// label in boost-histogram.
    #[inline]
    pub fn fill_indexed(
        &mut self,
        cats: &[usize],
        values: &[f64],
        weight: f64,
    ) -> Result<(), HistError> {
        if cats.len() != self.n_cats || values.len() != self.axes.len() - self.n_cats {
            return Err(self.arity_error(cats.len(), values.len()));
        }
        if let Some(i) = self.locate(cats, values) {
            self.storage.fill(i, weight);
        }
        Ok(())
    }

    /// Adds one entry to a histogram without category axes.
    #[inline]
    pub fn fill(&mut self, values: &[f64], weight: f64) -> Result<(), HistError> {
        self.fill_indexed(&[], values, weight)
    }

    /// Fast path for one continuous axis (after any category axes), which must be the last
    /// axis: `cats` as in [`Hist::fill_indexed`], `x` the value.
    #[inline]
    pub fn fill_1d(&mut self, cats: &[usize], x: f64, weight: f64) -> Result<(), HistError> {
        let last = self.axes.len() - 1;
        if cats.len() != self.n_cats || cats.len() != last || self.axes[last].is_category() {
            return Err(self.arity_error(cats.len(), 1));
        }
        let Some(base) = self.category_offset(cats) else {
            return Ok(());
        };
        if let Some(b) = self.axes[last].index(x) {
            self.storage.fill(base + b, weight);
        }
        Ok(())
    }

    /// Storage offset, within the axes from `first` on, of the coordinates `coords` (one per
    /// such axis: a value, or a category index as `f64`); `None` when the entry is dropped.
    #[inline]
    pub fn trailing_offset(
        &self,
        first: usize,
        coords: &[f64],
    ) -> Result<Option<usize>, HistError> {
        if first > self.axes.len() || coords.len() != self.axes.len() - first {
            return Err(self.arity_error(first, coords.len()));
        }
        let mut flat = 0;
        for ((a, &s), &x) in self.axes[first..]
            .iter()
            .zip(&self.strides[first..])
            .zip(coords)
        {
            let Some(bin) = a.index(x) else {
                return Ok(None);
            };
            flat += bin * s;
        }
        Ok(Some(flat))
    }

    /// Adds weight `weight` at category indices `cats` of the leading axes plus `offset`
    /// (from [`Hist::trailing_offset`] with `first == cats.len()`).
    #[inline]
    pub fn fill_at(&mut self, cats: &[usize], offset: usize, weight: f64) {
        if let Some(base) = self.category_offset(cats) {
            self.storage.fill(base + offset, weight);
        }
    }

    /// Columnar fill: entry `k` has values `columns[j][k]` (one column per continuous axis)
    /// and weight `weights[k]`, all in the category bin `cats`. Columns and weights must
    /// have equal lengths.
    pub fn fill_columns(
        &mut self,
        cats: &[usize],
        columns: &[&[f64]],
        weights: &[f64],
    ) -> Result<(), HistError> {
        if cats.len() != self.n_cats || columns.len() != self.n_value_axes() {
            return Err(self.arity_error(cats.len(), columns.len()));
        }
        if let Some(c) = columns.iter().find(|c| c.len() != weights.len()) {
            return Err(HistError::InvalidHist {
                hist: self.name.clone(),
                reason: format!(
                    "columnar fill: a column has {} entries but there are {} weights",
                    c.len(),
                    weights.len()
                ),
            });
        }
        let mut values = [0.0f64; 8];
        if columns.len() > values.len() {
            // Rare: many continuous axes; no fixed buffer, fill entry by entry.
            let mut v = vec![0.0; columns.len()];
            for (k, &w) in weights.iter().enumerate() {
                for (x, c) in v.iter_mut().zip(columns) {
                    *x = c[k];
                }
                self.fill_indexed(cats, &v, w)?;
            }
            return Ok(());
        }
        let values = &mut values[..columns.len()];
        for (k, &w) in weights.iter().enumerate() {
            for (x, c) in values.iter_mut().zip(columns) {
                *x = c[k];
            }
            if let Some(i) = self.locate(cats, values) {
                self.storage.fill(i, w);
            }
        }
        Ok(())
    }

    /// Storage offset of the category bins `cats` when all category axes lead, or `None`
    /// if the entry is dropped. Callers check that the category axes lead.
    #[inline]
    fn category_offset(&self, cats: &[usize]) -> Option<usize> {
        let mut flat = 0;
        for ((a, &s), &c) in self.axes.iter().zip(&self.strides).zip(cats) {
            flat += a.category_bin(c)? * s;
        }
        Some(flat)
    }

    /// Bin-by-bin sum with `other`, which must have identical axes (binning, names and
    /// labels). Deterministic: merging in a fixed order gives the same bits every time.
    pub fn add(&mut self, other: &Self) -> Result<(), HistError> {
        let mismatch = |reason: String| HistError::AxesMismatch {
            hist: self.name.clone(),
            other: other.name.clone(),
            reason,
        };
        if self.axes.len() != other.axes.len() {
            return Err(mismatch(format!(
                "{} axes vs {}",
                self.axes.len(),
                other.axes.len()
            )));
        }
        for (i, (a, b)) in self.axes.iter().zip(&other.axes).enumerate() {
            if a != b {
                return Err(mismatch(format!(
                    "axis {i} differs: `{}` {:?} vs `{}` {:?}",
                    a.name(),
                    a.kind(),
                    b.name(),
                    b.kind()
                )));
            }
        }
        self.storage.add(&other.storage);
        Ok(())
    }

    /// Scales every bin: values by `f`, variances by `f * f` (e.g. MC normalisation).
    pub fn scale(&mut self, f: f64) {
        self.storage.scale(f);
    }

    /// The bin storage (exact sums; for serialising partial results).
    pub fn storage(&self) -> &WeightedStorage {
        &self.storage
    }

    /// The bin storage, mutable (for reading partial results back).
    pub fn storage_mut(&mut self) -> &mut WeightedStorage {
        &mut self.storage
    }

    /// Empties every bin, keeping the axes.
    pub fn reset(&mut self) {
        self.storage.reset();
    }

    /// Sum over all bins, with or without flow bins (category flow bins count as flow).
    pub fn sum(&self, flow: bool) -> WeightedSum {
        let mut total = WeightedSum::default();
        for (i, b) in self.storage.bins().iter().enumerate() {
            if flow || !self.is_flow_bin(i) {
                total.add(b);
            }
        }
        total
    }

    /// True if storage position `flat` lies in a flow bin of any axis.
    fn is_flow_bin(&self, flat: usize) -> bool {
        self.axes.iter().zip(&self.strides).any(|(a, &s)| {
            let c = (flat / s) % a.extent();
            match a.kind() {
                AxisKind::StrCategory { labels, .. } => c >= labels.len(),
                _ => c == 0 || c == a.extent() - 1,
            }
        })
    }
}
