use std::path::{Path, PathBuf};

use super::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config/datasets")
}

fn s(x: &str) -> String {
    x.to_string()
}

/// A fresh temporary folder holding a copy of the fixtures.
fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pc-datasets-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&fixtures(), &dir);
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn parses_pocketcoffea_built_json() {
    let ds = load_built(fixtures().join("DYJetsToLL_M-50_2018.json")).unwrap();
    assert_eq!(ds.len(), 1);
    let d = &ds[0];
    assert_eq!(d.name, "DYJetsToLL_M-50_2018");
    assert_eq!(d.sample, "DYJetsToLL");
    assert_eq!(d.year, "2018");
    assert!(d.is_mc);
    assert_eq!(d.xsec, Some(6077.22));
    assert_eq!(d.nevents, Some(195510810));
    assert_eq!(d.era, None);
    assert_eq!(d.metadata["size"], "257265865671");
    assert!(d.metadata["das_names"].starts_with("['/DYJetsToLL_M-50"));
    assert!(
        d.files[0].starts_with("root://xrootd-cms.infn.it///store/mc/"),
        "URLs unchanged"
    );
    assert_eq!(
        Path::new(&d.files[1]),
        fixtures().join("files/dy/a.root"),
        "relative to the JSON"
    );
}

#[test]
fn accepts_strings_booleans_and_numbers() {
    let ds = load_built(fixtures().join("DATA_SingleMuon.json")).unwrap();
    let names: Vec<&str> = ds.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names,
        ["DATA_SingleMuon_2017_EraB", "DATA_SingleMuon_2018_EraA"]
    );
    assert!(!ds[0].is_mc && !ds[1].is_mc);
    assert_eq!(
        ds[0].metadata["isMC"], "False",
        "a JSON boolean is stored as Python writes it"
    );
    assert_eq!(ds[1].era.as_deref(), Some("A"));
    assert_eq!(ds[1].primary_dataset.as_deref(), Some("SingleMuon"));
    assert_eq!(
        ds[0].files,
        ["/abs/data/b.root"],
        "absolute paths unchanged"
    );

    let json = serde_json::json!({"X_2018": {"metadata": {"sample": "X", "year": 2018, "isMC": "true",
        "xsec": 1.5, "nevents": 10}, "files": []}});
    let d = &parse_built(&json, Path::new("inline.json")).unwrap()[0];
    assert_eq!(
        (d.year.as_str(), d.is_mc, d.xsec, d.nevents),
        ("2018", true, Some(1.5), Some(10))
    );
}

#[test]
fn errors_name_file_dataset_and_key() {
    let err = |json: serde_json::Value| {
        parse_built(&json, Path::new("ds.json"))
            .unwrap_err()
            .to_string()
    };
    let e = err(
        serde_json::json!({"A": {"metadata": {"sample": "A", "year": "2018", "isMC": "Ture"}, "files": []}}),
    );
    assert_eq!(
        e,
        "ds.json: dataset `A`: metadata `isMC` is `Ture`, not a boolean"
    );
    let e =
        err(serde_json::json!({"A": {"metadata": {"sample": "A", "isMC": "True"}, "files": []}}));
    assert_eq!(e, "ds.json: dataset `A`: metadata has no `year`");
    let e = err(
        serde_json::json!({"A": {"metadata": {"sample": "A", "year": "2018", "isMC": "True",
        "xsec": "lots"}, "files": []}}),
    );
    assert!(e.contains("`xsec` is `lots`, not a number"), "{e}");
    let e = err(serde_json::json!({"A": {"metadata": {}, "files": [1]}}));
    assert!(e.contains("dataset `A`: `files[0]` is not a string"), "{e}");
    let e = err(serde_json::json!({"A": {"files": []}}));
    assert!(e.contains("dataset `A`: no `metadata`"), "{e}");
    let e = err(serde_json::json!([1]));
    assert!(e.starts_with("ds.json: expected an object"), "{e}");
    let e = load_built("/nonexistent/x.json").unwrap_err().to_string();
    assert!(e.contains("/nonexistent/x.json"), "{e}");
    let e = err(
        serde_json::json!({"A": {"metadata": {"sample": "A", "year": "2018", "isMC": "True"},
        "files": []}}),
    );
    assert_eq!(
        e,
        "ds.json: dataset `A`: MC dataset (isMC True) has no `xsec` (cross section in pb) in its metadata"
    );
    let data = serde_json::json!({"A": {"metadata": {"sample": "A", "year": "2018", "isMC": "False",
        "era": "A"}, "files": []}});
    assert_eq!(
        parse_built(&data, Path::new("ds.json")).unwrap()[0].xsec,
        None,
        "data needs none"
    );
}

