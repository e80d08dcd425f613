//! The importer against a MemoryStore engine and hand-built Django rows.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;

use otpkit::kind::{Registry, hotp::HotpDevice, static_token::StaticDevice, totp::TotpDevice};
use otpkit::store::DeviceQuery;
use otpkit::{Engine, KeyRing, ManualClock, MemoryStore, Timestamp};

use super::*;
use crate::model::{DjangoDevice, DjangoEmail, DjangoHotp, DjangoStatic, DjangoTotp};

/// RFC 4226's 20-byte test key in hex.
const KEY20: &str = "3132333435363738393031323334353637383930";
/// A 10-byte key, upper case (django-otp's old default length).
const KEY10: &str = "3132333435363738393A";
const NOW: Timestamp = Timestamp::from_millis(1_765_000_000_000);

fn engine() -> Engine {
    Engine::builder(MemoryStore::new(), KeyRing::random("k1").unwrap())
        .clock(ManualClock::new(NOW))
        .build()
        .unwrap()
}

fn dev(id: i64, user_id: i64) -> DjangoDevice {
    DjangoDevice {
        id,
        user_id,
        name: format!("device {id}"),
        confirmed: true,
        created_at: Some(Timestamp::from_millis(1_700_000_000_000)),
        last_used_at: None,
        throttling_failure_count: 0,
        throttling_failure_timestamp: None,
    }
}

fn totp(id: i64, user_id: i64, key: &str) -> DjangoTotp {
    DjangoTotp {
        device: dev(id, user_id),
        key: key.to_owned(),
        step: 30,
        t0: 0,
        digits: 6,
        tolerance: 1,
        drift: 0,
        last_t: 55_000_000,
    }
}

fn hotp(id: i64, user_id: i64) -> DjangoHotp {
    DjangoHotp {
        device: dev(id, user_id),
        key: KEY20.to_owned(),
        digits: 6,
        tolerance: 5,
        counter: 7,
    }
}

fn statics(id: i64, user_id: i64) -> DjangoStatic {
    DjangoStatic {
        device: dev(id, user_id),
        tokens: vec!["abcdef12".to_owned(), "34567890".to_owned()],
    }
}

fn email(id: i64, user_id: i64, address: &str) -> DjangoEmail {
    DjangoEmail {
        device: dev(id, user_id),
        email: Some(address.to_owned()),
        last_generated_timestamp: Some(Timestamp::from_millis(1_764_999_000_000)),
    }
}

fn users() -> BTreeMap<i64, String> {
    BTreeMap::from([(1, "alice".to_owned()), (2, "bob".to_owned())])
}

/// alice: a legacy-key TOTP, an HOTP, a static device and an email device; bob: a TOTP.
fn data() -> DjangoData {
    DjangoData {
        totp: vec![totp(1, 1, KEY10), totp(2, 2, KEY20)],
        hotp: vec![hotp(1, 1)],
        static_devices: vec![statics(1, 1)],
        email: vec![email(1, 1, "")],
        users: users(),
    }
}

async fn run(e: &Engine, d: &DjangoData, dry_run: bool) -> Report {
    import(e, d, &ImportOptions { dry_run }).await.unwrap()
}

async fn stored(e: &Engine) -> usize {
    e.list_devices(&DeviceQuery::default()).await.unwrap().len()
}

fn counts(read: usize, imported: usize, already: usize, skipped: usize) -> KindCounts {
    KindCounts {
        read,
        imported,
        already_imported: already,
        skipped,
    }
}

