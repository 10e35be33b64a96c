//! The append-only audit trail: who did what to which patients' data, and how it ended.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use jhe_domain::*;

use crate::connection::{DbConnection, write_transaction};
use crate::error::StoreResult;
use crate::rows::*;
use crate::schema::{audit_event_patients, audit_events};

/// PostgreSQL's append: the event and the patients it names in one statement. A query type of its own rather than
/// `sql_query`, which diesel never keeps prepared: its fixed text and static query id let the connection's
/// statement cache parse and plan it once per connection instead of once per search.
struct PgAppend<'a> {
    occurred_at: chrono::NaiveDateTime,
    actor: Option<i64>,
    event: &'a NewAuditEvent,
    patients: &'a [i64],
}

impl diesel::query_builder::QueryId for PgAppend<'_> {
    type QueryId = PgAppend<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl diesel::query_builder::Query for PgAppend<'_> {
    type SqlType = diesel::sql_types::BigInt;
}

impl<Conn> RunQueryDsl<Conn> for PgAppend<'_> {}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for PgAppend<'_> {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamp};
        let e = self.event;
        out.push_sql(
            "WITH event AS (INSERT INTO audit_events \
             (occurred_at, actor_user_id, action, target_type, target_id, outcome, detail) VALUES (",
        );
        out.push_bind_param::<Timestamp, _>(&self.occurred_at)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<BigInt>, _>(&self.actor)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&e.action)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&e.target_type)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&e.target_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(e.outcome.as_str())?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&e.detail)?;
        out.push_sql(
            ") RETURNING id), \
             named AS (INSERT INTO audit_event_patients (audit_event_id, patient_id) \
             SELECT event.id, patient FROM event, unnest(",
        );
        out.push_bind_param::<Array<BigInt>, _>(self.patients)?;
        out.push_sql("::bigint[]) AS patient) SELECT id FROM event");
        Ok(())
    }
}

/// Appends an event and the patients it touched (each named once, whatever the order and repeats of `patient_ids`).
pub fn append_audit_event(conn: &mut DbConnection, event: &NewAuditEvent) -> StoreResult<AuditEventId> {
    let mut patients: Vec<i64> = event.patient_ids.iter().map(|p| p.get()).collect();
    patients.sort_unstable();
    patients.dedup();
    if let DbConnection::Postgres(pg) = conn {
        // Every search and read writes an event: on PostgreSQL it is one statement (atomic on its own, and no
        // savepoint when the caller holds a transaction), one round trip instead of four, prepared once per
        // connection.
        let id: i64 = PgAppend {
            occurred_at: to_db_time(event.occurred_at),
            actor: event.actor_user_id.map(UserId::get),
            event,
            patients: &patients,
        }
        .get_result(pg)?;
        return Ok(AuditEventId(id));
    }
    write_transaction(conn, |conn| {
        let id: i64 = diesel::insert_into(audit_events::table)
            .values((
                audit_events::occurred_at.eq(to_db_time(event.occurred_at)),
                audit_events::actor_user_id.eq(event.actor_user_id.map(UserId::get)),
                audit_events::action.eq(&event.action),
                audit_events::target_type.eq(&event.target_type),
                audit_events::target_id.eq(event.target_id.as_deref()),
                audit_events::outcome.eq(event.outcome.as_str()),
                audit_events::detail.eq(event.detail.as_deref()),
            ))
            .returning(audit_events::id)
            .get_result(conn)?;
        // One multi-row insert, so an event costs the same number of queries however many patients it names.
        // Multi-row inserts cannot be written against the two-backend connection, hence the match.
        if !patients.is_empty() {
            let rows: Vec<_> = patients
                .iter()
                .copied()
                .map(|patient| {
                    (
                        audit_event_patients::audit_event_id.eq(id),
                        audit_event_patients::patient_id.eq(patient),
                    )
                })
                .collect();
            let insert = diesel::insert_into(audit_event_patients::table).values(&rows);
            match conn {
                DbConnection::Postgres(pg) => insert.execute(pg)?,
                DbConnection::Sqlite(lite) => insert.execute(lite)?,
            };
        }
        Ok(AuditEventId(id))
    })
}

/// Which events to read back.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub patient: Option<PatientId>,
    pub actor: Option<UserId>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// Events matching `filter`, newest first, one page at a time, with the total count.
pub fn list_audit_events(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    offset: i64,
    limit: i64,
) -> StoreResult<(i64, Vec<AuditEvent>)> {
    let filtered = || {
        let mut q = audit_events::table.into_boxed();
        if let Some(patient) = filter.patient {
            q = q.filter(
                audit_events::id.eq_any(
                    audit_event_patients::table
                        .filter(audit_event_patients::patient_id.eq(patient.get()))
                        .select(audit_event_patients::audit_event_id),
                ),
            );
        }
        if let Some(actor) = filter.actor {
            q = q.filter(audit_events::actor_user_id.eq(actor.get()));
        }
        if let Some(since) = filter.since {
            q = q.filter(audit_events::occurred_at.ge(to_db_time(since)));
        }
        if let Some(until) = filter.until {
            q = q.filter(audit_events::occurred_at.lt(to_db_time(until)));
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let rows: Vec<AuditEventRow> = filtered()
        .order((audit_events::occurred_at.desc(), audit_events::id.desc()))
        .offset(offset)
        .limit(limit)
        .select(AuditEventRow::as_select())
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let links: Vec<(i64, i64)> = audit_event_patients::table
        .filter(audit_event_patients::audit_event_id.eq_any(&ids))
        .order((
            audit_event_patients::audit_event_id,
            audit_event_patients::patient_id,
        ))
        .select((
            audit_event_patients::audit_event_id,
            audit_event_patients::patient_id,
        ))
        .load(conn)?;
    let events = rows
        .into_iter()
        .map(|r| {
            Ok(AuditEvent {
                id: AuditEventId(r.id),
                occurred_at: from_db_time(r.occurred_at),
                actor_user_id: r.actor_user_id.map(UserId),
                patient_ids: links
                    .iter()
                    .filter(|(e, _)| *e == r.id)
                    .map(|(_, p)| PatientId(*p))
                    .collect(),
                outcome: parse_enum(&r.outcome)?,
                action: r.action,
                target_type: r.target_type,
                target_id: r.target_id,
                detail: r.detail,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok((total, events))
}
