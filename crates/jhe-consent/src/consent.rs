//! The consent state machine, one per (enrolment, scope).
//!
//! ```text
//!            Grant                  Revoke / Refuse
//!   pending ───────► consented ───────────────────► revoked
//!      │   ◄─────────    ▲  ◄──────────────────────────┘
//!      │   Withdraw      │           Grant
//!      │ Decline/Refuse  │ Grant
//!      └─────────────► declined
//!
//!   Withdraw (the DELETE endpoint) takes any decided scope back to pending.
//! ```
//!
//! A change that leaves the state as it is (granting what is granted, withdrawing what is pending, refusing what
//! is declined or revoked) is accepted and reported as [`ConsentOutcome::Unchanged`], with no history entry: clients
//! may safely repeat a request. A change that makes no sense from the current state (revoking a pending scope,
//! declining a given consent) is a [`ConsentError::InvalidTransition`].

use chrono::{DateTime, Utc};
use jhe_domain::{
    ConsentState, EnrolmentId, NewConsent, NewConsentHistoryEntry, PatientId, ScopeCodeId, StudyId, UserId,
};
use serde::{Deserialize, Serialize};

use crate::action::{Action, Denied};
use crate::authorize::authorize;
use crate::facts::Facts;
use crate::principal::Principal;

/// A change a patient (or a practitioner on their behalf) asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentChange {
    /// Share the data type with the study: to `consented`.
    Grant,
    /// Answer no to a pending request: to `declined`.
    Decline,
    /// Take back a given consent: to `revoked`.
    Revoke,
    /// Say no, whatever the current answer (the wire's `consented: false`): `declined` when the scope was pending,
    /// `revoked` when it was consented, unchanged otherwise.
    Refuse,
    /// Forget the answer (the DELETE endpoint): back to pending.
    Withdraw,
}

impl ConsentChange {
    /// The verb, for messages.
    pub const fn verb(self) -> &'static str {
        match self {
            ConsentChange::Grant => "grant",
            ConsentChange::Decline => "decline",
            ConsentChange::Revoke => "revoke",
            ConsentChange::Refuse => "refuse",
            ConsentChange::Withdraw => "withdraw",
        }
    }

    /// The past participle, for messages.
    pub const fn past_participle(self) -> &'static str {
        match self {
            ConsentChange::Grant => "granted",
            ConsentChange::Decline => "declined",
            ConsentChange::Revoke => "revoked",
            ConsentChange::Refuse => "refused",
            ConsentChange::Withdraw => "withdrawn",
        }
    }
}

/// The name of a consent state for people; `None` is pending.
pub const fn state_name(state: Option<ConsentState>) -> &'static str {
    match state {
        None => "pending",
        Some(state) => state.as_str(),
    }
}

/// Why a consent change was refused. Every variant is the client's mistake (4xx), never a server failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsentError {
    /// The principal may not change this patient's consents for this study.
    #[error(transparent)]
    Denied(#[from] Denied),
    /// No such study.
    #[error("Study {study_id} does not exist.")]
    UnknownStudy {
        /// The study named by the request.
        study_id: StudyId,
    },
    /// The patient is not enrolled in the study.
    #[error(
        "Patient {patient_id} is not enrolled in study {study_id}, so there is no consent to give or change."
    )]
    NotEnrolled {
        /// The patient.
        patient_id: PatientId,
        /// The study.
        study_id: StudyId,
    },
    /// The study does not ask for the data type (G13).
    #[error(
        "Study {study_id} does not ask for scope {scope_code_id}; consent can only be given to the data types a \
         study requests."
    )]
    ScopeNotRequested {
        /// The study.
        study_id: StudyId,
        /// The data type.
        scope_code_id: ScopeCodeId,
    },
    /// The change makes no sense from the current state.
    #[error("A consent that is {} cannot be {}{}.", state_name(*.from), .change.past_participle(), transition_hint(*.from, *.change))]
    InvalidTransition {
        /// The current state (`None`: pending).
        from: Option<ConsentState>,
        /// The change asked for.
        change: ConsentChange,
    },
}

fn transition_hint(from: Option<ConsentState>, change: ConsentChange) -> &'static str {
    match (from, change) {
        (None | Some(ConsentState::Declined), ConsentChange::Revoke) => {
            " (only a given consent can be revoked)"
        }
        (Some(ConsentState::Consented), ConsentChange::Decline) => " (revoke it instead)",
        (Some(ConsentState::Revoked), ConsentChange::Decline) => " (it is already refused)",
        _ => "",
    }
}

