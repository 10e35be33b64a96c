//! The engine's invariants, over random organization trees, memberships, studies, enrolments and consents.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failed assertion

use chrono::{DateTime, TimeZone, Utc};
use jhe_consent::*;
use jhe_domain::{
    ConsentState, EnrolmentId, OrganizationId, PatientId, PractitionerId, Role, ScopeCodeId, StudyId, UserId,
};
use proptest::prelude::*;

const PRACTITIONERS: i64 = 4;
const PATIENTS: i64 = 4;
const SCOPES: i64 = 4;

fn practitioner(i: i64) -> PractitionerId {
    PractitionerId(1000 + i)
}
fn patient(i: i64) -> PatientId {
    PatientId(200 + i)
}
fn scope(i: i64) -> ScopeCodeId {
    ScopeCodeId(500 + i)
}
fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 8, 0, 0).unwrap()
}

/// A practitioner who never appears in the generated facts.
fn stranger() -> PractitionerId {
    practitioner(PRACTITIONERS)
}

fn patients() -> impl Iterator<Item = PatientId> {
    (0..PATIENTS).map(patient)
}
fn scopes() -> impl Iterator<Item = ScopeCodeId> {
    (0..SCOPES).map(scope)
}

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![Just(Role::Viewer), Just(Role::Member), Just(Role::Manager)]
}

fn state() -> impl Strategy<Value = ConsentState> {
    prop_oneof![
        Just(ConsentState::Consented),
        Just(ConsentState::Declined),
        Just(ConsentState::Revoked)
    ]
}

fn token() -> impl Strategy<Value = TokenScopes> {
    prop_oneof![
        3 => Just(TokenScopes::Unrestricted),
        1 => Just(TokenScopes::from_scope_string("patient/*.cruds")),
        1 => Just(TokenScopes::from_scope_string("user/Observation.rs user/Patient.rs")),
        1 => Just(TokenScopes::from_scope_string("user/Patient.rs user/Group.r user/Organization.s")),
        1 => Just(TokenScopes::from_scope_string("openid patient/Observation.bogus")),
    ]
}

prop_compose! {
    /// Random but well-formed facts: a forest of up to 8 organizations (parents always come first, so no cycles),
    /// memberships, patient links, 1 to 4 studies, their scope requests, enrolments and consents.
    fn facts()(
        parents in prop::collection::vec(prop::option::of(0usize..8), 1..8),
        memberships in prop::collection::vec((0..PRACTITIONERS, 0usize..8, role()), 0..10),
        links in prop::collection::vec((0..PATIENTS, 0usize..8), 0..10),
        studies in prop::collection::vec(0usize..8, 1..5),
        requests in prop::collection::vec((0usize..5, 0..SCOPES), 1..12),
        enrolments in prop::collection::vec((0usize..5, 0..PATIENTS), 1..12),
        consents in prop::collection::vec((0usize..12, 0..SCOPES, state()), 0..24),
    ) -> Facts {
        let org = |i: usize| OrganizationId(1 + (i % parents.len()) as i64);
        let mut facts = Facts::new();
        for (i, parent) in parents.iter().enumerate() {
            facts = facts.organization(org(i), parent.filter(|p| *p < i).map(org));
        }
        for (pr, o, r) in memberships {
            facts = facts.membership(practitioner(pr), org(o), r);
        }
        for (pa, o) in links {
            facts = facts.patient_in(patient(pa), org(o));
        }
        let study = |i: usize| StudyId(100 + (i % studies.len().max(1)) as i64);
        for (i, o) in studies.iter().enumerate() {
            facts = facts.study(study(i), org(*o));
        }
        if !studies.is_empty() {
            for (s, sc) in requests {
                facts = facts.scope_request(study(s), scope(sc));
            }
            for (s, pa) in enrolments {
                if facts.enrolment(study(s), patient(pa)).is_none() {
                    let id = EnrolmentId(facts.enrolments.len() as i64 + 1);
                    facts = facts.enrol(id, study(s), patient(pa));
                }
            }
        }
        if !facts.enrolments.is_empty() {
            for (e, sc, st) in consents {
                let enrolment = facts.enrolments[e % facts.enrolments.len()].id;
                facts = facts.consent(enrolment, scope(sc), st, at());
            }
        }
        facts
    }
}

/// Everyone the properties look at: every practitioner (plain and as a superuser, with and without memberships)
/// and every patient.
fn principals() -> Vec<Principal> {
    let mut all = Vec::new();
    for i in 0..=PRACTITIONERS {
        all.push(Principal::practitioner(UserId(1 + i), practitioner(i)));
        all.push(Principal::superuser(UserId(50 + i), practitioner(i)));
    }
    for i in 0..PATIENTS {
        all.push(Principal::patient(UserId(100 + i), patient(i)));
    }
    all
}

