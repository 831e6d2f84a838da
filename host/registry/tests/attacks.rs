//! One test per attack on the registry. Each expects the client to refuse
//! with a reason naming what is wrong, and nothing new to activate: a refused
//! update leaves the trusted versions where they were, and a refused entry
//! never becomes a module.

mod common;

use common::*;
use juzhu_registry::Error;
use juzhu_registry::fields::{AttestationFields, attestation_target};
use juzhu_registry::metadata::Envelope;
use serde_json::json;

/// Publishes gongshu 1.1.0 and returns the fixture, a client that trusts
/// the state before it, and its state.
fn with_trusted_client() -> (Fixture, juzhu_registry::Client, juzhu_registry::TrustState) {
    let f = fixture();
    let (client, update) = f.updated_client().unwrap();
    assert_eq!(ids(&update), ["hangzhou-gongshu@1.0.0"]);
    let state = client.state();
    (f, client, state)
}

#[test]
fn tampered_module_bytes_are_refused() {
    let (f, mut client, before) = with_trusted_client();
    let stored = f.stored_module("districts/330105/hangzhou-gongshu-1.0.0.wasm");
    let mut bytes = std::fs::read(&stored).unwrap();
    bytes[0] ^= 0xff;
    std::fs::write(&stored, bytes).unwrap();
    let err = f.update(&mut client).unwrap_err();
    assert!(matches!(err, Error::HashMismatch { .. }), "{err}");
    assert!(err.to_string().contains("but the signed sha256 is"), "{err}");
    assert_unchanged(&before, &client);
}

#[test]
fn more_bytes_than_the_signed_length_are_refused() {
    let (f, mut client, before) = with_trusted_client();
    let stored = f.stored_module("districts/330105/hangzhou-gongshu-1.0.0.wasm");
    let mut bytes = std::fs::read(&stored).unwrap();
    bytes.extend_from_slice(b"trailing payload");
    std::fs::write(&stored, bytes).unwrap();
    let err = f.update(&mut client).unwrap_err();
    assert!(matches!(err, Error::TooLong { .. }), "{err}");
    assert!(err.to_string().contains("longer than its signed length"), "{err}");
    assert_unchanged(&before, &client);
}

#[test]
fn rollback_of_timestamp_is_refused() {
    let (f, _, _) = with_trusted_client();
    let old = std::fs::read(f.path("metadata/timestamp.json")).unwrap();
    f.publish_stand_in(GONGSHU, "hangzhou-gongshu", "1.1.0", &f.today.to_string()).unwrap();
    let (mut client, _) = f.updated_client().unwrap();
    let before = client.state();
    std::fs::write(f.path("metadata/timestamp.json"), old).unwrap();
    let err = f.update(&mut client).unwrap_err();
    assert!(matches!(&err, Error::Rollback { role, .. } if role == "timestamp"), "{err}");
    assert_unchanged(&before, &client);
}

#[test]
fn rollback_of_snapshot_is_refused() {
    let (f, mut client, before) = with_trusted_client();
    // The timestamp key is stolen: a new timestamp points at an older snapshot.
    let old_snapshot = format!("metadata/{}.snapshot.json", f.snapshot_version() - 1);
    f.forge_timestamp(&old_snapshot, |_| {});
    let err = f.update(&mut client).unwrap_err();
    assert!(matches!(&err, Error::Rollback { role, .. } if role == "snapshot"), "{err}");
    assert_unchanged(&before, &client);
}

#[test]
fn rollback_of_targets_is_refused() {
    let (f, mut client, before) = with_trusted_client();
    // Snapshot and timestamp keys stolen: list an older targets version.
    let older = f.listed_version("targets") - 1;
    f.forge_snapshot(|s| s["meta"]["targets.json"] = json!({ "version": older }));
    let err = f.update(&mut client).unwrap_err();
    assert!(matches!(&err, Error::Rollback { role, offered, .. } if role == "targets" && *offered == older), "{err}");
    assert_unchanged(&before, &client);
}

