//! Golden-JSON luminosity mask for data.
//!
//! The CMS certification JSON maps a run number (a string key) to inclusive lumi-section ranges:
//! `{"315257": [[1, 88], [91, 92]], ...}`. An event passes if its `(run, luminosityBlock)` falls in
//! one of the ranges of its run, bounds included (coffea's `LumiMask`).
//!
//! ```no_run
//! use pc_core::lumimask::LumiMask;
//! let mask = LumiMask::from_file("Cert_314472-325175_13TeV_Legacy2018_Collisions18_JSON.txt")?;
//! assert!(mask.contains(315257, 88));
//! let pass = mask.mask(&[315257, 315257], &[88, 89]); // [true, false]
//! # Ok::<(), pc_core::lumimask::LumiMaskError>(())
//! ```

use std::path::{Path, PathBuf};

use serde_json::Value;

/// Errors from reading a golden JSON; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum LumiMaskError {
    #[error("cannot read golden JSON {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid JSON in golden JSON {path}: {source}")]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("golden JSON {path}: {message}")]
    Format { path: PathBuf, message: String },
}

/// Certified (run, lumi-section) ranges, sorted for binary search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LumiMask {
    /// Sorted run numbers; run `runs[i]` owns `ranges[starts[i]..starts[i + 1]]`.
    runs: Vec<u32>,
    starts: Vec<usize>,
    /// Inclusive `(first, last)` ranges, sorted and merged within each run.
    ranges: Vec<(u32, u32)>,
}

impl LumiMask {
    /// Reads a golden JSON file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<LumiMask, LumiMaskError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| LumiMaskError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_json_str(&text, path)
    }

    /// Parses golden-JSON text; `path` names the source in errors.
    pub fn from_json_str(text: &str, path: impl AsRef<Path>) -> Result<LumiMask, LumiMaskError> {
        let path = path.as_ref();
        let format = |message: String| LumiMaskError::Format {
            path: path.to_path_buf(),
            message,
        };
        let json: Value = serde_json::from_str(text).map_err(|source| LumiMaskError::Json {
            path: path.to_path_buf(),
            source,
        })?;
        let Value::Object(top) = json else {
            return Err(format(
                "expected an object {\"run\": [[first, last], ...], ...}".into(),
            ));
        };
        let mut per_run: Vec<(u32, Vec<(u32, u32)>)> = Vec::with_capacity(top.len());
        for (run_key, ranges) in &top {
            let run: u32 = run_key
                .trim()
                .parse()
                .map_err(|_| format(format!("run key `{run_key}` is not a run number")))?;
            let Value::Array(list) = ranges else {
                return Err(format(format!(
                    "run {run}: expected a list of [first, last] ranges"
                )));
            };
            let mut rs = Vec::with_capacity(list.len());
            for (i, r) in list.iter().enumerate() {
                let pair = match r {
                    Value::Array(p) if p.len() == 2 => (as_u32(&p[0]), as_u32(&p[1])),
                    _ => (None, None),
                };
                let (Some(first), Some(last)) = pair else {
                    return Err(format(format!(
                        "run {run}: range {i} is {r}, not a pair of lumi-section numbers"
                    )));
                };
                if first > last {
                    return Err(format(format!(
                        "run {run}: range {i} [{first}, {last}] is inverted (first > last)"
                    )));
                }
                rs.push((first, last));
            }
            per_run.push((run, merge_ranges(rs)));
        }
        per_run.sort_unstable_by_key(|(run, _)| *run);
        if let Some(w) = per_run.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(format(format!("run {} appears twice", w[0].0)));
        }
        let mut mask = LumiMask {
            runs: Vec::with_capacity(per_run.len()),
            starts: Vec::with_capacity(per_run.len() + 1),
            ranges: Vec::new(),
        };
        for (run, rs) in per_run {
            mask.runs.push(run);
            mask.starts.push(mask.ranges.len());
            mask.ranges.extend(rs);
        }
        mask.starts.push(mask.ranges.len());
        Ok(mask)
    }

    /// Number of certified runs.
    pub fn n_runs(&self) -> usize {
        self.runs.len()
    }

    /// The certified ranges of `run` (inclusive, sorted, merged), empty if the run is absent.
    pub fn ranges(&self, run: u32) -> &[(u32, u32)] {
        match self.runs.binary_search(&run) {
            Ok(i) => &self.ranges[self.starts[i]..self.starts[i + 1]],
            Err(_) => &[],
        }
    }

    /// Whether lumi section `lumi` of `run` is certified.
    pub fn contains(&self, run: u32, lumi: u32) -> bool {
        in_ranges(self.ranges(run), lumi)
    }

    /// [`contains`](LumiMask::contains) for columns of runs and lumi sections.
    pub fn mask(&self, runs: &[u32], lumis: &[u32]) -> Vec<bool> {
        let mut out = vec![false; runs.len().min(lumis.len())];
        self.mask_into(runs, lumis, &mut out);
        out
    }

    /// Fills `out[i] = contains(runs[i], lumis[i])` for `i < out.len()` (all three should have
    /// the same length; extra entries of the longer slices are ignored). Consecutive events of the
    /// same run, the usual case, look the run up once.
    pub fn mask_into(&self, runs: &[u32], lumis: &[u32], out: &mut [bool]) {
        let mut cached: Option<(u32, &[(u32, u32)])> = None;
        for ((o, &run), &lumi) in out.iter_mut().zip(runs).zip(lumis) {
            let ranges = match cached {
                Some((r, ranges)) if r == run => ranges,
                _ => {
                    let ranges = self.ranges(run);
                    cached = Some((run, ranges));
                    ranges
                }
            };
            *o = in_ranges(ranges, lumi);
        }
    }
}

