//! The IC card (二(一)4 second paragraph: 《浙江省居住证》IC卡).
//!
//! The issuing authority is the district police branch, which 三(二) makes
//! responsible for permits ("区公安分局负责…居住证申领、管理等工作"); the card
//! names it in the text's words, 拱墅区公安分局. A permit issued before the
//! 《省条例》 took effect (configured date, [`config::PROVINCIAL_REGULATION_IN_FORCE`])
//! stays valid within its own validity (not carried by the permit record, so
//! not asserted) and is exchanged free for the IC card, target 2017-06-30, when
//! the holder meets the new conditions (二(一)2-3, judged on the facts).

use juzhu_sdk::framework::date_of;
use juzhu_sdk::prelude::*;

use crate::clauses::*;
use crate::config;
use crate::{eligibility, endorsement};

/// The permit's name as the text gives it.
pub const TITLE: &str = "浙江省居住证";
/// 三(二): 区公安分局, the Gongshu district police branch.
pub const ISSUING_AUTHORITY: &str = "拱墅区公安分局";
/// 二(一)4: 力争在2017年6月30日前全部完成换领工作.
pub const EXCHANGE_TARGET: &str = "2017-06-30";

fn field(tag: &str, label: &str, value: String) -> CardField {
    CardField { tag: tag.into(), label: label.into(), value }
}

pub fn content(permit: &Permit, facts: &Application, on: Date) -> CardContent {
    let cycle = endorsement::cycle(permit, on);
    let mut extra = vec![
        field("card-type", "证件类型", "IC卡".into()),
        field(
            "issuing-authority-basis",
            "发证机关依据",
            format!("{} {}：区公安分局负责居住证申领、管理", DOC, DUTIES.clause),
        ),
        field(
            "use-status",
            "使用状态",
            if let Some((_, since)) = endorsement::confiscation(facts, on) {
                format!("收缴（自{since}起，骗领的居住证，《居住证暂行条例》第十九条；记为注销）")
            } else if cycle.suspended(on) {
                format!("中止（自{}起，逾期未签注）", cycle.suspended_since())
            } else {
                "正常".into()
            },
        ),
    ];
    let regulation = &config::PROVINCIAL_REGULATION_IN_FORCE;
    let old = date_of(&permit.issued_on) < regulation.from();
    extra.push(field(
        "issued-under",
        "领证时间",
        format!(
            "{}（《省条例》实施日期为区配置参数{}：{}）",
            if old { "《省条例》实施前领取" } else { "《省条例》实施后领取" },
            regulation.id,
            regulation.from()
        ),
    ));
    if old {
        // 二(一)4: "《省条例》实施前已经领取《浙江省临时居住证》和《浙江省居住证》的，在证件有效期内
        // 继续有效；符合新的居住证申领条件的，可以免费换领《浙江省居住证》IC卡". Both halves
        // are checked: the old card stays valid only within its own validity, which
        // the permit record does not carry (so it is not asserted), and the free
        // exchange needs the new conditions, judged on the holder's facts.
        extra.push(field(
            "old-permit-validity",
            "原证件效力",
            format!(
                "在证件有效期内继续有效；原证件有效期未载明，不能据此确认仍在有效期内，由发证机关核验（{} {}）",
                DOC, EXCHANGE.clause
            ),
        ));
        let conditions = match eligibility::evaluate(facts, on, false).outcome {
            Outcome::Eligible => Some(true),
            Outcome::Ineligible => Some(false),
            Outcome::Incomplete => None,
        };
        extra.push(field(
            "exchange-conditions",
            "换领条件",
            match conditions {
                Some(true) => "符合新的居住证申领条件（二(一)2-3）",
                Some(false) => "不符合新的居住证申领条件（二(一)2-3），不予免费换领",
                None => "是否符合新的居住证申领条件（二(一)2-3）不明，暂不能免费换领",
            }
            .into(),
        ));
        if conditions == Some(true) {
            extra.push(field(
                "exchange",
                "换领",
                format!(
                    "《省条例》实施前领取的证件，符合新的居住证申领条件的免费换领IC卡（{} {}；《省条例》实施日期为区配置参数{}：{}）",
                    DOC,
                    EXCHANGE.clause,
                    regulation.id,
                    regulation.from()
                ),
            ));
            extra.push(field("exchange-fee", "换领费用", "免费".into()));
            extra.push(field("exchange-target", "换领完成目标", EXCHANGE_TARGET.into()));
        }
    }
    let mut endorsements: Vec<String> = permit.endorsements.iter().filter(|e| date_of(e) <= on).cloned().collect();
    endorsements.dedup();
    CardContent {
        birth_date: Some(date::fmt(crate::eligibility::birth_date(&facts.identity))),
        endorsements,
        extra,
        ..juzhu_sdk::card::standard(permit, facts, TITLE, ISSUING_AUTHORITY, EXCHANGE)
    }
}
