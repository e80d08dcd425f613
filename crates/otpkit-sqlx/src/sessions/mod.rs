//! tower-sessions stores on PostgreSQL and MySQL/MariaDB (feature `sessions`):
//! [`PgSessionStore`] and [`MySqlSessionStore`].
//!
//! Each runs on a sqlx pool — the device store's own ([`PgStore::pool`](crate::postgres::PgStore::pool))
//! or another — and keeps sessions in the table `otpkit_session`, created by its own
//! migrations (embedded from `migrations/sessions/<backend>/`, recorded in
//! [`SESSION_MIGRATIONS_TABLE`], never touching the device table or `otpkit_migrations`).
//! The SQL, the columns and the retries are described in the crate docs ("Sessions").

use crate::sqlx::migrate::Migrator;

use crate::migrations::Embedded;

#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;

#[cfg(feature = "mysql")]
#[cfg_attr(docsrs, doc(cfg(feature = "mysql")))]
pub use mysql::MySqlSessionStore;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use postgres::PgSessionStore;

/// The table that records the applied session migrations.
pub const SESSION_MIGRATIONS_TABLE: &str = "otpkit_session_migrations";

/// A migrator for the session `migrations`, recording into [`SESSION_MIGRATIONS_TABLE`].
pub(crate) fn migrator(migrations: &[Embedded]) -> Migrator {
    crate::migrations::migrator_into(migrations, SESSION_MIGRATIONS_TABLE)
}

