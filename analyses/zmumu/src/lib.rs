//! PocketCoffea's Z->mumu example (`AnalysisConfigs:configs/zmumu`): skim, object
//! selection, dimuon preselection, one `baseline` category and 14 histograms.
//!
//! Weights: genWeight, lumi and cross section (pileup and muon scale factors come with
//! the corrections). Jets are not calibrated yet (JEC/JER come with the corrections).
//!
//! Two equivalent implementations: [`dsl::zmumu`], written with `#[processor]` (what
//! `pc zmumu` runs), and [`Zmumu`], the same processor written by hand against the
//! `pc_core::run::Processor` trait (what the macro saves you); `tests/dsl.rs` checks that
//! their outputs are identical to the byte.

pub mod dsl;

use pc_core::hist::Axis;
use pc_core::run::{
    BranchReq, ChunkContext, ChunkOutput, Columns, HistDef, ProcessError, Processor, ProcessorSpec,
};

/// The analysis (a hand-written [`Processor`]).
#[derive(Debug, Default, Clone, Copy)]
pub struct Zmumu;

/// Branch indices into [`BRANCHES`].
mod b {
    pub const RUN: usize = 0;
    pub const LUMI: usize = 1;
    pub const GEN_WEIGHT: usize = 2;
    pub const NPVS_GOOD: usize = 3;
    pub const HLT_ISOMU24: usize = 4;
    pub const MUON_PT: usize = 5;
    pub const MUON_ETA: usize = 6;
    pub const MUON_PHI: usize = 7;
    pub const MUON_MASS: usize = 8;
    pub const MUON_CHARGE: usize = 9;
    pub const MUON_ISO: usize = 10;
    pub const MUON_TIGHT: usize = 11;
    pub const EL_PT: usize = 12;
    pub const EL_ETA: usize = 13;
    pub const EL_PHI: usize = 14;
    pub const EL_DETASC: usize = 15;
    pub const EL_ISO: usize = 16;
    pub const EL_MVA_WP80: usize = 17;
    pub const JET_PT: usize = 18;
    pub const JET_ETA: usize = 19;
    pub const JET_PHI: usize = 20;
    pub const JET_ID: usize = 21;
    pub const JET_PUID: usize = 22;
    pub const JET_BTAG: usize = 23;
    pub const FLAGS: usize = 24;
}

/// Event flags the processor can apply (the parameters choose which, per year).
const FLAG_BRANCHES: [&str; 7] = [
    "Flag_goodVertices",
    "Flag_globalSuperTightHalo2016Filter",
    "Flag_HBHENoiseFilter",
    "Flag_HBHENoiseIsoFilter",
    "Flag_EcalDeadCellTriggerPrimitiveFilter",
    "Flag_BadPFMuonFilter",
    "Flag_eeBadScFilter",
];

const BRANCHES: [(&str, bool); 24] = [
    ("run", false),
    ("luminosityBlock", false),
    ("genWeight", true),
    ("PV_npvsGood", false),
    ("HLT_IsoMu24", false),
    ("Muon_pt", false),
    ("Muon_eta", false),
    ("Muon_phi", false),
    ("Muon_mass", false),
    ("Muon_charge", false),
    ("Muon_pfRelIso04_all", false),
    ("Muon_tightId", false),
    ("Electron_pt", false),
    ("Electron_eta", false),
    ("Electron_phi", false),
    ("Electron_deltaEtaSC", false),
    ("Electron_pfRelIso03_all", false),
    ("Electron_mvaFall17V2Iso_WP80", false),
    ("Jet_pt", false),
    ("Jet_eta", false),
    ("Jet_phi", false),
    ("Jet_jetId", false),
    ("Jet_puId", false),
    ("Jet_btagDeepFlavB", false),
];

/// Histogram indices, in [`histograms`] order.
mod h {
    pub const MU_ETA_1: usize = 0;
    pub const MU_PT_1: usize = 1;
    pub const MU_PHI_1: usize = 2;
    pub const N_ELECTRON: usize = 3;
    pub const N_MUON: usize = 4;
    pub const N_JETS: usize = 5;
    pub const N_BJETS: usize = 6;
    pub const JET_ETA: [usize; 2] = [7, 8];
    pub const JET_PT: [usize; 2] = [9, 10];
    pub const JET_PHI: [usize; 2] = [11, 12];
    pub const MLL: usize = 13;
}

