//! The Admin API's people endpoints end to end (users, organizations, practitioners, patients, consents): one test
//! per endpoint on the success path, asserting the field names and value types of the reference's recorded
//! exchanges (re-created here as our own shape fixtures), plus pagination, malformed input, consent deciding what
//! practitioners see on the very next request, the audit trail, and a fixed number of queries per list request.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failed assertion

mod common;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::Method;
use actix_web::test::{self, TestRequest};
use common::*;
use jhe_domain::{Identifier, OrganizationId, PatientId, ScopeCodeId, UserId};
use jhe_store::backend_tests;
use jhe_store::testing::QueryCounter;
use serde_json::{Value, json};

const OMH: &str = "https://w3id.org/openmhealth";
const BP: &str = "omh:blood-pressure:4.0";
const HR: &str = "omh:heart-rate:2.0";
const ADMIN: &str = "admin@example.com";
const MARY: &str = "manager_mary@example.com";
const MEGAN: &str = "member_megan@example.com";
const PETER: &str = "ll_patient_peter@example.com";

// ----- helpers ----------------------------------------------------------------------------------------------------

async fn call<S, B>(
    app: &S,
    method: Method,
    uri: &str,
    token: Option<&Value>,
    body: Option<Value>,
) -> (u16, Value)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let mut req = TestRequest::default().method(method).uri(uri);
    if let Some(token) = token {
        req = req.insert_header(bearer(token));
    }
    if let Some(body) = body {
        req = req.set_json(body);
    }
    let response = test::call_service(app, req.to_request()).await;
    let status = response.status().as_u16();
    let bytes = test::read_body(response).await;
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

async fn get<S, B>(app: &S, uri: &str, token: &Value) -> (u16, Value)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    call(app, Method::GET, uri, Some(token), None).await
}

/// Checks a JSON value against a shape: leaves name a type (`int`, `str`, `bool`, `any`; a trailing `?` allows
/// null), an object must have exactly the shape's keys, a one-element array means every element has that shape,
/// an empty array only that the value is an array.
fn assert_shape(actual: &Value, shape: &Value, path: &str) {
    match shape {
        Value::String(kind) => {
            let (kind, nullable) = match kind.strip_suffix('?') {
                Some(k) => (k, true),
                None => (kind.as_str(), false),
            };
            if actual.is_null() {
                assert!(
                    nullable || kind == "any",
                    "{path}: null where {kind} was expected"
                );
                return;
            }
            let ok = match kind {
                "int" => actual.is_i64(),
                "str" => actual.is_string(),
                "bool" => actual.is_boolean(),
                "any" => true,
                other => panic!("unknown shape type {other}"),
            };
            assert!(ok, "{path}: {actual} is not a {kind}");
        }
        Value::Object(fields) => {
            let object = actual
                .as_object()
                .unwrap_or_else(|| panic!("{path}: {actual} is not an object"));
            let mut expected: Vec<&String> = fields.keys().collect();
            let mut got: Vec<&String> = object.keys().collect();
            expected.sort();
            got.sort();
            assert_eq!(got, expected, "{path}: keys differ");
            for (key, inner) in fields {
                assert_shape(&object[key], inner, &format!("{path}.{key}"));
            }
        }
        Value::Array(items) => {
            let array = actual
                .as_array()
                .unwrap_or_else(|| panic!("{path}: {actual} is not an array"));
            if let Some(item) = items.first() {
                for (i, element) in array.iter().enumerate() {
                    assert_shape(element, item, &format!("{path}[{i}]"));
                }
            }
        }
        other => panic!("unsupported shape {other}"),
    }
}

fn page_shape(item: Value) -> Value {
    json!({"count": "int", "next": "str?", "previous": "str?", "results": [item]})
}

fn organization_shape() -> Value {
    json!({"id": "int", "name": "str", "type": "str", "partOf": "int?", "currentUserRole": "str?", "children": []})
}

fn scope_code_shape() -> Value {
    json!({"id": "int", "codingSystem": "str", "codingCode": "str", "text": "str"})
}

fn patient_shape() -> Value {
    json!({
        "id": "int",
        "jheUserId": "int?",
        "identifiers": [{"id": "int", "system": "str", "value": "str"}],
        "nameFamily": "str?",
        "nameGiven": "str?",
        "birthDate": "str?",
        "telecomPhone": "str?",
        "telecomEmail": "str?",
        "organizations": [organization_shape()]
    })
}

fn user_shape() -> Value {
    json!({
        "id": "int", "email": "str", "firstName": "str", "lastName": "str", "patient": "any",
        "userType": "str?", "isSuperuser": "bool"
    })
}

fn practitioner_shape() -> Value {
    json!({
        "id": "int", "jheUserId": "int", "nameFamily": "str?", "nameGiven": "str?", "telecomEmail": "str",
        "organizations": [organization_shape()]
    })
}

fn ids(page: &Value) -> Vec<i64> {
    let list = page.get("results").unwrap_or(page);
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_i64().unwrap())
        .collect()
}

fn conn(t: &TestApp) -> jhe_store::PooledConnection {
    t.state.pool.get().unwrap()
}

/// The audit events of one action, newest first.
fn audit_events(t: &TestApp, action: &str) -> Vec<jhe_domain::AuditEvent> {
    let (_, events) =
        jhe_store::audit::list_audit_events(&mut conn(t), &jhe_store::audit::AuditFilter::default(), 0, 1000)
            .unwrap();
    events.into_iter().filter(|e| e.action == action).collect()
}

fn consent_body(study: i64, code: &str, consented: Option<bool>) -> Value {
    let mut scope = json!({"coding_system": OMH, "coding_code": code});
    if let Some(c) = consented {
        scope["consented"] = json!(c);
    }
    json!({"study_scope_consents": [{"study_id": study, "scope_consents": [scope]}]})
}

// ----- users ------------------------------------------------------------------------------------------------------

