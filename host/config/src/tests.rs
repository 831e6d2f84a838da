//! The station file's parsing and checks.

use super::*;

fn parse(text: &str) -> Result<StationConfig, ConfigError> {
    StationConfig::from_toml_str(text, "station.toml")
}

/// Asserts that `text` is rejected with an error about `key`, and that
/// the message names the file and the key.
fn rejects(text: &str, key: &str) -> String {
    let err = parse(text).expect_err("the config should be rejected");
    assert_eq!(err.key(), Some(key), "wrong key in: {err}");
    let shown = err.to_string();
    assert!(shown.starts_with("station.toml"), "no file name in: {shown}");
    assert!(shown.contains(key), "no key in: {shown}");
    shown
}

#[test]
fn empty_file_gives_all_defaults() {
    let config = parse("").unwrap();
    assert_eq!(config, StationConfig::default());
    assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(config.data_dir, Path::new("data"));
    assert_eq!(config.log_format, LogFormat::Text);
    assert_eq!(config.modules.dir, Path::new("target/modules"));
    assert!(config.modules.jurisdictions.is_empty());
    assert_eq!(config.sandbox, SandboxLimits::default());
    assert_eq!(config.http.max_body_bytes, 1 << 20);
    assert!(config.http.workers >= 1);
    assert!(config.encoders.is_empty());
}

#[test]
fn a_registry_needs_a_trusted_root_and_a_positive_interval() {
    let err =
        StationConfig::from_toml_str("[registry]\nlocation = \"registry\"\n", "station.toml").unwrap_err().to_string();
    assert!(err.contains("registry.trusted_root") && err.contains("metadata/1.root.json"), "{err}");
    let err =
        StationConfig::from_toml_str("[registry]\npoll_interval_secs = 0\n", "station.toml").unwrap_err().to_string();
    assert!(err.contains("registry.poll_interval_secs") && err.contains("at least 1"), "{err}");
    let err = StationConfig::from_toml_str("[registry]\npoll_intervall = 5\n", "station.toml").unwrap_err().to_string();
    assert!(err.contains("poll_intervall"), "{err}");
    for key in ["max_connections", "header_read_timeout_secs", "body_read_timeout_secs"] {
        let err =
            StationConfig::from_toml_str(&format!("[http]\n{key} = 0\n"), "station.toml").unwrap_err().to_string();
        assert!(err.contains(&format!("http.{key}")) && err.contains("at least 1"), "{key}: {err}");
    }
}

#[test]
fn full_file_round_trips() {
    let config = StationConfig {
        listen: "0.0.0.0:9000".parse().unwrap(),
        data_dir: PathBuf::from("/var/lib/juzhu"),
        log_format: LogFormat::Json,
        modules: ModulesConfig {
            dir: PathBuf::from("/srv/modules"),
            jurisdictions: vec!["330203".to_string().try_into().unwrap(), "350600".to_string().try_into().unwrap()],
        },
        registry: RegistryConfig {
            location: Some(PathBuf::from("/srv/registry")),
            trusted_root: Some(PathBuf::from("/etc/juzhu/root.json")),
            poll_interval_secs: 30,
        },
        sandbox: SandboxLimits {
            fuel: 1_000,
            timeout_ms: 50,
            memory_bytes: 1 << 20,
            max_result_bytes: 4096,
            max_concurrent_instances: 8,
        },
        http: HttpConfig {
            max_body_bytes: 65_536,
            workers: 3,
            max_connections: 100,
            max_connections_per_ip: 0,
            header_read_timeout_secs: 5,
            body_read_timeout_secs: 20,
        },
        encoders: vec![
            EncoderConfig {
                name: "desk-1".into(),
                driver: EncoderDriver::Pcsc,
                reader: Some("Virtual PCD 00 00".into()),
            },
            EncoderConfig { name: "test".into(), driver: EncoderDriver::Memory, reader: None },
        ],
        card: CardConfig {
            authority_key: Some(PathBuf::from("/etc/juzhu/authority.key")),
            trusted_keys: vec!["ab".repeat(32)],
            retry_delay_ms: 250,
            photo_dir: Some(PathBuf::from("/srv/photos")),
        },
        audit: crate::AuditConfig {
            station_name: "gongshu-hall-1".into(),
            checkpoint_every_entries: 10,
            checkpoint_every_secs: 5,
        },
        store: crate::StoreConfig {
            url: Some("postgres://juzhu:secret@db.example:5432/juzhu".into()),
            max_size_mib: None,
        },
    };
    let text = toml::to_string(&config).unwrap();
    assert_eq!(parse(&text).unwrap(), config, "text was:\n{text}");
}

