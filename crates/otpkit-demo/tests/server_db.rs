//! The demo on PostgreSQL and MariaDB/MySQL: `OTPKIT_DATABASE_URL=postgres://…` (or
//! `mysql://…`) with `OTPKIT_SECRET_KEYS`, each run on a fresh database. Sign-up, TOTP
//! enrolment, a restart (the verified session survives it) and a login with password and
//! TOTP; users live in `demo_user` and sessions in `otpkit_session` in the same database.
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

use common::{Demo, Http, TotpGen, enrolment_secret_and_uri, run_demo};

fn full_flow(var: &str) {
    let Some(fresh) = common::FreshDatabase::create(var) else {
        return;
    };
    let db_url = fresh.url.clone();
    let dir = tempfile::tempdir().unwrap();

    // Without a key ring the demo refuses to start on a server database.
    let out = run_demo(&db_url, &[], &["otp", "device", "list"], None);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("OTPKIT_SECRET_KEYS"));

    let keys = common::generate_key_ring(&db_url);
    let env = [("OTPKIT_SECRET_KEYS", keys.as_str())];

    let demo = Demo::start_on(dir.path(), &db_url, &env);
    let http = Http::new(&demo.url);
    http.sign_up("sam", "sam-password-1", Some("sam@example.com"));
    let page = http.start_totp();
    let (secret, uri) = enrolment_secret_and_uri(&page.body);
    assert!(
        uri.starts_with("otpauth://totp/otpkit%20demo:sam?secret="),
        "{uri}"
    );
    let mut codes = TotpGen::new(&secret);
    let done = http.submit(
        &page,
        "/otp/devices/totp/new/",
        &[("otp_token", &codes.next_code())],
    );
    assert_eq!(done.path, "/otp/devices/new/backup-codes/", "{}", done.body);
    assert_eq!(http.level(), "verified");

    let dup = demo.command(
        &["createuser", "sam", "--password-stdin"],
        Some("another-password\n"),
    );
    assert_eq!(dup.status.code(), Some(1), "{dup:?}");
    let cookie = http
        .cookie("otpkit_demo_session")
        .expect("a session cookie");
    demo.stop();

    let demo = Demo::start_on(dir.path(), &db_url, &env);
    // The session lives in the database: the same cookie is still verified.
    let kept = Http::new(&demo.url);
    kept.set_cookie("otpkit_demo_session", &cookie);
    assert_eq!(kept.level(), "verified");
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
    // The app and the backup codes the setup made.
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    assert_eq!(list[0]["model_label"], "otp_totp.totpdevice");
    assert_eq!(list[1]["model_label"], "otp_static.staticdevice");
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
