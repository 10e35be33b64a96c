//! The upload pipeline of Open mHealth Observations (`POST /FHIR/R5/Observation` and each batch entry): eleven
//! checks in a fixed order, the first failure wins, each with its status code and message.
//!
//! | # | Check | Where | Failure |
//! |---|---|---|---|
//! | 1 | The body is a FHIR Observation with `status` (a FHIR code) and `code` | [`parse_observation`] | 400 |
//! | 2 | `subject.reference` is `Patient/<id>` | [`ObservationUpload::subject_patient_id`] | 400 |
//! | 3 | That patient exists | store | 400 [`UploadError::PatientNotFound`] |
//! | 4 | The caller may write for that patient | store + consent engine | 403 [`SubjectAccess`] |
//! | 5 | `device.reference` is `Device/<id>` naming a personal device | [`ObservationUpload::device_id`], then store | 400 |
//! | 6 | No identifier is already taken (nor repeated in the request) | [`ObservationUpload::identifiers`], then store | 409 |
//! | 7 | `code.coding` has exactly one entry | [`ObservationUpload::single_coding`] | 400 |
//! | 8 | That coding is a known scope code | store | 400 [`UploadError::CodeNotFound`] |
//! | 9 | The patient consented to that scope in some study | store + consent engine | 403 [`UploadError::NotConsented`] |
//! | 10 | `valueAttachment.data` is base64 of UTF-8 JSON | [`ObservationUpload::decode_data`] | 400 |
//! | 11 | The JSON is a valid data point of the scope's type | [`validate_upload_data`] | 422 |
//!
//! Steps 1, 2, 7, 10 and 11 are pure and live here. Steps 3, 4, 6, 8 and 9 need the database; step 5 is a pure
//! shape check followed by a lookup. The HTTP layer either calls the step functions itself, in this order, or —
//! simpler — implements [`UploadChecks`] over its connection and calls [`run_upload_pipeline`], which runs all
//! eleven in order and returns an [`AcceptedUpload`] ready to store.
//!
//! Differences from the reference: an unknown `status` is refused at step 1 (the reference stored it verbatim);
//! the data may be any UTF-8 JSON (the reference wanted ASCII); an identifier repeated within one Observation is a
//! 409 at step 6 (the reference failed on insert).

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use jhe_domain::{
    DataSourceId, IEEE_CODING_SYSTEM, Identifier, NewObservation, OMH_CODING_SYSTEM, ObservationStatus,
    PatientId, ScopeCodeId,
};
use serde_json::Value;

use crate::omh::{DataPointError, ValidDataPoint, validate_data_point_value};
use crate::resource::{self as fhir, OperationOutcome};

/// Standard base64 that does not insist on padding or on zero trailing bits, like most decoders clients test with.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Why an upload was refused. `Display` is the exact diagnostics text; [`UploadError::status`] the HTTP status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    /// Step 1: not a FHIR Observation (bad JSON, wrong types, missing or unknown `status`, missing `code`).
    #[error("{0}")]
    InvalidObservation(String),
    /// Step 2.
    #[error("Subject is required and must be a reference to a Patient ID and start with 'Patient/'")]
    SubjectRequired,
    /// Step 3 (also when the id after `Patient/` is not a number).
    #[error("Patient id={0} can not be found.")]
    PatientNotFound(String),
    /// Step 4, practitioner caller: no organization in common with the patient.
    #[error("Current user doesn't have access to the Patient.")]
    NoPatientAccess,
    /// Step 4, patient caller without a patient profile.
    #[error("Current user is not a Patient.")]
    NotAPatient,
    /// Step 4, patient caller writing for someone else.
    #[error("The Subject Patient does not match the current user.")]
    SubjectMismatch,
    /// Step 5: no `Device/<id>` reference.
    #[error("Device is required and must be a reference to a Data Source ID and start with 'Device/'")]
    DeviceRequired,
    /// Step 5: no personal device with that id.
    #[error("Device Data Source id={0} can not be found.")]
    DeviceNotFound(String),
    /// Step 6.
    #[error("Identifier already exists: system={system} value={value}")]
    IdentifierExists {
        /// The identifier's system.
        system: String,
        /// The identifier's value.
        value: String,
    },
    /// Step 7.
    #[error("Exactly one Code must be provided.")]
    ExactlyOneCode,
    /// Step 8.
    #[error("Code not found: system={system} code={code}")]
    CodeNotFound {
        /// The coding's system.
        system: String,
        /// The coding's code.
        code: String,
    },
    /// Step 9.
    #[error(
        "Observation data with coding_system={system} coding_code={code} has not been consented for any studies by this Patient."
    )]
    NotConsented {
        /// The coding's system.
        system: String,
        /// The coding's code.
        code: String,
    },
    /// Step 10.
    #[error("valueAttachment.data must be Base 64 Encoded Binary JSON.")]
    InvalidData,
    /// Step 11.
    #[error("{0}")]
    InvalidDataPoint(DataPointError),
}

