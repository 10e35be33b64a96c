//! One connection type for both backends, chosen from the database URL's scheme, and the r2d2 pool around it.

use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};

use crate::error::{StoreError, StoreResult};

/// A connection to either backend. Queries written against this type run on both; backend-specific SQL matches on
/// the variant.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

impl fmt::Debug for DbConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DbConnection::Postgres(_) => "DbConnection::Postgres",
            DbConnection::Sqlite(_) => "DbConnection::Sqlite",
        })
    }
}

impl DbConnection {
    /// Which backend this connection talks to.
    pub fn backend(&self) -> Backend {
        match self {
            DbConnection::Postgres(_) => Backend::Postgres,
            DbConnection::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// The query backend of [`DbConnection`], for boxed queries and expressions that run on both databases.
pub type DbBackend = <DbConnection as diesel::Connection>::Backend;

/// The two supported database backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        })
    }
}

/// Where the data lives, parsed from a database URL.
///
/// * `postgres://…` or `postgresql://…`: PostgreSQL.
/// * `sqlite://<path>` (`sqlite:///abs/path` for an absolute path) or a plain file path: SQLite.
/// * Any other `scheme://` is refused, so a mistyped PostgreSQL URL never silently becomes a SQLite file.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    Postgres(String),
    Sqlite(PathBuf),
}

impl fmt::Debug for DatabaseTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The URL may carry a password.
            DatabaseTarget::Postgres(url) => write!(f, "Postgres({})", redact_url(url)),
            DatabaseTarget::Sqlite(path) => write!(f, "Sqlite({})", path.display()),
        }
    }
}

impl DatabaseTarget {
    /// Parses a database URL; see the type's documentation for what is accepted.
    pub fn parse(url: &str) -> StoreResult<Self> {
        let url = url.trim();
        if url.is_empty() {
            return Err(StoreError::InvalidDatabaseUrl("the database URL is empty".into()));
        }
        match url.split_once("://") {
            Some((scheme, rest)) => match scheme.to_ascii_lowercase().as_str() {
                "postgres" | "postgresql" => Ok(DatabaseTarget::Postgres(url.to_owned())),
                "sqlite" => {
                    if rest.is_empty() {
                        return Err(StoreError::InvalidDatabaseUrl(
                            "sqlite:// needs a file path, for example sqlite://jhe.sqlite3".into(),
                        ));
                    }
                    Ok(DatabaseTarget::Sqlite(PathBuf::from(rest)))
                }
                other => Err(StoreError::InvalidDatabaseUrl(format!(
                    "unsupported database URL scheme \"{other}://\"; use postgres://…, postgresql://…, \
                     sqlite://<path> or a plain file path"
                ))),
            },
            None if url == ":memory:" || url.starts_with("file:") => Err(StoreError::InvalidDatabaseUrl(
                "in-memory and file: URIs are not supported; every pooled connection would see a different \
                 database. Use a file path."
                    .into(),
            )),
            None => Ok(DatabaseTarget::Sqlite(PathBuf::from(url))),
        }
    }

