//! The facts the engine decides over, and the questions every decision asks of them (who holds which role where,
//! which organization lies below which, who is enrolled and who consents to what).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use jhe_domain::{
    Consent, ConsentState, Enrolment, EnrolmentId, Membership, OrganizationId, PatientId,
    PatientOrganization, PractitionerId, Role, ScopeCodeId, StudyId, StudyScopeRequest,
};

/// The consent decision currently recorded for one (enrolment, scope). A scope with no record is *pending*.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsentRecord {
    /// The enrolment (study, patient) the decision belongs to.
    pub enrolment_id: EnrolmentId,
    /// The data type decided on.
    pub scope_code_id: ScopeCodeId,
    /// The decision.
    pub state: ConsentState,
    /// When the decision was made.
    pub decided_at: DateTime<Utc>,
}

impl From<&Consent> for ConsentRecord {
    fn from(consent: &Consent) -> Self {
        Self {
            enrolment_id: consent.enrolment_id,
            scope_code_id: consent.scope_code_id,
            state: consent.state,
            decided_at: consent.decided_at,
        }
    }
}

/// A data type a study asks its patients to share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ScopeRequest {
    /// The asking study.
    pub study_id: StudyId,
    /// The data type asked for.
    pub scope_code_id: ScopeCodeId,
}

impl From<&StudyScopeRequest> for ScopeRequest {
    fn from(request: &StudyScopeRequest) -> Self {
        Self {
            study_id: request.study_id,
            scope_code_id: request.scope_code_id,
        }
    }
}

/// Everything the engine knows when it decides: plain data, loaded by the caller (usually `jhe-store`) for one
/// request and thrown away afterwards, so a change (a revoked consent, a removed membership) counts from the very
/// next request.
///
/// The engine never assumes it was given the whole database, only enough of it. For a decision about a target, load:
///
/// * the principal's memberships, and every organization on the path from the involved organizations up to the
///   root (role inheritance walks *up* from the target);
/// * for a patient target: the patient's organization links;
/// * for a study target: the study and its organization;
/// * for observations and consents: the patient's enrolments, those studies, their scope requests and the consent
///   records of those enrolments.
///
/// Facts that are missing make the engine refuse, never allow: every rule is "there exists a fact that grants".
/// The builder methods ([`Facts::organization`], [`Facts::membership`], …) make small fact sets easy to write in
/// tests and examples.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// Every known organization, mapped to its parent (`None` for the root or an organization with no parent).
    pub organizations: BTreeMap<OrganizationId, Option<OrganizationId>>,
    /// Practitioners' roles, one per (practitioner, organization).
    pub memberships: Vec<Membership>,
    /// Which organizations care for which patients.
    pub patient_organizations: Vec<PatientOrganization>,
    /// Every known study, mapped to the organization that owns it.
    pub studies: BTreeMap<StudyId, OrganizationId>,
    /// The data types each study asks for, in the order they are shown to patients.
    pub scope_requests: Vec<ScopeRequest>,
    /// Which patients are enrolled in which studies.
    pub enrolments: Vec<Enrolment>,
    /// The current consent decisions, one per (enrolment, scope).
    pub consents: Vec<ConsentRecord>,
}

/// How deep the organization tree may be before the engine stops walking it. Protects against a corrupt (cyclic)
/// parent chain; real trees are a handful of levels deep.
const MAX_TREE_DEPTH: usize = 64;

impl Facts {
    /// No facts at all: nobody may see anything.
    pub fn new() -> Self {
        Self::default()
    }

    // ----- builders ------------------------------------------------------------------------------------------------

    /// Adds (or re-parents) an organization. `part_of` is `None` for the root or an organization without parent.
    #[must_use]
    pub fn organization(mut self, id: OrganizationId, part_of: Option<OrganizationId>) -> Self {
        self.organizations.insert(id, part_of);
        self
    }

    /// Gives a practitioner a role in an organization, replacing the role they held there before (the store keeps
    /// one membership per pair).
    #[must_use]
    pub fn membership(
        mut self,
        practitioner_id: PractitionerId,
        organization_id: OrganizationId,
        role: Role,
    ) -> Self {
        self.set_membership(practitioner_id, organization_id, role);
        self
    }

    /// Links a patient to an organization.
    #[must_use]
    pub fn patient_in(mut self, patient_id: PatientId, organization_id: OrganizationId) -> Self {
        let link = PatientOrganization {
            patient_id,
            organization_id,
        };
        if !self.patient_organizations.contains(&link) {
            self.patient_organizations.push(link);
        }
        self
    }

    /// Adds a study owned by an organization.
    #[must_use]
    pub fn study(mut self, study_id: StudyId, organization_id: OrganizationId) -> Self {
        self.studies.insert(study_id, organization_id);
        self
    }

