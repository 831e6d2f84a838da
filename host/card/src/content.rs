//! What a card says, as a plain struct, and its data groups as BER-TLV.
//!
//! The host fills [`CardContent`] from the module's `card` answer; this
//! crate never sees the policy contract, so it builds without wasmtime.
//! Text is UTF-8, dates ISO 8601 (`YYYY-MM-DD`) as everywhere in juzhu.

use serde::{Deserialize, Serialize};

use crate::layout::{self, FileSpec, tag};
use crate::tlv::{Tlv, TlvError};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    Male,
    Female,
}

/// A field a jurisdiction adds to the permit data group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardField {
    pub tag: String,
    pub label: String,
    pub value: String,
}

/// Everything written on one card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardContent {
    pub title: String,
    pub holder_name: String,
    pub citizen_id: String,
    pub sex: Option<Sex>,
    pub ethnicity: Option<String>,
    pub birth_date: Option<String>,
    pub hukou_address: Option<String>,
    pub current_address: Option<String>,
    pub permit_number: String,
    /// `standard` or `temporary`.
    pub tier: String,
    pub issuing_authority: String,
    pub issued_on: String,
    /// The card's own serial; a reissued card gets a new one and the old
    /// one is revoked.
    pub card_serial: String,
    /// Endorsement dates, oldest first; one DG4 record each.
    pub endorsements: Vec<String>,
    pub extra: Vec<CardField>,
    /// The photo's bytes (JPEG), when the station has one.
    #[serde(default, with = "opt_hex", skip_serializing_if = "Option::is_none")]
    pub photo: Option<Vec<u8>>,
}

mod opt_hex {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(b) => s.serialize_some(&hex::encode(b)),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        Option::<String>::deserialize(d)?.map(|h| hex::decode(h).map_err(serde::de::Error::custom)).transpose()
    }
}

