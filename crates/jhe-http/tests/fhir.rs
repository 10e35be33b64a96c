//! The FHIR API end to end: the reference's searches, uploads and every refusal (as our own fixtures), consent
//! deciding visibility on the very next request, conditional create, batches and atomic transactions.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failed assertion

mod common;

use actix_web::http::header;
use actix_web::test::{self, TestRequest};
use base64::Engine;
use common::*;
use jhe_domain::{AuditOutcome, PatientId};
use jhe_store::backend_tests;
use serde_json::{Value, json};

const OMH: &str = "https://w3id.org/openmhealth";
const IDS: &str = "https://devices.example.org/readings";

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn bp_point(uuid_tail: u32, systolic: Value) -> String {
    json!({
        "header": {
            "uuid": format!("6f1c2d3e-4a5b-4c6d-8e7f-{uuid_tail:012}"),
            "schema_id": {"namespace": "omh", "name": "blood-pressure", "version": "4.0"},
            "source_creation_date_time": "2025-03-02T07:45:00-05:00",
            "modality": "sensed"
        },
        "body": {
            "systolic_blood_pressure": {"value": systolic, "unit": "mmHg"},
            "diastolic_blood_pressure": {"value": 79, "unit": "mmHg"},
            "effective_time_frame": {"date_time": "2025-03-02T07:40:00-05:00"}
        }
    })
    .to_string()
}

fn observation(
    patient: Option<i64>,
    device: i64,
    code: &str,
    data: Option<String>,
    identifier: Option<&str>,
) -> Value {
    let mut obs = json!({
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": OMH, "code": code}]},
        "device": {"reference": format!("Device/{device}")},
        "valueAttachment": {"contentType": "application/json"}
    });
    if let Some(p) = patient {
        obs["subject"] = json!({"reference": format!("Patient/{p}")});
    }
    if let Some(d) = data {
        obs["valueAttachment"]["data"] = json!(d);
    }
    if let Some(id) = identifier {
        obs["identifier"] = json!([{"system": IDS, "value": id}]);
    }
    obs
}

fn good_bp(n: u32) -> Value {
    observation(
        Some(40001),
        70001,
        "omh:blood-pressure:4.0",
        Some(b64(&bp_point(n, json!(120 + n)))),
        Some(&format!("r-{n}")),
    )
}

/// Checks the elements FHIR R5 requires of the resources we emit, with their JSON types.
fn assert_valid_fhir(resource: &Value) {
    let kind = resource["resourceType"]
        .as_str()
        .unwrap_or_else(|| panic!("no resourceType: {resource}"));
    match kind {
        "Bundle" => {
            assert!(resource["type"].is_string(), "{resource}");
            if let Some(total) = resource.get("total") {
                assert!(total.is_u64());
            }
            for link in resource
                .get("link")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                assert!(link["relation"].is_string() && link["url"].is_string(), "{link}");
            }
            for entry in resource["entry"].as_array().unwrap() {
                if let Some(inner) = entry
                    .get("resource")
                    .filter(|r| r.get("resourceType").and_then(Value::as_str) != Some("Resource"))
                {
                    assert_valid_fhir(inner);
                }
                if let Some(response) = entry.get("response") {
                    assert!(response["status"].is_string(), "{response}");
                    if let Some(outcome) = response.get("outcome") {
                        assert_valid_fhir(outcome);
                    }
                }
            }
        }
        "Observation" => {
            assert!(
                resource["id"].is_string() && resource["status"].is_string(),
                "{resource}"
            );
            assert!(
                resource["code"]["coding"]
                    .as_array()
                    .is_some_and(|c| !c.is_empty()),
                "{resource}"
            );
            assert!(
                resource["subject"]["reference"]
                    .as_str()
                    .unwrap()
                    .starts_with("Patient/")
            );
            if let Some(att) = resource.get("valueAttachment") {
                assert_eq!(att["contentType"], "application/json");
                base64::engine::general_purpose::STANDARD
                    .decode(att["data"].as_str().unwrap())
                    .unwrap();
            }
        }
        "Patient" => {
            assert!(resource["id"].is_string(), "{resource}");
            for name in resource
                .get("name")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                assert!(name.get("given").is_none_or(Value::is_array), "{name}");
            }
        }
        "OperationOutcome" => {
            let issues = resource["issue"].as_array().unwrap();
            assert!(!issues.is_empty());
            for issue in issues {
                assert!(
                    issue["severity"].is_string() && issue["code"].is_string(),
                    "{issue}"
                );
            }
        }
        "CapabilityStatement" => {
            for key in ["status", "date", "kind", "fhirVersion"] {
                assert!(resource[key].is_string(), "{key} in {resource}");
            }
            assert!(resource["format"].as_array().is_some_and(|f| !f.is_empty()));
            assert_eq!(resource["fhirVersion"], "5.0.0");
            assert_eq!(resource["rest"][0]["mode"], "server");
        }
        other => panic!("unexpected resource type {other}"),
    }
}

macro_rules! call {
    ($app:expr, $req:expr) => {{
        let response = test::call_service(&$app, $req.to_request()).await;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = test::read_body(response).await;
        let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        (status, json, headers)
    }};
}

