//! API tokens as stored: only each token's sha256, its name and role. What a
//! role may do, and how a token is made, is the station's (`auth.rs`).

use serde_json::json;

use crate::db::Db;
use crate::{Store, StoreError, audit, now, params};

/// A token's row (never its secret, which is not stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub name: String,
    pub role: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// Records a token and its `token.create` audit entry in one transaction.
/// `Ok(false)`: an active token already has this name; nothing was written.
pub fn create(store: &mut Store, actor: &str, name: &str, role: &str, sha256: &str) -> Result<bool, StoreError> {
    let tx = store.write()?;
    if tx.query_opt("SELECT 1 FROM api_tokens WHERE name = ?1 AND revoked_at IS NULL", params![name])?.is_some() {
        return Ok(false);
    }
    tx.execute(
        "INSERT INTO api_tokens (name, role, token_sha256, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![name, role, sha256, now()],
    )?;
    audit::append(&tx, actor, "token.create", &format!("token:{name}"), &json!({ "role": role }))?;
    tx.commit()?;
    Ok(true)
}

/// The name and role of the active token with this sha256.
pub fn find(store: &Store, sha256: &str) -> Result<Option<(String, String)>, StoreError> {
    let row = store.query_opt(
        "SELECT name, role FROM api_tokens WHERE token_sha256 = ?1 AND revoked_at IS NULL",
        params![sha256],
    )?;
    row.map(|r| Ok((r.text(0)?, r.text(1)?))).transpose()
}

/// Revokes the active token named `name`, audited. `Ok(false)`: none is.
pub fn revoke(store: &mut Store, actor: &str, name: &str) -> Result<bool, StoreError> {
    let tx = store.write()?;
    let changed = tx.execute(
        "UPDATE api_tokens SET revoked_at = ?1 WHERE name = ?2 AND revoked_at IS NULL",
        params![now(), name],
    )?;
    if changed == 0 {
        return Ok(false);
    }
    audit::append(&tx, actor, "token.revoke", &format!("token:{name}"), &json!({}))?;
    tx.commit()?;
    Ok(true)
}

/// Every token, newest first.
pub fn list(store: &Store) -> Result<Vec<TokenRow>, StoreError> {
    store
        .query("SELECT name, role, created_at, revoked_at FROM api_tokens ORDER BY id DESC", &[])?
        .iter()
        .map(|r| {
            Ok(TokenRow { name: r.text(0)?, role: r.text(1)?, created_at: r.text(2)?, revoked_at: r.opt_text(3)? })
        })
        .collect()
}

/// Whether an active token with `role` exists.
pub fn any_active(store: &Store, role: &str) -> Result<bool, StoreError> {
    let n = store
        .query_one("SELECT count(*) FROM api_tokens WHERE role = ?1 AND revoked_at IS NULL", params![role])?
        .int(0)?;
    Ok(n > 0)
}
