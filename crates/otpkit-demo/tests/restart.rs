//! Restarting the demo keeps users, devices, counters, throttling state and sessions:
//! everything lives in the SQLite file and its key file. A session signed in and verified
//! before a SIGKILL is still signed in and verified after the restart.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{Demo, Http, Page, html_unescape};
use otpkit::oath::{Algorithm, Digits, hotp};

/// Every device of `user` as `otp device show --json` reports it (kind state, failure
/// count, throttled-until, counters), by persistent id.
fn snapshot(demo: &Demo, user: &str) -> serde_json::Value {
    let list: serde_json::Value =
        serde_json::from_str(&demo.otp(&["device", "list", "--user", user, "--json"])).unwrap();
    let mut all = serde_json::Map::new();
    for d in list.as_array().unwrap() {
        let pid = d["persistent_id"].as_str().unwrap();
        let show: serde_json::Value =
            serde_json::from_str(&demo.otp(&["device", "show", pid, "--json"])).unwrap();
        all.insert(pid.to_owned(), show);
    }
    serde_json::Value::Object(all)
}

fn pid_of(snap: &serde_json::Value, label: &str) -> String {
    snap.as_object()
        .unwrap()
        .keys()
        .find(|k| k.starts_with(label))
        .unwrap_or_else(|| panic!("no {label} in {snap}"))
        .clone()
}

fn log_out(http: &Http) {
    let home = http.get("/");
    let page = http.submit(&home, "/otp/logout/", &[]);
    assert_eq!(page.status, 200);
    assert_eq!(http.level(), "anonymous");
}

/// The password step; returns the token-step page.
fn password_step(http: &Http, user: &str, password: &str) -> Page {
    let login = http.get("/otp/login/");
    let page = http.submit(
        &login,
        "/otp/login/",
        &[("username", user), ("password", password)],
    );
    assert!(page.body.contains("name=\"otp_device\""), "{}", page.body);
    page
}

