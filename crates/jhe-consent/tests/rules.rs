//! Every rule of the engine, one named test each, on the demo seed (see `docs/consent.md` for the same example in
//! prose).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failed assertion

mod common;

use common::*;
use jhe_consent::*;
use jhe_domain::{
    ConsentState, EnrolmentId, OrganizationId, PatientId, PractitionerId, Role, StudyId, UserId,
};

fn allowed(principal: &Principal, action: Action) -> bool {
    authorize(principal, &action, &seed()).is_ok()
}

fn denial(principal: &Principal, action: Action) -> Denied {
    authorize(principal, &action, &seed()).expect_err("expected a refusal")
}

fn request(
    patient: PatientId,
    study: StudyId,
    scope: jhe_domain::ScopeCodeId,
    change: ConsentChange,
) -> ConsentRequest {
    ConsentRequest {
        patient_id: patient,
        study_id: study,
        scope_code_id: scope,
        change,
    }
}

// ----- role resolution ------------------------------------------------------------------------------------------

#[test]
fn effective_role_is_the_highest_role_in_the_organization_or_above() {
    let facts = seed();
    // Tom: viewer in Lifespan Lab only, member in Neptunian Pulse Lab, manager in Cosmic Cardio Lab.
    assert_eq!(
        facts.effective_role(PractitionerId(80005), LIFESPAN),
        Some(Role::Viewer)
    );
    assert_eq!(
        facts.effective_role(PractitionerId(80005), PULSE),
        Some(Role::Member)
    );
    assert_eq!(
        facts.effective_role(PractitionerId(80005), COSMIC),
        Some(Role::Manager)
    );
    // Mark is manager of the Cardiology Division, hence of Cosmic Cardio Lab below it, where he has no membership.
    assert_eq!(facts.direct_role(PractitionerId(80006), COSMIC), None);
    assert_eq!(
        facts.effective_role(PractitionerId(80006), COSMIC),
        Some(Role::Manager)
    );
}

#[test]
fn roles_are_not_inherited_up_the_tree() {
    let facts = seed();
    // Tom manages Cosmic Cardio Lab but has no role in the Cardiology Division above it.
    assert_eq!(facts.effective_role(PractitionerId(80005), CARDIOLOGY), None);
    assert!(!allowed(
        &tom(),
        Action::ReadOrganization {
            organization: CARDIOLOGY
        }
    ));
    assert!(!allowed(&tom(), Action::ReadStudy { study: BG_STUDY }));
}

#[test]
fn inherited_manager_role_lets_a_department_manager_work_in_a_lab_below() {
    // In the reference Mark could not create a study in Cosmic Cardio Lab; with inheritance he can.
    assert!(allowed(&mark(), Action::CreateStudy { organization: COSMIC }));
    assert!(allowed(
        &mark(),
        Action::ManageOrganizationMembers { organization: COSMIC }
    ));
    assert!(allowed(&mark(), Action::ReadPatient { patient: PAUL }));
}

// ----- the role table -------------------------------------------------------------------------------------------

#[test]
fn viewer_reads_everything_in_their_organizations() {
    for action in [
        Action::ReadOrganization {
            organization: LIFESPAN,
        },
        Action::ReadOrganizationMembers {
            organization: LIFESPAN,
        },
        Action::ReadPatient { patient: PETER },
        Action::ReadStudy { study: BP_HR_STUDY },
        Action::ReadStudyPatients { study: BP_HR_STUDY },
        Action::ReadConsents { patient: PETER },
        Action::ReadObservation {
            patient: PETER,
            scope: BLOOD_PRESSURE,
        },
        Action::ReadPatientRecords {
            patient: PETER,
            resource_type: "Condition".into(),
        },
    ] {
        assert!(
            allowed(&victor(), action.clone()),
            "viewer should be allowed {action:?}"
        );
    }
}

#[test]
fn viewer_cannot_write_anything() {
    for action in [
        Action::CreatePatient {
            organization: LIFESPAN,
        },
        Action::UpdatePatient {
            patient: PETER,
            organization: None,
        },
        Action::CreateStudy {
            organization: LIFESPAN,
        },
        Action::UpdateStudy { study: BP_HR_STUDY },
        Action::ManageStudyPatients { study: BP_HR_STUDY },
        Action::WriteConsents {
            patient: PETER,
            study: BP_HR_STUDY,
        },
        Action::UploadObservation {
            patient: PETER,
            scope: BLOOD_PRESSURE,
        },
        Action::ManageInvitations { patient: PETER },
        Action::UpdateOrganization {
            organization: LIFESPAN,
        },
    ] {
        let refusal = denial(&victor(), action.clone());
        assert_eq!(refusal.code, DenialCode::RoleTooLow, "{action:?}: {refusal}");
    }
}

#[test]
fn member_manages_patients_studies_consents_and_uploads() {
    for action in [
        Action::CreatePatient {
            organization: LIFESPAN,
        },
        Action::UpdatePatient {
            patient: PETER,
            organization: Some(LIFESPAN),
        },
        Action::DeletePatient {
            patient: PETER,
            organization: LIFESPAN,
        },
        Action::CreateStudy {
            organization: LIFESPAN,
        },
        Action::UpdateStudy { study: BP_STUDY },
        Action::DeleteStudy { study: BP_STUDY },
        Action::ManageStudyPatients { study: BP_STUDY },
        Action::ManageStudyScopeRequests { study: BP_STUDY },
        Action::ManageStudyDataSources { study: BP_STUDY },
        Action::ManageStudyClients { study: BP_STUDY },
        Action::WriteConsents {
            patient: PETER,
            study: BP_STUDY,
        },
        Action::UploadObservation {
            patient: PETER,
            scope: HEART_RATE,
        },
        Action::ManageInvitations { patient: PETER },
        Action::WritePatientRecords {
            patient: PETER,
            resource_type: "Condition".into(),
            change: RecordChange::Create,
        },
    ] {
        assert!(
            allowed(&megan(), action.clone()),
            "member should be allowed {action:?}"
        );
    }
}

#[test]
fn member_cannot_manage_organizations() {
    for action in [
        Action::CreateOrganization {
            part_of: Some(LIFESPAN),
        },
        Action::UpdateOrganization {
            organization: LIFESPAN,
        },
        Action::ManageOrganizationMembers {
            organization: LIFESPAN,
        },
        Action::DeleteObservation {
            patient: PETER,
            scope: BLOOD_PRESSURE,
        },
    ] {
        assert_eq!(denial(&megan(), action).code, DenialCode::RoleTooLow);
    }
}

