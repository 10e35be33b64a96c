//! `backup` and `restore` for SQLite.
//!
//! A backup is made with `VACUUM INTO`, SQLite's own way to write a live database to a new file. It reads inside
//! one read transaction, so the copy is a consistent snapshot holding every transaction committed before it began,
//! and in WAL mode writers go on meanwhile. It needs no extra crate and no unsafe code (the raw handle diesel
//! would need for the C backup API is only reachable through `unsafe`, which the workspace forbids), and the copy
//! is one compact, self-contained file with no `-wal` beside it.
//!
//! These are operations on the database file rather than repository functions, so their few SQL statements live
//! here, in the binary, and not in `jhe-store`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use diesel::connection::SimpleConnection;
use diesel::sql_types::Text;
use diesel::{Connection, RunQueryDsl, SqliteConnection};
use jhe_store::DatabaseTarget;

#[derive(diesel::QueryableByName)]
struct TextRow {
    #[diesel(sql_type = Text)]
    value: String,
}

/// The SQLite file a database URL names, or an error that says what to do for PostgreSQL.
pub fn sqlite_path(database_url: &str, command: &str) -> anyhow::Result<PathBuf> {
    match DatabaseTarget::parse(database_url)? {
        DatabaseTarget::Sqlite(path) => Ok(path),
        DatabaseTarget::Postgres(_) => bail!(
            "`jhe-server {command}` is for SQLite; for PostgreSQL use pg_dump and pg_restore (docs/operations.md)"
        ),
    }
}

/// A path as an SQLite URI that opens the file read-only and never creates it.
fn read_only_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => uri.push_str("%25"),
            '?' => uri.push_str("%3f"),
            '#' => uri.push_str("%23"),
            c => uri.push(c),
        }
    }
    uri.push_str("?mode=ro");
    uri
}

fn open_read_only(path: &Path) -> anyhow::Result<SqliteConnection> {
    if !path.is_file() {
        bail!("{} does not exist", path.display());
    }
    let mut conn = SqliteConnection::establish(&read_only_uri(path))
        .with_context(|| format!("cannot open {}", path.display()))?;
    conn.batch_execute("PRAGMA busy_timeout = 10000;")?;
    Ok(conn)
}

/// `PRAGMA integrity_check` on a file; `Ok(())` only when SQLite answers `ok`.
pub fn integrity_check(path: &Path) -> anyhow::Result<()> {
    let mut conn = open_read_only(path)?;
    let rows: Vec<TextRow> = diesel::sql_query("SELECT integrity_check AS value FROM pragma_integrity_check")
        .load(&mut conn)
        .with_context(|| format!("cannot check {}", path.display()))?;
    let findings: Vec<String> = rows.into_iter().map(|r| r.value).collect();
    if findings != ["ok"] {
        bail!(
            "{} fails the integrity check: {}",
            path.display(),
            findings.join("; ")
        );
    }
    Ok(())
}

/// `path` with `suffix` appended to its file name.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// Writes a consistent copy of the live database at `source` into `partial`, flushed to disk.
fn vacuum_into(conn: &mut SqliteConnection, partial: &Path) -> anyhow::Result<()> {
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(partial.to_string_lossy().into_owned())
        .execute(conn)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    // VACUUM INTO does not sync its output; a backup that a power cut can lose is no backup.
    std::fs::File::open(partial)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot flush {}", partial.display()))?;
    Ok(())
}

/// What a backup wrote.
#[derive(Debug)]
pub struct BackupReport {
    pub file: PathBuf,
    pub bytes: u64,
}

