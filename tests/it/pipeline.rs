//! The pipeline across processes, with the `pc` binary: plan, exec of slices, merge give
//! the same bytes as one run; a slice merged twice and a missing slice are refused; a run
//! killed with SIGKILL resumes from its ledger; a file replaced after planning is refused.
//! (Bad inputs, a locked output folder and failed chunks: `catalogue.rs`.)

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::{self, generated, pc};

/// Runs `pc zmumu ARGS` on the demo samples in `demo` (generated on first use).
fn zmumu(demo: &Path, args: &[&str]) -> Output {
    let (action, rest) = match args.first() {
        Some(a @ (&"plan" | &"exec" | &"merge" | &"run")) => (vec![*a], &args[1..]),
        _ => (vec![], args),
    };
    let mut cmd = pc();
    cmd.arg("zmumu").args(action).args(rest);
    if !matches!(args.first(), Some(&"exec") | Some(&"merge")) {
        cmd.arg("--demo-dir")
            .arg(demo)
            .args(["--demo-events", "40000", "--quiet"])
            .arg("--data-dir")
            .arg(common::shared_data());
    }
    cmd.output().expect("pc runs")
}

fn ok(out: Output) -> String {
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "pc failed: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn failed(out: Output) -> String {
    assert!(!out.status.success(), "pc should have failed");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn same_outputs(a: &Path, b: &Path) {
    for f in ["histograms.json", "cutflow.json", "parameters_dump.yaml"] {
        let (x, y) = (
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
        );
        assert!(
            x == y,
            "{f} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pc-it-pipeline-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn plan_exec_merge_equals_one_run() {
    let t = tmp("split");
    let demo = t.join("demo");
    let s = |p: &Path| p.to_string_lossy().into_owned();
    ok(zmumu(
        &demo,
        &["-o", &s(&t.join("single")), "--chunksize", "10000"],
    ));
    let plan = t.join("plan.json");
    ok(zmumu(
        &demo,
        &["plan", "-o", &s(&plan), "--chunksize", "5000"],
    ));
    // Three slices in three processes at once.
    let children: Vec<_> = (1..=3)
        .map(|k| {
            pc().args(["zmumu", "exec", "--quiet", "--threads", "1", "--plan"])
                .arg(&plan)
                .arg("--slice")
                .arg(format!("{k}/3"))
                .arg("-o")
                .arg(t.join(format!("p{k}.json")))
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let parts: Vec<String> = (1..=3).map(|k| s(&t.join(format!("p{k}.json")))).collect();
    let merge = |parts: &[&str], out: &str| {
        let mut args = vec![
            "merge",
            "--quiet",
            "--plan",
            plan.to_str().unwrap(),
            "-o",
            out,
        ];
        args.extend(parts);
        zmumu(&demo, &args)
    };
    // In another order than the slices.
    ok(merge(
        &[&parts[2], &parts[0], &parts[1]],
        &s(&t.join("merged")),
    ));
    same_outputs(&t.join("single"), &t.join("merged"));

    let twice = failed(merge(
        &[&parts[0], &parts[1], &parts[1], &parts[2]],
        &s(&t.join("m2")),
    ));
    assert!(twice.contains("processed twice"), "{twice}");
    assert!(twice.contains("p2.json"), "{twice}");
    let missing = failed(merge(&[&parts[0], &parts[2]], &s(&t.join("m3"))));
    assert!(missing.contains("slice(s) 2/3 not merged"), "{missing}");
    assert!(!t.join("m3/histograms.json").exists());
    // A partial of another plan is refused.
    let other = t.join("other.json");
    ok(zmumu(
        &demo,
        &["plan", "-o", &s(&other), "--chunksize", "7000"],
    ));
    let mut args = vec!["merge", "--plan", other.to_str().unwrap(), "-o"];
    let m4 = s(&t.join("m4"));
    args.push(&m4);
    args.push(&parts[0]);
    let wrong = failed(zmumu(&demo, &args));
    assert!(wrong.contains("another plan"), "{wrong}");
    let _ = std::fs::remove_dir_all(&t);
}

#[test]
fn killed_run_resumes_from_its_ledger() {
    let t = tmp("resume");
    let demo = t.join("demo");
    let s = |p: &Path| p.to_string_lossy().into_owned();
    let args = ["--chunksize", "2500", "--threads", "1"];
    let mut reference = vec!["-o".to_string(), s(&t.join("reference"))];
    reference.extend(args.iter().map(|a| a.to_string()));
    ok(zmumu(
        &demo,
        &reference.iter().map(String::as_str).collect::<Vec<_>>(),
    ));
    let out = t.join("killed");
    let ledger = out.join(".pc/partial.json");
    // Kill the run as soon as its ledger holds some chunks (retried if it finished first).
    let mut killed = false;
    for _ in 0..5 {
        let _ = std::fs::remove_dir_all(&out);
        let mut child = pc()
            .args([
                "zmumu",
                "--quiet",
                "--checkpoint-seconds",
                "0",
                "--demo-events",
                "40000",
            ])
            .arg("--demo-dir")
            .arg(&demo)
            .arg("--data-dir")
            .arg(common::shared_data())
            .arg("-o")
            .arg(&out)
            .args(args)
            .spawn()
            .unwrap();
        loop {
            if ledger.exists() {
                child.kill().unwrap(); // SIGKILL
                break;
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_micros(200));
        }
        let status = child.wait().unwrap();
        if !status.success() && !out.join("histograms.json").exists() {
            killed = true;
            break;
        }
    }
    assert!(killed, "the run always finished before it could be killed");
    let resumed = ok(zmumu(
        &demo,
        &[
            "--resume",
            "-o",
            &s(&out),
            args[0],
            args[1],
            args[2],
            args[3],
        ],
    ));
    // "(K chunks taken from the ledger, M processed now)"
    let counts: Vec<usize> = resumed
        .split(" chunks taken from the ledger, ")
        .flat_map(|p| {
            p.split_whitespace()
                .filter_map(|w| w.trim_start_matches('(').parse().ok())
        })
        .collect();
    assert!(resumed.contains("taken from the ledger"), "{resumed}");
    let total: usize = 48; // 3 samples x 40k events / 2500 per chunk
    let taken = counts.iter().copied().find(|&k| k > 0 && k < total);
    assert!(taken.is_some(), "{resumed}");
    same_outputs(&t.join("reference"), &out);
    let _ = std::fs::remove_dir_all(&t);
}

/// A built dataset JSON with one MC dataset of `files`.
fn datasets_json(dir: &Path, files: &[&Path]) -> PathBuf {
    let files: Vec<String> = files
        .iter()
        .map(|f| f.to_string_lossy().into_owned())
        .collect();
    let json = serde_json::json!({"DYJetsToLL_M-50_2018": {
        "metadata": {"sample": "DYJetsToLL", "year": "2018", "isMC": "True", "xsec": "6077.22"},
        "files": files}});
    let path = dir.join("datasets.json");
    std::fs::write(&path, json.to_string()).unwrap();
    path
}

#[test]
fn a_file_replaced_after_planning_is_refused() {
    let t = tmp("uuid");
    let file = generated(&t, "dy.root", 2000);
    let json = datasets_json(&t, &[&file]);
    let plan = t.join("plan.json");
    ok(pc()
        .args(["zmumu", "plan", "--quiet", "--datasets"])
        .arg(&json)
        .arg("--data-dir")
        .arg(common::shared_data())
        .arg("-o")
        .arg(&plan)
        .output()
        .unwrap());
    let mut opts =
        pc_core::generate::GenerateOptions::new(pc_core::generate::SampleKind::DrellYan, 2000);
    opts.seed = 99;
    pc_core::generate::generate(&file, &opts).unwrap();
    let err = failed(
        pc().args(["zmumu", "exec", "--quiet", "--plan"])
            .arg(&plan)
            .arg("-o")
            .arg(t.join("p.json"))
            .output()
            .unwrap(),
    );
    assert!(err.contains("changed since the plan was made"), "{err}");
    let _ = std::fs::remove_dir_all(&t);
}
