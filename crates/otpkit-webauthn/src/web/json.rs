//! The JSON endpoints: registration and authentication options and finishes.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::HeaderMap;
use otpkit::kind::DeviceKind;
use otpkit::policy::VerifyNotAllowed;
use otpkit::{Rejection, UserId};
use otpkit_axum::{Code, OtpKit, OtpState, VerificationError, is_safe_next};
use serde_json::{Value, json};
use tower_sessions::Session;

use super::{Web, problem};
use crate::ceremony::{CeremonyOutcome, PasskeyError};
use crate::{Refusal, WebauthnDevice, authenticator_name};

/// A refused request: its answer (boxed: a `Response` is large).
pub(crate) struct Refused(Box<Response>);

impl Refused {
    pub(crate) fn new(resp: Response) -> Refused {
        Refused(Box::new(resp))
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        *self.0
    }
}

pub(crate) type Answer = Result<Response, Refused>;

/// One request's context: the kit, the session, its OTP state, headers and JSON body.
pub(crate) struct Call<'a> {
    web: &'a Web,
    session: &'a Session,
    state: &'a OtpState,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: Value,
}

impl Call<'_> {
    pub(crate) fn kit(&self) -> &OtpKit {
        &self.web.kit
    }

    pub(crate) fn refuse(&self, code: Code) -> Refused {
        Refused::new(problem(self.kit(), self.headers, code).into_json())
    }

    /// 503 `internal_error`, logged without detail that could hold a secret.
    pub(crate) fn internal(&self, what: &str) -> Refused {
        tracing::error!(target: "otpkit_webauthn", "{what} failed; refused (fail closed)");
        self.refuse(Code::InternalError)
    }

    /// A text field of the body.
    pub(crate) fn field(&self, name: &str) -> Option<&str> {
        self.body.get(name).and_then(Value::as_str)
    }

    /// The browser's credential (an object, or its JSON as text) as JSON text.
    pub(crate) fn credential(&self) -> Result<String, Refused> {
        match self.body.get("credential") {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(v @ Value::Object(_)) => Ok(v.to_string()),
            _ => Err(self.refuse(Code::BadRequest)),
        }
    }

    /// The CSRF check of every POST (header `X-CSRF-Token` or field `csrf_token`).
    async fn csrf(&self) -> Result<(), Refused> {
        let presented = self
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .or_else(|| self.field("csrf_token"));
        match self.kit().csrf_matches(self.session, presented).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(self.refuse(Code::CsrfFailed)),
            Err(_) => Err(self.internal("the CSRF check")),
        }
    }

    pub(crate) async fn binding(&self) -> Result<Vec<u8>, Refused> {
        self.kit()
            .session_binding(self.session)
            .await
            .map_err(|_| self.internal("the session binding"))
    }

    /// The signed-in user, with a fresh verification once they have a confirmed device.
    async fn enrolling_user(&self) -> Result<UserId, Refused> {
        if self.state.is_unavailable() {
            return Err(self.internal("the OTP state"));
        }
        let Some(user) = self.state.user() else {
            return Err(self.refuse(Code::OtpRequired));
        };
        match self.kit().needs_fresh_verification(self.state, user).await {
            Ok(false) => Ok(user.clone()),
            Ok(true) => Err(self.refuse(Code::ReauthRequired)),
            Err(_) => Err(self.internal("the device lookup")),
        }
    }

    /// The user of the code step: signed in, or the pending login's.
    async fn signing_in_user(&self) -> Result<UserId, Refused> {
        if self.state.is_unavailable() {
            return Err(self.internal("the OTP state"));
        }
        match self.kit().code_step_user(self.session, self.state).await {
            Ok(Some(u)) => Ok(u),
            Ok(None) => Err(self.refuse(Code::OtpRequired)),
            Err(_) => Err(self.internal("the session")),
        }
    }

    pub(crate) fn engine_failed(&self, e: &PasskeyError) -> Refused {
        tracing::error!(target: "otpkit_webauthn", error = %e, "passkey ceremony failed closed");
        self.refuse(Code::InternalError)
    }

    /// After an assertion that named one of the user's passkeys was evaluated and refused
    /// (one failure counted): what otpkit's code step does — the `verification_failed` hook,
    /// and the end of the sessions of a device that is now locked out.
    pub(crate) async fn failed(
        &self,
        user: &UserId,
        credential: &str,
        r: Refusal,
    ) -> Result<(), Refused> {
        if matches!(r, Refusal::UnknownCredential | Refusal::Malformed) {
            return Ok(());
        }
        let pid = match self.web.passkeys.pid_of(user, credential).await {
            Ok(Some(pid)) => pid,
            Ok(None) => return Ok(()),
            Err(e) => return Err(self.engine_failed(&e)),
        };
        self.failed_on(user, &pid, r).await
    }

    /// The `verification_failed` hook and the lock-out's follow-up for device `pid` of `user`
    /// after it refused a response for `r` (one failure counted).
    pub(crate) async fn failed_on(
        &self,
        user: &UserId,
        pid: &str,
        r: Refusal,
    ) -> Result<(), Refused> {
        let reason = match r {
            Refusal::CounterRegression => Rejection::CounterRegressed,
            r => Rejection::Kind(r.code()),
        };
        self.kit()
            .verification_failed(self.session, self.state, user, pid, reason)
            .await
            .map_err(|_| self.internal("the failure's follow-up"))
    }

    /// A finish that was not accepted.
    pub(crate) fn not_accepted(&self, out: CeremonyOutcome) -> Refused {
        match out {
            CeremonyOutcome::Accepted(_) | CeremonyOutcome::NotFound => self.refuse(Code::NotFound),
            CeremonyOutcome::NotAllowed(n) => self.not_allowed(n),
            CeremonyOutcome::Refused(r) => {
                let mut p = problem(self.kit(), self.headers, Code::InvalidToken);
                p.extra.insert("reason".into(), r.code().into());
                Refused::new(p.into_json())
            }
        }
    }

    pub(crate) fn not_allowed(&self, n: VerifyNotAllowed) -> Refused {
        let mut p = match n {
            VerifyNotAllowed::NFailedAttempts {
                failure_count,
                locked_until,
            } => {
                let now = self.kit().engine().now();
                let wait = u64::try_from(locked_until.millis_since(now).max(0))
                    .unwrap_or(0)
                    .div_ceil(1000);
                let mut p = problem(self.kit(), self.headers, Code::NFailedAttempts);
                p.failure_count = Some(failure_count);
                p.locked_until = Some(locked_until);
                p.retry_after = Some(wait);
                p
            }
            VerifyNotAllowed::LockedOut { failure_count } => {
                let mut p = problem(self.kit(), self.headers, Code::DeviceLocked);
                p.failure_count = Some(failure_count);
                p
            }
            _ => problem(self.kit(), self.headers, Code::VerificationNotAllowed),
        };
        p.extra.remove("reason");
        Refused::new(p.into_json())
    }

    /// Names a new passkey after its model (AAGUID), else "Passkey" in the request's
    /// language.
    async fn default_name(&self, device: otpkit::Device) -> Result<otpkit::Device, Refused> {
        let model = WebauthnDevice::from_state(&device.record().state)
            .and_then(|s| s.aaguid)
            .and_then(|a| authenticator_name(&a));
        let name = match model {
            Some(m) => m.to_owned(),
            None => {
                let lang = self.kit().catalogue().negotiate_headers(self.headers);
                self.kit()
                    .catalogue()
                    .message(&lang, "passkey-default-name", &[])
            }
        };
        self.kit()
            .engine()
            .rename(&device.persistent_id(), &name)
            .await
            .map_err(|_| self.internal("naming the passkey"))
    }

    /// The session becomes verified by `device`: the JSON of otpkit's `LevelChanged`.
    pub(crate) async fn verified(
        &self,
        user: &UserId,
        device: &otpkit::Device,
        status: &str,
    ) -> Result<String, Refused> {
        let agent = self
            .headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok());
        match self
            .kit()
            .complete_verification(self.session, user, device, agent)
            .await
        {
            Ok(token) => Ok(token),
            Err(VerificationError::LoginExpired) => Err(self.refuse(Code::LoginExpired)),
            Err(_) => Err(self.internal(status)),
        }
    }
}

