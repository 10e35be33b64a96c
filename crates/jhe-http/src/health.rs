//! Liveness: answers without touching the database, so an orchestrator restarts only a process that is stuck.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;

/// The body of `GET /health`.
#[derive(Debug, Serialize)]
pub struct Health {
    pub status: &'static str,
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

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health);
}

#[cfg(test)]
mod tests {
    use actix_web::{App, test};

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
}
