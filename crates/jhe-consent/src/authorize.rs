//! The single permission check: may this principal do this action on this target?
//!
//! Roles (effective roles, inherited down the organization tree; see [`Facts::effective_role`]):
//!
//! * **viewer**: read what lies in their organizations (organizations, members, studies, patients, consents) and
//!   observations through consented studies;
//! * **member**: also create and change patients, studies and study sub-collections, enrol patients, record
//!   consents on a patient's behalf, upload observations, write auxiliary records, invite patients;
//! * **manager**: also create sub-organizations, change organizations, manage their practitioners, delete
//!   observations;
//! * **superuser**: top-level organizations, every organization's structure and members, practitioners, users,
//!   clients, data sources, settings, the audit log; study metadata. A superuser gets **no** bypass to patient
//!   data: patients, enrolments, consents, observations and invitations need a role like everyone else.

use jhe_domain::{OrganizationId, PatientId, Role, ScopeCodeId, StudyId};

use crate::action::{Action, DenialCode, Denied, TokenNeed, UserFields};
use crate::facts::Facts;
use crate::principal::{Actor, Principal};
use crate::smart::{Access, TokenScopes};
use crate::visibility::{may_see_observation, may_see_organization, may_see_patient, may_see_study};

/// Decides whether `principal` may do `action`, given `facts`. `Ok(())` means yes; a [`Denied`] says why not, in
/// words meant for the person who asked.
///
/// The rules of the action are checked first (may the user do this at all?), then the token's SMART scopes (does
/// this token let a client do it for them?), so a patient asking for someone else's data hears "only your own",
/// not "your token lacks a scope". Reads of patients, studies, organizations and observations answer exactly what
/// the matching visibility ([`crate::patient_visibility`], [`crate::study_visibility`],
/// [`crate::organization_visibility`], [`crate::observation_visibility`]) admits, so a list and a read by id never
/// disagree.
pub fn authorize(principal: &Principal, action: &Action, facts: &Facts) -> Result<(), Denied> {
    match action {
        Action::ReadPatient { patient } => return explain_patient_read(principal, facts, *patient),
        Action::ReadStudy { study } => return explain_study_read(principal, facts, *study),
        Action::ReadOrganization { organization } => {
            return explain_organization_read(principal, facts, *organization);
        }
        Action::ReadObservation { patient, scope } => {
            return explain_observation_read(principal, facts, *patient, *scope);
        }
        _ => {}
    }
    check_rules(principal, action, facts)?;
    check_token(principal, action)
}

// ----- token scopes -----------------------------------------------------------------------------------------------

/// Whether the action concerns the principal's own patient data, which `patient/` scopes reach: it targets the
/// principal's own patient record, or the principal acts purely as a patient. (Reads of patients, studies,
/// organizations and observations are answered by visibility, which makes the same distinction per row.)
fn concerns_own_data(principal: &Principal, action: &Action) -> bool {
    match action.target_patient() {
        Some(patient) => principal.is_own_patient(patient),
        None => matches!(principal.actor, Actor::Patient { .. }),
    }
}

fn check_token(principal: &Principal, action: &Action) -> Result<(), Denied> {
    let TokenNeed::Resource(resource, access) = action.token_need() else {
        return Ok(());
    };
    let own = concerns_own_data(principal, action);
    if principal.token_scopes.allows(resource, access, own) {
        Ok(())
    } else {
        Err(token_denial(resource, access, own))
    }
}

fn token_denial(resource: Option<&str>, access: Access, own: bool) -> Denied {
    let context = if own { "patient" } else { "user" };
    let reason = match resource {
        Some(resource) => format!(
            "Your access token does not allow {} {resource} resources; that needs a scope such as {context}/{resource}.{}.",
            access.gerund(),
            access.letter()
        ),
        None => format!(
            "Your access token does not allow {} administrative resources; that needs a scope such as user/*.{}.",
            access.gerund(),
            access.letter()
        ),
    };
    Denied::new(DenialCode::TokenScope, reason)
}

// ----- rules ------------------------------------------------------------------------------------------------------

