//! 二(二): who may apply.
//!
//! Shared by every route: the permit system is in force (一(三)), the
//! applicant's 常住户口 is outside the city, and a run of 暂住登记 in the city
//! has lasted half a year or more. Then any one of three routes, each with NO
//! minimum duration: employment, a home, or full-time schooling, each running
//! on the legal date. The text names no materials, so no route asks for any;
//! an unknown fact still leaves the decision incomplete.

use juzhu_sdk::prelude::*;

use crate::clauses::*;
use crate::{in_city, in_force_from};

pub fn evaluate(app: &Application, on: Date) -> Decision {
    let mut shared = Shared::new();
    in_force(&mut shared, on);
    hukou(&mut shared, app);
    residence_period(&mut shared, app, on);
    special_statuses(&mut shared, app);
    let routes = vec![employment(app, on), residence(app, on), schooling(app, on)];
    framework::decide(shared, routes, |_| 0)
}

/// 一(三): the permit is issued from 2016-12-01; before that the city still
/// issued 暂住证 (二(四)).
fn in_force(shared: &mut Shared, on: Date) {
    let from = in_force_from();
    shared.condition(
        on >= from,
        if on >= from {
            IN_FORCE.reason(
                "scheme.in-force.met",
                "居住证制度自2016年12月1日起实施",
                "the permit system applies from 2016-12-01",
            )
        } else {
            IN_FORCE.reason(
                "scheme.in-force.not-met",
                "居住证制度自2016年12月1日起实施，此前继续发放暂住证（二(四)）",
                "the permit system applies only from 2016-12-01; before that the city issued 暂住证",
            )
        },
    );
}

/// 二(二) "公民离开常住户口所在地，到其他城市居住": the applicant's 常住户口 is not
/// in the city. Read from where the hukou is registered (`hukou_division`: in
/// the city when its code starts with the city's four digits, 3506); not
/// given leaves the decision open (contract 1.0's undated "converted to local
/// hukou" flag is no longer read: 1.1 has the division itself, and the
/// conversion as a dated event after issue, to which this text attaches no
/// consequence). A province-level code (350000) cannot say which city: not
/// known.
fn hukou(shared: &mut Shared, app: &Application) {
    let in_city = match app.identity.hukou_division.as_deref() {
        Some(code) if code.ends_with("0000") && code.starts_with("35") => None,
        Some(code) => Some(crate::in_city(code)),
        None => None,
    };
    match in_city {
        Some(false) => {
            shared.condition(
                true,
                CONDITIONS.reason(
                    "hukou.outside-city.met",
                    "常住户口不在本市",
                    "the applicant's hukou is outside the city",
                ),
            );
        }
        Some(true) => {
            shared.condition(
                false,
                CONDITIONS.reason(
                    "hukou.outside-city.not-met",
                    "常住户口在本市，未离开常住户口所在地，不能申领居住证",
                    "the applicant's hukou is in the city, so no permit is needed or issued",
                ),
            );
        }
        None => {
            shared.unknown(CONDITIONS.reason(
                "hukou.outside-city.unknown",
                "未知常住户口是否在本市，请说明户籍所在地",
                "whether the applicant's hukou is outside the city is not known",
            ));
        }
    }
}

/// 二(二) "办理暂住登记半年以上": the current run of registration in the city
/// (moves inside the city reported in time keep it going) has lasted six
/// months, counted with `months_completed` ("以上" includes exactly six).
/// The plan sets no deadline for reporting a move ([`ReportDeadline::NotSet`]):
/// only a report on the day of the move is known to be in time.
/// 二(三) leaves the method of counting residence to the police; the module
/// counts the continuous run that covers the legal date.
fn residence_period(shared: &mut Shared, app: &Application, on: Date) {
    let run = framework::residence_run(app, on, in_city, ReportDeadline::NotSet);
    if run.judge(|s| date::months_completed(s, on, 6)).is_none() {
        // Half a year only if a move of unknown timeliness was reported in time.
        shared.unknown(CONDITIONS.reason(
            "residence-period.six-months.unknown",
            "本方案未规定迁居后变更暂住登记的期限，二(三)把居住年限计算方法交由公安机关统一：迁居后未当日变更（或变更日期不明）的，是否及时不能由本方案认定；及时的，已满半年；不及时的，不满半年",
            "the plan sets no deadline for reporting a move, and 二(三) leaves the method of counting residence to the police: whether a move not reported on its day (or of unknown report date) was reported in time cannot be decided from the text; half a year only if it was",
        ));
        shared.note(PREPARATION.reason(
            "residence-period.counting-method.police",
            "二(三)：“公安机关要进一步明确居住证的申领条件，统一居住年限计算方法”",
            "二(三): the police are to set the conditions and unify the method of counting residence years",
        ));
        return;
    }
    match run.shown {
        Some(start) if date::months_completed(start, on, 6) => {
            shared.condition(
                true,
                CONDITIONS.reason(
                    "residence-period.six-months.met",
                    &format!("自{start}起在本市办理暂住登记已满半年"),
                    &format!("registered as a temporary resident in the city since {start}, half a year or more"),
                ),
            );
        }
        Some(start) => {
            let full = date::add_months(start, 6);
            shared.condition(
                false,
                CONDITIONS.reason(
                    "residence-period.six-months.not-met",
                    &format!("自{start}起在本市办理暂住登记，不满半年（{full}满半年）"),
                    &format!("registered in the city since {start}, less than half a year (complete on {full})"),
                ),
            );
        }
        None => {
            shared.condition(
                false,
                CONDITIONS.reason(
                    "residence-period.six-months.not-met",
                    "在申领之日没有本市有效的暂住登记",
                    "no temporary-residence registration in the city runs on the legal date",
                ),
            );
        }
    }
}

