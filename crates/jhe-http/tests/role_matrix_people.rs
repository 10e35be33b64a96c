//! Who may call which people endpoint: for every users, organizations, practitioners, patients and consents
//! endpoint, the expected status for each kind of caller, on Lifespan Lab (20003) and its patient Peter (40001).
//!
//! The callers: a superuser without organizations (admin), Lifespan Lab's manager (Mary), member (Megan) and
//! viewer (Victor); a manager of the parent organization only (Paula, manager of 20002, created here), whose rights
//! in 20003 come from inheritance alone; a practitioner of an unrelated organization (Mark, Neptune Health); a
//! patient (Peter); and an anonymous caller. Cases that fix one of the reference's security gaps carry its name
//! (G1, G2, G7, G8, G9, G11, G13). A failure lists every cell that differs.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failed assertion

mod common;

use actix_web::http::Method;
use actix_web::test::{self, TestRequest};
use chrono::Utc;
use common::*;
use jhe_domain::{
    ConsentState, Membership, NewConsent, NewPractitioner, NewUser, OrganizationId, PatientId,
    PatientOrganization, PractitionerId, Role, ScopeCodeId, StudyId, UserId, UserType,
};
use jhe_store::{backend_tests, consents, organizations, patient_records, people, studies};
use serde_json::{Value, json};

const CALLERS: [&str; 8] = [
    "superuser",
    "manager",
    "member",
    "viewer",
    "parent manager",
    "unrelated practitioner",
    "patient",
    "anonymous",
];
const EMAILS: [&str; 7] = [
    "admin@example.com",
    "manager_mary@example.com",
    "member_megan@example.com",
    "viewer_victor@example.com",
    "parent_paula@example.com",
    "manager_mark@example.com",
    "ll_patient_peter@example.com",
];
const OMH: &str = "https://w3id.org/openmhealth";
const BP: ScopeCodeId = ScopeCodeId(50002);
const HR: ScopeCodeId = ScopeCodeId(50004);

type Prepare = Box<dyn Fn(&TestApp, usize) -> (String, Option<Value>)>;

/// One row of the matrix: a request (prepared afresh before each caller, so every caller meets the same state)
/// and the status each caller gets.
struct Case {
    name: &'static str,
    method: Method,
    prepare: Prepare,
    expect: [u16; 8],
}

fn case(
    name: &'static str,
    method: Method,
    uri: &'static str,
    body: Option<Value>,
    expect: [u16; 8],
) -> Case {
    Case {
        name,
        method,
        prepare: Box::new(move |_, _| (uri.to_owned(), body.clone())),
        expect,
    }
}

fn prepared(
    name: &'static str,
    method: Method,
    prepare: impl Fn(&TestApp, usize) -> (String, Option<Value>) + 'static,
    expect: [u16; 8],
) -> Case {
    Case {
        name,
        method,
        prepare: Box::new(prepare),
        expect,
    }
}

fn conn(t: &TestApp) -> jhe_store::PooledConnection {
    t.state.pool.get().unwrap()
}

/// Paula: a practitioner whose only role is manager of Saturn School of Data Science (20002), the parent of
/// Lifespan Lab.
fn add_parent_manager(t: &TestApp) {
    let mut conn = conn(t);
    let now = Utc::now();
    let user = people::create_user(
        &mut conn,
        &NewUser {
            id: None,
            email: "parent_paula@example.com".into(),
            password_hash: Some(jhe_oauth::password::hash_password(PASSWORD, b"parent-salt-0016").unwrap()),
            first_name: "ParentPaula".into(),
            last_name: "Ibsen".into(),
            identifier: String::new(),
            user_type: Some(UserType::Practitioner),
            is_superuser: false,
        },
        now,
    )
    .unwrap();
    let practitioner = people::create_practitioner(
        &mut conn,
        &NewPractitioner {
            id: None,
            user_id: user.id,
            identifier: None,
            name_family: Some("Ibsen".into()),
            name_given: Some("Paula".into()),
        },
        now,
    )
    .unwrap();
    organizations::set_membership(
        &mut conn,
        Membership {
            practitioner_id: practitioner.id,
            organization_id: OrganizationId(20002),
            role: Role::Manager,
        },
    )
    .unwrap();
}

