//! 三(三)1: the public services a holder has.
//!
//! - Registered floating population and holders of the temporary permit:
//!   "按照法律法规规定享受基本公共服务" — the services laws and regulations give.
//!   The text lists none, so one service stands for them, with a
//!   `.not-in-text` reason saying the list is in laws, not in this text.
//! - Holders of the full permit: the nine services the text lists. The text
//!   leaves their content to local and municipal departments and names no
//!   responsible department, so `department` is empty.
//! - A permit whose use is suspended (三(二)1) or that is to be cancelled
//!   (三(二)2) gives no permit services. A holder whose residence registration
//!   still runs keeps the statutory services of a registered person (the first
//!   sentence of 三(三)1 covers "已办理居住登记的流动人口").
//! - 三(四): holders of a permit issued before the pilot keep their earlier
//!   treatment while it is valid; the reason says so (that treatment is not in
//!   this text).

use juzhu_sdk::framework;
use juzhu_sdk::prelude::*;

use crate::clauses::*;
use crate::endorsement;
use crate::in_area;

/// The nine services of a full-permit holder: (code, 中文, English).
pub const STANDARD_SERVICES: &[(&str, &str, &str)] = &[
    ("employment-services", "就业服务", "employment services"),
    ("skills-training", "技能培训", "skills training"),
    ("social-insurance", "社会保险", "social insurance"),
    ("medical-insurance", "医疗保险", "medical insurance"),
    ("family-planning", "计划生育", "family planning services"),
    ("public-health", "公共卫生", "public health services"),
    ("culture", "精神文化", "cultural services"),
    ("compulsory-education-for-children", "随带子女义务教育", "compulsory education for accompanying children"),
    ("legal-aid", "法律援助", "legal aid"),
];

fn service(code: &str, zh: &str, en: &str) -> Service {
    Service {
        code: code.into(),
        kind: ServiceKind::BasicPublicService,
        zh: zh.into(),
        en: en.into(),
        department: None,
        citation: SERVICES.citation(),
    }
}

fn statutory() -> Service {
    service(
        "statutory-basic-services",
        "按照法律法规规定享受的基本公共服务",
        "the basic public services laws and regulations give",
    )
}

fn statutory_reason() -> Reason {
    SERVICES.reason(
        "services.statutory-list.not-in-text",
        "基本公共服务的具体项目由法律法规规定，本意见未列明",
        "laws and regulations set these services; this text does not list them",
    )
}

pub fn services(permit: &Permit, app: &Application, on: Date) -> Entitlements {
    let answer = endorsement::status(permit, app, on);
    let mut reasons = Vec::new();
    if endorsement::pre_pilot(permit) {
        reasons.push(TRANSITION.reason(
            "transition.original-treatment.met",
            "本意见施行前已持有的证件在有效期限内，持证人仍然可以享受原有的待遇（原有待遇不在本意见内）",
            "a permit held before the pilot keeps its earlier treatment while valid (that treatment is not in this text)",
        ));
    }
    let withheld = match &answer.status {
        EndorsementStatus::OverdueSuspended(s) => Some(ENDORSEMENT.reason(
            "services.permit-in-use.not-met",
            &format!("逾期未签注，证件使用功能自{}起中止，不提供持证服务", s.since),
            &format!(
                "not endorsed in time: the permit's use is suspended from {}, so its services are withheld",
                s.since
            ),
        )),
        EndorsementStatus::ToBeCancelled(c) => {
            reasons.push(c.ground.clone());
            Some(CANCEL.reason(
                "services.permit-valid.not-met",
                "证件应当注销，不提供持证服务",
                "the permit is to be cancelled, so its services are withheld",
            ))
        }
        _ => None,
    };
    if let Some(r) = withheld {
        reasons.push(r);
        let registered = framework::residence_run_start(app, on, in_area, ReportDeadline::NotSet).is_some();
        let mut services = Vec::new();
        if registered {
            services.push(statutory());
            reasons.push(SERVICES.reason(
                "services.registered-person.met",
                "已办理居住登记，按照法律法规规定享受基本公共服务",
                "registered as resident, so the statutory basic services remain",
            ));
            reasons.push(statutory_reason());
        }
        return Entitlements { services, reasons };
    }
    match permit.tier {
        PermitTier::Temporary => {
            reasons.push(SERVICES.reason(
                "services.temporary-permit.met",
                "《浙江省临时居住证》持有人按照法律法规规定享受基本公共服务",
                "a temporary-permit holder has the basic public services laws and regulations give",
            ));
            reasons.push(statutory_reason());
            Entitlements { services: vec![statutory()], reasons }
        }
        PermitTier::Standard => {
            reasons.push(SERVICES.reason(
                "services.standard-permit.met",
                "《浙江省居住证》持有人享受所列基本公共服务",
                "a full-permit holder has the listed basic public services",
            ));
            reasons.push(SERVICES.reason(
                "services.details.not-in-text",
                "具体内容按照各地和市级相关部门制定的相关规定组织实施，本意见未规定",
                "local and municipal departments set the details; this text does not give them",
            ));
            let services = STANDARD_SERVICES.iter().map(|(c, zh, en)| service(c, zh, en)).collect();
            Entitlements { services, reasons }
        }
    }
}
