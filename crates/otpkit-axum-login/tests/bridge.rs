//! The bridge itself: axum-login's tower-sessions 0.14 session as a view over otpkit's one
//! tower-sessions 0.15 session layer. A counting store shows one load and at most one save per
//! request; axum-login's `login` id cycle is one 0.15 `cycle_id` (the old id no longer
//! loads); `logout` is one 0.15 flush; a failing store answers 503.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::body::Body;
use axum::routing::{get, post};
use axum_login::{AuthSession, AuthUser, AuthnBackend};
use http::{Request, StatusCode, header};
use otpkit_axum::TombstoneStore;
use otpkit_axum_login::AxumLoginAuth;
use tower::ServiceExt;
use tower_sessions::{MemoryStore, Session, SessionManagerLayer};

mod common;
use common::{Counting, Counts};

#[derive(Debug, Clone)]
struct User {
    id: String,
    hash: Vec<u8>,
}

impl AuthUser for User {
    type Id = String;
    fn id(&self) -> String {
        self.id.clone()
    }
    fn session_auth_hash(&self) -> &[u8] {
        &self.hash
    }
}

/// Users by name; the credentials are the name alone (the password is not the point here).
#[derive(Debug, Clone)]
struct Backend(Arc<HashMap<String, User>>);

impl Backend {
    fn new() -> Backend {
        let users = ["alice", "bob"].map(|n| {
            let user = User {
                id: n.to_owned(),
                hash: format!("hash of {n}").into_bytes(),
            };
            (n.to_owned(), user)
        });
        Backend(Arc::new(users.into()))
    }
}

impl AuthnBackend for Backend {
    type User = User;
    type Credentials = String;
    type Error = std::convert::Infallible;
    async fn authenticate(&self, name: String) -> Result<Option<User>, Self::Error> {
        Ok(self.0.get(&name).cloned())
    }
    async fn get_user(&self, id: &String) -> Result<Option<User>, Self::Error> {
        Ok(self.0.get(id).cloned())
    }
}

type Auth = AuthSession<Backend>;

async fn login(mut auth: Auth, name: String) -> StatusCode {
    match auth.authenticate(name).await {
        Ok(Some(user)) if auth.login(&user).await.is_ok() => StatusCode::OK,
        _ => StatusCode::UNAUTHORIZED,
    }
}

fn app(counts: &Arc<Counts>) -> Router {
    let store = Counting::new(TombstoneStore::new(MemoryStore::default()), counts);
    let auth = AxumLoginAuth::new(Backend::new());
    Router::new()
        .route(
            "/me",
            get(|auth: Auth| async move { auth.user.map_or("anonymous".to_owned(), |u| u.id) }),
        )
        // The application's own data, in otpkit's (0.15) session.
        .route(
            "/cart",
            post(
                |s: Session| async move { s.insert("cart", "3 apples").await.is_ok().to_string() },
            ),
        )
        .route(
            "/cart",
            get(|s: Session| async move {
                s.get::<String>("cart")
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or_default()
            }),
        )
        .route("/login", post(login))
        .route(
            "/logout",
            post(|mut auth: Auth| async move { auth.logout().await.is_ok().to_string() }),
        )
        // axum-login's logout, then bob's login, in one request.
        .route(
            "/switch",
            post(|mut auth: Auth| async move {
                auth.logout().await.unwrap();
                let bob = auth.authenticate("bob".to_owned()).await.unwrap().unwrap();
                auth.login(&bob).await.unwrap();
            }),
        )
        .layer(auth.layer())
        .layer(SessionManagerLayer::new(store).with_secure(false))
}

/// One request: its status, body and the session cookie it set (`Some("")` when removed).
async fn send(
    app: &Router,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: &str,
) -> (StatusCode, String, Option<String>) {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(id) = cookie {
        req = req.header(header::COOKIE, format!("id={id}"));
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::from(body.to_owned())).unwrap())
        .await
        .unwrap();
    let set = res
        .headers()
        .get(header::SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_owned());
    let set = set.map(|s| {
        let value = s.split(';').next().unwrap().trim_start_matches("id=");
        if s.contains("Max-Age=0") {
            String::new()
        } else {
            value.to_owned()
        }
    });
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, String::from_utf8(bytes.to_vec()).unwrap(), set)
}

