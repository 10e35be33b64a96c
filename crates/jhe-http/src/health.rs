//! The operational endpoints: liveness, readiness and metrics.
//!
//! - `GET /health` answers without touching the database, so an orchestrator restarts only a process that is stuck,
//!   never every replica at once because the database blinked.
//! - `GET /health/ready` answers 200 only when the database is reachable and every migration this binary knows is
//!   applied, so a load balancer sends traffic only to replicas that can serve it.
//! - `GET /metrics` is in [`crate::metrics`].

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use serde::Serialize;

use crate::AppState;
use crate::observability::RequestId;

/// How long readiness waits for a pooled connection before it calls the database unreachable. Shorter than a
/// probe's usual timeout (Docker's and Kubernetes' default to a few seconds or more), so the probe gets a 503 with a
/// reason rather than a timeout.
pub const READY_TIMEOUT: Duration = Duration::from_secs(3);

/// The body of `GET /health`.
#[derive(Debug, Serialize)]
pub struct Health {
    /// Always `ok`: a process that can answer is alive.
    pub status: &'static str,
    /// The server's version ([`crate::VERSION`]).
    pub version: &'static str,
}

/// `GET /health`: 200 `{"status":"ok","version":"v…"}` while the process serves requests.
#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok",
        version: crate::VERSION,
    })
}

/// The body of `GET /health/ready`.
#[derive(Debug, Serialize)]
pub struct Readiness {
    /// `ready` or `unavailable`.
    pub status: &'static str,
    /// The server's version ([`crate::VERSION`]), so a rolling upgrade can be followed replica by replica.
    pub version: &'static str,
    /// Why the replica cannot serve; absent when ready. Worded for an operator, and free of connection details,
    /// since the endpoint needs no authentication (the details go to the log, under the request id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
}

/// Why a replica is not ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotReady {
    /// No connection within [`READY_TIMEOUT`].
    Unreachable(String),
    /// Connected, but migrations are pending (the schema is older than this binary).
    MigrationsPending,
    /// Connected, but the migration state could not be read.
    MigrationStateUnreadable(String),
}

impl NotReady {
    fn reason(&self) -> &'static str {
        match self {
            NotReady::Unreachable(_) => "database unreachable",
            NotReady::MigrationsPending => "database migrations pending",
            NotReady::MigrationStateUnreadable(_) => "database migration state unreadable",
        }
    }
}

/// Checks that a connection can be had within `timeout` and that no migration is pending. Blocking: call it off
/// the async workers.
pub fn check_ready(pool: &jhe_store::DbPool, timeout: Duration) -> Result<(), NotReady> {
    let mut conn = pool
        .get_timeout(timeout)
        .map_err(|e| NotReady::Unreachable(e.to_string()))?;
    // The pool hands out a connection used a moment ago without testing it: test it here.
    let outcome = match jhe_store::ping(&mut conn) {
        Err(e) => Err(NotReady::Unreachable(e.to_string())),
        Ok(()) => match jhe_store::has_pending_migrations(&mut conn) {
            Ok(false) => Ok(()),
            Ok(true) => Err(NotReady::MigrationsPending),
            Err(e) => Err(NotReady::MigrationStateUnreadable(e.to_string())),
        },
    };
    if matches!(
        outcome,
        Err(NotReady::Unreachable(_) | NotReady::MigrationStateUnreadable(_))
    ) {
        conn.doubt();
    }
    outcome
}

/// `GET /health/ready`: 200 `{"status":"ready"}` when the database is reachable and migrated, else 503
/// `{"status":"unavailable","reason":…}`.
#[get("/health/ready")]
async fn ready(state: web::Data<AppState>, id: RequestId) -> HttpResponse {
    let pool = state.pool.clone();
    let outcome = web::block(move || check_ready(&pool, READY_TIMEOUT))
        .await
        .unwrap_or_else(|e| Err(NotReady::Unreachable(e.to_string())));
    let mut response = match &outcome {
        Ok(()) => HttpResponse::Ok(),
        Err(not_ready) => {
            let detail = match not_ready {
                NotReady::Unreachable(d) | NotReady::MigrationStateUnreadable(d) => d.as_str(),
                NotReady::MigrationsPending => {
                    "run `jhe-server migrate`, or restart a replica: serve migrates at start"
                }
            };
            log::warn!(request_id = id.as_str(); "not ready: {}: {detail}", not_ready.reason());
            HttpResponse::ServiceUnavailable()
        }
    };
    response
        .insert_header(("Cache-Control", "no-store"))
        .json(Readiness {
            status: if outcome.is_ok() { "ready" } else { "unavailable" },
            version: crate::VERSION,
            reason: outcome.err().map(|e| e.reason()),
        })
}

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health)
        .service(ready)
        .service(crate::metrics::metrics_endpoint);
}

