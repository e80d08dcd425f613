//! The application's own password login: the login page, its form, sign-out, and who is
//! signed in (the `user` key of the session).

use axum::extract::{FromRequestParts, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use minijinja::context;
use otpkit_axum::{SecondStep, SecondStepError}; // otpkit
use serde::Deserialize;
use tower_sessions::Session;
use tower_sessions::session::Error;

use crate::AppState;
use crate::users::User;

/// The session key holding the signed-in user's username.
const USER_KEY: &str = "user";

/// The answer to a right password when a second factor is required and the user has none.
const NO_DEVICE: &str = "Your account needs a second sign-in method; ask the site's staff."; // otpkit

/// Who is signed in, if anyone.
pub async fn signed_in(session: &Session) -> Result<Option<String>, Error> {
    session.get(USER_KEY).await
}

/// Marks the session signed in as `username`, under a new session id.
pub async fn sign_in(session: &Session, username: &str) -> Result<(), Error> {
    session.cycle_id().await?;
    session.insert(USER_KEY, username).await
}

/// Ends the session.
pub async fn sign_out(session: &Session) -> Result<(), Error> {
    session.flush().await
}

/// The signed-in user, for a handler. Anonymous requests go to the login page (`/api/`
/// requests get 401 JSON).
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Response> {
        let session = Session::from_request_parts(parts, app)
            .await
            .map_err(IntoResponse::into_response)?;
        let name = signed_in(&session)
            .await
            .map_err(|_| StatusCode::SERVICE_UNAVAILABLE.into_response())?;
        match name.as_deref().and_then(|n| app.users.get(n)) {
            Some(user) => Ok(CurrentUser(user.clone())),
            None if parts.uri.path().starts_with("/api/") => {
                let body = serde_json::json!({"error": "not_signed_in"});
                Err((StatusCode::UNAUTHORIZED, Json(body)).into_response())
            }
            None => Err(Redirect::to("/login").into_response()),
        }
    }
}

/// The query of the login page: where to go afterwards.
#[derive(Debug, Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// The login form.
#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

/// A local path to go to after the login, else `/`.
fn local(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n,
        _ => "/",
    }
}

/// `GET /login`: the login page.
pub async fn page(State(app): State<AppState>, Query(q): Query<Next>) -> Response {
    let next = local(q.next.as_deref());
    app.templates.render("login.html", context! { next })
}

/// `POST /login`: the password check, then the second factor.
pub async fn submit(
    State(app): State<AppState>,
    session: Session,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = local(f.next.as_deref());
    let user = app.users.check(&f.username, &f.password);
    let id = user.and_then(|u| otpkit::UserId::new(&u.username).ok()); // otpkit
    let Some(id) = id else {
        let ctx = context! { next, username => f.username, wrong => true };
        let page = app.templates.render("login.html", ctx);
        return (StatusCode::UNAUTHORIZED, page).into_response();
    };
    // Before otpkit: `sign_in(&session, &user.username)`, then `Redirect::to(next)`. Now on
    // to otpkit's code step, which signs the session in once the code is right (a user
    // without a device is signed in now, as `OTPKIT_LOGIN_OTP_OPTIONAL` allows by default).
    // otpkit: begin
    match app.kit.begin_second_factor(&session, &id, next).await {
        Ok(SecondStep::NoDevice) => (StatusCode::FORBIDDEN, NO_DEVICE).into_response(),
        Ok(step) => Redirect::to(step.location().unwrap_or("/")).into_response(),
        Err(SecondStepError::InactiveUser) => StatusCode::UNAUTHORIZED.into_response(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
    // otpkit: end
}

/// `POST /logout`: signs out, back to the login page.
pub async fn logout(session: Session) -> Response {
    match sign_out(&session).await {
        Ok(()) => Redirect::to("/login").into_response(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}
