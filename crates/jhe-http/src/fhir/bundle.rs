//! Bundles posted to the base: `batch` (entries independent; a batch-response gives each its status) and
//! `transaction` (all entries stored or none; a failure is one OperationOutcome). Accepted entries are stored in
//! one database transaction.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use jhe_domain::*;
use jhe_fhir::batch::{check_batch_entry, created_entry};
use jhe_fhir::resource::{Bundle, BundleEntry, OperationOutcome};
use jhe_fhir::upload::{AcceptedUpload, PipelineError, run_upload_pipeline_value};
use jhe_store::{audit, in_transaction, observations};
use serde_json::Value;

use super::checks::StoreChecks;
use super::observation::audit_event;
use super::{check_json_body, fhir_error, fhir_response};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, StyledError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Batch,
    Transaction,
}

/// The outcome of one entry before storing.
enum EntryOutcome {
    Accepted(Box<AcceptedUpload>),
    Refused { status: u16, outcome: OperationOutcome },
}

fn bad_bundle(message: impl Into<String>) -> StyledError {
    fhir_error(ApiError::BadRequest(message.into()))
}

/// Reads the body as a Bundle of type batch or transaction; anything else is a 400 that says what is wrong.
fn parse(body: &[u8]) -> Result<(Kind, Vec<BundleEntry<Value>>), StyledError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| bad_bundle(format!("The body is not valid JSON: {e}")))?;
    if value.get("resourceType").and_then(Value::as_str) != Some("Bundle") {
        return Err(bad_bundle(
            "Only a Bundle of type batch or transaction can be posted to the base.",
        ));
    }
    let kind = match value.get("type").and_then(Value::as_str) {
        Some("batch") => Kind::Batch,
        Some("transaction") => Kind::Transaction,
        other => {
            return Err(bad_bundle(format!(
                "Bundle.type must be \"batch\" or \"transaction\", not {}.",
                other.map_or("missing".to_owned(), |t| format!("\"{t}\""))
            )));
        }
    };
    let entries = match value.get("entry") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                serde_json::from_value::<BundleEntry<Value>>(item.clone())
                    .map_err(|e| bad_bundle(format!("Bundle.entry[{i}] is not a Bundle entry: {e}")))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(bad_bundle("Bundle.entry must be a list.")),
    };
    Ok((kind, entries))
}

/// `POST /FHIR/R5/` and `POST /FHIR/R5`.
pub(crate) async fn submit(
    req: HttpRequest,
    caller: Caller,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, StyledError> {
    check_json_body(req.headers())?;
    let (kind, entries) = parse(&body)?;
    let principal = caller.principal.clone();
    let result = state
        .db(move |conn| {
            let mut checks = StoreChecks::new(conn, &principal);
            let identifiers: Vec<Identifier> = entries
                .iter()
                .filter_map(|e| e.resource.as_ref())
                .filter_map(|r| r.get("identifier").and_then(serde_json::Value::as_array))
                .flatten()
                .filter_map(|i| {
                    Some(Identifier {
                        system: i.get("system")?.as_str()?.to_owned(),
                        value: i.get("value")?.as_str()?.to_owned(),
                    })
                })
                .collect();
            checks.prefetch_identifiers(&identifiers)?;
            let mut outcomes = Vec::with_capacity(entries.len());
            for entry in &entries {
                let outcome = match check_batch_entry(entry) {
                    Err(e) => EntryOutcome::Refused {
                        status: 400,
                        outcome: OperationOutcome::error(e.to_string()),
                    },
                    Ok(resource) => match run_upload_pipeline_value(resource, &mut checks) {
                        Ok(accepted) => {
                            checks.claim(&accepted.identifiers);
                            EntryOutcome::Accepted(Box::new(accepted))
                        }
                        Err(PipelineError::Refused(e)) => EntryOutcome::Refused {
                            status: e.status(),
                            outcome: e.to_operation_outcome(),
                        },
                        Err(PipelineError::Store(e)) => return Err(ApiError::from(e)),
                    },
                };
                // A transaction stops at its first refusal: nothing will be stored.
                if kind == Kind::Transaction
                    && let EntryOutcome::Refused { status, outcome } = outcome
                {
                    audit::append_audit_event(
                        checks.conn(),
                        &audit_event(
                            &principal,
                            "observation.create",
                            "Bundle",
                            None,
                            vec![],
                            AuditOutcome::Denied,
                            Some(format!("transaction refused with {status}")),
                        ),
                    )?;
                    return Ok(Err((status, outcome)));
                }
                outcomes.push(outcome);
            }
            let new: Vec<NewObservation> = outcomes
                .iter()
                .filter_map(|o| match o {
                    EntryOutcome::Accepted(a) => Some(a.to_new_observation()),
                    EntryOutcome::Refused { .. } => None,
                })
                .collect();
            let conn = checks.conn();
            let stored = in_transaction(conn, |conn| {
                let stored = observations::insert_observations(conn, &new, Utc::now())?;
                let patients: Vec<PatientId> = stored.iter().map(|o| o.patient_id).collect();
                audit::append_audit_event(
                    conn,
                    &audit_event(
                        &principal,
                        "observation.create",
                        "Bundle",
                        None,
                        patients,
                        AuditOutcome::Success,
                        Some(format!("{} stored", stored.len())),
                    ),
                )?;
                Ok::<_, ApiError>(stored)
            })?;
            let mut ids = stored.iter().map(|o| o.id);
            let response_entries: Vec<BundleEntry<Value>> = outcomes
                .into_iter()
                .map(|o| match o {
                    EntryOutcome::Accepted(_) => ids.next().map(created_entry).unwrap_or_else(|| {
                        jhe_fhir::batch::failed_entry(
                            500,
                            OperationOutcome::error("The entry was not stored."),
                        )
                    }),
                    EntryOutcome::Refused { status, outcome } => {
                        jhe_fhir::batch::failed_entry(status, outcome)
                    }
                })
                .collect();
            Ok(Ok((stored.len(), response_entries)))
        })
        .await
        .map_err(fhir_error)?;
    match result {
        Ok((stored, response_entries)) => {
            super::observation::count_ingested(stored as u64);
            let mut bundle = Bundle::batch_response(response_entries);
            if kind == Kind::Transaction {
                bundle.bundle_type = jhe_fhir::resource::BundleType::TransactionResponse;
            }
            Ok(fhir_response(&req, StatusCode::OK, &bundle))
        }
        Err((status, outcome)) => {
            let outcome = serde_json::to_value(outcome).unwrap_or_default();
            Err(fhir_error(ApiError::Outcome { status, outcome }))
        }
    }
}
