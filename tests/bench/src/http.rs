//! HTTP figures against a real `juzhu serve`: evaluate throughput with p50
//! and p99 latency beside a trivial route's (`GET /health`, the ceiling of
//! the HTTP stack on this machine with wrk sharing its cores), the station's
//! peak memory (VmHWM) under the load, and durable submissions per second.
//!
//! The station runs as its own process (this binary's `serve`), on loopback,
//! with its access log on, as an operator would run it. The load comes from
//! `wrk` (Debian package `wrk`, installed by `scripts/bench.sh`) with 64
//! connections. Durability is checked, not assumed: after the submission run
//! the station is killed with SIGKILL and every acknowledged submission must
//! be in the database.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use super::Figure;

/// The jurisdiction the station serves, and the module it loads.
const DIVISION: &str = "330105";
const LEGAL_DATE: &str = "2017-06-15";

/// A `juzhu serve` started for the benchmark; killed when dropped.
pub(super) struct Station {
    child: Child,
    pub(super) dir: tempfile::TempDir,
    pub(super) base: String,
    pub(super) token: String,
}

impl Station {
    /// A station serving the component in `modules` for [`DIVISION`].
    fn start(modules: &Path) -> anyhow::Result<Self> {
        let modules =
            std::fs::canonicalize(modules).with_context(|| format!("modules directory {}", modules.display()))?;
        Self::start_in(
            tempfile::tempdir()?,
            &format!("[modules]\ndir = {modules:?}\njurisdictions = [\"{DIVISION}\"]\n"),
        )
    }

    /// A station in `dir` whose station file ends with `sections`.
    pub(super) fn start_in(dir: tempfile::TempDir, sections: &str) -> anyhow::Result<Self> {
        Self::start_with_token(dir, sections, None)
    }

    /// As [`Station::start_in`]; `known` is the admin token when the store
    /// already has one (a second station on a shared database prints none).
    pub(super) fn start_with_token(
        dir: tempfile::TempDir,
        sections: &str,
        known: Option<String>,
    ) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let config = dir.path().join("station.toml");
        std::fs::write(
            &config,
            format!(
                "listen = \"127.0.0.1:{port}\"\ndata_dir = {:?}\nlog_format = \"json\"\n\n{sections}",
                dir.path().join("data")
            ),
        )?;
        let log = std::fs::File::create(dir.path().join("serve.log"))?;
        let mut child = Command::new(juzhu_binary()?)
            .args(["serve", "--config"])
            .arg(&config)
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .context("cannot start juzhu serve")?;
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        let mut token = known;
        for line in lines.by_ref() {
            let line = line?;
            if let Some(t) = line.strip_prefix("admin token (shown once; keep it safe): ") {
                token = Some(t.trim().to_string());
            }
            if line.starts_with("listening on") {
                break;
            }
        }
        // Keep draining stdout so the station never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        let base = format!("http://127.0.0.1:{port}");
        let mut station = Station { child, dir, base, token: String::new() };
        station.token = match token {
            Some(token) => token,
            None => bail!("juzhu serve printed no admin token; its log ends:\n{}", station.log_tail()),
        };
        station.wait_healthy()?;
        Ok(station)
    }

    pub(super) fn log(&self) -> PathBuf {
        self.dir.path().join("serve.log")
    }

    /// The last lines of the station's log, for an error that must say why
    /// the station would not start (the log goes with the temporary dir).
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.log()).unwrap_or_else(|e| format!("(cannot read the log: {e})"));
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    fn database(&self) -> PathBuf {
        self.dir.path().join("data").join(juzhu_station::server::DATABASE)
    }

    fn wait_healthy(&self) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if ureq::get(&format!("{}/health", self.base)).call().is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!("juzhu serve did not answer /health within 60 s; see {}", self.log().display())
    }

    pub(super) fn post(&self, path: &str, body: &serde_json::Value) -> anyhow::Result<serde_json::Value> {
        Ok(ureq::post(&format!("{}{path}", self.base))
            .header("Authorization", &format!("Bearer {}", self.token))
            .send_json(body)
            .with_context(|| format!("POST {path}"))?
            .body_mut()
            .read_json()?)
    }

    pub(super) fn get(&self, path: &str) -> anyhow::Result<serde_json::Value> {
        Ok(ureq::get(&format!("{}{path}", self.base))
            .header("Authorization", &format!("Bearer {}", self.token))
            .call()
            .with_context(|| format!("GET {path}"))?
            .body_mut()
            .read_json()?)
    }

    /// The station's peak resident memory so far (VmHWM of its process), in KiB.
    fn peak_rss_kib(&self) -> anyhow::Result<u64> {
        let path = format!("/proc/{}/status", self.child.id());
        let status = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().strip_suffix("kB"))
            .and_then(|v| v.trim().parse().ok())
            .with_context(|| format!("{path} has no `VmHWM: N kB` line"))
    }

    /// SIGKILL: no shutdown hook, no flush; what is on disk is what survives.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Station {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What one `wrk` run reported.
