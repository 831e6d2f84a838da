//! The national framework of 《居住证暂行条例》 (State Council Decree 663) as
//! reusable rules.
//!
//! Decree 663 sets the shape every city fills in: residence of at least six
//! months with registration, plus one of stable employment, stable residence
//! or continuous schooling. Cities fix the details (which districts count,
//! how long insurance must run, what a compliant rental is), so each rule here
//! takes those details as arguments, and each module passes the clause of its
//! own text that it is applying.
//!
//! The pieces:
//! - [`residence_run_start`]: when the current run of continuous registered
//!   residence began;
//! - [`insurance_streak`]: consecutive qualifying insurance months ending at a
//!   given month, with back-paid and work-injury-only months breaking it;
//! - [`RouteBuilder`] and [`decide`]: evaluate every route, then combine them
//!   into one decision that lists every missing material at once.

use crate::cite::Clause;
use crate::date::{Date, YearMonth, add_days, parse_date};
use crate::types::*;

/// Decree 663 art. 2: six months of residence is the floor every city keeps.
pub const DECREE_663: &str = "国务院令第663号";

/// Facts already validated by [`crate::validate`]; parsing cannot fail here.
fn d(text: &str) -> Date {
    parse_date("", text).expect("validated before evaluation")
}

fn ym(text: &str) -> YearMonth {
    YearMonth::parse("", text).expect("validated before evaluation")
}

/// What a module's text says about reporting a move inside the area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportDeadline {
    /// The text sets a deadline in days after the move, the day of the move
    /// not counted (Hangzhou: "应当自变更之日起10日内办理变更手续").
    Days(u32),
    /// The text sets no number of days: it says only "及时" (Ningbo
    /// Jiangbei 三(一)), or nothing at all. A report made on or before the
    /// day of the move is in time under any reading; whether a later one
    /// was is not known from the text, and is never taken as in time.
    NotSet,
}

/// Whether an address change was reported in time, as of `on`, computed
/// from its dates and the text's deadline (contract 1.1 has no caller's
/// flag: a module decides timeliness from its own text). `None`: not known
/// (no report date on record, or a text that sets no number of days).
///
/// A report dated after `on` had not been made on the legal date: the move
/// is late once the deadline has passed by `on`, and still in time while
/// it runs.
pub fn change_in_time(change: &AddressChange, deadline: ReportDeadline, on: Date) -> Option<bool> {
    let moved = d(&change.moved_on);
    let reported = change.reported_on.as_deref().map(d);
    match (deadline, reported) {
        (ReportDeadline::Days(n), Some(r)) if r > on => Some(on <= add_days(moved, n as i32)),
        (ReportDeadline::Days(n), Some(r)) => Some(r <= add_days(moved, n as i32)),
        (ReportDeadline::NotSet, Some(r)) if r <= moved && r <= on => Some(true),
        _ => None,
    }
}

/// The first day of the current run of continuous registered residence, read
/// both ways where a change's timeliness is unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResidenceRun {
    /// Every change of unknown timeliness taken as late: what the facts show.
    pub shown: Option<Date>,
    /// Every change of unknown timeliness taken as in time: the best the
    /// applicant could show once the timeliness is known.
    pub at_best: Option<Date>,
}

impl ResidenceRun {
    /// Whether `holds` (a test of the run's start) is met, not met, or turns
    /// on a change whose timeliness is unknown (`None`). An unknown never
    /// satisfies it.
    pub fn judge(&self, holds: impl Fn(Date) -> bool) -> Option<bool> {
        match (self.shown.is_some_and(&holds), self.at_best.is_some_and(&holds)) {
            (true, _) => Some(true),
            (false, true) => None,
            (false, false) => Some(false),
        }
    }
}

/// [`residence_run_start`] read both ways: see [`ResidenceRun`].
pub fn residence_run(
    app: &Application,
    on: Date,
    in_area: impl Fn(&str) -> bool,
    deadline: ReportDeadline,
) -> ResidenceRun {
    ResidenceRun {
        shown: run_start(app, on, &in_area, deadline, true),
        at_best: run_start(app, on, &in_area, deadline, false),
    }
}