#[test]
fn rollback_of_a_district_role_is_refused() {
    let (f, _, _) = with_trusted_client();
    f.publish_stand_in(GONGSHU, "hangzhou-gongshu", "1.1.0", &f.today.to_string()).unwrap();
    let (mut client, _) = f.updated_client().unwrap();
    let before = client.state();
    let older = f.listed_version("district-330105") - 1;
    f.forge_snapshot(|s| s["meta"]["district-330105.json"] = json!({ "version": older }));
    let err = f.update(&mut client).unwrap_err();
    assert!(matches!(&err, Error::Rollback { role, .. } if role == "district-330105"), "{err}");
    assert_unchanged(&before, &client);
}

#[test]
fn rollback_of_certification_is_refused() {
    let (f, mut client, before) = with_trusted_client();
    let older = f.listed_version("certification") - 1;
    f.forge_snapshot(|s| s["meta"]["certification.json"] = json!({ "version": older }));
    let err = f.update(&mut client).unwrap_err();
    assert!(matches!(&err, Error::Rollback { role, .. } if role == "certification"), "{err}");
    assert_unchanged(&before, &client);
}

#[test]
fn rollback_of_root_by_replaying_an_old_root_is_refused() {
    let (f, mut client, before) = with_trusted_client();
    // Version 1, validly signed, offered as version 2.
    std::fs::copy(f.path("metadata/1.root.json"), f.path("metadata/2.root.json")).unwrap();
    let err = f.update(&mut client).unwrap_err();
    assert!(matches!(&err, Error::VersionMismatch { role, expected: 2, found: 1, .. } if role == "root"), "{err}");
    assert_unchanged(&before, &client);
}

#[test]
fn an_expired_timestamp_freezes_the_registry() {
    let (f, mut client, before) = with_trusted_client();
    f.publish_stand_in(GONGSHU, "hangzhou-gongshu", "1.1.0", &f.today.to_string()).unwrap();
    let later = f.now + jiff::SignedDuration::from_hours(24 * 8);
    let err = client.update(&juzhu_registry::client::open_registry(f.dir()).unwrap(), later).unwrap_err();
    assert!(err.is_freeze(), "{err}");
    assert!(matches!(&err, Error::Expired { role, .. } if role == "timestamp"), "{err}");
    assert!(err.to_string().contains("refresh-timestamp"), "{err}");
    assert_unchanged(&before, &client);
}

#[test]
fn mix_and_match_a_targets_file_other_than_the_one_listed_is_refused() {
    let (f, mut client, before) = with_trusted_client();
    // The mirror serves the previous targets under the name of the listed version.
    let listed = f.listed_version("targets");
    let previous = std::fs::read(f.path(&format!("metadata/{}.targets.json", listed - 1))).unwrap();
    std::fs::write(f.path(&format!("metadata/{listed}.targets.json")), previous).unwrap();
    let err = f.update(&mut client).unwrap_err();
    assert!(matches!(&err, Error::VersionMismatch { role, .. } if role == "targets"), "{err}");
    assert_unchanged(&before, &client);
}

#[test]
fn mix_and_match_a_snapshot_not_listing_a_served_role_is_refused() {
    let (f, mut client, before) = with_trusted_client();
    f.forge_snapshot(|s| {
        s["meta"].as_object_mut().unwrap().remove("district-330105.json");
    });
    let err = f.update(&mut client).unwrap_err();
    assert!(matches!(err, Error::MixAndMatch(_)), "{err}");
    assert!(err.to_string().contains("no longer lists district-330105.json"), "{err}");
    assert_unchanged(&before, &client);
}

