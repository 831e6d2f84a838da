//! 四: points (积分) for high-quality, limited public services.
//!
//! The text fixes the structure, not the values: four kinds of indicator
//! (四(二)) — 计分 (the applicant's basic situation), 加分 (overall conduct and
//! social contribution), 赋分 (scores given by employers, communities and
//! departments, the 赋分主体 of 四(一)) and 扣分（冻结） (breaches of law and
//! dishonesty, with a freeze). It leaves the indicators' values, and even the
//! list of first- and second-level indicators, to 《宁波市江北区流动人口量化积分
//! 申评实施细则》, marked 待定稿. So:
//! - 计分, 加分 and 扣分 values are district configuration (config.rs, scheme
//!   `ningbo-jiangbei.points.provisional`), each line naming its parameter;
//! - 赋分 lines carry the score each 赋分主体 gave (`points.assigned`), so they
//!   have no parameter;
//! - which deductions freeze the account is configuration too
//!   (`ningbo-jiangbei.points.freeze.*`); false materials are read as 失信.
//!
//! The text has no veto (一票否决) indicator. Facts dated after the legal date
//! are not counted.

use juzhu_sdk::framework::date_of;
use juzhu_sdk::prelude::*;

use crate::clauses::*;
use crate::config;

struct Lines {
    on: Date,
    lines: Vec<PointsLine>,
    reasons: Vec<Reason>,
    frozen: bool,
}

impl Lines {
    fn configured(&mut self, indicator: &str, kind: IndicatorKind, param: &str, times: i32, zh: String, en: String) {
        let value = config::value_on(param, self.on).unwrap_or(0);
        self.lines.push(PointsLine {
            indicator: indicator.into(),
            kind,
            points: value * times,
            zh: format!("{zh}（区配置参数 {param}，非本办法规定）"),
            en: format!("{en} (district configuration {param}, not a figure of the text)"),
            citation: POINTS_STRUCTURE.citation(),
            parameter: Some(param.into()),
        });
    }

    /// A reason why an indicator gives no line (fact unknown or below every configured level).
    fn unknown(&mut self, code: &str, zh: &str, en: &str) {
        self.reasons.push(POINTS_STRUCTURE.reason(code, zh, en));
    }
}

/// Parameter-id spellings of the contract's enum values.
fn education_id(e: EducationLevel) -> &'static str {
    use EducationLevel::*;
    match e {
        None => "none",
        Primary => "primary",
        JuniorSecondary => "junior-secondary",
        SeniorSecondary => "senior-secondary",
        SecondaryVocational => "secondary-vocational",
        Associate => "associate",
        Bachelor => "bachelor",
        Master => "master",
        Doctorate => "doctorate",
    }
}

fn title_id(t: TitleLevel) -> &'static str {
    match t {
        TitleLevel::Junior => "junior",
        TitleLevel::Intermediate => "intermediate",
        TitleLevel::DeputySenior => "deputy-senior",
        TitleLevel::Senior => "senior",
    }
}

fn skill_id(g: SkillGrade) -> &'static str {
    match g {
        SkillGrade::Grade5 => "grade5",
        SkillGrade::Grade4 => "grade4",
        SkillGrade::Grade3 => "grade3",
        SkillGrade::Grade2 => "grade2",
        SkillGrade::Grade1 => "grade1",
    }
}

fn award_id(a: AwardLevel) -> &'static str {
    match a {
        AwardLevel::National => "national",
        AwardLevel::Provincial => "provincial",
        AwardLevel::Municipal => "municipal",
        AwardLevel::District => "district",
    }
}

fn violation_id(v: ViolationKind) -> &'static str {
    match v {
        ViolationKind::AdministrativePenalty => "administrative-penalty",
        ViolationKind::Detention => "detention",
        ViolationKind::CriminalConviction => "criminal-conviction",
        ViolationKind::DishonestyRecord => "dishonesty-record",
    }
}

