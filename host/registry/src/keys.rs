//! Ed25519 keys: generation, key files, their TUF public form ([`Key`], whose
//! id is the sha256 of its canonical JSON) and the [`Signature`]s they make.
//!
//! A private key file is PKCS#8 PEM, created readable by its owner only (0600)
//! and never overwritten. With a passphrase it is an encrypted PKCS#8 document
//! (PBES2: scrypt and AES-256-CBC), so a stolen file alone signs nothing.
//! Beside it, `<name>.pub` holds the public key as TUF writes it, to hand to
//! whoever delegates to the key.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use ed25519_dalek::Signer;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use pkcs8::LineEnding;
use rand_core::OsRng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::Error;
use crate::canonical::canonical;

/// One key's signature over a role's canonical JSON.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    pub keyid: String,
    pub sig: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct KeyVal {
    pub public: String,
}

/// A public key as TUF writes it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Key {
    pub keytype: String,
    pub scheme: String,
    pub keyval: KeyVal,
}

impl Key {
    pub fn ed25519(public: &[u8; 32]) -> Self {
        Key { keytype: "ed25519".into(), scheme: "ed25519".into(), keyval: KeyVal { public: hex::encode(public) } }
    }

    /// sha256 of the key's canonical JSON.
    pub fn keyid(&self) -> String {
        hex::encode(Sha256::digest(
            canonical(&serde_json::to_value(self).expect("a key serializes")).expect("a key is canonical JSON"),
        ))
    }

    pub fn verifying_key(&self) -> Result<ed25519_dalek::VerifyingKey, String> {
        if self.keytype != "ed25519" || self.scheme != "ed25519" {
            return Err(format!(
                "key type {}/{} is not supported; juzhu keys are ed25519/ed25519",
                self.keytype, self.scheme
            ));
        }
        let bytes: [u8; 32] = hex::decode(&self.keyval.public)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| "the public key is not 32 bytes of hex".to_string())?;
        ed25519_dalek::VerifyingKey::from_bytes(&bytes).map_err(|e| format!("not an ed25519 point: {e}"))
    }
}

/// A private ed25519 key and its TUF key id.
#[derive(Clone)]
pub struct SigningKey {
    key: ed25519_dalek::SigningKey,
    public: Key,
    keyid: String,
}

impl SigningKey {
    pub fn generate() -> Self {
        Self::from_dalek(ed25519_dalek::SigningKey::generate(&mut OsRng))
    }

    fn from_dalek(key: ed25519_dalek::SigningKey) -> Self {
        let public = Key::ed25519(key.verifying_key().as_bytes());
        let keyid = public.keyid();
        SigningKey { key, public, keyid }
    }

    /// The key id: sha256 of the public key's canonical JSON, as TUF defines it.
    pub fn keyid(&self) -> &str {
        &self.keyid
    }

    pub fn public(&self) -> &Key {
        &self.public
    }

    pub fn sign(&self, message: &[u8]) -> Signature {
        Signature { keyid: self.keyid.clone(), sig: hex::encode(self.key.sign(message).to_bytes()) }
    }

    /// Writes the private key to `path` (0600, refusing to overwrite) and the
    /// public key to `path` with extension `.pub`. Returns the public path.
    pub fn write(&self, path: &Path, passphrase: Option<&str>) -> Result<PathBuf, Error> {
        let pem = match passphrase {
            Some("") => {
                return Err(Error::Key(format!(
                    "the passphrase for {} is empty; give a non-empty passphrase or none",
                    path.display()
                )));
            }
            Some(p) => self.key.to_pkcs8_encrypted_pem(&mut OsRng, p, LineEnding::LF),
            None => self.key.to_pkcs8_pem(LineEnding::LF),
        }
        .map_err(|e| Error::Key(format!("cannot encode the key for {}: {e}", path.display())))?;
        let public_path = path.with_extension("pub");
        for p in [path, public_path.as_path()] {
            if p.exists() {
                return Err(Error::Key(format!(
                    "{} already exists; a key file is never overwritten, choose another name",
                    p.display()
                )));
            }
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        file.write_all(pem.as_bytes()).map_err(|e| Error::io(path, e))?;
        let public = serde_json::to_string_pretty(&self.public).expect("a key serializes");
        std::fs::write(&public_path, public + "\n").map_err(|e| Error::io(&public_path, e))?;
        Ok(public_path)
    }

    /// Reads a private key file. An encrypted file needs its passphrase.
    pub fn read(path: &Path, passphrase: Option<&str>) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let key = if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            let Some(p) = passphrase else {
                return Err(Error::Key(format!(
                    "{} is protected by a passphrase; set JUZHU_KEY_PASSPHRASE to it",
                    path.display()
                )));
            };
            ed25519_dalek::SigningKey::from_pkcs8_encrypted_pem(&text, p).map_err(|_| {
                Error::Key(format!("cannot decrypt {}: wrong passphrase, or not an ed25519 key", path.display()))
            })?
        } else if text.contains("-----BEGIN PRIVATE KEY-----") {
            ed25519_dalek::SigningKey::from_pkcs8_pem(&text)
                .map_err(|e| Error::Key(format!("{} is not an ed25519 PKCS#8 private key: {e}", path.display())))?
        } else {
            return Err(Error::Key(format!(
                "{} is not a private key file (expected PEM from `juzhu key new`; a .pub file holds only the public key)",
                path.display()
            )));
        };
        Ok(Self::from_dalek(key))
    }
}

/// Reads a public key: a `.pub` file from `juzhu key new`, or the public half
/// of a private key file.
pub fn read_public(path: &Path, passphrase: Option<&str>) -> Result<Key, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    if text.trim_start().starts_with('{') {
        let key: Key = serde_json::from_str(&text)
            .map_err(|e| Error::Key(format!("{} is not a TUF public key: {e}", path.display())))?;
        key.verifying_key().map_err(|e| Error::Key(format!("{}: {e}", path.display())))?;
        return Ok(key);
    }
    Ok(SigningKey::read(path, passphrase)?.public().clone())
}
