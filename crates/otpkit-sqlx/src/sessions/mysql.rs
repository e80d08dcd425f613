//! [`MySqlSessionStore`]: the session store on MySQL 8 / MariaDB (`?` placeholders,
//! `ON DUPLICATE KEY UPDATE`, `VARBINARY` user ids bound as bytes).

use crate::sqlx;

use otpkit::UserId;
use otpkit::store::StoreError;
use otpkit_sessions::codec::Encoded;
use sqlx::error::ErrorKind;
use sqlx::mysql::{MySql, MySqlArguments, MySqlPool, MySqlQueryResult};
use sqlx_core::query::Query;

use crate::migrations::Embedded;

type MyQuery = Query<'static, MySql, MySqlArguments>;

super::session_store! {
    /// A tower-sessions [`SessionStore`](tower_sessions_core::SessionStore) on MySQL 8 or
    /// MariaDB (InnoDB), with [`ExpiredDeletion`](tower_sessions_core::ExpiredDeletion) and
    /// the user index ([`UserSessions`](otpkit_sessions::UserSessions)). Cheap to clone (the
    /// pool is shared); any number of processes may share one database.
    ///
    /// ```no_run
    /// use otpkit_sqlx::mysql::MySqlStore;
    /// use otpkit_sqlx::sessions::MySqlSessionStore;
    /// use tower_sessions::SessionManagerLayer;
    ///
    /// # async fn example() -> Result<(), otpkit::store::StoreError> {
    /// let devices = MySqlStore::connect("mysql://otpkit@db.internal/otpkit").await?;
    /// devices.migrate().await?;
    /// let sessions = MySqlSessionStore::new(devices.pool().clone()); // the same pool
    /// sessions.migrate().await?;
    /// let layer = SessionManagerLayer::new(sessions);
    /// # let _ = layer;
    /// # Ok(())
    /// # }
    /// ```
    pub struct MySqlSessionStore(crate::mysql::My, MySqlPool);
}

/// A user id as the `VARBINARY` column holds it.
fn key(user: &UserId) -> Vec<u8> {
    user.as_str().as_bytes().to_vec()
}

impl MySqlSessionStore {
    const MIGRATIONS: &'static [Embedded] = &[(
        1,
        "otpkit_session",
        include_str!("../../migrations/sessions/mysql/0001_otpkit_session.sql"),
    )];

    /// Creates or upgrades the session table; a no-op when current. Concurrent runs take
    /// turns on the same named lock as [`MySqlStore::migrate`](crate::mysql::MySqlStore::migrate).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        crate::mysql::run_locked(&self.pool, Self::migrator()).await
    }

    fn q_create(enc: &Encoded, now: i64) -> MyQuery {
        sqlx::query(
            "INSERT INTO otpkit_session \
             (id, user_id, data, created_at, last_seen_at, expires_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(enc.id.to_vec())
        .bind(enc.user_id.as_ref().map(|u| u.as_bytes().to_vec()))
        .bind(enc.data.clone())
        .bind(now)
        .bind(now)
        .bind(enc.expires_at)
    }

    /// A duplicate key means the id is taken (by a session or a tombstone).
    fn created(done: Result<MySqlQueryResult, sqlx::Error>) -> Result<bool, sqlx::Error> {
        match done {
            Ok(_) => Ok(true),
            Err(sqlx::Error::Database(e)) if e.kind() == ErrorKind::UniqueViolation => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// `data` is assigned last: MySQL evaluates the assignments in order, so every
    /// `IF(data IS NULL, …)` still sees the stored row's `data`, and a tombstone keeps all of
    /// its columns.
    fn q_save(enc: &Encoded, now: i64) -> MyQuery {
        sqlx::query(
            "INSERT INTO otpkit_session \
             (id, user_id, data, created_at, last_seen_at, expires_at) \
             VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE \
             user_id = IF(data IS NULL, user_id, VALUES(user_id)), \
             last_seen_at = IF(data IS NULL, last_seen_at, VALUES(last_seen_at)), \
             expires_at = IF(data IS NULL, expires_at, VALUES(expires_at)), \
             data = IF(data IS NULL, NULL, VALUES(data))",
        )
        .bind(enc.id.to_vec())
        .bind(enc.user_id.as_ref().map(|u| u.as_bytes().to_vec()))
        .bind(enc.data.clone())
        .bind(now)
        .bind(now)
        .bind(enc.expires_at)
    }

    fn q_load(id: [u8; 16], now: i64) -> MyQuery {
        sqlx::query(
            "SELECT data FROM otpkit_session \
             WHERE id = ? AND data IS NOT NULL AND expires_at > ?",
        )
        .bind(id.to_vec())
        .bind(now)
    }

    fn q_delete(id: [u8; 16], now: i64, grace: i64) -> MyQuery {
        sqlx::query(
            "INSERT INTO otpkit_session \
             (id, user_id, data, created_at, last_seen_at, expires_at) \
             VALUES (?, NULL, NULL, ?, ?, ?) ON DUPLICATE KEY UPDATE \
             expires_at = GREATEST(expires_at, ?) + ?, data = NULL",
        )
        .bind(id.to_vec())
        .bind(now)
        .bind(now)
        .bind(now.saturating_add(grace))
        .bind(now)
        .bind(grace)
    }

    fn q_delete_expired(now: i64) -> MyQuery {
        sqlx::query("DELETE FROM otpkit_session WHERE expires_at <= ?").bind(now)
    }

    fn q_list(user: &UserId, now: i64) -> MyQuery {
        sqlx::query(
            "SELECT id, created_at, last_seen_at, expires_at, data FROM otpkit_session \
             WHERE user_id = ? AND data IS NOT NULL AND expires_at > ? \
             ORDER BY created_at, id",
        )
        .bind(key(user))
        .bind(now)
    }

    fn q_end(id: [u8; 16], user: &UserId, now: i64, grace: i64) -> MyQuery {
        sqlx::query(
            "UPDATE otpkit_session SET expires_at = GREATEST(expires_at, ?) + ?, data = NULL \
             WHERE id = ? AND user_id = ? AND data IS NOT NULL AND expires_at > ?",
        )
        .bind(now)
        .bind(grace)
        .bind(id.to_vec())
        .bind(key(user))
        .bind(now)
    }

    fn q_end_all(user: &UserId, except: Option<[u8; 16]>, now: i64, grace: i64) -> MyQuery {
        sqlx::query(
            "UPDATE otpkit_session SET expires_at = GREATEST(expires_at, ?) + ?, data = NULL \
             WHERE user_id = ? AND data IS NOT NULL AND expires_at > ? AND NOT (id <=> ?)",
        )
        .bind(now)
        .bind(grace)
        .bind(key(user))
        .bind(now)
        .bind(except.map(|k| k.to_vec()))
    }
}
