//! PocketCoffea's Z->mumu example (`AnalysisConfigs:configs/zmumu`) on the CMS standard
//! library: skim, object selection, dimuon preselection, one `baseline` category and 14
//! histograms (what `pc zmumu` runs). `validation/zmumu_reference.py` is its independent
//! Python definition, compared bin by bin in the tests and in CI.
//!
//! Weights: genWeight, lumi x cross section, pileup, muon ID and isolation scale factors
//! (the last three with Up/Down variations); MC jets calibrated with JEC and JER from the
//! JetMET text files and re-sorted by pt. Correction files come from the parameters
//! (`pileupJSONfiles`, `lepton_scale_factors.muon_sf`, `jets_calibration`).

use pc_core::prelude::*;

/// The analysis for the driver (`pc_core::cli::main`): processor, parameters, demo.
pub fn analysis() -> pc_core::cli::Analysis {
    pc_core::cli::Analysis::new(&zmumu::Processor)
        .params("analyses/zmumu/params/zmumu.yaml", PARAMS_YAML)
        .standard_demo(&["SingleMuon"])
        .version(env!("CARGO_PKG_VERSION"))
}

/// The analysis' own parameters, merged on top of the framework defaults.
pub const PARAMS_YAML: &str = include_str!("../params/zmumu.yaml");

#[processor(name = "zmumu", tree = "Events", schema = "nanoaod_v7")]
pub mod zmumu {
    use super::*;
    use pc_core::cms::{CmsError, EventFlags, GoldenJson, GoodObjects, GoodPv, Hlt};
    use pc_core::cms::{JetCalibrator, JetEvent, MuonIdSf, MuonIsoSf, PileupWeight};
    use pc_core::cms::{ObjectSelection, Window};
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

    #[config("preselection")]
    #[derive(Clone, Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Preselection {
        pub pt_leading_muon: f32,
        pub mll: Window,
    }

    skim![GoodPv<1>, EventFlags, GoldenJson, Hlt];

    #[skim]
    pub fn one_muon(muons: &[Muon]) -> bool {
        muons.iter().any(|m| m.pt >= 18.0)
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
        let at = JetEvent::new(ev.rho, ev.run, ev.lumi, ev.event);
        calib.apply(jets, gen_jets, at)
    }

    #[produce]
    pub fn objects(mu: &[Muon], el: &[Electron], jets: &[Jet], s: &ObjectSelection) -> GoodObjects {
        s.select(mu, el, jets)
    }

    /// Exactly two good muons of opposite charge and no good electron, m_ll in range.
    #[preselect]
    pub fn dimuon(o: &GoodObjects, cut: &Preselection) -> bool {
        match (&o.muons[..], o.electrons.is_empty(), o.ll) {
            ([a, _], true, Some(ll)) => {
                a.pt > cut.pt_leading_muon && ll.charge == 0 && cut.mll.contains(ll.mass)
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
    pub fn sf_mu_id(o: &GoodObjects, sf: &MuonIdSf) -> Result<UpDown, CmsError> {
        sf.weight(&o.muons)
    }

    #[weight]
    pub fn sf_mu_iso(o: &GoodObjects, sf: &MuonIsoSf) -> Result<UpDown, CmsError> {
        sf.weight(&o.muons)
    }

    histogram! {
        MuonGood_eta_1: Regular(50, -2.5, 2.5, "MuonGood.eta") = |o: &GoodObjects| o.muons.first().map(|m| f64::from(m.eta));
        MuonGood_pt_1: Regular(50, 0.0, 150.0, "MuonGood.pt") = |o: &GoodObjects| o.muons.first().map(|m| f64::from(m.pt));
        MuonGood_phi_1: Regular(64, -PI, PI, "MuonGood.phi") = |o: &GoodObjects| o.muons.first().map(|m| f64::from(m.phi));
        nElectronGood: Regular(3, 0.0, 3.0, "events.nElectronGood") = |o: &GoodObjects| Some(o.electrons.len() as f64);
        nMuonGood: Regular(3, 0.0, 3.0, "events.nMuonGood") = |o: &GoodObjects| Some(o.muons.len() as f64);
        nJets: Regular(8, 0.0, 8.0, "events.nJetGood") = |o: &GoodObjects| Some(o.jets.len() as f64);
        nBJets: Regular(8, 0.0, 8.0, "events.nBJetGood") = |o: &GoodObjects| Some(o.bjets.len() as f64);
        JetGood_eta_1: Regular(50, -2.5, 2.5, "JetGood.eta") = |o: &GoodObjects| o.jets.first().map(|j| f64::from(j.eta));
        JetGood_eta_2: Regular(50, -2.5, 2.5, "JetGood.eta") = |o: &GoodObjects| o.jets.get(1).map(|j| f64::from(j.eta));
        JetGood_pt_1: Regular(50, 0.0, 300.0, "JetGood.pt") = |o: &GoodObjects| o.jets.first().map(|j| f64::from(j.pt));
        JetGood_pt_2: Regular(50, 0.0, 300.0, "JetGood.pt") = |o: &GoodObjects| o.jets.get(1).map(|j| f64::from(j.pt));
        JetGood_phi_1: Regular(64, -PI, PI, "JetGood.phi") = |o: &GoodObjects| o.jets.first().map(|j| f64::from(j.phi));
        JetGood_phi_2: Regular(64, -PI, PI, "JetGood.phi") = |o: &GoodObjects| o.jets.get(1).map(|j| f64::from(j.phi));
        mll: Regular(100, 0.0, 200.0, "ll.mass", label = "$M_{\\ell\\ell}$ [GeV]") = |o: &GoodObjects| o.ll.map(|ll| ll.mass);
    }
}
