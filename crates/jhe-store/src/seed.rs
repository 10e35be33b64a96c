//! The demo data set: the organizations, people, studies, consents and observations that the reference's seed
//! creates, with the same e-mails, names and ids, so that its documentation and clients work against us.
//!
//! Seeding is idempotent: every record is looked up by its fixed id or natural key first and only created when
//! missing, all in one transaction. Running it twice changes nothing.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use jhe_domain::*;

use crate::connection::{DbConnection, write_transaction};
use crate::error::StoreResult;
use crate::schema::{
    codeable_concepts, data_sources, observations, organizations, patients, practitioners, studies, users,
};
use crate::{
    clients, consents, data_sources as ds, observations as obs, organizations as orgs, people, settings,
};
use crate::{studies as st, vocabulary};

/// What the seed needs from outside: the time, the site's URL, and sources of secrets and identifiers, so the
/// store itself stays free of randomness and password hashing.
pub struct SeedInputs<'a> {
    pub now: DateTime<Utc>,
    /// The public URL of the site, without a trailing slash (redirect URIs and the `site.url` setting).
    pub site_url: &'a str,
    /// Returns a fresh password hash (argon2id PHC string) of the demo password for each seeded user.
    pub hash_demo_password: &'a mut dyn FnMut() -> String,
    /// Returns a fresh random string of 40 letters and digits, for generated OAuth client ids.
    pub random_client_id: &'a mut dyn FnMut() -> String,
    /// Returns a fresh UUID (v4, hyphenated) for data-point headers.
    pub random_uuid: &'a mut dyn FnMut() -> String,
}

impl std::fmt::Debug for SeedInputs<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeedInputs")
            .field("now", &self.now)
            .field("site_url", &self.site_url)
            .finish()
    }
}

/// How many records the seed created in this run (all zero on a second run).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedReport {
    pub users: usize,
    pub organizations: usize,
    pub studies: usize,
    pub observations: usize,
    pub other: usize,
}

impl SeedReport {
    /// Whether this run created anything at all.
    pub fn created_anything(&self) -> bool {
        self.users + self.organizations + self.studies + self.observations + self.other > 0
    }
}

/// The password of every demo user. Demo data only: never seed a production database.
pub const DEMO_PASSWORD: &str = "Jhe1234!";

struct DemoUser {
    id: i64,
    email: &'static str,
    last_name: &'static str,
    profile: Profile,
    identifier: &'static str,
}

enum Profile {
    Practitioner(i64),
    Patient {
        id: i64,
        birth: (i32, u32, u32),
        phone: &'static str,
    },
}

const USERS: &[DemoUser] = &[
    DemoUser {
        id: 10001,
        email: "admin@example.com",
        last_name: "",
        profile: Profile::Practitioner(80001),
        identifier: "",
    },
    DemoUser {
        id: 10002,
        email: "manager_mary@example.com",
        last_name: "Okonkwo",
        profile: Profile::Practitioner(80002),
        identifier: "fhir-222",
    },
    DemoUser {
        id: 10003,
        email: "member_megan@example.com",
        last_name: "Lindqvist",
        profile: Profile::Practitioner(80003),
        identifier: "fhir-333",
    },
    DemoUser {
        id: 10004,
        email: "viewer_victor@example.com",
        last_name: "Moreau",
        profile: Profile::Practitioner(80004),
        identifier: "fhir-444",
    },
    DemoUser {
        id: 10005,
        email: "three_org_tom@example.com",
        last_name: "Haddad",
        profile: Profile::Practitioner(80005),
        identifier: "fhir-555",
    },
    DemoUser {
        id: 10006,
        email: "ll_patient_peter@example.com",
        last_name: "Nakamura",
        profile: Profile::Patient {
            id: 40001,
            birth: (1988, 4, 12),
            phone: "+1-555-201-0001",
        },
        identifier: "fhir-666",
    },
    DemoUser {
        id: 10007,
        email: "ll_patient_pamela@example.com",
        last_name: "Adeyemi",
        profile: Profile::Patient {
            id: 40002,
            birth: (1993, 9, 3),
            phone: "+1-555-201-0002",
        },
        identifier: "fhir-777",
    },
    DemoUser {
        id: 10008,
        email: "manager_mark@example.com",
        last_name: "Fitzgerald",
        profile: Profile::Practitioner(80006),
        identifier: "fhir-888",
    },
    DemoUser {
        id: 10009,
        email: "npl_patient_percy@example.com",
        last_name: "Castillo",
        profile: Profile::Patient {
            id: 40003,
            birth: (1985, 1, 27),
            phone: "+1-555-201-0003",
        },
        identifier: "fhir-999",
    },
    DemoUser {
        id: 10010,
        email: "ccl_patient_paul@example.com",
        last_name: "Novak",
        profile: Profile::Patient {
            id: 40004,
            birth: (1990, 11, 8),
            phone: "+1-555-201-0004",
        },
        identifier: "fhir-000",
    },
    DemoUser {
        id: 10011,
        email: "ccl_cardio_patient_pat@example.com",
        last_name: "Osei",
        profile: Profile::Patient {
            id: 40005,
            birth: (1996, 6, 19),
            phone: "+1-555-201-0005",
        },
        identifier: "fhir-111",
    },
];

