//! What a principal may do, summarised for a user interface: named permissions, globally and per organization.
//!
//! Nothing here is a second rule book. Every permission is answered by asking [`authorize`] about a representative
//! action (for per-organization permissions, an action on that organization, or on a placeholder patient or study
//! placed in it), so a screen that hides a button by this summary and the API that would refuse the request can
//! never disagree. The API remains the judge of every real request.

use chrono::DateTime;
use jhe_domain::{
    ConsentState, EnrolmentId, OrganizationId, PatientId, ROOT_ORGANIZATION_ID, Role, ScopeCodeId, StudyId,
};
use serde::Serialize;

use crate::action::Action;
use crate::authorize::authorize;
use crate::facts::Facts;
use crate::principal::Principal;

/// The summary of one principal's permissions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionSummary {
    /// Whether the principal is a superuser.
    pub is_superuser: bool,
    /// Permissions that do not concern one organization, by name (see [`GLOBAL_PERMISSIONS`]).
    pub global: Vec<&'static str>,
    /// The organizations where the principal holds a role, directly or inherited from above, with what it allows;
    /// for a superuser, every organization (their powers over structure and members reach everywhere).
    pub organizations: Vec<OrganizationPermissions>,
}

/// What a principal may do in one organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationPermissions {
    /// The organization.
    pub organization_id: OrganizationId,
    /// The principal's effective role there; `None` for a superuser without a role there.
    pub role: Option<Role>,
    /// Permissions, by name (see [`ORGANIZATION_PERMISSIONS`]).
    pub permissions: Vec<&'static str>,
}

