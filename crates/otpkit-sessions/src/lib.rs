//! `otpkit-sessions`: durable [tower-sessions](https://docs.rs/tower-sessions) stores for
//! otpkit, the backend-independent part.
//!
//! The stores themselves live beside otpkit's device stores, behind their cargo feature
//! `sessions`, and keep sessions in the same database in a table of their own:
//!
//! | database | store | crate |
//! |---|---|---|
//! | SQLite | `SqliteSessionStore` (on the device store's connection thread and group commit) | `otpkit-sqlite` |
//! | PostgreSQL | `PgSessionStore` (on a `PgPool`, e.g. the device store's) | `otpkit-sqlx` |
//! | MySQL / MariaDB | `MySqlSessionStore` (on a `MySqlPool`) | `otpkit-sqlx` |
//! | Redis (many nodes) | `RedisSessionStore` (Lua scripts over hashes and sorted sets, the same behaviour; see its crate docs) | `otpkit-redis` |
//!
//! This crate holds what they share:
//!
//! - [`UserSessions`], the index by user: list a user's sessions ([`SessionMeta`]: created,
//!   last seen, expiry, and from the session's data the user agent recorded at sign-in and
//!   the device that verified it), end one, end all (but one);
//! - [`SessionConfig`]: the session key holding the user id (default [`DEFAULT_USER_KEY`],
//!   otpkit-axum's `AUTH_USER_KEY`, taken as configuration so that this crate does not depend
//!   on the web layer), how long tombstones last, the clock;
//! - [`codec`]: how a record becomes columns;
//! - with the feature `conformance`, the suite every store runs ([`conformance`],
//!   [`session_store_conformance_tests!`]).
//!
//! # How the stores behave
//!
//! One table per database, `otpkit_session` ([`codec`] lists its columns), with its own
//! migrations (never touching the device table), an index on `user_id` and one on
//! `expires_at`.
//!
//! - **create** inserts with a fresh id and never reuses one: if the id exists — a live
//!   session or a tombstone — it draws another and tries again.
//! - **save** is one upsert that never writes over a tombstone (`ON CONFLICT … DO UPDATE …
//!   WHERE data IS NOT NULL`, or its MySQL equivalent): a request that loaded a session
//!   before it was deleted cannot bring it back. It sets `last_seen_at`, keeps
//!   `created_at`, and reads the owner from the data again.
//! - **load** ignores tombstones and records whose expiry has passed.
//! - **delete** (logout, `cycle_id`, ending a session) turns the row into a **tombstone**:
//!   the data is dropped (`data = NULL`) and the row stays until the later of now and the
//!   session's expiry, plus [`SessionConfig::tombstone_grace`] (one day), for requests in
//!   flight. Deleting an unknown id leaves a tombstone too.
//! - **delete_expired** ([`ExpiredDeletion`](tower_sessions_core::ExpiredDeletion)) deletes
//!   every row, session or tombstone, whose `expires_at` has passed; run it in the background
//!   with tower-sessions' `continuously_delete_expired(period)`.
//!
//! So these stores are resurrection safe on their own ([`ResurrectionSafe`]), without
//! otpkit-axum's `TombstoneStore`: `otpkit_axum::durable_session_layer` takes them as they
//! are, while `otpkit_axum::session_layer` puts a `TombstoneStore` around any store.
//!
//! "Now" comes from the application's clock ([`SessionConfig::with_clock`]), as does the
//! record's expiry date (tower-sessions computes it), not the database server's.
//!
//! Storage errors fail closed: every database error becomes
//! [`session_store::Error::Backend`](tower_sessions_core::session_store::Error::Backend), so
//! the request fails instead of being treated as anonymous. Session data is never logged and
//! the stores' `Debug` shows no data and no ids.

#![cfg_attr(docsrs, feature(doc_cfg))]

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub mod codec;
mod config;
#[cfg(feature = "conformance")]
#[cfg_attr(docsrs, doc(cfg(feature = "conformance")))]
pub mod conformance;
mod meta;
mod safe;
mod user_sessions;

pub use async_trait::async_trait;
pub use config::{
    DEFAULT_TOMBSTONE_GRACE, DEFAULT_USER_KEY, MAX_TOMBSTONE_GRACE_MILLIS, SessionConfig,
};
pub use meta::{AGENT_KEY, DEVICE_KEY, MAX_AGENT_BYTES, SessionMeta};
pub use safe::ResurrectionSafe;
pub use user_sessions::UserSessions;
