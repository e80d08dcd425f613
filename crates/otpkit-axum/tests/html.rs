//! docs/behaviour.md §7.5 / REQ-18: every HTML page works under `default-src 'self'` and carries
//! the security headers; the stylesheet is served.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use http::StatusCode;

fn check(r: &Res, what: &str) {
    assert!(
        r.header("content-type")
            .unwrap_or_default()
            .starts_with("text/html"),
        "{what}: {:?}",
        r.header("content-type")
    );
    assert_secure_headers(r);
    assert_no_inline(r);
    assert!(r.body.contains("<link rel=\"stylesheet\""), "{what}");
}

#[tokio::test]
async fn every_html_page_has_csp_and_no_inline_code() {
    let t = app();
    let mut pages: Vec<(String, Res)> = Vec::new();
    let mut anon = Client::new(&t);
    for p in ["/otp/login/", "/otp/admin/login/", "/otp/logout/"] {
        pages.push((p.into(), anon.get(p).await));
    }
    pages.push((
        "invalid_login".into(),
        anon.post("/otp/login/", &[("username", "x"), ("password", "y")])
            .await,
    ));
    pages.push((
        "csrf".into(),
        anon.post_raw("/otp/login/", &[("username", "x")]).await,
    ));
    // A user enrolling.
    let mut n = Client::new(&t);
    n.login_password("nodev").await;
    pages.push(("no_device".into(), n.get("/otp/login/").await));
    pages.push(("verify no_device".into(), n.get("/otp/verify/").await));
    pages.push(("totp start".into(), n.get("/otp/devices/totp/new/").await));
    n.post("/otp/devices/totp/new/", &[("start", "1")]).await;
    pages.push(("totp qr".into(), n.get("/otp/devices/totp/new/").await));
    pages.push((
        "totp wrong".into(),
        n.post("/otp/devices/totp/new/", &[("otp_token", "1")])
            .await,
    ));
    pages.push(("email start".into(), n.get("/otp/devices/email/new/").await));
    pages.push((
        "email sent".into(),
        n.post("/otp/devices/email/new/", &[("email", "n@example.com")])
            .await,
    ));
    pages.push((
        "devices (none confirmed)".into(),
        n.get("/otp/devices/").await,
    ));
    // A verified user.
    let pid = totp(&t, "alice").await;
    let mut a = Client::new(&t);
    pages.push((
        "token step".into(),
        a.post("/otp/login/", &[("username", "alice"), ("password", "pw")])
            .await,
    ));
    pages.push((
        "token error".into(),
        a.post("/otp/login/", &[("otp_token", "000000")]).await,
    ));
    t.clock.advance_secs(1);
    let code = t.engine.current_totp(&pid).await.unwrap();
    a.post(
        "/otp/login/",
        &[("otp_device", &pid), ("otp_token", code.expose())],
    )
    .await;
    pages.push(("devices".into(), a.get("/otp/devices/").await));
    pages.push(("verify".into(), a.get("/otp/verify/").await));
    pages.push((
        "backup codes".into(),
        a.post("/otp/devices/backup-codes/", &[]).await,
    ));
    pages.push((
        "404".into(),
        a.post("/otp/devices/otp_totp.totpdevice/999/remove/", &[])
            .await,
    ));
    pages.push((
        "admin login (no access)".into(),
        a.get("/otp/admin/login/").await,
    ));
    // Staff.
    let apid = totp(&t, "admin").await;
    let mut s = Client::new(&t);
    s.login_totp(&t, "admin", &apid).await;
    pages.push(("admin list".into(), s.get("/otp/admin/").await));
    pages.push((
        "admin device".into(),
        s.get(&format!("/otp/admin/devices/{pid}/")).await,
    ));
    pages.push((
        "admin config".into(),
        s.get(&format!("/otp/admin/devices/{pid}/config/")).await,
    ));
    pages.push(("admin add".into(), s.get("/otp/admin/devices/add/").await));
    pages.push((
        "admin add error".into(),
        s.post("/otp/admin/devices/add/", &[("user", "")]).await,
    ));
    pages.push((
        "admin added".into(),
        s.post(
            "/otp/admin/devices/add/",
            &[("user", "bob"), ("kind", "totp")],
        )
        .await,
    ));
    let (sd, _) = t
        .engine
        .generate_backup_codes(&uid("bob"), None)
        .await
        .unwrap();
    pages.push((
        "admin codes".into(),
        s.post(
            &format!("/otp/admin/devices/{}/backup-codes/", sd.persistent_id()),
            &[],
        )
        .await,
    ));
    // The code step with every kind of method, the stale form, Cancel and the logout.
    t.engine
        .create_email(&uid("bob"), None, None, true)
        .await
        .unwrap();
    let mut b = Client::new(&t);
    pages.push((
        "code step, methods".into(),
        b.post("/otp/login/", &[("username", "bob"), ("password", "pw")])
            .await,
    ));
    pages.push((
        "code step, backup code".into(),
        b.get(&format!("/otp/login/?device={}", sd.persistent_id()))
            .await,
    ));
    pages.push((
        "stale form".into(),
        b.post_raw("/otp/login/", &[("otp_token", "1")]).await,
    ));
    pages.push((
        "cancelled".into(),
        b.post("/otp/login/", &[("cancel", "1")]).await,
    ));
    pages.push(("signed out".into(), b.get("/otp/logout/").await));
    for (what, r) in &pages {
        assert!(
            r.status != StatusCode::FOUND,
            "{what} redirected to {}",
            r.location()
        );
        check(r, what);
    }
    assert_eq!(pages.len(), 32);
}

