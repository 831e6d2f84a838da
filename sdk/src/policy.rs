//! The [`Policy`] trait a module implements, and the entry points that check
//! every request before the module sees it.
//!
//! The same entry points serve both builds: the wasm component calls them
//! through the generated exports ([`export!`](crate::export)), and the host
//! calls them directly on the native build ([`NativeModule`]). Both therefore
//! run identical code, which is what makes the native build a fair baseline.

use crate::date::Date;
use crate::types::*;
use crate::{as_of, framework, table, validate};

/// A jurisdiction's rules. Every input has been validated and the legal date
/// parsed before a method is called.
pub trait Policy {
    /// The module's clause table (generated from its `clauses.toml` by
    /// `juzhu-sdk-build`). The SDK refuses a legal date outside the window
    /// of one of its `corpus` documents before any method is called.
    const TABLE: &'static [table::DocumentEntry] = &[];
    /// Whether the corpus windows also bound the calls about a permit already
    /// issued (endorsement, services, points, card). `true` unless the text
    /// keeps its permits under its rules after its term: Jiaxing's pilot
    /// (三(四) keeps permits "在有效期限内") decides no new application after
    /// 2015-10-30, but still endorses the permits it issued.
    const WINDOW_BOUNDS_HOLDERS: bool = true;
    /// Module id, version, jurisdiction and the documents it encodes.
    fn info() -> ModuleInfo;
    /// Decides an application as of `on`, evaluating every route.
    fn evaluate(application: &Application, on: Date) -> Result<Decision, InputError>;
    /// Where a permit stands in its endorsement cycle on `on`.
    fn endorsement(permit: &Permit, facts: &Application, on: Date) -> Result<EndorsementAnswer, InputError>;
    /// The services and conveniences the holder has on `on`.
    fn services(permit: &Permit, facts: &Application, on: Date) -> Result<Entitlements, InputError>;
    /// The holder's (or applicant's) points on `on`.
    fn points(permit: Option<&Permit>, facts: &Application, on: Date) -> Result<PointsBreakdown, InputError>;
    /// What to write on the holder's IC card.
    fn card(permit: &Permit, facts: &Application, on: Date) -> Result<CardContent, InputError>;
}

impl From<InputError> for Refusal {
    fn from(e: InputError) -> Self {
        Refusal::Input(e)
    }
}

/// Validated entry points, generic over the policy. A module's input error
/// is the contract's `refusal::input`; a legal date outside one of its own
/// texts' windows is `refusal::not-in-force`, answered here from the clause
/// table; facts and endorsements dated after the legal date are removed
/// before the module sees them ([`as_of`]); and every answer's reasons say
/// whether they decided it, deciding ones first.
pub mod entry {
    use super::*;

    /// Refuses a legal date outside a corpus document's window; checked
    /// after the request's fields, so a malformed request is named as such
    /// whatever its date. `holder`: a call about an issued permit.
    fn in_force<P: Policy>(on: Date, holder: bool) -> Result<(), Refusal> {
        if holder && !P::WINDOW_BOUNDS_HOLDERS {
            return Ok(());
        }
        match table::not_in_force(P::TABLE, on) {
            Some(n) => Err(Refusal::NotInForce(n)),
            None => Ok(()),
        }
    }

    /// Outside a decision, every condition a reason states (met, not met or
    /// unknown) is what the answer rests on; information decides nothing.
    fn conditions_decide(reasons: &mut [Reason]) {
        for r in reasons.iter_mut() {
            r.decisive = Some(r.effect.is_some_and(|e| e != Effect::Information));
        }
        crate::cite::deciding_first(reasons);
    }

    pub fn info<P: Policy>() -> ModuleInfo {
        P::info()
    }

    pub fn evaluate<P: Policy>(application: Application, legal_date: String) -> Result<Decision, Refusal> {
        let on = validate::legal_date(&legal_date)?;
        validate::application("application", &application)?;
        in_force::<P>(on, false)?;
        let mut decision = P::evaluate(&as_of::facts(&application, on), on)?;
        framework::mark_deciding(&mut decision);
        Ok(decision)
    }

    pub fn endorsement<P: Policy>(
        permit: Permit,
        facts: Application,
        legal_date: String,
    ) -> Result<EndorsementAnswer, Refusal> {
        let on = validate::legal_date(&legal_date)?;
        validate::permit("permit", &permit)?;
        validate::application("facts", &facts)?;
        in_force::<P>(on, true)?;
        let mut answer = P::endorsement(&as_of::permit(&permit, on), &as_of::facts(&facts, on), on)?;
        if let EndorsementStatus::ToBeCancelled(c) = &mut answer.status {
            c.ground.decisive = Some(true);
        }
        conditions_decide(&mut answer.reasons);
        Ok(answer)
    }

