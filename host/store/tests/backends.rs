//! The store's behaviour on both engines: each test below is written once,
//! against a [`Location`], and instantiated for SQLite and for PostgreSQL
//! (a real server, `juzhu_test_support::postgres`, started per test; a
//! machine without PostgreSQL fails these tests, it never skips them).

mod common;

use std::sync::{Arc, Barrier};

use juzhu_runtime::contract::types::*;
use juzhu_store::cards::{self, Kind, Step};
use juzhu_store::lifecycle::{self, LifecycleError, PermitState, Transition};
use juzhu_store::points::NewPoints;
use juzhu_store::{AuditError, Db, Location, Store, StoreError, tokens};
use juzhu_test_support::postgres::PgServer;

use common::{ACTOR, directing, legal, module, permit_in, submit};

/// Keeps the database alive for the test: a temporary directory or a server.
#[allow(dead_code, reason = "held for its Drop")]
enum Keep {
    Dir(tempfile::TempDir),
    Server(PgServer),
}

fn sqlite() -> (Keep, Location) {
    let dir = tempfile::tempdir().unwrap();
    let location = Location::Sqlite(dir.path().join("juzhu.db"));
    (Keep::Dir(dir), location)
}

fn postgres() -> (Keep, Location) {
    let server = PgServer::start();
    let url = server.database();
    let files = server.root().join("juzhu.db");
    (Keep::Server(server), Location::Postgres { url, files })
}

fn open(location: &Location, station: &str) -> Store {
    Store::connect(location).unwrap().for_station(station)
}

/// Disables the append-only guard, as someone with the database's keys could.
fn drop_guards(store: &Store) {
    let sql = if store.is_postgres() {
        "ALTER TABLE audit_log DISABLE TRIGGER USER"
    } else {
        "DROP TRIGGER audit_log_no_update"
    };
    store.execute(sql, &[]).unwrap();
}

fn lifecycle_round_trip_names_the_station(location: Location) {
    let mut store = open(&location, "hall-a");
    let number = permit_in(&mut store, PermitState::Active);
    let after = lifecycle::transition(
        &mut store,
        ACTOR,
        &number,
        Transition::Endorse,
        legal("2025-05-02"),
        &directing(Transition::Endorse),
        &module(),
    )
    .unwrap();
    assert_eq!(after.endorsements, vec!["2025-05-02".to_string()]);
    let entries = store.audit_entries(0, 100).unwrap();
    assert_eq!(entries.len(), 3, "submit, issue, endorse");
    assert!(entries.iter().all(|e| e.station.as_deref() == Some("hall-a")), "{entries:?}");
    let report = store.verify_audit_report().unwrap();
    assert_eq!((report.entries, report.before_commitments), (3, 0));
    assert!(report.records >= 3, "{report:?}");
}

fn a_transition_from_the_wrong_state_is_refused_and_writes_nothing(location: Location) {
    let mut store = open(&location, "hall-a");
    let number = permit_in(&mut store, PermitState::Cancelled);
    let before = store.audit_entries(0, 100).unwrap().len();
    let err = lifecycle::transition(
        &mut store,
        ACTOR,
        &number,
        Transition::Suspend,
        legal("2025-07-03"),
        &directing(Transition::Suspend),
        &module(),
    )
    .unwrap_err();
    assert!(matches!(err, LifecycleError::IllegalTransition { state: PermitState::Cancelled, .. }), "{err}");
    assert!(err.to_string().contains("it is cancelled"), "{err}");
    assert_eq!(store.audit_entries(0, 100).unwrap().len(), before, "a refused transition writes nothing");
}

/// Two stations, one database: both cancel the same permit at once; one
/// wins, the other is told it is cancelled.
fn two_stations_race_one_transition_wins(location: Location) {
    let mut a = open(&location, "hall-a");
    let number = permit_in(&mut a, PermitState::Active);
    let b = open(&location, "hall-b");
    let barrier = Arc::new(Barrier::new(2));
    let race = |mut store: Store, t: Transition, barrier: Arc<Barrier>, number: String| {
        std::thread::spawn(move || {
            barrier.wait();
            lifecycle::transition(&mut store, ACTOR, &number, t, legal("2025-07-02"), &directing(t), &module())
        })
    };
    let cancel = race(a, Transition::Cancel, barrier.clone(), number.clone());
    let other = race(b, Transition::Cancel, barrier, number.clone());
    let results = [cancel.join().unwrap(), other.join().unwrap()];
    let won: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(won.len(), 1, "exactly one transition wins: {results:?}");
    let winner_state = won[0].state;
    let lost = results.iter().find_map(|r| r.as_ref().err()).expect("one lost");
    assert!(
        matches!(lost, LifecycleError::IllegalTransition { state, .. } if *state == winner_state),
        "the loser is told the state the winner left: {lost}"
    );
    let store = open(&location, "auditor");
    assert_eq!(store.permit(&number).unwrap().unwrap().state, winner_state);
    let entries = store.audit_entries(0, 100).unwrap();
    let stations: Vec<_> = entries.iter().filter_map(|e| e.station.clone()).collect();
    assert_eq!(entries.len(), 3, "submit, issue and the one winning transition");
    assert!(stations.iter().all(|s| s == "hall-a" || s == "hall-b"), "{stations:?}");
    store.verify_audit().unwrap();
}

