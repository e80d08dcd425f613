//! Hostile input on every entry point of the Rust API, as tables (REQ-07, docs/behaviour.md §1.6,
//! §3, §4.4, §5.3, §5.5, §5.7, §2.1): each row asserts the exact result — a typed error, `NotFound`
//! or `Rejected(Malformed)` — and the state afterwards: nothing changed anywhere, except one
//! `failure_count + 1` on the device that evaluated a malformed token (§2.2 step 2).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use otpkit::device::DeviceRecord;
use otpkit::encoding::{decode_base32_key, decode_hex_secret};
use otpkit::engine::{ChallengeOptions, ChallengeOutcome, HotpOptions, TotpOptions, VerifyOptions};
use otpkit::mailer::MemoryMailer;
use otpkit::oath::{Algorithm, hmac_count};
use otpkit::otpauth;
use otpkit::settings::{EmailSettings, HotpSettings, StaticSettings, TotpSettings};
use otpkit::{
    Engine, KeyRing, ManualClock, MemoryStore, Rejection, SecretBytes, Settings, Timestamp, UserId,
    VerifyOutcome,
};

struct T {
    e: Engine,
    store: MemoryStore,
    mailer: MemoryMailer,
    alice: UserId,
    bob: UserId,
}

/// Throttle factors 0, so that consecutive rows are each evaluated (the count still rises).
fn setup() -> T {
    let store = MemoryStore::new();
    let mailer = MemoryMailer::new();
    let settings = Settings {
        totp: TotpSettings {
            throttle_factor: 0,
            ..Default::default()
        },
        hotp: HotpSettings {
            throttle_factor: 0,
            ..Default::default()
        },
        static_codes: StaticSettings {
            throttle_factor: 0,
            ..Default::default()
        },
        email: EmailSettings {
            throttle_factor: 0,
            ..Default::default()
        },
        ..Settings::default()
    };
    let e = Engine::builder(store.clone(), KeyRing::random("k1").unwrap())
        .settings(settings)
        .clock(ManualClock::new(Timestamp::from_secs(1_000_000)))
        .mailer(mailer.clone())
        .build()
        .unwrap();
    T {
        e,
        store,
        mailer,
        alice: UserId::new("alice").unwrap(),
        bob: UserId::new("bob").unwrap(),
    }
}

/// The hostile token inputs of the issue and of docs/behaviour.md §4.4/§5.3 (every one malformed
/// for every kind), with a name for the failure message.
fn hostile_tokens() -> Vec<(&'static str, String)> {
    vec![
        ("empty", String::new()),
        ("whitespace only", " \t\r\n ".to_owned()),
        ("1 MiB", "1".repeat(1 << 20)),
        ("65 bytes", "1".repeat(65)),
        ("NUL first", "\x00123456".to_owned()),
        ("NUL last", "123456\0".to_owned()),
        ("Arabic-Indic digits", "١٢٣٤٥٦".to_owned()),
        ("full-width digits", "１２３４５６".to_owned()),
        ("plus sign", "+123456".to_owned()),
        ("underscore", "1_23456".to_owned()),
        ("decimal", "123456.99".to_owned()),
        ("negative", "-123456".to_owned()),
        ("exponent", "1e5".to_owned()),
        ("hex", "0x1E240".to_owned()),
        ("SQL", "' OR '1'='1' --".to_owned()),
        ("SQL 2", "1; DROP TABLE otpkit_device".to_owned()),
        ("HTML", "<script>alert(1)</script>".to_owned()),
        ("replacement char", "\u{FFFD}\u{FFFD}\u{FFFD}".to_owned()),
        ("vertical tab", "\u{B}123456".to_owned()),
        ("no-break space", "123\u{A0}456".to_owned()),
    ]
}

/// `r` with the throttle and version of `like`: the record minus what a failure changes.
fn minus_failure(r: &DeviceRecord, like: &DeviceRecord) -> DeviceRecord {
    let mut r = r.clone();
    r.throttle = like.throttle;
    r.version = like.version;
    r
}

