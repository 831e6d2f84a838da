//! Sandbox attack tests: each way a policy module can attack its sandbox fails
//! only the call that made it, with an error naming the module and the limit,
//! and the same loaded module goes on answering normal calls.
//!
//! The attacks come from `tests/fixtures/hostile-module`, whose
//! `eligibility.evaluate` chooses its behaviour by the applicant's name, and
//! `tests/fixtures/importing-module`, a module whose component imports a clock.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use juzhu_runtime::contract::types::*;
use juzhu_runtime::module_build;
use juzhu_runtime::{CallError, LoadError, LoadedModule, Runtime, SandboxLimits};
use sha2::{Digest, Sha256};

/// The label errors use for the hostile fixture (`id@version` from its info).
const HOSTILE: &str = "hostile-fixture@0.1.0";
const LEGAL_DATE: &str = "2024-06-01";
/// Fuel for building the huge result (the default budget).
const HUGE_FUEL: u64 = 500_000_000;

fn workspace_root() -> &'static Path {
    juzhu_test_support::workspace()
}

/// The hostile fixture as a component, built once for all tests.
fn hostile_component() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let root = workspace_root();
        let path =
            module_build::build(root, &root.join("tests/fixtures/hostile-module"), &root.join("target/fixtures"))
                .expect("the hostile fixture builds and componentizes");
        std::fs::read(&path).expect("the built component is readable")
    })
}

/// Limits small enough that the attacks fail fast, large enough that a normal
/// call passes with a wide margin.
fn test_limits() -> SandboxLimits {
    SandboxLimits {
        fuel: 50_000_000,
        timeout_ms: 10_000,
        memory_bytes: 64 << 20,
        max_result_bytes: 1 << 20,
        max_concurrent_instances: 4,
    }
}

fn runtime(limits: SandboxLimits) -> Runtime {
    Runtime::new(limits, None).expect("the runtime starts")
}

fn load_hostile(runtime: &Runtime) -> LoadedModule {
    runtime.load("tests/fixtures/hostile-module", hostile_component()).expect("the hostile fixture loads")
}

/// A valid application; the fixture's behaviour is chosen by `name`.
fn application(name: &str) -> Application {
    Application {
        jurisdiction: "999999".into(),
        identity: Identity {
            name: name.into(),
            citizen_id: "11010519491231002X".into(),
            sex: Some(Sex::Female),
            ethnicity: None,
            birth_date: Some("1949-12-31".into()),
            hukou_address: None,
            hukou_division: None,
            current_address: None,
            photo_ref: None,
        },
        registrations: vec![],
        insurance: vec![],
        employment: vec![],
        housing: vec![],
        schooling: vec![],
        guardians: vec![],
        special_statuses: vec![],
        materials: vec![],
        points: PointsFacts {
            education: None,
            title: None,
            skill: None,
            patents: None,
            awards: vec![],
            annual_tax_yuan: None,
            investment_yuan: None,
            social_service_hours: None,
            violations: vec![],
            family_planning_compliant: None,
            assigned: vec![],
            rental_registration_receipt: None,
            tax_receipts: None,
        },
        tier_requested: None,
        tier_held: None,
        events: None,
    }
}

/// The service stays up: after an attack, the same loaded module still gives
/// the right answer to a normal request.
fn assert_answers_normally(module: &LoadedModule) {
    let (answer, stats) =
        module.evaluate(&application("王芳"), LEGAL_DATE).expect("a normal call succeeds after a failed one");
    let decision = answer.expect("a valid application is decided");
    assert_eq!(decision.outcome, Outcome::Eligible);
    assert_eq!(decision.tier, Some(PermitTier::Standard));
    assert_eq!(decision.reasons.len(), 1);
    let reason = &decision.reasons[0];
    assert_eq!(reason.code, "hostile.normal");
    assert_eq!(reason.en, "王芳: a normal answer");
    assert_eq!(reason.citation.document, "hostile-fixture-doc");
    assert!(
        module.info().documents.iter().any(|d| d.id == reason.citation.document),
        "the reason cites a document the module lists"
    );
    assert!(stats.fuel_used > 0 && stats.fuel_used < test_limits().fuel, "fuel used: {}", stats.fuel_used);
}

/// As [`assert_answers_normally`], for a module served without fuel: the
/// answer is the same and no fuel is counted.
fn assert_serves_normally(module: &LoadedModule) {
    let (answer, stats) = module.evaluate(&application("王芳"), LEGAL_DATE).expect("a normal call succeeds");
    let decision = answer.expect("a valid application is decided");
    assert_eq!(decision.outcome, Outcome::Eligible);
    assert_eq!(decision.reasons[0].en, "王芳: a normal answer");
    assert_eq!(stats.fuel_used, 0, "serving counts no fuel");
}

