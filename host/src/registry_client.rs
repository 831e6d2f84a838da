//! Follows a signed registry: poll, verify, check, precompile, swap.
//!
//! Each refresh runs the TUF client workflow of `juzhu-registry` against the
//! registry directory, then, for every module that its district and the
//! certification role both signed, checks that the component implements the
//! contract version it claims and imports nothing, and compiles it (a module
//! already in the active set, by sha256, is reused). The new set, with the
//! operators' pins applied, goes into force with one atomic swap: requests in
//! flight finish on the set they started with.
//!
//! A refused update changes nothing. An expired timestamp is a freeze: the
//! active modules keep running, nothing new activates, and the station
//! raises an alert in its log and in `juzhu_registry_frozen` on `/metrics`.

use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::Context;
use serde::Serialize;

use crate::config::StationConfig;
use crate::modules::{ModuleSet, ModuleVersion};
use crate::service::{Service, ServiceError};

/// The file in the data directory that keeps what the station trusts
/// between restarts: the newest verified root and every role's version.
pub const TRUST_STATE: &str = "registry-trust.json";

/// A registry served over HTTP (by `juzhu serve` at `/registry/`, or by any
/// static file server): each file fetched by its path under the base URL.
struct HttpSource {
    base: String,
    agent: ureq::Agent,
}

impl HttpSource {
    fn new(base: &str) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(30)))
            .build()
            .into();
        HttpSource { base: base.trim_end_matches('/').to_string(), agent }
    }
}

impl juzhu_registry::client::Source for HttpSource {
    fn read(&self, path: &str, limit: u64) -> Result<Option<Vec<u8>>, juzhu_registry::Error> {
        use std::io::Read;
        let url = format!("{}/{path}", self.base);
        let io = |detail: String| juzhu_registry::Error::Io { path: url.clone(), detail };
        let response = self.agent.get(&url).call().map_err(|e| io(e.to_string()))?;
        match response.status().as_u16() {
            200 => {}
            404 => return Ok(None),
            other => return Err(io(format!("HTTP status {other}; expected 200 or 404"))),
        }
        let mut bytes = Vec::new();
        response.into_body().into_reader().take(limit + 1).read_to_end(&mut bytes).map_err(|e| io(e.to_string()))?;
        if bytes.len() as u64 > limit {
            return Err(juzhu_registry::Error::TooLarge { file: path.into(), limit });
        }
        Ok(Some(bytes))
    }
}

/// One module version as the registry delivered it.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveredModule {
    pub division: String,
    pub module_id: String,
    pub version: String,
    pub effective_from: String,
    pub sha256: String,
    pub revoked: Option<String>,
}

/// A target that did not become active, and why.
#[derive(Debug, Clone, Serialize)]
pub struct NotActivated {
    pub target: String,
    pub reason: String,
}

/// The outcome of the last refresh, for `GET /v1/registry`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RegistryStatus {
    pub location: String,
    pub last_attempt_at: Option<String>,
    pub last_success_at: Option<String>,
    /// Why the last refresh was refused; the active modules did not change.
    pub last_error: Option<String>,
    /// The timestamp metadata expired: nothing new activates until it is re-signed.
    pub frozen: bool,
    pub root_version: Option<u64>,
    pub timestamp_version: Option<u64>,
    pub timestamp_expires: Option<String>,
    /// Every certified version now in the active set.
    pub modules: Vec<DeliveredModule>,
    /// Published, not yet certified.
    pub pending: Vec<NotActivated>,
    /// Signed entries refused by the client or the host's checks.
    pub rejected: Vec<NotActivated>,
}

/// The registry a station follows, and its trusted state.
pub struct RegistryFollower {
    location: PathBuf,
    state_path: PathBuf,
    jurisdictions: Vec<String>,
    client: Mutex<juzhu_registry::Client>,
    status: Mutex<RegistryStatus>,
}

