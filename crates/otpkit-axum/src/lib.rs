//! # otpkit-axum
//!
//! The axum/tower web integration of [otpkit]: two-factor login with one-time
//! passwords, the way django-otp and django-two-factor-auth do it for Django.
//!
//! * [`OtpLayer`] — a tower layer (inside `tower_sessions::SessionManagerLayer`) that gives
//!   each request a lazily computed [`OtpState`] (docs/behaviour.md §7.1).
//! * [`Verified`] / `Option<Verified>` extractors and the [`otp_required`] route layer
//!   (docs/behaviour.md §7.2).
//! * [`routes`] — login with a second factor, re-verification, logout, `/session`,
//!   self-service enrolment (TOTP, email, backup codes), device management and an admin
//!   area, each answering HTML or JSON (docs/behaviour.md §7.3–7.8).
//! * [`api`] and [`openapi`] — the JSON answers as types and the OpenAPI document of the
//!   JSON routes, served at `{prefix}/openapi.json` (see "JSON API" below).
//! * [`router`] — the same routes as pieces an application picks (code step, enrolment,
//!   devices, admin, and otpkit's password login only when wanted), and
//!   [`OtpKit::begin_second_factor`] for an application that keeps its own login (see
//!   "Keep your own login" below).
//! * [`CodeStep`] — the code step rendered for the application's own page.
//! * [`Authentication`] — the application's first factor, with the ready-made
//!   [`SessionPasswordAuth`].
//! * [`WebSettings`] — where the pages live and where users go, the freshness and body
//!   limits ([`WebSettings::from_env`] reads `OTPKIT_URL_PREFIX`, `OTPKIT_MAX_BODY_BYTES`, …);
//!   the device policy stays in [`otpkit::Settings`].
//! * [`VerificationHooks`] — called after a code was accepted or rejected, with the engine's
//!   [`otpkit::Rejection`].
//! * [`SecurityMail`] — a ready notifier that emails the user, in their language, when a
//!   sign-in method is added or removed, backup codes are regenerated, or a method or the
//!   account locks (`OTPKIT_SECURITY_EMAILS`).
//! * [`Templates`] — embedded minijinja templates the application can override.
//! * `testing` (cargo feature `testing`) — a test client with cookies and CSRF, and sign in,
//!   verify, enrol an authenticator app (with its codes) and new backup codes in a line each.
//! * [`i18n`] — every sentence from Fluent catalogues in English, German, Spanish, French and
//!   Portuguese, chosen per request; applications replace sentences or add languages.
//!
//! ## A complete small application
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! use otpkit::{Engine, KeyRing, MemoryStore, UserId};
//! use otpkit_axum::{OtpKit, SessionPasswordAuth, Verified, WebSettings, otp_required};
//! use tower_sessions::MemoryStore as Sessions;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // The OTP engine: devices in memory here; otpkit-sqlite or otpkit-sqlx in production.
//!     let engine = Engine::builder(MemoryStore::new(), KeyRing::random("k1")?).build()?;
//!     // The first factor is yours: check the password against your user table.
//!     let auth = SessionPasswordAuth::from_fn(|username, password| {
//!         Box::pin(async move {
//!             Ok((username == "alice" && password == "wonderland")
//!                 .then(|| UserId::new("alice").expect("valid id")))
//!         })
//!     });
//!     // The web settings (OTPKIT_URL_PREFIX, OTPKIT_REAUTH_MAX_AGE, …) from the environment.
//!     let kit = OtpKit::builder(engine, auth)
//!         .web_settings(WebSettings::from_env()?)?
//!         .build();
//!
//!     let app = Router::new()
//!         // Guarded by the extractor…
//!         .route("/", get(|v: Verified| async move { format!("Hello {}!", v.user) }))
//!         // …or by the route layer.
//!         .route("/reports/", get(|| async { "reports" }))
//!         .route_layer(otp_required())
//!         // /otp/login/, /otp/devices/, /otp/admin/, …
//!         .merge(otpkit_axum::routes(kit.clone()))
//!         .layer(kit.layer())
//!         // The session layer on a TombstoneStore (see "Sessions: wrap your store").
//!         .layer(otpkit_axum::session_layer(Sessions::default()).with_secure(false))
//!         // A session store that fails to write: 503, like one that fails to read.
//!         .layer(kit.session_fault_layer());
//!
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//!     axum::serve(listener, app).await?;
//!     Ok(())
//! }
//! ```
//!
//! ## Keep your own login
//!
//! An application that already has users, a password login (with its captcha, SSO or rate
//! limits) and a session adds otpkit as the second factor in four steps:
//!
//! 1. **Implement [`Authentication`] over your session**: who is signed in
//!    (`current_user`), mark the session signed in (`login`, which otpkit calls once the
//!    code is right — not your login handler) and `logout`. `check_credentials` is only for
//!    otpkit's own password login; leave it out (its default refuses everyone).
//! 2. **Mount the pieces you use** from [`router`] instead of [`routes`]:
//!    [`router::code_step`] (`/otp/verify/`, `/otp/logout/`, `/otp/session`, the language
//!    chooser and the assets), usually [`router::enrolment`] and [`router::devices`], never
//!    [`router::password_login`]. `/otp/login/` then answers 404. Set
//!    the `login_url` of [`WebSettings`] (`OTP_LOGIN_URL`) to your login page: anonymous visitors of
//!    a guarded route are sent there. (Should you mount all of [`routes`] anyway,
//!    `/otp/login/` shows a user your application signed in but otpkit has not verified the
//!    code step, never the password step, exactly as `/otp/verify/` does.)
//! 3. **After your password check, call [`OtpKit::begin_second_factor`]** instead of
//!    signing the user in. It rotates the session id and the CSRF token, starts a pending
//!    login and answers a [`SecondStep`]: redirect to [`SecondStep::location`] — the code
//!    step `/otp/verify/?next=…`, or `next` for a user without a device when
//!    `OTPKIT_LOGIN_OTP_OPTIONAL` is on — or, for [`SecondStep::NoDevice`], tell the user
//!    that a second factor is required. An error ([`SecondStepError`]) grants nothing:
//!    answer an inactive user like a wrong password, the storage causes with 503. When the
//!    code is right, otpkit calls your `login`, rotates the session id and the CSRF token
//!    again and sends the browser to `next`.
//! 4. **Guard your routes** with [`otp_required`] or [`Verified`]. A session that owes only
//!    the code (pending, or signed in by your app but not verified) goes straight to
//!    `/otp/verify/?next=…` in one hop; anonymous visitors go to your login. An API route
//!    takes [`otp_required().json()`](OtpRequired::json): it always refuses with 401 JSON
//!    (`login_url` says where the code step is), never a redirect, even for curl's
//!    `Accept: */*`.
//!
//! **The code step in your own page** (like django-otp's `OTPTokenForm`): a handler that
//! extracts [`CodeStep`] gets the code step's forms rendered from the template partial
//! `otpkit/code_step_form.html` (the one otpkit's login and verify pages include), with the
//! session's CSRF token and `next` set to your page. Put [`CodeStep::html`] into your
//! template unescaped (`{{ code_step|safe }}`); the forms post to `/otp/verify/`, which comes
//! back to your page once the code is right (a wrong code shows otpkit's verify page with
//! the error). Send the browser to that page instead of `/otp/verify/` if you like:
//! [`SecondStep::location`] is only a suggestion.
//!
//! A complete small application that does all of this — its own users with argon2
//! password hashes, login page, settings page with a "new backup codes" form, a JSON route
//! behind [`OtpRequired::json`], otpkit added in at most 60 lines (marked and counted), and
//! its tests on the testing kit — is `examples/own-login` in the repository (`cargo run -p
//! otpkit-example-own-login`).
//!
//! Your own forms that post to otpkit (a "new backup codes" button on your settings page,
//! a "sign out" button) carry the session's CSRF token: [`csrf_token`] (or the
//! [`CsrfToken`] extractor) reads it (field
//! `csrf_token`, or the `X-CSRF-Token` header). Read it when rendering the form: it changes
//! whenever the session's authentication level changes.
//!
//! ```no_run
//! use axum::extract::State;
//! use axum::response::{IntoResponse, Redirect, Response};
//! use axum::routing::{get, post};
//! use axum::{Form, Router};
//! use otpkit::{Engine, KeyRing, MemoryStore, UserId};
//! use otpkit_axum::auth::AuthError;
//! use otpkit_axum::{Authentication, OtpKit, SecondStep, WebSettings, otp_required, router};
//! use tower_sessions::{MemoryStore as Sessions, Session};
//!
//! /// The application's session, as otpkit needs it.
//! struct AppAuth;
//!
//! #[otpkit_axum::async_trait]
//! impl Authentication for AppAuth {
//!     async fn current_user(&self, session: &Session) -> Result<Option<UserId>, AuthError> {
//!         let id: Option<String> = session.get("user").await.map_err(AuthError::backend)?;
//!         Ok(id.and_then(|id| UserId::new(id).ok()))
//!     }
//!     async fn login(&self, session: &Session, user: &UserId) -> Result<(), AuthError> {
//!         session.insert("user", user.as_str()).await.map_err(AuthError::backend)
//!     }
//!     async fn logout(&self, session: &Session) -> Result<(), AuthError> {
//!         session.flush().await.map_err(AuthError::backend)
//!     }
//! }
//!
//! #[derive(serde::Deserialize)]
//! struct LoginForm {
//!     username: String,
//!     password: String,
//! }
//!
//! /// The application's own login: its password check, then one call.
//! async fn login(State(kit): State<OtpKit>, session: Session, Form(f): Form<LoginForm>) -> Response {
//!     let user = match check_password(&f.username, &f.password) {
//!         Some(user) => user,
//!         None => return "Wrong username or password.".into_response(),
//!     };
//!     match kit.begin_second_factor(&session, &user, "/dashboard").await {
//!         Ok(SecondStep::NoDevice) => "Set up an authenticator app first.".into_response(),
//!         Ok(step) => Redirect::to(step.location().unwrap_or("/")).into_response(),
//!         Err(_) => http::StatusCode::SERVICE_UNAVAILABLE.into_response(),
//!     }
//! }
//! # fn check_password(_: &str, _: &str) -> Option<UserId> { None }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let engine = Engine::builder(MemoryStore::new(), KeyRing::random("k1")?).build()?;
//!     let web = WebSettings {
//!         login_url: Some("/login".into()),
//!         ..WebSettings::from_env()?
//!     };
//!     let kit = OtpKit::builder(engine, AppAuth).web_settings(web)?.build();
//!     let app = Router::new()
//!         .route("/dashboard", get(|| async { "only with a code" }))
//!         .route_layer(otp_required())
//!         .route("/login", post(login))
//!         .with_state(kit.clone())
//!         .merge(router::code_step(kit.clone()))
//!         .merge(router::enrolment(kit.clone()))
//!         .merge(router::devices(kit.clone()))
//!         .layer(kit.layer())
//!         .layer(otpkit_axum::session_layer(Sessions::default()));
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//!     axum::serve(listener, app).await?;
//!     Ok(())
//! }
//! ```
//!
//! ## Sessions: a store that never brings a deleted session back
//!
//! tower-sessions writes a changed session back by id when a request ends. A request that
//! loaded the session before logout deleted it (or before a login rotated its id) would
//! re-create the deleted session: the logout undone, a pending login usable twice. otpkit's
//! durable stores (otpkit-sqlite's `SqliteSessionStore`, otpkit-sqlx's `PgSessionStore` and
//! `MySqlSessionStore`, otpkit-redis' `RedisSessionStore`: sessions that survive a restart and
//! are shared by several processes) prevent that by themselves
//! ([`otpkit_sessions::ResurrectionSafe`]); [`durable_session_layer`] builds the
//! `SessionManagerLayer` on them with `HttpOnly`, `SameSite=Lax` and `Secure` cookies. Any
//! other store (tower-sessions' `MemoryStore`, a store of your own) goes through
//! [`session_layer`], which wraps it in a [`TombstoneStore`] — and a deleted id never loads
//! again either way (docs/behaviour.md §7.5, REQ-13). See the [`tombstone`] module for the
//! design and the tombstone lifetime.
//!
//! The durable stores also know whose each session is: give the same store to the kit with
//! [`OtpKitBuilder::user_sessions`], so that the kit can list and end a user's sessions.
//!
//! ## Routes (under `OTPKIT_URL_PREFIX`, default `/otp`)
//!
//! [`routes`] mounts all of them; [`router`] has them as pieces.
//!
//! | route | method | what |
//! |---|---|---|
//! | `/login/` | GET, POST | the password step (username, password), then the code step (one method's field, "use another method", Cancel); a POST with password and `otp_token` is still one step |
//! | `/verify/` | GET, POST | the code step on its own: for an authenticated user (freshness), and for a pending login started by [`OtpKit::begin_second_factor`] |
//! | `/logout/` | GET (form), POST | forgets the device and logs out; lands on `next` or on the login page, which says "You have signed out." |
//! | `/session` | GET | `{"state": …, "csrf_token": …}` |
//! | `/openapi.json` | GET | the OpenAPI 3.1 document of the JSON answers (see "JSON API" below) |
//! | `/static/otpkit.css` | GET | the stylesheet of the default templates (its classes are listed at its top) |
//! | `/static/otpkit.js` | GET | the default templates' script: progressive enhancement only (no double submit; copy, print and download buttons), see [`templates::SCRIPT`] |
//! | `/language/` | GET | `?lang=de&next=/x`: keeps the chosen language in the `otpkit_lang` cookie |
//! | `/devices/` | GET | the user's (confirmed) devices |
//! | `/devices/new/` | GET | the guided setup: choose a method |
//! | `/devices/new/backup-codes/` | GET, POST | the setup's backup codes, shown once; POST `saved` confirms they were saved, `regenerate` makes new ones |
//! | `/devices/new/done/` | GET | the setup's last page: what to do if the phone is lost |
//! | `/devices/totp/new/` | GET, POST | TOTP enrolment: start, QR code (issuer: the site's name unless `OTP_TOTP_ISSUER` is set), confirm with the first code, then on to the setup's backup codes or last page |
//! | `/devices/totp/new/qrcode.svg` | GET | the enrolment QR code, for that session only |
//! | `/devices/email/new/` | GET, POST | email enrolment: start, resend, confirm |
//! | `/devices/backup-codes/` | POST, GET | POST: a new batch of backup codes, 303 to the GET, which shows it once (a refresh shows none and makes none); replacing unused codes from the HTML form needs `confirm=yes` |
//! | `/devices/backup-codes/regenerate/` | GET | "Get new backup codes?": the question before unused codes are replaced |
//! | `/devices/{model_label}/{id}/rename/` | POST | rename |
//! | `/devices/{model_label}/{id}/remove/` | GET, POST | GET: "Remove …?"; POST: remove (HTML: with `confirm=yes`, which the GET's form sends) |
//! | `/devices/{model_label}/{id}/unlock/` | POST | unlock from a session verified by another device |
//! | `/devices/sessions/` | GET | JSON: the user's signed-in sessions (`handle`, `description`, times, `current`); HTML: 302 to the list's "Your sessions" section. Only with [`OtpKitBuilder::user_sessions`] (else 404) |
//! | `/devices/sessions/{handle}/end/` | POST | signs out one of the user's other sessions (verified session + CSRF; 404 for another user's or an unknown handle) |
//! | `/devices/sessions/end-others/` | POST | "Sign out all other sessions": JSON `{"status": "ended", "count": n}`, HTML 303 back to the list |
//! | `/admin/` | GET | admin device list (filters `kind`, `confirmed`, `created`, `used`; search `q`) |
//! | `/admin/login/` | GET, POST | the admin login (§7.3 flow) |
//! | `/admin/reset-throttling/` | POST | bulk "Reset throttling" over `ids` (skips the session's verifying device) |
//! | `/admin/sessions/end/` | POST | "Sign out all of this user's sessions" (field `user`; fresh verification, CSRF), with [`OtpKitBuilder::user_sessions`] |
//! | `/admin/devices/add/` | GET, POST | add a device |
//! | `/admin/devices/{model_label}/{id}/` | GET, POST | device page; POST changes its name and configuration |
//! | `/admin/devices/{model_label}/{id}/{confirm,reset-throttling,remove,backup-codes}/` | POST | actions; every admin POST needs a fresh verification, as the `/devices/` actions do; `remove` and `backup-codes` from HTML need `confirm=yes` |
//! | `/admin/devices/{model_label}/{id}/{remove,backup-codes}/` | GET | the question before a deletion or new backup codes |
//! | `/admin/devices/{model_label}/{id}/config/` | GET | QR image and URI (TOTP/HOTP) |
//! | `/admin/devices/{model_label}/{id}/qrcode/` | GET | QR code SVG (TOTP/HOTP) |
//!
//! ## How the pages answer
//!
//! Every page answers HTML or JSON by content negotiation ([`wants_json`]). A refusal has a
//! stable code ([`Code`]) and the same shape everywhere: JSON `{"error", "message", …}` with
//! the code's status, or the HTML message page (a form's refusal is shown once on the form's
//! page instead, see below); an unverified request is sent to the login page (302, or 401
//! `otp_required` in JSON), a sensitive action without a fresh verification to `/verify/`
//! (302, or 403 `reauth_required`); a storage failure is 503 `internal_error` (fail closed).
//!
//! ## JSON API
//!
//! The JSON answers are described by an OpenAPI 3.1 document generated from the handlers
//! ([`utoipa`] annotations): [`openapi`] builds it for a URL prefix and the routes serve it
//! at `GET {prefix}/openapi.json` (in [`router::code_step`], so every mounting has it).
//! A copy for the default prefix `/otp` is checked in as `crates/otpkit-axum/openapi.json`;
//! a test fails when it differs from the generated one (regenerate it with
//! `OTPKIT_BLESS=1 cargo test -p otpkit-axum --all-features --test openapi`). The types of
//! the answers, of the refusal (`{"error", "message", …}`) and of the fields each POST reads
//! are in [`api`], for clients to deserialize. Every POST carries the session's CSRF token
//! (`X-CSRF-Token`, from `GET {prefix}/session`) with the session cookie.
//!
//! ```
//! let doc = otpkit_axum::openapi("/otp");
//! assert!(doc.paths.paths.contains_key("/otp/devices/"));
//! assert!(doc.paths.paths.contains_key("/otp/openapi.json"));
//! ```
//!
//! ## Security notes
//!
//! * Every state-changing request needs the session's CSRF token (`csrf_token` field or
//!   `X-CSRF-Token` header); the token is replaced whenever the authentication level changes,
//!   and `/session` or the JSON answers of the login flow hand out the current one. A
//!   stale HTML form (wrong or missing token: a refresh after logout, a second tab, Back) is
//!   answered `303` to its page, which shows the form again with a fresh token and "This
//!   page expired. Please try again."; JSON gets 403 `csrf_failed`. Either way the refused
//!   request changes nothing.
//! * Every otpkit response carries `Content-Security-Policy: default-src 'self';
//!   frame-ancestors 'none'; form-action 'self'; base-uri 'none'`,
//!   `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`,
//!   `X-Frame-Options: DENY` and `Cache-Control: no-store` (the stylesheet excepted).
//! * Bodies over `OTPKIT_MAX_BODY_BYTES` are refused with 413 before anything is written or
//!   the device store is read (the session of a request with a session cookie is read first,
//!   by [`OtpLayer`], which answers 503 when the session store fails).
//! * HTML forms answer their POST with a redirect (Post/Redirect/Get): success goes where
//!   the user goes next; any other outcome (an error, a code sent, new backup codes) is
//!   answered `303 See Other` to the page that shows it once. JSON clients get the outcome
//!   in the POST's answer. A refresh or Back never sends a form twice.
//! * A code typed without choosing a device (or, in the HTML form, with the pre-selected
//!   one) is tried against every confirmed passive device of the user, in one atomic
//!   decision; failures are recorded only when nothing matched.
//! * The session id changes at password success and again at OTP success; the pending login
//!   holds only user id, expiry and nonce.
//! * Nothing here logs a token, code, secret or otpauth URI.