/// A representative set of actions over every target the facts know.
fn actions(facts: &Facts) -> Vec<Action> {
    let mut all = vec![
        Action::LookupPatientByEmail,
        Action::SearchUsersByEmail,
        Action::ManageSettings,
    ];
    for &organization in facts.organizations.keys() {
        all.extend([
            Action::ReadOrganization { organization },
            Action::ReadOrganizationMembers { organization },
            Action::CreateOrganization {
                part_of: Some(organization),
            },
            Action::UpdateOrganization { organization },
            Action::DeleteOrganization { organization },
            Action::ManageOrganizationMembers { organization },
            Action::CreatePatient { organization },
            Action::CreateStudy { organization },
        ]);
    }
    for &study in facts.studies.keys() {
        all.extend([
            Action::ReadStudy { study },
            Action::UpdateStudy { study },
            Action::ReadStudyPatients { study },
            Action::ManageStudyPatients { study },
            Action::ManageStudyScopeRequests { study },
        ]);
    }
    for patient in patients() {
        all.extend([
            Action::ReadPatient { patient },
            Action::UpdatePatient {
                patient,
                organization: None,
            },
            Action::ReadConsents { patient },
            Action::ManageInvitations { patient },
            Action::ReadPatientRecords {
                patient,
                resource_type: "Condition".into(),
            },
        ]);
        for &study in facts.studies.keys() {
            all.push(Action::WriteConsents { patient, study });
        }
        for scope in scopes() {
            all.extend([
                Action::ReadObservation { patient, scope },
                Action::UploadObservation { patient, scope },
                Action::DeleteObservation { patient, scope },
            ]);
        }
    }
    all
}

/// The read rule written out from its definition, over the raw fact lists only: a study S owned by an
/// organization at or below one of the practitioner's memberships, asking for the scope, in which the patient is
/// enrolled and whose consent record for that scope is `consented`.
fn read_rule(facts: &Facts, pr: PractitionerId, pa: PatientId, sc: ScopeCodeId) -> bool {
    let below = |org: OrganizationId, top: OrganizationId| {
        let mut current = Some(org);
        for _ in 0..=facts.organizations.len() {
            match current {
                Some(o) if o == top => return true,
                Some(o) => current = facts.organizations.get(&o).copied().flatten(),
                None => return false,
            }
        }
        false
    };
    facts.enrolments.iter().filter(|e| e.patient_id == pa).any(|e| {
        let Some(&study_org) = facts.studies.get(&e.study_id) else {
            return false;
        };
        facts
            .scope_requests
            .iter()
            .any(|r| r.study_id == e.study_id && r.scope_code_id == sc)
            && facts.consents.iter().any(|c| {
                c.enrolment_id == e.id && c.scope_code_id == sc && c.state == ConsentState::Consented
            })
            && facts
                .memberships
                .iter()
                .any(|m| m.practitioner_id == pr && below(study_org, m.organization_id))
    })
}

/// Everything each principal may see and do, to compare two fact sets.
fn everything_allowed(facts: &Facts, actions: &[Action]) -> Vec<(usize, usize)> {
    let mut allowed = Vec::new();
    for (p, principal) in principals().iter().enumerate() {
        for (a, action) in actions.iter().enumerate() {
            if authorize(principal, action, facts).is_ok() {
                allowed.push((p, a));
            }
        }
    }
    allowed
}