/// The first day of the run of continuous registered residence that covers
/// `on`, counting only registrations whose division satisfies `in_area`.
///
/// Registrations that follow each other without a gap (the next starts on or
/// before the day after the previous ends) form one run. A move reported to
/// the authority keeps the run going when it stays in the area and was made in
/// time; a move out of the area ends the run, and a move not reported in time
/// restarts it from the day it was reported (or the move itself, when no
/// report date is known). A move whose timeliness is not known is taken as
/// late: an unknown never keeps the run (use [`residence_run`] to tell an
/// unknown from a break).
pub fn residence_run_start(
    app: &Application,
    on: Date,
    in_area: impl Fn(&str) -> bool,
    deadline: ReportDeadline,
) -> Option<Date> {
    run_start(app, on, &in_area, deadline, true)
}

fn run_start(
    app: &Application,
    on: Date,
    in_area: &impl Fn(&str) -> bool,
    deadline: ReportDeadline,
    unknown_is_late: bool,
) -> Option<Date> {
    // Each registration becomes one or more in-area stretches [start, end].
    // (start, end, restarted): a restarted stretch never joins the one before it.
    let mut stretches: Vec<(Date, Option<Date>, bool)> = Vec::new();
    for r in &app.registrations {
        let mut start = Some(d(&r.registered_on)).filter(|_| in_area(&r.division));
        let mut restarted = false;
        let end = r.ended_on.as_deref().map(d);
        let mut changes: Vec<&AddressChange> = r.changes.iter().collect();
        changes.sort_by_key(|c| d(&c.moved_on));
        for c in changes {
            let moved = d(&c.moved_on);
            if !in_area(&c.division) {
                if let Some(s) = start.take() {
                    stretches.push((s, Some(add_days(moved, -1)), restarted));
                }
            } else if !change_in_time(c, deadline, on).unwrap_or(!unknown_is_late) {
                if let Some(s) = start.take() {
                    stretches.push((s, Some(add_days(moved, -1)), restarted));
                }
                start = Some(c.reported_on.as_deref().map(d).unwrap_or(moved));
                restarted = true;
            } else if start.is_none() {
                start = Some(moved);
                restarted = false;
            }
        }
        if let Some(s) = start {
            stretches.push((s, end, restarted));
        }
    }
    stretches.retain(|(s, _, _)| *s <= on);
    stretches.sort_by_key(|(s, _, _)| *s);
    // Walk forwards, joining stretches that touch; keep the run covering `on`.
    let mut run: Option<(Date, Option<Date>)> = None;
    for (s, e, restarted) in stretches {
        run = match run {
            Some((rs, re)) if !restarted && re.is_none_or(|re| s <= add_days(re, 1)) => {
                let end = match (re, e) {
                    (None, _) | (_, None) => None,
                    (Some(a), Some(b)) => Some(a.max(b)),
                };
                Some((rs, end))
            }
            _ => Some((s, e)),
        };
    }
    run.filter(|(_, e)| e.is_none_or(|e| e >= on)).map(|(s, _)| s)
}

/// Which insurance months count towards a streak.
#[derive(Clone, Copy, Debug)]
pub struct InsuranceRule {
    /// A back-paid (补缴) month breaks the streak.
    pub back_paid_breaks: bool,
    /// A work-injury-only month breaks the streak.
    pub work_injury_only_breaks: bool,
}

/// The number of consecutive qualifying months ending exactly at `last` (0
/// when `last` itself does not qualify), over periods whose division satisfies
/// `in_area`.
pub fn insurance_streak(
    periods: &[InsurancePeriod],
    last: YearMonth,
    rule: InsuranceRule,
    in_area: impl Fn(&str) -> bool,
) -> u32 {
    let qualifying = QualifyingMonths::new(periods, rule, in_area);
    let mut count = 0;
    let mut m = last;
    while qualifying.covers(m) {
        count += 1;
        m = m.plus(-1);
    }
    count
}

