//! `otpkit migrate` creates the trusted-browser and grace tables on every backend, also on a
//! database an older otpkit migrated (the device table only). The server cases run against
//! `OTPKIT_TEST_POSTGRES_URL` / `OTPKIT_TEST_MYSQL_URL` on a database of their own, dropped
//! afterwards; without the URL they say SKIPPED (with `OTPKIT_REQUIRE_DB` they fail).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use otpkit::trust::TrustStore;
use otpkit::{Timestamp, UserId};
use otpkit_sqlite::{SCHEMA_VERSION, SqliteStore};
use otpkit_sqlx::SqlxStore;
use otpkit_sqlx::sqlx::migrate::{Migration, MigrationType, Migrator};
use otpkit_sqlx::sqlx::{self, AssertSqlSafe, Connection, SqlStr};

use common::Env;

const T0: Timestamp = Timestamp::from_secs(1_700_000_000);

async fn trust_tables_work(store: &dyn TrustStore) {
    let alice = UserId::new("alice").unwrap();
    assert_eq!(store.grace_started(&alice, T0).await.unwrap(), T0);
    assert!(store.list_trusted(&alice).await.unwrap().is_empty());
}

#[tokio::test]
async fn sqlite() {
    let e = Env::new(); // runs `otpkit migrate`
    let store = SqliteStore::open(&format!("sqlite://{}", e.db.display())).unwrap();
    assert_eq!(store.schema_version().await.unwrap(), SCHEMA_VERSION);
    trust_tables_work(&store).await;
    drop(store);
    e.ok(&["migrate"]);
}

fn require_db() -> bool {
    std::env::var("OTPKIT_REQUIRE_DB")
        .is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false" | "FALSE" | "False"))
}

/// `base` with its database path replaced by `name`.
fn with_database(base: &str, name: &str) -> String {
    let (scheme, rest) = base.split_once("://").unwrap();
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    let query = tail.find('?').map_or("", |i| &tail[i..]);
    format!("{scheme}://{authority}/{name}{query}")
}

async fn admin(base: &str, sql: String) {
    if base.starts_with("postgres") {
        let mut c = sqlx::PgConnection::connect(base).await.unwrap();
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut c)
            .await
            .unwrap();
    } else {
        let mut c = sqlx::MySqlConnection::connect(base).await.unwrap();
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut c)
            .await
            .unwrap();
    }
}

/// Migration 1 only, as an older otpkit recorded it.
fn version_1(sql: &'static str) -> Migrator {
    let first = Migration::new(
        1,
        "otpkit_device".into(),
        MigrationType::Simple,
        SqlStr::from_static(sql),
        false,
    );
    let mut m = Migrator::with_migrations(vec![first]);
    m.dangerous_set_table_name(otpkit_sqlx::MIGRATIONS_TABLE);
    m.set_locking(false);
    m
}

/// Runs `otpkit --database-url URL migrate` with no `OTPKIT_*` variable of the test's own.
fn migrate(url: &str) {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_otpkit"));
    c.args(["--database-url", url, "migrate"]);
    for (k, _) in std::env::vars() {
        if k.starts_with("OTPKIT_") || k.starts_with("OTP_") {
            c.env_remove(k);
        }
    }
    let o = c.output().unwrap();
    assert!(
        o.status.success(),
        "otpkit migrate: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A new database with the device table only; `otpkit migrate` (twice); the trust tables
/// answer; the database is dropped.
async fn server(var: &str, v1: &'static str) {
    let Some(base) = std::env::var(var).ok().filter(|u| !u.trim().is_empty()) else {
        assert!(!require_db(), "{var} is not set, but OTPKIT_REQUIRE_DB is");
        eprintln!("SKIPPED: {var} is not set");
        return;
    };
    let name = format!("otpkit_t_{:016x}", getrandom::u64().unwrap());
    let pg = base.starts_with("postgres");
    let (create, drop) = if pg {
        (
            format!("CREATE DATABASE \"{name}\""),
            format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
        )
    } else {
        (
            format!("CREATE DATABASE `{name}`"),
            format!("DROP DATABASE IF EXISTS `{name}`"),
        )
    };
    admin(&base, create).await;
    let url = with_database(&base, &name);
    let outcome = tokio::spawn({
        let url = url.clone();
        async move {
            let store = SqlxStore::connect(&url).await.unwrap();
            match &store {
                SqlxStore::Postgres(s) => version_1(v1).run(s.pool()).await.unwrap(),
                SqlxStore::MySql(s) => version_1(v1).run(s.pool()).await.unwrap(),
                _ => unreachable!(),
            }
            let alice = UserId::new("alice").unwrap();
            assert!(
                store.list_trusted(&alice).await.is_err(),
                "no trust table yet"
            );
            for _ in 0..2 {
                migrate(&url);
            }
            trust_tables_work(&store).await;
        }
    })
    .await;
    admin(&base, drop).await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

#[tokio::test]
async fn postgres() {
    server(
        "OTPKIT_TEST_POSTGRES_URL",
        include_str!("../../otpkit-sqlx/migrations/postgres/0001_otpkit_device.sql"),
    )
    .await;
}

#[tokio::test]
async fn mysql() {
    server(
        "OTPKIT_TEST_MYSQL_URL",
        include_str!("../../otpkit-sqlx/migrations/mysql/0001_otpkit_device.sql"),
    )
    .await;
}
