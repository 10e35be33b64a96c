//! The pool's checkout test: skipped for a connection that just came back from a use that went well, run for one
//! whose user doubted it, and a dead connection is replaced once doubted.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failed assertion

use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::Connection as _;
use diesel::connection::InstrumentationEvent;
use jhe_store::testing::TestDb;
use jhe_store::{Backend, DbPool, PoolOptions, backend_tests, open_pool};

fn pool(db: &TestDb, trust_recent: Duration) -> DbPool {
    let options = PoolOptions {
        max_size: 1,
        trust_recent,
        ..PoolOptions::default()
    };
    open_pool(&db.url, &options).unwrap().1
}

/// Records the statements run on the pool's one connection (the instrumentation stays with the connection).
fn record(pool: &DbPool) -> Arc<Mutex<Vec<String>>> {
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = log.clone();
    pool.get()
        .unwrap()
        .set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::StartQuery { query, .. } = event {
                sink.lock().unwrap().push(query.to_string());
            }
        });
    log
}

fn checks(log: &Mutex<Vec<String>>) -> usize {
    let mut log = log.lock().unwrap();
    let n = log.iter().filter(|q| q.as_str() == "SELECT 1").count();
    log.clear();
    n
}

backend_tests! {
    a_connection_back_from_a_good_use_skips_the_checkout_test => |backend| {
        let (db, _) = TestDb::migrated(backend);
        let pool = pool(&db, Duration::from_secs(60));
        let log = record(&pool);
        checks(&log);

        // It went back well a moment ago: no test.
        drop(pool.get().unwrap());
        assert_eq!(checks(&log), 0);

        // Doubted by its user: tested at the next checkout, and trusted again after that use.
        pool.get().unwrap().doubt();
        assert_eq!(checks(&log), 0);
        drop(pool.get().unwrap());
        assert_eq!(checks(&log), 1);
        drop(pool.get().unwrap());
        assert_eq!(checks(&log), 0);

        // With no trust, every checkout is tested.
        let strict = self::pool(&db, Duration::ZERO);
        let log = record(&strict);
        checks(&log);
        for _ in 0..3 {
            drop(strict.get().unwrap());
        }
        assert_eq!(checks(&log), 3);
    };
}

/// What trusting a recent connection costs, and how it heals: a connection killed under the pool fails the one use
/// that trusted it; doubted, it is tested at the next checkout, found dead and replaced.
#[test]
#[cfg_attr(
    not(jhe_postgres_tests),
    ignore = "PostgreSQL: set JHE_TEST_POSTGRES_URL to run"
)]
fn a_doubted_dead_connection_is_replaced() {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Pid {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    let pid_of = |conn: &mut jhe_store::DbConnection| {
        diesel::sql_query("SELECT pg_backend_pid() AS pid")
            .get_result::<Pid>(conn)
            .map(|p| p.pid)
    };
    let (db, admin) = TestDb::migrated(Backend::Postgres);
    let pool = pool(&db, Duration::from_secs(60));
    let first = pid_of(&mut pool.get().unwrap()).unwrap();
    diesel::sql_query(format!("SELECT pg_terminate_backend({first})"))
        .execute(&mut **admin.get().unwrap())
        .unwrap();

    // Trusted without a test, so the use finds it dead; its user doubts it.
    let mut conn = pool.get().unwrap();
    assert!(pid_of(&mut conn).is_err());
    conn.doubt();
    drop(conn);

    // Tested, found dead, replaced by a new connection.
    let second = pid_of(&mut pool.get().unwrap()).unwrap();
    assert_ne!(first, second);
}