/// The state a change leads to from `current` (`None`: pending), or why it is not allowed. Same-state results are
/// allowed; see the module documentation.
pub fn next_consent_state(
    current: Option<ConsentState>,
    change: ConsentChange,
) -> Result<Option<ConsentState>, ConsentError> {
    use ConsentState::{Consented, Declined, Revoked};
    let invalid = || ConsentError::InvalidTransition {
        from: current,
        change,
    };
    match (current, change) {
        (_, ConsentChange::Grant) => Ok(Some(Consented)),
        (_, ConsentChange::Withdraw) => Ok(None),
        (None | Some(Declined), ConsentChange::Decline | ConsentChange::Refuse) => Ok(Some(Declined)),
        (Some(Consented) | Some(Revoked), ConsentChange::Revoke | ConsentChange::Refuse) => Ok(Some(Revoked)),
        (Some(Consented) | Some(Revoked), ConsentChange::Decline)
        | (None | Some(Declined), ConsentChange::Revoke) => Err(invalid()),
    }
}

/// One consent change asked for: this patient, this study, this data type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConsentRequest {
    /// The patient whose consent it is.
    pub patient_id: PatientId,
    /// The study.
    pub study_id: StudyId,
    /// The data type.
    pub scope_code_id: ScopeCodeId,
    /// What to do.
    pub change: ConsentChange,
}

/// A consent that changed state: what the store writes (the new current decision, or its removal) and the history
/// entry it appends.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsentTransition {
    /// The enrolment the decision belongs to.
    pub enrolment_id: EnrolmentId,
    /// The study.
    pub study_id: StudyId,
    /// The patient.
    pub patient_id: PatientId,
    /// The data type.
    pub scope_code_id: ScopeCodeId,
    /// The state before (`None`: pending).
    pub from_state: Option<ConsentState>,
    /// The state after (`None`: pending again, the record is removed).
    pub to_state: Option<ConsentState>,
    /// Who made the change.
    pub actor_user_id: UserId,
    /// When.
    pub at: DateTime<Utc>,
}

impl ConsentTransition {
    /// The entry to append to the consent history.
    pub fn history_entry(&self) -> NewConsentHistoryEntry {
        NewConsentHistoryEntry {
            study_id: self.study_id,
            patient_id: self.patient_id,
            scope_code_id: self.scope_code_id,
            from_state: self.from_state,
            to_state: self.to_state,
            actor_user_id: Some(self.actor_user_id),
            occurred_at: self.at,
        }
    }

    /// The current decision to store (insert or replace), or `None` when the record is to be removed.
    pub fn new_consent(&self) -> Option<NewConsent> {
        self.to_state.map(|state| NewConsent {
            enrolment_id: self.enrolment_id,
            scope_code_id: self.scope_code_id,
            state,
            decided_at: self.at,
        })
    }
}

/// The result of a consent change that was allowed.
#[derive(Debug, Clone, PartialEq)]
pub enum ConsentOutcome {
    /// The state changed; store it and append the history entry.
    Changed(ConsentTransition),
    /// The state was already what the change leads to; nothing to store, no history entry.
    Unchanged {
        /// The enrolment.
        enrolment_id: EnrolmentId,
        /// The data type.
        scope_code_id: ScopeCodeId,
        /// The (unchanged) state; `None`: pending.
        state: Option<ConsentState>,
    },
}

impl ConsentOutcome {
    /// The state after the change.
    pub const fn state(&self) -> Option<ConsentState> {
        match self {
            ConsentOutcome::Changed(transition) => transition.to_state,
            ConsentOutcome::Unchanged { state, .. } => *state,
        }
    }

    /// The history entry to append, if the state changed.
    pub fn history_entry(&self) -> Option<NewConsentHistoryEntry> {
        match self {
            ConsentOutcome::Changed(transition) => Some(transition.history_entry()),
            ConsentOutcome::Unchanged { .. } => None,
        }
    }

    /// Applies the outcome to a set of facts, as the store applies it to the database.
    pub fn apply_to(&self, facts: &mut Facts) {
        if let ConsentOutcome::Changed(t) = self {
            facts.set_consent(t.enrolment_id, t.scope_code_id, t.to_state, t.at);
        }
    }
}

