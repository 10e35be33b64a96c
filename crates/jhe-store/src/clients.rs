//! OAuth client registrations and their roles as patient apps or practitioner API clients.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use jhe_domain::*;

use crate::connection::DbConnection;
use crate::error::{StoreError, StoreResult};
use crate::rows::*;
use crate::schema::{client_data_sources, oauth_clients, patient_clients, practitioner_clients};

#[derive(Insertable)]
#[diesel(table_name = oauth_clients)]
struct InsertClient<'a> {
    id: Option<i64>,
    client_id: &'a str,
    client_secret_hash: Option<&'a str>,
    client_type: &'a str,
    grant_type: &'a str,
    redirect_uris: String,
    post_logout_redirect_uris: String,
    allowed_origins: String,
    skip_authorization: bool,
    algorithm: &'a str,
    name: &'a str,
    owner_user_id: Option<i64>,
    created: chrono::NaiveDateTime,
    updated: chrono::NaiveDateTime,
}

/// Registers an OAuth client.
pub fn create_client(
    conn: &mut DbConnection,
    new: &NewOAuthClient,
    now: DateTime<Utc>,
) -> StoreResult<OAuthClient> {
    let row = InsertClient {
        id: new.id.map(ClientId::get),
        client_id: &new.client_id,
        client_secret_hash: new.client_secret_hash.as_deref(),
        client_type: new.client_type.as_str(),
        grant_type: new.grant_type.as_str(),
        redirect_uris: join_list(&new.redirect_uris),
        post_logout_redirect_uris: join_list(&new.post_logout_redirect_uris),
        allowed_origins: join_list(&new.allowed_origins),
        skip_authorization: new.skip_authorization,
        algorithm: "RS256",
        name: &new.name,
        owner_user_id: new.owner_user_id.map(UserId::get),
        created: to_db_time(now),
        updated: to_db_time(now),
    };
    diesel::insert_into(oauth_clients::table)
        .values(&row)
        .returning(oauth_clients::all_columns)
        .get_result::<ClientRow>(conn)?
        .try_into()
}

/// Reads one client by row id.
pub fn get_client(conn: &mut DbConnection, id: ClientId) -> StoreResult<OAuthClient> {
    oauth_clients::table
        .find(id.get())
        .select(ClientRow::as_select())
        .first(conn)?
        .try_into()
}

/// Finds a client by its public `client_id`.
pub fn find_client_by_client_id(
    conn: &mut DbConnection,
    client_id: &str,
) -> StoreResult<Option<OAuthClient>> {
    oauth_clients::table
        .filter(oauth_clients::client_id.eq(client_id))
        .select(ClientRow::as_select())
        .first(conn)
        .optional()?
        .map(OAuthClient::try_from)
        .transpose()
}

/// Finds a client by its display name.
pub fn find_client_by_name(conn: &mut DbConnection, name: &str) -> StoreResult<Option<OAuthClient>> {
    oauth_clients::table
        .filter(oauth_clients::name.eq(name))
        .order(oauth_clients::id)
        .select(ClientRow::as_select())
        .first(conn)
        .optional()?
        .map(OAuthClient::try_from)
        .transpose()
}

/// Deletes a client with its links, invitations and tokens.
pub fn delete_client(conn: &mut DbConnection, id: ClientId) -> StoreResult<()> {
    let n = diesel::delete(oauth_clients::table.find(id.get())).execute(conn)?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// Marks a client as a patient app.
pub fn set_patient_client(conn: &mut DbConnection, pc: &PatientClient) -> StoreResult<()> {
    diesel::insert_into(patient_clients::table)
        .values((
            patient_clients::client_id.eq(pc.client_id.get()),
            patient_clients::invitation_url.eq(&pc.invitation_url),
            patient_clients::aux_data_json.eq(&pc.aux_data_json),
        ))
        .execute(conn)?;
    Ok(())
}

/// The patient-app details of a client, if it is one.
pub fn find_patient_client(conn: &mut DbConnection, client: ClientId) -> StoreResult<Option<PatientClient>> {
    Ok(patient_clients::table
        .find(client.get())
        .select((
            patient_clients::client_id,
            patient_clients::invitation_url,
            patient_clients::aux_data_json,
        ))
        .first::<(i64, String, String)>(conn)
        .optional()?
        .map(|(id, invitation_url, aux_data_json)| PatientClient {
            client_id: ClientId(id),
            invitation_url,
            aux_data_json,
        }))
}

/// Marks a client as a practitioner's API client.
pub fn set_practitioner_client(conn: &mut DbConnection, pc: &PractitionerClient) -> StoreResult<()> {
    diesel::insert_into(practitioner_clients::table)
        .values((
            practitioner_clients::client_id.eq(pc.client_id.get()),
            practitioner_clients::practitioner_id.eq(pc.practitioner_id.get()),
            practitioner_clients::label.eq(&pc.label),
        ))
        .execute(conn)?;
    Ok(())
}

/// The practitioner-client details of a client, if it is one.
pub fn find_practitioner_client(
    conn: &mut DbConnection,
    client: ClientId,
) -> StoreResult<Option<PractitionerClient>> {
    Ok(practitioner_clients::table
        .find(client.get())
        .select((
            practitioner_clients::client_id,
            practitioner_clients::practitioner_id,
            practitioner_clients::label,
        ))
        .first::<(i64, i64, String)>(conn)
        .optional()?
        .map(|(id, practitioner, label)| PractitionerClient {
            client_id: ClientId(id),
            practitioner_id: PractitionerId(practitioner),
            label,
        }))
}

/// Links a data source to a client.
pub fn add_client_data_source(
    conn: &mut DbConnection,
    client: ClientId,
    source: DataSourceId,
) -> StoreResult<()> {
    diesel::insert_into(client_data_sources::table)
        .values((
            client_data_sources::client_id.eq(client.get()),
            client_data_sources::data_source_id.eq(source.get()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The data sources linked to a client, by id.
pub fn data_sources_of_client(conn: &mut DbConnection, client: ClientId) -> StoreResult<Vec<DataSourceId>> {
    Ok(client_data_sources::table
        .filter(client_data_sources::client_id.eq(client.get()))
        .order(client_data_sources::data_source_id)
        .select(client_data_sources::data_source_id)
        .load::<i64>(conn)?
        .into_iter()
        .map(DataSourceId)
        .collect())
}
