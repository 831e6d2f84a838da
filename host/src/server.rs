//! `juzhu serve`: from a station file to a running service.
//!
//! Start-up order: read and check the config, open (and migrate) the store,
//! build the engine with its compiled-code cache, load the modules the station
//! serves, make sure an admin token exists (printing a new one once), resolve
//! any card issuance a crash interrupted, then launch the HTTP API. Any failure stops start-up with the reason.

use std::sync::Arc;

use anyhow::{Context, bail};

use crate::config::StationConfig;
use crate::modules::ModuleSet;
use crate::runtime::Runtime;
use crate::service::Service;
use crate::store::Store;

/// The database file inside the data directory.
pub const DATABASE: &str = "juzhu.db";

/// Opens the station's store, creating the data directory.
pub fn open_store(config: &StationConfig) -> anyhow::Result<Store> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create data_dir {}", config.data_dir.display()))?;
    let path = config.data_dir.join(DATABASE);
    Store::open(&path).with_context(|| format!("cannot open the database {}", path.display()))
}

/// Loads the modules the station serves.
fn load_modules(config: &StationConfig, runtime: &Runtime) -> anyhow::Result<ModuleSet> {
    let all = ModuleSet::load_dir(runtime, &config.modules.dir)
        .with_context(|| format!("modules.dir = {}", config.modules.dir.display()))?;
    let wanted: Vec<&str> = config.modules.jurisdictions.iter().map(|j| j.as_str()).collect();
    if wanted.is_empty() {
        if all.is_empty() {
            bail!(
                "modules.dir {} holds no .wasm components; build them with scripts/build-modules.sh",
                config.modules.dir.display()
            );
        }
        return Ok(all);
    }
    let mut set = ModuleSet::default();
    for code in &wanted {
        let Some((_, module)) = all.iter().find(|(division, _)| division == code) else {
            bail!(
                "modules.jurisdictions lists {code}, but no component in {} is written for it",
                config.modules.dir.display()
            );
        };
        let bytes_path = config.modules.dir.join(format!("{}.wasm", module.info().id));
        let bytes = std::fs::read(&bytes_path).with_context(|| format!("cannot read {}", bytes_path.display()))?;
        set.insert(runtime.load(&bytes_path.display().to_string(), &bytes)?)?;
    }
    Ok(set)
}

/// Builds the service; returns it with a new admin token when none existed.
pub fn build(config: &StationConfig) -> anyhow::Result<(Arc<Service>, Option<String>)> {
    let mut store = open_store(config)?;
    let admin = if crate::auth::has_admin(&store)? {
        None
    } else {
        Some(crate::auth::create(&mut store, "system", "admin", crate::auth::Role::Admin)?)
    };
    Ok((Arc::new(service(config, store)?), admin))
}

/// The service over an open store: the engine, the modules, the card desk.
pub fn service(config: &StationConfig, store: Store) -> anyhow::Result<Service> {
    let runtime = Runtime::new(config.sandbox.clone(), Some(config.data_dir.join("compiled")))?;
    let desk = crate::issuance::Desk::from_config(&config.card, &config.encoders).context("card")?;
    if config.registry.location.is_none() {
        let modules = load_modules(config, &runtime)?;
        let service = Service::new(runtime, ModuleSet::default(), store)?.with_cards(desk);
        service.rebuild_modules(|_| modules)?;
        return Ok(service);
    }
    // From a registry: nothing serves until the first verified refresh.
    let service = Service::new(runtime, ModuleSet::default(), store)?.with_cards(desk);
    let follower = Arc::new(crate::registry_client::RegistryFollower::open(config)?);
    service.follow_registry(follower);
    let status = service.refresh_registry().with_context(|| {
        format!(
            "the first refresh from registry.location = {}",
            config.registry.location.as_ref().expect("set").display()
        )
    })?;
    if status.modules.is_empty() {
        bail!(
            "registry {} holds no certified module for this station{}; publish and attest one (see README)",
            status.location,
            if status.pending.is_empty() {
                String::new()
            } else {
                format!(" ({} published, awaiting certification)", status.pending.len())
            }
        );
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

/// Runs the HTTP API until the process is stopped.
pub fn serve(config: StationConfig) -> anyhow::Result<()> {
    let (service, admin) = build(&config)?;
    for j in service.jurisdictions() {
        println!(
            "serving {} {} with {}@{} (sha256 {})",
            j.division, j.name, j.module.id, j.module.version, j.module.sha256
        );
    }
    if let Some(location) = &config.registry.location {
        println!("following registry {} every {} s", location.display(), config.registry.poll_interval_secs);
    }
    follow(service.clone(), &config);
    if let Some(token) = admin {
        println!("admin token (shown once; keep it safe): {token}");
    }
    // A card issuance a crash interrupted is resolved before new work.
    let _cards = crate::issuance::CardLock::acquire(&config.data_dir)?;
    for i in service.card_recover("system")? {
        println!(
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
    println!("listening on http://{}", config.listen);
    rocket::execute(async move {
        crate::http::app(service, limits, figment)
            .attach(crate::http::access_log::AccessLog::stderr(config.log_format))
            .launch()
            .await
    })
    .map(drop)
    .map_err(|e| anyhow::anyhow!("the HTTP server stopped: {e}"))
}
