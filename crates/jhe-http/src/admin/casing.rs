//! Snake and camel case on the way in. The reference converts every request key (JSON body keys and query-parameter
//! names) to snake_case before its views see them, so clients may send `patientId` or `patient_id`. The extractors
//! here do the same, then deserialize into a struct with snake_case field names.
//!
//! A handful of OAuth-flavoured keys are never converted, whichever spelling is sent ([`CASING_EXCEPTIONS`]): a
//! request key `clientId` arrives as `clientId`, `client_id` as `client_id`.
//!
//! A body that does not deserialize is a 400 in DRF's field-map shape, naming the field in camelCase as every
//! response key is (`{"organizationId": ["A valid integer is required."]}`, `{"name": ["This field is required."]}`);
//! a body that is not a JSON object is `{"nonFieldErrors": [...]}`, one that is not JSON `{"detail": "JSON parse
//! error - …"}`. [`present`] tells an absent field from a null one (PATCH semantics); [`camel_case_keys`] renders
//! stored JSON (a practitioner's settings) with camelCase keys.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ApiError;

/// Keys left exactly as sent, in either direction (reference §0).
pub const CASING_EXCEPTIONS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "code_challenge",
    "code_challenge_method",
    "grant_type",
    "code_verifier",
    "token_endpoint",
    "responseType",
    "clientId",
    "redirectUri",
    "codeChallenge",
    "codeChallengeMethod",
    "grantType",
    "codeVerifier",
    "tokenEndpoint",
];

/// The largest request body the Admin API reads.
const MAX_BODY: usize = 256 * 1024;

/// `patientId` → `patient_id`, `pageSize` → `page_size`, `_lastUpdated` → `_last_updated`; snake_case and the
/// [`CASING_EXCEPTIONS`] are returned unchanged.
pub fn to_snake_case(key: &str) -> String {
    if CASING_EXCEPTIONS.contains(&key) {
        return key.to_owned();
    }
    let mut out = String::with_capacity(key.len() + 4);
    let mut previous: Option<char> = None;
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            if previous.is_some_and(|p| p != '_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
        previous = Some(c);
    }
    out
}

/// Snake-cases every object key of a JSON document, recursively, except the values of the top-level keys named in
/// `opaque` (after conversion), which are kept as sent (a setting's JSON value, an Open mHealth data point).
pub fn snake_case_keys(value: Value, opaque: &[&str]) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let key = to_snake_case(&k);
                    let v = if opaque.contains(&key.as_str()) {
                        v
                    } else {
                        snake_case_keys(v, &[])
                    };
                    (key, v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(|v| snake_case_keys(v, &[])).collect()),
        other => other,
    }
}

/// Camel-cases every object key of a stored JSON document, recursively, as the reference's renderer does to every
/// response key (a practitioner's stored `current_study_id` is shown as `currentStudyId`).
pub fn camel_case_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (to_camel_case(&k), camel_case_keys(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(camel_case_keys).collect()),
        other => other,
    }
}

/// For a body field that may be absent (`None`), null (`Some(None)`) or set (`Some(Some(v))`), so a PATCH can tell
/// "leave it" from "clear it": use with `#[serde(default, deserialize_with = "present")]`.
pub fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(d).map(Some)
}

/// The request's query string with every parameter name snake-cased (values unchanged).
pub fn snake_case_query(query: &str) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        out.append_pair(&to_snake_case(&name), &value);
    }
    out.finish()
}

/// A JSON request body with snake-cased keys, deserialized into `T`. An empty body reads as `{}` (DELETE requests
/// often carry their parameters in an optional body).
#[derive(Debug)]
pub struct SnakeJson<T>(pub T);

