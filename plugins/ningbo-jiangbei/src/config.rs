//! District configuration: values the module needs that the text does not fix.
//!
//! None of these is a figure of the text. The text leaves the points values to
//! 《宁波市江北区流动人口量化积分申评实施细则》, which it marks 待定稿 (四), says
//! nothing of an endorsement cycle, and does not say how the insurance streak
//! of 三(一)1 is anchored. Each value below is a dated parameter that the
//! district sets and may change by publishing a new module version; reasons
//! and points lines that use one name its id.
//!
//! The text's own in-force day is blank (本办法自2017年  月  日起施行), so every
//! parameter here is configured from 2017-01-01, the year the draft names.

use juzhu_sdk::date::{Date, parse_date};

/// One dated configuration value.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    pub id: &'static str,
    pub value: i32,
    /// The first legal date the value applies on.
    pub effective_from: &'static str,
    /// Why the parameter exists and what the value means.
    pub note: &'static str,
}

/// The date every parameter of this version is configured from.
pub const EFFECTIVE_FROM: &str = "2017-01-01";

/// The points scheme the values belong to, as the breakdown names it.
pub const POINTS_SCHEME: &str = "ningbo-jiangbei.points.provisional（江北区配置参数，自2017-01-01起；\
《宁波市江北区流动人口量化积分申评实施细则》待定稿，分值均非本办法规定 / district configuration from \
2017-01-01; the detailed rules are still a draft, no value is a figure of the text）";

const fn p(id: &'static str, value: i32, note: &'static str) -> Param {
    Param { id, value, effective_from: EFFECTIVE_FROM, note }
}

// Insurance (三(一)1(1)(2)).
pub const INSURANCE_TOLERANCE: &str = "ningbo-jiangbei.insurance.anchor-tolerance-months";

// Endorsement (the text has none; see endorsement.rs).
pub const ENDORSE_INTERVAL: &str = "ningbo-jiangbei.endorsement.interval-months";
pub const ENDORSE_WINDOW: &str = "ningbo-jiangbei.endorsement.window-months";
pub const ENDORSE_LATE_RESTORES: &str = "ningbo-jiangbei.endorsement.late-restores";

/// Every parameter of this module version.
pub const PARAMS: &[Param] = &[
    p(
        INSURANCE_TOLERANCE,
        0,
        "months before the legal date's month at which the insurance streak may end; \
        0 = the streak must reach the legal date's month (连续缴纳 read as still paying)",
    ),
    p(ENDORSE_INTERVAL, 12, "months between endorsements, counted from issue (the text sets no cycle)"),
    p(ENDORSE_WINDOW, 1, "months before each due date in which the endorsement window is open"),
    p(
        ENDORSE_LATE_RESTORES,
        1,
        "1 = an overdue permit is suspended from its due date, a late endorsement \
        restores use with no deadline and residence years count again from it",
    ),
    // 计分 (四(二): 基本情况).
    p("ningbo-jiangbei.points.scoring.education.junior-secondary", 5, "highest education: junior secondary"),
    p("ningbo-jiangbei.points.scoring.education.senior-secondary", 10, "highest education: senior secondary"),
    p("ningbo-jiangbei.points.scoring.education.secondary-vocational", 10, "highest education: secondary vocational"),
    p("ningbo-jiangbei.points.scoring.education.associate", 20, "highest education: associate degree"),
    p("ningbo-jiangbei.points.scoring.education.bachelor", 30, "highest education: bachelor"),
    p("ningbo-jiangbei.points.scoring.education.master", 40, "highest education: master"),
    p("ningbo-jiangbei.points.scoring.education.doctorate", 50, "highest education: doctorate"),
    p("ningbo-jiangbei.points.scoring.title.junior", 10, "professional title: junior"),
    p("ningbo-jiangbei.points.scoring.title.intermediate", 20, "professional title: intermediate"),
    p("ningbo-jiangbei.points.scoring.title.deputy-senior", 30, "professional title: deputy senior"),
    p("ningbo-jiangbei.points.scoring.title.senior", 40, "professional title: senior"),
    p("ningbo-jiangbei.points.scoring.skill.grade5", 5, "vocational skill: grade 5"),
    p("ningbo-jiangbei.points.scoring.skill.grade4", 10, "vocational skill: grade 4"),
    p("ningbo-jiangbei.points.scoring.skill.grade3", 20, "vocational skill: grade 3"),
    p("ningbo-jiangbei.points.scoring.skill.grade2", 30, "vocational skill: grade 2"),
    p("ningbo-jiangbei.points.scoring.skill.grade1", 40, "vocational skill: grade 1"),
    p(
        "ningbo-jiangbei.points.scoring.residence-year",
        2,
        "per whole year of the current registered residence in the district",
    ),
    // 加分 (四(二): 综合表现和社会贡献).
    p("ningbo-jiangbei.points.bonus.award.national", 30, "per national award"),
    p("ningbo-jiangbei.points.bonus.award.provincial", 20, "per provincial award"),
    p("ningbo-jiangbei.points.bonus.award.municipal", 10, "per municipal award"),
    p("ningbo-jiangbei.points.bonus.award.district", 5, "per district award"),
    p("ningbo-jiangbei.points.bonus.patent", 5, "per patent"),
    p("ningbo-jiangbei.points.bonus.social-service.hours-per-point", 10, "hours of social service per point"),
    p("ningbo-jiangbei.points.bonus.social-service.cap", 10, "most points from social service"),
    // 扣分（冻结） (四(二): 违法失信).
    p("ningbo-jiangbei.points.deduction.administrative-penalty", -5, "per administrative penalty"),
    p("ningbo-jiangbei.points.deduction.detention", -20, "per detention"),
    p("ningbo-jiangbei.points.deduction.criminal-conviction", -50, "per criminal conviction"),
    p("ningbo-jiangbei.points.deduction.dishonesty-record", -20, "per dishonesty record"),
    p("ningbo-jiangbei.points.deduction.false-materials", -50, "false materials found"),
    p("ningbo-jiangbei.points.freeze.administrative-penalty", 0, "1 = freezes the account"),
    p("ningbo-jiangbei.points.freeze.detention", 0, "1 = freezes the account"),
    p("ningbo-jiangbei.points.freeze.criminal-conviction", 1, "1 = freezes the account"),
    p("ningbo-jiangbei.points.freeze.dishonesty-record", 1, "1 = freezes the account"),
    p("ningbo-jiangbei.points.freeze.false-materials", 1, "1 = freezes the account"),
];

/// The parameter `id` (a module bug if absent: every id used is listed).
pub fn param(id: &str) -> &'static Param {
    PARAMS.iter().find(|p| p.id == id).unwrap_or_else(|| panic!("configuration parameter `{id}` is not listed"))
}

/// The value of `id` on `on`, or `None` before it is configured.
pub fn value_on(id: &str, on: Date) -> Option<i32> {
    let p = param(id);
    let from = parse_date(p.id, p.effective_from).expect("configured dates are valid");
    (on >= from).then_some(p.value)
}

/// The day the configuration applies from.
pub fn effective_from() -> Date {
    parse_date("", EFFECTIVE_FROM).expect("configured dates are valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_ids_are_unique_and_dated() {
        for (i, a) in PARAMS.iter().enumerate() {
            assert!(parse_date(a.id, a.effective_from).is_ok());
            assert!(a.id.starts_with("ningbo-jiangbei."), "{}", a.id);
            assert!(PARAMS[i + 1..].iter().all(|b| b.id != a.id), "duplicate {}", a.id);
        }
    }
}
