//! Timether's runtime settings: the `[timether]` table of `Leptos.toml`,
//! each key overridable by a `TIMETHER_…` environment variable (and the
//! database URL also by `DATABASE_URL`). Unknown keys are reported.

use std::net::IpAddr;
use std::path::PathBuf;

/// Every setting, with its default. Field names match the file keys with
/// `_` for `-`; environment names are `TIMETHER_` + the key in capitals.
#[derive(Clone, Debug)]
pub struct Settings {
    pub database_url: String,
    pub public_origin: String,
    pub data_dir: PathBuf,
    pub session_idle_timeout_minutes: i64,
    pub session_absolute_timeout_hours: i64,
    pub trusted_proxies: Vec<IpAddr>,
    pub body_limit_bytes: usize,
    pub import_body_limit_bytes: usize,
    /// Export PDF renders running at once on this instance (CPU work).
    pub pdf_renders_at_once: usize,
    /// A PDF render (its wait for a turn included) longer than this ends
    /// with a sentence.
    pub pdf_render_timeout_secs: u64,
    pub auth_rate_limit_per_minute: i64,
    /// Public API requests per token per minute.
    pub api_rate_limit_per_minute: i64,
    /// Encrypts TOTP secrets. `None` here means `totp.key` in the data
    /// directory, which the server reads or creates at start.
    pub totp_key: Option<crate::secret_box::SecretKey>,
    /// A MaxMind-format database file for session locations.
    pub geoip_database: Option<PathBuf>,
    /// That database, opened at start ([`Settings::resolve_geoip`]).
    pub geoip: Option<std::sync::Arc<crate::geo::Locator>>,
}

/// `(file key, environment variable, what it sets)`, in README order.
pub const KEYS: &[(&str, &str, &str)] = &[
    (
        "database-url",
        "TIMETHER_DATABASE_URL (or DATABASE_URL)",
        "SQLite file or PostgreSQL URL",
    ),
    (
        "public-origin",
        "TIMETHER_PUBLIC_ORIGIN",
        "the origin browsers use; CSRF checks and cookie security follow it",
    ),
    (
        "data-dir",
        "TIMETHER_DATA_DIR",
        "folder for the SQLite database and key files",
    ),
    (
        "session-idle-timeout-minutes",
        "TIMETHER_SESSION_IDLE_TIMEOUT_MINUTES",
        "a session unused this long is signed out",
    ),
    (
        "session-absolute-timeout-hours",
        "TIMETHER_SESSION_ABSOLUTE_TIMEOUT_HOURS",
        "a session this old is signed out however active",
    ),
    (
        "trusted-proxies",
        "TIMETHER_TRUSTED_PROXIES",
        "comma-separated proxy IPs whose X-Forwarded-For is believed",
    ),
    (
        "body-limit-bytes",
        "TIMETHER_BODY_LIMIT_BYTES",
        "largest request body in general",
    ),
    (
        "import-body-limit-bytes",
        "TIMETHER_IMPORT_BODY_LIMIT_BYTES",
        "largest JSON import upload",
    ),
    (
        "pdf-renders-at-once",
        "TIMETHER_PDF_RENDERS_AT_ONCE",
        "Export PDF renders running at once",
    ),
    (
        "pdf-render-timeout-secs",
        "TIMETHER_PDF_RENDER_TIMEOUT_SECS",
        "longest an Export PDF may take",
    ),
    (
        "auth-rate-limit-per-minute",
        "TIMETHER_AUTH_RATE_LIMIT_PER_MINUTE",
        "sign-in, sign-up, 2FA and password attempts per IP per minute",
    ),
    (
        "api-rate-limit-per-minute",
        "TIMETHER_API_RATE_LIMIT_PER_MINUTE",
        "public API requests per token per minute",
    ),
    (
        "totp-key",
        "TIMETHER_TOTP_KEY",
        "base64 of 32 bytes that encrypts 2FA secrets; default: the file totp.key in data-dir",
    ),
    (
        "geoip-database",
        "TIMETHER_GEOIP_DATABASE",
        "a MaxMind-format (.mmdb) file that gives sessions a location; none: \"Unknown location\"",
    ),
];

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: "sqlite://data/timether.db?mode=rwc".into(),
            public_origin: "http://127.0.0.1:3000".into(),
            data_dir: PathBuf::from("data"),
            session_idle_timeout_minutes: 7 * 24 * 60,
            session_absolute_timeout_hours: 30 * 24,
            trusted_proxies: Vec::new(),
            body_limit_bytes: 2 * 1024 * 1024,
            import_body_limit_bytes: 512 * 1024 * 1024,
            pdf_renders_at_once: 2,
            pdf_render_timeout_secs: 60,
            auth_rate_limit_per_minute: 10,
            api_rate_limit_per_minute: 600,
            totp_key: None,
            geoip_database: None,
            geoip: None,
        }
    }
}