/// The text has no exemption for investors or talent: such applicants meet the
/// same conditions. Said once, so the applicant is not left guessing.
fn special_statuses(shared: &mut Shared, app: &Application) {
    if !app.special_statuses.is_empty() {
        shared.reasons.push(CONDITIONS.reason(
            "exemption.special-status.not-in-text",
            "本方案未规定投资、人才等特殊人员免于申领条件，按二(二)规定的条件审核",
            "the text exempts no one (investors, talent) from the conditions; the ordinary conditions apply",
        ));
    }
}

/// Narrows `items` step by step; each step is a condition of the route with a
/// reason for either outcome, and later steps are only recorded while earlier
/// ones hold.
struct Steps<'a, T> {
    route: RouteBuilder,
    items: Vec<&'a T>,
}

impl<'a, T> Steps<'a, T> {
    fn new(kind: RouteKind, items: &'a [T]) -> Self {
        Steps { route: RouteBuilder::new(kind, None), items: items.iter().collect() }
    }

    /// A step whose fact may be unknown (`None`): items shown to pass are
    /// kept; when none is shown but some are unknown, the route stays open on
    /// those (an unknown never meets the step).
    fn step3(mut self, keep: impl Fn(&T) -> Option<bool>, met: Reason, not_met: Reason, unknown: Reason) -> Self {
        if self.route.holds() {
            let shown: Vec<&'a T> = self.items.iter().copied().filter(|t| keep(t) == Some(true)).collect();
            if !shown.is_empty() {
                self.items = shown;
                self.route.condition(true, met);
            } else {
                self.items.retain(|t| keep(t).is_none());
                if self.items.is_empty() {
                    self.route.condition(false, not_met);
                } else {
                    self.route.unknown(unknown);
                }
            }
        }
        self
    }

    fn step(mut self, keep: impl Fn(&T) -> bool, met: Reason, not_met: Reason) -> Self {
        if self.route.holds() {
            self.items.retain(|t| keep(t));
            let ok = !self.items.is_empty();
            self.route.condition(ok, if ok { met } else { not_met });
        }
        self
    }

    fn finish(self) -> RouteResult {
        self.route.finish()
    }
}

/// 二(二)1: employed by a state organ, social organisation, enterprise or
/// institution, or any other production or business activity — every kind of
/// the contract's `employment-kind` — in the city, running on the legal date.
/// No duration, contract term, employment registration or insurance is asked.
fn employment(app: &Application, on: Date) -> RouteResult {
    Steps::new(RouteKind::Employment, &app.employment)
        .step(
            |e: &Employment| in_city(&e.division),
            EMPLOYMENT.reason(
                "employment.in-city.met",
                "在本市就业或从事生产经营活动",
                "employed or in business in the city",
            ),
            EMPLOYMENT.reason(
                "employment.in-city.not-met",
                "在本市没有就业或生产经营活动",
                "no employment or business in the city",
            ),
        )
        .step(
            |e: &Employment| framework::runs_on(&e.started_on, &e.ended_on, on),
            EMPLOYMENT.reason(
                "employment.running-on-date.met",
                "申领之日在本市就业（录用、聘用、招用或从事生产经营活动）",
                "employment in the city runs on the legal date",
            ),
            EMPLOYMENT.reason(
                "employment.running-on-date.not-met",
                "在本市的就业在申领之日尚未开始或已经结束",
                "employment in the city has not started or has ended on the legal date",
            ),
        )
        .finish()
}