/// The e-mail's local part, title-cased without underscores: `manager_mary` → `ManagerMary`.
fn first_name_of(email: &str) -> String {
    let local = email.split('@').next().unwrap_or_default();
    if local == "admin" {
        return String::new();
    }
    local
        .split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

const OMH: &str = OMH_CODING_SYSTEM;
const SCOPE_CODES: &[(i64, &str, &str, &str)] = &[
    (50001, OMH, "omh:blood-glucose:4.0", "Blood glucose"),
    (50002, OMH, "omh:blood-pressure:4.0", "Blood pressure"),
    (50003, OMH, "omh:body-temperature:4.0", "Body temperature"),
    (50004, OMH, "omh:heart-rate:2.0", "Heart Rate"),
    (50005, OMH, "omh:oxygen-saturation:2.0", "Oxygen saturation"),
    (50006, OMH, "omh:respiratory-rate:2.0", "Respiratory rate"),
    (50007, OMH, "omh:rr-interval:1.0", "RR Interval"),
    (50008, OMH, "omh:body-weight:3.0", "Body weight"),
    (
        50009,
        OMH,
        "omh:forced-vital-capacity:1.0",
        "Forced vital capacity",
    ),
    (
        50010,
        OMH,
        "omh:forced-expiratory-volume-1-second:1.0",
        "Forced expiratory volume 1 second",
    ),
    (
        50011,
        "http://hl7.org/fhir/resource-types",
        "QuestionnaireResponse",
        "FHIR QuestionnaireResponse",
    ),
    (50012, OMH, "omh:physical-activity:1.2", "Physical activity"),
    (50013, OMH, "omh:step-count:3.0", "Step count"),
    (
        50014,
        IEEE_CODING_SYSTEM,
        "ieee:sleep-stage-summary:1.0",
        "Sleep stage summary",
    ),
    (50015, OMH, "omh:sleep-episode:1.1", "Sleep episode"),
    (50016, OMH, "omh:sleep-duration:2.0", "Sleep duration"),
];

const BG: i64 = 50001;
const BP: i64 = 50002;
const BT: i64 = 50003;
const HR: i64 = 50004;
const O2: i64 = 50005;
const QR: i64 = 50011;

const DATA_SOURCES: &[(i64, &str, DataSourceType, &[i64])] = &[
    (70001, "CareX", DataSourceType::PersonalDevice, &[BP, HR]),
    (70002, "Dexcom", DataSourceType::PersonalDevice, &[BG]),
    (70003, "iHealth", DataSourceType::PersonalDevice, &[BT, HR]),
    (70004, "Oura", DataSourceType::PersonalDevice, &[HR]),
    (70005, "Questionnaire", DataSourceType::PatientApp, &[QR]),
    (70006, "Patient Access API", DataSourceType::MedicalDevice, &[]),
];

const ORGANIZATIONS: &[(i64, &str, OrganizationType, Option<i64>)] = &[
    (0, "ROOT", OrganizationType::Root, None),
    (
        20001,
        "Planetary Research Institute",
        OrganizationType::Education,
        Some(0),
    ),
    (
        20002,
        "Saturn School of Data Science",
        OrganizationType::Team,
        Some(20001),
    ),
    (20003, "Lifespan Lab", OrganizationType::Laboratory, Some(20002)),
    (
        20004,
        "Neptune Health System",
        OrganizationType::Provider,
        Some(0),
    ),
    (
        20005,
        "Department of Medicine",
        OrganizationType::Department,
        Some(20004),
    ),
    (
        20006,
        "Cardiology Division",
        OrganizationType::Department,
        Some(20005),
    ),
    (
        20007,
        "Neptunian Pulse Lab",
        OrganizationType::Laboratory,
        Some(20006),
    ),
    (
        20008,
        "Cosmic Cardio Lab",
        OrganizationType::Laboratory,
        Some(20006),
    ),
];

const MEMBERSHIPS: &[(i64, i64, Role)] = &[
    (80002, 20001, Role::Manager),
    (80002, 20002, Role::Manager),
    (80002, 20003, Role::Manager),
    (80003, 20003, Role::Member),
    (80004, 20003, Role::Viewer),
    (80005, 20003, Role::Viewer),
    (80005, 20007, Role::Member),
    (80005, 20008, Role::Manager),
    (80006, 20004, Role::Manager),
    (80006, 20005, Role::Manager),
    (80006, 20006, Role::Manager),
    (80006, 20007, Role::Manager),
];

const PATIENT_ORGANIZATIONS: &[(i64, i64)] = &[
    (40001, 20003),
    (40002, 20003),
    (40003, 20007),
    (40004, 20008),
    (40005, 20008),
    (40005, 20006),
];

/// (name of the patient app, how its invitation link is built, its data sources)
const PATIENT_APPS: &[(&str, &str, &[i64])] = &[
    ("CareX", "https://carex.ai/invitation/CODE", &[70001, 70005]),
    (
        "CommonHealth",
        "https://commonhealth.tcp.org?invitation=CODE",
        &[70002, 70003],
    ),
    (
        "Patient Access",
        "http://localhost:8001/clients/patient-access/?code=CODE",
        &[],
    ),
];

/// The public client the web UI logs in with.
pub const WEB_UI_CLIENT_NAME: &str = "JHE Admin UI";
/// The public client id of the web UI.
pub const WEB_UI_CLIENT_ID: &str = "jhe-admin-ui";
/// The public client a local Jupyter server with `jupyter-smart-on-fhir` logs researchers in with.
pub const JUPYTER_CLIENT_ID: &str = "jupyter-smart-on-fhir";
/// Where `jupyter-smart-on-fhir` receives the authorization code.
pub const JUPYTER_REDIRECT_URI: &str = "http://localhost:8888/smart-on-fhir/callback";

struct DemoStudy {
    id: i64,
    name: &'static str,
    description: &'static str,
    organization: i64,
    scopes: &'static [i64],
    sources: &'static [i64],
    /// Names of patient apps linked to the study.
    clients: &'static [&'static str],
    /// (patient, consented scopes), in enrolment order.
    enrolments: &'static [(i64, &'static [i64])],
}

