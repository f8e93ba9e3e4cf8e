//! Configuration inputs: analysis parameters and datasets.
//!
//! - [`params`]: YAML parameters, PocketCoffea's defaults shipped in the crate, user files merged on
//!   top (OmegaConf semantics), `${...}` interpolation, typed access by dotted key, a YAML dump.
//! - [`datasets`]: PocketCoffea's dataset JSONs (built file lists and definitions), filters.

pub mod datasets;
pub(crate) mod interpolate;
pub mod params;

pub use datasets::{Dataset, DatasetError, DatasetFilter};
pub use params::{MergeMode, Node, ParamError, Params, ParamsBuilder, SuspiciousKey};
