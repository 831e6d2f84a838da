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

use crate::types::{Citation, Reason};

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

    /// A reason grounded in this clause.
    pub fn reason(self, code: &str, zh: &str, en: &str) -> Reason {
        Reason { code: code.to_string(), zh: zh.to_string(), en: en.to_string(), citation: self.citation() }
    }
}
