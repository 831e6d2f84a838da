//! Compiled code on disk, keyed by the component's sha256 and the engine's
//! compatibility hash (wasmtime version, target and compile settings), so a
//! restart loads machine code instead of recompiling, and an upgraded engine
//! never loads code compiled for another.
//!
//! A file's name is not trusted: compiled code is native code, which runs
//! outside the sandbox. When an entry is written, the sha256 of the compiled
//! bytes is written beside it (`<entry>.sha256`, durably, after the entry).
//! An entry is loaded only from bytes read once, hashed, and found equal to
//! that record; any other entry (swapped, damaged, or missing its record) is
//! discarded and the component is compiled again from its verified bytes.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

use super::{EngineError, LoadError};

pub(crate) struct CompiledCache {
    dir: PathBuf,
    engine_key: String,
}

/// The file recording the sha256 of a compiled entry.
fn record_path(entry: &Path) -> PathBuf {
    let mut name = entry.as_os_str().to_owned();
    name.push(".sha256");
    PathBuf::from(name)
}

impl CompiledCache {
    pub fn open(dir: PathBuf, engine: &Engine) -> Result<Self, EngineError> {
        std::fs::create_dir_all(&dir).map_err(|source| EngineError::Cache { path: dir.clone(), source })?;
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        Ok(CompiledCache { dir, engine_key: format!("{:016x}", hasher.finish()) })
    }

    fn path_for(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}-{}.cwasm", self.engine_key))
    }

    /// The entry's bytes if their sha256 is the one recorded when it was
    /// written; `Err` says why not.
    fn verified_entry(path: &Path) -> Result<Vec<u8>, String> {
        let recorded =
            std::fs::read_to_string(record_path(path)).map_err(|e| format!("no recorded sha256 beside it ({e})"))?;
        let bytes = std::fs::read(path).map_err(|e| format!("unreadable ({e})"))?;
        let actual = hex::encode(Sha256::digest(&bytes));
        if actual != recorded.trim() {
            return Err(format!("its sha256 is {actual}, but {} was recorded when it was compiled", recorded.trim()));
        }
        Ok(bytes)
    }

    /// Loads compiled code for `sha256`, or compiles `bytes` and stores it.
    #[allow(unsafe_code)] // reviewed: deserializing our own compiled code, see SAFETY below
    pub fn get_or_compile(&self, engine: &Engine, sha256: &str, bytes: &[u8]) -> Result<Component, LoadError> {
        let path = self.path_for(sha256);
        if path.exists() {
            match Self::verified_entry(&path) {
                // SAFETY: these exact bytes hash to the sha256 recorded when
                // this station wrote them with `Component::serialize` of this
                // engine configuration (the name carries the compatibility
                // hash); they are deserialized from memory, so the file cannot
                // change between the check and the load. wasmtime still checks
                // the header and refuses code for another engine.
                Ok(compiled) => match unsafe { Component::deserialize(engine, &compiled) } {
                    Ok(component) => return Ok(component),
                    Err(e) => tracing::warn!(
                        "compiled-code cache {}: cannot be loaded ({e}); compiling the component again",
                        path.display()
                    ),
                },
                Err(why) => tracing::warn!(
                    "compiled-code cache {}: not loaded, {why}; compiling the component again from its verified bytes",
                    path.display()
                ),
            }
            let _ = std::fs::remove_file(record_path(&path));
            let _ = std::fs::remove_file(&path);
        }
        let component = Component::new(engine, bytes)
            .map_err(|e| LoadError::NotAComponent { origin: sha256.into(), detail: format!("{e:#}") })?;
        let cache_err = |e: String| LoadError::Cache { path: path.clone(), detail: e };
        let compiled = component.serialize().map_err(|e| cache_err(e.to_string()))?;
        // Durable and atomic, so a crash never leaves a half-written entry;
        // the record is written last, so an entry without one is never loaded.
        juzhu_durable::write_atomic(&path, &compiled).map_err(|e| cache_err(e.to_string()))?;
        let record = hex::encode(Sha256::digest(&compiled));
        juzhu_durable::write_atomic(&record_path(&path), record.as_bytes()).map_err(|e| cache_err(e.to_string()))?;
        Ok(component)
    }
}