/// Copies the live database at `database_url` to `dest`, which must not exist. The copy is written beside `dest`
/// first and renamed only once it is complete and passes the integrity check, so a file at `dest` is always a whole
/// backup.
pub fn backup(database_url: &str, dest: &Path) -> anyhow::Result<BackupReport> {
    let source = sqlite_path(database_url, "backup")?;
    if dest.exists() {
        bail!("{} exists already; choose a new file name", dest.display());
    }
    let partial = sibling(dest, ".partial");
    if partial.exists() {
        bail!(
            "{} exists, probably from an interrupted backup; remove it first",
            partial.display()
        );
    }
    if !source.is_file() {
        bail!("{} does not exist", source.display());
    }
    // A plain connection, as the server's are: it shares the live WAL with them and only reads.
    let mut conn = SqliteConnection::establish(&source.to_string_lossy())
        .with_context(|| format!("cannot open {}", source.display()))?;
    conn.batch_execute("PRAGMA busy_timeout = 10000;")?;
    let result = vacuum_into(&mut conn, &partial).and_then(|()| integrity_check(&partial));
    drop(conn);
    if let Err(err) = result {
        let _ = std::fs::remove_file(&partial);
        return Err(err);
    }
    std::fs::rename(&partial, dest)
        .with_context(|| format!("cannot rename {} to {}", partial.display(), dest.display()))?;
    let bytes = std::fs::metadata(dest)?.len();
    Ok(BackupReport {
        file: dest.to_owned(),
        bytes,
    })
}

/// Fails when another process has the database open. Leaving WAL mode needs the file to itself, so SQLite refuses
/// it (at once, with no busy wait) while a server holds connections. As a side effect the WAL is checkpointed into
/// the file and removed, which is harmless: the file is about to be replaced.
fn ensure_not_in_use(path: &Path) -> anyhow::Result<()> {
    let mut conn = SqliteConnection::establish(&path.to_string_lossy())
        .with_context(|| format!("cannot open {}", path.display()))?;
    conn.batch_execute("PRAGMA busy_timeout = 0;")?;
    let mode = diesel::sql_query("PRAGMA journal_mode = DELETE")
        .load::<JournalMode>(&mut conn)
        .ok()
        .and_then(|rows| rows.into_iter().next())
        .map(|row| row.journal_mode);
    if mode.as_deref() != Some("delete") {
        bail!(
            "{} is in use by another process (is the server running?); stop it first",
            path.display()
        );
    }
    Ok(())
}

#[derive(diesel::QueryableByName)]
struct JournalMode {
    #[diesel(sql_type = Text)]
    journal_mode: String,
}

/// Replaces the database at `database_url` with the backup at `source`, after checking the backup. An existing
/// database is replaced only with `force`, and never while another process has it open.
pub fn restore(database_url: &str, source: &Path, force: bool) -> anyhow::Result<PathBuf> {
    let target = sqlite_path(database_url, "restore")?;
    integrity_check(source).context("the backup cannot be restored")?;
    {
        let mut conn = open_read_only(source)?;
        let rows: Vec<TextRow> = diesel::sql_query(
            "SELECT name AS value FROM sqlite_master WHERE name = '__diesel_schema_migrations'",
        )
        .load(&mut conn)?;
        if rows.is_empty() {
            bail!(
                "{} is not a jhe-server database (it has no migration table)",
                source.display()
            );
        }
    }
    if target.exists() {
        if !force {
            bail!(
                "{} exists; pass --force to replace it with the backup",
                target.display()
            );
        }
        ensure_not_in_use(&target)?;
    }
    let staged = sibling(&target, ".restoring");
    if staged.exists() {
        std::fs::remove_file(&staged).with_context(|| format!("cannot remove {}", staged.display()))?;
    }
    // Copied through SQLite rather than as bytes, so a backup taken by other tools with a -wal beside it is read
    // whole.
    let mut conn = open_read_only(source)?;
    let copied = vacuum_into(&mut conn, &staged).and_then(|()| integrity_check(&staged));
    drop(conn);
    if let Err(err) = copied {
        let _ = std::fs::remove_file(&staged);
        return Err(err);
    }
    // A WAL left beside the old file would be replayed into the new one.
    for stale in [sibling(&target, "-wal"), sibling(&target, "-shm")] {
        if stale.exists() {
            std::fs::remove_file(&stale).with_context(|| format!("cannot remove {}", stale.display()))?;
        }
    }
    std::fs::rename(&staged, &target)
        .with_context(|| format!("cannot move {} to {}", staged.display(), target.display()))?;
    integrity_check(&target)?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_escape_what_sqlite_would_read_as_uri_syntax() {
        assert_eq!(
            read_only_uri(Path::new("/a b/c?d#e%f")),
            "file:/a b/c%3fd%23e%25f?mode=ro"
        );
    }

    #[test]
    fn postgres_urls_point_to_pg_dump() {
        let err = sqlite_path("postgres://h/db", "backup").unwrap_err().to_string();
        assert!(err.contains("pg_dump"), "{err}");
    }
}
