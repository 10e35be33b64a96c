//! Request ids, the access log and request metrics, as one middleware around the whole application.
//!
//! Every request gets an id: the caller's `X-Request-Id` when it is well formed (so a reverse proxy's id follows the
//! request through), a fresh random one otherwise. The id is echoed in the response's `X-Request-Id`, is available
//! to handlers through the [`RequestId`] extractor, and is on the request's access-log line.
//!
//! The access log says what happened without saying to whom or with what: method, matched route *pattern*, status,
//! duration and request id. Never the raw path (it can hold identifiers), never the query string (it can hold codes
//! and tokens), never a header or a body.

use std::future::{Ready, ready};
use std::rc::Rc;
use std::time::Instant;

use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use rand::Rng;

use crate::metrics;

/// The header that carries the request id, in both directions.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The log target of access-log lines. Probes and scrapes log under [`PROBE_LOG_TARGET`], so an operator can quiet
/// them (`JHE_LOG=info,jhe_http::access::probe=warn`) without losing the rest.
pub const ACCESS_LOG_TARGET: &str = "jhe_http::access";
/// The log target of access-log lines for `/health`, `/health/ready` and `/metrics`.
pub const PROBE_LOG_TARGET: &str = "jhe_http::access::probe";

/// The longest request id accepted from a caller.
pub const MAX_REQUEST_ID_LEN: usize = 128;

/// The id of the request being served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A caller's id when it is well formed: 1 to [`MAX_REQUEST_ID_LEN`] characters from `A-Z a-z 0-9 - _ .`.
    /// Anything else (spaces, quotes, control characters) could forge or break log lines, so it is replaced.
    pub fn from_caller(value: &str) -> Option<RequestId> {
        let well_formed = !value.is_empty()
            && value.len() <= MAX_REQUEST_ID_LEN
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        well_formed.then(|| RequestId(value.to_owned()))
    }

    /// A fresh id: 128 random bits in the UUID version 4 layout, a format log tools recognise.
    pub fn generate() -> RequestId {
        let mut bytes: [u8; 16] = rand::rng().random();
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        RequestId(format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        ))
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromRequest for RequestId {
    type Error = std::convert::Infallible;
    type Future = Ready<Result<RequestId, Self::Error>>;

    /// The id the observer gave this request; outside the observer (a unit test of one handler) a fresh one.
    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let id = req
            .extensions()
            .get::<RequestId>()
            .cloned()
            .unwrap_or_else(RequestId::generate);
        ready(Ok(id))
    }
}

fn is_probe(route: &str) -> bool {
    matches!(route, "/health" | "/health/ready" | "/metrics")
}

/// The middleware: wrap the application in it (`App::wrap(RequestObserver)`) outermost, so it sees every request,
/// including CORS preflights and requests that match no route.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestObserver;

impl<S, B> Transform<S, ServiceRequest> for RequestObserver
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = RequestObserverService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RequestObserverService {
            service: Rc::new(service),
        }))
    }
}

/// The service [`RequestObserver`] wraps around the application.
#[derive(Debug)]
pub struct RequestObserverService<S> {
    service: Rc<S>,
}

