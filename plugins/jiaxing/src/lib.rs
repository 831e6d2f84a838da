//! Jiaxing (嘉兴市, 330400): the city's residence-permit pilot.
//!
//! Text: 嘉兴市人民政府办公室《开展居住证制度改革试点工作的指导意见》
//! (2014-10-27; the pilot applies in the whole city from 2014-10-31), document
//! id `002_f9217923c518aad0`. What the module encodes:
//! - 三(一)1 and 三(一)2: two permits. The temporary permit (《浙江省临时居住证》)
//!   needs a lawful stable residence; the full permit (《浙江省居住证》) needs a
//!   temporary permit or a stable residence, plus stable employment of six
//!   months or more (a contract or business licence and six months of
//!   insurance within one year, or employment registration). 三(一)末段:
//!   investors and recruited talent follow county-level rules instead
//!   ([`eligibility`]).
//! - 三(二)1 yearly endorsement within the last month of each year since
//!   issue, suspension when overdue, late endorsement within 60 days;
//!   三(二)2 the cancellation grounds ([`endorsement`]).
//! - 三(三)1 public services per tier ([`benefits`]); 三(三)2 points for
//!   full-permit holders, every value district configuration ([`points`],
//!   [`config`]).
//! - 三(四) the transition for permits held before the pilot.
//! - The card's title per tier ([`card`]).
//!
//! Area: the text applies "全市范围内" (二(二)), so a division is in the area
//! when its GB/T 2260 code starts with `3304` (the city and its counties,
//! county-level cities and districts). Applications, housing, jobs,
//! registrations and insurance elsewhere do not count.

pub mod benefits;
pub mod card;
pub mod clauses;
pub mod config;
pub mod eligibility;
pub mod endorsement;
pub mod points;

use juzhu_sdk::prelude::*;

/// The module's type.
pub struct Jiaxing;

/// Whether a division lies in Jiaxing: its code starts with `3304`.
pub fn in_area(division: &str) -> bool {
    division.len() == 6 && division.starts_with("3304")
}

/// A permit of another jurisdiction cannot be judged by this text.
fn check_permit(permit: &Permit) -> Result<(), InputError> {
    if in_area(&permit.jurisdiction) {
        Ok(())
    } else {
        Err(InputError {
            field: "permit.jurisdiction".into(),
            message: format!(
                "`{}` is not a division of Jiaxing; this module judges permits issued in Jiaxing (codes 3304xx)",
                permit.jurisdiction
            ),
        })
    }
}

impl Policy for Jiaxing {
    const TABLE: &'static [juzhu_sdk::table::DocumentEntry] = clauses::TABLE;
    /// 二(二) 改革试点的范围和期限: "自2014年10月31日起，全市范围内暂时停止施行《浙江省
    /// 流动人口居住登记条例》第十五条、第十七条，期限为一年". The conditions of 三(一)
    /// apply only while the provincial articles they stand in for are suspended:
    /// from 2014-10-31 to 2015-10-30 (one year; the text sets no extension), the
    /// window of `clauses.toml`. Outside it this text decides no application
    /// (`not-in-force`, from the SDK). The term is that of the suspension; the
    /// text sets no end for permits it issued, whose endorsement and services
    /// (三(二), 三(三)) are still read from it, as 三(四) keeps permits
    /// "在有效期限内" when the rules change: the window does not bound them.
    const WINDOW_BOUNDS_HOLDERS: bool = false;

    fn info() -> ModuleInfo {
        ModuleInfo {
            id: "jiaxing".into(),
            version: "1.0.0".into(),
            jurisdiction: "330400".into(),
            jurisdiction_name: "嘉兴市".into(),
            contract_version: CONTRACT_VERSION.into(),
            time_zone: "Asia/Shanghai".into(),
            documents: juzhu_sdk::table::documents(clauses::TABLE),
            tiers: vec![PermitTier::Standard, PermitTier::Temporary],
        }
    }

    fn evaluate(app: &Application, on: Date) -> Result<Decision, InputError> {
        Ok(eligibility::decide(app, on, app.tier_requested))
    }

    fn endorsement(permit: &Permit, facts: &Application, on: Date) -> Result<EndorsementAnswer, InputError> {
        check_permit(permit)?;
        Ok(endorsement::status(permit, facts, on))
    }

    fn services(permit: &Permit, facts: &Application, on: Date) -> Result<Entitlements, InputError> {
        check_permit(permit)?;
        Ok(benefits::services(permit, facts, on))
    }

    fn points(permit: Option<&Permit>, facts: &Application, on: Date) -> Result<PointsBreakdown, InputError> {
        if let Some(p) = permit {
            check_permit(p)?;
        }
        Ok(points::points(permit, facts, on))
    }

    fn card(permit: &Permit, facts: &Application, _on: Date) -> Result<CardContent, InputError> {
        check_permit(permit)?;
        Ok(card::content(permit, facts))
    }
}

juzhu_sdk::export!(Jiaxing);

/// The native build, for tests and as the performance baseline.
pub fn native() -> juzhu_sdk::NativeModule {
    juzhu_sdk::NativeModule::of::<Jiaxing>()
}
