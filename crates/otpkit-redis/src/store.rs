//! [`RedisSessionStore`]: the store, its constructors and the tower-sessions and
//! [`UserSessions`] impls over the scripts of [`crate::scripts`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use otpkit::UserId;
use otpkit_sessions::codec::{backend, decode, encode};
use otpkit_sessions::{SessionConfig, SessionMeta, UserSessions};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, ScriptInvocation};
use tower_sessions_core::session::{Id, Record};
use tower_sessions_core::session_store::{Error, Result};
use tower_sessions_core::{ExpiredDeletion, SessionStore};

use crate::error::ConnectError;
use crate::scripts::SCRIPTS;

/// The key prefix by default.
pub const DEFAULT_PREFIX: &str = "otpkit:";

/// How many expired ids one `delete_expired` script looks at before it yields the server.
const EXPIRED_BATCH: usize = 500;

/// A tower-sessions [`SessionStore`] on Redis, with [`ExpiredDeletion`] and the user index
/// ([`UserSessions`]). Cheap to clone (the connection is shared); any number of processes
/// may share one Redis.
///
/// ```no_run
/// use otpkit_redis::RedisSessionStore;
/// use tower_sessions::{ExpiredDeletion, SessionManagerLayer};
///
/// # async fn example() -> Result<(), otpkit_redis::ConnectError> {
/// let sessions = RedisSessionStore::connect("redis://redis.internal:6379/").await?;
/// tokio::spawn(
///     sessions.clone().continuously_delete_expired(tokio::time::Duration::from_secs(60)),
/// );
/// // Or `otpkit_axum::durable_session_layer(sessions)`, with otpkit's cookie defaults.
/// let layer = SessionManagerLayer::new(sessions);
/// # let _ = layer;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisSessionStore {
    conn: ConnectionManager,
    prefix: Arc<str>,
    config: SessionConfig,
}

impl fmt::Debug for RedisSessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSessionStore")
            .field("prefix", &self.prefix)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl RedisSessionStore {
    /// Connects to the Redis at `url` (`redis://[user:password@]host[:port][/db]`, or
    /// `rediss://` … with the client's TLS features) through a [`ConnectionManager`]
    /// configured by [`connection_config`](Self::connection_config), with the default
    /// [`SessionConfig`] and [`DEFAULT_PREFIX`].
    ///
    /// A server that is not there is tried 3 times over a few hundred milliseconds before
    /// [`ConnectError::Connect`] (retry the start, or let the service manager do it). For
    /// other timeouts or retries, build the manager with
    /// [`ConnectionManager::new_with_config`] and pass it to [`with_config`](Self::with_config).
    /// A request that fails is not retried (it fails closed); the manager reconnects.
    pub async fn connect(url: &str) -> std::result::Result<Self, ConnectError> {
        let client = redis::Client::open(url).map_err(ConnectError::Url)?;
        let conn = ConnectionManager::new_with_config(client, Self::connection_config())
            .await
            .map_err(ConnectError::Connect)?;
        Ok(Self::new(conn))
    }

    /// The connection policy of [`connect`](Self::connect), chosen so that a Redis that is
    /// down fails requests within about a second instead of holding them: 500 ms to
    /// connect, 500 ms for an answer, and a lost connection re-established with 2 retries
    /// (100 ms, then up to 1 s apart). redis-rs's own default retries 6 times over about
    /// 6 seconds, and every request waits for that reconnection.
    pub fn connection_config() -> ConnectionManagerConfig {
        ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_millis(500)))
            .set_response_timeout(Some(Duration::from_millis(500)))
            .set_number_of_retries(2)
            .set_min_delay(Duration::from_millis(100))
            .set_max_delay(Duration::from_secs(1))
    }

    /// Sessions on `conn`, with the default [`SessionConfig`] and [`DEFAULT_PREFIX`].
    pub fn new(conn: ConnectionManager) -> Self {
        Self::with_config(conn, SessionConfig::default())
    }

    /// Sessions on `conn`, with `config`.
    pub fn with_config(conn: ConnectionManager, config: SessionConfig) -> Self {
        RedisSessionStore {
            conn,
            prefix: Arc::from(DEFAULT_PREFIX),
            config,
        }
    }

    /// Keeps every key under `prefix` instead of [`DEFAULT_PREFIX`] (several applications
    /// on one Redis). Every store sharing sessions must use the same prefix.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Arc::from(prefix.into());
        self
    }

    /// The key prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The configuration.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    fn session_key(&self, id: &Id) -> String {
        format!("{}session:{id}", self.prefix)
    }

    fn user_key(&self, user: &UserId) -> String {
        format!("{}user:{}", self.prefix, user.as_str())
    }

    fn expiry_key(&self) -> String {
        format!("{}expiry", self.prefix)
    }

    /// Runs a script with the arguments all of them take (`KEYS[1]` the expiry index,
    /// `ARGV[1..3]` prefix, now, grace) then `key` and `args`. Any error fails closed.
    async fn run<T: redis::FromRedisValue>(
        &self,
        script: &redis::Script,
        key: &str,
        args: &[&str],
    ) -> Result<T> {
        let mut call: ScriptInvocation<'_> = script.key(self.expiry_key());
        call.key(key)
            .arg(&*self.prefix)
            .arg(self.config.now_millis())
            .arg(self.config.tombstone_grace_millis());
        for a in args {
            call.arg(*a);
        }
        call.invoke_async(&mut self.conn.clone())
            .await
            .map_err(backend)
    }

    /// Writes `record` with `script` (create or save): true if written.
    async fn write(&self, script: &redis::Script, record: &Record) -> Result<bool> {
        let enc = encode(&self.config, record)?;
        let (id, expires) = (record.id.to_string(), enc.expires_at.to_string());
        let user = enc.user_id.as_deref().unwrap_or("");
        let args = [id.as_str(), enc.data.as_str(), user, expires.as_str()];
        let written: i64 = self
            .run(script, &self.session_key(&record.id), &args)
            .await?;
        Ok(written == 1)
    }

    /// Removes the user index entries whose score (the session's expiry) has passed, in
    /// every user index: those of sessions Redis expired by itself.
    async fn prune_user_indexes(&self) -> Result<()> {
        let mut conn = self.conn.clone();
        let pattern = format!("{}user:*", glob_escape(&self.prefix));
        let now = self.config.now_millis();
        let mut cursor: u64 = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(EXPIRED_BATCH)
                .query_async(&mut conn)
                .await
                .map_err(backend)?;
            for key in keys {
                let _: i64 = conn.zrembyscore(&key, "-inf", now).await.map_err(backend)?;
            }
            if next == 0 {
                return Ok(());
            }
            cursor = next;
        }
    }
}

