//! Card issuance through the service and its journal, on the in-memory
//! encoder: the happy path, a pulled card, a faulty card, three transient
//! failures, crashes at each step resolved by reading the card back, a
//! reissue, an endorsement, and refusals that write nothing.

use std::sync::Arc;

use juzhu_card::encoder::Disposition;
use juzhu_card::sim::{Fault, FaultKind, SimCard};
use juzhu_card::{Authority, MemoryEncoder, verify};
use juzhu_domain::Transition;
use juzhu_runtime::contract::types::Application;
use juzhu_station::issuance::{Desk, Issuance, Kind, State};
use juzhu_station::service::{Service, ServiceError};
use juzhu_test_support::ApplicationBuilder;
use juzhu_test_support::station::{self as harness, bearer};
use serde_json::json;

struct Station {
    service: Arc<Service>,
    encoder: MemoryEncoder,
    authority_public: ed25519_dalek::VerifyingKey,
    permit: String,
    _dir: tempfile::TempDir,
}

/// A Gongshu applicant with insurance through mid-2018, so the first
/// endorsement window (from 2018-05-20) finds the conditions met.
fn application() -> Application {
    ApplicationBuilder::gongshu_employed()
        .current_address("拱墅区湖墅南路1号")
        .photo_ref("wang.jpg")
        .insured_until("2018-06")
        .typed()
}

fn station_with(authority: Option<Authority>) -> Station {
    station_with_photos(authority, None)
}

fn station_with_photos(authority: Option<Authority>, photo_dir: Option<std::path::PathBuf>) -> Station {
    let authority_public = authority.as_ref().map(|a| a.public()).unwrap_or_else(|| Authority::generate().public());
    let mut desk = Desk::new(authority);
    desk.retry_delay = std::time::Duration::from_millis(10);
    desk.set_photo_dir(photo_dir);
    let encoder = desk.add_memory("desk-1");
    station_from(desk, encoder, authority_public)
}

fn station_from(desk: Desk, encoder: MemoryEncoder, authority_public: ed25519_dalek::VerifyingKey) -> Station {
    let dir = tempfile::tempdir().unwrap();
    let store = harness::store_in(dir.path());
    let service = Arc::new(harness::service(store, &["hangzhou-gongshu"]).with_cards(desk));
    let receipt = service.submit("clerk", &application(), Some("2017-06-15".into())).unwrap();
    let permit = service.issue("supervisor", receipt.decision_id, Some("2017-06-20".into())).unwrap().number;
    Station { service, encoder, authority_public, permit, _dir: dir }
}

fn station() -> Station {
    station_with(Some(Authority::generate()))
}

fn blank(uid: u8) -> SimCard {
    SimCard::blank(&[0x04, 0x10, 0x20, 0x30, 0x40, 0x50, uid])
}

fn issue(s: &Station, kind: Kind) -> Result<Issuance, ServiceError> {
    let started = s.service.card_start("supervisor", &s.permit, kind, "desk-1", Some("2018-06-01".into()))?;
    assert_eq!(started.state, State::Pending);
    s.service.card_run("supervisor", started.id, &|_| {})
}

fn audit_actions(s: &Station) -> Vec<String> {
    s.service.audit(0, 1000).unwrap().into_iter().filter(|e| e.action.starts_with("card.")).map(|e| e.action).collect()
}

fn audit_len(s: &Station) -> usize {
    harness::audit_len(&s.service)
}

/// The card the encoder handed out last, and how.
fn last_out(s: &Station) -> (SimCard, Disposition) {
    s.encoder.handed_out().last().cloned().expect("a card was handed out")
}

