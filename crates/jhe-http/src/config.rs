//! What the HTTP layer needs to know about the deployment, validated once at start by the binary.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// A secret that never shows in logs or debug output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself; use only where it is needed.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Token lifetimes.
#[derive(Debug, Clone)]
pub struct TokenLifetimes {
    /// Access tokens (default 14 days, as the reference).
    pub access_secs: i64,
    /// ID tokens (default 10 hours, as the reference).
    pub id_token_secs: i64,
    /// Refresh tokens; `None` means they do not expire (they still rotate on every use).
    pub refresh_secs: Option<i64>,
    /// Browser sessions.
    pub session_secs: i64,
}

impl Default for TokenLifetimes {
    fn default() -> Self {
        Self {
            access_secs: 1_209_600,
            id_token_secs: 36_000,
            refresh_secs: None,
            session_secs: 1_209_600,
        }
    }
}

/// Login throttling: at most `max_failures_per_account` failed logins per account and
/// `max_failures_per_address` per client address within `window_secs`.
#[derive(Debug, Clone)]
pub struct LoginThrottle {
    pub max_failures_per_account: i64,
    pub max_failures_per_address: i64,
    pub window_secs: i64,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self {
            max_failures_per_account: 10,
            max_failures_per_address: 50,
            window_secs: 900,
        }
    }
}

/// The deployment as the HTTP layer sees it.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// The public URL, without a trailing slash: issuer, links and redirect URIs derive from it.
    pub site_url: String,
    pub lifetimes: TokenLifetimes,
    pub throttle: LoginThrottle,
    /// Encrypts generated signing keys at rest when set.
    pub key_encryption_secret: Option<Secret>,
    /// A signing key given by the operator (PEM); when absent, a key is generated and kept in the database.
    pub signing_key_pem: Option<Secret>,
    /// Reverse proxies whose `X-Forwarded-For` is believed; empty (the default) believes no one.
    pub trusted_proxies: TrustedProxies,
    /// For UI development: serve the web UI's files from this folder, read on each request, instead of the copy
    /// embedded in the binary.
    pub web_assets_dir: Option<std::path::PathBuf>,
}

impl HttpConfig {
    /// A configuration for `site_url` with every other setting at its default.
    pub fn new(site_url: impl Into<String>) -> Self {
        HttpConfig {
            site_url: site_url.into().trim_end_matches('/').to_owned(),
            lifetimes: TokenLifetimes::default(),
            throttle: LoginThrottle::default(),
            key_encryption_secret: None,
            signing_key_pem: None,
            trusted_proxies: TrustedProxies::default(),
            web_assets_dir: None,
        }
    }

    /// The OpenID issuer: `<site>/o`.
    pub fn issuer(&self) -> String {
        format!("{}/o", self.site_url)
    }

    /// The FHIR base URL: `<site>/FHIR/R5`.
    pub fn fhir_base(&self) -> String {
        format!("{}/FHIR/R5", self.site_url)
    }

    /// Whether cookies must be `Secure` (the site is served over https).
    pub fn secure_cookies(&self) -> bool {
        self.site_url.starts_with("https://")
    }
}

/// One address or network (CIDR) of the trusted-proxy list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNetwork {
    address: IpAddr,
    prefix: u8,
}

impl IpNetwork {
    /// Whether `ip` lies in this network. An IPv4 network also matches the same address written IPv4-mapped in
    /// IPv6 (`::ffff:10.0.0.1`), as a dual-stack listener reports IPv4 peers.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.address, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for IpNetwork {
    type Err = String;

    /// `10.0.0.7`, `10.0.0.0/8`, `::1` or `fd00::/8`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let address: IpAddr = address
            .parse()
            .map_err(|_| format!("{text:?} is not an IP address or network (CIDR)"))?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{text:?} has a prefix length outside 0..={max}"))?,
        };
        Ok(IpNetwork { address, prefix })
    }
}

