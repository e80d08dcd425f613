//! The web settings: where otpkit's pages live, where users go after them, and the limits of
//! a request. They belong to this crate; the device policy and the kinds' settings stay in
//! [`otpkit::Settings`].
//!
//! Each setting is read from the same environment variable as before
//! ([`WebSettings::from_env`], or [`WebSettings::from_lookup`] for any other source), with the
//! syntax every layer of settings shares ([`otpkit::settings::env`]): booleans are exactly
//! `true`, `false`, `1` or `0`, numbers unsigned decimal integers, surrounding ASCII
//! whitespace ignored for both but kept in URLs, and an empty `OTP_LOGIN_URL` means unset. Fields set in code afterwards win; call
//! [`WebSettings::validate`] then. An invalid value is a [`WebSettingsError`] naming the
//! setting, never repeating the value.
//!
//! ```
//! use otpkit_axum::WebSettings;
//!
//! let env = |name: &str| match name {
//!     "OTPKIT_URL_PREFIX" => Some("/2fa".to_owned()),
//!     "OTPKIT_REAUTH_MAX_AGE" => Some("600".to_owned()),
//!     _ => None,
//! };
//! let mut web = WebSettings::from_lookup(env)?;
//! assert_eq!(web.login_url(), "/2fa/login/");
//! assert_eq!(web.reauth_max_age, 600);
//! assert_eq!(web.max_body_bytes, 16_384); // default
//!
//! web.login_otp_optional = false; // code wins
//! web.validate()?;
//!
//! let err = WebSettings::from_lookup(|n| (n == "OTPKIT_REAUTH_MAX_AGE").then(|| "5".into()))
//!     .unwrap_err();
//! assert_eq!(err.name(), "OTPKIT_REAUTH_MAX_AGE");
//! # Ok::<(), otpkit_axum::WebSettingsError>(())
//! ```

use otpkit::settings::env::{self, BoolField, EnvError, Number, NumberField};

use crate::enforce_policy::Enforce;

/// Every environment variable [`WebSettings`] reads.
pub const WEB_SETTING_NAMES: [&str; 14] = [
    "OTP_LOGIN_URL",
    "OTP_ADMIN_HIDE_SENSITIVE_DATA",
    "OTPKIT_URL_PREFIX",
    "OTPKIT_LOGIN_REDIRECT_URL",
    "OTPKIT_LOGIN_OTP_OPTIONAL",
    "OTPKIT_PENDING_LOGIN_TTL",
    "OTPKIT_REAUTH_MAX_AGE",
    "OTPKIT_MAX_BODY_BYTES",
    "OTPKIT_SITE_NAME",
    "OTPKIT_DEFAULT_LANGUAGE",
    "OTPKIT_SECURITY_EMAILS",
    "OTPKIT_ENFORCE_2FA",
    "OTPKIT_ENFORCE_GRACE_DAYS",
    "OTPKIT_TRUST_BROWSER_DAYS",
];

/// A web setting is invalid. The message names the setting and says what is expected; it
/// never repeats the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebSettingsError {
    /// A number is not a whole number or out of its range, a boolean is not `true`, `false`,
    /// `1` or `0`, or a variable is not valid UTF-8 (the syntax every layer of settings
    /// shares: [`otpkit::settings::env`]).
    #[error(transparent)]
    Value(#[from] EnvError),
    /// `OTP_LOGIN_URL` is set to the empty text (in code; the environment's empty value
    /// means unset).
    #[error("OTP_LOGIN_URL: must not be empty when set")]
    EmptyLoginUrl,
    /// `OTPKIT_LOGIN_REDIRECT_URL` is empty.
    #[error("OTPKIT_LOGIN_REDIRECT_URL: must not be empty")]
    EmptyLoginRedirectUrl,
    /// `OTPKIT_URL_PREFIX` is neither empty nor a path starting and not ending with `/`.
    #[error("OTPKIT_URL_PREFIX: must be empty or start with `/` and not end with `/` (e.g. /otp)")]
    UrlPrefix,
    /// `OTPKIT_SITE_NAME` is empty, longer than 64 characters or holds a control character.
    #[error("OTPKIT_SITE_NAME: must be 1 to 64 characters without control characters")]
    SiteName,
    /// `OTPKIT_DEFAULT_LANGUAGE` is not a language tag, or one the kit's catalogue does not
    /// have ([`crate::i18n`]).
    #[error(
        "OTPKIT_DEFAULT_LANGUAGE: must be a language of the catalogue (en, de, es, fr, pt or one the application added)"
    )]
    DefaultLanguage,
    /// `OTPKIT_ENFORCE_2FA` is not `off`, `staff` or `everyone`.
    #[error("OTPKIT_ENFORCE_2FA: must be off, staff or everyone")]
    Enforce,
}

