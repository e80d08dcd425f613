//! The test harness: an application with otpkit's routes, guarded test routes, test-only
//! session helpers, an in-memory device store that can be made to fail, and a cookie-keeping
//! client.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use async_trait::async_trait;
use axum::Router;
use axum::body::Body;
use axum::extract::Query;
use axum::routing::{get, post};
use http::{Request, StatusCode, header};
use otpkit::device::{DeviceId, DeviceRecord, NewDevice};
use otpkit::events::{Event, Notifier, RecordingNotifier};
use otpkit::kind::{Context, DeviceKind, KindError, KindRefusal, Verdict};
use otpkit::mailer::MemoryMailer;
use otpkit::store::{
    Committed, DeviceQuery, DeviceStore, InitState, Mutation, StoreError, UserCommitted,
    UserMutation,
};
use otpkit::{
    Engine, KeyRing, ManualClock, MemoryStore, Rejection, Settings, Timestamp, UserDirectory,
    UserId, UserInfo,
};
use otpkit_axum::security_mail::{Contact, SecurityMail, UserContacts};
use otpkit_axum::testing::{TestClient, TestError, TestResponse};
use otpkit_axum::{
    Fresh, OtpKit, OtpState, SessionPasswordAuth, VerificationHooks, Verified, WebSettings,
    otp_required, step_up,
};
use serde::{Deserialize, Serialize};
use tower_sessions::{MemoryStore as SessionStore, Session};

/// A device store that can fail and counts reads.
#[derive(Clone, Default)]
pub struct TestStore {
    pub inner: MemoryStore,
    pub fail: Arc<AtomicBool>,
    pub reads: Arc<AtomicUsize>,
}

#[derive(Debug, thiserror::Error)]
#[error("the test store is down")]
struct Down;