impl<T> SnakeJson<T> {
    /// The deserialized body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// Parses a request body as [`SnakeJson`] does, keeping the values of the `opaque` top-level keys as sent.
pub fn parse_body<T: DeserializeOwned>(bytes: &[u8], opaque: &[&str]) -> Result<T, ApiError> {
    let raw: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
        Value::Object(serde_json::Map::new())
    } else {
        serde_json::from_slice(bytes).map_err(|e| ApiError::BadRequest(format!("JSON parse error - {e}")))?
    };
    if !raw.is_object() {
        let mut fields = std::collections::BTreeMap::new();
        fields.insert(
            "nonFieldErrors".to_owned(),
            vec![format!(
                "Invalid data. Expected a dictionary, but got {}.",
                json_kind(&raw)
            )],
        );
        return Err(ApiError::Fields(fields));
    }
    serde_path_to_error::deserialize(snake_case_keys(raw, opaque)).map_err(|e| field_error_of(&e))
}

/// The JSON type of a value, as DRF names it in messages.
fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// `patient_id` → `patientId`: field names in error answers are camelCase, as every response key is.
pub fn to_camel_case(key: &str) -> String {
    if CASING_EXCEPTIONS.contains(&key) {
        return key.to_owned();
    }
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for (i, c) in key.chars().enumerate() {
        if c == '_' && i > 0 {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// A body that did not deserialize, as a DRF field map: the top-level field at fault (camelCase) with a message a
/// person can act on, the path inside it when the problem is nested (`identifiers[1].system: …`).
fn field_error_of(err: &serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let inner = err.inner().to_string();
    let segments: Vec<String> = err
        .path()
        .iter()
        .map(|segment| match segment {
            serde_path_to_error::Segment::Seq { index } => format!("[{index}]"),
            serde_path_to_error::Segment::Map { key }
            | serde_path_to_error::Segment::Enum { variant: key } => key.clone(),
            serde_path_to_error::Segment::Unknown => "?".to_owned(),
        })
        .collect();
    let mut path: Vec<String> = segments.into_iter().filter(|s| s != "?").collect();
    // A missing field is reported at its parent; name the field itself.
    let message = match inner
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        Some(field) => {
            path.push(field.to_owned());
            "This field is required.".to_owned()
        }
        None => drf_message(&inner),
    };
    let Some(top) = path.first().cloned() else {
        let mut fields = std::collections::BTreeMap::new();
        fields.insert("nonFieldErrors".to_owned(), vec![message]);
        return ApiError::Fields(fields);
    };
    let nested: String = path[1..]
        .iter()
        .map(|s| {
            if s.starts_with('[') {
                s.clone()
            } else {
                format!(".{}", to_camel_case(s))
            }
        })
        .collect();
    let nested = nested.trim_start_matches('.').to_owned();
    let text = if nested.is_empty() {
        message
    } else {
        format!("{nested}: {message}")
    };
    let mut fields = std::collections::BTreeMap::new();
    fields.insert(to_camel_case(&top), vec![text]);
    ApiError::Fields(fields)
}

/// serde's description of a type mismatch, in the words DRF uses for the same mistake.
fn drf_message(serde_message: &str) -> String {
    let expected = serde_message.split(", expected ").nth(1).unwrap_or("");
    if serde_message.starts_with("invalid type: null") {
        return "This field may not be null.".to_owned();
    }
    if serde_message.starts_with("invalid type") || serde_message.starts_with("invalid value") {
        if expected.starts_with('i') || expected.starts_with('u') || expected.contains("integer") {
            return "A valid integer is required.".to_owned();
        }
        if expected.contains("string") || expected.contains("str") {
            return "Not a valid string.".to_owned();
        }
        if expected.contains("bool") {
            return "Must be a valid boolean.".to_owned();
        }
        if expected.contains("sequence") {
            return "Expected a list of items.".to_owned();
        }
        if expected.contains("map") || expected.starts_with("struct") {
            return "Invalid data. Expected a dictionary.".to_owned();
        }
    }
    if let Some(rest) = serde_message.strip_prefix("unknown variant `") {
        let value = rest.split('`').next().unwrap_or("");
        return format!("\"{value}\" is not a valid choice.");
    }
    format!("{}.", serde_message.trim_end_matches('.'))
}

impl<T: DeserializeOwned + 'static> FromRequest for SnakeJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = body
                .await
                .map_err(|e| ApiError::BadRequest(format!("Cannot read the request body: {e}")))?;
            if bytes.len() > MAX_BODY {
                return Err(ApiError::BadRequest("The request body is too large.".into()));
            }
            parse_body(&bytes, &[]).map(SnakeJson)
        })
    }
}

