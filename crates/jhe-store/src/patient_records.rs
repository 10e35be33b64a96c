//! Patients as the Admin API manages them: the visible patients page by page with the reference's filters, creating
//! a patient with their login account, organization and identifiers in one go, changing their demographics,
//! removing them from an organization (and deleting them with their last one), and the patient apps of the
//! studies they take part in.
//!
//! Lists run a fixed number of queries whatever the page size; patient items come from
//! [`crate::study_listings::patient_details`].

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use jhe_consent::PatientVisibility;
use jhe_domain::*;

use crate::connection::{DbBackend, DbConnection, write_transaction};
use crate::error::{StoreError, StoreResult};
use crate::rows::*;
use crate::schema::{
    consent_history, consents, oauth_clients, organizations, patient_clients, patient_identifiers,
    patient_organizations, patients, practitioners, studies, study_clients, study_patients, users,
};
use crate::study_listings::{ClientSummary, PatientDetails, patient_details};
use crate::visibility::patient_condition;

/// The reference's filters of `GET /patients`, on top of visibility.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatientFilter {
    /// Patients linked to this organization.
    pub organization: Option<OrganizationId>,
    /// Patients enrolled in this study.
    pub study: Option<StudyId>,
    /// Only this patient.
    pub patient: Option<PatientId>,
    /// Patients holding an identifier with this value (in any system).
    pub identifier_value: Option<String>,
}

fn filtered(
    visibility: &PatientVisibility,
    filter: &PatientFilter,
) -> patients::BoxedQuery<'static, DbBackend> {
    let mut query = patients::table.filter(patient_condition(visibility)).into_boxed();
    if let Some(org) = filter.organization {
        query = query.filter(
            patients::id.eq_any(
                patient_organizations::table
                    .filter(patient_organizations::organization_id.eq(org.get()))
                    .select(patient_organizations::patient_id),
            ),
        );
    }
    if let Some(study) = filter.study {
        query = query.filter(
            patients::id.eq_any(
                study_patients::table
                    .filter(study_patients::study_id.eq(study.get()))
                    .select(study_patients::patient_id),
            ),
        );
    }
    if let Some(patient) = filter.patient {
        query = query.filter(patients::id.eq(patient.get()));
    }
    if let Some(value) = &filter.identifier_value {
        query = query.filter(
            patients::id.eq_any(
                patient_identifiers::table
                    .filter(patient_identifiers::value.eq(value.clone()))
                    .select(patient_identifiers::patient_id),
            ),
        );
    }
    query
}

/// The patients in `visibility` matching `filter`, by id, one page at a time, with the total count. Six queries:
/// the count, the page's ids and [`patient_details`].
pub fn list_visible_patients(
    conn: &mut DbConnection,
    visibility: &PatientVisibility,
    filter: &PatientFilter,
    offset: i64,
    limit: i64,
) -> StoreResult<(i64, Vec<PatientDetails>)> {
    let total: i64 = filtered(visibility, filter).count().get_result(conn)?;
    let page: Vec<PatientId> = filtered(visibility, filter)
        .order(patients::id)
        .offset(offset)
        .limit(limit)
        .select(patients::id)
        .load::<i64>(conn)?
        .into_iter()
        .map(PatientId)
        .collect();
    Ok((total, patient_details(conn, &page)?))
}

/// The patients whose login e-mail is exactly `email`, by id.
pub fn patients_with_email(conn: &mut DbConnection, email: &str) -> StoreResult<Vec<PatientId>> {
    Ok(patients::table
        .inner_join(users::table)
        .filter(users::email.eq(email))
        .order(patients::id)
        .select(patients::id)
        .load::<i64>(conn)?
        .into_iter()
        .map(PatientId)
        .collect())
}

/// A patient to create, with what the Admin API's `POST /patients` carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPatientRecord {
    /// The organization the patient joins.
    pub organization: OrganizationId,
    /// The login e-mail: an existing account with this e-mail is reused, else one is created (without a password;
    /// the patient signs in through an invitation).
    pub email: String,
    pub name_family: Option<String>,
    pub name_given: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub telecom_phone: Option<String>,
    pub identifiers: Vec<Identifier>,
}

