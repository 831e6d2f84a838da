//! 二(二)4: the quantified indicators (量化的主要指标).
//!
//! The text names six indicators — 居住年限、就业年限、社会保险缴纳年限、履行社会义务、
//! 遵纪守法、个人信用 — and leaves their values to be published. Every value here
//! is the district configuration [`config::POINTS_2017`], never a figure of the
//! text; each line names its parameter.
//!
//! How the facts are read:
//! - residence years: with a permit, the years the endorsement rules count
//!   (二(一)4, restarting at a late endorsement); without one, whole years of the
//!   current run of registered residence in 杭州市区;
//! - employment years: whole months of work in 杭州市区 up to the legal date,
//!   overlapping activities merged, divided into whole years;
//! - insurance years: distinct months insured in 杭州市区 up to the legal month,
//!   back-paid months excluded as in 二(一)2(1), divided into whole years;
//! - social obligations: full 10-hour blocks of social service;
//! - law-abiding: one deduction per administrative penalty, detention or conviction;
//! - credit: one deduction per dishonesty record, and for a finding of false
//!   materials (a dated event) on or before the legal date.

use juzhu_sdk::framework::{date_of, month_of};
use juzhu_sdk::prelude::*;

use crate::clauses::*;
use crate::config::{self, Param, in_urban_area};
use crate::endorsement;

fn line(indicator: &str, kind: IndicatorKind, param: Param<i32>, count: i32, zh: String, en: String) -> PointsLine {
    PointsLine {
        indicator: indicator.into(),
        kind,
        points: param.value * count,
        zh: format!("{zh}（分值为区配置参数{}，非本通知规定的数值）", param.id),
        en: format!("{en} (value from district configuration {}, not a figure of the text)", param.id),
        citation: POINTS.citation(),
        parameter: Some(param.id.into()),
    }
}

/// Whole years of work in 杭州市区 up to `on`, overlapping activities merged.
fn employment_years(app: &Application, on: Date) -> u32 {
    let mut spans: Vec<(Date, Date)> = app
        .employment
        .iter()
        .filter(|e| in_urban_area(&e.division))
        .map(|e| (date_of(&e.started_on), e.ended_on.as_deref().map(date_of).map_or(on, |end| end.min(on))))
        .filter(|(s, e)| s <= e)
        .collect();
    spans.sort();
    let mut merged: Vec<(Date, Date)> = Vec::new();
    for (s, e) in spans {
        match merged.last_mut() {
            Some((_, last)) if s <= date::add_days(*last, 1) => *last = (*last).max(e),
            _ => merged.push((s, e)),
        }
    }
    let months: u32 = merged.iter().map(|(s, e)| date::whole_months_between(*s, date::add_days(*e, 1))).sum();
    months / 12
}

/// Distinct months insured in 杭州市区 up to the month of `on`, without back-payment.
fn insurance_months(app: &Application, on: Date) -> u32 {
    let last = YearMonth::of(on);
    let mut months: Vec<YearMonth> = Vec::new();
    for p in app.insurance.iter().filter(|p| in_urban_area(&p.division) && !p.back_paid) {
        let mut m = month_of(&p.from);
        let to = month_of(&p.to).min(last);
        while m <= to {
            months.push(m);
            m = m.plus(1);
        }
    }
    months.sort();
    months.dedup();
    // A month paid normally in one period but back-paid in another is not counted.
    let back_paid = |m: YearMonth| {
        app.insurance
            .iter()
            .any(|p| p.back_paid && in_urban_area(&p.division) && month_of(&p.from) <= m && m <= month_of(&p.to))
    };
    months.into_iter().filter(|m| !back_paid(*m)).count() as u32
}

