//! Fault injection through the engine on SQLite (docs/behaviour.md §2.9, REQ-14):
//!
//! - a database held locked by another connection beyond the busy timeout: the verification
//!   is an internal error (never "wrong token"), nothing is written, and once the lock is gone
//!   the same code succeeds exactly once (F3, F4);
//! - a process verifying under load killed with SIGKILL, twice, and restarted: every
//!   device's counter and failure count is exactly what the acknowledged results imply, give
//!   or take the one attempt per device that was in flight at the kill (F5's durability half).
//!
//! The kill test runs this very test binary again as the child (`sigkill_child`, ignored
//! unless `OTPKIT_KILL_DB` is set): the demo site is built elsewhere, so the process under
//! load is a small verification loop on the same engine and store.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write as _};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use common::*;
use otpkit::engine::{HotpOptions, TotpOptions, VerifyOptions};
use otpkit::oath::{Algorithm, Digits, OathKey, totp_at};
use otpkit::settings::{HotpSettings, ThrottleSettings};
use otpkit::{
    Clock, Engine, KeyRing, ManualClock, Rejection, SecretBytes, Settings, Timestamp, UserId,
    VerifyOutcome,
};
use otpkit_sqlite::{SqliteOptions, SqliteStore};

const RING: &str = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const KEY: &[u8] = b"12345678901234567890";

fn code_at(step: i64) -> String {
    totp_at(&OathKey::new(Algorithm::Sha1, KEY), step, Digits::SIX)
        .unwrap()
        .expose()
        .to_owned()
}

/// REQ-14 F3/F4 on SQLite: another connection holds the write lock past the busy timeout.
#[tokio::test]
async fn a_locked_database_fails_verification_closed() {
    let (dir, url) = temp_db();
    let store = SqliteStore::open_with(
        &url,
        SqliteOptions::new()
            .busy_timeout(Duration::from_millis(100))
            .busy_retries(1),
    )
    .unwrap();
    store.migrate().await.unwrap();
    let clock = ManualClock::new(Timestamp::from_secs(1_767_261_600));
    let engine = Engine::builder(store.clone(), KeyRing::parse(RING).unwrap())
        .clock(clock.clone())
        .build()
        .unwrap();
    let alice = UserId::new("alice").unwrap();
    let pid = engine
        .create_totp(
            &alice,
            TotpOptions {
                key: Some(SecretBytes::new(KEY.to_vec())),
                ..TotpOptions::default()
            },
        )
        .await
        .unwrap()
        .persistent_id();
    let step = clock.now().as_secs() / 30;
    let good = code_at(step);
    let before = engine.from_persistent_id(&pid).await.unwrap().unwrap();

    let raw = rusqlite::Connection::open(dir.path().join("otp.db")).unwrap();
    raw.execute_batch("BEGIN IMMEDIATE").unwrap();
    for token in [good.as_str(), "000000", "not a code"] {
        let r = engine
            .verify_token_detailed(Some(&alice), &pid, token, &VerifyOptions::default())
            .await;
        let e = r.expect_err("a locked database must not answer");
        assert!(e.is_internal(), "{token}: {e:?}");
        assert!(
            matches!(
                e,
                otpkit::Error::Store(otpkit::store::StoreError::Conflict { retries: 1 })
            ),
            "{e:?}"
        );
    }
    raw.execute_batch("ROLLBACK").unwrap();
    let after = engine.from_persistent_id(&pid).await.unwrap().unwrap();
    assert!(
        after.record() == before.record(),
        "partial state after a lock timeout"
    );

    // The same code, once the lock is gone: accepted exactly once.
    let out = engine
        .verify_token_detailed(Some(&alice), &pid, &good, &VerifyOptions::default())
        .await
        .unwrap();
    assert!(matches!(out, VerifyOutcome::Accepted(_)), "{out:?}");
    let out = engine
        .verify_token_detailed(Some(&alice), &pid, &good, &VerifyOptions::default())
        .await
        .unwrap();
    assert!(
        matches!(out, VerifyOutcome::Rejected(Rejection::Replay)),
        "{out:?}"
    );
    let d = engine.from_persistent_id(&pid).await.unwrap().unwrap();
    assert_eq!(engine.info(&d).unwrap()["last_t"].as_i64(), Some(step));
}

// ----- SIGKILL under load ------------------------------------------------------------------

const DEVICES: usize = 8;
const WORKERS: usize = 4;

fn device_key(i: usize) -> Vec<u8> {
    vec![u8::try_from(i + 1).unwrap(); 20]
}

