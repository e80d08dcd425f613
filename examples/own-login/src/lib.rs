//! An ordinary small axum application — its own users, its own password login and session,
//! a home page, a settings page and a JSON route — that adds otpkit as the second factor
//! and keeps its own login (see otpkit-axum's "Keep your own login").
//!
//! * [`users`]: the user table (two seeded users, argon2id password hashes);
//! * [`login`]: the login page and form, sign-out, who is signed in;
//! * [`pages`]: home, settings, `/api/me`;
//! * [`two_factor`]: otpkit — everything that exists only because of it is in that module
//!   or marked `// otpkit` (and `{# otpkit #}` in the templates).

pub mod login;
pub mod pages;
pub mod two_factor;
pub mod users;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use otpkit_axum::{OtpKit, otp_required, router}; // otpkit
use tower_sessions::MemoryStore;

use crate::pages::Templates;
use crate::users::Users;

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The user table.
    pub users: Arc<Users>,
    /// The page templates.
    pub templates: Templates,
    /// otpkit.
    pub kit: OtpKit, // otpkit
}

/// The application: its seeded users, otpkit as the second factor with codes on `clock`
/// (`otpkit::SystemClock`; a test's `ManualClock`).
// otpkit: begin (before otpkit: `pub async fn app()`)
pub async fn app(clock: impl otpkit::Clock) -> anyhow::Result<Router> {
    let kit = two_factor::kit(clock).await?;
    // otpkit: end
    let state = AppState {
        users: Arc::new(Users::seeded()?),
        templates: Templates::load()?,
        kit: kit.clone(), // otpkit
    };
    // The pages: a session that owes the code goes to otpkit's code step, an anonymous one
    // to the login page; a user without a device passes (OTPKIT_LOGIN_OTP_OPTIONAL). The
    // API the same, always answered in JSON (401).
    let guard = otp_required().if_configured(true); // otpkit
    Ok(Router::new()
        .route("/", get(pages::home))
        .route("/settings", get(pages::settings))
        .route_layer(guard.clone()) // otpkit
        .route("/api/me", get(pages::me).route_layer(guard.json())) // otpkit
        .route("/login", get(login::page).post(login::submit))
        .route("/logout", post(login::logout))
        .with_state(state)
        // otpkit's code step (/otp/verify/), enrolment and device list; not its login.
        .merge(router::code_step(kit.clone())) // otpkit
        .merge(router::enrolment(kit.clone())) // otpkit
        .merge(router::devices(kit.clone())) // otpkit
        .layer(kit.layer()) // otpkit
        // Before otpkit: `SessionManagerLayer::new(MemoryStore::default())`. Plain HTTP for
        // the example on 127.0.0.1; behind HTTPS leave out `.with_secure(false)`.
        .layer(otpkit_axum::session_layer(MemoryStore::default()).with_secure(false))) // otpkit
}
