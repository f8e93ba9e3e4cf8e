//! Analysis parameters: YAML defaults shipped with pc-core, user files merged on top with
//! PocketCoffea/OmegaConf semantics, `${...}` interpolation, and typed access by dotted key.
//!
//! ```no_run
//! use pc_core::config::Params;
//! let params = Params::builder()
//!     .dir("data_dir", "/path/to/shared/data")
//!     .file("params/object_preselection.yaml")
//!     .load()?;
//! let lumi: f64 = params.get("lumi.picobarns.2018.tot")?;
//! let flags: Vec<String> = params.get("event_flags.2018")?;
//! std::fs::write("parameters_dump.yaml", params.to_yaml()?).unwrap();
//! # Ok::<(), pc_core::config::ParamError>(())
//! ```
//!
//! Merging (as `OmegaConf.merge`/`merge_parameters_from_files(update=True)`): maps merge
//! recursively, new keys are added, scalars and lists are replaced. [`MergeMode::Replace`] replaces
//! each top-level key of a file as a whole (`update=False`). Interpolations are resolved once, after
//! all files are merged (see `super::interpolate`). `???` marks a mandatory value that must be set
//! before it is read.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_norway::{Mapping, Value};

use super::interpolate;
use crate::util::did_you_mean;

/// The default parameters shipped with pc-core.
pub const DEFAULTS_YAML: &str = include_str!("defaults.yaml");
/// The source name the defaults appear under in messages.
pub const DEFAULTS_NAME: &str = "<pc-core defaults.yaml>";
/// OmegaConf's marker for a mandatory value that is not set.
pub const MISSING: &str = "???";
/// The deepest `[`/`{` nesting read. The YAML parser takes time quadratic in the flow nesting
/// before its own recursion limit (128) applies, so deeper text is refused before parsing.
pub const MAX_FLOW_NESTING: usize = 1000;

/// Errors from loading or reading parameters. Every variant names the key and/or file.
#[derive(Debug, thiserror::Error)]
pub enum ParamError {
    #[error("cannot read parameters file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid YAML in {file}: {message}")]
    Yaml { file: String, message: String },
    #[error("{file}: {message}")]
    Structure { file: String, message: String },
    #[error("parameter `{key}` not found{detail}; looked in: {files}{}", hint(.suggestion))]
    MissingKey {
        key: String,
        /// Why the lookup stopped, e.g. " (no key `x` under `a.b`)".
        detail: String,
        files: String,
        suggestion: Option<String>,
    },
    #[error("parameter `{key}` (from {file}) is mandatory (`???`) but was never set")]
    Mandatory { key: String, file: String },
    #[error("parameter `{key}` (from {file}): expected {expected}, found {found}: {detail}")]
    Type {
        key: String,
        file: String,
        expected: String,
        found: String,
        detail: String,
    },
    #[error("cannot resolve `{key}` (from {file}): {message}")]
    Interpolation {
        key: String,
        file: String,
        message: String,
    },
    #[error("cannot write parameters: {0}")]
    Dump(String),
    #[error("{file}: unknown parameter `{key}`{}{}", hint(.suggestion), .known.as_ref().map(|k| format!(" (known here: {k})")).unwrap_or_default())]
    UnknownKey {
        file: String,
        key: String,
        suggestion: Option<String>,
        known: Option<String>,
    },
}

fn hint(s: &Option<String>) -> String {
    s.as_ref()
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
}