/// Throttle delays off (so that the loop never waits) and no lock-out: the failure count
/// still counts every failure.
fn loop_settings() -> Settings {
    Settings {
        throttle: ThrottleSettings {
            lockout_threshold: 0,
            account_lockout_threshold: 0,
            ..Default::default()
        },
        hotp: HotpSettings {
            throttle_factor: 0,
            ..Default::default()
        },
        ..Settings::default()
    }
}

/// The HOTP device's counter, from its non-secret info.
fn counter(engine: &Engine, d: &otpkit::Device) -> u64 {
    engine.info(d).unwrap()["counter"].as_u64().unwrap()
}

/// The child: verifies on `DEVICES` HOTP devices (one user each) from `WORKERS` concurrent
/// tasks, one attempt at a time per device, and prints `begin {device} {ok|bad}` before and
/// `ack {device} {accepted|rejected}` after each attempt, line by line, until killed.
#[test]
#[ignore = "the child process of sigkill_under_load_keeps_acknowledged_state"]
fn sigkill_child() {
    let Ok(db) = std::env::var("OTPKIT_KILL_DB") else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let store = SqliteStore::open(&format!("sqlite://{db}")).unwrap();
        let engine = Engine::builder(store, KeyRing::parse(RING).unwrap())
            .settings(loop_settings())
            .build()
            .unwrap();
        let out = Arc::new(Mutex::new(std::io::stdout()));
        let mut tasks = Vec::new();
        for w in 0..WORKERS {
            let engine = engine.clone();
            let out = out.clone();
            tasks.push(tokio::spawn(async move {
                let mine: Vec<usize> = (0..DEVICES).filter(|d| d % WORKERS == w).collect();
                let mut j = 0usize;
                loop {
                    let d = mine[j % mine.len()];
                    let bad = (j * 7 + w).is_multiple_of(3);
                    j += 1;
                    let user = UserId::new(format!("user{d}")).unwrap();
                    let pid = format!("otp_hotp.hotpdevice/{}", d + 1);
                    let rec = engine.from_persistent_id(&pid).await.unwrap().unwrap();
                    let c = counter(&engine, &rec);
                    let key = OathKey::new(Algorithm::Sha1, &device_key(d));
                    let token = if bad {
                        let window: Vec<String> = (c..=c + 5)
                            .map(|i| key.hotp(i, Digits::SIX).expose().to_owned())
                            .collect();
                        (0u32..)
                            .map(|n| format!("{:06}", n * 7919 % 1_000_000))
                            .find(|t| !window.contains(t))
                            .unwrap()
                    } else {
                        key.hotp(c, Digits::SIX).expose().to_owned()
                    };
                    let line = |s: String| {
                        let mut o = out.lock().unwrap();
                        writeln!(o, "{s}").unwrap();
                        o.flush().unwrap();
                    };
                    line(format!("begin {d} {}", if bad { "bad" } else { "ok" }));
                    let res = engine
                        .verify_token_detailed(Some(&user), &pid, &token, &VerifyOptions::default())
                        .await;
                    let word = match res {
                        Ok(VerifyOutcome::Accepted(_)) => "accepted",
                        Ok(VerifyOutcome::Rejected(_)) => "rejected",
                        other => panic!("unexpected {other:?}"),
                    };
                    line(format!("ack {d} {word}"));
                }
            }));
        }
        // The workers loop until the process is killed.
        let _ = futures_join(tasks).await;
    });
}

/// Waits for every task (they never end: the parent kills the process).
async fn futures_join(tasks: Vec<tokio::task::JoinHandle<()>>) -> Vec<()> {
    let mut out = Vec::new();
    for t in tasks {
        if let Ok(v) = t.await {
            out.push(v);
        }
    }
    out
}

/// Per device: the counter and failure count the acknowledged results imply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Expect {
    counter: u64,
    failures: u32,
}

impl Expect {
    fn apply(self, ok: bool) -> Expect {
        if ok {
            Expect {
                counter: self.counter + 1,
                failures: 0,
            }
        } else {
            Expect {
                counter: self.counter,
                failures: self.failures + 1,
            }
        }
    }
}

