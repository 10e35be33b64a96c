//! The catalogue as the Admin API serves it: data sources with the scopes they support, the scope-code vocabulary,
//! and the patient apps (OAuth clients with an invitation URL) with their data sources. Lists run a fixed number
//! of queries whatever their length.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use jhe_domain::*;

use crate::connection::{DbConnection, write_transaction};
use crate::error::{StoreError, StoreResult};
use crate::rows::*;
use crate::schema::{
    client_data_sources, codeable_concepts, data_source_supported_scopes, data_sources, oauth_clients,
    patient_clients,
};
use crate::study_listings::ClientSummary;

/// A data source with the scopes it supports, ordered by their text.
#[derive(Debug, Clone, PartialEq)]
pub struct DataSourceWithScopes {
    pub data_source: DataSource,
    pub supported_scopes: Vec<ScopeCode>,
}

/// Every data source by name (then id), one page at a time, with the total count. Three queries.
pub fn list_data_sources(
    conn: &mut DbConnection,
    offset: i64,
    limit: i64,
) -> StoreResult<(i64, Vec<DataSourceWithScopes>)> {
    let total: i64 = data_sources::table.count().get_result(conn)?;
    let page: Vec<DataSource> = data_sources::table
        .order((data_sources::name, data_sources::id))
        .offset(offset)
        .limit(limit)
        .select(DataSourceRow::as_select())
        .load(conn)?
        .into_iter()
        .map(DataSource::try_from)
        .collect::<StoreResult<_>>()?;
    Ok((total, with_supported_scopes(conn, page)?))
}

/// One data source with the scopes it supports.
pub fn get_data_source_with_scopes(
    conn: &mut DbConnection,
    id: DataSourceId,
) -> StoreResult<DataSourceWithScopes> {
    let source = crate::data_sources::get_data_source(conn, id)?;
    with_supported_scopes(conn, vec![source])?
        .pop()
        .ok_or(StoreError::NotFound)
}

/// The given data sources, in order, each with its supported scopes (one query for all of them).
pub fn with_supported_scopes(
    conn: &mut DbConnection,
    sources: Vec<DataSource>,
) -> StoreResult<Vec<DataSourceWithScopes>> {
    let ids: Vec<i64> = sources.iter().map(|s| s.id.get()).collect();
    let mut scopes_of: BTreeMap<i64, Vec<ScopeCode>> = BTreeMap::new();
    for (source, code) in data_source_supported_scopes::table
        .inner_join(codeable_concepts::table)
        .filter(data_source_supported_scopes::data_source_id.eq_any(&ids))
        .order((codeable_concepts::text, codeable_concepts::id))
        .select((
            data_source_supported_scopes::data_source_id,
            ScopeCodeRow::as_select(),
        ))
        .load::<(i64, ScopeCodeRow)>(conn)?
    {
        scopes_of.entry(source).or_default().push(code.into());
    }
    Ok(sources
        .into_iter()
        .map(|data_source| DataSourceWithScopes {
            supported_scopes: scopes_of.remove(&data_source.id.get()).unwrap_or_default(),
            data_source,
        })
        .collect())
}

/// Renames a data source or changes its type.
pub fn update_data_source(
    conn: &mut DbConnection,
    id: DataSourceId,
    name: &str,
    source_type: DataSourceType,
    now: DateTime<Utc>,
) -> StoreResult<DataSource> {
    diesel::update(data_sources::table.find(id.get()))
        .set((
            data_sources::name.eq(name),
            data_sources::source_type.eq(source_type.as_str()),
            data_sources::last_updated.eq(to_db_time(now)),
        ))
        .returning(data_sources::all_columns)
        .get_result::<DataSourceRow>(conn)?
        .try_into()
}

/// Every scope code, ordered by its text (then id).
pub fn scope_codes_by_text(conn: &mut DbConnection) -> StoreResult<Vec<ScopeCode>> {
    Ok(codeable_concepts::table
        .order((codeable_concepts::text, codeable_concepts::id))
        .select(ScopeCodeRow::as_select())
        .load(conn)?
        .into_iter()
        .map(ScopeCode::from)
        .collect())
}

/// A scope a data source supports, with the id of the link row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportedScopeLink {
    pub id: i64,
    pub scope_code: ScopeCode,
}

/// The scopes a data source supports, in the order they were added.
pub fn supported_scope_links(
    conn: &mut DbConnection,
    source: DataSourceId,
) -> StoreResult<Vec<SupportedScopeLink>> {
    Ok(data_source_supported_scopes::table
        .inner_join(codeable_concepts::table)
        .filter(data_source_supported_scopes::data_source_id.eq(source.get()))
        .order(data_source_supported_scopes::id)
        .select((data_source_supported_scopes::id, ScopeCodeRow::as_select()))
        .load::<(i64, ScopeCodeRow)>(conn)?
        .into_iter()
        .map(|(id, code)| SupportedScopeLink {
            id,
            scope_code: code.into(),
        })
        .collect())
}

