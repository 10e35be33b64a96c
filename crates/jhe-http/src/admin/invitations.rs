//! Patient invitations (reference §6.4). A practitioner who may manage the patient issues a link for a patient app;
//! the app redeems it, unauthenticated, for a ready-made authorization-code grant whose PKCE verifier only the
//! link's holder can compute. Only the token's hash is stored.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use jhe_consent::Action;
use jhe_domain::{
    AuditOutcome, ClientId, InvitationId, InvitationStatus, NewAuditEvent, NewPatientInvitation, PatientId,
    PatientInvitation,
};
use jhe_store::facts::{FactsScope, load_facts};
use jhe_store::{audit, auth as store_auth, clients, in_transaction, invitations, people, settings};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::openapi::{BadRequest, Forbidden, NotFound, Unauthorized};

/// The body of `POST /invitation`.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct CreateInvitation {
    /// The invited patient (also `patientId`).
    #[serde(alias = "patientId")]
    patient_id: Option<i64>,
    /// The patient app's row id. The reference keeps this key in snake case only.
    client_id: Option<i64>,
    /// Accepted for compatibility; this server sends no e-mail and always answers the link.
    #[serde(default, alias = "sendEmail")]
    send_email: bool,
}

/// An invitation as the Admin API shows it (the reference's field names, `client_id` kept in snake case).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct InvitationItem {
    id: i64,
    #[serde(rename = "patientId")]
    patient_id: i64,
    client_id: i64,
    #[serde(rename = "tokenHash")]
    token_hash: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
    status: &'static str,
    #[serde(rename = "lastUpdated")]
    last_updated: String,
    #[serde(rename = "invitationLink", skip_serializing_if = "Option::is_none")]
    invitation_link: Option<String>,
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn item(inv: &PatientInvitation, token: Option<String>, link: Option<String>) -> InvitationItem {
    InvitationItem {
        id: inv.id.get(),
        patient_id: inv.patient_id.get(),
        client_id: inv.client_id.get(),
        token_hash: inv.token_hash.clone(),
        token,
        status: inv.status.as_str(),
        last_updated: iso(inv.last_updated),
        invitation_link: link,
    }
}

fn event(
    caller: &Caller,
    action: &str,
    patient: PatientId,
    target: Option<String>,
    outcome: AuditOutcome,
) -> NewAuditEvent {
    NewAuditEvent {
        occurred_at: Utc::now(),
        actor_user_id: Some(caller.user.id),
        action: action.into(),
        target_type: "PatientInvitation".into(),
        target_id: target,
        patient_ids: vec![patient],
        outcome,
        detail: None,
    }
}

/// Checks that the caller may manage invitations for the patient, recording a refusal in the audit trail.
fn authorize_manage(
    conn: &mut jhe_store::DbConnection,
    caller: &Caller,
    patient: PatientId,
) -> Result<(), ApiError> {
    let facts = load_facts(
        conn,
        &FactsScope {
            practitioner: caller.principal.practitioner_id(),
            patients: vec![patient],
            studies: vec![],
        },
    )?;
    if let Err(denied) =
        jhe_consent::authorize(&caller.principal, &Action::ManageInvitations { patient }, &facts)
    {
        audit::append_audit_event(
            conn,
            &event(caller, "invitation.manage", patient, None, AuditOutcome::Denied),
        )?;
        return Err(denied.into());
    }
    Ok(())
}