impl<S, B> Service<ServiceRequest> for RequestObserverService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let started = Instant::now();
        let in_flight = metrics::request_started();
        let id = req
            .headers()
            .get(REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(RequestId::from_caller)
            .unwrap_or_else(RequestId::generate);
        req.extensions_mut().insert(id.clone());
        let method = metrics::method_label(req.method());
        let service = self.service.clone();
        Box::pin(async move {
            let result = service.call(req).await;
            let elapsed = started.elapsed();
            drop(in_flight);
            let (route, status) = match &result {
                Ok(response) => (response.request().match_pattern(), response.status().as_u16()),
                // An error that escaped every handler; actix answers it with the error's own status.
                Err(err) => (None, err.as_response_error().status_code().as_u16()),
            };
            let route = route.unwrap_or_else(|| metrics::UNMATCHED_ROUTE.to_owned());
            metrics::record_request(method, &route, status, elapsed);
            let duration_ms = (elapsed.as_secs_f64() * 10_000.0).round() / 10.0;
            let target = if is_probe(&route) {
                PROBE_LOG_TARGET
            } else {
                ACCESS_LOG_TARGET
            };
            log::info!(
                target: target,
                method = method,
                route = route.as_str(),
                status = status,
                duration_ms = duration_ms,
                request_id = id.as_str();
                "{method} {route} {status} {duration_ms}ms"
            );
            let mut response = result?;
            if let Ok(value) = HeaderValue::from_str(id.as_str()) {
                response
                    .headers_mut()
                    .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
            }
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::{self, TestRequest};
    use actix_web::{App, HttpResponse, web};

    use super::*;

    #[test]
    fn caller_ids_are_accepted_only_when_well_formed() {
        for good in [
            "abc",
            "6f1c2a8e-1b2c-4d3e-8f90-0a1b2c3d4e5f",
            "req_1.2-3",
            &"a".repeat(128),
        ] {
            assert!(RequestId::from_caller(good).is_some(), "{good}");
        }
        for bad in ["", "a b", "x\ny", "id\"quote", "é", "a=b", &"a".repeat(129)] {
            assert!(RequestId::from_caller(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn generated_ids_are_well_formed_and_differ() {
        let a = RequestId::generate();
        let b = RequestId::generate();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 36);
        assert!(RequestId::from_caller(a.as_str()).is_some());
    }

    async fn echo_id(id: RequestId) -> HttpResponse {
        HttpResponse::Ok().body(id.to_string())
    }

    #[actix_web::test]
    async fn the_id_is_echoed_and_reaches_the_handler() {
        let app = test::init_service(
            App::new()
                .route("/things/{id}", web::get().to(echo_id))
                .wrap(RequestObserver),
        )
        .await;

        let response = test::call_service(
            &app,
            TestRequest::get()
                .uri("/things/1?token=secret")
                .insert_header((REQUEST_ID_HEADER, "from-the-proxy-42"))
                .to_request(),
        )
        .await;
        assert_eq!(
            response.headers().get(REQUEST_ID_HEADER).unwrap(),
            "from-the-proxy-42"
        );
        assert_eq!(test::read_body(response).await, "from-the-proxy-42");

        let response = test::call_service(
            &app,
            TestRequest::get()
                .uri("/things/2")
                .insert_header((REQUEST_ID_HEADER, "two words"))
                .to_request(),
        )
        .await;
        let echoed = response
            .headers()
            .get(REQUEST_ID_HEADER)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert_ne!(echoed, "two words", "a malformed id is replaced");
        assert_eq!(echoed.len(), 36);
        assert_eq!(test::read_body(response).await, echoed.as_str());

        let response = test::call_service(&app, TestRequest::get().uri("/nowhere").to_request()).await;
        assert_eq!(response.status(), 404);
        assert!(
            response.headers().contains_key(REQUEST_ID_HEADER),
            "unmatched requests get an id too"
        );
    }

    #[actix_web::test]
    async fn requests_are_counted_under_their_route_pattern() {
        let app = test::init_service(
            App::new()
                .route("/observed/{id}", web::get().to(echo_id))
                .wrap(RequestObserver),
        )
        .await;
        for n in 0..3 {
            let uri = format!("/observed/{n}");
            test::call_service(&app, TestRequest::get().uri(&uri).to_request()).await;
        }
        let out = metrics::render(metrics::PoolFigures::default());
        assert!(
            out.contains("jhe_http_requests_total{method=\"GET\",route=\"/observed/{id}\",status=\"200\"} 3"),
            "{out}"
        );
        assert!(!out.contains("/observed/1"), "raw paths never become labels");
    }
}
