//! 二(一)2-3: who may apply for the 《浙江省居住证》 in Gongshu, and with what.
//!
//! Every route is evaluated (employment, residence, schooling, and the
//! talent-permit referral), each explaining itself whether met or not; an
//! unknown fact keeps its route open; missing materials are listed all at once
//! (一次性告知, 二(一)3).
//!
//! Area: every "在杭州市区" condition uses [`config::in_urban_area`] (a configured
//! set of Hangzhou district codes, since the text does not list them).

use juzhu_sdk::evidence::Evidence;
use juzhu_sdk::framework::{InsuranceRule, date_of, runs_on};
use juzhu_sdk::prelude::*;

use crate::clauses::*;
use crate::config::in_urban_area;

/// "连续缴纳社会保险（不含补缴）": a back-paid month breaks continuity. The text
/// does not exclude work-injury-only insurance (unlike some other cities' texts),
/// so such a month is social insurance and counts.
pub const INSURANCE: InsuranceRule = InsuranceRule { back_paid_breaks: true, work_injury_only_breaks: false };

/// Consecutive qualifying months in 杭州市区 ending in the month of `on`
/// ("申请当月处于…连续缴纳社会保险": the streak must include that month).
pub fn insurance_streak(periods: &[InsurancePeriod], on: Date) -> u32 {
    framework::insurance_streak(periods, YearMonth::of(on), INSURANCE, in_urban_area)
}

/// The applicant's birth date: as given, or from characters 7-14 of the
/// (validated) citizen ID number.
pub fn birth_date(identity: &Identity) -> Date {
    let text = identity.birth_date.clone().unwrap_or_else(|| {
        let b = &identity.citizen_id[6..14];
        format!("{}-{}-{}", &b[..4], &b[4..6], &b[6..])
    });
    date_of(&text)
}

/// A condition outcome: `Some(true)` met, `Some(false)` not met, `None` unknown.
type Fact = Option<bool>;

fn suffix(f: Fact) -> &'static str {
    match f {
        Some(true) => "met",
        Some(false) => "not-met",
        None => "unknown",
    }
}

/// Records a three-valued condition on a route.
fn record(b: &mut RouteBuilder, fact: Fact, reason: Reason) {
    match fact {
        Some(holds) => {
            b.condition(holds, reason);
        }
        None => {
            b.unknown(reason);
        }
    }
}

/// A reason whose code ends with the fact's result, and whose wording is picked by it.
fn said(clause: Clause, topic: &str, fact: Fact, zh: [&str; 3], en: [&str; 3]) -> Reason {
    let i = match fact {
        Some(true) => 0,
        Some(false) => 1,
        None => 2,
    };
    clause.reason(&format!("{topic}.{}", suffix(fact)), zh[i], en[i])
}

/// 二(一)1: "办理居住登记后，居住地址、服务处所等发生变更的，应当自变更之日起10日内办理变更手续".
/// The module computes timeliness from the move and report dates.
pub const CHANGE_DEADLINE_DAYS: u32 = 10;

/// The six months of registered residence in 杭州市区 (二(一)2 opening sentence);
/// a change of address keeps the run only when reported within 10 days (二(一)1).
fn residence_period(app: &Application, on: Date) -> (Fact, Reason) {
    let run = framework::residence_run(app, on, in_urban_area, Some(CHANGE_DEADLINE_DAYS));
    if run.judge(|s| date::months_completed(s, on, 6)).is_none() {
        return (
            None,
            REGISTRATION.reason(
                "residence-period.six-months.unknown",
                "居住地址变更的办理日期不明，无法判断是否“自变更之日起10日内办理变更手续”：及时办理的，已满半年；否则不满半年",
                "a change of address has no known report date, so whether it was made \"within 10 days of the change\" is not known: six months only if it was",
            ),
        );
    }
    match run.shown {
        Some(s) if date::months_completed(s, on, 6) => (
            Some(true),
            CONDITIONS.reason(
                "residence-period.six-months.met",
                &format!("自{s}起在杭州市区办理居住登记并连续居住，已满半年"),
                &format!("registered and living in the Hangzhou urban districts continuously since {s}: six months or more"),
            ),
        ),
        Some(s) => (
            Some(false),
            CONDITIONS.reason(
                "residence-period.six-months.not-met",
                &format!("自{s}起在杭州市区连续居住，至{on}未满半年（满半年之日为{}）", date::add_months(s, 6)),
                &format!("continuous registered residence since {s} is less than six months on {on} (six months are complete on {})", date::add_months(s, 6)),
            ),
        ),
        None => (
            Some(false),
            CONDITIONS.reason(
                "residence-period.six-months.not-met",
                &format!("{on}无有效的杭州市区居住登记"),
                &format!("no residence registration in the Hangzhou urban districts covers {on}"),
            ),
        ),
    }
}

