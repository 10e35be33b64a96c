//! Stored Open mHealth observations and their business identifiers.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use jhe_domain::*;

use crate::connection::{DbConnection, write_transaction};
use crate::error::{StoreError, StoreResult};
use crate::rows::*;
use crate::schema::{observation_identifiers, observations};

#[derive(Insertable)]
#[diesel(table_name = observations)]
struct InsertObservation<'a> {
    id: Option<i64>,
    subject_patient_id: i64,
    codeable_concept_id: i64,
    data_source_id: Option<i64>,
    omh_data: &'a str,
    status: &'a str,
    effective_start: Option<chrono::NaiveDateTime>,
    effective_end: Option<chrono::NaiveDateTime>,
    last_updated: chrono::NaiveDateTime,
    identifiers: String,
}

/// Stores observations with their identifiers, all or nothing. A duplicate identifier fails the whole call with
/// [`StoreError::Duplicate`] on `observation_identifiers_system_value_key`.
///
/// On PostgreSQL the rows go in as multi-row inserts (a network round trip per chunk, not per row); SQLite, in
/// process, takes them one statement at a time inside the same transaction.
pub fn insert_observations(
    conn: &mut DbConnection,
    new: &[NewObservation],
    now: DateTime<Utc>,
) -> StoreResult<Vec<Observation>> {
    let rows: Vec<InsertObservation<'_>> = new
        .iter()
        .map(|obs| InsertObservation {
            id: obs.id.map(ObservationId::get),
            subject_patient_id: obs.patient_id.get(),
            codeable_concept_id: obs.scope_code_id.get(),
            data_source_id: obs.data_source_id.map(DataSourceId::get),
            omh_data: &obs.omh_data,
            status: obs.status.as_str(),
            effective_start: obs.effective.map(|e| to_db_time(e.start())),
            effective_end: obs.effective.map(|e| to_db_time(e.end())),
            last_updated: to_db_time(now),
            identifiers: identifiers_json(&obs.identifiers),
        })
        .collect();
    write_transaction(conn, |conn| {
        let stored: Vec<ObservationRow> = match conn {
            DbConnection::Postgres(pg) => {
                let mut stored = Vec::with_capacity(rows.len());
                // With ten parameters a row, a chunk stays well below PostgreSQL's 65535-parameter limit.
                for chunk in rows.chunks(1000) {
                    stored.extend(
                        diesel::insert_into(observations::table)
                            .values(chunk)
                            .returning(observations::all_columns)
                            .get_results::<ObservationRow>(pg)?,
                    );
                }
                stored
            }
            DbConnection::Sqlite(lite) => rows
                .iter()
                .map(|row| {
                    diesel::insert_into(observations::table)
                        .values(row)
                        .returning(observations::all_columns)
                        .get_result::<ObservationRow>(lite)
                })
                .collect::<QueryResult<_>>()?,
        };
        let stored: Vec<Observation> = stored
            .into_iter()
            .map(Observation::try_from)
            .collect::<StoreResult<_>>()?;
        let identifiers: Vec<_> = stored
            .iter()
            .zip(new)
            .flat_map(|(saved, obs)| {
                obs.identifiers.iter().map(move |i| {
                    (
                        observation_identifiers::observation_id.eq(saved.id.get()),
                        observation_identifiers::system.eq(i.system.as_str()),
                        observation_identifiers::value.eq(i.value.as_str()),
                    )
                })
            })
            .collect();
        match conn {
            DbConnection::Postgres(pg) => {
                for chunk in identifiers.chunks(5000) {
                    diesel::insert_into(observation_identifiers::table)
                        .values(chunk)
                        .execute(pg)?;
                }
            }
            DbConnection::Sqlite(lite) => {
                for row in &identifiers {
                    diesel::insert_into(observation_identifiers::table)
                        .values(*row)
                        .execute(lite)?;
                }
            }
        }
        Ok(stored)
    })
}

