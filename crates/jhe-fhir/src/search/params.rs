//! Typed values of search parameters: tokens, dates, AND/OR lists, sorting, paging, and the query string itself.

use std::fmt;

use chrono::{DateTime, Duration, FixedOffset, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

use super::SearchError;
use super::cursor::SearchCursor;
use crate::datetime::parse_full_date;

/// The values of one search parameter: every group must match (repeated parameter = AND), and within a group any
/// value may match (comma-separated values = OR). No groups means no constraint; an empty group (all its values
/// unusable, such as `_id=abc`) matches nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criteria<T> {
    groups: Vec<Vec<T>>,
}

impl<T> Default for Criteria<T> {
    fn default() -> Self {
        Criteria { groups: Vec::new() }
    }
}

impl<T> Criteria<T> {
    /// Whether the parameter was not given at all.
    pub fn is_unconstrained(&self) -> bool {
        self.groups.is_empty()
    }

    /// The groups: AND between them, OR within each.
    pub fn groups(&self) -> &[Vec<T>] {
        &self.groups
    }

    /// Every value of every group (for example every patient id a search names, to authorize them up front).
    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.groups.iter().flatten()
    }

    /// Whether no row can match (some group has no usable value).
    pub fn matches_nothing(&self) -> bool {
        self.groups.iter().any(Vec::is_empty)
    }

    /// Whether a row matches, given how one value matches it: every group has a value that does.
    pub fn matches(&self, mut value_matches: impl FnMut(&T) -> bool) -> bool {
        self.groups
            .iter()
            .all(|group| group.iter().any(&mut value_matches))
    }

    pub(crate) fn push(&mut self, group: Vec<T>) {
        self.groups.push(group);
    }
}

/// Splits a parameter value at unescaped `sep`. At the comma level only `\,` is resolved, so escapes meant for
/// the inner `|` split survive it; at the `|` level every `\x` becomes `x`.
pub(crate) fn split_escaped(text: &str, sep: char) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == sep {
            parts.push(String::new());
            continue;
        }
        let Some(part) = parts.last_mut() else { break };
        match c {
            '\\' => match chars.next() {
                Some(n) if n == sep || sep != ',' => part.push(n),
                Some(n) => {
                    part.push('\\');
                    part.push(n);
                }
                None => part.push('\\'),
            },
            c => part.push(c),
        }
    }
    parts
}

/// A token value: `system|code`, `system|` (any code of the system), `|code` (a code without system) or a bare
/// `code` (that code in any system).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenParam {
    /// `None`: any system. `Some("")`: no system. `Some(s)`: exactly `s`.
    pub system: Option<String>,
    /// `None`: any code. `Some(c)`: exactly `c`.
    pub code: Option<String>,
}

impl TokenParam {
    /// Reads one token value (already split at commas).
    pub fn parse(text: &str) -> TokenParam {
        let parts = split_escaped(text, '|');
        match parts.as_slice() {
            [code] => TokenParam {
                system: None,
                code: Some(code.clone()),
            },
            [system, rest @ ..] => {
                let code = rest.join("|");
                TokenParam {
                    system: Some(system.clone()),
                    code: Some(code).filter(|c| !c.is_empty()),
                }
            }
            [] => TokenParam {
                system: None,
                code: None,
            },
        }
    }

    /// Whether a coding (or identifier: system and value) matches.
    pub fn matches(&self, system: Option<&str>, code: &str) -> bool {
        let system_ok = match self.system.as_deref() {
            None => true,
            Some("") => system.is_none_or(str::is_empty),
            Some(s) => system == Some(s),
        };
        system_ok && self.code.as_deref().is_none_or(|c| c == code)
    }
}

impl fmt::Display for TokenParam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.system, &self.code) {
            (None, Some(code)) => f.write_str(code),
            (Some(system), code) => write!(f, "{system}|{}", code.as_deref().unwrap_or("")),
            (None, None) => Ok(()),
        }
    }
}

/// The comparison of a date parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DatePrefix {
    /// `eq` (also no prefix): within the range the value denotes.
    Eq,
    /// `gt`: after the range.
    Gt,
    /// `ge`: at or after its start.
    Ge,
    /// `lt`: before the range.
    Lt,
    /// `le`: before its end.
    Le,
}

/// A date parameter: a prefix and the range of instants its value denotes at the precision given (`2025` is the
/// whole year, `2025-01-02` that day, `2025-01-02T10:00Z` that minute). Dates and date-times without an offset
/// are UTC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateParam {
    /// The comparison.
    pub prefix: DatePrefix,
    /// The first instant the value denotes.
    pub start: DateTime<Utc>,
    /// The first instant after it.
    pub end: DateTime<Utc>,
}

