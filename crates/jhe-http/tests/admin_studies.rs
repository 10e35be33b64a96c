//! `/api/v1/studies` and its sub-collections on the success path: each endpoint answers with the field names and
//! JSON types of the reference's recorded exchanges (our own fixtures in `tests/fixtures/admin/`), on the demo
//! data. The list costs the same number of queries at any page size.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failed assertion

mod admin_support;
mod common;

use actix_web::test::TestRequest;
use admin_support::*;
use common::*;
use jhe_domain::{PatientId, StudyId};
use jhe_store::backend_tests;
use serde_json::json;

const MARY: &str = "manager_mary@example.com";

backend_tests! {
    get_studies_lists_the_visible_studies_by_name => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let (status, body) = send(&app, TestRequest::get().uri("/api/v1/studies").insert_header(bearer(&mary))).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, "studies_list");
        assert_eq!(body["count"], 2);
        let ids: Vec<i64> = body["results"].as_array().unwrap().iter().map(|s| s["id"].as_i64().unwrap()).collect();
        assert_eq!(ids, vec![30002, 30001], "ordered by name");
        assert_eq!(body["results"][0]["organization"], json!({"id": 20003, "name": "Lifespan Lab", "type": "laboratory"}));

        // The organization filter covers the organization and everything below it, in either casing.
        let (_, body) = send(&app, TestRequest::get().uri("/api/v1/studies?organizationId=20001").insert_header(bearer(&mary))).await;
        assert_eq!(body["count"], 2);
        let (_, body) = send(&app, TestRequest::get().uri("/api/v1/studies?organization_id=20007").insert_header(bearer(&mary))).await;
        assert_eq!(body["count"], 0);

        // Paging: the envelope's links keep the query as sent.
        let (_, body) = send(&app, TestRequest::get().uri("/api/v1/studies?pageSize=1").insert_header(bearer(&mary))).await;
        assert_eq!(body["results"].as_array().unwrap().len(), 1);
        assert_eq!(body["next"], "http://localhost:8000/api/v1/studies?pageSize=1&page=2");
        let (status, body) = send(&app, TestRequest::get().uri("/api/v1/studies?page=3&page_size=1").insert_header(bearer(&mary))).await;
        assert_eq!((status, body), (404, json!({"detail": "Invalid page."})));
    });

    get_study_answers_the_study_with_its_organization => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let (status, body) = send(&app, TestRequest::get().uri("/api/v1/studies/30001").insert_header(bearer(&mary))).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, "study_detail");
        assert_eq!(body["name"], "Lifespan Study on BP & HR");
    });

    post_study_creates_a_study => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let (status, body) = send(
            &app,
            TestRequest::post().uri("/api/v1/studies").insert_header(bearer(&mary)).set_json(json!({
                "name": "Evening Pulse", "description": "Resting heart rate", "organization": 20003,
                "iconUrl": "https://icons.example.org/pulse.svg"
            })),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        assert_shape(&body, "study_written");
        assert_eq!((body["organization"].as_i64(), body["iconUrl"].as_str()), (Some(20003), Some("https://icons.example.org/pulse.svg")));

        let (status, body) = send(
            &app,
            TestRequest::post().uri("/api/v1/studies").insert_header(bearer(&mary)).set_json(json!({"name": " ", "organization": 99})),
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(body, json!({"name": ["This field may not be blank."], "description": ["This field is required."]}));
    });

    patch_study_changes_its_metadata => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let (status, body) = send(
            &app,
            TestRequest::patch().uri("/api/v1/studies/30002").insert_header(bearer(&mary))
                .set_json(json!({"name": "Lifespan BP (renamed)", "icon_url": "https://icons.example.org/bp.svg"})),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, "study_written");
        assert_eq!((body["name"].as_str(), body["description"].as_str()), (Some("Lifespan BP (renamed)"), Some("Blood Pressure")));
        // A study stays in its organization.
        let (status, _) = send(
            &app,
            TestRequest::put().uri("/api/v1/studies/30002").insert_header(bearer(&mary)).set_json(json!({"organization": 20001})),
        )
        .await;
        assert_eq!(status, 400);
    });

    delete_study_removes_it => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let study = new_study(&mut t.state.pool.get().unwrap(), 20003, "Short-lived");
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let uri = format!("/api/v1/studies/{study}");
        let (status, _) = send(&app, TestRequest::delete().uri(&uri).insert_header(bearer(&mary))).await;
        assert_eq!(status, 204);
        let (status, _) = send(&app, TestRequest::get().uri(&uri).insert_header(bearer(&mary))).await;
        assert_eq!(status, 404);
    });

    get_study_patients_lists_the_enrolled_patients => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let (status, body) = send(&app, TestRequest::get().uri("/api/v1/studies/30001/patients").insert_header(bearer(&mary))).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, "study_patients");
        assert_eq!(body["count"], 2);
        assert_eq!(body["results"][0]["telecomEmail"], "ll_patient_peter@example.com");
        assert_eq!(body["results"][0]["identifiers"].as_array().unwrap().len(), 2);
    });

    post_study_patients_enrols_patients_of_the_organization_or_below => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let study = new_study(&mut t.state.pool.get().unwrap(), 20006, "Cardiology follow-up");
        let app = t.service().await;
        let mark = token_for(&app, "manager_mark@example.com").await;
        let uri = format!("/api/v1/studies/{study}/patients");
        // Percy belongs to Neptunian Pulse Lab, below the study's Cardiology Division.
        let (status, body) = send(&app, TestRequest::post().uri(&uri).insert_header(bearer(&mark)).set_json(json!({"patientIds": [40003]}))).await;
        assert_eq!(status, 201, "{body}");
        assert_shape(&body, "enrolment");
        assert_eq!(body["studyPatients"][0]["patient"]["organizations"], json!([20007]));
        assert_eq!(body["studyPatients"][0]["study"]["patients"], json!([40003]));
        // Enrolling again changes nothing.
        let (status, again) = send(&app, TestRequest::post().uri(&uri).insert_header(bearer(&mark)).set_json(json!({"patient_ids": [40003]}))).await;
        assert_eq!((status, &again["studyPatients"][0]["id"]), (201, &body["studyPatients"][0]["id"]));
        // Peter is cared for by Lifespan Lab only: not a possible participant (400, not the reference's 500).
        let (status, body) = send(&app, TestRequest::post().uri(&uri).insert_header(bearer(&mark)).set_json(json!({"patient_ids": [40001]}))).await;
        assert_eq!(status, 400, "{body}");
    });

    delete_study_patients_unenrols => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let (status, _) = send(
            &app,
            TestRequest::delete().uri("/api/v1/studies/30002/patients").insert_header(bearer(&mary)).set_json(json!({"patient_ids": [40001, 40004]})),
        )
        .await;
        assert_eq!(status, 204);
        let enrolled = jhe_store::study_listings::enrolled_patient_ids(&mut t.state.pool.get().unwrap(), StudyId(30002)).unwrap();
        assert_eq!(enrolled, vec![PatientId(40002)]);
    });

    scope_requests_are_listed_added_and_removed => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let uri = "/api/v1/studies/30001/scope_requests";
        let (status, body) = send(&app, TestRequest::get().uri(uri).insert_header(bearer(&mary))).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, "scope_requests");
        let codes: Vec<i64> = body.as_array().unwrap().iter().map(|r| r["scopeCode"]["id"].as_i64().unwrap()).collect();
        assert_eq!(codes, vec![50002, 50004, 50011]);
        assert_eq!(body[0]["study"]["patients"], json!([40001, 40002]));

        let (status, body) = send(&app, TestRequest::post().uri(uri).insert_header(bearer(&mary)).set_json(json!({"scopeCodeId": 50003}))).await;
        assert_eq!(status, 201, "{body}");
        assert_shape(&body, "scope_request");
        let (status, _) = send(&app, TestRequest::post().uri(uri).insert_header(bearer(&mary)).set_json(json!({"scope_code_id": 50003}))).await;
        assert_eq!(status, 409);
        let (status, _) = send(&app, TestRequest::delete().uri(uri).insert_header(bearer(&mary)).set_json(json!({"scope_code_id": 50003}))).await;
        assert_eq!(status, 204);
        let (status, _) = send(&app, TestRequest::delete().uri(uri).insert_header(bearer(&mary)).set_json(json!({"scope_code_id": 50003}))).await;
        assert_eq!(status, 404);
    });

    study_data_sources_are_listed_added_and_removed => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let uri = "/api/v1/studies/30001/data_sources";
        let (status, body) = send(&app, TestRequest::get().uri(uri).insert_header(bearer(&mary))).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, "study_data_sources");
        let (status, _) = send(&app, TestRequest::post().uri(uri).insert_header(bearer(&mary)).set_json(json!({"dataSourceId": 70004}))).await;
        assert_eq!(status, 201);
        let (_, body) = send(&app, TestRequest::get().uri(uri).insert_header(bearer(&mary))).await;
        assert_eq!(body.as_array().unwrap().len(), 3);
        let (status, _) = send(&app, TestRequest::delete().uri(uri).insert_header(bearer(&mary)).set_json(json!({"data_source_id": 70004}))).await;
        assert_eq!(status, 204);
    });

    study_clients_show_client_items_without_secrets => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let common_health = jhe_store::clients::find_client_by_name(&mut t.state.pool.get().unwrap(), "CommonHealth").unwrap().unwrap().id;
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let uri = "/api/v1/studies/30001/clients";
        let (status, body) = send(&app, TestRequest::get().uri(uri).insert_header(bearer(&mary))).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, "study_clients");
        let text = body.to_string();
        for leak in ["clientSecret", "client_secret", "secret"] {
            assert!(!text.contains(leak), "G5: {text}");
        }
        // The row id, as `client_id` or `clientId`.
        let (status, _) = send(&app, TestRequest::post().uri(uri).insert_header(bearer(&mary)).set_json(json!({"clientId": common_health.get()}))).await;
        assert_eq!(status, 201);
        let (status, _) = send(&app, TestRequest::delete().uri(uri).insert_header(bearer(&mary)).set_json(json!({"client_id": common_health.get()}))).await;
        assert_eq!(status, 204);
    });

    the_study_list_costs_the_same_queries_at_any_page_size => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        {
            let conn = &mut t.state.pool.get().unwrap();
            for n in 0..30 {
                new_study(conn, 20003, &format!("Extra study {n:02}"));
            }
        }
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let counter = jhe_store::testing::QueryCounter::install(&t.state.pool);
        let mut counts = Vec::new();
        for size in [1, 100] {
            counter.reset();
            let (status, body) = send(&app, TestRequest::get().uri(&format!("/api/v1/studies?page_size={size}")).insert_header(bearer(&mary))).await;
            assert_eq!(status, 200);
            assert_eq!(body["results"].as_array().unwrap().len(), size.min(32));
            counts.push((counter.count(), counter.statements()));
        }
        assert_eq!(counts[0].0, counts[1].0, "page size 1: {:#?}\npage size 100: {:#?}", counts[0].1, counts[1].1);
    });
}
