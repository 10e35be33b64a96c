//! The `scope` parameter: the OpenID Connect and SMART scopes this server knows, parsed strictly. An unknown scope
//! is an error (`invalid_scope`), never silently dropped: dropping a resource scope could turn a restricted token
//! into an unrestricted one.

use jhe_consent::{SmartScope, TokenScopes};

/// The scopes that are not SMART resource scopes, in the order [`RequestedScopes::to_scope_string`] writes them.
pub const SUPPORTED_NON_RESOURCE_SCOPES: &[&str] = &[
    "openid",
    "email",
    "profile",
    "fhirUser",
    "offline_access",
    "launch",
    "launch/patient",
];

/// The scopes granted when a request names none.
pub const DEFAULT_SCOPE: &str = "openid email";

/// A `scope` parameter names a scope this server does not grant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    /// Not a known scope, a malformed SMART resource scope, or a SMART v2 scope with a granular constraint
    /// (`?category=…`), which the access engine cannot honour yet.
    #[error("unknown or unsupported scope \"{0}\"")]
    Unknown(String),
}

/// The parsed `scope` of an authorization or token request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestedScopes {
    /// `openid`: an OpenID Connect request (an ID token is issued).
    pub openid: bool,
    /// `email`: the e-mail claim.
    pub email: bool,
    /// `profile`: accepted for SMART clients; no profile claims beyond `sub` are issued.
    pub profile: bool,
    /// `fhirUser`: the `fhirUser` claim (`Patient/…` or `Practitioner/…`).
    pub fhir_user: bool,
    /// `offline_access`: a refresh token.
    pub offline_access: bool,
    /// `launch`: SMART EHR launch context. Accepted, but this server provides no EHR launch context.
    pub launch: bool,
    /// `launch/patient`: standalone launch with a patient in context (a patient user's own record).
    pub launch_patient: bool,
    /// The SMART resource scopes (v1 or v2), deduplicated, in request order.
    pub smart: Vec<SmartScope>,
    /// The SMART resource scopes as the client spelled them, index-aligned with `smart`, so that the granted
    /// `scope` echoes the client's syntax (`patient/*.read` stays v1). Where an entry is missing, the scope is
    /// written in its SMART v2 form.
    pub smart_as_requested: Vec<String>,
}

impl RequestedScopes {
    /// Parses a space-separated `scope`. An empty or blank value means [`DEFAULT_SCOPE`]; any unknown scope is an
    /// error. Scopes are case-sensitive (RFC 6749 §3.3).
    pub fn parse(scope: &str) -> Result<RequestedScopes, ScopeError> {
        let scope = if scope.trim().is_empty() {
            DEFAULT_SCOPE
        } else {
            scope
        };
        let mut parsed = RequestedScopes::default();
        for item in scope.split_ascii_whitespace() {
            match item {
                "openid" => parsed.openid = true,
                "email" => parsed.email = true,
                "profile" => parsed.profile = true,
                "fhirUser" => parsed.fhir_user = true,
                "offline_access" => parsed.offline_access = true,
                "launch" => parsed.launch = true,
                "launch/patient" => parsed.launch_patient = true,
                other if SmartScope::looks_like_resource_scope(other) => {
                    let smart = SmartScope::parse(other)
                        .ok()
                        .filter(|s| s.constraint.is_none())
                        .ok_or_else(|| ScopeError::Unknown(other.to_owned()))?;
                    if !parsed.smart.contains(&smart) {
                        parsed.smart.push(smart);
                        parsed.smart_as_requested.push(other.to_owned());
                    }
                }
                other => return Err(ScopeError::Unknown(other.to_owned())),
            }
        }
        Ok(parsed)
    }

    /// The granted `scope` string: the non-resource scopes in [`SUPPORTED_NON_RESOURCE_SCOPES`] order, then the
    /// SMART scopes in request order, each once. [`RequestedScopes::parse`] reads it back to the same value.
    pub fn to_scope_string(&self) -> String {
        let flags = [
            self.openid,
            self.email,
            self.profile,
            self.fhir_user,
            self.offline_access,
            self.launch,
            self.launch_patient,
        ];
        let mut items: Vec<String> = SUPPORTED_NON_RESOURCE_SCOPES
            .iter()
            .zip(flags)
            .filter(|(_, on)| *on)
            .map(|(name, _)| (*name).to_owned())
            .collect();
        for (i, smart) in self.smart.iter().enumerate() {
            let text = self
                .smart_as_requested
                .get(i)
                .cloned()
                .unwrap_or_else(|| smart.to_string());
            if !items.contains(&text) {
                items.push(text);
            }
        }
        items.join(" ")
    }

    /// What a token with these scopes may do: [`TokenScopes::Unrestricted`] without any SMART resource scope
    /// (the user's full rights, as the exchange's own clients expect), otherwise only what the resource scopes
    /// grant.
    pub fn token_scopes(&self) -> TokenScopes {
        if self.smart.is_empty() {
            TokenScopes::Unrestricted
        } else {
            TokenScopes::Smart(self.smart.clone())
        }
    }

