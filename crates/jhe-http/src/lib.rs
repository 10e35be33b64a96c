//! The HTTP surface of the exchange on actix-web. One module per API (health now; admin, fhir, oauth and ui as
//! they arrive) holding its routes and handlers; shared state, extractors and error mapping at the crate root.
//!
//! Handlers stay short: extract, validate, call one function of a lower crate inside `web::block`, map the result.
//! This crate must never be depended on by the lower crates; only the server binary uses it.

pub mod health;

use actix_web::web;
use jhe_store::DbPool;

/// The server's version as clients see it.
pub const VERSION: &str = concat!("v", env!("CARGO_PKG_VERSION"));

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

/// Registers every route of the exchange.
pub fn configure(cfg: &mut web::ServiceConfig) {
    health::configure(cfg);
}