/// Months of qualifying insurance within the window of `window` months ending
/// at `last` (a cumulative count, as in "一年内累计…满6个月").
pub fn insurance_months_within(
    periods: &[InsurancePeriod],
    last: YearMonth,
    window: u32,
    rule: InsuranceRule,
    in_area: impl Fn(&str) -> bool,
) -> u32 {
    let qualifying = QualifyingMonths::new(periods, rule, in_area);
    let first = last.plus(-(window as i32) + 1);
    let mut count = 0;
    let mut m = first;
    while m <= last {
        if qualifying.covers(m) {
            count += 1;
        }
        m = m.plus(1);
    }
    count
}

/// The insurance periods that count under a rule, parsed once: a month
/// qualifies when any of them covers it, so a regular contribution is not
/// undone by a back-paid or work-injury-only record for the same month.
struct QualifyingMonths(Vec<(YearMonth, YearMonth)>);

impl QualifyingMonths {
    fn new(periods: &[InsurancePeriod], rule: InsuranceRule, in_area: impl Fn(&str) -> bool) -> Self {
        QualifyingMonths(
            periods
                .iter()
                .filter(|p| {
                    in_area(&p.division)
                        && !(p.back_paid && rule.back_paid_breaks)
                        && !(p.scope == InsuranceScope::WorkInjuryOnly && rule.work_injury_only_breaks)
                })
                .map(|p| (ym(&p.from), ym(&p.to)))
                .collect(),
        )
    }

    fn covers(&self, m: YearMonth) -> bool {
        self.0.iter().any(|&(from, to)| from <= m && m <= to)
    }
}

/// Whether an activity dated `[start, end]` runs on `on`.
pub fn runs_on(start: &str, end: &Option<String>, on: Date) -> bool {
    d(start) <= on && end.as_deref().is_none_or(|e| d(e) >= on)
}

/// Parses a validated date field.
pub fn date_of(text: &str) -> Date {
    d(text)
}

/// Parses a validated month field.
pub fn month_of(text: &str) -> YearMonth {
    ym(text)
}

/// Conditions as they are recorded: whether all hold so far (`None` while a
/// fact is unknown), the reasons given, and the materials still missing.
#[derive(Debug)]
pub struct Tally {
    pub met: Option<bool>,
    pub reasons: Vec<Reason>,
    pub missing: Vec<MissingMaterial>,
}

impl Default for Tally {
    fn default() -> Self {
        Tally { met: Some(true), reasons: Vec::new(), missing: Vec::new() }
    }
}

impl Tally {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a condition. A failed condition closes the tally; the reason is
    /// kept either way, so a met condition explains itself too. The reason's
    /// effect is set to what `holds` says ([`Effect::Met`] or
    /// [`Effect::NotMet`]), so its code must name the condition, not the
    /// outcome (`age.under-16`, never `age.under-16.not-met`).
    pub fn condition(&mut self, holds: bool, mut reason: Reason) -> &mut Self {
        if !holds {
            self.met = Some(false);
        }
        reason.effect = Some(if holds { Effect::Met } else { Effect::NotMet });
        self.reasons.push(reason);
        self
    }

    /// Records a condition whose fact is not known: it stays open but cannot
    /// be met until the fact is shown ([`Effect::Unknown`]).
    pub fn unknown(&mut self, mut reason: Reason) -> &mut Self {
        if self.met == Some(true) {
            self.met = None;
        }
        reason.effect = Some(Effect::Unknown);
        self.reasons.push(reason);
        self
    }

    /// Records a reason that explains without deciding anything; it keeps the
    /// effect it was built with ([`Effect::Information`] from
    /// [`Clause::reason`]).
    pub fn note(&mut self, reason: Reason) -> &mut Self {
        self.reasons.push(reason);
        self
    }

    /// Records materials still needed.
    pub fn needs(&mut self, missing: Vec<MissingMaterial>) -> &mut Self {
        self.missing.extend(missing);
        self
    }