#[test]
fn manager_manages_organizations_below_and_their_members() {
    assert!(allowed(
        &mary(),
        Action::CreateOrganization {
            part_of: Some(LIFESPAN)
        }
    ));
    assert!(allowed(
        &mary(),
        Action::UpdateOrganization {
            organization: LIFESPAN
        }
    ));
    assert!(allowed(
        &mary(),
        Action::ManageOrganizationMembers {
            organization: LIFESPAN
        }
    ));
    assert!(allowed(
        &mary(),
        Action::DeleteOrganization {
            organization: LIFESPAN
        }
    ));
    assert!(!allowed(
        &mary(),
        Action::UpdateOrganization {
            organization: NEPTUNE
        }
    ));
}

#[test]
fn deleting_an_organization_needs_the_manager_role_above_it() {
    // Tom manages Cosmic Cardio Lab but not the division above: he may rename it, not delete it.
    assert!(allowed(
        &tom(),
        Action::UpdateOrganization { organization: COSMIC }
    ));
    let refusal = denial(&tom(), Action::DeleteOrganization { organization: COSMIC });
    assert_eq!(refusal.code, DenialCode::NoRole);
    assert_eq!(
        refusal.reason,
        "You cannot delete organization 20008 (its parent is organization 20006): that needs the manager role in \
         organization 20006 or in an organization above it. You have no role there."
    );
    // Mark manages the division, so he may delete the lab.
    assert!(allowed(
        &mark(),
        Action::DeleteOrganization { organization: COSMIC }
    ));
}

#[test]
fn top_level_organizations_are_created_and_deleted_by_superusers_only() {
    assert_eq!(
        denial(&mary(), Action::CreateOrganization { part_of: None }).code,
        DenialCode::SuperuserOnly
    );
    assert_eq!(
        denial(&mary(), Action::CreateOrganization { part_of: Some(ROOT) }).code,
        DenialCode::SuperuserOnly
    );
    assert_eq!(
        denial(
            &mary(),
            Action::DeleteOrganization {
                organization: PLANETARY
            }
        )
        .code,
        DenialCode::SuperuserOnly
    );
    assert!(allowed(
        &mary(),
        Action::UpdateOrganization {
            organization: PLANETARY
        }
    ));
    assert!(allowed(&admin(), Action::CreateOrganization { part_of: None }));
    assert!(allowed(
        &admin(),
        Action::DeleteOrganization {
            organization: PLANETARY
        }
    ));
}

#[test]
fn nobody_changes_the_root_organization_or_its_members() {
    for who in [admin(), mary()] {
        for action in [
            Action::UpdateOrganization { organization: ROOT },
            Action::DeleteOrganization { organization: ROOT },
            Action::ManageOrganizationMembers { organization: ROOT },
        ] {
            assert_eq!(denial(&who, action).code, DenialCode::NeverAllowed);
        }
    }
}

#[test]
fn deleting_an_unknown_organization_is_refused_as_unknown() {
    assert_eq!(
        denial(
            &mary(),
            Action::DeleteOrganization {
                organization: OrganizationId(1)
            }
        )
        .code,
        DenialCode::UnknownTarget
    );
}

#[test]
fn superuser_administers_the_exchange() {
    for action in [
        Action::CreateOrganization { part_of: None },
        Action::UpdateOrganization { organization: COSMIC },
        Action::ManageOrganizationMembers {
            organization: LIFESPAN,
        },
        Action::ReadOrganization {
            organization: LIFESPAN,
        },
        Action::ReadOrganizationMembers {
            organization: LIFESPAN,
        },
        Action::ManagePractitioners,
        Action::ListUsers,
        Action::CreateUser,
        Action::EditUser {
            user: UserId(10003),
            fields: UserFields {
                email: true,
                ..UserFields::NAMES
            },
        },
        Action::DeleteUser { user: UserId(10003) },
        Action::ManageClients,
        Action::ManageDataSources,
        Action::ManageSettings,
        Action::ReadAuditLog,
        Action::ReadStudy { study: BP_STUDY },
        Action::CreateStudy {
            organization: LIFESPAN,
        },
        Action::ManageStudyScopeRequests { study: BP_STUDY },
    ] {
        assert!(
            allowed(&admin(), action.clone()),
            "superuser should be allowed {action:?}"
        );
    }
}

#[test]
fn superuser_gets_no_bypass_to_patient_data() {
    for action in [
        Action::ReadPatient { patient: PETER },
        Action::CreatePatient {
            organization: LIFESPAN,
        },
        Action::ReadStudyPatients { study: BP_HR_STUDY },
        Action::ManageStudyPatients { study: BP_HR_STUDY },
        Action::ReadConsents { patient: PETER },
        Action::WriteConsents {
            patient: PETER,
            study: BP_HR_STUDY,
        },
        Action::ReadObservation {
            patient: PETER,
            scope: BLOOD_PRESSURE,
        },
        Action::UploadObservation {
            patient: PETER,
            scope: BLOOD_PRESSURE,
        },
        Action::DeleteObservation {
            patient: PETER,
            scope: BLOOD_PRESSURE,
        },
        Action::ManageInvitations { patient: PETER },
        Action::ReadPatientRecords {
            patient: PETER,
            resource_type: "Condition".into(),
        },
    ] {
        let refusal = denial(&admin(), action.clone());
        assert_eq!(refusal.code, DenialCode::NoRole, "{action:?}");
        assert!(
            refusal
                .reason
                .ends_with("Superusers get no automatic access to patient data."),
            "{refusal}"
        );
    }
    assert!(visible_observations(&admin(), &seed()).is_empty());
    assert_eq!(
        observation_visibility(&admin()),
        ObservationVisibility::ThroughConsentedStudies {
            practitioner_id: PractitionerId(80001)
        }
    );
}

#[test]
fn superuser_with_a_role_sees_what_the_role_allows() {
    let facts = seed().membership(PractitionerId(80001), LIFESPAN, Role::Viewer);
    assert!(may_see_observation(&admin(), &facts, PETER, BLOOD_PRESSURE));
    assert!(!may_see_observation(&admin(), &facts, PAUL, OXYGEN));
}

// ----- the security gaps of the reference (G1–G13) -----------------------------------------------------------

#[test]
fn g1_a_user_may_change_only_their_own_name() {
    let me = UserId(10003);
    assert!(allowed(
        &megan(),
        Action::EditUser {
            user: me,
            fields: UserFields::NAMES
        }
    ));
    assert!(allowed(
        &peter(),
        Action::EditUser {
            user: UserId(10006),
            fields: UserFields::NAMES
        }
    ));
    assert_eq!(
        denial(
            &megan(),
            Action::EditUser {
                user: UserId(10002),
                fields: UserFields::NAMES
            }
        )
        .code,
        DenialCode::NotYourself
    );
    let email = UserFields {
        email: true,
        ..UserFields::default()
    };
    assert_eq!(
        denial(
            &megan(),
            Action::EditUser {
                user: me,
                fields: email
            }
        )
        .code,
        DenialCode::SuperuserOnly
    );
    assert_eq!(
        denial(&peter(), Action::CreateUser).code,
        DenialCode::SuperuserOnly
    );
    assert_eq!(
        denial(&peter(), Action::DeleteUser { user: UserId(10007) }).code,
        DenialCode::SuperuserOnly
    );
}

