//! # Ningbo Jiangbei (宁波市江北区, 330205)
//!
//! Encodes 《宁波市江北区人民政府关于推行新型居住证制度的实施办法（征求意见稿）》
//! (2017; document `000_cc214f7b1d2eacaa`), the district's draft measures under
//! the revised 《浙江省流动人口居住登记条例》:
//! - eligibility, 三(一): half a year of continuous registered residence in the
//!   district plus stable employment (三(一)1: contract + registration + one year
//!   of insurance; licence + insurance; land or fishery held one year), stable
//!   residence (三(一)2: own or relative's home, collective dormitory, compliant
//!   rental) or continuous schooling (三(一)3: one year full time), or the
//!   exemption of 三(一)4 ([`eligibility`]);
//! - endorsement: not in the text; a labelled district configuration answers
//!   ([`endorsement`]); a permit obtained with false materials (骗领) is
//!   confiscated under Decree 663 第十九条, read as its end and answered as to
//!   be cancelled;
//! - the six basic public services and seven conveniences of 三(二) ([`benefits`]);
//! - the points structure of 四 with district-configured values, the detailed
//!   rules being 待定稿 ([`points`], [`config`]);
//! - the card, 《浙江省居住证》 issued by the 居住地公安机关 ([`card`]).
//!
//! Area: 本区 means division 330205 alone.

pub mod benefits;
pub mod card;
pub mod clauses;
pub mod config;
pub mod eligibility;
pub mod endorsement;
pub mod points;

use juzhu_sdk::prelude::*;

/// The Jiangbei district module.
pub struct NingboJiangbei;

impl Policy for NingboJiangbei {
    const TABLE: &'static [juzhu_sdk::table::DocumentEntry] = clauses::TABLE;

    fn info() -> ModuleInfo {
        ModuleInfo {
            id: "ningbo-jiangbei".into(),
            version: "1.0.0".into(),
            jurisdiction: eligibility::DISTRICT.into(),
            jurisdiction_name: "浙江省宁波市江北区".into(),
            contract_version: CONTRACT_VERSION.into(),
            time_zone: "Asia/Shanghai".into(),
            documents: juzhu_sdk::table::documents(clauses::TABLE),
            // The text knows one permit, the 《浙江省居住证》.
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

juzhu_sdk::export!(NingboJiangbei);

/// The native build, for tests and as the certification baseline.
pub fn native() -> juzhu_sdk::NativeModule {
    juzhu_sdk::NativeModule::of::<NingboJiangbei>()
}
