//! A correctionlib (schema v2) evaluator.
//!
//! [`CorrectionSet::from_file`] reads a `.json` or `.json.gz` file once into an immutable
//! tree (`Send + Sync`, shared by all threads): binnings, multi-binnings, categories,
//! formulas compiled by [`crate::formula`], transforms, hash-seeded random numbers and
//! compound corrections, with correctionlib's exact semantics (flow handling, bin
//! lookup, `std::` math, the PCG32/xxhash64 generator).
//!
//! ```no_run
//! use pc_core::correction::{CorrectionSet, Input, Value};
//! let set = CorrectionSet::from_file("puWeights.json.gz")?;
//! let pu = set.get("Collisions18_UltraLegacy_goldenJSON")?;
//! let w = pu.evaluate(&[Value::Real(31.5), Value::Str("nominal")])?;
//! let mut out = Vec::new();
//! pu.evaluate_columns(&[Input::Reals(&[10.0, 40.0]), Input::Str("up")], &mut out)?;
//! # Ok::<(), pc_core::correction::CorrectionError>(())
//! ```

mod build;
mod columns;
mod compound;
mod error;
mod hashprng;
mod node;
mod nonfinite;
mod set;
mod single;
mod value;

pub use columns::Input;
pub use compound::{CompoundCorrection, UpdateOp};
pub use error::CorrectionError;
pub use hashprng::Distribution;
pub use node::Domain;
pub use set::CorrectionSet;
pub use single::Correction;
pub use value::{Value, VarType, Variable};

#[cfg(test)]
mod tests;
