//! Group commit: concurrent submissions share commits, and one failing
//! writer undoes only its own work.

mod common;

use juzhu_runtime::contract::types::*;
use juzhu_store::lifecycle::{self, LifecycleError, Receipt, Submission};
use juzhu_store::{Store, verify_audit};

use common::{application, count, decision, legal, module, open_temp};

#[test]
fn concurrent_submissions_share_commits_and_a_failing_one_undoes_only_itself() {
    use juzhu_store::group_commit::{BatchError, GroupCommit};
    use std::sync::{Arc, Barrier, Mutex};

    #[derive(Debug)]
    enum Failed {
        Lifecycle(LifecycleError),
        Batch(#[allow(dead_code, reason = "shown through Debug when a writer fails")] BatchError),
    }
    impl From<BatchError> for Failed {
        fn from(e: BatchError) -> Self {
            Failed::Batch(e)
        }
    }

    let (dir, store) = open_temp();
    // One writer's audit entry fails after its application and decision rows
    // were written inside the shared transaction.
    store
        .conn()
        .execute_batch(
            "CREATE TRIGGER fail_one BEFORE INSERT ON audit_log WHEN NEW.actor = 'clerk-unlucky' \
             BEGIN SELECT RAISE(ABORT, 'audit disk full'); END;",
        )
        .unwrap();
    let store = Arc::new(Mutex::new(store));
    let group = Arc::new(GroupCommit::default());
    let writers = 48;
    let start = Arc::new(Barrier::new(writers));
    let handles: Vec<_> = (0..writers)
        .map(|i| {
            let (store, group, start) = (store.clone(), group.clone(), start.clone());
            std::thread::spawn(move || {
                let actor = if i == 17 { "clerk-unlucky".to_string() } else { format!("clerk-{i}") };
                start.wait();
                group.run(&store, move |s| {
                    let (app, d, m) =
                        (application("11010519491231002X"), decision(Outcome::Ineligible, None), module());
                    lifecycle::submit(
                        s,
                        &actor,
                        Submission { application: &app, legal_date: legal("2024-03-01"), decision: &d, module: &m },
                    )
                    .map_err(Failed::Lifecycle)
                })
            })
        })
        .collect();
    let results: Vec<Result<Receipt, Failed>> = handles.into_iter().map(|h| h.join().unwrap()).collect();

    for (i, result) in results.iter().enumerate() {
        match (i, result) {
            (17, Err(Failed::Lifecycle(e))) => assert!(e.to_string().contains("audit disk full"), "{e}"),
            (17, other) => panic!("the unlucky writer should fail on its audit entry, got {other:?}"),
            (_, Ok(_)) => {}
            (_, Err(e)) => panic!("writer {i} failed for its neighbour's sake: {e:?}"),
        }
    }
    let mut ids: Vec<i64> = results.iter().filter_map(|r| r.as_ref().ok()).map(|r| r.decision_id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), writers - 1, "every successful writer got its own decision");

    // What the writers were told is what a fresh connection finds on disk.
    drop(store);
    let reopened = Store::open(dir.path().join("juzhu.db")).unwrap();
    for table in ["applications", "decisions", "audit_log"] {
        assert_eq!(count(&reopened, table), (writers - 1) as i64, "{table}");
    }
    assert_eq!(verify_audit(reopened.conn()).unwrap(), writers - 1, "the audit chain is whole");
    let unlucky: i64 = reopened
        .conn()
        .query_row("SELECT count(*) FROM audit_log WHERE actor = 'clerk-unlucky'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(unlucky, 0);
}
