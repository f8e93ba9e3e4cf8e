//! Jet energy corrections and resolution smearing from the legacy JetMET text files, with the
//! semantics of coffea 0.7's `jetmet_tools` as PocketCoffea's `jet_calibration` uses them:
//!
//! 1. JEC on the raw jet (`pt_raw = (1 - rawFactor) pt`, mass likewise), levels factorized
//!    ([`jec`]), each formula variable clamped to its record's range;
//! 2. JER hybrid smearing of the JEC-corrected jet ([`resolution`], [`smearing`]);
//! 3. JES variations scale the smeared jet by `1 ± uncertainty(eta, pt_smeared)`
//!    ([`uncertainty`]); JER variations re-smear the JEC-corrected jet with the up/down
//!    scale factor.
//!
//! [`JetCalibrator`] ties them together, parsed once and shared by all threads. Jets are not
//! re-sorted after calibration (PocketCoffea does not either).

mod binning;
pub mod calibrator;
mod function;
pub mod jec;
pub mod resolution;
pub mod smearing;
pub mod text;
pub mod uncertainty;

use std::path::Path;

pub use calibrator::{CalibratedJets, EventJets, JetCalibConfig, JetCalibrator, JetVariation};

/// Errors reading JetMET files or calibrating jets; they name the file (and line) or input.
#[derive(Debug, thiserror::Error)]
pub enum JetMetError {
    #[error("{path}: {message}")]
    File { path: String, message: String },
    #[error("{path}:{line}: {message}")]
    Line {
        path: String,
        line: usize,
        message: String,
    },
    #[error("jet calibration: {0}")]
    Config(String),
    #[error("jet calibration input: {0}")]
    Input(String),
}

impl JetMetError {
    fn file(path: &Path, message: impl Into<String>) -> JetMetError {
        JetMetError::File {
            path: path.display().to_string(),
            message: message.into(),
        }
    }

    fn line(path: &Path, line: usize, message: String) -> JetMetError {
        JetMetError::Line {
            path: path.display().to_string(),
            line,
            message,
        }
    }
}

/// A jet property a JetMET table can be binned in or depend on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JetVar {
    /// `JetPt`: the pt at the current correction step.
    Pt,
    /// `JetEta`.
    Eta,
    /// `JetPhi`.
    Phi,
    /// `JetA`: the jet area.
    Area,
    /// `Rho`: the event's pileup energy density.
    Rho,
}

impl JetVar {
    fn parse(name: &str) -> Result<JetVar, String> {
        Ok(match name {
            "JetPt" => JetVar::Pt,
            "JetEta" => JetVar::Eta,
            "JetPhi" => JetVar::Phi,
            "JetA" => JetVar::Area,
            "Rho" => JetVar::Rho,
            _ => {
                return Err(format!(
                    "unsupported variable {name:?} (JetPt, JetEta, JetPhi, JetA, Rho are)"
                ));
            }
        })
    }
}

/// The values of the [`JetVar`]s for one jet.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct JetVars {
    pub pt: f64,
    pub eta: f64,
    pub phi: f64,
    pub area: f64,
    pub rho: f64,
}

impl JetVars {
    /// The value of one variable.
    pub fn get(&self, var: JetVar) -> f64 {
        match var {
            JetVar::Pt => self.pt,
            JetVar::Eta => self.eta,
            JetVar::Phi => self.phi,
            JetVar::Area => self.area,
            JetVar::Rho => self.rho,
        }
    }
}
