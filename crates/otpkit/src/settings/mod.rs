//! Settings (docs/behaviour.md §6): the device policy and the kinds' settings, one typed
//! [`Settings`] value in groups.
//!
//! | group | what | environment |
//! |---|---|---|
//! | [`Settings::device_kinds`] | the built-in kinds that are enabled | `OTPKIT_DEVICE_KINDS` |
//! | [`Settings::throttle`] | back-off and lock-out, per device and per account | `OTPKIT_THROTTLE_MAX_DELAY`, `OTPKIT_*LOCKOUT_THRESHOLD`, `OTPKIT_ACCOUNT_THROTTLING` |
//! | [`Settings::enrolment`] | how long an unconfirmed device may wait | `OTPKIT_ENROLMENT_TTL` |
//! | [`Settings::totp`], [`Settings::hotp`] | OATH devices: issuer, image, algorithm, digits, step, tolerance, throttle factor | `OTP_TOTP_*`, `OTPKIT_TOTP_*`, `OTP_HOTP_*`, `OTPKIT_HOTP_*` |
//! | [`Settings::static_codes`] | backup codes: batch size, throttle factor | `OTP_STATIC_*`, `OTPKIT_STATIC_*` |
//! | [`Settings::email`] | email codes: the message and its templates (as text), validity, attempts, cooldowns, send limits | `OTP_EMAIL_*`, `OTPKIT_EMAIL_*`, `OTPKIT_DEFAULT_FROM_EMAIL` |
//!
//! The other settings belong to the layers that use them and keep their names: the web
//! pages' (`OTPKIT_URL_PREFIX`, `OTPKIT_REAUTH_MAX_AGE`, …) are otpkit-axum's `WebSettings`;
//! the deployment's (`OTPKIT_DATABASE_URL`, `OTPKIT_SECRET_KEYS`, `OTPKIT_SECRET_KEYS_FILE`,
//! `OTPKIT_SMTP_URL` and the template files `OTP_EMAIL_BODY_TEMPLATE_PATH`,
//! `OTP_EMAIL_BODY_HTML_TEMPLATE_PATH`) are read by the command line and the demo
//! (`otpkit_cli::deploy`). This crate reads no file.
//!
//! Each setting is read from the environment variable of the same name
//! ([`Settings::from_env`], or [`Settings::from_lookup`] for any other source) unless the
//! application sets the field in code afterwards: code wins. Start-up should call
//! [`Settings::validate`] after changing fields in code; an invalid or out-of-range value is a
//! [`SettingsError`] naming the setting, and otpkit refuses to start.
//!
//! Value syntax in the environment is [`env`](mod@env)'s, shared by every layer: booleans are exactly
//! `true`, `false`, `1` or `0`; numbers are unsigned decimal integers (ASCII digits only; no
//! sign, no `_`); surrounding ASCII whitespace is ignored for booleans, numbers, the algorithm
//! and the kind list, but kept in free text (subjects, templates); an empty value of an
//! *optional* setting (those that default to "unset") means unset.
//!
//! ```
//! use otpkit::Settings;
//!
//! let env = |name: &str| match name {
//!     "OTPKIT_LOCKOUT_THRESHOLD" => Some("50".to_owned()),
//!     "OTP_TOTP_ISSUER" => Some("example.com".to_owned()),
//!     _ => None,
//! };
//! let mut settings = Settings::from_lookup(env)?;
//! assert_eq!(settings.throttle.lockout_threshold, 50);
//! assert_eq!(settings.totp.step, 30); // default
//!
//! settings.totp.tolerance = 0; // code wins
//! settings.validate()?;
//!
//! let err = Settings::from_lookup(|n| (n == "OTPKIT_LOCKOUT_THRESHOLD").then(|| "10001".into()))
//!     .unwrap_err();
//! assert!(err.to_string().starts_with("OTPKIT_LOCKOUT_THRESHOLD: "));
//! # Ok::<(), otpkit::SettingsError>(())
//! ```

use std::collections::BTreeSet;

pub mod env;
mod error;
mod fields;
mod kinds;
mod layers;
mod read;
mod text;
mod validate;

