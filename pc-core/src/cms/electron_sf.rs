//! Electron reconstruction and identification scale factors from the EGM correctionlib
//! files, as PocketCoffea's `sf_ele_reco` and `sf_ele_id`: evaluated per electron at
//! `(era, sf | sfup | sfdown, working point, supercluster eta, pt[, phi])` and multiplied
//! per event. The parameters have PocketCoffea's layout:
//!
//! ```yaml
//! lepton_scale_factors:
//!   electron_sf:
//!     id: {mvaFall17V2Iso_WP80: wp80iso, ...}   # NanoAOD ID -> EGM working point
//!     era_mapping: {"2018": {id: "2018", reco: "2018"}}
//!     JSONfiles:
//!       "2018":
//!         files: {id: .../electron.json.gz, reco: .../electron.json.gz}
//!         name: UL-Electron-ID-SF
//!         reco: {pt_lt_20: RecoBelow20, pt_gt_20: RecoAbove20}
//! ```

use std::sync::Arc;

use super::{CmsError, correction_set};
use crate::config::Params;
use crate::correction::{Correction, CorrectionError, Value};
use crate::run::UpDown;

const BASE: &str = "lepton_scale_factors.electron_sf";

/// An electron SF: the working point per pt range (one for the ID, two or three for the
/// reconstruction), with Up/Down.
#[derive(Debug, Clone)]
pub struct ElectronSf {
    correction: Arc<Correction>,
    era: String,
    /// `(pt from, pt to, working point)`, ranges in increasing pt.
    ranges: Vec<(f32, f32, String)>,
    /// 2023 files take the electron phi as a sixth input.
    with_phi: bool,
}

impl ElectronSf {
    /// `sf_ele_id`: the working point of `object_preselection.Electron.id` (a string, or one
    /// per year) as `electron_sf.id` maps it.
    pub fn id(params: &Params, year: &str) -> Result<ElectronSf, CmsError> {
        let key = "object_preselection.Electron.id";
        let id: String = match params.get::<String>(key) {
            Ok(id) => id,
            Err(_) => params.get(&format!("{key}.{year}"))?,
        };
        let wp: String = params.get(&format!("{BASE}.id.{id}"))?;
        Self::build(params, year, "id", vec![(0.0, f32::INFINITY, wp)])
    }

    /// `sf_ele_reco`: the working point of each pt range of `JSONfiles.{year}.reco`
    /// (`pt_lt_20`, `pt_gt_20`, `pt_gt_20_lt_75`, `pt_gt_75`).
    pub fn reco(params: &Params, year: &str) -> Result<ElectronSf, CmsError> {
        let key = format!("{BASE}.JSONfiles.{year}.reco");
        let mut ranges = Vec::new();
        for region in params.keys(&key)? {
            let (from, to) = pt_range(region).ok_or_else(|| CmsError::Config {
                key: key.clone(),
                message: format!(
                    "`{region}` is not a pt range (pt_lt_20, pt_gt_20, pt_gt_20_lt_75, ...)"
                ),
            })?;
            ranges.push((from, to, params.get(&format!("{key}.{region}"))?));
        }
        ranges.sort_by(|a, b| a.0.total_cmp(&b.0));
        if let Some(w) = ranges.windows(2).find(|w| w[0].1 != w[1].0) {
            return Err(CmsError::Config {
                key,
                message: format!(
                    "the pt ranges leave a gap or overlap at {} and {} GeV",
                    w[0].1, w[1].0
                ),
            });
        }
        Self::build(params, year, "reco", ranges)
    }

    fn build(
        params: &Params,
        year: &str,
        kind: &str,
        ranges: Vec<(f32, f32, String)>,
    ) -> Result<ElectronSf, CmsError> {
        let files = format!("{BASE}.JSONfiles.{year}");
        let file: String = params.get(&format!("{files}.files.{kind}"))?;
        let name: String = params.get(&format!("{files}.name"))?;
        let era: String = params.get(&format!("{BASE}.era_mapping.{year}.{kind}"))?;
        let correction = correction_set(&file)?.get_arc(&name)?;
        let with_phi = match correction.inputs().len() {
            5 => false,
            6 => true,
            n => {
                return Err(CmsError::Config {
                    key: format!("{files}.name"),
                    message: format!(
                        "`{name}` in {file} takes {n} inputs, an EGM electron SF takes 5 \
                         (era, ValType, WorkingPoint, eta, pt) or 6 (and phi)"
                    ),
                });
            }
        };
        Ok(ElectronSf {
            correction,
            era,
            ranges,
            with_phi,
        })
    }

    /// The SF of one electron: `[nominal, up, down]` (1 outside every pt range).
    pub fn electron(&self, pt: f32, eta_sc: f32, phi: f32) -> Result<[f64; 3], CorrectionError> {
        let Some((_, _, wp)) = self.ranges.iter().find(|(a, b, _)| pt >= *a && pt < *b) else {
            return Ok([1.0; 3]);
        };
        let mut out = [0.0; 3];
        for (o, valtype) in out.iter_mut().zip(["sf", "sfup", "sfdown"]) {
            let inputs = [
                Value::Str(&self.era),
                Value::Str(valtype),
                Value::Str(wp),
                Value::Real(f64::from(eta_sc)),
                Value::Real(f64::from(pt)),
                Value::Real(f64::from(phi)),
            ];
            *o = self
                .correction
                .evaluate(&inputs[..if self.with_phi { 6 } else { 5 }])?;
        }
        Ok(out)
    }

    /// The event weight: the product over `electrons` (`(pt, supercluster eta, phi)`).
    pub fn event_weight(
        &self,
        electrons: impl IntoIterator<Item = (f32, f32, f32)>,
    ) -> Result<UpDown, CorrectionError> {
        let mut w = UpDown::flat(1.0);
        for (pt, eta_sc, phi) in electrons {
            let [n, u, d] = self.electron(pt, eta_sc, phi)?;
            w.nominal *= n;
            w.up *= u;
            w.down *= d;
        }
        Ok(w)
    }
}

/// `pt_lt_20` -> [0, 20), `pt_gt_20` -> [20, inf), `pt_gt_20_lt_75` -> [20, 75).
fn pt_range(region: &str) -> Option<(f32, f32)> {
    let rest = region.strip_prefix("pt_")?;
    let num = |s: &str| s.parse::<f32>().ok();
    if let Some(hi) = rest.strip_prefix("lt_") {
        return Some((0.0, num(hi)?));
    }
    let rest = rest.strip_prefix("gt_")?;
    match rest.split_once("_lt_") {
        Some((lo, hi)) => Some((num(lo)?, num(hi)?)),
        None => Some((num(rest)?, f32::INFINITY)),
    }
}

#[cfg(test)]
mod tests {
    use super::pt_range;

    #[test]
    fn pt_ranges_from_region_names() {
        assert_eq!(pt_range("pt_lt_20"), Some((0.0, 20.0)));
        assert_eq!(pt_range("pt_gt_20"), Some((20.0, f32::INFINITY)));
        assert_eq!(pt_range("pt_gt_20_lt_75"), Some((20.0, 75.0)));
        assert_eq!(pt_range("pt_gt_75"), Some((75.0, f32::INFINITY)));
        assert_eq!(pt_range("barrel"), None);
        assert_eq!(pt_range("pt_lt_x"), None);
    }
}