    /// Whether every condition recorded so far holds.
    pub fn holds(&self) -> bool {
        self.met == Some(true)
    }
}

/// A route being evaluated: a [`Tally`] for one route (and tier).
pub struct RouteBuilder {
    route: RouteKind,
    tier: Option<PermitTier>,
    tally: Tally,
}

impl std::ops::Deref for RouteBuilder {
    type Target = Tally;
    fn deref(&self) -> &Tally {
        &self.tally
    }
}

impl std::ops::DerefMut for RouteBuilder {
    fn deref_mut(&mut self) -> &mut Tally {
        &mut self.tally
    }
}

impl RouteBuilder {
    pub fn new(route: RouteKind, tier: Option<PermitTier>) -> Self {
        RouteBuilder { route, tier, tally: Tally::default() }
    }

    pub fn finish(self) -> RouteResult {
        let Tally { met, reasons, missing } = self.tally;
        let status = match met {
            Some(false) => RouteStatus::NotMet,
            Some(true) if missing.is_empty() => RouteStatus::Met,
            _ => RouteStatus::Incomplete,
        };
        RouteResult {
            route: self.route,
            tier: self.tier,
            status,
            reasons,
            // A closed route asks for nothing: its materials would not help.
            missing: if status == RouteStatus::NotMet { Vec::new() } else { missing },
        }
    }
}

/// The conditions every route shares (residence period, age rules), with
/// their own missing materials.
pub type Shared = Tally;

/// Combines the shared conditions and every route into one decision.
///
/// - Any shared condition failed: ineligible (routes are still reported).
/// - Otherwise a route met with all its materials: eligible, with the best
///   tier among met routes (`tier_rank` orders tiers, higher is better).
/// - Otherwise some route still open: incomplete, listing every material
///   missing from the shared conditions and from every open route, once each.
/// - Otherwise: ineligible.
///
/// Then it marks the reasons that decided the outcome and lists them first
/// ([`mark_deciding`]).
pub fn decide(shared: Shared, routes: Vec<RouteResult>, tier_rank: impl Fn(Option<PermitTier>) -> u8) -> Decision {
    let shared_failed = shared.met == Some(false);
    let shared_open = shared.met.is_none() || !shared.missing.is_empty();
    let best_met = routes.iter().filter(|r| r.status == RouteStatus::Met).max_by_key(|r| tier_rank(r.tier));
    let any_open = routes.iter().any(|r| r.status != RouteStatus::NotMet);
    let (outcome, tier) = if shared_failed {
        (Outcome::Ineligible, None)
    } else if let (Some(best), false) = (best_met, shared_open) {
        (Outcome::Eligible, best.tier.or(Some(PermitTier::Standard)))
    } else if any_open {
        (Outcome::Incomplete, None)
    } else {
        (Outcome::Ineligible, None)
    };
    let mut missing = Vec::new();
    if outcome == Outcome::Incomplete {
        let open = routes.iter().filter(|r| r.status == RouteStatus::Incomplete);
        for m in shared.missing.iter().chain(open.flat_map(|r| r.missing.iter())) {
            if !missing.iter().any(|x: &MissingMaterial| x.material == m.material) {
                missing.push(m.clone());
            }
        }
    }
    let mut decision = Decision { outcome, tier, reasons: shared.reasons, routes, missing };
    mark_deciding(&mut decision);
    decision
}

