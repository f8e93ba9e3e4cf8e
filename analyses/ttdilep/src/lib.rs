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
    use pc_core::cms::{BTagWp, CmsError, Dilepton, ElectronCuts, ElectronIdSf, JetCuts};
    use pc_core::cms::{EventFlags, GoldenJson, GoodPv, Hlt, MuonCuts, MuonIdSf};
    use pc_core::nano::{Electron, Jet, Muon};

    #[event]
    pub struct Event {
        #[mc]
        #[branch("genWeight")]
        pub gen_weight: f32,
    }

    #[config("object_preselection")]
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "PascalCase")]
    pub struct ObjectPreselection {
        pub muon: MuonCuts,
        pub electron: ElectronCuts,
        pub jet: JetCuts,
    }

    #[setup]
    pub fn btag(sel: &ObjectPreselection, ctx: &Ctx<'_>) -> Result<BTagWp, ParamError> {
        BTagWp::from_params(ctx.params, &ctx.dataset.year, &sel.jet.btag.wp)
    }

    skim![GoodPv<1>, EventFlags, GoldenJson, Hlt];

    #[skim]
    pub fn one_lepton(muons: &[Muon], electrons: &[Electron]) -> bool {
        muons.iter().any(|m| m.pt >= 15.0) || electrons.iter().any(|e| e.pt >= 15.0)
    }

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
        let (muons, electrons) = (sel.muon.select(muons), sel.electron.select(electrons));
        let jets = sel.jet.select(jets, &muons, &electrons);
        let (n_bjets, ll) = (btag.count(&jets), Dilepton::of(&electrons, &muons));
        Objects {
            muons,
            electrons,
            jets,
            n_bjets,
            ll,
        }
    }

    #[preselect]
    pub fn emu(o: &Objects) -> bool {
        let lead = |m: &Muon, e: &Electron| m.pt.max(e.pt) > 25.0;
        matches!((&o.muons[..], &o.electrons[..], o.ll), ([m], [e], Some(ll))
            if ll.charge == 0 && lead(m, e) && ll.mass > 20.0 && o.jets.len() >= 2)
    }

    #[cut]
    pub fn passthrough() -> bool {
        true
    }
    #[cut]
    pub fn b0(o: &Objects) -> bool {
        o.n_bjets == 0
    }
    #[cut]
    pub fn b1(o: &Objects) -> bool {
        o.n_bjets == 1
    }
    #[cut]
    pub fn b2(o: &Objects) -> bool {
        o.n_bjets >= 2
    }
    #[cut]
    pub fn mlow(o: &Objects) -> bool {
        o.ll.is_some_and(|ll| (0.0..100.0).contains(&ll.mass))
    }
    #[cut]
    pub fn mhigh(o: &Objects) -> bool {
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
    pub fn sf_mu_id(o: &Objects, sf: &MuonIdSf) -> Result<UpDown, CmsError> {
        sf.weight(&o.muons)
    }
    #[weight]
    pub fn sf_ele_id(o: &Objects, sf: &ElectronIdSf) -> Result<UpDown, CmsError> {
        sf.weight(&o.electrons)
    }

    histogram! {
        memu: Regular(40, 0.0, 400.0, "ll.mass") = |o: &Objects| o.ll.map(|ll| ll.mass);
        JetGood_pt_1: Regular(50, 0.0, 500.0, "JetGood.pt") = |o: &Objects| o.jets.first().map(|j| f64::from(j.pt));
        nJets: Regular(10, 0.0, 10.0, "events.nJetGood") = |o: &Objects| Some(o.jets.len() as f64);
        nBJets: Regular(6, 0.0, 6.0, "events.nBJetGood") = |o: &Objects| Some(o.n_bjets as f64);
        memu_vs_nbjets: (Regular(20, 0.0, 400.0, "ll.mass"), Regular(4, 0.0, 4.0, "events.nBJetGood")) = |o: &Objects| o.ll.map(|ll| (ll.mass, o.n_bjets as f64));
        MuonGood_pt_1: Regular(50, 0.0, 300.0, "MuonGood.pt") = |o: &Objects| o.muons.first().map(|m| f64::from(m.pt));
        ElectronGood_pt_1: Regular(50, 0.0, 300.0, "ElectronGood.pt") = |o: &Objects| o.electrons.first().map(|e| f64::from(e.pt));
    }
}
