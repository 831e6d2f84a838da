//! 二(一)2(3): continuous schooling.

use juzhu_sdk::evidence::Evidence;
use juzhu_sdk::framework::{date_of, runs_on};
use juzhu_sdk::prelude::*;

use crate::clauses::*;
use crate::config::in_urban_area;

/// 二(一)2(3): a year of full-time enrolment in 杭州市区.
pub(super) fn schooling_route(app: &Application, on: Date, ev: Option<&Evidence>) -> RouteBuilder {
    let mut b = RouteBuilder::new(RouteKind::Schooling, None);
    let best = app.schooling.iter().filter(|s| in_urban_area(&s.division)).max_by_key(|s| {
        (s.full_time, runs_on(&s.enrolled_on, &s.left_on, on), std::cmp::Reverse(date_of(&s.enrolled_on)))
    });
    let Some(s) = best else {
        b.condition(
            false,
            SCHOOLING.reason(
                "schooling.enrolled-in-urban-area.not-met",
                "未在杭州市区的学校取得学籍",
                "not enrolled at a school in the Hangzhou urban districts",
            ),
        );
        return b;
    };
    b.condition(
        true,
        SCHOOLING.reason(
            "schooling.enrolled-in-urban-area.met",
            "在杭州市区的学校取得学籍",
            "enrolled at a school in the Hangzhou urban districts",
        ),
    );
    b.condition(
        s.full_time,
        if s.full_time {
            SCHOOLING.reason("schooling.full-time.met", "全日制就读", "full-time")
        } else {
            SCHOOLING.reason("schooling.full-time.not-met", "非全日制就读", "not full-time")
        },
    );
    let current = runs_on(&s.enrolled_on, &s.left_on, on);
    b.condition(
        current,
        if current {
            SCHOOLING.reason(
                "schooling.enrolled-on-application-date.met",
                &format!("{on}在读"),
                &format!("enrolled on {on}"),
            )
        } else {
            SCHOOLING.reason(
                "schooling.enrolled-on-application-date.not-met",
                &format!("{on}已不在读"),
                &format!("no longer enrolled on {on}"),
            )
        },
    );
    let start = date_of(&s.enrolled_on);
    let year = date::months_completed(start, on, 12);
    let full = date::add_months(start, 12);
    b.condition(
        year,
        if year {
            SCHOOLING.reason(
                "schooling.one-year.met",
                &format!("自{start}起连续就读，满1年"),
                &format!("enrolled since {start}: one year or more"),
            )
        } else {
            SCHOOLING.reason(
                "schooling.one-year.not-met",
                &format!("自{start}起就读，至{on}不满1年（满1年之日为{full}）"),
                &format!("enrolled since {start}: less than one year on {on} (complete on {full})"),
            )
        },
    );
    if let (Some(ev), true) = (ev, b.holds()) {
        b.needs(ev.missing(Some(RouteKind::Schooling), &[(MaterialKind::EnrolmentCertificate, SCHOOLING)]));
    }
    b
}
