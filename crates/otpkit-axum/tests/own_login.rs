//! docs/behaviour.md §7.2, §7.3: an application that keeps its own password login and picks
//! otpkit's pieces (`otpkit_axum::router`): no `/otp/login/`, `begin_second_factor` after its
//! own password check, the one-hop guard and the CSRF accessor.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use async_trait::async_trait;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use common::*;
use http::StatusCode;
use otpkit::UserId;
use otpkit_axum::auth::AuthError;
use otpkit_axum::{
    Authentication, CodeStep, CsrfToken, OtpKit, SecondStep, SecondStepError, WebSettings,
    otp_required, router,
};
use serde::Deserialize;
use tower_sessions::Session;

/// The application's own first factor: only who is signed in, login and logout
/// (`check_credentials` is left to its default).
struct AppAuth;

const APP_USER: &str = "app_user";

#[async_trait]
impl Authentication for AppAuth {
    async fn current_user(&self, session: &Session) -> Result<Option<UserId>, AuthError> {
        let v: Option<String> = session.get(APP_USER).await.map_err(AuthError::backend)?;
        Ok(v.and_then(|s| UserId::new(s).ok()))
    }
    async fn login(&self, session: &Session, user: &UserId) -> Result<(), AuthError> {
        session
            .insert(APP_USER, user.as_str())
            .await
            .map_err(AuthError::backend)
    }
    async fn logout(&self, session: &Session) -> Result<(), AuthError> {
        session.flush().await.map_err(AuthError::backend)
    }
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: String,
}

/// The application's password check, then one call.
async fn app_login(
    State(kit): State<OtpKit>,
    session: Session,
    Form(f): Form<LoginForm>,
) -> Response {
    if f.password != "app-pw" {
        return (StatusCode::UNAUTHORIZED, "wrong password").into_response();
    }
    let user = UserId::new(&f.username).unwrap();
    match kit.begin_second_factor(&session, &user, &f.next).await {
        Ok(SecondStep::NoDevice) => (StatusCode::FORBIDDEN, "no device").into_response(),
        Ok(step) => Redirect::to(step.location().unwrap()).into_response(),
        Err(SecondStepError::InactiveUser) => {
            (StatusCode::UNAUTHORIZED, "wrong password").into_response()
        }
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    }
}

/// The application's old login: marks the session signed in by itself.
async fn legacy_login(session: Session, Form(f): Form<Vec<(String, String)>>) -> StatusCode {
    let name = f.into_iter().find(|(k, _)| k == "username").unwrap().1;
    AppAuth
        .login(&session, &UserId::new(name).unwrap())
        .await
        .unwrap();
    StatusCode::NO_CONTENT
}

/// The application's own page with the code step inside, rendered by its own minijinja.
async fn app_confirm(step: CodeStep) -> axum::response::Html<String> {
    let mut env = minijinja::Environment::new();
    env.add_template(
        "confirm.html",
        "<!doctype html><html><body><main><h1>Confirm, {{ user }}</h1>{{ code_step|safe }}</main></body></html>",
    )
    .unwrap();
    let html = env
        .get_template("confirm.html")
        .unwrap()
        .render(minijinja::context! { user => step.user().as_str(), code_step => step.html() })
        .unwrap();
    axum::response::Html(html)
}

/// The application's settings page with its own form posting to otpkit.
async fn app_settings(session: Session) -> String {
    otpkit_axum::csrf_token(&session).await.unwrap()
}

/// The same with the extractor.
async fn app_settings_extracted(CsrfToken(token): CsrfToken) -> String {
    token
}