#[test]
fn g1_nobody_may_set_the_superuser_flag_through_the_api() {
    let flag = UserFields {
        is_superuser: true,
        ..UserFields::default()
    };
    for who in [peter(), megan(), admin()] {
        let refusal = denial(
            &who,
            Action::EditUser {
                user: who.user_id,
                fields: flag,
            },
        );
        assert_eq!(refusal.code, DenialCode::NeverAllowed);
        assert_eq!(
            refusal.reason,
            "The superuser flag cannot be changed through the API."
        );
    }
}

#[test]
fn g1_a_superuser_cannot_delete_their_own_account() {
    assert_eq!(
        denial(&admin(), Action::DeleteUser { user: UserId(10001) }).code,
        DenialCode::NeverAllowed
    );
}

#[test]
fn g2_only_superusers_list_every_user() {
    assert!(allowed(&admin(), Action::ListUsers));
    assert_eq!(denial(&mary(), Action::ListUsers).code, DenialCode::SuperuserOnly);
    assert!(allowed(&megan(), Action::ReadUser { user: UserId(10003) }));
    assert_eq!(
        denial(&megan(), Action::ReadUser { user: UserId(10002) }).code,
        DenialCode::NotYourself
    );
    // Finding a user by e-mail serves adding practitioners, which managers do.
    assert!(allowed(&mary(), Action::SearchUsersByEmail));
    assert!(!allowed(&megan(), Action::SearchUsersByEmail));
    assert!(!allowed(&peter(), Action::SearchUsersByEmail));
}

#[test]
fn g3_invitations_need_the_member_role_for_the_patient() {
    assert!(allowed(&megan(), Action::ManageInvitations { patient: PETER }));
    assert_eq!(
        denial(&victor(), Action::ManageInvitations { patient: PETER }).code,
        DenialCode::RoleTooLow
    );
    assert_eq!(
        denial(&megan(), Action::ManageInvitations { patient: PAUL }).code,
        DenialCode::NoRole
    );
    assert_eq!(
        denial(&pamela(), Action::ManageInvitations { patient: PETER }).code,
        DenialCode::PractitionerOnly
    );
    assert_eq!(
        denial(&peter(), Action::ManageInvitations { patient: PETER }).code,
        DenialCode::PractitionerOnly
    );
}

#[test]
fn g4_study_sub_collection_writes_need_the_member_role_in_the_study_organization() {
    for action in [
        Action::ManageStudyPatients { study: O2_STUDY },
        Action::ManageStudyScopeRequests { study: O2_STUDY },
        Action::ManageStudyDataSources { study: O2_STUDY },
        Action::ManageStudyClients { study: O2_STUDY },
    ] {
        assert_eq!(denial(&megan(), action.clone()).code, DenialCode::NoRole);
        assert_eq!(
            denial(&peter(), action.clone()).code,
            DenialCode::PractitionerOnly
        );
        assert!(allowed(&tom(), action));
    }
}

#[test]
fn g4_study_reads_need_membership_or_enrolment() {
    assert!(allowed(&victor(), Action::ReadStudy { study: BP_STUDY }));
    assert!(!allowed(&victor(), Action::ReadStudy { study: O2_STUDY }));
    assert!(allowed(&peter(), Action::ReadStudy { study: BP_STUDY }));
    assert_eq!(
        denial(&peter(), Action::ReadStudy { study: O2_STUDY }).code,
        DenialCode::NotYourself
    );
    assert_eq!(
        denial(&megan(), Action::ReadStudyPatients { study: O2_STUDY }).code,
        DenialCode::NoRole
    );
}

#[test]
fn g6_data_source_and_client_sub_collections_are_for_superusers() {
    for who in [mary(), mark(), peter()] {
        assert_eq!(
            denial(&who, Action::ManageDataSources).code,
            DenialCode::SuperuserOnly
        );
        assert_eq!(
            denial(&who, Action::ManageClients).code,
            DenialCode::SuperuserOnly
        );
    }
    assert!(allowed(&peter(), Action::ReadCatalog));
}

#[test]
fn g7_patient_update_and_removal_need_the_patient_in_the_named_organization() {
    // Mark is a manager in Neptunian Pulse Lab, but Peter does not belong to it.
    let update = denial(
        &mark(),
        Action::UpdatePatient {
            patient: PETER,
            organization: Some(PULSE),
        },
    );
    assert_eq!(update.code, DenialCode::PatientNotInOrganization);
    assert_eq!(
        update.reason,
        "Patient 40001 does not belong to organization 20007."
    );
    assert_eq!(
        denial(
            &mark(),
            Action::DeletePatient {
                patient: PETER,
                organization: PULSE
            }
        )
        .code,
        DenialCode::PatientNotInOrganization
    );
    assert!(allowed(
        &mark(),
        Action::DeletePatient {
            patient: PERCY,
            organization: PULSE
        }
    ));
    // Without a named organization, any organization of the patient will do.
    assert!(allowed(
        &mark(),
        Action::UpdatePatient {
            patient: PAT,
            organization: None
        }
    ));
    assert!(!allowed(
        &mark(),
        Action::UpdatePatient {
            patient: PETER,
            organization: None
        }
    ));
}

#[test]
fn g8_global_patient_lookup_and_linking_need_the_member_role() {
    assert!(allowed(&megan(), Action::LookupPatientByEmail));
    assert_eq!(
        denial(&victor(), Action::LookupPatientByEmail).code,
        DenialCode::RoleTooLow
    );
    assert_eq!(
        denial(&peter(), Action::LookupPatientByEmail).code,
        DenialCode::PractitionerOnly
    );
    assert!(allowed(
        &megan(),
        Action::AddPatientToOrganization {
            patient: PAUL,
            organization: LIFESPAN
        }
    ));
    assert_eq!(
        denial(
            &megan(),
            Action::AddPatientToOrganization {
                patient: PETER,
                organization: COSMIC
            }
        )
        .code,
        DenialCode::NoRole
    );
    assert_eq!(
        denial(
            &peter(),
            Action::AddPatientToOrganization {
                patient: PETER,
                organization: COSMIC
            }
        )
        .code,
        DenialCode::PractitionerOnly
    );
}

