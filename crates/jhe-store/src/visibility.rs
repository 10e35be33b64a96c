//! Compiles the consent engine's visibility sets into SQL: one `WHERE` clause per set, evaluated by the database in
//! the same query that reads the rows. There is no per-row check in Rust and no list of ids in the SQL text.
//!
//! A practitioner's *reach* (the organizations where they hold a membership, and every organization below) is a
//! recursive CTE; the visible (patient, scope) pairs are an uncorrelated subquery, which both SQLite and PostgreSQL
//! evaluate once per query. The SQL text is fixed ([`FixedSql`]), so each statement is prepared once per connection
//! and reused.

use diesel::expression::BoxableExpression;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use jhe_consent::{ObservationVisibility, OrganizationVisibility, PatientVisibility, StudyVisibility};

use crate::connection::DbBackend;
use crate::fixed_sql::FixedSql;
use crate::schema::{observations, organizations, patients, studies};

/// A boolean SQL condition over `T`'s rows that runs on both backends.
pub type Condition<T> = Box<dyn BoxableExpression<T, DbBackend, SqlType = Bool>>;

/// The practitioner's reach as a CTE named `reach(id)`; the practitioner id is bound where this ends.
const REACH_CTE: &str = "WITH RECURSIVE reach(id) AS (\
     SELECT organization_id FROM practitioner_organizations WHERE practitioner_id = ";
const REACH_CTE_END: &str = " UNION SELECT o.id FROM organizations o JOIN reach r ON o.part_of_id = r.id) ";

fn never<T: 'static>() -> Condition<T> {
    Box::new(FixedSql::new("1 = 0"))
}

/// `(patient, scope)` of the observation is among the pairs some study in the practitioner's reach asks for,
/// enrols the patient in, and holds a `consented` record for. When the query is about one patient anyway, the pairs
/// are computed for that patient only, so the cost does not grow with the number of patients in reach.
fn through_consented_studies(practitioner: i64, only_patient: Option<i64>) -> Condition<observations::table> {
    let pairs = FixedSql::new("(observations.subject_patient_id, observations.codeable_concept_id) IN (")
        .sql(REACH_CTE)
        .bind(practitioner)
        .sql(REACH_CTE_END)
        .sql(
            "SELECT sp.patient_id, ssr.scope_code_id FROM studies s \
             JOIN reach ON reach.id = s.organization_id \
             JOIN study_scope_requests ssr ON ssr.study_id = s.id \
             JOIN study_patients sp ON sp.study_id = s.id \
             JOIN consents c ON c.study_patient_id = sp.id AND c.scope_code_id = ssr.scope_code_id \
             WHERE c.state = 'consented'",
        );
    match only_patient {
        Some(patient) => Box::new(pairs.sql(" AND sp.patient_id = ").bind(patient).sql(")")),
        None => Box::new(pairs.sql(")")),
    }
}

fn own_observations(patient: i64) -> Condition<observations::table> {
    Box::new(FixedSql::new("observations.subject_patient_id = ").bind(patient))
}

/// The condition selecting exactly the observations in `visibility`.
pub fn observation_condition(visibility: &ObservationVisibility) -> Condition<observations::table> {
    observation_condition_for(visibility, None)
}

/// The condition selecting exactly the observations in `visibility`, for a query that also requires the subject to
/// be `only_patient` (when given). The result is the same set intersected with that patient's rows; the hint only
/// lets the database compute the consented pairs of one patient instead of all of them.
pub fn observation_condition_for(
    visibility: &ObservationVisibility,
    only_patient: Option<i64>,
) -> Condition<observations::table> {
    match *visibility {
        ObservationVisibility::Nothing => never(),
        ObservationVisibility::OwnData { patient_id } => own_observations(patient_id.get()),
        ObservationVisibility::ThroughConsentedStudies { practitioner_id } => {
            through_consented_studies(practitioner_id.get(), only_patient)
        }
        ObservationVisibility::OwnDataAndConsentedStudies {
            patient_id,
            practitioner_id,
        } => Box::new(
            own_observations(patient_id.get())
                .or(through_consented_studies(practitioner_id.get(), only_patient)),
        ),
    }
}

fn own_patient(patient: i64) -> Condition<patients::table> {
    Box::new(FixedSql::new("patients.id = ").bind(patient))
}

