//! What a principal may see, described as a *set*, so the store can compile it into one SQL query instead of
//! checking rows one by one.
//!
//! Each `*Visibility` enum is computed from the principal alone (who they are and what their token allows); the
//! store turns it into a `WHERE` clause, with a recursive CTE for "organizations in the subtrees of the
//! practitioner's memberships". Each enum's `admits` method is the row-by-row meaning of that clause over
//! [`Facts`]: the reference against which the SQL is tested. `may_see_*` combine the two.
//!
//! Every variant's meaning, written once:
//!
//! * *reach of a practitioner* = the organizations in which they hold a membership (any role), and every
//!   organization below those. It is exactly the set of organizations in which they have an effective role.
//! * [`ObservationVisibility::ThroughConsentedStudies`]: observations of patient P with scope C for which there is
//!   a study S, owned by an organization in the practitioner's reach, that asks for C, in which P is enrolled, and
//!   whose consent record for (P's enrolment in S, C) is `consented`.
//! * [`PatientVisibility::ThroughMemberships`]: patients linked to an organization in the practitioner's reach.
//! * [`StudyVisibility::ThroughMemberships`]: studies owned by an organization in the practitioner's reach.
//! * [`OrganizationVisibility::ThroughMemberships`]: the organizations in the practitioner's reach.
//! * `Own…` / `OfPatient` / `EnrolledIn`: the patient's own rows, organizations they are linked to, studies they are
//!   enrolled in.
//! * `All`: every row (superusers, for organizations and study metadata only).
//! * The combined variants are the union of their two parts (a dual-role account).

use jhe_domain::{OrganizationId, PatientId, PractitionerId, ScopeCodeId, StudyId};
use serde::{Deserialize, Serialize};

use crate::facts::Facts;
use crate::principal::Principal;
use crate::smart::Access;

/// Which Open mHealth observations a principal may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ObservationVisibility {
    /// None at all.
    Nothing,
    /// The patient's own observations, every scope.
    OwnData {
        /// The patient.
        patient_id: PatientId,
    },
    /// Observations reachable through a study in the practitioner's reach that asks for the observation's scope and
    /// to which its subject currently consents (see the module documentation).
    ThroughConsentedStudies {
        /// The practitioner.
        practitioner_id: PractitionerId,
    },
    /// The union of [`ObservationVisibility::OwnData`] and [`ObservationVisibility::ThroughConsentedStudies`], for a
    /// practitioner who is also a patient.
    OwnDataAndConsentedStudies {
        /// The account's own patient profile.
        patient_id: PatientId,
        /// The account's practitioner profile.
        practitioner_id: PractitionerId,
    },
}

impl ObservationVisibility {
    /// Whether an observation of `patient_id` with `scope_code_id` is in the set.
    pub fn admits(&self, facts: &Facts, patient_id: PatientId, scope_code_id: ScopeCodeId) -> bool {
        match *self {
            ObservationVisibility::Nothing => false,
            ObservationVisibility::OwnData { patient_id: own } => own == patient_id,
            ObservationVisibility::ThroughConsentedStudies { practitioner_id } => {
                visible_through_consented_study(facts, practitioner_id, patient_id, scope_code_id)
            }
            ObservationVisibility::OwnDataAndConsentedStudies {
                patient_id: own,
                practitioner_id,
            } => {
                own == patient_id
                    || visible_through_consented_study(facts, practitioner_id, patient_id, scope_code_id)
            }
        }
    }
}

/// The studies through which the practitioner may see observations of `patient_id` with `scope_code_id`, in study
/// id order. Empty when they may not.
pub fn studies_justifying_observation(
    facts: &Facts,
    practitioner_id: PractitionerId,
    patient_id: PatientId,
    scope_code_id: ScopeCodeId,
) -> Vec<StudyId> {
    facts
        .studies_with_current_consent(patient_id, scope_code_id)
        .into_iter()
        .filter(|study| {
            facts
                .study_organization(*study)
                .is_some_and(|org| facts.effective_role(practitioner_id, org).is_some())
        })
        .collect()
}

fn visible_through_consented_study(
    facts: &Facts,
    practitioner_id: PractitionerId,
    patient_id: PatientId,
    scope_code_id: ScopeCodeId,
) -> bool {
    !studies_justifying_observation(facts, practitioner_id, patient_id, scope_code_id).is_empty()
}

