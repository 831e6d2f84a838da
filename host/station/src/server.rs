//! `juzhu serve`: from a station file to a running service.
//!
//! Start-up order: read and check the config, open (and migrate) the store,
//! build the engine with its compiled-code cache, load the modules the station
//! serves, make sure an admin token exists (printing a new one once), resolve
//! any card issuance a crash interrupted, then launch the HTTP API. Any
//! failure stops start-up with the reason.
//!
//! Standard output carries only what the operator must act on: a new admin
//! token (never logged) and the address once listening. Everything else is a
//! log line on stderr ([`crate::logging`]).

use std::path::PathBuf;
use std::sync::Arc;

use juzhu_runtime::module_set::ModuleSet;
use juzhu_runtime::{EngineError, LoadError, Runtime, SetError};
use juzhu_store::{Store, StoreError};

use crate::config::StationConfig;
use crate::service::{Service, ServiceError};

/// Why the station could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create data_dir {}: {source}", path.display())]
    DataDir { path: PathBuf, source: std::io::Error },
    #[error(
        "refusing to start: the database {} is {state}, but {} shows an earlier station ({found}). Starting would create a new, empty station with a new admin token and lose the earlier one. Restore the database from a backup; or, to create a new station here on purpose, move the data directory aside or run `juzhu serve --init`",
        path.display(), dir.display()
    )]
    EarlierStation { path: PathBuf, state: &'static str, dir: PathBuf, found: String },
    #[error("cannot open the database {}: {source}", path.display())]
    Database { path: PathBuf, source: StoreError },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("modules.dir = {}: {source}", dir.display())]
    ModuleDir { dir: PathBuf, source: SetError },
    #[error("modules.dir {} holds no .wasm components; build them with scripts/build-modules.sh", .0.display())]
    NoModules(PathBuf),
    #[error("modules.jurisdictions lists {code}, but no component in {} is written for it", dir.display())]
    NoModuleFor { code: String, dir: PathBuf },
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Set(#[from] SetError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("card: {0}")]
    Card(#[source] crate::issuance::CardError),
    #[error(transparent)]
    Follower(#[from] crate::follower::FollowerError),
    #[error("the first refresh from registry.location = {location}: {source}")]
    FirstRefresh { location: String, source: Box<ServiceError> },
    #[error(
        "registry {location} holds no certified module for this station{pending}; publish and attest one (see README)"
    )]
    NothingCertified { location: String, pending: String },
    #[error(transparent)]
    Service(Box<ServiceError>),
    #[error(transparent)]
    Token(#[from] crate::auth::TokenError),
    #[error(transparent)]
    Checkpoint(#[from] crate::checkpoint::CheckpointError),
    #[error("the HTTP server stopped: {0}")]
    Http(String),
}

impl From<ServiceError> for StartError {
    fn from(e: ServiceError) -> Self {
        StartError::Service(Box::new(e))
    }
}

/// The database file inside the data directory.
pub const DATABASE: &str = "juzhu.db";

/// Opens the station's store, creating the data directory. A missing or
/// empty database is created only on an empty data directory (the first
/// start); see [`open_store_init`].
pub fn open_store(config: &StationConfig) -> Result<Store, StartError> {
    open_store_init(config, false)
}

/// Opens the station's store; with `init`, a missing or empty database is
/// created even where the data directory shows an earlier station
/// (`juzhu serve --init`).
pub fn open_store_init(config: &StationConfig, init: bool) -> Result<Store, StartError> {
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|source| StartError::DataDir { path: config.data_dir.clone(), source })?;
    let station = &config.audit.station_name;
    let location = store_location(config);
    let path = match &location {
        juzhu_store::Location::Sqlite(path) => path.clone(),
        // A shared database outlives any one station's data directory.
        postgres @ juzhu_store::Location::Postgres { .. } => {
            return Store::connect(postgres)
                .map(|s| s.for_station(station))
                .map_err(|source| StartError::Database { path: PathBuf::from(postgres.describe()), source });
        }
    };
    if let Err(refused) = refuse_lost_database(&config.data_dir, &path) {
        if !init {
            return Err(refused);
        }
        set_aside_earlier_chain(&path)?;
    }
    let store = Store::open(&path).map_err(|source| StartError::Database { path: path.clone(), source })?;
    if let Some(mib) = config.store.max_size_mib {
        store.cap_size(mib << 20).map_err(|source| StartError::Database { path: path.clone(), source })?;
    }
    Ok(store.for_station(station))
}

/// Where the station's store is: `[store] url` (PostgreSQL, or a SQLite
/// file), else `data_dir/juzhu.db`. For PostgreSQL the station's own files
/// (signed checkpoints) are still named after `data_dir/juzhu.db`.
pub fn store_location(config: &StationConfig) -> juzhu_store::Location {
    let beside = config.data_dir.join(DATABASE);
    match (config.store.postgres_url(), config.store.url.as_deref()) {
        (Some(url), _) => juzhu_store::Location::Postgres { url: url.to_string(), files: beside },
        (None, Some(path)) => juzhu_store::Location::Sqlite(PathBuf::from(path)),
        (None, None) => juzhu_store::Location::Sqlite(beside),
    }
}

/// `--init` over an earlier station: its audit checkpoints and write-ahead
/// log belong to the lost chain, so they are kept beside it under
/// `<name>.before-init-<unix seconds>`, never deleted, and never read by the
/// new station.
fn set_aside_earlier_chain(db: &std::path::Path) -> Result<(), StartError> {
    let stamp = jiff::Timestamp::now().as_second();
    for suffix in ["-checkpoints.jsonl", "-wal", "-shm"] {
        let from = PathBuf::from(format!("{}{suffix}", db.display()));
        if from.exists() {
            let to = PathBuf::from(format!("{}.before-init-{stamp}", from.display()));
            std::fs::rename(&from, &to).map_err(|source| StartError::DataDir { path: from.clone(), source })?;
            tracing::warn!("--init: kept the earlier station's {} as {}", from.display(), to.display());
        }
    }
    Ok(())
}

/// Refuses a missing or 0-byte database in a data directory that shows an
/// earlier station: its compiled-code cache, registry trust state, card lock,
/// audit checkpoints or checkpoint key, or a write-ahead log.
fn refuse_lost_database(dir: &std::path::Path, path: &std::path::Path) -> Result<(), StartError> {
    let state = match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => "missing",
        Ok(m) if m.len() == 0 => "empty (0 bytes)",
        _ => return Ok(()),
    };
    let entries = std::fs::read_dir(dir).map_err(|source| StartError::DataDir { path: dir.to_path_buf(), source })?;
    let mut found: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let non_empty = e.metadata().is_ok_and(|m| m.is_dir() || m.len() > 0);
            let earlier = name == "compiled"
                || name == crate::follower::TRUST_STATE
                || name == "cards.lock"
                || name == crate::checkpoint::KEY_FILE
                || name.ends_with("-checkpoints.jsonl")
                || (name.ends_with("-wal") && non_empty);
            earlier.then(|| if name == "compiled" { "compiled/ (the compiled-code cache)".to_string() } else { name })
        })
        .collect();
    if found.is_empty() {
        return Ok(());
    }
    found.sort();
    Err(StartError::EarlierStation { path: path.to_path_buf(), state, dir: dir.to_path_buf(), found: found.join(", ") })
}