/// Patients linked to an organization in the practitioner's reach (only `only_patient`, when given: a check of one
/// patient then reads that patient's links, not every patient in reach).
fn patients_through_memberships(practitioner: i64, only_patient: Option<i64>) -> Condition<patients::table> {
    let reach = FixedSql::new("patients.id IN (")
        .sql(REACH_CTE)
        .bind(practitioner)
        .sql(REACH_CTE_END)
        .sql(
            "SELECT po.patient_id FROM patient_organizations po JOIN reach ON reach.id = po.organization_id",
        );
    match only_patient {
        Some(patient) => Box::new(reach.sql(" WHERE po.patient_id = ").bind(patient).sql(")")),
        None => Box::new(reach.sql(")")),
    }
}

/// The condition selecting exactly the patients in `visibility`.
pub fn patient_condition(visibility: &PatientVisibility) -> Condition<patients::table> {
    patient_condition_for(visibility, None)
}

/// The condition selecting exactly the patients in `visibility`, for a query that also requires `patients.id` to be
/// `only_patient` (when given); the hint narrows the membership subquery to that patient.
pub fn patient_condition_for(
    visibility: &PatientVisibility,
    only_patient: Option<i64>,
) -> Condition<patients::table> {
    match *visibility {
        PatientVisibility::Nothing => never(),
        PatientVisibility::Own { patient_id } => own_patient(patient_id.get()),
        PatientVisibility::ThroughMemberships { practitioner_id } => {
            patients_through_memberships(practitioner_id.get(), only_patient)
        }
        PatientVisibility::OwnAndThroughMemberships {
            patient_id,
            practitioner_id,
        } => Box::new(
            own_patient(patient_id.get())
                .or(patients_through_memberships(practitioner_id.get(), only_patient)),
        ),
    }
}

fn always<T: 'static>() -> Condition<T> {
    Box::new(FixedSql::new("1 = 1"))
}

/// Studies the patient is enrolled in.
fn studies_enrolled_in(patient: i64) -> Condition<studies::table> {
    Box::new(
        FixedSql::new("studies.id IN (SELECT sp.study_id FROM study_patients sp WHERE sp.patient_id = ")
            .bind(patient)
            .sql(")"),
    )
}

/// Studies owned by an organization in the practitioner's reach.
fn studies_through_memberships(practitioner: i64) -> Condition<studies::table> {
    Box::new(
        FixedSql::new("studies.organization_id IN (")
            .sql(REACH_CTE)
            .bind(practitioner)
            .sql(REACH_CTE_END)
            .sql("SELECT reach.id FROM reach)"),
    )
}

/// The condition selecting exactly the studies in `visibility`.
pub fn study_condition(visibility: &StudyVisibility) -> Condition<studies::table> {
    match *visibility {
        StudyVisibility::Nothing => never(),
        StudyVisibility::All => always(),
        StudyVisibility::EnrolledIn { patient_id } => studies_enrolled_in(patient_id.get()),
        StudyVisibility::ThroughMemberships { practitioner_id } => {
            studies_through_memberships(practitioner_id.get())
        }
        StudyVisibility::EnrolledInAndThroughMemberships {
            patient_id,
            practitioner_id,
        } => Box::new(
            studies_enrolled_in(patient_id.get()).or(studies_through_memberships(practitioner_id.get())),
        ),
    }
}

/// Organizations the patient is linked to.
fn organizations_of_patient(patient: i64) -> Condition<organizations::table> {
    Box::new(
        FixedSql::new("organizations.id IN (SELECT po.organization_id FROM patient_organizations po WHERE po.patient_id = ")
            .bind(patient)
            .sql(")"),
    )
}

/// The organizations in the practitioner's reach.
fn organizations_through_memberships(practitioner: i64) -> Condition<organizations::table> {
    Box::new(
        FixedSql::new("organizations.id IN (")
            .sql(REACH_CTE)
            .bind(practitioner)
            .sql(REACH_CTE_END)
            .sql("SELECT reach.id FROM reach)"),
    )
}

/// The condition selecting exactly the organizations in `visibility`.
pub fn organization_condition(visibility: &OrganizationVisibility) -> Condition<organizations::table> {
    match *visibility {
        OrganizationVisibility::Nothing => never(),
        OrganizationVisibility::All => always(),
        OrganizationVisibility::OfPatient { patient_id } => organizations_of_patient(patient_id.get()),
        OrganizationVisibility::ThroughMemberships { practitioner_id } => {
            organizations_through_memberships(practitioner_id.get())
        }
        OrganizationVisibility::OfPatientAndThroughMemberships {
            patient_id,
            practitioner_id,
        } => Box::new(
            organizations_of_patient(patient_id.get())
                .or(organizations_through_memberships(practitioner_id.get())),
        ),
    }
}