backend_tests! {
    users_profile_of_a_practitioner_has_the_reference_shape => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let (status, body) = get(&app, "/api/v1/users/profile", &mary).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, &json!({
            "id": "int", "email": "str", "firstName": "str", "lastName": "str", "patient": "any",
            "userType": "str?", "isSuperuser": "bool",
            "settings": {"currentOrganizationId": "int", "currentStudyId": "int"}
        }), "profile");
        assert_eq!(body["id"], 10002);
        assert_eq!(body["patient"], Value::Null);
        assert_eq!(body["userType"], "practitioner");
        assert_eq!(body["isSuperuser"], false);
    });

    users_profile_of_a_patient_is_reduced => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let peter = token_for(&app, PETER).await;
        let (status, body) = get(&app, "/api/v1/users/profile", &peter).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, &json!({
            "id": "int",
            "patient": {
                "id": "int", "jheUserId": "int?",
                "identifiers": [{"id": "int", "system": "str", "value": "str"}],
                "organizations": [organization_shape()]
            },
            "userType": "str?", "isSuperuser": "bool"
        }), "profile");
        assert_eq!(body["patient"]["id"], 40001);
        assert_eq!(body["patient"]["identifiers"].as_array().unwrap().len(), 2);
        assert_eq!(body["patient"]["organizations"][0]["id"], 20003);
    });

    users_organizations_lists_the_callers_memberships => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let (status, body) = get(&app, "/api/v1/users/organizations", &mary).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, &json!([organization_shape()]), "organizations");
        assert_eq!(ids(&body), vec![20001, 20002, 20003]);
        assert!(body.as_array().unwrap().iter().all(|o| o["currentUserRole"].is_null()));
        let peter = token_for(&app, PETER).await;
        assert_eq!(get(&app, "/api/v1/users/organizations", &peter).await, (200, json!([])));
    });

    users_list_is_paginated_for_superusers => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let admin = token_for(&app, ADMIN).await;
        let (status, body) = get(&app, "/api/v1/users?pageSize=3", &admin).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, &page_shape(user_shape()), "users");
        assert_eq!(body["count"], 11);
        assert_eq!(body["results"].as_array().unwrap().len(), 3);
        assert_eq!(body["next"], "http://localhost:8000/api/v1/users?pageSize=3&page=2");
        // Superusers get no bypass to patient data: patient accounts are listed without their record.
        let (_, one) = get(&app, "/api/v1/users?email=LL_Patient_Peter@example.com", &admin).await;
        assert_eq!(one["count"], 1);
        assert_eq!(one["results"][0]["id"], 10006);
        assert_eq!(one["results"][0]["patient"], Value::Null);
    });

    users_get_reads_ones_own_account => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let peter = token_for(&app, PETER).await;
        let (status, body) = get(&app, "/api/v1/users/10006", &peter).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, &user_shape(), "user");
        assert_shape(&body["patient"], &patient_shape(), "user.patient");
        assert_eq!(body["patient"]["id"], 40001);
        let admin = token_for(&app, ADMIN).await;
        assert_eq!(get(&app, "/api/v1/users/999999", &admin).await.0, 404);
    });

    users_create_makes_an_account_with_its_profile => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let admin = token_for(&app, ADMIN).await;
        let (status, body) = call(&app, Method::POST, "/api/v1/users", Some(&admin), Some(json!({
            "email": "Nina.New@Example.com", "firstName": "Nina", "lastName": "New", "userType": "practitioner"
        }))).await;
        assert_eq!(status, 201, "{body}");
        assert_shape(&body, &user_shape(), "user");
        assert_eq!(body["email"], "nina.new@example.com");
        assert_eq!(body["userType"], "practitioner");
        let user = UserId(body["id"].as_i64().unwrap());
        assert!(jhe_store::people::practitioner_of_user(&mut conn(&t), user).unwrap().is_some());
        // The same e-mail again is a field error.
        let (status, body) = call(&app, Method::POST, "/api/v1/users", Some(&admin), Some(json!({"email": "nina.new@example.com"}))).await;
        assert_eq!(status, 400);
        assert!(body["email"][0].as_str().unwrap().contains("already exists"), "{body}");
        assert_eq!(audit_events(&t, "user.create").len(), 1);
    });

    users_patch_changes_ones_own_names => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let megan = token_for(&app, MEGAN).await;
        let (status, body) = call(&app, Method::PATCH, "/api/v1/users/10003", Some(&megan), Some(json!({
            "first_name": "Meg", "lastName": "Lindqvist-Reed", "isSuperuser": false
        }))).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, &user_shape(), "user");
        assert_eq!((body["firstName"].as_str(), body["lastName"].as_str()), (Some("Meg"), Some("Lindqvist-Reed")));
    });

    users_put_replaces_an_account_for_superusers => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let admin = token_for(&app, ADMIN).await;
        let (status, body) = call(&app, Method::PUT, "/api/v1/users/10005", Some(&admin), Some(json!({
            "email": "tom@example.org", "firstName": "Tom", "lastName": "Haddad", "identifier": "ehr-5"
        }))).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, &user_shape(), "user");
        assert_eq!(body["email"], "tom@example.org");
        // PUT without the e-mail is incomplete.
        let (status, body) = call(&app, Method::PUT, "/api/v1/users/10005", Some(&admin), Some(json!({"firstName": "T"}))).await;
        assert_eq!((status, &body["email"][0]), (400, &json!("This field is required.")));
    });

    users_delete_removes_an_account_for_superusers => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let admin = token_for(&app, ADMIN).await;
        let (status, _) = call(&app, Method::DELETE, "/api/v1/users/10011", Some(&admin), None).await;
        assert_eq!(status, 204);
        assert!(jhe_store::people::get_user(&mut conn(&t), UserId(10011)).is_err());
        assert!(jhe_store::people::get_patient(&mut conn(&t), PatientId(40005)).is_err(), "the profile goes with it");
        let events = audit_events(&t, "user.delete");
        assert_eq!(events[0].patient_ids, vec![PatientId(40005)]);
        // Never one's own account.
        assert_eq!(call(&app, Method::DELETE, "/api/v1/users/10001", Some(&admin), None).await.0, 403);
    });

    users_search_by_email_finds_an_account_or_answers_the_empty_item => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let (status, body) = get(&app, "/api/v1/users/search_by_email?email=manager_mark@example.com", &mary).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, &user_shape(), "user");
        assert_eq!(body["id"], 10008);
        let (status, body) = get(&app, "/api/v1/users/search_by_email?email=nobody@example.com", &mary).await;
        assert_eq!(status, 200);
        assert_eq!(body, json!({"email": "", "firstName": "", "lastName": "", "userType": null, "isSuperuser": false}));
        let (status, body) = get(&app, "/api/v1/users/search_by_email", &mary).await;
        assert_eq!((status, &body["email"][0]), (400, &json!("This parameter is required.")));
    });
}

// ----- organizations ----------------------------------------------------------------------------------------------

