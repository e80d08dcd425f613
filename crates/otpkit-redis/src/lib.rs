//! `otpkit-redis`: a [tower-sessions](https://docs.rs/tower-sessions) session store on Redis
//! for otpkit applications on many nodes, [`RedisSessionStore`], with the same behaviour as
//! the SQL stores of `otpkit-sqlite` and `otpkit-sqlx` (see
//! [otpkit-sessions, "How the stores behave"](otpkit_sessions#how-the-stores-behave)),
//! including the user index ([`UserSessions`](otpkit_sessions::UserSessions)).
//!
//! # Client
//!
//! [redis-rs](https://docs.rs/redis) 1.x on tokio, through its
//! [`ConnectionManager`](redis::aio::ConnectionManager): one multiplexed connection shared by
//! every clone of the store, re-established after a failure, with short timeouts and few
//! retries ([`RedisSessionStore::connection_config`]) so that a Redis that stops answering or
//! is down fails requests within about a second instead of hanging them (otpkit-axum's
//! layer answers them 503).
//! Every write is one Lua script ([`redis::Script`]: `EVALSHA`, and `EVAL` once after a
//! `NOSCRIPT`), so it is atomic on the server. tower-sessions' own Redis store
//! (`tower-sessions-redis-store`, on fred) was not reused: its release is built on
//! `tower-sessions-core` 0.14 (otpkit is on 0.15), and it has neither tombstones nor a user
//! index.
//!
//! # Keys
//!
//! Every key starts with a prefix ([`DEFAULT_PREFIX`], or
//! [`RedisSessionStore::with_prefix`]):
//!
//! | key | type | what |
//! |---|---|---|
//! | `{prefix}session:{id}` | hash | `d`: the encoded record (session data and exact expiry, as [`otpkit_sessions::codec`] writes it); `u`: the owner; `c`, `s`: created, last seen; `e`: the expiry (all times in milliseconds since the Unix epoch) |
//! | `{prefix}session:{id}` (tombstone) | hash | `t` = `1` and `e`: the tombstone's end |
//! | `{prefix}user:{user}` | sorted set | the user's session ids, scored by their expiry |
//! | `{prefix}expiry` | sorted set | every session and tombstone id, scored by its expiry or end |
//!
//! # Behaviour
//!
//! - **create** writes only if the key does not exist — a live session or a tombstone — and
//!   otherwise draws another id.
//! - **save** writes unless the key is a tombstone, keeps `c`, sets `s` and moves the
//!   session in the user index to the owner read from the data (signing in, switching user
//!   and signing out move it).
//! - **load** (`HMGET`) ignores tombstones and records whose expiry has passed.
//! - **delete**, **end one** and **end all (but one)** turn the session into a tombstone
//!   until the later of now and its expiry, plus
//!   [`SessionConfig::tombstone_grace`](otpkit_sessions::SessionConfig::tombstone_grace);
//!   ending is scoped to the user (an id of another user, or of nobody, is not touched).
//! - **list** reads the user index, drops the entries whose session is gone, ended or now
//!   someone else's, and leaves out expired ones; oldest first.
//! - **expiry**: each key carries a Redis expiry (`PEXPIRE`) of the record's expiry (or the
//!   tombstone's end) minus now, so Redis removes it by itself; "now" is the application's
//!   clock ([`SessionConfig::with_clock`](otpkit_sessions::SessionConfig::with_clock)), so a
//!   Redis server whose clock is off changes nothing. [`delete_expired`] also removes what
//!   the application's clock says has expired (through `{prefix}expiry`, in batches) and
//!   prunes user index entries whose score has passed (a `SCAN` of `{prefix}user:*`); run it
//!   in the background with tower-sessions' `continuously_delete_expired(period)`.
//!
//! So the store is resurrection safe on its own: a request that loaded a session before it
//! was deleted (logout, `cycle_id`, "sign out all other sessions") cannot write it back.
//!
//! Storage errors fail closed: every Redis error (unreachable, timeout, script error) becomes
//! [`session_store::Error::Backend`](tower_sessions_core::session_store::Error::Backend), so
//! the request fails instead of being treated as anonymous. Session data is never logged; the
//! store's `Debug` shows the prefix and configuration, no data and no ids.
//!
//! # Deployment
//!
//! One Redis server (or a Sentinel-managed primary): the scripts derive the user index keys
//! from the stored owner, so on Redis Cluster all keys must hash to one slot — put a hash
//! tag in the prefix (`with_prefix("{otpkit}:")`). Redis persistence decides what survives a
//! Redis restart; with none, a restart signs everyone out.
//!
//! [`delete_expired`]: tower_sessions_core::ExpiredDeletion::delete_expired

#![cfg_attr(docsrs, feature(doc_cfg))]

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod error;
mod scripts;
mod store;

pub use error::ConnectError;
pub use store::{DEFAULT_PREFIX, RedisSessionStore};
