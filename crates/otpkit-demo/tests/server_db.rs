//! The demo on PostgreSQL and MariaDB/MySQL: `OTPKIT_DATABASE_URL=postgres://…` (or
//! `mysql://…`) with `OTPKIT_SECRET_KEYS`, each run on a fresh database. Sign-up, TOTP
//! enrolment, a restart and a login with password and TOTP; users live in `demo_user` in
//! the same database.
//!
//! Like otpkit-sqlx's suites, these run when `OTPKIT_TEST_POSTGRES_URL` /
//! `OTPKIT_TEST_MYSQL_URL` name a server (`.ci/run` sets both), are skipped with a SKIPPED
//! line otherwise, and fail when the URL is missing but `OTPKIT_REQUIRE_DB=1`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{Demo, Http, TotpGen, enrolment_secret_and_uri, env_flag, run_demo};
use otpkit_sqlx::sqlx::{self, AssertSqlSafe, Connection};

fn base_url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ => {
            assert!(
                !env_flag("OTPKIT_REQUIRE_DB"),
                "{var} is not set, but OTPKIT_REQUIRE_DB is"
            );
            common::skipped(&format!("{var} is not set"));
            None
        }
    }
}

/// `base` with its database replaced by `name`.
fn with_database(base: &str, name: &str) -> String {
    let (scheme, rest) = base.split_once("://").unwrap();
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let query = tail.find('?').map_or("", |i| &tail[i..]);
    format!("{scheme}://{authority}/{name}{query}")
}

/// Creates (`create`) or drops a database on the server of `base`.
fn admin(base: &str, name: &str, create: bool) {
    let sql = if create {
        format!("CREATE DATABASE {name}")
    } else {
        format!("DROP DATABASE IF EXISTS {name}")
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        if base.starts_with("mysql") || base.starts_with("mariadb") {
            let mut c = sqlx::MySqlConnection::connect(base).await.unwrap();
            sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(&mut c)
                .await
                .unwrap();
        } else {
            let mut c = sqlx::PgConnection::connect(base).await.unwrap();
            sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(&mut c)
                .await
                .unwrap();
        }
    });
}

/// Drops the database when the test ends, passed or not.
struct Fresh {
    base: String,
    name: String,
}

impl Drop for Fresh {
    fn drop(&mut self) {
        admin(&self.base, &self.name, false);
    }
}

fn full_flow(var: &str) {
    let Some(base) = base_url(var) else { return };
    let name = format!("otpkit_demo_{:016x}", getrandom::u64().unwrap());
    admin(&base, &name, true);
    let _fresh = Fresh {
        base: base.clone(),
        name: name.clone(),
    };
    let db_url = with_database(&base, &name);
    let dir = tempfile::tempdir().unwrap();

    // Without a key ring the demo refuses to start on a server database.
    let out = run_demo(&db_url, &[], &["otp", "device", "list"], None);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("OTPKIT_SECRET_KEYS"));

    let keys = run_demo(
        &db_url,
        &[],
        &["otp", "keys", "generate", "--id", "k1"],
        None,
    );
    assert!(keys.status.success(), "{keys:?}");
    let keys = String::from_utf8(keys.stdout).unwrap().trim().to_owned();
    let env = [("OTPKIT_SECRET_KEYS", keys.as_str())];

    let demo = Demo::start_on(dir.path(), &db_url, &env);
    let http = Http::new(&demo.url);
    http.sign_up("sam", "sam-password-1", Some("sam@example.com"));
    let page = http.start_totp();
    let (secret, uri) = enrolment_secret_and_uri(&page.body);
    assert!(uri.starts_with("otpauth://totp/sam?secret="), "{uri}");
    let mut codes = TotpGen::new(&secret);
    let done = http.submit(
        &page,
        "/otp/devices/totp/new/",
        &[("otp_token", &codes.next_code())],
    );
    assert_eq!(done.path, "/otp/devices/", "{}", done.body);
    assert_eq!(http.level(), "verified");

    let dup = demo.command(
        &["createuser", "sam", "--password-stdin"],
        Some("another-password\n"),
    );
    assert_eq!(dup.status.code(), Some(1), "{dup:?}");
    demo.stop();

    let demo = Demo::start_on(dir.path(), &db_url, &env);
    let http = Http::new(&demo.url);
    let login = http.get("/otp/login/");
    let home = http.submit(
        &login,
        "/otp/login/",
        &[
            ("username", "sam"),
            ("password", "sam-password-1"),
            ("otp_token", &codes.next_code()),
        ],
    );
    assert_eq!(home.path, "/", "{}", home.body);
    assert_eq!(http.level(), "verified");
    let list: serde_json::Value =
        serde_json::from_str(&demo.otp(&["device", "list", "--user", "sam", "--json"])).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["model_label"], "otp_totp.totpdevice");
    demo.stop();
}

#[test]
fn demo_on_postgres() {
    full_flow("OTPKIT_TEST_POSTGRES_URL");
}

#[test]
fn demo_on_mysql() {
    full_flow("OTPKIT_TEST_MYSQL_URL");
}
