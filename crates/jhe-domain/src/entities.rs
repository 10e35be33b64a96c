//! The entities of the exchange, as plain data. `New*` types carry what a caller supplies when creating one; the
//! store fills in ids and timestamps.

use chrono::{DateTime, NaiveDate, Utc};

use crate::enums::*;
use crate::ids::*;

/// A login account. Practitioners and patients each have one; a superuser is a practitioner account with
/// `is_superuser`.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: UserId,
    pub email: String,
    /// The argon2id PHC string, or `None` for an account that cannot log in with a password.
    pub password_hash: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub email_is_verified: bool,
    /// An external identifier (for example an EHR practitioner id).
    pub identifier: String,
    pub user_type: Option<UserType>,
    pub is_superuser: bool,
    pub is_staff: bool,
    pub is_active: bool,
    pub last_login: Option<DateTime<Utc>>,
    pub date_joined: DateTime<Utc>,
}

/// What is needed to create a [`User`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewUser {
    /// Fixed id, for seed data; `None` lets the database choose.
    pub id: Option<UserId>,
    pub email: String,
    pub password_hash: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub identifier: String,
    pub user_type: Option<UserType>,
    pub is_superuser: bool,
}

/// A practitioner profile (FHIR Practitioner).
#[derive(Debug, Clone, PartialEq)]
pub struct Practitioner {
    pub id: PractitionerId,
    pub user_id: UserId,
    pub identifier: Option<String>,
    pub name_family: Option<String>,
    pub name_given: Option<String>,
    /// The web UI's remembered selections, as a JSON object.
    pub settings_json: String,
    pub last_updated: DateTime<Utc>,
}

/// What is needed to create a [`Practitioner`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewPractitioner {
    pub id: Option<PractitionerId>,
    pub user_id: UserId,
    pub identifier: Option<String>,
    pub name_family: Option<String>,
    pub name_given: Option<String>,
}

/// A patient profile (FHIR Patient). A patient may exist before they have a login account.
#[derive(Debug, Clone, PartialEq)]
pub struct Patient {
    pub id: PatientId,
    pub user_id: Option<UserId>,
    pub name_family: Option<String>,
    pub name_given: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub telecom_phone: Option<String>,
    pub last_updated: DateTime<Utc>,
}

/// What is needed to create a [`Patient`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewPatient {
    pub id: Option<PatientId>,
    pub user_id: Option<UserId>,
    pub name_family: Option<String>,
    pub name_given: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub telecom_phone: Option<String>,
}

/// An external identifier of a patient, unique per (system, value) across the exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientIdentifier {
    pub id: i64,
    pub patient_id: PatientId,
    pub system: String,
    pub value: String,
}

/// A node of the organization tree (institution → department → lab).
#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    pub id: OrganizationId,
    pub name: String,
    pub org_type: OrganizationType,
    /// The parent; `None` or [`crate::ROOT_ORGANIZATION_ID`] for a top-level organization.
    pub part_of: Option<OrganizationId>,
    pub last_updated: DateTime<Utc>,
}

/// What is needed to create an [`Organization`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewOrganization {
    pub id: Option<OrganizationId>,
    pub name: String,
    pub org_type: OrganizationType,
    pub part_of: Option<OrganizationId>,
}

/// A practitioner's role in one organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    pub practitioner_id: PractitionerId,
    pub organization_id: OrganizationId,
    pub role: Role,
}

/// A patient's link to an organization that cares for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PatientOrganization {
    pub patient_id: PatientId,
    pub organization_id: OrganizationId,
}

/// A scope code: the CodeableConcept naming a data type, such as `https://w3id.org/openmhealth|omh:heart-rate:2.0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeCode {
    pub id: ScopeCodeId,
    pub coding_system: String,
    pub coding_code: String,
    pub text: String,
}

/// What is needed to create a [`ScopeCode`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewScopeCode {
    pub id: Option<ScopeCodeId>,
    pub coding_system: String,
    pub coding_code: String,
    pub text: String,
}

/// A research study (FHIR Group), owned by exactly one organization.
#[derive(Debug, Clone, PartialEq)]
pub struct Study {
    pub id: StudyId,
    pub name: String,
    pub description: String,
    pub organization_id: OrganizationId,
    pub icon_url: Option<String>,
    pub last_updated: DateTime<Utc>,
}

/// What is needed to create a [`Study`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewStudy {
    pub id: Option<StudyId>,
    pub name: String,
    pub description: String,
    pub organization_id: OrganizationId,
    pub icon_url: Option<String>,
}

/// A data type a study asks its patients to share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudyScopeRequest {
    pub id: i64,
    pub study_id: StudyId,
    pub scope_code_id: ScopeCodeId,
    /// SMART-style actions (`rs`); informational.
    pub scope_actions: String,
}

/// A patient's enrolment in a study. Enrolment alone grants nothing: consent does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enrolment {
    pub id: EnrolmentId,
    pub study_id: StudyId,
    pub patient_id: PatientId,
}