/// One node of the parameter tree. Map keys are strings (YAML numbers and booleans used as keys,
/// like an unquoted `2018:`, are converted to their text) and keep the order of the files.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// `???`: a mandatory value not set yet.
    Missing,
    List(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    /// A short name of the node's type, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool(_) => "a boolean",
            Node::Int(_) => "an integer",
            Node::Float(_) => "a float",
            Node::Str(_) => "a string",
            Node::Missing => "`???` (unset)",
            Node::List(_) => "a list",
            Node::Map(_) => "a map",
        }
    }

    /// The child at `seg`: a map key, or a list index.
    pub fn child(&self, seg: &str) -> Option<&Node> {
        match self {
            Node::Map(m) => m.iter().find(|(k, _)| k == seg).map(|(_, v)| v),
            Node::List(l) => seg.parse::<usize>().ok().and_then(|i| l.get(i)),
            _ => None,
        }
    }

    fn child_mut(&mut self, seg: &str) -> Option<&mut Node> {
        match self {
            Node::Map(m) => m.iter_mut().find(|(k, _)| k == seg).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The keys of a map (empty for other nodes).
    pub fn keys(&self) -> Vec<&str> {
        match self {
            Node::Map(m) => m.iter().map(|(k, _)| k.as_str()).collect(),
            _ => Vec::new(),
        }
    }

    /// Converts a parsed YAML value; `file` and `path` locate it in errors.
    pub(crate) fn from_yaml(v: Value, file: &str, path: &str) -> Result<Node, ParamError> {
        let structure = |message: String| ParamError::Structure {
            file: file.to_string(),
            message,
        };
        Ok(match v {
            Value::Null => Node::Null,
            Value::Bool(b) => Node::Bool(b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => Node::Int(i),
                None => Node::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) if s == MISSING => Node::Missing,
            Value::String(s) => Node::Str(s),
            Value::Sequence(seq) => Node::List(
                seq.into_iter()
                    .enumerate()
                    .map(|(i, v)| Node::from_yaml(v, file, &join(path, &i.to_string())))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Mapping(map) => {
                let mut out: Vec<(String, Node)> = Vec::with_capacity(map.len());
                for (k, v) in map {
                    let key = match k {
                        Value::String(s) => s,
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        Value::Null => "null".to_string(),
                        other => {
                            return Err(structure(format!(
                                "unsupported map key {other:?} under `{path}`: keys must be scalars"
                            )));
                        }
                    };
                    if out.iter().any(|(k, _)| *k == key) {
                        return Err(structure(format!("duplicate key `{}`", join(path, &key))));
                    }
                    let child = Node::from_yaml(v, file, &join(path, &key))?;
                    out.push((key, child));
                }
                Node::Map(out)
            }
            Value::Tagged(t) => {
                return Err(structure(format!(
                    "YAML tag `{}` at `{path}` is not supported",
                    t.tag
                )));
            }
        })
    }

    /// Converts to a YAML value (`???` becomes the string `???`).
    pub fn to_yaml_value(&self) -> Value {
        match self {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(*b),
            Node::Int(i) => Value::Number((*i).into()),
            Node::Float(f) => Value::Number((*f).into()),
            Node::Str(s) => Value::String(s.clone()),
            Node::Missing => Value::String(MISSING.to_string()),
            Node::List(l) => Value::Sequence(l.iter().map(Node::to_yaml_value).collect()),
            Node::Map(m) => {
                let mut out = Mapping::with_capacity(m.len());
                for (k, v) in m {
                    out.insert(Value::String(k.clone()), v.to_yaml_value());
                }
                Value::Mapping(out)
            }
        }
    }

    /// The dotted path of the first `???` inside this node, if any.
    fn find_missing(&self, path: &str) -> Option<String> {
        match self {
            Node::Missing => Some(path.to_string()),
            Node::List(l) => l
                .iter()
                .enumerate()
                .find_map(|(i, v)| v.find_missing(&join(path, &i.to_string()))),
            Node::Map(m) => m.iter().find_map(|(k, v)| v.find_missing(&join(path, k))),
            _ => None,
        }
    }
}

pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// How a file is merged into what came before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MergeMode {
    /// Maps merge recursively; scalars and lists are replaced; new keys are added.
    #[default]
    Merge,
    /// Each top-level key of the file replaces the previous value as a whole.
    Replace,
}

/// A key in a user file that is new but close to an existing sibling key: likely a typo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuspiciousKey {
    /// The file the key is in.
    pub file: String,
    /// The dotted path of the new key.
    pub key: String,
    /// The dotted path of the existing key it resembles.
    pub did_you_mean: String,
}

impl fmt::Display for SuspiciousKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: new parameter `{}` looks like a typo of `{}`",
            self.file, self.key, self.did_you_mean
        )
    }
}

enum Source {
    File(PathBuf),
    Text { name: String, text: String },
}

/// Collects the layers and resolvers, then [`load`](ParamsBuilder::load)s them.
pub struct ParamsBuilder {
    defaults: bool,
    layers: Vec<(Source, MergeMode)>,
    /// Indices into `layers` of the user files whose keys are checked.
    checked: Vec<usize>,
    free_form: Vec<String>,
    dirs: Vec<(String, String)>,
}

impl Default for ParamsBuilder {
    fn default() -> Self {
        ParamsBuilder {
            defaults: true,
            layers: Vec::new(),
            checked: Vec::new(),
            free_form: Vec::new(),
            dirs: Vec::new(),
        }
    }
}

