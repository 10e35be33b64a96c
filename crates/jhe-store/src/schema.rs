//! The diesel schema, written for both backends: only types that `MultiConnection` supports (integers, floats,
//! text, bool, date, timestamp). Timestamps are UTC; JSON is text.

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        password_hash -> Nullable<Text>,
        first_name -> Text,
        last_name -> Text,
        email_is_verified -> Bool,
        identifier -> Text,
        user_type -> Nullable<Text>,
        is_superuser -> Bool,
        is_staff -> Bool,
        is_active -> Bool,
        last_login -> Nullable<Timestamp>,
        date_joined -> Timestamp,
    }
}

diesel::table! {
    organizations (id) {
        id -> BigInt,
        name -> Text,
        org_type -> Text,
        part_of_id -> Nullable<BigInt>,
        last_updated -> Timestamp,
    }
}

diesel::table! {
    practitioners (id) {
        id -> BigInt,
        user_id -> BigInt,
        identifier -> Nullable<Text>,
        name_family -> Nullable<Text>,
        name_given -> Nullable<Text>,
        settings_json -> Text,
        last_updated -> Timestamp,
    }
}

diesel::table! {
    patients (id) {
        id -> BigInt,
        user_id -> Nullable<BigInt>,
        name_family -> Nullable<Text>,
        name_given -> Nullable<Text>,
        birth_date -> Nullable<Date>,
        telecom_phone -> Nullable<Text>,
        last_updated -> Timestamp,
    }
}

diesel::table! {
    patient_identifiers (id) {
        id -> BigInt,
        patient_id -> BigInt,
        system -> Text,
        value -> Text,
    }
}

diesel::table! {
    practitioner_organizations (id) {
        id -> BigInt,
        practitioner_id -> BigInt,
        organization_id -> BigInt,
        role -> Text,
    }
}

diesel::table! {
    patient_organizations (id) {
        id -> BigInt,
        patient_id -> BigInt,
        organization_id -> BigInt,
    }
}

diesel::table! {
    codeable_concepts (id) {
        id -> BigInt,
        coding_system -> Text,
        coding_code -> Text,
        text -> Text,
    }
}

diesel::table! {
    studies (id) {
        id -> BigInt,
        name -> Text,
        description -> Text,
        organization_id -> BigInt,
        icon_url -> Nullable<Text>,
        last_updated -> Timestamp,
    }
}

diesel::table! {
    study_patients (id) {
        id -> BigInt,
        study_id -> BigInt,
        patient_id -> BigInt,
    }
}

diesel::table! {
    study_scope_requests (id) {
        id -> BigInt,
        study_id -> BigInt,
        scope_code_id -> BigInt,
        scope_actions -> Text,
    }
}

diesel::table! {
    consents (id) {
        id -> BigInt,
        study_patient_id -> BigInt,
        scope_code_id -> BigInt,
        scope_actions -> Text,
        state -> Text,
        decided_at -> Timestamp,
    }
}