#[derive(Debug, PartialEq)]
pub struct WrkReport {
    pub requests: u64,
    pub seconds: f64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub non_2xx: u64,
    pub socket_errors: Option<String>,
}

impl WrkReport {
    /// Requests the station answered with 2xx.
    pub fn succeeded(&self) -> u64 {
        self.requests - self.non_2xx
    }
}

/// Reads `wrk --latency` output.
pub fn parse_wrk(output: &str) -> anyhow::Result<WrkReport> {
    let latency = |label: &str| -> anyhow::Result<f64> {
        let line = output
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with(label))
            .with_context(|| format!("wrk printed no {label} latency line:\n{output}"))?;
        let value = line.split_whitespace().nth(1).unwrap_or("");
        let (number, scale) = if let Some(n) = value.strip_suffix("us") {
            (n, 1e-3)
        } else if let Some(n) = value.strip_suffix("ms") {
            (n, 1.0)
        } else if let Some(n) = value.strip_suffix('s') {
            (n, 1e3)
        } else {
            bail!("wrk latency `{value}` has no unit (us, ms, s)")
        };
        Ok(number.parse::<f64>().with_context(|| format!("wrk latency `{value}`"))? * scale)
    };
    let (requests, seconds) = output
        .lines()
        .find_map(|l| {
            let (n, rest) = l.trim().split_once(" requests in ")?;
            let secs = rest.split(',').next()?.trim().strip_suffix('s')?;
            Some((n.parse::<u64>().ok()?, secs.parse::<f64>().ok()?))
        })
        .with_context(|| format!("wrk printed no `N requests in Ts` line:\n{output}"))?;
    let per_second = output
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:").and_then(|v| v.trim().parse::<f64>().ok()))
        .with_context(|| format!("wrk printed no Requests/sec line:\n{output}"))?;
    let non_2xx = output
        .lines()
        .find_map(|l| l.trim().strip_prefix("Non-2xx or 3xx responses:").and_then(|v| v.trim().parse::<u64>().ok()))
        .unwrap_or(0);
    let socket_errors = output.lines().find(|l| l.trim().starts_with("Socket errors:")).map(|l| l.trim().to_string());
    Ok(WrkReport {
        requests,
        seconds,
        per_second,
        p50_ms: latency("50%")?,
        p99_ms: latency("99%")?,
        non_2xx,
        socket_errors,
    })
}

/// Runs `wrk` POSTing `body` to `url` for `seconds` over `connections`.
pub(super) fn wrk(
    dir: &Path,
    url: &str,
    token: &str,
    body: &serde_json::Value,
    seconds: u64,
    connections: usize,
) -> anyhow::Result<WrkReport> {
    let script = dir.join(format!("post-{}.lua", connections));
    std::fs::write(
        &script,
        format!(
            "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.headers[\"Authorization\"] = \"Bearer {token}\"\nwrk.body = [==[{body}]==]\n"
        ),
    )?;
    run_wrk(url, seconds, connections, &[std::ffi::OsStr::new("--script"), script.as_os_str()])
}

/// Runs `wrk` GETting `url` (no body, no token) for `seconds` over `connections`.
pub(super) fn wrk_get(url: &str, seconds: u64, connections: usize) -> anyhow::Result<WrkReport> {
    run_wrk(url, seconds, connections, &[])
}

fn run_wrk(url: &str, seconds: u64, connections: usize, extra: &[&std::ffi::OsStr]) -> anyhow::Result<WrkReport> {
    let output = Command::new("wrk")
        .args([
            "--threads",
            "1",
            "--connections",
            &connections.to_string(),
            "--duration",
            &format!("{seconds}s"),
            "--timeout",
            "10s",
            "--latency",
        ])
        .args(extra)
        .arg(url)
        .output()
        .context("cannot run wrk; install it with `apt-get install wrk` (scripts/bench.sh does)")?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        bail!("wrk failed: {}{}", text, String::from_utf8_lossy(&output.stderr));
    }
    parse_wrk(&text)
}