#[tokio::test]
async fn redirects_and_json_carry_the_headers_too() {
    let t = app();
    let mut c = Client::new(&t);
    let r = c.get("/otp/devices/").await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_secure_headers(&r);
    let r = c.get_json("/otp/session").await;
    assert_secure_headers(&r);
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    // Even axum's own 405 under otpkit's routes (a POST-only route; the backup-codes page
    // has a GET since issue 12).
    let r = c.get("/otp/devices/otp_totp.totpdevice/1/rename/").await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_secure_headers(&r);
}

#[tokio::test]
async fn stylesheet_is_served_and_templates_can_be_overridden() {
    let t = app();
    let mut c = Client::new(&t);
    let r = c.get("/otp/static/otpkit.css").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.header("content-type").unwrap().starts_with("text/css"));
    assert!(r.body.contains(".card"));
    // Overrides take precedence.
    let tpl =
        otpkit_axum::Templates::new().with_override("otpkit/message.html", "custom {{ error }}");
    let out = tpl
        .render("otpkit/message.html", minijinja::context! { error => "E" })
        .unwrap();
    assert_eq!(out, "custom E");
    let tpl = otpkit_axum::Templates::new()
        .with_loader(|name| (name == "otpkit/logout.html").then(|| "bye".to_owned()));
    assert_eq!(
        tpl.render("otpkit/logout.html", minijinja::context! {})
            .unwrap(),
        "bye"
    );
}

/// Issue 15, item 4: the pages' "Sign in" links follow `OTP_LOGIN_URL` (an application that
/// keeps its own login), and otpkit's own login page by default.
#[tokio::test]
async fn the_sign_in_links_follow_otp_login_url() {
    let t = app_web(|w| w.login_url = Some("/accounts/login/".into()));
    let mut c = Client::new(&t);
    let r = c.get("/otp/logout/").await;
    assert!(
        r.body
            .contains(&format!("href=\"{}\"", esc("/accounts/login/"))),
        "{}",
        r.body
    );
    assert!(
        !r.body.contains(&format!("href=\"{}\"", esc("/otp/login/"))),
        "{}",
        r.body
    );
    let t = app();
    let mut c = Client::new(&t);
    let r = c.get("/otp/logout/").await;
    assert!(
        r.body.contains(&format!("href=\"{}\"", esc("/otp/login/"))),
        "{}",
        r.body
    );
}
