//! docs/behaviour.md §7.6.2 the guided setup (issue 14): choose a method, scan the QR code or
//! type the grouped key, enter the first code, save the backup codes (acknowledged), done; an
//! abandoned setup is never listed and is purged; the otpauth URI carries an issuer by default.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::Duration;

use common::*;
use http::StatusCode;
use otpkit::events::EventKind;
use otpkit::settings::BuiltinKind;
use serde_json::json;

/// The text of the element whose opening tag contains `marker` (up to its closing tag).
fn element_text(body: &str, marker: &str, close: &str) -> String {
    let tag = body
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {body}"));
    let start = body[tag..].find('>').unwrap() + tag + 1;
    let end = body[start..].find(close).unwrap() + start;
    body[start..end].to_owned()
}

/// The grouped key shown to type by hand.
fn grouped_key(body: &str) -> String {
    element_text(body, "<code class=\"secret\"", "</code>")
}

/// The otpauth URI shown on the page, unescaped.
fn uri_of(body: &str) -> String {
    element_text(body, "<code class=\"uri\"", "</code>")
        .replace("&#x2f;", "/")
        .replace("&amp;", "&")
        .replace("&#x3d;", "=")
}

/// The `secret` parameter of an otpauth URI.
fn secret_param(uri: &str) -> String {
    uri.split(['?', '&'])
        .find_map(|p| p.strip_prefix("secret="))
        .unwrap()
        .to_owned()
}

/// The current TOTP code of `key` (base32, spaces allowed) at the app's clock.
fn code_for(t: &TestApp, key: &str) -> String {
    let key = otpkit::encoding::decode_base32_secret(key).unwrap();
    let k = otpkit::OathKey::new(otpkit::Algorithm::Sha1, key.expose());
    let step = otpkit::oath::totp_step(t.engine.now().as_secs(), 0, 30, 0);
    otpkit::oath::totp_at(&k, step, otpkit::Digits::SIX)
        .unwrap()
        .expose()
        .to_owned()
}

/// The backup codes listed on a page.
fn codes_on(body: &str) -> Vec<String> {
    let start = body.find("<ol class=\"codes\"").unwrap();
    let end = body[start..].find("</ol>").unwrap() + start;
    body[start..end]
        .split("<code>")
        .skip(1)
        .map(|c| c.split("</code>").next().unwrap().to_owned())
        .collect()
}

fn assert_page(r: &Res, what: &str) {
    assert_eq!(r.status, StatusCode::OK, "{what}: {}", r.body);
    assert_secure_headers(r);
    assert_no_inline(r);
    assert!(r.body.contains("aria-current=\"step\""), "{what}: steps");
}

/// Starts an authenticator-app setup for `c` (signed in) and returns the page with the QR
/// code.
async fn start_totp(c: &mut Client, name: Option<&str>) -> Res {
    let mut fields = vec![("start", "1")];
    if let Some(n) = name {
        fields.push(("name", n));
    }
    let r = c.post("/otp/devices/totp/new/", &fields).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    c.get("/otp/devices/totp/new/").await
}

