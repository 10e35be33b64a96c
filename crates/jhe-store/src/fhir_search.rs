//! FHIR searches compiled into one SQL query each, with the consent engine's visibility applied in the same
//! `WHERE` clause. Paging is keyset-based (no `OFFSET` scans) when a cursor is given, so a deep page costs what the
//! first one does; related rows (identifiers, scope codes, patients' accounts) are read in one query per page.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use jhe_consent::{ObservationVisibility, PatientVisibility};
use jhe_domain::*;
use jhe_fhir::search::{
    Criteria, DateParam, ObservationSearch, PageRequest, PatientSearch, SearchCursor, SortField,
    SourceSelector, Summary, TokenParam,
};

use crate::connection::{DbBackend, DbConnection};
use crate::error::StoreResult;
use crate::fixed_sql::FixedSql;
use crate::rows::*;
use crate::schema::{
    codeable_concepts, observations, patient_identifiers, patient_organizations, patients, study_patients,
    study_scope_requests, users,
};
use crate::visibility::{
    Condition, observation_condition, observation_condition_for, patient_condition, patient_condition_for,
};

/// One page of a search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchPage<T> {
    /// All matches: counted, or known without counting when a first or numbered page holds the last match.
    pub total: u64,
    pub rows: Vec<T>,
    /// Where the next page starts, when more matches follow this one.
    pub next: Option<SearchCursor>,
}

impl<T> Default for SearchPage<T> {
    fn default() -> Self {
        SearchPage {
            total: 0,
            rows: vec![],
            next: None,
        }
    }
}

fn always<T: 'static>() -> Condition<T> {
    Box::new(FixedSql::new("1 = 1"))
}

fn never<T: 'static>() -> Condition<T> {
    Box::new(FixedSql::new("1 = 0"))
}

/// AND over the groups of a criterion, OR within a group.
fn criteria<T, V>(c: &Criteria<V>, mut one: impl FnMut(&V) -> Condition<T>) -> Condition<T>
where
    T: 'static,
{
    let mut all: Option<Condition<T>> = None;
    for group in c.groups() {
        let mut any: Option<Condition<T>> = None;
        for value in group {
            let next = one(value);
            any = Some(match any {
                Some(prev) => Box::new(prev.or(next)),
                None => next,
            });
        }
        let group_condition = any.unwrap_or_else(never);
        all = Some(match all {
            Some(prev) => Box::new(prev.and(group_condition)),
            None => group_condition,
        });
    }
    all.unwrap_or_else(always)
}

fn effective_date_condition(param: &DateParam) -> Condition<observations::table> {
    let column = observations::effective_start;
    let range = param.range();
    let mut condition: Condition<observations::table> = Box::new(column.is_not_null());
    if let Some(from) = range.from {
        condition = Box::new(condition.and(column.ge(to_db_time(from)).assume_not_null()));
    }
    if let Some(before) = range.before {
        condition = Box::new(condition.and(column.lt(to_db_time(before)).assume_not_null()));
    }
    condition
}

/// `<column> IN (SELECT <id> FROM <table> WHERE [<a> = system] [AND <b> = code])`, with the values bound.
fn token_in<T: 'static>(
    column: &str,
    select_from: &str,
    system_column: &str,
    code_column: &str,
    token: &TokenParam,
) -> Condition<T> {
    use diesel::sql_types::Text;
    let head = format!("{column} IN ({select_from} WHERE 1 = 1");
    match (&token.system, &token.code) {
        (Some(system), Some(code)) => Box::new(
            sql::<Bool>(&head)
                .sql(&format!(" AND {system_column} = "))
                .bind::<Text, _>(system.clone())
                .sql(&format!(" AND {code_column} = "))
                .bind::<Text, _>(code.clone())
                .sql(")"),
        ),
        (Some(system), None) => Box::new(
            sql::<Bool>(&head)
                .sql(&format!(" AND {system_column} = "))
                .bind::<Text, _>(system.clone())
                .sql(")"),
        ),
        (None, Some(code)) => Box::new(
            sql::<Bool>(&head)
                .sql(&format!(" AND {code_column} = "))
                .bind::<Text, _>(code.clone())
                .sql(")"),
        ),
        (None, None) => Box::new(sql::<Bool>(&head).sql(")")),
    }
}