impl UploadError {
    /// The pipeline step that failed (1–11).
    pub const fn step(&self) -> u8 {
        match self {
            UploadError::InvalidObservation(_) => 1,
            UploadError::SubjectRequired => 2,
            UploadError::PatientNotFound(_) => 3,
            UploadError::NoPatientAccess | UploadError::NotAPatient | UploadError::SubjectMismatch => 4,
            UploadError::DeviceRequired | UploadError::DeviceNotFound(_) => 5,
            UploadError::IdentifierExists { .. } => 6,
            UploadError::ExactlyOneCode => 7,
            UploadError::CodeNotFound { .. } => 8,
            UploadError::NotConsented { .. } => 9,
            UploadError::InvalidData => 10,
            UploadError::InvalidDataPoint(_) => 11,
        }
    }

    /// The HTTP status to answer with.
    pub const fn status(&self) -> u16 {
        match self {
            UploadError::NoPatientAccess
            | UploadError::NotAPatient
            | UploadError::SubjectMismatch
            | UploadError::NotConsented { .. } => 403,
            UploadError::IdentifierExists { .. } => 409,
            UploadError::InvalidDataPoint(_) => 422,
            _ => 400,
        }
    }

    /// The OperationOutcome to answer with: one `error`/`processing` issue with the message; for a data point
    /// that breaks its schema, one issue per broken rule (`body.heart_rate.unit: expected "beats/min", found
    /// "bpm"`).
    pub fn to_operation_outcome(&self) -> OperationOutcome {
        match self {
            UploadError::InvalidDataPoint(e) if !e.violations().is_empty() => {
                let mut outcome = OperationOutcome {
                    issue: Vec::new(),
                    ..OperationOutcome::default()
                };
                for v in e.violations() {
                    outcome = outcome.with_issue(fhir::Issue {
                        severity: fhir::IssueSeverity::Error,
                        code: fhir::IssueType::Processing,
                        diagnostics: Some(v.to_string()),
                        expression: Vec::new(),
                    });
                }
                outcome
            }
            _ => OperationOutcome::error(self.to_string()),
        }
    }

    /// The failed entry of a batch-response for this error.
    pub fn to_batch_entry(&self) -> fhir::BundleEntry<Value> {
        crate::batch::failed_entry(self.status(), self.to_operation_outcome())
    }
}

/// Where a FHIR Observation goes on create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObservationRoute {
    /// A coding's system is the Open mHealth or the IEEE 1752 one: this pipeline.
    OpenMHealth,
    /// Anything else: the imported-records store (not part of this crate).
    Imported,
}

/// Routes an Observation by its codings' systems. Unlike the reference, which sent IEEE-coded observations to the
/// imported-records store, IEEE 1752 codes (`ieee:sleep-stage-summary:1.0`) take the Open mHealth path too, so they
/// are validated and consent-checked like the rest.
pub fn route_observation(resource: &Value) -> ObservationRoute {
    let codings = resource.pointer("/code/coding").and_then(Value::as_array);
    let is_omh = codings.into_iter().flatten().any(|c| {
        c.get("system")
            .and_then(Value::as_str)
            .is_some_and(|s| s == OMH_CODING_SYSTEM || s == IEEE_CODING_SYSTEM)
    });
    if is_omh {
        ObservationRoute::OpenMHealth
    } else {
        ObservationRoute::Imported
    }
}