#[test]
fn g9_organizations_and_their_members_are_visible_to_members_only() {
    assert!(allowed(
        &megan(),
        Action::ReadOrganization {
            organization: LIFESPAN
        }
    ));
    assert!(!allowed(
        &megan(),
        Action::ReadOrganization { organization: SATURN }
    ));
    assert!(!allowed(
        &megan(),
        Action::ReadOrganization {
            organization: NEPTUNE
        }
    ));
    assert!(!allowed(
        &megan(),
        Action::ReadOrganizationMembers { organization: COSMIC }
    ));
    // Patients see the organizations that care for them, never their member lists.
    assert!(allowed(
        &pat(),
        Action::ReadOrganization {
            organization: CARDIOLOGY
        }
    ));
    assert!(!allowed(
        &pat(),
        Action::ReadOrganization {
            organization: LIFESPAN
        }
    ));
    assert_eq!(
        denial(
            &pat(),
            Action::ReadOrganizationMembers {
                organization: CARDIOLOGY
            }
        )
        .code,
        DenialCode::PractitionerOnly
    );
    // Superusers keep the full list.
    assert_eq!(organization_visibility(&admin()), OrganizationVisibility::All);
}

#[test]
fn g10_only_managers_delete_observations_they_can_see() {
    assert!(allowed(
        &mary(),
        Action::DeleteObservation {
            patient: PETER,
            scope: BLOOD_PRESSURE
        }
    ));
    assert_eq!(
        denial(
            &victor(),
            Action::DeleteObservation {
                patient: PETER,
                scope: BLOOD_PRESSURE
            }
        )
        .code,
        DenialCode::RoleTooLow
    );
    // Mary manages Peter's lab, but Peter never consented to share blood glucose: she cannot see it, so she
    // cannot delete it either.
    assert_eq!(
        denial(
            &mary(),
            Action::DeleteObservation {
                patient: PETER,
                scope: BLOOD_GLUCOSE
            }
        )
        .code,
        DenialCode::NoConsent
    );
    assert_eq!(
        denial(
            &peter(),
            Action::DeleteObservation {
                patient: PETER,
                scope: BLOOD_PRESSURE
            }
        )
        .code,
        DenialCode::PractitionerOnly
    );
}

#[test]
fn g12_viewers_cannot_write_patient_records() {
    let write = |patient| Action::WritePatientRecords {
        patient,
        resource_type: "QuestionnaireResponse".into(),
        change: RecordChange::Update,
    };
    assert_eq!(denial(&victor(), write(PETER)).code, DenialCode::RoleTooLow);
    assert!(allowed(&megan(), write(PETER)));
    assert!(allowed(&peter(), write(PETER)));
    assert_eq!(denial(&peter(), write(PAMELA)).code, DenialCode::NotYourself);
}