backend_tests! {
    organizations_list_shows_the_callers_reach_by_name => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let (status, body) = get(&app, "/api/v1/organizations", &mary).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, &page_shape(organization_shape()), "organizations");
        // G9: Mary's reach, by name, with her (effective) role.
        assert_eq!(ids(&body), vec![20003, 20001, 20002]);
        assert!(body["results"].as_array().unwrap().iter().all(|o| o["currentUserRole"] == "manager"));
        let admin = token_for(&app, ADMIN).await;
        let (_, all) = get(&app, "/api/v1/organizations", &admin).await;
        assert_eq!(all["count"], 9, "superusers see every organization, the root included");
        assert!(all["results"].as_array().unwrap().iter().all(|o| o["currentUserRole"] == "super_user"));
    });

    organizations_list_filters_by_parent => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let admin = token_for(&app, ADMIN).await;
        let (status, body) = get(&app, "/api/v1/organizations?part_of=0", &admin).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, &page_shape(organization_shape()), "organizations");
        assert_eq!(ids(&body), vec![20004, 20001]);
        let mary = token_for(&app, MARY).await;
        let (_, body) = get(&app, "/api/v1/organizations?partOf=0", &mary).await;
        assert_eq!(ids(&body), vec![20001]);
        let (status, _) = get(&app, "/api/v1/organizations?part_of=x", &mary).await;
        assert_eq!(status, 400);
    });

    organizations_types_are_listed_in_the_reference_order => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let peter = token_for(&app, PETER).await;
        let response = test::call_service(
            &app,
            TestRequest::get().uri("/api/v1/organizations/types").insert_header(bearer(&peter)).to_request(),
        )
        .await;
        assert_eq!(response.status(), 200);
        let text = String::from_utf8(test::read_body(response).await.to_vec()).unwrap();
        assert!(text.starts_with(r#"{"root":"ROOT","prov":"Healthcare Provider","dept":"Hospital Department""#), "{text}");
        assert!(text.ends_with(r#""health-data-aggregator":"Health Data Aggregator"}"#), "{text}");
    });

    organizations_get_reads_one_with_the_callers_role => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let (status, body) = get(&app, "/api/v1/organizations/20001", &mary).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, &organization_shape(), "organization");
        assert_eq!(body, json!({
            "id": 20001, "name": "Planetary Research Institute", "type": "edu", "partOf": 0,
            "currentUserRole": "manager", "children": []
        }));
        // G9: an organization outside Mary's reach is not hers to read.
        assert_eq!(get(&app, "/api/v1/organizations/20007", &mary).await.0, 403);
        assert_eq!(get(&app, "/api/v1/organizations/99999", &mary).await.0, 404);
    });

    organizations_tree_nests_children_by_name => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mark = token_for(&app, "manager_mark@example.com").await;
        let (status, body) = get(&app, "/api/v1/organizations/20005/tree", &mark).await;
        assert_eq!(status, 200, "{body}");
        let mut shape = organization_shape();
        shape["children"] = json!([organization_shape()]);
        assert_shape(&body, &shape, "tree");
        assert_eq!(body["id"], 20005);
        assert_eq!(ids(&body["children"]), vec![20006]);
        // Cosmic Cardio Lab sorts before Neptunian Pulse Lab; Mark manages 20008 through inheritance only.
        let labs = &body["children"][0]["children"];
        assert_eq!(ids(labs), vec![20008, 20007]);
        assert_eq!(labs[0]["currentUserRole"], "manager");
    });

    organizations_users_lists_practitioners_by_family_name => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let (status, body) = get(&app, "/api/v1/organizations/20003/users", &mary).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, &json!([{"id": "int", "email": "str", "firstName": "str", "lastName": "str", "role": "str"}]), "users");
        // Haddad, Lindqvist, Moreau, Okonkwo.
        assert_eq!(ids(&body), vec![10005, 10003, 10004, 10002]);
        let roles: Vec<&str> = body.as_array().unwrap().iter().map(|u| u["role"].as_str().unwrap()).collect();
        assert_eq!(roles, vec!["viewer", "member", "viewer", "manager"]);
        // G9: not for organizations outside one's reach.
        assert_eq!(get(&app, "/api/v1/organizations/20007/users", &mary).await.0, 403);
    });

    organizations_studies_lists_visible_studies_by_name => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let (status, body) = get(&app, "/api/v1/organizations/20003/studies", &mary).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, &json!([{"id": "int", "name": "str", "description": "str", "organization": "int", "iconUrl": "str?"}]), "studies");
        assert_eq!(ids(&body), vec![30002, 30001]);
        let peter = token_for(&app, PETER).await;
        let (status, body) = get(&app, "/api/v1/organizations/20003/studies", &peter).await;
        assert_eq!((status, ids(&body)), (200, vec![30002, 30001]));
    });

    organizations_create_makes_the_creator_manager => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let (status, body) = call(&app, Method::POST, "/api/v1/organizations", Some(&mary), Some(json!({
            "name": "Lifespan Sleep Group", "type": "team", "partOf": 20003
        }))).await;
        assert_eq!(status, 201, "{body}");
        assert_shape(&body, &organization_shape(), "organization");
        assert_eq!((body["partOf"].as_i64(), body["currentUserRole"].as_str()), (Some(20003), Some("manager")));
        let id = OrganizationId(body["id"].as_i64().unwrap());
        let members = jhe_store::organizations::memberships_of_organization(&mut conn(&t), id).unwrap();
        assert_eq!(members.len(), 1);
        assert_eq!(members[0].role, jhe_domain::Role::Manager);
        // Top level: superusers only; created below the root.
        let admin = token_for(&app, ADMIN).await;
        let (status, body) = call(&app, Method::POST, "/api/v1/organizations", Some(&admin), Some(json!({"name": "Io Clinic", "type": "prov"}))).await;
        assert_eq!((status, body["partOf"].as_i64()), (201, Some(0)), "{body}");
        let (status, body) = call(&app, Method::POST, "/api/v1/organizations", Some(&mary), Some(json!({"name": "", "type": "root"}))).await;
        assert_eq!(status, 400);
        assert!(body["name"].is_array() && body["type"].is_array(), "{body}");
    });

    organizations_update_renames => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let (status, body) = call(&app, Method::PATCH, "/api/v1/organizations/20003", Some(&mary), Some(json!({"name": "Lifespan Laboratory"}))).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, &organization_shape(), "organization");
        assert_eq!((body["name"].as_str(), body["type"].as_str()), (Some("Lifespan Laboratory"), Some("laboratory")));
        let (status, body) = call(&app, Method::PUT, "/api/v1/organizations/20003", Some(&mary), Some(json!({"name": "Lab", "type": "team", "partOf": 20002}))).await;
        assert_eq!((status, body["type"].as_str()), (200, Some("team")), "{body}");
        let (status, body) = call(&app, Method::PATCH, "/api/v1/organizations/20003", Some(&mary), Some(json!({"partOf": 20001}))).await;
        assert_eq!(status, 400, "re-parenting is refused: {body}");
    });

    organizations_delete_removes_the_subtree_and_records_consents => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mark = token_for(&app, "manager_mark@example.com").await;
        let (status, _) = call(&app, Method::DELETE, "/api/v1/organizations/20008", Some(&mark), None).await;
        assert_eq!(status, 204);
        assert!(jhe_store::organizations::get_organization(&mut conn(&t), OrganizationId(20008)).is_err());
        // Paul's and Pat's oxygen consents in study 30005 ended with it, and the history says so.
        let history = jhe_store::consents::consent_history_of_patient(&mut conn(&t), PatientId(40004)).unwrap();
        let last = history.last().unwrap();
        assert_eq!((last.study_id.get(), last.to_state), (30005, None));
        assert_eq!(audit_events(&t, "organization.delete").len(), 1);
    });

    organizations_user_gives_a_practitioner_a_role => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let shape = json!({
            "id": "int",
            "organization": {"id": "int", "name": "str", "type": "str", "lastUpdated": "str", "partOf": "int?"},
            "practitioner": {
                "id": "int", "identifier": "str?", "nameFamily": "str?", "nameGiven": "str?", "lastUpdated": "str",
                "settings": "any", "jheUser": "int", "organizations": ["int"]
            },
            "role": "str"
        });
        let (status, body) = call(&app, Method::POST, "/api/v1/organizations/20003/user", Some(&mary), Some(json!({
            "jhe_user_id": 10008, "organization_partitioner_role": "viewer"
        }))).await;
        assert_eq!(status, 201, "{body}");
        assert_shape(&body, &shape, "membership");
        assert_eq!((body["role"].as_str(), body["practitioner"]["id"].as_i64()), (Some("viewer"), Some(80006)));
        let (status, body) = call(&app, Method::POST, "/api/v1/organizations/20003/user", Some(&mary), Some(json!({
            "jheUserId": 10008, "organizationPartitionerRole": "member"
        }))).await;
        assert_eq!((status, body["role"].as_str()), (200, Some("member")), "an upsert");
        let (status, body) = call(&app, Method::POST, "/api/v1/organizations/20003/user", Some(&mary), Some(json!({"jhe_user_id": 10006}))).await;
        assert_eq!((status, &body["detail"]), (404, &json!("Practitioner not found.")));
        let (status, _) = call(&app, Method::POST, "/api/v1/organizations/20003/user", Some(&mary), Some(json!({}))).await;
        assert_eq!(status, 400);
    });

    organizations_remove_user_takes_a_role_away => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let (status, _) = call(&app, Method::DELETE, "/api/v1/organizations/20003/remove_user", Some(&mary), Some(json!({"jheUserId": 10005}))).await;
        assert_eq!(status, 204);
        let members = jhe_store::organizations::memberships_of_organization(&mut conn(&t), OrganizationId(20003)).unwrap();
        assert_eq!(members.len(), 3);
        let (status, _) = call(&app, Method::DELETE, "/api/v1/organizations/20003/remove_user?jhe_user_id=10005", Some(&mary), None).await;
        assert_eq!(status, 404, "no longer a member");
    });
}

