//! Jet calibration (JEC, JER smearing, JES/JER variations) against coffea 0.7's jetmet_tools on
//! the jets of every shared NanoAOD file (`validation/jetmet_reference.json`, written by
//! `validation/jetmet_reference.py`, which feeds coffea pc's per-jet random numbers), plus
//! the parsing of every shared JetMET text file and bad-input errors.

use std::path::{Path, PathBuf};

use pc_core::io::{Column, ReadOptions, RootFile, Values};
use pc_core::jetmet::jec::JecLevel;
use pc_core::jetmet::resolution::{JerResolution, JerScaleFactor};
use pc_core::jetmet::uncertainty::read_sources;
use pc_core::jetmet::{
    CalibratedJets, EventJets, JetCalibConfig, JetCalibrator, JetMetError, JetVariation,
};
use serde_json::Value;

use crate::common;

/// Largest relative difference accepted between our float32 results and coffea's: coffea
/// evaluates the formulas in float32, we in float64 (observed maximum printed by the test).
const REL_TOL: f64 = 1e-6;

fn jec_dir() -> PathBuf {
    common::shared_data().join("jec")
}

fn reference() -> Value {
    let path = common::root().join("validation/jetmet_reference.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run validation/jetmet_reference.py)",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap()
}

fn calibrator(reference: &Value) -> JetCalibrator {
    let files: Vec<PathBuf> = reference["jec_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| jec_dir().join(f.as_str().unwrap()))
        .collect();
    let mut config = JetCalibConfig::from_files(&files).unwrap();
    config.seed = reference["seed"].as_u64().unwrap();
    JetCalibrator::new(&config).unwrap()
}

fn f32s(c: &Column) -> &[f32] {
    match &c.values {
        Values::F32(v) => v,
        other => panic!("{}: {:?} values, expected f32", c.name, other.leaf_type()),
    }
}

/// The columns a calibration reads, for every event of one file.
pub(crate) struct FileJets {
    columns: Vec<Column>,
}

const BRANCHES: [&str; 12] = [
    "Jet_pt",
    "Jet_eta",
    "Jet_phi",
    "Jet_mass",
    "Jet_rawFactor",
    "Jet_area",
    "Jet_genJetIdx",
    "GenJet_pt",
    "fixedGridRhoFastjetAll",
    "run",
    "luminosityBlock",
    "event",
];

impl FileJets {
    pub(crate) fn read(path: &Path) -> FileJets {
        let tree = RootFile::open(path).unwrap().tree("Events").unwrap();
        let columns = tree
            .read(&BRANCHES, 0..tree.entries(), ReadOptions::default())
            .unwrap();
        FileJets { columns }
    }

    pub(crate) fn entries(&self) -> usize {
        self.columns[0].entries()
    }

    pub(crate) fn event(&self, i: usize) -> EventJets<'_> {
        let c = &self.columns;
        let jet = |k: usize| &f32s(&c[k])[c[k].entry_range(i)];
        let Values::I32(gen_idx) = &c[6].values else {
            panic!("Jet_genJetIdx type")
        };
        let (Values::U32(run), Values::U32(lumi), Values::U64(event)) =
            (&c[9].values, &c[10].values, &c[11].values)
        else {
            panic!("run/luminosityBlock/event types")
        };
        EventJets {
            pt: jet(0),
            eta: jet(1),
            phi: jet(2),
            mass: jet(3),
            raw_factor: jet(4),
            area: jet(5),
            gen_jet_idx: &gen_idx[c[6].entry_range(i)],
            gen_jet_pt: jet(7),
            rho: f32s(&c[8])[i],
            run: run[i],
            lumi: lumi[i],
            event: event[i],
        }
    }
}

/// Reference key of a variation (`nominal`, `JES_<source>_up`, `JER_down`, ...).
fn reference_key(cal: &JetCalibrator, v: JetVariation) -> String {
    let sources = cal.jes_sources();
    match v {
        JetVariation::Nominal => "nominal".into(),
        JetVariation::JesUp(i) => format!("JES_{}_up", sources[i]),
        JetVariation::JesDown(i) => format!("JES_{}_down", sources[i]),
        JetVariation::JerUp => "JER_up".into(),
        JetVariation::JerDown => "JER_down".into(),
    }
}

#[test]
fn calibrated_jets_match_coffea_jetmet_tools() {
    let reference = reference();
    let cal = calibrator(&reference);
    assert_eq!(cal.jec_levels(), ["L1FastJet", "L2Relative", "L3Absolute"]);
    let mut out = cal.new_output();
    let (mut compared, mut worst, mut matched, mut unmatched) = (0usize, 0f64, 0usize, 0usize);
    let mut failures = Vec::new();
    for path in common::nanoaod_files() {
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let r = &reference["files"][&stem];
        let jets = FileJets::read(&path);
        let counts: Vec<u64> = r["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_u64().unwrap())
            .collect();
        assert_eq!(counts.len(), jets.entries(), "{stem}: events");
        let mut offset = 0;
        for (i, &n) in counts.iter().enumerate() {
            let event = jets.event(i);
            assert_eq!(event.pt.len() as u64, n, "{stem} event {i}: jets");
            cal.calibrate_event(&event, &mut out).unwrap();
            for pt_gen in &r["pt_gen"].as_array().unwrap()[offset..][..n as usize] {
                if pt_gen.as_f64().unwrap() > 0.0 {
                    matched += 1;
                } else {
                    unmatched += 1;
                }
            }
            for (v, &variation) in out.variations().iter().enumerate() {
                let key = reference_key(&cal, variation);
                let mut sets = vec![(key.clone(), out.pt(v))];
                if variation == JetVariation::Nominal {
                    sets.push(("nominal_mass".into(), out.mass(v)));
                }
                for (key, got) in sets {
                    let Some(expected) = r.get(&key) else {
                        assert!(stem != "nano_dy", "{stem}: no reference for {key}");
                        continue;
                    };
                    for (j, &g) in got.iter().enumerate() {
                        let e = expected[offset + j].as_f64().unwrap();
                        let rel = (f64::from(g) - e).abs() / e.abs().max(1e-3);
                        worst = worst.max(rel);
                        compared += 1;
                        if rel > REL_TOL {
                            failures
                                .push(format!("{stem} event {i} jet {j} {key}: {g} vs coffea {e}"));
                        }
                    }
                }
            }
            offset += n as usize;
        }
    }
    println!(
        "compared {compared} calibrated values; max relative difference {worst:.2e}; \
         {matched} jets gen-matched, {unmatched} unmatched (stochastic smearing)"
    );
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
    assert!(compared > 5000 && matched > 100 && unmatched > 100);
}

#[test]
fn variations_move_the_jets_and_are_independent_of_event_order() {
    let cal = calibrator(&reference());
    let path = common::shared_data().join("nanoaod/nano_dy.root");
    let jets = FileJets::read(&path);
    let n = jets.entries();
    let run = |order: &mut dyn Iterator<Item = usize>| {
        let mut out = cal.new_output();
        let mut all: Vec<(usize, Vec<Vec<f32>>)> = order
            .map(|i| {
                cal.calibrate_event(&jets.event(i), &mut out).unwrap();
                (
                    i,
                    (0..out.variations().len())
                        .map(|v| out.pt(v).to_vec())
                        .collect(),
                )
            })
            .collect();
        all.sort_by_key(|(i, _)| *i);
        all
    };
    let forward = run(&mut (0..n));
    let backward = run(&mut (0..n).rev());
    assert_eq!(forward, backward);
    let sum = |v: usize| {
        forward
            .iter()
            .flat_map(|(_, pts)| pts[v].iter())
            .map(|&x| f64::from(x))
            .sum::<f64>()
    };
    let out = cal.new_output();
    let nominal = sum(0);
    for (v, &variation) in out.variations().iter().enumerate().skip(1) {
        let name = cal.variation_name(variation);
        let shift = sum(v) / nominal - 1.0;
        assert!(
            shift.abs() > 1e-4,
            "{name} does not move the jets ({shift:e})"
        );
        if name.starts_with("JES_Total") || name.starts_with("JES_jes") {
            assert_eq!(
                shift > 0.0,
                name.ends_with("Up"),
                "{name}: total jet pt shift {shift:e}"
            );
        }
    }
}

#[test]
fn jec_only_calibration_as_for_data_matches_coffea() {
    let reference = reference();
    let jec: Vec<PathBuf> = reference["jec_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .filter(|f| f.ends_with(".jec.txt.gz"))
        .map(|f| jec_dir().join(f))
        .collect();
    let cal = JetCalibrator::new(&JetCalibConfig {
        jec,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(cal.variations(), [JetVariation::Nominal]);
    let mut out = cal.new_output();
    let mut compared = 0;
    for path in common::nanoaod_files() {
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let expected = reference["files"][&stem]["jec_only"].as_array().unwrap();
        let jets = FileJets::read(&path);
        let mut offset = 0;
        for i in 0..jets.entries() {
            let mut event = jets.event(i);
            event.gen_jet_idx = &[]; // data: no generator information
            cal.calibrate_event(&event, &mut out).unwrap();
            for (j, &got) in out.pt(0).iter().enumerate() {
                let e = expected[offset + j].as_f64().unwrap();
                let rel = (f64::from(got) - e).abs() / e;
                assert!(
                    rel <= REL_TOL,
                    "{stem} event {i} jet {j}: {got} vs coffea {e}"
                );
                compared += 1;
            }
            offset += out.pt(0).len();
        }
    }
    assert!(compared > 1000);
}

#[test]
fn calibrator_is_shared_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<JetCalibrator>();
}

#[test]
fn every_shared_jetmet_file_parses() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(jec_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let ok = if name.contains(".junc.") {
            let sources = read_sources(path).unwrap();
            let expected = std::str::from_utf8(&gz_or_plain(path))
                .unwrap()
                .lines()
                .filter(|l| l.starts_with('['))
                .count();
            assert_eq!(sources.len(), expected.max(1), "{name}");
            true
        } else if name.contains(".jersf.") {
            JerScaleFactor::open(path).is_ok()
        } else if name.contains(".jr.") {
            JerResolution::open(path).is_ok()
        } else if name.contains(".jec.") {
            JecLevel::open(path).is_ok()
        } else {
            panic!("unexpected file {name}")
        };
        assert!(ok, "{name}");
    }
    assert!(files.len() >= 17);
}

/// The file's bytes, gunzipped by the system `gzip` when compressed (an independent reader).
fn gz_or_plain(path: &Path) -> Vec<u8> {
    if path.extension().is_some_and(|e| e == "gz") {
        let out = std::process::Command::new("gzip")
            .arg("-dc")
            .arg(path)
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout
    } else {
        std::fs::read(path).unwrap()
    }
}

fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pc-jetmet-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn bad_inputs_give_errors_naming_file_line_or_input() {
    let header = "{1 JetEta 1 JetPt max(0.0001,pow(x,[0])) Correction L2Relative}\n";
    let cases: [(&str, String, &str); 8] = [
        (
            "I_V1_MC_L2Relative_AK4PFchs.jec.txt",
            "{1 JetEta 1 JetPt x*y Correction L2Relative}\n-5 5 3 1 100 1\n".into(),
            ":1: the formula uses 2 variables, the header names 1",
        ),
        (
            "J_V1_MC_L2Relative_AK4PFchs.jec.txt",
            "{1 JetEta 1 JetPt x*[1] Correction L2Relative}\n-5 5 3 1 100 1\n".into(),
            ":1: the formula uses 2 parameters, the records hold 1",
        ),
        (
            "A_V1_MC_L2Relative_AK4PFchs.jec.txt",
            format!("{header}-5 5 4 1 100 1.0\n"),
            ":2: 3 values after the count 4",
        ),
        (
            "B_V1_MC_L2Relative_AK4PFchs.jec.txt",
            format!("{header}-5 0 3 1 100 1.0\n0 5 2 1 100\n"),
            ":3: 2 values, expected 2 variable ranges and 1 parameters",
        ),
        (
            "C_V1_MC_L2Relative_AK4PFchs.jec.txt",
            "{1 JetEta 1 JetPt max(0.0001,pow(x,[0]) Correction L2Relative}\n-5 5 3 1 100 1\n"
                .into(),
            ":1: formula",
        ),
        (
            "D_V1_MC_L2Relative_AK4PFchs.jec.txt",
            "{1 JetY 1 JetPt 1 Correction L2Relative}\n-5 5 3 1 100 1\n".into(),
            ":1: unsupported variable \"JetY\"",
        ),
        (
            "E_V1_MC_L2Relative_AK4PFchs.jec.txt",
            format!("{header}-5 0 3 1 100 1.0\n1 5 3 1 100 1.0\n"),
            "the bins of JetEta do not tile",
        ),
        (
            "F_V1_MC_Xyz_AK4PFchs.jec.txt",
            format!("{header}-5 5 3 1 100 1.0\n"),
            "no JEC level",
        ),
    ];
    for (name, text, needle) in cases {
        let path = temp_file(name, &text);
        let err = JecLevel::open(&path).unwrap_err().to_string();
        assert!(err.contains(name) && err.contains(needle), "{name}: {err}");
    }
    let path = temp_file(
        "G_SF.jersf.txt",
        "{1 JetEta 0 None ScaleFactor}\n-5 5 2 1.1 1.0\n",
    );
    let err = JerScaleFactor::open(&path).unwrap_err().to_string();
    assert!(
        err.contains("G_SF.jersf.txt:2: expected nominal, down, up"),
        "{err}"
    );
    let path = temp_file(
        "H_Uncertainty.junc.txt",
        "{1 JetEta 1 JetPt \"\" Correction Uncertainty}\n-5 5 4 10 0.1 0.1 9\n",
    );
    let err = read_sources(&path).unwrap_err().to_string();
    assert!(
        err.contains("H_Uncertainty.junc.txt:2: the values must be (pt, down, up) triplets"),
        "{err}"
    );
    let missing = jec_dir().join("no_such_file.jec.txt");
    assert!(
        JecLevel::open(&missing)
            .unwrap_err()
            .to_string()
            .contains("no_such_file")
    );

    // Configuration and input errors.
    let jr = jec_dir().join("Summer19UL18_JRV2_MC_PtResolution_AK4PFchs.jr.txt.gz");
    let config = JetCalibConfig {
        jer_resolution: Some(jr),
        ..Default::default()
    };
    assert!(
        matches!(JetCalibrator::new(&config), Err(JetMetError::Config(m)) if m.contains("scale-factor"))
    );
    let config = JetCalibConfig {
        jes_uncertainty: vec![
            jec_dir().join("Summer19UL18_V5_MC_Uncertainty_AK4PFchs.junc.txt.gz"),
        ],
        jes_sources: vec!["Total".into()],
        ..Default::default()
    };
    let err = JetCalibrator::new(&config).unwrap_err().to_string();
    assert!(
        err.contains("unknown JES source \"Total\" (known: jes)"),
        "{err}"
    );

    let cal = calibrator(&reference());
    let jets = FileJets::read(&common::shared_data().join("nanoaod/nano_dy.root"));
    let mut event = jets.event(0);
    event.area = &event.area[1..];
    let mut out = cal.new_output();
    let err = cal
        .calibrate_event(&event, &mut out)
        .unwrap_err()
        .to_string();
    assert!(err.contains("Jet_area has"), "{err}");
    let mut foreign = CalibratedJets::default();
    assert!(cal.calibrate_event(&jets.event(0), &mut foreign).is_err());
}
