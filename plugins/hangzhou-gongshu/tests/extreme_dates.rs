//! The rules themselves never panic (a trap, in wasm) on a date at the edge
//! of the calendar, even though the SDK refuses such legal dates before any
//! rule runs: every entry point, on every vector's facts, at 0000-01-01,
//! 1000-01-01 and 9999-12-31, and with a permit issued on such a date.

use juzhu_plugin_hangzhou_gongshu::HangzhouGongshu;
use juzhu_sdk::prelude::*;

fn vectors() -> Vec<juzhu_sdk::vectors::Vector> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
    // Rules see only facts the SDK validated: input-error vectors are not for them.
    juzhu_sdk::vectors::load_dir(&dir).unwrap().into_iter().filter(|v| v.expect.error.is_none()).collect()
}

fn permit_on(issued_on: &str) -> Permit {
    Permit {
        number: "330105-2017-000001".into(),
        jurisdiction: "330105".into(),
        tier: PermitTier::Standard,
        issued_on: issued_on.into(),
        endorsements: vec![],
    }
}

#[test]
fn extreme_legal_dates_do_not_trap_gongshu_date_arithmetic() {
    let extremes = ["0000-01-01", "1000-01-01", "9999-12-31"];
    for v in vectors() {
        for on_text in extremes {
            let on: Date = on_text.parse().unwrap();
            let mut permits = vec![v.permit.clone().unwrap_or_else(|| permit_on("2017-01-01"))];
            permits.extend(extremes.iter().map(|d| permit_on(d)));
            let run = std::panic::catch_unwind(|| {
                let _ = HangzhouGongshu::evaluate(&v.facts, on);
                for p in &permits {
                    let _ = HangzhouGongshu::endorsement(p, &v.facts, on);
                    let _ = HangzhouGongshu::services(p, &v.facts, on);
                    let _ = HangzhouGongshu::points(Some(p), &v.facts, on);
                    let _ = HangzhouGongshu::card(p, &v.facts, on);
                }
                let _ = HangzhouGongshu::points(None, &v.facts, on);
            });
            assert!(run.is_ok(), "vector {} on {on_text} panicked (a trap in wasm)", v.id);
        }
    }
}