#[test]
fn an_issued_card_verifies_and_only_then_the_permit_is_carded() {
    let s = station();
    s.encoder.insert(blank(1));
    let seen = std::sync::Mutex::new(Vec::new());
    let started =
        s.service.card_start("supervisor", &s.permit, Kind::Issue, "desk-1", Some("2018-06-01".into())).unwrap();
    let end = s
        .service
        .card_run("supervisor", started.id, &|i| {
            let carded = s.service.card_status(&s.permit).unwrap().carded;
            seen.lock().unwrap().push((i.state, carded));
        })
        .unwrap();
    assert_eq!(end.state, State::Done, "{:?}", end.error);
    assert_eq!(end.attempt, 1);
    assert_eq!(
        *seen.lock().unwrap(),
        vec![
            (State::ImageBuilt, false),
            (State::Encoding, false),
            (State::Written, false),
            (State::Verified, true),
            (State::Done, true)
        ],
        "carded exactly from the verified step on"
    );
    let status = s.service.card_status(&s.permit).unwrap();
    let card = status.card.unwrap();
    assert_eq!(card.serial, format!("{}-{:04}", s.permit, end.id));
    assert_eq!(card.chip_uid, "04102030405001");
    let (out, disposition) = last_out(&s);
    assert_eq!(disposition, Disposition::Accepted);
    let report = verify(&out.to_dump(), &[s.authority_public]);
    assert!(report.ok(), "{:?}", report.findings);
    let content = report.content.unwrap();
    assert_eq!(content.permit_number, s.permit);
    assert_eq!(content.holder_name, "王伟");
    assert_eq!(content.card_serial, card.serial);
    assert_eq!(
        audit_actions(&s),
        ["card.issue", "card.image_built", "card.encoding", "card.written", "card.verified", "card.done"]
    );
    audit_len(&s);
}

#[test]
fn a_pulled_card_is_retried_with_the_same_image() {
    let s = station();
    let mut card = blank(2);
    card.fault = Some(Fault { kind: FaultKind::Pull, after_writes: 12, persistent: false });
    s.encoder.insert(card);
    let end = issue(&s, Kind::Issue).unwrap();
    assert_eq!(end.state, State::Done, "{:?}", end.error);
    assert_eq!(end.attempt, 2);
    assert!(audit_actions(&s).contains(&"card.attempt_failed".to_string()));
    assert!(s.service.card_status(&s.permit).unwrap().carded);
    assert!(verify(&last_out(&s).0.to_dump(), &[s.authority_public]).ok());
}

#[test]
fn a_faulty_card_is_rejected_and_a_new_blank_is_issued() {
    let s = station();
    let mut card = blank(3);
    card.fault = Some(Fault { kind: FaultKind::MemoryFailure, after_writes: 10, persistent: true });
    s.encoder.insert(card);
    let end = issue(&s, Kind::Issue).unwrap();
    assert_eq!(end.state, State::Rejected);
    let error = end.error.unwrap();
    assert!(error.contains("6581") && error.contains("new blank card"), "{error}");
    assert!(matches!(last_out(&s).1, Disposition::Rejected(_)));
    let status = s.service.card_status(&s.permit).unwrap();
    assert!(!status.carded && status.cards.is_empty());

    s.encoder.insert(blank(4));
    let end = issue(&s, Kind::Issue).unwrap();
    assert_eq!(end.state, State::Done, "{:?}", end.error);
    assert_eq!(s.service.card_status(&s.permit).unwrap().card.unwrap().chip_uid, "04102030405004");
}

#[test]
fn a_wrong_status_word_rejects_the_card() {
    let s = station();
    let mut card = blank(5);
    card.fault = Some(Fault { kind: FaultKind::WrongStatus, after_writes: 0, persistent: false });
    s.encoder.insert(card);
    let end = issue(&s, Kind::Issue).unwrap();
    assert_eq!(end.state, State::Rejected);
    assert!(end.error.unwrap().contains("6F00"));
    assert!(!s.service.card_status(&s.permit).unwrap().carded);
}

#[test]
fn three_transient_failures_fail_the_issuance() {
    let s = station();
    let mut card = blank(6);
    card.fault = Some(Fault { kind: FaultKind::Pull, after_writes: 5, persistent: true });
    s.encoder.insert(card);
    let end = issue(&s, Kind::Issue).unwrap();
    assert_eq!(end.state, State::Failed);
    assert_eq!(end.attempt, 3);
    assert!(end.error.unwrap().contains("3 attempts"));
    assert_eq!(audit_actions(&s).iter().filter(|a| *a == "card.encoding").count(), 3);
    assert!(!s.service.card_status(&s.permit).unwrap().carded);
}

