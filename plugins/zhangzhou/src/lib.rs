//! # Zhangzhou (漳州市, Fujian, 350600)
//!
//! Encodes 漳州市居住证制度实施方案 (document `004_1215674b71c9ab1f`, in force
//! 2016-12-01):
//! - eligibility, 二(二): left the hukou place, 暂住登记 in the city for half a
//!   year or more, plus one of employment (二(二)1), a home (二(二)2) or
//!   full-time schooling (二(二)3), with no minimum duration on the three; the
//!   text names no materials, so the module asks for none;
//! - endorsement: the text gives 签注 to the police (二(三), 三(一)) but sets no
//!   cycle; the cycle used is district configuration ([`config`]) and every
//!   answer says so with a `*.not-in-text` reason; a permit obtained with
//!   false materials (骗领) is confiscated under Decree 663 第十九条, read as
//!   its end and answered as to be cancelled;
//! - benefits, 三(二): eleven basic public services and seven conveniences,
//!   each with the department the text makes responsible (责任单位);
//! - points: the text has no points system (`points.scheme.not-in-text`);
//! - card: issued by the police (三(一)); a 暂住证 issued before 2016-12-01
//!   keeps its services while valid (二(四)) but is not a 居住证.
//!
//! Area: the text is the city's, so every division whose first four digits
//! are `3506` (the city's districts and counties, e.g. 350602 芗城区, 350603
//! 龙文区, 350623 漳浦县) is in the area; divisions elsewhere are not.

mod benefits;
mod card;
pub mod clauses;
pub mod config;
mod eligibility;
mod endorsement;

use juzhu_sdk::prelude::*;

/// The policy module of 漳州市.
pub struct Zhangzhou;

/// Whether a GB/T 2260 division is in the city (first four digits `3506`).
pub(crate) fn in_city(division: &str) -> bool {
    division.len() == 6 && division.starts_with("3506")
}

/// The day the text brings the permit into force (一(三)).
pub(crate) fn in_force_from() -> Date {
    framework::date_of("2016-12-01")
}

/// A request for another jurisdiction cannot be answered by this module.
pub(crate) fn require_city(field: &str, division: &str) -> Result<(), InputError> {
    if in_city(division) {
        Ok(())
    } else {
        Err(InputError {
            field: field.to_string(),
            message: format!(
                "`{division}` is not a division of 漳州市; this module answers for divisions 3506xx (e.g. 350602 芗城区)"
            ),
        })
    }
}

/// A permit issued before the text took effect was a 暂住证, not a 居住证 (二(四)).
pub(crate) fn is_zanzhuzheng(permit: &Permit) -> bool {
    framework::date_of(&permit.issued_on) < in_force_from()
}

/// The permit must belong to this city and the facts must be about it.
fn check_holder(permit: &Permit, facts: &Application) -> Result<(), InputError> {
    require_city("permit.jurisdiction", &permit.jurisdiction)?;
    require_city("facts.jurisdiction", &facts.jurisdiction)
}

impl Policy for Zhangzhou {
    const TABLE: &'static [juzhu_sdk::table::DocumentEntry] = clauses::TABLE;

    fn info() -> ModuleInfo {
        ModuleInfo {
            id: "zhangzhou".into(),
            version: "1.0.0".into(),
            jurisdiction: "350600".into(),
            jurisdiction_name: "漳州市".into(),
            contract_version: CONTRACT_VERSION.into(),
            time_zone: "Asia/Shanghai".into(),
            documents: juzhu_sdk::table::documents(clauses::TABLE),
            tiers: vec![PermitTier::Standard],
        }
    }

    fn evaluate(application: &Application, on: Date) -> Result<Decision, InputError> {
        require_city("application.jurisdiction", &application.jurisdiction)?;
        Ok(eligibility::evaluate(application, on))
    }

    fn endorsement(permit: &Permit, facts: &Application, on: Date) -> Result<EndorsementAnswer, InputError> {
        check_holder(permit, facts)?;
        endorsement::status(permit, facts, on)
    }

    fn services(permit: &Permit, facts: &Application, on: Date) -> Result<Entitlements, InputError> {
        check_holder(permit, facts)?;
        Ok(benefits::services(permit, facts, on))
    }

    fn points(permit: Option<&Permit>, facts: &Application, _on: Date) -> Result<PointsBreakdown, InputError> {
        if let Some(p) = permit {
            require_city("permit.jurisdiction", &p.jurisdiction)?;
        }
        require_city("facts.jurisdiction", &facts.jurisdiction)?;
        Ok(benefits::points())
    }

    fn card(permit: &Permit, facts: &Application, on: Date) -> Result<CardContent, InputError> {
        check_holder(permit, facts)?;
        card::content(permit, facts, on)
    }
}

juzhu_sdk::export!(Zhangzhou);

/// The native build, for tests and as the performance baseline.
pub fn native() -> juzhu_sdk::NativeModule {
    juzhu_sdk::NativeModule::of::<Zhangzhou>()
}
