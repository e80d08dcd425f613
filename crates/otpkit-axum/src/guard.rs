//! The route guard `otp_required` (docs/behaviour.md §7.2): the [`Verified`] extractor and the
//! [`OtpRequired`] route layer.
//!
//! A request passes if its session is verified, or — with `if_configured` — if its user is
//! authenticated and has no confirmed device. Otherwise an HTML client gets a 302 to
//! `login_url?next=…` (the path and query percent-encoded except unreserved characters and
//! `/`; `&next=` if `login_url` has a query already) and a JSON client a 401
//! `{"error": "otp_required", "message": …, "login_url": …}`. A pending login is anonymous:
//! it passes no guard. In one hop: a session that owes only the code (a signed-in user who
//! is not verified, or a pending login) is sent straight to the code step,
//! `{prefix}/verify/?next=…`, instead of `login_url`.
//! When the state is unavailable (storage error) every guard answers 503 `internal_error`.
//!
//! Which of the two answers a client gets follows [`crate::wants_json`]: a client that does
//! not say it wants JSON (curl's `Accept: */*`, a script's bare `fetch`) gets the browser's
//! redirect. A route that only ever answers JSON — an API — takes
//! [`OtpRequired::json`]: every refusal is then the JSON answer (401 or 503), whatever the
//! request's `Accept`.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::response::{IntoResponse, Response};
use http::Request;
use http::request::Parts;
use otpkit::{Device, Timestamp, UserId};
use tower::{Layer, Service};

use crate::enforce::Compliance;
use crate::error::{Code, Problem};
use crate::kit::OtpKit;
use crate::middleware::{LazyOtp, OtpState};
use crate::web::{found, path_and_query, redirect_url, secure, wants_json};

/// A verified session: extracting it guards a handler with the default options
/// (`OTP_LOGIN_URL` of the kit's [`WebSettings`](crate::WebSettings), field `next`).
/// `Option<Verified>` never refuses a request that is merely unverified.
///
/// ```
/// use otpkit_axum::Verified;
/// async fn secret_page(v: Verified) -> String {
///     format!("hello {}, verified by {}", v.user, v.device.name())
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Verified {
    /// The user.
    pub user: UserId,
    /// The device that verified the session.
    pub device: Device,
    /// The last successful verification in this session.
    pub verified_at: Option<Timestamp>,
}

/// Why a guard refused a request; it renders itself (302, 401 or 503).
#[derive(Debug, Clone)]
pub struct OtpRejection {
    kind: RejectionKind,
    json: bool,
    /// The code's message, in the request's language.
    message: String,
}

#[derive(Debug, Clone)]
enum RejectionKind {
    /// Not verified: go to the login page.
    Required { url: String },
    /// The two-step policy covers the user, who has no method: go to the guided setup.
    Enrol { url: String },
    /// The state could not be determined (storage error) or the layer is missing.
    Unavailable,
}

impl OtpRejection {
    /// The code this rejection answers with (`otp_required` or `internal_error`).
    pub fn code(&self) -> Code {
        match self.kind {
            RejectionKind::Required { .. } => Code::OtpRequired,
            RejectionKind::Enrol { .. } => Code::EnrolmentRequired,
            RejectionKind::Unavailable => Code::InternalError,
        }
    }
}

