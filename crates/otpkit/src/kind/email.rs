//! Email devices (`otp_email.emaildevice`, SPEC §5.4): a side-channel token delivered by
//! email, with cooldown, throttling, a per-token attempt limit and session binding.
//!
//! Email is a restricted authenticator (NIST SP 800-63B does not accept it); enrolment labels
//! it the least secure option and `OTPKIT_DEVICE_KINDS` can disable it.

use serde::{Deserialize, Serialize};

use super::side_channel::{SideChannel, SideChannelResult};
use super::{Challenge, Context, Delivery, DeviceKind, KeyIds, KindError, Verdict};
use crate::settings::Settings;

/// The user-facing text when no address is known.
pub const NO_ADDRESS: &str = "no email address is known for this device";

/// The message returned by a successful challenge.
pub const SENT_BY_EMAIL: &str = "sent by email";

/// The largest number of characters of an email address.
pub const MAX_EMAIL_CHARS: usize = 254;

/// The state of an email device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailDevice {
    /// The device's own address; otherwise the user's address from the directory.
    pub email: Option<String>,
    /// The outstanding token.
    #[serde(flatten)]
    pub side: SideChannel,
    /// Wrong codes entered against the outstanding token.
    #[serde(default)]
    pub token_failures: u8,
}

impl EmailDevice {
    /// A new device (no token valid) created at `ctx.now()`.
    pub fn new(email: Option<String>, ctx: &Context<'_>) -> Self {
        EmailDevice {
            email,
            side: SideChannel::new(ctx.now()),
            token_failures: 0,
        }
    }
}

impl DeviceKind for EmailDevice {
    const MODEL_LABEL: &'static str = "otp_email.emaildevice";
    const VERBOSE_NAME: &'static str = "Email device";
    const INTERACTIVE: bool = true;

    fn throttle_factor(&self, settings: &Settings) -> u32 {
        settings.email_throttle_factor
    }

    fn cooldown_duration(&self, settings: &Settings) -> u32 {
        settings.email_cooldown_duration
    }

    fn verify(&mut self, token: &str, ctx: &mut Context<'_>) -> Result<Verdict, KindError> {
        match self.side.verify_token(ctx, token)? {
            SideChannelResult::Accepted => {
                self.token_failures = 0;
                Ok(Verdict::Accepted)
            }
            SideChannelResult::Malformed => Ok(Verdict::Malformed),
            SideChannelResult::NoneOutstanding => Ok(Verdict::Invalid),
            SideChannelResult::Wrong => {
                self.token_failures = self.token_failures.saturating_add(1);
                if u32::from(self.token_failures) >= ctx.settings().email_max_attempts {
                    // The token is burnt: even the correct code is now rejected.
                    self.side.token = None;
                    self.side.valid_until = ctx.now();
                    self.token_failures = 0;
                }
                Ok(Verdict::Invalid)
            }
        }
    }

    fn generate_challenge(
        &mut self,
        ctx: &mut Context<'_>,
    ) -> Result<Option<Challenge>, KindError> {
        let to = match (&self.email, ctx.user_email()) {
            (Some(e), _) if !e.is_empty() => e.clone(),
            (_, Some(e)) if !e.is_empty() => e.to_owned(),
            _ => return Err(KindError::Challenge(NO_ADDRESS.into())),
        };
        let s = ctx.settings();
        let (length, validity) = (s.email_token_length, s.email_token_validity);
        let token = self.side.generate_token(ctx, length, validity)?;
        self.token_failures = 0;
        let message = ctx
            .templates()
            .render(&to, &token, ctx.extra_context())
            .map_err(|e| KindError::Challenge(format!("the email could not be built: {e}")))?;
        Ok(Some(Challenge {
            message: SENT_BY_EMAIL.into(),
            delivery: Delivery::Email(message),
        }))
    }

    fn challenge_failed(&mut self) {
        self.side.token = None;
        self.token_failures = 0;
    }

    fn side_channel(&mut self) -> Option<&mut SideChannel> {
        Some(&mut self.side)
    }

    fn info(&self) -> serde_json::Value {
        serde_json::json!({
            "email": self.email,
            "token_outstanding": self.side.token.is_some(),
            "valid_until": self.side.valid_until,
        })
    }

    fn key_ids(&self) -> KeyIds {
        KeyIds {
            sealed: Vec::new(),
            hashed: self
                .side
                .token
                .iter()
                .map(|h| h.key_id().to_owned())
                .collect(),
        }
    }
}