    /// The backend this target uses.
    pub fn backend(&self) -> Backend {
        match self {
            DatabaseTarget::Postgres(_) => Backend::Postgres,
            DatabaseTarget::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// A form safe to print in logs: any password is replaced.
    pub fn redacted(&self) -> String {
        format!("{self:?}")
    }

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        match self {
            DatabaseTarget::Postgres(url) => diesel::PgConnection::establish(url)
                .map(DbConnection::Postgres)
                .map_err(r2d2::Error::ConnectionError),
            DatabaseTarget::Sqlite(path) => {
                let path = path.to_string_lossy();
                let mut conn =
                    diesel::SqliteConnection::establish(&path).map_err(r2d2::Error::ConnectionError)?;
                // SQLite leaves foreign keys off and fails writers at once under contention unless told otherwise.
                // (WAL is a property of the file, switched on once in `open_pool`.)
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                )
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // Replacing the password only fails for URLs that cannot have one, which this one does.
            let _ = parsed.set_password(Some("redacted"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "<unparseable URL>".into(),
    }
}

/// A connection as the pool keeps it: the connection, and when it last went back to the pool after a use that
/// ended well. It dereferences to [`DbConnection`], so a checked-out connection is used as one.
pub struct PoolEntry {
    conn: DbConnection,
    returned_well: Option<Instant>,
    doubted: bool,
}

impl fmt::Debug for PoolEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolEntry")
            .field("returned_well", &self.returned_well)
            .field("doubted", &self.doubted)
            .finish_non_exhaustive()
    }
}

impl PoolEntry {
    /// Says the work done on this connection failed: it may be broken (a database restart, a dropped socket), so
    /// its next checkout tests it with a query whenever it comes back.
    pub fn doubt(&mut self) {
        self.doubted = true;
    }
}

impl std::ops::Deref for PoolEntry {
    type Target = DbConnection;

    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for PoolEntry {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

/// Opens connections for the pool, always to the backend the URL named, and tests them at checkout.
#[derive(Debug)]
pub struct ConnectionManager {
    target: DatabaseTarget,
    trust_recent: Duration,
}

impl ManageConnection for ConnectionManager {
    type Connection = PoolEntry;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<PoolEntry, r2d2::Error> {
        Ok(PoolEntry {
            conn: self.target.connect()?,
            returned_well: None,
            doubted: false,
        })
    }

    /// `SELECT 1`, unless the connection came back from a use that went well within `trust_recent` (as HikariCP
    /// does): the test then costs a round trip for nothing, on every request of a busy server.
    fn is_valid(&self, entry: &mut PoolEntry) -> Result<(), r2d2::Error> {
        if entry
            .returned_well
            .is_some_and(|at| at.elapsed() < self.trust_recent)
        {
            return Ok(());
        }
        select_one(&mut entry.conn).map_err(r2d2::Error::QueryError)
    }

    /// Called as a connection goes back to the pool: a panic drops it; otherwise it is kept, and trusted for a
    /// moment unless its user doubted it.
    fn has_broken(&self, entry: &mut PoolEntry) -> bool {
        if std::thread::panicking() {
            return true;
        }
        entry.returned_well = (!std::mem::take(&mut entry.doubted)).then(Instant::now);
        false
    }
}

/// Whether the database answers on this connection: one round trip. The pool may hand out a recently used
/// connection without testing it (see [`PoolOptions::trust_recent`]); a readiness check must not trust it.
pub fn ping(conn: &mut DbConnection) -> StoreResult<()> {
    select_one(conn).map_err(StoreError::from)
}

/// The liveness query of the checkout test and of [`ping`].
fn select_one(conn: &mut DbConnection) -> QueryResult<()> {
    conn.batch_execute("SELECT 1")
}

/// The connection pool shared by request handlers.
pub type DbPool = r2d2::Pool<ConnectionManager>;
/// A connection checked out of [`DbPool`].
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

/// Pool sizing and checkout testing.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub max_size: u32,
    pub connection_timeout: Duration,
    /// A connection that went back to the pool after a use that ended well this recently is handed out again
    /// without a `SELECT 1`. Zero tests every checkout.
    pub trust_recent: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_size: 10,
            connection_timeout: Duration::from_secs(10),
            trust_recent: Duration::from_millis(500),
        }
    }
}

/// Parses `url`, opens a pool on the backend it names and checks that a connection can be made.
pub fn open_pool(url: &str, options: &PoolOptions) -> StoreResult<(DatabaseTarget, DbPool)> {
    let target = DatabaseTarget::parse(url)?;
    if let DatabaseTarget::Sqlite(_) = &target {
        // Switching to WAL needs the file to itself, so do it once here rather than racing in every new
        // pooled connection. The setting persists in the file.
        let mut conn = target
            .connect()
            .map_err(|e| StoreError::Unavailable(format!("cannot open {}: {e}", target.redacted())))?;
        conn.batch_execute("PRAGMA journal_mode = WAL;").map_err(|e| {
            StoreError::Unavailable(format!("cannot switch {} to WAL: {e}", target.redacted()))
        })?;
    }
    let manager = ConnectionManager {
        target: target.clone(),
        trust_recent: options.trust_recent,
    };
    let pool = r2d2::Pool::builder()
        .max_size(options.max_size)
        .connection_timeout(options.connection_timeout)
        .build(manager)
        .map_err(|e| StoreError::Unavailable(format!("cannot open {}: {e}", target.redacted())))?;
    Ok((target, pool))
}

/// Runs `f` in a database transaction: committed when it returns `Ok`, rolled back when it returns `Err`. Lets
/// callers above the store (which do not depend on diesel) compose repository functions atomically.
///
/// The transaction is expected to write. On SQLite it takes the write lock at its start and waits its turn behind
/// this process's other writers (see [`write_transaction`]); inside another transaction it is a savepoint.
pub fn in_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<StoreError>,
{
    enum Failure<E> {
        Caller(E),
        Database(diesel::result::Error),
    }
    impl<E> From<diesel::result::Error> for Failure<E> {
        fn from(err: diesel::result::Error) -> Self {
            Failure::Database(err)
        }
    }
    write_transaction::<T, Failure<E>, _>(conn, |conn| f(conn).map_err(Failure::Caller)).map_err(|failure| {
        match failure {
            Failure::Caller(e) => e,
            Failure::Database(e) => E::from(StoreError::from(e)),
        }
    })
}

/// SQLite admits one writer at a time to a database file. A transaction that has read and then asks to write while
/// another holds the lock is refused at once ("database is locked"; waiting could not help it, since its snapshot
/// is already stale), and one that is turned away at its first write waits in SQLite's busy handler, which sleeps
/// 1, 2, 5, 10, 15… ms between tries however soon the lock is free. So this process's SQLite writers queue here
/// instead, and each takes the write lock as it begins (`BEGIN IMMEDIATE`): a writer waits only as long as the
/// writers ahead of it take, and a transaction never fails because another wrote first. Writers in other processes
/// (a command-line tool run beside the server) still meet the busy timeout.
///
/// One gate for the whole process, not one per database file: a server has one database, and the test suites, which
/// open many, only queue their short writes behind each other.
static SQLITE_WRITERS: std::sync::Mutex<()> = std::sync::Mutex::new(());

std::thread_local! {
    /// Whether this thread is inside the gate, so that a writer on a second connection (another database, in tests)
    /// does not wait for itself.
    static HOLDS_SQLITE_GATE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Leaves the gate when dropped, also when the transaction's work panics.
struct SqliteTurn {
    _guard: std::sync::MutexGuard<'static, ()>,
}

impl SqliteTurn {
    /// Waits for this thread's turn to write; `None` when it already has it.
    fn take() -> Option<SqliteTurn> {
        if HOLDS_SQLITE_GATE.with(std::cell::Cell::get) {
            return None;
        }
        // A writer that panicked inside left nothing behind to protect: its transaction was rolled back with its
        // connection.
        let guard = SQLITE_WRITERS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        HOLDS_SQLITE_GATE.with(|held| held.set(true));
        Some(SqliteTurn { _guard: guard })
    }
}

impl Drop for SqliteTurn {
    fn drop(&mut self) {
        HOLDS_SQLITE_GATE.with(|held| held.set(false));
    }
}

/// Runs `f` in a transaction that writes: on PostgreSQL, or inside another transaction (a savepoint), as
/// [`Connection::transaction`] does; as the outermost transaction on SQLite, after this process's writers ahead of
/// it ([`SQLITE_WRITERS`]) and holding the write lock from its first statement.
pub(crate) fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    type Manager = <DbConnection as Connection>::TransactionManager;

    let DbConnection::Sqlite(lite) = conn else {
        return conn.transaction(f);
    };
    if AnsiTransactionManager::transaction_manager_status_mut(lite)
        .transaction_depth()?
        .is_some()
    {
        return conn.transaction(f);
    }
    let _turn = SqliteTurn::take();
    AnsiTransactionManager::begin_transaction_sql(lite, "BEGIN IMMEDIATE")?;
    // As `Connection::transaction`: a failed commit is reported (diesel has rolled back), and a failed rollback
    // outranks the caller's error unless the connection is already known to be broken.
    match f(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => match Manager::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(e),
            Err(rollback) => Err(rollback.into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_their_backend_by_scheme() {
        assert_eq!(
            DatabaseTarget::parse("postgres://u@h/db").unwrap(),
            DatabaseTarget::Postgres("postgres://u@h/db".into())
        );
        assert_eq!(
            DatabaseTarget::parse("postgresql://h/db").unwrap().backend(),
            Backend::Postgres
        );
        assert_eq!(
            DatabaseTarget::parse("sqlite://jhe.sqlite3").unwrap(),
            DatabaseTarget::Sqlite("jhe.sqlite3".into())
        );
        assert_eq!(
            DatabaseTarget::parse("sqlite:///var/lib/jhe.db").unwrap(),
            DatabaseTarget::Sqlite("/var/lib/jhe.db".into())
        );
        assert_eq!(
            DatabaseTarget::parse("data/jhe.sqlite3").unwrap(),
            DatabaseTarget::Sqlite("data/jhe.sqlite3".into())
        );
    }

    #[test]
    fn unknown_schemes_are_refused_with_a_message() {
        for url in [
            "foo://x",
            "postgress://h/db",
            "mysql://h/db",
            "",
            ":memory:",
            "sqlite://",
        ] {
            let err = DatabaseTarget::parse(url).unwrap_err();
            assert!(matches!(err, StoreError::InvalidDatabaseUrl(_)), "{url}: {err}");
        }
        let err = DatabaseTarget::parse("foo://x").unwrap_err();
        assert!(
            err.to_string()
                .contains("unsupported database URL scheme \"foo://\""),
            "{err}"
        );
    }

    #[test]
    fn sqlite_connections_enforce_foreign_keys_and_use_wal() {
        #[derive(diesel::QueryableByName)]
        struct Value {
            #[diesel(sql_type = diesel::sql_types::Text)]
            value: String,
        }
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("p.sqlite3").display());
        let (_, pool) = open_pool(&url, &PoolOptions::default()).unwrap();
        let conn = &mut pool.get().unwrap();
        let read = |conn: &mut DbConnection, sql: &str| {
            diesel::sql_query(sql).get_result::<Value>(conn).unwrap().value
        };
        assert_eq!(
            read(
                conn,
                "SELECT CAST(foreign_keys AS TEXT) AS value FROM pragma_foreign_keys"
            ),
            "1"
        );
        assert_eq!(
            read(conn, "SELECT journal_mode AS value FROM pragma_journal_mode"),
            "wal"
        );
        assert_eq!(
            read(
                conn,
                "SELECT CAST(timeout AS TEXT) AS value FROM pragma_busy_timeout"
            ),
            "10000"
        );
    }

    #[test]
    fn passwords_never_reach_debug_output() {
        let target = DatabaseTarget::parse("postgres://jhe:s3cret@db.example/jhe").unwrap();
        let shown = format!("{target:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("jhe:redacted@db.example"), "{shown}");
    }
}