impl TestStore {
    fn check(&self) -> Result<(), StoreError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        if self.fail.load(Ordering::SeqCst) {
            Err(StoreError::backend(Down))
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl DeviceStore for TestStore {
    async fn insert(&self, new: NewDevice, init: InitState) -> Result<DeviceRecord, StoreError> {
        self.check()?;
        self.inner.insert(new, init).await
    }
    async fn get(&self, id: DeviceId) -> Result<Option<DeviceRecord>, StoreError> {
        self.check()?;
        self.inner.get(id).await
    }
    async fn list_for_user(&self, user: &UserId) -> Result<Vec<DeviceRecord>, StoreError> {
        self.check()?;
        self.inner.list_for_user(user).await
    }
    async fn list(&self, query: &DeviceQuery) -> Result<Vec<DeviceRecord>, StoreError> {
        self.check()?;
        self.inner.list(query).await
    }
    async fn update(
        &self,
        id: DeviceId,
        mutation: Mutation,
    ) -> Result<Option<Committed>, StoreError> {
        self.check()?;
        self.inner.update(id, mutation).await
    }
    async fn update_user(
        &self,
        user: &UserId,
        mutation: UserMutation,
    ) -> Result<UserCommitted, StoreError> {
        self.check()?;
        self.inner.update_user(user, mutation).await
    }
    async fn delete_for_user(&self, user: &UserId) -> Result<u64, StoreError> {
        self.check()?;
        self.inner.delete_for_user(user).await
    }
    async fn get_imported(
        &self,
        label: &str,
        imported_id: DeviceId,
    ) -> Result<Option<DeviceRecord>, StoreError> {
        self.check()?;
        self.inner.get_imported(label, imported_id).await
    }
    async fn import(
        &self,
        user: &UserId,
        devices: Vec<otpkit::store::ImportedDevice>,
    ) -> Result<Vec<DeviceRecord>, StoreError> {
        self.check()?;
        self.inner.import(user, devices).await
    }
}

/// alice, bob: active; admin: staff; carol: inactive; nodev: active.
pub struct Directory;

#[async_trait]
impl UserDirectory for Directory {
    async fn lookup(&self, user: &UserId) -> Option<UserInfo> {
        let (active, staff) = match user.as_str() {
            "alice" | "bob" | "nodev" => (true, false),
            "admin" => (true, true),
            "carol" => (false, false),
            _ => return None,
        };
        Some(UserInfo {
            display_name: Some(format!("{} Example", user.as_str())),
            email: Some(format!("{}@example.com", user.as_str())),
            is_active: active,
            is_staff: staff,
        })
    }

    async fn list_users(&self, after: Option<&UserId>, limit: u32) -> Option<Vec<UserId>> {
        let all = ["admin", "alice", "bob", "carol", "nodev"];
        let after = after.map_or("", UserId::as_str);
        let limit = usize::try_from(limit).unwrap();
        Some(
            all.iter()
                .filter(|u| **u > after)
                .take(limit)
                .map(|u| UserId::new(*u).unwrap())
                .collect(),
        )
    }
}

/// Security-email contacts: `{user}@example.com`; bob reads German (`de-DE`).
pub struct Contacts;

#[async_trait]
impl UserContacts for Contacts {
    async fn contact(&self, user: &UserId) -> Option<Contact> {
        Some(Contact {
            address: format!("{}@example.com", user.as_str()),
            language: (user.as_str() == "bob").then(|| "de-DE".to_owned()),
        })
    }
}

/// The engine's notifier: the recorder and the security emails.
struct Both(RecordingNotifier, SecurityMail);

impl Notifier for Both {
    fn notify(&self, event: &Event) {
        self.0.notify(event);
        self.1.notify(event);
    }
}

/// A third-party kind that refuses verification with its own message (or none).
#[derive(Serialize, Deserialize)]
pub struct RefusingDevice {
    pub message: String,
}

impl DeviceKind for RefusingDevice {
    const MODEL_LABEL: &'static str = "test.refusingdevice";
    const VERBOSE_NAME: &'static str = "Refusing device";
    fn throttle_factor(&self, _: &Settings) -> u32 {
        1
    }
    fn verify_is_allowed(&self, _ctx: &Context<'_>) -> Result<(), KindRefusal> {
        Err(KindRefusal::new(self.message.clone()))
    }
    fn verify(&mut self, _token: &str, _ctx: &mut Context<'_>) -> Result<Verdict, KindError> {
        Ok(Verdict::Invalid)
    }
}

/// Records hook calls.
#[derive(Clone, Default)]
pub struct Hooks {
    pub failed: Arc<std::sync::Mutex<Vec<(String, String, Rejection)>>>,
    pub succeeded: Arc<AtomicUsize>,
}

impl VerificationHooks for Hooks {
    fn verification_failed(&self, user: &UserId, device: &str, reason: Rejection) {
        if let Ok(mut g) = self.failed.lock() {
            g.push((user.to_string(), device.to_owned(), reason));
        }
    }
    fn verification_succeeded(&self, _user: &UserId, _device: &str) {
        self.succeeded.fetch_add(1, Ordering::SeqCst);
    }
}

pub struct TestApp {
    pub app: Router,
    pub engine: Engine,
    pub clock: ManualClock,
    pub store: TestStore,
    pub mailer: MemoryMailer,
    pub notifier: RecordingNotifier,
    pub hooks: Hooks,
    /// The security emails (on the engine's events, with [`Contacts`]).
    pub security: SecurityMail,
    /// Where the security emails go (apart from `mailer`, which counts code emails).
    pub security_mailer: MemoryMailer,
    /// The session store inside `app`'s `TombstoneStore`.
    pub sessions: SessionStore,
    /// `app` without its session layer, for tests that bring their own.
    pub routes: Router,
    /// The durable session store behind `app` whose index the kit has
    /// ([`app_with_index`]); `None`: `app` keeps sessions in `sessions`, without an index.
    pub index: Option<otpkit_sqlite::SqliteSessionStore>,
    /// The kit of `app`.
    pub kit: OtpKit,
    /// The trust store of `app`'s kit ([`app_trusted`]); `None`: no trusted browsers.
    pub trust: Option<otpkit::trust::MemoryTrustStore>,
}

pub const T0: i64 = 1_767_261_600; // 2026-01-01T10:00:00Z

pub fn app() -> TestApp {
    app_with(|_| {})
}

/// The application with the engine's settings changed by `f`.
pub fn app_with(f: impl FnOnce(&mut Settings)) -> TestApp {
    app_with_both(f, |_| {})
}

/// The application with the web settings changed by `f`.
pub fn app_web(f: impl FnOnce(&mut WebSettings)) -> TestApp {
    app_with_both(|_| {}, f)
}

/// The application on a site that cannot send email: the engine has no mailer
/// (`Engine::sends_email` is false; `mailer` then counts nothing).
pub fn app_no_mailer() -> TestApp {
    build(|_| {}, |_| {}, false, false)
}

/// The application with a trust store (trusted browsers, grace periods) and the web
/// settings changed by `f`.
pub fn app_trusted(f: impl FnOnce(&mut WebSettings)) -> TestApp {
    build_with(|_| {}, f, true, false, true)
}

/// The application on otpkit-sqlite's durable session store (in memory, on the test's
/// clock), whose index by user the kit has (`OtpKitBuilder::user_sessions`): "Your
/// sessions" is on. The engine's settings are changed by `f`.
pub async fn app_with_index(f: impl FnOnce(&mut Settings)) -> TestApp {
    let t = build(f, |_| {}, true, true);
    t.index.as_ref().unwrap().migrate().await.unwrap();
    t
}

fn app_with_both(
    engine_settings: impl FnOnce(&mut Settings),
    web_settings: impl FnOnce(&mut WebSettings),
) -> TestApp {
    build(engine_settings, web_settings, true, false)
}

fn build(
    engine_settings: impl FnOnce(&mut Settings),
    web_settings: impl FnOnce(&mut WebSettings),
    with_mailer: bool,
    with_index: bool,
) -> TestApp {
    build_with(
        engine_settings,
        web_settings,
        with_mailer,
        with_index,
        false,
    )
}

fn build_with(
    engine_settings: impl FnOnce(&mut Settings),
    web_settings: impl FnOnce(&mut WebSettings),
    with_mailer: bool,
    with_index: bool,
    with_trust: bool,
) -> TestApp {
    let mut settings = Settings::default();
    engine_settings(&mut settings);
    let mut web = WebSettings::default();
    web_settings(&mut web);
    let clock = ManualClock::new(Timestamp::from_secs(T0));
    let index = with_index.then(|| {
        let devices = otpkit_sqlite::SqliteStore::open(":memory:").unwrap();
        let config = otpkit_sessions::SessionConfig::default().with_clock(Arc::new(clock.clone()));
        otpkit_sqlite::SqliteSessionStore::with_config(devices, config)
    });
    let store = TestStore::default();
    let mailer = MemoryMailer::new();
    let notifier = RecordingNotifier::new();
    let security_mailer = MemoryMailer::new();
    let security = SecurityMail::new(Arc::new(security_mailer.clone()), Contacts)
        .site_name("Example")
        .enabled(web.security_emails);
    let mut builder = Engine::builder(store.clone(), KeyRing::random("k1").unwrap())
        .settings(settings)
        .clock(clock.clone());
    if with_mailer {
        builder = builder.mailer(mailer.clone());
    }
    let engine = builder
        .user_directory(Directory)
        .notifier(Both(notifier.clone(), security.clone()))
        .register::<RefusingDevice>()
        .build()
        .unwrap();
    let auth = SessionPasswordAuth::from_fn(|username, password| {
        Box::pin(async move {
            let ok = matches!(
                (username, password),
                ("alice" | "bob" | "admin" | "carol" | "nodev", "pw")
            );
            Ok(ok.then(|| UserId::new(username).unwrap()))
        })
    });
    let hooks = Hooks::default();
    let mut kit = OtpKit::builder(engine.clone(), auth)
        .web_settings(web)
        .unwrap()
        .hooks(hooks.clone());
    if let Some(index) = &index {
        kit = kit.user_sessions(index.clone());
    }
    let trust = with_trust.then(otpkit::trust::MemoryTrustStore::new);
    if let Some(store) = &trust {
        kit = kit.trust_store(store.clone());
    }
    let kit = kit.build();
    let sessions = SessionStore::default();
    let routes = Router::new()
        .route("/require-otp/", get(|| async { "secret" }))
        .route("/x", get(|| async { "x" }))
        .route_layer(otp_required())
        .merge(
            Router::new()
                .route("/custom/", get(|| async { "custom" }))
                .route_layer(
                    otp_required()
                        .login_url("/custom/?x=1")
                        .redirect_field_name("to"),
                ),
        )
        .merge(
            Router::new()
                .route("/api/balance", get(|| async { axum::Json(42) }))
                .route_layer(otp_required().json()),
        )
        .merge(
            Router::new()
                .route("/if-configured/", get(|| async { "ok" }))
                .route_layer(otp_required().if_configured(true)),
        )
        .merge(
            Router::new()
                .route("/step-up/60/", get(|| async { "stepped up" }))
                .route_layer(step_up().max_age(60)),
        )
        .merge(
            Router::new()
                .route("/step-up/totp/", get(|| async { "totp only" }))
                .route_layer(step_up().kinds(["otp_totp.totpdevice"]).json()),
        )
        .merge(
            Router::new()
                .route("/step-up/refusing/", get(|| async { "refusing only" }))
                .route_layer(step_up().kinds(["test.refusingdevice"])),
        )
        .route(
            "/fresh/",
            get(|f: Fresh| async move { format!("{} {}", f.user, f.device.persistent_id()) }),
        )
        .route(
            "/extract/",
            get(|v: Verified| async move { format!("{} {}", v.user, v.device.persistent_id()) }),
        )
        .route(
            "/maybe/",
            get(|v: Option<Verified>| async move {
                match v {
                    Some(v) => format!("verified {}", v.user),
                    None => "anonymous".to_owned(),
                }
            }),
        )
        .route(
            "/state/",
            get(|s: OtpState| async move {
                axum::Json(serde_json::json!({
                    "level": s.level().as_str(),
                    "user": s.user().map(|u| u.to_string()),
                    "device": s.device().map(|d| d.persistent_id()),
                    "unavailable": s.is_unavailable(),
                }))
            }),
        )
        .route("/plain/", get(|| async { "plain" }))
        .route("/test/set", post(test_set))
        .route("/test/get", get(test_get))
        .merge(otpkit_axum::routes(kit.clone()))
        .layer(kit.layer());
    let app = match &index {
        Some(index) => routes
            .clone()
            .layer(otpkit_axum::session_layer(index.clone()).with_secure(false)),
        None => routes
            .clone()
            .layer(otpkit_axum::session_layer(sessions.clone()).with_secure(false)),
    };
    TestApp {
        app,
        engine,
        clock,
        store,
        mailer,
        notifier,
        hooks,
        security,
        security_mailer,
        sessions,
        routes,
        index,
        kit,
        trust,
    }
}

/// Test-only: writes raw session values (the "application" tampering with the session).
async fn test_set(
    session: Session,
    axum::Json(v): axum::Json<HashMap<String, serde_json::Value>>,
) -> StatusCode {
    for (k, v) in v {
        if v.is_null() {
            session.remove_value(&k).await.unwrap();
        } else {
            session.insert_value(&k, v).await.unwrap();
        }
    }
    StatusCode::NO_CONTENT
}

/// Test-only: reads a raw session value.
async fn test_get(
    session: Session,
    Query(q): Query<HashMap<String, String>>,
) -> axum::Json<serde_json::Value> {
    let key = q.get("key").cloned().unwrap_or_default();
    axum::Json(
        session
            .get_value(&key)
            .await
            .unwrap()
            .unwrap_or(serde_json::Value::Null),
    )
}

/// A response, collected.
pub struct Res {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl From<TestResponse> for Res {
    fn from(r: TestResponse) -> Self {
        Res {
            status: r.status(),
            headers: r.headers().clone(),
            body: r.text().to_owned(),
        }
    }
}

impl Res {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    }
    pub fn location(&self) -> String {
        self.header("location").unwrap_or_default()
    }
}

/// A browser on the testing kit's [`TestClient`] (cookie jar, CSRF): it exposes the session
/// cookie as a field (tests swap ids) and, like a browser, follows the `303 See Other` with
/// which an HTML form answers (Post/Redirect/Get), remembering where it went.
#[derive(Clone)]
pub struct Client {
    kit: TestClient,
    /// The session cookie `id` (None: no session).
    pub cookie: Option<String>,
    /// The `Location` of the last form POST that answered 303 (None if it did not).
    pub see_other: Option<String>,
    /// Sent as `Accept-Language` with every request, when set (e.g. `de`).
    pub lang: Option<String>,
    /// Sent as `User-Agent` with every request, when set.
    pub agent: Option<String>,
    /// The trusted-browser cookie, kept like the session cookie.
    pub trusted: Option<String>,
}

impl Client {
    pub fn new(t: &TestApp) -> Self {
        Client {
            kit: TestClient::new(t.app.clone()).clock(t.clock.clone()),
            cookie: None,
            see_other: None,
            lang: None,
            agent: None,
            trusted: None,
        }
    }

    /// A client of another application (one that mounts otpkit's routes its own way).
    pub fn for_router(app: Router) -> Self {
        Client {
            kit: TestClient::new(app),
            cookie: None,
            see_other: None,
            lang: None,
            agent: None,
            trusted: None,
        }
    }

    /// Runs `f` on the kit with this client's cookie and language, then keeps the cookie.
    async fn with_kit<F>(&mut self, f: F) -> TestResponse
    where
        F: AsyncFnOnce(&mut TestClient) -> Result<TestResponse, TestError>,
    {
        self.kit.set_cookie("id", self.cookie.as_deref());
        self.kit
            .set_cookie("otpkit_trusted_browser", self.trusted.as_deref());
        let mut kit = match &self.lang {
            Some(l) => self
                .kit
                .clone()
                .default_header(header::ACCEPT_LANGUAGE, l.parse().unwrap()),
            None => self.kit.clone(),
        };
        if let Some(a) = &self.agent {
            kit = kit.default_header(header::USER_AGENT, a.parse().unwrap());
        }
        let r = f(&mut kit).await.unwrap();
        self.cookie = kit.cookie("id").map(str::to_owned);
        self.trusted = kit.cookie("otpkit_trusted_browser").map(str::to_owned);
        r
    }

    pub async fn send(&mut self, req: Request<Body>) -> Res {
        Res::from(self.with_kit(async |k| k.request(req).await).await)
    }

    pub async fn get(&mut self, path: &str) -> Res {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    pub async fn get_json(&mut self, path: &str) -> Res {
        Res::from(self.with_kit(async |k| k.get_json(path).await).await)
    }

    /// The session's CSRF token (via `GET /otp/session`).
    pub async fn csrf(&mut self) -> String {
        let r = self.get_json("/otp/session").await;
        r.json()["csrf_token"].as_str().unwrap().to_owned()
    }

    pub async fn state(&mut self) -> String {
        let r = self.get_json("/otp/session").await;
        r.json()["state"].as_str().unwrap().to_owned()
    }

    /// A form POST with the session's CSRF token added; a 303 answer is followed.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Res {
        let r = self.post_unfollowed(path, fields).await;
        self.follow(r).await
    }

    /// A form POST exactly as given; a 303 answer is followed with a GET (as a browser
    /// does), whose answer is returned; `see_other` tells where it went.
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Res {
        let body = serde_urlencoded::to_string(fields).unwrap();
        let r = self
            .send(
                Request::post(path)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(header::CONTENT_LENGTH, body.len())
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        self.follow(r).await
    }

    /// Follows a 303 answer with a GET of its `Location` (recorded in `see_other`).
    pub async fn follow(&mut self, r: Res) -> Res {
        if r.status != StatusCode::SEE_OTHER {
            self.see_other = None;
            return r;
        }
        let to = r.location();
        assert!(to.starts_with('/'), "303 to {to:?}");
        // A browser does not send the fragment (`/otp/devices/#sessions`).
        let page = self.get(to.split('#').next().unwrap_or(&to)).await;
        self.see_other = Some(to);
        page
    }

    /// A form POST with the CSRF token, *not* followed: the raw answer.
    pub async fn post_unfollowed(&mut self, path: &str, fields: &[(&str, &str)]) -> Res {
        Res::from(
            self.with_kit(async |k| k.post_form(path, fields).await)
                .await,
        )
    }

    /// A JSON POST with the CSRF token in `X-CSRF-Token`.
    pub async fn post_json(&mut self, path: &str, body: serde_json::Value) -> Res {
        Res::from(
            self.with_kit(async |k| k.post_json(path, &body).await)
                .await,
        )
    }

    /// Test-only raw session writes.
    pub async fn set(&mut self, values: serde_json::Value) {
        let r = self
            .send(
                Request::post("/test/set")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(values.to_string()))
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
    }

    pub async fn session_value(&mut self, key: &str) -> serde_json::Value {
        self.get(&format!("/test/get?key={key}")).await.json()
    }

    /// Logs in with password + current TOTP code of `pid` in one request.
    pub async fn login_totp(&mut self, t: &TestApp, user: &str, pid: &str) -> Res {
        let code = t.engine.current_totp(pid).await.unwrap();
        let r = self
            .post(
                "/otp/login/",
                &[
                    ("username", user),
                    ("password", "pw"),
                    ("otp_token", code.expose()),
                    ("otp_device", pid),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FOUND, "login failed: {}", r.body);
        r
    }

    /// Logs in with the password only (the user must have no device).
    pub async fn login_password(&mut self, user: &str) -> Res {
        self.post("/otp/login/", &[("username", user), ("password", "pw")])
            .await
    }
}

pub fn uid(s: &str) -> UserId {
    UserId::new(s).unwrap()
}

/// A confirmed TOTP device of `user`; returns its persistent id.
///
/// Its key is fixed by the user and how many devices they already have, so every run of a
/// test sees the same codes: a literal wrong token such as "000000" cannot match by chance
/// (one run in ≈ 300 000 per attempt with a random key and a window of 3), while two devices
/// still have different keys.
pub async fn totp(t: &TestApp, user: &str) -> String {
    let n = t
        .engine
        .devices_for_user(Some(&uid(user)), None)
        .await
        .unwrap()
        .len();
    let mut key = format!("otpkit-test-key:{user}:{n}").into_bytes();
    if key.len() < 20 {
        key.resize(20, b'.');
    }
    t.engine
        .create_totp(
            &uid(user),
            otpkit::engine::TotpOptions {
                key: Some(otpkit::SecretBytes::new(key)),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .persistent_id()
}

/// Advances the clock by one TOTP step (so the next code is fresh).
pub fn next_step(t: &TestApp) {
    t.clock.advance_secs(30);
}

/// Asserts the docs/behaviour.md §7.5 headers.
pub fn assert_secure_headers(r: &Res) {
    assert_eq!(
        r.header("content-security-policy").as_deref(),
        Some("default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
    );
    assert_eq!(
        r.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(r.header("x-frame-options").as_deref(), Some("DENY"));
    assert!(r.header("referrer-policy").is_some());
}

/// Asserts no inline style, script or event handler.
pub fn assert_no_inline(r: &Res) {
    let b = r.body.to_lowercase();
    assert!(!b.contains("style="), "style= in {}", r.body);
    assert!(!b.contains("<style"), "<style in {}", r.body);
    // Scripts only from a file: `<script src=…></script>`, nothing between the tags.
    for (i, _) in b.match_indices("<script") {
        let tag_end = b[i..].find('>').map_or(b.len(), |e| i + e + 1);
        assert!(
            b[i..tag_end].contains(" src="),
            "inline <script in {}",
            r.body
        );
        assert!(
            b[tag_end..].starts_with("</script>"),
            "inline script in {}",
            r.body
        );
    }
    for h in [
        "onclick", "onload", "onsubmit", "onerror", "onchange", "oninput", "onfocus",
    ] {
        assert!(!b.contains(&format!(" {h}=")), "{h} in {}", r.body);
    }
    assert!(!b.contains("javascript:"), "javascript: in {}", r.body);
}

/// HTML-escaped as minijinja writes it.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('/', "&#x2f;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
}

/// The methods the guided setup's JSON answer (`GET /otp/devices/new/`) offers, in order.
pub fn setup_methods(r: &Res) -> Vec<String> {
    r.json()["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["method"].as_str().unwrap().to_owned())
        .collect()
}
