//! The station's configuration file.
//!
//! One TOML file configures an issuance station: where it listens, where it
//! keeps its data, which jurisdictions it serves and where their modules come
//! from, the sandbox limits, and its card encoders.
//!
//! Every key has a default, so an empty file gives a working station on
//! loopback. Every key that is present must be known and well-formed: a typo
//! such as `fule = 10` would otherwise be ignored silently and the station
//! would run with a limit the operator did not choose, so it stops start-up
//! instead, with an error that names the file, the key path (`sandbox.fuel`,
//! `modules.jurisdictions[1]`) and what a valid value looks like.
//!
//! `host/station.example.toml` lists every key with its default.
//!
//! Relative paths are taken from the directory the service starts in.
//!
//! A crate of its own, with no engine or server in it, so that the parser of
//! a file operators write can be fuzzed and tested on its own.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use juzhu_domain::{Division, SandboxLimits};
use serde::{Deserialize, Deserializer, Serialize};

/// Everything a station is configured with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StationConfig {
    /// Socket address the HTTP API listens on. The default is loopback only,
    /// so a station is not reachable from the network until an operator says
    /// so (for example `"0.0.0.0:8080"`).
    #[serde(deserialize_with = "socket_addr")]
    pub listen: SocketAddr,
    /// Directory for the station's state: the SQLite database and the cache
    /// of compiled module code. Created on start if missing.
    pub data_dir: PathBuf,
    /// Log line format: `"text"` for people at a terminal, `"json"` for a
    /// log collector.
    pub log_format: LogFormat,
    /// Which jurisdictions the station serves and where their modules come from.
    pub modules: ModulesConfig,
    /// The signed module registry the station follows, if any.
    pub registry: RegistryConfig,
    /// Per-call limits every policy module runs under.
    pub sandbox: SandboxLimits,
    /// Limits of the HTTP server.
    pub http: HttpConfig,
    /// The card encoders attached to this station, by name.
    pub encoders: Vec<EncoderConfig>,
    /// Card issuance: the signing key, trusted keys, retries, photos.
    pub card: CardConfig,
    /// Signed checkpoints of the audit log's head.
    pub audit: AuditConfig,
    /// Where the record is kept: SQLite in the data directory, or a shared
    /// PostgreSQL database.
    pub store: StoreConfig,
}

/// The `[store]` section.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// `postgres://user:password@host:port/database` to share one
    /// PostgreSQL database among stations; a file path for a SQLite file
    /// elsewhere than `data_dir/juzhu.db`; absent for that default.
    pub url: Option<String>,
    /// SQLite only: the most the database may grow to, in MiB. A write past
    /// it is refused (507), recording nothing, as on a full disk, so a
    /// runaway cannot fill the data directory's filesystem. Absent: no cap
    /// but the disk.
    pub max_size_mib: Option<u64>,
}

impl StoreConfig {
    /// The PostgreSQL URL, when the store is PostgreSQL.
    pub fn postgres_url(&self) -> Option<&str> {
        self.url.as_deref().filter(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"))
    }

    /// Checks the URL's shape (the client checks the rest when it connects).
    /// Checks the section; an error names its key.
    fn check(&self) -> Result<(), (&'static str, String)> {
        match self.max_size_mib {
            Some(0) => {
                return Err(("store.max_size_mib", "is 0; give the cap in MiB (at least 1), or leave it out".into()));
            }
            Some(_) if self.postgres_url().is_some() => {
                return Err((
                    "store.max_size_mib",
                    "applies to a SQLite store only; PostgreSQL manages its own space".into(),
                ));
            }
            _ => {}
        }
        self.check_url().map_err(|message| ("store.url", message))
    }

    fn check_url(&self) -> Result<(), String> {
        let Some(url) = self.url.as_deref() else { return Ok(()) };
        let expected = "expected postgres://user:password@host:port/database, or a path to a SQLite file";
        if url.trim().is_empty() {
            return Err(format!("is empty; {expected}"));
        }
        if let Some(rest) = url.strip_prefix("postgres://").or_else(|| url.strip_prefix("postgresql://")) {
            let authority_and_path = rest.rsplit_once('@').map_or(rest, |(_, after)| after);
            let (host, db) = authority_and_path.split_once('/').unwrap_or((authority_and_path, ""));
            let db = db.split('?').next().unwrap_or("");
            if host.is_empty() || host.starts_with(':') {
                return Err(format!("names no host; {expected}"));
            }
            if db.is_empty() {
                return Err(format!("names no database; {expected}"));
            }
            if let Some((_, port)) = host.rsplit_once(':')
                && port.parse::<u16>().is_err()
            {
                return Err(format!("port `{port}` is not a number from 1 to 65535; {expected}"));
            }
            return Ok(());
        }
        if let Some((scheme, _)) = url.split_once("://") {
            return Err(format!("`{scheme}://` is not a store this station can use; {expected}"));
        }
        Ok(())
    }
}

impl Default for StationConfig {
    fn default() -> Self {
        StationConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("data"),
            log_format: LogFormat::default(),
            modules: ModulesConfig::default(),
            registry: RegistryConfig::default(),
            sandbox: SandboxLimits::default(),
            http: HttpConfig::default(),
            encoders: Vec::new(),
            card: CardConfig::default(),
            audit: AuditConfig::default(),
            store: StoreConfig::default(),
        }
    }
}

