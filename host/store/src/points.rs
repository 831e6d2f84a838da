//! Each active permit's points, kept so a limited service (积分入学 and the
//! like) ranks its holders with an index instead of running the module over
//! everyone at ranking time.
//!
//! A row is derived, not a record: the holder's points as the module
//! `module_sha256` gives them on `as_of` (the permit's issue date or its last
//! endorsement), computed from records the audit trail covers. So the table
//! is outside the trail, and a missing or outdated row is never wrong, only
//! work left to do: a ranking first scores every active permit without a row
//! of the version in force (a permit issued before this table, a write lost
//! between a transition and its scoring, or every holder once a new version
//! takes effect).
//!
//! One invariant makes "is anything left to score?" two index counts: a row
//! exists only for an active permit. Suspending or cancelling a permit
//! deletes its row in the same transaction ([`forget`]), and a row is written
//! only while its permit is active ([`Store::record_points`]).

use juzhu_domain::ModuleRef;
use juzhu_runtime::contract::types::PointsBreakdown;
use serde::Serialize;

use crate::db::{Db, DbError};
use crate::{PermitRecord, Store, StoreError, Write, load_permit, now, params};

/// A holder's points to record.
#[derive(Debug, Clone)]
pub struct NewPoints<'a> {
    pub permit_number: &'a str,
    /// The day the points are as of.
    pub as_of: &'a str,
    pub module: &'a ModuleRef,
    pub breakdown: &'a PointsBreakdown,
}

/// A holder's recorded points, as a ranking lists them.
#[derive(Debug, Clone, Serialize)]
pub struct PointsRecord {
    pub permit_number: String,
    pub as_of: String,
    pub total: i32,
    pub breakdown: PointsBreakdown,
}

/// How far the recorded points of a jurisdiction are from the version in
/// force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointsCoverage {
    /// Active permits of the jurisdiction.
    pub active: u64,
    /// Of those, the ones with a row of the version asked about.
    pub scored: u64,
}

impl PointsCoverage {
    /// Whether every active permit has a row of the version asked about.
    pub fn complete(&self) -> bool {
        self.scored == self.active
    }
}

/// Deletes a permit's row: it leaves use (suspended or cancelled) in the
/// transaction `tx`.
pub(crate) fn forget(tx: &Write<'_>, number: &str) -> Result<(), DbError> {
    tx.execute("DELETE FROM permit_points WHERE permit_number = ?1", params![number])?;
    Ok(())
}