    /// Makes a study ask for a data type.
    #[must_use]
    pub fn scope_request(mut self, study_id: StudyId, scope_code_id: ScopeCodeId) -> Self {
        let request = ScopeRequest {
            study_id,
            scope_code_id,
        };
        if !self.scope_requests.contains(&request) {
            self.scope_requests.push(request);
        }
        self
    }

    /// Enrols a patient in a study under the given enrolment id.
    #[must_use]
    pub fn enrol(mut self, enrolment_id: EnrolmentId, study_id: StudyId, patient_id: PatientId) -> Self {
        self.enrolments.retain(|e| e.id != enrolment_id);
        self.enrolments.push(Enrolment {
            id: enrolment_id,
            study_id,
            patient_id,
        });
        self
    }

    /// Records a consent decision for (enrolment, scope), replacing any earlier one.
    #[must_use]
    pub fn consent(
        mut self,
        enrolment_id: EnrolmentId,
        scope_code_id: ScopeCodeId,
        state: ConsentState,
        decided_at: DateTime<Utc>,
    ) -> Self {
        self.set_consent(enrolment_id, scope_code_id, Some(state), decided_at);
        self
    }

    /// Sets a practitioner's role in an organization in place, replacing the previous one.
    pub fn set_membership(
        &mut self,
        practitioner_id: PractitionerId,
        organization_id: OrganizationId,
        role: Role,
    ) {
        self.memberships
            .retain(|m| !(m.practitioner_id == practitioner_id && m.organization_id == organization_id));
        self.memberships.push(Membership {
            practitioner_id,
            organization_id,
            role,
        });
    }

    /// Sets the consent for (enrolment, scope) in place; `None` removes the record, making the scope pending.
    /// Apply a [`crate::ConsentOutcome`] with [`crate::ConsentOutcome::apply_to`] rather than calling this directly.
    pub fn set_consent(
        &mut self,
        enrolment_id: EnrolmentId,
        scope_code_id: ScopeCodeId,
        state: Option<ConsentState>,
        decided_at: DateTime<Utc>,
    ) {
        self.consents
            .retain(|c| !(c.enrolment_id == enrolment_id && c.scope_code_id == scope_code_id));
        if let Some(state) = state {
            self.consents.push(ConsentRecord {
                enrolment_id,
                scope_code_id,
                state,
                decided_at,
            });
        }
    }

    // ----- the organization tree and roles ------------------------------------------------------------------------

    /// The parent of an organization, if it has one and it is known.
    pub fn parent_of(&self, organization_id: OrganizationId) -> Option<OrganizationId> {
        self.organizations.get(&organization_id).copied().flatten()
    }

    /// The organization itself followed by its ancestors, nearest first, up to the root. Stops at an unknown
    /// parent and never loops, even on a corrupt (cyclic) parent chain.
    pub fn self_and_ancestors(&self, organization_id: OrganizationId) -> Vec<OrganizationId> {
        let mut path = vec![organization_id];
        let mut current = organization_id;
        while let Some(parent) = self.parent_of(current) {
            if path.contains(&parent) || path.len() > MAX_TREE_DEPTH {
                break;
            }
            path.push(parent);
            current = parent;
        }
        path
    }

    /// Whether `organization_id` is `ancestor_id` or lies somewhere below it.
    pub fn is_within(&self, organization_id: OrganizationId, ancestor_id: OrganizationId) -> bool {
        self.self_and_ancestors(organization_id).contains(&ancestor_id)
    }

    /// Whether the organization has no parent, or only the root as parent: such organizations are created and
    /// deleted by superusers.
    pub fn is_top_level(&self, organization_id: OrganizationId) -> bool {
        match self.parent_of(organization_id) {
            None => true,
            Some(parent) => parent == jhe_domain::ROOT_ORGANIZATION_ID,
        }
    }

    /// The role a practitioner holds directly in an organization, without inheritance.
    pub fn direct_role(
        &self,
        practitioner_id: PractitionerId,
        organization_id: OrganizationId,
    ) -> Option<Role> {
        self.memberships
            .iter()
            .filter(|m| m.practitioner_id == practitioner_id && m.organization_id == organization_id)
            .map(|m| m.role)
            .max()
    }

    /// The practitioner's effective role in an organization: the highest role they hold in it or in any
    /// organization above it (institution → department → lab). A manager of an institution is thereby a manager
    /// of every lab inside it.
    pub fn effective_role(
        &self,
        practitioner_id: PractitionerId,
        organization_id: OrganizationId,
    ) -> Option<Role> {
        self.self_and_ancestors(organization_id)
            .into_iter()
            .filter_map(|org| self.direct_role(practitioner_id, org))
            .max()
    }

