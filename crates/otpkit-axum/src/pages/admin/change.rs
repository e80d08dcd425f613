//! The configuration fields of the admin change form (docs/behaviour.md §7.8): key, digits,
//! tolerance and, per kind, step, T0 and drift (TOTP) or counter (HOTP).

use otpkit::Device;

use crate::i18n::Arg;
use crate::kit::OtpKit;
use crate::pages::context::Page;
use crate::pages::form::Fields;

/// The configuration fields of a TOTP/HOTP change form; each is optional (kept when empty).
#[derive(Debug, Default)]
pub(super) struct Config {
    totp: bool,
    hotp: bool,
    key: Option<otpkit::SecretBytes>,
    digits: Option<otpkit::Digits>,
    tolerance: Option<u8>,
    step: Option<u32>,
    t0: Option<i64>,
    drift: Option<i16>,
    counter: Option<u64>,
}

/// What a number field must be.
#[derive(Debug, Clone, Copy)]
pub(super) enum Expect {
    /// A whole number from `.0` to `.1`.
    Range(u64, u64),
    /// Any whole number.
    Integer,
    /// An HOTP counter: 0 to 2^63 − 1.
    Counter,
}

/// Why the change form's configuration cannot be applied.
#[derive(Debug)]
pub(super) enum ConfigError {
    /// A number field that is not what it must be: the field, its expectation in English
    /// (the JSON `detail`, unchanged) and for the page.
    Number {
        field: &'static str,
        what: &'static str,
        expect: Expect,
    },
    /// A new key while `OTP_ADMIN_HIDE_SENSITIVE_DATA` is set.
    KeyHidden,
    /// A key that does not decode: the core's message.
    Key(String),
}

impl ConfigError {
    /// The JSON answer's `detail`.
    pub(super) fn detail(&self) -> String {
        match self {
            ConfigError::Number { field, what, .. } => format!("{field}: {what}."),
            ConfigError::KeyHidden => "the key cannot be changed here.".into(),
            ConfigError::Key(e) => e.clone(),
        }
    }

    /// What the page says, in its language.
    pub(super) fn message(&self, page: &Page) -> String {
        match self {
            ConfigError::Number { field, expect, .. } => {
                let label = ("field", Arg::from(page.t(&format!("admin-field-{field}"))));
                match *expect {
                    Expect::Range(min, max) => page.t_with(
                        "admin-invalid-range",
                        &[label, ("min", Arg::from(min)), ("max", Arg::from(max))],
                    ),
                    Expect::Integer => page.t_with("admin-invalid-integer", &[label]),
                    Expect::Counter => page.t_with("admin-invalid-counter", &[label]),
                }
            }
            ConfigError::KeyHidden => page.t("admin-key-hidden"),
            ConfigError::Key(e) => {
                page.t_with("admin-invalid-key", &[("detail", Arg::from(e.as_str()))])
            }
        }
    }
}

fn num<T: std::str::FromStr>(
    fields: &Fields,
    field: &'static str,
    ok: impl Fn(&T) -> bool,
    (what, expect): (&'static str, Expect),
) -> Result<Option<T>, ConfigError> {
    match fields.non_empty(field) {
        None => Ok(None),
        Some(v) => match v.trim().parse::<T>() {
            Ok(n) if ok(&n) => Ok(Some(n)),
            _ => Err(ConfigError::Number {
                field,
                what,
                expect,
            }),
        },
    }
}

impl Config {
    pub(super) fn parse(kit: &OtpKit, d: &Device, fields: &Fields) -> Result<Config, ConfigError> {
        let totp = d.model_label() == "otp_totp.totpdevice";
        let hotp = d.model_label() == "otp_hotp.hotpdevice";
        if !totp && !hotp {
            return Ok(Config::default());
        }
        let key = match fields.non_empty("key") {
            None => None,
            Some(_) if kit.web_settings().admin_hide_sensitive_data => {
                return Err(ConfigError::KeyHidden);
            }
            Some(k) => Some(
                if fields.get("key_format") == Some("hex") {
                    otpkit::encoding::decode_hex_secret(k.trim())
                } else {
                    otpkit::encoding::decode_base32_secret(k.trim())
                }
                .map_err(|e| ConfigError::Key(e.to_string()))?,
            ),
        };
        let digits = num::<u8>(
            fields,
            "digits",
            |n| (6..=8).contains(n),
            ("6, 7 or 8", Expect::Range(6, 8)),
        )?
        .and_then(|n| otpkit::Digits::new(n).ok());
        let max_tol = if totp { 10 } else { 20 };
        Ok(Config {
            totp,
            hotp,
            key,
            digits,
            tolerance: num::<u8>(
                fields,
                "tolerance",
                |n| *n <= max_tol,
                ("out of range", Expect::Range(0, u64::from(max_tol))),
            )?,
            step: if totp {
                num::<u32>(
                    fields,
                    "step",
                    |n| (1..=120).contains(n),
                    ("1 to 120 seconds", Expect::Range(1, 120)),
                )?
            } else {
                None
            },
            t0: if totp {
                num::<i64>(fields, "t0", |_| true, ("an integer", Expect::Integer))?
            } else {
                None
            },
            drift: if totp {
                num::<i16>(fields, "drift", |_| true, ("an integer", Expect::Integer))?
            } else {
                None
            },
            counter: if hotp {
                num::<u64>(
                    fields,
                    "counter",
                    |n| *n <= otpkit::kind::hotp::MAX_COUNTER,
                    ("0 to 2^63-1", Expect::Counter),
                )?
            } else {
                None
            },
        })
    }

    pub(super) async fn apply(
        self,
        engine: &otpkit::Engine,
        pid: &str,
    ) -> Result<(), otpkit::Error> {
        use otpkit::kind::{HotpDevice, TotpDevice};
        if self.totp {
            engine
                .with_kind_state::<TotpDevice, _, _>(pid, move |k, ctx| {
                    if let Some(key) = &self.key {
                        k.key = ctx.seal(key.expose())?;
                        k.last_t = -1;
                        k.drift = 0;
                    }
                    if let Some(v) = self.digits {
                        k.digits = v;
                    }
                    if let Some(v) = self.tolerance {
                        k.tolerance = v;
                    }
                    if let Some(v) = self.step {
                        k.step = v;
                    }
                    if let Some(v) = self.t0 {
                        k.t0 = v;
                    }
                    if let Some(v) = self.drift {
                        k.drift = v;
                    }
                    Ok(())
                })
                .await
        } else if self.hotp {
            engine
                .with_kind_state::<HotpDevice, _, _>(pid, move |k, ctx| {
                    if let Some(key) = &self.key {
                        k.key = ctx.seal(key.expose())?;
                    }
                    if let Some(v) = self.digits {
                        k.digits = v;
                    }
                    if let Some(v) = self.tolerance {
                        k.tolerance = v;
                    }
                    if let Some(v) = self.counter {
                        k.counter = v;
                    }
                    Ok(())
                })
                .await
        } else {
            Ok(())
        }
    }
}
