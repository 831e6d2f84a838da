//! The station as the HTTP tests meet it: a [`Service`] over a temporary
//! store with real components, behind Rocket's local client.
//!
//! The API, card and registry tests each wired the same runtime, module set,
//! store, tokens and Rocket client; a change to how a station is put
//! together (a new limit, a fairing) now lands here once.

use std::path::Path;
use std::sync::{Arc, Mutex};

use juzhu_runtime::module_set::ModuleSet;
use juzhu_runtime::{Runtime, SandboxLimits};
use juzhu_station::auth::{self, Role};
use juzhu_station::config::LogFormat;
use juzhu_station::http::access_log::AccessLog;
use juzhu_station::http::{Limits, app};
use juzhu_station::service::Service;
use juzhu_store::Store;
use rocket::http::{Header, Status};
use rocket::local::blocking::Client;
use serde_json::Value;

/// The body limit every test station runs with.
pub const MAX_BODY_BYTES: u64 = 64 * 1024;

/// The modules `names` (see [`crate::component`]), loaded by a runtime with
/// default limits into one set.
pub fn module_set(runtime: &Runtime, names: &[&str]) -> ModuleSet {
    let mut set = ModuleSet::default();
    for name in names {
        let path = crate::component(name);
        let module = runtime.load(&path.display().to_string(), &std::fs::read(&path).unwrap()).unwrap();
        set.insert(module).unwrap();
    }
    set
}

/// A service over `store` with the modules `names` in force.
pub fn service(store: Store, names: &[&str]) -> Service {
    let runtime = Runtime::new(SandboxLimits::default(), None).unwrap();
    let set = module_set(&runtime, names);
    Service::new(runtime, set, store).unwrap()
}

/// The store `dir/juzhu.db`, as a station keeps it.
pub fn store_in(dir: &Path) -> Store {
    Store::open(dir.join("juzhu.db")).unwrap()
}

/// The audit chain's length, verified.
pub fn audit_len(service: &Service) -> usize {
    service.with_store(|st| st.verify_audit().unwrap())
}

/// `Authorization: Bearer <token>`.
pub fn bearer(token: &str) -> Header<'static> {
    Header::new("Authorization", format!("Bearer {token}"))
}

/// A clerk's token (`clerk-li`) and a supervisor's (`supervisor-wang`).
fn tokens(store: &mut Store) -> (String, String) {
    let clerk = auth::create(store, "test", "clerk-li", Role::Clerk).unwrap();
    let supervisor = auth::create(store, "test", "supervisor-wang", Role::Supervisor).unwrap();
    (clerk, supervisor)
}

/// A service behind Rocket's local client, with a token per role and the
/// access log captured.
pub struct Station {
    pub client: Client,
    pub service: Arc<Service>,
    /// A clerk's token, `clerk-li`.
    pub clerk: String,
    /// A supervisor's token, `supervisor-wang`.
    pub supervisor: String,
    /// The access log, as JSON lines.
    pub log: Arc<Mutex<Vec<u8>>>,
    _dir: Option<tempfile::TempDir>,
}

impl Station {
    /// The modules `names` over a fresh store in a temporary directory the
    /// station owns; the tokens are created before the service starts.
    pub fn new(names: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_in(dir.path());
        let (clerk, supervisor) = tokens(&mut store);
        let mut station = Self::client(Arc::new(service(store, names)), clerk, supervisor);
        station._dir = Some(dir);
        station
    }

    /// Serves `service` (its store is the caller's), creating the tokens in
    /// its store.
    pub fn serve(service: Arc<Service>) -> Self {
        let (clerk, supervisor) = service.with_store(tokens);
        Self::client(service, clerk, supervisor)
    }

    fn client(service: Arc<Service>, clerk: String, supervisor: String) -> Self {
        let figment = rocket::Config::figment().merge(("log_level", "off"));
        let log = Arc::new(Mutex::new(Vec::new()));
        let rocket = app(service.clone(), Limits { max_body_bytes: MAX_BODY_BYTES }, figment)
            .attach(AccessLog::to(LogFormat::Json, log.clone()));
        let client = Client::tracked(rocket).unwrap();
        Station { client, service, clerk, supervisor, log, _dir: None }
    }

    /// POSTs `body` with `token`: the status and the JSON answer (`null` if
    /// there is none).
    pub fn post(&self, token: &str, path: &str, body: &Value) -> (Status, Value) {
        let r = self.client.post(path).header(bearer(token)).body(body.to_string()).dispatch();
        let status = r.status();
        (status, r.into_json().unwrap_or(Value::Null))
    }

    /// GETs `path` with `token`: the status and the JSON answer (`null` if
    /// there is none).
    pub fn get(&self, token: &str, path: &str) -> (Status, Value) {
        let r = self.client.get(path).header(bearer(token)).dispatch();
        let status = r.status();
        (status, r.into_json().unwrap_or(Value::Null))
    }

    /// The audit chain's length, verified.
    pub fn audit_len(&self) -> usize {
        audit_len(&self.service)
    }
}
