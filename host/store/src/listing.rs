//! Read-only listings for the console's work queues and dashboard: which
//! permits are still live, and every decision with its jurisdiction.

use crate::db::Db;
use crate::records::{corrupt, load_decision, load_permit};
use crate::{DecisionRecord, PermitRecord, Store, StoreError, params};

impl Store {
    /// Every permit not cancelled, by number.
    pub fn live_permits(&self) -> Result<Vec<PermitRecord>, StoreError> {
        let rows = self.query("SELECT number FROM permits WHERE state <> 'cancelled' ORDER BY number", params![])?;
        rows.iter()
            .map(|r| {
                let n = r.text(0)?;
                load_permit(self, &n)?.ok_or_else(|| corrupt(format!("permit {n}"), "vanished while reading"))
            })
            .collect()
    }

    /// Every recorded decision with its application's jurisdiction and
    /// citizen ID, oldest first.
    pub fn decisions_with_jurisdiction(&self) -> Result<Vec<(String, String, DecisionRecord)>, StoreError> {
        let rows = self.query(
            "SELECT d.id, a.jurisdiction FROM decisions d JOIN applications a ON a.id = d.application_id ORDER BY d.id",
            params![],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id = r.int(0)?;
            let jurisdiction = r.text(1)?;
            let d =
                load_decision(self, id)?.ok_or_else(|| corrupt(format!("decision {id}"), "vanished while reading"))?;
            let citizen = self.application(d.application_id)?.map(|a| a.facts.identity.citizen_id).unwrap_or_default();
            out.push((jurisdiction, citizen, d));
        }
        Ok(out)
    }
}
