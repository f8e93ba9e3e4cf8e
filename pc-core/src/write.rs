//! Writes a run's outputs as one unit: `histograms.json`, `cutflow.json`,
//! `parameters_dump.yaml`, `config.json` (and `failed_chunks.json` when chunks failed).
//!
//! An [`OutputDir`] is locked for the run that writes it (a second run into the same
//! folder fails at once). Outputs are written into `.pc/staging/`, synced, recorded in a
//! commit list, then renamed into place; a run killed during the renames has its commit
//! finished by the next one that opens the folder, so the folder never mixes two runs.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::config::Params;
use crate::run::RunResult;

/// The folder inside an output folder that holds the run's state (lock, plan, ledger).
pub const STATE_DIR: &str = ".pc";
const COMMIT_LIST: &str = "COMMIT";

/// Why the outputs could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path} is in use by another run{}: wait for it to finish or choose another output folder",
        .pid.as_ref().map(|p| format!(" (pid {p})")).unwrap_or_default()
    )]
    Locked { path: PathBuf, pid: Option<String> },
    #[error(transparent)]
    Hist(#[from] crate::hist::HistError),
    #[error(transparent)]
    Params(#[from] crate::config::ParamError),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `bytes` to `path` whole or not at all (a temporary file renamed into place).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let written = File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_data()
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(())
}

/// An output folder locked for this process (see the module docs).
#[derive(Debug)]
pub struct OutputDir {
    path: PathBuf,
    _lock: File,
}

impl OutputDir {
    /// Creates (if needed) and locks `path`, finishing a commit a killed run left; checks
    /// that the folder is writable. Call before any processing.
    pub fn open(path: &Path) -> Result<OutputDir, WriteError> {
        let state = path.join(STATE_DIR);
        std::fs::create_dir_all(&state).map_err(io_err(&state))?;
        let lock_path = state.join("lock");
        let mut lock = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(io_err(&lock_path))?;
        // SAFETY: flock on a descriptor we own; released when the file is closed or the
        // process ends (also by SIGKILL).
        if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            let pid = std::fs::read_to_string(&lock_path)
                .ok()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty());
            return Err(WriteError::Locked {
                path: path.to_path_buf(),
                pid,
            });
        }
        lock.set_len(0).map_err(io_err(&lock_path))?;
        write!(lock, "{}", std::process::id()).map_err(io_err(&lock_path))?;
        let dir = OutputDir {
            path: path.to_path_buf(),
            _lock: lock,
        };
        dir.finish_commit()?;
        Ok(dir)
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A file of the run's state (`.pc/NAME`).
    pub fn state_file(&self, name: &str) -> PathBuf {
        self.path.join(STATE_DIR).join(name)
    }

    fn staging(&self) -> PathBuf {
        self.state_file("staging")
    }

    /// Starts a new set of outputs.
    pub fn begin(&self) -> Result<Commit<'_>, WriteError> {
        let staging = self.staging();
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(io_err(&staging))?;
        }
        std::fs::create_dir_all(&staging).map_err(io_err(&staging))?;
        Ok(Commit {
            dir: self,
            put: Vec::new(),
            remove: Vec::new(),
        })
    }

    /// Renames the files of a recorded commit into place (after a kill: rolls forward).
    fn finish_commit(&self) -> Result<(), WriteError> {
        let staging = self.staging();
        let list = staging.join(COMMIT_LIST);
        let Ok(text) = std::fs::read_to_string(&list) else {
            return Ok(());
        };
        for line in text.lines() {
            if let Some(name) = line.strip_prefix("put ") {
                let from = staging.join(name);
                if from.exists() {
                    std::fs::rename(&from, self.path.join(name)).map_err(io_err(&from))?;
                }
            } else if let Some(name) = line.strip_prefix("remove ") {
                let _ = std::fs::remove_file(self.path.join(name));
            }
        }
        std::fs::remove_dir_all(&staging).map_err(io_err(&staging))
    }
}

/// Output files being staged; nothing is visible until [`Commit::finish`].
pub struct Commit<'a> {
    dir: &'a OutputDir,
    put: Vec<String>,
    remove: Vec<String>,
}

impl Commit<'_> {
    /// Stages file `name`, written by `write`.
    pub fn file(
        &mut self,
        name: &str,
        write: impl FnOnce(&mut dyn Write) -> Result<(), WriteError>,
    ) -> Result<(), WriteError> {
        let path = self.dir.staging().join(name);
        let file = File::create(&path).map_err(io_err(&path))?;
        let mut w = BufWriter::new(file);
        write(&mut w)?;
        let file = w.into_inner().map_err(|e| io_err(&path)(e.into_error()))?;
        file.sync_data().map_err(io_err(&path))?;
        self.put.push(name.to_string());
        Ok(())
    }

    /// Removes `name` from the folder when the commit finishes (an output of an earlier
    /// run this one does not produce).
    pub fn remove(&mut self, name: &str) {
        self.remove.push(name.to_string());
    }

    /// Records the commit, then renames every staged file into place.
    pub fn finish(self) -> Result<(), WriteError> {
        let list: String = self
            .put
            .iter()
            .map(|n| format!("put {n}\n"))
            .chain(self.remove.iter().map(|n| format!("remove {n}\n")))
            .collect();
        let path = self.dir.staging().join(COMMIT_LIST);
        write_atomic(&path, list.as_bytes()).map_err(io_err(&path))?;
        self.dir.finish_commit()
    }
}

