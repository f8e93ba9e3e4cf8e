//! The Z->mumu analysis written with `#[processor]`; `validation/zmumu_reference.py` is its
//! independent Python definition, compared bin by bin in the tests and in CI.

use pc_core::prelude::*;

#[processor(name = "zmumu", tree = "Events", schema = "nanoaod_v7")]
pub mod zmumu {
    use super::*;
    use crate::Window;
    use pc_core::cms::{BTagWp, CmsError, Dilepton, ElectronCuts, JetCuts, MuonCuts};
    use pc_core::cms::{EventFlags, GoldenJson, GoodPv, Hlt};
    use pc_core::cms::{JetCalibrator, JetEvent, MuonIdSf, MuonIsoSf, PileupWeight};
    use pc_core::jetmet::JetMetError;
    use pc_core::nano::{Electron, GenJet, Jet, Muon};
    use std::f64::consts::PI;

    /// Event-level branches: the weights' and the jet calibration's inputs.
    #[event]
    #[derive(Clone, Copy, Debug)]
    pub struct Event {
        #[when("corrections")]
        pub run: u32,
        #[when("corrections")]
        #[branch("luminosityBlock")]
        pub lumi: u32,
        #[when("corrections")]
        pub event: u64,
        #[when("corrections")]
        #[branch("fixedGridRhoFastjetAll")]
        pub rho: f32,
        #[mc]
        #[when("corrections")]
        #[branch("Pileup_nTrueInt")]
        pub n_true_int: f32,
        #[mc]
        #[branch("genWeight")]
        pub gen_weight: f32,
    }

    /// The object cuts (PocketCoffea's `object_preselection`), read once per dataset.
    #[config("object_preselection")]
    #[derive(Clone, Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "PascalCase")]
    pub struct ObjectPreselection {
        pub muon: MuonCuts,
        pub electron: ElectronCuts,
        pub jet: JetCuts,
    }