/// How an employment kind reads in 二(一)2(1), and the proof it calls for
/// ("根据不同就业途径，提供相应证明"). Kinds the clause does not name (private
/// non-enterprise units, licensed practices, fisheries) fall under its last
/// branch, "以其他形式在市区从事自主创业就业".
fn employment_kind(kind: EmploymentKind) -> (&'static str, &'static str, MaterialKind) {
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
        Fishery => ("以其他形式在市区从事自主创业就业", "other self-employment", MaterialKind::FisheryLicence),
        OtherSelfEmployment => {
            ("以其他形式在市区从事自主创业就业", "other self-employment", MaterialKind::SelfEmploymentProof)
        }
    }
}

/// 二(一)2(1): insurance and one kind of work, each a year, both current.
fn employment_route(app: &Application, on: Date, ev: Option<&Evidence>) -> RouteBuilder {
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
        let current: Vec<&Employment> =
            in_area.iter().copied().filter(|e| runs_on(&e.started_on, &e.ended_on, on)).collect();
        b.condition(
            !current.is_empty(),
            if current.is_empty() {
                EMPLOYMENT.reason(
                    "employment.employed-in-application-month.not-met",
                    &format!("{on}已不在杭州市区就业，须提供申请当月处于就业的凭证"),
                    &format!("no longer working in the urban districts on {on}; employment in the month of application is required"),
                )
            } else {
                EMPLOYMENT.reason(
                    "employment.employed-in-application-month.met",
                    &format!("{on}在杭州市区就业"),
                    &format!("working in the urban districts on {on}"),
                )
            },
        );
        if !current.is_empty() {
            let qualifying: Vec<&Employment> =
                current.iter().copied().filter(|e| date::months_completed(date_of(&e.started_on), on, 12)).collect();
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

/// One home considered for 二(一)2(2).
struct Home {
    fact: Fact,
    conditions: Vec<(Fact, Reason)>,
    needs: Vec<(MaterialKind, Clause)>,
}

impl Home {
    fn new() -> Self {
        Home { fact: Some(true), conditions: Vec::new(), needs: Vec::new() }
    }

    fn add(&mut self, fact: Fact, reason: Reason) {
        self.fact = match (self.fact, fact) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (None, _) | (_, None) => None,
            _ => Some(true),
        };
        self.conditions.push((fact, reason));
    }

    /// Met beats unknown beats not met; with materials at hand beats without.
    fn rank(&self, ev: Option<&Evidence>) -> u8 {
        let complete = ev.is_none_or(|ev| self.needs.iter().all(|(k, _)| ev.has(*k)));
        match self.fact {
            Some(true) if complete => 3,
            Some(true) => 2,
            None => 1,
            Some(false) => 0,
        }
    }
}

/// 附件1 items (and the 附件5 structural check of 三(二)), the concrete content
/// of compliance with 市政府令第287号 that the text attaches.
fn rental_safety(home: &mut Home, s: &RentalSafety) -> bool {
    let mut all = true;
    let mut item = |home: &mut Home, clause: Clause, ok: bool, topic: &str, zh: [&str; 2], en: [&str; 2]| {
        all &= ok;
        let i = usize::from(!ok);
        home.add(Some(ok), clause.reason(&format!("rental.{topic}.{}", suffix(Some(ok))), zh[i], en[i]));
    };
    item(
        home,
        ANNEX_1,
        !s.non_residential_space,
        "non-residential-space",
        ["非利用非居住空间出租", "利用非居住空间出租"],
        ["not a non-residential space", "a non-residential space is let"],
    );
    item(
        home,
        ANNEX_1,
        !s.partitioned,
        "partitioned",
        ["未分割搭建出租", "分割搭建出租"],
        ["not partitioned", "partitioned for letting"],
    );
    let crowded = s.occupants > 2 && !s.occupants_are_family;
    let occupants_zh = if s.occupants > 2 {
        format!("单间居住{}人，均为法定赡养、抚养、扶养义务关系，不受2人限制", s.occupants)
    } else {
        format!("单间居住{}人，不超过2人", s.occupants)
    };
    let occupants_en = if s.occupants > 2 {
        format!(
            "{} persons in the room, all bound by a legal duty of support: the limit of two does not apply",
            s.occupants
        )
    } else {
        format!("{} persons in the room: no more than two", s.occupants)
    };
    item(
        home,
        ANNEX_1,
        !crowded,
        "occupants-per-room",
        [&occupants_zh, &format!("单间居住{}人，超过2人（且非均为法定赡养、抚养、扶养义务关系）", s.occupants)],
        [
            &occupants_en,
            &format!("{} persons in the room: more than two, not all bound by a legal duty of support", s.occupants),
        ],
    );
    // "人均居住面积少于4平方米": compare area with 4 m² times the occupants, so
    // that no division rounds the boundary (4.0 passes, 3.9 fails).
    let persons = s.occupants.max(1);
    let enough = s.living_area_m2 >= 4.0 * f64::from(persons);
    let per = s.living_area_m2 / f64::from(persons);
    item(
        home,
        ANNEX_1,
        enough,
        "area-per-person",
        [&format!("人均居住面积{per:.2}平方米，不少于4平方米"), &format!("人均居住面积{per:.2}平方米，少于4平方米")],
        [&format!("{per:.2} m² per person: at least 4 m²"), &format!("{per:.2} m² per person: less than 4 m²")],
    );
    item(
        home,
        ANNEX_1,
        s.safety_kit_complete,
        "safety-kit",
        ["已按要求配备口罩、报警哨、手电筒和灭火器", "未按要求配备口罩、报警哨、手电筒和灭火器"],
        ["masks, whistle, torch and extinguisher provided", "masks, whistle, torch or extinguisher missing"],
    );
    item(
        home,
        ANNEX_1,
        !s.other_serious_hazard,
        "other-serious-hazard",
        ["无其他严重治安、消防隐患", "有其他严重治安、消防隐患"],
        ["no other serious security or fire hazard", "another serious security or fire hazard"],
    );
    item(
        home,
        DUTIES,
        !s.structural_hazard,
        "structural-hazard",
        [
            "无违章建筑、危险房屋、改变房屋使用性质等严重影响居住安全情形",
            "存在违章建筑、危险房屋或改变房屋使用性质等严重影响居住安全情形",
        ],
        [
            "no illegal building, dangerous house or changed use",
            "an illegal building, a dangerous house or a changed use of the house",
        ],
    );
    all
}

/// A rented home under 二(一)2(2).
fn rented_home(home: &mut Home, r: &Rental) {
    let title = match r.title {
        Some(TitleCertificate::Ownership) | Some(TitleCertificate::Homestead) => Some(true),
        Some(TitleCertificate::None) => Some(false),
        None => None,
    };
    home.add(
        title,
        said(
            RESIDENCE,
            "rental.title-certificate",
            title,
            [
                "出租房屋依法取得房屋所有权或宅基地使用权",
                "出租房屋未取得房屋所有权或宅基地使用权",
                "未说明出租房屋是否取得房屋所有权或宅基地使用权",
            ],
            [
                "the house has an ownership or homestead certificate",
                "the house has neither ownership nor homestead certificate",
                "whether the house has an ownership or homestead certificate is not known",
            ],
        ),
    );

    // Compliance with 市政府令第287号: the checklist when it was done, the
    // authority's finding otherwise (and a negative finding always counts).
    let compliant = match &r.safety {
        Some(s) => {
            let items = rental_safety(home, s);
            Some(items && r.compliant != Some(false))
        }
        None => r.compliant,
    };
    home.add(
        compliant,
        said(
            RESIDENCE,
            "rental.rule-287",
            compliant,
            [
                "出租房屋符合《杭州市居住房屋出租安全管理若干规定》（市政府令第287号）",
                "出租房屋不符合《杭州市居住房屋出租安全管理若干规定》（市政府令第287号）",
                "未查明出租房屋是否符合《杭州市居住房屋出租安全管理若干规定》（市政府令第287号）",
            ],
            [
                "the rental complies with Hangzhou Government Order 287",
                "the rental does not comply with Hangzhou Government Order 287",
                "compliance with Hangzhou Government Order 287 is not known",
            ],
        ),
    );

    home.add(
        r.police_registered,
        said(
            RESIDENCE,
            "rental.police-registration",
            r.police_registered,
            [
                "已在公安机关办理居住房屋出租登记",
                "未在公安机关办理居住房屋出租登记",
                "未说明是否已在公安机关办理居住房屋出租登记",
            ],
            [
                "rental registered with the police",
                "rental not registered with the police",
                "whether the rental is registered with the police is not known",
            ],
        ),
    );

    // "1年以上期限的房屋租赁合同": the lease end is its last day, so a lease from
    // 2017-01-01 to 2017-12-31 runs one year.
    let lease = match (r.lease_start.as_deref(), r.lease_end.as_deref()) {
        (Some(s), Some(e)) => Some(date::months_completed(date_of(s), date::add_days(date_of(e), 1), 12)),
        _ => None,
    };
    let term = match (&r.lease_start, &r.lease_end) {
        (Some(s), Some(e)) => format!("{s}至{e}"),
        _ => String::new(),
    };
    home.add(
        lease,
        said(
            RESIDENCE,
            "rental.lease-one-year",
            lease,
            [
                &format!("房屋租赁合同期限{term}，1年以上"),
                &format!("房屋租赁合同期限{term}，不满1年"),
                "房屋租赁合同起止日期不明",
            ],
            [
                &format!("lease {term}: one year or more"),
                &format!("lease {term}: less than one year"),
                "the lease dates are not known",
            ],
        ),
    );

    // Commercial housing also needs the housing authority's filing.
    let filing = match r.commercial_housing {
        Some(false) => Some(true),
        Some(true) => r.housing_filing,
        None => {
            if r.housing_filing == Some(true) {
                Some(true)
            } else {
                None
            }
        }
    };
    let filing_zh_met = if r.commercial_housing == Some(false) {
        "非商品房，无需房管部门的房屋租赁登记备案"
    } else {
        "已办理房管部门的房屋租赁登记备案"
    };
    let filing_en_met = if r.commercial_housing == Some(false) {
        "not commercial housing: no housing-authority filing needed"
    } else {
        "the lease is filed with the housing authority"
    };
    home.add(
        filing,
        said(
            RESIDENCE,
            "rental.housing-filing",
            filing,
            [filing_zh_met, "商品房未办理房管部门的房屋租赁登记备案", "未说明是否为商品房或是否已办理房屋租赁登记备案"],
            [
                filing_en_met,
                "commercial housing without the housing authority's lease filing",
                "whether the house is commercial housing, or its lease filed, is not known",
            ],
        ),
    );

    home.needs.push((MaterialKind::LeaseContract, RESIDENCE));
    home.needs.push((
        if r.title == Some(TitleCertificate::Homestead) {
            MaterialKind::HomesteadCertificate
        } else {
            MaterialKind::PropertyCertificate
        },
        RESIDENCE,
    ));
    home.needs.push((MaterialKind::RentalRegistration, RESIDENCE));
    if r.commercial_housing == Some(true) {
        home.needs.push((MaterialKind::RentalFiling, RESIDENCE));
    }
    home.needs.push((MaterialKind::RentalSafetyCheck, RENTAL_CHECK));
}

/// 二(一)2(2): an own home or a compliant rented home in 杭州市区.
fn residence_route(app: &Application, ev: Option<&Evidence>) -> RouteBuilder {
    let mut b = RouteBuilder::new(RouteKind::Residence, None);
    let in_area: Vec<&Housing> = app.housing.iter().filter(|h| in_urban_area(&h.division)).collect();
    if in_area.is_empty() {
        b.condition(
            false,
            RESIDENCE.reason(
                "residence.home-in-urban-area.not-met",
                "在杭州市区无自购房屋或租赁房屋",
                "no own or rented home in the Hangzhou urban districts",
            ),
        );
        return b;
    }
    let homes: Vec<Home> = in_area
        .iter()
        .map(|h| {
            let mut home = Home::new();
            home.add(
                Some(true),
                RESIDENCE.reason(
                    "residence.home-in-urban-area.met",
                    "住所位于杭州市区",
                    "the home is in the Hangzhou urban districts",
                ),
            );
            match h.kind {
                HousingKind::Owned => {
                    home.add(
                        Some(true),
                        RESIDENCE.reason("residence.own-home.met", "居住在自购房屋", "lives in a home of their own"),
                    );
                    home.needs.push((MaterialKind::PropertyCertificate, RESIDENCE));
                }
                HousingKind::Rented => match &h.rental {
                    Some(r) => rented_home(&mut home, r),
                    None => home.add(
                        None,
                        RESIDENCE.reason(
                            "rental.details.unknown",
                            "租赁房屋的产权、出租登记、租赁合同等情况不明",
                            "the rented home's title, registration and lease are not known",
                        ),
                    ),
                },
                other => {
                    let what = match other {
                        HousingKind::RelativeOwned => "近亲属房屋",
                        HousingKind::CollectiveDormitory => "单位或园区集体宿舍",
                        _ => "学校宿舍",
                    };
                    home.add(
                        Some(false),
                        RESIDENCE.reason(
                            "residence.housing-kind.not-met",
                            &format!("{what}不属于本条规定的自购房屋或租赁他人房屋"),
                            "the text recognises only a home of one's own or a rented home",
                        ),
                    );
                }
            }
            home
        })
        .collect();
    let best = homes.into_iter().max_by_key(|h| h.rank(ev)).expect("not empty");
    for (fact, reason) in best.conditions {
        record(&mut b, fact, reason);
    }
    if let (Some(ev), true) = (ev, best.fact != Some(false)) {
        b.needs(ev.missing(Some(RouteKind::Residence), &best.needs));
    }
    b
}

/// 二(一)2(3): a year of full-time enrolment in 杭州市区.
fn schooling_route(app: &Application, on: Date, ev: Option<&Evidence>) -> RouteBuilder {
    let mut b = RouteBuilder::new(RouteKind::Schooling, None);
    let best = app.schooling.iter().filter(|s| in_urban_area(&s.division)).max_by_key(|s| {
        (s.full_time, runs_on(&s.enrolled_on, &s.left_on, on), std::cmp::Reverse(date_of(&s.enrolled_on)))
    });
    let Some(s) = best else {
        b.condition(
            false,
            SCHOOLING.reason(
                "schooling.enrolled-in-urban-area.not-met",
                "未在杭州市区的学校取得学籍",
                "not enrolled at a school in the Hangzhou urban districts",
            ),
        );
        return b;
    };
    b.condition(
        true,
        SCHOOLING.reason(
            "schooling.enrolled-in-urban-area.met",
            "在杭州市区的学校取得学籍",
            "enrolled at a school in the Hangzhou urban districts",
        ),
    );
    b.condition(
        s.full_time,
        if s.full_time {
            SCHOOLING.reason("schooling.full-time.met", "全日制就读", "full-time")
        } else {
            SCHOOLING.reason("schooling.full-time.not-met", "非全日制就读", "not full-time")
        },
    );
    let current = runs_on(&s.enrolled_on, &s.left_on, on);
    b.condition(
        current,
        if current {
            SCHOOLING.reason(
                "schooling.enrolled-on-application-date.met",
                &format!("{on}在读"),
                &format!("enrolled on {on}"),
            )
        } else {
            SCHOOLING.reason(
                "schooling.enrolled-on-application-date.not-met",
                &format!("{on}已不在读"),
                &format!("no longer enrolled on {on}"),
            )
        },
    );
    let start = date_of(&s.enrolled_on);
    let year = date::months_completed(start, on, 12);
    let full = date::add_months(start, 12);
    b.condition(
        year,
        if year {
            SCHOOLING.reason(
                "schooling.one-year.met",
                &format!("自{start}起连续就读，满1年"),
                &format!("enrolled since {start}: one year or more"),
            )
        } else {
            SCHOOLING.reason(
                "schooling.one-year.not-met",
                &format!("自{start}起就读，至{on}不满1年（满1年之日为{full}）"),
                &format!("enrolled since {start}: less than one year on {on} (complete on {full})"),
            )
        },
    );
    if let (Some(ev), true) = (ev, b.holds()) {
        b.needs(ev.missing(Some(RouteKind::Schooling), &[(MaterialKind::EnrolmentCertificate, SCHOOLING)]));
    }
    b
}

/// 二(一)2, last sentence: "符合人才居住证办理条件的，按《关于印发杭州市人才居住证办理实施办法的通知》执行".
/// This refers a talent to another scheme (the Hangzhou talent residence
/// permit). It grants nothing under this text and waives none of its
/// conditions: the route is never met here, the six months still bind every
/// ordinary route, and a talent-permit claim is answered with the referral.
fn talent_route(app: &Application) -> RouteBuilder {
    let mut b = RouteBuilder::new(RouteKind::Exemption, None);
    let claimed = app.special_statuses.contains(&SpecialStatus::TalentPermit);
    b.condition(
        false,
        if claimed {
            TALENT.reason(
                "exemption.talent-permit.referred",
                "符合人才居住证办理条件的，按《关于印发杭州市人才居住证办理实施办法的通知》执行：人才居住证另按该办法办理；本条不因此发给《浙江省居住证》，也不免除居住半年等申领条件",
                "\"those who meet the talent-permit conditions follow the Hangzhou talent residence permit measures\": a referral to that scheme, not a grant of this permit nor a waiver of its six months or other conditions",
            )
        } else {
            TALENT.reason(
                "exemption.talent-permit.not-met",
                "未申明符合人才居住证办理条件",
                "no claim to meet the talent-permit conditions",
            )
        },
    );
    b
}

/// 二(一)3: an applicant under 16 also needs the guardians' permits and their
/// year of continuous insurance in 杭州市区 (the same continuity as 二(一)2(1),
/// ending in the month of application). Every guardian listed must meet it.
fn minor_rules(app: &Application, on: Date, shared: &mut Shared, ev: Option<&Evidence>) {
    let birth = birth_date(&app.identity);
    let age = date::age_on(birth, on);
    if age >= 16 {
        shared.condition(
            true,
            APPLICATION.reason(
                "age.under-16.not-met",
                &format!("申请人{age}周岁，已满16周岁，无需提交监护人材料"),
                &format!("the applicant is {age}: sixteen or older, no guardian materials needed"),
            ),
        );
        return;
    }
    shared.condition(
        true,
        APPLICATION.reason(
            "age.under-16.met",
            &format!(
                "申请人{age}周岁，未满16周岁，还须提交父母双方等法定监护人的居住证及其连续缴纳社会保险满1年的证明"
            ),
            &format!(
                "the applicant is {age}, under sixteen: the guardians' permits and their year of insurance are needed"
            ),
        ),
    );
    let g = &app.guardians;
    shared.condition(
        !g.is_empty(),
        if g.is_empty() {
            APPLICATION.reason(
                "minor.guardians-listed.not-met",
                "未列明父母双方等法定监护人",
                "no parents or other legal guardians are given",
            )
        } else {
            APPLICATION.reason(
                "minor.guardians-listed.met",
                &format!("列明法定监护人{}人", g.len()),
                &format!("{} legal guardians given", g.len()),
            )
        },
    );
    if g.is_empty() {
        return;
    }
    let permits: Fact = if g.iter().any(|x| x.holds_permit == Some(false)) {
        Some(false)
    } else if g.iter().any(|x| x.holds_permit.is_none()) {
        None
    } else {
        Some(true)
    };
    let without: Vec<&str> = g.iter().filter(|x| x.holds_permit != Some(true)).map(|x| x.name.as_str()).collect();
    let reason = said(
        APPLICATION,
        "minor.guardian-permits",
        permits,
        [
            "法定监护人均持有《浙江省居住证》",
            &format!("法定监护人未持有《浙江省居住证》：{}", without.join("、")),
            &format!("未说明法定监护人是否持有《浙江省居住证》：{}", without.join("、")),
        ],
        [
            "every guardian holds a Zhejiang residence permit",
            &format!("guardians without a Zhejiang residence permit: {}", without.join(", ")),
            &format!("not known whether these guardians hold a permit: {}", without.join(", ")),
        ],
    );
    match permits {
        Some(h) => {
            shared.condition(h, reason);
        }
        None => {
            shared.unknown(reason);
        }
    }
    let short: Vec<&str> =
        g.iter().filter(|x| insurance_streak(&x.insurance, on) < 12).map(|x| x.name.as_str()).collect();
    shared.condition(
        short.is_empty(),
        if short.is_empty() {
            APPLICATION.reason(
                "minor.guardian-insurance.met",
                "法定监护人均在杭州市区连续缴纳社会保险满1年",
                "every guardian has a year of continuous insurance in the urban districts",
            )
        } else {
            APPLICATION.reason(
                "minor.guardian-insurance.not-met",
                &format!("法定监护人在杭州市区连续缴纳社会保险不满1年：{}", short.join("、")),
                &format!(
                    "guardians without a year of continuous insurance in the urban districts: {}",
                    short.join(", ")
                ),
            )
        },
    );
    if let Some(ev) = ev {
        shared.needs(ev.missing(
            None,
            &[(MaterialKind::GuardianPermits, APPLICATION), (MaterialKind::GuardianInsuranceCertificate, APPLICATION)],
        ));
    }
}

/// Decides an application. With `materials` false only the facts are judged
/// (the endorsement's re-check "不再符合申领条件的，不予签注" asks for no materials).
pub fn evaluate(app: &Application, on: Date, materials: bool) -> Decision {
    let evidence = Evidence::of(app);
    let ev = materials.then_some(&evidence);
    let mut shared = Shared::new();
    let (six_months, period_reason) = residence_period(app, on);

    let employment = employment_route(app, on, ev);
    let residence = residence_route(app, ev);
    let schooling = schooling_route(app, on, ev);
    let talent = talent_route(app);
    // The six months bind every route of 二(一)2; the talent referral waives
    // nothing (see `talent_route`).
    match six_months {
        Some(holds) => shared.condition(holds, period_reason),
        None => shared.unknown(period_reason),
    };

    minor_rules(app, on, &mut shared, ev);
    if let Some(ev) = ev {
        shared.needs(ev.missing(
            None,
            &[
                (MaterialKind::ApplicationForm, APPLICATION),
                (MaterialKind::IdCard, APPLICATION),
                (MaterialKind::Photo, APPLICATION),
            ],
        ));
    }
    let routes = vec![employment.finish(), residence.finish(), schooling.finish(), talent.finish()];
    let mut decision = framework::decide(shared, routes, |_| 0);
    match decision.outcome {
        Outcome::Ineligible => decision.reasons.push(APPLICATION.reason(
            "application.conditions.not-met",
            "不符合申领条件，理由如上",
            "the conditions are not met, for the reasons given",
        )),
        Outcome::Incomplete if !decision.missing.is_empty() => decision.reasons.push(APPLICATION.reason(
            "materials.complete.not-met",
            &format!("材料不全，一次性告知需要补充的材料共{}项", decision.missing.len()),
            &format!("materials incomplete: all {} missing materials are listed at once", decision.missing.len()),
        )),
        Outcome::Eligible if materials => decision.reasons.push(APPLICATION.reason(
            "materials.complete.met",
            "材料齐全，应当受理并出具回执",
            "materials complete: the application is accepted with a receipt",
        )),
        _ => {}
    }
    decision
}