/// Runs an issuance that "crashes" (panics) right after `at` commits.
fn crash_at(s: &Station, at: State) -> i64 {
    let started =
        s.service.card_start("supervisor", &s.permit, Kind::Issue, "desk-1", Some("2018-06-01".into())).unwrap();
    let crashed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        s.service.card_run("supervisor", started.id, &|i| {
            if i.state == at {
                panic!("crash after {:?}", at);
            }
        })
    }));
    assert!(crashed.is_err());
    let row = s.service.card_issuance(started.id).unwrap();
    assert_eq!(row.state, at);
    started.id
}

#[test]
fn a_crash_while_encoding_is_resolved_by_reading_back_and_finishing() {
    let s = station();
    s.encoder.insert(blank(7));
    let id = crash_at(&s, State::Encoding);
    assert!(!s.service.card_status(&s.permit).unwrap().carded, "not carded while encoding");
    // A new request waits for the open issuance to be resolved.
    let err = s.service.card_start("supervisor", &s.permit, Kind::Issue, "desk-1", None).unwrap_err();
    assert!(err.to_string().contains("still encoding") && err.to_string().contains("juzhu card recover"), "{err}");
    let resolved = s.service.card_recover("system").unwrap();
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0].id, id);
    assert_eq!(resolved[0].state, State::Done, "{:?}", resolved[0].error);
    assert_eq!(resolved[0].attempt, 2, "the interrupted attempt counts");
    assert!(s.service.card_status(&s.permit).unwrap().carded);
}

#[test]
fn a_crash_after_writing_is_resolved_without_rewriting() {
    let s = station();
    s.encoder.insert(blank(8));
    crash_at(&s, State::Written);
    let writes = s.encoder.with_card(|c| c.writes).unwrap();
    let resolved = s.service.card_recover("system").unwrap();
    assert_eq!(resolved[0].state, State::Done);
    assert_eq!(resolved[0].attempt, 1);
    let (out, _) = last_out(&s);
    assert_eq!(out.writes, writes, "the complete card was not written again");
}

#[test]
fn a_crash_with_another_card_in_the_encoder_fails_without_carding() {
    let s = station();
    s.encoder.insert(blank(9));
    crash_at(&s, State::Encoding);
    s.encoder.remove();
    s.encoder.insert(blank(10));
    let resolved = s.service.card_recover("system").unwrap();
    assert_eq!(resolved[0].state, State::Failed);
    assert!(resolved[0].error.as_deref().unwrap().contains("never verified"), "{:?}", resolved[0].error);
    assert!(!s.service.card_status(&s.permit).unwrap().carded);
    assert_eq!(s.encoder.with_card(|c| c.writes).unwrap(), 0, "the other card was not written");
    assert!(s.service.card_recover("system").unwrap().is_empty(), "nothing left to resolve");
}

#[test]
fn a_reissue_revokes_the_lost_card() {
    let s = station();
    s.encoder.insert(blank(11));
    let first = issue(&s, Kind::Issue).unwrap();
    assert_eq!(first.state, State::Done);
    let old = s.service.card_status(&s.permit).unwrap().card.unwrap();
    let err = issue(&s, Kind::Issue).unwrap_err();
    assert!(err.to_string().contains("already has card") && err.to_string().contains("reissue"), "{err}");

    s.encoder.insert(blank(12));
    let second = issue(&s, Kind::Reissue).unwrap();
    assert_eq!(second.state, State::Done, "{:?}", second.error);
    assert_eq!(second.replaces_serial.as_deref(), Some(old.serial.as_str()));
    let status = s.service.card_status(&s.permit).unwrap();
    let new = status.card.unwrap();
    assert_ne!(new.serial, old.serial);
    let revoked = status.cards.iter().find(|c| c.serial == old.serial).unwrap();
    assert!(revoked.revoked_at.is_some());
    assert_eq!(revoked.revoked_reason.as_deref(), Some(format!("reissued as {}", new.serial).as_str()));
}

