//! Process-wide cache of parsed correction files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use crate::correction::{CorrectionError, CorrectionSet};

/// The correction file at `path`, parsed on first use and shared afterwards.
pub fn correction_set(path: impl AsRef<Path>) -> Result<Arc<CorrectionSet>, CorrectionError> {
    static SETS: OnceLock<Mutex<HashMap<PathBuf, Arc<CorrectionSet>>>> = OnceLock::new();
    let path = path.as_ref();
    let sets = SETS.get_or_init(Default::default);
    if let Some(set) = sets.lock().unwrap_or_else(|e| e.into_inner()).get(path) {
        return Ok(set.clone());
    }
    // Parsed outside the lock; two threads may both parse a file the first time.
    let set = Arc::new(CorrectionSet::from_file(path)?);
    let mut sets = sets.lock().unwrap_or_else(|e| e.into_inner());
    Ok(sets.entry(path.to_path_buf()).or_insert(set).clone())
}