/// Which patient records a principal may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum PatientVisibility {
    /// None at all.
    Nothing,
    /// Only the patient's own record.
    Own {
        /// The patient.
        patient_id: PatientId,
    },
    /// Patients linked to an organization in the practitioner's reach (enrolled in a study or not).
    ThroughMemberships {
        /// The practitioner.
        practitioner_id: PractitionerId,
    },
    /// The union of the two, for a practitioner who is also a patient.
    OwnAndThroughMemberships {
        /// The account's own patient profile.
        patient_id: PatientId,
        /// The account's practitioner profile.
        practitioner_id: PractitionerId,
    },
}

impl PatientVisibility {
    /// Whether the patient is in the set.
    pub fn admits(&self, facts: &Facts, patient_id: PatientId) -> bool {
        let through = |practitioner_id| facts.role_for_patient(practitioner_id, patient_id).is_some();
        match *self {
            PatientVisibility::Nothing => false,
            PatientVisibility::Own { patient_id: own } => own == patient_id,
            PatientVisibility::ThroughMemberships { practitioner_id } => through(practitioner_id),
            PatientVisibility::OwnAndThroughMemberships {
                patient_id: own,
                practitioner_id,
            } => own == patient_id || through(practitioner_id),
        }
    }
}

/// Which studies a principal may see (their metadata and sub-collections, not their patients).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum StudyVisibility {
    /// None at all.
    Nothing,
    /// Every study (superusers).
    All,
    /// The studies the patient is enrolled in.
    EnrolledIn {
        /// The patient.
        patient_id: PatientId,
    },
    /// Studies owned by an organization in the practitioner's reach.
    ThroughMemberships {
        /// The practitioner.
        practitioner_id: PractitionerId,
    },
    /// The union of the two, for a practitioner who is also a patient.
    EnrolledInAndThroughMemberships {
        /// The account's own patient profile.
        patient_id: PatientId,
        /// The account's practitioner profile.
        practitioner_id: PractitionerId,
    },
}

impl StudyVisibility {
    /// Whether the study is in the set.
    pub fn admits(&self, facts: &Facts, study_id: StudyId) -> bool {
        let Some(organization) = facts.study_organization(study_id) else {
            return false;
        };
        let enrolled = |patient_id| facts.enrolment(study_id, patient_id).is_some();
        let through = |practitioner_id| facts.effective_role(practitioner_id, organization).is_some();
        match *self {
            StudyVisibility::Nothing => false,
            StudyVisibility::All => true,
            StudyVisibility::EnrolledIn { patient_id } => enrolled(patient_id),
            StudyVisibility::ThroughMemberships { practitioner_id } => through(practitioner_id),
            StudyVisibility::EnrolledInAndThroughMemberships {
                patient_id,
                practitioner_id,
            } => enrolled(patient_id) || through(practitioner_id),
        }
    }
}

/// Which organizations a principal may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum OrganizationVisibility {
    /// None at all.
    Nothing,
    /// Every organization (superusers).
    All,
    /// The organizations the patient is linked to.
    OfPatient {
        /// The patient.
        patient_id: PatientId,
    },
    /// The practitioner's reach: their organizations and everything below them.
    ThroughMemberships {
        /// The practitioner.
        practitioner_id: PractitionerId,
    },
    /// The union of the two, for a practitioner who is also a patient.
    OfPatientAndThroughMemberships {
        /// The account's own patient profile.
        patient_id: PatientId,
        /// The account's practitioner profile.
        practitioner_id: PractitionerId,
    },
}

impl OrganizationVisibility {
    /// Whether the organization is in the set.
    pub fn admits(&self, facts: &Facts, organization_id: OrganizationId) -> bool {
        let linked = |patient_id| facts.patient_is_in(patient_id, organization_id);
        let through = |practitioner_id| facts.effective_role(practitioner_id, organization_id).is_some();
        match *self {
            OrganizationVisibility::Nothing => false,
            OrganizationVisibility::All => facts.organizations.contains_key(&organization_id),
            OrganizationVisibility::OfPatient { patient_id } => linked(patient_id),
            OrganizationVisibility::ThroughMemberships { practitioner_id } => through(practitioner_id),
            OrganizationVisibility::OfPatientAndThroughMemberships {
                patient_id,
                practitioner_id,
            } => linked(patient_id) || through(practitioner_id),
        }
    }
}

/// The two parts every visibility is built from: the principal's own patient data (if their token reaches it) and
/// what they reach as a practitioner (if their token reaches other people's data).
struct Parts {
    own: Option<PatientId>,
    practitioner: Option<PractitionerId>,
}

fn parts(principal: &Principal, resource: &str) -> Parts {
    let scopes = &principal.token_scopes;
    Parts {
        own: principal
            .own_patient_id()
            .filter(|_| scopes.allows(Some(resource), Access::Read, true)),
        practitioner: principal
            .practitioner_id()
            .filter(|_| scopes.allows(Some(resource), Access::Read, false)),
    }
}

