//! 三(一): who may apply for the 《浙江省居住证》 in Jiangbei.
//!
//! Shared condition (三(一) lead): continuous residence in the district with
//! registration for half a year or more. Holiday trips home leave the
//! registration running, so they never break the run; a move inside the
//! district keeps it when the change was made "及时", a move out of the
//! district ends it ([`run_start`]). The text sets no number of days for
//! "及时": a report on the day of the move is in time, and one made later
//! makes the period unknown when the answer depends on it (a late report
//! would restart the run on its date).
//!
//! Then every route is evaluated: 三(一)1 employment (three alternatives),
//! 三(一)2 residence (three alternatives), 三(一)3 schooling and the 三(一)4
//! exemption. A route of alternatives is met when any alternative is met with
//! its materials; while none is, every open alternative's missing materials
//! are listed.
//!
//! Area: the text says 本区 throughout, so only division 330205 counts.
//!
//! Materials: only 三(一)1 and 三(一)2 ask for proof (提供相关证明材料或主管部门
//! 有记录备案的), and a material counts when submitted or on file. 三(一)3 and
//! 三(一)4 ask for none, so those routes list none; the exemption's proof is
//! for the district HR bureau's rules.

use juzhu_sdk::framework::{InsuranceRule, date_of, insurance_streak, runs_on};
use juzhu_sdk::prelude::*;

use crate::clauses::*;
use crate::config;

/// GB/T 2260 code of 宁波市江北区, the only division that is 本区.
pub const DISTRICT: &str = "330205";

pub fn in_district(code: &str) -> bool {
    code == DISTRICT
}

/// 不含补缴和单独参加工伤保险: back-paid and work-injury-only months break the streak.
const INSURANCE_RULE: InsuranceRule = InsuranceRule { back_paid_breaks: true, work_injury_only_breaks: true };

/// 满1年 of insurance, in months.
const ONE_YEAR: u32 = 12;

/// The longest qualifying insurance streak for 三(一)1(1)(2).
///
/// 连续缴纳…满1年 is read as a run that is still going: it must end at the
/// legal date's month, or up to `ningbo-jiangbei.insurance.anchor-tolerance-months`
/// months earlier (district configuration; 0 in this version). Contributions
/// count wherever paid: the text puts 本区 on the employer or licence, not on
/// the insurance.
pub fn insurance_months(app: &Application, on: Date) -> u32 {
    let tolerance = config::value_on(config::INSURANCE_TOLERANCE, on).unwrap_or(0).max(0);
    let last = YearMonth::of(on);
    (0..=tolerance)
        .map(|k| insurance_streak(&app.insurance, last.plus(-k), INSURANCE_RULE, |_| true))
        .max()
        .unwrap_or(0)
}

/// One alternative of a route (e.g. 三(一)1(1)): a conjunction of conditions.
struct Branch {
    met: Option<bool>,
    reasons: Vec<Reason>,
    missing: Vec<MissingMaterial>,
}

impl Branch {
    fn new() -> Self {
        Branch { met: Some(true), reasons: Vec::new(), missing: Vec::new() }
    }
    fn cond(&mut self, holds: bool, reason: Reason) {
        if !holds {
            self.met = Some(false);
        }
        self.reasons.push(reason.with_effect(if holds { Effect::Met } else { Effect::NotMet }));
    }
    fn unknown(&mut self, reason: Reason) {
        if self.met == Some(true) {
            self.met = None;
        }
        self.reasons.push(reason.unknown());
    }
    fn needs(&mut self, missing: Vec<MissingMaterial>) {
        self.missing.extend(missing);
    }
    fn open(&self) -> bool {
        self.met != Some(false)
    }
    fn complete(&self) -> bool {
        self.met == Some(true) && self.missing.is_empty()
    }
}

/// Texts of a route's summary reason: (topic, met, not met, unknown) in zh/en.
struct Summary {
    clause: Clause,
    code: &'static str,
    met: (&'static str, &'static str),
    not_met: (&'static str, &'static str),
    unknown: (&'static str, &'static str),
}

