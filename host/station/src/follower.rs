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
use std::sync::{Mutex, MutexGuard};

use juzhu_runtime::Runtime;
use juzhu_runtime::module_set::{ModuleSet, ModuleVersion};
use serde::Serialize;

use crate::config::StationConfig;

/// Why the follower could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum FollowerError {
    #[error("registry.location is not set")]
    NoLocation,
    #[error("registry.trusted_root is not set")]
    NoTrustedRoot,
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{} is not a registry trust state; delete it to start again from registry.trusted_root: {source}", path.display())]
    BadTrustState { path: PathBuf, source: serde_json::Error },
    #[error("{context}: {source}")]
    Registry { context: String, source: juzhu_registry::Error },
}

/// A refresh the registry client refused; the active modules did not change.
#[derive(Debug, thiserror::Error)]
#[error("registry update refused; the active modules are unchanged: {source}")]
pub struct RefreshRefused {
    /// The timestamp expired: nothing new activates until it is re-signed.
    pub frozen: bool,
    pub source: juzhu_registry::Error,
}

/// A verified registry update, holding the client until it is recorded.
pub struct Verified<'a> {
    client: MutexGuard<'a, juzhu_registry::Client>,
    update: juzhu_registry::client::Update,
    attempt: String,
}

/// What an update put in force and what it did not.
pub struct Assembled {
    pub delivered: Vec<DeliveredModule>,
    pub pending: Vec<NotActivated>,
    pub rejected: Vec<NotActivated>,
}

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
    pub fn open(config: &StationConfig) -> Result<Self, FollowerError> {
        let location = config.registry.location.clone().ok_or(FollowerError::NoLocation)?;
        let state_path = config.data_dir.join(TRUST_STATE);
        let client = if state_path.exists() {
            let text = std::fs::read(&state_path)
                .map_err(|source| FollowerError::Read { path: state_path.clone(), source })?;
            let state: juzhu_registry::TrustState = serde_json::from_slice(&text)
                .map_err(|source| FollowerError::BadTrustState { path: state_path.clone(), source })?;
            juzhu_registry::Client::from_state(state)
                .map_err(|source| FollowerError::Registry { context: state_path.display().to_string(), source })?
        } else {
            let root_path = config.registry.trusted_root.clone().ok_or(FollowerError::NoTrustedRoot)?;
            let root =
                std::fs::read(&root_path).map_err(|source| FollowerError::Read { path: root_path.clone(), source })?;
            juzhu_registry::Client::new(&root).map_err(|source| FollowerError::Registry {
                context: format!("registry.trusted_root = {}", root_path.display()),
                source,
            })?
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

    /// Runs the TUF client workflow once. A refusal is recorded in the status
    /// (and logged, as an alert for a freeze) and returned; nothing changes.
    pub fn verify(&self) -> Result<Verified<'_>, RefreshRefused> {
        let mut client = self.client.lock().unwrap_or_else(|e| e.into_inner());
        let attempt = now_text();
        let now = jiff::Timestamp::now();
        let result = match self.http_base() {
            Some(base) => client.update(&HttpSource::new(base), now),
            None => juzhu_registry::client::open_registry(&self.location).and_then(|dir| client.update(&dir, now)),
        };
        match result {
            Ok(update) => Ok(Verified { client, update, attempt }),
            Err(e) => {
                let mut status = self.status.lock().unwrap_or_else(|e| e.into_inner());
                status.last_attempt_at = Some(attempt);
                status.last_error = Some(e.to_string());
                status.frozen = e.is_freeze();
                let location = self.location.display();
                if e.is_freeze() {
                    tracing::error!(
                        registry = %location,
                        "ALERT: registry {location} is frozen, the active modules keep running and nothing new activates: {e}"
                    );
                } else {
                    tracing::warn!(registry = %location, "registry {location}: update refused, the active modules are unchanged: {e}");
                }
                Err(RefreshRefused { frozen: e.is_freeze(), source: e })
            }
        }
    }

    /// The module set a verified update certifies: each module signed by its
    /// district and the certification role, checked against what was signed,
    /// and compiled (a module already in `current`, by sha256, is reused).
    pub fn assemble(&self, verified: &Verified<'_>, runtime: &Runtime, current: &ModuleSet) -> (ModuleSet, Assembled) {
        let update = &verified.update;
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
        let mut set = ModuleSet::default();
        // A certified, non-revoked module refused here, by district.
        let mut failed: std::collections::BTreeMap<String, String> = Default::default();
        let reject = |rejected: &mut Vec<NotActivated>,
                      failed: &mut std::collections::BTreeMap<String, String>,
                      m: &juzhu_registry::client::VerifiedModule,
                      reason: String| {
            if m.revoked.is_none() {
                failed.entry(m.district.clone()).or_insert_with(|| format!("{}: {reason}", m.target));
            }
            rejected.push(NotActivated { target: m.target.clone(), reason });
        };
        for m in &update.modules {
            if !self.jurisdictions.is_empty() && !self.jurisdictions.contains(&m.district) {
                continue;
            }
            let f = &m.fields;
            let loaded = match current.by_sha256(&m.sha256) {
                Some(existing) => existing.clone(),
                None => match runtime.load(&format!("{} ({})", m.target, &m.sha256[..12]), &m.bytes) {
                    Ok(l) => std::sync::Arc::new(l),
                    Err(e) => {
                        reject(&mut rejected, &mut failed, m, e.to_string());
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
                reject(
                    &mut rejected,
                    &mut failed,
                    m,
                    format!("the component's {what} is {actual}, but the registry signed {signed}"),
                );
                continue;
            }
            let Ok(effective_from) = juzhu_domain::parse_legal_date("effective_from", &f.effective_from) else {
                reject(&mut rejected, &mut failed, m, format!("effective_from {} is not a date", f.effective_from));
                continue;
            };
            if let Err(e) =
                set.insert_version(ModuleVersion { module: loaded, effective_from, revoked: m.revoked.clone() })
            {
                reject(&mut rejected, &mut failed, m, e.to_string());
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
        // A district left with no module of its own refuses its cases: it
        // never falls through to its city's or province's module.
        for (district, reason) in failed {
            if set.division(&district).is_none_or(|(code, _)| code != district) {
                tracing::error!(
                    "ALERT: district {district}'s certified module cannot be loaded; its cases are refused: {reason}"
                );
                set.mark_unavailable(&district, reason);
            }
        }
        (set, Assembled { delivered, pending, rejected })
    }

    /// Records a refresh whose set is now in force, and saves the trusted
    /// state (the rollback protection) durably.
    pub fn record(&self, verified: Verified<'_>, assembled: Assembled) -> RegistryStatus {
        let Verified { client, update, attempt } = verified;
        for r in &assembled.rejected {
            tracing::warn!(target_name = %r.target, "registry: not activated {}: {}", r.target, r.reason);
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
            modules: assembled.delivered,
            pending: assembled.pending,
            rejected: assembled.rejected,
        };
        status.clone()
    }

    /// Writes the trusted state durably: a crash never leaves it empty, which
    /// would drop the rollback protection.
    fn save(&self, client: &juzhu_registry::Client) {
        let bytes = serde_json::to_vec_pretty(&client.state()).expect("trust state serializes");
        if let Err(e) = juzhu_durable::write_atomic(&self.state_path, &bytes) {
            tracing::error!(
                "registry: cannot save the trusted state to {}: {e}; rollback protection restarts from the last saved state",
                self.state_path.display()
            );
        }
    }
}
