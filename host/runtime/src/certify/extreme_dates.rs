//! The certification kit's generated cases: every entry point at the edges of
//! the calendar.
//!
//! A module's own vectors use the dates its authors thought of. A client may
//! send any date, and date arithmetic near the ends of the calendar is where a
//! module traps (year 9999 plus a year overflows). So the kit re-runs the
//! first few vectors of each entry point with the legal date replaced:
//! - outside the legal-date range the contract's SDK enforces (1949-10-01 to
//!   2199-12-31, `juzhu_sdk::validate`), the answer must be an input error on
//!   `legal_date`;
//! - at the range's own edges and on a century's non-leap 28 February, any
//!   answer, input error or not-in-force refusal will do;
//! - never a trap, an exhausted budget or a timeout.

use juzhu_sdk::types::Refusal;
use juzhu_sdk::vectors::{Call, Mismatch, Subject, Vector};

/// Dates a module must refuse as `legal_date`.
pub const OUT_OF_RANGE: [&str; 5] = ["0001-01-01", "1000-06-15", "1949-09-30", "2200-01-01", "9999-12-31"];

/// Dates a module must answer without trapping.
pub const EDGES: [&str; 3] = ["1949-10-01", "2100-02-28", "2199-12-31"];

/// Vectors of each entry point re-run at every date.
const PER_CALL: usize = 3;

/// Runs the generated cases; returns how many ran and what failed.
pub fn check(subject: &dyn Subject, vectors: &[Vector]) -> (usize, Vec<Mismatch>) {
    let mut ran = 0;
    let mut failed = Vec::new();
    for call in [Call::Evaluate, Call::Endorsement, Call::Services, Call::Points, Call::Card] {
        for vector in vectors.iter().filter(|v| v.call == call).take(PER_CALL) {
            for (date, refused) in OUT_OF_RANGE.iter().map(|d| (d, true)).chain(EDGES.iter().map(|d| (d, false))) {
                ran += 1;
                let case = Vector { legal_date: date.to_string(), ..vector.clone() };
                let mismatch = |expected: &str, actual: String| Mismatch {
                    vector: format!("{}@{date}", vector.id),
                    field: "legal_date".into(),
                    expected: expected.into(),
                    actual,
                };
                match subject.run(&case) {
                    Err(failure) => failed.push(mismatch("an answer or an input error, never a failure", failure)),
                    Ok(Err(Refusal::Input(e))) if refused && e.field != "legal_date" => failed.push(mismatch(
                        "an input error on legal_date (outside 1949-10-01..2199-12-31)",
                        format!("an input error on {}: {}", e.field, e.message),
                    )),
                    Ok(Err(Refusal::NotInForce(n))) if refused => failed.push(mismatch(
                        "an input error on legal_date (outside 1949-10-01..2199-12-31)",
                        format!("not in force (`{}`): the date was not refused as unreadable first", n.document),
                    )),
                    Ok(Ok(_)) if refused => failed.push(mismatch(
                        "an input error on legal_date (outside 1949-10-01..2199-12-31)",
                        "an answer".into(),
                    )),
                    Ok(_) => {}
                }
            }
        }
    }
    (ran, failed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use juzhu_sdk::types::{InputError, ModuleInfo, PointsBreakdown};

    type Answer = Result<Result<Actual, Refusal>, String>;
    use juzhu_sdk::vectors::Actual;

    /// A module stand-in whose answer to a legal date the test chooses.
    struct Stub(fn(&str) -> Answer);

    impl Subject for Stub {
        fn info(&self) -> Result<ModuleInfo, String> {
            Err("not asked".into())
        }
        fn run(&self, v: &Vector) -> Answer {
            (self.0)(&v.legal_date)
        }
    }

    fn answer() -> Answer {
        Ok(Ok(Actual::Points(PointsBreakdown {
            lines: vec![],
            total: 0,
            vetoed: false,
            frozen: false,
            scheme: None,
            reasons: vec![],
        })))
    }

    fn refusal(field: &str) -> Answer {
        Ok(Err(Refusal::Input(InputError { field: field.into(), message: "out of range".into() })))
    }

    fn in_range(date: &str) -> bool {
        ("1949-10-01"..="2199-12-31").contains(&date)
    }

    /// Real vectors, so every entry point the kit covers has cases.
    fn vectors() -> Vec<Vector> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins/hangzhou-gongshu/vectors");
        juzhu_sdk::vectors::load_dir(&dir).expect("Gongshu's vectors load")
    }

    #[test]
    fn a_module_that_refuses_out_of_range_and_answers_in_range_passes() {
        let (ran, failed) = check(&Stub(|d| if in_range(d) { answer() } else { refusal("legal_date") }), &vectors());
        assert_eq!(ran, 5 * PER_CALL * (OUT_OF_RANGE.len() + EDGES.len()));
        assert!(failed.is_empty(), "{failed:?}");
    }

    #[test]
    fn a_module_that_traps_in_year_9999_fails_naming_the_case() {
        let stub = Stub(|d| match d {
            "9999-12-31" => Err("wasm trap: integer overflow".into()),
            d if in_range(d) => answer(),
            _ => refusal("legal_date"),
        });
        let (_, failed) = check(&stub, &vectors());
        assert_eq!(failed.len(), 5 * PER_CALL, "one per re-run vector: {failed:?}");
        assert!(failed.iter().all(|m| m.vector.ends_with("@9999-12-31") && m.actual.contains("integer overflow")));
    }

    #[test]
    fn a_module_that_decides_year_1000_or_blames_another_field_fails() {
        let (_, failed) = check(&Stub(|_| answer()), &vectors());
        assert_eq!(failed.len(), 5 * PER_CALL * OUT_OF_RANGE.len(), "{failed:?}");
        let (_, failed) =
            check(&Stub(|d| if in_range(d) { answer() } else { refusal("application.identity") }), &vectors());
        assert_eq!(failed.len(), 5 * PER_CALL * OUT_OF_RANGE.len());
        assert!(failed[0].actual.contains("application.identity"), "{}", failed[0]);
    }
}