impl fmt::Display for IpNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.prefix)
    }
}

/// The reverse proxies allowed to tell the client's address in `X-Forwarded-For`.
///
/// A forwarded header is believed only when the TCP peer is one of them, and then only as far as the chain of
/// trusted proxies goes: the client is the right-most address in `X-Forwarded-For` that is not a trusted proxy.
/// Addresses further left were written by the client itself and prove nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNetwork>);

impl TrustedProxies {
    /// Parses a list separated by commas or whitespace; an empty list trusts no one.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        list.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|item| !item.is_empty())
            .map(IpNetwork::from_str)
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    /// The networks, in the order given.
    pub fn networks(&self) -> &[IpNetwork] {
        &self.0
    }

    /// Whether `ip` is a trusted proxy.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(ip))
    }

    /// The client's address for a request from `peer` carrying `forwarded_for` (the `X-Forwarded-For` values, in
    /// order). Without a trusted peer the header is ignored; an unparsable entry ends the walk, since nothing left
    /// of it can be trusted.
    pub fn client_ip(&self, peer: Option<IpAddr>, forwarded_for: &[&str]) -> Option<IpAddr> {
        let peer = peer?;
        if !self.contains(peer) {
            return Some(peer);
        }
        let mut client = peer;
        for entry in forwarded_for.iter().flat_map(|v| v.split(',')).rev() {
            let Ok(hop) = entry.trim().parse::<IpAddr>() else {
                break;
            };
            client = hop;
            if !self.contains(hop) {
                break;
            }
        }
        Some(client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn networks_parse_and_match() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.0.2.7 fd00::/8").unwrap();
        assert!(proxies.contains(ip("10.1.2.3")));
        assert!(proxies.contains(ip("192.0.2.7")));
        assert!(!proxies.contains(ip("192.0.2.8")));
        assert!(proxies.contains(ip("fd12::1")));
        assert!(!proxies.contains(ip("fe80::1")));
        assert!(
            proxies.contains(ip("::ffff:10.9.9.9")),
            "IPv4-mapped peers match IPv4 networks"
        );
        assert!(
            TrustedProxies::parse("0.0.0.0/0")
                .unwrap()
                .contains(ip("203.0.113.9"))
        );
        assert_eq!(TrustedProxies::parse("").unwrap(), TrustedProxies::default());
        for bad in ["10.0.0.0/33", "proxy.local", "10.0.0.1/x", "::/129"] {
            assert!(TrustedProxies::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let untrusted_peer = Some(ip("203.0.113.5"));
        assert_eq!(
            proxies.client_ip(untrusted_peer, &["198.51.100.1"]),
            untrusted_peer,
            "a client cannot claim another address"
        );
        let proxy = Some(ip("10.0.0.2"));
        assert_eq!(
            proxies.client_ip(proxy, &["198.51.100.1"]),
            Some(ip("198.51.100.1"))
        );
        assert_eq!(
            proxies.client_ip(proxy, &["1.2.3.4, 198.51.100.1, 10.0.0.9"]),
            Some(ip("198.51.100.1")),
            "the right-most untrusted hop is the client; what it claimed further left is ignored"
        );
        assert_eq!(
            proxies.client_ip(proxy, &["1.2.3.4", "198.51.100.1"]),
            Some(ip("198.51.100.1")),
            "repeated headers read as one list"
        );
        assert_eq!(
            proxies.client_ip(proxy, &[]),
            proxy,
            "no header: the proxy itself"
        );
        assert_eq!(
            proxies.client_ip(proxy, &["garbage, 10.0.0.3"]),
            Some(ip("10.0.0.3")),
            "an unparsable hop ends the walk"
        );
        assert_eq!(
            TrustedProxies::default().client_ip(proxy, &["198.51.100.1"]),
            proxy
        );
        assert_eq!(proxies.client_ip(None, &["198.51.100.1"]), None);
    }
}
