//! A correction file: its corrections and compound corrections by name.

use super::build::Builder;
use super::compound::CompoundCorrection;
use super::error::CorrectionError;
use super::single::Correction;
use crate::util::did_you_mean;
use std::path::Path;
use std::sync::Arc;

/// The most a `.json.gz` correction file may inflate to. Real files inflate to a few hundred MB
/// at most; the limit turns a corrupt file or a gzip bomb into an error instead of an OOM.
const MAX_INFLATED_SIZE: usize = 2 << 30;

/// All corrections of one file, parsed once.
#[derive(Debug)]
pub struct CorrectionSet {
    source: String,
    description: String,
    corrections: Vec<Arc<Correction>>,
    compounds: Vec<Arc<CompoundCorrection>>,
}

impl CorrectionSet {
    /// Reads a `.json` or gzip-compressed `.json.gz` file (recognised by its magic bytes); a
    /// `.json.gz` may inflate to at most `MAX_INFLATED_SIZE` (2 GiB) bytes.
    pub fn from_file(path: impl AsRef<Path>) -> Result<CorrectionSet, CorrectionError> {
        Self::from_file_with_limit(path, MAX_INFLATED_SIZE)
    }

    /// [`from_file`](CorrectionSet::from_file) with another limit on the inflated size.
    pub fn from_file_with_limit(
        path: impl AsRef<Path>,
        max_inflated: usize,
    ) -> Result<CorrectionSet, CorrectionError> {
        let path = path.as_ref();
        let io = |source| CorrectionError::Io {
            path: path.to_path_buf(),
            source,
        };
        let bytes = std::fs::read(path).map_err(io)?;
        let text = if bytes.starts_with(&[0x1f, 0x8b]) {
            gunzip(&bytes, max_inflated).map_err(io)?
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

/// The most deflate can expand: one 258-byte match per two bits.
const MAX_DEFLATE_RATIO: usize = 1032;

/// Decompresses a single-member gzip file into at most `limit` bytes (the trailer's size, modulo
/// 4 GiB, gives the first guess of the output size).
fn gunzip(bytes: &[u8], limit: usize) -> std::io::Result<Vec<u8>> {
    let invalid = |msg: String| std::io::Error::new(std::io::ErrorKind::InvalidData, msg);
    let too_big = || {
        invalid(format!(
            "inflates to more than {limit} bytes (the limit, MAX_INFLATED_SIZE): corrupt or not a correction file"
        ))
    };
    let declared = bytes
        .get(bytes.len().saturating_sub(4)..)
        .map(|t| u32::from_le_bytes(t.try_into().unwrap_or([0; 4])) as usize)
        .unwrap_or(0);
    // Deflate expands at most 1032:1 (a 258-byte match in two bits): a trailer claiming
    // more than the compressed bytes can hold was cut off or overwritten, not a bomb.
    if declared > bytes.len().saturating_mul(MAX_DEFLATE_RATIO) {
        return Err(invalid(format!(
            "truncated or corrupt gzip data: its trailer claims {declared} inflated bytes, \
             more than {} compressed bytes can hold",
            bytes.len()
        )));
    }
    // The true size is the declared one plus a multiple of 4 GiB.
    if declared > limit {
        return Err(too_big());
    }
    let mut out = vec![0u8; declared.max(bytes.len() * 4).min(limit)];
    let mut decoder = libdeflater::Decompressor::new();
    loop {
        match decoder.gzip_decompress(bytes, &mut out) {
            Ok(n) => {
                out.truncate(n);
                return Ok(out);
            }
            Err(libdeflater::DecompressionError::InsufficientSpace) if out.len() < limit => {
                out.resize(out.len().saturating_mul(2).min(limit), 0);
            }
            Err(libdeflater::DecompressionError::InsufficientSpace) => return Err(too_big()),
            Err(e) => return Err(invalid(format!("bad gzip data: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` zero bytes, gzip-compressed (about 1000:1).
    fn zeros_gz(n: usize) -> Vec<u8> {
        let mut c = libdeflater::Compressor::new(libdeflater::CompressionLvl::default());
        let mut out = vec![0u8; c.gzip_compress_bound(n)];
        let len = c.gzip_compress(&vec![0u8; n], &mut out).unwrap();
        out.truncate(len);
        out
    }

    #[test]
    fn gzip_bombs_are_errors_naming_the_file() {
        const MIB: usize = 1 << 20;
        let bomb = zeros_gz(16 * MIB);
        assert!(bomb.len() < 64 * 1024, "{}", bomb.len());
        assert_eq!(
            gunzip(&bomb, 16 * MIB).unwrap().len(),
            16 * MIB,
            "at the limit"
        );
        let e = gunzip(&bomb, MIB).unwrap_err().to_string();
        assert!(e.contains("inflates to more than 1048576 bytes"), "{e}");
        // A trailer that lies about the size (0) is caught while inflating.
        let mut lying = bomb.clone();
        let n = lying.len();
        lying[n - 4..].copy_from_slice(&[0; 4]);
        let e = gunzip(&lying, MIB).unwrap_err().to_string();
        assert!(e.contains("inflates to more than 1048576 bytes"), "{e}");

        let path = std::env::temp_dir().join(format!("pc-bomb-{}.json.gz", std::process::id()));
        std::fs::write(&path, &bomb).unwrap();
        let e = CorrectionSet::from_file_with_limit(&path, MIB)
            .unwrap_err()
            .to_string();
        std::fs::remove_file(&path).ok();
        assert!(
            e.starts_with(&format!(
                "cannot read correction file {}: inflates to more than",
                path.display()
            )),
            "{e}"
        );
    }

    #[test]
    fn a_truncated_gzip_file_is_not_called_a_bomb() {
        // A cut leaves four arbitrary bytes where the trailer's size is read.
        let bomb = zeros_gz(1 << 20);
        let mut cut = bomb[..bomb.len() / 2].to_vec();
        let n = cut.len();
        cut[n - 4..].copy_from_slice(&u32::MAX.to_le_bytes());
        let e = gunzip(&cut, 2 << 30).unwrap_err().to_string();
        assert!(e.starts_with("truncated or corrupt gzip data"), "{e}");
    }

    #[test]
    fn small_gzip_files_inflate() {
        let text = br#"{"schema_version": 2, "corrections": []}"#;
        let mut c = libdeflater::Compressor::new(libdeflater::CompressionLvl::default());
        let mut gz = vec![0u8; c.gzip_compress_bound(text.len())];
        let len = c.gzip_compress(text, &mut gz).unwrap();
        gz.truncate(len);
        assert_eq!(gunzip(&gz, 1 << 20).unwrap(), text);
        assert_eq!(gunzip(&gz, text.len()).unwrap(), text, "exactly the limit");
        assert!(gunzip(&gz, text.len() - 1).is_err());
    }

    #[test]
    fn deeply_nested_json_is_an_error_not_a_stack_overflow() {
        let text = "[".repeat(100_000);
        let e = CorrectionSet::from_slice(text.as_bytes(), "deep.json")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("invalid correction file deep.json")
                && e.contains("recursion limit exceeded"),
            "{e}"
        );
    }
}
