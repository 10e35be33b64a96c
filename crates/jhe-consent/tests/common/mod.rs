//! The demo seed as facts: the organization tree, roles, patients, studies, enrolments and consents that
//! `docs/consent.md` walks through.
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use jhe_consent::{Facts, Principal};
use jhe_domain::{
    ConsentState, EnrolmentId, OrganizationId, PatientId, PractitionerId, Role, ScopeCodeId, StudyId, UserId,
};

pub const ROOT: OrganizationId = OrganizationId(0);
pub const PLANETARY: OrganizationId = OrganizationId(20001);
pub const SATURN: OrganizationId = OrganizationId(20002);
pub const LIFESPAN: OrganizationId = OrganizationId(20003);
pub const NEPTUNE: OrganizationId = OrganizationId(20004);
pub const MEDICINE: OrganizationId = OrganizationId(20005);
pub const CARDIOLOGY: OrganizationId = OrganizationId(20006);
pub const PULSE: OrganizationId = OrganizationId(20007);
pub const COSMIC: OrganizationId = OrganizationId(20008);

pub const BLOOD_GLUCOSE: ScopeCodeId = ScopeCodeId(50001);
pub const BLOOD_PRESSURE: ScopeCodeId = ScopeCodeId(50002);
pub const BODY_TEMPERATURE: ScopeCodeId = ScopeCodeId(50003);
pub const HEART_RATE: ScopeCodeId = ScopeCodeId(50004);
pub const OXYGEN: ScopeCodeId = ScopeCodeId(50005);
pub const QUESTIONNAIRE: ScopeCodeId = ScopeCodeId(50011);
pub const ALL_SCOPES: [ScopeCodeId; 6] = [
    BLOOD_GLUCOSE,
    BLOOD_PRESSURE,
    BODY_TEMPERATURE,
    HEART_RATE,
    OXYGEN,
    QUESTIONNAIRE,
];

pub const BP_HR_STUDY: StudyId = StudyId(30001);
pub const BP_STUDY: StudyId = StudyId(30002);
pub const BG_STUDY: StudyId = StudyId(30003);
pub const BT_STUDY: StudyId = StudyId(30004);
pub const O2_STUDY: StudyId = StudyId(30005);

pub const PETER: PatientId = PatientId(40001);
pub const PAMELA: PatientId = PatientId(40002);
pub const PERCY: PatientId = PatientId(40003);
pub const PAUL: PatientId = PatientId(40004);
pub const PAT: PatientId = PatientId(40005);
pub const ALL_PATIENTS: [PatientId; 5] = [PETER, PAMELA, PERCY, PAUL, PAT];

pub fn seeded_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 9, 0, 0).unwrap()
}

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 2, 10, 30, 0).unwrap()
}

