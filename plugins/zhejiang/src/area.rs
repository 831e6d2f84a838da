//! Which divisions the notice covers, and the checks every call makes first.
//!
//! The notice is the province's (全省全面推行): a division is in the area when
//! the first two digits of its GB/T 2260 code are 33 (浙江省). Registrations,
//! insurance, employment, housing and schooling anywhere in the province
//! count; the notice draws no line between its cities.

use juzhu_sdk::date::Date;
use juzhu_sdk::framework;
use juzhu_sdk::types::{InputError, Permit, PermitTier};

/// The province's division prefix.
pub const PROVINCE_PREFIX: &str = "33";

/// Whether a (validated, six-digit) division code lies in Zhejiang.
pub fn in_area(division: &str) -> bool {
    division.starts_with(PROVINCE_PREFIX)
}

/// A jurisdiction outside Zhejiang is a request this module cannot decide.
pub fn jurisdiction(field: &str, division: &str) -> Result<(), InputError> {
    if in_area(division) {
        Ok(())
    } else {
        Err(InputError {
            field: field.to_string(),
            message: format!(
                "`{division}` is not in Zhejiang; this module decides divisions whose code begins with 33"
            ),
        })
    }
}

/// A permit of this module: issued in Zhejiang, of the only tier the notice
/// knows (居住证), and not dated after the legal date.
pub fn permit(p: &Permit, on: Date) -> Result<(), InputError> {
    jurisdiction("permit.jurisdiction", &p.jurisdiction)?;
    if p.tier != PermitTier::Standard {
        return Err(InputError {
            field: "permit.tier".into(),
            message: "the notice knows one permit, the 居住证 (standard); it has no temporary permit".into(),
        });
    }
    let issued = framework::date_of(&p.issued_on);
    if on < issued {
        return Err(InputError {
            field: "legal_date".into(),
            message: format!("{on} is before the permit was issued on {issued}; give a legal date on or after issue"),
        });
    }
    Ok(())
}