/// Query parameters with snake-cased names, deserialized into `T`.
#[derive(Debug)]
pub struct SnakeQuery<T>(pub T);

impl<T> SnakeQuery<T> {
    /// The deserialized parameters.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for SnakeQuery<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let query = snake_case_query(req.query_string());
        std::future::ready(
            web::Query::<T>::from_query(&query)
                .map(|q| SnakeQuery(q.into_inner()))
                .map_err(|e| ApiError::BadRequest(format!("Invalid query parameters: {e}."))),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn camel_case_keys_become_snake_case() {
        assert_eq!(to_snake_case("patientId"), "patient_id");
        assert_eq!(to_snake_case("pageSize"), "page_size");
        assert_eq!(to_snake_case("_lastUpdated"), "_last_updated");
        assert_eq!(to_snake_case("patient_id"), "patient_id");
        assert_eq!(to_snake_case("clientId"), "clientId");
        assert_eq!(to_snake_case("client_id"), "client_id");
    }

    #[test]
    fn bodies_are_converted_recursively_except_opaque_values() {
        let body = json!({"studyScopeConsents": [{"studyId": 1}], "value": {"keepMe": 1}, "clientId": "x"});
        assert_eq!(
            snake_case_keys(body, &["value"]),
            json!({"study_scope_consents": [{"study_id": 1}], "value": {"keepMe": 1}, "clientId": "x"})
        );
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Sample {
        name: String,
        organization_id: Option<i64>,
        identifiers: Option<Vec<SampleIdentifier>>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct SampleIdentifier {
        system: String,
    }

    fn fields_of(err: ApiError) -> std::collections::BTreeMap<String, Vec<String>> {
        match err {
            ApiError::Fields(fields) => fields,
            other => panic!("not a field error: {other:?}"),
        }
    }

    #[test]
    fn body_errors_name_the_field_in_camel_case() {
        let missing = parse_body::<Sample>(br#"{"organizationId": 1}"#, &[]).unwrap_err();
        assert_eq!(fields_of(missing)["name"], vec!["This field is required."]);
        let wrong = parse_body::<Sample>(br#"{"name": "x", "organizationId": "abc"}"#, &[]).unwrap_err();
        assert_eq!(
            fields_of(wrong)["organizationId"],
            vec!["A valid integer is required."]
        );
        let nested =
            parse_body::<Sample>(br#"{"name": "x", "identifiers": [{"system": 5}]}"#, &[]).unwrap_err();
        assert_eq!(
            fields_of(nested)["identifiers"],
            vec!["[0].system: Not a valid string."]
        );
        let list = parse_body::<Sample>(b"[1, 2]", &[]).unwrap_err();
        assert!(fields_of(list)["nonFieldErrors"][0].contains("got list"));
        let broken = parse_body::<Sample>(b"{nope", &[]).unwrap_err();
        assert!(matches!(broken, ApiError::BadRequest(ref m) if m.starts_with("JSON parse error")));
    }

    #[test]
    fn snake_case_keys_become_camel_case() {
        assert_eq!(to_camel_case("patient_id"), "patientId");
        assert_eq!(to_camel_case("telecom_email"), "telecomEmail");
        assert_eq!(to_camel_case("client_id"), "client_id");
        assert_eq!(to_camel_case("name"), "name");
    }

    #[test]
    fn query_names_are_converted_and_values_kept() {
        assert_eq!(
            snake_case_query("organizationId=20003&pageSize=3&q=a%20B"),
            "organization_id=20003&page_size=3&q=a+B"
        );
    }
}
