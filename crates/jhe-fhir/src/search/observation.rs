//! `GET /FHIR/R5/Observation` parameters.

use chrono::{DateTime, Utc};
use jhe_domain::{ObservationId, ObservationStatus, OrganizationId, PatientId, StudyId};

use super::params::{Criteria, DateParam, Paging, SortField, SortKey, SourceSelector, Summary, TokenParam};
use super::{
    CommonParams, DATE_HINT, HAS_GROUP_MEMBER, ParamName, SearchError, SearchMode, dates, invalid,
    reference_ids, tokens,
};

/// A parsed Observation search. The store applies every field (AND between fields); the HTTP layer first
/// authorizes every id in `patients`, `studies` and `organizations` for a practitioner (403
/// [`crate::resource::not_authorized_message`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservationSearch {
    /// `_id`: observation ids. Values that are not ids match nothing (no error), as in the reference.
    pub ids: Criteria<ObservationId>,
    /// `patient` and `subject`: the subject patient.
    pub patients: Criteria<PatientId>,
    /// `patient._has:Group:member:_id`: the subject is enrolled in the study, *and* the observation's scope code is
    /// one the study requests.
    pub studies: Criteria<StudyId>,
    /// `patient.organization`: the subject belongs to the organization.
    pub organizations: Criteria<OrganizationId>,
    /// `identifier` / `patient.identifier`: an identifier of the *subject patient* (as in the reference, which
    /// compares the value only; `system|value` and `|value` both work).
    pub patient_identifiers: Criteria<TokenParam>,
    /// `code`: the scope code's coding. A bare code matches that code in any system (the reference read it as a
    /// system and matched nothing).
    pub codes: Criteria<TokenParam>,
    /// `status`. Codes that are not observation statuses match nothing.
    pub statuses: Criteria<ObservationStatus>,
    /// `date`: compared with the effective time's sort date (the instant, or the start of the period);
    /// observations without an effective time never match.
    pub dates: Criteria<DateParam>,
    /// `_lastUpdated`.
    pub last_updated: Criteria<DateParam>,
    /// `_source`: anything but [`SourceSelector::Native`] matches nothing in the exchange's own store.
    pub source: SourceSelector,
    /// `_summary`.
    pub summary: Summary,
    /// `_sort`, in order; empty means [`SortKey::NEWEST_UPDATED_FIRST`].
    pub sort: Vec<SortKey>,
    /// `_count`, `_page` or `_cursor`.
    pub paging: Paging,
    /// The parameters that were ignored (unknown names), as sent.
    pub ignored: Vec<String>,
}

impl ObservationSearch {
    /// The first sort key (the one a cursor follows): `_sort`'s first key, or newest `_lastUpdated` first.
    pub fn primary_sort(&self) -> SortKey {
        self.sort
            .first()
            .copied()
            .unwrap_or(SortKey::NEWEST_UPDATED_FIRST)
    }

    /// Whether no observation can match, so the store need not be asked for rows (`total` is 0).
    pub fn matches_nothing(&self) -> bool {
        self.ids.matches_nothing()
            || self.patients.matches_nothing()
            || self.studies.matches_nothing()
            || self.organizations.matches_nothing()
            || self.patient_identifiers.matches_nothing()
            || self.codes.matches_nothing()
            || self.statuses.matches_nothing()
            || self.dates.matches_nothing()
            || self.last_updated.matches_nothing()
            || self.source != SourceSelector::Native
    }

    /// Whether one observation's own fields match the parameters that need nothing else (ids, subject, code,
    /// status, dates). Study, organization and patient-identifier filters need the store and are not checked.
    /// This is the definition the store's SQL must agree with, and what tests use.
    pub fn matches_row(
        &self,
        observation: &jhe_domain::Observation,
        coding_system: &str,
        coding_code: &str,
    ) -> bool {
        let sort_date: Option<DateTime<Utc>> = observation.effective.map(|e| e.start());
        self.source == SourceSelector::Native
            && self.ids.matches(|id| *id == observation.id)
            && self.patients.matches(|p| *p == observation.patient_id)
            && self
                .codes
                .matches(|t| t.matches(Some(coding_system), coding_code))
            && self.statuses.matches(|s| *s == observation.status)
            && self.dates.matches(|d| sort_date.is_some_and(|t| d.matches(t)))
            && self.last_updated.matches(|d| d.matches(observation.last_updated))
    }
}

/// Parses the parameters of an Observation search.
pub fn parse_observation_search(
    params: &[(String, String)],
    mode: SearchMode,
) -> Result<ObservationSearch, SearchError> {
    let mut common = CommonParams::default();
    let mut search = ObservationSearch {
        ids: Criteria::default(),
        patients: Criteria::default(),
        studies: Criteria::default(),
        organizations: Criteria::default(),
        patient_identifiers: Criteria::default(),
        codes: Criteria::default(),
        statuses: Criteria::default(),
        dates: Criteria::default(),
        last_updated: Criteria::default(),
        source: SourceSelector::Native,
        summary: Summary::Full,
        sort: Vec::new(),
        paging: Paging::default(),
        ignored: Vec::new(),
    };
    for (raw, value) in params {
        if value.trim().is_empty() {
            continue;
        }
        let name = ParamName::read(raw);
        if common.read(&name, value, &[SortField::Date, SortField::LastUpdated], true)? {
            continue;
        }
        match name.base.as_str() {
            "_id" => {
                name.no_modifier()?;
                let ids = super::params::split_escaped(value, ',')
                    .iter()
                    .filter_map(|v| v.trim().parse::<i64>().ok().map(ObservationId))
                    .collect();
                search.ids.push(ids);
            }
            "patient" => {
                name.no_modifier()?;
                search.patients.push(reference_ids(
                    &name,
                    value,
                    &["Patient"],
                    "Use a patient id such as 40001 or Patient/40001.",
                )?);
            }
            "subject" => {
                name.no_modifier()?;
                search.patients.push(reference_ids(
                    &name,
                    value,
                    &["Patient"],
                    "The subject of an observation is a patient: use Patient/40001.",
                )?);
            }
            HAS_GROUP_MEMBER => {
                search.studies.push(reference_ids(
                    &name,
                    value,
                    &["Group"],
                    "Use a study id such as 30001.",
                )?);
            }
            "patient.organization" => {
                name.no_modifier()?;
                search.organizations.push(reference_ids(
                    &name,
                    value,
                    &["Organization"],
                    "Use an organization id such as 20003.",
                )?);
            }
            "identifier" | "patient.identifier" => {
                name.no_modifier()?;
                search.patient_identifiers.push(tokens(value));
            }
            "code" => {
                name.no_modifier()?;
                search.codes.push(tokens(value));
            }
            "status" => {
                name.no_modifier()?;
                let statuses = tokens(value)
                    .into_iter()
                    .filter_map(|t| t.code.and_then(|c| c.parse::<ObservationStatus>().ok()))
                    .collect();
                search.statuses.push(statuses);
            }
            "date" => {
                name.no_modifier()?;
                search
                    .dates
                    .push(dates(value, || invalid(name.raw, value, Some(DATE_HINT)))?);
            }
            _ => common.unknown(raw, mode)?,
        }
    }
    search.sort = common.sort.clone();
    search.paging = common.paging(search.primary_sort())?;
    search.last_updated = common.last_updated;
    search.source = common.source;
    search.summary = common.summary;
    search.ignored = common.ignored;
    Ok(search)
}
