//! The catalogue and administration endpoints on the success path: data sources and their supported scopes, patient
//! apps and their data sources, practitioners' own API clients (including a token obtained with one), system
//! settings and the audit trail. Each answers with the field names and JSON types of our fixtures.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failed assertion

mod admin_support;
mod common;

use actix_web::test::{self, TestRequest};
use admin_support::*;
use common::*;
use jhe_store::backend_tests;
use serde_json::{Value, json};

const ADMIN: &str = "admin@example.com";
const MARY: &str = "manager_mary@example.com";

fn common_health(t: &TestApp) -> i64 {
    jhe_store::clients::find_client_by_name(&mut t.state.pool.get().unwrap(), "CommonHealth")
        .unwrap()
        .unwrap()
        .id
        .get()
}

backend_tests! {
    get_data_sources_lists_them_by_name_with_their_scopes => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let (status, body) = send(&app, TestRequest::get().uri("/api/v1/data_sources").insert_header(bearer(&mary))).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, "data_sources_list");
        assert_eq!(body["count"], 6);
        assert_eq!(body["results"][0]["name"], "CareX");
        let carex: Vec<&str> = body["results"][0]["supportedScopes"].as_array().unwrap().iter().map(|s| s["text"].as_str().unwrap()).collect();
        assert_eq!(carex, vec!["Blood pressure", "Heart Rate"]);
    });

    get_data_source_answers_its_real_supported_scopes => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let (status, body) = send(&app, TestRequest::get().uri("/api/v1/data_sources/70001").insert_header(bearer(&mary))).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, "data_source");
        assert_eq!(body["supportedScopes"].as_array().unwrap().len(), 2);
    });

    data_sources_are_created_changed_and_deleted_by_superusers => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let admin = token_for(&app, ADMIN).await;
        let (status, body) = send(&app, TestRequest::post().uri("/api/v1/data_sources").insert_header(bearer(&admin)).set_json(json!({"name": "PulseRing"}))).await;
        assert_eq!(status, 201, "{body}");
        assert_shape(&body, "data_source_new");
        assert_eq!(body["type"], "personal_device");
        let uri = format!("/api/v1/data_sources/{}", body["id"]);
        let (status, body) = send(&app, TestRequest::patch().uri(&uri).insert_header(bearer(&admin)).set_json(json!({"type": "medical_device"}))).await;
        assert_eq!((status, body["type"].as_str(), body["name"].as_str()), (200, Some("medical_device"), Some("PulseRing")));
        let (status, body) = send(&app, TestRequest::put().uri(&uri).insert_header(bearer(&admin)).set_json(json!({"type": "toaster"}))).await;
        assert_eq!((status, body), (400, json!({"type": ["\"toaster\" is not a valid choice."]})));
        let (status, _) = send(&app, TestRequest::delete().uri(&uri).insert_header(bearer(&admin))).await;
        assert_eq!(status, 204);
        let (status, _) = send(&app, TestRequest::get().uri(&uri).insert_header(bearer(&admin))).await;
        assert_eq!(status, 404);
    });

    get_all_scopes_lists_the_vocabulary_by_text => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let (status, body) = send(&app, TestRequest::get().uri("/api/v1/data_sources/all_scopes").insert_header(bearer(&mary))).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, "all_scopes");
        let texts: Vec<&str> = body.as_array().unwrap().iter().map(|s| s["text"].as_str().unwrap()).collect();
        assert_eq!(texts.len(), 16);
        assert!(texts.windows(2).all(|w| w[0] <= w[1]), "{texts:?}");
    });

    supported_scopes_are_listed_added_and_removed => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let admin = token_for(&app, ADMIN).await;
        let uri = "/api/v1/data_sources/70004/supported_scopes";
        let (status, body) = send(&app, TestRequest::get().uri(uri).insert_header(bearer(&admin))).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, "supported_scopes");
        let (status, body) = send(&app, TestRequest::post().uri(uri).insert_header(bearer(&admin)).set_json(json!({"scopeCodeId": 50012}))).await;
        assert_eq!(status, 201, "{body}");
        assert_shape(&body, "supported_scope");
        assert_eq!(body["scopeCode"]["id"], 50012);
        let (status, body) = send(&app, TestRequest::post().uri(uri).insert_header(bearer(&admin)).set_json(json!({}))).await;
        assert_eq!((status, body), (400, json!({"scopeCodeId": ["This field is required."]})));
        let (status, _) = send(&app, TestRequest::delete().uri(uri).insert_header(bearer(&admin)).set_json(json!({"scope_code_id": 50012}))).await;
        assert_eq!(status, 204);
    });

    get_clients_lists_patient_apps_newest_first => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let (status, body) = send(&app, TestRequest::get().uri("/api/v1/clients").insert_header(bearer(&mary))).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, "clients_list");
        let names: Vec<&str> = body["results"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(names, vec!["Patient Access", "CommonHealth", "CareX"]);
        // The global paginator ignores page_size.
        let (_, body) = send(&app, TestRequest::get().uri("/api/v1/clients?page_size=1").insert_header(bearer(&mary))).await;
        assert_eq!(body["results"].as_array().unwrap().len(), 3);
    });

    get_client_answers_one_patient_app => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let id = common_health(&t);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let (status, body) = send(&app, TestRequest::get().uri(&format!("/api/v1/clients/{id}")).insert_header(bearer(&mary))).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, "client");
        assert_eq!(body["invitationUrl"], "https://commonhealth.tcp.org?invitation=CODE");
    });

    clients_are_created_changed_and_deleted_by_superusers => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let admin = token_for(&app, ADMIN).await;
        let (status, body) = send(
            &app,
            TestRequest::post().uri("/api/v1/clients").insert_header(bearer(&admin))
                .set_json(json!({"name": "WalkTrack", "clientId": "walktrack-public-client", "invitation_url": "https://walktrack.example.org/join/CODE"})),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        assert_shape(&body, "client");
        let created = jhe_store::clients::find_client_by_client_id(&mut t.state.pool.get().unwrap(), "walktrack-public-client").unwrap().unwrap();
        assert_eq!(created.redirect_uris, vec!["http://localhost:8000/auth/callback".to_owned()]);
        assert!(created.skip_authorization && created.client_secret_hash.is_none());

        let uri = format!("/api/v1/clients/{}", body["id"]);
        let (status, body) = send(&app, TestRequest::patch().uri(&uri).insert_header(bearer(&admin)).set_json(json!({"invitationUrl": "https://walktrack.example.org/v2/CODE"}))).await;
        assert_eq!((status, body["invitationUrl"].as_str()), (200, Some("https://walktrack.example.org/v2/CODE")));
        let (status, body) = send(&app, TestRequest::post().uri("/api/v1/clients").insert_header(bearer(&admin)).set_json(json!({"name": "Twin", "clientId": "walktrack-public-client", "invitationUrl": "https://twin.example.org/CODE"}))).await;
        assert_eq!((status, &body["clientId"][0]), (400, &json!("application with this client id already exists.")));
        let (status, body) = send(&app, TestRequest::post().uri("/api/v1/clients").insert_header(bearer(&admin)).set_json(json!({}))).await;
        assert_eq!(status, 400);
        assert_eq!(body.as_object().unwrap().keys().collect::<Vec<_>>(), vec!["clientId", "invitationUrl", "name"]);
        let (status, _) = send(&app, TestRequest::delete().uri(&uri).insert_header(bearer(&admin))).await;
        assert_eq!(status, 204);
    });

    client_data_sources_are_listed_added_and_removed => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let id = common_health(&t);
        let app = t.service().await;
        let admin = token_for(&app, ADMIN).await;
        let uri = format!("/api/v1/clients/{id}/data_sources");
        let (status, body) = send(&app, TestRequest::get().uri(&uri).insert_header(bearer(&admin))).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, "client_data_sources");
        let (status, body) = send(&app, TestRequest::post().uri(&uri).insert_header(bearer(&admin)).set_json(json!({"dataSourceId": 70004}))).await;
        assert_eq!(status, 201, "{body}");
        assert_shape(&body, "client_data_source_link");
        assert_eq!((body["client_id"].as_i64(), body["dataSourceId"].as_i64()), (Some(id), Some(70004)));
        let (status, _) = send(&app, TestRequest::delete().uri(&uri).insert_header(bearer(&admin)).set_json(json!({"data_source_id": 70004}))).await;
        assert_eq!(status, 204);
    });

    practitioner_clients_issue_a_key_once_that_gets_a_token => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let (status, created) = send(&app, TestRequest::post().uri("/api/v1/practitioner_clients").insert_header(bearer(&mary)).set_json(json!({"label": "Nightly export"}))).await;
        assert_eq!(status, 201, "{created}");
        assert_shape(&created, "practitioner_client_created");
        assert!(created["name"].as_str().unwrap().starts_with("_practitioner_client_80002_"));
        let key = created["key"].as_str().unwrap().to_owned();

        // Only the secret's hash is stored.
        use base64::Engine;
        let decoded = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(&key).unwrap()).unwrap();
        let (client_id, secret) = decoded.split_once(':').unwrap();
        assert_eq!((client_id.len(), secret.len()), (16, 32));
        let stored = jhe_store::clients::find_client_by_client_id(&mut t.state.pool.get().unwrap(), client_id).unwrap().unwrap();
        assert_eq!(stored.client_secret_hash.as_deref(), Some(jhe_oauth::hash_client_secret(secret).as_str()));
        assert_ne!(stored.client_secret_hash.as_deref(), Some(secret));

        // The key gets a token that acts as Mary.
        let response = test::call_service(
            &app,
            TestRequest::post().uri("/o/token/").insert_header(("Authorization", format!("Basic {key}")))
                .set_form([("grant_type", "client_credentials")]).to_request(),
        )
        .await;
        assert_eq!(response.status(), 200);
        let token: Value = test::read_body_json(response).await;
        let (status, body) = send(&app, TestRequest::get().uri("/api/v1/studies").insert_header(bearer(&token))).await;
        assert_eq!((status, body["count"].as_i64()), (200, Some(2)));

        let uri = format!("/api/v1/practitioner_clients/{}", created["id"]);
        let (status, body) = send(&app, TestRequest::get().uri("/api/v1/practitioner_clients").insert_header(bearer(&mary))).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, "practitioner_clients_list");
        let (status, body) = send(&app, TestRequest::get().uri(&uri).insert_header(bearer(&mary))).await;
        assert_eq!(status, 200);
        assert_shape(&body, "practitioner_client");
        assert!(body["key"].is_null(), "the key is shown once");
        let (status, body) = send(&app, TestRequest::patch().uri(&uri).insert_header(bearer(&mary)).set_json(json!({"label": "Weekly export"}))).await;
        assert_eq!((status, body["label"].as_str()), (200, Some("Weekly export")));
        let (status, _) = send(&app, TestRequest::put().uri(&uri).insert_header(bearer(&mary)).set_json(json!({"label": "x"}))).await;
        assert_eq!(status, 405);

        // Another practitioner's client does not exist for Megan.
        let megan = token_for(&app, "member_megan@example.com").await;
        let (status, _) = send(&app, TestRequest::get().uri(&uri).insert_header(bearer(&megan))).await;
        assert_eq!(status, 404);
        let (status, _) = send(&app, TestRequest::delete().uri(&uri).insert_header(bearer(&megan))).await;
        assert_eq!(status, 404);

        // Deleting the client revokes what it obtained.
        let (status, _) = send(&app, TestRequest::delete().uri(&uri).insert_header(bearer(&mary))).await;
        assert_eq!(status, 204);
        let (status, _) = send(&app, TestRequest::get().uri("/api/v1/studies").insert_header(bearer(&token))).await;
        assert_eq!(status, 401);
    });

    settings_are_typed_and_coerced => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let admin = token_for(&app, ADMIN).await;
        let (status, body) = send(&app, TestRequest::get().uri("/api/v1/jhe_settings").insert_header(bearer(&admin))).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, "settings_list");
        assert!(body["count"].as_i64().unwrap() >= 10, "{body}");

        let (status, body) = send(&app, TestRequest::post().uri("/api/v1/jhe_settings").insert_header(bearer(&admin))
            .set_json(json!({"key": "example.retention_days", "valueType": "int", "value": "30"}))).await;
        assert_eq!(status, 201, "{body}");
        assert_shape(&body, "setting_int");
        assert_eq!(body["resolvedValue"], 30);
        let uri = format!("/api/v1/jhe_settings/{}", body["id"]);
        let (status, body) = send(&app, TestRequest::get().uri(&uri).insert_header(bearer(&admin))).await;
        assert_eq!((status, &body["key"]), (200, &json!("example.retention_days")));

        let (status, body) = send(&app, TestRequest::patch().uri(&uri).insert_header(bearer(&admin)).set_json(json!({"value": "thirty"}))).await;
        assert_eq!((status, body), (400, json!({"value": ["Invalid int"]})));
        let (status, body) = send(&app, TestRequest::patch().uri(&uri).insert_header(bearer(&admin)).set_json(json!({"value_type": "bool"}))).await;
        assert_eq!((status, body), (400, json!({"value": ["Required when changing value_type."]})));
        let (status, body) = send(&app, TestRequest::put().uri(&uri).insert_header(bearer(&admin)).set_json(json!({"valueType": "json", "value": {"keepCase": [1, 2]}}))).await;
        assert_eq!((status, &body["resolvedValue"]), (200, &json!({"keepCase": [1, 2]})));
        let (status, body) = send(&app, TestRequest::post().uri("/api/v1/jhe_settings").insert_header(bearer(&admin))
            .set_json(json!({"key": "example.retention_days", "value_type": "string", "value": "x"}))).await;
        assert_eq!((status, body), (400, json!({"key": ["jhe setting with this key already exists."]})));
        let (status, _) = send(&app, TestRequest::delete().uri(&uri).insert_header(bearer(&admin))).await;
        assert_eq!(status, 204);
    });

    audit_events_are_filtered_by_patient_actor_and_time => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let admin = token_for(&app, ADMIN).await;
        let (status, _) = send(&app, TestRequest::get().uri("/api/v1/observations?patient_id=40002").insert_header(bearer(&mary))).await;
        assert_eq!(status, 200);

        let (status, body) = send(&app, TestRequest::get().uri("/api/v1/audit_events?patientId=40002&actor=10002").insert_header(bearer(&admin))).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, "audit_events");
        assert_eq!(body["results"][0]["action"], "observation.list");
        assert_eq!(body["results"][0]["patientIds"], json!([40002]));
        let (_, body) = send(&app, TestRequest::get().uri("/api/v1/audit_events?patient_id=40002&since=2999-01-01").insert_header(bearer(&admin))).await;
        assert_eq!(body["count"], 0);
        let (_, body) = send(&app, TestRequest::get().uri("/api/v1/audit_events?actor=10002&until=2000-01-01T00:00:00Z").insert_header(bearer(&admin))).await;
        assert_eq!(body["count"], 0);
        let (status, body) = send(&app, TestRequest::get().uri("/api/v1/audit_events?since=yesterday").insert_header(bearer(&admin))).await;
        assert_eq!(status, 400, "{body}");
        assert!(body["since"].is_array());
    });
}
