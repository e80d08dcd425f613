//! Issue 14 items 2 and 3, the sign-in as a person sees it (docs/behaviour.md §7.3, §7.5): the
//! code step's methods, the code field of each, Cancel, a double submission, a stale form and
//! the logout message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use http::StatusCode;
use serde_json::json;

const EXPIRED: &str = "This page expired. Please try again.";

/// A confirmed email device of `user`.
async fn email_device(t: &TestApp, user: &str) -> String {
    t.engine
        .create_email(&uid(user), None, None, true)
        .await
        .unwrap()
        .persistent_id()
}

/// A backup-code device of `user` and its codes.
async fn backup_codes(t: &TestApp, user: &str) -> (String, Vec<String>) {
    let (d, codes) = t
        .engine
        .generate_backup_codes(&uid(user), None)
        .await
        .unwrap();
    let codes = codes.iter().map(|c| c.expose().to_owned()).collect();
    (d.persistent_id(), codes)
}

/// The last code mailed.
fn mailed_code(t: &TestApp) -> String {
    t.mailer
        .last()
        .unwrap()
        .text
        .expose()
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

/// The hidden `otp_device` of the method shown.
fn shown_device(body: &str, pid: &str) -> bool {
    body.contains(&format!("name=\"otp_device\" value=\"{}\"", esc(pid)))
}

/// The password step; answers the code step.
async fn password(c: &mut Client, user: &str) -> Res {
    let r = c
        .post("/otp/login/", &[("username", user), ("password", "pw")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r
}

#[tokio::test]
async fn the_other_methods_are_the_users_own_and_each_has_its_field() {
    let t = app();
    let app_pid = totp(&t, "alice").await;
    let email = email_device(&t, "alice").await;
    let (backup, codes) = backup_codes(&t, "alice").await;
    // Unconfirmed and other people's devices are never offered.
    let unconfirmed = t
        .engine
        .create_email(&uid("alice"), Some("x@example.com"), None, false)
        .await
        .unwrap()
        .persistent_id();
    let bobs = totp(&t, "bob").await;
    let mut c = Client::new(&t);
    let r = password(&mut c, "alice").await;
    // Nothing used yet: the authenticator app first, numeric.
    assert!(shown_device(&r.body, &app_pid), "{}", r.body);
    assert!(r.body.contains("inputmode=\"numeric\""));
    assert!(r.body.contains("autocomplete=\"one-time-code\""));
    assert!(r.body.contains("Use another method"));
    // Email: a button that sends the code (POST, CSRF-protected).
    assert!(r.body.contains(&format!(
        "<input type=\"hidden\" name=\"otp_device\" value=\"{}\">\n      <button type=\"submit\" name=\"otp_challenge\" value=\"1\" class=\"link\">Email me a code</button>",
        esc(&email)
    )), "{}", r.body);
    // Backup codes: a link.
    let link = format!("/otp/login/?device={backup}");
    assert!(
        r.body.contains(&format!("href=\"{}\"", esc(&link))),
        "{}",
        r.body
    );
    assert!(r.body.contains(">Use a backup code</a>"));
    assert!(
        !r.body.contains("Use your authenticator app"),
        "shown already"
    );
    for absent in [&unconfirmed, &bobs] {
        assert!(!r.body.contains(&esc(absent)), "{absent}: {}", r.body);
    }
    // The backup code's field takes letters.
    let r = c.get(&link).await;
    assert!(shown_device(&r.body, &backup), "{}", r.body);
    assert!(r.body.contains("Backup code</label>"));
    assert!(r.body.contains("inputmode=\"text\""));
    assert!(r.body.contains("autocapitalize=\"none\""));
    assert!(r.body.contains("spellcheck=\"false\""));
    assert!(!r.body.contains("inputmode=\"numeric\""));
    assert!(!r.body.contains("one-time-code"));
    assert!(r.body.contains(">Use your authenticator app</a>"));
    assert!(!r.body.contains(">Use a backup code</a>"));
    // A device that is not the user's is ignored: the preferred method again.
    let r = c.get(&format!("/otp/login/?device={bobs}")).await;
    assert!(shown_device(&r.body, &app_pid));
    // The backup code logs in.
    let r = c
        .post(
            "/otp/login/",
            &[
                ("otp_device", &backup),
                ("otp_token", &codes[0].to_uppercase()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(c.state().await, "verified");
    // A user with one method gets no "use another method".
    let mut b = Client::new(&t);
    let r = password(&mut b, "bob").await;
    assert!(!r.body.contains("Use another method"));
}

#[tokio::test]
async fn the_method_shown_first_is_the_one_used_last_else_app_email_backup() {
    let t = app();
    let email = email_device(&t, "alice").await;
    let (backup, codes) = backup_codes(&t, "alice").await;
    let mut c = Client::new(&t);
    // No app: email before backup codes; nothing was sent yet, so a send button.
    let r = password(&mut c, "alice").await;
    assert!(shown_device(&r.body, &email), "{}", r.body);
    assert!(r.body.contains(">Email me a code</button>"));
    assert!(
        !r.body.contains("name=\"otp_token\""),
        "no code asked for yet"
    );
    // After a login with a backup code, the backup code comes first.
    c.post("/otp/login/", &[("otp_token", &codes[0])]).await;
    assert_eq!(c.state().await, "verified");
    t.clock.advance_secs(1);
    let mut c = Client::new(&t);
    let r = password(&mut c, "alice").await;
    assert!(shown_device(&r.body, &backup), "{}", r.body);
    // Now an app used after that: the app.
    let app_pid = totp(&t, "alice").await;
    let code = t.engine.current_totp(&app_pid).await.unwrap();
    t.engine
        .verify_token(Some(&uid("alice")), &app_pid, code.expose())
        .await
        .unwrap()
        .unwrap();
    let mut c = Client::new(&t);
    let r = password(&mut c, "alice").await;
    assert!(shown_device(&r.body, &app_pid), "{}", r.body);
}

#[tokio::test]
async fn the_email_button_sends_a_code_and_then_asks_for_it() {
    let t = app();
    totp(&t, "alice").await;
    let email = email_device(&t, "alice").await;
    let mut c = Client::new(&t);
    password(&mut c, "alice").await;
    let r = c
        .post(
            "/otp/login/",
            &[
                ("otp_device", &email),
                ("otp_challenge", "1"),
                ("next", "/x"),
            ],
        )
        .await;
    let expected = format!("/otp/login/?next=/x&device={email}");
    assert_eq!(c.see_other.as_deref(), Some(expected.as_str()));
    assert!(shown_device(&r.body, &email), "{}", r.body);
    assert!(r.body.contains("Email code</label>"));
    assert!(r.body.contains("inputmode=\"numeric\""));
    assert!(r.body.contains("role=\"status\""), "the sent message");
    assert!(r.body.contains(">Send a new code</button>"));
    assert!(r.body.contains(">Use your authenticator app</a>"));
    // A refresh still asks for the code (one was sent and is still valid).
    let again = c.get(&expected).await;
    assert!(again.body.contains("name=\"otp_token\""), "{}", again.body);
    let code = mailed_code(&t);
    let r = c
        .post(
            "/otp/login/",
            &[("otp_device", &email), ("otp_token", &code), ("next", "/x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(r.location(), "/x");
}

#[tokio::test]
async fn cancel_ends_the_pending_login() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    password(&mut c, "alice").await;
    let before = c.cookie.clone();
    let r = c
        .post("/otp/login/", &[("cancel", "1"), ("next", "/x")])
        .await;
    assert_eq!(c.see_other.as_deref(), Some("/otp/login/?next=/x"));
    assert!(r.body.contains("name=\"password\""), "{}", r.body);
    assert!(r.body.contains("Sign-in cancelled."));
    assert_eq!(c.state().await, "anonymous");
    assert_ne!(c.cookie, before);
    // The old session cannot finish it.
    let mut old = Client::new(&t);
    old.cookie = before;
    let code = t.engine.current_totp(&pid).await.unwrap();
    let r = old
        .post_json("/otp/login/", json!({"otp_token": code.expose()}))
        .await;
    assert_eq!(r.json()["error"], "login_expired");
    // Without CSRF: nothing ends.
    let mut d = Client::new(&t);
    password(&mut d, "alice").await;
    d.post_raw("/otp/login/", &[("cancel", "1")]).await;
    assert_eq!(d.state().await, "pending");
}

/// The code step of alice's pending login: (client, the page's CSRF token, a valid code).
async fn at_code_step(t: &TestApp, pid: &str) -> (Client, String, String) {
    let mut c = Client::new(t);
    password(&mut c, "alice").await;
    let csrf = c.csrf().await;
    let code = t
        .engine
        .current_totp(pid)
        .await
        .unwrap()
        .expose()
        .to_owned();
    (c, csrf, code)
}

/// A form POST exactly as a browser sends it, with this cookie, not followed.
async fn resubmit(c: &mut Client, path: &str, fields: &[(&str, &str)]) -> Res {
    let body = serde_urlencoded::to_string(fields).unwrap();
    c.send(
        http::Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(body))
            .unwrap(),
    )
    .await
}

/// Issue 14 item 3: a double click on "Verify". The first POST signs in (and replaces the
/// session); the second carries the old cookie (sent before the first answer arrived) or
/// the new one, with the old form's token. It is refused as a stale form, changing no
/// session, and the page it leads to sends a browser holding the new session on to `next`,
/// signed in. The second POST itself signs nobody in: a browser that never received the new
/// cookie has no session and gets the form again.
///
/// (tower-sessions answers any request whose cookie names no session with that cookie's
/// removal; a browser holding the new cookie keeps it unless the second answer is processed
/// after the first.)
#[tokio::test]
async fn a_double_submission_lands_signed_in_with_the_old_or_the_new_cookie() {
    let t = app();
    let pid = totp(&t, "alice").await;
    for old_cookie in [true, false] {
        next_step(&t);
        let (mut c, csrf, code) = at_code_step(&t, &pid).await;
        let old = c.cookie.clone();
        let form = [
            ("csrf_token", csrf.as_str()),
            ("otp_device", pid.as_str()),
            ("otp_token", code.as_str()),
            ("next", "/require-otp/"),
        ];
        let first = resubmit(&mut c, "/otp/login/", &form).await;
        assert_eq!(first.status, StatusCode::FOUND);
        let new = c.cookie.clone();
        assert_ne!(old, new);
        let mut second = Client::new(&t);
        second.cookie = if old_cookie { old.clone() } else { new.clone() };
        let r = resubmit(&mut second, "/otp/login/", &form).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location(), "/otp/login/?next=/require-otp/&expired=1");
        let set_cookie = r.header("set-cookie").unwrap_or_default();
        assert!(
            set_cookie.is_empty() || (old_cookie && set_cookie.contains("Max-Age=0")),
            "the refusal writes no session: {set_cookie}"
        );
        // The browser follows with the cookie it has now: the new one.
        let r = c.get(&r.location()).await;
        assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
        assert_eq!(r.location(), "/require-otp/");
        assert_eq!(c.get("/require-otp/").await.status, StatusCode::OK);
        // A browser left with the old cookie is signed in nowhere: the form again.
        let mut stale = Client::new(&t);
        stale.cookie = old;
        let r = stale.get("/otp/login/?next=/require-otp/&expired=1").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains(EXPIRED), "{}", r.body);
        assert!(r.body.contains("name=\"password\""));
        assert_eq!(stale.state().await, "anonymous");
    }
    assert_eq!(
        t.hooks.failed.lock().unwrap().len(),
        0,
        "no failure recorded"
    );
}

/// The second request of a double submission may also be processed while the first is
/// (both loaded the old session): whichever wins, the page after it says "signed in".
#[tokio::test]
async fn concurrent_submissions_of_one_code_end_signed_in() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let (c, csrf, code) = at_code_step(&t, &pid).await;
    let form = [
        ("csrf_token", csrf.as_str()),
        ("otp_device", pid.as_str()),
        ("otp_token", code.as_str()),
    ];
    let (mut a, mut b) = (c.clone(), c.clone());
    let (ra, rb) = tokio::join!(
        resubmit(&mut a, "/otp/login/", &form),
        resubmit(&mut b, "/otp/login/", &form)
    );
    let statuses = [ra.status, rb.status];
    assert!(statuses.contains(&StatusCode::FOUND), "{statuses:?}");
    let (mut winner, loser) = if ra.status == StatusCode::FOUND {
        (a, rb)
    } else {
        (b, ra)
    };
    assert_eq!(loser.status, StatusCode::SEE_OTHER, "{}", loser.body);
    let page = winner.get(&loser.location()).await;
    let signed_in =
        page.status == StatusCode::FOUND || page.body.contains("You are signed in as alice.");
    assert!(signed_in, "{} {}", page.status, page.body);
    assert!(!page.body.contains("Invalid token"), "{}", page.body);
    assert_eq!(winner.state().await, "verified");
}

/// A verified visitor of the login page is told so; only a page reached from its own stale
/// form goes on by itself, and only for a verified session.
#[tokio::test]
async fn the_login_page_of_a_verified_session_says_signed_in() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    c.login_totp(&t, "alice", &pid).await;
    let r = c.get("/otp/login/?next=/x").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("You are signed in as alice."), "{}", r.body);
    assert!(
        r.body.contains("href=\"&#x2f;x\">Continue</a>"),
        "{}",
        r.body
    );
    // An unsafe next is never followed.
    let r = c.get("/otp/login/?next=//evil&expired=1").await;
    assert_eq!(r.status, StatusCode::OK);
    // Pending and anonymous sessions never go on: the form, with the notice.
    let mut p = Client::new(&t);
    password(&mut p, "alice").await;
    let r = p.get("/otp/login/?next=/x&expired=1").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("name=\"otp_token\""));
    assert!(r.body.contains(EXPIRED));
    assert_eq!(p.state().await, "pending");
}

#[tokio::test]
async fn a_double_submission_of_the_reverification_lands_on_next() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    c.login_totp(&t, "alice", &pid).await;
    t.clock.advance_secs(301);
    let csrf = c.csrf().await;
    let code = t
        .engine
        .current_totp(&pid)
        .await
        .unwrap()
        .expose()
        .to_owned();
    let old = c.cookie.clone();
    let form = [
        ("csrf_token", csrf.as_str()),
        ("otp_token", code.as_str()),
        ("next", "/otp/devices/"),
    ];
    let first = resubmit(&mut c, "/otp/verify/", &form).await;
    assert_eq!(first.status, StatusCode::FOUND, "{}", first.body);
    let mut second = Client::new(&t);
    second.cookie = old;
    let r = resubmit(&mut second, "/otp/verify/", &form).await;
    assert_eq!(r.location(), "/otp/verify/?next=/otp/devices/&expired=1");
    let r = c.get(&r.location()).await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location(), "/otp/devices/");
    // Not fresh: the code step with the notice, never a way around re-verification.
    t.clock.advance_secs(301);
    let r = c.get("/otp/verify/?next=/otp/devices/&expired=1").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(EXPIRED));
    assert!(r.body.contains("Signed in as alice"));
}

