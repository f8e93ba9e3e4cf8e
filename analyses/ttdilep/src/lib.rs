//! ttbar -> e mu: exactly one good muon and one good electron of opposite charge and two
//! jets, in b-jet multiplicity x m(e mu) categories, on the CMS standard library.
//! `validation/ttdilep_reference.py` is its independent Python definition.

use pc_core::prelude::*;

/// The analysis for the driver: processor, parameters, standard demo.
pub fn analysis() -> pc_core::cli::Analysis {
    pc_core::cli::Analysis::new(&ttdilep::Processor)
        .params("analyses/ttdilep/params/ttdilep.yaml", PARAMS_YAML)
        .standard_demo(&["SingleMuon", "SingleEle"])
        .version(env!("CARGO_PKG_VERSION"))
}

/// The analysis' own parameters, merged on top of the framework defaults.
pub const PARAMS_YAML: &str = include_str!("../params/ttdilep.yaml");

#[processor(name = "ttdilep", schema = "nanoaod_v7")]
pub mod ttdilep {
    use super::*;
    use pc_core::cms::{CmsError, ElectronIdSf, GoodObjects, MuonIdSf, ObjectSelection};
    use pc_core::cms::{EventFlags, GoldenJson, GoodPv, Hlt};
    use pc_core::nano::{Electron, Jet, Muon};

    #[event]
    pub struct Event {
        #[mc]
        #[branch("genWeight")]
        pub gen_weight: f32,
    }

    skim![GoodPv<1>, EventFlags, GoldenJson, Hlt];

    #[skim]
    pub fn one_lepton(muons: &[Muon], electrons: &[Electron]) -> bool {
        muons.iter().any(|m| m.pt >= 15.0) || electrons.iter().any(|e| e.pt >= 15.0)
    }

    #[produce]
    pub fn objects(mu: &[Muon], el: &[Electron], jets: &[Jet], s: &ObjectSelection) -> GoodObjects {
        s.select(mu, el, jets)
    }

    #[preselect]
    pub fn emu(o: &GoodObjects) -> bool {
        let lead = |m: &Muon, e: &Electron| m.pt.max(e.pt) > 25.0;
        matches!((&o.muons[..], &o.electrons[..], o.ll), ([m], [e], Some(ll))
            if ll.charge == 0 && lead(m, e) && ll.mass > 20.0 && o.jets.len() >= 2)
    }

    #[cut]
    pub fn passthrough() -> bool {
        true
    }
    #[cut]
    pub fn b0(o: &GoodObjects) -> bool {
        o.bjets.is_empty()
    }
    #[cut]
    pub fn b1(o: &GoodObjects) -> bool {
        o.bjets.len() == 1
    }
    #[cut]
    pub fn b2(o: &GoodObjects) -> bool {
        o.bjets.len() >= 2
    }
    #[cut]
    pub fn mlow(o: &GoodObjects) -> bool {
        o.ll.is_some_and(|ll| (0.0..100.0).contains(&ll.mass))
    }
    #[cut]
    pub fn mhigh(o: &GoodObjects) -> bool {
        o.ll.is_some_and(|ll| ll.mass >= 100.0)
    }

    categories! {
        baseline = [passthrough];
        [b0, b1, b2] * [mlow, mhigh];
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
    pub fn sf_mu_id(o: &GoodObjects, sf: &MuonIdSf) -> Result<UpDown, CmsError> {
        sf.weight(&o.muons)
    }
    #[weight]
    pub fn sf_ele_id(o: &GoodObjects, sf: &ElectronIdSf) -> Result<UpDown, CmsError> {
        sf.weight(&o.electrons)
    }

    histogram! {
        memu: Regular(40, 0.0, 400.0, "ll.mass") = |o: &GoodObjects| o.ll.map(|ll| ll.mass);
        JetGood_pt_1: Regular(50, 0.0, 500.0, "JetGood.pt") = |o: &GoodObjects| o.jets.first().map(|j| f64::from(j.pt));
        nJets: Regular(10, 0.0, 10.0, "events.nJetGood") = |o: &GoodObjects| Some(o.jets.len() as f64);
        nBJets: Regular(6, 0.0, 6.0, "events.nBJetGood") = |o: &GoodObjects| Some(o.bjets.len() as f64);
        memu_vs_nbjets: (Regular(20, 0.0, 400.0, "ll.mass"), Regular(4, 0.0, 4.0, "events.nBJetGood")) = |o: &GoodObjects| o.ll.map(|ll| (ll.mass, o.bjets.len() as f64));
        MuonGood_pt_1: Regular(50, 0.0, 300.0, "MuonGood.pt") = |o: &GoodObjects| o.muons.first().map(|m| f64::from(m.pt));
        ElectronGood_pt_1: Regular(50, 0.0, 300.0, "ElectronGood.pt") = |o: &GoodObjects| o.electrons.first().map(|e| f64::from(e.pt));
    }
}
