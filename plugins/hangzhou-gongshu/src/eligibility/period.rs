//! The six months of registered residence (二(一)2) and the 10-day change window (二(一)1).

use juzhu_sdk::prelude::*;

use super::Fact;
use crate::clauses::*;
use crate::config::in_urban_area;

/// 二(一)1: "办理居住登记后，居住地址、服务处所等发生变更的，应当自变更之日起10日内办理变更手续".
/// The module computes timeliness from the move and report dates.
pub const CHANGE_DEADLINE_DAYS: u32 = 10;

/// The six months of registered residence in 杭州市区 (二(一)2 opening sentence);
/// a change of address keeps the run only when reported within 10 days (二(一)1).
pub(super) fn residence_period(app: &Application, on: Date) -> (Fact, Reason) {
    let run = framework::residence_run(app, on, in_urban_area, ReportDeadline::Days(CHANGE_DEADLINE_DAYS));
    if run.judge(|s| date::months_completed(s, on, 6)).is_none() {
        return (
            None,
            REGISTRATION.reason(
                "residence-period.six-months.unknown",
                "居住地址变更的办理日期不明，无法判断是否“自变更之日起10日内办理变更手续”：及时办理的，已满半年；否则不满半年",
                "a change of address has no known report date, so whether it was made \"within 10 days of the change\" is not known: six months only if it was",
            ),
        );
    }
    match run.shown {
        Some(s) if date::months_completed(s, on, 6) => (
            Some(true),
            CONDITIONS.reason(
                "residence-period.six-months.met",
                &format!("自{s}起在杭州市区办理居住登记并连续居住，已满半年"),
                &format!("registered and living in the Hangzhou urban districts continuously since {s}: six months or more"),
            ),
        ),
        Some(s) => (
            Some(false),
            CONDITIONS.reason(
                "residence-period.six-months.not-met",
                &format!("自{s}起在杭州市区连续居住，至{on}未满半年（满半年之日为{}）", date::add_months(s, 6)),
                &format!("continuous registered residence since {s} is less than six months on {on} (six months are complete on {})", date::add_months(s, 6)),
            ),
        ),
        None => (
            Some(false),
            CONDITIONS.reason(
                "residence-period.six-months.not-met",
                &format!("{on}无有效的杭州市区居住登记"),
                &format!("no residence registration in the Hangzhou urban districts covers {on}"),
            ),
        ),
    }
}