// ----- practitioners ----------------------------------------------------------------------------------------------

backend_tests! {
    practitioners_list_uses_the_global_page => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let admin = token_for(&app, ADMIN).await;
        let (status, body) = get(&app, "/api/v1/practitioners?page_size=2", &admin).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, &page_shape(practitioner_shape()), "practitioners");
        assert_eq!(ids(&body), vec![80001, 80002, 80003, 80004, 80005, 80006], "page_size is ignored");
    });

    practitioners_get_reads_one => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let admin = token_for(&app, ADMIN).await;
        let (status, body) = get(&app, "/api/v1/practitioners/80002", &admin).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, &practitioner_shape(), "practitioner");
        assert_eq!((body["telecomEmail"].as_str(), ids(&body["organizations"])), (Some(MARY), vec![20001, 20002, 20003]));
    });

    practitioners_create_reuses_or_creates_the_account => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let admin = token_for(&app, ADMIN).await;
        let (status, body) = call(&app, Method::POST, "/api/v1/practitioners", Some(&admin), Some(json!({
            "telecomEmail": "dr_dana@example.com", "nameFamily": "Dana", "nameGiven": "Dr", "organizationId": 20003
        }))).await;
        assert_eq!(status, 201, "{body}");
        assert_shape(&body, &practitioner_shape(), "practitioner");
        assert_eq!(ids(&body["organizations"]), vec![20003]);
        let (status, body) = call(&app, Method::POST, "/api/v1/practitioners", Some(&admin), Some(json!({"telecom_email": "not-an-email"}))).await;
        assert_eq!((status, &body["telecomEmail"][0]), (400, &json!("Enter a valid email address.")));
        let (status, body) = call(&app, Method::POST, "/api/v1/practitioners", Some(&admin), Some(json!({"telecom_email": "x@example.com", "organization_id": 1}))).await;
        assert_eq!((status, &body["organizationId"][0]), (400, &json!("Organization not found.")));
    });

    practitioners_update_changes_names => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let admin = token_for(&app, ADMIN).await;
        let (status, body) = call(&app, Method::PATCH, "/api/v1/practitioners/80004?organizationId=undefined", Some(&admin), Some(json!({"nameFamily": "Deane", "nameGiven": null}))).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, &practitioner_shape(), "practitioner");
        assert_eq!((body["nameFamily"].as_str(), &body["nameGiven"]), (Some("Deane"), &Value::Null));
    });

    practitioners_delete_removes_profile_and_unused_account => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let admin = token_for(&app, ADMIN).await;
        assert_eq!(call(&app, Method::DELETE, "/api/v1/practitioners/80004", Some(&admin), None).await.0, 204);
        assert!(jhe_store::people::get_user(&mut conn(&t), UserId(10004)).is_err());
        assert_eq!(call(&app, Method::DELETE, "/api/v1/practitioners/80004", Some(&admin), None).await.0, 404);
        assert_eq!(call(&app, Method::DELETE, "/api/v1/practitioners/80001", Some(&admin), None).await.0, 403, "not one's own");
    });
}

// ----- patients ---------------------------------------------------------------------------------------------------

