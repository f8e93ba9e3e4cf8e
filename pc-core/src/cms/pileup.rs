//! The pileup weight: `pileupJSONfiles.{year}` (`file`, `name`) evaluated on
//! `Pileup_nTrueInt` with `nominal`, `up` and `down`, as PocketCoffea's `pileup`.

use std::sync::Arc;

use super::{CmsError, correction_set};
use crate::config::Params;
use crate::correction::{Correction, CorrectionError, Value};
use crate::run::UpDown;

/// The pileup reweighting of one year.
#[derive(Debug, Clone)]
pub struct Pileup {
    correction: Arc<Correction>,
}

impl Pileup {
    /// The correction named by `pileupJSONfiles.{year}`.
    pub fn from_params(params: &Params, year: &str) -> Result<Pileup, CmsError> {
        let file: String = params.get(&format!("pileupJSONfiles.{year}.file"))?;
        let name: String = params.get(&format!("pileupJSONfiles.{year}.name"))?;
        Ok(Pileup {
            correction: correction_set(file)?.get_arc(&name)?,
        })
    }

    /// Weight and variations for `n_true_int` (`Pileup_nTrueInt`).
    pub fn weight(&self, n_true_int: f32) -> Result<UpDown, CorrectionError> {
        let n = Value::Real(f64::from(n_true_int));
        let eval = |v| self.correction.evaluate(&[n, Value::Str(v)]);
        Ok(UpDown {
            nominal: eval("nominal")?,
            up: eval("up")?,
            down: eval("down")?,
        })
    }
}
