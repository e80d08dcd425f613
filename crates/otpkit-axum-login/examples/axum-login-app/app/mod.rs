//! An axum application whose users sign in with axum-login (a SQLite user table, argon2id
//! password hashes), with otpkit as the second factor, both ways:
//!
//! * **deferred login** (`/login`): the password is checked with the backend, otpkit's code
//!   step follows, and axum-login's `login` happens only after the code;
//! * **gate** (`/gate/login`): axum-login signs the user in at once, and otpkit's guard asks
//!   for the code before `/reports`.
//!
//! `/account` is guarded by axum-login's `login_required!`, `/reports` by otpkit's
//! `otp_required()`.

pub mod pages;
pub mod users;

use std::path::Path;

use axum::Router;
use axum::routing::{get, post};
use axum_login::login_required;
use otpkit::{Clock, Engine, KeyRing};
use otpkit_axum::{OtpKit, WebSettings, otp_required, router};
use otpkit_axum_login::AxumLoginAuth;
use otpkit_sqlite::SqliteStore;
use tower_sessions::{MemoryStore, SessionManagerLayer, SessionStore};

use self::users::Users;

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    /// otpkit.
    pub kit: OtpKit,
}

/// The application on the user table at `db` (in memory for `None`), otpkit's codes on
/// `clock` (`otpkit::SystemClock`; a test's `ManualClock`), sessions in memory. Returns the
/// user table too.
pub async fn app(clock: impl Clock, db: Option<&Path>) -> anyhow::Result<(Router, Users)> {
    // Plain HTTP for the example on 127.0.0.1; behind HTTPS leave out `.with_secure(false)`.
    let sessions = otpkit_axum::session_layer(MemoryStore::default()).with_secure(false);
    app_with_sessions(clock, db, sessions).await
}

/// [`app`] with its session layer (in production on a durable store: otpkit-sqlite's
/// `SqliteSessionStore`, otpkit-sqlx's, otpkit-redis's).
pub async fn app_with_sessions<S: SessionStore + Clone>(
    clock: impl Clock,
    db: Option<&Path>,
    sessions: SessionManagerLayer<S>,
) -> anyhow::Result<(Router, Users)> {
    let users = Users::open(db)?;
    let auth = AxumLoginAuth::new(users.clone());
    // Devices in an in-memory SQLite database, sealed with a random key (both gone with the
    // process: see the README for production).
    let store = SqliteStore::open_and_migrate("sqlite::memory:").await?;
    let engine = Engine::builder(store, KeyRing::random("k1")?)
        .clock(clock)
        .build()?;
    let mut web = WebSettings::from_env()?;
    web.login_url = Some("/login".to_owned());
    let kit = OtpKit::builder(engine, auth.clone())
        .web_settings(web)?
        .build();
    let state = AppState { kit: kit.clone() };
    let app = Router::new()
        // otpkit's guard: the code is needed (users without a device pass, to enrol one).
        .route(
            "/reports",
            get(pages::reports).route_layer(otp_required().if_configured(true)),
        )
        // axum-login's guard: a signed-in axum-login user is needed.
        .route(
            "/account",
            get(pages::account).route_layer(login_required!(Users, login_url = "/login")),
        )
        .route("/", get(pages::home))
        .route("/login", get(pages::login_page).post(pages::deferred_login))
        .route("/gate/login", get(pages::gate_page).post(pages::gate_login))
        .route("/logout", post(pages::logout))
        .with_state(state)
        .merge(router::code_step(kit.clone()))
        .merge(router::enrolment(kit.clone()))
        .merge(router::devices(kit.clone()))
        // axum-login's AuthSession over otpkit's session, in place of its AuthManagerLayer.
        .layer(auth.layer())
        .layer(kit.layer())
        // The one session layer.
        .layer(sessions);
    Ok((app, users))
}
