//! Users, practitioners, patients and patient identifiers.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use jhe_domain::*;

use crate::connection::DbConnection;
use crate::error::{StoreError, StoreResult};
use crate::rows::*;
use crate::schema::{patient_identifiers, patients, practitioners, users};

#[derive(Insertable)]
#[diesel(table_name = users)]
struct InsertUser<'a> {
    id: Option<i64>,
    email: &'a str,
    password_hash: Option<&'a str>,
    first_name: &'a str,
    last_name: &'a str,
    email_is_verified: bool,
    identifier: &'a str,
    user_type: Option<&'a str>,
    is_superuser: bool,
    is_staff: bool,
    is_active: bool,
    date_joined: chrono::NaiveDateTime,
}

/// Creates a login account.
pub fn create_user(conn: &mut DbConnection, new: &NewUser, now: DateTime<Utc>) -> StoreResult<User> {
    let row = InsertUser {
        id: new.id.map(UserId::get),
        email: &new.email,
        password_hash: new.password_hash.as_deref(),
        first_name: &new.first_name,
        last_name: &new.last_name,
        email_is_verified: false,
        identifier: &new.identifier,
        user_type: new.user_type.map(UserType::as_str),
        is_superuser: new.is_superuser,
        is_staff: new.is_superuser,
        is_active: true,
        date_joined: to_db_time(now),
    };
    diesel::insert_into(users::table)
        .values(&row)
        .returning(users::all_columns)
        .get_result::<UserRow>(conn)?
        .try_into()
}

/// Reads one user.
pub fn get_user(conn: &mut DbConnection, id: UserId) -> StoreResult<User> {
    users::table
        .find(id.get())
        .select(UserRow::as_select())
        .first(conn)?
        .try_into()
}

/// Finds a user by e-mail (exact match; callers normalise case).
pub fn find_user_by_email(conn: &mut DbConnection, email: &str) -> StoreResult<Option<User>> {
    users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(User::try_from)
        .transpose()
}

