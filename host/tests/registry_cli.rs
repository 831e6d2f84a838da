//! The registry's subcommands as a district author, a certification tester
//! and an operator meet them: each says what it signed, or refuses, says
//! why, and signs nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use juzhu_test_support::component;

fn juzhu(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_juzhu"))
        .current_dir(dir)
        .env("JUZHU_KEY_PASSPHRASE", "district secret")
        .args(args)
        .output()
        .expect("run juzhu")
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = juzhu(dir, args);
    assert!(out.status.success(), "juzhu {args:?}: {}", text(&out));
    text(&out)
}

fn refused(dir: &Path, args: &[&str]) -> String {
    let out = juzhu(dir, args);
    assert_eq!(out.status.code(), Some(1), "juzhu {args:?} should refuse: {}", text(&out));
    let t = text(&out);
    assert!(t.contains("refused: "), "{t}");
    t
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Every file under `dir`, with its bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(snapshot(&p));
        } else {
            out.push((p.clone(), std::fs::read(&p).unwrap()));
        }
    }
    out.sort();
    out
}

const VECTOR: &str = r#"
defaults:
  facts: &base
    jurisdiction: "350602"
    identity: { name: 李明, citizen_id: "360102199001010034", sex: Male, hukou_division: "360102" }
    registrations:
      - { registered_on: "2017-01-10", division: "350602", address: 芗城区新华西路1号, changes: [] }
    insurance: []
    employment:
      - { kind: LabourContract, division: "350602", started_on: "2017-02-01" }
    housing: []
    schooling: []
    guardians: []
    special_statuses: []
    materials: []
    points: { awards: [], violations: [], assigned: [] }
vectors:
  - id: employed
    clause: 二(二)1
    legal_date: "2017-07-10"
    facts: { <<: *base }
    expect: { outcome: OUTCOME, routes: { Employment: Met } }
"#;

