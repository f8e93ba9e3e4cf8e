//! UHI JSON (the scikit-hep serialisation, `uhi.io.json`), written and read.
//!
//! A file is a JSON object mapping names to histograms, as `uhi` reads and writes it
//! (`uhi validate` checks it against `histograms.schema.json`); the output contract keys
//! it `"{histogram}/{sample}/{dataset}"`. One histogram is written as boost-histogram
//! writes a `hist.Hist` with `Weight` storage:
//!
//! ```json
//! {"uhi_schema": 1, "writer_info": {"pc": {"version": "0.1.0"}},
//!  "metadata": {"name": "mll"},
//!  "axes": [{"type": "category_str", "categories": ["baseline"], "flow": true,
//!            "metadata": {"name": "cat"}},
//!           {"type": "regular", "lower": 60.0, "upper": 120.0, "bins": 60,
//!            "underflow": true, "overflow": true, "circular": false,
//!            "metadata": {"name": "mll", "label": "m [GeV]"}}],
//!  "storage": {"type": "weighted", "values": [[...], [...]], "variances": [[...], [...]]}}
//! ```
//!
//! `values` and `variances` are nested arrays in the shape of `view(flow=True)`: one level
//! per axis, the first axis outermost, each level `[underflow, bins..., overflow]` (for a
//! category axis `[categories..., flow]`). An `Integer` axis is a `regular` axis with
//! integer bounds tagged `writer_info: {"boost-histogram": {"orig_type": "Integer"}}`, so
//! that `hist` restores it as `hist.axis.Integer`. Strict JSON has no NaN or infinity:
//! writing a histogram with a non-finite bin is an error naming the histogram and bin.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value, json};

use super::HistError;
use super::axis::{Axis, AxisKind};
use super::histogram::Hist;
use super::storage::WeightedSum;

/// Name under which we sign `writer_info`.
const WRITER: &str = "pc";

// ---------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------

/// Checks that every bin is finite (strict JSON cannot hold NaN or infinities).
fn check_finite(key: &str, h: &Hist) -> Result<(), HistError> {
    for (bin, b) in h.bins().iter().enumerate() {
        for (what, x) in [("value", b.value), ("variance", b.variance)] {
            if !x.is_finite() {
                return Err(HistError::NonFinite {
                    hist: key.to_owned(),
                    bin,
                    what,
                    x,
                });
            }
        }
    }
    Ok(())
}

/// Metadata object (`name`, `label`), omitting empty entries.
fn metadata(name: &str, label: &str) -> Option<Value> {
    let mut m = Map::new();
    if !name.is_empty() {
        m.insert("name".into(), name.into());
    }
    if !label.is_empty() {
        m.insert("label".into(), label.into());
    }
    (!m.is_empty()).then_some(Value::Object(m))
}

/// The UHI description of one axis.
fn axis_to_value(a: &Axis) -> Value {
    let mut v = match a.kind() {
        AxisKind::Regular { bins, start, stop } => json!({
            "type": "regular", "lower": start, "upper": stop, "bins": bins,
            "underflow": true, "overflow": true, "circular": false,
        }),
        AxisKind::Variable { edges } => json!({
            "type": "variable", "edges": edges,
            "underflow": true, "overflow": true, "circular": false,
        }),
        AxisKind::Integer { start, stop } => json!({
            "type": "regular", "lower": start, "upper": stop, "bins": stop - start,
            "underflow": true, "overflow": true, "circular": false,
            "writer_info": {"boost-histogram": {"orig_type": "Integer"}},
        }),
        AxisKind::StrCategory { labels, flow } => json!({
            "type": "category_str", "categories": labels, "flow": flow,
        }),
    };
    if let (Some(m), Value::Object(o)) = (metadata(a.name(), a.label()), &mut v) {
        o.insert("metadata".into(), m);
    }
    v
}

/// Nested array of one field of the bins, in the shape `shape` (row-major).
struct Nested<'a> {
    shape: &'a [usize],
    bins: &'a [WeightedSum],
    variance: bool,
}

