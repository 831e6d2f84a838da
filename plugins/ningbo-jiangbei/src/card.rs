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
    Ok(CardContent { extra: Vec::new(), ..juzhu_sdk::card::standard(permit, facts, TITLE, ISSUER, APPLY) })
}
