//! Consents as the Admin API reads and writes them: what the consent view renders around the engine's overview
//! (studies with their organization and data sources, scope codes), writing the engine's decisions together with
//! their history entries, and the history page by page.

use std::collections::BTreeMap;

use diesel::prelude::*;
use jhe_consent::{ConsentOutcome, ConsentTransition};
use jhe_domain::*;

use crate::connection::{DbConnection, write_transaction};
use crate::error::StoreResult;
use crate::rows::*;
use crate::schema::{
    codeable_concepts, consent_history, consents, data_source_supported_scopes, data_sources, organizations,
    studies, study_data_sources, study_patients,
};

/// A data source as the consent view shows it: with the scopes it can produce.
#[derive(Debug, Clone, PartialEq)]
pub struct DataSourceWithScopes {
    pub data_source: DataSource,
    /// By scope code id.
    pub supported_scopes: Vec<ScopeCode>,
}

/// A study as the consent view shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyForConsent {
    pub study: Study,
    pub organization: Organization,
    /// The study's data sources, by id.
    pub data_sources: Vec<DataSourceWithScopes>,
}

/// The studies named, with their organizations and data sources (and what those support), by study id. Three
/// queries, whatever the number of studies.
pub fn studies_for_consent(
    conn: &mut DbConnection,
    ids: &[StudyId],
) -> StoreResult<BTreeMap<StudyId, StudyForConsent>> {
    let raw: Vec<i64> = ids.iter().map(|s| s.get()).collect();
    let rows: Vec<(StudyRow, OrganizationRow)> = studies::table
        .inner_join(organizations::table)
        .filter(studies::id.eq_any(&raw))
        .select((StudyRow::as_select(), OrganizationRow::as_select()))
        .load(conn)?;
    let links: Vec<(i64, DataSourceRow)> = study_data_sources::table
        .inner_join(data_sources::table)
        .filter(study_data_sources::study_id.eq_any(&raw))
        .order(data_sources::id)
        .select((study_data_sources::study_id, DataSourceRow::as_select()))
        .load(conn)?;
    let source_ids: Vec<i64> = links.iter().map(|(_, ds)| ds.id).collect();
    let supported: Vec<(i64, ScopeCodeRow)> = data_source_supported_scopes::table
        .inner_join(codeable_concepts::table)
        .filter(data_source_supported_scopes::data_source_id.eq_any(&source_ids))
        .order(codeable_concepts::id)
        .select((
            data_source_supported_scopes::data_source_id,
            ScopeCodeRow::as_select(),
        ))
        .load(conn)?;
    let mut scopes_of: BTreeMap<i64, Vec<ScopeCode>> = BTreeMap::new();
    for (source, code) in supported {
        scopes_of.entry(source).or_default().push(code.into());
    }
    let mut sources_of: BTreeMap<i64, Vec<DataSourceWithScopes>> = BTreeMap::new();
    for (study, row) in links {
        let supported_scopes = scopes_of.get(&row.id).cloned().unwrap_or_default();
        sources_of.entry(study).or_default().push(DataSourceWithScopes {
            data_source: row.try_into()?,
            supported_scopes,
        });
    }
    rows.into_iter()
        .map(|(study, org)| {
            let study = Study::from(study);
            Ok((
                study.id,
                StudyForConsent {
                    data_sources: sources_of.remove(&study.id.get()).unwrap_or_default(),
                    organization: org.try_into()?,
                    study,
                },
            ))
        })
        .collect()
}

/// The scope codes with these ids, by id. One query.
pub fn scope_codes(
    conn: &mut DbConnection,
    ids: &[ScopeCodeId],
) -> StoreResult<BTreeMap<ScopeCodeId, ScopeCode>> {
    let raw: Vec<i64> = ids.iter().map(|s| s.get()).collect();
    Ok(codeable_concepts::table
        .filter(codeable_concepts::id.eq_any(raw))
        .select(ScopeCodeRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|row| (ScopeCodeId(row.id), ScopeCode::from(row)))
        .collect())
}