/// Loads the modules the station serves.
fn load_modules(config: &StationConfig, runtime: &Runtime) -> Result<ModuleSet, StartError> {
    let dir = &config.modules.dir;
    let all = ModuleSet::load_dir(runtime, dir).map_err(|source| StartError::ModuleDir { dir: dir.clone(), source })?;
    let wanted: Vec<&str> = config.modules.jurisdictions.iter().map(|j| j.as_str()).collect();
    if wanted.is_empty() {
        if all.is_empty() {
            return Err(StartError::NoModules(dir.clone()));
        }
        return Ok(all);
    }
    let mut set = ModuleSet::default();
    for code in &wanted {
        let Some((_, module)) = all.iter().find(|(division, _)| division == code) else {
            return Err(StartError::NoModuleFor { code: code.to_string(), dir: dir.clone() });
        };
        let bytes_path = dir.join(format!("{}.wasm", module.info().id));
        let bytes =
            std::fs::read(&bytes_path).map_err(|source| StartError::Read { path: bytes_path.clone(), source })?;
        set.insert(runtime.load(&bytes_path.display().to_string(), &bytes)?)?;
    }
    Ok(set)
}

/// Builds the service; returns it with a new admin token when none existed.
pub fn build(config: &StationConfig) -> Result<(Arc<Service>, Option<String>), StartError> {
    build_init(config, false)
}