/// A route met by any of its alternatives. Every alternative's reasons are
/// kept; while none is complete, every open alternative's materials are asked for.
fn any_of(route: RouteKind, branches: Vec<Branch>, s: Summary) -> RouteResult {
    let mut rb = RouteBuilder::new(route, None);
    // An alternative's reasons keep their effect: one not met does not close
    // the route while another may meet it.
    for b in &branches {
        for r in &b.reasons {
            rb.note(r.clone());
        }
    }
    let code = |result: &str| format!("{}.{}", s.code, result);
    if branches.iter().any(Branch::complete) {
        rb.condition(true, s.clause.reason(&code("met"), s.met.0, s.met.1));
    } else if branches.iter().any(Branch::open) {
        rb.unknown(s.clause.reason(&code("unknown"), s.unknown.0, s.unknown.1));
        let mut missing: Vec<MissingMaterial> = Vec::new();
        for m in branches.iter().filter(|b| b.open()).flat_map(|b| b.missing.iter()) {
            if !missing.iter().any(|x| x.material == m.material) {
                missing.push(m.clone());
            }
        }
        rb.needs(missing);
    } else {
        rb.condition(false, s.clause.reason(&code("not-met"), s.not_met.0, s.not_met.1));
    }
    rb.finish()
}

fn met_or(holds: bool, clause: Clause, code: &str, met: (&str, &str), not_met: (&str, &str)) -> Reason {
    if holds {
        clause.reason(&format!("{code}.met"), met.0, met.1)
    } else {
        clause.reason(&format!("{code}.not-met"), not_met.0, not_met.1)
    }
}

/// The first day of the current run of continuous registered residence in
/// the district, or `None` when no registration in the district covers `on`.
///
/// 三(一) keeps the run over a move inside the district "及时变更信息" and
/// sets no number of days ([`ReportDeadline::NotSet`]): a report on the day
/// of the move is in time; any later one is of unknown timeliness. With
/// `unknown_is_late`, each such move is taken as late (the run restarts on
/// the report date, or the move when none is known): the worst case;
/// without, as in time: the best the applicant could show.
pub fn run_start(app: &Application, on: Date, unknown_is_late: bool) -> Option<Date> {
    let run = framework::residence_run(app, on, in_district, ReportDeadline::NotSet);
    if unknown_is_late { run.shown } else { run.at_best }
}

/// 三(一) lead: half a year of continuous registered residence in the district.
fn residence_period(app: &Application, on: Date, shared: &mut Shared) {
    let Some(start) = run_start(app, on, false) else {
        shared.condition(
            false,
            APPLY.reason(
                "residence-period.registration.not-met",
                "在法定日期没有在本区持续有效的居住登记",
                "no residence registration in the district running on the legal date",
            ),
        );
        return;
    };
    shared.condition(
        true,
        APPLY.reason(
            "residence-period.registration.met",
            &format!("自{start}起在本区连续居住并申报居住登记"),
            &format!("registered continuous residence in the district since {start}"),
        ),
    );
    let six = |s: Date| date::months_completed(s, on, 6);
    if !six(start) {
        shared.condition(
            false,
            APPLY.reason(
                "residence-period.six-months.not-met",
                &format!("自{start}起连续居住登记未满半年"),
                &format!("registered residence since {start}: less than half a year"),
            ),
        );
        return;
    }
    // Were every in-district move of unknown timeliness late, would half a year still hold?
    if run_start(app, on, true).is_some_and(six) {
        shared.condition(
            true,
            APPLY.reason(
                "residence-period.six-months.met",
                &format!("自{start}起连续居住登记满半年"),
                &format!("registered residence since {start}: half a year or more"),
            ),
        );
    } else {
        shared.unknown(APPLY.reason(
            "residence-period.change-in-time.unknown",
            "本办法三(一)只要求在本区范围内迁徙“及时变更信息”，未规定天数：迁徙当日以后才变更的，是否及时不能由本办法认定，连续居住是否满半年取决于此，由公安机关认定",
            "三(一) asks only that a move inside the district be reported “及时” (in time) and sets no number of days: whether a report made after the day of the move was in time cannot be decided from the text, and half a year depends on it; the police decide",
        ));
    }
}

