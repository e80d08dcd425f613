//! A testing kit for applications that use otpkit (cargo feature `testing`, off by default).
//!
//! [`TestClient`] drives any [`axum::Router`] in process — each request is one tower
//! `oneshot` call, no network, no server — the way a browser or a JSON client would: it keeps
//! every cookie the application sets (a `Max-Age=0` or an empty value removes one), sends the
//! session's CSRF token with every `POST` (read from `{prefix}/session`), and follows
//! redirects if asked to. On top of that, the steps of a two-factor test in a line each:
//!
//! | helper | what it does |
//! |---|---|
//! | [`TestClient::sign_in`] | otpkit's password login (`POST {prefix}/login/`) |
//! | [`TestClient::sign_in_at`] | the application's own login form (a form `POST` to its path), for an application that keeps its own login |
//! | [`TestClient::verify`] | the code step (`{prefix}/verify/`): completes a pending login — started by otpkit's password login or by [`OtpKit::begin_second_factor`](crate::OtpKit::begin_second_factor) — or verifies a signed-in session again |
//! | [`TestClient::enrol_totp`] | enrols an authenticator app and confirms it with its first code; returns an [`Authenticator`] |
//! | [`Authenticator::current_code`], [`Authenticator::next_code`] | the codes an authenticator app would show, computed with otpkit's own OATH code from the key in the otpauth URI shown at enrolment |
//! | [`TestClient::new_backup_codes`] | a new batch of backup codes |
//!
//! Enable it for your tests only:
//!
//! ```toml
//! [dev-dependencies]
//! otpkit-axum = { version = "0.1", features = ["testing"] }
//! ```
//!
//! A complete test: sign in, enrol, sign out, and sign in again with the second factor.
//!
//! ```
//! use axum::{Router, routing::get};
//! use otpkit::{Engine, KeyRing, ManualClock, MemoryStore, Timestamp, UserId};
//! use otpkit_axum::testing::TestClient;
//! use otpkit_axum::{OtpKit, SessionPasswordAuth, Verified, WebSettings, otp_required};
//! use tower_sessions::MemoryStore as Sessions;
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! // The application under test: one guarded page and otpkit's routes.
//! let clock = ManualClock::new(Timestamp::from_secs(1_767_261_600));
//! let engine = Engine::builder(MemoryStore::new(), KeyRing::random("k1")?)
//!     .clock(clock.clone())
//!     .build()?;
//! let auth = SessionPasswordAuth::from_fn(|username, password| {
//!     Box::pin(async move {
//!         Ok((username == "alice" && password == "wonderland").then(|| UserId::new("alice").unwrap()))
//!     })
//! });
//! let mut web = WebSettings::default();
//! web.login_otp_optional = true; // alice has no device yet
//! let kit = OtpKit::builder(engine, auth).web_settings(web)?.build();
//! let app = Router::new()
//!     .route("/", get(|v: Verified| async move { format!("Hello {}!", v.user) }))
//!     .route_layer(otp_required())
//!     .merge(otpkit_axum::routes(kit.clone()))
//!     .layer(kit.layer())
//!     .layer(otpkit_axum::session_layer(Sessions::default()).with_secure(false));
//!
//! // The test.
//! let mut client = TestClient::new(app.clone()).clock(clock.clone());
//! client.sign_in("alice", "wonderland").await?;
//! let phone = client.enrol_totp("Phone").await?;
//! let codes = client.new_backup_codes().await?;
//! assert_eq!(codes.len(), 10);
//! assert_eq!(client.get("/").await?.text(), "Hello alice!");
//!
//! // A new browser: the password alone is not enough any more.
//! let mut client = TestClient::new(app).clock(clock.clone());
//! client.sign_in("alice", "wonderland").await?;
//! assert_eq!(client.get("/").await?.status(), http::StatusCode::FOUND);
//! clock.advance_secs(30); // a code is accepted once: wait for the next one
//! client.verify(&phone.current_code()).await?;
//! assert_eq!(client.get("/").await?.text(), "Hello alice!");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use otpkit::oath::{Digits, OathKey, totp_at, totp_step};
use otpkit::otpauth::{OtpAuthKind, UriError};
use otpkit::{Clock, SystemClock};
use serde_json::Value;
use tower::ServiceExt;

