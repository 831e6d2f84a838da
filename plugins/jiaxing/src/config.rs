//! District configuration: every figure the module uses that the text does
//! NOT give.
//!
//! 三(三)2 names the points indicators but gives no value for any of them: it
//! leaves the values to "各地、各部门" and to the existing points rules
//! ("积分管理办法原则上按现有规定执行"). The values below are therefore the
//! district's configuration, not figures of the text. They are placeholders
//! so that the arithmetic can be tested: a district replaces them by
//! publishing a new module version with a new `effective_from` row. Each
//! value is looked up by id and by the legal date (the latest row in force),
//! and every points line names the id it used.
//!
//! The card's issuing authority is configuration too: the text names no
//! issuing authority.

use juzhu_sdk::date::{self, Date};

/// One dated configuration value.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    pub id: &'static str,
    pub value: i64,
    /// The first legal date the value applies on.
    pub effective_from: &'static str,
}

/// The configured points scheme, as named in `points-breakdown.scheme`.
pub const SCHEME: &str =
    "jiaxing.points (district configuration, placeholder values, effective 2014-10-31; not figures of the text)";

/// The placeholder scheme's first day: the pilot's start (二(二)).
const FROM: &str = "2014-10-31";

const fn p(id: &'static str, value: i64) -> Param {
    Param { id, value, effective_from: FROM }
}

/// Points values (placeholders; district configuration).
pub const POINTS: &[Param] = &[
    // 基本状况: 年龄 — age bands (limits and values are configuration).
    p("jiaxing.points.age.18-35", 10),
    p("jiaxing.points.age.36-45", 5),
    p("jiaxing.points.age.other", 0),
    // 基本状况: 文化程度.
    p("jiaxing.points.education.none", 0),
    p("jiaxing.points.education.primary", 0),
    p("jiaxing.points.education.junior-secondary", 0),
    p("jiaxing.points.education.senior-secondary", 5),
    p("jiaxing.points.education.secondary-vocational", 5),
    p("jiaxing.points.education.associate", 10),
    p("jiaxing.points.education.bachelor", 20),
    p("jiaxing.points.education.master", 30),
    p("jiaxing.points.education.doctorate", 40),
    // 个人素质: 职称和技术等级、专利创新.
    p("jiaxing.points.title.junior", 5),
    p("jiaxing.points.title.intermediate", 15),
    p("jiaxing.points.title.deputy-senior", 25),
    p("jiaxing.points.title.senior", 35),
    p("jiaxing.points.skill.grade5", 2),
    p("jiaxing.points.skill.grade4", 4),
    p("jiaxing.points.skill.grade3", 8),
    p("jiaxing.points.skill.grade2", 12),
    p("jiaxing.points.skill.grade1", 16),
    p("jiaxing.points.patents.per-patent", 5),
    p("jiaxing.points.patents.cap", 20),
    // 居住年限.
    p("jiaxing.points.residence-years.per-year", 2),
    p("jiaxing.points.residence-years.cap", 20),
    // 就业登记.
    p("jiaxing.points.employment-registration", 5),
    // 社会保险缴费年限.
    p("jiaxing.points.insurance-years.per-year", 2),
    p("jiaxing.points.insurance-years.cap", 20),
    // 遵纪守法: 计划生育、婚育证明.
    p("jiaxing.points.family-planning.compliant", 5),
    // 投资纳税.
    p("jiaxing.points.tax.yuan-per-point", 10_000),
    p("jiaxing.points.tax.cap", 20),
    p("jiaxing.points.investment.yuan-per-point", 100_000),
    p("jiaxing.points.investment.cap", 10),
    // 社会服务.
    p("jiaxing.points.social-service.hours-per-point", 20),
    p("jiaxing.points.social-service.cap", 5),
    // 表彰奖励.
    p("jiaxing.points.award.national", 20),
    p("jiaxing.points.award.provincial", 10),
    p("jiaxing.points.award.municipal", 5),
    p("jiaxing.points.award.district", 2),
    // 出租房屋出租登记凭证、税收征收凭证.
    p("jiaxing.points.rental-registration-receipt", 2),
    p("jiaxing.points.tax-receipts", 2),
    // 减分指标 (deduction), set by localities and departments.
    p("jiaxing.points.deduction.administrative-penalty", -5),
    p("jiaxing.points.deduction.detention", -10),
    p("jiaxing.points.deduction.dishonesty-record", -10),
    // 一票否决指标 (veto): 1 = the ground vetoes.
    p("jiaxing.points.veto.criminal-conviction", 1),
    p("jiaxing.points.veto.false-materials", 1),
];

/// Age bands for 年龄 (inclusive limits, configuration), with their parameter ids.
pub const AGE_BANDS: &[(u32, u32, &str)] =
    &[(18, 35, "jiaxing.points.age.18-35"), (36, 45, "jiaxing.points.age.36-45")];
pub const AGE_OTHER: &str = "jiaxing.points.age.other";

/// The card's issuing authority. The text names none; this is district
/// configuration (a placeholder the district sets).
pub const ISSUING_AUTHORITY_ID: &str = "jiaxing.card.issuing-authority";
pub const ISSUING_AUTHORITY: &str = "嘉兴市公安局";

/// The value of `id` in force on `on`: the row with the latest
/// `effective_from` not after `on`; `None` before any row applies.
pub fn get(id: &str, on: Date) -> Option<Param> {
    POINTS
        .iter()
        .filter(|p| p.id == id)
        .filter(|p| date::parse_date("", p.effective_from).is_ok_and(|from| from <= on))
        .max_by_key(|p| p.effective_from)
        .copied()
}

/// The first day any points configuration applies.
pub fn scheme_start() -> Date {
    date::parse_date("", FROM).expect("a valid configured date")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_is_unique_and_every_date_valid() {
        for (i, a) in POINTS.iter().enumerate() {
            assert!(date::parse_date("", a.effective_from).is_ok(), "{}", a.id);
            assert!(!POINTS[..i].iter().any(|b| b.id == a.id && b.effective_from == a.effective_from), "{}", a.id);
        }
        for (_, _, id) in AGE_BANDS {
            assert!(POINTS.iter().any(|p| p.id == *id), "{id}");
        }
    }

    #[test]
    fn nothing_applies_before_the_scheme_starts() {
        let before = date::parse_date("", "2014-10-30").unwrap();
        assert!(get("jiaxing.points.award.national", before).is_none());
        assert_eq!(get("jiaxing.points.award.national", scheme_start()).map(|p| p.value), Some(20));
    }
}
