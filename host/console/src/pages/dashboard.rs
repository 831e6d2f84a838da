//! The operator's dashboard: the station's decision counts as SVG charts
//! drawn on the server (no script), over `Service::decision_stats`.

use rocket::get;
use rocket::http::Status;
use serde::Serialize;
use serde_json::json;

use juzhu_station::auth::Role;
use juzhu_station::service::JurisdictionStats;

use crate::pages::{Reply, need};
use crate::session::Visitor;
use crate::web::{message, render};

const OUTCOMES: [&str; 3] = ["eligible", "ineligible", "incomplete"];
const CHART_H: f64 = 160.0;
const BAR_W: f64 = 36.0;
const GAP: f64 = 18.0;
const LEFT: f64 = 40.0;
const REASON_W: f64 = 320.0;

/// One rectangle of a chart, placed on the server.
#[derive(Serialize)]
struct Rect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    series: String,
    month: String,
    count: u32,
}

#[derive(Serialize)]
struct Chart {
    jurisdiction: String,
    total: u32,
    width: f64,
    max: u32,
    bars: Vec<Rect>,
    /// (x, month) under each column.
    labels: Vec<(f64, String)>,
    reasons: Vec<(String, String, u32, f64)>,
}

fn chart(s: &JurisdictionStats) -> Chart {
    let max = s.months.iter().map(|m| m.outcomes.values().sum::<u32>()).max().unwrap_or(0).max(1);
    let scale = CHART_H / f64::from(max);
    let mut bars = Vec::new();
    let mut labels = Vec::new();
    for (i, m) in s.months.iter().enumerate() {
        let x = LEFT + i as f64 * (BAR_W + GAP);
        let mut top = CHART_H;
        for outcome in OUTCOMES {
            let count = m.outcomes.get(outcome).copied().unwrap_or(0);
            if count == 0 {
                continue;
            }
            let h = f64::from(count) * scale;
            top -= h;
            bars.push(Rect { x, y: top, w: BAR_W, h, series: outcome.into(), month: m.month.clone(), count });
        }
        labels.push((x + BAR_W / 2.0, m.month.clone()));
    }
    let most = s.reasons.first().map(|r| r.count).unwrap_or(1).max(1);
    let reasons = s
        .reasons
        .iter()
        .map(|r| (r.code.clone(), r.clause.clone(), r.count, REASON_W * f64::from(r.count) / f64::from(most)))
        .collect();
    Chart {
        jurisdiction: s.jurisdiction.clone(),
        total: s.total,
        width: LEFT + s.months.len() as f64 * (BAR_W + GAP) + GAP,
        max,
        bars,
        labels,
        reasons,
    }
}

#[get("/operator/dashboard")]
pub fn dashboard(v: Visitor) -> Reply {
    if let Err(r) = need(&v, Role::Admin) {
        return r;
    }
    match v.service.decision_stats() {
        Ok(stats) => {
            let charts: Vec<Chart> = stats.iter().map(chart).collect();
            render(
                &v,
                Status::Ok,
                "dashboard.html",
                "/operator/dashboard",
                json!({ "charts": charts, "outcomes": OUTCOMES }),
            )
            .into()
        }
        Err(e) => message(&v, Status::InternalServerError, "error.internal", e.to_string()).into(),
    }
}
