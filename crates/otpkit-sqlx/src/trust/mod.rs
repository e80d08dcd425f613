//! [`TrustStore`](otpkit::trust::TrustStore) on PostgreSQL and MySQL/MariaDB: trusted
//! browsers and the grace records of enforced two-factor sign-in, in the device store's
//! database and on its pool ([`PgStore`](crate::postgres::PgStore),
//! [`MySqlStore`](crate::mysql::MySqlStore) and [`SqlxStore`](crate::SqlxStore) implement
//! the trait).
//!
//! The tables come with the device store's migrations 2 and 3 (`otpkit migrate`); until they
//! ran, these operations fail with [`StoreError::Schema`]
//! while the devices work. Each operation is one statement in autocommit, except
//! `use_trusted` and `grace_started` on MySQL:
//!
//! | operation | PostgreSQL | MySQL / MariaDB |
//! |---|---|---|
//! | `use_trusted` | `UPDATE … SET last_seen_at = GREATEST(last_seen_at, now) WHERE token_hash = ANY(…) AND user_id = … AND expires_at > now RETURNING …` | one transaction: `SELECT … FOR UPDATE`, then `UPDATE … WHERE id = …` |
//! | `grace_started` | `INSERT … ON CONFLICT (user_id) DO UPDATE SET started_at = started_at RETURNING started_at` | `INSERT IGNORE`, then `SELECT` (again if a `clear_grace` came between) |
//!
//! A deadlock, serialisation failure or lock-wait timeout runs the statement (or the
//! transaction) again, at most [`MAX_RETRIES`](crate::MAX_RETRIES) times, as the device
//! store's transitions.
//!
//! | column | PostgreSQL | MySQL / MariaDB |
//! |---|---|---|
//! | `otpkit_trusted_browser.id` | `BIGSERIAL PRIMARY KEY` | `BIGINT AUTO_INCREMENT PRIMARY KEY` |
//! | `user_id` | `VARCHAR(255) COLLATE "C"` | `VARBINARY(255)` |
//! | `token_hash` (unique) | `VARCHAR(128) COLLATE "C"` | `VARBINARY(128)` |
//! | `created_at`, `last_seen_at`, `expires_at` | `BIGINT` (ms) | `BIGINT` (ms) |
//! | `description` | `VARCHAR(128)` | `VARCHAR(128)` utf8mb4 |
//! | `otpkit_policy_grace.user_id` | `VARCHAR(255) COLLATE "C" PRIMARY KEY` | `VARBINARY(255) PRIMARY KEY` |
//! | `started_at` | `BIGINT` (ms) | `BIGINT` (ms) |
//!
//! Indexes: `otpkit_trusted_browser_user (user_id, created_at)`,
//! `otpkit_trusted_browser_expires (expires_at)`, the unique `token_hash`.

#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;

use otpkit::store::StoreError;
use otpkit::trust::TrustedBrowser;
use otpkit::{Timestamp, UserId};

/// One stored row, before its user id is checked.
pub(crate) struct TrustRow {
    pub(crate) id: i64,
    pub(crate) user_id: String,
    pub(crate) token_hash: String,
    pub(crate) created_at: i64,
    pub(crate) last_seen_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) description: String,
}

/// The columns every trusted-browser query returns, in [`TrustRow`] order.
pub(crate) const COLUMNS: &str =
    "id, user_id, token_hash, created_at, last_seen_at, expires_at, description";

impl TryFrom<TrustRow> for TrustedBrowser {
    type Error = StoreError;

    fn try_from(r: TrustRow) -> Result<Self, StoreError> {
        let id = r.id;
        let user = UserId::new(r.user_id).map_err(|e| {
            StoreError::Corrupt(format!("trusted browser {id}: invalid user id: {e}"))
        })?;
        Ok(TrustedBrowser {
            id,
            user,
            token_hash: r.token_hash,
            created_at: Timestamp::from_millis(r.created_at),
            last_seen_at: Timestamp::from_millis(r.last_seen_at),
            expires_at: Timestamp::from_millis(r.expires_at),
            description: r.description,
        })
    }
}

#[cfg(any(feature = "postgres", feature = "mysql"))]
mod any_store {
    use async_trait::async_trait;
    use otpkit::store::StoreError;
    use otpkit::trust::{NewTrustedBrowser, TrustStore, TrustedBrowser, TrustedBrowserId};
    use otpkit::{Timestamp, UserId};

    use crate::SqlxStore;

    impl SqlxStore {
        fn trust(&self) -> &dyn TrustStore {
            match self {
                #[cfg(feature = "postgres")]
                SqlxStore::Postgres(s) => s,
                #[cfg(feature = "mysql")]
                SqlxStore::MySql(s) => s,
            }
        }
    }

    #[async_trait]
    impl TrustStore for SqlxStore {
        async fn insert_trusted(
            &self,
            new: NewTrustedBrowser,
        ) -> Result<TrustedBrowser, StoreError> {
            self.trust().insert_trusted(new).await
        }

        async fn use_trusted(
            &self,
            token_hashes: &[String],
            user: &UserId,
            now: Timestamp,
        ) -> Result<Option<TrustedBrowser>, StoreError> {
            self.trust().use_trusted(token_hashes, user, now).await
        }

        async fn list_trusted(&self, user: &UserId) -> Result<Vec<TrustedBrowser>, StoreError> {
            self.trust().list_trusted(user).await
        }

        async fn revoke_trusted(
            &self,
            user: &UserId,
            id: TrustedBrowserId,
        ) -> Result<bool, StoreError> {
            self.trust().revoke_trusted(user, id).await
        }

        async fn revoke_all_trusted(&self, user: &UserId) -> Result<u64, StoreError> {
            self.trust().revoke_all_trusted(user).await
        }

        async fn delete_expired_trusted(&self, now: Timestamp) -> Result<u64, StoreError> {
            self.trust().delete_expired_trusted(now).await
        }

        async fn grace_started(
            &self,
            user: &UserId,
            now: Timestamp,
        ) -> Result<Timestamp, StoreError> {
            self.trust().grace_started(user, now).await
        }

        async fn clear_grace(&self, user: &UserId) -> Result<bool, StoreError> {
            self.trust().clear_grace(user).await
        }
    }
}
