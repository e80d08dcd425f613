//! Hostile input on the HTML forms and JSON endpoints (REQ-07, REQ-17, REQ-18, docs/behaviour.md
//! §7): each row asserts the exact status and error code, and the device state afterwards — nothing
//! changed, except `failure_count + 1` on the chosen device where a malformed token was
//! evaluated (docs/behaviour.md §2.2 step 2, §4.4). Never a panic, never a 500.

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
use otpkit::DeviceRecord;
use serde_json::json;

/// Every device, as stored.
fn dump(t: &TestApp) -> Vec<DeviceRecord> {
    t.store.inner.dump().unwrap()
}

fn rec(t: &TestApp, pid: &str) -> DeviceRecord {
    dump(t)
        .into_iter()
        .find(|r| r.persistent_id() == pid)
        .unwrap()
}

/// `r` with the throttle and version of `like`.
fn minus_failure(r: &DeviceRecord, like: &DeviceRecord) -> DeviceRecord {
    let mut r = r.clone();
    r.throttle = like.throttle;
    r.version = like.version;
    r
}

/// A raw POST with the session's CSRF token in the header; an HTML form's 303 is followed
/// to the page that shows the outcome (Post/Redirect/Get).
async fn post_bytes(c: &mut Client, path: &str, ct: &str, body: Vec<u8>) -> Res {
    let token = c.csrf().await;
    let mut req = Request::post(path)
        .header("x-csrf-token", token)
        .header(header::CONTENT_LENGTH, body.len());
    if !ct.is_empty() {
        req = req.header(header::CONTENT_TYPE, ct);
    }
    if ct == "application/json" {
        req = req.header(header::ACCEPT, "application/json");
    }
    let r = c.send(req.body(Body::from(body)).unwrap()).await;
    c.follow(r).await
}

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    serde_urlencoded::to_string(pairs).unwrap().into_bytes()
}

/// What a row expects: status, error code, and whether the chosen device records one
/// failure.
struct Want {
    status: StatusCode,
    code: &'static str,
    failure: bool,
}

const INVALID: Want = Want {
    status: StatusCode::UNAUTHORIZED,
    code: "invalid_token",
    failure: true,
};
const REQUIRED: Want = Want {
    status: StatusCode::BAD_REQUEST,
    code: "token_required",
    failure: false,
};
const TOO_LARGE: Want = Want {
    status: StatusCode::PAYLOAD_TOO_LARGE,
    code: "payload_too_large",
    failure: false,
};
const BAD: Want = Want {
    status: StatusCode::BAD_REQUEST,
    code: "bad_request",
    failure: false,
};

/// The error code of an HTML answer: the token-step form shows the message; map it back.
fn html_code(r: &Res) -> &'static str {
    let pairs = [
        (
            "That code is not valid. Check it and try again, or use the newest code.",
            "invalid_token",
        ),
        ("Please enter your authentication code.", "token_required"),
        (
            "Please choose how you want to confirm it's you.",
            "device_required",
        ),
        ("The request could not be understood.", "bad_request"),
        ("Request body too large", "payload_too_large"),
    ];
    for (msg, code) in pairs {
        if r.body.contains(msg) {
            return code;
        }
    }
    if r.status == StatusCode::PAYLOAD_TOO_LARGE {
        return "payload_too_large";
    }
    "?"
}

