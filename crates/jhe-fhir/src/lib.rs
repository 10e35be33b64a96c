//! FHIR R5 JSON resources (Patient, Observation, Bundle, OperationOutcome, CapabilityStatement), Open mHealth /
//! IEEE 1752 data-point models with their validation, and search-parameter parsing.
//!
//! No IO: this crate must never depend on a database driver, a web framework or an async runtime. It depends on
//! `jhe-domain`, serde, serde_json, chrono, base64 and thiserror only; where a step needs the database (the upload
//! pipeline) it asks through a trait the caller implements. `docs/fhir.md` describes the models, the validation
//! rules and the decisions taken where the reference behaviour was open.
//!
//! # The pieces
//!
//! * [`omh`]: every supported data type ([`supported_scope_codes`]), typed models of the header and bodies,
//!   [`validate_data_point`] with violations that name a path and what was expected there.
//! * [`derive_effective_time`]: the effective time of a data point, by the reference's rules.
//! * [`resource`]: FHIR resources as serde types and the renderers of stored records
//!   ([`resource::render_observation`], [`resource::render_patient`], [`resource::core_capability_statement`]).
//! * [`upload`]: the eleven ordered checks of an Observation upload, pure where they can be, with
//!   [`UploadChecks`] for the rest; [`batch`] reads batch Bundles and writes batch responses.
//! * [`search`]: the parameters of Observation and Patient searches, paging links and the keyset cursor.
//!
//! # Example
//!
//! ```
//! use jhe_domain::EffectiveTime;
//! use jhe_fhir::validate_data_point;
//!
//! let point = br#"{
//!     "header": {"uuid": "9a1d3c5e-7f20-4b6d-8e1a-2c3b4d5e6f70",
//!                "schema_id": {"namespace": "omh", "name": "heart-rate", "version": "2.0"},
//!                "source_creation_date_time": "2025-04-01T07:00:00+02:00"},
//!     "body": {"heart_rate": {"value": 64, "unit": "beats/min"},
//!              "effective_time_frame": {"date_time": "2025-04-01T06:59:00+02:00"}}
//! }"#;
//! let valid = validate_data_point("omh:heart-rate:2.0", point)?;
//! assert!(matches!(valid.effective, Some(EffectiveTime::Instant(_))));
//!
//! let wrong = br#"{"header": {"uuid": "9a1d3c5e-7f20-4b6d-8e1a-2c3b4d5e6f70",
//!     "schema_id": {"namespace": "omh", "name": "heart-rate", "version": "2.0"},
//!     "source_creation_date_time": "2025-04-01T07:00:00Z"},
//!     "body": {"heart_rate": {"value": 64, "unit": "bpm"}, "effective_time_frame": {"date_time": "2025-04-01T05:59:00Z"}}}"#;
//! let err = validate_data_point("omh:heart-rate:2.0", wrong).unwrap_err();
//! assert_eq!(err.violations()[0].to_string(), r#"body.heart_rate.unit: expected "beats/min", found "bpm""#);
//! # Ok::<(), jhe_fhir::DataPointError>(())
//! ```

#![warn(missing_docs)]

pub mod batch;
pub mod datetime;
mod effective;
pub mod omh;
pub mod resource;
pub mod search;
pub mod upload;

pub use effective::{
    EffectiveBounds, derive_effective_bounds, derive_effective_time, effective_bounds_of_frame,
};
pub use omh::{
    DataPointError, ValidDataPoint, Violation, supported_scope_codes, validate_data_point,
    validate_data_point_value,
};
pub use search::{SearchError, SearchMode};
pub use upload::{
    AcceptedUpload, ObservationRoute, ObservationUpload, PipelineError, SubjectAccess, UploadChecks,
    UploadError, route_observation, run_upload_pipeline, run_upload_pipeline_value,
};

/// Every way a request handled by this crate can be refused, for the HTTP layer to map in one place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// An upload was refused.
    #[error(transparent)]
    Upload(#[from] UploadError),
    /// A batch request was refused as a whole.
    #[error(transparent)]
    Batch(#[from] batch::BatchError),
    /// A search request was refused.
    #[error(transparent)]
    Search(#[from] SearchError),
    /// A data point was refused outside an upload.
    #[error(transparent)]
    DataPoint(#[from] DataPointError),
}

impl Error {
    /// The HTTP status to answer with.
    pub const fn status(&self) -> u16 {
        match self {
            Error::Upload(e) => e.status(),
            Error::Batch(_) => 400,
            Error::Search(e) => e.status(),
            Error::DataPoint(_) => 422,
        }
    }
}
