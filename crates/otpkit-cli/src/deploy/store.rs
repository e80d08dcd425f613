//! The database named by `OTPKIT_DATABASE_URL`, opened in one place: the SQLite store for
//! `sqlite://PATH` and `sqlite::memory:`, the sqlx store for PostgreSQL and MySQL/MariaDB;
//! and, with [`Deployment::open`], migrated and paired with its key ring.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use otpkit::seal::KeyRing;
use otpkit::store::StoreError;
use otpkit::{DeviceStore, Engine, EngineBuilder};
use otpkit_sqlite::SqliteStore;
use otpkit_sqlx::SqlxStore;

use super::{DeployError, Deployment};

/// The device store at `OTPKIT_DATABASE_URL`, open.
///
/// `Debug` names the backend only: a server URL may hold a password.
#[derive(Clone)]
#[non_exhaustive]
pub enum Store {
    /// `sqlite://PATH` (the file is created if missing) or `sqlite::memory:`.
    Sqlite(SqliteStore),
    /// `postgres://…`, `postgresql://…`, `mysql://…` or `mariadb://…`.
    Sqlx(SqlxStore),
}

impl Store {
    /// The store, for [`Engine::builder_arc`].
    pub fn device_store(&self) -> Arc<dyn DeviceStore> {
        match self {
            Store::Sqlite(s) => Arc::new(s.clone()),
            Store::Sqlx(s) => Arc::new(s.clone()),
        }
    }

    /// The trusted browsers and grace records in the same database.
    pub fn trust_store(&self) -> Arc<dyn otpkit::trust::TrustStore> {
        match self {
            Store::Sqlite(s) => Arc::new(s.clone()),
            Store::Sqlx(s) => Arc::new(s.clone()),
        }
    }

    /// Brings otpkit's schema up to date; a no-op when it is current.
    pub async fn migrate(&self) -> Result<(), OpenError> {
        match self {
            Store::Sqlite(s) => s.migrate().await.map(|_| ()),
            Store::Sqlx(s) => s.migrate().await,
        }
        .map_err(OpenError::Migrate)
    }
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Store::Sqlite(s) => f.debug_tuple("Sqlite").field(s).finish(),
            Store::Sqlx(s) => f.debug_tuple("Sqlx").field(&s.backend()).finish(),
        }
    }
}

/// The database could not be opened, or its key ring not loaded. One variant per cause; the
/// message names `OTPKIT_DATABASE_URL` (or the key ring's setting) and never repeats the URL.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// A deployment setting is invalid ([`Deployment::validate`]).
    #[error(transparent)]
    Settings(DeployError),
    /// The SQLite database could not be opened or created.
    #[error("OTPKIT_DATABASE_URL: cannot open the SQLite database: {0}")]
    Sqlite(#[source] StoreError),
    /// The database server could not be reached, or refused the connection.
    #[error("OTPKIT_DATABASE_URL: cannot connect: {0}")]
    Connect(#[source] StoreError),
    /// Bringing otpkit's schema up to date failed.
    #[error("OTPKIT_DATABASE_URL: migrating otpkit's schema failed: {0}")]
    Migrate(#[source] StoreError),
    /// The key ring could not be loaded ([`Deployment::load_key_ring`]).
    #[error(transparent)]
    KeyRing(DeployError),
}

impl OpenError {
    /// The name of the setting at fault.
    pub fn name(&self) -> &'static str {
        match self {
            OpenError::Settings(e) | OpenError::KeyRing(e) => e.name(),
            OpenError::Sqlite(_) | OpenError::Connect(_) | OpenError::Migrate(_) => {
                "OTPKIT_DATABASE_URL"
            }
        }
    }
}

/// A migrated store and the key ring that goes with it: what an engine needs from the
/// deployment ([`Deployment::open`]).
#[non_exhaustive]
pub struct Opened {
    /// The store, migrated.
    pub store: Store,
    /// The key ring (docs/behaviour.md §5.7).
    pub keys: KeyRing,
    /// The key file beside the SQLite database, when this call created it: announce it once
    /// (it must be backed up with the database).
    pub created_key_file: Option<PathBuf>,
}

impl Opened {
    /// An engine builder on the store with the key ring; add the settings, the mailer and
    /// the rest, then `build()`.
    pub fn engine_builder(&self) -> EngineBuilder {
        Engine::builder_arc(self.store.device_store(), self.keys.clone())
    }
}

impl fmt::Debug for Opened {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Opened")
            .field("store", &self.store)
            .field("created_key_file", &self.created_key_file)
            .finish_non_exhaustive()
    }
}

impl Deployment {
    /// Opens the store at `OTPKIT_DATABASE_URL` ([`validate`](Self::validate)d first):
    /// SQLite for `sqlite://PATH` (creating the file) and `sqlite::memory:`, sqlx for the
    /// server URLs. The schema is not touched: [`Store::migrate`] does that (`otpkit
    /// migrate`), or use [`open`](Self::open).
    pub async fn open_store(&self) -> Result<Store, OpenError> {
        self.validate().map_err(OpenError::Settings)?;
        let url = self.database_url.as_str();
        if url.starts_with("sqlite:") {
            let store = SqliteStore::open(url).map_err(OpenError::Sqlite)?;
            Ok(Store::Sqlite(store))
        } else {
            let store = SqlxStore::connect(url).await.map_err(OpenError::Connect)?;
            Ok(Store::Sqlx(store))
        }
    }

    /// Everything an engine needs from the deployment, in one call: opens the store at
    /// `OTPKIT_DATABASE_URL`, brings its schema up to date, and loads the key ring that goes
    /// with it ([`load_key_ring`](Self::load_key_ring): `OTPKIT_SECRET_KEYS`,
    /// `OTPKIT_SECRET_KEYS_FILE`, or the file beside a SQLite database).
    ///
    /// ```
    /// use otpkit::{KeyRing, SecretString, Settings, UserId};
    /// use otpkit_cli::deploy::{Deployment, SQLITE_MEMORY_URL};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// // Usually Deployment::from_env(); here an in-memory database and a fresh key ring.
    /// let deployment = Deployment {
    ///     database_url: SQLITE_MEMORY_URL.to_owned(),
    ///     secret_keys: Some(SecretString::new(KeyRing::generate_entry("k1")?)),
    ///     ..Deployment::default()
    /// };
    /// let opened = deployment.open().await?;
    /// if let Some(path) = &opened.created_key_file {
    ///     eprintln!("created a new key ring at {}: back it up", path.display());
    /// }
    /// let engine = opened
    ///     .engine_builder()
    ///     .settings(Settings::default())
    ///     .mailer_arc(deployment.mailer()?)
    ///     .build()?;
    /// let alice = UserId::new("alice")?;
    /// assert!(!engine.user_has_device(Some(&alice), None).await?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn open(&self) -> Result<Opened, OpenError> {
        let store = self.open_store().await?;
        store.migrate().await?;
        let (keys, created_key_file) = self.load_key_ring().map_err(OpenError::KeyRing)?;
        Ok(Opened {
            store,
            keys,
            created_key_file,
        })
    }
}
