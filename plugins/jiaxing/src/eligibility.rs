//! 三(一): who may apply for which permit.
//!
//! Two tiers, each evaluated in full on every application:
//! - 《浙江省临时居住证》 (`Temporary`, 三(一)1): one route, a stable residence
//!   (`Residence`), proved by the material its kind needs.
//! - 《浙江省居住证》 (`Standard`, 三(一)2): the holder of a temporary permit,
//!   or someone with a stable residence, who is in stable employment of six
//!   months or more. Three `Employment` routes, one per kind of proof in
//!   三(一)2(1)–(3), and the `Exemption` route of 三(一)末段 for investors and
//!   recruited talent.
//!
//! The best tier met is granted (`Standard` over `Temporary`) unless the
//! applicant asks for one tier (`tier_requested`): then only that tier's
//! routes decide, and the other tier's routes are still reported.
//!
//! Interpretations (the text is silent; nothing is added to it):
//! - No residence-registration period is required: the text sets none (it
//!   predates Decree 663, in force 2016-01-01, so the national six-month floor
//!   is not applied).
//! - Insurance: "一年内累计依法参加居住地社会保险满6个月" is a cumulative count of
//!   months within the 12 months ending at the legal month. The text excludes
//!   neither back-paid (补缴) nor work-injury-only months, so both count:
//!   a back-payment made lawfully is still 依法参加, and work-injury insurance is
//!   social insurance.
//! - The six months of 三(一)2 are proved, for (1) and (2), by the materials the
//!   text lists (a contract term of 6+ months and 6 months of insurance). For
//!   (3) the text names only the registration, so the headline "就业6个月以上"
//!   is checked from the job's start date.
//! - A contract with no fixed term recorded (`contract_months: None`) is an
//!   unknown fact, not a failure.
//! - 三(一)1(4) and the "other proof" of 三(一)2(3) are left to each county; a
//!   home of another kind (a relative's home, a school dormitory) is accepted
//!   when the facts show it, with no material asked, and the reason says the
//!   county sets the details.

use juzhu_sdk::evidence::Evidence;
use juzhu_sdk::framework::{self, InsuranceRule, RouteBuilder, Shared};
use juzhu_sdk::prelude::*;

use crate::clauses::*;
use crate::in_area;

/// Both back-paid and work-injury-only months count (see the module doc).
pub const INSURANCE_RULE: InsuranceRule = InsuranceRule { back_paid_breaks: false, work_injury_only_breaks: false };

/// The pilot's first day (二(二)).
pub fn pilot_start() -> Date {
    framework::date_of(PILOT_START)
}

/// Records a three-valued condition: `None` keeps the route open, never met.
fn record(route: &mut RouteBuilder, holds: Option<bool>, reason: Reason) {
    match holds {
        Some(h) => {
            route.condition(h, reason);
        }
        None => {
            route.unknown(reason);
        }
    }
}

/// `code.met` or `code.not-met`, with the matching text.
pub(crate) fn verdict(clause: Clause, code: &str, holds: bool, met: (&str, &str), not: (&str, &str)) -> Reason {
    if holds {
        clause.reason(&format!("{code}.met"), met.0, met.1)
    } else {
        clause.reason(&format!("{code}.not-met"), not.0, not.1)
    }
}

fn rank(tier: Option<PermitTier>) -> u8 {
    match tier {
        Some(PermitTier::Standard) => 2,
        Some(PermitTier::Temporary) => 1,
        None => 0,
    }
}

