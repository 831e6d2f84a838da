//! The publishing tools' honest path and their refusals.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::*;
use juzhu_registry::SigningKey;

#[test]
fn key_files_are_owner_only_and_a_passphrase_protects_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("district.key");
    let key = SigningKey::generate();
    let public = key.write(&path, Some("correct horse")).unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(std::fs::read_to_string(&path).unwrap().contains("ENCRYPTED PRIVATE KEY"));
    let err = SigningKey::read(&path, None).err().unwrap();
    assert!(err.to_string().contains("protected by a passphrase; set JUZHU_KEY_PASSPHRASE"), "{err}");
    let err = SigningKey::read(&path, Some("wrong")).err().unwrap();
    assert!(err.to_string().contains("wrong passphrase"), "{err}");
    assert_eq!(SigningKey::read(&path, Some("correct horse")).unwrap().keyid(), key.keyid());
    assert_eq!(juzhu_registry::keys::read_public(&public, None).unwrap(), *key.public());
    let err = key.write(&path, None).err().unwrap();
    assert!(err.to_string().contains("never overwritten"), "{err}");
    let plain = dir.path().join("plain.key");
    key.write(&plain, None).unwrap();
    assert_eq!(SigningKey::read(&plain, None).unwrap().keyid(), key.keyid());
}

#[test]
fn publishing_with_an_effective_date_in_the_past_is_refused() {
    let f = fixture();
    let yesterday = f.today.yesterday().unwrap().to_string();
    let err = f
        .repo()
        .unwrap()
        .publish(
            GONGSHU,
            &describe("hangzhou-gongshu", "1.1.0"),
            b"x",
            &yesterday,
            f.today,
            &f.online(&f.district_keys(GONGSHU)),
        )
        .unwrap_err();
    assert!(err.to_string().contains(&format!("effective-from {yesterday} is before today")), "{err}");
    let err = f
        .repo()
        .unwrap()
        .publish(
            GONGSHU,
            &describe("hangzhou-gongshu", "1.1.0"),
            b"x",
            "2027-13-01",
            f.today,
            &f.online(&f.district_keys(GONGSHU)),
        )
        .unwrap_err();
    assert!(err.to_string().contains("is not a date like 2027-01-01"), "{err}");
}

#[test]
fn a_published_version_is_immutable_and_versions_only_go_up() {
    let f = fixture();
    let keys = f.online(&f.district_keys(GONGSHU));
    let today = f.today.to_string();
    let err = f
        .repo()
        .unwrap()
        .publish(GONGSHU, &describe("hangzhou-gongshu", "1.0.0"), b"y", &today, f.today, &keys)
        .unwrap_err();
    assert!(err.to_string().contains("already published"), "{err}");
    let err = f
        .repo()
        .unwrap()
        .publish(GONGSHU, &describe("hangzhou-gongshu", "0.9.0"), b"y", &today, f.today, &keys)
        .unwrap_err();
    assert!(err.to_string().contains("not newer than the published 1.0.0"), "{err}");
    let err = f.repo().unwrap().publish("999999", &describe("x", "1.0.0"), b"y", &today, f.today, &keys).unwrap_err();
    assert!(err.to_string().contains("juzhu registry delegate 999999"), "{err}");
}

#[test]
fn a_refused_operation_writes_nothing() {
    let f = fixture();
    let before: Vec<_> = walk(f.dir());
    let _ = f
        .repo()
        .unwrap()
        .publish(
            GONGSHU,
            &describe("hangzhou-gongshu", "2.0.0"),
            b"z",
            &f.today.to_string(),
            f.today,
            &f.keyring(&f.district_keys(GONGSHU)),
        )
        .unwrap_err();
    assert_eq!(before, walk(f.dir()), "publishing without the snapshot key must leave the registry untouched");
}