diesel::table! {
    consent_history (id) {
        id -> BigInt,
        study_id -> BigInt,
        patient_id -> BigInt,
        scope_code_id -> BigInt,
        from_state -> Nullable<Text>,
        to_state -> Nullable<Text>,
        actor_user_id -> Nullable<BigInt>,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    data_sources (id) {
        id -> BigInt,
        name -> Text,
        source_type -> Text,
        last_updated -> Timestamp,
    }
}

diesel::table! {
    data_source_supported_scopes (id) {
        id -> BigInt,
        data_source_id -> BigInt,
        scope_code_id -> BigInt,
    }
}

diesel::table! {
    study_data_sources (id) {
        id -> BigInt,
        study_id -> BigInt,
        data_source_id -> BigInt,
    }
}

diesel::table! {
    oauth_clients (id) {
        id -> BigInt,
        client_id -> Text,
        client_secret_hash -> Nullable<Text>,
        client_type -> Text,
        grant_type -> Text,
        redirect_uris -> Text,
        post_logout_redirect_uris -> Text,
        allowed_origins -> Text,
        skip_authorization -> Bool,
        algorithm -> Text,
        name -> Text,
        owner_user_id -> Nullable<BigInt>,
        created -> Timestamp,
        updated -> Timestamp,
    }
}

diesel::table! {
    patient_clients (client_id) {
        client_id -> BigInt,
        invitation_url -> Text,
        aux_data_json -> Text,
    }
}

diesel::table! {
    practitioner_clients (client_id) {
        client_id -> BigInt,
        practitioner_id -> BigInt,
        label -> Text,
    }
}

diesel::table! {
    client_data_sources (id) {
        id -> BigInt,
        client_id -> BigInt,
        data_source_id -> BigInt,
    }
}

diesel::table! {
    study_clients (id) {
        id -> BigInt,
        study_id -> BigInt,
        client_id -> BigInt,
    }
}

diesel::table! {
    patient_invitations (id) {
        id -> BigInt,
        patient_id -> BigInt,
        client_id -> BigInt,
        token_hash -> Text,
        status -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        redeemed_at -> Nullable<Timestamp>,
        last_updated -> Timestamp,
    }
}

diesel::table! {
    settings (id) {
        id -> BigInt,
        key -> Text,
        value_type -> Text,
        value_string -> Nullable<Text>,
        value_int -> Nullable<BigInt>,
        value_bool -> Nullable<Bool>,
        value_float -> Nullable<Double>,
        value_json -> Nullable<Text>,
        last_updated -> Timestamp,
    }
}

diesel::table! {
    observations (id) {
        id -> BigInt,
        subject_patient_id -> BigInt,
        codeable_concept_id -> BigInt,
        data_source_id -> Nullable<BigInt>,
        omh_data -> Text,
        status -> Text,
        effective_start -> Nullable<Timestamp>,
        effective_end -> Nullable<Timestamp>,
        last_updated -> Timestamp,
        identifiers -> Text,
    }
}

diesel::table! {
    observation_identifiers (id) {
        id -> BigInt,
        observation_id -> BigInt,
        system -> Text,
        value -> Text,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        occurred_at -> Timestamp,
        actor_user_id -> Nullable<BigInt>,
        action -> Text,
        target_type -> Text,
        target_id -> Nullable<Text>,
        outcome -> Text,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    audit_event_patients (audit_event_id, patient_id) {
        audit_event_id -> BigInt,
        patient_id -> BigInt,
    }
}

diesel::joinable!(practitioners -> users (user_id));
diesel::joinable!(patients -> users (user_id));
diesel::joinable!(patient_identifiers -> patients (patient_id));
diesel::joinable!(practitioner_organizations -> practitioners (practitioner_id));
diesel::joinable!(practitioner_organizations -> organizations (organization_id));
diesel::joinable!(patient_organizations -> patients (patient_id));
diesel::joinable!(patient_organizations -> organizations (organization_id));
diesel::joinable!(studies -> organizations (organization_id));
diesel::joinable!(study_patients -> studies (study_id));
diesel::joinable!(study_patients -> patients (patient_id));
diesel::joinable!(study_scope_requests -> studies (study_id));
diesel::joinable!(study_scope_requests -> codeable_concepts (scope_code_id));
diesel::joinable!(consents -> study_patients (study_patient_id));
diesel::joinable!(consents -> codeable_concepts (scope_code_id));
diesel::joinable!(data_source_supported_scopes -> data_sources (data_source_id));
diesel::joinable!(data_source_supported_scopes -> codeable_concepts (scope_code_id));
diesel::joinable!(study_data_sources -> studies (study_id));
diesel::joinable!(study_data_sources -> data_sources (data_source_id));
diesel::joinable!(oauth_clients -> users (owner_user_id));
diesel::joinable!(patient_clients -> oauth_clients (client_id));
diesel::joinable!(practitioner_clients -> oauth_clients (client_id));
diesel::joinable!(practitioner_clients -> practitioners (practitioner_id));
diesel::joinable!(client_data_sources -> oauth_clients (client_id));
diesel::joinable!(client_data_sources -> data_sources (data_source_id));
diesel::joinable!(study_clients -> studies (study_id));
diesel::joinable!(study_clients -> oauth_clients (client_id));
diesel::joinable!(patient_invitations -> patients (patient_id));
diesel::joinable!(patient_invitations -> oauth_clients (client_id));
diesel::joinable!(observations -> patients (subject_patient_id));
diesel::joinable!(observations -> codeable_concepts (codeable_concept_id));
diesel::joinable!(observations -> data_sources (data_source_id));
diesel::joinable!(observation_identifiers -> observations (observation_id));
diesel::joinable!(audit_event_patients -> audit_events (audit_event_id));

diesel::table! {
    browser_sessions (id) {
        id -> BigInt,
        token_hash -> Text,
        user_id -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    authorization_codes (id) {
        id -> BigInt,
        code_hash -> Text,
        client_id -> BigInt,
        user_id -> BigInt,
        redirect_uri -> Text,
        scope -> Text,
        code_challenge -> Text,
        nonce -> Nullable<Text>,
        family -> Text,
        auth_time -> Timestamp,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        consumed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    access_tokens (id) {
        id -> BigInt,
        token_hash -> Text,
        client_id -> BigInt,
        user_id -> BigInt,
        scope -> Text,
        family -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        token_hash -> Text,
        client_id -> BigInt,
        user_id -> BigInt,
        scope -> Text,
        family -> Text,
        nonce -> Nullable<Text>,
        auth_time -> Timestamp,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        rotated_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    signing_keys (id) {
        id -> BigInt,
        kid -> Text,
        private_key -> Text,
        encrypted -> Bool,
        created_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> BigInt,
        account -> Text,
        client_addr -> Text,
        occurred_at -> Timestamp,
    }
}

diesel::joinable!(browser_sessions -> users (user_id));
diesel::joinable!(authorization_codes -> oauth_clients (client_id));
diesel::joinable!(access_tokens -> oauth_clients (client_id));
diesel::joinable!(access_tokens -> users (user_id));
diesel::joinable!(refresh_tokens -> oauth_clients (client_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    organizations,
    practitioners,
    patients,
    patient_identifiers,
    practitioner_organizations,
    patient_organizations,
    codeable_concepts,
    studies,
    study_patients,
    study_scope_requests,
    consents,
    consent_history,
    data_sources,
    data_source_supported_scopes,
    study_data_sources,
    oauth_clients,
    patient_clients,
    practitioner_clients,
    client_data_sources,
    study_clients,
    patient_invitations,
    settings,
    observations,
    observation_identifiers,
    audit_events,
    audit_event_patients,
    browser_sessions,
    authorization_codes,
    access_tokens,
    refresh_tokens,
    signing_keys,
    login_failures,
);
