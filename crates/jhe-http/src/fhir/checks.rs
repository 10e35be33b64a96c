//! The database side of the upload pipeline: the steps of `jhe_fhir::upload` that need the store, answered for one
//! caller. Facts about a patient are loaded once per request; identifiers already claimed earlier in the same
//! Bundle count as taken, so two entries of one batch cannot both create the same identifier.

use std::collections::{HashMap, HashSet};

use jhe_consent::{Access, Facts, Principal};
use jhe_domain::*;
use jhe_fhir::upload::{SubjectAccess, UploadChecks};
use jhe_store::facts::{FactsScope, load_facts};
use jhe_store::{DbConnection, StoreError, data_sources, observations, people, vocabulary};

/// [`UploadChecks`] over a connection, for one caller.
pub(crate) struct StoreChecks<'a> {
    conn: &'a mut DbConnection,
    principal: &'a Principal,
    facts: HashMap<PatientId, Facts>,
    claimed: HashSet<Identifier>,
    // A bundle names the same few patients, devices and codes over and over: ask the database once for each.
    patients: HashMap<PatientId, bool>,
    devices: HashMap<DataSourceId, bool>,
    codes: HashMap<(String, String), Option<ScopeCodeId>>,
    /// Identifiers known to be taken, when the caller looked them up in advance; `None` means ask per entry.
    taken: Option<HashSet<Identifier>>,
}

impl<'a> StoreChecks<'a> {
    pub(crate) fn new(conn: &'a mut DbConnection, principal: &'a Principal) -> Self {
        StoreChecks {
            conn,
            principal,
            facts: HashMap::new(),
            claimed: HashSet::new(),
            patients: HashMap::new(),
            devices: HashMap::new(),
            codes: HashMap::new(),
            taken: None,
        }
    }

    /// Looks up in one query which of `identifiers` are already stored, so that checking a bundle's entries costs
    /// no query per entry.
    pub(crate) fn prefetch_identifiers(&mut self, identifiers: &[Identifier]) -> Result<(), StoreError> {
        self.taken = Some(observations::existing_identifiers(self.conn, identifiers)?);
        Ok(())
    }

    /// Marks identifiers as taken by an entry accepted earlier in the same request.
    pub(crate) fn claim(&mut self, identifiers: &[Identifier]) {
        self.claimed.extend(identifiers.iter().cloned());
    }

    /// The connection, for storing what was accepted.
    pub(crate) fn conn(&mut self) -> &mut DbConnection {
        self.conn
    }

    fn facts(&mut self, patient: PatientId) -> Result<&Facts, StoreError> {
        if !self.facts.contains_key(&patient) {
            let scope = FactsScope {
                practitioner: self.principal.practitioner_id(),
                patients: vec![patient],
                studies: vec![],
            };
            let facts = load_facts(self.conn, &scope)?;
            self.facts.insert(patient, facts);
        }
        self.facts.get(&patient).ok_or(StoreError::NotFound)
    }
}

impl UploadChecks for StoreChecks<'_> {
    type Error = StoreError;

    fn patient_exists(&mut self, patient: PatientId) -> Result<bool, StoreError> {
        if let Some(known) = self.patients.get(&patient) {
            return Ok(*known);
        }
        let exists = match people::get_patient(self.conn, patient) {
            Ok(_) => true,
            Err(StoreError::NotFound) => false,
            Err(e) => return Err(e),
        };
        self.patients.insert(patient, exists);
        Ok(exists)
    }

    fn subject_access(&mut self, patient: PatientId) -> Result<SubjectAccess, StoreError> {
        let own = self.principal.is_own_patient(patient);
        // A SMART-scoped token must allow writing Observations at all.
        if !self
            .principal
            .token_scopes
            .allows(Some("Observation"), Access::Create, own)
        {
            return Ok(if self.principal.practitioner_id().is_some() {
                SubjectAccess::NoPatientAccess
            } else {
                SubjectAccess::SubjectMismatch
            });
        }
        if own {
            return Ok(SubjectAccess::Allowed);
        }
        let Some(practitioner) = self.principal.practitioner_id() else {
            return Ok(SubjectAccess::SubjectMismatch);
        };
        // Writing for a patient takes member or manager as effective role in one of their organizations.
        let role = self.facts(patient)?.role_for_patient(practitioner, patient);
        Ok(if role.is_some_and(|r| r >= Role::Member) {
            SubjectAccess::Allowed
        } else {
            SubjectAccess::NoPatientAccess
        })
    }

    fn personal_device_exists(&mut self, device: DataSourceId) -> Result<bool, StoreError> {
        if let Some(known) = self.devices.get(&device) {
            return Ok(*known);
        }
        let personal = match data_sources::get_data_source(self.conn, device) {
            Ok(source) => source.source_type == DataSourceType::PersonalDevice,
            Err(StoreError::NotFound) => false,
            Err(e) => return Err(e),
        };
        self.devices.insert(device, personal);
        Ok(personal)
    }

    fn identifier_exists(&mut self, identifier: &Identifier) -> Result<bool, StoreError> {
        if self.claimed.contains(identifier) {
            return Ok(true);
        }
        match &self.taken {
            Some(taken) => Ok(taken.contains(identifier)),
            None => Ok(observations::find_observation_by_identifier(self.conn, identifier)?.is_some()),
        }
    }

    fn find_scope_code(&mut self, system: &str, code: &str) -> Result<Option<ScopeCodeId>, StoreError> {
        let key = (system.to_owned(), code.to_owned());
        if let Some(known) = self.codes.get(&key) {
            return Ok(*known);
        }
        let found = vocabulary::find_scope_code(self.conn, system, code)?.map(|c| c.id);
        self.codes.insert(key, found);
        Ok(found)
    }

    fn is_consented(&mut self, patient: PatientId, scope: ScopeCodeId) -> Result<bool, StoreError> {
        // Current consent: enrolled in a study that requests the scope, with a `consented` answer.
        Ok(!self
            .facts(patient)?
            .studies_with_current_consent(patient, scope)
            .is_empty())
    }
}
