//! The two things every Admin API handler of studies, observations and the catalogue does around its store call:
//! ask the consent engine (with facts loaded for the request at hand) and write the audit trail. A refusal is
//! recorded before it is answered, so the trail shows denied attempts too.

use chrono::{DateTime, SecondsFormat, Utc};
use jhe_consent::{Action, DenialCode, Facts};
use jhe_domain::{AuditOutcome, NewAuditEvent, PatientId};
use jhe_store::DbConnection;
use jhe_store::audit::append_audit_event;
use jhe_store::facts::{FactsScope, load_facts};

use crate::auth::Caller;
use crate::error::ApiError;

/// Timestamps as the reference writes them: ISO 8601, microseconds, `Z`.
pub(crate) fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A 400 naming one field, in DRF's shape `{"field": ["message"]}`.
pub(crate) fn field_error(field: &str, message: impl Into<String>) -> ApiError {
    let mut fields = std::collections::BTreeMap::new();
    fields.insert(field.to_owned(), vec![message.into()]);
    ApiError::Fields(fields)
}

/// A required text field, trimmed; missing or blank is a 400 with DRF's messages.
pub(crate) fn required(field: &str, value: Option<&str>) -> Result<String, ApiError> {
    match value.map(str::trim) {
        None => Err(field_error(field, "This field is required.")),
        Some("") => Err(field_error(field, "This field may not be blank.")),
        Some(v) => Ok(v.to_owned()),
    }
}

/// An id given as a query parameter. Empty values and the `undefined` / `null` a browser client sends for an
/// unset selection count as absent; anything else must be an integer.
pub(crate) fn optional_id(field: &str, value: Option<&str>) -> Result<Option<i64>, ApiError> {
    match value.map(str::trim) {
        None | Some("" | "undefined" | "null") => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .map(Some)
            .map_err(|_| field_error(field, "A valid integer is required.")),
    }
}

/// Collects field errors across several checks, so one 400 names every invalid field.
#[derive(Debug, Default)]
pub(crate) struct FieldErrors(std::collections::BTreeMap<String, Vec<String>>);

impl FieldErrors {
    /// The value of a check that passed; a failed check's field messages are kept for [`FieldErrors::finish`].
    pub(crate) fn take<T>(&mut self, check: Result<T, ApiError>) -> Option<T> {
        match check {
            Ok(v) => Some(v),
            Err(ApiError::Fields(fields)) => {
                for (field, messages) in fields {
                    self.0.entry(field).or_default().extend(messages);
                }
                None
            }
            Err(other) => {
                self.0.entry("detail".into()).or_default().push(other.to_string());
                None
            }
        }
    }

    /// Records a message for a field.
    pub(crate) fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.entry(field.to_owned()).or_default().push(message.into());
    }

    /// `Ok` when every check passed, else the 400 naming each invalid field.
    pub(crate) fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Fields(self.0))
        }
    }
}

/// Remembers the web UI's current organization and study in the practitioner's settings, as the reference's list
/// endpoints do (`GET /users/profile` shows them). `study`: `None` keeps it, `Some(None)` forgets it. Patients and
/// unchanged selections write nothing.
pub(crate) fn remember_selection(
    conn: &mut DbConnection,
    caller: &Caller,
    organization: Option<i64>,
    study: Option<Option<i64>>,
) -> Result<(), ApiError> {
    let Some(practitioner) = caller.principal.practitioner_id() else {
        return Ok(());
    };
    let current = jhe_store::people::get_practitioner(conn, practitioner)?;
    let mut settings = match serde_json::from_str::<serde_json::Value>(&current.settings_json) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    let before = settings.clone();
    if let Some(org) = organization {
        settings.insert("current_organization_id".into(), org.into());
    }
    match study {
        Some(Some(id)) => {
            settings.insert("current_study_id".into(), id.into());
        }
        Some(None) => {
            settings.remove("current_study_id");
        }
        None => {}
    }
    if settings != before {
        jhe_store::people::set_practitioner_settings(
            conn,
            practitioner,
            &serde_json::Value::Object(settings).to_string(),
            Utc::now(),
        )?;
    }
    Ok(())
}

