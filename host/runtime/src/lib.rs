//! The sandboxed runtime: one wasmtime engine, the components loaded into it,
//! and the calls made to them.
//!
//! Loading a component checks it before anything runs: it must import nothing,
//! export a `juzhu:policy@1.x` world this host knows (1.0 or 1.1; see
//! [`contract`]), and compile. Compiled code is cached on
//! disk under the component's sha256 and the engine's compatibility hash, so a
//! restart does not recompile. Every call instantiates a fresh sandbox from a
//! pre-instantiated component (the pooling allocator makes this take
//! microseconds) under the limits of [`limits::SandboxLimits`].

mod cache;
pub mod certify;
pub mod contract;
pub mod limits;
mod module;
pub mod module_build;
pub mod module_set;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sha2::{Digest, Sha256};
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

pub use limits::{LimitsError, SandboxLimits};
pub use module::{CallError, CallStats, LoadedModule, PointsCall};
pub use module_set::{ActiveModules, ModuleSet, ModuleVersion, NotInForce, PinError, SetError};

/// How often the epoch advances; the timeout is counted in these ticks.
const EPOCH_TICK: Duration = Duration::from_millis(1);

/// Why a component was refused.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{origin}: not a WebAssembly component: {detail}")]
    NotAComponent { origin: String, detail: String },
    #[error(
        "{origin}: the component imports {imports}; a policy module must import nothing (no WASI, clock or randomness). Rebuild it with `juzhu module build`, which uses only the juzhu SDK"
    )]
    HasImports { origin: String, imports: String },
    #[error("{origin}: does not implement the juzhu:policy@1 contract: {detail}")]
    WrongContract { origin: String, detail: String },
    #[error("{origin}: `metadata.info` failed: {detail}")]
    InfoFailed { origin: String, detail: String },
    #[error("compiled-code cache at {path}: {detail}")]
    Cache { path: PathBuf, detail: String },
}

/// Why the engine could not be built.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Limits(#[from] LimitsError),
    #[error("cannot configure the wasm engine: {0}")]
    Engine(#[source] wasmtime::Error),
    #[error("cannot start the epoch ticker thread: {0}")]
    Ticker(#[source] std::io::Error),
    #[error("cannot create the compiled-code cache {}: {source}", path.display())]
    Cache { path: PathBuf, source: std::io::Error },
}

/// How the work of a call is bounded, besides the memory cap and the result
/// size, which always apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metering {
    /// Fuel (one unit per wasm instruction, the same count on every machine)
    /// and the wall-clock deadline. Certification runs so: its resource
    /// profile must be reproducible, and a budget must fail at the same point
    /// whatever the load.
    Fuel,
    /// The wall-clock deadline only (epoch interruption: a counter check at
    /// loop heads and function entries, a tenth of fuel's cost). The station
    /// serves so: a runaway call still fails alone, by its deadline, and the
    /// certified profile already showed the module's fuel is far under budget.
    Deadline,
}

/// The engine and everything shared by the modules loaded into it.
pub struct Runtime {
    engine: Engine,
    linker: Linker<limits::Sandbox>,
    limits: SandboxLimits,
    metering: Metering,
    cache: Option<cache::CompiledCache>,
    ticker_stop: Arc<AtomicBool>,
}

/// Bytes of each pool slot's memory (and table) kept mapped between
/// sandboxes: more than a decision touches (a few hundred KiB), far less than
/// the memory cap, so a runaway module's pages still go back to the kernel.
const KEEP_RESIDENT_BYTES: usize = 8 << 20;

impl Runtime {
    /// Builds the engine with fuel metering ([`Metering::Fuel`]), as the
    /// certification kit and the tools run. `cache_dir` holds compiled code;
    /// `None` compiles in memory every time (tests).
    pub fn new(limits: SandboxLimits, cache_dir: Option<PathBuf>) -> Result<Self, EngineError> {
        Runtime::with_metering(limits, cache_dir, Metering::Fuel)
    }

    /// Builds the engine the station serves with: [`Metering::Deadline`].
    pub fn serving(limits: SandboxLimits, cache_dir: Option<PathBuf>) -> Result<Self, EngineError> {
        Runtime::with_metering(limits, cache_dir, Metering::Deadline)
    }