fn attack(module: &LoadedModule, name: &str) -> CallError {
    match module.evaluate(&application(name), LEGAL_DATE) {
        Ok((answer, stats)) => panic!("the `{name}` attack was answered: {:?} ({stats:?})", answer.map(|d| d.outcome)),
        Err(error) => error,
    }
}

#[test]
fn normal_call_is_answered_and_labelled() {
    let runtime = runtime(test_limits());
    let module = load_hostile(&runtime);
    assert_eq!(module.label(), HOSTILE);
    assert_eq!(module.info().id, "hostile-fixture");
    assert_eq!(module.info().contract_version, juzhu_sdk::CONTRACT_VERSION);
    assert_answers_normally(&module);
    // The other methods answer with an input error, not a trap.
    let permit = Permit {
        number: "T-1".into(),
        jurisdiction: "999999".into(),
        tier: PermitTier::Standard,
        issued_on: "2024-01-01".into(),
        endorsements: vec![],
    };
    let (answer, _) = module.card(&permit, &application("王芳"), LEGAL_DATE).expect("the call completes");
    match answer {
        Err(Refusal::Input(e)) => assert_eq!(e.field, "permit"),
        other => panic!("expected an input error on `permit`, got {other:?}"),
    }
}

#[test]
fn infinite_loop_runs_out_of_fuel() {
    let runtime = runtime(test_limits());
    let module = load_hostile(&runtime);
    let error = attack(&module, "loop");
    match &error {
        CallError::OutOfFuel { module: name, budget } => {
            assert_eq!(name, HOSTILE);
            assert_eq!(*budget, 50_000_000);
        }
        other => panic!("expected OutOfFuel, got {other:?}"),
    }
    let message = error.to_string();
    assert!(message.contains(HOSTILE), "{message}");
    assert!(message.contains("50000000"), "{message}");
    assert_eq!(error.kind(), "out_of_fuel");
    assert_answers_normally(&module);
}

#[test]
fn infinite_loop_times_out() {
    // Fuel enough for hours; only the wall clock can stop the loop.
    let limits = SandboxLimits { fuel: u64::MAX / 2, timeout_ms: 200, ..test_limits() };
    let runtime = runtime(limits);
    let module = load_hostile(&runtime);
    let started = std::time::Instant::now();
    let error = attack(&module, "loop");
    let elapsed = started.elapsed();
    match &error {
        CallError::Timeout { module: name, timeout_ms } => {
            assert_eq!(name, HOSTILE);
            assert_eq!(*timeout_ms, 200);
        }
        other => panic!("expected Timeout, got {other:?}"),
    }
    assert!(elapsed >= std::time::Duration::from_millis(200), "stopped early, after {elapsed:?}");
    assert!(elapsed < std::time::Duration::from_secs(5), "stopped late, after {elapsed:?}");
    let message = error.to_string();
    assert!(message.contains(HOSTILE) && message.contains("200 ms"), "{message}");
    assert_eq!(error.kind(), "timeout");
    // A normal call after a timeout gets a fresh deadline and passes.
    assert_answers_normally(&module);
}

#[test]
fn memory_bomb_hits_the_memory_cap() {
    let limits = SandboxLimits { memory_bytes: 16 << 20, ..test_limits() };
    let runtime = runtime(limits);
    let module = load_hostile(&runtime);
    let error = attack(&module, "bomb");
    match &error {
        CallError::MemoryLimit { module: name, requested, limit } => {
            assert_eq!(name, HOSTILE);
            assert_eq!(*limit, 16 << 20);
            assert!(*requested > *limit, "requested {requested}, limit {limit}");
        }
        other => panic!("expected MemoryLimit, got {other:?}"),
    }
    let message = error.to_string();
    assert!(message.contains(HOSTILE), "{message}");
    assert!(message.contains(&format!("{}-byte cap", 16 << 20)), "{message}");
    assert_eq!(error.kind(), "memory_limit");
    assert_answers_normally(&module);
}

#[test]
fn huge_result_is_refused() {
    // Building 20 000 reasons is real work: give it the default budget.
    let runtime = runtime(SandboxLimits { fuel: HUGE_FUEL, ..test_limits() });
    let module = load_hostile(&runtime);
    let error = attack(&module, "huge");
    match &error {
        CallError::ResultTooLarge { module: name, size, limit } => {
            assert_eq!(name, HOSTILE);
            assert_eq!(*limit, 1 << 20);
            // 20 000 reasons of several hundred bytes each.
            assert!(*size > 5_000_000, "size {size}");
        }
        other => panic!("expected ResultTooLarge, got {other:?}"),
    }
    let message = error.to_string();
    assert!(message.contains(HOSTILE) && message.contains(&format!("{}-byte limit", 1 << 20)), "{message}");
    assert_eq!(error.kind(), "result_too_large");
    assert_answers_normally(&module);
}

