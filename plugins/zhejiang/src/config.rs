//! District configuration: the values the notice leaves to later rules.
//!
//! 浙政办发〔2016〕100号 names no endorsement cycle, no point value and no card
//! link. Where a function still needs a concrete answer, it comes from a dated
//! parameter here, never from the text. Every parameter has an id (quoted in
//! reasons and `PointsLine.parameter`) and the date it applies from. The values
//! are placeholders for the provincial framework; a city's module replaces
//! them with the figures of its own rules (二(二)).

use juzhu_sdk::date::{Date, parse_date};
use juzhu_sdk::types::{InputError, SkillGrade, TitleLevel};

/// The date every parameter below applies from: the day the notice was signed.
pub const EFFECTIVE_FROM: &str = "2016-08-28";

/// The endorsement cycle, which the notice does not set (二(二) leaves the
/// permit rules to cities).
#[derive(Clone, Copy, Debug)]
pub struct EndorsementConfig {
    pub effective_from: &'static str,
    /// `zhejiang.endorsement.cycle-months`: months between endorsements.
    pub cycle_months: u32,
    /// `zhejiang.endorsement.window-months`: the window opens this many months
    /// before each due date and closes the day before it.
    pub window_months: u32,
}

pub const CYCLE_MONTHS_ID: &str = "zhejiang.endorsement.cycle-months";
pub const WINDOW_MONTHS_ID: &str = "zhejiang.endorsement.window-months";

/// Configured endorsement parameters, oldest first. District configuration,
/// not figures of the notice.
pub const ENDORSEMENT: &[EndorsementConfig] =
    &[EndorsementConfig { effective_from: EFFECTIVE_FROM, cycle_months: 12, window_months: 1 }];

/// One points parameter: an indicator value the notice names only in general
/// (二(二) 量化指标体系, 二(四) 积分量化指标管理).
#[derive(Clone, Copy, Debug)]
pub struct PointsParameter {
    pub id: &'static str,
    pub effective_from: &'static str,
    pub points: i32,
}

const fn param(id: &'static str, points: i32) -> PointsParameter {
    PointsParameter { id, effective_from: EFFECTIVE_FROM, points }
}

/// The configured points scheme's name, as `PointsBreakdown.scheme` reports it.
pub const POINTS_SCHEME: &str =
    "zhejiang.points（省级框架占位配置，自2016-08-28起；分值均为地方配置参数，并非浙政办发〔2016〕100号规定的数值）";

/// 存量优先、进城时间长: points per whole year of continuous registered residence.
pub const RESIDENCE_PER_YEAR: PointsParameter = param("zhejiang.points.residence-years.per-year", 1);

/// 就业能力强: points by professional title (职称).
pub const TITLE: &[(TitleLevel, PointsParameter)] = &[
    (TitleLevel::Junior, param("zhejiang.points.employment-ability.title.junior", 1)),
    (TitleLevel::Intermediate, param("zhejiang.points.employment-ability.title.intermediate", 2)),
    (TitleLevel::DeputySenior, param("zhejiang.points.employment-ability.title.deputy-senior", 3)),
    (TitleLevel::Senior, param("zhejiang.points.employment-ability.title.senior", 4)),
];

/// 就业能力强: points by vocational skill grade (职业资格/技能等级).
pub const SKILL: &[(SkillGrade, PointsParameter)] = &[
    (SkillGrade::Grade5, param("zhejiang.points.employment-ability.skill.grade5", 1)),
    (SkillGrade::Grade4, param("zhejiang.points.employment-ability.skill.grade4", 2)),
    (SkillGrade::Grade3, param("zhejiang.points.employment-ability.skill.grade3", 3)),
    (SkillGrade::Grade2, param("zhejiang.points.employment-ability.skill.grade2", 4)),
    (SkillGrade::Grade1, param("zhejiang.points.employment-ability.skill.grade1", 5)),
];

/// Whether a card links with the city's 市民卡 or 社保卡 (二(二) 相互对接): what a
/// city has connected, by division prefix (4 digits for a city, 6 for a
/// district). Empty: the notice links no card itself, and no city's link is
/// configured in the provincial module, so every card reads 未对接.
#[derive(Clone, Copy, Debug)]
pub struct CardLink {
    pub division_prefix: &'static str,
    pub effective_from: &'static str,
    /// `zhejiang.card.citizen-card-link`: the linked 市民卡, e.g. its issuer.
    pub citizen_card: Option<&'static str>,
    /// `zhejiang.card.social-security-card-link`: the linked 社保卡.
    pub social_security_card: Option<&'static str>,
}

pub const CARD_LINKS: &[CardLink] = &[];

/// `zhejiang.card.issuing-authority`: the notice names no issuing authority;
/// the card shows the generic one until a city configures its own.
pub const ISSUING_AUTHORITY: &str = "居住地公安机关";

/// A configuration date (a constant, always valid).
pub fn day(text: &str) -> Date {
    parse_date("config", text).expect("configuration dates are valid")
}

/// The entry of `table` in force on `on` (the latest that has started), or an
/// error naming the legal date when `on` precedes every entry.
pub fn in_force<T: Copy>(
    table: &[T],
    from: impl Fn(&T) -> &'static str,
    on: Date,
    what: &str,
) -> Result<T, InputError> {
    table.iter().copied().filter(|t| day(from(t)) <= on).max_by_key(|t| day(from(t))).ok_or_else(|| InputError {
        field: "legal_date".into(),
        message: format!(
            "{on} is before the configured {what} applies (from {EFFECTIVE_FROM}); give a later legal date"
        ),
    })
}

/// A points parameter, checked to be in force on `on`.
pub fn points_in_force(p: PointsParameter, on: Date) -> Result<PointsParameter, InputError> {
    in_force(&[p], |x| x.effective_from, on, "points scheme")
}
