//! A small declarative description of the schemas and the checker that walks a JSON value against it.
//!
//! The schemas of the supported data types are simple: objects with required and optional fields, unit-value
//! objects whose unit comes from a closed list, coded strings, time frames. Describing them as data keeps every
//! data type to a short table (see `specs.rs`) and lets every failure name its path and what was expected there.
//! Like the schemas, objects accept fields that are not described (no `additionalProperties: false`).

use serde_json::{Map, Value};

use super::model::{TimeFrame, TimeInterval, UnitValue};
use super::violation::{Violation, one_of};
use super::vocab::{DurationUnit, PartOfDay};
use crate::datetime::{parse_full_date, parse_rfc3339};

/// What a JSON value must look like.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Rule {
    /// Any JSON number.
    Number,
    /// A whole number (`3` or `3.0`, as JSON Schema counts them).
    Integer,
    /// `true` or `false`.
    Boolean,
    /// Any string.
    Text,
    /// One of these strings.
    Enum(&'static [&'static str]),
    /// `{"value": number, "unit": one of these}`.
    UnitValue(&'static [&'static str]),
    /// An `effective_time_frame`.
    TimeFrame(FrameRule),
    /// An RFC 3339 date-time with an offset.
    DateTime,
    /// A UUID in its 8-4-4-4-12 hexadecimal form.
    Uuid,
    /// An object with these fields.
    Object(&'static [Field]),
    /// An array whose every item follows the rule.
    Array(&'static Rule),
    /// An IEEE 1752 `frequency-unit-value`: `{value, unit: "Hz"}` or `{number_of_times, time_window}`.
    Frequency,
}

/// Which time frames a data type accepts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FrameRule {
    /// Whether `time_interval` may be a `date` + `part_of_day` (the older Open mHealth time interval; the IEEE 1752
    /// one has no such form).
    pub part_of_day: bool,
    /// Whether only a `time_interval` will do (durations such as step count or sleep).
    pub interval_only: bool,
}

/// A field of an object.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    pub name: &'static str,
    pub required: bool,
    pub rule: Rule,
}

/// A field that must be present.
pub(crate) const fn req(name: &'static str, rule: Rule) -> Field {
    Field {
        name,
        required: true,
        rule,
    }
}

/// A field that may be absent.
pub(crate) const fn opt(name: &'static str, rule: Rule) -> Field {
    Field {
        name,
        required: false,
        rule,
    }
}

const DATE_TIME_EXPECTED: &str = "an RFC 3339 date-time with a time-zone offset, such as \"2025-01-02T08:30:00Z\" or \"2025-01-02T08:30:00-08:00\"";
const INTERVAL_ONLY_EXPECTED: &str = "a time frame with a \"time_interval\" (this data type covers a span of time, a single \"date_time\" is not enough)";

impl Rule {
    /// What the rule wants, for a message.
    pub(crate) fn describe(&self) -> String {
        match self {
            Rule::Number => "a number".to_owned(),
            Rule::Integer => "a whole number".to_owned(),
            Rule::Boolean => "true or false".to_owned(),
            Rule::Text => "a string".to_owned(),
            Rule::Enum(values) => one_of(values),
            Rule::UnitValue(units) => {
                format!("an object {{\"value\": <number>, \"unit\": {}}}", one_of(units))
            }
            Rule::TimeFrame(frame) if frame.interval_only => INTERVAL_ONLY_EXPECTED.to_owned(),
            Rule::TimeFrame(_) => {
                "a time frame: an object with either a \"date_time\" or a \"time_interval\"".to_owned()
            }
            Rule::DateTime => DATE_TIME_EXPECTED.to_owned(),
            Rule::Uuid => "a UUID such as \"5f0c8a3e-2b1d-4c6e-9a7f-3d2e1b0c9a8f\"".to_owned(),
            Rule::Object(_) => "an object".to_owned(),
            Rule::Array(_) => "an array".to_owned(),
            Rule::Frequency => {
                "a frequency: {\"value\", \"unit\": \"Hz\"} or {\"number_of_times\", \"time_window\"}"
                    .to_owned()
            }
        }
    }
}

