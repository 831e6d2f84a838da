//! Endorsement (签注): the text has no clause on it.
//!
//! 三(一) only says the permit is applied for 依法 and issued 依据相关规定 by the
//! 居住地公安机关, i.e. under the provincial regulation; it sets no cycle, no
//! window, no consequence of lateness. Every answer therefore carries
//! `endorsement.rules.not-in-text` (citing 三(一)), and the concrete cycle comes
//! from district configuration (config.rs), not from the text:
//! - `ningbo-jiangbei.endorsement.interval-months` (12): an endorsement is due on
//!   each such anniversary of issue;
//! - `ningbo-jiangbei.endorsement.window-months` (1): the window is that many
//!   months before the due date, up to the day before it;
//! - `ningbo-jiangbei.endorsement.late-restores` (1): from the due date an
//!   unendorsed permit's use is suspended, a late endorsement (no deadline)
//!   restores it, and the cycle and the residence years restart from that day.
//!
//! An endorsement made before its window opens does not count.
//!
//! False materials: the text has no clause on a permit obtained by deceit
//! (骗领), nor any cancellation ground. Decree 663 第十九条 says "骗领的居住证，由
//! 公安机关予以收缴"; the module reads that confiscation as the end of the
//! permit, which the station records as cancellation (an interpretation: the
//! decree says 收缴, not 注销). A `FalseMaterials` event dated on or before the
//! legal date (the day the authority found it) makes the answer
//! `to-be-cancelled` from that day (or from the decree's first day in force,
//! 2016-01-01, if found earlier; before then the decree gives no ground), with
//! no endorsement; services follow ([`confiscation`]).
//!
//! Leaving the area: the text attaches nothing to it (三(一) asks for
//! continuous residence in the district only of an applicant, and the
//! endorsement rules are not in the text), so a `LeftArea` event changes no
//! answer.

use juzhu_sdk::framework::{self, date_of};
use juzhu_sdk::prelude::*;

use crate::clauses::*;
use crate::config;
use crate::eligibility::in_district;

/// Checks that the permit is one this module can speak for.
pub fn check_permit(permit: &Permit) -> Result<(), InputError> {
    if !in_district(&permit.jurisdiction) {
        return Err(InputError {
            field: "permit.jurisdiction".into(),
            message: format!(
                "`{}` is not 330205; this module speaks for 宁波市江北区 (330205) permits only",
                permit.jurisdiction
            ),
        });
    }
    if permit.tier != PermitTier::Standard {
        return Err(InputError {
            field: "permit.tier".into(),
            message: "Jiangbei issues only the standard 《浙江省居住证》; expected `Standard`".into(),
        });
    }
    Ok(())
}

/// The configured cycle on `on`.
struct Cycle {
    interval: i32,
    window: i32,
    late_restores: bool,
}

fn cycle(on: Date) -> Cycle {
    // Before the configuration applies the values of this version still have
    // to answer something; they are the only values the module knows.
    let v = |id: &str| config::value_on(id, on).unwrap_or(config::param(id).value);
    Cycle {
        interval: v(config::ENDORSE_INTERVAL).max(1),
        window: v(config::ENDORSE_WINDOW).max(0),
        late_restores: v(config::ENDORSE_LATE_RESTORES) != 0,
    }
}

/// Where the permit stands: (due date of the current cycle, day residence years count from).
fn position(permit: &Permit, c: &Cycle) -> (Date, Date) {
    let mut anchor = date_of(&permit.issued_on);
    let mut k = 1;
    for e in permit.endorsements.iter().map(|e| date_of(e)) {
        let due = date::add_months(anchor, c.interval * k);
        let opens = date::add_months(due, -c.window);
        if e < opens {
            continue; // too early: does not count
        }
        if e < due {
            k += 1;
        } else if c.late_restores {
            anchor = e;
            k = 1;
        }
    }
    (date::add_months(anchor, c.interval * k), anchor)
}

