//! 二(一)2(1): stable employment — a year of continuous insurance and a year of one kind of work.

use juzhu_sdk::evidence::Evidence;
use juzhu_sdk::framework::date_of;
use juzhu_sdk::prelude::*;

use super::insurance_streak;
use crate::clauses::*;
use crate::config::in_urban_area;

/// How an employment kind reads in 二(一)2(1), and the proof it calls for
/// ("根据不同就业途径，提供相应证明"). Kinds the clause does not name (private
/// non-enterprise units, licensed practices, fisheries) fall under its last
/// branch, "以其他形式在市区从事自主创业就业".
pub(super) fn employment_kind(kind: EmploymentKind) -> (&'static str, &'static str, MaterialKind) {
    use EmploymentKind::*;
    match kind {
        LabourContract => (
            "与用人单位签订劳动合同并在市区连续工作",
            "a labour contract and continuous work",
            MaterialKind::LabourContract,
        ),
        Enterprise => ("在市区投资兴办企业并连续经营", "an enterprise run continuously", MaterialKind::BusinessLicence),
        IndividualBusiness => (
            "在市区注册登记为个体工商户并连续经营",
            "an individual business run continuously",
            MaterialKind::IndividualBusinessLicence,
        ),
        AgriculturalLease => (
            "在市区签订农业承包合同（土地承租协议）并实际承租",
            "an agricultural lease actually held",
            MaterialKind::AgriculturalContract,
        ),
        PrivateNonEnterprise | LicensedPractice => {
            ("以其他形式在市区从事自主创业就业", "other self-employment", MaterialKind::BusinessLicence)
        }
        FisheryLicence => ("以其他形式在市区从事自主创业就业", "other self-employment", MaterialKind::FisheryLicence),
        FisheryContract => ("以其他形式在市区从事自主创业就业", "other self-employment", MaterialKind::FisheryContract),
        OtherSelfEmployment => {
            ("以其他形式在市区从事自主创业就业", "other self-employment", MaterialKind::SelfEmploymentProof)
        }
    }
}

/// Work begun by `on` and not ended before the month of `on` (二(一)2(1): "申请当月处于就业").
fn in_application_month(e: &Employment, on: Date) -> bool {
    date_of(&e.started_on) <= on
        && e.ended_on.as_deref().is_none_or(|end| YearMonth::of(date_of(end)) >= YearMonth::of(on))
}

/// The day after the last day worked, up to `on`: a job ended on its last day
/// (2016-06-11..2017-06-10) has run a full year.
fn worked_until(e: &Employment, on: Date) -> Date {
    match e.ended_on.as_deref() {
        Some(end) if date_of(end) < on => date::add_days(date_of(end), 1),
        _ => on,
    }
}

