//! 签注: the text gives endorsement to the police (二(三), 三(一)) and says
//! nothing about when or how often, what lateness does, or how residence
//! years are counted (二(三) leaves 统一居住年限计算方法 to the police).
//!
//! So every answer carries `endorsement.cycle.not-in-text` and
//! `endorsement.residence-years.not-in-text`, and the dates come from the
//! district configuration in [`crate::config`]: a due date every
//! `zhangzhou.endorsement.cycle-months` months from issue, a window opening
//! `zhangzhou.endorsement.window-months` before it and closing on it, use
//! suspended from the next day until a late endorsement
//! (`zhangzhou.endorsement.overdue-suspends`), and a late endorsement
//! restarting the count (`zhangzhou.endorsement.late-restarts-count`).
//!
//! False materials: the text has no clause of its own on a permit obtained by
//! deceit (骗领) or on cancellation; it is made "根据国务院《居住证暂行条例》" (its
//! preamble) and gives 证件管理 to the police (三(一)). Decree 663 第十九条 says
//! "骗领的居住证，由公安机关予以收缴"; the module reads that confiscation as the
//! end of the permit, which the station records as cancellation (an
//! interpretation: the decree says 收缴, not 注销). A `FalseMaterials` event
//! dated on or before the legal date (the day the authority found it) makes
//! the answer `to-be-cancelled` from that day (or from the decree's first day
//! in force if found earlier), with no endorsement; services follow
//! ([`confiscation`]).
//!
//! Leaving the area: the text attaches nothing to it (二(二) speaks of leaving
//! the hukou place, a condition of applying, not of leaving the city), so a
//! `LeftArea` event changes no answer.

use juzhu_sdk::prelude::*;

use crate::clauses::*;
use crate::config::*;

/// Where the permit stands in the configured cycle.
pub struct Cycle {
    /// The next due date (each anniversary of the count's start).
    pub due: Date,
    /// The day residence years are counted from.
    pub counted_from: Date,
}

/// Walks the endorsements made: one on or before a due date covers it; one
/// after it (late) restores use and, by configuration, restarts the count.
pub fn cycle(permit: &Permit) -> Cycle {
    let cycle = ENDORSEMENT_CYCLE_MONTHS.value;
    let mut anchor = framework::date_of(&permit.issued_on);
    let mut counted_from = anchor;
    let mut covered = 0;
    for e in &permit.endorsements {
        let e = framework::date_of(e);
        let due = date::add_months(anchor, cycle * (covered + 1));
        if e <= due {
            covered += 1;
        } else {
            anchor = e;
            covered = 0;
            if LATE_ENDORSEMENT_RESTARTS_COUNT.value == 1 {
                counted_from = e;
            }
        }
    }
    Cycle { due: date::add_months(anchor, cycle * (covered + 1)), counted_from }
}

/// Whether the permit's use is suspended on `on` for want of an endorsement.
pub fn suspended(permit: &Permit, on: Date) -> bool {
    ENDORSEMENT_OVERDUE_SUSPENDS.value == 1 && on > cycle(permit).due
}

fn config_note() -> String {
    format!(
        "{}={}, {}={}, {}={}, {} (effective {})",
        ENDORSEMENT_CYCLE_MONTHS.id,
        ENDORSEMENT_CYCLE_MONTHS.value,
        ENDORSEMENT_WINDOW_MONTHS.id,
        ENDORSEMENT_WINDOW_MONTHS.value,
        ENDORSEMENT_OVERDUE_SUSPENDS.id,
        ENDORSEMENT_OVERDUE_SUSPENDS.value,
        LATE_ENDORSEMENT_RESTARTS_COUNT.id,
        ENDORSEMENT_CYCLE_MONTHS.effective_from,
    )
}

/// Decree 663 第十九条: a permit found to have been obtained with false
/// materials is confiscated, read as its end ([`framework::confiscation`]);
/// this plan names no ground of its own.
pub fn confiscation(facts: &Application, on: Date) -> Option<(Reason, Date)> {
    framework::confiscation(TABLE, DECREE_19, facts, on, ("本方案", "this plan"))
}