/// The application: its own login, a guarded page, otpkit's code step and devices.
fn own_app(t: &TestApp, web: impl FnOnce(&mut WebSettings)) -> Router {
    let mut settings = WebSettings {
        login_url: Some("/app/login".into()),
        ..WebSettings::default()
    };
    web(&mut settings);
    let kit = OtpKit::builder(t.engine.clone(), AppAuth)
        .web_settings(settings)
        .unwrap()
        .build();
    Router::new()
        .route("/dashboard", get(|| async { "dashboard" }))
        .route_layer(otp_required())
        .route("/app/login", post(app_login))
        .route("/app/settings", get(app_settings))
        .route("/app/legacy-login", post(legacy_login))
        .route("/app/confirm", get(app_confirm))
        .route("/app/settings2", get(app_settings_extracted))
        .with_state(kit.clone())
        .merge(router::code_step(kit.clone()))
        .merge(router::enrolment(kit.clone()))
        .merge(router::devices(kit.clone()))
        .layer(kit.layer())
        .layer(otpkit_axum::session_layer(t.sessions.clone()).with_secure(false))
}

/// An application that keeps its own login but mounts all of otpkit's routes
/// (`otpkit_axum::routes`, `/otp/login/` included).
fn own_login_all_routes(t: &TestApp) -> Router {
    let kit = OtpKit::builder(t.engine.clone(), AppAuth)
        .web_settings(WebSettings::default())
        .unwrap()
        .build();
    Router::new()
        .route("/app/legacy-login", post(legacy_login))
        .merge(otpkit_axum::routes(kit.clone()))
        .layer(kit.layer())
        .layer(otpkit_axum::session_layer(t.sessions.clone()).with_secure(false))
}

/// The application's login form, posted (its answer not followed).
async fn app_password(c: &mut Client, user: &str, next: &str) -> Res {
    post_unfollowed(
        c,
        "/app/login",
        &[("username", user), ("password", "app-pw"), ("next", next)],
    )
    .await
}

