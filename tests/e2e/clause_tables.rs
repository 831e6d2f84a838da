//! Each module's clause table (`plugins/<p>/clauses.toml`, issue 10) is true to
//! the texts and covers the module's citations.
//!
//! The table is what reasons are checked against, what certification measures
//! coverage by and what the station shows beside a reason, so it must quote the
//! policy text word for word. This test fails when a corpus clause is not a
//! verbatim part of its text (ignoring only whitespace and line breaks), a label
//! repeats, a kind or date is malformed, or a citation in the module's sources
//! (or the SDK framework it calls) has no row in the table.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use juzhu_test_support::{MODULES, workspace};
use regex::Regex;
use serde::Deserialize;

/// The kinds a clause may have (issue 10, contract 1.1).
const KINDS: [&str; 11] = [
    "condition",
    "material",
    "endorsement",
    "suspension-cancellation",
    "service",
    "convenience",
    "points",
    "card",
    "procedure",
    "transition",
    "scope",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    documents: Vec<Document>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    id: String,
    title: String,
    issuer: String,
    issued_on: Option<String>,
    in_force_from: Option<String>,
    in_force_until: Option<String>,
    window_basis: String,
    source: String,
    clauses: Vec<ClauseRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClauseRow {
    label: String,
    kind: String,
    text: String,
    note: Option<String>,
}

fn texts_dir() -> PathBuf {
    workspace().join("../shared/policy-texts")
}

/// Removes ASCII whitespace, the ideographic space and line breaks — and nothing else.
fn squeeze(s: &str) -> String {
    s.chars()
        .filter(|c| !(c.is_ascii_whitespace() || *c == '\u{3000}' || *c == '\u{2028}' || *c == '\u{2029}'))
        .collect()
}

/// Where `clause` first departs from every place in `text` that it could be
/// quoting: the longest prefix found, and what follows it in both.
fn divergence(clause: &str, text: &str) -> String {
    let chars: Vec<char> = clause.chars().collect();
    let prefix = |n: usize| chars[..n].iter().collect::<String>();
    // A prefix found in the text means every shorter one is too: bisect.
    let (mut lo, mut hi) = (0, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if text.contains(&prefix(mid)) { lo = mid } else { hi = mid - 1 }
    }
    let found = prefix(lo);
    let tail = |s: &str| s.chars().take(12).collect::<String>();
    let clause_next = tail(&chars[lo..].iter().collect::<String>());
    let text_next = text.find(&found).map(|i| tail(&text[i + found.len()..])).unwrap_or_default();
    let shown: String = found.chars().rev().take(12).collect::<Vec<_>>().into_iter().rev().collect();
    format!("after “…{shown}” the table has “{clause_next}…” where the text has “{text_next}…”")
}

fn valid_date(field: &str, value: &Option<String>, problems: &mut Vec<String>, at: &str) -> Option<jiff::civil::Date> {
    let value = value.as_ref()?;
    match value.parse::<jiff::civil::Date>() {
        Ok(d) if value.len() == 10 => Some(d),
        _ => {
            problems.push(format!("{at}: {field} = {value:?} is not a date; write YYYY-MM-DD, or omit the field"));
            None
        }
    }
}

/// Every problem in one plugin's table, checked against the texts on its own.
fn check_table(plugin: &str, table: &Table) -> Vec<String> {
    let mut problems = Vec::new();
    let mut ids = BTreeSet::new();
    if table.documents.first().is_some_and(|d| d.source != "corpus") {
        problems.push(format!("{plugin}: the first document must be the module's own text (source = \"corpus\")"));
    }
    for doc in &table.documents {
        let at = format!("{plugin}: document {}", doc.id);
        if !ids.insert(doc.id.as_str()) {
            problems.push(format!("{at}: listed twice; give each document one [[documents]]"));
        }
        if doc.title.trim().is_empty() {
            problems.push(format!("{at}: empty title"));
        }
        if doc.issuer != doc.issuer.trim() {
            problems.push(format!(
                "{at}: issuer {:?} has surrounding spaces; write it as the text names it, or \"\"",
                doc.issuer
            ));
        }
        if doc.window_basis.trim().is_empty() {
            problems
                .push(format!("{at}: empty window_basis; quote the words that fix the window, or say there are none"));
        }
        let issued = valid_date("issued_on", &doc.issued_on, &mut problems, &at);
        let from = valid_date("in_force_from", &doc.in_force_from, &mut problems, &at);
        let until = valid_date("in_force_until", &doc.in_force_until, &mut problems, &at);
        if let (Some(f), Some(u)) = (from, until)
            && f > u
        {
            problems.push(format!("{at}: in force from {f} is after until {u}; the window must run forwards"));
        }
        if let (Some(i), Some(u)) = (issued, until)
            && i > u
        {
            problems.push(format!("{at}: issued on {i}, after its window ends on {u}"));
        }
        let text = match doc.source.as_str() {
            "corpus" => {
                let path = texts_dir().join(format!("{}.txt", doc.id));
                match std::fs::read_to_string(&path) {
                    Ok(t) => Some(squeeze(&t)),
                    Err(e) => {
                        problems.push(format!(
                            "{at}: source = \"corpus\" but {} cannot be read ({e}); use the policy text's file stem, \
                             or source = \"external\"",
                            path.display()
                        ));
                        None
                    }
                }
            }
            "external" => None,
            other => {
                problems.push(format!("{at}: source = {other:?}; it must be \"corpus\" or \"external\""));
                None
            }
        };
        let mut labels = BTreeSet::new();
        for row in &doc.clauses {
            let at = format!("{at}, clause {}", row.label);
            if row.label.trim().is_empty() || row.label != row.label.trim() {
                problems.push(format!("{at}: the label must be the text's numbering without surrounding spaces"));
            }
            if !labels.insert(row.label.as_str()) {
                problems.push(format!("{at}: label listed twice in this document; each label names one clause"));
            }
            if !KINDS.contains(&row.kind.as_str()) {
                problems.push(format!("{at}: kind {:?} is not one of {}", row.kind, KINDS.join(", ")));
            }
            match (&text, doc.source.as_str()) {
                (Some(full), _) => {
                    let quoted = squeeze(&row.text);
                    if quoted.is_empty() {
                        problems.push(format!("{at}: empty text; copy the clause's words from {}.txt", doc.id));
                    } else if !full.contains(&quoted) {
                        problems.push(format!(
                            "{at}: text is not verbatim from {}.txt: {}",
                            doc.id,
                            divergence(&quoted, full)
                        ));
                    }
                }
                (None, "external") if row.text.is_empty() && row.note.as_deref().is_none_or(str::is_empty) => {
                    problems.push(format!(
                        "{at}: empty text without a note; add note = \"text not held in this repository\""
                    ));
                }
                _ => {}
            }
        }
    }
    problems
}

/// A citation found in source: where, which document, which label.
struct Cited {
    at: String,
    document: String,
    label: String,
}

/// The source with `//` comments blanked (doc comments quote the texts and are not citations).
fn code_only(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    // A string literal may run over several lines; a comment never starts inside one.
    let mut in_str = false;
    for line in source.lines() {
        let bytes = line.as_bytes();
        let (mut i, mut cut) = (0, line.len());
        while i < bytes.len() {
            match bytes[i] {
                b'\\' if in_str => i += 1,
                b'\'' if !in_str && bytes.get(i + 1) == Some(&b'"') && bytes.get(i + 2) == Some(&b'\'') => i += 2,
                b'"' => in_str = !in_str,
                b'/' if !in_str && bytes.get(i + 1) == Some(&b'/') => {
                    cut = i;
                    break;
                }
                _ => {}
            }
            i += 1;
        }
        out.push_str(&line[..cut]);
        out.push('\n');
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every citation the plugin's sources make, in the forms the modules use:
/// `Clause::new(DOC, "label")`, `decree_663("label")`, and tables of label
/// strings fed to `Clause::new(DOC, clause)` / `Citation { document: DOC, clause }`
/// (every label-shaped string literal in such a file counts as a citation of DOC).
fn citations(plugin: &str) -> Vec<Cited> {
    let root = workspace();
    let mut files = Vec::new();
    rust_files(&root.join("plugins").join(plugin).join("src"), &mut files);
    files.sort();
    let framework = root.join("sdk/src/framework.rs");
    files.push(framework.clone());

    let constant = Regex::new(r#"const\s+([A-Z_][A-Z0-9_]*)\s*:\s*&(?:'static\s+)?str\s*=\s*"([^"]*)""#).unwrap();
    let new_literal = Regex::new(r#"Clause::new\(\s*([A-Za-z_:][A-Za-z0-9_:]*|"[^"]*")\s*,\s*"([^"]*)"\s*\)"#).unwrap();
    let new_variable = Regex::new(r#"Clause::new\(\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*,\s*[a-z_][a-z0-9_]*\s*\)"#).unwrap();
    let citation_variable =
        Regex::new(r#"Citation\s*\{\s*document:\s*([A-Za-z_:][A-Za-z0-9_:]*)[^,]*,\s*clause:\s*[a-z_]"#).unwrap();
    let decree = Regex::new(r#"decree_663\(\s*"([^"]*)"\s*\)"#).unwrap();
    // A label as the texts number them: 三(一)2(3), 二(二), 四, 三(一)末段, 附件1.
    let label_shaped = Regex::new(
        r#""((?:[一二三四五六七八九十]+(?:\([一二三四五六七八九十]+\))?(?:\d+(?:\(\d+\))*)?(?:末段)?)|附件\d+)""#,
    )
    .unwrap();

    let sources: Vec<(PathBuf, String)> =
        files.iter().map(|f| (f.clone(), code_only(&std::fs::read_to_string(f).unwrap()))).collect();
    let mut constants: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (_, code) in &sources {
        for c in constant.captures_iter(code) {
            constants.entry(c[1].to_string()).or_default().insert(c[2].to_string());
        }
    }
    let resolve = |expr: &str, at: &str| -> String {
        if let Some(lit) = expr.strip_prefix('"') {
            return lit.trim_end_matches('"').to_string();
        }
        let name = expr.rsplit("::").next().unwrap();
        match constants.get(name).map(|v| v.iter().collect::<Vec<_>>()).as_deref() {
            Some([one]) => one.to_string(),
            other => panic!("{at}: cannot resolve the document `{expr}` of a citation (found {other:?})"),
        }
    };
    let line_of = |code: &str, offset: usize| code[..offset].matches('\n').count() + 1;

    let mut found = Vec::new();
    for (path, code) in &sources {
        let file = path.strip_prefix(root).unwrap_or(path).display().to_string();
        let is_framework = *path == framework;
        let mut spans = Vec::new();
        for c in new_literal.captures_iter(code) {
            let at = format!("{file}:{}", line_of(code, c.get(0).unwrap().start()));
            found.push(Cited { document: resolve(&c[1], &at), label: c[2].to_string(), at });
            spans.push(c.get(2).unwrap().range());
        }
        for c in decree.captures_iter(code) {
            let at = format!("{file}:{}", line_of(code, c.get(0).unwrap().start()));
            found.push(Cited { document: resolve("DECREE_663", &at), label: c[1].to_string(), at });
            spans.push(c.get(1).unwrap().range());
        }
        if is_framework {
            // `decree_663(clause)` wraps `Clause::new(DECREE_663, clause)`; its callers are scanned above.
            continue;
        }
        let table_docs: BTreeSet<String> = new_variable
            .captures_iter(code)
            .chain(citation_variable.captures_iter(code))
            .map(|c| resolve(&c[1], &file))
            .collect();
        for doc in &table_docs {
            for c in label_shaped.captures_iter(code) {
                let m = c.get(1).unwrap();
                if spans.iter().any(|s| s.contains(&m.start())) {
                    continue;
                }
                let at = format!("{file}:{} (a table row)", line_of(code, m.start()));
                found.push(Cited { document: doc.clone(), label: m.as_str().to_string(), at });
            }
        }
    }
    found
}

fn load(plugin: &str) -> Table {
    let path = workspace().join("plugins").join(plugin).join("clauses.toml");
    let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    toml::from_str(&raw).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every problem with one plugin: its table on its own, then its citations against it.
fn problems(plugin: &str, table: &Table) -> Vec<String> {
    let mut problems = check_table(plugin, table);
    let cited = citations(plugin);
    if cited.is_empty() {
        problems.push(format!("{plugin}: no citation found in its sources; the scan has lost track of the forms"));
    }
    for c in cited {
        let Some(doc) = table.documents.iter().find(|d| d.id == c.document) else {
            problems.push(format!(
                "{plugin}: {} cites document {} clause {}, but plugins/{plugin}/clauses.toml lists no document {}; \
                 add it (source = \"external\" if its text is not held here)",
                c.at, c.document, c.label, c.document
            ));
            continue;
        };
        if !doc.clauses.iter().any(|r| r.label == c.label) {
            let labels: Vec<&str> = doc.clauses.iter().map(|r| r.label.as_str()).collect();
            problems.push(format!(
                "{plugin}: {} cites {} clause {}, which is not in its table; the table's labels for {} are: {}",
                c.at,
                c.document,
                c.label,
                c.document,
                labels.join(" ")
            ));
        }
    }
    problems
}

fn assert_honest(plugin: &str) {
    let problems = problems(plugin, &load(plugin));
    assert!(
        problems.is_empty(),
        "plugins/{plugin}/clauses.toml: {} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn zhejiang_clause_table_is_verbatim_and_covers_its_citations() {
    assert_honest("zhejiang");
}

#[test]
fn ningbo_jiangbei_clause_table_is_verbatim_and_covers_its_citations() {
    assert_honest("ningbo-jiangbei");
}

#[test]
fn hangzhou_gongshu_clause_table_is_verbatim_and_covers_its_citations() {
    assert_honest("hangzhou-gongshu");
}

#[test]
fn jiaxing_clause_table_is_verbatim_and_covers_its_citations() {
    assert_honest("jiaxing");
}

#[test]
fn zhangzhou_clause_table_is_verbatim_and_covers_its_citations() {
    assert_honest("zhangzhou");
}

#[test]
fn every_module_has_a_table() {
    for (plugin, _) in MODULES {
        assert!(workspace().join("plugins").join(plugin).join("clauses.toml").exists(), "{plugin}: no clauses.toml");
    }
}

/// The checker itself: a changed character, a repeated label, an unknown kind,
/// a backwards window and an uncited label are each caught, naming the place.
#[test]
fn the_check_catches_each_kind_of_error() {
    let mut table = load("jiaxing");
    let doc = &mut table.documents[0];
    let row = doc.clauses.iter_mut().find(|r| r.label == "三(二)1").unwrap();
    row.text = row.text.replacen("60日", "90日", 1);
    doc.clauses[1].label = doc.clauses[0].label.clone();
    doc.clauses[2].kind = "benefit".into();
    doc.in_force_until = Some("2014-01-01".into());
    doc.clauses.retain(|r| r.label != "三(二)2(4)");
    let problems = problems("jiaxing", &table).join("\n");
    for expected in [
        "clause 三(二)1: text is not verbatim from 002_f9217923c518aad0.txt: after “…",
        "the table has “90日内可补办签注手续,…” where the text has “60日内可补办签注手续,…”",
        "label listed twice",
        "kind \"benefit\" is not one of",
        "is after until 2014-01-01",
        "cites 002_f9217923c518aad0 clause 三(二)2(4), which is not in its table",
    ] {
        assert!(problems.contains(expected), "expected {expected:?} among:\n{problems}");
    }
}

#[test]
fn squeeze_removes_only_whitespace() {
    assert_eq!(squeeze("三、\n 主要\u{3000}内容\t(一)"), "三、主要内容(一)");
    assert_eq!(squeeze("，。；"), "，。；", "punctuation is compared as it stands");
}