/// `s` with Redis glob characters escaped, for `SCAN … MATCH`.
fn glob_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\' | '^' | '-') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Resurrection safe by itself: a deleted id becomes a tombstone key that the save script
/// never writes over, and `create` never reuses an id.
impl otpkit_sessions::ResurrectionSafe for RedisSessionStore {}

#[async_trait]
impl SessionStore for RedisSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        // Taken (a live session or a tombstone): draw another id.
        while !self.write(&SCRIPTS.create, record).await? {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> Result<()> {
        // Refused over a tombstone: a deleted session stays deleted.
        self.write(&SCRIPTS.save, record).await.map(drop)
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let fields: (Option<String>, Option<String>, Option<i64>) = redis::cmd("HMGET")
            .arg(self.session_key(id))
            .arg(&["d", "t", "e"])
            .query_async(&mut self.conn.clone())
            .await
            .map_err(backend)?;
        match fields {
            (Some(data), None, Some(e)) if e > self.config.now_millis() => {
                decode(*id, &data).map(Some)
            }
            _ => Ok(None),
        }
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        let id_text = id.to_string();
        let _: i64 = self
            .run(&SCRIPTS.delete, &self.session_key(id), &[&id_text])
            .await?;
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for RedisSessionStore {
    async fn delete_expired(&self) -> Result<()> {
        let batch = EXPIRED_BATCH.to_string();
        let expiry = self.expiry_key();
        loop {
            let seen: usize = self
                .run(&SCRIPTS.delete_expired, &expiry, &[&batch])
                .await?;
            if seen < EXPIRED_BATCH {
                break;
            }
        }
        self.prune_user_indexes().await
    }
}

#[async_trait]
impl UserSessions for RedisSessionStore {
    async fn list_sessions(&self, user: &UserId) -> Result<Vec<SessionMeta>> {
        let flat: Vec<String> = self
            .run(&SCRIPTS.list, &self.user_key(user), &[user.as_str()])
            .await?;
        let mut out = flat
            .chunks_exact(5)
            .map(|row| {
                let [id, c, s, e, data] = row else {
                    return Err(Error::Decode("a listing row".into()));
                };
                let at = |v: &str| v.parse::<i64>().map_err(|e| Error::Decode(e.to_string()));
                let id: Id = id
                    .parse()
                    .map_err(|_| Error::Decode("a session id".into()))?;
                let bytes = otpkit_sessions::codec::id_bytes(&id);
                otpkit_sessions::codec::meta(&bytes, (at(c)?, at(s)?, at(e)?), data)
            })
            .collect::<Result<Vec<_>>>()?;
        // Oldest first, as the SQL stores (ties by the id's stored bytes).
        out.sort_by_key(|m| (m.created_at, otpkit_sessions::codec::id_bytes(&m.id)));
        Ok(out)
    }

    async fn end_session(&self, user: &UserId, id: &Id) -> Result<bool> {
        let id_text = id.to_string();
        let args = [id_text.as_str(), user.as_str()];
        let ended: i64 = self.run(&SCRIPTS.end, &self.session_key(id), &args).await?;
        Ok(ended == 1)
    }

    async fn end_all_sessions(&self, user: &UserId, except: Option<&Id>) -> Result<u64> {
        let except = except.map(Id::to_string).unwrap_or_default();
        let args = [user.as_str(), except.as_str()];
        self.run(&SCRIPTS.end_all, &self.user_key(user), &args)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_characters_are_escaped() {
        assert_eq!(glob_escape("app[1]*:"), "app\\[1\\]\\*:");
        assert_eq!(glob_escape("otpkit:"), "otpkit:");
    }
}