/// The one coding of an uploaded Observation (step 7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeCoding {
    /// The coding system (empty when the coding had none).
    pub system: String,
    /// The code (empty when the coding had none).
    pub code: String,
}

/// The decoded `valueAttachment.data` (step 10).
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedData {
    /// The JSON text, exactly as uploaded; this is what the exchange stores.
    pub text: String,
    /// The parsed JSON.
    pub json: Value,
}

/// An Observation that passed step 1, with the pure checks of the later steps as methods.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservationUpload {
    resource: fhir::Observation,
    status: ObservationStatus,
}

/// Step 1 on the request body.
pub fn parse_observation(body: &[u8]) -> Result<ObservationUpload, UploadError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| UploadError::InvalidObservation(format!("JSON parse error - {e}")))?;
    parse_observation_value(value)
}

/// Step 1 on an already parsed resource (a batch entry).
pub fn parse_observation_value(value: Value) -> Result<ObservationUpload, UploadError> {
    let resource: fhir::Observation = serde_json::from_value(value)
        .map_err(|e| UploadError::InvalidObservation(format!("Invalid FHIR Observation: {e}")))?;
    let status = match resource.status.as_deref() {
        None => {
            return Err(UploadError::InvalidObservation(
                "Observation.status is required.".to_owned(),
            ));
        }
        Some(text) => text
            .parse::<ObservationStatus>()
            .map_err(|e| UploadError::InvalidObservation(format!("Observation.status: {e}")))?,
    };
    if resource.code.is_none() {
        return Err(UploadError::InvalidObservation(
            "Observation.code is required.".to_owned(),
        ));
    }
    for (i, identifier) in resource.identifier.iter().enumerate() {
        if identifier.value.as_deref().is_none_or(str::is_empty) {
            return Err(UploadError::InvalidObservation(format!(
                "Observation.identifier[{i}].value is required."
            )));
        }
    }
    Ok(ObservationUpload { resource, status })
}

impl ObservationUpload {
    /// The parsed resource.
    pub fn resource(&self) -> &fhir::Observation {
        &self.resource
    }

    /// The status (always a FHIR `ObservationStatus` code).
    pub fn status(&self) -> ObservationStatus {
        self.status
    }

    /// Step 2: the subject's patient id. A `Patient/<id>` whose id is not a number cannot exist, so it fails with
    /// step 3's message right away.
    pub fn subject_patient_id(&self) -> Result<PatientId, UploadError> {
        let reference = self
            .resource
            .subject
            .as_ref()
            .and_then(|s| s.reference.as_deref());
        let id = reference
            .and_then(|r| r.strip_prefix("Patient/"))
            .ok_or(UploadError::SubjectRequired)?;
        id.parse()
            .map_err(|_| UploadError::PatientNotFound(id.to_owned()))
    }

    /// Step 5, first half: the device's data source id. The HTTP layer then checks that it names a
    /// `personal_device` data source, else [`UploadError::DeviceNotFound`].
    pub fn device_id(&self) -> Result<DataSourceId, UploadError> {
        let reference = self.resource.device.as_ref().and_then(|d| d.reference.as_deref());
        let id = reference
            .and_then(|r| r.strip_prefix("Device/"))
            .ok_or(UploadError::DeviceRequired)?;
        id.parse().map_err(|_| UploadError::DeviceNotFound(id.to_owned()))
    }

    /// Step 6, first half: the identifiers to store (a missing system is stored as empty). Refuses an identifier
    /// repeated within this Observation; the HTTP layer then checks each against the store, in order.
    pub fn identifiers(&self) -> Result<Vec<Identifier>, UploadError> {
        let mut out: Vec<Identifier> = Vec::with_capacity(self.resource.identifier.len());
        for i in &self.resource.identifier {
            let identifier = Identifier {
                system: i.system.clone().unwrap_or_default(),
                value: i.value.clone().unwrap_or_default(),
            };
            if out.contains(&identifier) {
                return Err(UploadError::IdentifierExists {
                    system: identifier.system,
                    value: identifier.value,
                });
            }
            out.push(identifier);
        }
        Ok(out)
    }

