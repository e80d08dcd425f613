//! [`TrustStore`] for [`SqliteStore`]: trusted browsers and grace records in the same
//! database, on the same connection thread and group commit as the devices.
//!
//! The tables come with schema version 2 ([`SqliteStore::migrate`]); on a database still at
//! version 1 these requests fail with [`StoreError::Schema`] while the device requests run.
//!
//! ```sql
//! CREATE TABLE otpkit_trusted_browser (
//!     id           INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused
//!     user_id      TEXT    NOT NULL,                  -- UserId, compared bytewise
//!     token_hash   TEXT    NOT NULL UNIQUE,           -- keyed hash of the cookie token
//!     created_at   INTEGER NOT NULL,                  -- ms since the Unix epoch
//!     last_seen_at INTEGER NOT NULL,                  -- ms
//!     expires_at   INTEGER NOT NULL,                  -- ms: usable while now < expires_at
//!     description  TEXT    NOT NULL CHECK (length(description) <= 128)
//! ) STRICT;
//! CREATE INDEX otpkit_trusted_browser_user    ON otpkit_trusted_browser (user_id, created_at);
//! CREATE INDEX otpkit_trusted_browser_expires ON otpkit_trusted_browser (expires_at);
//! CREATE TABLE otpkit_policy_grace (
//!     user_id    TEXT    NOT NULL PRIMARY KEY,
//!     started_at INTEGER NOT NULL                     -- ms
//! ) STRICT, WITHOUT ROWID;
//! ```
//!
//! Each operation is one statement in the group's transaction: `use_trusted` is one
//! `UPDATE … RETURNING` (the write lock of the group makes it atomic against every other
//! connection), `grace_started` one `INSERT … ON CONFLICT DO UPDATE … RETURNING` that keeps
//! the stored instant.

use async_trait::async_trait;
use otpkit::store::StoreError;
use otpkit::trust::{NewTrustedBrowser, TrustStore, TrustedBrowser, TrustedBrowserId};
use otpkit::{Timestamp, UserId};
use rusqlite::{Connection, Row, params};

use crate::schema::TRUST_SCHEMA_VERSION;
use crate::store::SqliteStore;

/// The columns every statement returns, in [`Raw`] order.
macro_rules! columns {
    () => {
        "id, user_id, token_hash, created_at, last_seen_at, expires_at, description"
    };
}

// `CAST(? AS …)` on parameters compared with indexed columns: see `schema::SELECT_BY_USER`.
const INSERT: &str = "INSERT INTO otpkit_trusted_browser \
    (user_id, token_hash, created_at, last_seen_at, expires_at, description) \
    VALUES (?1, ?2, ?3, ?3, ?4, ?5)";
const LIST: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM otpkit_trusted_browser WHERE user_id = CAST(?1 AS TEXT) \
     ORDER BY created_at DESC, id DESC"
);
const REVOKE: &str =
    "DELETE FROM otpkit_trusted_browser WHERE id = ?1 AND user_id = CAST(?2 AS TEXT)";
const REVOKE_ALL: &str = "DELETE FROM otpkit_trusted_browser WHERE user_id = CAST(?1 AS TEXT)";
const DELETE_EXPIRED: &str =
    "DELETE FROM otpkit_trusted_browser WHERE expires_at <= CAST(?1 AS INTEGER)";
/// Inserts `now` unless the user has a record; the no-op update makes `RETURNING` give the
/// stored instant in both cases.
const GRACE: &str = "INSERT INTO otpkit_policy_grace (user_id, started_at) VALUES (?1, ?2) \
    ON CONFLICT (user_id) DO UPDATE SET started_at = otpkit_policy_grace.started_at \
    RETURNING started_at";
const CLEAR_GRACE: &str = "DELETE FROM otpkit_policy_grace WHERE user_id = CAST(?1 AS TEXT)";

/// `use_trusted` for `n` candidate hashes (`n ≥ 1`): `?1` now, `?2` the user, `?3…` the
/// hashes. One cached statement per `n` (a ring holds few keys).
fn use_sql(n: usize) -> String {
    let list: Vec<String> = (0..n)
        .map(|i| format!("CAST(?{} AS TEXT)", i + 3))
        .collect();
    format!(
        "UPDATE otpkit_trusted_browser SET last_seen_at = max(last_seen_at, ?1) \
         WHERE user_id = CAST(?2 AS TEXT) AND expires_at > ?1 AND token_hash IN ({}) \
         RETURNING {}",
        list.join(", "),
        columns!()
    )
}

/// One row exactly as stored.
type Raw = (i64, String, String, i64, i64, i64, String);

