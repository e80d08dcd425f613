//! # otpkit-demo
//!
//! The otpkit demo site: what `cargo run` at the repository root starts. It shows every
//! part of otpkit working together on a real database, the way a newcomer meets the
//! project:
//!
//! * **sign up** with a username and password ([`users`]: argon2id hashes in a `demo_user`
//!   table beside otpkit's own tables, in the same database);
//! * **log in** through otpkit-axum's login flow, with the demo's users as the first factor
//!   ([`users::DemoCredentials`] behind [`otpkit_axum::SessionPasswordAuth`]);
//! * a **home page** saying whether the session is anonymous, authenticated or verified, and
//!   a **protected page** behind [`otpkit_axum::otp_required`];
//! * otpkit-axum's **enrolment** (TOTP with a QR code, email codes, backup codes), **device
//!   management** and **admin area** (for staff users made with `createuser --staff`);
//! * email codes go to SMTP when `OTPKIT_SMTP_URL` is set, and otherwise to a development
//!   **outbox** page and the console ([`mail::DevMailer`]).
//!
//! Devices, counters and throttling state live in otpkit's store (SQLite by default,
//! PostgreSQL or MySQL with `OTPKIT_DATABASE_URL`), the users and the sessions in the same
//! database ([`sessions`]), so a restart forgets nothing: whoever was signed in (and verified)
//! still is. With `OTPKIT_SESSION_URL=redis://…` the sessions are in Redis instead, and
//! several demo processes on one database and one Redis serve one site together. When the
//! session store cannot be reached, every request is answered 503 (otpkit-axum's layer) and
//! no session is lost.
//!
//! The binary (`src/main.rs`) adds two commands: `createuser` and `otp …` (the embedded
//! `otpkit` CLI, with usernames resolved through the demo's user table).

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

pub mod db;
pub mod mail;
pub mod sessions;
pub mod users;
pub mod web;

pub use db::Database;
pub use mail::{DevMailer, Outbox};
pub use sessions::DemoSessions;
pub use users::{DemoCredentials, DemoDirectory, NewUser, User, UserError, UserStore};
pub use web::{App, AppOptions};