async fn rec(t: &T, pid: &str) -> DeviceRecord {
    t.e.from_persistent_id(pid)
        .await
        .unwrap()
        .unwrap()
        .record()
        .clone()
}

/// REQ-07 on `verify_token`: every hostile token on every built-in kind is `Rejected(Malformed)`,
/// computes no HMAC, and changes nothing but `failure_count + 1` (and the failure instant).
#[tokio::test]
async fn verify_token_rejects_hostile_tokens_with_one_failure_each() {
    let t = setup();
    let key = SecretBytes::new(b"12345678901234567890".to_vec());
    let totp =
        t.e.create_totp(
            &t.alice,
            TotpOptions {
                key: Some(key.clone()),
                ..TotpOptions::default()
            },
        )
        .await
        .unwrap()
        .persistent_id();
    let hotp =
        t.e.create_hotp(
            &t.alice,
            HotpOptions {
                key: Some(key),
                ..HotpOptions::default()
            },
        )
        .await
        .unwrap()
        .persistent_id();
    let email =
        t.e.create_email(&t.alice, None, Some("a@example.com".into()), true)
            .await
            .unwrap()
            .persistent_id();
    let out =
        t.e.generate_challenge(&t.alice, &email, &ChallengeOptions::default())
            .await
            .unwrap();
    assert!(matches!(out, ChallengeOutcome::Sent { .. }));
    assert_eq!(t.mailer.messages().len(), 1);
    let (st, _codes) = t.e.generate_backup_codes(&t.alice, None).await.unwrap();
    let st = st.persistent_id();
    for pid in [&totp, &hotp, &email, &st] {
        for (name, token) in hostile_tokens() {
            let before = rec(&t, pid).await;
            let h0 = hmac_count();
            let out =
                t.e.verify_token_detailed(Some(&t.alice), pid, &token, &VerifyOptions::default())
                    .await
                    .unwrap();
            // A static code drops `-` and is `[a-z0-9]{6,16}` (docs/behaviour.md §5.3): `-123456`
            // and `0x1E240` are well-formed (and wrong) backup codes.
            let want = if *pid == st && matches!(name, "negative" | "hex") {
                Rejection::Invalid
            } else {
                Rejection::Malformed
            };
            assert!(
                matches!(out, VerifyOutcome::Rejected(r) if r == want),
                "{pid} {name}: {out:?}"
            );
            assert_eq!(
                hmac_count(),
                h0,
                "{pid} {name}: an OATH HMAC for a malformed token"
            );
            let after = rec(&t, pid).await;
            assert_eq!(
                after.throttle.failure_count,
                before.throttle.failure_count + 1,
                "{pid} {name}"
            );
            assert_eq!(after.version, before.version + 1, "{pid} {name}: one write");
            assert!(
                minus_failure(&after, &before) == before,
                "{pid} {name}: more than the failure count changed"
            );
        }
    }
    // Nothing was sent or generated along the way.
    assert_eq!(t.mailer.messages().len(), 1);
}

