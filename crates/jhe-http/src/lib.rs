//! The HTTP surface of the exchange on actix-web. One module per API (`oauth`, `accounts`, `admin`, and `health`)
//! holding its routes and handlers; shared state, the bearer-token extractor and error mapping at the crate root.
//!
//! Handlers stay short: extract, validate, call one function of a lower crate inside `web::block` (with the pool
//! checkout inside the closure), map the result. This crate must never be depended on by the lower crates; only the
//! server binary uses it.

pub mod accounts;
pub mod admin;
pub mod auth;
pub mod config;
pub mod cors;
pub mod error;
pub mod fhir;
pub mod health;
pub mod keys;
pub mod metrics;
pub mod oauth;
pub mod observability;
pub mod openapi;
pub mod ui;

use std::sync::Arc;

use actix_web::web;
use jhe_store::{DbConnection, DbPool};

pub use config::HttpConfig;
pub use error::{ApiError, ApiStyle, StyledError};

/// The server's version as clients see it.
pub const VERSION: &str = concat!("v", env!("CARGO_PKG_VERSION"));

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub config: Arc<HttpConfig>,
    pub keys: Arc<keys::KeyRing>,
    /// The vocabulary of data types, read once and kept (codes are never changed once stored).
    pub scope_codes: Arc<jhe_store::fhir_search::ScopeCodeCache>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State over a pool, with signing keys taken from the configuration or the database.
    pub fn new(pool: DbPool, config: HttpConfig) -> Result<Self, keys::KeyConfigError> {
        let keys = Arc::new(keys::KeyRing::from_config(&config)?);
        Ok(AppState {
            pool,
            config: Arc::new(config),
            keys,
            scope_codes: Arc::default(),
        })
    }

    /// Runs blocking database work off the async workers, with the pool checkout inside the closure.
    pub async fn db<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<jhe_store::StoreError> + From<actix_web::error::BlockingError> + Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get().map_err(jhe_store::StoreError::from)?;
            let result = f(&mut conn);
            if result.is_err() {
                // Perhaps a refusal, perhaps a broken connection: its next checkout tests it.
                conn.doubt();
            }
            result
        })
        .await?
    }
}

/// Registers every route of the exchange.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // actix tries routes in this order, running a pattern match for each dynamic one, so the busiest API (FHIR
    // searches and uploads) comes early. It must come after `oauth`: its catch-all routes for unknown resource
    // types would otherwise shadow the FHIR-base discovery route. Nothing else lives under the FHIR bases.
    health::configure(cfg);
    oauth::configure(cfg);
    fhir::configure(cfg);
    accounts::configure(cfg);
    admin::configure(cfg);
    ui::configure(cfg);
}

/// The whole application: every route, with the CORS rules applied, inside the request observer (request ids, the
/// access log, request metrics). The binary serves this; tests call it too.
pub fn app(
    state: AppState,
) -> actix_web::App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    use actix_web::dev::Service;
    use actix_web::{HttpResponse, http::Method};
    use futures_util::future::{FutureExt, LocalBoxFuture};

    actix_web::App::new()
        .app_data(web::Data::new(state))
        .app_data(web::FormConfig::default().limit(64 * 1024))
        // FHIR Bundles of a few thousand data points run to megabytes.
        .app_data(web::PayloadConfig::new(32 * 1024 * 1024))
        .configure(configure)
        .wrap_fn(|req, srv| -> LocalBoxFuture<'static, _> {
            let cors = cors::is_cors_path(req.path());
            if cors && req.method() == Method::OPTIONS {
                let mut preflight = HttpResponse::NoContent();
                for h in cors::cors_headers() {
                    preflight.insert_header(h);
                }
                let mut response = req.into_response(preflight.finish());
                ui::add_security_headers(response.headers_mut());
                let response = response.map_into_right_body();
                return async move { Ok(response) }.boxed_local();
            }
            let call = srv.call(req);
            async move {
                let mut response = call.await?;
                ui::add_security_headers(response.headers_mut());
                if cors {
                    for (name, value) in cors::cors_headers() {
                        response.headers_mut().insert(name, value);
                    }
                }
                Ok(response.map_into_left_body())
            }
            .boxed_local()
        })
        // Outermost, so that it also sees CORS preflights and times everything inside.
        .wrap(observability::RequestObserver)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use jhe_store::testing::{QueryCounter, TestDb};

    use super::*;
    use crate::error::ApiError;

    #[actix_web::test]
    async fn a_failed_database_call_has_its_connection_tested_at_the_next_checkout() {
        let (db, _) = TestDb::migrated(jhe_store::Backend::Sqlite);
        let options = jhe_store::PoolOptions {
            max_size: 1,
            trust_recent: Duration::from_secs(60),
            ..jhe_store::PoolOptions::default()
        };
        let (_, pool) = jhe_store::open_pool(&db.url, &options).unwrap();
        let counter = QueryCounter::install(&pool);
        let mut config = HttpConfig::new("http://localhost:8000");
        config.signing_key_pem = None;
        let state = AppState::new(pool, config).unwrap();
        let checks = || {
            let n = counter
                .statements()
                .iter()
                .filter(|s| s.as_str() == "SELECT 1")
                .count();
            counter.reset();
            n
        };
        checks();

        state.db(|_| Ok::<_, ApiError>(())).await.unwrap();
        assert_eq!(checks(), 0, "a connection back from a good use is trusted");
        let refused = state
            .db(|_| Err::<(), _>(ApiError::NotFound("no such thing".into())))
            .await;
        assert!(refused.is_err());
        assert_eq!(checks(), 0);
        state.db(|_| Ok::<_, ApiError>(())).await.unwrap();
        assert_eq!(checks(), 1, "after a failed call, the connection is tested");
    }
}
