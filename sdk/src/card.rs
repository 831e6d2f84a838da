//! The card content every module starts from: the holder as the application
//! identifies them and the permit as the host holds it. A module sets the
//! title, the issuing authority and the clause, then adds its own fields.

use crate::cite::Clause;
use crate::types::{Application, CardContent, Permit};

/// The standard fields of a card, with no jurisdiction extras.
pub fn standard(
    permit: &Permit,
    facts: &Application,
    title: &str,
    issuing_authority: &str,
    clause: Clause,
) -> CardContent {
    let id = &facts.identity;
    CardContent {
        title: title.to_string(),
        holder_name: id.name.clone(),
        // The check character `x` is written in its canonical capital form.
        citizen_id: id.citizen_id.to_ascii_uppercase(),
        sex: id.sex,
        ethnicity: id.ethnicity.clone(),
        birth_date: id.birth_date.clone(),
        hukou_address: id.hukou_address.clone(),
        current_address: id.current_address.clone(),
        photo_ref: id.photo_ref.clone(),
        permit_number: permit.number.clone(),
        tier: permit.tier,
        issuing_authority: issuing_authority.to_string(),
        issued_on: permit.issued_on.clone(),
        endorsements: permit.endorsements.clone(),
        extra: Vec::new(),
        citation: clause.citation(),
    }
}
