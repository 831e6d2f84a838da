//! The clause table: the documents a module decides by, their in-force
//! windows, and every clause that carries a rule, in the text's own words.
//!
//! A module's table is data, written as `plugins/<p>/clauses.toml` beside its
//! code. It is turned into Rust statics at build time by `juzhu-sdk-build`
//! (the module's `build.rs` calls [`juzhu_sdk_build::clause_table`]), so the
//! wasm module never parses TOML: each call reads `&'static` data, and
//! `metadata.info()` builds the contract's [`Document`] list from it. The
//! module hands its table to the SDK as [`Policy::TABLE`](crate::Policy::TABLE);
//! the SDK then
//! - refuses, before any rule runs, a legal date outside the window of one of
//!   the module's own (`corpus`) documents ([`not_in_force`]): the module
//!   needs no code of its own for it;
//! - checks, in the vector runner, that every citation resolves to a clause
//!   in the table ([`resolves`]).

use crate::date::{Date, parse_date};
use crate::types::{Clause, ClauseKind, Document, DocumentSource, NotInForce};

/// One document of a module's clause table, as generated from its
/// `clauses.toml`.
#[derive(Debug)]
pub struct DocumentEntry {
    pub id: &'static str,
    pub title: &'static str,
    pub issuer: &'static str,
    pub issued_on: Option<&'static str>,
    pub in_force_from: Option<&'static str>,
    pub in_force_until: Option<&'static str>,
    pub window_basis: Option<&'static str>,
    pub source: DocumentSource,
    pub clauses: &'static [ClauseEntry],
}

/// One clause of a [`DocumentEntry`].
#[derive(Debug)]
pub struct ClauseEntry {
    pub label: &'static str,
    pub kind: ClauseKind,
    pub text: &'static str,
    pub note: Option<&'static str>,
}

/// The contract's documents for `metadata.info()`.
pub fn documents(table: &[DocumentEntry]) -> Vec<Document> {
    table
        .iter()
        .map(|d| Document {
            id: d.id.into(),
            title: d.title.into(),
            issued_on: d.issued_on.map(Into::into),
            in_force_from: d.in_force_from.map(Into::into),
            issuer: Some(d.issuer.into()),
            in_force_until: d.in_force_until.map(Into::into),
            window_basis: d.window_basis.map(Into::into),
            source: Some(d.source),
            clauses: d
                .clauses
                .iter()
                .map(|c| Clause {
                    label: c.label.into(),
                    text: c.text.into(),
                    kind: c.kind,
                    note: c.note.map(Into::into),
                })
                .collect(),
        })
        .collect()
}

/// The first of the module's own (`corpus`) documents whose in-force window
/// does not cover `on`, as the refusal names it. External documents (Decree
/// 663, a provincial regulation) do not bound the module's dates: the module
/// cites them, it does not enact them.
pub fn not_in_force(table: &[DocumentEntry], on: Date) -> Option<NotInForce> {
    let day = |text: &str| parse_date("clauses.toml", text).expect("checked when the table was generated");
    table.iter().filter(|d| d.source == DocumentSource::Corpus).find_map(|d| {
        let before = d.in_force_from.is_some_and(|f| on < day(f));
        let after = d.in_force_until.is_some_and(|u| on > day(u));
        (before || after).then(|| NotInForce {
            document: d.id.into(),
            title: d.title.into(),
            in_force_from: d.in_force_from.map(Into::into),
            in_force_until: d.in_force_until.map(Into::into),
            basis: d.window_basis.map(Into::into),
            legal_date: on.to_string(),
        })
    })
}

/// Whether `document` is in the table and numbers a clause `label`.
pub fn resolves(documents: &[Document], document: &str, label: &str) -> bool {
    documents.iter().any(|d| d.id == document && d.clauses.iter().any(|c| c.label == label))
}

/// The words of a cited clause, where the table has them.
pub fn words<'a>(documents: &'a [Document], document: &str, label: &str) -> Option<&'a Clause> {
    documents.iter().find(|d| d.id == document)?.clauses.iter().find(|c| c.label == label)
}
