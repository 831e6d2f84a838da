//! Who may have a permit: Decree 663's floor, with 合法稳定 left to the city.
//!
//! The notice sets no conditions of its own: 二(二) tells each city to make
//! 具体可操作的居住证申领条件 (by 2016-12-31, 三). 二(一)'s lists (签订劳动合同、
//! 参加社会保险、持有工商执照等就业状况, 自购房屋、单位集体宿舍、出租房屋等居住
//! 状况, the 就读状况) are what cities are to survey (全面了解掌握), not a test
//! of an applicant, so the module does not read them as one. It reads the
//! notice through Decree 663 第二条 instead:
//! - six months of registered residence in one city of the province, counted
//!   per city as "到其他城市居住半年以上" says: decided here (met, not met, or
//!   unknown while a move's timeliness is unknown);
//! - 合法稳定就业、合法稳定住所、连续就读: neither the decree nor the notice says
//!   what counts as 合法稳定 (or 连续); the city's implementing rules do
//!   (第二十二条 "设区的市级以上地方人民政府……根据本条例制定实施办法"; 二(二)). So
//!   a route on which the applicant shows facts on the legal date (any job or
//!   social insurance, any home, any enrolment, in the province) is undecided
//!   (`….undecided`, effect unknown, route incomplete), citing 第二条 and 二(二);
//!   a route with no such facts is not met; a home whose moving-in date is not
//!   known is unknown. An unknown fact never meets a condition.
//!
//! No route is ever met, so the module never answers Eligible on its own: an
//! applicant with six months is Incomplete (the city's rules decide), one
//! without them is Ineligible. The notice names no exemption. The notice asks
//! for no materials, so Decree 663 第九条's apply: the identity card and a
//! photo for every application, and for a route with facts, proof of what the
//! route rests on where 第九条 names one (a labour contract, a business
//! licence, an insurance certificate; a property certificate, a dormitory
//! certificate, a lease; an enrolment certificate). Where 第九条 names no
//! proof of a fact (e.g. a relative's home), none is invented. Every decision
//! says the city's rules govern (`eligibility.city-rules.not-in-text`,
//! `eligibility.implementing-rules.not-in-text`) and that 二(一) is a survey
//! (`eligibility.survey.not-a-condition`).

use juzhu_sdk::prelude::*;

use crate::area::{self, in_area};
use crate::clauses::{CITY_RULES, IMPLEMENTING_RULES, MATERIALS, NATIONAL_FLOOR, SURVEY};

/// Decree 663 第九条 asks for proof of what a route rests on. Any one of
/// `proofs` (each showing a fact the route rests on) suffices; with none
/// submitted or on file, the first is asked for. With no proof named for the
/// facts shown, nothing is asked.
fn one_proof(route: &mut RouteBuilder, app: &Application, kind: RouteKind, proofs: &[MaterialKind]) {
    let ev = Evidence::of(app);
    if let Some(first) = proofs.first()
        && !proofs.iter().any(|p| ev.has(*p))
    {
        route.needs(ev.missing(Some(kind), &[(*first, MATERIALS)]));
    }
}

/// The words of one route's condition under Decree 663 第二条.
struct Condition {
    /// The reason codes' first segment: `employment`, `residence`, `schooling`.
    route: &'static str,
    /// The condition's code segment, e.g. `stable-employment`.
    code: &'static str,
    /// The decree's words for it, e.g. 合法稳定就业.
    zh: &'static str,
    en: &'static str,
}

const EMPLOYMENT: Condition =
    Condition {
        route: "employment", code: "stable-employment", zh: "合法稳定就业", en: "lawful, stable employment"
    };
const RESIDENCE: Condition =
    Condition { route: "residence", code: "stable-home", zh: "合法稳定住所", en: "a lawful, stable home" };
const SCHOOLING: Condition =
    Condition { route: "schooling", code: "continuous-schooling", zh: "连续就读", en: "continuous schooling" };

