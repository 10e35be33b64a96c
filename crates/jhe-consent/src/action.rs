//! What a principal may ask to do, and why a request is refused.

use jhe_domain::{OrganizationId, PatientId, PractitionerId, ScopeCodeId, StudyId, UserId};
use serde::{Deserialize, Serialize};

use crate::smart::Access;

/// Which fields of a user account an edit touches. The HTTP layer sets a flag for every field present in the
/// request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct UserFields {
    /// First and last name.
    pub names: bool,
    /// The e-mail address (the login name).
    pub email: bool,
    /// Anything else about the account: user type, active/staff flags, identifier, password.
    pub account: bool,
    /// The superuser flag. Never writable through the API.
    pub is_superuser: bool,
}

impl UserFields {
    /// Only the first and last name.
    pub const NAMES: UserFields = UserFields {
        names: true,
        email: false,
        account: false,
        is_superuser: false,
    };
}

/// How an auxiliary FHIR record is changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordChange {
    /// A new record.
    Create,
    /// A replaced or patched record.
    Update,
    /// A removed record.
    Delete,
}

/// Everything a principal may ask to do through the Admin API, the FHIR API or the OAuth helpers, with its target.
/// [`crate::authorize`] answers each one. The route-to-action table is in `docs/consent.md`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Action {
    // ----- users -----
    /// Read one's own profile (`/users/profile`, `/users/organizations`, `/o/userinfo`).
    ReadOwnProfile,
    /// Read one user account.
    ReadUser {
        /// The account.
        user: UserId,
    },
    /// List every user account.
    ListUsers,
    /// Find a user account by e-mail, to add it to an organization.
    SearchUsersByEmail,
    /// Create a user account directly.
    CreateUser,
    /// Change fields of a user account.
    EditUser {
        /// The account.
        user: UserId,
        /// The fields the change touches.
        fields: UserFields,
    },
    /// Delete a user account.
    DeleteUser {
        /// The account.
        user: UserId,
    },

    // ----- organizations -----
    /// Read an organization (also its tree and its list of studies, filtered by visibility).
    ReadOrganization {
        /// The organization.
        organization: OrganizationId,
    },
    /// List the practitioners of an organization with their roles.
    ReadOrganizationMembers {
        /// The organization.
        organization: OrganizationId,
    },
    /// Create an organization below `part_of`, or a top-level one.
    CreateOrganization {
        /// The parent; `None` or the root for a top-level organization.
        part_of: Option<OrganizationId>,
    },
    /// Rename an organization or change its type (never its parent).
    UpdateOrganization {
        /// The organization.
        organization: OrganizationId,
    },
    /// Delete an organization and everything below it.
    DeleteOrganization {
        /// The organization.
        organization: OrganizationId,
    },
    /// Add, re-role or remove practitioners of an organization.
    ManageOrganizationMembers {
        /// The organization.
        organization: OrganizationId,
    },

    // ----- practitioners -----
    /// Read a practitioner profile (FHIR Practitioner).
    ReadPractitioner {
        /// The practitioner.
        practitioner: PractitionerId,
    },
    /// List, create, change or delete practitioner profiles (`/practitioners`).
    ManagePractitioners,
    /// Create, list and delete one's own practitioner API clients (client-credentials keys).
    ManageOwnApiClients,

    // ----- patients -----
    /// Read a patient record (Admin and FHIR Patient), including the patient's linked clients.
    ReadPatient {
        /// The patient.
        patient: PatientId,
    },
    /// Create a patient in an organization.
    CreatePatient {
        /// The organization the patient joins.
        organization: OrganizationId,
    },
    /// Change a patient's demographics and identifiers.
    UpdatePatient {
        /// The patient.
        patient: PatientId,
        /// The organization named by the request (`?organization_id=`), if any. When given, the patient must
        /// belong to it.
        organization: Option<OrganizationId>,
    },
    /// Remove a patient from an organization (and, when it was their last, delete them).
    DeletePatient {
        /// The patient.
        patient: PatientId,
        /// The organization they are removed from.
        organization: OrganizationId,
    },
    /// Look a patient up by e-mail across the exchange, to add them to one's organization.
    LookupPatientByEmail,
    /// Link an existing patient to another organization.
    AddPatientToOrganization {
        /// The patient.
        patient: PatientId,
        /// The organization they join.
        organization: OrganizationId,
    },

    // ----- studies -----
    /// Read a study and its sub-collections (scope requests, data sources, clients).
    ReadStudy {
        /// The study.
        study: StudyId,
    },
    /// Create a study owned by an organization.
    CreateStudy {
        /// The owning organization.
        organization: OrganizationId,
    },
    /// Change a study's name, description or icon.
    UpdateStudy {
        /// The study.
        study: StudyId,
    },
    /// Delete a study with its enrolments and consents.
    DeleteStudy {
        /// The study.
        study: StudyId,
    },
    /// List the patients enrolled in a study.
    ReadStudyPatients {
        /// The study.
        study: StudyId,
    },
    /// Enrol patients in a study or remove them.
    ManageStudyPatients {
        /// The study.
        study: StudyId,
    },
    /// Add or remove the data types a study asks for.
    ManageStudyScopeRequests {
        /// The study.
        study: StudyId,
    },
    /// Add or remove a study's data sources.
    ManageStudyDataSources {
        /// The study.
        study: StudyId,
    },
    /// Add or remove a study's patient apps (OAuth clients).
    ManageStudyClients {
        /// The study.
        study: StudyId,
    },

    // ----- consents -----
    /// Read a patient's consents (`GET /patients/{id}/consents`).
    ReadConsents {
        /// The patient.
        patient: PatientId,
    },
    /// Grant, refuse or withdraw a patient's consents for one study.
    WriteConsents {
        /// The patient.
        patient: PatientId,
        /// The study the consents are for.
        study: StudyId,
    },

    // ----- observations -----
    /// Read or search a patient's Open mHealth observations of one data type.
    ReadObservation {
        /// The subject.
        patient: PatientId,
        /// The observation's data type.
        scope: ScopeCodeId,
    },
    /// Upload an Open mHealth observation of one data type for a patient.
    UploadObservation {
        /// The subject.
        patient: PatientId,
        /// The observation's data type.
        scope: ScopeCodeId,
    },
    /// Delete one stored observation.
    DeleteObservation {
        /// The subject.
        patient: PatientId,
        /// The observation's data type.
        scope: ScopeCodeId,
    },

    // ----- auxiliary FHIR records -----
    /// Read or search a patient's auxiliary FHIR records (imported Conditions, QuestionnaireResponses, …).
    ReadPatientRecords {
        /// The patient the records are about.
        patient: PatientId,
        /// The FHIR resource type.
        resource_type: String,
    },
    /// Create, replace, patch or delete a patient's auxiliary FHIR records.
    WritePatientRecords {
        /// The patient the records are about.
        patient: PatientId,
        /// The FHIR resource type.
        resource_type: String,
        /// What is done.
        change: RecordChange,
    },
    /// Register, change or index a patient's own FHIR sources.
    ManageFhirSources {
        /// The patient.
        patient: PatientId,
    },

    // ----- invitations -----
    /// Mint, list or cancel invitations that let a patient sign in to a patient app.
    ManageInvitations {
        /// The invited patient.
        patient: PatientId,
    },

    // ----- catalogue and administration -----
    /// Read the public catalogue: data sources and their supported scopes, scope codes, organization types.
    ReadCatalog,
    /// Create, change or delete data sources and their supported scopes.
    ManageDataSources,
    /// Read the registered patient apps (OAuth clients).
    ReadClients,
    /// Create, change or delete patient apps and their data sources.
    ManageClients,
    /// Read or change system settings.
    ManageSettings,
    /// Read the audit log.
    ReadAuditLog,
}

