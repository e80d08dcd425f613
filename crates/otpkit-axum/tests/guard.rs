//! docs/behaviour.md §7.2: the route guard, its redirects and `next` safety (REQ-18).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn anonymous_gets_302_with_next() {
    let t = app();
    let mut c = Client::new(&t);
    let r = c.get("/require-otp/").await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location(), "/otp/login/?next=/require-otp/");
    let r = c.get("/x?a=1").await;
    assert_eq!(r.location(), "/otp/login/?next=/x%3Fa%3D1");
    let r = c.get("/extract/").await;
    assert_eq!(r.location(), "/otp/login/?next=/extract/");
}

#[tokio::test]
async fn custom_login_url_and_field_name_with_existing_query() {
    let t = app();
    let mut c = Client::new(&t);
    let r = c.get("/custom/").await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location(), "/custom/?x=1&to=/custom/");
}

#[tokio::test]
async fn json_gets_401_otp_required() {
    let t = app();
    let mut c = Client::new(&t);
    let r = c.get_json("/require-otp/").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let b = r.json();
    assert_eq!(b["error"], "otp_required");
    assert_eq!(
        b["message"],
        "Please confirm it's you with an authentication code."
    );
    assert_eq!(b["login_url"], "/otp/login/?next=/require-otp/");
    assert_secure_headers(&r);
}

/// A request to the JSON-only guard with the given `Accept` (none when `None`).
async fn api(c: &mut Client, accept: Option<&str>) -> Res {
    let mut req = http::Request::get("/api/balance");
    if let Some(a) = accept {
        req = req.header(http::header::ACCEPT, a);
    }
    c.send(req.body(axum::body::Body::empty()).unwrap()).await
}

#[tokio::test]
async fn the_json_only_guard_answers_401_json_whatever_the_accept_header() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    // curl's default, none at all, and a browser's: always 401 JSON, never a redirect.
    for accept in [
        Some("*/*"),
        None,
        Some("text/html,*/*;q=0.8"),
        Some("application/json"),
    ] {
        let r = api(&mut c, accept).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{accept:?}");
        assert_eq!(r.headers["content-type"], "application/json", "{accept:?}");
        let b = r.json();
        assert_eq!(b["error"], "otp_required", "{accept:?}");
        assert_eq!(
            b["login_url"], "/otp/login/?next=/api/balance",
            "{accept:?}"
        );
        assert_secure_headers(&r);
    }
    // Signed in but not verified: the login_url is the code step (one hop).
    c.set(json!({"otpkit_auth_user": "alice"})).await;
    let r = api(&mut c, Some("*/*")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["login_url"], "/otp/verify/?next=/api/balance");
    // The same route for a verified session: the answer itself.
    let mut c = Client::new(&t);
    c.login_totp(&t, "alice", &pid).await;
    let r = api(&mut c, Some("*/*")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, "42");
    // The default guard still redirects curl's `*/*` (content negotiation).
    let mut c = Client::new(&t);
    let r = c
        .send(
            http::Request::get("/require-otp/")
                .header(http::header::ACCEPT, "*/*")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
}

#[tokio::test]
async fn authenticated_unverified_is_refused_and_verified_passes() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    c.set(json!({"otpkit_auth_user": "alice"})).await;
    assert_eq!(c.get("/require-otp/").await.status, StatusCode::FOUND);
    assert_eq!(c.get("/maybe/").await.body, "anonymous");
    // One hop: straight to the code step, even past a guard with its own login_url.
    let r = c.get("/require-otp/").await;
    assert_eq!(r.location(), "/otp/verify/?next=/require-otp/");
    let r = c.get("/custom/").await;
    assert_eq!(r.location(), "/otp/verify/?next=/custom/");
    let r = c.get_json("/x?a=1").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["login_url"], "/otp/verify/?next=/x%3Fa%3D1");
    let mut c = Client::new(&t);
    c.login_totp(&t, "alice", &pid).await;
    assert_eq!(c.get("/require-otp/").await.status, StatusCode::OK);
    assert_eq!(c.get("/extract/").await.body, format!("alice {pid}"));
    assert_eq!(c.get("/maybe/").await.body, "verified alice");
}

#[tokio::test]
async fn if_configured_passes_users_without_a_confirmed_device_only() {
    let t = app();
    let mut c = Client::new(&t);
    // Anonymous: refused.
    assert_eq!(c.get("/if-configured/").await.status, StatusCode::FOUND);
    // Authenticated without device: passes.
    c.set(json!({"otpkit_auth_user": "nodev"})).await;
    assert_eq!(c.get("/if-configured/").await.status, StatusCode::OK);
    // An unconfirmed device does not count.
    t.engine
        .create_totp(
            &uid("nodev"),
            otpkit::engine::TotpOptions {
                unconfirmed: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(c.get("/if-configured/").await.status, StatusCode::OK);
    // Authenticated with a confirmed device, unverified: refused.
    totp(&t, "nodev").await;
    let r = c.get("/if-configured/").await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location(), "/otp/verify/?next=/if-configured/");
}

#[tokio::test]
async fn a_pending_login_is_anonymous_to_every_guard() {
    let t = app();
    totp(&t, "alice").await;
    let mut c = Client::new(&t);
    let r = c
        .post("/otp/login/", &[("username", "alice"), ("password", "pw")])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(c.state().await, "pending");
    for path in ["/require-otp/", "/extract/", "/if-configured/", "/custom/"] {
        let r = c.get(path).await;
        assert_eq!(r.status, StatusCode::FOUND, "{path}");
        // One hop: the pending login owes only the code.
        assert_eq!(r.location(), format!("/otp/verify/?next={path}"), "{path}");
    }
    assert_eq!(c.get("/maybe/").await.body, "anonymous");
    assert_eq!(c.get("/state/").await.json()["level"], "pending");
}

#[tokio::test]
async fn unsafe_next_falls_back_to_the_login_redirect_url() {
    let t = app();
    let pid = totp(&t, "alice").await;
    for (next, expected) in [
        ("/account/?a=1", "/account/?a=1"),
        ("//evil", "/"),
        ("https://evil", "/"),
        ("/\\evil", "/"),
        ("/\t/evil", "/"),
        ("evil", "/"),
        ("", "/"),
    ] {
        next_step(&t);
        let mut c = Client::new(&t);
        let code = t.engine.current_totp(&pid).await.unwrap();
        let r = c
            .post(
                "/otp/login/",
                &[
                    ("username", "alice"),
                    ("password", "pw"),
                    ("otp_token", code.expose()),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FOUND, "{next:?}: {}", r.body);
        assert_eq!(r.location(), expected, "{next:?}");
    }
}

#[tokio::test]
async fn unsafe_next_with_custom_redirect_url() {
    let t = app_web(|s| s.login_redirect_url = "/home/".into());
    let mut c = Client::new(&t);
    let r = c
        .post(
            "/otp/login/",
            &[
                ("username", "nodev"),
                ("password", "pw"),
                ("next", "//evil"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location(), "/home/");
}
