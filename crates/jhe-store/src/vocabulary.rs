//! Scope codes: the CodeableConcepts that name data types.

use diesel::prelude::*;
use jhe_domain::*;

use crate::connection::DbConnection;
use crate::error::StoreResult;
use crate::rows::*;
use crate::schema::codeable_concepts;

#[derive(Insertable)]
#[diesel(table_name = codeable_concepts)]
struct InsertScopeCode<'a> {
    id: Option<i64>,
    coding_system: &'a str,
    coding_code: &'a str,
    text: &'a str,
}

/// Adds a scope code. (system, code) is unique.
pub fn create_scope_code(conn: &mut DbConnection, new: &NewScopeCode) -> StoreResult<ScopeCode> {
    let row = InsertScopeCode {
        id: new.id.map(ScopeCodeId::get),
        coding_system: &new.coding_system,
        coding_code: &new.coding_code,
        text: &new.text,
    };
    Ok(diesel::insert_into(codeable_concepts::table)
        .values(&row)
        .returning(codeable_concepts::all_columns)
        .get_result::<ScopeCodeRow>(conn)?
        .into())
}

/// Reads one scope code.
pub fn get_scope_code(conn: &mut DbConnection, id: ScopeCodeId) -> StoreResult<ScopeCode> {
    Ok(codeable_concepts::table
        .find(id.get())
        .select(ScopeCodeRow::as_select())
        .first(conn)?
        .into())
}

/// Finds a scope code by its coding.
pub fn find_scope_code(conn: &mut DbConnection, system: &str, code: &str) -> StoreResult<Option<ScopeCode>> {
    Ok(codeable_concepts::table
        .filter(codeable_concepts::coding_system.eq(system))
        .filter(codeable_concepts::coding_code.eq(code))
        .select(ScopeCodeRow::as_select())
        .first(conn)
        .optional()?
        .map(ScopeCode::from))
}

/// Every scope code, by id.
pub fn all_scope_codes(conn: &mut DbConnection) -> StoreResult<Vec<ScopeCode>> {
    Ok(codeable_concepts::table
        .order(codeable_concepts::id)
        .select(ScopeCodeRow::as_select())
        .load(conn)?
        .into_iter()
        .map(ScopeCode::from)
        .collect())
}
