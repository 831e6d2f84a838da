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
    let (title, citation) = match permit.tier {
        PermitTier::Standard => ("浙江省居住证", STANDARD.citation()),
        PermitTier::Temporary => ("浙江省临时居住证", TEMPORARY.citation()),
    };
    let id = &app.identity;
    CardContent {
        title: title.into(),
        holder_name: id.name.clone(),
        citizen_id: id.citizen_id.to_ascii_uppercase(),
        sex: id.sex,
        ethnicity: id.ethnicity.clone(),
        birth_date: id.birth_date.clone(),
        hukou_address: id.hukou_address.clone(),
        current_address: id.current_address.clone(),
        photo_ref: id.photo_ref.clone(),
        permit_number: permit.number.clone(),
        tier: permit.tier,
        issuing_authority: config::ISSUING_AUTHORITY.into(),
        issued_on: permit.issued_on.clone(),
        endorsements: permit.endorsements.clone(),
        extra: vec![CardField {
            tag: "issuing-authority-parameter".into(),
            label: "发证机关（区县配置参数，非本意见规定）".into(),
            value: config::ISSUING_AUTHORITY_ID.into(),
        }],
        citation,
    }
}
