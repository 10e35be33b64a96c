//! Server-rendered login and logout. The login form posts the e-mail in a field named `username` (as the
//! reference's form does), is protected by a double-submit CSRF token, and is throttled per account and per client
//! address with counters in the database, so every replica sees the same counts.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{Duration, Utc};
use jhe_domain::{AuditOutcome, NewAuditEvent, User};
use jhe_store::{audit, auth as store_auth, people};
use rand::Rng;
use serde::Deserialize;

use crate::AppState;
use crate::error::ApiError;
use crate::metrics::LoginFailure;

/// The session cookie.
pub const SESSION_COOKIE: &str = "sessionid";
/// The CSRF cookie, echoed in the form's `csrfmiddlewaretoken` field.
pub const CSRF_COOKIE: &str = "csrftoken";
const LOGIN_PATH: &str = "/accounts/login/";

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            _ => out.push(c),
        }
    }
    out
}

/// Only a path on this site may be a redirect target after login: `/…`, never `//host` or an absolute URL.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.contains(['\r', '\n']) =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

fn random_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    jhe_oauth::OpaqueToken::from_random(&bytes).as_str().to_owned()
}

fn cookie<'c>(name: &'c str, value: String, secure: bool, max_age_secs: i64, http_only: bool) -> Cookie<'c> {
    Cookie::build(name, value)
        .path("/")
        .http_only(http_only)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::seconds(max_age_secs))
        .finish()
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} - JupyterHealth Exchange</title>\n<link rel=\"stylesheet\" href=\"/static/login.css\">\n<link rel=\"icon\" href=\"/ui/favicon.svg\">\n</head>\n\
         <body>\n<main class=\"login\">\n{body}\n</main>\n</body>\n</html>\n",
        escape_html(title)
    )
}

fn login_page(csrf: &str, next: &str, username: &str, error: Option<&str>) -> String {
    let error = error
        .map(|e| {
            format!(
                "<p class=\"error\" role=\"alert\" id=\"login-error\">{}</p>\n",
                escape_html(e)
            )
        })
        .unwrap_or_default();
    page(
        "Log in",
        &format!(
            "<h1>JupyterHealth Exchange</h1>\n<h2>Log in</h2>\n{error}\
             <form method=\"post\" action=\"{LOGIN_PATH}\">\n\
             <input type=\"hidden\" name=\"csrfmiddlewaretoken\" value=\"{csrf}\">\n\
             <input type=\"hidden\" name=\"next\" value=\"{next}\">\n\
             <label for=\"id_username\">E-mail</label>\n\
             <input type=\"email\" name=\"username\" id=\"id_username\" autocomplete=\"username\" required autofocus value=\"{username}\">\n\
             <label for=\"id_password\">Password</label>\n\
             <input type=\"password\" name=\"password\" id=\"id_password\" autocomplete=\"current-password\" required>\n\
             <button type=\"submit\">Log in</button>\n</form>",
            csrf = escape_html(csrf),
            next = escape_html(next),
            username = escape_html(username),
        ),
    )
}

fn no_store(response: &mut actix_web::HttpResponseBuilder) {
    response.insert_header((
        header::CACHE_CONTROL,
        "no-cache, no-store, must-revalidate, private",
    ));
}

#[derive(Debug, Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// `GET /accounts/login/`: the login form.
#[get("/accounts/login/")]
async fn login_form(
    req: HttpRequest,
    query: web::Query<NextQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let csrf = req
        .cookie(CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() >= 32)
        .unwrap_or_else(random_token);
    let next = safe_next(query.next.as_deref());
    let mut response = HttpResponse::Ok();
    no_store(&mut response);
    response
        .cookie(cookie(
            CSRF_COOKIE,
            csrf.clone(),
            state.config.secure_cookies(),
            31_449_600,
            true,
        ))
        .content_type("text/html; charset=utf-8")
        .body(login_page(&csrf, &next, "", None))
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrfmiddlewaretoken: String,
    next: Option<String>,
}

enum LoginOutcome {
    Success { session: String },
    WrongCredentials,
    Throttled { retry_after: i64 },
}

/// The client's address for the per-address throttle: the TCP peer, or the address a trusted proxy forwarded
/// (`JHE_TRUSTED_PROXIES`). Believing `X-Forwarded-For` from anyone would let a client pick a fresh address for
/// every attempt and never be throttled.
fn client_addr(req: &HttpRequest, proxies: &crate::config::TrustedProxies) -> String {
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    proxies
        .client_ip(req.peer_addr().map(|a| a.ip()), &forwarded)
        .map(|ip| ip.to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// A real hash of a password nobody knows, checked when the account does not exist, so that an unknown e-mail
/// takes as long to refuse as a wrong password.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let salt: [u8; jhe_oauth::password::SALT_LEN] = rand::rng().random();
        let password: [u8; 16] = rand::rng().random();
        jhe_oauth::password::hash_password(&format!("{password:?}"), &salt).unwrap_or_default()
    })
}

