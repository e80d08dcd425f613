//! The deployment settings: where the database is, where the key ring comes from, how email
//! leaves, and which files hold the email templates. The command line and the demo read them
//! here; otpkit's core reads no file and knows none of them.
//!
//! | setting | default | what |
//! |---|---|---|
//! | `OTPKIT_DATABASE_URL` | `sqlite://otpkit.sqlite3` | `sqlite://PATH`, `sqlite::memory:`, `postgres://…`, `postgresql://…`, `mysql://…` or `mariadb://…` |
//! | `OTPKIT_SECRET_KEYS` | unset | the key ring text (a secret) |
//! | `OTPKIT_SECRET_KEYS_FILE` | unset | a file holding the key ring text; not with `OTPKIT_SECRET_KEYS` |
//! | `OTPKIT_SMTP_URL` | unset (email challenges fail) | `smtp://…` or `smtps://…` |
//! | `OTP_EMAIL_BODY_TEMPLATE_PATH` | `otp/email/token.txt` (the built-in text) | the text body template's file |
//! | `OTP_EMAIL_BODY_HTML_TEMPLATE_PATH` | unset | the HTML alternative's file |
//!
//! Values follow [`otpkit::settings::env`]'s syntax; an empty value of an optional setting
//! means unset. Errors name the setting and never repeat a value.
//!
//! The database URL is given once: [`Deployment::open`] opens the store it names, brings its
//! schema up to date and loads the key ring that goes with it (for a SQLite file, the key
//! file beside it) — what an engine needs.
//!
//! ```no_run
//! use otpkit::Settings;
//! use otpkit_cli::deploy::Deployment;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut settings = Settings::from_env()?;
//! let deployment = Deployment::from_env()?;
//! // The store at OTPKIT_DATABASE_URL, migrated, and the key ring: OTPKIT_SECRET_KEYS,
//! // OTPKIT_SECRET_KEYS_FILE or {database file}.keys.
//! let opened = deployment.open().await?;
//! if let Some(path) = &opened.created_key_file {
//!     eprintln!("created a new key ring at {}", path.display());
//! }
//! // The template files' texts, unless OTP_EMAIL_BODY_TEMPLATE(_HTML) give them inline.
//! deployment.read_email_templates(&mut settings.email)?;
//! let engine = opened
//!     .engine_builder()
//!     .settings(settings)
//!     .mailer_arc(deployment.mailer()?)
//!     .build()?;
//! # let _ = engine;
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use otpkit::mailer::Mailer;
use otpkit::seal::KeyRing;
use otpkit::settings::EmailSettings;
use otpkit::settings::env::{self, optional};
use otpkit::{KeyRingError, SecretString};

mod key_file;
mod store;

pub use key_file::{DEFAULT_KEY_ID, KeyFileError, load_file, load_or_create_file};
pub use store::{OpenError, Opened, Store};

/// Every environment variable [`Deployment`] reads.
pub const DEPLOYMENT_SETTING_NAMES: [&str; 6] = [
    "OTP_EMAIL_BODY_TEMPLATE_PATH",
    "OTP_EMAIL_BODY_HTML_TEMPLATE_PATH",
    "OTPKIT_DATABASE_URL",
    "OTPKIT_SECRET_KEYS",
    "OTPKIT_SECRET_KEYS_FILE",
    "OTPKIT_SMTP_URL",
];

/// The database URL schemes accepted by `OTPKIT_DATABASE_URL`.
pub const DATABASE_SCHEMES: [&str; 5] = [
    "sqlite://",
    "postgres://",
    "postgresql://",
    "mysql://",
    "mariadb://",
];

/// A private in-memory SQLite database (tests, demos): accepted by `OTPKIT_DATABASE_URL` as
/// the SQLite store accepts it (`sqlite://:memory:` works too). It needs a configured key
/// ring (`OTPKIT_SECRET_KEYS`): there is no file to keep one beside.
pub const SQLITE_MEMORY_URL: &str = "sqlite::memory:";

/// The default value of `OTP_EMAIL_BODY_TEMPLATE_PATH`, which names the built-in template
/// ([`otpkit::mailer::DEFAULT_BODY_TEMPLATE`]): no file is read.
pub const DEFAULT_BODY_TEMPLATE_PATH: &str = "otp/email/token.txt";

