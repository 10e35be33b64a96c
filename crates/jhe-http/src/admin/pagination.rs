//! The Django REST framework pagination envelope of the Admin API: `{"count", "next", "previous", "results"}`, with
//! `page` (1-based) and `page_size` / `pageSize`. Two flavours, as in the reference (§0):
//!
//! * [`Flavour::Custom`]: 20 per page by default, `page_size` honoured up to 1000;
//! * [`Flavour::Global`]: always 1000 per page, `page_size` ignored.
//!
//! A page past the last one (or a `page` that is not a positive integer) is 404 `{"detail": "Invalid page."}`;
//! the first page of an empty list is not. Paging happens in SQL: handlers pass [`PageRequest::offset`] and
//! [`PageRequest::limit`] to the store and wrap what comes back with [`PageRequest::envelope`].

use actix_web::HttpRequest;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;

/// Page size when the request names none (custom flavour).
pub const DEFAULT_PAGE_SIZE: i64 = 20;
/// The largest page a request may ask for (custom flavour).
pub const MAX_PAGE_SIZE: i64 = 1000;
/// The fixed page size of the global flavour.
pub const GLOBAL_PAGE_SIZE: i64 = 1000;

/// Which of the reference's two paginators an endpoint uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// 20 by default, `page_size` honoured, at most 1000.
    Custom,
    /// 1000, `page_size` ignored.
    Global,
}

/// The page a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based.
    pub page: i64,
    pub page_size: i64,
}

/// A page of results in the DRF envelope.
#[derive(Debug, Serialize, ToSchema)]
pub struct Paginated<T> {
    /// How many results there are across all pages.
    pub count: i64,
    /// The absolute URL of the next page, or null on the last page.
    pub next: Option<String>,
    /// The absolute URL of the previous page, or null on the first page.
    pub previous: Option<String>,
    pub results: Vec<T>,
}

fn invalid_page() -> ApiError {
    ApiError::NotFound("Invalid page.".into())
}

impl PageRequest {
    /// Reads `page` and `page_size` / `pageSize` from the query string. A `page` that is not a positive integer is
    /// 404; an unusable `page_size` falls back to the default, a too large one to the maximum (as DRF does).
    pub fn from_request(req: &HttpRequest, flavour: Flavour) -> Result<PageRequest, ApiError> {
        let mut page = 1;
        let mut page_size = match flavour {
            Flavour::Custom => DEFAULT_PAGE_SIZE,
            Flavour::Global => GLOBAL_PAGE_SIZE,
        };
        for (name, value) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
            match super::casing::to_snake_case(&name).as_str() {
                "page" => {
                    page = value
                        .trim()
                        .parse::<i64>()
                        .ok()
                        .filter(|p| *p >= 1)
                        .ok_or_else(invalid_page)?;
                }
                "page_size" if flavour == Flavour::Custom => {
                    if let Some(size) = value.trim().parse::<i64>().ok().filter(|s| *s >= 1) {
                        page_size = size.min(MAX_PAGE_SIZE);
                    }
                }
                _ => {}
            }
        }
        Ok(PageRequest { page, page_size })
    }

    /// Rows to skip in SQL.
    pub fn offset(&self) -> i64 {
        self.page.saturating_sub(1).saturating_mul(self.page_size)
    }

    /// Rows to read in SQL.
    pub fn limit(&self) -> i64 {
        self.page_size
    }

    /// The number of the last page for `count` results (1 for an empty list).
    pub fn last_page(&self, count: i64) -> i64 {
        ((count + self.page_size - 1) / self.page_size).max(1)
    }

    /// Wraps one page of results, with links built on `site_url` and the request's path and query (the page number
    /// replaced, every other parameter kept as sent). 404 "Invalid page." when the page is past the last one.
    pub fn envelope<T>(
        &self,
        req: &HttpRequest,
        site_url: &str,
        count: i64,
        results: Vec<T>,
    ) -> Result<Paginated<T>, ApiError> {
        let last = self.last_page(count);
        if self.page > last {
            return Err(invalid_page());
        }
        let link = |page: Option<i64>| page_url(req, site_url, page);
        Ok(Paginated {
            count,
            next: (self.page < last).then(|| link(Some(self.page + 1))),
            previous: (self.page > 1).then(|| link((self.page > 2).then_some(self.page - 1))),
            results,
        })
    }
}

/// The request's URL with `page` set to `page`, or removed for `None` (DRF links to the first page without it).
fn page_url(req: &HttpRequest, site_url: &str, page: Option<i64>) -> String {
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let position = pairs.iter().position(|(k, _)| k == "page");
    match (page, position) {
        (Some(page), Some(i)) => pairs[i].1 = page.to_string(),
        (Some(page), None) => pairs.push(("page".into(), page.to_string())),
        (None, _) => pairs.retain(|(k, _)| k != "page"),
    }
    let mut url = format!("{}{}", site_url.trim_end_matches('/'), req.path());
    if !pairs.is_empty() {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(pairs);
        url.push('?');
        url.push_str(&query.finish());
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn request(uri: &str) -> HttpRequest {
        TestRequest::get().uri(uri).to_http_request()
    }

    #[test]
    fn defaults_and_limits_follow_the_flavour() {
        let custom = PageRequest::from_request(&request("/x"), Flavour::Custom).unwrap();
        assert_eq!((custom.page, custom.page_size), (1, 20));
        let big = PageRequest::from_request(&request("/x?pageSize=5000"), Flavour::Custom).unwrap();
        assert_eq!(big.page_size, 1000);
        let junk = PageRequest::from_request(&request("/x?page_size=abc"), Flavour::Custom).unwrap();
        assert_eq!(junk.page_size, 20);
        let global = PageRequest::from_request(&request("/x?page_size=3"), Flavour::Global).unwrap();
        assert_eq!(global.page_size, 1000);
    }

    #[test]
    fn a_page_that_is_not_a_positive_integer_is_invalid() {
        for uri in ["/x?page=0", "/x?page=-1", "/x?page=two"] {
            let err = PageRequest::from_request(&request(uri), Flavour::Custom).unwrap_err();
            assert!(
                matches!(err, ApiError::NotFound(ref m) if m == "Invalid page."),
                "{uri}"
            );
        }
    }

    #[test]
    fn links_keep_the_query_and_replace_the_page() {
        let req = request("/api/v1/observations?organizationId=20003&page=2&pageSize=3");
        let page = PageRequest::from_request(&req, Flavour::Custom).unwrap();
        let env = page
            .envelope(&req, "http://localhost:8000", 8, vec![1, 2, 3])
            .unwrap();
        assert_eq!(
            env.next.as_deref(),
            Some("http://localhost:8000/api/v1/observations?organizationId=20003&page=3&pageSize=3")
        );
        assert_eq!(
            env.previous.as_deref(),
            Some("http://localhost:8000/api/v1/observations?organizationId=20003&pageSize=3")
        );
        let past = PageRequest {
            page: 4,
            page_size: 3,
        };
        assert!(past.envelope(&req, "http://x", 8, Vec::<i32>::new()).is_err());
        let empty = PageRequest {
            page: 1,
            page_size: 3,
        };
        let env = empty.envelope(&req, "http://x", 0, Vec::<i32>::new()).unwrap();
        assert_eq!((env.count, env.next, env.previous), (0, None, None));
    }
}
