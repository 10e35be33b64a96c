//! Patient invitations. Only the hash of an invitation token is ever stored.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use jhe_domain::*;

use crate::connection::DbConnection;
use crate::error::{StoreError, StoreResult};
use crate::rows::*;
use crate::schema::patient_invitations;

/// Stores a new invitation.
pub fn create_invitation(
    conn: &mut DbConnection,
    new: &NewPatientInvitation,
) -> StoreResult<PatientInvitation> {
    diesel::insert_into(patient_invitations::table)
        .values((
            patient_invitations::patient_id.eq(new.patient_id.get()),
            patient_invitations::client_id.eq(new.client_id.get()),
            patient_invitations::token_hash.eq(&new.token_hash),
            patient_invitations::status.eq(new.status.as_str()),
            patient_invitations::created_at.eq(to_db_time(new.created_at)),
            patient_invitations::expires_at.eq(to_db_time(new.expires_at)),
            patient_invitations::last_updated.eq(to_db_time(new.created_at)),
        ))
        .returning(patient_invitations::all_columns)
        .get_result::<InvitationRow>(conn)?
        .try_into()
}

/// Finds an invitation by the hash of its token.
pub fn find_invitation_by_token_hash(
    conn: &mut DbConnection,
    token_hash: &str,
) -> StoreResult<Option<PatientInvitation>> {
    patient_invitations::table
        .filter(patient_invitations::token_hash.eq(token_hash))
        .select(InvitationRow::as_select())
        .first(conn)
        .optional()?
        .map(PatientInvitation::try_from)
        .transpose()
}

/// Moves an invitation to a new status.
pub fn set_invitation_status(
    conn: &mut DbConnection,
    id: InvitationId,
    status: InvitationStatus,
    now: DateTime<Utc>,
) -> StoreResult<PatientInvitation> {
    let redeemed_at = (status == InvitationStatus::Redeemed).then(|| to_db_time(now));
    let updated = diesel::update(patient_invitations::table.find(id.get()))
        .set((
            patient_invitations::status.eq(status.as_str()),
            patient_invitations::last_updated.eq(to_db_time(now)),
        ))
        .returning(patient_invitations::all_columns)
        .get_result::<InvitationRow>(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    if let Some(at) = redeemed_at {
        diesel::update(patient_invitations::table.find(id.get()))
            .set(patient_invitations::redeemed_at.eq(at))
            .execute(conn)?;
        return get_invitation(conn, id);
    }
    updated.try_into()
}

/// Reads one invitation.
pub fn get_invitation(conn: &mut DbConnection, id: InvitationId) -> StoreResult<PatientInvitation> {
    patient_invitations::table
        .find(id.get())
        .select(InvitationRow::as_select())
        .first(conn)?
        .try_into()
}

/// A patient's invitations, newest first.
pub fn invitations_of_patient(
    conn: &mut DbConnection,
    patient: PatientId,
) -> StoreResult<Vec<PatientInvitation>> {
    patient_invitations::table
        .filter(patient_invitations::patient_id.eq(patient.get()))
        .order(patient_invitations::id.desc())
        .select(InvitationRow::as_select())
        .load(conn)?
        .into_iter()
        .map(PatientInvitation::try_from)
        .collect()
}

/// Marks every still-`issued` invitation of a patient at a client as `reissued` (a new one replaces them).
pub fn reissue_open_invitations(
    conn: &mut DbConnection,
    patient: PatientId,
    client: ClientId,
    now: DateTime<Utc>,
) -> StoreResult<usize> {
    Ok(diesel::update(
        patient_invitations::table
            .filter(patient_invitations::patient_id.eq(patient.get()))
            .filter(patient_invitations::client_id.eq(client.get()))
            .filter(patient_invitations::status.eq(InvitationStatus::Issued.as_str())),
    )
    .set((
        patient_invitations::status.eq(InvitationStatus::Reissued.as_str()),
        patient_invitations::last_updated.eq(to_db_time(now)),
    ))
    .execute(conn)?)
}

/// Refreshes an invitation's `last_updated` (a re-redeem within the window slides it).
pub fn touch_invitation(conn: &mut DbConnection, id: InvitationId, now: DateTime<Utc>) -> StoreResult<()> {
    let n = diesel::update(patient_invitations::table.find(id.get()))
        .set(patient_invitations::last_updated.eq(to_db_time(now)))
        .execute(conn)?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}
