//! The work queues, in the browser: permits built to fall into each queue
//! on a chosen legal date, placed there by the Gongshu module's answers.

use juzhu_domain::Transition;

use crate::harness::{ALL_MATERIALS, Browser, Station, application};

/// An eligible decision (legal date 2017-06-15) issued as a permit on
/// `issued_on`; the holder stays insured to 2019, so an endorsement in 2018
/// is allowed on current facts.
fn permit_issued_on(s: &Station, issued_on: &str) -> String {
    let mut app = application(&ALL_MATERIALS);
    app.insurance[0].to = "2019-12".into();
    let id = s.service.submit("seed", &app, Some("2017-06-15".into())).unwrap().decision_id;
    s.service.issue("seed", id, Some(issued_on.into())).unwrap().number
}

async fn rows(b: &Browser, queue: &str, attr: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in b.c.find_all(fantoccini::Locator::Css(&format!("#queue-{queue} tr[data-{attr}]"))).await.unwrap() {
        out.push(e.attr(&format!("data-{attr}")).await.unwrap().unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_queue_lists_the_permits_its_module_puts_there() {
    let s = Station::start().await;
    // On 2018-08-15, by 二(一)4 (window: the month before each anniversary of issue):
    let open = permit_issued_on(&s, "2017-09-01"); // window 2018-08-01 to 2018-09-01
    let overdue = permit_issued_on(&s, "2017-07-01"); // due 2018-07-01, not endorsed
    let suspended = permit_issued_on(&s, "2017-06-20"); // due 2018-06-20, suspended on 2018-07-01
    let not_due = permit_issued_on(&s, "2017-12-01"); // window opens 2018-11-01
    s.service.act("seed", &suspended, Transition::Suspend, Some("2018-07-01".into())).unwrap();
    // The last decision for the applicant: Incomplete, the labour contract missing.
    let incomplete = s.submit(&ALL_MATERIALS[..4]);
    let before = s.audit_len();

    let b = Browser::open(&s.url).await;
    b.sign_in(&s.clerk).await;
    b.click_to("#nav-queues", "#queues-show").await;
    b.fill("#f-legal-date", "2018-08-15").await;
    b.click_to("#queues-show", "#queue-endorsement-open").await;
    b.shot("queues-zh").await;
    assert_eq!(rows(&b, "endorsement-open", "permit").await, vec![open.clone()]);
    assert_eq!(rows(&b, "overdue", "permit").await, vec![overdue.clone()]);
    assert_eq!(rows(&b, "restorable", "permit").await, vec![suspended.clone()]);
    assert_eq!(rows(&b, "awaiting-materials", "decision").await, vec![incomplete.to_string()]);
    for q in ["endorsement-open", "overdue", "restorable"] {
        assert!(!b.text(&format!("#queue-{q}")).await.contains(&not_due), "{not_due} is not due: not in {q}");
    }
    // The module's own dates: the open window, and the day use is suspended from.
    let row = b.text(&format!("#queue-endorsement-open tr[data-permit='{open}']")).await;
    assert!(row.contains("2018年8月1日") && row.contains("2018年9月1日"), "{row}");
    let row = b.text(&format!("#queue-overdue tr[data-permit='{overdue}']")).await;
    assert!(row.contains("2018年7月2日"), "suspended from the day after the anniversary: {row}");
    let row = b.text("#queue-awaiting-materials tr[data-decision]").await;
    assert!(row.contains("劳动合同"), "{row}");
    // In English too.
    b.click_to("#lang-switch", "#queue-overdue").await;
    assert!(b.text("#queue-overdue h2").await.contains("about to be suspended"));
    b.shot("queues-en").await;

    // Endorsing the open one in its window takes it off the queue.
    s.service.act("seed", &open, Transition::Endorse, Some("2018-08-10".into())).unwrap();
    b.goto("/queues?legal_date=2018-08-15").await;
    assert!(rows(&b, "endorsement-open", "permit").await.is_empty());
    // A bad date is refused beside its field.
    b.goto("/queues?legal_date=2018-02-30").await;
    assert!(!b.text("#f-legal-date-error").await.is_empty());
    assert_eq!(s.audit_len(), before + 1, "the queues write nothing");
    b.close().await;
}
