//! Canonical JSON as TUF (securesystemslib) writes it, with olpc-cjson: the
//! bytes that signatures and key ids are computed over.

use serde::Serialize;

/// The bytes a signature covers.
pub fn canonical(value: &serde_json::Value) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, olpc_cjson::CanonicalFormatter::new());
    value.serialize(&mut ser).map_err(|e| format!("not canonical JSON: {e}"))?;
    Ok(out)
}
