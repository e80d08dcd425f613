//! [`TrustStore`] for [`PgStore`]: each operation one statement (see the module docs).

use crate::sqlx;

use async_trait::async_trait;
use otpkit::store::StoreError;
use otpkit::trust::{NewTrustedBrowser, TrustStore, TrustedBrowser, TrustedBrowserId};
use otpkit::{Timestamp, UserId};
use sqlx::Row;
use sqlx::postgres::{PgPool, PgRow};

use super::{COLUMNS, TrustRow};
use crate::dialect::classify;
use crate::postgres::{Pg, PgStore};
use crate::retry;

/// Runs `attempt` again after a retryable server error; maps every error for the store.
async fn retried<T, F, Fut>(what: &'static str, mut attempt: F) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, sqlx::Error>>,
{
    retry::run_stateless(what, || {
        let f = attempt();
        async move { f.await.map_err(classify::<Pg>) }
    })
    .await
}

fn decode(row: &PgRow) -> Result<TrustedBrowser, StoreError> {
    let read = || -> Result<TrustRow, sqlx::Error> {
        Ok(TrustRow {
            id: row.try_get(0)?,
            user_id: row.try_get(1)?,
            token_hash: row.try_get(2)?,
            created_at: row.try_get(3)?,
            last_seen_at: row.try_get(4)?,
            expires_at: row.try_get(5)?,
            description: row.try_get(6)?,
        })
    };
    let raw = read().map_err(|e| StoreError::Corrupt(e.to_string()))?;
    TrustedBrowser::try_from(raw)
}

fn pool(s: &PgStore) -> &PgPool {
    s.pool()
}

#[async_trait]
impl TrustStore for PgStore {
    async fn insert_trusted(&self, new: NewTrustedBrowser) -> Result<TrustedBrowser, StoreError> {
        let id: i64 = retried("trust insert", || {
            sqlx::query_scalar(
                "INSERT INTO otpkit_trusted_browser \
                 (user_id, token_hash, created_at, last_seen_at, expires_at, description) \
                 VALUES ($1, $2, $3, $3, $4, $5) RETURNING id",
            )
            .bind(new.user().as_str())
            .bind(new.token_hash())
            .bind(new.created_at().as_millis())
            .bind(new.expires_at().as_millis())
            .bind(new.description())
            .fetch_one(pool(self))
        })
        .await?;
        Ok(new.into_record(id))
    }

    async fn use_trusted(
        &self,
        token_hashes: &[String],
        user: &UserId,
        now: Timestamp,
    ) -> Result<Option<TrustedBrowser>, StoreError> {
        if token_hashes.is_empty() {
            return Ok(None);
        }
        let sql = format!(
            "UPDATE otpkit_trusted_browser SET last_seen_at = GREATEST(last_seen_at, $1) \
             WHERE user_id = $2 AND expires_at > $1 AND token_hash = ANY($3) RETURNING {COLUMNS}"
        );
        let rows = retried("trust use", || {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(now.as_millis())
                .bind(user.as_str())
                .bind(token_hashes)
                .fetch_all(pool(self))
        })
        .await?;
        rows.first().map(decode).transpose()
    }

    async fn list_trusted(&self, user: &UserId) -> Result<Vec<TrustedBrowser>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM otpkit_trusted_browser WHERE user_id = $1 \
             ORDER BY created_at DESC, id DESC"
        );
        let rows = retried("trust list", || {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(user.as_str())
                .fetch_all(pool(self))
        })
        .await?;
        rows.iter().map(decode).collect()
    }

    async fn revoke_trusted(
        &self,
        user: &UserId,
        id: TrustedBrowserId,
    ) -> Result<bool, StoreError> {
        let done = retried("trust revoke", || {
            sqlx::query("DELETE FROM otpkit_trusted_browser WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user.as_str())
                .execute(pool(self))
        })
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn revoke_all_trusted(&self, user: &UserId) -> Result<u64, StoreError> {
        let done = retried("trust revoke all", || {
            sqlx::query("DELETE FROM otpkit_trusted_browser WHERE user_id = $1")
                .bind(user.as_str())
                .execute(pool(self))
        })
        .await?;
        Ok(done.rows_affected())
    }

    async fn delete_expired_trusted(&self, now: Timestamp) -> Result<u64, StoreError> {
        let done = retried("trust delete expired", || {
            sqlx::query("DELETE FROM otpkit_trusted_browser WHERE expires_at <= $1")
                .bind(now.as_millis())
                .execute(pool(self))
        })
        .await?;
        Ok(done.rows_affected())
    }

    async fn grace_started(&self, user: &UserId, now: Timestamp) -> Result<Timestamp, StoreError> {
        // The no-op update makes RETURNING give the stored instant, inserted or not.
        let at: i64 = retried("grace start", || {
            sqlx::query_scalar(
                "INSERT INTO otpkit_policy_grace (user_id, started_at) VALUES ($1, $2) \
                 ON CONFLICT (user_id) DO UPDATE SET started_at = otpkit_policy_grace.started_at \
                 RETURNING started_at",
            )
            .bind(user.as_str())
            .bind(now.as_millis())
            .fetch_one(pool(self))
        })
        .await?;
        Ok(Timestamp::from_millis(at))
    }

    async fn clear_grace(&self, user: &UserId) -> Result<bool, StoreError> {
        let done = retried("grace clear", || {
            sqlx::query("DELETE FROM otpkit_policy_grace WHERE user_id = $1")
                .bind(user.as_str())
                .execute(pool(self))
        })
        .await?;
        Ok(done.rows_affected() > 0)
    }
}
