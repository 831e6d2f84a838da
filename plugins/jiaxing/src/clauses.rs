//! Every clause of the Jiaxing text that the module applies, in the text's
//! own numbering.
//!
//! The text numbers its parts 一…四, then (一)(二)…, then 1. 2., then (1) (2).
//! The paragraph after 三(一)2 on investors and recruited talent has no number
//! of its own; it is cited as `三(一)末段` (the last paragraph of 三(一)).

use juzhu_sdk::cite::Clause;

/// The document id: the policy text's file stem.
pub const DOC: &str = "002_f9217923c518aad0";
pub const DOC_TITLE: &str = "开展居住证制度改革试点工作的指导意见";
pub const DOC_ISSUED: &str = "2014-10-27";
/// 二(二): the pilot applies in the whole city from 2014-10-31.
pub const PILOT_START: &str = "2014-10-31";
// 二(二)'s one-year term ends on 2015-10-30: `in_force_until` in clauses.toml.

/// 二(二) 改革试点的范围和期限: the whole city, from 2014-10-31.
pub const SCOPE: Clause = Clause::new(DOC, "二(二)");

/// 三(一)1 《浙江省临时居住证》: a stable residence in the place of residence.
pub const TEMPORARY: Clause = Clause::new(DOC, "三(一)1");
/// 三(一)1(1): own home — property or land-use certificate.
pub const TEMPORARY_OWN: Clause = Clause::new(DOC, "三(一)1(1)");
/// 三(一)1(2): rented home — lease contract.
pub const TEMPORARY_RENTED: Clause = Clause::new(DOC, "三(一)1(2)");
/// 三(一)1(3): unit dormitory — the unit's certificate.
pub const TEMPORARY_DORMITORY: Clause = Clause::new(DOC, "三(一)1(3)");
/// 三(一)1(4): other proof, conditions set by each county (市、区).
pub const TEMPORARY_OTHER: Clause = Clause::new(DOC, "三(一)1(4)");

/// 三(一)2 《浙江省居住证》: temporary permit or stable residence, plus stable
/// employment of six months or more.
pub const STANDARD: Clause = Clause::new(DOC, "三(一)2");
/// 三(一)2(1): employed — contract of 6+ months and 6 months of insurance in a year.
pub const STANDARD_EMPLOYED: Clause = Clause::new(DOC, "三(一)2(1)");
/// 三(一)2(2): self-employed — licence and the same insurance.
pub const STANDARD_SELF_EMPLOYED: Clause = Clause::new(DOC, "三(一)2(2)");
/// 三(一)2(3): employment or unemployment registration, or other proof (county rules).
pub const STANDARD_REGISTRATION: Clause = Clause::new(DOC, "三(一)2(3)");
/// The paragraph after 三(一)2: investors and recruited talent follow the
/// rules of the county-level government, not the conditions above.
pub const EXEMPTION: Clause = Clause::new(DOC, "三(一)末段");

/// 三(二)1 证件签注: yearly endorsement, suspension, late endorsement.
pub const ENDORSEMENT: Clause = Clause::new(DOC, "三(二)1");
/// 三(二)2 证件注销, and its grounds (1)…(5).
pub const CANCEL: Clause = Clause::new(DOC, "三(二)2");
pub const CANCEL_FALSE_MATERIALS: Clause = Clause::new(DOC, "三(二)2(1)");
pub const CANCEL_CHANGED: Clause = Clause::new(DOC, "三(二)2(2)");
pub const CANCEL_OVERDUE: Clause = Clause::new(DOC, "三(二)2(3)");
pub const CANCEL_HUKOU: Clause = Clause::new(DOC, "三(二)2(4)");
pub const CANCEL_OTHER: Clause = Clause::new(DOC, "三(二)2(5)");

/// 三(三)1 基本公共服务.
pub const SERVICES: Clause = Clause::new(DOC, "三(三)1");
/// 三(三)2 实行积分管理.
pub const POINTS: Clause = Clause::new(DOC, "三(三)2");

/// 三(四) 过渡规定: permits held before the pilot stay valid until they expire.
pub const TRANSITION: Clause = Clause::new(DOC, "三(四)");

// `pub static TABLE`: the clause table, generated from `clauses.toml`.
include!(concat!(env!("OUT_DIR"), "/clauses.rs"));
