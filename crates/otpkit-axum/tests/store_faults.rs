//! docs/behaviour.md §7.1.1: a session store that fails. When reading the session fails, the
//! OTP layer answers 503 `internal_error` (the message page or JSON) instead of letting the
//! request go on as anonymous; when writing it fails, `SessionFaultLayer` answers the same
//! instead of tower-sessions' bare 500. The cookie is kept, and the site answers again once
//! the store does. A request without a session cookie that changes nothing still costs no
//! store access, and a session is written once.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use async_trait::async_trait;
use common::*;
use http::StatusCode;
use serde_json::json;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions::{MemoryStore, SessionManagerLayer};

const UNAVAILABLE: &str = "Signing in is unavailable right now. Please try again later.";

/// A session store that fails every call while `down`, and counts the calls.
#[derive(Clone, Debug, Default)]
struct Flaky {
    inner: MemoryStore,
    down: Arc<AtomicBool>,
    calls: Arc<AtomicUsize>,
}

impl Flaky {
    fn check(&self) -> session_store::Result<()> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.down.load(Ordering::SeqCst) {
            return Err(session_store::Error::Backend("connection refused".into()));
        }
        Ok(())
    }
}

#[async_trait]
impl SessionStore for Flaky {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        self.check()?;
        self.inner.create(record).await
    }
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.check()?;
        self.inner.save(record).await
    }
    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        self.check()?;
        self.inner.load(id).await
    }
    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.check()?;
        self.inner.delete(id).await
    }
}

/// The test application on a [`Flaky`] session store, with `SessionFaultLayer`.
fn flaky_app() -> (TestApp, Flaky, Client) {
    let t = app();
    let store = Flaky::default();
    let router = t
        .routes
        .clone()
        .layer(SessionManagerLayer::new(store.clone()).with_secure(false))
        .layer(t.kit.session_fault_layer());
    let client = Client::for_router(router);
    (t, store, client)
}

/// The same without `SessionFaultLayer`.
fn flaky_app_without_fault_layer() -> (TestApp, Flaky, Client) {
    let t = app();
    let store = Flaky::default();
    let router = t
        .routes
        .clone()
        .layer(SessionManagerLayer::new(store.clone()).with_secure(false));
    let client = Client::for_router(router);
    (t, store, client)
}

fn assert_page_503(r: &Res) {
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert!(
        r.header("content-type")
            .is_some_and(|t| t.starts_with("text/html")),
        "{:?}",
        r.headers
    );
    assert!(r.body.contains(UNAVAILABLE), "{}", r.body);
    assert!(
        r.body.contains(r#"data-code="internal_error""#),
        "{}",
        r.body
    );
    assert!(r.header("set-cookie").is_none(), "{:?}", r.headers);
    assert_secure_headers(r);
}

fn assert_json_503(r: &Res) {
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    let v = r.json();
    assert_eq!(v["error"], "internal_error", "{v}");
    assert_eq!(v["message"], UNAVAILABLE, "{v}");
    assert!(r.header("set-cookie").is_none(), "{:?}", r.headers);
}

#[tokio::test]
async fn a_session_that_cannot_be_read_is_answered_503_never_anonymous() {
    let (_t, store, mut c) = flaky_app();
    c.set(json!({"otpkit_auth_user": "alice"})).await;
    let cookie = c.cookie.clone().expect("a session");
    assert_eq!(c.get("/state/").await.json()["level"], "authenticated");

    store.down.store(true, Ordering::SeqCst);
    // A handler that reads the state would see an unavailable, unverified state; one that
    // reads nothing would run: neither does, the layer answers first.
    assert_page_503(&c.get("/state/").await);
    assert_page_503(&c.get("/plain/").await);
    assert_page_503(&c.get("/require-otp/").await);
    assert_page_503(&c.get("/otp/login/").await);
    assert_json_503(&c.get_json("/otp/session").await);
    assert_json_503(&c.get_json("/api/balance").await);
    let logout = http::Request::post("/otp/logout/")
        .header(http::header::ACCEPT, "application/json")
        .header(http::header::CONTENT_TYPE, "application/json")
        .header("x-csrf-token", "x")
        .body(axum::body::Body::from("{}"))
        .unwrap();
    assert_json_503(&c.send(logout).await);
    assert_eq!(
        c.cookie.as_deref(),
        Some(cookie.as_str()),
        "the cookie is kept"
    );

    // The store is back: the same session, as it was.
    store.down.store(false, Ordering::SeqCst);
    let s = c.get("/state/").await.json();
    assert_eq!(s["level"], "authenticated");
    assert_eq!(s["unavailable"], false);
}

#[tokio::test]
async fn a_session_that_cannot_be_written_is_answered_503() {
    let (_t, store, mut c) = flaky_app();
    store.down.store(true, Ordering::SeqCst);
    // No cookie: nothing to read. The login page makes a session (its CSRF token), which
    // cannot be written: 503, and no cookie.
    assert_page_503(&c.get("/otp/login/").await);
    assert_json_503(&c.get_json("/otp/session").await);
    assert_eq!(c.cookie, None);
    // Back: the same requests work, and each writes the new session once.
    store.down.store(false, Ordering::SeqCst);
    store.calls.store(0, Ordering::SeqCst);
    assert_eq!(c.get("/otp/login/").await.status, StatusCode::OK);
    assert!(c.cookie.is_some());
    assert_eq!(store.calls.load(Ordering::SeqCst), 1, "one create");
}

#[tokio::test]
async fn without_the_fault_layer_a_failed_write_is_tower_sessions_bare_500() {
    let (_t, store, mut c) = flaky_app_without_fault_layer();
    store.down.store(true, Ordering::SeqCst);
    let r = c.get("/otp/login/").await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(r.body, "");
    assert!(r.header("content-type").is_none(), "{:?}", r.headers);
    // Reading still answers 503 (the OTP layer).
    store.down.store(false, Ordering::SeqCst);
    c.set(json!({"otpkit_auth_user": "alice"})).await;
    store.down.store(true, Ordering::SeqCst);
    assert_page_503(&c.get("/state/").await);
}

#[tokio::test]
async fn a_request_without_a_session_that_changes_nothing_costs_no_store_access() {
    let (_t, store, mut c) = flaky_app();
    store.down.store(true, Ordering::SeqCst);
    let r = c.get("/plain/").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body, "plain");
    assert_eq!(store.calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn the_page_is_in_the_request_language() {
    let (_t, store, mut c) = flaky_app();
    c.set(json!({"otpkit_auth_user": "alice"})).await;
    store.down.store(true, Ordering::SeqCst);
    c.lang = Some("de".into());
    let r = c.get("/state/").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.body.contains(r#"<html lang="de">"#), "{}", r.body);
    assert!(!r.body.contains(UNAVAILABLE), "{}", r.body);
}