const STUDIES: &[DemoStudy] = &[
    DemoStudy {
        id: 30001,
        name: "Lifespan Study on BP & HR",
        description: "Blood Pressure & Heart Rate",
        organization: 20003,
        scopes: &[BP, HR, QR],
        sources: &[70001, 70005],
        clients: &["CareX", "Patient Access"],
        enrolments: &[(40001, &[BP, HR, QR]), (40002, &[BP, HR, QR])],
    },
    DemoStudy {
        id: 30002,
        name: "Lifespan Study on BP",
        description: "Blood Pressure",
        organization: 20003,
        scopes: &[BP, QR],
        sources: &[70001, 70005],
        clients: &["CareX"],
        enrolments: &[(40001, &[]), (40002, &[BP, QR])],
    },
    DemoStudy {
        id: 30003,
        name: "Cardiology Div Study on BGL",
        description: "Blood Glucose",
        organization: 20006,
        scopes: &[BG],
        sources: &[70002],
        clients: &["CommonHealth"],
        enrolments: &[(40005, &[BG])],
    },
    DemoStudy {
        id: 30004,
        name: "Nep Pulse Lab Study on BT",
        description: "Body Temperature",
        organization: 20007,
        scopes: &[BT],
        sources: &[70003],
        clients: &["CommonHealth"],
        enrolments: &[(40003, &[BT])],
    },
    DemoStudy {
        id: 30005,
        name: "Cosmic Cardio Lab Study on O2",
        description: "Oxygen Saturation",
        organization: 20008,
        scopes: &[O2],
        sources: &[],
        clients: &[],
        enrolments: &[(40004, &[O2]), (40005, &[O2])],
    },
];

