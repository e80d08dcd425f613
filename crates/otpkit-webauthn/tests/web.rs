//! The JSON endpoints of the web piece (feature `axum`), driven like a single-page app with
//! otpkit-axum's test client and a software authenticator: enrol a passkey, then sign in
//! with password + passkey; and the refusals (CSRF, not signed in, not fresh, another
//! session, no passkey), each changing nothing.
#![cfg(feature = "axum")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use axum::Router;
use axum::body::Body;
use common::*;
use http::{Request, StatusCode, header};
use std::sync::{Arc, Mutex};

use otpkit::{Rejection, UserId};
use otpkit_axum::i18n::Catalogue;
use otpkit_axum::testing::TestClient;
use otpkit_axum::{OtpKit, SessionPasswordAuth, Templates, VerificationHooks, WebSettings};
use otpkit_webauthn::web;
use otpkit_webauthn::webauthn_rs::prelude::{CreationChallengeResponse, RequestChallengeResponse};
use serde_json::{Value, json};

const REGISTER: &str = "/otp/passkeys/register/options";
const REGISTERED: &str = "/otp/passkeys/register/finish";
const AUTHENTICATE: &str = "/otp/passkeys/authenticate/options";
const AUTHENTICATED: &str = "/otp/passkeys/authenticate/finish";
const SIGN_IN: &str = "/otp/passkeys/sign-in/options";
const SIGNED_IN: &str = "/otp/passkeys/sign-in/finish";

/// The `verification_failed` hook's calls: (device, reason).
#[derive(Clone, Default)]
struct Failures(Arc<Mutex<Vec<(String, Rejection)>>>);

impl VerificationHooks for Failures {
    fn verification_failed(&self, _user: &UserId, device: &str, reason: Rejection) {
        self.0.lock().unwrap().push((device.to_owned(), reason));
    }
}

/// The application: otpkit's routes and the passkey piece, alice's password `wonderland`.
fn app(rig: &Rig) -> Router {
    app_with(rig, Failures::default())
}

fn app_with(rig: &Rig, hooks: Failures) -> Router {
    app_of(rig, rig.passkeys.clone(), hooks)
}

/// The application with `passkeys` (e.g. another passwordless setting).
fn app_of(rig: &Rig, passkeys: otpkit_webauthn::Passkeys, hooks: Failures) -> Router {
    let auth = SessionPasswordAuth::from_fn(|username, password| {
        Box::pin(async move {
            Ok((username == "alice" && password == "wonderland")
                .then(|| UserId::new("alice").unwrap()))
        })
    });
    app_full(rig, passkeys, auth, hooks)
}

/// The application with its own password check.
fn app_with_auth(
    rig: &Rig,
    passkeys: otpkit_webauthn::Passkeys,
    auth: SessionPasswordAuth,
) -> Router {
    app_full(rig, passkeys, auth, Failures::default())
}

fn app_full(
    rig: &Rig,
    passkeys: otpkit_webauthn::Passkeys,
    auth: SessionPasswordAuth,
    hooks: Failures,
) -> Router {
    let web_settings = WebSettings {
        login_otp_optional: true,
        ..WebSettings::default()
    };
    let kit = OtpKit::builder(rig.engine.clone(), auth)
        .templates(web::templates(Templates::new()))
        .catalogue(web::catalogue(Catalogue::embedded()).unwrap())
        .unwrap()
        .kind_step(web::kind_step(&passkeys))
        .hooks(hooks)
        .web_settings(web_settings)
        .unwrap()
        .build();
    Router::new()
        .merge(otpkit_axum::routes(kit.clone()))
        .merge(web::router(kit.clone(), passkeys))
        .layer(kit.layer())
        .layer(
            otpkit_axum::session_layer(tower_sessions::MemoryStore::default()).with_secure(false),
        )
}

fn client(app: &Router, rig: &Rig) -> TestClient {
    TestClient::new(app.clone()).clock(rig.clock.clone())
}