fn as_u32(v: &Value) -> Option<u32> {
    v.as_u64().and_then(|x| u32::try_from(x).ok())
}

/// Sorts and merges overlapping or adjacent inclusive ranges.
fn merge_ranges(mut rs: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    rs.sort_unstable();
    let mut out: Vec<(u32, u32)> = Vec::with_capacity(rs.len());
    for (a, b) in rs {
        match out.last_mut() {
            Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

fn in_ranges(ranges: &[(u32, u32)], lumi: u32) -> bool {
    // The first range whose end is >= lumi; the lumi is inside if that range starts at or before it.
    let i = ranges.partition_point(|&(_, last)| last < lumi);
    ranges.get(i).is_some_and(|&(first, _)| first <= lumi)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared_data() -> PathBuf {
        std::env::var_os("PC_SHARED_DATA")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"))
    }

    #[test]
    fn inclusive_ranges_and_columns() {
        let m = LumiMask::from_json_str(r#"{"1": [[5, 7], [1, 2]], "3": [[10, 10]]}"#, "inline")
            .unwrap();
        assert_eq!(m.n_runs(), 2);
        assert_eq!(m.ranges(1), &[(1, 2), (5, 7)]);
        let cases = [
            (1, 0, false),
            (1, 1, true),
            (1, 2, true),
            (1, 3, false),
            (1, 4, false),
            (1, 5, true),
            (1, 7, true),
            (1, 8, false),
            (2, 5, false),
            (3, 9, false),
            (3, 10, true),
            (3, 11, false),
        ];
        for (run, lumi, want) in cases {
            assert_eq!(m.contains(run, lumi), want, "run {run} lumi {lumi}");
        }
        let runs: Vec<u32> = cases.iter().map(|c| c.0).collect();
        let lumis: Vec<u32> = cases.iter().map(|c| c.1).collect();
        let want: Vec<bool> = cases.iter().map(|c| c.2).collect();
        assert_eq!(m.mask(&runs, &lumis), want);
    }

    #[test]
    fn overlapping_ranges_merge() {
        let m =
            LumiMask::from_json_str(r#"{"7": [[1, 5], [3, 9], [10, 12], [20, 21]]}"#, "x").unwrap();
        assert_eq!(m.ranges(7), &[(1, 12), (20, 21)]);
    }

    #[test]
    fn errors_name_file_and_problem() {
        let err = |text: &str| {
            LumiMask::from_json_str(text, "cert.json")
                .unwrap_err()
                .to_string()
        };
        assert!(err("{").contains("invalid JSON in golden JSON cert.json"));
        let e = err(r#"{"1": [[5, 3]]}"#);
        assert!(
            e.contains("cert.json") && e.contains("run 1: range 0 [5, 3] is inverted"),
            "{e}"
        );
        assert!(err(r#"{"abc": [[1, 2]]}"#).contains("run key `abc` is not a run number"));
        assert!(err(r#"{"1": [[1, 2, 3]]}"#).contains("not a pair"));
        assert!(err(r#"{"1": [[-1, 2]]}"#).contains("not a pair"));
        assert!(err(r#"{"1": 3}"#).contains("expected a list"));
        assert!(err("[]").contains("expected an object"));
        let missing = LumiMask::from_file("/nonexistent/cert.json")
            .unwrap_err()
            .to_string();
        assert!(missing.contains("/nonexistent/cert.json"), "{missing}");
    }

    /// Compares with `validation/lumimask_fixture.json`: random (run, lumi) pairs checked by
    /// `validation/lumimask_fixture.py` with coffea's LumiMask algorithm, on the real Cert files.
    #[test]
    fn matches_python_reference_on_real_golden_jsons() {
        let fixture_path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../validation/lumimask_fixture.json");
        let fixture: Value =
            serde_json::from_str(&std::fs::read_to_string(&fixture_path).unwrap()).unwrap();
        let dir = shared_data().join("lumimasks");
        let mut checked = 0;
        for case in fixture["cases"].as_array().unwrap() {
            let file = case["file"].as_str().unwrap();
            let path = dir.join(file);
            if !path.exists() {
                eprintln!(
                    "skipping {file}: not found under {} (set PC_SHARED_DATA)",
                    dir.display()
                );
                continue;
            }
            let mask = LumiMask::from_file(&path).unwrap();
            assert_eq!(
                mask.n_runs() as u64,
                case["n_runs"].as_u64().unwrap(),
                "{file}"
            );
            let col = |k: &str| -> Vec<u32> {
                case[k]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_u64().unwrap() as u32)
                    .collect()
            };
            let (runs, lumis) = (col("runs"), col("lumis"));
            let expected: Vec<bool> = case["expected"]
                .as_str()
                .unwrap()
                .bytes()
                .map(|b| b == b'1')
                .collect();
            assert_eq!(runs.len(), expected.len());
            let got = mask.mask(&runs, &lumis);
            for i in 0..runs.len() {
                assert_eq!(
                    got[i], expected[i],
                    "{file}: run {} lumi {}",
                    runs[i], lumis[i]
                );
                assert_eq!(mask.contains(runs[i], lumis[i]), expected[i]);
            }
            assert!(expected.iter().any(|&e| e) && expected.iter().any(|&e| !e));
            checked += runs.len();
        }
        eprintln!("checked {checked} (run, lumi) pairs");
    }
}
