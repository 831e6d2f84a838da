//! 二(二)1-3: the rights, basic public services and conveniences of a holder.
//!
//! The text names no responsible department per service: 二(二)3 only tells the
//! district departments and streets to expand the range and make supporting
//! policies, so every `department` is `None`. While use is suspended for a
//! missed endorsement (二(一)4) the permit gives none of them, nor once a
//! permit obtained by deceit is confiscated (Decree 663 第十九条, read as the
//! end of the permit: [`endorsement::confiscation`]).

use juzhu_sdk::prelude::*;

use crate::clauses::*;
use crate::endorsement;

/// (code, kind, zh, en, clause), in the order of the text.
const CATALOGUE: &[(&str, ServiceKind, &str, &str, Clause)] = &[
    // 二(二)1, rights in the place of residence.
    ("right.employment", ServiceKind::BasicPublicService, "劳动就业", "employment", SERVICES),
    ("right.social-insurance", ServiceKind::BasicPublicService, "参加社会保险", "joining social insurance", SERVICES),
    (
        "right.housing-fund",
        ServiceKind::BasicPublicService,
        "缴存、提取和使用住房公积金",
        "paying into, drawing and using the housing provident fund",
        SERVICES,
    ),
    (
        "right.trade-union-and-social-affairs",
        ServiceKind::BasicPublicService,
        "依法加入工会和参与社会事务",
        "joining a trade union and taking part in social affairs",
        SERVICES,
    ),
    // 二(二)1, basic public services.
    ("service.compulsory-education", ServiceKind::BasicPublicService, "义务教育", "compulsory education", SERVICES),
    (
        "service.public-employment",
        ServiceKind::BasicPublicService,
        "基本公共就业服务",
        "basic public employment services",
        SERVICES,
    ),
    (
        "service.public-health-and-family-planning",
        ServiceKind::BasicPublicService,
        "基本公共卫生服务和计划生育服务",
        "basic public health and family planning services",
        SERVICES,
    ),
    (
        "service.culture-and-sports",
        ServiceKind::BasicPublicService,
        "公共文化体育服务",
        "public cultural and sports services",
        SERVICES,
    ),
    (
        "service.legal-aid",
        ServiceKind::BasicPublicService,
        "法律援助和其他法律服务",
        "legal aid and other legal services",
        SERVICES,
    ),
    (
        "service.other-prescribed",
        ServiceKind::BasicPublicService,
        "国家和省、市政府规定的其他基本公共服务",
        "other basic public services prescribed by the state, province or city",
        SERVICES,
    ),
    // 二(二)2, conveniences.
    (
        "convenience.exit-entry-documents",
        ServiceKind::Convenience,
        "办理出入境证件",
        "exit and entry documents",
        CONVENIENCES,
    ),
    (
        "convenience.identity-card",
        ServiceKind::Convenience,
        "换领、补领居民身份证",
        "renewing or replacing the resident identity card",
        CONVENIENCES,
    ),
    (
        "convenience.vehicle-registration",
        ServiceKind::Convenience,
        "办理机动车登记",
        "motor vehicle registration",
        CONVENIENCES,
    ),
    (
        "convenience.driving-licence",
        ServiceKind::Convenience,
        "申领机动车驾驶证",
        "applying for a driving licence",
        CONVENIENCES,
    ),
    (
        "convenience.vocational-qualification",
        ServiceKind::Convenience,
        "报名参加职业资格考试、申请授予职业资格",
        "vocational qualification examinations and awards",
        CONVENIENCES,
    ),
    (
        "convenience.birth-service-registration",
        ServiceKind::Convenience,
        "办理生育服务登记和其他计划生育证明材料",
        "birth service registration and other family planning certificates",
        CONVENIENCES,
    ),
    (
        "convenience.other-prescribed",
        ServiceKind::Convenience,
        "国家和省、市政府规定的其他便利",
        "other conveniences prescribed by the state, province or city",
        CONVENIENCES,
    ),
];

pub fn services(permit: &Permit, facts: &Application, on: Date) -> Entitlements {
    let cycle = endorsement::cycle(permit, on);
    let mut reasons = Vec::new();
    let confiscated = endorsement::confiscation(facts, on);
    let suspended = cycle.suspended(on);
    if let Some((ground, since)) = confiscated.clone() {
        reasons.push(ground);
        reasons.push(framework::no_services_while_confiscated(DECREE_19, since));
    } else if suspended {
        reasons.push(ENDORSEMENT.reason(
            "services.permit-in-use.not-met",
            &format!("逾期未签注，自{}起居住证使用功能中止，补办签注后恢复", cycle.suspended_since()),
            &format!("not endorsed in time: use suspended from {} until a late endorsement", cycle.suspended_since()),
        ));
    } else {
        reasons.push(ENDORSEMENT.reason("services.permit-in-use.met", "居住证使用功能正常", "the permit is in use"));
    }
    reasons.push(EXPANSION.reason(
        "services.departments.not-in-text",
        "本通知未指定各项服务的责任部门；区有关部门及各街道应逐步扩大服务范围并制定配套政策",
        "the text names no department per service; district departments and streets are to expand the range and make supporting policies",
    ));
    reasons.push(POINTS.reason(
        "services.points-linked-content.not-in-text",
        "与量化情况挂钩的公共服务和便利的具体内容应当向社会公布，本通知未列明",
        "the services tied to the quantified indicators are to be published; the text does not list them",
    ));
    let services = if suspended || confiscated.is_some() {
        Vec::new()
    } else {
        CATALOGUE
            .iter()
            .map(|(code, kind, zh, en, clause)| Service {
                code: (*code).into(),
                kind: *kind,
                zh: (*zh).into(),
                en: (*en).into(),
                department: None,
                citation: clause.citation(),
            })
            .collect()
    };
    Entitlements { services, reasons }
}
