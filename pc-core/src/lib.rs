//! Runtime of the `pc` NanoAOD analysis framework.
//!
//! - [`io`]: our own columnar ROOT TTree reader and writer (NanoAOD layout).
//! - [`generate`]: NanoAOD-like sample generator (Drell-Yan, ttbar, pseudo-data).

pub mod generate;
pub mod io;
pub mod util;