pub fn not_in_text() -> Reason {
    APPLY.reason(
        "endorsement.rules.not-in-text",
        "本办法未规定居住证签注的周期、期限和逾期后果（三(一)规定依法、依据相关规定办理）；以下签注期限取自区配置参数 \
         ningbo-jiangbei.endorsement.*（每12个月签注一次，到期前1个月内办理），不是本办法的规定",
        "the text sets no endorsement cycle, window or consequence of lateness (三(一) defers to the law); the window \
         below comes from district configuration ningbo-jiangbei.endorsement.* (every 12 months, within the month \
         before), not from the text",
    )
}

/// Decree 663 第十九条: a permit found to have been obtained with false
/// materials is confiscated, read as its end ([`framework::confiscation`]);
/// this text names no ground of its own.
pub fn confiscation(facts: &Application, on: Date) -> Option<(Reason, Date)> {
    framework::confiscation(TABLE, DECREE_19, facts, on, ("本办法", "this text"))
}

pub fn status(permit: &Permit, facts: &Application, on: Date) -> Result<EndorsementAnswer, InputError> {
    check_permit(permit)?;
    let issued = date_of(&permit.issued_on);
    if on < issued {
        return Err(InputError {
            field: "legal_date".into(),
            message: format!("{on} is before the permit was issued on {issued}; give a date on or after issue"),
        });
    }
    let c = cycle(on);
    let (due, counted_from) = position(permit, &c);
    let opens = date::add_months(due, -c.window);
    let closes = date::add_days(due, -1);
    let window = Window { opens: date::fmt(opens), closes: date::fmt(closes) };
    let mut reasons = vec![not_in_text()];
    if let Some((ground, since)) = confiscation(facts, on) {
        reasons.push(APPLY.reason(
            "cancellation.local-ground.not-in-text",
            "本办法未规定注销或收缴居住证的情形（三(一)规定居住地公安机关依据相关规定办理）；注销所依据的是《居住证暂行条例》第十九条",
            "the text names no ground for cancelling or confiscating a permit (三(一) has the police act under the relevant rules); the cancellation rests on Decree 663 art. 19",
        ));
        return Ok(EndorsementAnswer {
            status: EndorsementStatus::ToBeCancelled(Cancellation { ground, since: date::fmt(since) }),
            endorsement_allowed: false,
            reasons,
            residence_years: date::whole_years_between(counted_from, on),
            residence_counted_from: date::fmt(counted_from),
        });
    }
    let (status, allowed) = if on < opens {
        reasons.push(APPLY.reason(
            "endorsement.window-open.not-met",
            &format!("签注期限自{opens}起（区配置参数）"),
            &format!("the endorsement window opens on {opens} (district configuration)"),
        ));
        (EndorsementStatus::NotDue(window), false)
    } else if on <= closes {
        reasons.push(APPLY.reason(
            "endorsement.window-open.met",
            &format!("签注期限{opens}至{closes}（区配置参数）"),
            &format!("the endorsement window runs {opens} to {closes} (district configuration)"),
        ));
        (EndorsementStatus::WindowOpen(window), true)
    } else {
        reasons.push(APPLY.reason(
            "endorsement.on-time.not-met",
            &format!("逾期未签注，自{due}起居住证使用功能中止；补办签注后恢复（区配置参数 {}）", config::ENDORSE_LATE_RESTORES),
            &format!(
                "not endorsed in time: use suspended from {due}; a late endorsement restores it (district configuration {})",
                config::ENDORSE_LATE_RESTORES
            ),
        ));
        (EndorsementStatus::OverdueSuspended(Suspension { since: date::fmt(due), restore_by: None }), c.late_restores)
    };
    Ok(EndorsementAnswer {
        status,
        endorsement_allowed: allowed,
        reasons,
        residence_years: date::whole_years_between(counted_from, on),
        residence_counted_from: date::fmt(counted_from),
    })
}