fn check_rules(principal: &Principal, action: &Action, facts: &Facts) -> Result<(), Denied> {
    let p = principal;
    match action {
        Action::ReadOwnProfile | Action::ReadCatalog => Ok(()),

        // G1, G2: users read and change their own account only; the rest belongs to superusers.
        Action::ReadUser { user } => {
            if *user == p.user_id || p.is_superuser() {
                Ok(())
            } else {
                Err(Denied::new(
                    DenialCode::NotYourself,
                    "You can only read your own user account.",
                ))
            }
        }
        Action::ListUsers => superuser_only(p, "list all user accounts"),
        Action::SearchUsersByEmail => {
            let manager_somewhere = p
                .practitioner_id()
                .is_some_and(|pr| facts.holds_role_anywhere(pr, Role::Manager));
            if p.is_superuser() || manager_somewhere {
                Ok(())
            } else {
                Err(Denied::new(
                    DenialCode::RoleTooLow,
                    "You cannot search users by e-mail: that is for superusers and for managers adding \
                     practitioners to their organization.",
                ))
            }
        }
        Action::CreateUser => superuser_only(p, "create user accounts directly"),
        Action::EditUser { user, fields } => check_user_edit(p, *user, *fields),
        Action::DeleteUser { user } => {
            superuser_only(p, "delete user accounts")?;
            if *user == p.user_id {
                Err(Denied::new(
                    DenialCode::NeverAllowed,
                    "You cannot delete the account you are signed in with; ask another superuser.",
                ))
            } else {
                Ok(())
            }
        }

        // G9: organizations and their member lists are for their members (and superusers).
        Action::ReadOrganizationMembers { organization } => {
            if p.is_superuser() {
                return Ok(());
            }
            require_org_role(
                p,
                facts,
                *organization,
                Role::Viewer,
                &format!("see the practitioners of organization {organization}"),
            )
        }
        Action::CreateOrganization { part_of } => match part_of {
            Some(parent) if *parent != jhe_domain::ROOT_ORGANIZATION_ID => {
                if p.is_superuser() {
                    return Ok(());
                }
                require_org_role(
                    p,
                    facts,
                    *parent,
                    Role::Manager,
                    &format!("create an organization inside organization {parent}"),
                )
            }
            _ => superuser_only(p, "create a top-level organization"),
        },
        Action::UpdateOrganization { organization }
        | Action::DeleteOrganization { organization }
        | Action::ManageOrganizationMembers { organization }
            if *organization == jhe_domain::ROOT_ORGANIZATION_ID =>
        {
            // A role in the root would be a role everywhere; the root is a technical node nobody changes.
            Err(Denied::new(
                DenialCode::NeverAllowed,
                "The root organization cannot be changed, deleted or given members.",
            ))
        }
        Action::UpdateOrganization { organization } => {
            if p.is_superuser() {
                return Ok(());
            }
            require_org_role(
                p,
                facts,
                *organization,
                Role::Manager,
                &format!("change organization {organization}"),
            )
        }
        Action::DeleteOrganization { organization } => {
            if p.is_superuser() {
                return Ok(());
            }
            if !facts.organizations.contains_key(organization) {
                return Err(Denied::new(
                    DenialCode::UnknownTarget,
                    format!("You cannot delete organization {organization}: there is no such organization."),
                ));
            }
            match facts.parent_of(*organization) {
                Some(parent) if !facts.is_top_level(*organization) => {
                    // Authority to delete comes from above: a manager cannot delete the node that gives them
                    // their role unless they also hold it higher up.
                    require_org_role(
                        p,
                        facts,
                        parent,
                        Role::Manager,
                        &format!("delete organization {organization} (its parent is organization {parent})"),
                    )
                }
                _ => superuser_only(
                    p,
                    &format!("delete organization {organization}, a top-level organization"),
                ),
            }
        }
        Action::ManageOrganizationMembers { organization } => {
            if p.is_superuser() {
                return Ok(());
            }
            require_org_role(
                p,
                facts,
                *organization,
                Role::Manager,
                &format!("manage the practitioners of organization {organization}"),
            )
        }

        Action::ReadPractitioner { practitioner } => {
            let Some(me) = p.practitioner_id() else {
                return Err(practitioner_only("read practitioner profiles"));
            };
            let shares_an_organization = facts
                .memberships
                .iter()
                .filter(|m| m.practitioner_id == *practitioner)
                .any(|m| facts.effective_role(me, m.organization_id).is_some());
            if me == *practitioner || p.is_superuser() || shares_an_organization {
                Ok(())
            } else {
                Err(Denied::new(
                    DenialCode::NoRole,
                    format!(
                        "You cannot read practitioner {practitioner}: they are not in any of your organizations."
                    ),
                ))
            }
        }
        Action::ManagePractitioners => superuser_only(p, "manage practitioner profiles"),
        Action::ManageOwnApiClients => match p.practitioner_id() {
            Some(_) => Ok(()),
            None => Err(practitioner_only("create API clients")),
        },

        Action::CreatePatient { organization } => require_org_role(
            p,
            facts,
            *organization,
            Role::Member,
            &format!("create patients in organization {organization}"),
        ),
        // G7: a patient is changed or removed through an organization they actually belong to.
        Action::UpdatePatient {
            patient,
            organization,
        } => {
            let doing = format!("change patient {patient}");
            match organization {
                Some(org) => {
                    require_org_role(p, facts, *org, Role::Member, &doing)?;
                    require_patient_in(facts, *patient, *org)
                }
                None => require_role_for_patient(p, facts, *patient, Role::Member, &doing),
            }
        }
        Action::DeletePatient {
            patient,
            organization,
        } => {
            require_org_role(
                p,
                facts,
                *organization,
                Role::Member,
                &format!("remove patient {patient} from organization {organization}"),
            )?;
            require_patient_in(facts, *patient, *organization)
        }
        // G8: the exchange-wide patient lookup and cross-organization linking need the right to manage patients.
        Action::LookupPatientByEmail => {
            let Some(me) = p.practitioner_id() else {
                return Err(practitioner_only("look patients up by e-mail"));
            };
            if facts.holds_role_anywhere(me, Role::Member) {
                Ok(())
            } else {
                Err(Denied::new(
                    DenialCode::RoleTooLow,
                    "You cannot look patients up by e-mail: that needs the member or manager role in an \
                     organization.",
                ))
            }
        }
        Action::AddPatientToOrganization {
            patient,
            organization,
        } => require_org_role(
            p,
            facts,
            *organization,
            Role::Member,
            &format!("add patient {patient} to organization {organization}"),
        ),

        Action::CreateStudy { organization } => {
            if p.is_superuser() {
                return Ok(());
            }
            require_org_role(
                p,
                facts,
                *organization,
                Role::Member,
                &format!("create studies in organization {organization}"),
            )
        }
        // G4: study sub-collection writes need the right to manage the study.
        Action::UpdateStudy { study }
        | Action::DeleteStudy { study }
        | Action::ManageStudyScopeRequests { study }
        | Action::ManageStudyDataSources { study }
        | Action::ManageStudyClients { study } => {
            if p.is_superuser() && facts.study_organization(*study).is_some() {
                return Ok(());
            }
            let doing = match action {
                Action::UpdateStudy { .. } => format!("change study {study}"),
                Action::DeleteStudy { .. } => format!("delete study {study}"),
                Action::ManageStudyScopeRequests { .. } => {
                    format!("change the data types study {study} asks for")
                }
                Action::ManageStudyDataSources { .. } => format!("change the data sources of study {study}"),
                _ => format!("change the patient apps of study {study}"),
            };
            require_study_role(p, facts, *study, Role::Member, &doing)
        }
        Action::ReadStudyPatients { study } => require_study_role(
            p,
            facts,
            *study,
            Role::Viewer,
            &format!("see the patients of study {study}"),
        ),
        Action::ManageStudyPatients { study } => require_study_role(
            p,
            facts,
            *study,
            Role::Member,
            &format!("enrol patients in study {study}"),
        ),

        Action::ReadConsents { patient } => self_or_role_for_patient(
            p,
            facts,
            *patient,
            Role::Viewer,
            &format!("read the consents of patient {patient}"),
        ),
        Action::WriteConsents { patient, study } => {
            if p.is_own_patient(*patient) {
                return Ok(());
            }
            if matches!(p.actor, Actor::Patient { .. }) {
                return Err(not_yourself(&format!("change the consents of patient {patient}")));
            }
            let doing = format!("record consents of patient {patient} for study {study}");
            require_study_role(p, facts, *study, Role::Member, &doing)?;
            // The study is within reach; the patient must be too (an enrolment left over from a patient who has
            // since left the organization gives no handle on them).
            require_role_for_patient(p, facts, *patient, Role::Viewer, &doing)
        }

        Action::UploadObservation { patient, scope } => {
            self_or_role_for_patient(
                p,
                facts,
                *patient,
                Role::Member,
                &format!("upload observations for patient {patient}"),
            )?;
            if facts.studies_with_current_consent(*patient, *scope).is_empty() {
                Err(Denied::new(
                    DenialCode::NoConsent,
                    format!(
                        "Observations of scope {scope} cannot be uploaded for patient {patient}: the patient has \
                         not consented to share this data type with any study that asks for it."
                    ),
                ))
            } else {
                Ok(())
            }
        }
        // G10: deleting stored data is for managers, and only of data they can see.
        Action::DeleteObservation { patient, scope } => {
            if matches!(p.actor, Actor::Patient { .. }) {
                return Err(practitioner_only("delete observations"));
            }
            require_role_for_patient(
                p,
                facts,
                *patient,
                Role::Manager,
                &format!("delete observations of patient {patient}"),
            )?;
            if may_see_observation(p, facts, *patient, *scope) {
                Ok(())
            } else {
                Err(observation_denial(p, facts, *patient, *scope))
            }
        }

        Action::ReadPatientRecords { patient, .. } => self_or_role_for_patient(
            p,
            facts,
            *patient,
            Role::Viewer,
            &format!("read the records of patient {patient}"),
        ),
        // G12: viewers do not write patient records.
        Action::WritePatientRecords { patient, .. } => self_or_role_for_patient(
            p,
            facts,
            *patient,
            Role::Member,
            &format!("change the records of patient {patient}"),
        ),
        Action::ManageFhirSources { patient } => {
            if p.is_own_patient(*patient) {
                Ok(())
            } else {
                Err(Denied::new(
                    DenialCode::PatientOnly,
                    "Only patients can register FHIR sources, and only their own.",
                ))
            }
        }
        // G3: an invitation hands out a patient's login, so it needs the right to manage that patient.
        Action::ManageInvitations { patient } => {
            if matches!(p.actor, Actor::Patient { .. }) {
                return Err(practitioner_only("invite patients"));
            }
            require_role_for_patient(
                p,
                facts,
                *patient,
                Role::Member,
                &format!("invite patient {patient}"),
            )
        }

        Action::ReadClients => match p.practitioner_id() {
            Some(_) => Ok(()),
            None => Err(practitioner_only("list patient apps")),
        },
        // G6: data sources and clients, including their linked sub-collections, belong to superusers.
        Action::ManageDataSources => superuser_only(p, "change data sources"),
        Action::ManageClients => superuser_only(p, "change patient apps"),
        Action::ManageSettings => superuser_only(p, "read or change system settings"),
        Action::ReadAuditLog => superuser_only(p, "read the audit log"),

        Action::ReadPatient { .. }
        | Action::ReadStudy { .. }
        | Action::ReadOrganization { .. }
        | Action::ReadObservation { .. } => {
            // Answered by the visibility functions before the rules are consulted.
            Err(Denied::new(
                DenialCode::NeverAllowed,
                "This read is decided by visibility.",
            ))
        }
    }
}

