//! The jet calibrator: JEC, JER smearing and the JES/JER variations of one event's jets,
//! written into caller-owned buffers.

use std::path::{Path, PathBuf};

use super::jec::{FactorizedCorrector, JecLevel};
use super::resolution::{JerResolution, JerScaleFactor};
use super::smearing::{JetSeed, SmearInput, jet_gauss, smear_factor};
use super::uncertainty::{JesSource, read_sources};
use super::{JetMetError, JetVars};

/// The files of one jet calibration, as PocketCoffea's `jets_calibration` parameters list
/// them. Deserialisable from YAML/JSON with these field names.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JetCalibConfig {
    /// JEC level files (`*_L1FastJet_*.jec.txt[.gz]`, ...), any order.
    pub jec: Vec<PathBuf>,
    /// JES uncertainty files (`*_Uncertainty_*`, `*_UncertaintySources_*`).
    pub jes_uncertainty: Vec<PathBuf>,
    /// The `PtResolution` `.jr.txt` file (JER smearing needs it and `jer_scale_factor`).
    pub jer_resolution: Option<PathBuf>,
    /// The `.jersf.txt` file.
    pub jer_scale_factor: Option<PathBuf>,
    /// The JES sources to vary (`Total`, `FlavorQCD`, `jes` for a single-source file...);
    /// empty means all sources of the uncertainty files.
    pub jes_sources: Vec<String>,
    /// Seed of the stochastic smearing (see [`super::smearing`]).
    pub seed: u64,
}

impl JetCalibConfig {
    /// Sorts a flat list of files by kind from their names, as coffea's `JECStack` does:
    /// `Uncertainty` -> JES, `SF` -> JER scale factor, `Resolution` -> JER resolution,
    /// otherwise a JEC level (`L1FastJet`, ...).
    pub fn from_files<P: AsRef<Path>>(files: &[P]) -> Result<JetCalibConfig, JetMetError> {
        let mut config = JetCalibConfig::default();
        for path in files {
            let path = path.as_ref();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            let single =
                |slot: &mut Option<PathBuf>, what: &str| match slot.replace(path.to_path_buf()) {
                    None => Ok(()),
                    Some(first) => Err(JetMetError::Config(format!(
                        "two {what} files: {} and {}",
                        first.display(),
                        path.display()
                    ))),
                };
            if name.contains("Uncertainty") {
                config.jes_uncertainty.push(path.to_path_buf());
            } else if name.contains("SF") {
                single(&mut config.jer_scale_factor, "JER scale factor")?;
            } else if name.contains("Resolution") {
                single(&mut config.jer_resolution, "JER resolution")?;
            } else {
                config.jec.push(path.to_path_buf());
            }
        }
        Ok(config)
    }
}

/// One calibrated version of the jets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JetVariation {
    Nominal,
    /// Up shift of the JES source with this index in [`JetCalibrator::jes_sources`].
    JesUp(usize),
    JesDown(usize),
    JerUp,
    JerDown,
}

/// One event's jets (NanoAOD `Jet_*` values) and what their calibration needs.
#[derive(Clone, Copy, Debug)]
pub struct EventJets<'a> {
    pub pt: &'a [f32],
    pub eta: &'a [f32],
    pub phi: &'a [f32],
    pub mass: &'a [f32],
    pub raw_factor: &'a [f32],
    pub area: &'a [f32],
    /// `Jet_genJetIdx` (only read with JER; may then be empty for data).
    pub gen_jet_idx: &'a [i32],
    /// `GenJet_pt` of the event.
    pub gen_jet_pt: &'a [f32],
    /// `fixedGridRhoFastjetAll`.
    pub rho: f32,
    pub run: u32,
    pub lumi: u32,
    pub event: u64,
}

/// Calibrated pt and mass of one event's jets for every variation; reused across events.
#[derive(Clone, Debug, Default)]
pub struct CalibratedJets {
    variations: Vec<JetVariation>,
    pt: Vec<Vec<f32>>,
    mass: Vec<Vec<f32>>,
}

impl CalibratedJets {
    /// The variations, in the order of [`CalibratedJets::pt`]'s index.
    pub fn variations(&self) -> &[JetVariation] {
        &self.variations
    }

    /// Calibrated pt of the jets for variation number `v` (0 is nominal).
    pub fn pt(&self, v: usize) -> &[f32] {
        &self.pt[v]
    }

