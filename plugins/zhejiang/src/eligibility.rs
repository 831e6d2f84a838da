//! Who may have a permit: the national floor, with 二(一)'s categories.
//!
//! The notice sets no conditions of its own: 二(二) tells each city to make
//! 具体可操作的居住证申领条件. So the module applies only the floor of Decree 663
//! 第二条 (six months of registered residence in one city of the province,
//! counted per city as "到其他城市居住半年以上" says, plus one of
//! stable employment, stable residence, continuous schooling) and recognises
//! the kinds of each by the categories 二(一) tells cities to survey:
//! - employment: 签订劳动合同 (a running labour contract), 参加社会保险 (insurance
//!   covering the month of the legal date; any scope, back-paid or not, since the
//!   notice sets no continuity), 持有工商执照 (an enterprise or individual
//!   business, the holders of a 工商 licence);
//! - residence: 自购房屋 (`owned`), 单位集体宿舍 (`collective-dormitory`),
//!   出租房屋 (`rented`), held on the legal date;
//! - schooling: full-time enrolment at a 小学、中学、中高等职业学校或普通高等学校
//!   (every school kind of the contract) running on the legal date.
//!
//! No duration beyond the decree's six months applies: the notice names none.
//! Kinds the notice does not name (e.g. a relative's house, a farm lease) do
//! not count here; the city's own rules may admit them. The notice asks for no
//! materials, so Decree 663 第九条's apply: the identity card and a photo for
//! every application, and for a route met on the facts, the proof of what met
//! it (a labour contract, a business licence, an insurance certificate; a
//! property certificate, a dormitory certificate, a lease; an enrolment
//! certificate). Every decision carries `eligibility.city-rules.not-in-text`
//! to say the city's rules govern.

use juzhu_sdk::prelude::*;

use crate::area::{self, in_area};
use crate::clauses::{CITY_RULES, MATERIALS, NATIONAL_FLOOR, SURVEY};

/// Records one of several alternatives, any of which suffices: it keeps the
/// effect its code states (an alternative not met does not close the route).
fn note(route: &mut RouteBuilder, reason: Reason) {
    route.note(reason);
}

/// Decree 663 第九条 asks for proof of what a route rests on. Any one of
/// `proofs` (each showing a fact that met the route) suffices; with none
/// submitted or on file, the first is asked for.
fn one_proof(route: &mut RouteBuilder, app: &Application, kind: RouteKind, proofs: &[MaterialKind]) {
    let ev = Evidence::of(app);
    if let Some(first) = proofs.first()
        && !proofs.iter().any(|p| ev.has(*p))
    {
        route.needs(ev.missing(Some(kind), &[(*first, MATERIALS)]));
    }
}

/// Met, not met, or not known, for a condition with alternatives.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Found {
    No,
    Unknown,
    Yes,
}

fn result(found: Found) -> &'static str {
    match found {
        Found::Yes => "met",
        Found::Unknown => "unknown",
        Found::No => "not-met",
    }
}

pub fn evaluate(app: &Application, on: Date) -> Result<Decision, InputError> {
    area::jurisdiction("application.jurisdiction", &app.jurisdiction)?;
    if app.tier_requested == Some(PermitTier::Temporary) {
        return Err(InputError {
            field: "application.tier_requested".into(),
            message: "the notice knows one permit, the 居住证 (standard); request `Standard` or leave it empty".into(),
        });
    }
    let mut shared = Shared::new();
    shared.reasons.push(CITY_RULES.reason(
        "eligibility.city-rules.not-in-text",
        "本通知未规定具体申领条件（包括就业、住所、就读的最短期限），由各地根据本通知第二部分第（二）项制订配套政策（各地应于2016年12月31日前制定具体实施办法）；本决定仅适用国务院令第663号的全国底线",
        "The notice sets no concrete conditions (nor any minimum duration of employment, residence or schooling); each city makes them under 二(二) (by 2016-12-31, per 三). This decision applies only the national floor of Decree 663.",
    ));
    residence_period(app, on, &mut shared);
    shared.note(MATERIALS.reason(
        "materials.decree-663.applied",
        "本通知未规定申领材料，适用国务院令第663号第九条：居民身份证、本人相片，以及证明居住地住址、就业或就读的材料（本库未收录该条原文）",
        "The notice sets no application materials, so those of Decree 663 article 9 apply: the identity card, a photo, and proof of the address, employment or schooling the application rests on (the article's own words are not held here).",
    ));
    let ev = Evidence::of(app);
    shared.needs(ev.missing(None, &[(MaterialKind::IdCard, MATERIALS), (MaterialKind::Photo, MATERIALS)]));
    let routes = vec![employment(app, on), residence(app, on), schooling(app, on), exemption()];
    Ok(framework::decide(shared, routes, |_| 0))
}