/// What an action needs from the token's SMART scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenNeed<'a> {
    /// Nothing: any authenticated token may do it.
    Nothing,
    /// The access on a FHIR resource type (`None`: an administrative resource only `*` covers).
    Resource(Option<&'a str>, Access),
}

impl Action {
    /// A stable name for the audit log, `<resource>.<verb>` (`observation.read`, `consent.write`, …).
    pub const fn name(&self) -> &'static str {
        match self {
            Action::ReadOwnProfile => "profile.read",
            Action::ReadUser { .. } => "user.read",
            Action::ListUsers => "user.list",
            Action::SearchUsersByEmail => "user.search",
            Action::CreateUser => "user.create",
            Action::EditUser { .. } => "user.update",
            Action::DeleteUser { .. } => "user.delete",
            Action::ReadOrganization { .. } => "organization.read",
            Action::ReadOrganizationMembers { .. } => "organization.members.read",
            Action::CreateOrganization { .. } => "organization.create",
            Action::UpdateOrganization { .. } => "organization.update",
            Action::DeleteOrganization { .. } => "organization.delete",
            Action::ManageOrganizationMembers { .. } => "organization.members.manage",
            Action::ReadPractitioner { .. } => "practitioner.read",
            Action::ManagePractitioners => "practitioner.manage",
            Action::ManageOwnApiClients => "api_client.manage",
            Action::ReadPatient { .. } => "patient.read",
            Action::CreatePatient { .. } => "patient.create",
            Action::UpdatePatient { .. } => "patient.update",
            Action::DeletePatient { .. } => "patient.delete",
            Action::LookupPatientByEmail => "patient.lookup",
            Action::AddPatientToOrganization { .. } => "patient.add_organization",
            Action::ReadStudy { .. } => "study.read",
            Action::CreateStudy { .. } => "study.create",
            Action::UpdateStudy { .. } => "study.update",
            Action::DeleteStudy { .. } => "study.delete",
            Action::ReadStudyPatients { .. } => "study.patients.read",
            Action::ManageStudyPatients { .. } => "study.patients.manage",
            Action::ManageStudyScopeRequests { .. } => "study.scope_requests.manage",
            Action::ManageStudyDataSources { .. } => "study.data_sources.manage",
            Action::ManageStudyClients { .. } => "study.clients.manage",
            Action::ReadConsents { .. } => "consent.read",
            Action::WriteConsents { .. } => "consent.write",
            Action::ReadObservation { .. } => "observation.read",
            Action::UploadObservation { .. } => "observation.create",
            Action::DeleteObservation { .. } => "observation.delete",
            Action::ReadPatientRecords { .. } => "record.read",
            Action::WritePatientRecords { .. } => "record.write",
            Action::ManageFhirSources { .. } => "fhir_source.manage",
            Action::ManageInvitations { .. } => "invitation.manage",
            Action::ReadCatalog => "catalog.read",
            Action::ManageDataSources => "data_source.manage",
            Action::ReadClients => "client.read",
            Action::ManageClients => "client.manage",
            Action::ManageSettings => "setting.manage",
            Action::ReadAuditLog => "audit.read",
        }
    }

    /// The patient whose data the action touches, if it targets one patient.
    pub const fn target_patient(&self) -> Option<PatientId> {
        match self {
            Action::ReadPatient { patient }
            | Action::UpdatePatient { patient, .. }
            | Action::DeletePatient { patient, .. }
            | Action::AddPatientToOrganization { patient, .. }
            | Action::ReadConsents { patient }
            | Action::WriteConsents { patient, .. }
            | Action::ReadObservation { patient, .. }
            | Action::UploadObservation { patient, .. }
            | Action::DeleteObservation { patient, .. }
            | Action::ReadPatientRecords { patient, .. }
            | Action::WritePatientRecords { patient, .. }
            | Action::ManageFhirSources { patient }
            | Action::ManageInvitations { patient } => Some(*patient),
            _ => None,
        }
    }

    /// What the token's SMART scopes must allow for this action. Administrative actions (users, settings, …) map
    /// to no FHIR resource type and need a `*` scope.
    pub(crate) fn token_need(&self) -> TokenNeed<'_> {
        use Access::{Create, Delete, Read, Update};
        let (resource, access) = match self {
            Action::ReadOwnProfile | Action::ReadCatalog => return TokenNeed::Nothing,
            Action::ReadUser { .. } | Action::ListUsers | Action::SearchUsersByEmail => (None, Read),
            Action::CreateUser => (None, Create),
            Action::EditUser { .. } => (None, Update),
            Action::DeleteUser { .. } => (None, Delete),
            Action::ReadOrganization { .. } | Action::ReadOrganizationMembers { .. } => {
                (Some("Organization"), Read)
            }
            Action::CreateOrganization { .. } => (Some("Organization"), Create),
            Action::UpdateOrganization { .. } | Action::ManageOrganizationMembers { .. } => {
                (Some("Organization"), Update)
            }
            Action::DeleteOrganization { .. } => (Some("Organization"), Delete),
            Action::ReadPractitioner { .. } => (Some("Practitioner"), Read),
            Action::ManagePractitioners => (Some("Practitioner"), Update),
            Action::ManageOwnApiClients => (None, Update),
            Action::ReadPatient { .. } | Action::LookupPatientByEmail => (Some("Patient"), Read),
            Action::CreatePatient { .. } => (Some("Patient"), Create),
            Action::UpdatePatient { .. } | Action::AddPatientToOrganization { .. } => {
                (Some("Patient"), Update)
            }
            Action::DeletePatient { .. } => (Some("Patient"), Delete),
            Action::ReadStudy { .. } | Action::ReadStudyPatients { .. } => (Some("Group"), Read),
            Action::CreateStudy { .. } => (Some("Group"), Create),
            Action::UpdateStudy { .. }
            | Action::ManageStudyPatients { .. }
            | Action::ManageStudyScopeRequests { .. }
            | Action::ManageStudyDataSources { .. }
            | Action::ManageStudyClients { .. } => (Some("Group"), Update),
            Action::DeleteStudy { .. } => (Some("Group"), Delete),
            Action::ReadConsents { .. } => (Some("Consent"), Read),
            Action::WriteConsents { .. } => (Some("Consent"), Update),
            Action::ReadObservation { .. } => (Some("Observation"), Read),
            Action::UploadObservation { .. } => (Some("Observation"), Create),
            Action::DeleteObservation { .. } => (Some("Observation"), Delete),
            Action::ReadPatientRecords { resource_type, .. } => (Some(resource_type.as_str()), Read),
            Action::WritePatientRecords {
                resource_type,
                change,
                ..
            } => {
                let access = match change {
                    RecordChange::Create => Create,
                    RecordChange::Update => Update,
                    RecordChange::Delete => Delete,
                };
                (Some(resource_type.as_str()), access)
            }
            Action::ManageFhirSources { .. } | Action::ManageInvitations { .. } => (None, Update),
            Action::ManageDataSources => (Some("Device"), Update),
            Action::ReadClients | Action::ReadAuditLog => (None, Read),
            Action::ManageClients | Action::ManageSettings => (None, Update),
        };
        TokenNeed::Resource(resource, access)
    }
}

