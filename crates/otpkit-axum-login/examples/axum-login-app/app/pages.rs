//! The pages: home, the two login forms, sign-out, `/account` and `/reports`.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_login::AuthSession;
use otpkit_axum::{SecondStep, SecondStepError};
use serde::Deserialize;

use super::AppState;
use super::users::{Credentials, Users};

/// The answer to a right password when a second factor is required and the user has none.
const NO_DEVICE: &str = "Your account needs a second sign-in method; ask the site's staff.";

/// HTML text escaping.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A page: `title` and `body` (HTML), with otpkit's stylesheet.
fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <link rel=\"stylesheet\" href=\"/otp/static/otpkit.css\">\n\
         <title>{t} · axum-login example</title>\n</head>\n<body>\n<main>\n<h1>{t}</h1>\n{body}\n\
         </main>\n</body>\n</html>\n",
        t = esc(title)
    ))
}

/// A local path to go to after the login, else `fallback`.
fn local<'a>(next: Option<&'a str>, fallback: &'a str) -> &'a str {
    match next {
        Some(n) if otpkit_axum::is_safe_next(n) => n,
        _ => fallback,
    }
}

const SIGN_OUT: &str =
    "<form method=\"post\" action=\"/logout\"><button type=\"submit\">Sign out</button></form>";

/// `GET /`: who is signed in, and the links.
pub async fn home(auth: AuthSession<Users>) -> Response {
    let who = match &auth.user {
        Some(u) => format!(
            "<p>Signed in (axum-login) as {}.</p>{SIGN_OUT}",
            esc(&u.name)
        ),
        None => "<p>Not signed in.</p>".to_owned(),
    };
    let links = "<ul>\
        <li><a href=\"/login\">Sign in (password, then the code, then axum-login)</a></li>\
        <li><a href=\"/gate/login\">Sign in (axum-login at once, the code before reports)</a></li>\
        <li><a href=\"/account\">Account</a> (axum-login's <code>login_required!</code>)</li>\
        <li><a href=\"/reports\">Reports</a> (otpkit's <code>otp_required()</code>)</li>\
        <li><a href=\"/otp/devices/\">Sign-in methods</a></li></ul>";
    page("axum-login with otpkit", &format!("{who}{links}")).into_response()
}

/// `GET /account` (behind `login_required!`).
pub async fn account(auth: AuthSession<Users>) -> Response {
    let name = auth.user.map(|u| u.name).unwrap_or_default();
    let body = format!("<p>Account of {}.</p>{SIGN_OUT}", esc(&name));
    page("Account", &body).into_response()
}

/// `GET /reports` (behind `otp_required()`).
pub async fn reports(auth: AuthSession<Users>) -> Response {
    let name = auth.user.map(|u| u.name).unwrap_or_default();
    let body = format!("<p>Reports for {}.</p>{SIGN_OUT}", esc(&name));
    page("Reports", &body).into_response()
}

/// The query of a login page.
#[derive(Debug, Deserialize)]
pub struct Next {
    next: Option<String>,
}

fn login_form(action: &str, next: &str, wrong: bool) -> Response {
    let error = if wrong {
        "<p role=\"alert\">Wrong username or password.</p>"
    } else {
        ""
    };
    let how = if action == "/gate/login" {
        "axum-login signs you in with your password; Reports then ask for your code."
    } else {
        "After your password, the code of your sign-in method; then axum-login signs you in."
    };
    let body = format!(
        "<p>{how}</p>{error}<form method=\"post\" action=\"{action}\">\
         <input type=\"hidden\" name=\"next\" value=\"{next}\">\
         <p><label for=\"username\">Username</label> \
         <input id=\"username\" name=\"username\" autocomplete=\"username\" required></p>\
         <p><label for=\"password\">Password</label> \
         <input id=\"password\" name=\"password\" type=\"password\" \
         autocomplete=\"current-password\" required></p>\
         <p><button type=\"submit\">Sign in</button></p></form>",
        action = esc(action),
        next = esc(next)
    );
    let status = if wrong {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    (status, page("Sign in", &body)).into_response()
}

/// `GET /login`: the deferred login's form.
pub async fn login_page(Query(q): Query<Next>) -> Response {
    login_form("/login", local(q.next.as_deref(), "/"), false)
}

/// `GET /gate/login`: the gate's form.
pub async fn gate_page(Query(q): Query<Next>) -> Response {
    login_form("/gate/login", local(q.next.as_deref(), "/"), false)
}

/// `POST /login`, **deferred login**: the password with axum-login's backend, then otpkit's
/// code step; otpkit calls axum-login's `login` once the code is right.
pub async fn deferred_login(
    State(app): State<AppState>,
    auth: AuthSession<Users>,
    session: tower_sessions::Session,
    Form(creds): Form<Credentials>,
) -> Response {
    let next = local(creds.next.as_deref(), "/").to_owned();
    let user = match auth.authenticate(creds).await {
        Ok(Some(user)) => user,
        Ok(None) => return login_form("/login", &next, true),
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    };
    let Ok(id) = otpkit_axum_login::otpkit_user_id(&user) else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    match app.kit.begin_second_factor(&session, &id, &next).await {
        Ok(SecondStep::NoDevice) => (StatusCode::FORBIDDEN, NO_DEVICE).into_response(),
        Ok(step) => Redirect::to(step.location().unwrap_or("/")).into_response(),
        Err(SecondStepError::InactiveUser) => login_form("/login", &next, true),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// `POST /gate/login`, **gate**: axum-login signs the user in with the password; otpkit's
/// guard asks for the code before `/reports`.
pub async fn gate_login(mut auth: AuthSession<Users>, Form(creds): Form<Credentials>) -> Response {
    let next = local(creds.next.as_deref(), "/reports").to_owned();
    let user = match auth.authenticate(creds).await {
        Ok(Some(user)) => user,
        Ok(None) => return login_form("/gate/login", &next, true),
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    };
    match auth.login(&user).await {
        Ok(()) => Redirect::to(&next).into_response(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// `POST /logout`: axum-login's logout, which ends the whole session (otpkit's too).
pub async fn logout(mut auth: AuthSession<Users>) -> Response {
    match auth.logout().await {
        Ok(_) => Redirect::to("/login").into_response(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}
