//! CapabilityStatement: what the server implements, built from a description the caller gives, so it can only say
//! what is true.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::datatypes::{CapabilityStatementTag, CodeableConcept, Coding, Extension};
use crate::datetime::format_instant;

const EXPECTATION_URL: &str = "http://hl7.org/fhir/StructureDefinition/capabilitystatement-expectation";
const SMART_OAUTH_URIS: &str = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";
const RESTFUL_SECURITY_SERVICE: &str = "http://terminology.hl7.org/CodeSystem/restful-security-service";

/// An interaction on a resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TypeInteraction {
    /// `create`.
    Create,
    /// `delete`.
    Delete,
    /// `history-instance`.
    HistoryInstance,
    /// `history-type`.
    HistoryType,
    /// `patch`.
    Patch,
    /// `read`.
    Read,
    /// `search-type`.
    SearchType,
    /// `update`.
    Update,
    /// `vread`.
    Vread,
}

impl TypeInteraction {
    /// The FHIR code.
    pub const fn as_str(self) -> &'static str {
        match self {
            TypeInteraction::Create => "create",
            TypeInteraction::Delete => "delete",
            TypeInteraction::HistoryInstance => "history-instance",
            TypeInteraction::HistoryType => "history-type",
            TypeInteraction::Patch => "patch",
            TypeInteraction::Read => "read",
            TypeInteraction::SearchType => "search-type",
            TypeInteraction::Update => "update",
            TypeInteraction::Vread => "vread",
        }
    }
}

/// The type of a search parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SearchParamType {
    /// A number.
    Number,
    /// A date or date-time, with prefixes.
    Date,
    /// A string (starts-with, case-insensitive).
    String,
    /// A code or identifier, `system|code`.
    Token,
    /// A reference to another resource.
    Reference,
    /// A URI.
    Uri,
    /// Special handling.
    Special,
}

/// A search parameter the server supports for a resource type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchParamCapability {
    /// Its name (`patient`, `date`, `_lastUpdated`, …).
    pub name: &'static str,
    /// Its type.
    pub param_type: SearchParamType,
    /// What it does, when the name alone does not say.
    pub documentation: Option<&'static str>,
}

/// What the server supports for one resource type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceCapability {
    /// The resource type (`Observation`).
    pub resource_type: String,
    /// The interactions.
    pub interactions: Vec<TypeInteraction>,
    /// The search parameters.
    pub search_params: Vec<SearchParamCapability>,
    /// Notes for client developers.
    pub documentation: Option<String>,
}

impl ResourceCapability {
    /// A resource type with nothing supported yet.
    pub fn new(resource_type: impl Into<String>) -> Self {
        ResourceCapability {
            resource_type: resource_type.into(),
            interactions: Vec::new(),
            search_params: Vec::new(),
            documentation: None,
        }
    }

    /// Adds interactions.
    pub fn interactions(mut self, interactions: &[TypeInteraction]) -> Self {
        self.interactions.extend_from_slice(interactions);
        self
    }

    /// Adds search parameters.
    pub fn search_params(mut self, params: &[SearchParamCapability]) -> Self {
        self.search_params.extend_from_slice(params);
        self
    }

    /// Sets the documentation.
    pub fn documentation(mut self, text: impl Into<String>) -> Self {
        self.documentation = Some(text.into());
        self
    }
}

/// Builds a [`CapabilityStatement`] from what is actually implemented.
#[derive(Debug, Clone)]
pub struct CapabilityStatementBuilder {
    base_url: String,
    date: DateTime<Utc>,
    software_name: String,
    software_version: Option<String>,
    documentation: Option<String>,
    oauth: Option<(String, String)>,
    batch: bool,
    resources: Vec<ResourceCapability>,
}