impl IntoResponse for OtpRejection {
    fn into_response(self) -> Response {
        let mut p = Problem::new(self.code());
        p.message = self.message.clone();
        match self.kind {
            RejectionKind::Required { url } => {
                if self.json {
                    p.extra.insert("login_url".into(), url.into());
                    secure(p.into_json())
                } else {
                    secure(found(&url))
                }
            }
            RejectionKind::Enrol { url } => {
                if self.json {
                    p.extra.insert("setup_url".into(), url.into());
                    secure(p.into_json())
                } else {
                    secure(found(&url))
                }
            }
            RejectionKind::Unavailable => {
                if self.json {
                    secure(p.into_json())
                } else {
                    let body = format!(
                        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Error</title></head><body><p>{}</p></body></html>",
                        p.message
                    );
                    let mut r = (
                        p.status(),
                        [(http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
                        body,
                    )
                        .into_response();
                    p.add_headers(&mut r);
                    secure(r)
                }
            }
        }
    }
}

/// The options of the guard.
#[derive(Debug, Clone, Default)]
pub struct OtpRequired {
    login_url: Option<String>,
    redirect_field_name: Option<String>,
    if_configured: bool,
    json: bool,
}

/// A guard with the default options; configure it and use it as a route layer.
///
/// ```
/// use axum::{Router, routing::get};
/// use otpkit_axum::otp_required;
/// let app: Router = Router::new()
///     .route("/account/", get(|| async { "secret" }))
///     .route_layer(otp_required().login_url("/custom/").redirect_field_name("to"));
/// ```
pub fn otp_required() -> OtpRequired {
    OtpRequired::default()
}

impl OtpRequired {
    /// Where to send anonymous users (default `OTP_LOGIN_URL`); a session that owes only the
    /// code goes to `{prefix}/verify/` instead.
    pub fn login_url(mut self, url: impl Into<String>) -> Self {
        self.login_url = Some(url.into());
        self
    }

    /// The query field carrying the original path (default `next`).
    pub fn redirect_field_name(mut self, name: impl Into<String>) -> Self {
        self.redirect_field_name = Some(name.into());
        self
    }

    /// Also pass authenticated users who have no confirmed device (default false).
    pub fn if_configured(mut self, yes: bool) -> Self {
        self.if_configured = yes;
        self
    }

    /// Refuse in JSON whatever the request's `Accept` (default false: by content
    /// negotiation): for API routes, where a redirect to an HTML login page helps no client.
    /// The refusal is then always 401 `{"error": "otp_required", "message", "login_url"}`
    /// (or 503 `internal_error`).
    ///
    /// ```
    /// use axum::{Json, Router, routing::get};
    /// use otpkit_axum::otp_required;
    /// let api: Router = Router::new()
    ///     .route("/api/balance", get(|| async { Json(42) }))
    ///     .route_layer(otp_required().json());
    /// ```
    pub fn json(mut self) -> Self {
        self.json = true;
        self
    }

    /// Checks a request; `Ok` with the state when it passes.
    pub async fn check(&self, parts: &Parts) -> Result<OtpState, OtpRejection> {
        let json = self.json || wants_json(&parts.headers);
        let Some(kit) = parts.extensions.get::<OtpKit>().cloned() else {
            tracing::error!(target: "otpkit_axum", "otp_required used without OtpLayer");
            return Err(OtpRejection {
                kind: RejectionKind::Unavailable,
                json,
                message: Problem::new(Code::InternalError).message,
            });
        };
        let lang = kit.catalogue().negotiate_headers(&parts.headers);
        let reject = |kind: RejectionKind| {
            let code = match kind {
                RejectionKind::Required { .. } => Code::OtpRequired,
                RejectionKind::Enrol { .. } => Code::EnrolmentRequired,
                RejectionKind::Unavailable => Code::InternalError,
            };
            let message = kit
                .messages()
                .render_in(kit.catalogue(), &lang, code, "", 0);
            OtpRejection {
                kind,
                json,
                message,
            }
        };
        let state = LazyOtp::of(parts).get(&kit).await;
        if state.is_unavailable() {
            return Err(reject(RejectionKind::Unavailable));
        }
        if state.is_verified() {
            return Ok(state);
        }
        if let Some(user) = state.user() {
            // The two-step policy first: a covered user without a method enrols before
            // anything else; the others pass `if_configured` without one.
            match kit.compliance(user).await {
                Ok(Compliance::Required) => {
                    let in_grace = match parts.extensions.get::<tower_sessions::Session>() {
                        Some(s) => crate::enforce::session_grace(&kit, s).await.is_some(),
                        None => false,
                    };
                    if !in_grace {
                        let setup = kit.url("/devices/new/");
                        return Err(reject(RejectionKind::Enrol { url: setup }));
                    }
                    if self.if_configured {
                        return Ok(state);
                    }
                }
                Ok(Compliance::Enrolled) => {}
                Ok(Compliance::NotCovered) if self.if_configured => {
                    match kit.engine().user_has_device(Some(user), Some(true)).await {
                        Ok(false) => return Ok(state),
                        Ok(true) => {}
                        Err(e) => return Err(unavailable(&reject, &e)),
                    }
                }
                Ok(_) => {}
                Err(e) => return Err(unavailable(&reject, &e)),
            }
        }
        // One hop: whoever owes only the code goes straight to the code step.
        let url = if state.user().is_some() || state.pending().is_some() {
            redirect_url(&kit.url("/verify/"), "next", &path_and_query(parts))
        } else {
            let login = self
                .login_url
                .clone()
                .unwrap_or_else(|| kit.web_settings().login_url());
            let field = self.redirect_field_name.as_deref().unwrap_or("next");
            redirect_url(&login, field, &path_and_query(parts))
        };
        Err(reject(RejectionKind::Required { url }))
    }
}

/// 503: a lookup the guard needed failed (logged without detail).
fn unavailable(reject: &impl Fn(RejectionKind) -> OtpRejection, e: &otpkit::Error) -> OtpRejection {
    tracing::error!(target: "otpkit_axum", error = %e, "the guard's lookup failed");
    reject(RejectionKind::Unavailable)
}

impl<S: Send + Sync> FromRequestParts<S> for Verified {
    type Rejection = OtpRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let state = otp_required().check(parts).await?;
        match (state.user(), state.device()) {
            (Some(u), Some(d)) => Ok(Verified {
                user: u.clone(),
                device: d.clone(),
                verified_at: state.verified_at(),
            }),
            // Unreachable: without if_configured only verified states pass.
            _ => Err(OtpRejection {
                kind: RejectionKind::Unavailable,
                json: wants_json(&parts.headers),
                message: Problem::new(Code::InternalError).message,
            }),
        }
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Verified {
    type Rejection = OtpRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        match <Verified as FromRequestParts<S>>::from_request_parts(parts, state).await {
            Ok(v) => Ok(Some(v)),
            Err(r)
                if matches!(
                    r.kind,
                    RejectionKind::Required { .. } | RejectionKind::Enrol { .. }
                ) =>
            {
                Ok(None)
            }
            Err(r) => Err(r),
        }
    }
}

/// A check of a request before its handler, as a route layer ([`GuardService`]): otpkit's
/// [`OtpRequired`] and [`StepUp`](crate::StepUp), or an application's own.
pub trait RouteGuard: Clone + Send + Sync + 'static {
    /// The answer to a refused request (it renders itself).
    type Rejection: IntoResponse + Send;

    /// `Ok` lets the request through to the handler.
    fn guard<'a>(
        &'a self,
        parts: &'a Parts,
    ) -> Pin<Box<dyn Future<Output = Result<(), Self::Rejection>> + Send + 'a>>;
}

