//! Every key the console can ask for is in both catalogues, and the two
//! catalogues have the same keys: a missing translation fails here, not on
//! a counter screen.

use std::collections::BTreeSet;

use juzhu_console::i18n::{Lang, catalogue};
use juzhu_console::schema;

/// The keys templates name literally: `t("key")` or `t('key')`.
fn template_keys() -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for (name, source) in juzhu_console::web::TEMPLATES {
        for quote in ['"', '\''] {
            let open = format!("t({quote}");
            let mut rest = *source;
            while let Some(at) = rest.find(&open) {
                let after = &rest[at + open.len()..];
                let end = after.find(quote).unwrap_or_else(|| panic!("{name}: unclosed t("));
                let key = &after[..end];
                // `t("action." ~ a)`: a prefix; the built keys cover what follows.
                if !key.ends_with('.') {
                    keys.insert(key.to_string());
                }
                rest = &after[end..];
            }
        }
    }
    keys
}

/// Keys the console builds from values: roles, states, actions, card steps,
/// and every enum case of the contract.
fn built_keys() -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for role in ["clerk", "supervisor", "admin"] {
        keys.insert(format!("role.{role}"));
    }
    for state in ["active", "suspended", "cancelled"] {
        keys.insert(format!("state.{state}"));
    }
    for action in ["issue", "endorse", "suspend", "restore", "cancel", "pin", "unpin", "rollback"] {
        keys.insert(format!("action.{action}"));
        keys.insert(format!("confirm.lead.{action}"));
    }
    for step in ["pending", "image_built", "encoding", "written", "verified", "done", "rejected", "failed"] {
        keys.insert(format!("card.{step}"));
    }
    for status in ["NotDue", "WindowOpen", "OverdueSuspended", "ToBeCancelled"] {
        keys.insert(format!("endorsement.{status}"));
    }
    for effect in ["met", "not-met", "unknown", "information", "not-stated"] {
        keys.insert(format!("reason.effect.{effect}"));
    }
    // The work queues' headings and columns (`t("queues." ~ id)`).
    for q in ["endorsement-open", "overdue", "restorable", "window", "suspension"] {
        keys.insert(format!("queues.{q}"));
    }
    for m in 1..=12 {
        keys.insert(format!("month.{m}"));
    }
    for e in schema::enums().unwrap() {
        schema::catalogue_keys(&schema::Kind::List(Box::new(e)), &mut keys);
    }
    schema::catalogue_keys(&schema::application().unwrap(), &mut keys);
    keys
}

#[test]
fn zh_and_en_have_the_same_keys() {
    let zh: BTreeSet<_> = catalogue(Lang::Zh).keys().collect();
    let en: BTreeSet<_> = catalogue(Lang::En).keys().collect();
    assert_eq!(zh.difference(&en).collect::<Vec<_>>(), Vec::<&&String>::new(), "in zh, missing from en");
    assert_eq!(en.difference(&zh).collect::<Vec<_>>(), Vec::<&&String>::new(), "in en, missing from zh");
}

#[test]
fn every_key_the_console_uses_is_in_both_catalogues() {
    let used: BTreeSet<String> = template_keys().into_iter().chain(built_keys()).collect();
    assert!(used.len() > 300, "the scan found the keys ({})", used.len());
    for lang in [Lang::Zh, Lang::En] {
        let missing: Vec<_> = used.iter().filter(|k| !catalogue(lang).contains_key(*k)).collect();
        assert!(missing.is_empty(), "{lang:?} catalogue lacks {missing:?}");
    }
}

#[test]
fn no_message_is_empty_and_the_languages_differ() {
    for lang in [Lang::Zh, Lang::En] {
        let empty: Vec<_> = catalogue(lang).iter().filter(|(_, v)| v.trim().is_empty()).collect();
        assert!(empty.is_empty(), "{lang:?}: {empty:?}");
    }
    assert_ne!(catalogue(Lang::Zh)["apply.title"], catalogue(Lang::En)["apply.title"]);
}
