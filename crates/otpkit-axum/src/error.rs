//! Error codes, their messages and statuses (docs/behaviour.md §7.4), and their JSON rendering.
//!
//! Codes are stable; their sentences come from the catalogues (`error-<code>`, see
//! [`crate::i18n`]) and applications may replace them (see [`crate::OtpKitBuilder::message`]
//! and [`crate::OtpKitBuilder::catalogue`]), never codes.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use otpkit::Timestamp;

use crate::i18n::{Arg, Catalogue, Lang};

/// Every code otpkit's web layer answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Code {
    /// `token_required`: no challenge, empty token (400).
    TokenRequired,
    /// `challenge_exception`: the challenge failed (502).
    ChallengeException,
    /// `not_interactive`: challenge with no usable device or a passive one (400).
    NotInteractive,
    /// `challenge_message`: a challenge was sent (202).
    ChallengeMessage,
    /// `invalid_token`: wrong, malformed, expired or replayed token (401).
    InvalidToken,
    /// `n_failed_attempts`: throttled (429 + `Retry-After`).
    NFailedAttempts,
    /// `verification_not_allowed`: refused without known reason or with a kind's own
    /// message (403).
    VerificationNotAllowed,
    /// `device_required`: token given, no usable device chosen (400).
    DeviceRequired,
    /// `device_locked`: hard lock-out (403).
    DeviceLocked,
    /// `challenge_cooldown`: cooldown pending (429 + `Retry-After`).
    ChallengeCooldown,
    /// `no_device`: the account has no device and OTP is not optional (403).
    NoDevice,
    /// `invalid_login`: the first factor failed (401).
    InvalidLogin,
    /// `login_expired`: the pending login expired or is missing (401).
    LoginExpired,
    /// `otp_required`: the guard refused (401).
    OtpRequired,
    /// `reauth_required`: a sensitive action needs a fresh verification (403).
    ReauthRequired,
    /// `csrf_failed`: missing or wrong CSRF token (403).
    CsrfFailed,
    /// `bad_request`: malformed JSON or field types (400).
    BadRequest,
    /// `internal_error`: storage or crypto failure, fail closed (503).
    InternalError,
    /// `payload_too_large`: the body exceeds `OTPKIT_MAX_BODY_BYTES` (413). Not in §7.4.
    PayloadTooLarge,
    /// `not_found`: unknown or someone else's device (404). Not in §7.4.
    NotFound,
    /// `forbidden`: the admin area's sensitive data is hidden (403). Not in §7.4.
    Forbidden,
    /// `unlock_not_allowed`: unlock from a session verified by the same device (403).
    /// Not in §7.4.
    UnlockNotAllowed,
    /// `kind_unavailable`: a kind of sign-in method this site cannot offer — email codes
    /// without a mailer ([`otpkit::Engine::sends_email`]) — asked for by its enrolment, the
    /// admin's "add device" form or a challenge (404: the method does not exist on this
    /// site, and asking again will not change that; `409 Conflict` would suggest the client
    /// could resolve it). Not in §7.4.
    KindUnavailable,
    /// `step_up_required`: the application's route wants a more recent verification, or one
    /// by another kind of device ([`StepUp`](crate::StepUp)) (401). Not in §7.4.
    StepUpRequired,
    /// `enrolment_required`: the two-factor policy covers the user, who has no sign-in
    /// method yet and no grace period left: set one up first (403). Not in §7.4.
    EnrolmentRequired,
}

impl Code {
    /// Every code, in the order of §7.4 (the OpenAPI document's `Code` schema lists them).
    pub const ALL: [Code; 25] = [
        Code::TokenRequired,
        Code::ChallengeException,
        Code::NotInteractive,
        Code::ChallengeMessage,
        Code::InvalidToken,
        Code::NFailedAttempts,
        Code::VerificationNotAllowed,
        Code::DeviceRequired,
        Code::DeviceLocked,
        Code::ChallengeCooldown,
        Code::NoDevice,
        Code::InvalidLogin,
        Code::LoginExpired,
        Code::OtpRequired,
        Code::ReauthRequired,
        Code::CsrfFailed,
        Code::BadRequest,
        Code::InternalError,
        Code::PayloadTooLarge,
        Code::NotFound,
        Code::Forbidden,
        Code::UnlockNotAllowed,
        Code::KindUnavailable,
        Code::StepUpRequired,
        Code::EnrolmentRequired,
    ];

