//! The card content: what the holder's IC card carries.
//!
//! The title is the permit's name in 三(一)1 and 三(一)2 (《浙江省临时居住证》,
//! 《浙江省居住证》), and the card cites that clause. The text names no issuing
//! authority, so the authority is the district configuration parameter
//! [`config::ISSUING_AUTHORITY_ID`]; an extra field records that parameter id so
//! the card says where the name comes from.

use juzhu_sdk::prelude::*;

use crate::clauses::*;
use crate::config;

pub fn content(permit: &Permit, app: &Application) -> CardContent {
    let (title, clause) = match permit.tier {
        PermitTier::Standard => ("浙江省居住证", STANDARD),
        PermitTier::Temporary => ("浙江省临时居住证", TEMPORARY),
    };
    CardContent {
        extra: vec![CardField {
            tag: "issuing-authority-parameter".into(),
            label: "发证机关（区县配置参数，非本意见规定）".into(),
            value: config::ISSUING_AUTHORITY_ID.into(),
        }],
        ..juzhu_sdk::card::standard(permit, app, title, config::ISSUING_AUTHORITY, clause)
    }
}
