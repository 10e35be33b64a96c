//! Loads the facts the consent engine decides over, for one request: only what the decision at hand can need,
//! in a fixed number of queries.

use std::collections::BTreeSet;

use diesel::prelude::*;
use jhe_consent::Facts;
use jhe_domain::*;

use crate::connection::DbConnection;
use crate::error::StoreResult;
use crate::schema::{
    consents, organizations, patient_organizations, practitioner_organizations, studies, study_patients,
    study_scope_requests,
};

/// What a decision is about: whose memberships, which patients, which studies.
#[derive(Debug, Clone, Default)]
pub struct FactsScope {
    pub practitioner: Option<PractitionerId>,
    pub patients: Vec<PatientId>,
    pub studies: Vec<StudyId>,
}

/// Loads the organization tree, the practitioner's memberships, the patients' organization links, enrolments and
/// consents, and the studies involved (those named, and those the patients are enrolled in) with their scope
/// requests. Seven queries, whatever the size of the scope.
pub fn load_facts(conn: &mut DbConnection, scope: &FactsScope) -> StoreResult<Facts> {
    let mut facts = Facts::new();
    for (id, part_of) in organizations::table
        .select((organizations::id, organizations::part_of_id))
        .load::<(i64, Option<i64>)>(conn)?
    {
        facts = facts.organization(OrganizationId(id), part_of.map(OrganizationId));
    }
    if let Some(practitioner) = scope.practitioner {
        let rows: Vec<(i64, String)> = practitioner_organizations::table
            .filter(practitioner_organizations::practitioner_id.eq(practitioner.get()))
            .select((
                practitioner_organizations::organization_id,
                practitioner_organizations::role,
            ))
            .load(conn)?;
        for (org, role) in rows {
            facts = facts.membership(practitioner, OrganizationId(org), crate::rows::parse_enum(&role)?);
        }
    }
    let patient_ids: Vec<i64> = scope.patients.iter().map(|p| p.get()).collect();
    if !patient_ids.is_empty() {
        let links: Vec<(i64, i64)> = patient_organizations::table
            .filter(patient_organizations::patient_id.eq_any(&patient_ids))
            .select((
                patient_organizations::patient_id,
                patient_organizations::organization_id,
            ))
            .load(conn)?;
        for (patient, org) in links {
            facts = facts.patient_in(PatientId(patient), OrganizationId(org));
        }
    }
    let study_ids: Vec<i64> = scope.studies.iter().map(|s| s.get()).collect();
    let enrolments: Vec<(i64, i64, i64)> = study_patients::table
        .filter(
            study_patients::patient_id
                .eq_any(&patient_ids)
                .or(study_patients::study_id.eq_any(&study_ids)),
        )
        .select((
            study_patients::id,
            study_patients::study_id,
            study_patients::patient_id,
        ))
        .load(conn)?;
    let mut involved: BTreeSet<i64> = study_ids.iter().copied().collect();
    for &(id, study, patient) in &enrolments {
        facts = facts.enrol(EnrolmentId(id), StudyId(study), PatientId(patient));
        involved.insert(study);
    }
    let involved: Vec<i64> = involved.into_iter().collect();
    for (study, org) in studies::table
        .filter(studies::id.eq_any(&involved))
        .select((studies::id, studies::organization_id))
        .load::<(i64, i64)>(conn)?
    {
        facts = facts.study(StudyId(study), OrganizationId(org));
    }
    for (study, code) in study_scope_requests::table
        .filter(study_scope_requests::study_id.eq_any(&involved))
        .select((
            study_scope_requests::study_id,
            study_scope_requests::scope_code_id,
        ))
        .load::<(i64, i64)>(conn)?
    {
        facts = facts.scope_request(StudyId(study), ScopeCodeId(code));
    }
    let enrolment_ids: Vec<i64> = enrolments.iter().map(|e| e.0).collect();
    let rows: Vec<(i64, i64, String, chrono::NaiveDateTime)> = consents::table
        .filter(consents::study_patient_id.eq_any(&enrolment_ids))
        .select((
            consents::study_patient_id,
            consents::scope_code_id,
            consents::state,
            consents::decided_at,
        ))
        .load(conn)?;
    for (enrolment, code, state, at) in rows {
        facts = facts.consent(
            EnrolmentId(enrolment),
            ScopeCodeId(code),
            crate::rows::parse_enum(&state)?,
            crate::rows::from_db_time(at),
        );
    }
    Ok(facts)
}

/// Who a user is to the consent engine: a patient, a practitioner (superuser or not, possibly with a patient
/// profile of their own), acting with `scope` through `client`. `None` for an account with neither profile.
pub fn principal_for_user(
    conn: &mut DbConnection,
    user: &User,
    scope: &str,
    client: Option<jhe_consent::ClientInfo>,
) -> StoreResult<Option<jhe_consent::Principal>> {
    let practitioner = crate::people::practitioner_of_user(conn, user.id)?.map(|p| p.id);
    let patient = crate::people::patient_of_user(conn, user.id)?.map(|p| p.id);
    Ok(principal_from_parts(user, practitioner, patient, scope, client))
}

/// The principal of a resolved access token, without further queries.
pub fn principal_for_token(resolved: &crate::auth::ResolvedToken) -> Option<jhe_consent::Principal> {
    let client = jhe_consent::ClientInfo {
        id: resolved.token.client_id,
        client_id: resolved.client_id.clone(),
    };
    principal_from_parts(
        &resolved.user,
        resolved.practitioner,
        resolved.patient,
        &resolved.token.scope,
        Some(client),
    )
}

fn principal_from_parts(
    user: &User,
    practitioner: Option<PractitionerId>,
    patient: Option<PatientId>,
    scope: &str,
    client: Option<jhe_consent::ClientInfo>,
) -> Option<jhe_consent::Principal> {
    use jhe_consent::{Principal, TokenScopes};
    let principal = match (practitioner, patient) {
        (Some(practitioner), own) => {
            let base = if user.is_superuser {
                Principal::superuser(user.id, practitioner)
            } else {
                Principal::practitioner(user.id, practitioner)
            };
            match own {
                Some(patient) => base.with_own_patient_profile(patient),
                None => base,
            }
        }
        (None, Some(patient)) => Principal::patient(user.id, patient),
        (None, None) => return None,
    };
    let principal = principal.with_token_scopes(TokenScopes::from_scope_string(scope));
    Some(match client {
        Some(client) => principal.via(client),
        None => principal,
    })
}
