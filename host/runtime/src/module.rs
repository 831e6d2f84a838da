//! A loaded policy module and the calls made to it.

use std::time::{Duration, Instant};

use wasmtime::component::Component;
use wasmtime::{Store, Trap};

use super::contract::types::*;
use super::contract::{upgrade, v1_0, v1_1};
use super::limits::{Sandbox, SandboxLimits};
use super::{LoadError, Runtime};

/// Why a call to a module failed. Each failure is confined to its call.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("module {module}: ran out of fuel (budget {budget} units); the module loops or does far too much work")]
    OutOfFuel { module: String, budget: u64 },
    #[error("module {module}: exceeded the {timeout_ms} ms time limit")]
    Timeout { module: String, timeout_ms: u64 },
    #[error("module {module}: tried to grow memory to {requested} bytes, over the {limit}-byte cap")]
    MemoryLimit { module: String, requested: usize, limit: usize },
    #[error("module {module}: returned a result of {size} bytes, over the {limit}-byte limit")]
    ResultTooLarge { module: String, size: usize, limit: usize },
    #[error("module {module}: trapped: {detail}")]
    Trap { module: String, detail: String },
    #[error("module {module}: could not start a sandbox: {detail}")]
    Instantiate { module: String, detail: String },
}

impl CallError {
    /// A short label for metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            CallError::OutOfFuel { .. } => "out_of_fuel",
            CallError::Timeout { .. } => "timeout",
            CallError::MemoryLimit { .. } => "memory_limit",
            CallError::ResultTooLarge { .. } => "result_too_large",
            CallError::Trap { .. } => "trap",
            CallError::Instantiate { .. } => "instantiate",
        }
    }
}

/// What one call cost.
#[derive(Clone, Copy, Debug, Default)]
pub struct CallStats {
    pub fuel_used: u64,
    pub elapsed: Duration,
    /// The most linear memory the instance held, in bytes.
    pub memory_peak: usize,
    /// The bytes of the result's JSON form (0 where the call failed).
    pub result_bytes: usize,
}

/// A component pre-instantiated against the world of the contract version it
/// exports.
enum Pre {
    V1_0(v1_0::PolicyModulePre<Sandbox>),
    V1_1(v1_1::PolicyModulePre<Sandbox>),
}

/// A fresh instance of either world.
enum Instance {
    V1_0(v1_0::PolicyModule),
    V1_1(v1_1::PolicyModule),
}

impl Pre {
    /// Picks the world by the version of the `juzhu:policy` package the
    /// component exports (`juzhu:policy/metadata@1.0.0` or `@1.1.0`), so a
    /// module built against 1.0 keeps loading beside 1.1 modules.
    fn new(runtime: &Runtime, component: &Component) -> Result<Self, String> {
        let engine = runtime.engine();
        let exported: Vec<String> =
            component.component_type().exports(engine).map(|(name, _)| name.to_string()).collect();
        let version = exported
            .iter()
            .find_map(|name| name.strip_prefix("juzhu:policy/metadata@"))
            .ok_or_else(|| format!("it exports no `juzhu:policy/metadata` interface (it exports {exported:?})"))?;
        let instance_pre = runtime.linker().instantiate_pre(component).map_err(|e| format!("{e:#}"))?;
        let minor = version.rsplit_once('.').map(|(mm, _)| mm).unwrap_or(version);
        match minor {
            "1.1" => v1_1::PolicyModulePre::new(instance_pre).map(Pre::V1_1).map_err(|e| format!("{e:#}")),
            "1.0" => v1_0::PolicyModulePre::new(instance_pre).map(Pre::V1_0).map_err(|e| format!("{e:#}")),
            _ => Err(format!(
                "it exports contract juzhu:policy@{version}; this host loads {}",
                super::contract::KNOWN_VERSIONS.join(" and ")
            )),
        }
    }

    fn engine(&self) -> &wasmtime::Engine {
        match self {
            Pre::V1_0(p) => p.engine(),
            Pre::V1_1(p) => p.engine(),
        }
    }

