//! Process-wide counters and histograms, rendered at `GET /metrics` in the Prometheus text format (version 0.0.4).
//!
//! A small hand-written registry rather than a metrics crate: the set of series is fixed and small, and plain
//! atomics and one mutex-guarded map cover it without another dependency tree. The values are per process, as
//! Prometheus expects: each replica is scraped on its own and the queries sum over replicas.
//!
//! Other modules record through the free functions here:
//! - [`record_observations_ingested`] after an upload of Observations has been stored (the FHIR layer calls it);
//! - [`record_login_failed`] when a login is refused;
//! - the request observer ([`crate::observability`]) records every request with [`record_request`].
//!
//! Labels are bounded by construction: requests are labelled with the matched route *pattern*
//! (`/api/v1/patients/{id}`), never the raw path, unknown methods collapse into `OTHER`, and unmatched paths share
//! one label. No label ever carries an identifier, a token or a value from a request body.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use actix_web::{HttpResponse, get, web};

use crate::AppState;

/// Upper bounds of the request-latency buckets, in seconds (Prometheus' client defaults, which cover a fast JSON
/// answer and a slow bulk upload alike).
pub const LATENCY_BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The route label of a request that matched no route (a 404 on an unknown path), so that scanning for random
/// paths cannot create new series.
pub const UNMATCHED_ROUTE: &str = "<unmatched>";

/// Why a login was refused, as the `reason` label of `jhe_logins_failed_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginFailure {
    /// Unknown account, inactive account or wrong password (not told apart, as the login page does not).
    InvalidCredentials,
    /// Refused by the throttle before the password was checked.
    Throttled,
}

