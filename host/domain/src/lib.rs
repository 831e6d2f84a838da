//! juzhu's vocabulary: the few ideas every layer of the station shares,
//! each defined once, parsed once at the edge and typed from there on.
//!
//! - [`Division`]: a GB/T 2260 administrative division code (six digits);
//! - [`LegalDate`] and [`parse_legal_date`]: the date a case is decided for;
//! - [`PermitState`] and [`Transition`]: the permit's state machine;
//! - [`ModuleRef`]: the policy module version that made a decision;
//! - [`SandboxLimits`]: the bounds every module call runs under, as numbers.
//!
//! This crate must never know about wasm, SQL or HTTP: it is the language
//! the runtime, the store and the station speak to each other, and the SDK
//! shares its division code and date parser, so a module and the station
//! read these the same way.

mod date;
mod division;
mod limits;
mod module_ref;
mod permit;

pub use date::{DateError, IsoDateError, LegalDate, parse_iso_date, parse_legal_date};
pub use division::{Division, DivisionError};
pub use limits::{LimitsError, SandboxLimits};
pub use module_ref::ModuleRef;
pub use permit::{PermitState, Transition};