/// docs/behaviour.md §4.4 / REQ-07 through `/otp/login/` (token step of a pending login), as JSON
/// and as a form: every hostile token is `invalid_token` with exactly one failure on the chosen
/// device, or refused before any evaluation with nothing changed.
#[tokio::test]
async fn login_token_step_hostile_tokens() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let big = "1".repeat(8 * 1024); // under OTPKIT_MAX_BODY_BYTES, over 64 bytes
    let mib = "1".repeat(1 << 20);
    let rows: Vec<(&str, String, Want)> = vec![
        ("empty", String::new(), REQUIRED),
        ("whitespace only", " \t \n ".into(), REQUIRED),
        ("8 KiB", big, INVALID),
        ("1 MiB", mib, TOO_LARGE),
        ("NUL", "\x00123456".into(), INVALID),
        ("NUL last", "123456\0".into(), INVALID),
        ("Arabic-Indic digits", "١٢٣٤٥٦".into(), INVALID),
        ("full-width digits", "１２３４５６".into(), INVALID),
        ("plus", "+123456".into(), INVALID),
        ("underscore", "1_23456".into(), INVALID),
        ("decimal", "123456.99".into(), INVALID),
        ("negative", "-123456".into(), INVALID),
        ("SQL", "' OR '1'='1".into(), INVALID),
        (
            "SQL 2",
            "123456; DROP TABLE otpkit_device; --".into(),
            INVALID,
        ),
        ("HTML", "<script>alert(1)</script>".into(), INVALID),
        ("replacement characters", "\u{FFFD}".repeat(6), INVALID),
    ];
    for json_body in [true, false] {
        for (name, token, want) in &rows {
            t.engine.throttle_reset(&pid).await.unwrap();
            let mut c = Client::new(&t);
            let r = c
                .post_json(
                    "/otp/login/",
                    json!({"username": "alice", "password": "pw"}),
                )
                .await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body); // token_required
            let before = rec(&t, &pid);
            let r = if json_body {
                let body = json!({"otp_device": pid, "otp_token": token}).to_string();
                post_bytes(&mut c, "/otp/login/", "application/json", body.into_bytes()).await
            } else {
                let body = form(&[("otp_device", &pid), ("otp_token", token)]);
                post_bytes(
                    &mut c,
                    "/otp/login/",
                    "application/x-www-form-urlencoded",
                    body,
                )
                .await
            };
            let ctx = format!(
                "{name} (json: {json_body}): {} {}",
                r.status,
                r.body.chars().take(300).collect::<String>()
            );
            let code = if json_body {
                r.json()["error"].as_str().unwrap().to_owned()
            } else {
                html_code(&r).to_owned()
            };
            assert_eq!(code, want.code, "{ctx}");
            if json_body || want.status == StatusCode::PAYLOAD_TOO_LARGE {
                assert_eq!(r.status, want.status, "{ctx}");
            } else {
                // HTML answers 303 to the token step, which shows the error (docs/behaviour.md §7.3
                // step 4, Post/Redirect/Get).
                assert_eq!(r.status, StatusCode::OK, "{ctx}");
                assert!(c.see_other.is_some(), "{ctx}");
            }
            let after = rec(&t, &pid);
            let n = u32::from(want.failure);
            assert_eq!(
                after.throttle.failure_count,
                before.throttle.failure_count + n,
                "{ctx}"
            );
            assert!(minus_failure(&after, &before) == before, "{ctx}");
            if want.status != StatusCode::PAYLOAD_TOO_LARGE {
                assert_eq!(c.state().await, "pending", "{ctx}");
            }
        }
    }
}