/// REQ-07 on `match_token` and `confirm_device`: the same tokens are one failure on each
/// evaluated device and nothing else.
#[tokio::test]
async fn match_token_and_confirm_device_reject_hostile_tokens() {
    let t = setup();
    let totp =
        t.e.create_totp(&t.alice, TotpOptions::default())
            .await
            .unwrap()
            .persistent_id();
    let (st, _) = t.e.generate_backup_codes(&t.alice, None).await.unwrap();
    let st = st.persistent_id();
    let enrolling =
        t.e.create_totp(
            &t.alice,
            TotpOptions {
                unconfirmed: true,
                ..TotpOptions::default()
            },
        )
        .await
        .unwrap()
        .persistent_id();
    for (name, token) in hostile_tokens() {
        let before: Vec<DeviceRecord> = t.store.dump().unwrap();
        assert!(
            t.e.match_token(Some(&t.alice), &token)
                .await
                .unwrap()
                .is_none(),
            "{name}"
        );
        let after: Vec<DeviceRecord> = t.store.dump().unwrap();
        for (b, a) in before.iter().zip(&after) {
            let evaluated = b.confirmed; // the unconfirmed device is not considered
            let n = u32::from(evaluated);
            assert_eq!(
                a.throttle.failure_count,
                b.throttle.failure_count + n,
                "{name} {}",
                b.persistent_id()
            );
            assert!(minus_failure(a, b) == *b, "{name} {}", b.persistent_id());
        }
        let before = rec(&t, &enrolling).await;
        let out =
            t.e.confirm_device(&t.alice, &enrolling, &token, &VerifyOptions::default())
                .await
                .unwrap();
        assert!(
            matches!(out, VerifyOutcome::Rejected(Rejection::Malformed)),
            "{name}: {out:?}"
        );
        let after = rec(&t, &enrolling).await;
        assert_eq!(
            after.throttle.failure_count,
            before.throttle.failure_count + 1
        );
        assert!(!after.confirmed, "{name}");
        assert!(minus_failure(&after, &before) == before, "{name}");
    }
    let _ = (totp, st);
}

/// docs/behaviour.md §1.6 / §3: hostile persistent ids — non-device models, other kinds, other
/// users' devices, legacy ids (rewritten by the middleware only), syntax errors — are `NotFound`
/// for verification and `Error::NotFound` for every administrative call, and nothing changes.
#[tokio::test]
async fn hostile_persistent_ids_are_not_found_and_change_nothing() {
    let t = setup();
    let totp =
        t.e.create_totp(&t.alice, TotpOptions::default())
            .await
            .unwrap();
    let bobs =
        t.e.create_totp(&t.bob, TotpOptions::default())
            .await
            .unwrap();
    let id = totp.id();
    let rows: Vec<String> = vec![
        String::new(),
        " ".into(),
        "\0".into(),
        format!("otp_totp.totpdevice/{id}\0"),
        format!("auth.user/{id}"),
        format!("otp_hotp.hotpdevice/{id}"),
        format!("otp_static.staticdevice/{id}"),
        format!("django_otp.plugins.otp_totp.models.TOTPDevice/{id}"),
        "otp_totp.totpdevice/0".into(),
        "otp_totp.totpdevice/-1".into(),
        format!("otp_totp.totpdevice/+{id}"),
        format!("otp_totp.totpdevice/0{id}"),
        "otp_totp.totpdevice/9223372036854775808".into(),
        "otp_totp.totpdevice/١".into(),
        "otp_totp.totpdevice/１".into(),
        format!("otp_totp.totpdevice/{id} OR 1=1"),
        format!("otp_totp.totpdevice/{id}; DROP TABLE otpkit_device"),
        "<script>alert(1)</script>/1".into(),
        format!("{}.x/{id}", "a".repeat(125)),
        format!("otp_totp.totpdevice/{id}/"),
        "otp_totp.totpdevice/424242".into(),
    ];
    let snapshot = t.store.dump().unwrap();
    for pid in &rows {
        let out =
            t.e.verify_token_detailed(Some(&t.alice), pid, "123456", &VerifyOptions::default())
                .await
                .unwrap();
        assert!(matches!(out, VerifyOutcome::NotFound), "{pid:?}: {out:?}");
        let out =
            t.e.confirm_device(&t.alice, pid, "123456", &VerifyOptions::default())
                .await
                .unwrap();
        assert!(matches!(out, VerifyOutcome::NotFound), "{pid:?}: {out:?}");
        assert!(
            t.e.from_persistent_id(pid).await.unwrap().is_none(),
            "{pid:?}"
        );
        let out =
            t.e.generate_challenge(&t.alice, pid, &ChallengeOptions::default())
                .await
                .unwrap();
        assert!(
            matches!(out, ChallengeOutcome::NotFound),
            "{pid:?}: {out:?}"
        );
        for (what, r) in [
            ("rename", t.e.rename(pid, "x").await.map(drop)),
            ("remove", t.e.remove(pid).await.map(drop)),
            ("confirm", t.e.confirm(pid).await.map(drop)),
            ("throttle_reset", t.e.throttle_reset(pid).await.map(drop)),
            ("unlock", t.e.unlock(pid).await.map(drop)),
            ("config_url", t.e.config_url(pid).await.map(drop)),
            (
                "generate_token",
                t.e.generate_token(pid, 6, 300).await.map(drop),
            ),
        ] {
            let e = r.expect_err(what);
            assert_eq!(format!("{e:?}"), "NotFound", "{what} {pid:?}");
        }
        assert_eq!(
            t.store.dump().unwrap(),
            snapshot,
            "{pid:?} changed something"
        );
    }
    // Another user's device: NotFound for alice, and nothing changes.
    let out =
        t.e.verify_token_detailed(
            Some(&t.alice),
            &bobs.persistent_id(),
            "123456",
            &VerifyOptions::default(),
        )
        .await
        .unwrap();
    assert!(matches!(out, VerifyOutcome::NotFound));
    let out =
        t.e.generate_challenge(
            &t.alice,
            &bobs.persistent_id(),
            &ChallengeOptions::default(),
        )
        .await
        .unwrap();
    assert!(matches!(out, ChallengeOutcome::NotFound));
    assert_eq!(t.store.dump().unwrap(), snapshot);
    // Anonymous: NotFound.
    let out =
        t.e.verify_token_detailed(
            None,
            &totp.persistent_id(),
            "123456",
            &VerifyOptions::default(),
        )
        .await
        .unwrap();
    assert!(matches!(out, VerifyOutcome::NotFound));
    assert_eq!(t.store.dump().unwrap(), snapshot);
}