fn histograms() -> Vec<HistDef> {
    use std::f64::consts::PI;
    let regular = |name: &'static str, axis: &str, bins, lo, hi| HistDef {
        name,
        axes: vec![
            Axis::regular(axis, bins, lo, hi)
                .expect("valid binning")
                .with_label(axis),
        ],
    };
    vec![
        regular("MuonGood_eta_1", "MuonGood.eta", 50, -2.5, 2.5),
        regular("MuonGood_pt_1", "MuonGood.pt", 50, 0.0, 150.0),
        regular("MuonGood_phi_1", "MuonGood.phi", 64, -PI, PI),
        regular("nElectronGood", "events.nElectronGood", 3, 0.0, 3.0),
        regular("nMuonGood", "events.nMuonGood", 3, 0.0, 3.0),
        regular("nJets", "events.nJetGood", 8, 0.0, 8.0),
        regular("nBJets", "events.nBJetGood", 8, 0.0, 8.0),
        regular("JetGood_eta_1", "JetGood.eta", 50, -2.5, 2.5),
        regular("JetGood_eta_2", "JetGood.eta", 50, -2.5, 2.5),
        regular("JetGood_pt_1", "JetGood.pt", 50, 0.0, 300.0),
        regular("JetGood_pt_2", "JetGood.pt", 50, 0.0, 300.0),
        regular("JetGood_phi_1", "JetGood.phi", 64, -PI, PI),
        regular("JetGood_phi_2", "JetGood.phi", 64, -PI, PI),
        HistDef {
            name: "mll",
            axes: vec![
                Axis::regular("ll.mass", 100, 0.0, 200.0)
                    .expect("valid binning")
                    .with_label("$M_{\\ell\\ell}$ [GeV]"),
            ],
        },
    ]
}

/// The analysis' own parameters, merged on top of the framework defaults.
pub const PARAMS_YAML: &str = include_str!("../params/object_preselection.yaml");

/// Thresholds of the analysis, read from the parameters once per chunk.
pub struct Cuts {
    pub mu_pt: f32,
    pub mu_eta: f32,
    pub mu_iso: f32,
    pub el_pt: f32,
    pub el_eta: f32,
    pub el_iso: f32,
    pub jet_pt: f32,
    pub jet_eta: f32,
    pub jet_id: i32,
    pub jet_dr: f64,
    pub puid_value: i32,
    pub puid_maxpt: f32,
    pub btag: f32,
    pub skim_mu_pt: f32,
    pub lead_mu_pt: f32,
    pub mll_low: f64,
    pub mll_high: f64,
}

impl Cuts {
    fn from_params(
        p: &pc_core::config::Params,
        year: &str,
    ) -> Result<Cuts, pc_core::config::ParamError> {
        let o = "object_preselection";
        let btag_wp: String = p.get(&format!("{o}.Jet.btag.wp"))?;
        Ok(Cuts {
            mu_pt: p.get(&format!("{o}.Muon.pt"))?,
            mu_eta: p.get(&format!("{o}.Muon.eta"))?,
            mu_iso: p.get(&format!("{o}.Muon.iso"))?,
            el_pt: p.get(&format!("{o}.Electron.pt"))?,
            el_eta: p.get(&format!("{o}.Electron.eta"))?,
            el_iso: p.get(&format!("{o}.Electron.iso"))?,
            jet_pt: p.get(&format!("{o}.Jet.pt"))?,
            jet_eta: p.get(&format!("{o}.Jet.eta"))?,
            jet_id: p.get(&format!("{o}.Jet.jetId"))?,
            jet_dr: p.get(&format!("{o}.Jet.dr_lepton"))?,
            puid_value: p.get(&format!("{o}.Jet.puId.value"))?,
            puid_maxpt: p.get(&format!("{o}.Jet.puId.maxpt"))?,
            btag: p.get(&format!(
                "btagging.working_point.{year}.btagging_WP.{btag_wp}"
            ))?,
            skim_mu_pt: p.get("skim.muon_pt_min")?,
            lead_mu_pt: p.get("preselection.pt_leading_muon")?,
            mll_low: p.get("preselection.mll.low")?,
            mll_high: p.get("preselection.mll.high")?,
        })
    }
}

impl Processor for Zmumu {
    fn spec(&self) -> ProcessorSpec {
        let mut branches: Vec<BranchReq> = BRANCHES
            .iter()
            .map(|&(name, mc_only)| BranchReq { name, mc_only })
            .collect();
        branches.extend(FLAG_BRANCHES.iter().map(|&name| BranchReq {
            name,
            mc_only: false,
        }));
        ProcessorSpec {
            name: "zmumu",
            tree: "Events",
            branches,
            categories: vec!["baseline"],
            shape_variations: vec!["nominal"],
            variations: vec!["nominal".into()],
            histograms: histograms(),
        }
    }

