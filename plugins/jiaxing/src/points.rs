//! 三(三)2: points management for holders of the full permit.
//!
//! The text names the indicators — 基本状况 (年龄、文化程度), 个人素质 (职称和技术等级、
//! 专利创新), 居住年限, 就业登记, 社会保险缴费年限, 遵纪守法 (计划生育、婚育证明),
//! 投资纳税, 社会服务, 表彰奖励, 出租房屋出租登记凭证, 税收征收凭证 — and lets
//! localities and departments add bonus (加分), deduction (减分) and veto
//! (一票否决) indicators. It gives no value for any of them: every value here
//! is district configuration from [`crate::config`], named on each line
//! (`parameter`), and the breakdown's reasons say so.
//!
//! Only full-permit holders take part ("对《浙江省居住证》持有人进行积分管理"): the
//! permit's tier decides, or without a permit the tier held.
//!
//! Interpretations:
//! - Scores assigned by a department or employer (`points.assigned`) are that
//!   department's bonus or deduction indicators: a positive score is a bonus
//!   line, a negative one a deduction line; the value is the assigner's, not
//!   configuration.
//! - Violations are deductions, and a criminal conviction or false materials
//!   a veto, as configured; the text names only the indicator kinds.
//! - 居住年限: with a permit, the years the endorsement cycle counts (三(二)1:
//!   a late endorsement restarts them); without one, whole years of the current
//!   run of registered residence in the city.
//! - 社会保险缴费年限: whole years of months with insurance in the city.

use juzhu_sdk::framework;
use juzhu_sdk::prelude::*;

use crate::clauses::*;
use crate::config;
use crate::eligibility::INSURANCE_RULE;
use crate::endorsement;
use crate::in_area;

struct Sheet {
    on: Date,
    lines: Vec<PointsLine>,
    reasons: Vec<Reason>,
}

impl Sheet {
    /// The configured value of `id` (district configuration).
    fn value(&self, id: &str) -> i64 {
        config::get(id, self.on).map(|p| p.value).unwrap_or(0)
    }

    fn line(&mut self, indicator: &str, kind: IndicatorKind, points: i64, param: Option<&str>, zh: &str, en: &str) {
        let points = points.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
        let (zh, en) = match param {
            Some(id) => (
                format!("{zh}（分值为区县配置参数{id}，非本意见规定）"),
                format!("{en} (value: district configuration {id}, not a figure of the text)"),
            ),
            None => (zh.to_string(), en.to_string()),
        };
        self.lines.push(PointsLine {
            indicator: indicator.into(),
            kind,
            points,
            zh,
            en,
            citation: POINTS.citation(),
            parameter: param.map(str::to_string),
        });
    }

    /// A scoring line whose value is a configured amount per unit, up to a cap.
    fn per_unit(&mut self, indicator: &str, units: i64, per: &str, cap: &str, zh: &str, en: &str) {
        let points = (units * self.value(per)).min(self.value(cap));
        self.line(indicator, IndicatorKind::Scoring, points, Some(per), zh, en);
    }

    /// A scoring line for a yes/no fact; `None` is unknown and gives a reason.
    fn flag(&mut self, indicator: &str, fact: Option<bool>, id: &str, zh: &str, en: &str) {
        match fact {
            Some(yes) => {
                let points = if yes { self.value(id) } else { 0 };
                self.line(indicator, IndicatorKind::Scoring, points, Some(id), zh, en);
            }
            None => self.unknown(indicator, zh, en),
        }
    }

    fn unknown(&mut self, indicator: &str, zh: &str, en: &str) {
        self.reasons.push(POINTS.reason(
            &format!("points.{indicator}.unknown"),
            &format!("{zh}：情况不明，暂不计分"),
            &format!("{en}: not known, no points yet"),
        ));
    }
}

fn education_code(level: EducationLevel) -> &'static str {
    use EducationLevel::*;
    match level {
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

fn title_code(level: TitleLevel) -> &'static str {
    match level {
        TitleLevel::Junior => "junior",
        TitleLevel::Intermediate => "intermediate",
        TitleLevel::DeputySenior => "deputy-senior",
        TitleLevel::Senior => "senior",
    }
}

