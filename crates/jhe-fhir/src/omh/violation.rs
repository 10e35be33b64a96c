//! What went wrong with a data point, said so that a person can fix it.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

/// One rule a data point broke: where, what was expected there, and what was found instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// A path into the data point, from its root: `body.blood_glucose.unit`, `header.schema_id`,
    /// `body.sleep_stage_episodes[2].sleep_stage_state`; `$` is the data point itself.
    pub path: String,
    /// What the schema wants there, for example `one of "mg/dL", "mmol/L"`; ends in `(required)` when the field
    /// is missing.
    pub expected: String,
    /// What was there: `nothing`, `"mg"`, `a string`, `an array`, …
    pub found: String,
}

impl Violation {
    pub(crate) fn new(path: &str, expected: impl Into<String>, found: impl Into<String>) -> Self {
        Violation {
            path: if path.is_empty() {
                "$".to_owned()
            } else {
                path.to_owned()
            },
            expected: expected.into(),
            found: found.into(),
        }
    }

    pub(crate) fn missing(path: &str, expected: &str) -> Self {
        Violation::new(path, format!("{expected} (required)"), "nothing")
    }

    pub(crate) fn wrong(path: &str, expected: impl Into<String>, found: &Value) -> Self {
        Violation::new(path, expected, describe(found))
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: expected {}, found {}",
            self.path, self.expected, self.found
        )
    }
}

/// Why a data point was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DataPointError {
    /// No model is known for the scope code.
    #[error(
        "no Open mHealth or IEEE 1752 data type is known for the code \"{scope_code}\"; supported: {supported}"
    )]
    UnknownScope {
        /// The code that was asked for.
        scope_code: String,
        /// The supported codes, comma separated.
        supported: String,
    },
    /// The bytes are not UTF-8 text.
    #[error("the data point is not UTF-8 text")]
    NotUtf8,
    /// The text is not JSON.
    #[error("the data point is not JSON: {message}")]
    NotJson {
        /// The parser's message, with line and column.
        message: String,
    },
    /// The JSON breaks one or more rules of the data type's schema.
    #[error("the data point is not a valid {scope_code}: {}", join(violations))]
    Invalid {
        /// The data type the point was checked against.
        scope_code: String,
        /// Every rule broken, in document order.
        violations: Vec<Violation>,
    },
}

impl DataPointError {
    /// The rules broken; empty unless this is [`DataPointError::Invalid`].
    pub fn violations(&self) -> &[Violation] {
        match self {
            DataPointError::Invalid { violations, .. } => violations,
            _ => &[],
        }
    }
}

fn join(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// A short description of a JSON value for a message: strings and numbers verbatim (long strings cut), other
/// values by kind.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            const MAX: usize = 60;
            if s.chars().count() > MAX {
                let cut: String = s.chars().take(MAX).collect();
                format!("{:?}…", cut)
            } else {
                format!("{s:?}")
            }
        }
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// `one of "a", "b"`, or just `"a"` when there is a single choice.
pub(crate) fn one_of(values: &[&str]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
    match quoted.as_slice() {
        [single] => single.clone(),
        _ => format!("one of {}", quoted.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn violations_read_as_a_sentence() {
        let v = Violation::wrong(
            "body.blood_glucose.unit",
            one_of(&["mg/dL", "mmol/L"]),
            &json!("mg"),
        );
        assert_eq!(
            v.to_string(),
            r#"body.blood_glucose.unit: expected one of "mg/dL", "mmol/L", found "mg""#
        );
        let v = Violation::missing("body.heart_rate", "a number");
        assert_eq!(
            v.to_string(),
            "body.heart_rate: expected a number (required), found nothing"
        );
        assert_eq!(Violation::new("", "an object", "null").path, "$");
    }

    #[test]
    fn long_strings_are_cut() {
        let long = "x".repeat(100);
        let described = describe(&json!(long));
        assert!(described.len() < 70);
        assert!(described.ends_with('…'));
        assert_eq!(describe(&json!([1])), "an array");
        assert_eq!(one_of(&["mmHg"]), "\"mmHg\"");
    }
}