/// Invalid UTF-8 and raw NUL bytes in a form body (the browser's encoding is not trusted):
/// decoded lossily to U+FFFD, the token is malformed — one failure, 401 in JSON terms (HTML:
/// the form again); in a JSON body, invalid UTF-8 is `bad_request` with nothing changed.
#[tokio::test]
async fn invalid_utf8_bodies() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    c.post_json(
        "/otp/login/",
        json!({"username": "alice", "password": "pw"}),
    )
    .await;
    let rows: Vec<(&str, &str, Vec<u8>, Want)> = vec![
        (
            "form, raw 0xFF",
            "application/x-www-form-urlencoded",
            [
                format!("otp_device={pid}&otp_token=").as_bytes(),
                b"\xff\xfe123456",
            ]
            .concat(),
            INVALID,
        ),
        (
            "form, percent-encoded 0xFF",
            "application/x-www-form-urlencoded",
            format!("otp_device={pid}&otp_token=%FF%FE123456").into_bytes(),
            INVALID,
        ),
        (
            "form, raw NUL",
            "application/x-www-form-urlencoded",
            [
                format!("otp_device={pid}&otp_token=").as_bytes(),
                b"\x00123456",
            ]
            .concat(),
            INVALID,
        ),
        (
            "JSON, raw 0xFF",
            "application/json",
            [br#"{"otp_token":""#.as_slice(), b"\xff", br#""}"#].concat(),
            BAD,
        ),
        (
            "JSON, lone surrogate escape",
            "application/json",
            br#"{"otp_token":"\ud800123456"}"#.to_vec(),
            BAD,
        ),
    ];
    for (name, ct, body, want) in rows {
        t.engine.throttle_reset(&pid).await.unwrap();
        let before = rec(&t, &pid);
        let r = post_bytes(&mut c, "/otp/login/", ct, body).await;
        let ctx = format!(
            "{name}: {} {}",
            r.status,
            r.body.chars().take(200).collect::<String>()
        );
        if ct == "application/json" {
            assert_eq!(r.status, want.status, "{ctx}");
            assert_eq!(r.json()["error"], want.code, "{ctx}");
        } else {
            assert_eq!(r.status, StatusCode::OK, "{ctx}");
            assert_eq!(html_code(&r), want.code, "{ctx}");
        }
        let after = rec(&t, &pid);
        assert_eq!(
            after.throttle.failure_count,
            before.throttle.failure_count + u32::from(want.failure),
            "{ctx}"
        );
        assert!(minus_failure(&after, &before) == before, "{ctx}");
    }
}