backend_tests! {
    patients_list_shows_visible_patients_by_id => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let (status, body) = get(&app, "/api/v1/patients", &mary).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, &page_shape(patient_shape()), "patients");
        assert_eq!(ids(&body), vec![40001, 40002]);
        assert_eq!(body["results"][0]["telecomEmail"], PETER);
        assert_eq!(body["results"][0]["birthDate"].as_str().unwrap().len(), 10);
        let events = audit_events(&t, "patient.list");
        assert_eq!(events[0].patient_ids, vec![PatientId(40001), PatientId(40002)]);
        // A patient sees themself; a superuser without a role sees nobody.
        let peter = token_for(&app, PETER).await;
        assert_eq!(ids(&get(&app, "/api/v1/patients", &peter).await.1), vec![40001]);
        let admin = token_for(&app, ADMIN).await;
        assert_eq!(get(&app, "/api/v1/patients", &admin).await.1["count"], 0);
    });

    patients_list_filters_and_remembers_the_selection => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mark = token_for(&app, "manager_mark@example.com").await;
        let (status, body) = get(&app, "/api/v1/patients?organization_id=20008", &mark).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, &page_shape(patient_shape()), "patients");
        assert_eq!(ids(&body), vec![40004, 40005]);
        assert_eq!(ids(&get(&app, "/api/v1/patients?studyId=30004", &mark).await.1), vec![40003]);
        assert_eq!(ids(&get(&app, "/api/v1/patients?patientId=40005", &mark).await.1), vec![40005]);
        let mary = token_for(&app, MARY).await;
        assert_eq!(ids(&get(&app, "/api/v1/patients?patient_identifier_value=E1234", &mary).await.1), vec![40001]);
        assert_eq!(get(&app, "/api/v1/patients?organizationId=20008", &mary).await.1["count"], 0);
        let (_, profile) = get(&app, "/api/v1/users/profile", &mark).await;
        assert_eq!(profile["settings"], json!({"currentOrganizationId": 20008}), "study forgotten, organization kept");
    });

    patients_list_pages_with_links => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let (status, body) = get(&app, "/api/v1/patients?pageSize=1&page=2", &mary).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, &page_shape(patient_shape()), "patients");
        assert_eq!(body["count"], 2);
        assert_eq!(body["next"], Value::Null);
        assert_eq!(body["previous"], "http://localhost:8000/api/v1/patients?pageSize=1");
        assert_eq!(ids(&body), vec![40002]);
        let (status, body) = get(&app, "/api/v1/patients?pageSize=1&page=3", &mary).await;
        assert_eq!((status, body), (404, json!({"detail": "Invalid page."})));
        assert_eq!(get(&app, "/api/v1/patients?page=abc", &mary).await.0, 404);
    });

    patients_get_reads_one => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let victor = token_for(&app, "viewer_victor@example.com").await;
        let (status, body) = get(&app, "/api/v1/patients/40001", &victor).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, &patient_shape(), "patient");
        assert_eq!(body["identifiers"][1]["value"], "E1234");
        assert_eq!(audit_events(&t, "patient.read")[0].patient_ids, vec![PatientId(40001)]);
        // A role for the patient is needed: Percy is outside Lifespan Lab.
        assert_eq!(get(&app, "/api/v1/patients/40003", &victor).await.0, 403);
        assert_eq!(audit_events(&t, "patient.read")[0].outcome, jhe_domain::AuditOutcome::Denied);
        assert_eq!(get(&app, "/api/v1/patients/49999", &victor).await.0, 404);
    });

    patients_me_reads_the_callers_record => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let peter = token_for(&app, PETER).await;
        let (status, body) = get(&app, "/api/v1/patients/me", &peter).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, &patient_shape(), "patient");
        assert_eq!(body["id"], 40001);
        let mary = token_for(&app, MARY).await;
        assert_eq!(get(&app, "/api/v1/patients/me", &mary).await, (403, json!({"detail": "Current user is not a patient."})));
    });

    patients_create_makes_account_link_and_identifiers_together => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let megan = token_for(&app, MEGAN).await;
        let (status, body) = call(&app, Method::POST, "/api/v1/patients", Some(&megan), Some(json!({
            "organizationId": 20003, "telecom_email": "Quinn.Query@example.com", "nameFamily": "Query",
            "name_given": "Quinn", "birthDate": "1990-04-05", "telecomPhone": "+1-555-0100",
            "identifiers": [{"system": "urn:example:mrn", "value": "Q-1"}]
        }))).await;
        assert_eq!(status, 201, "{body}");
        assert_shape(&body, &patient_shape(), "patient");
        assert_eq!((body["telecomEmail"].as_str(), body["birthDate"].as_str()), (Some("quinn.query@example.com"), Some("1990-04-05")));
        assert_eq!(ids(&body["organizations"]), vec![20003]);
        // The identifier is taken now; nothing of a refused creation is stored.
        let (status, body) = call(&app, Method::POST, "/api/v1/patients", Some(&megan), Some(json!({
            "organization_id": 20003, "telecom_email": "rae@example.com", "identifiers": [{"system": "urn:example:mrn", "value": "Q-1"}]
        }))).await;
        assert_eq!(status, 400);
        assert!(body["identifiers"][0].as_str().unwrap().contains("urn:example:mrn|Q-1"), "{body}");
        assert!(jhe_store::people::find_user_by_email(&mut conn(&t), "rae@example.com").unwrap().is_none());
        let (status, body) = call(&app, Method::POST, "/api/v1/patients", Some(&megan), Some(json!({"organization_id": 20003, "birth_date": "05/04/1990"}))).await;
        assert_eq!(status, 400);
        assert_eq!(body["birthDate"][0], "Enter a valid birth date (YYYY-MM-DD).");
        assert_eq!(body["telecomEmail"][0], "Email is required to create a patient.");
        let (status, body) = call(&app, Method::POST, "/api/v1/patients", Some(&megan), Some(json!({"organization_id": 20003, "telecom_email": PETER}))).await;
        assert_eq!(status, 400);
        assert!(body["telecomEmail"][0].as_str().unwrap().contains("already exists"), "{body}");
    });

    patients_update_changes_demographics_and_replaces_identifiers => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let (status, body) = call(&app, Method::PATCH, "/api/v1/patients/40001?organizationId=20003", Some(&mary), Some(json!({
            "nameGiven": "Pete", "telecom_phone": null, "identifiers": [{"system": "urn:oid:1.2.3.4", "value": "E1234"}]
        }))).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, &patient_shape(), "patient");
        assert_eq!((body["nameGiven"].as_str(), &body["telecomPhone"]), (Some("Pete"), &Value::Null));
        assert_eq!(body["identifiers"].as_array().unwrap().len(), 1);
        assert_eq!(body["nameFamily"], "Nakamura", "untouched");
        // G7: not through an organization the patient does not belong to.
        let mark = token_for(&app, "manager_mark@example.com").await;
        let (status, body) = call(&app, Method::PATCH, "/api/v1/patients/40003?organization_id=20008", Some(&mark), Some(json!({"nameGiven": "X"}))).await;
        assert_eq!(status, 403, "{body}");
    });

    patients_delete_removes_from_an_organization_then_deletes => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mark = token_for(&app, "manager_mark@example.com").await;
        // Pat belongs to 20006 and 20008: leaving 20008 ends her enrolment in 30005 only.
        let (status, _) = call(&app, Method::DELETE, "/api/v1/patients/40005?organization_id=20008", Some(&mark), None).await;
        assert_eq!(status, 204);
        let enrolments = jhe_store::studies::enrolments_of_patient(&mut conn(&t), PatientId(40005)).unwrap();
        assert_eq!(enrolments.iter().map(|e| e.study_id.get()).collect::<Vec<_>>(), vec![30003]);
        // Leaving her last organization deletes her, with her account.
        let (status, _) = call(&app, Method::DELETE, "/api/v1/patients/40005?organizationId=20006", Some(&mark), None).await;
        assert_eq!(status, 204);
        assert!(jhe_store::people::get_patient(&mut conn(&t), PatientId(40005)).is_err());
        assert!(jhe_store::people::get_user(&mut conn(&t), UserId(10011)).is_err());
        let (status, body) = call(&app, Method::DELETE, "/api/v1/patients/40004", Some(&mark), None).await;
        assert_eq!((status, body["organizationId"].is_array()), (400, true));
    });

    patients_global_lookup_finds_by_email => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mark = token_for(&app, "manager_mark@example.com").await;
        let (status, body) = get(&app, "/api/v1/patients/global_lookup?email=ll_patient_peter@example.com", &mark).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, &json!([patient_shape()]), "patients");
        assert_eq!(ids(&body), vec![40001]);
        assert_eq!(audit_events(&t, "patient.lookup")[0].patient_ids, vec![PatientId(40001)]);
        assert_eq!(get(&app, "/api/v1/patients/global_lookup", &mark).await.0, 400);
    });

    patients_global_add_organization_links_a_patient => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mark = token_for(&app, "manager_mark@example.com").await;
        let (status, body) = call(&app, Method::PATCH, "/api/v1/patients/40001/global_add_organization?organizationId=20007", Some(&mark), None).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, &patient_shape(), "patient");
        assert_eq!(ids(&body["organizations"]), vec![20003, 20007]);
        let (status, body) = call(&app, Method::PATCH, "/api/v1/patients/40001/global_add_organization?organization_id=20007", Some(&mark), None).await;
        assert_eq!(status, 400);
        assert_eq!(body["organizationId"][0], "This patient is already a member of this organization.");
    });

    patients_consolidated_clients_lists_the_apps_of_their_studies => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let (status, body) = get(&app, "/api/v1/patients/40001/consolidated_clients", &mary).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, &json!([{
            "id": "int", "name": "str", "clientId": "str", "invitationUrl": "str?",
            "patientInvitations": [{"id": "int", "patientId": "int", "client_id": "int", "status": "str", "lastUpdated": "str"}]
        }]), "clients");
        let names: Vec<&str> = body.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(names, vec!["CareX", "Patient Access"]);
        assert!(body[0]["invitationUrl"].as_str().unwrap().contains("CODE"));
    });
}