    /// Step 7: exactly one coding.
    pub fn single_coding(&self) -> Result<ScopeCoding, UploadError> {
        match self.resource.code.as_ref().map(|c| c.coding.as_slice()) {
            Some([coding]) => Ok(ScopeCoding {
                system: coding.system.clone().unwrap_or_default(),
                code: coding.code.clone().unwrap_or_default(),
            }),
            _ => Err(UploadError::ExactlyOneCode),
        }
    }

    /// Step 10: `valueAttachment.data` decoded from base64 (standard alphabet; padding and line breaks
    /// tolerated) into UTF-8 JSON text.
    pub fn decode_data(&self) -> Result<DecodedData, UploadError> {
        let data = self
            .resource
            .value_attachment
            .as_ref()
            .and_then(|a| a.data.as_deref());
        let data = data.ok_or(UploadError::InvalidData)?;
        let compact: String = data.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let bytes = LENIENT_BASE64
            .decode(compact)
            .map_err(|_| UploadError::InvalidData)?;
        let text = String::from_utf8(bytes).map_err(|_| UploadError::InvalidData)?;
        let json = serde_json::from_str(&text).map_err(|_| UploadError::InvalidData)?;
        Ok(DecodedData { text, json })
    }
}

/// Step 11: the decoded data must be a valid data point of the scope code's type.
pub fn validate_upload_data(scope_code: &str, data: &DecodedData) -> Result<ValidDataPoint, UploadError> {
    validate_data_point_value(scope_code, data.json.clone()).map_err(UploadError::InvalidDataPoint)
}

/// The outcome of step 4, decided by the HTTP layer from the caller and the consent engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectAccess {
    /// The caller may write observations for the patient.
    Allowed,
    /// A practitioner with no organization in common with the patient.
    NoPatientAccess,
    /// A patient caller without a patient profile.
    NotAPatient,
    /// A patient caller naming someone else.
    SubjectMismatch,
}

/// The database side of the pipeline, implemented by the HTTP layer over its connection (and the caller).
pub trait UploadChecks {
    /// A store failure (becomes a 500).
    type Error;

    /// Step 3: does the patient exist?
    fn patient_exists(&mut self, patient: PatientId) -> Result<bool, Self::Error>;

    /// Step 4: may the caller write for this patient?
    fn subject_access(&mut self, patient: PatientId) -> Result<SubjectAccess, Self::Error>;

    /// Step 5: is this a data source of type `personal_device`?
    fn personal_device_exists(&mut self, device: DataSourceId) -> Result<bool, Self::Error>;

    /// Step 6: does an observation already hold this identifier?
    fn identifier_exists(&mut self, identifier: &Identifier) -> Result<bool, Self::Error>;

    /// Step 8: the scope code with this system and code, if any.
    fn find_scope_code(&mut self, system: &str, code: &str) -> Result<Option<ScopeCodeId>, Self::Error>;

    /// Step 9: has the patient consented to this scope in any of their studies?
    fn is_consented(&mut self, patient: PatientId, scope: ScopeCodeId) -> Result<bool, Self::Error>;
}

/// How [`run_upload_pipeline`] can fail.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PipelineError<E> {
    /// The upload was refused: answer with [`UploadError::status`] and [`UploadError::to_operation_outcome`].
    #[error("{0}")]
    Refused(UploadError),
    /// The store failed.
    #[error("the store failed while checking an upload")]
    Store(E),
}

impl<E> From<UploadError> for PipelineError<E> {
    fn from(e: UploadError) -> Self {
        PipelineError::Refused(e)
    }
}

