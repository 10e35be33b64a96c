//! The consent and access engine: given facts about memberships, studies, enrolments and consents, it decides what a
//! principal may do and see. Pure functions; time is a parameter.
//!
//! It depends on `jhe-domain`, chrono, serde and thiserror only, never on a database, a web framework or an async
//! runtime, so other Rust projects can embed it. The model, a worked example and the differences from the
//! reference implementation are in `docs/consent.md`.
//!
//! # The pieces
//!
//! * [`Facts`]: the plain data decisions are made over, loaded per request (so a revoked consent counts on the very
//!   next request).
//! * [`Principal`]: who asks (patient, practitioner, superuser, or an OAuth client acting for one) and what their
//!   token's SMART scopes allow ([`TokenScopes`]).
//! * [`authorize`]: may this principal do this [`Action`]? `Err(`[`Denied`]`)` carries a reason for people.
//! * Visibility as sets ([`observation_visibility`], [`patient_visibility`], [`study_visibility`],
//!   [`organization_visibility`]) for the store to compile into one SQL query, with per-row predicates
//!   ([`may_see_observation`], …) that define what the SQL must return.
//! * The consent state machine ([`decide_consent`]), the enrolment check ([`check_enrolment`]) and the patient's
//!   consent overview ([`patient_consent_overview`]).
//!
//! Roles are inherited *down* the organization tree: a practitioner's effective role in an organization is the
//! highest role they hold in it or in any organization above it ([`Facts::effective_role`]). Superusers administer
//! the exchange but get no bypass to patient data.
//!
//! # Example
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use jhe_consent::{
//!     authorize, decide_consent, may_see_observation, observation_visibility, Action, ConsentChange,
//!     ConsentRequest, DenialCode, Facts, ObservationVisibility, Principal,
//! };
//! use jhe_domain::{
//!     EnrolmentId, OrganizationId, PatientId, PractitionerId, Role, ScopeCodeId, StudyId, UserId,
//! };
//!
//! let (institute, lab) = (OrganizationId(1), OrganizationId(2));
//! let (study, heart_rate, peter) = (StudyId(30), ScopeCodeId(50), PatientId(40));
//!
//! // The store loads these for the request at hand.
//! let mut facts = Facts::new()
//!     .organization(institute, None)
//!     .organization(lab, Some(institute))
//!     .membership(PractitionerId(7), institute, Role::Manager) // inherited by the lab
//!     .patient_in(peter, lab)
//!     .study(study, lab)
//!     .scope_request(study, heart_rate)
//!     .enrol(EnrolmentId(1), study, peter);
//!
//! let mary = Principal::practitioner(UserId(100), PractitionerId(7));
//! let peter_himself = Principal::patient(UserId(200), peter);
//!
//! // Nothing is readable before Peter consents, and nothing can be uploaded.
//! assert!(!may_see_observation(&mary, &facts, peter, heart_rate));
//! let upload = Action::UploadObservation { patient: peter, scope: heart_rate };
//! assert_eq!(authorize(&peter_himself, &upload, &facts).unwrap_err().code, DenialCode::NoConsent);
//!
//! // Peter consents; the outcome carries the history entry the store appends.
//! let now = Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap();
//! let grant = ConsentRequest { patient_id: peter, study_id: study, scope_code_id: heart_rate, change: ConsentChange::Grant };
//! let outcome = decide_consent(&peter_himself, &facts, &grant, now).unwrap();
//! assert_eq!(outcome.history_entry().unwrap().actor_user_id, Some(UserId(200)));
//! outcome.apply_to(&mut facts);
//!
//! // Now Mary sees Peter's heart rate (through the study), and Peter may upload it.
//! assert!(may_see_observation(&mary, &facts, peter, heart_rate));
//! assert!(authorize(&peter_himself, &upload, &facts).is_ok());
//!
//! // For lists, the store compiles the visibility into one query instead of checking rows.
//! assert_eq!(
//!     observation_visibility(&mary),
//!     ObservationVisibility::ThroughConsentedStudies { practitioner_id: PractitionerId(7) }
//! );
//!
//! // Revoking hides the data at once.
//! let revoke = ConsentRequest { change: ConsentChange::Revoke, ..grant };
//! decide_consent(&peter_himself, &facts, &revoke, now).unwrap().apply_to(&mut facts);
//! assert!(!may_see_observation(&mary, &facts, peter, heart_rate));
//! ```

#![warn(missing_docs)]

mod action;
mod authorize;
mod consent;
mod enrolment;
mod facts;
mod permissions;
mod principal;
mod smart;
mod views;
mod visibility;

pub use action::{Action, DenialCode, Denied, RecordChange, UserFields};
pub use authorize::authorize;
pub use consent::{
    ConsentChange, ConsentError, ConsentOutcome, ConsentRequest, ConsentTransition, decide_consent,
    decide_consents, next_consent_state, state_name,
};
pub use enrolment::{EnrolmentError, check_enrolment};
pub use facts::{ConsentRecord, Facts, ScopeRequest};
pub use permissions::{
    GLOBAL_PERMISSIONS, ORGANIZATION_PERMISSIONS, OrganizationPermissions, PermissionSummary,
    permission_summary,
};
pub use principal::{Actor, ClientInfo, Principal};
pub use smart::{
    Access, ScopeParseError, SmartContext, SmartPermissions, SmartResource, SmartScope, TokenScopes,
};
pub use views::{
    PatientConsentOverview, ScopeConsentStatus, StudyConsentStatus, consolidated_consented_scopes,
    patient_consent_overview,
};
pub use visibility::{
    ObservationVisibility, OrganizationVisibility, PatientVisibility, StudyVisibility, may_see_observation,
    may_see_organization, may_see_patient, may_see_study, observation_visibility, organization_visibility,
    patient_visibility, studies_justifying_observation, study_visibility,
};
