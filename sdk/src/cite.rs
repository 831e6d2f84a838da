//! Citations and reasons: every rule a module applies names its clause.
//!
//! A module declares its clauses once as constants and builds reasons from
//! them, so a reason can never be written without a citation:
//!
//! ```
//! use juzhu_sdk::cite::Clause;
//! const EMPLOYMENT: Clause = Clause::new("002_f9217923c518aad0", "三(一)2");
//! let reason = EMPLOYMENT.reason(
//!     "employment.too-short",
//!     "合法稳定就业不满6个月",
//!     "stable employment of less than six months",
//! );
//! assert_eq!(reason.citation.clause, "三(一)2");
//! ```

use crate::types::{Citation, Effect, Reason};

/// A clause of a policy document: the document id and the clause path in the
/// text's own numbering.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clause {
    pub document: &'static str,
    pub clause: &'static str,
}

impl Clause {
    pub const fn new(document: &'static str, clause: &'static str) -> Self {
        Clause { document, clause }
    }

    pub fn citation(self) -> Citation {
        Citation { document: self.document.to_string(), clause: self.clause.to_string() }
    }

    /// A reason grounded in this clause. Its effect is what its code states
    /// ([`stated_effect`]); a [`Tally`](crate::framework::Tally) sets the
    /// effect of the conditions it records from the facts, and the vector
    /// runner fails a reason whose code and effect disagree.
    pub fn reason(self, code: &str, zh: &str, en: &str) -> Reason {
        Reason {
            code: code.to_string(),
            zh: zh.to_string(),
            en: en.to_string(),
            citation: self.citation(),
            effect: Some(stated_effect(code)),
            decisive: Some(false),
        }
    }
}

/// The effect a reason code states by its last segment: `….met`,
/// `….not-met`, `….unknown` (or `….undecided`); any other code states
/// information. A code names what is true: `age.16-or-over`, never
/// `age.under-16.not-met`.
pub fn stated_effect(code: &str) -> Effect {
    match code.rsplit_once('.').map(|(_, last)| last) {
        Some("met") => Effect::Met,
        Some("not-met") => Effect::NotMet,
        Some("unknown" | "undecided") => Effect::Unknown,
        _ => Effect::Information,
    }
}

/// States what a reason says, where no [`Tally`](crate::framework::Tally)
/// records it (endorsement, services, points): `reason.met()`.
pub trait ReasonExt: Sized {
    fn with_effect(self, effect: Effect) -> Self;
    /// Marks the reason as one that decided the answer.
    fn deciding(self) -> Self;
    /// The condition it states is met.
    fn met(self) -> Self {
        self.with_effect(Effect::Met)
    }
    /// The condition it states is not met.
    fn not_met(self) -> Self {
        self.with_effect(Effect::NotMet)
    }
    /// A fact the condition needs is not known.
    fn unknown(self) -> Self {
        self.with_effect(Effect::Unknown)
    }
}

impl ReasonExt for Reason {
    fn with_effect(mut self, effect: Effect) -> Self {
        self.effect = Some(effect);
        self
    }
    fn deciding(mut self) -> Self {
        self.decisive = Some(true);
        self
    }
}

/// Puts the reasons that decided the outcome first, keeping each group's order.
pub fn deciding_first(reasons: &mut [Reason]) {
    reasons.sort_by_key(|r| r.decisive != Some(true));
}