/// Collects every violation found while walking a value.
#[derive(Debug, Default)]
pub(crate) struct Checker {
    pub violations: Vec<Violation>,
}

pub(crate) fn child(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

impl Checker {
    pub(crate) fn check(&mut self, value: &Value, rule: &Rule, path: &str) {
        match rule {
            Rule::Number => {
                if !value.is_number() {
                    self.wrong(path, rule, value);
                }
            }
            Rule::Integer => {
                if !is_whole_number(value) {
                    self.wrong(path, rule, value);
                }
            }
            Rule::Boolean => {
                if !value.is_boolean() {
                    self.wrong(path, rule, value);
                }
            }
            Rule::Text => {
                if !value.is_string() {
                    self.wrong(path, rule, value);
                }
            }
            Rule::Enum(values) => {
                if !value.as_str().is_some_and(|s| values.contains(&s)) {
                    self.wrong(path, rule, value);
                }
            }
            Rule::UnitValue(units) => self.check_unit_value(value, units, path),
            Rule::TimeFrame(frame) => {
                check_time_frame(value, *frame, path, &mut self.violations);
            }
            Rule::DateTime => {
                if value.as_str().is_none_or(|s| parse_rfc3339(s).is_none()) {
                    self.wrong(path, rule, value);
                }
            }
            Rule::Uuid => {
                if !value.as_str().is_some_and(is_uuid) {
                    self.wrong(path, rule, value);
                }
            }
            Rule::Object(fields) => match value.as_object() {
                Some(object) => self.check_fields(object, fields, path),
                None => self.wrong(path, rule, value),
            },
            Rule::Array(item) => match value.as_array() {
                Some(items) => {
                    for (i, v) in items.iter().enumerate() {
                        self.check(v, item, &format!("{path}[{i}]"));
                    }
                }
                None => self.wrong(path, rule, value),
            },
            Rule::Frequency => self.check_frequency(value, path),
        }
    }

    pub(crate) fn check_fields(&mut self, object: &Map<String, Value>, fields: &[Field], path: &str) {
        for field in fields {
            let field_path = child(path, field.name);
            match object.get(field.name) {
                Some(v) => self.check(v, &field.rule, &field_path),
                None if field.required => {
                    self.violations
                        .push(Violation::missing(&field_path, &field.rule.describe()));
                }
                None => {}
            }
        }
    }

    fn wrong(&mut self, path: &str, rule: &Rule, found: &Value) {
        self.violations
            .push(Violation::wrong(path, rule.describe(), found));
    }

    fn check_unit_value(&mut self, value: &Value, units: &'static [&'static str], path: &str) {
        match value.as_object() {
            Some(object) => self.check_fields(
                object,
                &[req("value", Rule::Number), req("unit", Rule::Enum(units))],
                path,
            ),
            None => self.wrong(path, &Rule::UnitValue(units), value),
        }
    }

    fn check_frequency(&mut self, value: &Value, path: &str) {
        let Some(object) = value.as_object() else {
            self.wrong(path, &Rule::Frequency, value);
            return;
        };
        let as_rate = object.contains_key("value") || object.contains_key("unit");
        let as_count = object.contains_key("number_of_times") || object.contains_key("time_window");
        if as_rate && as_count {
            self.violations.push(Violation::new(
                path,
                "either {\"value\", \"unit\"} or {\"number_of_times\", \"time_window\"}",
                "both",
            ));
        } else if as_count {
            self.check_fields(object, &[req("number_of_times", Rule::Number)], path);
            let window_path = child(path, "time_window");
            match object.get("time_window") {
                None => self.violations.push(Violation::missing(
                    &window_path,
                    "a duration {\"value\", \"unit\"} or a duration range {\"low_value\", \"high_value\", \"unit\"}",
                )),
                Some(window) => {
                    let is_range = window
                        .as_object()
                        .is_some_and(|w| w.contains_key("low_value") || w.contains_key("high_value"));
                    if is_range {
                        let range = [
                            req("low_value", Rule::Number),
                            req("high_value", Rule::Number),
                            req("unit", Rule::Enum(DurationUnit::VALUES)),
                        ];
                        if let Some(w) = window.as_object() {
                            self.check_fields(w, &range, &window_path);
                        }
                    } else {
                        self.check_unit_value(window, DurationUnit::VALUES, &window_path);
                    }
                }
            }
        } else {
            self.check_unit_value(value, &["Hz"], path);
        }
    }
}