/// The demo observations: (id, patient, scope). One per consented measurement scope per enrolment.
const OBSERVATIONS: &[(i64, i64, i64)] = &[
    (60001, 40002, BP),
    (60002, 40002, BP),
    (60003, 40001, BP),
    (60004, 40002, HR),
    (60005, 40001, HR),
    (60006, 40005, BG),
    (60007, 40003, BT),
    (60008, 40005, O2),
    (60009, 40004, O2),
];

/// Practitioners' remembered UI selections: (practitioner, organization, study).
const PRACTITIONER_SETTINGS: &[(i64, i64, i64)] = &[
    (80002, 20003, 30001),
    (80003, 20003, 30001),
    (80004, 20003, 30001),
    (80006, 20007, 30004),
    (80005, 20008, 30005),
];

fn exists<T>(found: QueryResult<T>) -> StoreResult<bool> {
    Ok(found.optional()?.is_some())
}

/// An Open mHealth data point of our own for each demo scope, with a slightly different value per observation.
fn demo_data_point(
    scope: i64,
    index: i64,
    uuid: &str,
    created: DateTime<Utc>,
    effective: DateTime<Utc>,
) -> String {
    let (name, version, body) = match scope {
        BP => (
            "blood-pressure",
            "4.0",
            format!(
                r#""systolic_blood_pressure":{{"value":{},"unit":"mmHg"}},"diastolic_blood_pressure":{{"value":{},"unit":"mmHg"}}"#,
                118 + index * 3,
                76 + index
            ),
        ),
        HR => (
            "heart-rate",
            "2.0",
            format!(
                r#""heart_rate":{{"value":{},"unit":"beats/min"}}"#,
                64 + index * 2
            ),
        ),
        BG => (
            "blood-glucose",
            "4.0",
            format!(
                r#""blood_glucose":{{"value":{},"unit":"mg/dL"}},"specimen_source":"capillary blood","temporal_relationship_to_meal":"fasting""#,
                92 + index
            ),
        ),
        BT => (
            "body-temperature",
            "4.0",
            format!(
                r#""body_temperature":{{"value":36.{},"unit":"C"}},"measurement_location":"oral""#,
                6 + index % 3
            ),
        ),
        _ => (
            "oxygen-saturation",
            "2.0",
            format!(
                r#""oxygen_saturation":{{"value":{},"unit":"%"}},"measurement_method":"pulse oximetry","system":"peripheral capillary""#,
                96 + index % 3
            ),
        ),
    };
    let stamp = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    format!(
        r#"{{"header":{{"uuid":"{uuid}","schema_id":{{"namespace":"omh","name":"{name}","version":"{version}"}},"source_creation_date_time":"{}","modality":"sensed"}},"body":{{{body},"effective_time_frame":{{"date_time":"{}"}}}}}}"#,
        stamp(created),
        stamp(effective)
    )
}