#[test]
fn g13_consent_to_a_scope_the_study_does_not_request_is_refused() {
    let err = decide_consent(
        &peter(),
        &seed(),
        &request(PETER, BP_HR_STUDY, BLOOD_GLUCOSE, ConsentChange::Grant),
        now(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        ConsentError::ScopeNotRequested {
            study_id: BP_HR_STUDY,
            scope_code_id: BLOOD_GLUCOSE
        }
    );
    assert_eq!(
        err.to_string(),
        "Study 30001 does not ask for scope 50001; consent can only be given to the data types a study requests."
    );
}

#[test]
fn g13_a_consent_recorded_for_an_unrequested_scope_authorizes_nothing() {
    // Data from before the fix: a consented row for a scope the study never asked for.
    let facts = seed().consent(
        EnrolmentId(1),
        BLOOD_GLUCOSE,
        ConsentState::Consented,
        seeded_at(),
    );
    assert!(!may_see_observation(&mary(), &facts, PETER, BLOOD_GLUCOSE));
    assert!(
        authorize(
            &peter(),
            &Action::UploadObservation {
                patient: PETER,
                scope: BLOOD_GLUCOSE
            },
            &facts
        )
        .is_err()
    );
    assert!(!consolidated_consented_scopes(&facts, PETER).contains(&BLOOD_GLUCOSE));
}

// ----- consent state machine --------------------------------------------------------------------------------

#[test]
fn consent_for_a_patient_not_enrolled_is_refused() {
    let err = decide_consent(
        &percy(),
        &seed(),
        &request(PERCY, BP_STUDY, BLOOD_PRESSURE, ConsentChange::Grant),
        now(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        ConsentError::NotEnrolled {
            patient_id: PERCY,
            study_id: BP_STUDY
        }
    );
}

#[test]
fn consent_for_an_unknown_study_is_refused() {
    let err = decide_consent(
        &peter(),
        &seed(),
        &request(PETER, StudyId(1), BLOOD_PRESSURE, ConsentChange::Grant),
        now(),
    )
    .unwrap_err();
    assert_eq!(err, ConsentError::UnknownStudy { study_id: StudyId(1) });
}

#[test]
fn pending_consent_becomes_consented_with_a_history_entry() {
    let outcome = decide_consent(
        &peter(),
        &seed(),
        &request(PETER, BP_STUDY, BLOOD_PRESSURE, ConsentChange::Grant),
        now(),
    )
    .unwrap();
    let ConsentOutcome::Changed(transition) = &outcome else {
        panic!("expected a change, got {outcome:?}")
    };
    assert_eq!(transition.enrolment_id, EnrolmentId(2));
    let entry = transition.history_entry();
    assert_eq!(entry.from_state, None);
    assert_eq!(entry.to_state, Some(ConsentState::Consented));
    assert_eq!(entry.actor_user_id, Some(UserId(10006)));
    assert_eq!(entry.occurred_at, now());
    assert_eq!(
        (entry.study_id, entry.patient_id, entry.scope_code_id),
        (BP_STUDY, PETER, BLOOD_PRESSURE)
    );
    let stored = transition.new_consent().unwrap();
    assert_eq!(
        (stored.state, stored.decided_at),
        (ConsentState::Consented, now())
    );
}

#[test]
fn pending_consent_can_be_declined() {
    let outcome = decide_consent(
        &peter(),
        &seed(),
        &request(PETER, BP_STUDY, QUESTIONNAIRE, ConsentChange::Refuse),
        now(),
    )
    .unwrap();
    assert_eq!(outcome.state(), Some(ConsentState::Declined));
    assert_eq!(outcome.history_entry().unwrap().from_state, None);
}

#[test]
fn consented_becomes_revoked_and_revoked_can_be_consented_again() {
    let mut facts = seed();
    let revoke = request(PAMELA, BP_HR_STUDY, HEART_RATE, ConsentChange::Refuse);
    let outcome = decide_consent(&pamela(), &facts, &revoke, now()).unwrap();
    assert_eq!(outcome.state(), Some(ConsentState::Revoked));
    let entry = outcome.history_entry().unwrap();
    assert_eq!(
        (entry.from_state, entry.to_state),
        (Some(ConsentState::Consented), Some(ConsentState::Revoked))
    );
    outcome.apply_to(&mut facts);

    let again = decide_consent(
        &pamela(),
        &facts,
        &ConsentRequest {
            change: ConsentChange::Grant,
            ..revoke
        },
        now(),
    )
    .unwrap();
    let entry = again.history_entry().unwrap();
    assert_eq!(
        (entry.from_state, entry.to_state),
        (Some(ConsentState::Revoked), Some(ConsentState::Consented))
    );
}

#[test]
fn withdrawing_returns_to_pending_with_a_history_entry() {
    let outcome = decide_consent(
        &pamela(),
        &seed(),
        &request(PAMELA, BP_STUDY, QUESTIONNAIRE, ConsentChange::Withdraw),
        now(),
    )
    .unwrap();
    let ConsentOutcome::Changed(transition) = &outcome else {
        panic!("expected a change")
    };
    assert_eq!(transition.to_state, None);
    assert_eq!(transition.new_consent(), None, "the record is removed");
    let entry = transition.history_entry();
    assert_eq!(
        (entry.from_state, entry.to_state),
        (Some(ConsentState::Consented), None)
    );
    let mut facts = seed();
    outcome.apply_to(&mut facts);
    let overview = patient_consent_overview(&facts, PAMELA);
    assert_eq!(overview.studies_pending_consent.len(), 1);
    assert_eq!(
        overview.studies_pending_consent[0].scopes[0].scope_code_id,
        QUESTIONNAIRE
    );
}

#[test]
fn repeating_a_change_is_idempotent_and_writes_no_history() {
    let outcome = decide_consent(
        &pamela(),
        &seed(),
        &request(PAMELA, BP_HR_STUDY, BLOOD_PRESSURE, ConsentChange::Grant),
        now(),
    )
    .unwrap();
    assert_eq!(
        outcome,
        ConsentOutcome::Unchanged {
            enrolment_id: EnrolmentId(3),
            scope_code_id: BLOOD_PRESSURE,
            state: Some(ConsentState::Consented)
        }
    );
    assert_eq!(outcome.history_entry(), None);
    // Withdrawing a pending scope is also a no-op.
    let pending = decide_consent(
        &peter(),
        &seed(),
        &request(PETER, BP_STUDY, BLOOD_PRESSURE, ConsentChange::Withdraw),
        now(),
    )
    .unwrap();
    assert_eq!(pending.state(), None);
    assert_eq!(pending.history_entry(), None);
}

#[test]
fn revoking_a_pending_scope_is_an_invalid_transition() {
    let err = decide_consent(
        &peter(),
        &seed(),
        &request(PETER, BP_STUDY, BLOOD_PRESSURE, ConsentChange::Revoke),
        now(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        ConsentError::InvalidTransition {
            from: None,
            change: ConsentChange::Revoke
        }
    );
}

#[test]
fn withdrawing_is_allowed_for_a_scope_the_study_no_longer_requests() {
    let facts = seed().consent(
        EnrolmentId(1),
        BLOOD_GLUCOSE,
        ConsentState::Consented,
        seeded_at(),
    );
    let outcome = decide_consent(
        &peter(),
        &facts,
        &request(PETER, BP_HR_STUDY, BLOOD_GLUCOSE, ConsentChange::Withdraw),
        now(),
    )
    .unwrap();
    assert_eq!(outcome.state(), None);
}

#[test]
fn patients_write_only_their_own_consents() {
    let err = decide_consent(
        &pamela(),
        &seed(),
        &request(PETER, BP_STUDY, BLOOD_PRESSURE, ConsentChange::Grant),
        now(),
    )
    .unwrap_err();
    let ConsentError::Denied(refusal) = err else {
        panic!("expected a refusal")
    };
    assert_eq!(refusal.code, DenialCode::NotYourself);
}

#[test]
fn members_record_consents_on_behalf_of_patients_viewers_do_not() {
    let grant = request(PETER, BP_STUDY, BLOOD_PRESSURE, ConsentChange::Grant);
    let outcome = decide_consent(&megan(), &seed(), &grant, now()).unwrap();
    assert_eq!(
        outcome.history_entry().unwrap().actor_user_id,
        Some(UserId(10003))
    );
    let err = decide_consent(&victor(), &seed(), &grant, now()).unwrap_err();
    assert!(matches!(
        err,
        ConsentError::Denied(Denied {
            code: DenialCode::RoleTooLow,
            ..
        })
    ));
}

#[test]
fn practitioners_record_consents_only_for_patients_within_their_reach() {
    // A stale enrolment: Paul (Cosmic Cardio Lab) enrolled in study 30002 of Lifespan Lab.
    let facts = seed().enrol(EnrolmentId(100), BP_STUDY, PAUL);
    let grant = request(PAUL, BP_STUDY, BLOOD_PRESSURE, ConsentChange::Grant);
    let err = decide_consent(&megan(), &facts, &grant, now()).unwrap_err();
    assert!(
        matches!(
            err,
            ConsentError::Denied(Denied {
                code: DenialCode::NoRole,
                ..
            })
        ),
        "{err}"
    );
    // Paul himself still may.
    assert!(decide_consent(&paul(), &facts, &grant, now()).is_ok());
}

#[test]
fn only_patients_of_the_study_organization_or_below_can_be_enrolled() {
    let facts = seed();
    assert_eq!(check_enrolment(&facts, BP_STUDY, PETER), Ok(()));
    // Pat belongs to Cosmic Cardio Lab and to the Cardiology Division: both fit study 30003 of the division.
    assert_eq!(
        check_enrolment(&facts, BG_STUDY, PAUL),
        Ok(()),
        "Paul's lab is below the division"
    );
    assert_eq!(
        check_enrolment(&facts, BT_STUDY, PAUL),
        Err(EnrolmentError::PatientOutsideStudyOrganization {
            patient_id: PAUL,
            study_id: BT_STUDY
        })
    );
}

#[test]
fn a_batch_of_consent_changes_is_all_or_nothing_and_sees_earlier_changes() {
    let grant = request(PETER, BP_STUDY, BLOOD_PRESSURE, ConsentChange::Grant);
    let revoke = ConsentRequest {
        change: ConsentChange::Revoke,
        ..grant
    };
    let outcomes = decide_consents(&peter(), &seed(), &[grant, revoke], now()).unwrap();
    assert_eq!(outcomes[1].state(), Some(ConsentState::Revoked));
    let bad = request(PETER, BP_STUDY, BLOOD_GLUCOSE, ConsentChange::Grant);
    assert!(decide_consents(&peter(), &seed(), &[grant, bad], now()).is_err());
}

// ----- uploads ----------------------------------------------------------------------------------------------

#[test]
fn upload_needs_a_current_consent_in_at_least_one_study() {
    assert!(allowed(
        &peter(),
        Action::UploadObservation {
            patient: PETER,
            scope: HEART_RATE
        }
    ));
    let refusal = denial(
        &peter(),
        Action::UploadObservation {
            patient: PETER,
            scope: BLOOD_GLUCOSE,
        },
    );
    assert_eq!(refusal.code, DenialCode::NoConsent);
    assert_eq!(
        refusal.reason,
        "Observations of scope 50001 cannot be uploaded for patient 40001: the patient has not consented to share \
         this data type with any study that asks for it."
    );
}

#[test]
fn upload_is_refused_once_the_only_consent_is_revoked() {
    let mut facts = seed();
    decide_consent(
        &percy(),
        &facts,
        &request(PERCY, BT_STUDY, BODY_TEMPERATURE, ConsentChange::Revoke),
        now(),
    )
    .unwrap()
    .apply_to(&mut facts);
    let upload = Action::UploadObservation {
        patient: PERCY,
        scope: BODY_TEMPERATURE,
    };
    assert_eq!(
        authorize(&percy(), &upload, &facts).unwrap_err().code,
        DenialCode::NoConsent
    );
}

#[test]
fn patients_upload_only_for_themselves() {
    let refusal = denial(
        &pamela(),
        Action::UploadObservation {
            patient: PETER,
            scope: HEART_RATE,
        },
    );
    assert_eq!(refusal.code, DenialCode::NotYourself);
}

#[test]
fn practitioner_upload_needs_the_member_role_for_the_patient() {
    assert!(allowed(
        &megan(),
        Action::UploadObservation {
            patient: PETER,
            scope: HEART_RATE
        }
    ));
    assert_eq!(
        denial(
            &victor(),
            Action::UploadObservation {
                patient: PETER,
                scope: HEART_RATE
            }
        )
        .code,
        DenialCode::RoleTooLow
    );
    assert_eq!(
        denial(
            &megan(),
            Action::UploadObservation {
                patient: PAUL,
                scope: OXYGEN
            }
        )
        .code,
        DenialCode::NoRole
    );
    // Tom is only a viewer in Lifespan Lab, but a manager in Cosmic Cardio Lab where Paul is.
    assert!(allowed(
        &tom(),
        Action::UploadObservation {
            patient: PAUL,
            scope: OXYGEN
        }
    ));
}

// ----- read visibility ----------------------------------------------------------------------------------------

#[test]
fn practitioners_see_observations_through_consented_studies_in_their_reach() {
    let facts = seed();
    assert_eq!(
        visible_observations(&mary(), &facts),
        vec![
            (PETER, BLOOD_PRESSURE),
            (PETER, HEART_RATE),
            (PETER, QUESTIONNAIRE),
            (PAMELA, BLOOD_PRESSURE),
            (PAMELA, HEART_RATE),
            (PAMELA, QUESTIONNAIRE),
        ]
    );
    assert_eq!(
        visible_observations(&victor(), &facts),
        visible_observations(&mary(), &facts)
    );
    assert_eq!(
        visible_observations(&mark(), &facts),
        vec![
            (PERCY, BODY_TEMPERATURE),
            (PAUL, OXYGEN),
            (PAT, BLOOD_GLUCOSE),
            (PAT, OXYGEN)
        ]
    );
}

#[test]
fn a_lab_manager_does_not_see_data_shared_only_with_the_division_above() {
    // Pat shares blood glucose with study 30003 of the Cardiology Division, and oxygen with study 30005 of Cosmic
    // Cardio Lab. Tom manages Cosmic Cardio Lab only.
    let facts = seed();
    assert!(may_see_observation(&tom(), &facts, PAT, OXYGEN));
    assert!(!may_see_observation(&tom(), &facts, PAT, BLOOD_GLUCOSE));
    assert_eq!(
        studies_justifying_observation(&facts, PractitionerId(80005), PAT, OXYGEN),
        vec![O2_STUDY]
    );
}

#[test]
fn reading_needs_role_enrolment_request_and_consent_each() {
    let base = seed();
    let sees = |facts: &Facts| may_see_observation(&tom(), facts, PAUL, OXYGEN);
    assert!(sees(&base));

    let mut no_role = base.clone();
    no_role
        .memberships
        .retain(|m| m.practitioner_id != PractitionerId(80005));
    assert!(!sees(&no_role), "without a role");

    let mut not_enrolled = base.clone();
    not_enrolled.enrolments.retain(|e| e.id != EnrolmentId(6));
    assert!(!sees(&not_enrolled), "without the enrolment");

    let mut not_requested = base.clone();
    not_requested.scope_requests.retain(|r| r.study_id != O2_STUDY);
    assert!(!sees(&not_requested), "without the scope request");

    for state in [ConsentState::Declined, ConsentState::Revoked] {
        let facts = base.clone().consent(EnrolmentId(6), OXYGEN, state, now());
        assert!(!sees(&facts), "with consent {state}");
    }
    let mut pending = base;
    pending.set_consent(EnrolmentId(6), OXYGEN, None, now());
    assert!(!sees(&pending), "with the consent pending");
}

#[test]
fn a_pending_consent_shows_nothing() {
    // Peter never answered study 30002; what Mary sees of him comes from study 30001 only.
    let mut facts = seed();
    facts.enrolments.retain(|e| e.id != EnrolmentId(1));
    assert!(!may_see_observation(&mary(), &facts, PETER, BLOOD_PRESSURE));
}

#[test]
fn revocation_takes_effect_on_the_very_next_decision() {
    let mut facts = seed();
    assert!(may_see_observation(&mark(), &facts, PERCY, BODY_TEMPERATURE));
    decide_consent(
        &percy(),
        &facts,
        &request(PERCY, BT_STUDY, BODY_TEMPERATURE, ConsentChange::Revoke),
        now(),
    )
    .unwrap()
    .apply_to(&mut facts);
    assert!(!may_see_observation(&mark(), &facts, PERCY, BODY_TEMPERATURE));
    assert_eq!(
        authorize(
            &mark(),
            &Action::ReadObservation {
                patient: PERCY,
                scope: BODY_TEMPERATURE
            },
            &facts
        )
        .unwrap_err()
        .code,
        DenialCode::NoConsent
    );
}

#[test]
fn revoking_in_one_study_keeps_data_visible_through_another_consenting_study() {
    let mut facts = seed();
    decide_consent(
        &pamela(),
        &facts,
        &request(PAMELA, BP_HR_STUDY, BLOOD_PRESSURE, ConsentChange::Revoke),
        now(),
    )
    .unwrap()
    .apply_to(&mut facts);
    assert!(
        may_see_observation(&mary(), &facts, PAMELA, BLOOD_PRESSURE),
        "still shared with study 30002"
    );
    decide_consent(
        &pamela(),
        &facts,
        &request(PAMELA, BP_STUDY, BLOOD_PRESSURE, ConsentChange::Revoke),
        now(),
    )
    .unwrap()
    .apply_to(&mut facts);
    assert!(!may_see_observation(&mary(), &facts, PAMELA, BLOOD_PRESSURE));
}

#[test]
fn a_patient_sees_all_their_own_data_and_nobody_elses() {
    let facts = seed();
    for scope in ALL_SCOPES {
        assert!(may_see_observation(&peter(), &facts, PETER, scope));
        assert!(!may_see_observation(&peter(), &facts, PAMELA, scope));
    }
    assert_eq!(
        observation_visibility(&peter()),
        ObservationVisibility::OwnData { patient_id: PETER }
    );
    assert_eq!(
        denial(
            &peter(),
            Action::ReadObservation {
                patient: PAMELA,
                scope: HEART_RATE
            }
        )
        .code,
        DenialCode::NotYourself
    );
}

#[test]
fn an_unrelated_practitioner_sees_nothing() {
    let stranger = Principal::practitioner(UserId(1), PractitionerId(1));
    let facts = seed().organization(OrganizationId(99), Some(ROOT)).membership(
        PractitionerId(1),
        OrganizationId(99),
        Role::Manager,
    );
    assert!(visible_observations(&stranger, &facts).is_empty());
    for patient in ALL_PATIENTS {
        assert!(!may_see_patient(&stranger, &facts, patient));
    }
}

#[test]
fn a_dual_role_account_sees_its_own_data_and_what_its_roles_show() {
    let facts = seed().membership(PractitionerId(90), COSMIC, Role::Viewer);
    let both = Principal::practitioner(UserId(90), PractitionerId(90)).with_own_patient_profile(PETER);
    assert_eq!(
        observation_visibility(&both),
        ObservationVisibility::OwnDataAndConsentedStudies {
            patient_id: PETER,
            practitioner_id: PractitionerId(90)
        }
    );
    assert!(may_see_observation(&both, &facts, PETER, BLOOD_GLUCOSE));
    assert!(may_see_observation(&both, &facts, PAUL, OXYGEN));
    assert!(!may_see_observation(&both, &facts, PAMELA, HEART_RATE));
    assert!(
        authorize(
            &both,
            &Action::WriteConsents {
                patient: PETER,
                study: BP_STUDY
            },
            &facts
        )
        .is_ok()
    );
}

// ----- patients, studies, organizations, practitioners -------------------------------------------------------

#[test]
fn practitioners_see_patients_linked_to_their_reach_enrolled_or_not() {
    let facts = seed().patient_in(PatientId(1), LIFESPAN);
    assert!(may_see_patient(&victor(), &facts, PatientId(1)));
    assert!(may_see_patient(&mary(), &facts, PETER));
    assert!(!may_see_patient(&mary(), &facts, PAUL));
    assert!(
        may_see_patient(&mark(), &facts, PAUL),
        "inherited from the Cardiology Division"
    );
    assert_eq!(
        patient_visibility(&mark()),
        PatientVisibility::ThroughMemberships {
            practitioner_id: PractitionerId(80006)
        }
    );
    assert_eq!(
        patient_visibility(&peter()),
        PatientVisibility::Own { patient_id: PETER }
    );
}

#[test]
fn patients_see_only_enrolled_studies_and_their_own_organizations() {
    let facts = seed();
    assert_eq!(
        study_visibility(&pat()),
        StudyVisibility::EnrolledIn { patient_id: PAT }
    );
    assert!(may_see_study(&pat(), &facts, BG_STUDY));
    assert!(may_see_study(&pat(), &facts, O2_STUDY));
    assert!(!may_see_study(&pat(), &facts, BT_STUDY));
    assert!(may_see_organization(&pat(), &facts, COSMIC));
    assert!(!may_see_organization(&pat(), &facts, PULSE));
}

#[test]
fn practitioners_see_the_studies_and_organizations_in_their_reach() {
    let facts = seed();
    let studies: Vec<StudyId> = facts
        .studies
        .keys()
        .copied()
        .filter(|s| may_see_study(&tom(), &facts, *s))
        .collect();
    assert_eq!(studies, vec![BP_HR_STUDY, BP_STUDY, BT_STUDY, O2_STUDY]);
    let orgs: Vec<OrganizationId> = facts
        .organizations
        .keys()
        .copied()
        .filter(|o| may_see_organization(&mary(), &facts, *o))
        .collect();
    assert_eq!(orgs, vec![PLANETARY, SATURN, LIFESPAN]);
    assert!(
        may_see_study(&admin(), &facts, BT_STUDY),
        "superusers see study metadata"
    );
}

#[test]
fn practitioners_read_practitioners_who_share_an_organization() {
    assert!(allowed(
        &megan(),
        Action::ReadPractitioner {
            practitioner: PractitionerId(80002)
        }
    ));
    assert!(allowed(
        &mark(),
        Action::ReadPractitioner {
            practitioner: PractitionerId(80005)
        }
    ));
    assert!(!allowed(
        &megan(),
        Action::ReadPractitioner {
            practitioner: PractitionerId(80006)
        }
    ));
    assert!(allowed(
        &megan(),
        Action::ReadPractitioner {
            practitioner: PractitionerId(80003)
        }
    ));
    assert_eq!(
        denial(
            &peter(),
            Action::ReadPractitioner {
                practitioner: PractitionerId(80003)
            }
        )
        .code,
        DenialCode::PractitionerOnly
    );
}

#[test]
fn fhir_sources_are_registered_by_patients_for_themselves() {
    assert!(allowed(&peter(), Action::ManageFhirSources { patient: PETER }));
    assert_eq!(
        denial(&mary(), Action::ManageFhirSources { patient: PETER }).code,
        DenialCode::PatientOnly
    );
}

#[test]
fn unknown_studies_are_refused_as_unknown_targets() {
    assert_eq!(
        denial(&mary(), Action::UpdateStudy { study: StudyId(1) }).code,
        DenialCode::UnknownTarget
    );
    assert!(!allowed(&admin(), Action::UpdateStudy { study: StudyId(1) }));
}

// ----- token scopes -------------------------------------------------------------------------------------------

#[test]
fn a_token_without_observation_read_sees_no_observations() {
    let scoped = mary().with_token_scopes(TokenScopes::from_scope_string("openid user/Patient.rs"));
    assert_eq!(observation_visibility(&scoped), ObservationVisibility::Nothing);
    assert!(visible_observations(&scoped, &seed()).is_empty());
    let refusal = denial(
        &scoped,
        Action::ReadObservation {
            patient: PETER,
            scope: BLOOD_PRESSURE,
        },
    );
    assert_eq!(refusal.code, DenialCode::TokenScope);
    assert_eq!(
        refusal.reason,
        "Your access token does not allow reading Observation resources; that needs a scope such as \
         user/Observation.r."
    );
    assert!(may_see_patient(&scoped, &seed(), PETER));
}

#[test]
fn a_patient_scoped_token_reaches_only_the_users_own_data() {
    let app = mary().with_token_scopes(TokenScopes::from_scope_string("patient/Observation.rs"));
    assert_eq!(observation_visibility(&app), ObservationVisibility::Nothing);
    let patient_app = peter().with_token_scopes(TokenScopes::from_scope_string("patient/Observation.cruds"));
    assert_eq!(
        observation_visibility(&patient_app),
        ObservationVisibility::OwnData { patient_id: PETER }
    );
    assert!(allowed(
        &patient_app,
        Action::UploadObservation {
            patient: PETER,
            scope: HEART_RATE
        }
    ));
    assert_eq!(
        denial(&patient_app, Action::ReadConsents { patient: PETER }).code,
        DenialCode::TokenScope,
        "Consent is not among the token's resources"
    );
}

#[test]
fn token_scopes_never_grant_more_than_the_user_may_do() {
    let everything = victor().with_token_scopes(TokenScopes::from_scope_string("user/*.cruds"));
    assert_eq!(
        denial(
            &everything,
            Action::UploadObservation {
                patient: PETER,
                scope: HEART_RATE
            }
        )
        .code,
        DenialCode::RoleTooLow
    );
}

#[test]
fn administrative_actions_need_a_wildcard_scope_on_a_restricted_token() {
    let typed = admin().with_token_scopes(TokenScopes::from_scope_string("user/Observation.rs"));
    assert_eq!(
        denial(&typed, Action::ManageSettings).code,
        DenialCode::TokenScope
    );
    let wildcard = admin().with_token_scopes(TokenScopes::from_scope_string("user/*.cruds"));
    assert!(authorize(&wildcard, &Action::ManageSettings, &seed()).is_ok());
    // The profile and the catalogue need no resource scope.
    assert!(authorize(&typed, &Action::ReadOwnProfile, &seed()).is_ok());
    assert!(authorize(&typed, &Action::ReadCatalog, &seed()).is_ok());
}

// ----- consent overview -----------------------------------------------------------------------------------

#[test]
fn consent_overview_lists_pending_and_answered_scopes_per_study() {
    let overview = patient_consent_overview(&seed(), PETER);
    assert_eq!(
        overview.consolidated_consented_scopes,
        vec![BLOOD_PRESSURE, HEART_RATE, QUESTIONNAIRE]
    );

    assert_eq!(overview.studies_pending_consent.len(), 1);
    let pending = &overview.studies_pending_consent[0];
    assert_eq!((pending.study_id, pending.organization_id), (BP_STUDY, LIFESPAN));
    let pending_scopes: Vec<_> = pending
        .scopes
        .iter()
        .map(|s| (s.scope_code_id, s.consented()))
        .collect();
    assert_eq!(
        pending_scopes,
        vec![(BLOOD_PRESSURE, None), (QUESTIONNAIRE, None)]
    );

    assert_eq!(overview.studies.len(), 1);
    let answered = &overview.studies[0];
    assert_eq!(answered.study_id, BP_HR_STUDY);
    let answered_scopes: Vec<_> = answered
        .scopes
        .iter()
        .map(|s| (s.scope_code_id, s.consented(), s.decided_at))
        .collect();
    assert_eq!(
        answered_scopes,
        vec![
            (BLOOD_PRESSURE, Some(true), Some(seeded_at())),
            (HEART_RATE, Some(true), Some(seeded_at())),
            (QUESTIONNAIRE, Some(true), Some(seeded_at())),
        ]
    );
}

#[test]
fn a_study_with_pending_and_answered_scopes_appears_in_both_lists() {
    let facts = seed().consent(EnrolmentId(2), BLOOD_PRESSURE, ConsentState::Declined, now());
    let overview = patient_consent_overview(&facts, PETER);
    let pending: Vec<_> = overview
        .studies_pending_consent
        .iter()
        .map(|s| s.study_id)
        .collect();
    let answered: Vec<_> = overview.studies.iter().map(|s| s.study_id).collect();
    assert_eq!(pending, vec![BP_STUDY]);
    assert_eq!(answered, vec![BP_HR_STUDY, BP_STUDY]);
    let declined = &overview.studies[1].scopes[0];
    assert_eq!(
        (declined.state, declined.consented()),
        (Some(ConsentState::Declined), Some(false))
    );
}

#[test]
fn consolidated_scopes_drop_a_scope_once_every_consent_to_it_is_revoked() {
    let mut facts = seed();
    decide_consent(
        &pamela(),
        &facts,
        &request(PAMELA, BP_HR_STUDY, HEART_RATE, ConsentChange::Revoke),
        now(),
    )
    .unwrap()
    .apply_to(&mut facts);
    assert_eq!(
        consolidated_consented_scopes(&facts, PAMELA),
        vec![BLOOD_PRESSURE, QUESTIONNAIRE]
    );
}

#[test]
fn studies_without_scope_requests_appear_in_neither_list() {
    let facts = seed()
        .study(StudyId(1), LIFESPAN)
        .enrol(EnrolmentId(100), StudyId(1), PETER);
    let overview = patient_consent_overview(&facts, PETER);
    assert!(
        overview
            .studies
            .iter()
            .chain(&overview.studies_pending_consent)
            .all(|s| s.study_id != StudyId(1))
    );
}

// ----- names -----------------------------------------------------------------------------------------------

#[test]
fn actions_have_stable_audit_names() {
    assert_eq!(
        Action::ReadObservation {
            patient: PETER,
            scope: HEART_RATE
        }
        .name(),
        "observation.read"
    );
    assert_eq!(
        Action::WriteConsents {
            patient: PETER,
            study: BP_STUDY
        }
        .name(),
        "consent.write"
    );
    assert_eq!(Action::ManageSettings.name(), "setting.manage");
}
