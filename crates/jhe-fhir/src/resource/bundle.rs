//! Bundle: search results (`searchset`), batch requests and their `batch-response`.

use serde::{Deserialize, Serialize};

use super::datatypes::{BundleTag, Meta};
use super::outcome::OperationOutcome;

/// `Bundle.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BundleType {
    /// A document.
    Document,
    /// A message.
    Message,
    /// A transaction request (processed like a batch by the exchange, as in the reference).
    Transaction,
    /// A transaction's response.
    TransactionResponse,
    /// A batch request.
    Batch,
    /// A batch's response.
    BatchResponse,
    /// A history.
    History,
    /// Search results.
    Searchset,
    /// A set of resources.
    Collection,
    /// A subscription notification.
    SubscriptionNotification,
}

/// `Bundle.link`: `self`, `next`, `previous`, …
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleLink {
    /// `self`, `next`, `previous`, …
    pub relation: String,
    /// The absolute URL.
    pub url: String,
}

impl BundleLink {
    /// A link.
    pub fn new(relation: &str, url: impl Into<String>) -> Self {
        BundleLink {
            relation: relation.to_owned(),
            url: url.into(),
        }
    }
}

/// `Bundle.entry.request` of a batch or transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleEntryRequest {
    /// The HTTP method (`POST`, …), as sent.
    #[serde(default)]
    pub method: String,
    /// The relative URL (`Observation`).
    #[serde(default)]
    pub url: String,
}

/// `Bundle.entry.response` of a batch-response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleEntryResponse {
    /// The status line, `201 Created`.
    pub status: String,
    /// Where the created resource lives, `Observation/60011`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Why the entry failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<OperationOutcome>,
}

/// One `Bundle.entry`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleEntry<R> {
    /// The resource's absolute URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_url: Option<String>,
    /// The resource.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<R>,
    /// What to do with it (batch and transaction requests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<BundleEntryRequest>,
    /// How it went (batch and transaction responses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<BundleEntryResponse>,
}

impl<R> BundleEntry<R> {
    /// A search-result entry.
    pub fn found(full_url: impl Into<String>, resource: R) -> Self {
        BundleEntry {
            full_url: Some(full_url.into()),
            resource: Some(resource),
            request: None,
            response: None,
        }
    }
}

/// A FHIR R5 Bundle whose entries hold resources of type `R` (a resource struct, or `serde_json::Value`).
///
/// `entry` is always written, even when empty, as the reference does (`_summary=count` answers `"entry": []`):
/// clients index it directly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle<R = serde_json::Value> {
    /// Always `Bundle`.
    #[serde(default)]
    pub resource_type: BundleTag,
    /// The logical id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// What kind of bundle.
    #[serde(rename = "type")]
    pub bundle_type: BundleType,
    /// For a searchset, how many resources match in all (not just on this page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Navigation links.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub link: Vec<BundleLink>,
    /// The entries.
    #[serde(default = "Vec::new")]
    pub entry: Vec<BundleEntry<R>>,
}

impl<R> Bundle<R> {
    /// A page of search results: `total` counts every match, `link` comes from
    /// [`crate::search::page_links`] or [`crate::search::cursor_links`].
    pub fn searchset(total: u64, link: Vec<BundleLink>, entry: Vec<BundleEntry<R>>) -> Self {
        Bundle {
            resource_type: BundleTag,
            id: None,
            meta: None,
            bundle_type: BundleType::Searchset,
            total: Some(total),
            link,
            entry,
        }
    }

    /// A batch response with these entries, in the order of the request's entries.
    pub fn batch_response(entry: Vec<BundleEntry<R>>) -> Self {
        Bundle {
            resource_type: BundleTag,
            id: None,
            meta: None,
            bundle_type: BundleType::BatchResponse,
            total: None,
            link: Vec::new(),
            entry,
        }
    }
}
