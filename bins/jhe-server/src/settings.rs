//! The effective configuration. Each setting is taken from the first of these that has it:
//!
//! 1. a flag on the command line (`--bind …`);
//! 2. its environment variable (`JHE_BIND=…`), including those a `.env` file in the working directory put there
//!    (a variable already set wins over `.env`);
//! 3. the config file named by `--config` / `JHE_CONFIG` (TOML, keys as the variable without `JHE_`, lower case:
//!    `bind = "0.0.0.0:8000"`);
//! 4. its default.
//!
//! An empty value counts as unset. Every setting is checked here, once, before any command does anything, and a bad
//! one stops the start with a message naming it. The same table drives `jhe-server config print`, so what is
//! printed is exactly what the server uses.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use jhe_http::config::{LoginThrottle, Secret, TokenLifetimes, TrustedProxies};

/// How a setting's value is shown by `config print` and in error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redaction {
    /// Shown as it is.
    None,
    /// Never shown.
    Whole,
    /// A URL whose password is never shown.
    UrlPassword,
}

/// One setting: its names in each source, its default, and whether it is a secret.
#[derive(Debug)]
pub struct Spec {
    /// The key in the config file, and clap's argument id.
    pub key: &'static str,
    /// The environment variable.
    pub env: &'static str,
    /// The command-line flag.
    pub flag: &'static str,
    /// The default as text, `None` when unset by default.
    pub default: Option<&'static str>,
    /// What the default means when it is `None`, for `config print`.
    pub unset_means: &'static str,
    pub redaction: Redaction,
}

macro_rules! spec {
    ($name:ident, $key:literal, default = $default:expr, unset = $unset:literal, redaction = $redaction:ident) => {
        #[doc = concat!("`JHE_", stringify!($name), "` / `--", $key, "`.")]
        pub const $name: Spec = Spec {
            key: $key,
            env: concat!("JHE_", stringify!($name)),
            flag: concat!("--", $key),
            default: $default,
            unset_means: $unset,
            redaction: Redaction::$redaction,
        };
    };
    ($name:ident, $key:literal, $default:expr) => {
        spec!(
            $name,
            $key,
            default = $default,
            unset = "",
            redaction = None
        );
    };
}

// The flag is the key with dashes; written out so that a search for either finds the other.
spec!(
    DATABASE_URL,
    "database-url",
    default = Some("sqlite://jhe.sqlite3"),
    unset = "",
    redaction = UrlPassword
);
spec!(DATABASE_POOL_SIZE, "database-pool-size", Some("10"));
spec!(LOG, "log", Some("info"));
spec!(LOG_FORMAT, "log-format", Some("text"));
spec!(BIND, "bind", Some("127.0.0.1:8000"));
spec!(SITE_URL, "site-url", Some("http://localhost:8000"));
spec!(DEMO, "demo", Some("false"));
spec!(
    WORKERS,
    "workers",
    default = None,
    unset = "one per core",
    redaction = None
);
spec!(SHUTDOWN_TIMEOUT, "shutdown-timeout", Some("30"));
spec!(
    TRUSTED_PROXIES,
    "trusted-proxies",
    default = None,
    unset = "no proxy is trusted, X-Forwarded-For is ignored",
    redaction = None
);
spec!(
    OIDC_RSA_PRIVATE_KEY,
    "oidc-rsa-private-key",
    default = None,
    unset = "a key is generated and kept in the database",
    redaction = Whole
);
spec!(
    KEY_ENCRYPTION_SECRET,
    "key-encryption-secret",
    default = None,
    unset = "generated keys are stored unencrypted",
    redaction = Whole
);
spec!(ACCESS_TOKEN_LIFETIME, "access-token-lifetime", Some("1209600"));
spec!(ID_TOKEN_LIFETIME, "id-token-lifetime", Some("36000"));
spec!(REFRESH_TOKEN_LIFETIME, "refresh-token-lifetime", Some("0"));
spec!(SESSION_LIFETIME, "session-lifetime", Some("1209600"));
spec!(LOGIN_MAX_FAILURES, "login-max-failures", Some("10"));
spec!(
    LOGIN_MAX_FAILURES_PER_ADDRESS,
    "login-max-failures-per-address",
    Some("50")
);
spec!(LOGIN_WINDOW, "login-window", Some("900"));
spec!(
    WEB_ASSETS_DIR,
    "web-assets-dir",
    default = None,
    unset = "the web UI embedded in the binary is served",
    redaction = None
);

