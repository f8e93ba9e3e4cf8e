//! Histogram axes, binned exactly like boost-histogram.
//!
//! Every axis has a name and a label (metadata written to UHI JSON). Bins are addressed in
//! *flow coordinates*, the layout of `hist`'s `view(flow=True)`:
//!
//! - continuous axes (`Regular`, `Variable`, `Integer`): `0` is the underflow bin, `1..=bins`
//!   the regular bins, `bins + 1` the overflow bin; bin `i` covers `[edge_i, edge_{i+1})`,
//!   a value equal to the upper edge and NaN go to the overflow bin;
//! - string categories: `0..labels` the categories, then (with `flow`) one overflow bin that
//!   collects unknown labels and out-of-range indices (boost-histogram's non-growing
//!   `StrCategory`, whose `overflow` defaults to true).

use super::HistError;

/// Largest number of bins an axis may have (guards against absurd allocations).
pub const MAX_AXIS_BINS: usize = 1 << 24;

/// The binning of an axis. Built through the [`Axis`] constructors, which validate it.
#[derive(Debug, Clone, PartialEq)]
pub enum AxisKind {
    /// `bins` equal bins over `[start, stop)`, with underflow and overflow.
    Regular { bins: usize, start: f64, stop: f64 },
    /// Bins between consecutive `edges` (strictly increasing), with underflow and overflow.
    Variable { edges: Vec<f64> },
    /// One bin per integer in `[start, stop)`, with underflow and overflow.
    Integer { start: i64, stop: i64 },
    /// Fixed string categories; `flow` adds the overflow bin for anything else.
    StrCategory { labels: Vec<String>, flow: bool },
}

/// One axis of a histogram: binning plus name and label.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    name: String,
    label: String,
    kind: AxisKind,
    /// Precomputed for the hot path: `stop - start` (Regular), `bins as f64` (Regular,
    /// Integer), `start as f64` (Integer). Derived from `kind`, so equality is unaffected.
    delta: f64,
    nbins_f: f64,
    start_f: f64,
}

fn invalid(name: &str, reason: impl Into<String>) -> HistError {
    HistError::InvalidAxis {
        axis: name.to_owned(),
        reason: reason.into(),
    }
}

impl Axis {
    /// `bins` equal bins over `[start, stop)` (finite, `start < stop`), with flow bins.
    pub fn regular(name: &str, bins: usize, start: f64, stop: f64) -> Result<Self, HistError> {
        if bins == 0 || bins > MAX_AXIS_BINS {
            return Err(invalid(
                name,
                format!("bins must be in 1..={MAX_AXIS_BINS}, got {bins}"),
            ));
        }
        if !(start.is_finite() && stop.is_finite() && start < stop && (stop - start).is_finite()) {
            return Err(invalid(
                name,
                format!("need finite start < stop, got [{start}, {stop})"),
            ));
        }
        Ok(Self {
            name: name.to_owned(),
            label: String::new(),
            kind: AxisKind::Regular { bins, start, stop },
            delta: stop - start,
            nbins_f: bins as f64,
            start_f: start,
        })
    }

    /// Bins between consecutive `edges` (at least two, finite, strictly increasing).
    pub fn variable(name: &str, edges: impl Into<Vec<f64>>) -> Result<Self, HistError> {
        let edges = edges.into();
        if edges.len() < 2 || edges.len() > MAX_AXIS_BINS {
            return Err(invalid(
                name,
                format!("need 2..={MAX_AXIS_BINS} edges, got {}", edges.len()),
            ));
        }
        if let Some(e) = edges.iter().find(|e| !e.is_finite()) {
            return Err(invalid(name, format!("edges must be finite, got {e}")));
        }
        if let Some(w) = edges.windows(2).find(|w| w[0] >= w[1]) {
            return Err(invalid(
                name,
                format!("edges must increase strictly, got {} then {}", w[0], w[1]),
            ));
        }
        Ok(Self {
            name: name.to_owned(),
            label: String::new(),
            kind: AxisKind::Variable { edges },
            delta: 0.0,
            nbins_f: 0.0,
            start_f: 0.0,
        })
    }

    /// One bin per integer in `[start, stop)`, with flow bins.
    pub fn integer(name: &str, start: i64, stop: i64) -> Result<Self, HistError> {
        let bins = stop.checked_sub(start).unwrap_or(-1);
        if bins <= 0 || bins as u64 > MAX_AXIS_BINS as u64 {
            return Err(invalid(
                name,
                format!(
                    "need start < stop with at most {MAX_AXIS_BINS} bins, got [{start}, {stop})"
                ),
            ));
        }
        // Values are compared as f64: keep the range where i64 -> f64 is exact.
        const EXACT: i64 = 1 << 53;
        if start.abs() > EXACT || stop.abs() > EXACT {
            return Err(invalid(name, "integer range must lie within +-2^53"));
        }
        Ok(Self {
            name: name.to_owned(),
            label: String::new(),
            kind: AxisKind::Integer { start, stop },
            delta: 0.0,
            nbins_f: bins as f64,
            start_f: start as f64,
        })
    }

    /// Fixed string categories (at least one, unique) with an overflow bin, as
    /// `hist.axis.StrCategory(labels)` (non-growing, `overflow=True`).
    pub fn str_category<S: AsRef<str>>(name: &str, labels: &[S]) -> Result<Self, HistError> {
        Self::str_category_with_flow(name, labels, true)
    }

