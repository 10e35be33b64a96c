//! Practitioners' own API clients: confidential client-credentials OAuth clients whose tokens act as the
//! practitioner who owns them. Every function here is scoped to one practitioner, so nobody reaches another
//! practitioner's keys by guessing ids.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use jhe_domain::*;

use crate::connection::{DbConnection, write_transaction};
use crate::error::{StoreError, StoreResult};
use crate::rows::*;
use crate::schema::{oauth_clients, practitioner_clients};

/// A practitioner's API client with its OAuth registration (which holds only the secret's hash).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiClient {
    pub client: OAuthClient,
    pub label: String,
}

fn to_api_client((row, label): (ClientRow, String)) -> StoreResult<ApiClient> {
    Ok(ApiClient {
        client: row.try_into()?,
        label,
    })
}

/// Registers a new API client for a practitioner: the OAuth client and its practitioner link, in one transaction.
pub fn create_api_client(
    conn: &mut DbConnection,
    practitioner: PractitionerId,
    new: &NewOAuthClient,
    label: &str,
    now: DateTime<Utc>,
) -> StoreResult<ApiClient> {
    write_transaction(conn, |conn| {
        let client = crate::clients::create_client(conn, new, now)?;
        crate::clients::set_practitioner_client(
            conn,
            &PractitionerClient {
                client_id: client.id,
                practitioner_id: practitioner,
                label: label.to_owned(),
            },
        )?;
        Ok(ApiClient {
            client,
            label: label.to_owned(),
        })
    })
}

/// A practitioner's API clients, newest first, one page at a time, with the total count.
pub fn list_api_clients(
    conn: &mut DbConnection,
    practitioner: PractitionerId,
    offset: i64,
    limit: i64,
) -> StoreResult<(i64, Vec<ApiClient>)> {
    let total: i64 = practitioner_clients::table
        .filter(practitioner_clients::practitioner_id.eq(practitioner.get()))
        .count()
        .get_result(conn)?;
    let page = oauth_clients::table
        .inner_join(practitioner_clients::table)
        .filter(practitioner_clients::practitioner_id.eq(practitioner.get()))
        .order((oauth_clients::created.desc(), oauth_clients::id.desc()))
        .offset(offset)
        .limit(limit)
        .select((ClientRow::as_select(), practitioner_clients::label))
        .load::<(ClientRow, String)>(conn)?
        .into_iter()
        .map(to_api_client)
        .collect::<StoreResult<_>>()?;
    Ok((total, page))
}

/// One of the practitioner's API clients; `NotFound` when it is not theirs or not an API client.
pub fn get_api_client(
    conn: &mut DbConnection,
    practitioner: PractitionerId,
    id: ClientId,
) -> StoreResult<ApiClient> {
    to_api_client(
        oauth_clients::table
            .inner_join(practitioner_clients::table)
            .filter(practitioner_clients::practitioner_id.eq(practitioner.get()))
            .filter(oauth_clients::id.eq(id.get()))
            .select((ClientRow::as_select(), practitioner_clients::label))
            .first::<(ClientRow, String)>(conn)?,
    )
}

/// Relabels one of the practitioner's API clients.
pub fn set_api_client_label(
    conn: &mut DbConnection,
    practitioner: PractitionerId,
    id: ClientId,
    label: &str,
    now: DateTime<Utc>,
) -> StoreResult<ApiClient> {
    write_transaction(conn, |conn| {
        let n = diesel::update(
            practitioner_clients::table
                .filter(practitioner_clients::client_id.eq(id.get()))
                .filter(practitioner_clients::practitioner_id.eq(practitioner.get())),
        )
        .set(practitioner_clients::label.eq(label))
        .execute(conn)?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        diesel::update(oauth_clients::table.find(id.get()))
            .set(oauth_clients::updated.eq(to_db_time(now)))
            .execute(conn)?;
        get_api_client(conn, practitioner, id)
    })
}

/// Deletes one of the practitioner's API clients with its tokens; `NotFound` when it is not theirs.
pub fn delete_api_client(
    conn: &mut DbConnection,
    practitioner: PractitionerId,
    id: ClientId,
) -> StoreResult<()> {
    write_transaction(conn, |conn| {
        get_api_client(conn, practitioner, id)?;
        crate::clients::delete_client(conn, id)
    })
}
