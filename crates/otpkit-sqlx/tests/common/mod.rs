//! Test harness shared by `tests/postgres.rs` and `tests/mysql.rs`: the environment switches
//! and a fresh database per test.
//!
//! - `OTPKIT_TEST_POSTGRES_URL`, `OTPKIT_TEST_MYSQL_URL`: a server and a database to connect
//!   to for administration (`CREATE DATABASE` / `DROP DATABASE`).
//! - `OTPKIT_REQUIRE_DB`: when set (to anything but `0`, `false` or nothing), a missing URL
//!   fails the test instead of skipping it. A URL that is set but unreachable always fails.
#![allow(dead_code)]

pub mod cases;

use std::future::Future;

use sqlx::{AssertSqlSafe, Connection};

/// Whether the environment insists on a real database.
pub fn require_db() -> bool {
    match std::env::var("OTPKIT_REQUIRE_DB") {
        Ok(v) => {
            let v = v.trim();
            !(v.is_empty() || v == "0" || v.eq_ignore_ascii_case("false"))
        }
        Err(_) => false,
    }
}

/// The base URL in `var`, or `None` (after saying so) when the test is to be skipped.
pub fn base_url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ => {
            assert!(
                !require_db(),
                "{var} is not set, but OTPKIT_REQUIRE_DB is: set {var} to a server URL \
                 (e.g. postgres://postgres@127.0.0.1:5432/test or \
                 mysql://root@127.0.0.1:3306/test)"
            );
            eprintln!(
                "SKIPPED (passes without running): {var} is not set. Set it to run this test \
                 against a real server; set OTPKIT_REQUIRE_DB=1 to make a missing URL fail."
            );
            None
        }
    }
}

/// A database name nobody else uses: `otpkit_t_<16 hex digits>`.
pub fn unique_name() -> String {
    format!("otpkit_t_{:016x}", getrandom::u64().unwrap())
}

/// `base` with its database path replaced by `name` (query string kept).
pub fn url_with_database(base: &str, name: &str) -> String {
    let (scheme, rest) = base.split_once("://").expect("a URL with a scheme");
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let query = tail.find('?').map_or("", |i| &tail[i..]);
    format!("{scheme}://{authority}/{name}{query}")
}

/// Which server a fresh database is made on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    Postgres,
    MySql,
}

impl Server {
    fn var(self) -> &'static str {
        match self {
            Server::Postgres => "OTPKIT_TEST_POSTGRES_URL",
            Server::MySql => "OTPKIT_TEST_MYSQL_URL",
        }
    }
}

/// Runs `body` with the URL of a new, empty database on `server`, then drops the database —
/// also when `body` panics (the panic is passed on afterwards). Skips when the server's URL
/// is unset (see the module docs).
pub async fn with_fresh_db<F, Fut>(server: Server, body: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(base) = base_url(server.var()) else {
        return;
    };
    let name = unique_name();
    let url = url_with_database(&base, &name);
    let timer = Timer::start();
    let outcome = match server {
        Server::Postgres => {
            let mut admin = sqlx::PgConnection::connect(&base)
                .await
                .unwrap_or_else(|e| panic!("cannot reach PostgreSQL ({}): {e}", server.var()));
            sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                .execute(&mut admin)
                .await
                .unwrap();
            let outcome = tokio::spawn(body(url)).await;
            if let Err(e) =
                sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE \"{name}\" WITH (FORCE)")))
                    .execute(&mut admin)
                    .await
            {
                eprintln!("note: could not drop test database {name}: {e}");
            }
            outcome
        }
        Server::MySql => {
            let mut admin = sqlx::MySqlConnection::connect(&base)
                .await
                .unwrap_or_else(|e| panic!("cannot reach MySQL ({}): {e}", server.var()));
            // latin1 on purpose: the migration must not depend on the database's charset.
            sqlx::raw_sql(AssertSqlSafe(format!(
                "CREATE DATABASE `{name}` CHARACTER SET latin1"
            )))
            .execute(&mut admin)
            .await
            .unwrap();
            let outcome = tokio::spawn(body(url)).await;
            if let Err(e) = sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE `{name}`")))
                .execute(&mut admin)
                .await
            {
                eprintln!("note: could not drop test database {name}: {e}");
            }
            outcome
        }
    };
    timer.report();
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("test task failed: {e}");
    }
}

/// Prints how long a test took (run with `--nocapture` to see it).
struct Timer(std::time::Instant);

impl Timer {
    #[allow(clippy::disallowed_methods, reason = "test timing, not a policy clock")]
    fn start() -> Self {
        Timer(std::time::Instant::now())
    }

    fn report(&self) {
        let test = std::thread::current()
            .name()
            .unwrap_or("?")
            .to_owned();
        eprintln!("timing: {test}: {} ms", self.0.elapsed().as_millis());
    }
}
