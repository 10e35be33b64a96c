//! Studies as the Admin API shows them: the visible studies with their organizations, one page at a time; a study's
//! sub-collections (scope requests, data sources, patient apps) with the ids of their link rows; the enrolled
//! patients with what their list items need; and changes to a study's metadata.
//!
//! Every list here runs a fixed number of queries, whatever the page size: a page of rows, then one query per kind
//! of related row for the whole page.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};
use jhe_consent::StudyVisibility;
use jhe_domain::*;

use crate::connection::{DbConnection, write_transaction};
use crate::error::{StoreError, StoreResult};
use crate::rows::*;
use crate::schema::{
    codeable_concepts, data_sources, oauth_clients, organizations, patient_clients, patient_identifiers,
    patient_organizations, patients, studies, study_clients, study_data_sources, study_patients,
    study_scope_requests, users,
};
use crate::visibility::{Condition, study_condition};

/// Which visible studies to list.
#[derive(Debug, Clone, Default)]
pub struct StudyFilter {
    /// Only studies owned by this organization or by an organization below it.
    pub organization: Option<OrganizationId>,
}

/// A study with the organization that owns it.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyWithOrganization {
    pub study: Study,
    pub organization: Organization,
}

/// Studies owned by `organization` or by an organization below it.
fn studies_within(organization: i64) -> Condition<studies::table> {
    Box::new(
        sql::<Bool>(
            "studies.organization_id IN (WITH RECURSIVE subtree(id) AS (SELECT o.id FROM organizations o WHERE o.id = ",
        )
        .bind::<BigInt, _>(organization)
        .sql(" UNION SELECT o.id FROM organizations o JOIN subtree s ON o.part_of_id = s.id) SELECT subtree.id FROM subtree)"),
    )
}