pub fn seed() -> Facts {
    use Role::*;
    let at = seeded_at();
    let consented = ConsentState::Consented;
    Facts::new()
        .organization(ROOT, None)
        .organization(PLANETARY, Some(ROOT))
        .organization(SATURN, Some(PLANETARY))
        .organization(LIFESPAN, Some(SATURN))
        .organization(NEPTUNE, Some(ROOT))
        .organization(MEDICINE, Some(NEPTUNE))
        .organization(CARDIOLOGY, Some(MEDICINE))
        .organization(PULSE, Some(CARDIOLOGY))
        .organization(COSMIC, Some(CARDIOLOGY))
        // Mary
        .membership(PractitionerId(80002), PLANETARY, Manager)
        .membership(PractitionerId(80002), SATURN, Manager)
        .membership(PractitionerId(80002), LIFESPAN, Manager)
        // Megan, Victor
        .membership(PractitionerId(80003), LIFESPAN, Member)
        .membership(PractitionerId(80004), LIFESPAN, Viewer)
        // Tom
        .membership(PractitionerId(80005), LIFESPAN, Viewer)
        .membership(PractitionerId(80005), PULSE, Member)
        .membership(PractitionerId(80005), COSMIC, Manager)
        // Mark
        .membership(PractitionerId(80006), NEPTUNE, Manager)
        .membership(PractitionerId(80006), MEDICINE, Manager)
        .membership(PractitionerId(80006), CARDIOLOGY, Manager)
        .membership(PractitionerId(80006), PULSE, Manager)
        // patients
        .patient_in(PETER, LIFESPAN)
        .patient_in(PAMELA, LIFESPAN)
        .patient_in(PERCY, PULSE)
        .patient_in(PAUL, COSMIC)
        .patient_in(PAT, COSMIC)
        .patient_in(PAT, CARDIOLOGY)
        // studies
        .study(BP_HR_STUDY, LIFESPAN)
        .scope_request(BP_HR_STUDY, BLOOD_PRESSURE)
        .scope_request(BP_HR_STUDY, HEART_RATE)
        .scope_request(BP_HR_STUDY, QUESTIONNAIRE)
        .study(BP_STUDY, LIFESPAN)
        .scope_request(BP_STUDY, BLOOD_PRESSURE)
        .scope_request(BP_STUDY, QUESTIONNAIRE)
        .study(BG_STUDY, CARDIOLOGY)
        .scope_request(BG_STUDY, BLOOD_GLUCOSE)
        .study(BT_STUDY, PULSE)
        .scope_request(BT_STUDY, BODY_TEMPERATURE)
        .study(O2_STUDY, COSMIC)
        .scope_request(O2_STUDY, OXYGEN)
        // enrolments (StudyPatient ids of the seed)
        .enrol(EnrolmentId(1), BP_HR_STUDY, PETER)
        .enrol(EnrolmentId(2), BP_STUDY, PETER)
        .enrol(EnrolmentId(3), BP_HR_STUDY, PAMELA)
        .enrol(EnrolmentId(4), BP_STUDY, PAMELA)
        .enrol(EnrolmentId(5), BT_STUDY, PERCY)
        .enrol(EnrolmentId(6), O2_STUDY, PAUL)
        .enrol(EnrolmentId(7), BG_STUDY, PAT)
        .enrol(EnrolmentId(8), O2_STUDY, PAT)
        // consents; Peter has none in study 30002: both its scopes are pending
        .consent(EnrolmentId(1), BLOOD_PRESSURE, consented, at)
        .consent(EnrolmentId(1), HEART_RATE, consented, at)
        .consent(EnrolmentId(1), QUESTIONNAIRE, consented, at)
        .consent(EnrolmentId(3), BLOOD_PRESSURE, consented, at)
        .consent(EnrolmentId(3), HEART_RATE, consented, at)
        .consent(EnrolmentId(3), QUESTIONNAIRE, consented, at)
        .consent(EnrolmentId(4), BLOOD_PRESSURE, consented, at)
        .consent(EnrolmentId(4), QUESTIONNAIRE, consented, at)
        .consent(EnrolmentId(5), BODY_TEMPERATURE, consented, at)
        .consent(EnrolmentId(6), OXYGEN, consented, at)
        .consent(EnrolmentId(7), BLOOD_GLUCOSE, consented, at)
        .consent(EnrolmentId(8), OXYGEN, consented, at)
}

pub fn admin() -> Principal {
    Principal::superuser(UserId(10001), PractitionerId(80001))
}
pub fn mary() -> Principal {
    Principal::practitioner(UserId(10002), PractitionerId(80002))
}
pub fn megan() -> Principal {
    Principal::practitioner(UserId(10003), PractitionerId(80003))
}
pub fn victor() -> Principal {
    Principal::practitioner(UserId(10004), PractitionerId(80004))
}
pub fn tom() -> Principal {
    Principal::practitioner(UserId(10005), PractitionerId(80005))
}
pub fn mark() -> Principal {
    Principal::practitioner(UserId(10008), PractitionerId(80006))
}
pub fn peter() -> Principal {
    Principal::patient(UserId(10006), PETER)
}
pub fn pamela() -> Principal {
    Principal::patient(UserId(10007), PAMELA)
}
pub fn percy() -> Principal {
    Principal::patient(UserId(10009), PERCY)
}
pub fn paul() -> Principal {
    Principal::patient(UserId(10010), PAUL)
}
pub fn pat() -> Principal {
    Principal::patient(UserId(10011), PAT)
}

/// Every (patient, scope) pair the principal may see observations of, for compact assertions.
pub fn visible_observations(principal: &Principal, facts: &Facts) -> Vec<(PatientId, ScopeCodeId)> {
    let mut seen = Vec::new();
    for patient in ALL_PATIENTS {
        for scope in ALL_SCOPES {
            if jhe_consent::may_see_observation(principal, facts, patient, scope) {
                seen.push((patient, scope));
            }
        }
    }
    seen
}
