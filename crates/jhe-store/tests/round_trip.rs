//! Every table written and read back on each backend, and constraint violations arriving as typed errors.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failed assertion

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use diesel::Connection as _;
use jhe_domain::*;
use jhe_store::testing::TestDb;
use jhe_store::*;

fn at(h: u32, m: u32) -> DateTime<Utc> {
    // Microsecond precision is what both backends keep; the store truncates anything finer.
    Utc.with_ymd_and_hms(2026, 3, 14, h, m, 0).unwrap() + chrono::TimeDelta::microseconds(123_456)
}

fn new_user(email: &str, user_type: UserType) -> NewUser {
    NewUser {
        id: None,
        email: email.into(),
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        first_name: "Ada".into(),
        last_name: "Okafor".into(),
        identifier: "ext-1".into(),
        user_type: Some(user_type),
        is_superuser: false,
    }
}

/// A small world: an organization with a practitioner, a patient, a study and a scope code.
struct World {
    org: Organization,
    practitioner: Practitioner,
    patient: Patient,
    study: Study,
    code: ScopeCode,
    source: DataSource,
}

fn world(conn: &mut DbConnection) -> World {
    let now = at(9, 0);
    let org = organizations::create_organization(
        conn,
        &NewOrganization {
            id: None,
            name: "Harbor Clinic".into(),
            org_type: OrganizationType::Provider,
            part_of: None,
        },
        now,
    )
    .unwrap();
    let pr_user =
        people::create_user(conn, &new_user("dr.lee@example.org", UserType::Practitioner), now).unwrap();
    let practitioner = people::create_practitioner(
        conn,
        &NewPractitioner {
            id: None,
            user_id: pr_user.id,
            identifier: Some("npi-77".into()),
            name_family: Some("Lee".into()),
            name_given: Some("Jo".into()),
        },
        now,
    )
    .unwrap();
    let pa_user = people::create_user(conn, &new_user("sam@example.org", UserType::Patient), now).unwrap();
    let patient = people::create_patient(
        conn,
        &NewPatient {
            id: None,
            user_id: Some(pa_user.id),
            name_family: Some("Rivera".into()),
            name_given: Some("Sam".into()),
            birth_date: NaiveDate::from_ymd_opt(1990, 5, 17),
            telecom_phone: Some("+1-555-010-2000".into()),
        },
        now,
    )
    .unwrap();
    let study = studies::create_study(
        conn,
        &NewStudy {
            id: None,
            name: "Sleep and glucose".into(),
            description: "Nightly glucose in shift workers".into(),
            organization_id: org.id,
            icon_url: Some("https://example.org/icon.png".into()),
        },
        now,
    )
    .unwrap();
    let code = vocabulary::create_scope_code(
        conn,
        &NewScopeCode {
            id: None,
            coding_system: OMH_CODING_SYSTEM.into(),
            coding_code: "omh:blood-glucose:4.0".into(),
            text: "Blood glucose".into(),
        },
    )
    .unwrap();
    let source = data_sources::create_data_source(
        conn,
        &NewDataSource {
            id: None,
            name: "GlucoBand".into(),
            source_type: DataSourceType::PersonalDevice,
        },
        now,
    )
    .unwrap();
    World {
        org,
        practitioner,
        patient,
        study,
        code,
        source,
    }
}