/// Replaces a user's password hash.
pub fn set_password_hash(conn: &mut DbConnection, id: UserId, hash: &str) -> StoreResult<()> {
    let n = diesel::update(users::table.find(id.get()))
        .set(users::password_hash.eq(hash))
        .execute(conn)?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// Deletes a user and, through cascades, their profiles.
pub fn delete_user(conn: &mut DbConnection, id: UserId) -> StoreResult<()> {
    let n = diesel::delete(users::table.find(id.get())).execute(conn)?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

#[derive(Insertable)]
#[diesel(table_name = practitioners)]
struct InsertPractitioner<'a> {
    id: Option<i64>,
    user_id: i64,
    identifier: Option<&'a str>,
    name_family: Option<&'a str>,
    name_given: Option<&'a str>,
    settings_json: &'a str,
    last_updated: chrono::NaiveDateTime,
}

/// Creates a practitioner profile for an existing user.
pub fn create_practitioner(
    conn: &mut DbConnection,
    new: &NewPractitioner,
    now: DateTime<Utc>,
) -> StoreResult<Practitioner> {
    let row = InsertPractitioner {
        id: new.id.map(PractitionerId::get),
        user_id: new.user_id.get(),
        identifier: new.identifier.as_deref(),
        name_family: new.name_family.as_deref(),
        name_given: new.name_given.as_deref(),
        settings_json: "{}",
        last_updated: to_db_time(now),
    };
    Ok(diesel::insert_into(practitioners::table)
        .values(&row)
        .returning(practitioners::all_columns)
        .get_result::<PractitionerRow>(conn)?
        .into())
}

/// Reads one practitioner.
pub fn get_practitioner(conn: &mut DbConnection, id: PractitionerId) -> StoreResult<Practitioner> {
    Ok(practitioners::table
        .find(id.get())
        .select(PractitionerRow::as_select())
        .first(conn)?
        .into())
}

/// The practitioner profile of a user, if any.
pub fn practitioner_of_user(conn: &mut DbConnection, user: UserId) -> StoreResult<Option<Practitioner>> {
    Ok(practitioners::table
        .filter(practitioners::user_id.eq(user.get()))
        .select(PractitionerRow::as_select())
        .first(conn)
        .optional()?
        .map(Practitioner::from))
}

/// Stores the web UI's remembered selections for a practitioner.
pub fn set_practitioner_settings(
    conn: &mut DbConnection,
    id: PractitionerId,
    settings_json: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let n = diesel::update(practitioners::table.find(id.get()))
        .set((
            practitioners::settings_json.eq(settings_json),
            practitioners::last_updated.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

#[derive(Insertable)]
#[diesel(table_name = patients)]
struct InsertPatient<'a> {
    id: Option<i64>,
    user_id: Option<i64>,
    name_family: Option<&'a str>,
    name_given: Option<&'a str>,
    birth_date: Option<chrono::NaiveDate>,
    telecom_phone: Option<&'a str>,
    last_updated: chrono::NaiveDateTime,
}

/// Creates a patient profile.
pub fn create_patient(conn: &mut DbConnection, new: &NewPatient, now: DateTime<Utc>) -> StoreResult<Patient> {
    let row = InsertPatient {
        id: new.id.map(PatientId::get),
        user_id: new.user_id.map(UserId::get),
        name_family: new.name_family.as_deref(),
        name_given: new.name_given.as_deref(),
        birth_date: new.birth_date,
        telecom_phone: new.telecom_phone.as_deref(),
        last_updated: to_db_time(now),
    };
    Ok(diesel::insert_into(patients::table)
        .values(&row)
        .returning(patients::all_columns)
        .get_result::<PatientRow>(conn)?
        .into())
}

/// Reads one patient.
pub fn get_patient(conn: &mut DbConnection, id: PatientId) -> StoreResult<Patient> {
    Ok(patients::table
        .find(id.get())
        .select(PatientRow::as_select())
        .first(conn)?
        .into())
}

/// The patient profile of a user, if any.
pub fn patient_of_user(conn: &mut DbConnection, user: UserId) -> StoreResult<Option<Patient>> {
    Ok(patients::table
        .filter(patients::user_id.eq(user.get()))
        .select(PatientRow::as_select())
        .first(conn)
        .optional()?
        .map(Patient::from))
}

/// Deletes a patient and everything that cascades from them (links, enrolments, consents, observations).
pub fn delete_patient(conn: &mut DbConnection, id: PatientId) -> StoreResult<()> {
    let n = diesel::delete(patients::table.find(id.get())).execute(conn)?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// Adds an external identifier to a patient. The (system, value) pair is unique across the exchange.
pub fn add_patient_identifier(
    conn: &mut DbConnection,
    patient: PatientId,
    identifier: &Identifier,
) -> StoreResult<PatientIdentifier> {
    Ok(diesel::insert_into(patient_identifiers::table)
        .values((
            patient_identifiers::patient_id.eq(patient.get()),
            patient_identifiers::system.eq(&identifier.system),
            patient_identifiers::value.eq(&identifier.value),
        ))
        .returning(patient_identifiers::all_columns)
        .get_result::<PatientIdentifierRow>(conn)?
        .into())
}

/// A patient's identifiers, oldest first.
pub fn patient_identifiers(
    conn: &mut DbConnection,
    patient: PatientId,
) -> StoreResult<Vec<PatientIdentifier>> {
    Ok(patient_identifiers::table
        .filter(patient_identifiers::patient_id.eq(patient.get()))
        .order(patient_identifiers::id)
        .select(PatientIdentifierRow::as_select())
        .load(conn)?
        .into_iter()
        .map(PatientIdentifier::from)
        .collect())
}

/// The patient holding an identifier, if any.
pub fn find_patient_by_identifier(
    conn: &mut DbConnection,
    identifier: &Identifier,
) -> StoreResult<Option<PatientId>> {
    Ok(patient_identifiers::table
        .filter(patient_identifiers::system.eq(&identifier.system))
        .filter(patient_identifiers::value.eq(&identifier.value))
        .select(patient_identifiers::patient_id)
        .first::<i64>(conn)
        .optional()?
        .map(PatientId))
}

/// Whether any login account exists (an empty database has none).
pub fn any_user_exists(conn: &mut DbConnection) -> StoreResult<bool> {
    Ok(users::table
        .select(users::id)
        .first::<i64>(conn)
        .optional()?
        .is_some())
}

/// The ids of every patient in a visibility set, in id order, evaluated by the database in one query.
pub fn visible_patient_ids(
    conn: &mut DbConnection,
    visibility: &jhe_consent::PatientVisibility,
) -> StoreResult<Vec<PatientId>> {
    Ok(patients::table
        .filter(crate::visibility::patient_condition(visibility))
        .order(patients::id)
        .select(patients::id)
        .load::<i64>(conn)?
        .into_iter()
        .map(PatientId)
        .collect())
}
