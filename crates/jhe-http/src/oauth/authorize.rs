//! `GET /o/authorize/`: the authorization-code flow's front door. Client and redirect URI are checked first and
//! never redirected to when wrong; other request errors go back to the client's redirect URI; a request without a
//! browser session goes to the login page and returns here.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Duration, Utc};
use jhe_oauth::{AuthorizeError, AuthorizeQuery, ClientRegistration, ValidAuthorization};
use jhe_store::{auth as store_auth, clients, people};
use rand::Rng;

use crate::AppState;
use crate::accounts::{escape_html, session_user};
use crate::error::ApiError;

fn error_page(error: &str, description: &str) -> HttpResponse {
    HttpResponse::BadRequest().content_type("text/html; charset=utf-8").body(format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Authorization error</title>\
         <link rel=\"stylesheet\" href=\"/static/login.css\"></head><body><main class=\"login\">\
         <h1>This sign-in request cannot be completed</h1><p role=\"alert\"><strong>{}</strong>: {}</p>\
         <p>Contact the application's developer: the request does not match its registration.</p></main></body></html>",
        escape_html(error),
        escape_html(description)
    ))
}

fn redirect(location: String) -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, location))
        .finish()
}

fn random_secret() -> jhe_oauth::OpaqueToken {
    let bytes: [u8; 32] = rand::rng().random();
    jhe_oauth::OpaqueToken::from_random(&bytes)
}

async fn authorize(
    req: HttpRequest,
    query: web::Query<AuthorizeQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let client_id = query.client_id.clone().unwrap_or_default();
    let client = state
        .db(move |conn| Ok::<_, ApiError>(clients::find_client_by_client_id(conn, &client_id)?))
        .await?;
    let registration = client.as_ref().map(|c| ClientRegistration {
        client_id: &c.client_id,
        redirect_uris: &c.redirect_uris,
        grant_type: c.grant_type,
        client_type: c.client_type,
    });
    let valid: ValidAuthorization =
        match jhe_oauth::validate_authorize(&query, registration, &state.config.fhir_base()) {
            Ok(valid) => valid,
            Err(AuthorizeError::NoRedirect { error, description }) => {
                return Ok(error_page(error, &description));
            }
            Err(err) => {
                return Ok(match err.redirect_location() {
                    Some(location) => redirect(location),
                    None => error_page("invalid_request", &err.to_string()),
                });
            }
        };
    let Some(client) = client else {
        return Ok(error_page("invalid_client", "Unknown client."));
    };
    let user = session_user(&req, &state).await?;
    let login_again = valid.prompt_login;
    let user = match user {
        Some(user) if !login_again => user,
        _ if valid.prompt_none => {
            let location = AuthorizeError::Redirect {
                redirect_uri: valid.redirect_uri.clone(),
                error: "login_required",
                description: None,
                state: valid.state.clone(),
            }
            .redirect_location()
            .unwrap_or_default();
            return Ok(redirect(location));
        }
        _ => {
            // Come back to this same request once logged in (without prompt=login, or it would loop).
            let mut back = url::Url::parse("http://local/o/authorize/")
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            back.set_query(Some(req.query_string()));
            let pairs: Vec<(String, String)> = back
                .query_pairs()
                .filter(|(k, v)| !(k == "prompt" && v == "login"))
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            back.query_pairs_mut().clear().extend_pairs(pairs);
            let next = format!("/o/authorize/?{}", back.query().unwrap_or_default());
            let login = format!(
                "/accounts/login/?{}",
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("next", &next)
                    .finish()
            );
            return Ok(redirect(login));
        }
    };
    let code = random_secret();
    let code_hash = code.hash();
    let family = random_secret().hash();
    let scope = valid.scopes.to_scope_string();
    let issued = valid.clone();
    state
        .db(move |conn| {
            let now = Utc::now();
            let account = people::get_user(conn, user)?;
            if !account.is_active {
                return Err(ApiError::Forbidden("This account is disabled.".into()));
            }
            store_auth::create_authorization_code(
                conn,
                &store_auth::NewAuthorizationCode {
                    code_hash: &code_hash,
                    client_id: client.id,
                    user_id: user,
                    redirect_uri: &issued.redirect_uri,
                    scope: &scope,
                    code_challenge: &issued.code_challenge,
                    nonce: issued.nonce.as_deref(),
                    family: &family,
                    auth_time: account.last_login.unwrap_or(now),
                    created_at: now,
                    expires_at: now + Duration::seconds(jhe_oauth::CODE_LIFETIME_SECS),
                },
            )?;
            Ok(())
        })
        .await?;
    Ok(redirect(valid.success_location(code.as_str())))
}

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/o/authorize/", web::get().to(authorize))
        .route("/o/authorize", web::get().to(authorize));
}