fn is_subset(small: &[(usize, usize)], large: &[(usize, usize)]) -> bool {
    small.iter().all(|x| large.contains(x))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, max_global_rejects: 100_000, ..ProptestConfig::default() })]

    #[test]
    fn nothing_is_readable_without_a_current_consent(facts in facts()) {
        for principal in principals() {
            let Some(pr) = principal.practitioner_id() else { continue };
            for pa in patients() {
                for sc in scopes() {
                    prop_assert_eq!(
                        may_see_observation(&principal, &facts, pa, sc),
                        read_rule(&facts, pr, pa, sc),
                        "{:?} reading {:?}/{:?}", principal.actor, pa, sc
                    );
                }
            }
        }
    }

    #[test]
    fn revocation_hides_at_once(facts in facts(), pick in any::<prop::sample::Index>()) {
        let given: Vec<_> = facts
            .consents
            .iter()
            .filter(|c| c.state == ConsentState::Consented)
            .filter_map(|c| facts.enrolments.iter().find(|e| e.id == c.enrolment_id).map(|e| (*e, c.scope_code_id)))
            .filter(|(e, sc)| facts.study_requests(e.study_id, *sc))
            .collect();
        prop_assume!(!given.is_empty());
        let (enrolment, sc) = given[pick.index(given.len())];
        let owner = Principal::patient(UserId(1), enrolment.patient_id);
        let revoke = ConsentRequest {
            patient_id: enrolment.patient_id,
            study_id: enrolment.study_id,
            scope_code_id: sc,
            change: ConsentChange::Revoke,
        };
        let mut after = facts.clone();
        decide_consent(&owner, &facts, &revoke, at()).unwrap().apply_to(&mut after);

        let other_studies: Vec<StudyId> = after.studies_with_current_consent(enrolment.patient_id, sc);
        prop_assert!(!other_studies.contains(&enrolment.study_id));
        for principal in principals() {
            let Some(pr) = principal.practitioner_id() else { continue };
            if may_see_observation(&principal, &after, enrolment.patient_id, sc) {
                // Still visible only through another study that still has a current consent.
                let through = studies_justifying_observation(&after, pr, enrolment.patient_id, sc);
                prop_assert!(!through.is_empty() && !through.contains(&enrolment.study_id));
            }
            if other_studies.is_empty() {
                prop_assert!(!may_see_observation(&principal, &after, enrolment.patient_id, sc));
            }
        }
        if other_studies.is_empty() {
            let upload = Action::UploadObservation { patient: enrolment.patient_id, scope: sc };
            prop_assert_eq!(authorize(&owner, &upload, &after).unwrap_err().code, DenialCode::NoConsent);
        }
    }

    #[test]
    fn adding_a_role_never_hides_anything(
        facts in facts(),
        who in 0..=PRACTITIONERS,
        where_ in any::<prop::sample::Index>(),
        new_role in role(),
    ) {
        let orgs: Vec<OrganizationId> = facts.organizations.keys().copied().collect();
        let org = orgs[where_.index(orgs.len())];
        let kept = facts.direct_role(practitioner(who), org).map_or(new_role, |old| old.max(new_role));
        let more = facts.clone().membership(practitioner(who), org, kept);
        let actions = actions(&more);
        prop_assert!(is_subset(&everything_allowed(&facts, &actions), &everything_allowed(&more, &actions)));
    }

    #[test]
    fn adding_a_consent_never_hides_anything(
        facts in facts(),
        pick in any::<prop::sample::Index>(),
        sc in 0..SCOPES,
    ) {
        prop_assume!(!facts.enrolments.is_empty());
        let enrolment = facts.enrolments[pick.index(facts.enrolments.len())];
        let mut more = facts.clone();
        more.set_consent(enrolment.id, scope(sc), Some(ConsentState::Consented), at());
        let actions = actions(&more);
        prop_assert!(is_subset(&everything_allowed(&facts, &actions), &everything_allowed(&more, &actions)));
    }

    #[test]
    fn a_patient_always_sees_their_own_data(facts in facts()) {
        for pa in patients() {
            let me = Principal::patient(UserId(1), pa);
            prop_assert_eq!(observation_visibility(&me), ObservationVisibility::OwnData { patient_id: pa });
            for sc in scopes() {
                prop_assert!(may_see_observation(&me, &facts, pa, sc));
                let read = Action::ReadObservation { patient: pa, scope: sc };
                prop_assert!(authorize(&me, &read, &facts).is_ok());
            }
            prop_assert!(may_see_patient(&me, &facts, pa));
            let consents = Action::ReadConsents { patient: pa };
            prop_assert!(authorize(&me, &consents, &facts).is_ok());
            for other in patients().filter(|other| *other != pa) {
                prop_assert!(!may_see_patient(&me, &facts, other));
                for sc in scopes() {
                    prop_assert!(!may_see_observation(&me, &facts, other, sc));
                }
            }
        }
    }

    #[test]
    fn an_unrelated_practitioner_sees_nothing(facts in facts(), own_tree_role in role()) {
        // A stranger, alone or with a role in a separate tree that holds nothing.
        let lonely = facts.clone();
        let elsewhere = facts.clone().organization(OrganizationId(999), None).membership(
            stranger(),
            OrganizationId(999),
            own_tree_role,
        );
        for facts in [lonely, elsewhere] {
            for principal in [
                Principal::practitioner(UserId(9), stranger()),
                Principal::superuser(UserId(9), stranger()),
            ] {
                for pa in patients() {
                    prop_assert!(!may_see_patient(&principal, &facts, pa));
                    let consents = Action::ReadConsents { patient: pa };
                    prop_assert!(authorize(&principal, &consents, &facts).is_err());
                    for sc in scopes() {
                        prop_assert!(!may_see_observation(&principal, &facts, pa, sc));
                        let upload = Action::UploadObservation { patient: pa, scope: sc };
                        prop_assert!(authorize(&principal, &upload, &facts).is_err());
                    }
                }
                if !principal.is_superuser() {
                    for &study in facts.studies.keys() {
                        prop_assert!(!may_see_study(&principal, &facts, study));
                    }
                }
            }
        }
    }

    #[test]
    fn reads_by_id_agree_with_visibility_sets(facts in facts(), tokens in prop::collection::vec(token(), 14)) {
        for (principal, token) in principals().into_iter().zip(tokens) {
            let principal = principal.with_token_scopes(token);
            for pa in patients() {
                prop_assert_eq!(
                    authorize(&principal, &Action::ReadPatient { patient: pa }, &facts).is_ok(),
                    patient_visibility(&principal).admits(&facts, pa)
                );
                for sc in scopes() {
                    prop_assert_eq!(
                        authorize(&principal, &Action::ReadObservation { patient: pa, scope: sc }, &facts).is_ok(),
                        observation_visibility(&principal).admits(&facts, pa, sc)
                    );
                }
            }
            for &study in facts.studies.keys() {
                prop_assert_eq!(
                    authorize(&principal, &Action::ReadStudy { study }, &facts).is_ok(),
                    study_visibility(&principal).admits(&facts, study)
                );
            }
            for &organization in facts.organizations.keys() {
                prop_assert_eq!(
                    authorize(&principal, &Action::ReadOrganization { organization }, &facts).is_ok(),
                    organization_visibility(&principal).admits(&facts, organization)
                );
            }
        }
    }

    #[test]
    fn a_token_without_observation_read_sees_no_observations(facts in facts()) {
        let token = TokenScopes::from_scope_string("user/Patient.rs patient/Group.rs");
        for principal in principals() {
            let principal = principal.with_token_scopes(token.clone());
            prop_assert_eq!(observation_visibility(&principal), ObservationVisibility::Nothing);
            for pa in patients() {
                for sc in scopes() {
                    prop_assert!(!may_see_observation(&principal, &facts, pa, sc));
                }
            }
        }
    }

    #[test]
    fn effective_roles_never_decrease_going_down_the_tree(facts in facts()) {
        for (&child, &parent) in &facts.organizations {
            let Some(parent) = parent else { continue };
            for i in 0..PRACTITIONERS {
                prop_assert!(facts.effective_role(practitioner(i), child) >= facts.effective_role(practitioner(i), parent));
            }
        }
    }

    #[test]
    fn consent_changes_follow_the_state_machine_and_record_history(
        changes in prop::collection::vec(
            prop_oneof![
                Just(ConsentChange::Grant),
                Just(ConsentChange::Decline),
                Just(ConsentChange::Revoke),
                Just(ConsentChange::Refuse),
                Just(ConsentChange::Withdraw),
            ],
            1..12,
        )
    ) {
        let (study, pa, sc) = (StudyId(1), patient(0), scope(0));
        let mut facts = Facts::new()
            .organization(OrganizationId(1), None)
            .study(study, OrganizationId(1))
            .scope_request(study, sc)
            .enrol(EnrolmentId(1), study, pa);
        let me = Principal::patient(UserId(7), pa);
        for (minute, change) in changes.into_iter().enumerate() {
            let now = at() + chrono::Duration::minutes(minute as i64);
            let before = facts.consent_record(EnrolmentId(1), sc).map(|c| c.state);
            let request = ConsentRequest { patient_id: pa, study_id: study, scope_code_id: sc, change };
            match decide_consent(&me, &facts, &request, now) {
                Ok(ConsentOutcome::Changed(t)) => {
                    prop_assert_eq!(t.from_state, before);
                    prop_assert_ne!(t.to_state, before);
                    prop_assert_eq!(Ok(t.to_state), next_consent_state(before, change));
                    let entry = t.history_entry();
                    prop_assert_eq!((entry.from_state, entry.to_state), (before, t.to_state));
                    prop_assert_eq!(entry.occurred_at, now);
                    prop_assert_eq!(entry.actor_user_id, Some(UserId(7)));
                    ConsentOutcome::Changed(t).apply_to(&mut facts);
                }
                Ok(ConsentOutcome::Unchanged { state, .. }) => prop_assert_eq!(state, before),
                Err(error) => {
                    prop_assert_eq!(&error, &ConsentError::InvalidTransition { from: before, change });
                    prop_assert!(matches!(change, ConsentChange::Decline | ConsentChange::Revoke));
                }
            }
            // The only states reachable are the four of the machine, and consent is given exactly in `consented`.
            let now_state = facts.consent_record(EnrolmentId(1), sc).map(|c| c.state);
            prop_assert_eq!(
                facts.has_current_consent(pa, study, sc),
                now_state == Some(ConsentState::Consented)
            );
        }
    }
}
