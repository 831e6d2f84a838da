//! Legal dates: the day a case is decided for.

/// The day a case is decided for, in the jurisdiction's calendar. A real
/// calendar date: `2023-02-29` cannot be one.
pub type LegalDate = jiff::civil::Date;

/// A text that is not a `YYYY-MM-DD` calendar date, with the field it came in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} `{value}` is not a valid date; write it as YYYY-MM-DD")]
pub struct DateError {
    pub field: &'static str,
    pub value: String,
}

/// Parses `YYYY-MM-DD` strictly: ten characters, a real calendar date.
pub fn parse_legal_date(field: &'static str, value: &str) -> Result<LegalDate, DateError> {
    parse_iso_date(value).map_err(|_| DateError { field, value: value.to_string() })
}

/// Why a text is not an ISO date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsoDateError {
    /// Not of the form `YYYY-MM-DD` (jiff alone would accept `20180101`).
    Malformed,
    /// Of the form, but no such day (`2023-02-29`).
    NotACalendarDate,
}

/// The one ISO date parser of juzhu, shared by the station and the SDK.
pub fn parse_iso_date(text: &str) -> Result<LegalDate, IsoDateError> {
    let well_formed = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !well_formed {
        return Err(IsoDateError::Malformed);
    }
    text.parse::<LegalDate>().map_err(|_| IsoDateError::NotACalendarDate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_calendar_dates() {
        assert_eq!(parse_legal_date("legal_date", "2018-03-01").unwrap().to_string(), "2018-03-01");
        for bad in ["2023-02-29", "2018-1-1", "20180101", "2018-03-01T00:00", "", "tomorrow"] {
            let err = parse_legal_date("legal_date", bad).unwrap_err();
            assert_eq!(err.field, "legal_date");
            assert!(err.to_string().contains("YYYY-MM-DD"), "{bad}: {err}");
        }
    }
}