/// Starts a registration with `start` (the options request's body) and has `key` answer
/// it at `origin`: the finish's body, `{"device", "credential"}`.
async fn registration(c: &mut TestClient, key: &mut Key, origin: &str, start: Value) -> Value {
    let r = c.post_json(REGISTER, &start).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text());
    let body = r.json();
    let options: CreationChallengeResponse =
        serde_json::from_value(body["options"].clone()).unwrap();
    let credential: Value = serde_json::from_str(&key.register(origin, &options).await).unwrap();
    json!({"device": body["device"], "credential": credential})
}

/// Alice signed in with her password and a registered passkey (the session verified by it).
async fn enrolled(app: &Router, rig: &Rig, key: &mut Key) -> (TestClient, String) {
    let mut c = client(app, rig);
    c.sign_in("alice", "wonderland").await.unwrap();
    assert_eq!(c.state().await.unwrap(), "authenticated");
    let finish = registration(&mut c, key, ORIGIN, json!({"name": "YubiKey"})).await;
    let r = c.post_json(REGISTERED, &finish).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text());
    let done = r.json();
    assert_eq!(done["status"], "registered");
    assert_eq!(done["name"], "YubiKey");
    // The first sign-in method verifies the session.
    assert_eq!(c.state().await.unwrap(), "verified");
    (c, done["device"].as_str().unwrap().to_owned())
}

/// A new browser at the passkey step of a pending login: its client and the options.
async fn pending(app: &Router, rig: &Rig) -> (TestClient, Value) {
    let mut c = client(app, rig);
    let r = c.sign_in("alice", "wonderland").await.unwrap();
    assert_eq!(r.json()["error"], "token_required");
    assert_eq!(c.state().await.unwrap(), "pending");
    let r = c.post_json(AUTHENTICATE, &json!({})).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text());
    (c, r.json()["options"].clone())
}

async fn assertion(key: &mut Key, options: &Value) -> Value {
    let options: RequestChallengeResponse = serde_json::from_value(options.clone()).unwrap();
    serde_json::from_str(&key.assert(ORIGIN, &options).await).unwrap()
}

#[tokio::test]
async fn enrol_then_sign_in_with_password_and_passkey() {
    let rig = rig(0);
    let app = app(&rig);
    let mut key = Key::new();
    let (_, pid) = enrolled(&app, &rig, &mut key).await;
    let (_, _, state) = stored(&rig, &pid).await;
    assert!(state.credential.is_some());
    assert_eq!(state.aaguid.map(|u| *u.as_bytes()), Some(AAGUID));

    let (mut c, options) = pending(&app, &rig).await;
    let credential = assertion(&mut key, &options).await;
    let r = c
        .post_json(
            AUTHENTICATED,
            &json!({"credential": credential, "next": "/reports/"}),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text());
    let body = r.json();
    assert_eq!(body["status"], "verified");
    assert_eq!(body["device"], pid.as_str());
    assert_eq!(body["next"], "/reports/");
    assert!(body["csrf_token"].as_str().is_some_and(|t| t.len() == 43));
    assert_eq!(c.state().await.unwrap(), "verified");
    // The device list knows the passkey (generic: no passkey code in otpkit-axum).
    let list = c.get_json("/otp/devices/").await.unwrap();
    assert!(list.text().contains(&pid), "{}", list.text());
}

#[tokio::test]
async fn an_unsafe_next_goes_to_the_default() {
    let rig = rig(0);
    let app = app(&rig);
    let mut key = Key::new();
    enrolled(&app, &rig, &mut key).await;
    let (mut c, options) = pending(&app, &rig).await;
    let credential = assertion(&mut key, &options).await;
    let body = json!({"credential": credential, "next": "https://evil.example/"});
    let r = c.post_json(AUTHENTICATED, &body).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text());
    assert_ne!(r.json()["next"], "https://evil.example/");
}

/// A POST without the CSRF token.
async fn post_without_csrf(c: &mut TestClient, path: &str, body: &Value) -> (StatusCode, Value) {
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let r = c.request(req).await.unwrap();
    (r.status(), r.json())
}