/// docs/behaviour.md §5.7, REQ-01: user-typed base32 and hex secrets; each row is the exact
/// `SecretError`.
#[test]
fn secret_import_rows() {
    let b32 = |s: &str| {
        decode_base32_key(s)
            .map(|k| k.len())
            .map_err(|e| format!("{e:?}"))
    };
    let rows: Vec<(String, Result<usize, &str>)> = vec![
        ("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ".into(), Ok(20)),
        ("gezd gnbv-gy3t qojq gezd gnbv gy3t qojq".into(), Ok(20)),
        (String::new(), Err("Empty")),
        ("   ".into(), Err("Empty")),
        ("- -".into(), Err("Empty")),
        ("====".into(), Err("Padding")),
        ("A".repeat(1025), Err("InputTooLong { max: 1024 }")),
        ("A".repeat(1 << 20), Err("InputTooLong { max: 1024 }")),
        (
            "GEZDGNBVGY3TQOJQ".into(),
            Err("SecretTooShort { len: 10, min: 16 }"),
        ),
        (
            "AAAAAAAAAAAAAAAAAAAAAAAA".into(),
            Err("SecretTooShort { len: 15, min: 16 }"),
        ),
        ("A".repeat(104), Err("SecretTooLong { len: 65, max: 64 }")),
        (
            "GEZDGNBVGY3TQOJ0".into(),
            Err("InvalidCharacter { position: 15 }"),
        ),
        ("GEZD1".into(), Err("InvalidCharacter { position: 4 }")),
        ("\0GEZD".into(), Err("InvalidCharacter { position: 0 }")),
        ("ＧＥＺＤ".into(), Err("InvalidCharacter { position: 0 }")),
        ("١٢٣".into(), Err("InvalidCharacter { position: 0 }")),
        (
            "' OR 1=1 --".into(),
            Err("InvalidCharacter { position: 0 }"),
        ),
        ("<script>".into(), Err("InvalidCharacter { position: 0 }")),
        ("GEZD\tGNBV".into(), Err("InvalidCharacter { position: 4 }")),
        ("MF=RGG".into(), Err("Padding")),
        ("MFRGG=".into(), Err("Padding")),
        ("MFRGH".into(), Err("TrailingBits")),
        ("MFRGGZ".into(), Err("Base32Length")),
        ("A".into(), Err("Base32Length")),
    ];
    for (input, want) in rows {
        let shown: String = input.chars().take(40).collect();
        assert_eq!(b32(&input), want.map_err(str::to_owned), "{shown:?}");
    }
    let hex = |s: &str| {
        decode_hex_secret(s)
            .map(|k| k.len())
            .map_err(|e| format!("{e:?}"))
    };
    let rows: Vec<(String, Result<usize, &str>)> = vec![
        ("3132333435363738393031323334353637383930".into(), Ok(20)),
        ("ABCDEFABCDEFABCDEFABCDEFABCDEFAB".into(), Ok(16)),
        (String::new(), Err("Empty")),
        ("abc".into(), Err("OddHexLength")),
        ("0".repeat(31), Err("OddHexLength")),
        (
            "0".repeat(30),
            Err("HexLength { digits: 30, min: 32, max: 128 }"),
        ),
        (
            "0".repeat(130),
            Err("HexLength { digits: 130, min: 32, max: 128 }"),
        ),
        ("0".repeat(1025), Err("InputTooLong { max: 1024 }")),
        (
            format!("{}g", "0".repeat(31)),
            Err("InvalidHexCharacter { position: 31 }"),
        ),
        (
            format!("0x{}", "0".repeat(32)),
            Err("InvalidHexCharacter { position: 1 }"),
        ),
        (
            format!(" {}", "0".repeat(32)),
            Err("InvalidHexCharacter { position: 0 }"),
        ),
        ("\0".repeat(32), Err("InvalidHexCharacter { position: 0 }")),
        ("١".repeat(32), Err("InvalidHexCharacter { position: 0 }")),
        ("-".repeat(32), Err("InvalidHexCharacter { position: 0 }")),
    ];
    for (input, want) in rows {
        assert_eq!(hex(&input), want.map_err(str::to_owned), "{input:?}");
    }
}

