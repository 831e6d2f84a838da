//! Civil dates and month arithmetic, correct across month ends and leap days.
//!
//! Policy texts count in calendar months and years ("半年以上", "满1年",
//! "每满1年的前1个月内", "逾期60日"). [`jiff`] does the calendar work; this
//! module names the handful of operations the texts use, so a rule reads like
//! its clause.
//!
//! Month addition clamps to the end of a shorter month: 2023-08-31 plus six
//! months is 2024-02-29, and 2024-02-29 plus one year is 2025-02-28.

use crate::types::InputError;
pub use jiff::civil::Date;
use jiff::{Span, ToSpan};

/// Parses an ISO `YYYY-MM-DD` date, naming `field` when it is not a real date.
pub fn parse_date(field: impl std::fmt::Display, text: &str) -> Result<Date, InputError> {
    use juzhu_domain::IsoDateError;
    juzhu_domain::parse_iso_date(text).map_err(|e| InputError {
        field: field.to_string(),
        message: match e {
            IsoDateError::Malformed => format!("`{text}` is not a date; expected YYYY-MM-DD, e.g. 2017-01-01"),
            IsoDateError::NotACalendarDate => {
                format!("`{text}` is not a real calendar date; expected YYYY-MM-DD, e.g. 2017-02-28")
            }
        },
    })
}

/// Formats a date as `YYYY-MM-DD`, the contract's form.
pub fn fmt(date: Date) -> String {
    date.to_string()
}

/// A calendar month, counted from year 0 so that consecutive months differ by one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth(i32);

impl YearMonth {
    pub fn new(year: i32, month: u8) -> Self {
        YearMonth(year * 12 + i32::from(month) - 1)
    }

    pub fn of(date: Date) -> Self {
        Self::new(i32::from(date.year()), date.month() as u8)
    }

    /// Parses `YYYY-MM`, naming `field` when it is not a real month.
    pub fn parse(field: impl std::fmt::Display, text: &str) -> Result<Self, InputError> {
        let bad = || InputError {
            field: field.to_string(),
            message: format!("`{text}` is not a month; expected YYYY-MM, e.g. 2016-12"),
        };
        let (year, month) = text.split_once('-').ok_or_else(bad)?;
        if year.len() != 4 || month.len() != 2 {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        let month: u8 = month.parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) || year < 1 {
            return Err(bad());
        }
        Ok(Self::new(year, month))
    }

    pub fn year(self) -> i32 {
        self.0.div_euclid(12)
    }

    pub fn month(self) -> u8 {
        (self.0.rem_euclid(12) + 1) as u8
    }

    /// The month `n` months later (earlier when negative).
    pub fn plus(self, n: i32) -> Self {
        YearMonth(self.0 + n)
    }

    /// Months from `self` to `later`; negative when `later` is earlier.
    pub fn months_until(self, later: YearMonth) -> i32 {
        later.0 - self.0
    }
}

impl std::fmt::Display for YearMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

/// `date` plus `n` calendar months, clamped to the end of a shorter month,
/// or `None` past the calendar's range (year -9999 to 9999).
pub fn checked_add_months(date: Date, n: i32) -> Option<Date> {
    date.checked_add(n.months()).ok()
}

/// `date` plus `n` calendar months, clamped to the end of a shorter month.
/// Past the calendar's range it saturates at [`Date::MAX`] or [`Date::MIN`]
/// instead of panicking (a trap, in wasm); legal dates are bounded (see
/// [`crate::validate::legal_date`]), but facts may hold any real date.
pub fn add_months(date: Date, n: i32) -> Date {
    checked_add_months(date, n).unwrap_or(if n < 0 { Date::MIN } else { Date::MAX })
}

/// `date` plus `n` days, saturating at the calendar's range like [`add_months`].
pub fn add_days(date: Date, n: i32) -> Date {
    date.checked_add(n.days()).unwrap_or(if n < 0 { Date::MIN } else { Date::MAX })
}

/// Whole calendar months completed from `start` to `end` (0 when `end` is earlier).
///
/// Completing a month means reaching the same day of the month (or the end of
/// a shorter month): from 2023-01-31, one month is complete on 2023-02-28.
pub fn whole_months_between(start: Date, end: Date) -> u32 {
    if end < start {
        return 0;
    }
    // Estimate from the calendar fields, then correct by at most one.
    let estimate =
        (i32::from(end.year()) - i32::from(start.year())) * 12 + (i32::from(end.month()) - i32::from(start.month()));
    let mut months = estimate.max(0);
    while months > 0 && checked_add_months(start, months).is_none_or(|d| d > end) {
        months -= 1;
    }
    while checked_add_months(start, months + 1).is_some_and(|d| d <= end) {
        months += 1;
    }
    months as u32
}

