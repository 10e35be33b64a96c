//! Observation: read from uploads, rendered from stored Open mHealth observations.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jhe_domain::{EffectiveTime, ScopeCode, UserId};
use serde::{Deserialize, Serialize};

use super::datatypes::{
    Attachment, CodeableConcept, Coding, Identifier, Meta, ObservationTag, Period, Reference,
};
use super::{JHE_SOURCE, JHE_USER_ID_SYSTEM};
use crate::datetime::{format_instant, format_instant_with_offset};

/// The content type of an Open mHealth data point carried in `valueAttachment`.
pub const OMH_CONTENT_TYPE: &str = "application/json";

/// A FHIR R5 Observation, with the elements the exchange reads and writes. Reading ignores other elements.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Observation {
    /// Always `Observation`.
    #[serde(default)]
    pub resource_type: ObservationTag,
    /// The logical id (the observation's integer id as text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `lastUpdated` and `source`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Business identifiers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    /// `registered`, `preliminary`, `final`, … (kept as text here; the upload pipeline checks it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Classifications.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<CodeableConcept>,
    /// What was observed: the scope code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeableConcept>,
    /// Who it is about: `Patient/<id>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Reference>,
    /// When, as an instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_date_time: Option<String>,
    /// When, as a period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_period: Option<Period>,
    /// The device or app that produced it: `Device/<data source id>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<Reference>,
    /// The Open mHealth data point, base64 JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_attachment: Option<Attachment>,
}

/// Renders a stored Open mHealth observation as the exchange serves it on read and search.
///
/// * `status` is the stored status (the upload pipeline only accepts FHIR codes, so it is always valid);
/// * `code.coding[0]` is the scope code, with its text as `display`;
/// * `effectiveDateTime` or `effectivePeriod` comes from the derived effective time, and is absent without one;
/// * `subject.identifier` carries the patient's login account id, when they have one;
/// * `device` names the data source, when there is one;
/// * `valueAttachment.data` is base64 of the data point's JSON text exactly as stored.
pub fn render_observation(
    observation: &jhe_domain::Observation,
    scope_code: &ScopeCode,
    patient_user_id: Option<UserId>,
) -> Observation {
    let coding = Coding {
        display: Some(scope_code.text.clone()).filter(|t| !t.is_empty()),
        ..Coding::new(&scope_code.coding_system, &scope_code.coding_code)
    };
    let (effective_date_time, effective_period) = match observation.effective {
        Some(EffectiveTime::Instant(t)) => (Some(format_instant(t)), None),
        Some(EffectiveTime::Period { start, end }) => (
            None,
            Some(Period {
                start: Some(format_instant(start)),
                end: Some(format_instant(end)),
            }),
        ),
        None => (None, None),
    };
    let subject = Reference {
        identifier: patient_user_id.map(|u| Identifier::new(JHE_USER_ID_SYSTEM, u.to_string())),
        ..Reference::to("Patient", observation.patient_id)
    };
    Observation {
        resource_type: ObservationTag,
        id: Some(observation.id.to_string()),
        meta: Some(Meta {
            last_updated: Some(format_instant(observation.last_updated)),
            source: Some(JHE_SOURCE.to_owned()),
        }),
        identifier: observation
            .identifiers
            .iter()
            .map(|i| Identifier::new(&i.system, &i.value))
            .collect(),
        status: Some(observation.status.as_str().to_owned()),
        category: Vec::new(),
        code: Some(CodeableConcept::coded(coding)),
        subject: Some(subject),
        effective_date_time,
        effective_period,
        device: observation.data_source_id.map(|d| Reference::to("Device", d)),
        value_attachment: Some(Attachment {
            content_type: Some(OMH_CONTENT_TYPE.to_owned()),
            data: Some(STANDARD.encode(observation.omh_data.as_bytes())),
            ..Attachment::default()
        }),
    }
}

/// The short Observation the reference answers a *patient's* upload with (201): id, status,
/// `meta.lastUpdated` (written with `+00:00`), subject and the coding without display. A practitioner gets
/// [`render_observation`].
pub fn render_observation_summary(
    observation: &jhe_domain::Observation,
    scope_code: &ScopeCode,
) -> Observation {
    Observation {
        resource_type: ObservationTag,
        id: Some(observation.id.to_string()),
        meta: Some(Meta {
            last_updated: Some(format_instant_with_offset(observation.last_updated)),
            source: None,
        }),
        status: Some(observation.status.as_str().to_owned()),
        code: Some(CodeableConcept::coded(Coding::new(
            &scope_code.coding_system,
            &scope_code.coding_code,
        ))),
        subject: Some(Reference::to("Patient", observation.patient_id)),
        ..Observation::default()
    }
}
