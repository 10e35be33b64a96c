//! Who may call which endpoint of studies, observations, data sources, clients, practitioner API clients, settings
//! and the audit log: for every endpoint, the expected status for each kind of caller.
//!
//! Callers (demo data; the target is Lifespan Lab (20003) and its study 30001 unless a row says otherwise):
//!
//! | column | account | relation to the target |
//! |---|---|---|
//! | superuser | admin@example.com | superuser, no organization |
//! | manager | manager_mary | manager of Lifespan Lab |
//! | member | member_megan | member of Lifespan Lab |
//! | viewer | viewer_victor | viewer of Lifespan Lab |
//! | parent manager | a practitioner created here | manager of Planetary Research Institute only: inherits down |
//! | other org | manager_mark | manager in Neptune Health System, no role in Lifespan Lab |
//! | patient | ll_patient_peter | patient of Lifespan Lab, enrolled in 30001 |
//! | anonymous | no token | |
//!
//! The security gaps of the reference that these rows close are named in each row (`docs/consent.md`):
//! G4 study sub-collection writes need member or manager (reads need a role or enrolment), G5 study clients never
//! show secrets, G6 data-source scopes and client data sources are for superusers, G10 observation deletes need the
//! manager role and a visible observation. (G3 is covered by the invitation tests.)
//!
//! Write rows create a fresh target for every caller, so each cell is independent of the others.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failed assertion

mod admin_support;
mod common;

use actix_web::test::TestRequest;
use admin_support::*;
use chrono::Utc;
use common::*;
use jhe_domain::*;
use jhe_store::{
    DbConnection, backend_tests, catalog, clients, data_sources, organizations, people, settings, studies,
};
use serde_json::{Value, json};

const CALLERS: [&str; 8] = [
    "superuser",
    "manager",
    "member",
    "viewer",
    "parent manager",
    "other org",
    "patient",
    "anonymous",
];
const PARENT_MANAGER: &str = "parent_manager_pia@example.com";

/// What a row's request is built from: a connection for fresh fixtures and the caller's practitioner profile.
struct Ctx<'a> {
    conn: &'a mut DbConnection,
    me: Option<PractitionerId>,
    n: usize,
}

