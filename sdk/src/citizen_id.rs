//! Citizen identity numbers (GB 11643-1999): 17 digits, a check character, and
//! a real birth date in positions 7–14.

use crate::date::parse_date;

/// Why an identity number is not valid, in words a clerk can act on.
pub fn check(id: &str) -> Result<(), String> {
    let bytes = id.as_bytes();
    if bytes.len() != 18 {
        return Err(format!("has {} characters; a citizen ID number has 18", id.chars().count()));
    }
    if !bytes[..17].iter().all(u8::is_ascii_digit) {
        return Err("the first 17 characters must be digits".into());
    }
    let birth = &id[6..14];
    let birth = format!("{}-{}-{}", &birth[..4], &birth[4..6], &birth[6..]);
    if parse_date("", &birth).is_err() {
        return Err(format!("characters 7-14 give the birth date {birth}, which is not a real date"));
    }
    let expected = check_character(&bytes[..17]);
    let actual = bytes[17].to_ascii_uppercase() as char;
    if actual != expected {
        return Err(format!("check character is `{actual}`, but the first 17 digits give `{expected}`"));
    }
    Ok(())
}

/// The GB 11643 check character (ISO 7064 MOD 11-2) of the first 17 digits.
pub fn check_character(first17: &[u8]) -> char {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    CHECK[(sum % 11) as usize]
}

/// Masks an identity number for logs: region and check character stay, the
/// birth date and sequence do not.
pub fn mask(id: &str) -> String {
    if id.len() == 18 && id.is_ascii() {
        format!("{}{}{}", &id[..6], "*".repeat(11), &id[17..])
    } else {
        "*".repeat(id.chars().count().min(18))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_a_valid_number_and_rejects_a_bad_check_character() {
        // 11010519491231002X is the standard's worked example.
        assert_eq!(check("11010519491231002X"), Ok(()));
        assert_eq!(check("11010519491231002x"), Ok(()));
        let err = check("110105194912310021").unwrap_err();
        assert!(err.contains("`1`") && err.contains("`X`"), "{err}");
    }

    #[test]
    fn rejects_an_impossible_birth_date_and_wrong_length() {
        assert!(check("110105194902300028").unwrap_err().contains("1949-02-30"));
        assert!(check("1101051949123100").unwrap_err().contains("16 characters"));
    }

    #[test]
    fn masks_the_birth_date_and_sequence() {
        assert_eq!(mask("11010519491231002X"), "110105***********X");
    }
}
