//! The passkey store conformance cases on PostgreSQL (`OTPKIT_TEST_POSTGRES_URL`) and
//! MariaDB/MySQL (`OTPKIT_TEST_MYSQL_URL`): two `SqlxStore`s (two pools, two nodes) on one
//! new database per case, dropped afterwards. A missing URL skips the case (saying so),
//! unless `OTPKIT_REQUIRE_DB` is set, which makes it fail.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::future::Future;
use std::sync::Arc;

use otpkit::store::DeviceStore;
use otpkit_sqlx::SqlxStore;
use otpkit_sqlx::sqlx::{self, AssertSqlSafe, Connection};
use otpkit_webauthn::webauthn_rs::prelude::Uuid;

fn require_db() -> bool {
    std::env::var("OTPKIT_REQUIRE_DB")
        .is_ok_and(|v| !(v.trim().is_empty() || v == "0" || v.eq_ignore_ascii_case("false")))
}

/// `base` with its database replaced by `name` (query string kept).
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
        c.close().await.unwrap();
    } else {
        let mut c = sqlx::MySqlConnection::connect(base).await.unwrap();
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut c)
            .await
            .unwrap();
        c.close().await.unwrap();
    }
}

/// Runs `case` on two stores on a new database of the server in `var`, then drops it.
async fn on_fresh_db<F, Fut>(var: &str, case: F)
where
    F: FnOnce(Arc<dyn DeviceStore>, Arc<dyn DeviceStore>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(base) = std::env::var(var).ok().filter(|u| !u.trim().is_empty()) else {
        assert!(!require_db(), "{var} is not set, but OTPKIT_REQUIRE_DB is");
        eprintln!("SKIPPED (passes without running): {var} is not set");
        return;
    };
    let name = format!("otpkit_wa_{}", Uuid::new_v4().simple());
    let pg = base.starts_with("postgres");
    admin(&base, format!("CREATE DATABASE {name}")).await;
    let url = with_database(&base, &name);
    let (a, b) = (
        SqlxStore::connect(&url).await.unwrap(),
        SqlxStore::connect(&url).await.unwrap(),
    );
    a.migrate().await.unwrap();
    let outcome = tokio::spawn(case(Arc::new(a), Arc::new(b))).await;
    let force = if pg { " WITH (FORCE)" } else { "" };
    admin(&base, format!("DROP DATABASE IF EXISTS {name}{force}")).await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// The passkey conformance cases on the server in `$var`.
macro_rules! sql_cases {
    ($var:literal) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn concurrent_finishes_accept_one() {
            on_fresh_db($var, common::suite::concurrent_finishes_accept_one).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn concurrent_bad_assertions_count_exactly() {
            on_fresh_db($var, common::suite::concurrent_bad_assertions_count_exactly).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn concurrent_passwordless_finishes_accept_one() {
            on_fresh_db(
                $var,
                common::suite::concurrent_passwordless_finishes_accept_one,
            )
            .await;
        }
    };
}

mod postgres {
    use super::*;
    sql_cases!("OTPKIT_TEST_POSTGRES_URL");
}

mod mariadb {
    use super::*;
    sql_cases!("OTPKIT_TEST_MYSQL_URL");
}
