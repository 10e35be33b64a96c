//! System settings (reference §2.2.12, `/jhe_settings`): typed runtime settings, for superusers only.
//!
//! A request sends `value` and `value_type`; the value is coerced to the type with the reference's rules (§1.8)
//! and answered back as `resolvedValue`. A `json` setting's value is kept exactly as sent (its keys are not
//! snake-cased like the rest of the body).

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, web};
use chrono::Utc;
use jhe_consent::Action;
use jhe_domain::{AuditOutcome, Setting, SettingId, SettingValue, SettingValueType};
use jhe_store::{StoreError, in_transaction, settings};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::access::{FieldErrors, Target, audit, authorize_plain, field_error, iso, required};
use super::casing::parse_body;
use super::pagination::{Flavour, PageRequest, Paginated};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::openapi::{BadRequest, Forbidden, NotFound, Unauthorized};

/// A setting as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SettingItem {
    id: i64,
    #[schema(example = "auth.patient.invitation_expiration_days")]
    key: String,
    /// `string`, `int`, `bool`, `float` or `json`.
    #[schema(example = "int")]
    value_type: String,
    /// The value in its type: a string, a number, a boolean, or any JSON document.
    #[schema(value_type = Object, example = 7)]
    resolved_value: Value,
    last_updated: String,
}

fn resolved(value: &SettingValue) -> Value {
    match value {
        SettingValue::String(s) => Value::String(s.clone()),
        SettingValue::Int(i) => Value::from(*i),
        SettingValue::Bool(b) => Value::Bool(*b),
        SettingValue::Float(f) => Value::from(*f),
        SettingValue::Json(text) => {
            serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone()))
        }
    }
}

impl From<Setting> for SettingItem {
    fn from(s: Setting) -> Self {
        SettingItem {
            id: s.id.get(),
            value_type: s.value.value_type().as_str().to_owned(),
            resolved_value: resolved(&s.value),
            key: s.key,
            last_updated: iso(s.last_updated),
        }
    }
}

/// The body of `POST` and `PUT`/`PATCH /jhe_settings`.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct SettingBody {
    /// Unique; required on creation.
    key: Option<String>,
    /// `string`, `int`, `bool`, `float` or `json`; required on creation. Also `valueType`.
    value_type: Option<String>,
    /// The value; coerced to the type (`"7"` is a fine int, `"yes"` a fine bool). Required on creation and when
    /// the type changes.
    #[schema(value_type = Object)]
    value: Option<Value>,
}

/// [`SettingBody`] read with snake-cased keys, except inside `value`.
#[derive(Debug)]
pub(crate) struct SettingJson(SettingBody);

impl FromRequest for SettingJson {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = body
                .await
                .map_err(|e| ApiError::BadRequest(format!("Cannot read the request body: {e}")))?;
            parse_body(&bytes, &["value"]).map(SettingJson)
        })
    }
}

/// Coerces a sent value to a setting type, with the reference's rules and messages.
pub(crate) fn coerce(value_type: SettingValueType, value: &Value) -> Result<SettingValue, ApiError> {
    let invalid = |what: &str| field_error("value", format!("Invalid {what}"));
    Ok(match value_type {
        SettingValueType::String => SettingValue::String(match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return Err(invalid("string")),
        }),
        SettingValueType::Int => SettingValue::Int(match value {
            Value::Number(n) => n.as_i64().ok_or_else(|| invalid("int"))?,
            Value::String(s) => s.trim().parse().map_err(|_| invalid("int"))?,
            _ => return Err(invalid("int")),
        }),
        SettingValueType::Float => SettingValue::Float(match value {
            Value::Number(n) => n.as_f64().ok_or_else(|| invalid("float"))?,
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .ok_or_else(|| invalid("float"))?,
            _ => return Err(invalid("float")),
        }),
        SettingValueType::Bool => SettingValue::Bool(match value {
            Value::Bool(b) => *b,
            Value::Number(n) if n.as_i64() == Some(1) => true,
            Value::Number(n) if n.as_i64() == Some(0) => false,
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "y" | "on" => true,
                "false" | "0" | "no" | "n" | "off" => false,
                _ => return Err(invalid("bool")),
            },
            _ => return Err(invalid("bool")),
        }),
        // A string holding a JSON document is taken as that document; anything else is kept as sent.
        SettingValueType::Json => SettingValue::Json(match value {
            Value::String(s) => match serde_json::from_str::<Value>(s) {
                Ok(parsed) => parsed.to_string(),
                Err(_) => value.to_string(),
            },
            other => other.to_string(),
        }),
    })
}