    /// The organizations in which the practitioner holds a membership (the roots of the subtrees they can work in).
    pub fn organizations_of_practitioner(&self, practitioner_id: PractitionerId) -> BTreeSet<OrganizationId> {
        self.memberships
            .iter()
            .filter(|m| m.practitioner_id == practitioner_id)
            .map(|m| m.organization_id)
            .collect()
    }

    /// Whether the practitioner holds at least `minimum` as a direct role anywhere.
    pub fn holds_role_anywhere(&self, practitioner_id: PractitionerId, minimum: Role) -> bool {
        self.memberships
            .iter()
            .any(|m| m.practitioner_id == practitioner_id && m.role >= minimum)
    }

    // ----- patients ---------------------------------------------------------------------------------------------

    /// The organizations a patient is linked to.
    pub fn organizations_of_patient(&self, patient_id: PatientId) -> BTreeSet<OrganizationId> {
        self.patient_organizations
            .iter()
            .filter(|link| link.patient_id == patient_id)
            .map(|link| link.organization_id)
            .collect()
    }

    /// Whether the patient is linked to that exact organization.
    pub fn patient_is_in(&self, patient_id: PatientId, organization_id: OrganizationId) -> bool {
        self.patient_organizations
            .iter()
            .any(|link| link.patient_id == patient_id && link.organization_id == organization_id)
    }

    /// The highest effective role the practitioner holds in any organization the patient is linked to: their
    /// role "for" that patient.
    pub fn role_for_patient(&self, practitioner_id: PractitionerId, patient_id: PatientId) -> Option<Role> {
        self.organizations_of_patient(patient_id)
            .into_iter()
            .filter_map(|org| self.effective_role(practitioner_id, org))
            .max()
    }

    // ----- studies, enrolments and consents ---------------------------------------------------------------------

    /// The organization owning a study, if the study is known.
    pub fn study_organization(&self, study_id: StudyId) -> Option<OrganizationId> {
        self.studies.get(&study_id).copied()
    }

    /// Whether the study asks for the data type.
    pub fn study_requests(&self, study_id: StudyId, scope_code_id: ScopeCodeId) -> bool {
        self.scope_requests
            .iter()
            .any(|r| r.study_id == study_id && r.scope_code_id == scope_code_id)
    }

    /// The data types a study asks for, in order.
    pub fn requested_scopes(&self, study_id: StudyId) -> Vec<ScopeCodeId> {
        let mut seen = BTreeSet::new();
        self.scope_requests
            .iter()
            .filter(|r| r.study_id == study_id && seen.insert(r.scope_code_id))
            .map(|r| r.scope_code_id)
            .collect()
    }

    /// The patient's enrolment in a study, if any.
    pub fn enrolment(&self, study_id: StudyId, patient_id: PatientId) -> Option<&Enrolment> {
        self.enrolments
            .iter()
            .find(|e| e.study_id == study_id && e.patient_id == patient_id)
    }

    /// The patient's enrolments, ordered by study id.
    pub fn enrolments_of_patient(&self, patient_id: PatientId) -> Vec<&Enrolment> {
        let mut enrolments: Vec<&Enrolment> = self
            .enrolments
            .iter()
            .filter(|e| e.patient_id == patient_id)
            .collect();
        enrolments.sort_by_key(|e| (e.study_id, e.id));
        enrolments.dedup_by_key(|e| e.study_id);
        enrolments
    }

    /// The consent decision recorded for (enrolment, scope), or `None` when the scope is pending.
    pub fn consent_record(
        &self,
        enrolment_id: EnrolmentId,
        scope_code_id: ScopeCodeId,
    ) -> Option<&ConsentRecord> {
        self.consents
            .iter()
            .filter(|c| c.enrolment_id == enrolment_id && c.scope_code_id == scope_code_id)
            .max_by_key(|c| c.decided_at)
    }

    /// The patient's *current consent* to share `scope` with `study`: they are enrolled in the study, the study asks
    /// for the scope, and the recorded decision is `consented`. This is the one definition used for uploads, reads
    /// and the consolidated scope list.
    pub fn has_current_consent(
        &self,
        patient_id: PatientId,
        study_id: StudyId,
        scope_code_id: ScopeCodeId,
    ) -> bool {
        self.study_organization(study_id).is_some()
            && self.study_requests(study_id, scope_code_id)
            && self
                .enrolments
                .iter()
                .filter(|e| e.study_id == study_id && e.patient_id == patient_id)
                .any(|e| {
                    self.consent_record(e.id, scope_code_id)
                        .is_some_and(|c| c.state.is_given())
                })
    }