impl Call<'_> {
    /// The session becomes verified by `device` of `user` (`what`: for the log if it fails):
    /// `{"status": "verified", "device", "next", "csrf_token"}`, `next` the body's when safe.
    pub(crate) async fn signed_in(
        &self,
        user: &UserId,
        device: &otpkit::Device,
        what: &str,
    ) -> Answer {
        let token = self.verified(user, device, what).await?;
        let next = match self.field("next") {
            Some(n) if is_safe_next(n) => n.to_owned(),
            _ => self.kit().web_settings().login_redirect_url.clone(),
        };
        Ok(Json(json!({
            "status": "verified",
            "device": device.persistent_id(),
            "next": next,
            "csrf_token": token,
        }))
        .into_response())
    }
}

/// Reads the body (JSON object; empty is `{}`) and runs `f` on the call after the CSRF check.
pub(crate) async fn call<'a>(
    web: &'a Web,
    session: &'a Session,
    state: &'a OtpState,
    headers: &'a HeaderMap,
    body: &Bytes,
) -> Result<Call<'a>, Refused> {
    let body = if body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice::<Value>(body).unwrap_or(Value::Null)
    };
    let c = Call {
        web,
        session,
        state,
        headers,
        body,
    };
    if !c.body.is_object() {
        return Err(c.refuse(Code::BadRequest));
    }
    c.csrf().await?;
    Ok(c)
}

