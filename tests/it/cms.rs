//! Standard corrections from the parameters: muon SFs in both correctionlib file layouts
//! (the older 2018 UL `muon_Z.json.gz` with a `year` input and `sf` key, and the newer
//! `(|eta|, pt, nominal)` one) and the pileup weight, against direct evaluation.

use pc_core::cms::{LeptonSf, Pileup};
use pc_core::config::Params;
use pc_core::correction::{CorrectionSet, Value};

use crate::common;

fn params(extra: &str) -> Params {
    Params::builder()
        .dir("data_dir", common::shared_data())
        .yaml("test", extra)
        .load()
        .unwrap()
}

const MUONS: [(f32, f32); 4] = [(20.5, 0.3), (45.0, -1.1), (130.0, 2.2), (33.0, -2.35)];

#[test]
fn muon_sf_in_the_old_layout_uses_year_and_sf_keys() {
    let p = params("{}");
    let sf = LeptonSf::muon(&p, "2018", "id").unwrap();
    let file = common::shared_data().join("corrections/2018_UL/muon_Z.json.gz");
    let set = CorrectionSet::from_file(&file).unwrap();
    let c = set.get("NUM_TightID_DEN_TrackerMuons").unwrap();
    let direct = |pt: f32, eta: f32, v: &str| {
        let args = [
            Value::Str("2018_UL"),
            Value::Real(f64::from(eta).abs()),
            Value::Real(f64::from(pt)),
            Value::Str(v),
        ];
        c.evaluate(&args).unwrap()
    };
    let w = sf.event_weight(MUONS).unwrap();
    let prod = |v: &str| {
        MUONS
            .iter()
            .map(|&(pt, eta)| direct(pt, eta, v))
            .product::<f64>()
    };
    assert_eq!(
        (w.nominal, w.up, w.down),
        (prod("sf"), prod("systup"), prod("systdown"))
    );
    assert!(w.up > w.nominal && w.nominal > w.down);
}

#[test]
fn muon_sf_in_the_new_layout_needs_no_evaluate_key() {
    let file = common::shared_data().join("corrections/muon_mvaTTH_2022_SF.json.gz");
    let yaml = format!(
        "lepton_scale_factors:\n  muon_sf:\n    JSONfiles: {{\"2022_preEE\": {{file: \"{}\"}}}}\n    sf_name: {{\"2022_preEE\": {{mva: NUM_TightmvaTTH_DEN_LooseMuons}}}}\n",
        file.display()
    );
    let sf = LeptonSf::muon(&params(&yaml), "2022_preEE", "mva").unwrap();
    let set = CorrectionSet::from_file(&file).unwrap();
    let c = set.get("NUM_TightmvaTTH_DEN_LooseMuons").unwrap();
    for (pt, eta) in MUONS {
        let [n, u, d] = sf.lepton(pt, eta).unwrap();
        let direct = |v: &str| {
            let args = [
                Value::Real(f64::from(eta).abs()),
                Value::Real(f64::from(pt)),
                Value::Str(v),
            ];
            c.evaluate(&args).unwrap()
        };
        assert_eq!(
            [n, u, d],
            [direct("nominal"), direct("systup"), direct("systdown")]
        );
    }
    // Out of the map's pt range (flow "error"): an error naming the correction.
    let err = sf.lepton(5.0, 0.5).unwrap_err().to_string();
    assert!(err.contains("NUM_TightmvaTTH_DEN_LooseMuons"), "{err}");
}

#[test]
fn wrong_layout_and_unknown_names_are_errors_naming_the_key() {
    let bad = "lepton_scale_factors:\n  muon_sf:\n    evaluate:\n      \"2018\":\n        inputs: [abs_eta, pt, valtype]\n";
    let err = LeptonSf::muon(&params(bad), "2018", "id")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("lepton_scale_factors.muon_sf.evaluate.2018")
            && err.contains("takes 4 inputs"),
        "{err}"
    );
    let err = LeptonSf::muon(&params("{}"), "2018", "idd")
        .unwrap_err()
        .to_string();
    assert!(err.contains("sf_name.2018.idd"), "{err}");
    let typo = "pileupJSONfiles:\n  \"2018\":\n    name: Collisions18_UltraLegacy_goldenJSN\n";
    let err = Pileup::from_params(&params(typo), "2018")
        .unwrap_err()
        .to_string();
    assert!(err.contains("did you mean"), "{err}");
}

#[test]
fn pileup_weight_equals_the_correction() {
    let pu = Pileup::from_params(&params("{}"), "2018").unwrap();
    let file = common::shared_data().join("corrections/2018_UL/puWeights.json.gz");
    let set = CorrectionSet::from_file(&file).unwrap();
    let c = set.get("Collisions18_UltraLegacy_goldenJSON").unwrap();
    for n in [0.0f32, 12.5, 33.0, 60.2, 120.0] {
        let w = pu.weight(n).unwrap();
        let direct = |v| {
            c.evaluate(&[Value::Real(f64::from(n)), Value::Str(v)])
                .unwrap()
        };
        assert_eq!(
            (w.nominal, w.up, w.down),
            (direct("nominal"), direct("up"), direct("down"))
        );
    }
}