impl WebSettingsError {
    /// The name of the offending setting.
    pub fn name(&self) -> &'static str {
        match self {
            WebSettingsError::Value(e) => e.name(),
            WebSettingsError::EmptyLoginUrl => "OTP_LOGIN_URL",
            WebSettingsError::EmptyLoginRedirectUrl => "OTPKIT_LOGIN_REDIRECT_URL",
            WebSettingsError::UrlPrefix => "OTPKIT_URL_PREFIX",
            WebSettingsError::SiteName => "OTPKIT_SITE_NAME",
            WebSettingsError::DefaultLanguage => "OTPKIT_DEFAULT_LANGUAGE",
            WebSettingsError::Enforce => "OTPKIT_ENFORCE_2FA",
        }
    }
}

/// The settings of otpkit's web pages and guards. Field docs give the environment variable,
/// default and range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSettings {
    /// `OTP_LOGIN_URL`: where the guard sends an unverified request. `None` (default) means
    /// `{url_prefix}/login/`; see [`WebSettings::login_url`].
    pub login_url: Option<String>,
    /// `OTPKIT_LOGIN_REDIRECT_URL`, default `/`: where a login goes when `next` is missing or
    /// unsafe; must not be empty.
    pub login_redirect_url: String,
    /// `OTPKIT_URL_PREFIX`, default `/otp`: the mount point of otpkit's routes. Empty (the
    /// root), or starting and not ending with `/`.
    pub url_prefix: String,
    /// `OTPKIT_LOGIN_OTP_OPTIONAL`, default `true`: a user without a confirmed device signs
    /// in with the password alone (unverified); `false` refuses them with `no_device`.
    pub login_otp_optional: bool,
    /// `OTPKIT_PENDING_LOGIN_TTL`, default 300, 60–900 s: how long a login that passed the
    /// password may take to give its code.
    pub pending_login_ttl: u32,
    /// `OTPKIT_REAUTH_MAX_AGE`, default 300, 60–3600 s: how recent a verification must be
    /// for enrolment, device actions and the admin's changes.
    pub reauth_max_age: u32,
    /// `OTPKIT_MAX_BODY_BYTES`, default 16384, 1 to 1 GiB: larger request bodies are refused
    /// with 413.
    pub max_body_bytes: usize,
    /// `OTP_ADMIN_HIDE_SENSITIVE_DATA`, default `false`: the admin area shows no device key
    /// or QR code and accepts no new key.
    pub admin_hide_sensitive_data: bool,
    /// `OTPKIT_SITE_NAME`, default `otpkit`: the site's name in page titles, emails and, when
    /// `OTP_TOTP_ISSUER` is unset, the issuer authenticator apps show ("Site (alice)"). Must
    /// not be empty; at most 64 characters.
    pub site_name: String,
    /// `OTPKIT_DEFAULT_LANGUAGE`, default `en`: the language of a request that asks for none
    /// the catalogue has (see [`crate::i18n`]). A language tag the kit's catalogue must have.
    pub default_language: String,
    /// `OTPKIT_SECURITY_EMAILS`, default `true`: a [`crate::security_mail::SecurityMail`]
    /// given this value emails the user when a sign-in method is added or removed, backup
    /// codes are generated, or a method or the account locks; `false` sends none.
    pub security_emails: bool,
    /// `OTPKIT_ENFORCE_2FA`, default `off`: whom two-step verification is mandatory for —
    /// `off`, `staff` (the user directory's staff) or `everyone`; an application's rule
    /// replaces it ([`OtpKitBuilder::enforce_for`](crate::OtpKitBuilder::enforce_for)). A
    /// covered user without a sign-in method is taken into the guided setup at sign-in
    /// ([`crate::enforce`]).
    pub enforce_2fa: Enforce,
    /// `OTPKIT_ENFORCE_GRACE_DAYS`, default 0, 0–365: the days a covered user without a
    /// method may still sign in with the password alone, counted from their first sign-in
    /// under the policy (needs the kit's trust store,
    /// [`OtpKitBuilder::trust_store`](crate::OtpKitBuilder::trust_store)).
    pub enforce_grace_days: u32,
    /// `OTPKIT_TRUST_BROWSER_DAYS`, default 30, 0–365: how long "Trust this browser" lets a
    /// browser sign in with the password alone; 0 switches trusted browsers off. Needs the
    /// kit's trust store ([`crate::trusted`]).
    pub trust_browser_days: u32,
}

