//! 二(一)2-3: who may apply for the 《浙江省居住证》 in Gongshu, and with what.
//!
//! Every route is evaluated (employment, residence, schooling, and the
//! talent-permit referral), each explaining itself whether met or not; an
//! unknown fact keeps its route open; missing materials are listed all at once
//! (一次性告知, 二(一)3).
//!
//! Area: every "在杭州市区" condition uses [`config::in_urban_area`] (a configured
//! set of Hangzhou district codes, since the text does not list them).

use juzhu_sdk::evidence::Evidence;
use juzhu_sdk::framework::{InsuranceRule, date_of};
use juzhu_sdk::prelude::*;

use crate::clauses::*;
use crate::config::in_urban_area;

/// "连续缴纳社会保险（不含补缴）": a back-paid month breaks continuity. The text
/// does not exclude work-injury-only insurance (unlike some other cities' texts),
/// so such a month is social insurance and counts.
pub const INSURANCE: InsuranceRule = InsuranceRule { back_paid_breaks: true, work_injury_only_breaks: false };

/// Consecutive qualifying months in 杭州市区 ending in the month of `on`
/// ("申请当月处于…连续缴纳社会保险": the streak must include that month).
pub fn insurance_streak(periods: &[InsurancePeriod], on: Date) -> u32 {
    framework::insurance_streak(periods, YearMonth::of(on), INSURANCE, in_urban_area)
}

/// The applicant's birth date: as given, or from characters 7-14 of the
/// (validated) citizen ID number.
pub fn birth_date(identity: &Identity) -> Date {
    let text = identity.birth_date.clone().unwrap_or_else(|| {
        let b = &identity.citizen_id[6..14];
        format!("{}-{}-{}", &b[..4], &b[4..6], &b[6..])
    });
    date_of(&text)
}

/// A condition outcome: `Some(true)` met, `Some(false)` not met, `None` unknown.
pub(super) type Fact = Option<bool>;

pub(super) fn suffix(f: Fact) -> &'static str {
    match f {
        Some(true) => "met",
        Some(false) => "not-met",
        None => "unknown",
    }
}

/// Records a three-valued condition on a route.
pub(super) fn record(b: &mut RouteBuilder, fact: Fact, reason: Reason) {
    match fact {
        Some(holds) => {
            b.condition(holds, reason);
        }
        None => {
            b.unknown(reason);
        }
    }
}

/// A reason whose code ends with the fact's result, and whose wording is picked by it.
pub(super) fn said(clause: Clause, topic: &str, fact: Fact, zh: [&str; 3], en: [&str; 3]) -> Reason {
    let i = match fact {
        Some(true) => 0,
        Some(false) => 1,
        None => 2,
    };
    clause.reason(&format!("{topic}.{}", suffix(fact)), zh[i], en[i])
}

mod employment;
mod minor;
mod period;
mod rental;
mod residence;
mod schooling;
mod talent;

pub use period::CHANGE_DEADLINE_DAYS;

use employment::employment_route;
use minor::minor_rules;
use period::residence_period;
use residence::residence_route;
use schooling::schooling_route;
use talent::talent_route;

/// Decides an application. With `materials` false only the facts are judged
/// (the endorsement's re-check "不再符合申领条件的，不予签注" asks for no materials).
pub fn evaluate(app: &Application, on: Date, materials: bool) -> Decision {
    let evidence = Evidence::of(app);
    let ev = materials.then_some(&evidence);
    let mut shared = Shared::new();
    let (six_months, period_reason) = residence_period(app, on);

    let employment = employment_route(app, on, ev);
    let residence = residence_route(app, ev);
    let schooling = schooling_route(app, on, ev);
    let talent = talent_route(app);
    // The six months bind every route of 二(一)2; the talent referral waives
    // nothing (see `talent_route`).
    match six_months {
        Some(holds) => shared.condition(holds, period_reason),
        None => shared.unknown(period_reason),
    };

    minor_rules(app, on, &mut shared, ev);
    if let Some(ev) = ev {
        shared.needs(ev.missing(
            None,
            &[
                (MaterialKind::ApplicationForm, APPLICATION),
                (MaterialKind::IdCard, APPLICATION),
                (MaterialKind::Photo, APPLICATION),
            ],
        ));
    }
    let routes = vec![employment.finish(), residence.finish(), schooling.finish(), talent.finish()];
    let mut decision = framework::decide(shared, routes, |_| 0);
    match decision.outcome {
        Outcome::Ineligible => decision.reasons.push(APPLICATION.reason(
            "application.conditions.not-met",
            "不符合申领条件，理由如上",
            "the conditions are not met, for the reasons given",
        )),
        Outcome::Incomplete if !decision.missing.is_empty() => decision.reasons.push(APPLICATION.reason(
            "materials.complete.not-met",
            &format!("材料不全，一次性告知需要补充的材料共{}项", decision.missing.len()),
            &format!("materials incomplete: all {} missing materials are listed at once", decision.missing.len()),
        )),
        Outcome::Eligible if materials => decision.reasons.push(APPLICATION.reason(
            "materials.complete.met",
            "材料齐全，应当受理并出具回执",
            "materials complete: the application is accepted with a receipt",
        )),
        _ => {}
    }
    decision
}
