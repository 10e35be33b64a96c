//! Closed sets of values. Each has one stable string form, used in the database and on the wire.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A string did not name any value of an enumeration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{value}\" is not a valid {kind}; expected one of: {expected}")]
pub struct UnknownValue {
    /// What kind of value was expected (`role`, `organization type`, …).
    pub kind: &'static str,
    /// The string that was given.
    pub value: String,
    /// The accepted strings, comma separated.
    pub expected: String,
}

macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident ($kind:literal) {
            $($(#[$vmeta:meta])* $variant:ident => $text:literal, $label:literal;)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every value, in the order clients are shown them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable string form stored in the database and sent on the wire.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// A human-readable label.
            pub const fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownValue {
                        kind: $kind,
                        value: s.to_owned(),
                        expected: [$($text),+].join(", "),
                    }),
                }
            }
        }
    };
}

string_enum! {
    /// Which profile a login account was created for.
    UserType ("user type") {
        Patient => "patient", "Patient";
        Practitioner => "practitioner", "Practitioner";
    }
}

string_enum! {
    /// A practitioner's role in an organization. Ordered: a manager can do everything a member can, a member
    /// everything a viewer can.
    Role ("role") {
        Viewer => "viewer", "Viewer";
        Member => "member", "Member";
        Manager => "manager", "Manager";
    }
}

impl Role {
    const fn rank(self) -> u8 {
        match self {
            Role::Viewer => 0,
            Role::Member => 1,
            Role::Manager => 2,
        }
    }
}

impl PartialOrd for Role {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Role {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank().cmp(&other.rank())
    }
}

string_enum! {
    /// The kind of an organization, in the order the reference serves them.
    OrganizationType ("organization type") {
        Root => "root", "ROOT";
        Provider => "prov", "Healthcare Provider";
        Department => "dept", "Hospital Department";
        Team => "team", "Organizational team";
        Government => "govt", "Government";
        Insurance => "ins", "Insurance Company";
        Payer => "pay", "Payer";
        Education => "edu", "Educational Institute";
        Religious => "reli", "Religious Institution";
        ResearchSponsor => "crs", "Clinical Research Sponsor";
        CommunityGroup => "cg", "Community Group";
        Business => "bus", "Non-Healthcare Business or Corporation";
        Other => "other", "Other";
        Laboratory => "laboratory", "Laboratory";
        Imaging => "imaging", "Imaging Center";
        Pharmacy => "pharmacy", "Pharmacy";
        HealthInformationNetwork => "health-information-network", "Health Information Network";
        HealthDataAggregator => "health-data-aggregator", "Health Data Aggregator";
    }
}

string_enum! {
    /// The kind of a data source. Only personal devices may be named as the device of an uploaded observation.
    DataSourceType ("data source type") {
        MedicalDevice => "medical_device", "Medical Device";
        PersonalDevice => "personal_device", "Personal Device";
        PatientApp => "patient_app", "Patient App";
    }
}

string_enum! {
    /// A patient's answer for one data type in one study. A scope with no answer yet is *pending* and has no record.
    ConsentState ("consent state") {
        /// The patient shares this data type with the study.
        Consented => "consented", "Consented";
        /// The patient was asked and said no.
        Declined => "declined", "Declined";
        /// The patient shared this data type and has withdrawn it.
        Revoked => "revoked", "Revoked";
    }
}

impl ConsentState {
    /// Whether data of this scope may flow to the study.
    pub const fn is_given(self) -> bool {
        matches!(self, ConsentState::Consented)
    }
}

string_enum! {
    /// FHIR R5 `Observation.status`.
    ObservationStatus ("observation status") {
        Registered => "registered", "Registered";
        Preliminary => "preliminary", "Preliminary";
        Final => "final", "Final";
        Amended => "amended", "Amended";
        Corrected => "corrected", "Corrected";
        Appended => "appended", "Appended";
        Cancelled => "cancelled", "Cancelled";
        EnteredInError => "entered-in-error", "Entered in Error";
        Unknown => "unknown", "Unknown";
    }
}

string_enum! {
    /// Whether an OAuth client can keep a secret (RFC 6749 §2.1).
    ClientType ("client type") {
        Public => "public", "Public";
        Confidential => "confidential", "Confidential";
    }
}

string_enum! {
    /// The grant an OAuth client is registered for.
    GrantType ("grant type") {
        AuthorizationCode => "authorization-code", "Authorization code";
        ClientCredentials => "client-credentials", "Client credentials";
    }
}

string_enum! {
    /// The life cycle of a patient invitation.
    InvitationStatus ("invitation status") {
        Issued => "issued", "Issued";
        Reissued => "reissued", "Reissued";
        Redeemed => "redeemed", "Redeemed";
        Cancelled => "cancelled", "Cancelled";
        Expired => "expired", "Expired";
    }
}

string_enum! {
    /// The type of a system setting's value.
    SettingValueType ("setting value type") {
        String => "string", "String";
        Int => "int", "Integer";
        Bool => "bool", "Boolean";
        Float => "float", "Float";
        Json => "json", "JSON";
    }
}

string_enum! {
    /// How an audited action ended.
    AuditOutcome ("audit outcome") {
        /// The action was carried out.
        Success => "success", "Success";
        /// The caller was not allowed to do it.
        Denied => "denied", "Denied";
        /// The request was refused as invalid, or failed.
        Failed => "failed", "Failed";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_by_power() {
        assert!(Role::Viewer < Role::Member);
        assert!(Role::Member < Role::Manager);
        assert_eq!(
            [Role::Member, Role::Manager, Role::Viewer].iter().max(),
            Some(&Role::Manager)
        );
    }

    #[test]
    fn every_value_round_trips_through_its_string_form() {
        for t in OrganizationType::ALL {
            assert_eq!(t.as_str().parse::<OrganizationType>(), Ok(*t));
        }
        for s in ConsentState::ALL {
            assert_eq!(s.as_str().parse::<ConsentState>(), Ok(*s));
        }
        assert_eq!(OrganizationType::ALL.len(), 18);
    }

    #[test]
    fn unknown_strings_name_the_accepted_values() {
        let err = "owner".parse::<Role>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"owner\" is not a valid role; expected one of: viewer, member, manager"
        );
    }

    #[test]
    fn only_consented_counts_as_given() {
        assert!(ConsentState::Consented.is_given());
        assert!(!ConsentState::Declined.is_given());
        assert!(!ConsentState::Revoked.is_given());
    }
}
