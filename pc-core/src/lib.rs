//! Runtime of the `pc` NanoAOD analysis framework.
//!
//! - [`io`]: our own columnar ROOT TTree reader and writer (NanoAOD layout).
//! - [`generate`]: NanoAOD-like sample generator (Drell-Yan, ttbar, pseudo-data).
//! - [`hist`]: weighted N-D histograms with flow bins, merged exactly, written as UHI JSON.
//! - [`config`]: parameters (YAML, defaults + overrides) and datasets (PocketCoffea JSON).
//! - [`jetmet`]: jet energy corrections, JER smearing and JES/JER variations (JetMET text files).
//! - [`lumimask`]: the golden-JSON luminosity mask for data.
//! - The pipeline: [`plan`] (chunks of the datasets) -> [`execute`] (chunks into a
//!   [`partial`] result) -> [`merge`] (partials, exactly once) -> [`finalize`]
//!   (normalisation) -> [`write`](mod@write) (the outputs, as one unit).
//! - [`run`]: the `Processor` contract, typed columns, per-dataset outputs, the local run.
//! - [`cli`]: the driver every analysis binary calls (`NAME [run|plan|exec|merge|describe]`).
//! - [`nano`]: the standard NanoAOD collections (`Muon`, `Electron`, `Jet`, `GenJet`).
//! - [`prelude`]: what an analysis written with `#[processor]` imports.

// The derives emit `::pc_core::` paths; this lets the crate use them itself.
extern crate self as pc_core;

pub mod cli;
pub mod cms;
pub mod config;
pub mod correction;
pub mod exact;
pub mod execute;
pub mod finalize;
pub mod formula;
pub mod generate;
pub mod hist;
pub mod io;
pub mod jetmet;
pub mod lumimask;
pub mod merge;
pub mod nano;
pub mod partial;
pub mod plan;
pub mod prelude;
pub mod run;
pub mod util;
pub mod write;