/// Facts shown on a route: the route is undecided. Two reasons, both of
/// effect unknown: the decree's condition (第二条) and the notice's handing of
/// the conditions to the city (二(二)).
fn undecided(route: &mut RouteBuilder, c: &Condition, facts_zh: &str, facts_en: &str) {
    route.unknown(NATIONAL_FLOOR.reason(
        &format!("{}.{}.undecided", c.route, c.code),
        &format!(
            "决定日在省内的事实：{facts_zh}。{}是国务院令第663号第二条的条件之一（“符合有合法稳定就业、合法稳定住所、连续就读条件之一”），但条例和本通知均未规定何为{}；依本通知第二部分第（二）项，由所在城市制订的申领条件认定（国务院令第663号第二十二条：实施办法由设区的市级以上地方人民政府制定），本模块不能认定，既不认定符合，也不认定不符合",
            c.zh, c.zh
        ),
        &format!(
            "shown in Zhejiang on the legal date: {facts_en}. Decree 663 第二条 asks for {} ({}), but neither the decree nor the notice says what counts as such; under the notice's 二(二) the city's rules decide it (Decree 663 第二十二条: the city makes the implementing rules), so this module leaves it undecided, neither met nor not met",
            c.en, c.zh
        ),
    ));
    route.unknown(CITY_RULES.reason(
        &format!("{}.city-conditions.undecided", c.route),
        &format!(
            "本通知第二部分第（二）项要求各地制订“具体可操作的居住证申领条件”，本通知自身未规定{}的条件；依国务院令第663号第二条读本通知，是否属于{}须按所在城市的规定认定",
            c.zh, c.zh
        ),
        &format!(
            "the notice's 二(二) tells each city to make 具体可操作的居住证申领条件 and sets no condition of its own for {}; read through Decree 663 第二条, whether the facts amount to {} is for the city's rules",
            c.en, c.en
        ),
    ));
}

/// No facts shown on a route: not met (第二条 asks for one of the three).
fn none_shown(route: &mut RouteBuilder, c: &Condition, zh: &str, en: &str) {
    route.condition(
        false,
        NATIONAL_FLOOR.reason(
            &format!("{}.{}.not-met", c.route, c.code),
            &format!("{zh}，不能证明国务院令第663号第二条所说的{}", c.zh),
            &format!("{en}, so nothing shows {} (Decree 663 第二条)", c.en),
        ),
    );
}