/// The `[audit]` section: how often the station signs a checkpoint of the
/// audit log's head (as Certificate Transparency signs tree heads), so that
/// deleting the newest entries is detected by `juzhu audit verify`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// The name checkpoints are signed under, so that copies kept by an
    /// operator or another station say whose log they anchor.
    pub station_name: String,
    /// Sign once this many entries were appended since the last checkpoint.
    pub checkpoint_every_entries: u64,
    /// Sign new entries at the latest this many seconds after the last
    /// checkpoint, however few there are.
    pub checkpoint_every_secs: u64,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig { station_name: "juzhu-station".into(), checkpoint_every_entries: 100, checkpoint_every_secs: 60 }
    }
}

/// The `[card]` section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CardConfig {
    /// File holding the issuing authority's Ed25519 signing key (64 hex
    /// digits, from `juzhu card keygen`). Without it the station verifies
    /// cards but issues none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authority_key: Option<PathBuf>,
    /// Further authority public keys (64 hex digits each) whose cards
    /// verify here, e.g. a previous key or another station's.
    pub trusted_keys: Vec<String>,
    /// Pause before retrying a card after a transient error (card pulled,
    /// reset, timeout), in milliseconds.
    pub retry_delay_ms: u64,
    /// Directory of holders' photos (JPEG), named by the module's `photo_ref`;
    /// without it cards carry no photo.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub photo_dir: Option<PathBuf>,
}

impl Default for CardConfig {
    fn default() -> Self {
        CardConfig { authority_key: None, trusted_keys: Vec::new(), retry_delay_ms: 1500, photo_dir: None }
    }
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// The `[modules]` section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModulesConfig {
    /// Local directory of policy components (`*.wasm`). The signed registry
    /// (issue 4) adds a second source beside this one.
    pub dir: PathBuf,
    /// GB/T 2260 division codes the station serves. Empty means every module
    /// found in `dir`; a listed code with no module is an error at start-up.
    pub jurisdictions: Vec<Division>,
}

impl Default for ModulesConfig {
    fn default() -> Self {
        ModulesConfig { dir: PathBuf::from("target/modules"), jurisdictions: Vec::new() }
    }
}

/// The `[registry]` section: a signed registry as the source of modules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RegistryConfig {
    /// The registry: a directory (made by `juzhu registry init`, or a mirror
    /// of one), or an `http://` URL it is served at (another station's
    /// `/registry/`, or any static file server). When set, modules come from
    /// it instead of `modules.dir`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<PathBuf>,
    /// The root metadata this station trusts, obtained out of band (the
    /// registry's `metadata/1.root.json`). Required with `location`; later
    /// roots are followed through the signed rotation chain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted_root: Option<PathBuf>,
    /// Seconds between two polls of the registry. `POST /v1/registry/refresh`
    /// polls at once.
    pub poll_interval_secs: u64,
}

impl Default for RegistryConfig {
    fn default() -> Self {
        RegistryConfig { location: None, trusted_root: None, poll_interval_secs: 60 }
    }
}

