//! Tests of the histogram module: binning against boost-histogram (a fixture made by
//! `validation/hist_edges_fixture.py`), fills, merging, scaling, UHI JSON round trips.

use super::*;
use serde_json::Value;

const FIXTURE: &str = include_str!("../../../validation/hist_edges_fixture.json");

fn from_bits(v: &Value) -> f64 {
    let s = v.as_str().expect("hex string");
    f64::from_bits(u64::from_str_radix(s.trim_start_matches("0x"), 16).expect("hex"))
}

fn fixture() -> Value {
    serde_json::from_str(FIXTURE).expect("fixture JSON")
}

#[test]
fn hist_binning_matches_boost_histogram() {
    let fx = fixture();
    let mut n = 0;
    for a in fx["axes"].as_array().unwrap() {
        let axis = match a["type"].as_str().unwrap() {
            "regular" => Axis::regular(
                "x",
                a["bins"].as_u64().unwrap() as usize,
                a["start"].as_f64().unwrap(),
                a["stop"].as_f64().unwrap(),
            ),
            "variable" => Axis::variable(
                "x",
                a["edges"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e.as_f64().unwrap())
                    .collect::<Vec<_>>(),
            ),
            "integer" => Axis::integer(
                "x",
                a["start"].as_i64().unwrap(),
                a["stop"].as_i64().unwrap(),
            ),
            t => panic!("unknown axis type {t}"),
        }
        .unwrap();
        for case in a["cases"].as_array().unwrap() {
            let x = from_bits(&case[0]);
            let want = case[1].as_u64().unwrap() as usize;
            assert_eq!(
                axis.index(x),
                Some(want),
                "{:?}: x = {x:e} ({})",
                axis.kind(),
                case[0]
            );
            n += 1;
        }
    }
    assert!(n > 1000, "only {n} cases");
}

#[test]
fn hist_fills_match_hist_python() {
    let fx = fixture();
    for f in fx["fills"].as_array().unwrap() {
        let mut h = match f["name"].as_str().unwrap() {
            "cat_var_x_y" => Hist::new(
                "cat_var_x_y",
                vec![
                    Axis::str_category("cat", &["a", "b", "c"]).unwrap(),
                    Axis::str_category("variation", &["nominal", "up"]).unwrap(),
                    Axis::regular("x", 10, -3.0, 3.0).unwrap(),
                    Axis::variable("y", [-1.0, 0.0, 0.1, 0.3, 1.0, 10.0]).unwrap(),
                ],
            ),
            "int_n" => Hist::new("int_n", vec![Axis::integer("n", 0, 4).unwrap()]),
            other => panic!("unknown fill {other}"),
        }
        .unwrap();
        let shape: Vec<usize> = f["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(h.shape(), shape);
        let cats = f["cats"].as_array().unwrap();
        let values = f["values"].as_array().unwrap();
        let weights = f["weights"].as_array().unwrap();
        for ((c, v), w) in cats.iter().zip(values).zip(weights) {
            let c: Vec<usize> = c
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i.as_u64().unwrap() as usize)
                .collect();
            let v: Vec<f64> = v.as_array().unwrap().iter().map(from_bits).collect();
            h.fill_indexed(&c, &v, from_bits(w)).unwrap();
        }
        let ev = f["expected_values"].as_array().unwrap();
        let evar = f["expected_variances"].as_array().unwrap();
        assert_eq!(ev.len(), h.bins().len());
        for (i, ((b, v), var)) in h.bins().iter().zip(ev).zip(evar).enumerate() {
            // Our sums are exact (correctly rounded), hist's are sequential: equal to
            // within the rounding of a sequential sum.
            let (v, var) = (v.as_f64().unwrap(), var.as_f64().unwrap());
            let close = |x: f64, y: f64| (x - y).abs() <= 1e-13 * x.abs().max(y.abs());
            assert!(close(b.value, v), "bin {i} value {} vs {v}", b.value);
            assert!(
                close(b.variance, var),
                "bin {i} variance {} vs {var}",
                b.variance
            );
        }
    }
}

