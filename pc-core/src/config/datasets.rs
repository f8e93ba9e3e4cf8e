//! Datasets in PocketCoffea's JSON formats.
//!
//! **Built** file lists (what an analysis runs on, written by `build-datasets`):
//! ```json
//! {"DYJetsToLL_M-50_2018": {
//!     "metadata": {"sample": "DYJetsToLL", "year": "2018", "isMC": "True", "xsec": "6077.22",
//!                  "nevents": "195510810", "size": "257265865671"},
//!     "files": ["root://.../file.root", "local/relative/path.root"]}}
//! ```
//! Metadata values are strings in files written by PocketCoffea; numbers and booleans are accepted
//! too. An MC dataset needs an `xsec` (pb). Relative file paths are relative to the JSON file's
//! folder; `${VAR}` in a file path is replaced by the environment variable `VAR` (an unset or empty
//! variable is an error), e.g. `"${PC_SHARED_DATA}/nanoaod/nano_dy.root"`. A key repeated in an
//! object (e.g. two datasets of the same name) is an error, as is a dataset name repeated across
//! the files given together.
//!
//! **Definitions** (the input of `build-datasets`): `{label: {"sample", "json_output", "files":
//! [group, ...]}}`, each group `{"das_names": [...], "metadata": {...}}`. DAS queries are not
//! available yet; a group lists local files instead, as paths or globs relative to the definitions
//! file: `{"local": ["../data/dy_*.root"], "metadata": {"year": "2018", "isMC": true, "xsec": 6077.22}}`.
//! Dataset names follow PocketCoffea: `{label}[_{part}]_{year}`, data adds `_Era{era}`.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use std::cell::RefCell;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// Errors from reading, building or selecting datasets; each names the file and dataset.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error("cannot read or write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid JSON in {path}: {source}")]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{path}: {message}")]
    Format { path: PathBuf, message: String },
    #[error("{path}: dataset `{dataset}`: {message}")]
    Invalid {
        path: PathBuf,
        dataset: String,
        message: String,
    },
    #[error("dataset `{name}` is defined more than once: in {first} and {second}")]
    Duplicate {
        name: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error("no dataset passes the filter ({filter}); available samples: {available}")]
    NothingSelected { filter: String, available: String },
}

/// One dataset: a named list of files with its metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Unique name, e.g. `DYJetsToLL_M-50_2018` or `DATA_SingleMuon_2018_EraA`.
    pub name: String,
    /// Physics-process label shared by several datasets, e.g. `DYJetsToLL`.
    pub sample: String,
    /// Data-taking period key, e.g. `2018`, `2022_preEE`.
    pub year: String,
    pub is_mc: bool,
    /// Cross section in pb (MC).
    pub xsec: Option<f64>,
    /// Data era, e.g. `A`.
    pub era: Option<String>,
    /// Data primary dataset, e.g. `SingleMuon`.
    pub primary_dataset: Option<String>,
    pub part: Option<String>,
    /// Total number of events in `files`, when known.
    pub nevents: Option<u64>,
    /// Local paths (resolved against the JSON's folder) or URLs (`root://...`) as written.
    pub files: Vec<String>,
    /// All metadata as strings, including the keys parsed into the fields above.
    pub metadata: BTreeMap<String, String>,
}