/// Issue 14 item 3: a stale form on a device action is shown again with a fresh token;
/// JSON keeps 403 `csrf_failed`; the refused POST changed nothing.
#[tokio::test]
async fn a_stale_device_form_is_shown_again_and_json_keeps_csrf_failed() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    c.login_totp(&t, "alice", &pid).await;
    let r = c
        .post_raw(
            &format!("/otp/devices/{pid}/rename/"),
            &[("csrf_token", "stale"), ("name", "Renamed")],
        )
        .await;
    assert_eq!(c.see_other.as_deref(), Some("/otp/devices/?expired=1"));
    assert!(r.body.contains(EXPIRED), "{}", r.body);
    assert!(r.body.contains("data-code=\"csrf_failed\""));
    let fresh = c.csrf().await;
    assert!(r.body.contains(&fresh), "a fresh token in the form");
    let d = t.engine.from_persistent_id(&pid).await.unwrap().unwrap();
    assert_eq!(d.name(), "TOTP device");
    // Once, not at the next visit.
    assert!(!c.get("/otp/devices/").await.body.contains(EXPIRED));
    // JSON: 403 csrf_failed, as before (the sentence is the plain one of errors.ftl).
    let r = c
        .send(
            http::Request::post(format!("/otp/devices/{pid}/rename/"))
                .header("content-type", "application/json")
                .header("x-csrf-token", "stale")
                .body(axum::body::Body::from(r#"{"name":"Renamed"}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.json(),
        json!({"error": "csrf_failed", "message": EXPIRED})
    );
}

#[tokio::test]
async fn logout_says_so_on_the_page_it_lands_on() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    c.login_totp(&t, "alice", &pid).await;
    let csrf = c.csrf().await;
    let old = c.cookie.clone();
    let r = resubmit(&mut c, "/otp/logout/", &[("csrf_token", csrf.as_str())]).await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location(), "/otp/login/");
    let page = c.get("/otp/login/").await;
    assert!(page.body.contains("You have signed out."), "{}", page.body);
    assert!(page.body.contains("role=\"status\""));
    assert!(
        !c.get("/otp/login/")
            .await
            .body
            .contains("You have signed out.")
    );
    // The second click of a double submission: signed out, nothing "expired".
    let mut second = Client::new(&t);
    second.cookie = old;
    let r = resubmit(
        &mut second,
        "/otp/logout/",
        &[("csrf_token", csrf.as_str())],
    )
    .await;
    assert_eq!(r.location(), "/otp/logout/?expired=1");
    let page = c.get(&r.location()).await;
    assert!(
        page.body.contains("You are not signed in."),
        "{}",
        page.body
    );
    assert!(!page.body.contains(EXPIRED));
    // A next of the application's: followed, as before.
    next_step(&t);
    let mut d = Client::new(&t);
    d.login_totp(&t, "alice", &pid).await;
    let r = d.post("/otp/logout/", &[("next", "/x")]).await;
    assert_eq!(r.location(), "/x");
}

