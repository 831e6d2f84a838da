//! 二(一)4: the yearly endorsement (签注), and Decree 663 第十九条.
//!
//! - The window is "自证件签发之日起每满1年的前1个月内": from one month before an
//!   anniversary of issue up to the anniversary itself (期满之日), both included.
//! - Overdue: use is suspended from the day after the anniversary (期满次日).
//!   A late endorsement restores use; the text sets no deadline for it
//!   (`restore_by` is `None`) and names no ground for cancellation.
//! - Residence years are counted from issue, and again from the day of a late
//!   endorsement (居住年限自补办签注手续之日起连续计算). While use is suspended the
//!   count stops at the anniversary that was missed.
//! - "不再符合申领条件的，不予签注": when an endorsement could be made, the holder's
//!   current facts are judged again against 二(一)2-3 (facts only, no materials).
//! - Leaving (a `LeftArea` event dated on or before the legal date): the holder
//!   no longer lives in the place of residence, a change of 居住情况 that no
//!   longer meets 二(一)2 ("在居住地居住"), so "不予签注" from that day, whatever
//!   the facts' re-check would say; the reason cites 二(一)4 and the event's
//!   date. The notice names no cancellation ground, so the permit is not
//!   cancelled on it (the reason says so). Overdue suspension still applies to
//!   such a holder: the duty to come and endorse binds a holder "在居住地连续居住
//!   的", but the next sentence, "逾期未办理签注手续的，期满次日起…使用功能中止",
//!   turns on the permit not being endorsed by the anniversary, and a holder who
//!   left cannot be endorsed at all; reading the qualifier as exempting the
//!   leaver would leave the permit in use indefinitely, more than a holder who
//!   stayed and missed the window gets. So the cycle (and `status`) is the
//!   same as for any holder; only `endorsement_allowed` is false.
//! - False materials (a `FalseMaterials` event: the permit was obtained by
//!   deceit, 骗领): the notice has no clause on it. Decree 663 第十九条 says "骗领
//!   的居住证，由公安机关予以收缴"; the module reads that confiscation as the end of
//!   the permit, which the station records as cancellation (an interpretation:
//!   the decree says 收缴, not 注销). From the day the authority found it (the
//!   event's `on`, or the decree's first day in force if found earlier), the
//!   answer is `to-be-cancelled` citing 第十九条, with no endorsement; services
//!   and the card's use status follow ([`confiscation`]).

use juzhu_sdk::as_of;
use juzhu_sdk::framework::{self, date_of};
use juzhu_sdk::prelude::*;

use crate::clauses::*;
use crate::eligibility;

/// Where a permit stands in its cycle on a legal date.
pub struct Cycle {
    /// The anniversary of issue now due for endorsement (期满之日).
    pub due: Date,
    pub opens: Date,
    /// Residence years are counted from this day: issue, or the latest late endorsement.
    pub counted_from: Date,
    /// Whether `counted_from` is a late endorsement.
    pub restarted: bool,
}

impl Cycle {
    /// Use is suspended on `on` (期满次日起).
    pub fn suspended(&self, on: Date) -> bool {
        on > self.due
    }

    pub fn suspended_since(&self) -> Date {
        date::add_days(self.due, 1)
    }

    /// Whole residence years that count on `on`.
    pub fn residence_years(&self, on: Date) -> u32 {
        let until = if self.suspended(on) { self.due } else { on };
        date::whole_years_between(self.counted_from, until)
    }
}

/// The first anniversary of `issued` whose window opens after `last`: the one an
/// endorsement after `last` is for.
/// Near the end of the calendar (year 9999) there may be no such
/// anniversary: the last day of the calendar stands for it, so the search
/// always ends instead of looping (out of fuel, in wasm).
fn next_due(issued: Date, last: Date) -> Date {
    let mut n: i32 = 1;
    loop {
        let Some(due) = date::checked_add_months(issued, 12 * n) else { return Date::MAX };
        if date::add_months(due, -1) > last {
            return due;
        }
        n += 1;
    }
}

/// Replays the endorsements made up to `on` and finds the anniversary due next.
pub fn cycle(permit: &Permit, on: Date) -> Cycle {
    let issued = date_of(&permit.issued_on);
    let mut last = issued;
    let mut counted_from = issued;
    let mut restarted = false;
    for e in permit.endorsements.iter().map(|e| date_of(e)).filter(|e| *e <= on) {
        if e > next_due(issued, last) {
            counted_from = e;
            restarted = true;
        }
        last = e;
    }
    let due = next_due(issued, last);
    Cycle { due, opens: date::add_months(due, -1), counted_from, restarted }
}

/// Decree 663 第十九条: a permit found to have been obtained with false
/// materials is confiscated, read as its end ([`framework::confiscation`]);
/// this notice names no ground of its own.
pub fn confiscation(facts: &Application, on: Date) -> Option<(Reason, Date)> {
    framework::confiscation(TABLE, DECREE_19, facts, on, ("本通知", "this notice"))
}

