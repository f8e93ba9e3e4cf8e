//! The jet calibration of a year and jet type from `jets_calibration` (see `defaults.yaml`),
//! parsed once per process.

use std::cell::RefCell;
use std::sync::Arc;

use super::{CmsError, cache::shared};
use crate::config::Params;
use crate::jetmet::{
    CalibratedJets, EventJets, JetCalibConfig, JetCalibrator, JetMetError, JetVariation,
};

/// A jet calibrator and how its output is used, shared by the threads of a run (each
/// thread keeps its own per-event buffers).
#[derive(Debug)]
pub struct JetCalibration {
    pub calibrator: Arc<JetCalibrator>,
    /// Re-sort the jets by calibrated pt (`sort_by_pt`).
    pub sort_by_pt: bool,
}

thread_local! {
    /// This thread's buffers, for the calibrator they were made for.
    static SCRATCH: RefCell<Option<(Arc<JetCalibrator>, Scratch)>> = const { RefCell::new(None) };
}

/// What the calibration reads from an analysis' jet struct, and writes back.
pub trait CalibJet {
    /// `(pt, eta, phi, mass, rawFactor, area, genJetIdx)` as in NanoAOD.
    fn inputs(&self) -> [f32; 6];
    fn gen_jet_idx(&self) -> i32;
    fn set_pt_mass(&mut self, pt: f32, mass: f32);
}

/// The event quantities the calibration needs besides the jets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct JetEvent {
    /// `fixedGridRhoFastjetAll`.
    pub rho: f32,
    pub run: u32,
    pub lumi: u32,
    pub event: u64,
}

impl JetEvent {
    /// The inputs in NanoAOD's order: `fixedGridRhoFastjetAll`, `run`, `luminosityBlock`,
    /// `event`.
    pub fn new(rho: f32, run: u32, lumi: u32, event: u64) -> JetEvent {
        JetEvent {
            rho,
            run,
            lumi,
            event,
        }
    }
}

/// Per-event buffers (structure of arrays for the calibrator), and the inputs the last
/// output was computed from: the shape passes of one event (nominal, then each variation)
/// calibrate the same jets, so every variation is computed once per event.
#[derive(Debug, Default)]
struct Scratch {
    input: Inputs,
    computed_for: Inputs,
    out: CalibratedJets,
}

/// One event's calibration inputs.
#[derive(Clone, Debug, Default, PartialEq)]
struct Inputs {
    columns: [Vec<f32>; 6],
    gen_jet_idx: Vec<i32>,
    gen_jet_pt: Vec<f32>,
    /// `None`: no output computed from these.
    event: Option<JetEvent>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Factory {
    files: Vec<String>,
    #[serde(default)]
    jes_sources: Vec<String>,
    #[serde(default)]
    seed: u64,
}

impl JetCalibration {
    /// The calibration of `jet_type` (e.g. `AK4PFchs`) in `year` for MC or data, or `None`
    /// when `jets_calibration.apply_jec_MC` / `apply_jec_Data` is false or absent.
    pub fn from_params(
        params: &Params,
        year: &str,
        jet_type: &str,
        is_mc: bool,
    ) -> Result<Option<JetCalibration>, CmsError> {
        let apply = if is_mc {
            "apply_jec_MC"
        } else {
            "apply_jec_Data"
        };
        let key = format!("jets_calibration.{apply}.{year}.{jet_type}");
        if !params.get_opt::<bool>(&key)?.unwrap_or(false) {
            return Ok(None);
        }
        let factory_key = format!("jets_calibration.jet_factory.{year}.{jet_type}");
        let factory: Factory = params.get(&factory_key)?;
        let sort_key = format!("jets_calibration.sort_by_pt.{year}.{jet_type}");
        let sort_by_pt = params.get_opt::<bool>(&sort_key)?.unwrap_or(false);
        let cache_key = format!(
            "{:?} {:?} {}",
            factory.files, factory.jes_sources, factory.seed
        );
        let calibrator = shared(cache_key, || {
            let mut config = JetCalibConfig::from_files(&factory.files)?;
            config.jes_sources = factory.jes_sources.clone();
            config.seed = factory.seed;
            JetCalibrator::new(&config)
        })
        .map_err(|e| CmsError::Config {
            key: factory_key.clone(),
            message: e.to_string(),
        })?;
        Ok(Some(JetCalibration {
            calibrator,
            sort_by_pt,
        }))
    }

    /// Calibrates `jets` in place for `variation` (pt and mass), then re-sorts them by pt
    /// if `sort_by_pt`; `gen_jet_pt` is the event's `GenJet_pt` (for JER).
    pub fn apply<J: CalibJet>(
        &self,
        jets: &mut [J],
        gen_jet_pt: impl IntoIterator<Item = f32>,
        event: JetEvent,
        variation: JetVariation,
    ) -> Result<(), JetMetError> {
        SCRATCH.with_borrow_mut(|slot| {
            let fresh = !matches!(slot, Some((c, _)) if Arc::ptr_eq(c, &self.calibrator));
            if fresh {
                let scratch = Scratch {
                    out: self.calibrator.new_output(),
                    ..Default::default()
                };
                *slot = Some((self.calibrator.clone(), scratch));
            }
            let (_, s) = slot.as_mut().expect("set above");
            self.apply_with(s, jets, gen_jet_pt, event, variation)
        })
    }

    fn apply_with<J: CalibJet>(
        &self,
        s: &mut Scratch,
        jets: &mut [J],
        gen_jet_pt: impl IntoIterator<Item = f32>,
        event: JetEvent,
        variation: JetVariation,
    ) -> Result<(), JetMetError> {
        let i = &mut s.input;
        for c in &mut i.columns {
            c.clear();
        }
        i.gen_jet_idx.clear();
        for j in jets.iter() {
            for (c, x) in i.columns.iter_mut().zip(j.inputs()) {
                c.push(x);
            }
            i.gen_jet_idx.push(j.gen_jet_idx());
        }
        i.gen_jet_pt.clear();
        i.gen_jet_pt.extend(gen_jet_pt);
        i.event = Some(event);
        if s.computed_for != s.input {
            s.computed_for.event = None;
            let i = &s.input;
            let [pt, eta, phi, mass, raw_factor, area] = &i.columns;
            let input = EventJets {
                pt,
                eta,
                phi,
                mass,
                raw_factor,
                area,
                gen_jet_idx: &i.gen_jet_idx,
                gen_jet_pt: &i.gen_jet_pt,
                rho: event.rho,
                run: event.run,
                lumi: event.lumi,
                event: event.event,
            };
            self.calibrator.calibrate_event(&input, &mut s.out)?;
            s.computed_for.clone_from(&s.input);
        }
        let v = s.out.index(variation).ok_or_else(|| {
            JetMetError::Config(format!("the calibration does not compute {variation:?}"))
        })?;
        for (j, (&pt, &mass)) in jets.iter_mut().zip(s.out.pt(v).iter().zip(s.out.mass(v))) {
            j.set_pt_mass(pt, mass);
        }
        if self.sort_by_pt {
            jets.sort_by(|a, b| b.inputs()[0].total_cmp(&a.inputs()[0]));
        }
        Ok(())
    }
}
