//! A correction file: its corrections and compound corrections by name.

use super::build::Builder;
use super::compound::CompoundCorrection;
use super::error::CorrectionError;
use super::single::Correction;
use crate::util::did_you_mean;
use std::path::Path;
use std::sync::Arc;

/// All corrections of one file, parsed once.
#[derive(Debug)]
pub struct CorrectionSet {
    source: String,
    description: String,
    corrections: Vec<Arc<Correction>>,
    compounds: Vec<Arc<CompoundCorrection>>,
}

impl CorrectionSet {
    /// Reads a `.json` or gzip-compressed `.json.gz` file (recognised by its magic bytes).
    pub fn from_file(path: impl AsRef<Path>) -> Result<CorrectionSet, CorrectionError> {
        let path = path.as_ref();
        let io = |source| CorrectionError::Io {
            path: path.to_path_buf(),
            source,
        };
        let bytes = std::fs::read(path).map_err(io)?;
        let text = if bytes.starts_with(&[0x1f, 0x8b]) {
            gunzip(&bytes).map_err(io)?
        } else {
            bytes
        };
        Self::from_slice(&text, &path.display().to_string())
    }

    /// Parses a JSON document; `source` names it in errors.
    pub fn from_slice(json: &[u8], source: &str) -> Result<CorrectionSet, CorrectionError> {
        let json = super::nonfinite::quote_nonfinite(json);
        let doc: serde_json::Value =
            serde_json::from_slice(&json).map_err(|e| CorrectionError::Schema {
                file: source.to_string(),
                at: format!("line {} column {}", e.line(), e.column()),
                msg: e.to_string(),
            })?;
        let (description, corrections, compounds) = Builder { file: source }.set(&doc)?;
        Ok(CorrectionSet {
            source: source.to_string(),
            description,
            corrections,
            compounds,
        })
    }

    /// Where the set was read from.
    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    /// The corrections, in file order.
    pub fn corrections(&self) -> impl Iterator<Item = &Correction> {
        self.corrections.iter().map(|c| &**c)
    }

    /// The compound corrections, in file order.
    pub fn compounds(&self) -> impl Iterator<Item = &CompoundCorrection> {
        self.compounds.iter().map(|c| &**c)
    }

    /// The correction called `name` (the error suggests a close name).
    pub fn get(&self, name: &str) -> Result<&Correction, CorrectionError> {
        match self.corrections.iter().find(|c| c.name() == name) {
            Some(c) => Ok(c),
            None => Err(self.unknown(
                "correction",
                name,
                self.corrections.iter().map(|c| c.name()),
            )),
        }
    }

    /// A shared handle on the correction called `name`.
    pub fn get_arc(&self, name: &str) -> Result<Arc<Correction>, CorrectionError> {
        self.get(name)?;
        Ok(self
            .corrections
            .iter()
            .find(|c| c.name() == name)
            .cloned()
            .expect("found above"))
    }

    /// The compound correction called `name`.
    pub fn compound(&self, name: &str) -> Result<&CompoundCorrection, CorrectionError> {
        match self.compounds.iter().find(|c| c.name() == name) {
            Some(c) => Ok(c),
            None => Err(self.unknown(
                "compound correction",
                name,
                self.compounds.iter().map(|c| c.name()),
            )),
        }
    }

    fn unknown<'a>(
        &self,
        kind: &'static str,
        name: &str,
        names: impl Iterator<Item = &'a str> + Clone,
    ) -> CorrectionError {
        let hint = match did_you_mean(name, names.clone()) {
            Some(s) => format!("; did you mean `{s}`?"),
            None => {
                let all: Vec<&str> = names.collect();
                if all.is_empty() {
                    format!(" (it has no {kind}s)")
                } else {
                    format!(" (it has: {})", all.join(", "))
                }
            }
        };
        CorrectionError::Unknown {
            kind,
            name: name.to_string(),
            file: self.source.clone(),
            hint,
        }
    }
}

/// Decompresses a single-member gzip file (its size is in the trailer).
fn gunzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let invalid = |msg: String| std::io::Error::new(std::io::ErrorKind::InvalidData, msg);
    let size_hint = bytes
        .get(bytes.len().saturating_sub(4)..)
        .map(|t| u32::from_le_bytes(t.try_into().unwrap_or([0; 4])) as usize)
        .unwrap_or(0);
    let mut out = vec![0u8; size_hint.max(bytes.len() * 4)];
    let mut decoder = libdeflater::Decompressor::new();
    loop {
        match decoder.gzip_decompress(bytes, &mut out) {
            Ok(n) => {
                out.truncate(n);
                return Ok(out);
            }
            // the trailer only holds the size modulo 4 GiB
            Err(libdeflater::DecompressionError::InsufficientSpace) if out.len() < (1 << 34) => {
                out.resize(out.len() * 2, 0);
            }
            Err(e) => return Err(invalid(format!("bad gzip data: {e}"))),
        }
    }
}