fn check_user_edit(p: &Principal, user: jhe_domain::UserId, fields: UserFields) -> Result<(), Denied> {
    if fields.is_superuser {
        return Err(Denied::new(
            DenialCode::NeverAllowed,
            "The superuser flag cannot be changed through the API.",
        ));
    }
    if p.is_superuser() {
        return Ok(());
    }
    if user != p.user_id {
        return Err(Denied::new(
            DenialCode::NotYourself,
            "You can only change your own user account.",
        ));
    }
    if fields.email || fields.account {
        return Err(Denied::new(
            DenialCode::SuperuserOnly,
            "You can change your own first and last name; other account fields can only be changed by a superuser.",
        ));
    }
    Ok(())
}

// ----- reads, explained -------------------------------------------------------------------------------------------

/// The same principal with its token's restrictions lifted: what the user could do with a first-party session.
fn with_full_token(p: &Principal) -> Principal {
    p.clone().with_token_scopes(TokenScopes::Unrestricted)
}

/// The rule's own refusal, or a plain one should the rule (unexpectedly) allow what visibility refused.
fn rule_denial(rule: Result<(), Denied>, fallback: String) -> Result<(), Denied> {
    Err(rule
        .err()
        .unwrap_or_else(|| Denied::new(DenialCode::NoRole, fallback)))
}

