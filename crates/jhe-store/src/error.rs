//! The store's one error type. Constraint violations arrive typed and identical on both backends.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A unique key already holds this value. `constraint` names the unique index, the same on both backends
    /// (for example `users_email_key`).
    #[error("already exists ({constraint})")]
    Duplicate { constraint: String },
    /// A referenced row does not exist, or a row is still referenced and cannot be deleted.
    #[error("a related record is missing or still in use: {0}")]
    Reference(String),
    /// A value broke a check constraint.
    #[error("a value is out of range: {0}")]
    Check(String),
    /// A stored value could not be read back as its domain type.
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// The database URL cannot be used.
    #[error("invalid database URL: {0}")]
    InvalidDatabaseUrl(String),
    /// The database cannot be reached or the pool is exhausted.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Migrations failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// Any other database error.
    #[error("database error: {0}")]
    Database(DieselError),
}

/// Result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// Every unique index: (index name, table, columns). SQLite reports violations as `table.column`, PostgreSQL by
/// index name; both map to the index name here.
const UNIQUE_KEYS: &[(&str, &str, &[&str])] = &[
    ("users_email_key", "users", &["email"]),
    ("practitioners_user_id_key", "practitioners", &["user_id"]),
    ("patients_user_id_key", "patients", &["user_id"]),
    (
        "patient_identifiers_system_value_key",
        "patient_identifiers",
        &["system", "value"],
    ),
    (
        "practitioner_organizations_pair_key",
        "practitioner_organizations",
        &["practitioner_id", "organization_id"],
    ),
    (
        "patient_organizations_pair_key",
        "patient_organizations",
        &["patient_id", "organization_id"],
    ),
    (
        "codeable_concepts_system_code_key",
        "codeable_concepts",
        &["coding_system", "coding_code"],
    ),
    (
        "study_patients_pair_key",
        "study_patients",
        &["study_id", "patient_id"],
    ),
    (
        "study_scope_requests_pair_key",
        "study_scope_requests",
        &["study_id", "scope_code_id"],
    ),
    (
        "consents_pair_key",
        "consents",
        &["study_patient_id", "scope_code_id"],
    ),
    (
        "data_source_supported_scopes_pair_key",
        "data_source_supported_scopes",
        &["data_source_id", "scope_code_id"],
    ),
    (
        "study_data_sources_pair_key",
        "study_data_sources",
        &["study_id", "data_source_id"],
    ),
    ("oauth_clients_client_id_key", "oauth_clients", &["client_id"]),
    (
        "client_data_sources_pair_key",
        "client_data_sources",
        &["client_id", "data_source_id"],
    ),
    (
        "study_clients_pair_key",
        "study_clients",
        &["study_id", "client_id"],
    ),
    (
        "patient_invitations_token_hash_key",
        "patient_invitations",
        &["token_hash"],
    ),
    ("settings_key_key", "settings", &["key"]),
    (
        "observation_identifiers_system_value_key",
        "observation_identifiers",
        &["system", "value"],
    ),
];

fn unique_constraint_name(info: &dyn diesel::result::DatabaseErrorInformation) -> String {
    if let Some(name) = info.constraint_name() {
        return name.to_owned();
    }
    // SQLite: "UNIQUE constraint failed: users.email" or "…: t.a, t.b" (also for primary keys).
    let message = info.message();
    if let Some(list) = message.strip_prefix("UNIQUE constraint failed: ") {
        let mut table = "";
        let columns: Vec<&str> = list
            .split(", ")
            .filter_map(|qualified| qualified.split_once('.'))
            .map(|(t, c)| {
                table = t;
                c
            })
            .collect();
        if let Some((name, _, _)) = UNIQUE_KEYS
            .iter()
            .find(|(_, t, cols)| *t == table && *cols == columns.as_slice())
        {
            return (*name).to_owned();
        }
        return format!("{table}_pkey");
    }
    message.to_owned()
}

impl From<DieselError> for StoreError {
    fn from(err: DieselError) -> Self {
        match err {
            DieselError::NotFound => StoreError::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, ref info) => {
                StoreError::Duplicate {
                    constraint: unique_constraint_name(info.as_ref()),
                }
            }
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, ref info) => {
                StoreError::Reference(info.message().to_owned())
            }
            DieselError::DatabaseError(DatabaseErrorKind::CheckViolation, ref info) => {
                StoreError::Check(info.message().to_owned())
            }
            DieselError::DatabaseError(DatabaseErrorKind::NotNullViolation, ref info) => {
                StoreError::Check(info.message().to_owned())
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, ref info) => {
                StoreError::Unavailable(info.message().to_owned())
            }
            // SQLite reports some constraint failures (ON DELETE RESTRICT among them) without a specific code.
            DieselError::DatabaseError(DatabaseErrorKind::Unknown, ref info)
                if info.message().starts_with("FOREIGN KEY constraint failed") =>
            {
                StoreError::Reference(info.message().to_owned())
            }
            DieselError::DatabaseError(DatabaseErrorKind::Unknown, ref info)
                if info.message().starts_with("CHECK constraint failed") =>
            {
                StoreError::Check(info.message().to_owned())
            }
            other => StoreError::Database(other),
        }
    }
}

impl From<diesel::r2d2::PoolError> for StoreError {
    fn from(err: diesel::r2d2::PoolError) -> Self {
        StoreError::Unavailable(err.to_string())
    }
}

impl StoreError {
    /// Whether this is a unique-key violation of the named index.
    pub fn is_duplicate_of(&self, constraint: &str) -> bool {
        matches!(self, StoreError::Duplicate { constraint: c } if c == constraint)
    }
}