fn is_whole_number(value: &Value) -> bool {
    match value {
        Value::Number(n) => n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0),
        _ => false,
    }
}

fn is_uuid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Checks an `effective_time_frame` (or any time frame) and builds it when it is valid.
pub(crate) fn check_time_frame(
    value: &Value,
    rule: FrameRule,
    path: &str,
    out: &mut Vec<Violation>,
) -> Option<TimeFrame> {
    let Some(frame) = value.as_object() else {
        out.push(Violation::wrong(path, Rule::TimeFrame(rule).describe(), value));
        return None;
    };
    let date_time = frame.get("date_time");
    let interval = frame.get("time_interval");
    match (date_time, interval) {
        (Some(_), Some(_)) => {
            out.push(Violation::new(
                path,
                "exactly one of \"date_time\" or \"time_interval\"",
                "both",
            ));
            None
        }
        (None, None) => {
            out.push(Violation::new(
                path,
                Rule::TimeFrame(rule).describe(),
                "an object with neither \"date_time\" nor \"time_interval\"",
            ));
            None
        }
        (Some(_), None) if rule.interval_only => {
            out.push(Violation::new(path, INTERVAL_ONLY_EXPECTED, "a \"date_time\""));
            None
        }
        (Some(dt), None) => {
            let parsed = dt.as_str().and_then(parse_rfc3339);
            if parsed.is_none() {
                out.push(Violation::wrong(
                    &child(path, "date_time"),
                    DATE_TIME_EXPECTED,
                    dt,
                ));
            }
            parsed.map(TimeFrame::DateTime)
        }
        (None, Some(interval)) => {
            check_time_interval(interval, rule, &child(path, "time_interval"), out).map(TimeFrame::Interval)
        }
    }
}

