//! Every branch of every shared NanoAOD file equals uproot's values, event by event
//! (per-entry lengths and values, hashed), against `validation/reference/*.json`.

use pc_core::io::{Layout, ReadOptions, RootFile};
use serde_json::Value;

use crate::common;

#[test]
fn every_branch_of_every_shared_file_matches_uproot() {
    let mut checked = 0usize;
    let mut failures = Vec::new();
    for path in common::nanoaod_files() {
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let ref_path = common::root().join(format!("validation/reference/{stem}.json"));
        let text = std::fs::read_to_string(&ref_path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (run validation/dump_reference.py)",
                ref_path.display()
            )
        });
        let reference: Value = serde_json::from_str(&text).unwrap();
        let file = RootFile::open(&path).unwrap();
        for (tree_name, tree_ref) in reference["trees"].as_object().unwrap() {
            let tree = file.tree(tree_name).unwrap();
            assert_eq!(
                tree.entries(),
                tree_ref["entries"].as_u64().unwrap(),
                "{stem}/{tree_name}"
            );
            for (name, b) in tree_ref["branches"].as_object().unwrap() {
                let info = tree.branch(name).unwrap();
                if b.get("unsupported").is_some() {
                    assert!(
                        info.leaf.is_err(),
                        "{stem}/{tree_name}/{name} should be unsupported"
                    );
                    continue;
                }
                let what = format!("{stem}/{tree_name}/{name}");
                let col = match tree.read(&[name], 0..tree.entries(), ReadOptions::default()) {
                    Ok(mut c) => c.remove(0),
                    Err(e) => {
                        failures.push(format!("{what}: {e}"));
                        continue;
                    }
                };
                let mut check = |ok: bool, field: &str| {
                    if !ok {
                        failures.push(format!("{what}: {field} differs"));
                    }
                };
                check(col.values.leaf_type().short_name() == b["type"], "type");
                check(
                    col.entries() as u64 == b["entries"].as_u64().unwrap(),
                    "entries",
                );
                check(
                    col.values.len() as u64 == b["n_values"].as_u64().unwrap(),
                    "n_values",
                );
                let kind = match &col.layout {
                    Layout::Scalar => "scalar",
                    Layout::Fixed(_) => "fixed",
                    Layout::Jagged(_) => "jagged",
                };
                check(kind == b["kind"], "kind");
                if kind == "jagged" {
                    check(info.counter.as_deref() == b["counter"].as_str(), "counter");
                    check(
                        common::counts_sha256(&col).as_deref() == b["counts_sha256"].as_str(),
                        "counts",
                    );
                }
                check(
                    common::values_sha256(&col.values) == b["values_sha256"],
                    "values",
                );
                checked += 1;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} branches differ:\n{}",
        failures.len(),
        checked + failures.len(),
        failures[..failures.len().min(30)].join("\n")
    );
    assert!(checked > 5000, "only {checked} branches checked");
}
