//! docs/behaviour.md §7.7.1 and §7.8 (issue 16, item 3): "Your sessions" on the device list,
//! on otpkit-sqlite's durable session store, whose index by user the kit has.
//!
//! The list shows exactly the user's signed-in sessions, this one marked, each named by a
//! handle (never its id, the cookie's value); "Sign out" ends one (its cookie is anonymous at
//! its next request), "Sign out all other sessions" keeps this one; another user's handle is
//! 404; a missing CSRF token ends nothing; removing a device, or its lock-out, ends the
//! sessions it verified and no other; an administrator signs out all of a user's sessions.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use axum::body::Body;
use common::*;
use http::{Request, StatusCode, header};
use serde_json::{Value, json};

const FIREFOX_LINUX: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const SAFARI_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";

/// A client of `t` sending `agent`, signed in and verified as `user` with the device `pid`
/// (one TOTP step later than the last login, so that the code is fresh).
async fn signed_in(t: &TestApp, user: &str, pid: &str, agent: Option<&str>) -> Client {
    next_step(t);
    let mut c = Client::new(t);
    c.agent = agent.map(str::to_owned);
    c.login_totp(t, user, pid).await;
    c
}

/// The client's sessions, as `GET /otp/devices/sessions/` answers them.
async fn sessions(c: &mut Client) -> Vec<Value> {
    let r = c.get_json("/otp/devices/sessions/").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["sessions"].as_array().unwrap().clone()
}