#[tokio::test]
async fn login_is_one_load_one_save_and_one_id_cycle() {
    let counts = Arc::new(Counts::default());
    let app = app(&counts);
    // An anonymous session with the application's own data.
    let (_, _, id0) = send(&app, "POST", "/cart", None, "").await;
    let id0 = id0.unwrap();
    assert_eq!(counts.take(), (0, 1, 0));
    // axum-login's login: one load, one save, and the old id deleted once.
    let (status, _, id1) = send(&app, "POST", "/login", Some(&id0), "alice").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        counts.take(),
        (1, 1, 1),
        "loads, saves, deletes of the login"
    );
    let id1 = id1.expect("a new session cookie");
    assert_ne!(id1, id0);
    // The new id has the user and kept the application's data; the old id loads nothing.
    assert_eq!(send(&app, "GET", "/me", Some(&id1), "").await.1, "alice");
    assert_eq!(counts.take(), (1, 0, 0), "a read is one load, no save");
    assert_eq!(
        send(&app, "GET", "/cart", Some(&id1), "").await.1,
        "3 apples"
    );
    assert_eq!(
        send(&app, "GET", "/me", Some(&id0), "").await.1,
        "anonymous"
    );
    assert_eq!(send(&app, "GET", "/cart", Some(&id0), "").await.1, "");
    counts.take();
    // Signing in again as the same user changes nothing: no save, no new id.
    let (_, _, again) = send(&app, "POST", "/login", Some(&id1), "alice").await;
    assert_eq!(again, None);
    assert_eq!(counts.take(), (1, 0, 0));
}

#[tokio::test]
async fn logout_is_one_flush() {
    let counts = Arc::new(Counts::default());
    let app = app(&counts);
    let (_, _, id) = send(&app, "POST", "/login", None, "alice").await;
    let id = id.unwrap();
    send(&app, "POST", "/cart", Some(&id), "").await;
    counts.take();
    let (_, body, cookie) = send(&app, "POST", "/logout", Some(&id), "").await;
    assert_eq!(body, "true");
    assert_eq!(cookie.as_deref(), Some(""), "the cookie is removed");
    assert_eq!(
        counts.take(),
        (1, 0, 1),
        "loads, saves, deletes of the logout"
    );
    assert_eq!(send(&app, "GET", "/me", Some(&id), "").await.1, "anonymous");
    assert_eq!(
        send(&app, "GET", "/cart", Some(&id), "").await.1,
        "",
        "all of it"
    );
}

#[tokio::test]
async fn logout_then_login_in_one_request_keeps_nothing_of_the_first() {
    let counts = Arc::new(Counts::default());
    let app = app(&counts);
    let (_, _, id) = send(&app, "POST", "/login", None, "alice").await;
    let id = id.unwrap();
    send(&app, "POST", "/cart", Some(&id), "").await;
    let (status, _, new) = send(&app, "POST", "/switch", Some(&id), "").await;
    assert_eq!(status, StatusCode::OK);
    let new = new.unwrap();
    assert_ne!(new, id);
    assert_eq!(send(&app, "GET", "/me", Some(&new), "").await.1, "bob");
    assert_eq!(
        send(&app, "GET", "/cart", Some(&new), "").await.1,
        "",
        "flushed"
    );
    assert_eq!(send(&app, "GET", "/me", Some(&id), "").await.1, "anonymous");
}

#[tokio::test]
async fn a_second_user_signing_in_gets_a_new_session_id() {
    let counts = Arc::new(Counts::default());
    let app = app(&counts);
    let (_, _, id) = send(&app, "POST", "/login", None, "alice").await;
    let id = id.unwrap();
    // axum-login cycles only at a session's first login; the adapter also at a new user.
    let (_, _, new) = send(&app, "POST", "/login", Some(&id), "bob").await;
    let new = new.unwrap();
    assert_ne!(new, id);
    assert_eq!(send(&app, "GET", "/me", Some(&new), "").await.1, "bob");
    assert_eq!(send(&app, "GET", "/me", Some(&id), "").await.1, "anonymous");
}

#[tokio::test]
async fn a_failing_store_answers_503_and_signs_nobody_in_or_out() {
    let counts = Arc::new(Counts::default());
    let app = app(&counts);
    let (_, _, id) = send(&app, "POST", "/login", None, "alice").await;
    let id = id.unwrap();
    counts.fail.store(true, Ordering::SeqCst);
    let (status, body, _) = send(&app, "GET", "/me", Some(&id), "").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        !body.contains("anonymous") && !body.contains("alice"),
        "{body}"
    );
    let (status, _, _) = send(&app, "POST", "/logout", Some(&id), "").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    // Back: still signed in.
    counts.fail.store(false, Ordering::SeqCst);
    assert_eq!(send(&app, "GET", "/me", Some(&id), "").await.1, "alice");
}

#[tokio::test]
async fn without_the_session_layer_the_adapter_answers_503() {
    let auth = AxumLoginAuth::new(Backend::new());
    let app = Router::new()
        .route("/me", get(|| async { "unguarded" }))
        .layer(auth.layer());
    let (status, body, _) = send(&app, "GET", "/me", None, "").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("<html lang=\"en\">"), "{body}");
}
