//! Imported devices ([`DeviceStore::import`]): persistent ids kept, all or nothing, never
//! reused, and verified exactly once under concurrency through their imported ids.

use std::sync::Arc;

use super::{engines, insert, no_throttle, repetitions, user};
use crate::clock::Timestamp;
use crate::engine::{ImportDevice, ImportKind, VerifyOptions, VerifyOutcome};
use crate::oath::{Algorithm, Digits, OathKey};
use crate::record::{DeviceRecord, ThrottleState};
use crate::secret::{SecretBytes, SecretString};
use crate::settings::Settings;
use crate::store::{DeviceStore, DeviceStoreExt, ImportedDevice, StoreError, Write};

fn row(label: &str, imported_id: i64) -> ImportedDevice {
    ImportedDevice {
        imported_id,
        model_label: label.into(),
        name: format!("{label} {imported_id}"),
        confirmed: imported_id % 2 == 1,
        created_at: Timestamp::from_millis(1_600_000_000_123),
        last_used_at: Some(Timestamp::from_millis(1_600_000_100_456)),
        throttle: ThrottleState {
            failure_count: 3,
            failure_timestamp: Some(Timestamp::from_millis(1_600_000_200_789)),
        },
        last_generated_at: Some(Timestamp::from_millis(1_600_000_300_000)),
        state: format!("{{\"imported\":{imported_id}}}"),
    }
}

/// The same number under two labels, every field kept, the persistent id the imported one,
/// found by `get_imported` (and not under another label), version 0.
pub async fn import_keeps_persistent_ids(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let u = user("ivan");
    let rows = vec![
        row("otp_totp.totpdevice", 7),
        row("otp_static.staticdevice", 7),
    ];
    let stored = a.import(&u, rows.clone()).await.unwrap();
    assert_eq!(stored.len(), 2);
    for (rec, want) in stored.iter().zip(rows) {
        assert_eq!(rec.persistent_id(), want.persistent_id());
        let expect = DeviceRecord {
            id: rec.id,
            ..want.clone().into_record(&u, rec.id)
        };
        assert_eq!(rec, &expect);
        let found = b.get_imported(&want.model_label, 7).await.unwrap();
        assert_eq!(found.as_ref(), Some(&expect), "{}", want.persistent_id());
        assert_eq!(b.get(rec.id).await.unwrap().as_ref(), Some(&expect));
    }
    assert!(
        b.get_imported("otp_hotp.hotpdevice", 7)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        b.get_imported("otp_totp.totpdevice", 8)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(b.list_for_user(&u).await.unwrap().len(), 2);
    // A transition keeps the imported id, whatever the closure does to it.
    let id = stored[0].id;
    let done = b
        .transition(id, |r| {
            r.imported_id = Some(99);
            r.name = "renamed".into();
            (Write::Update, ())
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.record.imported_id, Some(7));
    let again = a.get(id).await.unwrap().unwrap();
    assert_eq!(
        (again.imported_id, again.name.as_str(), again.version),
        (Some(7), "renamed", 1)
    );
}

/// One taken persistent id — imported before, or a device created here with that id and
/// label — fails the whole call and stores nothing; an invalid row is refused up front.
pub async fn import_is_all_or_nothing(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let u = user("judy");
    a.import(&u, vec![row("otp_totp.totpdevice", 3)])
        .await
        .unwrap();
    let native = insert(b.as_ref(), "judy", "otp_hotp.hotpdevice", true, 0).await;
    let before = a.list_for_user(&u).await.unwrap();
    for taken in [
        row("otp_totp.totpdevice", 3),
        row("otp_hotp.hotpdevice", native.id),
    ] {
        let pid = taken.persistent_id();
        let err = b
            .import(&u, vec![row("otp_email.emaildevice", 40), taken])
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::IdTaken { persistent_id } if *persistent_id == pid),
            "{err:?}"
        );
        assert_eq!(a.list_for_user(&u).await.unwrap(), before, "nothing stored");
    }
    for bad in [
        vec![row("otp_totp.totpdevice", 0)],
        vec![
            row("otp_totp.totpdevice", 41),
            row("otp_totp.totpdevice", 41),
        ],
        vec![ImportedDevice {
            name: "x".repeat(65),
            ..row("otp_totp.totpdevice", 42)
        }],
    ] {
        let err = a.import(&u, bad).await.unwrap_err();
        assert!(matches!(err, StoreError::InvalidImport(_)), "{err:?}");
    }
    assert_eq!(a.list_for_user(&u).await.unwrap(), before);
    // The same number under the native device's id but another label is free.
    b.import(&u, vec![row("otp_totp.totpdevice", native.id)])
        .await
        .unwrap();
}