fn raw(r: &Row<'_>) -> rusqlite::Result<Raw> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn decode(
    (id, user, token_hash, created, seen, expires, description): Raw,
) -> Result<TrustedBrowser, StoreError> {
    let user = UserId::new(user)
        .map_err(|e| StoreError::Corrupt(format!("trusted browser {id}: invalid user id: {e}")))?;
    Ok(TrustedBrowser {
        id,
        user,
        token_hash,
        created_at: Timestamp::from_millis(created),
        last_seen_at: Timestamp::from_millis(seen),
        expires_at: Timestamp::from_millis(expires),
        description,
    })
}

fn rows(conn: &Connection, sql: &str, args: impl rusqlite::Params) -> rusqlite::Result<Vec<Raw>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let found = stmt.query_map(args, raw)?;
    found.collect()
}

impl SqliteStore {
    async fn trust_op<T: Send + 'static>(
        &self,
        write: bool,
        run: impl FnMut(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.table_op(write, TRUST_SCHEMA_VERSION, run).await
    }
}

#[async_trait]
impl TrustStore for SqliteStore {
    async fn insert_trusted(&self, new: NewTrustedBrowser) -> Result<TrustedBrowser, StoreError> {
        let row = new.clone();
        let id = self
            .trust_op(true, move |c| {
                c.prepare_cached(INSERT)?.execute(params![
                    row.user().as_str(),
                    row.token_hash(),
                    row.created_at().as_millis(),
                    row.expires_at().as_millis(),
                    row.description(),
                ])?;
                Ok(c.last_insert_rowid())
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
        let sql = use_sql(token_hashes.len());
        let mut args: Vec<rusqlite::types::Value> =
            vec![now.as_millis().into(), user.as_str().to_owned().into()];
        args.extend(token_hashes.iter().map(|h| h.clone().into()));
        let found = self
            .trust_op(true, move |c| {
                rows(c, &sql, rusqlite::params_from_iter(args.iter()))
            })
            .await?;
        found.into_iter().next().map(decode).transpose()
    }

    async fn list_trusted(&self, user: &UserId) -> Result<Vec<TrustedBrowser>, StoreError> {
        let user = user.as_str().to_owned();
        let found = self
            .trust_op(false, move |c| rows(c, LIST, [&user]))
            .await?;
        found.into_iter().map(decode).collect()
    }

    async fn revoke_trusted(
        &self,
        user: &UserId,
        id: TrustedBrowserId,
    ) -> Result<bool, StoreError> {
        let user = user.as_str().to_owned();
        self.trust_op(true, move |c| {
            Ok(c.prepare_cached(REVOKE)?.execute(params![id, &user])? > 0)
        })
        .await
    }

    async fn revoke_all_trusted(&self, user: &UserId) -> Result<u64, StoreError> {
        let user = user.as_str().to_owned();
        self.trust_op(true, move |c| {
            Ok(c.prepare_cached(REVOKE_ALL)?.execute([&user])? as u64)
        })
        .await
    }

    async fn delete_expired_trusted(&self, now: Timestamp) -> Result<u64, StoreError> {
        let now = now.as_millis();
        self.trust_op(true, move |c| {
            Ok(c.prepare_cached(DELETE_EXPIRED)?.execute([now])? as u64)
        })
        .await
    }

    async fn grace_started(&self, user: &UserId, now: Timestamp) -> Result<Timestamp, StoreError> {
        let (user, now) = (user.as_str().to_owned(), now.as_millis());
        let at: i64 = self
            .trust_op(true, move |c| {
                c.prepare_cached(GRACE)?
                    .query_row(params![&user, now], |r| r.get(0))
            })
            .await?;
        Ok(Timestamp::from_millis(at))
    }

    async fn clear_grace(&self, user: &UserId) -> Result<bool, StoreError> {
        let user = user.as_str().to_owned();
        self.trust_op(true, move |c| {
            Ok(c.prepare_cached(CLEAR_GRACE)?.execute([&user])? > 0)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::apply_migrations;
    use crate::schema::tests::reprepares;

    #[test]
    fn statements_prepare_and_use_their_indexes() {
        let conn = Connection::open_in_memory().unwrap();
        apply_migrations(&conn).unwrap();
        for sql in [
            INSERT,
            LIST,
            REVOKE,
            REVOKE_ALL,
            DELETE_EXPIRED,
            GRACE,
            CLEAR_GRACE,
        ] {
            conn.prepare(sql).unwrap();
        }
        conn.prepare(&use_sql(3)).unwrap();
        let users: Vec<rusqlite::types::Value> =
            (0..10).map(|i| format!("user{i}").into()).collect();
        let (n, plan) = reprepares(&conn, LIST, &users);
        assert_eq!(n, 0, "{LIST}");
        assert!(plan.contains("otpkit_trusted_browser_user"), "{plan}");
        let (n, plan) = reprepares(&conn, REVOKE_ALL, &users);
        assert_eq!(n, 0, "{REVOKE_ALL}");
        assert!(plan.contains("otpkit_trusted_browser_user"), "{plan}");
    }
}