impl Dataset {
    /// Builds a dataset from its metadata (the typed fields are parsed from it).
    /// The error message names the offending key.
    pub fn from_metadata(
        name: &str,
        metadata: BTreeMap<String, String>,
        files: Vec<String>,
    ) -> Result<Dataset, String> {
        let get = |k: &str| metadata.get(k).map(|s| s.trim().to_string());
        let required = |k: &str| get(k).ok_or_else(|| format!("metadata has no `{k}`"));
        let is_mc_text = required("isMC")?;
        let is_mc = parse_bool(&is_mc_text)
            .ok_or_else(|| format!("metadata `isMC` is `{is_mc_text}`, not a boolean"))?;
        let sample = required("sample")?;
        let year = required("year")?;
        let xsec = match get("xsec") {
            Some(x) => Some(
                x.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| format!("metadata `xsec` is `{x}`, not a number"))?,
            ),
            None if is_mc => {
                return Err(
                    "MC dataset (isMC True) has no `xsec` (cross section in pb) in its metadata"
                        .into(),
                );
            }
            None => None,
        };
        let nevents =
            match get("nevents") {
                Some(n) => Some(n.parse::<u64>().map_err(|_| {
                    format!("metadata `nevents` is `{n}`, not a non-negative integer")
                })?),
                None => None,
            };
        Ok(Dataset {
            name: name.to_string(),
            sample,
            year,
            is_mc,
            xsec,
            era: get("era"),
            primary_dataset: get("primaryDataset"),
            part: get("part"),
            nevents,
            files,
            metadata,
        })
    }

    /// Keeps the first `n` files and rescales `nevents` proportionally (as `--limit-files`).
    pub fn limit_files(&mut self, n: usize) {
        let before = self.files.len();
        if n >= before {
            return;
        }
        self.files.truncate(n);
        if let Some(ev) = self.nevents {
            let scaled = (ev as f64 * n as f64 / before as f64).round() as u64;
            self.nevents = Some(scaled);
            self.metadata.insert("nevents".into(), scaled.to_string());
        }
    }
}

/// PocketCoffea's `to_bool`: `true/1/yes`, `false/0/no/""`, case-insensitive.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" | "" => Some(false),
        _ => None,
    }
}

/// A JSON value as Python's `str()` writes it (how PocketCoffea stringifies metadata).
fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    }
}