/// Every setting, in the order `config print` shows them.
pub const ALL: [&Spec; 20] = [
    &DATABASE_URL,
    &DATABASE_POOL_SIZE,
    &LOG,
    &LOG_FORMAT,
    &BIND,
    &SITE_URL,
    &DEMO,
    &WORKERS,
    &SHUTDOWN_TIMEOUT,
    &TRUSTED_PROXIES,
    &OIDC_RSA_PRIVATE_KEY,
    &KEY_ENCRYPTION_SECRET,
    &ACCESS_TOKEN_LIFETIME,
    &ID_TOKEN_LIFETIME,
    &REFRESH_TOKEN_LIFETIME,
    &SESSION_LIFETIME,
    &LOGIN_MAX_FAILURES,
    &LOGIN_MAX_FAILURES_PER_ADDRESS,
    &LOGIN_WINDOW,
    &WEB_ASSETS_DIR,
];

/// The variable and flag that name the config file itself.
pub const CONFIG_ENV: &str = "JHE_CONFIG";

impl Spec {
    /// The key as written in the config file: the flag without dashes, `_` for `-`.
    pub fn file_key(&self) -> String {
        self.key.replace('-', "_")
    }

    fn show(&self, value: &str) -> String {
        match self.redaction {
            Redaction::None => value.to_owned(),
            Redaction::Whole => "<redacted>".to_owned(),
            Redaction::UrlPassword => redact_url_password(value),
        }
    }
}

fn redact_url_password(value: &str) -> String {
    match url::Url::parse(value) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // Only URLs that cannot carry a password refuse one, and this one carries one.
            let _ = parsed.set_password(Some("redacted"));
            parsed.to_string()
        }
        _ => value.to_owned(),
    }
}

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Flag,
    Environment,
    File(PathBuf),
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag => f.write_str("command line"),
            Origin::Environment => f.write_str("environment"),
            Origin::File(path) => write!(f, "config file {}", path.display()),
            Origin::Default => f.write_str("default"),
        }
    }
}

/// A setting that cannot be used. Its message names the setting in every form an operator may have used.
#[derive(Debug)]
pub struct SettingError {
    spec: &'static Spec,
    origin: Origin,
    problem: String,
}

impl fmt::Display for SettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} / {} (`{}` in a config file), from the {}: {}",
            self.spec.env,
            self.spec.flag,
            self.spec.file_key(),
            self.origin,
            self.problem
        )
    }
}

impl std::error::Error for SettingError {}

/// A config file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigFileError {
    #[error("{CONFIG_ENV} / --config: cannot read {path}: {error}")]
    Unreadable { path: PathBuf, error: std::io::Error },
    #[error("{CONFIG_ENV} / --config: {path} is not valid TOML: {error}")]
    NotToml { path: PathBuf, error: String },
    #[error("{path}: unknown setting `{key}`; the known ones are {known}")]
    UnknownKey {
        path: PathBuf,
        key: String,
        known: String,
    },
    #[error("{path}: `{key}` must be a string, an integer, a boolean or (trusted_proxies) a list of strings")]
    BadType { path: PathBuf, key: String },
}

/// The config file's settings, as text, by file key.
#[derive(Debug, Clone, Default)]
pub struct ConfigFile {
    path: PathBuf,
    values: BTreeMap<String, String>,
}

impl ConfigFile {
    /// Reads and checks a config file: TOML, known keys only, plain values.
    pub fn read(path: &Path) -> Result<ConfigFile, ConfigFileError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigFileError::Unreadable {
            path: path.to_owned(),
            error,
        })?;
        ConfigFile::parse(path, &text)
    }

    fn parse(path: &Path, text: &str) -> Result<ConfigFile, ConfigFileError> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| ConfigFileError::NotToml {
                path: path.to_owned(),
                error: e.message().to_owned(),
            })?;
        let mut values = BTreeMap::new();
        for (key, value) in table {
            if !ALL.iter().any(|spec| spec.file_key() == key) {
                return Err(ConfigFileError::UnknownKey {
                    path: path.to_owned(),
                    key,
                    known: ALL.iter().map(|s| s.file_key()).collect::<Vec<_>>().join(", "),
                });
            }
            let bad_type = || ConfigFileError::BadType {
                path: path.to_owned(),
                key: key.clone(),
            };
            let text = match &value {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                toml::Value::Array(items) if key == TRUSTED_PROXIES.file_key() => items
                    .iter()
                    .map(|item| item.as_str().map(str::to_owned).ok_or_else(bad_type))
                    .collect::<Result<Vec<_>, _>>()?
                    .join(","),
                _ => return Err(bad_type()),
            };
            values.insert(key, text);
        }
        Ok(ConfigFile {
            path: path.to_owned(),
            values,
        })
    }
}

