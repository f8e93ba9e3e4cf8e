//! Writes a run's outputs: `histograms.json`, `cutflow.json`, `parameters_dump.yaml`,
//! `config.json` (and `failed_chunks.json` when chunks failed).

use std::path::Path;

use serde_json::json;

use super::runner::RunResult;
use crate::config::Params;

/// Why the outputs could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Hist(#[from] crate::hist::HistError),
    #[error(transparent)]
    Params(#[from] crate::config::ParamError),
}

fn write_json(path: &Path, value: &serde_json::Value) -> Result<(), WriteError> {
    let text = serde_json::to_string_pretty(value).expect("JSON values serialise") + "\n";
    std::fs::write(path, text).map_err(|source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes every output file of `result` into `dir` (created if needed).
pub fn write_outputs(
    dir: &Path,
    result: &RunResult,
    params: &Params,
    analysis_version: &str,
) -> Result<(), WriteError> {
    std::fs::create_dir_all(dir).map_err(|source| WriteError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let out = &result.output;
    let hists = out.histograms();
    crate::hist::uhi::write_json_file(
        &dir.join("histograms.json"),
        hists.iter().map(|(k, h)| (k.as_str(), *h)),
    )?;
    write_json(&dir.join("cutflow.json"), &out.cutflow_json())?;
    params.write_dump(dir.join("parameters_dump.yaml"))?;
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
    let config = json!({
        "processor": out.spec.name,
        "tree": out.spec.tree,
        "branches": out.spec.branches.iter().map(|b| json!({"name": b.name, "mc_only": b.mc_only, "when": b.when})).collect::<Vec<_>>(),
        "categories": out.spec.categories,
        "shape_variations": out.spec.run_shapes(),
        "variations": out.spec.axis_variations(),
        "declared_variations": out.spec.variations,
        "histograms": out.spec.histograms.iter().map(|h| h.name).collect::<Vec<_>>(),
        "datasets": datasets,
        "chunks": result.chunks,
        "events": result.events,
        "code_version": { "pc": env!("CARGO_PKG_VERSION"), "analysis": analysis_version },
    });
    write_json(&dir.join("config.json"), &config)?;
    let failed_path = dir.join("failed_chunks.json");
    if result.failed.is_empty() {
        let _ = std::fs::remove_file(&failed_path);
    } else {
        let failed: Vec<_> = result
            .failed
            .iter()
            .map(|f| json!({"id": f.chunk.id, "file": f.chunk.file, "entries": [f.chunk.entries.start, f.chunk.entries.end], "error": f.error}))
            .collect();
        write_json(&failed_path, &json!(failed))?;
    }
    Ok(())
}
