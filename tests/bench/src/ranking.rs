//! Ranking a large pool for a limited service (积分入学 and the like).
//!
//! The applicants are synthetic: Jiaxing's points vectors (a plain holder, one
//! with a deduction, one vetoed) varied in education, patents and tax, so the
//! totals spread and many tie. The figure is the time of one
//! [`Service::rank`](juzhu_station::service::Service::rank) call: every applicant's
//! points through the wasm module in the sandbox, then the allocation.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;

use super::Figure;
use juzhu_runtime::contract::types::{Application, EducationLevel, PermitTier};
use juzhu_runtime::module_set::ModuleSet;
use juzhu_runtime::{Runtime, SandboxLimits};
use juzhu_station::service::{Applicant, Service};

const MODULE: &str = "jiaxing";
const VECTORS: &str = "plugins/jiaxing/vectors/points.yaml";
const TEMPLATES: [&str; 3] = ["jx-pts-no-permit-tier-held", "jx-pts-deduction", "jx-pts-veto"];
const LEGAL_DATE: &str = "2017-03-01";
/// Places of the limited service.
const PLACES: usize = 10_000;

fn templates() -> anyhow::Result<Vec<Application>> {
    let vectors = juzhu_sdk::vectors::load_file(Path::new(VECTORS))
        .with_context(|| format!("{VECTORS} (run from the repository root)"))?;
    TEMPLATES
        .iter()
        .map(|id| {
            let vector =
                vectors.iter().find(|v| v.id == *id).with_context(|| format!("{VECTORS} has no vector {id}"))?;
            let mut facts: Application = juzhu_runtime::certify::transcode(&vector.facts);
            // Rank them as holders of a full permit.
            facts.tier_held = Some(PermitTier::Standard);
            Ok(facts)
        })
        .collect()
}

/// `count` applicants, deterministic: the same pool on every run.
pub fn synthetic_applicants(count: usize) -> anyhow::Result<Vec<Applicant>> {
    const EDUCATION: [EducationLevel; 5] = [
        EducationLevel::SeniorSecondary,
        EducationLevel::Associate,
        EducationLevel::Bachelor,
        EducationLevel::Master,
        EducationLevel::Doctorate,
    ];
    let templates = templates()?;
    Ok((0..count)
        .map(|i| {
            // Mostly plain holders; every 50th has a deduction, every 200th a veto.
            let template = if i % 200 == 7 {
                2
            } else if i % 50 == 3 {
                1
            } else {
                0
            };
            let mut facts = templates[template].clone();
            facts.points.education = Some(EDUCATION[i % EDUCATION.len()]);
            facts.points.patents = Some((i / 5 % 6) as u32);
            facts.points.annual_tax_yuan = Some((i as u64 * 7_919) % 250_000);
            Applicant { id: format!("applicant-{i:07}"), facts }
        })
        .collect())
}

