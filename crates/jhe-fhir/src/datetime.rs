//! Date-time parsing and formatting shared by the codec, the data-point validator and search.
//!
//! Two parsers on purpose: [`parse_rfc3339`] is the strict one used to validate uploads (a date-time must say which
//! time zone it is in), [`parse_lenient_utc`] is the forgiving one used when deriving the effective time of data that
//! is already stored, where a timestamp without an offset is read as UTC.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, SecondsFormat, Timelike, Utc};

/// Parses an RFC 3339 date-time with a time-zone offset (`Z` or `±hh:mm`), such as `2025-01-02T08:30:00-08:00`.
/// A date-time without an offset is refused.
pub fn parse_rfc3339(text: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text).ok()
}

/// Parses a timestamp the way stored data points are read: RFC 3339 with an offset, an offset without a colon
/// (`+0100`), a naive date-time (`2025-01-02T08:30:00`, read as UTC) or a bare date (midnight UTC).
pub fn parse_lenient_utc(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Some(t) = parse_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(t) = DateTime::parse_from_str(text, format) {
            return Some(t.with_timezone(&Utc));
        }
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc());
        }
    }
    parse_full_date(text).map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// Parses a calendar date written `YYYY-MM-DD` (exactly four, two and two digits).
pub fn parse_full_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape_ok {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// Formats an instant the way the exchange writes `meta.lastUpdated` and `effectiveDateTime`: UTC with a `Z`,
/// microseconds only when there are any (`2026-11-22T17:59:19.545845Z`, `2026-11-22T18:59:19Z`).
pub fn format_instant(t: DateTime<Utc>) -> String {
    let mut text = Vec::with_capacity(27);
    push_instant(&mut text, t);
    // Digits and ASCII punctuation only, so the conversion copies and never replaces anything.
    String::from_utf8_lossy(&text).into_owned()
}

/// Appends [`format_instant`]'s text to `out` without allocating: digit by digit for years 0 to 9999, through
/// chrono's RFC 3339 writer for the rest (which it writes with a sign and more digits).
pub(crate) fn push_instant(out: &mut Vec<u8>, t: DateTime<Utc>) {
    // Leap seconds are written as the 59th second, with their fraction.
    let micros = t.nanosecond() % 1_000_000_000 / 1_000;
    let Ok(year) = u32::try_from(t.year()) else {
        return push_instant_by_chrono(out, t, micros);
    };
    if year > 9999 {
        return push_instant_by_chrono(out, t, micros);
    }
    let two =
        |out: &mut Vec<u8>, n: u32| out.extend_from_slice(&[b'0' + (n / 10) as u8, b'0' + (n % 10) as u8]);
    two(out, year / 100);
    two(out, year % 100);
    out.push(b'-');
    two(out, t.month());
    out.push(b'-');
    two(out, t.day());
    out.push(b'T');
    two(out, t.hour());
    out.push(b':');
    two(out, t.minute());
    out.push(b':');
    two(out, t.second());
    push_micros(out, micros);
    out.push(b'Z');
}

fn push_instant_by_chrono(out: &mut Vec<u8>, t: DateTime<Utc>, micros: u32) {
    let whole = t.with_nanosecond(0).unwrap_or(t);
    let base = whole.to_rfc3339_opts(SecondsFormat::Secs, true);
    match base.strip_suffix('Z') {
        Some(stem) => {
            out.extend_from_slice(stem.as_bytes());
            push_micros(out, micros);
            out.push(b'Z');
        }
        None => out.extend_from_slice(base.as_bytes()),
    }
}

/// `.ffffff`, or nothing for a whole second.
fn push_micros(out: &mut Vec<u8>, micros: u32) {
    if micros == 0 {
        return;
    }
    out.push(b'.');
    let mut rest = micros;
    let mut digits = [b'0'; 6];
    for digit in digits.iter_mut().rev() {
        *digit = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    out.extend_from_slice(&digits);
}

/// Like [`format_instant`] but with a `+00:00` offset instead of `Z` (the shape of the minimal resource a patient
/// gets back after an upload).
pub fn format_instant_with_offset(t: DateTime<Utc>) -> String {
    let z = format_instant(t);
    match z.strip_suffix('Z') {
        Some(stem) => format!("{stem}+00:00"),
        None => z,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn strict_parsing_needs_an_offset() {
        assert!(parse_rfc3339("2025-03-04T05:06:07Z").is_some());
        assert!(parse_rfc3339("2025-03-04T05:06:07.25+02:00").is_some());
        assert!(parse_rfc3339("2025-03-04T05:06:07").is_none());
        assert!(parse_rfc3339("2025-03-04").is_none());
        assert!(parse_rfc3339("yesterday").is_none());
        assert!(parse_rfc3339("2025-02-30T05:06:07Z").is_none());
    }

    #[test]
    fn lenient_parsing_reads_naive_times_as_utc() {
        let expected = Utc.with_ymd_and_hms(2025, 3, 4, 5, 6, 7).unwrap();
        assert_eq!(parse_lenient_utc("2025-03-04T05:06:07"), Some(expected));
        assert_eq!(parse_lenient_utc("2025-03-04T07:06:07+0200"), Some(expected));
        assert_eq!(parse_lenient_utc("2025-03-04T00:06:07-05:00"), Some(expected));
        assert_eq!(
            parse_lenient_utc("2025-03-04"),
            Some(Utc.with_ymd_and_hms(2025, 3, 4, 0, 0, 0).unwrap())
        );
        assert_eq!(parse_lenient_utc("soon"), None);
    }

    #[test]
    fn full_dates_must_have_the_exact_shape() {
        assert!(parse_full_date("2024-02-29").is_some());
        assert!(parse_full_date("2023-02-29").is_none());
        assert!(parse_full_date("2024-2-29").is_none());
        assert!(parse_full_date("+2024-02-2").is_none());
    }

    #[test]
    fn instants_print_microseconds_only_when_present() {
        let t = Utc.with_ymd_and_hms(2026, 5, 6, 7, 8, 9).unwrap();
        assert_eq!(format_instant(t), "2026-05-06T07:08:09Z");
        let t = t + chrono::Duration::microseconds(4_321);
        assert_eq!(format_instant(t), "2026-05-06T07:08:09.004321Z");
        assert_eq!(format_instant_with_offset(t), "2026-05-06T07:08:09.004321+00:00");
        let t = t + chrono::Duration::nanoseconds(999);
        assert_eq!(format_instant(t), "2026-05-06T07:08:09.004321Z");
    }

    /// The text chrono's RFC 3339 writer gives, with the fraction cut to microseconds: what `format_instant` wrote
    /// before it wrote digits itself.
    fn by_chrono(t: DateTime<Utc>) -> String {
        let micros = t.nanosecond() % 1_000_000_000 / 1_000;
        let base = t
            .with_nanosecond(0)
            .unwrap()
            .to_rfc3339_opts(SecondsFormat::Secs, true);
        match base.strip_suffix('Z') {
            Some(stem) if micros != 0 => format!("{stem}.{micros:06}Z"),
            _ => base,
        }
    }

    #[test]
    fn instants_outside_four_digit_years_and_leap_seconds_print_as_chrono_prints_them() {
        for t in [
            Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(-1, 12, 31, 23, 59, 59).unwrap() + chrono::Duration::microseconds(7),
            Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
                .unwrap()
                .and_hms_micro_opt(23, 59, 59, 1_250_000)
                .unwrap()
                .and_utc(),
        ] {
            assert_eq!(format_instant(t), by_chrono(t), "{t:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn instants_print_as_chrono_prints_them(seconds in -400_000_000_000i64..400_000_000_000, nanos in 0u32..2_000_000_000) {
            if let Some(t) = DateTime::from_timestamp(seconds, nanos) {
                proptest::prop_assert_eq!(format_instant(t), by_chrono(t));
            }
        }
    }
}
