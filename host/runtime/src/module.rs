//! A loaded policy module and the calls made to it.

use std::time::{Duration, Instant};

use wasmtime::component::Component;
use wasmtime::{Store, Trap};

use super::contract::types::*;
use super::contract::{PolicyModule, PolicyModulePre};
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
}

/// A checked, compiled and pre-instantiated policy module.
pub struct LoadedModule {
    pre: PolicyModulePre<Sandbox>,
    limits: SandboxLimits,
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
        let instance_pre = runtime.linker().instantiate_pre(&component).map_err(|e| wrong(format!("{e:#}")))?;
        let pre = PolicyModulePre::new(instance_pre).map_err(|e| wrong(format!("{e:#}")))?;
        let mut module = LoadedModule {
            pre,
            limits: runtime.limits().clone(),
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
            .call(|m, s| m.juzhu_policy_metadata().call_info(s))
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
    ) -> Result<(Result<Decision, InputError>, CallStats), CallError> {
        let legal_date = legal_date.to_string();
        self.call(|m, s| m.juzhu_policy_eligibility().call_evaluate(s, application, &legal_date))
    }

    pub fn endorsement(
        &self,
        permit: &Permit,
        facts: &Application,
        legal_date: &str,
    ) -> Result<(Result<EndorsementAnswer, InputError>, CallStats), CallError> {
        let legal_date = legal_date.to_string();
        self.call(|m, s| m.juzhu_policy_endorsement().call_status(s, permit, facts, &legal_date))
    }

    pub fn services(
        &self,
        permit: &Permit,
        facts: &Application,
        legal_date: &str,
    ) -> Result<(Result<Entitlements, InputError>, CallStats), CallError> {
        let legal_date = legal_date.to_string();
        self.call(|m, s| m.juzhu_policy_benefits().call_services(s, permit, facts, &legal_date))
    }

    pub fn points(
        &self,
        permit: Option<&Permit>,
        facts: &Application,
        legal_date: &str,
    ) -> Result<(Result<PointsBreakdown, InputError>, CallStats), CallError> {
        let legal_date = legal_date.to_string();
        self.call(|m, s| m.juzhu_policy_benefits().call_points(s, permit, facts, &legal_date))
    }

    /// Points for many applicants of one ranking in one sandbox, so a large
    /// pool pays for instantiation once per batch rather than once per
    /// applicant. Each call still gets the whole fuel and time budget, and the
    /// batch shares the instance's memory cap. Policy modules keep no state
    /// between calls (the SDK's exports are pure functions of their
    /// arguments), so sharing an instance does not let one applicant's facts
    /// reach another's points. A trap ends the batch: the instance is then
    /// unusable.
    pub fn points_batch<'a>(
        &self,
        applications: impl IntoIterator<Item = &'a Application>,
        legal_date: &str,
    ) -> Result<(Vec<Result<PointsBreakdown, InputError>>, CallStats), CallError> {
        let started = Instant::now();
        let legal_date = legal_date.to_string();
        let mut fuel_used = 0;
        let mut store = self.sandbox();
        let instance = self
            .pre
            .instantiate(&mut store)
            .map_err(|e| CallError::Instantiate { module: self.label.clone(), detail: format!("{e:#}") })?;
        let mut answers = Vec::new();
        for application in applications {
            self.refill(&mut store);
            let answer = instance
                .juzhu_policy_benefits()
                .call_points(&mut store, None, application, &legal_date)
                .map_err(|error| self.classify(error, store.data()))?;
            fuel_used += self.limits.fuel - store.get_fuel().unwrap_or(0);
            self.check_size(&answer)?;
            answers.push(answer);
        }
        Ok((answers, CallStats { fuel_used, elapsed: started.elapsed() }))
    }

    pub fn card(
        &self,
        permit: &Permit,
        facts: &Application,
        legal_date: &str,
    ) -> Result<(Result<CardContent, InputError>, CallStats), CallError> {
        let legal_date = legal_date.to_string();
        self.call(|m, s| m.juzhu_policy_card().call_content(s, permit, facts, &legal_date))
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
        store.set_fuel(self.limits.fuel).expect("fuel is enabled on the engine");
        let ticks = self.limits.timeout_ms.div_ceil(super::EPOCH_TICK.as_millis() as u64).max(1);
        store.set_epoch_deadline(ticks);
    }

    /// Refuses a result whose JSON form is over the size limit, counting its
    /// bytes without building it in memory.
    fn check_size(&self, value: &impl serde::Serialize) -> Result<(), CallError> {
        let mut counter = ByteCounter(0);
        serde_json::to_writer(&mut counter, value).expect("contract types serialize");
        if counter.0 > self.limits.max_result_bytes {
            return Err(CallError::ResultTooLarge {
                module: self.label.clone(),
                size: counter.0,
                limit: self.limits.max_result_bytes,
            });
        }
        Ok(())
    }

    /// Runs `f` in a fresh sandbox under the limits, classifying any failure.
    fn call<R: serde::Serialize>(
        &self,
        f: impl FnOnce(&PolicyModule, &mut Store<Sandbox>) -> wasmtime::Result<R>,
    ) -> Result<(R, CallStats), CallError> {
        let started = Instant::now();
        let module = self.label.clone();
        let mut store = self.sandbox();
        let instance = self
            .pre
            .instantiate(&mut store)
            .map_err(|e| CallError::Instantiate { module: module.clone(), detail: format!("{e:#}") })?;
        let outcome = f(&instance, &mut store);
        let fuel_used = self.limits.fuel - store.get_fuel().unwrap_or(0);
        let stats = CallStats { fuel_used, elapsed: started.elapsed() };
        let value = match outcome {
            Ok(value) => value,
            Err(error) => return Err(self.classify(error, store.data())),
        };
        self.check_size(&value)?;
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