/// Writes `text` into a fresh folder as `name`, returns its path.
fn write_json(tag: &str, name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pc-datasets-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const MC_ENTRY: &str = r#"{"metadata": {"sample": "DY", "year": "2018", "isMC": "True", "xsec": "1"}, "files": ["a.root"]}"#;

#[test]
fn a_dataset_twice_in_one_file_is_an_error() {
    let p = write_json(
        "dup1",
        "ds.json",
        &format!("{{\n\"DY\": {MC_ENTRY},\n\"DY\": {MC_ENTRY}\n}}"),
    );
    let e = load_built(&p).unwrap_err().to_string();
    assert_eq!(
        e,
        format!(
            "{}: dataset `DY`: defined twice in this file (again at line 3)",
            p.display()
        )
    );
    // Also through load_datasets, and for a repeated key deeper down.
    let e = load_datasets(&[&p], &DatasetFilter::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("dataset `DY`: defined twice in this file"),
        "{e}"
    );
    let p = write_json(
        "dup2",
        "ds.json",
        r#"{"DY": {"metadata": {"sample": "DY", "year": "2018", "isMC": "True", "xsec": "1", "xsec": "2"}, "files": []}}"#,
    );
    let e = load_built(&p).unwrap_err().to_string();
    assert!(
        e.ends_with("ds.json: dataset `DY`: key `metadata.xsec` appears twice (again at line 1)"),
        "{e}"
    );
    // Definitions files too.
    let p = write_json(
        "dup3",
        "defs.json",
        r#"{"X": {"sample": "X", "json_output": "x.json", "files": []},
            "X": {"sample": "Y", "json_output": "y.json", "files": []}}"#,
    );
    let e = load_definitions(&p).unwrap_err().to_string();
    assert!(
        e.ends_with("defs.json: dataset `X`: defined twice in this file (again at line 2)"),
        "{e}"
    );
    // Distinct keys still parse as before.
    let p = write_json(
        "dup4",
        "ds.json",
        &format!("{{\"A\": {MC_ENTRY}, \"B\": {MC_ENTRY}}}"),
    );
    assert_eq!(load_built(&p).unwrap().len(), 2);
}

#[test]
fn a_dataset_in_two_files_is_an_error() {
    let a = write_json("across-a", "a.json", &format!("{{\"DY\": {MC_ENTRY}}}"));
    let b = write_json(
        "across-b",
        "b.json",
        &format!("{{\"TT\": {MC_ENTRY}, \"DY\": {MC_ENTRY}}}"),
    );
    let e = load_datasets(&[&a, &b], &DatasetFilter::default())
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        format!(
            "dataset `DY` is defined more than once: in {} and {}",
            a.display(),
            b.display()
        )
    );
}

#[test]
fn deeply_nested_json_is_an_error_not_a_stack_overflow() {
    for text in [
        "[".repeat(100_000),
        format!("{{\"DY\": {}", "{\"a\": ".repeat(100_000)),
    ] {
        let p = write_json("deep", "ds.json", &text);
        let e = load_built(&p).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!(
                "invalid JSON in {}: recursion limit exceeded",
                p.display()
            )),
            "{e}"
        );
    }
}

