//! Weighted N-D histograms with flow bins, binned and serialised like scikit-hep `hist`.
//!
//! - [`Axis`]: `Regular`, `Variable`, `Integer` (all with underflow and overflow) and
//!   `StrCategory` (fixed labels plus an overflow bin); bin assignment agrees bit for bit
//!   with boost-histogram on float64 input (tested against a fixture made by Python).
//! - [`Hist`]: dense row-major storage of [`WeightedSum`] (sum of weights, sum of squared
//!   weights) over all bins including flow; category axes filled by index, continuous axes
//!   by value, no allocation per fill; exact, order-deterministic [`Hist::add`] and
//!   [`Hist::scale`].
//! - [`uhi`]: UHI JSON (`uhi.io.json`, readable into `hist.Hist`, valid for `uhi validate`):
//!   [`uhi::write_json_file`] writes a `histograms.json` mapping names to histograms,
//!   [`uhi::read_json_file`] reads one back (for merging partial outputs).

mod axis;
mod entry;
mod error;
mod histogram;
mod storage;
pub mod uhi;

#[cfg(test)]
mod tests;

pub use axis::{Axis, AxisKind, MAX_AXIS_BINS};
pub use entry::{AxisValue, Entry};
pub use error::HistError;
pub use histogram::{Hist, MAX_HIST_BINS};
pub use storage::{WeightedStorage, WeightedSum};