#[tokio::test]
async fn the_guided_setup_end_to_end() {
    let t = app();
    let mut c = Client::new(&t);
    c.login_password("nodev").await;

    // 1. Choose a method: both offered, each with its sentence.
    let r = c.get("/otp/devices/new/").await;
    assert_page(&r, "choose");
    assert!(
        r.body
            .contains("href=\"&#x2f;otp&#x2f;devices&#x2f;totp&#x2f;new&#x2f;\"")
    );
    assert!(
        r.body
            .contains("href=\"&#x2f;otp&#x2f;devices&#x2f;email&#x2f;new&#x2f;\"")
    );
    let r = c.get("/otp/devices/totp/new/").await;
    assert_page(&r, "name");
    assert!(r.body.contains("placeholder=\"Authenticator app\""));

    // 2. The QR code with an accessible name, the grouped key with a copy button.
    let r = start_totp(&mut c, None).await;
    assert_page(&r, "scan");
    assert!(
        r.body
            .contains("<figure class=\"qr\" role=\"img\" aria-label=\""),
        "{}",
        r.body
    );
    assert!(r.body.contains("data-copy-target=\"#setup-key\""));
    let key = grouped_key(&r.body);
    let groups: Vec<&str> = key.split(' ').collect();
    assert!(groups.len() > 1 && groups.iter().all(|g| g.len() == 4 || g.len() < 4));
    assert!(
        groups[..groups.len() - 1].iter().all(|g| g.len() == 4),
        "{key}"
    );
    let uri = uri_of(&r.body);
    assert_eq!(
        key.replace(' ', ""),
        secret_param(&uri),
        "grouped key = URI secret"
    );
    assert!(
        uri.starts_with("otpauth://totp/otpkit:nodev%20Example?"),
        "issuer from the site name: {uri}"
    );
    assert!(uri.ends_with("&issuer=otpkit"), "{uri}");

    // 3. The first code: confirmed, verified, on to the backup codes (made now).
    let r = c
        .post_unfollowed(
            "/otp/devices/totp/new/",
            &[("otp_token", &code_for(&t, &key))],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(r.location(), "/otp/devices/new/backup-codes/");
    assert_eq!(c.state().await, "verified");
    let confirmed = t
        .engine
        .devices_for_user(Some(&uid("nodev")), Some(true))
        .await
        .unwrap();
    assert_eq!(confirmed.len(), 2, "the app and the backup codes");
    assert_eq!(confirmed[0].name(), "Authenticator app", "the default name");
    assert_eq!(t.notifier.count(EventKind::BackupCodesGenerated), 1);

    // 4. The codes, with download, print and copy, and the required confirmation.
    let r = c.get("/otp/devices/new/backup-codes/").await;
    assert_page(&r, "codes");
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    let first_batch = codes_on(&r.body);
    assert_eq!(first_batch.len(), 10);
    for attr in [
        "data-download=\"backup-codes.txt\"",
        "data-print",
        "data-copy-target=\"#backup-codes\"",
        "name=\"saved\"",
    ] {
        assert!(r.body.contains(attr), "{attr}");
    }
    assert!(r.body.contains(" required"), "the confirmation is required");
    // The done page waits for the confirmation.
    let r = c.get("/otp/devices/new/done/").await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location(), "/otp/devices/new/backup-codes/");
    // Continuing without ticking it is refused; the codes were shown once.
    let r = c.post("/otp/devices/new/backup-codes/", &[]).await;
    assert_eq!(
        c.see_other.as_deref(),
        Some("/otp/devices/new/backup-codes/")
    );
    assert!(
        r.body.contains("role=\"alert\" id=\"saved-error\""),
        "{}",
        r.body
    );
    assert!(!r.body.contains("<ol class=\"codes\""), "shown once");
    // Lost them: new ones, which replace the first batch.
    let r = c
        .post("/otp/devices/new/backup-codes/", &[("regenerate", "1")])
        .await;
    let second_batch = codes_on(&r.body);
    assert_eq!(second_batch.len(), 10);
    assert_ne!(first_batch, second_batch);
    let r = c
        .post("/otp/devices/new/backup-codes/", &[("saved", "1")])
        .await;
    assert_eq!(c.see_other.as_deref(), Some("/otp/devices/new/done/"));

    // 5. Done: success and what to do if the phone is lost.
    assert_page(&r, "done");
    assert!(r.body.contains("role=\"status\""));
    assert!(r.body.contains("Authenticator app"));
    assert!(r.body.contains("backup code"), "{}", r.body);

    // A backup code of the second batch signs in; one of the first does not.
    let mut l = Client::new(&t);
    l.post_json(
        "/otp/login/",
        json!({"username": "nodev", "password": "pw"}),
    )
    .await;
    let r = l
        .post_json("/otp/login/", json!({"otp_token": first_batch[0]}))
        .await;
    assert_eq!(r.json()["error"], "invalid_token", "{}", r.body);
    t.clock.advance_secs(2);
    let r = l
        .post_json("/otp/login/", json!({"otp_token": second_batch[0]}))
        .await;
    assert_eq!(r.json()["status"], "verified", "{}", r.body);
}