/// 三(一)1: 合法稳定就业, any of (1), (2), (3).
fn employment(app: &Application, on: Date) -> RouteResult {
    use EmploymentKind::*;
    let ev = Evidence::of(app);
    let route = Some(RouteKind::Employment);
    let current = |e: &&Employment| in_district(&e.division) && runs_on(&e.started_on, &e.ended_on, on);
    let months = insurance_months(app, on);
    // The run's anchor is a configured parameter, not a figure of the text: the
    // reason names it and its value.
    let tolerance = config::value_on(config::INSURANCE_TOLERANCE, on).unwrap_or(0).max(0);
    let month = YearMonth::of(on);
    let anchor_zh = format!(
        "连续缴纳截至{month}（区配置参数{}={tolerance}：连续缴纳须延续至申请当月前{tolerance}个月以内；本办法未规定此数）",
        config::INSURANCE_TOLERANCE
    );
    let anchor_en = format!(
        "the run must reach {month} or end at most {tolerance} months before it (district parameter {}={tolerance}; the text sets no such figure)",
        config::INSURANCE_TOLERANCE
    );
    let insurance = |clause: Clause, code: &str| {
        met_or(
            months >= ONE_YEAR,
            clause,
            code,
            (
                &format!("连续缴纳社会保险（不含补缴和单独参加工伤保险）{months}个月，满1年；{anchor_zh}"),
                &format!(
                    "{months} consecutive months of insurance (no back-payment, not work-injury only): one year or more; {anchor_en}"
                ),
            ),
            (
                &format!("连续缴纳社会保险（不含补缴和单独参加工伤保险）{months}个月，不满1年；{anchor_zh}"),
                &format!(
                    "{months} consecutive months of insurance (no back-payment, not work-injury only): less than one year; {anchor_en}"
                ),
            ),
        )
    };

    // (1) Labour contract with a district employer, employment registration, insurance.
    let mut contract = Branch::new();
    let contracts: Vec<&Employment> =
        app.employment.iter().filter(|e| e.kind == LabourContract).filter(current).collect();
    contract.cond(
        !contracts.is_empty(),
        met_or(
            !contracts.is_empty(),
            EMPLOYMENT_CONTRACT,
            "employment.contract",
            (
                "与本区用人单位签订的劳动合同在法定日期有效",
                "a labour contract with a district employer runs on the legal date",
            ),
            (
                "没有与本区用人单位签订、在法定日期有效的劳动合同",
                "no labour contract with a district employer running on the legal date",
            ),
        ),
    );
    if !contracts.is_empty() {
        if contracts.iter().any(|c| c.registered == Some(true)) {
            contract.cond(
                true,
                EMPLOYMENT_CONTRACT.reason(
                    "employment.registration.met",
                    "已办理就业登记",
                    "employment registration made",
                ),
            );
        } else if contracts.iter().any(|c| c.registered.is_none()) {
            contract.unknown(EMPLOYMENT_CONTRACT.reason(
                "employment.registration.unknown",
                "是否办理就业登记不明",
                "whether employment registration was made is unknown",
            ));
        } else {
            contract.cond(
                false,
                EMPLOYMENT_CONTRACT.reason(
                    "employment.registration.not-met",
                    "未办理就业登记",
                    "no employment registration",
                ),
            );
        }
    }
    contract.cond(months >= ONE_YEAR, insurance(EMPLOYMENT_CONTRACT, "employment.contract-insurance-one-year"));
    contract.needs(ev.missing(
        route,
        &[
            (MaterialKind::LabourContract, EMPLOYMENT_CONTRACT),
            (MaterialKind::EmploymentRegistration, EMPLOYMENT_CONTRACT),
            (MaterialKind::InsuranceCertificate, EMPLOYMENT_CONTRACT),
        ],
    ));

    // (2) A district business licence (or private non-enterprise / licensed practice) and insurance.
    let licence_of = |k: EmploymentKind| match k {
        Enterprise | PrivateNonEnterprise | LicensedPractice => Some(MaterialKind::BusinessLicence),
        IndividualBusiness => Some(MaterialKind::IndividualBusinessLicence),
        _ => None,
    };
    let mut licence = Branch::new();
    let licences: Vec<MaterialKind> =
        app.employment.iter().filter(current).filter_map(|e| licence_of(e.kind)).collect();
    licence.cond(
        !licences.is_empty(),
        met_or(
            !licences.is_empty(),
            EMPLOYMENT_LICENCE,
            "employment.licence",
            (
                "持有本区工商营业执照（民办非企业法人登记证书、事务所执业许可证书）",
                "holds a district business licence (or private non-enterprise or practice licence)",
            ),
            (
                "在法定日期未持有本区工商营业执照（民办非企业法人登记证书、事务所执业许可证书）",
                "holds no district business, private non-enterprise or practice licence on the legal date",
            ),
        ),
    );
    licence.cond(months >= ONE_YEAR, insurance(EMPLOYMENT_LICENCE, "employment.licence-insurance-one-year"));
    let mut wanted: Vec<(MaterialKind, Clause)> = vec![(MaterialKind::InsuranceCertificate, EMPLOYMENT_LICENCE)];
    if let Some(first) = licences.first().filter(|_| !licences.iter().any(|k| ev.has(*k))) {
        wanted.insert(0, (*first, EMPLOYMENT_LICENCE));
    }
    licence.needs(ev.missing(route, &wanted));

    // (3) Agricultural (forestry) land transfer or fishery licence/contract, held one year or more.
    let land_material = |k: EmploymentKind| match k {
        AgriculturalLease => Some(MaterialKind::AgriculturalContract),
        FisheryLicence => Some(MaterialKind::FisheryLicence),
        FisheryContract => Some(MaterialKind::FisheryContract),
        _ => None,
    };
    let mut land = Branch::new();
    let holdings: Vec<&Employment> =
        app.employment.iter().filter(|e| land_material(e.kind).is_some()).filter(current).collect();
    land.cond(
        !holdings.is_empty(),
        met_or(
            !holdings.is_empty(),
            EMPLOYMENT_LAND,
            "employment.land-or-fishery",
            (
                "在本区实际承包经营农业（林业）土地或持证经营渔业养殖",
                "holds agricultural or forestry land or aquaculture in the district",
            ),
            (
                "在法定日期没有在本区实际承包的农业（林业）土地或渔业养殖",
                "no agricultural, forestry or aquaculture holding in the district on the legal date",
            ),
        ),
    );
    let held: Vec<&&Employment> =
        holdings.iter().filter(|e| date::months_completed(date_of(&e.started_on), on, ONE_YEAR)).collect();
    if !holdings.is_empty() {
        land.cond(
            !held.is_empty(),
            met_or(
                !held.is_empty(),
                EMPLOYMENT_LAND,
                "employment.land-or-fishery-one-year",
                ("实际承包或持证经营满1年", "held for one year or more"),
                ("实际承包或持证经营不满1年", "held for less than one year"),
            ),
        );
        let materials: Vec<MaterialKind> = held.iter().filter_map(|e| land_material(e.kind)).collect();
        if let Some(first) = materials.first().filter(|_| !materials.iter().any(|k| ev.has(*k))) {
            land.needs(ev.missing(route, &[(*first, EMPLOYMENT_LAND)]));
        }
    }

    any_of(
        RouteKind::Employment,
        vec![contract, licence, land],
        Summary {
            clause: EMPLOYMENT,
            code: "employment.any-option",
            met: ("符合合法稳定就业条件", "stable lawful employment shown"),
            not_met: ("不符合合法稳定就业三项条件中的任何一项", "none of the three employment conditions is met"),
            unknown: ("合法稳定就业尚待事实或材料确认", "employment awaits facts or materials"),
        },
    )
}