#[test]
fn file_paths_expand_environment_variables() {
    let env = |name: &str| match name {
        "DATA" => Some("/shared/data".to_string()),
        "EMPTY" => Some(String::new()),
        _ => None,
    };
    let json = |file: &str| {
        serde_json::json!({"DY": {"metadata": {"sample": "DY", "year": "2018", "isMC": "True",
            "xsec": "1"}, "files": ["root://x/${DATA}", file]}})
    };
    let parse = |file: &str| parse_built_with(&json(file), Path::new("/j/ds.json"), &env);
    let d = parse("${DATA}/nanoaod/dy.root").unwrap().remove(0);
    assert_eq!(
        d.files,
        ["root://x//shared/data", "/shared/data/nanoaod/dy.root"]
    );
    let d = parse("sub/${DATA}x.root").unwrap().remove(0);
    assert_eq!(
        d.files[1], "/j/sub//shared/datax.root",
        "then relative to the JSON"
    );
    assert_eq!(
        parse("$DATA/a$b.root").unwrap()[0].files[1],
        "/j/$DATA/a$b.root"
    );
    for (file, msg) in [
        (
            "${NOPE}/a.root",
            "`${NOPE}/a.root` uses the environment variable `NOPE`, which is not set",
        ),
        (
            "${EMPTY}/a.root",
            "uses the environment variable `EMPTY`, which is not set",
        ),
        ("${DATA/a.root", "unterminated `${` in `${DATA/a.root`"),
        (
            "${A B}/a.root",
            "`${A B}` in `${A B}/a.root` is not a variable name",
        ),
    ] {
        let e = parse(file).unwrap_err().to_string();
        assert!(
            e.starts_with("/j/ds.json: dataset `DY`: `files[1]`: ") && e.contains(msg),
            "{e}"
        );
    }
}

#[test]
fn filters_like_pocketcoffea() {
    let jsons = [
        fixtures().join("DATA_SingleMuon.json"),
        fixtures().join("DYJetsToLL_M-50_2018.json"),
    ];
    let names = |f: &DatasetFilter| -> Vec<String> {
        load_datasets(&jsons, f)
            .unwrap()
            .into_iter()
            .map(|d| d.name)
            .collect()
    };
    let zmumu = DatasetFilter {
        samples: Some(vec![s("DATA_SingleMuon"), s("DYJetsToLL")]),
        samples_exclude: vec![],
        year: Some(vec![s("2018")]),
        datasets: None,
    };
    assert_eq!(
        names(&zmumu),
        ["DATA_SingleMuon_2018_EraA", "DYJetsToLL_M-50_2018"]
    );
    assert_eq!(names(&DatasetFilter::default()).len(), 3);
    let excl = DatasetFilter {
        samples_exclude: vec![s("DATA_SingleMuon")],
        ..Default::default()
    };
    assert_eq!(names(&excl), ["DYJetsToLL_M-50_2018"]);
    let by_name = DatasetFilter {
        datasets: Some(vec![s("DATA_SingleMuon_2017_EraB")]),
        ..Default::default()
    };
    assert_eq!(names(&by_name), ["DATA_SingleMuon_2017_EraB"]);

    let none = DatasetFilter {
        samples: Some(vec![s("TTTo2L2Nu")]),
        ..Default::default()
    };
    let e = load_datasets(&jsons, &none).unwrap_err().to_string();
    assert_eq!(
        e,
        "no dataset passes the filter (samples: TTTo2L2Nu); available samples: DATA_SingleMuon, DYJetsToLL"
    );
    let e = load_datasets(
        &[jsons[0].clone(), jsons[0].clone()],
        &DatasetFilter::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("defined more than once"), "{e}");

    // The filter reads from the configuration (YAML/JSON) with PocketCoffea's keys.
    let f: DatasetFilter =
        serde_norway::from_str("samples: [DYJetsToLL]\nsamples_exclude: []\nyear: ['2018']\n")
            .unwrap();
    assert_eq!(f.year, Some(vec![s("2018")]));
    assert!(serde_norway::from_str::<DatasetFilter>("sample: [x]\n").is_err());
}

#[test]
fn limit_files_rescales_nevents() {
    let mut d = load_built(fixtures().join("DYJetsToLL_M-50_2018.json"))
        .unwrap()
        .remove(0);
    d.limit_files(1);
    assert_eq!(d.files.len(), 1);
    assert_eq!(d.nevents, Some(97755405));
    assert_eq!(d.metadata["nevents"], "97755405");
}

