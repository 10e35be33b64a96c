//! The SQL that the store compiles from the consent engine's visibility sets returns exactly the rows that the
//! engine's per-row predicate accepts, for randomly generated worlds, on each backend.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failed assertion

use std::collections::BTreeSet;

use chrono::{TimeZone, Utc};
use jhe_consent::{
    Facts, ObservationVisibility, PatientVisibility, Principal, StudyVisibility, observation_visibility,
};
use jhe_domain::*;
use jhe_store::testing::TestDb;
use jhe_store::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const ORGS: usize = 6;
const PRACTITIONERS: usize = 3;
const PATIENTS: usize = 4;
const STUDIES: usize = 3;
const SCOPES: usize = 3;

/// A world described by indices; the test maps them to the ids the database hands out.
#[derive(Debug, Clone)]
struct World {
    parents: Vec<Option<usize>>,
    memberships: Vec<(usize, usize, Role)>,
    links: Vec<(usize, usize)>,
    study_orgs: Vec<usize>,
    requests: Vec<(usize, usize)>,
    enrolments: Vec<(usize, usize)>,
    consents: Vec<(usize, usize, ConsentState)>,
    extra_observations: Vec<(usize, usize)>,
}

fn world() -> impl Strategy<Value = World> {
    let role = prop_oneof![Just(Role::Viewer), Just(Role::Member), Just(Role::Manager)];
    let state = prop_oneof![
        Just(ConsentState::Consented),
        Just(ConsentState::Declined),
        Just(ConsentState::Revoked)
    ];
    (
        prop::collection::vec(prop::option::weighted(0.7, 0..ORGS), ORGS),
        prop::collection::vec((0..PRACTITIONERS, 0..ORGS, role), 0..6),
        prop::collection::vec((0..PATIENTS, 0..ORGS), 0..8),
        prop::collection::vec(0..ORGS, STUDIES),
        prop::collection::vec((0..STUDIES, 0..SCOPES), 0..9),
        prop::collection::vec((0..STUDIES, 0..PATIENTS), 0..12),
        prop::collection::vec((0..12usize, 0..SCOPES, state), 0..16),
        prop::collection::vec((0..PATIENTS, 0..SCOPES), 0..4),
    )
        .prop_map(
            |(parents, memberships, links, study_orgs, requests, enrolments, consents, extra)| World {
                // Parents always come earlier, so the tree has no cycles.
                parents: parents
                    .into_iter()
                    .enumerate()
                    .map(|(i, p)| p.filter(|_| i > 0).map(|p| p % i.max(1)))
                    .collect(),
                memberships,
                links,
                study_orgs,
                requests,
                enrolments,
                consents,
                extra_observations: extra,
            },
        )
}

