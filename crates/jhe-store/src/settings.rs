//! Typed runtime settings.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use jhe_domain::*;

use crate::connection::DbConnection;
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
    conn.transaction(|conn| {
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
