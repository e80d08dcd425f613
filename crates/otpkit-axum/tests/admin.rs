//! docs/behaviour.md §7.8: the admin area.
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

const NOT_AUTHORIZED: &str = "You are signed in as alice Example, but this account may not use the administration. Sign in with another account?";

async fn staff(t: &TestApp) -> (Client, String) {
    let pid = totp(t, "admin").await;
    let mut c = Client::new(t);
    c.login_totp(t, "admin", &pid).await;
    (c, pid)
}

#[tokio::test]
async fn non_staff_is_redirected_with_the_exact_text() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut anon = Client::new(&t);
    let r = anon.get("/otp/admin/").await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location(), "/otp/admin/login/?next=/otp/admin/");
    let r = anon.get("/otp/admin/login/?next=/otp/admin/").await;
    assert!(r.body.contains("name=\"password\""));
    assert!(
        !r.body.contains("name=\"otp_device\""),
        "only after the password"
    );
    assert!(!r.body.contains("You are signed in as"));
    let mut c = Client::new(&t);
    c.login_totp(&t, "alice", &pid).await;
    let r = c.get("/otp/admin/?q=x").await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location(), "/otp/admin/login/?next=/otp/admin/%3Fq%3Dx");
    let r = c.get(&r.location()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains(&NOT_AUTHORIZED.replace('\'', "&#x27;")),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn unverified_staff_is_redirected_to_the_admin_login() {
    let t = app();
    let pid = totp(&t, "admin").await;
    let mut c = Client::new(&t);
    c.set(json!({"otpkit_auth_user": "admin"})).await;
    let r = c.get("/otp/admin/").await;
    assert_eq!(r.location(), "/otp/admin/login/?next=/otp/admin/");
    let r = c.get("/otp/admin/login/?next=/otp/admin/").await;
    assert!(r.body.contains("name=\"otp_token\""), "the code step");
    assert!(r.body.contains("Signing in as admin"));
    // The admin login follows the §7.3 flow.
    let code = t.engine.current_totp(&pid).await.unwrap();
    let r = c
        .post(
            "/otp/admin/login/",
            &[
                ("otp_device", &pid),
                ("otp_token", code.expose()),
                ("next", "/otp/admin/"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/otp/admin/");
    assert_eq!(c.get("/otp/admin/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn inactive_staff_has_no_access() {
    // carol is inactive: she cannot even log in.
    let t = app();
    let mut c = Client::new(&t);
    let r = c
        .post_json(
            "/otp/admin/login/",
            json!({"username": "carol", "password": "pw"}),
        )
        .await;
    assert_eq!(r.json()["error"], "invalid_login");
}

#[tokio::test]
async fn list_filters_search_and_qr_links() {
    let t = app();
    let (mut c, _) = staff(&t).await;
    let alice_totp = totp(&t, "alice").await;
    let bob_email = t
        .engine
        .create_email(&uid("bob"), None, None, true)
        .await
        .unwrap()
        .persistent_id();
    t.engine
        .create_totp(
            &uid("bob"),
            otpkit::engine::TotpOptions {
                unconfirmed: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let r = c.get("/otp/admin/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(">Show the QR code</a>"));
    let all = c.get_json("/otp/admin/").await.json()["devices"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(all, 4);
    let kind = c
        .get_json("/otp/admin/?kind=otp_email.emaildevice")
        .await
        .json();
    assert_eq!(kind["devices"].as_array().unwrap().len(), 1);
    assert_eq!(kind["devices"][0]["id"], bob_email.as_str());
    let unconfirmed = c.get_json("/otp/admin/?confirmed=no").await.json();
    assert_eq!(unconfirmed["devices"].as_array().unwrap().len(), 1);
    // Search by user id, display name and email.
    for q in ["alic", "alice%20example", "alice%40example.com"] {
        let found = c.get_json(&format!("/otp/admin/?q={q}")).await.json();
        let ids: Vec<_> = found["devices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].clone())
            .collect();
        assert_eq!(ids, vec![json!(alice_totp)], "{q}");
    }
    let never = c.get_json("/otp/admin/?used=never").await.json();
    assert_eq!(
        never["devices"].as_array().unwrap().len(),
        3,
        "the admin's device was used"
    );
    let recent = c.get_json("/otp/admin/?used=1d").await.json();
    assert_eq!(recent["devices"].as_array().unwrap().len(), 1);
    t.clock.advance_secs(2 * 86_400);
    let created = c.get_json("/otp/admin/?created=1d").await.json();
    assert_eq!(created["devices"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn config_and_qrcode_views() {
    let t = app();
    let (mut c, _) = staff(&t).await;
    let pid = totp(&t, "alice").await;
    let email = t
        .engine
        .create_email(&uid("alice"), None, None, true)
        .await
        .unwrap()
        .persistent_id();
    let r = c.get(&format!("/otp/admin/devices/{pid}/config/")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    assert!(r.body.contains("width=\"200\" height=\"200\""));
    assert!(r.body.contains("otpauth:"));
    let r = c.get(&format!("/otp/admin/devices/{pid}/qrcode/")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type").as_deref(), Some("image/svg+xml"));
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    // Other kinds and unknown ids: 404.
    for p in [
        format!("/otp/admin/devices/{email}/config/"),
        format!("/otp/admin/devices/{email}/qrcode/"),
        "/otp/admin/devices/otp_totp.totpdevice/999/config/".to_owned(),
        "/otp/admin/devices/otp_totp.totpdevice/999/".to_owned(),
        "/otp/admin/devices/nope.nope/1/".to_owned(),
    ] {
        assert_eq!(c.get(&p).await.status, StatusCode::NOT_FOUND, "{p}");
    }
}

#[tokio::test]
async fn hide_sensitive_data_forbids_config_and_qrcode() {
    let t = app_web(|s| s.admin_hide_sensitive_data = true);
    let (mut c, _) = staff(&t).await;
    let pid = totp(&t, "alice").await;
    assert_eq!(
        c.get(&format!("/otp/admin/devices/{pid}/config/"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        c.get(&format!("/otp/admin/devices/{pid}/qrcode/"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = c.get("/otp/admin/").await;
    assert!(!r.body.contains(">Show the QR code</a>"));
    assert!(!r.body.contains("/config/"));
    assert!(!r.body.contains("QR code</th>"));
    let r = c.get(&format!("/otp/admin/devices/{pid}/")).await;
    assert!(!r.body.contains("config/"));
}

#[tokio::test]
async fn actions_confirm_reset_remove_and_backup_codes() {
    let t = app();
    let (mut c, _) = staff(&t).await;
    let pid = totp(&t, "alice").await;
    let other = totp(&t, "bob").await;
    let unconfirmed = t
        .engine
        .create_totp(
            &uid("alice"),
            otpkit::engine::TotpOptions {
                unconfirmed: true,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .persistent_id();
    for _ in 0..100 {
        t.engine.throttle_increment(&pid).await.unwrap();
        t.engine.throttle_increment(&other).await.unwrap();
    }
    let base = |p: &str| format!("/otp/admin/devices/{p}/");
    // CSRF is required (a stale form is shown again, issue 14).
    let r = c
        .post_raw(&format!("{}confirm/", base(&unconfirmed)), &[])
        .await;
    let expired = format!("{}?expired=1", base(&unconfirmed));
    assert_eq!(c.see_other.as_deref(), Some(expired.as_str()));
    assert!(r.body.contains("This page expired."), "{}", r.body);
    assert!(
        !t.engine
            .from_persistent_id(&unconfirmed)
            .await
            .unwrap()
            .unwrap()
            .confirmed()
    );
    let r = c
        .post(&format!("{}confirm/", base(&unconfirmed)), &[])
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert!(
        t.engine
            .from_persistent_id(&unconfirmed)
            .await
            .unwrap()
            .unwrap()
            .confirmed()
    );
    let r = c
        .post(&format!("{}reset-throttling/", base(&pid)), &[])
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(
        t.engine
            .from_persistent_id(&pid)
            .await
            .unwrap()
            .unwrap()
            .throttle()
            .failure_count,
        0
    );
    // Bulk.
    for _ in 0..5 {
        t.engine.throttle_increment(&pid).await.unwrap();
    }
    let r = c
        .post(
            "/otp/admin/reset-throttling/",
            &[("ids", &pid), ("ids", &other)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    for p in [&pid, &other] {
        assert_eq!(
            t.engine
                .from_persistent_id(p)
                .await
                .unwrap()
                .unwrap()
                .throttle()
                .failure_count,
            0
        );
    }
    assert_eq!(t.notifier.count(EventKind::DeviceConfirmed), 1);
    // Rename.
    let r = c.post(&base(&pid), &[("name", "Renamed")]).await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(
        t.engine
            .from_persistent_id(&pid)
            .await
            .unwrap()
            .unwrap()
            .name(),
        "Renamed"
    );
    // Backup codes on a static device, shown once.
    let (sdev, _) = t
        .engine
        .generate_backup_codes(&uid("alice"), None)
        .await
        .unwrap();
    // The form asks first: the POST alone makes nothing.
    let url = format!("{}backup-codes/", base(&sdev.persistent_id()));
    let r = c.post_unfollowed(&url, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), url);
    let r = c.get(&url).await;
    assert!(
        r.body.contains("Generate new backup codes for alice?"),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains("The 10 unused backup codes of alice stop working"),
        "{}",
        r.body
    );
    assert_eq!(t.notifier.count(EventKind::BackupCodesGenerated), 1);
    let r = c.post(&url, &[("confirm", "yes")]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(r.body.matches("<li><code>").count(), 10);
    assert_eq!(
        c.post(
            &format!("{}backup-codes/", base(&pid)),
            &[("confirm", "yes")]
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    // Remove: asked first.
    let url = format!("{}remove/", base(&other));
    let r = c.post(&url, &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("Delete “Authenticator app” of bob?"),
        "{}",
        r.body
    );
    assert!(t.engine.from_persistent_id(&other).await.unwrap().is_some());
    let r = c.post(&url, &[("confirm", "yes")]).await;
    assert_eq!(r.location(), "/otp/admin/");
    assert!(t.engine.from_persistent_id(&other).await.unwrap().is_none());
}

#[tokio::test]
async fn add_devices() {
    let t = app();
    let (mut c, _) = staff(&t).await;
    let r = c.get("/otp/admin/devices/add/").await;
    assert_eq!(r.status, StatusCode::OK);
    let r = c
        .post(
            "/otp/admin/devices/add/",
            &[
                ("user", "bob"),
                ("kind", "totp"),
                ("key", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
        "shown on the add result"
    );
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    let r = c
        .post_json("/otp/admin/devices/add/", json!({"user": "bob", "kind": "hotp", "key": "3132333435363738393031323334353637383930", "key_format": "hex"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = c
        .post_json(
            "/otp/admin/devices/add/",
            json!({"user": "bob", "kind": "totp", "key": "0189"}),
        )
        .await;
    assert_eq!(r.json()["error"], "bad_request");
    let r = c
        .post_json(
            "/otp/admin/devices/add/",
            json!({"user": "bob", "kind": "static"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(
        t.engine
            .devices_for_user(Some(&uid("bob")), None)
            .await
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn change_form_edits_configuration_and_shows_the_key_unless_hidden() {
    let t = app();
    let (mut c, _) = staff(&t).await;
    let pid = t
        .engine
        .create_totp(
            &uid("bob"),
            otpkit::engine::TotpOptions {
                key: Some(otpkit::SecretBytes::new(b"12345678901234567890".to_vec())),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .persistent_id();
    let page = format!("/otp/admin/devices/{pid}/");
    let r = c.get(&page).await;
    assert!(
        r.body.contains("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
        "key shown"
    );
    assert!(r.body.contains("name=\"key\""));
    // Invalid values change nothing.
    let r = c.post_json(&page, json!({"name": "B", "step": "0"})).await;
    assert_eq!(r.json()["error"], "bad_request");
    assert_eq!(
        t.engine
            .from_persistent_id(&pid)
            .await
            .unwrap()
            .unwrap()
            .name(),
        "TOTP device"
    );
    // Valid values are applied.
    let r = c
        .post(
            &page,
            &[
                ("name", "Bob's token"),
                ("digits", "8"),
                ("step", "60"),
                ("tolerance", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    let d = t.engine.from_persistent_id(&pid).await.unwrap().unwrap();
    assert_eq!(d.name(), "Bob's token");
    let info = t.engine.info(&d).unwrap();
    assert_eq!(
        (
            info["digits"].as_u64(),
            info["step"].as_u64(),
            info["tolerance"].as_u64()
        ),
        (Some(8), Some(60), Some(0)),
        "{info}"
    );
    // A new key (hex).
    let r = c
        .post(
            &page,
            &[
                ("name", "Bob's token"),
                ("key", "3132333435363738393031323334353637383930"),
                ("key_format", "hex"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    let code = t.engine.current_totp(&pid).await.unwrap();
    assert_eq!(code.expose().len(), 8);

    let t = app_web(|s| s.admin_hide_sensitive_data = true);
    let (mut c, _) = staff(&t).await;
    let pid = totp(&t, "bob").await;
    let page = format!("/otp/admin/devices/{pid}/");
    let r = c.get(&page).await;
    assert!(!r.body.contains("name=\"key\""), "no key field when hidden");
    assert!(!r.body.contains("Key (base32)"));
    let r = c
        .post_json(
            &page,
            json!({"name": "x", "key": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"}),
        )
        .await;
    assert_eq!(r.json()["error"], "bad_request");
}

// ----- issue 12: freshness, owner, Post/Redirect/Get --------------------------------------

/// Verifies the session again with a fresh code of `pid` (the §7.3 verify flow).
async fn reverify(t: &TestApp, c: &mut Client, pid: &str) {
    next_step(t);
    let code = t.engine.current_totp(pid).await.unwrap();
    let r = c
        .post(
            "/otp/verify/",
            &[("otp_device", pid), ("otp_token", code.expose())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "re-verification: {}", r.body);
}

/// A device as (id, name, confirmed, failure count, kind state).
type Row = (String, String, bool, u32, String);

/// An admin form: (what, path, fields, the page a re-verification returns to).
type AdminPost<'a> = (&'a str, String, Vec<(&'a str, &'a str)>, String);

/// Every device.
async fn snapshot(t: &TestApp) -> Vec<Row> {
    let mut all: Vec<_> = t
        .engine
        .list_devices(&otpkit::store::DeviceQuery::default())
        .await
        .unwrap()
        .iter()
        .map(|d| {
            (
                d.persistent_id(),
                d.name().to_owned(),
                d.confirmed(),
                d.throttle().failure_count,
                t.engine.info(d).unwrap().to_string(),
            )
        })
        .collect();
    all.sort();
    all
}

fn failures(s: &[Row], pid: &str) -> u32 {
    s.iter().find(|d| d.0 == pid).unwrap().3
}

/// The backup codes of a page (`<li><code>…</code></li>`).
fn codes_of(body: &str) -> Vec<String> {
    body.split("<li><code>")
        .skip(1)
        .map(|s| s.split("</code>").next().unwrap().to_owned())
        .collect()
}

async fn code_verifies(t: &TestApp, pid: &str, code: &str) -> bool {
    t.engine
        .verify_token(Some(&uid("alice")), pid, code)
        .await
        .unwrap()
        .is_some()
}

/// The devices the admin actions of these tests work on.
struct Devices {
    pid: String,
    unconfirmed: String,
    other: String,
    bulk: String,
    sdev: String,
    codes: Vec<String>,
}

async fn devices(t: &TestApp) -> Devices {
    let pid = totp(t, "alice").await;
    let other = totp(t, "bob").await;
    let bulk = totp(t, "bob").await;
    let unconfirmed = t
        .engine
        .create_totp(
            &uid("alice"),
            otpkit::engine::TotpOptions {
                unconfirmed: true,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .persistent_id();
    for _ in 0..3 {
        t.engine.throttle_increment(&pid).await.unwrap();
        t.engine.throttle_increment(&bulk).await.unwrap();
    }
    let (sdev, codes) = t
        .engine
        .generate_backup_codes(&uid("alice"), None)
        .await
        .unwrap();
    Devices {
        pid,
        unconfirmed,
        other,
        bulk,
        sdev: sdev.persistent_id(),
        codes: codes.iter().map(|c| c.expose().to_owned()).collect(),
    }
}

fn base(pid: &str) -> String {
    format!("/otp/admin/devices/{pid}/")
}

/// The device's owner is not the signed-in user: alice's device viewed by admin.
#[tokio::test]
async fn the_admin_pages_show_the_device_owner_not_the_signed_in_admin() {
    let t = app();
    let (mut c, _) = staff(&t).await;
    let pid = totp(&t, "alice").await;
    t.engine.rename(&pid, "Phone").await.unwrap();
    let r = c.get(&base(&pid)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<dt>User</dt><dd>alice</dd>"), "{}", r.body);
    assert!(
        !r.body.contains("<dt>User</dt><dd>admin</dd>"),
        "{}",
        r.body
    );
    let r = c.get(&format!("{}config/", base(&pid))).await;
    assert!(r.body.contains("<h1>Phone (alice)</h1>"), "{}", r.body);
    assert!(!r.body.contains("Phone (admin)"));
    let r = c.get("/otp/admin/?q=alice").await;
    assert!(
        r.body.contains("<td data-label=\"User\">alice</td>"),
        "{}",
        r.body
    );
    assert!(
        !r.body.contains("<td data-label=\"User\">admin</td>"),
        "{}",
        r.body
    );
    // The signed-in user is still named in the header.
    assert!(
        r.body
            .contains("<span class=\"who\">Signed in as admin</span>")
    );
}

/// REQ-13: every state-changing admin action needs a verification at most
/// `OTPKIT_REAUTH_MAX_AGE` old, as self-service does.
#[tokio::test]
async fn every_admin_action_needs_a_fresh_verification() {
    let t = app();
    let (mut c, admin_pid) = staff(&t).await;
    let d = devices(&t).await;
    let key = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    let actions: Vec<AdminPost> = vec![
        (
            "add",
            "/otp/admin/devices/add/".to_owned(),
            vec![("user", "alice"), ("kind", "totp"), ("key", key)],
            "/otp/admin/devices/add/".to_owned(),
        ),
        (
            "edit",
            base(&d.pid),
            vec![("name", "Renamed")],
            base(&d.pid),
        ),
        (
            "confirm",
            format!("{}confirm/", base(&d.unconfirmed)),
            vec![],
            base(&d.unconfirmed),
        ),
        (
            "reset-throttling",
            format!("{}reset-throttling/", base(&d.pid)),
            vec![],
            base(&d.pid),
        ),
        (
            "bulk reset-throttling",
            "/otp/admin/reset-throttling/".to_owned(),
            vec![("ids", d.bulk.as_str())],
            "/otp/admin/".to_owned(),
        ),
        (
            "backup-codes",
            format!("{}backup-codes/", base(&d.sdev)),
            vec![("confirm", "yes")],
            base(&d.sdev),
        ),
        (
            "remove",
            format!("{}remove/", base(&d.other)),
            vec![("confirm", "yes")],
            base(&d.other),
        ),
    ];
    let before = snapshot(&t).await;
    // 364 s after the admin's verification (OTPKIT_REAUTH_MAX_AGE = 300 s).
    t.clock.advance_secs(364);
    for (what, path, fields, page) in &actions {
        let r = c.post_unfollowed(path, fields).await;
        assert_eq!(r.status, StatusCode::FOUND, "{what}: {}", r.body);
        assert_eq!(
            r.location(),
            format!("/otp/verify/?next={}", otpkit_axum::encode_next(page)),
            "{what}"
        );
        let mut body = serde_json::Map::new();
        for (k, v) in fields {
            if *k == "ids" {
                body.insert((*k).into(), json!([v]));
            } else {
                body.insert((*k).into(), json!(v));
            }
        }
        let r = c.post_json(path, body.into()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{what}: {}", r.body);
        assert_eq!(r.json()["error"], "reauth_required", "{what}");
    }
    assert_eq!(
        snapshot(&t).await,
        before,
        "a stale session changed nothing"
    );
    assert!(
        code_verifies(&t, &d.sdev, &d.codes[0]).await,
        "the batch was not replaced"
    );
    // The pages themselves stay readable (access: active, staff, verified).
    assert_eq!(c.get("/otp/admin/").await.status, StatusCode::OK);
    assert_eq!(c.get(&base(&d.pid)).await.status, StatusCode::OK);

    // Verified again: every action succeeds.
    reverify(&t, &mut c, &admin_pid).await;
    for (what, path, fields, _) in &actions {
        let r = c.post_unfollowed(path, fields).await;
        assert!(r.status.is_redirection(), "{what}: {} {}", r.status, r.body);
        assert!(
            !r.location().starts_with("/otp/verify/"),
            "{what}: {}",
            r.location()
        );
    }
    let after = snapshot(&t).await;
    let alice = t
        .engine
        .devices_for_user(Some(&uid("alice")), None)
        .await
        .unwrap();
    assert_eq!(alice.len(), 4, "added");
    let dev = |p: &str| alice.iter().find(|d| d.persistent_id() == p).unwrap();
    assert_eq!(dev(&d.pid).name(), "Renamed");
    assert!(dev(&d.unconfirmed).confirmed());
    assert_eq!(failures(&after, &d.pid), 0);
    assert_eq!(failures(&after, &d.bulk), 0);
    assert!(
        t.engine
            .from_persistent_id(&d.other)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        !code_verifies(&t, &d.sdev, &d.codes[1]).await,
        "a new batch replaced the old one"
    );
}

/// docs/behaviour.md §7.7 in the admin area: the device that verified this session is not unlocked
/// by it.
#[tokio::test]
async fn the_admin_cannot_reset_the_device_that_verified_the_session() {
    let t = app();
    let (mut c, admin_pid) = staff(&t).await;
    let d = devices(&t).await;
    for _ in 0..3 {
        t.engine.throttle_increment(&admin_pid).await.unwrap();
    }
    let own = format!("{}reset-throttling/", base(&admin_pid));
    let r = c.post_json(&own, json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.json()["error"], "unlock_not_allowed");
    let r = c.post_unfollowed(&own, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), base(&admin_pid));
    let page = c.get(&r.location()).await;
    assert!(
        page.body.contains("data-code=\"unlock_not_allowed\""),
        "{}",
        page.body
    );
    assert_eq!(failures(&snapshot(&t).await, &admin_pid), 3);
    // The bulk action skips it and says so.
    let r = c
        .post_json(
            "/otp/admin/reset-throttling/",
            json!({"ids": [admin_pid, d.pid]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["reset"], 1);
    assert_eq!(r.json()["skipped"], json!([admin_pid]));
    let s = snapshot(&t).await;
    assert_eq!((failures(&s, &admin_pid), failures(&s, &d.pid)), (3, 0));
    let r = c
        .post_unfollowed(
            "/otp/admin/reset-throttling/",
            &[("ids", &admin_pid), ("ids", &d.bulk)],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.status);
    assert_eq!(r.location(), "/otp/admin/");
    let list = c.get("/otp/admin/").await;
    assert!(
        list.body.contains(&format!(
            "Not unlocked: {}, the method that verified this session.",
            esc(&admin_pid)
        )),
        "{}",
        list.body
    );
    assert!(
        list.body.contains("Unlocked 1 sign-in method."),
        "{}",
        list.body
    );
    let s = snapshot(&t).await;
    assert_eq!((failures(&s, &admin_pid), failures(&s, &d.bulk)), (3, 0));
    // Once shown, the message is gone.
    let list = c.get("/otp/admin/").await;
    assert!(!list.body.contains("Not unlocked:"));
}

/// Post/Redirect/Get: a refresh of the page after "Generate backup codes" neither makes a
/// new batch nor shows the codes again.
#[tokio::test]
async fn refreshing_the_admin_backup_codes_page_keeps_the_batch() {
    let t = app();
    let (mut c, _) = staff(&t).await;
    let d = devices(&t).await;
    let r = c
        .post_unfollowed(
            &format!("{}backup-codes/", base(&d.sdev)),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.body.is_empty());
    let to = r.location();
    let page = c.get(&to).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header("cache-control").as_deref(), Some("no-store"));
    let codes = codes_of(&page.body);
    assert_eq!(codes.len(), 10, "{}", page.body);
    assert!(!code_verifies(&t, &d.sdev, &d.codes[0]).await, "replaced");
    t.clock.advance_secs(60); // past the throttle of that failure
    let again = c.get(&to).await;
    assert_eq!(again.status, StatusCode::OK);
    for code in &codes {
        assert!(!again.body.contains(code.as_str()), "shown twice: {code}");
    }
    assert!(again.body.contains("shown only once"), "{}", again.body);
    assert!(
        again.body.contains("backup-codes/\""),
        "the button is offered again: {}",
        again.body
    );
    for code in &codes {
        assert!(
            code_verifies(&t, &d.sdev, code).await,
            "no new batch: {code}"
        );
    }
}

/// Post/Redirect/Get: every HTML form of the admin area answers with a redirect, and what
/// an outcome needs to show (an error, the form's values, a new key) is shown once.
#[tokio::test]
async fn every_admin_html_post_answers_with_a_redirect() {
    let t = app_web(|s| s.admin_hide_sensitive_data = true);
    let (mut c, _) = staff(&t).await;
    let d = devices(&t).await;
    let key = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    // Add: to the new device's page, which shows its key once.
    let r = c
        .post_unfollowed(
            "/otp/admin/devices/add/",
            &[
                ("user", "bob"),
                ("kind", "totp"),
                ("name", "Key fob"),
                ("key", key),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(!r.body.contains(key));
    let added = t
        .engine
        .devices_for_user(Some(&uid("bob")), None)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.name() == "Key fob")
        .unwrap()
        .persistent_id();
    assert_eq!(r.location(), base(&added));
    let page = c.get(&r.location()).await;
    assert!(page.body.contains(key), "shown once: {}", page.body);
    assert_eq!(page.header("cache-control").as_deref(), Some("no-store"));
    assert!(!c.get(&r.location()).await.body.contains(key), "only once");
    // Add, invalid: back to the form with the error and the values, never the key.
    let r = c
        .post_unfollowed(
            "/otp/admin/devices/add/",
            &[
                ("user", "bob"),
                ("kind", "hotp"),
                ("name", "Spare"),
                ("key", "0189-not-base32"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/otp/admin/devices/add/");
    let form = c.get(&r.location()).await;
    assert!(form.body.contains("class=\"error\""), "{}", form.body);
    assert!(form.body.contains("value=\"bob\""), "{}", form.body);
    assert!(form.body.contains("value=\"Spare\""), "{}", form.body);
    assert!(
        form.body.contains("value=\"hotp\" selected"),
        "{}",
        form.body
    );
    assert!(!form.body.contains("0189-not-base32"), "{}", form.body);
    let form = c.get("/otp/admin/devices/add/").await;
    assert!(!form.body.contains("class=\"error\""), "shown once");
    // Edit, invalid: back to the device page with the error and the values.
    let r = c
        .post_unfollowed(&base(&d.pid), &[("name", "Mine"), ("step", "0")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), base(&d.pid));
    let page = c.get(&r.location()).await;
    assert!(page.body.contains("class=\"error\""), "{}", page.body);
    assert!(
        page.body
            .contains("Step (seconds): enter a whole number from 1 to 120."),
        "{}",
        page.body
    );
    assert!(page.body.contains("value=\"Mine\""), "{}", page.body);
    assert!(page.body.contains("value=\"0\""), "{}", page.body);
    // The other actions redirect as before.
    for (path, fields) in [
        (base(&d.pid), vec![("name", "Renamed")]),
        (format!("{}confirm/", base(&d.unconfirmed)), vec![]),
        (format!("{}reset-throttling/", base(&d.pid)), vec![]),
        (
            "/otp/admin/reset-throttling/".to_owned(),
            vec![("ids", d.bulk.as_str())],
        ),
        (
            format!("{}backup-codes/", base(&d.sdev)),
            vec![("confirm", "yes")],
        ),
        (
            format!("{}remove/", base(&d.other)),
            vec![("confirm", "yes")],
        ),
    ] {
        let r = c.post_unfollowed(&path, &fields).await;
        assert!(r.status.is_redirection(), "{path}: {} {}", r.status, r.body);
    }
}

/// Issue 14: the admin's change form refuses an empty or blank name, the message next to the
/// field; the device keeps its name.
#[tokio::test]
async fn the_admin_refuses_empty_names_next_to_the_field() {
    let t = app();
    let (mut c, _) = staff(&t).await;
    let pid = totp(&t, "alice").await;
    t.engine.rename(&pid, "Phone").await.unwrap();
    let page = format!("/otp/admin/devices/{pid}/");
    for name in ["", "  \t "] {
        let r = c.post_unfollowed(&page, &[("name", name)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{name:?}");
        assert_eq!(r.location(), page);
        let d = t.engine.from_persistent_id(&pid).await.unwrap().unwrap();
        assert_eq!(d.name(), "Phone");
        let r = c.get(&page).await;
        assert!(
            r.body.contains("aria-describedby=\"id_name_error\""),
            "{}",
            r.body
        );
        assert!(
            r.body.contains("<span class=\"error\" id=\"id_name_error\" role=\"alert\" data-code=\"bad_request\">Enter a name.</span>"),
            "{}",
            r.body
        );
        let r = c.post_json(&page, json!({ "name": name })).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.json()["message"], "Enter a name.");
    }
}

/// Issue 14: the admin area in plain words: kinds a person knows, never "TOTP device" or
/// "Static device", in the list, the device page and the add form.
#[tokio::test]
async fn the_admin_area_speaks_plain_words() {
    let t = app();
    let (mut c, _) = staff(&t).await;
    let pid = totp(&t, "alice").await;
    t.engine
        .generate_backup_codes(&uid("alice"), None)
        .await
        .unwrap();
    for url in [
        "/otp/admin/".to_owned(),
        format!("/otp/admin/devices/{pid}/"),
        "/otp/admin/devices/add/".to_owned(),
    ] {
        let r = c.get(&url).await;
        assert_eq!(r.status, StatusCode::OK, "{url}");
        let main = r.body.split("<main").nth(1).unwrap();
        for word in [
            "OTP",
            "TOTP device",
            "Static device",
            "HOTP device",
            "Email device",
        ] {
            assert!(!main.contains(word), "{word:?} on {url}:\n{main}");
        }
        assert!(main.contains("Authenticator app"), "{url}: {main}");
    }
}

/// Issue 14: the link to the admin area is shown to staff only.
#[tokio::test]
async fn the_admin_link_is_for_staff_only() {
    let t = app();
    let (mut admin, _) = staff(&t).await;
    let r = admin.get("/otp/devices/").await;
    let link = format!("href=\"{}\"", esc("/otp/admin/"));
    assert!(r.body.contains(&link), "{}", r.body);
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    c.login_totp(&t, "alice", &pid).await;
    let r = c.get("/otp/devices/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains(&link), "{}", r.body);
}

/// Devices imported from django-otp keep their persistent ids in the admin area: the list
/// links each to its page under that id, flags a legacy key "re-enrolment recommended", and
/// the store's own id of an imported device names nothing.
#[tokio::test]
async fn imported_devices_under_their_persistent_ids() {
    use otpkit::engine::{ImportDevice, ImportKind};
    let t = app();
    let (mut c, _) = staff(&t).await;
    let device = |imported_id, kind| ImportDevice {
        imported_id,
        name: "From Django".into(),
        confirmed: true,
        created_at: otpkit::Timestamp::from_secs(1_600_000_000),
        last_used_at: None,
        throttle: Default::default(),
        last_generated_at: None,
        kind,
    };
    let imported = t
        .engine
        .import_devices(
            &uid("alice"),
            vec![
                device(
                    5,
                    ImportKind::Totp {
                        key: otpkit::SecretBytes::new(b"0123456789".to_vec()),
                        step: 30,
                        t0: 0,
                        digits: 6,
                        tolerance: 1,
                        drift: 0,
                        last_t: -1,
                    },
                ),
                device(
                    5,
                    ImportKind::Static {
                        codes: vec!["tok_en!".into()],
                    },
                ),
            ],
        )
        .await
        .unwrap();
    let totp = &imported[0];
    assert_eq!(totp.persistent_id(), "otp_totp.totpdevice/5");
    assert_ne!(totp.id(), 5, "the store's own id differs");
    let list = c.get_json("/otp/admin/?q=alice").await.json();
    let rows = list["devices"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["id"], "otp_totp.totpdevice/5");
    assert_eq!(rows[0]["url"], "/otp/admin/devices/otp_totp.totpdevice/5/");
    assert_eq!(rows[0]["reenrolment_recommended"], true);
    assert_eq!(rows[1]["reenrolment_recommended"], false);
    let html = c.get("/otp/admin/").await.body;
    assert!(html.contains("Re-enrolment recommended"), "{html}");
    let page = c.get("/otp/admin/devices/otp_totp.totpdevice/5/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("shorter than 16 bytes"), "{}", page.body);
    let page = c.get("/otp/admin/devices/otp_static.staticdevice/5/").await;
    assert_eq!(page.status, StatusCode::OK);
    let inner = format!("/otp/admin/devices/otp_totp.totpdevice/{}/", totp.id());
    assert_eq!(c.get(&inner).await.status, StatusCode::NOT_FOUND);
}
