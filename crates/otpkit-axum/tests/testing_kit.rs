//! Issue 15: the testing kit (`otpkit_axum::testing`) against the harness's application —
//! cookies, CSRF, redirects, and sign in / enrol / verify / backup codes in a line each.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use axum::Router;
use axum::routing::get;
use common::*;
use http::{HeaderValue, StatusCode, header};
use otpkit_axum::testing::{TestClient, TestError};

fn client(t: &TestApp) -> TestClient {
    TestClient::new(t.app.clone()).clock(t.clock.clone())
}

#[tokio::test]
async fn sign_in_enrol_and_verify_in_a_line_each() {
    let t = app();
    let mut c = client(&t);
    c.sign_in("nodev", "pw").await.unwrap();
    assert_eq!(c.state().await.unwrap(), "authenticated");
    let phone = c.enrol_totp("Phone").await.unwrap();
    assert!(
        phone.device().starts_with("otp_totp.totpdevice/"),
        "{phone:?}"
    );
    assert_eq!(c.state().await.unwrap(), "verified");
    // The authenticator's codes are the engine's.
    next_step(&t);
    let engine_code = t.engine.current_totp(phone.device()).await.unwrap();
    assert_eq!(phone.current_code(), engine_code.expose());
    assert_ne!(phone.next_code(), phone.current_code());

    // A second browser: password, then the code step.
    let mut other = client(&t);
    let r = other.sign_in("nodev", "pw").await.unwrap();
    assert_eq!(r.json()["error"], "token_required");
    assert_eq!(other.state().await.unwrap(), "pending");
    assert_eq!(
        other.get("/require-otp/").await.unwrap().status(),
        StatusCode::FOUND
    );
    other.verify(&phone.current_code()).await.unwrap();
    assert_eq!(other.state().await.unwrap(), "verified");
    assert_eq!(other.get("/require-otp/").await.unwrap().text(), "secret");
    // The code step again (freshness) takes the next step's code.
    let r = other.verify(&phone.next_code()).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn backup_codes_sign_in_once_each() {
    let t = app();
    let mut c = client(&t);
    c.sign_in("nodev", "pw").await.unwrap();
    c.enrol_totp("Phone").await.unwrap();
    let codes = c.new_backup_codes().await.unwrap();
    assert_eq!(codes.len(), 10);
    let mut other = client(&t);
    other.sign_in("nodev", "pw").await.unwrap();
    other.verify(&codes[0]).await.unwrap();
    assert_eq!(other.state().await.unwrap(), "verified");
    let mut third = client(&t);
    third.sign_in("nodev", "pw").await.unwrap();
    let err = third.verify(&codes[0]).await.unwrap_err();
    let TestError::Refused { status, body, .. } = err else {
        panic!("{err}");
    };
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("invalid_token"), "{body}");
}

#[tokio::test]
async fn a_refused_step_is_an_error_with_the_answer() {
    let t = app();
    let mut c = client(&t);
    let err = c.sign_in("alice", "wrong").await.unwrap_err();
    let TestError::Refused { what, status, body } = err else {
        panic!("{err}");
    };
    assert_eq!(what, "POST /otp/login/");
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(body.contains("invalid_login"), "{body}");
    // Enrolment needs a signed-in session.
    assert!(c.enrol_totp("Phone").await.is_err());
}

#[tokio::test]
async fn the_jar_keeps_the_session_until_it_rotates() {
    let t = app();
    let mut c = client(&t);
    assert_eq!(c.cookie("id"), None);
    c.sign_in("nodev", "pw").await.unwrap();
    let first = c.cookie("id").unwrap().to_owned();
    assert_eq!(c.state().await.unwrap(), "authenticated");
    assert_eq!(c.cookie("id"), Some(first.as_str()));
    let r = c.post_form("/otp/logout/", &[]).await.unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    assert_ne!(
        c.cookie("id"),
        Some(first.as_str()),
        "logout gave a new session"
    );
    assert_eq!(c.state().await.unwrap(), "anonymous");
}

