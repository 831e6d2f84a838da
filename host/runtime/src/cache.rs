//! Compiled code on disk, keyed by the component's sha256 and the engine's
//! compatibility hash (wasmtime version, target and compile settings), so a
//! restart loads machine code instead of recompiling, and an upgraded engine
//! never loads code compiled for another.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;

use wasmtime::Engine;
use wasmtime::component::Component;

use super::{EngineError, LoadError};

pub(crate) struct CompiledCache {
    dir: PathBuf,
    engine_key: String,
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

    /// Loads compiled code for `sha256`, or compiles `bytes` and stores it.
    #[allow(unsafe_code)] // reviewed: deserializing our own compiled code, see SAFETY below
    pub fn get_or_compile(&self, engine: &Engine, sha256: &str, bytes: &[u8]) -> Result<Component, LoadError> {
        let path = self.path_for(sha256);
        if path.exists() {
            // SAFETY: the file was written by `Component::serialize` of this
            // engine configuration (its name carries the compatibility hash),
            // into a directory only this service writes. wasmtime still checks
            // the header and refuses a file for another engine.
            match unsafe { Component::deserialize_file(engine, &path) } {
                Ok(component) => return Ok(component),
                // A stale or damaged entry is recompiled, not fatal.
                Err(_) => {
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        let component = Component::new(engine, bytes)
            .map_err(|e| LoadError::NotAComponent { origin: sha256.into(), detail: format!("{e:#}") })?;
        let cache_err = |e: String| LoadError::Cache { path: path.clone(), detail: e };
        let compiled = component.serialize().map_err(|e| cache_err(e.to_string()))?;
        // Durable and atomic, so a crash never leaves a half-written entry.
        juzhu_durable::write_atomic(&path, &compiled).map_err(|e| cache_err(e.to_string()))?;
        Ok(component)
    }
}
