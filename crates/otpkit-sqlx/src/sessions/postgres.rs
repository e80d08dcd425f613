//! [`PgSessionStore`]: the session store on PostgreSQL (`$n` placeholders, `ON CONFLICT`).

use crate::sqlx;

use otpkit::UserId;
use otpkit::store::StoreError;
use otpkit_sessions::codec::Encoded;
use sqlx::Postgres;
use sqlx::postgres::{PgArguments, PgPool, PgQueryResult};
use sqlx_core::query::Query;

use crate::migrations::Embedded;

type PgQuery = Query<'static, Postgres, PgArguments>;

super::session_store! {
    /// A tower-sessions [`SessionStore`](tower_sessions_core::SessionStore) on PostgreSQL,
    /// with [`ExpiredDeletion`](tower_sessions_core::ExpiredDeletion) and the user index
    /// ([`UserSessions`](otpkit_sessions::UserSessions)). Cheap to clone (the pool is
    /// shared); any number of processes may share one database.
    ///
    /// ```no_run
    /// use otpkit_sqlx::postgres::PgStore;
    /// use otpkit_sqlx::sessions::PgSessionStore;
    /// use tower_sessions::{ExpiredDeletion, SessionManagerLayer};
    ///
    /// # async fn example() -> Result<(), otpkit::store::StoreError> {
    /// let devices = PgStore::connect("postgres://otpkit@db.internal/otpkit").await?;
    /// devices.migrate().await?;
    /// let sessions = PgSessionStore::new(devices.pool().clone()); // the same pool
    /// sessions.migrate().await?;
    /// tokio::spawn(
    ///     sessions.clone().continuously_delete_expired(tokio::time::Duration::from_secs(60)),
    /// );
    /// let layer = SessionManagerLayer::new(sessions); // or `otpkit_axum::session_layer(sessions)`
    /// # let _ = layer;
    /// # Ok(())
    /// # }
    /// ```
    pub struct PgSessionStore(crate::postgres::Pg, PgPool);
}

impl PgSessionStore {
    const MIGRATIONS: &'static [Embedded] = &[(
        1,
        "otpkit_session",
        include_str!("../../migrations/sessions/postgres/0001_otpkit_session.sql"),
    )];

    /// Creates or upgrades the session table (each migration in its own transaction, under
    /// sqlx's advisory lock); a no-op when current.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        Self::migrator()
            .run(&self.pool)
            .await
            .map_err(StoreError::backend)
    }

    fn q_create(enc: &Encoded, now: i64) -> PgQuery {
        sqlx::query(
            "INSERT INTO otpkit_session \
             (id, user_id, data, created_at, last_seen_at, expires_at) \
             VALUES ($1, $2, $3, $4, $4, $5) ON CONFLICT (id) DO NOTHING",
        )
        .bind(enc.id.to_vec())
        .bind(enc.user_id.clone())
        .bind(enc.data.clone())
        .bind(now)
        .bind(enc.expires_at)
    }

    fn created(done: Result<PgQueryResult, sqlx::Error>) -> Result<bool, sqlx::Error> {
        done.map(|d| d.rows_affected() == 1)
    }

    fn q_save(enc: &Encoded, now: i64) -> PgQuery {
        sqlx::query(
            "INSERT INTO otpkit_session \
             (id, user_id, data, created_at, last_seen_at, expires_at) \
             VALUES ($1, $2, $3, $4, $4, $5) ON CONFLICT (id) DO UPDATE SET \
             user_id = EXCLUDED.user_id, data = EXCLUDED.data, \
             last_seen_at = EXCLUDED.last_seen_at, expires_at = EXCLUDED.expires_at \
             WHERE otpkit_session.data IS NOT NULL",
        )
        .bind(enc.id.to_vec())
        .bind(enc.user_id.clone())
        .bind(enc.data.clone())
        .bind(now)
        .bind(enc.expires_at)
    }

    fn q_load(id: [u8; 16], now: i64) -> PgQuery {
        sqlx::query(
            "SELECT data FROM otpkit_session \
             WHERE id = $1 AND data IS NOT NULL AND expires_at > $2",
        )
        .bind(id.to_vec())
        .bind(now)
    }

    fn q_delete(id: [u8; 16], now: i64, grace: i64) -> PgQuery {
        sqlx::query(
            "INSERT INTO otpkit_session \
             (id, user_id, data, created_at, last_seen_at, expires_at) \
             VALUES ($1, NULL, NULL, $2, $2, $2 + $3) ON CONFLICT (id) DO UPDATE SET \
             data = NULL, expires_at = GREATEST(otpkit_session.expires_at, $2) + $3",
        )
        .bind(id.to_vec())
        .bind(now)
        .bind(grace)
    }

    fn q_delete_expired(now: i64) -> PgQuery {
        sqlx::query("DELETE FROM otpkit_session WHERE expires_at <= $1").bind(now)
    }

    fn q_list(user: &UserId, now: i64) -> PgQuery {
        sqlx::query(
            "SELECT id, created_at, last_seen_at, expires_at, data FROM otpkit_session \
             WHERE user_id = $1 AND data IS NOT NULL AND expires_at > $2 \
             ORDER BY created_at, id",
        )
        .bind(user.as_str().to_owned())
        .bind(now)
    }

    fn q_end(id: [u8; 16], user: &UserId, now: i64, grace: i64) -> PgQuery {
        sqlx::query(
            "UPDATE otpkit_session SET data = NULL, expires_at = GREATEST(expires_at, $3) + $4 \
             WHERE id = $1 AND user_id = $2 AND data IS NOT NULL AND expires_at > $3",
        )
        .bind(id.to_vec())
        .bind(user.as_str().to_owned())
        .bind(now)
        .bind(grace)
    }

    fn q_end_all(user: &UserId, except: Option<[u8; 16]>, now: i64, grace: i64) -> PgQuery {
        sqlx::query(
            "UPDATE otpkit_session SET data = NULL, expires_at = GREATEST(expires_at, $2) + $3 \
             WHERE user_id = $1 AND data IS NOT NULL AND expires_at > $2 \
             AND id IS DISTINCT FROM $4",
        )
        .bind(user.as_str().to_owned())
        .bind(now)
        .bind(grace)
        .bind(except.map(|k| k.to_vec()))
    }
}