#[test]
fn example_file_parses_and_lists_every_key() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../station.example.toml");
    let config = StationConfig::load(&path).unwrap();
    // What the example sets is the defaults; the rest is commented out.
    assert_eq!(config, StationConfig::default());
    // Every key appears in the example, commented out or not, so the
    // example stays the reference.
    let example = std::fs::read_to_string(&path).unwrap();
    let mut full = StationConfig::default();
    full.modules.jurisdictions = vec!["330203".to_string().try_into().unwrap()];
    full.registry.location = Some("registry".into());
    full.registry.trusted_root = Some("root.json".into());
    full.encoders =
        vec![EncoderConfig { name: "desk-1".into(), driver: EncoderDriver::Pcsc, reader: Some("r".into()) }];
    full.card.authority_key = Some(PathBuf::from("k"));
    full.card.trusted_keys = vec!["ab".repeat(32)];
    full.card.photo_dir = Some(PathBuf::from("p"));
    full.store.url = Some("postgres://juzhu@db/juzhu".into());
    let value = toml::Value::try_from(&full).unwrap();
    let mut keys = Vec::new();
    collect_keys(&value, &mut keys);
    for key in keys {
        assert!(
            example.lines().any(|l| l.trim_start_matches(['#', ' ']).starts_with(&format!("{key} ="))),
            "station.example.toml does not mention `{key}`"
        );
    }
}

fn collect_keys(value: &toml::Value, out: &mut Vec<String>) {
    match value {
        toml::Value::Table(table) => {
            for (key, value) in table {
                if !matches!(value, toml::Value::Table(_) | toml::Value::Array(_)) || key == "jurisdictions" {
                    out.push(key.clone());
                }
                collect_keys(value, out);
            }
        }
        toml::Value::Array(items) => items.iter().for_each(|v| collect_keys(v, out)),
        _ => {}
    }
}

#[test]
fn missing_file_names_the_path() {
    let err = StationConfig::load("/nonexistent/station.toml").unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }));
    assert!(err.to_string().contains("/nonexistent/station.toml"), "{err}");
}

#[test]
fn unknown_top_level_key() {
    let shown = rejects("listen = \"127.0.0.1:1\"\nlisten_port = 8080\n", "listen_port");
    assert!(shown.contains("expected one of"), "{shown}");
    assert!(shown.contains("station.toml:2:1"), "{shown}");
}

#[test]
fn unknown_nested_key() {
    let shown = rejects("[sandbox]\nfule = 10\n", "sandbox.fule");
    assert!(shown.contains("`fuel`"), "should list the valid keys: {shown}");
    rejects("[http]\nworkers = 2\nthreads = 2\n", "http.threads");
    rejects("[[encoders]]\nname = \"a\"\ndriver = \"memory\"\nport = 3\n", "encoders[0].port");
}

#[test]
fn wrong_type() {
    let shown = rejects("[sandbox]\nfuel = \"lots\"\n", "sandbox.fuel");
    assert!(shown.contains("station.toml:2:8"), "{shown}");
    assert!(shown.contains("expected a whole number"), "{shown}");
    rejects("data_dir = 3\n", "data_dir");
    rejects("[modules]\njurisdictions = \"330203\"\n", "modules.jurisdictions");
    rejects("[http]\nmax_body_bytes = -1\n", "http.max_body_bytes");
    let shown = rejects("log_format = \"xml\"\n", "log_format");
    assert!(shown.contains("`text`") && shown.contains("`json`"), "{shown}");
    let shown = rejects("[[encoders]]\nname = \"a\"\ndriver = \"usb\"\n", "encoders[0].driver");
    assert!(shown.contains("`pcsc`"), "{shown}");
    rejects("[[encoders]]\ndriver = \"memory\"\n", "encoders[0]");
}

