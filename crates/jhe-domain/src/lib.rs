//! The vocabulary of the exchange: typed identifiers, entities and enumerations shared by every other crate.
//!
//! Everything here is plain data. This crate must never depend on a database driver (diesel), a web framework
//! (actix), an async runtime or anything that performs IO; JSON shapes belong to the HTTP layer. Keeping it that
//! way lets `jhe-consent`, `jhe-fhir` and `jhe-oauth` stay embeddable in other Rust projects.

mod entities;
mod enums;
mod ids;

pub use entities::*;
pub use enums::*;
pub use ids::*;

/// The coding system of Open mHealth scope codes (`omh:blood-glucose:4.0`, …).
pub const OMH_CODING_SYSTEM: &str = "https://w3id.org/openmhealth";
/// The coding system of IEEE 1752 scope codes (`ieee:sleep-stage-summary:1.0`, …).
pub const IEEE_CODING_SYSTEM: &str = "https://w3id.org/ieee1752";
/// The id of the root of the organization tree. Top-level organizations are `part_of` it.
pub const ROOT_ORGANIZATION_ID: OrganizationId = OrganizationId(0);