/// docs/behaviour.md §5.5: malformed otpauth URIs; each row is the exact `UriError`, and importing
/// one through the engine creates nothing.
#[tokio::test]
async fn malformed_otpauth_uris() {
    const S: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    let rows: Vec<(String, &str)> = vec![
        (String::new(), "Prefix"),
        ("otpauth://".into(), "Prefix"),
        ("OTPAUTH://totp/a?secret=x".into(), "Prefix"),
        ("otpauth://TOTP/a?secret=x".into(), "Prefix"),
        ("http://totp/a".into(), "Prefix"),
        (
            "otpauth://totp/a?secret=".to_owned() + &"A".repeat(2100),
            "TooLong { max: 2048 }",
        ),
        (format!("otpauth://totp/a?secret={S}#frag"), "Fragment"),
        (format!("otpauth://totp/a b?secret={S}"), "InvalidCharacter"),
        (format!("otpauth://totp/a\0?secret={S}"), "InvalidCharacter"),
        (format!("otpauth://totp/é?secret={S}"), "InvalidCharacter"),
        (format!("otpauth://totp/a:b:c?secret={S}"), "LabelColon"),
        (format!("otpauth://totp/?secret={S}"), "EmptyAccount"),
        (format!("otpauth://totp/iss:?secret={S}"), "EmptyAccount"),
        (format!("otpauth://totp/:acct?secret={S}"), "EmptyIssuer"),
        (format!("otpauth://totp/a%zz?secret={S}"), "PercentEncoding"),
        (format!("otpauth://totp/a%?secret={S}"), "PercentEncoding"),
        (format!("otpauth://totp/a%FF?secret={S}"), "Utf8"),
        (
            format!("otpauth://totp/a%00?secret={S}"),
            "ControlCharacter",
        ),
        ("otpauth://totp/a".into(), "MissingSecret"),
        ("otpauth://totp/a?issuer=x".into(), "MissingSecret"),
        (
            format!("otpauth://totp/a?secret={S}&secret={S}"),
            "DuplicateParameter { name: \"secret\" }",
        ),
        (
            "otpauth://totp/a?secret=GEZD0".into(),
            "Secret(InvalidCharacter { position: 4 })",
        ),
        (
            "otpauth://totp/a?secret=GEZDGNBVGY3TQOJQ".into(),
            "Secret(SecretTooShort { len: 10, min: 16 })",
        ),
        (
            format!("otpauth://totp/a?secret={S}&algorithm=MD5"),
            "Algorithm",
        ),
        (
            format!("otpauth://totp/a?secret={S}&algorithm=sha1"),
            "Algorithm",
        ),
        (format!("otpauth://totp/a?secret={S}&digits=9"), "Digits"),
        (format!("otpauth://totp/a?secret={S}&digits=+6"), "Digits"),
        (
            format!("otpauth://totp/a?secret={S}&period=0"),
            "Period { max: 120 }",
        ),
        (
            format!("otpauth://totp/a?secret={S}&period=121"),
            "Period { max: 120 }",
        ),
        (
            format!("otpauth://totp/a?secret={S}&period=-30"),
            "Period { max: 120 }",
        ),
        (
            format!("otpauth://totp/a?secret={S}&period=30.5"),
            "Period { max: 120 }",
        ),
        (format!("otpauth://hotp/a?secret={S}"), "MissingCounter"),
        (format!("otpauth://hotp/a?secret={S}&counter=-1"), "Counter"),
        (
            format!("otpauth://hotp/a?secret={S}&counter=9223372036854775808"),
            "Counter",
        ),
        (
            format!("otpauth://totp/x:a?secret={S}&issuer=y"),
            "IssuerMismatch",
        ),
    ];
    let t = setup();
    for (uri, want) in rows {
        let got = otpauth::parse(&uri).map(drop).map_err(|e| format!("{e:?}"));
        let shown: String = uri.chars().take(60).collect();
        assert_eq!(got, Err(want.to_owned()), "{shown:?}");
    }
    assert!(t.store.dump().unwrap().is_empty());
}

