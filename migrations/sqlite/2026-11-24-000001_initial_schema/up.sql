-- The whole data model of the exchange. Timestamps are UTC, stored without a zone so that the same diesel schema
-- serves SQLite and PostgreSQL; JSON documents are stored as text. Every foreign key has an index.

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email VARCHAR(254) NOT NULL,
    password_hash TEXT,
    first_name VARCHAR(150) NOT NULL DEFAULT '',
    last_name VARCHAR(150) NOT NULL DEFAULT '',
    email_is_verified BOOLEAN NOT NULL DEFAULT FALSE,
    identifier TEXT NOT NULL DEFAULT '',
    user_type TEXT CHECK (user_type IN ('patient', 'practitioner')),
    is_superuser BOOLEAN NOT NULL DEFAULT FALSE,
    is_staff BOOLEAN NOT NULL DEFAULT FALSE,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    last_login TIMESTAMP,
    date_joined TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE organizations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    org_type TEXT NOT NULL,
    part_of_id BIGINT REFERENCES organizations (id) ON DELETE CASCADE,
    last_updated TIMESTAMP NOT NULL
);
CREATE INDEX organizations_part_of_id_idx ON organizations (part_of_id);

CREATE TABLE practitioners (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    identifier TEXT,
    name_family TEXT,
    name_given TEXT,
    settings_json TEXT NOT NULL DEFAULT '{}',
    last_updated TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX practitioners_user_id_key ON practitioners (user_id);

CREATE TABLE patients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    name_family TEXT,
    name_given TEXT,
    birth_date DATE,
    telecom_phone TEXT,
    last_updated TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX patients_user_id_key ON patients (user_id);

CREATE TABLE patient_identifiers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_id BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    system TEXT NOT NULL,
    value TEXT NOT NULL
);
CREATE UNIQUE INDEX patient_identifiers_system_value_key ON patient_identifiers (system, value);
CREATE INDEX patient_identifiers_patient_id_idx ON patient_identifiers (patient_id);

CREATE TABLE practitioner_organizations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    practitioner_id BIGINT NOT NULL REFERENCES practitioners (id) ON DELETE CASCADE,
    organization_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('viewer', 'member', 'manager'))
);
CREATE UNIQUE INDEX practitioner_organizations_pair_key ON practitioner_organizations (practitioner_id, organization_id);
CREATE INDEX practitioner_organizations_organization_id_idx ON practitioner_organizations (organization_id);

CREATE TABLE patient_organizations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_id BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    organization_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX patient_organizations_pair_key ON patient_organizations (patient_id, organization_id);
CREATE INDEX patient_organizations_organization_id_idx ON patient_organizations (organization_id);

CREATE TABLE codeable_concepts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    coding_system TEXT NOT NULL,
    coding_code TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX codeable_concepts_system_code_key ON codeable_concepts (coding_system, coding_code);

CREATE TABLE studies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    organization_id BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    icon_url TEXT,
    last_updated TIMESTAMP NOT NULL
);
CREATE INDEX studies_organization_id_idx ON studies (organization_id);

CREATE TABLE study_patients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    study_id BIGINT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    patient_id BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX study_patients_pair_key ON study_patients (study_id, patient_id);
CREATE INDEX study_patients_patient_id_idx ON study_patients (patient_id);

CREATE TABLE study_scope_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    study_id BIGINT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    scope_code_id BIGINT NOT NULL REFERENCES codeable_concepts (id) ON DELETE RESTRICT,
    scope_actions TEXT NOT NULL DEFAULT 'rs'
);
CREATE UNIQUE INDEX study_scope_requests_pair_key ON study_scope_requests (study_id, scope_code_id);
CREATE INDEX study_scope_requests_scope_code_id_idx ON study_scope_requests (scope_code_id);