/// Decides one consent change: may the principal make it, is the patient enrolled, does the study ask for the data
/// type (G13), and is the transition allowed. `now` is the decision time recorded on the consent and its history.
///
/// Withdrawing (back to pending) is allowed for a data type the study no longer asks for, so stale decisions can
/// be cleared; granting and refusing are not.
pub fn decide_consent(
    principal: &Principal,
    facts: &Facts,
    request: &ConsentRequest,
    now: DateTime<Utc>,
) -> Result<ConsentOutcome, ConsentError> {
    let ConsentRequest {
        patient_id,
        study_id,
        scope_code_id,
        change,
    } = *request;
    authorize(
        principal,
        &Action::WriteConsents {
            patient: patient_id,
            study: study_id,
        },
        facts,
    )?;
    if facts.study_organization(study_id).is_none() {
        return Err(ConsentError::UnknownStudy { study_id });
    }
    let enrolment_id = facts
        .enrolment(study_id, patient_id)
        .ok_or(ConsentError::NotEnrolled { patient_id, study_id })?
        .id;
    if change != ConsentChange::Withdraw && !facts.study_requests(study_id, scope_code_id) {
        return Err(ConsentError::ScopeNotRequested {
            study_id,
            scope_code_id,
        });
    }
    let current = facts.consent_record(enrolment_id, scope_code_id).map(|c| c.state);
    let next = next_consent_state(current, change)?;
    if next == current {
        return Ok(ConsentOutcome::Unchanged {
            enrolment_id,
            scope_code_id,
            state: current,
        });
    }
    Ok(ConsentOutcome::Changed(ConsentTransition {
        enrolment_id,
        study_id,
        patient_id,
        scope_code_id,
        from_state: current,
        to_state: next,
        actor_user_id: principal.user_id,
        at: now,
    }))
}

/// Decides several changes as one request, all or nothing: each change sees the ones before it, and the first
/// refusal refuses the whole request (so the store can write them in one transaction).
pub fn decide_consents(
    principal: &Principal,
    facts: &Facts,
    requests: &[ConsentRequest],
    now: DateTime<Utc>,
) -> Result<Vec<ConsentOutcome>, ConsentError> {
    let mut working = facts.clone();
    let mut outcomes = Vec::with_capacity(requests.len());
    for request in requests {
        let outcome = decide_consent(principal, &working, request, now)?;
        outcome.apply_to(&mut working);
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConsentChange::*;
    use ConsentState::*;

    #[test]
    fn pending_can_be_granted_or_declined() {
        assert_eq!(next_consent_state(None, Grant), Ok(Some(Consented)));
        assert_eq!(next_consent_state(None, Decline), Ok(Some(Declined)));
        assert_eq!(next_consent_state(None, Refuse), Ok(Some(Declined)));
    }

    #[test]
    fn consented_can_be_revoked() {
        assert_eq!(next_consent_state(Some(Consented), Revoke), Ok(Some(Revoked)));
        assert_eq!(next_consent_state(Some(Consented), Refuse), Ok(Some(Revoked)));
    }

    #[test]
    fn declined_or_revoked_can_be_consented_again() {
        assert_eq!(next_consent_state(Some(Declined), Grant), Ok(Some(Consented)));
        assert_eq!(next_consent_state(Some(Revoked), Grant), Ok(Some(Consented)));
    }

    #[test]
    fn withdraw_returns_any_state_to_pending() {
        for state in [None, Some(Consented), Some(Declined), Some(Revoked)] {
            assert_eq!(next_consent_state(state, Withdraw), Ok(None));
        }
    }

    #[test]
    fn same_state_changes_are_idempotent() {
        assert_eq!(next_consent_state(Some(Consented), Grant), Ok(Some(Consented)));
        assert_eq!(next_consent_state(Some(Declined), Decline), Ok(Some(Declined)));
        assert_eq!(next_consent_state(Some(Revoked), Revoke), Ok(Some(Revoked)));
        assert_eq!(next_consent_state(Some(Declined), Refuse), Ok(Some(Declined)));
        assert_eq!(next_consent_state(Some(Revoked), Refuse), Ok(Some(Revoked)));
    }

    #[test]
    fn pending_or_declined_cannot_be_revoked() {
        assert_eq!(
            next_consent_state(None, Revoke),
            Err(ConsentError::InvalidTransition {
                from: None,
                change: Revoke
            })
        );
        assert!(next_consent_state(Some(Declined), Revoke).is_err());
    }

    #[test]
    fn a_given_consent_is_revoked_not_declined() {
        let err = next_consent_state(Some(Consented), Decline).unwrap_err();
        assert_eq!(
            err.to_string(),
            "A consent that is consented cannot be declined (revoke it instead)."
        );
        assert!(next_consent_state(Some(Revoked), Decline).is_err());
    }

    #[test]
    fn invalid_transition_messages_read_as_sentences() {
        let err = next_consent_state(None, Revoke).unwrap_err();
        assert_eq!(
            err.to_string(),
            "A consent that is pending cannot be revoked (only a given consent can be revoked)."
        );
    }
}
