//! Step-up for the application's own routes (docs/behaviour.md §7.2.1): the [`StepUp`] route
//! layer and the [`Fresh`] extractor require a verification at most `max_age` seconds old
//! (default `OTPKIT_REAUTH_MAX_AGE`), optionally by some kinds of device (e.g. passkeys only).
//!
//! The rule is the one otpkit's own device management and admin area apply before a change
//! ([`OtpKit::is_fresh`] is `step_up().is_satisfied(…)`): the session is verified by a device
//! and its last verification is at most `max_age` old on the engine's clock (exactly
//! `max_age` passes, one millisecond more does not).
//!
//! A session that is not verified at all gets [`OtpRequired`](crate::OtpRequired)'s answer
//! (the login page or the code step; 401 `otp_required`). A verified session that is not
//! fresh enough, or was verified by another kind, gets an HTML 302 to the code step,
//! `{prefix}/verify/?next=…` (with `&kinds=…`, which shows only those kinds; for one kind
//! with a web step of its own, such as passkeys, that step), or a JSON 401
//! `{"error": "step_up_required", "message", "login_url", "max_age", "kinds"}`. A storage
//! error answers 503 `internal_error`.

use std::future::Future;
use std::pin::Pin;

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use otpkit::{Device, Timestamp, UserId};

use crate::error::{Code, Problem};
use crate::guard::{GuardService, OtpRejection, OtpRequired, RouteGuard};
use crate::kit::OtpKit;
use crate::middleware::OtpState;
use crate::web::{found, path_and_query, redirect_url, secure, wants_json};

/// The step-up rule: a verification at most `max_age` old, optionally by some kinds. Use it
/// as a route layer, or call [`StepUp::check`] in a handler.
///
/// ```
/// use axum::{Router, routing::post};
/// use otpkit_axum::step_up;
/// let app: Router = Router::new()
///     .route("/account/close", post(|| async { "closed" }))
///     // A verification at most 60 s old, with a passkey.
///     .route_layer(step_up().max_age(60).kinds(["otp_webauthn.webauthndevice"]));
/// ```
#[derive(Debug, Clone, Default)]
pub struct StepUp {
    max_age: Option<u32>,
    kinds: Vec<String>,
    json: bool,
}

/// The step-up rule with the kit's `OTPKIT_REAUTH_MAX_AGE` and any kind.
pub fn step_up() -> StepUp {
    StepUp::default()
}

impl StepUp {
    /// The verification must be at most `secs` seconds old (default: the kit's
    /// `OTPKIT_REAUTH_MAX_AGE`).
    pub fn max_age(mut self, secs: u32) -> Self {
        self.max_age = Some(secs);
        self
    }

    /// Only a verification by a device of one of these kinds (model labels, compared ASCII
    /// case-insensitively) counts.
    pub fn kinds<I, S>(mut self, labels: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.kinds = labels.into_iter().map(Into::into).collect();
        self
    }

    /// Refuse in JSON whatever the request's `Accept` (for API routes).
    pub fn json(mut self) -> Self {
        self.json = true;
        self
    }

    /// The maximum age in seconds for `kit`.
    fn max_age_of(&self, kit: &OtpKit) -> u32 {
        self.max_age.unwrap_or(kit.web_settings().reauth_max_age)
    }

    /// Whether `state` satisfies the rule now, on the engine's clock.
    pub fn is_satisfied(&self, kit: &OtpKit, state: &OtpState) -> bool {
        let max_ms = i64::from(self.max_age_of(kit)) * 1000;
        let now = kit.engine().now();
        let recent = state
            .verified_at()
            .is_some_and(|t| t <= now && now.millis_since(t) <= max_ms);
        let kind_ok = self.kinds.is_empty()
            || state.device().is_some_and(|d| {
                self.kinds
                    .iter()
                    .any(|k| d.model_label().eq_ignore_ascii_case(k))
            });
        // A trusted browser is never a step-up (docs/behaviour.md §7.12).
        state.is_verified_by_device() && recent && kind_ok
    }