/// A half-open range of instants for a store query: `from <= t < before`, either bound open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstantRange {
    /// Inclusive lower bound.
    pub from: Option<DateTime<Utc>>,
    /// Exclusive upper bound.
    pub before: Option<DateTime<Utc>>,
}

impl DateParam {
    /// Reads one value such as `ge2025-01`, `2025-01-02T08:00:00-08:00` or `lt2025`. A `+` in an offset that
    /// arrived as a space (an unencoded `+` in a URL) is read as `+`.
    pub fn parse(text: &str) -> Option<DateParam> {
        let (prefix, rest) = match text
            .get(..2)
            .filter(|p| p.chars().all(|c| c.is_ascii_lowercase()))
        {
            Some("eq") => (DatePrefix::Eq, &text[2..]),
            Some("gt") => (DatePrefix::Gt, &text[2..]),
            Some("ge") => (DatePrefix::Ge, &text[2..]),
            Some("lt") => (DatePrefix::Lt, &text[2..]),
            Some("le") => (DatePrefix::Le, &text[2..]),
            Some(_) => return None,
            None => (DatePrefix::Eq, text),
        };
        let (start, end) = date_range(rest)?;
        Some(DateParam { prefix, start, end })
    }

    /// The instants that match, as a range.
    pub fn range(&self) -> InstantRange {
        match self.prefix {
            DatePrefix::Eq => InstantRange {
                from: Some(self.start),
                before: Some(self.end),
            },
            DatePrefix::Gt => InstantRange {
                from: Some(self.end),
                before: None,
            },
            DatePrefix::Ge => InstantRange {
                from: Some(self.start),
                before: None,
            },
            DatePrefix::Lt => InstantRange {
                from: None,
                before: Some(self.start),
            },
            DatePrefix::Le => InstantRange {
                from: None,
                before: Some(self.end),
            },
        }
    }

    /// Whether an instant matches.
    pub fn matches(&self, t: DateTime<Utc>) -> bool {
        let range = self.range();
        range.from.is_none_or(|from| t >= from) && range.before.is_none_or(|before| t < before)
    }
}

fn date_range(text: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let all_digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let midnight = |d: NaiveDate| d.and_time(NaiveTime::MIN).and_utc();
    match text.len() {
        4 if all_digits(text) => {
            let start = midnight(NaiveDate::from_ymd_opt(text.parse().ok()?, 1, 1)?);
            Some((start, start.checked_add_months(Months::new(12))?))
        }
        7 if text.as_bytes()[4] == b'-' && all_digits(&text[..4]) && all_digits(&text[5..]) => {
            let start = midnight(NaiveDate::from_ymd_opt(
                text[..4].parse().ok()?,
                text[5..].parse().ok()?,
                1,
            )?);
            Some((start, start.checked_add_months(Months::new(1))?))
        }
        10 => {
            let start = midnight(parse_full_date(text)?);
            Some((start, start + Duration::days(1)))
        }
        _ => date_time_range(text),
    }
}

fn date_time_range(text: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let (date, time) = text.split_once(['T', 't'])?;
    let date = parse_full_date(date)?;
    // The zone: Z, ±hh:mm, or a space standing for a '+' that was not URL-encoded.
    let (clock, offset) = if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        (clock, Some(0))
    } else if time.len() > 6 && matches!(time.as_bytes()[time.len() - 6], b'+' | b'-' | b' ') {
        let (clock, zone) = time.split_at(time.len() - 6);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let hours: i32 = zone.get(1..3)?.parse().ok()?;
        let minutes: i32 = zone.get(4..6)?.parse().ok()?;
        if zone.as_bytes().get(3) != Some(&b':') || hours > 23 || minutes > 59 {
            return None;
        }
        (clock, Some(sign * (hours * 3600 + minutes * 60)))
    } else {
        (time, None)
    };
    let (naive, precision) = match clock.len() {
        5 => (
            NaiveDateTime::new(date, NaiveTime::parse_from_str(clock, "%H:%M").ok()?),
            Duration::minutes(1),
        ),
        8 => (
            NaiveDateTime::new(date, NaiveTime::parse_from_str(clock, "%H:%M:%S").ok()?),
            Duration::seconds(1),
        ),
        n if n > 9 && clock.as_bytes()[8] == b'.' => {
            let digits = n - 9;
            if digits > 9 || !clock[9..].chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let time = NaiveTime::parse_from_str(clock, "%H:%M:%S%.f").ok()?;
            let exponent = u32::try_from(9 - digits).ok()?;
            (
                NaiveDateTime::new(date, time),
                Duration::nanoseconds(10_i64.pow(exponent)),
            )
        }
        _ => return None,
    };
    let start = match offset {
        Some(seconds) => FixedOffset::east_opt(seconds)?
            .from_local_datetime(&naive)
            .single()?
            .with_timezone(&Utc),
        None => naive.and_utc(),
    };
    Some((start, start.checked_add_signed(precision)?))
}

