use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config/params")
}

fn bare(yaml: &str) -> Result<Params, ParamError> {
    Params::builder()
        .without_defaults()
        .yaml("test.yaml", yaml)
        .load()
}

/// The Z->mumu parameters: defaults + the analysis' three files (PocketCoffea AnalysisConfigs).
fn zmumu() -> Params {
    Params::builder()
        .dir("data_dir", "/data")
        .dir("config_dir", fixtures())
        .file(fixtures().join("object_preselection.yaml"))
        .file(fixtures().join("triggers.yaml"))
        .file(fixtures().join("plotting.yaml"))
        .load()
        .unwrap()
}

#[test]
fn defaults_hold_the_zmumu_values() {
    let p = zmumu();
    assert_eq!(
        p.get::<f64>("lumi.picobarns.2018.tot").unwrap(),
        59832.47534
    );
    assert_eq!(
        p.get::<f64>("lumi.picobarns.2017.tot").unwrap(),
        41479.680528
    );
    assert_eq!(
        p.get::<f64>("lumi.picobarns.2023_preBPix.tot").unwrap(),
        17960.0
    );
    assert_eq!(
        p.get::<Vec<String>>("event_flags.2018").unwrap(),
        [
            "goodVertices",
            "globalSuperTightHalo2016Filter",
            "HBHENoiseFilter",
            "HBHENoiseIsoFilter",
            "EcalDeadCellTriggerPrimitiveFilter",
            "BadPFMuonFilter"
        ]
    );
    assert_eq!(
        p.get::<Vec<String>>("event_flags_data.2018").unwrap(),
        ["eeBadScFilter"]
    );
    assert_eq!(
        p.get::<f64>("btagging.working_point.2018.btagging_WP.M")
            .unwrap(),
        0.2783
    );
    assert_eq!(
        p.get::<u32>("jet_scale_factors.jet_puId.2018.working_point.L")
            .unwrap(),
        4
    );
    assert_eq!(p.get::<u32>("default_nano_version.2018").unwrap(), 9);
    assert_eq!(
        p.get::<String>("lumi.goldenJSON.2018").unwrap(),
        "/data/lumimasks/Cert_314472-325175_13TeV_Legacy2018_Collisions18_JSON.txt"
    );
    // The analysis files.
    assert_eq!(p.get::<f64>("object_preselection.Muon.iso").unwrap(), 0.25);
    assert_eq!(
        p.get::<f64>("object_preselection.Jet.puId.maxpt").unwrap(),
        50.0
    );
    assert_eq!(
        p.get::<Vec<String>>("HLT_triggers.2018.SingleMuon")
            .unwrap(),
        ["IsoMu24"]
    );
    assert_eq!(
        p.get::<String>("plotting_style.labels.DYJetsToLL").unwrap(),
        "DY"
    );
    assert_eq!(
        p.origin("object_preselection.Muon.pt"),
        fixtures()
            .join("object_preselection.yaml")
            .display()
            .to_string()
    );
    assert_eq!(p.origin("lumi.picobarns.2018.tot"), DEFAULTS_NAME);
    assert!(p.suspicious_keys().is_empty(), "{:?}", p.suspicious_keys());
}

#[test]
fn typed_structs_and_maps() {
    #[derive(Deserialize, Debug, PartialEq)]
    struct Muon {
        pt: f64,
        eta: f64,
        iso: f64,
        id: String,
    }
    let p = zmumu();
    let m: Muon = p.get("object_preselection.Muon").unwrap();
    assert_eq!(
        m,
        Muon {
            pt: 15.0,
            eta: 2.4,
            iso: 0.25,
            id: "tightId".into()
        }
    );
    let triggers: BTreeMap<String, Vec<String>> = p.get("HLT_triggers.2018").unwrap();
    assert_eq!(
        triggers["SingleEle"],
        ["Ele32_WPTight_Gsf", "Ele28_eta2p1_WPTight_Gsf_HT150"]
    );
    assert_eq!(
        p.keys("HLT_triggers").unwrap(),
        ["2016_PreVFP", "2016_PostVFP", "2017", "2018"]
    );
    assert_eq!(
        p.get::<String>("event_flags.2018.1").unwrap(),
        "globalSuperTightHalo2016Filter"
    );
    assert_eq!(
        p.get_opt::<f64>("object_preselection.Muon.nope").unwrap(),
        None
    );
    assert_eq!(
        p.get_opt::<f64>("object_preselection.Muon.pt").unwrap(),
        Some(15.0)
    );
}