#[tokio::test]
async fn every_endpoint_refuses_a_post_without_the_csrf_token() {
    let rig = rig(0);
    let app = app(&rig);
    let mut key = Key::new();
    let (mut c, pid) = enrolled(&app, &rig, &mut key).await;
    let before = stored(&rig, &pid).await;
    for path in [REGISTER, REGISTERED, AUTHENTICATE, AUTHENTICATED] {
        let (status, body) = post_without_csrf(&mut c, path, &json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(body["error"], "csrf_failed", "{path}");
        let wrong = json!({"csrf_token": "x".repeat(43)});
        let (status, body) = post_without_csrf(&mut c, path, &wrong).await;
        assert_eq!(
            (status, &body["error"]),
            (StatusCode::FORBIDDEN, &json!("csrf_failed"))
        );
    }
    let after = stored(&rig, &pid).await;
    assert_eq!((after.0, after.1), (before.0, before.1), "nothing written");
    assert!(after.2.ceremony.is_none(), "no ceremony started");
}

#[tokio::test]
async fn an_anonymous_session_can_neither_enrol_nor_sign_in() {
    let rig = rig(0);
    let app = app(&rig);
    let mut c = client(&app, &rig);
    for path in [REGISTER, REGISTERED, AUTHENTICATE, AUTHENTICATED] {
        let body = json!({"device": "otp_webauthn.webauthndevice/1", "credential": {}});
        let r = c.post_json(path, &body).await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(r.json()["error"], "otp_required", "{path}");
    }
    let devices = rig
        .engine
        .devices_for_user(Some(&user("alice")), None)
        .await
        .unwrap();
    assert!(devices.is_empty());
}

#[tokio::test]
async fn enrolment_needs_a_fresh_verification_once_the_user_has_a_device() {
    let rig = rig(0);
    let app = app(&rig);
    let mut key = Key::new();
    let (mut c, _) = enrolled(&app, &rig, &mut key).await;
    rig.clock
        .advance_secs(i64::from(WebSettings::default().reauth_max_age) + 1);
    let r = c.post_json(REGISTER, &json!({})).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "{}", r.text());
    assert_eq!(r.json()["error"], "reauth_required");
    let devices = rig
        .engine
        .devices_for_user(Some(&user("alice")), None)
        .await
        .unwrap();
    assert_eq!(devices.len(), 1, "no second (pending) device was created");
}

#[tokio::test]
async fn an_assertion_finished_from_another_session_is_refused() {
    let rig = rig(0);
    let failures = Failures::default();
    let app = app_with(&rig, failures.clone());
    let mut key = Key::new();
    let (_, pid) = enrolled(&app, &rig, &mut key).await;
    let (mut a, options) = pending(&app, &rig).await;
    let credential = assertion(&mut key, &options).await;
    // Another browser, pending for the same user, posts A's assertion.
    let mut b = client(&app, &rig);
    b.sign_in("alice", "wonderland").await.unwrap();
    let before = stored(&rig, &pid).await;
    let r = b
        .post_json(AUTHENTICATED, &json!({"credential": credential}))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{}", r.text());
    assert_eq!(r.json()["error"], "invalid_token");
    assert_eq!(r.json()["reason"], "session_mismatch");
    assert_eq!(b.state().await.unwrap(), "pending");
    assert_eq!(
        stored(&rig, &pid).await.0,
        before.0 + 1,
        "one failure counted"
    );
    // The challenge was consumed: A's own finish is refused too.
    let r = a
        .post_json(AUTHENTICATED, &json!({"credential": credential}))
        .await
        .unwrap();
    assert_eq!(r.json()["reason"], "no_challenge");
    assert_eq!(a.state().await.unwrap(), "pending");
}

#[tokio::test]
async fn a_user_without_a_passkey_gets_no_options() {
    let rig = rig(0);
    let app = app(&rig);
    let mut c = client(&app, &rig);
    c.sign_in("alice", "wonderland").await.unwrap();
    let r = c.post_json(AUTHENTICATE, &json!({})).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "{}", r.text());
    assert_eq!(r.json()["error"], "no_device");
}