fn token_code_condition(token: &TokenParam) -> Condition<observations::table> {
    token_in(
        "observations.codeable_concept_id",
        "SELECT id FROM codeable_concepts",
        "coding_system",
        "coding_code",
        token,
    )
}

/// The `WHERE` clause of an Observation search, visibility included.
fn observation_filters(
    visibility: &ObservationVisibility,
    search: &ObservationSearch,
) -> Condition<observations::table> {
    if search.source != SourceSelector::Native && search.source != SourceSelector::default() {
        return never();
    }
    // `?patient=X` (the common search): the visibility subquery need only consider that patient.
    let only_patient = match search.patients.groups() {
        [group] if group.len() == 1 => Some(group[0].get()),
        _ => None,
    };
    let mut all: Condition<observations::table> = observation_condition_for(visibility, only_patient);
    let mut and = |c: Condition<observations::table>| {
        let prev = std::mem::replace(&mut all, always());
        all = Box::new(prev.and(c));
    };
    and(criteria(&search.ids, |id| {
        Box::new(observations::id.eq(id.get()))
    }));
    and(criteria(&search.patients, |p| {
        Box::new(observations::subject_patient_id.eq(p.get()))
    }));
    and(criteria(&search.studies, |s| {
        // Enrolled in the study, and a data type the study asks for: a study only sees what it requested.
        Box::new(
            observations::subject_patient_id
                .eq_any(
                    study_patients::table
                        .filter(study_patients::study_id.eq(s.get()))
                        .select(study_patients::patient_id),
                )
                .and(
                    observations::codeable_concept_id.eq_any(
                        study_scope_requests::table
                            .filter(study_scope_requests::study_id.eq(s.get()))
                            .select(study_scope_requests::scope_code_id),
                    ),
                ),
        )
    }));
    and(criteria(&search.organizations, |o| {
        Box::new(
            observations::subject_patient_id.eq_any(
                patient_organizations::table
                    .filter(patient_organizations::organization_id.eq(o.get()))
                    .select(patient_organizations::patient_id),
            ),
        )
    }));
    and(criteria(&search.patient_identifiers, |t| {
        token_in(
            "observations.subject_patient_id",
            "SELECT patient_id FROM patient_identifiers",
            "system",
            "value",
            t,
        )
    }));
    and(criteria(&search.codes, token_code_condition));
    and(criteria(&search.statuses, |s| {
        Box::new(observations::status.eq(s.as_str()))
    }));
    and(criteria(&search.dates, effective_date_condition));
    and(criteria(&search.last_updated, |d| {
        let range = d.range();
        let mut c: Condition<observations::table> = always();
        if let Some(from) = range.from {
            c = Box::new(c.and(observations::last_updated.ge(to_db_time(from))));
        }
        if let Some(before) = range.before {
            c = Box::new(c.and(observations::last_updated.lt(to_db_time(before))));
        }
        c
    }));
    all
}

fn sort_value(observation: &Observation, field: SortField) -> Option<DateTime<Utc>> {
    match field {
        SortField::Date => observation.effective.map(|e| e.start()),
        SortField::LastUpdated => Some(observation.last_updated),
    }
}