pub fn status(permit: &Permit, facts: &Application, on: Date) -> Result<EndorsementAnswer, InputError> {
    if crate::is_zanzhuzheng(permit) {
        return Err(InputError {
            field: "permit.issued_on".into(),
            message: format!(
                "{} is before 2016-12-01: the city then issued 暂住证, which are not endorsed; 二(四) keeps their services while valid, and the holder applies for a 居住证",
                permit.issued_on
            ),
        });
    }
    let issued = framework::date_of(&permit.issued_on);
    if on < issued {
        return Err(InputError {
            field: "legal_date".into(),
            message: format!("{on} is before the permit was issued on {issued}; ask on or after the day of issue"),
        });
    }
    let Cycle { due, counted_from } = cycle(permit);
    let opens = date::add_months(due, -ENDORSEMENT_WINDOW_MONTHS.value);
    let window = Window { opens: date::fmt(opens), closes: date::fmt(due) };
    let note = config_note();
    let mut reasons = vec![
        DUTIES.reason(
            "endorsement.cycle.not-in-text",
            &format!("签注由公安部门办理（三(一)），方案未规定签注周期；以下日期为本市区域配置参数（{note}），并非方案条文"),
            &format!("the police endorse permits (三(一)) but the text sets no cycle; these dates come from district configuration ({note}), not from the text"),
        ),
        PREPARATION.reason(
            "endorsement.residence-years.not-in-text",
            "方案由公安机关统一居住年限计算方法（二(三)），未规定具体办法；居住年限按区域配置自发证或逾期补签之日起计算",
            "the text leaves the counting of residence years to the police (二(三)); years are counted from issue or a late endorsement by district configuration",
        ),
    ];
    let overdue = on > due && ENDORSEMENT_OVERDUE_SUSPENDS.value == 1;
    if let Some((ground, since)) = confiscation(facts, on) {
        reasons.push(DUTIES.reason(
            "cancellation.local-ground.not-in-text",
            "方案由公安部门负责证件管理（三(一)），未规定注销或收缴居住证的情形；注销所依据的是《居住证暂行条例》第十九条",
            "the text gives the management of permits to the police (三(一)) but names no ground for cancelling or confiscating one; the cancellation rests on Decree 663 art. 19",
        ));
        return Ok(EndorsementAnswer {
            status: EndorsementStatus::ToBeCancelled(Cancellation { ground, since: date::fmt(since) }),
            endorsement_allowed: false,
            reasons,
            residence_years: date::whole_years_between(counted_from, if overdue { due } else { on }),
            residence_counted_from: date::fmt(counted_from),
        });
    }
    let (status, allowed, years_until) = if on < opens {
        reasons.push(DUTIES.reason(
            "endorsement.window.not-met",
            &format!("签注期为{opens}至{due}（区域配置），尚未开始"),
            &format!("the endorsement window {opens} to {due} (district configuration) has not opened"),
        ));
        (EndorsementStatus::NotDue(window), false, on)
    } else if !overdue {
        reasons.push(DUTIES.reason(
            "endorsement.window.met",
            &format!("签注期为{opens}至{due}（区域配置），可以办理签注"),
            &format!("the endorsement window {opens} to {due} (district configuration) is open"),
        ));
        (EndorsementStatus::WindowOpen(window), true, on)
    } else {
        let since = date::add_days(due, 1);
        reasons.push(DUTIES.reason(
            "endorsement.overdue.not-met",
            &format!("应于{due}前签注而未签注，自{since}起按区域配置中止使用，补办签注后恢复"),
            &format!("not endorsed by {due}: by district configuration use is suspended from {since} until a late endorsement"),
        ));
        let suspension = Suspension { since: date::fmt(since), restore_by: None };
        (EndorsementStatus::OverdueSuspended(suspension), true, due)
    };
    Ok(EndorsementAnswer {
        status,
        endorsement_allowed: allowed,
        reasons,
        residence_years: date::whole_years_between(counted_from, years_until),
        residence_counted_from: date::fmt(counted_from),
    })
}