/// Declares that a data source supports a scope and returns the new link.
pub fn add_supported_scope_link(
    conn: &mut DbConnection,
    source: DataSourceId,
    scope: ScopeCodeId,
) -> StoreResult<SupportedScopeLink> {
    let id: i64 = diesel::insert_into(data_source_supported_scopes::table)
        .values((
            data_source_supported_scopes::data_source_id.eq(source.get()),
            data_source_supported_scopes::scope_code_id.eq(scope.get()),
        ))
        .returning(data_source_supported_scopes::id)
        .get_result(conn)?;
    let scope_code = crate::vocabulary::get_scope_code(conn, scope)?;
    Ok(SupportedScopeLink { id, scope_code })
}

/// Withdraws a supported scope from a data source.
pub fn remove_supported_scope(
    conn: &mut DbConnection,
    source: DataSourceId,
    scope: ScopeCodeId,
) -> StoreResult<()> {
    let n = diesel::delete(
        data_source_supported_scopes::table
            .filter(data_source_supported_scopes::data_source_id.eq(source.get()))
            .filter(data_source_supported_scopes::scope_code_id.eq(scope.get())),
    )
    .execute(conn)?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// Every patient app (a client with an invitation URL), newest first, one page at a time, with the total count.
pub fn list_patient_apps(
    conn: &mut DbConnection,
    offset: i64,
    limit: i64,
) -> StoreResult<(i64, Vec<ClientSummary>)> {
    let total: i64 = patient_clients::table.count().get_result(conn)?;
    let page = oauth_clients::table
        .inner_join(patient_clients::table)
        .order((oauth_clients::created.desc(), oauth_clients::id.desc()))
        .offset(offset)
        .limit(limit)
        .select((
            oauth_clients::id,
            oauth_clients::name,
            oauth_clients::client_id,
            patient_clients::invitation_url,
        ))
        .load::<(i64, String, String, String)>(conn)?
        .into_iter()
        .map(patient_app)
        .collect();
    Ok((total, page))
}

fn patient_app((id, name, client_id, invitation_url): (i64, String, String, String)) -> ClientSummary {
    ClientSummary {
        id: ClientId(id),
        name,
        client_id,
        invitation_url: Some(invitation_url),
    }
}

/// One patient app; `NotFound` for a client that is not one.
pub fn get_patient_app(conn: &mut DbConnection, id: ClientId) -> StoreResult<ClientSummary> {
    Ok(patient_app(
        oauth_clients::table
            .inner_join(patient_clients::table)
            .filter(oauth_clients::id.eq(id.get()))
            .select((
                oauth_clients::id,
                oauth_clients::name,
                oauth_clients::client_id,
                patient_clients::invitation_url,
            ))
            .first::<(i64, String, String, String)>(conn)?,
    ))
}

/// What a patient-app update may change; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct PatientAppChanges {
    pub name: Option<String>,
    /// The public OAuth `client_id`.
    pub client_id: Option<String>,
    pub invitation_url: Option<String>,
}

/// Changes a patient app's name, public client id or invitation URL.
pub fn update_patient_app(
    conn: &mut DbConnection,
    id: ClientId,
    changes: &PatientAppChanges,
    now: DateTime<Utc>,
) -> StoreResult<ClientSummary> {
    write_transaction(conn, |conn| {
        let current = get_patient_app(conn, id)?;
        diesel::update(oauth_clients::table.find(id.get()))
            .set((
                oauth_clients::name.eq(changes.name.as_deref().unwrap_or(&current.name)),
                oauth_clients::client_id.eq(changes.client_id.as_deref().unwrap_or(&current.client_id)),
                oauth_clients::updated.eq(to_db_time(now)),
            ))
            .execute(conn)?;
        if let Some(url) = &changes.invitation_url {
            diesel::update(patient_clients::table.find(id.get()))
                .set(patient_clients::invitation_url.eq(url))
                .execute(conn)?;
        }
        get_patient_app(conn, id)
    })
}

/// The data sources linked to a client, by id, each with its supported scopes.
pub fn client_data_sources(
    conn: &mut DbConnection,
    client: ClientId,
) -> StoreResult<Vec<DataSourceWithScopes>> {
    let sources: Vec<DataSource> = client_data_sources::table
        .inner_join(data_sources::table)
        .filter(client_data_sources::client_id.eq(client.get()))
        .order(data_sources::id)
        .select(DataSourceRow::as_select())
        .load(conn)?
        .into_iter()
        .map(DataSource::try_from)
        .collect::<StoreResult<_>>()?;
    with_supported_scopes(conn, sources)
}

/// Links a data source to a client and returns the link row's id.
pub fn add_client_data_source_link(
    conn: &mut DbConnection,
    client: ClientId,
    source: DataSourceId,
) -> StoreResult<i64> {
    Ok(diesel::insert_into(client_data_sources::table)
        .values((
            client_data_sources::client_id.eq(client.get()),
            client_data_sources::data_source_id.eq(source.get()),
        ))
        .returning(client_data_sources::id)
        .get_result(conn)?)
}

/// Unlinks a data source from a client.
pub fn remove_client_data_source(
    conn: &mut DbConnection,
    client: ClientId,
    source: DataSourceId,
) -> StoreResult<()> {
    let n = diesel::delete(
        client_data_sources::table
            .filter(client_data_sources::client_id.eq(client.get()))
            .filter(client_data_sources::data_source_id.eq(source.get())),
    )
    .execute(conn)?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}