async fn post_unfollowed(c: &mut Client, path: &str, fields: &[(&str, &str)]) -> Res {
    let body = serde_urlencoded::to_string(fields).unwrap();
    c.send(
        http::Request::post(path)
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(http::header::CONTENT_LENGTH, body.len())
            .body(axum::body::Body::from(body))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn without_the_password_login_the_code_step_works_end_to_end() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::for_router(own_app(&t, |_| {}));
    for path in ["/otp/login/", "/otp/admin/login/"] {
        assert_eq!(c.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    // Anonymous: to the application's login.
    let r = c.get("/dashboard").await;
    assert_eq!(r.location(), "/app/login?next=/dashboard");
    // The application's password check, then otpkit's code step.
    let before = c.csrf().await;
    let cookie = c.cookie.clone();
    let r = app_password(&mut c, "alice", "/dashboard").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/otp/verify/?next=/dashboard");
    assert_ne!(c.cookie, cookie, "the session id is rotated");
    assert_eq!(c.state().await, "pending");
    assert_ne!(c.csrf().await, before, "the CSRF token is rotated");
    // The guard: one hop, straight to the code step.
    let r = c.get("/dashboard").await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location(), "/otp/verify/?next=/dashboard");
    let r = c.get("/otp/verify/?next=/dashboard").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("name=\"otp_token\""), "{}", r.body);
    assert!(r.body.contains("Signing in as alice"), "{}", r.body);
    assert_secure_headers(&r); // the piece has the layers of routes()
    let code = t.engine.current_totp(&pid).await.unwrap();
    let r = c
        .post(
            "/otp/verify/",
            &[
                ("otp_device", &pid),
                ("otp_token", code.expose()),
                ("next", "/dashboard"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(r.location(), "/dashboard");
    assert_eq!(c.state().await, "verified");
    assert_eq!(c.get("/dashboard").await.body, "dashboard");
    // The application's own login marks the session (AppAuth::login was called).
    assert_eq!(c.get("/otp/devices/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_signed_in_unverified_user_goes_to_the_code_step_in_one_hop() {
    let t = app();
    totp(&t, "alice").await;
    let mut c = Client::for_router(own_app(&t, |_| {}));
    // The application signed the user in by itself (the old way, without
    // begin_second_factor): still one hop.
    let r = post_unfollowed(&mut c, "/app/legacy-login", &[("username", "alice")]).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(c.state().await, "authenticated");
    let r = c.get("/dashboard").await;
    assert_eq!(r.location(), "/otp/verify/?next=/dashboard");
    let r = c.get_json("/dashboard").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["login_url"], "/otp/verify/?next=/dashboard");
}

#[tokio::test]
async fn an_unsafe_next_is_dropped() {
    let t = app();
    totp(&t, "alice").await;
    let mut c = Client::for_router(own_app(&t, |_| {}));
    let r = app_password(&mut c, "alice", "//evil").await;
    assert_eq!(r.location(), "/otp/verify/");
}

#[tokio::test]
async fn a_user_without_a_device_is_refused_or_signed_in_as_the_login_does() {
    let t = app();
    let mut c = Client::for_router(own_app(&t, |w| w.login_otp_optional = false));
    let r = app_password(&mut c, "nodev", "/dashboard").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(c.state().await, "anonymous");
    let mut c = Client::for_router(own_app(&t, |w| w.login_otp_optional = true));
    let r = app_password(&mut c, "nodev", "/dashboard").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/dashboard");
    assert_eq!(c.state().await, "authenticated");
}

#[tokio::test]
async fn an_inactive_user_gets_no_second_step() {
    let t = app();
    totp(&t, "carol").await;
    let mut c = Client::for_router(own_app(&t, |_| {}));
    let r = app_password(&mut c, "carol", "/dashboard").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(c.state().await, "anonymous");
}

#[tokio::test]
async fn the_csrf_accessor_gives_the_token_otpkit_checks() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::for_router(own_app(&t, |_| {}));
    app_password(&mut c, "alice", "/dashboard").await;
    let token = c.get("/app/settings").await.body;
    assert_eq!(token, c.csrf().await);
    assert_eq!(c.get("/app/settings2").await.body, token);
    let code = t.engine.current_totp(&pid).await.unwrap();
    // The application's own form, with the token it read, posts to otpkit.
    let r = c
        .post_raw(
            "/otp/verify/",
            &[
                ("csrf_token", &token),
                ("otp_device", &pid),
                ("otp_token", code.expose()),
                ("next", "/dashboard"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/dashboard");
    // Verified: a new token, and the old one is refused.
    let fresh = c.get("/app/settings").await.body;
    assert_ne!(fresh, token);
    assert_eq!(c.get("/app/settings2").await.body, fresh);
    let r = c.post_raw("/otp/logout/", &[("csrf_token", &token)]).await;
    assert_eq!(c.state().await, "verified", "{}", r.body);
}

#[tokio::test]
async fn the_default_check_credentials_refuses_everyone() {
    let t = app();
    totp(&t, "alice").await;
    let kit = OtpKit::new(t.engine.clone(), AppAuth);
    let app = Router::new()
        .merge(otpkit_axum::routes(kit.clone()))
        .layer(kit.layer())
        .layer(otpkit_axum::session_layer(t.sessions.clone()).with_secure(false));
    let mut c = Client::for_router(app);
    let r = c
        .post_json(
            "/otp/login/",
            serde_json::json!({"username": "alice", "password": "app-pw"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert_eq!(r.json()["error"], "invalid_login");
    assert_eq!(c.state().await, "anonymous");
}

#[tokio::test]
async fn the_code_step_embedded_in_the_apps_own_page_verifies_with_a_real_code() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::for_router(own_app(&t, |_| {}));
    // Anonymous: the embedded step sends the browser to the application's login.
    let r = c.get("/app/confirm").await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location(), "/app/login?next=/app/confirm");
    app_password(&mut c, "alice", "/dashboard").await;
    let r = c.get("/app/confirm").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let body = r.body.replace("&#x2f;", "/"); // otpkit's templates escape slashes
    assert!(body.contains("<h1>Confirm, alice</h1>"), "{body}");
    assert!(body.contains("action=\"/otp/verify/\""), "{body}");
    assert!(
        body.contains("name=\"next\" value=\"/app/confirm\""),
        "{}",
        r.body
    );
    assert!(body.contains("name=\"otp_token\""), "{body}");
    assert!(body.contains("for=\"id_otp_token\""), "{body}");
    let token = c.csrf().await;
    assert!(body.contains(&format!("value=\"{token}\"")), "{body}");
    // The form posts to otpkit's code step, which comes back to the application's page.
    let code = t.engine.current_totp(&pid).await.unwrap();
    let r = c
        .post_raw(
            "/otp/verify/",
            &[
                ("csrf_token", &token),
                ("otp_device", &pid),
                ("otp_token", code.expose()),
                ("next", "/app/confirm"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(r.location(), "/app/confirm");
    assert_eq!(c.state().await, "verified");
    assert_eq!(c.get("/dashboard").await.body, "dashboard");
}

#[tokio::test]
async fn the_embedded_code_step_of_a_user_without_a_device_goes_to_verify() {
    let t = app();
    let mut c = Client::for_router(own_app(&t, |_| {}));
    let r = post_unfollowed(&mut c, "/app/legacy-login", &[("username", "nodev")]).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = c.get("/app/confirm").await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location(), "/otp/verify/?next=/app/confirm");
}

#[tokio::test]
async fn a_piece_refuses_a_body_over_the_limit_before_anything_else() {
    let t = app();
    let mut c = Client::for_router(own_app(&t, |w| w.max_body_bytes = 64));
    let big = "x".repeat(100);
    let r = post_unfollowed(&mut c, "/otp/verify/", &[("otp_token", &big)]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_secure_headers(&r);
}

#[tokio::test]
async fn the_testing_kit_drives_an_application_with_its_own_login() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = otpkit_axum::testing::TestClient::new(own_app(&t, |_| {})).clock(t.clock.clone());
    let fields = [("username", "alice"), ("next", "/dashboard")];
    // A wrong password is an error with the application's answer.
    let err = c
        .sign_in_at("/app/login", &[fields[0], ("password", "wrong"), fields[1]])
        .await
        .unwrap_err();
    let otpkit_axum::testing::TestError::Refused { what, status, .. } = err else {
        panic!("{err}");
    };
    assert_eq!(
        (what.as_str(), status),
        ("POST /app/login", StatusCode::UNAUTHORIZED)
    );
    // The password, then the code step at /otp/verify/ (/otp/login/ is not mounted).
    let r = c
        .sign_in_at(
            "/app/login",
            &[fields[0], ("password", "app-pw"), fields[1]],
        )
        .await
        .unwrap();
    assert_eq!(r.location(), Some("/otp/verify/?next=/dashboard"));
    assert_eq!(c.state().await.unwrap(), "pending");
    let code = t.engine.current_totp(&pid).await.unwrap();
    let r = c.verify(code.expose()).await.unwrap();
    assert_eq!(r.json()["status"], "verified");
    assert_eq!(c.state().await.unwrap(), "verified");
    assert_eq!(c.get("/dashboard").await.unwrap().text(), "dashboard");
}

/// `/otp/login/` for a user the application signed in but otpkit has not verified: the code
/// step (no password step), and a right code there verifies the session.
#[tokio::test]
async fn otpkit_s_login_page_shows_the_code_step_to_a_user_the_app_signed_in() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::for_router(own_login_all_routes(&t));
    let r = post_unfollowed(&mut c, "/app/legacy-login", &[("username", "alice")]).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(c.state().await, "authenticated");

    let r = c.get("/otp/login/?next=/dashboard").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("id=\"id_otp_token\""), "{}", r.body);
    assert!(!r.body.contains("id=\"id_password\""), "{}", r.body);
    assert!(r.body.contains("alice"), "{}", r.body);

    let code = t.engine.current_totp(&pid).await.unwrap();
    let r = c
        .post_unfollowed(
            "/otp/login/",
            &[
                ("otp_token", code.expose()),
                ("otp_device", &pid),
                ("next", "/dashboard"),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{}: {}", r.status, r.body);
    assert_eq!(r.location(), "/dashboard");
    assert_eq!(c.state().await, "verified");
}