/// The handle of the session described as `description`.
fn handle_of(list: &[Value], description: &str) -> String {
    list.iter()
        .find(|s| s["description"] == description)
        .unwrap_or_else(|| panic!("{description} in {list:?}"))["handle"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn end_url(handle: &str) -> String {
    format!("/otp/devices/sessions/{handle}/end/")
}

/// Every session cookie of `clients` is absent from `body`.
fn no_ids(body: &str, clients: &[&Client]) {
    for c in clients {
        let id = c.cookie.as_deref().unwrap();
        assert!(!body.contains(id), "a session id in {body}");
    }
}

#[tokio::test]
async fn the_list_shows_exactly_the_users_sessions_this_one_marked_and_no_id() {
    let t = app_with_index(|_| {}).await;
    let (pa, pb) = (totp(&t, "alice").await, totp(&t, "bob").await);
    let mut a1 = signed_in(&t, "alice", &pa, Some(FIREFOX_LINUX)).await;
    let a2 = signed_in(&t, "alice", &pa, Some(SAFARI_IPHONE)).await;
    let a3 = signed_in(&t, "alice", &pa, None).await;
    let b1 = signed_in(&t, "bob", &pb, Some(FIREFOX_LINUX)).await;
    let mut anonymous = Client::new(&t);
    anonymous.csrf().await; // a stored session of nobody

    let r = a1.get_json("/otp/devices/sessions/").await;
    no_ids(&r.body, &[&a1, &a2, &a3, &b1, &anonymous]);
    let list = sessions(&mut a1).await;
    let mut described: Vec<(&str, bool)> = list
        .iter()
        .map(|s| (s["description"].as_str().unwrap(), s["current"] == true))
        .collect();
    described.sort_unstable();
    assert_eq!(
        described,
        vec![
            ("Firefox on Linux", true),
            ("Safari on iOS", false),
            ("Unknown browser", false)
        ]
    );
    for s in &list {
        let h = s["handle"].as_str().unwrap();
        assert!(
            h.len() == 32 && h.bytes().all(|b| b.is_ascii_hexdigit()),
            "{h}"
        );
        for field in ["created_at", "last_seen_at", "expires_at"] {
            assert!(s[field].as_str().unwrap().ends_with('Z'), "{s}");
        }
    }

    let html = a1.get("/otp/devices/").await;
    assert_eq!(html.status, StatusCode::OK);
    assert_no_inline(&html);
    no_ids(&html.body, &[&a1, &a2, &a3, &b1, &anonymous]);
    assert!(html.body.contains("id=\"sessions\""), "{}", html.body);
    assert!(html.body.contains("Your sessions"));
    assert!(html.body.contains("Safari on iOS") && html.body.contains("this session"));
    let own = handle_of(&list, "Firefox on Linux");
    let other = handle_of(&list, "Safari on iOS");
    assert!(html.body.contains(&esc(&end_url(&other))), "{}", html.body);
    assert!(
        !html.body.contains(&esc(&end_url(&own))),
        "no sign-out of this one"
    );
    assert!(html.body.contains("Sign out all other sessions"));
    assert!(html.body.contains("aria-label=\"Sign out Safari on iOS\""));

    // HTML asking for the list goes to the section.
    let r = a1.get("/otp/devices/sessions/").await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location(), "/otp/devices/#sessions");
}

#[tokio::test]
async fn signing_one_out_makes_its_cookie_anonymous_and_leaves_the_others() {
    let t = app_with_index(|_| {}).await;
    let (pa, pb) = (totp(&t, "alice").await, totp(&t, "bob").await);
    let mut a1 = signed_in(&t, "alice", &pa, Some(FIREFOX_LINUX)).await;
    let mut a2 = signed_in(&t, "alice", &pa, Some(SAFARI_IPHONE)).await;
    let mut a3 = signed_in(&t, "alice", &pa, None).await;
    let mut b1 = signed_in(&t, "bob", &pb, None).await;
    let list = sessions(&mut a1).await;
    let (own, safari) = (
        handle_of(&list, "Firefox on Linux"),
        handle_of(&list, "Safari on iOS"),
    );

    let page = a1.post(&end_url(&safari), &[]).await;
    assert_eq!(a1.see_other.as_deref(), Some("/otp/devices/#sessions"));
    assert!(
        page.body.contains("Signed out Safari on iOS."),
        "{}",
        page.body
    );
    assert_eq!(a2.state().await, "anonymous", "the ended session");
    for (c, who) in [
        (&mut a1, "this one"),
        (&mut a3, "the other one"),
        (&mut b1, "bob's"),
    ] {
        assert_eq!(c.state().await, "verified", "{who}");
    }
    assert_eq!(sessions(&mut a1).await.len(), 2);

    // Twice, or this session's own handle: not one of the other sessions.
    for h in [&safari, &own] {
        let r = a1.post_json(&end_url(h), json!({})).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        assert_eq!(r.json()["error"], "not_found");
    }
    assert_eq!(a1.state().await, "verified");
    let unknown = handle_of(&sessions(&mut a1).await, "Unknown browser");
    let r = a1.post_json(&end_url(&unknown), json!({})).await;
    assert_eq!(r.json(), json!({"status": "ended", "count": 1}));
    assert_eq!(a3.state().await, "anonymous");
}

#[tokio::test]
async fn another_users_handle_is_not_found_and_ends_nothing() {
    let t = app_with_index(|_| {}).await;
    let (pa, pb) = (totp(&t, "alice").await, totp(&t, "bob").await);
    let mut a1 = signed_in(&t, "alice", &pa, None).await;
    let mut b1 = signed_in(&t, "bob", &pb, None).await;
    let mut b2 = signed_in(&t, "bob", &pb, Some(FIREFOX_LINUX)).await;
    let bobs = handle_of(&sessions(&mut b1).await, "Firefox on Linux");
    let r = a1.post_json(&end_url(&bobs), json!({})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = a1.post_json(&end_url("not-a-handle"), json!({})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(b2.state().await, "verified");
    assert_eq!(sessions(&mut b1).await.len(), 2);
}

#[tokio::test]
async fn without_the_csrf_token_nothing_ends() {
    let t = app_with_index(|_| {}).await;
    let pa = totp(&t, "alice").await;
    let mut a1 = signed_in(&t, "alice", &pa, None).await;
    let mut a2 = signed_in(&t, "alice", &pa, Some(SAFARI_IPHONE)).await;
    let other = handle_of(&sessions(&mut a1).await, "Safari on iOS");
    for path in [
        end_url(&other),
        "/otp/devices/sessions/end-others/".to_owned(),
    ] {
        let r = a1
            .send(
                Request::post(path.as_str())
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from("{}"))
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.body);
        assert_eq!(r.json()["error"], "csrf_failed");
        // A stale HTML form goes back to the list, which says the page expired.
        let r = a1.post_raw(&path, &[]).await;
        assert_eq!(a1.see_other.as_deref(), Some("/otp/devices/?expired=1"));
        assert_eq!(r.status, StatusCode::OK);
    }
    assert_eq!(a2.state().await, "verified");
    assert_eq!(sessions(&mut a1).await.len(), 2);
}

#[tokio::test]
async fn signing_out_all_others_keeps_this_session() {
    let t = app_with_index(|_| {}).await;
    let (pa, pb) = (totp(&t, "alice").await, totp(&t, "bob").await);
    let mut a1 = signed_in(&t, "alice", &pa, None).await;
    let mut a2 = signed_in(&t, "alice", &pa, None).await;
    let mut a3 = signed_in(&t, "alice", &pa, None).await;
    let mut b1 = signed_in(&t, "bob", &pb, None).await;
    let r = a1
        .post_json("/otp/devices/sessions/end-others/", json!({}))
        .await;
    assert_eq!(r.json(), json!({"status": "ended", "count": 2}));
    assert_eq!(a2.state().await, "anonymous");
    assert_eq!(a3.state().await, "anonymous");
    assert_eq!(a1.state().await, "verified");
    assert_eq!(b1.state().await, "verified");
    let list = sessions(&mut a1).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["current"], true);

    // From the form: back to the list, which says so.
    let _a4 = signed_in(&t, "alice", &pa, None).await;
    let page = a1.post("/otp/devices/sessions/end-others/", &[]).await;
    assert_eq!(a1.see_other.as_deref(), Some("/otp/devices/#sessions"));
    assert!(
        page.body.contains("Signed out 1 other session."),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("Sign out all other sessions"),
        "none left"
    );
}

/// Two TOTP devices of alice; `s1` and `s2` verified by the first, `s3` by the second.
async fn three_sessions(t: &TestApp) -> (String, String, [Client; 3]) {
    let p1 = totp(t, "alice").await;
    let p2 = totp(t, "alice").await;
    let s1 = signed_in(t, "alice", &p1, None).await;
    let s2 = signed_in(t, "alice", &p1, None).await;
    let s3 = signed_in(t, "alice", &p2, None).await;
    (p1, p2, [s1, s2, s3])
}

#[tokio::test]
async fn removing_a_device_ends_the_other_sessions_it_verified_and_no_other() {
    let t = app_with_index(|_| {}).await;
    let (p1, _, [mut s1, mut s2, mut s3]) = three_sessions(&t).await;
    let mut bob = signed_in(&t, "bob", &totp(&t, "bob").await, None).await;
    let r = s1
        .post(&format!("/otp/devices/{p1}/remove/"), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(
        s2.state().await,
        "anonymous",
        "verified by the removed device"
    );
    assert_eq!(s3.state().await, "verified", "verified by the other device");
    // This session stays, no longer verified (docs/behaviour.md §7.7).
    assert_eq!(s1.state().await, "authenticated");
    assert_eq!(bob.state().await, "verified");
}

#[tokio::test]
async fn an_administrators_removal_ends_the_sessions_the_device_verified() {
    let t = app_with_index(|_| {}).await;
    let (p1, _, [mut s1, mut s2, mut s3]) = three_sessions(&t).await;
    let mut admin = signed_in(&t, "admin", &totp(&t, "admin").await, None).await;
    let r = admin
        .post_json(&format!("/otp/admin/devices/{p1}/remove/"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(s1.state().await, "anonymous");
    assert_eq!(s2.state().await, "anonymous");
    assert_eq!(s3.state().await, "verified");
    assert_eq!(admin.state().await, "verified");
}

#[tokio::test]
async fn a_lock_out_ends_the_sessions_the_device_verified_and_no_other() {
    let t = app_with_index(|s| {
        s.throttle.lockout_threshold = 3;
        s.totp.throttle_factor = 0;
    })
    .await;
    let (p1, _, [mut s1, mut s2, mut s3]) = three_sessions(&t).await;
    let mut attacker = Client::new(&t);
    let r = attacker
        .post_json(
            "/otp/login/",
            json!({"username": "alice", "password": "pw", "otp_device": p1, "otp_token": "000000"}),
        )
        .await;
    assert_eq!(r.json()["error"], "invalid_token", "{}", r.body);
    assert_eq!(s1.state().await, "verified", "not locked yet");
    for _ in 0..2 {
        let r = attacker
            .post_json(
                "/otp/login/",
                json!({"otp_device": p1, "otp_token": "000000"}),
            )
            .await;
        assert_eq!(r.json()["error"], "invalid_token", "{}", r.body);
    }
    let d = t.engine.from_persistent_id(&p1).await.unwrap().unwrap();
    assert_eq!(d.throttle().failure_count, 3, "locked");
    assert_eq!(s1.state().await, "anonymous");
    assert_eq!(s2.state().await, "anonymous");
    assert_eq!(s3.state().await, "verified", "verified by the other device");
}

#[tokio::test]
async fn an_administrator_signs_out_all_of_a_users_sessions() {
    let t = app_with_index(|_| {}).await;
    let pa = totp(&t, "alice").await;
    let mut a1 = signed_in(&t, "alice", &pa, None).await;
    let mut a2 = signed_in(&t, "alice", &pa, None).await;
    let mut bob = signed_in(&t, "bob", &totp(&t, "bob").await, None).await;
    let mut admin = signed_in(&t, "admin", &totp(&t, "admin").await, None).await;

    let page_url = format!("/otp/admin/devices/{pa}/");
    let page = admin.get(&page_url).await;
    assert!(
        page.body.contains("Sign out all of alice’s sessions"),
        "{}",
        page.body
    );
    assert!(page.body.contains(&esc("/otp/admin/sessions/end/")));
    assert_no_inline(&page);

    // Not an administrator: refused, nothing ended.
    let r = a1
        .post_json("/otp/admin/sessions/end/", json!({"user": "bob"}))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert_eq!(bob.state().await, "verified");

    let r = admin
        .post_unfollowed(
            "/otp/admin/sessions/end/",
            &[("user", "alice"), ("next", &page_url)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(r.location(), page_url);
    let page = admin.get(&page_url).await;
    assert!(
        page.body.contains("Signed out 2 sessions of alice."),
        "{}",
        page.body
    );
    assert_eq!(a1.state().await, "anonymous");
    assert_eq!(a2.state().await, "anonymous");
    assert_eq!(bob.state().await, "verified");
    assert_eq!(admin.state().await, "verified");

    let r = admin
        .post_json("/otp/admin/sessions/end/", json!({"user": "bob"}))
        .await;
    assert_eq!(r.json(), json!({"status": "ended", "count": 1}));
    assert_eq!(bob.state().await, "anonymous");
    // The administrator's own: every other one, not this.
    let _elsewhere = signed_in(&t, "admin", &totp(&t, "admin").await, None).await;
    let r = admin
        .post_json("/otp/admin/sessions/end/", json!({"user": "admin"}))
        .await;
    assert_eq!(r.json(), json!({"status": "ended", "count": 1}));
    assert_eq!(admin.state().await, "verified");
}

#[tokio::test]
async fn without_an_index_there_is_no_section_and_the_routes_are_not_found() {
    let t = app();
    let pa = totp(&t, "alice").await;
    let mut a1 = signed_in(&t, "alice", &pa, None).await;
    let page = a1.get("/otp/devices/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("Your sessions"));
    let r = a1.get_json("/otp/devices/sessions/").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = a1
        .post_json("/otp/devices/sessions/end-others/", json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let mut admin = signed_in(&t, "admin", &totp(&t, "admin").await, None).await;
    let page = admin.get(&format!("/otp/admin/devices/{pa}/")).await;
    assert!(!page.body.contains("/otp&#x2f;admin&#x2f;sessions"));
    assert!(!page.body.contains(&esc("/otp/admin/sessions/end/")));
}

/// The lock-out of the device that verified this very session (wrong codes at `/verify/`):
/// the other sessions it verified end, this one stays, no longer verified.
#[tokio::test]
async fn a_lock_out_from_this_session_leaves_it_unverified() {
    let t = app_with_index(|s| {
        s.throttle.lockout_threshold = 2;
        s.totp.throttle_factor = 0;
    })
    .await;
    let (p1, _, [mut s1, mut s2, mut s3]) = three_sessions(&t).await;
    for _ in 0..2 {
        let r = s1
            .post_json(
                "/otp/verify/",
                json!({"otp_device": p1, "otp_token": "000000"}),
            )
            .await;
        assert_eq!(r.json()["error"], "invalid_token", "{}", r.body);
    }
    assert_eq!(s1.state().await, "authenticated", "this one, unverified");
    assert_eq!(s2.state().await, "anonymous");
    assert_eq!(s3.state().await, "verified");
}
