//! PocketCoffea's standard object preselection (`apply_object_preselection` and
//! `count_objects` of its base workflow) as one resource: the `object_preselection` cuts
//! for muons, electrons and jets and the year's b-tag threshold, read once per dataset,
//! then applied per event to give [`GoodObjects`].

use serde::Deserialize;

use super::select::{BTagWp, Dilepton, ElectronCuts, JetCuts, MuonCuts};
use crate::nano::{Electron, Jet, Muon};
use crate::run::{BoxError, ChunkContext, Resource};

/// The parameter section `object_preselection` (PocketCoffea's layout); a collection the
/// library does not select is an error naming the key.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct ObjectPreselection {
    pub muon: MuonCuts,
    pub electron: ElectronCuts,
    pub jet: JetCuts,
}

/// The object preselection of a dataset: its cuts and the b-tag threshold of
/// `object_preselection.Jet.btag.wp` in the dataset's year.
#[derive(Clone, Debug)]
pub struct ObjectSelection {
    pub cuts: ObjectPreselection,
    pub btag: BTagWp,
}

/// An event's selected objects, as PocketCoffea names them: `MuonGood`, `ElectronGood`,
/// `JetGood` (cleaned against both), `BJetGood` and the dilepton `ll`.
#[derive(Clone, Debug, Default)]
pub struct GoodObjects {
    pub muons: Vec<Muon>,
    pub electrons: Vec<Electron>,
    pub jets: Vec<Jet>,
    pub bjets: Vec<Jet>,
    /// `get_dilepton` of the good electrons and muons (exactly two leptons).
    pub ll: Option<Dilepton>,
}

impl Resource for ObjectSelection {
    fn setup(ctx: &ChunkContext<'_>) -> Result<Self, BoxError> {
        let cuts: ObjectPreselection = ctx.params.get("object_preselection")?;
        let btag = BTagWp::from_params(ctx.params, &ctx.dataset.year, &cuts.jet.btag.wp)?;
        Ok(ObjectSelection { cuts, btag })
    }
}

impl ObjectSelection {
    /// Good muons and electrons; jets passing the jet cuts and farther than `dr_lepton`
    /// from every good lepton; b jets among them; the dilepton.
    pub fn select(&self, muons: &[Muon], electrons: &[Electron], jets: &[Jet]) -> GoodObjects {
        let muons = self.cuts.muon.select(muons);
        let electrons = self.cuts.electron.select(electrons);
        let jets = self.cuts.jet.select(jets, &muons, &electrons);
        let bjets = self.btag.select(&jets);
        GoodObjects {
            ll: Dilepton::of(&electrons, &muons),
            muons,
            electrons,
            jets,
            bjets,
        }
    }
}

impl GoodObjects {
    /// `LeptonGood`'s leading pt (muons and electrons), if there is a good lepton.
    pub fn leading_lepton_pt(&self) -> Option<f32> {
        let mu = self.muons.iter().map(|m| m.pt);
        mu.chain(self.electrons.iter().map(|e| e.pt))
            .reduce(f32::max)
    }
}
