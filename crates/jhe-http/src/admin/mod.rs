//! The Admin REST API under `/api/v1`. Routes have no trailing slash, bodies and query names are accepted in snake
//! and camel case, responses are camelCase, errors use Django REST framework's shapes.
//!
//! Shared by every module here:
//!
//! * [`casing`]: [`casing::SnakeJson`] and [`casing::SnakeQuery`] extractors snake-case request keys before
//!   deserializing (so `patientId` and `patient_id` both work); a body that does not deserialize is a 400 field map
//!   naming the field in camelCase (`{"organizationId": ["A valid integer is required."]}`).
//! * [`pagination`]: [`pagination::PageRequest::from_request`] reads `page` and `page_size` / `pageSize` for one of
//!   the reference's two flavours; the store pages in SQL with `offset()` / `limit()`;
//!   [`pagination::PageRequest::envelope`] wraps the page as `{count, next, previous, results}` with absolute links
//!   (404 `Invalid page.` past the end).
//! * [`access`]: authorization through the consent engine with facts for the request, and the audit trail.

pub(crate) mod access;
pub(crate) mod audit;
pub(crate) mod casing;
pub(crate) mod clients;
pub(crate) mod consents;
pub(crate) mod data_sources;
pub(crate) mod invitations;
pub(crate) mod observations;
pub(crate) mod organizations;
pub(crate) mod pagination;
pub(crate) mod patients;
pub(crate) mod practitioner_clients;
pub(crate) mod practitioners;
pub(crate) mod settings;
pub(crate) mod studies;
pub(crate) mod users;

use actix_web::web;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    invitations::configure(cfg);
    users::configure(cfg);
    organizations::configure(cfg);
    practitioners::configure(cfg);
    patients::configure(cfg);
    consents::configure(cfg);
    studies::configure(cfg);
    data_sources::configure(cfg);
    clients::configure(cfg);
    observations::configure(cfg);
    practitioner_clients::configure(cfg);
    settings::configure(cfg);
    audit::configure(cfg);
    crate::openapi::configure(cfg);
}