/// A deployment setting is invalid, or what it names could not be read. One variant per
/// cause; the message names the setting and never repeats its value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeployError {
    /// A variable is not valid UTF-8.
    #[error(transparent)]
    Value(#[from] env::EnvError),
    /// `OTPKIT_DATABASE_URL` has none of the accepted schemes, or nothing after it.
    #[error(
        "OTPKIT_DATABASE_URL: must be sqlite://PATH, sqlite::memory:, postgres://…, postgresql://…, mysql://… or mariadb://…"
    )]
    DatabaseUrl,
    /// `OTPKIT_SMTP_URL` is not an `smtp://` or `smtps://` URL.
    #[error("OTPKIT_SMTP_URL: must be an smtp:// or smtps:// URL")]
    SmtpUrl,
    /// `OTP_EMAIL_BODY_TEMPLATE_PATH` is empty.
    #[error("OTP_EMAIL_BODY_TEMPLATE_PATH: must not be empty")]
    EmptyTemplatePath,
    /// `OTPKIT_SECRET_KEYS` is not a valid key ring (the text says why, never the secret).
    #[error("OTPKIT_SECRET_KEYS: {0}")]
    SecretKeys(KeyRingError),
    /// Both `OTPKIT_SECRET_KEYS` and `OTPKIT_SECRET_KEYS_FILE` are set.
    #[error(
        "OTPKIT_SECRET_KEYS_FILE: cannot be combined with OTPKIT_SECRET_KEYS; set only one of them"
    )]
    TwoKeySources,
    /// `OTPKIT_SECRET_KEYS_FILE` is set (in code) to an empty path.
    #[error("OTPKIT_SECRET_KEYS_FILE: must not be empty when set")]
    EmptyKeysFile,
    /// The file named by `OTPKIT_SECRET_KEYS_FILE` could not be read or is not a key ring.
    #[error("OTPKIT_SECRET_KEYS_FILE: {0}")]
    KeysFile(KeyFileError),
    /// No key ring is configured and the database is not a SQLite file that could keep one
    /// beside it.
    #[error(
        "OTPKIT_SECRET_KEYS: is required unless OTPKIT_DATABASE_URL is a SQLite file (or set OTPKIT_SECRET_KEYS_FILE)"
    )]
    KeysRequired,
    /// The key ring file beside the SQLite database could not be read or created.
    #[error("OTPKIT_SECRET_KEYS: {0}")]
    EmbeddedKeysFile(KeyFileError),
    /// A template file could not be read.
    #[error("{setting}: cannot read template file {path:?}: {source}")]
    TemplateFile {
        /// The setting that names the file.
        setting: &'static str,
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl DeployError {
    /// The name of the offending setting.
    pub fn name(&self) -> &'static str {
        match self {
            DeployError::Value(e) => e.name(),
            DeployError::DatabaseUrl => "OTPKIT_DATABASE_URL",
            DeployError::SmtpUrl => "OTPKIT_SMTP_URL",
            DeployError::EmptyTemplatePath => "OTP_EMAIL_BODY_TEMPLATE_PATH",
            DeployError::SecretKeys(_)
            | DeployError::KeysRequired
            | DeployError::EmbeddedKeysFile(_) => "OTPKIT_SECRET_KEYS",
            DeployError::TwoKeySources | DeployError::EmptyKeysFile | DeployError::KeysFile(_) => {
                "OTPKIT_SECRET_KEYS_FILE"
            }
            DeployError::TemplateFile { setting, .. } => setting,
        }
    }
}

/// The deployment settings. Field docs give the environment variable and default.
///
/// `Debug` redacts `OTPKIT_SECRET_KEYS` and any password in the database and SMTP URLs.
#[derive(Clone)]
pub struct Deployment {
    /// `OTPKIT_DATABASE_URL`, default `sqlite://otpkit.sqlite3`. Must start with `sqlite://`,
    /// `postgres://`, `postgresql://`, `mysql://` or `mariadb://`.
    pub database_url: String,
    /// `OTPKIT_SECRET_KEYS`, default unset: the key ring text (docs/behaviour.md §5.7). Secret:
    /// redacted in `Debug`. Cannot be combined with `secret_keys_file`.
    pub secret_keys: Option<SecretString>,
    /// `OTPKIT_SECRET_KEYS_FILE`, default unset: a file holding the key ring text.
    pub secret_keys_file: Option<PathBuf>,
    /// `OTPKIT_SMTP_URL`, default unset (email challenges then fail with
    /// `challenge_exception`); `smtp://` or `smtps://`. A password in it is redacted in
    /// `Debug`.
    pub smtp_url: Option<String>,
    /// `OTP_EMAIL_BODY_TEMPLATE_PATH`, default `otp/email/token.txt` (the built-in text:
    /// `Your verification code is {{ token }}.`). `OTP_EMAIL_BODY_TEMPLATE` wins over it.
    pub email_body_template_path: String,
    /// `OTP_EMAIL_BODY_HTML_TEMPLATE_PATH`, default unset: the HTML alternative's file.
    /// `OTP_EMAIL_BODY_HTML_TEMPLATE` wins over it.
    pub email_body_html_template_path: Option<String>,
}

