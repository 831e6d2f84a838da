//! Every clause of 浙政办发〔2016〕100号 the module applies, in the notice's
//! own numbering, and the clauses of Decree 663 it reads the notice through.
//!
//! The notice is a framework: it tells cities what to survey and which rules
//! to review (二(一)), what rules to make (二(二)), to explore a points system
//! (二(四)) and to fund the IC card (三(二)), with a deadline for their rules
//! (三, last paragraph). It sets no concrete condition, benefit, cycle or point
//! value itself, so the module reads it through Decree 663: the conditions of
//! 第二条 (whose 合法稳定 the city's implementing rules define, 第二十二条),
//! the materials of 第九条, and the services and conveniences of 第十二条 and
//! 第十三条.

use juzhu_sdk::cite::Clause;
use juzhu_sdk::framework;

/// The document id: the policy text's file stem.
pub const DOC: &str = "001_f61581b87fa971ab";

/// 二(一): 迅速开展调查摸底. Cities are to survey (全面了解掌握) their migrant
/// population, among other things its 就业状况 (签订劳动合同、参加社会保险、持有
/// 工商执照等), 居住状况 (自购房屋、单位集体宿舍、出租房屋等) and 就读状况, and to
/// review (全面梳理) their rules on the basic public services and conveniences.
/// It is an instruction to survey and to review: its lists are neither
/// conditions of a permit nor entitlements of a holder, and the module cites
/// it only as information.
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
/// for this national floor; the module applies the six months itself and
/// leaves what counts as 合法稳定 to the city's rules (二(二), 第二十二条).
pub const NATIONAL_FLOOR: Clause = framework::decree_663("第二条");

/// Decree 663 第二十二条: 设区的市级以上地方人民政府 make the implementing rules
/// (实施办法). Neither the decree nor the notice says what counts as 合法稳定
/// 就业、合法稳定住所 or 连续就读; those rules do.
pub const IMPLEMENTING_RULES: Clause = framework::decree_663("第二十二条");

/// Decree 663 第十二条: the holder's rights (劳动就业, 参加社会保险, 住房公积金)
/// and the basic public services 县级以上人民政府及其有关部门 provide.
pub const BASIC_SERVICES: Clause = framework::decree_663("第十二条");

/// Decree 663 第十三条: the conveniences a holder enjoys where they live.
pub const CONVENIENCES: Clause = framework::decree_663("第十三条");

// `pub static TABLE`: the clause table, generated from `clauses.toml`.
include!(concat!(env!("OUT_DIR"), "/clauses.rs"));

/// Decree 663 第九条: the materials an application hands in (the identity
/// card, a photo, and proof of the address, employment or schooling it rests
/// on). The notice asks for none of its own, so the decree's apply, and the
/// reasons say that the notice is read through the decree.
pub const MATERIALS: Clause = framework::decree_663("第九条");
/// Decree 663 第十九条: "骗领的居住证，由公安机关予以收缴"; the notice names no
/// ground of its own for ending a permit.
pub const DECREE_19: Clause = framework::decree_663("第十九条");