#[test]
fn district_a_signing_under_district_b_path_is_refused() {
    let (f, mut client, _) = with_trusted_client();
    // Jiaxing publishes once, then signs an entry under Gongshu's path.
    let jx = f.publish_stand_in(JIAXING, "jiaxing", "1.0.0", &f.today.to_string()).unwrap();
    f.attest(&jx, VECTORS).unwrap();
    let gongshu_entry =
        f.repo().unwrap().delegated("district-330105").unwrap().targets["districts/330105/hangzhou-gongshu-1.0.0.wasm"]
            .clone();
    let mut evil = gongshu_entry.clone();
    evil.custom.as_mut().unwrap()["version"] = json!("9.9.9");
    f.forge_role("district-330400", &[f.district_keys(JIAXING)[0]], |b| {
        b["targets"]["districts/330105/hangzhou-gongshu-9.9.9.wasm"] = serde_json::to_value(&evil).unwrap();
    });
    let update = f.update(&mut client).unwrap();
    assert_eq!(ids(&update), ["hangzhou-gongshu@1.0.0", "jiaxing@1.0.0"]);
    let r = update.rejected.iter().find(|r| r.target == "districts/330105/hangzhou-gongshu-9.9.9.wasm").unwrap();
    assert!(
        r.reason.contains("district-330400 signed")
            && r.reason.contains("outside its delegated paths districts/330400/*"),
        "{}",
        r.reason
    );
}

#[test]
fn district_a_key_signing_district_b_metadata_is_refused() {
    let (f, mut client, before) = with_trusted_client();
    f.forge_role("district-330105", &[f.district_keys(JIAXING)[0]], |_| {});
    let err = f.update(&mut client).unwrap_err();
    assert!(matches!(&err, Error::BelowThreshold { role, valid: 0, .. } if role == "district-330105"), "{err}");
    assert!(err.to_string().contains("is not a key of district-330105"), "{err}");
    assert_unchanged(&before, &client);
}

#[test]
fn signatures_below_the_threshold_are_refused() {
    let (f, mut client, before) = with_trusted_client();
    // One of Gongshu's two keys, threshold 2.
    f.forge_role("district-330105", &[f.district_keys(GONGSHU)[0]], |_| {});
    let err = f.update(&mut client).unwrap_err();
    assert!(
        matches!(&err, Error::BelowThreshold { role, valid: 1, threshold: 2, .. } if role == "district-330105"),
        "{err}"
    );
    assert_unchanged(&before, &client);
}

#[test]
fn a_duplicate_signature_counts_once() {
    let (f, mut client, before) = with_trusted_client();
    f.forge_role("district-330105", &[f.district_keys(GONGSHU)[0]], |_| {});
    let file = format!("metadata/{}.district-330105.json", f.listed_version("district-330105"));
    let mut env = f.read_env(&file);
    env.signatures.push(env.signatures[0].clone());
    f.write_env(&file, &env);
    let err = f.update(&mut client).unwrap_err();
    assert!(matches!(&err, Error::BelowThreshold { valid: 1, threshold: 2, .. }), "{err}");
    assert!(err.to_string().contains("signed more than once; counted once"), "{err}");
    assert_unchanged(&before, &client);
}

#[test]
fn the_publisher_refuses_to_sign_below_threshold() {
    let f = fixture();
    let err = f
        .repo()
        .unwrap()
        .publish(
            GONGSHU,
            &describe("hangzhou-gongshu", "1.1.0"),
            b"x",
            &f.today.to_string(),
            f.today,
            &f.online(&[f.district_keys(GONGSHU)[0]]),
        )
        .unwrap_err();
    assert!(err.to_string().contains("cannot sign district-330105: it needs 2 of the keys"), "{err}");
    assert!(err.to_string().contains("1 of them were given"), "{err}");
}

#[test]
fn an_uncertified_module_does_not_activate() {
    let (f, mut client, _) = with_trusted_client();
    f.publish_stand_in(GONGSHU, "hangzhou-gongshu", "1.1.0", &f.today.to_string()).unwrap();
    let update = f.update(&mut client).unwrap();
    assert_eq!(ids(&update), ["hangzhou-gongshu@1.0.0"]);
    assert_eq!(update.pending.len(), 1);
    assert_eq!(update.pending[0].target, "districts/330105/hangzhou-gongshu-1.1.0.wasm");
    assert!(update.pending[0].reason.contains("not certified"), "{}", update.pending[0].reason);
}