/// The most redirects [`TestClient::follow_redirects`] follows for one request.
pub const MAX_REDIRECTS: usize = 10;

/// Why a [`TestClient`] step failed. Its text says what was asked and what came back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestError {
    /// The request could not be built (a path or header that is not valid HTTP).
    #[error("invalid request: {0}")]
    Request(#[from] http::Error),
    /// The form fields could not be encoded.
    #[error("the form could not be encoded: {0}")]
    Form(#[from] serde_urlencoded::ser::Error),
    /// The application's answer could not be read.
    #[error("the response body could not be read: {0}")]
    Body(#[source] axum::Error),
    /// A helper's request was refused: its status and body.
    #[error("{what} answered {status}: {body}")]
    Refused {
        /// The step, e.g. `POST /otp/login/`.
        what: String,
        /// The answer's status.
        status: StatusCode,
        /// The answer's body.
        body: String,
    },
    /// An answer that should be JSON (or have a field) is not (or has not).
    #[error("{what}: expected JSON with {field:?}, got: {body}")]
    Json {
        /// The step.
        what: String,
        /// The field looked for.
        field: &'static str,
        /// The answer's body.
        body: String,
    },
    /// The otpauth URI shown at enrolment does not parse, or is not TOTP.
    #[error("the enrolment's otpauth URI: {0}")]
    Uri(#[from] UriError),
    /// The enrolment showed a HOTP URI where TOTP was expected.
    #[error("the enrolment's otpauth URI is not TOTP")]
    NotTotp,
    /// A redirect went outside the application or did not end.
    #[error("redirect from {from}: {why}")]
    Redirect {
        /// The path that answered with the redirect.
        from: String,
        /// What was wrong.
        why: &'static str,
    },
}

/// A collected response.
#[derive(Debug, Clone)]
pub struct TestResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl TestResponse {
    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// A header's value as text, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Location` header, if any.
    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }

    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> &str {
        &self.body
    }

    /// The body as JSON, or `Value::Null` when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// The CSRF token of the first form on an HTML page (`name="csrf_token" value="…"`).
    pub fn csrf_token(&self) -> Option<&str> {
        let at = self.body.find("name=\"csrf_token\"")?;
        let rest = &self.body[at..];
        let value = rest.split('>').next()?.split("value=\"").nth(1)?;
        value.split('"').next()
    }

    fn json_field(&self, what: &str, field: &'static str) -> Result<Value, TestError> {
        match self.json().get(field) {
            Some(v) if !v.is_null() => Ok(v.clone()),
            _ => Err(TestError::Json {
                what: what.to_owned(),
                field,
                body: self.body.clone(),
            }),
        }
    }
}

/// A browser for tests: cookies, CSRF, redirects, and otpkit's steps in a line each. See
/// the [module docs](self) for a complete example.
#[derive(Clone)]
pub struct TestClient {
    app: Router,
    prefix: String,
    cookies: BTreeMap<String, String>,
    follow: bool,
    clock: Arc<dyn Clock>,
    default_headers: HeaderMap,
}

impl fmt::Debug for TestClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Cookie values are session ids: not shown.
        f.debug_struct("TestClient")
            .field("prefix", &self.prefix)
            .field("cookies", &self.cookies.keys().collect::<Vec<_>>())
            .field("follow_redirects", &self.follow)
            .finish_non_exhaustive()
    }
}

impl TestClient {
    /// A client of `app` (with its session layer), otpkit under `/otp`, no cookies,
    /// redirects not followed, codes computed with the system clock.
    pub fn new(app: Router) -> Self {
        TestClient {
            app,
            prefix: "/otp".to_owned(),
            cookies: BTreeMap::new(),
            follow: false,
            clock: Arc::new(SystemClock),
            default_headers: HeaderMap::new(),
        }
    }