fn mll() -> Hist {
    Hist::new(
        "mll",
        vec![
            Axis::str_category("cat", &["baseline", "2jets"]).unwrap(),
            Axis::str_category("variation", &["nominal", "puUp", "puDown"]).unwrap(),
            Axis::regular("mll", 6, 60.0, 120.0)
                .unwrap()
                .with_label("$m_{\\mu\\mu}$ [GeV]"),
        ],
    )
    .unwrap()
}

#[test]
fn hist_axis_validation() {
    assert!(Axis::regular("x", 0, 0.0, 1.0).is_err());
    assert!(Axis::regular("x", 3, 1.0, 1.0).is_err());
    assert!(Axis::regular("x", 3, 0.0, f64::NAN).is_err());
    assert!(Axis::regular("x", 3, -f64::MAX, f64::MAX).is_err());
    assert!(Axis::variable("x", [1.0]).is_err());
    assert!(Axis::variable("x", [0.0, 1.0, 1.0]).is_err());
    assert!(Axis::integer("x", 3, 3).is_err());
    assert!(Axis::integer("x", i64::MIN, i64::MAX).is_err());
    let e = Axis::str_category("cat", &["a", "b", "a"]).unwrap_err();
    assert!(
        e.to_string().contains("cat") && e.to_string().contains("`a`"),
        "{e}"
    );
    assert!(Axis::str_category::<&str>("cat", &[]).is_err());
    let e = Hist::new(
        "h",
        vec![
            Axis::regular("x", 1, 0.0, 1.0).unwrap(),
            Axis::regular("x", 1, 0.0, 1.0).unwrap(),
        ],
    )
    .unwrap_err();
    assert!(e.to_string().contains("`h`"), "{e}");
    assert!(Hist::new("h", vec![]).is_err());
}

#[test]
fn hist_category_flow_and_lookup() {
    let a = Axis::str_category("cat", &["a", "b"]).unwrap();
    assert_eq!(a.extent(), 3);
    assert_eq!(a.category_bin(1), Some(1));
    assert_eq!(a.category_bin(7), Some(2));
    assert_eq!(a.category_index("b"), Some(1));
    assert_eq!(a.category_index("zz"), None);
    let e = a.require_category("zz").unwrap_err().to_string();
    assert!(e.contains("`cat`") && e.contains("a, b"), "{e}");
    let nf = Axis::str_category_with_flow("cat", &["a", "b"], false).unwrap();
    assert_eq!(nf.extent(), 2);
    assert_eq!(nf.category_bin(2), None);
    let mut h = Hist::new("h", vec![nf, Axis::regular("x", 2, 0.0, 2.0).unwrap()]).unwrap();
    h.fill_indexed(&[5], &[0.5], 1.0).unwrap(); // dropped
    h.fill_1d(&[1], 0.5, 2.0).unwrap();
    assert_eq!(h.sum(true).value, 2.0);
    assert_eq!(h.bin(&[1, 1]).unwrap().value, 2.0);
}

#[test]
fn hist_fill_paths_agree() {
    let mut a = mll();
    let mut b = mll();
    let mut c = mll();
    let xs: Vec<f64> = (0..200).map(|i| 55.0 + 0.37 * i as f64).collect();
    let ws: Vec<f64> = (0..200).map(|i| 0.5 + 0.01 * i as f64).collect();
    for (&x, &w) in xs.iter().zip(&ws) {
        a.fill_indexed(&[1, 2], &[x], w).unwrap();
        b.fill_1d(&[1, 2], x, w).unwrap();
    }
    c.fill_columns(&[1, 2], &[&xs], &ws).unwrap();
    assert_eq!(a, b);
    assert_eq!(a, c);
    let s = a.sum(true);
    assert!((s.value - ws.iter().sum::<f64>()).abs() < 1e-12);
    // Underflow (x < 60) and overflow (x >= 120) bins hold something, in-range too.
    assert!(a.bin(&[1, 2, 0]).unwrap().value > 0.0);
    assert!(a.bin(&[1, 2, 7]).unwrap().value > 0.0);
    assert!(a.sum(false).value < s.value);
    assert_eq!(a.bin(&[0, 0, 3]).unwrap(), WeightedSum::default());
}

