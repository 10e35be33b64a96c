//! `/api/v1/observations`: the reference's shapes on the success path, visibility decided by current consent (a
//! grant shows data to the study's practitioners, a revocation hides it on the very next request), and a list
//! that costs the same number of queries at any page size.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failed assertion

mod admin_support;
mod common;

use actix_web::test::TestRequest;
use admin_support::*;
use chrono::Utc;
use common::*;
use jhe_domain::{ConsentState, NewConsent, PatientId, ScopeCodeId, StudyId};
use jhe_store::{DbConnection, backend_tests, consents, studies};
use serde_json::{Value, json};

const MARY: &str = "manager_mary@example.com";
const BLOOD_PRESSURE: ScopeCodeId = ScopeCodeId(50002);
const PETER: PatientId = PatientId(40001);

fn ids(page: &Value) -> Vec<i64> {
    page["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect()
}

/// Sets Peter's (enrolled) consent to share blood pressure with a study, as a consent change would.
fn set_peter_blood_pressure(conn: &mut DbConnection, study: i64, state: ConsentState) {
    let enrolment = studies::find_enrolment(conn, StudyId(study), PETER)
        .unwrap()
        .unwrap();
    match consents::find_consent(conn, enrolment.id, BLOOD_PRESSURE).unwrap() {
        Some(current) => {
            consents::update_consent(conn, current.id, state, Utc::now()).unwrap();
        }
        None => {
            consents::insert_consent(
                conn,
                &NewConsent {
                    enrolment_id: enrolment.id,
                    scope_code_id: BLOOD_PRESSURE,
                    state,
                    decided_at: Utc::now(),
                },
            )
            .unwrap();
        }
    }
}

/// Whether the caller's list of Peter's observations includes 60003 (Peter's blood pressure).
async fn sees<S, B>(app: &S, token: &Value) -> bool
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let req = TestRequest::get()
        .uri("/api/v1/observations?patient_id=40001")
        .insert_header(bearer(token));
    ids(&send(app, req).await.1).contains(&60003)
}

/// The status of reading 60003 by id.
async fn reads<S, B>(app: &S, token: &Value) -> u16
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    send(
        app,
        TestRequest::get()
            .uri("/api/v1/observations/60003")
            .insert_header(bearer(token)),
    )
    .await
    .0
}