/// `POST /accounts/login/`: checks the CSRF token, the throttle and the password, then starts a session.
#[post("/accounts/login/")]
async fn login(
    req: HttpRequest,
    form: web::Form<LoginForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let form = form.into_inner();
    let csrf_cookie = req
        .cookie(CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    let next = safe_next(form.next.as_deref());
    if csrf_cookie.is_empty()
        || !jhe_oauth::constant_time_eq(csrf_cookie.as_bytes(), form.csrfmiddlewaretoken.as_bytes())
    {
        return Ok(HttpResponse::Forbidden().content_type("text/html; charset=utf-8").body(page(
            "Forbidden",
            "<h1>Your session form has expired</h1>\n<p>The page was open too long or cookies are blocked. \
             <a href=\"/accounts/login/\">Open the login page again</a> and retry.</p>",
        )));
    }
    let account = form.username.trim().to_lowercase();
    let addr = client_addr(&req, &state.config.trusted_proxies);
    let throttle = state.config.throttle.clone();
    let session_secs = state.config.lifetimes.session_secs;
    let password = form.password;
    let outcome = state
        .db(move |conn| -> Result<LoginOutcome, ApiError> {
            let now = Utc::now();
            let window = Duration::seconds(throttle.window_secs);
            let counts = store_auth::login_failures_since(conn, &account, &addr, now - window)?;
            let over_account = counts.account >= throttle.max_failures_per_account;
            let over_addr = counts.client_addr >= throttle.max_failures_per_address;
            if over_account || over_addr {
                let oldest = if over_account {
                    counts.oldest_account
                } else {
                    counts.oldest_client_addr
                };
                let retry_after = oldest
                    .map(|t| (t + window - now).num_seconds().max(1))
                    .unwrap_or(throttle.window_secs);
                audit::append_audit_event(
                    conn,
                    &login_event(None, "login.throttled", AuditOutcome::Denied, now),
                )?;
                return Ok(LoginOutcome::Throttled { retry_after });
            }
            let user: Option<User> = people::find_user_by_email(conn, &account)?.filter(|u| u.is_active);
            let hash = user.as_ref().and_then(|u| u.password_hash.clone());
            // Verification runs here, on the blocking pool, never on an async worker.
            let verified = match hash.as_deref() {
                Some(stored) => jhe_oauth::password::verify_password(&password, stored),
                None => {
                    let _ = jhe_oauth::password::verify_password(&password, dummy_hash());
                    false
                }
            };
            match user {
                Some(user) if verified => {
                    store_auth::clear_login_failures(conn, &account)?;
                    store_auth::touch_last_login(conn, user.id, now)?;
                    let session = random_token();
                    let expires = now + Duration::seconds(session_secs);
                    store_auth::create_session(
                        conn,
                        &jhe_oauth::hash_token(&session),
                        user.id,
                        now,
                        expires,
                    )?;
                    audit::append_audit_event(
                        conn,
                        &login_event(Some(user.id), "login.success", AuditOutcome::Success, now),
                    )?;
                    Ok(LoginOutcome::Success { session })
                }
                user => {
                    store_auth::record_login_failure(conn, &account, &addr, now)?;
                    let actor = user.map(|u| u.id);
                    audit::append_audit_event(
                        conn,
                        &login_event(actor, "login.failed", AuditOutcome::Failed, now),
                    )?;
                    Ok(LoginOutcome::WrongCredentials)
                }
            }
        })
        .await?;
    match outcome {
        LoginOutcome::WrongCredentials => {
            crate::metrics::record_login_failed(LoginFailure::InvalidCredentials)
        }
        LoginOutcome::Throttled { .. } => crate::metrics::record_login_failed(LoginFailure::Throttled),
        LoginOutcome::Success { .. } => {}
    }
    Ok(match outcome {
        LoginOutcome::Success { session } => {
            let mut response = HttpResponse::Found();
            no_store(&mut response);
            response
                .cookie(cookie(
                    SESSION_COOKIE,
                    session,
                    state.config.secure_cookies(),
                    session_secs,
                    true,
                ))
                .insert_header((header::LOCATION, next))
                .finish()
        }
        LoginOutcome::WrongCredentials => {
            let mut response = HttpResponse::Ok();
            no_store(&mut response);
            response.content_type("text/html; charset=utf-8").body(login_page(
                &csrf_cookie,
                &next,
                &form.username,
                Some("Please enter a correct e-mail and password. Note that both fields may be case-sensitive."),
            ))
        }
        LoginOutcome::Throttled { retry_after } => {
            let mut response = HttpResponse::TooManyRequests();
            no_store(&mut response);
            response.insert_header((header::RETRY_AFTER, retry_after.to_string())).content_type("text/html; charset=utf-8").body(
                page(
                    "Too many attempts",
                    &format!(
                        "<h1>Too many failed logins</h1>\n<p role=\"alert\">For your security, logging in is paused. \
                         Try again in {} minute(s).</p>",
                        (retry_after + 59) / 60
                    ),
                ),
            )
        }
    })
}

fn login_event(
    actor: Option<jhe_domain::UserId>,
    action: &str,
    outcome: AuditOutcome,
    now: chrono::DateTime<Utc>,
) -> NewAuditEvent {
    NewAuditEvent {
        occurred_at: now,
        actor_user_id: actor,
        action: action.into(),
        target_type: "Session".into(),
        target_id: None,
        patient_ids: vec![],
        outcome,
        detail: None,
    }
}

/// The user of the browser session cookie, if it names a live session.
pub async fn session_user(
    req: &HttpRequest,
    state: &AppState,
) -> Result<Option<jhe_domain::UserId>, ApiError> {
    let Some(cookie) = req.cookie(SESSION_COOKIE) else {
        return Ok(None);
    };
    let hash = jhe_oauth::hash_token(cookie.value());
    state
        .db(move |conn| Ok(store_auth::session_user(conn, &hash, Utc::now())?))
        .await
}

#[derive(Debug, Deserialize)]
struct LogoutQuery {
    next: Option<String>,
    post_logout_redirect_uri: Option<String>,
    client_id: Option<String>,
    state: Option<String>,
}

/// Where to go after logout: a `post_logout_redirect_uri` registered for `client_id` (OpenID RP-initiated logout,
/// with `state` passed back), else `next` when it is a path on this site, else the login page.
async fn logout_target(query: &LogoutQuery, state: &AppState) -> Result<String, ApiError> {
    if let (Some(uri), Some(client_id)) = (query.post_logout_redirect_uri.clone(), query.client_id.clone()) {
        let registered = state
            .db(move |conn| {
                Ok::<_, ApiError>(jhe_store::clients::find_client_by_client_id(conn, &client_id)?)
            })
            .await?
            .is_some_and(|c| c.post_logout_redirect_uris.contains(&uri));
        if registered {
            let mut target = uri;
            if let Some(s) = &query.state {
                let sep = if target.contains('?') { '&' } else { '?' };
                let encoded = url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("state", s)
                    .finish();
                target = format!("{target}{sep}{encoded}");
            }
            return Ok(target);
        }
    }
    Ok(match query.next.as_deref() {
        Some(next) => safe_next(Some(next)),
        None => LOGIN_PATH.to_owned(),
    })
}

/// `GET|POST /accounts/logout/`: ends the server session and clears the cookie, then goes where
/// [`logout_target`] says.
async fn logout(
    req: HttpRequest,
    query: web::Query<LogoutQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if let Some(cookie) = req.cookie(SESSION_COOKIE) {
        let hash = jhe_oauth::hash_token(cookie.value());
        state
            .db(move |conn| Ok::<_, ApiError>(store_auth::delete_session(conn, &hash)?))
            .await?;
    }
    let mut gone = cookie(
        SESSION_COOKIE,
        String::new(),
        state.config.secure_cookies(),
        0,
        true,
    );
    gone.make_removal();
    let target = logout_target(&query, &state).await?;
    Ok(HttpResponse::Found()
        .cookie(gone)
        .insert_header((header::LOCATION, target))
        .finish())
}

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(login_form)
        .service(login)
        .route("/accounts/logout/", web::get().to(logout))
        .route("/accounts/logout/", web::post().to(logout))
        .route("/static/login.css", web::get().to(login_css));
}

async fn login_css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .body(LOGIN_CSS)
}

const LOGIN_CSS: &str = "body{font-family:system-ui,sans-serif;background:#f4f6f8;margin:0}\
.login{max-width:24rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:.5rem;\
box-shadow:0 1px 4px rgba(0,0,0,.15)}h1{font-size:1.25rem}h2{font-size:1.1rem}label{display:block;margin-top:1rem}\
input{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem}button{margin-top:1.5rem;padding:.6rem 1.2rem;\
font-size:1rem}:focus-visible{outline:3px solid #1a73e8;outline-offset:2px}.error{color:#a61b1b}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_redirect_targets() {
        assert_eq!(safe_next(Some("/o/authorize/?a=1")), "/o/authorize/?a=1");
        for evil in [
            "https://evil.example/",
            "//evil.example/x",
            "/\\evil.example",
            "evil",
            "/x\r\nSet-Cookie: a=b",
        ] {
            assert_eq!(safe_next(Some(evil)), "/", "{evil}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape_html(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;"
        );
    }
}