/// After an import, devices created here get ids above every imported id, on both
/// instances: a new device never takes an imported persistent id.
pub async fn imported_ids_are_never_reused(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let u = user("kim");
    a.import(&u, vec![row("otp_totp.totpdevice", 5000)])
        .await
        .unwrap();
    for s in [&a, &b] {
        let rec = insert(s.as_ref(), "kim", "otp_totp.totpdevice", true, 0).await;
        assert!(rec.id > 5000, "new id {} after importing 5000", rec.id);
        assert_eq!(rec.imported_id, None);
    }
    // A lower imported id later does not lower the ids of new devices.
    a.import(&u, vec![row("otp_totp.totpdevice", 12)])
        .await
        .unwrap();
    let rec = insert(b.as_ref(), "kim", "otp_totp.totpdevice", true, 0).await;
    assert!(rec.id > 5000);
}

/// Concurrent imports of the same devices: exactly one stores them.
pub async fn concurrent_imports_store_once(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    for rep in 0..repetitions().div_ceil(10) {
        let u = user(&format!("liz{rep}"));
        let rows = vec![
            row("otp_totp.totpdevice", 100 + rep as i64),
            row("otp_static.staticdevice", 100 + rep as i64),
        ];
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let s = if i % 2 == 0 { a.clone() } else { b.clone() };
                let (u, rows) = (u.clone(), rows.clone());
                tokio::spawn(async move { s.import(&u, rows).await.is_ok() })
            })
            .collect();
        let mut ok = 0;
        for t in tasks {
            ok += usize::from(t.await.unwrap());
        }
        assert_eq!(ok, 1, "rep {rep}: exactly one import succeeds");
        assert_eq!(a.list_for_user(&u).await.unwrap().len(), 2, "rep {rep}");
    }
}

/// An imported TOTP device (legacy 10-byte key, `last_t` set) and static codes in odd
/// spellings verify through their imported persistent ids: N concurrent uses of one code
/// over both instances → exactly one accepted; the step `last_t` names stays refused.
pub async fn imported_devices_verify_once(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    for account in [false, true] {
        let mut settings: Settings = no_throttle();
        settings.throttle.account_throttling = account;
        let p = engines(a.clone(), b.clone(), settings);
        let key: &[u8] = b"0123456789";
        let oath = OathKey::new(Algorithm::Sha1, key);
        let reps = repetitions().div_ceil(10);
        for rep in 0..reps {
            let u = user(&format!("mo{account}{rep}"));
            let now = super::otpkit_now(&p.clock).as_secs();
            let t = now / 30;
            let n = 1000 + rep as i64 * 2 + i64::from(account) * 500;
            let devices = vec![
                ImportDevice {
                    imported_id: n,
                    name: "Phone".into(),
                    confirmed: true,
                    created_at: Timestamp::from_secs(now - 3600),
                    last_used_at: None,
                    throttle: ThrottleState::default(),
                    last_generated_at: None,
                    kind: ImportKind::Totp {
                        key: SecretBytes::new(key.to_vec()),
                        step: 30,
                        t0: 0,
                        digits: 6,
                        tolerance: 1,
                        drift: 0,
                        last_t: t - 1,
                    },
                },
                ImportDevice {
                    imported_id: n,
                    name: "Backup".into(),
                    confirmed: true,
                    created_at: Timestamp::from_secs(now - 3600),
                    last_used_at: None,
                    throttle: ThrottleState::default(),
                    last_generated_at: None,
                    kind: ImportKind::Static {
                        codes: ["tok_en!", "ABCD1234"].map(SecretString::from).to_vec(),
                    },
                },
            ];
            let stored = p.a.import_devices(&u, devices).await.unwrap();
            let totp = format!("otp_totp.totpdevice/{n}");
            assert_eq!(stored[0].persistent_id(), totp);
            assert_eq!(p.a.info(&stored[0]).unwrap()["legacy_key"], true);
            let old = crate::oath::totp_at(&oath, t - 1, Digits::SIX).unwrap();
            let out =
                p.b.verify_token(Some(&u), &totp, old.expose())
                    .await
                    .unwrap();
            assert!(
                out.is_none(),
                "the step django-otp last accepted stays refused"
            );
            let code = crate::oath::totp_at(&oath, t, Digits::SIX).unwrap();
            let accepted = race(&p, &u, &totp, code.expose()).await;
            assert_eq!(accepted, 1, "account={account} rep {rep}");
            let stat = format!("otp_static.staticdevice/{n}");
            for (typed, want) in [("tok_en!", 1), (" abcd1234 ", 1), ("tok_en!", 0)] {
                assert_eq!(race(&p, &u, &stat, typed).await, want, "{typed}");
            }
        }
    }
}

/// 20 concurrent verifications of `token` on `pid` over both engines; how many accepted.
async fn race(p: &super::Pair, u: &crate::user::UserId, pid: &str, token: &str) -> usize {
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let e = if i % 2 == 0 { p.a.clone() } else { p.b.clone() };
            let (u, pid, token) = (u.clone(), pid.to_owned(), token.to_owned());
            tokio::spawn(async move {
                let o = e
                    .verify_token_detailed(Some(&u), &pid, &token, &VerifyOptions::default())
                    .await
                    .unwrap();
                matches!(o, VerifyOutcome::Accepted(_))
            })
        })
        .collect();
    let mut accepted = 0;
    for t in tasks {
        accepted += usize::from(t.await.unwrap());
    }
    accepted
}
