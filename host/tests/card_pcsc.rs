//! Card issuance end to end through the real PC/SC stack: the `juzhu`
//! binary drives pcscd's virtual reader (vpcd), behind which `juzhu card
//! emulate` is the card; pcscd and the card run in their own network
//! namespace (see `juzhu_card::testbed`). These tests fail, never skip,
//! when the stack is missing: `scripts/pcsc-setup.sh` installs it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use juzhu_card::testbed::{READER, Testbed};
use juzhu_card::{CardDump, layout};
use juzhu_runtime::module_set::ModuleSet;
use juzhu_runtime::{Runtime, SandboxLimits};
use juzhu_station::service::Service;
use juzhu_store::Store;
use juzhu_test_support::{ApplicationBuilder, component};
use serde_json::Value;

fn juzhu() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_juzhu"))
}

/// A station directory: modules, signing key, station file, and a database
/// holding one issued permit. Returns the station file and the permit.
struct Station {
    dir: tempfile::TempDir,
    config: PathBuf,
    permit: String,
    public_key: String,
}

fn station() -> Station {
    let dir = tempfile::tempdir().unwrap();
    let modules = dir.path().join("modules");
    std::fs::create_dir_all(&modules).unwrap();
    std::fs::copy(component("hangzhou-gongshu"), modules.join("hangzhou-gongshu.wasm")).unwrap();
    let key = dir.path().join("authority.key");
    let out = run(&[], &["card", "keygen", "--out", key.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let public_key = String::from_utf8_lossy(&out.stdout).lines().last().unwrap().trim().to_string();
    let config = dir.path().join("station.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = \"{}\"\n[modules]\ndir = \"{}\"\n[[encoders]]\nname = \"desk-1\"\ndriver = \"pcsc\"\nreader = \"{READER}\"\n[card]\nauthority_key = \"{}\"\nretry_delay_ms = 1500\n",
            dir.path().join("data").display(),
            modules.display(),
            key.display()
        ),
    )
    .unwrap();
    // A permit, issued through the library on the station's database.
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    let service = library_service(dir.path());
    let application = ApplicationBuilder::gongshu_employed().insured_until("2018-06").typed();
    let receipt = service.submit("clerk", &application, Some("2017-06-15".into())).unwrap();
    let permit = service.issue("supervisor", receipt.decision_id, Some("2017-06-20".into())).unwrap().number;
    Station { dir, config, permit, public_key }
}

/// The station's service through the library (for what the CLI does not do).
fn library_service(dir: &Path) -> Service {
    let store = Store::open(dir.join("data/juzhu.db")).unwrap();
    let runtime = Runtime::new(SandboxLimits::default(), None).unwrap();
    let mut set = ModuleSet::default();
    let wasm = dir.join("modules/hangzhou-gongshu.wasm");
    set.insert(runtime.load("gongshu", &std::fs::read(&wasm).unwrap()).unwrap()).unwrap();
    Service::new(runtime, set, store).unwrap()
}

fn run(env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = Command::new(juzhu());
    cmd.args(args).stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

impl Station {
    fn card(&self, args: &[&str]) -> Output {
        let mut all = vec!["card"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--config", self.config.to_str().unwrap()]);
        run(&[], &all)
    }

    fn issue(&self, kind: &str) -> Output {
        self.card(&[kind, "--permit", &self.permit, "--encoder", "desk-1", "--legal-date", "2017-06-20"])
    }

    fn status(&self) -> Value {
        let out = self.card(&["status", "--permit", &self.permit]);
        assert!(out.status.success(), "{}", text(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn state_file(&self, uid: &str) -> PathBuf {
        self.dir.path().join(format!("{uid}.jzc"))
    }

    /// Puts a test card with chip `uid` in the reader.
    fn insert(&self, bed: &mut Testbed, uid: &str, extra: &[&str]) {
        let mut args: Vec<String> =
            ["card", "emulate", "--uid", uid, "--state"].iter().map(|s| s.to_string()).collect();
        args.push(self.state_file(uid).display().to_string());
        args.extend(extra.iter().map(|s| s.to_string()));
        bed.insert(&juzhu(), &args).unwrap();
    }

    fn verify_image(&self, path: &Path) -> Output {
        self.card(&["verify", "--image", path.to_str().unwrap()])
    }
}

fn testbed(s: &Station) -> Testbed {
    Testbed::start(&s.dir.path().join("pcsc")).unwrap()
}

#[test]
fn kill_9_mid_encoding_is_resolved_on_restart() {
    let s = station();
    let mut bed = testbed(&s);
    // Slow writes, so juzhu is surely killed mid-card.
    s.insert(&mut bed, "04AA000000000A", &["--write-delay-ms", "60"]);
    let mut child = Command::new(juzhu())
        .args([
            "card",
            "issue",
            "--permit",
            &s.permit,
            "--encoder",
            "desk-1",
            "--legal-date",
            "2017-06-20",
            "--config",
            s.config.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let db = s.dir.path().join("data/juzhu.db");
    let start = Instant::now();
    loop {
        assert!(start.elapsed() < Duration::from_secs(60), "the issuance never reached encoding");
        assert!(child.try_wait().unwrap().is_none(), "juzhu finished before it could be killed");
        let encoding = Store::open(&db).ok().and_then(|store| {
            let row: Option<String> = store
                .conn()
                .query_row("SELECT state FROM card_issuances ORDER BY id DESC LIMIT 1", [], |r| r.get(0))
                .ok();
            row
        });
        if encoding.as_deref() == Some("encoding") {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // About 8 of the card's 30 writes (60 ms each) are done.
    std::thread::sleep(Duration::from_millis(500));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let status = s.status();
    assert_eq!(status["issuances"][0]["state"], "encoding", "{status:#}");
    assert_eq!(status["carded"], false, "not carded while the card is half-written");
    let written = CardDump::decode(&std::fs::read(s.state_file("04AA000000000A")).unwrap()).unwrap();
    assert!(written.files.values().any(|f| f.iter().any(|b| *b != 0)), "juzhu was killed after writing began");
    let half = s.verify_image(&s.state_file("04AA000000000A"));
    assert!(!half.status.success(), "a half-written card verified: {}", text(&half));
    assert!(String::from_utf8_lossy(&half.stdout).contains("unfinished"), "{}", text(&half));

    // Restart: juzhu reads the card in the encoder back and finishes it.
    let out = s.card(&["recover"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains(": done"), "{}", text(&out));
    let status = s.status();
    assert_eq!(status["carded"], true, "{status:#}");
    assert_eq!(status["issuances"][0]["state"], "done");
    assert_eq!(status["issuances"][0]["attempt"], 2);
    assert_eq!(status["card"]["chip_uid"], "04AA000000000A");
    let ok = s.verify_image(&s.state_file("04AA000000000A"));
    assert!(ok.status.success(), "{}", text(&ok));
    let out = run(&[], &["audit", "verify", "--config", s.config.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn a_pulled_card_is_retried_and_a_faulty_card_rejected() {
    let s = station();
    let mut bed = testbed(&s);
    // Pulled at write 15 and put back a moment later.
    s.insert(&mut bed, "04BB000000000B", &["--fault", "pull@15"]);
    let out = s.issue("issue");
    assert!(out.status.success(), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("encoding, attempt 2") && shown.contains(": done"), "{shown}");
    let status = s.status();
    assert_eq!(status["carded"], true);
    assert_eq!(status["issuances"][0]["attempt"], 2);

    // A reissue onto a card with a memory fault: rejected, nothing revoked.
    let old_serial = status["card"]["serial"].as_str().unwrap().to_string();
    s.insert(&mut bed, "04CC000000000C", &["--fault", "6581@12!"]);
    let out = s.issue("reissue");
    assert!(!out.status.success(), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("rejected") && shown.contains("6581") && shown.contains("insert a new blank card"),
        "{shown}"
    );
    let status = s.status();
    assert_eq!(status["card"]["serial"], old_serial.as_str(), "the old card stays valid until a new one verifies");
    assert_eq!(status["cards"].as_array().unwrap().len(), 1);

    // A new blank: the reissue completes and revokes the old serial.
    s.insert(&mut bed, "04DD000000000D", &[]);
    let out = s.issue("reissue");
    assert!(out.status.success(), "{}", text(&out));
    let status = s.status();
    assert_ne!(status["card"]["serial"], old_serial.as_str());
    assert_eq!(status["card"]["chip_uid"], "04DD000000000D");
    let old = status["cards"].as_array().unwrap().iter().find(|c| c["serial"] == old_serial.as_str()).unwrap().clone();
    assert!(old["revoked_at"].is_string(), "{old:#}");
    let kinds: Vec<&str> =
        status["issuances"].as_array().unwrap().iter().map(|i| i["state"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["done", "rejected", "done"]);
}

#[test]
fn verify_accepts_the_issued_card_and_rejects_tampered_truncated_and_foreign_ones() {
    let s = station();
    let mut bed = testbed(&s);
    s.insert(&mut bed, "04EE000000000E", &[]);
    let out = s.card(&["readers"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("{READER}: card ATR")), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("04EE000000000E (blank)"), "{}", text(&out));
    let out = s.issue("issue");
    assert!(out.status.success(), "{}", text(&out));

    // Read through PC/SC into an image file; verified offline.
    let image = s.dir.path().join("card.jzc");
    let out = s.card(&["read", "--encoder", "desk-1", "--out", image.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let out = s.verify_image(&image);
    assert!(out.status.success(), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.starts_with("VALID") && shown.contains(&s.permit) && shown.contains("王伟"), "{shown}");
    // With only the public key, on a machine without the station's key.
    let out = run(&[], &["card", "verify", "--image", image.to_str().unwrap(), "--key", &s.public_key]);
    assert!(out.status.success(), "{}", text(&out));
    let out = s.card(&["verify", "--encoder", "desk-1"]);
    assert!(out.status.success(), "{}", text(&out));

    let dump = CardDump::decode(&std::fs::read(&image).unwrap()).unwrap();
    // Tampered: one byte of the holder's name.
    let mut tampered = dump.clone();
    let identity = tampered.files.get_mut(&layout::IDENTITY.fid).unwrap();
    let at = identity.windows("王伟".len()).position(|w| w == "王伟".as_bytes()).unwrap();
    identity[at + 2] ^= 1;
    let path = s.dir.path().join("tampered.jzc");
    std::fs::write(&path, tampered.encode()).unwrap();
    let out = s.verify_image(&path);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("identity (DG1) does not match its signed hash"),
        "{}",
        text(&out)
    );

    // Truncated: the file cut short.
    let bytes = std::fs::read(&image).unwrap();
    let path = s.dir.path().join("truncated.jzc");
    std::fs::write(&path, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let out = s.verify_image(&path);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("truncated"), "{}", text(&out));

    // Foreign: the same files on another chip, read through PC/SC.
    let mut foreign = dump.clone();
    foreign.chip_uid = hex::decode("04FF000000000F").unwrap();
    std::fs::write(s.state_file("04FF000000000F"), foreign.encode()).unwrap();
    s.insert(&mut bed, "04FF000000000F", &[]);
    let out = s.card(&["verify", "--encoder", "desk-1"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("copied from another card"), "{}", text(&out));
    // Nor can that copy be endorsed as the permit's card.
    let store = Store::open(s.dir.path().join("data/juzhu.db")).unwrap();
    let carded: i64 =
        store.conn().query_row("SELECT count(*) FROM cards WHERE revoked_at IS NULL", [], |r| r.get(0)).unwrap();
    assert_eq!(carded, 1);
}

#[test]
fn an_endorsement_is_written_to_the_holders_card() {
    let s = station();
    let mut bed = testbed(&s);
    s.insert(&mut bed, "04AB000000000B", &[]);
    let out = s.issue("issue");
    assert!(out.status.success(), "{}", text(&out));
    library_service(s.dir.path())
        .act("supervisor", &s.permit, juzhu_domain::Transition::Endorse, Some("2018-06-01".into()))
        .unwrap();
    let out = s.card(&["endorse", "--permit", &s.permit, "--encoder", "desk-1", "--legal-date", "2018-06-01"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = s.card(&["verify", "--encoder", "desk-1"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 endorsement(s)"), "{}", text(&out));
    let dump = CardDump::decode(&std::fs::read(s.state_file("04AB000000000B")).unwrap()).unwrap();
    let records = &dump.files[&layout::ENDORSEMENTS.fid];
    assert!(records.windows(10).any(|w| w == b"2018-06-01"), "the DG4 record is on the card");
    let status = s.status();
    assert_eq!(status["cards"].as_array().unwrap().len(), 1, "the same card, not a new one");
    assert_eq!(status["issuances"][1]["kind"], "endorse");
    assert_eq!(status["issuances"][1]["state"], "done");
}