fn py_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(b) => if *b { "True" } else { "False" }.into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Value::Array(a) => format!("[{}]", a.iter().map(py_repr).collect::<Vec<_>>().join(", ")),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, v)| format!("'{k}': {}", py_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Reads a JSON file; a key repeated within an object is an error (serde_json keeps the last).
fn read_json(path: &Path) -> Result<Value, DatasetError> {
    let text = std::fs::read_to_string(path).map_err(|source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_json_strict(&text, path)
}

/// Parses JSON text (`path` names it), refusing repeated keys within an object. The first
/// level of keys are dataset names (or labels), so the error names the dataset.
fn parse_json_strict(text: &str, path: &Path) -> Result<Value, DatasetError> {
    let repeated = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    let seed = Strict {
        at: &[],
        repeated: &repeated,
    };
    let parsed = seed.deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    parsed.map_err(|source| match repeated.take() {
        Some(Repeated { mut at, key }) => {
            let again = format!("at line {}", source.line());
            if at.is_empty() {
                DatasetError::Invalid {
                    path: path.to_path_buf(),
                    dataset: key,
                    message: format!("defined twice in this file (again {again})"),
                }
            } else {
                let dataset = at.remove(0);
                at.push(key);
                DatasetError::Invalid {
                    path: path.to_path_buf(),
                    dataset,
                    message: format!("key `{}` appears twice (again {again})", at.join(".")),
                }
            }
        }
        None => DatasetError::Json {
            path: path.to_path_buf(),
            source,
        },
    })
}

/// A key found twice: the path of the object holding it, and the key.
struct Repeated {
    at: Vec<String>,
    key: String,
}

/// Deserializes a [`Value`] as serde_json does, but fails on a repeated object key (recorded in
/// `repeated`). serde_json's recursion limit still applies.
#[derive(Clone, Copy)]
struct Strict<'a> {
    at: &'a [String],
    repeated: &'a RefCell<Option<Repeated>>,
}

impl Strict<'_> {
    fn child<R>(&self, seg: String, f: impl FnOnce(Strict<'_>) -> R) -> R {
        let mut at = self.at.to_vec();
        at.push(seg);
        f(Strict {
            at: &at,
            repeated: self.repeated,
        })
    }
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = self.child(out.len().to_string(), |c| seq.next_element_seed(c))? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                let at = self.at.to_vec();
                *self.repeated.borrow_mut() = Some(Repeated { at, key });
                return Err(de::Error::custom("repeated key"));
            }
            let v = self.child(key.clone(), |c| map.next_value_seed(c))?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

fn base_dir(path: &Path) -> PathBuf {
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Resolves a file entry: URLs and absolute paths as they are, relative paths against `base`.
fn resolve_file(entry: &str, base: &Path) -> String {
    if entry.contains("://") || Path::new(entry).is_absolute() || base.as_os_str().is_empty() {
        entry.to_string()
    } else {
        base.join(entry).to_string_lossy().into_owned()
    }
}

/// Looks up an environment variable for `${VAR}` in file paths.
pub type EnvLookup<'a> = dyn Fn(&str) -> Option<String> + 'a;

/// The process environment, as [`EnvLookup`].
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Replaces each `${VAR}` in `entry` by the variable's value; unset, empty or malformed is an
/// error message. Other `$` are kept.
pub fn expand_env(entry: &str, env: &EnvLookup) -> Result<String, String> {
    let mut out = String::with_capacity(entry.len());
    let mut rest = entry;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("unterminated `${{` in `{entry}`"))?;
        let name = &after[..end];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("`${{{name}}}` in `{entry}` is not a variable name"));
        }
        match env(name) {
            Some(v) if !v.is_empty() => out.push_str(&v),
            _ => {
                return Err(format!(
                    "`{entry}` uses the environment variable `{name}`, which is not set"
                ));
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Reads a built dataset JSON (`${VAR}` in file paths from the process environment).
pub fn load_built(path: impl AsRef<Path>) -> Result<Vec<Dataset>, DatasetError> {
    load_built_with(path, &process_env)
}

/// Reads a built dataset JSON, taking `${VAR}` in file paths from `env`.
pub fn load_built_with(
    path: impl AsRef<Path>,
    env: &EnvLookup,
) -> Result<Vec<Dataset>, DatasetError> {
    let path = path.as_ref();
    parse_built_with(&read_json(path)?, path, env)
}

/// Parses a built dataset JSON value; `path` names the file and gives the folder relative file
/// paths are resolved against. Datasets come out sorted by name. (Repeated keys can only be
/// detected while reading the text: [`load_built`] does.)
pub fn parse_built(json: &Value, path: &Path) -> Result<Vec<Dataset>, DatasetError> {
    parse_built_with(json, path, &process_env)
}

/// [`parse_built`] taking `${VAR}` in file paths from `env`.
pub fn parse_built_with(
    json: &Value,
    path: &Path,
    env: &EnvLookup,
) -> Result<Vec<Dataset>, DatasetError> {
    let Value::Object(top) = json else {
        return Err(DatasetError::Format {
            path: path.to_path_buf(),
            message: "expected an object {dataset_name: {\"metadata\": {...}, \"files\": [...]}}"
                .into(),
        });
    };
    let base = base_dir(path);
    let mut out = Vec::with_capacity(top.len());
    for (name, entry) in top {
        let invalid = |message: String| DatasetError::Invalid {
            path: path.to_path_buf(),
            dataset: name.clone(),
            message,
        };
        let Value::Object(entry) = entry else {
            return Err(invalid(
                "expected an object with `metadata` and `files`".into(),
            ));
        };
        let metadata = match entry.get("metadata") {
            Some(Value::Object(m)) => m.iter().map(|(k, v)| (k.clone(), py_str(v))).collect(),
            Some(_) => return Err(invalid("`metadata` is not an object".into())),
            None => return Err(invalid("no `metadata`".into())),
        };
        let files = match entry.get("files") {
            Some(Value::Array(files)) => files
                .iter()
                .enumerate()
                .map(|(i, f)| match f {
                    Value::String(s) => expand_env(s, env)
                        .map(|s| resolve_file(&s, &base))
                        .map_err(|m| invalid(format!("`files[{i}]`: {m}"))),
                    _ => Err(invalid(format!("`files[{i}]` is not a string"))),
                })
                .collect::<Result<Vec<_>, _>>()?,
            Some(_) => return Err(invalid("`files` is not a list".into())),
            None => return Err(invalid("no `files`".into())),
        };
        out.push(Dataset::from_metadata(name, metadata, files).map_err(invalid)?);
    }
    Ok(out)
}

/// Selects datasets, as PocketCoffea's `datasets["filter"]` plus the run-time filters.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetFilter {
    /// Keep only these samples (all if `None`).
    #[serde(default)]
    pub samples: Option<Vec<String>>,
    /// Drop these samples.
    #[serde(default)]
    pub samples_exclude: Vec<String>,
    /// Keep only these years (all if `None`).
    #[serde(default)]
    pub year: Option<Vec<String>>,
    /// Keep only these dataset names (all if `None`).
    #[serde(default)]
    pub datasets: Option<Vec<String>>,
}

impl DatasetFilter {
    /// Whether `d` passes every condition.
    pub fn matches(&self, d: &Dataset) -> bool {
        let within = |list: &Option<Vec<String>>, v: &str| {
            list.as_ref().is_none_or(|l| l.iter().any(|x| x == v))
        };
        within(&self.samples, &d.sample)
            && !self.samples_exclude.contains(&d.sample)
            && within(&self.year, &d.year)
            && within(&self.datasets, &d.name)
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = &self.samples {
            parts.push(format!("samples: {}", s.join(", ")));
        }
        if !self.samples_exclude.is_empty() {
            parts.push(format!(
                "samples_exclude: {}",
                self.samples_exclude.join(", ")
            ));
        }
        if let Some(y) = &self.year {
            parts.push(format!("year: {}", y.join(", ")));
        }
        if let Some(d) = &self.datasets {
            parts.push(format!("datasets: {}", d.join(", ")));
        }
        if parts.is_empty() {
            "no conditions".into()
        } else {
            parts.join("; ")
        }
    }
}

/// Loads built JSONs, keeps the datasets passing `filter`, in file order then name order.
/// Dataset names must be unique across the files; an empty selection is an error.
pub fn load_datasets(
    jsons: &[impl AsRef<Path>],
    filter: &DatasetFilter,
) -> Result<Vec<Dataset>, DatasetError> {
    load_datasets_with(jsons, filter, &process_env)
}

/// [`load_datasets`] taking `${VAR}` in file paths from `env`.
pub fn load_datasets_with(
    jsons: &[impl AsRef<Path>],
    filter: &DatasetFilter,
    env: &EnvLookup,
) -> Result<Vec<Dataset>, DatasetError> {
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut samples = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for json in jsons {
        let json = json.as_ref();
        for d in load_built_with(json, env)? {
            if let Some(first) = seen.insert(d.name.clone(), json.to_path_buf()) {
                return Err(DatasetError::Duplicate {
                    name: d.name,
                    first,
                    second: json.to_path_buf(),
                });
            }
            samples.insert(d.sample.clone());
            if filter.matches(&d) {
                out.push(d);
            }
        }
    }
    if out.is_empty() {
        return Err(DatasetError::NothingSelected {
            filter: filter.describe(),
            available: samples.into_iter().collect::<Vec<_>>().join(", "),
        });
    }
    Ok(out)
}

/// Writes datasets as a built JSON (4-space indent, keys sorted). Local file paths are written
/// relative to the output's folder. An existing file is extended; a dataset already in it is an
/// error unless `overwrite` (then it is replaced), as PocketCoffea's `--overwrite`.
pub fn save_built(
    path: impl AsRef<Path>,
    datasets: &[Dataset],
    overwrite: bool,
) -> Result<(), DatasetError> {
    let path = path.as_ref();
    let mut top = if path.exists() {
        match read_json(path)? {
            Value::Object(m) => m,
            _ => {
                return Err(DatasetError::Format {
                    path: path.to_path_buf(),
                    message: "existing file is not a JSON object".into(),
                });
            }
        }
    } else {
        serde_json::Map::new()
    };
    let base = base_dir(path);
    for d in datasets {
        if top.contains_key(&d.name) && !overwrite {
            return Err(DatasetError::Invalid {
                path: path.to_path_buf(),
                dataset: d.name.clone(),
                message: "already present (use overwrite to replace it)".into(),
            });
        }
        let files: Vec<Value> = d
            .files
            .iter()
            .map(|f| Value::String(relative_for_output(f, &base)))
            .collect();
        let metadata: serde_json::Map<String, Value> = d
            .metadata
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let mut entry = serde_json::Map::new();
        entry.insert("metadata".into(), Value::Object(metadata));
        entry.insert("files".into(), Value::Array(files));
        top.insert(d.name.clone(), Value::Object(entry));
    }
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| DatasetError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(
        &mut buf,
        serde_json::ser::PrettyFormatter::with_indent(b"    "),
    );
    serde::Serialize::serialize(&Value::Object(top), &mut ser).map_err(|source| {
        DatasetError::Json {
            path: path.to_path_buf(),
            source,
        }
    })?;
    buf.push(b'\n');
    std::fs::write(path, buf).map_err(|source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Lexically normalized absolute path (no filesystem access; `..` pops a component).
fn normalize(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// `file` relative to `base` when it is a local path; URLs unchanged.
fn relative_for_output(file: &str, base: &Path) -> String {
    if file.contains("://") {
        return file.to_string();
    }
    let (f, b) = (normalize(Path::new(file)), normalize(base));
    let fc: Vec<_> = f.components().collect();
    let bc: Vec<_> = b.components().collect();
    let common = fc.iter().zip(&bc).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return f.to_string_lossy().into_owned();
    }
    let mut rel = PathBuf::new();
    for _ in common..bc.len() {
        rel.push("..");
    }
    for c in &fc[common..] {
        rel.push(c);
    }
    rel.to_string_lossy().into_owned()
}

/// One entry of a definitions file.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetDefinition {
    /// The user label (first part of the dataset names).
    pub label: String,
    pub sample: String,
    /// Where the built JSON goes (resolved against the definitions file's folder).
    pub json_output: PathBuf,
    pub groups: Vec<FileGroup>,
}

/// A group of files sharing metadata (e.g. one data era).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileGroup {
    /// DAS dataset names (kept in the metadata; querying DAS is not available yet).
    #[serde(default)]
    pub das_names: Vec<String>,
    /// Local files or glob patterns, relative to the definitions file's folder; URLs as is.
    #[serde(default)]
    pub local: Vec<String>,
    pub metadata: serde_json::Map<String, Value>,
    #[serde(default)]
    pub dbs_instance: Option<String>,
    #[serde(default)]
    pub das_parents_names: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDefinition {
    sample: String,
    json_output: String,
    files: Vec<FileGroup>,
    /// PocketCoffea's optional storage prefix for `_local.json` (not used here).
    #[serde(default)]
    #[allow(dead_code)]
    storage_prefix: Option<String>,
}

/// Reads a definitions file.
pub fn load_definitions(path: impl AsRef<Path>) -> Result<Vec<DatasetDefinition>, DatasetError> {
    let path = path.as_ref();
    let Value::Object(top) = read_json(path)? else {
        return Err(DatasetError::Format {
            path: path.to_path_buf(),
            message: "expected an object {label: {\"sample\", \"json_output\", \"files\"}}".into(),
        });
    };
    let base = base_dir(path);
    let mut out = Vec::with_capacity(top.len());
    for (label, v) in top {
        let raw: RawDefinition = serde_json::from_value(v).map_err(|e| DatasetError::Invalid {
            path: path.to_path_buf(),
            dataset: label.clone(),
            message: e.to_string(),
        })?;
        out.push(DatasetDefinition {
            label,
            sample: raw.sample,
            json_output: base.join(raw.json_output),
            groups: raw.files,
        });
    }
    Ok(out)
}

/// Counts the events of one local file (e.g. with the ROOT reader); `Err` is a message.
pub type EventCounter<'a> = dyn Fn(&Path) -> Result<u64, String> + 'a;

/// The datasets built from a definitions file, grouped by output JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct BuiltOutput {
    pub json_output: PathBuf,
    pub datasets: Vec<Dataset>,
}

/// Builds the file lists of `defs` (read from `path`, which names errors and anchors relative
/// patterns): expands `local` paths and globs, sums file sizes, counts events when `count_events`
/// is given, and names the datasets as PocketCoffea does.
pub fn build_datasets(
    defs: &[DatasetDefinition],
    path: &Path,
    count_events: Option<&EventCounter>,
) -> Result<Vec<BuiltOutput>, DatasetError> {
    let base = base_dir(path);
    let mut outputs: Vec<BuiltOutput> = Vec::new();
    for def in defs {
        let mut built = Vec::new();
        for (gi, group) in def.groups.iter().enumerate() {
            let invalid = |message: String| DatasetError::Invalid {
                path: path.to_path_buf(),
                dataset: format!("{} (files[{gi}])", def.label),
                message,
            };
            if group.local.is_empty() {
                return Err(invalid(if group.das_names.is_empty() {
                    "no `local` files".into()
                } else {
                    "DAS queries are not available yet: list the files under `local`".into()
                }));
            }
            let files = expand_local(&group.local, &base).map_err(invalid)?;
            let mut meta: BTreeMap<String, String> = BTreeMap::new();
            if !group.das_names.is_empty() {
                let das =
                    Value::Array(group.das_names.iter().cloned().map(Value::String).collect());
                meta.insert("das_names".into(), py_str(&das));
            }
            if let Some(dbs) = &group.dbs_instance {
                meta.insert("dbs_instance".into(), dbs.clone());
            }
            meta.insert("sample".into(), def.sample.clone());
            for (k, v) in &group.metadata {
                meta.insert(k.clone(), py_str(v));
            }
            let mut size = 0u64;
            let mut nevents = 0u64;
            for f in files.iter().filter(|f| !f.contains("://")) {
                size += std::fs::metadata(f)
                    .map(|m| m.len())
                    .map_err(|e| invalid(format!("{f}: {e}")))?;
                if let Some(count) = count_events {
                    nevents += count(Path::new(f)).map_err(|e| invalid(format!("{f}: {e}")))?;
                }
            }
            meta.insert("size".into(), size.to_string());
            if count_events.is_some() {
                meta.insert("nevents".into(), nevents.to_string());
            }
            let name = dataset_name(&def.label, &meta).map_err(invalid)?;
            built.push(Dataset::from_metadata(&name, meta, files).map_err(invalid)?);
        }
        match outputs
            .iter_mut()
            .find(|o| o.json_output == def.json_output)
        {
            Some(o) => o.datasets.extend(built),
            None => outputs.push(BuiltOutput {
                json_output: def.json_output.clone(),
                datasets: built,
            }),
        }
    }
    Ok(outputs)
}

/// `{label}[_{part}]_{year}`, plus `_Era{era}` for data.
fn dataset_name(label: &str, meta: &BTreeMap<String, String>) -> Result<String, String> {
    let year = meta.get("year").ok_or("metadata has no `year`")?;
    let is_mc_text = meta.get("isMC").ok_or("metadata has no `isMC`")?;
    let is_mc = parse_bool(is_mc_text)
        .ok_or_else(|| format!("metadata `isMC` is `{is_mc_text}`, not a boolean"))?;
    let mut name = match meta.get("part") {
        Some(part) => format!("{label}_{part}_{year}"),
        None => format!("{label}_{year}"),
    };
    if !is_mc {
        let era = meta
            .get("era")
            .ok_or("data needs an `era` in the metadata")?;
        name.push_str(&format!("_Era{era}"));
    }
    Ok(name)
}

/// Expands paths and globs (relative to `base`); URLs pass through. Each pattern must match.
fn expand_local(patterns: &[String], base: &Path) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for pattern in patterns {
        if pattern.contains("://") {
            out.push(pattern.clone());
            continue;
        }
        let full = resolve_file(&expand_env(pattern, &process_env)?, base);
        let paths = glob::glob(&full).map_err(|e| format!("bad pattern `{pattern}`: {e}"))?;
        let mut matched = 0;
        for p in paths {
            let p = p.map_err(|e| format!("pattern `{pattern}`: {e}"))?;
            if p.is_file() {
                matched += 1;
                let s = p.to_string_lossy().into_owned();
                if !out.contains(&s) {
                    out.push(s);
                }
            }
        }
        if matched == 0 {
            return Err(format!("no file matches `{pattern}` (looked for {full})"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
