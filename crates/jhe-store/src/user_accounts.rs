//! Login accounts and practitioner profiles as the Admin API manages them: accounts page by page, changes to an
//! account, the patient profiles a caller may see behind a page of accounts, and practitioners with their e-mail and
//! organizations. Lists run a fixed number of queries whatever the page size.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use jhe_consent::PatientVisibility;
use jhe_domain::*;

use crate::connection::{DbBackend, DbConnection, write_transaction};
use crate::error::{StoreError, StoreResult};
use crate::rows::*;
use crate::schema::{organizations, patients, practitioner_organizations, practitioners, users};
use crate::visibility::patient_condition;

fn users_filtered(email: Option<&str>) -> users::BoxedQuery<'static, DbBackend> {
    let mut query = users::table.into_boxed();
    if let Some(email) = email {
        query = query.filter(users::email.eq(email.to_owned()));
    }
    query
}

/// Login accounts by family name (then id), optionally only the one with exactly `email`, one page at a time, with
/// the total count. Two queries.
pub fn list_users(
    conn: &mut DbConnection,
    email: Option<&str>,
    offset: i64,
    limit: i64,
) -> StoreResult<(i64, Vec<User>)> {
    let total: i64 = users_filtered(email).count().get_result(conn)?;
    let rows = users_filtered(email)
        .order((users::last_name, users::id))
        .offset(offset)
        .limit(limit)
        .select(UserRow::as_select())
        .load(conn)?;
    Ok((
        total,
        rows.into_iter().map(User::try_from).collect::<StoreResult<_>>()?,
    ))
}

/// The patient profiles behind `accounts` that `visibility` admits, by account. One query.
pub fn visible_patients_of_users(
    conn: &mut DbConnection,
    accounts: &[UserId],
    visibility: &PatientVisibility,
) -> StoreResult<BTreeMap<UserId, PatientId>> {
    let ids: Vec<i64> = accounts.iter().map(|u| u.get()).collect();
    Ok(patients::table
        .filter(patients::user_id.eq_any(ids))
        .filter(patient_condition(visibility))
        .select((patients::user_id.assume_not_null(), patients::id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .map(|(user, patient)| (UserId(user), PatientId(patient)))
        .collect())
}

/// Changes to a login account: `None` leaves a field as it is. The superuser flag is not here: the API never
/// changes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// `Some(None)` clears the type.
    pub user_type: Option<Option<String>>,
    pub identifier: Option<String>,
    pub is_active: Option<bool>,
}

/// Applies `changes` to an account and returns it. A taken e-mail fails with [`StoreError::Duplicate`] on
/// `users_email_key`.
pub fn update_user(conn: &mut DbConnection, id: UserId, changes: &UserChanges) -> StoreResult<User> {
    if changes == &UserChanges::default() {
        return crate::people::get_user(conn, id);
    }
    diesel::update(users::table.find(id.get()))
        .set(changes)
        .returning(users::all_columns)
        .get_result::<UserRow>(conn)?
        .try_into()
}

/// A practitioner with what the Admin API's practitioner items show.
#[derive(Debug, Clone, PartialEq)]
pub struct PractitionerDetails {
    pub practitioner: Practitioner,
    /// The login e-mail.
    pub email: String,
    /// The organizations they hold a membership in, by id.
    pub organizations: Vec<Organization>,
}

/// The details of the given practitioners, in the order of `ids` (unknown ids are skipped). Two queries.
pub fn practitioner_details(
    conn: &mut DbConnection,
    ids: &[PractitionerId],
) -> StoreResult<Vec<PractitionerDetails>> {
    let raw: Vec<i64> = ids.iter().map(|p| p.get()).collect();
    let found: Vec<(PractitionerRow, String)> = practitioners::table
        .inner_join(users::table)
        .filter(practitioners::id.eq_any(&raw))
        .select((PractitionerRow::as_select(), users::email))
        .load(conn)?;
    let links: Vec<(i64, OrganizationRow)> = practitioner_organizations::table
        .inner_join(organizations::table)
        .filter(practitioner_organizations::practitioner_id.eq_any(&raw))
        .order(organizations::id)
        .select((
            practitioner_organizations::practitioner_id,
            OrganizationRow::as_select(),
        ))
        .load(conn)?;
    let mut organizations_of: BTreeMap<i64, Vec<Organization>> = BTreeMap::new();
    for (practitioner, row) in links {
        organizations_of
            .entry(practitioner)
            .or_default()
            .push(row.try_into()?);
    }
    let mut by_id: BTreeMap<i64, (Practitioner, String)> = found
        .into_iter()
        .map(|(row, email)| (row.id, (Practitioner::from(row), email)))
        .collect();
    Ok(raw
        .iter()
        .filter_map(|id| by_id.remove(id))
        .map(|(practitioner, email)| PractitionerDetails {
            organizations: organizations_of
                .remove(&practitioner.id.get())
                .unwrap_or_default(),
            practitioner,
            email,
        })
        .collect())
}

/// Practitioners by id, one page at a time, with the total count. Four queries.
pub fn list_practitioners(
    conn: &mut DbConnection,
    offset: i64,
    limit: i64,
) -> StoreResult<(i64, Vec<PractitionerDetails>)> {
    let total: i64 = practitioners::table.count().get_result(conn)?;
    let page: Vec<PractitionerId> = practitioners::table
        .order(practitioners::id)
        .offset(offset)
        .limit(limit)
        .select(practitioners::id)
        .load::<i64>(conn)?
        .into_iter()
        .map(PractitionerId)
        .collect();
    Ok((total, practitioner_details(conn, &page)?))
}

/// Changes a practitioner's names: `None` leaves a name as it is, `Some(None)` clears it.
pub fn update_practitioner_names(
    conn: &mut DbConnection,
    id: PractitionerId,
    name_family: Option<Option<String>>,
    name_given: Option<Option<String>>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    #[derive(AsChangeset)]
    #[diesel(table_name = practitioners)]
    struct Names {
        name_family: Option<Option<String>>,
        name_given: Option<Option<String>>,
        last_updated: chrono::NaiveDateTime,
    }
    let n = diesel::update(practitioners::table.find(id.get()))
        .set(&Names {
            name_family,
            name_given,
            last_updated: to_db_time(now),
        })
        .execute(conn)?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// Deletes a practitioner profile (with its memberships and API clients), then its login account when nothing else
/// uses it; says whether the account went too. One transaction.
pub fn delete_practitioner(conn: &mut DbConnection, id: PractitionerId) -> StoreResult<bool> {
    write_transaction(conn, |conn| {
        let practitioner = crate::people::get_practitioner(conn, id)?;
        let n = diesel::delete(practitioners::table.find(id.get())).execute(conn)?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        crate::patient_records::delete_user_if_unused(conn, practitioner.user_id)
    })
}