impl CapabilityStatementBuilder {
    /// A statement for the server at `base_url` (the FHIR base, `https://host/FHIR/R5/`), dated `date` (the
    /// process start, so the statement is stable between requests).
    pub fn new(base_url: impl Into<String>, date: DateTime<Utc>) -> Self {
        CapabilityStatementBuilder {
            base_url: base_url.into(),
            date,
            software_name: "JupyterHealth Exchange".to_owned(),
            software_version: None,
            documentation: None,
            oauth: None,
            batch: false,
            resources: Vec::new(),
        }
    }

    /// Names the software (default `JupyterHealth Exchange`) and its version.
    pub fn software(mut self, name: impl Into<String>, version: Option<String>) -> Self {
        self.software_name = name.into();
        self.software_version = version;
        self
    }

    /// Notes about the REST interface as a whole.
    pub fn documentation(mut self, text: impl Into<String>) -> Self {
        self.documentation = Some(text.into());
        self
    }

    /// Declares SMART-on-FHIR OAuth 2.0 security with these absolute endpoint URLs.
    pub fn smart_oauth(mut self, authorize_url: impl Into<String>, token_url: impl Into<String>) -> Self {
        self.oauth = Some((authorize_url.into(), token_url.into()));
        self
    }

    /// Declares the system-level `batch` interaction.
    pub fn batch(mut self) -> Self {
        self.batch = true;
        self
    }

    /// Adds a resource type.
    pub fn resource(mut self, resource: ResourceCapability) -> Self {
        self.resources.push(resource);
        self
    }

    /// The statement: resource types sorted by name, their interactions sorted by code, each interaction and
    /// search parameter marked `SHALL`.
    pub fn build(self) -> CapabilityStatement {
        let shall = || {
            vec![Extension {
                url: EXPECTATION_URL.to_owned(),
                value_code: Some("SHALL".into()),
                ..Extension::default()
            }]
        };
        let mut resources = self.resources;
        resources.sort_by(|a, b| a.resource_type.cmp(&b.resource_type));
        let resource = resources
            .into_iter()
            .map(|r| {
                let mut interactions = r.interactions;
                interactions.sort_by_key(|i| i.as_str());
                interactions.dedup();
                RestResource {
                    resource_type: r.resource_type,
                    documentation: r.documentation,
                    interaction: interactions
                        .into_iter()
                        .map(|i| Interaction {
                            code: i.as_str().to_owned(),
                            extension: shall(),
                        })
                        .collect(),
                    search_param: r
                        .search_params
                        .into_iter()
                        .map(|p| SearchParam {
                            name: p.name.to_owned(),
                            param_type: p.param_type,
                            documentation: p.documentation.map(str::to_owned),
                            extension: shall(),
                        })
                        .collect(),
                }
            })
            .collect();
        let security = self.oauth.map(|(authorize, token)| Security {
            extension: vec![Extension {
                url: SMART_OAUTH_URIS.to_owned(),
                extension: vec![
                    Extension { url: "authorize".into(), value_uri: Some(authorize), ..Extension::default() },
                    Extension { url: "token".into(), value_uri: Some(token), ..Extension::default() },
                ],
                ..Extension::default()
            }],
            service: vec![CodeableConcept::coded(Coding::new(RESTFUL_SECURITY_SERVICE, "SMART-on-FHIR"))],
            description: Some(
                "OAuth 2.0 (SMART-on-FHIR) bearer tokens. Unauthorized requests are rejected with 401, 403, or 404."
                    .to_owned(),
            ),
        });
        let interaction = if self.batch {
            vec![Interaction {
                code: "batch".to_owned(),
                extension: shall(),
            }]
        } else {
            Vec::new()
        };
        CapabilityStatement {
            resource_type: CapabilityStatementTag,
            status: "active".to_owned(),
            date: format_instant(self.date),
            kind: "instance".to_owned(),
            software: Software {
                name: self.software_name.clone(),
                version: self.software_version,
            },
            implementation: Implementation {
                description: self.software_name,
                url: self.base_url,
            },
            fhir_version: "5.0.0".to_owned(),
            format: vec!["json".to_owned()],
            rest: vec![Rest {
                mode: "server".to_owned(),
                documentation: self.documentation,
                security,
                interaction,
                resource,
            }],
        }
    }
}