    pub fn services<P: Policy>(
        permit: Permit,
        facts: Application,
        legal_date: String,
    ) -> Result<Entitlements, Refusal> {
        let on = validate::legal_date(&legal_date)?;
        validate::permit("permit", &permit)?;
        validate::application("facts", &facts)?;
        in_force::<P>(on, true)?;
        let mut answer = P::services(&as_of::permit(&permit, on), &as_of::facts(&facts, on), on)?;
        conditions_decide(&mut answer.reasons);
        Ok(answer)
    }

    pub fn points<P: Policy>(
        permit: Option<Permit>,
        facts: Application,
        legal_date: String,
    ) -> Result<PointsBreakdown, Refusal> {
        let on = validate::legal_date(&legal_date)?;
        if let Some(p) = &permit {
            validate::permit("permit", p)?;
        }
        validate::application("facts", &facts)?;
        in_force::<P>(on, true)?;
        let permit = permit.as_ref().map(|p| as_of::permit(p, on));
        let mut answer = P::points(permit.as_deref(), &as_of::facts(&facts, on), on)?;
        conditions_decide(&mut answer.reasons);
        Ok(answer)
    }

    pub fn card<P: Policy>(permit: Permit, facts: Application, legal_date: String) -> Result<CardContent, Refusal> {
        let on = validate::legal_date(&legal_date)?;
        validate::permit("permit", &permit)?;
        validate::application("facts", &facts)?;
        in_force::<P>(on, true)?;
        Ok(P::card(&as_of::permit(&permit, on), &as_of::facts(&facts, on), on)?)
    }
}

/// A module's native build as a table of functions, so the host can hold
/// several side by side (for certification and as the benchmark baseline).
#[derive(Clone, Copy)]
pub struct NativeModule {
    pub info: fn() -> ModuleInfo,
    pub evaluate: fn(Application, String) -> Result<Decision, Refusal>,
    pub endorsement: fn(Permit, Application, String) -> Result<EndorsementAnswer, Refusal>,
    pub services: fn(Permit, Application, String) -> Result<Entitlements, Refusal>,
    pub points: fn(Option<Permit>, Application, String) -> Result<PointsBreakdown, Refusal>,
    pub card: fn(Permit, Application, String) -> Result<CardContent, Refusal>,
}

impl NativeModule {
    pub fn of<P: Policy>() -> Self {
        NativeModule {
            info: entry::info::<P>,
            evaluate: entry::evaluate::<P>,
            endorsement: entry::endorsement::<P>,
            services: entry::services::<P>,
            points: entry::points::<P>,
            card: entry::card::<P>,
        }
    }
}

/// The generated export traits, implemented once for every policy.
pub struct Exports<P>(core::marker::PhantomData<P>);

mod guest_impls {
    use super::*;
    use crate::bindings::exports::juzhu::policy as x;

    impl<P: Policy> x::metadata::Guest for Exports<P> {
        fn info() -> ModuleInfo {
            entry::info::<P>()
        }
    }
    impl<P: Policy> x::eligibility::Guest for Exports<P> {
        fn evaluate(application: Application, legal_date: String) -> Result<Decision, Refusal> {
            entry::evaluate::<P>(application, legal_date)
        }
    }
    impl<P: Policy> x::endorsement::Guest for Exports<P> {
        fn status(permit: Permit, facts: Application, legal_date: String) -> Result<EndorsementAnswer, Refusal> {
            entry::endorsement::<P>(permit, facts, legal_date)
        }
    }
    impl<P: Policy> x::benefits::Guest for Exports<P> {
        fn services(permit: Permit, facts: Application, legal_date: String) -> Result<Entitlements, Refusal> {
            entry::services::<P>(permit, facts, legal_date)
        }
        fn points(permit: Option<Permit>, facts: Application, legal_date: String) -> Result<PointsBreakdown, Refusal> {
            entry::points::<P>(permit, facts, legal_date)
        }
    }
    impl<P: Policy> x::card::Guest for Exports<P> {
        fn content(permit: Permit, facts: Application, legal_date: String) -> Result<CardContent, Refusal> {
            entry::card::<P>(permit, facts, legal_date)
        }
    }
}

/// Exports a [`Policy`] as the component's `policy-module` world.
///
/// On wasm32 this emits the component exports; natively it expands to nothing,
/// so several modules can link into one native program.
///
/// ```ignore
/// struct MyDistrict;
/// impl juzhu_sdk::Policy for MyDistrict { /* ... */ }
/// juzhu_sdk::export!(MyDistrict);
/// ```
#[macro_export]
macro_rules! export {
    ($policy:ty) => {
        #[cfg(target_arch = "wasm32")]
        // wit-bindgen's export glue (generated, canonical-ABI entry points).
        #[allow(unsafe_code)]
        const _: () = {
            type JuzhuExports = $crate::Exports<$policy>;
    $crate::bindings::export_policy_module!(JuzhuExports with_types_in $crate::bindings);
        };
    };
}