#[tokio::test]
async fn a_malformed_body_is_a_bad_request() {
    let rig = rig(0);
    let app = app(&rig);
    let mut key = Key::new();
    let (mut c, _) = enrolled(&app, &rig, &mut key).await;
    let r = c
        .post_json(REGISTERED, &json!({"device": 1}))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"], "bad_request");
}

#[tokio::test]
async fn a_passkey_without_a_name_is_named_after_its_model_or_passkey() {
    let rig = rig(0);
    let app = app(&rig);
    let mut c = client(&app, &rig);
    c.sign_in("alice", "wonderland").await.unwrap();
    let finish = registration(&mut c, &mut Key::new(), ORIGIN, json!({})).await;
    let r = c.post_json(REGISTERED, &finish).await.unwrap();
    // The software authenticator's AAGUID is no known model.
    assert_eq!(r.json()["name"], "Passkey", "{}", r.text());
    let yubikey = otpkit_webauthn::webauthn_rs::prelude::Uuid::parse_str(
        "cb69481e-8ff7-4039-93ec-0a2729a154a8",
    )
    .unwrap();
    assert_eq!(
        otpkit_webauthn::authenticator_name(&yubikey),
        Some("YubiKey 5")
    );
}

/// A GET of an HTML page.
async fn html(c: &mut TestClient, path: &str) -> (StatusCode, String, Option<String>) {
    let req = Request::get(path)
        .header(header::ACCEPT, "text/html")
        .body(Body::empty())
        .unwrap();
    let r = c.request(req).await.unwrap();
    // minijinja escapes `/` in attributes.
    let text = r.text().replace("&#x2f;", "/");
    (r.status(), text, r.location().map(str::to_owned))
}

/// No inline script or style: the pages work under `default-src 'self'`.
fn assert_csp_clean(page: &str) {
    assert!(!page.contains("<script>"), "inline script");
    assert!(!page.contains(" style="), "inline style");
    assert!(!page.contains(" onclick="), "inline handler");
}