pub fn points(permit: Option<&Permit>, facts: &Application, on: Date) -> Result<PointsBreakdown, InputError> {
    if let Some(p) = permit {
        crate::endorsement::check_permit(p)?;
    }
    let mut reasons = vec![
        POINTS.reason(
            "points.detailed-rules.not-in-text",
            "积分指标和分值由《宁波市江北区流动人口量化积分申评实施细则》规定，该细则待定稿；本模块分值均为区配置参数，不是本办法的规定",
            "indicators and values belong to the district's detailed points rules, still a draft; every value here is district configuration, not a figure of the text",
        ),
        POINTS_USES.reason(
            "points.uses.met",
            "积分按排序应用于义务教育、普惠制学前教育、创业就业扶持、随迁家属参加城乡居民社会保险、申请当地公共租赁住房、社会福利",
            "points are ranked for compulsory and pre-school education, business and employment support, family members' \
             residents' insurance, public rental housing and social welfare",
        ),
        POINTS_USES.reason(
            "points.hukou-settlement.not-in-text",
            "积分落户仅适用于城区，具体办法由公安机关制定，本办法未载明",
            "settlement by points applies to the urban area only and follows police rules not in this text",
        ),
        POINTS_ACCOUNT.reason(
            "points.personal-account.met",
            "积分管理平台为申请人设置个人积分帐户，可通过申报点或手机终端查询积分和审核结果",
            "the points platform keeps a personal account the applicant can query at service points or by phone",
        ),
    ];
    if on < config::effective_from() {
        reasons.push(POINTS.reason(
            "points.scheme-in-force.not-met",
            &format!("法定日期早于区积分配置生效日{}，无分值", config::EFFECTIVE_FROM),
            &format!(
                "the legal date is before the district points configuration applies ({}): no values",
                config::EFFECTIVE_FROM
            ),
        ));
        return Ok(PointsBreakdown {
            lines: Vec::new(),
            total: 0,
            vetoed: false,
            frozen: false,
            scheme: None,
            reasons,
        });
    }
    let pts = &facts.points;
    let mut l = Lines { on, lines: Vec::new(), reasons: Vec::new(), frozen: false };
    let s = IndicatorKind::Scoring;
    let has = |id: &str| config::PARAMS.iter().any(|p| p.id == id);

    // 计分: basic situation.
    match pts.education {
        Some(level) => {
            let id = format!("ningbo-jiangbei.points.scoring.education.{}", education_id(level));
            if has(&id) {
                l.configured("scoring.education", s, &id, 1, "学历".into(), "education".into());
            } else {
                l.unknown(
                    "points.education-level.not-met",
                    "学历低于区配置的计分等级，未计分",
                    "education below the levels the district configuration scores",
                );
            }
        }
        None => l.unknown("points.education.unknown", "学历不明，未计分", "education unknown: not scored"),
    }
    match pts.title {
        Some(t) => {
            let id = format!("ningbo-jiangbei.points.scoring.title.{}", title_id(t));
            l.configured("scoring.title", s, &id, 1, "专业技术职称".into(), "professional title".into());
        }
        None => l.unknown("points.title.unknown", "专业技术职称不明，未计分", "professional title unknown: not scored"),
    }
    match pts.skill {
        Some(g) => {
            let id = format!("ningbo-jiangbei.points.scoring.skill.{}", skill_id(g));
            l.configured("scoring.skill", s, &id, 1, "职业技能等级".into(), "vocational skill grade".into());
        }
        None => {
            l.unknown("points.skill.unknown", "职业技能等级不明，未计分", "vocational skill grade unknown: not scored")
        }
    }
    let years = crate::eligibility::run_start(facts, on, true).map_or(0, |s| date::whole_years_between(s, on));
    l.configured(
        "scoring.residence-years",
        s,
        "ningbo-jiangbei.points.scoring.residence-year",
        years as i32,
        format!("在本区连续居住登记{years}年"),
        format!("{years} whole years of registered residence in the district"),
    );

    // 加分: conduct and social contribution.
    let b = IndicatorKind::Bonus;
    for a in pts.awards.iter().filter(|a| date_of(&a.awarded_on) <= on) {
        let id = format!("ningbo-jiangbei.points.bonus.award.{}", award_id(a.level));
        l.configured("bonus.award", b, &id, 1, format!("获奖：{}", a.name), format!("award: {}", a.name));
    }
    match pts.patents {
        Some(n) => l.configured(
            "bonus.patents",
            b,
            "ningbo-jiangbei.points.bonus.patent",
            n as i32,
            format!("专利{n}项"),
            format!("{n} patents"),
        ),
        None => l.unknown("points.patents.unknown", "专利情况不明，未加分", "patents unknown: no bonus"),
    }
    match pts.social_service_hours {
        Some(h) => {
            let per =
                config::value_on("ningbo-jiangbei.points.bonus.social-service.hours-per-point", on).unwrap_or(1).max(1);
            let cap = config::value_on("ningbo-jiangbei.points.bonus.social-service.cap", on).unwrap_or(0);
            let points = (h as i32 / per).min(cap);
            l.lines.push(PointsLine {
                indicator: "bonus.social-service".into(),
                kind: b,
                points,
                zh: format!("社会服务{h}小时，每{per}小时1分，最多{cap}分（区配置参数，非本办法规定）"),
                en: format!("{h} hours of social service, 1 point per {per} hours, at most {cap} (district configuration, not a figure of the text)"),
                citation: POINTS_STRUCTURE.citation(),
                parameter: Some("ningbo-jiangbei.points.bonus.social-service.hours-per-point".into()),
            });
        }
        None => l.unknown(
            "points.social-service.unknown",
            "社会服务时数不明，未加分",
            "social service hours unknown: no bonus",
        ),
    }

    // 赋分: as each 赋分主体 scored it.
    for a in pts.assigned.iter().filter(|a| date_of(&a.on) <= on) {
        l.lines.push(PointsLine {
            indicator: format!("assigned.{}", a.indicator),
            kind: IndicatorKind::Assigned,
            points: a.points,
            zh: format!("{}赋分：{}", a.assigner, a.indicator),
            en: format!("scored by {}: {}", a.assigner, a.indicator),
            citation: POINTS_ASSIGNERS.citation(),
            parameter: None,
        });
    }

    // 扣分（冻结）: breaches of law and dishonesty.
    let d = IndicatorKind::Deduction;
    for v in pts.violations.iter().filter(|v| date_of(&v.on) <= on) {
        let k = violation_id(v.kind);
        l.configured(
            &format!("deduction.{k}"),
            d,
            &format!("ningbo-jiangbei.points.deduction.{k}"),
            1,
            format!("违法失信：{}", v.description),
            format!("breach of law or dishonesty: {}", v.description),
        );
        if config::value_on(&format!("ningbo-jiangbei.points.freeze.{k}"), on) == Some(1) {
            l.frozen = true;
        }
    }
    // A finding of false materials (a dated event) counts from its date:
    // one dated after the legal date is not counted.
    if let Some((found, _)) = juzhu_sdk::as_of::event(facts, HolderEventKind::FalseMaterials, on) {
        l.configured(
            "deduction.false-materials",
            d,
            "ningbo-jiangbei.points.deduction.false-materials",
            1,
            format!("{found}认定提供虚假材料"),
            format!("false materials, found on {found}"),
        );
        if config::value_on("ningbo-jiangbei.points.freeze.false-materials", on) == Some(1) {
            l.frozen = true;
        }
    }
    reasons.push(if l.frozen {
        POINTS_STRUCTURE.reason(
            "points.freeze.met",
            "存在违法失信情形，积分扣分并冻结（冻结情形为区配置参数 ningbo-jiangbei.points.freeze.*）",
            "breach of law or dishonesty: points deducted and the account frozen (freezing grounds are district configuration)",
        )
    } else {
        POINTS_STRUCTURE.reason(
            "points.freeze.not-met",
            "无冻结积分的情形",
            "no ground to freeze the account",
        )
    });
    reasons.extend(l.reasons);
    let total = l.lines.iter().map(|x| x.points).sum();
    Ok(PointsBreakdown {
        lines: l.lines,
        total,
        vetoed: false,
        frozen: l.frozen,
        scheme: Some(config::POINTS_SCHEME.into()),
        reasons,
    })
}
