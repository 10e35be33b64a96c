#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The upload pipeline against an in-memory exchange: every step's status and message, and their order.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use chrono::{TimeZone, Utc};
use jhe_domain::{
    DataSourceId, EffectiveTime, Identifier, ObservationId, ObservationStatus, PatientId, ScopeCodeId,
};
use jhe_fhir::batch::{self, BatchEntryError, BatchError};
use jhe_fhir::resource::Bundle;
use jhe_fhir::upload::{ScopeCoding, parse_observation};
use jhe_fhir::{
    ObservationRoute, PipelineError, SubjectAccess, UploadChecks, UploadError, route_observation,
    run_upload_pipeline, run_upload_pipeline_value,
};
use serde_json::{Value, json};

const OMH: &str = "https://w3id.org/openmhealth";
const PIA: PatientId = PatientId(41001);
const QUINN: PatientId = PatientId(41002);
const WATCH: DataSourceId = DataSourceId(71001);
const DIARY_APP: DataSourceId = DataSourceId(71005);
const BP: ScopeCodeId = ScopeCodeId(51002);
const BG: ScopeCodeId = ScopeCodeId(51001);

#[derive(Debug)]
enum Caller {
    Patient(Option<PatientId>),
    Practitioner { sees: Vec<PatientId> },
}

/// A tiny exchange: Pia and Quinn, a watch (personal device) and a diary app, blood pressure and glucose codes,
/// and Pia's consent to blood pressure only.
#[derive(Debug)]
struct Exchange {
    caller: Caller,
    taken: Vec<Identifier>,
    calls: Vec<&'static str>,
    broken: bool,
}

impl Exchange {
    fn as_patient(patient: PatientId) -> Self {
        Exchange {
            caller: Caller::Patient(Some(patient)),
            taken: Vec::new(),
            calls: Vec::new(),
            broken: false,
        }
    }
}

impl UploadChecks for Exchange {
    type Error = &'static str;

    fn patient_exists(&mut self, patient: PatientId) -> Result<bool, Self::Error> {
        self.calls.push("patient");
        if self.broken {
            return Err("database is down");
        }
        Ok([PIA, QUINN].contains(&patient))
    }

    fn subject_access(&mut self, patient: PatientId) -> Result<SubjectAccess, Self::Error> {
        self.calls.push("access");
        Ok(match &self.caller {
            Caller::Patient(None) => SubjectAccess::NotAPatient,
            Caller::Patient(Some(me)) if *me == patient => SubjectAccess::Allowed,
            Caller::Patient(Some(_)) => SubjectAccess::SubjectMismatch,
            Caller::Practitioner { sees } if sees.contains(&patient) => SubjectAccess::Allowed,
            Caller::Practitioner { .. } => SubjectAccess::NoPatientAccess,
        })
    }

    fn personal_device_exists(&mut self, device: DataSourceId) -> Result<bool, Self::Error> {
        self.calls.push("device");
        Ok(device == WATCH)
    }

    fn identifier_exists(&mut self, identifier: &Identifier) -> Result<bool, Self::Error> {
        self.calls.push("identifier");
        Ok(self.taken.contains(identifier))
    }

    fn find_scope_code(&mut self, system: &str, code: &str) -> Result<Option<ScopeCodeId>, Self::Error> {
        self.calls.push("code");
        Ok(match (system, code) {
            (OMH, "omh:blood-pressure:4.0") => Some(BP),
            (OMH, "omh:blood-glucose:4.0") => Some(BG),
            _ => None,
        })
    }

    fn is_consented(&mut self, patient: PatientId, scope: ScopeCodeId) -> Result<bool, Self::Error> {
        self.calls.push("consent");
        Ok(patient == PIA && scope == BP)
    }
}

fn pressure_point(systolic: Value) -> Value {
    json!({
        "header": {
            "uuid": "6b1f0d2e-3c4a-4e5b-8f90-a1b2c3d4e5f6",
            "schema_id": {"namespace": "omh", "name": "blood-pressure", "version": "4.0"},
            "source_creation_date_time": "2025-02-14T19:45:00-05:00",
            "modality": "sensed"
        },
        "body": {
            "systolic_blood_pressure": {"value": systolic, "unit": "mmHg"},
            "diastolic_blood_pressure": {"value": 76, "unit": "mmHg"},
            "effective_time_frame": {"date_time": "2025-02-14T19:40:00-05:00"}
        }
    })
}

