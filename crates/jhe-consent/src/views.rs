//! What a patient (or a practitioner for them) is shown about their consents: for every study they are enrolled in,
//! the data types still waiting for an answer and those already answered, plus the data types they currently share
//! with at least one study.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use jhe_domain::{ConsentState, OrganizationId, PatientId, ScopeCodeId, StudyId};
use serde::{Deserialize, Serialize};

use crate::facts::Facts;

/// One requested data type of one study, with the patient's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeConsentStatus {
    /// The data type.
    pub scope_code_id: ScopeCodeId,
    /// The answer; `None` while pending.
    pub state: Option<ConsentState>,
    /// When it was answered; `None` while pending.
    pub decided_at: Option<DateTime<Utc>>,
}

impl ScopeConsentStatus {
    /// The answer as the Admin API's `consented` field: `null` pending, `true` consented, `false` declined or
    /// revoked.
    pub const fn consented(&self) -> Option<bool> {
        match self.state {
            None => None,
            Some(state) => Some(state.is_given()),
        }
    }
}

/// One study the patient is enrolled in, with some of its requested data types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudyConsentStatus {
    /// The study.
    pub study_id: StudyId,
    /// The organization owning it.
    pub organization_id: OrganizationId,
    /// Its requested data types (pending ones, or answered ones), in request order.
    pub scopes: Vec<ScopeConsentStatus>,
}

/// Everything `GET /patients/{id}/consents` shows, as ids: the HTTP layer renders the studies, scope codes and
/// data sources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientConsentOverview {
    /// The patient.
    pub patient_id: PatientId,
    /// The data types the patient currently shares with at least one study, ascending by id.
    pub consolidated_consented_scopes: Vec<ScopeCodeId>,
    /// Studies with at least one requested data type not yet answered, each with those data types.
    pub studies_pending_consent: Vec<StudyConsentStatus>,
    /// Studies with at least one requested data type answered, each with those data types and the answers.
    pub studies: Vec<StudyConsentStatus>,
}

/// The patient's consent overview. Studies come in study id order, data types in request order; a study appears
/// in both lists when it has both pending and answered data types, and in neither when it requests nothing.
/// Answers for data types a study no longer requests are not shown.
pub fn patient_consent_overview(facts: &Facts, patient_id: PatientId) -> PatientConsentOverview {
    let mut studies_pending_consent = Vec::new();
    let mut studies = Vec::new();
    for enrolment in facts.enrolments_of_patient(patient_id) {
        let Some(organization_id) = facts.study_organization(enrolment.study_id) else {
            continue;
        };
        let (pending, answered): (Vec<_>, Vec<_>) = facts
            .requested_scopes(enrolment.study_id)
            .into_iter()
            .map(|scope_code_id| {
                let record = facts.consent_record(enrolment.id, scope_code_id);
                ScopeConsentStatus {
                    scope_code_id,
                    state: record.map(|r| r.state),
                    decided_at: record.map(|r| r.decided_at),
                }
            })
            .partition(|status| status.state.is_none());
        let study = |scopes| StudyConsentStatus {
            study_id: enrolment.study_id,
            organization_id,
            scopes,
        };
        if !pending.is_empty() {
            studies_pending_consent.push(study(pending));
        }
        if !answered.is_empty() {
            studies.push(study(answered));
        }
    }
    PatientConsentOverview {
        patient_id,
        consolidated_consented_scopes: consolidated_consented_scopes(facts, patient_id),
        studies_pending_consent,
        studies,
    }
}

/// The data types the patient currently shares with at least one study (a current consent: enrolled, requested by
/// that study, `consented`), ascending by id. This is the list that authorizes uploads.
pub fn consolidated_consented_scopes(facts: &Facts, patient_id: PatientId) -> Vec<ScopeCodeId> {
    let enrolments = facts.enrolments_of_patient(patient_id);
    let scopes: BTreeSet<ScopeCodeId> = facts
        .consents
        .iter()
        .filter(|c| c.state.is_given())
        .filter_map(|c| {
            enrolments
                .iter()
                .find(|e| e.id == c.enrolment_id)
                .map(|e| (e.study_id, c.scope_code_id))
        })
        .filter(|&(study, scope)| facts.has_current_consent(patient_id, study, scope))
        .map(|(_, scope)| scope)
        .collect();
    scopes.into_iter().collect()
}
