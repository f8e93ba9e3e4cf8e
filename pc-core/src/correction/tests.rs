//! Node semantics and error messages on small inline files (exactness against Python
//! correctionlib on the real files is `tests/it/correction.rs`).

use super::*;

fn set(corrections: &str) -> CorrectionSet {
    let doc = format!(r#"{{"schema_version": 2, "corrections": [{corrections}]}}"#);
    CorrectionSet::from_slice(doc.as_bytes(), "inline.json").unwrap()
}

fn one(inputs: &str, data: &str) -> CorrectionSet {
    set(&format!(
        r#"{{"name": "c", "version": 1, "inputs": [{inputs}], "output": {{"name": "o", "type": "real"}}, "data": {data}}}"#
    ))
}

const PT: &str = r#"{"name": "pt", "type": "real"}"#;
const SYST: &str = r#"{"name": "syst", "type": "string"}"#;

fn eval(s: &CorrectionSet, values: &[Value]) -> Result<f64, CorrectionError> {
    s.get("c").unwrap().evaluate(values)
}

#[test]
fn binning_flows() {
    let binning = |flow: &str| {
        one(
            PT,
            &format!(
                r#"{{"nodetype": "binning", "input": "pt", "edges": [10, 20, 40], "content": [1.0, 2.0], "flow": {flow}}}"#
            ),
        )
    };
    let clamp = binning(r#""clamp""#);
    assert_eq!(eval(&clamp, &[Value::Real(5.0)]).unwrap(), 1.0);
    assert_eq!(eval(&clamp, &[Value::Real(20.0)]).unwrap(), 2.0);
    assert_eq!(eval(&clamp, &[Value::Real(400.0)]).unwrap(), 2.0);
    let value = binning(
        r#"{"nodetype": "formula", "expression": "x/100", "parser": "TFormula", "variables": ["pt"]}"#,
    );
    assert_eq!(eval(&value, &[Value::Real(400.0)]).unwrap(), 4.0);
    assert_eq!(eval(&value, &[Value::Real(15.0)]).unwrap(), 1.0);
    let error = binning(r#""error""#);
    let msg = eval(&error, &[Value::Real(40.0)]).unwrap_err().to_string();
    assert_eq!(
        msg,
        r#"correction `c`: input `pt` = 40 is above the bin edges [10, 40] (flow is "error")"#
    );
}

#[test]
fn uniform_binning_and_wrap() {
    let s = one(
        PT,
        r#"{"nodetype": "binning", "input": "pt", "edges": {"n": 4, "low": 0, "high": 2}, "content": [1, 2, 3, 4], "flow": "wrap"}"#,
    );
    assert_eq!(eval(&s, &[Value::Real(0.6)]).unwrap(), 2.0);
    assert_eq!(eval(&s, &[Value::Real(2.6)]).unwrap(), 2.0);
    assert_eq!(eval(&s, &[Value::Real(-0.1)]).unwrap(), 4.0);
}

#[test]
fn multibinning_strides_last_axis_fastest() {
    let s = one(
        &format!(r#"{PT}, {{"name": "eta", "type": "real"}}"#),
        r#"{"nodetype": "multibinning", "inputs": ["pt", "eta"], "edges": [[0, 1, 2], [0, 1, 2, 3]], "content": [0, 1, 2, 3, 4, 5], "flow": "clamp"}"#,
    );
    assert_eq!(
        eval(&s, &[Value::Real(1.5), Value::Real(0.5)]).unwrap(),
        3.0
    );
    assert_eq!(
        eval(&s, &[Value::Real(0.5), Value::Real(2.5)]).unwrap(),
        2.0
    );
}

#[test]
fn categories_defaults_and_suggestions() {
    let s = one(
        SYST,
        r#"{"nodetype": "category", "input": "syst", "content": [{"key": "nominal", "value": 1}, {"key": "up", "value": 2}]}"#,
    );
    assert_eq!(eval(&s, &[Value::Str("up")]).unwrap(), 2.0);
    let msg = eval(&s, &[Value::Str("nomnal")]).unwrap_err().to_string();
    assert!(
        msg.contains("input `syst` has no category \"nomnal\"")
            && msg.contains("did you mean `nominal`"),
        "{msg}"
    );
    let ints = one(
        r#"{"name": "f", "type": "int"}"#,
        r#"{"nodetype": "category", "input": "f", "content": [{"key": 5, "value": 1}], "default": 7}"#,
    );
    assert_eq!(eval(&ints, &[Value::Int(5)]).unwrap(), 1.0);
    assert_eq!(eval(&ints, &[Value::Int(0)]).unwrap(), 7.0);
}

#[test]
fn transform_rounds_int_inputs() {
    let s = one(
        &format!(r#"{PT}, {{"name": "n", "type": "int"}}"#),
        r#"{"nodetype": "transform", "input": "n", "rule": {"nodetype": "formula", "expression": "x", "parser": "TFormula", "variables": ["pt"]},
            "content": {"nodetype": "category", "input": "n", "content": [{"key": 3, "value": 30}, {"key": -3, "value": -30}]}}"#,
    );
    assert_eq!(eval(&s, &[Value::Real(2.5), Value::Int(0)]).unwrap(), 30.0);
    assert_eq!(
        eval(&s, &[Value::Real(-2.5), Value::Int(0)]).unwrap(),
        -30.0
    );
}

#[test]
fn hashprng_is_deterministic_and_in_range() {
    let s = one(
        r#"{"name": "event", "type": "int"}, {"name": "pt", "type": "real"}"#,
        r#"{"nodetype": "hashprng", "inputs": ["event", "pt"], "distribution": "stdflat"}"#,
    );
    let a = eval(&s, &[Value::Int(12345), Value::Real(41.5)]).unwrap();
    assert_eq!(
        a,
        eval(&s, &[Value::Int(12345), Value::Real(41.5)]).unwrap()
    );
    assert_ne!(
        a,
        eval(&s, &[Value::Int(12346), Value::Real(41.5)]).unwrap()
    );
    assert!((0.0..1.0).contains(&a));
}

#[test]
fn input_count_and_type_errors_name_the_inputs() {
    let s = one(&format!("{PT}, {SYST}"), "1.5");
    let msg = eval(&s, &[Value::Real(1.0)]).unwrap_err().to_string();
    assert_eq!(
        msg,
        "correction `c` takes 2 inputs (pt: real, syst: string), got 1"
    );
    let msg = eval(&s, &[Value::Str("a"), Value::Str("b")])
        .unwrap_err()
        .to_string();
    assert_eq!(msg, r#"correction `c`: input `pt` is real, got string "a""#);
}

#[test]
fn columns_broadcast_scalars_and_report_rows() {
    let s = one(
        &format!("{PT}, {SYST}"),
        r#"{"nodetype": "category", "input": "syst", "content": [{"key": "nominal", "value":
            {"nodetype": "binning", "input": "pt", "edges": [0, 10, 20], "content": [1, 2], "flow": "error"}}]}"#,
    );
    let c = s.get("c").unwrap();
    let mut out = Vec::new();
    c.evaluate_columns(
        &[Input::Reals(&[1.0, 15.0]), Input::Str("nominal")],
        &mut out,
    )
    .unwrap();
    assert_eq!(out, [1.0, 2.0]);
    c.evaluate_columns(
        &[Input::RealsF32(&[15.0]), Input::Strs(&["nominal"])],
        &mut out,
    )
    .unwrap();
    assert_eq!(out, [2.0]);
    let msg = c
        .evaluate_columns(
            &[Input::Reals(&[1.0, 25.0]), Input::Str("nominal")],
            &mut out,
        )
        .unwrap_err()
        .to_string();
    assert!(
        msg.ends_with("(row 1)") && msg.contains("`pt` = 25"),
        "{msg}"
    );
    let msg = c
        .evaluate_columns(&[Input::Reals(&[1.0]), Input::Strs(&["a", "b"])], &mut out)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("column `syst` has 2 rows"), "{msg}");
}

#[test]
fn unknown_names_suggest_close_ones() {
    let s = one(PT, "1.0");
    let msg = s.get("d").unwrap_err().to_string();
    assert!(msg.starts_with("no correction `d` in inline.json"), "{msg}");
    let s = set(
        r#"{"name": "muon_id", "version": 1, "inputs": [], "output": {"name": "o", "type": "real"}, "data": 1.0}"#,
    );
    assert!(
        s.get("muon_ib")
            .unwrap_err()
            .to_string()
            .contains("did you mean `muon_id`")
    );
}

#[test]
fn bad_files_name_the_place() {
    let doc = r#"{"schema_version": 2, "corrections": [{"name": "c", "version": 1, "inputs": [], "output": {"name": "o", "type": "real"},
        "data": {"nodetype": "binning", "input": "pt", "edges": [1, 2], "content": [1], "flow": "clamp"}}]}"#;
    let msg = CorrectionSet::from_slice(doc.as_bytes(), "bad.json")
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("bad.json") && msg.contains("`c`") && msg.contains("no input called `pt`"),
        "{msg}"
    );
    let doc = r#"{"schema_version": 1, "corrections": []}"#;
    assert!(
        CorrectionSet::from_slice(doc.as_bytes(), "v1.json")
            .unwrap_err()
            .to_string()
            .contains("schema version 2")
    );
}

