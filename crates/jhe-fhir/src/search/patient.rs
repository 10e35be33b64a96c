//! `GET /FHIR/R5/Patient` parameters.

use jhe_domain::{OrganizationId, PatientId, StudyId};

use super::params::{Criteria, DateParam, Paging, SortField, SortKey, SourceSelector, Summary, TokenParam};
use super::{
    CommonParams, DATE_HINT, HAS_GROUP_MEMBER, ParamName, SearchError, SearchMode, dates, invalid,
    reference_ids, tokens,
};

/// A parsed Patient search. The store applies every field (AND between fields); the HTTP layer first authorizes
/// every id in `patients`, `studies` and `organizations` for a practitioner. Without `_sort` patients are ordered
/// by family name, then given name, then id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientSearch {
    /// `_id`. Values that are not ids match nothing (no error).
    pub ids: Criteria<PatientId>,
    /// `patient`: the same filter as `_id`, but authorized up front like the other location filters.
    pub patients: Criteria<PatientId>,
    /// `identifier` / `patient.identifier` (the value decides, as in the reference).
    pub identifiers: Criteria<TokenParam>,
    /// `patient._has:Group:member:_id`: enrolled in the study.
    pub studies: Criteria<StudyId>,
    /// `organization` / `patient.organization`: belongs to the organization.
    pub organizations: Criteria<OrganizationId>,
    /// `family`: the family name starts with the value, ignoring case.
    pub family: Criteria<String>,
    /// `given`: the given name starts with the value, ignoring case.
    pub given: Criteria<String>,
    /// `name`: the family or the given name starts with the value, ignoring case.
    pub name: Criteria<String>,
    /// `birthdate`: compared as midnight UTC of the birth date.
    pub birthdate: Criteria<DateParam>,
    /// `_lastUpdated`.
    pub last_updated: Criteria<DateParam>,
    /// `_source`.
    pub source: SourceSelector,
    /// `_summary`.
    pub summary: Summary,
    /// `_sort` (`_lastUpdated` keys only); empty means by name.
    pub sort: Vec<SortKey>,
    /// `_count` and `_page` (no keyset paging for patients).
    pub paging: Paging,
    /// The parameters that were ignored (unknown names), as sent.
    pub ignored: Vec<String>,
}

impl PatientSearch {
    /// Whether no patient can match.
    pub fn matches_nothing(&self) -> bool {
        self.ids.matches_nothing()
            || self.patients.matches_nothing()
            || self.identifiers.matches_nothing()
            || self.studies.matches_nothing()
            || self.organizations.matches_nothing()
            || self.family.matches_nothing()
            || self.given.matches_nothing()
            || self.name.matches_nothing()
            || self.birthdate.matches_nothing()
            || self.last_updated.matches_nothing()
            || self.source != SourceSelector::Native
    }
}

/// Parses the parameters of a Patient search.
pub fn parse_patient_search(
    params: &[(String, String)],
    mode: SearchMode,
) -> Result<PatientSearch, SearchError> {
    let mut common = CommonParams::default();
    let mut search = PatientSearch {
        ids: Criteria::default(),
        patients: Criteria::default(),
        identifiers: Criteria::default(),
        studies: Criteria::default(),
        organizations: Criteria::default(),
        family: Criteria::default(),
        given: Criteria::default(),
        name: Criteria::default(),
        birthdate: Criteria::default(),
        last_updated: Criteria::default(),
        source: SourceSelector::Native,
        summary: Summary::Full,
        sort: Vec::new(),
        paging: Paging::default(),
        ignored: Vec::new(),
    };
    let strings = |value: &str| -> Vec<String> {
        super::params::split_escaped(value, ',')
            .into_iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    };
    for (raw, value) in params {
        if value.trim().is_empty() {
            continue;
        }
        let name = ParamName::read(raw);
        if common.read(&name, value, &[SortField::LastUpdated], false)? {
            continue;
        }
        match name.base.as_str() {
            "_id" => {
                name.no_modifier()?;
                let ids = super::params::split_escaped(value, ',')
                    .iter()
                    .filter_map(|v| v.trim().parse::<i64>().ok().map(PatientId))
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
            "identifier" | "patient.identifier" => {
                name.no_modifier()?;
                search.identifiers.push(tokens(value));
            }
            HAS_GROUP_MEMBER => {
                search.studies.push(reference_ids(
                    &name,
                    value,
                    &["Group"],
                    "Use a study id such as 30001.",
                )?);
            }
            "organization" | "patient.organization" => {
                name.no_modifier()?;
                search.organizations.push(reference_ids(
                    &name,
                    value,
                    &["Organization"],
                    "Use an organization id such as 20003.",
                )?);
            }
            "family" => {
                name.no_modifier()?;
                search.family.push(strings(value));
            }
            "given" => {
                name.no_modifier()?;
                search.given.push(strings(value));
            }
            "name" => {
                name.no_modifier()?;
                search.name.push(strings(value));
            }
            "birthdate" => {
                name.no_modifier()?;
                search
                    .birthdate
                    .push(dates(value, || invalid(name.raw, value, Some(DATE_HINT)))?);
            }
            _ => common.unknown(raw, mode)?,
        }
    }
    search.sort = common.sort.clone();
    let primary = search
        .sort
        .first()
        .copied()
        .unwrap_or(SortKey::NEWEST_UPDATED_FIRST);
    search.paging = common.paging(primary)?;
    search.last_updated = common.last_updated;
    search.source = common.source;
    search.summary = common.summary;
    search.ignored = common.ignored;
    Ok(search)
}
