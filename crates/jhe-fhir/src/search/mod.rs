//! FHIR search parameters of `GET /FHIR/R5/Observation` and `GET /FHIR/R5/Patient`, parsed into typed requests
//! the store turns into one query; plus paging links and the keyset cursor.
//!
//! Input is the decoded `(name, value)` pairs of the query string ([`parse_query_string`] if the HTTP layer has
//! only the raw string). Names are matched ignoring case, `_` and `-` (except a leading `_`), so the camelCase and
//! snake_case spellings the reference accepts are the same parameter: `_lastUpdated` = `_last_updated`,
//! `patient._has:Group:member:_id` = `patient._has:_group:member:_id`.
//!
//! Rules shared by every parameter:
//!
//! * A repeated parameter is an AND, comma-separated values an OR ([`Criteria`]); an empty value is ignored.
//! * Unknown parameters are ignored (FHIR's lenient handling, as in the reference) and listed in `ignored`; with
//!   [`SearchMode::Strict`] (the client sent `Prefer: handling=strict`) they are an error. A known parameter with
//!   a modifier it does not support (`code:text`) is always an error.
//! * Invalid values are a [`SearchError`] with a message for a person (400), except an invalid `_page`, which is
//!   404 `Invalid page.` as in the reference, and an invalid `_count`, which falls back to 20.

mod cursor;
mod links;
mod observation;
mod params;
mod patient;

pub use cursor::{SearchCursor, compare_rows};
pub use links::{cursor_links, encode_query, page_links, self_link};
pub use observation::{ObservationSearch, parse_observation_search};
pub use params::{
    Criteria, DEFAULT_PAGE_SIZE, DateParam, DatePrefix, InstantRange, MAX_PAGE_SIZE, PageRequest, Paging,
    SortField, SortKey, SourceSelector, Summary, TokenParam, parse_query_string, percent_encode,
};
pub use patient::{PatientSearch, parse_patient_search};

use crate::resource::{OperationOutcome, SearchParamCapability, SearchParamType};

/// Whether unknown parameters are ignored or refused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SearchMode {
    /// Ignore them (the default, and the reference's behaviour).
    #[default]
    Lenient,
    /// Refuse them with 400 (`Prefer: handling=strict`).
    Strict,
}

/// Why a search request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    /// A value that cannot be read.
    #[error("Invalid {param} value: '{value}'.{}", hint.as_ref().map(|h| format!(" {h}")).unwrap_or_default())]
    InvalidValue {
        /// The parameter, as the client named it.
        param: String,
        /// The value.
        value: String,
        /// How to write it instead.
        hint: Option<String>,
    },
    /// `_page` is not a positive number, or lies beyond the last page (404).
    #[error("Invalid page.")]
    InvalidPage,
    /// A parameter the server does not know, in strict mode.
    #[error("Unknown search parameter '{0}'.")]
    UnknownParameter(String),
    /// A modifier the parameter does not support.
    #[error("Unsupported modifier ':{modifier}' on search parameter '{param}'.")]
    UnsupportedModifier {
        /// The parameter.
        param: String,
        /// The modifier.
        modifier: String,
    },
    /// Both `_page` and `_cursor`.
    #[error("Use either _page or _cursor, not both.")]
    ConflictingPaging,
    /// A `_cursor` made for another `_sort`.
    #[error("This _cursor continues a different _sort order; start again without _cursor.")]
    CursorMismatch,
}

impl SearchError {
    /// The HTTP status: 404 for [`SearchError::InvalidPage`], 400 otherwise.
    pub const fn status(&self) -> u16 {
        match self {
            SearchError::InvalidPage => 404,
            _ => 400,
        }
    }

    /// The OperationOutcome to answer with.
    pub fn to_operation_outcome(&self) -> OperationOutcome {
        OperationOutcome::error(self.to_string())
    }
}