backend_tests! {
    users_round_trip => |backend| {
        let (_db, pool) = TestDb::migrated(backend);
        let conn = &mut pool.get().unwrap();
        let created = people::create_user(conn, &new_user("ada@example.org", UserType::Practitioner), at(8, 30)).unwrap();
        assert!(created.id.get() >= 10001, "user ids start at 10001, got {}", created.id);
        assert_eq!(created.date_joined, at(8, 30));
        assert_eq!(people::get_user(conn, created.id).unwrap(), created);
        assert_eq!(people::find_user_by_email(conn, "ada@example.org").unwrap(), Some(created.clone()));
        assert_eq!(people::find_user_by_email(conn, "nobody@example.org").unwrap(), None);
        people::set_password_hash(conn, created.id, "new-hash").unwrap();
        assert_eq!(people::get_user(conn, created.id).unwrap().password_hash.as_deref(), Some("new-hash"));
        let fixed = people::create_user(conn, &NewUser { id: Some(UserId(10500)), ..new_user("b@example.org", UserType::Patient) }, at(8, 31)).unwrap();
        assert_eq!(fixed.id, UserId(10500));
        assert_eq!(fixed.user_type, Some(UserType::Patient));
        people::delete_user(conn, fixed.id).unwrap();
        assert!(matches!(people::get_user(conn, fixed.id), Err(StoreError::NotFound)));
    };

    practitioners_patients_and_identifiers_round_trip => |backend| {
        let (_db, pool) = TestDb::migrated(backend);
        let conn = &mut pool.get().unwrap();
        let w = world(conn);
        assert!(w.practitioner.id.get() >= 80001);
        assert_eq!(people::get_practitioner(conn, w.practitioner.id).unwrap(), w.practitioner);
        assert_eq!(people::practitioner_of_user(conn, w.practitioner.user_id).unwrap(), Some(w.practitioner.clone()));
        people::set_practitioner_settings(conn, w.practitioner.id, r#"{"current_study_id":1}"#, at(10, 0)).unwrap();
        assert_eq!(people::get_practitioner(conn, w.practitioner.id).unwrap().settings_json, r#"{"current_study_id":1}"#);

        assert!(w.patient.id.get() >= 40001);
        assert_eq!(people::get_patient(conn, w.patient.id).unwrap(), w.patient);
        assert_eq!(people::patient_of_user(conn, w.patient.user_id.unwrap()).unwrap(), Some(w.patient.clone()));
        let ident = Identifier { system: "urn:oid:2.16.840.1".into(), value: "MRN-0042".into() };
        let stored = people::add_patient_identifier(conn, w.patient.id, &ident).unwrap();
        assert_eq!((stored.system.as_str(), stored.value.as_str()), ("urn:oid:2.16.840.1", "MRN-0042"));
        assert_eq!(people::patient_identifiers(conn, w.patient.id).unwrap(), vec![stored]);
        assert_eq!(people::find_patient_by_identifier(conn, &ident).unwrap(), Some(w.patient.id));
    };

    organizations_memberships_and_patient_links_round_trip => |backend| {
        let (_db, pool) = TestDb::migrated(backend);
        let conn = &mut pool.get().unwrap();
        let w = world(conn);
        assert_eq!(organizations::get_organization(conn, w.org.id).unwrap(), w.org);
        let child = organizations::create_organization(
            conn,
            &NewOrganization { id: None, name: "Night Lab".into(), org_type: OrganizationType::Laboratory, part_of: Some(w.org.id) },
            at(9, 5),
        ).unwrap();
        assert_eq!(organizations::child_organizations(conn, w.org.id).unwrap(), vec![child.clone()]);
        let renamed = organizations::update_organization(conn, child.id, "Sleep Lab", OrganizationType::Team, at(9, 6)).unwrap();
        assert_eq!((renamed.name.as_str(), renamed.org_type), ("Sleep Lab", OrganizationType::Team));

        let m = Membership { practitioner_id: w.practitioner.id, organization_id: w.org.id, role: Role::Viewer };
        organizations::set_membership(conn, m).unwrap();
        organizations::set_membership(conn, Membership { role: Role::Manager, ..m }).unwrap();
        assert_eq!(organizations::memberships_of_practitioner(conn, w.practitioner.id).unwrap(), vec![Membership { role: Role::Manager, ..m }]);
        assert_eq!(organizations::memberships_of_organization(conn, w.org.id).unwrap().len(), 1);

        let link = PatientOrganization { patient_id: w.patient.id, organization_id: child.id };
        organizations::link_patient(conn, link).unwrap();
        assert_eq!(organizations::organizations_of_patient(conn, w.patient.id).unwrap(), vec![child.id]);

        // Deleting the parent takes the subtree and its links with it; the patient survives.
        organizations::delete_organization(conn, w.org.id).unwrap();
        assert!(matches!(organizations::get_organization(conn, child.id), Err(StoreError::NotFound)));
        assert!(organizations::organizations_of_patient(conn, w.patient.id).unwrap().is_empty());
        assert!(organizations::memberships_of_practitioner(conn, w.practitioner.id).unwrap().is_empty());
        assert_eq!(people::get_patient(conn, w.patient.id).unwrap().id, w.patient.id);
    };

    studies_scope_requests_enrolments_and_links_round_trip => |backend| {
        let (_db, pool) = TestDb::migrated(backend);
        let conn = &mut pool.get().unwrap();
        let w = world(conn);
        assert!(w.study.id.get() >= 30001);
        assert_eq!(studies::get_study(conn, w.study.id).unwrap(), w.study);
        assert_eq!(studies::studies_of_organization(conn, w.org.id).unwrap(), vec![w.study.clone()]);
        assert!(w.code.id.get() >= 50001);
        assert_eq!(vocabulary::get_scope_code(conn, w.code.id).unwrap(), w.code);
        assert_eq!(vocabulary::find_scope_code(conn, OMH_CODING_SYSTEM, "omh:blood-glucose:4.0").unwrap(), Some(w.code.clone()));
        assert_eq!(vocabulary::all_scope_codes(conn).unwrap(), vec![w.code.clone()]);

        let request = studies::add_scope_request(conn, w.study.id, w.code.id).unwrap();
        assert_eq!((request.study_id, request.scope_code_id, request.scope_actions.as_str()), (w.study.id, w.code.id, "rs"));
        assert_eq!(studies::scope_requests_of_study(conn, w.study.id).unwrap(), vec![request]);

        let enrolment = studies::enrol_patient(conn, w.study.id, w.patient.id).unwrap();
        assert_eq!(studies::find_enrolment(conn, w.study.id, w.patient.id).unwrap(), Some(enrolment));
        assert_eq!(studies::enrolments_of_patient(conn, w.patient.id).unwrap(), vec![enrolment]);
        assert_eq!(studies::enrolments_of_study(conn, w.study.id).unwrap(), vec![enrolment]);

        assert!(w.source.id.get() >= 70001);
        assert_eq!(data_sources::get_data_source(conn, w.source.id).unwrap(), w.source);
        data_sources::add_supported_scope(conn, w.source.id, w.code.id).unwrap();
        assert_eq!(data_sources::supported_scopes(conn, w.source.id).unwrap(), vec![w.code.id]);
        studies::add_study_data_source(conn, w.study.id, w.source.id).unwrap();
        assert_eq!(studies::data_sources_of_study(conn, w.study.id).unwrap(), vec![w.source.id]);

        studies::remove_scope_request(conn, w.study.id, w.code.id).unwrap();
        assert!(studies::scope_requests_of_study(conn, w.study.id).unwrap().is_empty());
        studies::unenrol_patient(conn, w.study.id, w.patient.id).unwrap();
        assert_eq!(studies::find_enrolment(conn, w.study.id, w.patient.id).unwrap(), None);
    };

    consents_and_history_round_trip => |backend| {
        let (_db, pool) = TestDb::migrated(backend);
        let conn = &mut pool.get().unwrap();
        let w = world(conn);
        studies::add_scope_request(conn, w.study.id, w.code.id).unwrap();
        let enrolment = studies::enrol_patient(conn, w.study.id, w.patient.id).unwrap();
        let consent = consents::insert_consent(conn, &NewConsent {
            enrolment_id: enrolment.id, scope_code_id: w.code.id, state: ConsentState::Consented, decided_at: at(11, 0),
        }).unwrap();
        assert_eq!(consent.state, ConsentState::Consented);
        assert_eq!(consent.decided_at, at(11, 0));
        assert_eq!(consents::find_consent(conn, enrolment.id, w.code.id).unwrap(), Some(consent.clone()));
        let revoked = consents::update_consent(conn, consent.id, ConsentState::Revoked, at(12, 0)).unwrap();
        assert_eq!((revoked.state, revoked.decided_at), (ConsentState::Revoked, at(12, 0)));
        assert_eq!(consents::consents_of_patient(conn, w.patient.id).unwrap(), vec![revoked.clone()]);

        let entry = consents::append_consent_history(conn, &NewConsentHistoryEntry {
            study_id: w.study.id, patient_id: w.patient.id, scope_code_id: w.code.id,
            from_state: Some(ConsentState::Consented), to_state: Some(ConsentState::Revoked),
            actor_user_id: w.patient.user_id, occurred_at: at(12, 0),
        }).unwrap();
        consents::delete_consent(conn, revoked.id).unwrap();
        assert_eq!(consents::find_consent(conn, enrolment.id, w.code.id).unwrap(), None);
        // History outlives the study it describes.
        studies::delete_study(conn, w.study.id).unwrap();
        assert_eq!(consents::consent_history_of_patient(conn, w.patient.id).unwrap(), vec![entry]);
    };

    clients_invitations_and_settings_round_trip => |backend| {
        let (_db, pool) = TestDb::migrated(backend);
        let conn = &mut pool.get().unwrap();
        let w = world(conn);
        let client = clients::create_client(conn, &NewOAuthClient {
            id: None,
            client_id: "pocket-app".into(),
            client_secret_hash: None,
            client_type: ClientType::Public,
            grant_type: GrantType::AuthorizationCode,
            redirect_uris: vec!["https://app.example.org/cb".into(), "http://localhost:9000/cb".into()],
            post_logout_redirect_uris: vec![],
            allowed_origins: vec!["https://app.example.org".into()],
            skip_authorization: true,
            name: "Pocket".into(),
            owner_user_id: None,
        }, at(9, 0)).unwrap();
        assert_eq!(client.redirect_uris.len(), 2);
        assert_eq!(clients::get_client(conn, client.id).unwrap(), client);
        assert_eq!(clients::find_client_by_client_id(conn, "pocket-app").unwrap(), Some(client.clone()));
        assert_eq!(clients::find_client_by_name(conn, "Pocket").unwrap(), Some(client.clone()));
        let pc = PatientClient { client_id: client.id, invitation_url: "https://app.example.org/join/CODE".into(), aux_data_json: "{}".into() };
        clients::set_patient_client(conn, &pc).unwrap();
        assert_eq!(clients::find_patient_client(conn, client.id).unwrap(), Some(pc));
        clients::add_client_data_source(conn, client.id, w.source.id).unwrap();
        assert_eq!(clients::data_sources_of_client(conn, client.id).unwrap(), vec![w.source.id]);
        studies::add_study_client(conn, w.study.id, client.id).unwrap();
        assert_eq!(studies::clients_of_study(conn, w.study.id).unwrap(), vec![client.id]);

        let api_client = clients::create_client(conn, &NewOAuthClient {
            client_id: "api-key-1".into(), client_secret_hash: Some("c2hhMjU2".into()),
            client_type: ClientType::Confidential, grant_type: GrantType::ClientCredentials,
            redirect_uris: vec![], allowed_origins: vec![], skip_authorization: true, name: "notebook".into(),
            ..NewOAuthClient { id: None, client_id: String::new(), client_secret_hash: None, client_type: ClientType::Public,
                grant_type: GrantType::AuthorizationCode, redirect_uris: vec![], post_logout_redirect_uris: vec![],
                allowed_origins: vec![], skip_authorization: false, name: String::new(), owner_user_id: None }
        }, at(9, 1)).unwrap();
        let prc = PractitionerClient { client_id: api_client.id, practitioner_id: w.practitioner.id, label: "notebook".into() };
        clients::set_practitioner_client(conn, &prc).unwrap();
        assert_eq!(clients::find_practitioner_client(conn, api_client.id).unwrap(), Some(prc));

        let invitation = invitations::create_invitation(conn, &NewPatientInvitation {
            patient_id: w.patient.id, client_id: client.id, token_hash: "x".repeat(43),
            status: InvitationStatus::Issued, created_at: at(13, 0), expires_at: at(14, 0),
        }).unwrap();
        assert!(invitation.id.get() >= 101);
        assert_eq!(invitations::find_invitation_by_token_hash(conn, &"x".repeat(43)).unwrap(), Some(invitation.clone()));
        let redeemed = invitations::set_invitation_status(conn, invitation.id, InvitationStatus::Redeemed, at(13, 30)).unwrap();
        assert_eq!((redeemed.status, redeemed.redeemed_at), (InvitationStatus::Redeemed, Some(at(13, 30))));
        assert_eq!(invitations::invitations_of_patient(conn, w.patient.id).unwrap(), vec![redeemed]);

        for (key, value) in [
            ("site.ui.title", SettingValue::String("Exchange".into())),
            ("auth.patient.invitation_expiration_days", SettingValue::Int(7)),
            ("module.ow", SettingValue::Bool(false)),
            ("ratio", SettingValue::Float(0.25)),
            ("auth.sof.trusted_issuers", SettingValue::Json(r#"["https://ehr.example"]"#.into())),
        ] {
            let stored = settings::put_setting(conn, key, &value, at(15, 0)).unwrap();
            assert_eq!((stored.key.as_str(), &stored.value), (key, &value));
        }
        let changed = settings::put_setting(conn, "module.ow", &SettingValue::Bool(true), at(15, 1)).unwrap();
        assert_eq!(changed.value, SettingValue::Bool(true));
        assert_eq!(settings::get_setting(conn, "module.ow").unwrap(), Some(changed));
        assert_eq!(settings::all_settings(conn).unwrap().len(), 5);
        assert!(settings::delete_setting(conn, "ratio").unwrap());
        assert_eq!(settings::get_setting(conn, "ratio").unwrap(), None);

        clients::delete_client(conn, client.id).unwrap();
        assert!(invitations::invitations_of_patient(conn, w.patient.id).unwrap().is_empty());
    };

    observations_and_identifiers_round_trip => |backend| {
        let (_db, pool) = TestDb::migrated(backend);
        let conn = &mut pool.get().unwrap();
        let w = world(conn);
        let point = NewObservation {
            id: None,
            patient_id: w.patient.id,
            scope_code_id: w.code.id,
            data_source_id: Some(w.source.id),
            omh_data: r#"{"header":{"uuid":"a"},"body":{"blood_glucose":{"unit":"mg/dL","value":104}}}"#.into(),
            status: ObservationStatus::Final,
            effective: Some(EffectiveTime::Instant(at(7, 15))),
            identifiers: vec![Identifier { system: "https://glucoband.example/ids".into(), value: "r-1".into() }],
        };
        let period = NewObservation {
            effective: Some(EffectiveTime::Period { start: at(1, 0), end: at(6, 30) }),
            identifiers: vec![],
            status: ObservationStatus::Amended,
            ..point.clone()
        };
        let stored = observations::insert_observations(conn, &[point.clone(), period], at(16, 0)).unwrap();
        assert_eq!(stored.len(), 2);
        assert!(stored[0].id.get() >= 60001);
        assert_eq!(observations::get_observation(conn, stored[0].id).unwrap(), stored[0]);
        assert_eq!(stored[0].effective, Some(EffectiveTime::Instant(at(7, 15))));
        assert_eq!(stored[1].effective, Some(EffectiveTime::Period { start: at(1, 0), end: at(6, 30) }));
        assert_eq!(stored[1].status, ObservationStatus::Amended);
        assert_eq!(stored[0].omh_data, point.omh_data);
        assert_eq!(observations::identifiers_of_observation(conn, stored[0].id).unwrap(), point.identifiers);
        // The row carries its identifiers, as given.
        assert_eq!((stored[0].identifiers.clone(), stored[1].identifiers.clone()), (point.identifiers.clone(), vec![]));
        assert_eq!(observations::find_observation_by_identifier(conn, &point.identifiers[0]).unwrap(), Some(stored[0].id));
        // Which identifiers are taken: by (system, value) pair, across systems, none of the others.
        let ident = |system: &str, value: &str| Identifier { system: system.into(), value: value.into() };
        let other = NewObservation {
            identifiers: vec![ident("https://other.example/ids", "r-2")],
            ..point.clone()
        };
        observations::insert_observations(conn, &[NewObservation { identifiers: vec![ident("https://glucoband.example/ids", "r-9")], ..point.clone() }, other], at(16, 1)).unwrap();
        let asked = [
            ident("https://glucoband.example/ids", "r-1"),
            ident("https://glucoband.example/ids", "r-2"),
            ident("https://glucoband.example/ids", "r-9"),
            ident("https://other.example/ids", "r-1"),
            ident("https://other.example/ids", "r-2"),
            ident("https://third.example/ids", "r-1"),
        ];
        let taken = observations::existing_identifiers(conn, &asked).unwrap();
        let expected: std::collections::HashSet<Identifier> =
            [asked[0].clone(), asked[2].clone(), asked[4].clone()].into_iter().collect();
        assert_eq!(taken, expected);
        assert!(observations::existing_identifiers(conn, &[]).unwrap().is_empty());

        // Deleting the data source keeps the observation, without a source.
        data_sources::delete_data_source(conn, w.source.id).unwrap();
        assert_eq!(observations::get_observation(conn, stored[0].id).unwrap().data_source_id, None);
        observations::delete_observation(conn, stored[1].id).unwrap();
        assert_eq!(observations::count_observations_of_patient(conn, w.patient.id).unwrap(), 3);
        // Deleting the patient takes their observations.
        people::delete_patient(conn, w.patient.id).unwrap();
        assert!(matches!(observations::get_observation(conn, stored[0].id), Err(StoreError::NotFound)));
    };

    identifier_copies_are_backfilled_by_their_migration => |backend| {
        // Observations stored before `observations.identifiers` existed get their identifiers copied in, in order.
        let (db, pool) = TestDb::migrated(backend);
        let conn = &mut pool.get().unwrap();
        let w = world(conn);
        let ident = |system: &str, value: &str| Identifier { system: system.into(), value: value.into() };
        let point = |identifiers| NewObservation {
            id: None,
            patient_id: w.patient.id,
            scope_code_id: w.code.id,
            data_source_id: None,
            omh_data: r#"{"header":{"uuid":"b"},"body":{}}"#.into(),
            status: ObservationStatus::Final,
            effective: None,
            identifiers,
        };
        let stored = observations::insert_observations(conn, &[
            point(vec![ident("https://z.example/ids", "q\"uoted\" ü"), ident("https://a.example/ids", "2")]),
            point(vec![]),
        ], at(9, 0)).unwrap();
        drop(pool);

        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations").join(match backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        });
        let migrations = diesel_migrations::FileBasedMigrations::from_path(folder).unwrap();
        let conn = &mut db.pool().get().unwrap();
        // Reverts the newest migration and applies it again: its down, then its up with the backfill.
        let redo_last = |conn: &mut DbConnection| -> String {
            use diesel_migrations::MigrationHarness;
            match conn {
                DbConnection::Sqlite(c) => {
                    let v = c.revert_last_migration(migrations.clone()).unwrap().to_string();
                    c.run_next_migration(migrations.clone()).unwrap();
                    v
                }
                DbConnection::Postgres(c) => {
                    let v = c.revert_last_migration(migrations.clone()).unwrap().to_string();
                    c.run_next_migration(migrations.clone()).unwrap();
                    v
                }
            }
        };
        assert_eq!(redo_last(conn), "20261203000003");
        for s in &stored {
            assert_eq!(&observations::get_observation(conn, s.id).unwrap(), s);
        }
        assert_eq!(stored[0].identifiers[0].value, "q\"uoted\" ü");
    };

    audit_events_round_trip_and_filter => |backend| {
        let (_db, pool) = TestDb::migrated(backend);
        let conn = &mut pool.get().unwrap();
        let w = world(conn);
        let event = |hour, actor: Option<UserId>, patients: Vec<PatientId>, outcome| NewAuditEvent {
            occurred_at: at(hour, 0), actor_user_id: actor, action: "observation.search".into(),
            target_type: "Observation".into(), target_id: None, patient_ids: patients, outcome, detail: None,
        };
        let actor = Some(w.practitioner.user_id);
        // Statements the connection prepares and keeps: on PostgreSQL the append is one statement, prepared once.
        let prepared = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let log = prepared.clone();
        conn.set_instrumentation(move |event: diesel::connection::InstrumentationEvent<'_>| {
            if let diesel::connection::InstrumentationEvent::CacheQuery { sql, .. } = event {
                log.lock().unwrap().push(sql.to_owned());
            }
        });
        audit::append_audit_event(conn, &event(8, actor, vec![w.patient.id, w.patient.id], AuditOutcome::Success)).unwrap();
        audit::append_audit_event(conn, &event(9, actor, vec![], AuditOutcome::Denied)).unwrap();
        audit::append_audit_event(conn, &NewAuditEvent { detail: Some("no role".into()), ..event(10, None, vec![w.patient.id], AuditOutcome::Failed) }).unwrap();

        if backend == Backend::Postgres {
            let appends = prepared.lock().unwrap().iter().filter(|sql| sql.contains("INSERT INTO audit_events")).count();
            assert_eq!(appends, 1, "{:?}", prepared.lock().unwrap());
        }
        let (total, all) = audit::list_audit_events(conn, &audit::AuditFilter::default(), 0, 10).unwrap();
        assert_eq!(total, 3);
        assert_eq!(all.iter().map(|e| e.occurred_at).collect::<Vec<_>>(), vec![at(10, 0), at(9, 0), at(8, 0)]);
        assert_eq!(all[0].detail.as_deref(), Some("no role"));
        assert_eq!(all[2].patient_ids, vec![w.patient.id]);

        let by_patient = audit::AuditFilter { patient: Some(w.patient.id), ..Default::default() };
        assert_eq!(audit::list_audit_events(conn, &by_patient, 0, 10).unwrap().0, 2);
        let by_actor = audit::AuditFilter { actor, since: Some(at(9, 0)), ..Default::default() };
        let (n, page) = audit::list_audit_events(conn, &by_actor, 0, 10).unwrap();
        assert_eq!((n, page[0].outcome), (1, AuditOutcome::Denied));
        let (n, page) = audit::list_audit_events(conn, &audit::AuditFilter::default(), 1, 1).unwrap();
        assert_eq!((n, page.len(), page[0].occurred_at), (3, 1, at(9, 0)));
    };

    constraint_violations_are_typed_errors => |backend| {
        let (_db, pool) = TestDb::migrated(backend);
        let conn: &mut DbConnection = &mut pool.get().unwrap();
        let w = world(conn);
        let dup = people::create_user(conn, &new_user("sam@example.org", UserType::Patient), at(9, 0)).unwrap_err();
        assert!(dup.is_duplicate_of("users_email_key"), "{dup:?}");

        let err = studies::enrol_patient(conn, w.study.id, w.patient.id)
            .and_then(|_| studies::enrol_patient(conn, w.study.id, w.patient.id)).unwrap_err();
        assert!(err.is_duplicate_of("study_patients_pair_key"), "{err:?}");

        let err = vocabulary::create_scope_code(conn, &NewScopeCode { id: None, ..NewScopeCode {
            id: None, coding_system: w.code.coding_system.clone(), coding_code: w.code.coding_code.clone(), text: "again".into() } }).unwrap_err();
        assert!(err.is_duplicate_of("codeable_concepts_system_code_key"), "{err:?}");

        let ident = Identifier { system: "s".into(), value: "v".into() };
        let obs = NewObservation { id: None, patient_id: w.patient.id, scope_code_id: w.code.id, data_source_id: None,
            omh_data: "{}".into(), status: ObservationStatus::Final, effective: None, identifiers: vec![ident.clone()] };
        observations::insert_observations(conn, std::slice::from_ref(&obs), at(9, 0)).unwrap();
        // A batch with one duplicate stores nothing.
        let fresh = NewObservation { identifiers: vec![Identifier { system: "s".into(), value: "other".into() }], ..obs.clone() };
        let err = observations::insert_observations(conn, &[fresh, obs], at(9, 0)).unwrap_err();
        assert!(err.is_duplicate_of("observation_identifiers_system_value_key"), "{err:?}");
        assert_eq!(observations::count_observations_of_patient(conn, w.patient.id).unwrap(), 1);

        let err = studies::enrol_patient(conn, w.study.id, PatientId(999_999)).unwrap_err();
        assert!(matches!(err, StoreError::Reference(_)), "{err:?}");
        // A scope code in use cannot be deleted out from under its observations.
        let err = diesel::RunQueryDsl::execute(
            diesel::delete(diesel::QueryDsl::find(jhe_store::schema::codeable_concepts::table, w.code.id.get())), conn)
            .map_err(StoreError::from).unwrap_err();
        assert!(matches!(err, StoreError::Reference(_)), "{err:?}");
        organizations::set_membership(conn, Membership { practitioner_id: w.practitioner.id, organization_id: w.org.id, role: Role::Member }).unwrap();
        let err = diesel::RunQueryDsl::execute(
            diesel::sql_query("UPDATE practitioner_organizations SET role = 'owner'"), conn)
            .map_err(StoreError::from).unwrap_err();
        assert!(matches!(err, StoreError::Check(_)), "{err:?}");
        assert!(matches!(people::get_user(conn, UserId(1)), Err(StoreError::NotFound)));
    };
}