#[test]
fn an_endorsement_is_appended_to_the_same_card() {
    let s = station();
    s.encoder.insert(blank(13));
    assert_eq!(issue(&s, Kind::Issue).unwrap().state, State::Done);
    let card = s.service.card_status(&s.permit).unwrap().card.unwrap();
    let err = issue(&s, Kind::Endorse).unwrap_err();
    assert!(err.to_string().contains("no endorsement to write"), "{err}");
    s.service.act("supervisor", &s.permit, Transition::Endorse, Some("2018-06-01".into())).unwrap();

    // The handed-out card comes back to the encoder.
    let (out, _) = last_out(&s);
    s.encoder.insert(out);
    let end = issue(&s, Kind::Endorse).unwrap();
    assert_eq!(end.state, State::Done, "{:?}", end.error);
    assert_eq!(end.card_serial.as_deref(), Some(card.serial.as_str()));
    let (out, _) = last_out(&s);
    let report = verify(&out.to_dump(), &[s.authority_public]);
    assert!(report.ok(), "{:?}", report.findings);
    assert_eq!(report.content.unwrap().endorsements, vec!["2018-06-01".to_string()]);
    let status = s.service.card_status(&s.permit).unwrap();
    assert_eq!(status.cards.len(), 1, "an endorsement is not a new card");
    assert_eq!(status.card.unwrap().issuance_id, end.id);

    // Another chip is not the permit's card.
    s.encoder.insert(blank(14));
    let end = issue(&s, Kind::Endorse).unwrap();
    assert_eq!(end.state, State::Failed);
    assert!(end.error.unwrap().contains("insert that card"));
}

#[test]
fn refused_requests_write_nothing() {
    let s = station();
    s.encoder.insert(blank(15));
    let before = audit_len(&s);
    let err = s.service.card_start("supervisor", &s.permit, Kind::Issue, "desk-9", None).unwrap_err();
    assert!(err.to_string().contains("no encoder named `desk-9`") && err.to_string().contains("desk-1"), "{err}");
    let err = s.service.card_start("supervisor", "330105-2017-999999", Kind::Issue, "desk-1", None).unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
    let err = s.service.card_start("supervisor", &s.permit, Kind::Reissue, "desk-1", None).unwrap_err();
    assert!(err.to_string().contains("no valid card"), "{err}");
    assert_eq!(audit_len(&s), before);
    assert!(s.service.card_status(&s.permit).unwrap().issuances.is_empty());

    let unsigned = station_with(None);
    let err = unsigned.service.card_start("supervisor", &unsigned.permit, Kind::Issue, "desk-1", None).unwrap_err();
    assert!(err.to_string().contains("card.authority_key") && err.to_string().contains("juzhu card keygen"), "{err}");
}