/// Which of `identifiers` are already held by an observation, in one query.
pub fn existing_identifiers(
    conn: &mut DbConnection,
    identifiers: &[Identifier],
) -> StoreResult<std::collections::HashSet<Identifier>> {
    if identifiers.is_empty() {
        return Ok(Default::default());
    }
    if let DbConnection::Postgres(pg) = conn {
        // One probe of the unique (system, value) index per identifier, whatever the planner believes about the
        // table. The `LIMIT 1` keeps each probe a separate parameterized index lookup: written as `system = ? AND
        // value = ANY(…)`, PostgreSQL with statistics older than a bulk load (autovacuum refreshes them about a
        // minute later) estimated few rows per system, used the index for `system` alone and filtered every stored
        // identifier of that system, on every bundle (16 ms of a 20 ms bundle at 10^5 rows).
        #[derive(diesel::QueryableByName)]
        struct Found {
            #[diesel(sql_type = diesel::sql_types::Text)]
            system: String,
            #[diesel(sql_type = diesel::sql_types::Text)]
            value: String,
        }
        use diesel::sql_types::{Array, Text};
        let systems: Vec<&str> = identifiers.iter().map(|i| i.system.as_str()).collect();
        let values: Vec<&str> = identifiers.iter().map(|i| i.value.as_str()).collect();
        let found: Vec<Found> = diesel::sql_query(
            "SELECT wanted.system, wanted.value \
             FROM unnest($1::text[], $2::text[]) AS wanted(system, value) \
             CROSS JOIN LATERAL (SELECT 1 FROM observation_identifiers i \
                 WHERE i.system = wanted.system AND i.value = wanted.value LIMIT 1) AS held",
        )
        .bind::<Array<Text>, _>(&systems)
        .bind::<Array<Text>, _>(&values)
        .load(pg)?;
        return Ok(found
            .into_iter()
            .map(|f| Identifier {
                system: f.system,
                value: f.value,
            })
            .collect());
    }
    // SQLite plans without table statistics unless told to gather them, and uses the unique index for both
    // columns: one `system = ? AND value IN (…)` range per system.
    let mut by_system: std::collections::BTreeMap<&str, Vec<&str>> = std::collections::BTreeMap::new();
    for i in identifiers {
        by_system
            .entry(i.system.as_str())
            .or_default()
            .push(i.value.as_str());
    }
    let mut query = observation_identifiers::table
        .select((observation_identifiers::system, observation_identifiers::value))
        .filter(crate::fixed_sql::PlanEachTime)
        .into_boxed();
    let mut groups = by_system.into_iter();
    let Some((system, values)) = groups.next() else {
        return Ok(Default::default());
    };
    query = query.filter(
        observation_identifiers::system
            .eq(system)
            .and(observation_identifiers::value.eq_any(values)),
    );
    for (system, values) in groups {
        query = query.or_filter(
            observation_identifiers::system
                .eq(system)
                .and(observation_identifiers::value.eq_any(values)),
        );
    }
    Ok(query
        .load::<(String, String)>(conn)?
        .into_iter()
        .map(|(system, value)| Identifier { system, value })
        .collect())
}

/// Reads one observation.
pub fn get_observation(conn: &mut DbConnection, id: ObservationId) -> StoreResult<Observation> {
    observations::table
        .find(id.get())
        .select(ObservationRow::as_select())
        .first(conn)?
        .try_into()
}

/// Deletes one observation with its identifiers.
pub fn delete_observation(conn: &mut DbConnection, id: ObservationId) -> StoreResult<()> {
    let n = diesel::delete(observations::table.find(id.get())).execute(conn)?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// The identifiers of an observation, in the order they were stored.
pub fn identifiers_of_observation(
    conn: &mut DbConnection,
    id: ObservationId,
) -> StoreResult<Vec<Identifier>> {
    Ok(observation_identifiers::table
        .filter(observation_identifiers::observation_id.eq(id.get()))
        .order(observation_identifiers::id)
        .select((observation_identifiers::system, observation_identifiers::value))
        .load::<(String, String)>(conn)?
        .into_iter()
        .map(|(system, value)| Identifier { system, value })
        .collect())
}

/// The observation holding an identifier, if any.
pub fn find_observation_by_identifier(
    conn: &mut DbConnection,
    identifier: &Identifier,
) -> StoreResult<Option<ObservationId>> {
    Ok(observation_identifiers::table
        .filter(observation_identifiers::system.eq(&identifier.system))
        .filter(observation_identifiers::value.eq(&identifier.value))
        .select(observation_identifiers::observation_id)
        .first::<i64>(conn)
        .optional()?
        .map(ObservationId))
}

/// How many observations a patient has.
pub fn count_observations_of_patient(conn: &mut DbConnection, patient: PatientId) -> StoreResult<i64> {
    Ok(observations::table
        .filter(observations::subject_patient_id.eq(patient.get()))
        .count()
        .get_result(conn)?)
}

/// The ids of every observation in a visibility set, in id order: the consent engine's set evaluated by the
/// database in one query.
pub fn visible_observation_ids(
    conn: &mut DbConnection,
    visibility: &jhe_consent::ObservationVisibility,
) -> StoreResult<Vec<ObservationId>> {
    Ok(observations::table
        .filter(crate::visibility::observation_condition(visibility))
        .order(observations::id)
        .select(observations::id)
        .load::<i64>(conn)?
        .into_iter()
        .map(ObservationId)
        .collect())
}
