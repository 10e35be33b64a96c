//! Who may be enrolled in a study: patients of the study's organization or of an organization below it. Enrolment
//! alone grants nothing; consent does.

use jhe_domain::{PatientId, StudyId};

use crate::facts::Facts;

/// Why a patient cannot be enrolled in a study. Both are the client's mistake (400), never a server failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnrolmentError {
    /// No such study.
    #[error("Study {study_id} does not exist.")]
    UnknownStudy {
        /// The study named by the request.
        study_id: StudyId,
    },
    /// The patient is not cared for by the study's organization or any organization below it.
    #[error(
        "Patient {patient_id} cannot be enrolled in study {study_id}: the patient does not belong to the study's \
         organization or to an organization below it."
    )]
    PatientOutsideStudyOrganization {
        /// The patient.
        patient_id: PatientId,
        /// The study.
        study_id: StudyId,
    },
}

/// Checks that the patient may be enrolled in the study: they are linked to the study's organization or to an
/// organization below it, so everyone who can see the study can also see its patients. Authorize
/// [`crate::Action::ManageStudyPatients`] first; this only checks the facts. Enrolling someone already enrolled is
/// not an error here (the store treats it as a no-op).
pub fn check_enrolment(
    facts: &Facts,
    study_id: StudyId,
    patient_id: PatientId,
) -> Result<(), EnrolmentError> {
    let study_organization = facts
        .study_organization(study_id)
        .ok_or(EnrolmentError::UnknownStudy { study_id })?;
    let inside = facts
        .organizations_of_patient(patient_id)
        .into_iter()
        .any(|org| facts.is_within(org, study_organization));
    if inside {
        Ok(())
    } else {
        Err(EnrolmentError::PatientOutsideStudyOrganization { patient_id, study_id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jhe_domain::OrganizationId;

    fn facts() -> Facts {
        Facts::new()
            .organization(OrganizationId(1), None)
            .organization(OrganizationId(2), Some(OrganizationId(1)))
            .organization(OrganizationId(3), None)
            .study(StudyId(10), OrganizationId(1))
            .study(StudyId(20), OrganizationId(2))
            .patient_in(PatientId(5), OrganizationId(2))
            .patient_in(PatientId(6), OrganizationId(3))
    }

    #[test]
    fn a_patient_of_the_study_organization_can_be_enrolled() {
        assert_eq!(check_enrolment(&facts(), StudyId(20), PatientId(5)), Ok(()));
    }

    #[test]
    fn a_patient_of_an_organization_below_the_study_organization_can_be_enrolled() {
        assert_eq!(check_enrolment(&facts(), StudyId(10), PatientId(5)), Ok(()));
    }

    #[test]
    fn a_patient_outside_the_study_organization_cannot_be_enrolled() {
        let err = check_enrolment(&facts(), StudyId(20), PatientId(6)).unwrap_err();
        assert_eq!(
            err,
            EnrolmentError::PatientOutsideStudyOrganization {
                patient_id: PatientId(6),
                study_id: StudyId(20)
            }
        );
        assert_eq!(
            err.to_string(),
            "Patient 6 cannot be enrolled in study 20: the patient does not belong to the study's organization or to \
             an organization below it."
        );
    }

    #[test]
    fn enrolment_in_an_unknown_study_is_refused() {
        assert_eq!(
            check_enrolment(&facts(), StudyId(99), PatientId(5)),
            Err(EnrolmentError::UnknownStudy {
                study_id: StudyId(99)
            })
        );
    }
}
