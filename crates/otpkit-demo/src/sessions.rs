//! The demo's sessions, kept in its database so that a restart signs nobody out.
//!
//! | URL | store |
//! |---|---|
//! | `sqlite://PATH` | [`otpkit_sqlite::SqliteSessionStore`], on the device store's connection thread |
//! | `postgres://…` | [`otpkit_sqlx::sessions::PgSessionStore`], on the device store's pool |
//! | `mysql://…` | [`otpkit_sqlx::sessions::MySqlSessionStore`], on the device store's pool |
//!
//! Each keeps its `otpkit_session` table beside otpkit's own, created by its own migrations
//! at start. [`DemoSessions`] is whichever of the three the URL names, as one tower-sessions
//! store (and [`UserSessions`] index), so that the router has one type for all three; `serve`
//! deletes expired sessions in the background with `continuously_delete_expired`.

use anyhow::Context as _;
use async_trait::async_trait;
use otpkit::UserId;
use otpkit_cli::deploy::Store;
use otpkit_sessions::{SessionMeta, UserSessions};
use otpkit_sqlite::SqliteSessionStore;
use otpkit_sqlx::SqlxStore;
use otpkit_sqlx::sessions::{MySqlSessionStore, PgSessionStore};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};

/// The session store of the database at `OTPKIT_DATABASE_URL`.
#[derive(Clone, Debug)]
pub enum DemoSessions {
    /// SQLite: in the device store's file (or memory database).
    Sqlite(SqliteSessionStore),
    /// PostgreSQL: on the device store's pool.
    Postgres(PgSessionStore),
    /// MySQL or MariaDB: on the device store's pool.
    MySql(MySqlSessionStore),
}

impl DemoSessions {
    /// The session store in the same database as otpkit's opened `store`, its table created
    /// or upgraded (idempotent).
    pub async fn open(store: &Store) -> anyhow::Result<DemoSessions> {
        let sessions = match store {
            Store::Sqlite(s) => DemoSessions::Sqlite(SqliteSessionStore::new(s.clone())),
            Store::Sqlx(SqlxStore::Postgres(pg)) => {
                DemoSessions::Postgres(PgSessionStore::new(pg.pool().clone()))
            }
            Store::Sqlx(SqlxStore::MySql(my)) => {
                DemoSessions::MySql(MySqlSessionStore::new(my.pool().clone()))
            }
            _ => anyhow::bail!(
                "OTPKIT_DATABASE_URL: this kind of database is not supported by the demo"
            ),
        };
        sessions
            .migrate()
            .await
            .context("cannot create the otpkit_session table")?;
        Ok(sessions)
    }

    async fn migrate(&self) -> Result<(), otpkit::store::StoreError> {
        match self {
            DemoSessions::Sqlite(s) => s.migrate().await.map(drop),
            DemoSessions::Postgres(s) => s.migrate().await,
            DemoSessions::MySql(s) => s.migrate().await,
        }
    }
}

/// Calls `$call` on whichever store `$self` holds.
macro_rules! each {
    ($self:expr, $s:ident => $call:expr) => {
        match $self {
            DemoSessions::Sqlite($s) => $call,
            DemoSessions::Postgres($s) => $call,
            DemoSessions::MySql($s) => $call,
        }
    };
}

/// Each of the three is resurrection safe by itself.
impl otpkit_sessions::ResurrectionSafe for DemoSessions {}

#[async_trait]
impl SessionStore for DemoSessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        each!(self, s => s.create(record).await)
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        each!(self, s => s.save(record).await)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        each!(self, s => s.load(id).await)
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        each!(self, s => s.delete(id).await)
    }
}

#[async_trait]
impl ExpiredDeletion for DemoSessions {
    async fn delete_expired(&self) -> session_store::Result<()> {
        each!(self, s => s.delete_expired().await)
    }
}

#[async_trait]
impl UserSessions for DemoSessions {
    async fn list_sessions(&self, user: &UserId) -> session_store::Result<Vec<SessionMeta>> {
        each!(self, s => s.list_sessions(user).await)
    }

    async fn end_session(&self, user: &UserId, id: &Id) -> session_store::Result<bool> {
        each!(self, s => s.end_session(user, id).await)
    }

    async fn end_all_sessions(
        &self,
        user: &UserId,
        except: Option<&Id>,
    ) -> session_store::Result<u64> {
        each!(self, s => s.end_all_sessions(user, except).await)
    }
}