// ----- consents ---------------------------------------------------------------------------------------------------

fn consent_view_shape() -> Value {
    let scope = json!({"code": scope_code_shape(), "consented": "bool?", "consentedTime": "str?"});
    let study = |key: &str| {
        let mut s = json!({
            "id": "int", "name": "str", "description": "str",
            "organization": {"id": "int", "name": "str", "type": "str"},
            "dataSources": [{"id": "int", "name": "str", "type": "str", "supportedScopes": [scope_code_shape()]}]
        });
        s[key] = json!([scope.clone()]);
        s
    };
    json!({
        "patient": patient_shape(),
        "consolidatedConsentedScopes": [scope_code_shape()],
        "studiesPendingConsent": [study("pendingScopeConsents")],
        "studies": [study("scopeConsents")]
    })
}

backend_tests! {
    consents_view_splits_pending_and_answered => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let (status, body) = get(&app, "/api/v1/patients/40001/consents", &mary).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, &consent_view_shape(), "consents");
        assert_eq!(ids(&body["studiesPendingConsent"]), vec![30002]);
        assert_eq!(ids(&body["studies"]), vec![30001]);
        assert_eq!(body["studies"][0]["scopeConsents"][0]["consented"], true);
        assert_eq!(body["studiesPendingConsent"][0]["pendingScopeConsents"][0]["consented"], Value::Null);
        let codes: Vec<&str> = body["consolidatedConsentedScopes"].as_array().unwrap().iter().map(|c| c["codingCode"].as_str().unwrap()).collect();
        assert_eq!(codes, vec![BP, HR, "QuestionnaireResponse"]);
        assert_eq!(audit_events(&t, "consent.read")[0].patient_ids, vec![PatientId(40001)]);
        // The patient sees the same view; a superuser without a role does not.
        let peter = token_for(&app, PETER).await;
        let (status, own) = get(&app, "/api/v1/patients/40001/consents", &peter).await;
        assert_eq!((status, &own["studies"]), (200, &body["studies"]));
        let admin = token_for(&app, ADMIN).await;
        assert_eq!(get(&app, "/api/v1/patients/40001/consents", &admin).await.0, 403);
        // G11: no reset.
        let (status, body) = get(&app, "/api/v1/patients/40001/consents?reset=true", &peter).await;
        assert_eq!(status, 400, "{body}");
        assert!(body["reset"].is_array());
    });

    consents_post_grants_and_refuses_duplicates => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let peter = token_for(&app, PETER).await;
        let (status, body) = call(&app, Method::POST, "/api/v1/patients/40001/consents", Some(&peter), Some(consent_body(30002, BP, Some(true)))).await;
        assert_eq!(status, 201, "{body}");
        assert_shape(&body, &json!({"studyScopeConsents": [{
            "id": "int", "studyPatient": {"id": "int", "study": "int", "patient": "int"},
            "scopeCode": scope_code_shape(), "consented": "bool", "consentedTime": "str"
        }]}), "written");
        assert_eq!(body["studyScopeConsents"][0]["consented"], true);
        // A second POST for the same scope: 409, use PATCH.
        let (status, body) = call(&app, Method::POST, "/api/v1/patients/40001/consents", Some(&peter), Some(consent_body(30002, BP, Some(false)))).await;
        assert_eq!(status, 409, "{body}");
        // Camel case works as well; `consented: false` on a pending scope declines it.
        let camel = json!({"studyScopeConsents": [{"studyId": 30002, "scopeConsents": [{"codingSystem": "http://hl7.org/fhir/resource-types", "codingCode": "QuestionnaireResponse", "consented": false}]}]});
        let (status, body) = call(&app, Method::POST, "/api/v1/patients/40001/consents", Some(&peter), Some(camel)).await;
        assert_eq!((status, &body["studyScopeConsents"][0]["consented"]), (201, &json!(false)), "{body}");
    });

    consents_post_refuses_what_cannot_be_consented => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let peter = token_for(&app, PETER).await;
        let post = |body: Value| call(&app, Method::POST, "/api/v1/patients/40001/consents", Some(&peter), Some(body));
        // G13: study 30002 does not ask for heart rate.
        let (status, body) = post(consent_body(30002, HR, Some(true))).await;
        assert_eq!(status, 400, "{body}");
        assert!(body["studyScopeConsents"][0].as_str().unwrap().contains("does not ask for"), "{body}");
        // Not enrolled in 30003.
        let (status, body) = post(consent_body(30003, "omh:blood-glucose:4.0", Some(true))).await;
        assert!(status == 400 && body["studyScopeConsents"][0].as_str().unwrap().contains("not enrolled"), "{body}");
        // Unknown code.
        let (status, body) = post(consent_body(30002, "omh:unknown:1.0", Some(true))).await;
        assert!(status == 400 && body["studyScopeConsents"][0].as_str().unwrap().contains("Unknown scope code"), "{body}");
        // Missing answer, malformed bodies.
        assert_eq!(post(consent_body(30002, BP, None)).await.0, 400);
        let (status, body) = post(json!({"study_scope_consents": "all"})).await;
        assert_eq!((status, body["studyScopeConsents"].is_array()), (400, true), "{body}");
        let (status, body) = post(json!([])).await;
        assert_eq!((status, body["nonFieldErrors"].is_array()), (400, true), "{body}");
        assert_eq!(post(json!({"study_scope_consents": [{"study_id": "x", "scope_consents": []}]})).await.0, 400);
        // Someone else's consents.
        let (status, _) = call(&app, Method::POST, "/api/v1/patients/40002/consents", Some(&peter), Some(consent_body(30002, BP, Some(true)))).await;
        assert_eq!(status, 403);
        let denied = audit_events(&t, "consent.write");
        assert_eq!(denied[0].outcome, jhe_domain::AuditOutcome::Denied);
        // Nothing was stored by any of these.
        let history = jhe_store::consents::consent_history_of_patient(&mut conn(&t), PatientId(40001)).unwrap();
        assert!(history.iter().all(|h| h.study_id.get() != 30002), "{history:?}");
    });

    consents_patch_changes_an_answer_and_needs_one => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let megan = token_for(&app, MEGAN).await;
        let (status, body) = call(&app, Method::PATCH, "/api/v1/patients/40001/consents", Some(&megan), Some(consent_body(30001, HR, Some(false)))).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["studyScopeConsents"][0]["consented"], false);
        let history = jhe_store::consents::consent_history_of_patient(&mut conn(&t), PatientId(40001)).unwrap();
        let last = history.last().unwrap();
        assert_eq!((last.from_state, last.to_state), (Some(jhe_domain::ConsentState::Consented), Some(jhe_domain::ConsentState::Revoked)));
        assert_eq!(last.actor_user_id, Some(UserId(10003)));
        // PATCH of an unanswered scope: 404, use POST.
        let (status, body) = call(&app, Method::PATCH, "/api/v1/patients/40001/consents", Some(&megan), Some(consent_body(30002, BP, Some(true)))).await;
        assert_eq!(status, 404, "{body}");
    });

    consents_delete_withdraws_to_pending => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let peter = token_for(&app, PETER).await;
        let (status, _) = call(&app, Method::DELETE, "/api/v1/patients/40001/consents", Some(&peter), Some(consent_body(30001, HR, None))).await;
        assert_eq!(status, 204);
        let (_, view) = get(&app, "/api/v1/patients/40001/consents", &peter).await;
        let pending: Vec<i64> = ids(&view["studiesPendingConsent"]);
        assert_eq!(pending, vec![30001, 30002]);
        // Repeating it changes nothing and succeeds.
        let (status, _) = call(&app, Method::DELETE, "/api/v1/patients/40001/consents", Some(&peter), Some(consent_body(30001, HR, None))).await;
        assert_eq!(status, 204);
        let history = jhe_store::consents::consent_history_of_patient(&mut conn(&t), PatientId(40001)).unwrap();
        assert_eq!(history.iter().filter(|h| h.to_state.is_none()).count(), 1);
    });

    consents_history_lists_changes_oldest_first => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let peter = token_for(&app, PETER).await;
        call(&app, Method::PATCH, "/api/v1/patients/40001/consents", Some(&peter), Some(consent_body(30001, BP, Some(false)))).await;
        let (status, body) = get(&app, "/api/v1/patients/40001/consents/history?studyId=30001", &peter).await;
        assert_eq!(status, 200, "{body}");
        assert_shape(&body, &page_shape(json!({
            "id": "int", "study": "int", "patient": "int", "scopeCode": scope_code_shape(),
            "fromState": "str?", "toState": "str?", "actorUserId": "int?", "occurredAt": "str"
        })), "history");
        let results = body["results"].as_array().unwrap();
        let last = results.last().unwrap();
        assert_eq!((last["fromState"].as_str(), last["toState"].as_str()), (Some("consented"), Some("revoked")));
        assert_eq!(last["actorUserId"], 10006);
        assert!(results.iter().all(|r| r["study"] == 30001));
    });

    consent_decides_what_practitioners_see_on_the_next_request => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let peter = token_for(&app, PETER).await;
        let mary_user = jhe_store::people::get_user(&mut conn(&t), UserId(10002)).unwrap();
        let mary = jhe_store::facts::principal_for_user(&mut conn(&t), &mary_user, "openid email", None).unwrap().unwrap();
        let visible = || {
            let ids = jhe_store::observations::visible_observation_ids(
                &mut conn(&t),
                &jhe_consent::observation_visibility(&mary),
            )
            .unwrap();
            ids.into_iter()
                .map(|id| jhe_store::observations::get_observation(&mut conn(&t), id).unwrap())
                .filter(|o| o.patient_id == PatientId(40001) && o.scope_code_id == ScopeCodeId(50002))
                .count()
        };
        assert_eq!(visible(), 1, "Peter shares blood pressure through study 30001");
        // Revoke in 30001: 30002 is still pending, so Mary no longer sees it.
        let (status, _) = call(&app, Method::PATCH, "/api/v1/patients/40001/consents", Some(&peter), Some(consent_body(30001, BP, Some(false)))).await;
        assert_eq!(status, 200);
        assert_eq!(visible(), 0, "hidden on the next request");
        // Grant in 30002: visible again, through that study.
        let (status, _) = call(&app, Method::POST, "/api/v1/patients/40001/consents", Some(&peter), Some(consent_body(30002, BP, Some(true)))).await;
        assert_eq!(status, 201);
        assert_eq!(visible(), 1, "visible once granted");
        // Revoke there too: hidden again.
        call(&app, Method::PATCH, "/api/v1/patients/40001/consents", Some(&peter), Some(consent_body(30002, BP, Some(false)))).await;
        assert_eq!(visible(), 0);
        let history = jhe_store::consents::consent_history_of_patient(&mut conn(&t), PatientId(40001)).unwrap();
        let bp: Vec<_> = history
            .iter()
            .filter(|h| h.scope_code_id == ScopeCodeId(50002) && h.actor_user_id == Some(UserId(10006)))
            .map(|h| (h.study_id.get(), h.from_state.map(|s| s.as_str()), h.to_state.map(|s| s.as_str())))
            .collect();
        // The seed's own entries come first.
        assert_eq!(bp[bp.len() - 3..], [
            (30001, Some("consented"), Some("revoked")),
            (30002, None, Some("consented")),
            (30002, Some("consented"), Some("revoked")),
        ]);
    });
}