/// An upload that passed all eleven steps.
#[derive(Debug, Clone, PartialEq)]
pub struct AcceptedUpload {
    /// The subject.
    pub patient_id: PatientId,
    /// The personal device.
    pub device_id: DataSourceId,
    /// The identifiers to store with it.
    pub identifiers: Vec<Identifier>,
    /// The coding, as sent.
    pub coding: ScopeCoding,
    /// The scope code it names.
    pub scope_code_id: ScopeCodeId,
    /// The status, as sent.
    pub status: ObservationStatus,
    /// The data point's JSON text, exactly as uploaded.
    pub omh_data: String,
    /// The validated data point, with its effective time.
    pub data_point: ValidDataPoint,
}

impl AcceptedUpload {
    /// What the store needs to insert it.
    pub fn to_new_observation(&self) -> NewObservation {
        NewObservation {
            id: None,
            patient_id: self.patient_id,
            scope_code_id: self.scope_code_id,
            data_source_id: Some(self.device_id),
            omh_data: self.omh_data.clone(),
            status: self.status,
            effective: self.data_point.effective,
            identifiers: self.identifiers.clone(),
        }
    }
}

/// Runs all eleven steps on a request body, in order.
pub fn run_upload_pipeline<C: UploadChecks>(
    body: &[u8],
    checks: &mut C,
) -> Result<AcceptedUpload, PipelineError<C::Error>> {
    let upload = parse_observation(body)?;
    continue_upload(&upload, checks)
}

/// Runs all eleven steps on a parsed resource (a batch entry), in order.
pub fn run_upload_pipeline_value<C: UploadChecks>(
    resource: Value,
    checks: &mut C,
) -> Result<AcceptedUpload, PipelineError<C::Error>> {
    let upload = parse_observation_value(resource)?;
    continue_upload(&upload, checks)
}

/// Runs steps 2–11 on an Observation that passed step 1.
pub fn continue_upload<C: UploadChecks>(
    upload: &ObservationUpload,
    checks: &mut C,
) -> Result<AcceptedUpload, PipelineError<C::Error>> {
    let patient_id = upload.subject_patient_id()?;
    if !checks.patient_exists(patient_id).map_err(PipelineError::Store)? {
        return Err(UploadError::PatientNotFound(patient_id.to_string()).into());
    }
    match checks.subject_access(patient_id).map_err(PipelineError::Store)? {
        SubjectAccess::Allowed => {}
        SubjectAccess::NoPatientAccess => return Err(UploadError::NoPatientAccess.into()),
        SubjectAccess::NotAPatient => return Err(UploadError::NotAPatient.into()),
        SubjectAccess::SubjectMismatch => return Err(UploadError::SubjectMismatch.into()),
    }
    let device_id = upload.device_id()?;
    if !checks
        .personal_device_exists(device_id)
        .map_err(PipelineError::Store)?
    {
        return Err(UploadError::DeviceNotFound(device_id.to_string()).into());
    }
    let identifiers = upload.identifiers()?;
    for identifier in &identifiers {
        if checks
            .identifier_exists(identifier)
            .map_err(PipelineError::Store)?
        {
            return Err(UploadError::IdentifierExists {
                system: identifier.system.clone(),
                value: identifier.value.clone(),
            }
            .into());
        }
    }
    let coding = upload.single_coding()?;
    let scope_code_id = checks
        .find_scope_code(&coding.system, &coding.code)
        .map_err(PipelineError::Store)?
        .ok_or_else(|| UploadError::CodeNotFound {
            system: coding.system.clone(),
            code: coding.code.clone(),
        })?;
    if !checks
        .is_consented(patient_id, scope_code_id)
        .map_err(PipelineError::Store)?
    {
        return Err(UploadError::NotConsented {
            system: coding.system.clone(),
            code: coding.code.clone(),
        }
        .into());
    }
    let data = upload.decode_data()?;
    let data_point = validate_upload_data(&coding.code, &data)?;
    Ok(AcceptedUpload {
        patient_id,
        device_id,
        identifiers,
        coding,
        scope_code_id,
        status: upload.status,
        omh_data: data.text,
        data_point,
    })
}
