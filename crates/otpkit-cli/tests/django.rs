//! `otpkit import django` on a SQLite Django database (Django 5.2 / django-otp 1.7.5's
//! tables): a dry run writes nothing, a real run imports every device with its persistent
//! id, a second run imports nothing, and a skipped device makes the exit code 4.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::Env;

/// `auth_user` and django-otp's tables as Django 5.2's SQLite backend creates them: the
/// fixture otpkit-django's tests use too.
const SQLITE_SCHEMA: &str = include_str!("../../otpkit-django/tests/django/sqlite_schema.sql");

/// alice: a TOTP device with django-otp's old 10-byte key, two static tokens and an email
/// device without its own address; bob: an HOTP device.
const ROWS: &str = "
INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined) VALUES
 (1, '', '0', 'alice', '', '', 'alice@example.com', '0', '1', '2025-11-30 12:00:00'),
 (2, '', '0', 'bob', '', '', 'bob@example.com', '0', '1', '2025-11-30 12:00:00');
INSERT INTO otp_totp_totpdevice (id, name, confirmed, key, step, t0, digits, tolerance, drift, last_t, user_id, throttling_failure_count, throttling_failure_timestamp, created_at, last_used_at) VALUES
 (7, 'phone', '1', '3132333435363738393A', 30, 0, 6, 1, 0, 59000000, 1, 0, NULL, '2026-01-02 03:04:05', NULL);
INSERT INTO otp_hotp_hotpdevice (id, name, confirmed, key, digits, tolerance, counter, user_id, throttling_failure_count, throttling_failure_timestamp, created_at, last_used_at) VALUES
 (3, 'token', '1', '00112233445566778899aabbccddeeff00112233', 6, 5, 12, 2, 0, NULL, NULL, NULL);
INSERT INTO otp_static_staticdevice (id, name, confirmed, user_id, throttling_failure_count, throttling_failure_timestamp, created_at, last_used_at) VALUES
 (5, 'backup', '1', 1, 0, NULL, '2026-06-01 00:00:00', NULL);
INSERT INTO otp_static_statictoken (id, token, device_id) VALUES (10, 'abcd1234', 5), (11, 'efgh5678', 5);
INSERT INTO otp_email_emaildevice (id, name, confirmed, token, valid_until, email, user_id, throttling_failure_count, throttling_failure_timestamp, created_at, last_used_at, last_generated_timestamp) VALUES
 (2, 'mail', '1', NULL, '2026-06-01 00:00:00', '', 1, 0, NULL, NULL, NULL, NULL);
";

/// A Django database beside the otpkit one.
fn django_db(e: &Env) -> String {
    let path = e.db.with_file_name("django.sqlite3");
    let conn = rusqlite::Connection::open(&path).unwrap();
    // Dangling rows in a test (user 42): no foreign key checks.
    conn.execute_batch("PRAGMA foreign_keys = OFF;").unwrap();
    conn.execute_batch(SQLITE_SCHEMA).unwrap();
    conn.execute_batch(ROWS).unwrap();
    format!("sqlite://{}", path.display())
}

fn pids(e: &Env) -> Vec<String> {
    let mut pids: Vec<String> = e
        .devices()
        .iter()
        .map(|d| d["persistent_id"].as_str().unwrap().to_owned())
        .collect();
    pids.sort();
    pids
}