/// Decides an application; `tier` (when given) restricts the decision to one tier.
pub fn decide(app: &Application, on: Date, tier: Option<PermitTier>) -> Decision {
    let mut shared = Shared::new();
    shared.condition(
        in_area(&app.jurisdiction),
        verdict(
            SCOPE,
            "jurisdiction.in-city",
            in_area(&app.jurisdiction),
            ("申请地在嘉兴市范围内", "the place applied to is within Jiaxing"),
            (
                "申请地不在嘉兴市范围内，不适用本意见",
                "the place applied to is not within Jiaxing; this text does not apply",
            ),
        ),
    );
    let started = on >= pilot_start();
    shared.condition(
        started,
        verdict(
            SCOPE,
            "pilot.in-force",
            started,
            ("试点自2014年10月31日起施行", "the pilot applies from 2014-10-31"),
            ("法定日期早于2014年10月31日试点开始之日", "the legal date is before the pilot began on 2014-10-31"),
        ),
    );

    let routes = vec![
        temporary_route(app, on),
        employed_route(app, on),
        self_employed_route(app, on),
        registration_route(app, on),
        exemption_route(app),
    ];
    let deciding: Vec<RouteResult> =
        routes.iter().filter(|r| tier.is_none_or(|t| r.tier == Some(t))).cloned().collect();
    let mut decision = framework::decide(shared, deciding, rank);
    // Every route is reported, including those of a tier not asked for.
    decision.routes = routes;
    decision
}

/// The outcome of looking for a stable residence in the city.
struct Home {
    /// `None`: undecided — the text leaves the conditions to the counties.
    holds: Option<bool>,
    reasons: Vec<Reason>,
    /// Materials for the home found, by route.
    needs: Vec<(MaterialKind, Clause)>,
}

/// 三(一)1: a lawful stable residence in the city, and the material its kind needs.
fn stable_home(app: &Application, on: Date) -> Home {
    let evidence = Evidence::of(app);
    let mut failures = Vec::new();
    let mut best: Option<Home> = None;
    for h in app.housing.iter().filter(|h| in_area(&h.division)) {
        if h.since.as_deref().is_some_and(|s| framework::date_of(s) > on) {
            failures.push(TEMPORARY.reason(
                "residence.home-current.not-met",
                "住所自法定日期之后才开始居住",
                "the home is lived in only from after the legal date",
            ));
            continue;
        }
        let candidate = match h.kind {
            HousingKind::Owned => Home {
                holds: Some(true),
                reasons: vec![TEMPORARY_OWN.reason("residence.own-home.met", "居住在自购住房", "lives in a home of their own")],
                needs: vec![(MaterialKind::PropertyCertificate, TEMPORARY_OWN)],
            },
            HousingKind::Rented => {
                let rental = h.rental.as_ref();
                let ended = rental
                    .and_then(|r| r.lease_end.as_deref())
                    .is_some_and(|e| framework::date_of(e) < on);
                let unlawful = rental.and_then(|r| r.compliant) == Some(false);
                if ended {
                    failures.push(TEMPORARY_RENTED.reason(
                        "residence.lease-current.not-met",
                        "房屋租赁合同已到期，不能证明现居住在出租房屋",
                        "the lease has ended, so it does not prove living in the rented home now",
                    ));
                    continue;
                }
                if unlawful {
                    failures.push(TEMPORARY.reason(
                        "residence.lawful-home.not-met",
                        "出租房屋经认定不合法，不属于合法稳定住所",
                        "the rented home was found not lawful, so it is not a lawful stable residence",
                    ));
                    continue;
                }
                Home {
                    holds: Some(true),
                    reasons: vec![TEMPORARY_RENTED.reason(
                        "residence.rented-home.met",
                        "居住在出租房屋",
                        "lives in a rented home",
                    )],
                    needs: vec![(MaterialKind::LeaseContract, TEMPORARY_RENTED)],
                }
            }
            HousingKind::CollectiveDormitory => Home {
                holds: Some(true),
                reasons: vec![TEMPORARY_DORMITORY.reason(
                    "residence.unit-dormitory.met",
                    "居住在单位内部宿舍",
                    "lives in a dormitory of the unit",
                )],
                needs: vec![(MaterialKind::DormitoryCertificate, TEMPORARY_DORMITORY)],
            },
            // 三(一)1(4) "其他能够证明合法稳定住所的相关材料〔此条款由各县(市、区)结合各自实际
            // 制订具体条件和操作办法〕": without the county's rules this is undecided,
            // never met.
            HousingKind::RelativeOwned | HousingKind::SchoolDormitory => Home {
                holds: None,
                reasons: vec![TEMPORARY_OTHER.reason(
                    "residence.other-home.undecided",
                    "其他能够证明合法稳定住所的情形，“由各县(市、区)结合各自实际制订具体条件和操作办法”；本意见未规定，须按县（市、区）规定认定，本模块不能认定",
                    "another kind of home: \"each county sets the conditions and procedure\"; this text gives none, so the county's rules must decide it and this module cannot",
                )],
                needs: vec![],
            },
        };
        let complete = candidate.needs.iter().all(|(k, _)| evidence.has(*k));
        let better = match &best {
            None => true,
            Some(b) if b.holds.is_none() => candidate.holds == Some(true),
            Some(b) => candidate.holds == Some(true) && complete && !b.needs.iter().all(|(k, _)| evidence.has(*k)),
        };
        if better {
            best = Some(candidate);
        }
    }
    best.unwrap_or_else(|| {
        if failures.is_empty() {
            failures.push(TEMPORARY.reason(
                "residence.home-in-city.not-met",
                "在嘉兴市没有合法稳定住所",
                "has no lawful stable residence in Jiaxing",
            ));
        }
        Home { holds: Some(false), reasons: failures, needs: vec![] }
    })
}

