//! A rule change under load (issue 4): a new version of a district's module
//! is published and certified in a signed registry while `wrk` keeps 64
//! connections busy evaluating against a station that follows it. Measured:
//! requests that failed across the swap (target: none), and the time from
//! the certification being signed to the new version deciding cases (target:
//! within one polling interval).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use juzhu_registry::fixture::Fixture;
use juzhu_registry::repo::ModuleDescription;

use super::Figure;
use super::http::{Station, wrk};

const DIVISION: &str = "330105";
const MODULE: &str = "hangzhou-gongshu";
const VECTORS: &str = "plugins/hangzhou-gongshu/vectors";
/// The station's polling interval for this figure.
const POLL_SECS: u64 = 5;

/// The benchmark's registry (one key per role, threshold 1, the district
/// delegated), dated in the station's time zone.
fn create_registry(path: std::path::PathBuf) -> anyhow::Result<Fixture> {
    Ok(Fixture::builder().at(path).district(DIVISION).time_zone(jiff::tz::TimeZone::get("Asia/Shanghai")?).build()?)
}

/// Publishes `bytes` as `version`, in force from today, and certifies it as a
/// tester would: only after its vectors pass.
fn publish_and_attest(registry: &Fixture, bytes: &[u8], version: &str) -> anyhow::Result<()> {
    let runtime = juzhu_runtime::Runtime::new(juzhu_runtime::SandboxLimits::default(), None)?;
    // Signed with the contract the component declares, as `juzhu publish`
    // does: the station refuses a component whose contract differs.
    let contract_version = runtime.load(MODULE, bytes)?.info().contract_version.clone();
    let description = ModuleDescription { module_id: MODULE.into(), version: version.into(), contract_version };
    registry.publish(DIVISION, &description, bytes, &registry.today.to_string())?;
    let file = registry.dir().with_file_name(format!("{MODULE}-{version}.wasm"));
    std::fs::write(&file, bytes)?;
    let native = crate::native::module(MODULE);
    let options = juzhu_runtime::certify::CertifyOptions {
        native: native.as_ref().map(|n| n as &dyn juzhu_sdk::vectors::Subject),
        // The benchmark times swapping, not the kit: a few cases suffice.
        cases: 100,
        ..Default::default()
    };
    let report = juzhu_runtime::certify::certify(&runtime, &file, Path::new(VECTORS), &options)
        .with_context(|| format!("{VECTORS} (run from the repository root)"))?;
    anyhow::ensure!(report.passed(), "{MODULE} {version} fails its vectors; the benchmark will not certify it");
    registry.attest(bytes, report.vectors as u64)?;
    Ok(())
}

/// The component claiming `version` instead of 1.0.0: a same-length edit of
/// the version string in its data segment, so the new version is a distinct
/// component (another sha256) that decides exactly as the old one.
fn as_version(component: &[u8], version: &str) -> anyhow::Result<Vec<u8>> {
    anyhow::ensure!(version.len() == 5, "the version must have the length of 1.0.0");
    let needle = format!("{MODULE}1.0.0");
    let at: Vec<usize> =
        component.windows(needle.len()).enumerate().filter(|(_, w)| *w == needle.as_bytes()).map(|(i, _)| i).collect();
    anyhow::ensure!(at.len() == 1, "the module's version string is not where the benchmark expects it");
    let mut out = component.to_vec();
    out[at[0] + MODULE.len()..at[0] + needle.len()].copy_from_slice(version.as_bytes());
    Ok(out)
}

fn version_in_force(station: &Station) -> anyhow::Result<String> {
    let list = station.get("/v1/jurisdictions")?;
    list.as_array()
        .and_then(|l| l.iter().find(|j| j["division"] == DIVISION))
        .and_then(|j| j["module"]["version"].as_str().map(str::to_string))
        .context("the station lists no module for 330105")
}

/// Measures the swap.
pub fn measure(modules: &Path, seconds: u64, connections: usize) -> anyhow::Result<(Vec<Figure>, String)> {
    let component = std::fs::read(modules.join(format!("{MODULE}.wasm"))).context("the gongshu component")?;
    let dir = tempfile::tempdir()?;
    let registry = create_registry(dir.path().join("registry"))?;
    publish_and_attest(&registry, &component, "1.0.0")?;
    let sections = format!(
        "[registry]\nlocation = {:?}\ntrusted_root = {:?}\npoll_interval_secs = {POLL_SECS}\n",
        registry.dir(),
        registry.path("metadata/1.root.json")
    );
    let station = Station::start_in(dir, &sections)?;
    anyhow::ensure!(version_in_force(&station)? == "1.0.0", "the station did not start on 1.0.0");

    // No legal date: each request is decided by the version in force today.
    let body = serde_json::json!({ "application": super::realistic_application() });
    let load_seconds = seconds.max(3 * POLL_SECS) * 2;
    let load = {
        let (dir, base, token, body) =
            (station.dir.path().to_path_buf(), station.base.clone(), station.token.clone(), body.clone());
        std::thread::spawn(move || wrk(&dir, &format!("{base}/v1/evaluate"), &token, &body, load_seconds, connections))
    };
    std::thread::sleep(Duration::from_secs(load_seconds / 3));
    publish_and_attest(&registry, &as_version(&component, "1.0.1")?, "1.0.1")?;
    let signed = Instant::now();
    let switch = loop {
        if version_in_force(&station)? == "1.0.1" {
            break signed.elapsed();
        }
        anyhow::ensure!(
            signed.elapsed() < Duration::from_secs(10 * POLL_SECS),
            "1.0.1 was not in force {} s after it was certified; see {}",
            10 * POLL_SECS,
            station.log().display()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let report = load.join().map_err(|_| anyhow::anyhow!("the load thread panicked"))??;
    let failed = report.non_2xx + u64::from(report.socket_errors.is_some());
    let figures = vec![
        Figure::target(
            format!("hot swap under load: failed requests ({} requests, {connections} connections)", report.requests),
            match &report.socket_errors {
                None => report.non_2xx.to_string(),
                Some(e) => format!("{} non-2xx; {e}", report.non_2xx),
            },
            "0",
            failed == 0,
        ),
        Figure::target(
            "hot swap: certification signed → new version deciding",
            format!("{:.2} s", switch.as_secs_f64()),
            "≤ one polling interval (5 s)",
            switch <= Duration::from_secs(POLL_SECS),
        ),
    ];
    let setup = format!(
        "hot swap: a station following a signed registry (poll every {POLL_SECS} s) under `wrk` for {load_seconds} s; {MODULE} 1.0.1 published and certified after {} s",
        load_seconds / 3
    );
    Ok((figures, setup))
}
