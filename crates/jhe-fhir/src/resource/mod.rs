//! FHIR R5 resources as serde types: Observation, Patient, Bundle, OperationOutcome, CapabilityStatement, and the
//! functions that render the exchange's records as them.
//!
//! Several names here are also domain names (`Observation`, `Patient`, `Identifier`); import the module, not its
//! items: `use jhe_fhir::resource as fhir;` then `fhir::Observation`.

mod bundle;
mod capability;
mod datatypes;
mod json;
mod observation;
mod outcome;
mod patient;

pub use bundle::*;
pub use capability::*;
pub use datatypes::*;
pub use observation::*;
pub use outcome::*;
pub use patient::*;

/// `meta.source` of every resource the exchange itself holds.
pub const JHE_SOURCE: &str = "https://jupyterhealth.org/jhe";

/// The identifier system of a patient's login account id, used in `Observation.subject.identifier`.
pub const JHE_USER_ID_SYSTEM: &str = "https://jupyterhealth.org/fhir/identifier/jhe-user-id";

/// The prefix of the `meta.source` of records imported from a FHIR source (`…/fhir-source/<id>`).
pub const FHIR_SOURCE_PREFIX: &str = "https://jupyterhealth.org/fhir/fhir-source/";

/// The absolute URL of a resource, for `Bundle.entry.fullUrl`: `full_url("https://host/FHIR/R5/", "Observation",
/// 61007)` is `https://host/FHIR/R5/Observation/61007` (with or without the base's trailing slash).
pub fn full_url(base: &str, resource_type: &str, id: impl std::fmt::Display) -> String {
    format!("{}/{resource_type}/{id}", base.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn full_urls_join_with_one_slash() {
        assert_eq!(
            super::full_url("https://h/FHIR/R5/", "Patient", 41001),
            "https://h/FHIR/R5/Patient/41001"
        );
        assert_eq!(
            super::full_url("https://h/FHIR/R5", "Patient", 41001),
            "https://h/FHIR/R5/Patient/41001"
        );
    }
}
