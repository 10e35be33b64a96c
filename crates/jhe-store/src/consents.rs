//! Current consent decisions and their append-only history.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use jhe_domain::*;

use crate::connection::DbConnection;
use crate::error::{StoreError, StoreResult};
use crate::rows::*;
use crate::schema::{consent_history, consents, study_patients};

/// Records a decision for a scope that had none (it was pending).
pub fn insert_consent(conn: &mut DbConnection, new: &NewConsent) -> StoreResult<Consent> {
    diesel::insert_into(consents::table)
        .values((
            consents::study_patient_id.eq(new.enrolment_id.get()),
            consents::scope_code_id.eq(new.scope_code_id.get()),
            consents::scope_actions.eq("rs"),
            consents::state.eq(new.state.as_str()),
            consents::decided_at.eq(to_db_time(new.decided_at)),
        ))
        .returning(consents::all_columns)
        .get_result::<ConsentRow>(conn)?
        .try_into()
}

/// Changes an existing decision.
pub fn update_consent(
    conn: &mut DbConnection,
    id: ConsentId,
    state: ConsentState,
    decided_at: DateTime<Utc>,
) -> StoreResult<Consent> {
    diesel::update(consents::table.find(id.get()))
        .set((
            consents::state.eq(state.as_str()),
            consents::decided_at.eq(to_db_time(decided_at)),
        ))
        .returning(consents::all_columns)
        .get_result::<ConsentRow>(conn)?
        .try_into()
}

/// Withdraws a decision: the scope is pending again.
pub fn delete_consent(conn: &mut DbConnection, id: ConsentId) -> StoreResult<()> {
    let n = diesel::delete(consents::table.find(id.get())).execute(conn)?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// The decision for one (enrolment, scope), if any.
pub fn find_consent(
    conn: &mut DbConnection,
    enrolment: EnrolmentId,
    scope: ScopeCodeId,
) -> StoreResult<Option<Consent>> {
    consents::table
        .filter(consents::study_patient_id.eq(enrolment.get()))
        .filter(consents::scope_code_id.eq(scope.get()))
        .select(ConsentRow::as_select())
        .first(conn)
        .optional()?
        .map(Consent::try_from)
        .transpose()
}

/// Every decision of a patient across their enrolments, by enrolment then scope.
pub fn consents_of_patient(conn: &mut DbConnection, patient: PatientId) -> StoreResult<Vec<Consent>> {
    consents::table
        .inner_join(study_patients::table)
        .filter(study_patients::patient_id.eq(patient.get()))
        .order((consents::study_patient_id, consents::scope_code_id))
        .select(ConsentRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Consent::try_from)
        .collect()
}

/// Appends one transition to the consent history.
pub fn append_consent_history(
    conn: &mut DbConnection,
    entry: &NewConsentHistoryEntry,
) -> StoreResult<ConsentHistoryEntry> {
    diesel::insert_into(consent_history::table)
        .values((
            consent_history::study_id.eq(entry.study_id.get()),
            consent_history::patient_id.eq(entry.patient_id.get()),
            consent_history::scope_code_id.eq(entry.scope_code_id.get()),
            consent_history::from_state.eq(entry.from_state.map(ConsentState::as_str)),
            consent_history::to_state.eq(entry.to_state.map(ConsentState::as_str)),
            consent_history::actor_user_id.eq(entry.actor_user_id.map(UserId::get)),
            consent_history::occurred_at.eq(to_db_time(entry.occurred_at)),
        ))
        .returning(consent_history::all_columns)
        .get_result::<ConsentHistoryRow>(conn)?
        .try_into()
}

/// A patient's consent history, oldest first.
pub fn consent_history_of_patient(
    conn: &mut DbConnection,
    patient: PatientId,
) -> StoreResult<Vec<ConsentHistoryEntry>> {
    consent_history::table
        .filter(consent_history::patient_id.eq(patient.get()))
        .order((consent_history::occurred_at, consent_history::id))
        .select(ConsentHistoryRow::as_select())
        .load(conn)?
        .into_iter()
        .map(ConsentHistoryEntry::try_from)
        .collect()
}
