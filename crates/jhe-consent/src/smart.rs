//! SMART on FHIR resource scopes carried by an access token, and what they allow.
//!
//! A token without any SMART resource scope (the exchange's own clients ask for `openid email` only) carries the
//! user's full rights: [`TokenScopes::Unrestricted`]. As soon as a token names one resource scope, it is restricted
//! to what its resource scopes grant, and the user's rights still apply on top: a scope never grants more than the
//! user may do.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Whose data a SMART scope is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmartContext {
    /// `patient/`: the patient in context. Here that is the signed-in user's own patient record, so these scopes
    /// only ever reach the user's own data.
    Patient,
    /// `user/`: whatever the signed-in user may access.
    User,
    /// `system/`: a backend service; treated like `user/` because a client always acts for a user here.
    System,
}

impl SmartContext {
    /// The scope prefix, without the slash.
    pub const fn as_str(self) -> &'static str {
        match self {
            SmartContext::Patient => "patient",
            SmartContext::User => "user",
            SmartContext::System => "system",
        }
    }
}

/// The resource type a SMART scope covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmartResource {
    /// `*`: every resource type, and the exchange's administrative resources (users, settings, …).
    Any,
    /// One FHIR resource type, such as `Observation`.
    Type(String),
}

/// The interactions a SMART scope permits (SMART v2 `c r u d s`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct SmartPermissions {
    /// `c`: create.
    pub create: bool,
    /// `r`: read by id.
    pub read: bool,
    /// `u`: update.
    pub update: bool,
    /// `d`: delete.
    pub delete: bool,
    /// `s`: search.
    pub search: bool,
}

impl SmartPermissions {
    /// All five interactions (`.*` or `.cruds`).
    pub const ALL: SmartPermissions = SmartPermissions {
        create: true,
        read: true,
        update: true,
        delete: true,
        search: true,
    };

    /// Whether these permissions allow the kind of access.
    pub const fn allow(self, access: Access) -> bool {
        match access {
            Access::Read => self.read || self.search,
            Access::Create => self.create,
            Access::Update => self.update,
            Access::Delete => self.delete,
        }
    }
}

/// The kind of access an action needs from a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Read or search. Either `r` or `s` suffices: a search returns exactly the rows a read by id would.
    Read,
    /// Create (`c`).
    Create,
    /// Update (`u`), also used for adding to and removing from a resource's sub-collections.
    Update,
    /// Delete (`d`).
    Delete,
}

impl Access {
    /// A verb for messages ("reading", "creating", …).
    pub const fn gerund(self) -> &'static str {
        match self {
            Access::Read => "reading",
            Access::Create => "creating",
            Access::Update => "changing",
            Access::Delete => "deleting",
        }
    }

    /// The SMART v2 letter this access needs (read also accepts `s`).
    pub const fn letter(self) -> char {
        match self {
            Access::Read => 'r',
            Access::Create => 'c',
            Access::Update => 'u',
            Access::Delete => 'd',
        }
    }
}

/// A string that looks like a SMART resource scope but is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{scope}\" is not a valid SMART resource scope: {problem}")]
pub struct ScopeParseError {
    /// The offending scope.
    pub scope: String,
    /// What is wrong with it.
    pub problem: &'static str,
}

/// One parsed SMART resource scope, v1 (`patient/Observation.read`) or v2 (`patient/Observation.rs`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SmartScope {
    /// `patient/`, `user/` or `system/`.
    pub context: SmartContext,
    /// The resource type, or `*`.
    pub resource: SmartResource,
    /// What it permits.
    pub permissions: SmartPermissions,
    /// A SMART v2 granular constraint (`?category=…`). The engine cannot evaluate these, so a constrained scope
    /// grants nothing (fail closed) until the constraint is supported.
    pub constraint: Option<String>,
}

impl SmartScope {
    /// Whether this looks like a resource scope (`patient/…`, `user/…`, `system/…`), valid or not.
    pub fn looks_like_resource_scope(scope: &str) -> bool {
        ["patient/", "user/", "system/"]
            .iter()
            .any(|prefix| scope.starts_with(prefix))
    }

