//! The jet calibration of a year and jet type from `jets_calibration` (see `defaults.yaml`),
//! parsed once per process.

use std::sync::Arc;

use super::{CmsError, cache::shared};
use crate::config::Params;
use crate::jetmet::{JetCalibConfig, JetCalibrator};

/// A jet calibrator and how its output is used.
#[derive(Debug, Clone)]
pub struct JetCalibration {
    pub calibrator: Arc<JetCalibrator>,
    /// Re-sort the jets by calibrated pt (`sort_by_pt`).
    pub sort_by_pt: bool,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Factory {
    files: Vec<String>,
    #[serde(default)]
    jes_sources: Vec<String>,
    #[serde(default)]
    seed: u64,
}

impl JetCalibration {
    /// The calibration of `jet_type` (e.g. `AK4PFchs`) in `year` for MC or data, or `None`
    /// when `jets_calibration.apply_jec_MC` / `apply_jec_Data` is false or absent.
    pub fn from_params(
        params: &Params,
        year: &str,
        jet_type: &str,
        is_mc: bool,
    ) -> Result<Option<JetCalibration>, CmsError> {
        let apply = if is_mc {
            "apply_jec_MC"
        } else {
            "apply_jec_Data"
        };
        let key = format!("jets_calibration.{apply}.{year}.{jet_type}");
        if !params.get_opt::<bool>(&key)?.unwrap_or(false) {
            return Ok(None);
        }
        let factory_key = format!("jets_calibration.jet_factory.{year}.{jet_type}");
        let factory: Factory = params.get(&factory_key)?;
        let sort_key = format!("jets_calibration.sort_by_pt.{year}.{jet_type}");
        let sort_by_pt = params.get_opt::<bool>(&sort_key)?.unwrap_or(false);
        let cache_key = format!(
            "{:?} {:?} {}",
            factory.files, factory.jes_sources, factory.seed
        );
        let calibrator = shared(cache_key, || {
            let mut config = JetCalibConfig::from_files(&factory.files)?;
            config.jes_sources = factory.jes_sources.clone();
            config.seed = factory.seed;
            JetCalibrator::new(&config)
        })
        .map_err(|e| CmsError::Config {
            key: factory_key.clone(),
            message: e.to_string(),
        })?;
        Ok(Some(JetCalibration {
            calibrator,
            sort_by_pt,
        }))
    }
}