    pub fn with_metering(
        limits: SandboxLimits,
        cache_dir: Option<PathBuf>,
        metering: Metering,
    ) -> Result<Self, EngineError> {
        limits.check()?;
        let mut config = Config::new();
        // Policy modules are components: typed records in and out.
        config.wasm_component_model(true);
        // Fuel makes the work bound deterministic: the same call runs out of
        // fuel at the same point whatever the machine's load. It is compiled
        // into the code (a counter update per basic block), so only where it
        // is wanted (the compiled-code cache keys on this setting).
        config.consume_fuel(metering == Metering::Fuel);
        // Epochs bound wall-clock time cheaply (a counter check at loop heads
        // and function entries); a background thread advances the epoch.
        config.epoch_interruption(true);
        // Pooling: instance memories and tables come from pre-reserved slots,
        // so a fresh sandbox per call costs microseconds, not a mmap.
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(limits.max_concurrent_instances)
            .total_core_instances(limits.max_concurrent_instances * 4)
            .total_memories(limits.max_concurrent_instances * 2)
            .total_tables(limits.max_concurrent_instances * 2)
            .max_memory_size(limits.memory_bytes)
            .max_memories_per_component(2)
            .max_tables_per_component(4)
            .max_core_instances_per_component(8)
            // A slot handed back is reset in place (memset of the pages the
            // call dirtied, found with Linux's PAGEMAP_SCAN where the kernel
            // has it) instead of by madvise. madvise costs a TLB shootdown
            // across every core running the service, and the next sandbox in
            // the slot would page-fault its way back through the same heap.
            .linear_memory_keep_resident(KEEP_RESIDENT_BYTES)
            .table_keep_resident(KEEP_RESIDENT_BYTES)
            .pagemap_scan(wasmtime::Enabled::Auto);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        // Reserve 4 GiB of address space per memory (and keep the default
        // guard region), so compiled code needs no bounds check on loads and
        // stores: any out-of-range access lands in unmapped space and traps.
        // The memory cap is enforced by the pool's `max_memory_size` and the
        // store's limiter, not by the reservation.
        config.memory_reservation(1 << 32);
        config.memory_may_move(false);
        let engine = Engine::new(&config).map_err(EngineError::Engine)?;
        let ticker_stop = Arc::new(AtomicBool::new(false));
        {
            let engine = engine.clone();
            let stop = ticker_stop.clone();
            std::thread::Builder::new()
                .name("juzhu-epoch".into())
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(EPOCH_TICK);
                        engine.increment_epoch();
                    }
                })
                .map_err(EngineError::Ticker)?;
        }
        let cache = match cache_dir {
            Some(dir) => Some(cache::CompiledCache::open(dir, &engine)?),
            None => None,
        };
        // No host functions are ever linked: a module that imports anything
        // is refused before instantiation.
        let linker = Linker::new(&engine);
        Ok(Runtime { engine, linker, limits, metering, cache, ticker_stop })
    }

    pub fn limits(&self) -> &SandboxLimits {
        &self.limits
    }

    pub fn metering(&self) -> Metering {
        self.metering
    }

    /// Checks, compiles (or loads from cache) and pre-instantiates a component.
    /// `origin` names it in errors (a path or registry target).
    pub fn load(&self, origin: &str, bytes: &[u8]) -> Result<LoadedModule, LoadError> {
        let sha256 = hex::encode(Sha256::digest(bytes));
        check_no_imports(origin, bytes)?;
        let component = match &self.cache {
            Some(cache) => cache.get_or_compile(&self.engine, &sha256, bytes)?,
            None => Component::new(&self.engine, bytes)
                .map_err(|e| LoadError::NotAComponent { origin: origin.into(), detail: format!("{e:#}") })?,
        };
        LoadedModule::new(self, origin, sha256, bytes.len() as u64, component)
    }

    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }

    pub(crate) fn linker(&self) -> &Linker<limits::Sandbox> {
        &self.linker
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}

/// Refuses a component that imports anything, naming what it imports.
///
/// This reads the component's own import section with wasmparser, before
/// compiling, so a hostile module costs no compile time.
pub fn check_no_imports(origin: &str, bytes: &[u8]) -> Result<(), LoadError> {
    let not_component = |detail: String| LoadError::NotAComponent { origin: origin.into(), detail };
    if !wasmparser::Parser::is_component(bytes) {
        return Err(not_component(
            "the bytes are a core module or not wasm at all; build the module with `juzhu module build`".into(),
        ));
    }
    let mut depth = 0usize;
    let mut imports = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        use wasmparser::Payload::*;
        match payload.map_err(|e| not_component(e.to_string()))? {
            // Nested modules and components have their own (satisfied) imports;
            // only the outermost component's imports reach the host.
            ModuleSection { .. } | ComponentSection { .. } => depth += 1,
            End(_) => depth = depth.saturating_sub(1),
            ComponentImportSection(reader) if depth == 0 => {
                for import in reader {
                    let import = import.map_err(|e| not_component(e.to_string()))?;
                    imports.push(format!("`{}`", import.name.0));
                }
            }
            _ => {}
        }
    }
    if imports.is_empty() {
        Ok(())
    } else {
        Err(LoadError::HasImports { origin: origin.into(), imports: imports.join(", ") })
    }
}
