#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The wire shapes of the rendered resources: element names, value types, and what is left out.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use jhe_domain::{
    DataSourceId, EffectiveTime, Identifier, ObservationId, ObservationStatus, PatientId, PatientIdentifier,
    ScopeCode, ScopeCodeId, UserId,
};
use jhe_fhir::resource::{
    self as fhir, Bundle, BundleEntry, OperationOutcome, ResourceCapability, SearchParamCapability,
    SearchParamType, TypeInteraction,
};
use jhe_fhir::search::{PageRequest, Paging, page_links, self_link};
use serde_json::{Value, json};

fn stamp(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn heart_rate_code() -> ScopeCode {
    ScopeCode {
        id: ScopeCodeId(51004),
        coding_system: "https://w3id.org/openmhealth".into(),
        coding_code: "omh:heart-rate:2.0".into(),
        text: "Heart Rate".into(),
    }
}

const DATA: &str = r#"{"header":{"uuid":"2d8c1f4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f","schema_id":{"namespace":"omh","name":"heart-rate","version":"2.0"},"source_creation_date_time":"2025-05-02T06:31:00+02:00"},"body":{"heart_rate":{"value":61,"unit":"beats/min"},"effective_time_frame":{"date_time":"2025-05-02T06:30:00+02:00"}}}"#;

fn stored(effective: Option<EffectiveTime>, device: Option<DataSourceId>) -> jhe_domain::Observation {
    jhe_domain::Observation {
        id: ObservationId(61007),
        patient_id: PatientId(41001),
        scope_code_id: ScopeCodeId(51004),
        data_source_id: device,
        omh_data: DATA.into(),
        status: ObservationStatus::Final,
        effective,
        last_updated: stamp("2025-05-02T04:31:07.204518Z"),
        identifiers: Vec::new(),
    }
}

#[test]
fn an_observation_renders_like_the_reference() {
    let mut observation = stored(Some(EffectiveTime::Instant(stamp("2025-05-02T04:30:00Z"))), None);
    observation.identifiers = vec![Identifier {
        system: "https://example.org/pia-app".into(),
        value: "hr-77".into(),
    }];
    let rendered = fhir::render_observation(&observation, &heart_rate_code(), Some(UserId(11006)));
    let json = serde_json::to_value(&rendered).unwrap();
    assert_eq!(
        json,
        json!({
            "resourceType": "Observation",
            "id": "61007",
            "meta": {"lastUpdated": "2025-05-02T04:31:07.204518Z", "source": "https://jupyterhealth.org/jhe"},
            "identifier": [{"system": "https://example.org/pia-app", "value": "hr-77"}],
            "status": "final",
            "code": {"coding": [{"system": "https://w3id.org/openmhealth", "code": "omh:heart-rate:2.0", "display": "Heart Rate"}]},
            "subject": {
                "reference": "Patient/41001",
                "identifier": {"system": "https://jupyterhealth.org/fhir/identifier/jhe-user-id", "value": "11006"}
            },
            "effectiveDateTime": "2025-05-02T04:30:00Z",
            "valueAttachment": {"contentType": "application/json", "data": STANDARD.encode(DATA)}
        })
    );
    let decoded = STANDARD
        .decode(json["valueAttachment"]["data"].as_str().unwrap())
        .unwrap();
    assert_eq!(String::from_utf8(decoded).unwrap(), DATA);
}

#[test]
fn optional_observation_elements_come_and_go() {
    let period = EffectiveTime::Period {
        start: stamp("2025-05-01T22:00:00Z"),
        end: stamp("2025-05-02T06:00:00Z"),
    };
    let mut observation = stored(Some(period), Some(DataSourceId(71001)));
    observation.status = ObservationStatus::EnteredInError;
    let json =
        serde_json::to_value(fhir::render_observation(&observation, &heart_rate_code(), None)).unwrap();
    assert_eq!(
        json["effectivePeriod"],
        json!({"start": "2025-05-01T22:00:00Z", "end": "2025-05-02T06:00:00Z"})
    );
    assert!(json.get("effectiveDateTime").is_none());
    assert!(json.get("identifier").is_none());
    assert_eq!(json["subject"], json!({"reference": "Patient/41001"}));
    assert_eq!(json["device"], json!({"reference": "Device/71001"}));
    assert_eq!(json["status"], "entered-in-error");

    let undated = stored(None, None);
    let json = serde_json::to_value(fhir::render_observation(&undated, &heart_rate_code(), None)).unwrap();
    assert!(json.get("effectiveDateTime").is_none() && json.get("effectivePeriod").is_none());
    assert!(json.get("device").is_none());
}

#[test]
fn a_patient_upload_is_answered_with_the_short_form() {
    let observation = stored(None, Some(DataSourceId(71001)));
    let json =
        serde_json::to_value(fhir::render_observation_summary(&observation, &heart_rate_code())).unwrap();
    assert_eq!(
        json,
        json!({
            "resourceType": "Observation",
            "id": "61007",
            "meta": {"lastUpdated": "2025-05-02T04:31:07.204518+00:00"},
            "status": "final",
            "code": {"coding": [{"system": "https://w3id.org/openmhealth", "code": "omh:heart-rate:2.0"}]},
            "subject": {"reference": "Patient/41001"}
        })
    );
}

fn patient() -> jhe_domain::Patient {
    jhe_domain::Patient {
        id: PatientId(41001),
        user_id: Some(UserId(11006)),
        name_family: Some("Okafor".into()),
        name_given: Some("Pia".into()),
        birth_date: NaiveDate::from_ymd_opt(1988, 4, 23),
        telecom_phone: Some("+1-555-0142".into()),
        last_updated: stamp("2025-04-30T12:00:00.5Z"),
    }
}

#[test]
fn a_patient_renders_like_the_reference() {
    let identifiers = [PatientIdentifier {
        id: 1,
        patient_id: PatientId(41001),
        system: "urn:oid:2.16.840.1.113883.4.1".into(),
        value: "MRN-7731".into(),
    }];
    let json = serde_json::to_value(fhir::render_patient(
        &patient(),
        Some("pia@example.org"),
        &identifiers,
    ))
    .unwrap();
    assert_eq!(
        json,
        json!({
            "resourceType": "Patient",
            "id": "41001",
            "meta": {"lastUpdated": "2025-04-30T12:00:00.500000Z", "source": "https://jupyterhealth.org/jhe"},
            "identifier": [{"system": "urn:oid:2.16.840.1.113883.4.1", "value": "MRN-7731"}],
            "name": [{"family": "Okafor", "given": ["Pia"]}],
            "birthDate": "1988-04-23",
            "telecom": [
                {"system": "phone", "value": "+1-555-0142", "use": "mobile"},
                {"system": "email", "value": "pia@example.org", "use": "home"}
            ]
        })
    );
}

#[test]
fn empty_patient_elements_are_pruned() {
    let bare = jhe_domain::Patient {
        name_family: None,
        name_given: Some(String::new()),
        birth_date: None,
        telecom_phone: Some(String::new()),
        ..patient()
    };
    let json = serde_json::to_value(fhir::render_patient(&bare, None, &[])).unwrap();
    let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 3, "{json}");
    for key in ["resourceType", "id", "meta"] {
        assert!(keys.contains(&key));
    }
    let given_only = jhe_domain::Patient {
        name_family: None,
        ..patient()
    };
    let json = serde_json::to_value(fhir::render_patient(&given_only, Some(""), &[])).unwrap();
    assert_eq!(json["name"], json!([{"given": ["Pia"]}]));
    assert_eq!(json["telecom"].as_array().unwrap().len(), 1);
}