#[test]
fn huge_result_within_a_larger_limit_is_returned() {
    // The same call under a limit it fits: the refusal above is the result
    // limit's doing, not some other failure.
    let limits = SandboxLimits { fuel: HUGE_FUEL, max_result_bytes: 64 << 20, ..test_limits() };
    let runtime = runtime(limits);
    let module = load_hostile(&runtime);
    let (answer, _) = module.evaluate(&application("huge"), LEGAL_DATE).expect("the result fits the limit");
    let decision = answer.expect("decided");
    assert_eq!(decision.reasons.len(), 20_000);
    assert_eq!(decision.reasons[19_999].code, "hostile.huge.19999");
}

#[test]
fn trap_fails_the_call() {
    let runtime = runtime(test_limits());
    let module = load_hostile(&runtime);
    let error = attack(&module, "trap");
    match &error {
        CallError::Trap { module: name, detail } => {
            assert_eq!(name, HOSTILE);
            assert!(detail.contains("unreachable"), "a panic aborts with `unreachable`: {detail}");
        }
        other => panic!("expected Trap, got {other:?}"),
    }
    assert!(error.to_string().contains(HOSTILE), "{error}");
    assert_eq!(error.kind(), "trap");
    assert_answers_normally(&module);
}

#[test]
fn every_attack_in_turn_leaves_the_module_answering() {
    let limits = SandboxLimits { fuel: HUGE_FUEL, memory_bytes: 32 << 20, ..test_limits() };
    let runtime = runtime(limits);
    let module = load_hostile(&runtime);
    for (name, kind) in
        [("loop", "out_of_fuel"), ("bomb", "memory_limit"), ("huge", "result_too_large"), ("trap", "trap")]
    {
        let error = attack(&module, name);
        assert_eq!(error.kind(), kind, "`{name}`: {error}");
        assert_answers_normally(&module);
    }
}

/// The station serves without fuel (`Metering::Deadline`): each attack still
/// fails alone, the runaway loop by its deadline, and the module answers the
/// next call.
#[test]
fn serving_without_fuel_every_attack_still_fails_alone() {
    let limits = SandboxLimits { timeout_ms: 300, memory_bytes: 32 << 20, ..test_limits() };
    let runtime = Runtime::serving(limits, None).expect("the runtime starts");
    assert_eq!(runtime.metering(), juzhu_runtime::Metering::Deadline);
    let module = load_hostile(&runtime);
    assert_serves_normally(&module);
    for (name, kind) in [("loop", "timeout"), ("bomb", "memory_limit"), ("huge", "result_too_large"), ("trap", "trap")]
    {
        let error = attack(&module, name);
        assert_eq!(error.kind(), kind, "`{name}`: {error}");
        assert_serves_normally(&module);
    }
}

/// Builds a fixture crate's core wasm module the way `module_build::build`
/// does, and returns its bytes.
fn build_core(package: &str) -> Vec<u8> {
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args(["build", "--release", "--target", "wasm32-unknown-unknown", "-p", package])
        .env("CARGO_TARGET_DIR", root.join(module_build::WASM_TARGET_DIR))
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo builds {package} for wasm32-unknown-unknown");
    let path = root
        .join(module_build::WASM_TARGET_DIR)
        .join("wasm32-unknown-unknown/release")
        .join(format!("{}.wasm", package.replace('-', "_")));
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[test]
fn component_with_imports_is_refused() {
    let core = build_core("juzhu-fixture-importing");
    let component = module_build::componentize(&core).expect("wit-component encodes the importing fixture");
    let runtime = runtime(test_limits());
    match runtime.load("importing.wasm", &component) {
        Err(error @ LoadError::HasImports { .. }) => {
            let LoadError::HasImports { origin, imports } = &error else { unreachable!() };
            assert_eq!(origin, "importing.wasm");
            assert_eq!(imports, "`now`");
            let message = error.to_string();
            assert!(message.contains("importing.wasm") && message.contains("`now`"), "{message}");
        }
        Err(other) => panic!("expected HasImports, got {other}"),
        Ok(module) => panic!("a module importing a clock was loaded as {}", module.label()),
    }
    // `juzhu module build` refuses it too, before writing anything.
    let root = workspace_root();
    let error = module_build::build(root, &root.join("tests/fixtures/importing-module"), &root.join("target/fixtures"))
        .expect_err("module build refuses a module with imports");
    assert!(format!("{error:#}").contains("`now`"), "{error:#}");
}

#[test]
fn core_module_is_refused() {
    let core = build_core("juzhu-fixture-hostile");
    assert!(wasmparser::Parser::is_core_wasm(&core), "the fixture's core build is a core module");
    let runtime = runtime(test_limits());
    match runtime.load("hostile-core.wasm", &core) {
        Err(error @ LoadError::NotAComponent { .. }) => {
            assert!(error.to_string().starts_with("hostile-core.wasm: not a WebAssembly component"), "{error}");
        }
        Err(other) => panic!("expected NotAComponent, got {other}"),
        Ok(module) => panic!("a core module was loaded as {}", module.label()),
    }
}

#[test]
fn random_bytes_are_refused() {
    let runtime = runtime(test_limits());
    // Deterministic noise (an LCG), then noise behind a valid component header.
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let noise: Vec<u8> = (0..4096)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 56) as u8
        })
        .collect();
    let mut headed = vec![0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
    headed.extend_from_slice(&noise);
    for (origin, bytes) in
        [("noise.wasm", noise.as_slice()), ("headed-noise.wasm", headed.as_slice()), ("empty.wasm", &[][..])]
    {
        match runtime.load(origin, bytes) {
            Err(error @ LoadError::NotAComponent { .. }) => {
                assert!(error.to_string().starts_with(&format!("{origin}: not a WebAssembly component")), "{error}");
            }
            Err(other) => panic!("{origin}: expected NotAComponent, got {other}"),
            Ok(module) => panic!("{origin}: random bytes were loaded as {}", module.label()),
        }
    }
}