/// `CapabilityStatement` (kind `instance`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapabilityStatement {
    /// Always `CapabilityStatement`.
    pub resource_type: CapabilityStatementTag,
    /// `active`.
    pub status: String,
    /// When the statement was made.
    pub date: String,
    /// `instance`.
    pub kind: String,
    /// The software.
    pub software: Software,
    /// This installation.
    pub implementation: Implementation,
    /// `5.0.0`.
    pub fhir_version: String,
    /// `json`.
    pub format: Vec<String>,
    /// The REST interface.
    pub rest: Vec<Rest>,
}

/// `CapabilityStatement.software`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Software {
    /// Its name.
    pub name: String,
    /// Its version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// `CapabilityStatement.implementation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Implementation {
    /// What it is.
    pub description: String,
    /// The FHIR base URL.
    pub url: String,
}

/// `CapabilityStatement.rest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rest {
    /// `server`.
    pub mode: String,
    /// Notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<String>,
    /// How clients authenticate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<Security>,
    /// System-level interactions (`batch`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interaction: Vec<Interaction>,
    /// Resource types.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource: Vec<RestResource>,
}

/// `CapabilityStatement.rest.security`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Security {
    /// The SMART OAuth endpoints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// `SMART-on-FHIR`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service: Vec<CodeableConcept>,
    /// Notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// An interaction with its expectation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interaction {
    /// The interaction's code.
    pub code: String,
    /// The `SHALL` expectation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
}

/// `CapabilityStatement.rest.resource`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestResource {
    /// The resource type.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// Notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<String>,
    /// The interactions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interaction: Vec<Interaction>,
    /// The search parameters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub search_param: Vec<SearchParam>,
}

/// `CapabilityStatement.rest.resource.searchParam`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchParam {
    /// Its name.
    pub name: String,
    /// Its type.
    #[serde(rename = "type")]
    pub param_type: SearchParamType,
    /// Notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<String>,
    /// The `SHALL` expectation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
}

/// The statement for what this crate parses and renders: `Observation` (create, read, search-type) and `Patient`
/// (read, search-type) with exactly the search parameters of [`crate::search::OBSERVATION_SEARCH_PARAMS`] and
/// [`crate::search::PATIENT_SEARCH_PARAMS`], the `batch` interaction and SMART OAuth security. The HTTP layer adds
/// resource types it implements beyond these with [`CapabilityStatementBuilder::resource`] before building.
pub fn core_capability_statement(
    base_url: &str,
    date: DateTime<Utc>,
    authorize_url: &str,
    token_url: &str,
) -> CapabilityStatementBuilder {
    use TypeInteraction::{Create, Read, SearchType};
    CapabilityStatementBuilder::new(base_url, date)
        .documentation(
            "Searches support _count (default 20, at most 1000), _page (1-based) or _cursor (opaque, from a next \
             link), _sort (date, _lastUpdated; '-' for descending) and _summary=count. Unknown search parameters \
             are ignored unless the request sends 'Prefer: handling=strict'.",
        )
        .smart_oauth(authorize_url, token_url)
        .batch()
        .resource(
            ResourceCapability::new("Observation")
                .interactions(&[Create, Read, SearchType])
                .search_params(crate::search::OBSERVATION_SEARCH_PARAMS)
                .documentation(
                    "Open mHealth observations: code.coding names the data type with system \
                     https://w3id.org/openmhealth (or https://w3id.org/ieee1752), and valueAttachment carries the \
                     whole data point as base64 JSON (contentType application/json). Uploads need subject \
                     Patient/<id>, device Device/<personal device id>, exactly one coding, and the patient's \
                     consent for that data type in one of their studies.",
                ),
        )
        .resource(
            ResourceCapability::new("Patient")
                .interactions(&[Read, SearchType])
                .search_params(crate::search::PATIENT_SEARCH_PARAMS),
        )
}
