//! Database rows and their conversion to and from domain types. Rows are private to the store: callers only ever
//! see `jhe_domain` types.

use std::str::FromStr;

use chrono::{DateTime, DurationRound, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use jhe_domain::*;

use crate::error::StoreError;
use crate::schema::*;

/// Converts to the stored form: naive UTC, truncated to microseconds (the precision both backends keep).
pub(crate) fn to_db_time(t: DateTime<Utc>) -> NaiveDateTime {
    t.duration_trunc(TimeDelta::microseconds(1))
        .unwrap_or(t)
        .naive_utc()
}

pub(crate) fn from_db_time(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

pub(crate) fn parse_enum<T>(raw: &str) -> Result<T, StoreError>
where
    T: FromStr<Err = UnknownValue>,
{
    raw.parse()
        .map_err(|e: UnknownValue| StoreError::Corrupt(e.to_string()))
}

/// Lists such as redirect URIs are stored space-separated, as the reference does.
pub(crate) fn join_list(items: &[String]) -> String {
    items.join(" ")
}

pub(crate) fn split_list(raw: &str) -> Vec<String> {
    raw.split_whitespace().map(str::to_owned).collect()
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub(crate) struct UserRow {
    pub id: i64,
    pub email: String,
    pub password_hash: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub email_is_verified: bool,
    pub identifier: String,
    pub user_type: Option<String>,
    pub is_superuser: bool,
    pub is_staff: bool,
    pub is_active: bool,
    pub last_login: Option<NaiveDateTime>,
    pub date_joined: NaiveDateTime,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;

    fn try_from(r: UserRow) -> Result<Self, StoreError> {
        Ok(User {
            id: UserId(r.id),
            email: r.email,
            password_hash: r.password_hash,
            first_name: r.first_name,
            last_name: r.last_name,
            email_is_verified: r.email_is_verified,
            identifier: r.identifier,
            user_type: r.user_type.as_deref().map(parse_enum).transpose()?,
            is_superuser: r.is_superuser,
            is_staff: r.is_staff,
            is_active: r.is_active,
            last_login: r.last_login.map(from_db_time),
            date_joined: from_db_time(r.date_joined),
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = practitioners)]
pub(crate) struct PractitionerRow {
    pub id: i64,
    pub user_id: i64,
    pub identifier: Option<String>,
    pub name_family: Option<String>,
    pub name_given: Option<String>,
    pub settings_json: String,
    pub last_updated: NaiveDateTime,
}

impl From<PractitionerRow> for Practitioner {
    fn from(r: PractitionerRow) -> Self {
        Practitioner {
            id: PractitionerId(r.id),
            user_id: UserId(r.user_id),
            identifier: r.identifier,
            name_family: r.name_family,
            name_given: r.name_given,
            settings_json: r.settings_json,
            last_updated: from_db_time(r.last_updated),
        }
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = patients)]
pub(crate) struct PatientRow {
    pub id: i64,
    pub user_id: Option<i64>,
    pub name_family: Option<String>,
    pub name_given: Option<String>,
    pub birth_date: Option<chrono::NaiveDate>,
    pub telecom_phone: Option<String>,
    pub last_updated: NaiveDateTime,
}

impl From<PatientRow> for Patient {
    fn from(r: PatientRow) -> Self {
        Patient {
            id: PatientId(r.id),
            user_id: r.user_id.map(UserId),
            name_family: r.name_family,
            name_given: r.name_given,
            birth_date: r.birth_date,
            telecom_phone: r.telecom_phone,
            last_updated: from_db_time(r.last_updated),
        }
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = patient_identifiers)]
pub(crate) struct PatientIdentifierRow {
    pub id: i64,
    pub patient_id: i64,
    pub system: String,
    pub value: String,
}

impl From<PatientIdentifierRow> for PatientIdentifier {
    fn from(r: PatientIdentifierRow) -> Self {
        PatientIdentifier {
            id: r.id,
            patient_id: PatientId(r.patient_id),
            system: r.system,
            value: r.value,
        }
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = organizations)]
pub(crate) struct OrganizationRow {
    pub id: i64,
    pub name: String,
    pub org_type: String,
    pub part_of_id: Option<i64>,
    pub last_updated: NaiveDateTime,
}

impl TryFrom<OrganizationRow> for Organization {
    type Error = StoreError;

    fn try_from(r: OrganizationRow) -> Result<Self, StoreError> {
        Ok(Organization {
            id: OrganizationId(r.id),
            name: r.name,
            org_type: parse_enum(&r.org_type)?,
            part_of: r.part_of_id.map(OrganizationId),
            last_updated: from_db_time(r.last_updated),
        })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = practitioner_organizations)]
pub(crate) struct MembershipRow {
    pub practitioner_id: i64,
    pub organization_id: i64,
    pub role: String,
}

impl TryFrom<MembershipRow> for Membership {
    type Error = StoreError;

    fn try_from(r: MembershipRow) -> Result<Self, StoreError> {
        Ok(Membership {
            practitioner_id: PractitionerId(r.practitioner_id),
            organization_id: OrganizationId(r.organization_id),
            role: parse_enum(&r.role)?,
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = codeable_concepts)]
pub(crate) struct ScopeCodeRow {
    pub id: i64,
    pub coding_system: String,
    pub coding_code: String,
    pub text: String,
}

impl From<ScopeCodeRow> for ScopeCode {
    fn from(r: ScopeCodeRow) -> Self {
        ScopeCode {
            id: ScopeCodeId(r.id),
            coding_system: r.coding_system,
            coding_code: r.coding_code,
            text: r.text,
        }
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = studies)]
pub(crate) struct StudyRow {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub organization_id: i64,
    pub icon_url: Option<String>,
    pub last_updated: NaiveDateTime,
}

impl From<StudyRow> for Study {
    fn from(r: StudyRow) -> Self {
        Study {
            id: StudyId(r.id),
            name: r.name,
            description: r.description,
            organization_id: OrganizationId(r.organization_id),
            icon_url: r.icon_url,
            last_updated: from_db_time(r.last_updated),
        }
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = study_scope_requests)]
pub(crate) struct ScopeRequestRow {
    pub id: i64,
    pub study_id: i64,
    pub scope_code_id: i64,
    pub scope_actions: String,
}

impl From<ScopeRequestRow> for StudyScopeRequest {
    fn from(r: ScopeRequestRow) -> Self {
        StudyScopeRequest {
            id: r.id,
            study_id: StudyId(r.study_id),
            scope_code_id: ScopeCodeId(r.scope_code_id),
            scope_actions: r.scope_actions,
        }
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = study_patients)]
pub(crate) struct EnrolmentRow {
    pub id: i64,
    pub study_id: i64,
    pub patient_id: i64,
}

impl From<EnrolmentRow> for Enrolment {
    fn from(r: EnrolmentRow) -> Self {
        Enrolment {
            id: EnrolmentId(r.id),
            study_id: StudyId(r.study_id),
            patient_id: PatientId(r.patient_id),
        }
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = consents)]
pub(crate) struct ConsentRow {
    pub id: i64,
    pub study_patient_id: i64,
    pub scope_code_id: i64,
    pub scope_actions: String,
    pub state: String,
    pub decided_at: NaiveDateTime,
}

impl TryFrom<ConsentRow> for Consent {
    type Error = StoreError;

    fn try_from(r: ConsentRow) -> Result<Self, StoreError> {
        Ok(Consent {
            id: ConsentId(r.id),
            enrolment_id: EnrolmentId(r.study_patient_id),
            scope_code_id: ScopeCodeId(r.scope_code_id),
            scope_actions: r.scope_actions,
            state: parse_enum(&r.state)?,
            decided_at: from_db_time(r.decided_at),
        })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = consent_history)]
pub(crate) struct ConsentHistoryRow {
    pub id: i64,
    pub study_id: i64,
    pub patient_id: i64,
    pub scope_code_id: i64,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub actor_user_id: Option<i64>,
    pub occurred_at: NaiveDateTime,
}

impl TryFrom<ConsentHistoryRow> for ConsentHistoryEntry {
    type Error = StoreError;

    fn try_from(r: ConsentHistoryRow) -> Result<Self, StoreError> {
        Ok(ConsentHistoryEntry {
            id: ConsentHistoryId(r.id),
            study_id: StudyId(r.study_id),
            patient_id: PatientId(r.patient_id),
            scope_code_id: ScopeCodeId(r.scope_code_id),
            from_state: r.from_state.as_deref().map(parse_enum).transpose()?,
            to_state: r.to_state.as_deref().map(parse_enum).transpose()?,
            actor_user_id: r.actor_user_id.map(UserId),
            occurred_at: from_db_time(r.occurred_at),
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = data_sources)]
pub(crate) struct DataSourceRow {
    pub id: i64,
    pub name: String,
    pub source_type: String,
    pub last_updated: NaiveDateTime,
}

impl TryFrom<DataSourceRow> for DataSource {
    type Error = StoreError;

    fn try_from(r: DataSourceRow) -> Result<Self, StoreError> {
        Ok(DataSource {
            id: DataSourceId(r.id),
            name: r.name,
            source_type: parse_enum(&r.source_type)?,
            last_updated: from_db_time(r.last_updated),
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = oauth_clients)]
pub(crate) struct ClientRow {
    pub id: i64,
    pub client_id: String,
    pub client_secret_hash: Option<String>,
    pub client_type: String,
    pub grant_type: String,
    pub redirect_uris: String,
    pub post_logout_redirect_uris: String,
    pub allowed_origins: String,
    pub skip_authorization: bool,
    pub algorithm: String,
    pub name: String,
    pub owner_user_id: Option<i64>,
    pub created: NaiveDateTime,
    pub updated: NaiveDateTime,
}

impl TryFrom<ClientRow> for OAuthClient {
    type Error = StoreError;

    fn try_from(r: ClientRow) -> Result<Self, StoreError> {
        Ok(OAuthClient {
            id: ClientId(r.id),
            client_id: r.client_id,
            client_secret_hash: r.client_secret_hash,
            client_type: parse_enum(&r.client_type)?,
            grant_type: parse_enum(&r.grant_type)?,
            redirect_uris: split_list(&r.redirect_uris),
            post_logout_redirect_uris: split_list(&r.post_logout_redirect_uris),
            allowed_origins: split_list(&r.allowed_origins),
            skip_authorization: r.skip_authorization,
            algorithm: r.algorithm,
            name: r.name,
            owner_user_id: r.owner_user_id.map(UserId),
            created: from_db_time(r.created),
            updated: from_db_time(r.updated),
        })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = patient_invitations)]
pub(crate) struct InvitationRow {
    pub id: i64,
    pub patient_id: i64,
    pub client_id: i64,
    pub token_hash: String,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub redeemed_at: Option<NaiveDateTime>,
    pub last_updated: NaiveDateTime,
}

impl TryFrom<InvitationRow> for PatientInvitation {
    type Error = StoreError;

    fn try_from(r: InvitationRow) -> Result<Self, StoreError> {
        Ok(PatientInvitation {
            id: InvitationId(r.id),
            patient_id: PatientId(r.patient_id),
            client_id: ClientId(r.client_id),
            token_hash: r.token_hash,
            status: parse_enum(&r.status)?,
            created_at: from_db_time(r.created_at),
            expires_at: from_db_time(r.expires_at),
            redeemed_at: r.redeemed_at.map(from_db_time),
            last_updated: from_db_time(r.last_updated),
        })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = settings)]
pub(crate) struct SettingRow {
    pub id: i64,
    pub key: String,
    pub value_type: String,
    pub value_string: Option<String>,
    pub value_int: Option<i64>,
    pub value_bool: Option<bool>,
    pub value_float: Option<f64>,
    pub value_json: Option<String>,
    pub last_updated: NaiveDateTime,
}

impl TryFrom<SettingRow> for Setting {
    type Error = StoreError;

    fn try_from(r: SettingRow) -> Result<Self, StoreError> {
        let missing = || StoreError::Corrupt(format!("setting {} has no {} value", r.key, r.value_type));
        let value = match parse_enum::<SettingValueType>(&r.value_type)? {
            SettingValueType::String => SettingValue::String(r.value_string.clone().ok_or_else(missing)?),
            SettingValueType::Int => SettingValue::Int(r.value_int.ok_or_else(missing)?),
            SettingValueType::Bool => SettingValue::Bool(r.value_bool.ok_or_else(missing)?),
            SettingValueType::Float => SettingValue::Float(r.value_float.ok_or_else(missing)?),
            SettingValueType::Json => SettingValue::Json(r.value_json.clone().ok_or_else(missing)?),
        };
        Ok(Setting {
            id: SettingId(r.id),
            key: r.key,
            value,
            last_updated: from_db_time(r.last_updated),
        })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = observations)]
pub(crate) struct ObservationRow {
    pub id: i64,
    pub subject_patient_id: i64,
    pub codeable_concept_id: i64,
    pub data_source_id: Option<i64>,
    pub omh_data: String,
    pub status: String,
    pub effective_start: Option<NaiveDateTime>,
    pub effective_end: Option<NaiveDateTime>,
    pub last_updated: NaiveDateTime,
    pub identifiers: String,
}

/// One element of `observations.identifiers`, the JSON copy of an observation's identifiers.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredIdentifier<'a> {
    #[serde(borrow)]
    system: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    value: std::borrow::Cow<'a, str>,
}

/// The JSON text stored in `observations.identifiers`.
pub(crate) fn identifiers_json(identifiers: &[Identifier]) -> String {
    let list: Vec<StoredIdentifier<'_>> = identifiers
        .iter()
        .map(|i| StoredIdentifier {
            system: i.system.as_str().into(),
            value: i.value.as_str().into(),
        })
        .collect();
    // Serializing strings into a string cannot fail.
    serde_json::to_string(&list).unwrap_or_else(|_| "[]".to_owned())
}

fn parse_identifiers(raw: &str) -> Result<Vec<Identifier>, StoreError> {
    let list: Vec<StoredIdentifier<'_>> = serde_json::from_str(raw)
        .map_err(|e| StoreError::Corrupt(format!("observation identifiers: {e}")))?;
    Ok(list
        .into_iter()
        .map(|i| Identifier {
            system: i.system.into_owned(),
            value: i.value.into_owned(),
        })
        .collect())
}

impl TryFrom<ObservationRow> for Observation {
    type Error = StoreError;

    fn try_from(r: ObservationRow) -> Result<Self, StoreError> {
        let effective = match (r.effective_start, r.effective_end) {
            (Some(s), Some(e)) if s == e => Some(EffectiveTime::Instant(from_db_time(s))),
            (Some(s), Some(e)) => Some(EffectiveTime::Period {
                start: from_db_time(s),
                end: from_db_time(e),
            }),
            _ => None,
        };
        Ok(Observation {
            id: ObservationId(r.id),
            patient_id: PatientId(r.subject_patient_id),
            scope_code_id: ScopeCodeId(r.codeable_concept_id),
            data_source_id: r.data_source_id.map(DataSourceId),
            omh_data: r.omh_data,
            status: parse_enum(&r.status)?,
            effective,
            last_updated: from_db_time(r.last_updated),
            identifiers: parse_identifiers(&r.identifiers)?,
        })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub(crate) struct AuditEventRow {
    pub id: i64,
    pub occurred_at: NaiveDateTime,
    pub actor_user_id: Option<i64>,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
}
