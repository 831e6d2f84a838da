//! The module lifecycle, signed by the districts and the certification role:
//! publish a version, attest it after its vectors pass, revoke it; and the
//! list of published modules with their attestations.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::signing::Batch;
use super::spec::{Keyring, ModuleDescription};
use super::state::Repository;
use super::state::empty_targets;
use crate::fields::{self, AttestationFields, ModuleFields, Revocation};
use crate::metadata::TargetFile;
use crate::names;
use crate::{CERTIFICATION, Error};

/// A module target as the registry lists it, for `status` and lookups.
#[derive(Clone, Debug)]
pub struct PublishedModule {
    pub district: String,
    pub target: String,
    pub file: TargetFile,
    pub fields: ModuleFields,
    pub attestation: Option<AttestationFields>,
}

impl Repository {
    /// Publishes a module for `code`, effective from `effective_from`
    /// (a legal date no earlier than `today`).
    pub fn publish(
        &mut self,
        code: &str,
        module: &ModuleDescription,
        bytes: &[u8],
        effective_from: &str,
        today: jiff::civil::Date,
        keyring: &Keyring,
    ) -> Result<Vec<String>, Error> {
        names::check_district(code)?;
        let role = names::district_role(code);
        if self.delegation(&role).is_none() {
            return Err(Error::Refused(format!(
                "district {code} has no role in this registry; delegate it first with `juzhu registry delegate {code}`"
            )));
        }
        let date = fields::parse_date("--effective-from", effective_from).map_err(Error::Refused)?;
        if date < today {
            return Err(Error::Refused(format!(
                "effective-from {effective_from} is before today ({today}); a version may not take effect in the past, give {today} or later"
            )));
        }
        let version = semver::Version::parse(&module.version).map_err(|e| {
            Error::Refused(format!("module version \"{}\" is not a semantic version like 1.2.0: {e}", module.version))
        })?;
        let target = fields::module_target(code, &module.module_id, &module.version);
        names::check_target(&target)?;
        let existing = self.delegated.get(&role).map(|t| t.targets.clone()).unwrap_or_default();
        let mut latest: Option<semver::Version> = None;
        for (name, file) in &existing {
            let Some(f) = file.custom.clone().and_then(|c| serde_json::from_value::<ModuleFields>(c).ok()) else {
                continue;
            };
            if f.module_id != module.module_id {
                continue;
            }
            if name == &target {
                return Err(Error::Refused(format!(
                    "{target} is already published (sha256 {}); a version is immutable, publish a higher version",
                    file.sha256().unwrap_or("?")
                )));
            }
            if let Ok(v) = semver::Version::parse(&f.version)
                && latest.as_ref().is_none_or(|l| &v > l)
            {
                latest = Some(v);
            }
        }
        if let Some(l) = &latest
            && &version <= l
        {
            return Err(Error::Refused(format!(
                "{} {} is not newer than the published {l}; publish a version above {l}",
                module.module_id, module.version
            )));
        }
        let sha256 = hex::encode(Sha256::digest(bytes));
        let custom = ModuleFields {
            module_id: module.module_id.clone(),
            version: module.version.clone(),
            contract_version: module.contract_version.clone(),
            effective_from: effective_from.into(),
            supersedes: latest.map(|l| l.to_string()),
            revoked: None,
        };
        let entry = TargetFile {
            length: bytes.len() as u64,
            hashes: BTreeMap::from([("sha256".into(), sha256.clone())]),
            custom: Some(serde_json::to_value(&custom).expect("fields serialize")),
        };
        let mut body = self.delegated.get(&role).cloned().unwrap_or_else(|| empty_targets(0, String::new()));
        body.targets.insert(target.clone(), entry);
        self.delegated.insert(role.clone(), body);
        let mut batch = Batch::default();
        batch.add(names::stored_path(&target, &sha256), bytes.to_vec());
        batch.report.push(format!(
            "published {target}: {} bytes, sha256 {sha256}, effective from {effective_from}{}",
            bytes.len(),
            custom.supersedes.as_ref().map(|s| format!(", supersedes {s}")).unwrap_or_default()
        ));
        self.commit(batch, keyring, &[role], false)
    }

    /// Every module target with its attestation, if any.
    pub fn modules(&self) -> Vec<PublishedModule> {
        let attestations: BTreeMap<String, AttestationFields> = self
            .delegated
            .get(CERTIFICATION)
            .into_iter()
            .flat_map(|t| t.targets.values())
            .filter_map(|f| f.custom.clone().and_then(|c| serde_json::from_value::<AttestationFields>(c).ok()))
            .map(|a| (a.attests.clone(), a))
            .collect();
        let mut out = Vec::new();
        for (role, body) in &self.delegated {
            let Some(code) = role.strip_prefix("district-") else {
                continue;
            };
            for (target, file) in &body.targets {
                let Some(f) = file.custom.clone().and_then(|c| serde_json::from_value::<ModuleFields>(c).ok()) else {
                    continue;
                };
                out.push(PublishedModule {
                    district: code.into(),
                    target: target.clone(),
                    file: file.clone(),
                    fields: f,
                    attestation: attestations.get(target).cloned(),
                });
            }
        }
        out
    }

    /// Signs an attestation for the published module whose bytes are
    /// `bytes`, after its vectors passed (`vectors_passed` of them).
    pub fn attest(&mut self, bytes: &[u8], vectors_passed: u64, keyring: &Keyring) -> Result<Vec<String>, Error> {
        self.attest_report(bytes, vectors_passed, None, keyring)
    }

