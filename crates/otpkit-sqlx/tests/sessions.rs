//! The session store conformance suite (otpkit-sessions) on PostgreSQL
//! (`OTPKIT_TEST_POSTGRES_URL`) and MariaDB/MySQL (`OTPKIT_TEST_MYSQL_URL`): every case gets
//! two session stores on two pools of one new database, dropped afterwards; with neither the
//! URL nor `OTPKIT_REQUIRE_DB` set, the cases are skipped (and say so).
//!
//! The races repeat `OTPKIT_CONFORMANCE_REPETITIONS` times (default 200).
#![cfg(feature = "sessions")]
// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use otpkit_sessions::SessionConfig;
use otpkit_sessions::conformance::Held;

use common::{DropOnExit, Server};

/// A session store that keeps its test database alive until the last handle is gone.
type Guarded<S> = Held<S, DropOnExit>;

/// Two session stores (two pools) on one new database; the first migrates (and shows that a
/// second migration is a no-op), beside the device table.
macro_rules! pair {
    ($server:expr, $devices:ty, $sessions:ty, $config:expr) => {{
        let (url, db) = common::fresh_database($server).await?;
        let devices = <$devices>::connect(&url).await.unwrap();
        devices.migrate().await.unwrap();
        let a = <$sessions>::with_config(devices.pool().clone(), $config.clone());
        a.migrate().await.unwrap();
        a.migrate().await.unwrap();
        let b = <$sessions>::with_config(
            <$devices>::connect(&url).await.unwrap().pool().clone(),
            $config,
        );
        Some((Held::new(a, db.clone()), Held::new(b, db)))
    }};
}

#[cfg(feature = "postgres")]
async fn postgres(
    config: SessionConfig,
) -> Option<(
    Guarded<otpkit_sqlx::sessions::PgSessionStore>,
    Guarded<otpkit_sqlx::sessions::PgSessionStore>,
)> {
    use otpkit_sqlx::postgres::PgStore;
    use otpkit_sqlx::sessions::PgSessionStore;
    pair!(Server::Postgres, PgStore, PgSessionStore, config)
}

#[cfg(feature = "mysql")]
async fn mysql(
    config: SessionConfig,
) -> Option<(
    Guarded<otpkit_sqlx::sessions::MySqlSessionStore>,
    Guarded<otpkit_sqlx::sessions::MySqlSessionStore>,
)> {
    use otpkit_sqlx::mysql::MySqlStore;
    use otpkit_sqlx::sessions::MySqlSessionStore;
    pair!(Server::MySql, MySqlStore, MySqlSessionStore, config)
}

#[cfg(feature = "postgres")]
mod postgres_sessions {
    otpkit_sessions::session_store_conformance_tests!(crate::postgres);
}

#[cfg(feature = "mysql")]
mod mysql_sessions {
    otpkit_sessions::session_store_conformance_tests!(crate::mysql);
}

/// An unreachable server fails closed: `Backend` errors, never "no session".
#[cfg(feature = "postgres")]
#[tokio::test]
async fn an_unreachable_server_fails_closed() {
    use otpkit::UserId;
    use otpkit_sessions::UserSessions;
    use otpkit_sqlx::sessions::PgSessionStore;
    use tower_sessions::session::Id;
    use tower_sessions::{SessionStore, session_store};
    let pool = otpkit_sqlx::sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_millis(500))
        .connect_lazy("postgres://nobody@127.0.0.1:1/none")
        .unwrap();
    let store = PgSessionStore::new(pool);
    let err = store.load(&Id::default()).await.unwrap_err();
    assert!(matches!(err, session_store::Error::Backend(_)), "{err:?}");
    let err = store
        .list_sessions(&UserId::new("alice").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, session_store::Error::Backend(_)), "{err:?}");
    let shown = format!("{store:?}");
    assert!(
        shown.starts_with("PgSessionStore") && !shown.contains("nobody"),
        "{shown}"
    );
}
