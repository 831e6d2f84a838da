//! 三(二): the six basic public services and the seven conveniences.
//!
//! 三(二)1 says 居住地 provides the services, naming no department per service,
//! so `department` is `None` there. 三(二)2 names 居住地或市级有关部门 for the
//! conveniences, and that is what each listed one carries; the catch-all
//! 三(二)2(7) "国家和省、市人民政府规定的其他便利" names no convenience and carries none. Compulsory education is arranged
//! by points (三(二)1(1)); the services that differ from those of registered
//! residents go by points ranking (四(三)), and are explained as reasons, not
//! granted as entitlements.
//!
//! A permit whose use is suspended under the configured endorsement cycle
//! (endorsement.rs) gives no services while suspended, nor once a permit
//! obtained by deceit is confiscated (Decree 663 第十九条, read as the end of
//! the permit: [`endorsement::confiscation`]).

use juzhu_sdk::framework::date_of;
use juzhu_sdk::prelude::*;

use crate::clauses::*;
use crate::endorsement;

const CONVENIENCE_DEPARTMENT: &str = "居住地或市级有关部门";

/// (code, clause, zh, en) of every basic public service of 三(二)1.
const BASIC: &[(&str, &str, &str, &str)] = &[
    (
        "basic.compulsory-education",
        "三(二)1(1)",
        "义务教育（按积分高低统筹安排随迁子女）",
        "compulsory education (children placed by points)",
    ),
    (
        "basic.employment-services",
        "三(二)1(2)",
        "基本公共创业就业服务",
        "basic public business-start and employment services",
    ),
    (
        "basic.public-health-family-planning",
        "三(二)1(3)",
        "基本公共卫生服务和计划生育服务",
        "basic public health and family planning services",
    ),
    ("basic.culture-sports", "三(二)1(4)", "公共文化体育服务", "public cultural and sports services"),
    ("basic.legal-aid", "三(二)1(5)", "法律援助和其它法律服务", "legal aid and other legal services"),
    (
        "basic.other-prescribed",
        "三(二)1(6)",
        "国家和省、市人民政府规定的其他基本公共服务",
        "other basic public services set by the state, province or city",
    ),
];

/// 三(二)2(7), the catch-all "国家和省、市人民政府规定的其他便利".
const CATCH_ALL_CONVENIENCE: &str = "convenience.other-prescribed";

/// (code, clause, zh, en) of every convenience of 三(二)2.
const CONVENIENCE: &[(&str, &str, &str, &str)] = &[
    ("convenience.exit-entry-documents", "三(二)2(1)", "办理出入境证件", "exit and entry documents"),
    ("convenience.id-card", "三(二)2(2)", "换领、补领居民身份证", "renewal or replacement of the identity card"),
    ("convenience.vehicle-registration", "三(二)2(3)", "机动车登记", "motor vehicle registration"),
    ("convenience.driving-licence", "三(二)2(4)", "申领机动车驾驶证", "driving licence application"),
    (
        "convenience.vocational-qualification",
        "三(二)2(5)",
        "报名参加职业资格考试、申请授予职业资格",
        "vocational qualification examinations and awards",
    ),
    (
        "convenience.birth-service-registration",
        "三(二)2(6)",
        "办理生育服务登记和其他计划生育证明材料",
        "birth service registration and family planning certificates",
    ),
    (
        "convenience.other-prescribed",
        "三(二)2(7)",
        "国家和省、市人民政府规定的其他便利",
        "other conveniences set by the state, province or city",
    ),
];

fn service(kind: ServiceKind, (code, clause, zh, en): (&str, &str, &str, &str), department: Option<&str>) -> Service {
    Service {
        code: code.into(),
        kind,
        zh: zh.into(),
        en: en.into(),
        department: department.map(Into::into),
        citation: Citation { document: DOC.into(), clause: clause.into() },
    }
}

pub fn services(permit: &Permit, facts: &Application, on: Date) -> Result<Entitlements, InputError> {
    endorsement::check_permit(permit)?;
    let mut reasons = Vec::new();
    if on < date_of(&permit.issued_on) {
        reasons.push(APPLY.reason(
            "services.permit-issued.not-met",
            "法定日期早于居住证签发日期，持证人尚无基本公共服务和便利",
            "the legal date is before the permit was issued: no services yet",
        ));
        return Ok(Entitlements { services: Vec::new(), reasons });
    }
    let answer = endorsement::status(permit, facts, on)?;
    if let EndorsementStatus::OverdueSuspended(s) = &answer.status {
        reasons.push(endorsement::not_in_text());
        reasons.push(APPLY.reason(
            "services.permit-in-use.not-met",
            &format!("居住证自{}起逾期未签注、使用功能中止（区配置参数），中止期间不提供基本公共服务和便利", s.since),
            &format!(
                "the permit's use is suspended from {} for want of endorsement (district configuration): no services while suspended",
                s.since
            ),
        ));
        return Ok(Entitlements { services: Vec::new(), reasons });
    }
    if let EndorsementStatus::ToBeCancelled(c) = answer.status {
        reasons.push(c.ground);
        reasons.push(framework::no_services_while_confiscated(DECREE_19, &c.since));
        return Ok(Entitlements { services: Vec::new(), reasons });
    }
    reasons.push(APPLY.reason(
        "services.permit-in-use.met",
        "居住证有效，持证人享受三(二)所列基本公共服务和便利",
        "the permit is in use: the holder has the services and conveniences of 三(二)",
    ));
    reasons.push(Clause::new(DOC, "三(二)1(1)").reason(
        "services.compulsory-education-by-points.met",
        "随迁子女义务教育根据积分高低统筹安排",
        "compulsory education for accompanying children is arranged by points ranking",
    ));
    reasons.push(POINTS_USES.reason(
        "services.points-ranked-supply.met",
        "义务教育、普惠制学前教育、创业就业扶持、随迁家属参加城乡居民社会保险、申请当地公共租赁住房、社会福利等按积分排序供给",
        "compulsory and inclusive pre-school education, business and employment support, family members' residents' \
         insurance, public rental housing and social welfare are supplied by points ranking",
    ));
    let mut list: Vec<Service> = BASIC.iter().map(|s| service(ServiceKind::BasicPublicService, *s, None)).collect();
    // "国家和省、市人民政府规定的其他便利" is a catch-all: it names no convenience, so no
    // department can be responsible for it; 三(二)2's 居住地或市级有关部门 goes to the
    // six it lists.
    list.extend(CONVENIENCE.iter().map(|s| {
        let department = (s.0 != CATCH_ALL_CONVENIENCE).then_some(CONVENIENCE_DEPARTMENT);
        service(ServiceKind::Convenience, *s, department)
    }));
    Ok(Entitlements { services: list, reasons })
}