/// The search parameters of Observation, as the CapabilityStatement lists them; the store implements each.
pub const OBSERVATION_SEARCH_PARAMS: &[SearchParamCapability] = &[
    param(
        "patient",
        SearchParamType::Reference,
        Some("The subject patient: 40001 or Patient/40001."),
    ),
    param(
        "subject",
        SearchParamType::Reference,
        Some("The subject: Patient/40001."),
    ),
    param(
        "patient._has:Group:member:_id",
        SearchParamType::Special,
        Some(
            "Observations of the patients enrolled in this study (Group id), of the data types the study asks for.",
        ),
    ),
    param(
        "patient.organization",
        SearchParamType::Reference,
        Some("Observations of the patients of this organization."),
    ),
    param(
        "code",
        SearchParamType::Token,
        Some(
            "The data type: system|code (https://w3id.org/openmhealth|omh:heart-rate:2.0), system| or a bare code.",
        ),
    ),
    param(
        "date",
        SearchParamType::Date,
        Some("The effective time (the instant, or the start of the period), with eq, gt, ge, lt or le."),
    ),
    param(
        "identifier",
        SearchParamType::Token,
        Some("An identifier of the subject patient (system|value); the value decides, as in the reference."),
    ),
    param("status", SearchParamType::Token, None),
    param("_id", SearchParamType::Token, None),
    param("_lastUpdated", SearchParamType::Date, None),
    param(
        "_source",
        SearchParamType::Uri,
        Some(
            "Omit, or pass https://jupyterhealth.org/jhe, for the exchange's records; other sources match nothing here.",
        ),
    ),
];

/// The search parameters of Patient, as the CapabilityStatement lists them; the store implements each.
pub const PATIENT_SEARCH_PARAMS: &[SearchParamCapability] = &[
    param(
        "identifier",
        SearchParamType::Token,
        Some("system|value; the value decides, as in the reference."),
    ),
    param(
        "patient._has:Group:member:_id",
        SearchParamType::Special,
        Some("Patients enrolled in this study (Group id)."),
    ),
    param(
        "organization",
        SearchParamType::Reference,
        Some("Patients of this organization (also patient.organization)."),
    ),
    param("family", SearchParamType::String, None),
    param("given", SearchParamType::String, None),
    param(
        "name",
        SearchParamType::String,
        Some("Family or given name, starting with the value, any case."),
    ),
    param("birthdate", SearchParamType::Date, None),
    param("_id", SearchParamType::Token, None),
    param("_lastUpdated", SearchParamType::Date, None),
    param(
        "_source",
        SearchParamType::Uri,
        Some(
            "Omit, or pass https://jupyterhealth.org/jhe, for the exchange's records; other sources match nothing here.",
        ),
    ),
];

const fn param(
    name: &'static str,
    param_type: SearchParamType,
    documentation: Option<&'static str>,
) -> SearchParamCapability {
    SearchParamCapability {
        name,
        param_type,
        documentation,
    }
}

/// The form names are compared in: lower case, without `_` and `-` except a leading `_`.
pub(crate) fn normalize_name(name: &str) -> String {
    let (lead, rest) = match name.strip_prefix('_') {
        Some(rest) => ("_", rest),
        None => ("", name),
    };
    let mut out = String::from(lead);
    out.extend(
        rest.chars()
            .filter(|c| *c != '_' && *c != '-')
            .flat_map(char::to_lowercase),
    );
    out
}

/// The normalized name of the study filter.
pub(crate) const HAS_GROUP_MEMBER: &str = "patient.has:group:member:id";

/// A parameter split into its normalized base name and modifier.
pub(crate) struct ParamName<'a> {
    pub raw: &'a str,
    pub base: String,
    pub modifier: Option<String>,
}

impl<'a> ParamName<'a> {
    pub(crate) fn read(raw: &'a str) -> Self {
        let mut normalized = normalize_name(raw);
        // jupyterhealth-client sends the reverse chain without its `patient.` prefix; it means the same filter.
        if normalized == "_has:group:member:id" {
            normalized = HAS_GROUP_MEMBER.to_owned();
        }
        if normalized == HAS_GROUP_MEMBER {
            return ParamName {
                raw,
                base: normalized,
                modifier: None,
            };
        }
        match normalized.split_once(':') {
            Some((base, modifier)) => ParamName {
                raw,
                base: base.to_owned(),
                modifier: Some(modifier.to_owned()),
            },
            None => ParamName {
                raw,
                base: normalized,
                modifier: None,
            },
        }
    }