/// 三(一)2: 合法稳定住所, any home in the district of kinds (1), (2), (3).
fn residence(app: &Application, on: Date) -> RouteResult {
    let ev = Evidence::of(app);
    let route = Some(RouteKind::Residence);
    let mut branches = Vec::new();
    for h in &app.housing {
        let mut b = Branch::new();
        let here = in_district(&h.division);
        b.cond(
            here,
            met_or(
                here,
                RESIDENCE,
                "residence.in-district",
                ("所居住的房屋在本区", "the home is in the district"),
                ("所居住的房屋不在本区", "the home is not in the district"),
            ),
        );
        // The home must be lived in on the legal date; a home whose first
        // day is not known leaves that unknown (an unknown never satisfies).
        if h.since.is_none() {
            b.unknown(RESIDENCE.reason(
                "residence.living-there.unknown",
                "不知何时起居住该房屋，法定日期是否已居住无法确认",
                "when the applicant began living there is not known, so living there on the legal date is not shown",
            ));
        }
        if let Some(since) = &h.since {
            let living = date_of(since) <= on;
            b.cond(
                living,
                met_or(
                    living,
                    RESIDENCE,
                    "residence.living-there",
                    ("在法定日期已居住该房屋", "lives there on the legal date"),
                    ("在法定日期尚未居住该房屋", "does not yet live there on the legal date"),
                ),
            );
        }
        match h.kind {
            HousingKind::Owned | HousingKind::RelativeOwned => {
                b.cond(
                    true,
                    RESIDENCE_OWNED.reason(
                        "residence.own-or-relative-property.met",
                        "本人或其同户近亲属拥有所有权或合法使用权的房屋",
                        "a home the applicant or a near relative of the same household owns or lawfully uses",
                    ),
                );
                let mut wanted = vec![(MaterialKind::PropertyCertificate, RESIDENCE_OWNED)];
                if h.kind == HousingKind::RelativeOwned {
                    wanted.push((MaterialKind::KinshipProof, RESIDENCE_OWNED));
                }
                b.needs(ev.missing(route, &wanted));
            }
            HousingKind::CollectiveDormitory => {
                b.cond(
                    true,
                    RESIDENCE_DORMITORY.reason(
                        "residence.collective-dormitory.met",
                        "居住在开发园区管理机构或用人单位的集体宿舍或其向社会购买的居住房屋",
                        "lives in a collective dormitory or home of a development zone or employer",
                    ),
                );
                b.needs(ev.missing(route, &[(MaterialKind::DormitoryCertificate, RESIDENCE_DORMITORY)]));
            }
            HousingKind::Rented => {
                match h.rental.as_ref().and_then(|r| r.compliant) {
                    Some(true) => b.cond(
                        true,
                        RESIDENCE_RENTED.reason(
                            "residence.rental-compliant.met",
                            "租住房屋符合出租房屋管理相关规定",
                            "the rented home complies with the rental rules",
                        ),
                    ),
                    Some(false) => b.cond(
                        false,
                        RESIDENCE_RENTED.reason(
                            "residence.rental-compliant.not-met",
                            "租住房屋不符合出租房屋管理相关规定",
                            "the rented home does not comply with the rental rules",
                        ),
                    ),
                    None => b.unknown(RESIDENCE_RENTED.reason(
                        "residence.rental-compliant.unknown",
                        "租住房屋是否符合出租房屋管理相关规定不明",
                        "whether the rented home complies with the rental rules is unknown",
                    )),
                }
                b.needs(ev.missing(route, &[(MaterialKind::LeaseContract, RESIDENCE_RENTED)]));
            }
            HousingKind::SchoolDormitory => b.cond(
                false,
                RESIDENCE.reason(
                    "residence.housing-kind.not-met",
                    "学校宿舍不属于三(一)2所列住所（就读者适用三(一)3）",
                    "a school dormitory is not a home listed in 三(一)2 (students apply under 三(一)3)",
                ),
            ),
        }
        branches.push(b);
    }
    any_of(
        RouteKind::Residence,
        branches,
        Summary {
            clause: RESIDENCE,
            code: "residence.any-option",
            met: ("符合合法稳定住所条件", "stable lawful residence shown"),
            not_met: ("在本区没有符合三(一)2的住所", "no home in the district meets 三(一)2"),
            unknown: ("合法稳定住所尚待事实或材料确认", "residence awaits facts or materials"),
        },
    )
}

