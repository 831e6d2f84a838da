//! `juzhu backup` while a real `juzhu serve` takes submissions, and
//! `juzhu restore` of that backup: refused while serving, refused when
//! tampered (naming the broken entry), and in place once the station stops.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use juzhu_test_support::process::{Killed, free_port, request};
use juzhu_test_support::{ApplicationBuilder, component};

fn juzhu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_juzhu")).args(args).output().unwrap()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn write_config(dir: &Path, port: u16) -> std::path::PathBuf {
    let modules = dir.join("modules");
    std::fs::create_dir_all(&modules).unwrap();
    std::fs::copy(component("hangzhou-gongshu"), modules.join("hangzhou-gongshu.wasm")).unwrap();
    let config = dir.join("station.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:{port}\"\ndata_dir = \"{}\"\n[modules]\ndir = \"{}\"\n",
            dir.join("data").display(),
            modules.display()
        ),
    )
    .unwrap();
    config
}

fn serve(config: &Path, port: u16) -> (Killed, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_juzhu"))
        .args(["serve", "--config", config.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Killed(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(t) = line.split_whitespace().find(|w| w.starts_with("jz_")) {
                let _ = tx.send(t.to_string());
            }
        }
    });
    let token = rx.recv_timeout(Duration::from_secs(120)).expect("the first start prints an admin token");
    let deadline = Instant::now() + Duration::from_secs(60);
    while request(port, "GET", "/health", "", "").is_err() {
        assert!(Instant::now() < deadline, "juzhu serve did not come up");
        std::thread::sleep(Duration::from_millis(100));
    }
    (server, token)
}

fn count(db: &Path, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
}

#[test]
fn backup_while_serving_then_restore_only_what_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = write_config(dir.path(), port);
    let cfg = config.to_str().unwrap();
    let (mut server, token) = serve(&config, port);

    // Submissions keep arriving while the backup is taken.
    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let load = {
        let (stop, acknowledged, token) = (stop.clone(), acknowledged.clone(), token.clone());
        std::thread::spawn(move || {
            let application = serde_json::json!({
                "legal_date": "2017-06-15",
                "application": ApplicationBuilder::gongshu_employed().address("x").no_materials().json(),
            })
            .to_string();
            while !stop.load(Ordering::Relaxed) {
                let (status, body) = request(port, "POST", "/v1/applications", &token, &application).unwrap();
                assert_eq!(status, 201, "{body}");
                acknowledged.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.load(Ordering::Relaxed) < 5 {
        assert!(Instant::now() < deadline, "no submissions acknowledged");
        std::thread::sleep(Duration::from_millis(20));
    }
    let backup = dir.path().join("backup.db");
    let out = juzhu(&["backup", backup.to_str().unwrap(), "--config", cfg]);
    let during = acknowledged.load(Ordering::Relaxed);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("audit trail of"), "{}", text(&out));
    // The load went on during and after the backup.
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.load(Ordering::Relaxed) < during + 3 {
        assert!(Instant::now() < deadline, "submissions stopped after the backup");
        std::thread::sleep(Duration::from_millis(20));
    }
    stop.store(true, Ordering::Relaxed);
    load.join().unwrap();

    // The backup is one self-contained file that opens and verifies.
    assert!(!dir.path().join("backup.db-wal").exists());
    let decisions_in_backup = count(&backup, "decisions");
    assert!(decisions_in_backup >= 5, "the backup holds what was acknowledged before it: {decisions_in_backup}");
    {
        let store = juzhu_store::Store::open(&backup).unwrap();
        let entries = store.verify_audit().expect("the backup's audit trail verifies");
        assert!(entries as i64 > decisions_in_backup, "{entries} entries for {decisions_in_backup} decisions");
    }

    // A backup never overwrites a file.
    let again = juzhu(&["backup", backup.to_str().unwrap(), "--config", cfg]);
    assert!(!again.status.success());
    assert!(text(&again).contains("already exists"), "{}", text(&again));

    // Restore is refused while the station serves.
    let out = juzhu(&["restore", backup.to_str().unwrap(), "--config", cfg]);
    assert!(!out.status.success());
    assert!(text(&out).contains("stop it before restoring"), "{}", text(&out));

    server.0.kill().unwrap();
    server.0.wait().unwrap();
    let live = dir.path().join("data/juzhu.db");
    let decisions_live = count(&live, "decisions");
    assert!(decisions_live > decisions_in_backup, "{decisions_live} vs {decisions_in_backup}");

    // A tampered backup is refused, naming the entry, and nothing changes.
    let tampered = dir.path().join("tampered.db");
    std::fs::copy(&backup, &tampered).unwrap();
    {
        let conn = rusqlite::Connection::open(&tampered).unwrap();
        conn.execute_batch("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'mallory' WHERE seq = 3;")
            .unwrap();
    }
    let out = juzhu(&["restore", tampered.to_str().unwrap(), "--config", cfg]);
    assert!(!out.status.success());
    assert!(text(&out).contains("seq 3") && text(&out).contains("edited"), "{}", text(&out));
    assert!(text(&out).contains("nothing was changed"), "{}", text(&out));
    assert_eq!(count(&live, "decisions"), decisions_live, "the refused restore changed the store");

    // The good backup is put in place.
    let out = juzhu(&["restore", backup.to_str().unwrap(), "--config", cfg]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(count(&live, "decisions"), decisions_in_backup);
    let store = juzhu_store::Store::open(&live).unwrap();
    store.verify_audit().expect("the restored store verifies");
}

#[test]
fn postgres_backups_are_refused_with_a_pointer_to_pg_dump() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("station.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = \"{}\"\n[store]\nurl = \"postgres://juzhu:secret@127.0.0.1:1/juzhu\"\n",
            dir.path().join("data").display()
        ),
    )
    .unwrap();
    for cmd in ["backup", "restore"] {
        let out = juzhu(&[cmd, dir.path().join("b.db").to_str().unwrap(), "--config", config.to_str().unwrap()]);
        assert!(!out.status.success());
        let t = text(&out);
        assert!(t.contains("PostgreSQL") && t.contains("pg_"), "{cmd}: {t}");
        assert!(!t.contains("secret"), "{cmd} leaks the password: {t}");
        assert!(!dir.path().join("b.db").exists());
    }
}
