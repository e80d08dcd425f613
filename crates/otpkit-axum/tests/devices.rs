//! docs/behaviour.md §7.6 enrolment and §7.7 device management, REQ-13 route coverage.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use http::StatusCode;
use otpkit::events::EventKind;
use serde_json::json;

fn secret_of(body: &str) -> String {
    let tag = body.find("<code class=\"secret\"").unwrap();
    let start = body[tag..].find('>').unwrap() + tag + 1;
    let end = body[start..].find("</code>").unwrap() + start;
    body[start..end].to_owned()
}

/// The TOTP code for `secret` (base32 with spaces) at the app's clock.
fn code_for(t: &TestApp, secret: &str) -> String {
    let key = otpkit::encoding::decode_base32_secret(secret).unwrap();
    let k = otpkit::OathKey::new(otpkit::Algorithm::Sha1, key.expose());
    let now = t.engine.now().as_secs();
    let step = otpkit::oath::totp_step(now, 0, 30, 0);
    otpkit::oath::totp_at(&k, step, otpkit::Digits::SIX)
        .unwrap()
        .expose()
        .to_owned()
}

#[tokio::test]
async fn totp_enrolment_confirms_only_after_a_valid_first_code() {
    let t = app();
    let mut c = Client::new(&t);
    c.login_password("nodev").await;
    let r = c.get("/otp/devices/totp/new/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("name=\"start\""));
    let r = c
        .post(
            "/otp/devices/totp/new/",
            &[("start", "1"), ("name", "Phone")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    let r = c.get("/otp/devices/totp/new/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    assert!(r.body.contains("<svg"), "inline QR");
    assert!(r.body.contains("otpauth:"), "the URI as text");
    let secret = secret_of(&r.body);
    assert!(
        secret.split(' ').all(|g| g.len() <= 4) && secret.contains(' '),
        "{secret}"
    );
    let devices = t
        .engine
        .devices_for_user(Some(&uid("nodev")), None)
        .await
        .unwrap();
    assert_eq!(devices.len(), 1);
    assert!(!devices[0].confirmed());
    let pid = devices[0].persistent_id();
    // The QR code is served to this session only.
    let r = c.get("/otp/devices/totp/new/qrcode.svg").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type").as_deref(), Some("image/svg+xml"));
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    let mut other = Client::new(&t);
    other.login_password("nodev").await;
    assert_eq!(
        other.get("/otp/devices/totp/new/qrcode.svg").await.status,
        StatusCode::NOT_FOUND
    );
    // A wrong code leaves it unconfirmed.
    let r = c
        .post("/otp/devices/totp/new/", &[("otp_token", "000000")])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("That code is not valid."));
    let d = t.engine.from_persistent_id(&pid).await.unwrap().unwrap();
    assert!(!d.confirmed());
    assert_eq!(c.state().await, "authenticated");
    // The unconfirmed device cannot log anybody in.
    next_step(&t);
    let mut attacker = Client::new(&t);
    let r = attacker
        .post_json(
            "/otp/login/",
            json!({"username": "nodev", "password": "pw", "otp_token": code_for(&t, &secret)}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "authenticated");
    assert_ne!(attacker.state().await, "verified");
    // The valid first code confirms it and verifies the session.
    let before = c.cookie.clone();
    let r = c
        .post(
            "/otp/devices/totp/new/",
            &[("otp_token", &code_for(&t, &secret))],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FOUND,
        "{}",
        r.body.split("<main>").nth(1).unwrap_or(&r.body)
    );
    let d = t.engine.from_persistent_id(&pid).await.unwrap().unwrap();
    assert!(d.confirmed());
    assert_eq!(d.name(), "Phone");
    assert_eq!(c.state().await, "verified");
    assert_ne!(c.cookie, before, "login() rotated the id");
    assert_eq!(t.notifier.count(EventKind::DeviceConfirmed), 1);
    // The secret is never shown again.
    let r = c.get("/otp/devices/totp/new/").await;
    assert!(!r.body.contains("<svg"));
    assert_eq!(
        c.get("/otp/devices/totp/new/qrcode.svg").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_second_enrolment_replaces_the_first_and_expired_ones_cannot_be_confirmed() {
    let t = app();
    let mut c = Client::new(&t);
    c.login_password("nodev").await;
    c.post("/otp/devices/totp/new/", &[("start", "1")]).await;
    let first = c.get("/otp/devices/totp/new/").await;
    let first_secret = secret_of(&first.body);
    c.post("/otp/devices/totp/new/", &[("start", "1")]).await;
    let devices = t
        .engine
        .devices_for_user(Some(&uid("nodev")), None)
        .await
        .unwrap();
    assert_eq!(
        devices.len(),
        1,
        "the previous unconfirmed device was deleted"
    );
    let second = c.get("/otp/devices/totp/new/").await;
    assert_ne!(secret_of(&second.body), first_secret);
    // Past OTPKIT_ENROLMENT_TTL the device cannot be confirmed.
    t.clock.advance_secs(901);
    let secret = secret_of(&second.body);
    let r = c
        .post_json(
            "/otp/devices/totp/new/",
            json!({"otp_token": code_for(&t, &secret)}),
        )
        .await;
    assert_eq!(r.json()["error"], "login_expired", "{}", r.body);
    assert!(
        !t.engine
            .devices_for_user(Some(&uid("nodev")), None)
            .await
            .unwrap()[0]
            .confirmed()
    );
}

#[tokio::test]
async fn email_enrolment() {
    let t = app();
    let mut c = Client::new(&t);
    c.login_password("nodev").await;
    let r = c.get("/otp/devices/email/new/").await;
    assert!(
        r.body.contains("nodev@example.com"),
        "defaults to the user's address"
    );
    let r = c
        .post("/otp/devices/email/new/", &[("email", "other@example.com")])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("We sent you a code. Enter it below."),
        "{}",
        r.body
    );
    let mail = t.mailer.last().unwrap();
    assert_eq!(mail.to, "other@example.com");
    let code: String = mail
        .text
        .expose()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let r = c
        .post("/otp/devices/email/new/", &[("otp_token", "000000")])
        .await;
    assert!(r.body.contains("That code is not valid."));
    t.clock.advance_secs(1);
    let r = c
        .post("/otp/devices/email/new/", &[("otp_token", &code)])
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(c.state().await, "verified");
    let d = &t
        .engine
        .devices_for_user(Some(&uid("nodev")), Some(true))
        .await
        .unwrap()[0];
    assert_eq!(d.model_label(), "otp_email.emaildevice");
}

#[tokio::test]
async fn backup_codes_regenerate_and_the_old_batch_stops_working() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    c.login_totp(&t, "alice", &pid).await;
    let r = c.post_json("/otp/devices/backup-codes/", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    let old: Vec<String> = serde_json::from_value(r.json()["codes"].clone()).unwrap();
    assert_eq!(old.len(), 10);
    let r = c
        .post("/otp/devices/backup-codes/", &[("confirm", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    assert!(r.body.contains("download=\"backup-codes.txt\""));
    let start = r.body.find("<ol class=\"codes\"").unwrap();
    let new_code = r.body[start..]
        .split("<code>")
        .nth(1)
        .unwrap()
        .split("</code>")
        .next()
        .unwrap()
        .to_owned();
    let static_pid = t
        .engine
        .devices_for_user(Some(&uid("alice")), Some(true))
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.model_label() == "otp_static.staticdevice")
        .unwrap()
        .persistent_id();
    // The old batch no longer works; the new one does.
    let mut l = Client::new(&t);
    l.post_json(
        "/otp/login/",
        json!({"username": "alice", "password": "pw"}),
    )
    .await;
    let r = l
        .post_json(
            "/otp/login/",
            json!({"otp_device": static_pid, "otp_token": old[0]}),
        )
        .await;
    assert_eq!(r.json()["error"], "invalid_token");
    t.clock.advance_secs(2);
    let r = l
        .post_json(
            "/otp/login/",
            json!({"otp_device": static_pid, "otp_token": new_code}),
        )
        .await;
    assert_eq!(r.json()["status"], "verified", "{}", r.body);
    // Text download.
    let r = c
        .post(
            "/otp/devices/backup-codes/",
            &[("format", "text"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("text/plain; charset=utf-8")
    );
    assert!(
        r.header("content-disposition")
            .unwrap()
            .contains("attachment")
    );
    assert_eq!(r.body.lines().count(), 10);
    assert_eq!(t.notifier.count(EventKind::BackupCodesGenerated), 3);
}

#[tokio::test]
async fn device_list_shows_state() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let other = totp(&t, "alice").await;
    for _ in 0..100 {
        t.engine.throttle_increment(&other).await.unwrap();
    }
    t.engine
        .generate_backup_codes(&uid("alice"), None)
        .await
        .unwrap();
    // The account throttle (docs/behaviour.md §2.5.1) delays alice's other devices for
    // min(2^99 s, cap) = 1 h after the last failure; the locked device alone does not lock
    // the account (100 < OTPKIT_ACCOUNT_LOCKOUT_THRESHOLD = 200).
    t.clock.advance_secs(3600);
    let mut c = Client::new(&t);
    c.login_totp(&t, "alice", &pid).await;
    let r = c.get_json("/otp/devices/").await;
    let list = r.json()["devices"].as_array().unwrap().clone();
    assert_eq!(list.len(), 3);
    assert_eq!(list[1]["locked"], true);
    assert_eq!(list[2]["codes_left"], 10);
    let r = c.get("/otp/devices/").await;
    assert!(r.body.contains("locked after too many wrong codes"));
    assert!(r.body.contains("10 of 10 left"), "{}", r.body);
    assert_eq!(r.body.matches("data-current=\"yes\"").count(), 1);
    assert!(r.body.contains("used for this session"));
}

#[tokio::test]
async fn rename_remove_unlock_need_csrf_freshness_and_ownership() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let other = totp(&t, "alice").await;
    let bobs = totp(&t, "bob").await;
    let mut c = Client::new(&t);
    c.login_totp(&t, "alice", &pid).await;
    let path = |p: &str, a: &str| format!("/otp/devices/{p}/{a}/");
    // CSRF (a stale form is shown again, issue 14).
    let r = c.post_raw(&path(&other, "rename"), &[("name", "X")]).await;
    assert_eq!(c.see_other.as_deref(), Some("/otp/devices/?expired=1"));
    assert!(r.body.contains("This page expired."), "{}", r.body);
    assert_eq!(
        t.engine
            .from_persistent_id(&other)
            .await
            .unwrap()
            .unwrap()
            .name(),
        "TOTP device"
    );
    let r = c
        .post_raw(&path(&other, "remove"), &[("csrf_token", "bad")])
        .await;
    assert_eq!(c.see_other.as_deref(), Some("/otp/devices/?expired=1"));
    assert_eq!(r.status, StatusCode::OK);
    assert!(t.engine.from_persistent_id(&other).await.unwrap().is_some());
    // Another user's or an unknown device: 404.
    assert_eq!(
        c.post(&path(&bobs, "rename"), &[("name", "X")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        c.post("/otp/devices/otp_totp.totpdevice/999/remove/", &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Fresh: rename works.
    let r = c.post(&path(&other, "rename"), &[("name", "Tablet")]).await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(
        t.engine
            .from_persistent_id(&other)
            .await
            .unwrap()
            .unwrap()
            .name(),
        "Tablet"
    );
    let r = c
        .post_json(&path(&other, "rename"), json!({"name": "x".repeat(65)}))
        .await;
    assert_eq!(r.json()["error"], "bad_request");
    // Unlock only from a session verified by a different device.
    for _ in 0..100 {
        t.engine.throttle_increment(&other).await.unwrap();
    }
    for _ in 0..3 {
        t.engine.throttle_increment(&pid).await.unwrap();
    }
    let r = c.post_json(&path(&pid, "unlock"), json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"], "unlock_not_allowed");
    assert_eq!(
        t.engine
            .from_persistent_id(&pid)
            .await
            .unwrap()
            .unwrap()
            .throttle()
            .failure_count,
        3
    );
    let r = c.post(&path(&other, "unlock"), &[]).await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(
        t.engine
            .from_persistent_id(&other)
            .await
            .unwrap()
            .unwrap()
            .throttle()
            .failure_count,
        0
    );
    assert_eq!(t.notifier.count(EventKind::DeviceUnlocked), 1);
    // Stale: HTML goes to /verify/, JSON gets reauth_required; nothing changes.
    t.clock.advance_secs(301);
    let r = c.post(&path(&other, "rename"), &[("name", "Stale")]).await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location(), "/otp/verify/?next=/otp/devices/");
    let r = c.post_json(&path(&other, "remove"), json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"], "reauth_required");
    assert_eq!(
        r.json()["message"],
        "Please confirm it's you with an authentication code to continue."
    );
    assert_eq!(
        c.post_json("/otp/devices/backup-codes/", json!({}))
            .await
            .json()["error"],
        "reauth_required"
    );
    assert_eq!(
        c.get("/otp/devices/totp/new/").await.location(),
        "/otp/verify/?next=/otp/devices/totp/new/"
    );
    assert_eq!(
        t.engine
            .from_persistent_id(&other)
            .await
            .unwrap()
            .unwrap()
            .name(),
        "Tablet"
    );
    // Re-verify, then remove the verifying device: the session becomes unverified.
    let code = t.engine.current_totp(&other).await.unwrap();
    let r = c
        .post(
            "/otp/verify/",
            &[("otp_device", &other), ("otp_token", code.expose())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    let r = c
        .post_unfollowed(&path(&other, "remove"), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert!(t.engine.from_persistent_id(&other).await.unwrap().is_none());
    assert_eq!(c.state().await, "authenticated");
    assert_eq!(t.notifier.count(EventKind::DeviceRemoved), 1);
}

#[tokio::test]
async fn unverified_user_with_a_device_is_sent_to_verify() {
    let t = app();
    totp(&t, "alice").await;
    let mut c = Client::new(&t);
    c.set(json!({"otpkit_auth_user": "alice"})).await;
    let r = c.get("/otp/devices/").await;
    assert_eq!(r.location(), "/otp/verify/?next=/otp/devices/");
    let r = c.post("/otp/devices/totp/new/", &[("start", "1")]).await;
    assert_eq!(r.location(), "/otp/verify/?next=/otp/devices/totp/new/");
    assert_eq!(
        t.engine
            .devices_for_user(Some(&uid("alice")), None)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// REQ-13: a pending login is refused by every route except the code step (login, verify),
/// challenge and /session. The application's guards send it to the code step in one hop.
#[tokio::test]
async fn a_pending_login_is_refused_everywhere_else() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    c.post("/otp/login/", &[("username", "alice"), ("password", "pw")])
        .await;
    assert_eq!(c.state().await, "pending");
    let p = |a: &str| format!("/otp/devices/{pid}/{a}/");
    let a = |a: &str| format!("/otp/admin/devices/{pid}/{a}");
    for g in ["/require-otp/", "/extract/"] {
        let r = c.get(g).await;
        assert_eq!(r.status, StatusCode::FOUND, "GET {g}");
        assert_eq!(r.location(), format!("/otp/verify/?next={g}"), "GET {g}");
    }
    let gets = [
        "/otp/devices/".to_owned(),
        "/otp/devices/new/".to_owned(),
        "/otp/devices/new/backup-codes/".to_owned(),
        "/otp/devices/new/done/".to_owned(),
        "/otp/devices/totp/new/".to_owned(),
        "/otp/devices/totp/new/qrcode.svg".to_owned(),
        "/otp/devices/email/new/".to_owned(),
        "/otp/admin/".to_owned(),
        "/otp/admin/devices/add/".to_owned(),
        a(""),
        a("config/"),
        a("qrcode/"),
    ];
    for g in &gets {
        let r = c.get(g).await;
        assert_eq!(r.status, StatusCode::FOUND, "GET {g}");
        assert!(
            r.location().contains("login/?next="),
            "GET {g}: {}",
            r.location()
        );
    }
    let posts = [
        "/otp/devices/totp/new/".to_owned(),
        "/otp/devices/email/new/".to_owned(),
        "/otp/devices/backup-codes/".to_owned(),
        "/otp/devices/new/backup-codes/".to_owned(),
        p("rename"),
        p("remove"),
        p("unlock"),
        "/otp/admin/reset-throttling/".to_owned(),
        "/otp/admin/devices/add/".to_owned(),
        a(""),
        a("confirm/"),
        a("reset-throttling/"),
        a("remove/"),
        a("backup-codes/"),
    ];
    for path in &posts {
        let r = c
            .post(
                path,
                &[("name", "x"), ("start", "1"), ("otp_token", "123456")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FOUND, "POST {path}");
        let r = c.post_json(path, json!({"name": "x"})).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "POST {path} (JSON)");
        assert_eq!(r.json()["error"], "otp_required");
    }
    // Nothing happened to the device, and the pending login still works.
    let d = t.engine.from_persistent_id(&pid).await.unwrap().unwrap();
    assert_eq!((d.name(), d.throttle().failure_count), ("TOTP device", 0));
    assert_eq!(
        t.engine
            .devices_for_user(Some(&uid("alice")), None)
            .await
            .unwrap()
            .len(),
        1
    );
    let code = t.engine.current_totp(&pid).await.unwrap();
    let r = c
        .post(
            "/otp/login/",
            &[("otp_device", &pid), ("otp_token", code.expose())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
}

/// Issue 12 item 7: refreshing the backup-codes page does not replace the codes. The POST
/// answers 303; the GET that follows shows the new batch once; a later GET (a refresh, or
/// opening the address directly) shows no codes, makes none, and offers to make new ones.
#[tokio::test]
async fn refreshing_the_backup_codes_page_keeps_the_batch() {
    let t = app();
    let mut c = Client::new(&t);
    c.login_password("nodev").await;
    // Opening the address directly: a page, not an empty 405.
    let r = c.get("/otp/devices/backup-codes/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("data-code=\"codes_shown\""), "{}", r.body);
    let r = c.post_unfollowed("/otp/devices/backup-codes/", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/otp/devices/backup-codes/");
    let shown = c.get("/otp/devices/backup-codes/").await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(shown.header("cache-control").as_deref(), Some("no-store"));
    let codes: Vec<String> = shown
        .body
        .split("<code>")
        .skip(1)
        .map(|s| s.split("</code>").next().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10, "{}", shown.body);
    // The session store never held them in plain text.
    let raw = c.session_value("otpkit_flash").await;
    assert!(raw.is_null(), "the flash was consumed: {raw}");
    // A refresh: no codes, none made.
    let refresh = c.get("/otp/devices/backup-codes/").await;
    assert!(refresh.body.contains("data-code=\"codes_shown\""));
    for code in &codes {
        assert!(!refresh.body.contains(code.as_str()));
    }
    let devices = t
        .engine
        .devices_for_user(Some(&uid("nodev")), None)
        .await
        .unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(
        t.engine.info(&devices[0]).unwrap()["codes_left"],
        json!(10),
        "the batch just saved is intact"
    );
    // And each saved code still works.
    let pid = devices[0].persistent_id();
    let ok = t
        .engine
        .verify_token(Some(&uid("nodev")), &pid, &codes[0])
        .await
        .unwrap();
    assert!(ok.is_some());
}

/// Issue 12 item 7: the flash that carries a new batch holds it sealed, never in plain text.
#[tokio::test]
async fn new_backup_codes_wait_in_the_session_sealed() {
    let t = app();
    let mut c = Client::new(&t);
    c.login_password("nodev").await;
    c.post_unfollowed("/otp/devices/backup-codes/", &[]).await;
    let raw = c.session_value("otpkit_flash").await.to_string();
    assert!(raw.contains("\"codes\""), "{raw}");
    let shown = c.get("/otp/devices/backup-codes/").await;
    let first = shown
        .body
        .split("<code>")
        .nth(1)
        .unwrap()
        .split("</code>")
        .next()
        .unwrap()
        .to_owned();
    assert!(!raw.contains(&first), "{raw}");
    assert!(!raw.contains(&first.replace('-', "")), "{raw}");
}

/// Issue 12 item 7: the device forms' refusals answer 303 to the page showing them.
#[tokio::test]
async fn device_forms_answer_with_a_redirect() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    c.login_totp(&t, "alice", &pid).await;
    let long = "x".repeat(65);
    let r = c
        .post_unfollowed(&format!("/otp/devices/{pid}/rename/"), &[("name", &long)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/otp/devices/");
    let page = c.get("/otp/devices/").await;
    assert!(
        page.body.contains("data-code=\"bad_request\""),
        "{}",
        page.body
    );
    // Unlocking the device that verified this session is refused: 303 too.
    let r = c
        .post_unfollowed(&format!("/otp/devices/{pid}/unlock/"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = c.get("/otp/devices/").await;
    assert!(
        page.body.contains("data-code=\"unlock_not_allowed\""),
        "{}",
        page.body
    );
    // A wrong first code of an enrolment: 303 back to the enrolment page.
    c.post_unfollowed("/otp/devices/totp/new/", &[("start", "1")])
        .await;
    let r = c
        .post_unfollowed("/otp/devices/totp/new/", &[("otp_token", "000000")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = c.get("/otp/devices/totp/new/").await;
    assert!(
        page.body.contains("That code is not valid."),
        "{}",
        page.body
    );
}

// ----- issue 12: unlimited code emails to any address -----------------------------------------

async fn email_devices_of(t: &TestApp, user: &str) -> Vec<otpkit::Device> {
    t.engine
        .devices_for_user(Some(&uid(user)), None)
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.model_label() == "otp_email.emaildevice")
        .collect()
}

#[tokio::test]
async fn ten_email_enrolments_send_at_most_one_code_per_cooldown() {
    let t = app();
    let mut c = Client::new(&t);
    c.login_password("nodev").await;
    let mut cooldowns = 0;
    for i in 0..10 {
        let r = c
            .post_json(
                "/otp/devices/email/new/",
                json!({"email": "victim@example.org"}),
            )
            .await;
        if i == 0 {
            assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
            continue;
        }
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
        let b = r.json();
        assert_eq!(b["error"], "challenge_cooldown");
        assert!(
            b["retry_after"]
                .as_u64()
                .is_some_and(|s| (1..=60).contains(&s)),
            "{b}"
        );
        assert_eq!(r.header("retry-after"), Some(b["retry_after"].to_string()));
        cooldowns += 1;
    }
    assert_eq!(cooldowns, 9);
    assert_eq!(t.mailer.messages().len(), 1, "exactly one mail");
    let left = email_devices_of(&t, "nodev").await;
    assert!(left.len() <= 1, "{left:?}");
    assert!(left.iter().all(|d| !d.confirmed()));
    // Other sessions of the same account (a script dropping its cookie) fare no better.
    for _ in 0..3 {
        let mut other = Client::new(&t);
        other.login_password("nodev").await;
        let r = other
            .post_json(
                "/otp/devices/email/new/",
                json!({"email": "victim@example.org"}),
            )
            .await;
        assert_eq!(r.json()["error"], "challenge_cooldown");
    }
    assert_eq!(t.mailer.messages().len(), 1);
    assert!(email_devices_of(&t, "nodev").await.len() <= 1);
}

#[tokio::test]
async fn email_enrolment_refuses_display_names_and_lists() {
    let t = app();
    let mut c = Client::new(&t);
    c.login_password("nodev").await;
    for address in [
        "<victim@example.org>",
        "Alice <victim@example.org>",
        "victim@example.org,other@example.org",
        "victim@example.org other@example.org",
    ] {
        let r = c
            .post_json("/otp/devices/email/new/", json!({"email": address}))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{address}: {}", r.body);
        assert_eq!(r.json()["error"], "bad_request");
    }
    assert!(email_devices_of(&t, "nodev").await.is_empty());
    assert!(t.mailer.messages().is_empty());
    // Surrounding whitespace is trimmed by the form, as before.
    let r = c
        .post_json(
            "/otp/devices/email/new/",
            json!({"email": "  alice+x@example.org "}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(t.mailer.last().unwrap().to, "alice+x@example.org");
}

#[tokio::test]
async fn a_failed_first_email_leaves_no_device_but_a_failed_resend_keeps_it() {
    let t = app();
    let mut c = Client::new(&t);
    c.login_password("nodev").await;
    t.mailer.set_failing(true);
    let r = c
        .post_json(
            "/otp/devices/email/new/",
            json!({"email": "nodev@example.com"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY, "{}", r.body);
    assert_eq!(r.json()["error"], "challenge_exception");
    assert!(email_devices_of(&t, "nodev").await.is_empty());
    assert!(c.session_value("otpkit_enrol").await.is_null());
    // A resend failing on a pending enrolment keeps it.
    t.mailer.set_failing(false);
    let r = c
        .post_json(
            "/otp/devices/email/new/",
            json!({"email": "nodev@example.com"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    t.clock.advance_secs(60);
    t.mailer.set_failing(true);
    let r = c
        .post_json("/otp/devices/email/new/", json!({"resend": "1"}))
        .await;
    assert_eq!(r.json()["error"], "challenge_exception", "{}", r.body);
    assert_eq!(email_devices_of(&t, "nodev").await.len(), 1);
    assert!(!c.session_value("otpkit_enrol").await.is_null());
}

#[tokio::test]
async fn one_pending_totp_enrolment_per_user_across_sessions() {
    let t = app();
    let mut sessions = Vec::new();
    for _ in 0..3 {
        let mut c = Client::new(&t);
        c.login_password("nodev").await;
        let r = c
            .post_json("/otp/devices/totp/new/", json!({"start": "1"}))
            .await;
        assert_eq!(r.json()["status"], "enrolment_started", "{}", r.body);
        sessions.push((c, r.json()["secret"].as_str().unwrap().to_owned()));
    }
    let devices = t
        .engine
        .devices_for_user(Some(&uid("nodev")), None)
        .await
        .unwrap();
    assert_eq!(devices.len(), 1, "replaced, not added: {devices:?}");
    // The older sessions' enrolments are gone; the newest one survives and confirms.
    let (mut c, secret) = sessions.pop().unwrap();
    for (old, _) in &mut sessions {
        let e = old.session_value("otpkit_enrol").await;
        let pid = e["persistent_id"].as_str().unwrap().to_owned();
        assert!(t.engine.from_persistent_id(&pid).await.unwrap().is_none());
        let r = old.get_json("/otp/devices/totp/new/").await;
        assert_eq!(r.json()["status"], "not_started", "{}", r.body);
    }
    let r = c
        .post_json(
            "/otp/devices/totp/new/",
            json!({"otp_token": code_for(&t, &secret)}),
        )
        .await;
    assert_eq!(r.json()["status"], "verified", "{}", r.body);
}

/// Issue 12 item 7: starting an email enrolment answers 303; the page that follows says the
/// code was sent; a refresh of that page (a GET) sends no second email.
#[tokio::test]
async fn email_enrolment_answers_with_a_redirect_and_a_refresh_sends_nothing() {
    let t = app();
    let mut c = Client::new(&t);
    c.login_password("nodev").await;
    let r = c
        .post_unfollowed("/otp/devices/email/new/", &[("email", "nodev@example.com")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/otp/devices/email/new/");
    let page = c.get(&r.location()).await;
    assert!(page.body.contains("We sent you a code."), "{}", page.body);
    assert!(page.body.contains("name=\"otp_token\""), "{}", page.body);
    let again = c.get("/otp/devices/email/new/").await;
    assert!(!again.body.contains("sent by email"), "shown once");
    assert!(again.body.contains("name=\"otp_token\""), "still enrolling");
    assert_eq!(t.mailer.messages().len(), 1, "a refresh sends nothing");
}

/// Issue 12 item 3: a second start of an email enrolment inside the cooldown (a double
/// click) is refused and leaves the first enrolment, whose code is on its way, usable.
#[tokio::test]
async fn a_refused_second_email_start_keeps_the_first_enrolment_usable() {
    let t = app();
    let mut c = Client::new(&t);
    c.login_password("nodev").await;
    for _ in 0..2 {
        c.post("/otp/devices/email/new/", &[("email", "nodev@example.com")])
            .await;
    }
    assert_eq!(
        t.mailer.messages().len(),
        1,
        "the second start sent nothing"
    );
    let mail = t.mailer.last().unwrap();
    let code: String = mail
        .text
        .expose()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let r = c
        .post("/otp/devices/email/new/", &[("otp_token", &code)])
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(c.state().await, "verified");
    let all = email_devices_of(&t, "nodev").await;
    assert_eq!(all.len(), 1, "no device left behind: {all:?}");
    assert!(all[0].confirmed());
}

// ----- issue 14: what a person sees ----------------------------------------------------------

/// The list in plain words: kinds a person knows, the email device's address, the backup
/// codes left, human times with the exact time in `datetime`, the method of this session.
#[tokio::test]
async fn the_device_list_speaks_plain_words() {
    let t = app();
    let pid = totp(&t, "alice").await;
    t.engine
        .create_email(
            &uid("alice"),
            None,
            Some("a.person@example.org".into()),
            true,
        )
        .await
        .unwrap();
    t.engine
        .generate_backup_codes(&uid("alice"), None)
        .await
        .unwrap();
    let mut c = Client::new(&t);
    c.login_totp(&t, "alice", &pid).await;
    t.clock.advance_secs(120);
    let r = c.get("/otp/devices/").await;
    assert_eq!(r.status, StatusCode::OK);
    let main = r.body.split("<main").nth(1).unwrap();
    for word in [
        "OTP",
        "TOTP device",
        "Static device",
        "Email device",
        "Backup Code<",
    ] {
        assert!(!main.contains(word), "{word:?} in\n{main}");
    }
    for word in [
        "Authenticator app",
        "Email codes",
        "a.person@example.org",
        "Backup codes",
        "10 of 10 left",
        "used for this session",
    ] {
        assert!(main.contains(word), "{word:?} not in\n{main}");
    }
    // Human times: `<time datetime="…">`, the exact instant in the attribute.
    assert!(
        main.contains("<time datetime=\"2026-01-01T10:00:00"),
        "{main}"
    );
    assert!(main.contains("ago</time>"), "{main}");
    assert!(main.contains("data-label="), "the table reflows");
}

/// docs/behaviour.md §7.7: a removal from the page is confirmed first; the POST without the
/// confirmation changes nothing; the JSON API acts directly.
#[tokio::test]
async fn removing_asks_first() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let other = totp(&t, "alice").await;
    t.engine.rename(&other, "Tablet").await.unwrap();
    let mut c = Client::new(&t);
    c.login_totp(&t, "alice", &pid).await;
    let url = format!("/otp/devices/{other}/remove/");
    let r = c.post_unfollowed(&url, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), url);
    assert!(t.engine.from_persistent_id(&other).await.unwrap().is_some());
    assert_eq!(t.notifier.count(EventKind::DeviceRemoved), 0);
    let r = c.post(&url, &[("confirm", "no")]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("Remove “Tablet (Authenticator app)”?"),
        "{}",
        r.body
    );
    assert!(r.body.contains("name=\"confirm\" value=\"yes\""));
    assert!(
        !r.body.contains("You signed in with it"),
        "not this session's"
    );
    assert!(t.engine.from_persistent_id(&other).await.unwrap().is_some());
    // Confirmed: removed, and the list says so.
    let r = c.post_unfollowed(&url, &[("confirm", "yes")]).await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location(), "/otp/devices/");
    assert!(t.engine.from_persistent_id(&other).await.unwrap().is_none());
    let list = c.get("/otp/devices/").await;
    assert!(
        list.body.contains("Removed “Tablet (Authenticator app)”."),
        "{}",
        list.body
    );
    // Another user's device has no confirmation page.
    let bobs = totp(&t, "bob").await;
    let r = c.get(&format!("/otp/devices/{bobs}/remove/")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

/// New backup codes replace unused ones only once the person confirmed.
#[tokio::test]
async fn new_backup_codes_ask_first_when_unused_ones_would_stop_working() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    c.login_totp(&t, "alice", &pid).await;
    // The first batch replaces nothing: no question.
    let r = c.post("/otp/devices/backup-codes/", &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("<ol class=\"codes\" id=\"backup-codes\">"),
        "{}",
        r.body
    );
    assert_eq!(t.notifier.count(EventKind::BackupCodesGenerated), 1);
    // The second would: the POST alone leads to the question and changes nothing.
    let r = c.post_unfollowed("/otp/devices/backup-codes/", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/otp/devices/backup-codes/regenerate/");
    assert_eq!(t.notifier.count(EventKind::BackupCodesGenerated), 1);
    let r = c.get("/otp/devices/backup-codes/regenerate/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains(
            "Your 10 unused backup codes stop working as soon as the new codes are made."
        ),
        "{}",
        r.body
    );
    let action = format!("action=\"{}\"", esc("/otp/devices/backup-codes/"));
    assert!(r.body.contains(&action), "{}", r.body);
    let r = c
        .post("/otp/devices/backup-codes/", &[("confirm", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<ol class=\"codes\" id=\"backup-codes\">"));
    assert_eq!(t.notifier.count(EventKind::BackupCodesGenerated), 2);
}

/// docs/behaviour.md §7.7: removing the method that verified this session says so, and what
/// it means: the session is no longer verified.
#[tokio::test]
async fn removing_the_method_of_this_session_says_so() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let other = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    c.login_totp(&t, "alice", &pid).await;
    let url = format!("/otp/devices/{pid}/remove/");
    let r = c.get(&url).await;
    assert!(
        r.body.contains("You signed in with it in this session"),
        "{}",
        r.body
    );
    let r = c.post_unfollowed(&url, &[("confirm", "yes")]).await;
    assert_eq!(r.status, StatusCode::FOUND);
    // Another method is left: verify with it to go on.
    assert_eq!(r.location(), "/otp/verify/?next=/otp/devices/");
    assert_eq!(c.state().await, "authenticated");
    let r = c.get("/otp/verify/?next=/otp/devices/").await;
    assert!(
        r.body.contains(
            "You removed “Authenticator app”, the method you signed in with. This session is no \
             longer verified"
        ),
        "{}",
        r.body
    );
    // The last one: the list, open to a user without a method, says that none is left.
    let code = t.engine.current_totp(&other).await.unwrap();
    let r = c
        .post(
            "/otp/verify/",
            &[("otp_device", &other), ("otp_token", code.expose())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    let url = format!("/otp/devices/{other}/remove/");
    let r = c.get(&url).await;
    assert!(
        r.body.contains("It is your last sign-in method"),
        "{}",
        r.body
    );
    let r = c.post_unfollowed(&url, &[("confirm", "yes")]).await;
    assert_eq!(r.location(), "/otp/devices/");
    let r = c.get("/otp/devices/").await;
    assert!(
        r.body.contains("you have no sign-in method left"),
        "{}",
        r.body
    );
}

/// Names that are empty or only spaces are refused, the message next to the field.
#[tokio::test]
async fn empty_names_are_refused_next_to_the_field() {
    let t = app();
    let pid = totp(&t, "alice").await;
    t.engine.rename(&pid, "Phone").await.unwrap();
    let mut c = Client::new(&t);
    c.login_totp(&t, "alice", &pid).await;
    let url = format!("/otp/devices/{pid}/rename/");
    for name in ["", "   ", "\u{a0}\t "] {
        let r = c.post_unfollowed(&url, &[("name", name)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{name:?}");
        let d = t.engine.from_persistent_id(&pid).await.unwrap().unwrap();
        assert_eq!(d.name(), "Phone", "{name:?}");
        let list = c.get("/otp/devices/").await;
        let field = list
            .body
            .split("id=\"name-1\"")
            .nth(1)
            .unwrap()
            .split("</form>")
            .next()
            .unwrap();
        assert!(
            field.contains("aria-describedby=\"name-1-error\""),
            "{}",
            list.body
        );
        assert!(
            field.contains(
                "id=\"name-1-error\" role=\"alert\" data-code=\"bad_request\">Enter a name.</span>"
            ),
            "{}",
            list.body
        );
        let r = c.post_json(&url, serde_json::json!({ "name": name })).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.json()["error"], "bad_request");
        assert_eq!(r.json()["message"], "Enter a name.");
    }
    // A real name is taken, trimmed, and said.
    let r = c.post_unfollowed(&url, &[("name", "  Tablet ")]).await;
    assert_eq!(r.status, StatusCode::FOUND);
    let list = c.get("/otp/devices/").await;
    assert!(list.body.contains("Renamed to “Tablet”."), "{}", list.body);
    assert!(!list.body.contains("name-1-error"));
}

/// The list, its confirmation and its messages in German.
#[tokio::test]
async fn the_device_pages_in_german() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let other = totp(&t, "alice").await;
    t.engine
        .generate_backup_codes(&uid("alice"), None)
        .await
        .unwrap();
    let mut c = Client::new(&t);
    c.lang = Some("de-DE,de;q=0.9".into());
    c.login_totp(&t, "alice", &pid).await;
    let r = c.get("/otp/devices/").await;
    for word in [
        "<html lang=\"de\">",
        "Deine Anmeldemethoden",
        "Authenticator-App",
        "10 von 10 übrig",
        "für diese Sitzung verwendet",
        "Entfernen",
    ] {
        assert!(r.body.contains(word), "{word:?} not in\n{}", r.body);
    }
    let url = format!("/otp/devices/{other}/remove/");
    let r = c.get(&url).await;
    assert!(
        r.body.contains("„Authenticator-App“ entfernen?"),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains("Du kannst dich danach nicht mehr damit anmelden.")
    );
    c.post(&url, &[("confirm", "yes")]).await;
    let r = c.get("/otp/devices/").await;
    assert!(
        r.body.contains("„Authenticator-App“ wurde entfernt."),
        "{}",
        r.body
    );
    let r = c
        .post_json(
            &format!("/otp/devices/{pid}/rename/"),
            serde_json::json!({"name": " "}),
        )
        .await;
    assert_eq!(r.json()["error"], "bad_request");
    assert_eq!(r.json()["message"], "Gib einen Namen ein.");
}
