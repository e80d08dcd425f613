//! The configuration fields of the admin change form (docs/behaviour.md §7.8): key, digits,
//! tolerance and, per kind, step, T0 and drift (TOTP) or counter (HOTP).

use otpkit::Device;

use crate::kit::OtpKit;
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

fn num<T: std::str::FromStr>(
    fields: &Fields,
    name: &str,
    ok: impl Fn(&T) -> bool,
    what: &str,
) -> Result<Option<T>, String> {
    match fields.non_empty(name) {
        None => Ok(None),
        Some(v) => match v.trim().parse::<T>() {
            Ok(n) if ok(&n) => Ok(Some(n)),
            _ => Err(format!("{name}: {what}.")),
        },
    }
}

impl Config {
    pub(super) fn parse(kit: &OtpKit, d: &Device, fields: &Fields) -> Result<Config, String> {
        let totp = d.model_label() == "otp_totp.totpdevice";
        let hotp = d.model_label() == "otp_hotp.hotpdevice";
        if !totp && !hotp {
            return Ok(Config::default());
        }
        let key = match fields.non_empty("key") {
            None => None,
            Some(_) if kit.web_settings().admin_hide_sensitive_data => {
                return Err("the key cannot be changed here.".into());
            }
            Some(k) => Some(
                if fields.get("key_format") == Some("hex") {
                    otpkit::encoding::decode_hex_secret(k.trim())
                } else {
                    otpkit::encoding::decode_base32_secret(k.trim())
                }
                .map_err(|e| e.to_string())?,
            ),
        };
        let digits = num::<u8>(fields, "digits", |n| (6..=8).contains(n), "6, 7 or 8")?
            .and_then(|n| otpkit::Digits::new(n).ok());
        let max_tol = if totp { 10 } else { 20 };
        Ok(Config {
            totp,
            hotp,
            key,
            digits,
            tolerance: num::<u8>(fields, "tolerance", |n| *n <= max_tol, "out of range")?,
            step: if totp {
                num::<u32>(
                    fields,
                    "step",
                    |n| (1..=120).contains(n),
                    "1 to 120 seconds",
                )?
            } else {
                None
            },
            t0: if totp {
                num::<i64>(fields, "t0", |_| true, "an integer")?
            } else {
                None
            },
            drift: if totp {
                num::<i16>(fields, "drift", |_| true, "an integer")?
            } else {
                None
            },
            counter: if hotp {
                num::<u64>(
                    fields,
                    "counter",
                    |n| *n <= otpkit::kind::hotp::MAX_COUNTER,
                    "0 to 2^63-1",
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
