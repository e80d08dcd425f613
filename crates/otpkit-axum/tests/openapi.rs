//! The JSON API's OpenAPI document (issue 15): checked in and current, valid OpenAPI 3.1, and
//! true to the answers: the real flows, driven in JSON, answer only statuses the document
//! lists for the route, with bodies that match the document's schemas.
//!
//! That every JSON route is in the document (and nothing else) is a unit test next to the
//! document (`pages::openapi`), where the routers can be asked for their paths.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use axum::body::Body;
use common::*;
use http::{Request, StatusCode, header};
use serde_json::{Value, json};

/// The checked-in document (default prefix `/otp`).
fn checked_in_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi.json")
}

/// The generated document, as the checked-in file holds it.
fn generated() -> String {
    let doc = otpkit_axum::openapi("/otp");
    format!("{}\n", doc.to_pretty_json().unwrap())
}

/// `crates/otpkit-axum/openapi.json` is the generated document; `OTPKIT_BLESS=1` rewrites it.
#[test]
fn checked_in_document_is_current() {
    let path = checked_in_path();
    let now = generated();
    if std::env::var_os("OTPKIT_BLESS").is_some() {
        std::fs::write(&path, &now).unwrap();
        return;
    }
    let kept = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        kept == now,
        "{} differs from the document the code generates; regenerate it with\n\
         OTPKIT_BLESS=1 cargo test -p otpkit-axum --all-features --test openapi",
        path.display()
    );
}