/// Rows after `cursor` in its order (see `SearchCursor`): values in the key's direction with missing values last,
/// ids breaking ties in the same direction.
fn after_cursor(cursor: &SearchCursor) -> Condition<observations::table> {
    let id = cursor.id;
    let desc = cursor.sort.descending;
    match (cursor.sort.field, cursor.value.map(to_db_time)) {
        (SortField::LastUpdated, Some(v)) => {
            let c = observations::last_updated;
            if desc {
                Box::new(c.lt(v).or(c.eq(v).and(observations::id.lt(id))))
            } else {
                Box::new(c.gt(v).or(c.eq(v).and(observations::id.gt(id))))
            }
        }
        // last_updated is never missing; a cursor without a value can only come from a forged token.
        (SortField::LastUpdated, None) => never(),
        (SortField::Date, Some(v)) => {
            let c = observations::effective_start;
            if desc {
                Box::new(
                    c.lt(v)
                        .or(c.eq(v).and(observations::id.lt(id)))
                        .assume_not_null()
                        .or(c.is_null()),
                )
            } else {
                Box::new(
                    c.gt(v)
                        .or(c.eq(v).and(observations::id.gt(id)))
                        .assume_not_null()
                        .or(c.is_null()),
                )
            }
        }
        (SortField::Date, None) => {
            let c = observations::effective_start;
            if desc {
                Box::new(c.is_null().and(observations::id.lt(id)))
            } else {
                Box::new(c.is_null().and(observations::id.gt(id)))
            }
        }
    }
}

/// Runs an Observation search: the matches visible to the caller, one page of them, in the requested order.
pub fn search_observations(
    conn: &mut DbConnection,
    visibility: &ObservationVisibility,
    search: &ObservationSearch,
) -> StoreResult<SearchPage<Observation>> {
    if search.matches_nothing() || matches!(visibility, ObservationVisibility::Nothing) {
        return Ok(SearchPage::default());
    }
    let count = |conn: &mut DbConnection| -> StoreResult<u64> {
        let total: i64 = observations::table
            .filter(observation_filters(visibility, search))
            .count()
            .get_result(conn)?;
        Ok(u64::try_from(total).unwrap_or_default())
    };
    if search.summary == Summary::Count {
        return Ok(SearchPage {
            total: count(conn)?,
            ..SearchPage::default()
        });
    }
    let sort = search.primary_sort();
    let mut query = observations::table
        .filter(observation_filters(visibility, search))
        .into_boxed::<DbBackend>();
    let limit = i64::from(search.paging.limit());
    let by_cursor = match &search.paging.page {
        PageRequest::After(cursor) => {
            query = query.filter(after_cursor(cursor));
            true
        }
        PageRequest::Number(_) => {
            query = query.offset(i64::try_from(search.paging.offset()).unwrap_or(i64::MAX));
            false
        }
    };
    query = match (sort.field, sort.descending) {
        (SortField::LastUpdated, true) => {
            query.order((observations::last_updated.desc(), observations::id.desc()))
        }
        (SortField::LastUpdated, false) => {
            query.order((observations::last_updated.asc(), observations::id.asc()))
        }
        (SortField::Date, true) => query.order((
            observations::effective_start.is_null(),
            observations::effective_start.desc(),
            observations::id.desc(),
        )),
        (SortField::Date, false) => query.order((
            observations::effective_start.is_null(),
            observations::effective_start.asc(),
            observations::id.asc(),
        )),
    };
    // One row more than the page: whether it comes back says if there is a next page, and when it does not, a
    // first (or numbered) page knows the total without counting.
    let mut rows: Vec<Observation> = query
        .limit(limit.saturating_add(1))
        .select(ObservationRow::as_select())
        .load::<ObservationRow>(conn)?
        .into_iter()
        .map(Observation::try_from)
        .collect::<StoreResult<_>>()?;
    let more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > limit;
    rows.truncate(usize::try_from(limit).unwrap_or_default());
    let total = if by_cursor || more || (rows.is_empty() && search.paging.offset() > 0) {
        count(conn)?
    } else {
        // The page holds the last match: everything before it plus its rows.
        search.paging.offset() + rows.len() as u64
    };
    // Every page after the first follows a cursor, so deep pages never scan what came before. A next link only
    // when a row follows, so the last page is never followed by an empty one.
    let next = match rows.last() {
        Some(last) if more => Some(SearchCursor::after(
            sort,
            sort_value(last, sort.field),
            last.id.get(),
        )),
        _ => None,
    };
    Ok(SearchPage { total, rows, next })
}

