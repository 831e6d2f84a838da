//! Endorsement (签注): the notice is silent.
//!
//! 浙政办发〔2016〕100号 sets no endorsement cycle, window or consequence of
//! missing one; 二(二) leaves the permit's rules to cities. Every answer says so
//! (`endorsement.cycle.not-in-text`). The status still needs a concrete answer,
//! so it comes from configured parameters (`config::ENDORSEMENT`), never from
//! the text:
//! - the k-th endorsement (k = endorsements made by the legal date + 1) is due
//!   `zhejiang.endorsement.cycle-months` × k months after issue;
//! - its window opens `zhejiang.endorsement.window-months` before the due date
//!   and closes the day before it;
//! - after the window, the permit's use is suspended from the due date, and a
//!   late endorsement is allowed; no restore deadline is configured.
//!
//! A permit found to have been obtained with false materials is to be
//! cancelled from the finding: Decree 663 第十九条 has the police confiscate a
//! 骗领的居住证, read as the end of the permit ([`framework::confiscation`]);
//! the notice names no ground of its own.

use juzhu_sdk::prelude::*;

use crate::area;
use crate::clauses::{CITY_RULES, DECREE_19, TABLE};
use crate::config::{self, CYCLE_MONTHS_ID, WINDOW_MONTHS_ID};
use crate::residence_years;

pub fn status(permit: &Permit, facts: &Application, on: Date) -> Result<EndorsementAnswer, InputError> {
    area::permit(permit, on)?;
    area::jurisdiction("facts.jurisdiction", &facts.jurisdiction)?;
    let cfg = config::in_force(config::ENDORSEMENT, |c| c.effective_from, on, "endorsement cycle")?;
    let issued = framework::date_of(&permit.issued_on);
    let made = permit.endorsements.iter().filter(|e| framework::date_of(e) <= on).count() as i32;
    let due = date::add_months(issued, cfg.cycle_months as i32 * (made + 1));
    let opens = date::add_months(due, -(cfg.window_months as i32));
    let closes = date::add_days(due, -1);
    let window = Window { opens: date::fmt(opens), closes: date::fmt(closes) };

    let mut reasons = vec![CITY_RULES.reason(
        "endorsement.cycle.not-in-text",
        &format!(
            "本通知未规定签注周期、期限及逾期后果，由各地配套政策规定；以下按地方配置参数计算（{CYCLE_MONTHS_ID}={}，{WINDOW_MONTHS_ID}={}，自{}起），并非本通知规定的数值",
            cfg.cycle_months, cfg.window_months, cfg.effective_from
        ),
        &format!(
            "The notice sets no endorsement cycle, window or consequence of missing one (for the city's rules); the status below uses district configuration ({CYCLE_MONTHS_ID}={}, {WINDOW_MONTHS_ID}={}, from {}), not figures of the notice",
            cfg.cycle_months, cfg.window_months, cfg.effective_from
        ),
    )];
    let (start, years) = residence_years::counted(facts, on);
    if let Some((ground, since)) = framework::confiscation(TABLE, DECREE_19, facts, on, ("本通知", "the notice")) {
        reasons.push(CITY_RULES.reason(
            "cancellation.local-ground.not-in-text",
            "本通知未规定注销或收缴居住证的情形（二(二)交由各地制订）；注销所依据的是《居住证暂行条例》第十九条",
            "the notice names no ground for cancelling or confiscating a permit (二(二) leaves the rules to cities); the cancellation rests on Decree 663 art. 19",
        ));
        return Ok(EndorsementAnswer {
            status: EndorsementStatus::ToBeCancelled(Cancellation { ground, since: date::fmt(since) }),
            endorsement_allowed: false,
            reasons,
            residence_years: years,
            residence_counted_from: date::fmt(start.unwrap_or(on)),
        });
    }
    let (status, allowed) = if on < opens {
        reasons.push(CITY_RULES.reason(
            "endorsement.window-open.not-met",
            &format!("按配置参数，第{}次签注期自{opens}起，至{closes}止，尚未开始", made + 1),
            &format!(
                "by configuration, endorsement {} may be made from {opens} to {closes}; the window has not opened",
                made + 1
            ),
        ));
        (EndorsementStatus::NotDue(window), false)
    } else if on <= closes {
        reasons.push(CITY_RULES.reason(
            "endorsement.window-open.met",
            &format!("按配置参数，第{}次签注期为{opens}至{closes}，现可办理签注", made + 1),
            &format!(
                "by configuration, endorsement {} may be made from {opens} to {closes}; the window is open",
                made + 1
            ),
        ));
        (EndorsementStatus::WindowOpen(window), true)
    } else {
        reasons.push(CITY_RULES.reason(
            "endorsement.endorsed-in-time.not-met",
            &format!("按配置参数，第{}次签注应于{closes}前办理而未办理，自{due}起居住证使用功能中止，补办签注后恢复", made + 1),
            &format!("by configuration, endorsement {} was due by {closes} and was not made; the permit's use is suspended from {due} until a late endorsement", made + 1),
        ));
        (EndorsementStatus::OverdueSuspended(Suspension { since: date::fmt(due), restore_by: None }), true)
    };

    reasons.push(CITY_RULES.reason(
        "endorsement.residence-years.not-in-text",
        "本通知未规定居住年限的计算方法；按决定日所在的省内连续居住登记起算",
        "the notice does not say how residence years are counted; they run from the start of the continuous registered residence in Zhejiang covering the legal date",
    ));
    Ok(EndorsementAnswer {
        status,
        endorsement_allowed: allowed,
        reasons,
        residence_years: years,
        // With no registration covering the legal date nothing is counted yet.
        residence_counted_from: date::fmt(start.unwrap_or(on)),
    })
}
