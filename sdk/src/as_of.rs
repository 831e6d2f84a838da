//! What was on record on the legal date.
//!
//! A decision on a legal date is made on what was true that day. A station
//! replaying an old case, or a clerk asking where a holder stood on 1 March,
//! may pass facts and endorsements recorded later: a job that started after
//! the date, an endorsement made a year on, a penalty imposed next week. None
//! of them existed on the legal date, so the entry points remove them before
//! any rule runs, the same for every module (issue 10: "future-dated
//! endorsements and events … must be ignored"). A fact that started on or
//! before the date and ends after it is kept whole: a contract's agreed end
//! is known when it is signed.
//!
//! Dated events (`application.events`: false materials found, conversion to
//! local hukou, leaving the area) are facts like any other: one dated after
//! the legal date had not happened then and is removed with the rest.
//! [`event`] finds the first event of a kind on or before a date, for a
//! module that reads events itself (and to say what it rests on).
//!
//! `tests/e2e/future_facts.rs` adds each kind of later-dated fact to every
//! vector of every module and checks that no answer changes.

use std::borrow::Cow;

use crate::date::{Date, YearMonth, parse_date};
use crate::types::{Application, HolderEvent, HolderEventKind, Permit};

/// Whether `text` is a date after `on` (text that is not a date was refused
/// by validation before this runs; it is kept, never silently dropped).
fn after(text: &str, on: Date) -> bool {
    parse_date("", text).is_ok_and(|d| d > on)
}

/// The permit with only the endorsements made on or before `on` (borrowed
/// as it is when none is later: the common case costs no copy).
pub fn permit(permit: &Permit, on: Date) -> Cow<'_, Permit> {
    if !permit.endorsements.iter().any(|e| after(e, on)) {
        return Cow::Borrowed(permit);
    }
    Cow::Owned(Permit {
        endorsements: permit.endorsements.iter().filter(|e| !after(e, on)).cloned().collect(),
        ..permit.clone()
    })
}

/// Whether any fact began after `on`.
fn any_later(f: &Application, on: Date, month: YearMonth) -> bool {
    f.registrations.iter().any(|r| after(&r.registered_on, on) || r.changes.iter().any(|c| after(&c.moved_on, on)))
        || f.insurance.iter().any(|i| YearMonth::parse("", &i.from).is_ok_and(|from| from > month))
        || f.employment.iter().any(|e| after(&e.started_on, on))
        || f.schooling.iter().any(|s| after(&s.enrolled_on, on))
        || f.points.awards.iter().any(|a| after(&a.awarded_on, on))
        || f.points.violations.iter().any(|v| after(&v.on, on))
        || f.points.assigned.iter().any(|a| after(&a.on, on))
        || f.events.iter().flatten().any(|e| after(&e.on, on))
}

/// The facts with every registration, address change, insurance period,
/// job, enrolment, award, violation, assigned score and event that began
/// after `on` removed (borrowed as they are when none did).
pub fn facts(facts: &Application, on: Date) -> Cow<'_, Application> {
    let month = YearMonth::of(on);
    if !any_later(facts, on, month) {
        return Cow::Borrowed(facts);
    }
    let mut f = facts.clone();
    f.registrations.retain(|r| !after(&r.registered_on, on));
    for r in &mut f.registrations {
        r.changes.retain(|c| !after(&c.moved_on, on));
    }
    f.insurance.retain(|i| YearMonth::parse("", &i.from).map_or(true, |from| from <= month));
    f.employment.retain(|e| !after(&e.started_on, on));
    f.schooling.retain(|s| !after(&s.enrolled_on, on));
    f.points.awards.retain(|a| !after(&a.awarded_on, on));
    f.points.violations.retain(|v| !after(&v.on, on));
    f.points.assigned.retain(|a| !after(&a.on, on));
    if let Some(events) = &mut f.events {
        events.retain(|e| !after(&e.on, on));
    }
    Cow::Owned(f)
}

/// The first event of `kind` dated on or before `on`, with its date: what a
/// consequence of that event rests on and runs from. An event dated after
/// `on` had not happened on the legal date and is never returned. `None`: no
/// such event is on record by then (not "unknown": an event list holds what
/// was found, and a module never reads a missing event as having happened).
pub fn event(facts: &Application, kind: HolderEventKind, on: Date) -> Option<(Date, &HolderEvent)> {
    facts
        .events
        .iter()
        .flatten()
        .filter(|e| e.kind == kind)
        .filter_map(|e| parse_date("", &e.on).ok().map(|d| (d, e)))
        .filter(|(d, _)| *d <= on)
        .min_by_key(|(d, _)| *d)
}
