//! API tokens and the roles they carry.
//!
//! A token is 32 random bytes, shown once when it is created and stored only
//! as its sha256: tokens are high-entropy, so a plain hash is enough for the
//! database to be useless to a thief, and a lookup by hash needs no
//! per-token salt. Roles nest: a supervisor may do what a clerk does, and an
//! admin what a supervisor does.
//! - clerk: evaluate, submit, view;
//! - supervisor: issue, endorse, suspend, restore, cancel;
//! - admin: modules and tokens.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use juzhu_store::{Store, StoreError, tokens};

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Clerk,
    Supervisor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    fn parse(s: &str) -> Option<Role> {
        match s {
            "clerk" => Some(Role::Clerk),
            "supervisor" => Some(Role::Supervisor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// Whether this role may do what `needed` may.
    pub fn covers(self, needed: Role) -> bool {
        self >= needed
    }
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    pub name: String,
    pub role: Role,
}

/// A token as listed (never its secret).
#[derive(Debug, Clone, Serialize)]
pub struct TokenInfo {
    pub name: String,
    pub role: Role,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Why a token operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("token name `{0}` is taken; choose another or revoke the old one")]
    NameTaken(String),
    #[error("token name must be 1–64 characters of letters, digits, `-`, `_` or `.`; got `{0}`")]
    BadName(String),
    #[error("no active token is named `{0}`")]
    NoSuchToken(String),
    #[error("the system's random number generator failed: {0}")]
    Random(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Creates a token and returns its secret, which is not stored and cannot be
/// shown again. The creation is audited, in the same transaction.
pub fn create(store: &mut Store, actor: &str, name: &str, role: Role) -> Result<String, TokenError> {
    let well_formed =
        !name.is_empty() && name.len() <= 64 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if !well_formed {
        return Err(TokenError::BadName(name.to_string()));
    }
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| TokenError::Random(e.to_string()))?;
    let token = format!("jz_{}", hex::encode(secret));
    if !tokens::create(store, actor, name, role.as_str(), &hash(&token))? {
        return Err(TokenError::NameTaken(name.to_string()));
    }
    Ok(token)
}

/// The principal a token belongs to, if it is known and not revoked.
pub fn verify(store: &Store, token: &str) -> Result<Option<Principal>, TokenError> {
    let row = tokens::find(store, &hash(token))?;
    Ok(row.and_then(|(name, role)| Role::parse(&role).map(|role| Principal { name, role })))
}

/// Revokes the active token named `name`.
pub fn revoke(store: &mut Store, actor: &str, name: &str) -> Result<(), TokenError> {
    if !tokens::revoke(store, actor, name)? {
        return Err(TokenError::NoSuchToken(name.to_string()));
    }
    Ok(())
}

/// Every token, newest first.
pub fn list(store: &Store) -> Result<Vec<TokenInfo>, TokenError> {
    Ok(tokens::list(store)?
        .into_iter()
        .map(|t| TokenInfo {
            name: t.name,
            role: Role::parse(&t.role).unwrap_or(Role::Clerk),
            created_at: t.created_at,
            revoked_at: t.revoked_at,
        })
        .collect())
}

/// Whether any active admin token exists (the first start creates one).
pub fn has_admin(store: &Store) -> Result<bool, TokenError> {
    Ok(tokens::any_active(store, Role::Admin.as_str())?)
}