/// `POST /api/v1/invitation`: issue an invitation link.
#[utoipa::path(
    post,
    path = "/api/v1/invitation",
    tag = "invitations",
    security(("bearer" = [])),
    request_body = CreateInvitation,
    responses(
        (status = 201, description = "The invitation, with its token and link (shown once)", body = InvitationItem),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn create(
    caller: Caller,
    body: web::Json<CreateInvitation>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut fields = std::collections::BTreeMap::new();
    if body.patient_id.is_none() {
        fields.insert("patientId".to_owned(), vec!["This field is required.".to_owned()]);
    }
    if body.client_id.is_none() {
        fields.insert("client_id".to_owned(), vec!["This field is required.".to_owned()]);
    }
    let (Some(patient), Some(client)) = (body.patient_id, body.client_id) else {
        return Err(ApiError::Fields(fields));
    };
    if body.send_email {
        log::warn!(
            "invitation requested with send_email, but this server sends no e-mail; the link is returned"
        );
    }
    let (patient, client) = (PatientId(patient), ClientId(client));
    let site = state.config.site_url.clone();
    let token_bytes: [u8; 32] = rand::rng().random();
    let token = jhe_oauth::invitation_token_from_random(&token_bytes);
    let item = state
        .db(move |conn| {
            people::get_patient(conn, patient)
                .map_err(|_| ApiError::NotFound("Patient not found.".into()))?;
            authorize_manage(conn, &caller, patient)?;
            let app = clients::get_client(conn, client)
                .map_err(|_| ApiError::NotFound("Client not found.".into()))?;
            let patient_app = clients::find_patient_client(conn, app.id)?.ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "Client {} is not a patient app: it has no invitation URL.",
                    app.name
                ))
            })?;
            let link =
                jhe_oauth::invitation_link(&patient_app.invitation_url, &site, &token).map_err(|e| {
                    ApiError::BadRequest(format!("The client's invitation URL cannot be used: {e}"))
                })?;
            in_transaction(conn, |conn| {
                let now = Utc::now();
                let days = settings::int_setting(conn, "auth.patient.invitation_expiration_days", 7)?;
                invitations::reissue_open_invitations(conn, patient, client, now)?;
                let inv = invitations::create_invitation(
                    conn,
                    &NewPatientInvitation {
                        patient_id: patient,
                        client_id: client,
                        token_hash: jhe_oauth::invitation_token_hash(&token),
                        status: InvitationStatus::Issued,
                        created_at: now,
                        expires_at: now + Duration::days(days),
                    },
                )?;
                audit::append_audit_event(
                    conn,
                    &event(
                        &caller,
                        "invitation.create",
                        patient,
                        Some(inv.id.to_string()),
                        AuditOutcome::Success,
                    ),
                )?;
                Ok::<_, ApiError>(item(&inv, Some(token.clone()), Some(link.clone())))
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(item))
}

#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    #[serde(alias = "patientId")]
    patient_id: Option<i64>,
}

/// `GET /api/v1/invitation?patient_id=N`: a patient's invitations, newest first (never their tokens).
#[utoipa::path(
    get,
    path = "/api/v1/invitation",
    tag = "invitations",
    security(("bearer" = [])),
    params(("patient_id" = i64, Query, description = "The patient; also `patientId`")),
    responses(
        (status = 200, description = "The patient's invitations, newest first", body = InvitationList),
        BadRequest, Unauthorized, Forbidden,
    )
)]
pub(crate) async fn list(
    caller: Caller,
    query: web::Query<ListQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let patient = query.patient_id.map(PatientId).ok_or_else(|| {
        ApiError::BadRequest("Give patient_id: invitations are listed one patient at a time.".into())
    })?;
    let items = state
        .db(move |conn| {
            authorize_manage(conn, &caller, patient)?;
            let all = invitations::invitations_of_patient(conn, patient)?;
            Ok::<_, ApiError>(all.iter().map(|i| item(i, None, None)).collect::<Vec<_>>())
        })
        .await?;
    Ok(HttpResponse::Ok().json(InvitationList {
        count: items.len(),
        next: None,
        previous: None,
        results: items,
    }))
}