impl Store {
    /// Records holders' points, replacing any earlier row of each permit, in
    /// one transaction. A permit not active when the write runs gets no row
    /// (it may have been suspended since it was scored). Returns the rows
    /// written.
    pub fn record_points(&mut self, rows: &[NewPoints<'_>]) -> Result<u64, StoreError> {
        let at = now();
        let tx = self.write()?;
        let mut written = 0;
        for row in rows {
            let breakdown = serde_json::to_string(row.breakdown).map_err(|e| StoreError::Corrupt {
                what: format!("points of permit {}", row.permit_number),
                detail: e.to_string(),
            })?;
            written += tx.execute(
                "INSERT INTO permit_points
                     (permit_number, jurisdiction, as_of, total, excluded, breakdown,
                      module_id, module_version, module_sha256, scored_at)
                 SELECT number, jurisdiction, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9
                 FROM permits WHERE number = ?1 AND state = 'active'
                 ON CONFLICT (permit_number) DO UPDATE SET
                     as_of = excluded.as_of, total = excluded.total, excluded = excluded.excluded,
                     breakdown = excluded.breakdown, module_id = excluded.module_id,
                     module_version = excluded.module_version, module_sha256 = excluded.module_sha256,
                     scored_at = excluded.scored_at",
                params![
                    row.permit_number,
                    row.as_of,
                    i64::from(row.breakdown.total),
                    i64::from(row.breakdown.vetoed || row.breakdown.frozen),
                    breakdown,
                    row.module.id.as_str(),
                    row.module.version.as_str(),
                    row.module.sha256.as_str(),
                    at.as_str(),
                ],
            )?;
        }
        tx.commit()?;
        Ok(written)
    }

    /// The jurisdictions with active permits, in code order.
    pub fn active_jurisdictions(&self) -> Result<Vec<String>, StoreError> {
        self.query("SELECT DISTINCT jurisdiction FROM permits WHERE state = 'active' ORDER BY jurisdiction", &[])?
            .into_iter()
            .map(|row| Ok(row.text(0)?))
            .collect()
    }

    /// How many active permits of `jurisdiction` have points of the module
    /// `module_sha256`.
    pub fn points_coverage(&self, jurisdiction: &str, module_sha256: &str) -> Result<PointsCoverage, StoreError> {
        let active = self
            .query_one(
                "SELECT count(*) FROM permits WHERE jurisdiction = ?1 AND state = 'active'",
                params![jurisdiction],
            )?
            .int(0)?;
        let scored = self
            .query_one(
                "SELECT count(*) FROM permit_points WHERE jurisdiction = ?1 AND module_sha256 = ?2",
                params![jurisdiction, module_sha256],
            )?
            .int(0)?;
        Ok(PointsCoverage { active: active as u64, scored: scored as u64 })
    }

    /// Up to `limit` active permits of `jurisdiction` with no points of the
    /// module `module_sha256`, in permit-number order after `after` (a
    /// keyset page: pass the last number of the previous page).
    pub fn permits_to_score(
        &self,
        jurisdiction: &str,
        module_sha256: &str,
        after: &str,
        limit: u32,
    ) -> Result<Vec<PermitRecord>, StoreError> {
        let rows = self.query(
            "SELECT p.number FROM permits p
             WHERE p.jurisdiction = ?1 AND p.state = 'active' AND p.number > ?3
               AND NOT EXISTS (SELECT 1 FROM permit_points pp
                               WHERE pp.permit_number = p.number AND pp.module_sha256 = ?2)
             ORDER BY p.number LIMIT ?4",
            params![jurisdiction, module_sha256, after, i64::from(limit)],
        )?;
        let mut permits = Vec::with_capacity(rows.len());
        for row in rows {
            let number = row.text(0)?;
            permits.push(load_permit(self, &number)?.ok_or_else(|| StoreError::Corrupt {
                what: format!("permit {number}"),
                detail: "listed, then not found".into(),
            })?);
        }
        Ok(permits)
    }

    /// The best `limit` ranked holders of `jurisdiction` by the points of
    /// the module `module_sha256`: vetoed and frozen holders excluded,
    /// higher total first, equal totals by permit number (byte order).
    pub fn top_points(
        &self,
        jurisdiction: &str,
        module_sha256: &str,
        limit: u64,
    ) -> Result<Vec<PointsRecord>, StoreError> {
        let rows = self.query(
            "SELECT permit_number, as_of, total, breakdown FROM permit_points
             WHERE jurisdiction = ?1 AND module_sha256 = ?2 AND excluded = 0
             ORDER BY total DESC, permit_number LIMIT ?3",
            params![jurisdiction, module_sha256, limit as i64],
        )?;
        rows.into_iter()
            .map(|row| {
                let number = row.text(0)?;
                let breakdown = serde_json::from_str(&row.text(3)?).map_err(|e| StoreError::Corrupt {
                    what: format!("points of permit {number}"),
                    detail: e.to_string(),
                })?;
                Ok(PointsRecord { as_of: row.text(1)?, total: row.int(2)? as i32, breakdown, permit_number: number })
            })
            .collect()
    }

    /// How many holders of `jurisdiction` are ranked and how many excluded
    /// (vetoed or frozen), by the points of the module `module_sha256`; and
    /// how many ranked holders have exactly `total` points.
    pub fn points_counts(
        &self,
        jurisdiction: &str,
        module_sha256: &str,
        total: Option<i32>,
    ) -> Result<PointsCounts, StoreError> {
        let counts = self.query_one(
            "SELECT CAST(coalesce(sum(CASE WHEN excluded = 0 THEN 1 ELSE 0 END), 0) AS BIGINT),
                    CAST(coalesce(sum(excluded), 0) AS BIGINT),
                    CAST(coalesce(sum(CASE WHEN excluded = 0 AND total = ?3 THEN 1 ELSE 0 END), 0) AS BIGINT)
             FROM permit_points WHERE jurisdiction = ?1 AND module_sha256 = ?2",
            params![jurisdiction, module_sha256, total.map(i64::from)],
        )?;
        Ok(PointsCounts {
            ranked: counts.int(0)? as u64,
            excluded: counts.int(1)? as u64,
            at_total: counts.int(2)? as u64,
        })
    }
}

/// See [`Store::points_counts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointsCounts {
    pub ranked: u64,
    pub excluded: u64,
    pub at_total: u64,
}