impl Settings {
    /// Reads `path` (missing file = defaults) and the environment through
    /// `env`. Returns the settings and warnings about unknown keys.
    pub fn load(
        path: Option<&std::path::Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<(Settings, Vec<String>), String> {
        let text = match path {
            Some(p) if p.exists() => std::fs::read_to_string(p)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?,
            _ => String::new(),
        };
        Self::from_sources(&text, env)
    }

    pub fn from_sources(
        toml_text: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<(Settings, Vec<String>), String> {
        let doc: toml::Table = toml_text
            .parse()
            .map_err(|e| format!("Leptos.toml is not valid TOML: {e}"))?;
        let mut warnings = Vec::new();
        for key in doc.keys() {
            if key != "package" && key != "timether" {
                warnings.push(format!("unknown section [{key}] in Leptos.toml is ignored"));
            }
        }
        let table = match doc.get("timether") {
            Some(toml::Value::Table(t)) => t.clone(),
            Some(_) => return Err("[timether] in Leptos.toml must be a table".into()),
            None => toml::Table::new(),
        };
        for key in table.keys() {
            if !KEYS.iter().any(|(k, _, _)| k == key) {
                warnings.push(format!("unknown setting `{key}` in [timether] is ignored"));
            }
        }

        let mut s = Settings::default();
        let get = |key: &str| -> Result<Option<String>, String> {
            let env_name = format!("TIMETHER_{}", key.replace('-', "_").to_ascii_uppercase());
            if let Some(v) = env(&env_name) {
                return Ok(Some(v));
            }
            match table.get(key) {
                None => Ok(None),
                Some(toml::Value::String(v)) => Ok(Some(v.clone())),
                Some(toml::Value::Integer(v)) => Ok(Some(v.to_string())),
                Some(toml::Value::Array(items)) => Ok(Some(
                    items
                        .iter()
                        .map(|i| {
                            i.as_str()
                                .map(str::to_string)
                                .unwrap_or_else(|| i.to_string())
                        })
                        .collect::<Vec<_>>()
                        .join(","),
                )),
                Some(other) => Err(format!("setting `{key}` has an unsupported value {other}")),
            }
        };
        fn num<T: std::str::FromStr>(key: &str, v: String) -> Result<T, String> {
            v.trim()
                .parse()
                .map_err(|_| format!("setting `{key}` must be a whole number, got `{v}`"))
        }

        if let Some(v) = get("database-url")? {
            s.database_url = v;
        }
        if let Some(v) = env("DATABASE_URL").filter(|_| env("TIMETHER_DATABASE_URL").is_none()) {
            s.database_url = v;
        }
        if let Some(v) = get("public-origin")? {
            s.public_origin = v.trim_end_matches('/').to_string();
        }
        if let Some(v) = get("data-dir")? {
            s.data_dir = PathBuf::from(v);
        }
        if let Some(v) = get("session-idle-timeout-minutes")? {
            s.session_idle_timeout_minutes = num("session-idle-timeout-minutes", v)?;
        }
        if let Some(v) = get("session-absolute-timeout-hours")? {
            s.session_absolute_timeout_hours = num("session-absolute-timeout-hours", v)?;
        }
        if let Some(v) = get("trusted-proxies")? {
            s.trusted_proxies = v
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| {
                    p.parse()
                        .map_err(|_| format!("trusted-proxies: `{p}` is not an IP address"))
                })
                .collect::<Result<_, _>>()?;
        }
        if let Some(v) = get("body-limit-bytes")? {
            s.body_limit_bytes = num("body-limit-bytes", v)?;
        }
        if let Some(v) = get("import-body-limit-bytes")? {
            s.import_body_limit_bytes = num("import-body-limit-bytes", v)?;
        }
        if let Some(v) = get("pdf-renders-at-once")? {
            s.pdf_renders_at_once = num("pdf-renders-at-once", v)?;
        }
        if let Some(v) = get("pdf-render-timeout-secs")? {
            s.pdf_render_timeout_secs = num("pdf-render-timeout-secs", v)?;
        }
        if let Some(v) = get("auth-rate-limit-per-minute")? {
            s.auth_rate_limit_per_minute = num("auth-rate-limit-per-minute", v)?;
        }
        if let Some(v) = get("api-rate-limit-per-minute")? {
            s.api_rate_limit_per_minute = num("api-rate-limit-per-minute", v)?;
        }
        if let Some(v) = get("totp-key")? {
            s.totp_key = Some(
                crate::secret_box::SecretKey::parse(&v).map_err(|e| format!("totp-key: {e}"))?,
            );
        }
        if let Some(v) = get("geoip-database")? {
            s.geoip_database = Some(PathBuf::from(v)).filter(|p| !p.as_os_str().is_empty());
        }
        if s.session_idle_timeout_minutes <= 0 || s.session_absolute_timeout_hours <= 0 {
            return Err("session timeouts must be positive".into());
        }
        if !(s.public_origin.starts_with("http://") || s.public_origin.starts_with("https://")) {
            return Err(format!(
                "public-origin must start with http:// or https://, got `{}`",
                s.public_origin
            ));
        }
        Ok((s, warnings))
    }

    /// Opens the `geoip-database` file, if one is set: a file that cannot be
    /// read stops the start with a sentence rather than leaving every
    /// session's location unknown without a word.
    pub fn resolve_geoip(&mut self) -> Result<(), String> {
        if let Some(path) = &self.geoip_database {
            self.geoip = Some(std::sync::Arc::new(crate::geo::Locator::open(path)?));
        }
        Ok(())
    }

    /// The key for 2FA secrets: the setting, or `totp.key` in the data
    /// directory (created with mode 0600 when missing).
    pub fn resolve_totp_key(&mut self) -> Result<(), String> {
        if self.totp_key.is_none() {
            let path = self.data_dir.join("totp.key");
            self.totp_key = Some(crate::secret_box::SecretKey::load_or_create(&path)?);
        }
        Ok(())
    }

    /// Cookies get `Secure` and the `__Host-` prefix when served over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.public_origin.starts_with("https://")
    }