    /// Calibrated mass of the jets for variation number `v`.
    pub fn mass(&self, v: usize) -> &[f32] {
        &self.mass[v]
    }

    /// The index of a variation, if computed.
    pub fn index(&self, variation: JetVariation) -> Option<usize> {
        self.variations.iter().position(|v| *v == variation)
    }

    fn clear(&mut self) {
        self.pt
            .iter_mut()
            .chain(&mut self.mass)
            .for_each(Vec::clear);
    }

    fn push(&mut self, v: usize, pt: f64, mass: f64) {
        self.pt[v].push(pt as f32);
        self.mass[v].push(mass as f32);
    }
}

/// JER smearing inputs: resolution and scale factor.
#[derive(Debug)]
struct Jer {
    resolution: JerResolution,
    scale_factor: JerScaleFactor,
}

/// A jet calibration, parsed once; `Send + Sync`, so one instance serves all threads.
#[derive(Debug)]
pub struct JetCalibrator {
    jec: FactorizedCorrector,
    jer: Option<Jer>,
    sources: Vec<JesSource>,
    seed: u64,
}

impl JetCalibrator {
    /// Reads every file of the configuration.
    pub fn new(config: &JetCalibConfig) -> Result<JetCalibrator, JetMetError> {
        let levels = config
            .jec
            .iter()
            .map(|p| JecLevel::open(p))
            .collect::<Result<_, _>>()?;
        let jer = match (&config.jer_resolution, &config.jer_scale_factor) {
            (Some(r), Some(sf)) => Some(Jer {
                resolution: JerResolution::open(r)?,
                scale_factor: JerScaleFactor::open(sf)?,
            }),
            (None, None) => None,
            _ => {
                return Err(JetMetError::Config(
                    "JER smearing needs both a resolution and a scale-factor file".into(),
                ));
            }
        };
        let mut all = Vec::new();
        for path in &config.jes_uncertainty {
            for source in read_sources(path)? {
                if all.iter().any(|s: &JesSource| s.name == source.name) {
                    return Err(JetMetError::file(
                        path,
                        format!("JES source {:?} defined twice", source.name),
                    ));
                }
                all.push(source);
            }
        }
        let sources = if config.jes_sources.is_empty() {
            all
        } else {
            let mut chosen = Vec::new();
            for name in &config.jes_sources {
                let at = all.iter().position(|s| &s.name == name).ok_or_else(|| {
                    let known: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
                    JetMetError::Config(format!(
                        "unknown JES source {name:?} (known: {})",
                        known.join(", ")
                    ))
                })?;
                chosen.push(all.swap_remove(at));
            }
            chosen
        };
        Ok(JetCalibrator {
            jec: FactorizedCorrector::new(levels),
            jer,
            sources,
            seed: config.seed,
        })
    }

    /// The JES source names, indexing [`JetVariation::JesUp`]/[`JetVariation::JesDown`].
    pub fn jes_sources(&self) -> Vec<&str> {
        self.sources.iter().map(|s| s.name.as_str()).collect()
    }

    /// JEC level names in application order.
    pub fn jec_levels(&self) -> Vec<&str> {
        self.jec.level_names().collect()
    }

    /// Whether JER smearing (and its variations) is configured.
    pub fn has_jer(&self) -> bool {
        self.jer.is_some()
    }

    /// The variations computed: nominal, each JES source up and down, then JER up and down.
    pub fn variations(&self) -> Vec<JetVariation> {
        let mut v = vec![JetVariation::Nominal];
        for i in 0..self.sources.len() {
            v.extend([JetVariation::JesUp(i), JetVariation::JesDown(i)]);
        }
        if self.jer.is_some() {
            v.extend([JetVariation::JerUp, JetVariation::JerDown]);
        }
        v
    }

    /// PocketCoffea's name of a variation without the jet-type prefix: `nominal`,
    /// `JES_<source>Up`/`Down`, `JERUp`/`JERDown`.
    pub fn variation_name(&self, variation: JetVariation) -> String {
        match variation {
            JetVariation::Nominal => "nominal".into(),
            JetVariation::JesUp(i) => format!("JES_{}Up", self.sources[i].name),
            JetVariation::JesDown(i) => format!("JES_{}Down", self.sources[i].name),
            JetVariation::JerUp => "JERUp".into(),
            JetVariation::JerDown => "JERDown".into(),
        }
    }

