//! The permit states and the transitions allowed from each: the whole state
//! machine is the table in [`PermitState::allowed`]. A [`Transition`] is both
//! what a supervisor asks for and what the store records.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a permit stands. A permit is `active` from the day it is issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PermitState {
    /// Issued and in use.
    Active,
    /// Use suspended (e.g. an endorsement overdue); a late endorsement and a
    /// restore bring it back.
    Suspended,
    /// Terminal: the permit is void.
    Cancelled,
}

/// A change a clerk or supervisor asks for on an existing permit. Issuing is
/// not here: it creates the permit from a decision rather than moving one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transition {
    /// Record an endorsement (签注); the state does not change.
    Endorse,
    Suspend,
    Restore,
    Cancel,
}

impl PermitState {
    pub const ALL: [PermitState; 3] = [PermitState::Active, PermitState::Suspended, PermitState::Cancelled];

    /// The transitions allowed from this state.
    pub fn allowed(self) -> &'static [Transition] {
        use Transition::*;
        match self {
            PermitState::Active => &[Endorse, Suspend, Cancel],
            // A suspended permit takes a late endorsement (where the module
            // allows one), which is what makes a restore possible.
            PermitState::Suspended => &[Endorse, Restore, Cancel],
            PermitState::Cancelled => &[],
        }
    }

    /// The state after `t`, or `None` when `t` is not allowed from here.
    pub fn after(self, t: Transition) -> Option<PermitState> {
        if !self.allowed().contains(&t) {
            return None;
        }
        Some(match t {
            Transition::Endorse => self,
            Transition::Suspend => PermitState::Suspended,
            Transition::Restore => PermitState::Active,
            Transition::Cancel => PermitState::Cancelled,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PermitState::Active => "active",
            PermitState::Suspended => "suspended",
            PermitState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        PermitState::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

impl Transition {
    pub const ALL: [Transition; 4] =
        [Transition::Endorse, Transition::Suspend, Transition::Restore, Transition::Cancel];

    pub fn parse(s: &str) -> Option<Self> {
        Transition::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Transition::Endorse => "endorse",
            Transition::Suspend => "suspend",
            Transition::Restore => "restore",
            Transition::Cancel => "cancel",
        }
    }
}

impl fmt::Display for PermitState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Transition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