    fn process(
        &self,
        c: &Columns,
        ctx: &ChunkContext<'_>,
        out: &mut ChunkOutput,
    ) -> Result<(), ProcessError> {
        let is_mc = ctx.dataset.is_mc;
        let year = &ctx.dataset.year;
        let p = ctx.params;
        let param = |e: pc_core::config::ParamError| ProcessError::Other(e.to_string());
        let cuts = Cuts::from_params(p, year).map_err(param)?;
        // Event flags from the parameters, each must be a branch the processor reads.
        let mut flag_names: Vec<String> = p.get(&format!("event_flags.{year}")).map_err(param)?;
        if !is_mc {
            flag_names.extend(
                p.get::<Vec<String>>(&format!("event_flags_data.{year}"))
                    .map_err(param)?,
            );
        }
        let flags = flag_names
            .iter()
            .map(|f| {
                let name = format!("Flag_{f}");
                let i = FLAG_BRANCHES.iter().position(|b| *b == name).ok_or_else(|| {
                    ProcessError::Other(format!("event flag `{name}` (parameters `event_flags.{year}`) is not read by zmumu"))
                })?;
                Ok(c.scalar::<bool>(b::FLAGS + i)?)
            })
            .collect::<Result<Vec<&[bool]>, ProcessError>>()?;

        let run = c.scalar::<u32>(b::RUN)?;
        let lumi_block = c.scalar::<u32>(b::LUMI)?;
        let npvs_good = c.scalar::<i32>(b::NPVS_GOOD)?;
        let hlt = c.scalar::<bool>(b::HLT_ISOMU24)?;
        let gen_weight = if is_mc {
            Some(c.scalar::<f32>(b::GEN_WEIGHT)?)
        } else {
            None
        };
        let mu_pt = c.jagged::<f32>(b::MUON_PT)?;
        let mu_eta = c.jagged::<f32>(b::MUON_ETA)?.values;
        let mu_phi = c.jagged::<f32>(b::MUON_PHI)?.values;
        let mu_mass = c.jagged::<f32>(b::MUON_MASS)?.values;
        let mu_charge = c.jagged::<i32>(b::MUON_CHARGE)?.values;
        let mu_iso = c.jagged::<f32>(b::MUON_ISO)?.values;
        let mu_tight = c.jagged::<bool>(b::MUON_TIGHT)?.values;
        let el_pt = c.jagged::<f32>(b::EL_PT)?;
        let el_eta = c.jagged::<f32>(b::EL_ETA)?.values;
        let el_phi = c.jagged::<f32>(b::EL_PHI)?.values;
        let el_deta_sc = c.jagged::<f32>(b::EL_DETASC)?.values;
        let el_iso = c.jagged::<f32>(b::EL_ISO)?.values;
        let el_mva = c.jagged::<bool>(b::EL_MVA_WP80)?.values;
        let jet_pt = c.jagged::<f32>(b::JET_PT)?;
        let jet_eta = c.jagged::<f32>(b::JET_ETA)?.values;
        let jet_phi = c.jagged::<f32>(b::JET_PHI)?.values;
        let jet_id = c.jagged::<i32>(b::JET_ID)?.values;
        let jet_puid = c.jagged::<i32>(b::JET_PUID)?.values;
        let jet_btag = c.jagged::<f32>(b::JET_BTAG)?.values;
        let scale = if is_mc {
            ctx.lumi_pb * ctx.dataset.xsec.unwrap_or(1.0)
        } else {
            1.0
        };

        let mut muons: Vec<usize> = Vec::with_capacity(8);
        let mut electrons: Vec<usize> = Vec::with_capacity(8);
        let mut leptons: Vec<(f32, f32, f32)> = Vec::with_capacity(16);
        let mut jets: Vec<usize> = Vec::with_capacity(16);
        for i in 0..c.entries() {
            // Skim.
            let skim = npvs_good[i] >= 1
                && flags.iter().all(|f| f[i])
                && ctx.certified(run[i], lumi_block[i])
                && mu_pt.get(i).iter().any(|&pt| pt >= cuts.skim_mu_pt)
                && hlt[i];
            if !skim {
                continue;
            }
            out.skim += 1;

            // Object selection.
            muons.clear();
            muons.extend(mu_pt.range(i).filter(|&m| {
                mu_pt.values[m] > cuts.mu_pt
                    && mu_eta[m].abs() < cuts.mu_eta
                    && mu_iso[m] < cuts.mu_iso
                    && mu_tight[m]
            }));
            electrons.clear();
            electrons.extend(el_pt.range(i).filter(|&e| {
                let eta_sc = (f64::from(el_eta[e]) + f64::from(el_deta_sc[e])).abs();
                el_pt.values[e] > cuts.el_pt
                    && el_eta[e].abs() < cuts.el_eta
                    && !(1.4442..=1.5660).contains(&eta_sc)
                    && el_iso[e] < cuts.el_iso
                    && el_mva[e]
            }));
            leptons.clear();
            leptons.extend(
                muons
                    .iter()
                    .map(|&m| (mu_pt.values[m], mu_eta[m], mu_phi[m])),
            );
            leptons.extend(
                electrons
                    .iter()
                    .map(|&e| (el_pt.values[e], el_eta[e], el_phi[e])),
            );
            leptons.sort_by(|a, b| b.0.total_cmp(&a.0));
            jets.clear();
            jets.extend(jet_pt.range(i).filter(|&j| {
                let pt = jet_pt.values[j];
                pt > cuts.jet_pt
                    && jet_eta[j].abs() < cuts.jet_eta
                    && jet_id[j] >= cuts.jet_id
                    && (jet_puid[j] >= cuts.puid_value || pt >= cuts.puid_maxpt)
                    && leptons.iter().all(|&(_, eta, phi)| {
                        delta_r(jet_eta[j], jet_phi[j], eta, phi) > cuts.jet_dr
                    })
            }));
            let n_bjets = jets.iter().filter(|&&j| jet_btag[j] > cuts.btag).count();

            // Preselection: exactly two good muons of opposite charge, 25 < m_ll < 2000.
            let (n_mu, n_el) = (muons.len(), electrons.len());
            if !(n_mu + n_el == 2 && n_mu == 2 && n_el == 0) {
                continue;
            }
            let (m0, m1) = (muons[0], muons[1]);
            let mll = dimuon_mass(
                [mu_pt.values[m0], mu_eta[m0], mu_phi[m0], mu_mass[m0]],
                [mu_pt.values[m1], mu_eta[m1], mu_phi[m1], mu_mass[m1]],
            );
            let presel = mu_pt.values[m0] > cuts.lead_mu_pt
                && mu_charge[m0] + mu_charge[m1] == 0
                && mll > cuts.mll_low
                && mll < cuts.mll_high;
            if !presel {
                continue;
            }
            out.presel[0] += 1;

            // Category `baseline` (passthrough), weights, fills.
            let w = gen_weight.map_or(1.0, |g| f64::from(g[i]) * scale);
            let weights = [w];
            out.count(0, 0, w);
            let fill = |out: &mut ChunkOutput, hist: usize, x: f64| out.fill(hist, 0, x, &weights);
            fill(out, h::MU_ETA_1, f64::from(mu_eta[m0]))?;
            fill(out, h::MU_PT_1, f64::from(mu_pt.values[m0]))?;
            fill(out, h::MU_PHI_1, f64::from(mu_phi[m0]))?;
            fill(out, h::N_ELECTRON, n_el as f64)?;
            fill(out, h::N_MUON, n_mu as f64)?;
            fill(out, h::N_JETS, jets.len() as f64)?;
            fill(out, h::N_BJETS, n_bjets as f64)?;
            for (k, &j) in jets.iter().take(2).enumerate() {
                fill(out, h::JET_ETA[k], f64::from(jet_eta[j]))?;
                fill(out, h::JET_PT[k], f64::from(jet_pt.values[j]))?;
                fill(out, h::JET_PHI[k], f64::from(jet_phi[j]))?;
            }
            fill(out, h::MLL, mll)?;
        }
        Ok(())
    }
}

