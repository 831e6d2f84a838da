//! 三(二): endorsement, suspension and cancellation.
//!
//! 三(二)1: both permits are endorsed once a year, "自证件签发之日起每满一年的最后1个
//! 月内". Year k ends on the k-th anniversary of issue A(k); its window is
//! [A(k) − 1 month, A(k)]. Cycles stay anchored to the issue date. From
//! A(k) + 1 day the permit's use is suspended; an endorsement made "逾期60日内"
//! (up to A(k) + 60 days) restores use, and residence years then count afresh
//! from that late endorsement. An endorsement counts for year k when made in
//! [A(k) − 1 month, A(k) + 60 days]; one made earlier is ignored.
//!
//! 三(二)2: the permit is to be cancelled on (1) false materials, (2) changed
//! circumstances that no longer meet the requirements (the holder's facts are
//! re-evaluated for the permit's tier), (3) 60 days overdue without a late
//! endorsement, (4) conversion to local hukou. Ground (5), other grounds in
//! laws and rules, is not a fact the module can see: it is cited only.
//! Grounds (1) and (4) rest on dated events (`application.events`): false
//! materials found, conversion to local hukou; leaving the area is read as
//! ground (2) (no residence in the area, which both permits of 三(一) need).
//! Only events dated on or before the legal date count ([`as_of::event`]);
//! each such ground holds from its event's date ("经有关部门认定后": the date
//! the authority found or recorded it). Ground (3) holds from the 61st day
//! after the missed anniversary; ground (2) read from the facts holds on the
//! legal date (the facts do not say since when).
//!
//! Interpretations:
//! - Residence years count from the permit's issue date until a late
//!   endorsement restarts them. While a permit is overdue, years count only
//!   up to the anniversary missed (continuity is in doubt until a late
//!   endorsement).
//! - 三(四): permits issued before the pilot (2014-10-31) stay valid until they
//!   expire. The endorsement cycle still applies (三(二)1 speaks of all holders),
//!   but ground (2) is not applied to them, because they were issued under the
//!   earlier requirements; the reason says so.
//! - The proof asked at endorsement ("相应的…证明材料") is read as the proof the
//!   permit's tier needs in 三(一): the endorsement is allowed when the
//!   re-evaluation for that tier is eligible.
//! - The re-evaluation takes the holder's facts as they are: a full-permit
//!   holder (`tier_held: Standard`) no longer holds the temporary permit it
//!   replaced, so the first half of 三(一)2 is met by a stable residence.

use juzhu_sdk::as_of;
use juzhu_sdk::framework;
use juzhu_sdk::prelude::*;

use crate::clauses::*;
use crate::eligibility;

/// Where a permit stands in its yearly cycle on the legal date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    NotDue {
        opens: Date,
        closes: Date,
    },
    Open {
        opens: Date,
        closes: Date,
    },
    /// Overdue, still within the 60 days a late endorsement restores use.
    Suspended {
        since: Date,
        restore_by: Date,
    },
    /// Overdue more than 60 days.
    Lapsed {
        anniversary: Date,
        restore_by: Date,
    },
}

#[derive(Clone, Copy, Debug)]
pub struct Cycle {
    pub stage: Stage,
    /// The day residence years count from.
    pub counted_from: Date,
    /// Whether that day is a late endorsement.
    pub late: bool,
    pub residence_years: u32,
}

/// The cycle of `permit` on `on` (三(二)1).
pub fn cycle(permit: &Permit, on: Date) -> Cycle {
    let issued = framework::date_of(&permit.issued_on);
    let made: Vec<Date> = permit.endorsements.iter().map(|e| framework::date_of(e)).filter(|e| *e <= on).collect();
    let mut counted_from = issued;
    let mut late = false;
    let mut k = 1;
    loop {
        let a = date::anniversary(issued, k);
        let opens = date::add_months(a, -1);
        let restore_by = date::add_days(a, 60);
        if let Some(e) = made.iter().find(|e| opens <= **e && **e <= restore_by) {
            if *e > a {
                counted_from = *e;
                late = true;
            }
            k += 1;
            continue;
        }
        let (stage, years_to) = if on < opens {
            (Stage::NotDue { opens, closes: a }, on)
        } else if on <= a {
            (Stage::Open { opens, closes: a }, on)
        } else if on <= restore_by {
            (Stage::Suspended { since: date::add_days(a, 1), restore_by }, a)
        } else {
            (Stage::Lapsed { anniversary: a, restore_by }, a)
        };
        let residence_years = date::whole_years_between(counted_from, years_to);
        return Cycle { stage, counted_from, late, residence_years };
    }
}