impl ParamsBuilder {
    /// Start from nothing instead of the shipped defaults.
    pub fn without_defaults(mut self) -> Self {
        self.defaults = false;
        self
    }

    /// Registers a directory resolver: `${name:}` becomes `path`, `${name:sub/file}` becomes
    /// `path/sub/file` (PocketCoffea's `register_configuration_dir`). The defaults use `data_dir`.
    pub fn dir(mut self, name: &str, path: impl AsRef<Path>) -> Self {
        let path = path.as_ref().to_string_lossy().into_owned();
        self.dirs.retain(|(n, _)| n != name);
        self.dirs.push((name.to_string(), path));
        self
    }

    /// Merges a YAML file on top of what came before.
    pub fn file(self, path: impl Into<PathBuf>) -> Self {
        self.file_with(path, MergeMode::Merge)
    }

    /// Adds a YAML file with an explicit [`MergeMode`].
    pub fn file_with(mut self, path: impl Into<PathBuf>, mode: MergeMode) -> Self {
        self.layers.push((Source::File(path.into()), mode));
        self
    }

    /// Merges a user's YAML file whose keys must already exist (in the defaults or the
    /// analysis' parameters): a new key that resembles an existing one, or a new top-level
    /// section, is an error with a did-you-mean, unless it lies under a
    /// [`free_form`](ParamsBuilder::free_form) key. New entries deeper down (a new year,
    /// a new dataset's cross section) are accepted.
    pub fn user_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.checked.push(self.layers.len());
        self.file(path)
    }

    /// Keys under dotted `key` are the user's own: never checked by
    /// [`user_file`](ParamsBuilder::user_file).
    pub fn free_form(mut self, key: &str) -> Self {
        self.free_form.push(key.to_string());
        self
    }

    /// Merges YAML text; `name` stands for the file in messages.
    pub fn yaml(mut self, name: &str, text: &str) -> Self {
        self.layers.push((
            Source::Text {
                name: name.to_string(),
                text: text.to_string(),
            },
            MergeMode::Merge,
        ));
        self
    }

    /// Reads and merges every layer, then resolves the interpolations.
    pub fn load(self) -> Result<Params, ParamError> {
        let mut merged = Merged::new();
        if self.defaults {
            merged.add(DEFAULTS_NAME, DEFAULTS_YAML, MergeMode::Merge, false)?;
        }
        for (i, (src, mode)) in self.layers.into_iter().enumerate() {
            let before = merged.warnings.len();
            let checked = self.checked.contains(&i);
            if checked {
                merged.collect_new_top_level = true;
            }
            match src {
                Source::File(path) => {
                    let text = std::fs::read_to_string(&path).map_err(|source| ParamError::Io {
                        path: path.clone(),
                        source,
                    })?;
                    merged.add(&path.display().to_string(), &text, mode, true)?;
                }
                Source::Text { name, text } => merged.add(&name, &text, mode, true)?,
            }
            let new_top = std::mem::take(&mut merged.new_top_level);
            let type_changes = std::mem::take(&mut merged.type_changes);
            merged.collect_new_top_level = false;
            if checked {
                let free = |key: &str| {
                    self.free_form
                        .iter()
                        .any(|f| key == f || key.starts_with(&format!("{f}.")))
                };
                if let Some(w) = merged.warnings[before..].iter().find(|w| !free(&w.key)) {
                    return Err(ParamError::UnknownKey {
                        file: w.file.clone(),
                        key: w.key.clone(),
                        suggestion: Some(w.did_you_mean.clone()),
                        known: None,
                    });
                }
                if let Some(e) = type_changes.into_iter().next() {
                    return Err(e);
                }
                if let Some((file, key)) = new_top.into_iter().find(|(_, k)| !free(k)) {
                    let known = merged
                        .root
                        .keys()
                        .into_iter()
                        .filter(|k| *k != key)
                        .collect::<Vec<_>>()
                        .join(", ");
                    return Err(ParamError::UnknownKey {
                        file,
                        key,
                        suggestion: None,
                        known: Some(known),
                    });
                }
            }
        }
        let root = interpolate::resolve(&merged.root, &self.dirs, &|key| {
            merged.origin(key).to_string()
        })?;
        Ok(Params {
            root,
            sources: merged.sources,
            origins: merged.origins,
            warnings: merged.warnings,
        })
    }
}

