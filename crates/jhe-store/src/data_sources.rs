//! Data sources (devices and apps) and the scopes they can produce.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use jhe_domain::*;

use crate::connection::DbConnection;
use crate::error::{StoreError, StoreResult};
use crate::rows::*;
use crate::schema::{data_source_supported_scopes, data_sources};

#[derive(Insertable)]
#[diesel(table_name = data_sources)]
struct InsertDataSource<'a> {
    id: Option<i64>,
    name: &'a str,
    source_type: &'a str,
    last_updated: chrono::NaiveDateTime,
}

/// Registers a data source.
pub fn create_data_source(
    conn: &mut DbConnection,
    new: &NewDataSource,
    now: DateTime<Utc>,
) -> StoreResult<DataSource> {
    let row = InsertDataSource {
        id: new.id.map(DataSourceId::get),
        name: &new.name,
        source_type: new.source_type.as_str(),
        last_updated: to_db_time(now),
    };
    diesel::insert_into(data_sources::table)
        .values(&row)
        .returning(data_sources::all_columns)
        .get_result::<DataSourceRow>(conn)?
        .try_into()
}

/// Reads one data source.
pub fn get_data_source(conn: &mut DbConnection, id: DataSourceId) -> StoreResult<DataSource> {
    data_sources::table
        .find(id.get())
        .select(DataSourceRow::as_select())
        .first(conn)?
        .try_into()
}

/// Deletes a data source; observations that named it keep their rows without it.
pub fn delete_data_source(conn: &mut DbConnection, id: DataSourceId) -> StoreResult<()> {
    let n = diesel::delete(data_sources::table.find(id.get())).execute(conn)?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// Declares that a data source can produce a data type.
pub fn add_supported_scope(
    conn: &mut DbConnection,
    source: DataSourceId,
    scope: ScopeCodeId,
) -> StoreResult<()> {
    diesel::insert_into(data_source_supported_scopes::table)
        .values((
            data_source_supported_scopes::data_source_id.eq(source.get()),
            data_source_supported_scopes::scope_code_id.eq(scope.get()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The data types a source can produce, by id.
pub fn supported_scopes(conn: &mut DbConnection, source: DataSourceId) -> StoreResult<Vec<ScopeCodeId>> {
    Ok(data_source_supported_scopes::table
        .filter(data_source_supported_scopes::data_source_id.eq(source.get()))
        .order(data_source_supported_scopes::scope_code_id)
        .select(data_source_supported_scopes::scope_code_id)
        .load::<i64>(conn)?
        .into_iter()
        .map(ScopeCodeId)
        .collect())
}