/// The `[http]` section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Largest request body accepted, in bytes; a larger one gets a 413
    /// before it is read. An application with its materials is a few KiB.
    pub max_body_bytes: u64,
    /// Worker threads serving requests. Defaults to the number of cores.
    pub workers: usize,
    /// Connections served at once. One over the cap gets a 503 and is closed
    /// before anything is read, so idle clients cannot take the descriptors
    /// the store needs; the station lowers the cap to fit its file limit.
    pub max_connections: usize,
    /// Connections one client address may hold; 0 for no per-address cap
    /// (behind a reverse proxy, where every client has the proxy's address).
    pub max_connections_per_ip: usize,
    /// Seconds a client has to send a request's head, and the longest a
    /// keep-alive connection may sit idle; then it is closed.
    pub header_read_timeout_secs: u64,
    /// Seconds a client has to send a request's body once its head arrived;
    /// then it gets a 408.
    pub body_read_timeout_secs: u64,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            max_body_bytes: 1 << 20,
            workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            max_connections: 1024,
            max_connections_per_ip: 256,
            header_read_timeout_secs: 10,
            body_read_timeout_secs: 30,
        }
    }
}

/// One `[[encoders]]` entry: a card encoder attached to the station. Issue 5
/// (the card encoders) adds the keys each driver needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncoderConfig {
    /// Name clerks and the API use to pick this encoder; unique per station.
    pub name: String,
    /// Which driver talks to it.
    pub driver: EncoderDriver,
    /// PC/SC reader name, as the PC/SC daemon lists it; `None` takes the
    /// first reader. Ignored by the memory driver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reader: Option<String>,
}

/// The encoder drivers the host has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EncoderDriver {
    /// Cards held in memory, fed from a hopper of blanks: demonstrations
    /// without hardware (the cards are gone when the process ends).
    Memory,
    /// A real reader (or pcscd's virtual reader) through PC/SC.
    Pcsc,
}

/// Why a station file was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read at all.
    #[error("cannot read station config {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML, names an unknown key, or has a bad value.
    #[error("{}", render_invalid(origin, *line_col, key.as_deref(), message))]
    Invalid {
        /// The file name (or whatever the text came from).
        origin: String,
        /// 1-based line and column, when known.
        line_col: Option<(usize, usize)>,
        /// The key path, like `sandbox.fuel` or `modules.jurisdictions[1]`;
        /// `None` for a TOML syntax error.
        key: Option<String>,
        /// What is wrong and what would be right.
        message: String,
    },
}

impl ConfigError {
    /// The key path the error is about, if it is about one key.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::Invalid { key, .. } => key.as_deref(),
            ConfigError::Read { .. } => None,
        }
    }
}

fn render_invalid(origin: &str, line_col: Option<(usize, usize)>, key: Option<&str>, message: &str) -> String {
    let mut out = origin.to_string();
    if let Some((line, col)) = line_col {
        out += &format!(":{line}:{col}");
    }
    out += ": ";
    if let Some(key) = key
        && !message.starts_with(key)
    {
        out += key;
        out += ": ";
    }
    out += message;
    out
}