    /// Parses one resource scope.
    pub fn parse(scope: &str) -> Result<SmartScope, ScopeParseError> {
        let fail = |problem| ScopeParseError {
            scope: scope.to_owned(),
            problem,
        };
        let (context, rest) = if let Some(rest) = scope.strip_prefix("patient/") {
            (SmartContext::Patient, rest)
        } else if let Some(rest) = scope.strip_prefix("user/") {
            (SmartContext::User, rest)
        } else if let Some(rest) = scope.strip_prefix("system/") {
            (SmartContext::System, rest)
        } else {
            return Err(fail("it must start with patient/, user/ or system/"));
        };
        let (rest, constraint) = match rest.split_once('?') {
            Some((rest, query)) if !query.is_empty() => (rest, Some(query.to_owned())),
            Some(_) => return Err(fail("the constraint after '?' is empty")),
            None => (rest, None),
        };
        let (resource, permissions) = rest
            .split_once('.')
            .ok_or_else(|| fail("the resource type must be followed by '.' and permissions"))?;
        let resource = if resource == "*" {
            SmartResource::Any
        } else if resource.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && resource.chars().all(|c| c.is_ascii_alphanumeric())
        {
            SmartResource::Type(resource.to_owned())
        } else {
            return Err(fail("the resource type must be a FHIR resource name or '*'"));
        };
        let permissions = match permissions {
            "read" => SmartPermissions {
                read: true,
                search: true,
                ..SmartPermissions::default()
            },
            "write" => SmartPermissions {
                create: true,
                update: true,
                delete: true,
                ..SmartPermissions::default()
            },
            "*" => SmartPermissions::ALL,
            letters => parse_v2_permissions(letters).ok_or_else(|| {
                fail("permissions must be read, write, * or the letters c, r, u, d, s in that order")
            })?,
        };
        Ok(SmartScope {
            context,
            resource,
            permissions,
            constraint,
        })
    }

    /// Whether this scope lets the token do `access` on `resource` (`None` = an administrative resource that
    /// only `*` covers), for data that is (`own_data`) or is not the signed-in user's own patient data.
    pub fn allows(&self, resource: Option<&str>, access: Access, own_data: bool) -> bool {
        let context_fits = match self.context {
            SmartContext::Patient => own_data,
            SmartContext::User | SmartContext::System => true,
        };
        let resource_fits = match (&self.resource, resource) {
            (SmartResource::Any, _) => true,
            (SmartResource::Type(granted), Some(wanted)) => granted == wanted,
            (SmartResource::Type(_), None) => false,
        };
        self.constraint.is_none() && context_fits && resource_fits && self.permissions.allow(access)
    }
}

fn parse_v2_permissions(letters: &str) -> Option<SmartPermissions> {
    const ORDER: [char; 5] = ['c', 'r', 'u', 'd', 's'];
    let mut permissions = SmartPermissions::default();
    let mut next = 0;
    if letters.is_empty() {
        return None;
    }
    for letter in letters.chars() {
        let position = ORDER.iter().position(|&c| c == letter)?;
        if position < next {
            return None;
        }
        next = position + 1;
        match letter {
            'c' => permissions.create = true,
            'r' => permissions.read = true,
            'u' => permissions.update = true,
            'd' => permissions.delete = true,
            _ => permissions.search = true,
        }
    }
    Some(permissions)
}

impl FromStr for SmartScope {
    type Err = ScopeParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SmartScope::parse(s)
    }
}

impl fmt::Display for SmartScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let resource = match &self.resource {
            SmartResource::Any => "*",
            SmartResource::Type(name) => name.as_str(),
        };
        write!(f, "{}/{}.", self.context.as_str(), resource)?;
        let p = self.permissions;
        for (on, letter) in [
            (p.create, 'c'),
            (p.read, 'r'),
            (p.update, 'u'),
            (p.delete, 'd'),
            (p.search, 's'),
        ] {
            if on {
                write!(f, "{letter}")?;
            }
        }
        if let Some(constraint) = &self.constraint {
            write!(f, "?{constraint}")?;
        }
        Ok(())
    }
}

/// What an access token's scopes allow.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "scopes")]
pub enum TokenScopes {
    /// No SMART resource scope on the token (or a first-party session): the user's full rights.
    #[default]
    Unrestricted,
    /// The token is limited to these resource scopes. An empty list allows nothing but the user's own profile
    /// and the public catalogue.
    Smart(Vec<SmartScope>),
}

impl TokenScopes {
    /// Reads a space-separated OAuth `scope` string. Scopes that are not resource scopes (`openid`, `email`,
    /// `launch/patient`, `offline_access`, …) are ignored. A string that looks like a resource scope but does not
    /// parse still restricts the token, and grants nothing: a typo must never widen access.
    pub fn from_scope_string(scope: &str) -> TokenScopes {
        let mut restricted = false;
        let mut grants = Vec::new();
        for item in scope
            .split_whitespace()
            .filter(|s| SmartScope::looks_like_resource_scope(s))
        {
            restricted = true;
            if let Ok(grant) = SmartScope::parse(item) {
                grants.push(grant);
            }
        }
        if restricted {
            TokenScopes::Smart(grants)
        } else {
            TokenScopes::Unrestricted
        }
    }

