//! The effective time of a data point, derived from `body.effective_time_frame`.
//!
//! The rules (the reference's, kept exactly):
//!
//! * `date_time` → an instant.
//! * `time_interval` with `start_date_time` and `end_date_time` → that period.
//! * `start_date_time` + `duration` → the period from the start; `end_date_time` + `duration` → the period ending
//!   there.
//! * `date` + `part_of_day` → a window of that day in UTC: `night` 00–06 h, `morning` 06–12 h, `afternoon`
//!   12–18 h, `evening` 18–24 h.
//! * Durations: `ps`, `ns`, `us`, `ms`, `sec`, `min`, `h`, `d`, `wk` are fixed lengths (rounded to the microsecond);
//!   `Mo` is calendar months (the day is clamped to the end of a shorter month) and `yr` twelve of them. A month
//!   count that is not a whole number, or an unknown unit, leaves that bound unknown.
//! * A timestamp without an offset is UTC. Anything malformed or absent gives no effective time at all.
//!
//! [`EffectiveBounds`] mirrors the reference's three nullable columns (an instant, a start, an end), where one bound
//! of a period may stay unknown; [`jhe_domain::EffectiveTime`] needs both, so such a half-known period has no
//! [`EffectiveBounds::to_effective_time`].

use chrono::{DateTime, Duration, Months, NaiveTime, Utc};
use jhe_domain::EffectiveTime;
use serde_json::Value;

use crate::datetime::{parse_full_date, parse_lenient_utc};
use crate::omh::vocab::{DurationUnit, PartOfDay};

/// The three derived columns of the reference: `effective_date_time`, `effective_period_start`,
/// `effective_period_end`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EffectiveBounds {
    /// Set for a `date_time` time frame.
    pub date_time: Option<DateTime<Utc>>,
    /// The start of a `time_interval`, when known.
    pub start: Option<DateTime<Utc>>,
    /// The end of a `time_interval`, when known.
    pub end: Option<DateTime<Utc>>,
}

impl EffectiveBounds {
    /// The domain's view: an instant, or a period whose two bounds are both known.
    pub fn to_effective_time(self) -> Option<EffectiveTime> {
        match (self.date_time, self.start, self.end) {
            (Some(t), _, _) => Some(EffectiveTime::Instant(t)),
            (None, Some(start), Some(end)) => Some(EffectiveTime::Period { start, end }),
            _ => None,
        }
    }

    /// The value `date` search and sorting use: the instant, else the start of the period.
    pub fn sort_date(self) -> Option<DateTime<Utc>> {
        self.date_time.or(self.start)
    }
}

/// The effective time of a whole data point (`{header, body}`), from `body.effective_time_frame`.
pub fn derive_effective_time(data_point: &Value) -> Option<EffectiveTime> {
    derive_effective_bounds(data_point).to_effective_time()
}

/// The three reference columns for a whole data point (`{header, body}`).
pub fn derive_effective_bounds(data_point: &Value) -> EffectiveBounds {
    match data_point.get("body").and_then(|b| b.get("effective_time_frame")) {
        Some(frame) => effective_bounds_of_frame(frame),
        None => EffectiveBounds::default(),
    }
}

/// The three reference columns for one `effective_time_frame` object.
pub fn effective_bounds_of_frame(frame: &Value) -> EffectiveBounds {
    bounds_of_frame(frame).unwrap_or_default()
}

fn bounds_of_frame(frame: &Value) -> Option<EffectiveBounds> {
    let frame = frame.as_object()?;
    if let Some(date_time) = frame.get("date_time") {
        let t = parse_lenient_utc(date_time.as_str()?)?;
        return Some(EffectiveBounds {
            date_time: Some(t),
            ..EffectiveBounds::default()
        });
    }
    let interval = frame.get("time_interval")?.as_object()?;
    let timestamp = |key: &str| -> Option<Option<DateTime<Utc>>> {
        match interval.get(key) {
            None => Some(None),
            Some(v) => parse_lenient_utc(v.as_str()?).map(Some),
        }
    };
    let start = timestamp("start_date_time")?;
    let end = timestamp("end_date_time")?;
    let duration = interval.get("duration");
    let (start, end) = match (start, end, duration) {
        (Some(start), Some(end), _) => (Some(start), Some(end)),
        (Some(start), None, Some(duration)) => (Some(start), shift(start, duration, 1)),
        (None, Some(end), Some(duration)) => (shift(end, duration, -1), Some(end)),
        (None, None, _) => {
            let date = parse_full_date(interval.get("date")?.as_str()?)?;
            let part: PartOfDay = interval.get("part_of_day")?.as_str()?.parse().ok()?;
            let (from_hour, hours) = part.utc_window();
            let midnight = date.and_time(NaiveTime::MIN).and_utc();
            let start = midnight + Duration::hours(from_hour);
            (Some(start), Some(start + Duration::hours(hours)))
        }
        _ => return None,
    };
    Some(EffectiveBounds {
        date_time: None,
        start,
        end,
    })
}