#[test]
fn missing_key_names_key_files_and_suggestion() {
    let p = zmumu();
    let e = p.get::<f64>("lumi.picobarn.2018").unwrap_err().to_string();
    assert!(
        e.contains("parameter `lumi.picobarn.2018` not found"),
        "{e}"
    );
    assert!(e.contains("no key `picobarn` under `lumi`"), "{e}");
    assert!(e.contains("did you mean `lumi.picobarns`?"), "{e}");
    assert!(
        e.contains(DEFAULTS_NAME) && e.contains("triggers.yaml"),
        "{e}"
    );
    let e = p
        .get::<f64>("object_preselection.Muon.pt.x")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("`object_preselection.Muon.pt` is an integer, not a map"),
        "{e}"
    );
    let e = p
        .get::<String>("event_flags.2018.9")
        .unwrap_err()
        .to_string();
    assert!(e.contains("list of 6 items"), "{e}");
}

#[test]
fn wrong_type_says_expected_and_found() {
    let p = zmumu();
    let e = p
        .get::<f64>("object_preselection.Muon.id")
        .unwrap_err()
        .to_string();
    assert!(e.contains("`object_preselection.Muon.id`"), "{e}");
    assert!(e.contains("expected f64, found a string"), "{e}");
    assert!(e.contains("object_preselection.yaml"), "{e}");
    let e = p
        .get::<Vec<String>>("lumi.picobarns.2018")
        .unwrap_err()
        .to_string();
    assert!(e.contains("expected Vec<String>, found a map"), "{e}");
}

#[test]
fn mandatory_values() {
    let p = zmumu();
    let e = p
        .get::<Vec<String>>("HLT_triggers.2017")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("`HLT_triggers.2017`") && e.contains("mandatory") && e.contains("triggers.yaml"),
        "{e}"
    );
    // A map containing an unset value cannot be read as a whole either.
    let e = p
        .get::<BTreeMap<String, serde_norway::Value>>("HLT_triggers")
        .unwrap_err()
        .to_string();
    assert!(e.contains("HLT_triggers.2016_PreVFP"), "{e}");
    // But the dump keeps them.
    assert!(p.to_yaml().unwrap().contains("2016_PreVFP: ???"));
    // Setting it later fills it in.
    let p = Params::builder()
        .without_defaults()
        .yaml("a.yaml", "x: ???\ny: ${x}\n")
        .yaml("b.yaml", "x: 3\n")
        .load()
        .unwrap();
    assert_eq!(p.get::<i64>("y").unwrap(), 3);
    let e = bare("x: ???\ny: ${x}\n").unwrap_err().to_string();
    assert!(e.contains("`y`") && e.contains("`???`"), "{e}");
}

