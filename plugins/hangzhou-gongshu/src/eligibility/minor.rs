//! 二(一)3: applicants under 16 and their guardians.

use juzhu_sdk::evidence::Evidence;
use juzhu_sdk::prelude::*;

use super::{Fact, birth_date, insurance_streak, said};
use crate::clauses::*;

/// 二(一)3: an applicant under 16 also needs the guardians' permits and their
/// year of continuous insurance in 杭州市区 (the same continuity as 二(一)2(1),
/// ending in the month of application). Every guardian listed must meet it.
pub(super) fn minor_rules(app: &Application, on: Date, shared: &mut Shared, ev: Option<&Evidence>) {
    let birth = birth_date(&app.identity);
    let age = date::age_on(birth, on);
    if age >= 16 {
        // Information, not a condition: the guardian rule does not apply.
        shared.note(APPLICATION.reason(
            "age.16-or-over",
            &format!("申请人{age}周岁，已满16周岁，无需提交监护人材料"),
            &format!("the applicant is {age}: sixteen or older, no guardian materials needed"),
        ));
        return;
    }
    // Information: the guardian conditions below are what must be met.
    shared.note(APPLICATION.reason(
        "age.under-16",
        &format!("申请人{age}周岁，未满16周岁，还须提交父母双方等法定监护人的居住证及其连续缴纳社会保险满1年的证明"),
        &format!(
            "the applicant is {age}, under sixteen: the guardians' permits and their year of insurance are needed"
        ),
    ));
    let g = &app.guardians;
    shared.condition(
        !g.is_empty(),
        if g.is_empty() {
            APPLICATION.reason(
                "minor.guardians-listed.not-met",
                "未列明父母双方等法定监护人",
                "no parents or other legal guardians are given",
            )
        } else {
            APPLICATION.reason(
                "minor.guardians-listed.met",
                &format!("列明法定监护人{}人", g.len()),
                &format!("{} legal guardians given", g.len()),
            )
        },
    );
    if g.is_empty() {
        return;
    }
    // "父母双方等法定监护人": both parents where both are known. The contract does
    // not say whether a second parent is known, so one guardian alone leaves the
    // condition unknown, never met.
    let both = if g.len() >= 2 { Some(true) } else { None };
    let reason = said(
        APPLICATION,
        "minor.both-parents",
        both,
        [
            &format!("列明法定监护人{}人，父母双方的材料均须提交", g.len()),
            "",
            "只列明一名法定监护人：“父母双方等法定监护人”要求父母双方的材料，未说明另一方是否不明或不能担任监护人",
        ],
        [
            &format!("{} guardians given: both parents' materials are required", g.len()),
            "",
            "only one guardian given: \"父母双方等法定监护人\" asks for both parents' materials, and whether the other parent is unknown or unable to act is not stated",
        ],
    );
    match both {
        Some(h) => {
            shared.condition(h, reason);
        }
        None => {
            shared.unknown(reason);
        }
    }
    let permits: Fact = if g.iter().any(|x| x.holds_permit == Some(false)) {
        Some(false)
    } else if g.iter().any(|x| x.holds_permit.is_none()) {
        None
    } else {
        Some(true)
    };
    let without: Vec<&str> = g.iter().filter(|x| x.holds_permit != Some(true)).map(|x| x.name.as_str()).collect();
    let reason = said(
        APPLICATION,
        "minor.guardian-permits",
        permits,
        [
            "法定监护人均持有《浙江省居住证》",
            &format!("法定监护人未持有《浙江省居住证》：{}", without.join("、")),
            &format!("未说明法定监护人是否持有《浙江省居住证》：{}", without.join("、")),
        ],
        [
            "every guardian holds a Zhejiang residence permit",
            &format!("guardians without a Zhejiang residence permit: {}", without.join(", ")),
            &format!("not known whether these guardians hold a permit: {}", without.join(", ")),
        ],
    );
    match permits {
        Some(h) => {
            shared.condition(h, reason);
        }
        None => {
            shared.unknown(reason);
        }
    }
    let short: Vec<&str> =
        g.iter().filter(|x| insurance_streak(&x.insurance, on) < 12).map(|x| x.name.as_str()).collect();
    shared.condition(
        short.is_empty(),
        if short.is_empty() {
            APPLICATION.reason(
                "minor.guardian-insurance.met",
                "法定监护人均在杭州市区连续缴纳社会保险满1年",
                "every guardian has a year of continuous insurance in the urban districts",
            )
        } else {
            APPLICATION.reason(
                "minor.guardian-insurance.not-met",
                &format!("法定监护人在杭州市区连续缴纳社会保险不满1年：{}", short.join("、")),
                &format!(
                    "guardians without a year of continuous insurance in the urban districts: {}",
                    short.join(", ")
                ),
            )
        },
    );
    if let Some(ev) = ev {
        shared.needs(ev.missing(
            None,
            &[(MaterialKind::GuardianPermits, APPLICATION), (MaterialKind::GuardianInsuranceCertificate, APPLICATION)],
        ));
    }
}