fn json_writer(value: &serde_json::Value) -> impl FnOnce(&mut dyn Write) -> Result<(), WriteError> {
    move |w| {
        let io = |source| WriteError::Io {
            path: PathBuf::from("(staged json)"),
            source,
        };
        serde_json::to_writer_pretty(&mut *w, value).map_err(|e| io(e.into()))?;
        w.write_all(b"\n").map_err(io)
    }
}

/// Writes every output file of `result` into `dir`, as one unit.
pub fn write_outputs(
    dir: &OutputDir,
    result: &RunResult,
    params: &Params,
    analysis_version: &str,
) -> Result<(), WriteError> {
    let out = &result.output;
    let mut commit = dir.begin()?;
    let hists = out.histograms();
    commit.file("histograms.json", |w| {
        crate::hist::uhi::write_json(&mut *w, hists.iter().map(|(k, h)| (k.as_str(), *h)))?;
        w.write_all(b"\n")
            .map_err(io_err(Path::new("histograms.json")))
    })?;
    commit.file("cutflow.json", json_writer(&out.cutflow_json()))?;
    let dump = params.to_yaml()?;
    commit.file("parameters_dump.yaml", |w| {
        w.write_all(dump.as_bytes())
            .map_err(io_err(Path::new("parameters_dump.yaml")))
    })?;
    commit.file(
        "config.json",
        json_writer(&config_json(result, analysis_version)),
    )?;
    if result.failed.is_empty() {
        commit.remove("failed_chunks.json");
    } else {
        let failed: Vec<_> = result
            .failed
            .iter()
            .map(|f| {
                json!({"id": f.id, "dataset": f.dataset, "file": f.file,
                       "entries": [f.entries.start, f.entries.end], "error": f.error})
            })
            .collect();
        commit.file("failed_chunks.json", json_writer(&json!(failed)))?;
    }
    commit.finish()
}

/// `config.json`: the resolved configuration, datasets, counts and code version.
fn config_json(result: &RunResult, analysis_version: &str) -> serde_json::Value {
    let out = &result.output;
    let datasets: serde_json::Map<String, serde_json::Value> = out
        .datasets
        .iter()
        .map(|(d, _)| {
            (
                d.name.clone(),
                json!({ "metadata": d.metadata, "files": d.files }),
            )
        })
        .collect();
    json!({
        "processor": out.spec.name,
        "tree": out.spec.tree,
        "branches": out.spec.branches.iter().map(|b| json!({"name": b.name, "mc_only": b.mc_only, "when": b.when})).collect::<Vec<_>>(),
        "categories": out.spec.categories,
        "shape_variations": out.spec.run_shapes(),
        "variations": out.spec.axis_variations(),
        "declared_variations": out.spec.variations,
        "histograms": out.spec.histograms.iter().map(|h| h.name).collect::<Vec<_>>(),
        "datasets": datasets,
        "plan": result.fingerprint,
        "chunks": {"planned": result.chunks, "processed": result.chunks_done, "failed": result.failed.len()},
        "events": {"planned": result.events, "processed": result.events_done, "failed": result.events_failed},
        "skipped_files": result.skipped_files.iter().map(|b| json!({"dataset": b.dataset, "file": b.file, "error": b.error})).collect::<Vec<_>>(),
        "code_version": { "pc": env!("CARGO_PKG_VERSION"), "analysis": analysis_version },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("pc-write-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn a_commit_replaces_every_file_or_none() {
        let d = tmp("commit");
        let dir = OutputDir::open(&d).unwrap();
        let mut c = dir.begin().unwrap();
        for name in ["a.json", "stale.json"] {
            c.file(name, |w| {
                w.write_all(b"old").map_err(io_err(Path::new(name)))
            })
            .unwrap();
        }
        c.finish().unwrap();
        // A failing writer: nothing of the new set becomes visible.
        let mut c = dir.begin().unwrap();
        c.file("a.json", |w| {
            w.write_all(b"new").map_err(io_err(Path::new("a")))
        })
        .unwrap();
        let failed = c.file("b.json", |_| {
            Err(io_err(Path::new("b.json"))(std::io::Error::other(
                "disk full",
            )))
        });
        assert!(failed.is_err());
        drop(c);
        assert_eq!(std::fs::read(d.join("a.json")).unwrap(), b"old");
        assert!(!d.join("b.json").exists());
        // A commit recorded but interrupted before its renames is finished by the next open.
        let mut c = dir.begin().unwrap();
        c.file("a.json", |w| {
            w.write_all(b"new").map_err(io_err(Path::new("a")))
        })
        .unwrap();
        c.remove("stale.json");
        let list = "put a.json\nremove stale.json\n";
        std::fs::write(dir.staging().join(COMMIT_LIST), list).unwrap();
        drop(c);
        drop(dir);
        assert_eq!(std::fs::read(d.join("a.json")).unwrap(), b"old");
        let dir = OutputDir::open(&d).unwrap();
        assert_eq!(std::fs::read(d.join("a.json")).unwrap(), b"new");
        assert!(!d.join("stale.json").exists());
        // The folder is locked while `dir` lives.
        let second = OutputDir::open(&d).unwrap_err().to_string();
        assert!(second.contains("in use by another run"), "{second}");
        drop(dir);
        let _ = std::fs::remove_dir_all(&d);
    }
}