/// The city (the first four digits of a GB/T 2260 code) of a division.
fn city_of(division: &str) -> &str {
    division.get(..4).unwrap_or(division)
}

/// Decree 663 第二条: "到其他城市居住半年以上": six months of continuous
/// registered residence in one city of the province. The half year is counted
/// per city: a run that crosses from one city to another starts again in the
/// new city. The run considered is the one that covers the legal date.
fn residence_period(app: &Application, on: Date, shared: &mut Shared) {
    let mut cities: Vec<&str> = app
        .registrations
        .iter()
        .flat_map(|r| std::iter::once(r.division.as_str()).chain(r.changes.iter().map(|c| c.division.as_str())))
        .filter(|d| in_area(d))
        .map(city_of)
        .collect();
    cities.sort_unstable();
    cities.dedup();
    let runs = cities
        .iter()
        .map(|c| framework::residence_run(app, on, |d| in_area(d) && city_of(d) == *c, ReportDeadline::NotSet));
    let run = runs
        .clone()
        .find(|r| r.shown.is_some())
        .or_else(|| runs.clone().find(|r| r.at_best.is_some()))
        .unwrap_or(framework::ResidenceRun { shown: None, at_best: None });
    if run.judge(|s| date::months_completed(s, on, 6)).is_none() {
        shared.unknown(NATIONAL_FLOOR.reason(
            "residence-period.six-months.unknown",
            "迁居后是否及时办理居住登记变更不明：及时办理的，已满半年；未及时办理的，不满半年",
            "whether a move was reported in time is not known: six months only if it was",
        ));
        return;
    }
    match run.shown {
        Some(start) if date::months_completed(start, on, 6) => {
            shared.condition(
                true,
                NATIONAL_FLOOR.reason(
                    "residence-period.six-months.met",
                    &format!("自{start}起在同一城市（省内）连续居住登记，已满半年（按城市计算：“到其他城市居住半年以上”）"),
                    &format!("registered residence in one city of Zhejiang since {start}: six months completed (counted per city)"),
                ),
            );
        }
        Some(start) => {
            let done = date::add_months(start, 6);
            shared.condition(
                false,
                NATIONAL_FLOOR.reason(
                    "residence-period.six-months.not-met",
                    &format!("自{start}起在同一城市（省内）连续居住登记，至{done}方满半年（按城市计算，跨城市的居住不连续计算）"),
                    &format!("registered residence in one city of Zhejiang since {start}: six months complete only on {done} (counted per city; residence in another city does not join)"),
                ),
            );
        }
        None => {
            shared.condition(
                false,
                NATIONAL_FLOOR.reason(
                    "residence-period.six-months.not-met",
                    "在决定日没有有效的省内居住登记",
                    "no residence registration in Zhejiang covers the legal date",
                ),
            );
        }
    }
}

