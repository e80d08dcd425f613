//! Opening the database named by `OTPKIT_DATABASE_URL`: otpkit's device store and the
//! demo's user table, both migrated.
//!
//! | URL | devices | users |
//! |---|---|---|
//! | `sqlite://PATH` (default `sqlite://otpkit.sqlite3`) | [`otpkit_sqlite::SqliteStore`] | `demo_user` in the same file, on its own rusqlite connection |
//! | `postgres://…` | [`otpkit_sqlx::SqlxStore`] (PostgreSQL) | `demo_user` in the same database, on the store's pool |
//! | `mysql://…` | [`otpkit_sqlx::SqlxStore`] (MySQL/MariaDB) | `demo_user` in the same database, on the store's pool |

use std::sync::Arc;

use anyhow::Context as _;
use otpkit::DeviceStore;
use otpkit_cli::deploy::Deployment;
use otpkit_sqlite::SqliteStore;
use otpkit_sqlx::SqlxStore;

use crate::users::UserStore;

/// The demo's database: otpkit's device store and the user table, both migrated.
#[derive(Clone)]
pub struct Database {
    /// otpkit's device store.
    pub store: Arc<dyn DeviceStore>,
    /// The demo's users.
    pub users: UserStore,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("users", &self.users)
            .finish_non_exhaustive()
    }
}

impl Database {
    /// Opens `deployment.database_url` (`OTPKIT_DATABASE_URL`), creating a SQLite file if
    /// missing, and brings otpkit's schema and the `demo_user` table up to date (both
    /// idempotent).
    pub async fn open(deployment: &Deployment) -> anyhow::Result<Database> {
        let url = deployment.database_url.as_str();
        if url.starts_with("sqlite:") {
            let store = SqliteStore::open_and_migrate(url)
                .await
                .context("OTPKIT_DATABASE_URL: cannot open the SQLite database")?;
            let users = match store.path_buf() {
                Some(path) => UserStore::sqlite_file(&path).await,
                None => UserStore::sqlite_memory().await,
            }
            .context("cannot open the demo_user table")?;
            Ok(Database {
                store: Arc::new(store),
                users,
            })
        } else {
            let store = SqlxStore::connect(url)
                .await
                .context("OTPKIT_DATABASE_URL: cannot connect")?;
            store
                .migrate()
                .await
                .context("OTPKIT_DATABASE_URL: migrating otpkit's schema failed")?;
            let users = UserStore::for_sqlx(&store)
                .await
                .context("cannot create the demo_user table")?;
            Ok(Database {
                store: Arc::new(store),
                users,
            })
        }
    }
}