/// Creates a patient: the login account (unless one exists with the e-mail), the patient profile, the link to the
/// organization and the identifiers, in one transaction. An account that already has a patient profile fails with
/// [`StoreError::Duplicate`] on `patients_user_id_key`; a taken identifier on
/// `patient_identifiers_system_value_key`.
pub fn create_patient_record(
    conn: &mut DbConnection,
    new: &NewPatientRecord,
    now: DateTime<Utc>,
) -> StoreResult<PatientId> {
    write_transaction(conn, |conn| {
        let user = match crate::people::find_user_by_email(conn, &new.email)? {
            Some(user) => user.id,
            None => {
                crate::people::create_user(
                    conn,
                    &NewUser {
                        id: None,
                        email: new.email.clone(),
                        password_hash: None,
                        first_name: new.name_given.clone().unwrap_or_default(),
                        last_name: new.name_family.clone().unwrap_or_default(),
                        identifier: String::new(),
                        user_type: Some(UserType::Patient),
                        is_superuser: false,
                    },
                    now,
                )?
                .id
            }
        };
        let patient = crate::people::create_patient(
            conn,
            &NewPatient {
                id: None,
                user_id: Some(user),
                name_family: new.name_family.clone(),
                name_given: new.name_given.clone(),
                birth_date: new.birth_date,
                telecom_phone: new.telecom_phone.clone(),
            },
            now,
        )?;
        crate::organizations::link_patient(
            conn,
            PatientOrganization {
                patient_id: patient.id,
                organization_id: new.organization,
            },
        )?;
        for identifier in &new.identifiers {
            crate::people::add_patient_identifier(conn, patient.id, identifier)?;
        }
        Ok(patient.id)
    })
}

/// Changes to a patient's demographics: `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq, AsChangeset)]
#[diesel(table_name = patients)]
pub struct PatientChanges {
    pub name_family: Option<Option<String>>,
    pub name_given: Option<Option<String>>,
    pub birth_date: Option<Option<NaiveDate>>,
    pub telecom_phone: Option<Option<String>>,
}

/// Changes a patient's demographics and, when `identifiers` is given, replaces the whole identifier set, in one
/// transaction. A taken identifier fails with [`StoreError::Duplicate`] on `patient_identifiers_system_value_key`.
pub fn update_patient_record(
    conn: &mut DbConnection,
    patient: PatientId,
    changes: &PatientChanges,
    identifiers: Option<&[Identifier]>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    write_transaction(conn, |conn| {
        let n = diesel::update(patients::table.find(patient.get()))
            .set(patients::last_updated.eq(to_db_time(now)))
            .execute(conn)?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        if changes != &PatientChanges::default() {
            diesel::update(patients::table.find(patient.get()))
                .set(changes)
                .execute(conn)?;
        }
        if let Some(identifiers) = identifiers {
            diesel::delete(
                patient_identifiers::table.filter(patient_identifiers::patient_id.eq(patient.get())),
            )
            .execute(conn)?;
            for identifier in identifiers {
                crate::people::add_patient_identifier(conn, patient, identifier)?;
            }
        }
        Ok(())
    })
}

/// What removing a patient from an organization did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientRemoval {
    /// The studies the patient was taken out of, because no organization they still belong to is the study's
    /// organization or below it.
    pub unenrolled_from: Vec<StudyId>,
    /// The organization was the patient's last: the patient, with their observations, is deleted.
    pub patient_deleted: bool,
    /// The patient's login account was deleted too (it had no other profile and is not a superuser).
    pub user_deleted: bool,
}