/// `t` moved by `duration` (a `{value, unit}` object) forwards (`sign` 1) or backwards (`sign` -1); `None` when
/// the duration cannot be applied.
fn shift(t: DateTime<Utc>, duration: &Value, sign: i32) -> Option<DateTime<Utc>> {
    let value = duration.get("value")?.as_f64()?;
    let unit: DurationUnit = duration.get("unit")?.as_str()?.parse().ok()?;
    match span_of(value, unit)? {
        Span::Fixed(d) => {
            if sign >= 0 {
                t.checked_add_signed(d)
            } else {
                t.checked_sub_signed(d)
            }
        }
        Span::Months(months) => {
            let forward = (months >= 0) == (sign >= 0);
            let months = Months::new(months.unsigned_abs());
            if forward {
                t.checked_add_months(months)
            } else {
                t.checked_sub_months(months)
            }
        }
    }
}

enum Span {
    Fixed(Duration),
    Months(i32),
}

fn span_of(value: f64, unit: DurationUnit) -> Option<Span> {
    if !value.is_finite() {
        return None;
    }
    let months = match unit {
        DurationUnit::Months => Some(value),
        DurationUnit::Years => Some(value * 12.0),
        _ => None,
    };
    if let Some(months) = months {
        if months.fract() != 0.0 || months.abs() > f64::from(i32::MAX) {
            return None;
        }
        // In range and whole, checked just above.
        #[allow(clippy::cast_possible_truncation)]
        return Some(Span::Months(months as i32));
    }
    let micros_per_unit = match unit {
        DurationUnit::Picoseconds => 1e-6,
        DurationUnit::Nanoseconds => 1e-3,
        DurationUnit::Microseconds => 1.0,
        DurationUnit::Milliseconds => 1e3,
        DurationUnit::Seconds => 1e6,
        DurationUnit::Minutes => 60e6,
        DurationUnit::Hours => 3_600e6,
        DurationUnit::Days => 86_400e6,
        DurationUnit::Weeks => 604_800e6,
        DurationUnit::Months | DurationUnit::Years => return None,
    };
    let micros = (value * micros_per_unit).round();
    // About 290,000 years either way: far beyond any real duration, and safe to convert.
    if micros.abs() > 9.0e18 {
        return None;
    }
    #[allow(clippy::cast_possible_truncation)]
    Some(Span::Fixed(Duration::microseconds(micros as i64)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    fn of(frame: Value) -> Option<EffectiveTime> {
        derive_effective_time(&json!({"header": {}, "body": {"effective_time_frame": frame}}))
    }

    fn period(start: DateTime<Utc>, end: DateTime<Utc>) -> Option<EffectiveTime> {
        Some(EffectiveTime::Period { start, end })
    }

    #[test]
    fn a_date_time_is_an_instant_in_utc() {
        assert_eq!(
            of(json!({"date_time": "2025-04-05T07:30:00-07:00"})),
            Some(EffectiveTime::Instant(utc(2025, 4, 5, 14, 30, 0)))
        );
    }

    #[test]
    fn a_naive_date_time_is_utc() {
        assert_eq!(
            of(json!({"date_time": "2025-04-05T07:30:00"})),
            Some(EffectiveTime::Instant(utc(2025, 4, 5, 7, 30, 0)))
        );
    }

    #[test]
    fn start_and_end_make_a_period() {
        let frame = json!({"time_interval": {
            "start_date_time": "2025-04-05T22:10:00Z", "end_date_time": "2025-04-06T06:40:00+01:00"}});
        assert_eq!(
            of(frame),
            period(utc(2025, 4, 5, 22, 10, 0), utc(2025, 4, 6, 5, 40, 0))
        );
    }

    #[test]
    fn start_plus_duration_ends_later() {
        let frame = json!({"time_interval": {
            "start_date_time": "2025-04-05T10:00:00Z", "duration": {"value": 90, "unit": "min"}}});
        assert_eq!(
            of(frame),
            period(utc(2025, 4, 5, 10, 0, 0), utc(2025, 4, 5, 11, 30, 0))
        );
    }

    #[test]
    fn end_minus_duration_starts_earlier() {
        let frame = json!({"time_interval": {
            "end_date_time": "2025-04-05T10:00:00Z", "duration": {"value": 2, "unit": "wk"}}});
        assert_eq!(
            of(frame),
            period(utc(2025, 3, 22, 10, 0, 0), utc(2025, 4, 5, 10, 0, 0))
        );
    }

    #[test]
    fn every_fixed_unit_has_its_length() {
        let start = utc(2025, 1, 1, 0, 0, 0);
        let cases = [
            ("ps", 3_000_000.0, Duration::microseconds(3)),
            ("ns", 2_500.0, Duration::microseconds(3)),
            ("us", 7.0, Duration::microseconds(7)),
            ("ms", 1_500.0, Duration::milliseconds(1_500)),
            ("sec", 42.0, Duration::seconds(42)),
            ("min", 1.5, Duration::seconds(90)),
            ("h", 8.0, Duration::hours(8)),
            ("d", 3.0, Duration::days(3)),
            ("wk", 1.0, Duration::days(7)),
        ];
        for (unit, value, length) in cases {
            let frame = json!({"time_interval": {
                "start_date_time": "2025-01-01T00:00:00Z", "duration": {"value": value, "unit": unit}}});
            assert_eq!(of(frame), period(start, start + length), "unit {unit}");
        }
    }

    #[test]
    fn months_are_calendar_months_clamped_to_the_month_end() {
        let frame = json!({"time_interval": {
            "start_date_time": "2025-01-31T12:00:00Z", "duration": {"value": 1, "unit": "Mo"}}});
        assert_eq!(
            of(frame),
            period(utc(2025, 1, 31, 12, 0, 0), utc(2025, 2, 28, 12, 0, 0))
        );
        let frame = json!({"time_interval": {
            "end_date_time": "2025-03-31T00:00:00Z", "duration": {"value": 1, "unit": "Mo"}}});
        assert_eq!(
            of(frame),
            period(utc(2025, 2, 28, 0, 0, 0), utc(2025, 3, 31, 0, 0, 0))
        );
    }

    #[test]
    fn a_year_is_twelve_months() {
        let frame = json!({"time_interval": {
            "start_date_time": "2024-02-29T00:00:00Z", "duration": {"value": 1, "unit": "yr"}}});
        assert_eq!(
            of(frame),
            period(utc(2024, 2, 29, 0, 0, 0), utc(2025, 2, 28, 0, 0, 0))
        );
        let frame = json!({"time_interval": {
            "start_date_time": "2024-01-15T00:00:00Z", "duration": {"value": 0.5, "unit": "yr"}}});
        assert_eq!(
            of(frame),
            period(utc(2024, 1, 15, 0, 0, 0), utc(2024, 7, 15, 0, 0, 0))
        );
    }

    #[test]
    fn fractional_months_and_unknown_units_leave_that_bound_unknown() {
        let frame = json!({"time_interval": {
            "start_date_time": "2025-01-01T00:00:00Z", "duration": {"value": 1.5, "unit": "Mo"}}});
        let bounds = derive_effective_bounds(&json!({"body": {"effective_time_frame": frame}}));
        assert_eq!(bounds.start, Some(utc(2025, 1, 1, 0, 0, 0)));
        assert_eq!(bounds.end, None);
        assert_eq!(bounds.to_effective_time(), None);
        assert_eq!(bounds.sort_date(), Some(utc(2025, 1, 1, 0, 0, 0)));

        let frame = json!({"time_interval": {
            "end_date_time": "2025-01-01T00:00:00Z", "duration": {"value": 3, "unit": "fortnight"}}});
        let bounds = effective_bounds_of_frame(&frame);
        assert_eq!((bounds.start, bounds.end), (None, Some(utc(2025, 1, 1, 0, 0, 0))));
    }

    #[test]
    fn parts_of_the_day_are_utc_windows() {
        let cases = [("night", 0, 6), ("morning", 6, 12), ("afternoon", 12, 18)];
        for (part, from, to) in cases {
            let frame = json!({"time_interval": {"date": "2025-06-07", "part_of_day": part}});
            assert_eq!(
                of(frame),
                period(utc(2025, 6, 7, from, 0, 0), utc(2025, 6, 7, to, 0, 0)),
                "{part}"
            );
        }
        let frame = json!({"time_interval": {"date": "2025-06-07", "part_of_day": "evening"}});
        assert_eq!(
            of(frame),
            period(utc(2025, 6, 7, 18, 0, 0), utc(2025, 6, 8, 0, 0, 0))
        );
    }

    #[test]
    fn malformed_or_absent_frames_give_nothing() {
        assert_eq!(of(json!({"date_time": "not a time"})), None);
        assert_eq!(of(json!({"date_time": 12})), None);
        assert_eq!(of(json!("2025-01-01T00:00:00Z")), None);
        assert_eq!(
            of(json!({"time_interval": {"start_date_time": "2025-01-01T00:00:00Z"}})),
            None
        );
        assert_eq!(
            of(json!({"time_interval": {"date": "2025-01-01", "part_of_day": "noon"}})),
            None
        );
        assert_eq!(
            of(
                json!({"time_interval": {"start_date_time": "garbage", "end_date_time": "2025-01-01T00:00:00Z"}})
            ),
            None
        );
        assert_eq!(derive_effective_time(&json!({"header": {}, "body": {}})), None);
        assert_eq!(derive_effective_time(&json!([])), None);
        assert_eq!(
            effective_bounds_of_frame(&json!(null)),
            EffectiveBounds::default()
        );
    }
}
