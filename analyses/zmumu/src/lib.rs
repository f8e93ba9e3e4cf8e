//! PocketCoffea's Z->mumu example (`AnalysisConfigs:configs/zmumu`): skim, object
//! selection, dimuon preselection, one `baseline` category and 14 histograms, written
//! with `#[processor]` in [`dsl::zmumu`] (what `pc zmumu` runs).
//!
//! Weights: genWeight, lumi x cross section, pileup, muon ID and isolation scale factors
//! (the last three with Up/Down variations); MC jets calibrated with JEC and JER from the
//! JetMET text files and re-sorted by pt. Correction files come from the parameters
//! (`pileupJSONfiles`, `lepton_scale_factors.muon_sf`, `jets_calibration`).

pub mod demo;
pub mod dsl;

/// The analysis for the driver (`pc_core::cli::main`): processor, parameters, demo.
pub fn analysis() -> pc_core::cli::Analysis {
    pc_core::cli::Analysis::new(&dsl::zmumu::Processor)
        .params(
            "analyses/zmumu/params/object_preselection.yaml",
            PARAMS_YAML,
        )
        .demo(demo::demo)
        .version(env!("CARGO_PKG_VERSION"))
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
    pub fn from_params(
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
