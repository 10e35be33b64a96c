//! Writers that meet. Many threads, each on its own pooled connection, run transactions that read before they
//! write (as most handlers do: check, then change) and bare audit appends (as every search does), all at once. Every
//! one of them must commit: on SQLite a second writer is not an error the client should see.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failed assertion

use chrono::Utc;
use jhe_domain::{AuditOutcome, NewAuditEvent, PatientId};
use jhe_store::audit::{AuditFilter, append_audit_event, list_audit_events};
use jhe_store::testing::TestDb;
use jhe_store::{DbPool, PoolOptions, StoreError, backend_tests, in_transaction, open_pool};

const THREADS: usize = 8;
const ROUNDS: usize = 40;

fn event(thread: usize, round: usize) -> NewAuditEvent {
    NewAuditEvent {
        occurred_at: Utc::now(),
        actor_user_id: None,
        action: "test.write".into(),
        target_type: "Test".into(),
        target_id: Some(format!("{thread}/{round}")),
        patient_ids: vec![PatientId(1 + (round % 3) as i64)],
        outcome: AuditOutcome::Success,
        detail: None,
    }
}

fn pool(db: &TestDb) -> DbPool {
    let options = PoolOptions {
        max_size: THREADS as u32,
        ..PoolOptions::default()
    };
    open_pool(&db.url, &options).unwrap().1
}

fn total(pool: &DbPool) -> i64 {
    list_audit_events(&mut pool.get().unwrap(), &AuditFilter::default(), 0, 1)
        .unwrap()
        .0
}

backend_tests! {
    transactions_that_read_then_write_all_commit_when_run_at_once => |backend| {
        let (db, _) = TestDb::migrated(backend);
        let pool = pool(&db);
        std::thread::scope(|s| {
            for thread in 0..THREADS {
                let pool = &pool;
                s.spawn(move || {
                    let mut conn = pool.get().unwrap();
                    for round in 0..ROUNDS {
                        in_transaction(&mut conn, |conn| {
                            // A read first, so that the transaction is a reader when it asks to write.
                            list_audit_events(conn, &AuditFilter::default(), 0, 1)?;
                            append_audit_event(conn, &event(thread, round))?;
                            Ok::<_, StoreError>(())
                        })
                        .unwrap_or_else(|e| panic!("thread {thread}, round {round}: {e}"));
                    }
                });
            }
        });
        assert_eq!(total(&pool), (THREADS * ROUNDS) as i64);
    };

    bare_appends_from_many_threads_all_commit => |backend| {
        let (db, _) = TestDb::migrated(backend);
        let pool = pool(&db);
        std::thread::scope(|s| {
            for thread in 0..THREADS {
                let pool = &pool;
                s.spawn(move || {
                    let mut conn = pool.get().unwrap();
                    for round in 0..ROUNDS {
                        append_audit_event(&mut conn, &event(thread, round))
                            .unwrap_or_else(|e| panic!("thread {thread}, round {round}: {e}"));
                    }
                });
            }
        });
        assert_eq!(total(&pool), (THREADS * ROUNDS) as i64);
    };
}