impl Default for Deployment {
    /// The defaults, as documented on each field.
    fn default() -> Self {
        Deployment {
            database_url: "sqlite://otpkit.sqlite3".to_owned(),
            secret_keys: None,
            secret_keys_file: None,
            smtp_url: None,
            email_body_template_path: DEFAULT_BODY_TEMPLATE_PATH.to_owned(),
            email_body_html_template_path: None,
        }
    }
}

impl Deployment {
    /// Reads the deployment settings from the process environment, then
    /// [`validate`](Self::validate)s. A variable that is not valid UTF-8 is an error naming
    /// it.
    pub fn from_env() -> Result<Deployment, DeployError> {
        env::check_utf8(&DEPLOYMENT_SETTING_NAMES)?;
        Self::from_lookup(env::var)
    }

    /// Reads the deployment settings through `lookup` (name → value, `None` when unset),
    /// starting from the defaults, then [`validate`](Self::validate)s.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Deployment, DeployError> {
        let mut d = Deployment::default();
        if let Some(v) = lookup("OTP_EMAIL_BODY_TEMPLATE_PATH") {
            d.email_body_template_path = v;
        }
        d.email_body_html_template_path = optional(lookup("OTP_EMAIL_BODY_HTML_TEMPLATE_PATH"));
        if let Some(v) = lookup("OTPKIT_DATABASE_URL") {
            d.database_url = v;
        }
        d.secret_keys = optional(lookup("OTPKIT_SECRET_KEYS")).map(SecretString::new);
        d.secret_keys_file = optional(lookup("OTPKIT_SECRET_KEYS_FILE")).map(PathBuf::from);
        d.smtp_url = optional(lookup("OTPKIT_SMTP_URL"));
        d.validate()?;
        Ok(d)
    }

    /// Checks every field: the template path is not empty, the URL schemes, the key ring
    /// text, and that at most one key ring source is set. Call it after setting fields in
    /// code. The first problem found is returned, naming its setting.
    pub fn validate(&self) -> Result<(), DeployError> {
        if self.email_body_template_path.is_empty() {
            return Err(DeployError::EmptyTemplatePath);
        }
        let has_scheme = |url: &str, schemes: &[&str]| {
            schemes.iter().any(|scheme| {
                url.strip_prefix(scheme)
                    .is_some_and(|rest| !rest.is_empty())
            })
        };
        let in_memory = self.database_url == SQLITE_MEMORY_URL;
        if !in_memory && !has_scheme(&self.database_url, &DATABASE_SCHEMES) {
            return Err(DeployError::DatabaseUrl);
        }
        if let Some(keys) = &self.secret_keys {
            KeyRing::parse(keys.expose()).map_err(DeployError::SecretKeys)?;
            if self.secret_keys_file.is_some() {
                return Err(DeployError::TwoKeySources);
            }
        }
        if self
            .secret_keys_file
            .as_ref()
            .is_some_and(|p| p.as_os_str().is_empty())
        {
            return Err(DeployError::EmptyKeysFile);
        }
        if let Some(url) = &self.smtp_url
            && !has_scheme(url, &["smtp://", "smtps://"])
        {
            return Err(DeployError::SmtpUrl);
        }
        Ok(())
    }

    /// The SQLite database file named by `OTPKIT_DATABASE_URL` (`sqlite://PATH`, a query such
    /// as `?mode=rwc` removed), or `None` for other backends and in-memory databases.
    ///
    /// ```
    /// let mut d = otpkit_cli::deploy::Deployment::default();
    /// assert_eq!(d.sqlite_path().unwrap().to_str(), Some("otpkit.sqlite3"));
    /// d.database_url = "sqlite:///var/lib/app/otp.db?mode=rwc".into();
    /// assert_eq!(d.sqlite_path().unwrap().to_str(), Some("/var/lib/app/otp.db"));
    /// d.database_url = "postgres://db/otp".into();
    /// assert!(d.sqlite_path().is_none());
    /// ```
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let rest = self.database_url.strip_prefix("sqlite://")?;
        let path = rest.split_once('?').map_or(rest, |(p, _)| p);
        if path.is_empty() || path == ":memory:" {
            return None;
        }
        Some(PathBuf::from(path))
    }

    /// Loads the key ring as docs/behaviour.md §5.7 prescribes: from `OTPKIT_SECRET_KEYS`, else
    /// from the file `OTPKIT_SECRET_KEYS_FILE`, else — for a SQLite file database only — from
    /// `{database file}.keys`, created with mode 0600 and one fresh entry when missing.
    ///
    /// Returns the ring and, when the embedded file was just created, its path, so that the
    /// caller can announce it once on stderr. With PostgreSQL or MySQL and no ring configured,
    /// this is an error naming `OTPKIT_SECRET_KEYS`. (The CLI's `--keys-file` is applied by
    /// setting `secret_keys_file` and clearing `secret_keys` before calling this.)
    pub fn load_key_ring(&self) -> Result<(KeyRing, Option<PathBuf>), DeployError> {
        if let Some(keys) = &self.secret_keys {
            let ring = KeyRing::parse(keys.expose()).map_err(DeployError::SecretKeys)?;
            return Ok((ring, None));
        }
        if let Some(path) = &self.secret_keys_file {
            let ring = load_file(path).map_err(DeployError::KeysFile)?;
            return Ok((ring, None));
        }
        let Some(db) = self.sqlite_path() else {
            return Err(DeployError::KeysRequired);
        };
        let mut file = db.into_os_string();
        file.push(".keys");
        let path = PathBuf::from(file);
        let (ring, created) = load_or_create_file(&path).map_err(DeployError::EmbeddedKeysFile)?;
        Ok((ring, created.then_some(path)))
    }

    /// Puts the template files' texts into `email`: the text body from
    /// `OTP_EMAIL_BODY_TEMPLATE_PATH` unless `email.body_template` is set (an inline
    /// `OTP_EMAIL_BODY_TEMPLATE` wins) or the path is the default, which names the built-in
    /// text; likewise the HTML alternative from `OTP_EMAIL_BODY_HTML_TEMPLATE_PATH`. Call it
    /// at start-up, before building the engine, which then parses every template.
    pub fn read_email_templates(&self, email: &mut EmailSettings) -> Result<(), DeployError> {
        if email.body_template.is_none()
            && self.email_body_template_path != DEFAULT_BODY_TEMPLATE_PATH
        {
            email.body_template = Some(read_template(
                "OTP_EMAIL_BODY_TEMPLATE_PATH",
                &self.email_body_template_path,
            )?);
        }
        if email.body_html_template.is_none()
            && let Some(path) = &self.email_body_html_template_path
        {
            email.body_html_template =
                Some(read_template("OTP_EMAIL_BODY_HTML_TEMPLATE_PATH", path)?);
        }
        Ok(())
    }

    /// The mailer `OTPKIT_SMTP_URL` asks for: SMTP when it is set, else one with which every
    /// email challenge fails (see [`otpkit_smtp::mailer_for_url`]).
    pub fn mailer(&self) -> Result<Arc<dyn Mailer>, otpkit_smtp::Error> {
        otpkit_smtp::mailer_for_url(self.smtp_url.as_deref())
    }
}