#[tokio::test]
async fn the_code_step_links_to_the_passkey_step_instead_of_a_text_field() {
    let rig = rig(0);
    let app = app(&rig);
    let mut key = Key::new();
    enrolled(&app, &rig, &mut key).await;
    let mut c = client(&app, &rig);
    c.sign_in("alice", "wonderland").await.unwrap();
    let (status, page, _) = html(&mut c, "/otp/login/?next=/reports/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(r#"href="/otp/passkeys/verify/?next=/reports/""#),
        "{page}"
    );
    assert!(page.contains("Use your security key or passkey"), "{page}");
    assert!(
        !page.contains("otp_token"),
        "no text field for a passkey: {page}"
    );

    let (status, page, _) = html(&mut c, "/otp/passkeys/verify/?next=/reports/").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains(r#"data-passkey="authenticate""#), "{page}");
    assert!(
        page.contains(r#"src="/otp/static/otpkit-webauthn.js""#),
        "{page}"
    );
    assert!(page.contains(r#"name="next" value="/reports/""#), "{page}");
    assert!(page.contains("Sign in with your security key"), "{page}");
    assert_csp_clean(&page);
    // In German.
    c.set_cookie("otpkit_lang", Some("de"));
    let (_, page, _) = html(&mut c, "/otp/passkeys/verify/").await;
    assert!(
        page.contains("Mit deinem Sicherheitsschlüssel anmelden"),
        "{page}"
    );
}

#[tokio::test]
async fn the_enrolment_page_is_for_signed_in_users() {
    let rig = rig(0);
    let app = app(&rig);
    let mut c = client(&app, &rig);
    let (status, _, location) = html(&mut c, "/otp/passkeys/new/").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.unwrap().starts_with("/otp/login/?next="));
    let (status, _, location) = html(&mut c, "/otp/passkeys/verify/").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/otp/login/"));

    c.sign_in("alice", "wonderland").await.unwrap();
    let (status, page, _) = html(&mut c, "/otp/passkeys/new/").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Add a security key or passkey"), "{page}");
    assert!(page.contains(r#"data-passkey="register""#), "{page}");
    assert_csp_clean(&page);
    // The guided setup offers passkeys beside the authenticator app.
    let (status, page, _) = html(&mut c, "/otp/devices/new/").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains(r#"<a href="/otp/passkeys/new/">Add a security key or passkey</a>"#),
        "{page}"
    );
    let script = c.get("/otp/static/otpkit-webauthn.js").await.unwrap();
    assert_eq!(script.status(), StatusCode::OK);
    assert!(script.text().contains("navigator.credentials.create"));
    assert!(
        script
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/javascript"))
    );
    assert_eq!(script.header("cache-control"), Some("public, max-age=3600"));
    let r = c.get("/otp/passkeys/new/").await.unwrap();
    assert_eq!(
        r.header("cache-control"),
        Some("no-store"),
        "pages are not stored"
    );
}

#[tokio::test]
async fn the_device_list_renames_and_removes_a_passkey_like_any_device() {
    let rig = rig(0);
    let app = app(&rig);
    let mut key = Key::new();
    let (mut c, pid) = enrolled(&app, &rig, &mut key).await;
    let r = c
        .post_json(
            &format!("/otp/devices/{pid}/rename/"),
            &json!({"name": "Blue key"}),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text());
    let d = rig.engine.from_persistent_id(&pid).await.unwrap().unwrap();
    assert_eq!(d.name(), "Blue key");
    let r = c
        .post_json(&format!("/otp/devices/{pid}/remove/"), &json!({}))
        .await
        .unwrap();
    assert!(r.status().is_success(), "{} {}", r.status(), r.text());
    assert!(rig.engine.from_persistent_id(&pid).await.unwrap().is_none());
}

#[test]
fn the_demo_default_relying_party_builds() {
    // http://localhost is a secure context in browsers, and webauthn-rs accepts it.
    let rp = otpkit_webauthn::RelyingParty::new("localhost", "http://localhost:8000");
    assert!(rp.webauthn().is_ok());
    let ip = otpkit_webauthn::RelyingParty::new("localhost", "http://127.0.0.1:8000");
    assert!(ip.webauthn().is_err(), "the origin's host must be the id");
}

/// A new browser's passwordless sign-in with `key`: the finish's answer.
async fn passwordless(app: &Router, rig: &Rig, key: &mut Key) -> (TestClient, StatusCode, Value) {
    let mut c = client(app, rig);
    let r = c.post_json(SIGN_IN, &json!({})).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text());
    let credential = assertion(key, &r.json()["options"]).await;
    let body = json!({"credential": credential, "next": "/reports/"});
    let r = c.post_json(SIGNED_IN, &body).await.unwrap();
    let (status, json) = (r.status(), r.json());
    (c, status, json)
}

#[tokio::test]
async fn a_passkey_alone_signs_in_from_the_login_page() {
    let rig = rig(0);
    let app = app(&rig);
    let mut key = Key::new();
    let (_, pid) = enrolled(&app, &rig, &mut key).await;
    let mut c = client(&app, &rig);
    let (_, page, _) = html(&mut c, "/otp/login/?next=/reports/").await;
    assert!(
        page.contains(r#"href="/otp/passkeys/sign-in/?next=/reports/""#),
        "{page}"
    );
    let (status, page, _) = html(&mut c, "/otp/passkeys/sign-in/?next=/reports/").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains(r#"action="/otp/passkeys/sign-in/finish""#),
        "{page}"
    );
    assert!(page.contains("No password needed"), "{page}");
    assert!(page.contains(r#"href="/otp/login/?next="#), "{page}");
    assert_csp_clean(&page);

    let (mut c, status, body) = passwordless(&app, &rig, &mut key).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "verified");
    assert_eq!(body["device"], pid.as_str());
    assert_eq!(body["next"], "/reports/");
    assert_eq!(c.state().await.unwrap(), "verified");
    // The kept sign-in was taken out: a second finish finds none.
    let r = c.post_json(SIGN_IN, &json!({})).await.unwrap();
    let credential = assertion(&mut key, &r.json()["options"]).await;
    let body = json!({"credential": credential});
    let r = c.post_json(SIGNED_IN, &body).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text());
    let r = c.post_json(SIGNED_IN, &body).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{}", r.text());
    assert_eq!(r.json()["error"], "invalid_token");
    assert_eq!(r.json()["reason"], "no_challenge");
}

#[tokio::test]
async fn a_counter_regression_at_a_passwordless_sign_in_runs_the_failure_hook() {
    let rig = rig(0);
    let hooks = Failures::default();
    let app = app_with(&rig, hooks.clone());
    let mut key = Key::new();
    let (_, pid) = enrolled(&app, &rig, &mut key).await;
    let mut clone = key.clone();
    let (_, status, _) = passwordless(&app, &rig, &mut key).await;
    assert_eq!(status, StatusCode::OK);
    let (mut c, status, body) = passwordless(&app, &rig, &mut clone).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["reason"], "counter_regressed");
    assert_eq!(c.state().await.unwrap(), "anonymous");
    assert_eq!(
        hooks.0.lock().unwrap().as_slice(),
        &[(pid, Rejection::CounterRegressed)]
    );
}

#[tokio::test]
async fn passwordless_sign_in_follows_the_setting() {
    use otpkit_webauthn::{PasskeySettings, Passkeys, Passwordless};
    let rig = rig(0);
    let mode = |m| {
        let settings = PasskeySettings {
            passwordless: m,
            ..passkey_settings(0)
        };
        Passkeys::new(rig.engine.clone(), settings).unwrap()
    };
    let mut key = Key::new();
    enrolled(&app(&rig), &rig, &mut key).await;
    // Off: no link, no endpoint.
    let off = app_of(&rig, mode(Passwordless::Off), Failures::default());
    let mut c = client(&off, &rig);
    let (_, page, _) = html(&mut c, "/otp/login/").await;
    assert!(!page.contains("/otp/passkeys/sign-in/"), "{page}");
    let r = c.post_json(SIGN_IN, &json!({})).await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "{}", r.text());
    // With a fallback required: alice has only her passkey.
    let fallback = app_of(&rig, mode(Passwordless::WithFallback), Failures::default());
    let (mut c, status, body) = passwordless(&fallback, &rig, &mut key).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "verification_not_allowed");
    assert_eq!(body["reason"], "needs_fallback");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("backup codes")),
        "{body}"
    );
    assert_eq!(c.state().await.unwrap(), "anonymous");
}

