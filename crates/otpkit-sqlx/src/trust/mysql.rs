//! [`TrustStore`] for [`MySqlStore`]: `use_trusted` one transaction (`SELECT … FOR UPDATE`,
//! `UPDATE`), `grace_started` an `INSERT IGNORE` and a `SELECT`, the rest one statement each
//! (see the module docs). `user_id` and `token_hash` are `VARBINARY`, bound as bytes.

use crate::sqlx;

use async_trait::async_trait;
use otpkit::store::StoreError;
use otpkit::trust::{NewTrustedBrowser, TrustStore, TrustedBrowser, TrustedBrowserId};
use otpkit::{Timestamp, UserId};
use sqlx::Row;
use sqlx::mysql::{MySqlPool, MySqlRow};

use super::{COLUMNS, TrustRow};
use crate::dialect::{Dialect, classify};
use crate::mysql::{My, MySqlStore};
use crate::retry;

/// How many times `grace_started` inserts again when a `clear_grace` removed the record
/// between its insert and its read.
const GRACE_TRIES: u32 = 3;

/// A grace record vanished between its insert and its read, again and again.
#[derive(Debug, thiserror::Error)]
#[error("the grace record was cleared while it was being started, {GRACE_TRIES} times")]
struct GraceCleared;

/// Runs `attempt` again after a retryable server error; maps every error for the store.
async fn retried<T, F, Fut>(what: &'static str, mut attempt: F) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, sqlx::Error>>,
{
    retry::run_stateless(what, || {
        let f = attempt();
        async move { f.await.map_err(classify::<My>) }
    })
    .await
}

/// A `VARBINARY` value as it is bound.
fn bytes(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

fn decode(row: &MySqlRow) -> Result<TrustedBrowser, StoreError> {
    let read = || -> Result<TrustRow, sqlx::Error> {
        Ok(TrustRow {
            id: row.try_get(0)?,
            user_id: My::key(row, "user_id")?,
            token_hash: My::key(row, "token_hash")?,
            created_at: row.try_get(3)?,
            last_seen_at: row.try_get(4)?,
            expires_at: row.try_get(5)?,
            description: row.try_get(6)?,
        })
    };
    let raw = read().map_err(|e| StoreError::Corrupt(e.to_string()))?;
    TrustedBrowser::try_from(raw)
}

fn pool(s: &MySqlStore) -> &MySqlPool {
    s.pool()
}

/// `use_trusted`'s transaction: the locking read of the live record among the candidates,
/// then its `last_seen_at`. Commits on success, rolls back otherwise.
async fn use_in_tx(
    pool: &MySqlPool,
    sql: &str,
    hashes: &[String],
    user: &UserId,
    now: i64,
) -> Result<Option<MySqlRow>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(bytes(user.as_str()))
        .bind(now);
    for h in hashes {
        q = q.bind(bytes(h));
    }
    let rows = q.fetch_all(&mut *tx).await?;
    let Some(row) = rows.into_iter().next() else {
        tx.rollback().await?;
        return Ok(None);
    };
    let id: i64 = row.try_get(0)?;
    sqlx::query(
        "UPDATE otpkit_trusted_browser SET last_seen_at = GREATEST(last_seen_at, ?) WHERE id = ?",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(row))
}

#[async_trait]
impl TrustStore for MySqlStore {
    async fn insert_trusted(&self, new: NewTrustedBrowser) -> Result<TrustedBrowser, StoreError> {
        let done = retried("trust insert", || {
            sqlx::query(
                "INSERT INTO otpkit_trusted_browser \
                 (user_id, token_hash, created_at, last_seen_at, expires_at, description) \
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(bytes(new.user().as_str()))
            .bind(bytes(new.token_hash()))
            .bind(new.created_at().as_millis())
            .bind(new.created_at().as_millis())
            .bind(new.expires_at().as_millis())
            .bind(new.description())
            .execute(pool(self))
        })
        .await?;
        let id = i64::try_from(done.last_insert_id())
            .map_err(|_| StoreError::Corrupt("out-of-range trusted browser id".into()))?;
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
        let marks = vec!["?"; token_hashes.len()].join(", ");
        let sql = format!(
            "SELECT {COLUMNS} FROM otpkit_trusted_browser \
             WHERE user_id = ? AND expires_at > ? AND token_hash IN ({marks}) FOR UPDATE"
        );
        let now = now.as_millis();
        let row = retried("trust use", || {
            use_in_tx(pool(self), &sql, token_hashes, user, now)
        })
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mut rec = decode(&row)?;
        rec.last_seen_at = rec.last_seen_at.max(Timestamp::from_millis(now));
        Ok(Some(rec))
    }

    async fn list_trusted(&self, user: &UserId) -> Result<Vec<TrustedBrowser>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM otpkit_trusted_browser WHERE user_id = ? \
             ORDER BY created_at DESC, id DESC"
        );
        let rows = retried("trust list", || {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(bytes(user.as_str()))
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
            sqlx::query("DELETE FROM otpkit_trusted_browser WHERE id = ? AND user_id = ?")
                .bind(id)
                .bind(bytes(user.as_str()))
                .execute(pool(self))
        })
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn revoke_all_trusted(&self, user: &UserId) -> Result<u64, StoreError> {
        let done = retried("trust revoke all", || {
            sqlx::query("DELETE FROM otpkit_trusted_browser WHERE user_id = ?")
                .bind(bytes(user.as_str()))
                .execute(pool(self))
        })
        .await?;
        Ok(done.rows_affected())
    }

    async fn delete_expired_trusted(&self, now: Timestamp) -> Result<u64, StoreError> {
        let done = retried("trust delete expired", || {
            sqlx::query("DELETE FROM otpkit_trusted_browser WHERE expires_at <= ?")
                .bind(now.as_millis())
                .execute(pool(self))
        })
        .await?;
        Ok(done.rows_affected())
    }

    /// `INSERT IGNORE` takes only shared locks on a duplicate key, so concurrent starts do
    /// not deadlock (`ON DUPLICATE KEY UPDATE` would upgrade them to exclusive ones); the
    /// values always fit their columns, so nothing else is ignored.
    async fn grace_started(&self, user: &UserId, now: Timestamp) -> Result<Timestamp, StoreError> {
        let key = bytes(user.as_str());
        for _ in 0..GRACE_TRIES {
            retried("grace start", || {
                sqlx::query(
                    "INSERT IGNORE INTO otpkit_policy_grace (user_id, started_at) VALUES (?, ?)",
                )
                .bind(key.clone())
                .bind(now.as_millis())
                .execute(pool(self))
            })
            .await?;
            let at: Option<i64> = retried("grace read", || {
                sqlx::query_scalar("SELECT started_at FROM otpkit_policy_grace WHERE user_id = ?")
                    .bind(key.clone())
                    .fetch_optional(pool(self))
            })
            .await?;
            if let Some(at) = at {
                return Ok(Timestamp::from_millis(at));
            }
        }
        Err(StoreError::backend(GraceCleared))
    }

    async fn clear_grace(&self, user: &UserId) -> Result<bool, StoreError> {
        let done = retried("grace clear", || {
            sqlx::query("DELETE FROM otpkit_policy_grace WHERE user_id = ?")
                .bind(bytes(user.as_str()))
                .execute(pool(self))
        })
        .await?;
        Ok(done.rows_affected() > 0)
    }
}