    /// Whether the token lets its holder do `access` on `resource` (`None` = an administrative resource), for
    /// data that is or is not the holder's own patient data.
    pub fn allows(&self, resource: Option<&str>, access: Access, own_data: bool) -> bool {
        match self {
            TokenScopes::Unrestricted => true,
            TokenScopes::Smart(grants) => grants.iter().any(|g| g.allows(resource, access, own_data)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(s: &str) -> SmartScope {
        SmartScope::parse(s).unwrap()
    }

    #[test]
    fn v1_read_means_read_and_search() {
        let s = scope("patient/Observation.read");
        assert_eq!(s.context, SmartContext::Patient);
        assert_eq!(s.resource, SmartResource::Type("Observation".into()));
        assert!(s.permissions.read && s.permissions.search);
        assert!(!s.permissions.create && !s.permissions.update && !s.permissions.delete);
    }

    #[test]
    fn v1_write_means_create_update_delete() {
        let p = scope("user/Observation.write").permissions;
        assert!(p.create && p.update && p.delete && !p.read && !p.search);
    }

    #[test]
    fn v1_star_means_everything() {
        assert_eq!(scope("system/*.*").permissions, SmartPermissions::ALL);
        assert_eq!(scope("system/*.*").resource, SmartResource::Any);
    }

    #[test]
    fn v2_letters_are_parsed() {
        let p = scope("user/Observation.rs").permissions;
        assert!(p.read && p.search && !p.create);
        assert_eq!(scope("patient/Patient.cruds").permissions, SmartPermissions::ALL);
        assert!(scope("patient/Observation.c").permissions.create);
    }

    #[test]
    fn v2_letters_out_of_order_or_repeated_are_rejected() {
        assert!(SmartScope::parse("user/Observation.sr").is_err());
        assert!(SmartScope::parse("user/Observation.rr").is_err());
        assert!(SmartScope::parse("user/Observation.x").is_err());
        assert!(SmartScope::parse("user/Observation.").is_err());
    }

    #[test]
    fn malformed_resource_scopes_are_rejected() {
        assert!(SmartScope::parse("user/observation.rs").is_err());
        assert!(SmartScope::parse("user/Observation").is_err());
        assert!(SmartScope::parse("launch/patient").is_err());
        assert!(SmartScope::parse("user/Observation.rs?").is_err());
    }

    #[test]
    fn scopes_display_in_v2_form() {
        assert_eq!(
            scope("patient/Observation.read").to_string(),
            "patient/Observation.rs"
        );
        assert_eq!(scope("user/*.*").to_string(), "user/*.cruds");
        assert_eq!(
            scope("user/Observation.rs?category=x").to_string(),
            "user/Observation.rs?category=x"
        );
    }

    #[test]
    fn a_token_without_resource_scopes_is_unrestricted() {
        assert_eq!(
            TokenScopes::from_scope_string("openid email"),
            TokenScopes::Unrestricted
        );
        assert_eq!(TokenScopes::from_scope_string(""), TokenScopes::Unrestricted);
        assert_eq!(
            TokenScopes::from_scope_string("openid launch/patient offline_access"),
            TokenScopes::Unrestricted
        );
    }

    #[test]
    fn a_token_with_a_resource_scope_is_restricted_to_it() {
        let token = TokenScopes::from_scope_string("openid patient/Observation.rs");
        assert!(token.allows(Some("Observation"), Access::Read, true));
        assert!(!token.allows(Some("Observation"), Access::Create, true));
        assert!(!token.allows(Some("Patient"), Access::Read, true));
    }

    #[test]
    fn a_malformed_resource_scope_restricts_the_token_and_grants_nothing() {
        let token = TokenScopes::from_scope_string("openid patient/Observation.bogus");
        assert_eq!(token, TokenScopes::Smart(vec![]));
        assert!(!token.allows(Some("Observation"), Access::Read, true));
    }

    #[test]
    fn patient_context_scopes_reach_only_own_data() {
        let token = TokenScopes::from_scope_string("patient/Observation.rs");
        assert!(token.allows(Some("Observation"), Access::Read, true));
        assert!(!token.allows(Some("Observation"), Access::Read, false));
        let user = TokenScopes::from_scope_string("user/Observation.rs");
        assert!(user.allows(Some("Observation"), Access::Read, false));
        assert!(user.allows(Some("Observation"), Access::Read, true));
    }

    #[test]
    fn administrative_resources_need_a_wildcard_scope() {
        let typed = TokenScopes::from_scope_string("user/Observation.cruds");
        assert!(!typed.allows(None, Access::Read, false));
        let wildcard = TokenScopes::from_scope_string("user/*.rs");
        assert!(wildcard.allows(None, Access::Read, false));
        assert!(!wildcard.allows(None, Access::Update, false));
    }

    #[test]
    fn constrained_v2_scopes_grant_nothing_yet() {
        let token = TokenScopes::from_scope_string("user/Observation.rs?category=vital-signs");
        assert!(!token.allows(Some("Observation"), Access::Read, false));
    }
}