pub use error::SettingsError;
pub use kinds::BuiltinKind;
pub use layers::{
    EmailSettings, EnrolmentSettings, HotpSettings, StaticSettings, ThrottleSettings, TotpSettings,
};
pub use text::{Issuer, TextHook, TextOrHook};

/// Every environment variable [`Settings`] reads.
pub const SETTING_NAMES: [&str; 32] = [
    "OTP_TOTP_ISSUER",
    "OTP_TOTP_IMAGE",
    "OTP_TOTP_SYNC",
    "OTP_TOTP_THROTTLE_FACTOR",
    "OTP_HOTP_ISSUER",
    "OTP_HOTP_THROTTLE_FACTOR",
    "OTP_STATIC_THROTTLE_FACTOR",
    "OTP_EMAIL_SENDER",
    "OTP_EMAIL_SUBJECT",
    "OTP_EMAIL_BODY_TEMPLATE",
    "OTP_EMAIL_BODY_HTML_TEMPLATE",
    "OTP_EMAIL_TOKEN_VALIDITY",
    "OTP_EMAIL_THROTTLE_FACTOR",
    "OTP_EMAIL_COOLDOWN_DURATION",
    "OTPKIT_DEVICE_KINDS",
    "OTPKIT_THROTTLE_MAX_DELAY",
    "OTPKIT_LOCKOUT_THRESHOLD",
    "OTPKIT_ACCOUNT_THROTTLING",
    "OTPKIT_ACCOUNT_LOCKOUT_THRESHOLD",
    "OTPKIT_TOTP_ALGORITHM",
    "OTPKIT_TOTP_DIGITS",
    "OTPKIT_TOTP_STEP",
    "OTPKIT_TOTP_TOLERANCE",
    "OTPKIT_HOTP_TOLERANCE",
    "OTPKIT_STATIC_BATCH_SIZE",
    "OTPKIT_EMAIL_TOKEN_LENGTH",
    "OTPKIT_EMAIL_MAX_ATTEMPTS",
    "OTPKIT_EMAIL_ACCOUNT_COOLDOWN",
    "OTPKIT_EMAIL_HOURLY_LIMIT",
    "OTPKIT_EMAIL_ADDRESS_HOURLY_LIMIT",
    "OTPKIT_DEFAULT_FROM_EMAIL",
    "OTPKIT_ENROLMENT_TTL",
];

/// The TOTP algorithm names accepted by `OTPKIT_TOTP_ALGORITHM`.
pub const TOTP_ALGORITHMS: [&str; 3] = ["SHA1", "SHA256", "SHA512"];

/// The device policy and the kinds' settings, in groups. The groups' field docs give the
/// environment variable, default and range.
///
/// ```
/// use otpkit::Settings;
/// use otpkit::settings::{EmailSettings, TotpSettings};
///
/// let settings = Settings {
///     totp: TotpSettings { issuer: Some("example.com".into()), ..TotpSettings::default() },
///     email: EmailSettings { token_length: 8, ..EmailSettings::default() },
///     ..Settings::default()
/// };
/// settings.validate()?;
/// # Ok::<(), otpkit::SettingsError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Settings {
    /// `OTPKIT_DEVICE_KINDS`, default `totp,hotp,email,static`: the enabled built-in kinds
    /// (comma-separated; unknown names are an error; at least one).
    pub device_kinds: BTreeSet<BuiltinKind>,
    /// Throttling and lock-out.
    pub throttle: ThrottleSettings,
    /// Enrolment.
    pub enrolment: EnrolmentSettings,
    /// TOTP devices.
    pub totp: TotpSettings,
    /// HOTP devices.
    pub hotp: HotpSettings,
    /// Static backup codes.
    pub static_codes: StaticSettings,
    /// Email devices.
    pub email: EmailSettings,
}

impl Default for Settings {
    /// The defaults, as documented on each field.
    fn default() -> Self {
        Settings {
            device_kinds: BuiltinKind::ALL.into_iter().collect(),
            throttle: ThrottleSettings::default(),
            enrolment: EnrolmentSettings::default(),
            totp: TotpSettings::default(),
            hotp: HotpSettings::default(),
            static_codes: StaticSettings::default(),
            email: EmailSettings::default(),
        }
    }
}