/// 三(一)1: the temporary permit.
fn temporary_route(app: &Application, on: Date) -> RouteResult {
    let mut route = RouteBuilder::new(RouteKind::Residence, Some(PermitTier::Temporary));
    let home = stable_home(app, on);
    for r in home.reasons {
        record(&mut route, home.holds, r);
    }
    route.needs(Evidence::of(app).missing(Some(RouteKind::Residence), &home.needs));
    route.finish()
}

/// 三(一)2, first half: holds a temporary permit, or has a stable residence.
fn standard_base(route: &mut RouteBuilder, app: &Application, on: Date) {
    if app.tier_held == Some(PermitTier::Temporary) {
        route.condition(
            true,
            STANDARD.reason(
                "standard.temporary-permit-held.met",
                "持有《浙江省临时居住证》",
                "holds a Zhejiang temporary residence permit",
            ),
        );
        return;
    }
    let home = stable_home(app, on);
    if home.holds.is_none() {
        for r in home.reasons {
            route.unknown(r);
        }
        return;
    }
    let holds = home.holds == Some(true);
    route.condition(
        holds,
        verdict(
            STANDARD,
            "standard.temporary-permit-or-home",
            holds,
            ("在居住地有合法稳定住所", "has a lawful stable residence in the place of residence"),
            (
                "未持有《浙江省临时居住证》，在居住地也没有合法稳定住所",
                "holds no temporary permit and has no lawful stable residence in the place of residence",
            ),
        ),
    );
    for r in home.reasons {
        route.condition(holds, r);
    }
    route.needs(Evidence::of(app).missing(Some(RouteKind::Employment), &home.needs));
}

/// Jobs in the city that run on the legal date.
fn current_jobs(app: &Application, on: Date) -> impl Iterator<Item = &Employment> {
    app.employment.iter().filter(move |e| in_area(&e.division) && framework::runs_on(&e.started_on, &e.ended_on, on))
}

/// "一年内累计依法参加居住地社会保险满6个月": months within the 12 ending at the legal month.
pub fn insurance_months(app: &Application, on: Date) -> u32 {
    framework::insurance_months_within(&app.insurance, YearMonth::of(on), 12, INSURANCE_RULE, in_area)
}

fn insurance_condition(route: &mut RouteBuilder, app: &Application, on: Date, clause: Clause) {
    let months = insurance_months(app, on);
    route.condition(
        months >= 6,
        verdict(
            clause,
            "insurance.six-months-within-year",
            months >= 6,
            (
                &format!("一年内累计参加居住地社会保险{months}个月，满6个月"),
                &format!("{months} months of insurance in Jiaxing within one year: six or more"),
            ),
            (
                &format!("一年内累计参加居住地社会保险{months}个月，不满6个月"),
                &format!("{months} months of insurance in Jiaxing within one year: fewer than six"),
            ),
        ),
    );
}

