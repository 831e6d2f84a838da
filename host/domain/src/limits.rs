//! The numbers every policy-module call runs under. They are part of the
//! station file (`[sandbox]`); `juzhu-runtime` enforces them (see its
//! `limits` module for what each bound catches).

use std::time::Duration;

use serde::{Deserialize, Serialize};

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