/// Creates whatever part of the demo data set is missing. See the module documentation.
pub fn seed_demo(conn: &mut DbConnection, inputs: &mut SeedInputs<'_>) -> StoreResult<SeedReport> {
    let now = inputs.now;
    let mut report = SeedReport::default();
    write_transaction(conn, |conn| {
        seed_settings(conn, inputs.site_url, now, &mut report)?;
        for &(id, system, code, text) in SCOPE_CODES {
            if !exists(
                codeable_concepts::table
                    .find(id)
                    .select(codeable_concepts::id)
                    .first::<i64>(conn),
            )? {
                vocabulary::create_scope_code(
                    conn,
                    &NewScopeCode {
                        id: Some(ScopeCodeId(id)),
                        coding_system: system.into(),
                        coding_code: code.into(),
                        text: text.into(),
                    },
                )?;
                report.other += 1;
            }
        }
        for &(id, name, source_type, scopes) in DATA_SOURCES {
            if !exists(
                data_sources::table
                    .find(id)
                    .select(data_sources::id)
                    .first::<i64>(conn),
            )? {
                ds::create_data_source(
                    conn,
                    &NewDataSource {
                        id: Some(DataSourceId(id)),
                        name: name.into(),
                        source_type,
                    },
                    now,
                )?;
                for &scope in scopes {
                    ds::add_supported_scope(conn, DataSourceId(id), ScopeCodeId(scope))?;
                }
                report.other += 1;
            }
        }
        for &(id, name, org_type, part_of) in ORGANIZATIONS {
            if !exists(
                organizations::table
                    .find(id)
                    .select(organizations::id)
                    .first::<i64>(conn),
            )? {
                orgs::create_organization(
                    conn,
                    &NewOrganization {
                        id: Some(OrganizationId(id)),
                        name: name.into(),
                        org_type,
                        part_of: part_of.map(OrganizationId),
                    },
                    now,
                )?;
                report.organizations += 1;
            }
        }
        seed_users(conn, inputs, &mut report)?;
        for &(practitioner, organization, role) in MEMBERSHIPS {
            let current = orgs::memberships_of_practitioner(conn, PractitionerId(practitioner))?;
            if !current
                .iter()
                .any(|m| m.organization_id == OrganizationId(organization))
            {
                orgs::set_membership(
                    conn,
                    Membership {
                        practitioner_id: PractitionerId(practitioner),
                        organization_id: OrganizationId(organization),
                        role,
                    },
                )?;
                report.other += 1;
            }
        }
        for &(patient, organization) in PATIENT_ORGANIZATIONS {
            if !orgs::organizations_of_patient(conn, PatientId(patient))?
                .contains(&OrganizationId(organization))
            {
                orgs::link_patient(
                    conn,
                    PatientOrganization {
                        patient_id: PatientId(patient),
                        organization_id: OrganizationId(organization),
                    },
                )?;
                report.other += 1;
            }
        }
        let peter = PatientId(40001);
        for (system, value) in [
            ("https://openwearables.io/ns/patient-id", "abc123"),
            ("urn:oid:1.2.3.4", "E1234"),
        ] {
            let identifier = Identifier {
                system: system.into(),
                value: value.into(),
            };
            if people::find_patient_by_identifier(conn, &identifier)?.is_none() {
                people::add_patient_identifier(conn, peter, &identifier)?;
                report.other += 1;
            }
        }
        seed_clients(conn, inputs, &mut report)?;
        seed_studies(conn, now, &mut report)?;
        seed_observations(conn, inputs, &mut report)?;
        for &(practitioner, organization, study) in PRACTITIONER_SETTINGS {
            let current = people::get_practitioner(conn, PractitionerId(practitioner))?;
            if current.settings_json == "{}" {
                let settings =
                    format!(r#"{{"current_organization_id":{organization},"current_study_id":{study}}}"#);
                people::set_practitioner_settings(conn, PractitionerId(practitioner), &settings, now)?;
            }
        }
        sync_id_sequences(conn)?;
        Ok(report)
    })
}

fn seed_settings(
    conn: &mut DbConnection,
    site_url: &str,
    now: DateTime<Utc>,
    report: &mut SeedReport,
) -> StoreResult<()> {
    let defaults = [
        ("site.url", SettingValue::String(site_url.into())),
        (
            "site.ui.title",
            SettingValue::String("JupyterHealth Exchange".into()),
        ),
        (
            "site.time_zone",
            SettingValue::String("America/Los_Angeles".into()),
        ),
        (
            "site.registration_invite_code",
            SettingValue::String("jhe".into()),
        ),
        ("auth.default_orgs", SettingValue::String(String::new())),
        ("auth.sso.saml2", SettingValue::Int(0)),
        ("auth.sso.valid_domains", SettingValue::String(String::new())),
        ("auth.patient.invitation_expiration_days", SettingValue::Int(7)),
        (
            "auth.patient.invitation_redemption_window_hours",
            SettingValue::Int(12),
        ),
        ("auth.patient_access_clients", SettingValue::Json("[]".into())),
        ("module.ow", SettingValue::Bool(false)),
    ];
    for (key, value) in defaults {
        if settings::get_setting(conn, key)?.is_none() {
            settings::put_setting(conn, key, &value, now)?;
            report.other += 1;
        }
    }
    Ok(())
}

fn seed_users(
    conn: &mut DbConnection,
    inputs: &mut SeedInputs<'_>,
    report: &mut SeedReport,
) -> StoreResult<()> {
    let now = inputs.now;
    for user in USERS {
        if exists(users::table.find(user.id).select(users::id).first::<i64>(conn))? {
            continue;
        }
        let first_name = first_name_of(user.email);
        let user_type = match user.profile {
            Profile::Practitioner(_) => UserType::Practitioner,
            Profile::Patient { .. } => UserType::Patient,
        };
        people::create_user(
            conn,
            &NewUser {
                id: Some(UserId(user.id)),
                email: user.email.into(),
                password_hash: Some((inputs.hash_demo_password)()),
                first_name: first_name.clone(),
                last_name: user.last_name.into(),
                identifier: user.identifier.into(),
                user_type: Some(user_type),
                is_superuser: user.email == "admin@example.com",
            },
            now,
        )?;
        report.users += 1;
        let name_family = (!user.last_name.is_empty()).then(|| user.last_name.to_owned());
        let name_given = (!first_name.is_empty()).then_some(first_name);
        match user.profile {
            Profile::Practitioner(id) => {
                if !exists(
                    practitioners::table
                        .find(id)
                        .select(practitioners::id)
                        .first::<i64>(conn),
                )? {
                    people::create_practitioner(
                        conn,
                        &NewPractitioner {
                            id: Some(PractitionerId(id)),
                            user_id: UserId(user.id),
                            identifier: (!user.identifier.is_empty()).then(|| user.identifier.to_owned()),
                            name_family,
                            name_given,
                        },
                        now,
                    )?;
                }
            }
            Profile::Patient {
                id,
                birth: (y, m, d),
                phone,
            } => {
                if !exists(patients::table.find(id).select(patients::id).first::<i64>(conn))? {
                    people::create_patient(
                        conn,
                        &NewPatient {
                            id: Some(PatientId(id)),
                            user_id: Some(UserId(user.id)),
                            name_family,
                            name_given,
                            birth_date: NaiveDate::from_ymd_opt(y, m, d),
                            telecom_phone: Some(phone.into()),
                        },
                        now,
                    )?;
                }
            }
        }
    }
    Ok(())
}

fn public_client(client_id: String, name: &str, redirect_uri: String) -> NewOAuthClient {
    NewOAuthClient {
        id: None,
        client_id,
        client_secret_hash: None,
        client_type: ClientType::Public,
        grant_type: GrantType::AuthorizationCode,
        redirect_uris: vec![redirect_uri],
        post_logout_redirect_uris: vec![],
        allowed_origins: vec![],
        skip_authorization: true,
        name: name.into(),
        owner_user_id: None,
    }
}

fn seed_clients(
    conn: &mut DbConnection,
    inputs: &mut SeedInputs<'_>,
    report: &mut SeedReport,
) -> StoreResult<()> {
    let now = inputs.now;
    let callback = format!("{}/auth/callback", inputs.site_url);
    for &(name, invitation_url, sources) in PATIENT_APPS {
        if clients::find_client_by_name(conn, name)?.is_some() {
            continue;
        }
        let client = clients::create_client(
            conn,
            &public_client((inputs.random_client_id)(), name, callback.clone()),
            now,
        )?;
        clients::set_patient_client(
            conn,
            &PatientClient {
                client_id: client.id,
                invitation_url: invitation_url.into(),
                aux_data_json: "{}".into(),
            },
        )?;
        for &source in sources {
            clients::add_client_data_source(conn, client.id, DataSourceId(source))?;
        }
        report.other += 1;
    }
    if clients::find_client_by_client_id(conn, WEB_UI_CLIENT_ID)?.is_none() {
        let mut ui = public_client(WEB_UI_CLIENT_ID.into(), WEB_UI_CLIENT_NAME, callback);
        ui.allowed_origins = vec![inputs.site_url.into()];
        ui.post_logout_redirect_uris = vec![format!("{}/", inputs.site_url)];
        clients::create_client(conn, &ui, now)?;
        report.other += 1;
    }
    if clients::find_client_by_client_id(conn, JUPYTER_CLIENT_ID)?.is_none() {
        let jupyter = public_client(
            JUPYTER_CLIENT_ID.into(),
            "Jupyter (SMART on FHIR)",
            JUPYTER_REDIRECT_URI.into(),
        );
        clients::create_client(conn, &jupyter, now)?;
        report.other += 1;
    }
    Ok(())
}

fn seed_studies(conn: &mut DbConnection, now: DateTime<Utc>, report: &mut SeedReport) -> StoreResult<()> {
    for study in STUDIES {
        if exists(
            studies::table
                .find(study.id)
                .select(studies::id)
                .first::<i64>(conn),
        )? {
            continue;
        }
        let id = StudyId(study.id);
        st::create_study(
            conn,
            &NewStudy {
                id: Some(id),
                name: study.name.into(),
                description: study.description.into(),
                organization_id: OrganizationId(study.organization),
                icon_url: None,
            },
            now,
        )?;
        report.studies += 1;
        for &scope in study.scopes {
            st::add_scope_request(conn, id, ScopeCodeId(scope))?;
        }
        for &source in study.sources {
            st::add_study_data_source(conn, id, DataSourceId(source))?;
        }
        for name in study.clients {
            if let Some(client) = clients::find_client_by_name(conn, name)? {
                st::add_study_client(conn, id, client.id)?;
            }
        }
        for &(patient, consented) in study.enrolments {
            let patient = PatientId(patient);
            let enrolment = st::enrol_patient(conn, id, patient)?;
            for &scope in consented {
                let scope = ScopeCodeId(scope);
                consents::insert_consent(
                    conn,
                    &NewConsent {
                        enrolment_id: enrolment.id,
                        scope_code_id: scope,
                        state: ConsentState::Consented,
                        decided_at: now,
                    },
                )?;
                let actor = people::get_patient(conn, patient)?.user_id;
                consents::append_consent_history(
                    conn,
                    &NewConsentHistoryEntry {
                        study_id: id,
                        patient_id: patient,
                        scope_code_id: scope,
                        from_state: None,
                        to_state: Some(ConsentState::Consented),
                        actor_user_id: actor,
                        occurred_at: now,
                    },
                )?;
            }
        }
    }
    Ok(())
}

fn seed_observations(
    conn: &mut DbConnection,
    inputs: &mut SeedInputs<'_>,
    report: &mut SeedReport,
) -> StoreResult<()> {
    let now = inputs.now;
    let mut missing = Vec::new();
    for (index, &(id, patient, scope)) in OBSERVATIONS.iter().enumerate() {
        if exists(
            observations::table
                .find(id)
                .select(observations::id)
                .first::<i64>(conn),
        )? {
            continue;
        }
        let offset = i64::try_from(index).unwrap_or_default();
        let effective = now - Duration::hours(2 * (9 - offset));
        let uuid = (inputs.random_uuid)();
        missing.push(NewObservation {
            id: Some(ObservationId(id)),
            patient_id: PatientId(patient),
            scope_code_id: ScopeCodeId(scope),
            data_source_id: None,
            omh_data: demo_data_point(scope, offset, &uuid, now, effective),
            status: ObservationStatus::Final,
            effective: Some(EffectiveTime::Instant(effective)),
            identifiers: vec![],
        });
    }
    report.observations += obs::insert_observations(conn, &missing, now)?.len();
    Ok(())
}

/// After rows were inserted with explicit ids, moves PostgreSQL's identity sequences past them so that the next
/// generated id does not collide. (SQLite's AUTOINCREMENT already tracks the largest id.)
pub fn sync_id_sequences(conn: &mut DbConnection) -> StoreResult<()> {
    const TABLES: &[(&str, i64)] = &[
        ("users", 10001),
        ("organizations", 20001),
        ("practitioners", 80001),
        ("patients", 40001),
        ("patient_identifiers", 1),
        ("practitioner_organizations", 1),
        ("patient_organizations", 1),
        ("codeable_concepts", 50001),
        ("studies", 30001),
        ("study_patients", 1),
        ("study_scope_requests", 1),
        ("consents", 1),
        ("consent_history", 1),
        ("data_sources", 70001),
        ("data_source_supported_scopes", 1),
        ("study_data_sources", 1),
        ("oauth_clients", 1),
        ("client_data_sources", 1),
        ("study_clients", 1),
        ("patient_invitations", 101),
        ("settings", 1),
        ("observations", 60001),
        ("observation_identifiers", 1),
        ("audit_events", 1),
    ];
    if let DbConnection::Postgres(pg) = conn {
        let sql: String = TABLES
            .iter()
            .map(|(table, start)| {
                format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                     (SELECT GREATEST(COALESCE(MAX(id), 0) + 1, {start}) FROM {table}), false);"
                )
            })
            .collect();
        pg.batch_execute(&sql)?;
    }
    Ok(())
}