/// A global permission: its name, and the action whose authorization answers it.
pub type GlobalPermission = (&'static str, fn() -> Action);
/// A per-organization permission: its name, and the action on a given organization that answers it.
pub type OrganizationPermission = (&'static str, fn(OrganizationId) -> Action);

/// The global permission names, each with the action that answers it.
pub const GLOBAL_PERMISSIONS: &[GlobalPermission] = &[
    ("organization.create_top_level", || Action::CreateOrganization {
        part_of: None,
    }),
    ("practitioner.manage", || Action::ManagePractitioners),
    ("user.manage", || Action::ListUsers),
    ("user.search_by_email", || Action::SearchUsersByEmail),
    ("patient.lookup_by_email", || Action::LookupPatientByEmail),
    ("client.manage", || Action::ManageClients),
    ("data_source.manage", || Action::ManageDataSources),
    ("setting.manage", || Action::ManageSettings),
    ("audit.read", || Action::ReadAuditLog),
    ("api_key.manage", || Action::ManageOwnApiClients),
];

/// A patient id no real patient has, placed in an organization to ask "a patient of this organization".
const PLACEHOLDER_PATIENT: PatientId = PatientId(i64::MIN);
/// A study id no real study has, placed in an organization to ask "a study of this organization".
const PLACEHOLDER_STUDY: StudyId = StudyId(i64::MIN);
/// The placeholder patient's enrolment in the placeholder study.
const PLACEHOLDER_ENROLMENT: EnrolmentId = EnrolmentId(i64::MIN);
/// A data type the placeholder study asks for and the placeholder patient consented to.
const PLACEHOLDER_SCOPE: ScopeCodeId = ScopeCodeId(i64::MIN);

/// The per-organization permission names, each with the action on organization `o` that answers it.
pub const ORGANIZATION_PERMISSIONS: &[OrganizationPermission] = &[
    ("organization.read", |o| Action::ReadOrganization {
        organization: o,
    }),
    ("organization.update", |o| Action::UpdateOrganization {
        organization: o,
    }),
    ("organization.delete", |o| Action::DeleteOrganization {
        organization: o,
    }),
    ("organization.create_child", |o| Action::CreateOrganization {
        part_of: Some(o),
    }),
    ("organization.manage_members", |o| {
        Action::ManageOrganizationMembers { organization: o }
    }),
    ("patient.manage", |o| Action::CreatePatient { organization: o }),
    ("patient.remove", |o| Action::DeletePatient {
        patient: PLACEHOLDER_PATIENT,
        organization: o,
    }),
    ("invitation.create", |_| Action::ManageInvitations {
        patient: PLACEHOLDER_PATIENT,
    }),
    ("study.manage", |o| Action::CreateStudy { organization: o }),
    ("study.manage_patients", |_| Action::ManageStudyPatients {
        study: PLACEHOLDER_STUDY,
    }),
    // An observation the caller can see: of a patient of this organization, consented to a study here.
    ("observation.delete", |_| Action::DeleteObservation {
        patient: PLACEHOLDER_PATIENT,
        scope: PLACEHOLDER_SCOPE,
    }),
];

/// Summarises what `principal` may do, given facts that hold the whole organization tree and the principal's
/// memberships (as loaded for a practitioner with no patients or studies named).
pub fn permission_summary(principal: &Principal, facts: &Facts) -> PermissionSummary {
    let global = GLOBAL_PERMISSIONS
        .iter()
        .filter(|(_, action)| authorize(principal, &action(), facts).is_ok())
        .map(|(name, _)| *name)
        .collect();

    let mut organizations = Vec::new();
    if let Some(practitioner) = principal.practitioner_id() {
        for &organization in facts.organizations.keys() {
            let role = facts.effective_role(practitioner, organization);
            if organization == ROOT_ORGANIZATION_ID || (role.is_none() && !principal.is_superuser()) {
                continue;
            }
            // The placeholders live in this organization only while its permissions are asked.
            let probe = facts
                .clone()
                .patient_in(PLACEHOLDER_PATIENT, organization)
                .study(PLACEHOLDER_STUDY, organization)
                .scope_request(PLACEHOLDER_STUDY, PLACEHOLDER_SCOPE)
                .enrol(PLACEHOLDER_ENROLMENT, PLACEHOLDER_STUDY, PLACEHOLDER_PATIENT)
                .consent(
                    PLACEHOLDER_ENROLMENT,
                    PLACEHOLDER_SCOPE,
                    ConsentState::Consented,
                    DateTime::UNIX_EPOCH,
                );
            let permissions: Vec<&'static str> = ORGANIZATION_PERMISSIONS
                .iter()
                .filter(|(_, action)| authorize(principal, &action(organization), &probe).is_ok())
                .map(|(name, _)| *name)
                .collect();
            if permissions.is_empty() {
                continue;
            }
            organizations.push(OrganizationPermissions {
                organization_id: organization,
                role,
                permissions,
            });
        }
    }
    PermissionSummary {
        is_superuser: principal.is_superuser(),
        global,
        organizations,
    }
}

#[cfg(test)]
mod tests {
    use jhe_domain::{PractitionerId, UserId};

    use super::*;

    const INSTITUTE: OrganizationId = OrganizationId(1);
    const LAB: OrganizationId = OrganizationId(2);
    const ELSEWHERE: OrganizationId = OrganizationId(3);
    const PRACTITIONER: PractitionerId = PractitionerId(7);

    fn world(role: Role) -> Facts {
        Facts::new()
            .organization(ROOT_ORGANIZATION_ID, None)
            .organization(INSTITUTE, Some(ROOT_ORGANIZATION_ID))
            .organization(LAB, Some(INSTITUTE))
            .organization(ELSEWHERE, Some(ROOT_ORGANIZATION_ID))
            .membership(PRACTITIONER, INSTITUTE, role)
    }

    fn of(summary: &PermissionSummary, organization: OrganizationId) -> Option<&OrganizationPermissions> {
        summary
            .organizations
            .iter()
            .find(|o| o.organization_id == organization)
    }

    #[test]
    fn a_role_reaches_down_the_tree_and_nowhere_else() {
        let principal = Principal::practitioner(UserId(1), PRACTITIONER);
        let summary = permission_summary(&principal, &world(Role::Member));
        assert!(!summary.is_superuser);
        assert_eq!(of(&summary, INSTITUTE).map(|o| o.role), Some(Some(Role::Member)));
        assert_eq!(
            of(&summary, LAB).map(|o| o.role),
            Some(Some(Role::Member)),
            "inherited"
        );
        assert!(of(&summary, ELSEWHERE).is_none());
        assert!(of(&summary, ROOT_ORGANIZATION_ID).is_none());
    }

    #[test]
    fn each_role_gets_what_the_rules_give_it() {
        let principal = Principal::practitioner(UserId(1), PRACTITIONER);
        let viewer = permission_summary(&principal, &world(Role::Viewer));
        let lab = of(&viewer, LAB).unwrap();
        assert_eq!(lab.permissions, vec!["organization.read"], "a viewer only reads");

        let member = permission_summary(&principal, &world(Role::Member));
        let lab = of(&member, LAB).unwrap();
        for granted in [
            "patient.manage",
            "study.manage",
            "study.manage_patients",
            "invitation.create",
        ] {
            assert!(
                lab.permissions.contains(&granted),
                "member: {granted} in {:?}",
                lab.permissions
            );
        }
        assert!(!lab.permissions.contains(&"organization.manage_members"));
        assert!(
            !lab.permissions.contains(&"observation.delete"),
            "members do not delete data"
        );

        let manager = permission_summary(&principal, &world(Role::Manager));
        let lab = of(&manager, LAB).unwrap();
        for granted in [
            "organization.create_child",
            "organization.manage_members",
            "organization.update",
            "observation.delete",
        ] {
            assert!(
                lab.permissions.contains(&granted),
                "manager: {granted} in {:?}",
                lab.permissions
            );
        }
        assert!(!manager.global.contains(&"organization.create_top_level"));
        assert!(manager.global.contains(&"user.search_by_email"));
        assert!(!viewer.global.contains(&"user.search_by_email"));
    }

    #[test]
    fn a_superuser_manages_structure_everywhere_but_no_patient_data_by_default() {
        let principal = Principal::superuser(UserId(1), PRACTITIONER);
        let facts = Facts::new()
            .organization(ROOT_ORGANIZATION_ID, None)
            .organization(INSTITUTE, Some(ROOT_ORGANIZATION_ID));
        let summary = permission_summary(&principal, &facts);
        assert!(summary.is_superuser);
        for granted in [
            "organization.create_top_level",
            "client.manage",
            "setting.manage",
            "audit.read",
        ] {
            assert!(
                summary.global.contains(&granted),
                "{granted} in {:?}",
                summary.global
            );
        }
        let institute = of(&summary, INSTITUTE).expect("every organization");
        assert_eq!(institute.role, None);
        for granted in [
            "organization.update",
            "organization.manage_members",
            "organization.create_child",
        ] {
            assert!(
                institute.permissions.contains(&granted),
                "{granted} in {:?}",
                institute.permissions
            );
        }
        for refused in ["patient.manage", "invitation.create", "observation.delete"] {
            assert!(
                !institute.permissions.contains(&refused),
                "{refused}: no role, no patient data"
            );
        }
        assert!(
            of(&summary, ROOT_ORGANIZATION_ID).is_none(),
            "the root is not an organization to manage"
        );
    }
}