backend_tests! {
    get_observations_filters_by_data_type_and_effective_time => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let get = |uri: &str| TestRequest::get().uri(uri).insert_header(bearer(&mary));

        let (_, all) = send(&app, get("/api/v1/observations")).await;
        let blood_pressure: Vec<i64> = all["results"].as_array().unwrap().iter()
            .filter(|o| o["codeableConceptId"] == 50002)
            .map(|o| o["id"].as_i64().unwrap())
            .collect();
        assert!(!blood_pressure.is_empty() && blood_pressure.len() < ids(&all).len(), "{all}");
        let (status, body) = send(&app, get("/api/v1/observations?scopeCodeId=50002")).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(ids(&body), blood_pressure);

        // The demo data points lie in the hours before the seed ran.
        let today = chrono::Utc::now().date_naive();
        let week_ago = today - chrono::Duration::days(7);
        let (_, body) = send(&app, get(&format!("/api/v1/observations?effective_from={week_ago}&effective_to={today}"))).await;
        assert_eq!(ids(&body), ids(&all), "a range around the data keeps every row");
        let (_, body) = send(&app, get(&format!("/api/v1/observations?effectiveTo={week_ago}"))).await;
        assert_eq!(body["count"], 0, "nothing is that old");
        let (_, body) = send(&app, get(&format!("/api/v1/observations?effectiveFrom={}", today + chrono::Duration::days(1)))).await;
        assert_eq!(body["count"], 0, "nothing lies in the future");
        let (_, body) = send(&app, get("/api/v1/observations?effectiveFrom=2020-01-01T00:00:00Z&scope_code_id=50002")).await;
        assert_eq!(ids(&body), blood_pressure, "filters combine");

        let (status, body) = send(&app, get("/api/v1/observations?effectiveFrom=yesterday&scopeCodeId=x")).await;
        assert_eq!(status, 400);
        assert_eq!(body, json!({
            "effectiveFrom": ["Enter a date (YYYY-MM-DD) or a date-time with a time zone (2025-01-31T08:00:00Z)."],
            "scopeCodeId": ["A valid integer is required."],
        }));
        let (status, body) = send(&app, get("/api/v1/observations?effectiveFrom=2025-02-01&effectiveTo=2025-01-31")).await;
        assert_eq!((status, body), (400, json!({"effectiveTo": ["The end of the range must not be before its start."]})));
    });
    get_observations_lists_what_consent_shows_newest_first => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let get = |uri: &str| TestRequest::get().uri(uri).insert_header(bearer(&mary));

        let (status, body) = send(&app, get("/api/v1/observations")).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, "observations_list");
        let mut seen = ids(&body);
        seen.sort_unstable();
        assert_eq!(seen, vec![60001, 60002, 60003, 60004, 60005]);
        let first = &body["results"][0];
        assert!(first["omhData"]["header"]["schema_id"].is_object(), "data point keys stay snake case: {first}");
        let stamps: Vec<&str> = body["results"].as_array().unwrap().iter().map(|o| o["lastUpdated"].as_str().unwrap()).collect();
        assert!(stamps.windows(2).all(|w| w[0] >= w[1]), "newest first: {stamps:?}");

        // Paging as in the reference's recorded exchange, camel-case parameters kept in the links.
        let (_, body) = send(&app, get("/api/v1/observations?organizationId=20003&page=1&pageSize=3")).await;
        assert_eq!((body["count"].as_i64(), ids(&body).len()), (Some(5), 3));
        assert_eq!(body["next"], "http://localhost:8000/api/v1/observations?organizationId=20003&page=2&pageSize=3");

        // Filters only narrow: a study shows what it asked for and was given consent to (Peter is pending in 30002).
        let (_, body) = send(&app, get("/api/v1/observations?study_id=30002")).await;
        let mut seen = ids(&body);
        seen.sort_unstable();
        assert_eq!(seen, vec![60001, 60002]);
        let (_, body) = send(&app, get("/api/v1/observations?patientId=40001")).await;
        assert_eq!(body["count"], 2);
        let (_, body) = send(&app, get("/api/v1/observations?organization_id=20004")).await;
        assert_eq!(body["count"], 0);
        let (status, body) = send(&app, get("/api/v1/observations?patient_id=abc")).await;
        assert_eq!((status, body), (400, json!({"patientId": ["A valid integer is required."]})));

        // Patients see their own observations only.
        let peter = token_for(&app, "ll_patient_peter@example.com").await;
        let (status, body) = send(&app, TestRequest::get().uri("/api/v1/observations").insert_header(bearer(&peter))).await;
        assert_eq!(status, 200);
        let mut seen = ids(&body);
        seen.sort_unstable();
        assert_eq!(seen, vec![60003, 60005]);

        // Every list read is in the audit trail with the patients it showed.
        let events = jhe_store::audit::list_audit_events(
            &mut t.state.pool.get().unwrap(),
            &jhe_store::audit::AuditFilter { patient: Some(PatientId(40002)), ..Default::default() },
            0,
            100,
        )
        .unwrap()
        .1;
        assert!(events.iter().any(|e| e.action == "observation.list"), "{events:?}");
    });

    get_observation_answers_one_visible_observation => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let (status, body) = send(&app, TestRequest::get().uri("/api/v1/observations/60003").insert_header(bearer(&mary))).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, "observation");
        assert_eq!((body["subjectPatientId"].as_i64(), body["codingCode"].as_str()), (Some(40001), Some("omh:blood-pressure:4.0")));
        // Percy's observation is not Mary's to see: it does not exist for her.
        let (status, _) = send(&app, TestRequest::get().uri("/api/v1/observations/60007").insert_header(bearer(&mary))).await;
        assert_eq!(status, 404);
    });

    delete_observation_by_a_manager_removes_it => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let (status, _) = send(&app, TestRequest::delete().uri("/api/v1/observations/60003").insert_header(bearer(&mary))).await;
        assert_eq!(status, 204);
        let (status, _) = send(&app, TestRequest::get().uri("/api/v1/observations/60003").insert_header(bearer(&mary))).await;
        assert_eq!(status, 404);
    });

    consent_decides_what_the_study_team_sees_on_the_next_request => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let team = [
            token_for(&app, MARY).await,
            token_for(&app, "member_megan@example.com").await,
            token_for(&app, "viewer_victor@example.com").await,
        ];
        let mark = token_for(&app, "manager_mark@example.com").await;
        let peter = token_for(&app, "ll_patient_peter@example.com").await;
        // Peter shares blood pressure with study 30001 only; revoking it hides 60003 from the whole team at once.
        set_peter_blood_pressure(&mut t.state.pool.get().unwrap(), 30001, ConsentState::Revoked);
        for token in &team {
            assert!(!sees(&app, token).await);
            assert_eq!(reads(&app, token).await, 404);
        }
        // Granting it to study 30002 (same organization) shows it again, to every role there.
        set_peter_blood_pressure(&mut t.state.pool.get().unwrap(), 30002, ConsentState::Consented);
        for token in &team {
            assert!(sees(&app, token).await);
            assert_eq!(reads(&app, token).await, 200);
        }
        assert!(!sees(&app, &mark).await, "a practitioner of another organization never sees it");
        // Revoking that consent hides it again on the next request.
        set_peter_blood_pressure(&mut t.state.pool.get().unwrap(), 30002, ConsentState::Revoked);
        for token in &team {
            assert!(!sees(&app, token).await);
        }
        // Peter always sees his own data.
        assert!(sees(&app, &peter).await);
    });

    the_observation_list_costs_the_same_queries_at_any_page_size => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        {
            let conn = &mut t.state.pool.get().unwrap();
            for _ in 0..40 {
                store_blood_pressure(conn, PETER, BLOOD_PRESSURE);
            }
        }
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let counter = jhe_store::testing::QueryCounter::install(&t.state.pool);
        let list = |size: usize| TestRequest::get().uri(&format!("/api/v1/observations?page_size={size}")).insert_header(bearer(&mary));
        // The first list also stores the web UI's selection; count the steady state.
        send(&app, list(1)).await;
        let mut counts = Vec::new();
        for size in [1, 100] {
            counter.reset();
            let (status, body) = send(&app, list(size)).await;
            assert_eq!(status, 200);
            assert_eq!(ids(&body).len(), size.min(45));
            counts.push((counter.count(), counter.statements()));
        }
        assert_eq!(counts[0].0, counts[1].0, "page size 1: {:#?}\npage size 100: {:#?}", counts[0].1, counts[1].1);
    });
}
