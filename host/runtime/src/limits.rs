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

use wasmtime::ResourceLimiter;

pub use juzhu_domain::{LimitsError, SandboxLimits};

/// The per-call store data: enforces the memory cap and remembers that it
/// was hit, so the trap that follows is reported as a memory overrun rather
/// than as the module's own failure.
pub struct Sandbox {
    memory_cap: usize,
    pub(crate) memory_denied: Option<usize>,
    /// The most linear memory granted in the call, for the certification
    /// kit's resource profile.
    pub(crate) memory_peak: usize,
}

impl Sandbox {
    pub fn new(limits: &SandboxLimits) -> Self {
        Sandbox { memory_cap: limits.memory_bytes, memory_denied: None, memory_peak: 0 }
    }
}

impl ResourceLimiter for Sandbox {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.memory_cap {
            self.memory_denied = Some(desired);
            return Ok(false);
        }
        self.memory_peak = self.memory_peak.max(desired);
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        // Tables hold function references; a policy module needs few.
        Ok(desired <= 100_000)
    }
}
