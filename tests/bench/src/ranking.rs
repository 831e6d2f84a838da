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

/// Measures the ranking of `count` applicants.
pub fn measure(modules: &Path, count: usize) -> anyhow::Result<(Vec<Figure>, String)> {
    let runtime = Runtime::new(SandboxLimits::default(), None)?;
    let path = modules.join(format!("{MODULE}.wasm"));
    let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut set = ModuleSet::default();
    set.insert(runtime.load(&path.display().to_string(), &bytes)?)?;
    let dir = tempfile::tempdir()?;
    let store = juzhu_store::Store::open(dir.path().join(juzhu_station::server::DATABASE))?;
    let service = Service::new(runtime, set, store)?;

    let applicants = synthetic_applicants(count)?;
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
    let figures = vec![
        Figure::target(
            format!("ranking {count} synthetic applicants for {PLACES} places"),
            format!("{elapsed:.2} s"),
            "≤ 5 s",
            elapsed <= 5.0,
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
        "ranking figure: {} through the service layer (points from the wasm module in batches sharing a sandbox, across {} cores; then the allocation), legal date {LEGAL_DATE}",
        ranking.module.id,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    Ok((figures, setup))
}