/// The merge state before interpolation.
struct Merged {
    root: Node,
    sources: Vec<String>,
    /// Dotted path -> index in `sources` of the file that last set it.
    origins: HashMap<String, usize>,
    warnings: Vec<SuspiciousKey>,
    /// While set, new top-level keys are collected in `new_top_level` as (file, key).
    collect_new_top_level: bool,
    new_top_level: Vec<(String, String)>,
    /// Values of a checked layer that change a parameter's type.
    type_changes: Vec<ParamError>,
}

/// Whether a checked user file may put `new` where `old` is: the same kind of value
/// (integers and floats mix, a string keyword and a list replace each other; `null`, `???`
/// and interpolations go anywhere).
fn compatible(old: &Node, new: &Node) -> bool {
    let number = |n: &Node| matches!(n, Node::Int(_) | Node::Float(_));
    let free = |n: &Node| {
        matches!(n, Node::Null | Node::Missing) || matches!(n, Node::Str(s) if s.contains("${"))
    };
    // A keyword or a list (`variations.weights: all` or `[pileup]`).
    let keyword_or_list = |n: &Node| matches!(n, Node::Str(_) | Node::List(_));
    free(old)
        || free(new)
        || (number(old) && number(new))
        || (keyword_or_list(old) && keyword_or_list(new))
        || old.kind() == new.kind()
}

impl Merged {
    fn new() -> Self {
        Merged {
            root: Node::Map(Vec::new()),
            sources: Vec::new(),
            origins: HashMap::new(),
            warnings: Vec::new(),
            collect_new_top_level: false,
            new_top_level: Vec::new(),
            type_changes: Vec::new(),
        }
    }

    fn add(
        &mut self,
        name: &str,
        text: &str,
        mode: MergeMode,
        warn: bool,
    ) -> Result<(), ParamError> {
        check_flow_nesting(text).map_err(|message| ParamError::Yaml {
            file: name.to_string(),
            message,
        })?;
        let value: Value = if text.trim().is_empty() {
            Value::Mapping(Mapping::new())
        } else {
            serde_norway::from_str(text).map_err(|e| ParamError::Yaml {
                file: name.to_string(),
                message: e.to_string(),
            })?
        };
        let node = match Node::from_yaml(value, name, "")? {
            Node::Null => Node::Map(Vec::new()),
            n @ Node::Map(_) => n,
            other => {
                return Err(ParamError::Structure {
                    file: name.to_string(),
                    message: format!(
                        "the top level must be a map of parameters, found {}",
                        other.kind()
                    ),
                });
            }
        };
        let idx = self.sources.len();
        self.sources.push(name.to_string());
        let Node::Map(entries) = node else {
            unreachable!()
        };
        for (key, value) in entries {
            let path = [key];
            match mode {
                MergeMode::Merge => self.merge_at(&path, value, idx, warn),
                MergeMode::Replace => self.set(&path, value, idx),
            }
        }
        Ok(())
    }

    /// Merges `src` into the node at `path` (whose parent exists and is a map).
    fn merge_at(&mut self, path: &[String], src: Node, idx: usize, warn: bool) {
        match (node_at_mut(&mut self.root, path), src) {
            (Some(Node::Map(_)), Node::Map(src_entries)) => {
                for (k, v) in src_entries {
                    let child = [path, std::slice::from_ref(&k)].concat();
                    if warn && node_at(&self.root, &child).is_none() {
                        self.check_typo(path, &k, idx);
                    }
                    self.merge_at(&child, v, idx, warn);
                }
            }
            (dst, src) => {
                if self.collect_new_top_level
                    && let Some(dst) = &dst
                    && !compatible(dst, &src)
                {
                    self.type_changes.push(ParamError::Type {
                        key: path.join("."),
                        file: self.sources[idx].clone(),
                        expected: dst.kind().to_string(),
                        found: src.kind().to_string(),
                        detail: "the files before this one give this parameter another type".into(),
                    });
                }
                // A new top-level key (nested new keys are checked by the caller above).
                if warn && path.len() == 1 && dst.is_none() {
                    let before = self.warnings.len();
                    self.check_typo(&[], &path[0], idx);
                    if self.collect_new_top_level && self.warnings.len() == before {
                        self.new_top_level
                            .push((self.sources[idx].clone(), path[0].clone()));
                    }
                }
                self.set(path, src, idx);
            }
        }
    }