fn forged_attestation(f: &Fixture, change: impl FnOnce(&mut AttestationFields)) -> juzhu_registry::Update {
    let bytes = f.publish_stand_in(GONGSHU, "hangzhou-gongshu", "1.1.0", &f.today.to_string()).unwrap();
    let m = f.repo().unwrap().modules().into_iter().find(|m| m.fields.version == "1.1.0").unwrap();
    let mut fields = AttestationFields {
        attests: m.target.clone(),
        sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes)),
        length: bytes.len() as u64,
        module_id: m.fields.module_id.clone(),
        version: m.fields.version.clone(),
        effective_from: m.fields.effective_from.clone(),
        vectors_passed: 12,
        report_sha256: None,
        kit_version: None,
        revoked: None,
    };
    change(&mut fields);
    f.repo().unwrap().sign_attestation(GONGSHU, fields, &f.online(&[&f.keys.certification])).unwrap();
    let mut client = f.client().unwrap();
    f.update(&mut client).unwrap()
}

#[test]
fn an_attestation_over_another_digest_is_refused() {
    let f = fixture();
    let update = forged_attestation(&f, |a| a.sha256 = "ab".repeat(32));
    assert_eq!(ids(&update), ["hangzhou-gongshu@1.0.0"]);
    let r = &update.rejected[0];
    assert_eq!(r.target, "districts/330105/hangzhou-gongshu-1.1.0.wasm");
    assert!(r.reason.contains("sha256: attested abab"), "{}", r.reason);
}

#[test]
fn an_attestation_over_another_effective_date_is_refused() {
    let f = fixture();
    let update = forged_attestation(&f, |a| a.effective_from = "2099-01-01".into());
    assert_eq!(ids(&update), ["hangzhou-gongshu@1.0.0"]);
    assert!(
        update.rejected[0].reason.contains("effective_from: attested 2099-01-01, district-330105 signed"),
        "{}",
        update.rejected[0].reason
    );
}

#[test]
fn a_revoked_key_no_longer_signs() {
    let f = fixture();
    // Jiaxing gets a second key, then its first is revoked by the targets role.
    let jiaxing_new = juzhu_registry::SigningKey::generate();
    let mut repo = f.repo().unwrap();
    let mut targets = repo.targets().clone();
    let d = targets.delegations.as_mut().unwrap();
    d.keys.insert(jiaxing_new.keyid().into(), public(&jiaxing_new));
    d.roles.iter_mut().find(|r| r.name == "district-330400").unwrap().keyids.push(jiaxing_new.keyid().into());
    f.forge_role("targets", &[&f.keys.targets], |b| b["delegations"] = serde_json::to_value(d).unwrap());
    repo = f.repo().unwrap();
    let report = repo.revoke_key(&f.district_keys(JIAXING)[0].keyid()[..10], &f.online(&[&f.keys.targets])).unwrap();
    assert!(report[0].starts_with("revoked key") && report[0].contains("district-330400"), "{report:?}");
    let (mut client, _) = f.updated_client().unwrap();
    let before = client.state();
    // The thief of the revoked key signs Jiaxing's role.
    let v = f.listed_version("targets");
    let _ = v;
    let body = json!({
        "_type": "targets", "spec_version": "1.0.31", "version": 1,
        "expires": juzhu_registry::metadata::format_expiry(f.now + jiff::SignedDuration::from_hours(240)),
        "targets": {},
    });
    std::fs::write(
        f.path("metadata/1.district-330400.json"),
        Envelope::sign_value(body, &[f.district_keys(JIAXING)[0]]).to_bytes(),
    )
    .unwrap();
    f.forge_snapshot(|s| s["meta"]["district-330400.json"] = json!({ "version": 1 }));
    let err = f.update(&mut client).unwrap_err();
    assert!(matches!(&err, Error::BelowThreshold { role, valid: 0, .. } if role == "district-330400"), "{err}");
    assert!(
        err.to_string()
            .contains(&format!("key {} is not a key of district-330400", &f.district_keys(JIAXING)[0].keyid()[..8])),
        "{err}"
    );
    assert_unchanged(&before, &client);
    // And the publisher refuses to sign with it.
    let err = f
        .repo()
        .unwrap()
        .publish(
            JIAXING,
            &describe("jiaxing", "1.0.0"),
            b"x",
            &f.today.to_string(),
            f.today,
            &f.online(&[f.district_keys(JIAXING)[0]]),
        )
        .unwrap_err();
    assert!(err.to_string().contains("cannot sign district-330400"), "{err}");
}

