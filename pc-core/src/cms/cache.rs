//! Process-wide cache of parsed correction files and calibrators: each is built once and
//! shared read-only by all threads.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use crate::correction::{CorrectionError, CorrectionSet};

type Cache = HashMap<(TypeId, String), Arc<dyn Any + Send + Sync>>;

/// The value cached under `key` for type `T`, built by `build` on first use.
pub fn shared<T: Any + Send + Sync, E>(
    key: String,
    build: impl FnOnce() -> Result<T, E>,
) -> Result<Arc<T>, E> {
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let id = (TypeId::of::<T>(), key);
    let get = |c: &Cache| c.get(&id).cloned().and_then(|v| v.downcast::<T>().ok());
    if let Some(v) = get(&cache.lock().unwrap_or_else(|e| e.into_inner())) {
        return Ok(v);
    }
    // Built outside the lock; two threads may both build a value the first time.
    let value: Arc<dyn Any + Send + Sync> = Arc::new(build()?);
    let mut c = cache.lock().unwrap_or_else(|e| e.into_inner());
    let stored = c.entry(id.clone()).or_insert(value).clone();
    drop(c);
    Ok(stored.downcast::<T>().expect("keyed by type"))
}

/// The correction file at `path`, parsed on first use and shared afterwards.
pub fn correction_set(path: impl AsRef<Path>) -> Result<Arc<CorrectionSet>, CorrectionError> {
    let path = path.as_ref();
    shared(path.display().to_string(), || {
        CorrectionSet::from_file(path)
    })
}