/// 二(一) 就业状况: 签订劳动合同、参加社会保险、持有工商执照, any one.
fn employment(app: &Application, on: Date) -> RouteResult {
    let mut route = RouteBuilder::new(RouteKind::Employment, None);
    let running = |e: &&Employment| in_area(&e.division) && framework::runs_on(&e.started_on, &e.ended_on, on);
    let contract = app.employment.iter().filter(running).any(|e| e.kind == EmploymentKind::LabourContract);
    let licence = app
        .employment
        .iter()
        .filter(running)
        .any(|e| matches!(e.kind, EmploymentKind::Enterprise | EmploymentKind::IndividualBusiness));
    let month = YearMonth::of(on);
    let insured = app
        .insurance
        .iter()
        .any(|p| in_area(&p.division) && framework::month_of(&p.from) <= month && month <= framework::month_of(&p.to));

    note(
        &mut route,
        if contract {
            SURVEY.reason(
                "employment.labour-contract.met",
                "在省内签订劳动合同，决定日在合同期内",
                "a labour contract in Zhejiang runs on the legal date",
            )
        } else {
            SURVEY.reason(
                "employment.labour-contract.not-met",
                "决定日没有在省内履行中的劳动合同",
                "no labour contract in Zhejiang runs on the legal date",
            )
        },
    );
    note(
        &mut route,
        if insured {
            SURVEY.reason(
                "employment.social-insurance.met",
                &format!("{month}在省内参加社会保险"),
                &format!("insured in Zhejiang in {month}"),
            )
        } else {
            SURVEY.reason(
                "employment.social-insurance.not-met",
                &format!("{month}未在省内参加社会保险"),
                &format!("not insured in Zhejiang in {month}"),
            )
        },
    );
    note(
        &mut route,
        if licence {
            SURVEY.reason(
                "employment.business-licence.met",
                "持有省内工商执照（企业或个体工商户），决定日在经营中",
                "holds a business licence in Zhejiang (enterprise or individual business) running on the legal date",
            )
        } else {
            SURVEY.reason(
                "employment.business-licence.not-met",
                "决定日没有在省内经营中的工商执照（企业或个体工商户）",
                "no business licence in Zhejiang (enterprise or individual business) runs on the legal date",
            )
        },
    );
    let unnamed = app.employment.iter().filter(running).any(|e| {
        !matches!(
            e.kind,
            EmploymentKind::LabourContract | EmploymentKind::Enterprise | EmploymentKind::IndividualBusiness
        )
    });
    if unnamed {
        note(
            &mut route,
            CITY_RULES.reason(
                "employment.named-category.not-met",
                "其他形式的就业不在本通知第二部分第（一）项所列就业状况之内，是否认定由各地配套政策规定",
                "other forms of employment are not among the categories of 二(一); whether they count is for the city's rules",
            ),
        );
    }
    let stable = contract || insured || licence;
    route.condition(
        stable,
        if stable {
            NATIONAL_FLOOR.reason("employment.stable-employment.met", "有合法稳定就业", "has stable employment")
        } else {
            NATIONAL_FLOOR.reason(
                "employment.stable-employment.not-met",
                "没有可认定的合法稳定就业",
                "no stable employment that can be recognised",
            )
        },
    );
    // 第九条's proof of employment: any one that shows what met it.
    let licence_kind = if app.employment.iter().filter(running).any(|e| e.kind == EmploymentKind::Enterprise) {
        MaterialKind::BusinessLicence
    } else {
        MaterialKind::IndividualBusinessLicence
    };
    let proofs: Vec<MaterialKind> = [
        (contract, MaterialKind::LabourContract),
        (licence, licence_kind),
        (insured, MaterialKind::InsuranceCertificate),
    ]
    .into_iter()
    .filter_map(|(holds, kind)| holds.then_some(kind))
    .collect();
    one_proof(&mut route, app, RouteKind::Employment, &proofs);
    route.finish()
}