/// Whether the permit was issued before the pilot began (三(四)).
pub fn pre_pilot(permit: &Permit) -> bool {
    framework::date_of(&permit.issued_on) < eligibility::pilot_start()
}

fn tier_name(tier: PermitTier) -> &'static str {
    match tier {
        PermitTier::Standard => "《浙江省居住证》",
        PermitTier::Temporary => "《浙江省临时居住证》",
    }
}

/// The endorsement answer, including the cancellation grounds.
pub fn status(permit: &Permit, app: &Application, on: Date) -> EndorsementAnswer {
    let c = cycle(permit, on);
    let mut reasons = Vec::new();
    let old = pre_pilot(permit);
    if old {
        reasons.push(TRANSITION.reason(
            "transition.pre-pilot-permit.met",
            "本意见施行前已持有的证件，在有效期限内仍然有效，持证人仍享受原有待遇；有效期满或重新申领的按本意见办理",
            "a permit held before the pilot stays valid until it expires, with its earlier treatment; on expiry or a new application this text applies",
        ));
    }
    if c.late {
        reasons.push(ENDORSEMENT.reason(
            "residence-years.late-endorsement.met",
            "补办签注后，居住年限自补办签注手续之日起连续计算",
            "after a late endorsement, residence years count from the day it was made",
        ));
    }

    // 三(二)2: the grounds the module can see, strongest first, each with
    // the day it holds from.
    let mut ground: Option<(Reason, Date)> = None;
    let converted = as_of::event(app, HolderEventKind::ConvertedToLocalHukou, on);
    let false_materials = as_of::event(app, HolderEventKind::FalseMaterials, on);
    let left = as_of::event(app, HolderEventKind::LeftArea, on);
    if let Some((since, _)) = converted {
        ground = Some((
            CANCEL_HUKOU.reason(
                "cancellation.local-hukou.met",
                &format!("持有人已于{since}转办为居住地常住户口，应当注销"),
                &format!("the holder converted to local hukou on {since}: the permit is to be cancelled"),
            ),
            since,
        ));
    } else if let Some((since, _)) = false_materials {
        ground = Some((
            CANCEL_FALSE_MATERIALS.reason(
                "cancellation.false-materials.met",
                &format!("经{since}认定，证件以虚假证明材料取得，应当注销"),
                &format!("found on {since} to have been obtained with false materials: the permit is to be cancelled"),
            ),
            since,
        ));
    } else if let (Some((since, _)), false) = (left, old) {
        ground = Some((
            CANCEL_CHANGED.reason(
                "cancellation.circumstances-changed.met",
                &format!(
                    "持有人自{since}起已离开居住地、不再在居住地居住，情况发生变化且不符合{}的发放要求，应当注销",
                    tier_name(permit.tier)
                ),
                &format!(
                    "the holder left the area on {since} and no longer lives there: circumstances changed and no longer meet the permit's requirements, so it is to be cancelled"
                ),
            ),
            since,
        ));
    } else if let Stage::Lapsed { restore_by, .. } = c.stage {
        reasons.push(ENDORSEMENT.reason(
            "endorsement.late-within-60-days.not-met",
            &format!("逾期超过60日（最后补办日{restore_by}）未补办签注"),
            &format!("more than 60 days overdue (the last day to endorse late was {restore_by})"),
        ));
        ground = Some((
            CANCEL_OVERDUE.reason(
                "cancellation.overdue-60-days.met",
                "持有人逾期60日未补办签注手续，应当注销",
                "60 days overdue without a late endorsement: the permit is to be cancelled",
            ),
            date::add_days(restore_by, 1),
        ));
    }

    // The holder's facts, re-evaluated for the permit's tier.
    let decision = eligibility::decide(app, on, Some(permit.tier));
    if ground.is_none() && old && left.is_some() {
        reasons.push(TRANSITION.reason(
            "cancellation.circumstances-changed.not-met",
            "持有人已离开居住地，但证件为本意见施行前发放，不以本意见的发放要求认定情况变化",
            "the holder left the area, but the permit predates the pilot, so it is not measured against this text's requirements",
        ));
    } else if ground.is_none() && decision.outcome == Outcome::Ineligible {
        if old {
            reasons.push(TRANSITION.reason(
                "cancellation.circumstances-changed.not-met",
                "证件为本意见施行前发放，不以本意见的发放要求认定情况变化",
                "the permit predates the pilot, so it is not measured against this text's requirements",
            ));
        } else {
            ground = Some((
                CANCEL_CHANGED.reason(
                    "cancellation.circumstances-changed.met",
                    &format!("情况发生变化，已不符合{}的发放要求，应当注销", tier_name(permit.tier)),
                    "circumstances changed and the holder no longer meets the permit's requirements: it is to be cancelled",
                ),
                on,
            ));
        }
    }
    reasons.push(CANCEL_OTHER.reason(
        "cancellation.other-legal-grounds.not-in-text",
        "法律、法规、规章规定的其他应当注销的情形，由有关部门认定，本意见未列明",
        "other grounds in laws and rules are found by the authorities; this text does not list them",
    ));

    let counted_from = date::fmt(c.counted_from);
    if let Some((ground, since)) = ground {
        return EndorsementAnswer {
            status: EndorsementStatus::ToBeCancelled(Cancellation { ground, since: date::fmt(since) }),
            endorsement_allowed: false,
            reasons,
            residence_years: c.residence_years,
            residence_counted_from: counted_from,
        };
    }

    let window = |opens: Date, closes: Date| Window { opens: date::fmt(opens), closes: date::fmt(closes) };
    let (status, may_endorse) = match c.stage {
        Stage::NotDue { opens, closes } => {
            reasons.push(ENDORSEMENT.reason(
                "endorsement.window-open.not-met",
                &format!("签注期（{opens}至{closes}）尚未开始"),
                &format!("the endorsement window ({opens} to {closes}) has not opened"),
            ));
            (EndorsementStatus::NotDue(window(opens, closes)), false)
        }
        Stage::Open { opens, closes } => {
            reasons.push(ENDORSEMENT.reason(
                "endorsement.window-open.met",
                &format!("在签发之日起每满一年的最后1个月内（{opens}至{closes}）办理签注"),
                &format!("within the last month of the year since issue ({opens} to {closes})"),
            ));
            (EndorsementStatus::WindowOpen(window(opens, closes)), true)
        }
        Stage::Suspended { since, restore_by } => {
            reasons.push(ENDORSEMENT.reason(
                "endorsement.in-time.not-met",
                &format!("逾期未办理签注手续，证件使用功能自{since}起中止"),
                &format!("not endorsed in time: the permit's use is suspended from {since}"),
            ));
            reasons.push(ENDORSEMENT.reason(
                "endorsement.late-within-60-days.met",
                &format!("逾期60日内（至{restore_by}）可补办签注，证件使用功能恢复"),
                &format!("a late endorsement up to {restore_by} (60 days) restores use"),
            ));
            (
                EndorsementStatus::OverdueSuspended(Suspension {
                    since: date::fmt(since),
                    restore_by: Some(date::fmt(restore_by)),
                }),
                true,
            )
        }
        Stage::Lapsed { .. } => unreachable!("a lapsed permit has a cancellation ground"),
    };
    let mut allowed = false;
    if may_endorse {
        match decision.outcome {
            Outcome::Eligible => {
                allowed = true;
                reasons.push(ENDORSEMENT.reason(
                    "endorsement.proof.met",
                    "提供了相应的合法稳定住所、合法稳定就业等证明材料",
                    "the proof of stable residence or employment the permit needs is shown",
                ));
            }
            Outcome::Incomplete => {
                let missing: Vec<&str> =
                    decision.missing.iter().map(|m| juzhu_sdk::evidence::material_name_zh(m.material)).collect();
                reasons.push(ENDORSEMENT.reason(
                    "endorsement.proof.unknown",
                    &format!("签注须提供相应证明材料，尚缺：{}", missing.join("、")),
                    "the endorsement needs the corresponding proof, which is not yet complete",
                ));
            }
            Outcome::Ineligible => reasons.push(ENDORSEMENT.reason(
                "endorsement.proof.not-met",
                "不能提供相应的合法稳定住所、合法稳定就业证明材料",
                "the proof of stable residence or employment the permit needs cannot be shown",
            )),
        }
    }
    EndorsementAnswer {
        status,
        endorsement_allowed: allowed,
        reasons,
        residence_years: c.residence_years,
        residence_counted_from: counted_from,
    }
}
