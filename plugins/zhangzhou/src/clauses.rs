//! Every clause of 漳州市居住证制度实施方案 the module applies, in the text's own
//! numbering. Reasons, services and the card are built only from these.

use juzhu_sdk::cite::Clause;
use juzhu_sdk::framework;

/// The document id: the policy text's file stem.
pub const DOC: &str = "004_1215674b71c9ab1f";

/// 一(三) 总体目标: the permit system applies from 2016-12-01.
pub const IN_FORCE: Clause = Clause::new(DOC, "一(三)");
/// 二(一) the nature of the permit (a proof of residence for people who left their hukou place).
pub const NATURE: Clause = Clause::new(DOC, "二(一)");
/// 二(二) the conditions: left the hukou place, 暂住登记 half a year or more, one of three.
pub const CONDITIONS: Clause = Clause::new(DOC, "二(二)");
/// 二(二)1 合法稳定就业.
pub const EMPLOYMENT: Clause = Clause::new(DOC, "二(二)1");
/// 二(二)2 合法稳定住所.
pub const RESIDENCE: Clause = Clause::new(DOC, "二(二)2");
/// 二(二)3 连续就读.
pub const SCHOOLING: Clause = Clause::new(DOC, "二(二)3");
/// 二(三) preparation: the police unify the method of counting residence years and
/// run acceptance, making, issue and endorsement (签注) of permits.
pub const PREPARATION: Clause = Clause::new(DOC, "二(三)");
/// 二(四) transition: 暂住证 still valid after 2016-12-01 keep their services.
pub const TRANSITION: Clause = Clause::new(DOC, "二(四)");
/// 三(一) department duties: 公安部门 accepts, makes, issues and endorses permits.
pub const DUTIES: Clause = Clause::new(DOC, "三(一)");
/// 三(二)1 the basic public services.
pub const BASIC_SERVICES: Clause = Clause::new(DOC, "三(二)1");
/// 三(二)2 the conveniences.
pub const CONVENIENCES: Clause = Clause::new(DOC, "三(二)2");
/// 三(三) departments set the detailed measures (scope, conditions, procedure).
pub const DETAILED_MEASURES: Clause = Clause::new(DOC, "三(三)");

/// Decree 663 (居住证暂行条例) 第十九条, closing sentence: "伪造、变造的居住证和骗领的
/// 居住证，由公安机关予以收缴". The only sentence of the article the table holds
/// (see its note in `clauses.toml`).
pub const DECREE_19: Clause = framework::decree_663("第十九条");

// `pub static TABLE`: the clause table, generated from `clauses.toml`.
include!(concat!(env!("OUT_DIR"), "/clauses.rs"));