impl Default for WebSettings {
    /// The defaults, as documented on each field.
    fn default() -> Self {
        WebSettings {
            login_url: None,
            login_redirect_url: "/".to_owned(),
            url_prefix: "/otp".to_owned(),
            login_otp_optional: true,
            pending_login_ttl: 300,
            reauth_max_age: 300,
            max_body_bytes: 16_384,
            admin_hide_sensitive_data: false,
            site_name: "otpkit".to_owned(),
            default_language: "en".to_owned(),
            security_emails: true,
            enforce_2fa: Enforce::Off,
            enforce_grace_days: 0,
            trust_browser_days: 30,
        }
    }
}

fn to_u32(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// The number settings with their ranges.
const NUMBERS: &[NumberField<WebSettings>] = &[
    NumberField {
        spec: Number::new("OTPKIT_PENDING_LOGIN_TTL", 60, 900),
        get: |s| s.pending_login_ttl.into(),
        set: |s, v| s.pending_login_ttl = to_u32(v),
    },
    NumberField {
        spec: Number::new("OTPKIT_REAUTH_MAX_AGE", 60, 3600),
        get: |s| s.reauth_max_age.into(),
        set: |s, v| s.reauth_max_age = to_u32(v),
    },
    NumberField {
        spec: Number::new("OTPKIT_TRUST_BROWSER_DAYS", 0, 365),
        get: |s| s.trust_browser_days.into(),
        set: |s, v| s.trust_browser_days = to_u32(v),
    },
    NumberField {
        spec: Number::new("OTPKIT_ENFORCE_GRACE_DAYS", 0, 365),
        get: |s| s.enforce_grace_days.into(),
        set: |s, v| s.enforce_grace_days = to_u32(v),
    },
    NumberField {
        spec: Number::new("OTPKIT_MAX_BODY_BYTES", 1, 1 << 30),
        get: |s| u64::try_from(s.max_body_bytes).unwrap_or(u64::MAX),
        set: |s, v| s.max_body_bytes = usize::try_from(v).unwrap_or(usize::MAX),
    },
];

/// The boolean settings.
const BOOLS: &[BoolField<WebSettings>] = &[
    BoolField {
        name: "OTP_ADMIN_HIDE_SENSITIVE_DATA",
        get: |s| s.admin_hide_sensitive_data,
        set: |s, v| s.admin_hide_sensitive_data = v,
    },
    BoolField {
        name: "OTPKIT_LOGIN_OTP_OPTIONAL",
        get: |s| s.login_otp_optional,
        set: |s, v| s.login_otp_optional = v,
    },
    BoolField {
        name: "OTPKIT_SECURITY_EMAILS",
        get: |s| s.security_emails,
        set: |s, v| s.security_emails = v,
    },
];

impl WebSettings {
    /// Reads the web settings from the process environment, then
    /// [`validate`](Self::validate)s. A variable that is not valid UTF-8 is an error naming it.
    pub fn from_env() -> Result<WebSettings, WebSettingsError> {
        env::check_utf8(&WEB_SETTING_NAMES)?;
        Self::from_lookup(env::var)
    }

    /// Reads the web settings through `lookup` (name → value, `None` when unset), starting
    /// from the defaults, then [`validate`](Self::validate)s.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<WebSettings, WebSettingsError> {
        let mut s = WebSettings::default();
        env::read_numbers(&mut s, NUMBERS, &lookup)?;
        env::read_bools(&mut s, BOOLS, &lookup)?;
        s.login_url = env::optional(lookup("OTP_LOGIN_URL"));
        if let Some(v) = lookup("OTPKIT_URL_PREFIX") {
            s.url_prefix = v;
        }
        if let Some(v) = lookup("OTPKIT_LOGIN_REDIRECT_URL") {
            s.login_redirect_url = v;
        }
        if let Some(v) = lookup("OTPKIT_SITE_NAME") {
            s.site_name = v.trim().to_owned();
        }
        if let Some(v) = lookup("OTPKIT_DEFAULT_LANGUAGE") {
            s.default_language = v.trim().to_owned();
        }
        if let Some(v) = env::optional(lookup("OTPKIT_ENFORCE_2FA")) {
            s.enforce_2fa = Enforce::parse(&v).ok_or(WebSettingsError::Enforce)?;
        }
        s.validate()?;
        Ok(s)
    }

    /// Checks every field: the number ranges, a set `login_url` not empty, the prefix's form
    /// and a non-empty `login_redirect_url`. The first problem found is returned.
    pub fn validate(&self) -> Result<(), WebSettingsError> {
        env::check_numbers(self, NUMBERS)?;
        if self.login_url.as_deref() == Some("") {
            return Err(WebSettingsError::EmptyLoginUrl);
        }
        let prefix = &self.url_prefix;
        if !prefix.is_empty() && (!prefix.starts_with('/') || prefix.ends_with('/')) {
            return Err(WebSettingsError::UrlPrefix);
        }
        if self.login_redirect_url.is_empty() {
            return Err(WebSettingsError::EmptyLoginRedirectUrl);
        }
        let name = self.site_name.trim();
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(WebSettingsError::SiteName);
        }
        if self
            .default_language
            .parse::<unic_langid::LanguageIdentifier>()
            .is_err()
        {
            return Err(WebSettingsError::DefaultLanguage);
        }
        Ok(())
    }

    /// The effective `OTP_LOGIN_URL`: the setting, or `{url_prefix}/login/`.
    ///
    /// ```
    /// let s = otpkit_axum::WebSettings::default();
    /// assert_eq!(s.login_url(), "/otp/login/");
    /// ```
    pub fn login_url(&self) -> String {
        match &self.login_url {
            Some(url) => url.clone(),
            None => format!("{}/login/", self.url_prefix),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(pairs: &[(&str, &str)]) -> Result<WebSettings, WebSettingsError> {
        WebSettings::from_lookup(|name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    fn one(name: &str, value: &str) -> Result<WebSettings, WebSettingsError> {
        with(&[(name, value)])
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let s = WebSettings::default();
        assert_eq!(s.login_url, None);
        assert_eq!(s.login_url(), "/otp/login/");
        assert_eq!(s.login_redirect_url, "/");
        assert_eq!(s.url_prefix, "/otp");
        assert!(s.login_otp_optional);
        assert_eq!(s.pending_login_ttl, 300);
        assert_eq!(s.reauth_max_age, 300);
        assert_eq!(s.max_body_bytes, 16_384);
        assert!(!s.admin_hide_sensitive_data);
        assert!(s.security_emails);
        assert_eq!(s.validate(), Ok(()));
        assert_eq!(with(&[]), Ok(s));
    }

    #[test]
    fn the_two_step_policy_is_read_and_checked() {
        assert_eq!(
            one("OTPKIT_ENFORCE_2FA", " Staff ").map(|s| s.enforce_2fa),
            Ok(Enforce::Staff)
        );
        assert_eq!(with(&[]).map(|s| s.enforce_2fa), Ok(Enforce::Off));
        let e = one("OTPKIT_ENFORCE_2FA", "sometimes").unwrap_err();
        assert_eq!(e.name(), "OTPKIT_ENFORCE_2FA");
        assert_eq!(with(&[]).map(|s| s.trust_browser_days), Ok(30));
    }

    #[test]
    fn ranges_are_the_table() {
        let ranges: Vec<(&str, u64, u64)> = NUMBERS
            .iter()
            .map(|n| (n.spec.name, n.spec.min, n.spec.max))
            .collect();
        assert_eq!(
            ranges,
            [
                ("OTPKIT_PENDING_LOGIN_TTL", 60, 900),
                ("OTPKIT_REAUTH_MAX_AGE", 60, 3600),
                ("OTPKIT_TRUST_BROWSER_DAYS", 0, 365),
                ("OTPKIT_ENFORCE_GRACE_DAYS", 0, 365),
                ("OTPKIT_MAX_BODY_BYTES", 1, 1 << 30),
            ]
        );
        for n in NUMBERS
            .iter()
            .map(|n| n.spec.name)
            .chain(BOOLS.iter().map(|b| b.name))
        {
            assert!(WEB_SETTING_NAMES.contains(&n), "{n}");
        }
        // None of them is the core's any more.
        for n in WEB_SETTING_NAMES {
            assert!(!otpkit::settings::SETTING_NAMES.contains(&n), "{n}");
        }
    }

    #[test]
    fn numeric_boundaries() {
        for field in NUMBERS {
            let spec = field.spec;
            for v in [spec.min, spec.max] {
                let s = one(spec.name, &v.to_string())
                    .unwrap_or_else(|e| panic!("{} = {v}: {e}", spec.name));
                assert_eq!((field.get)(&s), v, "{}", spec.name);
                // Code-built settings at the bounds validate too.
                let mut c = WebSettings::default();
                (field.set)(&mut c, v);
                c.validate().unwrap();
            }
            // 0 is the lowest of some: nothing below it to refuse.
            for v in [Some(spec.max + 1), spec.min.checked_sub(1)]
                .into_iter()
                .flatten()
            {
                let err = one(spec.name, &v.to_string()).unwrap_err();
                assert_eq!(err.name(), spec.name);
                assert_eq!(
                    err.to_string(),
                    format!(
                        "{}: is out of range: it must be a whole number from {} to {}",
                        spec.name, spec.min, spec.max
                    )
                );
                let mut c = WebSettings::default();
                (field.set)(&mut c, v);
                assert_eq!(c.validate().unwrap_err().name(), spec.name);
            }
            for bad in [
                "", " ", "abc", "-1", "+1", "1.0", "1e3", "1_0", "0x10", "１",
            ] {
                let err = one(spec.name, bad).unwrap_err();
                assert_eq!(err.name(), spec.name, "{bad:?}");
                assert_eq!(
                    err.to_string(),
                    format!(
                        "{}: is not a whole number; it must be a whole number from {} to {}",
                        spec.name, spec.min, spec.max
                    )
                );
            }
            // Overflowing u64 is out of range, not a panic.
            let err = one(spec.name, "99999999999999999999999").unwrap_err();
            assert_eq!(err.name(), spec.name);
            // Surrounding whitespace is tolerated.
            let s = one(spec.name, &format!(" {}\n", spec.max)).unwrap();
            assert_eq!((field.get)(&s), spec.max);
        }
    }

    #[test]
    fn booleans() {
        for field in BOOLS {
            for (raw, want) in [("true", true), ("1", true), ("false", false), ("0", false)] {
                let s = one(field.name, raw).unwrap();
                assert_eq!((field.get)(&s), want, "{} = {raw}", field.name);
            }
            for bad in ["", "yes", "no", "TRUE", "False", "2", "on", "t"] {
                let err = one(field.name, bad).unwrap_err();
                assert_eq!(err.name(), field.name);
                assert_eq!(
                    err.to_string(),
                    format!("{}: must be `true`, `false`, `1` or `0`", field.name)
                );
            }
        }
    }

    #[test]
    fn every_value_reads_as_documented() {
        let pairs = [
            ("OTP_LOGIN_URL", "/accounts/otp/"),
            ("OTP_ADMIN_HIDE_SENSITIVE_DATA", " 1 "),
            ("OTPKIT_URL_PREFIX", "/2fa"),
            ("OTPKIT_LOGIN_REDIRECT_URL", "/home"),
            ("OTPKIT_LOGIN_OTP_OPTIONAL", "false"),
            ("OTPKIT_PENDING_LOGIN_TTL", "900"),
            ("OTPKIT_REAUTH_MAX_AGE", " 60"),
            ("OTPKIT_MAX_BODY_BYTES", "1073741824"),
        ];
        let web = with(&pairs).unwrap();
        assert_eq!(web.login_url.as_deref(), Some("/accounts/otp/"));
        assert_eq!(web.login_url(), "/accounts/otp/");
        assert_eq!(web.login_redirect_url, "/home");
        assert_eq!(web.url_prefix, "/2fa");
        assert!(!web.login_otp_optional);
        assert_eq!(web.pending_login_ttl, 900);
        assert_eq!(web.reauth_max_age, 60);
        assert_eq!(web.max_body_bytes, 1 << 30);
        assert!(web.admin_hide_sensitive_data);
        // Without OTP_LOGIN_URL the login URL follows the prefix; empty means unset.
        assert_eq!(
            one("OTPKIT_URL_PREFIX", "/2fa").unwrap().login_url(),
            "/2fa/login/"
        );
        assert_eq!(one("OTPKIT_URL_PREFIX", "").unwrap().login_url(), "/login/");
        assert_eq!(one("OTP_LOGIN_URL", "").unwrap().login_url, None);
    }

    #[test]
    fn errors_name_the_setting_and_say_what_is_expected() {
        let range = |name: &str, min: u64, max: u64| {
            format!("{name}: is out of range: it must be a whole number from {min} to {max}")
        };
        let cases = [
            (
                "OTPKIT_PENDING_LOGIN_TTL",
                "59",
                range("OTPKIT_PENDING_LOGIN_TTL", 60, 900),
            ),
            (
                "OTPKIT_PENDING_LOGIN_TTL",
                "901",
                range("OTPKIT_PENDING_LOGIN_TTL", 60, 900),
            ),
            (
                "OTPKIT_REAUTH_MAX_AGE",
                "3601",
                range("OTPKIT_REAUTH_MAX_AGE", 60, 3600),
            ),
            (
                "OTPKIT_REAUTH_MAX_AGE",
                "-1",
                "OTPKIT_REAUTH_MAX_AGE: is not a whole number; it must be a whole number from 60 to 3600".into(),
            ),
            (
                "OTPKIT_MAX_BODY_BYTES",
                "0",
                range("OTPKIT_MAX_BODY_BYTES", 1, 1 << 30),
            ),
            (
                "OTPKIT_MAX_BODY_BYTES",
                "1073741825",
                range("OTPKIT_MAX_BODY_BYTES", 1, 1 << 30),
            ),
            (
                "OTPKIT_MAX_BODY_BYTES",
                "99999999999999999999999",
                range("OTPKIT_MAX_BODY_BYTES", 1, 1 << 30),
            ),
            (
                "OTPKIT_MAX_BODY_BYTES",
                "",
                "OTPKIT_MAX_BODY_BYTES: is not a whole number; it must be a whole number from 1 to 1073741824".into(),
            ),
            (
                "OTPKIT_LOGIN_OTP_OPTIONAL",
                "yes",
                "OTPKIT_LOGIN_OTP_OPTIONAL: must be `true`, `false`, `1` or `0`".into(),
            ),
            (
                "OTP_ADMIN_HIDE_SENSITIVE_DATA",
                "TRUE",
                "OTP_ADMIN_HIDE_SENSITIVE_DATA: must be `true`, `false`, `1` or `0`".into(),
            ),
            (
                "OTPKIT_URL_PREFIX",
                "/otp/",
                "OTPKIT_URL_PREFIX: must be empty or start with `/` and not end with `/` (e.g. /otp)".into(),
            ),
            (
                "OTPKIT_URL_PREFIX",
                "otp",
                "OTPKIT_URL_PREFIX: must be empty or start with `/` and not end with `/` (e.g. /otp)".into(),
            ),
            (
                "OTPKIT_URL_PREFIX",
                "/",
                "OTPKIT_URL_PREFIX: must be empty or start with `/` and not end with `/` (e.g. /otp)".into(),
            ),
            (
                "OTPKIT_LOGIN_REDIRECT_URL",
                "",
                "OTPKIT_LOGIN_REDIRECT_URL: must not be empty".into(),
            ),
        ];
        for (name, value, message) in cases {
            let err = one(name, value).unwrap_err();
            assert_eq!(err.name(), name, "{name}={value:?}");
            assert_eq!(err.to_string(), message, "{name}={value:?}");
            assert!(!err.to_string().contains("99999"), "{err}");
        }
        assert_eq!(
            one("OTPKIT_REAUTH_MAX_AGE", "x"),
            Err(WebSettingsError::Value(EnvError::NotANumber {
                name: "OTPKIT_REAUTH_MAX_AGE",
                min: 60,
                max: 3600
            }))
        );
        assert_eq!(
            one("OTPKIT_URL_PREFIX", "/x/"),
            Err(WebSettingsError::UrlPrefix)
        );
    }

    #[test]
    fn validate_checks_fields_set_in_code() {
        let mut s = WebSettings {
            login_url: Some(String::new()),
            ..WebSettings::default()
        };
        assert_eq!(s.validate(), Err(WebSettingsError::EmptyLoginUrl));
        assert_eq!(
            s.validate().unwrap_err().to_string(),
            "OTP_LOGIN_URL: must not be empty when set"
        );
        s.login_url = None;
        s.max_body_bytes = 0;
        assert_eq!(s.validate().unwrap_err().name(), "OTPKIT_MAX_BODY_BYTES");
        s.max_body_bytes = 1;
        s.pending_login_ttl = 901;
        assert_eq!(s.validate().unwrap_err().name(), "OTPKIT_PENDING_LOGIN_TTL");
        s.pending_login_ttl = 60;
        s.login_redirect_url.clear();
        assert_eq!(s.validate(), Err(WebSettingsError::EmptyLoginRedirectUrl));
        s.login_redirect_url = "/".into();
        assert_eq!(s.validate(), Ok(()));
    }

    #[test]
    fn from_env_reads_the_process_environment() {
        // None of these variables is set in the test environment by otpkit's own tests.
        if WEB_SETTING_NAMES
            .iter()
            .all(|n| std::env::var_os(n).is_none())
        {
            assert_eq!(WebSettings::from_env(), Ok(WebSettings::default()));
        }
    }
}
