//! A structure-aware request fuzzer against a live station (Rocket's local
//! client, real modules, a real database). Requests are derived from
//! `openapi.json` (every path and method, its parameters and body schema,
//! with a valid application standing in for the loosely typed `Application`)
//! and then mutated: fields dropped, added, retyped, dates pushed to the
//! edges, bodies replaced by arrays, nulls or broken JSON, wrong tokens.
//!
//! Invariants, checked on every request:
//! - never a 5xx, except 503 `card_unavailable` (this station has no card
//!   authority key, so card issuance is unavailable by configuration);
//! - every 4xx carries a JSON error with a code and a message;
//! - never a write on a 4xx: the audit head is unchanged;
//!
//! and at the end: the audit chain and its record commitments verify, and a
//! signed checkpoint of the head verifies and reaches the chain.
//!
//! Deterministic: the seed is printed and can be replayed with
//! `JUZHU_FUZZ_SEED`; `JUZHU_FUZZ_REQUESTS` sets the count (default 5000).

use std::path::Path;
use std::sync::Arc;

use juzhu_runtime::module_set::ModuleSet;
use juzhu_runtime::{Runtime, SandboxLimits};
use juzhu_station::auth::{self, Role};
use juzhu_station::checkpoint::{self, Checkpointer};
use juzhu_station::http::{Limits, app};
use juzhu_station::service::Service;
use juzhu_store::Store;
use rocket::http::{ContentType, Header, Method};
use rocket::local::blocking::Client;
use serde_json::{Map, Value, json};

const DEFAULT_SEED: u64 = 0x6a75_7a68_7531_3135;

/// splitmix64: small, seedable, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

/// A Gongshu applicant eligible on 2017-06-15 through employment (as in api.rs).
fn application() -> Value {
    juzhu_test_support::ApplicationBuilder::gongshu_employed().json()
}

const DATES: &[&str] = &[
    "2017-06-15",
    "2017-06-20",
    "2018-02-20",
    "2018-03-12",
    "2018-04-01",
    "2019-06-15",
    "2016-01-01",
    "2017-02-29",
    "2023-02-30",
    "0000-01-01",
    "1000-06-15",
    "9999-12-31",
    "99999-01-01",
    "2017-6-15",
    "2017-06-15T00:00:00Z",
    "",
    "today",
    "２０１７-06-15",
];

const STRINGS: &[&str] = &[
    "",
    " ",
    "330105",
    "330402",
    "110105",
    "../../etc/passwd",
    "%00",
    "null",
    "王伟",
    "\u{202e}evil",
    "'; DROP TABLE permits; --",
    "1.0.0",
    "9.9.9",
    "memory",
    "desk-1",
    "340102198503150012",
];

/// Everything the fuzzer knows about the running station.
struct Ctx {
    schemas: Value,
    decisions: Vec<i64>,
    permits: Vec<String>,
}

/// A value for `schema`, following `$ref`s; `Application` is the valid
/// applicant, since its schema types the nested records only as objects.
fn generate(ctx: &Ctx, rng: &mut Rng, schema: &Value, depth: usize) -> Value {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap();
        if name == "Application" {
            return application();
        }
        return generate(ctx, rng, &ctx.schemas[name], depth + 1);
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return rng.pick(values).clone();
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") => {
            let mut map = Map::new();
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str())
                .collect();
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (k, v) in props {
                    if required.contains(&k.as_str()) || rng.chance(70) {
                        map.insert(k.clone(), generate(ctx, rng, v, depth + 1));
                    }
                }
            }
            Value::Object(map)
        }
        Some("array") if depth < 4 => {
            let items = schema.get("items").cloned().unwrap_or(json!({}));
            Value::Array((0..rng.below(3)).map(|_| generate(ctx, rng, &items, depth + 1)).collect())
        }
        Some("array") => json!([]),
        Some("integer") => json!(*rng.pick(&[0i64, 1, 2, 3, 10, 1000])),
        Some("boolean") => json!(rng.chance(50)),
        // The applicant is eligible on 2017-06-15: favour it to reach issuing.
        Some("string") if schema.get("format").and_then(Value::as_str) == Some("date") && rng.chance(40) => {
            json!("2017-06-15")
        }
        Some("string") if schema.get("format").and_then(Value::as_str) == Some("date") => json!(rng.pick(DATES)),
        Some("string") => json!(rng.pick(STRINGS)),
        _ => Value::Null,
    }
}