    #[config("skim")]
    #[derive(Clone, Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Skim {
        pub muon_pt_min: f32,
    }

    #[config("preselection")]
    #[derive(Clone, Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Preselection {
        pub pt_leading_muon: f32,
        pub mll: Window,
    }

    /// The b-tag threshold of `object_preselection.Jet.btag.wp` in the dataset's year.
    #[setup]
    pub fn btag(sel: &ObjectPreselection, ctx: &Ctx<'_>) -> Result<BTagWp, ParamError> {
        BTagWp::from_params(ctx.params, &ctx.dataset.year, &sel.jet.btag.wp)
    }

    skim![GoodPv<1>, EventFlags, GoldenJson, Hlt];

    #[skim]
    pub fn one_muon(muons: &[Muon], skim: &Skim) -> bool {
        muons.iter().any(|m| m.pt >= skim.muon_pt_min)
    }

    /// JEC and JER on the jets (MC), then re-sorted by pt, as PocketCoffea's
    /// `jet_calibration`.
    #[calibrate]
    pub fn jet_calibration(
        jets: &mut [Jet],
        gen_jets: &[GenJet],
        ev: &Event,
        calib: &JetCalibrator,
    ) -> Result<(), JetMetError> {
        let (rho, run, lumi, event) = (ev.rho, ev.run, ev.lumi, ev.event);
        calib.apply(
            jets,
            gen_jets,
            JetEvent {
                rho,
                run,
                lumi,
                event,
            },
        )
    }

    /// The selected objects of an event.
    pub struct Objects {
        pub muons: Vec<Muon>,
        pub electrons: Vec<Electron>,
        pub jets: Vec<Jet>,
        pub n_bjets: usize,
        pub ll: Option<Dilepton>,
    }

    #[produce]
    pub fn objects(
        muons: &[Muon],
        electrons: &[Electron],
        jets: &[Jet],
        sel: &ObjectPreselection,
        btag: &BTagWp,
    ) -> Objects {
        let muons = sel.muon.select(muons);
        let electrons = sel.electron.select(electrons);
        let jets = sel.jet.select(jets, &muons, &electrons);
        Objects {
            n_bjets: btag.count(&jets),
            ll: Dilepton::of(&electrons, &muons),
            muons,
            electrons,
            jets,
        }
    }

    /// Exactly two good muons of opposite charge and no good electron, m_ll in range.
    #[preselect]
    pub fn dimuon(o: &Objects, cut: &Preselection) -> bool {
        match (&o.muons[..], o.electrons.is_empty(), o.ll) {
            ([a, _], true, Some(ll)) => {
                a.pt > cut.pt_leading_muon
                    && ll.charge == 0
                    && ll.mass > cut.mll.low
                    && ll.mass < cut.mll.high
            }
            _ => false,
        }
    }

    #[cut]
    pub fn passthrough() -> bool {
        true
    }

    categories! {
        baseline = [passthrough];
    }

    #[weight]
    pub fn gen_weight(ev: &Event) -> f64 {
        f64::from(ev.gen_weight)
    }

    #[weight]
    pub fn lumi_xsec(ctx: &Ctx<'_>) -> f64 {
        ctx.lumi_pb * ctx.dataset.xsec.unwrap_or(1.0)
    }

    #[weight]
    pub fn pileup(ev: &Event, pu: &PileupWeight) -> Result<UpDown, CmsError> {
        pu.weight(ev.n_true_int)
    }

    #[weight]
    pub fn sf_mu_id(o: &Objects, sf: &MuonIdSf) -> Result<UpDown, CmsError> {
        sf.weight(&o.muons)
    }

    #[weight]
    pub fn sf_mu_iso(o: &Objects, sf: &MuonIsoSf) -> Result<UpDown, CmsError> {
        sf.weight(&o.muons)
    }

    histogram! {
        MuonGood_eta_1: Regular(50, -2.5, 2.5, "MuonGood.eta") = |o: &Objects| o.muons.first().map(|m| f64::from(m.eta));
        MuonGood_pt_1: Regular(50, 0.0, 150.0, "MuonGood.pt") = |o: &Objects| o.muons.first().map(|m| f64::from(m.pt));
        MuonGood_phi_1: Regular(64, -PI, PI, "MuonGood.phi") = |o: &Objects| o.muons.first().map(|m| f64::from(m.phi));
        nElectronGood: Regular(3, 0.0, 3.0, "events.nElectronGood") = |o: &Objects| Some(o.electrons.len() as f64);
        nMuonGood: Regular(3, 0.0, 3.0, "events.nMuonGood") = |o: &Objects| Some(o.muons.len() as f64);
        nJets: Regular(8, 0.0, 8.0, "events.nJetGood") = |o: &Objects| Some(o.jets.len() as f64);
        nBJets: Regular(8, 0.0, 8.0, "events.nBJetGood") = |o: &Objects| Some(o.n_bjets as f64);
        JetGood_eta_1: Regular(50, -2.5, 2.5, "JetGood.eta") = |o: &Objects| o.jets.first().map(|j| f64::from(j.eta));
        JetGood_eta_2: Regular(50, -2.5, 2.5, "JetGood.eta") = |o: &Objects| o.jets.get(1).map(|j| f64::from(j.eta));
        JetGood_pt_1: Regular(50, 0.0, 300.0, "JetGood.pt") = |o: &Objects| o.jets.first().map(|j| f64::from(j.pt));
        JetGood_pt_2: Regular(50, 0.0, 300.0, "JetGood.pt") = |o: &Objects| o.jets.get(1).map(|j| f64::from(j.pt));
        JetGood_phi_1: Regular(64, -PI, PI, "JetGood.phi") = |o: &Objects| o.jets.first().map(|j| f64::from(j.phi));
        JetGood_phi_2: Regular(64, -PI, PI, "JetGood.phi") = |o: &Objects| o.jets.get(1).map(|j| f64::from(j.phi));
        mll: Regular(100, 0.0, 200.0, "ll.mass", label = "$M_{\\ell\\ell}$ [GeV]") = |o: &Objects| o.ll.map(|ll| ll.mass);
    }
}