    /// Whether any SMART resource scope was requested.
    pub fn has_resource_scopes(&self) -> bool {
        !self.smart.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use jhe_consent::{Access, SmartContext, SmartPermissions, SmartResource};

    use super::*;

    #[test]
    fn an_empty_scope_means_openid_email() {
        for empty in ["", "   "] {
            let scopes = RequestedScopes::parse(empty).unwrap();
            assert!(scopes.openid && scopes.email);
            assert!(!scopes.profile && !scopes.offline_access && scopes.smart.is_empty());
            assert_eq!(scopes.to_scope_string(), "openid email");
        }
    }

    #[test]
    fn the_reference_clients_scope_parses_unrestricted() {
        let scopes = RequestedScopes::parse("openid email").unwrap();
        assert_eq!(scopes.token_scopes(), TokenScopes::Unrestricted);
        assert_eq!(scopes.to_scope_string(), "openid email");
    }

    #[test]
    fn an_unknown_scope_is_an_error_naming_it() {
        assert_eq!(
            RequestedScopes::parse("openid admin"),
            Err(ScopeError::Unknown("admin".into()))
        );
        assert_eq!(
            RequestedScopes::parse("OpenID"),
            Err(ScopeError::Unknown("OpenID".into()))
        );
        assert_eq!(
            RequestedScopes::parse("openid patient/Observation.bogus"),
            Err(ScopeError::Unknown("patient/Observation.bogus".into()))
        );
        assert_eq!(
            RequestedScopes::parse("launch/encounter"),
            Err(ScopeError::Unknown("launch/encounter".into()))
        );
    }

    #[test]
    fn granular_v2_constraints_are_refused_not_dropped() {
        assert_eq!(
            RequestedScopes::parse("patient/Observation.rs?category=vital-signs"),
            Err(ScopeError::Unknown(
                "patient/Observation.rs?category=vital-signs".into()
            ))
        );
    }

    #[test]
    fn smart_v1_scopes_parse() {
        let scopes =
            RequestedScopes::parse("patient/Observation.read user/Patient.write system/*.*").unwrap();
        assert_eq!(scopes.smart.len(), 3);
        assert_eq!(scopes.smart[0].context, SmartContext::Patient);
        assert!(scopes.smart[0].permissions.read && !scopes.smart[0].permissions.create);
        assert_eq!(scopes.smart[1].context, SmartContext::User);
        assert!(scopes.smart[1].permissions.create && !scopes.smart[1].permissions.read);
        assert_eq!(scopes.smart[2].resource, SmartResource::Any);
        assert_eq!(scopes.smart[2].permissions, SmartPermissions::ALL);
        assert!(!scopes.openid);
    }

    #[test]
    fn smart_v2_scopes_parse() {
        let scopes = RequestedScopes::parse("openid patient/Observation.rs user/*.cruds").unwrap();
        assert_eq!(scopes.smart.len(), 2);
        assert!(scopes.smart[0].permissions.read && scopes.smart[0].permissions.search);
        assert_eq!(scopes.smart[1].permissions, SmartPermissions::ALL);
        assert_eq!(scopes.smart[1].resource, SmartResource::Any);
    }

    #[test]
    fn the_jupyter_smart_on_fhir_default_scope_parses() {
        let scopes = RequestedScopes::parse("openid profile fhirUser launch patient/*.*").unwrap();
        assert!(scopes.openid && scopes.profile && scopes.fhir_user && scopes.launch);
        assert!(!scopes.email && !scopes.launch_patient);
        assert_eq!(scopes.smart.len(), 1);
        assert_eq!(scopes.smart[0].resource, SmartResource::Any);
        assert_eq!(
            scopes.to_scope_string(),
            "openid profile fhirUser launch patient/*.*"
        );
        let token = scopes.token_scopes();
        assert!(token.allows(Some("Observation"), Access::Create, true));
        assert!(!token.allows(Some("Observation"), Access::Read, false));
    }

    #[test]
    fn launch_scopes_and_offline_access_parse() {
        let scopes = RequestedScopes::parse("launch launch/patient offline_access").unwrap();
        assert!(scopes.launch && scopes.launch_patient && scopes.offline_access);
        assert_eq!(scopes.token_scopes(), TokenScopes::Unrestricted);
    }

    #[test]
    fn scope_strings_are_deduplicated_and_round_trip() {
        let scopes = RequestedScopes::parse(
            "patient/Observation.rs email openid email patient/Observation.rs patient/Observation.read",
        )
        .unwrap();
        // `.read` and `.rs` grant the same: kept once, as first spelled.
        assert_eq!(scopes.smart.len(), 1);
        let text = scopes.to_scope_string();
        assert_eq!(text, "openid email patient/Observation.rs");
        assert_eq!(RequestedScopes::parse(&text).unwrap(), scopes);
    }

    #[test]
    fn token_scopes_agree_with_the_engines_reading_of_the_scope_string() {
        for scope in [
            "openid email",
            "openid patient/*.read",
            "user/Observation.cruds patient/Patient.r",
            "launch/patient",
        ] {
            let scopes = RequestedScopes::parse(scope).unwrap();
            assert_eq!(
                scopes.token_scopes(),
                TokenScopes::from_scope_string(&scopes.to_scope_string()),
                "{scope}"
            );
        }
    }

    #[test]
    fn hand_built_scopes_without_spelling_are_written_in_v2_form() {
        let scopes = RequestedScopes {
            openid: true,
            smart: vec![SmartScope::parse("user/Observation.read").unwrap()],
            ..RequestedScopes::default()
        };
        assert_eq!(scopes.to_scope_string(), "openid user/Observation.rs");
    }
}
