//! OpenID Connect discovery, JWKS and SMART configuration: public, cacheable, and advertising only what is
//! implemented.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::AppState;
use crate::error::ApiError;

async fn openid_configuration(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(jhe_oauth::openid_configuration(&state.config.site_url))
}

async fn jwks(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let keys = state.keys.clone();
    let document = state
        .db(move |conn| {
            let published = keys.published(conn)?;
            let refs: Vec<&jhe_oauth::SigningKey> = published.iter().map(|k| k.as_ref()).collect();
            Ok::<_, ApiError>(jhe_oauth::jwks(&refs))
        })
        .await?;
    // Short enough that a rotation reaches relying parties within minutes.
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(document))
}

async fn smart_configuration(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .json(jhe_oauth::smart_configuration(
            &state.config.site_url,
            &state.config.fhir_base(),
        ))
}

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/o/.well-known/openid-configuration",
        web::get().to(openid_configuration),
    )
    .route("/o/.well-known/jwks.json", web::get().to(jwks))
    .route(
        "/FHIR/R5/.well-known/smart-configuration",
        web::get().to(smart_configuration),
    );
}
