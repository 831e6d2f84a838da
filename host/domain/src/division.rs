//! GB/T 2260 administrative division codes.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A GB/T 2260 administrative division code: six ASCII digits, e.g. `330105`
/// (杭州市拱墅区). The first two digits are the province, the first four the
/// city.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Division(String);

/// A text that is not a division code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a GB/T 2260 division code; expected six digits, e.g. \"330105\"")]
pub struct DivisionError(pub String);

impl Division {
    /// Parses a six-digit code; anything else is refused.
    pub fn parse(code: &str) -> Result<Division, DivisionError> {
        if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Division(code.to_string()))
        } else {
            Err(DivisionError(code.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// This division, then its city (`xxxx00`) and its province (`xx0000`):
    /// the order in which the nearest enclosing rules are looked for. A city
    /// or a province appears once even when it is `self`.
    pub fn enclosing(&self) -> Vec<Division> {
        let mut out = vec![self.clone()];
        for code in [format!("{}00", &self.0[..4]), format!("{}0000", &self.0[..2])] {
            if out.last().is_none_or(|d| d.0 != code) {
                out.push(Division(code));
            }
        }
        out
    }
}

impl TryFrom<String> for Division {
    type Error = DivisionError;

    fn try_from(code: String) -> Result<Self, DivisionError> {
        Division::parse(&code)
    }
}

impl From<Division> for String {
    fn from(d: Division) -> String {
        d.0
    }
}

impl fmt::Display for Division {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::ops::Deref for Division {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_digits_only() {
        assert!(Division::parse("330105").is_ok());
        for bad in ["", "33010", "3301050", "33010a", "３３０１０５", " 330105"] {
            let err = Division::parse(bad).unwrap_err();
            assert!(err.to_string().contains("six digits"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn enclosing_goes_district_city_province() {
        let codes = |c: &str| Division::parse(c).unwrap().enclosing().iter().map(|d| d.to_string()).collect::<Vec<_>>();
        assert_eq!(codes("330105"), ["330105", "330100", "330000"]);
        assert_eq!(codes("330100"), ["330100", "330000"]);
        assert_eq!(codes("330000"), ["330000"]);
    }

    #[test]
    fn serde_refuses_a_bad_code() {
        let err = serde_json::from_str::<Division>("\"12345\"").unwrap_err();
        assert!(err.to_string().contains("six digits"), "{err}");
        assert_eq!(serde_json::from_str::<Division>("\"350600\"").unwrap().as_str(), "350600");
    }
}