/// Peter's answer for `scope` in `study`: `None` removes it (pending).
fn set_consent(t: &TestApp, study: i64, scope: ScopeCodeId, state: Option<ConsentState>) {
    let mut conn = conn(t);
    let enrolment = studies::find_enrolment(&mut conn, StudyId(study), PatientId(40001))
        .unwrap()
        .unwrap();
    if let Some(existing) = consents::find_consent(&mut conn, enrolment.id, scope).unwrap() {
        consents::delete_consent(&mut conn, existing.id).unwrap();
    }
    if let Some(state) = state {
        consents::insert_consent(
            &mut conn,
            &NewConsent {
                enrolment_id: enrolment.id,
                scope_code_id: scope,
                state,
                decided_at: Utc::now(),
            },
        )
        .unwrap();
    }
}

fn consent_body(study: i64, code: &str, consented: Option<bool>) -> Value {
    let mut scope = json!({"coding_system": OMH, "coding_code": code});
    if let Some(c) = consented {
        scope["consented"] = json!(c);
    }
    json!({"study_scope_consents": [{"study_id": study, "scope_consents": [scope]}]})
}

fn new_patient_in_lifespan_lab(t: &TestApp, tag: usize) -> PatientId {
    patient_records::create_patient_record(
        &mut conn(t),
        &patient_records::NewPatientRecord {
            organization: OrganizationId(20003),
            email: format!(
                "leaving{tag}-{}@example.com",
                Utc::now().timestamp_nanos_opt().unwrap_or(0)
            ),
            name_family: None,
            name_given: None,
            birth_date: None,
            telecom_phone: None,
            identifiers: vec![],
        },
        Utc::now(),
    )
    .unwrap()
}