fn walk(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push((p.display().to_string(), std::fs::read(&p).unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn attesting_needs_a_published_module() {
    let f = fixture();
    let err = f.repo().unwrap().attest(b"never published", 3, &f.online(&[&f.keys.certification])).unwrap_err();
    assert!(err.to_string().contains("publish it with `juzhu publish` before attesting"), "{err}");
    let err = f
        .repo()
        .unwrap()
        .attest(&stand_in_module("hangzhou-gongshu 1.0.0"), 3, &f.online(&[&f.keys.certification]))
        .unwrap_err();
    assert!(err.to_string().contains("already attested"), "{err}");
}

#[test]
fn a_revoked_version_is_reported_revoked_by_the_client() {
    let f = fixture();
    let report = f
        .repo()
        .unwrap()
        .revoke_module(
            GONGSHU,
            "hangzhou-gongshu",
            "1.0.0",
            "clause 3 misread",
            f.today,
            &f.online(&f.district_keys(GONGSHU)),
        )
        .unwrap();
    assert!(
        report[0].contains("revoked districts/330105/hangzhou-gongshu-1.0.0.wasm in district-330105"),
        "{report:?}"
    );
    let (_, update) = f.updated_client().unwrap();
    assert_eq!(update.modules.len(), 1);
    assert!(update.modules[0].revoked.as_deref().unwrap().contains("clause 3 misread"));
    // The certification role can revoke its attestation too.
    let jx = f.publish_stand_in(JIAXING, "jiaxing", "1.0.0", &f.today.to_string()).unwrap();
    f.attest(&jx, VECTORS).unwrap();
    f.repo()
        .unwrap()
        .revoke_module(JIAXING, "jiaxing", "1.0.0", "vectors incomplete", f.today, &f.online(&[&f.keys.certification]))
        .unwrap();
    let (_, update) = f.updated_client().unwrap();
    let jx = update.modules.iter().find(|m| m.fields.module_id == "jiaxing").unwrap();
    assert!(jx.revoked.as_deref().unwrap().starts_with("certification revoked"), "{:?}", jx.revoked);
}

#[test]
fn status_names_every_role_and_module_state() {
    let f = fixture();
    f.publish_stand_in(GONGSHU, "hangzhou-gongshu", "1.1.0", "2099-01-01").unwrap();
    let status = f.repo().unwrap().status().join("\n");
    for needle in [
        "root ",
        "targets ",
        "snapshot ",
        "timestamp ",
        "certification ",
        "district-330105",
        "district-330400",
        "certified (12 vectors passed)",
        "NOT certified",
        "effective 2099-01-01",
    ] {
        assert!(status.contains(needle), "{needle} missing from:\n{status}");
    }
}

#[test]
fn a_future_version_verifies_with_its_effective_date() {
    let f = fixture();
    let v2 = f.publish_stand_in(GONGSHU, "hangzhou-gongshu", "2.0.0", "2099-01-01").unwrap();
    f.attest(&v2, VECTORS).unwrap();
    let (_, update) = f.updated_client().unwrap();
    let v = update.modules.iter().find(|m| m.fields.version == "2.0.0").unwrap();
    assert_eq!(v.fields.effective_from, "2099-01-01");
    assert_eq!(v.fields.supersedes.as_deref(), Some("1.0.0"));
    assert_eq!(v.bytes, v2);
}

#[test]
fn a_key_rotation_is_followed_and_the_old_key_stops_counting() {
    let f = fixture();
    let (mut client, _) = f.updated_client().unwrap();
    let new_timestamp = SigningKey::generate();
    let rotation = juzhu_registry::repo::Rotation {
        timestamp: Some(juzhu_registry::repo::RoleSpec { keys: vec![new_timestamp.public().clone()], threshold: 1 }),
        ..Default::default()
    };
    // Without the root key, nothing is signed.
    let err = f.repo().unwrap().rotate_keys(&rotation, &f.keyring(&[&f.keys.snapshot, &new_timestamp])).unwrap_err();
    assert!(err.to_string().contains("cannot sign root"), "{err}");
    let report = f
        .repo()
        .unwrap()
        .rotate_keys(&rotation, &f.keyring(&[&f.keys.root, &f.keys.snapshot, &new_timestamp]))
        .unwrap();
    assert!(report.iter().any(|l| l.starts_with("signed root version 2")), "{report:?}");
    assert!(
        report.iter().any(|l| l.starts_with("signed timestamp") && l.contains(&new_timestamp.keyid()[..8])),
        "{report:?}"
    );
    let update = f.update(&mut client).unwrap();
    assert_eq!(update.root_version, 2);
    // The old timestamp key signs a new timestamp: refused.
    let snapshot = format!("metadata/{}.snapshot.json", f.snapshot_version());
    f.forge_timestamp(&snapshot, |_| {});
    let err = f.update(&mut client).unwrap_err();
    assert!(matches!(&err, juzhu_registry::Error::BelowThreshold { role, .. } if role == "timestamp"), "{err}");
}
