//! # juzhu-sdk-build
//!
//! The build-time half of `juzhu-sdk`: a module's clause table is data
//! (`clauses.toml` beside its `Cargo.toml`), and this crate turns it into
//! Rust statics in `$OUT_DIR/clauses.rs` when the module is built. The module
//! (native or wasm) then reads `&'static` data and never parses TOML: TOML
//! parsing would cost every sandboxed call (each runs in a fresh instance)
//! and would put a parser in every module. The table is checked here, once,
//! so a bad date or an unknown kind fails the build naming the entry.
//!
//! A module's `build.rs`:
//!
//! ```ignore
//! fn main() {
//!     juzhu_sdk_build::clause_table();
//! }
//! ```
//!
//! and in its source:
//!
//! ```ignore
//! include!(concat!(env!("OUT_DIR"), "/clauses.rs")); // pub static TABLE: &[DocumentEntry]
//! ```
//!
//! The format (one `[[documents]]` per text, its `[[documents.clauses]]`
//! after it):
//!
//! ```toml
//! [[documents]]
//! id = "003_7477c59a98b1b6f9"        # the id citations use
//! title = "关于推行新型居住证制度的通知（征求意见稿）"
//! issuer = "杭州市拱墅区人民政府"
//! issued_on = "2016-12-01"            # optional
//! in_force_from = "2017-01-01"        # optional
//! in_force_until = "2018-12-31"       # optional; absent: open-ended
//! window_basis = "本通知自2017年1月1日起施行"
//! source = "corpus"                   # corpus: bounds the module's dates; external: cited only
//!
//! [[documents.clauses]]
//! label = "二(一)2"
//! kind = "condition"                  # condition material endorsement suspension-cancellation
//!                                     # service convenience points card procedure transition scope
//! text = "……"                         # verbatim
//! note = "……"                         # optional
//! ```

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    documents: Vec<Document>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    id: String,
    title: String,
    issuer: String,
    issued_on: Option<String>,
    in_force_from: Option<String>,
    in_force_until: Option<String>,
    window_basis: Option<String>,
    source: Source,
    #[serde(default)]
    clauses: Vec<Clause>,
}

#[derive(Debug, Deserialize, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
enum Source {
    Corpus,
    External,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Clause {
    label: String,
    kind: Kind,
    text: String,
    note: Option<String>,
}

#[derive(Debug, Deserialize, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
enum Kind {
    Condition,
    Material,
    Endorsement,
    SuspensionCancellation,
    Service,
    Convenience,
    Points,
    Card,
    Procedure,
    Transition,
    Scope,
}

/// Reads `clauses.toml` in the crate being built and writes
/// `$OUT_DIR/clauses.rs`; panics (failing the build) naming what is wrong.
pub fn clause_table() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("run from a build script");
    let out = std::env::var("OUT_DIR").expect("run from a build script");
    let input = Path::new(&dir).join("clauses.toml");
    println!("cargo::rerun-if-changed={}", input.display());
    let text = std::fs::read_to_string(&input)
        .unwrap_or_else(|e| panic!("{}: cannot read the clause table: {e}", input.display()));
    let code = generate(&text).unwrap_or_else(|e| panic!("{}: {e}", input.display()));
    let target = Path::new(&out).join("clauses.rs");
    std::fs::write(&target, code).unwrap_or_else(|e| panic!("{}: {e}", target.display()));
}

/// The Rust source for a clause table, or what is wrong with it.
pub fn generate(toml_text: &str) -> Result<String, String> {
    let table: Table = toml::from_str(toml_text).map_err(|e| e.to_string())?;
    check(&table)?;
    let mut s = String::from(
        "/// The module's clause table, generated from `clauses.toml` by juzhu-sdk-build.\n\
         pub static TABLE: &[::juzhu_sdk::table::DocumentEntry] = &[\n",
    );
    for d in &table.documents {
        let opt = |v: &Option<String>| v.as_ref().map_or("None".to_string(), |v| format!("Some({v:?})"));
        let source = match d.source {
            Source::Corpus => "Corpus",
            Source::External => "External",
        };
        let _ = writeln!(
            s,
            "    ::juzhu_sdk::table::DocumentEntry {{ id: {:?}, title: {:?}, issuer: {:?}, issued_on: {}, \
             in_force_from: {}, in_force_until: {}, window_basis: {}, \
             source: ::juzhu_sdk::types::DocumentSource::{source}, clauses: &[",
            d.id,
            d.title,
            d.issuer,
            opt(&d.issued_on),
            opt(&d.in_force_from),
            opt(&d.in_force_until),
            opt(&d.window_basis),
        );
        for c in &d.clauses {
            let _ = writeln!(
                s,
                "        ::juzhu_sdk::table::ClauseEntry {{ label: {:?}, kind: ::juzhu_sdk::types::ClauseKind::{:?}, \
                 text: {:?}, note: {} }},",
                c.label,
                c.kind,
                c.text,
                opt(&c.note),
            );
        }
        s.push_str("    ] },\n");
    }
    s.push_str("];\n");
    Ok(s)
}

fn check(table: &Table) -> Result<(), String> {
    let mut ids = BTreeSet::new();
    for (i, d) in table.documents.iter().enumerate() {
        let at = format!("documents[{i}] (`{}`)", d.id);
        if !ids.insert(&d.id) {
            return Err(format!("{at}: id used twice"));
        }
        for (field, value) in
            [("issued_on", &d.issued_on), ("in_force_from", &d.in_force_from), ("in_force_until", &d.in_force_until)]
        {
            if let Some(v) = value
                && !is_date(v)
            {
                return Err(format!("{at}.{field}: `{v}` is not a date; expected YYYY-MM-DD"));
            }
        }
        if let (Some(from), Some(until)) = (&d.in_force_from, &d.in_force_until)
            && from > until
        {
            return Err(format!("{at}: in_force_from {from} is after in_force_until {until}"));
        }
        let mut labels = BTreeSet::new();
        for (j, c) in d.clauses.iter().enumerate() {
            if c.label.trim().is_empty() {
                return Err(format!("{at}.clauses[{j}].label is empty; give the clause's number as the text has it"));
            }
            if !labels.insert(&c.label) {
                return Err(format!("{at}.clauses[{j}]: label `{}` used twice", c.label));
            }
        }
    }
    Ok(())
}

/// `YYYY-MM-DD` with a real month and day (leap years included).
fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| text[r].parse::<u32>().ok();
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else { return false };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_becomes_statics_and_a_bad_date_is_named() {
        let ok = r#"
[[documents]]
id = "d"
title = "标题"
issuer = "某市人民政府"
in_force_from = "2017-01-01"
window_basis = "本通知自2017年1月1日起施行"
source = "corpus"
[[documents.clauses]]
label = "二(一)2"
kind = "condition"
text = "在本市\"居住\"半年以上"
"#;
        let code = generate(ok).unwrap();
        assert!(code.contains(r#"label: "二(一)2", kind: ::juzhu_sdk::types::ClauseKind::Condition"#), "{code}");
        assert!(code.contains(r#"text: "在本市\"居住\"半年以上""#), "{code}");
        let bad = ok.replace("2017-01-01", "2017-02-30");
        assert!(generate(&bad).unwrap_err().contains("in_force_from: `2017-02-30` is not a date"));
        let unknown = ok.replace("\"condition\"", "\"rule\"");
        assert!(generate(&unknown).unwrap_err().contains("unknown variant `rule`"));
    }
}