/// 三(一)3: full-time enrolment in the district for one year or more.
fn schooling(app: &Application, on: Date) -> RouteResult {
    let mut branches = Vec::new();
    for s in &app.schooling {
        let mut b = Branch::new();
        let here = in_district(&s.division);
        b.cond(
            here,
            met_or(
                here,
                SCHOOLING,
                "schooling.in-district",
                ("学校在本区", "the school is in the district"),
                ("学校不在本区", "the school is not in the district"),
            ),
        );
        let enrolled = runs_on(&s.enrolled_on, &s.left_on, on);
        b.cond(
            enrolled,
            met_or(
                enrolled,
                SCHOOLING,
                "schooling.enrolled",
                ("在法定日期仍在读", "still enrolled on the legal date"),
                ("在法定日期已不在读", "no longer enrolled on the legal date"),
            ),
        );
        b.cond(
            s.full_time,
            met_or(
                s.full_time,
                SCHOOLING,
                "schooling.full-time",
                ("全日制就读", "full-time enrolment"),
                ("非全日制就读", "not full-time"),
            ),
        );
        let year = date::months_completed(date_of(&s.enrolled_on), on, ONE_YEAR);
        b.cond(
            year,
            met_or(
                year,
                SCHOOLING,
                "schooling.one-year",
                ("取得学籍并就读满1年", "enrolled for one year or more"),
                ("取得学籍就读不满1年", "enrolled for less than one year"),
            ),
        );
        branches.push(b);
    }
    any_of(
        RouteKind::Schooling,
        branches,
        Summary {
            clause: SCHOOLING,
            code: "schooling.any-option",
            met: ("符合连续就读条件", "continuous schooling shown"),
            not_met: ("不符合连续就读条件", "no schooling meets 三(一)3"),
            unknown: ("连续就读尚待确认", "schooling awaits facts"),
        },
    )
}