#[tokio::test]
async fn a_passkey_added_from_the_page_goes_on_to_the_backup_codes() {
    let rig = rig(0);
    let app = app(&rig);
    let mut c = client(&app, &rig);
    c.sign_in("alice", "wonderland").await.unwrap();
    let register = async |c: &mut TestClient, key: &mut Key| {
        let mut finish = registration(c, key, ORIGIN, json!({})).await;
        finish["setup"] = json!(true);
        let r = c.post_json(REGISTERED, &finish).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text());
        r.json()["next"].as_str().unwrap().to_owned()
    };
    let next = register(&mut c, &mut Key::new()).await;
    assert_eq!(next, "/otp/devices/new/backup-codes/");
    let (status, page, _) = html(&mut c, &next).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let codes = rig
        .engine
        .devices_for_user(Some(&UserId::new("alice").unwrap()), Some(true))
        .await
        .unwrap();
    assert!(
        codes
            .iter()
            .any(|d| d.model_label() == "otp_static.staticdevice"),
        "backup codes were made"
    );
    assert!(page.contains(r#"name="saved""#), "{page}");
    // With backup codes, a second passkey's setup ends at once.
    let next = register(&mut c, &mut Key::new()).await;
    assert_eq!(next, "/otp/devices/new/done/");
}

#[tokio::test]
async fn a_refused_registration_runs_the_failure_hook_like_a_wrong_first_code() {
    let rig = rig(0);
    let hooks = Failures::default();
    let app = app_with(&rig, hooks.clone());
    let mut c = client(&app, &rig);
    c.sign_in("alice", "wonderland").await.unwrap();
    // A page of another origin under the relying party's domain asked the key.
    let other = "https://other.example.com";
    let finish = registration(&mut c, &mut Key::new(), other, json!({})).await;
    let r = c.post_json(REGISTERED, &finish).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{}", r.text());
    assert_eq!(r.json()["reason"], "wrong_origin");
    let pid = finish["device"].as_str().unwrap().to_owned();
    assert_eq!(
        hooks.0.lock().unwrap().as_slice(),
        &[(pid, Rejection::Kind("wrong_origin"))]
    );
}

/// alice (a user) and root (staff).
struct Directory;

#[otpkit::async_trait]
impl otpkit::UserDirectory for Directory {
    async fn lookup(&self, user: &UserId) -> Option<otpkit::UserInfo> {
        Some(otpkit::UserInfo {
            is_active: true,
            is_staff: user.as_str() == "root",
            ..otpkit::UserInfo::default()
        })
    }
}

#[tokio::test]
async fn the_admin_area_lists_renames_and_removes_a_passkey() {
    let clock = otpkit::ManualClock::new(otpkit::Timestamp::from_secs(1_767_261_600));
    let engine = otpkit::Engine::builder(
        otpkit::MemoryStore::new(),
        otpkit::KeyRing::parse(TEST_KEYS).unwrap(),
    )
    .clock(clock.clone())
    .user_directory(Directory)
    .register::<otpkit_webauthn::WebauthnDevice>()
    .build()
    .unwrap();
    let passkeys = otpkit_webauthn::Passkeys::new(engine.clone(), passkey_settings(0)).unwrap();
    let rig = Rig {
        engine,
        passkeys: passkeys.clone(),
        clock,
        notes: otpkit::events::RecordingNotifier::new(),
    };
    let auth = SessionPasswordAuth::from_fn(|username, password| {
        Box::pin(async move {
            let ok = matches!(
                (username, password),
                ("alice", "wonderland") | ("root", "toor")
            );
            Ok(ok.then(|| UserId::new(username).unwrap()))
        })
    });
    let app = app_with_auth(&rig, passkeys, auth);
    let mut key = Key::new();
    let (_, pid) = enrolled(&app, &rig, &mut key).await;
    let credential_id = stored(&rig, &pid).await.2.credential_id.unwrap();

    let mut root = client(&app, &rig);
    root.sign_in("root", "toor").await.unwrap();
    root.enrol_totp("Phone").await.unwrap();
    let r = root.get_json("/otp/admin/?q=alice").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text());
    let rows = r.json()["devices"].clone();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == pid.as_str())
        .unwrap_or_else(|| panic!("{rows}"))
        .clone();
    assert_eq!(row["name"], "YubiKey");
    let page = format!("/otp/admin/devices/{pid}/");
    let (status, html_page, _) = html(&mut root, &page).await;
    assert_eq!(status, StatusCode::OK, "{html_page}");
    assert!(html_page.contains("sign_count"), "{html_page}");
    assert!(!html_page.contains(&credential_id), "no credential id");
    let r = root
        .post_json(&page, &json!({"name": "Blue key"}))
        .await
        .unwrap();
    assert!(r.status().is_success(), "{} {}", r.status(), r.text());
    let d = rig.engine.from_persistent_id(&pid).await.unwrap().unwrap();
    assert_eq!(d.name(), "Blue key");
    let r = root
        .post_json(&format!("{page}remove/"), &json!({}))
        .await
        .unwrap();
    assert!(r.status().is_success(), "{} {}", r.status(), r.text());
    assert!(rig.engine.from_persistent_id(&pid).await.unwrap().is_none());
}
