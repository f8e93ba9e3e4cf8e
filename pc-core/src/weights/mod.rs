//! PocketCoffea's common weights, configured by the parameters: the pileup weight and
//! lepton scale factors from correctionlib files, each with Up/Down variations.
//!
//! Correction files are parsed once per process ([`correction_set`]) and shared by all
//! threads; building a weight per chunk (in a `#[setup]`) is a map lookup.

mod cache;
mod lepton_sf;
mod pileup;

pub use cache::correction_set;
pub use lepton_sf::{LeptonSf, SfInput};
pub use pileup::Pileup;

use crate::config::ParamError;
use crate::correction::CorrectionError;

/// Why a weight could not be built or evaluated.
#[derive(Debug, thiserror::Error)]
pub enum WeightError {
    #[error(transparent)]
    Param(#[from] ParamError),
    #[error(transparent)]
    Correction(#[from] CorrectionError),
    #[error("parameter `{key}`: {message}")]
    Config { key: String, message: String },
}
