//! Checks a request before any rule sees it.
//!
//! The contract carries dates as text and counts as unsigned integers; this
//! module makes sure every date is a real date, every period runs forwards,
//! every division code is six digits, and the citizen ID number is valid. The
//! first problem found is returned with the path of its field, and the request
//! is never evaluated.

use crate::citizen_id;
use crate::date::{Date, YearMonth, parse_date};
use crate::types::*;
use std::fmt::Display;

type Check = Result<(), InputError>;

#[cfg(test)]
mod legal_date_tests {
    use super::*;

    #[test]
    fn a_legal_date_outside_1949_10_01_to_2199_12_31_is_refused_naming_the_field() {
        for bad in ["0000-01-01", "1000-01-01", "1949-09-30", "2200-01-01", "9999-12-31"] {
            let e = legal_date(bad).unwrap_err();
            assert_eq!(e.field, "legal_date", "{bad}");
            assert!(e.message.contains("1949-10-01 to 2199-12-31"), "{bad}: {}", e.message);
        }
        for good in ["1949-10-01", "2018-03-12", "2199-12-31"] {
            assert_eq!(legal_date(good).unwrap().to_string(), good);
        }
    }
}

fn err(field: impl Display, message: impl Into<String>) -> InputError {
    InputError { field: field.to_string(), message: message.into() }
}

/// `parent.name[index]`, formatted only when an error names it: a valid
/// request (the usual case) builds no field paths at all.
#[derive(Clone, Copy)]
struct Item<'a, P: Display + ?Sized>(&'a P, &'static str, usize);

impl<P: Display + ?Sized> Display for Item<'_, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}[{}]", self.0, self.1, self.2)
    }
}

/// The earliest legal date a module accepts: 1949-10-01, the founding of
/// the People's Republic, before which no residence-permit rule can apply.
pub const EARLIEST_LEGAL_DATE: Date = Date::constant(1949, 10, 1);

/// The latest legal date a module accepts: 2199-12-31. Far enough ahead for
/// any what-if, near enough that date arithmetic on it (windows, periods of
/// years, ages) stays well inside the calendar.
pub const LATEST_LEGAL_DATE: Date = Date::constant(2199, 12, 31);

/// Parses the legal date argument, which must lie in
/// [`EARLIEST_LEGAL_DATE`]`..=`[`LATEST_LEGAL_DATE`]: a date outside is
/// refused, naming `legal_date`, before any rule runs.
pub fn legal_date(text: &str) -> Result<Date, InputError> {
    let date = parse_date("legal_date", text)?;
    if !(EARLIEST_LEGAL_DATE..=LATEST_LEGAL_DATE).contains(&date) {
        return Err(err(
            "legal_date",
            format!(
                "`{text}` is outside the legal dates a module decides for: \
                 {EARLIEST_LEGAL_DATE} to {LATEST_LEGAL_DATE}"
            ),
        ));
    }
    Ok(date)
}

fn date(field: impl Display, text: &str) -> Result<Date, InputError> {
    parse_date(field, text)
}

fn opt_date(field: impl Display, text: &Option<String>) -> Result<Option<Date>, InputError> {
    text.as_deref().map(|t| date(field, t)).transpose()
}

fn ordered(field: impl Display, start: Date, end: Option<Date>) -> Check {
    match end {
        Some(end) if end < start => Err(err(
            field,
            format!("ends on {end}, before it starts on {start}; the end must be on or after the start"),
        )),
        _ => Ok(()),
    }
}

fn division(field: impl Display, code: &str) -> Check {
    match juzhu_domain::Division::parse(code) {
        Ok(_) => Ok(()),
        Err(_) => {
            Err(err(field, format!("`{code}` is not a GB/T 2260 division code; expected six digits, e.g. 330105")))
        }
    }
}

fn insurance(path: impl Display, periods: &[InsurancePeriod]) -> Check {
    for (i, p) in periods.iter().enumerate() {
        let from = YearMonth::parse(format_args!("{path}[{i}].from"), &p.from)?;
        let to = YearMonth::parse(format_args!("{path}[{i}].to"), &p.to)?;
        if to < from {
            return Err(err(
                format!("{path}[{i}].to"),
                format!("{to} is before {from}; a period of months must run forwards"),
            ));
        }
        division(format_args!("{path}[{i}].division"), &p.division)?;
    }
    Ok(())
}