#[test]
fn bad_jurisdiction_code() {
    let shown = rejects("[modules]\njurisdictions = [\"330203\", \"3302\"]\n", "modules.jurisdictions[1]");
    assert!(shown.contains("\"3302\"") && shown.contains("six digits"), "{shown}");
    rejects("[modules]\njurisdictions = [\"33020a\"]\n", "modules.jurisdictions[0]");
    rejects("[modules]\njurisdictions = [330203]\n", "modules.jurisdictions[0]");
    let shown =
        rejects("[modules]\njurisdictions = [\"330203\", \"350600\", \"330203\"]\n", "modules.jurisdictions[2]");
    assert!(shown.contains("already listed"), "{shown}");
}

#[test]
fn zero_fuel() {
    let shown = rejects("[sandbox]\nfuel = 0\n", "sandbox.fuel");
    assert!(shown.contains("at least 1"), "{shown}");
    rejects("[sandbox]\nmemory_bytes = 1024\n", "sandbox.memory_bytes");
}

#[test]
fn bad_listen_address() {
    let shown = rejects("listen = \"localhost:8080\"\n", "listen");
    assert!(shown.contains("127.0.0.1:8080"), "should show a valid form: {shown}");
    rejects("listen = \"127.0.0.1\"\n", "listen");
    rejects("listen = 8080\n", "listen");
}

#[test]
fn other_checks() {
    rejects("[http]\nworkers = 0\n", "http.workers");
    rejects("[http]\nmax_body_bytes = 0\n", "http.max_body_bytes");
    rejects(
        "[[encoders]]\nname = \"a\"\ndriver = \"memory\"\n[[encoders]]\nname = \"a\"\ndriver = \"pcsc\"\n",
        "encoders[1].name",
    );
    let shown = rejects("[card]\ntrusted_keys = [\"abc\"]\n", "card.trusted_keys[0]");
    assert!(shown.contains("64 hex digits"), "{shown}");
    rejects("[card]\nretry_delay = 3\n", "card.retry_delay");
}

#[test]
fn syntax_error_gives_line() {
    let err = parse("listen = \n").unwrap_err();
    assert_eq!(err.key(), None);
    assert!(err.to_string().starts_with("station.toml:1:"), "{err}");
}

#[test]
fn audit_checkpoint_intervals_of_zero_are_refused_naming_the_key() {
    for (text, key) in [
        ("[audit]\ncheckpoint_every_entries = 0", "audit.checkpoint_every_entries"),
        ("[audit]\ncheckpoint_every_secs = 0", "audit.checkpoint_every_secs"),
        ("[audit]\nstation_name = \" \"", "audit.station_name"),
    ] {
        let err = parse(text).unwrap_err();
        assert_eq!(err.key(), Some(key), "{text}");
        assert!(err.to_string().contains("e.g.") || err.to_string().contains("at least 1"), "{err}");
    }
}

#[test]
fn a_bad_store_url_is_named() {
    for (text, says) in [
        ("[store]\nurl = \"postgres://juzhu@db:5432\"\n", "names no database"),
        ("[store]\nurl = \"postgres:///juzhu\"\n", "names no host"),
        ("[store]\nurl = \"postgres://db:http/juzhu\"\n", "is not a number"),
        ("[store]\nurl = \"mysql://db/juzhu\"\n", "`mysql://` is not a store"),
    ] {
        let err = parse(text).unwrap_err();
        assert_eq!(err.key(), Some("store.url"), "{err}");
        assert!(err.to_string().contains(says), "{text}: {err}");
    }
    let ok = parse("[store]\nurl = \"postgres://juzhu:pw@127.0.0.1:5432/juzhu\"\n").unwrap();
    assert_eq!(ok.store.postgres_url(), Some("postgres://juzhu:pw@127.0.0.1:5432/juzhu"));
    assert_eq!(parse("").unwrap().store.postgres_url(), None);
}