#[tokio::test]
async fn a_user_with_backup_codes_goes_straight_to_done() {
    let t = app();
    let pid = totp(&t, "alice").await;
    t.engine
        .generate_backup_codes(&uid("alice"), None)
        .await
        .unwrap();
    let mut c = Client::new(&t);
    c.login_totp(&t, "alice", &pid).await;
    let r = c.get("/otp/devices/new/").await;
    assert!(r.body.contains("Add a sign-in method"), "{}", r.body);
    let r = start_totp(&mut c, Some("Tablet")).await;
    let key = grouped_key(&r.body);
    let r = c
        .post_unfollowed(
            "/otp/devices/totp/new/",
            &[("otp_token", &code_for(&t, &key))],
        )
        .await;
    assert_eq!(r.location(), "/otp/devices/new/done/");
    let r = c.get("/otp/devices/new/done/").await;
    assert_page(&r, "done");
    assert!(r.body.contains("Tablet"));
    assert_eq!(
        t.notifier.count(EventKind::BackupCodesGenerated),
        1,
        "no new codes"
    );
}

#[tokio::test]
async fn email_setup_leads_to_the_backup_codes_too() {
    let t = app();
    let mut c = Client::new(&t);
    c.login_password("nodev").await;
    let r = c
        .post("/otp/devices/email/new/", &[("email", "nodev@example.com")])
        .await;
    assert_page(&r, "email sent");
    let code: String = t
        .mailer
        .last()
        .unwrap()
        .text
        .expose()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let r = c
        .post_unfollowed("/otp/devices/email/new/", &[("otp_token", &code)])
        .await;
    assert_eq!(r.location(), "/otp/devices/new/backup-codes/");
    let r = c.get("/otp/devices/new/backup-codes/").await;
    assert_eq!(codes_on(&r.body).len(), 10);
}

#[tokio::test]
async fn the_choice_offers_only_what_the_deployment_supports() {
    let t = app();
    let mut c = Client::new(&t);
    c.login_password("nodev").await;
    let r = c.get_json("/otp/devices/new/").await;
    let methods = setup_methods(&r);
    assert_eq!(methods, ["totp", "email"]);

    let t = app_with(|s| {
        s.device_kinds.remove(&BuiltinKind::Email);
    });
    let mut c = Client::new(&t);
    c.login_password("nodev").await;
    let r = c.get_json("/otp/devices/new/").await;
    assert_eq!(r.json()["methods"].as_array().unwrap().len(), 1);
    let r = c.get("/otp/devices/new/").await;
    assert!(!r.body.contains("email&#x2f;new"), "{}", r.body);
}

#[tokio::test]
async fn without_a_setup_the_setup_pages_send_the_user_on() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    c.login_totp(&t, "alice", &pid).await;
    let r = c.get("/otp/devices/new/backup-codes/").await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location(), "/otp/devices/");
    let r = c
        .post_unfollowed("/otp/devices/new/backup-codes/", &[("saved", "1")])
        .await;
    assert_eq!(r.location(), "/otp/devices/");
    let r = c.get("/otp/devices/new/done/").await;
    assert_eq!(r.status, StatusCode::OK, "a generic done page");
}

#[tokio::test]
async fn an_abandoned_setup_is_never_listed_and_is_purged() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    c.login_totp(&t, "alice", &pid).await;
    start_totp(&mut c, Some("Abandoned")).await;
    let all = t
        .engine
        .devices_for_user(Some(&uid("alice")), None)
        .await
        .unwrap();
    assert_eq!(all.len(), 2, "the pending setup exists in the store");
    // Never listed: neither in the device list (HTML, JSON) nor among the login's methods.
    let r = c.get_json("/otp/devices/").await;
    assert_eq!(
        r.json()["devices"].as_array().unwrap().len(),
        1,
        "{}",
        r.body
    );
    assert!(!c.get("/otp/devices/").await.body.contains("Abandoned"));
    let mut l = Client::new(&t);
    let r = l
        .post_json(
            "/otp/login/",
            json!({"username": "alice", "password": "pw"}),
        )
        .await;
    assert!(!r.body.contains("Abandoned"), "{}", r.body);
    // Purged once older than the given age, not before.
    let ttl = Duration::from_secs(900);
    assert_eq!(t.engine.purge_abandoned_enrolments(ttl).await.unwrap(), 0);
    t.clock.advance_secs(901);
    assert_eq!(t.engine.purge_abandoned_enrolments(ttl).await.unwrap(), 1);
    let all = t
        .engine
        .devices_for_user(Some(&uid("alice")), None)
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    assert!(all[0].confirmed());
    assert_eq!(
        t.notifier.count(EventKind::DeviceRemoved),
        0,
        "never counted"
    );
    // The CLI's prune is the same operation with OTPKIT_ENROLMENT_TTL.
    assert_eq!(t.engine.prune_unconfirmed().await.unwrap(), 0);
}

