//! District configuration: values this module needs that the text does not fix.
//!
//! Nothing here is a figure of the text. Each parameter carries an id (cited in
//! reasons and points lines) and the date from which the district applies it.
//! A district changes a value by publishing a new module version with a new
//! dated entry; decisions for earlier dates keep the entry then in force.

use juzhu_sdk::date::Date;
use juzhu_sdk::types::ViolationKind;

/// One dated value.
#[derive(Clone, Copy, Debug)]
pub struct Param<T: 'static> {
    pub id: &'static str,
    /// The first legal date the value applies.
    pub effective_from: (i16, i8, i8),
    pub value: T,
}

impl<T: Copy> Param<T> {
    pub fn from(&self) -> Date {
        let (y, m, d) = self.effective_from;
        Date::new(y, m, d).expect("configured dates are real")
    }

    pub fn in_force(&self, on: Date) -> bool {
        self.from() <= on
    }
}

/// The text's own in-force date (本通知自2017年1月1日起施行); configuration starts with it.
const FROM_2017: (i16, i8, i8) = (2017, 1, 1);

/// Which GB/T 2260 divisions make up 杭州市区 (the Hangzhou urban districts).
///
/// The text requires residence, insurance, employment and schooling "在杭州市区"
/// but does not list the districts, so the set is district configuration, not a
/// figure of the text. It holds the municipal districts of Hangzhou (codes
/// 3301xx) as they stood when the text took effect on 2017-01-01: 上城 330102,
/// 下城 330103, 江干 330104, 拱墅 330105, 西湖 330106, 滨江 330108, 萧山 330109,
/// 余杭 330110, 富阳 330111. The county-level units (桐庐, 淳安, 建德, 临安 as a
/// county-level city until its conversion) are not 市区. A district that changes
/// this set publishes a new dated entry.
pub const URBAN_DISTRICTS: Param<&[&str]> = Param {
    id: "hangzhou-gongshu.area.urban-districts",
    effective_from: FROM_2017,
    value: &["330102", "330103", "330104", "330105", "330106", "330108", "330109", "330110", "330111"],
};

/// Whether a division code is in 杭州市区 under [`URBAN_DISTRICTS`].
pub fn in_urban_area(code: &str) -> bool {
    URBAN_DISTRICTS.value.contains(&code)
}

/// The date the revised 《浙江省流动人口居住登记条例》 (《省条例》) took effect.
///
/// 二(一)4 keeps permits "《省条例》实施前已经领取" valid and lets them be exchanged
/// free for the IC card; the text does not give the date, so it is configuration.
pub const PROVINCIAL_REGULATION_IN_FORCE: Param<()> =
    Param { id: "hangzhou-gongshu.card.provincial-regulation-in-force", effective_from: FROM_2017, value: () };

/// The points scheme: 二(二)4 names the indicators (居住年限、就业年限、社会保险缴纳年限、
/// 履行社会义务、遵纪守法、个人信用) and says they are to be published; it gives no
/// values. Every value below is the district's configuration, not a figure of the text.
pub struct PointsScheme {
    pub id: &'static str,
    pub effective_from: (i16, i8, i8),
    /// Points per whole year of residence (居住年限).
    pub residence_year: Param<i32>,
    /// Points per whole year of employment in the urban districts (就业年限).
    pub employment_year: Param<i32>,
    /// Points per whole year of social insurance paid in the urban districts (社会保险缴纳年限).
    pub insurance_year: Param<i32>,
    /// Points per full 10 hours of social service (履行社会义务).
    pub social_service_10_hours: Param<i32>,
    /// Deductions per violation of the law (遵纪守法).
    pub administrative_penalty: Param<i32>,
    pub detention: Param<i32>,
    pub criminal_conviction: Param<i32>,
    /// Deductions for dishonesty (个人信用).
    pub dishonesty_record: Param<i32>,
    pub false_materials: Param<i32>,
}

impl PointsScheme {
    pub fn from(&self) -> Date {
        let (y, m, d) = self.effective_from;
        Date::new(y, m, d).expect("configured dates are real")
    }

    /// The deduction configured for a violation of the law; dishonesty belongs to credit.
    pub fn law_deduction(&self, kind: ViolationKind) -> Option<Param<i32>> {
        match kind {
            ViolationKind::AdministrativePenalty => Some(self.administrative_penalty),
            ViolationKind::Detention => Some(self.detention),
            ViolationKind::CriminalConviction => Some(self.criminal_conviction),
            ViolationKind::DishonestyRecord => None,
        }
    }
}

const fn p(id: &'static str, value: i32) -> Param<i32> {
    Param { id, effective_from: FROM_2017, value }
}

/// The configured scheme in force from 2017-01-01.
pub const POINTS_2017: PointsScheme = PointsScheme {
    id: "hangzhou-gongshu.points.2017",
    effective_from: FROM_2017,
    residence_year: p("hangzhou-gongshu.points.residence-year", 2),
    employment_year: p("hangzhou-gongshu.points.employment-year", 2),
    insurance_year: p("hangzhou-gongshu.points.insurance-year", 2),
    social_service_10_hours: p("hangzhou-gongshu.points.social-obligations.per-10-hours", 1),
    administrative_penalty: p("hangzhou-gongshu.points.law-abiding.administrative-penalty", -5),
    detention: p("hangzhou-gongshu.points.law-abiding.detention", -10),
    criminal_conviction: p("hangzhou-gongshu.points.law-abiding.criminal-conviction", -20),
    dishonesty_record: p("hangzhou-gongshu.points.credit.dishonesty-record", -10),
    false_materials: p("hangzhou-gongshu.points.credit.false-materials", -20),
};

/// The scheme in force on `on`, if any.
pub fn points_scheme(on: Date) -> Option<&'static PointsScheme> {
    [&POINTS_2017].into_iter().rev().find(|s| s.from() <= on)
}
