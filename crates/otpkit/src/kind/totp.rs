//! TOTP devices (`otp_totp.totpdevice`, docs/behaviour.md §5.1): RFC 6238 with tolerance, drift
//! synchronisation and the `last_t` replay guard.

use serde::{Deserialize, Serialize};

use super::{Context, DeviceKind, KeyIds, KindError, Verdict, oath_provisioning, reseal_in_place};
use crate::oath::{Algorithm, Digits, OathKey, TotpMatch, totp_step, verify_totp};
use crate::otpauth::{OtpAuth, OtpAuthKind};
use crate::seal::Sealed;
use crate::settings::Settings;
use crate::token::normalize_oath;

/// The state of a TOTP device. The key is stored only sealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpDevice {
    /// The sealed key (§5.7).
    pub key: Sealed,
    /// HMAC algorithm.
    pub algorithm: Algorithm,
    /// Time step in seconds (1–120).
    pub step: u32,
    /// Unix time of step 0.
    pub t0: i64,
    /// Token length.
    pub digits: Digits,
    /// Steps accepted on each side (0–10).
    pub tolerance: u8,
    /// The prover's known clock offset in steps.
    pub drift: i16,
    /// The step of the last accepted token; −1 before the first.
    pub last_t: i64,
    /// A key shorter than 16 bytes, imported from django-otp: it verifies, and the device is
    /// reported "re-enrol recommended" (RFC 4226 R6 asks for 16 bytes at least).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub legacy_key: bool,
}

impl TotpDevice {
    /// The current step `T` at the context's `now`, drift included.
    pub fn current_step(&self, ctx: &Context<'_>) -> i64 {
        totp_step(ctx.now().as_secs(), self.t0, self.step, self.drift)
    }
}

impl DeviceKind for TotpDevice {
    const MODEL_LABEL: &'static str = "otp_totp.totpdevice";
    const VERBOSE_NAME: &'static str = "TOTP device";

    fn throttle_factor(&self, settings: &Settings) -> u32 {
        settings.totp.throttle_factor
    }

    fn verify(&mut self, token: &str, ctx: &mut Context<'_>) -> Result<Verdict, KindError> {
        let Ok(token) = normalize_oath(token, self.digits) else {
            return Ok(Verdict::Malformed);
        };
        let key = ctx.open(&self.key)?;
        let key = OathKey::new(self.algorithm, key.expose());
        let t = self.current_step(ctx);
        let min_t = self.last_t.saturating_add(1);
        match verify_totp(&key, token.expose(), self.digits, t, self.tolerance, min_t) {
            TotpMatch::Accepted { step, offset } => {
                self.last_t = step;
                if ctx.settings().totp.sync {
                    let off = i16::try_from(offset).unwrap_or(0);
                    self.drift = self.drift.saturating_add(off);
                }
                Ok(Verdict::Accepted)
            }
            TotpMatch::Replay { .. } => Ok(Verdict::Replay),
            TotpMatch::NoMatch => Ok(Verdict::Invalid),
        }
    }

    fn info(&self) -> serde_json::Value {
        let info = serde_json::json!({
            "algorithm": self.algorithm,
            "digits": self.digits,
            "step": self.step,
            "t0": self.t0,
            "tolerance": self.tolerance,
            "drift": self.drift,
            "last_t": self.last_t,
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
            OtpAuthKind::Totp { period: self.step },
            self.algorithm,
            self.digits,
        )
    }
}