    /// otpkit's routes live under `prefix` (`OTPKIT_URL_PREFIX`), e.g. `/account/2fa`.
    pub fn prefix(mut self, prefix: &str) -> Self {
        self.prefix = prefix.trim_end_matches('/').to_owned();
        self
    }

    /// Computes codes, and judges cookie expiry, with `clock` (give it the engine's
    /// `ManualClock`).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Follows redirects (to paths in the application, at most [`MAX_REDIRECTS`]) with a
    /// `GET`, as a browser does after a 301, 302 or 303 (a 307 or 308 is followed with a
    /// `GET` too); off by default, so that a test sees the 302 or 303 itself.
    pub fn follow_redirects(mut self, follow: bool) -> Self {
        self.follow = follow;
        self
    }

    /// Sends `name: value` with every request (e.g. `accept-language: de`).
    pub fn default_header(mut self, name: header::HeaderName, value: HeaderValue) -> Self {
        self.default_headers.insert(name, value);
        self
    }

    /// The value of a cookie in the jar.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    /// Puts a cookie in the jar (`Some`) or takes it out (`None`): a test of an old or a
    /// stolen session id.
    pub fn set_cookie(&mut self, name: &str, value: Option<&str>) {
        match value {
            Some(v) => self.cookies.insert(name.to_owned(), v.to_owned()),
            None => self.cookies.remove(name),
        };
    }

    /// Sends `req` with the jar's cookies and the default headers; keeps the cookies of the
    /// answer; follows redirects if asked to.
    pub async fn request(&mut self, req: Request<Body>) -> Result<TestResponse, TestError> {
        let mut from = req.uri().to_string();
        let mut res = self.send_once(req).await?;
        if !self.follow {
            return Ok(res);
        }
        for _ in 0..MAX_REDIRECTS {
            if !res.status.is_redirection() {
                return Ok(res);
            }
            let Some(to) = res.location().map(str::to_owned) else {
                return Ok(res);
            };
            if !to.starts_with('/') || to.starts_with("//") {
                return Err(TestError::Redirect {
                    from,
                    why: "to another site",
                });
            }
            res = self
                .send_once(Request::get(&to).body(Body::empty())?)
                .await?;
            from = to;
        }
        Err(TestError::Redirect {
            from,
            why: "too many redirects",
        })
    }

    async fn send_once(&mut self, mut req: Request<Body>) -> Result<TestResponse, TestError> {
        for (name, value) in &self.default_headers {
            if !req.headers().contains_key(name) {
                req.headers_mut().insert(name, value.clone());
            }
        }
        if !self.cookies.is_empty() {
            let jar = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            req.headers_mut().insert(
                header::COOKIE,
                HeaderValue::try_from(jar).map_err(http::Error::from)?,
            );
        }
        let resp = match self.app.clone().oneshot(req).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
        for set in resp.headers().get_all(header::SET_COOKIE) {
            self.keep(set);
        }
        let (parts, body) = resp.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .map_err(TestError::Body)?;
        Ok(TestResponse {
            status: parts.status,
            headers: parts.headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        })
    }

    /// Applies one `Set-Cookie`: an empty value, `Max-Age=0` (or less) or an `Expires` in
    /// the past (of the client's clock) removes the cookie.
    fn keep(&mut self, set: &HeaderValue) {
        let Some(c) = set
            .to_str()
            .ok()
            .and_then(|s| cookie::Cookie::parse(s.to_owned()).ok())
        else {
            return;
        };
        let expired = c.max_age().is_some_and(|a| a.is_zero() || a.is_negative())
            || c.expires_datetime()
                .is_some_and(|t| t.unix_timestamp() <= self.clock.now().as_secs());
        if c.value().is_empty() || expired {
            self.cookies.remove(c.name());
        } else {
            self.cookies
                .insert(c.name().to_owned(), c.value().to_owned());
        }
    }

    /// `GET path`.
    pub async fn get(&mut self, path: &str) -> Result<TestResponse, TestError> {
        self.request(Request::get(path).body(Body::empty())?).await
    }

