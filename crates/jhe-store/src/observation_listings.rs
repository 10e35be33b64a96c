//! Observations as the Admin API lists them: the rows of a consent engine visibility set, narrowed by the list's
//! filters, newest first, with the subject's names and the scope code. Paging happens in SQL and a page costs four
//! queries whatever its size (count, page, subjects, codes).

use std::collections::BTreeMap;

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};
use jhe_consent::ObservationVisibility;
use jhe_domain::*;

use crate::connection::DbConnection;
use crate::error::{StoreError, StoreResult};
use crate::rows::*;
use crate::schema::{codeable_concepts, observations, patients};
use crate::visibility::{Condition, observation_condition};

/// Which visible observations to list. Each filter only narrows the visibility set, never widens it.
#[derive(Debug, Clone, Default)]
pub struct ObservationFilter {
    /// Subjects linked to this organization or to an organization below it.
    pub organization: Option<OrganizationId>,
    /// Observations this study receives: the subject is enrolled in it, it asks for the observation's scope, and
    /// the subject currently consents to share that scope with it.
    pub study: Option<StudyId>,
    /// Only this subject.
    pub patient: Option<PatientId>,
    /// Only this observation.
    pub observation: Option<ObservationId>,
    /// Only this data type.
    pub scope_code: Option<ScopeCodeId>,
    /// Only observations whose effective time starts at or after this instant.
    pub effective_from: Option<chrono::DateTime<chrono::Utc>>,
    /// Only observations whose effective time starts before this instant.
    pub effective_before: Option<chrono::DateTime<chrono::Utc>>,
}

/// An observation with what the Admin API shows next to it.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservationListItem {
    pub observation: Observation,
    pub patient_name_family: Option<String>,
    pub patient_name_given: Option<String>,
    /// The subject's login account, if they have one.
    pub patient_user_id: Option<UserId>,
    pub scope_code: ScopeCode,
}

fn subjects_within(organization: i64) -> Condition<observations::table> {
    Box::new(
        sql::<Bool>(
            "observations.subject_patient_id IN (WITH RECURSIVE subtree(id) AS (SELECT o.id FROM organizations o \
             WHERE o.id = ",
        )
        .bind::<BigInt, _>(organization)
        .sql(
            " UNION SELECT o.id FROM organizations o JOIN subtree s ON o.part_of_id = s.id) \
             SELECT po.patient_id FROM patient_organizations po JOIN subtree ON subtree.id = po.organization_id)",
        ),
    )
}

fn consented_to_study(study: i64) -> Condition<observations::table> {
    Box::new(
        sql::<Bool>(
            "(observations.subject_patient_id, observations.codeable_concept_id) IN (\
             SELECT sp.patient_id, ssr.scope_code_id FROM study_patients sp \
             JOIN study_scope_requests ssr ON ssr.study_id = sp.study_id \
             JOIN consents c ON c.study_patient_id = sp.id AND c.scope_code_id = ssr.scope_code_id \
             WHERE c.state = 'consented' AND sp.study_id = ",
        )
        .bind::<BigInt, _>(study)
        .sql(")"),
    )
}

/// The observations in `visibility` that match `filter`, newest `last_updated` first (then highest id), one page
/// at a time, with the total count.
pub fn list_visible_observations(
    conn: &mut DbConnection,
    visibility: &ObservationVisibility,
    filter: &ObservationFilter,
    offset: i64,
    limit: i64,
) -> StoreResult<(i64, Vec<ObservationListItem>)> {
    let filtered = || {
        let mut q = observations::table
            .filter(observation_condition(visibility))
            .into_boxed();
        if let Some(org) = filter.organization {
            q = q.filter(subjects_within(org.get()));
        }
        if let Some(study) = filter.study {
            q = q.filter(consented_to_study(study.get()));
        }
        if let Some(patient) = filter.patient {
            q = q.filter(observations::subject_patient_id.eq(patient.get()));
        }
        if let Some(id) = filter.observation {
            q = q.filter(observations::id.eq(id.get()));
        }
        if let Some(code) = filter.scope_code {
            q = q.filter(observations::codeable_concept_id.eq(code.get()));
        }
        if let Some(from) = filter.effective_from {
            q = q.filter(observations::effective_start.ge(to_db_time(from)));
        }
        if let Some(before) = filter.effective_before {
            q = q.filter(observations::effective_start.lt(to_db_time(before)));
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let page: Vec<Observation> = filtered()
        .order((observations::last_updated.desc(), observations::id.desc()))
        .offset(offset)
        .limit(limit)
        .select(ObservationRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Observation::try_from)
        .collect::<StoreResult<_>>()?;
    Ok((total, with_subjects_and_codes(conn, page)?))
}

/// One observation with its subject's names and its scope code, whoever may see it (the caller decides that).
pub fn get_observation_item(conn: &mut DbConnection, id: ObservationId) -> StoreResult<ObservationListItem> {
    let observation: Observation = observations::table
        .find(id.get())
        .select(ObservationRow::as_select())
        .first(conn)?
        .try_into()?;
    with_subjects_and_codes(conn, vec![observation])?
        .pop()
        .ok_or(StoreError::NotFound)
}

/// A subject's family name, given name and login account.
type Subject = (Option<String>, Option<String>, Option<i64>);

fn with_subjects_and_codes(
    conn: &mut DbConnection,
    page: Vec<Observation>,
) -> StoreResult<Vec<ObservationListItem>> {
    let patient_ids: Vec<i64> = page.iter().map(|o| o.patient_id.get()).collect();
    let code_ids: Vec<i64> = page.iter().map(|o| o.scope_code_id.get()).collect();
    let subjects: BTreeMap<i64, Subject> = patients::table
        .filter(patients::id.eq_any(&patient_ids))
        .select((
            patients::id,
            patients::name_family,
            patients::name_given,
            patients::user_id,
        ))
        .load::<(i64, Option<String>, Option<String>, Option<i64>)>(conn)?
        .into_iter()
        .map(|(id, family, given, user)| (id, (family, given, user)))
        .collect();
    let codes: BTreeMap<i64, ScopeCode> = codeable_concepts::table
        .filter(codeable_concepts::id.eq_any(&code_ids))
        .select(ScopeCodeRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|row| (row.id, ScopeCode::from(row)))
        .collect();
    page.into_iter()
        .map(|observation| {
            let (family, given, user) =
                subjects
                    .get(&observation.patient_id.get())
                    .cloned()
                    .ok_or_else(|| {
                        StoreError::Corrupt(format!("observation {} has no subject", observation.id))
                    })?;
            let scope_code = codes
                .get(&observation.scope_code_id.get())
                .cloned()
                .ok_or_else(|| {
                    StoreError::Corrupt(format!("observation {} has no scope code", observation.id))
                })?;
            Ok(ObservationListItem {
                observation,
                patient_name_family: family,
                patient_name_given: given,
                patient_user_id: user.map(UserId),
                scope_code,
            })
        })
        .collect()
}
