//! # otpkit-axum-login
//!
//! A second factor for applications that sign users in with
//! [axum-login](https://docs.rs/axum-login): [otpkit](https://docs.rs/otpkit-axum)'s code
//! step, enrolment and device pages, with axum-login's users, backend and guards.
//!
//! * [`AxumLoginAuth`] — otpkit's [`Authentication`](otpkit_axum::Authentication) over
//!   axum-login: the signed-in user is axum-login's, and otpkit's `login` (once the code is
//!   right) is axum-login's own `AuthSession::login`.
//! * [`AxumLoginAuth::layer`] — in place of axum-login's `AuthManagerLayer`: every request
//!   gets axum-login's `AuthSession` (for the `AuthSession` extractor, `login_required!`,
//!   `permission_required!`) over **otpkit's one session layer**.
//! * [`view`] — how axum-login's tower-sessions 0.14 session is a view of otpkit's
//!   tower-sessions 0.15 session.
//!
//! ## Versions
//!
//! | otpkit-axum-login | otpkit, otpkit-axum | axum-login | its tower-sessions | the session layer (otpkit's) |
//! |---|---|---|---|---|
//! | 0.1 | 0.1 | =0.18.0 | 0.14 (a view, no layer of its own) | tower-sessions 0.15 |
//!
//! axum-login 0.18 is built on tower-sessions 0.14, otpkit on 0.15: two crates whose
//! `Session` types differ. This crate does **not** run two session layers (two cookies, two
//! loads and two saves per request): otpkit's 0.15 `SessionManagerLayer`
//! ([`otpkit_axum::session_layer`]) is the only one that talks to the session store, and
//! axum-login gets a 0.14 `Session` whose store reads and writes axum-login's one key of the
//! 0.15 session of the same request ([`view::SessionView`]). axum-login's `login` cycles the
//! session id: that becomes one 0.15 `cycle_id` (the old id no longer loads); its `logout`
//! flushes the view: that becomes one 0.15 `flush` (otpkit's verification ends with it).
//! axum-login is pinned to `=0.18.0` because the view relies on how that version uses its
//! session (one data key, `cycle_id` at the first login, `flush` at logout); a new
//! axum-login comes with a new release of this crate.
//!
//! ## Two ways to integrate
//!
//! **(a) Gate.** axum-login's login stays as it is (`auth_session.login(&user)` after
//! `authenticate`); otpkit learns the user from axum-login and its guard
//! [`otp_required`](otpkit_axum::otp_required) asks for the code before the protected routes
//! (a signed-in, unverified session goes to `/otp/verify/?next=…`). axum-login's own
//! `login_required!` passes after the password alone here: guard the routes that need the
//! second factor with `otp_required()`. A new axum-login sign-in also ends what otpkit kept
//! of an earlier one in the session (verification, pending login, CSRF token).
//!
//! **(b) Deferred login.** The password is checked with the application's `AuthnBackend`
//! (`AuthSession::authenticate`), then
//! [`OtpKit::begin_second_factor`](otpkit_axum::OtpKit::begin_second_factor) starts
//! otpkit's code step instead of axum-login's `login`. otpkit calls axum-login's `login`
//! only when the code is right: until then the session has no axum-login user, so
//! `login_required!` (and everything else of axum-login) refuses it, and so does
//! `otp_required()`.
//!
//! Both need the same wiring:
//!
//! ```
//! use axum::{Router, routing::get};
//! use axum_login::{AuthUser, AuthnBackend, login_required};
//! use otpkit::{Engine, KeyRing, MemoryStore};
//! use otpkit_axum::{OtpKit, WebSettings, otp_required, router};
//! use otpkit_axum_login::AxumLoginAuth;
//!
//! #[derive(Debug, Clone)]
//! struct User {
//!     id: i64,
//!     pw_hash: Vec<u8>,
//! }
//!
//! impl AuthUser for User {
//!     type Id = i64;
//!     fn id(&self) -> i64 {
//!         self.id
//!     }
//!     fn session_auth_hash(&self) -> &[u8] {
//!         &self.pw_hash
//!     }
//! }
//!
//! /// The application's axum-login backend (a user table in real life).
//! #[derive(Debug, Clone)]
//! struct Backend;
//!
//! impl AuthnBackend for Backend {
//!     type User = User;
//!     type Credentials = (String, String);
//!     type Error = std::convert::Infallible;
//!     async fn authenticate(&self, _: (String, String)) -> Result<Option<User>, Self::Error> {
//!         Ok(None)
//!     }
//!     async fn get_user(&self, id: &i64) -> Result<Option<User>, Self::Error> {
//!         Ok(Some(User { id: *id, pw_hash: b"hash".to_vec() }))
//!     }
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let auth = AxumLoginAuth::new(Backend);
//! let engine = Engine::builder(MemoryStore::new(), KeyRing::random("k1")?).build()?;
//! let web = WebSettings { login_url: Some("/login".into()), ..WebSettings::default() };
//! let kit = OtpKit::builder(engine, auth.clone()).web_settings(web)?.build();
//! let app: Router = Router::new()
//!     // The second factor: otpkit's guard (gate and deferred login alike)…
//!     .route("/reports", get(|| async { "reports" }))
//!     .route_layer(otp_required())
//!     // …and axum-login's, which a pending login (deferred) does not pass either.
//!     .route("/account", get(|| async { "account" }))
//!     .route_layer(login_required!(Backend, login_url = "/login"))
//!     .merge(router::code_step(kit.clone()))
//!     .merge(router::enrolment(kit.clone()))
//!     .merge(router::devices(kit.clone()))
//!     // axum-login's AuthSession over otpkit's session (instead of its AuthManagerLayer)…
//!     .layer(auth.layer())
//!     .layer(kit.layer())
//!     // …and the one session layer.
//!     .layer(otpkit_axum::session_layer(tower_sessions::MemoryStore::default()));
//! # let _ = app;
//! # Ok(()) }
//! ```
//!
//! The login handlers of both ways are in the crate's example application
//! (`examples/axum-login-app`, `cargo run -p otpkit-axum-login --example axum-login-app`):
//! users in SQLite with argon2id password hashes, and a test suite that drives both ways
//! over HTTP.
//!
//! ## What the view does not do
//!
//! The tower-sessions 0.14 `Session` in the request's extensions shows only axum-login's
//! key: keep the application's own session data in the 0.15 `tower_sessions::Session`
//! (its extractor works as before). Should a handler change axum-login's key through the
//! request's `AuthSession` *and* call otpkit's `Authentication` in the same request, the
//! last write-back wins (no handler of otpkit does both).

#![cfg_attr(docsrs, feature(doc_cfg))]

mod auth;
mod error;
mod layer;
pub mod view;

pub use auth::{AxumLoginAuth, DATA_KEY, LoginUserId, otpkit_user_id};
pub use error::BridgeError;
pub use layer::{AxumLoginLayer, AxumLoginService};

/// axum-login, as this crate uses it (=0.18.0).
pub use axum_login;