fn skill_code(grade: SkillGrade) -> &'static str {
    match grade {
        SkillGrade::Grade5 => "grade5",
        SkillGrade::Grade4 => "grade4",
        SkillGrade::Grade3 => "grade3",
        SkillGrade::Grade2 => "grade2",
        SkillGrade::Grade1 => "grade1",
    }
}

fn award_code(level: AwardLevel) -> &'static str {
    match level {
        AwardLevel::National => "national",
        AwardLevel::Provincial => "provincial",
        AwardLevel::Municipal => "municipal",
        AwardLevel::District => "district",
    }
}

fn violation_code(kind: ViolationKind) -> &'static str {
    match kind {
        ViolationKind::AdministrativePenalty => "administrative-penalty",
        ViolationKind::Detention => "detention",
        ViolationKind::CriminalConviction => "criminal-conviction",
        ViolationKind::DishonestyRecord => "dishonesty-record",
    }
}

/// The birth date on record, or the one the citizen ID number carries.
fn birth_date(app: &Application) -> Option<Date> {
    if let Some(b) = &app.identity.birth_date {
        return Some(framework::date_of(b));
    }
    let id = &app.identity.citizen_id;
    let b = id.get(6..14)?;
    date::parse_date("", &format!("{}-{}-{}", &b[..4], &b[4..6], &b[6..])).ok()
}