impl RouteGuard for OtpRequired {
    type Rejection = OtpRejection;

    fn guard<'a>(
        &'a self,
        parts: &'a Parts,
    ) -> Pin<Box<dyn Future<Output = Result<(), OtpRejection>> + Send + 'a>> {
        Box::pin(async move { self.check(parts).await.map(|_| ()) })
    }
}

impl<S> Layer<S> for OtpRequired {
    type Service = OtpRequiredService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        GuardService::new(inner, self.clone())
    }
}

/// The service of the [`OtpRequired`] route layer.
pub type OtpRequiredService<S> = GuardService<S, OtpRequired>;

/// The service of a [`RouteGuard`]'s route layer: runs the guard, then the handler.
#[derive(Debug, Clone)]
pub struct GuardService<S, G> {
    inner: S,
    guard: G,
}

impl<S, G> GuardService<S, G> {
    /// `inner` behind `guard`.
    pub fn new(inner: S, guard: G) -> Self {
        GuardService { inner, guard }
    }
}

impl<S, B, G> Service<Request<B>> for GuardService<S, G>
where
    S: Service<Request<B>, Error = Infallible> + Clone + Send + 'static,
    S::Response: IntoResponse,
    S::Future: Send + 'static,
    B: Send + 'static,
    G: RouteGuard,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let guard = self.guard.clone();
        Box::pin(async move {
            let (parts, body) = req.into_parts();
            match guard.guard(&parts).await {
                Ok(()) => {
                    let resp = inner.call(Request::from_parts(parts, body)).await?;
                    Ok(resp.into_response())
                }
                Err(r) => Ok(r.into_response()),
            }
        })
    }
}
