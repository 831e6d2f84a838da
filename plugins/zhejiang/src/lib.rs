//! # Zhejiang provincial framework (浙江省, 330000)
//!
//! Encodes 浙江省人民政府办公厅关于推行新型居住证制度的通知（浙政办发〔2016〕100号，
//! 2016-08-28）, the province's framework for the new residence permit. The notice
//! tells cities to survey their migrant population and to review their rules on
//! services (二(一)), to make concrete permit conditions, benefits and a points
//! system following 存量优先和进城时间长、就业能力强的人优先 (二(二)), to issue
//! IC-card permits linked with 市民卡 and 社保卡 (二(二)), to explore points
//! management (二(四)) and to fund the cards (三(二)), all by 2016-12-31 (三). It
//! fixes no condition, benefit or figure of its own, so the module reads it
//! through 《居住证暂行条例》 (Decree 663), which it implements:
//! - eligibility ([`eligibility`]) applies Decree 663 第二条's six months,
//!   counted per city; 二(一)'s lists are a survey, not a test, and what counts
//!   as 合法稳定就业、合法稳定住所、连续就读 is for the city's implementing rules
//!   (二(二); 第二十二条), so a route with facts is undecided and the module
//!   never answers Eligible on its own; 第九条's materials apply;
//! - endorsement ([`endorsement`]) is not in the text: the answer says so and
//!   its dates come from labelled configuration ([`config`]);
//! - services ([`benefits`]) are Decree 663 第十二条's basic public services and
//!   第十三条's conveniences (二(一) only asks cities to review their rules on
//!   them);
//! - points ([`points`]) encode the 二(二) principles as configured indicators;
//! - the card ([`card`]) adds the 市民卡/社保卡 link fields of 二(二).
//!
//! The area is the whole province: divisions whose code begins with 33 ([`area`]).

pub mod area;
pub mod benefits;
pub mod card;
pub mod clauses;
pub mod config;
pub mod eligibility;
pub mod endorsement;
pub mod points;
pub mod residence_years;

use juzhu_sdk::prelude::*;

/// The Zhejiang provincial framework module.
pub struct Zhejiang;

impl Policy for Zhejiang {
    const TABLE: &'static [juzhu_sdk::table::DocumentEntry] = clauses::TABLE;

    fn info() -> ModuleInfo {
        ModuleInfo {
            id: "zhejiang".into(),
            version: "1.0.0".into(),
            jurisdiction: "330000".into(),
            jurisdiction_name: "浙江省".into(),
            contract_version: CONTRACT_VERSION.into(),
            time_zone: "Asia/Shanghai".into(),
            documents: juzhu_sdk::table::documents(clauses::TABLE),
            tiers: vec![PermitTier::Standard],
        }
    }

    fn evaluate(application: &Application, on: Date) -> Result<Decision, InputError> {
        eligibility::evaluate(application, on)
    }

    fn endorsement(permit: &Permit, facts: &Application, on: Date) -> Result<EndorsementAnswer, InputError> {
        endorsement::status(permit, facts, on)
    }

    fn services(permit: &Permit, facts: &Application, on: Date) -> Result<Entitlements, InputError> {
        benefits::services(permit, facts, on)
    }

    fn points(permit: Option<&Permit>, facts: &Application, on: Date) -> Result<PointsBreakdown, InputError> {
        points::points(permit, facts, on)
    }

    fn card(permit: &Permit, facts: &Application, on: Date) -> Result<CardContent, InputError> {
        card::content(permit, facts, on)
    }
}

juzhu_sdk::export!(Zhejiang);

/// The native build, for tests and as the certification baseline.
pub fn native() -> juzhu_sdk::NativeModule {
    juzhu_sdk::NativeModule::of::<Zhejiang>()
}
