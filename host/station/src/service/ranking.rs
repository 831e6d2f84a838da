//! Ranking applicants for a limited service (积分入学 and the like) by the
//! points their jurisdiction's module gives them.

use std::sync::Arc;

use juzhu_runtime::contract::types::{Application, PointsBreakdown, Refusal};
use juzhu_runtime::{LoadedModule, PointsCall};
use serde::Serialize;

use super::{Service, ServiceError, input, module_ref, not_in_force_message};
use juzhu_domain::{Division, ModuleRef};
use juzhu_runtime::contract::types::Permit;
use juzhu_store::PermitRecord;
use juzhu_store::points::NewPoints;

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
        let calls: Vec<PointsCall<'_>> =
            applicants.iter().map(|a| PointsCall { permit: None, facts: &a.facts, legal_date: &legal_date }).collect();
        for (i, (a, answer)) in applicants.iter().zip(self.points_in_parallel(&module, &calls)?).enumerate() {
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

    /// Every call's points, in order: the calls are split across the cores,
    /// and each core's share is scored in batches that share one sandbox.
    fn points_in_parallel(
        &self,
        module: &LoadedModule,
        calls: &[PointsCall<'_>],
    ) -> Result<Vec<Result<PointsBreakdown, Refusal>>, ServiceError> {
        /// Calls per sandbox: enough to make instantiation negligible, few
        /// enough that a leaky module cannot fill its memory cap.
        const BATCH: usize = 1024;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let share = calls.len().div_ceil(cores).max(1);
        let shares: Vec<Result<Vec<_>, ServiceError>> = std::thread::scope(|scope| {
            let workers: Vec<_> = calls
                .chunks(share)
                .map(|part| {
                    scope.spawn(move || {
                        let mut answers = Vec::with_capacity(part.len());
                        for batch in part.chunks(BATCH) {
                            answers.extend(self.observe(
                                module,
                                "points",
                                module.points_batch(batch.iter().copied()),
                            )?);
                        }
                        Ok(answers)
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
        });
        let mut all = Vec::with_capacity(calls.len());
        for share in shares {
            all.extend(share?);
        }
        Ok(all)
    }

    /// Ranks the holders of active permits of `division` for `places` of a
    /// limited service, from the points recorded with their permits: today,
    /// by the version in force today. Holders without points of that version
    /// (every holder, the first time after a new version takes effect) are
    /// scored first, once; after that a ranking is an index read.
    pub fn rank_on_record(&self, division: &str, places: u64) -> Result<RecordRanking, ServiceError> {
        Division::parse(division).map_err(|e| ServiceError::bad("division", e.to_string()))?;
        if places == 0 {
            return Err(ServiceError::bad("places", "is 0; give the number of places of the service, at least 1"));
        }
        let set = self.modules.snapshot();
        let (module, today) = Self::module_for(&set, division, None)?;
        let scored_now = self.score_unscored(&module, division)?;
        let sha256 = module.sha256().to_string();
        let top = self.store().top_points(division, &sha256, places)?;
        let cut_off_total = top.last().map(|last| last.total);
        let counts = self.store().points_counts(division, &sha256, cut_off_total)?;
        let admitted_at_cut_off = top.iter().filter(|r| Some(r.total) == cut_off_total).count() as u64;
        let admitted = top
            .into_iter()
            .enumerate()
            .map(|(i, r)| AdmittedHolder {
                rank: i as u64 + 1,
                permit: r.permit_number,
                total: r.total,
                points_as_of: r.as_of,
                breakdown: r.breakdown,
            })
            .collect();
        Ok(RecordRanking {
            division: division.to_string(),
            places,
            legal_date: today.to_string(),
            module: module_ref(&module),
            ranked: counts.ranked,
            excluded: counts.excluded,
            scored_now,
            admitted,
            cut_off: cut_off_total
                .map(|total| CutOff { total, tied_not_admitted: counts.at_total.saturating_sub(admitted_at_cut_off) }),
            basis: RECORD_BASIS,
            tie_break: RECORD_TIE_BREAK,
        })
    }

    /// Scores, in every jurisdiction with active permits, the permits
    /// without points of the version in force there today. The station runs this every
    /// minute ([`crate::server`]), so the first ranking after a new version
    /// takes effect, or after a lost write, finds the points recorded rather
    /// than scoring a whole pool inside its request. Returns how many were
    /// scored; a jurisdiction that fails is logged and the others go on.
    pub fn keep_points_current(&self) -> u64 {
        // The permits' jurisdictions, not the modules': a city's module
        // decides its districts' permits.
        let divisions = match self.store().active_jurisdictions() {
            Ok(divisions) => divisions,
            Err(e) => {
                tracing::warn!(error = %e, "holders' points not kept current: the store cannot list jurisdictions");
                return 0;
            }
        };
        let mut scored = 0;
        for division in divisions {
            let set = self.modules.snapshot();
            match Self::module_for(&set, &division, None).and_then(|(m, _)| self.score_unscored(&m, &division)) {
                Ok(0) => {}
                Ok(n) => {
                    tracing::info!(%division, scored = n, "recorded the points of {n} holders in {division} for rankings");
                    scored += n;
                }
                Err(e) => {
                    tracing::warn!(%division, error = %e, "holders' points not recorded; a ranking will score them")
                }
            }
        }
        scored
    }

    /// Scores every active permit of `division` that has no points of
    /// `module`, a page at a time, and records them. Returns how many.
    fn score_unscored(&self, module: &Arc<LoadedModule>, division: &str) -> Result<u64, ServiceError> {
        /// Permits read, scored and written per round: bounds memory, and a
        /// page's write is one transaction.
        const PAGE: u32 = 8192;
        if self.store().points_coverage(division, module.sha256())?.complete() {
            return Ok(0);
        }
        let reference = module_ref(module);
        let (mut after, mut scored) = (String::new(), 0);
        loop {
            let page = self.store().permits_to_score(division, module.sha256(), &after, PAGE)?;
            let Some(last) = page.last() else { break };
            after = last.number.clone();
            let contracts: Vec<(Permit, String)> = page.iter().map(|p| (p.to_contract(), points_as_of(p))).collect();
            let calls: Vec<PointsCall<'_>> = page
                .iter()
                .zip(&contracts)
                .map(|(p, (contract, as_of))| PointsCall {
                    permit: Some(contract),
                    facts: p.facts_on(as_of),
                    legal_date: as_of,
                })
                .collect();
            let answers = self.points_in_parallel(module, &calls)?;
            let mut rows = Vec::with_capacity(page.len());
            for ((p, (_, as_of)), answer) in page.iter().zip(&contracts).zip(&answers) {
                let breakdown = answer.as_ref().map_err(|refusal| ServiceError::Refused(format!(
                    "permit {}'s points cannot be computed by {} as of {as_of}: {}; the ranking needs every active holder's points",
                    p.number,
                    module.label(),
                    describe_refusal(refusal)
                )))?;
                rows.push(NewPoints { permit_number: &p.number, as_of, module: &reference, breakdown });
            }
            scored += self.store().record_points(&rows)?;
        }
        Ok(scored)
    }

    /// Records a permit's points after it was issued, endorsed or restored,
    /// so the next ranking reads them instead of scoring it. A failure here
    /// loses nothing (the ranking scores the permit then) and is logged.
    pub(super) fn record_points_of(&self, permit: &PermitRecord) {
        if permit.state != juzhu_domain::PermitState::Active {
            return;
        }
        let result = (|| {
            let set = self.modules.snapshot();
            let (module, _) = Self::module_for(&set, &permit.jurisdiction, None)?;
            let as_of = points_as_of(permit);
            let contract = permit.to_contract();
            let answer =
                self.observe(&module, "points", module.points(Some(&contract), permit.facts_on(&as_of), &as_of))?;
            let breakdown = input(answer)?;
            let reference = module_ref(&module);
            self.store().record_points(&[NewPoints {
                permit_number: &permit.number,
                as_of: &as_of,
                module: &reference,
                breakdown: &breakdown,
            }])?;
            Ok::<_, ServiceError>(())
        })();
        if let Err(e) = result {
            tracing::warn!(permit = %permit.number, error = %e, "points not recorded; the next ranking scores this permit");
        }
    }
}

/// The day a holder's recorded points are as of: the last endorsement (a
/// fresh check of the holder's facts), else the day of issue.
fn points_as_of(permit: &PermitRecord) -> String {
    permit.endorsements.last().unwrap_or(&permit.issued_on).clone()
}

fn describe_refusal(refusal: &Refusal) -> String {
    match refusal {
        Refusal::Input(e) => format!("{}: {}", e.field, e.message),
        Refusal::NotInForce(n) => not_in_force_message(n),
    }
}

/// What a ranking on record ranks by, stated in every such ranking.
pub const RECORD_BASIS: &str = "each holder of an active permit, by the points the module in force today gives the facts on record as of the holder's last endorsement (or the day of issue, if not yet endorsed); suspended and cancelled permits are not ranked";

/// How equal totals are ordered in a ranking on record.
pub const RECORD_TIE_BREAK: &str = "higher total first; equal totals by permit number, ascending (byte order), so the same record always gives the same allocation; vetoed (一票否决) and frozen (冻结) holders are not ranked";

/// A ranking of the holders on record ([`Service::rank_on_record`]).
#[derive(Debug, Serialize)]
pub struct RecordRanking {
    pub division: String,
    pub places: u64,
    /// Today in the jurisdiction's time zone: the version in force then ranks.
    pub legal_date: String,
    pub module: ModuleRef,
    /// Holders ranked (active permits, not vetoed or frozen).
    pub ranked: u64,
    /// Holders not ranked: vetoed or frozen.
    pub excluded: u64,
    /// Holders scored by this request, having no points of this version yet.
    pub scored_now: u64,
    /// The admitted holders, best first: at most `places`.
    pub admitted: Vec<AdmittedHolder>,
    /// The lowest admitted total; `None` when no one is ranked.
    pub cut_off: Option<CutOff>,
    pub basis: &'static str,
    pub tie_break: &'static str,
}

/// One admitted holder of a [`RecordRanking`].
#[derive(Debug, Serialize)]
pub struct AdmittedHolder {
    pub rank: u64,
    pub permit: String,
    pub total: i32,
    /// The day the points are as of.
    pub points_as_of: String,
    pub breakdown: PointsBreakdown,
}

/// The lowest admitted total, and how many ranked holders have it but got
/// no place (the tie-break decided between them).
#[derive(Debug, Serialize)]
pub struct CutOff {
    pub total: i32,
    pub tied_not_admitted: u64,
}