/// The compiled files in a cache directory (each has a `.sha256` record
/// beside it, which is not compiled code).
fn cache_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("the cache dir exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "cwasm"))
        .collect();
    entries.sort();
    entries
}

#[test]
fn compiled_code_is_cached_by_sha256_and_reused() {
    use std::os::unix::fs::MetadataExt;

    let bytes = hostile_component();
    let sha256 = hex::encode(Sha256::digest(bytes));
    let dir = tempfile::tempdir().expect("a temporary dir");

    let first = Runtime::new(test_limits(), Some(dir.path().to_path_buf())).expect("the runtime starts");
    let module = load_hostile(&first);
    assert_eq!(module.sha256(), sha256);
    assert_eq!(module.length(), bytes.len() as u64);
    let entries = cache_entries(dir.path());
    assert_eq!(entries.len(), 1, "one compiled file: {entries:?}");
    let entry = &entries[0];
    let name = entry.file_name().unwrap().to_str().unwrap();
    assert!(name.starts_with(&format!("{sha256}-")) && name.ends_with(".cwasm"), "{name}");
    let written = std::fs::metadata(entry).unwrap();
    assert!(written.len() > 0);
    assert_answers_normally(&module);

    // A restart with the same cache dir loads the file instead of compiling:
    // a compile would write a new file and rename it over the entry.
    drop(module);
    drop(first);
    let second = Runtime::new(test_limits(), Some(dir.path().to_path_buf())).expect("the runtime restarts");
    let module = load_hostile(&second);
    assert_eq!(cache_entries(dir.path()), entries, "no new entry");
    let reused = std::fs::metadata(entry).unwrap();
    assert_eq!(reused.ino(), written.ino(), "the entry was not rewritten");
    assert_eq!(reused.mtime_nsec(), written.mtime_nsec());
    assert_answers_normally(&module);
    // Loading again in the same runtime still keeps one entry.
    let again = load_hostile(&second);
    assert_eq!(cache_entries(dir.path()), entries);
    assert_eq!(again.label(), HOSTILE);
}

#[test]
fn corrupted_cache_entry_is_recompiled() {
    let dir = tempfile::tempdir().expect("a temporary dir");
    let runtime = Runtime::new(test_limits(), Some(dir.path().to_path_buf())).expect("the runtime starts");
    drop(load_hostile(&runtime));
    let entries = cache_entries(dir.path());
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    let good = std::fs::read(entry).unwrap();

    // Garbage, then a truncated copy of the real compiled code.
    for damaged in [b"this is not compiled code".to_vec(), good[..good.len() / 2].to_vec()] {
        std::fs::write(entry, &damaged).unwrap();
        let restarted = Runtime::new(test_limits(), Some(dir.path().to_path_buf())).expect("the runtime restarts");
        let module = load_hostile(&restarted);
        assert_eq!(module.label(), HOSTILE);
        assert_answers_normally(&module);
        assert_eq!(cache_entries(dir.path()), entries, "the entry is replaced, not duplicated");
        let rewritten = std::fs::read(entry).unwrap();
        assert_ne!(rewritten, damaged, "the damaged entry was replaced");
        assert_eq!(rewritten.len(), good.len(), "with freshly compiled code");
    }
}