/// Marks which reasons decided a decision's outcome, and lists them first
/// (shared reasons, then each route's):
/// - ineligible on a shared condition: the shared conditions not met;
/// - ineligible with every route closed: each route's conditions not met;
/// - eligible: the shared conditions met, and the conditions met by the
///   route that granted the tier;
/// - incomplete: the unknown facts, shared and on each open route (the
///   missing materials are listed apart).
///
/// Information never decides. The SDK's entry point applies it to every
/// decision a module returns, so a module that builds its decision without
/// [`decide`] is marked the same way.
pub fn mark_deciding(decision: &mut Decision) {
    let is = |r: &Reason, e: Effect| r.effect == Some(e);
    let shared_failed = decision.reasons.iter().any(|r| is(r, Effect::NotMet));
    let tier_of = |t: Option<PermitTier>| t.unwrap_or(PermitTier::Standard);
    // The route that granted the tier: the first met route of that tier.
    let granting = if decision.outcome == Outcome::Eligible {
        decision
            .routes
            .iter()
            .position(|r| r.status == RouteStatus::Met && Some(tier_of(r.tier)) == decision.tier.map(Some).map(tier_of))
    } else {
        None
    };
    let outcome = decision.outcome;
    for r in &mut decision.reasons {
        r.decisive = Some(match outcome {
            Outcome::Ineligible => is(r, Effect::NotMet),
            Outcome::Eligible => is(r, Effect::Met),
            Outcome::Incomplete => is(r, Effect::Unknown),
        });
    }
    for (i, route) in decision.routes.iter_mut().enumerate() {
        let open = route.status != RouteStatus::NotMet;
        for r in &mut route.reasons {
            r.decisive = Some(match outcome {
                Outcome::Ineligible => !shared_failed && is(r, Effect::NotMet),
                Outcome::Eligible => granting == Some(i) && is(r, Effect::Met),
                Outcome::Incomplete => open && is(r, Effect::Unknown),
            });
        }
        crate::cite::deciding_first(&mut route.reasons);
    }
    crate::cite::deciding_first(&mut decision.reasons);
}

/// A clause of Decree 663 (cited when a module applies the national floor
/// without a local clause of its own).
pub const fn decree_663(clause: &'static str) -> Clause {
    Clause::new(DECREE_663, clause)
}

/// Decree 663 第十九条 (`article_19`, the module's own constant for it, so
/// the clause is in its table) for a module whose own text names no ground
/// for ending a permit obtained by deceit: "伪造、变造的居住证和骗领的居住证，由公安机关予以
/// 收缴". A `FalseMaterials` event on or before `on` (a permit obtained with
/// false materials is 骗领) means the police confiscate it, which the module
/// reads as the end of the permit and the station records as cancellation;
/// the reason says that is an interpretation (the decree says confiscate,
/// not cancel) and that the local text (`local`: its name in Chinese and
/// English, e.g. `("本办法", "this text")`) names no cancellation ground.
///
/// The ground and the day it holds from: the finding, or the decree's first
/// day in force (from the module's clause `table`) when the finding came
/// before it. `None` before the decree was in force, or with no such event.
pub fn confiscation(
    table: &[crate::table::DocumentEntry],
    article_19: Clause,
    facts: &Application,
    on: Date,
    local: (&str, &str),
) -> Option<(Reason, Date)> {
    let from = table.iter().find(|doc| doc.id == DECREE_663).and_then(|doc| doc.in_force_from);
    let decree = d(from.expect("the clause table gives Decree 663 its in_force_from"));
    if on < decree {
        return None;
    }
    let (found, _) = crate::as_of::event(facts, HolderEventKind::FalseMaterials, on)?;
    let since = found.max(decree);
    let (local_zh, local_en) = local;
    let ground = article_19.reason(
        "cancellation.false-materials.met",
        &format!(
            "经{found}认定，证件系以虚假证明材料骗领；《居住证暂行条例》第十九条：“骗领的居住证，由公安机关予以收缴”。\
             本模块将收缴读作证件终止，由受理机构记为注销，自{since}起不予签注（此为解释：条例规定收缴，未用“注销”一词；{local_zh}未规定注销情形）"
        ),
        &format!(
            "found on {found} to have been obtained with false materials (骗领): Decree 663 art. 19 has the police \
             confiscate (收缴) a permit so obtained. The module reads confiscation as the end of the permit, which the \
             station records as cancellation, from {since}, with no endorsement (an interpretation: the decree says \
             confiscate, not cancel; {local_en} names no cancellation ground)"
        ),
    );
    Some((ground, since))
}