/// Whether one observation is visible to the caller (a read by id uses the same rule as a search).
pub fn visible_observation(
    conn: &mut DbConnection,
    visibility: &ObservationVisibility,
    id: ObservationId,
) -> StoreResult<Option<Observation>> {
    observations::table
        .filter(observations::id.eq(id.get()))
        .filter(observation_condition(visibility))
        .select(ObservationRow::as_select())
        .first(conn)
        .optional()?
        .map(Observation::try_from)
        .transpose()
}

/// What rendering a page of observations needs besides the rows (which carry their identifiers): scope codes and
/// the subjects' account ids.
#[derive(Debug, Default, Clone)]
pub struct ObservationContext {
    pub scope_codes: HashMap<ScopeCodeId, ScopeCode>,
    pub patient_users: HashMap<PatientId, UserId>,
}

/// Scope codes by id, kept for the life of the process. Codes are only ever added (by the seed), never changed or
/// removed, so a cached code is never stale; an id not yet cached (a code another replica just added) is read from
/// the database. One per application state, not global, so that separate databases never share entries.
#[derive(Debug, Default)]
pub struct ScopeCodeCache(std::sync::RwLock<HashMap<ScopeCodeId, ScopeCode>>);

impl ScopeCodeCache {
    /// The codes with these ids, from memory where possible and in one query for the rest.
    pub fn get_many(
        &self,
        conn: &mut DbConnection,
        ids: &[i64],
    ) -> StoreResult<HashMap<ScopeCodeId, ScopeCode>> {
        let mut found = HashMap::new();
        let mut missing = Vec::new();
        {
            let known = self.0.read().unwrap_or_else(std::sync::PoisonError::into_inner);
            for &id in ids {
                match known.get(&ScopeCodeId(id)) {
                    Some(code) => {
                        found.insert(code.id, code.clone());
                    }
                    None => missing.push(id),
                }
            }
        }
        if missing.is_empty() {
            return Ok(found);
        }
        let loaded: Vec<ScopeCode> = codeable_concepts::table
            .filter(codeable_concepts::id.eq_any(&missing))
            .select(ScopeCodeRow::as_select())
            .load(conn)?
            .into_iter()
            .map(ScopeCode::from)
            .collect();
        let mut known = self.0.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        for code in loaded {
            known.insert(code.id, code.clone());
            found.insert(code.id, code);
        }
        Ok(found)
    }
}

