//! Open mHealth / IEEE 1752 data points: the supported data types, their typed models, and validation.
//!
//! A data point is `{"header": …, "body": …}`. The header follows the IEEE 1752 header 1.0 schema; the body the
//! schema named by the observation's scope code (`omh:heart-rate:2.0` → heart-rate 2.0). [`validate_data_point`]
//! checks both and reports every broken rule with its path and what was expected; the typed body and the
//! effective time come with a valid point.
//!
//! Beyond the schemas: date-times must be RFC 3339 *with* an offset (the schemas say `format: date-time`), UUIDs
//! must have the 8-4-4-4-12 form, and a `date` must be a real calendar day. The header's `schema_id` is not
//! compared with the scope code, as in the reference; [`ValidDataPoint::schema_id_matches`] tells whether it
//! matches.

mod model;
mod rules;
mod specs;
mod violation;
pub mod vocab;

use jhe_domain::EffectiveTime;
use serde_json::Value;

pub use model::*;
pub use specs::DataType;
pub use violation::{DataPointError, Violation};

use rules::{Checker, Rule};

/// The scope codes a data point can be validated against.
pub fn supported_scope_codes() -> &'static [&'static str] {
    specs::SCOPE_CODES
}

/// Every supported data type, with its rules' metadata.
pub fn data_types() -> &'static [DataType] {
    specs::DATA_TYPES
}

/// The data type of a scope code (`omh:heart-rate:2.0`), if it is supported.
pub fn data_type(scope_code: &str) -> Option<&'static DataType> {
    specs::DATA_TYPES.iter().find(|t| t.scope_code == scope_code)
}

/// A data point that passed validation.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidDataPoint {
    /// The data type it was validated against.
    pub data_type: &'static DataType,
    /// The whole data point as parsed, `{header, body}`, every field kept.
    pub json: Value,
    /// The typed header.
    pub header: Header,
    /// The typed body.
    pub body: DataPointBody,
    /// The effective time derived from `body.effective_time_frame` (see [`crate::derive_effective_time`]).
    pub effective: Option<EffectiveTime>,
}

impl ValidDataPoint {
    /// The scope code it was validated against.
    pub fn scope_code(&self) -> &'static str {
        self.data_type.scope_code
    }

    /// Whether the header's `schema_id` names the same data type as the scope code.
    pub fn schema_id_matches(&self) -> bool {
        self.header.schema_id.scope_code() == self.data_type.scope_code
    }
}

/// Validates the bytes of a data point against the data type named by `scope_code`: UTF-8, JSON, then the header
/// and body schemas.
pub fn validate_data_point(scope_code: &str, json_bytes: &[u8]) -> Result<ValidDataPoint, DataPointError> {
    let data_type = find(scope_code)?;
    let text = std::str::from_utf8(json_bytes).map_err(|_| DataPointError::NotUtf8)?;
    let json: Value = serde_json::from_str(text).map_err(|e| DataPointError::NotJson {
        message: e.to_string(),
    })?;
    validate_with(data_type, json)
}

/// Validates an already parsed data point against the data type named by `scope_code`.
pub fn validate_data_point_value(scope_code: &str, json: Value) -> Result<ValidDataPoint, DataPointError> {
    validate_with(find(scope_code)?, json)
}

fn find(scope_code: &str) -> Result<&'static DataType, DataPointError> {
    data_type(scope_code).ok_or_else(|| DataPointError::UnknownScope {
        scope_code: scope_code.to_owned(),
        supported: specs::SCOPE_CODES.join(", "),
    })
}

fn validate_with(data_type: &'static DataType, json: Value) -> Result<ValidDataPoint, DataPointError> {
    let invalid = |violations| DataPointError::Invalid {
        scope_code: data_type.scope_code.to_owned(),
        violations,
    };
    let mut checker = Checker::default();
    let Some(root) = json.as_object() else {
        return Err(invalid(vec![Violation::wrong(
            "",
            "a data point: an object {\"header\": {…}, \"body\": {…}}",
            &json,
        )]));
    };
    checker.check_fields(
        root,
        &[
            rules::req("header", Rule::Object(specs::HEADER)),
            rules::req("body", Rule::Object(data_type.fields)),
        ],
        "",
    );
    if !checker.violations.is_empty() {
        return Err(invalid(checker.violations));
    }
    // The typed models accept everything the rules accept; should they ever disagree, say so as a violation
    // rather than fail on the server.
    let header = Header::deserialize_from(&json["header"])
        .map_err(|e| invalid(vec![Violation::new("header", "a valid header", e.to_string())]))?;
    let body = data_type
        .kind
        .read(&json["body"])
        .map_err(|e| invalid(vec![Violation::new("body", "a valid body", e.to_string())]))?;
    let effective = crate::effective::derive_effective_time(&json);
    Ok(ValidDataPoint {
        data_type,
        json,
        header,
        body,
        effective,
    })
}

impl Header {
    fn deserialize_from(value: &Value) -> Result<Header, serde_json::Error> {
        serde::Deserialize::deserialize(value)
    }
}