fn diagnostics(outcome: &Value) -> &str {
    outcome["issue"][0]["diagnostics"].as_str().unwrap_or_default()
}

fn ids_of(bundle: &Value) -> Vec<String> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"]["id"].as_str().unwrap().to_owned())
        .collect()
}

backend_tests! {
    practitioner_searches_follow_the_reference => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, "manager_mary@example.com").await;
        let get = |uri: &str| TestRequest::get().uri(uri).insert_header(bearer(&mary));

        // Patients (transcripts 41–44).
        let (s, b, _) = call!(app, get("/FHIR/R5/Patient?patient._has%3AGroup%3Amember%3A_id=30001"));
        assert_eq!((s, b["total"].as_u64()), (200, Some(2)));
        assert_valid_fhir(&b);
        let (_, b, _) = call!(app, get("/FHIR/R5/Patient?identifier=urn%3Aoid%3A1.2.3.4%7CE1234"));
        assert_eq!(ids_of(&b), vec!["40001"]);
        assert_eq!(b["entry"][0]["resource"]["identifier"].as_array().unwrap().len(), 2);
        let (_, b, _) = call!(app, get("/FHIR/R5/Patient?patient.organization=20003"));
        assert_eq!(b["total"], 2);
        let (s, b, _) = call!(app, get("/FHIR/R5/Patient?patient.organization=20003&_count=1&_page=2"));
        assert_eq!((s, ids_of(&b).len()), (200, 1), "the last page: {b}");
        let (s, b, _) = call!(app, get("/FHIR/R5/Patient?patient.organization=20003&_count=1&_page=3"));
        assert_eq!((s, diagnostics(&b)), (404, "Invalid page."), "past the last page: {b}");
        let (s, b, _) = call!(app, get("/FHIR/R5/Patient?identifier=urn%3Aexample%3Anone%7Cnobody&_page=1"));
        assert_eq!((s, b["total"].as_u64()), (200, Some(0)), "the first page of nothing: {b}");
        let (s, b, _) = call!(app, get("/FHIR/R5/Patient/40001"));
        assert_eq!((s, b["resourceType"].as_str(), b["id"].as_str()), (200, Some("Patient"), Some("40001")));
        assert_valid_fhir(&b);

        // Observations (transcripts 45–50): consent-based visibility gives the same answers on the demo data.
        let (s, b, h) = call!(app, get("/FHIR/R5/Observation?patient=40001"));
        assert_eq!((s, b["total"].as_u64()), (200, Some(2)));
        assert_eq!(h.get(header::CONTENT_TYPE).unwrap(), "application/json");
        let mut ids = ids_of(&b);
        ids.sort();
        assert_eq!(ids, vec!["60003", "60005"]);
        assert_valid_fhir(&b);
        let decoded = base64::engine::general_purpose::STANDARD.decode(b["entry"][0]["resource"]["valueAttachment"]["data"].as_str().unwrap()).unwrap();
        let point: Value = serde_json::from_slice(&decoded).unwrap();
        assert!(point["header"]["uuid"].is_string() && point["body"]["effective_time_frame"].is_object());

        let (_, b, _) = call!(app, get("/FHIR/R5/Observation?patient._has%3AGroup%3Amember%3A_id=30001"));
        assert_eq!(b["total"], 5);
        let (_, b, _) = call!(app, get("/FHIR/R5/Observation?patient=40001&patient._has%3AGroup%3Amember%3A_id=30001"));
        assert_eq!(b["total"], 2);
        let (_, b, _) = call!(app, get("/FHIR/R5/Observation?code=https%3A%2F%2Fw3id.org%2Fopenmhealth%7Comh%3Ablood-pressure%3A4.0"));
        assert_eq!(b["total"], 3);
        let (_, b, _) = call!(app, get("/FHIR/R5/Observation?patient._has%3AGroup%3Amember%3A_id=30001&_summary=count"));
        assert_eq!((b["total"].as_u64(), b["entry"].as_array().map(Vec::len)), (Some(5), Some(0)));
        let (_, b, _) = call!(app, get("/FHIR/R5/Observation?patient._has%3AGroup%3Amember%3A_id=30001&_count=1&_page=2"));
        assert_eq!((b["total"].as_u64(), b["entry"].as_array().map(Vec::len)), (Some(5), Some(1)));

        // Following next links visits every row exactly once (keyset paging).
        let mut seen = Vec::new();
        let mut uri = "/FHIR/R5/Observation?patient._has%3AGroup%3Amember%3A_id=30001&_count=2&_sort=-date".to_owned();
        for _ in 0..10 {
            let (s, b, _) = call!(app, get(&uri));
            assert_eq!(s, 200, "{b}");
            seen.extend(ids_of(&b));
            match b["link"].as_array().unwrap().iter().find(|l| l["relation"] == "next") {
                Some(next) => uri = next["url"].as_str().unwrap().strip_prefix(SITE).unwrap().to_owned(),
                None => break,
            }
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!((seen.len(), unique.len()), (5, 5), "{seen:?}");
        // Pages that end exactly at the last match link to no empty page after it, and every page has the total.
        let next_of = |b: &Value| b["link"].as_array().unwrap().iter().find(|l| l["relation"] == "next")
            .map(|l| l["url"].as_str().unwrap().strip_prefix(SITE).unwrap().to_owned());
        let (_, b, _) = call!(app, get("/FHIR/R5/Observation?patient=40001&_count=1"));
        assert_eq!((b["total"].as_u64(), ids_of(&b).len()), (Some(2), 1), "{b}");
        let (_, b, _) = call!(app, get(&next_of(&b).expect("a second match follows")));
        assert_eq!((b["total"].as_u64(), ids_of(&b).len(), next_of(&b)), (Some(2), 1, None), "{b}");
        let (_, b, _) = call!(app, get("/FHIR/R5/Observation?patient._has%3AGroup%3Amember%3A_id=30001&_count=5"));
        assert_eq!((b["total"].as_u64(), ids_of(&b).len(), next_of(&b)), (Some(5), 5, None), "{b}");
        let (_, b, _) = call!(app, get("/FHIR/R5/Observation?patient._has%3AGroup%3Amember%3A_id=30001&_count=2&_page=3"));
        assert_eq!((b["total"].as_u64(), ids_of(&b).len(), next_of(&b)), (Some(5), 1, None), "the last numbered page: {b}");
        // Past the last page: 404 `Invalid page.`, as in the reference; a count-only search ignores the page.
        let (s, b, _) = call!(app, get("/FHIR/R5/Observation?patient._has%3AGroup%3Amember%3A_id=30001&_count=2&_page=4"));
        assert_eq!((s, diagnostics(&b)), (404, "Invalid page."), "{b}");
        let (s, b, _) = call!(app, get("/FHIR/R5/Observation?patient._has%3AGroup%3Amember%3A_id=30001&_summary=count&_page=4"));
        assert_eq!((s, b["total"].as_u64()), (200, Some(5)), "{b}");

        // Naming what one may not read is refused (transcripts 72, 73).
        let (s, b, _) = call!(app, get("/FHIR/R5/Observation?patient=40003"));
        assert_eq!((s, diagnostics(&b)), (403, "Current user is not authorized to access Patient/40003."));
        let (s, b, _) = call!(app, get("/FHIR/R5/Observation?patient._has%3AGroup%3Amember%3A_id=30004"));
        assert_eq!((s, diagnostics(&b)), (403, "Current user is not authorized to access Group/30004."));

        // jupyterhealth-client's own request: lower-case base, `_has` without `patient.`, entries holding only
        // `resource`, an absolute next link.
        let (s, b, _) = call!(app, get("/fhir/r5/Observation?_has%3AGroup%3Amember%3A_id=30001&code=https%3A%2F%2Fw3id.org%2Fopenmhealth%7Comh%3Aheart-rate%3A2.0&_count=1"));
        assert_eq!((s, b["total"].as_u64()), (200, Some(2)));
        let entry = b["entry"][0].as_object().unwrap();
        assert_eq!(entry.len(), 1, "the client reads the only key of each entry");
        let next = b["link"].as_array().unwrap().iter().find(|l| l["relation"] == "next").unwrap();
        assert!(next["url"].as_str().unwrap().starts_with("http://localhost:8000/fhir/r5/Observation?"));

        // Metadata, content negotiation, unknown types, delete.
        let (s, b, h) = call!(app, TestRequest::get().uri("/FHIR/R5/metadata").insert_header((header::ACCEPT, "application/fhir+json")));
        assert_eq!(s, 200);
        assert_eq!(h.get(header::CONTENT_TYPE).unwrap(), "application/fhir+json");
        assert_valid_fhir(&b);
        assert!(b["rest"][0]["resource"].as_array().unwrap().iter().any(|r| r["type"] == "Observation"));
        let (s, b, _) = call!(app, get("/FHIR/R5/Foo"));
        assert_eq!((s, diagnostics(&b)), (404, "Unsupported FHIR resource type: Foo."));
        let (s, b, _) = call!(app, TestRequest::delete().uri("/FHIR/R5/Observation/60001").insert_header(bearer(&mary)));
        assert_eq!((s, diagnostics(&b)), (405, "Delete of a Observation record is not supported."));
        let (s, b, h) = call!(app, TestRequest::get().uri("/FHIR/R5/Observation?patient=40001"));
        assert_eq!((s, diagnostics(&b)), (401, "Authentication credentials were not provided."));
        assert!(h.get(header::WWW_AUTHENTICATE).is_some());
    });

    uploads_follow_the_reference_pipeline => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let peter = token_for(&app, "ll_patient_peter@example.com").await;
        let post = |token: &Value, body: Value| TestRequest::post().uri("/FHIR/R5/Observation").insert_header(bearer(token)).set_json(body);

        // 63: a patient's upload gets the short answer, with Location and ETag.
        let (s, b, h) = call!(app, post(&peter, good_bp(1)));
        assert_eq!(s, 201, "{b}");
        assert_eq!(b["resourceType"], "Observation");
        assert_eq!(b["subject"]["reference"], "Patient/40001");
        assert!(b.get("valueAttachment").is_none());
        let id = b["id"].as_str().unwrap().to_owned();
        assert!(h.get(header::LOCATION).unwrap().to_str().unwrap().ends_with(&format!("/FHIR/R5/Observation/{id}/_history/1")));
        assert!(h.get(header::ETAG).is_some());
        // 64: the same identifier again.
        let (s, b, _) = call!(app, post(&peter, good_bp(1)));
        assert_eq!((s, diagnostics(&b)), (409, "Identifier already exists: system=https://devices.example.org/readings value=r-1"));
        // 81: not consented (blood glucose).
        let (s, b, _) = call!(app, post(&peter, observation(Some(40001), 70002, "omh:blood-glucose:4.0", Some(b64(&bp_point(2, json!(118)))), None)));
        assert_eq!((s, diagnostics(&b)), (403, "Observation data with coding_system=https://w3id.org/openmhealth coding_code=omh:blood-glucose:4.0 has not been consented for any studies by this Patient."));
        // 82: someone else's subject.
        let (s, b, _) = call!(app, post(&peter, observation(Some(40002), 70001, "omh:blood-pressure:4.0", Some(b64(&bp_point(3, json!(118)))), None)));
        assert_eq!((s, diagnostics(&b)), (403, "The Subject Patient does not match the current user."));
        // 83: no subject.
        let (s, b, _) = call!(app, post(&peter, observation(None, 70001, "omh:blood-pressure:4.0", Some(b64(&bp_point(4, json!(118)))), None)));
        assert_eq!((s, diagnostics(&b)), (400, "Subject is required and must be a reference to a Patient ID and start with 'Patient/'"));
        // 84: not base64 JSON.
        let (s, b, _) = call!(app, post(&peter, observation(Some(40001), 70001, "omh:blood-pressure:4.0", Some("not base64 json!!".into()), None)));
        assert_eq!((s, diagnostics(&b)), (400, "valueAttachment.data must be Base 64 Encoded Binary JSON."));
        // 85: the data point breaks its schema: 422, with the path.
        let (s, b, _) = call!(app, post(&peter, observation(Some(40001), 70001, "omh:blood-pressure:4.0", Some(b64(&bp_point(5, json!("high")))), None)));
        assert_eq!(s, 422, "{b}");
        assert!(diagnostics(&b).contains("body.systolic_blood_pressure"), "{b}");
        assert_valid_fhir(&b);
        // 86 (improved): an invalid status is refused.
        let mut bad_status = good_bp(6);
        bad_status["status"] = json!("not-a-status");
        let (s, _, _) = call!(app, post(&peter, bad_status));
        assert_eq!(s, 400);
        // 87: a data source that is not a personal device.
        let (s, b, _) = call!(app, post(&peter, observation(Some(40001), 70005, "omh:blood-pressure:4.0", Some(b64(&bp_point(7, json!(118)))), None)));
        assert_eq!((s, diagnostics(&b)), (400, "Device Data Source id=70005 can not be found."));
        // 88: not JSON.
        let (s, b, _) = call!(app, TestRequest::post().uri("/FHIR/R5/Observation").insert_header(bearer(&peter))
            .insert_header((header::CONTENT_TYPE, "application/json")).set_payload("{not json"));
        assert_eq!(s, 400);
        assert!(diagnostics(&b).starts_with("JSON parse error"), "{b}");
        // Both JSON media types are accepted; others are not.
        let (s, _, _) = call!(app, TestRequest::post().uri("/FHIR/R5/Observation").insert_header(bearer(&peter))
            .insert_header((header::CONTENT_TYPE, "application/fhir+json")).set_payload(good_bp(8).to_string()));
        assert_eq!(s, 201);
        let (s, _, _) = call!(app, TestRequest::post().uri("/FHIR/R5/Observation").insert_header(bearer(&peter))
            .insert_header((header::CONTENT_TYPE, "text/plain")).set_payload(good_bp(9).to_string()));
        assert_eq!(s, 415);
        // 89: no token.
        let (s, _, _) = call!(app, TestRequest::post().uri("/FHIR/R5/Observation").set_json(good_bp(10)));
        assert_eq!(s, 401);
        // 90: a practitioner (member or manager for the patient) gets the whole resource.
        let mary = token_for(&app, "manager_mary@example.com").await;
        let (s, b, _) = call!(app, post(&mary, good_bp(11)));
        assert_eq!(s, 201, "{b}");
        assert_valid_fhir(&b);
        assert!(b["valueAttachment"]["data"].is_string());
        // A viewer may read but not write.
        let victor = token_for(&app, "viewer_victor@example.com").await;
        let (s, b, _) = call!(app, post(&victor, good_bp(12)));
        assert_eq!((s, diagnostics(&b)), (403, "Current user doesn't have access to the Patient."));

        // 67, 80: a patient sees exactly their own observations, whatever the filters.
        let (_, own, _) = call!(app, TestRequest::get().uri("/FHIR/R5/Observation").insert_header(bearer(&peter)));
        let (_, filtered, _) = call!(app, TestRequest::get().uri("/FHIR/R5/Observation?patient=40002").insert_header(bearer(&peter)));
        assert_eq!(own["total"], filtered["total"]);
        assert!(own["entry"].as_array().unwrap().iter().all(|e| e["resource"]["subject"]["reference"] == "Patient/40001"));
        assert_eq!(own["total"], 5, "two seeded, three uploaded: {own}");
        // 68: reading by id.
        let (s, b, _) = call!(app, TestRequest::get().uri(&format!("/FHIR/R5/Observation/{id}")).insert_header(bearer(&peter)));
        assert_eq!((s, b["id"].as_str()), (200, Some(id.as_str())));
        let (s, _, _) = call!(app, TestRequest::get().uri("/FHIR/R5/Observation/60001").insert_header(bearer(&peter)));
        assert_eq!(s, 404, "Pamela's observation is not Peter's to read");
    });

    batches_report_each_entry_and_transactions_are_atomic => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let peter = token_for(&app, "ll_patient_peter@example.com").await;
        let bundle = |kind: &str, entries: Vec<Value>| json!({
            "resourceType": "Bundle", "type": kind,
            "entry": entries.into_iter().map(|r| json!({"resource": r, "request": {"method": "POST", "url": "Observation"}})).collect::<Vec<_>>()
        });
        let post = |uri: &str, body: Value| TestRequest::post().uri(uri).insert_header(bearer(&peter)).set_json(body);
        let count_own = || async {
            let (_, b, _) = call!(app, TestRequest::get().uri("/FHIR/R5/Observation?_summary=count").insert_header(bearer(&peter)));
            b["total"].as_u64().unwrap()
        };
        let before = count_own().await;

        // 65: three good, one not consented.
        let bg = observation(Some(40001), 70002, "omh:blood-glucose:4.0", Some(b64(&bp_point(40, json!(111)))), None);
        let (s, b, _) = call!(app, post("/FHIR/R5/", bundle("batch", vec![good_bp(41), good_bp(42), good_bp(43), bg])));
        assert_eq!(s, 200, "{b}");
        assert_eq!(b["type"], "batch-response");
        let statuses: Vec<&str> = b["entry"].as_array().unwrap().iter().map(|e| e["response"]["status"].as_str().unwrap()).collect();
        assert_eq!(statuses, vec!["201 Created", "201 Created", "201 Created", "403 Forbidden"]);
        assert_valid_fhir(&b);
        assert_eq!(count_own().await, before + 3);

        // 66: the same first entry again at the base without a slash: 409 inside a 200.
        let (s, b, _) = call!(app, post("/FHIR/R5", bundle("batch", vec![good_bp(41)])));
        assert_eq!((s, b["entry"][0]["response"]["status"].as_str()), (200, Some("409 Conflict")));

        // 91, 93 (improved): a missing data field and a non-Observation entry fail alone; the rest proceeds.
        let no_data = observation(Some(40001), 70001, "omh:blood-pressure:4.0", None, None);
        let patient = json!({"resourceType": "Patient", "id": "x"});
        let (s, b, _) = call!(app, post("/FHIR/R5/", bundle("batch", vec![no_data, patient, good_bp(44)])));
        assert_eq!(s, 200, "{b}");
        let statuses: Vec<&str> = b["entry"].as_array().unwrap().iter().map(|e| e["response"]["status"].as_str().unwrap()).collect();
        assert_eq!(statuses, vec!["400 Bad Request", "400 Bad Request", "201 Created"]);
        assert_eq!(diagnostics(&b["entry"][1]["response"]["outcome"]), "Only Observation resourceType supported.");
        // Two entries of one batch claiming the same identifier: the second is a conflict, the first is stored.
        let (_, b, _) = call!(app, post("/FHIR/R5/", bundle("batch", vec![good_bp(45), good_bp(45)])));
        let statuses: Vec<&str> = b["entry"].as_array().unwrap().iter().map(|e| e["response"]["status"].as_str().unwrap()).collect();
        assert_eq!(statuses, vec!["201 Created", "409 Conflict"]);

        // 94 (improved): a transaction stores all or nothing.
        let after_batches = count_own().await;
        let bad = observation(Some(40001), 70001, "omh:blood-pressure:4.0", Some(b64(&bp_point(50, json!("high")))), None);
        let (s, b, _) = call!(app, post("/FHIR/R5/", bundle("transaction", vec![good_bp(51), good_bp(52), bad])));
        assert_eq!((s, b["resourceType"].as_str()), (422, Some("OperationOutcome")), "{b}");
        assert_eq!(count_own().await, after_batches, "one bad entry leaves nothing stored");
        let (s, b, _) = call!(app, post("/FHIR/R5/", bundle("transaction", vec![good_bp(51), good_bp(52)])));
        assert_eq!((s, b["type"].as_str()), (200, Some("transaction-response")), "{b}");
        assert_eq!(count_own().await, after_batches + 2);

        // Bodies that are not a usable Bundle get a 400, never a 500.
        for body in [json!({"resourceType": "Observation"}), json!({"resourceType": "Bundle", "type": "batch", "entry": {}}),
                     json!({"resourceType": "Bundle", "type": "searchset", "entry": []}), json!([1, 2])] {
            let (s, b, _) = call!(app, post("/FHIR/R5/", body.clone()));
            assert_eq!(s, 400, "{body} → {b}");
            assert_valid_fhir(&b);
        }
    });

    conditional_create_makes_retries_safe => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let peter = token_for(&app, "ll_patient_peter@example.com").await;
        let mut statuses = Vec::new();
        let mut ids = Vec::new();
        for _ in 0..3 {
            let (s, b, _) = call!(app, TestRequest::post().uri("/FHIR/R5/Observation").insert_header(bearer(&peter))
                .insert_header(("If-None-Exist", format!("identifier={IDS}|r-77"))).set_json(good_bp(77)));
            statuses.push(s);
            ids.push(b["id"].as_str().unwrap().to_owned());
        }
        assert_eq!(statuses, vec![201, 200, 200]);
        assert!(ids.iter().all(|i| *i == ids[0]), "{ids:?}");
        let (_, b, _) = call!(app, TestRequest::get().uri("/FHIR/R5/Observation?_summary=count").insert_header(bearer(&peter)));
        assert_eq!(b["total"], 3, "two seeded and one stored once");
        let (s, _, _) = call!(app, TestRequest::post().uri("/FHIR/R5/Observation").insert_header(bearer(&peter))
            .insert_header(("If-None-Exist", "nonsense")).set_json(good_bp(78)));
        assert_eq!(s, 400);
    });

    revoking_consent_hides_data_on_the_next_request => |backend| actix_web::rt::System::new().block_on(async move {
        use jhe_domain::*;
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, "manager_mary@example.com").await;
        let search = || TestRequest::get().uri("/FHIR/R5/Observation?patient=40001").insert_header(bearer(&mary));
        let (_, b, _) = call!(app, search());
        let mut ids = ids_of(&b);
        ids.sort();
        assert_eq!(ids, vec!["60003", "60005"]);

        // Peter revokes heart rate in study 30001, the only study through which Mary sees it.
        let set = |state: ConsentState| {
            let mut conn = t.state.pool.get().unwrap();
            let enrolment = jhe_store::studies::find_enrolment(&mut conn, StudyId(30001), PatientId(40001)).unwrap().unwrap();
            let consent = jhe_store::consents::find_consent(&mut conn, enrolment.id, ScopeCodeId(50004)).unwrap().unwrap();
            jhe_store::consents::update_consent(&mut conn, consent.id, state, chrono::Utc::now()).unwrap();
        };
        set(ConsentState::Revoked);
        let (_, b, _) = call!(app, search());
        assert_eq!(ids_of(&b), vec!["60003"], "the heart-rate observation vanished at once");
        let (s, _, _) = call!(app, TestRequest::get().uri("/FHIR/R5/Observation/60005").insert_header(bearer(&mary)));
        assert_eq!(s, 404, "a read by id follows the same rule");
        // Peter can no longer upload heart rate either.
        let peter = token_for(&app, "ll_patient_peter@example.com").await;
        let hr = json!({"header": {"uuid": "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d", "schema_id": {"namespace": "omh", "name": "heart-rate", "version": "2.0"},
            "source_creation_date_time": "2025-03-02T07:45:00Z"}, "body": {"heart_rate": {"value": 64, "unit": "beats/min"},
            "effective_time_frame": {"date_time": "2025-03-02T07:44:00Z"}}}).to_string();
        let (s, _, _) = call!(app, TestRequest::post().uri("/FHIR/R5/Observation").insert_header(bearer(&peter))
            .set_json(observation(Some(40001), 70001, "omh:heart-rate:2.0", Some(b64(&hr)), None)));
        assert_eq!(s, 403);

        set(ConsentState::Consented);
        let (_, b, _) = call!(app, search());
        let mut ids = ids_of(&b);
        ids.sort();
        assert_eq!(ids, vec!["60003", "60005"], "a re-grant brings it back");
        // The patient always sees their own data, consent or not.
        set(ConsentState::Revoked);
        let (_, b, _) = call!(app, TestRequest::get().uri("/FHIR/R5/Observation/60005").insert_header(bearer(&peter)));
        assert_eq!(b["id"], "60005");
    });
}

