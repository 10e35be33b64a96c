//! Observation: read from uploads, rendered from stored Open mHealth observations.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jhe_domain::{EffectiveTime, ScopeCode, UserId};
use serde::{Deserialize, Serialize};

use super::datatypes::{
    Attachment, CodeableConcept, Coding, Identifier, Meta, ObservationTag, Period, Reference,
};
use super::json::{push_decimal, push_string};
use super::{JHE_SOURCE, JHE_USER_ID_SYSTEM};
use crate::datetime::{format_instant, format_instant_with_offset, push_instant};

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

/// Appends to `out` the JSON of [`render_observation`]`(observation, scope_code, patient_user_id)`, byte for byte
/// what serde_json writes for it, without building the resource: for pages of search results, where rendering
/// through the resource type costs about four times as much (see `super::json`). The base64 of the data point is
/// encoded into `out` in place.
pub fn write_observation_json(
    out: &mut Vec<u8>,
    observation: &jhe_domain::Observation,
    scope_code: &ScopeCode,
    patient_user_id: Option<UserId>,
) {
    out.extend_from_slice(br#"{"resourceType":"Observation","id":""#);
    push_decimal(out, observation.id.get());
    out.extend_from_slice(br#"","meta":{"lastUpdated":""#);
    push_instant(out, observation.last_updated);
    out.extend_from_slice(br#"","source":"#);
    push_string(out, JHE_SOURCE);
    out.push(b'}');
    if !observation.identifiers.is_empty() {
        out.extend_from_slice(br#","identifier":["#);
        for (i, identifier) in observation.identifiers.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(br#"{"system":"#);
            push_string(out, &identifier.system);
            out.extend_from_slice(br#","value":"#);
            push_string(out, &identifier.value);
            out.push(b'}');
        }
        out.push(b']');
    }
    out.extend_from_slice(br#","status":"#);
    push_string(out, observation.status.as_str());
    out.extend_from_slice(br#","code":{"coding":[{"system":"#);
    push_string(out, &scope_code.coding_system);
    out.extend_from_slice(br#","code":"#);
    push_string(out, &scope_code.coding_code);
    if !scope_code.text.is_empty() {
        out.extend_from_slice(br#","display":"#);
        push_string(out, &scope_code.text);
    }
    out.extend_from_slice(br#"}]},"subject":{"reference":"Patient/"#);
    push_decimal(out, observation.patient_id.get());
    out.push(b'"');
    if let Some(user) = patient_user_id {
        out.extend_from_slice(br#","identifier":{"system":"#);
        push_string(out, JHE_USER_ID_SYSTEM);
        out.extend_from_slice(br#","value":""#);
        push_decimal(out, user.get());
        out.extend_from_slice(br#""}"#);
    }
    out.push(b'}');
    match observation.effective {
        Some(EffectiveTime::Instant(t)) => {
            out.extend_from_slice(br#","effectiveDateTime":""#);
            push_instant(out, t);
            out.push(b'"');
        }
        Some(EffectiveTime::Period { start, end }) => {
            out.extend_from_slice(br#","effectivePeriod":{"start":""#);
            push_instant(out, start);
            out.extend_from_slice(br#"","end":""#);
            push_instant(out, end);
            out.extend_from_slice(br#""}"#);
        }
        None => {}
    }
    if let Some(device) = observation.data_source_id {
        out.extend_from_slice(br#","device":{"reference":"Device/"#);
        push_decimal(out, device.get());
        out.extend_from_slice(br#""}"#);
    }
    out.extend_from_slice(br#","valueAttachment":{"contentType":"#);
    push_string(out, OMH_CONTENT_TYPE);
    out.extend_from_slice(br#","data":""#);
    // Base64 is letters, digits, `+`, `/` and `=`: nothing JSON escapes.
    let data = observation.omh_data.as_bytes();
    let start = out.len();
    out.resize(start + data.len().div_ceil(3) * 4, 0);
    match STANDARD.encode_slice(data, &mut out[start..]) {
        Ok(written) => out.truncate(start + written),
        // Not with the room made above; were it ever so, the slow way.
        Err(_) => {
            out.truncate(start);
            out.extend_from_slice(STANDARD.encode(data).as_bytes());
        }
    }
    out.extend_from_slice(br#""}}"#);
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use jhe_domain::{DataSourceId, ObservationId, ObservationStatus, PatientId, ScopeCodeId};
    use proptest::prelude::*;

    /// Instants from about 10,000 BC to AD 10,000, leap seconds included.
    fn instant() -> impl Strategy<Value = DateTime<Utc>> {
        (-400_000_000_000i64..400_000_000_000, 0u32..2_000_000_000)
            .prop_filter_map("no such instant", |(s, n)| DateTime::from_timestamp(s, n))
    }

    fn effective() -> impl Strategy<Value = Option<EffectiveTime>> {
        prop_oneof![
            Just(None),
            instant().prop_map(|t| Some(EffectiveTime::Instant(t))),
            (instant(), instant()).prop_map(|(start, end)| Some(EffectiveTime::Period { start, end })),
        ]
    }

    fn observation() -> impl Strategy<Value = jhe_domain::Observation> {
        (
            (any::<i64>(), any::<i64>(), proptest::option::of(any::<i64>())),
            any::<String>(),
            proptest::sample::select(ObservationStatus::ALL),
            effective(),
            instant(),
            proptest::collection::vec((any::<String>(), any::<String>()), 0..3),
        )
            .prop_map(
                |((id, patient, device), omh_data, status, effective, last_updated, identifiers)| {
                    jhe_domain::Observation {
                        id: ObservationId(id),
                        patient_id: PatientId(patient),
                        scope_code_id: ScopeCodeId(50001),
                        data_source_id: device.map(DataSourceId),
                        omh_data,
                        status,
                        effective,
                        last_updated,
                        identifiers: identifiers
                            .into_iter()
                            .map(|(system, value)| jhe_domain::Identifier { system, value })
                            .collect(),
                    }
                },
            )
    }

    fn scope_code() -> impl Strategy<Value = ScopeCode> {
        (
            any::<String>(),
            any::<String>(),
            prop_oneof![Just(String::new()), any::<String>()],
        )
            .prop_map(|(coding_system, coding_code, text)| ScopeCode {
                id: ScopeCodeId(50001),
                coding_system,
                coding_code,
                text,
            })
    }

    proptest! {
        #[test]
        fn the_json_writer_writes_what_serde_writes_for_the_rendered_resource(
            observation in observation(),
            code in scope_code(),
            user in proptest::option::of(any::<i64>()),
        ) {
            let user = user.map(UserId);
            let mut ours = Vec::new();
            write_observation_json(&mut ours, &observation, &code, user);
            let theirs = serde_json::to_vec(&render_observation(&observation, &code, user)).unwrap();
            prop_assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(theirs).unwrap());
        }
    }
}
