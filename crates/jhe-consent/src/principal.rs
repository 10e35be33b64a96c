//! Who is asking: a patient, a practitioner (possibly a superuser), or an OAuth client acting for one of them,
//! together with what their token allows.

use jhe_domain::{ClientId, PatientId, PractitionerId, UserId};
use serde::{Deserialize, Serialize};

use crate::smart::TokenScopes;

/// The person on whose behalf a request is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Actor {
    /// A patient acting for themselves.
    Patient {
        /// Their patient profile.
        patient_id: PatientId,
    },
    /// A practitioner, possibly a superuser.
    Practitioner {
        /// Their practitioner profile (superusers have one too).
        practitioner_id: PractitionerId,
        /// Superusers administer the exchange (organizations, clients, data sources, settings, practitioners,
        /// the audit log) but get no bypass to patient data.
        is_superuser: bool,
        /// The account's own patient profile, for a dual-role account: the engine lets them see and act on
        /// their own patient data as a patient would.
        patient_id: Option<PatientId>,
    },
}

/// The OAuth client a request comes through, kept for the audit log and future per-client policy. What a client
/// may do is limited by its token's scopes ([`Principal::token_scopes`]), not by its identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ClientInfo {
    /// The client's row id.
    pub id: ClientId,
    /// The public `client_id` string.
    pub client_id: String,
}

/// An authenticated caller: the user, in which capacity they act, through which client, with which token scopes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    /// The login account.
    pub user_id: UserId,
    /// The person acting.
    pub actor: Actor,
    /// The OAuth client acting for them, if the request came with a client's token.
    pub via_client: Option<ClientInfo>,
    /// What the token's scopes allow.
    pub token_scopes: TokenScopes,
}

impl Principal {
    /// A patient with an unrestricted token.
    pub fn patient(user_id: UserId, patient_id: PatientId) -> Principal {
        Principal {
            user_id,
            actor: Actor::Patient { patient_id },
            via_client: None,
            token_scopes: TokenScopes::Unrestricted,
        }
    }

    /// A practitioner (not a superuser) with an unrestricted token.
    pub fn practitioner(user_id: UserId, practitioner_id: PractitionerId) -> Principal {
        Principal {
            user_id,
            actor: Actor::Practitioner {
                practitioner_id,
                is_superuser: false,
                patient_id: None,
            },
            via_client: None,
            token_scopes: TokenScopes::Unrestricted,
        }
    }

    /// A superuser with an unrestricted token.
    pub fn superuser(user_id: UserId, practitioner_id: PractitionerId) -> Principal {
        Principal {
            user_id,
            actor: Actor::Practitioner {
                practitioner_id,
                is_superuser: true,
                patient_id: None,
            },
            via_client: None,
            token_scopes: TokenScopes::Unrestricted,
        }
    }

    /// The same principal with a restricted (or different) set of token scopes.
    #[must_use]
    pub fn with_token_scopes(mut self, token_scopes: TokenScopes) -> Principal {
        self.token_scopes = token_scopes;
        self
    }

    /// The same principal acting through an OAuth client.
    #[must_use]
    pub fn via(mut self, client: ClientInfo) -> Principal {
        self.via_client = Some(client);
        self
    }

    /// The same practitioner, who also has a patient profile (a dual-role account). No effect on a patient.
    #[must_use]
    pub fn with_own_patient_profile(mut self, own: PatientId) -> Principal {
        if let Actor::Practitioner { patient_id, .. } = &mut self.actor {
            *patient_id = Some(own);
        }
        self
    }

    /// The principal's own patient profile, if they have one.
    pub const fn own_patient_id(&self) -> Option<PatientId> {
        match self.actor {
            Actor::Patient { patient_id } => Some(patient_id),
            Actor::Practitioner { patient_id, .. } => patient_id,
        }
    }

    /// The principal's practitioner profile, if they act as a practitioner.
    pub const fn practitioner_id(&self) -> Option<PractitionerId> {
        match self.actor {
            Actor::Patient { .. } => None,
            Actor::Practitioner { practitioner_id, .. } => Some(practitioner_id),
        }
    }

    /// Whether the principal is a superuser.
    pub const fn is_superuser(&self) -> bool {
        matches!(
            self.actor,
            Actor::Practitioner {
                is_superuser: true,
                ..
            }
        )
    }

    /// Whether `patient_id` is the principal's own patient profile.
    pub fn is_own_patient(&self, patient_id: PatientId) -> bool {
        self.own_patient_id() == Some(patient_id)
    }
}
