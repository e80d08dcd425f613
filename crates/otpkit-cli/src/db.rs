//! The database named by `OTPKIT_DATABASE_URL` (or `--database-url`).

use std::sync::Arc;

use otpkit::DeviceStore;

use crate::failure::Res;

/// An open database: the store behind the engine, for `migrate`.
pub(crate) enum Db {
    Sqlite(otpkit_sqlite::SqliteStore),
    Sqlx(otpkit_sqlx::SqlxStore),
}

impl Db {
    pub(crate) async fn open(url: &str) -> Res<Db> {
        if url.starts_with("sqlite:") {
            Ok(Db::Sqlite(otpkit_sqlite::SqliteStore::open(url)?))
        } else {
            Ok(Db::Sqlx(otpkit_sqlx::SqlxStore::connect(url).await?))
        }
    }

    pub(crate) async fn migrate(&self) -> Res {
        match self {
            Db::Sqlite(s) => s.migrate().await.map(|_| ())?,
            Db::Sqlx(s) => s.migrate().await?,
        }
        Ok(())
    }

    pub(crate) fn store(&self) -> Arc<dyn DeviceStore> {
        match self {
            Db::Sqlite(s) => Arc::new(s.clone()),
            Db::Sqlx(s) => Arc::new(s.clone()),
        }
    }
}