#[test]
fn hist_fill_arity_errors_name_the_histogram() {
    let mut h = mll();
    let e = h.fill_indexed(&[0], &[1.0], 1.0).unwrap_err().to_string();
    assert!(e.contains("`mll`") && e.contains("2 category"), "{e}");
    assert!(h.fill(&[1.0], 1.0).is_err());
    assert!(h.fill_1d(&[0, 0, 0], 1.0, 1.0).is_err());
    assert!(h.fill_columns(&[0, 0], &[&[1.0, 2.0]], &[1.0]).is_err());
    assert_eq!(h.sum(true), WeightedSum::default());
}

#[test]
fn hist_add_scale_reset() {
    let mut a = mll();
    let mut b = mll();
    a.fill_1d(&[0, 0], 91.0, 2.0).unwrap();
    b.fill_1d(&[0, 0], 91.0, 3.0).unwrap();
    b.fill_1d(&[1, 1], 200.0, 1.0).unwrap();
    a.add(&b).unwrap();
    assert_eq!(
        a.bin(&[0, 0, 4]).unwrap(),
        WeightedSum {
            value: 5.0,
            variance: 13.0
        }
    );
    assert_eq!(
        a.bin(&[1, 1, 7]).unwrap(),
        WeightedSum {
            value: 1.0,
            variance: 1.0
        }
    );
    a.scale(0.5);
    assert_eq!(
        a.bin(&[0, 0, 4]).unwrap(),
        WeightedSum {
            value: 2.5,
            variance: 3.25
        }
    );
    let other = Hist::new("other", vec![Axis::regular("mll", 6, 60.0, 121.0).unwrap()]).unwrap();
    let e = a.add(&other).unwrap_err().to_string();
    assert!(e.contains("`other`") && e.contains("`mll`"), "{e}");
    let mut relabelled = mll();
    relabelled = Hist::new(
        "mll",
        relabelled
            .axes()
            .iter()
            .map(|ax| ax.clone().with_label("x"))
            .collect(),
    )
    .unwrap();
    assert!(a.add(&relabelled).is_err());
    a.reset();
    assert_eq!(a.sum(true), WeightedSum::default());
}

