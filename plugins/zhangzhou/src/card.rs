//! The card: 三(一) makes the police (公安部门) responsible for accepting,
//! making and issuing permits, so the issuing authority is the police of the
//! place of residence, worded as the text words it. The text prescribes no
//! card layout, so only the contract's fields and the division are written.

use juzhu_sdk::prelude::*;

use crate::clauses::*;

pub fn content(permit: &Permit, facts: &Application, _on: Date) -> Result<CardContent, InputError> {
    if crate::is_zanzhuzheng(permit) {
        return Err(InputError {
            field: "permit.issued_on".into(),
            message: format!(
                "{} is before 2016-12-01: the city then issued 暂住证, not 居住证 (二(四)); no 居住证 card is written for it",
                permit.issued_on
            ),
        });
    }
    Ok(CardContent {
        tier: PermitTier::Standard,
        extra: vec![
            CardField { tag: "city".into(), label: "居住地".into(), value: "漳州市".into() },
            CardField {
                tag: "division".into(), label: "行政区划代码".into(), value: permit.jurisdiction.clone()
            },
        ],
        ..juzhu_sdk::card::standard(permit, facts, "居住证", "居住地公安机关", DUTIES)
    })
}