/// 三(一)2(1): employed, with a contract of 6+ months and 6 months of insurance.
fn employed_route(app: &Application, on: Date) -> RouteResult {
    let mut route = RouteBuilder::new(RouteKind::Employment, Some(PermitTier::Standard));
    standard_base(&mut route, app, on);
    let contracts: Vec<&Employment> =
        current_jobs(app, on).filter(|e| e.kind == EmploymentKind::LabourContract).collect();
    if contracts.is_empty() {
        route.condition(
            false,
            STANDARD_EMPLOYED.reason(
                "employment.labour-contract.not-met",
                "在居住地没有正在履行的劳动合同",
                "no labour contract in Jiaxing runs on the legal date",
            ),
        );
    } else if contracts.iter().any(|e| e.contract_months.is_some_and(|m| m >= 6)) {
        route.condition(
            true,
            STANDARD_EMPLOYED.reason(
                "employment.contract-six-months.met",
                "劳动合同期限为6个月以上",
                "the labour contract runs for six months or more",
            ),
        );
    } else if contracts.iter().any(|e| e.contract_months.is_none()) {
        route.unknown(STANDARD_EMPLOYED.reason(
            "employment.contract-six-months.unknown",
            "劳动合同期限不明",
            "the term of the labour contract is not known",
        ));
    } else {
        route.condition(
            false,
            STANDARD_EMPLOYED.reason(
                "employment.contract-six-months.not-met",
                "劳动合同期限不满6个月",
                "the labour contract runs for less than six months",
            ),
        );
    }
    insurance_condition(&mut route, app, on, STANDARD_EMPLOYED);
    route.needs(Evidence::of(app).missing(
        Some(RouteKind::Employment),
        &[(MaterialKind::LabourContract, STANDARD_EMPLOYED), (MaterialKind::InsuranceCertificate, STANDARD_EMPLOYED)],
    ));
    route.finish()
}

/// 三(一)2(2): self-employed with an enterprise or individual-business licence,
/// and 6 months of insurance.
fn self_employed_route(app: &Application, on: Date) -> RouteResult {
    let mut route = RouteBuilder::new(RouteKind::Employment, Some(PermitTier::Standard));
    standard_base(&mut route, app, on);
    let evidence = Evidence::of(app);
    let businesses: Vec<&Employment> = current_jobs(app, on)
        .filter(|e| matches!(e.kind, EmploymentKind::Enterprise | EmploymentKind::IndividualBusiness))
        .collect();
    route.condition(
        !businesses.is_empty(),
        verdict(
            STANDARD_SELF_EMPLOYED,
            "employment.own-business",
            !businesses.is_empty(),
            ("在居住地自主经营企业或个体工商户", "runs an enterprise or individual business in Jiaxing"),
            ("在居住地没有自主经营的企业或个体工商户", "runs no enterprise or individual business in Jiaxing"),
        ),
    );
    insurance_condition(&mut route, app, on, STANDARD_SELF_EMPLOYED);
    // The licence of the business found; the one already shown when there are several.
    let licence_of = |e: &Employment| match e.kind {
        EmploymentKind::IndividualBusiness => MaterialKind::IndividualBusinessLicence,
        _ => MaterialKind::BusinessLicence,
    };
    let licence = businesses
        .iter()
        .map(|e| licence_of(e))
        .find(|k| evidence.has(*k))
        .or_else(|| businesses.first().map(|e| licence_of(e)));
    let mut needs = vec![(MaterialKind::InsuranceCertificate, STANDARD_SELF_EMPLOYED)];
    if let Some(k) = licence {
        needs.insert(0, (k, STANDARD_SELF_EMPLOYED));
    }
    route.needs(evidence.missing(Some(RouteKind::Employment), &needs));
    route.finish()
}