#[test]
fn a_root_chain_with_a_skipped_version_is_refused() {
    let (f, mut client, before) = with_trusted_client();
    let mut repo = f.repo().unwrap();
    let ring = f.keyring(&[&f.keys.root]);
    repo.rotate_root(|_| {}, &ring).unwrap();
    repo.rotate_root(|_| {}, &ring).unwrap();
    // Version 2 is withheld; version 3 is offered in its place.
    std::fs::rename(f.path("metadata/3.root.json"), f.path("metadata/2.root.json")).unwrap();
    let err = f.update(&mut client).unwrap_err();
    assert!(matches!(&err, Error::VersionMismatch { role, expected: 2, found: 3, .. } if role == "root"), "{err}");
    assert_unchanged(&before, &client);
}

#[test]
fn a_root_rotation_is_followed() {
    let (f, mut client, _) = with_trusted_client();
    let new_root = juzhu_registry::SigningKey::generate();
    let mut repo = f.repo().unwrap();
    repo.rotate_root(
        |r| {
            r.keys.insert(new_root.keyid().into(), public(&new_root));
            r.roles.get_mut("root").unwrap().keyids = vec![new_root.keyid().into()];
        },
        &f.keyring(&[&f.keys.root, &new_root]),
    )
    .unwrap();
    let update = f.update(&mut client).unwrap();
    assert_eq!(update.root_version, 2);
    assert_eq!(client.trusted_version("root"), Some(2));
}

#[test]
fn a_root_signed_only_by_the_new_keys_is_refused() {
    let (f, mut client, before) = with_trusted_client();
    let new_root = juzhu_registry::SigningKey::generate();
    let mut body = f.read_env("metadata/1.root.json").signed;
    body["version"] = json!(2);
    body["keys"][new_root.keyid()] = serde_json::to_value(public(&new_root)).unwrap();
    body["roles"]["root"]["keyids"] = json!([new_root.keyid()]);
    f.write_env("metadata/2.root.json", &Envelope::sign_value(body, &[&new_root]));
    let err = f.update(&mut client).unwrap_err();
    assert!(matches!(&err, Error::BelowThreshold { role, .. } if role.contains("previous root")), "{err}");
    assert_unchanged(&before, &client);
}

#[test]
fn path_traversal_and_encoded_target_names_are_refused() {
    let (f, mut client, _) = with_trusted_client();
    let entry =
        f.repo().unwrap().delegated("district-330105").unwrap().targets["districts/330105/hangzhou-gongshu-1.0.0.wasm"]
            .clone();
    let names = [
        "districts/330105/../../../etc/passwd",
        "districts/330105/%2e%2e%2fx.wasm",
        "/etc/passwd",
        "districts/330105/a\\..\\b.wasm",
    ];
    let [a, b] = f.district_keys(GONGSHU)[..] else { unreachable!("two keys") };
    f.forge_role("district-330105", &[a, b], |body| {
        for n in names {
            body["targets"][n] = serde_json::to_value(&entry).unwrap();
        }
    });
    let update = f.update(&mut client).unwrap();
    assert_eq!(ids(&update), ["hangzhou-gongshu@1.0.0"]);
    for n in names {
        let r = update.rejected.iter().find(|r| r.target == n).unwrap_or_else(|| panic!("{n} not rejected"));
        assert!(r.reason.contains("unsafe target name"), "{}", r.reason);
    }
}

