//! The organization and study lists of the Admin API return exactly what the consent engine's visibility admits,
//! for every demo account (a superuser, practitioners with direct and inherited roles, patients), and a subtree is
//! the organization and everything below it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failed assertion

use std::collections::BTreeSet;

use chrono::{TimeZone, Utc};
use jhe_domain::*;
use jhe_store::facts::{FactsScope, load_facts, principal_for_user};
use jhe_store::organization_listings::{
    OrganizationFilter, list_visible_organizations, visible_studies_of_organization, visible_subtree,
};
use jhe_store::seed::{SeedInputs, seed_demo};
use jhe_store::testing::TestDb;
use jhe_store::*;

fn seeded(backend: Backend) -> (TestDb, DbPool) {
    let (db, pool) = TestDb::migrated(backend);
    let mut conn = pool.get().unwrap();
    let mut n = 0u32;
    let mut hash = || "$argon2id$v=19$m=19456,t=2,p=1$dGVzdHNhbHQ$dGVzdGhhc2g".to_owned();
    let mut client_id = || {
        n += 1;
        format!("{n:0>40}")
    };
    let mut uuid = || "00000000-0000-4000-8000-000000000001".to_owned();
    seed_demo(
        &mut conn,
        &mut SeedInputs {
            now: Utc.with_ymd_and_hms(2026, 2, 1, 12, 0, 0).unwrap(),
            site_url: "http://localhost:8000",
            hash_demo_password: &mut hash,
            random_client_id: &mut client_id,
            random_uuid: &mut uuid,
        },
    )
    .unwrap();
    drop(conn);
    (db, pool)
}

backend_tests! {
    lists_match_the_engines_visibility_for_every_demo_account => |backend| {
        let (_db, pool) = seeded(backend);
        let conn = &mut pool.get().unwrap();
        let all_orgs: Vec<OrganizationId> =
            organizations::all_organizations(conn).unwrap().into_iter().map(|o| o.id).collect();
        let all_patients: Vec<PatientId> = (40001..=40005).map(PatientId).collect();
        for user in 10001..=10011 {
            let user = people::get_user(conn, UserId(user)).unwrap();
            let principal = principal_for_user(conn, &user, "openid email", None).unwrap().unwrap();
            let facts = load_facts(
                conn,
                &FactsScope {
                    practitioner: principal.practitioner_id(),
                    patients: all_patients.clone(),
                    studies: (30001..=30005).map(StudyId).collect(),
                },
            )
            .unwrap();
            let visibility = jhe_consent::organization_visibility(&principal);
            let expected: Vec<OrganizationId> =
                all_orgs.iter().copied().filter(|o| visibility.admits(&facts, *o)).collect();
            let (count, listed) =
                list_visible_organizations(conn, &visibility, &OrganizationFilter::default(), 0, 1000).unwrap();
            let listed: BTreeSet<OrganizationId> = listed.into_iter().map(|o| o.id).collect();
            assert_eq!(listed, expected.iter().copied().collect(), "organizations of user {}", user.id);
            assert_eq!(count as usize, expected.len());

            let studies = jhe_consent::study_visibility(&principal);
            for org in &all_orgs {
                let listed: BTreeSet<StudyId> = visible_studies_of_organization(conn, *org, &studies)
                    .unwrap()
                    .into_iter()
                    .map(|s| s.id)
                    .collect();
                let expected: BTreeSet<StudyId> = facts
                    .studies
                    .iter()
                    .filter(|(study, owner)| *owner == org && studies.admits(&facts, **study))
                    .map(|(study, _)| *study)
                    .collect();
                assert_eq!(listed, expected, "studies of {org} for user {}", user.id);
            }
        }
    };

    a_subtree_is_the_organization_and_everything_below_it => |backend| {
        let (_db, pool) = seeded(backend);
        let conn = &mut pool.get().unwrap();
        let ids = |orgs: Vec<Organization>| orgs.into_iter().map(|o| o.id.get()).collect::<BTreeSet<_>>();
        let everything = jhe_consent::OrganizationVisibility::All;
        assert_eq!(
            ids(visible_subtree(conn, OrganizationId(20006), &everything).unwrap()),
            BTreeSet::from([20006, 20007, 20008])
        );
        assert_eq!(ids(visible_subtree(conn, OrganizationId(0), &everything).unwrap()).len(), 9);
        // A patient's view of a subtree holds only the organizations caring for them.
        let pat = jhe_consent::OrganizationVisibility::OfPatient { patient_id: PatientId(40005) };
        assert_eq!(
            ids(visible_subtree(conn, OrganizationId(20006), &pat).unwrap()),
            BTreeSet::from([20006, 20008])
        );
        let (_, top) = list_visible_organizations(
            conn,
            &everything,
            &OrganizationFilter { part_of: Some(OrganizationId(0)) },
            0,
            10,
        )
        .unwrap();
        assert_eq!(top.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(), ["Neptune Health System", "Planetary Research Institute"]);
    };
}
