//! The `link` of a searchset Bundle.
//!
//! `self` is the request URL as received. `previous` and `next` are rebuilt from the endpoint and the request's
//! parameters sorted by name (values of a repeated parameter keep their order), without `_page` and `_cursor`,
//! then with the new `_page` (left out for page 1, as the reference does) or `_cursor`.

use super::cursor::SearchCursor;
use super::params::percent_encode;
use super::{Paging, normalize_name};
use crate::resource::BundleLink;

/// The links of a numbered page: `self`, then `previous` when this is not the first page, then `next` when more
/// results follow. For `_summary=count` use only [`self_link`].
pub fn page_links(
    endpoint: &str,
    self_url: &str,
    params: &[(String, String)],
    paging: &Paging,
    total: u64,
) -> Vec<BundleLink> {
    let mut links = vec![self_link(self_url)];
    let Some(page) = paging.page_number() else {
        return links;
    };
    if page > 1 {
        links.push(BundleLink::new(
            "previous",
            page_url(
                endpoint,
                params,
                "_page",
                (page > 2).then(|| (page - 1).to_string()),
            ),
        ));
    }
    let shown = u64::from(page) * u64::from(paging.count);
    if shown < total {
        links.push(BundleLink::new(
            "next",
            page_url(endpoint, params, "_page", Some((page + 1).to_string())),
        ));
    }
    links
}

/// The links of a keyset page: `self`, and `next` with the cursor after the page's last row when more rows follow
/// it (`next` is `None` on the last page). Keyset paging goes forwards only.
pub fn cursor_links(
    endpoint: &str,
    self_url: &str,
    params: &[(String, String)],
    next: Option<&SearchCursor>,
) -> Vec<BundleLink> {
    let mut links = vec![self_link(self_url)];
    if let Some(cursor) = next {
        links.push(BundleLink::new(
            "next",
            page_url(endpoint, params, "_cursor", Some(cursor.encode())),
        ));
    }
    links
}

/// The `self` link.
pub fn self_link(self_url: &str) -> BundleLink {
    BundleLink::new("self", self_url)
}

fn page_url(endpoint: &str, params: &[(String, String)], key: &str, value: Option<String>) -> String {
    let mut kept: Vec<(String, String)> = params
        .iter()
        .filter(|(name, _)| !matches!(normalize_name(name).as_str(), "_page" | "_cursor"))
        .cloned()
        .collect();
    if let Some(value) = value {
        kept.push((key.to_owned(), value));
    }
    kept.sort_by(|a, b| a.0.cmp(&b.0));
    let query = encode_query(&kept);
    if query.is_empty() {
        endpoint.to_owned()
    } else {
        format!("{endpoint}?{query}")
    }
}

/// `name=value&…`, form-encoded, in the order given.
pub fn encode_query(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(name, value)| format!("{}={}", percent_encode(name), percent_encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::{PageRequest, SortKey};

    const ENDPOINT: &str = "http://localhost:8000/FHIR/R5/Observation";

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_middle_page_links_both_ways_with_sorted_parameters() {
        let request = params(&[
            ("patient._has:Group:member:_id", "30001"),
            ("_count", "1"),
            ("_page", "2"),
        ]);
        let paging = Paging {
            count: 1,
            page: PageRequest::Number(2),
        };
        let self_url = format!("{ENDPOINT}?patient._has%3AGroup%3Amember%3A_id=30001&_count=1&_page=2");
        let links = page_links(ENDPOINT, &self_url, &request, &paging, 5);
        let relations: Vec<&str> = links.iter().map(|l| l.relation.as_str()).collect();
        assert_eq!(relations, ["self", "previous", "next"]);
        assert_eq!(links[0].url, self_url);
        assert_eq!(
            links[1].url,
            format!("{ENDPOINT}?_count=1&patient._has%3AGroup%3Amember%3A_id=30001")
        );
        assert_eq!(
            links[2].url,
            format!("{ENDPOINT}?_count=1&_page=3&patient._has%3AGroup%3Amember%3A_id=30001")
        );
    }

    #[test]
    fn the_last_page_has_no_next_and_the_first_no_previous() {
        let request = params(&[("_count", "10"), ("_page", "11")]);
        let paging = Paging {
            count: 10,
            page: PageRequest::Number(11),
        };
        let links = page_links(ENDPOINT, "self", &request, &paging, 101);
        let relations: Vec<&str> = links.iter().map(|l| l.relation.as_str()).collect();
        assert_eq!(relations, ["self", "previous"]);
        assert_eq!(links[1].url, format!("{ENDPOINT}?_count=10&_page=10"));
        let first = page_links(ENDPOINT, "self", &params(&[]), &Paging::default(), 21);
        assert_eq!(first[1].relation, "next");
        assert_eq!(first[1].url, format!("{ENDPOINT}?_page=2"));
        assert_eq!(page_links(ENDPOINT, "self", &[], &Paging::default(), 20).len(), 1);
    }

    #[test]
    fn cursor_pages_link_forwards_only() {
        let request = params(&[("_cursor", "old"), ("patient", "40001"), ("_sort", "-date")]);
        let cursor = SearchCursor::after(SortKey::NEWEST_UPDATED_FIRST, None, 3);
        let links = cursor_links(ENDPOINT, "self", &request, Some(&cursor));
        assert_eq!(links.len(), 2);
        assert_eq!(
            links[1].url,
            format!("{ENDPOINT}?_cursor={}&_sort=-date&patient=40001", cursor.encode())
        );
        assert_eq!(cursor_links(ENDPOINT, "self", &request, None).len(), 1);
    }
}
