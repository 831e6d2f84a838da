//! Durable submissions on PostgreSQL (issue 14): one station, then two
//! stations writing to one database at once, beside the SQLite figure of
//! [`super::http`]. The server is Debian's PostgreSQL, started for the run
//! as an unprivileged user in a temporary directory on a loopback port and
//! stopped after (`juzhu_test_support::postgres`). Every acknowledged
//! submission is counted in the database afterwards, and the shared audit
//! trail must verify.

use std::path::Path;

use anyhow::Context;
use juzhu_store::db::Db;
use juzhu_test_support::postgres::PgServer;

use super::Figure;
use super::http::{Station, WrkReport, wrk};

const DIVISION: &str = "330105";
const LEGAL_DATE: &str = "2017-06-15";

/// A station on `url`, named `name`; `token` is the admin token of a station
/// already on the database (only the first start prints one).
fn station(modules: &Path, url: &str, name: &str, token: Option<&str>) -> anyhow::Result<Station> {
    let modules = std::fs::canonicalize(modules)?;
    let sections = format!(
        "[modules]\ndir = {modules:?}\njurisdictions = [\"{DIVISION}\"]\n\n[store]\nurl = \"{url}\"\n\n[audit]\nstation_name = \"{name}\"\n"
    );
    Station::start_with_token(tempfile::tempdir()?, &sections, token.map(str::to_string))
}

fn per_second(reports: &[&WrkReport]) -> f64 {
    let seconds = reports.iter().map(|r| r.seconds).fold(0.0, f64::max);
    reports.iter().map(|r| r.succeeded()).sum::<u64>() as f64 / seconds
}

/// Measures durable submissions per second on PostgreSQL, one station and two.
pub fn measure(modules: &Path, seconds: u64, connections: usize) -> anyhow::Result<(Vec<Figure>, String)> {
    let server = PgServer::start();
    let application = serde_json::to_value(super::realistic_application())?;
    let body = serde_json::json!({ "application": application, "legal_date": LEGAL_DATE });

    // One station alone.
    let one_url = server.database();
    let alone = station(modules, &one_url, "hall-a", None)?;
    let single =
        wrk(alone.dir.path(), &format!("{}/v1/applications", alone.base), &alone.token, &body, seconds, connections)?;
    drop(alone);

    // Two stations on one database, each with half the connections, at once.
    let url = server.database();
    let a = station(modules, &url, "hall-a", None)?;
    let b = station(modules, &url, "hall-b", Some(&a.token))?;
    let half = (connections / 2).max(1);
    let run =
        |st: &Station| wrk(st.dir.path(), &format!("{}/v1/applications", st.base), &st.token, &body, seconds, half);
    let (ra, rb) = std::thread::scope(|s| {
        let ha = s.spawn(|| run(&a));
        let hb = s.spawn(|| run(&b));
        (ha.join().expect("wrk thread"), hb.join().expect("wrk thread"))
    });
    let (ra, rb) = (ra?, rb?);
    drop((a, b));
    let store = juzhu_store::Store::connect(&juzhu_store::Location::Postgres {
        url: url.clone(),
        files: std::env::temp_dir().join("juzhu-bench-pg.db"),
    })
    .context("reading the benchmark database back")?;
    let on_disk = store.query_one("SELECT count(*) FROM applications", &[])?.int(0)? as u64;
    let entries = store.verify_audit().map_err(|e| anyhow::anyhow!("the shared audit trail does not verify: {e}"))?;
    let acknowledged = ra.succeeded() + rb.succeeded();
    let two = per_second(&[&ra, &rb]);
    let failed = single.non_2xx + ra.non_2xx + rb.non_2xx;
    let figures = vec![
        Figure::info(
            "durable submissions per second, PostgreSQL, one station (synchronous_commit=on, group commit)",
            format!("{:.0} /s, p99 {:.2} ms", per_second(&[&single]), single.p99_ms),
        ),
        Figure::info(
            "durable submissions per second, PostgreSQL, two stations on one database at once",
            format!("{two:.0} /s (p99 {:.2} ms / {:.2} ms); {failed} failed", ra.p99_ms, rb.p99_ms),
        ),
        Figure::info(
            "acknowledged by the two stations, found in PostgreSQL; shared audit trail",
            format!(
                "{on_disk} ≥ {acknowledged}: {}; {entries} entries verify",
                if on_disk >= acknowledged { "all kept" } else { "LOST SOME" }
            ),
        ),
    ];
    let setup = format!(
        "PostgreSQL figures: Debian's PostgreSQL started for the run (loopback, temporary data directory); each `juzhu serve` with `[store] url` on it; `wrk --connections {connections}` for one station, {half} per station for two at once, {seconds}s, POSTing the HTTP figures' application to /v1/applications"
    );
    Ok((figures, setup))
}
