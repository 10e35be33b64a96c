//! FHIR R5 JSON resources (Patient, Observation, Bundle, OperationOutcome, CapabilityStatement), Open mHealth /
//! IEEE 1752 data-point models with their validation, and search-parameter parsing.
//!
//! No IO: this crate must never depend on a database driver, a web framework or an async runtime.