    fn instantiate(&self, store: &mut Store<Sandbox>) -> wasmtime::Result<Instance> {
        Ok(match self {
            Pre::V1_0(p) => Instance::V1_0(p.instantiate(store)?),
            Pre::V1_1(p) => Instance::V1_1(p.instantiate(store)?),
        })
    }
}

/// One call of [`LoadedModule::points_batch`]: a holder's permit (none for
/// an applicant not on record), the facts the points read, and the day.
#[derive(Debug, Clone, Copy)]
pub struct PointsCall<'a> {
    pub permit: Option<&'a Permit>,
    pub facts: &'a Application,
    pub legal_date: &'a str,
}

/// A checked, compiled and pre-instantiated policy module.
pub struct LoadedModule {
    pre: Pre,
    limits: SandboxLimits,
    /// Whether calls are fuel-metered ([`crate::Metering`]).
    fuel: bool,
    info: ModuleInfo,
    sha256: String,
    length: u64,
    label: String,
}

impl LoadedModule {
    pub(super) fn new(
        runtime: &Runtime,
        origin: &str,
        sha256: String,
        length: u64,
        component: Component,
    ) -> Result<Self, LoadError> {
        let wrong = |detail: String| LoadError::WrongContract { origin: origin.into(), detail };
        let pre = Pre::new(runtime, &component).map_err(wrong)?;
        let mut module = LoadedModule {
            pre,
            limits: runtime.limits().clone(),
            fuel: runtime.metering() == crate::Metering::Fuel,
            info: ModuleInfo {
                id: String::new(),
                version: String::new(),
                jurisdiction: String::new(),
                jurisdiction_name: String::new(),
                contract_version: String::new(),
                time_zone: String::new(),
                documents: Vec::new(),
                tiers: Vec::new(),
            },
            label: origin.to_string(),
            sha256,
            length,
        };
        let (info, _) = module
            .call(|m, s| match m {
                Instance::V1_1(m) => m.juzhu_policy_metadata().call_info(s),
                Instance::V1_0(m) => m.juzhu_policy_metadata().call_info(s).map(|i| upgrade::info(&i)),
            })
            .map_err(|e| LoadError::InfoFailed { origin: origin.into(), detail: e.to_string() })?;
        if !info.contract_version.starts_with("1.") {
            return Err(wrong(format!(
                "it declares contract version {}, and this host implements 1.x",
                info.contract_version
            )));
        }
        module.label = format!("{}@{}", info.id, info.version);
        module.info = info;
        Ok(module)
    }

    pub fn info(&self) -> &ModuleInfo {
        &self.info
    }

