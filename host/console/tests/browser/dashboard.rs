//! The operator's dashboard: its server-drawn charts count the decisions
//! recorded in the test.

use crate::harness::{ALL_MATERIALS, Browser, Station, application};

async fn count(b: &Browser, css: &str) -> u32 {
    b.wait(css).await.attr("data-count").await.unwrap().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_charts_the_decisions_recorded() {
    let s = Station::start().await;
    let b = Browser::open(&s.url).await;
    b.sign_in(&s.admin).await;
    b.click_to("#nav-dashboard", "#dashboard-empty").await;
    // Two eligible and one incomplete in June 2017, one eligible in July.
    s.submit(&ALL_MATERIALS);
    s.submit(&ALL_MATERIALS);
    s.submit(&ALL_MATERIALS[..4]);
    s.service.submit("seed", &application(&ALL_MATERIALS), Some("2017-07-10".into())).unwrap();
    b.goto("/operator/dashboard").await;
    let chart = "#chart-outcomes-330105";
    b.wait(chart).await;
    b.shot("dashboard-zh").await;
    assert_eq!(b.wait("#dashboard-330105").await.attr("data-total").await.unwrap().unwrap(), "4");
    assert_eq!(count(&b, &format!("{chart} rect[data-month='2017-06'][data-outcome='eligible']")).await, 2);
    assert_eq!(count(&b, &format!("{chart} rect[data-month='2017-06'][data-outcome='incomplete']")).await, 1);
    assert_eq!(count(&b, &format!("{chart} rect[data-month='2017-07'][data-outcome='eligible']")).await, 1);
    assert!(!b.exists(&format!("{chart} rect[data-outcome='ineligible']")).await, "no refusal was made");
    // The taller bar is June's (three decisions against one).
    let height = |css: String| {
        let b = &b;
        async move { b.wait(&css).await.attr("height").await.unwrap().unwrap().parse::<f64>().unwrap() }
    };
    let june = height(format!("{chart} rect[data-month='2017-06'][data-outcome='eligible']")).await;
    let july = height(format!("{chart} rect[data-month='2017-07'][data-outcome='eligible']")).await;
    assert!((june - 2.0 * july).abs() < 0.01, "bars scale with their counts: {june} vs {july}");
    // Deciding reasons, each counted once per decision that it decided.
    let reasons = b.c.find_all(fantoccini::Locator::Css("#chart-reasons-330105 g[data-reason]")).await.unwrap();
    assert!(!reasons.is_empty(), "the module marks deciding reasons");
    for r in reasons {
        let n: u32 = r.attr("data-count").await.unwrap().unwrap().parse().unwrap();
        assert!((1..=4).contains(&n), "{n}");
    }
    // In English too.
    b.click_to("#lang-switch", "#chart-outcomes-330105").await;
    assert!(b.text("#dashboard-330105 h3").await.contains("By outcome"));
    b.shot("dashboard-en").await;
    b.close().await;
}