#[test]
fn dry_run_then_import_then_again() {
    let e = Env::new();
    let url = django_db(&e);

    let out = e.ok(&["import", "django", "--from", &url, "--dry-run"]);
    assert!(out.starts_with("Dry run: nothing was written."), "{out}");
    assert!(
        out.contains(
            "otp_totp.totpdevice: 1 read, 1 would be imported, 0 already imported, 0 skipped"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "Re-enrolment recommended (keys shorter than 16 bytes):\n  otp_totp.totpdevice/7"
        ),
        "{out}"
    );
    assert!(e.devices().is_empty());

    let out = e.ok(&["import", "django", "--from", &url]);
    assert!(
        out.contains("otp_hotp.hotpdevice: 1 read, 1 imported, 0 already imported, 0 skipped"),
        "{out}"
    );
    assert_eq!(
        pids(&e),
        [
            "otp_email.emaildevice/2",
            "otp_hotp.hotpdevice/3",
            "otp_static.staticdevice/5",
            "otp_totp.totpdevice/7",
        ]
    );
    let devices = e.devices();
    let totp = devices
        .iter()
        .find(|d| d["persistent_id"] == "otp_totp.totpdevice/7")
        .unwrap();
    assert_eq!(totp["user"], "alice");
    assert_eq!(totp["name"], "phone");
    let hotp = e.ok(&["device", "show", "otp_hotp.hotpdevice/3", "--json"]);
    assert!(hotp.contains("\"bob\""), "{hotp}");
    // A static token imported from Django verifies.
    assert_eq!(
        e.ok(&["verify", "alice", "otp_static.staticdevice/5", "abcd1234"])
            .trim(),
        "accepted"
    );

    let json = e.ok(&["import", "django", "--from", &url, "--json"]);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    for kind in report["kinds"].as_object().unwrap().values() {
        assert_eq!(kind["imported"], 0, "{json}");
        assert_eq!(kind["already_imported"], 1, "{json}");
    }
    // The code used in otpkit since (one left there, two in Django) is no change in Django.
    assert_eq!(report["changed"], serde_json::json!([]), "{json}");
    assert_eq!(report["dry_run"], false);
    assert!(
        !json.contains("abcd1234") && !json.contains("3132333435"),
        "{json}"
    );
    assert_eq!(pids(&e).len(), 4);
}

#[test]
fn skipped_devices_exit_4_and_the_rest_is_imported() {
    let e = Env::new();
    let url = django_db(&e);
    let path = url.trim_start_matches("sqlite://");
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF;
         INSERT INTO otp_totp_totpdevice (id, name, confirmed, key, step, t0, digits, tolerance, drift, last_t, user_id, throttling_failure_count) VALUES
         (8, 'bad', '1', 'not hex', 30, 0, 6, 1, 0, -1, 2, 0),
         (9, 'nobody', '1', '3132333435363738393031323334353637383930', 30, 0, 6, 1, 0, -1, 42, 0);",
    )
    .unwrap();
    let o = e.run(&["import", "django", "--from", &url]);
    assert_eq!(o.status.code(), Some(4));
    let out = String::from_utf8(o.stdout).unwrap();
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(out.contains("Skipped:\n"), "{out}");
    assert!(
        out.contains("otp_totp.totpdevice/8 (Django user 2): the key is not hexadecimal"),
        "{out}"
    );
    assert!(
        out.contains("otp_totp.totpdevice/9 (Django user 42): "),
        "{out}"
    );
    assert!(err.contains("devices skipped: 2, users failed: 0"), "{err}");
    assert_eq!(pids(&e).len(), 4);
}

#[test]
fn user_mapping_by_id_or_query() {
    let e = Env::new();
    let url = django_db(&e);
    e.ok(&["import", "django", "--from", &url, "--users", "id"]);
    let users: Vec<String> = e
        .devices()
        .iter()
        .map(|d| d["user"].as_str().unwrap().to_owned())
        .collect();
    assert!(users.iter().all(|u| u == "1" || u == "2"), "{users:?}");

    let e = Env::new();
    let url = django_db(&e);
    let q = "SELECT id, email FROM auth_user";
    e.ok(&["import", "django", "--from", &url, "--user-query", q]);
    assert!(e.devices().iter().any(|d| d["user"] == "bob@example.com"));

    let err = e.fails(
        &[
            "import",
            "django",
            "--from",
            &url,
            "--users",
            "id",
            "--user-query",
            q,
        ],
        2,
    );
    assert!(err.contains("cannot be used with"), "{err}");
    let err = e.fails(&["import", "django", "--from", "oracle://x"], 1);
    assert!(err.contains("unsupported database URL scheme"), "{err}");
}