fn read_template(setting: &'static str, path: &str) -> Result<String, DeployError> {
    std::fs::read_to_string(path).map_err(|source| DeployError::TemplateFile {
        setting,
        path: path.to_owned(),
        source,
    })
}

impl fmt::Debug for Deployment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deployment")
            .field("database_url", &RedactedUrl(&self.database_url))
            .field("secret_keys", &self.secret_keys)
            .field("secret_keys_file", &self.secret_keys_file)
            .field("smtp_url", &self.smtp_url.as_deref().map(RedactedUrl))
            .field("email_body_template_path", &self.email_body_template_path)
            .field(
                "email_body_html_template_path",
                &self.email_body_html_template_path,
            )
            .finish()
    }
}

/// Shows a URL with any `user:password@` part replaced by `[REDACTED]@`.
fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rfind('@') {
        Some(at) => {
            let host = authority.get(at.saturating_add(1)..).unwrap_or("");
            format!("{scheme}://[REDACTED]@{host}{tail}")
        }
        None => url.to_owned(),
    }
}

struct RedactedUrl<'a>(&'a str);

impl fmt::Debug for RedactedUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&redact_url(self.0), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(pairs: &[(&str, &str)]) -> Result<Deployment, DeployError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Deployment::from_lookup(move |name| map.get(name).cloned())
    }

    fn one(name: &str, value: &str) -> Result<Deployment, DeployError> {
        with(&[(name, value)])
    }

    const KEY_B64: &str = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";

    fn temp_dir(name: &str) -> PathBuf {
        let mut suffix = [0u8; 6];
        getrandom::fill(&mut suffix).unwrap();
        let dir = std::env::temp_dir().join(format!(
            "otpkit-deploy-{name}-{}",
            suffix
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn defaults_equal_spec() {
        let d = Deployment::default();
        assert_eq!(d.database_url, "sqlite://otpkit.sqlite3");
        assert!(d.secret_keys.is_none());
        assert!(d.secret_keys_file.is_none());
        assert_eq!(d.smtp_url, None);
        assert_eq!(d.email_body_template_path, "otp/email/token.txt");
        assert_eq!(d.email_body_html_template_path, None);
        d.validate().unwrap();
        // Nothing set: the lookup gives the defaults.
        let e = Deployment::from_lookup(|_| None).unwrap();
        assert_eq!(format!("{e:?}"), format!("{d:?}"));
    }

    #[test]
    fn text_settings() {
        let d = with(&[
            ("OTP_EMAIL_BODY_TEMPLATE_PATH", "mail/otp.txt"),
            ("OTP_EMAIL_BODY_HTML_TEMPLATE_PATH", "mail/otp.html"),
            ("OTPKIT_SMTP_URL", "smtps://user:pw@mail.example.com:465"),
        ])
        .unwrap();
        assert_eq!(d.email_body_template_path, "mail/otp.txt");
        assert_eq!(
            d.email_body_html_template_path.as_deref(),
            Some("mail/otp.html")
        );
        assert_eq!(
            d.smtp_url.as_deref(),
            Some("smtps://user:pw@mail.example.com:465")
        );
        // Empty optional values mean unset.
        let d = with(&[
            ("OTPKIT_SMTP_URL", ""),
            ("OTPKIT_SECRET_KEYS", ""),
            ("OTPKIT_SECRET_KEYS_FILE", ""),
            ("OTP_EMAIL_BODY_HTML_TEMPLATE_PATH", ""),
        ])
        .unwrap();
        assert!(d.smtp_url.is_none() && d.secret_keys.is_none());
        assert!(d.secret_keys_file.is_none() && d.email_body_html_template_path.is_none());
    }

    #[test]
    fn text_setting_errors() {
        for (name, value) in [
            ("OTP_EMAIL_BODY_TEMPLATE_PATH", ""),
            ("OTPKIT_SMTP_URL", "http://mail"),
            ("OTPKIT_SMTP_URL", "smtp://"),
        ] {
            let err = one(name, value).unwrap_err();
            assert_eq!(err.name(), name, "{name}={value:?}");
        }
        assert_eq!(
            one("OTPKIT_SMTP_URL", "http://mail")
                .unwrap_err()
                .to_string(),
            "OTPKIT_SMTP_URL: must be an smtp:// or smtps:// URL"
        );
        let d = Deployment {
            secret_keys_file: Some(PathBuf::new()),
            ..Deployment::default()
        };
        assert_eq!(
            d.validate().unwrap_err().to_string(),
            "OTPKIT_SECRET_KEYS_FILE: must not be empty when set"
        );
    }

    #[test]
    fn database_urls() {
        for ok in [
            "sqlite://otpkit.sqlite3",
            "sqlite:///abs/path.db",
            "sqlite://data.db?mode=rwc",
            "postgres://u:p@localhost/otp",
            "postgresql://localhost/otp",
            "mysql://localhost/otp",
            "mariadb://localhost/otp",
            "sqlite::memory:",
            "sqlite://:memory:",
        ] {
            assert_eq!(one("OTPKIT_DATABASE_URL", ok).unwrap().database_url, ok);
        }
        for bad in [
            "",
            "sqlite://",
            "sqlite:otpkit.db",
            "SQLITE://x",
            "redis://x",
            "postgres:/x",
            "otpkit.sqlite3",
        ] {
            let err = one("OTPKIT_DATABASE_URL", bad).unwrap_err();
            assert_eq!(err.name(), "OTPKIT_DATABASE_URL", "{bad:?}");
        }
    }

    #[test]
    fn debug_redacts_secrets() {
        let d = with(&[
            ("OTPKIT_SECRET_KEYS", &format!("k1:{KEY_B64}")),
            (
                "OTPKIT_DATABASE_URL",
                "postgres://otp:hunter2@db.example/otp",
            ),
            ("OTPKIT_SMTP_URL", "smtp://mailer:s3cr3t@mail.example:587"),
        ])
        .unwrap();
        let dbg = format!("{d:?} {d:#?}");
        assert!(!dbg.contains(KEY_B64));
        assert!(!dbg.contains(KEY_B64.trim_end_matches('=')));
        assert!(!dbg.contains("AQEBAQEB"));
        assert!(!dbg.contains("hunter2"));
        assert!(!dbg.contains("s3cr3t"));
        assert!(
            dbg.contains("secret_keys: Some(SecretString([REDACTED]))"),
            "{dbg}"
        );
        assert!(
            dbg.contains(r#"database_url: "postgres://[REDACTED]@db.example/otp""#),
            "{dbg}"
        );
        assert!(
            dbg.contains(r#"smtp_url: Some("smtp://[REDACTED]@mail.example:587")"#),
            "{dbg}"
        );
    }

    #[test]
    fn redact_url_forms() {
        assert_eq!(
            redact_url("sqlite://otpkit.sqlite3"),
            "sqlite://otpkit.sqlite3"
        );
        assert_eq!(
            redact_url("mysql://u:p@h/db?x=@"),
            "mysql://[REDACTED]@h/db?x=@"
        );
        assert_eq!(redact_url("mysql://u:p@w@h/db"), "mysql://[REDACTED]@h/db");
        assert_eq!(redact_url("mysql://h/db"), "mysql://h/db");
        assert_eq!(redact_url("no scheme@x"), "no scheme@x");
        assert_eq!(redact_url("smtp://u@h"), "smtp://[REDACTED]@h");
    }

    #[test]
    fn secret_keys_are_validated_without_leaking() {
        let short = "k1:AQEBAQEBAQEBAQEB";
        let err = one("OTPKIT_SECRET_KEYS", short).unwrap_err();
        assert_eq!(err.name(), "OTPKIT_SECRET_KEYS");
        assert!(!err.to_string().contains("AQEBAQEB"), "{err}");
        let ok = one("OTPKIT_SECRET_KEYS", &format!("k1:{KEY_B64}")).unwrap();
        let (ring, created) = ok.load_key_ring().unwrap();
        assert_eq!(ring.active_id(), "k1");
        assert!(created.is_none());
        // Both sources at once are ambiguous.
        let err = with(&[
            ("OTPKIT_SECRET_KEYS", &format!("k1:{KEY_B64}")),
            ("OTPKIT_SECRET_KEYS_FILE", "/etc/otpkit.keys"),
        ])
        .unwrap_err();
        assert_eq!(err.name(), "OTPKIT_SECRET_KEYS_FILE");
    }

    #[test]
    fn key_ring_sources() {
        let dir = temp_dir("settings");

        // Embedded default: {database file}.keys, created once.
        let db = dir.join("app.sqlite3");
        let d = one(
            "OTPKIT_DATABASE_URL",
            &format!("sqlite://{}?mode=rwc", db.display()),
        )
        .unwrap();
        let (ring, created) = d.load_key_ring().unwrap();
        let keys = dir.join("app.sqlite3.keys");
        assert_eq!(created.as_deref(), Some(keys.as_path()));
        let sealed = ring.seal("otp_totp.totpdevice/1", b"k").unwrap();
        let (again, created) = d.load_key_ring().unwrap();
        assert!(created.is_none());
        assert!(again.open("otp_totp.totpdevice/1", &sealed).is_ok());

        // OTPKIT_SECRET_KEYS_FILE reads that file.
        let d = one("OTPKIT_SECRET_KEYS_FILE", keys.to_str().unwrap()).unwrap();
        let (from_file, created) = d.load_key_ring().unwrap();
        assert!(created.is_none());
        assert!(from_file.open("otp_totp.totpdevice/1", &sealed).is_ok());
        let d = one(
            "OTPKIT_SECRET_KEYS_FILE",
            dir.join("nope").to_str().unwrap(),
        )
        .unwrap();
        assert_eq!(
            d.load_key_ring().unwrap_err().name(),
            "OTPKIT_SECRET_KEYS_FILE"
        );

        // Server databases need a configured ring.
        for url in [
            "postgres://db/otp",
            "mysql://db/otp",
            "sqlite://:memory:",
            "sqlite::memory:",
        ] {
            let d = one("OTPKIT_DATABASE_URL", url).unwrap();
            assert_eq!(d.load_key_ring().unwrap_err().name(), "OTPKIT_SECRET_KEYS");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn template_files_are_read_unless_given_inline() {
        let dir = temp_dir("templates");
        let text = dir.join("otp.txt");
        let html = dir.join("otp.html");
        std::fs::write(&text, "File: {{ token }}").unwrap();
        std::fs::write(&html, "<b>{{ token }}</b>").unwrap();
        let d = with(&[
            ("OTP_EMAIL_BODY_TEMPLATE_PATH", text.to_str().unwrap()),
            ("OTP_EMAIL_BODY_HTML_TEMPLATE_PATH", html.to_str().unwrap()),
        ])
        .unwrap();
        let mut email = EmailSettings::default();
        d.read_email_templates(&mut email).unwrap();
        assert_eq!(email.body_template.as_deref(), Some("File: {{ token }}"));
        assert_eq!(
            email.body_html_template.as_deref(),
            Some("<b>{{ token }}</b>")
        );
        // Inline templates win over the files.
        let mut email = EmailSettings {
            body_template: Some("Inline {{ token }}".into()),
            body_html_template: Some("<i>{{ token }}</i>".into()),
            ..EmailSettings::default()
        };
        d.read_email_templates(&mut email).unwrap();
        assert_eq!(email.body_template.as_deref(), Some("Inline {{ token }}"));
        assert_eq!(
            email.body_html_template.as_deref(),
            Some("<i>{{ token }}</i>")
        );
        // The default path names the built-in text: nothing is read.
        let mut email = EmailSettings::default();
        Deployment::default()
            .read_email_templates(&mut email)
            .unwrap();
        assert_eq!(email, EmailSettings::default());
        // A missing file is an error naming its setting and path.
        let missing = dir.join("missing.html");
        let d = one(
            "OTP_EMAIL_BODY_HTML_TEMPLATE_PATH",
            missing.to_str().unwrap(),
        )
        .unwrap();
        let err = d
            .read_email_templates(&mut EmailSettings::default())
            .unwrap_err();
        assert_eq!(err.name(), "OTP_EMAIL_BODY_HTML_TEMPLATE_PATH");
        assert!(
            err.to_string()
                .starts_with("OTP_EMAIL_BODY_HTML_TEMPLATE_PATH: cannot read template file"),
            "{err}"
        );
        assert!(err.to_string().contains("missing.html"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The deployment's settings are its own: the core's and the web pages' are not read.
    #[test]
    fn reads_only_its_own_names() {
        let asked = std::cell::RefCell::new(Vec::new());
        Deployment::from_lookup(|name| {
            asked.borrow_mut().push(name.to_owned());
            None
        })
        .unwrap();
        let mut asked = asked.into_inner();
        asked.sort();
        let mut names = DEPLOYMENT_SETTING_NAMES.to_vec();
        names.sort_unstable();
        assert_eq!(asked, names);
        for name in DEPLOYMENT_SETTING_NAMES {
            assert!(!otpkit::settings::SETTING_NAMES.contains(&name), "{name}");
        }
    }

    #[test]
    fn from_env_reads_the_process_environment() {
        // The test process sets none of these; the result is the defaults.
        if DEPLOYMENT_SETTING_NAMES
            .iter()
            .all(|n| std::env::var_os(n).is_none())
        {
            let d = Deployment::from_env().unwrap();
            assert_eq!(format!("{d:?}"), format!("{:?}", Deployment::default()));
        }
    }
}