/// What the Bundle holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Summary {
    /// The matching resources.
    #[default]
    Full,
    /// Only `total` (`_summary=count`): no entries, only the `self` link.
    Count,
}

/// A field results can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortField {
    /// The effective time: the instant, or the start of the period. Rows without one sort last in both directions.
    Date,
    /// When the row last changed.
    LastUpdated,
}

impl SortField {
    /// The name `_sort` uses for the field.
    pub const fn as_str(self) -> &'static str {
        match self {
            SortField::Date => "date",
            SortField::LastUpdated => "_lastUpdated",
        }
    }
}

/// One key of `_sort`. Rows with equal keys are ordered by id, in the same direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SortKey {
    /// The field.
    pub field: SortField,
    /// `-date` sorts newest first.
    pub descending: bool,
}

impl SortKey {
    /// The default order of Observation searches: newest `_lastUpdated` first.
    pub const NEWEST_UPDATED_FIRST: SortKey = SortKey {
        field: SortField::LastUpdated,
        descending: true,
    };
}

/// The default number of entries per page.
pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// The largest number of entries per page; larger `_count` values are lowered to it.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// Which page to return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageRequest {
    /// `_page`: a 1-based page number, for LIMIT/OFFSET paging.
    Number(u32),
    /// `_cursor`: the page after a row, for keyset paging.
    After(SearchCursor),
}

/// `_count` and `_page` / `_cursor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paging {
    /// Entries per page (1–1000; `_count` missing, invalid or 0 gives 20).
    pub count: u32,
    /// Which page.
    pub page: PageRequest,
}

impl Default for Paging {
    fn default() -> Self {
        Paging {
            count: DEFAULT_PAGE_SIZE,
            page: PageRequest::Number(1),
        }
    }
}

impl Paging {
    /// The SQL `LIMIT`.
    pub fn limit(&self) -> u32 {
        self.count
    }

    /// The SQL `OFFSET`: `(page - 1) * count` for numbered pages, 0 after a cursor (the cursor's predicate does
    /// the skipping).
    pub fn offset(&self) -> u64 {
        match self.page {
            PageRequest::Number(page) => u64::from(page.saturating_sub(1)) * u64::from(self.count),
            PageRequest::After(_) => 0,
        }
    }

    /// The page number, for numbered paging.
    pub fn page_number(&self) -> Option<u32> {
        match self.page {
            PageRequest::Number(page) => Some(page),
            PageRequest::After(_) => None,
        }
    }

    /// A page beyond the last is an error (404 `Invalid page.`), except the first page of an empty result.
    pub fn check_total(&self, total: u64) -> Result<(), SearchError> {
        match self.page {
            PageRequest::Number(page) if page > 1 && self.offset() >= total => Err(SearchError::InvalidPage),
            _ => Ok(()),
        }
    }

    pub(crate) fn count_from(text: &str) -> u32 {
        match text.trim().parse::<i64>() {
            Ok(n) if n >= 1 => u32::try_from(n.min(i64::from(MAX_PAGE_SIZE))).unwrap_or(MAX_PAGE_SIZE),
            _ => DEFAULT_PAGE_SIZE,
        }
    }

    pub(crate) fn page_from(text: &str) -> Result<u32, SearchError> {
        match text.trim().parse::<u32>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(SearchError::InvalidPage),
        }
    }
}

/// Which store `_source` selects.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SourceSelector {
    /// No `_source`, or the exchange's own (`https://jupyterhealth.org/jhe`): the exchange's records.
    #[default]
    Native,
    /// `_source=https://jupyterhealth.org/fhir/fhir-source/<id>`: records imported from that FHIR source.
    FhirSource(i64),
    /// `_source:below=https://jupyterhealth.org/fhir/fhir-source/`: every imported record the caller may see.
    AllImported,
    /// Any other source: nothing matches.
    Other(String),
}