impl StationConfig {
    /// Reads and checks the station file at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<StationConfig, ConfigError> {
        let path = path.as_ref();
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
        StationConfig::from_toml_str(&text, &path.display().to_string())
    }

    /// Parses and checks station TOML; `origin` names it in errors (usually
    /// the file name).
    pub fn from_toml_str(text: &str, origin: &str) -> Result<StationConfig, ConfigError> {
        let invalid =
            |span: Option<std::ops::Range<usize>>, key: Option<String>, message: String| ConfigError::Invalid {
                origin: origin.to_string(),
                line_col: span.map(|s| line_col(text, s.start)),
                key,
                message,
            };
        let de =
            toml::Deserializer::parse(text).map_err(|e| invalid(e.span(), None, e.message().trim().to_string()))?;
        let config: StationConfig = serde_path_to_error::deserialize(de).map_err(|e| {
            let key = e.path().to_string();
            let inner = e.into_inner();
            invalid(inner.span(), Some(key), plain_types(inner.message().trim()))
        })?;
        config.check().map_err(|(key, message)| invalid(None, Some(key), message))?;
        Ok(config)
    }

    /// Checks what the types alone do not: values that parse but make no
    /// sense. Returns the key path and the message.
    fn check(&self) -> Result<(), (String, String)> {
        if let Err(e) = self.sandbox.check() {
            return Err((format!("sandbox.{}", e.key), e.to_string()));
        }
        for (i, code) in self.modules.jurisdictions.iter().enumerate() {
            if let Some(first) = self.modules.jurisdictions[..i].iter().position(|c| c == code) {
                return Err((
                    format!("modules.jurisdictions[{i}]"),
                    format!("{code} is already listed at modules.jurisdictions[{first}]; list each code once"),
                ));
            }
        }
        if self.registry.location.is_some() && self.registry.trusted_root.is_none() {
            return Err((
                "registry.trusted_root".into(),
                "is required with registry.location: the root.json you trust, obtained out of band (the registry's metadata/1.root.json)".into(),
            ));
        }
        if self.registry.poll_interval_secs == 0 {
            return Err(("registry.poll_interval_secs".into(), "must be at least 1; the default is 60".into()));
        }
        if self.http.max_body_bytes == 0 {
            return Err(("http.max_body_bytes".into(), "must be at least 1; the default is 1048576 (1 MiB)".into()));
        }
        if self.http.workers == 0 {
            return Err(("http.workers".into(), "must be at least 1; leave it out to use one worker per core".into()));
        }
        if self.http.max_connections == 0 {
            return Err(("http.max_connections".into(), "must be at least 1; the default is 1024".into()));
        }
        if self.http.header_read_timeout_secs == 0 {
            return Err(("http.header_read_timeout_secs".into(), "must be at least 1; the default is 10".into()));
        }
        if self.http.body_read_timeout_secs == 0 {
            return Err(("http.body_read_timeout_secs".into(), "must be at least 1; the default is 30".into()));
        }
        if let Err((key, message)) = self.store.check() {
            return Err((key.into(), message));
        }
        let name = &self.audit.station_name;
        if name.trim().is_empty() || name.len() > 128 || name.chars().any(char::is_control) {
            return Err((
                "audit.station_name".into(),
                format!("{name:?} cannot name a station; use 1 to 128 printable characters, e.g. \"gongshu-hall-1\""),
            ));
        }
        if self.audit.checkpoint_every_entries == 0 {
            return Err(("audit.checkpoint_every_entries".into(), "must be at least 1; the default is 100".into()));
        }
        if self.audit.checkpoint_every_secs == 0 {
            return Err(("audit.checkpoint_every_secs".into(), "must be at least 1; the default is 60".into()));
        }
        for (i, key) in self.card.trusted_keys.iter().enumerate() {
            if key.len() != 64 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err((
                    format!("card.trusted_keys[{i}]"),
                    format!(
                        "{key:?} is not an Ed25519 public key; expected 64 hex digits (`juzhu card keygen` prints one)"
                    ),
                ));
            }
        }
        for (i, encoder) in self.encoders.iter().enumerate() {
            if encoder.name.trim().is_empty() {
                return Err((
                    format!("encoders[{i}].name"),
                    "must not be empty; name the encoder, e.g. \"desk-1\"".into(),
                ));
            }
            if let Some(first) = self.encoders[..i].iter().position(|e| e.name == encoder.name) {
                return Err((
                    format!("encoders[{i}].name"),
                    format!(
                        "{:?} is already the name of encoders[{first}]; each encoder needs its own name",
                        encoder.name
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Deserializes a socket address with an error that shows the expected form.
fn socket_addr<'de, D: Deserializer<'de>>(de: D) -> Result<SocketAddr, D::Error> {
    let text = String::deserialize(de)?;
    text.parse().map_err(|_| {
        serde::de::Error::custom(format!(
            "{text:?} is not a socket address; expected an IP address and port, \
             e.g. \"127.0.0.1:8080\" or \"[::]:8080\" (host names are not resolved)"
        ))
    })
}

/// Says "expected u64" the way an operator would.
fn plain_types(message: &str) -> String {
    ["u64", "usize", "u32"]
        .iter()
        .fold(message.to_string(), |m, ty| m.replace(&format!("expected {ty}"), "expected a whole number, 0 or more"))
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests;
