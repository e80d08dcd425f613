//! The web settings: where otpkit's pages live, where users go after them, and the limits of
//! a request. They belong to this crate; the device policy and the kinds' settings stay in
//! [`otpkit::Settings`].
//!
//! Each setting is read from the same environment variable as before
//! ([`WebSettings::from_env`], or [`WebSettings::from_lookup`] for any other source), with the
//! same syntax as [`otpkit::Settings`]: booleans are exactly `true`, `false`, `1` or `0`,
//! numbers unsigned decimal integers, surrounding ASCII whitespace ignored for both but kept
//! in URLs, and an empty `OTP_LOGIN_URL` means unset. Fields set in code afterwards win; call
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

/// Every environment variable [`WebSettings`] reads.
pub const WEB_SETTING_NAMES: [&str; 8] = [
    "OTP_LOGIN_URL",
    "OTP_ADMIN_HIDE_SENSITIVE_DATA",
    "OTPKIT_URL_PREFIX",
    "OTPKIT_LOGIN_REDIRECT_URL",
    "OTPKIT_LOGIN_OTP_OPTIONAL",
    "OTPKIT_PENDING_LOGIN_TTL",
    "OTPKIT_REAUTH_MAX_AGE",
    "OTPKIT_MAX_BODY_BYTES",
];

/// A web setting is invalid. The message names the setting and says what is expected; it
/// never repeats the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebSettingsError {
    /// A number setting holds something other than a whole number.
    #[error("{name}: is not a whole number; it must be a whole number from {min} to {max}")]
    NotANumber {
        /// The setting's name.
        name: &'static str,
        /// The smallest value allowed.
        min: u64,
        /// The largest value allowed.
        max: u64,
    },
    /// A number setting is outside its range.
    #[error("{name}: is out of range: it must be a whole number from {min} to {max}")]
    OutOfRange {
        /// The setting's name.
        name: &'static str,
        /// The smallest value allowed.
        min: u64,
        /// The largest value allowed.
        max: u64,
    },
    /// A boolean setting is not `true`, `false`, `1` or `0`.
    #[error("{name}: must be `true`, `false`, `1` or `0`")]
    NotABoolean {
        /// The setting's name.
        name: &'static str,
    },
    /// The environment variable is not valid UTF-8.
    #[error("{name}: is not valid UTF-8")]
    NotUtf8 {
        /// The setting's name.
        name: &'static str,
    },
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
}

impl WebSettingsError {
    /// The name of the offending setting.
    pub fn name(&self) -> &'static str {
        match self {
            WebSettingsError::NotANumber { name, .. }
            | WebSettingsError::OutOfRange { name, .. }
            | WebSettingsError::NotABoolean { name }
            | WebSettingsError::NotUtf8 { name } => name,
            WebSettingsError::EmptyLoginUrl => "OTP_LOGIN_URL",
            WebSettingsError::EmptyLoginRedirectUrl => "OTPKIT_LOGIN_REDIRECT_URL",
            WebSettingsError::UrlPrefix => "OTPKIT_URL_PREFIX",
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
        }
    }
}

/// A number setting: name, inclusive range, and how to read and write its field.
struct NumSpec {
    name: &'static str,
    min: u64,
    max: u64,
    get: fn(&WebSettings) -> u64,
    set: fn(&mut WebSettings, u64),
}

fn to_u32(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

const NUMS: &[NumSpec] = &[
    NumSpec {
        name: "OTPKIT_PENDING_LOGIN_TTL",
        min: 60,
        max: 900,
        get: |s| s.pending_login_ttl.into(),
        set: |s, v| s.pending_login_ttl = to_u32(v),
    },
    NumSpec {
        name: "OTPKIT_REAUTH_MAX_AGE",
        min: 60,
        max: 3600,
        get: |s| s.reauth_max_age.into(),
        set: |s, v| s.reauth_max_age = to_u32(v),
    },
    NumSpec {
        name: "OTPKIT_MAX_BODY_BYTES",
        min: 1,
        max: 1 << 30,
        get: |s| u64::try_from(s.max_body_bytes).unwrap_or(u64::MAX),
        set: |s, v| s.max_body_bytes = usize::try_from(v).unwrap_or(usize::MAX),
    },
];

impl NumSpec {
    fn parse(&self, raw: &str) -> Result<u64, WebSettingsError> {
        let raw = raw.trim_ascii();
        if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
            return Err(WebSettingsError::NotANumber {
                name: self.name,
                min: self.min,
                max: self.max,
            });
        }
        // Digits only, so the only parse failure is overflow: out of range.
        let v = raw.parse::<u64>().unwrap_or(u64::MAX);
        self.check(v)?;
        Ok(v)
    }

    fn check(&self, v: u64) -> Result<(), WebSettingsError> {
        if (self.min..=self.max).contains(&v) {
            Ok(())
        } else {
            Err(WebSettingsError::OutOfRange {
                name: self.name,
                min: self.min,
                max: self.max,
            })
        }
    }
}

/// A boolean setting and its field.
struct BoolSpec {
    name: &'static str,
    set: fn(&mut WebSettings, bool),
}

const BOOLS: &[BoolSpec] = &[
    BoolSpec {
        name: "OTP_ADMIN_HIDE_SENSITIVE_DATA",
        set: |s, v| s.admin_hide_sensitive_data = v,
    },
    BoolSpec {
        name: "OTPKIT_LOGIN_OTP_OPTIONAL",
        set: |s, v| s.login_otp_optional = v,
    },
];

fn parse_bool(name: &'static str, raw: &str) -> Result<bool, WebSettingsError> {
    match raw.trim_ascii() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(WebSettingsError::NotABoolean { name }),
    }
}