impl Settings {
    /// Whether the built-in kind is enabled by `OTPKIT_DEVICE_KINDS`.
    pub fn kind_enabled(&self, kind: BuiltinKind) -> bool {
        self.device_kinds.contains(&kind)
    }
}

#[cfg(test)]
mod tests {
    use super::env::EnvError;
    use super::fields::{BOOLS, NUMBERS};
    use super::*;
    use std::collections::HashMap;

    fn with(pairs: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::from_lookup(move |name| map.get(name).cloned())
    }

    fn one(name: &str, value: &str) -> Result<Settings, SettingsError> {
        with(&[(name, value)])
    }

    #[test]
    fn defaults_equal_spec() {
        let s = Settings::default();
        assert!(s.totp.issuer.is_none());
        assert!(s.totp.image.is_none());
        assert!(s.totp.sync);
        assert_eq!(s.totp.throttle_factor, 1);
        assert!(s.hotp.issuer.is_none());
        assert_eq!(s.hotp.throttle_factor, 1);
        assert_eq!(s.static_codes.throttle_factor, 1);
        assert_eq!(s.email.sender, None);
        assert_eq!(s.email.sender(), "webmaster@localhost");
        assert_eq!(s.email.subject, "OTP token");
        assert_eq!(s.email.body_template, None);
        assert_eq!(s.email.body_html_template, None);
        assert_eq!(s.email.token_validity, 300);
        assert_eq!(s.email.throttle_factor, 1);
        assert_eq!(s.email.cooldown_duration, 60);
        assert_eq!(
            s.device_kinds.iter().map(|k| k.name()).collect::<Vec<_>>(),
            ["totp", "hotp", "email", "static"]
        );
        assert_eq!(s.throttle.max_delay, 3600);
        assert_eq!(s.throttle.lockout_threshold, 100);
        assert!(s.throttle.account_throttling);
        assert_eq!(s.throttle.account_lockout_threshold, 200);
        assert_eq!(s.totp.algorithm, crate::oath::Algorithm::Sha1);
        assert_eq!(s.totp.digits, 6);
        assert_eq!(s.totp.step, 30);
        assert_eq!(s.totp.tolerance, 1);
        assert_eq!(s.hotp.tolerance, 5);
        assert_eq!(s.static_codes.batch_size, 10);
        assert_eq!(s.email.token_length, 6);
        assert_eq!(s.email.max_attempts, 3);
        assert_eq!(s.email.account_cooldown, 60);
        assert_eq!(s.email.hourly_limit, 10);
        assert_eq!(s.email.address_hourly_limit, 5);
        assert_eq!(s.email.default_from, "webmaster@localhost");
        assert_eq!(s.enrolment.ttl, 900);
        s.validate().unwrap();
        // Nothing set: the lookup gives the defaults.
        let e = Settings::from_lookup(|_| None).unwrap();
        assert_eq!(format!("{e:?}"), format!("{s:?}"));
    }