#[test]
fn a_searchset_bundle_has_total_links_and_entries() {
    let endpoint = "https://jhe.example.org/FHIR/R5/Observation";
    let params = vec![
        ("patient".to_owned(), "41001".to_owned()),
        ("_count".to_owned(), "1".to_owned()),
    ];
    let paging = Paging {
        count: 1,
        page: PageRequest::Number(1),
    };
    let observation = stored(None, None);
    let resource = fhir::render_observation(&observation, &heart_rate_code(), None);
    let bundle = Bundle::searchset(
        3,
        page_links(
            endpoint,
            &format!("{endpoint}?patient=41001&_count=1"),
            &params,
            &paging,
            3,
        ),
        vec![BundleEntry::found(format!("{endpoint}/61007"), resource)],
    );
    let json = serde_json::to_value(&bundle).unwrap();
    assert_eq!(json["resourceType"], "Bundle");
    assert_eq!(json["type"], "searchset");
    assert_eq!(json["total"], 3);
    assert_eq!(
        json["link"],
        json!([
            {"relation": "self", "url": format!("{endpoint}?patient=41001&_count=1")},
            {"relation": "next", "url": format!("{endpoint}?_count=1&_page=2&patient=41001")}
        ])
    );
    assert_eq!(json["entry"][0]["fullUrl"], format!("{endpoint}/61007"));
    assert_eq!(json["entry"][0]["resource"]["resourceType"], "Observation");
    assert!(json["entry"][0].get("search").is_none());

    // _summary=count: the same envelope, no entries, only the self link.
    let count: Bundle<Value> = Bundle::searchset(
        3,
        vec![self_link("https://x/FHIR/R5/Observation?_summary=count")],
        vec![],
    );
    let json = serde_json::to_value(&count).unwrap();
    assert_eq!(json["entry"], json!([]));
    assert_eq!(json["link"].as_array().unwrap().len(), 1);
    let back: Bundle<Value> = serde_json::from_value(json).unwrap();
    assert_eq!(back, count);
}

