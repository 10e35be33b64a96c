//! The batch endpoint (`POST /FHIR/R5/`): reading the request Bundle and writing the `batch-response`.
//!
//! How the HTTP layer drives it:
//!
//! 1. [`parse_batch`] the body. [`BatchError::MissingData`] (some entry has no `resource.valueAttachment.data`) is
//!    answered 400 with the bare JSON array of [`BatchError::body`], as the reference does; any other
//!    [`BatchError`] is a 400 OperationOutcome (the reference answered 500).
//! 2. For each entry, in order: [`check_batch_entry`]; on error append [`failed_entry`] and go on with the *next*
//!    entry (the reference also ran the refused entry). Otherwise route the resource with
//!    [`crate::route_observation`] and run [`crate::run_upload_pipeline_value`]: success appends
//!    [`created_entry`], a refusal appends [`crate::UploadError::to_batch_entry`]. Earlier entries stay stored
//!    when later ones fail; `Bundle.type` `transaction` is processed the same way (not atomically).
//! 3. Answer 200 with [`crate::resource::Bundle::batch_response`].

use jhe_domain::ObservationId;
use serde_json::{Value, json};

use crate::resource::{Bundle, BundleEntry, BundleEntryResponse, OperationOutcome};

/// The message of the batch pre-check.
pub const MISSING_DATA_MESSAGE: &str = "resource.valueAttachment.data must be not null.";

/// Why a batch request was refused as a whole (400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// Some entry has no `resource.valueAttachment.data`.
    #[error("{MISSING_DATA_MESSAGE}")]
    MissingData,
    /// The body is not a Bundle.
    #[error("{0}")]
    Invalid(String),
}

impl BatchError {
    /// The response body: `["resource.valueAttachment.data must be not null."]` (a bare array, as the reference
    /// answers) for [`BatchError::MissingData`], an OperationOutcome otherwise.
    pub fn body(&self) -> Value {
        match self {
            BatchError::MissingData => json!([MISSING_DATA_MESSAGE]),
            BatchError::Invalid(message) => json!(OperationOutcome::error(message.clone())),
        }
    }
}

/// Reads a batch (or transaction) Bundle: first the pre-check that every entry carries
/// `resource.valueAttachment.data`, then the Bundle's shape.
pub fn parse_batch(body: &[u8]) -> Result<Bundle<Value>, BatchError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| BatchError::Invalid(format!("JSON parse error - {e}")))?;
    let entries = value
        .get("entry")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let has_data = |entry: &Value| {
        entry
            .pointer("/resource/valueAttachment/data")
            .is_some_and(|d| !d.is_null())
    };
    if !entries.iter().all(has_data) {
        return Err(BatchError::MissingData);
    }
    serde_json::from_value(value).map_err(|e| BatchError::Invalid(format!("Invalid FHIR Bundle: {e}")))
}

/// Checks one entry before it is created: the resource must be an Observation and the method POST (an entry
/// without `request` counts as a POST). Returns the resource to run through the upload pipeline.
pub fn check_batch_entry(entry: &BundleEntry<Value>) -> Result<Value, BatchEntryError> {
    let resource = entry.resource.clone().unwrap_or(Value::Null);
    if resource.get("resourceType").and_then(Value::as_str) != Some("Observation") {
        return Err(BatchEntryError::NotObservation);
    }
    if entry
        .request
        .as_ref()
        .is_some_and(|r| !r.method.eq_ignore_ascii_case("POST"))
    {
        return Err(BatchEntryError::NotPost);
    }
    Ok(resource)
}

/// Why a batch entry was refused before the upload pipeline (400 in its response entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BatchEntryError {
    /// The resource is not an Observation.
    #[error("Only Observation resourceType supported.")]
    NotObservation,
    /// The method is not POST.
    #[error("Only POST/Create method supported.")]
    NotPost,
}

impl BatchEntryError {
    /// The failed entry of the batch-response.
    pub fn to_batch_entry(self) -> BundleEntry<Value> {
        failed_entry(400, OperationOutcome::error(self.to_string()))
    }
}

/// The entry of a created observation: `{"resource": {"resourceType": "Resource", "id": "<id>"}, "response":
/// {"status": "201 Created", "location": "Observation/<id>"}}` (the reference's shape, plus `location`).
pub fn created_entry(id: ObservationId) -> BundleEntry<Value> {
    BundleEntry {
        full_url: None,
        resource: Some(json!({"resourceType": "Resource", "id": id.to_string()})),
        request: None,
        response: Some(BundleEntryResponse {
            status: status_line(201),
            location: Some(format!("Observation/{id}")),
            outcome: None,
        }),
    }
}

/// The entry of a failed one: `{"response": {"status": "403 Forbidden", "outcome": {…}}}`.
pub fn failed_entry(status: u16, outcome: OperationOutcome) -> BundleEntry<Value> {
    BundleEntry {
        full_url: None,
        resource: None,
        request: None,
        response: Some(BundleEntryResponse {
            status: status_line(status),
            location: None,
            outcome: Some(outcome),
        }),
    }
}

/// The status line of a batch-response entry: `201 Created`, `422 Unprocessable Entity`, …
pub fn status_line(status: u16) -> String {
    let reason = match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        500 => "Internal Server Error",
        _ => "",
    };
    if reason.is_empty() {
        status.to_string()
    } else {
        format!("{status} {reason}")
    }
}