#[cfg(test)]
mod tests {
    use actix_web::{App, test};
    use jhe_store::Backend;
    use jhe_store::testing::TestDb;

    use super::*;

    #[actix_web::test]
    async fn health_answers_ok_with_the_version() {
        let app = test::init_service(App::new().configure(super::configure)).await;
        let response = test::call_service(&app, test::TestRequest::get().uri("/health").to_request()).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers().get("content-type").unwrap(),
            "application/json"
        );
        let body: serde_json::Value = test::read_body_json(response).await;
        assert_eq!(body["status"], "ok");
        assert_eq!(body["version"], crate::VERSION);
    }

    fn state_over(db: &TestDb) -> AppState {
        AppState::new(db.pool(), crate::HttpConfig::new("http://localhost:8000")).unwrap()
    }

    async fn ready_answer(state: AppState) -> (u16, serde_json::Value) {
        let app = test::init_service(crate::app(state)).await;
        let response =
            test::call_service(&app, test::TestRequest::get().uri("/health/ready").to_request()).await;
        let status = response.status().as_u16();
        (status, test::read_body_json(response).await)
    }

    #[actix_web::test]
    async fn ready_is_503_until_the_database_is_migrated() {
        let db = TestDb::empty(Backend::Sqlite);
        let state = state_over(&db);
        let (status, body) = ready_answer(state.clone()).await;
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["status"], "unavailable");
        assert_eq!(body["reason"], "database migrations pending");

        let mut conn = state.pool.get().unwrap();
        jhe_store::run_migrations(&mut conn).unwrap();
        drop(conn);
        let (status, body) = ready_answer(state).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body,
            serde_json::json!({"status": "ready", "version": crate::VERSION})
        );
    }

    // `test` is actix's attribute in this module; this one needs no runtime.
    #[core::prelude::v1::test]
    fn a_database_that_gives_no_connection_in_time_is_unreachable() {
        let (db, _) = TestDb::migrated(Backend::Sqlite);
        let pool = db.pool();
        // Hold every connection of the pool, as a stalled database would.
        let held: Vec<_> = (0..pool.max_size()).map(|_| pool.get().unwrap()).collect();
        let outcome = check_ready(&pool, Duration::from_millis(200));
        assert!(matches!(outcome, Err(NotReady::Unreachable(_))), "{outcome:?}");
        drop(held);
        assert_eq!(check_ready(&pool, Duration::from_millis(200)), Ok(()));
    }

    #[actix_web::test]
    async fn metrics_move_after_traffic() {
        let (db, pool) = TestDb::migrated(Backend::Sqlite);
        let state = AppState::new(pool, crate::HttpConfig::new("http://localhost:8000")).unwrap();
        let app = test::init_service(crate::app(state)).await;
        let scrape = || async {
            let response =
                test::call_service(&app, test::TestRequest::get().uri("/metrics").to_request()).await;
            assert_eq!(response.status(), 200);
            assert_eq!(
                response.headers().get("content-type").unwrap(),
                crate::metrics::CONTENT_TYPE
            );
            String::from_utf8(test::read_body(response).await.to_vec()).unwrap()
        };
        let count = |text: &str| -> u64 {
            text.lines()
                .find_map(|l| {
                    l.strip_prefix(
                        "jhe_http_requests_total{method=\"GET\",route=\"/health/ready\",status=\"200\"} ",
                    )
                })
                .map_or(0, |v| v.parse().unwrap())
        };
        let before = count(&scrape().await);
        for _ in 0..2 {
            let response =
                test::call_service(&app, test::TestRequest::get().uri("/health/ready").to_request()).await;
            assert_eq!(response.status(), 200);
        }
        let after = scrape().await;
        assert!(count(&after) >= before + 2, "{after}");
        assert!(
            after.contains("jhe_db_pool_connections{state=\"idle\"}"),
            "{after}"
        );
        drop(db);
    }
}
