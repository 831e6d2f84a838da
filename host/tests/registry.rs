//! A station following a signed registry: only modules that the district and
//! the certification role both signed activate; versions apply by effective
//! date; pins and rollbacks are audited; a freeze or a refused update keeps
//! the active modules; a component that lies about itself is refused.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use juzhu_registry::Repository;
use juzhu_registry::fixture::Fixture;
use juzhu_registry::repo::ModuleDescription;
use juzhu_runtime::contract::types::Application;
use juzhu_station::config::StationConfig;
use juzhu_station::service::{Service, ServiceError};
use juzhu_test_support::registry::station_config;
use juzhu_test_support::{ApplicationBuilder, component_bytes, station, with_version};

const DISTRICT: &str = "330105";
const MODULE: &str = "hangzhou-gongshu";

/// Gongshu's component, read once per test binary.
fn gongshu() -> &'static Vec<u8> {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| component_bytes(MODULE))
}

/// Gongshu's component claiming another version (contract version too).
fn gongshu_as(version: &str) -> Vec<u8> {
    with_version(gongshu(), MODULE, version)
}

/// A registry with Gongshu's district delegated, dated in the stations' time
/// zone, and what these tests do with it.
fn fixture() -> Fixture {
    Fixture::builder().district(DISTRICT).time_zone(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap()).build().unwrap()
}

trait Gongshu {
    /// Publishes `bytes` as Gongshu `version` with `contract_version`.
    fn publish_as(&self, bytes: &[u8], version: &str, contract_version: &str, effective_from: jiff::civil::Date);
    /// Publishes Gongshu `version` (a [`gongshu_as`] variant unless 1.0.0)
    /// and returns its bytes.
    fn publish_version(&self, version: &str, effective_from: jiff::civil::Date) -> Vec<u8>;
    /// Attests `bytes` with 101 vectors passed.
    fn certify(&self, bytes: &[u8]);
    fn config(&self) -> StationConfig;
    fn station(&self) -> Arc<Service>;
}

impl Gongshu for Fixture {
    fn publish_as(&self, bytes: &[u8], version: &str, contract_version: &str, effective_from: jiff::civil::Date) {
        let description = ModuleDescription {
            module_id: MODULE.into(),
            version: version.into(),
            contract_version: contract_version.into(),
        };
        self.publish(DISTRICT, &description, bytes, &effective_from.to_string()).unwrap();
    }

    fn publish_version(&self, version: &str, effective_from: jiff::civil::Date) -> Vec<u8> {
        let bytes = if version == "1.0.0" { gongshu().clone() } else { gongshu_as(version) };
        // Every variant is built with the current SDK: it claims contract
        // version juzhu_sdk::CONTRACT_VERSION whatever its module version.
        self.publish_as(&bytes, version, juzhu_sdk::CONTRACT_VERSION, effective_from);
        bytes
    }

    fn certify(&self, bytes: &[u8]) {
        self.attest(bytes, 101).unwrap();
    }

    fn config(&self) -> StationConfig {
        station_config(self)
    }

    fn station(&self) -> Arc<Service> {
        juzhu_station::server::build(&self.config()).unwrap().0
    }
}

fn application() -> Application {
    ApplicationBuilder::gongshu_employed().no_materials().typed()
}

fn version_on(service: &Service, date: jiff::civil::Date) -> Result<String, ServiceError> {
    Ok(service.evaluate(&application(), Some(date.to_string()))?.module.version)
}

#[test]
fn only_a_module_signed_by_district_and_certification_activates() {
    let f = fixture();
    let v1 = f.publish_version("1.0.0", f.today);
    // Published, not certified: the station refuses to start without a module.
    let err = juzhu_station::server::build(&f.config()).err().unwrap().to_string();
    assert!(err.contains("holds no certified module") && err.contains("1 published, awaiting certification"), "{err}");
    f.certify(&v1);
    let service = f.station();
    let receipt = service.submit("clerk", &application(), Some(f.today.to_string())).unwrap();
    assert_eq!((receipt.module.id.as_str(), receipt.module.version.as_str()), ("hangzhou-gongshu", "1.0.0"));
    let status = service.registry_status().unwrap();
    assert_eq!(status.modules.len(), 1);
    // A second version, published but not certified, stays out.
    f.publish_version("1.1.0", f.today);
    let status = service.refresh_registry().unwrap();
    assert_eq!(status.pending.len(), 1, "{status:?}");
    assert!(status.pending[0].reason.contains("not certified"));
    assert_eq!(version_on(&service, f.today).unwrap(), "1.0.0");
}

