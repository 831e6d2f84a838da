//! The service's metrics, served at `/metrics`.
//!
//! One [`Metrics`] per process, shared in an `Arc`; every method takes `&self`
//! and only touches atomics (plus a read lock to find a label set), so the
//! request path can call it freely.
//!
//! Label values must come from small sets, or the scrape grows without
//! bound: `route` is the route template (`/v1/applications/<id>`), never the
//! path as requested; `module` is the module id; `jurisdiction` a GB/T 2260
//! code the station serves.
//!
//! [`Metrics::encode`] writes the OpenMetrics text format (the Prometheus
//! text format plus `# EOF`); serve it with [`CONTENT_TYPE`].

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

/// The content type of [`Metrics::encode`]'s output; Prometheus reads it
/// with this header.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    jurisdiction: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    module: String,
    function: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ModuleLabels {
    module: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FailureLabels {
    module: String,
    kind: String,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

/// HTTP latency buckets: 100 µs to about 3.3 s, doubling. An evaluate call
/// is well under a millisecond; a durable submission waits for an fsync.
fn http_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.000_1, 2.0, 16))
}

/// Module call buckets: 10 µs to about 5 s, doubling, so that both a
/// microsecond decision and a call cut off at the default 2 s deadline land
/// in a bucket of their own.
fn module_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.000_01, 2.0, 20))
}

/// The service's metrics. Cheap to share: wrap it in an `Arc`.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    http_requests: Family<HttpLabels, Counter>,
    http_duration: Histograms<RouteLabels>,
    decisions: Family<DecisionLabels, Counter>,
    call_duration: Histograms<CallLabels>,
    fuel: Family<ModuleLabels, Counter>,
    failures: Family<FailureLabels, Counter>,
    registry_frozen: Gauge,
    registry_ok: Gauge,
    registry_attempt_at: Gauge,
    registry_success_at: Gauge,
    registry_refusals: Family<ReasonLabels, Counter>,
    shadow_cases: Family<ShadowLabels, Gauge>,
    shadow_changed: Family<ShadowLabels, Gauge>,
    store_commit: Histogram,
    store_batch_writes: Histogram,
    store_commit_failures: Counter,
    store_waiting: Gauge,
}

/// A shadow run: the division, the version shadowed, and the date decided at.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ShadowLabels {
    division: String,
    version: String,
    at: String,
}