/// docs/behaviour.md §2.1, §5.1–5.4, §3: creation, naming and batch options; each row is the exact
/// error and nothing is stored (or renamed).
#[tokio::test]
async fn creation_and_management_options_are_checked() {
    let t = setup();
    let k = |n: usize| Some(SecretBytes::new(vec![7; n]));
    let totp_rows: Vec<(TotpOptions, &str)> = vec![
        (
            TotpOptions {
                digits: Some(5),
                ..TotpOptions::default()
            },
            "InvalidOption { name: \"digits\", reason: \"must be 6, 7 or 8\" }",
        ),
        (
            TotpOptions {
                digits: Some(9),
                ..TotpOptions::default()
            },
            "InvalidOption { name: \"digits\", reason: \"must be 6, 7 or 8\" }",
        ),
        (
            TotpOptions {
                step: Some(0),
                ..TotpOptions::default()
            },
            "InvalidOption { name: \"step\", reason: \"must be 1 to 120 seconds\" }",
        ),
        (
            TotpOptions {
                step: Some(121),
                ..TotpOptions::default()
            },
            "InvalidOption { name: \"step\", reason: \"must be 1 to 120 seconds\" }",
        ),
        (
            TotpOptions {
                tolerance: Some(11),
                ..TotpOptions::default()
            },
            "InvalidOption { name: \"tolerance\", reason: \"must be 0 to 10 steps\" }",
        ),
        (
            TotpOptions {
                key: k(15),
                ..TotpOptions::default()
            },
            "Secret(SecretTooShort { len: 15, min: 16 })",
        ),
        (
            TotpOptions {
                key: k(0),
                ..TotpOptions::default()
            },
            "Secret(SecretTooShort { len: 0, min: 16 })",
        ),
        (
            TotpOptions {
                key: k(65),
                ..TotpOptions::default()
            },
            "Secret(SecretTooLong { len: 65, max: 64 })",
        ),
        (
            TotpOptions {
                name: Some("x".repeat(65)),
                ..TotpOptions::default()
            },
            "InvalidName(TooLong)",
        ),
        (
            TotpOptions {
                name: Some("a\0b".into()),
                ..TotpOptions::default()
            },
            "InvalidName(ControlCharacter)",
        ),
        (
            TotpOptions {
                name: Some("a\u{7f}".into()),
                ..TotpOptions::default()
            },
            "InvalidName(ControlCharacter)",
        ),
    ];
    for (o, want) in totp_rows {
        let e = t.e.create_totp(&t.alice, o).await.unwrap_err();
        assert_eq!(format!("{e:?}"), want);
    }
    let hotp_rows: Vec<(HotpOptions, &str)> = vec![
        (
            HotpOptions {
                tolerance: Some(21),
                ..HotpOptions::default()
            },
            "InvalidOption { name: \"tolerance\", reason: \"must be 0 to 20 counters\" }",
        ),
        (
            HotpOptions {
                counter: Some(1 << 63),
                ..HotpOptions::default()
            },
            "InvalidOption { name: \"counter\", reason: \"must be 0 to 2^63-1\" }",
        ),
        (
            HotpOptions {
                counter: Some(u64::MAX),
                ..HotpOptions::default()
            },
            "InvalidOption { name: \"counter\", reason: \"must be 0 to 2^63-1\" }",
        ),
        (
            HotpOptions {
                digits: Some(0),
                ..HotpOptions::default()
            },
            "InvalidOption { name: \"digits\", reason: \"must be 6, 7 or 8\" }",
        ),
        (
            HotpOptions {
                key: k(15),
                algorithm: Some(Algorithm::Sha512),
                ..HotpOptions::default()
            },
            "Secret(SecretTooShort { len: 15, min: 16 })",
        ),
    ];
    for (o, want) in hotp_rows {
        let e = t.e.create_hotp(&t.alice, o).await.unwrap_err();
        assert_eq!(format!("{e:?}"), want);
    }
    let email_err = "InvalidOption { name: \"email\", reason: \"must be an address of at most 254 characters\" }";
    for email in [
        format!("{}@example.com", "a".repeat(243)),
        "no-at-sign".into(),
        "a b@example.com".into(),
        "a@example.com\0".into(),
        "a@example.com\r\nBcc: x@evil".into(),
        "\u{2028}@x".into(),
    ] {
        let e =
            t.e.create_email(&t.alice, None, Some(email.clone()), true)
                .await
                .unwrap_err();
        assert_eq!(format!("{e:?}"), email_err, "{email:?}");
    }
    for n in [0usize, 51, usize::MAX] {
        let e =
            t.e.generate_backup_codes(&t.alice, Some(n))
                .await
                .unwrap_err();
        assert_eq!(
            format!("{e:?}"),
            "InvalidOption { name: \"count\", reason: \"must be 1 to 50 codes\" }"
        );
    }
    assert!(
        t.store.dump().unwrap().is_empty(),
        "a refused creation stored something"
    );

    // Explicit static tokens (addstatictoken -t): exact errors; a refused token creates no
    // device, and the device (created on first use) keeps exactly the accepted codes.
    for token in ["", "abc", "' or 1=1", "ａｂｃ１２３"] {
        let e =
            t.e.add_static_token(&t.alice, Some(token))
                .await
                .unwrap_err();
        assert_eq!(format!("{e:?}"), "MalformedToken", "{token:?}");
        assert!(
            t.store.dump().unwrap().is_empty(),
            "{token:?} created a device"
        );
    }
    let (dev, _) =
        t.e.add_static_token(&t.alice, Some("abc123"))
            .await
            .unwrap();
    let pid = dev.persistent_id();
    for (token, want) in [
        ("", "MalformedToken"),
        ("abc12", "MalformedToken"),
        ("abcdefghij0123456", "MalformedToken"),
        ("ABC123", "DuplicateToken"),
        ("abc-123", "DuplicateToken"),
        ("' or 1=1", "MalformedToken"),
        ("<script>", "MalformedToken"),
        ("١٢٣٤٥٦", "MalformedToken"),
        ("ａｂｃ１２３", "MalformedToken"),
        ("abc\x00123", "MalformedToken"),
        ("abc_123", "MalformedToken"),
    ] {
        let before = rec(&t, &pid).await;
        let e =
            t.e.add_static_token(&t.alice, Some(token))
                .await
                .unwrap_err();
        assert_eq!(format!("{e:?}"), want, "{token:?}");
        assert!(
            rec(&t, &pid).await == before,
            "{token:?} changed the device"
        );
    }
    let huge = "a".repeat(1 << 20);
    let e =
        t.e.add_static_token(&t.alice, Some(&huge))
            .await
            .unwrap_err();
    assert_eq!(format!("{e:?}"), "MalformedToken");

    // Names: refused with the exact error and the name kept; HTML is only text.
    let totp =
        t.e.create_totp(&t.alice, TotpOptions::default())
            .await
            .unwrap();
    let tp = totp.persistent_id();
    for (name, want) in [
        ("x".repeat(65), Some("InvalidName(TooLong)")),
        ("é".repeat(65), Some("InvalidName(TooLong)")),
        ("tab\there".into(), Some("InvalidName(ControlCharacter)")),
        ("nul\0".into(), Some("InvalidName(ControlCharacter)")),
        ("line\nbreak".into(), Some("InvalidName(ControlCharacter)")),
        ("é".repeat(64), None),
        ("<script>alert(1)</script>".into(), None),
        ("'; DROP TABLE otpkit_device; --".into(), None),
        (String::new(), None),
    ] {
        let before = rec(&t, &tp).await;
        match (t.e.rename(&tp, &name).await, want) {
            (Err(e), Some(w)) => {
                assert_eq!(format!("{e:?}"), w);
                assert!(rec(&t, &tp).await == before);
            }
            (Ok(d), None) => assert_eq!(d.name(), name),
            (r, w) => panic!("{name:?}: {r:?}, wanted {w:?}"),
        }
    }

    // Side-channel token arguments and a passive device.
    let email =
        t.e.create_email(&t.alice, None, None, true)
            .await
            .unwrap()
            .persistent_id();
    for (len, secs, want, text) in [
        (
            5u8,
            300u32,
            "Kind(InvalidArgument(TokenLength(5)))",
            "invalid argument: token length must be 6 to 8 digits, not 5",
        ),
        (
            9,
            300,
            "Kind(InvalidArgument(TokenLength(9)))",
            "invalid argument: token length must be 6 to 8 digits, not 9",
        ),
        (
            6,
            0,
            "Kind(InvalidArgument(TokenValidity(0)))",
            "invalid argument: token validity must be 1 to 600 seconds, not 0",
        ),
        (
            6,
            601,
            "Kind(InvalidArgument(TokenValidity(601)))",
            "invalid argument: token validity must be 1 to 600 seconds, not 601",
        ),
    ] {
        let before = rec(&t, &email).await;
        let e = t.e.generate_token(&email, len, secs).await.unwrap_err();
        assert_eq!(format!("{e:?}"), want);
        assert_eq!(e.to_string(), text);
        assert!(rec(&t, &email).await == before);
    }
    let e = t.e.generate_token(&tp, 6, 300).await.unwrap_err();
    assert_eq!(format!("{e:?}"), "WrongKind(\"TOTP device\")");
}

/// docs/behaviour.md §1.1: hostile user ids are typed errors.
#[test]
fn hostile_user_ids() {
    for (id, want) in [
        (String::new(), "Empty"),
        ("x".repeat(256), "TooLong"),
        ("é".repeat(128), "TooLong"),
        ("a\0".into(), "ControlCharacter"),
        ("a\u{7f}".into(), "ControlCharacter"),
        ("a\nb".into(), "ControlCharacter"),
    ] {
        let e = UserId::new(id.clone()).unwrap_err();
        assert_eq!(format!("{e:?}"), want, "{id:?}");
    }
    for ok in [
        "x".repeat(255),
        "' OR 1=1 --".into(),
        "<b>".into(),
        "١٢٣".into(),
    ] {
        assert!(UserId::new(ok.clone()).is_ok(), "{ok:?}");
    }
}
