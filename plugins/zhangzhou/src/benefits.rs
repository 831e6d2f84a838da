//! 三(二): the basic public services and conveniences of a holder, each with
//! the department the text makes responsible (责任单位), written exactly as the
//! text writes it; and points, which the text does not have.

use juzhu_sdk::prelude::*;

use crate::clauses::*;
use crate::endorsement;

/// One item of 三(二)1 or 三(二)2: (code, clause, zh, en, 责任单位).
type Item = (&'static str, &'static str, &'static str, &'static str, Option<&'static str>);

/// 三(二)1(1)–(11): the eleven basic public services.
const BASIC: [Item; 11] = [
    (
        "basic.education",
        "三(二)1(1)",
        "教育服务：子女凭父母（其他法定监护人）居住证统筹安排就读义务教育阶段学校，按规定参加中考、高考",
        "education: compulsory schooling for children on the parents' permits; entrance examinations as provided",
        Some("教育局"),
    ),
    (
        "basic.employment-service",
        "三(二)1(2)",
        "基本公共就业服务：免费就业政策咨询、职业指导、职业介绍、就业失业登记和就业信息服务",
        "public employment services: free advice, guidance, placement, registration and information",
        Some("人社局"),
    ),
    (
        "basic.public-health",
        "三(二)1(3)",
        "基本公共卫生服务：免费建立健康档案、健康教育、孕产妇和儿童保健、传染病防控、免疫规划疫苗接种",
        "basic public health services: health records, health education, maternal and child care, disease control, vaccination",
        Some("卫计委"),
    ),
    (
        "basic.family-planning",
        "三(二)1(4)",
        "计划生育服务：免费婚前医学检查、孕前优生健康检查、计划生育技术服务及避孕节育服务",
        "family planning services: free premarital and pre-pregnancy checks and technical services",
        Some("卫计委"),
    ),
    (
        "basic.culture-sports",
        "三(二)1(5)",
        "公共文化体育服务：免费享受图书馆、艺术馆、科技馆和公共体育健身场所等公共文化服务",
        "public culture and sports: free libraries, art centres, science museums and public sports venues",
        Some("文化广电新闻出版局、体育局"),
    ),
    (
        "basic.legal-aid",
        "三(二)1(6)",
        "法律援助和其他法律服务：与当地居民同等待遇",
        "legal aid and other legal services on the same terms as local residents",
        Some("司法局"),
    ),
    (
        "basic.social-insurance",
        "三(二)1(7)",
        "社会保险服务：依法参加并享有各项社会保险待遇，可异地转移、接续",
        "social insurance: join and draw every kind of social insurance, with transfer between places",
        Some("人社局"),
    ),
    (
        "basic.housing-security",
        "三(二)1(8)",
        "住房保障服务：缴存、提取和使用住房公积金，按规定申请住房保障",
        "housing: pay into, draw and use the housing provident fund; apply for housing support as provided",
        Some("住建局"),
    ),
    (
        "basic.talent-honours",
        "三(二)1(9)",
        "人才优待服务：参加劳动模范、五一劳动奖章、三八红旗手等评选",
        "honours: take part in model-worker, May Day medal and March 8th red-banner selections",
        Some("总工会、妇联"),
    ),
    (
        "basic.elderly-disabled",
        "三(二)1(10)",
        "老年人、残疾人优待：与当地老年人、残疾人同等优待",
        "the elderly and disabled: the same preferential treatment as local residents",
        Some("民政局、残联、老龄办"),
    ),
    (
        "basic.other",
        "三(二)1(11)",
        "国家、省、市规定的其他基本公共服务",
        "other basic public services provided by the state, province or city",
        None,
    ),
];

/// 三(二)2(1)–(7): the seven conveniences.
const CONVENIENCES_LIST: [Item; 7] = [
    (
        "convenience.travel-documents",
        "三(二)2(1)",
        "在居住地申请办理普通护照、往来港澳通行证及签注、往来台湾通行证及签注（赴台定居的除外）",
        "apply locally for a passport and for permits and endorsements to Hong Kong, Macao and Taiwan (except settling in Taiwan)",
        Some("公安局"),
    ),
    (
        "convenience.id-card",
        "三(二)2(2)",
        "在居住地公安派出所申请换领、补领居民身份证",
        "renew or replace the resident identity card at the local police station",
        Some("公安局"),
    ),
    (
        "convenience.vehicle-registration",
        "三(二)2(3)",
        "申请机动车注册登记及其他登记业务",
        "register a motor vehicle and other vehicle registrations",
        Some("公安局"),
    ),
    ("convenience.driving-licence", "三(二)2(4)", "申领机动车驾驶证", "apply for a driving licence", Some("公安局")),
    (
        "convenience.qualifications",
        "三(二)2(5)",
        "参加专业技术职务任职资格评审或考试、职业（执业）资格考试和登记、非学历教育、职业技能培训和鉴定",
        "professional title and qualification examinations and registration, non-degree education, skills training and assessment",
        Some("人社局、司法局"),
    ),
    (
        "convenience.birth-registration",
        "三(二)2(6)",
        "办理生育服务登记和其他计划生育证明材料",
        "birth service registration and other family-planning certificates",
        Some("卫计委"),
    ),
    (
        "convenience.other",
        "三(二)2(7)",
        "国家、省、市规定的其他便利",
        "other conveniences provided by the state, province or city",
        None,
    ),
];

fn service(kind: ServiceKind, (code, clause, zh, en, department): &Item) -> Service {
    Service {
        code: code.to_string(),
        kind,
        zh: zh.to_string(),
        en: en.to_string(),
        department: department.map(str::to_string),
        citation: Clause::new(DOC, clause).citation(),
    }
}

/// Every service and convenience of 三(二), in the text's order.
fn all_services() -> Vec<Service> {
    BASIC
        .iter()
        .map(|i| service(ServiceKind::BasicPublicService, i))
        .chain(CONVENIENCES_LIST.iter().map(|i| service(ServiceKind::Convenience, i)))
        .collect()
}

/// The holder's services on `on`. A 居住证 gives them while in use: issued,
/// and (by district configuration) not suspended for a missed endorsement,
/// nor confiscated as obtained by deceit (Decree 663 第十九条, read as the end
/// of the permit: [`endorsement::confiscation`]). A 暂住证 issued before
/// 2016-12-01 gives them while it is valid (二(四)).
pub fn services(permit: &Permit, facts: &Application, on: Date) -> Entitlements {
    let issued = framework::date_of(&permit.issued_on);
    let mut reasons = vec![DETAILED_MEASURES.reason(
        "services.conditions.not-in-text",
        "各项服务和便利的范围、条件、流程和申请材料由市、县两级责任部门的具体实施办法规定（三(三)）",
        "the scope, conditions, procedure and materials of each service are set by the responsible departments' own measures (三(三))",
    )];
    let in_use = if on < issued {
        reasons.push(BASIC_SERVICES.reason(
            "services.permit-in-use.not-met",
            &format!("居住证于{issued}发放，此前不享受居住证持有人的服务和便利"),
            &format!("the permit is issued on {issued}; no holder's services before then"),
        ));
        false
    } else if crate::is_zanzhuzheng(permit) {
        // "对暂住证还在有效期内的持有人，各相关部门应按规定提供相应服务和便利": the
        // services turn on the 暂住证's validity, which the facts do not show.
        // An unknown validity grants nothing; the departments check the card.
        reasons.push(TRANSITION.reason(
            "transition.zanzhuzheng-valid.unknown",
            &format!("该证于{issued}（2016年12月1日前）发放，为暂住证；“对暂住证还在有效期内的持有人，各相关部门应按规定提供相应服务和便利”，其有效期不明，须凭有效期内的暂住证向各相关部门办理，此处不列服务"),
            &format!("issued on {issued}, before 2016-12-01: a 暂住证, which keeps the services only while valid; its validity is not known here, so no service is listed: the departments provide them on a 暂住证 shown to be valid"),
        ));
        false
    } else if let Some((ground, since)) = endorsement::confiscation(facts, on) {
        reasons.push(ground);
        reasons.push(framework::no_services_while_confiscated(DECREE_19, since));
        false
    } else if endorsement::suspended(permit, on) {
        let since = date::add_days(endorsement::cycle(permit).due, 1);
        reasons.push(DUTIES.reason(
            "services.permit-in-use.not-met",
            &format!("未按期签注，自{since}起按区域配置（{}）中止使用，补办签注后恢复；方案未规定签注周期", crate::config::ENDORSEMENT_OVERDUE_SUSPENDS.id),
            &format!("not endorsed in time: by district configuration ({}) use is suspended from {since} until a late endorsement; the text sets no cycle", crate::config::ENDORSEMENT_OVERDUE_SUSPENDS.id),
        ));
        false
    } else {
        reasons.push(BASIC_SERVICES.reason(
            "services.permit-in-use.met",
            "居住证在使用中，持有人享有本市基本公共服务和便利",
            "the permit is in use: the holder has the city's basic public services and conveniences",
        ));
        true
    };
    Entitlements { services: if in_use { all_services() } else { Vec::new() }, reasons }
}

/// The text sets no points system; 三(三) leaves the detailed measures of each
/// service to the departments. An empty breakdown, said plainly.
pub fn points() -> PointsBreakdown {
    PointsBreakdown {
        lines: Vec::new(),
        total: 0,
        vetoed: false,
        frozen: false,
        scheme: None,
        reasons: vec![DETAILED_MEASURES.reason(
            "points.scheme.not-in-text",
            "本方案未规定积分制度；服务的具体条件由各责任部门的实施办法规定（三(三)）",
            "the text sets no points system; the conditions of each service are left to the departments' own measures (三(三))",
        )],
    }
}