/// [`build`]; with `init`, creates a new station even where the data
/// directory shows an earlier one (`juzhu serve --init`).
pub fn build_init(config: &StationConfig, init: bool) -> Result<(Arc<Service>, Option<String>), StartError> {
    let mut store = open_store_init(config, init)?;
    let admin = if crate::auth::has_admin(&store)? {
        None
    } else {
        match crate::auth::create(&mut store, "system", "admin", crate::auth::Role::Admin) {
            Ok(token) => Some(token),
            // Another station on the shared database made it first.
            Err(crate::auth::TokenError::NameTaken(_)) => None,
            Err(e) => return Err(e.into()),
        }
    };
    Ok((Arc::new(service(config, store)?), admin))
}

/// The service over an open store: the engine, the modules, the card desk.
pub fn service(config: &StationConfig, store: Store) -> Result<Service, StartError> {
    // Serving bounds calls by deadline, not fuel (`juzhu_runtime::Metering`).
    let runtime = Runtime::serving(config.sandbox.clone(), Some(config.data_dir.join("compiled")))?;
    let desk = crate::issuance::Desk::from_config(&config.card, &config.encoders).map_err(StartError::Card)?;
    if config.registry.location.is_none() {
        let modules = load_modules(config, &runtime)?;
        let service = Service::new(runtime, ModuleSet::default(), store)?.with_cards(desk);
        service.rebuild_modules(|_| modules)?;
        return Ok(service);
    }
    // From a registry: nothing serves until the first verified refresh.
    let service = Service::new(runtime, ModuleSet::default(), store)?.with_cards(desk);
    let follower = Arc::new(crate::follower::RegistryFollower::open(config)?);
    service.follow_registry(follower);
    let status = service.refresh_registry().map_err(|source| StartError::FirstRefresh {
        location: config.registry.location.as_ref().expect("set").display().to_string(),
        source: Box::new(source),
    })?;
    if status.modules.is_empty() {
        return Err(StartError::NothingCertified {
            location: status.location,
            pending: if status.pending.is_empty() {
                String::new()
            } else {
                format!(" ({} published, awaiting certification)", status.pending.len())
            },
        });
    }
    Ok(service)
}

/// Polls the registry every `poll_interval_secs` on a thread of its own, so
/// compiling a new module never holds up a request.
fn follow(service: Arc<Service>, config: &StationConfig) {
    if config.registry.location.is_none() {
        return;
    }
    let interval = std::time::Duration::from_secs(config.registry.poll_interval_secs);
    std::thread::Builder::new()
        .name("registry-poll".into())
        .spawn(move || {
            loop {
                std::thread::sleep(interval);
                // Refusals are logged and kept in the registry status.
                let _ = service.refresh_registry();
            }
        })
        .expect("a thread starts");
}

/// Keeps the holders' recorded points current on a thread of its own: every
/// minute, scores the permits without points of the version in force (a
/// version that took effect, a lost write), so rankings stay index reads.
fn keep_points(service: Arc<Service>) {
    const EVERY: std::time::Duration = std::time::Duration::from_secs(60);
    std::thread::Builder::new()
        .name("points-keeper".into())
        .spawn(move || {
            loop {
                service.keep_points_current();
                std::thread::sleep(EVERY);
            }
        })
        .expect("a thread starts");
}

/// Runs the HTTP API until the process is stopped. `init` creates a new
/// station where the data directory shows an earlier one whose database is
/// missing or empty; without it, that start is refused.
pub fn serve(config: StationConfig, init: bool) -> Result<(), StartError> {
    run(config, init, |rocket| rocket, false)
}

