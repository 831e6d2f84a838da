//! Every clause of the text this module applies, in the text's own numbering.
//!
//! The document is 003_7477c59a98b1b6f9, 关于推行新型居住证制度的通知（征求意见稿）
//! of Gongshu District, Hangzhou. The unrelated document appended to the file
//! (on intermediary agencies, from “为全面深入推进“四张清单一张网”改革” on) is not
//! residence-permit policy and is never cited.

use juzhu_sdk::cite::Clause;
use juzhu_sdk::framework;

/// The document id: the policy text's file stem.
pub const DOC: &str = "003_7477c59a98b1b6f9";
pub const TITLE: &str = "关于推行新型居住证制度的通知（征求意见稿）";

/// 二(一)1: residence registration; a change of address within 10 days.
pub const REGISTRATION: Clause = Clause::new(DOC, "二(一)1");
/// 二(一)2: six months of registered residence in the urban districts, plus one condition.
pub const CONDITIONS: Clause = Clause::new(DOC, "二(一)2");
/// 二(一)2(1): stable employment with a year of continuous insurance.
pub const EMPLOYMENT: Clause = Clause::new(DOC, "二(一)2(1)");
/// 二(一)2(2): stable residence, own or rented.
pub const RESIDENCE: Clause = Clause::new(DOC, "二(一)2(2)");
/// 二(一)2(3): continuous schooling.
pub const SCHOOLING: Clause = Clause::new(DOC, "二(一)2(3)");
/// 二(一)2, the unnumbered sentence after (3): 符合人才居住证办理条件的，按《关于印发杭州市人才居住证办理实施办法的通知》执行.
pub const TALENT: Clause = Clause::new(DOC, "二(一)2末段");
/// 二(一)3: materials, minors' guardians, 一次性告知 and reasons for refusal.
pub const APPLICATION: Clause = Clause::new(DOC, "二(一)3");
/// 二(一)4, first paragraph: endorsement, suspension, restoration, refusal.
pub const ENDORSEMENT: Clause = Clause::new(DOC, "二(一)4");
/// 二(一)4, second paragraph: old permits stay valid; free exchange for the IC card by 2017-06-30.
pub const EXCHANGE: Clause = Clause::new(DOC, "二(一)4");
/// 二(二)1: rights and basic public services.
pub const SERVICES: Clause = Clause::new(DOC, "二(二)1");
/// 二(二)2: conveniences.
pub const CONVENIENCES: Clause = Clause::new(DOC, "二(二)2");
/// 二(二)3: departments and streets shall expand services (none is assigned to a service).
pub const EXPANSION: Clause = Clause::new(DOC, "二(二)3");
/// 二(二)4: quantified indicators linked to services.
pub const POINTS: Clause = Clause::new(DOC, "二(二)4");
/// 三(二): the district police branch (区公安分局) handles permits and rental registration;
/// streets check structural hazards of rentals on collective land (附件5).
pub const DUTIES: Clause = Clause::new(DOC, "三(二)");
/// 三(三): streets issue the 《杭州市居住房屋出租安全排查表》 for a 合法稳定住所.
pub const RENTAL_CHECK: Clause = Clause::new(DOC, "三(三)");
/// 附件1: the rental security and fire-safety checklist (出租居住房屋治安消防隐患排查表).
pub const ANNEX_1: Clause = Clause::new(DOC, "附件1");

/// Decree 663 (居住证暂行条例) 第十九条, closing sentence: "伪造、变造的居住证和骗领的
/// 居住证，由公安机关予以收缴". The only sentence of the article the table holds
/// (see its note in `clauses.toml`).
pub const DECREE_19: Clause = framework::decree_663("第十九条");

// `pub static TABLE`: the clause table, generated from `clauses.toml`.
include!(concat!(env!("OUT_DIR"), "/clauses.rs"));