#[test]
fn path_traversal_in_a_role_name_is_refused() {
    let (f, mut client, before) = with_trusted_client();
    f.forge_role("targets", &[&f.keys.targets], |body| {
        let roles = body["delegations"]["roles"].as_array_mut().unwrap();
        roles.push(
            json!({"name": "../../secrets", "keyids": [], "threshold": 1, "terminating": true, "paths": ["x/*"]}),
        );
    });
    let err = f.update(&mut client).unwrap_err();
    assert!(matches!(&err, Error::UnsafeName { what: "role", .. }), "{err}");
    assert!(err.to_string().contains("\"../../secrets\""), "{err}");
    assert_unchanged(&before, &client);
}

#[test]
fn an_encoded_role_name_is_refused() {
    let (f, mut client, before) = with_trusted_client();
    f.forge_role("targets", &[&f.keys.targets], |body| {
        let roles = body["delegations"]["roles"].as_array_mut().unwrap();
        roles.push(json!({"name": "district-330105%2F..", "keyids": [], "threshold": 1, "terminating": true, "paths": ["x/*"]}));
    });
    let err = f.update(&mut client).unwrap_err();
    assert!(matches!(&err, Error::UnsafeName { what: "role", .. }), "{err}");
    assert_unchanged(&before, &client);
}

#[test]
fn malformed_metadata_is_refused() {
    let (f, mut client, before) = with_trusted_client();
    std::fs::write(f.path("metadata/timestamp.json"), b"{\"signatures\": [], \"signed\": {\"_type\": \"timestamp\"")
        .unwrap();
    let err = f.update(&mut client).unwrap_err();
    assert!(matches!(&err, Error::Malformed { file, .. } if file == "metadata/timestamp.json"), "{err}");
    assert_unchanged(&before, &client);
}

#[test]
fn metadata_of_the_wrong_type_is_refused() {
    let (f, mut client, before) = with_trusted_client();
    let snap = f.snapshot_version();
    std::fs::copy(f.path(&format!("metadata/{snap}.snapshot.json")), f.path("metadata/timestamp.json")).unwrap();
    let err = f.update(&mut client).unwrap_err();
    assert!(err.to_string().contains("_type is \"snapshot\"; expected \"timestamp\""), "{err}");
    assert_unchanged(&before, &client);
}

#[test]
fn oversized_metadata_is_refused_before_it_is_parsed() {
    let (f, mut client, before) = with_trusted_client();
    let big = vec![b' '; 64 * 1024];
    std::fs::write(f.path("metadata/timestamp.json"), big).unwrap();
    let err = f.update(&mut client).unwrap_err();
    assert!(matches!(&err, Error::TooLarge { file, limit: 16384 } if file == "metadata/timestamp.json"), "{err}");
    // A delegated role larger than the limit.
    let (f, mut client, _) = with_trusted_client();
    client.limits.metadata = 4096;
    f.forge_role("district-330105", &f.district_keys(GONGSHU), |b| b["padding"] = json!("x".repeat(8192)));
    let err = f.update(&mut client).unwrap_err();
    assert!(matches!(&err, Error::TooLarge { file, .. } if file.ends_with("district-330105.json")), "{err}");
    assert_unchanged(&before, &client);
}

#[test]
fn a_target_name_cannot_escape_the_registry_directory() {
    // Even a stored path that passes the name check resolves beneath the
    // registry: a symlink out of it is refused by cap-std.
    let (f, mut client, before) = with_trusted_client();
    let stored = f.stored_module("districts/330105/hangzhou-gongshu-1.0.0.wasm");
    let outside = f.scratch().unwrap().join("outside.wasm");
    std::fs::copy(&stored, &outside).unwrap();
    std::fs::remove_file(&stored).unwrap();
    std::os::unix::fs::symlink(&outside, &stored).unwrap();
    let err = f.update(&mut client).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert!(err.to_string().contains("cannot open inside the registry"), "{err}");
    assert_unchanged(&before, &client);
    let _ = attestation_target;
}
