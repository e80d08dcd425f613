//! REQ-09 on the embedded store: a database dump holds no key, code or token; a sealed key
//! moved to another device row does not open; `keys rotate` interrupted halfway over 1000
//! devices resumes to 1000/1000 readable with none sealed twice.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use otpkit::engine::{ChallengeOptions, HotpOptions, TotpOptions, VerifyOptions};
use otpkit::mailer::MemoryMailer;
use otpkit::store::Write;
use otpkit::{DeviceStore, Engine, KeyRing, Settings, UserId, VerifyOutcome};
use otpkit_sqlite::SqliteStore;

const K1: &str = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const K2: &str = "k2:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";

async fn engine(store: &SqliteStore, ring: &str, mailer: MemoryMailer) -> Engine {
    Engine::builder_arc(Arc::new(store.clone()), KeyRing::parse(ring).unwrap())
        .settings(Settings::default())
        .mailer(mailer)
        .build()
        .unwrap()
}

async fn fresh() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("otp.sqlite3").display());
    let store = SqliteStore::open_and_migrate(&url).await.unwrap();
    (dir, store)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dump_after_100_enrolments_and_1000_codes_reveals_nothing() {
    let (dir, store) = fresh().await;
    let mailer = MemoryMailer::new();
    let e = engine(&store, K1, mailer.clone()).await;
    let mut secrets: Vec<Vec<u8>> = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    for i in 0..100 {
        let user = UserId::new(format!("user{i}")).unwrap();
        let d = if i % 2 == 0 {
            e.create_totp(&user, TotpOptions::default()).await.unwrap()
        } else {
            e.create_hotp(&user, HotpOptions::default()).await.unwrap()
        };
        let auth = e.provisioning(&d.persistent_id()).await.unwrap();
        secrets.push(auth.secret.expose().to_vec());
        let (_, codes) = e.generate_backup_codes(&user, None).await.unwrap();
        for c in codes {
            texts.push(c.expose().to_owned());
            texts.push(c.expose().replace('-', ""));
        }
        if i < 20 {
            let em = e
                .create_email(&user, None, Some(format!("u{i}@example.com")), true)
                .await
                .unwrap();
            e.generate_challenge(&user, &em.persistent_id(), &ChallengeOptions::default())
                .await
                .unwrap();
            let m = mailer.last().unwrap();
            texts.push(
                m.text
                    .expose()
                    .chars()
                    .filter(char::is_ascii_digit)
                    .collect(),
            );
        }
    }
    assert_eq!(texts.len(), 100 * 20 + 20);
    // Every table's rows, as text, through a separate connection.
    let path = dir.path().join("otp.sqlite3");
    let conn = rusqlite::Connection::open(&path).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(tables.iter().any(|t| t == "otpkit_device"), "{tables:?}");
    let mut dump = String::new();
    for t in &tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let n = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..n {
                let v: rusqlite::types::Value = row.get(i).unwrap();
                dump.push_str(&format!("{v:?}|"));
            }
            dump.push('\n');
        }
    }
    drop(conn);
    // The file bytes too (main file, WAL and shared memory).
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        if let Ok(b) = std::fs::read(format!("{}{suffix}", path.display())) {
            bytes.extend(b);
        }
    }
    bytes.extend_from_slice(dump.as_bytes());
    assert!(bytes.len() > 10_000);
    let mut needles: Vec<Vec<u8>> = Vec::new();
    for k in &secrets {
        let b32 = otpkit::encoding::encode_base32(k);
        needles.push(k.clone());
        needles.push(hex(k).into_bytes());
        needles.push(hex(k).to_uppercase().into_bytes());
        needles.push(b32.clone().into_bytes());
        needles.push(b32.to_lowercase().into_bytes());
    }
    needles.extend(texts.iter().map(|t| t.as_bytes().to_vec()));
    // The search itself finds a planted needle.
    let mut planted = bytes.clone();
    planted.extend_from_slice(&needles[needles.len() / 2]);
    assert!(find_any(&planted, &needles).is_some());
    assert_eq!(
        find_any(&bytes, &needles),
        None,
        "a key, code or token leaked"
    );
}

/// The first needle found anywhere in `hay`: one pass per needle length with a hash set.
///
/// A needle made only of ASCII digits (an emailed code, say) counts only where it is a whole
/// run of digits, with no digit just before or after it. Otherwise the 6-digit codes collide
/// with the decimal text of the rows' Unix timestamps: at 1795843605 (2026-11-28) the dump
/// holds "795843", and one run in CI drew that very email code. A leaked code is stored as a
/// value of its own (`Text("…")`, `Integer(…)` in the dump), so the boundary loses nothing.
fn find_any(hay: &[u8], needles: &[Vec<u8>]) -> Option<String> {
    let mut by_len: std::collections::BTreeMap<usize, std::collections::HashSet<&[u8]>> =
        Default::default();
    for n in needles {
        by_len.entry(n.len()).or_default().insert(n.as_slice());
    }
    let digit_at = |i: Option<usize>| i.and_then(|i| hay.get(i)).is_some_and(u8::is_ascii_digit);
    for (len, set) in by_len {
        let found = hay.windows(len).enumerate().find(|(at, w)| {
            set.contains(w)
                && !(w.iter().all(u8::is_ascii_digit)
                    && (digit_at(at.checked_sub(1)) || digit_at(Some(at + len))))
        });
        if let Some((_, w)) = found {
            return Some(String::from_utf8_lossy(w).into_owned());
        }
    }
    None
}