    /// As [`Repository::attest`], signing also the digest of the kit's report
    /// and the kit's version (`(report_sha256, kit_version)`).
    pub fn attest_report(
        &mut self,
        bytes: &[u8],
        vectors_passed: u64,
        report: Option<(String, String)>,
        keyring: &Keyring,
    ) -> Result<Vec<String>, Error> {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let module = self.modules().into_iter().find(|m| m.file.sha256() == Some(sha256.as_str())).ok_or_else(|| {
            Error::Refused(format!(
                "no district has published a module with sha256 {sha256}; publish it with `juzhu publish` before attesting"
            ))
        })?;
        if module.attestation.is_some() {
            return Err(Error::Refused(format!("{} is already attested", module.target)));
        }
        if module.fields.revoked.is_some() {
            return Err(Error::Refused(format!(
                "{} is revoked by its district; a revoked version is not certified",
                module.target
            )));
        }
        let fields = AttestationFields {
            attests: module.target.clone(),
            sha256,
            length: module.file.length,
            module_id: module.fields.module_id.clone(),
            version: module.fields.version.clone(),
            effective_from: module.fields.effective_from.clone(),
            vectors_passed,
            report_sha256: report.as_ref().map(|r| r.0.clone()),
            kit_version: report.map(|r| r.1),
            revoked: None,
        };
        self.sign_attestation(&module.district, fields, keyring)
    }

    /// Adds an attestation entry exactly as given. [`Repository::attest`]
    /// derives the fields from the published module; this is the signing step.
    pub fn sign_attestation(
        &mut self,
        code: &str,
        fields: AttestationFields,
        keyring: &Keyring,
    ) -> Result<Vec<String>, Error> {
        let target = fields::attestation_target(code, &fields.module_id, &fields.version);
        names::check_target(&target)?;
        let mut document = serde_json::to_vec_pretty(&fields).expect("fields serialize");
        document.push(b'\n');
        let doc_sha = hex::encode(Sha256::digest(&document));
        let entry = TargetFile {
            length: document.len() as u64,
            hashes: BTreeMap::from([("sha256".into(), doc_sha.clone())]),
            custom: Some(serde_json::to_value(&fields).expect("fields serialize")),
        };
        let mut body = self.delegated.get(CERTIFICATION).cloned().unwrap_or_else(|| empty_targets(0, String::new()));
        body.targets.insert(target.clone(), entry);
        self.delegated.insert(CERTIFICATION.into(), body);
        let mut batch = Batch::default();
        batch.add(names::stored_path(&target, &doc_sha), document);
        batch.report.push(format!(
            "attested {}: sha256 {}, {} bytes, {} {} effective from {} ({} vectors passed), as {target}",
            fields.attests,
            fields.sha256,
            fields.length,
            fields.module_id,
            fields.version,
            fields.effective_from,
            fields.vectors_passed
        ));
        self.commit(batch, keyring, &[CERTIFICATION.to_string()], false)
    }

    /// Marks `<module>@<version>` of `code` revoked, signed by the district
    /// role if its keys are given, else by the certification role.
    pub fn revoke_module(
        &mut self,
        code: &str,
        module_id: &str,
        version: &str,
        reason: &str,
        today: jiff::civil::Date,
        keyring: &Keyring,
    ) -> Result<Vec<String>, Error> {
        let target = fields::module_target(code, module_id, version);
        let role = names::district_role(code);
        let module = self.modules().into_iter().find(|m| m.target == target).ok_or_else(|| {
            Error::Refused(format!("{target} is not published in this registry; `juzhu registry status` lists what is"))
        })?;
        if reason.trim().is_empty() {
            return Err(Error::Refused("give a --reason; a revocation says why".into()));
        }
        let revocation = Revocation { reason: reason.into(), revoked_on: today.to_string() };
        let district_keys = self.delegation(&role).expect("a published module's role is delegated").clone();
        let (signer, entry_name) = if keyring.for_role(&role, &district_keys.keyids, district_keys.threshold).is_ok() {
            if module.fields.revoked.is_some() {
                return Err(Error::Refused(format!("{target} is already revoked by {role}")));
            }
            let body = self.delegated.get_mut(&role).expect("published");
            let entry = body.targets.get_mut(&target).expect("published");
            let mut f = module.fields.clone();
            f.revoked = Some(revocation);
            entry.custom = Some(serde_json::to_value(&f).expect("fields serialize"));
            (role, target.clone())
        } else {
            let Some(mut a) = module.attestation.clone() else {
                return Err(Error::Refused(format!(
                    "{target} is not attested, and the keys given cannot sign {role}; pass the district's keys"
                )));
            };
            if a.revoked.is_some() {
                return Err(Error::Refused(format!("{target}'s attestation is already revoked")));
            }
            a.revoked = Some(revocation);
            let name = fields::attestation_target(code, module_id, version);
            let body = self.delegated.get_mut(CERTIFICATION).expect("attested");
            let entry = body.targets.get_mut(&name).expect("attested");
            entry.custom = Some(serde_json::to_value(&a).expect("fields serialize"));
            (CERTIFICATION.to_string(), name)
        };
        let mut batch = Batch::default();
        batch.report.push(format!("revoked {target} in {signer} ({entry_name}): {reason}"));
        self.commit(batch, keyring, &[signer], false)
    }
}
