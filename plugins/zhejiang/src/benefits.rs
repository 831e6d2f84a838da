//! Services for holders: Decree 663 第十二条 and 第十三条.
//!
//! The notice grants no services of its own. 二(一) tells cities to review
//! (全面梳理) their rules on the basic public services (义务教育、就业、卫生、计划
//! 生育、文化体育、法律援助) and conveniences (办理出入境证件 … 办理生育服务登记和
//! 其他计划生育证明材料): a review, not a list of entitlements. What a holder
//! is entitled to comes from Decree 663, which the notice implements:
//! - 第十二条: the basic public services 县级以上人民政府及其有关部门 provide to a
//!   holder (义务教育; 基本公共就业服务; 基本公共卫生服务和计划生育服务; 公共文化
//!   体育服务; 法律援助和其他法律服务; 国家规定的其他基本公共服务), beside the
//!   rights to 劳动就业, 社会保险 and 住房公积金 (said as a reason: they are
//!   rights, not services);
//! - 第十三条: the conveniences (出入境证件; 换领、补领居民身份证; 机动车登记;
//!   机动车驾驶证; 职业资格考试、职业资格; 生育服务登记和其他计划生育证明材料;
//!   国家规定的其他便利).
//!
//! Each service cites its article. Neither article names a responsible
//! department for any item, and the catch-alls ("国家规定的其他基本公共服务",
//! "国家规定的其他便利") name no service either, so `department` is `None`
//! throughout. The concrete terms of each benefit are for the city's rules
//! (二(二) 居住证持有人可以享受的具体政策待遇), said by
//! `services.specific-benefits.not-in-text`; the review of 二(一) is said by
//! `services.survey.not-an-entitlement`. While the permit's use is suspended
//! under the configured endorsement cycle (see `endorsement`), no service is
//! listed.

use juzhu_sdk::cite::Clause;
use juzhu_sdk::prelude::*;

use crate::clauses::{BASIC_SERVICES, CITY_RULES, CONVENIENCES, DECREE_19, SURVEY};
use crate::endorsement;

/// (code, kind, clause, zh, en), in the order of 第十二条 then 第十三条.
const SERVICES: &[(&str, ServiceKind, Clause, &str, &str)] = &[
    // 第十二条 (一)–(六).
    ("compulsory-education", ServiceKind::BasicPublicService, BASIC_SERVICES, "义务教育", "compulsory education"),
    (
        "employment",
        ServiceKind::BasicPublicService,
        BASIC_SERVICES,
        "基本公共就业服务",
        "basic public employment services",
    ),
    ("health", ServiceKind::BasicPublicService, BASIC_SERVICES, "基本公共卫生服务", "basic public health services"),
    ("family-planning", ServiceKind::BasicPublicService, BASIC_SERVICES, "计划生育服务", "family-planning services"),
    (
        "culture-sports",
        ServiceKind::BasicPublicService,
        BASIC_SERVICES,
        "公共文化体育服务",
        "public cultural and sports services",
    ),
    (
        "legal-aid",
        ServiceKind::BasicPublicService,
        BASIC_SERVICES,
        "法律援助和其他法律服务",
        "legal aid and other legal services",
    ),
    (
        "other-basic-public-services",
        ServiceKind::BasicPublicService,
        BASIC_SERVICES,
        "国家规定的其他基本公共服务",
        "other basic public services set by the state",
    ),
    // 第十三条 (一)–(七).
    (
        "exit-entry-documents",
        ServiceKind::Convenience,
        CONVENIENCES,
        "按照国家有关规定办理出入境证件",
        "applying for exit-entry documents under the state's rules",
    ),
    (
        "id-card-renewal",
        ServiceKind::Convenience,
        CONVENIENCES,
        "按照国家有关规定换领、补领居民身份证",
        "renewing or replacing the resident identity card under the state's rules",
    ),
    ("motor-vehicle-registration", ServiceKind::Convenience, CONVENIENCES, "机动车登记", "motor vehicle registration"),
    ("driving-licence", ServiceKind::Convenience, CONVENIENCES, "申领机动车驾驶证", "applying for a driving licence"),
    (
        "vocational-qualification-exam",
        ServiceKind::Convenience,
        CONVENIENCES,
        "报名参加职业资格考试",
        "entering vocational qualification examinations",
    ),
    (
        "vocational-qualification-award",
        ServiceKind::Convenience,
        CONVENIENCES,
        "申请授予职业资格",
        "applying for the award of a vocational qualification",
    ),
    (
        "birth-service-registration",
        ServiceKind::Convenience,
        CONVENIENCES,
        "办理生育服务登记和其他计划生育证明材料",
        "birth service registration and other family-planning certificates",
    ),
    (
        "other-conveniences",
        ServiceKind::Convenience,
        CONVENIENCES,
        "国家规定的其他便利",
        "other conveniences set by the state",
    ),
];