/// Where raw values come from: what clap saw (a flag, or an environment variable clap read for a flag of the
/// current command), a snapshot of the `JHE_*` environment (for settings the current command has no flag for), and
/// the config file.
#[derive(Debug, Default)]
pub struct Sources {
    /// Values clap parsed, by key (`bind`, `database-url`).
    pub from_cli: BTreeMap<&'static str, String>,
    /// `JHE_*` variables.
    pub env: BTreeMap<String, String>,
    pub file: Option<ConfigFile>,
}

impl Sources {
    /// The process's `JHE_*` variables; a value that is not UTF-8 is an error naming the variable.
    pub fn environment() -> Result<BTreeMap<String, String>, String> {
        let mut env = BTreeMap::new();
        for (name, value) in std::env::vars_os() {
            let Some(name) = name.to_str().filter(|n| n.starts_with("JHE_")) else {
                continue;
            };
            let value = value
                .into_string()
                .map_err(|_| format!("{name} is not valid UTF-8"))?;
            env.insert(name.to_owned(), value);
        }
        Ok(env)
    }

    fn lookup(&self, spec: &'static Spec) -> (Option<String>, Origin) {
        let set = |v: &String| !v.is_empty();
        if let Some(value) = self.from_cli.get(spec.key).filter(|v| set(v)) {
            // clap reads the variable itself when no flag is given; a value equal to the variable came from it.
            let origin = if self.env.get(spec.env) == Some(value) {
                Origin::Environment
            } else {
                Origin::Flag
            };
            return (Some(value.clone()), origin);
        }
        if let Some(value) = self.env.get(spec.env).filter(|v| set(v)) {
            return (Some(value.clone()), Origin::Environment);
        }
        if let Some(file) = &self.file
            && let Some(value) = file.values.get(&spec.file_key()).filter(|v| set(v))
        {
            return (Some(value.clone()), Origin::File(file.path.clone()));
        }
        (spec.default.map(str::to_owned), Origin::Default)
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// One setting's effective value as `config print` shows it.
#[derive(Debug, Clone)]
pub struct Shown {
    pub spec: &'static Spec,
    /// Redacted where the setting is secret; `None` when unset.
    pub value: Option<String>,
    pub origin: Origin,
}

/// The checked configuration; each field is the setting of the same name in the table above (`ALL`).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Checked for its scheme; the store opens it.
    pub database_url: String,
    pub database_pool_size: u32,
    /// An env_logger filter that parses.
    pub log: String,
    pub log_format: LogFormat,
    pub bind: SocketAddr,
    /// Without a trailing slash.
    pub site_url: String,
    pub demo: bool,
    /// `None`: one worker per core.
    pub workers: Option<usize>,
    pub shutdown_timeout_secs: u64,
    pub trusted_proxies: TrustedProxies,
    /// For UI development: a folder the web UI's files are read from on each request.
    pub web_assets_dir: Option<PathBuf>,
    /// A PEM that parses as an RSA private key.
    pub oidc_rsa_private_key: Option<Secret>,
    /// At least 16 characters.
    pub key_encryption_secret: Option<Secret>,
    pub lifetimes: TokenLifetimes,
    pub throttle: LoginThrottle,
    /// Every setting as `config print` shows it.
    pub shown: Vec<Shown>,
}

struct Resolver<'a> {
    sources: &'a Sources,
    shown: Vec<Shown>,
}