/// Which observations the principal may see. A patient sees their own; a practitioner (superusers included: no
/// bypass) sees what consented studies in their reach show them; a token whose SMART scopes do not allow reading
/// Observation sees nothing.
pub fn observation_visibility(principal: &Principal) -> ObservationVisibility {
    match parts(principal, "Observation") {
        Parts {
            own: None,
            practitioner: None,
        } => ObservationVisibility::Nothing,
        Parts {
            own: Some(patient_id),
            practitioner: None,
        } => ObservationVisibility::OwnData { patient_id },
        Parts {
            own: None,
            practitioner: Some(practitioner_id),
        } => ObservationVisibility::ThroughConsentedStudies { practitioner_id },
        Parts {
            own: Some(patient_id),
            practitioner: Some(practitioner_id),
        } => ObservationVisibility::OwnDataAndConsentedStudies {
            patient_id,
            practitioner_id,
        },
    }
}

/// Whether the principal may see observations of `patient_id` with `scope_code_id`: the per-row form of
/// [`observation_visibility`]. Decided afresh on every call, so a revoked consent hides data on the next request.
pub fn may_see_observation(
    principal: &Principal,
    facts: &Facts,
    patient_id: PatientId,
    scope_code_id: ScopeCodeId,
) -> bool {
    observation_visibility(principal).admits(facts, patient_id, scope_code_id)
}

/// Which patient records the principal may see. Superusers get no bypass.
pub fn patient_visibility(principal: &Principal) -> PatientVisibility {
    match parts(principal, "Patient") {
        Parts {
            own: None,
            practitioner: None,
        } => PatientVisibility::Nothing,
        Parts {
            own: Some(patient_id),
            practitioner: None,
        } => PatientVisibility::Own { patient_id },
        Parts {
            own: None,
            practitioner: Some(practitioner_id),
        } => PatientVisibility::ThroughMemberships { practitioner_id },
        Parts {
            own: Some(patient_id),
            practitioner: Some(practitioner_id),
        } => PatientVisibility::OwnAndThroughMemberships {
            patient_id,
            practitioner_id,
        },
    }
}

/// Whether the principal may see the patient's record: the per-row form of [`patient_visibility`].
pub fn may_see_patient(principal: &Principal, facts: &Facts, patient_id: PatientId) -> bool {
    patient_visibility(principal).admits(facts, patient_id)
}

/// Which studies the principal may see. Superusers see every study's metadata (not its patients).
pub fn study_visibility(principal: &Principal) -> StudyVisibility {
    let parts = parts(principal, "Group");
    if principal.is_superuser() && parts.practitioner.is_some() {
        return StudyVisibility::All;
    }
    match parts {
        Parts {
            own: None,
            practitioner: None,
        } => StudyVisibility::Nothing,
        Parts {
            own: Some(patient_id),
            practitioner: None,
        } => StudyVisibility::EnrolledIn { patient_id },
        Parts {
            own: None,
            practitioner: Some(practitioner_id),
        } => StudyVisibility::ThroughMemberships { practitioner_id },
        Parts {
            own: Some(patient_id),
            practitioner: Some(practitioner_id),
        } => StudyVisibility::EnrolledInAndThroughMemberships {
            patient_id,
            practitioner_id,
        },
    }
}

/// Whether the principal may see the study: the per-row form of [`study_visibility`].
pub fn may_see_study(principal: &Principal, facts: &Facts, study_id: StudyId) -> bool {
    study_visibility(principal).admits(facts, study_id)
}

/// Which organizations the principal may see. Superusers see all of them.
pub fn organization_visibility(principal: &Principal) -> OrganizationVisibility {
    let parts = parts(principal, "Organization");
    if principal.is_superuser() && parts.practitioner.is_some() {
        return OrganizationVisibility::All;
    }
    match parts {
        Parts {
            own: None,
            practitioner: None,
        } => OrganizationVisibility::Nothing,
        Parts {
            own: Some(patient_id),
            practitioner: None,
        } => OrganizationVisibility::OfPatient { patient_id },
        Parts {
            own: None,
            practitioner: Some(practitioner_id),
        } => OrganizationVisibility::ThroughMemberships { practitioner_id },
        Parts {
            own: Some(patient_id),
            practitioner: Some(practitioner_id),
        } => OrganizationVisibility::OfPatientAndThroughMemberships {
            patient_id,
            practitioner_id,
        },
    }
}

/// Whether the principal may see the organization: the per-row form of [`organization_visibility`].
pub fn may_see_organization(principal: &Principal, facts: &Facts, organization_id: OrganizationId) -> bool {
    organization_visibility(principal).admits(facts, organization_id)
}