fn glucose_point() -> Value {
    json!({
        "header": {
            "uuid": "7c2a1e3f-4d5b-4f6c-9a01-b2c3d4e5f6a7",
            "schema_id": {"namespace": "omh", "name": "blood-glucose", "version": "4.0"},
            "source_creation_date_time": "2025-02-14T08:00:00Z"
        },
        "body": {"blood_glucose": {"value": 96, "unit": "mg/dL"}, "effective_time_frame": {"date_time": "2025-02-14T07:58:00Z"}}
    })
}

fn upload(code: &str, data: &Value) -> Value {
    json!({
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": OMH, "code": code}]},
        "subject": {"reference": "Patient/41001"},
        "device": {"reference": "Device/71001"},
        "identifier": [{"system": "https://example.org/pia-app", "value": "reading-0001"}],
        "valueAttachment": {"contentType": "application/json", "data": STANDARD.encode(data.to_string())}
    })
}

fn bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).unwrap()
}

/// Runs the pipeline and returns the refusal.
fn refusal(exchange: &mut Exchange, body: &Value) -> UploadError {
    match run_upload_pipeline(&bytes(body), exchange) {
        Err(PipelineError::Refused(e)) => e,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_consented_reading_is_accepted() {
    let mut exchange = Exchange::as_patient(PIA);
    let body = upload("omh:blood-pressure:4.0", &pressure_point(json!(131)));
    let accepted = run_upload_pipeline(&bytes(&body), &mut exchange).unwrap();
    assert_eq!(
        exchange.calls,
        ["patient", "access", "device", "identifier", "code", "consent"]
    );
    assert_eq!(accepted.patient_id, PIA);
    assert_eq!(accepted.device_id, WATCH);
    assert_eq!(accepted.scope_code_id, BP);
    assert_eq!(
        accepted.coding,
        ScopeCoding {
            system: OMH.into(),
            code: "omh:blood-pressure:4.0".into()
        }
    );
    assert_eq!(accepted.status, ObservationStatus::Final);
    assert_eq!(accepted.omh_data, pressure_point(json!(131)).to_string());
    let new = accepted.to_new_observation();
    assert_eq!(new.data_source_id, Some(WATCH));
    assert_eq!(
        new.identifiers,
        [Identifier {
            system: "https://example.org/pia-app".into(),
            value: "reading-0001".into()
        }]
    );
    assert_eq!(
        new.effective,
        Some(EffectiveTime::Instant(
            Utc.with_ymd_and_hms(2025, 2, 15, 0, 40, 0).unwrap()
        ))
    );
}

#[test]
fn step_1_the_body_must_be_an_observation() {
    let mut exchange = Exchange::as_patient(PIA);
    let e = match run_upload_pipeline(b"{not json", &mut exchange) {
        Err(PipelineError::Refused(e)) => e,
        other => panic!("{other:?}"),
    };
    assert_eq!((e.step(), e.status()), (1, 400));
    assert!(e.to_string().starts_with("JSON parse error - "), "{e}");

    let mut body = upload("omh:blood-pressure:4.0", &pressure_point(json!(131)));
    body["subject"] = json!("Patient/41001");
    let e = refusal(&mut exchange, &body);
    assert!(
        e.to_string()
            .starts_with("Invalid FHIR Observation: invalid type: string"),
        "{e}"
    );

    let mut body = upload("omh:blood-pressure:4.0", &pressure_point(json!(131)));
    body["resourceType"] = json!("Patient");
    let e = refusal(&mut exchange, &body);
    assert!(
        e.to_string()
            .contains("resourceType must be \"Observation\", not \"Patient\""),
        "{e}"
    );

    let mut body = upload("omh:blood-pressure:4.0", &pressure_point(json!(131)));
    body.as_object_mut().unwrap().remove("status");
    assert_eq!(
        refusal(&mut exchange, &body).to_string(),
        "Observation.status is required."
    );

    let mut body = upload("omh:blood-pressure:4.0", &pressure_point(json!(131)));
    body.as_object_mut().unwrap().remove("code");
    assert_eq!(
        refusal(&mut exchange, &body).to_string(),
        "Observation.code is required."
    );

    let mut body = upload("omh:blood-pressure:4.0", &pressure_point(json!(131)));
    body["identifier"] = json!([{"system": "https://example.org/pia-app"}]);
    assert_eq!(
        refusal(&mut exchange, &body).to_string(),
        "Observation.identifier[0].value is required."
    );
    assert!(
        exchange.calls.is_empty(),
        "nothing is looked up before step 1 passes"
    );
}

#[test]
fn step_1_refuses_an_unknown_status() {
    // The reference stored "not-a-status" and answered 201; we refuse it.
    let mut body = upload("omh:blood-pressure:4.0", &pressure_point(json!(131)));
    body["status"] = json!("not-a-status");
    let e = refusal(&mut Exchange::as_patient(PIA), &body);
    assert_eq!((e.step(), e.status()), (1, 400));
    assert_eq!(
        e.to_string(),
        "Observation.status: \"not-a-status\" is not a valid observation status; expected one of: registered, \
         preliminary, final, amended, corrected, appended, cancelled, entered-in-error, unknown"
    );
    body["status"] = json!("amended");
    let accepted = run_upload_pipeline(&bytes(&body), &mut Exchange::as_patient(PIA)).unwrap();
    assert_eq!(accepted.status, ObservationStatus::Amended);
}

#[test]
fn step_2_a_subject_is_required() {
    let mut body = upload("omh:blood-pressure:4.0", &pressure_point(json!(131)));
    body.as_object_mut().unwrap().remove("subject");
    let e = refusal(&mut Exchange::as_patient(PIA), &body);
    assert_eq!((e.step(), e.status()), (2, 400));
    assert_eq!(
        e.to_string(),
        "Subject is required and must be a reference to a Patient ID and start with 'Patient/'"
    );
    body["subject"] = json!({"reference": "Group/30001"});
    assert_eq!(
        refusal(&mut Exchange::as_patient(PIA), &body),
        UploadError::SubjectRequired
    );
}

#[test]
fn step_3_the_patient_must_exist() {
    let mut body = upload("omh:blood-pressure:4.0", &pressure_point(json!(131)));
    body["subject"] = json!({"reference": "Patient/49999"});
    let e = refusal(&mut Exchange::as_patient(PIA), &body);
    assert_eq!(
        (e.step(), e.status(), e.to_string().as_str()),
        (3, 400, "Patient id=49999 can not be found.")
    );
    body["subject"] = json!({"reference": "Patient/pia"});
    assert_eq!(
        refusal(&mut Exchange::as_patient(PIA), &body).to_string(),
        "Patient id=pia can not be found."
    );
}

#[test]
fn step_4_the_caller_must_be_allowed() {
    let body = upload("omh:blood-pressure:4.0", &pressure_point(json!(131)));
    let e = refusal(&mut Exchange::as_patient(QUINN), &body);
    assert_eq!((e.step(), e.status()), (4, 403));
    assert_eq!(
        e.to_string(),
        "The Subject Patient does not match the current user."
    );

    let mut no_profile = Exchange::as_patient(PIA);
    no_profile.caller = Caller::Patient(None);
    assert_eq!(
        refusal(&mut no_profile, &body).to_string(),
        "Current user is not a Patient."
    );

    let mut stranger = Exchange::as_patient(PIA);
    stranger.caller = Caller::Practitioner { sees: vec![QUINN] };
    assert_eq!(
        refusal(&mut stranger, &body).to_string(),
        "Current user doesn't have access to the Patient."
    );

    let mut carer = Exchange::as_patient(PIA);
    carer.caller = Caller::Practitioner { sees: vec![PIA] };
    assert!(run_upload_pipeline(&bytes(&body), &mut carer).is_ok());
}

#[test]
fn step_5_the_device_must_be_a_personal_device() {
    let mut body = upload("omh:blood-pressure:4.0", &pressure_point(json!(131)));
    body["device"] = json!({"reference": "Device/71005"});
    let e = refusal(&mut Exchange::as_patient(PIA), &body);
    assert_eq!((e.step(), e.status()), (5, 400));
    assert_eq!(
        e.to_string(),
        format!("Device Data Source id={DIARY_APP} can not be found.")
    );

    body.as_object_mut().unwrap().remove("device");
    assert_eq!(
        refusal(&mut Exchange::as_patient(PIA), &body).to_string(),
        "Device is required and must be a reference to a Data Source ID and start with 'Device/'"
    );
}

#[test]
fn step_6_identifiers_must_be_new() {
    let body = upload("omh:blood-pressure:4.0", &pressure_point(json!(131)));
    let mut exchange = Exchange::as_patient(PIA);
    exchange.taken.push(Identifier {
        system: "https://example.org/pia-app".into(),
        value: "reading-0001".into(),
    });
    let e = refusal(&mut exchange, &body);
    assert_eq!((e.step(), e.status()), (6, 409));
    assert_eq!(
        e.to_string(),
        "Identifier already exists: system=https://example.org/pia-app value=reading-0001"
    );

    let mut twice = body.clone();
    twice["identifier"] = json!([
        {"system": "https://example.org/pia-app", "value": "reading-0002"},
        {"system": "https://example.org/pia-app", "value": "reading-0002"}
    ]);
    let e = refusal(&mut Exchange::as_patient(PIA), &twice);
    assert_eq!((e.step(), e.status()), (6, 409));
}

#[test]
fn step_7_exactly_one_coding() {
    let mut body = upload("omh:blood-pressure:4.0", &pressure_point(json!(131)));
    body["code"]["coding"] = json!([
        {"system": OMH, "code": "omh:blood-pressure:4.0"},
        {"system": "http://loinc.org", "code": "85354-9"}
    ]);
    let e = refusal(&mut Exchange::as_patient(PIA), &body);
    assert_eq!(
        (e.step(), e.status(), e.to_string().as_str()),
        (7, 400, "Exactly one Code must be provided.")
    );
    body["code"] = json!({"text": "blood pressure"});
    assert_eq!(
        refusal(&mut Exchange::as_patient(PIA), &body),
        UploadError::ExactlyOneCode
    );
}

#[test]
fn step_8_the_code_must_be_known() {
    let body = upload("omh:body-height:2.0", &pressure_point(json!(131)));
    let e = refusal(&mut Exchange::as_patient(PIA), &body);
    assert_eq!((e.step(), e.status()), (8, 400));
    assert_eq!(
        e.to_string(),
        "Code not found: system=https://w3id.org/openmhealth code=omh:body-height:2.0"
    );
}

#[test]
fn step_9_the_scope_must_be_consented() {
    let body = upload("omh:blood-glucose:4.0", &glucose_point());
    let e = refusal(&mut Exchange::as_patient(PIA), &body);
    assert_eq!((e.step(), e.status()), (9, 403));
    assert_eq!(
        e.to_string(),
        "Observation data with coding_system=https://w3id.org/openmhealth coding_code=omh:blood-glucose:4.0 has \
         not been consented for any studies by this Patient."
    );
}

#[test]
fn step_10_the_data_must_be_base64_json() {
    let message = "valueAttachment.data must be Base 64 Encoded Binary JSON.";
    let mut body = upload("omh:blood-pressure:4.0", &pressure_point(json!(131)));
    for data in [
        json!("not base64 json!!"),
        json!(STANDARD.encode("{\"header\": ")),
        json!(STANDARD.encode([0xff, 0xfe])),
    ] {
        body["valueAttachment"]["data"] = data;
        let e = refusal(&mut Exchange::as_patient(PIA), &body);
        assert_eq!((e.step(), e.status(), e.to_string().as_str()), (10, 400, message));
    }
    body.as_object_mut().unwrap().remove("valueAttachment");
    assert_eq!(
        refusal(&mut Exchange::as_patient(PIA), &body),
        UploadError::InvalidData
    );
}

#[test]
fn step_10_tolerates_missing_padding_and_line_breaks() {
    let text = pressure_point(json!(131)).to_string();
    let mut body = upload("omh:blood-pressure:4.0", &pressure_point(json!(131)));
    body["valueAttachment"]["data"] = json!(STANDARD_NO_PAD.encode(&text));
    assert!(run_upload_pipeline(&bytes(&body), &mut Exchange::as_patient(PIA)).is_ok());
    let wrapped: String = STANDARD
        .encode(&text)
        .as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect::<Vec<_>>()
        .join("\r\n");
    body["valueAttachment"]["data"] = json!(wrapped);
    let accepted = run_upload_pipeline(&bytes(&body), &mut Exchange::as_patient(PIA)).unwrap();
    assert_eq!(accepted.omh_data, text);
}

#[test]
fn step_11_the_data_point_must_match_its_schema() {
    let mut point = pressure_point(json!("high"));
    point["body"]
        .as_object_mut()
        .unwrap()
        .remove("effective_time_frame");
    let body = upload("omh:blood-pressure:4.0", &point);
    let e = refusal(&mut Exchange::as_patient(PIA), &body);
    assert_eq!((e.step(), e.status()), (11, 422));
    let outcome = serde_json::to_value(e.to_operation_outcome()).unwrap();
    let issues = outcome["issue"].as_array().unwrap();
    assert_eq!(issues.len(), 2);
    assert_eq!(issues[0]["severity"], "error");
    assert_eq!(issues[0]["code"], "processing");
    assert_eq!(
        issues[0]["diagnostics"],
        "body.systolic_blood_pressure.value: expected a number, found \"high\""
    );
    assert!(
        issues[1]["diagnostics"]
            .as_str()
            .unwrap()
            .starts_with("body.effective_time_frame: expected a time frame")
    );
}

#[test]
fn the_first_failure_wins_and_nothing_after_it_runs() {
    // No subject (step 2), two codings (step 7) and bad data (step 10): step 2 answers.
    let mut body = upload("omh:blood-pressure:4.0", &pressure_point(json!(131)));
    body.as_object_mut().unwrap().remove("subject");
    body["code"]["coding"] = json!([{"system": OMH, "code": "a"}, {"system": OMH, "code": "b"}]);
    body["valueAttachment"]["data"] = json!("%%%");
    let mut exchange = Exchange::as_patient(PIA);
    assert_eq!(refusal(&mut exchange, &body), UploadError::SubjectRequired);
    assert!(exchange.calls.is_empty());

    // A foreign subject (step 4) hides a bad device (step 5).
    let mut body = upload("omh:blood-pressure:4.0", &pressure_point(json!(131)));
    body["device"] = json!({"reference": "Device/71005"});
    let mut exchange = Exchange::as_patient(QUINN);
    assert_eq!(refusal(&mut exchange, &body), UploadError::SubjectMismatch);
    assert_eq!(exchange.calls, ["patient", "access"]);
}

#[test]
fn store_failures_are_not_refusals() {
    let mut exchange = Exchange::as_patient(PIA);
    exchange.broken = true;
    let body = upload("omh:blood-pressure:4.0", &pressure_point(json!(131)));
    assert_eq!(
        run_upload_pipeline(&bytes(&body), &mut exchange),
        Err(PipelineError::Store("database is down"))
    );
}

#[test]
fn the_step_functions_can_be_called_one_by_one() {
    let body = upload("omh:blood-pressure:4.0", &pressure_point(json!(131)));
    let parsed = parse_observation(&bytes(&body)).unwrap();
    assert_eq!(parsed.subject_patient_id(), Ok(PIA));
    assert_eq!(parsed.device_id(), Ok(WATCH));
    assert_eq!(parsed.identifiers().unwrap().len(), 1);
    assert_eq!(parsed.single_coding().unwrap().code, "omh:blood-pressure:4.0");
    let data = parsed.decode_data().unwrap();
    let valid = jhe_fhir::upload::validate_upload_data("omh:blood-pressure:4.0", &data).unwrap();
    assert_eq!(valid.scope_code(), "omh:blood-pressure:4.0");
}

#[test]
fn errors_become_operation_outcomes() {
    let outcome = serde_json::to_value(UploadError::ExactlyOneCode.to_operation_outcome()).unwrap();
    assert_eq!(
        outcome,
        json!({"resourceType": "OperationOutcome", "issue": [
            {"severity": "error", "code": "processing", "diagnostics": "Exactly one Code must be provided."}]})
    );
}

#[test]
fn observations_are_routed_by_coding_system() {
    let omh = upload("omh:blood-pressure:4.0", &pressure_point(json!(131)));
    assert_eq!(route_observation(&omh), ObservationRoute::OpenMHealth);
    let ieee = json!({"code": {"coding": [{"system": "https://w3id.org/ieee1752", "code": "ieee:sleep-stage-summary:1.0"}]}});
    assert_eq!(route_observation(&ieee), ObservationRoute::OpenMHealth);
    let loinc = json!({"code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]}});
    assert_eq!(route_observation(&loinc), ObservationRoute::Imported);
    assert_eq!(
        route_observation(&json!({"status": "final"})),
        ObservationRoute::Imported
    );
}

fn batch_body(kind: &str, resources: Vec<Value>) -> Vec<u8> {
    let entry: Vec<Value> = resources
        .into_iter()
        .map(|r| json!({"resource": r, "request": {"method": "POST", "url": "Observation"}}))
        .collect();
    bytes(&json!({"resourceType": "Bundle", "type": kind, "entry": entry}))
}

#[test]
fn a_batch_answers_per_entry() {
    let mut readings = Vec::new();
    for (i, systolic) in [118, 122, 127].into_iter().enumerate() {
        let mut r = upload("omh:blood-pressure:4.0", &pressure_point(json!(systolic)));
        r["identifier"][0]["value"] = json!(format!("batch-{i}"));
        readings.push(r);
    }
    let mut glucose = upload("omh:blood-glucose:4.0", &glucose_point());
    glucose["identifier"][0]["value"] = json!("batch-glucose");
    readings.push(glucose);

    let request = batch::parse_batch(&batch_body("batch", readings)).unwrap();
    let mut exchange = Exchange::as_patient(PIA);
    let mut next_id = 60100;
    let mut entries = Vec::new();
    for entry in &request.entry {
        let resource = match batch::check_batch_entry(entry) {
            Ok(r) => r,
            Err(e) => {
                entries.push(e.to_batch_entry());
                continue;
            }
        };
        match run_upload_pipeline_value(resource, &mut exchange) {
            Ok(accepted) => {
                exchange.taken.extend(accepted.identifiers);
                next_id += 1;
                entries.push(batch::created_entry(ObservationId(next_id)));
            }
            Err(PipelineError::Refused(e)) => entries.push(e.to_batch_entry()),
            Err(PipelineError::Store(e)) => panic!("{e}"),
        }
    }
    let response = serde_json::to_value(Bundle::batch_response(entries)).unwrap();
    assert_eq!(response["resourceType"], "Bundle");
    assert_eq!(response["type"], "batch-response");
    let statuses: Vec<&str> = response["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["response"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["201 Created", "201 Created", "201 Created", "403 Forbidden"]
    );
    assert_eq!(
        response["entry"][0]["resource"],
        json!({"resourceType": "Resource", "id": "60101"})
    );
    assert_eq!(response["entry"][0]["response"]["location"], "Observation/60101");
    assert_eq!(
        response["entry"][3]["response"]["outcome"]["issue"][0]["diagnostics"],
        "Observation data with coding_system=https://w3id.org/openmhealth coding_code=omh:blood-glucose:4.0 has \
         not been consented for any studies by this Patient."
    );
    assert!(response["entry"][3].get("resource").is_none());
}

#[test]
fn a_batch_entry_must_carry_data() {
    let mut reading = upload("omh:blood-pressure:4.0", &pressure_point(json!(131)));
    reading["valueAttachment"] = json!({"contentType": "application/json"});
    let err = batch::parse_batch(&batch_body("batch", vec![reading])).unwrap_err();
    assert_eq!(err, BatchError::MissingData);
    assert_eq!(
        err.body(),
        json!(["resource.valueAttachment.data must be not null."])
    );

    let err = batch::parse_batch(b"[]").unwrap_err();
    assert!(matches!(err, BatchError::Invalid(_)));
    assert_eq!(err.body()["resourceType"], "OperationOutcome");
    let err = batch::parse_batch(br#"{"resourceType": "Bundle", "type": "pile", "entry": []}"#).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Invalid FHIR Bundle: unknown variant `pile`"),
        "{err}"
    );
}

#[test]
fn a_transaction_is_read_like_a_batch() {
    let reading = upload("omh:blood-pressure:4.0", &pressure_point(json!(131)));
    let request = batch::parse_batch(&batch_body("transaction", vec![reading])).unwrap();
    assert_eq!(request.entry.len(), 1);
    assert!(batch::check_batch_entry(&request.entry[0]).is_ok());
}

#[test]
fn batch_entries_must_be_observation_posts() {
    let patient = json!({"resourceType": "Patient", "valueAttachment": {"data": "e30="}});
    let request = batch::parse_batch(&batch_body("batch", vec![patient])).unwrap();
    assert_eq!(
        batch::check_batch_entry(&request.entry[0]),
        Err(BatchEntryError::NotObservation)
    );
    let failed = serde_json::to_value(BatchEntryError::NotObservation.to_batch_entry()).unwrap();
    assert_eq!(failed["response"]["status"], "400 Bad Request");
    assert_eq!(
        failed["response"]["outcome"]["issue"][0]["diagnostics"],
        "Only Observation resourceType supported."
    );

    let mut request = batch::parse_batch(&batch_body(
        "batch",
        vec![upload("omh:blood-pressure:4.0", &pressure_point(json!(131)))],
    ))
    .unwrap();
    request.entry[0].request.as_mut().unwrap().method = "PUT".into();
    assert_eq!(
        batch::check_batch_entry(&request.entry[0]),
        Err(BatchEntryError::NotPost)
    );
    assert_eq!(
        BatchEntryError::NotPost.to_string(),
        "Only POST/Create method supported."
    );
    assert_eq!(batch::status_line(422), "422 Unprocessable Entity");
    assert_eq!(batch::status_line(409), "409 Conflict");
}