    fn check_typo(&mut self, parent: &[String], key: &str, idx: usize) {
        let Some(Node::Map(siblings)) = node_at(&self.root, parent) else {
            return;
        };
        if let Some(s) = did_you_mean(key, siblings.iter().map(|(k, _)| k.as_str())) {
            let parent = parent.join(".");
            self.warnings.push(SuspiciousKey {
                file: self.sources[idx].clone(),
                key: join(&parent, key),
                did_you_mean: join(&parent, s),
            });
        }
    }

    /// Sets the node at `path` (creating it in its parent map), recording where it came from.
    fn set(&mut self, path: &[String], value: Node, idx: usize) {
        let Some((key, parent)) = path.split_last() else {
            return;
        };
        if let Some(Node::Map(entries)) = node_at_mut(&mut self.root, parent) {
            match entries.iter_mut().find(|(k, _)| k == key) {
                Some((_, slot)) => *slot = value,
                None => entries.push((key.clone(), value)),
            }
        }
        let dotted = path.join(".");
        let prefix = format!("{dotted}.");
        self.origins.retain(|k, _| !k.starts_with(&prefix));
        self.origins.insert(dotted, idx);
    }

    fn origin(&self, path: &str) -> &str {
        origin_of(&self.origins, &self.sources, path)
    }
}

/// Refuses text whose brackets nest deeper than [`MAX_FLOW_NESTING`]. Brackets are counted
/// everywhere (also in strings and comments): an upper bound of the flow nesting.
fn check_flow_nesting(text: &str) -> Result<(), String> {
    let mut depth = 0usize;
    let mut line = 1;
    for b in text.bytes() {
        match b {
            b'[' | b'{' => depth += 1,
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'\n' => line += 1,
            _ => {}
        }
        if depth > MAX_FLOW_NESTING {
            return Err(format!(
                "`[`/`{{` nested more than {MAX_FLOW_NESTING} deep at line {line}"
            ));
        }
    }
    Ok(())
}

/// The source that set `path` or its closest ancestor.
fn origin_of<'a>(origins: &HashMap<String, usize>, sources: &'a [String], path: &str) -> &'a str {
    let mut p = path;
    loop {
        if let Some(&i) = origins.get(p) {
            return &sources[i];
        }
        match p.rsplit_once('.') {
            Some((parent, _)) => p = parent,
            None => return sources.first().map(String::as_str).unwrap_or("<none>"),
        }
    }
}

/// Walks a key path through maps.
fn node_at<'a>(root: &'a Node, path: &[String]) -> Option<&'a Node> {
    path.iter().try_fold(root, |n, seg| match n {
        Node::Map(_) => n.child(seg),
        _ => None,
    })
}

fn node_at_mut<'a>(root: &'a mut Node, path: &[String]) -> Option<&'a mut Node> {
    path.iter().try_fold(root, |n, seg| n.child_mut(seg))
}

/// Resolved parameters: defaults plus user files, interpolations resolved.
#[derive(Debug, Clone)]
pub struct Params {
    root: Node,
    sources: Vec<String>,
    origins: HashMap<String, usize>,
    warnings: Vec<SuspiciousKey>,
}

impl Params {
    /// A builder starting from the shipped defaults.
    pub fn builder() -> ParamsBuilder {
        ParamsBuilder::default()
    }

    /// The root of the resolved tree.
    pub fn root(&self) -> &Node {
        &self.root
    }

    /// The names of the merged sources, in order (the defaults first).
    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    /// The source that set `key` (or its closest ancestor).
    pub fn origin(&self, key: &str) -> &str {
        origin_of(&self.origins, &self.sources, key)
    }

    /// New keys in user files that resemble existing keys (possible typos). PocketCoffea accepts
    /// new keys silently since analyses add their own; callers may print these as warnings.
    pub fn suspicious_keys(&self) -> &[SuspiciousKey] {
        &self.warnings
    }

    /// The node at dotted `key` (map keys or list indices, e.g. `event_flags.2018.0`). A key that
    /// itself contains a dot is reachable through [`Node::child`] on its parent.
    pub fn node(&self, key: &str) -> Result<&Node, ParamError> {
        let mut node = &self.root;
        let mut walked = String::new();
        for seg in key.split('.') {
            let next = node.child(seg);
            let Some(next) = next else {
                let (detail, suggestion) = match node {
                    Node::Map(m) => {
                        let s = did_you_mean(seg, m.iter().map(|(k, _)| k.as_str()));
                        let under = if walked.is_empty() {
                            "at the top level".to_string()
                        } else {
                            format!("under `{walked}`")
                        };
                        (
                            format!(" (no key `{seg}` {under})"),
                            s.map(|s| join(&walked, s)),
                        )
                    }
                    Node::List(l) => (
                        format!(
                            " (`{walked}` is a list of {} items, `{seg}` is not an index)",
                            l.len()
                        ),
                        None,
                    ),
                    other => (
                        format!(" (`{walked}` is {}, not a map)", other.kind()),
                        None,
                    ),
                };
                return Err(ParamError::MissingKey {
                    key: key.to_string(),
                    detail,
                    files: self.sources.join(", "),
                    suggestion,
                });
            };
            walked = join(&walked, seg);
            node = next;
        }
        Ok(node)
    }