// ----- robustness and efficiency ----------------------------------------------------------------------------------

backend_tests! {
    malformed_input_is_a_client_error_never_a_server_error => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let raw = |method: Method, uri: &'static str, body: &'static str| {
            let app = &app;
            let mary = &mary;
            async move {
                let response = test::call_service(
                    app,
                    TestRequest::default()
                        .method(method)
                        .uri(uri)
                        .insert_header(bearer(mary))
                        .insert_header(("content-type", "application/json"))
                        .set_payload(body)
                        .to_request(),
                )
                .await;
                response.status().as_u16()
            }
        };
        for (method, uri, body) in [
            (Method::POST, "/api/v1/patients", "{not json"),
            (Method::POST, "/api/v1/patients", "[1,2,3]"),
            (Method::POST, "/api/v1/patients", r#"{"organization_id": "twenty", "telecom_email": 5}"#),
            (Method::POST, "/api/v1/patients", r#"{"organization_id": 20003, "telecom_email": "a@b.co", "identifiers": {"system": "x"}}"#),
            (Method::PATCH, "/api/v1/patients/40001", r#"{"birth_date": "1990-13-45"}"#),
            (Method::PATCH, "/api/v1/patients/40001", r#"{"name_family": 12}"#),
            (Method::POST, "/api/v1/organizations", r#"{"name": ["x"], "type": "lab"}"#),
            (Method::POST, "/api/v1/organizations", r#"{"name": "x", "type": "team", "part_of": 123456789}"#),
            (Method::POST, "/api/v1/organizations/20003/user", r#"{"jhe_user_id": 10008, "role": "owner"}"#),
            (Method::PATCH, "/api/v1/users/10002", r#"{"email": "not an email"}"#),
            (Method::POST, "/api/v1/patients/40001/consents", r#"{"study_scope_consents": [{"study_id": 1e99}]}"#),
            (Method::POST, "/api/v1/patients/40001/consents", "\u{0}"),
        ] {
            let status = raw(method.clone(), uri, body).await;
            assert_eq!(status, 400, "{method} {uri} {body}");
        }
        for uri in ["/api/v1/patients?organization_id=abc", "/api/v1/patients?page_size=-4", "/api/v1/organizations/99999999999999999999"] {
            let status = get(&app, uri, &mary).await.0;
            assert!((200..500).contains(&status), "{uri}: {status}");
        }
    });

    list_endpoints_cost_the_same_number_of_queries_at_any_page_size => |backend| actix_web::rt::System::new().block_on(async move {
        let t = TestApp::new(backend);
        {
            let mut conn = conn(&t);
            for i in 0..30 {
                jhe_store::patient_records::create_patient_record(
                    &mut conn,
                    &jhe_store::patient_records::NewPatientRecord {
                        organization: OrganizationId(20003),
                        email: format!("bulk{i}@example.com"),
                        name_family: Some(format!("Bulk{i}")),
                        name_given: None,
                        birth_date: None,
                        telecom_phone: None,
                        identifiers: vec![Identifier { system: "urn:example:bulk".into(), value: i.to_string() }],
                    },
                    chrono::Utc::now(),
                )
                .unwrap();
            }
        }
        let app = t.service().await;
        let mary = token_for(&app, MARY).await;
        let admin = token_for(&app, ADMIN).await;
        let counter = QueryCounter::install(&t.state.pool);
        for (uri, token, rows) in [
            ("/api/v1/patients?organization_id=20003&page_size=", &mary, 32),
            ("/api/v1/organizations?page_size=", &admin, 9),
            ("/api/v1/users?page_size=", &admin, 41),
        ] {
            // A first request settles the web UI's remembered selection (a write only when it changes).
            get(&app, &format!("{uri}1"), token).await;
            counter.reset();
            let (status, small) = get(&app, &format!("{uri}1"), token).await;
            assert_eq!((status, small["results"].as_array().unwrap().len()), (200, 1), "{uri}");
            let at_one = counter.statements();
            counter.reset();
            let (status, big) = get(&app, &format!("{uri}100"), token).await;
            assert_eq!((status, big["results"].as_array().unwrap().len()), (200, rows), "{uri}");
            let at_hundred = counter.statements();
            assert!(!at_one.is_empty());
            assert_eq!(at_one.len(), at_hundred.len(), "{uri}:\n{at_one:#?}\n{at_hundred:#?}");
        }
    });
}