#[test]
fn operation_outcomes_have_severity_code_and_diagnostics() {
    let json = serde_json::to_value(OperationOutcome::error("Unsupported FHIR resource type: Foo.")).unwrap();
    assert_eq!(
        json,
        json!({"resourceType": "OperationOutcome", "issue": [
            {"severity": "error", "code": "processing", "diagnostics": "Unsupported FHIR resource type: Foo."}]})
    );
}

#[test]
fn the_capability_statement_says_what_is_implemented() {
    let started = Utc.with_ymd_and_hms(2025, 6, 1, 8, 0, 0).unwrap();
    let statement = fhir::core_capability_statement(
        "https://jhe.example.org/FHIR/R5/",
        started,
        "https://jhe.example.org/o/authorize/",
        "https://jhe.example.org/o/token/",
    )
    .software("JupyterHealth Exchange", Some("0.1.0".into()))
    .resource(
        ResourceCapability::new("Group")
            .interactions(&[TypeInteraction::SearchType, TypeInteraction::Read])
            .search_params(&[SearchParamCapability {
                name: "_id",
                param_type: SearchParamType::Token,
                documentation: None,
            }]),
    )
    .build();
    let json = serde_json::to_value(&statement).unwrap();
    assert_eq!(json["resourceType"], "CapabilityStatement");
    assert_eq!(json["status"], "active");
    assert_eq!(json["kind"], "instance");
    assert_eq!(json["date"], "2025-06-01T08:00:00Z");
    assert_eq!(json["fhirVersion"], "5.0.0");
    assert_eq!(json["format"], json!(["json"]));
    assert_eq!(
        json["software"],
        json!({"name": "JupyterHealth Exchange", "version": "0.1.0"})
    );
    assert_eq!(json["implementation"]["url"], "https://jhe.example.org/FHIR/R5/");
    assert!(json.get("patchFormat").is_none(), "no patch is implemented");

    let rest = &json["rest"][0];
    assert_eq!(rest["mode"], "server");
    assert_eq!(rest["interaction"][0]["code"], "batch");
    let oauth = &rest["security"]["extension"][0];
    assert_eq!(
        oauth["url"],
        "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
    );
    assert_eq!(
        oauth["extension"][0],
        json!({"url": "authorize", "valueUri": "https://jhe.example.org/o/authorize/"})
    );
    assert_eq!(oauth["extension"][1]["url"], "token");
    assert_eq!(
        rest["security"]["service"][0]["coding"][0]["code"],
        "SMART-on-FHIR"
    );

    let types: Vec<&str> = rest["resource"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["Group", "Observation", "Patient"]);
    let observation = &rest["resource"][1];
    let interactions: Vec<&str> = observation["interaction"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert_eq!(interactions, ["create", "read", "search-type"]);
    assert_eq!(
        observation["interaction"][0]["extension"][0],
        json!({"url": "http://hl7.org/fhir/StructureDefinition/capabilitystatement-expectation", "valueCode": "SHALL"})
    );
    let params: Vec<&str> = observation["searchParam"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in [
        "patient",
        "code",
        "date",
        "_lastUpdated",
        "patient._has:Group:member:_id",
    ] {
        assert!(params.contains(&name), "{name} missing from {params:?}");
    }
    let date = observation["searchParam"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "date")
        .unwrap();
    assert_eq!(date["type"], "date");
    let patient_interactions: Vec<&str> = rest["resource"][2]["interaction"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert_eq!(patient_interactions, ["read", "search-type"]);
}

#[test]
fn an_incoming_observation_is_read_leniently() {
    let incoming: fhir::Observation = serde_json::from_value(json!({
        "resourceType": "Observation",
        "status": "final",
        "meta": {"profile": ["http://example.org/p"]},
        "code": {"coding": [{"system": "https://w3id.org/openmhealth", "code": "omh:heart-rate:2.0"}], "text": "HR"},
        "subject": {"reference": "Patient/41001", "display": "Pia"},
        "note": [{"text": "after coffee"}],
        "valueAttachment": {"contentType": "application/json", "data": "e30="}
    }))
    .unwrap();
    assert_eq!(incoming.status.as_deref(), Some("final"));
    assert_eq!(incoming.code.unwrap().text.as_deref(), Some("HR"));
    assert_eq!(incoming.value_attachment.unwrap().data.as_deref(), Some("e30="));
}