impl Serialize for Nested<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (&n, rest) = self.shape.split_first().unwrap_or((&0, &[]));
        let mut seq = s.serialize_seq(Some(n))?;
        if rest.is_empty() {
            for b in self.bins {
                seq.serialize_element(if self.variance { &b.variance } else { &b.value })?;
            }
        } else {
            let chunk = self.bins.len() / n.max(1);
            for part in self.bins.chunks(chunk.max(1)) {
                seq.serialize_element(&Nested {
                    shape: rest,
                    bins: part,
                    variance: self.variance,
                })?;
            }
        }
        seq.end()
    }
}

/// Weighted storage object.
struct Storage<'a>(&'a Hist, &'a [usize]);

impl Serialize for Storage<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let nested = |variance| Nested {
            shape: self.1,
            bins: self.0.bins(),
            variance,
        };
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("type", "weighted")?;
        m.serialize_entry("values", &nested(false))?;
        m.serialize_entry("variances", &nested(true))?;
        m.end()
    }
}

/// One histogram in UHI form (bins must have been checked finite).
struct Uhi<'a>(&'a Hist);

impl Serialize for Uhi<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let h = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("uhi_schema", &1)?;
        m.serialize_entry(
            "writer_info",
            &json!({ WRITER: { "version": env!("CARGO_PKG_VERSION") } }),
        )?;
        if let Some(meta) = metadata(h.name(), h.label()) {
            m.serialize_entry("metadata", &meta)?;
        }
        let axes: Vec<Value> = h.axes().iter().map(axis_to_value).collect();
        m.serialize_entry("axes", &axes)?;
        m.serialize_entry("storage", &Storage(h, &h.shape()))?;
        m.end()
    }
}

/// One histogram as a UHI JSON string.
pub fn to_json_string(h: &Hist) -> Result<String, HistError> {
    check_finite(h.name(), h)?;
    serde_json::to_string(&Uhi(h)).map_err(|e| HistError::Uhi {
        hist: h.name().to_owned(),
        reason: e.to_string(),
    })
}

/// Writes `{name: histogram, ...}` (in the order given) as one UHI JSON object to `w`.
/// Every histogram is checked before anything is written.
pub fn write_json<'a, W: Write>(
    w: W,
    hists: impl IntoIterator<Item = (&'a str, &'a Hist)> + Clone,
) -> Result<(), HistError> {
    for (key, h) in hists.clone() {
        check_finite(key, h)?;
    }
    let mut ser = serde_json::Serializer::new(w);
    let res = (|| {
        let mut m = ser.serialize_map(None)?;
        for (key, h) in hists {
            m.serialize_entry(key, &Uhi(h))?;
        }
        SerializeMap::end(m)
    })();
    res.map_err(|e| HistError::Uhi {
        hist: "(file)".to_owned(),
        reason: e.to_string(),
    })
}

