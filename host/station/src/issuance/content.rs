//! The module's `card` answer as the card crate's content: the host, not
//! the module, decides the bytes.

use juzhu_card::{CardContent, CardField, Sex};

use juzhu_runtime::contract::types as contract;

/// Converts the module's answer, adding the card serial and the photo the
/// station holds for `photo_ref` (read from `photo_dir`).
pub fn from_contract(
    c: &contract::CardContent,
    card_serial: &str,
    photo_dir: Option<&std::path::Path>,
) -> Result<CardContent, String> {
    let photo = match (&c.photo_ref, photo_dir) {
        (Some(r), Some(dir)) => {
            if r.contains('/') || r.contains("..") {
                return Err(format!("photo_ref `{r}` is not a plain file name"));
            }
            let path = dir.join(r);
            Some(std::fs::read(&path).map_err(|e| {
                format!(
                    "photo {} (photo_ref `{r}`) cannot be read: {e}; put the holder's JPEG in card.photo_dir",
                    path.display()
                )
            })?)
        }
        _ => None,
    };
    Ok(CardContent {
        title: c.title.clone(),
        holder_name: c.holder_name.clone(),
        citizen_id: c.citizen_id.clone(),
        sex: c.sex.map(|s| match s {
            contract::Sex::Male => Sex::Male,
            contract::Sex::Female => Sex::Female,
        }),
        ethnicity: c.ethnicity.clone(),
        birth_date: c.birth_date.clone(),
        hukou_address: c.hukou_address.clone(),
        current_address: c.current_address.clone(),
        permit_number: c.permit_number.clone(),
        tier: juzhu_store::tier_str(c.tier).to_string(),
        issuing_authority: c.issuing_authority.clone(),
        issued_on: c.issued_on.clone(),
        card_serial: card_serial.to_string(),
        endorsements: c.endorsements.clone(),
        extra: c
            .extra
            .iter()
            .map(|f| CardField { tag: f.tag.clone(), label: f.label.clone(), value: f.value.clone() })
            .collect(),
        photo,
    })
}