    /// The studies in which the patient currently consents to share `scope`, in study id order.
    pub fn studies_with_current_consent(
        &self,
        patient_id: PatientId,
        scope_code_id: ScopeCodeId,
    ) -> Vec<StudyId> {
        self.enrolments_of_patient(patient_id)
            .into_iter()
            .map(|e| e.study_id)
            .filter(|&study| self.has_current_consent(patient_id, study, scope_code_id))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap()
    }

    fn tree() -> Facts {
        Facts::new()
            .organization(OrganizationId(0), None)
            .organization(OrganizationId(1), Some(OrganizationId(0)))
            .organization(OrganizationId(2), Some(OrganizationId(1)))
            .organization(OrganizationId(3), Some(OrganizationId(2)))
            .organization(OrganizationId(9), Some(OrganizationId(0)))
    }

    #[test]
    fn ancestors_are_listed_nearest_first_up_to_the_root() {
        let facts = tree();
        assert_eq!(
            facts.self_and_ancestors(OrganizationId(3)),
            vec![
                OrganizationId(3),
                OrganizationId(2),
                OrganizationId(1),
                OrganizationId(0)
            ]
        );
        assert_eq!(
            facts.self_and_ancestors(OrganizationId(77)),
            vec![OrganizationId(77)]
        );
    }

    #[test]
    fn a_cyclic_parent_chain_does_not_loop_forever() {
        let facts = Facts::new()
            .organization(OrganizationId(1), Some(OrganizationId(2)))
            .organization(OrganizationId(2), Some(OrganizationId(1)));
        assert_eq!(
            facts.self_and_ancestors(OrganizationId(1)),
            vec![OrganizationId(1), OrganizationId(2)]
        );
    }

    #[test]
    fn effective_role_is_inherited_down_the_tree() {
        let facts = tree().membership(PractitionerId(7), OrganizationId(1), Role::Manager);
        assert_eq!(
            facts.effective_role(PractitionerId(7), OrganizationId(3)),
            Some(Role::Manager)
        );
        assert_eq!(facts.direct_role(PractitionerId(7), OrganizationId(3)), None);
    }

    #[test]
    fn effective_role_is_not_inherited_up_the_tree() {
        let facts = tree().membership(PractitionerId(7), OrganizationId(3), Role::Manager);
        assert_eq!(facts.effective_role(PractitionerId(7), OrganizationId(2)), None);
        assert_eq!(facts.effective_role(PractitionerId(7), OrganizationId(9)), None);
    }

    #[test]
    fn effective_role_is_the_highest_on_the_path() {
        let facts = tree()
            .membership(PractitionerId(7), OrganizationId(1), Role::Viewer)
            .membership(PractitionerId(7), OrganizationId(2), Role::Member)
            .membership(PractitionerId(7), OrganizationId(3), Role::Viewer);
        assert_eq!(
            facts.effective_role(PractitionerId(7), OrganizationId(3)),
            Some(Role::Member)
        );
        assert_eq!(
            facts.effective_role(PractitionerId(7), OrganizationId(1)),
            Some(Role::Viewer)
        );
    }

    #[test]
    fn membership_builder_replaces_the_previous_role() {
        let facts = tree()
            .membership(PractitionerId(7), OrganizationId(1), Role::Manager)
            .membership(PractitionerId(7), OrganizationId(1), Role::Viewer);
        assert_eq!(facts.memberships.len(), 1);
        assert_eq!(
            facts.direct_role(PractitionerId(7), OrganizationId(1)),
            Some(Role::Viewer)
        );
    }

    #[test]
    fn top_level_means_no_parent_or_the_root_as_parent() {
        let facts = tree().organization(OrganizationId(50), None);
        assert!(facts.is_top_level(OrganizationId(1)));
        assert!(facts.is_top_level(OrganizationId(50)));
        assert!(!facts.is_top_level(OrganizationId(2)));
    }

    #[test]
    fn current_consent_needs_enrolment_request_and_consented_state() {
        let base = tree()
            .study(StudyId(30), OrganizationId(3))
            .scope_request(StudyId(30), ScopeCodeId(5))
            .enrol(EnrolmentId(1), StudyId(30), PatientId(4));
        let consented = base
            .clone()
            .consent(EnrolmentId(1), ScopeCodeId(5), ConsentState::Consented, t0());
        assert!(consented.has_current_consent(PatientId(4), StudyId(30), ScopeCodeId(5)));

        let revoked = base
            .clone()
            .consent(EnrolmentId(1), ScopeCodeId(5), ConsentState::Revoked, t0());
        assert!(!revoked.has_current_consent(PatientId(4), StudyId(30), ScopeCodeId(5)));

        // A consent recorded for a scope the study does not ask for is not a current consent.
        let unrequested = base.consent(EnrolmentId(1), ScopeCodeId(6), ConsentState::Consented, t0());
        assert!(!unrequested.has_current_consent(PatientId(4), StudyId(30), ScopeCodeId(6)));
    }
}