#[tokio::test]
async fn a_configured_issuer_wins_over_the_site_name() {
    let t = app_with(|s| s.totp.issuer = Some("Example Corp".into()));
    let mut c = Client::new(&t);
    c.login_password("nodev").await;
    let r = start_totp(&mut c, None).await;
    let uri = uri_of(&r.body);
    assert!(
        uri.starts_with("otpauth://totp/Example%20Corp:nodev%20Example?"),
        "{uri}"
    );
    assert!(uri.ends_with("&issuer=Example%20Corp"), "{uri}");
}

#[tokio::test]
async fn the_setup_speaks_german() {
    let t = app();
    let mut c = Client::new(&t);
    c.lang = Some("de-DE,de;q=0.9".into());
    c.login_password("nodev").await;
    let r = c.get("/otp/devices/new/").await;
    assert!(r.body.contains("<html lang=\"de\">"));
    assert!(
        r.body.contains("Anmeldung in zwei Schritten einschalten"),
        "{}",
        r.body
    );
    assert!(r.body.contains("Authenticator-App"));
    assert!(r.body.contains("Methode wählen"), "the steps");
    assert!(!r.body.contains("Choose a method"), "{}", r.body);
    let r = c.get("/otp/devices/totp/new/").await;
    assert!(
        r.body.contains("placeholder=\"Authenticator-App\""),
        "{}",
        r.body
    );
    let r = start_totp(&mut c, None).await;
    assert!(
        r.body
            .contains("aria-label=\"QR-Code zum Scannen mit Ihrer Authenticator-App\"")
    );
    assert!(r.body.contains("Schlüssel kopieren"));
    assert!(r.body.contains("Der 6-stellige Code"), "{}", r.body);
    let key = grouped_key(&r.body);
    c.post(
        "/otp/devices/totp/new/",
        &[("otp_token", &code_for(&t, &key))],
    )
    .await;
    let devices = t
        .engine
        .devices_for_user(Some(&uid("nodev")), Some(true))
        .await
        .unwrap();
    assert_eq!(
        devices[0].name(),
        "Authenticator-App",
        "named in the user's language"
    );
    let r = c.get("/otp/devices/new/backup-codes/").await;
    assert!(r.body.contains("Backup-Codes speichern"), "{}", r.body);
    assert!(r.body.contains("Ich habe diese Codes gespeichert"));
    assert!(r.body.contains(">Drucken</button>"));
    let r = c
        .post("/otp/devices/new/backup-codes/", &[("saved", "1")])
        .await;
    assert!(
        r.body
            .contains("Die Anmeldung in zwei Schritten ist eingeschaltet"),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("„Authenticator-App“ ist eingerichtet."),
        "{}",
        r.body
    );
    assert!(r.body.contains("Wenn Sie Ihr Telefon verlieren"));
}

#[tokio::test]
async fn another_user_in_the_same_session_ignores_the_setup() {
    let t = app();
    let mut c = Client::new(&t);
    c.login_password("nodev").await;
    let r = start_totp(&mut c, None).await;
    let key = grouped_key(&r.body);
    let r = c
        .post_unfollowed(
            "/otp/devices/totp/new/",
            &[("otp_token", &code_for(&t, &key))],
        )
        .await;
    assert_eq!(r.location(), "/otp/devices/new/backup-codes/");
    // alice signs in in the same browser, without logging nodev out first.
    let pid = totp(&t, "alice").await;
    c.login_totp(&t, "alice", &pid).await;
    let r = c.get("/otp/devices/new/backup-codes/").await;
    assert_eq!(r.status, StatusCode::FOUND, "not nodev's setup");
    assert_eq!(r.location(), "/otp/devices/");
    let r = c.get("/otp/devices/new/done/").await;
    assert!(!r.body.contains("Authenticator app"), "{}", r.body);
}
