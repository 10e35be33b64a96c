//! Keyset paging: an opaque `_cursor` naming the last row of a page, so the next page is "the rows after it"
//! instead of an ever larger OFFSET.
//!
//! # Order
//!
//! A search is ordered by one [`SortKey`] and then by id in the same direction. Rows without a value (an
//! observation with no effective time, for `date`) come last in both directions. In SQL, with `col` the sort column:
//!
//! ```sql
//! ORDER BY (col IS NULL), col DESC, id DESC      -- descending
//! ORDER BY (col IS NULL), col ASC,  id ASC       -- ascending
//! ```
//!
//! # The rows after a cursor `(v, id0)`
//!
//! | order | cursor value | predicate |
//! |---|---|---|
//! | descending | `v` | `col < v OR (col = v AND id < id0) OR col IS NULL` |
//! | descending | none | `col IS NULL AND id < id0` |
//! | ascending | `v` | `col > v OR (col = v AND id > id0) OR col IS NULL` |
//! | ascending | none | `col IS NULL AND id > id0` |
//!
//! [`SearchCursor::admits`] is the same predicate in Rust; the store's SQL must agree with it.
//!
//! # Encoding
//!
//! The token is base64url (no padding) of `v1|<field>|<asc or desc>|<RFC 3339 value or empty>|<id>`, for example
//! `v1|date|desc|2025-01-01T16:00:00Z|60010`. It is opaque to clients; the version prefix lets the format change.
//! A cursor only continues the order it was made for: using it with another `_sort` is an error.

use std::cmp::Ordering;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, SecondsFormat, Utc};

use super::SearchError;
use super::params::{SortField, SortKey};
use crate::datetime::parse_rfc3339;

/// The position after which the next page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchCursor {
    /// The order the cursor belongs to.
    pub sort: SortKey,
    /// The sort value of the last row of the previous page (`None` for a row without one).
    pub value: Option<DateTime<Utc>>,
    /// The id of that row.
    pub id: i64,
}

impl SearchCursor {
    /// The cursor after a row: its sort value and id, in the order `sort`.
    pub fn after(sort: SortKey, value: Option<DateTime<Utc>>, id: i64) -> Self {
        SearchCursor { sort, value, id }
    }

    /// The opaque token for a `next` link.
    pub fn encode(&self) -> String {
        let field = match self.sort.field {
            SortField::Date => "date",
            SortField::LastUpdated => "lastupdated",
        };
        let direction = if self.sort.descending { "desc" } else { "asc" };
        let value = self
            .value
            .map(|v| v.to_rfc3339_opts(SecondsFormat::AutoSi, true))
            .unwrap_or_default();
        URL_SAFE_NO_PAD.encode(format!("v1|{field}|{direction}|{value}|{}", self.id))
    }

    /// Reads a token made by [`SearchCursor::encode`].
    pub fn decode(token: &str) -> Result<Self, SearchError> {
        let invalid = || SearchError::InvalidValue {
            param: "_cursor".to_owned(),
            value: token.to_owned(),
            hint: Some("Use the _cursor of a next link as it is, or start again without one.".to_owned()),
        };
        let bytes = URL_SAFE_NO_PAD
            .decode(token.trim_end_matches('='))
            .map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let parts: Vec<&str> = text.split('|').collect();
        let [version, field, direction, value, id] = parts.as_slice() else {
            return Err(invalid());
        };
        if *version != "v1" {
            return Err(invalid());
        }
        let field = match *field {
            "date" => SortField::Date,
            "lastupdated" => SortField::LastUpdated,
            _ => return Err(invalid()),
        };
        let descending = match *direction {
            "desc" => true,
            "asc" => false,
            _ => return Err(invalid()),
        };
        let value = match *value {
            "" => None,
            v => Some(parse_rfc3339(v).ok_or_else(invalid)?.with_timezone(&Utc)),
        };
        let id = id.parse().map_err(|_| invalid())?;
        Ok(SearchCursor {
            sort: SortKey { field, descending },
            value,
            id,
        })
    }

    /// Whether a row `(value, id)` comes after the cursor in its order (belongs on a later page).
    pub fn admits(&self, value: Option<DateTime<Utc>>, id: i64) -> bool {
        compare_rows(self.sort, (self.value, self.id), (value, id)) == Ordering::Less
    }
}

