//! Every clause of the text the module applies, in the text's own numbering.
//!
//! The text is 《宁波市江北区人民政府关于推行新型居住证制度的实施办法（征求意见稿）》
//! (2017). Numbering follows its headings: 三(一) is 居住证申领条件 (its lead
//! paragraph is cited as `三(一)`), 三(一)1(1) the first item of 合法稳定就业,
//! 三(二)1(3) the third basic public service, 四(二) 积分构成, and so on.

use juzhu_sdk::cite::Clause;
use juzhu_sdk::framework;

/// The document id: the policy text's file stem.
pub const DOC: &str = "000_cc214f7b1d2eacaa";

/// 三(一) lead paragraph: half a year of registered, continuous residence in
/// the district plus one of three conditions; permits issued 依法 by the
/// 居住地公安机关; the 《浙江省居住证》.
pub const APPLY: Clause = Clause::new(DOC, "三(一)");
/// 三(一)1: 合法稳定就业, proven by materials or by a department's record.
pub const EMPLOYMENT: Clause = Clause::new(DOC, "三(一)1");
pub const EMPLOYMENT_CONTRACT: Clause = Clause::new(DOC, "三(一)1(1)");
pub const EMPLOYMENT_LICENCE: Clause = Clause::new(DOC, "三(一)1(2)");
pub const EMPLOYMENT_LAND: Clause = Clause::new(DOC, "三(一)1(3)");
/// 三(一)2: 合法稳定住所, proven by materials or by a department's record.
pub const RESIDENCE: Clause = Clause::new(DOC, "三(一)2");
pub const RESIDENCE_OWNED: Clause = Clause::new(DOC, "三(一)2(1)");
pub const RESIDENCE_DORMITORY: Clause = Clause::new(DOC, "三(一)2(2)");
pub const RESIDENCE_RENTED: Clause = Clause::new(DOC, "三(一)2(3)");
/// 三(一)3: 连续就读.
pub const SCHOOLING: Clause = Clause::new(DOC, "三(一)3");
/// 三(一)4: 例外 — not bound by the conditions; rules by the district HR bureau.
pub const EXEMPTION: Clause = Clause::new(DOC, "三(一)4");

/// 三(二)1: the six basic public services.
pub const SERVICES: Clause = Clause::new(DOC, "三(二)1");
/// 三(二)2: the seven conveniences.
pub const CONVENIENCES: Clause = Clause::new(DOC, "三(二)2");

/// 四: points-based supply; the 实施细则 is 待定稿.
pub const POINTS: Clause = Clause::new(DOC, "四");
/// 四(一): who assigns scores (赋分主体).
pub const POINTS_ASSIGNERS: Clause = Clause::new(DOC, "四(一)");
/// 四(二): 计分、加分、赋分、扣分（冻结）.
pub const POINTS_STRUCTURE: Clause = Clause::new(DOC, "四(二)");
/// 四(三): what points are applied to; 积分落户 left to the police.
pub const POINTS_USES: Clause = Clause::new(DOC, "四(三)");
/// 四(四): the personal points account.
pub const POINTS_ACCOUNT: Clause = Clause::new(DOC, "四(四)");

/// Decree 663 (居住证暂行条例) 第十九条, closing sentence: "伪造、变造的居住证和骗领的
/// 居住证，由公安机关予以收缴". The only sentence of the article the table holds
/// (see its note in `clauses.toml`).
pub const DECREE_19: Clause = framework::decree_663("第十九条");

// `pub static TABLE`: the clause table, generated from `clauses.toml`.
include!(concat!(env!("OUT_DIR"), "/clauses.rs"));
