//! Years of residence, for 进城时间长 (二(二)) and the endorsement answer.
//!
//! The notice does not say how residence time is counted. The module counts
//! whole years of the continuous registered residence in the province that
//! covers the legal date, since the new system rests on residence
//! registration (全员登记、依规领证, 一). (The six-month floor of eligibility
//! counts per city instead, as Decree 663 第二条 says; see `eligibility`.)

use juzhu_sdk::prelude::*;

use crate::area::in_area;

/// The run's first day (or `None` when no registration covers `on`) and the
/// whole years completed by `on`.
pub fn counted(app: &Application, on: Date) -> (Option<Date>, u32) {
    match framework::residence_run_start(app, on, in_area, ReportDeadline::NotSet) {
        Some(start) => (Some(start), date::whole_years_between(start, on)),
        None => (None, 0),
    }
}