/// 三(一)4: investors, recruited talent, special skills or contributions and
/// urgently needed talent are not bound by the conditions 1–3.
///
/// Item 4 stands beside items 1–3 as their exception, so it lifts the
/// one-of-three requirement; the half-year of registered residence in the
/// lead paragraph (the national floor of Decree 663 art. 2) still applies.
/// Who counts is for the district HR bureau's rules (具体办法由区人力社保局制定),
/// which this module does not have: a `special-status` is taken as that
/// bureau's finding.
fn exemption(app: &Application) -> RouteResult {
    use SpecialStatus::*;
    let mut rb = RouteBuilder::new(RouteKind::Exemption, None);
    let listed = app
        .special_statuses
        .iter()
        .any(|s| matches!(s, Investor | RecruitedTalent | SpecialSkill | SpecialContribution | UrgentlyNeededTalent));
    rb.condition(
        listed,
        met_or(
            listed,
            EXEMPTION,
            "exemption.special-status",
            (
                "属投资创业、引进人才、有特殊技能、有特殊贡献者或急需人才，可不受申领条件限制",
                "investor, recruited talent, special skill or contribution, or urgently needed talent: not bound by the conditions",
            ),
            (
                "不属三(一)4所列投资创业、引进人才、特殊技能、特殊贡献或急需人才",
                "not an investor, recruited talent, special skill or contribution, or urgently needed talent",
            ),
        ),
    );
    if listed {
        rb.condition(
            true,
            EXEMPTION.reason(
                "exemption.detailed-rules.not-in-text",
                "认定标准和材料由区人力社保局制定的具体办法规定，本办法未载明；本模块以认定结果为准",
                "who qualifies, and on what proof, is set by the district HR bureau's rules, not by this text; the module takes the bureau's finding",
            ),
        );
    }
    rb.finish()
}

/// 三(一)4 "可不受以上申领条件限制" could be read to lift the half year too. The
/// module reads the district text through Decree 663 第二条 ("公民离开常住户口所在地，
/// 到其他城市居住半年以上…可以依照本条例的规定申领居住证"), the national floor a local
/// text cannot lower, and keeps the half year for an exempt applicant. That is an
/// interpretation, not the district text's words: both reasons say so, one citing
/// each text.
fn half_year_for_exempt(shared: &mut Shared) {
    shared.note(EXEMPTION.reason(
        "exemption.half-year-kept.interpretation",
        "解释：三(一)4“可不受以上申领条件限制”本办法未说明是否包括居住半年；本模块按《居住证暂行条例》（国务院令第663号）第二条“到其他城市居住半年以上”的全国标准，仍要求连续居住登记满半年，只免除三(一)1-3的条件",
        "interpretation: 三(一)4 \"not bound by the above conditions\" does not say whether it lifts the half year; reading it through Decree 663 第二条 (\"resided in another city for half a year or more\"), the module keeps the half year and lifts only conditions 1-3",
    ));
    shared.note(framework::decree_663("第二条").reason(
        "residence-period.half-year.decree-663-floor",
        "《居住证暂行条例》第二条“到其他城市居住半年以上”：本模块据此解释000_cc214f7b1d2eacaa 三(一)4，对不受三(一)1-3条件限制的申请人仍适用居住半年",
        "Decree 663 第二条 \"resided in another city for half a year or more\": the module reads 000_cc214f7b1d2eacaa 三(一)4 through it and keeps the half year for applicants exempt from 三(一)1-3",
    ));
}

/// Decides an application under 三(一).
pub fn evaluate(app: &Application, on: Date) -> Result<Decision, InputError> {
    if !in_district(&app.jurisdiction) {
        return Err(InputError {
            field: "application.jurisdiction".into(),
            message: format!(
                "`{}` is not 330205; this module decides applications to 宁波市江北区 (330205) only",
                app.jurisdiction
            ),
        });
    }
    let mut shared = Shared::new();
    residence_period(app, on, &mut shared);
    let exemption = exemption(app);
    if exemption.status != RouteStatus::NotMet {
        half_year_for_exempt(&mut shared);
    }
    let routes = vec![employment(app, on), residence(app, on), schooling(app, on), exemption];
    Ok(framework::decide(shared, routes, |_| 0))
}