    /// Whether `key` exists (even if unset `???`).
    pub fn contains(&self, key: &str) -> bool {
        self.node(key).is_ok()
    }

    /// The keys of the map at `key`, in file order.
    pub fn keys(&self, key: &str) -> Result<Vec<&str>, ParamError> {
        match self.node(key)? {
            Node::Map(m) => Ok(m.iter().map(|(k, _)| k.as_str()).collect()),
            other => Err(self.type_error(key, "a map", other.kind(), "")),
        }
    }

    /// The value at `key` deserialized as `T` (numbers, strings, `Vec<_>`, maps, or any
    /// `serde::Deserialize` struct for a sub-tree). Integers convert to floats.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<T, ParamError> {
        let node = self.node(key)?;
        if let Some(missing) = node.find_missing(key) {
            return Err(ParamError::Mandatory {
                file: self.origin(&missing).to_string(),
                key: missing,
            });
        }
        serde_path_to_error::deserialize(node.to_yaml_value()).map_err(|e| {
            // Name the innermost key (`object_preselection.Muon.dxy`) and the file it is from.
            let inner = e.path().to_string();
            let detail = e.into_inner().to_string();
            match inner.as_str() {
                "" | "." => self.type_error(key, &short_type_name::<T>(), node.kind(), &detail),
                path => {
                    let full = format!("{key}.{path}");
                    let found = self.node(&full).map_or("absent", |n| n.kind());
                    let origin = if self.node(&full).is_ok() {
                        full.as_str()
                    } else {
                        key
                    };
                    ParamError::Type {
                        key: full.clone(),
                        file: self.origin(origin).to_string(),
                        expected: format!("a valid entry of {}", short_type_name::<T>()),
                        found: found.to_string(),
                        detail,
                    }
                }
            }
        })
    }

    /// Like [`get`](Params::get), but `Ok(None)` if the key does not exist.
    pub fn get_opt<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, ParamError> {
        if self.contains(key) {
            self.get(key).map(Some)
        } else {
            Ok(None)
        }
    }

    /// An error for a value at `key` that has the right type but is not allowed, naming
    /// the file it came from.
    pub fn invalid(&self, key: &str, expected: &str, found: &str, detail: &str) -> ParamError {
        self.type_error(key, expected, found, detail)
    }

    fn type_error(&self, key: &str, expected: &str, found: &str, detail: &str) -> ParamError {
        ParamError::Type {
            key: key.to_string(),
            file: self.origin(key).to_string(),
            expected: expected.to_string(),
            found: found.to_string(),
            detail: detail.to_string(),
        }
    }

    /// The resolved parameters as YAML, keys in file order (`parameters_dump.yaml`).
    pub fn to_yaml(&self) -> Result<String, ParamError> {
        serde_norway::to_string(&self.root.to_yaml_value())
            .map_err(|e| ParamError::Dump(e.to_string()))
    }

    /// Writes [`to_yaml`](Params::to_yaml) to `path`.
    pub fn write_dump(&self, path: impl AsRef<Path>) -> Result<(), ParamError> {
        let path = path.as_ref();
        std::fs::write(path, self.to_yaml()?).map_err(|source| ParamError::Io {
            path: path.to_path_buf(),
            source,
        })
    }
}

/// `alloc::vec::Vec<alloc::string::String>` -> `Vec<String>`.
fn short_type_name<T>() -> String {
    fn last(token: &str) -> &str {
        token.rsplit("::").next().unwrap_or(token)
    }
    let mut out = String::new();
    let mut token = String::new();
    for c in std::any::type_name::<T>().chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            token.push(c);
        } else {
            out.push_str(last(&token));
            token.clear();
            out.push(c);
        }
    }
    out.push_str(last(&token));
    out
}

#[cfg(test)]
mod tests;