/// The current consent decision for one (enrolment, scope).
#[derive(Debug, Clone, PartialEq)]
pub struct Consent {
    pub id: ConsentId,
    pub enrolment_id: EnrolmentId,
    pub scope_code_id: ScopeCodeId,
    pub scope_actions: String,
    pub state: ConsentState,
    /// When the current state was decided.
    pub decided_at: DateTime<Utc>,
}

/// What is needed to record a consent decision.
#[derive(Debug, Clone, PartialEq)]
pub struct NewConsent {
    pub enrolment_id: EnrolmentId,
    pub scope_code_id: ScopeCodeId,
    pub state: ConsentState,
    pub decided_at: DateTime<Utc>,
}

/// One transition of a consent, kept forever: who changed what, when, from which state to which.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsentHistoryEntry {
    pub id: ConsentHistoryId,
    pub study_id: StudyId,
    pub patient_id: PatientId,
    pub scope_code_id: ScopeCodeId,
    /// `None` when the scope was pending.
    pub from_state: Option<ConsentState>,
    /// `None` when the decision was withdrawn and the scope is pending again.
    pub to_state: Option<ConsentState>,
    pub actor_user_id: Option<UserId>,
    pub occurred_at: DateTime<Utc>,
}

/// What is needed to append to the consent history.
#[derive(Debug, Clone, PartialEq)]
pub struct NewConsentHistoryEntry {
    pub study_id: StudyId,
    pub patient_id: PatientId,
    pub scope_code_id: ScopeCodeId,
    pub from_state: Option<ConsentState>,
    pub to_state: Option<ConsentState>,
    pub actor_user_id: Option<UserId>,
    pub occurred_at: DateTime<Utc>,
}

/// A data source (FHIR Device): a device or app that produces observations.
#[derive(Debug, Clone, PartialEq)]
pub struct DataSource {
    pub id: DataSourceId,
    pub name: String,
    pub source_type: DataSourceType,
    pub last_updated: DateTime<Utc>,
}

/// What is needed to create a [`DataSource`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewDataSource {
    pub id: Option<DataSourceId>,
    pub name: String,
    pub source_type: DataSourceType,
}

/// A registered OAuth client.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthClient {
    pub id: ClientId,
    /// The public identifier sent as `client_id`.
    pub client_id: String,
    /// SHA-256 of the secret for confidential clients; the secret itself is never stored.
    pub client_secret_hash: Option<String>,
    pub client_type: ClientType,
    pub grant_type: GrantType,
    /// Exact-match redirect URIs.
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub allowed_origins: Vec<String>,
    pub skip_authorization: bool,
    pub algorithm: String,
    pub name: String,
    pub owner_user_id: Option<UserId>,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
}

/// What is needed to register an [`OAuthClient`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewOAuthClient {
    pub id: Option<ClientId>,
    pub client_id: String,
    pub client_secret_hash: Option<String>,
    pub client_type: ClientType,
    pub grant_type: GrantType,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub allowed_origins: Vec<String>,
    pub skip_authorization: bool,
    pub name: String,
    pub owner_user_id: Option<UserId>,
}

/// Marks an OAuth client as a patient app, with the link patients are invited through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientClient {
    pub client_id: ClientId,
    /// Contains the literal `CODE`, replaced by the invitation code.
    pub invitation_url: String,
    /// Free-form JSON kept for the client.
    pub aux_data_json: String,
}

/// A confidential client-credentials client that acts as the practitioner who owns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PractitionerClient {
    pub client_id: ClientId,
    pub practitioner_id: PractitionerId,
    pub label: String,
}

/// An invitation for a patient to log in through a patient app. Only the token's hash is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientInvitation {
    pub id: InvitationId,
    pub patient_id: PatientId,
    pub client_id: ClientId,
    /// base64url(SHA-256(token)) without padding.
    pub token_hash: String,
    pub status: InvitationStatus,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub redeemed_at: Option<DateTime<Utc>>,
    pub last_updated: DateTime<Utc>,
}

/// What is needed to create a [`PatientInvitation`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewPatientInvitation {
    pub patient_id: PatientId,
    pub client_id: ClientId,
    pub token_hash: String,
    pub status: InvitationStatus,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A typed setting value.
#[derive(Debug, Clone, PartialEq)]
pub enum SettingValue {
    String(String),
    Int(i64),
    Bool(bool),
    Float(f64),
    /// A JSON document, kept as its text.
    Json(String),
}

impl SettingValue {
    /// The type tag of this value.
    pub const fn value_type(&self) -> SettingValueType {
        match self {
            SettingValue::String(_) => SettingValueType::String,
            SettingValue::Int(_) => SettingValueType::Int,
            SettingValue::Bool(_) => SettingValueType::Bool,
            SettingValue::Float(_) => SettingValueType::Float,
            SettingValue::Json(_) => SettingValueType::Json,
        }
    }
}