/// 二(一) 居住状况: 自购房屋、单位集体宿舍、出租房屋, any one held on the legal date.
fn residence(app: &Application, on: Date) -> RouteResult {
    let mut route = RouteBuilder::new(RouteKind::Residence, None);
    let held = |kind: HousingKind| -> Found {
        app.housing
            .iter()
            .filter(|h| h.kind == kind && in_area(&h.division))
            .map(|h| match h.since.as_deref() {
                Some(since) if framework::date_of(since) <= on => Found::Yes,
                Some(_) => Found::No,
                None => Found::Unknown,
            })
            .max()
            .unwrap_or(Found::No)
    };
    let kinds = [
        (HousingKind::Owned, "owned-home", "自购房屋", "an owned home"),
        (
            HousingKind::CollectiveDormitory,
            "collective-dormitory",
            "单位集体宿舍",
            "an employer's collective dormitory",
        ),
        (HousingKind::Rented, "rented-home", "出租房屋", "a rented home"),
    ];
    let mut best = Found::No;
    for (kind, code, zh, en) in kinds {
        let found = held(kind);
        best = best.max(found);
        let (zh, en) = match found {
            Found::Yes => (format!("决定日居住在省内{zh}"), format!("lives in {en} in Zhejiang on the legal date")),
            Found::No => {
                (format!("决定日没有居住在省内{zh}"), format!("does not live in {en} in Zhejiang on the legal date"))
            }
            Found::Unknown => (
                format!("省内{zh}的入住日期不明，无法确定决定日是否居住"),
                format!(
                    "the date of moving into {en} in Zhejiang is not known, so residence on the legal date cannot be established"
                ),
            ),
        };
        note(&mut route, SURVEY.reason(&format!("residence.{code}.{}", result(found)), &zh, &en));
    }
    let unnamed = app
        .housing
        .iter()
        .any(|h| in_area(&h.division) && matches!(h.kind, HousingKind::RelativeOwned | HousingKind::SchoolDormitory));
    if unnamed {
        note(
            &mut route,
            CITY_RULES.reason(
                "residence.named-category.not-met",
                "近亲属房屋、学校宿舍不在本通知第二部分第（一）项所列居住状况之内，是否认定由各地配套政策规定",
                "a relative's home or a school dormitory is not among the categories of 二(一); whether it counts is for the city's rules",
            ),
        );
    }
    match best {
        Found::Yes => {
            route.condition(
                true,
                NATIONAL_FLOOR.reason("residence.stable-home.met", "有合法稳定住所", "has a stable home"),
            );
            // 第九条's proof of the address: any one for a home held on the legal date.
            let proofs: Vec<MaterialKind> = [
                (HousingKind::Owned, MaterialKind::PropertyCertificate),
                (HousingKind::CollectiveDormitory, MaterialKind::DormitoryCertificate),
                (HousingKind::Rented, MaterialKind::LeaseContract),
            ]
            .into_iter()
            .filter_map(|(kind, proof)| (held(kind) == Found::Yes).then_some(proof))
            .collect();
            one_proof(&mut route, app, RouteKind::Residence, &proofs);
        }
        Found::No => {
            route.condition(
                false,
                NATIONAL_FLOOR.reason(
                    "residence.stable-home.not-met",
                    "没有可认定的合法稳定住所",
                    "no stable home that can be recognised",
                ),
            );
        }
        Found::Unknown => {
            route.unknown(NATIONAL_FLOOR.reason(
                "residence.stable-home.unknown",
                "请提供入住日期，以确定决定日是否有合法稳定住所",
                "give the date of moving in, to establish a stable home on the legal date",
            ));
        }
    }
    route.finish()
}

/// 二(一) 就读状况: 全日制小学、中学、中高等职业学校或普通高等学校.
fn schooling(app: &Application, on: Date) -> RouteResult {
    let mut route = RouteBuilder::new(RouteKind::Schooling, None);
    let enrolled =
        app.schooling.iter().filter(|s| in_area(&s.division) && framework::runs_on(&s.enrolled_on, &s.left_on, on));
    let full_time = enrolled.clone().any(|s| s.full_time);
    let part_time_only = !full_time && enrolled.clone().next().is_some();
    note(
        &mut route,
        match (full_time, part_time_only) {
            (true, _) => SURVEY.reason(
                "schooling.full-time-enrolment.met",
                "决定日在省内学校全日制就读",
                "enrolled full time at a school in Zhejiang on the legal date",
            ),
            (false, true) => SURVEY.reason(
                "schooling.full-time-enrolment.not-met",
                "在省内学校的就读不是全日制",
                "enrolment at a school in Zhejiang is not full time",
            ),
            (false, false) => SURVEY.reason(
                "schooling.full-time-enrolment.not-met",
                "决定日没有在省内学校就读",
                "not enrolled at a school in Zhejiang on the legal date",
            ),
        },
    );
    route.condition(
        full_time,
        if full_time {
            NATIONAL_FLOOR.reason("schooling.continuous-schooling.met", "连续就读", "in continuous schooling")
        } else {
            NATIONAL_FLOOR.reason(
                "schooling.continuous-schooling.not-met",
                "没有可认定的连续就读",
                "no continuous schooling that can be recognised",
            )
        },
    );
    if full_time {
        one_proof(&mut route, app, RouteKind::Schooling, &[MaterialKind::EnrolmentCertificate]);
    }
    route.finish()
}

/// The notice names no exemption from the three conditions; a city may.
fn exemption() -> RouteResult {
    let mut route = RouteBuilder::new(RouteKind::Exemption, None);
    route.condition(
        false,
        CITY_RULES.reason(
            "exemption.route.not-in-text",
            "本通知未规定免于就业、住所、就读条件的情形，由各地配套政策规定",
            "the notice names no exemption from the employment, residence and schooling conditions; that is for the city's rules",
        ),
    );
    route.finish()
}