fn dedup<T: Ord + Clone>(items: &[T]) -> Vec<T> {
    items
        .iter()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Writes the world, builds the same facts for the engine, and compares every visibility set.
fn check_world(conn: &mut DbConnection, w: &World) {
    let now = Utc.with_ymd_and_hms(2026, 5, 1, 8, 0, 0).unwrap();
    let mut facts = Facts::new();
    let mut orgs = Vec::new();
    for (i, parent) in w.parents.iter().enumerate() {
        let part_of = parent.map(|p| orgs[p]);
        let org = organizations::create_organization(
            conn,
            &NewOrganization {
                id: None,
                name: format!("org {i}"),
                org_type: OrganizationType::Team,
                part_of,
            },
            now,
        )
        .unwrap();
        facts = facts.organization(org.id, part_of);
        orgs.push(org.id);
    }
    let mut practitioners = Vec::new();
    for i in 0..PRACTITIONERS {
        let user = people::create_user(
            conn,
            &NewUser {
                id: None,
                email: format!("pr{i}@example.org"),
                password_hash: None,
                first_name: String::new(),
                last_name: String::new(),
                identifier: String::new(),
                user_type: Some(UserType::Practitioner),
                is_superuser: false,
            },
            now,
        )
        .unwrap();
        let p = people::create_practitioner(
            conn,
            &NewPractitioner {
                id: None,
                user_id: user.id,
                identifier: None,
                name_family: None,
                name_given: None,
            },
            now,
        )
        .unwrap();
        practitioners.push((user.id, p.id));
    }
    let mut patients = Vec::new();
    for _ in 0..PATIENTS {
        let p = people::create_patient(
            conn,
            &NewPatient {
                id: None,
                user_id: None,
                name_family: None,
                name_given: None,
                birth_date: None,
                telecom_phone: None,
            },
            now,
        )
        .unwrap();
        patients.push(p.id);
    }
    let mut scopes = Vec::new();
    for i in 0..SCOPES {
        let code = vocabulary::create_scope_code(
            conn,
            &NewScopeCode {
                id: None,
                coding_system: OMH_CODING_SYSTEM.into(),
                coding_code: format!("omh:t{i}:1.0"),
                text: String::new(),
            },
        )
        .unwrap();
        scopes.push(code.id);
    }
    let mut seen = BTreeSet::new();
    for &(p, o, role) in &w.memberships {
        if seen.insert((p, o)) {
            let m = Membership {
                practitioner_id: practitioners[p].1,
                organization_id: orgs[o],
                role,
            };
            organizations::set_membership(conn, m).unwrap();
            facts = facts.membership(m.practitioner_id, m.organization_id, role);
        }
    }
    for &(p, o) in &dedup(&w.links) {
        organizations::link_patient(
            conn,
            PatientOrganization {
                patient_id: patients[p],
                organization_id: orgs[o],
            },
        )
        .unwrap();
        facts = facts.patient_in(patients[p], orgs[o]);
    }
    let mut study_ids = Vec::new();
    for (i, &o) in w.study_orgs.iter().enumerate() {
        let study = studies::create_study(
            conn,
            &NewStudy {
                id: None,
                name: format!("study {i}"),
                description: String::new(),
                organization_id: orgs[o],
                icon_url: None,
            },
            now,
        )
        .unwrap();
        facts = facts.study(study.id, orgs[o]);
        study_ids.push(study.id);
    }
    for &(s, c) in &dedup(&w.requests) {
        studies::add_scope_request(conn, study_ids[s], scopes[c]).unwrap();
        facts = facts.scope_request(study_ids[s], scopes[c]);
    }
    let mut enrolments = Vec::new();
    for &(s, p) in &dedup(&w.enrolments) {
        let e = studies::enrol_patient(conn, study_ids[s], patients[p]).unwrap();
        facts = facts.enrol(e.id, e.study_id, e.patient_id);
        enrolments.push(e.id);
    }
    let mut answered = BTreeSet::new();
    for &(e, c, state) in &w.consents {
        if e < enrolments.len() && answered.insert((e, c)) {
            let new = NewConsent {
                enrolment_id: enrolments[e],
                scope_code_id: scopes[c],
                state,
                decided_at: now,
            };
            consents::insert_consent(conn, &new).unwrap();
            facts = facts.consent(enrolments[e], scopes[c], state, now);
        }
    }
    // Every (patient, scope) has an observation, some two.
    let mut stored = Vec::new();
    let pairs = (0..PATIENTS)
        .flat_map(|p| (0..SCOPES).map(move |c| (p, c)))
        .chain(w.extra_observations.iter().copied());
    for (p, c) in pairs {
        let new = NewObservation {
            id: None,
            patient_id: patients[p],
            scope_code_id: scopes[c],
            data_source_id: None,
            omh_data: "{}".into(),
            status: ObservationStatus::Final,
            effective: None,
            identifiers: vec![],
        };
        let obs = observations::insert_observations(conn, &[new], now)
            .unwrap()
            .remove(0);
        stored.push((obs.id, obs.patient_id, obs.scope_code_id));
    }

    let mut observation_sets: Vec<ObservationVisibility> = vec![
        ObservationVisibility::Nothing,
        ObservationVisibility::OwnData {
            patient_id: patients[0],
        },
        ObservationVisibility::OwnDataAndConsentedStudies {
            patient_id: patients[1],
            practitioner_id: practitioners[0].1,
        },
    ];
    for &(user, practitioner) in &practitioners {
        // What the engine derives for a practitioner's own token is one of the sets under test.
        observation_sets.push(observation_visibility(&Principal::practitioner(
            user,
            practitioner,
        )));
    }
    for set in observation_sets {
        let expected: Vec<ObservationId> = stored
            .iter()
            .filter(|(_, p, c)| set.admits(&facts, *p, *c))
            .map(|(id, _, _)| *id)
            .collect();
        let actual = observations::visible_observation_ids(conn, &set).unwrap();
        assert_eq!(actual, expected, "observations for {set:?} in {w:?}");
    }

    let mut patient_sets = vec![
        PatientVisibility::Nothing,
        PatientVisibility::Own {
            patient_id: patients[2],
        },
        PatientVisibility::OwnAndThroughMemberships {
            patient_id: patients[3],
            practitioner_id: practitioners[1].1,
        },
    ];
    patient_sets.extend(
        practitioners
            .iter()
            .map(|&(_, p)| PatientVisibility::ThroughMemberships { practitioner_id: p }),
    );
    for set in patient_sets {
        let expected: Vec<PatientId> = patients
            .iter()
            .copied()
            .filter(|p| set.admits(&facts, *p))
            .collect();
        let actual = people::visible_patient_ids(conn, &set).unwrap();
        assert_eq!(actual, expected, "patients for {set:?} in {w:?}");
    }

    let mut study_sets = vec![
        StudyVisibility::Nothing,
        StudyVisibility::All,
        StudyVisibility::EnrolledIn {
            patient_id: patients[0],
        },
        StudyVisibility::EnrolledInAndThroughMemberships {
            patient_id: patients[1],
            practitioner_id: practitioners[2].1,
        },
    ];
    study_sets.extend(
        practitioners
            .iter()
            .map(|&(_, p)| StudyVisibility::ThroughMemberships { practitioner_id: p }),
    );
    for set in study_sets {
        let expected: Vec<StudyId> = study_ids
            .iter()
            .copied()
            .filter(|s| set.admits(&facts, *s))
            .collect();
        let (count, page) = study_listings::list_visible_studies(
            conn,
            &set,
            &study_listings::StudyFilter::default(),
            0,
            1000,
        )
        .unwrap();
        let mut actual: Vec<StudyId> = page.into_iter().map(|s| s.study.id).collect();
        actual.sort();
        assert_eq!(actual, expected, "studies for {set:?} in {w:?}");
        assert_eq!(count, expected.len() as i64, "study count for {set:?} in {w:?}");
    }
}

backend_tests! {
    sql_visibility_matches_the_engine_predicate => |backend| {
        let (_db, pool) = TestDb::migrated(backend);
        let mut runner = TestRunner::new(Config { cases: 48, failure_persistence: None, ..Config::default() });
        runner
            .run(&world(), |w| {
                // Each case writes its world inside a transaction that is rolled back, so cases never meet.
                let mut conn = pool.get().unwrap();
                let _ = diesel::Connection::transaction::<(), diesel::result::Error, _>(&mut **conn, |conn| {
                    check_world(conn, &w);
                    Err(diesel::result::Error::RollbackTransaction)
                });
                Ok(())
            })
            .unwrap();
    };

    the_demo_seed_is_visible_as_the_consent_model_says => |backend| {
        // A hand-checked case beside the random ones. Victor (viewer, Lifespan Lab) sees the Lifespan studies'
        // consented data. Mark holds no role in Cosmic Cardio Lab (20008) but manages its parent, Cardiology
        // Division, so he sees study 30005's data by inheritance. Tom sees through three organizations.
        let (_db, pool) = TestDb::migrated(backend);
        let conn = &mut pool.get().unwrap();
        let mut hash = || "x".to_owned();
        let mut n = 0;
        let mut client_id = || { n += 1; format!("{n:0>40}") };
        let mut uuid = || "00000000-0000-4000-8000-000000000000".to_owned();
        jhe_store::seed::seed_demo(conn, &mut jhe_store::seed::SeedInputs {
            now: Utc::now(), site_url: "http://localhost:8000", hash_demo_password: &mut hash,
            random_client_id: &mut client_id, random_uuid: &mut uuid,
        }).unwrap();
        let ids = |conn: &mut DbConnection, p: i64| -> Vec<i64> {
            observations::visible_observation_ids(conn, &ObservationVisibility::ThroughConsentedStudies { practitioner_id: PractitionerId(p) })
                .unwrap().into_iter().map(ObservationId::get).collect()
        };
        assert_eq!(ids(conn, 80004), vec![60001, 60002, 60003, 60004, 60005], "Victor");
        assert_eq!(ids(conn, 80006), vec![60006, 60007, 60008, 60009], "Mark");
        assert_eq!(ids(conn, 80005), vec![60001, 60002, 60003, 60004, 60005, 60007, 60008, 60009], "Tom");
        assert_eq!(ids(conn, 80001), Vec::<i64>::new(), "the superuser gets no bypass");
    };
}
