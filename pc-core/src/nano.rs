//! The standard NanoAOD collections, as `#[processor]` functions take them (`&[Muon]`):
//! the fields PocketCoffea's object selections, weights and calibrators read.
//!
//! Identification branches are read only when the parameters choose them
//! (`object_preselection.Muon.id: tightId` reads `Muon_tightId`, not the other IDs; without
//! that key every ID is read). The jet calibration's inputs are read only with
//! `corrections: true` (the default). Fields marked skippable (`#[when("not in
//! skip_branches")]`) are left unread, and 0, when the parameter `skip_branches` lists their
//! branch: an analysis that does not need `Electron_charge` saves reading it. An analysis
//! that needs other fields derives its own collection (`#[derive(Collection)]`).

use crate::run::Collection;

/// A muon (`Muon_*`, counted by `nMuon`).
#[derive(Collection, Clone, Copy, Debug, Default, PartialEq)]
#[collection(prefix = "Muon")]
pub struct Muon {
    pub pt: f32,
    pub eta: f32,
    pub phi: f32,
    pub mass: f32,
    pub charge: i32,
    #[branch("pfRelIso04_all")]
    pub pf_rel_iso04_all: f32,
    #[branch("tightId")]
    #[when("object_preselection.Muon.id == tightId")]
    pub tight_id: bool,
    #[branch("mediumId")]
    #[when("object_preselection.Muon.id == mediumId")]
    pub medium_id: bool,
    #[branch("looseId")]
    #[when("object_preselection.Muon.id == looseId")]
    pub loose_id: bool,
}

/// An electron (`Electron_*`, counted by `nElectron`).
#[derive(Collection, Clone, Copy, Debug, Default, PartialEq)]
#[collection(prefix = "Electron")]
pub struct Electron {
    pub pt: f32,
    pub eta: f32,
    pub phi: f32,
    #[when("not in skip_branches")]
    pub mass: f32,
    #[when("not in skip_branches")]
    pub charge: i32,
    /// Supercluster eta minus eta.
    #[branch("deltaEtaSC")]
    pub delta_eta_sc: f32,
    #[branch("pfRelIso03_all")]
    pub pf_rel_iso03_all: f32,
    #[branch("mvaFall17V2Iso_WP80")]
    #[when("object_preselection.Electron.id == mvaFall17V2Iso_WP80")]
    pub mva_fall17_v2_iso_wp80: bool,
    #[branch("mvaFall17V2Iso_WP90")]
    #[when("object_preselection.Electron.id == mvaFall17V2Iso_WP90")]
    pub mva_fall17_v2_iso_wp90: bool,
}

impl Electron {
    /// `|eta + deltaEtaSC|`, the supercluster pseudorapidity.
    pub fn abs_eta_sc(&self) -> f64 {
        (f64::from(self.eta) + f64::from(self.delta_eta_sc)).abs()
    }
}

/// An AK4 jet (`Jet_*`, counted by `nJet`).
#[derive(Collection, Clone, Copy, Debug, Default, PartialEq)]
#[collection(prefix = "Jet")]
pub struct Jet {
    pub pt: f32,
    pub eta: f32,
    pub phi: f32,
    #[when("not in skip_branches")]
    pub mass: f32,
    #[branch("jetId")]
    pub jet_id: i32,
    #[branch("puId")]
    pub pu_id: i32,
    #[branch("btagDeepFlavB")]
    pub btag_deep_flav_b: f32,
    // The jet calibration's inputs.
    #[when("corrections")]
    #[branch("rawFactor")]
    pub raw_factor: f32,
    #[when("corrections")]
    pub area: f32,
    #[mc]
    #[when("corrections")]
    #[branch("genJetIdx")]
    pub gen_jet_idx: i32,
}

impl crate::cms::CalibJet for Jet {
    fn inputs(&self) -> [f32; 6] {
        let j = self;
        [j.pt, j.eta, j.phi, j.mass, j.raw_factor, j.area]
    }
    fn gen_jet_idx(&self) -> i32 {
        self.gen_jet_idx
    }
    fn set_pt_mass(&mut self, pt: f32, mass: f32) {
        self.pt = pt;
        self.mass = mass;
    }
}

/// A generator-level AK4 jet (`GenJet_*`, MC), for the JER smearing.
#[derive(Collection, Clone, Copy, Debug, Default, PartialEq)]
#[collection(prefix = "GenJet")]
pub struct GenJet {
    #[mc]
    #[when("corrections")]
    pub pt: f32,
}

/// Every standard collection's branches, for schema checks.
pub fn branches() -> impl Iterator<Item = &'static crate::run::BranchReq> {
    [
        Muon::BRANCHES,
        Electron::BRANCHES,
        Jet::BRANCHES,
        GenJet::BRANCHES,
    ]
    .into_iter()
    .flatten()
}