/// 二(一)2(1): insurance and one kind of work, each a year, both current.
pub(super) fn employment_route(app: &Application, on: Date, ev: Option<&Evidence>) -> RouteBuilder {
    let mut b = RouteBuilder::new(RouteKind::Employment, None);
    let streak = insurance_streak(&app.insurance, on);
    let month = YearMonth::of(on);
    b.condition(
        streak > 0,
        if streak > 0 {
            EMPLOYMENT.reason(
                "employment.insured-in-application-month.met",
                &format!("申请当月（{month}）在杭州市区缴纳社会保险"),
                &format!("insured in the Hangzhou urban districts in the month of application ({month})"),
            )
        } else {
            EMPLOYMENT.reason(
                "employment.insured-in-application-month.not-met",
                &format!("申请当月（{month}）未在杭州市区缴纳社会保险（补缴不计）"),
                &format!("not insured in the Hangzhou urban districts in the month of application ({month}); back-paid months do not count"),
            )
        },
    );
    b.condition(
        streak >= 12,
        if streak >= 12 {
            EMPLOYMENT.reason(
                "employment.insurance-12-months.met",
                &format!("截至{month}在杭州市区连续缴纳社会保险{streak}个月，满1年（不含补缴）"),
                &format!("{streak} consecutive months of insurance in the urban districts up to {month}: one year or more, back-payment excluded"),
            )
        } else {
            EMPLOYMENT.reason(
                "employment.insurance-12-months.not-met",
                &format!("截至{month}在杭州市区连续缴纳社会保险{streak}个月，不满1年（补缴月份不计且中断连续）"),
                &format!("only {streak} consecutive months of insurance in the urban districts up to {month}; one year is required and back-paid months break continuity"),
            )
        },
    );

    let in_area: Vec<&Employment> = app.employment.iter().filter(|e| in_urban_area(&e.division)).collect();
    b.condition(
        !in_area.is_empty(),
        if in_area.is_empty() {
            EMPLOYMENT.reason(
                "employment.activity-in-urban-area.not-met",
                "无在杭州市区的就业（劳动合同、企业、个体工商户、农业承包或其他自主创业就业）",
                "no work in the Hangzhou urban districts (contract, enterprise, individual business, agricultural lease or other self-employment)",
            )
        } else {
            EMPLOYMENT.reason(
                "employment.activity-in-urban-area.met",
                "在杭州市区就业",
                "works in the Hangzhou urban districts",
            )
        },
    );
    let mut chosen: Option<&Employment> = None;
    if !in_area.is_empty() {
        // "申请人须提供申请当月处于就业…的凭证": work in the month of application,
        // begun by the legal date; a job that ended earlier in that month counts.
        let current: Vec<&Employment> = in_area.iter().copied().filter(|e| in_application_month(e, on)).collect();
        b.condition(
            !current.is_empty(),
            if current.is_empty() {
                EMPLOYMENT.reason(
                    "employment.employed-in-application-month.not-met",
                    &format!("申请当月（{month}）未在杭州市区就业，须提供申请当月处于就业的凭证"),
                    &format!("not working in the urban districts in the month of application ({month}); employment in that month is required"),
                )
            } else {
                EMPLOYMENT.reason(
                    "employment.employed-in-application-month.met",
                    &format!("申请当月（{month}）在杭州市区就业"),
                    &format!("working in the urban districts in the month of application ({month})"),
                )
            },
        );
        if !current.is_empty() {
            let qualifying: Vec<&Employment> = current
                .iter()
                .copied()
                .filter(|e| date::months_completed(date_of(&e.started_on), worked_until(e, on), 12))
                .collect();
            // Prefer a qualifying activity whose proof is already at hand.
            chosen = qualifying
                .iter()
                .copied()
                .find(|e| ev.is_some_and(|ev| ev.has(employment_kind(e.kind).2)))
                .or_else(|| qualifying.first().copied());
            match chosen {
                Some(e) => {
                    let (zh, en, _) = employment_kind(e.kind);
                    b.condition(
                        true,
                        EMPLOYMENT.reason(
                            "employment.activity-12-months.met",
                            &format!("自{}起{zh}，已满1年", e.started_on),
                            &format!("{en} since {}: one year or more", e.started_on),
                        ),
                    );
                }
                None => {
                    let e = current.iter().min_by_key(|e| date_of(&e.started_on)).expect("not empty");
                    let (zh, en, _) = employment_kind(e.kind);
                    let full = date::add_months(date_of(&e.started_on), 12);
                    b.condition(
                        false,
                        EMPLOYMENT.reason(
                            "employment.activity-12-months.not-met",
                            &format!("自{}起{zh}，至{on}不满1年（满1年之日为{full}）", e.started_on),
                            &format!(
                                "{en} since {}: less than one year on {on} (one year is complete on {full})",
                                e.started_on
                            ),
                        ),
                    );
                }
            }
        }
    }
    if let (Some(ev), true) = (ev, b.holds()) {
        let mut needs = vec![(MaterialKind::InsuranceCertificate, EMPLOYMENT)];
        if let Some(e) = chosen {
            needs.push((employment_kind(e.kind).2, EMPLOYMENT));
        }
        b.needs(ev.missing(Some(RouteKind::Employment), &needs));
    }
    b
}
