//! The demo seed matches the reference's data set and is idempotent.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failed assertion

use chrono::{TimeZone, Utc};
use diesel::prelude::*;
use jhe_domain::*;
use jhe_store::seed::{SeedInputs, SeedReport, seed_demo};
use jhe_store::testing::TestDb;
use jhe_store::*;

fn run_seed(conn: &mut DbConnection) -> SeedReport {
    let mut n = 0u32;
    let mut hash = || "$argon2id$v=19$m=19456,t=2,p=1$dGVzdHNhbHQ$dGVzdGhhc2g".to_owned();
    let mut client_id = || {
        n += 1;
        format!("{n:0>40}")
    };
    let mut uuid_n = 0u32;
    let mut uuid = || {
        uuid_n += 1;
        format!("00000000-0000-4000-8000-{uuid_n:012}")
    };
    let mut inputs = SeedInputs {
        now: Utc.with_ymd_and_hms(2026, 2, 1, 12, 0, 0).unwrap(),
        site_url: "http://localhost:8000",
        hash_demo_password: &mut hash,
        random_client_id: &mut client_id,
        random_uuid: &mut uuid,
    };
    seed_demo(conn, &mut inputs).unwrap()
}

fn count(conn: &mut DbConnection, table: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .get_result::<N>(conn)
        .unwrap()
        .n
}

const TABLES: &[&str] = &[
    "users",
    "practitioners",
    "patients",
    "patient_identifiers",
    "organizations",
    "practitioner_organizations",
    "patient_organizations",
    "codeable_concepts",
    "studies",
    "study_patients",
    "study_scope_requests",
    "consents",
    "consent_history",
    "data_sources",
    "data_source_supported_scopes",
    "study_data_sources",
    "oauth_clients",
    "patient_clients",
    "client_data_sources",
    "study_clients",
    "settings",
    "observations",
];