#![cfg_attr(docsrs, feature(doc_cfg))]

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub mod api;
pub mod auth;
pub mod enforce;
mod enforce_policy;
pub mod error;
pub mod extension;
mod fault;
mod flash;
mod guard;
pub mod i18n;
mod kit;
mod middleware;
mod pages;
pub mod router;
mod second_factor;
pub mod security_mail;
pub mod session;
pub mod settings;
mod step;
mod step_up;
pub mod templates;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
pub mod tombstone;
pub mod trusted;
mod user_agent;
mod web;
mod your_sessions;

/// The attribute that the async traits an application implements need: [`Authentication`],
/// [`CredentialChecker`], [`security_mail::UserContacts`] (and the core's, which
/// `otpkit::async_trait` serves equally). It is re-exported so that an implementation needs
/// no `async-trait` dependency of its own: write `#[otpkit_axum::async_trait]` above the
/// `impl`.
///
/// Why not native `async fn` in traits: otpkit keeps these as trait objects
/// (`Arc<dyn Authentication>` inside [`OtpKit`], chosen at run time), and a trait with a
/// native `async fn` is not dyn-compatible. `#[async_trait]` turns each `async fn` into a
/// method returning `Pin<Box<dyn Future + Send>>` — what rustdoc shows — while an
/// implementation is still written with plain `async fn` (see each trait's example).
pub use async_trait::async_trait;
pub use auth::{Authentication, CredentialChecker, SessionPasswordAuth};
pub use error::{Code, Problem};
pub use extension::VerificationError;
pub use fault::{SessionFaultLayer, SessionFaultService};
pub use guard::{
    GuardService, OtpRejection, OtpRequired, OtpRequiredService, RouteGuard, Verified, otp_required,
};
pub use kit::{NoHooks, OtpKit, OtpKitBuilder, VerificationHooks};
pub use middleware::{Level, OtpLayer, OtpService, OtpState};
pub use pages::openapi::document as openapi;
pub use pages::{CodeStep, routes};
pub use second_factor::{CsrfToken, SecondStep, SecondStepError, csrf_token};
pub use security_mail::SecurityMail;
pub use session::SessionAdapter;
pub use settings::{WebSettings, WebSettingsError};
pub use step_up::{Fresh, StepUp, StepUpRejection, StepUpService, step_up};
pub use templates::Templates;
pub use tombstone::{TombstoneStore, durable_session_layer, session_layer};
pub use web::{CSP, encode_next, is_safe_next, wants_json};
