//! Every clause of 浙政办发〔2016〕100号 the module applies, in the notice's
//! own numbering, and the one clause of Decree 663 it falls back on.
//!
//! The notice is a framework: it tells cities what to survey (二(一)), what
//! rules to make (二(二)), to explore a points system (二(四)) and to fund the
//! IC card (三(二)), with a deadline for their rules (三, last paragraph). It
//! sets no concrete condition, benefit, cycle or point value itself.

use juzhu_sdk::cite::Clause;
use juzhu_sdk::framework;

/// The document id: the policy text's file stem.
pub const DOC: &str = "001_f61581b87fa971ab";

/// 二(一): the survey categories of employment (签订劳动合同、参加社会保险、持有工商执照),
/// residence (自购房屋、单位集体宿舍、出租房屋) and schooling (全日制小学、中学、
/// 中高等职业学校或普通高等学校), and the basic public services and conveniences
/// whose rules cities are to review.
pub const SURVEY: Clause = Clause::new(DOC, "二(一)");

/// 二(二): cities make 具体可操作的居住证申领条件, the benefits of holders and a
/// 量化指标体系, following 存量优先和进城时间长、就业能力强的人优先; IC-card permits
/// whose card functions link with 市民卡、社保卡.
pub const CITY_RULES: Clause = Clause::new(DOC, "二(二)");

/// 二(四): 探索流动人口积分量化指标管理 on the integrated information platform.
pub const POINTS_MANAGEMENT: Clause = Clause::new(DOC, "二(四)");

/// 三(二): the IC card's production cost (工本费) and function-linking cost
/// (功能对接费) are in the budgets of each level of government. Cited only: it
/// funds the card and sets no rule about an applicant.
pub const CARD_FUNDING: Clause = Clause::new(DOC, "三(二)");

/// 三, last paragraph: cities make their implementing rules before 2016-12-31.
pub const CITY_DEADLINE: Clause = Clause::new(DOC, "三");

/// Decree 663 第二条: six months of residence plus one of stable employment,
/// stable residence, continuous schooling. The notice has no clause of its own
/// for this national floor, so the module cites the decree for it alone.
pub const NATIONAL_FLOOR: Clause = framework::decree_663("第二条");

// `pub static TABLE`: the clause table, generated from `clauses.toml`.
include!(concat!(env!("OUT_DIR"), "/clauses.rs"));

/// Decree 663 第九条: the materials an application hands in (the identity
/// card, a photo, and proof of the address, employment or schooling it rests
/// on). The notice asks for none of its own, so the decree's apply; the
/// clause's words are not held in this repository (its table says so), and
/// the reasons say that the notice is read through the decree.
pub const MATERIALS: Clause = framework::decree_663("第九条");
