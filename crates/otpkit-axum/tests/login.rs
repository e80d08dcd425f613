//! docs/behaviour.md §7.3–7.5: the login flow, every error code with its exact message and status,
//! sessions (REQ-12), CSRF and body limits (REQ-18), no enumeration (REQ-17).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::atomic::Ordering;

use common::*;
use http::StatusCode;
use serde_json::json;

const INVALID_TOKEN: &str =
    "That code is not valid. Check it and try again, or use the newest code.";

/// Password step over JSON; returns the answer (token_required with the devices).
async fn json_password(c: &mut Client, user: &str) -> Res {
    c.post_json("/otp/login/", json!({"username": user, "password": "pw"}))
        .await
}

fn assert_problem(r: &Res, status: StatusCode, code: &str, message: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    let b = r.json();
    assert_eq!(b["error"], code, "{}", r.body);
    assert_eq!(b["message"], message, "{}", r.body);
}

/// The HTML page shows the message in its error paragraph.
fn assert_html_error(r: &Res, message: &str) {
    assert!(
        r.body.contains(&format!("{message}</p>")),
        "expected {message:?} in {}",
        r.body
    );
    assert_secure_headers(r);
}

/// Issue 14 item 2: the HTML login in two steps. The password step asks for the username
/// and password only; the code step says who is signing in, shows the field of the
/// preferred method (no device list, no `---------`), and a Cancel button.
#[tokio::test]
async fn two_steps_password_then_code() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    let r = c.get("/otp/login/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("name=\"username\""));
    assert!(r.body.contains("name=\"password\""));
    assert!(!r.body.contains("name=\"otp_token\""), "{}", r.body);
    assert!(!r.body.contains("name=\"otp_device\""));
    assert!(r.body.contains("<label for=\"id_username\">"));
    assert!(r.body.contains("<label for=\"id_password\">"));
    assert!(r.body.contains("autocomplete=\"username\""));
    assert!(r.body.contains("required autofocus"));
    assert!(r.body.contains("name=\"csrf_token\""));
    assert!(r.body.contains("name=\"next\""));
    assert!(r.body.contains(">Sign in</button>"));
    let r = c
        .post("/otp/login/", &[("username", "alice"), ("password", "pw")])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Signing in as alice"), "{}", r.body);
    assert!(
        !r.body.contains("<select name=\"otp_device\""),
        "no device list"
    );
    assert!(!r.body.contains("<option value=\"otp_"), "no device list");
    assert!(!r.body.contains("---------"));
    assert!(!r.body.contains("OTP"), "plain words: {}", r.body);
    // The only device is the method shown, posted as a hint.
    assert!(r.body.contains(&format!(
        "<input type=\"hidden\" name=\"otp_device\" value=\"{}\">",
        esc(&pid)
    )));
    assert!(
        r.body
            .contains("<label for=\"id_otp_token\">Authentication code</label>")
    );
    assert!(r.body.contains("aria-describedby=\"id_otp_token_hint\""));
    assert!(r.body.contains("id=\"id_otp_token_hint\""));
    assert!(r.body.contains("autocomplete=\"one-time-code\""));
    assert!(r.body.contains("maxlength=\"64\""));
    assert!(r.body.contains(">Verify</button>"));
    assert!(r.body.contains("name=\"cancel\""), "a Cancel button");
    assert!(!r.body.contains("Use another method"), "one method only");
    assert!(!r.body.contains("name=\"otp_challenge\""));
    assert!(
        !r.body.contains("name=\"password\""),
        "the password is never rendered back"
    );
    assert!(!r.body.contains("value=\"pw\""));
    assert_eq!(c.state().await, "pending");
    // The code step's form logs in.
    let code = t.engine.current_totp(&pid).await.unwrap();
    let r = c
        .post(
            "/otp/login/",
            &[("otp_device", &pid), ("otp_token", code.expose())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(c.state().await, "verified");
}

#[tokio::test]
async fn one_submission_logs_in_with_the_only_device() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    let code = t.engine.current_totp(&pid).await.unwrap();
    let r = c
        .post(
            "/otp/login/",
            &[
                ("username", "alice"),
                ("password", "pw"),
                ("otp_token", code.expose()),
                ("next", "/require-otp/"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location(), "/require-otp/");
    assert_eq!(c.state().await, "verified");
    assert_eq!(t.hooks.succeeded.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn json_flow_lists_devices_and_verifies() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    let r = json_password(&mut c, "alice").await;
    assert_problem(
        &r,
        StatusCode::BAD_REQUEST,
        "token_required",
        "Please enter your authentication code.",
    );
    let b = r.json();
    assert_eq!(
        b["devices"],
        json!([{"id": pid, "name": "TOTP device", "interactive": false, "available": true}])
    );
    let code = t.engine.current_totp(&pid).await.unwrap();
    let r = c
        .post_json(
            "/otp/login/",
            json!({"otp_device": pid, "otp_token": code.expose(), "next": "/x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The answer carries the CSRF token the verification just rotated (issue 12 item 8).
    let csrf = r.json()["csrf_token"].as_str().unwrap().to_owned();
    assert_eq!(
        r.json(),
        json!({"status": "verified", "device": pid, "next": "/x", "csrf_token": csrf})
    );
    assert_eq!(c.csrf().await, csrf);
}

#[tokio::test]
async fn preferred_device_is_the_last_used_passive_one() {
    let t = app();
    let first = totp(&t, "alice").await;
    let second = totp(&t, "alice").await;
    t.engine.rename(&second, "Phone").await.unwrap();
    // Use the second one once.
    let code = t.engine.current_totp(&second).await.unwrap();
    assert!(
        t.engine
            .verify_token(Some(&uid("alice")), &second, code.expose())
            .await
            .unwrap()
            .is_some()
    );
    next_step(&t);
    let mut c = Client::new(&t);
    let r = c
        .post("/otp/login/", &[("username", "alice"), ("password", "pw")])
        .await;
    // The authenticator app is one method: the device used last stands for it.
    assert!(
        r.body
            .contains(&format!("name=\"otp_device\" value=\"{}\"", esc(&second))),
        "{}",
        r.body
    );
    assert!(!r.body.contains(&esc(&first)), "{}", r.body);
    assert!(!r.body.contains("Use another method"));
    // A token without a device goes to the preferred one.
    let code = t.engine.current_totp(&second).await.unwrap();
    let r = c.post("/otp/login/", &[("otp_token", code.expose())]).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
}

#[tokio::test]
async fn token_required() {
    let t = app();
    totp(&t, "alice").await;
    let mut c = Client::new(&t);
    json_password(&mut c, "alice").await;
    let r = c.post_json("/otp/login/", json!({"otp_token": ""})).await;
    assert_problem(
        &r,
        StatusCode::BAD_REQUEST,
        "token_required",
        "Please enter your authentication code.",
    );
    let r = c.post("/otp/login/", &[("otp_token", "  ")]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_html_error(&r, "Please enter your authentication code.");
}

/// Issue 12 item 5 (was `device_required_when_no_preferred_device`): a code without a
/// usable device is no longer `device_required` but is tried against every confirmed passive
/// device (docs/behaviour.md §7.3); a posted id that is not found, foreign or unconfirmed counts as
/// "no device"; an unconfirmed device never verifies (REQ-13).
#[tokio::test]
async fn a_code_without_a_usable_device_is_matched_against_every_passive_device() {
    let t = app();
    let first = totp(&t, "alice").await;
    let second = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    let r = json_password(&mut c, "alice").await;
    assert_eq!(r.json()["devices"].as_array().unwrap().len(), 2);
    // The second device's code, with no device named: accepted (it is alice's code).
    let code = t.engine.current_totp(&second).await.unwrap();
    let r = c
        .post_json("/otp/login/", json!({"otp_token": code.expose()}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["device"], second.as_str());
    for pid in [&first, &second] {
        let d = t.engine.from_persistent_id(pid).await.unwrap().unwrap();
        assert_eq!(d.throttle().failure_count, 0, "no failure when one matched");
    }
    // A posted id that is not found, foreign or unconfirmed counts as "no device": the
    // code is matched against alice's own devices only; bob's is untouched.
    let bobs = totp(&t, "bob").await;
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
    for posted in [
        bobs.as_str(),
        unconfirmed.as_str(),
        "otp_totp.totpdevice/99",
    ] {
        let mut c = Client::new(&t);
        json_password(&mut c, "alice").await;
        next_step(&t);
        for pid in [&first, &second] {
            t.engine.throttle_reset(pid).await.unwrap();
        }
        // The unconfirmed device's own code is not accepted.
        let code = t.engine.current_totp(&unconfirmed).await.unwrap();
        let r = c
            .post_json(
                "/otp/login/",
                json!({"otp_token": code.expose(), "otp_device": posted}),
            )
            .await;
        assert_problem(&r, StatusCode::UNAUTHORIZED, "invalid_token", INVALID_TOKEN);
        for pid in [&first, &second] {
            let d = t.engine.from_persistent_id(pid).await.unwrap().unwrap();
            assert_eq!(d.throttle().failure_count, 1, "{posted}: {pid}");
        }
    }
    let bob = t.engine.from_persistent_id(&bobs).await.unwrap().unwrap();
    assert_eq!(bob.throttle().failure_count, 0);
    let u = t
        .engine
        .from_persistent_id(&unconfirmed)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.throttle().failure_count, 0);
    assert!(!u.confirmed());
    // Without any device at all there is nothing to match: a challenge needs a device.
    let mut c = Client::new(&t);
    json_password(&mut c, "alice").await;
    let r = c
        .post_json("/otp/login/", json!({"otp_challenge": "1"}))
        .await;
    assert_eq!(r.json()["error"], "not_interactive", "{}", r.body);
}

#[tokio::test]
async fn invalid_token_for_wrong_malformed_and_replayed_codes_alike() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    json_password(&mut c, "alice").await;
    let mut bodies = Vec::new();
    for token in ["000000", "abc", "1234567"] {
        t.engine.throttle_reset(&pid).await.unwrap(); // past any back-off
        let r = c
            .post_json(
                "/otp/login/",
                json!({"otp_device": pid, "otp_token": token}),
            )
            .await;
        assert_problem(&r, StatusCode::UNAUTHORIZED, "invalid_token", INVALID_TOKEN);
        bodies.push(r.body.clone());
    }
    // A replay answers exactly like a wrong token.
    t.engine.throttle_reset(&pid).await.unwrap();
    let mut other = Client::new(&t);
    let code = t.engine.current_totp(&pid).await.unwrap();
    assert!(
        t.engine
            .verify_token(Some(&uid("alice")), &pid, code.expose())
            .await
            .unwrap()
            .is_some()
    );
    json_password(&mut other, "alice").await;
    let r = other
        .post_json(
            "/otp/login/",
            json!({"otp_device": pid, "otp_token": code.expose()}),
        )
        .await;
    assert_problem(&r, StatusCode::UNAUTHORIZED, "invalid_token", INVALID_TOKEN);
    bodies.push(r.body.clone());
    let strip = |b: &String| {
        let mut v: serde_json::Value = serde_json::from_str(b).unwrap();
        v.as_object_mut().unwrap().remove("csrf_token");
        v
    };
    assert!(
        bodies.iter().all(|b| strip(b) == strip(&bodies[0])),
        "{bodies:?}"
    );
    // HTML.
    t.engine.throttle_reset(&pid).await.unwrap();
    let r = c
        .post(
            "/otp/login/",
            &[("otp_device", &pid), ("otp_token", "000000")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_html_error(&r, INVALID_TOKEN);
    // The failure hook ran for each rejected token (4 JSON + 1 HTML).
    assert_eq!(t.hooks.failed.lock().unwrap().len(), 5);
}

#[tokio::test]
async fn n_failed_attempts_singular_and_plural_with_retry_after() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    json_password(&mut c, "alice").await;
    let r = c
        .post_json(
            "/otp/login/",
            json!({"otp_device": pid, "otp_token": "000000"}),
        )
        .await;
    assert_eq!(r.json()["error"], "invalid_token");
    t.clock.advance_millis(400);
    // Throttled, even with the right code (REQ-17).
    let code = t.engine.current_totp(&pid).await.unwrap();
    let r = c
        .post_json(
            "/otp/login/",
            json!({"otp_device": pid, "otp_token": code.expose()}),
        )
        .await;
    assert_problem(
        &r,
        StatusCode::TOO_MANY_REQUESTS,
        "n_failed_attempts",
        "Too many wrong codes. Try again in 1 second.",
    );
    assert_eq!(r.header("retry-after").as_deref(), Some("1"));
    let b = r.json();
    assert_eq!(b["failure_count"], 1);
    assert_eq!(b["retry_after"], 1);
    assert_eq!(b["locked_until"], "2026-01-01T10:00:01.000Z");
    t.clock.advance_millis(600);
    let r = c
        .post_json(
            "/otp/login/",
            json!({"otp_device": pid, "otp_token": "000000"}),
        )
        .await;
    assert_eq!(r.json()["error"], "invalid_token");
    let r = c
        .post(
            "/otp/login/",
            &[("otp_device", &pid), ("otp_token", "000000")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_html_error(&r, "Too many wrong codes. Try again in 2 seconds.");
    assert_eq!(r.header("retry-after").as_deref(), Some("2"));
}

#[tokio::test]
async fn device_locked() {
    let t = app();
    let pid = totp(&t, "alice").await;
    for _ in 0..100 {
        t.engine.throttle_increment(&pid).await.unwrap();
    }
    let msg = "This method is locked after too many wrong codes. Use another method or ask an administrator to unlock it.";
    let mut c = Client::new(&t);
    json_password(&mut c, "alice").await;
    let code = t.engine.current_totp(&pid).await.unwrap();
    let r = c
        .post_json(
            "/otp/login/",
            json!({"otp_device": pid, "otp_token": code.expose()}),
        )
        .await;
    assert_problem(&r, StatusCode::FORBIDDEN, "device_locked", msg);
    assert_eq!(r.json()["failure_count"], 100);
    let r = c
        .post(
            "/otp/login/",
            &[("otp_device", &pid), ("otp_token", code.expose())],
        )
        .await;
    assert_html_error(&r, msg);
}

#[tokio::test]
async fn verification_not_allowed_and_a_kinds_own_message() {
    let t = app();
    let silent = t
        .engine
        .create_device(&uid("alice"), Some("Refuser"), true, |_| {
            Ok(RefusingDevice {
                message: String::new(),
            })
        })
        .await
        .unwrap()
        .persistent_id();
    let own = t
        .engine
        .create_device(&uid("alice"), Some("Refuser 2"), true, |_| {
            Ok(RefusingDevice {
                message: "Disabled by policy.".into(),
            })
        })
        .await
        .unwrap()
        .persistent_id();
    let mut c = Client::new(&t);
    json_password(&mut c, "alice").await;
    let r = c
        .post_json(
            "/otp/login/",
            json!({"otp_device": silent, "otp_token": "123456"}),
        )
        .await;
    assert_problem(
        &r,
        StatusCode::FORBIDDEN,
        "verification_not_allowed",
        "You cannot use this method right now. Please use another one.",
    );
    let r = c
        .post_json(
            "/otp/login/",
            json!({"otp_device": own, "otp_token": "123456"}),
        )
        .await;
    assert_problem(
        &r,
        StatusCode::FORBIDDEN,
        "verification_not_allowed",
        "Disabled by policy.",
    );
    let r = c
        .post(
            "/otp/login/",
            &[("otp_device", &silent), ("otp_token", "123456")],
        )
        .await;
    assert_html_error(
        &r,
        "You cannot use this method right now. Please use another one.",
    );
    assert!(
        t.hooks.failed.lock().unwrap().is_empty(),
        "refusals are not failures"
    );
}

async fn email_device(t: &TestApp, user: &str) -> String {
    t.engine
        .create_email(&uid(user), None, None, true)
        .await
        .unwrap()
        .persistent_id()
}

#[tokio::test]
async fn challenge_then_token() {
    let t = app();
    let pid = email_device(&t, "alice").await;
    let mut c = Client::new(&t);
    let r = json_password(&mut c, "alice").await;
    assert_eq!(r.json()["devices"][0]["interactive"], true);
    let r = c
        .post_json(
            "/otp/login/",
            json!({"otp_device": pid, "otp_challenge": "1", "otp_token": "999999"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(
        r.json(),
        json!({"status": "challenge_sent", "message": "We sent you a code. Enter it below."})
    );
    let mail = t.mailer.last().unwrap();
    assert_eq!(mail.to, "alice@example.com");
    let code: String = mail
        .text
        .expose()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let r = c
        .post_json("/otp/login/", json!({"otp_device": pid, "otp_token": code}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "verified");
}

#[tokio::test]
async fn an_email_code_is_bound_to_the_requesting_session() {
    let t = app();
    let pid = email_device(&t, "alice").await;
    let mut a = Client::new(&t);
    json_password(&mut a, "alice").await;
    a.post_json(
        "/otp/login/",
        json!({"otp_device": pid, "otp_challenge": "1"}),
    )
    .await;
    let code: String = t
        .mailer
        .last()
        .unwrap()
        .text
        .expose()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let mut b = Client::new(&t);
    json_password(&mut b, "alice").await;
    let r = b
        .post_json("/otp/login/", json!({"otp_device": pid, "otp_token": code}))
        .await;
    assert_eq!(r.json()["error"], "invalid_token");
}

#[tokio::test]
async fn challenge_message_html_and_cooldown() {
    let t = app();
    let pid = email_device(&t, "alice").await;
    let mut c = Client::new(&t);
    c.post("/otp/login/", &[("username", "alice"), ("password", "pw")])
        .await;
    let r = c
        .post(
            "/otp/login/",
            &[("otp_device", &pid), ("otp_challenge", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("We sent you a code. Enter it below.</p>"),
        "{}",
        r.body
    );
    let msg = "Please wait 60 seconds before asking for another code.";
    let r = c
        .post_json(
            "/otp/login/",
            json!({"otp_device": pid, "otp_challenge": "1"}),
        )
        .await;
    assert_problem(&r, StatusCode::TOO_MANY_REQUESTS, "challenge_cooldown", msg);
    assert_eq!(r.header("retry-after").as_deref(), Some("60"));
    assert_eq!(r.json()["retry_after"], 60);
    t.clock.advance_millis(30_500);
    let r = c
        .post(
            "/otp/login/",
            &[("otp_device", &pid), ("otp_challenge", "1")],
        )
        .await;
    assert_html_error(&r, "Please wait 30 seconds before asking for another code.");
    assert_eq!(r.header("retry-after").as_deref(), Some("30"));
}

#[tokio::test]
async fn challenge_exception_and_not_interactive() {
    let t = app();
    let email = email_device(&t, "alice").await;
    let passive = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    json_password(&mut c, "alice").await;
    t.mailer.set_failing(true);
    let msg = "We could not send you a code. Please try again in a moment.";
    let r = c
        .post_json(
            "/otp/login/",
            json!({"otp_device": email, "otp_challenge": "1"}),
        )
        .await;
    assert_problem(&r, StatusCode::BAD_GATEWAY, "challenge_exception", msg);
    let r = c
        .post(
            "/otp/login/",
            &[("otp_device", &email), ("otp_challenge", "1")],
        )
        .await;
    assert_html_error(&r, msg);
    let ni = "This method cannot send you a code. Enter a code from your authenticator app or a backup code.";
    let r = c
        .post_json(
            "/otp/login/",
            json!({"otp_device": passive, "otp_challenge": "1"}),
        )
        .await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "not_interactive", ni);
    let r = c
        .post_json("/otp/login/", json!({"otp_challenge": "1"}))
        .await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "not_interactive", ni);
    let r = c
        .post(
            "/otp/login/",
            &[("otp_device", &passive), ("otp_challenge", "1")],
        )
        .await;
    assert_html_error(&r, ni);
}

#[tokio::test]
async fn challenge_takes_precedence_over_the_token() {
    let t = app();
    let pid = email_device(&t, "alice").await;
    let mut c = Client::new(&t);
    json_password(&mut c, "alice").await;
    let r = c
        .post_json(
            "/otp/login/",
            json!({"otp_device": pid, "otp_challenge": "1", "otp_token": "000000"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let d = t.engine.from_persistent_id(&pid).await.unwrap().unwrap();
    assert_eq!(d.throttle().failure_count, 0, "the token was not evaluated");
}

#[tokio::test]
async fn invalid_login_is_identical_for_unknown_wrong_and_inactive() {
    let t = app();
    let msg = "The username or password is not correct. Both are case-sensitive.";
    let mut answers = Vec::new();
    for (u, p) in [
        ("nobody", "pw"),
        ("alice", "wrong"),
        ("carol", "pw"),
        ("", ""),
    ] {
        let mut c = Client::new(&t);
        let r = c
            .post_json("/otp/login/", json!({"username": u, "password": p}))
            .await;
        assert_problem(&r, StatusCode::UNAUTHORIZED, "invalid_login", msg);
        let mut b = r.json();
        b.as_object_mut().unwrap().remove("csrf_token");
        answers.push((r.status, b));
        assert_eq!(c.state().await, "anonymous");
        let r = c
            .post("/otp/login/", &[("username", u), ("password", p)])
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_html_error(&r, msg);
        assert!(
            !r.body.contains("value=\"wrong\""),
            "the password is never rendered back"
        );
    }
    assert!(answers.iter().all(|a| a == &answers[0]));
}

#[tokio::test]
async fn no_device_when_otp_is_not_optional() {
    let t = app_web(|s| s.login_otp_optional = false);
    let msg = "Two-step verification is required, but your account has no method set up yet.";
    let mut c = Client::new(&t);
    let r = json_password(&mut c, "nodev").await;
    assert_problem(&r, StatusCode::FORBIDDEN, "no_device", msg);
    assert_eq!(c.state().await, "anonymous");
    let r = c
        .post("/otp/login/", &[("username", "nodev"), ("password", "pw")])
        .await;
    assert_html_error(&r, msg);
}

#[tokio::test]
async fn without_a_device_otp_optional_logs_in_unverified() {
    let t = app();
    let mut c = Client::new(&t);
    let r = c.login_password("nodev").await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(c.state().await, "authenticated");
    // Guards still refuse; the login page shows no_device and the enrolment links.
    assert_eq!(c.get("/require-otp/").await.status, StatusCode::FOUND);
    let r = c.get("/otp/login/").await;
    assert!(
        r.body.contains("your account has no method set up yet"),
        "{}",
        r.body
    );
    assert!(r.body.contains(&esc("/otp/devices/new/")));
    assert!(!r.body.contains("name=\"otp_token\""));
}

#[tokio::test]
async fn login_expired() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let msg = "Your sign-in took too long. Please sign in again.";
    let mut c = Client::new(&t);
    json_password(&mut c, "alice").await;
    t.clock.advance_secs(300);
    let code = t.engine.current_totp(&pid).await.unwrap();
    let r = c
        .post_json(
            "/otp/login/",
            json!({"otp_device": pid, "otp_token": code.expose()}),
        )
        .await;
    assert_problem(&r, StatusCode::UNAUTHORIZED, "login_expired", msg);
    assert_eq!(
        c.session_value("otpkit_pending").await,
        json!(null),
        "removed"
    );
    // Missing altogether.
    let mut fresh = Client::new(&t);
    let r = fresh
        .post_json("/otp/login/", json!({"otp_token": "123456"}))
        .await;
    assert_problem(&r, StatusCode::UNAUTHORIZED, "login_expired", msg);
    let r = fresh.post("/otp/login/", &[("otp_token", "123456")]).await;
    assert_html_error(&r, msg);
    // The device was never touched.
    let d = t.engine.from_persistent_id(&pid).await.unwrap().unwrap();
    assert_eq!(d.throttle().failure_count, 0);
}

#[tokio::test]
async fn bad_request_for_malformed_json_or_field_types() {
    let t = app();
    let mut c = Client::new(&t);
    let token = c.csrf().await;
    for body in ["{not json", "[1,2]", "{\"username\": 5}"] {
        let r = c
            .send(
                http::Request::post("/otp/login/")
                    .header("content-type", "application/json")
                    .header("x-csrf-token", &token)
                    .body(axum::body::Body::from(body))
                    .unwrap(),
            )
            .await;
        assert_problem(
            &r,
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The request could not be understood.",
        );
    }
}

#[tokio::test]
async fn internal_error_fails_closed() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    json_password(&mut c, "alice").await;
    t.store.fail.store(true, Ordering::SeqCst);
    let r = c
        .post_json(
            "/otp/login/",
            json!({"otp_device": pid, "otp_token": "000000"}),
        )
        .await;
    assert_problem(
        &r,
        StatusCode::SERVICE_UNAVAILABLE,
        "internal_error",
        "Signing in is unavailable right now. Please try again later.",
    );
    let r = c
        .post(
            "/otp/login/",
            &[("otp_device", &pid), ("otp_token", "000000")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_html_error(
        &r,
        "Signing in is unavailable right now. Please try again later.",
    );
    t.store.fail.store(false, Ordering::SeqCst);
    assert_eq!(c.state().await, "pending", "not elevated");
    let d = t.engine.from_persistent_id(&pid).await.unwrap().unwrap();
    assert_eq!(
        d.throttle().failure_count,
        0,
        "not counted as a wrong token"
    );
}

#[tokio::test]
async fn three_session_ids_and_the_old_ones_no_longer_work() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    c.csrf().await;
    let id1 = c.cookie.clone().unwrap();
    c.post("/otp/login/", &[("username", "alice"), ("password", "pw")])
        .await;
    let id2 = c.cookie.clone().unwrap();
    // The pending login holds only user, expiry and nonce.
    let pending = c.session_value("otpkit_pending").await;
    let mut keys: Vec<_> = pending.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(keys, ["expires_at", "nonce", "user"]);
    assert_eq!(pending["user"], "alice");
    assert_eq!(pending["expires_at"], "2026-01-01T10:05:00.000Z");
    assert_eq!(
        c.session_value("otpkit_auth_user").await,
        json!(null),
        "still anonymous"
    );
    let code = t.engine.current_totp(&pid).await.unwrap();
    let r = c
        .post(
            "/otp/login/",
            &[("otp_device", &pid), ("otp_token", code.expose())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    let id3 = c.cookie.clone().unwrap();
    assert_ne!(id1, id2);
    assert_ne!(id2, id3);
    assert_ne!(id1, id3);
    assert_eq!(c.get("/require-otp/").await.status, StatusCode::OK);
    assert_eq!(
        c.session_value("otpkit_pending").await,
        json!(null),
        "consumed"
    );
    // The pre-OTP id gets a redirect; replaying the pending login is refused.
    for old in [id1, id2] {
        let mut replay = Client::new(&t);
        replay.cookie = Some(old);
        let r = replay.get("/require-otp/").await;
        assert_eq!(r.status, StatusCode::FOUND);
        next_step(&t);
        let code = t.engine.current_totp(&pid).await.unwrap();
        let r = replay
            .post_json(
                "/otp/login/",
                json!({"otp_device": pid, "otp_token": code.expose()}),
            )
            .await;
        assert_eq!(r.json()["error"], "login_expired");
    }
}

#[tokio::test]
async fn csrf_missing_or_wrong_is_403_with_no_state_change() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    c.csrf().await;
    let id = c.cookie.clone();
    let msg = "This page expired. Please try again.";
    // HTML: the stale form is shown again (issue 14 item 3), the POST changed nothing.
    for token in [None, Some("wrong"), Some("")] {
        let mut fields = vec![("username", "alice"), ("password", "pw"), ("next", "/x")];
        if let Some(t) = token {
            fields.push(("csrf_token", t));
        }
        let r = c.post_raw("/otp/login/", &fields).await;
        assert_eq!(
            c.see_other.as_deref(),
            Some("/otp/login/?next=/x&expired=1")
        );
        assert_eq!(r.status, StatusCode::OK);
        assert_html_error(&r, msg);
        assert!(r.body.contains("name=\"password\""), "the form again");
        assert_eq!(c.cookie, id, "the session id did not change");
        assert_eq!(c.state().await, "anonymous");
    }
    // JSON with a wrong header.
    let r = c
        .send(
            http::Request::post("/otp/login/")
                .header("content-type", "application/json")
                .header("x-csrf-token", "nope")
                .body(axum::body::Body::from(
                    r#"{"username":"alice","password":"pw"}"#,
                ))
                .unwrap(),
        )
        .await;
    assert_problem(&r, StatusCode::FORBIDDEN, "csrf_failed", msg);
    // A token step without CSRF records no failure.
    json_password(&mut c, "alice").await;
    let r = c
        .post_raw(
            "/otp/login/",
            &[("otp_device", &pid), ("otp_token", "000000")],
        )
        .await;
    assert_eq!(c.see_other.as_deref(), Some("/otp/login/?expired=1"));
    assert!(r.body.contains("name=\"otp_token\""), "the code step again");
    let d = t.engine.from_persistent_id(&pid).await.unwrap().unwrap();
    assert_eq!(d.throttle().failure_count, 0);
    assert_eq!(c.state().await, "pending");
    // A session without any token accepts nothing, not even an empty one, and the refusal
    // creates no session.
    let mut bare = Client::new(&t);
    let r = bare
        .send(
            http::Request::post("/otp/logout/")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from("csrf_token="))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/otp/logout/?expired=1");
    assert!(r.header("set-cookie").is_none(), "no session");
    assert_secure_headers(&r);
    assert!(bare.cookie.is_none());
}

#[tokio::test]
async fn csrf_token_changes_with_the_authentication_level() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    let a = c.csrf().await;
    c.post("/otp/login/", &[("username", "alice"), ("password", "pw")])
        .await;
    let b = c.csrf().await;
    let code = t.engine.current_totp(&pid).await.unwrap();
    c.post(
        "/otp/login/",
        &[("otp_device", &pid), ("otp_token", code.expose())],
    )
    .await;
    let d = c.csrf().await;
    assert_ne!(a, b);
    assert_ne!(b, d);
    assert_eq!(d.len(), 43, "32 bytes, base64url");
}

#[tokio::test]
async fn bodies_over_the_limit_get_413() {
    let t = app();
    let mut c = Client::new(&t);
    let big = "x".repeat(16 * 1024 + 1);
    let r = c.post_raw("/otp/login/", &[("username", &big)]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(c.cookie.is_none(), "no session was created");
    // Without a Content-Length (streamed), the bound holds when the body is read.
    let stream = futures_like_stream(big.clone());
    let r = c
        .send(
            http::Request::post("/otp/login/")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(stream)
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Just under the limit is read (and fails CSRF instead: the stale form's 303).
    let ok = "x".repeat(16 * 1024 - "username=".len());
    let r = c.post_raw("/otp/login/", &[("username", &ok)]).await;
    assert_eq!(c.see_other.as_deref(), Some("/otp/login/?expired=1"));
    assert_html_error(&r, "This page expired. Please try again.");
}

/// A body without a known length.
fn futures_like_stream(s: String) -> axum::body::Body {
    use http_body_util::StreamBody;
    let chunks: Vec<Result<http_body::Frame<bytes::Bytes>, std::io::Error>> = s
        .into_bytes()
        .chunks(1024)
        .map(|c| Ok(http_body::Frame::data(bytes::Bytes::copy_from_slice(c))))
        .collect();
    axum::body::Body::new(StreamBody::new(tokio_stream_iter(chunks)))
}

fn tokio_stream_iter<T>(v: Vec<T>) -> impl futures_core::Stream<Item = T> {
    struct Iter<T>(std::vec::IntoIter<T>);
    impl<T> futures_core::Stream for Iter<T> {
        type Item = T;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<T>> {
            std::task::Poll::Ready(self.0.next())
        }
    }
    impl<T> Unpin for Iter<T> {}
    Iter(v.into_iter())
}

#[tokio::test]
async fn verify_page_reverifies_an_authenticated_user() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    c.login_totp(&t, "alice", &pid).await;
    let r = c.get("/otp/verify/?next=/otp/devices/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("name=\"otp_device\""));
    assert!(!r.body.contains("name=\"password\""));
    next_step(&t);
    let before = c.cookie.clone();
    let code = t.engine.current_totp(&pid).await.unwrap();
    let r = c
        .post(
            "/otp/verify/",
            &[
                ("otp_device", &pid),
                ("otp_token", code.expose()),
                ("next", "/otp/devices/"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(r.location(), "/otp/devices/");
    assert_ne!(c.cookie, before, "login() rotates the id");
    // An anonymous session is sent to the login page.
    let mut anon = Client::new(&t);
    let r = anon.get("/otp/verify/").await;
    assert_eq!(r.location(), "/otp/login/?next=/otp/verify/");
    let r = anon
        .post(
            "/otp/verify/",
            &[("otp_device", &pid), ("otp_token", "000000")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location(), "/otp/login/?next=/otp/verify/");
    // A pending login gets the code step here too (docs/behaviour.md §7.3): a wrong code
    // keeps it pending, the right one completes it.
    json_password(&mut anon, "alice").await;
    let r = anon.get("/otp/verify/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("name=\"otp_token\""), "{}", r.body);
    let r = anon
        .post(
            "/otp/verify/",
            &[("otp_device", &pid), ("otp_token", "000000")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(anon.state().await, "pending");
    next_step(&t);
    let code = t.engine.current_totp(&pid).await.unwrap();
    let r = anon
        .post(
            "/otp/verify/",
            &[
                ("otp_device", &pid),
                ("otp_token", code.expose()),
                ("next", "/otp/devices/"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(r.location(), "/otp/devices/");
    assert_eq!(anon.state().await, "verified");
}

#[tokio::test]
async fn logout_forgets_everything() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    c.login_totp(&t, "alice", &pid).await;
    let r = c.get("/otp/logout/").await;
    assert_eq!(r.status, StatusCode::OK);
    let r = c.post("/otp/logout/", &[]).await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(c.state().await, "anonymous");
    assert_eq!(c.get("/require-otp/").await.status, StatusCode::FOUND);
}

#[tokio::test]
async fn session_endpoint_reports_each_level() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    let r = c.get_json("/otp/session").await;
    assert_eq!(r.json()["state"], "anonymous");
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    json_password(&mut c, "alice").await;
    assert_eq!(c.state().await, "pending");
    let code = t.engine.current_totp(&pid).await.unwrap();
    c.post_json(
        "/otp/login/",
        json!({"otp_device": pid, "otp_token": code.expose()}),
    )
    .await;
    assert_eq!(c.state().await, "verified");
    let mut n = Client::new(&t);
    n.login_password("nodev").await;
    assert_eq!(n.state().await, "authenticated");
}

/// Issue 12 item 5: after a login with a backup code, the next login with a valid
/// authenticator code (on the first form, and in the token step with the pre-selected
/// device) succeeds and records no failure on the backup device; a backup code typed on the
/// first form is accepted too.
#[tokio::test]
async fn after_a_backup_code_login_the_authenticator_code_still_logs_in() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let (backup, codes) = t
        .engine
        .generate_backup_codes(&uid("alice"), None)
        .await
        .unwrap();
    let backup = backup.persistent_id();
    // A backup code on the one-step form, no device chosen: accepted (was "malformed").
    let mut c = Client::new(&t);
    let r = c
        .post(
            "/otp/login/",
            &[
                ("username", "alice"),
                ("password", "pw"),
                ("otp_token", codes[0].expose()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(c.state().await, "verified");
    let r = c.get_json("/state/").await;
    assert_eq!(r.json()["device"], backup.as_str());
    // The authenticator code on the one-step form: accepted (was "Invalid token").
    let mut c = Client::new(&t);
    let code = t.engine.current_totp(&pid).await.unwrap();
    let r = c
        .post(
            "/otp/login/",
            &[
                ("username", "alice"),
                ("password", "pw"),
                ("otp_token", code.expose()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(c.get_json("/state/").await.json()["device"], pid.as_str());
    // The token step pre-selects the backup device (used last) … after another backup-code
    // login; the authenticator code posted with that pre-selection still logs in.
    t.clock.advance_secs(1);
    let mut c = Client::new(&t);
    c.post(
        "/otp/login/",
        &[
            ("username", "alice"),
            ("password", "pw"),
            ("otp_token", codes[1].expose()),
        ],
    )
    .await;
    next_step(&t);
    let mut c = Client::new(&t);
    let r = c
        .post("/otp/login/", &[("username", "alice"), ("password", "pw")])
        .await;
    assert!(
        r.body
            .contains(&format!("name=\"otp_device\" value=\"{}\"", esc(&backup))),
        "{}",
        r.body
    );
    assert!(r.body.contains("Backup code</label>"), "{}", r.body);
    let code = t.engine.current_totp(&pid).await.unwrap();
    let r = c
        .post(
            "/otp/login/",
            &[("otp_device", &backup), ("otp_token", code.expose())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(c.get_json("/state/").await.json()["device"], pid.as_str());
    for d in t
        .engine
        .devices_for_user(Some(&uid("alice")), None)
        .await
        .unwrap()
    {
        assert_eq!(d.throttle().failure_count, 0, "{}", d.persistent_id());
    }
    // A wrong code with nothing matching records one failure on each passive device.
    next_step(&t);
    let mut c = Client::new(&t);
    let r = c
        .post(
            "/otp/login/",
            &[
                ("username", "alice"),
                ("password", "pw"),
                ("otp_token", "000000"),
            ],
        )
        .await;
    assert_html_error(&r, INVALID_TOKEN);
    for d in t
        .engine
        .devices_for_user(Some(&uid("alice")), None)
        .await
        .unwrap()
    {
        assert_eq!(d.throttle().failure_count, 1, "{}", d.persistent_id());
    }
}

/// Issue 12 item 8: a JSON client that logs in with the password only (no device) gets the
/// CSRF token that the login just rotated, and its next POST with it is accepted.
#[tokio::test]
async fn a_password_only_json_login_hands_out_the_rotated_csrf_token() {
    let t = app();
    let mut c = Client::new(&t);
    let before = c.csrf().await;
    let r = c
        .post_json(
            "/otp/login/",
            json!({"username": "nodev", "password": "pw"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "authenticated");
    let token = r.json()["csrf_token"].as_str().unwrap().to_owned();
    assert_ne!(token, before, "rotated");
    // Its next POST uses exactly that token (no /session round trip).
    let r = c
        .send(
            http::Request::post("/otp/devices/totp/new/")
                .header(http::header::CONTENT_TYPE, "application/json")
                .header(http::header::ACCEPT, "application/json")
                .header("x-csrf-token", token.clone())
                .body(axum::body::Body::from(json!({"start": "1"}).to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "enrolment_started");
    // The logout answer carries the new session's token too.
    let r = c.post_json("/otp/logout/", json!({})).await;
    assert_eq!(r.json()["status"], "logged_out");
    let after = r.json()["csrf_token"].as_str().unwrap().to_owned();
    assert_eq!(c.csrf().await, after);
}

/// Issue 12 item 7: every login form answers its POST with a redirect (no "Confirm Form
/// Resubmission" after Back), and the page that follows shows the outcome once.
#[tokio::test]
async fn login_forms_answer_with_a_redirect_and_show_the_outcome_once() {
    let t = app();
    totp(&t, "alice").await;
    let mut c = Client::new(&t);
    // A wrong password: 303 to the form, which shows the error and keeps the username.
    let r = c
        .post_unfollowed(
            "/otp/login/",
            &[("username", "alice"), ("password", "nope"), ("next", "/x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/otp/login/?next=/x");
    let page = c.get(&r.location()).await;
    assert!(
        page.body
            .contains("The username or password is not correct.")
    );
    assert!(page.body.contains("value=\"alice\""), "{}", page.body);
    assert!(!page.body.contains("nope"));
    let again = c.get(&r.location()).await;
    assert!(
        !again.body.contains("Please enter a correct username"),
        "shown once"
    );
    // The password step: 303 to the token step.
    let r = c
        .post_unfollowed("/otp/login/", &[("username", "alice"), ("password", "pw")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // A wrong code: 303, the error once.
    let r = c
        .post_unfollowed("/otp/login/", &[("otp_token", "000000")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = c.get(&r.location()).await;
    assert_html_error(&page, INVALID_TOKEN);
    assert!(page.body.contains("name=\"otp_device\""));
    let again = c.get(&r.location()).await;
    assert!(!again.body.contains(INVALID_TOKEN));
}
