//! PocketCoffea's Z->mumu example (`AnalysisConfigs:configs/zmumu`): skim, object
//! selection, dimuon preselection, one `baseline` category and 14 histograms, written
//! with `#[processor]` in [`dsl::zmumu`] (what `pc zmumu` runs).
//!
//! Weights: genWeight, lumi x cross section, pileup, muon ID and isolation scale factors
//! (the last three with Up/Down variations); MC jets calibrated with JEC and JER from the
//! JetMET text files and re-sorted by pt. Correction files come from the parameters
//! (`pileupJSONfiles`, `lepton_scale_factors.muon_sf`, `jets_calibration`).

pub mod dsl;

/// The analysis for the driver (`pc_core::cli::main`): processor, parameters, demo.
pub fn analysis() -> pc_core::cli::Analysis {
    pc_core::cli::Analysis::new(&dsl::zmumu::Processor)
        .params(
            "analyses/zmumu/params/object_preselection.yaml",
            PARAMS_YAML,
        )
        .standard_demo(&["SingleMuon"])
        .version(env!("CARGO_PKG_VERSION"))
}

/// The analysis' own parameters, merged on top of the framework defaults.
pub const PARAMS_YAML: &str = include_str!("../params/object_preselection.yaml");

/// An open interval `(low, high)`.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    pub low: f64,
    pub high: f64,
}