#[test]
fn versions_apply_by_effective_date_and_a_future_one_is_compiled_ahead() {
    let f = fixture();
    let v1 = f.publish_version("1.0.0", f.today);
    f.certify(&v1);
    let service = f.station();
    // Before the first version took effect, nothing was in force.
    let err = version_on(&service, f.today.yesterday().unwrap()).unwrap_err().to_string();
    assert!(err.contains("in force on") && err.contains(&format!("the earliest takes effect on {}", f.today)), "{err}");
    let next_week = f.today.checked_add(jiff::Span::new().days(7)).unwrap();
    let v2 = f.publish_version("1.1.0", next_week);
    f.certify(&v2);
    service.refresh_registry().unwrap();
    // Verified and compiled now; in force from its date; history kept.
    let modules = service.module_versions();
    let versions: Vec<(&str, bool)> =
        modules[0].versions.iter().map(|v| (v.version.as_str(), v.in_force_today)).collect();
    assert_eq!(versions, [("1.0.0", true), ("1.1.0", false)]);
    assert_eq!(version_on(&service, f.today).unwrap(), "1.0.0");
    assert_eq!(version_on(&service, next_week.yesterday().unwrap()).unwrap(), "1.0.0");
    assert_eq!(version_on(&service, next_week).unwrap(), "1.1.0");
    let receipt = service.submit("clerk", &application(), Some(next_week.to_string())).unwrap();
    assert_eq!(receipt.module.version, "1.1.0");
    assert_eq!(receipt.module.sha256, hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&v2)));
}

#[test]
fn pin_and_rollback_are_audited_and_refuse_revoked_or_uncertified_versions() {
    let f = fixture();
    for v in ["1.0.0", "1.1.0"] {
        let bytes = f.publish_version(v, f.today);
        f.certify(&bytes);
    }
    f.publish_version("1.2.0", f.today); // never certified
    let service = f.station();
    assert_eq!(version_on(&service, f.today).unwrap(), "1.1.0");
    let report = service.rollback("ops-zhang", "330105").unwrap();
    assert_eq!((report.in_force_before.as_deref(), report.in_force_now.as_deref()), (Some("1.1.0"), Some("1.0.0")));
    assert_eq!(version_on(&service, f.today).unwrap(), "1.0.0");
    let entries = service.audit(0, 100).unwrap();
    let last = entries.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.actor.as_str(), last.subject.as_str()),
        ("module.rollback", "ops-zhang", "module:330105")
    );
    assert_eq!(last.details["version"], "1.0.0");
    // The pin survives a refresh (it is kept in the store, not the set).
    service.refresh_registry().unwrap();
    assert_eq!(version_on(&service, f.today).unwrap(), "1.0.0");
    // And a restart.
    drop(service);
    let service = f.station();
    assert_eq!(version_on(&service, f.today).unwrap(), "1.0.0");
    let err = service.pin("ops-zhang", "330105", "1.2.0").unwrap_err().to_string();
    assert!(err.contains("has no certified version 1.2.0; its certified versions are 1.0.0, 1.1.0"), "{err}");
    let err = service.rollback("ops-zhang", "330105").unwrap_err().to_string();
    assert!(err.contains("no certified, non-revoked version before 1.0.0"), "{err}");
    // The district revokes 1.1.0: pinning it is refused.
    f.repo()
        .unwrap()
        .revoke_module(
            "330105",
            "hangzhou-gongshu",
            "1.1.0",
            "misread clause 3",
            f.today,
            &f.online(&f.district_keys(DISTRICT)),
        )
        .unwrap();
    service.unpin("ops-zhang", "330105").unwrap();
    service.refresh_registry().unwrap();
    assert_eq!(version_on(&service, f.today).unwrap(), "1.0.0", "a revoked version never applies");
    let err = service.pin("ops-zhang", "330105", "1.1.0").unwrap_err().to_string();
    assert!(err.contains("1.1.0 is revoked") && err.contains("misread clause 3"), "{err}");
    let actions: Vec<String> =
        service.audit(0, 100).unwrap().iter().map(|e| e.action.clone()).filter(|a| a.starts_with("module.")).collect();
    assert_eq!(actions, ["module.rollback", "module.unpin"]);
}

