//! Storage for the exchange: the diesel schema, one connection type over SQLite and PostgreSQL, the pool, the
//! embedded migrations, and repository functions that take `&mut DbConnection` and return domain types.
//!
//! It sits above the pure crates (`jhe-domain`, `jhe-consent`, `jhe-fhir`, `jhe-oauth`) and must never depend on
//! the HTTP layer or the server binary.

mod connection;
mod error;
mod fixed_sql;
mod migrations;
mod rows;
pub mod schema;
#[cfg(feature = "test-support")]
pub mod testing;

pub mod api_clients;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod clients;
pub mod consent_records;
pub mod consents;
pub mod data_sources;
pub mod facts;
pub mod fhir_search;
pub mod invitations;
pub mod observation_listings;
pub mod observations;
pub mod organization_listings;
pub mod organizations;
pub mod patient_records;
pub mod people;
pub mod seed;
pub mod settings;
pub mod studies;
pub mod study_listings;
pub mod user_accounts;
pub mod visibility;
pub mod vocabulary;

pub use connection::{
    Backend, DatabaseTarget, DbBackend, DbConnection, DbPool, PoolEntry, PoolOptions, PooledConnection,
    in_transaction, open_pool, ping,
};
pub use error::{StoreError, StoreResult};
pub use migrations::{applied_migrations, has_pending_migrations, revert_all_migrations, run_migrations};