impl Resolver<'_> {
    /// The setting parsed by `parse`, whose error text says what is wrong with the value.
    fn get<T>(
        &mut self,
        spec: &'static Spec,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, SettingError> {
        let (raw, origin) = self.sources.lookup(spec);
        let parsed = match &raw {
            Some(raw) => Some(parse(raw.trim()).map_err(|problem| SettingError {
                spec,
                origin: origin.clone(),
                problem,
            })?),
            None => None,
        };
        self.shown.push(Shown {
            spec,
            value: raw.as_deref().map(|v| spec.show(v.trim())),
            origin,
        });
        Ok(parsed)
    }

    /// A setting with a default, so always present.
    fn required<T>(
        &mut self,
        spec: &'static Spec,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, SettingError> {
        self.get(spec, parse)?.ok_or_else(|| SettingError {
            spec,
            origin: Origin::Default,
            problem: "has no value".into(),
        })
    }
}

fn integer<T>(min: T, max: T) -> impl Fn(&str) -> Result<T, String>
where
    T: std::str::FromStr + PartialOrd + fmt::Display + Copy,
{
    move |text| {
        let value: T = text
            .parse()
            .map_err(|_| format!("{text:?} is not a whole number"))?;
        if value < min || value > max {
            return Err(format!("{value} is outside {min}..={max}"));
        }
        Ok(value)
    }
}

fn existing_dir(text: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(text);
    if path.join("index.html").is_file() {
        Ok(path)
    } else {
        Err(format!(
            "{text:?} is not a folder holding the web UI (no index.html in it)"
        ))
    }
}

fn boolean(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(format!("{text:?} is not true or false")),
    }
}