/// What an audit event is about.
#[derive(Debug, Clone)]
pub(crate) struct Target<'a> {
    /// `Study`, `Observation`, `DataSource`, …
    pub kind: &'a str,
    pub id: Option<String>,
    /// The patients whose data the action touches.
    pub patients: Vec<PatientId>,
}

impl<'a> Target<'a> {
    /// A target that concerns no patient.
    pub(crate) fn new(kind: &'a str, id: impl ToString) -> Target<'a> {
        Target {
            kind,
            id: Some(id.to_string()),
            patients: Vec::new(),
        }
    }

    /// A collection rather than one row (a list read).
    pub(crate) fn collection(kind: &'a str) -> Target<'a> {
        Target {
            kind,
            id: None,
            patients: Vec::new(),
        }
    }

    /// The same target, naming the patients whose data is touched.
    pub(crate) fn with_patients(mut self, patients: impl IntoIterator<Item = PatientId>) -> Target<'a> {
        self.patients.extend(patients);
        self
    }
}

/// Appends one audit event for the caller.
pub(crate) fn audit(
    conn: &mut DbConnection,
    caller: &Caller,
    action: &str,
    target: &Target<'_>,
    outcome: AuditOutcome,
    detail: Option<String>,
) -> Result<(), ApiError> {
    append_audit_event(
        conn,
        &NewAuditEvent {
            occurred_at: Utc::now(),
            actor_user_id: Some(caller.user.id),
            action: action.to_owned(),
            target_type: target.kind.to_owned(),
            target_id: target.id.clone(),
            patient_ids: target.patients.clone(),
            outcome,
            detail,
        },
    )?;
    Ok(())
}

/// Loads the facts `scope` describes (always with the caller's memberships) and asks the engine whether the caller
/// may do `action`. A refusal is audited (when `audit_denial`) and answered 403 with the engine's reason, or 404
/// when the engine says the target does not exist. The facts are returned for further checks.
pub(crate) fn authorize(
    conn: &mut DbConnection,
    caller: &Caller,
    action: &Action,
    scope: FactsScope,
    target: &Target<'_>,
    audit_denial: bool,
) -> Result<Facts, ApiError> {
    let facts = load_facts(
        conn,
        &FactsScope {
            practitioner: caller.principal.practitioner_id(),
            ..scope
        },
    )?;
    if let Err(denied) = jhe_consent::authorize(&caller.principal, action, &facts) {
        if audit_denial {
            audit(
                conn,
                caller,
                action.name(),
                target,
                AuditOutcome::Denied,
                Some(format!("{:?}", denied.code)),
            )?;
        }
        return Err(match denied.code {
            DenialCode::UnknownTarget => ApiError::NotFound(denied.reason),
            _ => ApiError::Forbidden(denied.reason),
        });
    }
    Ok(facts)
}

/// [`authorize`] for the actions that look at no facts (the catalogue, superuser-only administration, one's own API
/// clients): the engine gets empty facts, which saves loading the organization tree for them.
pub(crate) fn authorize_plain(
    conn: &mut DbConnection,
    caller: &Caller,
    action: &Action,
    target: &Target<'_>,
    audit_denial: bool,
) -> Result<(), ApiError> {
    match jhe_consent::authorize(&caller.principal, action, &Facts::new()) {
        Ok(()) => Ok(()),
        Err(denied) => {
            if audit_denial {
                audit(
                    conn,
                    caller,
                    action.name(),
                    target,
                    AuditOutcome::Denied,
                    Some(format!("{:?}", denied.code)),
                )?;
            }
            Err(ApiError::Forbidden(denied.reason))
        }
    }
}