/// How two rows `(sort value, id)` compare in the order of `sort`: values in the key's direction with missing
/// values last, then ids in the same direction.
pub fn compare_rows(
    sort: SortKey,
    a: (Option<DateTime<Utc>>, i64),
    b: (Option<DateTime<Utc>>, i64),
) -> Ordering {
    let directed = |o: Ordering| if sort.descending { o.reverse() } else { o };
    let by_value = match (a.0, b.0) {
        (Some(x), Some(y)) => directed(x.cmp(&y)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    by_value.then_with(|| directed(a.1.cmp(&b.1)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    const DATE_DESC: SortKey = SortKey {
        field: SortField::Date,
        descending: true,
    };
    const DATE_ASC: SortKey = SortKey {
        field: SortField::Date,
        descending: false,
    };

    fn t(hour: u32) -> Option<DateTime<Utc>> {
        Some(Utc.with_ymd_and_hms(2025, 1, 1, hour, 0, 0).unwrap())
    }

    #[test]
    fn tokens_round_trip() {
        let cursor = SearchCursor::after(DATE_DESC, t(16), 60010);
        let token = cursor.encode();
        assert!(
            token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_eq!(SearchCursor::decode(&token), Ok(cursor));
        let undated = SearchCursor::after(SortKey::NEWEST_UPDATED_FIRST, None, 7);
        assert_eq!(SearchCursor::decode(&undated.encode()), Ok(undated));
    }

    #[test]
    fn foreign_tokens_are_refused() {
        for token in [
            "",
            "!!",
            "djJ8ZGF0ZXxkZXNjfHwx",
            &URL_SAFE_NO_PAD.encode("v1|date|up||1"),
        ] {
            let err = SearchCursor::decode(token).unwrap_err();
            assert!(err.to_string().starts_with("Invalid _cursor value"), "{err}");
        }
    }

    #[test]
    fn missing_values_come_last_both_ways() {
        let rows = [(t(1), 1), (None, 2), (t(3), 3), (t(3), 4), (None, 5)];
        let mut desc = rows.to_vec();
        desc.sort_by(|a, b| compare_rows(DATE_DESC, *a, *b));
        assert_eq!(desc.iter().map(|r| r.1).collect::<Vec<_>>(), [4, 3, 1, 5, 2]);
        let mut asc = rows.to_vec();
        asc.sort_by(|a, b| compare_rows(DATE_ASC, *a, *b));
        assert_eq!(asc.iter().map(|r| r.1).collect::<Vec<_>>(), [1, 3, 4, 2, 5]);
    }

    #[test]
    fn the_predicate_matches_the_table() {
        let cursor = SearchCursor::after(DATE_DESC, t(3), 4);
        assert!(cursor.admits(t(3), 3));
        assert!(!cursor.admits(t(3), 5));
        assert!(cursor.admits(t(2), 99));
        assert!(!cursor.admits(t(4), 1));
        assert!(cursor.admits(None, 1));
        let in_nulls = SearchCursor::after(DATE_DESC, None, 5);
        assert!(in_nulls.admits(None, 2));
        assert!(!in_nulls.admits(None, 6));
        assert!(!in_nulls.admits(t(1), 1));
    }

    proptest! {
        /// Paging through any rows with cursors visits every row exactly once, in order.
        #[test]
        fn cursor_paging_visits_every_row_once(
            raw in proptest::collection::vec((proptest::option::of(0u32..5), 0i64..1000), 0..40),
            page_size in 1usize..7,
            descending in any::<bool>(),
        ) {
            let sort = SortKey { field: SortField::Date, descending };
            let mut rows: Vec<(Option<DateTime<Utc>>, i64)> = Vec::new();
            for (hour, id) in raw {
                if !rows.iter().any(|r| r.1 == id) {
                    rows.push((hour.and_then(t), id));
                }
            }
            let mut expected = rows.clone();
            expected.sort_by(|a, b| compare_rows(sort, *a, *b));
            let mut seen = Vec::new();
            let mut cursor: Option<SearchCursor> = None;
            loop {
                let mut page: Vec<_> = rows
                    .iter()
                    .filter(|r| cursor.as_ref().is_none_or(|c| c.admits(r.0, r.1)))
                    .copied()
                    .collect();
                page.sort_by(|a, b| compare_rows(sort, *a, *b));
                page.truncate(page_size);
                let Some(last) = page.last().copied() else { break };
                seen.extend(page);
                let token = SearchCursor::after(sort, last.0, last.1).encode();
                cursor = Some(SearchCursor::decode(&token).unwrap());
            }
            prop_assert_eq!(seen, expected);
        }
    }
}