backend_tests! {
    a_search_page_renders_its_observations_identifiers_in_stored_order => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let peter = token_for(&app, "ll_patient_peter@example.com").await;
        let mary = token_for(&app, "manager_mary@example.com").await;
        let mut obs = good_bp(81);
        let held = json!([{"system": "urn:example:z-last", "value": "a \"quoted\" one"}, {"system": IDS, "value": "r-81"}]);
        obs["identifier"] = held.clone();
        let (s, b, _) = call!(app, TestRequest::post().uri("/FHIR/R5/Observation").insert_header(bearer(&peter)).set_json(obs));
        assert_eq!(s, 201, "{b}");
        let uploaded = b["id"].as_str().unwrap().to_owned();

        let counter = jhe_store::testing::QueryCounter::install(&t.state.pool);
        let (_, b, _) = call!(app, TestRequest::get().uri("/FHIR/R5/Observation?patient=40001").insert_header(bearer(&mary)));
        let entries = b["entry"].as_array().unwrap();
        let resource = |id: &str| &entries.iter().find(|e| e["resource"]["id"] == id).unwrap()["resource"];
        assert_eq!(resource(&uploaded)["identifier"], held, "{b}");
        assert!(resource("60003")["identifier"].is_null() || resource("60005")["identifier"].is_null(), "{b}");
        // The rows carry their identifiers: the search reads no other table for them.
        let lookups = counter.statements().iter().filter(|s| s.contains("observation_identifiers")).count();
        assert_eq!(lookups, 0, "the page's identifiers come with its rows: {:#?}", counter.statements());
    });

    reads_and_searches_check_the_token_before_anything_else => |backend| actix_web::rt::System::new().block_on(async move {
        // Patient search and read and Observation read resolve the token inside their one database call; a bad
        // request from someone unauthenticated must still be a 401, never a 400 or 404 that answers it.
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, "manager_mary@example.com").await;
        let strict = |uri: &str| TestRequest::get().uri(uri).insert_header(("Prefer", "handling=strict"));
        let unauthenticated = "Authentication credentials were not provided.";
        for uri in ["/FHIR/R5/Patient?no-such-parameter=1", "/FHIR/R5/Observation?no-such-parameter=1"] {
            let (s, b, h) = call!(app, strict(uri));
            assert_eq!((s, diagnostics(&b)), (401, unauthenticated), "{uri}");
            assert!(h.get(header::WWW_AUTHENTICATE).is_some(), "{uri}");
            let (s, _, _) = call!(app, strict(uri).insert_header((header::AUTHORIZATION, "Bearer not-a-token")));
            assert_eq!(s, 401, "{uri} with an unknown token");
            let (s, _, _) = call!(app, strict(uri).insert_header(bearer(&mary)));
            assert_eq!(s, 400, "{uri}: refused once the caller is known");
        }
        for (uri, missing) in [
            ("/FHIR/R5/Patient/abc", "Patient/abc not found."),
            ("/FHIR/R5/Observation/abc", "Observation/abc not found."),
            ("/FHIR/R5/Patient/99999999", "Patient/99999999 not found."),
            ("/FHIR/R5/Observation/99999999", "Observation/99999999 not found."),
        ] {
            let (s, b, _) = call!(app, TestRequest::get().uri(uri));
            assert_eq!((s, diagnostics(&b)), (401, unauthenticated), "{uri}");
            let (s, _, _) = call!(app, TestRequest::get().uri(uri).insert_header((header::AUTHORIZATION, "Bearer not-a-token")));
            assert_eq!(s, 401, "{uri} with an unknown token");
            let (s, b, _) = call!(app, TestRequest::get().uri(uri).insert_header(bearer(&mary)));
            assert_eq!((s, diagnostics(&b)), (404, missing), "{uri}");
        }
        // And what a known caller may see still comes back.
        let (s, b, _) = call!(app, TestRequest::get().uri("/FHIR/R5/Patient?_id=40001").insert_header(bearer(&mary)));
        assert_eq!((s, ids_of(&b)), (200, vec!["40001".to_owned()]));
        let (s, b, _) = call!(app, TestRequest::get().uri("/FHIR/R5/Observation/60003").insert_header(bearer(&mary)));
        assert_eq!((s, b["id"].as_str()), (200, Some("60003")), "{b}");
    });

    a_search_reads_the_vocabulary_once_and_the_subjects_accounts_at_most_once => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, "manager_mary@example.com").await;
        let search = || TestRequest::get()
            .uri("/FHIR/R5/Observation?patient=40001")
            .insert_header(bearer(&mary))
            .to_request();
        let counter = jhe_store::testing::QueryCounter::install(&t.state.pool);
        // The subjects' accounts are read by a query of their own (identifier quoting differs between the backends,
        // so compare without it). A per-row subselect in the page query cost PostgreSQL more than that query.
        let account_lookups = |statements: &[String]| statements.iter()
            .map(|s| s.replace(['"', '`'], ""))
            .filter(|s| s.starts_with("SELECT patients.id, patients.user_id FROM patients") && s.contains("patients.user_id IS NOT NULL"))
            .count();

        let first: Value = test::call_and_read_body_json(&app, search()).await;
        let entries = first["entry"].as_array().unwrap().clone();
        assert!(!entries.is_empty(), "{first}");
        for entry in &entries {
            let resource = &entry["resource"];
            assert!(resource["code"]["coding"][0]["display"].is_string(), "{resource}");
            assert_eq!(resource["subject"]["identifier"]["value"], "10006", "Peter's account: {resource}");
        }
        let vocabulary_reads = |statements: &[String]| statements.iter().filter(|s| s.contains("codeable_concepts")).count();
        assert_eq!(vocabulary_reads(&counter.statements()), 1, "{:#?}", counter.statements());
        // `?patient=` checks that patient first, and the check brings the account along.
        assert_eq!(account_lookups(&counter.statements()), 0, "{:#?}", counter.statements());
        counter.reset();

        let second: Value = test::call_and_read_body_json(&app, search()).await;
        assert_eq!(second["entry"], first["entry"], "the same page, rendered the same");
        assert_eq!(vocabulary_reads(&counter.statements()), 0, "codes come from memory: {:#?}", counter.statements());
        // The page holds every match, so its total needs no count.
        let counts = counter.statements().iter().filter(|s| s.contains("COUNT(")).count();
        assert_eq!((second["total"].as_u64(), counts), (Some(2), 0), "{:#?}", counter.statements());
        counter.reset();
        let first_of_two: Value = test::call_and_read_body_json(&app, TestRequest::get()
            .uri("/FHIR/R5/Observation?patient=40001&_count=1").insert_header(bearer(&mary)).to_request()).await;
        let counts = counter.statements().iter().filter(|s| s.contains("COUNT(")).count();
        assert_eq!((first_of_two["total"].as_u64(), counts), (Some(2), 1), "more follow: counted");
        counter.reset();

        // A search that names no patient reads the accounts of the page's patients in one query, whatever their
        // number, and renders the same subject identifiers.
        let study: Value = test::call_and_read_body_json(&app, TestRequest::get()
            .uri("/FHIR/R5/Observation?patient._has%3AGroup%3Amember%3A_id=30001").insert_header(bearer(&mary)).to_request()).await;
        let study_entries = study["entry"].as_array().unwrap();
        let subjects: std::collections::BTreeSet<&str> = study_entries.iter()
            .map(|e| e["resource"]["subject"]["reference"].as_str().unwrap()).collect();
        assert!(subjects.len() > 1, "the study's page spans patients: {study}");
        for entry in study_entries.iter().filter(|e| e["resource"]["subject"]["reference"] == "Patient/40001") {
            assert_eq!(entry["resource"]["subject"]["identifier"]["value"], "10006", "{entry}");
        }
        assert_eq!(account_lookups(&counter.statements()), 1, "{:#?}", counter.statements());
    });

    every_search_page_is_recorded_with_the_patients_it_showed => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, "manager_mary@example.com").await;
        // The search events, newest first.
        let searches = || jhe_store::audit::list_audit_events(
            &mut t.state.pool.get().unwrap(), &jhe_store::audit::AuditFilter::default(), 0, 1000,
        )
        .unwrap()
        .1
        .into_iter()
        .filter(|e| e.action == "observation.search")
        .collect::<Vec<_>>();
        let before = searches().len();

        // A study's observations one per page, through the next links: each page read is one event naming exactly
        // the patients of the rows it showed (not the row read ahead to know whether a next page exists).
        let mut uri = "/FHIR/R5/Observation?patient._has%3AGroup%3Amember%3A_id=30001&_count=1".to_owned();
        let mut pages = 0;
        let mut all_subjects = std::collections::BTreeSet::new();
        loop {
            let (s, page, _) = call!(app, TestRequest::get().uri(&uri).insert_header(bearer(&mary)));
            assert_eq!(s, 200, "{page}");
            pages += 1;
            let shown: Vec<i64> = page["entry"].as_array().unwrap().iter()
                .map(|e| e["resource"]["subject"]["reference"].as_str().unwrap()["Patient/".len()..].parse().unwrap())
                .collect();
            assert_eq!(shown.len(), 1, "{page}");
            all_subjects.extend(shown.iter().copied());
            let events = searches();
            assert_eq!(events.len(), before + pages, "one event per page");
            let newest = &events[0];
            assert_eq!(newest.outcome, AuditOutcome::Success, "{newest:?}");
            assert!(newest.actor_user_id.is_some(), "{newest:?}");
            let named: Vec<i64> = newest.patient_ids.iter().map(|p| p.get()).collect();
            assert_eq!(named, shown, "page {pages}: {newest:?}");
            let next = page["link"].as_array().unwrap().iter()
                .find(|l| l["relation"] == "next")
                .map(|l| l["url"].as_str().unwrap().to_owned());
            match next {
                Some(url) => uri = url[url.find("/FHIR").unwrap()..].to_owned(),
                None => break,
            }
        }
        assert!(all_subjects.len() > 1, "the walk crossed patients, so a read-ahead row could have been named");

        // A numbered page past the last match is a 404 that no event records as answered.
        let (s, b, _) = call!(app, TestRequest::get().uri("/FHIR/R5/Observation?patient=40001&_page=99").insert_header(bearer(&mary)));
        assert_eq!((s, diagnostics(&b)), (404, "Invalid page."), "{b}");
        assert_eq!(searches().len(), before + pages);
        // A numbered page that exists is recorded like any other.
        let (s, b, _) = call!(app, TestRequest::get().uri("/FHIR/R5/Observation?patient=40001&_count=1&_page=2").insert_header(bearer(&mary)));
        assert_eq!((s, b["entry"].as_array().map(Vec::len)), (200, Some(1)), "{b}");
        let events = searches();
        assert_eq!(events.len(), before + pages + 1);
        assert_eq!(events[0].patient_ids, vec![PatientId(40001)], "{:?}", events[0]);
    });
}
