//! The card: 《浙江省居住证》 issued by the 居住地公安机关 (三(一) lead).
//!
//! The text names the permit and its issuer and nothing about what the card
//! holds, so the card carries the contract's standard fields only and no
//! district extras.

use juzhu_sdk::prelude::*;

use crate::clauses::*;
use crate::endorsement;

pub const TITLE: &str = "浙江省居住证";
pub const ISSUER: &str = "居住地公安机关";

pub fn content(permit: &Permit, facts: &Application, _on: Date) -> Result<CardContent, InputError> {
    endorsement::check_permit(permit)?;
    let id = &facts.identity;
    Ok(CardContent {
        title: TITLE.into(),
        holder_name: id.name.clone(),
        citizen_id: id.citizen_id.clone(),
        sex: id.sex,
        ethnicity: id.ethnicity.clone(),
        birth_date: id.birth_date.clone(),
        hukou_address: id.hukou_address.clone(),
        current_address: id.current_address.clone(),
        photo_ref: id.photo_ref.clone(),
        permit_number: permit.number.clone(),
        tier: permit.tier,
        issuing_authority: ISSUER.into(),
        issued_on: permit.issued_on.clone(),
        endorsements: permit.endorsements.clone(),
        extra: Vec::new(),
        citation: APPLY.citation(),
    })
}
