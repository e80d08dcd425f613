//! HOTP devices (`otp_hotp.hotpdevice`, docs/behaviour.md §5.2): RFC 4226 with a look-ahead window.

use serde::{Deserialize, Serialize};

use super::{Context, DeviceKind, KeyIds, KindError, Verdict, oath_provisioning, reseal_in_place};
use crate::oath::{Algorithm, Digits, OathKey, verify_hotp};
use crate::otpauth::{OtpAuth, OtpAuthKind};
use crate::seal::Sealed;
use crate::settings::Settings;
use crate::token::normalize_oath;

/// The largest counter value (2^63 − 1).
pub const MAX_COUNTER: u64 = i64::MAX as u64;

/// The state of an HOTP device. The key is stored only sealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HotpDevice {
    /// The sealed key (§5.7).
    pub key: Sealed,
    /// HMAC algorithm.
    pub algorithm: Algorithm,
    /// Token length.
    pub digits: Digits,
    /// Counters `counter ..= counter + tolerance` are checked (0–20).
    pub tolerance: u8,
    /// The next counter value expected.
    pub counter: u64,
    /// A key shorter than 16 bytes, imported from django-otp (see
    /// [`TotpDevice::legacy_key`](super::totp::TotpDevice::legacy_key)).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub legacy_key: bool,
}

impl DeviceKind for HotpDevice {
    const MODEL_LABEL: &'static str = "otp_hotp.hotpdevice";
    const VERBOSE_NAME: &'static str = "HOTP device";

    fn throttle_factor(&self, settings: &Settings) -> u32 {
        settings.hotp.throttle_factor
    }

    fn verify(&mut self, token: &str, ctx: &mut Context<'_>) -> Result<Verdict, KindError> {
        let Ok(token) = normalize_oath(token, self.digits) else {
            return Ok(Verdict::Malformed);
        };
        let key = ctx.open(&self.key)?;
        let key = OathKey::new(self.algorithm, key.expose());
        match verify_hotp(
            &key,
            token.expose(),
            self.digits,
            self.counter,
            self.tolerance,
        ) {
            Some(m) if m >= self.counter => {
                self.counter = m.saturating_add(1);
                Ok(Verdict::Accepted)
            }
            _ => Ok(Verdict::Invalid),
        }
    }

    fn info(&self) -> serde_json::Value {
        let info = serde_json::json!({
            "algorithm": self.algorithm,
            "digits": self.digits,
            "tolerance": self.tolerance,
            "counter": self.counter,
        });
        super::with_legacy_flag(info, self.legacy_key)
    }

    fn key_ids(&self) -> KeyIds {
        KeyIds::sealed(&self.key)
    }

    fn reseal(&mut self, ctx: &Context<'_>) -> Result<usize, KindError> {
        reseal_in_place(&mut self.key, ctx)
    }

    fn provisioning(&self, ctx: &Context<'_>) -> Result<Option<OtpAuth>, KindError> {
        oath_provisioning(
            ctx,
            &self.key,
            OtpAuthKind::Hotp {
                counter: self.counter,
            },
            self.algorithm,
            self.digits,
        )
    }
}