/// Checks the site URL and drops a trailing slash, so `https://x/` and `https://x` mean the same site.
pub fn site_url(text: &str) -> Result<String, String> {
    let parsed = url::Url::parse(text).map_err(|e| format!("{text:?} is not a URL ({e})"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(format!(
            "must be an http:// or https:// URL with a host, got {text:?}"
        ));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(format!("must not have a query or fragment, got {text:?}"));
    }
    Ok(text.trim_end_matches('/').to_owned())
}

fn database_url(text: &str) -> Result<String, String> {
    jhe_store::DatabaseTarget::parse(text)
        .map(|_| text.to_owned())
        .map_err(|e| e.to_string())
}

fn log_filter(text: &str) -> Result<String, String> {
    env_filter::Builder::new()
        .try_parse(text)
        .map(|_| text.to_owned())
        .map_err(|e| {
            format!("{text:?} is not an env_logger filter ({e}), for example `info` or `jhe_http=debug,info`")
        })
}

fn log_format(text: &str) -> Result<LogFormat, String> {
    match text.to_ascii_lowercase().as_str() {
        "text" => Ok(LogFormat::Text),
        "json" => Ok(LogFormat::Json),
        _ => Err(format!("{text:?} is neither `text` nor `json`")),
    }
}

fn socket_addr(text: &str) -> Result<SocketAddr, String> {
    text.parse()
        .map_err(|_| format!("{text:?} is not an address and port such as 127.0.0.1:8000 or [::]:8000"))
}

fn signing_key(text: &str) -> Result<Secret, String> {
    // Parsed here so that a bad key stops every command at once, not only `serve` when it first signs.
    jhe_oauth::SigningKey::from_pem(text)
        .map(|_| Secret::new(text))
        .map_err(|e| format!("not a usable RSA private key (PEM, PKCS#1 or PKCS#8): {e}"))
}

fn encryption_secret(text: &str) -> Result<Secret, String> {
    if text.chars().count() < 16 {
        return Err("must be at least 16 characters; use a long random value".into());
    }
    Ok(Secret::new(text))
}

/// Reads every setting from `sources` and checks it.
pub fn resolve(sources: &Sources) -> Result<Settings, SettingError> {
    let mut r = Resolver {
        sources,
        shown: Vec::new(),
    };
    let settings = Settings {
        database_url: r.required(&DATABASE_URL, database_url)?,
        database_pool_size: r.required(&DATABASE_POOL_SIZE, integer(1, 1000))?,
        log: r.required(&LOG, log_filter)?,
        log_format: r.required(&LOG_FORMAT, log_format)?,
        bind: r.required(&BIND, socket_addr)?,
        site_url: r.required(&SITE_URL, site_url)?,
        demo: r.required(&DEMO, boolean)?,
        workers: r.get(&WORKERS, integer(1, 1024))?,
        shutdown_timeout_secs: r.required(&SHUTDOWN_TIMEOUT, integer(0, 3600))?,
        trusted_proxies: r
            .get(&TRUSTED_PROXIES, TrustedProxies::parse)?
            .unwrap_or_default(),
        web_assets_dir: r.get(&WEB_ASSETS_DIR, existing_dir)?,
        oidc_rsa_private_key: r.get(&OIDC_RSA_PRIVATE_KEY, signing_key)?,
        key_encryption_secret: r.get(&KEY_ENCRYPTION_SECRET, encryption_secret)?,
        lifetimes: TokenLifetimes {
            access_secs: r.required(&ACCESS_TOKEN_LIFETIME, integer(60, i64::MAX))?,
            id_token_secs: r.required(&ID_TOKEN_LIFETIME, integer(60, i64::MAX))?,
            refresh_secs: Some(r.required(&REFRESH_TOKEN_LIFETIME, integer(0, i64::MAX))?).filter(|s| *s > 0),
            session_secs: r.required(&SESSION_LIFETIME, integer(60, i64::MAX))?,
        },
        throttle: LoginThrottle {
            max_failures_per_account: r.required(&LOGIN_MAX_FAILURES, integer(1, i64::MAX))?,
            max_failures_per_address: r.required(&LOGIN_MAX_FAILURES_PER_ADDRESS, integer(1, i64::MAX))?,
            window_secs: r.required(&LOGIN_WINDOW, integer(1, i64::MAX))?,
        },
        shown: Vec::new(),
    };
    Ok(Settings {
        shown: r.shown,
        ..settings
    })
}

impl Settings {
    /// The HTTP layer's configuration.
    pub fn http_config(&self) -> jhe_http::HttpConfig {
        let mut config = jhe_http::HttpConfig::new(&self.site_url);
        config.lifetimes = self.lifetimes.clone();
        config.throttle = self.throttle.clone();
        config.signing_key_pem = self.oidc_rsa_private_key.clone();
        config.key_encryption_secret = self.key_encryption_secret.clone();
        config.trusted_proxies = self.trusted_proxies.clone();
        config.web_assets_dir = self.web_assets_dir.clone();
        config
    }

    /// The effective configuration as a TOML document with the origin of each value in a comment: a config file
    /// with every secret replaced by `<redacted>`.
    pub fn to_toml(&self, config_file: Option<&Path>) -> String {
        let mut out = String::from(
            "# The effective configuration of jhe-server: flag > environment (.env included) > config file > default.\n\
             # Secrets are shown as \"<redacted>\".\n",
        );
        if let Some(path) = config_file {
            out.push_str(&format!("# Config file: {}\n", path.display()));
        }
        for shown in &self.shown {
            let key = shown.spec.file_key();
            match &shown.value {
                None => out.push_str(&format!(
                    "# {key} is unset: {} ({})\n",
                    shown.spec.unset_means, shown.origin
                )),
                Some(value) => {
                    let literal = toml_literal(shown.spec, value);
                    out.push_str(&format!("{key} = {literal}  # {}\n", shown.origin));
                }
            }
        }
        out
    }
}

/// A value written as TOML would read it back: numbers and booleans bare, the proxy list as an array, the rest as
/// strings.
fn toml_literal(spec: &Spec, value: &str) -> String {
    if spec.key == TRUSTED_PROXIES.key {
        let items: toml::value::Array = value
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(|s| toml::Value::String(s.to_owned()))
            .collect();
        return toml::Value::Array(items).to_string();
    }
    if spec.redaction == Redaction::None
        && (value.parse::<i64>().is_ok() || value == "true" || value == "false")
    {
        return value.to_owned();
    }
    toml::Value::String(value.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(cli: &[(&'static str, &str)], env: &[(&str, &str)], file: Option<&str>) -> Sources {
        Sources {
            from_cli: cli.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            file: file.map(|text| ConfigFile::parse(Path::new("jhe.toml"), text).unwrap()),
        }
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let s = resolve(&Sources::default()).unwrap();
        assert_eq!(s.database_url, "sqlite://jhe.sqlite3");
        assert_eq!(s.bind, "127.0.0.1:8000".parse().unwrap());
        assert_eq!(s.site_url, "http://localhost:8000");
        assert!(!s.demo);
        assert_eq!(s.workers, None);
        assert_eq!(s.shutdown_timeout_secs, 30);
        assert_eq!(s.log_format, LogFormat::Text);
        assert_eq!(s.lifetimes.refresh_secs, None);
        assert_eq!(s.throttle.max_failures_per_address, 50);
        assert!(s.shown.iter().all(|x| x.origin == Origin::Default));
        assert_eq!(s.shown.len(), ALL.len(), "every setting is shown");
    }

    #[test]
    fn flag_beats_environment_beats_file_beats_default() {
        let file = "bind = \"10.0.0.1:1\"\nworkers = 3\nshutdown_timeout = 5\nlogin_window = 60\n";
        let s = resolve(&sources(
            &[("bind", "10.0.0.3:3")],
            &[("JHE_BIND", "10.0.0.2:2"), ("JHE_WORKERS", "2")],
            Some(file),
        ))
        .unwrap();
        assert_eq!(s.bind.port(), 3, "flag");
        assert_eq!(s.workers, Some(2), "environment over file");
        assert_eq!(s.shutdown_timeout_secs, 5, "file over default");
        assert_eq!(s.throttle.max_failures_per_account, 10, "default");
        let origin = |key: &str| s.shown.iter().find(|x| x.spec.key == key).unwrap().origin.clone();
        assert_eq!(origin("bind"), Origin::Flag);
        assert_eq!(origin("workers"), Origin::Environment);
        assert_eq!(origin("shutdown-timeout"), Origin::File("jhe.toml".into()));
        assert_eq!(origin("login-max-failures"), Origin::Default);
    }

    #[test]
    fn a_value_clap_read_from_the_environment_is_labelled_so() {
        let s = resolve(&sources(
            &[("bind", "10.0.0.2:2")],
            &[("JHE_BIND", "10.0.0.2:2")],
            None,
        ))
        .unwrap();
        assert_eq!(
            s.shown.iter().find(|x| x.spec.key == "bind").unwrap().origin,
            Origin::Environment
        );
    }

    #[test]
    fn empty_values_count_as_unset() {
        let s = resolve(&sources(
            &[],
            &[("JHE_KEY_ENCRYPTION_SECRET", ""), ("JHE_BIND", "")],
            None,
        ))
        .unwrap();
        assert!(s.key_encryption_secret.is_none());
        assert_eq!(s.bind.port(), 8000);
    }

    #[test]
    fn bad_values_name_their_setting_and_origin() {
        /// The environment, the setting the message must name, and what it must say about the value.
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
        let cases: &[Case] = &[
            (&[("JHE_BIND", "nonsense")], "JHE_BIND / --bind", "environment"),
            (
                &[("JHE_WORKERS", "0")],
                "JHE_WORKERS / --workers",
                "outside 1..=1024",
            ),
            (&[("JHE_DEMO", "maybe")], "JHE_DEMO / --demo", "not true or false"),
            (
                &[("JHE_SITE_URL", "localhost:8000")],
                "JHE_SITE_URL / --site-url",
                "http",
            ),
            (
                &[("JHE_DATABASE_URL", "foo://x")],
                "JHE_DATABASE_URL",
                "unsupported database URL scheme \"foo://\"",
            ),
            (&[("JHE_LOG_FORMAT", "xml")], "JHE_LOG_FORMAT", "neither"),
            (&[("JHE_LOG", "info,jhe=loud")], "JHE_LOG / --log", "filter"),
            (
                &[("JHE_TRUSTED_PROXIES", "10.0.0.0/99")],
                "JHE_TRUSTED_PROXIES",
                "prefix length",
            ),
            (
                &[("JHE_ACCESS_TOKEN_LIFETIME", "59")],
                "JHE_ACCESS_TOKEN_LIFETIME",
                "outside 60",
            ),
            (
                &[("JHE_KEY_ENCRYPTION_SECRET", "short")],
                "JHE_KEY_ENCRYPTION_SECRET",
                "16 characters",
            ),
            (
                &[("JHE_OIDC_RSA_PRIVATE_KEY", "not a key")],
                "JHE_OIDC_RSA_PRIVATE_KEY",
                "RSA private key",
            ),
            (
                &[("JHE_SHUTDOWN_TIMEOUT", "-1")],
                "JHE_SHUTDOWN_TIMEOUT",
                "whole number",
            ),
        ];
        for (env, name, problem) in cases {
            let err = resolve(&sources(&[], env, None)).unwrap_err().to_string();
            assert!(err.contains(name), "{env:?}: {err}");
            assert!(err.contains(problem), "{env:?}: {err}");
        }
        let err = resolve(&sources(&[], &[], Some("workers = 0")))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`workers` in a config file") && err.contains("config file jhe.toml"),
            "{err}"
        );
    }

    #[test]
    fn secrets_never_show_in_errors_or_the_printout() {
        let err = resolve(&sources(
            &[],
            &[("JHE_KEY_ENCRYPTION_SECRET", "tiny-secret")],
            None,
        ))
        .unwrap_err()
        .to_string();
        assert!(!err.contains("tiny-secret"), "{err}");
        let s = resolve(&sources(
            &[],
            &[
                ("JHE_KEY_ENCRYPTION_SECRET", "a-long-enough-secret-value"),
                ("JHE_DATABASE_URL", "postgres://jhe:hunter2@db.example:5432/jhe"),
            ],
            None,
        ))
        .unwrap();
        let printed = s.to_toml(None);
        assert!(!printed.contains("a-long-enough-secret-value"), "{printed}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(
            printed.contains("key_encryption_secret = \"<redacted>\"  # environment"),
            "{printed}"
        );
        assert!(
            printed.contains("postgres://jhe:redacted@db.example:5432/jhe"),
            "{printed}"
        );
    }

    /// A printout without the origin comments.
    fn values_only(printed: &str) -> Vec<String> {
        printed
            .lines()
            .filter(|l| !l.starts_with("# The") && !l.starts_with("# Secrets") && !l.starts_with("# Config"))
            .map(|l| match l.split_once("  # ") {
                Some((value, _)) => value.to_owned(),
                None => l.rsplit_once(" (").map_or(l, |(text, _)| text).to_owned(),
            })
            .collect()
    }

    #[test]
    fn the_printout_reads_back_as_the_same_configuration() {
        let s = resolve(&sources(
            &[("trusted-proxies", "10.0.0.0/8, 192.0.2.1")],
            &[
                ("JHE_DEMO", "true"),
                ("JHE_WORKERS", "4"),
                ("JHE_SITE_URL", "https://jhe.example.org/"),
            ],
            None,
        ))
        .unwrap();
        let printed = s.to_toml(None);
        assert!(
            printed.contains("trusted_proxies = [\"10.0.0.0/8\", \"192.0.2.1\"]  # command line"),
            "{printed}"
        );
        assert!(printed.contains("workers = 4  # environment"), "{printed}");
        assert!(printed.contains("demo = true  # environment"), "{printed}");
        assert!(
            printed.contains("bind = \"127.0.0.1:8000\"  # default"),
            "{printed}"
        );
        let again = resolve(&sources(&[], &[], Some(&printed))).unwrap();
        assert_eq!(values_only(&again.to_toml(None)), values_only(&printed));
        assert_eq!(again.site_url, "https://jhe.example.org");
    }

    #[test]
    fn config_files_refuse_unknown_keys_and_odd_types() {
        let err = ConfigFile::parse(Path::new("jhe.toml"), "bnid = \"x\"")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown setting `bnid`") && err.contains("bind"),
            "{err}"
        );
        let err = ConfigFile::parse(Path::new("jhe.toml"), "workers = 1.5")
            .unwrap_err()
            .to_string();
        assert!(err.contains("`workers`"), "{err}");
        let err = ConfigFile::parse(Path::new("jhe.toml"), "bind = ")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("JHE_CONFIG") && err.contains("not valid TOML"),
            "{err}"
        );
        let file = ConfigFile::parse(
            Path::new("jhe.toml"),
            "trusted_proxies = [\"10.0.0.0/8\", \"::1\"]\ndemo = true\n",
        )
        .unwrap();
        assert_eq!(file.values["trusted_proxies"], "10.0.0.0/8,::1");
        assert_eq!(file.values["demo"], "true");
    }

    #[test]
    fn spec_names_follow_one_pattern() {
        for spec in ALL {
            assert_eq!(
                spec.env,
                format!("JHE_{}", spec.key.replace('-', "_").to_uppercase())
            );
            assert_eq!(spec.flag, format!("--{}", spec.key));
        }
    }
}