    pub fn session_cookie_name(&self) -> &'static str {
        if self.secure_cookies() {
            "__Host-timether_session"
        } else {
            "timether_session"
        }
    }

    /// Whether a browser's `Origin` header is ours. A loopback origin also
    /// accepts the other loopback spelling (`localhost` vs `127.0.0.1`).
    pub fn origin_allowed(&self, origin: &str) -> bool {
        let origin = origin.trim_end_matches('/');
        if origin.eq_ignore_ascii_case(&self.public_origin) {
            return true;
        }
        let swap = |o: &str| {
            o.replacen("://127.0.0.1", "://localhost", 1)
                .replacen("://[::1]", "://localhost", 1)
        };
        let ours = swap(&self.public_origin);
        ours.contains("://localhost") && swap(origin).eq_ignore_ascii_case(&ours)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_file_and_unknown_keys_are_reported() {
        let toml = "[package.metadata.leptos]\noutput-name='x'\n[timether]\npublic-origin='https://t.example'\nsession-idle-timeout-minutes=5\ncolour='blue'\n[other]\n";
        let env = |k: &str| match k {
            "TIMETHER_SESSION_IDLE_TIMEOUT_MINUTES" => Some("9".to_string()),
            "DATABASE_URL" => Some("postgres://x".to_string()),
            _ => None,
        };
        let (s, warnings) = Settings::from_sources(toml, env).unwrap();
        assert_eq!(s.public_origin, "https://t.example");
        assert_eq!(s.session_idle_timeout_minutes, 9);
        assert_eq!(s.database_url, "postgres://x");
        assert!(s.secure_cookies());
        assert_eq!(s.session_cookie_name(), "__Host-timether_session");
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings.iter().any(|w| w.contains("colour")));
    }

    #[test]
    fn bad_numbers_are_errors() {
        let err =
            Settings::from_sources("[timether]\nbody-limit-bytes='lots'\n", |_| None).unwrap_err();
        assert!(err.contains("body-limit-bytes"));
    }

    #[test]
    fn loopback_origins_are_interchangeable() {
        let s = Settings::default();
        assert!(s.origin_allowed("http://127.0.0.1:3000"));
        assert!(s.origin_allowed("http://localhost:3000"));
        assert!(!s.origin_allowed("http://localhost:3001"));
        assert!(!s.origin_allowed("https://evil.example"));
    }
}