fn explain_patient_read(p: &Principal, facts: &Facts, patient: PatientId) -> Result<(), Denied> {
    if may_see_patient(p, facts, patient) {
        return Ok(());
    }
    if may_see_patient(&with_full_token(p), facts, patient) {
        return Err(token_denial(
            Some("Patient"),
            Access::Read,
            p.is_own_patient(patient),
        ));
    }
    let doing = format!("read patient {patient}");
    rule_denial(
        self_or_role_for_patient(p, facts, patient, Role::Viewer, &doing),
        format!("You cannot {doing}."),
    )
}

fn explain_study_read(p: &Principal, facts: &Facts, study: StudyId) -> Result<(), Denied> {
    if may_see_study(p, facts, study) {
        return Ok(());
    }
    if may_see_study(&with_full_token(p), facts, study) {
        let own = p
            .own_patient_id()
            .is_some_and(|own| facts.enrolment(study, own).is_some());
        return Err(token_denial(Some("Group"), Access::Read, own));
    }
    let doing = format!("see study {study}");
    if matches!(p.actor, Actor::Patient { .. }) {
        return Err(Denied::new(
            DenialCode::NotYourself,
            format!("You cannot {doing}: patients see only the studies they are enrolled in."),
        ));
    }
    rule_denial(
        require_study_role(p, facts, study, Role::Viewer, &doing),
        format!("You cannot {doing}."),
    )
}

