//! # juzhu-sdk
//!
//! What a district policy author uses to write a juzhu policy module: the
//! bindings generated from `wit/policy.wit`, civil-date arithmetic, citation
//! and evidence helpers, the national framework of Decree 663, and (natively)
//! the vector runner.
//!
//! A module is one crate. It implements [`Policy`] and calls [`export!`]; the
//! same source builds the wasm component (target `wasm32-unknown-unknown`,
//! made a component by `juzhu module build`) and a native library for fast
//! tests and as the performance baseline.
//!
//! ## Legal dates
//!
//! Every entry point takes the legal date as text and checks it before any
//! rule runs: it must be a real `YYYY-MM-DD` date from 1949-10-01 to
//! 2199-12-31 ([`validate::EARLIEST_LEGAL_DATE`],
//! [`validate::LATEST_LEGAL_DATE`]). Any other date is refused with an
//! input error naming the field `legal_date` (the station answers 422), so
//! a rule's date arithmetic never sees a year like 0000 or 9999.
//!
//! ## A small module
//!
//! ```
//! use juzhu_sdk::prelude::*;
//!
//! const TEXT: &str = "example-2024";
//! const RESIDENCE: Clause = Clause::new(TEXT, "一");
//!
//! pub struct Example;
//!
//! impl Policy for Example {
//!     fn info() -> ModuleInfo {
//!         ModuleInfo {
//!             id: "example".into(),
//!             version: "0.1.0".into(),
//!             jurisdiction: "999999".into(),
//!             jurisdiction_name: "示例区".into(),
//!             contract_version: CONTRACT_VERSION.into(),
//!             time_zone: "Asia/Shanghai".into(),
//!             documents: vec![],
//!             tiers: vec![PermitTier::Standard],
//!         }
//!     }
//!
//!     fn evaluate(app: &Application, on: Date) -> Result<Decision, InputError> {
//!         // Six months of registered residence, then any one route.
//!         let mut shared = Shared::new();
//!         let since = framework::residence_run_start(app, on, |d| d == "999999", ReportDeadline::NotSet);
//!         shared.condition(
//!             since.is_some_and(|s| date::months_completed(s, on, 6)),
//!             RESIDENCE.reason("residence.six-months", "居住半年以上", "six months of residence"),
//!         );
//!         let mut housing = RouteBuilder::new(RouteKind::Residence, None);
//!         housing.condition(!app.housing.is_empty(), RESIDENCE.reason("residence.home", "有住所", "has a home"));
//!         Ok(framework::decide(shared, vec![housing.finish()], |_| 0))
//!     }
//!     // This example decides eligibility only; a real module answers every call.
//!     fn endorsement(_: &Permit, _: &Application, _: Date) -> Result<EndorsementAnswer, InputError> {
//!         Err(InputError { field: "permit".into(), message: "the example has no endorsement rules".into() })
//!     }
//!     # fn services(_: &Permit, _: &Application, _: Date) -> Result<Entitlements, InputError> { Err(InputError { field: "permit".into(), message: String::new() }) }
//!     # fn points(_: Option<&Permit>, _: &Application, _: Date) -> Result<PointsBreakdown, InputError> { Err(InputError { field: "permit".into(), message: String::new() }) }
//!     # fn card(_: &Permit, _: &Application, _: Date) -> Result<CardContent, InputError> { Err(InputError { field: "permit".into(), message: String::new() }) }
//! }
//!
//! juzhu_sdk::export!(Example);
//! ```

// wit-bindgen's generated glue is unsafe by nature (raw canonical-ABI calls);
// it is generated from wit/policy.wit, never written by hand.
#[allow(unsafe_code)]
pub mod as_of;
pub mod bindings;
pub mod card;
pub mod cite;
pub mod citizen_id;
pub mod date;
pub mod evidence;
pub mod framework;
pub mod policy;
pub mod table;
pub mod validate;
#[cfg(not(target_arch = "wasm32"))]
pub mod vectors;

/// The contract's types, generated from `wit/policy.wit`.
pub use bindings::exports::juzhu::policy::types;
pub use policy::{Exports, NativeModule, Policy, entry};

/// The contract version this SDK implements.
pub const CONTRACT_VERSION: &str = "1.1.0";

/// Everything a module usually needs.
pub mod prelude {
    pub use crate::cite::{Clause, ReasonExt};
    pub use crate::date::{self, Date, YearMonth};
    pub use crate::evidence::Evidence;
    pub use crate::framework::{self, ReportDeadline, RouteBuilder, Shared};
    pub use crate::types::*;
    pub use crate::{CONTRACT_VERSION, Policy};
}
