//! Points (积分): indicators the notice names only as principles.
//!
//! 二(二) asks cities for a 量化指标体系 following 存量优先和进城时间长、就业能力强
//! 的人优先; 二(四) asks them to explore 积分量化指标管理. The notice fixes no
//! indicator value, so every value here is a district configuration parameter
//! (`config`), named in `PointsLine.parameter`, and every answer says so:
//! - `residence-years` (存量优先、进城时间长): whole years of the continuous
//!   registered residence in the province covering the legal date, times
//!   `zhejiang.points.residence-years.per-year`;
//! - `employment-ability.title` and `employment-ability.skill` (就业能力强): the
//!   configured value of the professional title and of the vocational skill
//!   grade. An unknown title or grade scores nothing and says it is unknown.

use juzhu_sdk::prelude::*;

use crate::area;
use crate::clauses::{CITY_RULES, POINTS_MANAGEMENT};
use crate::config::{self, PointsParameter};
use crate::residence_years;

fn line(indicator: &str, p: PointsParameter, units: i32, zh: String, en: String) -> PointsLine {
    PointsLine {
        indicator: indicator.to_string(),
        kind: IndicatorKind::Scoring,
        points: p.points * units,
        zh,
        en,
        citation: CITY_RULES.citation(),
        parameter: Some(p.id.to_string()),
    }
}

pub fn points(permit: Option<&Permit>, facts: &Application, on: Date) -> Result<PointsBreakdown, InputError> {
    if let Some(p) = permit {
        area::permit(p, on)?;
    }
    area::jurisdiction("facts.jurisdiction", &facts.jurisdiction)?;
    let mut lines = Vec::new();
    let mut reasons = vec![
        CITY_RULES.reason(
            "points.indicator-values.not-in-text",
            "本通知仅规定存量优先和进城时间长、就业能力强的人优先的原则，未规定指标分值；以下分值均为地方配置参数，并非本通知规定的数值",
            "the notice sets only the principles (existing population first; longer residence and stronger employment ability first) and no indicator values; every value below is district configuration, not a figure of the notice",
        ),
        POINTS_MANAGEMENT.reason(
            "points.scheme.not-in-text",
            "本通知要求探索流动人口积分量化指标管理，积分办法由各地制订",
            "the notice asks cities to explore points management; the scheme is theirs to make",
        ),
    ];

    // 存量优先、进城时间长.
    let per_year = config::points_in_force(config::RESIDENCE_PER_YEAR, on)?;
    let (start, years) = residence_years::counted(facts, on);
    match start {
        Some(start) => reasons.push(CITY_RULES.reason(
            "points.residence-run.met",
            &format!("自{start}起在省内连续居住登记，满{years}年"),
            &format!("registered residence in Zhejiang since {start}: {years} whole years"),
        )),
        None => reasons.push(CITY_RULES.reason(
            "points.residence-run.not-met",
            "决定日没有有效的省内居住登记，居住年限为0",
            "no registration in Zhejiang covers the legal date; residence years are 0",
        )),
    }
    lines.push(line(
        "residence-years",
        per_year,
        years as i32,
        format!("存量优先、进城时间长：居住{years}年，每年{}分（配置参数）", per_year.points),
        format!(
            "existing population and length of residence: {years} years at {} per year (configuration)",
            per_year.points
        ),
    ));

    // 就业能力强: professional title.
    match facts.points.title {
        Some(title) => {
            let (_, p) = config::TITLE.iter().find(|(t, _)| *t == title).copied().expect("every title is configured");
            let p = config::points_in_force(p, on)?;
            lines.push(line(
                "employment-ability.title",
                p,
                1,
                format!("就业能力强：职称（配置参数 {}）", p.id),
                format!("employment ability: professional title (configuration {})", p.id),
            ));
        }
        None => reasons.push(CITY_RULES.reason(
            "points.title.unknown",
            "职称情况不明，不计分",
            "professional title not known; not scored",
        )),
    }
    // 就业能力强: vocational skill grade.
    match facts.points.skill {
        Some(skill) => {
            let (_, p) = config::SKILL.iter().find(|(s, _)| *s == skill).copied().expect("every grade is configured");
            let p = config::points_in_force(p, on)?;
            lines.push(line(
                "employment-ability.skill",
                p,
                1,
                format!("就业能力强：职业技能等级（配置参数 {}）", p.id),
                format!("employment ability: vocational skill grade (configuration {})", p.id),
            ));
        }
        None => reasons.push(CITY_RULES.reason(
            "points.skill.unknown",
            "职业技能等级情况不明，不计分",
            "vocational skill grade not known; not scored",
        )),
    }

    let total = lines.iter().map(|l| l.points).sum();
    Ok(PointsBreakdown {
        lines,
        total,
        vetoed: false,
        frozen: false,
        scheme: Some(config::POINTS_SCHEME.to_string()),
        reasons,
    })
}