/// Issue 14 item 2: the throttle message gives the real wait and no counter — in the HTML
/// page after a wrong code, and in JSON (where the counter stays a field of its own).
#[tokio::test]
async fn the_throttle_message_gives_the_real_wait() {
    let t = app();
    let pid = totp(&t, "alice").await;
    // Four earlier failures: the next attempt waits 2^(4-1) = 8 seconds after the last one.
    for _ in 0..4 {
        t.engine.throttle_increment(&pid).await.unwrap();
    }
    let mut c = Client::new(&t);
    password(&mut c, "alice").await;
    let code = t.engine.current_totp(&pid).await.unwrap();
    let r = c
        .post(
            "/otp/login/",
            &[("otp_device", &pid), ("otp_token", code.expose())],
        )
        .await;
    // The whole sentence: the wait, and no count of failures.
    let error = r
        .body
        .split("data-code=\"n_failed_attempts\">")
        .nth(1)
        .and_then(|rest| rest.split("</p>").next())
        .unwrap_or_default();
    assert_eq!(
        error, "Too many wrong codes. Try again in 8 seconds.",
        "{}",
        r.body
    );
    assert_eq!(r.header("retry-after").as_deref(), Some("8"));
    t.clock.advance_millis(7_200);
    let r = c
        .post_json(
            "/otp/login/",
            json!({"otp_device": pid, "otp_token": code.expose()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        r.json()["message"],
        "Too many wrong codes. Try again in 1 second."
    );
    assert_eq!(r.json()["failure_count"], 4);
    assert_eq!(r.json()["retry_after"], 1);
}

/// Issue 14 item 4: the whole sign-in in German (`Accept-Language: de`).
#[tokio::test]
async fn the_sign_in_speaks_german() {
    let t = app();
    let pid = totp(&t, "alice").await;
    backup_codes(&t, "alice").await;
    let mut c = Client::new(&t);
    c.lang = Some("de".to_owned());
    let r = c.get("/otp/login/").await;
    assert!(r.body.contains("<html lang=\"de\">"), "{}", r.body);
    assert!(
        r.body
            .contains("<label for=\"id_username\">Benutzername</label>")
    );
    assert!(
        r.body
            .contains("<label for=\"id_password\">Passwort</label>")
    );
    assert!(r.body.contains(">Anmelden</button>"));
    let r = c
        .post(
            "/otp/login/",
            &[("username", "alice"), ("password", "nope")],
        )
        .await;
    assert!(r.body.contains("role=\"alert\""));
    assert!(!r.body.contains("The username or password"), "{}", r.body);
    let r = password(&mut c, "alice").await;
    assert!(r.body.contains("Anmeldung als alice"), "{}", r.body);
    assert!(r.body.contains(">Bestätigungscode</label>"));
    assert!(r.body.contains("Öffne deine Authenticator-App"));
    assert!(r.body.contains(">Bestätigen</button>"));
    assert!(r.body.contains("Eine andere Methode verwenden"));
    assert!(r.body.contains(">Backup-Code verwenden</a>"));
    assert!(r.body.contains(">Abbrechen</button>"));
    let r = c.post("/otp/login/", &[("otp_token", "000000")]).await;
    assert!(r.body.contains("data-code=\"invalid_token\""));
    assert!(!r.body.contains("That code is not valid"), "{}", r.body);
    next_step(&t);
    let code = t.engine.current_totp(&pid).await.unwrap();
    let r = c
        .post(
            "/otp/login/",
            &[("otp_device", &pid), ("otp_token", code.expose())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    let r = c.get("/otp/login/").await;
    assert!(
        r.body.contains("Du bist als alice angemeldet."),
        "{}",
        r.body
    );
    // The logout and a stale form, in German too.
    c.post("/otp/logout/", &[]).await;
    let r = c.get("/otp/login/").await;
    assert!(r.body.contains("Du hast dich abgemeldet."), "{}", r.body);
    let r = c
        .post_raw("/otp/login/", &[("username", "alice"), ("password", "pw")])
        .await;
    assert!(
        r.body
            .contains("Diese Seite ist abgelaufen. Bitte versuche es erneut.</p>"),
        "{}",
        r.body
    );
    assert!(r.body.contains("data-code=\"csrf_failed\""));
}
