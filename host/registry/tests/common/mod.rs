//! The registry fixture the tests share (`juzhu_registry::fixture`, two
//! districts, one module certified), and tools to forge metadata the way an
//! attacker holding some keys would.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub use juzhu_registry::fixture::{Fixture, describe, stand_in_module};
use juzhu_registry::metadata::{Envelope, Key};
use juzhu_registry::{Client, SigningKey, Update};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const GONGSHU: &str = "330105";
pub const JIAXING: &str = "330400";

/// The vectors an attestation in these tests claims passed.
pub const VECTORS: u64 = 12;

/// A registry with Gongshu (2 of 2 keys) and Jiaxing (1 key) delegated,
/// and gongshu 1.0.0 published and certified.
pub fn fixture() -> Fixture {
    Fixture::builder()
        .district_with_keys(GONGSHU, 2, 2)
        .district(JIAXING)
        .certified(GONGSHU, describe("hangzhou-gongshu", "1.0.0"), stand_in_module("hangzhou-gongshu 1.0.0"), VECTORS)
        .build()
        .unwrap()
}

/// What an attacker does with the files: read, rewrite and re-sign metadata.
pub trait Forge {
    fn read_env(&self, rel: &str) -> Envelope;
    fn write_env(&self, rel: &str, env: &Envelope);
    fn listed_version(&self, role: &str) -> u64;
    fn snapshot_version(&self) -> u64;
    fn forge_role(&self, role: &str, signers: &[&SigningKey], change: impl FnOnce(&mut Value)) -> u64;
    fn forge_snapshot(&self, change: impl FnOnce(&mut Value));
    fn forge_timestamp(&self, snapshot_rel: &str, change: impl FnOnce(&mut Value));
    fn stored_module(&self, target: &str) -> PathBuf;
}

impl Forge for Fixture {
    fn read_env(&self, rel: &str) -> Envelope {
        serde_json::from_slice(&std::fs::read(self.path(rel)).unwrap()).unwrap()
    }

    fn write_env(&self, rel: &str, env: &Envelope) {
        std::fs::write(self.path(rel), env.to_bytes()).unwrap();
    }

    /// The version of `role` the newest snapshot lists.
    fn listed_version(&self, role: &str) -> u64 {
        let snap = self.snapshot_version();
        self.read_env(&format!("metadata/{snap}.snapshot.json")).signed["meta"][format!("{role}.json")]["version"]
            .as_u64()
            .unwrap()
    }

    fn snapshot_version(&self) -> u64 {
        self.read_env("metadata/timestamp.json").signed["meta"]["snapshot.json"]["version"].as_u64().unwrap()
    }

    /// Writes a new version of a targets role (top-level or delegated) after
    /// `change`, signed by `signers`, then an honest snapshot and timestamp
    /// listing it: what an attacker holding `signers` and the online keys can do.
    fn forge_role(&self, role: &str, signers: &[&SigningKey], change: impl FnOnce(&mut Value)) -> u64 {
        let version = self.listed_version(role);
        let mut body = self.read_env(&format!("metadata/{version}.{role}.json")).signed;
        body["version"] = json!(version + 1);
        change(&mut body);
        let new_version = body["version"].as_u64().unwrap();
        self.write_env(&format!("metadata/{}.{role}.json", version + 1), &Envelope::sign_value(body, signers));
        self.forge_snapshot(|s| s["meta"][format!("{role}.json")] = json!({ "version": version + 1 }));
        new_version
    }

    /// A new snapshot after `change`, signed by the snapshot key, and a timestamp for it.
    fn forge_snapshot(&self, change: impl FnOnce(&mut Value)) {
        let version = self.snapshot_version();
        let mut body = self.read_env(&format!("metadata/{version}.snapshot.json")).signed;
        body["version"] = json!(version + 1);
        change(&mut body);
        let file = format!("metadata/{}.snapshot.json", body["version"]);
        self.write_env(&file, &Envelope::sign_value(body, &[&self.keys.snapshot]));
        self.forge_timestamp(&file, |_| {});
    }

    /// A new timestamp pointing at snapshot file `snapshot_rel`, after `change`.
    fn forge_timestamp(&self, snapshot_rel: &str, change: impl FnOnce(&mut Value)) {
        let snap = std::fs::read(self.path(snapshot_rel)).unwrap();
        let snap_version: Value = serde_json::from_slice::<Value>(&snap).unwrap()["signed"]["version"].clone();
        let mut body = self.read_env("metadata/timestamp.json").signed;
        body["version"] = json!(body["version"].as_u64().unwrap() + 1);
        body["meta"]["snapshot.json"] = json!({
            "version": snap_version,
            "length": snap.len(),
            "hashes": { "sha256": hex::encode(Sha256::digest(&snap)) },
        });
        change(&mut body);
        self.write_env("metadata/timestamp.json", &Envelope::sign_value(body, &[&self.keys.timestamp]));
    }

    /// The stored bytes of a module target.
    fn stored_module(&self, target: &str) -> PathBuf {
        let repo = self.repo().unwrap();
        let m = repo.modules().into_iter().find(|m| m.target == target).unwrap();
        self.dir().join(juzhu_registry::names::stored_path(target, m.file.sha256().unwrap()))
    }
}

pub fn public(k: &SigningKey) -> Key {
    k.public().clone()
}

pub fn assert_unchanged(before: &juzhu_registry::TrustState, client: &Client) {
    assert_eq!(before.versions, client.state().versions, "a refused update must not move the trusted versions");
    assert_eq!(before.root.signed["version"], client.state().root.signed["version"], "nor the trusted root");
}

pub fn ids(update: &Update) -> Vec<String> {
    update.modules.iter().map(|m| format!("{}@{}", m.fields.module_id, m.fields.version)).collect()
}

pub fn path_str(p: &Path) -> String {
    p.display().to_string()
}