impl WebSettings {
    /// Reads the web settings from the process environment, then
    /// [`validate`](Self::validate)s. A variable that is not valid UTF-8 is an error naming it.
    pub fn from_env() -> Result<WebSettings, WebSettingsError> {
        for name in WEB_SETTING_NAMES {
            if let Some(value) = std::env::var_os(name)
                && value.to_str().is_none()
            {
                return Err(WebSettingsError::NotUtf8 { name });
            }
        }
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the web settings through `lookup` (name → value, `None` when unset), starting
    /// from the defaults, then [`validate`](Self::validate)s.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<WebSettings, WebSettingsError> {
        let mut s = WebSettings::default();
        for spec in NUMS {
            if let Some(raw) = lookup(spec.name) {
                let v = spec.parse(&raw)?;
                (spec.set)(&mut s, v);
            }
        }
        for spec in BOOLS {
            if let Some(raw) = lookup(spec.name) {
                (spec.set)(&mut s, parse_bool(spec.name, &raw)?);
            }
        }
        s.login_url = lookup("OTP_LOGIN_URL").filter(|v| !v.is_empty());
        if let Some(v) = lookup("OTPKIT_URL_PREFIX") {
            s.url_prefix = v;
        }
        if let Some(v) = lookup("OTPKIT_LOGIN_REDIRECT_URL") {
            s.login_redirect_url = v;
        }
        s.validate()?;
        Ok(s)
    }

    /// Checks every field: the number ranges, a set `login_url` not empty, the prefix's form
    /// and a non-empty `login_redirect_url`. The first problem found is returned.
    pub fn validate(&self) -> Result<(), WebSettingsError> {
        for spec in NUMS {
            spec.check((spec.get)(self))?;
        }
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
    fn defaults_are_the_core_settings_defaults() {
        let s = WebSettings::default();
        let core = otpkit::Settings::default();
        assert_eq!(s.login_url, core.login_url);
        assert_eq!(s.login_url(), "/otp/login/");
        assert_eq!(s.login_redirect_url, core.login_redirect_url);
        assert_eq!(s.url_prefix, core.url_prefix);
        assert_eq!(s.login_otp_optional, core.login_otp_optional);
        assert_eq!(s.pending_login_ttl, core.pending_login_ttl);
        assert_eq!(s.reauth_max_age, core.reauth_max_age);
        assert_eq!(s.max_body_bytes, core.max_body_bytes);
        assert_eq!(s.admin_hide_sensitive_data, core.admin_hide_sensitive_data);
        assert_eq!(with(&[]), Ok(s));
    }

    #[test]
    fn every_value_reads_as_the_core_settings_read_it() {
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
        let lookup = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        };
        let core = otpkit::Settings::from_lookup(lookup).unwrap();
        assert_eq!(web.login_url, core.login_url);
        assert_eq!(web.login_url(), core.login_url());
        assert_eq!(web.login_redirect_url, core.login_redirect_url);
        assert_eq!(web.url_prefix, core.url_prefix);
        assert!(!web.login_otp_optional && !core.login_otp_optional);
        assert_eq!(web.pending_login_ttl, 900);
        assert_eq!(web.reauth_max_age, 60);
        assert_eq!(web.max_body_bytes, 1 << 30);
        assert!(web.admin_hide_sensitive_data && core.admin_hide_sensitive_data);
        // Without OTP_LOGIN_URL the login URL follows the prefix; empty means unset.
        assert_eq!(
            one("OTPKIT_URL_PREFIX", "/2fa").unwrap().login_url(),
            "/2fa/login/"
        );
        assert_eq!(one("OTPKIT_URL_PREFIX", "").unwrap().login_url(), "/login/");
        assert_eq!(one("OTP_LOGIN_URL", "").unwrap().login_url, None);
    }

    #[test]
    fn errors_name_the_setting_and_match_the_core_messages() {
        let cases = [
            ("OTPKIT_PENDING_LOGIN_TTL", "59"),
            ("OTPKIT_PENDING_LOGIN_TTL", "901"),
            ("OTPKIT_REAUTH_MAX_AGE", "3601"),
            ("OTPKIT_REAUTH_MAX_AGE", "-1"),
            ("OTPKIT_MAX_BODY_BYTES", "0"),
            ("OTPKIT_MAX_BODY_BYTES", "1073741825"),
            ("OTPKIT_MAX_BODY_BYTES", "99999999999999999999999"),
            ("OTPKIT_MAX_BODY_BYTES", ""),
            ("OTPKIT_LOGIN_OTP_OPTIONAL", "yes"),
            ("OTP_ADMIN_HIDE_SENSITIVE_DATA", "TRUE"),
            ("OTPKIT_URL_PREFIX", "/otp/"),
            ("OTPKIT_URL_PREFIX", "otp"),
            ("OTPKIT_LOGIN_REDIRECT_URL", ""),
        ];
        for (name, value) in cases {
            let err = one(name, value).unwrap_err();
            assert_eq!(err.name(), name, "{name}={value:?}");
            let core = otpkit::Settings::from_lookup(|n| (n == name).then(|| value.to_owned()))
                .unwrap_err();
            assert_eq!(err.to_string(), core.to_string(), "{name}={value:?}");
            assert!(!err.to_string().contains("99999"), "{err}");
        }
        assert_eq!(
            one("OTPKIT_REAUTH_MAX_AGE", "x"),
            Err(WebSettingsError::NotANumber {
                name: "OTPKIT_REAUTH_MAX_AGE",
                min: 60,
                max: 3600
            })
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