type Build = Box<dyn Fn(&mut Ctx<'_>) -> TestRequest>;

struct Row {
    endpoint: &'static str,
    expect: [u16; 8],
    build: Build,
}

fn row(
    endpoint: &'static str,
    expect: [u16; 8],
    build: impl Fn(&mut Ctx<'_>) -> TestRequest + 'static,
) -> Row {
    Row {
        endpoint,
        expect,
        build: Box::new(build),
    }
}

fn get(uri: impl Into<String>) -> TestRequest {
    TestRequest::get().uri(&uri.into())
}

fn fresh_study(ctx: &mut Ctx<'_>) -> StudyId {
    new_study(ctx.conn, 20003, &format!("Matrix study {}", ctx.n))
}

fn fresh_data_source(ctx: &mut Ctx<'_>) -> DataSourceId {
    data_sources::create_data_source(
        ctx.conn,
        &NewDataSource {
            id: None,
            name: format!("Matrix device {}", ctx.n),
            source_type: DataSourceType::PersonalDevice,
        },
        Utc::now(),
    )
    .unwrap()
    .id
}

fn fresh_patient_app(ctx: &mut Ctx<'_>) -> ClientId {
    let client = clients::create_client(
        ctx.conn,
        &NewOAuthClient {
            id: None,
            client_id: format!("matrix-app-{}", ctx.n),
            client_secret_hash: None,
            client_type: ClientType::Public,
            grant_type: GrantType::AuthorizationCode,
            redirect_uris: vec!["http://localhost:8000/auth/callback".into()],
            post_logout_redirect_uris: Vec::new(),
            allowed_origins: Vec::new(),
            skip_authorization: true,
            name: format!("Matrix app {}", ctx.n),
            owner_user_id: None,
        },
        Utc::now(),
    )
    .unwrap();
    clients::set_patient_client(
        ctx.conn,
        &PatientClient {
            client_id: client.id,
            invitation_url: "https://matrix.example.org/CODE".into(),
            aux_data_json: "{}".into(),
        },
    )
    .unwrap();
    client.id
}

/// An API client of the caller (of Mary, for callers without a practitioner profile).
fn own_api_client(ctx: &mut Ctx<'_>) -> ClientId {
    let owner = ctx.me.unwrap_or(PractitionerId(80002));
    jhe_store::api_clients::create_api_client(
        ctx.conn,
        owner,
        &NewOAuthClient {
            id: None,
            client_id: format!("matrix-key-{}", ctx.n),
            client_secret_hash: Some(jhe_oauth::hash_client_secret("not-a-real-secret")),
            client_type: ClientType::Confidential,
            grant_type: GrantType::ClientCredentials,
            redirect_uris: Vec::new(),
            post_logout_redirect_uris: Vec::new(),
            allowed_origins: Vec::new(),
            skip_authorization: true,
            name: format!("matrix key {}", ctx.n),
            owner_user_id: None,
        },
        "matrix",
        Utc::now(),
    )
    .unwrap()
    .client
    .id
}

fn fresh_setting(ctx: &mut Ctx<'_>) -> SettingId {
    settings::create_setting(
        ctx.conn,
        &format!("matrix.key{}", ctx.n),
        &SettingValue::Int(1),
        Utc::now(),
    )
    .unwrap()
    .id
}

fn carex(conn: &mut DbConnection) -> ClientId {
    clients::find_client_by_name(conn, "CareX").unwrap().unwrap().id
}

#[rustfmt::skip]
fn rows() -> Vec<Row> {
    //                         superuser manager member viewer parent other patient anonymous
    const READ_ALL: [u16; 8] =     [200, 200, 200, 200, 200, 200, 200, 401];
    const READ_STUDY: [u16; 8] =   [200, 200, 200, 200, 200, 403, 200, 401];
    const STUDY_WRITE: [u16; 8] =  [200, 200, 200, 403, 200, 403, 403, 401];
    const STUDY_DELETE: [u16; 8] = [204, 204, 204, 403, 204, 403, 403, 401];
    const SUB_ADD: [u16; 8] =      [201, 201, 201, 403, 201, 403, 403, 401];
    const SUB_REMOVE: [u16; 8] =   [204, 204, 204, 403, 204, 403, 403, 401];
    const ENROL: [u16; 8] =        [403, 201, 201, 403, 201, 403, 403, 401];
    const UNENROL: [u16; 8] =      [403, 204, 204, 403, 204, 403, 403, 401];
    const SU_READ: [u16; 8] =      [200, 403, 403, 403, 403, 403, 403, 401];
    const SU_CREATE: [u16; 8] =    [201, 403, 403, 403, 403, 403, 403, 401];
    const SU_DELETE: [u16; 8] =    [204, 403, 403, 403, 403, 403, 403, 401];
    const PRACTITIONERS: [u16; 8] = [200, 200, 200, 200, 200, 200, 403, 401];
    vec![
        // ----- studies -----
        row("GET /studies", READ_ALL, |_| get("/api/v1/studies")),
        row("GET /studies/{id}", READ_STUDY, |_| get("/api/v1/studies/30001")),
        row("POST /studies", SUB_ADD, |_| {
            TestRequest::post().uri("/api/v1/studies").set_json(json!({"name": "New", "description": "New study", "organization": 20003}))
        }),
        row("PATCH /studies/{id}", STUDY_WRITE, |c| {
            TestRequest::patch().uri(&format!("/api/v1/studies/{}", fresh_study(c))).set_json(json!({"name": "Renamed"}))
        }),
        row("DELETE /studies/{id}", STUDY_DELETE, |c| TestRequest::delete().uri(&format!("/api/v1/studies/{}", fresh_study(c)))),
        row("GET /studies/{id}/patients (patient data: no superuser bypass)", [403, 200, 200, 200, 200, 403, 403, 401], |_| {
            get("/api/v1/studies/30001/patients")
        }),
        row("POST /studies/{id}/patients (G4)", ENROL, |c| {
            TestRequest::post().uri(&format!("/api/v1/studies/{}/patients", fresh_study(c))).set_json(json!({"patient_ids": [40001]}))
        }),
        row("DELETE /studies/{id}/patients (G4)", UNENROL, |c| {
            let study = fresh_study(c);
            studies::enrol_patient(c.conn, study, PatientId(40001)).unwrap();
            TestRequest::delete().uri(&format!("/api/v1/studies/{study}/patients")).set_json(json!({"patient_ids": [40001]}))
        }),
        row("GET /studies/{id}/scope_requests (G4: reads need a role or enrolment)", READ_STUDY, |_| {
            get("/api/v1/studies/30001/scope_requests")
        }),
        row("POST /studies/{id}/scope_requests (G4)", SUB_ADD, |c| {
            TestRequest::post().uri(&format!("/api/v1/studies/{}/scope_requests", fresh_study(c))).set_json(json!({"scope_code_id": 50002}))
        }),
        row("DELETE /studies/{id}/scope_requests (G4)", SUB_REMOVE, |c| {
            let study = fresh_study(c);
            studies::add_scope_request(c.conn, study, ScopeCodeId(50002)).unwrap();
            TestRequest::delete().uri(&format!("/api/v1/studies/{study}/scope_requests")).set_json(json!({"scope_code_id": 50002}))
        }),
        row("GET /studies/{id}/data_sources (G4)", READ_STUDY, |_| get("/api/v1/studies/30001/data_sources")),
        row("POST /studies/{id}/data_sources (G4)", SUB_ADD, |c| {
            TestRequest::post().uri(&format!("/api/v1/studies/{}/data_sources", fresh_study(c))).set_json(json!({"data_source_id": 70001}))
        }),
        row("DELETE /studies/{id}/data_sources (G4)", SUB_REMOVE, |c| {
            let study = fresh_study(c);
            studies::add_study_data_source(c.conn, study, DataSourceId(70001)).unwrap();
            TestRequest::delete().uri(&format!("/api/v1/studies/{study}/data_sources")).set_json(json!({"data_source_id": 70001}))
        }),
        row("GET /studies/{id}/clients (G4, G5)", READ_STUDY, |_| get("/api/v1/studies/30001/clients")),
        row("POST /studies/{id}/clients (G4)", SUB_ADD, |c| {
            let client = carex(c.conn);
            TestRequest::post().uri(&format!("/api/v1/studies/{}/clients", fresh_study(c))).set_json(json!({"client_id": client.get()}))
        }),
        row("DELETE /studies/{id}/clients (G4)", SUB_REMOVE, |c| {
            let study = fresh_study(c);
            let client = carex(c.conn);
            studies::add_study_client(c.conn, study, client).unwrap();
            TestRequest::delete().uri(&format!("/api/v1/studies/{study}/clients")).set_json(json!({"client_id": client.get()}))
        }),
        // ----- observations (consent-based visibility) -----
        row("GET /observations", READ_ALL, |_| get("/api/v1/observations")),
        row("GET /observations/{id}", [404, 200, 200, 200, 200, 404, 200, 401], |_| get("/api/v1/observations/60003")),
        row("DELETE /observations/{id} (G10)", [403, 204, 403, 403, 204, 403, 403, 401], |c| {
            let id = store_blood_pressure(c.conn, PatientId(40001), ScopeCodeId(50002));
            TestRequest::delete().uri(&format!("/api/v1/observations/{id}"))
        }),
        // ----- data sources -----
        row("GET /data_sources", READ_ALL, |_| get("/api/v1/data_sources")),
        row("GET /data_sources/{id}", READ_ALL, |_| get("/api/v1/data_sources/70001")),
        row("GET /data_sources/all_scopes", READ_ALL, |_| get("/api/v1/data_sources/all_scopes")),
        row("GET /data_sources/{id}/supported_scopes", READ_ALL, |_| get("/api/v1/data_sources/70001/supported_scopes")),
        row("POST /data_sources", SU_CREATE, |c| {
            TestRequest::post().uri("/api/v1/data_sources").set_json(json!({"name": format!("Device {}", c.n)}))
        }),
        row("PATCH /data_sources/{id}", SU_READ, |c| {
            TestRequest::patch().uri(&format!("/api/v1/data_sources/{}", fresh_data_source(c))).set_json(json!({"name": "Renamed"}))
        }),
        row("DELETE /data_sources/{id}", SU_DELETE, |c| {
            TestRequest::delete().uri(&format!("/api/v1/data_sources/{}", fresh_data_source(c)))
        }),
        row("POST /data_sources/{id}/supported_scopes (G6)", SU_CREATE, |c| {
            TestRequest::post().uri(&format!("/api/v1/data_sources/{}/supported_scopes", fresh_data_source(c))).set_json(json!({"scope_code_id": 50002}))
        }),
        row("DELETE /data_sources/{id}/supported_scopes (G6)", SU_DELETE, |c| {
            let source = fresh_data_source(c);
            data_sources::add_supported_scope(c.conn, source, ScopeCodeId(50002)).unwrap();
            TestRequest::delete().uri(&format!("/api/v1/data_sources/{source}/supported_scopes")).set_json(json!({"scope_code_id": 50002}))
        }),
        // ----- clients (patient apps) -----
        row("GET /clients", PRACTITIONERS, |_| get("/api/v1/clients")),
        row("GET /clients/{id}", PRACTITIONERS, |c| get(format!("/api/v1/clients/{}", carex(c.conn)))),
        row("GET /clients/{id}/data_sources", PRACTITIONERS, |c| get(format!("/api/v1/clients/{}/data_sources", carex(c.conn)))),
        row("POST /clients", SU_CREATE, |c| {
            TestRequest::post().uri("/api/v1/clients").set_json(json!({"name": "App", "clientId": format!("matrix-new-{}", c.n), "invitationUrl": "https://app.example.org/CODE"}))
        }),
        row("PATCH /clients/{id}", SU_READ, |c| {
            TestRequest::patch().uri(&format!("/api/v1/clients/{}", fresh_patient_app(c))).set_json(json!({"name": "Renamed"}))
        }),
        row("DELETE /clients/{id}", SU_DELETE, |c| TestRequest::delete().uri(&format!("/api/v1/clients/{}", fresh_patient_app(c)))),
        row("POST /clients/{id}/data_sources (G6)", SU_CREATE, |c| {
            TestRequest::post().uri(&format!("/api/v1/clients/{}/data_sources", fresh_patient_app(c))).set_json(json!({"data_source_id": 70001}))
        }),
        row("DELETE /clients/{id}/data_sources (G6)", SU_DELETE, |c| {
            let app = fresh_patient_app(c);
            catalog::add_client_data_source_link(c.conn, app, DataSourceId(70001)).unwrap();
            TestRequest::delete().uri(&format!("/api/v1/clients/{app}/data_sources")).set_json(json!({"data_source_id": 70001}))
        }),
        // ----- practitioner API clients (own ones only) -----
        row("GET /practitioner_clients", PRACTITIONERS, |_| get("/api/v1/practitioner_clients")),
        row("POST /practitioner_clients", [201, 201, 201, 201, 201, 201, 403, 401], |_| {
            TestRequest::post().uri("/api/v1/practitioner_clients").set_json(json!({"label": "matrix"}))
        }),
        row("GET /practitioner_clients/{id} (own)", PRACTITIONERS, |c| get(format!("/api/v1/practitioner_clients/{}", own_api_client(c)))),
        row("PATCH /practitioner_clients/{id} (own)", PRACTITIONERS, |c| {
            TestRequest::patch().uri(&format!("/api/v1/practitioner_clients/{}", own_api_client(c))).set_json(json!({"label": "x"}))
        }),
        row("PUT /practitioner_clients/{id}", [405, 405, 405, 405, 405, 405, 403, 401], |c| {
            TestRequest::put().uri(&format!("/api/v1/practitioner_clients/{}", own_api_client(c))).set_json(json!({"label": "x"}))
        }),
        row("DELETE /practitioner_clients/{id} (own)", [204, 204, 204, 204, 204, 204, 403, 401], |c| {
            TestRequest::delete().uri(&format!("/api/v1/practitioner_clients/{}", own_api_client(c)))
        }),
        // ----- settings and audit log -----
        row("GET /jhe_settings", SU_READ, |_| get("/api/v1/jhe_settings")),
        row("GET /jhe_settings/{id}", SU_READ, |c| get(format!("/api/v1/jhe_settings/{}", fresh_setting(c)))),
        row("POST /jhe_settings", SU_CREATE, |c| {
            TestRequest::post().uri("/api/v1/jhe_settings").set_json(json!({"key": format!("matrix.new{}", c.n), "value_type": "bool", "value": "yes"}))
        }),
        row("PATCH /jhe_settings/{id}", SU_READ, |c| {
            TestRequest::patch().uri(&format!("/api/v1/jhe_settings/{}", fresh_setting(c))).set_json(json!({"value": 2}))
        }),
        row("DELETE /jhe_settings/{id}", SU_DELETE, |c| TestRequest::delete().uri(&format!("/api/v1/jhe_settings/{}", fresh_setting(c)))),
        row("GET /audit_events", SU_READ, |_| get("/api/v1/audit_events")),
    ]
}

/// A practitioner who is manager of Planetary Research Institute (20001) only, and so of everything below it.
fn create_parent_manager(conn: &mut DbConnection) {
    let hash = jhe_oauth::password::hash_password(PASSWORD, b"matrix-salt-16by").unwrap();
    let user = people::create_user(
        conn,
        &NewUser {
            id: None,
            email: PARENT_MANAGER.into(),
            password_hash: Some(hash),
            first_name: "Pia".into(),
            last_name: "Parent".into(),
            identifier: String::new(),
            user_type: Some(UserType::Practitioner),
            is_superuser: false,
        },
        Utc::now(),
    )
    .unwrap();
    let practitioner = people::create_practitioner(
        conn,
        &NewPractitioner {
            id: None,
            user_id: user.id,
            identifier: None,
            name_family: Some("Parent".into()),
            name_given: Some("Pia".into()),
        },
        Utc::now(),
    )
    .unwrap();
    organizations::set_membership(
        conn,
        Membership {
            practitioner_id: practitioner.id,
            organization_id: OrganizationId(20001),
            role: Role::Manager,
        },
    )
    .unwrap();
}

backend_tests! {
    every_caller_gets_the_expected_status_from_every_endpoint => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        create_parent_manager(&mut t.state.pool.get().unwrap());
        let app = t.service().await;
        let emails = [
            Some("admin@example.com"),
            Some("manager_mary@example.com"),
            Some("member_megan@example.com"),
            Some("viewer_victor@example.com"),
            Some(PARENT_MANAGER),
            Some("manager_mark@example.com"),
            Some("ll_patient_peter@example.com"),
            None,
        ];
        let mut tokens: Vec<Option<Value>> = Vec::new();
        let mut profiles: Vec<Option<PractitionerId>> = Vec::new();
        for email in emails {
            match email {
                Some(email) => {
                    tokens.push(Some(token_for(&app, email).await));
                    let conn = &mut t.state.pool.get().unwrap();
                    let user = people::find_user_by_email(conn, email).unwrap().unwrap();
                    profiles.push(people::practitioner_of_user(conn, user.id).unwrap().map(|p| p.id));
                }
                None => {
                    tokens.push(None);
                    profiles.push(None);
                }
            }
        }

        let mut mismatches = Vec::new();
        let mut n = 0;
        for row in rows() {
            for (i, caller) in CALLERS.iter().enumerate() {
                n += 1;
                let request = {
                    let conn = &mut t.state.pool.get().unwrap();
                    (row.build)(&mut Ctx { conn, me: profiles[i], n })
                };
                let request = match &tokens[i] {
                    Some(token) => request.insert_header(bearer(token)),
                    None => request,
                };
                let (status, body) = send(&app, request).await;
                if status != row.expect[i] {
                    mismatches.push(format!("{:<60} {caller:<15} expected {} got {status}: {body}", row.endpoint, row.expect[i]));
                }
                if row.endpoint.contains("G5") {
                    let text = body.to_string();
                    assert!(!text.contains("ecret"), "G5: {caller} saw a secret field: {text}");
                }
            }
        }
        assert!(mismatches.is_empty(), "{} of {n} cells differ:\n{}", mismatches.len(), mismatches.join("\n"));
    });
}