fn explain_organization_read(
    p: &Principal,
    facts: &Facts,
    organization: OrganizationId,
) -> Result<(), Denied> {
    if may_see_organization(p, facts, organization) {
        return Ok(());
    }
    if may_see_organization(&with_full_token(p), facts, organization) {
        let own = p
            .own_patient_id()
            .is_some_and(|own| facts.patient_is_in(own, organization));
        return Err(token_denial(Some("Organization"), Access::Read, own));
    }
    let doing = format!("see organization {organization}");
    if matches!(p.actor, Actor::Patient { .. }) {
        return Err(Denied::new(
            DenialCode::NotYourself,
            format!("You cannot {doing}: patients see only the organizations that care for them."),
        ));
    }
    rule_denial(
        require_org_role(p, facts, organization, Role::Viewer, &doing),
        format!("You cannot {doing}."),
    )
}

fn explain_observation_read(
    p: &Principal,
    facts: &Facts,
    patient: PatientId,
    scope: ScopeCodeId,
) -> Result<(), Denied> {
    if may_see_observation(p, facts, patient, scope) {
        return Ok(());
    }
    if may_see_observation(&with_full_token(p), facts, patient, scope) {
        return Err(token_denial(
            Some("Observation"),
            Access::Read,
            p.is_own_patient(patient),
        ));
    }
    Err(observation_denial(p, facts, patient, scope))
}

fn observation_denial(p: &Principal, facts: &Facts, patient: PatientId, scope: ScopeCodeId) -> Denied {
    if matches!(p.actor, Actor::Patient { .. }) {
        return not_yourself(&format!("read the observations of patient {patient}"));
    }
    let has_role = p
        .practitioner_id()
        .and_then(|pr| facts.role_for_patient(pr, patient))
        .is_some();
    let code = if has_role {
        DenialCode::NoConsent
    } else {
        DenialCode::NoRole
    };
    Denied::new(
        code,
        format!(
            "You cannot see observations of scope {scope} for patient {patient}: that needs a role in the \
             organization of a study that asks for this data type, in which the patient is enrolled and currently \
             consents to share it.{}",
            superuser_hint(p)
        ),
    )
}

// ----- building blocks --------------------------------------------------------------------------------------------

fn role_words(minimum: Role) -> &'static str {
    match minimum {
        Role::Viewer => "viewer, member or manager",
        Role::Member => "member or manager",
        Role::Manager => "manager",
    }
}

fn superuser_hint(p: &Principal) -> &'static str {
    if p.is_superuser() {
        " Superusers get no automatic access to patient data."
    } else {
        ""
    }
}

