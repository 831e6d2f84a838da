//! The write → read back → verify cycle on the in-memory driver, and every
//! way the verifier must refuse a card.

use juzhu_card::content::{CardField, Sex};
use juzhu_card::encoder::Disposition;
use juzhu_card::layout;
use juzhu_card::security::{SignedContent, key_id};
use juzhu_card::sim::{Fault, FaultKind, SimCard};
use juzhu_card::{Authority, CardContent, CardDump, CardImage, Encoder, EncoderError, Finding, MemoryEncoder, verify};
use sha2::{Digest, Sha256};

const UID: [u8; 7] = [0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0x80];

fn content() -> CardContent {
    CardContent {
        title: "浙江省居住证".into(),
        holder_name: "李四".into(),
        citizen_id: "11010519491231002X".into(),
        sex: Some(Sex::Male),
        ethnicity: Some("汉".into()),
        birth_date: Some("1990-01-02".into()),
        hukou_address: Some("安徽省合肥市某路3号".into()),
        current_address: Some("浙江省嘉兴市南湖区某街4号".into()),
        permit_number: "330400-2026-000007".into(),
        tier: "standard".into(),
        issuing_authority: "嘉兴市公安局".into(),
        issued_on: "2026-11-23".into(),
        card_serial: "330400-2026-000007-0001".into(),
        endorsements: vec![],
        extra: vec![CardField { tag: "x".into(), label: "备注".into(), value: "无".into() }],
        photo: Some((0..5000u32).map(|i| (i * 7) as u8).collect()),
    }
}

fn issued(authority: &Authority) -> (MemoryEncoder, CardImage) {
    let mut enc = MemoryEncoder::new("desk-1");
    enc.insert(SimCard::blank(&UID));
    let detected = enc.detect().unwrap();
    assert_eq!(detected.chip_uid, UID);
    assert!(!detected.has_application, "a blank card has no application");
    let image = CardImage::build(&content(), "7", &detected.chip_uid, authority).unwrap();
    enc.write(&image).unwrap();
    (enc, image)
}

#[test]
fn a_written_card_reads_back_and_verifies() {
    let authority = Authority::generate();
    let (mut enc, _) = issued(&authority);
    let dump = enc.read_back().unwrap();
    let report = verify(&dump, &[authority.public()]);
    assert!(report.ok(), "{:?}", report.findings);
    assert_eq!(report.content.unwrap(), content());
    assert_eq!(report.issuance_id.as_deref(), Some("7"));
    assert_eq!(report.card_serial.as_deref(), Some("330400-2026-000007-0001"));
    assert!(enc.detect().unwrap().has_application);
    enc.accept().unwrap();
    assert_eq!(enc.handed_out()[0].1, Disposition::Accepted);
    assert!(matches!(enc.detect(), Err(EncoderError::NoCard { .. })));
}

#[test]
fn an_untrusted_authority_is_named() {
    let authority = Authority::generate();
    let (mut enc, _) = issued(&authority);
    let report = verify(&enc.read_back().unwrap(), &[Authority::generate().public()]);
    assert_eq!(report.findings, vec![Finding::UnknownSigner { key_id: hex::encode(key_id(&authority.public())) }]);
}

#[test]
fn a_card_pulled_mid_write_never_verifies_and_the_same_bytes_finish_it() {
    let authority = Authority::generate();
    // Every write position: the card pulled at any UPDATE BINARY.
    let total_writes = {
        let (enc, _) = issued(&authority);
        enc.with_card(|c| c.writes).unwrap()
    };
    assert!(total_writes > 100, "{total_writes}");
    for at in 0..total_writes {
        let mut enc = MemoryEncoder::new("desk-1");
        let mut card = SimCard::blank(&UID);
        card.fault = Some(Fault { kind: FaultKind::Pull, after_writes: at, persistent: false });
        enc.insert(card);
        let image = CardImage::build(&content(), "7", &UID, &authority).unwrap();
        let err = enc.write(&image).unwrap_err();
        assert!(err.is_transient(), "pull at write {at}: {err}");
        let report = verify(&enc.read_back().unwrap(), &[authority.public()]);
        assert!(!report.ok(), "a card pulled at write {at} of {total_writes} verified");
        assert!(
            report.findings.iter().any(|f| matches!(f, Finding::Unfinished { .. })),
            "pull at write {at}: {:?}",
            report.findings
        );
        // The retry writes the same image over the half-written card.
        enc.write(&image).unwrap();
        assert!(verify(&enc.read_back().unwrap(), &[authority.public()]).ok(), "retry after pull at {at}");
    }
}