/// The words of a list, joined with 、 and with `, `.
fn listed(items: &[(&str, &str)]) -> (String, String) {
    let zh: Vec<&str> = items.iter().map(|(z, _)| *z).collect();
    let en: Vec<&str> = items.iter().map(|(_, e)| *e).collect();
    (zh.join("、"), en.join(", "))
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
    shared.note(CITY_RULES.reason(
        "eligibility.city-rules.not-in-text",
        "本通知未规定居住证申领条件：第二部分第（二）项要求各地制订“具体可操作的居住证申领条件”（第三部分：于2016年12月31日前研究制定具体实施办法）。本决定依国务院令第663号第二条读本通知：居住半年以上（按城市计算）由本模块认定；何为合法稳定就业、合法稳定住所、连续就读由所在城市的规定认定，本模块不作认定，也不自行作出符合申领条件的决定",
        "The notice sets no conditions for a permit: 二(二) tells each city to make 具体可操作的居住证申领条件 (by 2016-12-31, per 三). This decision reads the notice through Decree 663 第二条: it decides the six months of residence (counted per city); what counts as lawful, stable employment or residence or continuous schooling is for the city's rules, which this module does not hold, so it never finds an applicant eligible on its own.",
    ));
    shared.note(IMPLEMENTING_RULES.reason(
        "eligibility.implementing-rules.not-in-text",
        "国务院令第663号第二十二条：“设区的市级以上地方人民政府应当结合本行政区域经济社会发展需要及落户条件等因素，根据本条例制定实施办法。”合法稳定就业、合法稳定住所、连续就读的认定由所在城市的实施办法规定，本模块未收录",
        "Decree 663 第二十二条: cities (设区的市) and above make the implementing rules of the decree. What counts as lawful, stable employment or residence or continuous schooling is in the city's implementing rules, which this module does not hold.",
    ));
    shared.note(SURVEY.reason(
        "eligibility.survey.not-a-condition",
        "本通知第二部分第（一）项要求各地“全面了解掌握……签订劳动合同、参加社会保险、持有工商执照等就业状况，自购房屋、单位集体宿舍、出租房屋等居住状况，以及……就读状况”，这是调查摸底的要求，不是申领条件；本模块不以所列情形认定就业、住所或就读",
        "The notice's 二(一) tells cities to survey (全面了解掌握) the employment (签订劳动合同、参加社会保险、持有工商执照等), housing and schooling of their migrant population: an instruction to survey, not a condition of a permit, so the module does not test an applicant against its list.",
    ));
    residence_period(app, on, &mut shared);
    shared.note(MATERIALS.reason(
        "materials.decree-663.applied",
        "本通知未规定申领材料，依国务院令第663号第九条：“提交本人居民身份证、本人相片以及居住地住址、就业、就读等证明材料”；就业、住所、就读只要求已有事实的证明，条例未列名的证明不另要求",
        "The notice sets no application materials, so it is read through Decree 663 第九条: the identity card, a photo, and proof of the address, employment or schooling the application rests on; proof is asked only of facts shown, and only where the article names it.",
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

/// The words for a kind of employment, as a fact shown.
fn employment_words(kind: EmploymentKind) -> (&'static str, &'static str) {
    match kind {
        EmploymentKind::LabourContract => ("履行中的劳动合同", "a running labour contract"),
        EmploymentKind::Enterprise => ("经营中的企业", "a running enterprise"),
        EmploymentKind::IndividualBusiness => ("经营中的个体工商户", "a running individual business"),
        EmploymentKind::PrivateNonEnterprise => ("民办非企业单位", "a private non-enterprise unit"),
        EmploymentKind::LicensedPractice => ("事务所执业", "a licensed practice"),
        EmploymentKind::AgriculturalLease => ("农业（林业）土地经营", "farming or forestry on leased land"),
        EmploymentKind::FisheryLicence => ("全民所有水域（滩涂）渔业养殖", "aquaculture under a state-waters licence"),
        EmploymentKind::FisheryContract => {
            ("集体所有水域（滩涂）渔业养殖", "aquaculture under a collective-waters contract")
        }
        EmploymentKind::OtherSelfEmployment => ("其他自主就业", "other self-employment"),
    }
}

/// Decree 663 第二条 合法稳定就业: any job running on the legal date, or social
/// insurance covering its month, in the province, is a fact on the route, and
/// what counts as lawful and stable is the city's to say.
fn employment(app: &Application, on: Date) -> RouteResult {
    let mut route = RouteBuilder::new(RouteKind::Employment, None);
    let running: Vec<&Employment> = app
        .employment
        .iter()
        .filter(|e| in_area(&e.division) && framework::runs_on(&e.started_on, &e.ended_on, on))
        .collect();
    let month = YearMonth::of(on);
    let insured = app
        .insurance
        .iter()
        .any(|p| in_area(&p.division) && framework::month_of(&p.from) <= month && month <= framework::month_of(&p.to));
    let mut facts: Vec<(&str, &str)> = Vec::new();
    for e in &running {
        let words = employment_words(e.kind);
        if !facts.contains(&words) {
            facts.push(words);
        }
    }
    if insured {
        facts.push(("决定日所在月份的社会保险", "social insurance covering the legal date's month"));
    }
    if facts.is_empty() {
        none_shown(
            &mut route,
            &EMPLOYMENT,
            &format!("决定日在省内没有履行中的就业，{month}也未在省内参加社会保险"),
            &format!("no job in Zhejiang runs on the legal date and no insurance in Zhejiang covers {month}"),
        );
        return route.finish();
    }
    let (zh, en) = listed(&facts);
    undecided(&mut route, &EMPLOYMENT, &zh, &en);
    // 第九条: 就业证明包括工商营业执照、劳动合同……或者其他能够证明有合法稳定就业的材料.
    let has = |kind: EmploymentKind| running.iter().any(|e| e.kind == kind);
    let proofs: Vec<MaterialKind> = [
        (has(EmploymentKind::LabourContract), MaterialKind::LabourContract),
        (has(EmploymentKind::Enterprise), MaterialKind::BusinessLicence),
        (has(EmploymentKind::IndividualBusiness), MaterialKind::IndividualBusinessLicence),
        (insured, MaterialKind::InsuranceCertificate),
    ]
    .into_iter()
    .filter_map(|(holds, kind)| holds.then_some(kind))
    .collect();
    one_proof(&mut route, app, RouteKind::Employment, &proofs);
    route.finish()
}

/// The words for a kind of home, as a fact shown.
fn housing_words(kind: HousingKind) -> (&'static str, &'static str) {
    match kind {
        HousingKind::Owned => ("自有住房", "a home of their own"),
        HousingKind::RelativeOwned => ("近亲属的住房", "a near relative's home"),
        HousingKind::CollectiveDormitory => ("单位集体宿舍", "an employer's collective dormitory"),
        HousingKind::SchoolDormitory => ("学校宿舍", "a school dormitory"),
        HousingKind::Rented => ("出租房屋", "a rented home"),
    }
}

/// Decree 663 第二条 合法稳定住所: any home in the province lived in on the
/// legal date is a fact on the route; a home whose moving-in date is not known
/// leaves the route unknown.
fn residence(app: &Application, on: Date) -> RouteResult {
    let mut route = RouteBuilder::new(RouteKind::Residence, None);
    let homes = app.housing.iter().filter(|h| in_area(&h.division));
    let held: Vec<HousingKind> = homes
        .clone()
        .filter(|h| h.since.as_deref().is_some_and(|s| framework::date_of(s) <= on))
        .map(|h| h.kind)
        .collect();
    if !held.is_empty() {
        let mut facts: Vec<(&str, &str)> = Vec::new();
        for kind in &held {
            let words = housing_words(*kind);
            if !facts.contains(&words) {
                facts.push(words);
            }
        }
        let (zh, en) = listed(&facts);
        undecided(&mut route, &RESIDENCE, &format!("已入住的{zh}"), &format!("lives in {en}"));
        // 第九条: 居住地住址证明包括房屋租赁合同、房屋产权证明文件、购房合同或者房屋出租人、
        // 用人单位、就读学校出具的住宿证明等. A near relative's home or a school dormitory
        // has no proof this module can name (the dormitory certificate is an employer's).
        let proofs: Vec<MaterialKind> = [
            (HousingKind::Owned, MaterialKind::PropertyCertificate),
            (HousingKind::CollectiveDormitory, MaterialKind::DormitoryCertificate),
            (HousingKind::Rented, MaterialKind::LeaseContract),
        ]
        .into_iter()
        .filter_map(|(kind, proof)| held.contains(&kind).then_some(proof))
        .collect();
        one_proof(&mut route, app, RouteKind::Residence, &proofs);
    } else if homes.clone().any(|h| h.since.is_none()) {
        route.unknown(NATIONAL_FLOOR.reason(
            "residence.stable-home.unknown",
            "省内住所的入住日期不明，无法确定决定日是否居住；请提供入住日期（即使已入住，何为合法稳定住所仍由所在城市的规定认定）",
            "the date of moving into a home in Zhejiang is not known, so living there on the legal date cannot be established; give the date (even then, what counts as a lawful, stable home is for the city's rules)",
        ));
    } else {
        none_shown(
            &mut route,
            &RESIDENCE,
            "决定日没有居住在省内的住所",
            "no home in Zhejiang is lived in on the legal date",
        );
    }
    route.finish()
}

/// Decree 663 第二条 连续就读: any enrolment at a school in the province
/// running on the legal date, full time or not, is a fact on the route.
fn schooling(app: &Application, on: Date) -> RouteResult {
    let mut route = RouteBuilder::new(RouteKind::Schooling, None);
    let enrolled: Vec<&Schooling> = app
        .schooling
        .iter()
        .filter(|s| in_area(&s.division) && framework::runs_on(&s.enrolled_on, &s.left_on, on))
        .collect();
    if enrolled.is_empty() {
        none_shown(
            &mut route,
            &SCHOOLING,
            "决定日没有在省内学校就读",
            "not enrolled at a school in Zhejiang on the legal date",
        );
        return route.finish();
    }
    let (zh, en) = if enrolled.iter().any(|s| s.full_time) {
        ("在学校全日制就读", "full-time enrolment at a school")
    } else {
        ("在学校非全日制就读", "part-time enrolment at a school")
    };
    undecided(&mut route, &SCHOOLING, zh, en);
    // 第九条: 就读证明包括学生证、就读学校出具的其他能够证明连续就读的材料等.
    one_proof(&mut route, app, RouteKind::Schooling, &[MaterialKind::EnrolmentCertificate]);
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
