//! Integer identifiers, one newtype per entity, so that a patient id can never be passed where a study id is meant.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

macro_rules! id_newtype {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            /// The raw database value.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<i64> for $name {
            fn from(raw: i64) -> Self {
                Self(raw)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }
    )+};
}

id_newtype!(
    /// A login account (`users.id`); the OIDC `sub`.
    UserId,
    /// A practitioner profile.
    PractitionerId,
    /// A patient profile.
    PatientId,
    /// A node of the organization tree.
    OrganizationId,
    /// A study (FHIR Group).
    StudyId,
    /// A scope code: a CodeableConcept naming a data type such as `omh:blood-pressure:4.0`.
    ScopeCodeId,
    /// An enrolment of a patient in a study (`study_patients.id`).
    EnrolmentId,
    /// A consent decision for one (enrolment, scope).
    ConsentId,
    /// An entry of the append-only consent history.
    ConsentHistoryId,
    /// A stored Open mHealth observation.
    ObservationId,
    /// A data source (FHIR Device).
    DataSourceId,
    /// An OAuth client registration (the row id, not the public `client_id` string).
    ClientId,
    /// A patient invitation.
    InvitationId,
    /// An audit event.
    AuditEventId,
    /// A system setting.
    SettingId,
);