    /// The contract version of the world the component exports (`1.0` or
    /// `1.1`): a 1.0 module's reasons state no effect and it has no clause
    /// table.
    pub fn contract(&self) -> &'static str {
        match self.pre {
            Pre::V1_0(_) => "1.0",
            Pre::V1_1(_) => "1.1",
        }
    }

    /// The sha256 of the component's bytes, in hex.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    pub fn length(&self) -> u64 {
        self.length
    }

    /// `id@version`, as errors name the module.
    pub fn label(&self) -> &str {
        &self.label
    }

    pub fn evaluate(
        &self,
        application: &Application,
        legal_date: &str,
    ) -> Result<(Result<Decision, Refusal>, CallStats), CallError> {
        let legal_date = legal_date.to_string();
        self.call(|m, s| match m {
            Instance::V1_1(m) => m.juzhu_policy_eligibility().call_evaluate(s, application, &legal_date),
            Instance::V1_0(m) => m
                .juzhu_policy_eligibility()
                .call_evaluate(s, &upgrade::application(application, &legal_date), &legal_date)
                .map(upgrade::answer),
        })
    }

    pub fn endorsement(
        &self,
        permit: &Permit,
        facts: &Application,
        legal_date: &str,
    ) -> Result<(Result<EndorsementAnswer, Refusal>, CallStats), CallError> {
        let legal_date = legal_date.to_string();
        self.call(|m, s| match m {
            Instance::V1_1(m) => m.juzhu_policy_endorsement().call_status(s, permit, facts, &legal_date),
            Instance::V1_0(m) => m
                .juzhu_policy_endorsement()
                .call_status(s, &upgrade::same(permit), &upgrade::application(facts, &legal_date), &legal_date)
                .map(|a| upgrade::endorsement(a, &legal_date)),
        })
    }

    pub fn services(
        &self,
        permit: &Permit,
        facts: &Application,
        legal_date: &str,
    ) -> Result<(Result<Entitlements, Refusal>, CallStats), CallError> {
        let legal_date = legal_date.to_string();
        self.call(|m, s| match m {
            Instance::V1_1(m) => m.juzhu_policy_benefits().call_services(s, permit, facts, &legal_date),
            Instance::V1_0(m) => m
                .juzhu_policy_benefits()
                .call_services(s, &upgrade::same(permit), &upgrade::application(facts, &legal_date), &legal_date)
                .map(upgrade::answer),
        })
    }

    pub fn points(
        &self,
        permit: Option<&Permit>,
        facts: &Application,
        legal_date: &str,
    ) -> Result<(Result<PointsBreakdown, Refusal>, CallStats), CallError> {
        let legal_date = legal_date.to_string();
        self.call(|m, s| match m {
            Instance::V1_1(m) => m.juzhu_policy_benefits().call_points(s, permit, facts, &legal_date),
            Instance::V1_0(m) => {
                let permit: Option<v1_0::exports::juzhu::policy::types::Permit> = permit.map(upgrade::same);
                m.juzhu_policy_benefits()
                    .call_points(s, permit.as_ref(), &upgrade::application(facts, &legal_date), &legal_date)
                    .map(upgrade::answer)
            }
        })
    }

    /// Points for many holders or applicants in one sandbox, so a large pool
    /// (a ranking, or the re-scoring of every permit on record when a new
    /// version takes effect) pays for instantiation once per batch rather
    /// than once per call. Each call still gets the whole fuel and time
    /// budget, and the batch shares the instance's memory cap. Policy modules
    /// keep no state between calls (the SDK's exports are pure functions of
    /// their arguments), so sharing an instance does not let one holder's
    /// facts reach another's points. A trap ends the batch: the instance is
    /// then unusable.
    pub fn points_batch<'a>(
        &self,
        calls: impl IntoIterator<Item = PointsCall<'a>>,
    ) -> Result<(Vec<Result<PointsBreakdown, Refusal>>, CallStats), CallError> {
        let started = Instant::now();
        let (mut fuel_used, mut result_bytes) = (0, 0);
        let mut store = self.sandbox();
        let instance = self
            .pre
            .instantiate(&mut store)
            .map_err(|e| CallError::Instantiate { module: self.label.clone(), detail: format!("{e:#}") })?;
        let mut answers = Vec::new();
        for PointsCall { permit, facts, legal_date } in calls {
            self.refill(&mut store);
            let legal_date = &legal_date.to_string();
            let answer = match &instance {
                Instance::V1_1(m) => m.juzhu_policy_benefits().call_points(&mut store, permit, facts, legal_date),
                Instance::V1_0(m) => {
                    let permit: Option<v1_0::exports::juzhu::policy::types::Permit> = permit.map(upgrade::same);
                    m.juzhu_policy_benefits()
                        .call_points(&mut store, permit.as_ref(), &upgrade::application(facts, legal_date), legal_date)
                        .map(upgrade::answer)
                }
            }
            .map_err(|error| self.classify(error, store.data()))?;
            fuel_used += self.fuel_used(&store);
            result_bytes += self.check_size(&answer)?;
            answers.push(answer);
        }
        let memory_peak = store.data().memory_peak;
        Ok((answers, CallStats { fuel_used, elapsed: started.elapsed(), memory_peak, result_bytes }))
    }

    pub fn card(
        &self,
        permit: &Permit,
        facts: &Application,
        legal_date: &str,
    ) -> Result<(Result<CardContent, Refusal>, CallStats), CallError> {
        let legal_date = legal_date.to_string();
        self.call(|m, s| match m {
            Instance::V1_1(m) => m.juzhu_policy_card().call_content(s, permit, facts, &legal_date),
            Instance::V1_0(m) => m
                .juzhu_policy_card()
                .call_content(s, &upgrade::same(permit), &upgrade::application(facts, &legal_date), &legal_date)
                .map(upgrade::answer),
        })
    }

    /// Instantiates a fresh sandbox and drops it: what every call pays before
    /// the module runs. Used by the benchmark.
    pub fn instantiate_only(&self) -> Result<(), CallError> {
        let mut store = self.sandbox();
        self.pre
            .instantiate(&mut store)
            .map(drop)
            .map_err(|e| CallError::Instantiate { module: self.label.clone(), detail: format!("{e:#}") })
    }

    /// The fuel the call in `store` used; 0 where calls are not metered.
    fn fuel_used(&self, store: &Store<Sandbox>) -> u64 {
        if self.fuel { self.limits.fuel - store.get_fuel().unwrap_or(self.limits.fuel) } else { 0 }
    }

    /// A store with this module's limits applied.
    fn sandbox(&self) -> Store<Sandbox> {
        let mut store = Store::new(self.pre.engine(), Sandbox::new(&self.limits));
        store.limiter(|sandbox| sandbox);
        store.epoch_deadline_trap();
        self.refill(&mut store);
        store
    }

    /// Gives the next call its whole fuel budget and time limit.
    fn refill(&self, store: &mut Store<Sandbox>) {
        if self.fuel {
            store.set_fuel(self.limits.fuel).expect("fuel is enabled on the engine");
        }
        let ticks = self.limits.timeout_ms.div_ceil(super::EPOCH_TICK.as_millis() as u64).max(1);
        store.set_epoch_deadline(ticks);
    }

    /// Refuses a result whose JSON form is over the size limit, counting its
    /// bytes without building it in memory.
    fn check_size(&self, value: &impl serde::Serialize) -> Result<usize, CallError> {
        let mut counter = ByteCounter(0);
        serde_json::to_writer(&mut counter, value).expect("contract types serialize");
        if counter.0 > self.limits.max_result_bytes {
            return Err(CallError::ResultTooLarge {
                module: self.label.clone(),
                size: counter.0,
                limit: self.limits.max_result_bytes,
            });
        }
        Ok(counter.0)
    }

    /// Runs `f` in a fresh sandbox under the limits, classifying any failure.
    fn call<R: serde::Serialize>(
        &self,
        f: impl FnOnce(&Instance, &mut Store<Sandbox>) -> wasmtime::Result<R>,
    ) -> Result<(R, CallStats), CallError> {
        let started = Instant::now();
        let module = self.label.clone();
        let mut store = self.sandbox();
        let instance = self
            .pre
            .instantiate(&mut store)
            .map_err(|e| CallError::Instantiate { module: module.clone(), detail: format!("{e:#}") })?;
        let outcome = f(&instance, &mut store);
        let fuel_used = self.fuel_used(&store);
        let mut stats =
            CallStats { fuel_used, elapsed: started.elapsed(), memory_peak: store.data().memory_peak, result_bytes: 0 };
        let value = match outcome {
            Ok(value) => value,
            Err(error) => return Err(self.classify(error, store.data())),
        };
        stats.result_bytes = self.check_size(&value)?;
        Ok((value, stats))
    }

    fn classify(&self, error: wasmtime::Error, sandbox: &Sandbox) -> CallError {
        let module = self.label.clone();
        if let Some(requested) = sandbox.memory_denied {
            return CallError::MemoryLimit { module, requested, limit: self.limits.memory_bytes };
        }
        match error.downcast_ref::<Trap>() {
            Some(Trap::OutOfFuel) => CallError::OutOfFuel { module, budget: self.limits.fuel },
            Some(Trap::Interrupt) => CallError::Timeout { module, timeout_ms: self.limits.timeout_ms },
            _ => CallError::Trap { module, detail: format!("{error:#}") },
        }
    }
}

struct ByteCounter(usize);

impl std::io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