pub fn points(permit: Option<&Permit>, app: &Application, on: Date) -> PointsBreakdown {
    let tier = permit.map(|p| p.tier).or(app.tier_held);
    let mut sheet = Sheet { on, lines: Vec::new(), reasons: Vec::new() };
    let empty =
        |reasons| PointsBreakdown { lines: vec![], total: 0, vetoed: false, frozen: false, scheme: None, reasons };
    if tier != Some(PermitTier::Standard) {
        return empty(vec![POINTS.reason(
            "points.full-permit-holder.not-met",
            "积分管理只适用于《浙江省居住证》持有人",
            "points apply only to holders of the full Zhejiang residence permit",
        )]);
    }
    if on < config::scheme_start() {
        return empty(vec![POINTS.reason(
            "points.scheme-in-force.not-met",
            "法定日期早于配置的积分方案生效之日",
            "the legal date is before the configured points scheme applies",
        )]);
    }
    sheet.reasons.push(POINTS.reason(
        "points.full-permit-holder.met",
        "《浙江省居住证》持有人实行积分管理",
        "a full-permit holder takes part in points management",
    ));
    sheet.reasons.push(POINTS.reason(
        "points.values.not-in-text",
        "本意见只规定积分指标，未规定分值；各项分值均为区县配置参数，不是本意见规定的数值",
        "the text names the indicators but gives no values; every value is district configuration, not a figure of the text",
    ));

    // 基本状况: 年龄.
    if let Some(birth) = birth_date(app) {
        let age = date::age_on(birth, on);
        let id = config::AGE_BANDS
            .iter()
            .find(|(lo, hi, _)| (*lo..=*hi).contains(&age))
            .map(|(_, _, id)| *id)
            .unwrap_or(config::AGE_OTHER);
        let v = sheet.value(id);
        sheet.line(
            "basic.age",
            IndicatorKind::Scoring,
            v,
            Some(id),
            &format!("基本状况：年龄{age}岁"),
            &format!("basic status: age {age}"),
        );
    } else {
        sheet.unknown("basic.age", "基本状况：年龄", "basic status: age");
    }
    // 基本状况: 文化程度.
    match app.points.education {
        Some(level) => {
            let id = format!("jiaxing.points.education.{}", education_code(level));
            let v = sheet.value(&id);
            sheet.line(
                "basic.education",
                IndicatorKind::Scoring,
                v,
                Some(&id),
                "基本状况：文化程度",
                "basic status: education",
            );
        }
        None => sheet.unknown("basic.education", "基本状况：文化程度", "basic status: education"),
    }
    // 个人素质: 职称和技术等级、专利创新.
    if let Some(title) = app.points.title {
        let id = format!("jiaxing.points.title.{}", title_code(title));
        let v = sheet.value(&id);
        sheet.line(
            "quality.title",
            IndicatorKind::Scoring,
            v,
            Some(&id),
            "个人素质：职称",
            "personal quality: professional title",
        );
    }
    if let Some(skill) = app.points.skill {
        let id = format!("jiaxing.points.skill.{}", skill_code(skill));
        let v = sheet.value(&id);
        sheet.line(
            "quality.skill",
            IndicatorKind::Scoring,
            v,
            Some(&id),
            "个人素质：技术等级",
            "personal quality: skill grade",
        );
    }
    match app.points.patents {
        Some(n) => sheet.per_unit(
            "quality.patents",
            i64::from(n),
            "jiaxing.points.patents.per-patent",
            "jiaxing.points.patents.cap",
            &format!("个人素质：专利创新{n}项"),
            &format!("personal quality: {n} patents"),
        ),
        None => sheet.unknown("quality.patents", "个人素质：专利创新", "personal quality: patents"),
    }
    // 居住年限.
    let years = match permit {
        Some(p) => endorsement::cycle(p, on).residence_years,
        None => framework::residence_run_start(app, on, in_area, ReportDeadline::NotSet)
            .map_or(0, |s| date::whole_years_between(s, on)),
    };
    sheet.per_unit(
        "residence-years",
        i64::from(years),
        "jiaxing.points.residence-years.per-year",
        "jiaxing.points.residence-years.cap",
        &format!("居住年限{years}年"),
        &format!("{years} years of residence"),
    );
    // 就业登记.
    let jobs: Vec<&Employment> = app
        .employment
        .iter()
        .filter(|e| in_area(&e.division) && framework::runs_on(&e.started_on, &e.ended_on, on))
        .collect();
    let registered = if jobs.iter().any(|e| e.registered == Some(true)) {
        Some(true)
    } else if jobs.iter().any(|e| e.registered.is_none()) {
        None
    } else {
        Some(false)
    };
    sheet.flag(
        "employment-registration",
        registered,
        "jiaxing.points.employment-registration",
        "就业登记",
        "employment registration",
    );
    // 社会保险缴费年限.
    let last = YearMonth::of(on);
    let months =
        app.insurance.iter().map(|p| framework::month_of(&p.from)).min().filter(|first| *first <= last).map_or(
            0,
            |first| {
                let window = (first.months_until(last) + 1) as u32;
                framework::insurance_months_within(&app.insurance, last, window, INSURANCE_RULE, in_area)
            },
        );
    let insurance_years = months / 12;
    sheet.per_unit(
        "insurance-years",
        i64::from(insurance_years),
        "jiaxing.points.insurance-years.per-year",
        "jiaxing.points.insurance-years.cap",
        &format!("社会保险缴费年限{insurance_years}年（{months}个月）"),
        &format!("{insurance_years} years of insurance ({months} months)"),
    );
    // 遵纪守法: 计划生育、婚育证明.
    sheet.flag(
        "law-abiding.family-planning",
        app.points.family_planning_compliant,
        "jiaxing.points.family-planning.compliant",
        "遵纪守法：计划生育、婚育证明",
        "law-abiding: family planning and marriage-and-childbirth certificate",
    );
    // 投资纳税.
    for (indicator, fact, per, cap, zh, en) in [
        (
            "investment-tax.tax",
            app.points.annual_tax_yuan,
            "jiaxing.points.tax.yuan-per-point",
            "jiaxing.points.tax.cap",
            "投资纳税：年纳税额",
            "investment and tax: annual tax",
        ),
        (
            "investment-tax.investment",
            app.points.investment_yuan,
            "jiaxing.points.investment.yuan-per-point",
            "jiaxing.points.investment.cap",
            "投资纳税：投资额",
            "investment and tax: investment",
        ),
    ] {
        match fact {
            Some(yuan) => {
                let step = sheet.value(per).max(1);
                let units = i64::try_from(yuan).unwrap_or(i64::MAX) / step;
                let points = units.min(sheet.value(cap));
                sheet.line(
                    indicator,
                    IndicatorKind::Scoring,
                    points,
                    Some(per),
                    &format!("{zh}{yuan}元"),
                    &format!("{en}: {yuan} yuan"),
                );
            }
            None => sheet.unknown(indicator, zh, en),
        }
    }
    // 社会服务.
    match app.points.social_service_hours {
        Some(hours) => {
            let per = "jiaxing.points.social-service.hours-per-point";
            let step = sheet.value(per).max(1);
            let points = (i64::from(hours) / step).min(sheet.value("jiaxing.points.social-service.cap"));
            sheet.line(
                "social-service",
                IndicatorKind::Scoring,
                points,
                Some(per),
                &format!("社会服务{hours}小时"),
                &format!("{hours} hours of social service"),
            );
        }
        None => sheet.unknown("social-service", "社会服务", "social service"),
    }
    // 表彰奖励.
    for award in app.points.awards.iter().filter(|a| framework::date_of(&a.awarded_on) <= on) {
        let id = format!("jiaxing.points.award.{}", award_code(award.level));
        let v = sheet.value(&id);
        sheet.line(
            "awards",
            IndicatorKind::Scoring,
            v,
            Some(&id),
            &format!("表彰奖励：{}", award.name),
            &format!("award: {}", award.name),
        );
    }
    // 出租房屋出租登记凭证、税收征收凭证.
    sheet.flag(
        "rental-registration-receipt",
        app.points.rental_registration_receipt,
        "jiaxing.points.rental-registration-receipt",
        "居住的出租房屋出租登记凭证",
        "rental registration receipt of the rented home",
    );
    sheet.flag(
        "tax-receipts",
        app.points.tax_receipts,
        "jiaxing.points.tax-receipts",
        "税收征收凭证",
        "tax collection receipts",
    );
    // 加分、减分指标 set by departments (assigned scores).
    for s in app.points.assigned.iter().filter(|s| framework::date_of(&s.on) <= on) {
        let (kind, prefix) =
            if s.points >= 0 { (IndicatorKind::Bonus, "bonus") } else { (IndicatorKind::Deduction, "deduction") };
        sheet.line(
            &format!("{prefix}.{}", s.indicator),
            kind,
            i64::from(s.points),
            None,
            &format!("{}设置的{}指标：{}", s.assigner, if s.points >= 0 { "加分" } else { "减分" }, s.indicator),
            &format!("{} indicator set by {}: {}", prefix, s.assigner, s.indicator),
        );
    }
    // 减分、一票否决指标 (configured).
    let mut vetoed = false;
    for v in app.points.violations.iter().filter(|v| framework::date_of(&v.on) <= on) {
        let name = violation_code(v.kind);
        let veto_id = format!("jiaxing.points.veto.{name}");
        if config::get(&veto_id, on).is_some_and(|p| p.value == 1) {
            vetoed = true;
            sheet.line(
                &format!("veto.{name}"),
                IndicatorKind::Veto,
                0,
                Some(&veto_id),
                &format!("一票否决：{}", v.description),
                &format!("veto: {}", v.description),
            );
        } else {
            let id = format!("jiaxing.points.deduction.{name}");
            let value = sheet.value(&id);
            sheet.line(
                &format!("deduction.{name}"),
                IndicatorKind::Deduction,
                value,
                Some(&id),
                &format!("减分：{}", v.description),
                &format!("deduction: {}", v.description),
            );
        }
    }
    // Only a finding dated on or before the legal date counts.
    if juzhu_sdk::as_of::event(app, HolderEventKind::FalseMaterials, on).is_some() {
        let id = "jiaxing.points.veto.false-materials";
        if sheet.value(id) == 1 {
            vetoed = true;
            sheet.line(
                "veto.false-materials",
                IndicatorKind::Veto,
                0,
                Some(id),
                "一票否决：提供虚假材料",
                "veto: false materials",
            );
        }
    }
    if vetoed {
        sheet.reasons.push(POINTS.reason(
            "points.veto.met",
            "适用一票否决指标（区县配置），不参加积分排序",
            "a veto indicator (district configuration) applies: no part in ranking",
        ));
    }
    let total = sheet.lines.iter().map(|l| i64::from(l.points)).sum::<i64>();
    PointsBreakdown {
        total: total.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
        lines: sheet.lines,
        vetoed,
        frozen: false,
        scheme: Some(config::SCHEME.to_string()),
        reasons: sheet.reasons,
    }
}