/// ΔR in double precision, with Δφ wrapped into [-π, π).
pub fn delta_r(eta1: f32, phi1: f32, eta2: f32, phi2: f32) -> f64 {
    use std::f64::consts::PI;
    let dphi = (f64::from(phi1) - f64::from(phi2) + PI).rem_euclid(2.0 * PI) - PI;
    let deta = f64::from(eta1) - f64::from(eta2);
    (deta * deta + dphi * dphi).sqrt()
}

/// Invariant mass of two (pt, eta, phi, mass) candidates, in double precision.
pub fn dimuon_mass(a: [f32; 4], b: [f32; 4]) -> f64 {
    let p4 = |[pt, eta, phi, m]: [f32; 4]| {
        let (pt, eta, phi, m) = (f64::from(pt), f64::from(eta), f64::from(phi), f64::from(m));
        let (px, py, pz) = (pt * phi.cos(), pt * phi.sin(), pt * eta.sinh());
        [px, py, pz, (px * px + py * py + pz * pz + m * m).sqrt()]
    };
    let (x, y) = (p4(a), p4(b));
    let (px, py, pz, e) = (x[0] + y[0], x[1] + y[1], x[2] + y[2], x[3] + y[3]);
    (e * e - px * px - py * py - pz * pz).max(0.0).sqrt()
}