/// `POST /passkeys/register/options`.
pub(crate) async fn register_options(
    State(web): State<Web>,
    session: Session,
    state: OtpState,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let c = call(&web, &session, &state, &headers, &body).await?;
    let user = c.enrolling_user().await?;
    let binding = c.binding().await?;
    let name = c.field("name").map(str::trim).filter(|n| !n.is_empty());
    let started = web
        .passkeys
        .start_registration(&user, name, &binding)
        .await
        .map_err(|e| c.engine_failed(&e))?;
    Ok(
        Json(json!({ "device": started.persistent_id, "options": started.options }))
            .into_response(),
    )
}

/// `POST /passkeys/register/finish`.
pub(crate) async fn register_finish(
    State(web): State<Web>,
    session: Session,
    state: OtpState,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let c = call(&web, &session, &state, &headers, &body).await?;
    let user = c.enrolling_user().await?;
    let Some(pid) = c.field("device").map(str::to_owned) else {
        return Err(c.refuse(Code::BadRequest));
    };
    let credential = c.credential()?;
    let binding = c.binding().await?;
    let out = web
        .passkeys
        .finish_registration(&user, &pid, &credential, &binding)
        .await
        .map_err(|e| c.engine_failed(&e))?;
    let CeremonyOutcome::Accepted(mut device) = out else {
        if let CeremonyOutcome::Refused(r) = &out {
            c.failed_on(&user, &pid, *r).await?;
        }
        return Err(c.not_accepted(out));
    };
    // Started without a name: the kind's placeholder becomes the model's name.
    if device.name() == <WebauthnDevice as DeviceKind>::VERBOSE_NAME {
        device = c.default_name(device).await?;
    }
    // The first sign-in method verifies the session, as the first code of any enrolment.
    let token = if state.is_verified() {
        None
    } else {
        Some(c.verified(&user, &device, "the first verification").await?)
    };
    // From the page (`"setup": true`): on to the guided setup's backup codes or its end.
    let next = if c.body.get("setup").and_then(Value::as_bool) == Some(true) {
        let next = web.kit.enrolment_confirmed(&session, &user, &device).await;
        Some(next.map_err(|_| c.internal("the setup's next step"))?)
    } else {
        None
    };
    Ok(Json(json!({
        "status": "registered",
        "device": device.persistent_id(),
        "name": device.name(),
        "csrf_token": token,
        "next": next,
    }))
    .into_response())
}

/// `POST /passkeys/authenticate/options`.
pub(crate) async fn authenticate_options(
    State(web): State<Web>,
    session: Session,
    state: OtpState,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let c = call(&web, &session, &state, &headers, &body).await?;
    let user = c.signing_in_user().await?;
    let binding = c.binding().await?;
    match web.passkeys.start_authentication(&user, &binding).await {
        Ok(Some(options)) => Ok(Json(json!({ "options": options })).into_response()),
        Ok(None) => Err(c.refuse(Code::NoDevice)),
        Err(e) => Err(c.engine_failed(&e)),
    }
}

/// `POST /passkeys/authenticate/finish`.
pub(crate) async fn authenticate_finish(
    State(web): State<Web>,
    session: Session,
    state: OtpState,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let c = call(&web, &session, &state, &headers, &body).await?;
    let user = c.signing_in_user().await?;
    let credential = c.credential()?;
    let binding = c.binding().await?;
    let out = web
        .passkeys
        .finish_authentication(&user, &credential, &binding)
        .await
        .map_err(|e| c.engine_failed(&e))?;
    let CeremonyOutcome::Accepted(device) = out else {
        if let CeremonyOutcome::Refused(r) = &out {
            c.failed(&user, &credential, *r).await?;
        }
        return Err(c.not_accepted(out));
    };
    c.signed_in(&user, &device, "the verification").await
}
