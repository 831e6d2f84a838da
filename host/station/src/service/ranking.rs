//! Ranking applicants for a limited service (积分入学 and the like) by the
//! points their jurisdiction's module gives them.

use std::sync::Arc;

use juzhu_runtime::LoadedModule;
use juzhu_runtime::contract::types::{Application, PointsBreakdown, Refusal};
use serde::Serialize;

use super::{Service, ServiceError, module_ref};
use juzhu_domain::ModuleRef;

/// One applicant for a limited service.
#[derive(Debug, serde::Deserialize)]
pub struct Applicant {
    /// The caller's id for the applicant; also the final tie-break.
    pub id: String,
    pub facts: Application,
}

/// One applicant's place in a ranking.
#[derive(Debug, Serialize)]
pub struct Ranked {
    /// 1-based; `None` for an applicant excluded by a veto or a freeze.
    pub rank: Option<usize>,
    pub id: String,
    pub total: i32,
    pub admitted: bool,
    pub breakdown: PointsBreakdown,
}

/// The allocation of `places` among applicants, by points.
#[derive(Debug, Serialize)]
pub struct Ranking {
    pub places: usize,
    pub legal_date: String,
    pub module: ModuleRef,
    /// The admitted applicants' ids, best first.
    pub admitted: Vec<String>,
    pub ranking: Vec<Ranked>,
    pub tie_break: &'static str,
}

/// How equal totals are ordered, stated in every ranking.
pub const TIE_BREAK: &str = "higher total first; equal totals by applicant id, ascending (byte order), so the same input always gives the same allocation; vetoed (一票否决) and frozen (冻结) applicants are not ranked";

impl Service {
    /// Ranks applicants for `places` of a limited service (e.g. 积分入学) by
    /// the points their jurisdiction's module gives them.
    pub fn rank(
        &self,
        applicants: &[Applicant],
        places: usize,
        legal_date: Option<String>,
    ) -> Result<Ranking, ServiceError> {
        let Some(first) = applicants.first() else {
            return Err(ServiceError::bad("applicants", "is empty; give at least one applicant"));
        };
        let set = self.modules.snapshot();
        let (module, date) = Self::module_for(&set, &first.facts.jurisdiction, legal_date.as_deref())?;
        let legal_date = date.to_string();
        let mut seen = std::collections::HashSet::with_capacity(applicants.len());
        // Divisions already found to be decided by `module`: one lookup each.
        let mut same_module = std::collections::HashSet::from([first.facts.jurisdiction.as_str()]);
        for (i, a) in applicants.iter().enumerate() {
            if !seen.insert(a.id.as_str()) {
                return Err(ServiceError::bad(
                    &format!("applicants[{i}].id"),
                    format!("`{}` appears twice; ids must be unique", a.id),
                ));
            }
            if same_module.contains(a.facts.jurisdiction.as_str()) {
                continue;
            }
            let (theirs, _) = Self::module_for(&set, &a.facts.jurisdiction, Some(&legal_date))?;
            same_module.insert(a.facts.jurisdiction.as_str());
            if !Arc::ptr_eq(&theirs, &module) {
                return Err(ServiceError::bad(
                    &format!("applicants[{i}].facts.jurisdiction"),
                    format!(
                        "is decided by {}, but applicants[0] by {}; one ranking is for one jurisdiction's service",
                        theirs.label(),
                        module.label()
                    ),
                ));
            }
        }
        let mut ranking = Vec::with_capacity(applicants.len());
        for (i, (a, answer)) in applicants.iter().zip(self.points_of_all(&module, applicants, &legal_date)?).enumerate()
        {
            let breakdown = answer.map_err(|refusal| match refusal {
                Refusal::Input(e) => ServiceError::bad(&format!("applicants[{i}].{}", e.field), e.message),
                other => ServiceError::from(other),
            })?;
            ranking.push(Ranked { rank: None, id: a.id.clone(), total: breakdown.total, admitted: false, breakdown });
        }
        let excluded = |r: &Ranked| r.breakdown.vetoed || r.breakdown.frozen;
        ranking.sort_by(|a, b| excluded(a).cmp(&excluded(b)).then(b.total.cmp(&a.total)).then(a.id.cmp(&b.id)));
        let mut admitted = Vec::new();
        for (i, r) in ranking.iter_mut().enumerate() {
            if excluded(r) {
                continue;
            }
            r.rank = Some(i + 1);
            if admitted.len() < places {
                r.admitted = true;
                admitted.push(r.id.clone());
            }
        }
        Ok(Ranking { places, legal_date, module: module_ref(&module), admitted, ranking, tie_break: TIE_BREAK })
    }

    /// Every applicant's points, in order: the pool is split across the cores,
    /// and each core's share is scored in batches that share one sandbox.
    fn points_of_all(
        &self,
        module: &LoadedModule,
        applicants: &[Applicant],
        legal_date: &str,
    ) -> Result<Vec<Result<PointsBreakdown, Refusal>>, ServiceError> {
        /// Applicants per sandbox: enough to make instantiation negligible,
        /// few enough that a leaky module cannot fill its memory cap.
        const BATCH: usize = 1024;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let share = applicants.len().div_ceil(cores).max(1);
        let shares: Vec<Result<Vec<_>, ServiceError>> = std::thread::scope(|scope| {
            let workers: Vec<_> = applicants
                .chunks(share)
                .map(|part| {
                    scope.spawn(move || {
                        let mut answers = Vec::with_capacity(part.len());
                        for batch in part.chunks(BATCH) {
                            answers.extend(self.observe(
                                module,
                                "points",
                                module.points_batch(batch.iter().map(|a| &a.facts), legal_date),
                            )?);
                        }
                        Ok(answers)
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
        });
        let mut all = Vec::with_capacity(applicants.len());
        for share in shares {
            all.extend(share?);
        }
        Ok(all)
    }
}
