//! Isolated databases for tests: a fresh SQLite file, or a fresh PostgreSQL database created through
//! `JHE_TEST_POSTGRES_URL` and dropped afterwards. Each test gets its own, so tests run in parallel.
//!
//! Enabled by the `test-support` feature; never part of a release build.

use std::sync::atomic::{AtomicU32, Ordering};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::connection::{Backend, DbPool, PoolOptions, open_pool};
use crate::migrations::run_migrations;

/// The environment variable naming a PostgreSQL server for tests, for example
/// `postgres://postgres@127.0.0.1:5432/postgres`. Each test creates and drops its own database there.
pub const POSTGRES_URL_VAR: &str = "JHE_TEST_POSTGRES_URL";

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A database that exists for the lifetime of this value.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    _dir: Option<tempfile::TempDir>,
    pg_admin: Option<(String, String)>,
}

impl std::fmt::Debug for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TestDb({}, {})", self.backend, self.url)
    }
}

impl TestDb {
    /// An empty database of the given backend, without migrations.
    ///
    /// # Panics
    /// When the backend cannot be set up: a PostgreSQL test run without `JHE_TEST_POSTGRES_URL` fails loudly
    /// rather than passing without having run.
    pub fn empty(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("cannot create a temp dir: {e}"));
                let url = format!("sqlite://{}", dir.path().join("test.sqlite3").display());
                TestDb {
                    url,
                    backend,
                    _dir: Some(dir),
                    pg_admin: None,
                }
            }
            Backend::Postgres => {
                let admin = std::env::var(POSTGRES_URL_VAR).unwrap_or_else(|_| {
                    panic!("{POSTGRES_URL_VAR} is not set; it is needed for PostgreSQL tests")
                });
                let name = format!(
                    "jhe_test_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::Relaxed),
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.subsec_nanos())
                        .unwrap_or(0)
                );
                let mut conn = PgConnection::establish(&admin)
                    .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {POSTGRES_URL_VAR}: {e}"));
                conn.batch_execute(&format!("CREATE DATABASE {name}"))
                    .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
                let mut url = url::Url::parse(&admin).unwrap_or_else(|e| panic!("{POSTGRES_URL_VAR}: {e}"));
                url.set_path(&format!("/{name}"));
                TestDb {
                    url: url.to_string(),
                    backend,
                    _dir: None,
                    pg_admin: Some((admin, name)),
                }
            }
        }
    }

    /// A migrated database with its pool.
    pub fn migrated(backend: Backend) -> (TestDb, DbPool) {
        let db = TestDb::empty(backend);
        let pool = db.pool();
        let mut conn = pool.get().unwrap_or_else(|e| panic!("pool: {e}"));
        run_migrations(&mut conn).unwrap_or_else(|e| panic!("migrations: {e}"));
        drop(conn);
        (db, pool)
    }

    /// Runs SQL directly, for a test that must put the database in a state no API produces (an expired code, say).
    pub fn execute(&self, sql: &str) {
        let pool = self.pool();
        let mut conn = pool.get().unwrap_or_else(|e| panic!("pool: {e}"));
        conn.batch_execute(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// A small pool on this database.
    pub fn pool(&self) -> DbPool {
        let options = PoolOptions {
            max_size: 4,
            // Every checkout runs its `SELECT 1`, so that tests counting statements do not depend on timing.
            trust_recent: std::time::Duration::ZERO,
            ..PoolOptions::default()
        };
        open_pool(&self.url, &options)
            .unwrap_or_else(|e| panic!("cannot open {}: {e}", self.url))
            .1
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.pg_admin
            && let Ok(mut conn) = PgConnection::establish(admin)
        {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// Counts the SQL statements run on a pool's connections, so a test can pin the number of queries a request costs
/// (a list endpoint must cost the same at page size 1 and 100: no N+1).
///
/// ```ignore
/// let counter = QueryCounter::install(&app.state.pool);
/// call_the_endpoint().await;
/// assert_eq!(counter.take(), expected);
/// ```
///
/// Every statement counts, including the pool's `SELECT 1` check at each checkout (a [`TestDb`] pool tests every
/// checkout) and transaction statements: what matters is that the number does not grow with the data.
#[derive(Debug, Clone, Default)]
pub struct QueryCounter {
    statements: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl QueryCounter {
    /// Instruments every connection `pool` hands out. It checks out the pool's full size at once (so that the pool
    /// opens all its connections), sets the counter on each and returns them; the pool keeps them open, so later
    /// checkouts reuse instrumented connections.
    ///
    /// # Panics
    /// When the pool cannot open its connections.
    pub fn install(pool: &DbPool) -> QueryCounter {
        let counter = QueryCounter::default();
        let mut held = Vec::new();
        for _ in 0..pool.max_size() {
            let mut conn = pool.get().unwrap_or_else(|e| panic!("pool: {e}"));
            let statements = counter.statements.clone();
            conn.set_instrumentation(move |event: diesel::connection::InstrumentationEvent<'_>| {
                if let diesel::connection::InstrumentationEvent::StartQuery { query, .. } = event
                    && let Ok(mut log) = statements.lock()
                {
                    log.push(query.to_string());
                }
            });
            held.push(conn);
        }
        drop(held);
        counter.reset();
        counter
    }

    /// How many statements ran since the counter was installed or last reset.
    pub fn count(&self) -> usize {
        self.statements.lock().map(|log| log.len()).unwrap_or(0)
    }

    /// The statements that ran, oldest first, for a failure message.
    pub fn statements(&self) -> Vec<String> {
        self.statements.lock().map(|log| log.clone()).unwrap_or_default()
    }

    /// Starts counting from zero.
    pub fn reset(&self) {
        if let Ok(mut log) = self.statements.lock() {
            log.clear();
        }
    }

    /// The count since the last reset, then resets.
    pub fn take(&self) -> usize {
        let n = self.count();
        self.reset();
        n
    }
}

/// Runs a test body once per backend: `backend_tests!(name => |backend| { … };)` defines `name::sqlite` and
/// `name::postgres`. The PostgreSQL variant runs when the crate was built with `JHE_TEST_POSTGRES_URL` set (its
/// build script sets `cfg(jhe_postgres_tests)`; a crate using this macro needs the same build script) and is
/// listed as ignored, with the reason, otherwise.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident => $body:expr;)+) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[test]
            fn sqlite() {
                ($body)($crate::Backend::Sqlite);
            }

            #[test]
            #[cfg_attr(not(jhe_postgres_tests), ignore = "PostgreSQL: set JHE_TEST_POSTGRES_URL to run")]
            fn postgres() {
                ($body)($crate::Backend::Postgres);
            }
        }
    )+};
}