    pub(crate) fn no_modifier(&self) -> Result<(), SearchError> {
        match &self.modifier {
            None => Ok(()),
            Some(modifier) => Err(SearchError::UnsupportedModifier {
                param: self.raw.split(':').next().unwrap_or(self.raw).to_owned(),
                modifier: modifier.clone(),
            }),
        }
    }
}

/// What every search type shares: `_summary`, `_sort`, `_count`, `_page`, `_cursor`, `_lastUpdated`, `_source`,
/// and the list of ignored parameters.
#[derive(Debug, Default)]
pub(crate) struct CommonParams {
    pub summary: Summary,
    pub sort: Vec<SortKey>,
    pub count: Option<u32>,
    pub page: Option<u32>,
    pub cursor: Option<SearchCursor>,
    pub last_updated: Criteria<DateParam>,
    pub source: SourceSelector,
    pub ignored: Vec<String>,
}

impl CommonParams {
    /// Handles a common parameter; `Ok(false)` when the name is not one.
    pub(crate) fn read(
        &mut self,
        name: &ParamName<'_>,
        value: &str,
        sortable: &[SortField],
        keyset: bool,
    ) -> Result<bool, SearchError> {
        match name.base.as_str() {
            "_summary" => {
                name.no_modifier()?;
                self.summary = match value.trim() {
                    "count" => Summary::Count,
                    "false" | "true" | "data" | "text" => Summary::Full,
                    _ => {
                        return Err(invalid(
                            name.raw,
                            value,
                            Some("Use _summary=count for the number of matches only."),
                        ));
                    }
                };
            }
            "_sort" => {
                name.no_modifier()?;
                self.sort.extend(parse_sort(value, sortable));
            }
            "_count" => {
                name.no_modifier()?;
                self.count = Some(Paging::count_from(value));
            }
            "_page" => {
                name.no_modifier()?;
                self.page = Some(Paging::page_from(value)?);
            }
            "_cursor" if keyset => {
                name.no_modifier()?;
                self.cursor = Some(SearchCursor::decode(value.trim())?);
            }
            "_lastupdated" => {
                name.no_modifier()?;
                self.last_updated.push(dates(value, || SearchError::InvalidValue {
                    param: "_lastUpdated".to_owned(),
                    value: value.to_owned(),
                    hint: None,
                })?);
            }
            "_source" => {
                let below = match name.modifier.as_deref() {
                    None => false,
                    Some("below") => true,
                    Some(_) => {
                        name.no_modifier()?;
                        false
                    }
                };
                self.source = SourceSelector::parse(value.trim(), below);
            }
            "_format" | "_pretty" => {}
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// An unknown parameter: remembered, or refused in strict mode.
    pub(crate) fn unknown(&mut self, raw: &str, mode: SearchMode) -> Result<(), SearchError> {
        match mode {
            SearchMode::Lenient => {
                self.ignored.push(raw.to_owned());
                Ok(())
            }
            SearchMode::Strict => Err(SearchError::UnknownParameter(raw.to_owned())),
        }
    }

    /// The paging, checking `_page` against `_cursor` and the cursor against the order.
    pub(crate) fn paging(&self, primary: SortKey) -> Result<Paging, SearchError> {
        let count = self.count.unwrap_or(DEFAULT_PAGE_SIZE);
        let page = match (&self.page, &self.cursor) {
            (Some(_), Some(_)) => return Err(SearchError::ConflictingPaging),
            (_, Some(cursor)) if cursor.sort != primary => return Err(SearchError::CursorMismatch),
            (_, Some(cursor)) => PageRequest::After(cursor.clone()),
            (Some(page), None) => PageRequest::Number(*page),
            (None, None) => PageRequest::Number(1),
        };
        Ok(Paging { count, page })
    }
}

pub(crate) fn invalid(param: &str, value: &str, hint: Option<&str>) -> SearchError {
    SearchError::InvalidValue {
        param: param.to_owned(),
        value: value.to_owned(),
        hint: hint.map(str::to_owned),
    }
}

pub(crate) const DATE_HINT: &str = "Use an optional prefix (eq, gt, ge, lt, le) and a date such as 2025, 2025-01, 2025-01-02 or 2025-01-02T08:00:00Z.";

/// The comma-separated dates of one parameter.
pub(crate) fn dates(value: &str, error: impl Fn() -> SearchError) -> Result<Vec<DateParam>, SearchError> {
    params::split_escaped(value, ',')
        .iter()
        .map(|v| DateParam::parse(v.trim()).ok_or_else(&error))
        .collect()
}

/// The comma-separated tokens of one parameter.
pub(crate) fn tokens(value: &str) -> Vec<TokenParam> {
    params::split_escaped(value, ',')
        .iter()
        .map(|v| TokenParam::parse(v))
        .collect()
}

/// The comma-separated ids of one parameter, each bare (`40001`) or as a reference to one of `types`
/// (`Patient/40001`).
pub(crate) fn reference_ids<T: From<i64>>(
    name: &ParamName<'_>,
    value: &str,
    types: &[&str],
    hint: &str,
) -> Result<Vec<T>, SearchError> {
    params::split_escaped(value, ',')
        .iter()
        .map(|v| {
            let v = v.trim();
            let id = types
                .iter()
                .find_map(|t| v.strip_prefix(t).and_then(|r| r.strip_prefix('/')))
                .unwrap_or(v);
            id.parse::<i64>()
                .map(T::from)
                .map_err(|_| invalid(name.raw, value, Some(hint)))
        })
        .collect()
}

fn parse_sort(value: &str, sortable: &[SortField]) -> Vec<SortKey> {
    value
        .split(',')
        .filter_map(|key| {
            let key = key.trim();
            let (descending, key) = match key.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, key),
            };
            let field = match normalize_name(key).trim_start_matches('_') {
                "date" => SortField::Date,
                "lastupdated" => SortField::LastUpdated,
                _ => return None,
            };
            sortable.contains(&field).then_some(SortKey { field, descending })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_across_spellings() {
        assert_eq!(normalize_name("_lastUpdated"), "_lastupdated");
        assert_eq!(normalize_name("_last_updated"), "_lastupdated");
        assert_eq!(normalize_name("patient._has:Group:member:_id"), HAS_GROUP_MEMBER);
        assert_eq!(normalize_name("patient._has:_group:member:_id"), HAS_GROUP_MEMBER);
        assert_eq!(
            ParamName::read("_has:Group:member:_id").base,
            HAS_GROUP_MEMBER,
            "jupyterhealth-client's form"
        );
        assert_eq!(normalize_name("birth-date"), "birthdate");
        assert_eq!(normalize_name("_id"), "_id");
        assert_eq!(normalize_name("id"), "id");
    }

    #[test]
    fn sort_keys_are_read_and_unknown_ones_dropped() {
        let all = [SortField::Date, SortField::LastUpdated];
        assert_eq!(
            parse_sort("-date,_lastUpdated,color,-last_updated", &all),
            [
                SortKey {
                    field: SortField::Date,
                    descending: true
                },
                SortKey {
                    field: SortField::LastUpdated,
                    descending: false
                },
                SortKey {
                    field: SortField::LastUpdated,
                    descending: true
                },
            ]
        );
        assert!(parse_sort("date", &[SortField::LastUpdated]).is_empty());
    }

    #[test]
    fn errors_read_well_and_carry_their_status() {
        let e = invalid("patient", "abc", Some("Use a patient id such as 40001."));
        assert_eq!(
            e.to_string(),
            "Invalid patient value: 'abc'. Use a patient id such as 40001."
        );
        assert_eq!(e.status(), 400);
        assert_eq!(SearchError::InvalidPage.status(), 404);
        assert_eq!(
            SearchError::InvalidPage.to_operation_outcome().diagnostics(),
            Some("Invalid page.")
        );
    }
}