/// The login accounts of these patients (those that have one): one query for the distinct ids, none for no ids.
/// A page is usually one patient's readings, so this reads one row where a per-row subselect read a hundred.
fn accounts_of(conn: &mut DbConnection, mut patients: Vec<i64>) -> StoreResult<HashMap<PatientId, UserId>> {
    patients.sort_unstable();
    patients.dedup();
    if patients.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(patients::table
        .filter(patients::id.eq_any(&patients))
        .filter(patients::user_id.is_not_null())
        .select((patients::id, patients::user_id.assume_not_null()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .map(|(patient, user)| (PatientId(patient), UserId(user)))
        .collect())
}

/// Loads the [`ObservationContext`] of a search page or of observations read on their own: scope codes from memory
/// as a rule, and the subjects' accounts in one query, none when `known` (patients the request has already read,
/// e.g. the one a `?patient=` search checked) covers them all. (Selecting the accounts as a per-row subselect of
/// the page query saved a round trip but cost PostgreSQL more CPU; the identifiers are a column of the row since
/// reading them from their own table cost a search more than the page itself.)
pub fn observation_context(
    conn: &mut DbConnection,
    rows: &[Observation],
    codes_cache: &ScopeCodeCache,
    known: &[VisiblePatient],
) -> StoreResult<ObservationContext> {
    let mut codes: Vec<i64> = rows.iter().map(|o| o.scope_code_id.get()).collect();
    codes.sort_unstable();
    codes.dedup();
    let mut context = ObservationContext::default();
    if rows.is_empty() {
        return Ok(context);
    }
    context.scope_codes = codes_cache.get_many(conn, &codes)?;
    let unknown: Vec<i64> = rows
        .iter()
        .map(|o| o.patient_id)
        .filter(|p| !known.iter().any(|k| k.id == *p))
        .map(PatientId::get)
        .collect();
    context.patient_users = accounts_of(conn, unknown)?;
    context
        .patient_users
        .extend(known.iter().filter_map(|k| Some((k.id, k.user_id?))));
    Ok(context)
}

/// The `WHERE` clause of a Patient search, visibility included.
fn patient_filters(visibility: &PatientVisibility, search: &PatientSearch) -> Condition<patients::table> {
    if search.source != SourceSelector::Native && search.source != SourceSelector::default() {
        return never();
    }
    let mut all: Condition<patients::table> = patient_condition(visibility);
    let mut and = |c: Condition<patients::table>| {
        let prev = std::mem::replace(&mut all, always());
        all = Box::new(prev.and(c));
    };
    and(criteria(&search.ids, |id| Box::new(patients::id.eq(id.get()))));
    and(criteria(&search.patients, |id| {
        Box::new(patients::id.eq(id.get()))
    }));
    and(criteria(&search.identifiers, |t| {
        token_in(
            "patients.id",
            "SELECT patient_id FROM patient_identifiers",
            "system",
            "value",
            t,
        )
    }));
    and(criteria(&search.studies, |s| {
        Box::new(
            patients::id.eq_any(
                study_patients::table
                    .filter(study_patients::study_id.eq(s.get()))
                    .select(study_patients::patient_id),
            ),
        )
    }));
    and(criteria(&search.organizations, |o| {
        Box::new(
            patients::id.eq_any(
                patient_organizations::table
                    .filter(patient_organizations::organization_id.eq(o.get()))
                    .select(patient_organizations::patient_id),
            ),
        )
    }));
    let starts = |v: &String| {
        format!(
            "{}%",
            v.to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        )
    };
    and(criteria(&search.family, |v| {
        Box::new(
            diesel::dsl::sql::<Bool>("LOWER(COALESCE(patients.name_family, '')) LIKE ")
                .bind::<diesel::sql_types::Text, _>(starts(v))
                .sql(" ESCAPE '\\'"),
        )
    }));
    and(criteria(&search.given, |v| {
        Box::new(
            diesel::dsl::sql::<Bool>("LOWER(COALESCE(patients.name_given, '')) LIKE ")
                .bind::<diesel::sql_types::Text, _>(starts(v))
                .sql(" ESCAPE '\\'"),
        )
    }));
    and(criteria(&search.name, |v| {
        Box::new(
            diesel::dsl::sql::<Bool>("(LOWER(COALESCE(patients.name_family, '')) LIKE ")
                .bind::<diesel::sql_types::Text, _>(starts(v))
                .sql(" ESCAPE '\\' OR LOWER(COALESCE(patients.name_given, '')) LIKE ")
                .bind::<diesel::sql_types::Text, _>(starts(v))
                .sql(" ESCAPE '\\')"),
        )
    }));
    and(criteria(&search.last_updated, |d| {
        let range = d.range();
        let mut c: Condition<patients::table> = always();
        if let Some(from) = range.from {
            c = Box::new(c.and(patients::last_updated.ge(to_db_time(from))));
        }
        if let Some(before) = range.before {
            c = Box::new(c.and(patients::last_updated.lt(to_db_time(before))));
        }
        c
    }));
    and(criteria(&search.birthdate, |d| {
        let range = d.range();
        let mut c: Condition<patients::table> = Box::new(patients::birth_date.is_not_null());
        if let Some(from) = range.from {
            c = Box::new(c.and(patients::birth_date.ge(from.date_naive()).assume_not_null()));
        }
        if let Some(before) = range.before {
            c = Box::new(c.and(patients::birth_date.lt(before.date_naive()).assume_not_null()));
        }
        c
    }));
    all
}

/// A patient as FHIR renders it: the record, the account's e-mail, and the identifiers.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientRecord {
    pub patient: Patient,
    pub email: Option<String>,
    pub identifiers: Vec<PatientIdentifier>,
}

/// Runs a Patient search (offset paging: patient lists are small).
pub fn search_patients(
    conn: &mut DbConnection,
    visibility: &PatientVisibility,
    search: &PatientSearch,
) -> StoreResult<SearchPage<PatientRecord>> {
    if search.matches_nothing() || matches!(visibility, PatientVisibility::Nothing) {
        return Ok(SearchPage {
            total: 0,
            rows: vec![],
            next: None,
        });
    }
    let total: i64 = patients::table
        .filter(patient_filters(visibility, search))
        .count()
        .get_result(conn)?;
    let total = u64::try_from(total).unwrap_or_default();
    if search.summary == Summary::Count {
        return Ok(SearchPage {
            total,
            rows: vec![],
            next: None,
        });
    }
    let rows: Vec<Patient> = patients::table
        .filter(patient_filters(visibility, search))
        .order(patients::id)
        .offset(i64::try_from(search.paging.offset()).unwrap_or(i64::MAX))
        .limit(i64::from(search.paging.limit()))
        .select(PatientRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Patient::from)
        .collect();
    let records = patient_records(conn, rows)?;
    Ok(SearchPage {
        total,
        rows: records,
        next: None,
    })
}

/// Adds e-mails and identifiers to patients, in two queries.
pub fn patient_records(conn: &mut DbConnection, rows: Vec<Patient>) -> StoreResult<Vec<PatientRecord>> {
    let ids: Vec<i64> = rows.iter().map(|p| p.id.get()).collect();
    let user_ids: Vec<i64> = rows.iter().filter_map(|p| p.user_id.map(UserId::get)).collect();
    let emails: HashMap<i64, String> = users::table
        .filter(users::id.eq_any(&user_ids))
        .select((users::id, users::email))
        .load(conn)?
        .into_iter()
        .collect();
    let mut identifiers: HashMap<PatientId, Vec<PatientIdentifier>> = HashMap::new();
    for row in patient_identifiers::table
        .filter(patient_identifiers::patient_id.eq_any(&ids))
        .order(patient_identifiers::id)
        .select(PatientIdentifierRow::as_select())
        .load(conn)?
    {
        let identifier = PatientIdentifier::from(row);
        identifiers
            .entry(identifier.patient_id)
            .or_default()
            .push(identifier);
    }
    Ok(rows
        .into_iter()
        .map(|patient| PatientRecord {
            email: patient.user_id.and_then(|u| emails.get(&u.get()).cloned()),
            identifiers: identifiers.remove(&patient.id).unwrap_or_default(),
            patient,
        })
        .collect())
}

/// One patient, if visible to the caller.
pub fn visible_patient(
    conn: &mut DbConnection,
    visibility: &PatientVisibility,
    id: PatientId,
) -> StoreResult<Option<PatientRecord>> {
    let row = patients::table
        .filter(patients::id.eq(id.get()))
        .filter(patient_condition(visibility))
        .select(PatientRow::as_select())
        .first(conn)
        .optional()?;
    Ok(match row {
        Some(row) => patient_records(conn, vec![Patient::from(row)])?.pop(),
        None => None,
    })
}

/// A patient found in a visibility set, with their login account when they have one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisiblePatient {
    pub id: PatientId,
    pub user_id: Option<UserId>,
}

/// The patient, if they are in a visibility set: one query, for authorizing a search filter. The account comes with
/// it, so that rendering that patient's observations needs no query of its own (see [`observation_context`]).
pub fn find_visible_patient(
    conn: &mut DbConnection,
    visibility: &PatientVisibility,
    id: PatientId,
) -> StoreResult<Option<VisiblePatient>> {
    Ok(patients::table
        .filter(patients::id.eq(id.get()))
        .filter(patient_condition_for(visibility, Some(id.get())))
        .select((patients::id, patients::user_id))
        .first::<(i64, Option<i64>)>(conn)
        .optional()?
        .map(|(id, user)| VisiblePatient {
            id: PatientId(id),
            user_id: user.map(UserId),
        }))
}