fn now_text() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl RegistryFollower {
    /// Opens the follower for a station whose config sets `registry.location`.
    pub fn open(config: &StationConfig) -> anyhow::Result<Self> {
        let location = config.registry.location.clone().context("registry.location is not set")?;
        let state_path = config.data_dir.join(TRUST_STATE);
        let client = if state_path.exists() {
            let text = std::fs::read(&state_path).with_context(|| format!("cannot read {}", state_path.display()))?;
            let state: juzhu_registry::TrustState = serde_json::from_slice(&text).with_context(|| {
                format!(
                    "{} is not a registry trust state; delete it to start again from registry.trusted_root",
                    state_path.display()
                )
            })?;
            juzhu_registry::Client::from_state(state).with_context(|| format!("{}", state_path.display()))?
        } else {
            let root_path = config.registry.trusted_root.clone().context("registry.trusted_root is not set")?;
            let root = std::fs::read(&root_path)
                .with_context(|| format!("registry.trusted_root = {}: cannot read it", root_path.display()))?;
            juzhu_registry::Client::new(&root)
                .with_context(|| format!("registry.trusted_root = {}", root_path.display()))?
        };
        Ok(RegistryFollower {
            status: Mutex::new(RegistryStatus { location: location.display().to_string(), ..Default::default() }),
            location,
            state_path,
            jurisdictions: config.modules.jurisdictions.iter().map(|j| j.to_string()).collect(),
            client: Mutex::new(client),
        })
    }

    /// The base URL when the registry is followed over HTTP.
    fn http_base(&self) -> Option<&str> {
        self.location.to_str().filter(|l| l.starts_with("http://") || l.starts_with("https://"))
    }

    /// Reads one file of the registry, for serving it over HTTP: beneath
    /// the registry directory only (cap-std), and only `metadata/` and
    /// `targets/`. A station that follows a registry over HTTP serves nothing.
    pub fn read_file(&self, path: &str) -> Option<Vec<u8>> {
        if self.http_base().is_some() || !(path.starts_with("metadata/") || path.starts_with("targets/")) {
            return None;
        }
        let dir = juzhu_registry::client::open_registry(&self.location).ok()?;
        dir.read(path).ok()
    }

    pub fn status(&self) -> RegistryStatus {
        self.status.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Polls the registry once and activates what it certifies.
    pub fn refresh(&self, service: &Service) -> Result<RegistryStatus, ServiceError> {
        let mut client = self.client.lock().unwrap_or_else(|e| e.into_inner());
        let attempt = now_text();
        let now = jiff::Timestamp::now();
        let result = match self.http_base() {
            Some(base) => client.update(&HttpSource::new(base), now),
            None => juzhu_registry::client::open_registry(&self.location).and_then(|dir| client.update(&dir, now)),
        };
        let update = match result {
            Ok(u) => u,
            Err(e) => {
                let mut status = self.status.lock().unwrap_or_else(|e| e.into_inner());
                status.last_attempt_at = Some(attempt);
                status.last_error = Some(e.to_string());
                status.frozen = e.is_freeze();
                if e.is_freeze() {
                    service.metrics().registry_frozen(true);
                    eprintln!(
                        "ALERT: registry {} is frozen, the active modules keep running and nothing new activates: {e}",
                        self.location.display()
                    );
                } else {
                    eprintln!(
                        "registry {}: update refused, the active modules are unchanged: {e}",
                        self.location.display()
                    );
                }
                return Err(ServiceError::Refused(format!(
                    "registry update refused; the active modules are unchanged: {e}"
                )));
            }
        };
        service.metrics().registry_frozen(false);

        let mut rejected: Vec<NotActivated> = update
            .rejected
            .iter()
            .map(|s| NotActivated { target: s.target.clone(), reason: s.reason.clone() })
            .collect();
        let pending: Vec<NotActivated> = update
            .pending
            .iter()
            .map(|s| NotActivated { target: s.target.clone(), reason: s.reason.clone() })
            .collect();
        let mut delivered = Vec::new();
        let set = service.rebuild_modules(|current| {
            let mut set = ModuleSet::default();
            for m in &update.modules {
                if !self.jurisdictions.is_empty() && !self.jurisdictions.contains(&m.district) {
                    continue;
                }
                let f = &m.fields;
                let loaded = match current.by_sha256(&m.sha256) {
                    Some(existing) => existing.clone(),
                    None => match service.runtime().load(&format!("{} ({})", m.target, &m.sha256[..12]), &m.bytes) {
                        Ok(l) => std::sync::Arc::new(l),
                        Err(e) => {
                            rejected.push(NotActivated { target: m.target.clone(), reason: e.to_string() });
                            continue;
                        }
                    },
                };
                let info = loaded.info();
                let claims = [
                    ("module id", &info.id, &f.module_id),
                    ("version", &info.version, &f.version),
                    ("contract version", &info.contract_version, &f.contract_version),
                    ("division", &info.jurisdiction, &m.district),
                ];
                if let Some((what, actual, signed)) = claims.iter().find(|(_, a, s)| a != s) {
                    rejected.push(NotActivated {
                        target: m.target.clone(),
                        reason: format!("the component's {what} is {actual}, but the registry signed {signed}"),
                    });
                    continue;
                }
                let Ok(effective_from) = f.effective_from.parse() else {
                    rejected.push(NotActivated {
                        target: m.target.clone(),
                        reason: format!("effective_from {} is not a date", f.effective_from),
                    });
                    continue;
                };
                if let Err(e) =
                    set.insert_version(ModuleVersion { module: loaded, effective_from, revoked: m.revoked.clone() })
                {
                    rejected.push(NotActivated { target: m.target.clone(), reason: e.to_string() });
                    continue;
                }
                delivered.push(DeliveredModule {
                    division: m.district.clone(),
                    module_id: f.module_id.clone(),
                    version: f.version.clone(),
                    effective_from: f.effective_from.clone(),
                    sha256: m.sha256.clone(),
                    revoked: m.revoked.clone(),
                });
            }
            set
        })?;
        drop(set);
        for r in &rejected {
            eprintln!("registry: not activated {}: {}", r.target, r.reason);
        }
        self.save(&client);
        let mut status = self.status.lock().unwrap_or_else(|e| e.into_inner());
        *status = RegistryStatus {
            location: self.location.display().to_string(),
            last_attempt_at: Some(attempt.clone()),
            last_success_at: Some(attempt),
            last_error: None,
            frozen: false,
            root_version: Some(update.root_version),
            timestamp_version: Some(update.timestamp_version),
            timestamp_expires: Some(update.timestamp_expires.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()),
            modules: delivered,
            pending,
            rejected,
        };
        Ok(status.clone())
    }

    /// Writes the trusted state through a temporary file and a rename.
    fn save(&self, client: &juzhu_registry::Client) {
        let bytes = serde_json::to_vec_pretty(&client.state()).expect("trust state serializes");
        let tmp = self.state_path.with_extension("tmp");
        if let Err(e) = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, &self.state_path)) {
            eprintln!(
                "registry: cannot save the trusted state to {}: {e}; rollback protection restarts from the last saved state",
                self.state_path.display()
            );
        }
    }
}