/// The scope codes with these (system, code) codings; codings that name no scope code are missing from the answer.
/// One query.
pub fn scope_codes_by_coding(
    conn: &mut DbConnection,
    codings: &[(String, String)],
) -> StoreResult<BTreeMap<(String, String), ScopeCode>> {
    let codes: Vec<&str> = codings.iter().map(|(_, code)| code.as_str()).collect();
    Ok(codeable_concepts::table
        .filter(codeable_concepts::coding_code.eq_any(codes))
        .select(ScopeCodeRow::as_select())
        .load(conn)?
        .into_iter()
        .map(ScopeCode::from)
        .filter(|sc| {
            codings
                .iter()
                .any(|(system, code)| *system == sc.coding_system && *code == sc.coding_code)
        })
        .map(|sc| ((sc.coding_system.clone(), sc.coding_code.clone()), sc))
        .collect())
}

fn write_transition(conn: &mut DbConnection, t: &ConsentTransition) -> StoreResult<()> {
    match (t.from_state, t.new_consent()) {
        (None, Some(new)) => {
            crate::consents::insert_consent(conn, &new)?;
        }
        (Some(_), Some(new)) => {
            diesel::update(
                consents::table
                    .filter(consents::study_patient_id.eq(t.enrolment_id.get()))
                    .filter(consents::scope_code_id.eq(t.scope_code_id.get())),
            )
            .set((
                consents::state.eq(new.state.as_str()),
                consents::decided_at.eq(to_db_time(new.decided_at)),
            ))
            .execute(conn)?;
        }
        (_, None) => {
            diesel::delete(
                consents::table
                    .filter(consents::study_patient_id.eq(t.enrolment_id.get()))
                    .filter(consents::scope_code_id.eq(t.scope_code_id.get())),
            )
            .execute(conn)?;
        }
    }
    crate::consents::append_consent_history(conn, &t.history_entry())?;
    Ok(())
}

/// Writes the engine's decisions: for every change of state, the new current record (inserted, updated or removed)
/// and its history entry; nothing for an unchanged one. One transaction, so a request's changes are all stored or
/// none is.
pub fn apply_consent_outcomes(conn: &mut DbConnection, outcomes: &[ConsentOutcome]) -> StoreResult<()> {
    write_transaction(conn, |conn| {
        for outcome in outcomes {
            if let ConsentOutcome::Changed(transition) = outcome {
                write_transition(conn, transition)?;
            }
        }
        Ok(())
    })
}

/// A current consent with the enrolment it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsentWithEnrolment {
    pub consent: Consent,
    pub enrolment: Enrolment,
}

/// The current consents of these enrolments, by enrolment then scope. One query.
pub fn consents_of_enrolments(
    conn: &mut DbConnection,
    enrolments: &[EnrolmentId],
) -> StoreResult<Vec<ConsentWithEnrolment>> {
    let raw: Vec<i64> = enrolments.iter().map(|e| e.get()).collect();
    let rows: Vec<(ConsentRow, EnrolmentRow)> = consents::table
        .inner_join(study_patients::table)
        .filter(consents::study_patient_id.eq_any(raw))
        .order((consents::study_patient_id, consents::scope_code_id))
        .select((ConsentRow::as_select(), EnrolmentRow::as_select()))
        .load(conn)?;
    rows.into_iter()
        .map(|(consent, enrolment)| {
            Ok(ConsentWithEnrolment {
                consent: consent.try_into()?,
                enrolment: enrolment.into(),
            })
        })
        .collect()
}

fn history_filtered(
    patient: PatientId,
    study: Option<StudyId>,
) -> consent_history::BoxedQuery<'static, crate::connection::DbBackend> {
    let mut query = consent_history::table
        .filter(consent_history::patient_id.eq(patient.get()))
        .into_boxed();
    if let Some(study) = study {
        query = query.filter(consent_history::study_id.eq(study.get()));
    }
    query
}

/// A patient's consent history (optionally for one study), oldest first, one page at a time, with the total count.
/// Two queries.
pub fn list_consent_history(
    conn: &mut DbConnection,
    patient: PatientId,
    study: Option<StudyId>,
    offset: i64,
    limit: i64,
) -> StoreResult<(i64, Vec<ConsentHistoryEntry>)> {
    let total: i64 = history_filtered(patient, study).count().get_result(conn)?;
    let rows = history_filtered(patient, study)
        .order((consent_history::occurred_at, consent_history::id))
        .offset(offset)
        .limit(limit)
        .select(ConsentHistoryRow::as_select())
        .load(conn)?;
    Ok((
        total,
        rows.into_iter()
            .map(ConsentHistoryEntry::try_from)
            .collect::<StoreResult<_>>()?,
    ))
}
