//! Lepton scale factors: per-lepton SFs from a correctionlib file, multiplied per event,
//! as PocketCoffea's `sf_mu_id`, `sf_mu_iso`, ...
//!
//! PocketCoffea evaluates `(|eta|, pt, "nominal" | "systup" | "systdown")`. Older files,
//! such as the 2018 UL `muon_Z.json.gz`, take a first input `year` (`"2018_UL"`) and name
//! the nominal `"sf"`; the parameters say how a file is evaluated, so both work unedited:
//!
//! ```yaml
//! lepton_scale_factors:
//!   muon_sf:
//!     JSONfiles: {"2018": {file: .../muon_Z.json.gz}}
//!     sf_name: {"2018": {id: NUM_TightID_DEN_TrackerMuons, iso: ...}}
//!     evaluate:
//!       "2018":
//!         inputs: [year, abs_eta, pt, valtype]
//!         year: "2018_UL"
//!         valtypes: {nominal: sf, up: systup, down: systdown}
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;

use super::{CmsError, correction_set};
use crate::config::Params;
use crate::correction::{Correction, CorrectionError, Value};
use crate::run::UpDown;

/// One input of a scale-factor correction, in the correction's input order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SfInput {
    /// The constant `evaluate.{year}.year` (older files).
    Year,
    Eta,
    AbsEta,
    Pt,
    /// `nominal`, `up` or `down`, named as in `evaluate.{year}.valtypes`.
    Valtype,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Evaluate {
    inputs: Vec<SfInput>,
    #[serde(default)]
    year: Option<String>,
    valtypes: BTreeMap<String, String>,
}

/// A per-lepton scale factor with its Up/Down variations.
#[derive(Debug, Clone)]
pub struct LeptonSf {
    correction: Arc<Correction>,
    inputs: Vec<SfInput>,
    year: String,
    /// ValType keys for nominal, up, down.
    valtypes: [String; 3],
}

impl LeptonSf {
    /// The muon SF `key` (`id`, `iso`, ...) of `year`, from `lepton_scale_factors.muon_sf`.
    pub fn muon(params: &Params, year: &str, key: &str) -> Result<LeptonSf, CmsError> {
        Self::from_params(params, "lepton_scale_factors.muon_sf", year, key)
    }

    /// The SF `key` of `year` under `base` (`JSONfiles`, `sf_name`, optional `evaluate`;
    /// without `evaluate`, PocketCoffea's `(|eta|, pt, valtype)` with
    /// `nominal`/`systup`/`systdown`).
    pub fn from_params(
        params: &Params,
        base: &str,
        year: &str,
        key: &str,
    ) -> Result<LeptonSf, CmsError> {
        let file: String = params.get(&format!("{base}.JSONfiles.{year}.file"))?;
        let name: String = params.get(&format!("{base}.sf_name.{year}.{key}"))?;
        let eval_key = format!("{base}.evaluate.{year}");
        let eval: Evaluate = params.get_opt(&eval_key)?.unwrap_or_else(|| Evaluate {
            inputs: vec![SfInput::AbsEta, SfInput::Pt, SfInput::Valtype],
            year: None,
            valtypes: [
                ("nominal", "nominal"),
                ("up", "systup"),
                ("down", "systdown"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        });
        let config = |message: String| CmsError::Config {
            key: eval_key.clone(),
            message,
        };
        let valtype = |which: &str| {
            eval.valtypes.get(which).cloned().ok_or_else(|| {
                config(format!(
                    "`valtypes` has no `{which}` (needs nominal, up and down)"
                ))
            })
        };
        let valtypes = [valtype("nominal")?, valtype("up")?, valtype("down")?];
        if eval.inputs.contains(&SfInput::Year) && eval.year.is_none() {
            return Err(config("the inputs use `year` but `year` is not set".into()));
        }
        let correction = correction_set(&file)?.get_arc(&name)?;
        if correction.inputs().len() != eval.inputs.len() {
            return Err(config(format!(
                "`{name}` in {file} takes {} inputs ({}), `inputs` lists {}",
                correction.inputs().len(),
                correction
                    .inputs()
                    .iter()
                    .map(|v| v.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                eval.inputs.len()
            )));
        }
        Ok(LeptonSf {
            correction,
            inputs: eval.inputs,
            year: eval.year.unwrap_or_default(),
            valtypes,
        })
    }

    /// The SF of one lepton: `[nominal, up, down]`.
    pub fn lepton(&self, pt: f32, eta: f32) -> Result<[f64; 3], CorrectionError> {
        let mut out = [0.0; 3];
        for (o, valtype) in out.iter_mut().zip(&self.valtypes) {
            let mut values = [Value::Real(0.0); 4];
            for (v, input) in values.iter_mut().zip(&self.inputs) {
                *v = match input {
                    SfInput::Year => Value::Str(&self.year),
                    SfInput::Eta => Value::Real(f64::from(eta)),
                    SfInput::AbsEta => Value::Real(f64::from(eta).abs()),
                    SfInput::Pt => Value::Real(f64::from(pt)),
                    SfInput::Valtype => Value::Str(valtype),
                };
            }
            *o = self.correction.evaluate(&values[..self.inputs.len()])?;
        }
        Ok(out)
    }

    /// The event weight: the product over `leptons` (`(pt, eta)`) of their SFs.
    pub fn event_weight(
        &self,
        leptons: impl IntoIterator<Item = (f32, f32)>,
    ) -> Result<UpDown, CorrectionError> {
        let mut w = UpDown::flat(1.0);
        for (pt, eta) in leptons {
            let [n, u, d] = self.lepton(pt, eta)?;
            w.nominal *= n;
            w.up *= u;
            w.down *= d;
        }
        Ok(w)
    }
}