-- The current answer per (enrolment, scope). A scope without a row is pending.
CREATE TABLE consents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    study_patient_id BIGINT NOT NULL REFERENCES study_patients (id) ON DELETE CASCADE,
    scope_code_id BIGINT NOT NULL REFERENCES codeable_concepts (id) ON DELETE RESTRICT,
    scope_actions TEXT NOT NULL DEFAULT 'rs',
    state TEXT NOT NULL CHECK (state IN ('consented', 'declined', 'revoked')),
    decided_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX consents_pair_key ON consents (study_patient_id, scope_code_id);
CREATE INDEX consents_scope_code_id_idx ON consents (scope_code_id);

-- Append-only. It keeps plain ids rather than foreign keys on purpose: the history of a consent must outlive the
-- study or enrolment it was given to.
CREATE TABLE consent_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    study_id BIGINT NOT NULL,
    patient_id BIGINT NOT NULL,
    scope_code_id BIGINT NOT NULL,
    from_state TEXT CHECK (from_state IN ('consented', 'declined', 'revoked')),
    to_state TEXT CHECK (to_state IN ('consented', 'declined', 'revoked')),
    actor_user_id BIGINT,
    occurred_at TIMESTAMP NOT NULL
);
CREATE INDEX consent_history_patient_idx ON consent_history (patient_id, occurred_at);
CREATE INDEX consent_history_study_idx ON consent_history (study_id);

CREATE TABLE data_sources (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    source_type TEXT NOT NULL DEFAULT 'personal_device'
        CHECK (source_type IN ('medical_device', 'personal_device', 'patient_app')),
    last_updated TIMESTAMP NOT NULL
);

CREATE TABLE data_source_supported_scopes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    data_source_id BIGINT NOT NULL REFERENCES data_sources (id) ON DELETE CASCADE,
    scope_code_id BIGINT NOT NULL REFERENCES codeable_concepts (id) ON DELETE RESTRICT
);
CREATE UNIQUE INDEX data_source_supported_scopes_pair_key ON data_source_supported_scopes (data_source_id, scope_code_id);
CREATE INDEX data_source_supported_scopes_scope_code_id_idx ON data_source_supported_scopes (scope_code_id);