/// Histograms of every kind, as the output contract lays them out.
fn sample_histograms() -> Vec<(String, Hist)> {
    let cats = ["baseline", "2jets", "SS"];
    let vars = ["nominal", "pileupUp", "pileupDown", "JES_TotalUp"];
    let lead = || {
        vec![
            Axis::str_category("cat", &cats)
                .unwrap()
                .with_label("Category"),
            Axis::str_category("variation", &vars)
                .unwrap()
                .with_label("Variation"),
        ]
    };
    let with = |mut axes: Vec<Axis>, extra: Vec<Axis>| {
        axes.extend(extra);
        axes
    };
    let mut out = Vec::new();
    let mut h_mll = Hist::new(
        "mll",
        with(
            lead(),
            vec![
                Axis::regular("mll", 60, 60.0, 120.0)
                    .unwrap()
                    .with_label("$m_{\\mu\\mu}$ [GeV]"),
            ],
        ),
    )
    .unwrap();
    let mut h_pt = Hist::new(
        "MuonGood_pt_1",
        with(
            lead(),
            vec![
                Axis::variable("pt", [0.0, 20.0, 30.0, 45.0, 70.0, 120.0, 250.0, 1000.0])
                    .unwrap()
                    .with_label("$p_T$ [GeV]"),
            ],
        ),
    )
    .unwrap();
    let mut h_nj = Hist::new(
        "nJetGood",
        with(
            lead(),
            vec![
                Axis::integer("nJetGood", 0, 8)
                    .unwrap()
                    .with_label("N jets"),
            ],
        ),
    )
    .unwrap();
    let mut h_2d = Hist::new(
        "eta_phi",
        with(
            lead(),
            vec![
                Axis::regular("eta", 10, -2.5, 2.5)
                    .unwrap()
                    .with_label("$\\eta$"),
                Axis::regular("phi", 8, -std::f64::consts::PI, std::f64::consts::PI)
                    .unwrap()
                    .with_label("$\\phi$"),
            ],
        ),
    )
    .unwrap();
    // Data: no variation axis.
    let mut h_data = Hist::new(
        "mll",
        vec![
            Axis::str_category("cat", &cats)
                .unwrap()
                .with_label("Category"),
            Axis::regular("mll", 60, 60.0, 120.0)
                .unwrap()
                .with_label("$m_{\\mu\\mu}$ [GeV]"),
        ],
    )
    .unwrap();
    // Deterministic pseudo-random entries (xorshift), including flow values.
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    let mut rnd = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    for _ in 0..5000 {
        let (c, v) = ((rnd() * 3.0) as usize, (rnd() * 4.0) as usize);
        let w = 0.2 + rnd();
        h_mll.fill_1d(&[c, v], 50.0 + 80.0 * rnd(), w).unwrap();
        h_pt.fill_1d(&[c, v], 1100.0 * rnd() * rnd(), w).unwrap();
        h_nj.fill_1d(&[c, v], (rnd() * 10.0).floor() - 1.0, w)
            .unwrap();
        h_2d.fill_indexed(&[c, v], &[6.0 * rnd() - 3.0, 7.0 * rnd() - 3.5], w)
            .unwrap();
        h_data.fill_1d(&[c], 50.0 + 80.0 * rnd(), 1.0).unwrap();
    }
    h_mll.scale(1.0 / 3.7);
    for (name, h) in [
        ("mll/DYJetsToLL/DYJetsToLL_M-50_2018", h_mll),
        ("MuonGood_pt_1/DYJetsToLL/DYJetsToLL_M-50_2018", h_pt),
        ("nJetGood/TTTo2L2Nu/TTTo2L2Nu_2018", h_nj),
        ("eta_phi/DYJetsToLL/DYJetsToLL_M-50_2018", h_2d),
        ("mll/DATA_SingleMuon/DATA_SingleMuon_2018_EraA", h_data),
    ] {
        out.push((name.to_owned(), h));
    }
    out
}

#[test]
fn hist_uhi_round_trip() {
    let hists = sample_histograms();
    let mut buf = Vec::new();
    uhi::write_json(&mut buf, hists.iter().map(|(k, h)| (k.as_str(), h))).unwrap();
    let text = String::from_utf8(buf).unwrap();
    let back = uhi::from_json_str(&text).unwrap();
    assert_eq!(back.len(), hists.len());
    for (k, h) in &hists {
        let r = &back[k];
        assert_eq!(r, h, "{k} differs after the round trip");
        // Bit-exact values, flow included.
        assert!(
            r.bins()
                .iter()
                .zip(h.bins())
                .all(|(a, b)| a.value.to_bits() == b.value.to_bits()
                    && a.variance.to_bits() == b.variance.to_bits())
        );
    }
    // The shape of one histogram in the text: an Integer axis tagged for boost-histogram.
    let v: Value = serde_json::from_str(&text).unwrap();
    let nj = &v["nJetGood/TTTo2L2Nu/TTTo2L2Nu_2018"];
    assert_eq!(nj["uhi_schema"], 1);
    assert_eq!(nj["axes"][0]["type"], "category_str");
    assert_eq!(nj["axes"][0]["flow"], true);
    assert_eq!(nj["axes"][2]["type"], "regular");
    assert_eq!(nj["axes"][2]["lower"], 0);
    assert_eq!(
        nj["axes"][2]["writer_info"]["boost-histogram"]["orig_type"],
        "Integer"
    );
    assert_eq!(nj["storage"]["type"], "weighted");
    // values nested [cat][variation][n]: 4 x 5 x 10 with flow
    assert_eq!(nj["storage"]["values"].as_array().unwrap().len(), 4);
    assert_eq!(nj["storage"]["values"][0].as_array().unwrap().len(), 5);
    assert_eq!(nj["storage"]["values"][0][0].as_array().unwrap().len(), 10);
}

