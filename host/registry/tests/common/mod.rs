//! A registry in a temporary directory with every role's keys, and tools to
//! forge metadata the way an attacker holding some keys would.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use juzhu_registry::client::open_registry;
use juzhu_registry::metadata::{Envelope, Key};
use juzhu_registry::repo::{InitSpec, ModuleDescription, RoleSpec};
use juzhu_registry::{Client, Keyring, Repository, SigningKey, Update};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const GONGSHU: &str = "330105";
pub const JIAXING: &str = "330400";

pub struct Keys {
    pub root: SigningKey,
    pub targets: SigningKey,
    pub snapshot: SigningKey,
    pub timestamp: SigningKey,
    pub certification: SigningKey,
    /// Gongshu's two keys, threshold 2.
    pub gongshu: [SigningKey; 2],
    pub jiaxing: SigningKey,
}

pub struct Fixture {
    pub tmp: tempfile::TempDir,
    pub keys: Keys,
    pub now: jiff::Timestamp,
    pub today: jiff::civil::Date,
}

fn spec(keys: &[&SigningKey], threshold: u32) -> RoleSpec {
    RoleSpec { keys: keys.iter().map(|k| k.public().clone()).collect(), threshold }
}

/// Stand-in module bytes: the registry never runs them.
pub fn module_bytes(tag: &str) -> Vec<u8> {
    format!("\0asm component {tag}").into_bytes()
}

pub fn describe(id: &str, version: &str) -> ModuleDescription {
    ModuleDescription { module_id: id.into(), version: version.into(), contract_version: "1.0.0".into() }
}

impl Fixture {
    /// A registry with Gongshu (2 of 2 keys) and Jiaxing (1 key) delegated,
    /// and gongshu 1.0.0 published and certified.
    pub fn new() -> Self {
        let keys = Keys {
            root: SigningKey::generate(),
            targets: SigningKey::generate(),
            snapshot: SigningKey::generate(),
            timestamp: SigningKey::generate(),
            certification: SigningKey::generate(),
            gongshu: [SigningKey::generate(), SigningKey::generate()],
            jiaxing: SigningKey::generate(),
        };
        let now = jiff::Timestamp::now();
        let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
        let f = Fixture { tmp: tempfile::tempdir().unwrap(), keys, now, today };
        let k = &f.keys;
        let init = InitSpec {
            root: spec(&[&k.root], 1),
            targets: spec(&[&k.targets], 1),
            snapshot: spec(&[&k.snapshot], 1),
            timestamp: spec(&[&k.timestamp], 1),
            certification: spec(&[&k.certification], 1),
        };
        Repository::init(&f.dir(), &init, &f.keyring(&[&k.root, &k.targets, &k.snapshot, &k.timestamp]), now).unwrap();
        let mut repo = f.repo();
        repo.delegate(GONGSHU, &spec(&[&k.gongshu[0], &k.gongshu[1]], 2), &f.online(&[&k.targets])).unwrap();
        repo.delegate(JIAXING, &spec(&[&k.jiaxing], 1), &f.online(&[&k.targets])).unwrap();
        f.publish(GONGSHU, "hangzhou-gongshu", "1.0.0", &f.today.to_string());
        f.attest(&module_bytes("hangzhou-gongshu 1.0.0"));
        f
    }

    pub fn dir(&self) -> PathBuf {
        self.tmp.path().join("registry")
    }

    pub fn repo(&self) -> Repository {
        Repository::open(&self.dir(), self.now).unwrap()
    }

    pub fn keyring(&self, keys: &[&SigningKey]) -> Keyring {
        Keyring::new(keys.iter().map(|k| (*k).clone()).collect())
    }

    /// `keys` plus the online snapshot and timestamp keys.
    pub fn online(&self, keys: &[&SigningKey]) -> Keyring {
        let mut ring = self.keyring(keys);
        ring.add(self.keys.snapshot.clone());
        ring.add(self.keys.timestamp.clone());
        ring
    }

    pub fn district_keys(&self, code: &str) -> Vec<&SigningKey> {
        match code {
            GONGSHU => self.keys.gongshu.iter().collect(),
            _ => vec![&self.keys.jiaxing],
        }
    }

    pub fn publish(&self, code: &str, id: &str, version: &str, effective_from: &str) -> Vec<u8> {
        let bytes = module_bytes(&format!("{id} {version}"));
        self.repo()
            .publish(
                code,
                &describe(id, version),
                &bytes,
                effective_from,
                self.today,
                &self.online(&self.district_keys(code)),
            )
            .unwrap();
        bytes
    }

    pub fn attest(&self, bytes: &[u8]) {
        self.repo().attest(bytes, 12, &self.online(&[&self.keys.certification])).unwrap();
    }

    /// A client that trusts the registry's first root.
    pub fn client(&self) -> Client {
        Client::new(&std::fs::read(self.dir().join("metadata/1.root.json")).unwrap()).unwrap()
    }

    /// A client that has already updated once, successfully.
    pub fn updated_client(&self) -> (Client, Update) {
        let mut client = self.client();
        let update = self.update(&mut client).expect("the honest registry verifies");
        (client, update)
    }

    pub fn update(&self, client: &mut Client) -> Result<Update, juzhu_registry::Error> {
        client.update(&open_registry(&self.dir()).unwrap(), self.now)
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir().join(rel)
    }

    pub fn read_env(&self, rel: &str) -> Envelope {
        serde_json::from_slice(&std::fs::read(self.path(rel)).unwrap()).unwrap()
    }

    pub fn write_env(&self, rel: &str, env: &Envelope) {
        std::fs::write(self.path(rel), env.to_bytes()).unwrap();
    }

    /// The version of `role` the newest snapshot lists.
    pub fn listed_version(&self, role: &str) -> u64 {
        let snap = self.snapshot_version();
        self.read_env(&format!("metadata/{snap}.snapshot.json")).signed["meta"][format!("{role}.json")]["version"]
            .as_u64()
            .unwrap()
    }

    pub fn snapshot_version(&self) -> u64 {
        self.read_env("metadata/timestamp.json").signed["meta"]["snapshot.json"]["version"].as_u64().unwrap()
    }

    /// Writes a new version of a targets role (top-level or delegated) after
    /// `change`, signed by `signers`, then an honest snapshot and timestamp
    /// listing it: what an attacker holding `signers` and the online keys can do.
    pub fn forge_role(&self, role: &str, signers: &[&SigningKey], change: impl FnOnce(&mut Value)) -> u64 {
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
    pub fn forge_snapshot(&self, change: impl FnOnce(&mut Value)) {
        let version = self.snapshot_version();
        let mut body = self.read_env(&format!("metadata/{version}.snapshot.json")).signed;
        body["version"] = json!(version + 1);
        change(&mut body);
        let file = format!("metadata/{}.snapshot.json", body["version"]);
        self.write_env(&file, &Envelope::sign_value(body, &[&self.keys.snapshot]));
        self.forge_timestamp(&file, |_| {});
    }

    /// A new timestamp pointing at snapshot file `snapshot_rel`, after `change`.
    pub fn forge_timestamp(&self, snapshot_rel: &str, change: impl FnOnce(&mut Value)) {
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
    pub fn stored_module(&self, target: &str) -> PathBuf {
        let repo = self.repo();
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
