//! The FHIR R5 data types the resources here are built from: only the elements the exchange reads or writes.
//! Unknown elements are ignored when reading; empty ones are never written.

use serde::{Deserialize, Serialize};

/// `Meta`: when a resource last changed and where it comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// An instant, already formatted (see [`crate::datetime::format_instant`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
    /// The system the resource comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// `Identifier`: a business identifier, a value within a naming system.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identifier {
    /// The naming system (a URI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl Identifier {
    /// An identifier with both parts.
    pub fn new(system: impl Into<String>, value: impl Into<String>) -> Self {
        Identifier {
            system: Some(system.into()),
            value: Some(value.into()),
        }
    }
}

/// `Coding`: a code from a code system.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coding {
    /// The code system (a URI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The version of the code system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// A human-readable label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

impl Coding {
    /// A coding with a system and a code.
    pub fn new(system: impl Into<String>, code: impl Into<String>) -> Self {
        Coding {
            system: Some(system.into()),
            code: Some(code.into()),
            ..Coding::default()
        }
    }
}

/// `CodeableConcept`: codings and/or text for one concept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeableConcept {
    /// The codings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding>,
    /// Plain text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl CodeableConcept {
    /// A concept with one coding.
    pub fn coded(coding: Coding) -> Self {
        CodeableConcept {
            coding: vec![coding],
            text: None,
        }
    }
}

/// `Reference`: a link to another resource.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// A relative reference, `Patient/40001`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// A logical reference by business identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<Identifier>,
    /// A label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

impl Reference {
    /// A relative reference to `<resource_type>/<id>`.
    pub fn to(resource_type: &str, id: impl std::fmt::Display) -> Self {
        Reference {
            reference: Some(format!("{resource_type}/{id}")),
            ..Reference::default()
        }
    }
}

/// `Period`: a time range; either bound may be open.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// The first instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// The last instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

/// `Attachment`: content inline (`data`, base64) or by `url`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    /// The MIME type of the content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The content, base64 encoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// Where the content can be fetched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// `HumanName`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HumanName {
    /// The family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// Given names, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub given: Vec<String>,
}

/// `ContactPoint`: a phone number, e-mail address, …
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactPoint {
    /// `phone`, `email`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The number or address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// `home`, `work`, `mobile`, …
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
}

/// `Extension`, with the value types the exchange writes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Extension {
    /// What the extension means.
    pub url: String,
    /// A `code` value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_code: Option<String>,
    /// A `uri` value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_uri: Option<String>,
    /// Nested extensions (for complex extensions).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
}

macro_rules! resource_type_tag {
    ($(#[$meta:meta])* $name:ident = $text:literal) => {
        $(#[$meta])*
        ///
        /// Written as the resource's `resourceType`; reading accepts only this value.
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub struct $name;

        impl $name {
            /// The resource type's name.
            pub const NAME: &'static str = $text;
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str($text)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let found = String::deserialize(deserializer)?;
                if found == $text {
                    Ok($name)
                } else {
                    Err(serde::de::Error::custom(format!(
                        "resourceType must be \"{}\", not \"{}\"",
                        $text, found
                    )))
                }
            }
        }
    };
}

resource_type_tag!(
    /// The `resourceType` of an Observation.
    ObservationTag = "Observation"
);
resource_type_tag!(
    /// The `resourceType` of a Patient.
    PatientTag = "Patient"
);
resource_type_tag!(
    /// The `resourceType` of a Bundle.
    BundleTag = "Bundle"
);
resource_type_tag!(
    /// The `resourceType` of an OperationOutcome.
    OperationOutcomeTag = "OperationOutcome"
);
resource_type_tag!(
    /// The `resourceType` of a CapabilityStatement.
    CapabilityStatementTag = "CapabilityStatement"
);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn empty_elements_are_not_written() {
        let reference = Reference::to("Patient", 7);
        assert_eq!(
            serde_json::to_value(&reference).unwrap(),
            json!({"reference": "Patient/7"})
        );
        let contact = ContactPoint {
            system: Some("phone".into()),
            value: None,
            use_: Some("mobile".into()),
        };
        assert_eq!(
            serde_json::to_value(&contact).unwrap(),
            json!({"system": "phone", "use": "mobile"})
        );
    }

    #[test]
    fn resource_type_tags_accept_only_their_name() {
        assert_eq!(serde_json::to_value(PatientTag).unwrap(), json!("Patient"));
        assert!(serde_json::from_value::<PatientTag>(json!("Patient")).is_ok());
        let err = serde_json::from_value::<PatientTag>(json!("Person")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "resourceType must be \"Patient\", not \"Person\""
        );
    }
}
