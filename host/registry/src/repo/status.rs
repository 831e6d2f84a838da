//! The registry at a glance, for `juzhu registry status`: each role's
//! version, expiry and keys, the timestamp's deadline, and each module's state.

use super::state::Repository;
use crate::metadata::{RoleKeys, short};

impl Repository {
    /// The registry at a glance: each role's version, expiry and keys, and each module's state.
    pub fn status(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let role_line = |name: &str, version: u64, expires: &str, keys: &RoleKeys| {
            format!(
                "{name:<22} version {version:<4} expires {expires}  threshold {} of [{}]",
                keys.threshold,
                keys.keyids.iter().map(|k| short(k)).collect::<Vec<_>>().join(", ")
            )
        };
        lines.push(role_line("root", self.root.version, &self.root.expires, &self.root.roles["root"]));
        lines.push(role_line("targets", self.targets.version, &self.targets.expires, &self.root.roles["targets"]));
        lines.push(role_line("snapshot", self.snapshot.version, &self.snapshot.expires, &self.root.roles["snapshot"]));
        lines.push(role_line(
            "timestamp",
            self.timestamp.version,
            &self.timestamp.expires,
            &self.root.roles["timestamp"],
        ));
        for d in self.targets.delegations.iter().flat_map(|d| &d.roles) {
            let keys = RoleKeys { keyids: d.keyids.clone(), threshold: d.threshold };
            match self.delegated.get(&d.name) {
                Some(b) => lines.push(role_line(&d.name, b.version, &b.expires, &keys)),
                None => lines.push(format!("{:<22} not signed yet (nothing published)", d.name)),
            }
        }
        if let Ok(expires) = self.timestamp.expires.parse::<jiff::Timestamp>() {
            if expires <= self.now {
                lines.push(format!(
                    "ALERT: timestamp expired at {expires}; clients are frozen until `juzhu registry refresh-timestamp`"
                ));
            } else if expires.duration_since(self.now).as_secs() < 86_400 {
                lines.push(format!(
                    "warning: timestamp expires within a day ({expires}); run `juzhu registry refresh-timestamp`"
                ));
            }
        }
        for m in self.modules() {
            let state = match (&m.fields.revoked, &m.attestation) {
                (Some(r), _) => format!("revoked by district on {}: {}", r.revoked_on, r.reason),
                (None, Some(a)) if a.revoked.is_some() => {
                    let r = a.revoked.as_ref().expect("checked");
                    format!("certification revoked on {}: {}", r.revoked_on, r.reason)
                }
                (None, Some(a)) => format!("certified ({} vectors passed)", a.vectors_passed),
                (None, None) => "NOT certified: awaiting `juzhu attest`".into(),
            };
            lines.push(format!(
                "module {} {}@{} effective {} sha256 {}…: {state}",
                m.district,
                m.fields.module_id,
                m.fields.version,
                m.fields.effective_from,
                &m.file.sha256().unwrap_or("?")[..12.min(m.file.sha256().unwrap_or("?").len())]
            ));
        }
        lines
    }
}
