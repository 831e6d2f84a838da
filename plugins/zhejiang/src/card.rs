//! The IC card (二(二) 认真做好IC卡式居住证实施工作).
//!
//! The card carries the holder and permit data of the contract and two extra
//! fields for the card-function links 二(二) calls for (市民卡、社保卡等卡证实现与
//! IC卡式居住证相互对接): `citizen-card-link` and `social-security-card-link`.
//! Their value is what the district has configured for the permit's division
//! (`config::CARD_LINKS`), or 未对接 when nothing is configured. The card's
//! production and linking costs are budgeted (三(二)); that sets nothing on the
//! card. The notice names no issuing authority, so it is configuration too.

use juzhu_sdk::prelude::*;

use crate::area;
use crate::clauses::CITY_RULES;
use crate::config::{self, CardLink};

/// The value shown when no link is configured.
pub const NOT_LINKED: &str = "未对接";

/// The link configured for `division` on `on`: the longest matching prefix
/// among entries in force, then the latest of those.
pub fn link_for(table: &[CardLink], division: &str, on: Date) -> Option<CardLink> {
    table
        .iter()
        .filter(|l| division.starts_with(l.division_prefix) && config::day(l.effective_from) <= on)
        .max_by_key(|l| (l.division_prefix.len(), config::day(l.effective_from)))
        .copied()
}

fn extras(table: &[CardLink], division: &str, on: Date) -> Vec<CardField> {
    let link = link_for(table, division, on);
    let value = |v: Option<&'static str>| v.unwrap_or(NOT_LINKED).to_string();
    vec![
        CardField {
            tag: "citizen-card-link".into(),
            label: "市民卡对接".into(),
            value: value(link.and_then(|l| l.citizen_card)),
        },
        CardField {
            tag: "social-security-card-link".into(),
            label: "社保卡对接".into(),
            value: value(link.and_then(|l| l.social_security_card)),
        },
    ]
}

pub fn content(permit: &Permit, facts: &Application, on: Date) -> Result<CardContent, InputError> {
    area::permit(permit, on)?;
    area::jurisdiction("facts.jurisdiction", &facts.jurisdiction)?;
    Ok(CardContent {
        endorsements: permit.endorsements.iter().filter(|e| framework::date_of(e) <= on).cloned().collect(),
        extra: extras(config::CARD_LINKS, &permit.jurisdiction, on),
        ..juzhu_sdk::card::standard(permit, facts, "浙江省居住证", config::ISSUING_AUTHORITY, CITY_RULES)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &[CardLink] = &[
        CardLink {
            division_prefix: "3301",
            effective_from: "2017-01-01",
            citizen_card: Some("市民卡A"),
            social_security_card: None,
        },
        CardLink {
            division_prefix: "330106",
            effective_from: "2017-06-01",
            citizen_card: Some("市民卡B"),
            social_security_card: Some("社保卡B"),
        },
    ];

    fn d(s: &str) -> Date {
        config::day(s)
    }

    #[test]
    fn unconfigured_links_read_not_linked() {
        let f = extras(TABLE, "330205", d("2018-01-01"));
        assert_eq!(f[0].value, NOT_LINKED);
        assert_eq!(f[1].value, NOT_LINKED);
        let f = extras(config::CARD_LINKS, "330106", d("2018-01-01"));
        assert!(f.iter().all(|x| x.value == NOT_LINKED));
    }

    #[test]
    fn the_longest_prefix_in_force_wins() {
        let f = extras(TABLE, "330106", d("2017-05-31"));
        assert_eq!((f[0].value.as_str(), f[1].value.as_str()), ("市民卡A", NOT_LINKED));
        let f = extras(TABLE, "330106", d("2017-06-01"));
        assert_eq!((f[0].value.as_str(), f[1].value.as_str()), ("市民卡B", "社保卡B"));
        let f = extras(TABLE, "330105", d("2016-12-31"));
        assert_eq!(f[0].value, NOT_LINKED);
    }
}
