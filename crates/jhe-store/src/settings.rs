//! Typed runtime settings.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use jhe_domain::*;

use crate::connection::{DbConnection, write_transaction};
use crate::error::StoreResult;
use crate::rows::*;
use crate::schema::settings;

type SettingColumns<'a> = (
    Option<&'a str>,
    Option<i64>,
    Option<bool>,
    Option<f64>,
    Option<&'a str>,
);

fn columns(value: &SettingValue) -> SettingColumns<'_> {
    match value {
        SettingValue::String(s) => (Some(s), None, None, None, None),
        SettingValue::Int(i) => (None, Some(*i), None, None, None),
        SettingValue::Bool(b) => (None, None, Some(*b), None, None),
        SettingValue::Float(f) => (None, None, None, Some(*f), None),
        SettingValue::Json(j) => (None, None, None, None, Some(j)),
    }
}

/// Sets a setting, creating it when it does not exist yet. Exactly one typed column holds the value.
pub fn put_setting(
    conn: &mut DbConnection,
    key: &str,
    value: &SettingValue,
    now: DateTime<Utc>,
) -> StoreResult<Setting> {
    let (s, i, b, f, j) = columns(value);
    let changes = (
        settings::value_type.eq(value.value_type().as_str()),
        settings::value_string.eq(s),
        settings::value_int.eq(i),
        settings::value_bool.eq(b),
        settings::value_float.eq(f),
        settings::value_json.eq(j),
        settings::last_updated.eq(to_db_time(now)),
    );
    write_transaction(conn, |conn| {
        let updated = diesel::update(settings::table.filter(settings::key.eq(key)))
            .set(changes)
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(settings::table)
                .values((settings::key.eq(key), changes))
                .execute(conn)?;
        }
        settings::table
            .filter(settings::key.eq(key))
            .select(SettingRow::as_select())
            .first(conn)?
            .try_into()
    })
}

/// Reads a setting by key.
pub fn get_setting(conn: &mut DbConnection, key: &str) -> StoreResult<Option<Setting>> {
    settings::table
        .filter(settings::key.eq(key))
        .select(SettingRow::as_select())
        .first(conn)
        .optional()?
        .map(Setting::try_from)
        .transpose()
}

/// Every setting, by key.
pub fn all_settings(conn: &mut DbConnection) -> StoreResult<Vec<Setting>> {
    settings::table
        .order(settings::key)
        .select(SettingRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Setting::try_from)
        .collect()
}

/// Removes a setting.
pub fn delete_setting(conn: &mut DbConnection, key: &str) -> StoreResult<bool> {
    Ok(diesel::delete(settings::table.filter(settings::key.eq(key))).execute(conn)? > 0)
}

/// An integer setting, or `default` when it is unset or not an integer.
pub fn int_setting(conn: &mut DbConnection, key: &str, default: i64) -> StoreResult<i64> {
    Ok(match get_setting(conn, key)?.map(|s| s.value) {
        Some(SettingValue::Int(i)) => i,
        _ => default,
    })
}

/// Reads a setting by id.
pub fn get_setting_by_id(conn: &mut DbConnection, id: SettingId) -> StoreResult<Setting> {
    settings::table
        .find(id.get())
        .select(SettingRow::as_select())
        .first(conn)?
        .try_into()
}

/// Settings by id, one page at a time, with the total count.
pub fn list_settings(conn: &mut DbConnection, offset: i64, limit: i64) -> StoreResult<(i64, Vec<Setting>)> {
    let total: i64 = settings::table.count().get_result(conn)?;
    let page = settings::table
        .order(settings::id)
        .offset(offset)
        .limit(limit)
        .select(SettingRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Setting::try_from)
        .collect::<StoreResult<_>>()?;
    Ok((total, page))
}

/// Creates a setting; a key that exists already is [`crate::StoreError::Duplicate`] on `settings_key_key`.
pub fn create_setting(
    conn: &mut DbConnection,
    key: &str,
    value: &SettingValue,
    now: DateTime<Utc>,
) -> StoreResult<Setting> {
    let (s, i, b, f, j) = columns(value);
    diesel::insert_into(settings::table)
        .values((
            settings::key.eq(key),
            settings::value_type.eq(value.value_type().as_str()),
            settings::value_string.eq(s),
            settings::value_int.eq(i),
            settings::value_bool.eq(b),
            settings::value_float.eq(f),
            settings::value_json.eq(j),
            settings::last_updated.eq(to_db_time(now)),
        ))
        .returning(settings::all_columns)
        .get_result::<SettingRow>(conn)?
        .try_into()
}

/// Changes a setting's key and value by id. Exactly one typed column holds the new value.
pub fn update_setting_by_id(
    conn: &mut DbConnection,
    id: SettingId,
    key: &str,
    value: &SettingValue,
    now: DateTime<Utc>,
) -> StoreResult<Setting> {
    let (s, i, b, f, j) = columns(value);
    diesel::update(settings::table.find(id.get()))
        .set((
            settings::key.eq(key),
            settings::value_type.eq(value.value_type().as_str()),
            settings::value_string.eq(s),
            settings::value_int.eq(i),
            settings::value_bool.eq(b),
            settings::value_float.eq(f),
            settings::value_json.eq(j),
            settings::last_updated.eq(to_db_time(now)),
        ))
        .returning(settings::all_columns)
        .get_result::<SettingRow>(conn)?
        .try_into()
}

/// Removes a setting by id.
pub fn delete_setting_by_id(conn: &mut DbConnection, id: SettingId) -> StoreResult<()> {
    let n = diesel::delete(settings::table.find(id.get())).execute(conn)?;
    if n == 0 {
        Err(crate::StoreError::NotFound)
    } else {
        Ok(())
    }
}