#[test]
fn restart_keeps_users_devices_counters_and_throttling_state() {
    let dir = tempfile::tempdir().unwrap();
    // A long TOTP back-off, so that the throttle cannot expire while the test runs; none
    // for HOTP, whose replayed code below must not delay the next one.
    let env = [
        ("OTP_TOTP_THROTTLE_FACTOR", "900"),
        ("OTP_HOTP_THROTTLE_FACTOR", "0"),
    ];
    let demo = Demo::start(dir.path(), &env);

    // The database and its key file were created on first run; the key file is 0600 and
    // its creation was announced once.
    let keys = dir.path().join("demo.sqlite3.keys");
    assert!(dir.path().join("demo.sqlite3").is_file());
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&keys).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "key file mode {mode:o}");
    }
    assert_eq!(demo.stderr().matches("created a new key ring").count(), 1);
    let key_text = std::fs::read_to_string(&keys).unwrap();

    // A user with a TOTP device enrolled through the web, and backup codes.
    let http = Http::new(&demo.url);
    http.sign_up("carol", "carol-password-1", Some("carol@example.com"));
    let (codes, done) = http.enrol_totp();
    // The setup made the backup codes and shows them.
    assert!(done.body.contains(r#"<ol class="codes""#), "{}", done.body);

    // An HOTP device made with the embedded CLI, its counter advanced to 2.
    let added: serde_json::Value = serde_json::from_str(&demo.otp(&[
        "device", "add", "hotp", "--user", "carol", "--name", "Token", "--json",
    ]))
    .unwrap();
    let hotp_pid = added["persistent_id"].as_str().unwrap().to_owned();
    let uri = added["uri"].as_str().unwrap();
    let hotp_secret = uri
        .split("secret=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let key = otpkit::encoding::decode_base32_secret(hotp_secret).unwrap();
    for counter in 0..2 {
        let code = hotp(key.expose(), counter, Digits::SIX, Algorithm::Sha1);
        let out = demo.otp(&["verify", "carol", &hotp_pid, code.expose()]);
        assert_eq!(out.trim(), "accepted");
    }

    // A staff user made with the demo's createuser.
    let out = demo.command(
        &["createuser", "dave", "--staff", "--password-stdin"],
        Some("dave-password-1\n"),
    );
    assert!(out.status.success(), "{out:?}");

    // A failure on the TOTP device: a wrong code at the token step, then the device is
    // throttled for 900 s and even the right code is refused.
    log_out(&http);
    let before = snapshot(&demo, "carol");
    let totp_pid = pid_of(&before, "otp_totp.totpdevice/");
    let step = password_step(&http, "carol", "carol-password-1");
    let wrong = http.submit(
        &step,
        "/otp/login/",
        &[
            ("otp_device", &totp_pid),
            ("otp_token", &codes.wrong_code()),
        ],
    );
    assert!(
        wrong.body.contains("That code is not valid."),
        "{}",
        wrong.body
    );
    let throttled = http.submit(
        &wrong,
        "/otp/login/",
        &[("otp_device", &totp_pid), ("otp_token", &codes.peek())],
    );
    assert!(
        throttled
            .body
            .contains("Too many wrong codes. Try again in"),
        "{}",
        throttled.body
    );

    let before = snapshot(&demo, "carol");
    let totp_state = &before[&totp_pid];
    assert_eq!(totp_state["failure_count"], 1);
    assert!(totp_state["throttled_until"].is_string(), "{totp_state}");
    assert!(totp_state["kind_state"]["last_t"].as_i64().unwrap() >= 0);
    assert_eq!(before[&hotp_pid]["kind_state"]["counter"], 2);
    let static_pid = pid_of(&before, "otp_static.staticdevice/");
    assert_eq!(before[&static_pid]["kind_state"]["codes_left"], 10);

    // Restart on the same file.
    demo.stop();
    let demo = Demo::start(dir.path(), &env);
    assert_eq!(std::fs::read_to_string(&keys).unwrap(), key_text);
    assert_eq!(demo.stderr().matches("created a new key ring").count(), 0);

    // Devices, counters and throttling state: unchanged.
    let after = snapshot(&demo, "carol");
    assert_eq!(after, before);

    // A new client (no cookie) is anonymous.
    let http = Http::new(&demo.url);
    assert_eq!(http.level(), "anonymous");

    // The user and password survived; the throttle still refuses even the right code.
    let step = password_step(&http, "carol", "carol-password-1");
    let refused = http.submit(
        &step,
        "/otp/login/",
        &[("otp_device", &totp_pid), ("otp_token", &codes.peek())],
    );
    assert!(
        refused.body.contains("Too many wrong codes. Try again in"),
        "{}",
        refused.body
    );
    assert_eq!(http.level(), "pending");

    // The HOTP counter survived: the code for counter 1 is a replay, the one for 2 works.
    let code1 = hotp(key.expose(), 1, Digits::SIX, Algorithm::Sha1);
    let out = demo.command(&["otp", "verify", "carol", &hotp_pid, code1.expose()], None);
    assert_eq!(out.status.code(), Some(1));
    let code2 = hotp(key.expose(), 2, Digits::SIX, Algorithm::Sha1);
    assert_eq!(
        demo.otp(&["verify", "carol", &hotp_pid, code2.expose()])
            .trim(),
        "accepted"
    );

    // The staff user survived: bootstrap a first device and use the admin area.
    let admin_code = demo.otp(&["addstatictoken", "dave"]);
    let admin = Http::new(&demo.url);
    let login = admin.get_follow("/otp/admin/");
    assert!(
        login.path.starts_with("/otp/admin/login/"),
        "{}",
        login.path
    );
    let list = admin.submit(
        &login,
        "/otp/admin/login/",
        &[
            ("username", "dave"),
            ("password", "dave-password-1"),
            ("otp_token", admin_code.trim()),
            ("next", "/otp/admin/"),
        ],
    );
    assert_eq!(list.path, "/otp/admin/", "{}", list.body);
    assert!(
        html_unescape(&list.body).contains(&totp_pid),
        "{}",
        list.body
    );
    demo.stop();
}

/// The demo's session cookie.
const SESSION_COOKIE: &str = "otpkit_demo_session";

#[test]
fn a_verified_session_survives_sigkill_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path(), &[]);

    // Sign up, enrol a TOTP device, sign out, then sign in with password and code.
    let http = Http::new(&demo.url);
    http.sign_up("erin", "erin-password-1", None);
    let (mut codes, _) = http.enrol_totp();
    log_out(&http);
    let step = password_step(&http, "erin", "erin-password-1");
    let totp_pid = pid_of(&snapshot(&demo, "erin"), "otp_totp.totpdevice/");
    let signed_in = http.submit(
        &step,
        "/otp/login/",
        &[("otp_device", &totp_pid), ("otp_token", &codes.next_code())],
    );
    assert!(signed_in.status < 400, "{}", signed_in.body);
    assert_eq!(http.level(), "verified");
    assert_eq!(http.get("/protected/").status, 200);
    let cookie = http.cookie(SESSION_COOKIE).expect("a session cookie");

    // SIGKILL: no graceful shutdown, nothing flushed on the way out.
    demo.kill();
    let demo = Demo::start(dir.path(), &[]);

    // The same cookie, on the restarted server: still signed in and verified.
    let again = Http::new(&demo.url);
    again.set_cookie(SESSION_COOKIE, &cookie);
    assert_eq!(again.level(), "verified");
    let protected = again.get("/protected/");
    assert_eq!(protected.status, 200, "{}", protected.body);
    // The device list shows "Your sessions" (the demo gives the kit its store's index),
    // this one marked, and never the session id.
    let devices = again.get("/otp/devices/");
    assert_eq!(devices.status, 200, "{}", devices.body);
    assert!(devices.body.contains("Your sessions"), "{}", devices.body);
    assert!(devices.body.contains("this session"), "{}", devices.body);
    assert!(!devices.body.contains(&cookie), "a session id on the page");

    // A made-up cookie is anonymous, and the protected page refuses it.
    let stranger = Http::new(&demo.url);
    stranger.set_cookie(SESSION_COOKIE, "AAAAAAAAAAAAAAAAAAAAAA");
    assert_eq!(stranger.level(), "anonymous");
    assert_ne!(stranger.get("/protected/").status, 200);

    // Signing out after the restart ends the session: the cookie is anonymous from then on.
    log_out(&again);
    let replay = Http::new(&demo.url);
    replay.set_cookie(SESSION_COOKIE, &cookie);
    assert_eq!(replay.level(), "anonymous");
    demo.stop();
}