fn parse_value_type(raw: &str) -> Result<SettingValueType, ApiError> {
    raw.trim()
        .parse()
        .map_err(|_| field_error("valueType", format!("\"{raw}\" is not a valid choice.")))
}

fn duplicate_key(e: StoreError) -> ApiError {
    if e.is_duplicate_of("settings_key_key") {
        field_error("key", "jhe setting with this key already exists.")
    } else {
        e.into()
    }
}

fn target(id: impl ToString) -> Target<'static> {
    Target::new("Setting", id)
}

/// `GET /api/v1/jhe_settings` (superusers)
#[utoipa::path(
    get,
    path = "/api/v1/jhe_settings",
    tag = "settings",
    security(("bearer" = [])),
    params(("page" = Option<i64>, Query, description = "1-based page number (1000 per page)")),
    responses(
        (status = 200, description = "Every setting, by id", body = Paginated<SettingItem>),
        Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn list(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::from_request(&req, Flavour::Global)?;
    let (count, rows) = state
        .db(move |conn| {
            authorize_plain(
                conn,
                &caller,
                &Action::ManageSettings,
                &Target::collection("Setting"),
                false,
            )?;
            Ok::<_, ApiError>(settings::list_settings(conn, page.offset(), page.limit())?)
        })
        .await?;
    let items = rows.into_iter().map(SettingItem::from).collect();
    Ok(HttpResponse::Ok().json(page.envelope(&req, &state.config.site_url, count, items)?))
}

/// `GET /api/v1/jhe_settings/{id}` (superusers)
#[utoipa::path(
    get,
    path = "/api/v1/jhe_settings/{id}",
    tag = "settings",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Setting id")),
    responses(
        (status = 200, description = "The setting", body = SettingItem),
        Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn get(
    caller: Caller,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = SettingId(path.into_inner());
    let item = state
        .db(move |conn| {
            authorize_plain(conn, &caller, &Action::ManageSettings, &target(id), false)?;
            Ok::<_, ApiError>(SettingItem::from(settings::get_setting_by_id(conn, id)?))
        })
        .await?;
    Ok(HttpResponse::Ok().json(item))
}

/// `POST /api/v1/jhe_settings` (superusers)
#[utoipa::path(
    post,
    path = "/api/v1/jhe_settings",
    tag = "settings",
    security(("bearer" = [])),
    request_body = SettingBody,
    responses(
        (status = 201, description = "The new setting", body = SettingItem),
        BadRequest, Unauthorized, Forbidden,
    )
)]
pub(crate) async fn create(
    caller: Caller,
    body: SettingJson,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let mut errors = FieldErrors::default();
    let key = errors.take(required("key", body.key.as_deref()));
    let value_type = match body.value_type.as_deref() {
        Some(raw) => errors.take(parse_value_type(raw)),
        None => {
            errors.add("valueType", "This field is required.");
            None
        }
    };
    let value = match (&body.value, value_type) {
        (Some(v), Some(t)) => errors.take(coerce(t, v)),
        (None, _) => {
            errors.add("value", "This field is required.");
            None
        }
        (Some(_), None) => None,
    };
    errors.finish()?;
    let (Some(key), Some(value)) = (key, value) else {
        return Err(ApiError::BadRequest("Give key, value_type and value.".into()));
    };
    let item = state
        .db(move |conn| {
            authorize_plain(
                conn,
                &caller,
                &Action::ManageSettings,
                &Target::collection("Setting"),
                true,
            )?;
            in_transaction(conn, |conn| {
                let created =
                    settings::create_setting(conn, &key, &value, Utc::now()).map_err(duplicate_key)?;
                audit(
                    conn,
                    &caller,
                    "setting.create",
                    &target(created.id),
                    AuditOutcome::Success,
                    Some(created.key.clone()),
                )?;
                Ok::<_, ApiError>(SettingItem::from(created))
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(item))
}

/// `PUT` / `PATCH /api/v1/jhe_settings/{id}` (superusers). Changing `value_type` needs a `value` too.
#[utoipa::path(
    patch,
    path = "/api/v1/jhe_settings/{id}",
    tag = "settings",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Setting id")),
    request_body = SettingBody,
    responses(
        (status = 200, description = "The changed setting", body = SettingItem),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn update(
    caller: Caller,
    path: web::Path<i64>,
    body: SettingJson,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = SettingId(path.into_inner());
    let body = body.0;
    let key = body
        .key
        .as_deref()
        .map(|k| required("key", Some(k)))
        .transpose()?;
    let value_type = body.value_type.as_deref().map(parse_value_type).transpose()?;
    let sent = body.value;
    let item = state
        .db(move |conn| {
            authorize_plain(conn, &caller, &Action::ManageSettings, &target(id), true)?;
            in_transaction(conn, |conn| {
                let current = settings::get_setting_by_id(conn, id)?;
                let current_type = current.value.value_type();
                let value = match (value_type, &sent) {
                    (Some(t), None) if t != current_type => {
                        return Err(field_error("value", "Required when changing value_type."));
                    }
                    (t, Some(v)) => coerce(t.unwrap_or(current_type), v)?,
                    (_, None) => current.value.clone(),
                };
                let key = key.unwrap_or_else(|| current.key.clone());
                let updated = settings::update_setting_by_id(conn, id, &key, &value, Utc::now())
                    .map_err(duplicate_key)?;
                audit(
                    conn,
                    &caller,
                    "setting.update",
                    &target(id),
                    AuditOutcome::Success,
                    Some(updated.key.clone()),
                )?;
                Ok::<_, ApiError>(SettingItem::from(updated))
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(item))
}

/// `DELETE /api/v1/jhe_settings/{id}` (superusers); code reading the setting falls back to its default.
#[utoipa::path(
    delete,
    path = "/api/v1/jhe_settings/{id}",
    tag = "settings",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Setting id")),
    responses(
        (status = 204, description = "Deleted"),
        Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn delete(
    caller: Caller,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = SettingId(path.into_inner());
    state
        .db(move |conn| {
            authorize_plain(conn, &caller, &Action::ManageSettings, &target(id), true)?;
            settings::delete_setting_by_id(conn, id)?;
            audit(
                conn,
                &caller,
                "setting.delete",
                &target(id),
                AuditOutcome::Success,
                None,
            )?;
            Ok::<_, ApiError>(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `PUT /api/v1/jhe_settings/{id}`: the same as `PATCH`; fields left out keep their values.
#[utoipa::path(
    put,
    path = "/api/v1/jhe_settings/{id}",
    tag = "settings",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Setting id")),
    request_body = SettingBody,
    responses(
        (status = 200, description = "The changed setting", body = SettingItem),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn replace(
    caller: Caller,
    path: web::Path<i64>,
    body: SettingJson,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    update(caller, path, body, state).await
}

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/jhe_settings", web::get().to(list))
        .route("/api/v1/jhe_settings", web::post().to(create))
        .route("/api/v1/jhe_settings/{id:\\d+}", web::get().to(get))
        .route("/api/v1/jhe_settings/{id:\\d+}", web::put().to(replace))
        .route("/api/v1/jhe_settings/{id:\\d+}", web::patch().to(update))
        .route("/api/v1/jhe_settings/{id:\\d+}", web::delete().to(delete));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_coerced_with_the_reference_rules() {
        assert_eq!(
            coerce(SettingValueType::Int, &json!("7")).unwrap(),
            SettingValue::Int(7)
        );
        assert_eq!(
            coerce(SettingValueType::Int, &json!(7)).unwrap(),
            SettingValue::Int(7)
        );
        assert!(coerce(SettingValueType::Int, &json!("seven")).is_err());
        assert!(coerce(SettingValueType::Int, &json!(7.5)).is_err());
        assert_eq!(
            coerce(SettingValueType::Float, &json!("2.5")).unwrap(),
            SettingValue::Float(2.5)
        );
        assert!(coerce(SettingValueType::Float, &json!("NaN")).is_err());
        for yes in [
            json!(true),
            json!("Yes"),
            json!("on"),
            json!("1"),
            json!(1),
            json!("y"),
        ] {
            assert_eq!(
                coerce(SettingValueType::Bool, &yes).unwrap(),
                SettingValue::Bool(true),
                "{yes}"
            );
        }
        for no in [json!(false), json!("off"), json!("N"), json!("0"), json!(0)] {
            assert_eq!(
                coerce(SettingValueType::Bool, &no).unwrap(),
                SettingValue::Bool(false),
                "{no}"
            );
        }
        assert!(coerce(SettingValueType::Bool, &json!("maybe")).is_err());
        assert!(coerce(SettingValueType::Bool, &json!(2)).is_err());
        assert_eq!(
            coerce(SettingValueType::Json, &json!({"aB": [1]})).unwrap(),
            SettingValue::Json(r#"{"aB":[1]}"#.into())
        );
        assert_eq!(
            coerce(SettingValueType::Json, &json!("[1, 2]")).unwrap(),
            SettingValue::Json("[1,2]".into())
        );
        assert_eq!(
            coerce(SettingValueType::String, &json!(12)).unwrap(),
            SettingValue::String("12".into())
        );
    }
}