pub fn services(permit: &Permit, facts: &Application, on: Date) -> Result<Entitlements, InputError> {
    let answer = endorsement::status(permit, facts, on)?;
    let mut reasons = vec![
        CITY_RULES.reason(
            "services.specific-benefits.not-in-text",
            "本通知未规定居住证持有人的具体待遇：第二部分第（二）项要求各地制订“居住证持有人可以享受的具体政策待遇”；以下基本公共服务和便利依国务院令第663号第十二条、第十三条列出，具体待遇及享受条件由所在城市的规定确定",
            "the notice sets no concrete benefits (二(二) leaves 居住证持有人可以享受的具体政策待遇 to the city); the services and conveniences below are those of Decree 663 第十二条 and 第十三条, and their concrete terms and conditions are for the city's rules",
        ),
        SURVEY.reason(
            "services.survey.not-an-entitlement",
            "本通知第二部分第（一）项要求各地“全面梳理涉及流动人口义务教育、就业、卫生、计划生育、文化体育、法律援助等基本公共服务以及办理出入境证件……等便利的政策规定”，这是对相关政策规定的梳理，不是待遇清单；持证人享有的服务依国务院令第663号第十二条、第十三条",
            "the notice's 二(一) tells cities to review (全面梳理) their rules on the same services and conveniences: a review, not a list of entitlements; a holder's services come from Decree 663 第十二条 and 第十三条",
        ),
    ];
    if let EndorsementStatus::OverdueSuspended(s) = &answer.status {
        reasons.push(CITY_RULES.reason(
            "services.permit-in-use.not-met",
            &format!("按地方配置的签注参数，居住证自{}起使用功能中止，补办签注后恢复", s.since),
            &format!("under the configured endorsement parameters the permit's use is suspended from {} until a late endorsement", s.since),
        ));
        return Ok(Entitlements { services: Vec::new(), reasons });
    }
    if let EndorsementStatus::ToBeCancelled(c) = answer.status {
        reasons.push(c.ground);
        reasons.push(framework::no_services_while_confiscated(DECREE_19, &c.since));
        return Ok(Entitlements { services: Vec::new(), reasons });
    }
    reasons.push(CITY_RULES.reason("services.permit-in-use.met", "居住证在有效使用中", "the permit is in use"));
    reasons.push(BASIC_SERVICES.reason(
        "services.holder-rights.decree-663",
        "国务院令第663号第十二条：居住证持有人在居住地依法享受劳动就业，参加社会保险，缴存、提取和使用住房公积金的权利（权利，不列为服务）",
        "Decree 663 第十二条: a holder has, where they live, the rights to work, to social insurance and to the housing provident fund (rights, not listed as services)",
    ));
    let services = SERVICES
        .iter()
        .map(|(code, kind, clause, zh, en)| Service {
            code: (*code).to_string(),
            kind: *kind,
            zh: (*zh).to_string(),
            en: (*en).to_string(),
            // Neither 第十二条 nor 第十三条 names a responsible department.
            department: None,
            citation: clause.citation(),
        })
        .collect();
    Ok(Entitlements { services, reasons })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vector format checks a service's code and department but not its
    /// citation: every basic public service cites 第十二条, every convenience
    /// 第十三条, and none cites the notice's 二(一) (a review, not a grant).
    #[test]
    fn each_service_cites_its_article_of_decree_663() {
        for (code, kind, clause, _, _) in SERVICES {
            let want = match kind {
                ServiceKind::BasicPublicService => "第十二条",
                ServiceKind::Convenience => "第十三条",
            };
            assert_eq!(clause.document, framework::DECREE_663, "{code}");
            assert_eq!(clause.clause, want, "{code}");
        }
        let basic = SERVICES.iter().filter(|s| s.1 == ServiceKind::BasicPublicService).count();
        assert_eq!((basic, SERVICES.len() - basic), (7, 8));
    }
}