/// Runs the child until it has acknowledged `acks` results, kills it with SIGKILL, and
/// returns its complete output lines.
fn run_and_kill(db: &Path, acks: usize) -> Vec<String> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "sigkill_child", "--ignored", "--nocapture"])
        .env("OTPKIT_KILL_DB", db)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        let mut buf = String::new();
        // Only complete lines count: a line cut by the kill has no newline.
        while r.read_line(&mut buf).map(|n| n > 0).unwrap_or(false) {
            if buf.ends_with('\n') {
                let _ = tx.send(buf.trim_end().to_owned());
            }
            buf.clear();
        }
    });
    let mut lines = Vec::new();
    let mut seen = 0;
    while seen < acks {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the child stalled");
        if line.starts_with("ack ") {
            seen += 1;
        }
        lines.push(line);
    }
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(!status.success(), "the child was killed");
    reader.join().unwrap();
    lines.extend(rx.try_iter());
    lines
}

/// Replays the child's lines onto `model` and checks the database against it: each device is
/// at its acknowledged state, or one attempt further if an attempt was in flight at the kill.
/// Returns the database's state as the model for the next round.
async fn check_round(
    engine: &Engine,
    model: &HashMap<usize, Expect>,
    lines: &[String],
) -> HashMap<usize, Expect> {
    let mut acked = model.clone();
    let mut inflight: HashMap<usize, bool> = HashMap::new();
    let mut acks = 0;
    for l in lines {
        let parts: Vec<&str> = l.split(' ').collect();
        match parts.as_slice() {
            ["begin", d, op] => {
                let d: usize = d.parse().unwrap();
                assert!(
                    inflight.insert(d, *op == "ok").is_none(),
                    "two attempts in flight on device {d}"
                );
            }
            ["ack", d, word] => {
                let d: usize = d.parse().unwrap();
                let ok = inflight.remove(&d).expect("an ack without a begin");
                assert_eq!(*word == "accepted", ok, "device {d}: {l}");
                let e = acked.entry(d).or_default();
                *e = e.apply(ok);
                acks += 1;
            }
            _ => {} // the test harness's own lines
        }
    }
    assert!(acks > 0);
    let mut next = HashMap::new();
    let mut ahead = 0;
    for d in 0..DEVICES {
        let pid = format!("otp_hotp.hotpdevice/{}", d + 1);
        let rec = engine.from_persistent_id(&pid).await.unwrap().unwrap();
        let got = Expect {
            counter: counter(engine, &rec),
            failures: rec.throttle().failure_count,
        };
        let at_ack = acked.get(&d).copied().unwrap_or_default();
        let ok = match inflight.get(&d) {
            None => got == at_ack,
            Some(op) => {
                ahead += usize::from(got != at_ack);
                got == at_ack || got == at_ack.apply(*op)
            }
        };
        assert!(
            ok,
            "device {d}: stored {got:?}, acknowledged {at_ack:?}, in flight {:?}",
            inflight.get(&d)
        );
        next.insert(d, got);
    }
    eprintln!(
        "killed after {acks} acknowledged attempts; {} in flight, of which {ahead} committed \
         before the kill without being acknowledged",
        inflight.len()
    );
    next
}

/// REQ-14: SIGKILL a process doing verifications under load, restart it, kill it again; the
/// store always matches what was acknowledged (±1 in-flight attempt per device) and stays
/// intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_load_keeps_acknowledged_state() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kill.sqlite3");
    let url = format!("sqlite://{}", db.display());
    {
        let store = SqliteStore::open_and_migrate(&url).await.unwrap();
        let engine = Engine::builder(store, KeyRing::parse(RING).unwrap())
            .settings(loop_settings())
            .build()
            .unwrap();
        for d in 0..DEVICES {
            let dev = engine
                .create_hotp(
                    &UserId::new(format!("user{d}")).unwrap(),
                    HotpOptions {
                        key: Some(SecretBytes::new(device_key(d))),
                        ..HotpOptions::default()
                    },
                )
                .await
                .unwrap();
            assert_eq!(dev.id(), i64::try_from(d + 1).unwrap());
        }
    }
    let mut model: HashMap<usize, Expect> = HashMap::new();
    for round in 0..3 {
        let lines = run_and_kill(&db, 400);
        let store = SqliteStore::open(&url).unwrap();
        let engine = Engine::builder(store.clone(), KeyRing::parse(RING).unwrap())
            .settings(loop_settings())
            .build()
            .unwrap();
        model = check_round(&engine, &model, &lines).await;
        let total: u64 = model.values().map(|e| e.counter).sum();
        assert!(total > 0, "round {round}: no success at all");
        drop(engine);
        drop(store);
        let raw = rusqlite::Connection::open(&db).unwrap();
        let ok: String = raw
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok", "round {round}");
    }
}