/// A data group that does not hold what the layout says it holds.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ContentError {
    #[error("{file}: {source}")]
    Tlv { file: &'static str, source: TlvError },
    #[error("{file}: {detail}")]
    Invalid { file: &'static str, detail: String },
    #[error("{file}: {len} bytes do not fit its {capacity} bytes; shorten the content")]
    TooLarge { file: &'static str, len: usize, capacity: usize },
}

fn text(t: u32, s: &str) -> Tlv {
    Tlv::new(t, s.as_bytes().to_vec())
}

fn opt_text(out: &mut Vec<Tlv>, t: u32, s: &Option<String>) {
    if let Some(s) = s {
        out.push(text(t, s));
    }
}

impl CardContent {
    /// The data groups' exact bytes, without padding, in layout order. DG5
    /// is absent when there is no photo.
    pub fn data_groups(&self) -> Result<Vec<(FileSpec, Vec<u8>)>, ContentError> {
        let mut identity = vec![text(0x80, &self.holder_name), text(0x81, &self.citizen_id)];
        if let Some(sex) = self.sex {
            // GB/T 2261.1: 1 male, 2 female.
            identity.push(Tlv::new(0x82, vec![if sex == Sex::Male { 1 } else { 2 }]));
        }
        opt_text(&mut identity, 0x83, &self.ethnicity);
        opt_text(&mut identity, 0x84, &self.birth_date);

        let mut addresses = Vec::new();
        opt_text(&mut addresses, 0x80, &self.hukou_address);
        opt_text(&mut addresses, 0x81, &self.current_address);

        let mut permit = vec![
            text(0x80, &self.title),
            text(0x81, &self.permit_number),
            text(0x82, &self.tier),
            text(0x83, &self.issuing_authority),
            text(0x84, &self.issued_on),
            text(0x85, &self.card_serial),
        ];
        for f in &self.extra {
            permit.push(Tlv::constructed(
                tag::EXTRA_FIELD,
                &[text(0x80, &f.tag), text(0x81, &f.label), text(0x82, &f.value)],
            ));
        }

        let mut endorsements = Vec::new();
        for date in &self.endorsements {
            Tlv::constructed(tag::ENDORSEMENT, &[text(0x80, date)]).encode_into(&mut endorsements);
        }

        let mut groups = vec![
            (layout::IDENTITY, Tlv::constructed(tag::IDENTITY, &identity).encode()),
            (layout::ADDRESSES, Tlv::constructed(tag::ADDRESSES, &addresses).encode()),
            (layout::PERMIT, Tlv::constructed(tag::PERMIT, &permit).encode()),
            (layout::ENDORSEMENTS, endorsements),
        ];
        if let Some(photo) = &self.photo {
            groups.push((
                layout::PHOTO,
                Tlv::constructed(tag::PHOTO, &[Tlv::new(0x80, b"image/jpeg".to_vec()), Tlv::new(0x81, photo.clone())])
                    .encode(),
            ));
        }
        for (spec, bytes) in &groups {
            if bytes.len() > spec.capacity {
                return Err(ContentError::TooLarge { file: spec.name, len: bytes.len(), capacity: spec.capacity });
            }
        }
        Ok(groups)
    }

    /// Reads the content back from data-group bytes (already stripped of
    /// padding), as the verifier found them.
    pub fn from_data_groups(find: impl Fn(u16) -> Option<Vec<u8>>) -> Result<CardContent, ContentError> {
        let template = |spec: FileSpec, t: u32| -> Result<Vec<Tlv>, ContentError> {
            let bytes = find(spec.fid).ok_or(ContentError::Invalid { file: spec.name, detail: "is missing".into() })?;
            let (tlv, _) = Tlv::decode(&bytes).map_err(|source| ContentError::Tlv { file: spec.name, source })?;
            if tlv.tag != t {
                return Err(ContentError::Invalid {
                    file: spec.name,
                    detail: format!("starts with tag {:X}; expected {t:X}", tlv.tag),
                });
            }
            tlv.children().map_err(|source| ContentError::Tlv { file: spec.name, source })
        };
        let get = |file: &'static str, kids: &[Tlv], t: u32| -> Result<Option<String>, ContentError> {
            kids.iter()
                .find(|k| k.tag == t)
                .map(|k| {
                    String::from_utf8(k.value.clone())
                        .map_err(|_| ContentError::Invalid { file, detail: format!("tag {t:X} is not UTF-8") })
                })
                .transpose()
        };
        let need = |file: &'static str, kids: &[Tlv], t: u32| -> Result<String, ContentError> {
            get(file, kids, t)?.ok_or(ContentError::Invalid { file, detail: format!("has no tag {t:X}") })
        };

        let id = template(layout::IDENTITY, tag::IDENTITY)?;
        let f = layout::IDENTITY.name;
        let sex = match id.iter().find(|k| k.tag == 0x82).map(|k| k.value.as_slice()) {
            None => None,
            Some([1]) => Some(Sex::Male),
            Some([2]) => Some(Sex::Female),
            Some(other) => {
                return Err(ContentError::Invalid {
                    file: f,
                    detail: format!("sex code {other:02X?}; expected 01 (male) or 02 (female)"),
                });
            }
        };
        let addr = template(layout::ADDRESSES, tag::ADDRESSES)?;
        let a = layout::ADDRESSES.name;
        let permit = template(layout::PERMIT, tag::PERMIT)?;
        let p = layout::PERMIT.name;
        let mut extra = Vec::new();
        for k in permit.iter().filter(|k| k.tag == tag::EXTRA_FIELD) {
            let kids = k.children().map_err(|source| ContentError::Tlv { file: p, source })?;
            extra.push(CardField {
                tag: need(p, &kids, 0x80)?,
                label: need(p, &kids, 0x81)?,
                value: need(p, &kids, 0x82)?,
            });
        }
        let e = layout::ENDORSEMENTS.name;
        let mut endorsements = Vec::new();
        let records =
            find(layout::ENDORSEMENTS.fid).ok_or(ContentError::Invalid { file: e, detail: "is missing".into() })?;
        for record in crate::tlv::decode_all(&records).map_err(|source| ContentError::Tlv { file: e, source })? {
            if record.tag != tag::ENDORSEMENT {
                return Err(ContentError::Invalid {
                    file: e,
                    detail: format!("record tag {:X}; expected 70", record.tag),
                });
            }
            let kids = record.children().map_err(|source| ContentError::Tlv { file: e, source })?;
            endorsements.push(need(e, &kids, 0x80)?);
        }
        let photo = match find(layout::PHOTO.fid) {
            None => None,
            Some(_) => {
                let kids = template(layout::PHOTO, tag::PHOTO)?;
                Some(kids.iter().find(|k| k.tag == 0x81).map(|k| k.value.clone()).ok_or(ContentError::Invalid {
                    file: layout::PHOTO.name,
                    detail: "has no tag 81 (image)".into(),
                })?)
            }
        };
        Ok(CardContent {
            holder_name: need(f, &id, 0x80)?,
            citizen_id: need(f, &id, 0x81)?,
            sex,
            ethnicity: get(f, &id, 0x83)?,
            birth_date: get(f, &id, 0x84)?,
            hukou_address: get(a, &addr, 0x80)?,
            current_address: get(a, &addr, 0x81)?,
            title: need(p, &permit, 0x80)?,
            permit_number: need(p, &permit, 0x81)?,
            tier: need(p, &permit, 0x82)?,
            issuing_authority: need(p, &permit, 0x83)?,
            issued_on: need(p, &permit, 0x84)?,
            card_serial: need(p, &permit, 0x85)?,
            endorsements,
            extra,
            photo,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn sample() -> CardContent {
        CardContent {
            title: "浙江省居住证".into(),
            holder_name: "张三".into(),
            citizen_id: "11010519491231002X".into(),
            sex: Some(Sex::Female),
            ethnicity: Some("汉".into()),
            birth_date: Some("1949-12-31".into()),
            hukou_address: Some("北京市朝阳区某街1号".into()),
            current_address: Some("浙江省杭州市拱墅区某路2号".into()),
            permit_number: "330105-2026-000001".into(),
            tier: "standard".into(),
            issuing_authority: "杭州市公安局拱墅分局".into(),
            issued_on: "2026-11-23".into(),
            card_serial: "330105-2026-000001-C1".into(),
            endorsements: vec!["2027-11-20".into()],
            extra: vec![CardField { tag: "points".into(), label: "积分".into(), value: "120".into() }],
            photo: Some(vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]),
        }
    }

    #[test]
    fn data_groups_round_trip() {
        let content = sample();
        let groups = content.data_groups().unwrap();
        assert_eq!(groups.iter().map(|g| g.0.fid).collect::<Vec<_>>(), vec![0x0101, 0x0102, 0x0103, 0x0104, 0x0105]);
        let back =
            CardContent::from_data_groups(|fid| groups.iter().find(|g| g.0.fid == fid).map(|g| g.1.clone())).unwrap();
        assert_eq!(back, content);
    }

    #[test]
    fn no_photo_means_no_dg5() {
        let mut content = sample();
        content.photo = None;
        content.endorsements.clear();
        let groups = content.data_groups().unwrap();
        assert!(groups.iter().all(|g| g.0.fid != 0x0105));
        assert!(groups.iter().find(|g| g.0.fid == 0x0104).unwrap().1.is_empty());
        let back =
            CardContent::from_data_groups(|fid| groups.iter().find(|g| g.0.fid == fid).map(|g| g.1.clone())).unwrap();
        assert_eq!(back, content);
    }

    #[test]
    fn oversized_content_names_the_file() {
        let mut content = sample();
        content.photo = Some(vec![0; 30_000]);
        let err = content.data_groups().unwrap_err();
        assert!(err.to_string().contains("photo (DG5)") && err.to_string().contains("24576"), "{err}");
    }
}