impl SourceSelector {
    pub(crate) fn parse(value: &str, below: bool) -> SourceSelector {
        let prefix = crate::resource::FHIR_SOURCE_PREFIX;
        let trimmed = value.trim_end_matches('/');
        if below && trimmed == prefix.trim_end_matches('/') {
            return SourceSelector::AllImported;
        }
        if value == crate::resource::JHE_SOURCE {
            return SourceSelector::Native;
        }
        match value.strip_prefix(prefix).map(str::parse::<i64>) {
            Some(Ok(id)) if !below => SourceSelector::FhirSource(id),
            _ => SourceSelector::Other(value.to_owned()),
        }
    }
}

/// Splits a URL query string into decoded `(name, value)` pairs, in order (`+` is a space, `%XX` a byte).
pub fn parse_query_string(query: &str) -> Vec<(String, String)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name), percent_decode(value))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = text
                    .get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Form-encodes one query component the way Python's `quote_plus` does: letters, digits and `_.-~` stay, a space
/// becomes `+`, everything else `%XX`.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => out.push(char::from(b)),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    #[test]
    fn tokens_read_every_form() {
        assert_eq!(
            TokenParam::parse("omh:heart-rate:2.0"),
            TokenParam {
                system: None,
                code: Some("omh:heart-rate:2.0".into())
            }
        );
        assert_eq!(
            TokenParam::parse("https://w3id.org/openmhealth|omh:heart-rate:2.0"),
            TokenParam {
                system: Some("https://w3id.org/openmhealth".into()),
                code: Some("omh:heart-rate:2.0".into())
            }
        );
        assert_eq!(
            TokenParam::parse("urn:oid:1.2|"),
            TokenParam {
                system: Some("urn:oid:1.2".into()),
                code: None
            }
        );
        assert_eq!(
            TokenParam::parse("|E1234"),
            TokenParam {
                system: Some(String::new()),
                code: Some("E1234".into())
            }
        );
        assert_eq!(
            TokenParam::parse(r"a\|b"),
            TokenParam {
                system: None,
                code: Some("a|b".into())
            }
        );
    }

    #[test]
    fn tokens_match_codings() {
        let any_system = TokenParam::parse("x");
        assert!(any_system.matches(Some("s"), "x"));
        assert!(any_system.matches(None, "x"));
        assert!(!any_system.matches(Some("s"), "y"));
        let whole_system = TokenParam::parse("s|");
        assert!(whole_system.matches(Some("s"), "anything"));
        assert!(!whole_system.matches(Some("t"), "anything"));
        let no_system = TokenParam::parse("|x");
        assert!(no_system.matches(None, "x"));
        assert!(!no_system.matches(Some("s"), "x"));
        assert_eq!(TokenParam::parse("s|x").to_string(), "s|x");
    }

    #[test]
    fn commas_split_unless_escaped() {
        assert_eq!(split_escaped("a,b", ','), ["a", "b"]);
        assert_eq!(split_escaped(r"a\,b,c", ','), ["a,b", "c"]);
        assert_eq!(split_escaped(r"s|a\|b,c", ','), [r"s|a\|b", "c"]);
    }

    #[test]
    fn partial_dates_are_ranges() {
        let year = DateParam::parse("2025").unwrap();
        assert_eq!(
            (year.start, year.end),
            (utc(2025, 1, 1, 0, 0, 0), utc(2026, 1, 1, 0, 0, 0))
        );
        let month = DateParam::parse("ge2024-02").unwrap();
        assert_eq!(month.prefix, DatePrefix::Ge);
        assert_eq!(
            (month.start, month.end),
            (utc(2024, 2, 1, 0, 0, 0), utc(2024, 3, 1, 0, 0, 0))
        );
        let day = DateParam::parse("lt2025-01-02").unwrap();
        assert_eq!(
            (day.start, day.end),
            (utc(2025, 1, 2, 0, 0, 0), utc(2025, 1, 3, 0, 0, 0))
        );
        let minute = DateParam::parse("2025-01-02T10:30Z").unwrap();
        assert_eq!(minute.end - minute.start, Duration::minutes(1));
        let second = DateParam::parse("le2025-01-02T10:30:00-08:00").unwrap();
        assert_eq!(second.start, utc(2025, 1, 2, 18, 30, 0));
        assert_eq!(second.end - second.start, Duration::seconds(1));
        let millis = DateParam::parse("2025-01-02T10:30:00.250Z").unwrap();
        assert_eq!(millis.end - millis.start, Duration::milliseconds(1));
        let naive = DateParam::parse("2025-01-02T10:30:00").unwrap();
        assert_eq!(naive.start, utc(2025, 1, 2, 10, 30, 0));
        let spaced = DateParam::parse("2025-01-02T10:30:00 01:00").unwrap();
        assert_eq!(spaced.start, utc(2025, 1, 2, 9, 30, 0));
    }

    #[test]
    fn malformed_dates_and_unsupported_prefixes_are_refused() {
        for bad in [
            "",
            "yesterday",
            "2025-13",
            "2025-02-30",
            "ne2025",
            "sa2025",
            "2025-01-02T25:00Z",
            "20250102",
            "2025-01-02T10:30:00+0100",
        ] {
            assert!(DateParam::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn prefixes_compare_with_the_range() {
        let t = utc(2025, 1, 2, 12, 0, 0);
        let day = "2025-01-02";
        assert!(DateParam::parse(day).unwrap().matches(t));
        assert!(DateParam::parse(&format!("ge{day}")).unwrap().matches(t));
        assert!(DateParam::parse(&format!("le{day}")).unwrap().matches(t));
        assert!(!DateParam::parse(&format!("gt{day}")).unwrap().matches(t));
        assert!(!DateParam::parse(&format!("lt{day}")).unwrap().matches(t));
        assert!(DateParam::parse("gt2025-01-01").unwrap().matches(t));
        assert!(DateParam::parse("lt2025-01-03").unwrap().matches(t));
        assert_eq!(
            DateParam::parse("gt2025-01-01").unwrap().range(),
            InstantRange {
                from: Some(utc(2025, 1, 2, 0, 0, 0)),
                before: None
            }
        );
    }

    #[test]
    fn count_and_page_follow_the_reference_rules() {
        assert_eq!(Paging::count_from("50"), 50);
        assert_eq!(Paging::count_from("0"), DEFAULT_PAGE_SIZE);
        assert_eq!(Paging::count_from("-3"), DEFAULT_PAGE_SIZE);
        assert_eq!(Paging::count_from("lots"), DEFAULT_PAGE_SIZE);
        assert_eq!(Paging::count_from("5000"), MAX_PAGE_SIZE);
        assert_eq!(Paging::page_from("3"), Ok(3));
        assert_eq!(Paging::page_from("0"), Err(SearchError::InvalidPage));
        assert_eq!(Paging::page_from("two"), Err(SearchError::InvalidPage));
        let paging = Paging {
            count: 10,
            page: PageRequest::Number(11),
        };
        assert_eq!(paging.offset(), 100);
        assert_eq!(paging.check_total(101), Ok(()));
        assert_eq!(paging.check_total(100), Err(SearchError::InvalidPage));
        assert_eq!(Paging::default().check_total(0), Ok(()));
    }

    #[test]
    fn query_strings_decode_and_encode() {
        let pairs = parse_query_string("?patient._has%3AGroup%3Amember%3A_id=30001&code=a%7Cb&x=1+2&flag");
        assert_eq!(
            pairs,
            [
                ("patient._has:Group:member:_id".to_owned(), "30001".to_owned()),
                ("code".to_owned(), "a|b".to_owned()),
                ("x".to_owned(), "1 2".to_owned()),
                ("flag".to_owned(), String::new()),
            ]
        );
        assert_eq!(
            percent_encode("patient._has:Group:member:_id"),
            "patient._has%3AGroup%3Amember%3A_id"
        );
        assert_eq!(
            percent_encode("https://w3id.org/x|a b"),
            "https%3A%2F%2Fw3id.org%2Fx%7Ca+b"
        );
        assert_eq!(
            parse_query_string("bad=%zz%4"),
            [("bad".to_owned(), "%zz%4".to_owned())]
        );
    }

    #[test]
    fn sources_select_a_store() {
        assert_eq!(
            SourceSelector::parse("https://jupyterhealth.org/jhe", false),
            SourceSelector::Native
        );
        assert_eq!(
            SourceSelector::parse("https://jupyterhealth.org/fhir/fhir-source/90001", false),
            SourceSelector::FhirSource(90001)
        );
        assert_eq!(
            SourceSelector::parse("https://jupyterhealth.org/fhir/fhir-source", true),
            SourceSelector::AllImported
        );
        assert_eq!(
            SourceSelector::parse("https://elsewhere.example", false),
            SourceSelector::Other("https://elsewhere.example".into())
        );
    }
}
