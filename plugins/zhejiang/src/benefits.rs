//! Services (二(一)) for holders.
//!
//! 二(一) lists the basic public services (义务教育、就业、卫生、计划生育、
//! 文化体育、法律援助) and conveniences (办理出入境证件 … 办理生育服务登记和其他
//! 计划生育证明材料) whose rules cities are to review; the concrete terms of each
//! benefit are for the city's rules (二(二) 居住证持有人可以享受的具体政策待遇),
//! said by `services.specific-benefits.not-in-text`. The notice names no
//! responsible department for any of them. While the permit's use is suspended
//! under the configured endorsement cycle (see `endorsement`), no service is
//! listed.

use juzhu_sdk::prelude::*;

use crate::clauses::{CITY_RULES, SURVEY};
use crate::endorsement;

/// (code, kind, zh, en), in the order of 二(一).
const SERVICES: &[(&str, ServiceKind, &str, &str)] = &[
    ("compulsory-education", ServiceKind::BasicPublicService, "义务教育", "compulsory education"),
    ("employment", ServiceKind::BasicPublicService, "就业", "employment services"),
    ("health", ServiceKind::BasicPublicService, "卫生", "health services"),
    ("family-planning", ServiceKind::BasicPublicService, "计划生育", "family-planning services"),
    ("culture-sports", ServiceKind::BasicPublicService, "文化体育", "culture and sports"),
    ("legal-aid", ServiceKind::BasicPublicService, "法律援助", "legal aid"),
    ("exit-entry-documents", ServiceKind::Convenience, "办理出入境证件", "applying for exit-entry documents"),
    (
        "id-card-renewal",
        ServiceKind::Convenience,
        "换领、补领居民身份证",
        "renewing or replacing the resident identity card",
    ),
    ("motor-vehicle-registration", ServiceKind::Convenience, "机动车登记", "motor vehicle registration"),
    ("driving-licence", ServiceKind::Convenience, "申领机动车驾驶证", "applying for a driving licence"),
    (
        "vocational-qualification-exam",
        ServiceKind::Convenience,
        "报名参加职业资格考试",
        "entering vocational qualification examinations",
    ),
    (
        "vocational-qualification-award",
        ServiceKind::Convenience,
        "申请授予职业资格",
        "applying for the award of a vocational qualification",
    ),
    (
        "birth-service-registration",
        ServiceKind::Convenience,
        "办理生育服务登记和其他计划生育证明材料",
        "birth service registration and other family-planning certificates",
    ),
];

pub fn services(permit: &Permit, facts: &Application, on: Date) -> Result<Entitlements, InputError> {
    let answer = endorsement::status(permit, facts, on)?;
    let mut reasons = vec![CITY_RULES.reason(
        "services.specific-benefits.not-in-text",
        "本通知列明基本公共服务和便利的范围，具体待遇及享受条件由各地配套政策规定",
        "the notice lists the services and conveniences; their concrete terms and conditions are for the city's rules",
    )];
    if let EndorsementStatus::OverdueSuspended(s) = &answer.status {
        reasons.push(CITY_RULES.reason(
            "services.permit-in-use.not-met",
            &format!("按地方配置的签注参数，居住证自{}起使用功能中止，补办签注后恢复", s.since),
            &format!("under the configured endorsement parameters the permit's use is suspended from {} until a late endorsement", s.since),
        ));
        return Ok(Entitlements { services: Vec::new(), reasons });
    }
    reasons.push(CITY_RULES.reason("services.permit-in-use.met", "居住证在有效使用中", "the permit is in use"));
    let services = SERVICES
        .iter()
        .map(|(code, kind, zh, en)| Service {
            code: (*code).to_string(),
            kind: *kind,
            zh: (*zh).to_string(),
            en: (*en).to_string(),
            department: None,
            citation: SURVEY.citation(),
        })
        .collect();
    Ok(Entitlements { services, reasons })
}
