//! Operators' pins: a division held at one module version.

use serde::Serialize;

use super::{Store, StoreError, audit, now};
use crate::db::Db;
use crate::params;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pin {
    pub division: String,
    pub module_id: String,
    pub version: String,
    pub pinned_by: String,
    pub pinned_at: String,
}

impl Store {
    /// Every pin, by division.
    pub fn pins(&self) -> Result<Vec<Pin>, StoreError> {
        let rows = self.query(
            "SELECT division, module_id, version, pinned_by, pinned_at FROM module_pins ORDER BY division",
            &[],
        )?;
        rows.iter()
            .map(|r| {
                Ok(Pin {
                    division: r.text(0)?,
                    module_id: r.text(1)?,
                    version: r.text(2)?,
                    pinned_by: r.text(3)?,
                    pinned_at: r.text(4)?,
                })
            })
            .collect()
    }

    /// Pins `division` to `version` and writes `action` (`module.pin` or
    /// `module.rollback`) to the audit log, in one transaction.
    pub fn set_pin(
        &mut self,
        actor: &str,
        action: &str,
        division: &str,
        module_id: &str,
        version: &str,
        details: serde_json::Value,
    ) -> Result<audit::AuditEntry, StoreError> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO module_pins (division, module_id, version, pinned_by, pinned_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (division) DO UPDATE SET module_id = excluded.module_id, version = excluded.version,
                 pinned_by = excluded.pinned_by, pinned_at = excluded.pinned_at",
            params![division, module_id, version, actor, now()],
        )?;
        let entry = audit::append(&tx, actor, action, &format!("module:{division}"), &details)?;
        tx.commit()?;
        Ok(entry)
    }

    /// Lifts the pin on `division`, recorded as `module.unpin`.
    pub fn clear_pin(&mut self, actor: &str, division: &str) -> Result<Option<audit::AuditEntry>, StoreError> {
        let tx = self.write()?;
        let removed = tx.execute("DELETE FROM module_pins WHERE division = ?1", params![division])?;
        if removed == 0 {
            return Ok(None);
        }
        let entry = audit::append(&tx, actor, "module.unpin", &format!("module:{division}"), &serde_json::json!({}))?;
        tx.commit()?;
        Ok(Some(entry))
    }
}