/// A runtime setting, editable by superusers.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub id: SettingId,
    pub key: String,
    pub value: SettingValue,
    pub last_updated: DateTime<Utc>,
}

/// The time an observation describes: a point, or an interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EffectiveTime {
    Instant(DateTime<Utc>),
    Period {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
}

impl EffectiveTime {
    /// The first instant covered.
    pub const fn start(&self) -> DateTime<Utc> {
        match self {
            EffectiveTime::Instant(t) => *t,
            EffectiveTime::Period { start, .. } => *start,
        }
    }

    /// The last instant covered.
    pub const fn end(&self) -> DateTime<Utc> {
        match self {
            EffectiveTime::Instant(t) => *t,
            EffectiveTime::Period { end, .. } => *end,
        }
    }
}

/// A stored Open mHealth data point and what is known about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub id: ObservationId,
    pub patient_id: PatientId,
    pub scope_code_id: ScopeCodeId,
    pub data_source_id: Option<DataSourceId>,
    /// The Open mHealth data point (`{header, body}`) as JSON text, exactly as uploaded.
    pub omh_data: String,
    pub status: ObservationStatus,
    /// Derived from the data point's `effective_time_frame`, when it has a usable one.
    pub effective: Option<EffectiveTime>,
    pub last_updated: DateTime<Utc>,
    /// Its business identifiers, in the order they were given. They never change once stored.
    pub identifiers: Vec<Identifier>,
}

/// What is needed to store an [`Observation`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewObservation {
    pub id: Option<ObservationId>,
    pub patient_id: PatientId,
    pub scope_code_id: ScopeCodeId,
    pub data_source_id: Option<DataSourceId>,
    pub omh_data: String,
    pub status: ObservationStatus,
    pub effective: Option<EffectiveTime>,
    /// Business identifiers, each unique per (system, value) across the exchange.
    pub identifiers: Vec<Identifier>,
}

/// A business identifier (FHIR Identifier): a value within a naming system.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identifier {
    pub system: String,
    pub value: String,
}

/// An appended record of who did what to which data, and how it ended.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub id: AuditEventId,
    pub occurred_at: DateTime<Utc>,
    pub actor_user_id: Option<UserId>,
    /// What was done, as `<resource>.<verb>` (`observation.search`, `consent.grant`, …).
    pub action: String,
    /// The kind of thing acted on (`Patient`, `Observation`, `Study`, …).
    pub target_type: String,
    pub target_id: Option<String>,
    /// The patients whose data was touched.
    pub patient_ids: Vec<PatientId>,
    pub outcome: AuditOutcome,
    /// A short, PHI-free explanation (for example why access was denied).
    pub detail: Option<String>,
}

/// What is needed to append an [`AuditEvent`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEvent {
    pub occurred_at: DateTime<Utc>,
    pub actor_user_id: Option<UserId>,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    pub patient_ids: Vec<PatientId>,
    pub outcome: AuditOutcome,
    pub detail: Option<String>,
}

/// A logged-in browser session. Only the hash of the session cookie's value is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct BrowserSession {
    pub id: i64,
    pub token_hash: String,
    pub user_id: UserId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// An authorization code, bound to everything the token request must repeat. Only its hash is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorizationCode {
    pub id: i64,
    pub code_hash: String,
    pub client_id: ClientId,
    pub user_id: UserId,
    pub redirect_uri: String,
    pub scope: String,
    pub code_challenge: String,
    pub nonce: Option<String>,
    /// Ties the code to every token issued from it.
    pub family: String,
    pub auth_time: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub consumed_at: Option<DateTime<Utc>>,
}

/// An issued access token. Only its hash is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessToken {
    pub id: i64,
    pub token_hash: String,
    pub client_id: ClientId,
    /// The user the token acts for (for client credentials: the practitioner who owns the client).
    pub user_id: UserId,
    pub scope: String,
    pub family: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// An issued refresh token. It is rotated on every use; presenting a rotated one revokes its family.
#[derive(Debug, Clone, PartialEq)]
pub struct RefreshToken {
    pub id: i64,
    pub token_hash: String,
    pub client_id: ClientId,
    pub user_id: UserId,
    pub scope: String,
    pub family: String,
    pub nonce: Option<String>,
    pub auth_time: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub rotated_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A stored ID-token signing key.
#[derive(Clone, PartialEq)]
pub struct SigningKeyRecord {
    pub id: i64,
    pub kid: String,
    /// PKCS#8 PEM, or its encrypted form when `encrypted`.
    pub private_key: String,
    pub encrypted: bool,
    pub created_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for SigningKeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyRecord")
            .field("id", &self.id)
            .field("kid", &self.kid)
            .field("private_key", &"<redacted>")
            .field("encrypted", &self.encrypted)
            .field("created_at", &self.created_at)
            .field("retired_at", &self.retired_at)
            .finish()
    }
}