/// Runs the HTTP API with the console `mount` puts beside it at `/` (the
/// `juzhu` binary passes `juzhu_console::mount`: this crate does not depend
/// on the console).
pub fn serve_with(
    config: StationConfig,
    init: bool,
    mount: impl FnOnce(rocket::Rocket<rocket::Build>) -> rocket::Rocket<rocket::Build> + Send + 'static,
) -> Result<(), StartError> {
    run(config, init, mount, true)
}

fn run(
    config: StationConfig,
    init: bool,
    extend: impl FnOnce(rocket::Rocket<rocket::Build>) -> rocket::Rocket<rocket::Build> + Send + 'static,
    console: bool,
) -> Result<(), StartError> {
    crate::logging::init(config.log_format);
    let (service, admin) = build_init(&config, init)?;
    for j in service.jurisdictions() {
        tracing::info!(
            division = %j.division,
            module = %j.module.id,
            version = %j.module.version,
            "serving {} {} with {}@{} (sha256 {})",
            j.division,
            j.name,
            j.module.id,
            j.module.version,
            j.module.sha256
        );
    }
    if let Some(location) = &config.registry.location {
        tracing::info!("following registry {} every {} s", location.display(), config.registry.poll_interval_secs);
    }
    follow(service.clone(), &config);
    keep_points(service.clone());
    // Refuses to start on a log that no longer reaches its last checkpoint.
    let (db, location) = service.with_store(|st| (st.path().to_path_buf(), st.location().clone()));
    let checkpoints = service.with_store(|st| crate::checkpoint::Checkpointer::open(&config, &db, &*st))?;
    Arc::new(checkpoints).spawn(location, config.audit.station_name.clone());
    if let Some(token) = admin {
        println!("admin token (shown once; keep it safe): {token}");
    }
    // A card issuance a crash interrupted is resolved before new work.
    let _cards = crate::issuance::CardLock::acquire(&config.data_dir).map_err(StartError::Card)?;
    for i in service.card_recover("system")? {
        tracing::warn!(
            "card issuance {} for permit {} resolved at start-up: {}{}",
            i.id,
            i.permit_number,
            i.state.as_str(),
            i.error.map(|e| format!(" ({e})")).unwrap_or_default()
        );
    }
    let figment = rocket::Config::figment()
        .merge(("address", config.listen.ip()))
        .merge(("port", config.listen.port()))
        .merge(("workers", config.http.workers))
        .merge(("cli_colors", false))
        .merge(("log_level", rocket::config::LogLevel::Critical));
    let limits = crate::http::Limits { max_body_bytes: config.http.max_body_bytes };
    let front = crate::front::FrontLimits::from_config(&config.http).fit_to_file_limit();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.http.workers)
        .thread_name("juzhu-http")
        .enable_all()
        .build()
        .map_err(|e| StartError::Http(format!("cannot start the HTTP runtime: {e}")))?;
    runtime.block_on(async move {
        let rocket =
            extend(crate::http::app(service, limits, figment)).attach(crate::http::access_log::AccessLog::global());
        let client = rocket::local::asynchronous::Client::untracked(rocket)
            .await
            .map_err(|e| StartError::Http(format!("the HTTP routes did not start: {e}")))?;
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| StartError::Http(format!("cannot listen on {}: {e}", config.listen)))?;
        let address = listener.local_addr().map_err(|e| StartError::Http(e.to_string()))?;
        println!("listening on http://{address}");
        if console {
            println!("console on http://{address}/ (sign in with a token)");
        }
        crate::front::serve(listener, client, front, stop_signal()).await.map_err(|e| StartError::Http(e.to_string()))
    })
}

/// Resolves on SIGINT or SIGTERM: the station stops taking connections and
/// lets the ones in flight finish.
async fn stop_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(e) => {
                tracing::warn!("cannot watch for SIGTERM ({e}); stop the station with SIGINT");
                let _ = interrupt.await;
                return;
            }
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
    tracing::info!("stopping: no new connections; in-flight requests may finish");
}