/// Validates an application; `root` names it in paths (`application`, `facts`).
pub fn application(root: &str, a: &Application) -> Check {
    division(format_args!("{root}.jurisdiction"), &a.jurisdiction)?;
    let id = &a.identity;
    if id.name.trim().is_empty() {
        return Err(err(format!("{root}.identity.name"), "is empty; give the name as on the identity card"));
    }
    citizen_id::check(&id.citizen_id).map_err(|m| err(format!("{root}.identity.citizen_id"), m))?;
    opt_date(format_args!("{root}.identity.birth_date"), &id.birth_date)?;
    if let Some(code) = &id.hukou_division {
        division(format_args!("{root}.identity.hukou_division"), code)?;
    }
    for (i, r) in a.registrations.iter().enumerate() {
        let p = Item(root, "registrations", i);
        let start = date(format_args!("{p}.registered_on"), &r.registered_on)?;
        let end = opt_date(format_args!("{p}.ended_on"), &r.ended_on)?;
        ordered(format_args!("{p}.ended_on"), start, end)?;
        division(format_args!("{p}.division"), &r.division)?;
        for (j, c) in r.changes.iter().enumerate() {
            let q = Item(&p, "changes", j);
            let moved = date(format_args!("{q}.moved_on"), &c.moved_on)?;
            let reported = opt_date(format_args!("{q}.reported_on"), &c.reported_on)?;
            ordered(format_args!("{q}.reported_on"), moved, reported)?;
            division(format_args!("{q}.division"), &c.division)?;
        }
    }
    insurance(format_args!("{root}.insurance"), &a.insurance)?;
    for (i, e) in a.employment.iter().enumerate() {
        let p = Item(root, "employment", i);
        let start = date(format_args!("{p}.started_on"), &e.started_on)?;
        let end = opt_date(format_args!("{p}.ended_on"), &e.ended_on)?;
        ordered(format_args!("{p}.ended_on"), start, end)?;
        division(format_args!("{p}.division"), &e.division)?;
    }
    for (i, h) in a.housing.iter().enumerate() {
        let p = Item(root, "housing", i);
        division(format_args!("{p}.division"), &h.division)?;
        opt_date(format_args!("{p}.since"), &h.since)?;
        if let Some(r) = &h.rental {
            let start = opt_date(format_args!("{p}.rental.lease_start"), &r.lease_start)?;
            let end = opt_date(format_args!("{p}.rental.lease_end"), &r.lease_end)?;
            if let Some(start) = start {
                ordered(format_args!("{p}.rental.lease_end"), start, end)?;
            }
            if let Some(area) = r.safety.as_ref().and_then(|s| s.living_area_m2)
                && !(area.is_finite() && area >= 0.0)
            {
                return Err(err(
                    format!("{p}.rental.safety.living_area_m2"),
                    format!("{area} is not an area; expected square metres, zero or more"),
                ));
            }
        }
    }
    for (i, s) in a.schooling.iter().enumerate() {
        let p = Item(root, "schooling", i);
        let start = date(format_args!("{p}.enrolled_on"), &s.enrolled_on)?;
        let end = opt_date(format_args!("{p}.left_on"), &s.left_on)?;
        ordered(format_args!("{p}.left_on"), start, end)?;
        division(format_args!("{p}.division"), &s.division)?;
    }
    for (i, g) in a.guardians.iter().enumerate() {
        insurance(format_args!("{root}.guardians[{i}].insurance"), &g.insurance)?;
    }
    let pts = &a.points;
    for (i, aw) in pts.awards.iter().enumerate() {
        date(format_args!("{root}.points.awards[{i}].awarded_on"), &aw.awarded_on)?;
    }
    for (i, e) in a.events.iter().flatten().enumerate() {
        date(format_args!("{root}.events[{i}].on"), &e.on)?;
    }
    for (i, v) in pts.violations.iter().enumerate() {
        date(format_args!("{root}.points.violations[{i}].on"), &v.on)?;
    }
    for (i, s) in pts.assigned.iter().enumerate() {
        date(format_args!("{root}.points.assigned[{i}].on"), &s.on)?;
    }
    Ok(())
}

/// Validates a permit.
pub fn permit(root: &str, p: &Permit) -> Check {
    if p.number.trim().is_empty() {
        return Err(err(format!("{root}.number"), "is empty; give the permit number"));
    }
    division(format_args!("{root}.jurisdiction"), &p.jurisdiction)?;
    let issued = date(format_args!("{root}.issued_on"), &p.issued_on)?;
    let mut previous = issued;
    for (i, e) in p.endorsements.iter().enumerate() {
        let on = date(format_args!("{root}.endorsements[{i}]"), e)?;
        if on < previous {
            return Err(err(
                format!("{root}.endorsements[{i}]"),
                format!("{on} is before {previous}; endorsements come after issue, oldest first"),
            ));
        }
        previous = on;
    }
    Ok(())
}
