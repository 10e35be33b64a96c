//! Studies and what hangs off them: scope requests, enrolments, data sources and clients.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use jhe_domain::*;

use crate::connection::DbConnection;
use crate::error::{StoreError, StoreResult};
use crate::rows::*;
use crate::schema::{studies, study_clients, study_data_sources, study_patients, study_scope_requests};

#[derive(Insertable)]
#[diesel(table_name = studies)]
struct InsertStudy<'a> {
    id: Option<i64>,
    name: &'a str,
    description: &'a str,
    organization_id: i64,
    icon_url: Option<&'a str>,
    last_updated: chrono::NaiveDateTime,
}

/// Creates a study in an organization.
pub fn create_study(conn: &mut DbConnection, new: &NewStudy, now: DateTime<Utc>) -> StoreResult<Study> {
    let row = InsertStudy {
        id: new.id.map(StudyId::get),
        name: &new.name,
        description: &new.description,
        organization_id: new.organization_id.get(),
        icon_url: new.icon_url.as_deref(),
        last_updated: to_db_time(now),
    };
    Ok(diesel::insert_into(studies::table)
        .values(&row)
        .returning(studies::all_columns)
        .get_result::<StudyRow>(conn)?
        .into())
}

/// Reads one study.
pub fn get_study(conn: &mut DbConnection, id: StudyId) -> StoreResult<Study> {
    Ok(studies::table
        .find(id.get())
        .select(StudyRow::as_select())
        .first(conn)?
        .into())
}

/// The studies owned by an organization, by id.
pub fn studies_of_organization(conn: &mut DbConnection, org: OrganizationId) -> StoreResult<Vec<Study>> {
    Ok(studies::table
        .filter(studies::organization_id.eq(org.get()))
        .order(studies::id)
        .select(StudyRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Study::from)
        .collect())
}

/// Deletes a study with its enrolments, consents, scope requests and links.
pub fn delete_study(conn: &mut DbConnection, id: StudyId) -> StoreResult<()> {
    let n = diesel::delete(studies::table.find(id.get())).execute(conn)?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// Asks the study's patients to share a data type.
pub fn add_scope_request(
    conn: &mut DbConnection,
    study: StudyId,
    scope: ScopeCodeId,
) -> StoreResult<StudyScopeRequest> {
    Ok(diesel::insert_into(study_scope_requests::table)
        .values((
            study_scope_requests::study_id.eq(study.get()),
            study_scope_requests::scope_code_id.eq(scope.get()),
            study_scope_requests::scope_actions.eq("rs"),
        ))
        .returning(study_scope_requests::all_columns)
        .get_result::<ScopeRequestRow>(conn)?
        .into())
}

/// Stops asking for a data type.
pub fn remove_scope_request(conn: &mut DbConnection, study: StudyId, scope: ScopeCodeId) -> StoreResult<()> {
    let n = diesel::delete(
        study_scope_requests::table
            .filter(study_scope_requests::study_id.eq(study.get()))
            .filter(study_scope_requests::scope_code_id.eq(scope.get())),
    )
    .execute(conn)?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// The data types a study requests, in the order they were added.
pub fn scope_requests_of_study(
    conn: &mut DbConnection,
    study: StudyId,
) -> StoreResult<Vec<StudyScopeRequest>> {
    Ok(study_scope_requests::table
        .filter(study_scope_requests::study_id.eq(study.get()))
        .order(study_scope_requests::id)
        .select(ScopeRequestRow::as_select())
        .load(conn)?
        .into_iter()
        .map(StudyScopeRequest::from)
        .collect())
}

/// Enrols a patient in a study.
pub fn enrol_patient(conn: &mut DbConnection, study: StudyId, patient: PatientId) -> StoreResult<Enrolment> {
    Ok(diesel::insert_into(study_patients::table)
        .values((
            study_patients::study_id.eq(study.get()),
            study_patients::patient_id.eq(patient.get()),
        ))
        .returning(study_patients::all_columns)
        .get_result::<EnrolmentRow>(conn)?
        .into())
}

/// Removes a patient from a study, with their consents for it.
pub fn unenrol_patient(conn: &mut DbConnection, study: StudyId, patient: PatientId) -> StoreResult<()> {
    let n = diesel::delete(
        study_patients::table
            .filter(study_patients::study_id.eq(study.get()))
            .filter(study_patients::patient_id.eq(patient.get())),
    )
    .execute(conn)?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// The enrolment of a patient in a study, if any.
pub fn find_enrolment(
    conn: &mut DbConnection,
    study: StudyId,
    patient: PatientId,
) -> StoreResult<Option<Enrolment>> {
    Ok(study_patients::table
        .filter(study_patients::study_id.eq(study.get()))
        .filter(study_patients::patient_id.eq(patient.get()))
        .select(EnrolmentRow::as_select())
        .first(conn)
        .optional()?
        .map(Enrolment::from))
}

/// A patient's enrolments, by study id.
pub fn enrolments_of_patient(conn: &mut DbConnection, patient: PatientId) -> StoreResult<Vec<Enrolment>> {
    Ok(study_patients::table
        .filter(study_patients::patient_id.eq(patient.get()))
        .order(study_patients::study_id)
        .select(EnrolmentRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Enrolment::from)
        .collect())
}

/// A study's enrolments, by patient id.
pub fn enrolments_of_study(conn: &mut DbConnection, study: StudyId) -> StoreResult<Vec<Enrolment>> {
    Ok(study_patients::table
        .filter(study_patients::study_id.eq(study.get()))
        .order(study_patients::patient_id)
        .select(EnrolmentRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Enrolment::from)
        .collect())
}

/// Links a data source to a study.
pub fn add_study_data_source(
    conn: &mut DbConnection,
    study: StudyId,
    source: DataSourceId,
) -> StoreResult<()> {
    diesel::insert_into(study_data_sources::table)
        .values((
            study_data_sources::study_id.eq(study.get()),
            study_data_sources::data_source_id.eq(source.get()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The data sources linked to a study, by id.
pub fn data_sources_of_study(conn: &mut DbConnection, study: StudyId) -> StoreResult<Vec<DataSourceId>> {
    Ok(study_data_sources::table
        .filter(study_data_sources::study_id.eq(study.get()))
        .order(study_data_sources::data_source_id)
        .select(study_data_sources::data_source_id)
        .load::<i64>(conn)?
        .into_iter()
        .map(DataSourceId)
        .collect())
}

/// Links an OAuth client (a patient app) to a study.
pub fn add_study_client(conn: &mut DbConnection, study: StudyId, client: ClientId) -> StoreResult<()> {
    diesel::insert_into(study_clients::table)
        .values((
            study_clients::study_id.eq(study.get()),
            study_clients::client_id.eq(client.get()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The clients linked to a study, by id.
pub fn clients_of_study(conn: &mut DbConnection, study: StudyId) -> StoreResult<Vec<ClientId>> {
    Ok(study_clients::table
        .filter(study_clients::study_id.eq(study.get()))
        .order(study_clients::client_id)
        .select(study_clients::client_id)
        .load::<i64>(conn)?
        .into_iter()
        .map(ClientId)
        .collect())
}