/// Measures the ranking of `count` applicants not on record (`POST
/// /v1/rank`: every applicant's points through the module now), then of
/// `count` holders on record (`GET /v1/rankings/…`: points recorded with the
/// permits, read by an index), the first time after a new version (every
/// holder scored once) and after that.
pub fn measure(modules: &Path, count: usize) -> anyhow::Result<(Vec<Figure>, String)> {
    // As the station serves: an epoch deadline, no fuel.
    let runtime = Runtime::serving(SandboxLimits::default(), None)?;
    let path = modules.join(format!("{MODULE}.wasm"));
    let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut set = ModuleSet::default();
    set.insert(runtime.load(&path.display().to_string(), &bytes)?)?;
    let dir = tempfile::tempdir()?;
    let store = juzhu_store::Store::open(dir.path().join(juzhu_station::server::DATABASE))?;
    let applicants = synthetic_applicants(count)?;
    let division = applicants[0].facts.jurisdiction.clone();
    let loading = Instant::now();
    insert_holders(&store, &applicants)?;
    let loaded_in = loading.elapsed().as_secs_f64();
    let service = Service::new(runtime, set, store)?;

    let started = Instant::now();
    let ranking = service
        .rank(&applicants, PLACES, Some(LEGAL_DATE.into()))
        .map_err(|e| anyhow::anyhow!("ranking failed: {e}"))?;
    let elapsed = started.elapsed().as_secs_f64();

    let ranked = ranking.ranking.iter().filter(|r| r.rank.is_some()).count();
    anyhow::ensure!(
        ranking.admitted.len() == PLACES.min(ranked),
        "the ranking admitted {} of {PLACES} places",
        ranking.admitted.len()
    );
    let distinct: std::collections::BTreeSet<i32> = ranking.ranking.iter().map(|r| r.total).collect();

    let rank_on_record = || {
        let started = Instant::now();
        let ranking = service
            .rank_on_record(&division, PLACES as u64)
            .map_err(|e| anyhow::anyhow!("ranking on record failed: {e}"))?;
        anyhow::Ok((ranking, started.elapsed().as_secs_f64()))
    };
    let (first, scoring) = rank_on_record()?;
    anyhow::ensure!(
        first.scored_now == count as u64,
        "the first ranking on record scored {} of {count}",
        first.scored_now
    );
    let (again, on_record) = rank_on_record()?;
    anyhow::ensure!(again.scored_now == 0, "the second ranking on record scored {} again", again.scored_now);
    anyhow::ensure!(
        again.ranked == ranked as u64 && again.admitted.len() == PLACES.min(ranked),
        "on record: {} ranked and {} admitted; not on record: {ranked} ranked",
        again.ranked,
        again.admitted.len()
    );
    // Scored and ranked, then read back: the same allocation. (Totals
    // differ from the ranking not on record: there the module is given no
    // permit, here each holder's.)
    let allocation = |r: &juzhu_station::service::RecordRanking| -> Vec<(String, i32)> {
        r.admitted.iter().map(|a| (a.permit.clone(), a.total)).collect()
    };
    anyhow::ensure!(allocation(&first) == allocation(&again), "reading the recorded points changed the allocation");
    anyhow::ensure!(
        again.admitted.windows(2).all(|w| w[0].total >= w[1].total),
        "the ranking on record is not best first"
    );

    let figures = vec![
        Figure::target(
            format!("ranking {count} holders on record for {PLACES} places (points recorded with the permits)"),
            format!("{on_record:.2} s"),
            "≤ 2 s",
            on_record <= 2.0,
        ),
        Figure::info(
            format!("first ranking on record after a new version: every holder scored once, then ranked ({count})"),
            format!("{scoring:.2} s"),
        ),
        Figure::info(
            format!("ranking {count} synthetic applicants not on record for {PLACES} places (POST /v1/rank)"),
            format!("{elapsed:.2} s"),
        ),
        Figure::info(
            "ranking pool",
            format!(
                "{ranked} ranked, {} excluded by veto or freeze, {} distinct totals",
                count - ranked,
                distinct.len()
            ),
        ),
    ];
    let setup = format!(
        "ranking figures: {} through the service layer, legal date {LEGAL_DATE}. Not on record: points from the wasm module (as served, no fuel) in batches sharing a sandbox, across {cores} cores, then the allocation. On record: the same {count} facts as active permits issued on {LEGAL_DATE}, inserted in {loaded_in:.0} s straight into the SQLite store (their applications and decisions, which no ranking reads, left out); the first ranking scores and records every holder (as after a new version takes effect), the second reads the index",
        ranking.module.id,
        cores = std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    Ok((figures, setup))
}

/// The applicants as holders of active permits issued on [`LEGAL_DATE`], in
/// one transaction. Foreign keys are off for the load only: the permits'
/// decisions are not inserted.
fn insert_holders(store: &juzhu_store::Store, applicants: &[Applicant]) -> anyhow::Result<()> {
    let conn = store.conn();
    conn.execute_batch("PRAGMA foreign_keys = OFF; BEGIN")?;
    {
        let mut insert = conn.prepare(
            "INSERT INTO permits (number, jurisdiction, tier, state, issued_on, holder_citizen_id, facts,
                                  decision_id, updated_at)
             VALUES (?1, ?2, 'standard', 'active', ?3, ?4, ?5, ?6, ?7)",
        )?;
        let mut endorse = conn.prepare("INSERT INTO endorsements (permit_number, endorsed_on) VALUES (?1, ?2)")?;
        let now = juzhu_store::now();
        let year: &str = &LEGAL_DATE[..4];
        for (i, a) in applicants.iter().enumerate() {
            // A year has 999,999 serials: past them, a permit issued a year
            // earlier and endorsed on the day, so its points are as of the
            // same day as everyone's.
            let (number, issued_on) = match i.checked_sub(999_999) {
                None => (format!("{}-{year}-{:06}", a.facts.jurisdiction, i + 1), LEGAL_DATE.to_string()),
                Some(k) => {
                    let earlier = format!("{}{}", year.parse::<u32>()? - 1, &LEGAL_DATE[4..]);
                    let number = format!("{}-{}-{:06}", a.facts.jurisdiction, &earlier[..4], k + 1);
                    endorse.execute(rusqlite::params![number, LEGAL_DATE])?;
                    (number, earlier)
                }
            };
            insert.execute(rusqlite::params![
                number,
                a.facts.jurisdiction,
                issued_on,
                a.facts.identity.citizen_id,
                serde_json::to_string(&a.facts)?,
                i as i64 + 1,
                now,
            ])?;
        }
    }
    conn.execute_batch("COMMIT; PRAGMA foreign_keys = ON")?;
    Ok(())
}