#[test]
fn merge_semantics() {
    let p = Params::builder()
        .without_defaults()
        .yaml(
            "base.yaml",
            "a:\n  b: 1\n  c: [1, 2, 3]\n  d: {x: 1, y: 2}\n  s: old\nkeep: true\n",
        )
        .yaml(
            "user.yaml",
            "a:\n  c: [9]\n  d: {y: 20, z: 30}\n  s: {now: map}\n  new: 5\nadded: x\n",
        )
        .load()
        .unwrap();
    assert_eq!(p.get::<i64>("a.b").unwrap(), 1, "untouched keys survive");
    assert_eq!(p.get::<Vec<i64>>("a.c").unwrap(), [9], "lists are replaced");
    assert_eq!(p.get::<i64>("a.d.x").unwrap(), 1, "maps merge");
    assert_eq!(p.get::<i64>("a.d.y").unwrap(), 20);
    assert_eq!(p.get::<i64>("a.d.z").unwrap(), 30);
    assert_eq!(
        p.get::<String>("a.s.now").unwrap(),
        "map",
        "a scalar is replaced by a map"
    );
    assert_eq!(p.get::<i64>("a.new").unwrap(), 5);
    assert_eq!(p.get::<String>("added").unwrap(), "x");
    assert_eq!(
        p.keys("a").unwrap(),
        ["b", "c", "d", "s", "new"],
        "insertion order"
    );
    assert_eq!(p.origin("a.d.x"), "base.yaml");
    assert_eq!(p.origin("a.d.y"), "user.yaml");
    assert_eq!(p.origin("a.s.now"), "user.yaml");

    // Keys containing dots are kept (readable through `root()`, not by dotted path).
    let p = bare("m:\n  \"x.y\": 1\n").unwrap();
    assert_eq!(p.node("m").unwrap().child("x.y"), Some(&Node::Int(1)));

    // Replace mode: the whole top-level key is replaced.
    let dir = std::env::temp_dir().join(format!("pc-params-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("replace.yaml");
    std::fs::write(&f, "a:\n  d: {z: 1}\n").unwrap();
    let p = Params::builder()
        .without_defaults()
        .yaml("base.yaml", "a:\n  b: 1\n  d: {x: 1}\n")
        .file_with(&f, MergeMode::Replace)
        .load()
        .unwrap();
    assert!(!p.contains("a.b"));
    assert_eq!(p.keys("a.d").unwrap(), ["z"]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn numeric_keys_are_strings() {
    let p = bare("y:\n  2018: 1\n  '2017': 2\n  true: 3\n").unwrap();
    assert_eq!(p.keys("y").unwrap(), ["2018", "2017", "true"]);
    assert_eq!(p.get::<i64>("y.2018").unwrap(), 1);
    // A user file with unquoted years merges into the quoted defaults.
    let p = Params::builder()
        .dir("data_dir", "/d")
        .yaml("u.yaml", "lumi:\n  picobarns:\n    2018:\n      tot: 1.5\n")
        .load()
        .unwrap();
    assert_eq!(p.get::<f64>("lumi.picobarns.2018.tot").unwrap(), 1.5);
    assert_eq!(p.get::<f64>("lumi.picobarns.2018.A").unwrap(), 14027.614284);
}

#[test]
fn interpolation() {
    let p = Params::builder()
        .without_defaults()
        .dir("config_dir", "/cfg")
        .yaml(
            "i.yaml",
            r#"
base: /data
n: 4
f: 2.0
list: [a, b]
map: {k: "${n}"}
file: "${base}/file.json"
whole_n: ${n}
whole_list: ${list}
whole_map: ${map}
item: ${list.1}
mixed: "n=${n} f=${f} ok=${flag}"
flag: true
chain: ${file}
rel:
  x: 1
  y: ${.x}
  z: ${..n}
dir: ${config_dir:}
dir_sub: ${config_dir:sub/f.yaml}
femto: ${pico_to_femto:${lumi}}
lumi: 59832.47534
escaped: \${not}
"#,
        )
        .load()
        .unwrap();
    assert_eq!(p.get::<String>("file").unwrap(), "/data/file.json");
    assert_eq!(p.get::<i64>("whole_n").unwrap(), 4);
    assert_eq!(p.get::<Vec<String>>("whole_list").unwrap(), ["a", "b"]);
    assert_eq!(p.get::<i64>("whole_map.k").unwrap(), 4);
    assert_eq!(p.get::<i64>("map.k").unwrap(), 4);
    assert_eq!(p.get::<String>("item").unwrap(), "b");
    assert_eq!(p.get::<String>("mixed").unwrap(), "n=4 f=2.0 ok=True");
    assert_eq!(p.get::<String>("chain").unwrap(), "/data/file.json");
    assert_eq!(p.get::<i64>("rel.y").unwrap(), 1);
    assert_eq!(p.get::<i64>("rel.z").unwrap(), 4);
    assert_eq!(p.get::<String>("dir").unwrap(), "/cfg");
    assert_eq!(p.get::<String>("dir_sub").unwrap(), "/cfg/sub/f.yaml");
    assert!((p.get::<f64>("femto").unwrap() - 59.83247534).abs() < 1e-12);
    assert_eq!(p.get::<String>("escaped").unwrap(), "${not}");
}

#[test]
fn interpolation_sees_the_merged_values() {
    let p = Params::builder()
        .without_defaults()
        .yaml("a.yaml", "x: 1\ny: ${x}\n")
        .yaml("b.yaml", "x: 2\n")
        .load()
        .unwrap();
    assert_eq!(p.get::<i64>("y").unwrap(), 2);
    // Through a reference to a node that is itself an interpolation.
    let p = bare("a: {v: [1, 2]}\nb: ${a}\nc: ${b.v.1}\n").unwrap();
    assert_eq!(p.get::<i64>("c").unwrap(), 2);
}

#[test]
fn interpolation_errors() {
    let e = bare("a: ${b}\nb: ${c}\nc: ${a}\n").unwrap_err().to_string();
    assert!(e.contains("interpolation cycle: a -> b -> c -> a"), "{e}");
    assert!(e.contains("test.yaml"), "{e}");
    let e = bare("a: ${a}\n").unwrap_err().to_string();
    assert!(e.contains("cycle: a -> a"), "{e}");
    let e = bare("lumi: {picobarns: 1}\nx: ${lumi.picobarn}\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("cannot resolve `x` (from test.yaml)"), "{e}");
    assert!(
        e.contains("no key `picobarn` under `lumi`")
            && e.contains("did you mean `lumi.picobarns`?"),
        "{e}"
    );
    let e = bare("x: ${cvmfs:a,b,c}\n").unwrap_err().to_string();
    assert!(
        e.contains("unknown resolver `cvmfs`") && e.contains("no CVMFS"),
        "{e}"
    );
    let e = bare("x: ${data_dir:}/f\n").unwrap_err().to_string();
    assert!(
        e.contains("unknown resolver `data_dir`") && e.contains("ParamsBuilder::dir"),
        "{e}"
    );
    let e = bare("x: \"${a\"\n").unwrap_err().to_string();
    assert!(e.contains("unterminated"), "{e}");
    let e = bare("l: [1]\nx: \"v=${l}\"\n").unwrap_err().to_string();
    assert!(e.contains("cannot insert a list into a string"), "{e}");
    // The defaults need `data_dir`.
    let e = Params::builder().load().unwrap_err().to_string();
    assert!(e.contains("data_dir") && e.contains(DEFAULTS_NAME), "{e}");
}

/// `k0: ${k1}`, `k1: ${k2}`, ..., the last key a plain `1`: a chain of `n` keys.
fn chain_yaml(n: usize) -> String {
    let mut y: String = (0..n - 1)
        .map(|i| format!("k{i}: ${{k{}}}\n", i + 1))
        .collect();
    y.push_str(&format!("k{}: 1\n", n - 1));
    y
}

#[test]
fn long_reference_chains_are_errors_not_stack_overflows() {
    let n = interpolate::MAX_CHAIN + 1;
    let p = bare(&chain_yaml(n)).unwrap();
    assert_eq!(
        p.get::<i64>("k0").unwrap(),
        1,
        "{n} keys: the longest chain allowed"
    );
    let e = bare(&chain_yaml(n + 1)).unwrap_err().to_string();
    assert!(
        e.starts_with("cannot resolve `k0` (from test.yaml): more than 32 chained references"),
        "{e}"
    );
    assert!(
        e.contains(": k0 -> k1 -> k2") && e.ends_with("k31 -> k32"),
        "{e}"
    );
    // Far beyond what the stack holds when followed recursively (merging is quadratic in the
    // number of sibling keys, so not 100k keys).
    let e = bare(&chain_yaml(3000)).unwrap_err().to_string();
    assert!(e.contains("more than 32 chained references"), "{e}");
    // A cycle through a sub-key is still reported as a cycle.
    let e = bare("a: {x: \"${b}\"}\nb: ${a.x}\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("interpolation cycle: a.x -> b -> a.x"), "{e}");
}

#[test]
fn deeply_nested_resolver_calls_are_errors() {
    let nested = |n: usize| {
        format!(
            "x: \"{}1{}\"\n",
            "${pico_to_femto:".repeat(n),
            "}".repeat(n)
        )
    };
    let p = bare(&nested(3)).unwrap();
    assert!((p.get::<f64>("x").unwrap() - 1e-9).abs() < 1e-20);
    // (Beyond 1000 the YAML bracket check refuses the text first.)
    let e = bare(&nested(900)).unwrap_err().to_string();
    assert!(
        e.starts_with(
            "cannot resolve `x` (from test.yaml): interpolations nested more than 32 deep"
        ),
        "{e}"
    );
    assert!(e.len() < 300, "the template is shortened: {e}");
}

#[test]
fn deeply_nested_yaml_is_an_error_not_a_stack_overflow() {
    for text in [
        format!("a: {}", "[".repeat(100_000)),
        format!("a: {}", "{b: ".repeat(100_000)),
        format!("a:\n  {}x\n", "- ".repeat(100_000)),
        format!("a: {}1{}", "[".repeat(200), "]".repeat(200)),
    ] {
        let e = bare(&text).unwrap_err().to_string();
        assert!(
            e.starts_with("invalid YAML in test.yaml: ")
                && (e.contains("recursion limit exceeded")
                    || e.contains("nested more than 1000 deep at line 1")),
            "{}",
            &e[..e.len().min(300)]
        );
    }
    // Nesting within the limit is fine.
    let text = format!("a: {}1{}", "[".repeat(100), "]".repeat(100));
    assert!(bare(&text).is_ok());
}

#[test]
fn yaml_alias_bombs_are_errors() {
    // "Billion laughs": each level repeats the previous one ten times.
    let mut y = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        y.push_str(&format!(
            "l{i}: &l{i} [*l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}]\n"
        ));
    }
    let e = bare(&y).unwrap_err().to_string();
    assert!(
        e.contains("test.yaml") && e.contains("repetition limit exceeded"),
        "{e}"
    );
}

#[test]
fn file_errors() {
    let e = Params::builder()
        .without_defaults()
        .file("/nonexistent/params.yaml")
        .load()
        .unwrap_err()
        .to_string();
    assert!(e.contains("/nonexistent/params.yaml"), "{e}");
    let e = bare("a: [1\n").unwrap_err().to_string();
    assert!(e.contains("invalid YAML in test.yaml"), "{e}");
    let e = bare("- 1\n- 2\n").unwrap_err().to_string();
    assert!(
        e.contains("test.yaml") && e.contains("top level must be a map"),
        "{e}"
    );
    let e = bare("a: 1\na: 2\n").unwrap_err().to_string();
    assert!(e.contains("test.yaml") && e.contains("duplicate"), "{e}");
    assert_eq!(
        bare("").unwrap().root(),
        &Node::Map(Vec::new()),
        "an empty file is fine"
    );
}

#[test]
fn suspicious_keys_are_warnings() {
    let p = Params::builder()
        .dir("data_dir", "/d")
        .yaml(
            "u.yaml",
            "lumi:\n  picobarn: {x: 1}\nevent_flag: {}\nobject_preselection: {Muon: {pt: 1}}\n",
        )
        .load()
        .unwrap();
    let keys: Vec<(&str, &str)> = p
        .suspicious_keys()
        .iter()
        .map(|s| (s.key.as_str(), s.did_you_mean.as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            ("lumi.picobarn", "lumi.picobarns"),
            ("event_flag", "event_flags")
        ]
    );
    assert_eq!(
        p.suspicious_keys()[0].to_string(),
        "u.yaml: new parameter `lumi.picobarn` looks like a typo of `lumi.picobarns`"
    );
}

#[test]
fn dump_is_deterministic_and_round_trips() {
    let p = zmumu();
    let dump = p.to_yaml().unwrap();
    assert_eq!(dump, zmumu().to_yaml().unwrap());
    // Insertion order: the defaults' first key first, the analysis' keys after the defaults.
    assert!(
        dump.starts_with("default_nano_version:"),
        "{}",
        &dump[..100]
    );
    let pos = |s: &str| dump.find(s).unwrap();
    assert!(pos("lumi:") < pos("object_preselection:"));
    assert!(pos("object_preselection:") < pos("HLT_triggers:"));
    assert!(dump.contains("tot: 59832.47534"));
    // Re-reading the dump (no defaults) gives the same parameters.
    let again = Params::builder()
        .without_defaults()
        .yaml("dump.yaml", &dump)
        .load()
        .unwrap();
    assert_eq!(again.root(), p.root());
    let dir = std::env::temp_dir().join(format!("pc-dump-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("parameters_dump.yaml");
    p.write_dump(&f).unwrap();
    assert_eq!(std::fs::read_to_string(&f).unwrap(), dump);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn type_names_are_short() {
    assert_eq!(short_type_name::<Vec<String>>(), "Vec<String>");
    assert_eq!(short_type_name::<f64>(), "f64");
    assert_eq!(
        short_type_name::<BTreeMap<String, Vec<f64>>>(),
        "BTreeMap<String, Vec<f64>>"
    );
}

/// A user file: a typo, a new section and a changed type are errors naming file and key;
/// new entries deeper down and free-form sections are accepted.
#[test]
fn user_files_are_checked_against_the_known_keys() {
    let dir = std::env::temp_dir().join(format!("pc-params-user-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let load = |yaml: &str| {
        let path = dir.join("user.yaml");
        std::fs::write(&path, yaml).unwrap();
        Params::builder()
            .dir("data_dir", "/data")
            .yaml(
                "analysis",
                "cuts:\n  muon_pt: 20.0\n  ids: [tight]\nmine: {a: 1}\n",
            )
            .free_form("mine")
            .user_file(&path)
            .load()
    };
    let err = load("cuts:\n  muon_ptt: 25\n").unwrap_err().to_string();
    assert!(
        err.contains("user.yaml: unknown parameter `cuts.muon_ptt`"),
        "{err}"
    );
    assert!(err.contains("did you mean `cuts.muon_pt`"), "{err}");
    let err = load("cutz_extra:\n  x: 1\n").unwrap_err().to_string();
    assert!(err.contains("unknown parameter `cutz_extra`"), "{err}");
    assert!(err.contains("known here:"), "{err}");
    let err = load("cuts:\n  muon_pt: twenty\n").unwrap_err().to_string();
    assert!(
        err.contains("`cuts.muon_pt`") && err.contains("user.yaml"),
        "{err}"
    );
    assert!(err.contains("expected a float, found a string"), "{err}");
    // Accepted: numbers of either kind, a new year, free-form keys, lists.
    let p = load(
        "cuts:\n  muon_pt: 25\n  ids: [loose, tight]\nlumi:\n  picobarns:\n    '2030': {tot: 1.0}\nmine: {b: 2}\n",
    )
    .unwrap();
    assert_eq!(p.get::<f64>("cuts.muon_pt").unwrap(), 25.0);
    assert_eq!(p.get::<i64>("mine.b").unwrap(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}