fn cases() -> Vec<Case> {
    use Method as M;
    vec![
        // ----- users -----
        case(
            "G2 GET /users",
            M::GET,
            "/api/v1/users",
            None,
            [200, 403, 403, 403, 403, 403, 403, 401],
        ),
        case(
            "G2 GET /users/{megan}",
            M::GET,
            "/api/v1/users/10003",
            None,
            [200, 403, 200, 403, 403, 403, 403, 401],
        ),
        case(
            "G1 PATCH /users/{megan} own names",
            M::PATCH,
            "/api/v1/users/10003",
            Some(json!({"firstName": "Meg"})),
            [200, 403, 200, 403, 403, 403, 403, 401],
        ),
        case(
            "G1 PUT /users/{megan} same e-mail, new names",
            M::PUT,
            "/api/v1/users/10003",
            Some(json!({"email": "member_megan@example.com", "firstName": "Megan", "lastName": "L"})),
            [200, 403, 200, 403, 403, 403, 403, 401],
        ),
        prepared(
            "G1 PATCH /users/{megan} e-mail",
            M::PATCH,
            |t, _| {
                let changes = jhe_store::user_accounts::UserChanges {
                    email: Some("member_megan@example.com".into()),
                    ..Default::default()
                };
                jhe_store::user_accounts::update_user(&mut conn(t), UserId(10003), &changes).unwrap();
                (
                    "/api/v1/users/10003".into(),
                    Some(json!({"email": "megan.l@example.com"})),
                )
            },
            [200, 403, 403, 403, 403, 403, 403, 401],
        ),
        case(
            "G1 PATCH /users/{megan} isSuperuser is never writable",
            M::PATCH,
            "/api/v1/users/10003",
            Some(json!({"isSuperuser": true})),
            [403, 403, 403, 403, 403, 403, 403, 401],
        ),
        prepared(
            "G1 POST /users",
            M::POST,
            |_, i| {
                (
                    "/api/v1/users".into(),
                    Some(json!({"email": format!("made{i}@example.com")})),
                )
            },
            [201, 403, 403, 403, 403, 403, 403, 401],
        ),
        prepared(
            "G1 DELETE /users/{id}",
            M::DELETE,
            |t, i| {
                let user = people::create_user(
                    &mut conn(t),
                    &NewUser {
                        id: None,
                        email: format!("doomed{i}@example.com"),
                        password_hash: None,
                        first_name: String::new(),
                        last_name: String::new(),
                        identifier: String::new(),
                        user_type: None,
                        is_superuser: false,
                    },
                    Utc::now(),
                )
                .unwrap();
                (format!("/api/v1/users/{}", user.id), None)
            },
            [204, 403, 403, 403, 403, 403, 403, 401],
        ),
        case(
            "GET /users/profile",
            M::GET,
            "/api/v1/users/profile",
            None,
            [200, 200, 200, 200, 200, 200, 200, 401],
        ),
        case(
            "GET /users/organizations",
            M::GET,
            "/api/v1/users/organizations",
            None,
            [200, 200, 200, 200, 200, 200, 200, 401],
        ),
        case(
            "G2 GET /users/search_by_email",
            M::GET,
            "/api/v1/users/search_by_email?email=three_org_tom@example.com",
            None,
            [200, 200, 403, 403, 200, 200, 403, 401],
        ),
        // ----- organizations -----
        case(
            "GET /organizations",
            M::GET,
            "/api/v1/organizations",
            None,
            [200, 200, 200, 200, 200, 200, 200, 401],
        ),
        case(
            "GET /organizations/types",
            M::GET,
            "/api/v1/organizations/types",
            None,
            [200, 200, 200, 200, 200, 200, 200, 401],
        ),
        case(
            "G9 GET /organizations/20003",
            M::GET,
            "/api/v1/organizations/20003",
            None,
            [200, 200, 200, 200, 200, 403, 200, 401],
        ),
        case(
            "G9 GET /organizations/20003/tree",
            M::GET,
            "/api/v1/organizations/20003/tree",
            None,
            [200, 200, 200, 200, 200, 403, 200, 401],
        ),
        case(
            "G9 GET /organizations/20003/users",
            M::GET,
            "/api/v1/organizations/20003/users",
            None,
            [200, 200, 200, 200, 200, 403, 403, 401],
        ),
        case(
            "G9 GET /organizations/20003/studies",
            M::GET,
            "/api/v1/organizations/20003/studies",
            None,
            [200, 200, 200, 200, 200, 403, 200, 401],
        ),
        case(
            "POST /organizations inside 20003",
            M::POST,
            "/api/v1/organizations",
            Some(json!({"name": "Sleep Group", "type": "team", "partOf": 20003})),
            [201, 201, 403, 403, 201, 403, 403, 401],
        ),
        case(
            "POST /organizations top level",
            M::POST,
            "/api/v1/organizations",
            Some(json!({"name": "Io Clinic", "type": "prov"})),
            [201, 403, 403, 403, 403, 403, 403, 401],
        ),
        case(
            "PATCH /organizations/20003",
            M::PATCH,
            "/api/v1/organizations/20003",
            Some(json!({"name": "Lifespan Lab"})),
            [200, 200, 403, 403, 200, 403, 403, 401],
        ),
        prepared(
            "DELETE /organizations/{child of 20003}",
            M::DELETE,
            |t, i| {
                let org = organizations::create_organization(
                    &mut conn(t),
                    &jhe_domain::NewOrganization {
                        id: None,
                        name: format!("Doomed {i}"),
                        org_type: jhe_domain::OrganizationType::Team,
                        part_of: Some(OrganizationId(20003)),
                    },
                    Utc::now(),
                )
                .unwrap();
                (format!("/api/v1/organizations/{}", org.id), None)
            },
            [204, 204, 403, 403, 204, 403, 403, 401],
        ),
        prepared(
            "POST /organizations/20003/user",
            M::POST,
            |t, _| {
                let _ = organizations::remove_membership(
                    &mut conn(t),
                    PractitionerId(80006),
                    OrganizationId(20003),
                );
                (
                    "/api/v1/organizations/20003/user".into(),
                    Some(json!({"jhe_user_id": 10008, "organization_partitioner_role": "viewer"})),
                )
            },
            [201, 201, 403, 403, 201, 403, 403, 401],
        ),
        prepared(
            "DELETE /organizations/20003/remove_user",
            M::DELETE,
            |t, _| {
                organizations::set_membership(
                    &mut conn(t),
                    Membership {
                        practitioner_id: PractitionerId(80005),
                        organization_id: OrganizationId(20003),
                        role: Role::Viewer,
                    },
                )
                .unwrap();
                (
                    "/api/v1/organizations/20003/remove_user".into(),
                    Some(json!({"jheUserId": 10005})),
                )
            },
            [204, 204, 403, 403, 204, 403, 403, 401],
        ),
        // ----- practitioners -----
        case(
            "GET /practitioners",
            M::GET,
            "/api/v1/practitioners",
            None,
            [200, 403, 403, 403, 403, 403, 403, 401],
        ),
        case(
            "GET /practitioners/80003",
            M::GET,
            "/api/v1/practitioners/80003",
            None,
            [200, 403, 403, 403, 403, 403, 403, 401],
        ),
        prepared(
            "POST /practitioners",
            M::POST,
            |_, i| {
                (
                    "/api/v1/practitioners".into(),
                    Some(json!({"telecomEmail": format!("doc{i}@example.com")})),
                )
            },
            [201, 403, 403, 403, 403, 403, 403, 401],
        ),
        case(
            "PATCH /practitioners/80003",
            M::PATCH,
            "/api/v1/practitioners/80003",
            Some(json!({"nameGiven": "Megan"})),
            [200, 403, 403, 403, 403, 403, 403, 401],
        ),
        prepared(
            "DELETE /practitioners/{id}",
            M::DELETE,
            |t, i| {
                let mut conn = conn(t);
                let user = people::create_user(
                    &mut conn,
                    &NewUser {
                        id: None,
                        email: format!("leaving-doc{i}@example.com"),
                        password_hash: None,
                        first_name: String::new(),
                        last_name: String::new(),
                        identifier: String::new(),
                        user_type: Some(UserType::Practitioner),
                        is_superuser: false,
                    },
                    Utc::now(),
                )
                .unwrap();
                let practitioner = people::create_practitioner(
                    &mut conn,
                    &NewPractitioner {
                        id: None,
                        user_id: user.id,
                        identifier: None,
                        name_family: None,
                        name_given: None,
                    },
                    Utc::now(),
                )
                .unwrap();
                (format!("/api/v1/practitioners/{}", practitioner.id), None)
            },
            [204, 403, 403, 403, 403, 403, 403, 401],
        ),
        // ----- patients -----
        case(
            "GET /patients",
            M::GET,
            "/api/v1/patients",
            None,
            [200, 200, 200, 200, 200, 200, 200, 401],
        ),
        case(
            "GET /patients/40001",
            M::GET,
            "/api/v1/patients/40001",
            None,
            [403, 200, 200, 200, 200, 403, 200, 401],
        ),
        case(
            "GET /patients/me",
            M::GET,
            "/api/v1/patients/me",
            None,
            [403, 403, 403, 403, 403, 403, 200, 401],
        ),
        prepared(
            "POST /patients in 20003",
            M::POST,
            |_, i| {
                (
                    "/api/v1/patients".into(),
                    Some(
                        json!({"organizationId": 20003, "telecomEmail": format!("new-patient{i}@example.com")}),
                    ),
                )
            },
            [403, 201, 201, 403, 201, 403, 403, 401],
        ),
        case(
            "PATCH /patients/40001?organization_id=20003",
            M::PATCH,
            "/api/v1/patients/40001?organization_id=20003",
            Some(json!({"nameGiven": "Peter"})),
            [403, 200, 200, 403, 200, 403, 403, 401],
        ),
        case(
            "G7 PATCH /patients/40003 through 20003, which Percy does not belong to",
            M::PATCH,
            "/api/v1/patients/40003?organization_id=20003",
            Some(json!({"nameGiven": "Percy"})),
            [403, 403, 403, 403, 403, 403, 403, 401],
        ),
        prepared(
            "DELETE /patients/{id}?organization_id=20003",
            M::DELETE,
            |t, i| {
                let patient = new_patient_in_lifespan_lab(t, i);
                (format!("/api/v1/patients/{patient}?organization_id=20003"), None)
            },
            [403, 204, 204, 403, 204, 403, 403, 401],
        ),
        case(
            "G7 DELETE /patients/40003 from 20003, which Percy does not belong to",
            M::DELETE,
            "/api/v1/patients/40003?organization_id=20003",
            None,
            [403, 403, 403, 403, 403, 403, 403, 401],
        ),
        case(
            "G8 GET /patients/global_lookup",
            M::GET,
            "/api/v1/patients/global_lookup?email=npl_patient_percy@example.com",
            None,
            [403, 200, 200, 403, 200, 200, 403, 401],
        ),
        prepared(
            "G8 PATCH /patients/40003/global_add_organization?organization_id=20003",
            M::PATCH,
            |t, _| {
                let _ = organizations::unlink_patient(
                    &mut conn(t),
                    PatientOrganization {
                        patient_id: PatientId(40003),
                        organization_id: OrganizationId(20003),
                    },
                );
                (
                    "/api/v1/patients/40003/global_add_organization?organization_id=20003".into(),
                    None,
                )
            },
            [403, 200, 200, 403, 200, 403, 403, 401],
        ),
        case(
            "GET /patients/40001/consolidated_clients",
            M::GET,
            "/api/v1/patients/40001/consolidated_clients",
            None,
            [403, 200, 200, 200, 200, 403, 200, 401],
        ),
        // ----- consents -----
        case(
            "GET /patients/40001/consents",
            M::GET,
            "/api/v1/patients/40001/consents",
            None,
            [403, 200, 200, 200, 200, 403, 200, 401],
        ),
        case(
            "G11 GET /patients/40001/consents?reset=true",
            M::GET,
            "/api/v1/patients/40001/consents?reset=true",
            None,
            [400, 400, 400, 400, 400, 400, 400, 401],
        ),
        prepared(
            "POST /patients/40001/consents",
            M::POST,
            |t, _| {
                set_consent(t, 30002, BP, None);
                (
                    "/api/v1/patients/40001/consents".into(),
                    Some(consent_body(30002, "omh:blood-pressure:4.0", Some(true))),
                )
            },
            [403, 201, 201, 403, 201, 403, 201, 401],
        ),
        prepared(
            "POST /patients/40001/consents for an answered scope",
            M::POST,
            |t, _| {
                set_consent(t, 30001, BP, Some(ConsentState::Consented));
                (
                    "/api/v1/patients/40001/consents".into(),
                    Some(consent_body(30001, "omh:blood-pressure:4.0", Some(true))),
                )
            },
            [403, 409, 409, 403, 409, 403, 409, 401],
        ),
        case(
            "G13 POST /patients/40001/consents for a scope the study does not ask for",
            M::POST,
            "/api/v1/patients/40001/consents",
            Some(consent_body(30002, "omh:heart-rate:2.0", Some(true))),
            [403, 400, 400, 403, 400, 403, 400, 401],
        ),
        prepared(
            "PATCH /patients/40001/consents",
            M::PATCH,
            |t, _| {
                set_consent(t, 30001, BP, Some(ConsentState::Consented));
                (
                    "/api/v1/patients/40001/consents".into(),
                    Some(consent_body(30001, "omh:blood-pressure:4.0", Some(false))),
                )
            },
            [403, 200, 200, 403, 200, 403, 200, 401],
        ),
        prepared(
            "DELETE /patients/40001/consents",
            M::DELETE,
            |t, _| {
                set_consent(t, 30001, HR, Some(ConsentState::Consented));
                (
                    "/api/v1/patients/40001/consents".into(),
                    Some(consent_body(30001, "omh:heart-rate:2.0", None)),
                )
            },
            [403, 204, 204, 403, 204, 403, 204, 401],
        ),
        case(
            "GET /patients/40001/consents/history",
            M::GET,
            "/api/v1/patients/40001/consents/history",
            None,
            [403, 200, 200, 200, 200, 403, 200, 401],
        ),
    ]
}

