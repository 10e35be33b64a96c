//! Invariants of the two migration folders: same names, same tables, columns and indexes, every foreign key
//! indexed, and a clean down/up cycle.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failed assertion

use std::collections::BTreeSet;
use std::path::Path;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use jhe_store::testing::TestDb;
use jhe_store::{Backend, DbConnection, backend_tests, revert_all_migrations, run_migrations};

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Pair {
    #[diesel(sql_type = Text)]
    a: String,
    #[diesel(sql_type = Text)]
    b: String,
}

#[derive(QueryableByName)]
struct IndexColumn {
    #[diesel(sql_type = Text)]
    index_name: String,
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = BigInt)]
    position: i64,
}

/// Tables, columns and secondary indexes (name, table, ordered columns) as the database reports them.
#[derive(Debug, PartialEq, Eq)]
struct Schema {
    tables: BTreeSet<String>,
    columns: BTreeSet<(String, String)>,
    indexes: BTreeSet<(String, String, Vec<String>)>,
}

fn introspect(conn: &mut DbConnection) -> Schema {
    let (tables_sql, columns_sql, index_sql) = match conn.backend() {
        Backend::Sqlite => (
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name <> '__diesel_schema_migrations'",
            "SELECT m.name AS a, p.name AS b FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations'",
            "SELECT m.name AS index_name, m.tbl_name AS table_name, i.name AS column_name, \
             CAST(i.seqno AS BIGINT) AS position FROM sqlite_master m, pragma_index_info(m.name) i \
             WHERE m.type = 'index' AND m.name NOT LIKE 'sqlite_autoindex%'",
        ),
        Backend::Postgres => (
            "SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = 'public' \
             AND table_name <> '__diesel_schema_migrations'",
            "SELECT table_name::text AS a, column_name::text AS b FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'",
            "SELECT ic.relname::text AS index_name, t.relname::text AS table_name, a.attname::text AS column_name, \
             CAST(k.ord - 1 AS BIGINT) AS position \
             FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord) \
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
             WHERE n.nspname = 'public' AND NOT x.indisprimary AND t.relname <> '__diesel_schema_migrations'",
        ),
    };
    let tables = diesel::sql_query(tables_sql)
        .load::<Name>(conn)
        .unwrap()
        .into_iter()
        .map(|n| n.name)
        .collect();
    let columns = diesel::sql_query(columns_sql)
        .load::<Pair>(conn)
        .unwrap()
        .into_iter()
        .map(|p| (p.a, p.b))
        .collect();
    let mut rows = diesel::sql_query(index_sql).load::<IndexColumn>(conn).unwrap();
    rows.sort_by(|x, y| (&x.index_name, x.position).cmp(&(&y.index_name, y.position)));
    let mut indexes = BTreeSet::new();
    let mut current: Option<(String, String, Vec<String>)> = None;
    for row in rows {
        match &mut current {
            Some((name, _, cols)) if *name == row.index_name => cols.push(row.column_name),
            _ => {
                if let Some(done) = current.take() {
                    indexes.insert(done);
                }
                current = Some((row.index_name, row.table_name, vec![row.column_name]));
            }
        }
    }
    if let Some(done) = current {
        indexes.insert(done);
    }
    Schema {
        tables,
        columns,
        indexes,
    }
}

fn foreign_keys(conn: &mut DbConnection) -> Vec<(String, String)> {
    let sql = match conn.backend() {
        Backend::Sqlite => {
            "SELECT m.name AS a, f.\"from\" AS b FROM sqlite_master m, pragma_foreign_key_list(m.name) f \
             WHERE m.type = 'table'"
        }
        Backend::Postgres => {
            "SELECT kcu.table_name::text AS a, kcu.column_name::text AS b \
             FROM information_schema.table_constraints tc JOIN information_schema.key_column_usage kcu \
             ON tc.constraint_name = kcu.constraint_name AND tc.table_schema = kcu.table_schema \
             WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = 'public'"
        }
    };
    diesel::sql_query(sql)
        .load::<Pair>(conn)
        .unwrap()
        .into_iter()
        .map(|p| (p.a, p.b))
        .collect()
}

fn migration_names(backend: &str) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../migrations")
        .join(backend);
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.'))
        .collect()
}

#[test]
fn both_migration_folders_hold_the_same_migration_names() {
    let sqlite = migration_names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, migration_names("postgres"));
    for name in &sqlite {
        for backend in ["sqlite", "postgres"] {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../migrations")
                .join(backend)
                .join(name);
            assert!(
                dir.join("up.sql").is_file() && dir.join("down.sql").is_file(),
                "{backend}/{name}"
            );
        }
    }
}

#[test]
#[cfg_attr(
    not(jhe_postgres_tests),
    ignore = "PostgreSQL: set JHE_TEST_POSTGRES_URL to run"
)]
fn sqlite_and_postgres_create_the_same_tables_columns_and_indexes() {
    let (_sqlite_db, sqlite_pool) = TestDb::migrated(Backend::Sqlite);
    let (_pg_db, pg_pool) = TestDb::migrated(Backend::Postgres);
    let sqlite = introspect(&mut sqlite_pool.get().unwrap());
    let postgres = introspect(&mut pg_pool.get().unwrap());
    assert_eq!(sqlite.tables, postgres.tables);
    assert_eq!(sqlite.columns, postgres.columns);
    assert_eq!(sqlite.indexes, postgres.indexes);
    assert!(sqlite.tables.len() >= 27, "{:?}", sqlite.tables);
}

backend_tests! {
    every_foreign_key_leads_an_index => |backend| {
        let (_db, pool) = TestDb::migrated(backend);
        let mut conn = pool.get().unwrap();
        let schema = introspect(&mut conn);
        let fks = foreign_keys(&mut conn);
        assert!(fks.len() > 20, "{fks:?}");
        for (table, column) in fks {
            // An index whose first column is the key, or the table's primary key when it starts with it.
            let indexed = schema.indexes.iter().any(|(_, t, cols)| *t == table && cols[0] == column)
                || matches!((table.as_str(), column.as_str()),
                    ("patient_clients" | "practitioner_clients", "client_id")
                    | ("audit_event_patients", "audit_event_id"));
            assert!(indexed, "foreign key {table}.{column} has no index");
        }
    };

    migrations_run_down_and_up_again_cleanly => |backend| {
        let (_db, pool) = TestDb::migrated(backend);
        let mut conn = pool.get().unwrap();
        let before = introspect(&mut conn);
        assert!(!before.tables.is_empty());
        let reverted = revert_all_migrations(&mut conn).unwrap();
        assert!(!reverted.is_empty());
        assert!(introspect(&mut conn).tables.is_empty(), "down migrations left tables behind");
        let applied = run_migrations(&mut conn).unwrap();
        assert_eq!(applied.len(), reverted.len());
        assert_eq!(introspect(&mut conn), before);
        assert!(!jhe_store::has_pending_migrations(&mut conn).unwrap());
    };

    hot_path_indexes_exist => |backend| {
        let (_db, pool) = TestDb::migrated(backend);
        let schema = introspect(&mut pool.get().unwrap());
        let has = |table: &str, cols: &[&str]| {
            schema.indexes.iter().any(|(_, t, c)| t == table && c.iter().map(String::as_str).eq(cols.iter().copied()))
        };
        assert!(has("observations", &["subject_patient_id", "codeable_concept_id", "effective_start", "id"]));
        assert!(has("observations", &["last_updated", "id"]));
        assert!(has("observation_identifiers", &["system", "value"]));
        assert!(has("patient_identifiers", &["system", "value"]));
    };
}
