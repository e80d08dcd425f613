//! The sign-up page: `GET, POST /signup/` creates an account (username, optional email,
//! password) and signs it in (password only: a new account has no second step yet).

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use http::{StatusCode, header};
use minijinja::context;
use otpkit::UserId;
use otpkit::session::{DEVICE_KEY, ENROL_KEY, PENDING_KEY, VERIFIED_AT_KEY};
use otpkit_axum::OtpKit;
use otpkit_axum::i18n::Arg;
use tower_sessions::Session;

use super::{Demo, Req, csrf_ok, rotate_csrf};
use crate::users::{NewUser, User, UserError, UserStore};

pub(super) async fn signup_get(State(d): State<Demo>, req: Req) -> Response {
    d.page(
        &req,
        StatusCode::OK,
        "demo/signup.html",
        "demo-title-signup",
        context! { username => "", email => "" },
    )
    .await
}

/// The sign-up form.
#[derive(Debug, Default)]
struct SignupForm {
    csrf_token: String,
    username: String,
    email: String,
    password: String,
    password2: String,
}

/// The largest sign-up body read (four short fields and a CSRF token).
const SIGNUP_MAX_BYTES: usize = 16 * 1024;

impl SignupForm {
    /// Reads the form from an `application/x-www-form-urlencoded` body of at most
    /// [`SIGNUP_MAX_BYTES`]; a repeated field counts once (its first value), unknown ones are
    /// ignored. `None` for any other body: the caller answers with its own message, never
    /// with the framework's rejection text.
    async fn read(headers: &http::HeaderMap, body: axum::body::Body) -> Option<SignupForm> {
        let form_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| {
                m.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            });
        if !form_type {
            return None;
        }
        let bytes = axum::body::to_bytes(body, SIGNUP_MAX_BYTES).await.ok()?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).ok()?;
        let mut form = SignupForm::default();
        let mut seen = std::collections::HashSet::new();
        for (k, v) in pairs {
            if !seen.insert(k.clone()) {
                continue;
            }
            match k.as_str() {
                "csrf_token" => form.csrf_token = v,
                "username" => form.username = v,
                "email" => form.email = v,
                "password" => form.password = v,
                "password2" => form.password2 = v,
                _ => {}
            }
        }
        Some(form)
    }
}

pub(super) async fn signup_post(
    State(d): State<Demo>,
    req: Req,
    headers: http::HeaderMap,
    body: axum::body::Body,
) -> Response {
    let Some(form) = SignupForm::read(&headers, body).await else {
        return d
            .error(
                &req,
                StatusCode::BAD_REQUEST,
                "demo-title-signup",
                "demo-signup-unreadable",
            )
            .await;
    };
    if !csrf_ok(&req.session, &form.csrf_token).await {
        // A stale form (refresh after sign-out, a second tab, Back): shown again with a fresh
        // token and the reason, never a bare refusal. Nothing was created.
        let msg = d.t(&req, "demo-expired");
        return again(&d, &req, &form, msg, StatusCode::FORBIDDEN).await;
    }
    if let Some(id) = form_problem(&req, &form) {
        let msg = d.t(&req, id);
        return again(&d, &req, &form, msg, StatusCode::BAD_REQUEST).await;
    }
    let user = match create_account(&d.users, &form).await {
        Ok(u) => u,
        Err(Refusal::Form(id, limit)) => {
            let args: Vec<(&str, Arg)> =
                limit.map(|(n, v)| (n, Arg::from(v))).into_iter().collect();
            let msg = d.t_with(&req, id, &args);
            return again(&d, &req, &form, msg, StatusCode::BAD_REQUEST).await;
        }
        Err(Refusal::Storage(e)) => {
            tracing::error!(target: "otpkit_demo", error = %e, "sign-up failed");
            return d
                .error(
                    &req,
                    StatusCode::SERVICE_UNAVAILABLE,
                    "demo-title-error",
                    "demo-signup-failed",
                )
                .await;
        }
    };
    tracing::info!(target: "otpkit_demo", user = %user.username, "signed up");
    match log_in_new_user(&d.kit, &req.session, &user.username).await {
        Ok(()) => Redirect::to("/").into_response(),
        Err(e) => {
            tracing::error!(target: "otpkit_demo", error = %e, "log-in after sign-up failed");
            Redirect::to(&d.kit.url("/login/")).into_response()
        }
    }
}

/// The form again, with its username and email, and the error `msg`.
async fn again(
    d: &Demo,
    req: &Req,
    form: &SignupForm,
    msg: String,
    status: StatusCode,
) -> Response {
    let ctx = context! {
        errors => vec![msg],
        username => form.username.clone(),
        email => form.email.clone(),
    };
    d.page(req, status, "demo/signup.html", "demo-title-signup", ctx)
        .await
}

/// What is wrong with a sign-up before the user table is asked: a message id.
fn form_problem(req: &Req, form: &SignupForm) -> Option<&'static str> {
    if req.state.user().is_some() {
        return Some("demo-signup-signed-in-refused");
    }
    (form.password != form.password2).then_some("demo-signup-passwords-differ")
}

/// Why a sign-up created nothing.
enum Refusal {
    /// The form is wrong: the message id and the limit it names.
    Form(&'static str, Option<(&'static str, usize)>),
    /// The user table failed.
    Storage(UserError),
}

/// Creates the account the form describes.
async fn create_account(users: &UserStore, form: &SignupForm) -> Result<User, Refusal> {
    let email = Some(form.email.trim().to_owned()).filter(|e| !e.is_empty());
    let created = users
        .create(NewUser {
            username: form.username.trim().to_owned(),
            password: form.password.clone(),
            email,
            is_staff: false,
        })
        .await;
    match created {
        Ok(u) => Ok(u),
        Err(UserError::Exists) => Err(Refusal::Form("demo-signup-exists", None)),
        Err(UserError::Invalid(rule)) => Err(Refusal::Form(rule.message_id(), rule.limit())),
        Err(e) => Err(Refusal::Storage(e)),
    }
}

/// Logs a just-created user in (first factor only: a new account has no device), the way
/// otpkit's login handler does for a user without a device: a fresh session id, no OTP
/// state of an earlier login, a new CSRF token.
async fn log_in_new_user(kit: &OtpKit, session: &Session, username: &str) -> anyhow::Result<()> {
    let user = UserId::new(username)?;
    for k in [DEVICE_KEY, VERIFIED_AT_KEY, ENROL_KEY, PENDING_KEY] {
        session.remove_value(k).await?;
    }
    session.cycle_id().await?;
    kit.auth()
        .login(session, &user)
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    rotate_csrf(session).await?;
    Ok(())
}
