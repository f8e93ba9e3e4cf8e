//! Object selection as PocketCoffea 0.9.13's `lepton_selection`, `jet_selection`,
//! `btagging` and `get_dilepton` (`lib/leptons.py`, `lib/jets.py`), configured by its
//! `object_preselection` layout.

use serde::Deserialize;

use super::kinematics::{Direction, LorentzVector, Momentum};
use crate::config::{ParamError, Params};
use crate::nano::{Electron, Jet, Muon};

/// `object_preselection.Muon` / `.Electron`: `pt > pt`, `|eta| < eta`, isolation below
/// `iso` (`pfRelIso04_all` for muons, `pfRelIso03_all` for electrons; no cut without it),
/// and the identification `id`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeptonCuts<Id> {
    pub pt: f32,
    pub eta: f32,
    #[serde(default)]
    pub iso: Option<f32>,
    pub id: Id,
}

/// The muon identifications PocketCoffea's `id` may name (NanoAOD booleans).
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
pub enum MuonId {
    #[serde(rename = "tightId")]
    Tight,
    #[serde(rename = "mediumId")]
    Medium,
    #[serde(rename = "looseId")]
    Loose,
}

/// The electron identifications `id` may name (NanoAOD booleans).
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
pub enum ElectronId {
    #[serde(rename = "mvaFall17V2Iso_WP80")]
    MvaFall17V2IsoWp80,
    #[serde(rename = "mvaFall17V2Iso_WP90")]
    MvaFall17V2IsoWp90,
}

pub type MuonCuts = LeptonCuts<MuonId>;
pub type ElectronCuts = LeptonCuts<ElectronId>;

/// The ECAL barrel-endcap gap in supercluster |eta|, excluded for electrons.
pub const ECAL_GAP: std::ops::RangeInclusive<f64> = 1.4442..=1.5660;

impl MuonCuts {
    pub fn passes(&self, m: &Muon) -> bool {
        let id = match self.id {
            MuonId::Tight => m.tight_id,
            MuonId::Medium => m.medium_id,
            MuonId::Loose => m.loose_id,
        };
        m.pt > self.pt
            && m.eta.abs() < self.eta
            && self.iso.is_none_or(|iso| m.pf_rel_iso04_all < iso)
            && id
    }

    /// The good muons, in their order.
    pub fn select(&self, muons: &[Muon]) -> Vec<Muon> {
        muons.iter().filter(|m| self.passes(m)).copied().collect()
    }
}

impl ElectronCuts {
    pub fn passes(&self, e: &Electron) -> bool {
        let id = match self.id {
            ElectronId::MvaFall17V2IsoWp80 => e.mva_fall17_v2_iso_wp80,
            ElectronId::MvaFall17V2IsoWp90 => e.mva_fall17_v2_iso_wp90,
        };
        e.pt > self.pt
            && e.eta.abs() < self.eta
            && !ECAL_GAP.contains(&e.abs_eta_sc())
            && self.iso.is_none_or(|iso| e.pf_rel_iso03_all < iso)
            && id
    }

    /// The good electrons, in their order.
    pub fn select(&self, electrons: &[Electron]) -> Vec<Electron> {
        electrons
            .iter()
            .filter(|e| self.passes(e))
            .copied()
            .collect()
    }
}

/// `object_preselection.Jet`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JetCuts {
    /// Minimum delta R to every good lepton.
    pub dr_lepton: f64,
    pub pt: f32,
    pub eta: f32,
    #[serde(rename = "jetId")]
    pub jet_id: i32,
    #[serde(rename = "puId")]
    pub pu_id: PileupIdCut,
    pub btag: WorkingPoint,
}

/// The pileup ID: a jet passes if `puId >= value` or `pt >= maxpt` (Run 2, NanoAOD <= v9).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PileupIdCut {
    pub wp: String,
    pub value: i32,
    pub maxpt: f32,
}

