//! REQ-16 and docs/behaviour.md §2.10: the audit events of a whole web life cycle of one user,
//! captured with a `tracing` layer, with their exact fields and counts (each event once per
//! occurrence), the notification hook's calls, and a scan of every log line of every target
//! (TRACE) for tokens, codes, secrets, otpauth URIs and the password. The contract checked
//! here is documented in `docs/audit.md`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::sync::{Arc, Mutex, PoisonError};

use common::*;
use http::StatusCode;
use otpkit::events::{AUDIT_TARGET, Event, EventKind};
use otpkit::{Timestamp, UserId};
use serde_json::json;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// The fields of one event or span, in recording order.
#[derive(Default)]
struct Fields(Vec<(String, String)>);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.push((field.name().to_owned(), value.to_string()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.push((field.name().to_owned(), value.to_string()));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.push((field.name().to_owned(), value.to_string()));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
}

impl Fields {
    fn line(&self) -> String {
        let mut s = String::new();
        for (k, v) in &self.0 {
            write!(s, " {k}={v}").unwrap();
        }
        s
    }
}

/// One event at the audit target: its level and its fields (name → value).
#[derive(Debug, Clone)]
struct Audited {
    level: Level,
    fields: BTreeMap<String, String>,
}

/// Records every audit event's fields, and formats every event and span of every target
/// into one text buffer (for the secret scan).
#[derive(Clone, Default)]
struct Capture {
    audit: Arc<Mutex<Vec<Audited>>>,
    text: Arc<Mutex<String>>,
    lines: Arc<Mutex<usize>>,
}

impl Capture {
    fn line(&self, s: String) {
        let mut t = self.text.lock().unwrap();
        t.push_str(&s);
        t.push('\n');
        *self.lines.lock().unwrap() += 1;
    }
}

impl<S: Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        let mut f = Fields::default();
        event.record(&mut f);
        self.line(format!("{} {}:{}", meta.level(), meta.target(), f.line()));
        if meta.target() == AUDIT_TARGET {
            self.audit.lock().unwrap().push(Audited {
                level: *meta.level(),
                fields: f.0.into_iter().collect(),
            });
        }
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, _id: &Id, _ctx: Context<'_, S>) {
        let meta = attrs.metadata();
        let mut f = Fields::default();
        attrs.record(&mut f);
        self.line(format!(
            "{} {} span {}:{}",
            meta.level(),
            meta.target(),
            meta.name(),
            f.line()
        ));
    }

    fn on_record(&self, _id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut f = Fields::default();
        values.record(&mut f);
        self.line(format!("span record:{}", f.line()));
    }
}

/// The tests of this file run one at a time: each installs its own thread-local subscriber,
/// and keeping them apart rules out any interplay through `tracing`'s process-wide callsite
/// cache.
static SERIAL: Mutex<()> = Mutex::new(());

/// Installs a fresh [`Capture`] for the current thread (TRACE, every target).
fn install() -> (Capture, tracing::subscriber::DefaultGuard) {
    let capture = Capture::default();
    let guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(capture.clone()));
    (capture, guard)
}