/// Issue 15, defect 12: card requests with an invalid `legal_date` got a 202,
/// wrote a journal row and audit entries, and failed later.
#[test]
fn card_request_with_an_invalid_legal_date_is_refused_before_anything_is_written() {
    use rocket::http::Status;
    let s = station();
    s.encoder.insert(blank(17));
    let http = harness::Station::serve(s.service.clone());
    let path = format!("/v1/permits/{}/card/issue", s.permit);
    let before = audit_len(&s);
    for bad in ["2023-02-30", "99999-01-01", "2017-6-20", "tomorrow"] {
        let (status, body) = http.post(&http.supervisor, &path, &json!({ "encoder": "desk-1", "legal_date": bad }));
        assert_eq!(status, Status::UnprocessableEntity, "{bad}: {body}");
        assert_eq!(body["error"]["field"], "legal_date", "{bad}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("YYYY-MM-DD"), "{bad}: {body}");
    }
    assert_eq!(audit_len(&s), before, "refused requests wrote nothing");
    assert!(s.service.card_status(&s.permit).unwrap().issuances.is_empty(), "no journal row");
}

#[test]
fn a_card_that_is_not_blank_is_not_overwritten() {
    let s = station();
    s.encoder.insert(blank(16));
    assert_eq!(issue(&s, Kind::Issue).unwrap().state, State::Done);
    let (written, _) = last_out(&s);
    let other = station();
    other.encoder.insert(written.clone());
    let end = issue(&other, Kind::Issue).unwrap();
    assert_eq!(end.state, State::Failed);
    assert!(end.error.unwrap().contains("insert a blank card"));
    assert_eq!(other.encoder.with_card(|c| c.writes).unwrap(), written.writes, "nothing was written");
}

#[test]
fn the_api_starts_an_issuance_and_the_caller_follows_it() {
    use rocket::http::Status;
    let s = station();
    s.encoder.insert(blank(20));
    let http = harness::Station::serve(s.service.clone());
    let (clerk, supervisor, client) = (&http.clerk, &http.supervisor, &http.client);
    let post = |token: &str, path: &str, body: serde_json::Value| http.post(token, path, &body);
    let path = format!("/v1/permits/{}/card/issue", s.permit);
    let before = audit_len(&s);

    let (status, body) = post(clerk, &path, json!({ "encoder": "desk-1" }));
    assert_eq!(status, Status::Forbidden, "{body}");
    let (status, body) = post(supervisor, &path, json!({ "encoder": "desk-9" }));
    assert_eq!(status, Status::UnprocessableEntity);
    assert_eq!(body["error"]["field"], "encoder");
    assert!(body["error"]["message"].as_str().unwrap().contains("desk-1"), "{body}");
    let (status, body) = post(supervisor, &path, json!({ "encoder": "desk-1", "colour": "red" }));
    assert_eq!(status, Status::UnprocessableEntity, "{body}");
    let (status, _) = post(supervisor, &format!("/v1/permits/{}/card/print", s.permit), json!({ "encoder": "desk-1" }));
    assert_eq!(status, Status::NotFound);
    assert_eq!(audit_len(&s), before, "refused requests wrote nothing");

    let (status, body) = post(supervisor, &path, json!({ "encoder": "desk-1", "legal_date": "2017-06-20" }));
    assert_eq!(status, Status::Accepted, "{body}");
    assert_eq!(body["state"], "pending");
    let id = body["id"].as_i64().unwrap();
    let start = std::time::Instant::now();
    let last = loop {
        let r = client.get(format!("/v1/card-issuances/{id}")).header(bearer(clerk)).dispatch();
        assert_eq!(r.status(), Status::Ok);
        let row: serde_json::Value = r.into_json().unwrap();
        if ["done", "rejected", "failed"].contains(&row["state"].as_str().unwrap()) {
            break row;
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(30), "the issuance never finished: {row}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(last["state"], "done", "{last}");
    let r = client.get(format!("/v1/permits/{}/card", s.permit)).header(bearer(clerk)).dispatch();
    let status: serde_json::Value = r.into_json().unwrap();
    assert_eq!(status["carded"], true);
    assert_eq!(status["card"]["chip_uid"], "04102030405014");
    let (status, body) = post(supervisor, &path, json!({ "encoder": "desk-1" }));
    assert_eq!(status, Status::Conflict);
    assert!(body["error"]["message"].as_str().unwrap().contains("reissue"), "{body}");
    let r = client.get("/v1/encoders").header(bearer(clerk)).dispatch();
    assert_eq!(r.into_json::<Vec<String>>().unwrap(), vec!["desk-1".to_string()]);
}

#[test]
fn every_card_subcommand_has_help_and_keys_are_handled_with_care() {
    let juzhu = |args: &[&str]| std::process::Command::new(env!("CARGO_BIN_EXE_juzhu")).args(args).output().unwrap();
    for sub in ["readers", "issue", "reissue", "endorse", "status", "recover", "verify", "read", "keygen", "emulate"] {
        let out = juzhu(&["card", sub, "--help"]);
        assert!(
            out.status.success() && String::from_utf8_lossy(&out.stdout).contains("Usage:"),
            "juzhu card {sub} --help"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("a.key");
    let out = juzhu(&["card", "keygen", "--out", key.to_str().unwrap()]);
    assert!(out.status.success());
    let public = String::from_utf8_lossy(&out.stdout).lines().last().unwrap().to_string();
    assert_eq!(public.len(), 64);
    assert_eq!(Authority::load(&key).unwrap().public().as_bytes().to_vec(), hex::decode(&public).unwrap());
    let out = juzhu(&["card", "keygen", "--out", key.to_str().unwrap()]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("refusing to overwrite"));
    let image = dir.path().join("x.jzc");
    std::fs::write(&image, b"not a card").unwrap();
    let out = juzhu(&["card", "verify", "--image", image.to_str().unwrap()]);
    assert!(
        !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--key"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = juzhu(&["card", "verify", "--image", image.to_str().unwrap(), "--key", &public]);
    assert!(
        !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("not a juzhu card image"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_photo_comes_from_the_station_by_the_modules_photo_ref() {
    let photos = tempfile::tempdir().unwrap();
    let s = station_with_photos(Some(Authority::generate()), Some(photos.path().to_path_buf()));
    s.encoder.insert(blank(30));
    let end = issue(&s, Kind::Issue).unwrap();
    assert_eq!(end.state, State::Failed);
    let error = end.error.unwrap();
    assert!(error.contains("wang.jpg") && error.contains("photo_dir"), "{error}");
    assert!(!s.service.card_status(&s.permit).unwrap().carded);

    let jpeg: Vec<u8> = [0xFF, 0xD8, 0xFF, 0xE0].into_iter().chain((0..4000u32).map(|i| i as u8)).collect();
    std::fs::write(photos.path().join("wang.jpg"), &jpeg).unwrap();
    let end = issue(&s, Kind::Issue).unwrap();
    assert_eq!(end.state, State::Done, "{:?}", end.error);
    let report = verify(&last_out(&s).0.to_dump(), &[s.authority_public]);
    assert!(report.ok(), "{:?}", report.findings);
    assert_eq!(report.content.unwrap().photo, Some(jpeg));
}

#[test]
fn one_process_drives_a_stations_cards() {
    let dir = tempfile::tempdir().unwrap();
    let held = juzhu_station::issuance::CardLock::acquire(dir.path()).unwrap();
    let err = juzhu_station::issuance::CardLock::acquire(dir.path()).err().expect("a second holder is refused");
    assert!(err.to_string().contains("another juzhu process") && err.to_string().contains("cards.lock"), "{err}");
    drop(held);
    juzhu_station::issuance::CardLock::acquire(dir.path()).unwrap();
}

#[test]
fn a_memory_encoder_from_the_station_file_issues_from_its_hopper() {
    let dir = tempfile::tempdir().unwrap();
    let authority = Authority::generate();
    let key = dir.path().join("authority.key");
    std::fs::write(&key, authority.seed_hex()).unwrap();
    let config = juzhu_station::config::StationConfig::from_toml_str(
        &format!("[[encoders]]\nname = \"desk-1\"\ndriver = \"memory\"\n[card]\nauthority_key = \"{}\"\nretry_delay_ms = 10\n", key.display()),
        "station.toml",
    )
    .unwrap();
    let desk = Desk::from_config(&config.card, &config.encoders).unwrap();
    let encoder = desk.memory_encoder("desk-1").unwrap().clone();
    let s = station_from(desk, encoder, authority.public());
    assert_eq!(issue(&s, Kind::Issue).unwrap().state, State::Done);
    assert_eq!(issue(&s, Kind::Reissue).unwrap().state, State::Done, "the hopper dropped in a new blank");
    let status = s.service.card_status(&s.permit).unwrap();
    assert_eq!(status.card.unwrap().chip_uid, "044A5A00000002");
    assert_eq!(status.cards.len(), 2);
}

#[test]
fn an_encoder_serves_one_issuance_at_a_time() {
    let s = station();
    s.encoder.insert(blank(40));
    let receipt = s.service.submit("clerk", &application(), Some("2017-06-16".into())).unwrap();
    let other = s.service.issue("supervisor", receipt.decision_id, Some("2017-06-21".into())).unwrap().number;
    let first = s.service.card_start("supervisor", &s.permit, Kind::Issue, "desk-1", None).unwrap();
    let before = audit_len(&s);
    let err = s.service.card_start("supervisor", &other, Kind::Issue, "desk-1", None).unwrap_err();
    assert!(err.to_string().contains(&format!("busy with card issuance {}", first.id)), "{err}");
    assert_eq!(audit_len(&s), before);
    assert_eq!(s.service.card_run("supervisor", first.id, &|_| {}).unwrap().state, State::Done);
    s.encoder.insert(blank(41));
    assert_eq!(
        s.service.card_start("supervisor", &other, Kind::Issue, "desk-1", None).map(|i| i.state).unwrap(),
        State::Pending
    );
}