/// docs/behaviour.md §7.3 / §1.6: a posted `otp_device` that names a non-device model, another
/// kind, another user's device, a legacy or malformed id is "no device": with two devices and no
/// preferred one, `device_required` — and no device anywhere changes.
#[tokio::test]
async fn login_hostile_device_ids() {
    let t = app();
    let pid = totp(&t, "alice").await;
    t.engine
        .generate_backup_codes(&uid("alice"), None)
        .await
        .unwrap();
    let bobs = totp(&t, "bob").await;
    let id = pid.rsplit_once('/').unwrap().1.to_owned();
    let rows: Vec<String> = vec![
        format!("auth.user/{id}"),
        format!("otp_hotp.hotpdevice/{id}"),
        bobs.clone(),
        format!("django_otp.plugins.otp_totp.models.TOTPDevice/{id}"),
        "otp_totp.totpdevice/0".into(),
        "otp_totp.totpdevice/9223372036854775808".into(),
        format!("otp_totp.totpdevice/{id}' OR '1'='1"),
        format!("otp_totp.totpdevice/{id}\0"),
        "<script>alert(1)</script>".into(),
        "١٢٣".into(),
        "x".repeat(200),
    ];
    let mut c = Client::new(&t);
    c.post_json(
        "/otp/login/",
        json!({"username": "alice", "password": "pw"}),
    )
    .await;
    for dev in &rows {
        // Such an id counts as "no device": the code is matched against alice's own passive
        // devices (docs/behaviour.md §7.3), one failure each; nothing else changes.
        for d in t
            .engine
            .devices_for_user(Some(&uid("alice")), None)
            .await
            .unwrap()
        {
            t.engine.throttle_reset(&d.persistent_id()).await.unwrap();
        }
        let before = dump(&t);
        let r = c
            .post_json(
                "/otp/login/",
                json!({"otp_device": dev, "otp_token": "123456"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{dev:?}: {}", r.body);
        assert_eq!(r.json()["error"], "invalid_token", "{dev:?}");
        let after = dump(&t);
        assert_eq!(after.len(), before.len());
        for (a, b) in after.iter().zip(&before) {
            if a.user.as_str() == "alice" {
                assert_eq!(a.throttle.failure_count, 1, "{dev:?}");
                assert_eq!(&minus_failure(a, b), b, "{dev:?} changed more than a count");
            } else {
                assert_eq!(a, b, "{dev:?} changed another user's device");
            }
        }
        let before = dump(&t);
        // A challenge for such an id: not interactive, nothing sent or changed.
        let r = c
            .post_json(
                "/otp/login/",
                json!({"otp_device": dev, "otp_challenge": "1"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{dev:?}: {}", r.body);
        assert_eq!(r.json()["error"], "not_interactive", "{dev:?}");
        assert_eq!(dump(&t), before, "{dev:?} changed a device");
    }
    assert!(t.mailer.messages().is_empty());
    // The label's case does not matter (§1.6): alice's own device, one failure.
    for d in t
        .engine
        .devices_for_user(Some(&uid("alice")), None)
        .await
        .unwrap()
    {
        t.engine.throttle_reset(&d.persistent_id()).await.unwrap();
    }
    let before = rec(&t, &pid);
    let upper = pid.replace("otp_totp.totpdevice", "OTP_TOTP.TOTPDevice");
    let r = c
        .post_json(
            "/otp/login/",
            json!({"otp_device": upper, "otp_token": "000000"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert_eq!(r.json()["error"], "invalid_token");
    assert_eq!(
        rec(&t, &pid).throttle.failure_count,
        before.throttle.failure_count + 1
    );
}

/// REQ-18 / docs/behaviour.md §7.4 `bad_request`: JSON bodies of the wrong shape, unknown content
/// types and oversized bodies are refused before anything is read or changed.
#[tokio::test]
async fn malformed_json_and_bodies_change_nothing() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let mut c = Client::new(&t);
    c.post_json(
        "/otp/login/",
        json!({"username": "alice", "password": "pw"}),
    )
    .await;
    let big_json = json!({"otp_device": pid, "otp_token": "1".repeat(20_000)}).to_string();
    let rows: Vec<(&str, &str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "number token",
            "application/json",
            json!({"otp_device": pid, "otp_token": 123456})
                .to_string()
                .into_bytes(),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "negative number",
            "application/json",
            json!({"otp_device": pid, "otp_token": -123456})
                .to_string()
                .into_bytes(),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "float",
            "application/json",
            json!({"otp_device": pid, "otp_token": 123456.99})
                .to_string()
                .into_bytes(),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "object token",
            "application/json",
            json!({"otp_device": pid, "otp_token": {"$gt": ""}})
                .to_string()
                .into_bytes(),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "bool",
            "application/json",
            json!({"otp_device": pid, "otp_token": true})
                .to_string()
                .into_bytes(),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "array of numbers",
            "application/json",
            json!({"otp_device": pid, "otp_token": [1]})
                .to_string()
                .into_bytes(),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "top-level array",
            "application/json",
            b"[1,2,3]".to_vec(),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "top-level string",
            "application/json",
            b"\"123456\"".to_vec(),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "truncated",
            "application/json",
            b"{\"otp_token\": \"12".to_vec(),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "empty JSON",
            "application/json",
            Vec::new(),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "NUL bytes",
            "application/json",
            vec![0; 64],
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "deep nesting",
            "application/json",
            format!("{}{}", "[".repeat(5000), "]".repeat(5000)).into_bytes(),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "over 16 KiB",
            "application/json",
            big_json.into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        (
            "text/plain",
            "text/plain",
            b"otp_token=123456".to_vec(),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "multipart",
            "multipart/form-data; boundary=x",
            b"--x\r\n\r\n".to_vec(),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
    ];
    for (name, ct, body, status, code) in rows {
        let before = dump(&t);
        let token = c.csrf().await;
        let req = Request::post("/otp/login/")
            .header(header::CONTENT_TYPE, ct)
            .header(header::ACCEPT, "application/json")
            .header("x-csrf-token", token)
            .header(header::CONTENT_LENGTH, body.len())
            .body(Body::from(body))
            .unwrap();
        let r = c.send(req).await;
        assert_eq!(r.status, status, "{name}: {}", r.body);
        assert_eq!(r.json()["error"], code, "{name}");
        assert_eq!(dump(&t), before, "{name} changed a device");
        assert_eq!(c.state().await, "pending", "{name}");
    }
}

/// docs/behaviour.md §7.7: device actions with hostile ids are 404 `not_found` and change nothing;
/// hostile names are 400 `bad_request` (or, for mere text like HTML, stored as text and
/// escaped when shown).
#[tokio::test]
async fn device_routes_with_hostile_ids_and_names() {
    let t = app();
    let pid = totp(&t, "alice").await;
    let bobs = totp(&t, "bob").await;
    let mut c = Client::new(&t);
    c.login_totp(&t, "alice", &pid).await;
    let id = pid.rsplit_once('/').unwrap().1.to_owned();
    let paths: Vec<String> = vec![
        format!("auth.user/{id}"),
        format!("otp_hotp.hotpdevice/{id}"),
        bobs.clone(),
        "otp_totp.totpdevice/0".into(),
        "otp_totp.totpdevice/abc".into(),
        "otp_totp.totpdevice/9223372036854775808".into(),
        format!("otp_totp.totpdevice/{id}%00"),
        format!("otp_totp.totpdevice/{id}%27%20OR%201=1"),
        format!("%3Cscript%3E/{id}"),
        format!("django_otp.plugins.otp_totp.models.TOTPDevice/{id}"),
    ];
    for p in &paths {
        for action in ["rename", "remove", "unlock"] {
            let before = dump(&t);
            let r = c
                .post_json(&format!("/otp/devices/{p}/{action}/"), json!({"name": "x"}))
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{p} {action}: {}", r.body);
            assert_eq!(r.json()["error"], "not_found", "{p} {action}");
            assert_eq!(dump(&t), before, "{p} {action} changed a device");
        }
    }
    let path = format!("/otp/devices/{pid}/rename/");
    for (name, ok) in [
        ("x".repeat(65), false),
        ("nul\0".into(), false),
        ("tab\tx".into(), false),
        ("<script>alert(1)</script>".into(), true),
        ("' OR 1=1 --".into(), true),
        ("١٢٣٤٥٦".into(), true),
    ] {
        let before = rec(&t, &pid);
        let r = c.post_json(&path, json!({"name": name})).await;
        if ok {
            assert_eq!(r.status, StatusCode::OK, "{name:?}: {}", r.body);
            assert_eq!(rec(&t, &pid).name, name);
        } else {
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name:?}: {}", r.body);
            assert_eq!(r.json()["error"], "bad_request");
            assert!(rec(&t, &pid) == before, "{name:?}");
        }
    }
    // The HTML list escapes what was stored as text.
    c.post_json(&path, json!({"name": "<script>alert(1)</script>"}))
        .await;
    let r = c.get("/otp/devices/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains("<script>alert(1)"), "unescaped name");
    assert!(r.body.contains("&lt;script&gt;"));
}

/// docs/behaviour.md §7.8, §5.7: the admin "add device" form with hostile users, kinds and secrets
/// is 400 `bad_request` with the typed error's text, and creates nothing.
#[tokio::test]
async fn admin_add_refuses_hostile_input() {
    let t = app();
    let apid = totp(&t, "admin").await;
    let mut c = Client::new(&t);
    c.login_totp(&t, "admin", &apid).await;
    let rows: Vec<(serde_json::Value, &str)> = vec![
        (
            json!({"kind": "totp", "user": ""}),
            "Enter a valid user id.",
        ),
        (
            json!({"kind": "totp", "user": "   "}),
            "Enter a valid user id.",
        ),
        (
            json!({"kind": "totp", "user": "a\u{0}b"}),
            "Enter a valid user id.",
        ),
        (
            json!({"kind": "totp", "user": "x".repeat(256)}),
            "Enter a valid user id.",
        ),
        (
            json!({"kind": "auth.user", "user": "alice"}),
            "Choose a device kind.",
        ),
        (
            json!({"kind": "<script>", "user": "alice"}),
            "Choose a device kind.",
        ),
        (
            json!({"kind": "totp", "user": "alice", "key": "GEZD0"}),
            "invalid character at position 4: base32 secrets use only the letters A-Z and the digits 2-7 (0, 1, 8 and 9 do not occur)",
        ),
        (
            json!({"kind": "totp", "user": "alice", "key": "A".repeat(2000)}),
            "the secret text is longer than 1024 bytes",
        ),
        (
            json!({"kind": "totp", "user": "alice", "key": "GEZDGNBVGY3TQOJQ"}),
            "the key is 10 bytes long, at least 16 bytes (128 bits) are required (RFC 4226 R6)",
        ),
        (
            json!({"kind": "hotp", "user": "alice", "key": "MF=RGG"}),
            "invalid '=' padding: padding is optional, but may only appear at the end and in the amount the length requires",
        ),
        (
            json!({"kind": "totp", "user": "alice", "key": "' OR 1=1 --"}),
            "invalid character at position 0: base32 secrets use only the letters A-Z and the digits 2-7 (0, 1, 8 and 9 do not occur)",
        ),
        (
            json!({"kind": "totp", "user": "alice", "key_format": "hex", "key": "abc"}),
            "a hex key needs an even number of digits",
        ),
        (
            json!({"kind": "totp", "user": "alice", "key_format": "hex", "key": "0x3132"}),
            "invalid character at position 1: hex keys use only 0-9 and a-f",
        ),
        (
            json!({"kind": "totp", "user": "alice", "name": "x".repeat(65)}),
            "the device name is longer than 64 characters",
        ),
        (
            json!({"kind": "email", "user": "alice", "email": "no-at-sign"}),
            "email: must be an address of at most 254 characters",
        ),
    ];
    for (body, detail) in rows {
        let before = dump(&t);
        let r = c.post_json("/otp/admin/devices/add/", body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
        assert_eq!(r.json()["error"], "bad_request", "{body}");
        assert_eq!(r.json()["detail"], detail, "{body}");
        assert_eq!(dump(&t), before, "{body} created something");
    }
}

/// docs/behaviour.md §7.6: hostile tokens on the TOTP enrolment's confirmation are one failure each
/// on the unconfirmed device, which stays unconfirmed.
#[tokio::test]
async fn enrolment_confirmation_with_hostile_tokens() {
    let t = app();
    let mut c = Client::new(&t);
    c.login_password("nodev").await;
    let r = c
        .post_json("/otp/devices/totp/new/", json!({"start": "1"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let pid = r.json()["device"].as_str().unwrap().to_owned();
    for token in [
        "+123456",
        "١٢٣٤٥٦",
        "1_23456",
        "123456.99",
        "<b>1</b>",
        "' OR 1=1",
    ] {
        t.engine.throttle_reset(&pid).await.unwrap();
        let before = rec(&t, &pid);
        let r = c
            .post_json("/otp/devices/totp/new/", json!({"otp_token": token}))
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{token}: {}", r.body);
        assert_eq!(r.json()["error"], "invalid_token", "{token}");
        let after = rec(&t, &pid);
        assert_eq!(
            after.throttle.failure_count,
            before.throttle.failure_count + 1
        );
        assert!(!after.confirmed);
        assert!(minus_failure(&after, &before) == before, "{token}");
    }
    let r = c
        .post_json("/otp/devices/totp/new/", json!({"otp_token": "   "}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.json()["error"], "token_required");
}
