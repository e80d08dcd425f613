//! Email devices (`otp_email.emaildevice`, docs/behaviour.md §5.4): a side-channel token delivered
//! by email, with cooldown, throttling, a per-token attempt limit and session binding.
//!
//! Email is a restricted authenticator (NIST SP 800-63B does not accept it); enrolment labels
//! it the least secure option and `OTPKIT_DEVICE_KINDS` can disable it.

use serde::{Deserialize, Serialize};

use super::side_channel::{SideChannel, SideChannelResult};
use super::{Challenge, ChallengeError, Context, Delivery, DeviceKind, KeyIds, KindError, Verdict};
use crate::settings::Settings;

/// The user-facing text when no address is known.
pub const NO_ADDRESS: &str = "no email address is known for this device";

/// The message returned by a successful challenge.
pub const SENT_BY_EMAIL: &str = "sent by email";

/// The largest number of characters of an email address.
pub const MAX_EMAIL_CHARS: usize = 254;

/// Why an email address was refused ([`parse_address`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// Empty.
    #[error("the email address is empty")]
    Empty,
    /// More than [`MAX_EMAIL_CHARS`] characters.
    #[error("the email address is longer than 254 characters")]
    TooLong,
    /// Whitespace anywhere, leading and trailing included (trim before calling).
    #[error("the email address contains whitespace")]
    Whitespace,
    /// A control character (a line break could inject mail headers).
    #[error("the email address contains a control character")]
    Control,
    /// Not one plain `local@domain` address: a display-name form (`Alice <a@b.c>`, `<a@b.c>`),
    /// a list (`a@b.c,d@e.f`), no `@`, or an invalid local part or domain.
    #[error("the email address must be one plain address such as alice@example.org")]
    Syntax,
}

/// Checks that `address` is exactly one plain address (`local@domain`), as the recipient of
/// a code email must be: at most 254 characters, no whitespace or control characters, and
/// accepted by the `email_address` parser (the one `lettre::Address` relies on) with display
/// names and domain literals refused. Returns the address unchanged; it does **not** trim.
///
/// ```
/// use otpkit::kind::email::{AddressError, parse_address};
///
/// assert_eq!(parse_address("alice+x@example.org"), Ok("alice+x@example.org"));
/// assert_eq!(parse_address("Alice <a@b.c>"), Err(AddressError::Whitespace));
/// assert_eq!(parse_address("<a@b.c>"), Err(AddressError::Syntax));
/// assert_eq!(parse_address("a@b.c,d@e.f"), Err(AddressError::Syntax));
/// ```
pub fn parse_address(address: &str) -> Result<&str, AddressError> {
    use email_address::{EmailAddress, Options};
    if address.is_empty() {
        return Err(AddressError::Empty);
    }
    if address.chars().count() > MAX_EMAIL_CHARS {
        return Err(AddressError::TooLong);
    }
    if address.chars().any(char::is_control) {
        return Err(AddressError::Control);
    }
    if address.chars().any(char::is_whitespace) {
        return Err(AddressError::Whitespace);
    }
    let options = Options::default()
        .without_display_text()
        .without_domain_literal();
    match EmailAddress::parse_with_options(address, options) {
        // The parsed address is the whole input: nothing around it was dropped.
        Ok(parsed) if parsed.email() == address && !address.contains(',') => Ok(address),
        _ => Err(AddressError::Syntax),
    }
}

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
        settings.email.throttle_factor
    }

    fn cooldown_duration(&self, settings: &Settings) -> u32 {
        settings.email.cooldown_duration
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
                if u32::from(self.token_failures) >= ctx.settings().email.max_attempts {
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
            _ => return Err(ChallengeError::NoAddress.into()),
        };
        let s = ctx.settings();
        let (length, validity) = (s.email.token_length, s.email.token_validity);
        let token = self.side.generate_token(ctx, length, validity)?;
        self.token_failures = 0;
        let message = ctx
            .templates()
            .render(&to, &token, ctx.extra_context())
            .map_err(ChallengeError::Render)?;
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
