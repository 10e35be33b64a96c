//! OperationOutcome: how FHIR endpoints report errors.

use serde::{Deserialize, Serialize};

use super::datatypes::OperationOutcomeTag;

/// How bad an issue is (`OperationOutcome.issue.severity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IssueSeverity {
    /// The action failed and the system may be unstable.
    Fatal,
    /// The action failed.
    Error,
    /// The action succeeded with a problem worth knowing.
    Warning,
    /// For information only.
    Information,
    /// The action succeeded.
    Success,
}

/// What kind of issue it is (`OperationOutcome.issue.code`, a subset of the FHIR `issue-type` codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IssueType {
    /// Content invalid against the specification or a profile.
    Invalid,
    /// A structural issue in the content.
    Structure,
    /// A required element is missing.
    Required,
    /// An element value is invalid.
    Value,
    /// An authentication or authorization problem.
    Security,
    /// The user needs to log in.
    Login,
    /// The user may not do this.
    Forbidden,
    /// Processing failed (the code the reference uses for every error).
    Processing,
    /// The request is not supported.
    NotSupported,
    /// An attempt to create a duplicate.
    Duplicate,
    /// The resource was not found.
    NotFound,
    /// The request would cost too much.
    TooCostly,
    /// A business rule was broken.
    BusinessRule,
    /// A content or version conflict.
    Conflict,
    /// An unexpected internal error.
    Exception,
    /// For information only.
    Informational,
}

/// One issue of an OperationOutcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    /// How bad it is.
    pub severity: IssueSeverity,
    /// What kind of issue.
    pub code: IssueType,
    /// The message for a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<String>,
    /// FHIRPath expressions locating the issue in the resource.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expression: Vec<String>,
}

/// `OperationOutcome`: `{"resourceType": "OperationOutcome", "issue": [{severity, code, diagnostics}]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationOutcome {
    /// Always `OperationOutcome`.
    pub resource_type: OperationOutcomeTag,
    /// The issues, at least one.
    pub issue: Vec<Issue>,
}

impl OperationOutcome {
    /// One error issue with code `processing`: the shape of every FHIR error of the exchange.
    pub fn error(diagnostics: impl Into<String>) -> Self {
        Self::single(IssueSeverity::Error, IssueType::Processing, diagnostics)
    }

    /// One issue of the given severity and type.
    pub fn single(severity: IssueSeverity, code: IssueType, diagnostics: impl Into<String>) -> Self {
        OperationOutcome {
            resource_type: OperationOutcomeTag,
            issue: vec![Issue {
                severity,
                code,
                diagnostics: Some(diagnostics.into()),
                expression: Vec::new(),
            }],
        }
    }

    /// Adds an issue.
    pub fn with_issue(mut self, issue: Issue) -> Self {
        self.issue.push(issue);
        self
    }

    /// The first issue's diagnostics, if any.
    pub fn diagnostics(&self) -> Option<&str> {
        self.issue.first().and_then(|i| i.diagnostics.as_deref())
    }
}

/// The message the exchange answers with (403) when a practitioner names, in a search, a patient, organization or
/// study they may not see: `Current user is not authorized to access Patient/40003.`
pub fn not_authorized_message(resource_type: &str, id: impl std::fmt::Display) -> String {
    format!("Current user is not authorized to access {resource_type}/{id}.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_error_has_the_reference_shape() {
        let outcome = OperationOutcome::error("Patient/40001 not found.");
        assert_eq!(
            serde_json::to_value(&outcome).unwrap(),
            json!({"resourceType": "OperationOutcome", "issue": [
                {"severity": "error", "code": "processing", "diagnostics": "Patient/40001 not found."}]})
        );
        assert_eq!(outcome.diagnostics(), Some("Patient/40001 not found."));
    }

    #[test]
    fn issue_codes_use_fhir_spelling() {
        let outcome = OperationOutcome::single(IssueSeverity::Warning, IssueType::NotSupported, "x")
            .with_issue(Issue {
                severity: IssueSeverity::Information,
                code: IssueType::TooCostly,
                diagnostics: None,
                expression: vec!["Observation.status".into()],
            });
        let json = serde_json::to_value(&outcome).unwrap();
        assert_eq!(json["issue"][0]["code"], "not-supported");
        assert_eq!(json["issue"][1]["code"], "too-costly");
        assert_eq!(json["issue"][1]["expression"], json!(["Observation.status"]));
        let back: OperationOutcome = serde_json::from_value(json).unwrap();
        assert_eq!(back, outcome);
    }

    #[test]
    fn forbidden_references_are_named() {
        assert_eq!(
            not_authorized_message("Group", 30004),
            "Current user is not authorized to access Group/30004."
        );
    }
}