    /// `GET path` with `Accept: application/json`.
    pub async fn get_json(&mut self, path: &str) -> Result<TestResponse, TestError> {
        let req = Request::get(path)
            .header(header::ACCEPT, "application/json")
            .body(Body::empty())?;
        self.request(req).await
    }

    /// The session's CSRF token, from `GET {prefix}/session`.
    pub async fn csrf_token(&mut self) -> Result<String, TestError> {
        let what = format!("GET {}/session", self.prefix);
        let r = self.get_json(&format!("{}/session", self.prefix)).await?;
        match r.json_field(&what, "csrf_token")? {
            Value::String(t) => Ok(t),
            _ => Err(TestError::Json {
                what,
                field: "csrf_token",
                body: r.body,
            }),
        }
    }

    /// The session's level: `anonymous`, `pending`, `authenticated` or `verified`.
    pub async fn state(&mut self) -> Result<String, TestError> {
        let what = format!("GET {}/session", self.prefix);
        let r = self.get_json(&format!("{}/session", self.prefix)).await?;
        Ok(r.json_field(&what, "state")?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    /// A form `POST` (`application/x-www-form-urlencoded`) with the session's CSRF token
    /// added as `csrf_token`.
    pub async fn post_form(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Result<TestResponse, TestError> {
        let token = self.csrf_token().await?;
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        let body = serde_urlencoded::to_string(&all)?;
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))?;
        self.request(req).await
    }

    /// A JSON `POST` (`Accept: application/json`) with the session's CSRF token in
    /// `X-CSRF-Token`.
    pub async fn post_json(&mut self, path: &str, body: &Value) -> Result<TestResponse, TestError> {
        let token = self.csrf_token().await?;
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json")
            .header("x-csrf-token", token)
            .body(Body::from(body.to_string()))?;
        self.request(req).await
    }

    /// A JSON `POST` to `{prefix}{route}` that must succeed (2xx).
    async fn step(&mut self, route: &str, body: Value) -> Result<TestResponse, TestError> {
        let path = format!("{}{route}", self.prefix);
        let r = self.post_json(&path, &body).await?;
        if r.status.is_success() {
            Ok(r)
        } else {
            Err(TestError::Refused {
                what: format!("POST {path}"),
                status: r.status,
                body: r.body,
            })
        }
    }

    /// otpkit's password login: `POST {prefix}/login/` with `username` and `password`.
    /// A user with devices is then at the code step — the answer is 400 `token_required`
    /// with the user's `devices`; continue with [`verify`](Self::verify) — and a user without
    /// one is signed in (`{"status": "authenticated"}`, when `OTPKIT_LOGIN_OTP_OPTIONAL`).
    /// An error for a refusal (`invalid_login`, …).
    pub async fn sign_in(&mut self, user: &str, password: &str) -> Result<TestResponse, TestError> {
        let path = format!("{}/login/", self.prefix);
        let body = serde_json::json!({"username": user, "password": password});
        let r = self.post_json(&path, &body).await?;
        let code_step = r.json().get("error").and_then(Value::as_str) == Some("token_required");
        if r.status.is_success() || code_step {
            Ok(r)
        } else {
            Err(TestError::Refused {
                what: format!("POST {path}"),
                status: r.status,
                body: r.body,
            })
        }
    }

    /// The code step with `code` (an authentication code, a backup code, an email code) at
    /// `{prefix}/verify/`: completes a pending login — started by otpkit's password login or
    /// by the application's own (see [`sign_in_at`](Self::sign_in_at)) — or verifies a
    /// signed-in session again. It needs only [`router::code_step`](crate::router::code_step),
    /// not otpkit's password login. An error if the code is refused.
    pub async fn verify(&mut self, code: &str) -> Result<TestResponse, TestError> {
        self.step("/verify/", serde_json::json!({"otp_token": code}))
            .await
    }

    /// The application's own login form, for an application that keeps its own login: a
    /// form `POST` of `fields` (e.g. `username` and `password`) to `path`, with the session's
    /// CSRF token added as `csrf_token` (a form that does not know it ignores it). A login
    /// form answers a successful `POST` with a redirect: that answer (3xx, not followed) —
    /// after [`OtpKit::begin_second_factor`](crate::OtpKit::begin_second_factor) usually to
    /// the code step, `{prefix}/verify/?next=…`; continue with [`verify`](Self::verify). An
    /// error for any other answer (a wrong password).
    ///
    /// ```no_run
    /// # async fn t(mut client: otpkit_axum::testing::TestClient) -> Result<(), otpkit_axum::testing::TestError> {
    /// let r = client
    ///     .sign_in_at("/login", &[("username", "alice"), ("password", "wonderland")])
    ///     .await?;
    /// assert_eq!(r.location(), Some("/otp/verify/?next=/"));
    /// client.verify("123456").await?;
    /// # Ok(()) }
    /// ```
    pub async fn sign_in_at(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Result<TestResponse, TestError> {
        let follow = std::mem::replace(&mut self.follow, false);
        let r = self.post_form(path, fields).await;
        self.follow = follow;
        let r = r?;
        if r.status.is_redirection() {
            Ok(r)
        } else {
            Err(TestError::Refused {
                what: format!("POST {path}"),
                status: r.status,
                body: r.body,
            })
        }
    }

    /// Enrols an authenticator app named `name` (`{prefix}/devices/totp/new/`) and confirms
    /// it with its first code. The session must be signed in (and freshly verified if the
    /// user has devices).
    pub async fn enrol_totp(&mut self, name: &str) -> Result<Authenticator, TestError> {
        let route = "/devices/totp/new/";
        let what = format!("POST {}{route}", self.prefix);
        let started = self.step(route, serde_json::json!({"name": name})).await?;
        let uri = started.json_field(&what, "uri")?;
        let device = started.json_field(&what, "device")?;
        let config = otpkit::otpauth::parse(uri.as_str().unwrap_or_default())?;
        let OtpAuthKind::Totp { period } = config.kind else {
            return Err(TestError::NotTotp);
        };
        let authenticator = Authenticator {
            device: device.as_str().unwrap_or_default().to_owned(),
            key: OathKey::new(config.algorithm, config.secret.expose()),
            digits: config.digits,
            period,
            clock: Arc::clone(&self.clock),
        };
        let code = authenticator.current_code();
        self.step(route, serde_json::json!({"otp_token": code}))
            .await?;
        Ok(authenticator)
    }

    /// A new batch of backup codes (`{prefix}/devices/backup-codes/`), replacing the old
    /// ones. The session must be freshly verified (or signed in without devices).
    pub async fn new_backup_codes(&mut self) -> Result<Vec<String>, TestError> {
        let route = "/devices/backup-codes/";
        let what = format!("POST {}{route}", self.prefix);
        let r = self.step(route, serde_json::json!({})).await?;
        let codes = r.json_field(&what, "codes")?;
        Ok(codes
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }
}

/// An authenticator app holding the key shown at enrolment: the codes it would show now.
#[derive(Clone)]
pub struct Authenticator {
    device: String,
    key: OathKey,
    digits: Digits,
    period: u32,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("device", &self.device)
            .field("digits", &self.digits)
            .field("period", &self.period)
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// The device's persistent id, e.g. `otp_totp.totpdevice/7`.
    pub fn device(&self) -> &str {
        &self.device
    }

    /// The code for the clock's current time step.
    pub fn current_code(&self) -> String {
        self.code_at_offset(0)
    }

    /// The code of the next time step (accepted within the default tolerance).
    pub fn next_code(&self) -> String {
        self.code_at_offset(1)
    }

    fn code_at_offset(&self, offset: i16) -> String {
        let step = totp_step(self.clock.now().as_secs(), 0, self.period, offset).max(0);
        totp_at(&self.key, step, self.digits)
            .map(|c| c.expose().to_owned())
            .unwrap_or_default()
    }
}