#[test]
fn hist_uhi_reads_sparse_flat_and_rejects_bad_input() {
    let base = r#"{"uhi_schema": 1, "axes": [
        {"type": "regular", "lower": 0, "upper": 2, "bins": 2,
         "underflow": true, "overflow": true, "circular": false, "metadata": {"name": "x"}}],
        "storage": STORAGE}"#;
    let read = |storage: &str| {
        uhi::from_json_str(&format!(r#"{{"h": {}}}"#, base.replace("STORAGE", storage)))
    };
    let dense =
        read(r#"{"type": "weighted", "values": [0, 1, 2, 3], "variances": [0, 1, 4, 9]}"#).unwrap();
    let sparse = read(
        r#"{"type": "weighted", "index": [[1, 2, 3]], "values": [1, 2, 3], "variances": [1, 4, 9]}"#,
    )
    .unwrap();
    assert_eq!(dense["h"], sparse["h"]);
    assert_eq!(dense["h"].name(), "h");
    let empty = read(r#"{"type": "weighted"}"#).unwrap();
    assert_eq!(empty["h"].sum(true), WeightedSum::default());
    for bad in [
        r#"{"type": "double", "values": [0, 1, 2, 3]}"#,
        r#"{"type": "weighted", "values": [0, 1, 2], "variances": [0, 1, 4]}"#,
        r#"{"type": "weighted", "values": [0, 1, 2, 3]}"#,
        r#"{"type": "weighted", "index": [[7]], "values": [1], "variances": [1]}"#,
    ] {
        let e = read(bad).unwrap_err().to_string();
        assert!(e.contains("`h`"), "{e}");
    }
    assert!(uhi::from_json_str(r#"{"uhi_schema": 1}"#).is_err());
    assert!(uhi::from_json_str("[1]").is_err());
    let circ = base
        .replace("\"circular\": false", "\"circular\": true")
        .replace("STORAGE", r#"{"type": "weighted"}"#);
    assert!(uhi::from_json_str(&format!(r#"{{"h": {circ}}}"#)).is_err());
}

#[test]
fn hist_uhi_refuses_non_finite_bins() {
    let mut h = mll();
    h.fill_1d(&[0, 0], 90.0, f64::NAN).unwrap();
    let e = uhi::to_json_string(&h).unwrap_err().to_string();
    assert!(e.contains("`mll`") && e.contains("NaN"), "{e}");
    let dir = std::env::temp_dir().join(format!("pc-hist-nonfinite-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("histograms.json");
    assert!(uhi::write_json_file(&path, [("mll/s/d", &h)]).is_err());
    assert!(!path.exists());
    assert!(
        std::fs::read_dir(&dir).unwrap().next().is_none(),
        "temporary file left"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Writes a sample `histograms.json` to `$PC_UHI_OUT` for `validation/check_uhi.py`.
#[test]
fn hist_uhi_sample_file_for_python() {
    let Some(path) = std::env::var_os("PC_UHI_OUT") else {
        return;
    };
    let path = std::path::PathBuf::from(path);
    let hists = sample_histograms();
    uhi::write_json_file(&path, hists.iter().map(|(k, h)| (k.as_str(), h))).unwrap();
    let back = uhi::read_json_file(&path).unwrap();
    for (k, h) in &hists {
        assert_eq!(&back[k], h);
        let s = h.sum(true);
        println!(
            "{k}: sum(flow) value {:.17e} variance {:.17e}",
            s.value, s.variance
        );
    }
}

/// Reads `$PC_UHI_IN` (e.g. written by `hist` or `uhi add`) and prints every sum.
#[test]
fn hist_uhi_read_file_from_python() {
    let Some(path) = std::env::var_os("PC_UHI_IN") else {
        return;
    };
    let hists = uhi::read_json_file(std::path::Path::new(&path)).unwrap();
    assert!(!hists.is_empty());
    for (k, h) in &hists {
        let s = h.sum(true);
        println!(
            "{k}: sum(flow) value {:.17e} variance {:.17e}",
            s.value, s.variance
        );
    }
}
