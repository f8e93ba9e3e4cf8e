//! CMS corrections configured by the parameters, as PocketCoffea's common weights and
//! calibrators: the pileup weight and lepton scale factors from correctionlib files (each
//! with Up/Down variations), and the jet calibration (JEC, JER) from JetMET text files.
//!
//! Files are parsed once per process ([`shared`], [`correction_set`]) and shared by all
//! threads; building these per chunk (in a `#[setup]`) is a map lookup.

mod cache;
mod electron_sf;
mod jets;
pub mod kinematics;
mod lepton_sf;
mod objects;
mod pileup;
mod resources;
pub mod select;
pub mod skim;

pub use cache::{correction_set, shared};
pub use electron_sf::ElectronSf;
pub use jets::{CalibJet, JetCalibration, JetEvent};
pub use kinematics::{Direction, LorentzVector, Momentum};
pub use lepton_sf::{LeptonSf, SfInput};
pub use objects::{GoodObjects, ObjectPreselection, ObjectSelection};
pub use pileup::Pileup;
pub use resources::{
    ElectronIdSf, ElectronRecoSf, JetCalibrator, MuonIdSf, MuonIsoSf, PileupWeight,
};
pub use select::{BTagWp, Dilepton, ElectronCuts, JetCuts, MuonCuts, Window};
pub use skim::{EventFlags, GoldenJson, GoodPv, Hlt};

use crate::config::ParamError;
use crate::correction::CorrectionError;

/// Why a correction could not be configured or evaluated.
#[derive(Debug, thiserror::Error)]
pub enum CmsError {
    #[error(transparent)]
    Param(#[from] ParamError),
    #[error(transparent)]
    Correction(#[from] CorrectionError),
    #[error("parameter `{key}`: {message}")]
    Config { key: String, message: String },
}