    /// The stable code string.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::TokenRequired => "token_required",
            Code::ChallengeException => "challenge_exception",
            Code::NotInteractive => "not_interactive",
            Code::ChallengeMessage => "challenge_message",
            Code::InvalidToken => "invalid_token",
            Code::NFailedAttempts => "n_failed_attempts",
            Code::VerificationNotAllowed => "verification_not_allowed",
            Code::DeviceRequired => "device_required",
            Code::DeviceLocked => "device_locked",
            Code::ChallengeCooldown => "challenge_cooldown",
            Code::NoDevice => "no_device",
            Code::InvalidLogin => "invalid_login",
            Code::LoginExpired => "login_expired",
            Code::OtpRequired => "otp_required",
            Code::ReauthRequired => "reauth_required",
            Code::CsrfFailed => "csrf_failed",
            Code::BadRequest => "bad_request",
            Code::InternalError => "internal_error",
            Code::PayloadTooLarge => "payload_too_large",
            Code::NotFound => "not_found",
            Code::Forbidden => "forbidden",
            Code::UnlockNotAllowed => "unlock_not_allowed",
            Code::KindUnavailable => "kind_unavailable",
            Code::StepUpRequired => "step_up_required",
            Code::EnrolmentRequired => "enrolment_required",
        }
    }

    /// The JSON status (docs/behaviour.md §7.4).
    pub fn status(self) -> StatusCode {
        match self {
            Code::TokenRequired
            | Code::NotInteractive
            | Code::DeviceRequired
            | Code::BadRequest => StatusCode::BAD_REQUEST,
            Code::ChallengeException => StatusCode::BAD_GATEWAY,
            Code::ChallengeMessage => StatusCode::ACCEPTED,
            Code::InvalidToken
            | Code::InvalidLogin
            | Code::LoginExpired
            | Code::OtpRequired
            | Code::StepUpRequired => StatusCode::UNAUTHORIZED,
            Code::NFailedAttempts | Code::ChallengeCooldown => StatusCode::TOO_MANY_REQUESTS,
            Code::VerificationNotAllowed
            | Code::DeviceLocked
            | Code::NoDevice
            | Code::ReauthRequired
            | Code::CsrfFailed
            | Code::Forbidden
            | Code::UnlockNotAllowed
            | Code::EnrolmentRequired => StatusCode::FORBIDDEN,
            Code::InternalError => StatusCode::SERVICE_UNAVAILABLE,
            Code::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Code::NotFound | Code::KindUnavailable => StatusCode::NOT_FOUND,
        }
    }

    /// The id of the code's message in the catalogues: `error-<code>` (arguments `n`, a
    /// number, and `arg`, a text).
    pub fn message_id(self) -> String {
        format!("error-{}", self.as_str())
    }
}

/// The embedded catalogue, built once, for messages rendered outside a request.
fn embedded() -> &'static Catalogue {
    static EMBEDDED: OnceLock<Catalogue> = OnceLock::new();
    EMBEDDED.get_or_init(Catalogue::embedded)
}