/// Why a request was refused, for programs: the HTTP layer may map some codes differently (for example answer
/// 404 rather than 403 for [`DenialCode::UnknownTarget`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DenialCode {
    /// The token's SMART scopes do not cover the action.
    TokenScope,
    /// Only superusers may do this.
    SuperuserOnly,
    /// The action needs a practitioner; the caller acts as a patient.
    PractitionerOnly,
    /// The action is only for the patient themselves.
    PatientOnly,
    /// A patient (or a user) may only do this for themselves.
    NotYourself,
    /// The caller holds no role where one is needed.
    NoRole,
    /// The caller's role is too low.
    RoleTooLow,
    /// The patient does not belong to the organization named by the request.
    PatientNotInOrganization,
    /// No current consent covers the data.
    NoConsent,
    /// The action is never allowed through the API.
    NeverAllowed,
    /// The target (study, organization) is not known.
    UnknownTarget,
}

/// A refusal, with a reason written for the person who made the request. The reason is sent to API clients
/// (as the 403 `detail`), so it names ids the caller already gave but never reveals facts they may not see.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[error("{reason}")]
pub struct Denied {
    /// The kind of refusal.
    pub code: DenialCode,
    /// Why, in a sentence.
    pub reason: String,
}

impl Denied {
    /// A refusal of the given kind.
    pub fn new(code: DenialCode, reason: impl Into<String>) -> Denied {
        Denied {
            code,
            reason: reason.into(),
        }
    }
}