#[test]
fn nonfinite_tokens_are_accepted() {
    let s = one(
        PT,
        r#"{"nodetype": "binning", "input": "pt", "edges": [-Infinity, 0, Infinity], "content": [NaN, -Inf], "flow": "error"}"#,
    );
    assert!(eval(&s, &[Value::Real(-1e300)]).unwrap().is_nan());
    assert_eq!(eval(&s, &[Value::Real(1e300)]).unwrap(), f64::NEG_INFINITY);
}

#[test]
fn sets_are_shareable_across_threads() {
    fn check<T: Send + Sync>() {}
    check::<CorrectionSet>();
}

#[test]
fn guided_search_equals_the_exact_search() {
    let even: Vec<f64> = (0..100).map(|i| i as f64 * 0.7).collect();
    let uneven: Vec<f64> = (0..60)
        .map(|i| i as f64 + 0.4 * ((i * 7919) % 10) as f64 / 10.0)
        .collect();
    for edges in [even, uneven] {
        let guide = node::Guide::for_edges(&edges).expect("nearly even edges get a guide");
        let (lo, hi) = (edges[0], edges[edges.len() - 1]);
        let mut x = 0x1234_5678_u64;
        let mut probes: Vec<f64> = edges[..edges.len() - 1].to_vec();
        probes.extend(edges[1..].iter().map(|e| e.next_down()));
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            probes.push(lo + (hi - lo) * (x >> 11) as f64 / (1u64 << 53) as f64);
        }
        for v in probes.into_iter().filter(|v| *v >= lo && *v < hi) {
            assert_eq!(
                guide.upper_bound(&edges, v),
                edges.partition_point(|&e| e <= v),
                "{v}"
            );
        }
    }
    assert!(node::Guide::for_edges(&[0.0, 1.0, 2.0]).is_none());
}