#[test]
fn a_freeze_keeps_the_active_modules_refuses_new_ones_and_raises_an_alert() {
    let f = fixture();
    let v1 = f.publish_version("1.0.0", f.today);
    f.certify(&v1);
    let service = f.station();
    let v2 = f.publish_version("1.1.0", f.today);
    f.certify(&v2);
    // The timestamp is re-signed as if eight days ago: it has expired.
    let mut stale =
        Repository::open(f.dir(), jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * 8)).unwrap();
    stale.refresh_timestamp(&f.keyring(&[&f.keys.timestamp])).unwrap();
    let err = service.refresh_registry().unwrap_err().to_string();
    assert!(err.contains("timestamp metadata expired") && err.contains("active modules are unchanged"), "{err}");
    assert_eq!(version_on(&service, f.today).unwrap(), "1.0.0");
    assert!(service.registry_status().unwrap().frozen);
    assert!(service.metrics().encode().contains("juzhu_registry_frozen 1"));
    // Re-signed: the freeze lifts and the new version activates.
    f.repo().unwrap().refresh_timestamp(&f.keyring(&[&f.keys.timestamp])).unwrap();
    service.refresh_registry().unwrap();
    assert_eq!(version_on(&service, f.today).unwrap(), "1.1.0");
    assert!(service.metrics().encode().contains("juzhu_registry_frozen 0"));
}

/// Issue 15, defect 13: an unreadable or corrupt registry was invisible in
/// /metrics (only the frozen gauge existed).
#[test]
fn a_corrupt_registry_shows_in_metrics_with_its_reason_and_time() {
    let f = fixture();
    let v1 = f.publish_version("1.0.0", f.today);
    f.certify(&v1);
    let service = f.station();
    let metric = |name: &str| -> f64 {
        let text = service.metrics().encode();
        let line = text.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("no {name} in {text}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    assert_eq!(metric("juzhu_registry_last_refresh_ok "), 1.0);
    let first_success = metric("juzhu_registry_last_success_timestamp_seconds ");
    assert!(first_success > 1.7e9, "a Unix time: {first_success}");
    // The mirror serves a timestamp file that is not JSON.
    std::fs::write(f.dir().join("metadata/timestamp.json"), b"{ not json").unwrap();
    assert!(service.refresh_registry().is_err());
    assert_eq!(metric("juzhu_registry_last_refresh_ok "), 0.0);
    assert!(metric("juzhu_registry_last_attempt_timestamp_seconds ") >= first_success);
    assert_eq!(metric("juzhu_registry_last_success_timestamp_seconds "), first_success);
    let text = service.metrics().encode();
    assert!(text.contains("juzhu_registry_refusals_total{reason=\"malformed\"} 1"), "{text}");
    assert!(text.contains("juzhu_registry_frozen 0"), "a corrupt file is not a freeze: {text}");
}

#[test]
fn a_component_that_is_not_what_the_registry_signed_is_refused() {
    let f = fixture();
    let v1 = f.publish_version("1.0.0", f.today);
    f.certify(&v1);
    let service = f.station();
    // Signed and certified as 2.0.0, but the component says 1.5.0.
    let liar = gongshu_as("1.5.0");
    f.publish_as(&liar, "2.0.0", "1.5.0", f.today);
    f.certify(&liar);
    let status = service.refresh_registry().unwrap();
    let r = status.rejected.iter().find(|r| r.target.ends_with("hangzhou-gongshu-2.0.0.wasm")).unwrap();
    assert_eq!(r.reason, "the component's version is 1.5.0, but the registry signed 2.0.0");
    assert_eq!(version_on(&service, f.today).unwrap(), "1.0.0");
}

#[test]
fn a_refused_update_changes_nothing_and_a_request_in_flight_keeps_its_set() {
    let f = fixture();
    let v1 = f.publish_version("1.0.0", f.today);
    f.certify(&v1);
    let service = f.station();
    let in_flight = service.modules().snapshot();
    let v2 = f.publish_version("1.1.0", f.today);
    f.certify(&v2);
    // Tampered bytes of the new version: the whole update is refused.
    let stored = f.dir().join(juzhu_registry::names::stored_path(
        "districts/330105/hangzhou-gongshu-1.1.0.wasm",
        &hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&v2)),
    ));
    let mut bytes = std::fs::read(&stored).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&stored, &bytes).unwrap();
    let err = service.refresh_registry().unwrap_err().to_string();
    assert!(err.contains("but the signed sha256 is"), "{err}");
    assert_eq!(version_on(&service, f.today).unwrap(), "1.0.0");
    // Repaired: the swap happens, and the request that started before it
    // still decides on the set it took.
    std::fs::write(&stored, &v2).unwrap();
    service.refresh_registry().unwrap();
    assert_eq!(version_on(&service, f.today).unwrap(), "1.1.0");
    let date = f.today.to_string().parse().unwrap();
    assert_eq!(in_flight.for_case("330105", date).unwrap().info().version, "1.0.0");
}

