//! juzhu's `custom` fields on target entries.
//!
//! A district role signs a module entry with [`ModuleFields`]; the
//! certification role signs an attestation entry with [`AttestationFields`]
//! that repeats the module's sha256, length, id, version and effective date.
//! A module activates only when the two agree on all five.

use serde::{Deserialize, Serialize};

/// Who withdrew a version, when, and why. Signed by the role that revoked it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Revocation {
    pub reason: String,
    pub revoked_on: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ModuleFields {
    pub module_id: String,
    /// Semantic version of the module.
    pub version: String,
    /// The contract version the module claims to implement, e.g. `1.0.0`.
    pub contract_version: String,
    /// The legal date from which the module applies, `YYYY-MM-DD`.
    pub effective_from: String,
    /// The version this one replaces, if any.
    pub supersedes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<Revocation>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct AttestationFields {
    /// The module target this attestation is about.
    pub attests: String,
    pub sha256: String,
    pub length: u64,
    pub module_id: String,
    pub version: String,
    pub effective_from: String,
    /// How many of the module's vectors passed when it was certified.
    pub vectors_passed: u64,
    /// The sha256 of the certification kit's `report.json` the tester
    /// signed; absent in attestations made before the kit wrote reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_sha256: Option<String>,
    /// The version of the kit that wrote that report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kit_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<Revocation>,
}

/// The target name of a module: `districts/<code>/<module>-<version>.wasm`.
pub fn module_target(code: &str, module_id: &str, version: &str) -> String {
    format!("districts/{code}/{module_id}-{version}.wasm")
}

/// The target name of a module's attestation.
pub fn attestation_target(code: &str, module_id: &str, version: &str) -> String {
    format!("attestations/{code}/{module_id}-{version}.json")
}

/// Parses a legal date `YYYY-MM-DD`.
pub fn parse_date(what: &str, text: &str) -> Result<jiff::civil::Date, String> {
    if text.len() != 10 {
        return Err(format!("{what} \"{text}\" is not a date like 2027-01-01"));
    }
    text.parse().map_err(|e| format!("{what} \"{text}\" is not a date like 2027-01-01: {e}"))
}