/// The exact field map of an engine audit event (`emit` in `events.rs`): `extra` are the
/// optional fields (`failure_count`, `locked_until`, `detail`) the event carries.
fn engine_event(
    name: &str,
    user: &str,
    device: &str,
    at: Timestamp,
    extra: &[(&str, String)],
) -> BTreeMap<String, String> {
    let mut m: BTreeMap<String, String> = [
        ("message", "otpkit audit event".to_owned()),
        ("event", name.to_owned()),
        ("user", user.to_owned()),
        ("device", device.to_owned()),
        ("at", at.to_rfc3339()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    for (k, v) in extra {
        m.insert((*k).to_owned(), v.clone());
    }
    m
}

/// The exact field map of a web-layer audit record (`web::audit`).
fn web_action(action: &str, actor: &str, device: &str) -> BTreeMap<String, String> {
    [
        ("message", "otpkit web action"),
        ("event", "web_action"),
        ("action", action),
        ("actor", actor),
        ("device", device),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// The TOTP code of `secret` (base32) for step `t` (SHA1, 6 digits, step 30, t0 0).
fn code_at_step(secret: &str, t: i64) -> String {
    let key = otpkit::encoding::decode_base32_secret(secret).unwrap();
    let k = otpkit::OathKey::new(otpkit::Algorithm::Sha1, key.expose());
    otpkit::oath::totp_at(&k, t, otpkit::Digits::SIX)
        .unwrap()
        .expose()
        .to_owned()
}

fn step_of(t: Timestamp) -> i64 {
    otpkit::oath::totp_step(t.as_secs(), 0, 30, 0)
}

/// A 6-digit code that is none of the device's codes for steps `s − 2 … s + 2` (so it is
/// wrong whatever the window), and not one of `avoid`.
fn wrong_code(secret: &str, s: i64, avoid: &[String]) -> String {
    let valid: Vec<String> = (s - 2..=s + 2).map(|t| code_at_step(secret, t)).collect();
    ["917364", "482915", "736158", "259473", "604827"]
        .into_iter()
        .map(str::to_owned)
        .find(|c| !valid.contains(c) && !avoid.contains(c))
        .unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `needle` occurs in `hay` not preceded or followed by an ASCII letter or digit.
fn contains_word(hay: &str, needle: &str) -> bool {
    hay.match_indices(needle).any(|(i, _)| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + needle.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric())
            && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

/// REQ-16, docs/behaviour.md §2.10, §7.3, §7.6, §7.7: enrolment, backup codes, a throttled and
/// replayed web login, a backup code, an administrator's throttle reset, key rotation and removal.
/// Every audit event is asserted field by field, in order, each exactly once; the
/// notification hook ran exactly for the §2.10 notifying events; no log line carries a
/// secret.
#[tokio::test(flavor = "current_thread")]
#[allow(clippy::await_holding_lock)] // SERIAL: held for the whole test on purpose
async fn the_audit_trail_of_a_web_life_cycle_is_exact_and_carries_no_secret() {
    let _serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    let (capture, _guard) = install();

    let t = app();
    let user = "nodev";
    let t0 = Timestamp::from_secs(T0);
    let at = |ms: i64| t0.add_millis(ms);
    // Everything submitted or shown that must never reach a log line.
    let mut secrets: Vec<String> = Vec::new();
    let mut codes: Vec<String> = Vec::new();

    // --- §7.6 self-service TOTP enrolment: `device_created` (t0) ---------------------------
    let mut c = Client::new(&t);
    c.login_password(user).await;
    assert_eq!(c.state().await, "authenticated");
    let r = c
        .post_json("/otp/devices/totp/new/", json!({"start": "1"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let totp = r.json()["device"].as_str().unwrap().to_owned();
    let secret = r.json()["secret"].as_str().unwrap().to_owned();
    let uri = r.json()["uri"].as_str().unwrap().to_owned();
    assert_eq!(totp, "otp_totp.totpdevice/1");
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    let key = otpkit::encoding::decode_base32_secret(&secret).unwrap();
    secrets.extend([
        secret.clone(),
        secret.to_lowercase(),
        hex(key.expose()),
        hex(key.expose()).to_uppercase(),
        uri.clone(),
    ]);

    // The valid first code confirms it: `verification_succeeded`, `device_confirmed` (t0+1).
    t.clock.advance_secs(1);
    let s0 = step_of(t.engine.now());
    let first = code_at_step(&secret, s0);
    codes.push(first.clone());
    let r = c
        .post_json("/otp/devices/totp/new/", json!({"otp_token": first}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "verified");

    // --- §7.6 backup codes: `device_created` (static), `backup_codes_generated` (t0+2) -----
    t.clock.advance_secs(1);
    let r = c.post_json("/otp/devices/backup-codes/", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let backup = r.json()["device"].as_str().unwrap().to_owned();
    assert_eq!(backup, "otp_static.staticdevice/2");
    let batch: Vec<String> = r.json()["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(batch.len(), 10);
    for b in &batch {
        secrets.extend([b.clone(), b.replace('-', ""), b.to_uppercase()]);
    }

    // --- log out; §7.3 password login and token step at the next TOTP step -----------------
    let r = c.post_json("/otp/logout/", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(c.state().await, "anonymous");
    t.clock.set(at(30_000));
    let s1 = step_of(t.engine.now());
    assert_eq!(s1, s0 + 1);
    let good = code_at_step(&secret, s1);
    codes.push(good.clone());
    let wrong = wrong_code(&secret, s1, &codes);
    codes.push(wrong.clone());
    c.login_password(user).await;
    assert_eq!(c.state().await, "pending");
    // A wrong code (t0+30): `verification_failed`, failure_count 1.
    let r = c
        .post_json(
            "/otp/login/",
            json!({"otp_device": totp, "otp_token": wrong}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert_eq!(r.json()["error"], "invalid_token");
    // The right code 1 ms before locked_until (t0+30.999): `verification_throttled`.
    t.clock.set(at(30_999));
    let r = c
        .post_json(
            "/otp/login/",
            json!({"otp_device": totp, "otp_token": good}),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert_eq!(r.json()["error"], "n_failed_attempts");
    assert_eq!(r.json()["failure_count"], 1);
    // At locked_until (t0+31) it is evaluated: `verification_succeeded`.
    t.clock.set(at(31_000));
    let r = c
        .post_json(
            "/otp/login/",
            json!({"otp_device": totp, "otp_token": good}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "verified");
    // The same code again in a re-verification (t0+32): `token_replayed`, then
    // `verification_failed` (detail `replay`) — §5.1 counts a replay as a failure and §7.3
    // emits `verification_failed` whenever an allowed, chosen device rejected the token.
    t.clock.set(at(32_000));
    let r = c
        .post_json(
            "/otp/verify/",
            json!({"otp_device": totp, "otp_token": good}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert_eq!(
        r.json()["error"],
        "invalid_token",
        "a replay answers like a wrong token"
    );

    // --- a backup code, once (t0+33): `verification_succeeded` on the static device ---------
    t.clock.set(at(33_000));
    let used = batch[0].clone();
    let r = c
        .post_json(
            "/otp/verify/",
            json!({"otp_device": backup, "otp_token": used}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["device"], backup.as_str());

    // --- the administrator's (CLI-like) throttle reset through the engine (t0+34) -----------
    t.clock.set(at(34_000));
    let d = t.engine.throttle_reset(&totp).await.unwrap();
    assert_eq!(d.throttle().failure_count, 0);

    // --- key rotation (t0+35): `keys_rotated`, no user or device ----------------------------
    t.clock.set(at(35_000));
    let report = t.engine.rotate_keys().await.unwrap();
    assert_eq!((report.resealed, report.current, report.failed), (0, 1, 0));

    // --- §7.7 removal of the TOTP device (t0+36): `web_action`, `device_removed` ------------
    t.clock.set(at(36_000));
    let r = c
        .post_json(&format!("/otp/devices/{totp}/remove/"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "removed");
    assert_eq!(
        c.state().await,
        "verified",
        "still verified by the backup code"
    );

    // --- the audit events, exactly, in order (REQ-16: once per occurrence) ------------------
    let fc = |n: u32| ("failure_count", n.to_string());
    let detail = |s: &str| ("detail", s.to_owned());
    let expected: Vec<BTreeMap<String, String>> = vec![
        engine_event("device_created", user, &totp, at(0), &[]),
        engine_event("verification_succeeded", user, &totp, at(1_000), &[]),
        engine_event("device_confirmed", user, &totp, at(1_000), &[]),
        engine_event("device_created", user, &backup, at(2_000), &[]),
        engine_event("backup_codes_generated", user, &backup, at(2_000), &[]),
        engine_event(
            "verification_failed",
            user,
            &totp,
            at(30_000),
            &[fc(1), detail("invalid")],
        ),
        engine_event(
            "verification_throttled",
            user,
            &totp,
            at(30_999),
            &[
                fc(1),
                ("locked_until", at(31_000).to_rfc3339()),
                detail("N_FAILED_ATTEMPTS"),
            ],
        ),
        engine_event("verification_succeeded", user, &totp, at(31_000), &[]),
        engine_event("token_replayed", user, &totp, at(32_000), &[]),
        engine_event(
            "verification_failed",
            user,
            &totp,
            at(32_000),
            &[fc(1), detail("replay")],
        ),
        engine_event("verification_succeeded", user, &backup, at(33_000), &[]),
        engine_event("throttle_reset", user, &totp, at(34_000), &[]),
        engine_event(
            "keys_rotated",
            "",
            "",
            at(35_000),
            &[detail("resealed=0 current=1 failed=0")],
        ),
        web_action("remove", user, &totp),
        engine_event("device_removed", user, &totp, at(36_000), &[]),
    ];
    let audited = capture.audit.lock().unwrap().clone();
    let names: Vec<&str> = audited.iter().map(|a| a.fields["event"].as_str()).collect();
    let expected_names: Vec<&str> = expected.iter().map(|m| m["event"].as_str()).collect();
    assert_eq!(names, expected_names, "the sequence of audit events");
    for (got, want) in audited.iter().zip(&expected) {
        assert_eq!(got.level, Level::INFO, "{:?}", got.fields);
        assert_eq!(&got.fields, want);
        // `at` parses as RFC 3339 and is the engine clock's instant at the event.
        if let Some(s) = got.fields.get("at") {
            let parsed =
                time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                    .unwrap_or_else(|e| panic!("{s}: {e}"));
            let ms = i64::try_from(parsed.unix_timestamp_nanos() / 1_000_000).unwrap();
            let want_at = Timestamp::parse_rfc3339(&want["at"]).unwrap();
            assert_eq!(ms, want_at.as_millis(), "{s}");
        }
    }
    // Once per occurrence, counted per event name.
    let count = |name: &str| names.iter().filter(|n| **n == name).count();
    for (name, n) in [
        ("device_created", 2),
        ("device_confirmed", 1),
        ("backup_codes_generated", 1),
        ("verification_failed", 2),
        ("verification_throttled", 1),
        ("verification_succeeded", 3),
        ("token_replayed", 1),
        ("throttle_reset", 1),
        ("keys_rotated", 1),
        ("device_removed", 1),
        ("web_action", 1),
        ("device_locked", 0),
        ("device_unlocked", 0),
        ("challenge_sent", 0),
        ("challenge_failed", 0),
    ] {
        assert_eq!(count(name), n, "{name}");
    }
    // --- the notification hook: exactly the §2.10 notifying events, once each -------------
    let note = |kind, device: &str, when| Event {
        kind,
        user: Some(UserId::new(user).unwrap()),
        device: Some(device.to_owned()),
        at: when,
        failure_count: None,
        locked_until: None,
        detail: None,
    };
    assert_eq!(
        t.notifier.events(),
        vec![
            note(EventKind::DeviceConfirmed, &totp, at(1_000)),
            note(EventKind::BackupCodesGenerated, &backup, at(2_000)),
            note(EventKind::TokenReplayed, &totp, at(32_000)),
            note(EventKind::DeviceRemoved, &totp, at(36_000)),
        ]
    );
    // …which are exactly the audit events of the §2.10 notifying kinds.
    let notifying = [
        "device_locked",
        "token_replayed",
        "device_confirmed",
        "device_removed",
        "device_unlocked",
        "backup_codes_generated",
    ];
    let audited_notifying: Vec<(String, String)> = audited
        .iter()
        .filter(|a| notifying.contains(&a.fields["event"].as_str()))
        .map(|a| (a.fields["event"].clone(), a.fields["at"].clone()))
        .collect();
    let notified: Vec<(String, String)> = t
        .notifier
        .events()
        .iter()
        .map(|e| (e.kind.name().to_owned(), e.at.to_rfc3339()))
        .collect();
    assert_eq!(audited_notifying, notified);

    // --- REQ-16: no log line of any target carries a secret, token, code or password ------
    let logs = capture.text.lock().unwrap().clone();
    let n_lines = *capture.lines.lock().unwrap();
    assert!(
        n_lines > audited.len(),
        "every target is captured, not only the audit one ({n_lines} lines)"
    );
    assert!(logs.contains("otpkit::audit:"), "the capture works");
    assert!(
        !logs.to_lowercase().contains("otpauth"),
        "an otpauth URI in the logs"
    );
    for s in &secrets {
        assert!(!logs.contains(s.as_str()), "{s} in the logs:\n{logs}");
    }
    for code in &codes {
        assert_eq!(code.len(), 6);
        assert!(!logs.contains(code.as_str()), "{code} in the logs:\n{logs}");
    }
    assert!(
        !contains_word(&logs, "pw"),
        "the password in the logs:\n{logs}"
    );
}

/// docs/behaviour.md §2.5, §2.10, REQ-16: the library's `throttle_increment` (commit = true) that
/// brings the count to `OTPKIT_LOCKOUT_THRESHOLD` emits `device_locked` and notifies exactly once,
/// like a failed verification does; later increments do not repeat it. A web login on the
/// locked device then emits `verification_throttled` with `LOCKED_OUT` (no `locked_until`).
#[tokio::test(flavor = "current_thread")]
#[allow(clippy::await_holding_lock)] // SERIAL: held for the whole test on purpose
async fn throttle_increment_reaching_the_threshold_emits_device_locked_once() {
    let _serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    let (capture, _guard) = install();
    let t = app_with(|s| s.throttle.lockout_threshold = 2);
    let pid = totp(&t, "alice").await;
    let t0 = Timestamp::from_secs(T0);
    for i in 1..=3u32 {
        t.clock.set(t0.add_secs(i64::from(i)));
        let d = t.engine.throttle_increment(&pid).await.unwrap();
        assert_eq!(d.throttle().failure_count, i);
    }
    t.clock.set(t0.add_secs(10));
    let code = t
        .engine
        .current_totp(&pid)
        .await
        .unwrap()
        .expose()
        .to_owned();
    let mut c = Client::new(&t);
    let r = c
        .post_json(
            "/otp/login/",
            json!({"username": "alice", "password": "pw", "otp_device": pid, "otp_token": code}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.json()["error"], "device_locked");

    let audited: Vec<BTreeMap<String, String>> = capture
        .audit
        .lock()
        .unwrap()
        .iter()
        .map(|a| a.fields.clone())
        .collect();
    assert_eq!(
        audited,
        vec![
            engine_event("device_created", "alice", &pid, t0, &[]),
            engine_event(
                "device_locked",
                "alice",
                &pid,
                t0.add_secs(2),
                &[("failure_count", "2".to_owned())]
            ),
            engine_event(
                "verification_throttled",
                "alice",
                &pid,
                t0.add_secs(10),
                &[
                    ("failure_count", "3".to_owned()),
                    ("detail", "LOCKED_OUT".to_owned())
                ]
            ),
        ]
    );
    let mut locked = Event::new(
        EventKind::DeviceLocked,
        Some(&UserId::new("alice").unwrap()),
        Some(&pid),
        t0.add_secs(2),
    );
    locked.failure_count = Some(2);
    assert_eq!(t.notifier.events(), vec![locked]);
    let logs = capture.text.lock().unwrap().clone();
    assert!(!logs.contains(code.as_str()), "{code} in the logs:\n{logs}");
    assert!(
        !contains_word(&logs, "pw"),
        "the password in the logs:\n{logs}"
    );
}

/// docs/audit.md "Ended sessions": each end of sessions is one `sessions_ended` record with
/// why, who acted, whose, which device and how many, and no session id or handle anywhere in
/// the logs.
#[tokio::test(flavor = "current_thread")]
#[allow(clippy::await_holding_lock)] // SERIAL: held for the whole test on purpose
async fn ending_sessions_is_recorded_without_ids() {
    let _serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    let (capture, _guard) = install();
    let t = app_with_index(|_| {}).await;
    let (p1, p2) = (totp(&t, "alice").await, totp(&t, "alice").await);
    let admin_pid = totp(&t, "admin").await;
    let mut clients = Vec::new();
    for pid in [&p1, &p1, &p2, &p2] {
        next_step(&t);
        let mut c = Client::new(&t);
        c.login_totp(&t, "alice", pid).await;
        clients.push(c);
    }
    let r = clients[0].get_json("/otp/devices/sessions/").await;
    let handles: Vec<String> = r.json()["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["handle"].as_str().unwrap().to_owned())
        .collect();
    // s0 removes p1: s1 (also p1's) ends; s0 stays, unverified.
    let r = clients[0]
        .post_json(&format!("/otp/devices/{p1}/remove/"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // s2 signs out s0, then all others (s3).
    let s0 = handles[0].clone();
    let r = clients[2]
        .post_json(&format!("/otp/devices/sessions/{s0}/end/"), json!({}))
        .await;
    assert_eq!(r.json()["count"], 1, "{}", r.body);
    let r = clients[2]
        .post_json("/otp/devices/sessions/end-others/", json!({}))
        .await;
    assert_eq!(r.json()["count"], 1, "{}", r.body);
    next_step(&t);
    let mut admin = Client::new(&t);
    admin.login_totp(&t, "admin", &admin_pid).await;
    let r = admin
        .post_json("/otp/admin/sessions/end/", json!({"user": "alice"}))
        .await;
    assert_eq!(r.json()["count"], 1, "{}", r.body);

    let ended: Vec<BTreeMap<String, String>> = capture
        .audit
        .lock()
        .unwrap()
        .iter()
        .filter(|a| a.fields.get("event").map(String::as_str) == Some("sessions_ended"))
        .map(|a| a.fields.clone())
        .collect();
    let record = |action: &str, actor: &str, device: &str, count: &str| {
        [
            ("message", "otpkit sessions ended"),
            ("event", "sessions_ended"),
            ("action", action),
            ("actor", actor),
            ("user", "alice"),
            ("device", device),
            ("count", count),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(
        ended,
        vec![
            record("device_removed", "alice", &p1, "1"),
            record("end_session", "alice", "", "1"),
            record("end_other_sessions", "alice", "", "1"),
            record("admin_end_sessions", "admin", "", "1"),
        ]
    );
    let text = capture.text.lock().unwrap().clone();
    for c in clients.iter().chain([&admin]) {
        assert!(
            !text.contains(c.cookie.as_deref().unwrap()),
            "a session id logged"
        );
    }
    for h in &handles {
        assert!(!text.contains(h.as_str()), "a handle logged");
    }
}