backend_tests! {
    every_people_endpoint_answers_each_kind_of_caller_as_expected => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        add_parent_manager(&t);
        let app = t.service().await;
        let mut tokens: Vec<Option<Value>> = Vec::new();
        for email in EMAILS {
            tokens.push(Some(token_for(&app, email).await));
        }
        tokens.push(None);
        let mut mismatches = Vec::new();
        for case in cases() {
            for (i, token) in tokens.iter().enumerate() {
                let (uri, body) = (case.prepare)(&t, i);
                let mut req = TestRequest::default().method(case.method.clone()).uri(&uri);
                if let Some(token) = token {
                    req = req.insert_header(bearer(token));
                }
                if let Some(body) = body {
                    req = req.set_json(body);
                }
                let response = test::call_service(&app, req.to_request()).await;
                let status = response.status().as_u16();
                if status != case.expect[i] {
                    let body = test::read_body(response).await;
                    mismatches.push(format!(
                        "{} as {}: expected {}, got {status} {}",
                        case.name,
                        CALLERS[i],
                        case.expect[i],
                        String::from_utf8_lossy(&body)
                    ));
                }
            }
        }
        assert!(mismatches.is_empty(), "{} cells differ:\n{}", mismatches.len(), mismatches.join("\n"));
    });
}