/// Removes a patient from an organization, in one transaction. Enrolments that no remaining organization of the
/// patient justifies (the study's organization, or one below it) end, with their consents; each withdrawn consent
/// gets a history entry by `actor`. When it was the patient's last organization, the patient is deleted with
/// everything that hangs off them (observations included), and so is their login account unless it has another
/// profile or is a superuser's. [`StoreError::NotFound`] when the patient is not in the organization.
pub fn remove_patient_from_organization(
    conn: &mut DbConnection,
    patient: PatientId,
    organization: OrganizationId,
    actor: Option<UserId>,
    now: DateTime<Utc>,
) -> StoreResult<PatientRemoval> {
    write_transaction(conn, |conn| {
        crate::organizations::unlink_patient(
            conn,
            PatientOrganization {
                patient_id: patient,
                organization_id: organization,
            },
        )?;
        let remaining = crate::organizations::organizations_of_patient(conn, patient)?;
        let parents: BTreeMap<i64, Option<i64>> = organizations::table
            .select((organizations::id, organizations::part_of_id))
            .load::<(i64, Option<i64>)>(conn)?
            .into_iter()
            .collect();
        // Every organization at or above one the patient still belongs to: a study there may keep them.
        let mut justified: BTreeSet<i64> = BTreeSet::new();
        for org in &remaining {
            let mut current = Some(org.get());
            while let Some(id) = current {
                if !justified.insert(id) {
                    break;
                }
                current = parents.get(&id).copied().flatten();
            }
        }
        let enrolments: Vec<(i64, i64, i64)> = study_patients::table
            .inner_join(studies::table)
            .filter(study_patients::patient_id.eq(patient.get()))
            .select((
                study_patients::id,
                study_patients::study_id,
                studies::organization_id,
            ))
            .load(conn)?;
        let ending: Vec<(i64, i64)> = enrolments
            .into_iter()
            .filter(|(_, _, org)| remaining.is_empty() || !justified.contains(org))
            .map(|(id, study, _)| (id, study))
            .collect();
        let ending_ids: Vec<i64> = ending.iter().map(|(id, _)| *id).collect();
        let withdrawn: Vec<(i64, i64, String)> = consents::table
            .filter(consents::study_patient_id.eq_any(&ending_ids))
            .order((consents::study_patient_id, consents::scope_code_id))
            .select((
                consents::study_patient_id,
                consents::scope_code_id,
                consents::state,
            ))
            .load(conn)?;
        for (enrolment, scope, state) in withdrawn {
            let Some((_, study)) = ending.iter().find(|(id, _)| *id == enrolment) else {
                continue;
            };
            diesel::insert_into(consent_history::table)
                .values((
                    consent_history::study_id.eq(*study),
                    consent_history::patient_id.eq(patient.get()),
                    consent_history::scope_code_id.eq(scope),
                    consent_history::from_state.eq(Some(parse_enum::<ConsentState>(&state)?.as_str())),
                    consent_history::to_state.eq(None::<&str>),
                    consent_history::actor_user_id.eq(actor.map(UserId::get)),
                    consent_history::occurred_at.eq(to_db_time(now)),
                ))
                .execute(conn)?;
        }
        diesel::delete(study_patients::table.filter(study_patients::id.eq_any(&ending_ids))).execute(conn)?;
        let unenrolled_from = ending.iter().map(|(_, study)| StudyId(*study)).collect();
        if !remaining.is_empty() {
            return Ok(PatientRemoval {
                unenrolled_from,
                patient_deleted: false,
                user_deleted: false,
            });
        }
        let user = crate::people::get_patient(conn, patient)?.user_id;
        crate::people::delete_patient(conn, patient)?;
        let user_deleted = match user {
            Some(user) => delete_user_if_unused(conn, user)?,
            None => false,
        };
        Ok(PatientRemoval {
            unenrolled_from,
            patient_deleted: true,
            user_deleted,
        })
    })
}

/// Deletes a login account that no longer has a patient or practitioner profile and is not a superuser's; says
/// whether it did.
pub fn delete_user_if_unused(conn: &mut DbConnection, user: UserId) -> StoreResult<bool> {
    let is_superuser: Option<bool> = users::table
        .find(user.get())
        .select(users::is_superuser)
        .first(conn)
        .optional()?;
    let Some(false) = is_superuser else {
        return Ok(false);
    };
    let profiles: i64 = patients::table
        .filter(patients::user_id.eq(user.get()))
        .count()
        .get_result::<i64>(conn)?
        + practitioners::table
            .filter(practitioners::user_id.eq(user.get()))
            .count()
            .get_result::<i64>(conn)?;
    if profiles > 0 {
        return Ok(false);
    }
    crate::people::delete_user(conn, user)?;
    Ok(true)
}

/// A patient app of a study the patient takes part in, with the patient's invitations to it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsolidatedClient {
    pub client: ClientSummary,
    /// Newest first.
    pub invitations: Vec<PatientInvitation>,
}

/// Every client linked to a study the patient is enrolled in (each once, by id), with the patient's invitations to
/// it. Two queries.
pub fn consolidated_clients(
    conn: &mut DbConnection,
    patient: PatientId,
) -> StoreResult<Vec<ConsolidatedClient>> {
    let clients: Vec<(i64, String, String, Option<String>)> = oauth_clients::table
        .left_join(patient_clients::table)
        .filter(
            oauth_clients::id.eq_any(
                study_clients::table
                    .inner_join(
                        study_patients::table.on(study_patients::study_id.eq(study_clients::study_id)),
                    )
                    .filter(study_patients::patient_id.eq(patient.get()))
                    .select(study_clients::client_id),
            ),
        )
        .order(oauth_clients::id)
        .select((
            oauth_clients::id,
            oauth_clients::name,
            oauth_clients::client_id,
            patient_clients::invitation_url.nullable(),
        ))
        .load(conn)?;
    let invitations = crate::invitations::invitations_of_patient(conn, patient)?;
    Ok(clients
        .into_iter()
        .map(|(id, name, client_id, invitation_url)| ConsolidatedClient {
            invitations: invitations
                .iter()
                .filter(|i| i.client_id.get() == id)
                .cloned()
                .collect(),
            client: ClientSummary {
                id: ClientId(id),
                name,
                client_id,
                invitation_url,
            },
        })
        .collect())
}
