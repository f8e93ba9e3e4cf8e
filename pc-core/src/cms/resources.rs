//! The standard corrections as [`Resource`]s: built once per dataset from the parameters
//! (MC only, and only with `corrections: true`), taken by `#[processor]` functions as `&T`.
//! Without them a weight is 1 and jets stay as in NanoAOD.

use super::{CmsError, ElectronSf, JetCalibration, JetEvent, LeptonSf, Pileup};
use crate::jetmet::{JetMetError, JetVariation};
use crate::nano::{Electron, GenJet, Jet, Muon};
use crate::run::{BoxError, ChunkContext, Resource, UpDown};

/// Whether the dataset gets the standard corrections: MC and `corrections: true`.
fn corrected(ctx: &ChunkContext<'_>) -> Result<bool, BoxError> {
    Ok(ctx.dataset.is_mc && ctx.params.get::<bool>("corrections")?)
}

/// The pileup weight (`pileupJSONfiles.{year}`), with Up/Down.
pub struct PileupWeight(pub Option<Pileup>);

impl Resource for PileupWeight {
    fn setup(ctx: &ChunkContext<'_>) -> Result<Self, BoxError> {
        let year = &ctx.dataset.year;
        Ok(PileupWeight(match corrected(ctx)? {
            true => Some(Pileup::from_params(ctx.params, year)?),
            false => None,
        }))
    }
}

impl PileupWeight {
    /// The weight for the event's `Pileup_nTrueInt`.
    pub fn weight(&self, n_true_int: f32) -> Result<UpDown, CmsError> {
        match &self.0 {
            Some(p) => Ok(p.weight(n_true_int)?),
            None => Ok(UpDown::flat(1.0)),
        }
    }
}

macro_rules! muon_sf {
    ($name:ident, $key:literal, $doc:literal) => {
        #[doc = $doc]
        pub struct $name(pub Option<LeptonSf>);

        impl Resource for $name {
            fn setup(ctx: &ChunkContext<'_>) -> Result<Self, BoxError> {
                let year = &ctx.dataset.year;
                Ok($name(match corrected(ctx)? {
                    true => Some(LeptonSf::muon(ctx.params, year, $key)?),
                    false => None,
                }))
            }
        }

        impl $name {
            /// The product of the SFs of `muons` (the selected ones), with Up/Down.
            pub fn weight(&self, muons: &[Muon]) -> Result<UpDown, CmsError> {
                match &self.0 {
                    Some(sf) => Ok(sf.event_weight(muons.iter().map(|m| (m.pt, m.eta)))?),
                    None => Ok(UpDown::flat(1.0)),
                }
            }
        }
    };
}

muon_sf!(
    MuonIdSf,
    "id",
    "PocketCoffea's `sf_mu_id` (`lepton_scale_factors.muon_sf.{year}.id`)."
);
muon_sf!(
    MuonIsoSf,
    "iso",
    "PocketCoffea's `sf_mu_iso` (`lepton_scale_factors.muon_sf.{year}.iso`)."
);

macro_rules! electron_sf {
    ($name:ident, $build:ident, $doc:literal) => {
        #[doc = $doc]
        pub struct $name(pub Option<ElectronSf>);

        impl Resource for $name {
            fn setup(ctx: &ChunkContext<'_>) -> Result<Self, BoxError> {
                let year = &ctx.dataset.year;
                Ok($name(match corrected(ctx)? {
                    true => Some(ElectronSf::$build(ctx.params, year)?),
                    false => None,
                }))
            }
        }

        impl $name {
            /// The product of the SFs of `electrons` (the selected ones), with Up/Down,
            /// at their supercluster eta.
            pub fn weight(&self, electrons: &[Electron]) -> Result<UpDown, CmsError> {
                let Some(sf) = &self.0 else {
                    return Ok(UpDown::flat(1.0));
                };
                let at = electrons
                    .iter()
                    .map(|e| (e.pt, e.eta + e.delta_eta_sc, e.phi));
                Ok(sf.event_weight(at)?)
            }
        }
    };
}

electron_sf!(
    ElectronIdSf,
    id,
    "PocketCoffea's `sf_ele_id` (`lepton_scale_factors.electron_sf`, the working point of \
     `object_preselection.Electron.id`)."
);
electron_sf!(
    ElectronRecoSf,
    reco,
    "PocketCoffea's `sf_ele_reco` (`lepton_scale_factors.electron_sf`, per pt range)."
);

/// The AK4PFchs jet calibration of the year (`jets_calibration`): JEC and JER, re-sorted
/// by pt when the parameters say so.
pub struct JetCalibrator(pub Option<JetCalibration>);

impl Resource for JetCalibrator {
    fn setup(ctx: &ChunkContext<'_>) -> Result<Self, BoxError> {
        let (p, year) = (ctx.params, &ctx.dataset.year);
        Ok(JetCalibrator(match corrected(ctx)? {
            true => JetCalibration::from_params(p, year, "AK4PFchs", true)?,
            false => None,
        }))
    }
}

impl JetCalibrator {
    /// Calibrates `jets` in place (nominal), matching `gen_jets` for the JER.
    pub fn apply(
        &self,
        jets: &mut [Jet],
        gen_jets: &[GenJet],
        event: JetEvent,
    ) -> Result<(), JetMetError> {
        match &self.0 {
            Some(c) => c.apply(
                jets,
                gen_jets.iter().map(|g| g.pt),
                event,
                JetVariation::Nominal,
            ),
            None => Ok(()),
        }
    }
}