backend_tests! {
    seed_creates_the_reference_data_set => |backend| {
        let (_db, pool) = TestDb::migrated(backend);
        let conn = &mut pool.get().unwrap();
        let report = run_seed(conn);
        assert_eq!((report.users, report.organizations, report.studies, report.observations), (11, 9, 5, 9));

        assert_eq!(count(conn, "users"), 11);
        let admin = people::find_user_by_email(conn, "admin@example.com").unwrap().unwrap();
        assert_eq!(admin.id, UserId(10001));
        assert!(admin.is_superuser);
        let mary = people::find_user_by_email(conn, "manager_mary@example.com").unwrap().unwrap();
        assert_eq!((mary.id, mary.first_name.as_str(), mary.identifier.as_str()), (UserId(10002), "ManagerMary", "fhir-222"));
        let pat = people::find_user_by_email(conn, "ccl_cardio_patient_pat@example.com").unwrap().unwrap();
        assert_eq!((pat.id, pat.first_name.as_str()), (UserId(10011), "CclCardioPatientPat"));
        assert_eq!(people::patient_of_user(conn, pat.id).unwrap().unwrap().id, PatientId(40005));
        assert_eq!(people::practitioner_of_user(conn, UserId(10008)).unwrap().unwrap().id, PractitionerId(80006));

        let tree: Vec<(i64, Option<i64>)> = organizations::all_organizations(conn).unwrap()
            .into_iter().map(|o| (o.id.get(), o.part_of.map(OrganizationId::get))).collect();
        assert_eq!(tree, vec![
            (0, None), (20001, Some(0)), (20002, Some(20001)), (20003, Some(20002)), (20004, Some(0)),
            (20005, Some(20004)), (20006, Some(20005)), (20007, Some(20006)), (20008, Some(20006)),
        ]);
        assert_eq!(organizations::get_organization(conn, OrganizationId(20003)).unwrap().org_type, OrganizationType::Laboratory);

        let roles = |p: i64| -> Vec<(i64, Role)> {
            organizations::memberships_of_practitioner(&mut pool.get().unwrap(), PractitionerId(p)).unwrap()
                .into_iter().map(|m| (m.organization_id.get(), m.role)).collect()
        };
        assert_eq!(roles(80001), vec![]);
        assert_eq!(roles(80002), vec![(20001, Role::Manager), (20002, Role::Manager), (20003, Role::Manager)]);
        assert_eq!(roles(80003), vec![(20003, Role::Member)]);
        assert_eq!(roles(80004), vec![(20003, Role::Viewer)]);
        assert_eq!(roles(80005), vec![(20003, Role::Viewer), (20007, Role::Member), (20008, Role::Manager)]);
        assert_eq!(roles(80006), vec![(20004, Role::Manager), (20005, Role::Manager), (20006, Role::Manager), (20007, Role::Manager)]);
        assert_eq!(organizations::organizations_of_patient(conn, PatientId(40005)).unwrap(), vec![OrganizationId(20006), OrganizationId(20008)]);

        let scopes = |s: i64| -> Vec<i64> {
            studies::scope_requests_of_study(&mut pool.get().unwrap(), StudyId(s)).unwrap().into_iter().map(|r| r.scope_code_id.get()).collect()
        };
        assert_eq!(scopes(30001), vec![50002, 50004, 50011]);
        assert_eq!(scopes(30002), vec![50002, 50011]);
        assert_eq!(scopes(30003), vec![50001]);
        assert_eq!(scopes(30004), vec![50003]);
        assert_eq!(scopes(30005), vec![50005]);
        assert_eq!(studies::get_study(conn, StudyId(30003)).unwrap().organization_id, OrganizationId(20006));

        assert_eq!(count(conn, "patients"), 5);
        assert_eq!(count(conn, "study_patients"), 8);
        let enrolment = studies::find_enrolment(conn, StudyId(30002), PatientId(40001)).unwrap().unwrap();
        assert_eq!(consents::find_consent(conn, enrolment.id, ScopeCodeId(50002)).unwrap(), None, "Peter's 30002 consent is pending");
        let peter: Vec<(i64, ConsentState)> = consents::consents_of_patient(conn, PatientId(40001)).unwrap()
            .into_iter().map(|c| (c.scope_code_id.get(), c.state)).collect();
        assert_eq!(peter, vec![(50002, ConsentState::Consented), (50004, ConsentState::Consented), (50011, ConsentState::Consented)]);
        assert_eq!(count(conn, "consents"), 12);
        assert_eq!(count(conn, "consent_history"), 12);
        assert_eq!(people::patient_identifiers(conn, PatientId(40001)).unwrap().len(), 2);

        assert_eq!(count(conn, "codeable_concepts"), 16);
        assert_eq!(count(conn, "data_sources"), 6);
        assert_eq!(data_sources::supported_scopes(conn, DataSourceId(70001)).unwrap(), vec![ScopeCodeId(50002), ScopeCodeId(50004)]);
        let carex = clients::find_client_by_name(conn, "CareX").unwrap().unwrap();
        assert_eq!(carex.client_id.len(), 40);
        assert_eq!(carex.redirect_uris, vec!["http://localhost:8000/auth/callback".to_owned()]);
        assert_eq!(clients::find_patient_client(conn, carex.id).unwrap().unwrap().invitation_url, "https://carex.ai/invitation/CODE");
        let jupyter = clients::find_client_by_client_id(conn, "jupyter-smart-on-fhir").unwrap().unwrap();
        assert_eq!(jupyter.redirect_uris, vec!["http://localhost:8888/smart-on-fhir/callback".to_owned()]);
        assert_eq!(jupyter.client_type, ClientType::Public);
        assert!(clients::find_client_by_client_id(conn, "jhe-admin-ui").unwrap().is_some());

        assert_eq!(count(conn, "observations"), 9);
        let bp = observations::get_observation(conn, ObservationId(60003)).unwrap();
        assert_eq!((bp.patient_id, bp.scope_code_id), (PatientId(40001), ScopeCodeId(50002)));
        assert!(bp.omh_data.contains(r#""name":"blood-pressure""#) && bp.omh_data.contains("systolic_blood_pressure"));
        assert!(bp.effective.is_some());
        let pat_bg = observations::get_observation(conn, ObservationId(60006)).unwrap();
        assert_eq!((pat_bg.patient_id, pat_bg.scope_code_id), (PatientId(40005), ScopeCodeId(50001)));
    };

    seeding_twice_changes_nothing => |backend| {
        let (_db, pool) = TestDb::migrated(backend);
        let conn = &mut pool.get().unwrap();
        run_seed(conn);
        let before: Vec<i64> = TABLES.iter().map(|t| count(conn, t)).collect();
        let second = run_seed(conn);
        assert!(!second.created_anything(), "{second:?}");
        let after: Vec<i64> = TABLES.iter().map(|t| count(conn, t)).collect();
        assert_eq!(before, after);
    };

    ids_continue_after_the_seeded_ranges => |backend| {
        let (_db, pool) = TestDb::migrated(backend);
        let conn = &mut pool.get().unwrap();
        run_seed(conn);
        let user = people::create_user(conn, &NewUser {
            id: None, email: "new@example.org".into(), password_hash: None, first_name: String::new(),
            last_name: String::new(), identifier: String::new(), user_type: None, is_superuser: false,
        }, Utc::now()).unwrap();
        assert_eq!(user.id, UserId(10012));
        let study = studies::create_study(conn, &NewStudy {
            id: None, name: "n".into(), description: "d".into(), organization_id: OrganizationId(20003), icon_url: None,
        }, Utc::now()).unwrap();
        assert_eq!(study.id, StudyId(30006));
    };
}
