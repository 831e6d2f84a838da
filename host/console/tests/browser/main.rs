//! The console in a real browser: headless Chromium through chromedriver.
//! Every wait is explicit (an element appears, a page loads); none sleeps
//! in place of an assertion. Screenshots go to `target/screenshots`.

mod dashboard;
mod harness;
mod language;
mod queues;

use harness::{ALL_MATERIALS, Browser, Station};

/// Types a Gongshu application into the form: one registration, one
/// insurance period, one job, and the materials ticked.
async fn fill_gongshu(b: &Browser, citizen_id: &str, registered_on: &str, materials: &[&str]) {
    b.goto("/apply?new=1").await;
    b.fill("#f-legal-date", "2017-06-15").await;
    b.select("#f-jurisdiction", "330105").await;
    b.fill("#f-identity-name", "王伟").await;
    b.fill("#f-identity-citizen-id", citizen_id).await;
    b.click_to("#add-registrations", "#f-registrations-0-registered-on").await;
    b.fill("#f-registrations-0-registered-on", registered_on).await;
    b.fill("#f-registrations-0-division", "330105").await;
    b.fill("#f-registrations-0-address", "拱墅区湖墅南路1号").await;
    b.click_to("#add-insurance", "#f-insurance-0-from").await;
    b.fill("#f-insurance-0-from", "2016-06").await;
    b.fill("#f-insurance-0-to", "2018-06").await;
    b.fill("#f-insurance-0-division", "330105").await;
    b.select("#f-insurance-0-scope", "Full").await;
    b.click_to("#add-employment", "#f-employment-0-kind").await;
    b.select("#f-employment-0-kind", "LabourContract").await;
    b.fill("#f-employment-0-division", "330105").await;
    b.fill("#f-employment-0-started-on", "2016-06-01").await;
    for m in materials {
        b.wait(&format!("#f-materials-{m}")).await.click().await.unwrap();
        b.select(&format!("#f-materials-{m}-source"), "Submitted").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_decides_submits_and_prints_the_notice() {
    let s = Station::start().await;
    let b = Browser::open(&s.url).await;
    b.sign_in(&s.clerk).await;
    // Eligible: a cited reason, then submitted with a receipt.
    fill_gongshu(&b, "340102198503150012", "2016-06-01", &ALL_MATERIALS).await;
    b.shot("apply-form-zh").await;
    b.click_to("#decide", "#outcome").await;
    assert!(b.text("#outcome").await.contains("符合条件"), "{}", b.text("#outcome").await);
    let clauses = b.text("#route-employment").await;
    assert!(clauses.contains("二(一)2(1)"), "the employment route cites its clause: {clauses}");
    b.shot("decision-eligible-zh").await;
    b.click_to("#submit", "#receipt-number").await;
    let receipt = b.text("#receipt-number").await;
    assert_eq!(receipt, "00000001");
    assert!(b.text("#receipt-details").await.contains("hangzhou-gongshu"));
    b.shot("receipt-zh").await;
    assert!(s.service.with_store(|st| st.decision(1).unwrap()).is_some());

    // Incomplete: the labour contract is missing; the notice lists it.
    fill_gongshu(&b, "340102198503150012", "2016-06-01", &ALL_MATERIALS[..4]).await;
    b.click_to("#decide", "#missing").await;
    assert!(b.text("#outcome").await.contains("材料不全"));
    assert!(b.text("#missing").await.contains("劳动合同"));
    b.click_to("#submit", "#notice-link").await;
    b.click_to("#notice-link", "#notice").await;
    assert!(b.text("#notice-materials").await.contains("劳动合同"));
    assert_eq!(b.text("#notice-receipt").await, "00000002");
    assert!(b.text("#notice-station").await.contains("拱墅"));
    b.shot("notice-zh").await;
    // The print stylesheet: A4, and nothing of the console but the notice.
    let print_css = b.c.execute(
        "return [...document.styleSheets].filter(s => s.media.mediaText === 'print').flatMap(s => [...s.cssRules].map(r => r.cssText)).join('\\n')",
        vec![],
    ).await.unwrap();
    let print_css = print_css.as_str().unwrap().to_string();
    assert!(print_css.to_lowercase().contains("size: a4"), "{print_css}");
    assert!(print_css.contains(".toolbar") && print_css.contains("display: none"), "{print_css}");
    let pdf = b.c.print(fantoccini::wd::PrintConfiguration::default()).await.unwrap();
    assert!(pdf.starts_with(b"%PDF"), "printing gives a PDF");
    std::fs::write(juzhu_test_support::workspace().join("target/screenshots/notice.pdf"), &pdf).unwrap();
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_shown_beside_its_field_and_writes_nothing() {
    let s = Station::start().await;
    let before = s.audit_len();
    let b = Browser::open(&s.url).await;
    b.sign_in(&s.clerk).await;
    // An impossible date.
    fill_gongshu(&b, "340102198503150012", "2016-02-30", &ALL_MATERIALS).await;
    b.click_to("#decide", "#error-summary").await;
    let beside = b.text("#f-registrations-0-registered-on-error").await;
    assert!(!beside.is_empty());
    let link = b.wait("#error-summary a").await.attr("href").await.unwrap().unwrap();
    assert_eq!(link, "#f-registrations-0-registered-on");
    b.shot("apply-bad-date-zh").await;
    // A citizen ID whose check digit is wrong.
    fill_gongshu(&b, "340102198503150013", "2016-06-01", &ALL_MATERIALS).await;
    b.click_to("#decide", "#error-summary").await;
    assert!(!b.text("#f-identity-citizen-id-error").await.is_empty());
    b.shot("apply-bad-id-zh").await;
    assert_eq!(s.audit_len(), before, "nothing was written");
    assert!(s.service.with_store(|st| st.decision(1).unwrap()).is_none());
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_issues_a_permit_and_writes_its_card() {
    let s = Station::start().await;
    let id = s.submit(&ALL_MATERIALS);
    let b = Browser::open(&s.url).await;
    b.sign_in(&s.supervisor).await;
    b.goto(&format!("/decisions/{id}")).await;
    b.click_to("#issue-link", "#confirm").await;
    b.click_to("#confirm", "#permit-number").await;
    let number = b.text("#permit-number").await;
    assert_eq!(s.service.permit_record(&number).unwrap().state.as_str(), "active");
    // A suspension the module does not direct is refused, and said so.
    b.click_to("#action-suspend", "#confirm").await;
    b.click_to("#confirm", "#error-summary").await;
    assert_eq!(s.service.permit_record(&number).unwrap().state.as_str(), "active");
    // The card, on the memory encoder, watched until done.
    b.goto(&format!("/permits/{number}")).await;
    b.select("#f-encoder", "desk-1").await;
    b.select("#f-kind", "issue").await;
    b.click_to("#card-start", "#journal").await;
    b.shot("card-journal-zh").await;
    b.wait("#card-state[data-state='done']").await;
    assert!(b.exists("#step-verified.reached").await);
    b.shot("card-done-zh").await;
    assert!(s.service.card_status(&number).unwrap().carded);
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_card_journal_shows_a_retry_and_a_rejected_card_as_they_happen() {
    use juzhu_card::sim::{Fault, FaultKind, SimCard};
    // 1.5 s between attempts: long enough to see the failed attempt on screen.
    let s = Station::start_with_retry_delay(1500).await;
    let (_, number) = s.permit();
    let encoder = s.service.cards().memory_encoder("desk-1").unwrap().clone();
    let card = |uid: u8, fault: Fault| {
        let mut c = SimCard::blank(&[0x04, 0x22, 0x33, 0x44, 0x55, 0x66, uid]);
        c.fault = Some(fault);
        c
    };
    // The clerk pulls the card during its third write, then puts it back.
    encoder.insert(card(1, Fault { kind: FaultKind::Pull, after_writes: 2, persistent: false }));
    let b = Browser::open(&s.url).await;
    b.sign_in(&s.supervisor).await;
    b.goto(&format!("/permits/{number}")).await;
    b.select("#f-encoder", "desk-1").await;
    b.select("#f-kind", "issue").await;
    b.click_to("#card-start", "#journal").await;
    // Marks this page: if the journal came from a reload, the mark is gone.
    b.execute("window.juzhuSamePage = true; return null;").await;
    let error = b.wait_text("#card-error", "the failed attempt", |t| t.contains("removed")).await;
    assert_eq!(b.text("#card-attempt").await, "1", "shown while attempt 1's failure is current: {error}");
    assert_eq!(b.text("#card-events li[data-action='card.attempt_failed']").await, "一次尝试失败，稍后重试");
    b.shot("card-retry-zh").await;
    b.wait("#card-state[data-state='done']").await;
    assert_eq!(b.text("#card-attempt").await, "2");
    assert_eq!(b.execute("return window.juzhuSamePage === true;").await, serde_json::json!(true), "updated in place");
    // A broken card: 6581 on every write. It is set aside, and the page says so.
    encoder.insert(card(2, Fault { kind: FaultKind::MemoryFailure, after_writes: 0, persistent: true }));
    b.goto(&format!("/permits/{number}")).await;
    b.select("#f-encoder", "desk-1").await;
    b.select("#f-kind", "reissue").await;
    b.click_to("#card-start", "#journal").await;
    b.execute("window.juzhuSamePage = true; return null;").await;
    b.wait("#card-state[data-state='rejected']").await;
    let error = b.text("#card-error").await;
    assert!(error.contains("6581"), "the card's own status word is shown: {error}");
    assert_eq!(b.execute("return window.juzhuSamePage === true;").await, serde_json::json!(true), "updated in place");
    b.shot("card-rejected-zh").await;
    let out = encoder.handed_out();
    assert!(
        matches!(out.last(), Some((_, juzhu_card::encoder::Disposition::Rejected(_)))),
        "the broken card was set aside"
    );
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_compares_one_application_across_every_jurisdiction_served() {
    let s = Station::start_with(&["hangzhou-gongshu", "jiaxing", "zhejiang"], 10).await;
    let b = Browser::open(&s.url).await;
    b.sign_in(&s.clerk).await;
    fill_gongshu(&b, "340102198503150012", "2016-06-01", &ALL_MATERIALS).await;
    b.click_to("#decide", "#outcome").await;
    let before = s.audit_len();
    b.click_to("#compare-link", "#compare").await;
    b.shot("compare-zh").await;
    // One column per module served, each that module's own decision.
    for division in ["330105", "330400", "330000"] {
        assert!(b.exists(&format!("#compare-{division}")).await, "no column for {division}");
    }
    assert!(b.exists("#compare-330105.own").await, "the application's own jurisdiction is marked");
    let own = b.wait("#compare-330105").await.attr("data-outcome").await.unwrap().unwrap();
    assert_eq!(own, "eligible", "Gongshu decides its own applicant as on the decision page");
    // The same facts elsewhere: each column says what its module decided, or
    // why it did not decide, with the clause it cites.
    for division in ["330400", "330000"] {
        let column = b.wait(&format!("#compare-{division}")).await;
        let outcome = column.attr("data-outcome").await.unwrap().unwrap();
        let text = column.text().await.unwrap();
        assert!(["eligible", "ineligible", "incomplete", "not-decided"].contains(&outcome.as_str()), "{outcome}");
        if outcome != "not-decided" {
            assert!(b.exists(&format!("#compare-{division} cite.clause")).await, "{division} cites no clause: {text}");
        }
    }
    assert_eq!(s.audit_len(), before, "comparing writes nothing");
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_cannot_see_or_call_supervisor_or_admin_actions() {
    let s = Station::start().await;
    let (id, number) = s.permit();
    let audit = s.audit_len();
    let b = Browser::open(&s.url).await;
    b.sign_in(&s.clerk).await;
    assert!(!b.exists("#nav-modules").await && !b.exists("#nav-tokens").await && !b.exists("#nav-dashboard").await);
    b.goto(&format!("/permits/{number}")).await;
    b.wait("#permit-state").await;
    assert!(!b.exists("#permit-actions").await, "no supervisor actions shown");
    assert!(!b.exists("#card-form").await, "no card form shown");
    b.goto(&format!("/decisions/{id}")).await;
    assert!(!b.exists("#issue-link").await);
    for path in [
        format!("/permits/{number}/suspend"),
        "/operator/modules".into(),
        "/operator/tokens".into(),
        "/operator/dashboard".into(),
    ] {
        b.goto(&path).await;
        assert!(b.text("#message-title").await.contains("无权操作"), "{path}");
    }
    // Calling them directly, with the session's own CSRF token, is refused.
    let csrf = b.wait("input[name=csrf]").await.attr("value").await.unwrap().unwrap();
    for (path, body) in [
        (format!("/permits/{number}/suspend"), format!("csrf={csrf}")),
        (format!("/permits/{number}/card"), format!("csrf={csrf}&encoder=desk-1&kind=issue")),
        (format!("/decisions/{id}/issue"), format!("csrf={csrf}")),
        ("/operator/tokens".into(), format!("csrf={csrf}&name=x&role=admin")),
    ] {
        let status = b.c.execute_async(
            "const [p, body, done] = arguments; fetch(p, { method: 'POST', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }).then(r => done(r.status));",
            vec![path.clone().into(), body.into()],
        ).await.unwrap();
        assert_eq!(status, 403, "{path}");
    }
    assert_eq!(s.audit_len(), audit, "nothing was written");
    b.close().await;
}