/// Many writers on two stations: one chain, every entry in it, gap-free.
fn two_stations_append_to_one_chain(location: Location) {
    let threads: Vec<_> = ["hall-a", "hall-b"]
        .into_iter()
        .map(|station| {
            let mut store = open(&location, station);
            std::thread::spawn(move || {
                for _ in 0..10 {
                    submit(&mut store, Outcome::Eligible, Some(PermitTier::Standard), "2024-03-01");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let store = open(&location, "auditor");
    assert_eq!(store.verify_audit().unwrap(), 20);
    let entries = store.audit_entries(0, 100).unwrap();
    for station in ["hall-a", "hall-b"] {
        assert_eq!(entries.iter().filter(|e| e.station.as_deref() == Some(station)).count(), 10);
    }
}

fn an_edited_or_deleted_entry_is_named(location: Location) {
    let mut store = open(&location, "hall-a");
    for _ in 0..3 {
        submit(&mut store, Outcome::Eligible, Some(PermitTier::Standard), "2024-03-01");
    }
    drop_guards(&store);
    store.execute("UPDATE audit_log SET station = 'hall-z' WHERE seq = 2", &[]).unwrap();
    let err = store.verify_audit().unwrap_err();
    assert!(matches!(err, AuditError::Edited { seq: 2 }), "{err}");
    store.execute("UPDATE audit_log SET station = 'hall-a' WHERE seq = 2", &[]).unwrap();
    store.verify_audit().unwrap();
    if store.is_postgres() {
        store.execute("DELETE FROM audit_log WHERE seq = 2", &[]).unwrap();
    } else {
        store.execute("DROP TRIGGER audit_log_no_delete", &[]).unwrap();
        store.execute("DELETE FROM audit_log WHERE seq = 2", &[]).unwrap();
    }
    let err = store.verify_audit().unwrap_err();
    assert!(matches!(err, AuditError::Gap { expected: 2, found: 3 }), "{err}");
}

fn the_append_only_guard_refuses_an_update(location: Location) {
    let mut store = open(&location, "hall-a");
    submit(&mut store, Outcome::Eligible, Some(PermitTier::Standard), "2024-03-01");
    let err = store.execute("UPDATE audit_log SET actor = 'x' WHERE seq = 1", &[]).unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
}

fn tokens_and_pins(location: Location) {
    let mut store = open(&location, "hall-a");
    assert!(tokens::create(&mut store, "system", "admin", "admin", &"a".repeat(64)).unwrap());
    assert!(!tokens::create(&mut store, "system", "admin", "clerk", &"b".repeat(64)).unwrap(), "name taken");
    let other = open(&location, "hall-b");
    assert_eq!(tokens::find(&other, &"a".repeat(64)).unwrap(), Some(("admin".into(), "admin".into())));
    assert!(tokens::any_active(&other, "admin").unwrap());
    assert!(tokens::revoke(&mut store, "system", "admin").unwrap());
    assert_eq!(tokens::find(&other, &"a".repeat(64)).unwrap(), None);
    store.set_pin("ops", "module.pin", "330105", "hangzhou-gongshu", "1.0.0", serde_json::json!({})).unwrap();
    store.set_pin("ops", "module.pin", "330105", "hangzhou-gongshu", "1.1.0", serde_json::json!({})).unwrap();
    let pins = other.pins().unwrap();
    assert_eq!((pins.len(), pins[0].version.as_str()), (1, "1.1.0"));
    assert!(store.clear_pin("ops", "330105").unwrap().is_some());
    assert_eq!(store.verify_audit().unwrap(), 5);
}

/// Cards stay local: restart recovery sees only its own station's rows.
fn card_journal_rows_belong_to_their_station(location: Location) {
    let mut a = open(&location, "hall-a");
    let p1 = permit_in(&mut a, PermitState::Active);
    let p2 = permit_in(&mut a, PermitState::Active);
    let mut b = open(&location, "hall-b");
    let at_a = cards::create(&mut a, ACTOR, &p1, Kind::Issue, "desk-1", "2024-03-02", None).unwrap();
    // Encoders are per station on a shared database (SQLite has one station).
    let encoder = if a.is_postgres() { "desk-1" } else { "desk-2" };
    let at_b = cards::create(&mut b, ACTOR, &p2, Kind::Issue, encoder, "2024-03-02", None).unwrap();
    assert_eq!(at_a.station.as_deref(), Some("hall-a"));
    let open_a: Vec<i64> = cards::unfinished(&a).unwrap().iter().map(|r| r.id).collect();
    let open_b: Vec<i64> = cards::unfinished(&b).unwrap().iter().map(|r| r.id).collect();
    assert_eq!((open_a, open_b), (vec![at_a.id], vec![at_b.id]));
    let failed = cards::advance(&mut b, ACTOR, at_b.id, Step::Failed { reason: "no card" }).unwrap();
    assert_eq!(failed.error.as_deref(), Some("no card"));
    assert!(cards::unfinished(&b).unwrap().is_empty());
    // A row written at hall B reads the same at hall A.
    assert_eq!(cards::load(&a, at_b.id).unwrap().unwrap().state, cards::State::Failed);
    a.verify_audit_report().unwrap();
}

fn migrations_are_idempotent_and_a_newer_database_is_refused(location: Location) {
    let store = open(&location, "hall-a");
    let version = store.schema_version().unwrap();
    drop(store);
    let store = open(&location, "hall-a");
    assert_eq!(store.schema_version().unwrap(), version, "a reopen applies nothing");
    store
        .execute(
            "INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES (99, 'future', 'x', 'now')",
            &[],
        )
        .unwrap();
    drop(store);
    let err = Store::connect(&location).err().expect("a newer schema is refused");
    assert!(matches!(err, StoreError::SchemaTooNew { found: 99, .. }), "{err}");
}

/// Ranking from storage (issue 13): a points row only for an active permit.
fn points_rows(store: &Store) -> i64 {
    store.query_one("SELECT count(*) FROM permit_points", &[]).unwrap().int(0).unwrap()
}

fn breakdown(total: i32, vetoed: bool) -> PointsBreakdown {
    PointsBreakdown { lines: vec![], total, vetoed, frozen: false, scheme: None, reasons: vec![] }
}

fn record(store: &mut Store, number: &str, total: i32, vetoed: bool) -> u64 {
    let m = module();
    let b = breakdown(total, vetoed);
    store.record_points(&[NewPoints { permit_number: number, as_of: "2024-03-02", module: &m, breakdown: &b }]).unwrap()
}

fn points_rows_follow_the_permit_out_of_use(location: Location) {
    let mut store = open(&location, "hall-a");
    let m = module();
    for (t, what) in [(Transition::Suspend, "suspension"), (Transition::Cancel, "cancellation")] {
        let number = permit_in(&mut store, PermitState::Active);
        assert_eq!(record(&mut store, &number, 30, false), 1);
        assert_eq!(points_rows(&store), 1);
        lifecycle::transition(&mut store, ACTOR, &number, t, legal("2025-07-02"), &directing(t), &m).unwrap();
        assert_eq!(points_rows(&store), 0, "{what} deleted the row");
        assert_eq!(record(&mut store, &number, 30, false), 0, "no row for a permit out of use after {what}");
    }
    let coverage = store.points_coverage("330105", &m.sha256).unwrap();
    assert_eq!((coverage.active, coverage.scored), (0, 0));
}

fn points_rows_of_one_version_rank_best_first(location: Location) {
    let mut store = open(&location, "hall-a");
    let numbers: Vec<String> = (0..4).map(|_| permit_in(&mut store, PermitState::Active)).collect();
    for (number, (total, vetoed)) in numbers.iter().zip([(20, false), (40, false), (40, false), (90, true)]) {
        record(&mut store, number, total, vetoed);
    }
    let m = module();
    let top = store.top_points("330105", &m.sha256, 10).unwrap();
    let order: Vec<&str> = top.iter().map(|r| r.permit_number.as_str()).collect();
    assert_eq!(order, [&numbers[1], &numbers[2], &numbers[0]], "higher first, ties by number, the veto not ranked");
    let counts = store.points_counts("330105", &m.sha256, Some(40)).unwrap();
    assert_eq!((counts.ranked, counts.excluded, counts.at_total), (3, 1, 2));
    assert!(store.points_coverage("330105", &m.sha256).unwrap().complete());

    // Re-scoring replaces the row; a new version finds every permit unscored.
    record(&mut store, &numbers[0], 50, false);
    assert_eq!(store.top_points("330105", &m.sha256, 1).unwrap()[0].permit_number, numbers[0]);
    let next = "cd".repeat(32);
    assert_eq!(store.points_coverage("330105", &next).unwrap().scored, 0);
    let page = store.permits_to_score("330105", &next, "", 2).unwrap();
    assert_eq!(page.iter().map(|p| p.number.as_str()).collect::<Vec<_>>(), [&numbers[0], &numbers[1]]);
    let rest = store.permits_to_score("330105", &next, &numbers[1], 10).unwrap();
    assert_eq!(rest.len(), 2, "a keyset page continues after the last number");
    assert!(store.permits_to_score("330105", &m.sha256, "", 10).unwrap().is_empty());
}

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $name() { let (_keep, location) = super::sqlite(); super::$name(location) })*
        }
        mod postgres {
            $(#[test] fn $name() { let (_keep, location) = super::postgres(); super::$name(location) })*
        }
    };
}

on_both!(
    lifecycle_round_trip_names_the_station,
    a_transition_from_the_wrong_state_is_refused_and_writes_nothing,
    two_stations_race_one_transition_wins,
    two_stations_append_to_one_chain,
    an_edited_or_deleted_entry_is_named,
    the_append_only_guard_refuses_an_update,
    tokens_and_pins,
    card_journal_rows_belong_to_their_station,
    migrations_are_idempotent_and_a_newer_database_is_refused,
    points_rows_follow_the_permit_out_of_use,
    points_rows_of_one_version_rank_best_first,
);
