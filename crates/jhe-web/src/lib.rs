//! The practitioner web UI: static HTML, CSS and JavaScript modules, embedded into the server binary so that one
//! file serves everything.
//!
//! It holds files only and must never depend on the database, the HTTP framework or any other crate of ours.
