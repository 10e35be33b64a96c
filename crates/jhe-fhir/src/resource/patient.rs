//! Patient: rendered from the exchange's patient profiles.

use jhe_domain::PatientIdentifier;
use serde::{Deserialize, Serialize};

use super::JHE_SOURCE;
use super::datatypes::{ContactPoint, HumanName, Identifier, Meta, PatientTag};
use crate::datetime::format_instant;

/// A FHIR R5 Patient, with the elements the exchange writes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Patient {
    /// Always `Patient`.
    #[serde(default)]
    pub resource_type: PatientTag,
    /// The logical id (the patient's integer id as text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `lastUpdated` and `source`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Business identifiers (MRNs, EHR ids, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    /// The name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub name: Vec<HumanName>,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// Phone and e-mail.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub telecom: Vec<ContactPoint>,
}

/// Renders a patient profile as the exchange serves it: identifiers, `name[{family, given[]}]`, `birthDate`, and
/// `telecom` with the phone (`use: mobile`) and the login e-mail (`use: home`). Empty values are left out, and a
/// name with neither part is dropped.
pub fn render_patient(
    patient: &jhe_domain::Patient,
    email: Option<&str>,
    identifiers: &[PatientIdentifier],
) -> Patient {
    let non_empty = |s: &Option<String>| s.as_deref().filter(|s| !s.is_empty()).map(str::to_owned);
    let name = HumanName {
        family: non_empty(&patient.name_family),
        given: non_empty(&patient.name_given).into_iter().collect(),
    };
    let contact = |system: &str, value: Option<String>, use_: &str| {
        value.map(|value| ContactPoint {
            system: Some(system.to_owned()),
            value: Some(value),
            use_: Some(use_.to_owned()),
        })
    };
    let telecom = [
        contact("phone", non_empty(&patient.telecom_phone), "mobile"),
        contact(
            "email",
            email.filter(|e| !e.is_empty()).map(str::to_owned),
            "home",
        ),
    ];
    Patient {
        resource_type: PatientTag,
        id: Some(patient.id.to_string()),
        meta: Some(Meta {
            last_updated: Some(format_instant(patient.last_updated)),
            source: Some(JHE_SOURCE.to_owned()),
        }),
        identifier: identifiers
            .iter()
            .map(|i| Identifier::new(&i.system, &i.value))
            .collect(),
        name: if name.family.is_none() && name.given.is_empty() {
            Vec::new()
        } else {
            vec![name]
        },
        birth_date: patient.birth_date.map(|d| d.format("%Y-%m-%d").to_string()),
        telecom: telecom.into_iter().flatten().collect(),
    }
}
