//! Bundle: search results (`searchset`), batch requests and their `batch-response`.

use serde::{Deserialize, Serialize};

use super::datatypes::{BundleTag, Meta};
use super::json::{push_string, push_unsigned};
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

/// A searchset Bundle written straight to bytes, one entry at a time: exactly what serde_json writes for
/// [`Bundle::searchset`]`(total, link, entries)` when each entry holds only its resource, without holding the
/// resources. With [`super::write_observation_json`] it serves a page of observations at about a quarter of the
/// cost of building and serializing the resources.
#[derive(Debug)]
pub struct SearchsetJson {
    out: Vec<u8>,
    entries: usize,
}

impl SearchsetJson {
    /// Starts the Bundle, in a buffer of `capacity` bytes (what the whole page is expected to take).
    pub fn new(total: u64, link: &[BundleLink], capacity: usize) -> Self {
        let mut out = Vec::with_capacity(capacity);
        out.extend_from_slice(br#"{"resourceType":"Bundle","type":"searchset","total":"#);
        push_unsigned(&mut out, total);
        if !link.is_empty() {
            out.extend_from_slice(br#","link":["#);
            for (i, l) in link.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(br#"{"relation":"#);
                push_string(&mut out, &l.relation);
                out.extend_from_slice(br#","url":"#);
                push_string(&mut out, &l.url);
                out.push(b'}');
            }
            out.push(b']');
        }
        out.extend_from_slice(br#","entry":["#);
        SearchsetJson { out, entries: 0 }
    }

    /// Adds an entry; `write_resource` appends its resource, one JSON object.
    pub fn entry(&mut self, write_resource: impl FnOnce(&mut Vec<u8>)) {
        if self.entries > 0 {
            self.out.push(b',');
        }
        self.out.extend_from_slice(br#"{"resource":"#);
        write_resource(&mut self.out);
        self.out.push(b'}');
        self.entries += 1;
    }

    /// The finished Bundle.
    pub fn finish(mut self) -> Vec<u8> {
        self.out.extend_from_slice(b"]}");
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_searchset_is_written_as_serde_json_writes_the_bundle(
            total in any::<u64>(),
            links in proptest::collection::vec((".{0,12}", ".{0,40}"), 0..4),
            resources in proptest::collection::vec(proptest::collection::btree_map("[a-z\\\"]{1,6}", any::<i64>(), 0..4), 0..5),
        ) {
            let link: Vec<BundleLink> = links.iter().map(|(r, u)| BundleLink::new(r, u.clone())).collect();
            let resources: Vec<serde_json::Value> = resources.into_iter().map(|m| serde_json::json!(m)).collect();
            let mut ours = SearchsetJson::new(total, &link, 0);
            for resource in &resources {
                ours.entry(|out| serde_json::to_writer(out, resource).unwrap());
            }
            let entries = resources
                .iter()
                .map(|r| BundleEntry { full_url: None, resource: Some(r.clone()), request: None, response: None })
                .collect();
            let bundle: Bundle = Bundle::searchset(total, link, entries);
            prop_assert_eq!(ours.finish(), serde_json::to_vec(&bundle).unwrap());
        }
    }
}