#[test]
fn the_station_serves_its_registry_as_a_static_tuf_repository() {
    let f = fixture();
    let v1 = f.publish_version("1.0.0", f.today);
    f.certify(&v1);
    let service = f.station();
    let http = station::Station::serve(service);
    let client = &http.client;
    let r = client.get("/registry/metadata/timestamp.json").dispatch();
    assert_eq!(r.status(), rocket::http::Status::Ok);
    assert_eq!(r.into_bytes().unwrap(), std::fs::read(f.dir().join("metadata/timestamp.json")).unwrap());
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&v1));
    let r = client.get(format!("/registry/targets/districts/330105/{sha}.hangzhou-gongshu-1.0.0.wasm")).dispatch();
    assert_eq!(r.into_bytes().unwrap(), v1);
    // Nothing outside metadata/ and targets/, and nothing outside the directory.
    std::fs::write(f.dir().join("notes.txt"), "private").unwrap();
    for path in [
        "/registry/notes.txt",
        "/registry/metadata/../notes.txt",
        "/registry/metadata/%2e%2e/notes.txt",
        "/registry/targets/../../data/juzhu.db",
    ] {
        let r = client.get(path).dispatch();
        assert_ne!(r.status(), rocket::http::Status::Ok, "{path}");
        assert_ne!(r.into_string().unwrap_or_default(), "private", "{path}");
    }
}

/// A static file server on a random loopback port, stopped on drop.
struct StaticServer(std::process::Child, u16);

impl StaticServer {
    fn start(dir: &Path) -> Self {
        use std::io::BufRead;
        let mut child = std::process::Command::new("python3")
            .args(["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory"])
            .arg(dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
        let port = line.split(" port ").nth(1).and_then(|r| r.split_whitespace().next()).and_then(|p| p.parse().ok());
        StaticServer(child, port.unwrap_or_else(|| panic!("no port in {line:?}")))
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_station_follows_a_registry_served_by_any_static_file_server() {
    let f = fixture();
    let v1 = f.publish_version("1.0.0", f.today);
    f.certify(&v1);
    let server = StaticServer::start(f.dir());
    let mut config = f.config();
    config.registry.location = Some(PathBuf::from(format!("http://127.0.0.1:{}/", server.1)));
    let service = juzhu_station::server::build(&config).unwrap().0;
    assert_eq!(version_on(&service, f.today).unwrap(), "1.0.0");
    let v2 = f.publish_version("1.1.0", f.today);
    f.certify(&v2);
    service.refresh_registry().unwrap();
    assert_eq!(version_on(&service, f.today).unwrap(), "1.1.0");
    // A mirror that serves an older timestamp is refused; nothing changes.
    let timestamp = f.dir().join("metadata/timestamp.json");
    let current = std::fs::read(&timestamp).unwrap();
    let v3 = f.publish_version("1.2.0", f.today);
    f.certify(&v3);
    service.refresh_registry().unwrap();
    std::fs::write(&timestamp, &current).unwrap();
    let err = service.refresh_registry().unwrap_err().to_string();
    assert!(err.contains("rollback of timestamp"), "{err}");
    assert_eq!(version_on(&service, f.today).unwrap(), "1.2.0");
}