/// `DELETE /api/v1/invitation/{id}`: cancels an invitation; redeeming it is refused from then on.
#[utoipa::path(
    delete,
    path = "/api/v1/invitation/{id}",
    tag = "invitations",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Invitation id")),
    responses(
        (status = 204, description = "Cancelled"),
        Unauthorized, Forbidden, NotFound,
    )
)]
pub(crate) async fn cancel(
    caller: Caller,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = InvitationId(path.into_inner());
    state
        .db(move |conn| {
            let inv = invitations::get_invitation(conn, id)?;
            authorize_manage(conn, &caller, inv.patient_id)?;
            invitations::set_invitation_status(conn, id, InvitationStatus::Cancelled, Utc::now())?;
            audit::append_audit_event(
                conn,
                &event(
                    &caller,
                    "invitation.cancel",
                    inv.patient_id,
                    Some(id.to_string()),
                    AuditOutcome::Success,
                ),
            )?;
            Ok::<_, ApiError>(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/v1/invitation/{token}`: redeem (no authentication: the token is the credential).
#[utoipa::path(
    post,
    path = "/api/v1/invitation/{token}",
    tag = "invitations",
    params(("token" = String, Path, description = "The 32-character invitation token from the link")),
    responses(
        (status = 200, description = "A ready-made authorization-code grant for the patient app; its PKCE verifier is base64url(token)", body = Object),
        (status = 403, description = "The invitation was cancelled", body = crate::openapi::ErrorDetail),
        (status = 404, description = "No such invitation", body = crate::openapi::ErrorDetail),
        (status = 409, description = "The invitation was used already", body = crate::openapi::ErrorDetail),
        (status = 410, description = "The invitation has expired", body = crate::openapi::ErrorDetail),
    )
)]
pub(crate) async fn redeem(
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let token = path.into_inner();
    let not_found = || ApiError::NotFound("Invitation not found or already used.".into());
    if !jhe_oauth::is_well_formed_invitation_token(&token) {
        return Err(not_found());
    }
    let site = state.config.site_url.clone();
    let code_bytes: [u8; 32] = rand::rng().random();
    let family_bytes: [u8; 32] = rand::rng().random();
    let body = state
        .db(move |conn| {
            in_transaction(conn, |conn| {
                let now = Utc::now();
                let inv = invitations::find_invitation_by_token_hash(
                    conn,
                    &jhe_oauth::invitation_token_hash(&token),
                )?
                .ok_or_else(not_found)?;
                let days = settings::int_setting(conn, "auth.patient.invitation_expiration_days", 7)?;
                let window =
                    settings::int_setting(conn, "auth.patient.invitation_redemption_window_hours", 12)?;
                match inv.status {
                    InvitationStatus::Issued if now - inv.created_at >= Duration::days(days) => {
                        invitations::set_invitation_status(conn, inv.id, InvitationStatus::Expired, now)?;
                        return Ok(Err(ApiError::Gone("Invitation has expired.".into())));
                    }
                    InvitationStatus::Issued => {}
                    InvitationStatus::Expired => {
                        return Ok(Err(ApiError::Gone("Invitation has expired.".into())));
                    }
                    InvitationStatus::Cancelled => {
                        return Ok(Err(ApiError::Forbidden("Invitation has been cancelled.".into())));
                    }
                    InvitationStatus::Reissued => {
                        return Ok(Err(ApiError::Conflict(
                            "Invitation has already been used.".into(),
                        )));
                    }
                    InvitationStatus::Redeemed if now - inv.last_updated <= Duration::hours(window) => {}
                    InvitationStatus::Redeemed => {
                        return Ok(Err(ApiError::Conflict(
                            "Invitation has already been used.".into(),
                        )));
                    }
                }
                let patient = people::get_patient(conn, inv.patient_id)?;
                let user = patient.user_id.ok_or_else(|| {
                    ApiError::BadRequest("This patient has no login account yet; ask the study team.".into())
                })?;
                let client = clients::get_client(conn, inv.client_id)?;
                let redirect_uri = format!("{site}/auth/callback");
                store_auth::touch_last_login(conn, user, now)?;
                store_auth::delete_unused_codes(conn, user, client.id)?;
                let code = jhe_oauth::OpaqueToken::from_random(&code_bytes);
                let verifier = jhe_oauth::invitation_code_verifier(&token);
                let expires = now + Duration::seconds(jhe_oauth::CODE_LIFETIME_SECS);
                store_auth::create_authorization_code(
                    conn,
                    &store_auth::NewAuthorizationCode {
                        code_hash: &code.hash(),
                        client_id: client.id,
                        user_id: user,
                        redirect_uri: &redirect_uri,
                        scope: "openid email",
                        code_challenge: &jhe_oauth::s256_challenge(&verifier),
                        nonce: None,
                        family: &jhe_oauth::OpaqueToken::from_random(&family_bytes).hash(),
                        auth_time: now,
                        created_at: now,
                        expires_at: expires,
                    },
                )?;
                if inv.status == InvitationStatus::Redeemed {
                    invitations::touch_invitation(conn, inv.id, now)?;
                } else {
                    invitations::set_invitation_status(conn, inv.id, InvitationStatus::Redeemed, now)?;
                }
                audit::append_audit_event(
                    conn,
                    &NewAuditEvent {
                        occurred_at: now,
                        actor_user_id: Some(user),
                        action: "invitation.redeem".into(),
                        target_type: "PatientInvitation".into(),
                        target_id: Some(inv.id.to_string()),
                        patient_ids: vec![inv.patient_id],
                        outcome: AuditOutcome::Success,
                        detail: None,
                    },
                )?;
                Ok::<_, ApiError>(Ok(json!({
                    "grant": {
                        "grant_type": "authorization_code",
                        "redirect_uri": redirect_uri,
                        "client_id": client.client_id,
                        "code": code.as_str(),
                    },
                    "token_endpoint": format!("{site}/o/token/"),
                    "expires": iso(expires),
                })))
            })
        })
        .await??;
    Ok(HttpResponse::Ok().json(body))
}

/// The invitation list: the pagination envelope, with every invitation on one page.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct InvitationList {
    count: usize,
    next: Option<String>,
    previous: Option<String>,
    results: Vec<InvitationItem>,
}

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/invitation", web::post().to(create))
        .route("/api/v1/invitation", web::get().to(list))
        .route("/api/v1/invitation/{id:\\d+}", web::delete().to(cancel))
        .route("/api/v1/invitation/{token}", web::post().to(redeem));
}