    /// Empty output buffers for [`JetCalibrator::calibrate_event`].
    pub fn new_output(&self) -> CalibratedJets {
        let variations = self.variations();
        let n = variations.len();
        CalibratedJets {
            variations,
            pt: vec![Vec::new(); n],
            mass: vec![Vec::new(); n],
        }
    }

    /// Calibrates one event's jets into `out` (from [`JetCalibrator::new_output`]); allocates
    /// only when an event has more jets than any before.
    pub fn calibrate_event(
        &self,
        jets: &EventJets<'_>,
        out: &mut CalibratedJets,
    ) -> Result<(), JetMetError> {
        self.check(jets, out)?;
        out.clear();
        let n_sources = self.sources.len();
        let jer_up = 1 + 2 * n_sources;
        for i in 0..jets.pt.len() {
            // Raw four-momentum, in float32 as NanoAOD analyses compute it.
            let keep = 1.0 - jets.raw_factor[i];
            let pt_raw = f64::from(keep * jets.pt[i]);
            let mass_raw = f64::from(keep * jets.mass[i]);
            let mut vars = JetVars {
                pt: pt_raw,
                eta: f64::from(jets.eta[i]),
                phi: f64::from(jets.phi[i]),
                area: f64::from(jets.area[i]),
                rho: f64::from(jets.rho),
            };
            let jec = self.jec.factor(&vars);
            let (pt_jec, mass_jec) = (jec * pt_raw, jec * mass_raw);
            vars.pt = pt_jec;

            let mut smear = [1.0; 3];
            if let Some(jer) = &self.jer {
                let input = SmearInput {
                    pt: pt_jec,
                    eta: vars.eta,
                    pt_gen: matched_gen_pt(jets, i),
                    resolution: jer.resolution.eval(&vars),
                    gauss: jet_gauss(
                        self.seed,
                        JetSeed {
                            run: jets.run,
                            lumi: jets.lumi,
                            event: jets.event,
                            index: i,
                        },
                    ),
                };
                let sf = jer.scale_factor.eval(&vars);
                smear = sf.map(|sf| smear_factor(&input, sf));
            }
            let (pt_jer, mass_jer) = (smear[0] * pt_jec, smear[0] * mass_jec);
            out.push(0, pt_jer, mass_jer);

            vars.pt = pt_jer;
            for (k, source) in self.sources.iter().enumerate() {
                let (up, down) = source.shifts(&vars);
                out.push(1 + 2 * k, (1.0 + up) * pt_jer, (1.0 + up) * mass_jer);
                out.push(2 + 2 * k, (1.0 - down) * pt_jer, (1.0 - down) * mass_jer);
            }
            if self.jer.is_some() {
                out.push(jer_up, smear[1] * pt_jec, smear[1] * mass_jec);
                out.push(jer_up + 1, smear[2] * pt_jec, smear[2] * mass_jec);
            }
        }
        Ok(())
    }

    /// Checks the input lengths and that `out` was made by this calibrator.
    fn check(&self, jets: &EventJets<'_>, out: &CalibratedJets) -> Result<(), JetMetError> {
        let n = jets.pt.len();
        let gen_len = if self.jer.is_some() {
            jets.gen_jet_idx.len()
        } else {
            n
        };
        let columns = [
            ("eta", jets.eta.len()),
            ("phi", jets.phi.len()),
            ("mass", jets.mass.len()),
            ("rawFactor", jets.raw_factor.len()),
            ("area", jets.area.len()),
            ("genJetIdx", gen_len),
        ];
        if let Some((name, len)) = columns.into_iter().find(|(_, len)| *len != n) {
            return Err(JetMetError::Input(format!(
                "event {}: Jet_{name} has {len} values, Jet_pt has {n}",
                jets.event
            )));
        }
        let expected = 1 + 2 * self.sources.len() + if self.jer.is_some() { 2 } else { 0 };
        if out.variations.len() != expected || out.pt.len() != expected {
            return Err(JetMetError::Input(
                "output buffers from another calibrator (use JetCalibrator::new_output)".into(),
            ));
        }
        Ok(())
    }
}

/// The pt of the jet's generator jet (`GenJet_pt[genJetIdx]`), or 0 when the index is negative
/// or beyond the event's generator jets (coffea's `matched_gen`, filled with 0).
fn matched_gen_pt(jets: &EventJets<'_>, i: usize) -> f64 {
    usize::try_from(jets.gen_jet_idx[i])
        .ok()
        .and_then(|g| jets.gen_jet_pt.get(g))
        .map_or(0.0, |&pt| f64::from(pt))
}