/// 三(一)2(3): employment registration (or other proof the county sets), with
/// employment of six months or more.
fn registration_route(app: &Application, on: Date) -> RouteResult {
    let mut route = RouteBuilder::new(RouteKind::Employment, Some(PermitTier::Standard));
    standard_base(&mut route, app, on);
    let jobs: Vec<&Employment> = current_jobs(app, on).collect();
    let registered: Vec<&Employment> = jobs.iter().copied().filter(|e| e.registered == Some(true)).collect();
    if !registered.is_empty() {
        route.condition(
            true,
            STANDARD_REGISTRATION.reason(
                "employment.registration.met",
                "在居住地办理了就业登记",
                "employment is registered in Jiaxing",
            ),
        );
        let long = registered.iter().any(|e| date::months_completed(framework::date_of(&e.started_on), on, 6));
        route.condition(
            long,
            verdict(
                STANDARD,
                "employment.six-months",
                long,
                ("在居住地合法稳定就业6个月以上", "in stable employment in Jiaxing for six months or more"),
                ("在居住地就业不满6个月", "in employment in Jiaxing for less than six months"),
            ),
        );
    } else if Evidence::of(app).has(MaterialKind::EmploymentStatusCertificate) {
        // "提供就业、失业登记证明…〔此条款由各县(市、区)…制订具体条件和操作办法〕": a
        // 就业失业登记证明 without a registered job in the city (e.g. an
        // unemployment registration) is a path the text opens; how it proves
        // six months of stable employment is the county's rule, so undecided.
        route.unknown(STANDARD_REGISTRATION.reason(
            "employment.unemployment-registration.undecided",
            "提供了就业、失业登记证明，但在居住地没有已登记的在职就业；以失业登记等证明认定合法稳定就业的具体条件“由各县(市、区)结合各自实际制订”，本意见未规定，须按县（市、区）规定认定",
            "an employment/unemployment registration certificate is given but no registered current job in Jiaxing; the conditions on which such proof shows stable employment are set by each county, not by this text",
        ));
    } else if jobs.iter().any(|e| e.registered.is_none()) {
        route.unknown(STANDARD_REGISTRATION.reason(
            "employment.registration.unknown",
            "是否办理就业登记不明",
            "whether the employment is registered is not known",
        ));
    } else {
        route.condition(
            false,
            STANDARD_REGISTRATION.reason(
                "employment.registration.not-met",
                "在居住地没有已登记的就业",
                "no registered employment in Jiaxing",
            ),
        );
    }
    route.note(STANDARD_REGISTRATION.reason(
        "employment.other-proof.not-in-text",
        "其他能够证明合法稳定就业的材料由各县（市、区）制订具体条件，本意见未规定",
        "other proof of stable employment is set by each county; this text does not give it",
    ));
    route.needs(
        Evidence::of(app).missing(
            Some(RouteKind::Employment),
            &[(MaterialKind::EmploymentStatusCertificate, STANDARD_REGISTRATION)],
        ),
    );
    route.finish()
}

/// 三(一)末段: investors and recruited talent follow county-level rules instead.
fn exemption_route(app: &Application) -> RouteResult {
    let mut route = RouteBuilder::new(RouteKind::Exemption, Some(PermitTier::Standard));
    let special =
        app.special_statuses.iter().any(|s| matches!(s, SpecialStatus::Investor | SpecialStatus::RecruitedTalent));
    route.condition(
        special,
        verdict(
            EXEMPTION,
            "exemption.investor-or-talent",
            special,
            (
                "属于投资创业或引进人才的流动人口，不受上述申领条件限制",
                "an investor or recruited talent: not bound by the conditions above",
            ),
            ("不属于投资创业或引进人才", "neither an investor nor recruited talent"),
        ),
    );
    if special {
        route.condition(
            true,
            EXEMPTION.reason(
                "exemption.local-rules.not-in-text",
                "申领按居住地县级以上人民政府相关规定执行，具体条件和材料本意见未规定",
                "the county-level government's rules apply; this text gives no conditions or materials",
            ),
        );
    }
    route.finish()
}