/// Paths of every object and array inside `v`, as JSON pointers.
fn containers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            out.push(at.clone());
            for (k, c) in map {
                containers(c, format!("{at}/{k}"), out);
            }
        }
        Value::Array(items) => {
            out.push(at.clone());
            for (i, c) in items.iter().enumerate() {
                containers(c, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn odd_value(rng: &mut Rng) -> Value {
    match rng.below(12) {
        0 => Value::Null,
        1 => json!([]),
        2 => json!({}),
        3 => json!(-1),
        4 => json!(u64::MAX),
        5 => json!(1e308),
        6 => json!("x".repeat(rng.below(5000))),
        7 => json!(true),
        8 => json!(rng.pick(DATES)),
        9 => json!(rng.pick(STRINGS)),
        10 => json!(i64::MIN),
        _ => json!({ "nested": [[[[{}]]]] }),
    }
}

/// One structural mutation somewhere inside `body`.
fn mutate(rng: &mut Rng, body: &mut Value) {
    let mut spots = Vec::new();
    containers(body, String::new(), &mut spots);
    if spots.is_empty() {
        *body = odd_value(rng);
        return;
    }
    let spot = rng.pick(&spots).clone();
    let target = body.pointer_mut(&spot).expect("a container found above");
    match target {
        Value::Object(map) if !map.is_empty() && rng.chance(60) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            let key = rng.pick(&keys).clone();
            match rng.below(3) {
                0 => {
                    map.remove(&key);
                }
                1 => {
                    map.insert(key, odd_value(rng));
                }
                _ => {
                    let v = map.remove(&key).unwrap();
                    map.insert(format!("{key}_"), v);
                }
            }
        }
        Value::Object(map) => {
            map.insert(rng.pick(&["unknown", "legal_date", "issued_on", "encoder", "x"]).to_string(), odd_value(rng));
        }
        Value::Array(items) if !items.is_empty() && rng.chance(50) => {
            let i = rng.below(items.len());
            if rng.chance(50) {
                items.remove(i);
            } else {
                let copy = items[i].clone();
                items.push(copy);
            }
        }
        other => *other = odd_value(rng),
    }
}

fn fill_path(ctx: &Ctx, rng: &mut Rng, template: &str) -> String {
    let mut out = String::new();
    for seg in template.split('/').skip(1) {
        out.push('/');
        let value = match seg {
            "{id}" if !ctx.decisions.is_empty() && rng.chance(60) => rng.pick(&ctx.decisions).to_string(),
            "{id}" => rng.pick(&["0", "-1", "99999999999999999999", "abc", "1"]).to_string(),
            "{number}" if !ctx.permits.is_empty() && rng.chance(70) => rng.pick(&ctx.permits).clone(),
            "{number}" => rng
                .pick(&["330105-2017-000009", "340102198503150012", "x", "%2e%2e", "330105-2017-00000%31"])
                .to_string(),
            "{kind}" => rng.pick(&["issue", "reissue", "endorse", "burn"]).to_string(),
            "{division}" => rng.pick(&["330105", "330402", "999999", "33010"]).to_string(),
            "{path}" => rng.pick(&["1.root.json", "timestamp.json", "..%2f..%2fjuzhu.db", "x"]).to_string(),
            s => s.to_string(),
        };
        out.push_str(&value);
    }
    out
}

fn query(ctx: &Ctx, rng: &mut Rng, op: &Value) -> String {
    let mut parts = Vec::new();
    for p in op.get("parameters").and_then(Value::as_array).into_iter().flatten() {
        if p["in"] != "query" || !rng.chance(60) {
            continue;
        }
        let name = p["name"].as_str().unwrap();
        let value = match p["schema"]["type"].as_str() {
            Some("integer") => rng.pick(&["0", "5", "-3", "1001", "abc", "18446744073709551616"]).to_string(),
            _ => rng.pick(DATES).to_string(),
        };
        parts.push(format!("{name}={value}"));
    }
    let _ = ctx;
    if parts.is_empty() { String::new() } else { format!("?{}", parts.join("&")) }
}

fn head(service: &Service) -> Option<(i64, String)> {
    service.with_store(|st| juzhu_store::audit_head(st.conn()).unwrap())
}

#[test]
fn fuzz_requests_derived_from_openapi_keep_the_invariants() {
    let seed = std::env::var("JUZHU_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_SEED);
    let count: usize = std::env::var("JUZHU_FUZZ_REQUESTS").ok().and_then(|s| s.parse().ok()).unwrap_or(5000);
    let mut rng = Rng(seed);

    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("juzhu.db")).unwrap();
    let tokens = [
        auth::create(&mut store, "test", "clerk-li", Role::Clerk).unwrap(),
        auth::create(&mut store, "test", "supervisor-wang", Role::Supervisor).unwrap(),
        auth::create(&mut store, "test", "admin", Role::Admin).unwrap(),
    ];
    let runtime = Runtime::new(SandboxLimits::default(), None).unwrap();
    let mut set = ModuleSet::default();
    for name in ["hangzhou-gongshu", "jiaxing"] {
        let path = juzhu_runtime::module_build::build(
            workspace(),
            &workspace().join("plugins").join(name),
            &workspace().join(juzhu_runtime::module_build::OUTPUT_DIR),
        )
        .unwrap();
        set.insert(runtime.load(&path.display().to_string(), &std::fs::read(&path).unwrap()).unwrap()).unwrap();
    }
    let service = Arc::new(Service::new(runtime, set, store).unwrap());
    let figment = rocket::Config::figment().merge(("log_level", "off"));
    let client = Client::tracked(app(service.clone(), Limits { max_body_bytes: 64 * 1024 }, figment)).unwrap();

    let openapi: Value = serde_json::from_str(include_str!("../station/src/http/openapi.json")).unwrap();
    let mut ctx = Ctx { schemas: openapi["components"]["schemas"].clone(), decisions: vec![], permits: vec![] };
    let mut ops: Vec<(String, String, Value)> = Vec::new();
    for (path, item) in openapi["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            // Writes weigh three times: they are where a 4xx could still write.
            let weight = if method == "get" { 1 } else { 3 };
            for _ in 0..weight {
                ops.push((path.clone(), method.to_uppercase(), op.clone()));
            }
        }
    }

    let mut by_status = std::collections::BTreeMap::<u16, usize>::new();
    let mut failures = Vec::new();
    for i in 0..count {
        let (template, method, op) = rng.pick(&ops).clone();
        let path = format!("{}{}", fill_path(&ctx, &mut rng, &template), query(&ctx, &mut rng, &op));
        let body_schema = op.pointer("/requestBody/content/application~1json/schema").cloned();
        let mut body = body_schema.as_ref().map(|s| generate(&ctx, &mut rng, s, 0));
        // A third of the requests go as generated: they reach the deep paths.
        if let Some(b) = body.as_mut()
            && rng.chance(66)
        {
            for _ in 0..=rng.below(3) {
                mutate(&mut rng, b);
            }
        }
        let mut bytes = body.as_ref().map(Value::to_string).unwrap_or_default().into_bytes();
        // Cut anywhere, mid-character too: bodies that are not even UTF-8.
        if rng.chance(4) {
            bytes.truncate(rng.below(bytes.len() + 1));
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let method = if rng.chance(3) { rng.pick(&["GET", "POST", "DELETE", "PUT"]).to_string() } else { method };
        let auth = match rng.below(20) {
            0 => None,
            1 => Some("Bearer jz_not-a-token".to_string()),
            2 => Some(format!("Basic {}", tokens[0])),
            3 => Some(format!("Bearer {}x", tokens[1])),
            // Mostly admin, so that issuing and transitions are reached.
            4..=7 => Some(format!("Bearer {}", tokens[0])),
            8..=10 => Some(format!("Bearer {}", tokens[1])),
            _ => Some(format!("Bearer {}", tokens[2])),
        };
        let before = head(&service);
        let mut req = client.req(method.parse::<Method>().expect("a known method"), path.clone());
        if let Some(a) = auth {
            req.add_header(Header::new("Authorization", a));
        }
        if !bytes.is_empty() || rng.chance(10) {
            req.add_header(if rng.chance(95) { ContentType::JSON } else { ContentType::Plain });
            req.set_body(bytes);
        }
        let res = req.dispatch();
        let status = res.status().code;
        let answer: Value = res.into_string().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or(Value::Null);
        *by_status.entry(status).or_default() += 1;
        let after = head(&service);
        let what = format!("#{i} {method} {path} {text:.300} -> {status} {answer:.300}");
        if status >= 500 && !(status == 503 && answer["error"]["code"] == "card_unavailable") {
            failures.push(format!("5xx: {what}"));
        }
        if (400..500).contains(&status) {
            if before != after {
                failures.push(format!("a {status} wrote (audit head {before:?} -> {after:?}): {what}"));
            }
            let message = answer["error"]["message"].as_str().unwrap_or("");
            if answer["error"]["code"].as_str().is_none() || message.is_empty() {
                failures.push(format!("a {status} without a JSON error naming what is wrong: {what}"));
            }
        }
        if status < 300 {
            // Eligible decisions are the ones a permit can be issued from.
            if let Some(id) = answer["decision_id"].as_i64().filter(|_| answer["outcome"] == "Eligible") {
                ctx.decisions.push(id);
            }
            if let Some(n) = answer["number"].as_str() {
                ctx.permits.push(n.to_string());
            }
        }
    }

    let report = service.with_store(|st| st.verify_audit_report()).expect("the audit chain verifies after fuzzing");
    // Sign the head as the station would, and check the checkpoint against the chain.
    let config = juzhu_station::config::StationConfig { data_dir: dir.path().to_path_buf(), ..Default::default() };
    let db = dir.path().join("juzhu.db");
    let cp = service.with_store(|st| {
        let signer = Checkpointer::open(&config, &db, st.conn()).unwrap();
        let cp = signer.sign_now(st.conn()).unwrap().expect("the fuzzer wrote entries");
        checkpoint::check_chain(st.conn(), &cp).unwrap();
        cp.verify(&signer.public_key()).unwrap();
        cp
    });
    let served =
        client.get("/v1/audit/checkpoints").header(Header::new("Authorization", format!("Bearer {}", tokens[1])));
    let served: Vec<checkpoint::Checkpoint> = served.dispatch().into_json().expect("checkpoints served as JSON");
    assert_eq!(served.last(), Some(&cp));
    let denied =
        client.get("/v1/audit/checkpoints").header(Header::new("Authorization", format!("Bearer {}", tokens[0])));
    assert_eq!(denied.dispatch().status().code, 403, "a clerk may not read checkpoints");

    println!(
        "request fuzzer: seed {seed}, {count} requests generated, statuses {by_status:?}; {} decisions, {} permits; audit: {} entries, {} records verified; {} invariant violations",
        ctx.decisions.len(),
        ctx.permits.len(),
        report.entries,
        report.records,
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} invariant violations, first 20:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
    assert!(ctx.decisions.len() >= 5 && ctx.permits.len() >= 2, "the fuzzer reached too few writes to mean much");
}