/// The studies in `visibility` that match `filter`, by name then id, one page at a time, with the total count.
/// Three queries: the count, the page, and the page's organizations.
pub fn list_visible_studies(
    conn: &mut DbConnection,
    visibility: &StudyVisibility,
    filter: &StudyFilter,
    offset: i64,
    limit: i64,
) -> StoreResult<(i64, Vec<StudyWithOrganization>)> {
    let filtered = || {
        let mut q = studies::table.filter(study_condition(visibility)).into_boxed();
        if let Some(org) = filter.organization {
            q = q.filter(studies_within(org.get()));
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let page: Vec<Study> = filtered()
        .order((studies::name, studies::id))
        .offset(offset)
        .limit(limit)
        .select(StudyRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Study::from)
        .collect();
    let org_ids: Vec<i64> = page.iter().map(|s| s.organization_id.get()).collect();
    let orgs = organizations_by_id(conn, &org_ids)?;
    let items = page
        .into_iter()
        .map(|study| {
            let organization = orgs
                .get(&study.organization_id.get())
                .cloned()
                .ok_or_else(|| StoreError::Corrupt(format!("study {} has no organization", study.id)))?;
            Ok(StudyWithOrganization { study, organization })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok((total, items))
}

fn organizations_by_id(conn: &mut DbConnection, ids: &[i64]) -> StoreResult<BTreeMap<i64, Organization>> {
    organizations::table
        .filter(organizations::id.eq_any(ids))
        .select(OrganizationRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|row| Organization::try_from(row).map(|o| (o.id.get(), o)))
        .collect()
}

/// One study with its organization.
pub fn get_study_with_organization(
    conn: &mut DbConnection,
    id: StudyId,
) -> StoreResult<StudyWithOrganization> {
    let (study, organization) = studies::table
        .inner_join(organizations::table)
        .filter(studies::id.eq(id.get()))
        .select((StudyRow::as_select(), OrganizationRow::as_select()))
        .first::<(StudyRow, OrganizationRow)>(conn)?;
    Ok(StudyWithOrganization {
        study: study.into(),
        organization: organization.try_into()?,
    })
}

/// What a study update may change; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct StudyChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    /// `Some(None)` clears the icon.
    pub icon_url: Option<Option<String>>,
}

/// Changes a study's name, description or icon (never its organization).
pub fn update_study(
    conn: &mut DbConnection,
    id: StudyId,
    changes: &StudyChanges,
    now: DateTime<Utc>,
) -> StoreResult<Study> {
    write_transaction(conn, |conn| {
        let current: Study = studies::table
            .find(id.get())
            .select(StudyRow::as_select())
            .first(conn)?
            .into();
        let name = changes.name.as_deref().unwrap_or(&current.name);
        let description = changes.description.as_deref().unwrap_or(&current.description);
        let icon_url = match &changes.icon_url {
            Some(icon) => icon.as_deref(),
            None => current.icon_url.as_deref(),
        };
        Ok(diesel::update(studies::table.find(id.get()))
            .set((
                studies::name.eq(name),
                studies::description.eq(description),
                studies::icon_url.eq(icon_url),
                studies::last_updated.eq(to_db_time(now)),
            ))
            .returning(studies::all_columns)
            .get_result::<StudyRow>(conn)?
            .into())
    })
}

/// The ids of the patients enrolled in a study, in id order.
pub fn enrolled_patient_ids(conn: &mut DbConnection, study: StudyId) -> StoreResult<Vec<PatientId>> {
    Ok(study_patients::table
        .filter(study_patients::study_id.eq(study.get()))
        .order(study_patients::patient_id)
        .select(study_patients::patient_id)
        .load::<i64>(conn)?
        .into_iter()
        .map(PatientId)
        .collect())
}

/// A data type a study asks for, with the id of the request row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeRequestItem {
    pub id: i64,
    pub scope_code: ScopeCode,
}

/// The data types a study asks for, in the order they were added.
pub fn scope_request_items(conn: &mut DbConnection, study: StudyId) -> StoreResult<Vec<ScopeRequestItem>> {
    Ok(study_scope_requests::table
        .inner_join(codeable_concepts::table)
        .filter(study_scope_requests::study_id.eq(study.get()))
        .order(study_scope_requests::id)
        .select((study_scope_requests::id, ScopeCodeRow::as_select()))
        .load::<(i64, ScopeCodeRow)>(conn)?
        .into_iter()
        .map(|(id, code)| ScopeRequestItem {
            id,
            scope_code: code.into(),
        })
        .collect())
}

/// A data source linked to a study, with the id of the link row.
#[derive(Debug, Clone, PartialEq)]
pub struct DataSourceLink {
    pub id: i64,
    pub data_source: DataSource,
}

/// The data sources linked to a study, in the order they were linked.
pub fn study_data_source_links(conn: &mut DbConnection, study: StudyId) -> StoreResult<Vec<DataSourceLink>> {
    study_data_sources::table
        .inner_join(data_sources::table)
        .filter(study_data_sources::study_id.eq(study.get()))
        .order(study_data_sources::id)
        .select((study_data_sources::id, DataSourceRow::as_select()))
        .load::<(i64, DataSourceRow)>(conn)?
        .into_iter()
        .map(|(id, row)| {
            Ok(DataSourceLink {
                id,
                data_source: row.try_into()?,
            })
        })
        .collect()
}

/// Unlinks a data source from a study.
pub fn remove_study_data_source(
    conn: &mut DbConnection,
    study: StudyId,
    source: DataSourceId,
) -> StoreResult<()> {
    let n = diesel::delete(
        study_data_sources::table
            .filter(study_data_sources::study_id.eq(study.get()))
            .filter(study_data_sources::data_source_id.eq(source.get())),
    )
    .execute(conn)?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// What the Admin API shows of an OAuth client: never its secret or its configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSummary {
    pub id: ClientId,
    pub name: String,
    /// The public OAuth `client_id`.
    pub client_id: String,
    /// The patient app's invitation URL; `None` for a client that is not a patient app.
    pub invitation_url: Option<String>,
}

/// A client linked to a study, with the id of the link row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientLink {
    pub id: i64,
    pub client: ClientSummary,
}

/// The clients (patient apps) linked to a study, in the order they were linked.
pub fn study_client_links(conn: &mut DbConnection, study: StudyId) -> StoreResult<Vec<ClientLink>> {
    Ok(study_clients::table
        .inner_join(oauth_clients::table)
        .left_join(patient_clients::table.on(patient_clients::client_id.eq(study_clients::client_id)))
        .filter(study_clients::study_id.eq(study.get()))
        .order(study_clients::id)
        .select((
            study_clients::id,
            oauth_clients::id,
            oauth_clients::name,
            oauth_clients::client_id,
            patient_clients::invitation_url.nullable(),
        ))
        .load::<(i64, i64, String, String, Option<String>)>(conn)?
        .into_iter()
        .map(|(id, client, name, client_id, invitation_url)| ClientLink {
            id,
            client: ClientSummary {
                id: ClientId(client),
                name,
                client_id,
                invitation_url,
            },
        })
        .collect())
}

/// Unlinks a client from a study.
pub fn remove_study_client(conn: &mut DbConnection, study: StudyId, client: ClientId) -> StoreResult<()> {
    let n = diesel::delete(
        study_clients::table
            .filter(study_clients::study_id.eq(study.get()))
            .filter(study_clients::client_id.eq(client.get())),
    )
    .execute(conn)?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// A patient with what the Admin API's patient items show: login e-mail, identifiers and organizations.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientDetails {
    pub patient: Patient,
    /// The e-mail of the patient's login account, if they have one.
    pub email: Option<String>,
    pub identifiers: Vec<PatientIdentifier>,
    /// The organizations caring for the patient, by id.
    pub organizations: Vec<Organization>,
}

/// The details of the given patients, in the order of `ids` (unknown ids are skipped). Four queries, whatever the
/// number of patients.
pub fn patient_details(conn: &mut DbConnection, ids: &[PatientId]) -> StoreResult<Vec<PatientDetails>> {
    let raw: Vec<i64> = ids.iter().map(|p| p.get()).collect();
    let found: Vec<(PatientRow, Option<String>)> = patients::table
        .left_join(users::table)
        .filter(patients::id.eq_any(&raw))
        .select((PatientRow::as_select(), users::email.nullable()))
        .load(conn)?;
    let identifiers: Vec<PatientIdentifier> = patient_identifiers::table
        .filter(patient_identifiers::patient_id.eq_any(&raw))
        .order(patient_identifiers::id)
        .select(PatientIdentifierRow::as_select())
        .load(conn)?
        .into_iter()
        .map(PatientIdentifier::from)
        .collect();
    let links: Vec<(i64, OrganizationRow)> = patient_organizations::table
        .inner_join(organizations::table)
        .filter(patient_organizations::patient_id.eq_any(&raw))
        .order(organizations::id)
        .select((patient_organizations::patient_id, OrganizationRow::as_select()))
        .load(conn)?;
    let mut organizations_of: BTreeMap<i64, Vec<Organization>> = BTreeMap::new();
    for (patient, row) in links {
        organizations_of.entry(patient).or_default().push(row.try_into()?);
    }
    let mut by_id: BTreeMap<i64, (Patient, Option<String>)> = found
        .into_iter()
        .map(|(row, email)| (row.id, (Patient::from(row), email)))
        .collect();
    Ok(raw
        .iter()
        .filter_map(|id| by_id.remove(id))
        .map(|(patient, email)| PatientDetails {
            identifiers: identifiers
                .iter()
                .filter(|i| i.patient_id == patient.id)
                .cloned()
                .collect(),
            organizations: organizations_of.remove(&patient.id.get()).unwrap_or_default(),
            patient,
            email,
        })
        .collect())
}

/// The patients enrolled in a study, by patient id, one page at a time, with the total count. Five queries: the
/// count, the page, and [`patient_details`].
pub fn list_enrolled_patients(
    conn: &mut DbConnection,
    study: StudyId,
    offset: i64,
    limit: i64,
) -> StoreResult<(i64, Vec<PatientDetails>)> {
    let total: i64 = study_patients::table
        .filter(study_patients::study_id.eq(study.get()))
        .count()
        .get_result(conn)?;
    let page: Vec<PatientId> = study_patients::table
        .filter(study_patients::study_id.eq(study.get()))
        .order(study_patients::patient_id)
        .offset(offset)
        .limit(limit)
        .select(study_patients::patient_id)
        .load::<i64>(conn)?
        .into_iter()
        .map(PatientId)
        .collect();
    Ok((total, patient_details(conn, &page)?))
}

/// The organization ids of each of the given patients.
pub fn organization_ids_of_patients(
    conn: &mut DbConnection,
    ids: &[PatientId],
) -> StoreResult<BTreeMap<PatientId, Vec<OrganizationId>>> {
    let raw: Vec<i64> = ids.iter().map(|p| p.get()).collect();
    let mut out: BTreeMap<PatientId, Vec<OrganizationId>> = BTreeMap::new();
    for (patient, org) in patient_organizations::table
        .filter(patient_organizations::patient_id.eq_any(&raw))
        .order((
            patient_organizations::patient_id,
            patient_organizations::organization_id,
        ))
        .select((
            patient_organizations::patient_id,
            patient_organizations::organization_id,
        ))
        .load::<(i64, i64)>(conn)?
    {
        out.entry(PatientId(patient))
            .or_default()
            .push(OrganizationId(org));
    }
    Ok(out)
}