    /// Checks a request; `Ok` with the state when it passes.
    pub async fn check(&self, parts: &Parts) -> Result<OtpState, StepUpRejection> {
        let guard = OtpRequired::default();
        let guard = if self.json { guard.json() } else { guard };
        let state = guard
            .check(parts)
            .await
            .map_err(|r| StepUpRejection(Inner::Guard(r)))?;
        let Some(kit) = parts.extensions.get::<OtpKit>() else {
            // Unreachable: the guard above refuses without the layer.
            return Err(StepUpRejection(Inner::Unavailable));
        };
        if self.is_satisfied(kit, &state) {
            return Ok(state);
        }
        let lang = kit.catalogue().negotiate_headers(&parts.headers);
        let message = kit
            .messages()
            .render_in(kit.catalogue(), &lang, Code::StepUpRequired, "", 0);
        Err(StepUpRejection(Inner::StepUp {
            json: self.json || wants_json(&parts.headers),
            url: self.verify_url(kit, &path_and_query(parts)),
            message,
            max_age: self.max_age_of(kit),
            kinds: self.kinds.clone(),
        }))
    }

    /// Where a browser verifies again: the web step of the one kind asked for, if it has
    /// one, else the code step showing the kinds asked for.
    fn verify_url(&self, kit: &OtpKit, next: &str) -> String {
        if let [only] = self.kinds.as_slice()
            && let Some(step) = kit
                .kind_steps()
                .iter()
                .find(|s| s.model_label.eq_ignore_ascii_case(only))
        {
            return redirect_url(&kit.url(&step.path), "next", next);
        }
        let url = redirect_url(&kit.url("/verify/"), "next", next);
        if self.kinds.is_empty() {
            url
        } else {
            redirect_url(&url, "kinds", &self.kinds.join(","))
        }
    }
}

/// Why [`StepUp`] refused a request; it renders itself (302, 401 or 503).
#[derive(Debug, Clone)]
pub struct StepUpRejection(Inner);

#[derive(Debug, Clone)]
enum Inner {
    /// Not verified at all (or the state is unavailable): the guard's answer.
    Guard(OtpRejection),
    /// Verified, but not recently enough or not by the kinds asked for.
    StepUp {
        json: bool,
        url: String,
        message: String,
        max_age: u32,
        kinds: Vec<String>,
    },
    /// The layer is missing.
    Unavailable,
}

impl StepUpRejection {
    /// The code this rejection answers with: `step_up_required`, or the guard's
    /// (`otp_required`, `internal_error`).
    pub fn code(&self) -> Code {
        match &self.0 {
            Inner::Guard(r) => r.code(),
            Inner::StepUp { .. } => Code::StepUpRequired,
            Inner::Unavailable => Code::InternalError,
        }
    }
}

impl IntoResponse for StepUpRejection {
    fn into_response(self) -> Response {
        match self.0 {
            Inner::Guard(r) => r.into_response(),
            Inner::Unavailable => secure(Problem::new(Code::InternalError).into_json()),
            Inner::StepUp {
                json,
                url,
                message,
                max_age,
                kinds,
            } => {
                if !json {
                    return secure(found(&url));
                }
                let mut p = Problem::new(Code::StepUpRequired);
                p.message = message;
                p.extra.insert("login_url".into(), url.into());
                p.extra.insert("max_age".into(), max_age.into());
                p.extra.insert("kinds".into(), kinds.into());
                secure(p.into_json())
            }
        }
    }
}

impl RouteGuard for StepUp {
    type Rejection = StepUpRejection;

    fn guard<'a>(
        &'a self,
        parts: &'a Parts,
    ) -> Pin<Box<dyn Future<Output = Result<(), StepUpRejection>> + Send + 'a>> {
        Box::pin(async move { self.check(parts).await.map(|_| ()) })
    }
}

impl<S> tower::Layer<S> for StepUp {
    type Service = StepUpService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        GuardService::new(inner, self.clone())
    }
}

/// The service of the [`StepUp`] route layer.
pub type StepUpService<S> = GuardService<S, StepUp>;

/// A session verified at most `OTPKIT_REAUTH_MAX_AGE` ago (the default [`step_up`] rule):
/// extracting it guards a handler. For another age or kinds, use the [`StepUp`] layer.
///
/// ```
/// use otpkit_axum::Fresh;
/// async fn change_email(f: Fresh) -> String {
///     format!("{} may change their email address", f.user)
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Fresh {
    /// The user.
    pub user: UserId,
    /// The device of the last verification.
    pub device: Device,
    /// When that verification happened.
    pub verified_at: Timestamp,
}

impl<S: Send + Sync> FromRequestParts<S> for Fresh {
    type Rejection = StepUpRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let state = step_up().check(parts).await?;
        match (state.user(), state.device(), state.verified_at()) {
            (Some(u), Some(d), Some(t)) => Ok(Fresh {
                user: u.clone(),
                device: d.clone(),
                verified_at: t,
            }),
            // Unreachable: only verified states with an instant pass.
            _ => Err(StepUpRejection(Inner::Unavailable)),
        }
    }
}
