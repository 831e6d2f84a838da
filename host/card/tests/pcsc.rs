//! The PC/SC driver end to end: pcscd with vpcd in a network namespace, and
//! the test card (`juzhu-card-emulator`) behind it. These tests fail when
//! the stack is missing; `scripts/pcsc-setup.sh` installs it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use juzhu_card::pcsc_driver::{PcscEncoder, list_readers};
use juzhu_card::testbed::{READER, Testbed};
use juzhu_card::{Authority, CardContent, CardDump, CardImage, Encoder, EncoderError, verify};

fn emulator() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_juzhu-card-emulator"))
}

fn content() -> CardContent {
    CardContent {
        title: "福建省居住证".into(),
        holder_name: "王五".into(),
        citizen_id: "11010519491231002X".into(),
        sex: None,
        ethnicity: None,
        birth_date: None,
        hukou_address: None,
        current_address: Some("福建省漳州市芗城区某路5号".into()),
        permit_number: "350600-2026-000003".into(),
        tier: "standard".into(),
        issuing_authority: "漳州市公安局".into(),
        issued_on: "2026-11-23".into(),
        card_serial: "350600-2026-000003-0001".into(),
        endorsements: vec!["2027-11-01".into()],
        extra: vec![],
        photo: Some(vec![0xFF; 3000]),
    }
}

fn args(dir: &Path, uid: &str, extra: &[&str]) -> Vec<String> {
    let mut a = vec![
        "--uid".to_string(),
        uid.to_string(),
        "--state".into(),
        dir.join(format!("{uid}.jzc")).display().to_string(),
    ];
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

#[test]
fn pcsc_write_read_back_verify() {
    let dir = tempfile::tempdir().unwrap();
    let mut bed = Testbed::start(&dir.path().join("bed")).unwrap();
    bed.insert(&emulator(), &args(dir.path(), "04A1B2C3D4E580", &[])).unwrap();

    let readers = list_readers().unwrap();
    let ours = readers.iter().find(|r| r.name == READER).expect("the vpcd reader is listed");
    assert_eq!(ours.card.as_ref().unwrap().chip_uid, hex::decode("04A1B2C3D4E580").unwrap());

    let authority = Authority::generate();
    let mut enc = PcscEncoder::new("desk-1", Some(READER));
    let detected = enc.detect().unwrap();
    assert!(!detected.has_application);
    assert_eq!(detected.atr[0], 0x3B);
    let image = CardImage::build(&content(), "1", &detected.chip_uid, &authority).unwrap();
    enc.write(&image).unwrap();
    let dump = enc.read_back().unwrap();
    let report = verify(&dump, &[authority.public()]);
    assert!(report.ok(), "{:?}", report.findings);
    assert_eq!(report.content.unwrap(), content());
    // The card's own record of itself agrees with what PC/SC read.
    let saved = CardDump::decode(&std::fs::read(dir.path().join("04A1B2C3D4E580.jzc")).unwrap()).unwrap();
    assert_eq!(saved.files, dump.files);
    enc.accept().unwrap();
}

#[test]
fn pcsc_pulled_card_is_transient_and_the_same_image_finishes_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut bed = Testbed::start(&dir.path().join("bed")).unwrap();
    bed.insert(&emulator(), &args(dir.path(), "04000000000001", &["--fault", "pull@20"])).unwrap();
    let authority = Authority::generate();
    let mut enc = PcscEncoder::new("desk-1", Some(READER));
    let uid = enc.detect().unwrap().chip_uid;
    let image = CardImage::build(&content(), "2", &uid, &authority).unwrap();
    let err = enc.write(&image).unwrap_err();
    assert!(err.is_transient(), "a pulled card must be transient: {err}");
    // Half-written: the card in its own file does not verify.
    let saved = CardDump::decode(&std::fs::read(dir.path().join("04000000000001.jzc")).unwrap()).unwrap();
    assert!(!verify(&saved, &[authority.public()]).ok());
    // The clerk puts it back; the same bytes finish it.
    let start = Instant::now();
    let detected = loop {
        match enc.detect() {
            Ok(d) => break d,
            Err(e) if e.is_transient() && start.elapsed() < Duration::from_secs(10) => {
                std::thread::sleep(Duration::from_millis(100))
            }
            Err(e) => panic!("the card did not come back: {e}"),
        }
    };
    assert_eq!(detected.chip_uid, uid);
    enc.write(&image).unwrap();
    assert!(verify(&enc.read_back().unwrap(), &[authority.public()]).ok());
}

#[test]
fn pcsc_memory_failure_and_wrong_status_are_not_transient() {
    let dir = tempfile::tempdir().unwrap();
    let mut bed = Testbed::start(&dir.path().join("bed")).unwrap();
    let authority = Authority::generate();
    for (fault, uid) in [("6581@10!", "04000000000002"), ("wrong-sw@10", "04000000000003")] {
        bed.insert(&emulator(), &args(dir.path(), uid, &["--fault", fault])).unwrap();
        let mut enc = PcscEncoder::new("desk-1", Some(READER));
        let detected = enc.detect().unwrap();
        let image = CardImage::build(&content(), "3", &detected.chip_uid, &authority).unwrap();
        match enc.write(&image).unwrap_err() {
            EncoderError::CardFault { detail } => {
                assert!(fault.starts_with("6581") && detail.contains("6581"), "{detail}")
            }
            EncoderError::Protocol { detail } => {
                assert!(fault.starts_with("wrong-sw") && detail.contains("6F00"), "{detail}")
            }
            other => panic!("{fault}: {other}"),
        }
        enc.reject("test").unwrap();
    }
}