/// The session store type of one backend: the struct, its constructors, and the
/// tower-sessions and [`UserSessions`](otpkit_sessions::UserSessions) impls over the
/// backend's query builders (`q_*`, `created`), which hold all of its SQL.
macro_rules! session_store {
    (
        $(#[$attr:meta])*
        pub struct $name:ident($dialect:ty, $pool:ty);
    ) => {
        $(#[$attr])*
        #[derive(Clone)]
        pub struct $name {
            pool: $pool,
            config: ::otpkit_sessions::SessionConfig,
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("connections", &self.pool.size())
                    .field("config", &self.config)
                    .finish()
            }
        }

        impl $name {
            /// Sessions on `pool` (e.g. the device store's), with the default
            /// [`SessionConfig`](otpkit_sessions::SessionConfig).
            pub fn new(pool: $pool) -> Self {
                Self::with_config(pool, ::otpkit_sessions::SessionConfig::default())
            }

            /// Sessions on `pool`, with `config`.
            pub fn with_config(pool: $pool, config: ::otpkit_sessions::SessionConfig) -> Self {
                $name { pool, config }
            }

            /// The pool.
            pub fn pool(&self) -> &$pool {
                &self.pool
            }

            /// The configuration.
            pub fn config(&self) -> &::otpkit_sessions::SessionConfig {
                &self.config
            }

            /// Runs one statement (`attempt` builds and runs it), again after a deadlock,
            /// serialisation failure or lock-wait timeout (nothing of it was written), at
            /// most [`MAX_RETRIES`](crate::MAX_RETRIES) times; any error fails closed.
            async fn retry<T, Fut>(
                what: &'static str,
                mut attempt: impl FnMut() -> Fut,
            ) -> ::tower_sessions_core::session_store::Result<T>
            where
                Fut: ::std::future::Future<Output = Result<T, $crate::sqlx::Error>>,
            {
                $crate::retry::run_stateless(what, || {
                    let f = attempt();
                    async move { f.await.map_err($crate::dialect::classify::<$dialect>) }
                })
                .await
                .map_err(::otpkit_sessions::codec::backend)
            }

            /// The embedded session migrations, recorded in
            /// [`SESSION_MIGRATIONS_TABLE`](crate::sessions::SESSION_MIGRATIONS_TABLE).
            pub fn migrator() -> $crate::sqlx::migrate::Migrator {
                $crate::sessions::migrator(Self::MIGRATIONS)
            }
        }

        /// Resurrection safe by itself: a deleted id becomes a tombstone row that `save`
        /// never writes over, and `create` never reuses an id.
        impl ::otpkit_sessions::ResurrectionSafe for $name {}

        #[::async_trait::async_trait]
        impl ::tower_sessions_core::SessionStore for $name {
            async fn create(
                &self,
                record: &mut ::tower_sessions_core::session::Record,
            ) -> ::tower_sessions_core::session_store::Result<()> {
                loop {
                    let enc = ::otpkit_sessions::codec::encode(&self.config, record)?;
                    let now = self.config.now_millis();
                    let inserted = Self::retry("session create", || async {
                        Self::created(Self::q_create(&enc, now).execute(&self.pool).await)
                    })
                    .await?;
                    if inserted {
                        return Ok(());
                    }
                    // Taken (a live session or a tombstone): draw another.
                    record.id = ::tower_sessions_core::session::Id::default();
                }
            }

            async fn save(
                &self,
                record: &::tower_sessions_core::session::Record,
            ) -> ::tower_sessions_core::session_store::Result<()> {
                let enc = ::otpkit_sessions::codec::encode(&self.config, record)?;
                let now = self.config.now_millis();
                Self::retry("session save", || Self::q_save(&enc, now).execute(&self.pool))
                    .await
                    .map(drop)
            }

            async fn load(
                &self,
                id: &::tower_sessions_core::session::Id,
            ) -> ::tower_sessions_core::session_store::Result<
                Option<::tower_sessions_core::session::Record>,
            > {
                use ::otpkit_sessions::codec::{backend, decode, id_bytes};
                let (key, now) = (id_bytes(id), self.config.now_millis());
                let row = Self::retry("session load", || {
                    Self::q_load(key, now).fetch_optional(&self.pool)
                })
                .await?;
                let Some(row) = row else { return Ok(None) };
                let data: String = $crate::sqlx::Row::try_get(&row, 0).map_err(backend)?;
                decode(*id, &data).map(Some)
            }

            async fn delete(
                &self,
                id: &::tower_sessions_core::session::Id,
            ) -> ::tower_sessions_core::session_store::Result<()> {
                let key = ::otpkit_sessions::codec::id_bytes(id);
                let (now, grace) = (self.config.now_millis(), self.config.tombstone_grace_millis());
                Self::retry("session delete", || {
                    Self::q_delete(key, now, grace).execute(&self.pool)
                })
                .await
                .map(drop)
            }
        }

        #[::async_trait::async_trait]
        impl ::tower_sessions_core::ExpiredDeletion for $name {
            async fn delete_expired(&self) -> ::tower_sessions_core::session_store::Result<()> {
                let now = self.config.now_millis();
                Self::retry("session delete_expired", || {
                    Self::q_delete_expired(now).execute(&self.pool)
                })
                .await
                .map(drop)
            }
        }

        #[::async_trait::async_trait]
        impl ::otpkit_sessions::UserSessions for $name {
            async fn list_sessions(
                &self,
                user: &::otpkit::UserId,
            ) -> ::tower_sessions_core::session_store::Result<Vec<::otpkit_sessions::SessionMeta>>
            {
                use ::otpkit_sessions::codec::backend;
                use $crate::sqlx::Row;
                let now = self.config.now_millis();
                let rows = Self::retry("session list", || {
                    Self::q_list(user, now).fetch_all(&self.pool)
                })
                .await?;
                rows.iter()
                    .map(|row| {
                        let id: Vec<u8> = row.try_get(0).map_err(backend)?;
                        let at = |i: usize| row.try_get::<i64, _>(i).map_err(backend);
                        let data: String = row.try_get(4).map_err(backend)?;
                        ::otpkit_sessions::codec::meta(&id, (at(1)?, at(2)?, at(3)?), &data)
                    })
                    .collect()
            }

            async fn end_session(
                &self,
                user: &::otpkit::UserId,
                id: &::tower_sessions_core::session::Id,
            ) -> ::tower_sessions_core::session_store::Result<bool> {
                let key = ::otpkit_sessions::codec::id_bytes(id);
                let (now, grace) = (self.config.now_millis(), self.config.tombstone_grace_millis());
                let done = Self::retry("session end", || {
                    Self::q_end(key, user, now, grace).execute(&self.pool)
                })
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn end_all_sessions(
                &self,
                user: &::otpkit::UserId,
                except: Option<&::tower_sessions_core::session::Id>,
            ) -> ::tower_sessions_core::session_store::Result<u64> {
                let except = except.map(::otpkit_sessions::codec::id_bytes);
                let (now, grace) = (self.config.now_millis(), self.config.tombstone_grace_millis());
                let done = Self::retry("session end_all", || {
                    Self::q_end_all(user, except, now, grace).execute(&self.pool)
                })
                .await?;
                Ok(done.rows_affected())
            }
        }
    };
}
pub(crate) use session_store;