CREATE TABLE study_data_sources (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    study_id BIGINT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    data_source_id BIGINT NOT NULL REFERENCES data_sources (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX study_data_sources_pair_key ON study_data_sources (study_id, data_source_id);
CREATE INDEX study_data_sources_data_source_id_idx ON study_data_sources (data_source_id);

CREATE TABLE oauth_clients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL,
    client_secret_hash TEXT,
    client_type TEXT NOT NULL CHECK (client_type IN ('public', 'confidential')),
    grant_type TEXT NOT NULL CHECK (grant_type IN ('authorization-code', 'client-credentials')),
    redirect_uris TEXT NOT NULL DEFAULT '',
    post_logout_redirect_uris TEXT NOT NULL DEFAULT '',
    allowed_origins TEXT NOT NULL DEFAULT '',
    skip_authorization BOOLEAN NOT NULL DEFAULT FALSE,
    algorithm TEXT NOT NULL DEFAULT 'RS256',
    name TEXT NOT NULL,
    owner_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created TIMESTAMP NOT NULL,
    updated TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX oauth_clients_client_id_key ON oauth_clients (client_id);
CREATE INDEX oauth_clients_owner_user_id_idx ON oauth_clients (owner_user_id);

CREATE TABLE patient_clients (
    client_id BIGINT PRIMARY KEY REFERENCES oauth_clients (id) ON DELETE CASCADE,
    invitation_url TEXT NOT NULL,
    aux_data_json TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE practitioner_clients (
    client_id BIGINT PRIMARY KEY REFERENCES oauth_clients (id) ON DELETE CASCADE,
    practitioner_id BIGINT NOT NULL REFERENCES practitioners (id) ON DELETE CASCADE,
    label TEXT NOT NULL DEFAULT ''
);
CREATE INDEX practitioner_clients_practitioner_id_idx ON practitioner_clients (practitioner_id);

CREATE TABLE client_data_sources (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id BIGINT NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
    data_source_id BIGINT NOT NULL REFERENCES data_sources (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX client_data_sources_pair_key ON client_data_sources (client_id, data_source_id);
CREATE INDEX client_data_sources_data_source_id_idx ON client_data_sources (data_source_id);

CREATE TABLE study_clients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    study_id BIGINT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    client_id BIGINT NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX study_clients_pair_key ON study_clients (study_id, client_id);
CREATE INDEX study_clients_client_id_idx ON study_clients (client_id);

CREATE TABLE patient_invitations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_id BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    client_id BIGINT NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
    token_hash VARCHAR(43) NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('issued', 'reissued', 'redeemed', 'cancelled', 'expired')),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    redeemed_at TIMESTAMP,
    last_updated TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX patient_invitations_token_hash_key ON patient_invitations (token_hash);
CREATE INDEX patient_invitations_patient_id_idx ON patient_invitations (patient_id);
CREATE INDEX patient_invitations_client_id_idx ON patient_invitations (client_id);

CREATE TABLE settings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    value_type TEXT NOT NULL CHECK (value_type IN ('string', 'int', 'bool', 'float', 'json')),
    value_string TEXT,
    value_int BIGINT,
    value_bool BOOLEAN,
    value_float REAL,
    value_json TEXT,
    last_updated TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX settings_key_key ON settings (key);

-- Only Open mHealth observations live here. effective_start/effective_end are derived from the data point's
-- effective_time_frame (equal for a point in time) and drive date search and sorting.
CREATE TABLE observations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject_patient_id BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    codeable_concept_id BIGINT NOT NULL REFERENCES codeable_concepts (id) ON DELETE RESTRICT,
    data_source_id BIGINT REFERENCES data_sources (id) ON DELETE SET NULL,
    omh_data TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'final',
    effective_start TIMESTAMP,
    effective_end TIMESTAMP,
    last_updated TIMESTAMP NOT NULL
);
CREATE INDEX observations_patient_code_effective_idx
    ON observations (subject_patient_id, codeable_concept_id, effective_start, id);
CREATE INDEX observations_patient_last_updated_idx ON observations (subject_patient_id, last_updated, id);
CREATE INDEX observations_last_updated_idx ON observations (last_updated, id);
CREATE INDEX observations_codeable_concept_id_idx ON observations (codeable_concept_id);
CREATE INDEX observations_data_source_id_idx ON observations (data_source_id);

CREATE TABLE observation_identifiers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    observation_id BIGINT NOT NULL REFERENCES observations (id) ON DELETE CASCADE,
    system TEXT NOT NULL,
    value TEXT NOT NULL
);
CREATE UNIQUE INDEX observation_identifiers_system_value_key ON observation_identifiers (system, value);
CREATE INDEX observation_identifiers_observation_id_idx ON observation_identifiers (observation_id);

-- Append-only, like the consent history: ids, not foreign keys, so the record outlives what it describes.
CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    occurred_at TIMESTAMP NOT NULL,
    actor_user_id BIGINT,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('success', 'denied', 'failed')),
    detail TEXT
);
CREATE INDEX audit_events_occurred_at_idx ON audit_events (occurred_at, id);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_user_id, occurred_at);

CREATE TABLE audit_event_patients (
    audit_event_id BIGINT NOT NULL REFERENCES audit_events (id) ON DELETE CASCADE,
    patient_id BIGINT NOT NULL,
    PRIMARY KEY (audit_event_id, patient_id)
);
CREATE INDEX audit_event_patients_patient_idx ON audit_event_patients (patient_id, audit_event_id);

-- Start the readable id ranges that PostgreSQL gets from its identity columns.
INSERT INTO sqlite_sequence (name, seq) VALUES
    ('users', 10000), ('organizations', 20000), ('studies', 30000), ('patients', 40000),
    ('codeable_concepts', 50000), ('observations', 60000), ('data_sources', 70000), ('practitioners', 80000),
    ('patient_invitations', 100);