#[tokio::test]
async fn imports_every_kind_with_ids_and_state() {
    let e = engine();
    let mut d = data();
    d.totp[1].device.created_at = None;
    d.totp[1].device.last_used_at = Some(Timestamp::from_millis(1_760_000_000_000));
    d.hotp[0].device.created_at = None;
    d.hotp[0].device.throttling_failure_count = 3;
    let r = run(&e, &d, false).await;
    assert!(r.is_clean(), "{r:?}");
    assert_eq!(r.kinds["otp_totp.totpdevice"], counts(2, 2, 0, 0));
    assert_eq!(r.kinds["otp_hotp.hotpdevice"], counts(1, 1, 0, 0));
    assert_eq!(r.kinds["otp_static.staticdevice"], counts(1, 1, 0, 0));
    assert_eq!(r.kinds["otp_email.emaildevice"], counts(1, 1, 0, 0));
    assert_eq!(r.legacy_keys, vec!["otp_totp.totpdevice/1".to_owned()]);
    assert_eq!(stored(&e).await, 5);

    let t1 = e
        .from_persistent_id("otp_totp.totpdevice/1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(t1.user().as_str(), "alice");
    assert_eq!(t1.name(), "device 1");
    let info = e.info(&t1).unwrap();
    assert_eq!(info["last_t"], 55_000_000);
    assert_eq!(info["legacy_key"], true);
    let auth = e.provisioning("otp_totp.totpdevice/1").await.unwrap();
    assert_eq!(auth.secret.expose(), b"123456789:");

    // created_at null: last_used_at when used, else the engine's now.
    let t2 = e
        .from_persistent_id("otp_totp.totpdevice/2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(t2.user().as_str(), "bob");
    assert_eq!(t2.created_at(), Timestamp::from_millis(1_760_000_000_000));
    let h = e
        .from_persistent_id("otp_hotp.hotpdevice/1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(h.created_at(), NOW);
    assert_eq!(h.throttle().failure_count, 3);
    assert_eq!(e.info(&h).unwrap()["counter"], 7);

    let s = e
        .from_persistent_id("otp_static.staticdevice/1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.info(&s).unwrap()["codes_left"], 2);
    let m = e
        .from_persistent_id("otp_email.emaildevice/1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.info(&m).unwrap()["email"], serde_json::Value::Null);
    assert_eq!(
        m.last_generated_at(),
        Some(Timestamp::from_millis(1_764_999_000_000))
    );
}

/// Rows otpkit cannot keep, one reason each, in the order of [`SKIPS`].
fn bad_rows() -> DjangoData {
    let mut d = DjangoData {
        users: users(),
        ..DjangoData::default()
    };
    d.users.insert(3, String::new());
    let mut bad = |id, f: &dyn Fn(&mut DjangoTotp)| {
        let mut t = totp(id, 1, KEY20);
        f(&mut t);
        d.totp.push(t);
    };
    bad(1, &|t| t.device.user_id = 9);
    bad(2, &|t| t.device.user_id = 3);
    bad(3, &|t| t.key = "zz".repeat(10));
    bad(4, &|t| t.key = "abc".to_owned());
    bad(5, &|t| t.step = -1);
    bad(6, &|t| t.digits = 300);
    bad(7, &|t| t.tolerance = -1);
    bad(8, &|t| t.drift = 40_000);
    bad(9, &|t| t.device.throttling_failure_count = -1);
    bad(10, &|t| t.digits = 9);
    bad(11, &|t| t.key = "ab".repeat(65));
    bad(12, &|t| t.step = 121);
    bad(13, &|t| t.device.name = "x".repeat(65));
    bad(14, &|t| t.key = String::new());
    let mut h = hotp(1, 1);
    h.counter = -1;
    d.hotp.push(h);
    let mut m = email(1, 2, "not an address");
    m.device.id = 2;
    d.email.push(m);
    d
}

/// The persistent id and the start of the reason of each of [`bad_rows`].
const SKIPS: [(&str, &str); 16] = [
    (
        "otp_totp.totpdevice/1",
        "the Django user 9 has no otpkit user id",
    ),
    (
        "otp_totp.totpdevice/2",
        "the otpkit user id of the Django user 3 is invalid",
    ),
    (
        "otp_totp.totpdevice/3",
        "the key is not hexadecimal: django-otp could not have produced it",
    ),
    ("otp_totp.totpdevice/4", "the key is not hexadecimal"),
    ("otp_totp.totpdevice/5", "the time step -1 is out of range"),
    (
        "otp_totp.totpdevice/6",
        "the number of digits 300 is out of range",
    ),
    ("otp_totp.totpdevice/7", "the tolerance -1 is out of range"),
    ("otp_totp.totpdevice/8", "the drift 40000 is out of range"),
    (
        "otp_totp.totpdevice/9",
        "the throttling failure count -1 is out of range",
    ),
    ("otp_totp.totpdevice/10", "9 digits: otpkit takes 6, 7 or 8"),
    ("otp_totp.totpdevice/11", "the key is longer than 64 bytes"),
    (
        "otp_totp.totpdevice/12",
        "the time step 121 is outside 1 to 120 seconds",
    ),
    ("otp_totp.totpdevice/13", "the name"),
    ("otp_totp.totpdevice/14", "the key is empty"),
    ("otp_hotp.hotpdevice/1", "the counter -1 is out of range"),
    ("otp_email.emaildevice/2", "the email address"),
];

#[tokio::test]
async fn every_skip_reason() {
    let e = engine();
    let r = run(&e, &bad_rows(), false).await;
    let reasons: Vec<(&str, &str)> = r
        .skipped
        .iter()
        .map(|s| (s.persistent_id.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(reasons.len(), SKIPS.len(), "{reasons:#?}");
    for ((pid, reason), (wpid, wreason)) in reasons.iter().zip(SKIPS) {
        assert_eq!(*pid, wpid);
        assert!(reason.starts_with(wreason), "{pid}: {reason}");
    }
    assert_eq!(r.skipped[0].django_user_id, 9);
    // Each text goes with its code.
    for s in &r.skipped {
        let want = match s.reason.as_str() {
            t if t.starts_with("the Django user") => "no_user",
            t if t.starts_with("the otpkit user id") => "invalid_user",
            t if t.starts_with("the key is not hexadecimal") => "key_not_hex",
            t if t.ends_with("is out of range") && t.contains(char::is_numeric) => "out_of_range",
            _ => "refused",
        };
        assert_eq!(s.code, want, "{s:?}");
    }
    assert_eq!(r.kinds["otp_totp.totpdevice"], counts(14, 0, 0, 14));
    assert!(!r.is_clean());
    assert_eq!(stored(&e).await, 0);
    // Never a key in the report.
    let json = serde_json::to_string(&r).unwrap();
    assert!(!json.contains(KEY20) && !json.contains("zzzz"));
}

#[tokio::test]
async fn taken_by_another_user_or_a_device_created_here() {
    let e = engine();
    let bob = UserId::new("bob").unwrap();
    // otpkit's own device 1: otp_totp.totpdevice/1 is taken.
    let own = e.create_totp(&bob, Default::default()).await.unwrap();
    assert_eq!(own.persistent_id(), "otp_totp.totpdevice/1");
    let d = DjangoData {
        totp: vec![totp(1, 2, KEY20), totp(5, 1, KEY20)],
        users: users(),
        ..DjangoData::default()
    };
    let r = run(&e, &d, false).await;
    assert_eq!(r.skipped.len(), 1);
    assert_eq!(r.skipped[0].persistent_id, "otp_totp.totpdevice/1");
    assert_eq!(
        r.skipped[0].reason,
        "the persistent id is taken by another device"
    );
    // Imported for alice; now Django says it is bob's.
    let d2 = DjangoData {
        totp: vec![totp(5, 2, KEY20)],
        users: users(),
        ..DjangoData::default()
    };
    let r = run(&e, &d2, false).await;
    assert_eq!(r.skipped[0].persistent_id, "otp_totp.totpdevice/5");
    assert_eq!(
        r.skipped[0].reason,
        "the persistent id is taken by another device"
    );
}

#[tokio::test]
async fn dry_run_writes_nothing() {
    let e = engine();
    let r = run(&e, &data(), true).await;
    assert!(r.dry_run && r.is_clean());
    assert_eq!(r.kinds["otp_totp.totpdevice"], counts(2, 2, 0, 0));
    assert_eq!(r.legacy_keys, vec!["otp_totp.totpdevice/1".to_owned()]);
    assert_eq!(stored(&e).await, 0);
    let text = r.to_text();
    assert!(
        text.starts_with("Dry run: nothing was written.\n"),
        "{text}"
    );
    assert!(text.contains(
        "otp_totp.totpdevice: 2 read, 2 would be imported, 0 already imported, 0 skipped"
    ));
    assert!(text.contains(
        "Re-enrolment recommended (keys shorter than 16 bytes):\n  otp_totp.totpdevice/1\n"
    ));
    assert!(!text.contains("Skipped:") && !text.contains("Failed:"));
}

#[tokio::test]
async fn second_run_imports_nothing_and_reports_changes() {
    let e = engine();
    let first = run(&e, &data(), false).await;
    assert!(first.is_clean());
    let again = run(&e, &data(), false).await;
    assert!(again.is_clean() && again.changed.is_empty(), "{again:?}");
    assert!(again.removed_in_django.is_empty());
    assert_eq!(again.kinds["otp_totp.totpdevice"], counts(2, 0, 2, 0));
    assert_eq!(again.kinds["otp_email.emaildevice"], counts(1, 0, 1, 0));
    assert_eq!(stored(&e).await, 5);

    let mut d = data();
    d.totp[0].device.name = "renamed".to_owned();
    d.totp[0].device.confirmed = false;
    d.totp[0].last_t += 1;
    d.totp[0].key = KEY20.to_owned();
    d.totp[1].last_t -= 1; // otpkit is ahead: not a change
    d.hotp[0].counter = 9;
    d.hotp[0].device.throttling_failure_timestamp = Some(NOW);
    d.static_devices[0].tokens.pop();
    d.email[0].email = Some("alice@example.com".to_owned());
    let r = run(&e, &d, false).await;
    let changed: Vec<(&str, Vec<&str>)> = r
        .changed
        .iter()
        .map(|c| {
            (
                c.persistent_id.as_str(),
                c.fields.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        changed,
        vec![
            (
                "otp_totp.totpdevice/1",
                vec!["name", "confirmed", "key", "last_t"]
            ),
            (
                "otp_hotp.hotpdevice/1",
                vec!["throttling_failure_timestamp", "counter"]
            ),
            ("otp_static.staticdevice/1", vec!["token_set"]),
            ("otp_email.emaildevice/1", vec!["email"]),
        ]
    );
    assert!(r.is_clean());
    assert_eq!(stored(&e).await, 5);

    // Gone from Django: bob's TOTP and alice's HOTP.
    let mut d = data();
    d.totp.truncate(1);
    d.hotp.clear();
    let r = run(&e, &d, false).await;
    assert_eq!(
        r.removed_in_django,
        vec![
            "otp_hotp.hotpdevice/1".to_owned(),
            "otp_totp.totpdevice/2".to_owned()
        ]
    );
    let text = r.to_text();
    assert!(
        text.contains("Gone from Django:\n  otp_hotp.hotpdevice/1\n"),
        "{text}"
    );
}

#[tokio::test]
async fn a_kind_not_enabled_is_skipped_and_the_rest_imported() {
    let mut registry = Registry::empty();
    registry.register::<TotpDevice>().unwrap();
    registry.register::<HotpDevice>().unwrap();
    registry.register::<StaticDevice>().unwrap();
    let e = Engine::builder(MemoryStore::new(), KeyRing::random("k1").unwrap())
        .registry(registry)
        .build()
        .unwrap();
    let d = DjangoData {
        totp: vec![totp(1, 1, KEY20)],
        email: vec![email(1, 1, "alice@example.com")],
        users: users(),
        ..DjangoData::default()
    };
    let r = run(&e, &d, false).await;
    assert!(r.failed_users.is_empty(), "{r:?}");
    assert_eq!(r.skipped.len(), 1);
    assert_eq!(r.skipped[0].persistent_id, "otp_email.emaildevice/1");
    assert!(r.skipped[0].reason.contains("not enabled"), "{r:?}");
    assert_eq!(r.kinds["otp_totp.totpdevice"], counts(1, 1, 0, 0));
    assert_eq!(r.kinds["otp_email.emaildevice"], counts(1, 0, 0, 1));
}

#[tokio::test]
async fn duplicate_and_empty_static_tokens_are_no_change() {
    let e = engine();
    let mut s = statics(1, 1);
    s.tokens = vec![
        "abcd1234".into(),
        "ABCD 1234".into(),
        "".into(),
        "a_b".into(),
        " a_b ".into(),
    ];
    let d = DjangoData {
        static_devices: vec![s],
        users: users(),
        ..DjangoData::default()
    };
    assert!(run(&e, &d, false).await.is_clean());
    let dev = e
        .from_persistent_id("otp_static.staticdevice/1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.info(&dev).unwrap()["codes_left"], 2);
    let again = run(&e, &d, false).await;
    assert!(again.changed.is_empty(), "{again:?}");
    assert_eq!(again.kinds["otp_static.staticdevice"], counts(1, 0, 1, 0));
}

#[tokio::test]
async fn a_taken_id_fails_the_whole_user() {
    // Django rows for the same persistent id twice (two reads merged): the store refuses
    // the second, and nothing of that user is kept — not even her other device; bob is
    // imported.
    let e = engine();
    let d = DjangoData {
        totp: vec![
            totp(1, 1, KEY20),
            totp(3, 1, KEY20),
            totp(3, 1, KEY20),
            totp(2, 2, KEY20),
        ],
        users: users(),
        ..DjangoData::default()
    };
    let r = run(&e, &d, false).await;
    assert_eq!(r.failed_users.len(), 1, "{r:?}");
    assert_eq!(r.failed_users[0].user, "alice");
    assert!(
        r.failed_users[0].reason.contains("otp_totp.totpdevice/3"),
        "{r:?}"
    );
    assert_eq!(stored(&e).await, 1);
    assert!(
        e.from_persistent_id("otp_totp.totpdevice/2")
            .await
            .unwrap()
            .is_some()
    );
}

#[test]
fn report_text_lists_every_section() {
    let mut r = Report::default();
    r.kinds
        .insert("otp_totp.totpdevice".into(), counts(7, 5, 1, 1));
    r.skipped.push(Skipped {
        persistent_id: "otp_totp.totpdevice/3".into(),
        django_user_id: 4,
        reason: "the key is empty".into(),
        code: "refused",
    });
    r.changed.push(Changed {
        persistent_id: "otp_totp.totpdevice/1".into(),
        fields: vec!["name".into(), "last_t".into()],
    });
    r.removed_in_django.push("otp_totp.totpdevice/9".into());
    let text = r.to_text();
    assert!(
        text.contains("otp_totp.totpdevice: 7 read, 5 imported, 1 already imported, 1 skipped\n")
    );
    assert!(text.contains("Skipped:\n  otp_totp.totpdevice/3 (Django user 4): the key is empty\n"));
    assert!(text.contains(
        "Changed in Django since the first import:\n  otp_totp.totpdevice/1: name, last_t\n"
    ));
    assert!(!text.contains("Dry run"));
}