#[tokio::test]
async fn set_cookie_attributes_are_honoured() {
    let app = Router::new()
        .route(
            "/set",
            get(|| async {
                axum::response::AppendHeaders([
                    (header::SET_COOKIE, "a=1; Path=/; HttpOnly"),
                    (header::SET_COOKIE, "b=2"),
                ])
            }),
        )
        .route(
            "/max-age-0",
            get(|| async { [(header::SET_COOKIE, "a=1; Max-Age=0")] }),
        )
        .route(
            "/expired",
            get(|| async {
                [(
                    header::SET_COOKIE,
                    "b=2; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
                )]
            }),
        )
        .route(
            "/echo",
            get(|h: http::HeaderMap| async move {
                h.get(header::COOKIE)
                    .map(|v| v.to_str().unwrap().to_owned())
                    .unwrap_or_default()
            }),
        );
    let mut c = TestClient::new(app);
    c.get("/set").await.unwrap();
    assert_eq!(c.get("/echo").await.unwrap().text(), "a=1; b=2");
    c.get("/max-age-0").await.unwrap();
    assert_eq!(c.cookie("a"), None);
    assert_eq!(c.get("/echo").await.unwrap().text(), "b=2");
    c.get("/expired").await.unwrap();
    assert_eq!(c.get("/echo").await.unwrap().text(), "");
}

#[tokio::test]
async fn a_post_without_the_kit_is_refused_and_with_it_passes() {
    let t = app();
    let mut c = client(&t);
    // A JSON POST without the CSRF header: 403 csrf_failed.
    let req = http::Request::post("/otp/login/")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .body(axum::body::Body::from(
            r#"{"username":"nodev","password":"pw"}"#,
        ))
        .unwrap();
    let r = c.request(req).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"], "csrf_failed");
    // The page's own token is the session's.
    let page = c.get("/otp/login/").await.unwrap();
    let from_page = page.csrf_token().unwrap().to_owned();
    assert_eq!(from_page, c.csrf_token().await.unwrap());
    let r = c
        .post_json(
            "/otp/login/",
            &serde_json::json!({"username": "nodev", "password": "pw"}),
        )
        .await
        .unwrap();
    assert_eq!(r.json()["status"], "authenticated");
}

#[tokio::test]
async fn redirects_are_followed_only_when_asked() {
    let t = app();
    let mut c = client(&t);
    let r = c.get("/require-otp/").await.unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    assert_eq!(r.location(), Some("/otp/login/?next=/require-otp/"));
    let mut c = client(&t).follow_redirects(true);
    let r = c.get("/require-otp/").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().contains("name=\"username\""), "the login page");
    // A form POST lands where the 303/302 sends it.
    let r = c
        .post_form(
            "/otp/login/",
            &[
                ("username", "nodev"),
                ("password", "pw"),
                ("next", "/plain/"),
            ],
        )
        .await
        .unwrap();
    assert_eq!((r.status(), r.text()), (StatusCode::OK, "plain"));
    assert_eq!(c.state().await.unwrap(), "authenticated");
}

#[tokio::test]
async fn default_headers_and_another_prefix() {
    let t = app_web(|w| w.url_prefix = "/account/2fa".into());
    let mut c = client(&t)
        .prefix("/account/2fa/")
        .default_header(header::ACCEPT_LANGUAGE, HeaderValue::from_static("de"));
    let err = c.sign_in("alice", "wrong").await.unwrap_err();
    let TestError::Refused { what, body, .. } = err else {
        panic!("{err}");
    };
    assert_eq!(what, "POST /account/2fa/login/");
    assert!(body.contains("invalid_login"), "{body}");
    c.sign_in("nodev", "pw").await.unwrap();
    let phone = c.enrol_totp("Telefon").await.unwrap();
    let codes = c.new_backup_codes().await.unwrap();
    assert_eq!(codes.len(), 10);
    let page = c.get("/account/2fa/devices/").await.unwrap();
    assert!(page.text().contains("lang=\"de\""), "{}", page.text());
    assert!(page.text().contains("Telefon"));
    assert!(!phone.current_code().is_empty());
}