#[test]
fn find_any_takes_digit_needles_as_whole_runs_only() {
    let needles = vec![b"795843".to_vec(), b"ABCDEF".to_vec()];
    // Inside a timestamp: not a leak.
    assert_eq!(find_any(b"Integer(1795843605)|", &needles), None);
    assert_eq!(find_any(b"x1795843", &needles), None);
    assert_eq!(find_any(b"7958431", &needles), None);
    // As a value of its own, at either end of the hay, or beside other bytes: found.
    for hay in [
        &b"Text(\"795843\")|"[..],
        b"Integer(795843)|",
        b"795843",
        b"\x00\x17795843\x01",
    ] {
        assert_eq!(find_any(hay, &needles).as_deref(), Some("795843"));
    }
    // Other needles match anywhere.
    assert_eq!(find_any(b"12ABCDEF34", &needles).as_deref(), Some("ABCDEF"));
}

#[tokio::test]
async fn a_sealed_key_moved_to_another_row_does_not_open() {
    let (_dir, store) = fresh().await;
    let e = engine(&store, K1, MemoryMailer::new()).await;
    let alice = UserId::new("alice").unwrap();
    let a = e.create_totp(&alice, TotpOptions::default()).await.unwrap();
    let b = e.create_totp(&alice, TotpOptions::default()).await.unwrap();
    let a_state = store.get(a.id()).await.unwrap().unwrap().state;
    let code_a = e.current_totp(&a.persistent_id()).await.unwrap();
    store
        .update(
            b.id(),
            Box::new(move |r| {
                r.state = a_state.clone();
                Write::Update.into()
            }),
        )
        .await
        .unwrap();
    let before = store.get(b.id()).await.unwrap().unwrap();
    let out = e
        .verify_token_detailed(
            Some(&alice),
            &b.persistent_id(),
            code_a.expose(),
            &VerifyOptions::default(),
        )
        .await;
    let err = out.expect_err("fails closed: an error, never accepted or 'wrong token'");
    assert!(err.is_internal(), "{err}");
    assert_eq!(
        store.get(b.id()).await.unwrap().unwrap(),
        before,
        "nothing written"
    );
    assert!(e.config_url(&b.persistent_id()).await.is_err());
    // The original row still works.
    let ok = e
        .verify_token_detailed(
            Some(&alice),
            &a.persistent_id(),
            code_a.expose(),
            &VerifyOptions::default(),
        )
        .await
        .unwrap();
    assert!(matches!(ok, VerifyOutcome::Accepted(_)));
    // A row under a key that left the ring: UnknownKey, fail closed.
    let other = engine(&store, K2, MemoryMailer::new()).await;
    let err = other
        .verify_token_detailed(
            Some(&alice),
            &a.persistent_id(),
            "123456",
            &VerifyOptions::default(),
        )
        .await
        .expect_err("unknown key");
    assert!(
        err.to_string().contains("k1"),
        "names the missing key id: {err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_of_1000_devices_interrupted_halfway_resumes_exactly() {
    let (_dir, store) = fresh().await;
    let old = engine(&store, K1, MemoryMailer::new()).await;
    let mut uris = Vec::new();
    for i in 0..1000 {
        let u = UserId::new(format!("r{i}")).unwrap();
        let d = old.create_totp(&u, TotpOptions::default()).await.unwrap();
        uris.push((
            d.persistent_id(),
            old.config_url(&d.persistent_id()).await.unwrap(),
        ));
    }
    let ring = format!("{K2},{K1}");
    let new = engine(&store, &ring, MemoryMailer::new()).await;
    // Start a rotation and kill it once about half the devices moved.
    let task = {
        let new = new.clone();
        tokio::spawn(async move { new.rotate_keys().await })
    };
    let at_kill = loop {
        let n = new
            .key_status()
            .await
            .unwrap()
            .get("k2")
            .map_or(0, |u| u.sealed);
        if n >= 500 || task.is_finished() {
            task.abort();
            break n;
        }
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    };
    let _ = task.await;
    let moved = new
        .key_status()
        .await
        .unwrap()
        .get("k2")
        .map_or(0, |u| u.sealed);
    assert!(
        moved >= at_kill && moved < 1000,
        "interrupted part-way: {moved}"
    );
    let report = new.rotate_keys().await.unwrap();
    assert_eq!(report.failed, 0);
    assert_eq!(
        report.current, moved,
        "already moved ones are not sealed twice"
    );
    assert_eq!(report.resealed, 1000 - moved);
    let status = new.key_status().await.unwrap();
    assert_eq!(status.get("k2").map(|u| u.sealed), Some(1000));
    assert_eq!(status.get("k1").map_or(0, |u| u.sealed), 0);
    for (pid, uri) in &uris {
        assert_eq!(new.config_url(pid).await.unwrap().expose(), uri.expose());
    }
    let again = new.rotate_keys().await.unwrap();
    assert_eq!((again.resealed, again.current, again.failed), (0, 1000, 0));
}