/// The services answer for a permit [`confiscation`] ended: none, from
/// `since`, citing the module's `article_19`.
pub fn no_services_while_confiscated(article_19: Clause, since: impl std::fmt::Display) -> Reason {
    article_19.reason(
        "services.permit-in-use.not-met",
        &format!("证件系骗领，依《居住证暂行条例》第十九条由公安机关收缴（读作证件终止、记为注销），自{since}起不提供居住证持有人的服务和便利"),
        &format!(
            "the permit was obtained by deceit and is confiscated under Decree 663 art. 19 (read as its end, recorded as cancellation): no holder's services from {since}"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(from: &str, to: &str, back_paid: bool, scope: InsuranceScope) -> InsurancePeriod {
        InsurancePeriod { from: from.into(), to: to.into(), division: "330205".into(), scope, back_paid }
    }

    const STRICT: InsuranceRule = InsuranceRule { back_paid_breaks: true, work_injury_only_breaks: true };

    #[test]
    fn a_back_paid_month_breaks_the_streak() {
        let periods = vec![
            period("2016-01", "2016-06", false, InsuranceScope::Full),
            period("2016-07", "2016-07", true, InsuranceScope::Full),
            period("2016-08", "2016-12", false, InsuranceScope::Full),
        ];
        let last = YearMonth::new(2016, 12);
        assert_eq!(insurance_streak(&periods, last, STRICT, |_| true), 5);
        let lenient = InsuranceRule { back_paid_breaks: false, work_injury_only_breaks: true };
        assert_eq!(insurance_streak(&periods, last, lenient, |_| true), 12);
        assert_eq!(insurance_months_within(&periods, last, 12, STRICT, |_| true), 11);
    }

    #[test]
    fn a_regular_record_for_the_same_month_still_counts() {
        let periods = vec![
            period("2016-01", "2016-12", false, InsuranceScope::Full),
            period("2016-06", "2016-06", true, InsuranceScope::Full),
        ];
        assert_eq!(insurance_streak(&periods, YearMonth::new(2016, 12), STRICT, |_| true), 12);
    }

    fn registration(on: &str, changes: Vec<AddressChange>) -> Application {
        Application {
            jurisdiction: "330205".into(),
            identity: Identity {
                name: "x".into(),
                citizen_id: "11010519491231002X".into(),
                sex: None,
                ethnicity: None,
                birth_date: None,
                hukou_address: None,
                hukou_division: None,
                current_address: None,
                photo_ref: None,
            },
            registrations: vec![Registration {
                registered_on: on.into(),
                ended_on: None,
                division: "330205".into(),
                address: "a".into(),
                changes,
            }],
            insurance: vec![],
            employment: vec![],
            housing: vec![],
            schooling: vec![],
            guardians: vec![],
            special_statuses: vec![],
            materials: vec![],
            points: PointsFacts {
                education: None,
                title: None,
                skill: None,
                patents: None,
                awards: vec![],
                annual_tax_yuan: None,
                investment_yuan: None,
                social_service_hours: None,
                violations: vec![],
                family_planning_compliant: None,
                assigned: vec![],
                rental_registration_receipt: None,
                tax_receipts: None,
            },
            tier_requested: None,
            tier_held: None,
            events: None,
        }
    }

    fn moved(on: &str, reported: Option<&str>, division: &str) -> AddressChange {
        AddressChange {
            moved_on: on.into(),
            reported_on: reported.map(Into::into),
            division: division.into(),
            address: "b".into(),
        }
    }

    const TEN_DAYS: ReportDeadline = ReportDeadline::Days(10);
    const JIANGBEI: fn(&str) -> bool = |d| d == "330205";

    #[test]
    fn a_move_reported_in_time_keeps_the_run() {
        let app = registration("2016-01-10", vec![moved("2016-05-01", Some("2016-05-03"), "330205")]);
        let on = date_of("2016-09-01");
        assert_eq!(residence_run_start(&app, on, JIANGBEI, TEN_DAYS), Some(date_of("2016-01-10")));
    }

    #[test]
    fn a_late_report_restarts_the_run_on_the_day_it_was_made() {
        let on = date_of("2016-09-01");
        let reported = registration("2016-01-10", vec![moved("2016-05-01", Some("2016-06-20"), "330205")]);
        assert_eq!(residence_run_start(&reported, on, JIANGBEI, TEN_DAYS), Some(date_of("2016-06-20")));
    }

    #[test]
    fn a_move_without_a_report_date_never_keeps_the_run() {
        let app = registration("2016-01-10", vec![moved("2016-05-01", None, "330205")]);
        let on = date_of("2016-09-01");
        assert_eq!(residence_run_start(&app, on, JIANGBEI, TEN_DAYS), Some(date_of("2016-05-01")));
        let run = residence_run(&app, on, JIANGBEI, TEN_DAYS);
        assert_eq!(run.at_best, Some(date_of("2016-01-10")));
        assert_eq!(run.judge(|s| crate::date::months_completed(s, on, 6)), None);
    }

    #[test]
    fn a_deadline_in_days_decides_timeliness_from_the_dates() {
        let on = date_of("2016-09-01");
        let day_10 = registration("2016-01-10", vec![moved("2016-05-01", Some("2016-05-11"), "330205")]);
        assert_eq!(residence_run(&day_10, on, JIANGBEI, TEN_DAYS).shown, Some(date_of("2016-01-10")));
        let day_11 = registration("2016-01-10", vec![moved("2016-05-01", Some("2016-05-12"), "330205")]);
        assert_eq!(residence_run(&day_11, on, JIANGBEI, TEN_DAYS).shown, Some(date_of("2016-05-12")));
    }

    #[test]
    fn without_a_number_of_days_only_a_report_on_the_day_of_the_move_is_known_to_be_in_time() {
        let on = date_of("2016-09-01");
        let same_day = moved("2016-05-01", Some("2016-05-01"), "330205");
        assert_eq!(change_in_time(&same_day, ReportDeadline::NotSet, on), Some(true));
        let next_day = moved("2016-05-01", Some("2016-05-02"), "330205");
        assert_eq!(change_in_time(&next_day, ReportDeadline::NotSet, on), None);
        let run = residence_run(&registration("2016-01-10", vec![next_day]), on, JIANGBEI, ReportDeadline::NotSet);
        assert_eq!((run.shown, run.at_best), (Some(date_of("2016-05-02")), Some(date_of("2016-01-10"))));
    }

    #[test]
    fn a_report_after_the_legal_date_had_not_been_made_on_it() {
        let change = moved("2016-05-01", Some("2016-05-20"), "330205");
        // On day 10 of the window the move is not late yet; on day 11 it is.
        assert_eq!(change_in_time(&change, TEN_DAYS, date_of("2016-05-11")), Some(true));
        assert_eq!(change_in_time(&change, TEN_DAYS, date_of("2016-05-12")), Some(false));
        // Late and not yet reported: no registration at the new address covers the day.
        let app = registration("2016-01-10", vec![change.clone()]);
        assert_eq!(residence_run_start(&app, date_of("2016-05-15"), JIANGBEI, TEN_DAYS), None);
    }

    #[test]
    fn a_move_out_of_the_area_ends_the_run() {
        let app = registration("2016-01-10", vec![moved("2016-05-01", Some("2016-05-02"), "330106")]);
        assert_eq!(residence_run_start(&app, date_of("2016-09-01"), JIANGBEI, TEN_DAYS), None);
    }

    #[test]
    fn work_injury_only_months_do_not_count() {
        let periods = vec![period("2016-01", "2016-12", false, InsuranceScope::WorkInjuryOnly)];
        assert_eq!(insurance_streak(&periods, YearMonth::new(2016, 12), STRICT, |_| true), 0);
    }

    #[test]
    fn insurance_outside_the_area_does_not_count() {
        let periods = vec![period("2016-01", "2016-12", false, InsuranceScope::Full)];
        assert_eq!(insurance_streak(&periods, YearMonth::new(2016, 12), STRICT, |d| d == "330105"), 0);
    }
}