    /// Like [`Axis::str_category`], choosing whether the overflow bin exists. Without it,
    /// fills with an out-of-range index are dropped, as boost-histogram drops unknown labels.
    pub fn str_category_with_flow<S: AsRef<str>>(
        name: &str,
        labels: &[S],
        flow: bool,
    ) -> Result<Self, HistError> {
        if labels.is_empty() || labels.len() > MAX_AXIS_BINS {
            return Err(invalid(
                name,
                format!("need 1..={MAX_AXIS_BINS} categories"),
            ));
        }
        let labels: Vec<String> = labels.iter().map(|s| s.as_ref().to_owned()).collect();
        let mut sorted: Vec<&str> = labels.iter().map(String::as_str).collect();
        sorted.sort_unstable();
        if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
            return Err(invalid(name, format!("duplicate category `{}`", w[0])));
        }
        Ok(Self {
            name: name.to_owned(),
            label: String::new(),
            kind: AxisKind::StrCategory { labels, flow },
            delta: 0.0,
            nbins_f: 0.0,
            start_f: 0.0,
        })
    }

    /// Sets the label (e.g. `"$p_T$ [GeV]"`), the axis title in plots.
    #[must_use]
    pub fn with_label(mut self, label: &str) -> Self {
        label.clone_into(&mut self.label);
        self
    }

    /// The axis name (`hist` accesses axes by it).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The axis label (empty if unset).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The binning.
    pub fn kind(&self) -> &AxisKind {
        &self.kind
    }

    /// True for a string-category axis (filled by index, not by value).
    pub fn is_category(&self) -> bool {
        matches!(self.kind, AxisKind::StrCategory { .. })
    }

    /// Number of bins without flow bins.
    pub fn bins(&self) -> usize {
        match &self.kind {
            AxisKind::Regular { bins, .. } => *bins,
            AxisKind::Variable { edges } => edges.len() - 1,
            AxisKind::Integer { start, stop } => (stop - start) as usize,
            AxisKind::StrCategory { labels, .. } => labels.len(),
        }
    }

    /// Number of bins including flow bins (the length of this dimension in storage).
    pub fn extent(&self) -> usize {
        match &self.kind {
            AxisKind::StrCategory { labels, flow } => labels.len() + usize::from(*flow),
            _ => self.bins() + 2,
        }
    }

    /// Bin edges (`bins + 1` values) of a continuous axis; `None` for categories.
    pub fn edges(&self) -> Option<Vec<f64>> {
        match &self.kind {
            AxisKind::Regular { bins, start, stop } => {
                // boost-histogram's edge formula: (1 - z) * start + z * stop, z = i / bins.
                let n = *bins as f64;
                Some(
                    (0..=*bins)
                        .map(|i| {
                            let z = i as f64 / n;
                            (1.0 - z) * start + z * stop
                        })
                        .collect(),
                )
            }
            AxisKind::Variable { edges } => Some(edges.clone()),
            AxisKind::Integer { start, stop } => Some((*start..=*stop).map(|i| i as f64).collect()),
            AxisKind::StrCategory { .. } => None,
        }
    }

    /// Index of `label` among the categories, if present.
    pub fn category_index(&self, label: &str) -> Option<usize> {
        match &self.kind {
            AxisKind::StrCategory { labels, .. } => labels.iter().position(|l| l == label),
            _ => None,
        }
    }

    /// Index of `label`, or an error naming the axis and its categories.
    pub fn require_category(&self, label: &str) -> Result<usize, HistError> {
        self.category_index(label)
            .ok_or_else(|| HistError::UnknownLabel {
                axis: self.name.clone(),
                label: label.to_owned(),
                known: match &self.kind {
                    AxisKind::StrCategory { labels, .. } => labels.join(", "),
                    _ => "none: not a category axis".to_owned(),
                },
            })
    }

    /// Flow-coordinate bin of value `x`, bit for bit as boost-histogram. Continuous axes
    /// always give `Some`: Regular computes `z = (x - start) / (stop - start)` and bin
    /// `z * bins`; Variable `upper_bound(edges, x)`; Integer `x - start` truncated (integral
    /// values are exact). NaN and values `>= stop` give the overflow bin, values `< start`
    /// the underflow bin. On a category axis `x` is a category index (integral, `>= 0`);
    /// anything else is out of range, see [`Axis::category_bin`].
    #[inline]
    pub fn index(&self, x: f64) -> Option<usize> {
        match &self.kind {
            AxisKind::Regular { bins, .. } => {
                let z = (x - self.start_f) / self.delta;
                Some(if z < 1.0 {
                    if z >= 0.0 {
                        // z < 1 but z * bins may round up to bins: boost then also returns
                        // `size()`, the overflow bin.
                        (z * self.nbins_f) as usize + 1
                    } else {
                        0
                    }
                } else {
                    bins + 1 // also NaN
                })
            }
            AxisKind::Variable { edges } => Some(edges.partition_point(|&e| e <= x || x.is_nan())),
            AxisKind::Integer { .. } => {
                let z = x - self.start_f;
                Some(if z < self.nbins_f {
                    if z >= 0.0 { z as usize + 1 } else { 0 }
                } else {
                    self.nbins_f as usize + 1 // also NaN
                })
            }
            AxisKind::StrCategory { .. } => {
                let i = if x >= 0.0 && x.fract() == 0.0 {
                    x as usize
                } else {
                    usize::MAX
                };
                self.category_bin(i)
            }
        }
    }

    /// Storage bin of category index `i` on a category axis: `i` itself when in range,
    /// the overflow bin otherwise, or `None` (the fill is dropped) without a flow bin.
    #[inline]
    pub fn category_bin(&self, i: usize) -> Option<usize> {
        match &self.kind {
            AxisKind::StrCategory { labels, flow } => {
                if i < labels.len() {
                    Some(i)
                } else if *flow {
                    Some(labels.len())
                } else {
                    None
                }
            }
            _ => None,
        }
    }
}