/// Why a registry refresh was refused (`juzhu_registry::Error::kind`).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: String,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let http_requests = Family::<HttpLabels, Counter>::default();
        let http_duration = Histograms::<RouteLabels>::new_with_constructor(http_buckets as fn() -> Histogram);
        let decisions = Family::<DecisionLabels, Counter>::default();
        let call_duration = Histograms::<CallLabels>::new_with_constructor(module_buckets as fn() -> Histogram);
        let fuel = Family::<ModuleLabels, Counter>::default();
        let failures = Family::<FailureLabels, Counter>::default();
        let registry_frozen = Gauge::default();
        let registry_ok = Gauge::default();
        let registry_attempt_at = Gauge::default();
        let registry_success_at = Gauge::default();
        let registry_refusals = Family::<ReasonLabels, Counter>::default();
        let shadow_cases = Family::<ShadowLabels, Gauge>::default();
        let shadow_changed = Family::<ShadowLabels, Gauge>::default();
        // A commit is one fsync: 100 µs to about 3.3 s, doubling.
        let store_commit = Histogram::new(exponential_buckets(0.0001, 2.0, 16));
        // Writes per batch: 1 to 1024, doubling.
        let store_batch_writes = Histogram::new(exponential_buckets(1.0, 2.0, 11));
        let store_commit_failures = Counter::default();
        let store_waiting = Gauge::default();

        // Names are given without the `_total` suffix and the unit; the
        // encoder appends both (`juzhu_http_requests_total`,
        // `juzhu_http_request_duration_seconds`).
        let mut registry = Registry::default();
        registry.register(
            "juzhu_http_requests",
            "HTTP requests answered, by method, route and status",
            http_requests.clone(),
        );
        registry.register_with_unit(
            "juzhu_http_request_duration",
            "Time to answer an HTTP request, by route",
            Unit::Seconds,
            http_duration.clone(),
        );
        registry.register("juzhu_decisions", "Recorded decisions, by jurisdiction and outcome", decisions.clone());
        registry.register_with_unit(
            "juzhu_module_call_duration",
            "Time of one policy-module call, sandbox included, by module and exported function",
            Unit::Seconds,
            call_duration.clone(),
        );
        registry.register(
            "juzhu_module_fuel",
            "Fuel consumed by policy-module calls, by module (counted only by a fuel-metered runtime; the station serves by deadline, so 0 there)",
            fuel.clone(),
        );
        registry.register(
            "juzhu_module_traps",
            "Policy-module calls that failed, by module and kind (out_of_fuel, timeout, memory_limit, trap, result_too_large)",
            failures.clone(),
        );
        registry.register(
            "juzhu_registry_frozen",
            "1 while the registry's metadata is stale (frozen) and no new module activates, else 0",
            registry_frozen.clone(),
        );
        registry.register(
            "juzhu_registry_last_refresh_ok",
            "1 when the last registry refresh was verified and applied, 0 when it was refused (or none has run)",
            registry_ok.clone(),
        );
        registry.register_with_unit(
            "juzhu_registry_last_attempt_timestamp",
            "When the last registry refresh was attempted, as Unix time",
            Unit::Seconds,
            registry_attempt_at.clone(),
        );
        registry.register_with_unit(
            "juzhu_registry_last_success_timestamp",
            "When a registry refresh last succeeded, as Unix time",
            Unit::Seconds,
            registry_success_at.clone(),
        );
        registry.register(
            "juzhu_registry_refusals",
            "Registry refreshes refused, by reason (expired, signature_threshold, rollback, hash_mismatch, io, malformed, ...)",
            registry_refusals.clone(),
        );
        registry.register(
            "juzhu_shadow_cases",
            "Recorded cases the last shadow run of a pending version decided, by division, version and date decided at",
            shadow_cases.clone(),
        );
        registry.register(
            "juzhu_shadow_changed",
            "Of those, the cases whose outcome the pending version would change",
            shadow_changed.clone(),
        );
        registry.register_with_unit(
            "juzhu_store_commit_duration",
            "Time to commit one batch of writes (its fsync), the latency every durable write waits for",
            Unit::Seconds,
            store_commit.clone(),
        );
        registry.register(
            "juzhu_store_batch_writes",
            "Writes committed together in one batch (group commit)",
            store_batch_writes.clone(),
        );
        registry.register(
            "juzhu_store_commit_failures",
            "Batches whose commit failed (every write in them was refused, nothing kept)",
            store_commit_failures.clone(),
        );
        registry.register(
            "juzhu_store_waiting",
            "Writers waiting now for the store's connection (the station writes through one connection; a standing queue means the disk is the bottleneck)",
            store_waiting.clone(),
        );
        Metrics {
            registry,
            http_requests,
            http_duration,
            decisions,
            call_duration,
            fuel,
            failures,
            registry_frozen,
            registry_ok,
            registry_attempt_at,
            registry_success_at,
            registry_refusals,
            shadow_cases,
            shadow_changed,
            store_commit,
            store_batch_writes,
            store_commit_failures,
            store_waiting,
        }
    }

    /// Records what the store's write queue reports.
    pub fn store(&self, o: juzhu_store::group_commit::Observation) {
        use juzhu_store::group_commit::Observation;
        match o {
            Observation::Waiting(n) => {
                self.store_waiting.set(n as i64);
            }
            Observation::Committed { writes, commit, ok } => {
                self.store_commit.observe(commit.as_secs_f64());
                self.store_batch_writes.observe(writes as f64);
                if !ok {
                    self.store_commit_failures.inc();
                }
            }
        }
    }

    /// Records a shadow run of `version` of `division`'s module: `cases`
    /// decided at `at` (`legal_date` or `effective_date`), `changed` of them
    /// with another outcome.
    pub fn shadow(&self, division: &str, version: &str, at: &str, cases: usize, changed: usize) {
        let labels = ShadowLabels { division: division.to_string(), version: version.to_string(), at: at.to_string() };
        self.shadow_cases.get_or_create(&labels).set(cases as i64);
        self.shadow_changed.get_or_create(&labels).set(changed as i64);
    }

    /// Records one answered HTTP request. `route` is the route template.
    pub fn http_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        self.http_requests
            .get_or_create(&HttpLabels { method: method.to_string(), route: route.to_string(), status })
            .inc();
        self.http_duration.get_or_create(&RouteLabels { route: route.to_string() }).observe(elapsed.as_secs_f64());
    }

    /// Records one recorded decision (not a what-if evaluation).
    pub fn decision(&self, jurisdiction: &str, outcome: &str) {
        self.decisions
            .get_or_create(&DecisionLabels { jurisdiction: jurisdiction.to_string(), outcome: outcome.to_string() })
            .inc();
    }

    /// Records one completed module call and the fuel it consumed.
    pub fn module_call(&self, module: &str, function: &str, elapsed: Duration, fuel: u64) {
        self.call_duration
            .get_or_create(&CallLabels { module: module.to_string(), function: function.to_string() })
            .observe(elapsed.as_secs_f64());
        self.fuel.get_or_create(&ModuleLabels { module: module.to_string() }).inc_by(fuel);
    }

    /// Records one failed module call; `kind` names the limit hit or
    /// `"trap"`: `out_of_fuel`, `timeout`, `memory_limit`, `trap`,
    /// `result_too_large`.
    pub fn module_failure(&self, module: &str, kind: &str) {
        self.failures.get_or_create(&FailureLabels { module: module.to_string(), kind: kind.to_string() }).inc();
    }

    /// Sets whether the registry is frozen (its timestamp metadata expired).
    pub fn registry_frozen(&self, frozen: bool) {
        self.registry_frozen.set(i64::from(frozen));
    }

    /// Records a registry refresh: `Ok` when verified and applied, or the
    /// kind of refusal. An operator alerts on `last_refresh_ok == 0` or on a
    /// stale `last_success_timestamp`.
    pub fn registry_refresh(&self, outcome: Result<(), &str>) {
        let now = jiff::Timestamp::now().as_second();
        self.registry_attempt_at.set(now);
        match outcome {
            Ok(()) => {
                self.registry_ok.set(1);
                self.registry_success_at.set(now);
            }
            Err(reason) => {
                self.registry_ok.set(0);
                self.registry_refusals.get_or_create(&ReasonLabels { reason: reason.to_string() }).inc();
            }
        }
    }

    /// Everything, in the text format named by [`CONTENT_TYPE`].
    pub fn encode(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use super::*;

    /// One sample line: metric name, labels, value.
    #[derive(Debug, PartialEq)]
    struct Sample {
        name: String,
        labels: BTreeMap<String, String>,
        value: f64,
    }

    /// Parses the sample lines of the text format (comments skipped).
    fn samples(text: &str) -> Vec<Sample> {
        text.lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|line| {
                let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("no value in {line:?}"));
                let value: f64 = value.parse().unwrap_or_else(|_| panic!("bad value in {line:?}"));
                let (name, labels) = match series.split_once('{') {
                    None => (series, BTreeMap::new()),
                    Some((name, rest)) => {
                        let body = rest.strip_suffix('}').unwrap_or_else(|| panic!("unclosed labels in {line:?}"));
                        let labels = body
                            .split(',')
                            .map(|pair| {
                                let (k, v) = pair.split_once('=').unwrap();
                                let v = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap();
                                (k.to_string(), v.to_string())
                            })
                            .collect();
                        (name, labels)
                    }
                };
                Sample { name: name.to_string(), labels, value }
            })
            .collect()
    }

    /// The value of the one sample with this name and exactly these labels.
    fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
        let want: BTreeMap<String, String> = labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let found: Vec<_> = samples.iter().filter(|s| s.name == name && s.labels == want).collect();
        assert_eq!(found.len(), 1, "expected one sample {name}{want:?}, got {found:?}");
        found[0].value
    }

    #[test]
    fn metrics_are_shareable() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Metrics>();
        send_sync::<Arc<Metrics>>();
    }

    #[test]
    fn encodes_recorded_values() {
        let m = Metrics::new();
        m.http_request("POST", "/v1/evaluate", 200, Duration::from_micros(300));
        m.http_request("POST", "/v1/evaluate", 200, Duration::from_millis(2));
        m.http_request("POST", "/v1/evaluate", 422, Duration::from_micros(50));
        m.decision("330205", "eligible");
        m.decision("330205", "eligible");
        m.decision("350600", "missing_materials");
        m.module_call("ningbo-jiangbei", "decide", Duration::from_micros(40), 1_500);
        m.module_call("ningbo-jiangbei", "decide", Duration::from_micros(60), 2_500);
        m.module_failure("hostile", "out_of_fuel");
        m.module_failure("hostile", "out_of_fuel");
        m.module_failure("hostile", "timeout");
        m.registry_frozen(true);

        let text = m.encode();
        assert!(text.ends_with("# EOF\n"), "{text}");
        let s = samples(&text);

        let req = "juzhu_http_requests_total";
        assert_eq!(value(&s, req, &[("method", "POST"), ("route", "/v1/evaluate"), ("status", "200")]), 2.0);
        assert_eq!(value(&s, req, &[("method", "POST"), ("route", "/v1/evaluate"), ("status", "422")]), 1.0);

        let route = [("route", "/v1/evaluate")];
        assert_eq!(value(&s, "juzhu_http_request_duration_seconds_count", &route), 3.0);
        let sum = value(&s, "juzhu_http_request_duration_seconds_sum", &route);
        assert!((sum - 0.00235).abs() < 1e-9, "sum {sum}");
        // 50 µs and 300 µs are at most 0.0004 s; 2 ms is not.
        assert_eq!(
            value(&s, "juzhu_http_request_duration_seconds_bucket", &[("route", "/v1/evaluate"), ("le", "0.0004")]),
            2.0
        );
        assert_eq!(
            value(&s, "juzhu_http_request_duration_seconds_bucket", &[("route", "/v1/evaluate"), ("le", "+Inf")]),
            3.0
        );

        assert_eq!(value(&s, "juzhu_decisions_total", &[("jurisdiction", "330205"), ("outcome", "eligible")]), 2.0);
        assert_eq!(
            value(&s, "juzhu_decisions_total", &[("jurisdiction", "350600"), ("outcome", "missing_materials")]),
            1.0
        );

        let call = [("module", "ningbo-jiangbei"), ("function", "decide")];
        assert_eq!(value(&s, "juzhu_module_call_duration_seconds_count", &call), 2.0);
        assert_eq!(value(&s, "juzhu_module_fuel_total", &[("module", "ningbo-jiangbei")]), 4_000.0);

        assert_eq!(value(&s, "juzhu_module_traps_total", &[("module", "hostile"), ("kind", "out_of_fuel")]), 2.0);
        assert_eq!(value(&s, "juzhu_module_traps_total", &[("module", "hostile"), ("kind", "timeout")]), 1.0);

        assert_eq!(value(&s, "juzhu_registry_frozen", &[]), 1.0);
        m.registry_frozen(false);
        assert_eq!(value(&samples(&m.encode()), "juzhu_registry_frozen", &[]), 0.0);
    }

    #[test]
    fn declares_types() {
        // A family with no label set yet is left out of the output, so
        // record one of each first.
        let m = Metrics::new();
        m.http_request("GET", "/v1/jurisdictions", 200, Duration::from_micros(80));
        m.decision("330000", "eligible");
        m.module_call("zhejiang", "decide", Duration::from_micros(20), 10);
        m.module_failure("zhejiang", "trap");
        let text = m.encode();
        for line in [
            "# TYPE juzhu_http_requests counter",
            "# TYPE juzhu_http_request_duration_seconds histogram",
            "# TYPE juzhu_decisions counter",
            "# TYPE juzhu_module_call_duration_seconds histogram",
            "# TYPE juzhu_module_fuel counter",
            "# TYPE juzhu_module_traps counter",
            "# TYPE juzhu_registry_frozen gauge",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line:?} in:\n{text}");
        }
    }

    #[test]
    fn shared_across_threads() {
        let m = Arc::new(Metrics::new());
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let m = Arc::clone(&m);
                std::thread::spawn(move || {
                    for _ in 0..250 {
                        m.decision("330105", "ineligible");
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        let s = samples(&m.encode());
        assert_eq!(
            value(&s, "juzhu_decisions_total", &[("jurisdiction", "330105"), ("outcome", "ineligible")]),
            1000.0
        );
    }
}
