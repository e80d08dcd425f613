//! Opening the database named by `OTPKIT_DATABASE_URL`: otpkit's device store, the demo's
//! user table and the session table, all migrated.
//!
//! | URL | devices | users |
//! |---|---|---|
//! | `sqlite://PATH` (default `sqlite://otpkit.sqlite3`) | [`otpkit_sqlite::SqliteStore`] | `demo_user` in the same file, on its own rusqlite connection |
//! | `postgres://…` | [`otpkit_sqlx::SqlxStore`] (PostgreSQL) | `demo_user` in the same database, on the store's pool |
//! | `mysql://…` | [`otpkit_sqlx::SqlxStore`] (MySQL/MariaDB) | `demo_user` in the same database, on the store's pool |
//!
//! Sessions: `otpkit_session` in the same database, or Redis with `OTPKIT_SESSION_URL`
//! ([`DemoSessions`]).

use std::sync::Arc;

use anyhow::Context as _;
use otpkit::DeviceStore;
use otpkit::trust::TrustStore;
use otpkit_cli::deploy::{Deployment, Store};

use crate::sessions::{DemoSessions, SessionSettings};
use crate::users::UserStore;

/// The demo's database: otpkit's device store, the user table and the sessions, all migrated.
#[derive(Clone)]
pub struct Database {
    /// otpkit's device store.
    pub store: Arc<dyn DeviceStore>,
    /// The demo's users.
    pub users: UserStore,
    /// The sessions.
    pub sessions: DemoSessions,
    /// Trusted browsers and the two-step policy's grace periods, beside the devices.
    pub trust: Arc<dyn TrustStore>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("users", &self.users)
            .finish_non_exhaustive()
    }
}

impl Database {
    /// Opens `deployment.database_url` (`OTPKIT_DATABASE_URL`) with
    /// [`Deployment::open_store`], creating a SQLite file if missing, and brings otpkit's
    /// schema and the `demo_user` table up to date (both idempotent). No key ring is needed:
    /// `serve` uses [`Deployment::open`] and [`Database::on`] instead.
    pub async fn open(deployment: &Deployment) -> anyhow::Result<Database> {
        let store = deployment.open_store().await?;
        store.migrate().await?;
        Database::on(&store).await
    }

    /// The demo's database on otpkit's opened (and migrated) `store`: the `demo_user` and
    /// `otpkit_session` tables beside otpkit's, created if missing.
    pub async fn on(store: &Store) -> anyhow::Result<Database> {
        Database::on_with_sessions(store, None).await
    }

    /// Like [`Database::on`], with the sessions on the Redis of `sessions` when given
    /// (`OTPKIT_SESSION_URL`; no `otpkit_session` table is made then).
    pub async fn on_with_sessions(
        store: &Store,
        sessions: Option<&SessionSettings>,
    ) -> anyhow::Result<Database> {
        let trust: Arc<dyn TrustStore> = match store {
            Store::Sqlite(s) => Arc::new(s.clone()),
            Store::Sqlx(s) => Arc::new(s.clone()),
            _ => anyhow::bail!(
                "OTPKIT_DATABASE_URL: this kind of database is not supported by the demo"
            ),
        };
        let users = match store {
            Store::Sqlite(s) => match s.path_buf() {
                Some(path) => UserStore::sqlite_file(&path).await,
                None => UserStore::sqlite_memory().await,
            },
            Store::Sqlx(s) => UserStore::for_sqlx(s).await,
            _ => anyhow::bail!(
                "OTPKIT_DATABASE_URL: this kind of database is not supported by the demo"
            ),
        }
        .context("cannot open the demo_user table")?;
        let sessions = match sessions {
            Some(settings) => DemoSessions::redis(settings).await?,
            None => DemoSessions::open(store).await?,
        };
        Ok(Database {
            store: store.device_store(),
            users,
            sessions,
            trust,
        })
    }
}
