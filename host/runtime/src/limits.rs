//! The limits every policy-module call runs under.
//!
//! A module is untrusted code from a district. Each call gets a fresh sandbox
//! with three independent bounds, so that no module can hold a station
//! hostage:
//!
//! - **fuel** bounds the work done (roughly one unit per wasm instruction), so
//!   the outcome of an over-long call does not depend on machine load;
//! - the **epoch deadline** bounds wall-clock time, catching anything fuel
//!   does not (and long host-side lifting of results);
//! - the **memory cap** bounds linear memory; a module that asks for more sees
//!   `memory.grow` fail and traps.
//!
//! A fourth bound, on the size of a result, protects the host after the call.
//! All four are configurable per station; the defaults leave a realistic
//! decision (microseconds, under 1 MiB) a wide margin.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use wasmtime::ResourceLimiter;

/// Per-call sandbox limits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SandboxLimits {
    /// Fuel units per call. A realistic decision uses well under 1% of this.
    pub fuel: u64,
    /// Wall-clock budget per call, in milliseconds.
    pub timeout_ms: u64,
    /// Linear memory per instance, in bytes.
    pub memory_bytes: usize,
    /// Largest result accepted, as the bytes of its JSON form.
    pub max_result_bytes: usize,
    /// Instances that may run at once (slots in the pooling allocator).
    pub max_concurrent_instances: u32,
}

impl Default for SandboxLimits {
    fn default() -> Self {
        SandboxLimits {
            fuel: 500_000_000,
            timeout_ms: 2_000,
            memory_bytes: 64 << 20,
            max_result_bytes: 4 << 20,
            max_concurrent_instances: 256,
        }
    }
}

impl SandboxLimits {
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    /// Checks that the limits make sense together, naming the bad one.
    pub fn check(&self) -> Result<(), LimitsError> {
        let at_least_one = |key: &'static str, value: u64| {
            if value == 0 { Err(LimitsError { key, message: "must be at least 1".into() }) } else { Ok(()) }
        };
        at_least_one("fuel", self.fuel)?;
        at_least_one("timeout_ms", self.timeout_ms)?;
        if self.memory_bytes < (1 << 16) {
            return Err(LimitsError {
                key: "memory_bytes",
                message: format!("is {}; a module needs at least one 64 KiB page", self.memory_bytes),
            });
        }
        at_least_one("max_concurrent_instances", u64::from(self.max_concurrent_instances))
    }
}

/// A limit that makes no sense, with the key of `[sandbox]` it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sandbox.{key} {message}")]
pub struct LimitsError {
    /// The key within `[sandbox]`, e.g. `fuel`.
    pub key: &'static str,
    pub message: String,
}

/// The per-call store data: enforces the memory cap and remembers that it
/// was hit, so the trap that follows is reported as a memory overrun rather
/// than as the module's own failure.
pub struct Sandbox {
    memory_cap: usize,
    pub(crate) memory_denied: Option<usize>,
}

impl Sandbox {
    pub fn new(limits: &SandboxLimits) -> Self {
        Sandbox { memory_cap: limits.memory_bytes, memory_denied: None }
    }
}

impl ResourceLimiter for Sandbox {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.memory_cap {
            self.memory_denied = Some(desired);
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        // Tables hold function references; a policy module needs few.
        Ok(desired <= 100_000)
    }
}