/// Message texts that replace the catalogues' sentences of some codes in every language
/// (`{0}` is the argument). Per-language texts belong in the [`Catalogue`].
#[derive(Debug, Clone, Default)]
pub struct Messages(HashMap<&'static str, String>);

impl Messages {
    /// Replaces the text of `code`.
    pub fn set(&mut self, code: Code, text: impl Into<String>) {
        self.0.insert(code.as_str(), text.into());
    }

    /// The English text of `code` with argument `arg` and number `n` (seconds or a count).
    pub fn render(&self, code: Code, arg: &str, n: u64) -> String {
        let c = embedded();
        self.render_in(c, c.default_language(), code, arg, n)
    }

    /// The text of `code` in `lang`: the replacement set here, else the catalogue's
    /// `error-<code>` message with `n` and `arg`.
    pub fn render_in(
        &self,
        catalogue: &Catalogue,
        lang: &Lang,
        code: Code,
        arg: &str,
        n: u64,
    ) -> String {
        if let Some(t) = self.0.get(code.as_str()) {
            return t.replace("{0}", arg);
        }
        let args = [("n", Arg::from(n)), ("arg", Arg::from(arg))];
        catalogue.message(lang, &code.message_id(), &args)
    }
}

/// One answer of §7.4: a code, its message and the extra JSON fields that apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The stable code.
    pub code: Code,
    /// The (possibly replaced) message.
    pub message: String,
    /// `failure_count`, where it applies.
    pub failure_count: Option<u32>,
    /// `locked_until`, where it applies.
    pub locked_until: Option<Timestamp>,
    /// `retry_after` in whole seconds (rounded up), also sent as `Retry-After`.
    pub retry_after: Option<u64>,
    /// Extra JSON fields (`devices`, `login_url`, `csrf_token`, …).
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Problem {
    /// A problem with the default message of `code` (and no argument).
    pub fn new(code: Code) -> Self {
        Self::with(&Messages::default(), code, "", 0)
    }

    /// A problem whose English message is rendered from `messages` with `arg` and number `n`.
    pub fn with(messages: &Messages, code: Code, arg: &str, n: u64) -> Self {
        let c = embedded();
        Self::localised(messages, c, c.default_language(), code, arg, n)
    }

    /// A problem whose message is rendered in `lang`, from `messages` or else `catalogue`.
    pub fn localised(
        messages: &Messages,
        catalogue: &Catalogue,
        lang: &Lang,
        code: Code,
        arg: &str,
        n: u64,
    ) -> Self {
        Problem {
            code,
            message: messages.render_in(catalogue, lang, code, arg, n),
            failure_count: None,
            locked_until: None,
            retry_after: None,
            extra: serde_json::Map::new(),
        }
    }

    /// The JSON status.
    pub fn status(&self) -> StatusCode {
        self.code.status()
    }

    /// The JSON body `{"error", "message", …}` (or `{"status": "challenge_sent", …}` for a
    /// challenge message).
    pub fn body(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        if self.code == Code::ChallengeMessage {
            m.insert("status".into(), "challenge_sent".into());
        } else {
            m.insert("error".into(), self.code.as_str().into());
        }
        m.insert("message".into(), self.message.clone().into());
        if let Some(c) = self.failure_count {
            m.insert("failure_count".into(), c.into());
        }
        if let Some(t) = self.locked_until {
            m.insert("locked_until".into(), t.to_rfc3339().into());
        }
        if let Some(r) = self.retry_after {
            m.insert("retry_after".into(), r.into());
        }
        for (k, v) in &self.extra {
            m.insert(k.clone(), v.clone());
        }
        serde_json::Value::Object(m)
    }

    /// Adds `Retry-After` when it applies.
    pub(crate) fn add_headers(&self, resp: &mut Response) {
        if let Some(r) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&r.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }

    /// The JSON response.
    pub fn into_json(self) -> Response {
        let mut resp = (self.status(), Json(self.body())).into_response();
        self.add_headers(&mut resp);
        resp
    }
}

/// Whole seconds from `now` to `until`, rounded up, at least 1.
pub(crate) fn ceil_secs(now: Timestamp, until: Timestamp) -> u64 {
    let ms = until.millis_since(now).max(1);
    u64::try_from(ms).unwrap_or(1).div_ceil(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plural() {
        let m = Messages::default();
        assert_eq!(
            m.render(Code::NFailedAttempts, "", 1),
            "Too many wrong codes. Try again in 1 second."
        );
        assert_eq!(
            m.render(Code::NFailedAttempts, "", 8),
            "Too many wrong codes. Try again in 8 seconds."
        );
        let mut m = Messages::default();
        m.set(Code::InvalidToken, "Nope ({0})");
        let de = embedded().language("de").unwrap();
        assert_eq!(
            m.render_in(embedded(), &de, Code::InvalidToken, "x", 0),
            "Nope (x)"
        );
        assert!(
            m.render_in(embedded(), &de, Code::TokenRequired, "", 0)
                .contains("Bestätigungscode")
        );
    }

    /// `Code::ALL` has every code once: a new variant fails to compile here until it is
    /// listed, and then fails the test until `ALL` has it.
    #[test]
    fn all_has_every_code() {
        let listed = |c: Code| match c {
            Code::TokenRequired
            | Code::ChallengeException
            | Code::NotInteractive
            | Code::ChallengeMessage
            | Code::InvalidToken
            | Code::NFailedAttempts
            | Code::VerificationNotAllowed
            | Code::DeviceRequired
            | Code::DeviceLocked
            | Code::ChallengeCooldown
            | Code::NoDevice
            | Code::InvalidLogin
            | Code::LoginExpired
            | Code::OtpRequired
            | Code::ReauthRequired
            | Code::CsrfFailed
            | Code::BadRequest
            | Code::InternalError
            | Code::PayloadTooLarge
            | Code::NotFound
            | Code::Forbidden
            | Code::UnlockNotAllowed
            | Code::KindUnavailable
            | Code::StepUpRequired
            | Code::EnrolmentRequired => c.as_str(),
        };
        let names: std::collections::HashSet<_> = Code::ALL.iter().map(|c| listed(*c)).collect();
        assert_eq!(names.len(), Code::ALL.len(), "a code twice in Code::ALL");
        assert_eq!(names.len(), 25, "Code::ALL misses a code");
    }

    #[test]
    fn rounding() {
        let t = Timestamp::from_millis(1000);
        assert_eq!(ceil_secs(t, Timestamp::from_millis(1001)), 1);
        assert_eq!(ceil_secs(t, Timestamp::from_millis(2000)), 1);
        assert_eq!(ceil_secs(t, Timestamp::from_millis(2001)), 2);
        assert_eq!(ceil_secs(t, Timestamp::from_millis(0)), 1);
    }
}