#[test]
fn builds_from_local_definitions() {
    let dir = scratch("build");
    let defs_path = dir.join("datasets_definitions.json");
    let defs = load_definitions(&defs_path).unwrap();
    assert_eq!(defs.len(), 2);
    let counter = |p: &Path| -> Result<u64, String> {
        Ok(std::fs::metadata(p).map_err(|e| e.to_string())?.len() * 10)
    };
    let outputs = build_datasets(&defs, &defs_path, Some(&counter)).unwrap();
    // Labels come out sorted (JSON object order is not kept).
    assert_eq!(outputs.len(), 2);
    assert_eq!(outputs[0].json_output, dir.join("out/DATA_SingleMuon.json"));
    let data = &outputs[0].datasets;
    assert_eq!(
        data.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
        ["DATA_SingleMuon_2018_EraA", "DATA_SingleMuon_2018_EraB"]
    );
    assert_eq!(data[1].files.len(), 2, "glob b*.root");
    assert_eq!(data[1].metadata["size"], "5");
    assert_eq!(data[1].nevents, Some(50));
    assert_eq!(data[1].metadata["isMC"], "False");
    let dy = &outputs[1].datasets[0];
    assert_eq!(dy.name, "DYJetsToLL_M-50_2018");
    assert_eq!(dy.xsec, Some(6077.22));
    assert_eq!(dy.metadata["xsec"], "6077.22");
    assert_eq!(dy.metadata["isMC"], "True");
    assert!(dy.metadata["das_names"].starts_with("['/DYJetsToLL"));
    assert_eq!(dy.files.len(), 2);

    // Save, then load back: same datasets; files are written relative to the output.
    for o in &outputs {
        save_built(&o.json_output, &o.datasets, false).unwrap();
    }
    let text = std::fs::read_to_string(dir.join("out/DYJetsToLL_M-50.json")).unwrap();
    assert!(text.contains("\"../files/dy/a.root\""), "{text}");
    assert!(
        text.contains("        \"metadata\": {"),
        "4-space indent: {text}"
    );
    let back = load_built(dir.join("out/DYJetsToLL_M-50.json")).unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].metadata, dy.metadata);
    for (a, b) in back[0].files.iter().zip(&dy.files) {
        assert_eq!(normalize(Path::new(a)), normalize(Path::new(b)));
    }
    // Saving again: an existing dataset is an error unless overwrite.
    let e = save_built(&outputs[1].json_output, &outputs[1].datasets, false)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("dataset `DYJetsToLL_M-50_2018`: already present"),
        "{e}"
    );
    save_built(&outputs[1].json_output, &outputs[1].datasets, true).unwrap();
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn definition_errors() {
    let dir = scratch("deferr");
    let write = |text: &str| {
        let p = dir.join("defs.json");
        std::fs::write(&p, text).unwrap();
        p
    };
    let build = |p: &Path| {
        load_definitions(p)
            .and_then(|d| build_datasets(&d, p, None))
            .unwrap_err()
            .to_string()
    };
    let p = write(
        r#"{"X": {"sample": "X", "json_output": "x.json", "files": [{"das_names": ["/X/Y/NANOAODSIM"], "metadata": {"year": "2018", "isMC": true}}]}}"#,
    );
    let e = build(&p);
    assert!(
        e.contains("defs.json: dataset `X (files[0])`: DAS queries are not available yet"),
        "{e}"
    );
    let p = write(
        r#"{"X": {"sample": "X", "json_output": "x.json", "files": [{"local": ["nothing/*.root"], "metadata": {"year": "2018", "isMC": true}}]}}"#,
    );
    assert!(build(&p).contains("no file matches `nothing/*.root`"));
    let p = write(
        r#"{"X": {"sample": "X", "json_output": "x.json", "files": [{"local": ["files/data/a.root"], "metadata": {"year": "2018", "isMC": false}}]}}"#,
    );
    assert!(build(&p).contains("data needs an `era`"));
    let p = write(
        r#"{"X": {"sample": "X", "json_output": "x.json", "files": [{"locals": ["a"], "metadata": {}}]}}"#,
    );
    let e = build(&p);
    assert!(
        e.contains("dataset `X`") && e.contains("unknown field `locals`"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn python_str_conventions() {
    use serde_json::json;
    assert_eq!(py_str(&json!(true)), "True");
    assert_eq!(py_str(&json!(6077.22)), "6077.22");
    assert_eq!(py_str(&json!(1.0)), "1.0");
    assert_eq!(py_str(&json!(["/a/b", "c"])), "['/a/b', 'c']");
    assert_eq!(py_str(&json!("x")), "x");
}