pub fn status(permit: &Permit, facts: &Application, on: Date) -> EndorsementAnswer {
    let c = cycle(permit, on);
    if let Some((ground, since)) = confiscation(facts, on) {
        return EndorsementAnswer {
            status: EndorsementStatus::ToBeCancelled(Cancellation { ground, since: date::fmt(since) }),
            endorsement_allowed: false,
            reasons: vec![ENDORSEMENT.reason(
                "cancellation.local-ground.not-in-text",
                "本通知二(一)4规定签注、使用功能中止和恢复、不予签注，未规定注销或收缴情形；注销所依据的是《居住证暂行条例》第十九条",
                "the notice (二(一)4) provides for endorsement, suspension, restoration and refusal, but names no ground for cancellation or confiscation; the cancellation rests on Decree 663 art. 19",
            )],
            residence_years: c.residence_years(on),
            residence_counted_from: date::fmt(c.counted_from),
        };
    }
    let window = Window { opens: date::fmt(c.opens), closes: date::fmt(c.due) };
    let mut reasons = Vec::new();
    let (status, may_endorse) = if on < c.opens {
        reasons.push(ENDORSEMENT.reason(
            "endorsement.window-open.not-met",
            &format!("签注期为证件签发每满1年的前1个月内，即{}至{}", c.opens, c.due),
            &format!("the endorsement window is the month before the anniversary of issue: {} to {}", c.opens, c.due),
        ));
        (EndorsementStatus::NotDue(window), false)
    } else if on <= c.due {
        reasons.push(ENDORSEMENT.reason(
            "endorsement.window-open.met",
            &format!("处于签注期（{}至{}），应到居住地公安派出所或受委托的服务管理机构办理签注", c.opens, c.due),
            &format!("within the endorsement window ({} to {}): endorse at the local police station or an authorised service agency", c.opens, c.due),
        ));
        (EndorsementStatus::WindowOpen(window), true)
    } else {
        let since = c.suspended_since();
        reasons.push(ENDORSEMENT.reason(
            "endorsement.in-time.not-met",
            &format!("逾期未办理签注，自期满次日{since}起居住证使用功能中止；补办签注后使用功能恢复，居住年限自补办签注之日起连续计算"),
            &format!("not endorsed by {}: use suspended from {since}, the day after; a late endorsement restores use and residence years count again from it", c.due),
        ));
        reasons.push(ENDORSEMENT.reason(
            "endorsement.restore-deadline.not-in-text",
            "本通知未规定补办签注的期限，也未规定注销情形",
            "the text sets no deadline for a late endorsement and no ground for cancellation",
        ));
        (EndorsementStatus::OverdueSuspended(Suspension { since: date::fmt(since), restore_by: None }), true)
    };
    reasons.push(if c.restarted {
        ENDORSEMENT.reason(
            "residence-years.restarted-by-late-endorsement.met",
            &format!("曾逾期补办签注，居住年限自补办签注之日{}起连续计算", c.counted_from),
            &format!("endorsed late: residence years count from that endorsement, {}", c.counted_from),
        )
    } else {
        ENDORSEMENT.reason(
            "residence-years.restarted-by-late-endorsement.not-met",
            &format!("无逾期补办签注，居住年限自签发之日{}起计算", c.counted_from),
            &format!("no late endorsement: residence years count from issue, {}", c.counted_from),
        )
    });
    let mut allowed = may_endorse;
    if let Some((left, _)) = as_of::event(facts, HolderEventKind::LeftArea, on) {
        allowed = false;
        reasons.push(ENDORSEMENT.reason(
            "endorsement.living-in-area.not-met",
            &format!(
                "持有人自{left}起已离开居住地、不在居住地居住，居住情况发生变化，不再符合申领条件，不予签注（二(一)4）；本通知未规定注销情形，不据此注销"
            ),
            &format!(
                "the holder left the place of residence on {left} and no longer lives there: a change of residence that no longer meets the conditions, so no endorsement (二(一)4); the notice names no cancellation ground, so the permit is not cancelled on it"
            ),
        ));
    } else if may_endorse {
        let d = eligibility::evaluate(facts, on, false);
        match d.outcome {
            Outcome::Eligible => reasons.push(ENDORSEMENT.reason(
                "endorsement.conditions.met",
                "持有人的就业、居住、就读情况仍符合申领条件",
                "the holder's employment, residence or schooling still meets the conditions",
            )),
            Outcome::Ineligible => {
                allowed = false;
                reasons.push(ENDORSEMENT.reason(
                    "endorsement.conditions.not-met",
                    "持有人的就业、居住、就读情况发生变化，不再符合申领条件，不予签注",
                    "the holder no longer meets the conditions: no endorsement",
                ));
                // Say why: the failed conditions of the re-check.
                let failed = d.reasons.iter().chain(d.routes.iter().flat_map(|r| r.reasons.iter()));
                for r in failed.filter(|r| r.code.ends_with(".not-met") && !r.code.starts_with("age.")) {
                    if !reasons.iter().any(|x: &Reason| x.code == r.code) {
                        reasons.push(r.clone());
                    }
                }
            }
            Outcome::Incomplete => {
                allowed = false;
                reasons.push(ENDORSEMENT.reason(
                    "endorsement.conditions.unknown",
                    "尚未查明持有人是否仍符合申领条件，暂不能签注",
                    "not yet known whether the holder still meets the conditions: no endorsement until shown",
                ));
            }
        }
    }
    EndorsementAnswer {
        status,
        endorsement_allowed: allowed,
        reasons,
        residence_years: c.residence_years(on),
        residence_counted_from: date::fmt(c.counted_from),
    }
}
