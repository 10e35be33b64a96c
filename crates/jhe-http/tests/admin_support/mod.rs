//! Helpers for the Admin API tests of studies, observations and the catalogue: sending a request and reading its
//! JSON, comparing a response's shape (field names and JSON types) with our own fixtures in
//! `tests/fixtures/admin/`, and building rows the API does not create itself.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::{self, TestRequest};
use chrono::Utc;
use jhe_domain::{NewObservation, ObservationStatus, PatientId, ScopeCodeId, StudyId};
use serde_json::{Map, Value, json};

/// Sends a request; answers the status and the body as JSON (`Null` for an empty or non-JSON body).
pub async fn send<S, B>(app: &S, req: TestRequest) -> (u16, Value)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let response = test::call_service(app, req.to_request()).await;
    let status = response.status().as_u16();
    let body = test::read_body(response).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// A fixture of `tests/fixtures/admin/`.
pub fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/admin/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The shape of a JSON value: its field names and value types, recursively. An array's shape is the shape of its
/// first element. An empty object in a fixture stands for "any object".
pub fn shape(value: &Value) -> Value {
    match value {
        Value::Null => json!("null"),
        Value::Bool(_) => json!("boolean"),
        Value::Number(n) if n.is_i64() || n.is_u64() => json!("integer"),
        Value::Number(_) => json!("number"),
        Value::String(_) => json!("string"),
        Value::Array(items) => Value::Array(items.first().map(shape).into_iter().collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), shape(v)))
                .collect::<Map<_, _>>(),
        ),
    }
}

fn conform(actual: &Value, expected: &Value, path: &str) -> Vec<String> {
    match (actual, expected) {
        (Value::Object(_), Value::Object(e)) if e.is_empty() => vec![],
        (Value::Object(a), Value::Object(e)) => {
            let mut problems = Vec::new();
            for key in e.keys().filter(|k| !a.contains_key(*k)) {
                problems.push(format!("{path}.{key}: missing"));
            }
            for key in a.keys().filter(|k| !e.contains_key(*k)) {
                problems.push(format!("{path}.{key}: unexpected field"));
            }
            for (key, value) in a {
                if let Some(expected) = e.get(key) {
                    problems.extend(conform(value, expected, &format!("{path}.{key}")));
                }
            }
            problems
        }
        (Value::Array(a), Value::Array(e)) => match (a.first(), e.first()) {
            (Some(a), Some(e)) => conform(a, e, &format!("{path}[0]")),
            (None, None) => vec![],
            (None, Some(_)) => vec![format!("{path}: empty, the fixture has items")],
            (Some(_), None) => vec![format!("{path}: has items, the fixture is empty")],
        },
        (a, e) if shape(a) == shape(e) => vec![],
        (a, e) => vec![format!("{path}: {} where the fixture has {}", shape(a), shape(e))],
    }
}

/// Asserts that `actual` has the field names and JSON types of the fixture `name`.
pub fn assert_shape(actual: &Value, name: &str) {
    let problems = conform(actual, &fixture(name), "$");
    assert!(
        problems.is_empty(),
        "response does not match fixture {name}:\n  {}\nresponse: {actual:#}",
        problems.join("\n  ")
    );
}

/// Stores an Open mHealth blood-pressure observation for a patient, as an upload would.
pub fn store_blood_pressure(
    conn: &mut jhe_store::DbConnection,
    patient: PatientId,
    scope: ScopeCodeId,
) -> jhe_domain::ObservationId {
    let point = json!({
        "header": {
            "uuid": "0b9e4c1a-7d2f-4e8a-9c3b-5a6d7e8f9a0b",
            "schema_id": {"namespace": "omh", "name": "blood-pressure", "version": "4.0"},
            "source_creation_date_time": "2025-05-05T09:00:00Z",
            "modality": "sensed"
        },
        "body": {
            "systolic_blood_pressure": {"value": 131, "unit": "mmHg"},
            "diastolic_blood_pressure": {"value": 84, "unit": "mmHg"},
            "effective_time_frame": {"date_time": "2025-05-05T08:55:00Z"}
        }
    });
    jhe_store::observations::insert_observations(
        conn,
        &[NewObservation {
            id: None,
            patient_id: patient,
            scope_code_id: scope,
            data_source_id: None,
            omh_data: point.to_string(),
            status: ObservationStatus::Final,
            effective: None,
            identifiers: Vec::new(),
        }],
        Utc::now(),
    )
    .unwrap()[0]
        .id
}

/// A new study in an organization, with no patients.
pub fn new_study(conn: &mut jhe_store::DbConnection, organization: i64, name: &str) -> StudyId {
    jhe_store::studies::create_study(
        conn,
        &jhe_domain::NewStudy {
            id: None,
            name: name.into(),
            description: "Created for a test".into(),
            organization_id: jhe_domain::OrganizationId(organization),
            icon_url: None,
        },
        Utc::now(),
    )
    .unwrap()
    .id
}