fn superuser_only(p: &Principal, doing: &str) -> Result<(), Denied> {
    if p.is_superuser() {
        Ok(())
    } else {
        Err(Denied::new(
            DenialCode::SuperuserOnly,
            format!("You cannot {doing}: only superusers can."),
        ))
    }
}

fn practitioner_only(doing: &str) -> Denied {
    Denied::new(
        DenialCode::PractitionerOnly,
        format!("You cannot {doing}: only practitioners can."),
    )
}

fn not_yourself(doing: &str) -> Denied {
    Denied::new(
        DenialCode::NotYourself,
        format!("You cannot {doing}: as a patient you can only act on your own data."),
    )
}

/// The practitioner needs at least `minimum` as their effective role in `organization`.
fn require_org_role(
    p: &Principal,
    facts: &Facts,
    organization: OrganizationId,
    minimum: Role,
    doing: &str,
) -> Result<(), Denied> {
    let Some(me) = p.practitioner_id() else {
        return Err(practitioner_only(doing));
    };
    let needs = format!(
        "You cannot {doing}: that needs the {} role in organization {organization} or in an organization above it.",
        role_words(minimum)
    );
    match facts.effective_role(me, organization) {
        Some(role) if role >= minimum => Ok(()),
        Some(role) => Err(Denied::new(
            DenialCode::RoleTooLow,
            format!("{needs} Your role there is {role}.{}", superuser_hint(p)),
        )),
        None => Err(Denied::new(
            DenialCode::NoRole,
            format!("{needs} You have no role there.{}", superuser_hint(p)),
        )),
    }
}

/// The practitioner needs at least `minimum` in the organization owning `study`.
fn require_study_role(
    p: &Principal,
    facts: &Facts,
    study: StudyId,
    minimum: Role,
    doing: &str,
) -> Result<(), Denied> {
    let Some(me) = p.practitioner_id() else {
        return Err(practitioner_only(doing));
    };
    let Some(organization) = facts.study_organization(study) else {
        return Err(Denied::new(
            DenialCode::UnknownTarget,
            format!("You cannot {doing}: there is no such study."),
        ));
    };
    let needs = format!(
        "You cannot {doing}: that needs the {} role in the study's organization or in an organization above it.",
        role_words(minimum)
    );
    match facts.effective_role(me, organization) {
        Some(role) if role >= minimum => Ok(()),
        Some(role) => Err(Denied::new(
            DenialCode::RoleTooLow,
            format!("{needs} Your role there is {role}.{}", superuser_hint(p)),
        )),
        None => Err(Denied::new(
            DenialCode::NoRole,
            format!("{needs} You have no role there.{}", superuser_hint(p)),
        )),
    }
}

/// The practitioner needs at least `minimum` in some organization the patient belongs to.
fn require_role_for_patient(
    p: &Principal,
    facts: &Facts,
    patient: PatientId,
    minimum: Role,
    doing: &str,
) -> Result<(), Denied> {
    let Some(me) = p.practitioner_id() else {
        return Err(not_yourself(doing));
    };
    let needs = format!(
        "You cannot {doing}: that needs the {} role in an organization the patient belongs to, or in an \
         organization above it.",
        role_words(minimum)
    );
    match facts.role_for_patient(me, patient) {
        Some(role) if role >= minimum => Ok(()),
        Some(role) => Err(Denied::new(
            DenialCode::RoleTooLow,
            format!("{needs} Your highest role for this patient is {role}."),
        )),
        None => Err(Denied::new(
            DenialCode::NoRole,
            format!("{needs}{}", superuser_hint(p)),
        )),
    }
}

/// The patient themselves, or a practitioner with at least `minimum` for the patient.
fn self_or_role_for_patient(
    p: &Principal,
    facts: &Facts,
    patient: PatientId,
    minimum: Role,
    doing: &str,
) -> Result<(), Denied> {
    if p.is_own_patient(patient) {
        return Ok(());
    }
    require_role_for_patient(p, facts, patient, minimum, doing)
}

fn require_patient_in(facts: &Facts, patient: PatientId, organization: OrganizationId) -> Result<(), Denied> {
    if facts.patient_is_in(patient, organization) {
        Ok(())
    } else {
        Err(Denied::new(
            DenialCode::PatientNotInOrganization,
            format!("Patient {patient} does not belong to organization {organization}."),
        ))
    }
}