/// Whole years completed from `start` to `end`.
pub fn whole_years_between(start: Date, end: Date) -> u32 {
    whole_months_between(start, end) / 12
}

/// Whether at least `months` calendar months have passed from `start` by `on`:
/// "满N个月" / "半年以上". Six months from 2023-03-02 are complete on 2023-09-02,
/// not on 2023-09-01.
pub fn months_completed(start: Date, on: Date, months: u32) -> bool {
    add_months(start, months as i32) <= on
}

/// The `n`-th anniversary of `date` (clamped for 29 February).
pub fn anniversary(date: Date, n: u32) -> Date {
    add_months(date, 12 * n as i32)
}

/// Days from `start` to `end` (negative when `end` is earlier).
pub fn days_between(start: Date, end: Date) -> i32 {
    // Two civil dates are at most about 7.3 million days apart: always in
    // range for a span of days.
    let span: Span = start.until((jiff::Unit::Day, end)).unwrap_or_default();
    span.get_days()
}

/// Age in whole years on `on` for someone born on `birth`.
pub fn age_on(birth: Date, on: Date) -> u32 {
    whole_years_between(birth, on)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn six_months_less_a_day_is_not_six_months() {
        let start = date(2023, 3, 2);
        assert!(!months_completed(start, date(2023, 9, 1), 6));
        assert!(months_completed(start, date(2023, 9, 2), 6));
    }

    #[test]
    fn month_addition_clamps_at_month_end_and_leap_day() {
        assert_eq!(add_months(date(2023, 8, 31), 6), date(2024, 2, 29));
        assert_eq!(add_months(date(2023, 1, 31), 1), date(2023, 2, 28));
        assert_eq!(anniversary(date(2024, 2, 29), 1), date(2025, 2, 28));
        assert_eq!(anniversary(date(2024, 2, 29), 4), date(2028, 2, 29));
    }

    #[test]
    fn whole_months_between_counts_completed_months() {
        assert_eq!(whole_months_between(date(2023, 1, 31), date(2023, 2, 27)), 0);
        assert_eq!(whole_months_between(date(2023, 1, 31), date(2023, 2, 28)), 1);
        assert_eq!(whole_months_between(date(2023, 3, 15), date(2024, 3, 14)), 11);
        assert_eq!(whole_months_between(date(2023, 3, 15), date(2024, 3, 15)), 12);
        assert_eq!(whole_months_between(date(2024, 3, 15), date(2023, 3, 15)), 0);
    }

    #[test]
    fn date_arithmetic_at_the_calendar_edge_saturates_instead_of_panicking() {
        assert_eq!(add_months(date(9999, 12, 31), 1), Date::MAX);
        assert_eq!(add_months(date(-9999, 1, 1), -1), Date::MIN);
        assert_eq!(add_days(date(9999, 12, 31), 1), Date::MAX);
        assert_eq!(checked_add_months(date(9999, 12, 31), 1), None);
        assert_eq!(whole_months_between(date(9999, 1, 1), date(9999, 12, 31)), 11);
        assert_eq!(age_on(date(1985, 3, 15), date(9999, 12, 31)), 8014);
        assert_eq!(days_between(date(0, 1, 1), date(9999, 12, 31)), 3_652_424);
    }

    #[test]
    fn days_between_counts_calendar_days() {
        assert_eq!(days_between(date(2024, 2, 28), date(2024, 3, 1)), 2);
        assert_eq!(days_between(date(2023, 2, 28), date(2023, 3, 1)), 1);
    }

    #[test]
    fn parse_rejects_impossible_dates_naming_the_field() {
        let err = parse_date("application.identity.birth_date", "2023-02-29").unwrap_err();
        assert_eq!(err.field, "application.identity.birth_date");
        assert!(err.message.contains("2023-02-29"), "{}", err.message);
        assert!(parse_date("x", "2024-02-29").is_ok());
        assert!(parse_date("x", "2024-2-9").is_err());
        assert!(parse_date("x", "2024-13-01").is_err());
    }

    #[test]
    fn year_months_are_consecutive_across_year_end() {
        let dec = YearMonth::parse("m", "2016-12").unwrap();
        let jan = YearMonth::parse("m", "2017-01").unwrap();
        assert_eq!(dec.plus(1), jan);
        assert_eq!(dec.months_until(jan), 1);
        assert_eq!(jan.to_string(), "2017-01");
        assert!(YearMonth::parse("m", "2017-00").is_err());
        assert!(YearMonth::parse("m", "2017-1").is_err());
    }
}