/// A working point by name (`L`, `M`, `T`, ...).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkingPoint {
    pub wp: String,
}

impl JetCuts {
    /// pt, eta, jet ID and pileup ID (without the lepton cleaning).
    pub fn passes(&self, j: &Jet) -> bool {
        j.pt > self.pt
            && j.eta.abs() < self.eta
            && j.jet_id >= self.jet_id
            && (j.pu_id >= self.pu_id.value || j.pt >= self.pu_id.maxpt)
    }

    /// The good jets: [`JetCuts::passes`] and farther than `dr_lepton` from every lepton
    /// of `a` and `b` (e.g. the good muons and electrons).
    pub fn select<A: Direction, B: Direction>(&self, jets: &[Jet], a: &[A], b: &[B]) -> Vec<Jet> {
        let far = |j: &Jet| {
            a.iter().all(|l| j.delta_r(l) > self.dr_lepton)
                && b.iter().all(|l| j.delta_r(l) > self.dr_lepton)
        };
        jets.iter()
            .filter(|j| self.passes(j) && far(j))
            .copied()
            .collect()
    }
}

/// An open interval `(low, high)` of parameters, e.g. a mass window.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Window {
    pub low: f64,
    pub high: f64,
}

impl Window {
    /// `low < x < high`.
    pub fn contains(&self, x: f64) -> bool {
        self.low < x && x < self.high
    }
}

/// The b-tag discriminant threshold of a working point in a year
/// (`btagging.working_point.{year}.btagging_WP.{wp}`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BTagWp(pub f32);

impl BTagWp {
    pub fn from_params(params: &Params, year: &str, wp: &str) -> Result<BTagWp, ParamError> {
        params
            .get(&format!("btagging.working_point.{year}.btagging_WP.{wp}"))
            .map(BTagWp)
    }

    /// Whether a jet is b-tagged (`btagDeepFlavB > wp`).
    pub fn tags(&self, jet: &Jet) -> bool {
        jet.btag_deep_flav_b > self.0
    }

    /// The number of b-tagged jets.
    pub fn count(&self, jets: &[Jet]) -> usize {
        jets.iter().filter(|j| self.tags(j)).count()
    }

    /// The b-tagged jets, in their order (`BJetGood`).
    pub fn select(&self, jets: &[Jet]) -> Vec<Jet> {
        jets.iter().filter(|j| self.tags(j)).copied().collect()
    }
}

/// Two leptons' system, as PocketCoffea's `get_dilepton`: the first two muons then the
/// first two electrons; defined only if there are exactly two of them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dilepton {
    pub pt: f64,
    pub eta: f64,
    pub phi: f64,
    pub mass: f64,
    pub charge: i32,
    pub delta_r: f64,
    pub delta_phi: f64,
    pub delta_eta: f64,
}

impl Dilepton {
    pub fn of(electrons: &[Electron], muons: &[Muon]) -> Option<Dilepton> {
        let (mu, el) = (
            &muons[..muons.len().min(2)],
            &electrons[..electrons.len().min(2)],
        );
        let leptons: Vec<(LorentzVector, i32, f32, f32)> = mu
            .iter()
            .map(|m| (m.p4(), m.charge, m.eta, m.phi))
            .chain(el.iter().map(|e| (e.p4(), e.charge, e.eta, e.phi)))
            .collect();
        let [(a, qa, eta_a, phi_a), (b, qb, eta_b, phi_b)] = leptons[..] else {
            return None;
        };
        let ll = a + b;
        Some(Dilepton {
            pt: ll.pt(),
            eta: ll.eta(),
            phi: ll.phi(),
            mass: ll.mass(),
            charge: qa + qb,
            delta_r: super::kinematics::delta_r(eta_a, phi_a, eta_b, phi_b),
            delta_phi: super::kinematics::delta_phi(phi_a, phi_b).abs(),
            delta_eta: f64::from(eta_a - eta_b).abs(),
        })
    }
}
