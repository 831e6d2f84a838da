//! # Hangzhou Gongshu (杭州市拱墅区, 330105) residence-permit policy
//!
//! Encodes 关于推行新型居住证制度的通知（征求意见稿） of Gongshu District
//! (policy text `003_7477c59a98b1b6f9`, in force 2017-01-01). The unrelated
//! document appended to that file (on intermediary agencies) is ignored.
//!
//! What it encodes:
//! - 二(一)2 eligibility: six months of registered residence in 杭州市区, plus
//!   stable employment (a year of continuous insurance, no back-payment, in force
//!   in the month of application, and a year of one kind of work), stable
//!   residence (own home, or a rented home with title, rule 287 compliance per the
//!   附件1 checklist, police registration, a lease of a year or more, and the
//!   housing authority's filing for commercial housing) or continuous schooling
//!   (a year of full-time enrolment); talent-permit holders follow their own scheme.
//! - 二(一)3 materials, the under-16 guardian rule, 一次性告知 of missing materials,
//!   and reasons for a refusal.
//! - 二(一)4 the endorsement cycle: the month before each anniversary of issue,
//!   suspension from the day after, restoration by a late endorsement with
//!   residence years counted again from it, refusal when conditions lapse or the
//!   holder has left the place of residence; old permits' free exchange for the
//!   IC card (target 2017-06-30).
//! - Decree 663 第十九条: a permit obtained with false materials (骗领) is
//!   confiscated, read as its end and answered as to be cancelled; it gives no
//!   services and the card shows it confiscated.
//! - 二(二)1-3 rights, basic public services and conveniences; 二(二)4 the
//!   quantified indicators, with values from dated district configuration.
//! - The card (二(一)4, IC card; issuing authority per 三(二)).
//!
//! Area: "杭州市区" is the configured set [`config::URBAN_DISTRICTS`] (the text does
//! not list the districts); the permit is issued in this module's jurisdiction,
//! 330105, and a request for another jurisdiction is refused as an input error.

pub mod benefits;
pub mod card;
pub mod clauses;
pub mod config;
pub mod eligibility;
pub mod endorsement;
pub mod points;

use juzhu_sdk::prelude::*;

/// This module's jurisdiction: 拱墅区.
pub const JURISDICTION: &str = "330105";

pub struct HangzhouGongshu;

/// Refuses a request addressed to another jurisdiction: this module decides
/// only for 330105, where the permit is issued.
fn own_jurisdiction(field: &str, code: &str) -> Result<(), InputError> {
    if code == JURISDICTION {
        Ok(())
    } else {
        Err(InputError {
            field: field.to_string(),
            message: format!("`{code}` is not {JURISDICTION} (拱墅区); this module decides only for {JURISDICTION}"),
        })
    }
}

// 三, closing sentence: "本通知自2017年1月1日起施行". Before that day the text is
// not in force and decides nothing: the clause table (`clauses.toml`) gives the
// window, and the SDK answers `not-in-force` for every call before it.

/// The permit must be issued on or before the legal date, by this district.
fn check_permit(permit: &Permit, facts: &Application, on: Date) -> Result<(), InputError> {
    own_jurisdiction("permit.jurisdiction", &permit.jurisdiction)?;
    own_jurisdiction("facts.jurisdiction", &facts.jurisdiction)?;
    if framework::date_of(&permit.issued_on) > on {
        return Err(InputError {
            field: "permit.issued_on".into(),
            message: format!("{} is after the legal date {on}; a permit must be issued by then", permit.issued_on),
        });
    }
    Ok(())
}

impl Policy for HangzhouGongshu {
    const TABLE: &'static [juzhu_sdk::table::DocumentEntry] = clauses::TABLE;

    fn info() -> ModuleInfo {
        ModuleInfo {
            id: "hangzhou-gongshu".into(),
            version: "1.0.0".into(),
            jurisdiction: JURISDICTION.into(),
            jurisdiction_name: "杭州市拱墅区".into(),
            contract_version: CONTRACT_VERSION.into(),
            time_zone: "Asia/Shanghai".into(),
            documents: juzhu_sdk::table::documents(clauses::TABLE),
            tiers: vec![PermitTier::Standard],
        }
    }

    fn evaluate(application: &Application, on: Date) -> Result<Decision, InputError> {
        own_jurisdiction("application.jurisdiction", &application.jurisdiction)?;
        Ok(eligibility::evaluate(application, on, true))
    }

    fn endorsement(permit: &Permit, facts: &Application, on: Date) -> Result<EndorsementAnswer, InputError> {
        check_permit(permit, facts, on)?;
        Ok(endorsement::status(permit, facts, on))
    }

    fn services(permit: &Permit, facts: &Application, on: Date) -> Result<Entitlements, InputError> {
        check_permit(permit, facts, on)?;
        Ok(benefits::services(permit, facts, on))
    }

    fn points(permit: Option<&Permit>, facts: &Application, on: Date) -> Result<PointsBreakdown, InputError> {
        match permit {
            Some(p) => check_permit(p, facts, on)?,
            None => own_jurisdiction("facts.jurisdiction", &facts.jurisdiction)?,
        }
        Ok(points::points(permit, facts, on))
    }

    fn card(permit: &Permit, facts: &Application, on: Date) -> Result<CardContent, InputError> {
        check_permit(permit, facts, on)?;
        Ok(card::content(permit, facts, on))
    }
}

juzhu_sdk::export!(HangzhouGongshu);

/// The native build, for tests and as the performance baseline.
pub fn native() -> juzhu_sdk::NativeModule {
    juzhu_sdk::NativeModule::of::<HangzhouGongshu>()
}