/// Measures evaluate throughput and durable submissions.
pub fn measure(modules: &Path, seconds: u64, connections: usize) -> anyhow::Result<(Vec<Figure>, String)> {
    let mut station = Station::start(modules)?;
    let application = serde_json::to_value(super::realistic_application())?;
    let body = serde_json::json!({ "application": application, "legal_date": LEGAL_DATE });

    // The load is only meaningful if each request decides what we think.
    let probe = station.post("/v1/evaluate", &body)?;
    anyhow::ensure!(
        probe["decision"]["outcome"] == "Eligible",
        "the station did not find the benchmark application eligible: {probe}"
    );

    let evaluate =
        wrk(station.dir.path(), &format!("{}/v1/evaluate", station.base), &station.token, &body, seconds, connections)?;
    // The ceiling: the same load on a route that does nothing.
    let trivial = wrk_get(&format!("{}/health", station.base), seconds, connections)?;
    let submit = wrk(
        station.dir.path(),
        &format!("{}/v1/applications", station.base),
        &station.token,
        &body,
        seconds,
        connections,
    )?;
    let peak_kib = station.peak_rss_kib()?;
    station.kill();
    let store = juzhu_store::Store::open(station.database())?;
    let on_disk: u64 = store.conn().query_row("SELECT count(*) FROM applications", [], |r| r.get(0))?;
    let durable = submit.succeeded() as f64 / submit.seconds;

    let errors = |r: &WrkReport| match (&r.socket_errors, r.non_2xx) {
        (None, 0) => "none".to_string(),
        (e, n) => format!("{n} non-2xx; {}", e.as_deref().unwrap_or("no socket errors")),
    };
    let figures = vec![
        Figure::target(
            format!("HTTP evaluate throughput ({connections} connections, loopback)"),
            format!("{:.0} decisions/s", evaluate.succeeded() as f64 / evaluate.seconds),
            "≥ 12,000 decisions/s",
            evaluate.non_2xx == 0 && evaluate.succeeded() as f64 / evaluate.seconds >= 12_000.0,
        ),
        Figure::target(
            "HTTP evaluate latency p50 / p99",
            format!("{:.2} ms / {:.2} ms", evaluate.p50_ms, evaluate.p99_ms),
            "p99 ≤ 10 ms",
            evaluate.p99_ms <= 10.0,
        ),
        Figure::info("HTTP evaluate failed requests", errors(&evaluate)),
        Figure::info(
            format!("HTTP trivial route `GET /health` ({connections} connections, same run): the ceiling"),
            format!(
                "{:.0} requests/s, p50 / p99 {:.2} ms / {:.2} ms; evaluate reaches {:.0}%; failed: {}",
                trivial.succeeded() as f64 / trivial.seconds,
                trivial.p50_ms,
                trivial.p99_ms,
                100.0 * (evaluate.succeeded() as f64 / evaluate.seconds)
                    / (trivial.succeeded() as f64 / trivial.seconds),
                errors(&trivial)
            ),
        ),
        Figure::target(
            "station peak memory under the HTTP load (VmHWM of `juzhu serve`)",
            format!("{:.0} MiB", peak_kib as f64 / 1024.0),
            "≤ 300 MiB",
            peak_kib <= 300 * 1024,
        ),
        Figure::target(
            "durable submissions per second (synchronous=FULL, group commit)",
            format!("{durable:.0} /s"),
            "≥ 4,000 /s",
            submit.non_2xx == 0 && durable >= 4000.0 && on_disk >= submit.succeeded(),
        ),
        Figure::target(
            "submission latency p50 / p99",
            format!("{:.2} ms / {:.2} ms", submit.p50_ms, submit.p99_ms),
            "p99 ≤ 30 ms",
            submit.p99_ms <= 30.0,
        ),
        Figure::info(
            "acknowledged submissions found after kill -9",
            format!(
                "{on_disk} on disk ≥ {} acknowledged: {}",
                submit.succeeded(),
                if on_disk >= submit.succeeded() { "all kept" } else { "LOST SOME" }
            ),
        ),
    ];
    let setup = format!(
        "HTTP figures: `juzhu serve` ({} workers) serving {DIVISION} on loopback with its JSON access log on; `wrk --threads 1 --connections {connections} --duration {seconds}s` on the same machine, POSTing the same application; the trivial route is `GET /health` with the same connections, right after; peak memory is VmHWM from /proc/<pid>/status of `juzhu serve` after the evaluate, trivial-route and submission loads",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    Ok((figures, setup))
}

/// The `juzhu` binary built beside this one (`cargo build --release -p juzhu
/// -p juzhu-bench` puts both in one directory).
fn juzhu_binary() -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe()?;
    let path = me.with_file_name("juzhu");
    if !path.exists() {
        bail!("{} is missing; build it with `cargo build --release -p juzhu`", path.display());
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "Running 5s test @ http://127.0.0.1:8080/v1/evaluate
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.10ms  800.00us  21.33ms   90.00%
    Req/Sec    12.50k   300.00    13.00k    70.00%
  Latency Distribution
     50%  612.00us
     75%    5.50ms
     90%    6.00ms
     99%    1.20s
  62500 requests in 5.00s, 400.00MB read
  Non-2xx or 3xx responses: 3
Requests/sec:  12500.00
Transfer/sec:     80.00MB
";

    #[test]
    fn wrk_output_is_read_with_units() {
        let r = parse_wrk(OUTPUT).unwrap();
        assert_eq!(r.requests, 62500);
        assert_eq!(r.seconds, 5.0);
        assert_eq!(r.per_second, 12500.0);
        assert!((r.p50_ms - 0.612).abs() < 1e-9);
        assert_eq!(r.p99_ms, 1200.0);
        assert_eq!(r.non_2xx, 3);
        assert_eq!(r.succeeded(), 62497);
        assert_eq!(r.socket_errors, None);
    }

    #[test]
    fn wrk_output_without_a_latency_table_is_an_error_naming_it() {
        let err = parse_wrk("  10 requests in 1.00s, 1KB read\nRequests/sec: 10.0\n").unwrap_err();
        assert!(err.to_string().contains("50% latency"), "{err}");
    }
}