pub fn points(permit: Option<&Permit>, app: &Application, on: Date) -> PointsBreakdown {
    let Some(s) = config::points_scheme(on) else {
        return PointsBreakdown {
            lines: Vec::new(),
            total: 0,
            vetoed: false,
            frozen: false,
            scheme: None,
            reasons: vec![POINTS.reason(
                "points.scheme-in-force.not-met",
                &format!("{on}尚无生效的区量化指标分值配置"),
                &format!("no district points configuration is in force on {on}"),
            )],
        };
    };
    let mut lines = Vec::new();
    let mut reasons = vec![POINTS.reason(
        "points.values.not-in-text",
        &format!("二(二)4规定量化的主要指标应包括居住年限、就业年限、社会保险缴纳年限和履行社会义务、遵纪守法、个人信用等事项，未规定分值；分值取自区配置方案{}（自{}起施行）", s.id, s.from()),
        &format!("二(二)4 names the indicators but no values; the values come from the district configuration {} (from {})", s.id, s.from()),
    )];

    let (years, from) = match permit {
        Some(p) => {
            let c = endorsement::cycle(p, on);
            (c.residence_years(on), Some(c.counted_from))
        }
        None => {
            let start = framework::residence_run_start(
                app,
                on,
                in_urban_area,
                ReportDeadline::Days(crate::eligibility::CHANGE_DEADLINE_DAYS),
            );
            (start.map_or(0, |st| date::whole_years_between(st, on)), start)
        }
    };
    let from_text = from.map_or_else(|| "无".to_string(), |d| d.to_string());
    lines.push(line(
        "residence-years",
        IndicatorKind::Scoring,
        s.residence_year,
        years as i32,
        format!("居住年限{years}年（自{from_text}起计）"),
        format!("{years} residence years (counted from {from_text})"),
    ));

    let ey = employment_years(app, on);
    lines.push(line(
        "employment-years",
        IndicatorKind::Scoring,
        s.employment_year,
        ey as i32,
        format!("在杭州市区就业年限{ey}年"),
        format!("{ey} years of work in the urban districts"),
    ));

    let im = insurance_months(app, on);
    let iy = im / 12;
    lines.push(line(
        "insurance-years",
        IndicatorKind::Scoring,
        s.insurance_year,
        iy as i32,
        format!("在杭州市区缴纳社会保险{im}个月，计{iy}年（补缴不计）"),
        format!("{im} months of insurance in the urban districts: {iy} years (back-payment excluded)"),
    ));

    match app.points.social_service_hours {
        Some(h) => {
            let blocks = (h / 10) as i32;
            lines.push(line(
                "social-obligations",
                IndicatorKind::Bonus,
                s.social_service_10_hours,
                blocks,
                format!("履行社会义务（社会服务）{h}小时，计{blocks}个10小时"),
                format!("{h} hours of social service: {blocks} blocks of 10 hours"),
            ));
        }
        None => {
            lines.push(line(
                "social-obligations",
                IndicatorKind::Bonus,
                s.social_service_10_hours,
                0,
                "履行社会义务情况不明，暂不计分".into(),
                "social service not known: no points yet".into(),
            ));
            reasons.push(POINTS.reason(
                "points.social-obligations.unknown",
                "未提供履行社会义务（社会服务时长）情况",
                "social service hours are not given",
            ));
        }
    }

    let mut law = 0;
    for v in &app.points.violations {
        if let Some(param) = s.law_deduction(v.kind) {
            law += 1;
            lines.push(line(
                "law-abiding",
                IndicatorKind::Deduction,
                param,
                1,
                format!("{}：{}", v.on, v.description),
                format!("{}: {}", v.on, v.description),
            ));
        }
    }
    if law == 0 {
        lines.push(line(
            "law-abiding",
            IndicatorKind::Deduction,
            s.administrative_penalty,
            0,
            "无违法记录".into(),
            "no violation of the law on record".into(),
        ));
    }

    let mut credit = 0;
    for v in app.points.violations.iter().filter(|v| v.kind == ViolationKind::DishonestyRecord) {
        credit += 1;
        lines.push(line(
            "credit",
            IndicatorKind::Deduction,
            s.dishonesty_record,
            1,
            format!("失信记录 {}：{}", v.on, v.description),
            format!("dishonesty record {}: {}", v.on, v.description),
        ));
    }
    // A finding of false materials (a dated event) on or before the legal
    // date; one dated later is not counted.
    if let Some((found, _)) = juzhu_sdk::as_of::event(app, HolderEventKind::FalseMaterials, on) {
        credit += 1;
        lines.push(line(
            "credit",
            IndicatorKind::Deduction,
            s.false_materials,
            1,
            format!("{found}认定提供虚假材料"),
            format!("false materials provided, found on {found}"),
        ));
    }
    if credit == 0 {
        lines.push(line(
            "credit",
            IndicatorKind::Deduction,
            s.dishonesty_record,
            0,
            "无失信记录".into(),
            "no dishonesty on record".into(),
        ));
    }

    let total = lines.iter().map(|l| l.points).sum();
    PointsBreakdown {
        lines,
        total,
        vetoed: false,
        frozen: false,
        scheme: Some(format!(
            "{} (district configuration, effective {}; values are not figures of the text)",
            s.id,
            s.from()
        )),
        reasons,
    }
}