#[test]
fn rewriting_a_card_blanks_its_security_object_first() {
    let authority = Authority::generate();
    let (mut enc, _) = issued(&authority);
    let mut endorsed = content();
    endorsed.endorsements.push("2027-11-20".into());
    let image = CardImage::build(&endorsed, "8", &UID, &authority).unwrap();
    // Pulled at the first data-group write, after the security object was
    // un-committed by one write.
    let done = enc.with_card(|c| c.writes).unwrap();
    enc.with_card(|c| c.fault = Some(Fault { kind: FaultKind::Pull, after_writes: done + 1, persistent: false }));
    assert!(enc.write(&image).unwrap_err().is_transient());
    let report = verify(&enc.read_back().unwrap(), &[authority.public()]);
    assert!(matches!(report.findings.as_slice(), [Finding::Unfinished { .. }]), "{:?}", report.findings);
    enc.write(&image).unwrap();
    let report = verify(&enc.read_back().unwrap(), &[authority.public()]);
    assert!(report.ok(), "{:?}", report.findings);
    assert_eq!(report.content.unwrap().endorsements, vec!["2027-11-20".to_string()]);
}

#[test]
fn memory_failure_is_a_card_fault_and_a_wrong_status_a_protocol_error() {
    let authority = Authority::generate();
    let image = CardImage::build(&content(), "7", &UID, &authority).unwrap();
    for (kind, expect_fault) in [(FaultKind::MemoryFailure, true), (FaultKind::WrongStatus, false)] {
        let mut enc = MemoryEncoder::new("desk-1");
        let mut card = SimCard::blank(&UID);
        card.fault = Some(Fault { kind, after_writes: 3, persistent: true });
        enc.insert(card);
        let err = enc.write(&image).unwrap_err();
        assert!(!err.is_transient(), "{err}");
        match err {
            EncoderError::CardFault { detail } => {
                assert!(expect_fault);
                assert!(detail.contains("6581"), "{detail}");
            }
            EncoderError::Protocol { detail } => {
                assert!(!expect_fault);
                assert!(detail.contains("6F00") && detail.contains("expected 9000"), "{detail}");
            }
            other => panic!("{other}"),
        }
        enc.reject("memory failure").unwrap();
        assert!(matches!(enc.handed_out()[0].1, Disposition::Rejected(_)));
    }
}

#[test]
fn data_copied_to_another_chip_does_not_verify() {
    let authority = Authority::generate();
    let (mut enc, _) = issued(&authority);
    let mut copy = enc.read_back().unwrap();
    copy.chip_uid = vec![0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66];
    // Written onto the other chip file by file, exactly.
    let mut other = MemoryEncoder::new("desk-2");
    other.insert(SimCard::from_dump(&copy));
    let report = verify(&other.read_back().unwrap(), &[authority.public()]);
    assert_eq!(
        report.findings,
        vec![Finding::ForeignChip { signed_for: hex::encode_upper(UID), chip: "04112233445566".into() }]
    );
}

#[test]
fn a_changed_data_group_is_tampered_and_a_changed_signature_is_bad() {
    let authority = Authority::generate();
    let (mut enc, _) = issued(&authority);
    let dump = enc.read_back().unwrap();

    let mut tampered = dump.clone();
    let permit = tampered.files.get_mut(&layout::PERMIT.fid).unwrap();
    let at = permit.windows(6).position(|w| w == b"000007").unwrap();
    permit[at + 5] = b'8';
    let report = verify(&tampered, &[authority.public()]);
    assert_eq!(report.findings, vec![Finding::Tampered { file: "permit (DG3)".into() }]);

    let mut resigned = dump.clone();
    let so = resigned.files.get_mut(&layout::SECURITY_OBJECT.fid).unwrap();
    // The chip UID inside the signed part: changing it must break the signature.
    let at = so.windows(UID.len()).position(|w| w == UID).unwrap();
    so[at] ^= 0xFF;
    let report = verify(&resigned, &[authority.public()]);
    assert!(report.findings.contains(&Finding::BadSignature), "{:?}", report.findings);

    let mut extra = dump.clone();
    extra.files.get_mut(&layout::IDENTITY.fid).unwrap()[900] = 0x42;
    let report = verify(&extra, &[authority.public()]);
    assert!(
        matches!(report.findings.as_slice(), [Finding::TrailingData { at, .. }] if *at < 900),
        "{:?}",
        report.findings
    );
}

