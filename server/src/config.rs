//! Configuration: built-in defaults, then an optional TOML file, then environment variables.
//! Validated once at start-up; a bad value stops the process with a message naming it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::auth::sso::{Provision, SsoConfig};
use crate::domain::asn::AsnConfig;
use crate::mail::{MailConfig, TransportKind};
use crate::secret::{MasterKeySpec, Secret};
use crate::stream::EventsConfig;
use crate::sync::config::SyncConfig;
use crate::webhook::WebhookConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ThrottleConfig {
    /// Failed sign-ins for one e-mail address before it is locked for a while.
    pub account_max_failures: i64,
    /// Failed sign-ins from one address (any account) before it is locked.
    pub ip_max_failures: i64,
    pub window_minutes: i64,
    pub lockout_minutes: i64,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        ThrottleConfig { account_max_failures: 5, ip_max_failures: 20, window_minutes: 15, lockout_minutes: 15 }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub database_url: String,
    pub bind: SocketAddr,
    /// The address users reach us at, e.g. `https://portal.example.com`. An `https` URL turns on
    /// Secure cookies; its origin is accepted on state-changing requests.
    pub public_url: Option<String>,
    /// Where cargo-leptos put the site: `pkg/` (wasm, js, css) and the public assets.
    pub site_root: String,
    pub log_format: LogFormat,
    /// A tracing filter, e.g. `info` or `supplyline=debug,tower_http=info`. `RUST_LOG` wins.
    pub log_level: String,
    pub session_idle_minutes: i64,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
    pub throttle: ThrottleConfig,
    /// AES-256-GCM keys that seal Odoo API keys at rest: `id:base64,…`, the first one active.
    pub master_keys: MasterKeySpec,
    pub sync: SyncConfig,
    /// When set, `/metrics` answers only to `Authorization: Bearer <token>`.
    pub metrics_token: Option<Secret>,
    pub asn: AsnConfig,
    pub mail: MailConfig,
    /// Run the notifier (in-app notifications, e-mail, reminders) in `serve`. Tests drain it themselves.
    pub notifications_enabled: bool,
    /// Partner API limits and Idempotency-Key retention.
    pub api: crate::api::ApiConfig,
    /// Outbound webhooks: retries, timeouts, reachable private networks, auto-disable.
    pub webhooks: WebhookConfig,
    /// Canonical events streamed to NATS JetStream: on when `nats_url` is set.
    pub events: EventsConfig,
    /// Single sign-on for buyers and admins through OpenID Connect.
    pub sso: SsoConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://data/supplyline.db".into(),
            bind: SocketAddr::from(([127, 0, 0, 1], 3000)),
            public_url: None,
            site_root: "target/site".into(),
            log_format: LogFormat::Text,
            log_level: "info".into(),
            session_idle_minutes: 8 * 60,
            trust_forwarded_for: false,
            throttle: ThrottleConfig::default(),
            master_keys: MasterKeySpec::default(),
            sync: SyncConfig::default(),
            metrics_token: None,
            asn: AsnConfig::default(),
            mail: MailConfig::default(),
            notifications_enabled: true,
            api: crate::api::ApiConfig::default(),
            webhooks: WebhookConfig::default(),
            events: EventsConfig::default(),
            sso: SsoConfig::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("the configuration file {path} is not valid: {source}")]
    Parse { path: PathBuf, source: toml::de::Error },
    #[error("environment variable {name}={value:?} is not valid: {reason}")]
    Env { name: &'static str, value: String, reason: String },
    #[error("configuration value {field} is not valid: {reason}")]
    Invalid { field: &'static str, reason: String },
}

pub const DEFAULT_FILE: &str = "supplyline.toml";

impl Config {
    /// Defaults ⊕ file (`SUPPLYLINE_CONFIG`, else `supplyline.toml` when present) ⊕ environment.
    pub fn load() -> Result<Config, ConfigError> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let mut config = match env("SUPPLYLINE_CONFIG") {
            Some(path) => Config::from_file(Path::new(&path))?,
            None if Path::new(DEFAULT_FILE).exists() => Config::from_file(Path::new(DEFAULT_FILE))?,
            None => Config::default(),
        };
        config.apply_env(env)?;
        config.validate()?;
        Ok(config)
    }

    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.into(), source })?;
        toml::from_str(&text).map_err(|source| ConfigError::Parse { path: path.into(), source })
    }

    /// Applies the documented environment variables; `lookup` is `std::env::var` outside tests.
    pub fn apply_env(&mut self, lookup: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parsed<T: std::str::FromStr>(name: &'static str, value: String) -> Result<T, ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            value.parse().map_err(|e: T::Err| ConfigError::Env { name, value, reason: e.to_string() })
        }
        if let Some(v) = lookup("DATABASE_URL") {
            self.database_url = v;
        }
        // cargo-leptos sets LEPTOS_SITE_ADDR / LEPTOS_SITE_ROOT when it runs the server.
        if let Some(v) = lookup("SUPPLYLINE_BIND").or_else(|| lookup("LEPTOS_SITE_ADDR")) {
            self.bind = parsed("SUPPLYLINE_BIND", v)?;
        }
        if let Some(v) = lookup("SUPPLYLINE_PUBLIC_URL") {
            self.public_url = Some(v);
        }
        if let Some(v) = lookup("SUPPLYLINE_SITE_ROOT").or_else(|| lookup("LEPTOS_SITE_ROOT")) {
            self.site_root = v;
        }
        if let Some(v) = lookup("SUPPLYLINE_LOG_FORMAT") {
            self.log_format = match v.as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                _ => {
                    return Err(ConfigError::Env {
                        name: "SUPPLYLINE_LOG_FORMAT",
                        value: v,
                        reason: "use text or json".into(),
                    })
                }
            };
        }
        if let Some(v) = lookup("SUPPLYLINE_LOG_LEVEL") {
            self.log_level = v;
        }
        if let Some(v) = lookup("SUPPLYLINE_SESSION_IDLE_MINUTES") {
            self.session_idle_minutes = parsed("SUPPLYLINE_SESSION_IDLE_MINUTES", v)?;
        }
        if let Some(v) = lookup("SUPPLYLINE_TRUST_FORWARDED_FOR") {
            self.trust_forwarded_for = parsed("SUPPLYLINE_TRUST_FORWARDED_FOR", v)?;
        }
        if let Some(v) = lookup("SUPPLYLINE_MASTER_KEYS") {
            self.master_keys = MasterKeySpec::new(v);
        }
        if let Some(v) = lookup("SUPPLYLINE_METRICS_TOKEN") {
            self.metrics_token = Some(Secret::new(v));
        }
        if let Some(v) = lookup("SUPPLYLINE_NOTIFICATIONS_ENABLED") {
            self.notifications_enabled = parsed("SUPPLYLINE_NOTIFICATIONS_ENABLED", v)?;
        }
        if let Some(v) = lookup("SUPPLYLINE_API_REQUESTS_PER_MINUTE_PER_TOKEN") {
            self.api.requests_per_minute_per_token = parsed("SUPPLYLINE_API_REQUESTS_PER_MINUTE_PER_TOKEN", v)?;
        }
        if let Some(v) = lookup("SUPPLYLINE_API_REQUESTS_PER_MINUTE_PER_ADDRESS") {
            self.api.requests_per_minute_per_address = parsed("SUPPLYLINE_API_REQUESTS_PER_MINUTE_PER_ADDRESS", v)?;
        }
        if let Some(v) = lookup("SUPPLYLINE_MAIL_TRANSPORT") {
            self.mail.transport = match v.as_str() {
                "smtp" => TransportKind::Smtp,
                "file" => TransportKind::File,
                "log" => TransportKind::Log,
                _ => {
                    return Err(ConfigError::Env {
                        name: "SUPPLYLINE_MAIL_TRANSPORT",
                        value: v,
                        reason: "use smtp, file or log".into(),
                    })
                }
            };
        }
        if let Some(v) = lookup("SUPPLYLINE_MAIL_FROM") {
            self.mail.from = v;
        }
        if let Some(v) = lookup("SUPPLYLINE_MAIL_DIR") {
            self.mail.file_dir = v;
        }
        if let Some(v) = lookup("SUPPLYLINE_SMTP_HOST") {
            self.mail.smtp_host = v;
        }
        if let Some(v) = lookup("SUPPLYLINE_SMTP_PORT") {
            self.mail.smtp_port = parsed("SUPPLYLINE_SMTP_PORT", v)?;
        }
        if let Some(v) = lookup("SUPPLYLINE_SMTP_TLS") {
            self.mail.smtp_tls = toml::Value::String(v.clone()).try_into().map_err(|_| ConfigError::Env {
                name: "SUPPLYLINE_SMTP_TLS",
                value: v,
                reason: "use none, starttls or tls".into(),
            })?;
        }
        if let Some(v) = lookup("SUPPLYLINE_SMTP_USERNAME") {
            self.mail.smtp_username = Some(v);
        }
        if let Some(v) = lookup("SUPPLYLINE_SMTP_PASSWORD") {
            self.mail.smtp_password = Some(Secret::new(v));
        }
        if let Some(v) = lookup("SUPPLYLINE_SYNC_ENABLED") {
            self.sync.enabled = parsed("SUPPLYLINE_SYNC_ENABLED", v)?;
        }
        if let Some(v) = lookup("SUPPLYLINE_WEBHOOKS_ENABLED") {
            self.webhooks.enabled = parsed("SUPPLYLINE_WEBHOOKS_ENABLED", v)?;
        }
        if let Some(v) = lookup("SUPPLYLINE_WEBHOOKS_TIMEOUT_SECS") {
            self.webhooks.timeout_secs = parsed("SUPPLYLINE_WEBHOOKS_TIMEOUT_SECS", v)?;
        }
        if let Some(v) = lookup("SUPPLYLINE_WEBHOOKS_RETRY_SCHEDULE_SECS") {
            // Comma-separated seconds, e.g. `5,300,1800`.
            self.webhooks.retry_schedule_secs = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| parsed("SUPPLYLINE_WEBHOOKS_RETRY_SCHEDULE_SECS", s.to_string()))
                .collect::<Result<_, _>>()?;
        }
        if let Some(v) = lookup("SUPPLYLINE_WEBHOOKS_ALLOW_PRIVATE_NETWORKS") {
            // Comma-separated hosts, addresses or CIDR blocks.
            self.webhooks.allow_private_networks =
                v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
        }
        if let Some(v) = lookup("SUPPLYLINE_WEBHOOKS_DISABLE_AFTER_FAILING_SECS") {
            self.webhooks.disable_after_failing_secs = parsed("SUPPLYLINE_WEBHOOKS_DISABLE_AFTER_FAILING_SECS", v)?;
        }
        if let Some(v) = lookup("SUPPLYLINE_WEBHOOKS_DISABLE_AFTER_CONSECUTIVE_FAILURES") {
            self.webhooks.disable_after_consecutive_failures =
                parsed("SUPPLYLINE_WEBHOOKS_DISABLE_AFTER_CONSECUTIVE_FAILURES", v)?;
        }
        if let Some(v) = lookup("NATS_URL") {
            self.events.nats_url = Some(v);
        }
        if let Some(v) = lookup("SUPPLYLINE_EVENTS_STREAM") {
            self.events.stream = v;
        }
        if let Some(v) = lookup("SUPPLYLINE_EVENTS_SUBJECT_PREFIX") {
            self.events.subject_prefix = v;
        }
        if let Some(v) = lookup("SUPPLYLINE_SSO_ENABLED") {
            self.sso.enabled = parsed("SUPPLYLINE_SSO_ENABLED", v)?;
        }
        if let Some(v) = lookup("SUPPLYLINE_SSO_ISSUER") {
            self.sso.issuer = v;
        }
        if let Some(v) = lookup("SUPPLYLINE_SSO_CLIENT_ID") {
            self.sso.client_id = v;
        }
        if let Some(v) = lookup("SUPPLYLINE_SSO_CLIENT_SECRET") {
            self.sso.client_secret = Some(Secret::new(v));
        }
        if let Some(v) = lookup("SUPPLYLINE_SSO_DISPLAY_NAME") {
            self.sso.display_name = v;
        }
        if let Some(v) = lookup("SUPPLYLINE_SSO_PROVISION") {
            self.sso.provision = match v.as_str() {
                "none" => Provision::None,
                "buyer" => Provision::Buyer,
                _ => {
                    return Err(ConfigError::Env {
                        name: "SUPPLYLINE_SSO_PROVISION",
                        value: v,
                        reason: "use none or buyer".into(),
                    })
                }
            };
        }
        if let Some(v) = lookup("SUPPLYLINE_SSO_ALLOWED_ROLES") {
            self.sso.allowed_roles = v.split(',').map(|r| r.trim().to_string()).filter(|r| !r.is_empty()).collect();
        }
        Ok(())
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let scheme = self.database_url.split("://").next().unwrap_or_default();
        if !matches!(scheme, "sqlite" | "postgres" | "postgresql") {
            return Err(ConfigError::Invalid {
                field: "database_url",
                reason: format!("{:?} must start with sqlite:// or postgres://", redact_url(&self.database_url)),
            });
        }
        if let Some(url) = &self.public_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ConfigError::Invalid {
                    field: "public_url",
                    reason: format!("{url:?} must start with http:// or https://"),
                });
            }
        }
        if self.session_idle_minutes < 1 {
            return Err(ConfigError::Invalid { field: "session_idle_minutes", reason: "must be at least 1".into() });
        }
        self.master_keys.keys().map_err(|e| ConfigError::Invalid { field: "master_keys", reason: e.to_string() })?;
        self.sync.validate().map_err(|reason| ConfigError::Invalid { field: "sync", reason })?;
        crate::domain::sscc::sscc(&self.asn.gs1_company_prefix, 1)
            .map_err(|reason| ConfigError::Invalid { field: "asn.gs1_company_prefix", reason })?;
        if !(0.0..=100.0).contains(&self.asn.tolerance_percent) {
            return Err(ConfigError::Invalid {
                field: "asn.tolerance_percent",
                reason: "must be between 0 and 100".into(),
            });
        }
        self.mail.validate().map_err(|reason| ConfigError::Invalid { field: "mail", reason })?;
        self.webhooks.validate().map_err(|reason| ConfigError::Invalid { field: "webhooks", reason })?;
        self.events.validate().map_err(|reason| ConfigError::Invalid { field: "events", reason })?;
        self.sso.validate().map_err(|reason| ConfigError::Invalid { field: "sso", reason })?;
        let t = &self.throttle;
        if t.account_max_failures < 1 || t.ip_max_failures < 1 || t.window_minutes < 1 || t.lockout_minutes < 1 {
            return Err(ConfigError::Invalid {
                field: "throttle",
                reason: "every throttle value must be at least 1".into(),
            });
        }
        Ok(())
    }

    /// Cookies are Secure when users reach us over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }

    /// The portal's address for links in e-mail: the public URL, else the address we listen on.
    pub fn base_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.bind),
        }
    }

    /// The public origin (`scheme://host[:port]`), when configured.
    pub fn public_origin(&self) -> Option<String> {
        let url = self.public_url.as_deref()?;
        let (scheme, rest) = url.split_once("://")?;
        let host = rest.split('/').next().unwrap_or_default();
        Some(format!("{scheme}://{host}"))
    }
}