fn check_time_interval(
    value: &Value,
    rule: FrameRule,
    path: &str,
    out: &mut Vec<Violation>,
) -> Option<TimeInterval> {
    let Some(interval) = value.as_object() else {
        out.push(Violation::wrong(path, "an object", value));
        return None;
    };
    let has = |key: &str| interval.contains_key(key);
    let (start, end, duration) = (has("start_date_time"), has("end_date_time"), has("duration"));
    let day_part = rule.part_of_day && has("date") && has("part_of_day");
    let complete = [start && end, start && duration, end && duration, day_part];
    if complete.iter().filter(|c| **c).count() != 1 {
        let mut forms = vec![
            "\"start_date_time\" with \"end_date_time\"",
            "\"start_date_time\" with \"duration\"",
            "\"end_date_time\" with \"duration\"",
        ];
        if rule.part_of_day {
            forms.push("\"date\" with \"part_of_day\"");
        }
        let known = [
            "start_date_time",
            "end_date_time",
            "duration",
            "date",
            "part_of_day",
        ];
        let present: Vec<String> = known
            .iter()
            .filter(|k| has(k))
            .map(|k| format!("{k:?}"))
            .collect();
        let found = if present.is_empty() {
            "none of these fields".to_owned()
        } else {
            format!("the fields {}", present.join(", "))
        };
        out.push(Violation::new(
            path,
            format!("exactly one of: {}", forms.join("; ")),
            found,
        ));
        return None;
    }
    let before = out.len();
    let date_time = |key: &str, out: &mut Vec<Violation>| {
        let v = interval.get(key)?;
        let parsed = v.as_str().and_then(parse_rfc3339);
        if parsed.is_none() {
            out.push(Violation::wrong(&child(path, key), DATE_TIME_EXPECTED, v));
        }
        parsed
    };
    let duration_value = |out: &mut Vec<Violation>| {
        let v = interval.get("duration")?;
        let mut checker = Checker::default();
        checker.check(
            v,
            &Rule::UnitValue(DurationUnit::VALUES),
            &child(path, "duration"),
        );
        let ok = checker.violations.is_empty();
        out.extend(checker.violations);
        if !ok {
            return None;
        }
        let value = v.get("value")?.as_f64()?;
        let unit = v.get("unit")?.as_str()?.parse().ok()?;
        Some(UnitValue { value, unit })
    };
    let built = if start && end {
        let s = date_time("start_date_time", out);
        let e = date_time("end_date_time", out);
        s.zip(e).map(|(start, end)| TimeInterval::StartEnd { start, end })
    } else if start {
        let s = date_time("start_date_time", out);
        let d = duration_value(out);
        s.zip(d)
            .map(|(start, duration)| TimeInterval::StartDuration { start, duration })
    } else if end {
        let e = date_time("end_date_time", out);
        let d = duration_value(out);
        e.zip(d)
            .map(|(end, duration)| TimeInterval::EndDuration { end, duration })
    } else {
        let date_value = interval.get("date").unwrap_or(&Value::Null);
        let date = date_value.as_str().and_then(parse_full_date);
        if date.is_none() {
            out.push(Violation::wrong(
                &child(path, "date"),
                "a calendar date written YYYY-MM-DD, such as \"2025-01-02\"",
                date_value,
            ));
        }
        let part_value = interval.get("part_of_day").unwrap_or(&Value::Null);
        let part = part_value.as_str().and_then(|s| s.parse::<PartOfDay>().ok());
        if part.is_none() {
            out.push(Violation::wrong(
                &child(path, "part_of_day"),
                one_of(PartOfDay::VALUES),
                part_value,
            ));
        }
        date.zip(part)
            .map(|(date, part_of_day)| TimeInterval::DatePartOfDay { date, part_of_day })
    };
    if out.len() > before { None } else { built }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const FRAME: FrameRule = FrameRule {
        part_of_day: true,
        interval_only: false,
    };

    fn frame_violations(value: Value, rule: FrameRule) -> Vec<String> {
        let mut out = Vec::new();
        check_time_frame(&value, rule, "body.effective_time_frame", &mut out);
        out.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn uuids_have_the_canonical_shape() {
        assert!(is_uuid("5f0c8a3e-2b1d-4c6e-9a7f-3d2e1b0c9a8f"));
        assert!(is_uuid("AAAA1234-1A2B-3C4D-5E6F-000000000001"));
        assert!(!is_uuid("5f0c8a3e2b1d4c6e9a7f3d2e1b0c9a8f"));
        assert!(!is_uuid("5f0c8a3e-2b1d-4c6e-9a7f-3d2e1b0c9a8g"));
    }

    #[test]
    fn whole_numbers_include_integral_floats() {
        assert!(is_whole_number(&json!(3)));
        assert!(is_whole_number(&json!(3.0)));
        assert!(!is_whole_number(&json!(3.5)));
        assert!(!is_whole_number(&json!("3")));
    }

    #[test]
    fn a_time_frame_needs_exactly_one_form() {
        let both = json!({"date_time": "2025-01-01T00:00:00Z", "time_interval": {}});
        assert_eq!(
            frame_violations(both, FRAME),
            [
                "body.effective_time_frame: expected exactly one of \"date_time\" or \"time_interval\", found both"
            ]
        );
        assert_eq!(frame_violations(json!({}), FRAME).len(), 1);
        assert_eq!(frame_violations(json!("2025"), FRAME).len(), 1);
    }

    #[test]
    fn interval_only_types_refuse_a_single_date_time() {
        let rule = FrameRule {
            part_of_day: true,
            interval_only: true,
        };
        let v = frame_violations(json!({"date_time": "2025-01-01T00:00:00Z"}), rule);
        assert_eq!(v.len(), 1);
        assert!(v[0].contains("single \"date_time\" is not enough"), "{v:?}");
    }

    #[test]
    fn an_interval_needs_exactly_one_complete_form() {
        let three = json!({"time_interval": {
            "start_date_time": "2025-01-01T00:00:00Z", "end_date_time": "2025-01-01T01:00:00Z",
            "duration": {"value": 1, "unit": "h"}}});
        let v = frame_violations(three, FRAME);
        assert_eq!(v.len(), 1);
        assert!(v[0].starts_with("body.effective_time_frame.time_interval: expected exactly one of:"));
        assert!(
            v[0].ends_with(r#"found the fields "start_date_time", "end_date_time", "duration""#),
            "{v:?}"
        );
        let lonely = json!({"time_interval": {"start_date_time": "2025-01-01T00:00:00Z"}});
        assert_eq!(frame_violations(lonely, FRAME).len(), 1);
    }

    #[test]
    fn part_of_day_is_only_for_the_older_interval() {
        let frame = json!({"time_interval": {"date": "2025-01-01", "part_of_day": "morning"}});
        assert!(frame_violations(frame.clone(), FRAME).is_empty());
        let ieee = FrameRule {
            part_of_day: false,
            interval_only: false,
        };
        assert_eq!(frame_violations(frame, ieee).len(), 1);
        let bad = json!({"time_interval": {"date": "2025-13-01", "part_of_day": "noon"}});
        let v = frame_violations(bad, FRAME);
        assert_eq!(v.len(), 2, "{v:?}");
    }

    #[test]
    fn interval_members_are_checked() {
        let frame = json!({"time_interval": {
            "start_date_time": "2025-01-01T00:00:00", "duration": {"value": "ten", "unit": "hours"}}});
        let v = frame_violations(frame, FRAME);
        assert_eq!(v.len(), 3, "{v:?}");
        assert!(
            v[0].starts_with("body.effective_time_frame.time_interval.start_date_time: expected an RFC 3339")
        );
        assert_eq!(
            v[1],
            "body.effective_time_frame.time_interval.duration.value: expected a number, found \"ten\""
        );
        assert!(
            v[2].starts_with("body.effective_time_frame.time_interval.duration.unit: expected one of \"ps\"")
        );
    }

    #[test]
    fn frequencies_take_either_form() {
        let mut checker = Checker::default();
        checker.check(
            &json!({"value": 50, "unit": "Hz"}),
            &Rule::Frequency,
            "header.acquisition_rate",
        );
        checker.check(
            &json!({"number_of_times": 2, "time_window": {"value": 1, "unit": "d"}}),
            &Rule::Frequency,
            "header.acquisition_rate",
        );
        checker.check(
            &json!({"number_of_times": 2, "time_window": {"low_value": 1, "high_value": 2, "unit": "d"}}),
            &Rule::Frequency,
            "header.acquisition_rate",
        );
        assert!(checker.violations.is_empty(), "{:?}", checker.violations);
        checker.check(&json!({"value": 50, "unit": "rpm"}), &Rule::Frequency, "r");
        checker.check(&json!({"value": 50, "number_of_times": 2}), &Rule::Frequency, "r");
        checker.check(&json!({"number_of_times": 2}), &Rule::Frequency, "r");
        assert_eq!(checker.violations.len(), 3, "{:?}", checker.violations);
    }
}