/// The document is valid OpenAPI 3.1: it passes the official schema (tests/data/README.md).
#[test]
fn document_is_valid_openapi_3_1() {
    let schema: Value = serde_json::from_str(include_str!("data/openapi-3.1-schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let doc: Value = serde_json::from_str(&generated()).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // It can fail: a document without `info` does not pass.
    let mut broken = doc.clone();
    broken.as_object_mut().unwrap().remove("info");
    assert!(!validator.is_valid(&broken));
}

/// The served document is the generated one, for the kit's prefix.
#[tokio::test]
async fn served_document_is_the_generated_one() {
    let t = app();
    let mut c = Client::new(&t);
    let r = c.get("/otp/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let served: Value = serde_json::from_str(&r.body).unwrap();
    let expected: Value = serde_json::from_str(&generated()).unwrap();
    assert_eq!(served, expected);
    assert_eq!(served["info"]["version"], env!("CARGO_PKG_VERSION"));
}

/// Under another `OTPKIT_URL_PREFIX`, the served document's paths carry it.
#[tokio::test]
async fn served_document_carries_the_prefix() {
    let t = app_web(|w| w.url_prefix = "/account/2fa".into());
    let mut c = Client::new(&t);
    let r = c.get("/account/2fa/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let served: Value = serde_json::from_str(&r.body).unwrap();
    let paths: Vec<&String> = served["paths"].as_object().unwrap().keys().collect();
    assert!(
        paths.iter().any(|p| *p == "/account/2fa/verify/"),
        "{paths:?}"
    );
    assert!(
        paths.iter().all(|p| p.starts_with("/account/2fa/")),
        "{paths:?}"
    );
}

/// The document, and what the flows checked against it.
struct Api {
    doc: Value,
    /// The document's components, every object schema closed (`additionalProperties:
    /// false`): an answer with a field the document does not name fails.
    components: Value,
    /// `(method, documented path)` of every answer checked.
    seen: BTreeSet<(String, String)>,
}

/// Closes every object schema with properties in `v` (recursively).
fn close(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if m.contains_key("properties") && !m.contains_key("additionalProperties") {
                m.insert("additionalProperties".into(), Value::Bool(false));
            }
            m.values_mut().for_each(close);
        }
        Value::Array(a) => a.iter_mut().for_each(close),
        _ => {}
    }
}

impl Api {
    fn new() -> Api {
        let doc: Value = serde_json::from_str(&generated()).unwrap();
        let mut components = doc["components"].clone();
        close(&mut components);
        Api {
            doc,
            components,
            seen: BTreeSet::new(),
        }
    }

    /// The documented path that `path` (no query) is an instance of.
    fn route_of(&self, path: &str) -> String {
        let path = path.split('?').next().unwrap();
        let want: Vec<&str> = path.split('/').collect();
        self.doc["paths"]
            .as_object()
            .unwrap()
            .keys()
            .find(|k| {
                let have: Vec<&str> = k.split('/').collect();
                have.len() == want.len()
                    && have
                        .iter()
                        .zip(&want)
                        .all(|(h, w)| h == w || (h.starts_with('{') && !w.is_empty()))
            })
            .unwrap_or_else(|| panic!("{path} is not in the document"))
            .clone()
    }

    /// Checks the answer `r` to `method path`: its status is documented for the route and
    /// its body matches the schema of that status and content type.
    fn check(&mut self, method: &str, path: &str, r: &Res) {
        let route = self.route_of(path);
        let op = &self.doc["paths"][&route][method.to_lowercase()];
        assert!(op.is_object(), "{method} {route} is not in the document");
        let status = r.status.as_str();
        let response = &op["responses"][status];
        assert!(
            response.is_object(),
            "{method} {path} answered {status}, which the document does not list: {}",
            r.body
        );
        self.seen.insert((method.to_owned(), route.clone()));
        let ct = r.header("content-type").unwrap_or_default();
        let media = ct.split(';').next().unwrap().trim().to_owned();
        let Some(content) = response.get("content") else {
            assert!(
                r.body.is_empty(),
                "{method} {path} {status}: a body: {}",
                r.body
            );
            return;
        };
        let schema = &content[&media]["schema"];
        assert!(
            schema.is_object(),
            "{method} {path} {status}: {media} is not documented"
        );
        let mut schema = schema.clone();
        schema["components"] = self.components.clone();
        schema["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
        let validator = jsonschema::validator_for(&schema).unwrap();
        let body = if media == "application/json" {
            serde_json::from_str(&r.body).unwrap()
        } else {
            Value::String(r.body.clone())
        };
        let errors: Vec<String> = validator
            .iter_errors(&body)
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "{method} {path} {status}: {errors:?} in {}",
            r.body
        );
    }

    async fn get(&mut self, c: &mut Client, path: &str) -> Res {
        let r = c.get_json(path).await;
        self.check("GET", path, &r);
        r
    }

    async fn post(&mut self, c: &mut Client, path: &str, body: Value) -> Res {
        let r = c.post_json(path, body).await;
        self.check("POST", path, &r);
        r
    }

    /// A JSON POST with `token` as the CSRF token.
    async fn post_with_token(&mut self, c: &mut Client, path: &str, token: &str) -> Res {
        let r = c
            .send(
                Request::post(path)
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::ACCEPT, "application/json")
                    .header("x-csrf-token", token)
                    .body(Body::from("{}"))
                    .unwrap(),
            )
            .await;
        self.check("POST", path, &r);
        r
    }

    /// Every operation of the document that no flow reached.
    fn unreached(&self) -> Vec<(String, String)> {
        let mut all = BTreeSet::new();
        for (path, item) in self.doc["paths"].as_object().unwrap() {
            for m in item.as_object().unwrap().keys() {
                all.insert((m.to_uppercase(), path.clone()));
            }
        }
        all.difference(&self.seen).cloned().collect()
    }
}

/// The code of `pid` now.
async fn code(t: &TestApp, pid: &str) -> String {
    t.engine
        .current_totp(pid)
        .await
        .unwrap()
        .expose()
        .to_owned()
}

fn field(r: &Res, name: &str) -> String {
    r.json()[name].as_str().unwrap_or_default().to_owned()
}

/// An anonymous client: the session, the document, the login page, refusals.
async fn anonymous(t: &TestApp, api: &mut Api) {
    let mut c = Client::new(t);
    api.get(&mut c, "/otp/session").await;
    api.get(&mut c, "/otp/openapi.json").await;
    let r = api.get(&mut c, "/otp/login/").await;
    assert_eq!(field(&r, "step"), "credentials");
    api.get(&mut c, "/otp/admin/login/").await;
    for path in [
        "/otp/verify/",
        "/otp/devices/",
        "/otp/devices/new/",
        "/otp/devices/new/done/",
        "/otp/devices/totp/new/",
        "/otp/devices/email/new/",
        "/otp/admin/",
    ] {
        let r = api.get(&mut c, path).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    let r = api
        .post(
            &mut c,
            "/otp/login/",
            json!({"username": "alice", "password": "no"}),
        )
        .await;
    assert_eq!(field(&r, "error"), "invalid_login");
    let r = api.post_with_token(&mut c, "/otp/login/", "wrong").await;
    assert_eq!(field(&r, "error"), "csrf_failed");
    let r = api
        .post(&mut c, "/otp/login/", json!({"otp_token": "1"}))
        .await;
    assert_eq!(field(&r, "error"), "login_expired");
    // A body over OTPKIT_MAX_BODY_BYTES.
    let big = "x".repeat(100_000);
    let r = api
        .post(&mut c, "/otp/logout/", json!({ "next": big }))
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
}

/// alice signs in with her authenticator app, in two steps, after a wrong code; asks her
/// email device for a code; cancels; signs in again.
async fn sign_in(t: &TestApp, api: &mut Api, pid: &str) -> Client {
    let mut c = Client::new(t);
    let r = api
        .post(
            &mut c,
            "/otp/login/",
            json!({"username": "alice", "password": "pw"}),
        )
        .await;
    assert_eq!(field(&r, "error"), "token_required");
    let r = api.get(&mut c, "/otp/login/").await;
    assert_eq!(field(&r, "step"), "token");
    let email = t
        .engine
        .devices_for_user(Some(&uid("alice")), Some(true))
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.is_interactive())
        .unwrap()
        .persistent_id();
    let r = api
        .post(
            &mut c,
            "/otp/login/",
            json!({"otp_device": email, "otp_challenge": "1"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let r = api
        .post(
            &mut c,
            "/otp/login/",
            json!({"otp_device": email, "otp_challenge": "1"}),
        )
        .await;
    assert_eq!(field(&r, "error"), "challenge_cooldown");
    let r = api
        .post(
            &mut c,
            "/otp/login/",
            json!({"otp_device": pid, "otp_token": "000000"}),
        )
        .await;
    assert_eq!(field(&r, "error"), "invalid_token");
    let r = api
        .post(
            &mut c,
            "/otp/login/",
            json!({"otp_device": pid, "otp_token": "000000"}),
        )
        .await;
    assert_eq!(field(&r, "error"), "n_failed_attempts");
    let r = api
        .post(&mut c, "/otp/login/", json!({"otp_device": "x/1"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = api
        .post(&mut c, "/otp/login/", json!({"cancel": "1"}))
        .await;
    assert_eq!(field(&r, "status"), "cancelled");
    t.engine.throttle_reset(pid).await.unwrap();
    let body = json!({"username": "alice", "password": "pw", "otp_token": code(t, pid).await});
    let r = api.post(&mut c, "/otp/login/", body).await;
    assert_eq!(field(&r, "status"), "verified", "{}", r.body);
    next_step(t);
    let r = api.get(&mut c, "/otp/verify/").await;
    assert_eq!(field(&r, "step"), "token");
    let r = api
        .post(
            &mut c,
            "/otp/verify/",
            json!({"otp_token": code(t, pid).await}),
        )
        .await;
    assert_eq!(field(&r, "status"), "verified", "{}", r.body);
    c
}

/// The guided setup and the enrolment of each kind.
async fn enrol(t: &TestApp, api: &mut Api, c: &mut Client) {
    let r = api.get(c, "/otp/devices/new/").await;
    assert!(!r.json()["methods"].as_array().unwrap().is_empty());
    api.get(c, "/otp/devices/totp/new/").await;
    let r = api
        .post(c, "/otp/devices/totp/new/", json!({"name": "Tablet"}))
        .await;
    let tablet = field(&r, "device");
    assert_eq!(field(&r, "status"), "enrolment_started");
    let r = api.get(c, "/otp/devices/totp/new/").await;
    assert_eq!(field(&r, "device"), tablet);
    let r = api
        .post(c, "/otp/devices/totp/new/", json!({"otp_token": " "}))
        .await;
    assert_eq!(field(&r, "error"), "token_required");
    let r = api
        .post(
            c,
            "/otp/devices/totp/new/",
            json!({"otp_token": code(t, &tablet).await}),
        )
        .await;
    assert_eq!(field(&r, "status"), "verified", "{}", r.body);
    // Email: started, asked again too soon, confirmed. (The sign-in's code was a minute ago.)
    t.clock.advance_secs(60);
    api.get(c, "/otp/devices/email/new/").await;
    let r = api
        .post(
            c,
            "/otp/devices/email/new/",
            json!({"email": "a@example.com"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let r = api.get(c, "/otp/devices/email/new/").await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let r = api
        .post(c, "/otp/devices/email/new/", json!({"resend": "1"}))
        .await;
    assert_eq!(field(&r, "error"), "challenge_cooldown");
    let mail = t.mailer.last().unwrap();
    let sent: String = mail
        .text
        .expose()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    t.clock.advance_secs(1);
    let r = api
        .post(c, "/otp/devices/email/new/", json!({"otp_token": sent}))
        .await;
    assert_eq!(field(&r, "status"), "verified", "{}", r.body);
    let r = api
        .post(c, "/otp/devices/email/new/", json!({"otp_token": "1"}))
        .await;
    assert_eq!(field(&r, "error"), "login_expired");
    // Backup codes, in JSON and as text.
    let r = api.post(c, "/otp/devices/backup-codes/", json!({})).await;
    assert_eq!(r.json()["codes"].as_array().unwrap().len(), 10);
    let token = c.csrf().await;
    let r = c
        .send(
            Request::post("/otp/devices/backup-codes/")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::ACCEPT, "text/plain")
                .header("x-csrf-token", token)
                .body(Body::from(r#"{"format": "text"}"#))
                .unwrap(),
        )
        .await;
    api.check("POST", "/otp/devices/backup-codes/", &r);
    assert_eq!(r.body.lines().count(), 10);
    setup_steps(api, c, &tablet).await;
}

/// The setup's backup-code step and its end, with the setup's progress as the HTML flow
/// leaves it (a JSON enrolment does not go through the setup).
async fn setup_steps(api: &mut Api, c: &mut Client, device: &str) {
    let r = api
        .post(c, "/otp/devices/new/backup-codes/", json!({"saved": "1"}))
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "no setup in progress");
    c.set(json!({"otpkit_setup": {"user": "alice", "device": device, "codes_pending": true}}))
        .await;
    let r = api.get(c, "/otp/devices/new/done/").await;
    assert_eq!(r.status, StatusCode::FOUND, "the codes wait");
    let r = api
        .post(
            c,
            "/otp/devices/new/backup-codes/",
            json!({"regenerate": "1"}),
        )
        .await;
    assert!(!field(&r, "device").is_empty());
    let r = api
        .post(c, "/otp/devices/new/backup-codes/", json!({}))
        .await;
    assert_eq!(field(&r, "error"), "bad_request");
    let r = api
        .post(c, "/otp/devices/new/backup-codes/", json!({"saved": "1"}))
        .await;
    assert_eq!(field(&r, "status"), "ok");
    let r = api.get(c, "/otp/devices/new/done/").await;
    assert_eq!(field(&r, "device"), device);
}

/// The device list and its actions; a verification grown stale; logout.
async fn devices(t: &TestApp, api: &mut Api, c: &mut Client, pid: &str) {
    let r = api.get(c, "/otp/devices/").await;
    let list = r.json()["devices"].as_array().unwrap().clone();
    assert!(list.len() >= 4, "{list:?}");
    let other = list
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .find(|id| id != pid && id.starts_with("otp_totp"))
        .unwrap();
    let at = |what: &str, id: &str| format!("/otp/devices/{id}/{what}/");
    // The session is verified by the phone again (the last enrolment verified it).
    next_step(t);
    let r = api
        .post(
            c,
            "/otp/verify/",
            json!({"otp_device": pid, "otp_token": code(t, pid).await}),
        )
        .await;
    assert_eq!(field(&r, "status"), "verified", "{}", r.body);
    let r = api
        .post(c, &at("rename", pid), json!({"name": "Phone"}))
        .await;
    assert_eq!(r.json()["device"]["name"], "Phone");
    let r = api.post(c, &at("rename", pid), json!({"name": " "})).await;
    assert_eq!(field(&r, "error"), "bad_request");
    let r = api.post(c, &at("unlock", pid), json!({})).await;
    assert_eq!(field(&r, "error"), "unlock_not_allowed");
    let r = api.post(c, &at("unlock", &other), json!({})).await;
    assert_eq!(field(&r, "status"), "ok");
    let r = api.post(c, &at("remove", &other), json!({})).await;
    assert_eq!(field(&r, "status"), "removed");
    let r = api.post(c, &at("remove", &other), json!({})).await;
    assert_eq!(field(&r, "error"), "not_found");
    t.clock.advance_secs(3600);
    let r = api
        .post(c, &at("rename", pid), json!({"name": "Old"}))
        .await;
    assert_eq!(field(&r, "error"), "reauth_required");
    let r = api.post(c, "/otp/logout/", json!({})).await;
    assert_eq!(field(&r, "status"), "logged_out");
}

/// The admin area: sign in at the admin login, list, look, change, add, act.
async fn admin(t: &TestApp, api: &mut Api) {
    let pid = totp(t, "admin").await;
    let alice = totp(t, "alice").await;
    let codes = t
        .engine
        .create_static(&uid("bob"), None, true)
        .await
        .unwrap()
        .persistent_id();
    let mut c = Client::new(t);
    let body = json!({"username": "admin", "password": "pw", "otp_token": code(t, &pid).await});
    let r = api.post(&mut c, "/otp/admin/login/", body).await;
    assert_eq!(field(&r, "status"), "verified", "{}", r.body);
    let r = api.get(&mut c, "/otp/admin/login/").await;
    assert_eq!(field(&r, "state"), "verified");
    let r = api.get(&mut c, "/otp/admin/?q=alice").await;
    assert!(!r.json()["devices"].as_array().unwrap().is_empty());
    let r = api.get(&mut c, "/otp/admin/users/without-2fa/").await;
    assert_eq!(r.json()["policy"], "off");
    let dev = |tail: &str, id: &str| format!("/otp/admin/devices/{id}/{tail}");
    let r = api.get(&mut c, &dev("", &alice)).await;
    assert_eq!(field(&r, "user"), "alice");
    let r = api.get(&mut c, &dev("", "otp_totp.totpdevice/999")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = api
        .post(&mut c, &dev("", &alice), json!({"name": "Work"}))
        .await;
    assert_eq!(field(&r, "status"), "ok");
    let r = api
        .post(&mut c, &dev("", &alice), json!({"digits": "x"}))
        .await;
    assert!(!field(&r, "detail").is_empty(), "{}", r.body);
    let r = api.post(&mut c, &dev("confirm/", &alice), json!({})).await;
    assert_eq!(field(&r, "status"), "ok");
    let r = api
        .post(&mut c, &dev("reset-throttling/", &alice), json!({}))
        .await;
    assert_eq!(field(&r, "status"), "ok");
    let r = api
        .post(&mut c, &dev("reset-throttling/", &pid), json!({}))
        .await;
    assert_eq!(field(&r, "error"), "unlock_not_allowed");
    let r = api
        .post(
            &mut c,
            "/otp/admin/reset-throttling/",
            json!({"ids": [alice, pid]}),
        )
        .await;
    assert_eq!(r.json()["skipped"], json!([pid]));
    let r = api
        .post(
            &mut c,
            "/otp/admin/devices/add/",
            json!({"user": "bob", "kind": "totp"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert!(!field(&r, "secret").is_empty());
    let r = api
        .post(
            &mut c,
            "/otp/admin/devices/add/",
            json!({"user": "bob", "kind": "x"}),
        )
        .await;
    assert_eq!(field(&r, "error"), "bad_request");
    let r = api
        .post(&mut c, &dev("backup-codes/", &codes), json!({}))
        .await;
    assert_eq!(r.json()["codes"].as_array().unwrap().len(), 10);
    not_json(&mut c, &pid, &alice, &codes).await;
    let r = api.post(&mut c, &dev("remove/", &alice), json!({})).await;
    assert_eq!(field(&r, "status"), "ok");
}

/// "Your sessions" (on a store with an index): the list, ending one, ending the others, an
/// administrator ending a user's sessions; and 404 for another user's handle.
/// Trusted browsers on a site with a trust store: trust, list, revoke one, revoke all,
/// the administrator's revocation.
async fn trusted_browsers(api: &mut Api) {
    let t = app_trusted(|_| {});
    let (pid, admin_pid) = (totp(&t, "alice").await, totp(&t, "admin").await);
    let mut c = Client::new(&t);
    let body = json!({"username": "alice", "password": "pw", "otp_token": code(&t, &pid).await, "trust_browser": "1"});
    let r = api.post(&mut c, "/otp/login/", body).await;
    assert_eq!(field(&r, "status"), "verified", "{}", r.body);
    let r = api.get(&mut c, "/otp/devices/trusted/").await;
    let id = r.json()["browsers"][0]["id"].as_i64().unwrap();
    let r = api
        .post(
            &mut c,
            &format!("/otp/devices/trusted/{id}/revoke/"),
            json!({}),
        )
        .await;
    assert_eq!(r.json()["count"], 1);
    let r = api
        .post(
            &mut c,
            &format!("/otp/devices/trusted/{id}/revoke/"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = api
        .post(&mut c, "/otp/devices/trusted/revoke-all/", json!({}))
        .await;
    assert_eq!(r.json()["count"], 0);
    let mut admin = Client::new(&t);
    admin.login_totp(&t, "admin", &admin_pid).await;
    let r = api
        .post(
            &mut admin,
            "/otp/admin/trusted/revoke/",
            json!({"user": "alice"}),
        )
        .await;
    assert_eq!(r.json()["status"], "revoked");
}

async fn your_sessions(api: &mut Api) {
    let t = app_with_index(|_| {}).await;
    let (pid, admin_pid) = (totp(&t, "alice").await, totp(&t, "admin").await);
    let mut clients = Vec::new();
    for _ in 0..3 {
        next_step(&t);
        let mut c = Client::new(&t);
        c.login_totp(&t, "alice", &pid).await;
        clients.push(c);
    }
    let c = &mut clients[0];
    let r = api.get(c, "/otp/devices/sessions/").await;
    let other = r.json()["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == false)
        .unwrap()["handle"]
        .as_str()
        .unwrap()
        .to_owned();
    let end = format!("/otp/devices/sessions/{other}/end/");
    let r = api.post(c, &end, json!({})).await;
    assert_eq!(field(&r, "status"), "ended");
    let r = api.post(c, &end, json!({})).await;
    assert_eq!(field(&r, "error"), "not_found");
    let r = api
        .post(c, "/otp/devices/sessions/end-others/", json!({}))
        .await;
    assert_eq!(r.json()["count"], 1);
    next_step(&t);
    let mut admin = Client::new(&t);
    admin.login_totp(&t, "admin", &admin_pid).await;
    let r = api
        .post(
            &mut admin,
            "/otp/admin/sessions/end/",
            json!({"user": "alice"}),
        )
        .await;
    assert_eq!(r.json()["count"], 1);
    let r = api
        .post(&mut admin, "/otp/admin/sessions/end/", json!({"user": ""}))
        .await;
    assert_eq!(field(&r, "error"), "bad_request");
}

/// The pages the document leaves out (`pages::openapi`'s `NOT_JSON`, the assets aside)
/// answer a JSON client, signed in, verified and fresh, without JSON: they are HTML pages.
async fn not_json(c: &mut Client, own: &str, alice: &str, codes: &str) {
    let pages = [
        "/otp/logout/".to_owned(),
        "/otp/devices/new/backup-codes/".to_owned(),
        "/otp/devices/backup-codes/".to_owned(),
        "/otp/devices/backup-codes/regenerate/".to_owned(),
        format!("/otp/devices/{own}/remove/"),
        "/otp/admin/devices/add/".to_owned(),
        format!("/otp/admin/devices/{alice}/remove/"),
        format!("/otp/admin/devices/{alice}/config/"),
        format!("/otp/admin/devices/{codes}/backup-codes/"),
    ];
    for page in pages {
        let r = c.get_json(&page).await;
        let ct = r.header("content-type").unwrap_or_default();
        assert!(
            r.status == StatusCode::OK || r.status == StatusCode::FOUND,
            "{page}: {} {}",
            r.status,
            r.body
        );
        assert!(!ct.starts_with("application/json"), "{page}: {}", r.body);
    }
}

/// The flows, in JSON: every answer matches the document, and every documented route is
/// reached.
#[tokio::test]
async fn answers_match_the_document() {
    let t = app();
    let mut api = Api::new();
    anonymous(&t, &mut api).await;
    let pid = totp(&t, "alice").await;
    t.engine
        .create_email(&uid("alice"), None, None, true)
        .await
        .unwrap();
    let mut c = sign_in(&t, &mut api, &pid).await;
    enrol(&t, &mut api, &mut c).await;
    devices(&t, &mut api, &mut c, &pid).await;
    admin(&t, &mut api).await;
    your_sessions(&mut api).await;
    trusted_browsers(&mut api).await;
    assert_eq!(api.unreached(), Vec::<(String, String)>::new());
}

/// A site without a mailer refuses email codes with `kind_unavailable` (404), as documented:
/// the email enrolment, the admin's "add an email device" and a code asked for an email
/// device at the code step.
#[tokio::test]
async fn a_site_without_email_answers_as_documented() {
    let t = app_no_mailer();
    let mut api = Api::new();
    let pid = totp(&t, "admin").await;
    let email = t
        .engine
        .create_email(&uid("admin"), None, Some("admin@example.com".into()), true)
        .await
        .unwrap();
    let mut c = Client::new(&t);
    c.login_totp(&t, "admin", &pid).await;
    for r in [
        api.get(&mut c, "/otp/devices/email/new/").await,
        api.post(
            &mut c,
            "/otp/devices/email/new/",
            json!({"email": "a@example.com"}),
        )
        .await,
        api.post(
            &mut c,
            "/otp/admin/devices/add/",
            json!({"kind": "email", "user": "admin", "name": "Mail"}),
        )
        .await,
    ] {
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        assert_eq!(r.json()["error"], "kind_unavailable");
    }
    // The code step: a code sent to the email device is refused before anything is sent.
    let r = api
        .post(
            &mut c,
            "/otp/verify/",
            json!({"otp_device": email.persistent_id(), "otp_challenge": "1"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(r.json()["error"], "kind_unavailable");
}

/// A status the document does not list for a route fails the check.
#[tokio::test]
#[should_panic(expected = "which the document does not list")]
async fn an_undocumented_status_fails() {
    let mut api = Api::new();
    let r = Res {
        status: StatusCode::IM_A_TEAPOT,
        headers: http::HeaderMap::new(),
        body: String::new(),
    };
    api.check("GET", "/otp/session", &r);
}

/// A body that does not match its schema fails the check.
#[tokio::test]
#[should_panic(expected = "GET /otp/session 200")]
async fn a_body_off_its_schema_fails() {
    let mut api = Api::new();
    let mut headers = http::HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
    let r = Res {
        status: StatusCode::OK,
        headers,
        body: json!({"state": "verified", "csrf_token": "t", "extra": 1}).to_string(),
    };
    api.check("GET", "/otp/session", &r);
}
