//! REQ-16 for the web layer: logs captured over whole flows contain no token, code, secret
//! or otpauth URI.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use http::StatusCode;
use serde_json::json;

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn no_secret_reaches_the_logs() {
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let t = app();
    let mut secrets: Vec<String> = Vec::new();
    // TOTP enrolment (secret, URI, QR) and confirmation.
    let mut c = Client::new(&t);
    c.login_password("nodev").await;
    c.post("/otp/devices/totp/new/", &[("start", "1")]).await;
    let r = c.get_json("/otp/devices/totp/new/").await;
    let secret = r.json()["secret"].as_str().unwrap().to_owned();
    secrets.push(secret.clone());
    secrets.push(r.json()["uri"].as_str().unwrap().to_owned());
    let pid = r.json()["device"].as_str().unwrap().to_owned();
    let code = {
        let key = otpkit::encoding::decode_base32_secret(&secret).unwrap();
        let k = otpkit::OathKey::new(otpkit::Algorithm::Sha1, key.expose());
        let step = otpkit::oath::totp_step(t.engine.now().as_secs(), 0, 30, 0);
        otpkit::oath::totp_at(&k, step, otpkit::Digits::SIX)
            .unwrap()
            .expose()
            .to_owned()
    };
    c.post("/otp/devices/totp/new/", &[("otp_token", "999999")])
        .await;
    t.clock.advance_secs(1);
    let r = c
        .post_json("/otp/devices/totp/new/", json!({"otp_token": code}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    secrets.push(code);
    // Backup codes.
    let r = c.post_json("/otp/devices/backup-codes/", json!({})).await;
    for code in r.json()["codes"].as_array().unwrap() {
        secrets.push(code.as_str().unwrap().to_owned());
    }
    // Email login with a challenge, a wrong code and the right one.
    let email = t
        .engine
        .create_email(&uid("alice"), None, None, true)
        .await
        .unwrap()
        .persistent_id();
    let mut a = Client::new(&t);
    a.post_json(
        "/otp/login/",
        json!({"username": "alice", "password": "pw"}),
    )
    .await;
    a.post_json(
        "/otp/login/",
        json!({"otp_device": email, "otp_challenge": "1"}),
    )
    .await;
    let mail = t.mailer.last().unwrap();
    let code: String = mail
        .text
        .expose()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    a.post_json(
        "/otp/login/",
        json!({"otp_device": email, "otp_token": "000000"}),
    )
    .await;
    t.clock.advance_secs(1);
    let r = a
        .post_json(
            "/otp/login/",
            json!({"otp_device": email, "otp_token": code}),
        )
        .await;
    assert_eq!(r.json()["status"], "verified");
    secrets.push(code);
    // Admin config page.
    let apid = totp(&t, "admin").await;
    let mut s = Client::new(&t);
    s.login_totp(&t, "admin", &apid).await;
    s.get(&format!("/otp/admin/devices/{pid}/config/")).await;
    s.get(&format!("/otp/admin/devices/{pid}/qrcode/")).await;

    let logs = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("otpkit audit event"),
        "the capture works: {logs}"
    );
    assert!(!logs.contains("otpauth"), "otpauth URI in the logs");
    assert!(!logs.contains("\"pw\"") && !logs.contains("password=pw"));
    for s in &secrets {
        assert!(!logs.contains(s.as_str()), "{s} in the logs");
    }
}