/// Writes a `histograms.json` file (see [`write_json`]) through a temporary file renamed
/// into place, so a failed write leaves no partial file.
pub fn write_json_file<'a>(
    path: &Path,
    hists: impl IntoIterator<Item = (&'a str, &'a Hist)> + Clone,
) -> Result<(), HistError> {
    let io = |source| HistError::Io {
        path: path.to_owned(),
        source,
    };
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    let file = File::create(&tmp).map_err(io)?;
    let mut w = BufWriter::new(file);
    let written = write_json(&mut w, hists).and_then(|()| {
        w.write_all(b"\n").map_err(io)?;
        w.flush().map_err(io)
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    drop(w);
    std::fs::rename(&tmp, path).map_err(io)
}

// ---------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------

/// Reads a `histograms.json` file (a mapping of names to UHI histograms).
pub fn read_json_file(path: &Path) -> Result<BTreeMap<String, Hist>, HistError> {
    let file = File::open(path).map_err(|source| HistError::Io {
        path: path.to_owned(),
        source,
    })?;
    let v: Value =
        serde_json::from_reader(BufReader::new(file)).map_err(|source| HistError::Json {
            path: path.to_owned(),
            source,
        })?;
    from_json_value(&v)
}

/// Parses a JSON string holding a mapping of names to UHI histograms.
pub fn from_json_str(s: &str) -> Result<BTreeMap<String, Hist>, HistError> {
    let v: Value = serde_json::from_str(s).map_err(|e| HistError::Uhi {
        hist: "(file)".to_owned(),
        reason: e.to_string(),
    })?;
    from_json_value(&v)
}

/// Converts a parsed mapping of names to UHI histograms.
pub fn from_json_value(v: &Value) -> Result<BTreeMap<String, Hist>, HistError> {
    let err = |reason: &str| HistError::Uhi {
        hist: "(file)".to_owned(),
        reason: reason.to_owned(),
    };
    let obj = v
        .as_object()
        .ok_or_else(|| err("expected a JSON object of named histograms"))?;
    if obj.contains_key("uhi_schema") {
        return Err(err(
            "this is a single histogram, not a mapping of named histograms",
        ));
    }
    obj.iter()
        .map(|(k, h)| Ok((k.clone(), hist_from_value(k, h)?)))
        .collect()
}

/// Parses one UHI histogram (`key` names it in errors and is its name if the metadata has
/// none). Supports what we write and what `hist` writes for the same axes: regular,
/// variable and (boost-histogram tagged) integer axes with both flow bins, string
/// categories, and weighted storage, dense (nested or flat) or sparse.
pub fn hist_from_value(key: &str, v: &Value) -> Result<Hist, HistError> {
    let err = |reason: String| HistError::Uhi {
        hist: key.to_owned(),
        reason,
    };
    let obj = v
        .as_object()
        .ok_or_else(|| err("not a JSON object".into()))?;
    match obj.get("uhi_schema").and_then(Value::as_u64) {
        Some(1) => {}
        other => return Err(err(format!("unsupported uhi_schema {other:?} (need 1)"))),
    }
    let (name, label) = meta_strings(obj);
    let axes = obj
        .get("axes")
        .and_then(Value::as_array)
        .ok_or_else(|| err("missing `axes` array".into()))?
        .iter()
        .enumerate()
        .map(|(i, a)| axis_from_value(a).map_err(|r| err(format!("axis {i}: {r}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let name = if name.is_empty() { key } else { name };
    let shape: Vec<usize> = axes.iter().map(Axis::extent).collect();
    let storage = obj
        .get("storage")
        .and_then(Value::as_object)
        .ok_or_else(|| err("missing `storage` object".into()))?;
    let bins = storage_from_value(storage, &shape).map_err(|r| err(format!("storage: {r}")))?;
    Ok(Hist::from_bins(name, axes, bins)?.with_label(label))
}

/// `metadata.name` and `metadata.label` (empty if absent).
fn meta_strings(obj: &Map<String, Value>) -> (&str, &str) {
    let get = |k| {
        obj.get("metadata")
            .and_then(|m| m.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
    };
    (get("name"), get("label"))
}

fn axis_from_value(v: &Value) -> Result<Axis, String> {
    let obj = v.as_object().ok_or("not a JSON object")?;
    let (name, label) = meta_strings(obj);
    let ty = obj
        .get("type")
        .and_then(Value::as_str)
        .ok_or("missing `type`")?;
    let flag = |k: &str| obj.get(k).and_then(Value::as_bool);
    let num = |k: &str| {
        obj.get(k)
            .and_then(Value::as_f64)
            .ok_or_else(|| format!("missing number `{k}`"))
    };
    if matches!(ty, "regular" | "variable")
        && (flag("underflow") != Some(true)
            || flag("overflow") != Some(true)
            || flag("circular") != Some(false))
    {
        return Err(format!(
            "{ty} axis `{name}`: only underflow = overflow = true, circular = false is supported"
        ));
    }
    let axis = match ty {
        "regular" => {
            let orig = obj
                .get("writer_info")
                .and_then(|w| w.get("boost-histogram"))
                .and_then(|b| b.get("orig_type"))
                .and_then(Value::as_str);
            let bins = obj
                .get("bins")
                .and_then(Value::as_u64)
                .ok_or("missing integer `bins`")?;
            if orig == Some("Integer") {
                let int = |k: &str| {
                    obj.get(k)
                        .and_then(Value::as_i64)
                        .ok_or_else(|| format!("Integer axis `{name}`: `{k}` must be an integer"))
                };
                let (lo, hi) = (int("lower")?, int("upper")?);
                if hi.checked_sub(lo) != i64::try_from(bins).ok() {
                    return Err(format!("Integer axis `{name}`: bins != upper - lower"));
                }
                Axis::integer(name, lo, hi)
            } else {
                let bins = usize::try_from(bins).map_err(|e| e.to_string())?;
                Axis::regular(name, bins, num("lower")?, num("upper")?)
            }
        }
        "variable" => {
            let edges = obj
                .get("edges")
                .and_then(Value::as_array)
                .ok_or("`edges` must be an inline array")?
                .iter()
                .map(|e| e.as_f64().ok_or("non-numeric edge"))
                .collect::<Result<Vec<f64>, _>>()?;
            Axis::variable(name, edges)
        }
        "category_str" => {
            let labels = obj
                .get("categories")
                .and_then(Value::as_array)
                .ok_or("missing `categories` array")?
                .iter()
                .map(|c| c.as_str().ok_or("non-string category"))
                .collect::<Result<Vec<&str>, _>>()?;
            let flow = flag("flow").ok_or("missing boolean `flow`")?;
            Axis::str_category_with_flow(name, &labels, flow)
        }
        other => return Err(format!("unsupported axis type `{other}`")),
    };
    Ok(axis.map_err(|e| e.to_string())?.with_label(label))
}

fn storage_from_value(
    obj: &Map<String, Value>,
    shape: &[usize],
) -> Result<Vec<WeightedSum>, String> {
    match obj.get("type").and_then(Value::as_str) {
        Some("weighted") => {}
        other => {
            return Err(format!(
                "unsupported storage type {other:?} (need `weighted`)"
            ));
        }
    }
    let total: usize = shape.iter().product();
    let (values, variances) = match (obj.get("values"), obj.get("variances")) {
        (None, None) => return Ok(vec![WeightedSum::default(); total]),
        (Some(v), Some(w)) => (v, w),
        _ => return Err("needs both `values` and `variances`".into()),
    };
    let field = |v: &Value, what: &str, shape: &[usize]| {
        let mut out = Vec::with_capacity(shape.iter().product());
        flatten(v, shape, &mut out).map_err(|e| format!("`{what}`: {e}"))?;
        Ok::<_, String>(out)
    };
    let (vals, vars) = if let Some(index) = obj.get("index") {
        // Sparse: `index` is [ndim][n] flow coordinates, `values`/`variances` have n entries.
        let vals = field(values, "values", &[])?;
        let vars = field(variances, "variances", &[])?;
        let rows = index.as_array().ok_or("`index` must be an inline array")?;
        if rows.len() != shape.len() || vals.len() != vars.len() {
            return Err("`index` does not match the axes or the data".into());
        }
        let mut dense_v = vec![0.0; total];
        let mut dense_w = vec![0.0; total];
        for k in 0..vals.len() {
            let mut flat = 0usize;
            for (row, &n) in rows.iter().zip(shape) {
                let i = row
                    .get(k)
                    .and_then(Value::as_u64)
                    .and_then(|i| usize::try_from(i).ok())
                    .filter(|&i| i < n)
                    .ok_or("`index` entry missing or out of range")?;
                flat = flat * n + i;
            }
            dense_v[flat] = vals[k];
            dense_w[flat] = vars[k];
        }
        (dense_v, dense_w)
    } else {
        (
            field(values, "values", shape)?,
            field(variances, "variances", shape)?,
        )
    };
    if vals.len() != total || vars.len() != total {
        return Err(format!(
            "need {total} bins, got {} values and {} variances",
            vals.len(),
            vars.len()
        ));
    }
    Ok(vals
        .into_iter()
        .zip(vars)
        .map(|(value, variance)| WeightedSum { value, variance })
        .collect())
}

/// Flattens a nested array of the given shape (row-major) into `out`; a flat array of the
/// full length is accepted too. An empty `shape` means "any flat array".
fn flatten(v: &Value, shape: &[usize], out: &mut Vec<f64>) -> Result<(), String> {
    let arr = v.as_array().ok_or("expected an inline array")?;
    let total: usize = shape.iter().product();
    let flat = shape.len() <= 1 || (arr.len() == total && arr.iter().all(Value::is_number));
    if flat {
        if !shape.is_empty() && arr.len() != total {
            return Err(format!("expected {total} numbers, got {}", arr.len()));
        }
        for x in arr {
            out.push(x.as_f64().ok_or("expected a number")?);
        }
        return Ok(());
    }
    if arr.len() != shape[0] {
        return Err(format!("expected {} rows, got {}", shape[0], arr.len()));
    }
    for row in arr {
        flatten(row, &shape[1..], out)?;
    }
    Ok(())
}