#[test]
fn a_cut_data_group_is_truncated() {
    let authority = Authority::generate();
    let (mut enc, _) = issued(&authority);
    let mut dump = enc.read_back().unwrap();
    let photo = dump.files.get_mut(&layout::PHOTO.fid).unwrap();
    photo.truncate(3000);
    let report = verify(&dump, &[authority.public()]);
    assert!(
        matches!(report.findings.as_slice(), [Finding::Truncated { file, .. }] if file == "photo (DG5)"),
        "{:?}",
        report.findings
    );
    let shown = report.findings[0].to_string();
    assert!(shown.contains("photo (DG5) is truncated") && shown.contains("3000"), "{shown}");

    let mut no_dg = enc.read_back().unwrap();
    no_dg.files.remove(&layout::ADDRESSES.fid);
    let report = verify(&no_dg, &[authority.public()]);
    assert!(
        report.findings.contains(&Finding::MissingDataGroup { file: "addresses (DG2)".into() }),
        "{:?}",
        report.findings
    );
}

#[test]
fn blank_cards_and_other_layout_versions_are_named() {
    let authority = Authority::generate();
    let blank = SimCard::blank(&UID).to_dump();
    assert_eq!(verify(&blank, &[authority.public()]).findings, vec![Finding::NoApplication]);

    let (mut enc, image) = issued(&authority);
    let mut dump = enc.read_back().unwrap();
    let hashes =
        image.files[..image.files.len() - 1].iter().map(|f| (f.fid, Sha256::digest(&f.bytes).into())).collect();
    let so = authority.sign(&SignedContent {
        layout_version: 2,
        issuance_id: "7".into(),
        card_serial: "s".into(),
        chip_uid: UID.to_vec(),
        key_id: key_id(&authority.public()),
        hashes,
    });
    let mut padded = so.clone();
    padded.resize(layout::SECURITY_OBJECT.capacity, 0);
    dump.files.insert(layout::SECURITY_OBJECT.fid, padded);
    let report = verify(&dump, &[authority.public()]);
    assert_eq!(report.findings, vec![Finding::WrongLayoutVersion { found: 2, supported: 1 }]);
}

#[test]
fn a_card_image_file_round_trips_through_verification() {
    let authority = Authority::generate();
    let (mut enc, _) = issued(&authority);
    let bytes = enc.read_back().unwrap().encode();
    let back = CardDump::decode(&bytes).unwrap();
    assert!(verify(&back, &[authority.public()]).ok());
    let err = CardDump::decode(&bytes[..bytes.len() / 2]).unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");
}

#[test]
fn a_rejected_card_is_voided() {
    let authority = Authority::generate();
    let (mut enc, _) = issued(&authority);
    assert!(verify(&enc.read_back().unwrap(), &[authority.public()]).ok());
    enc.reject("set aside for the test").unwrap();
    let (card, disposition) = enc.handed_out().pop().unwrap();
    assert!(matches!(disposition, Disposition::Rejected(r) if r.contains("set aside")));
    let report = verify(&card.to_dump(), &[authority.public()]);
    assert!(matches!(report.findings.as_slice(), [Finding::Unfinished { .. }]), "{:?}", report.findings);
}

#[test]
fn a_hopper_drops_in_a_new_blank_after_each_card() {
    let authority = Authority::generate();
    let mut enc = MemoryEncoder::with_hopper("demo");
    let first = enc.detect().unwrap();
    assert_eq!(first.chip_uid, [0x04, 0x4A, 0x5A, 0, 0, 0, 1]);
    assert!(!first.has_application);
    enc.write(&CardImage::build(&content(), "1", &first.chip_uid, &authority).unwrap()).unwrap();
    enc.accept().unwrap();
    let second = enc.detect().unwrap();
    assert_eq!(second.chip_uid, [0x04, 0x4A, 0x5A, 0, 0, 0, 2]);
    assert!(!second.has_application, "a fresh blank, not the card handed out");
    assert!(verify(&enc.handed_out()[0].0.to_dump(), &[authority.public()]).ok());
}