/// A database URL fit for logs: the password replaced, in the user part and in a `password=` parameter.
pub fn redact_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let base = match (base.find("://"), base.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => match base[scheme_end + 3..at].split_once(':') {
            Some((user, _)) => format!("{}://{user}:***@{}", &base[..scheme_end], &base[at + 1..]),
            None => base.to_string(),
        },
        _ => base.to_string(),
    };
    match query {
        None => base,
        Some(q) => {
            let params: Vec<String> = q
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => p.to_string(),
                })
                .collect();
            format!("{base}?{}", params.join("&"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with_env(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let mut c = Config::default();
        c.apply_env(|k| map.get(k).cloned())?;
        c.validate()?;
        Ok(c)
    }

    #[test]
    fn environment_overrides_defaults() {
        let c = with_env(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            ("SUPPLYLINE_BIND", "0.0.0.0:8080"),
            ("SUPPLYLINE_LOG_FORMAT", "json"),
        ])
        .unwrap();
        assert_eq!(c.database_url, "postgres://u@h/db");
        assert_eq!(c.bind.port(), 8080);
        assert_eq!(c.log_format, LogFormat::Json);
    }

    #[test]
    fn bad_environment_values_name_the_variable() {
        let err = with_env(&[("SUPPLYLINE_BIND", "localhost")]).unwrap_err();
        assert!(err.to_string().contains("SUPPLYLINE_BIND"), "{err}");
        let err = with_env(&[("DATABASE_URL", "mysql://x")]).unwrap_err();
        assert!(err.to_string().contains("database_url"), "{err}");
    }

    #[test]
    fn toml_file_is_read_and_unknown_keys_refused() {
        let ok: Config =
            toml::from_str("database_url = \"postgres://a@b/c\"\n[throttle]\naccount_max_failures = 3\n").unwrap();
        assert_eq!(ok.throttle.account_max_failures, 3);
        assert_eq!(ok.throttle.window_minutes, 15);
        assert!(toml::from_str::<Config>("databse_url = \"x\"").is_err());
    }

    #[test]
    fn mail_settings_come_from_the_environment() {
        let c = with_env(&[
            ("SUPPLYLINE_MAIL_TRANSPORT", "smtp"),
            ("SUPPLYLINE_SMTP_HOST", "mail.example.com"),
            ("SUPPLYLINE_SMTP_PORT", "465"),
            ("SUPPLYLINE_SMTP_TLS", "tls"),
        ])
        .unwrap();
        assert_eq!(c.mail.transport, TransportKind::Smtp);
        assert_eq!((c.mail.smtp_host.as_str(), c.mail.smtp_port), ("mail.example.com", 465));
        assert_eq!(c.mail.smtp_tls, crate::mail::SmtpTls::Tls);
        let err = with_env(&[("SUPPLYLINE_SMTP_TLS", "ssl")]).unwrap_err();
        assert!(err.to_string().contains("SUPPLYLINE_SMTP_TLS"), "{err}");
        let err = with_env(&[("SUPPLYLINE_SMTP_USERNAME", "u")]).unwrap_err();
        assert!(err.to_string().contains("smtp_password"), "{err}");
    }

    #[test]
    fn webhook_settings_come_from_the_file_and_the_environment() {
        let c: Config =
            toml::from_str("[webhooks]\nretry_schedule_secs = [1, 2]\nallow_private_networks = [\"127.0.0.1\"]\n")
                .unwrap();
        assert_eq!(c.webhooks.retry_schedule_secs, [1, 2]);
        assert_eq!(c.webhooks.timeout_secs, 10);
        let c = with_env(&[
            ("SUPPLYLINE_WEBHOOKS_RETRY_SCHEDULE_SECS", "5, 60"),
            ("SUPPLYLINE_WEBHOOKS_ALLOW_PRIVATE_NETWORKS", "10.0.0.0/8,hooks.internal"),
            ("SUPPLYLINE_WEBHOOKS_TIMEOUT_SECS", "3"),
        ])
        .unwrap();
        assert_eq!(c.webhooks.retry_schedule_secs, [5, 60]);
        assert_eq!(c.webhooks.allow_private_networks, ["10.0.0.0/8", "hooks.internal"]);
        assert_eq!(c.webhooks.timeout_secs, 3);
        let err = with_env(&[("SUPPLYLINE_WEBHOOKS_ALLOW_PRIVATE_NETWORKS", "10.0.0.0/99")]).unwrap_err();
        assert!(err.to_string().contains("webhooks"), "{err}");
        let err = with_env(&[("SUPPLYLINE_WEBHOOKS_RETRY_SCHEDULE_SECS", "5,x")]).unwrap_err();
        assert!(err.to_string().contains("SUPPLYLINE_WEBHOOKS_RETRY_SCHEDULE_SECS"), "{err}");
    }

    #[test]
    fn nats_url_switches_event_streaming_on() {
        let off = with_env(&[]).unwrap();
        assert!(!off.events.enabled());
        assert_eq!((off.events.stream.as_str(), off.events.subject_prefix.as_str()), ("SUPPLYLINE", "supplyline"));
        let on = with_env(&[("NATS_URL", "nats://127.0.0.1:4222"), ("SUPPLYLINE_EVENTS_STREAM", "PORTAL")]).unwrap();
        assert!(on.events.enabled());
        assert_eq!(on.events.stream, "PORTAL");
        let err = with_env(&[("SUPPLYLINE_EVENTS_SUBJECT_PREFIX", "a.>")]).unwrap_err();
        assert!(err.to_string().contains("events"), "{err}");
        let file: Config = toml::from_str("[events]\nnats_url = \"nats://n:4222\"\nstream = \"X\"\n").unwrap();
        assert_eq!(file.events.subject_prefix, "supplyline");
    }

    #[test]
    fn sso_settings_come_from_the_environment_and_the_secret_stays_hidden() {
        let c = with_env(&[
            ("SUPPLYLINE_SSO_ENABLED", "true"),
            ("SUPPLYLINE_SSO_ISSUER", "https://idp.example/realms/acme"),
            ("SUPPLYLINE_SSO_CLIENT_ID", "supplyline"),
            ("SUPPLYLINE_SSO_CLIENT_SECRET", "s3cret-value"),
            ("SUPPLYLINE_SSO_DISPLAY_NAME", "Acme ID"),
            ("SUPPLYLINE_SSO_PROVISION", "buyer"),
            ("SUPPLYLINE_SSO_ALLOWED_ROLES", "buyer"),
        ])
        .unwrap();
        assert!(c.sso.enabled);
        assert_eq!(c.sso.provision, Provision::Buyer);
        assert_eq!(c.sso.allowed_roles, vec!["buyer".to_string()]);
        assert!(!format!("{c:?}").contains("s3cret-value"), "the client secret is never printed");
        let err = with_env(&[("SUPPLYLINE_SSO_PROVISION", "everyone")]).unwrap_err();
        assert!(err.to_string().contains("SUPPLYLINE_SSO_PROVISION"), "{err}");
        let err = with_env(&[
            ("SUPPLYLINE_SSO_ENABLED", "true"),
            ("SUPPLYLINE_SSO_ISSUER", "https://idp.example"),
            ("SUPPLYLINE_SSO_CLIENT_ID", "x"),
            ("SUPPLYLINE_SSO_ALLOWED_ROLES", "buyer,supplier_admin"),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("sso"), "{err}");
    }

    #[test]
    fn https_public_url_means_secure_cookies() {
        let mut c = Config::default();
        assert!(!c.secure_cookies());
        c.public_url = Some("https://portal.example.com/app".into());
        assert!(c.secure_cookies());
        assert_eq!(c.public_origin().as_deref(), Some("https://portal.example.com"));
    }

    #[test]
    fn passwords_are_redacted_from_urls() {
        assert_eq!(redact_url("postgres://app:s3cret@db:5432/x"), "postgres://app:***@db:5432/x");
        assert_eq!(redact_url("sqlite://data/x.db"), "sqlite://data/x.db");
        assert_eq!(
            redact_url("postgres://db/x?user=a&password=s3cret&sslmode=require"),
            "postgres://db/x?user=a&password=***&sslmode=require"
        );
    }
}
