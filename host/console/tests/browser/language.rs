//! Every page in both languages: the switch changes every string the
//! catalogues hold, and a screenshot of each is kept.

use juzhu_console::i18n::{Lang, catalogue};

use crate::harness::{ALL_MATERIALS, Browser, Station};

/// Catalogue strings shown on a Chinese page that are still there in English.
fn untranslated(zh_text: &str, en_text: &str) -> Vec<String> {
    let en = catalogue(Lang::En);
    catalogue(Lang::Zh)
        .iter()
        .filter(|(key, zh)| zh.chars().count() >= 2 && en.get(*key) != Some(zh))
        .filter(|(_, zh)| zh_text.contains(zh.as_str()) && en_text.contains(zh.as_str()))
        .map(|(key, zh)| format!("{key}: {zh}"))
        .collect()
}

/// The page's text without what is data rather than the console's words:
/// citations (document titles are the module's), names of places and people.
async fn words(b: &Browser) -> String {
    let text = b.c.execute(
        "const c = document.body.cloneNode(true); c.querySelectorAll('cite, .clause, .data').forEach(e => e.remove()); document.body.appendChild(c); const t = c.innerText; c.remove(); return t;",
        vec![],
    ).await.unwrap();
    text.as_str().unwrap_or_default().to_string()
}

/// Shows `path` in Chinese and then in English (one click on the switch),
/// with a screenshot of each, and checks the switch changed every string.
async fn both(b: &Browser, path: &str, name: &str, ready: &str) {
    b.goto(path).await;
    b.wait(ready).await;
    assert_eq!(b.wait("html").await.attr("lang").await.unwrap().as_deref(), Some("zh-CN"), "{path}");
    let zh = words(b).await;
    b.shot(&format!("{name}-zh")).await;
    b.click_to("#lang-switch", ready).await;
    assert_eq!(b.wait("html").await.attr("lang").await.unwrap().as_deref(), Some("en"), "{path}");
    let en = words(b).await;
    b.shot(&format!("{name}-en")).await;
    for text in [&zh, &en] {
        assert!(!text.contains('⟦'), "{path}: a key without a message: {text}");
    }
    assert_ne!(zh, en, "{path}");
    let left = untranslated(&zh, &en);
    assert!(left.is_empty(), "{path}: still in Chinese after the switch: {left:?}");
    // Back to Chinese for the next page.
    b.click_to("#lang-switch", ready).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_language_switch_changes_every_string_on_every_page() {
    let s = Station::start().await;
    let (id, number) = s.permit();
    let incomplete = s.submit(&ALL_MATERIALS[..4]);
    let card = s.service.card_start("seed", &number, juzhu_station::issuance::Kind::Issue, "desk-1", None).unwrap();
    s.service.card_run("seed", card.id, &|_| {}).unwrap();
    let b = Browser::open(&s.url).await;
    both(&b, "/sign-in", "sign-in", "#f-token").await;
    b.sign_in(&s.admin).await;
    both(&b, "/", "home", "#who").await;
    both(&b, "/apply", "apply", "#decide").await;
    crate::fill_gongshu(&b, "340102198503150012", "2016-06-01", &ALL_MATERIALS[..4]).await;
    b.click_to("#decide", "#outcome").await;
    both(&b, "/apply/decision", "decision", "#outcome").await;
    both(&b, "/apply/notice", "notice-preview", "#notice").await;
    both(&b, &format!("/decisions/{id}"), "record", "#receipt-number").await;
    both(&b, &format!("/decisions/{incomplete}/notice"), "notice", "#notice-materials").await;
    both(&b, "/permits", "find", "#f-q").await;
    both(&b, &format!("/permits?q={}", "340102198503150012"), "find-results", "#results").await;
    both(&b, &format!("/permits/{number}"), "permit", "#permit-number").await;
    both(&b, &format!("/permits/{number}/endorse"), "confirm-endorse", "#confirm").await;
    both(&b, &format!("/permits/{number}/cancel"), "confirm-cancel", "#confirm").await;
    both(&b, &format!("/cards/{}", card.id), "card", "#journal").await;
    both(&b, "/operator/modules", "modules", "#division-330105").await;
    both(&b, "/operator/tokens", "tokens", "#tokens").await;
    both(&b, "/queues?legal_date=2018-08-15", "queues", "#queue-awaiting-materials").await;
    both(&b, "/operator/dashboard", "dashboard", "#chart-outcomes-330105").await;
    // The citizen ID is never shown whole.
    b.goto(&format!("/permits?q={}", "340102198503150012")).await;
    assert!(b.text("#results").await.contains("340102********0012"));
    b.close().await;
}