impl LoginFailure {
    fn label(self) -> &'static str {
        match self {
            LoginFailure::InvalidCredentials => "invalid_credentials",
            LoginFailure::Throttled => "throttled",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct RequestKey {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Debug, Default, Clone)]
struct RequestStats {
    /// Cumulative counts are computed when rendering; each slot counts the requests in its own bucket, the last
    /// slot those slower than every bound.
    buckets: [u64; LATENCY_BUCKETS.len() + 1],
    sum_seconds: f64,
    count: u64,
}

static REQUESTS: Mutex<BTreeMap<RequestKey, RequestStats>> = Mutex::new(BTreeMap::new());
static IN_FLIGHT: AtomicI64 = AtomicI64::new(0);
static OBSERVATIONS_INGESTED: AtomicU64 = AtomicU64::new(0);
static LOGINS_FAILED_CREDENTIALS: AtomicU64 = AtomicU64::new(0);
static LOGINS_FAILED_THROTTLED: AtomicU64 = AtomicU64::new(0);

/// Counts `n` Observations stored by an upload (a single create counts 1, a batch Bundle the entries it stored).
/// Call it after the transaction committed, so a rolled-back upload is not counted.
pub fn record_observations_ingested(n: u64) {
    OBSERVATIONS_INGESTED.fetch_add(n, Ordering::Relaxed);
}

/// Counts one refused login.
pub fn record_login_failed(reason: LoginFailure) {
    let counter = match reason {
        LoginFailure::InvalidCredentials => &LOGINS_FAILED_CREDENTIALS,
        LoginFailure::Throttled => &LOGINS_FAILED_THROTTLED,
    };
    counter.fetch_add(1, Ordering::Relaxed);
}

/// The method label: the standard methods by name, anything else as `OTHER` (a client can send any token as a
/// method, and each would otherwise be a new series).
pub fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// Records one finished request: `route` is the matched pattern or [`UNMATCHED_ROUTE`].
pub fn record_request(method: &'static str, route: &str, status: u16, elapsed: Duration) {
    let seconds = elapsed.as_secs_f64();
    let slot = LATENCY_BUCKETS
        .iter()
        .position(|bound| seconds <= *bound)
        .unwrap_or(LATENCY_BUCKETS.len());
    // A poisoned lock only means another thread panicked while counting; the counts are still usable.
    let mut requests = REQUESTS.lock().unwrap_or_else(|e| e.into_inner());
    let key = RequestKey {
        method,
        route: route.to_owned(),
        status,
    };
    let stats = requests.entry(key).or_default();
    stats.buckets[slot] += 1;
    stats.sum_seconds += seconds;
    stats.count += 1;
}

/// Marks a request as started; the returned guard marks it finished when dropped, also when the client went away
/// and the handler's future was dropped half-way.
pub fn request_started() -> InFlight {
    IN_FLIGHT.fetch_add(1, Ordering::Relaxed);
    InFlight(())
}

/// A request being served; see [`request_started`].
#[derive(Debug)]
pub struct InFlight(());

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Connection-pool figures at the time of a scrape.
#[derive(Debug, Clone, Copy, Default)]
pub struct PoolFigures {
    /// The most connections the pool opens.
    pub max_size: u32,
    /// Connections open now, idle or in use.
    pub connections: u32,
    /// Connections open and waiting in the pool.
    pub idle: u32,
}

fn escape_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Every series in the Prometheus text format.
pub fn render(pool: PoolFigures) -> String {
    let mut out = String::with_capacity(4096);

    header(
        &mut out,
        "jhe_build_info",
        "gauge",
        "The running version, as a label; always 1.",
    );
    let _ = writeln!(out, "jhe_build_info{{version=\"{}\"}} 1", crate::VERSION);

    let requests = REQUESTS.lock().unwrap_or_else(|e| e.into_inner()).clone();
    header(
        &mut out,
        "jhe_http_requests_total",
        "counter",
        "HTTP requests answered, by method, matched route pattern and status.",
    );
    for (key, stats) in &requests {
        let _ = writeln!(
            out,
            "jhe_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}",
            key.method,
            escape_label(&key.route),
            key.status,
            stats.count
        );
    }
    header(
        &mut out,
        "jhe_http_request_duration_seconds",
        "histogram",
        "Time from receiving a request to its response head, by method, matched route pattern and status.",
    );
    for (key, stats) in &requests {
        let labels = format!(
            "method=\"{}\",route=\"{}\",status=\"{}\"",
            key.method,
            escape_label(&key.route),
            key.status
        );
        let mut cumulative = 0;
        for (bound, in_bucket) in LATENCY_BUCKETS.iter().zip(stats.buckets.iter()) {
            cumulative += in_bucket;
            let _ = writeln!(
                out,
                "jhe_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
            );
        }
        let _ = writeln!(
            out,
            "jhe_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
            stats.count
        );
        let _ = writeln!(
            out,
            "jhe_http_request_duration_seconds_sum{{{labels}}} {}",
            stats.sum_seconds
        );
        let _ = writeln!(
            out,
            "jhe_http_request_duration_seconds_count{{{labels}}} {}",
            stats.count
        );
    }

    header(
        &mut out,
        "jhe_http_requests_in_flight",
        "gauge",
        "Requests being served now.",
    );
    let _ = writeln!(
        out,
        "jhe_http_requests_in_flight {}",
        IN_FLIGHT.load(Ordering::Relaxed).max(0)
    );

    header(
        &mut out,
        "jhe_db_pool_max_connections",
        "gauge",
        "The most database connections this process's pool opens.",
    );
    let _ = writeln!(out, "jhe_db_pool_max_connections {}", pool.max_size);
    header(
        &mut out,
        "jhe_db_pool_connections",
        "gauge",
        "Open database connections of this process's pool, idle or in use.",
    );
    let in_use = pool.connections.saturating_sub(pool.idle);
    let _ = writeln!(out, "jhe_db_pool_connections{{state=\"idle\"}} {}", pool.idle);
    let _ = writeln!(out, "jhe_db_pool_connections{{state=\"in_use\"}} {in_use}");

    header(
        &mut out,
        "jhe_observations_ingested_total",
        "counter",
        "Observations stored by uploads.",
    );
    let _ = writeln!(
        out,
        "jhe_observations_ingested_total {}",
        OBSERVATIONS_INGESTED.load(Ordering::Relaxed)
    );

    header(
        &mut out,
        "jhe_logins_failed_total",
        "counter",
        "Refused logins, by reason.",
    );
    for (reason, counter) in [
        (LoginFailure::InvalidCredentials, &LOGINS_FAILED_CREDENTIALS),
        (LoginFailure::Throttled, &LOGINS_FAILED_THROTTLED),
    ] {
        let _ = writeln!(
            out,
            "jhe_logins_failed_total{{reason=\"{}\"}} {}",
            reason.label(),
            counter.load(Ordering::Relaxed)
        );
    }
    out
}

/// The content type of the Prometheus text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `GET /metrics`: every series of this process. It holds no personal data, but tells an outsider about traffic:
/// keep it off the public side of the reverse proxy (see docs/operations.md).
#[get("/metrics")]
pub async fn metrics_endpoint(state: web::Data<AppState>) -> HttpResponse {
    let pool_state = state.pool.state();
    let figures = PoolFigures {
        max_size: state.pool.max_size(),
        connections: pool_state.connections,
        idle: pool_state.idle_connections,
    };
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .content_type(CONTENT_TYPE)
        .body(render(figures))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of one series in a rendering, by its full name with labels.
    fn value(rendered: &str, series: &str) -> f64 {
        rendered
            .lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
            .unwrap_or_else(|| panic!("no series {series} in\n{rendered}"))
            .parse()
            .unwrap()
    }

    #[test]
    fn requests_are_counted_in_cumulative_buckets_per_route_and_status() {
        // A route no other test records, since the registry is process-wide.
        let route = "/test/metrics/{id}";
        record_request("GET", route, 200, Duration::from_millis(3));
        record_request("GET", route, 200, Duration::from_millis(300));
        record_request("GET", route, 404, Duration::from_secs(30));
        let out = render(PoolFigures::default());
        let labels = "method=\"GET\",route=\"/test/metrics/{id}\",status=\"200\"";
        assert_eq!(value(&out, &format!("jhe_http_requests_total{{{labels}}}")), 2.0);
        assert_eq!(
            value(
                &out,
                &format!("jhe_http_request_duration_seconds_bucket{{{labels},le=\"0.005\"}}")
            ),
            1.0
        );
        assert_eq!(
            value(
                &out,
                &format!("jhe_http_request_duration_seconds_bucket{{{labels},le=\"0.25\"}}")
            ),
            1.0
        );
        assert_eq!(
            value(
                &out,
                &format!("jhe_http_request_duration_seconds_bucket{{{labels},le=\"0.5\"}}")
            ),
            2.0
        );
        assert_eq!(
            value(
                &out,
                &format!("jhe_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}}")
            ),
            2.0
        );
        let slow = "method=\"GET\",route=\"/test/metrics/{id}\",status=\"404\"";
        assert_eq!(
            value(
                &out,
                &format!("jhe_http_request_duration_seconds_bucket{{{slow},le=\"10\"}}")
            ),
            0.0
        );
        assert_eq!(
            value(
                &out,
                &format!("jhe_http_request_duration_seconds_bucket{{{slow},le=\"+Inf\"}}")
            ),
            1.0
        );
    }

    #[test]
    fn counters_only_grow() {
        let before = render(PoolFigures::default());
        record_observations_ingested(3);
        record_login_failed(LoginFailure::Throttled);
        let after = render(PoolFigures::default());
        let series = "jhe_observations_ingested_total";
        assert!(value(&after, series) >= value(&before, series) + 3.0);
        let series = "jhe_logins_failed_total{reason=\"throttled\"}";
        assert!(value(&after, series) >= value(&before, series) + 1.0);
    }

    #[test]
    fn pool_figures_split_into_idle_and_in_use() {
        let out = render(PoolFigures {
            max_size: 10,
            connections: 4,
            idle: 1,
        });
        assert_eq!(value(&out, "jhe_db_pool_max_connections"), 10.0);
        assert_eq!(value(&out, "jhe_db_pool_connections{state=\"idle\"}"), 1.0);
        assert_eq!(value(&out, "jhe_db_pool_connections{state=\"in_use\"}"), 3.0);
    }

    #[test]
    fn label_values_are_escaped_and_unknown_methods_collapse() {
        assert_eq!(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        let odd = actix_web::http::Method::from_bytes(b"PROPFIND").unwrap();
        assert_eq!(method_label(&odd), "OTHER");
        assert_eq!(method_label(&actix_web::http::Method::GET), "GET");
    }

    #[test]
    fn every_series_has_help_and_type() {
        let out = render(PoolFigures::default());
        for line in out.lines().filter(|l| !l.starts_with('#')) {
            let name = line.split(['{', ' ']).next().unwrap();
            let family = name
                .trim_end_matches("_bucket")
                .trim_end_matches("_sum")
                .trim_end_matches("_count");
            assert!(out.contains(&format!("# TYPE {family} ")), "{line}");
            assert!(out.contains(&format!("# HELP {family} ")), "{line}");
        }
    }
}