    #[test]
    fn spec_ranges_are_the_table() {
        let ranges: Vec<(&str, u64, u64)> = NUMBERS
            .iter()
            .map(|n| (n.spec.name, n.spec.min, n.spec.max))
            .collect();
        assert_eq!(
            ranges,
            [
                ("OTP_TOTP_THROTTLE_FACTOR", 0, 86_400),
                ("OTP_HOTP_THROTTLE_FACTOR", 0, 86_400),
                ("OTP_STATIC_THROTTLE_FACTOR", 0, 86_400),
                ("OTP_EMAIL_TOKEN_VALIDITY", 1, 600),
                ("OTP_EMAIL_THROTTLE_FACTOR", 0, 86_400),
                ("OTP_EMAIL_COOLDOWN_DURATION", 0, 86_400),
                ("OTPKIT_THROTTLE_MAX_DELAY", 1, 3_153_600_000),
                ("OTPKIT_LOCKOUT_THRESHOLD", 0, 10_000),
                ("OTPKIT_ACCOUNT_LOCKOUT_THRESHOLD", 0, 20_000),
                ("OTPKIT_TOTP_DIGITS", 6, 8),
                ("OTPKIT_TOTP_STEP", 1, 120),
                ("OTPKIT_TOTP_TOLERANCE", 0, 10),
                ("OTPKIT_HOTP_TOLERANCE", 0, 20),
                ("OTPKIT_STATIC_BATCH_SIZE", 1, 50),
                ("OTPKIT_EMAIL_TOKEN_LENGTH", 6, 8),
                ("OTPKIT_EMAIL_MAX_ATTEMPTS", 1, 10),
                ("OTPKIT_EMAIL_ACCOUNT_COOLDOWN", 0, 86_400),
                ("OTPKIT_EMAIL_HOURLY_LIMIT", 0, 1000),
                ("OTPKIT_EMAIL_ADDRESS_HOURLY_LIMIT", 0, 1000),
                ("OTPKIT_ENROLMENT_TTL", 60, 86_400),
            ]
        );
        // Every name in the tables is a real setting name, listed once.
        let mut seen = std::collections::HashSet::new();
        for n in SETTING_NAMES {
            assert!(seen.insert(n), "{n} twice");
        }
        for n in NUMBERS
            .iter()
            .map(|n| n.spec.name)
            .chain(BOOLS.iter().map(|b| b.name))
        {
            assert!(SETTING_NAMES.contains(&n), "{n}");
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
                let mut c = Settings::default();
                (field.set)(&mut c, v);
                c.validate().unwrap();
            }
            let mut outside = vec![spec.max + 1];
            if spec.min > 0 {
                outside.push(spec.min - 1);
            }
            for v in outside {
                let err = one(spec.name, &v.to_string()).unwrap_err();
                assert_eq!(err.name(), spec.name);
                assert!(
                    err.to_string()
                        .contains(&format!("from {} to {}", spec.min, spec.max)),
                    "{err}"
                );
                let mut c = Settings::default();
                (field.set)(&mut c, v);
                assert_eq!(c.validate().unwrap_err().name(), spec.name);
            }
            for bad in [
                "", " ", "abc", "-1", "+1", "1.0", "1e3", "1_0", "0x10", "１",
            ] {
                let err = one(spec.name, bad).unwrap_err();
                assert_eq!(err.name(), spec.name, "{bad:?}");
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
    fn email_send_limits_parse_and_disable_with_zero() {
        let s = with(&[
            ("OTPKIT_EMAIL_ACCOUNT_COOLDOWN", "0"),
            ("OTPKIT_EMAIL_HOURLY_LIMIT", " 3 "),
            ("OTPKIT_EMAIL_ADDRESS_HOURLY_LIMIT", "1000"),
        ])
        .unwrap();
        assert_eq!(s.email.account_cooldown, 0);
        assert_eq!(s.email.hourly_limit, 3);
        assert_eq!(s.email.address_hourly_limit, 1000);
        for (name, bad) in [
            ("OTPKIT_EMAIL_ACCOUNT_COOLDOWN", "86401"),
            ("OTPKIT_EMAIL_HOURLY_LIMIT", "1001"),
            ("OTPKIT_EMAIL_ADDRESS_HOURLY_LIMIT", "-1"),
        ] {
            assert_eq!(one(name, bad).unwrap_err().name(), name);
        }
        let d = format!("{:?}", Settings::default());
        assert!(d.contains("address_hourly_limit: 5"), "{d}");
    }

    #[test]
    fn narrow_fields_hold_their_max() {
        let s = with(&[
            ("OTPKIT_THROTTLE_MAX_DELAY", "3153600000"),
            ("OTPKIT_TOTP_TOLERANCE", "10"),
            ("OTPKIT_HOTP_TOLERANCE", "20"),
        ])
        .unwrap();
        assert_eq!(s.throttle.max_delay, 3_153_600_000);
        assert_eq!(s.totp.tolerance, 10);
        assert_eq!(s.hotp.tolerance, 20);
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
    fn error_names_the_setting() {
        let err = one("OTPKIT_LOCKOUT_THRESHOLD", "10001").unwrap_err();
        assert_eq!(
            err,
            SettingsError::Value(EnvError::OutOfRange {
                name: "OTPKIT_LOCKOUT_THRESHOLD",
                min: 0,
                max: 10_000,
            })
        );
        assert_eq!(
            err.to_string(),
            "OTPKIT_LOCKOUT_THRESHOLD: is out of range: it must be a whole number from 0 to 10000"
        );
        let err = one("OTPKIT_LOCKOUT_THRESHOLD", "lots").unwrap_err();
        assert_eq!(
            err.to_string(),
            "OTPKIT_LOCKOUT_THRESHOLD: is not a whole number; it must be a whole number from 0 to 10000"
        );
        // The value itself is never echoed.
        assert!(!err.to_string().contains("lots"));
    }

    #[test]
    fn text_settings() {
        let s = with(&[
            ("OTP_TOTP_ISSUER", "Very Trustworthy Source"),
            ("OTP_TOTP_IMAGE", "https://example.com/logo.png"),
            ("OTP_HOTP_ISSUER", "example.com"),
            ("OTP_EMAIL_SENDER", "otp@example.com"),
            ("OTP_EMAIL_SUBJECT", "Test Subject with token: {token}"),
            ("OTP_EMAIL_BODY_TEMPLATE", "Code: {{ token }}"),
            ("OTP_EMAIL_BODY_HTML_TEMPLATE", "<b>{{ token }}</b>"),
            ("OTPKIT_DEFAULT_FROM_EMAIL", "noreply@example.com"),
            ("OTPKIT_TOTP_ALGORITHM", "SHA512"),
        ])
        .unwrap();
        assert_eq!(
            s.totp.issuer.as_ref().unwrap().resolve("u").as_deref(),
            Some("Very Trustworthy Source")
        );
        assert_eq!(
            s.totp.image.as_ref().unwrap().resolve("u").as_deref(),
            Some("https://example.com/logo.png")
        );
        assert_eq!(
            s.hotp.issuer.as_ref().unwrap().resolve("u").as_deref(),
            Some("example.com")
        );
        assert_eq!(s.email.sender(), "otp@example.com");
        assert_eq!(s.email.subject, "Test Subject with token: {token}");
        assert_eq!(s.email.body_template.as_deref(), Some("Code: {{ token }}"));
        assert_eq!(
            s.email.body_html_template.as_deref(),
            Some("<b>{{ token }}</b>")
        );
        assert_eq!(s.email.default_from, "noreply@example.com");
        assert_eq!(s.totp.algorithm, crate::oath::Algorithm::Sha512);
        // Empty optional values mean unset.
        let s = with(&[("OTP_TOTP_ISSUER", ""), ("OTP_EMAIL_SENDER", "")]).unwrap();
        assert!(s.totp.issuer.is_none() && s.email.sender.is_none());
    }

    #[test]
    fn text_setting_errors() {
        for (name, value) in [
            ("OTP_TOTP_IMAGE", "http://example.com/logo.png"),
            ("OTP_TOTP_IMAGE", "https://"),
            ("OTPKIT_DEFAULT_FROM_EMAIL", ""),
            ("OTPKIT_TOTP_ALGORITHM", "sha1"),
            ("OTPKIT_TOTP_ALGORITHM", "MD5"),
            ("OTPKIT_TOTP_ALGORITHM", ""),
        ] {
            let err = one(name, value).unwrap_err();
            assert_eq!(err.name(), name, "{name}={value:?}");
        }
        // Algorithms: exactly the three names (whitespace trimmed).
        for a in TOTP_ALGORITHMS {
            assert_eq!(
                one("OTPKIT_TOTP_ALGORITHM", &format!(" {a} "))
                    .unwrap()
                    .totp
                    .algorithm
                    .as_str(),
                a
            );
        }
        // A sender set in code must not be blank.
        let mut c = Settings::default();
        c.email.sender = Some(" ".into());
        assert_eq!(c.validate(), Err(SettingsError::EmptyEmailSender));
        assert_eq!(
            c.validate().unwrap_err().to_string(),
            "OTP_EMAIL_SENDER: must not be empty when set"
        );
    }

    #[test]
    fn device_kinds() {
        let s = one("OTPKIT_DEVICE_KINDS", "static, totp").unwrap();
        assert_eq!(
            s.device_kinds.iter().copied().collect::<Vec<_>>(),
            [BuiltinKind::Totp, BuiltinKind::Static]
        );
        assert!(s.kind_enabled(BuiltinKind::Totp) && !s.kind_enabled(BuiltinKind::Email));
        let s = one("OTPKIT_DEVICE_KINDS", "totp,totp").unwrap();
        assert_eq!(s.device_kinds.len(), 1);
        for bad in [
            "",
            " ",
            "totp,",
            "totp,sms",
            "TOTP",
            "webauthn",
            "totp;hotp",
        ] {
            let err = one("OTPKIT_DEVICE_KINDS", bad).unwrap_err();
            assert_eq!(err.name(), "OTPKIT_DEVICE_KINDS", "{bad:?}");
        }
        let err = one("OTPKIT_DEVICE_KINDS", "totp,sms").unwrap_err();
        assert!(
            err.to_string().contains("unknown device kind `sms`"),
            "{err}"
        );
        let mut c = Settings::default();
        c.device_kinds.clear();
        assert_eq!(c.validate().unwrap_err().name(), "OTPKIT_DEVICE_KINDS");
        for k in BuiltinKind::ALL {
            assert_eq!(k.name().parse::<BuiltinKind>(), Ok(k));
            assert_eq!(k.to_string(), k.name());
            assert!(k.model_label().ends_with("device"));
        }
    }

    #[test]
    fn debug_shows_no_hook() {
        let mut s = Settings::default();
        s.totp.issuer = Some(TextOrHook::hook(|_| Some("x".into())));
        let dbg = format!("{s:?} {s:#?}");
        assert!(dbg.contains("issuer: Some(Hook(..))"), "{dbg}");
    }

    /// The web pages' and the deployment's settings are not the core's: whatever their
    /// values, `Settings` neither reads nor checks them.
    #[test]
    fn the_web_and_deployment_settings_are_not_read() {
        let others = [
            "OTP_LOGIN_URL",
            "OTP_ADMIN_HIDE_SENSITIVE_DATA",
            "OTP_EMAIL_BODY_TEMPLATE_PATH",
            "OTP_EMAIL_BODY_HTML_TEMPLATE_PATH",
            "OTPKIT_DATABASE_URL",
            "OTPKIT_SECRET_KEYS",
            "OTPKIT_SECRET_KEYS_FILE",
            "OTPKIT_SMTP_URL",
            "OTPKIT_URL_PREFIX",
            "OTPKIT_LOGIN_REDIRECT_URL",
            "OTPKIT_LOGIN_OTP_OPTIONAL",
            "OTPKIT_PENDING_LOGIN_TTL",
            "OTPKIT_REAUTH_MAX_AGE",
            "OTPKIT_MAX_BODY_BYTES",
        ];
        for name in others {
            assert!(!SETTING_NAMES.contains(&name), "{name}");
        }
        let asked = std::cell::RefCell::new(Vec::new());
        let s = Settings::from_lookup(|name| {
            asked.borrow_mut().push(name.to_owned());
            // Invalid for every one of the others; unset for the core's own.
            others.contains(&name).then(|| "\u{0}invalid/".to_owned())
        })
        .unwrap();
        assert_eq!(format!("{s:?}"), format!("{:?}", Settings::default()));
        let asked = asked.into_inner();
        for name in others {
            assert!(!asked.iter().any(|a| a == name), "{name} was read");
        }
        // And every setting it does read is one of its names.
        for a in &asked {
            assert!(SETTING_NAMES.contains(&a.as_str()), "{a}");
        }
    }

    #[test]
    fn from_env_reads_the_process_environment() {
        // The test process sets none of these; the result is the defaults.
        if SETTING_NAMES.iter().all(|n| std::env::var_os(n).is_none()) {
            let s = Settings::from_env().unwrap();
            assert_eq!(format!("{s:?}"), format!("{:?}", Settings::default()));
        }
    }
}
