//! The consent and access engine: given facts about memberships, studies, enrolments and consents, it decides what a
//! principal may do and see. Pure functions; time is a parameter.
//!
//! It depends on `jhe-domain`, serde and thiserror only, never on a database, a web framework or an async runtime,
//! so other Rust projects can embed it.
