//! Embedded migrations, one folder per backend with identical names.

use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::connection::DbConnection;
use crate::error::{StoreError, StoreResult};

const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

fn migration_error(err: impl std::fmt::Display) -> StoreError {
    StoreError::Migration(err.to_string())
}

/// Applies every pending migration and returns the versions applied.
pub fn run_migrations(conn: &mut DbConnection) -> StoreResult<Vec<String>> {
    let applied = match conn {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE).map_err(migration_error)?,
        DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES).map_err(migration_error)?,
    };
    Ok(applied.into_iter().map(|v| v.to_string()).collect())
}

/// Reverts every applied migration, newest first.
pub fn revert_all_migrations(conn: &mut DbConnection) -> StoreResult<Vec<String>> {
    let reverted = match conn {
        DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE).map_err(migration_error)?,
        DbConnection::Postgres(c) => c.revert_all_migrations(POSTGRES).map_err(migration_error)?,
    };
    Ok(reverted.into_iter().map(|v| v.to_string()).collect())
}

/// Whether migrations remain to be applied.
pub fn has_pending_migrations(conn: &mut DbConnection) -> StoreResult<bool> {
    match conn {
        DbConnection::Sqlite(c) => c.has_pending_migration(SQLITE).map_err(migration_error),
        DbConnection::Postgres(c) => c.has_pending_migration(POSTGRES).map_err(migration_error),
    }
}

/// The versions already applied, oldest first.
pub fn applied_migrations(conn: &mut DbConnection) -> StoreResult<Vec<String>> {
    let mut versions = match conn {
        DbConnection::Sqlite(c) => c.applied_migrations().map_err(migration_error)?,
        DbConnection::Postgres(c) => c.applied_migrations().map_err(migration_error)?,
    };
    versions.sort();
    Ok(versions.into_iter().map(|v| v.to_string()).collect())
}