#[test]
fn author_tester_and_operator_walk_through() {
    let module = component("zhangzhou");
    let module = module.to_str().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for role in ["root", "targets", "snapshot", "timestamp", "certification"] {
        ok(d, &["key", "new", &format!("keys/{role}.key")]);
    }
    let out = ok(d, &["key", "new", "keys/district.key", "--encrypt"]);
    assert!(out.contains("passphrase-protected"), "{out}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(d.join("keys/district.key")).unwrap().permissions().mode() & 0o777, 0o600);
    let t = refused(d, &["key", "new", "keys/root.key"]);
    assert!(t.contains("never overwritten"), "{t}");

    let online = ["--key", "keys/snapshot.key", "--key", "keys/timestamp.key"];
    let out = ok(
        d,
        &[
            "registry",
            "init",
            "--root",
            "keys/root.pub",
            "--targets",
            "keys/targets.pub",
            "--snapshot",
            "keys/snapshot.pub",
            "--timestamp",
            "keys/timestamp.pub",
            "--certification",
            "keys/certification.pub",
            "--key",
            "keys/root.key",
            "--key",
            "keys/targets.key",
            "--key",
            "keys/snapshot.key",
            "--key",
            "keys/timestamp.key",
        ],
    );
    assert!(out.contains("signed root version 1"), "{out}");
    let out = ok(
        d,
        &[
            &["registry", "delegate", "350600", "--district-key", "keys/district.pub", "--key", "keys/targets.key"][..],
            &online,
        ]
        .concat(),
    );
    assert!(out.contains("delegated districts/350600/* to district-350600"), "{out}");

    // The author publishes: not in the past, not for another district.
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap()).date();
    let publish = |date: &str, district: &str| -> Vec<String> {
        [
            &["publish", module, "--district", district, "--effective-from", date, "--key", "keys/district.key"][..],
            &online[..],
        ]
        .concat()
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let yesterday = publish(&today.yesterday().unwrap().to_string(), "350600");
    let t = refused(d, &args(&yesterday));
    assert!(t.contains("is before today") && t.contains("nothing was signed"), "{t}");
    let wrong = publish(&today.to_string(), "330105");
    let t = refused(d, &args(&wrong));
    assert!(t.contains("is written for division 350600, not 330105"), "{t}");
    let out = ok(d, &args(&publish(&today.to_string(), "350600")));
    assert!(
        out.contains("published districts/350600/zhangzhou-1.0.0.wasm")
            && out.contains("signed district-350600 version 1"),
        "{out}"
    );

    // The tester attests: a failing module is refused and nothing is signed.
    let failing = d.join("failing");
    std::fs::create_dir(&failing).unwrap();
    std::fs::write(failing.join("v.yaml"), VECTOR.replace("OUTCOME", "Ineligible")).unwrap();
    let before = snapshot(&d.join("registry"));
    let attest = |vectors: &str| -> Vec<String> {
        [&["attest", module, "--vectors", vectors, "--key", "keys/certification.key"][..], &online[..]]
            .concat()
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    let t = refused(d, &args(&attest("failing")));
    assert!(t.contains("failed certification, so it is not attested"), "{t}");
    assert!(before == snapshot(&d.join("registry")), "a refused attestation wrote to the registry");
    let passing = d.join("passing");
    std::fs::create_dir(&passing).unwrap();
    std::fs::write(passing.join("v.yaml"), VECTOR.replace("OUTCOME", "Eligible")).unwrap();
    let out = ok(d, &args(&attest("passing")));
    assert!(
        out.contains("attested districts/350600/zhangzhou-1.0.0.wasm") && out.contains("(1 vectors passed)"),
        "{out}"
    );
    // The attestation signs the digest of the report the kit wrote beside
    // the module, and the kit's version.
    let report = std::fs::read(std::path::Path::new(module).with_extension("certification").join("report.json"))
        .expect("attest writes the kit's report");
    let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&report));
    let signed: Vec<String> = walk(&d.join("registry"))
        .into_iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter(|text| text.contains("\"report_sha256\""))
        .collect();
    assert!(
        signed.iter().any(|text| text.contains(&digest) && text.contains("\"kit_version\"")),
        "no attestation signs report.json's sha256 {digest}"
    );
    let t = refused(d, &args(&attest("passing")));
    assert!(t.contains("already attested"), "{t}");
    let status = ok(d, &["registry", "status"]);
    assert!(
        status.contains("module 350600 zhangzhou@1.0.0") && status.contains("certified (1 vectors passed)"),
        "{status}"
    );

    // The operator trusts the root, serves from the registry, pins and rolls back.
    std::fs::write(
        d.join("station.toml"),
        "data_dir = \"data\"\n[registry]\nlocation = \"registry\"\ntrusted_root = \"registry/metadata/1.root.json\"\n",
    )
    .unwrap();
    let t = refused(d, &["rollback", "350600", "--config", "station.toml"]);
    assert!(t.contains("no certified, non-revoked version before 1.0.0"), "{t}");
    let t = refused(d, &["pin", "350600", "9.0.0", "--config", "station.toml"]);
    assert!(t.contains("has no certified version 9.0.0; its certified versions are 1.0.0"), "{t}");
    let out = ok(d, &["pin", "350600", "1.0.0", "--config", "station.toml"]);
    assert!(out.contains("350600 zhangzhou: pinned 1.0.0"), "{out}");
    let out = ok(d, &["audit", "verify", "--config", "station.toml"]);
    assert!(out.contains("audit log intact"), "{out}");
}

#[test]
fn every_registry_subcommand_has_help() {
    let d = tempfile::tempdir().unwrap();
    for args in [
        &["key", "new", "--help"][..],
        &["registry", "--help"],
        &["registry", "init", "--help"],
        &["registry", "delegate", "--help"],
        &["registry", "revoke", "--help"],
        &["registry", "rotate", "--help"],
        &["registry", "refresh-timestamp", "--help"],
        &["registry", "status", "--help"],
        &["publish", "--help"],
        &["attest", "--help"],
        &["pin", "--help"],
        &["unpin", "--help"],
        &["rollback", "--help"],
    ] {
        let out = juzhu(d.path(), args);
        assert!(out.status.success() && text(&out).contains("Usage:"), "juzhu {args:?}: {}", text(&out));
    }
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            all.extend(walk(&path));
        } else {
            all.push(path);
        }
    }
    all
}