/// Whether a home is lived in on the legal date ("…的宿舍居住的"): the move-in
/// date (`since`) is on or before it, and a rented home's known lease dates
/// cover it. The text sets no duration, but living there must be shown: with
/// no move-in date (nor, for a rented home, a lease that has begun) it is
/// unknown, never met.
fn lived_in_on(h: &Housing, on: Date) -> Option<bool> {
    let lease = match (&h.kind, &h.rental) {
        (HousingKind::Rented, Some(r)) => Some(r),
        _ => None,
    };
    let ended = lease.and_then(|r| r.lease_end.as_deref()).is_some_and(|e| framework::date_of(e) < on);
    let not_begun = |s: &Option<String>| s.as_deref().is_some_and(|s| framework::date_of(s) > on);
    if ended || not_begun(&h.since) || lease.is_some_and(|r| not_begun(&r.lease_start)) {
        return Some(false);
    }
    let moved_in = h.since.is_some() || lease.is_some_and(|r| r.lease_start.is_some());
    moved_in.then_some(true)
}

/// 二(二)2: living in the city in a home over which the applicant holds lawful
/// ownership, a rented home, or a dormitory of the employer or school. A
/// relative's home is not among them.
fn residence(app: &Application, on: Date) -> RouteResult {
    Steps::new(RouteKind::Residence, &app.housing)
        .step(
            |h: &Housing| in_city(&h.division),
            RESIDENCE.reason("housing.in-city.met", "在本市有住所", "has a home in the city"),
            RESIDENCE.reason("housing.in-city.not-met", "在本市没有住所", "no home in the city"),
        )
        .step(
            |h: &Housing| {
                matches!(
                    h.kind,
                    HousingKind::Owned
                        | HousingKind::Rented
                        | HousingKind::CollectiveDormitory
                        | HousingKind::SchoolDormitory
                )
            },
            RESIDENCE.reason(
                "housing.listed-kind.met",
                "居住在具有合法所有权的房屋、租赁的房屋或者用人单位、就读学校的宿舍",
                "lives in an owned home, a rented home, or an employer's or school's dormitory",
            ),
            RESIDENCE.reason(
                "housing.listed-kind.not-met",
                "住所不属于具有合法所有权的房屋、租赁的房屋或者用人单位、就读学校的宿舍",
                "the home is neither owned, rented, nor an employer's or school's dormitory",
            ),
        )
        .step3(
            |h: &Housing| lived_in_on(h, on),
            RESIDENCE.reason(
                "housing.living-on-date.met",
                "申领之日居住在该住所",
                "lives in the home on the legal date",
            ),
            RESIDENCE.reason(
                "housing.living-on-date.not-met",
                "申领之日尚未入住该住所或租赁期已结束",
                "on the legal date the applicant does not yet live there, or the lease has ended",
            ),
            RESIDENCE.reason(
                "housing.living-on-date.unknown",
                "入住日期不明，无法确认申领之日在该住所居住",
                "the move-in date is not known, so living in the home on the legal date is not shown",
            ),
        )
        .finish()
}

/// 二(二)3: enrolled full time at a primary, secondary, vocational or higher
/// school in the city and studying there on the legal date. Every
/// `school-kind` of the contract is one of the listed schools (a technical
/// school, 技工学校, is a secondary vocational school).
fn schooling(app: &Application, on: Date) -> RouteResult {
    Steps::new(RouteKind::Schooling, &app.schooling)
        .step(
            |s: &Schooling| in_city(&s.division),
            SCHOOLING.reason("schooling.in-city.met", "在本市学校取得学籍", "enrolled at a school in the city"),
            SCHOOLING.reason(
                "schooling.in-city.not-met",
                "未在本市学校取得学籍",
                "not enrolled at a school in the city",
            ),
        )
        .step(
            |s: &Schooling| s.full_time,
            SCHOOLING.reason("schooling.full-time.met", "全日制就读", "full-time study"),
            SCHOOLING.reason("schooling.full-time.not-met", "不是全日制就读", "not full-time study"),
        )
        .step(
            |s: &Schooling| framework::runs_on(&s.enrolled_on, &s.left_on, on),
            SCHOOLING.reason("schooling.studying-on-date.met", "申领之日在读", "studying on the legal date"),
            SCHOOLING.reason(
                "schooling.studying-on-date.not-met",
                "申领之日尚未入学或已离校",
                "not yet enrolled, or has left school, on the legal date",
            ),
        )
        .finish()
}
