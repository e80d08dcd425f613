//! Passkey benchmark (issue 17): passkey assertions verified per second in process — the
//! engine's verify path through otpkit-webauthn (`Passkeys::finish_authentication`: the
//! lookup of the credential, one atomic transition that consumes the ceremony, checks the
//! signature (ECDSA P-256) and the counter and writes the new counter and `last_used_at`,
//! then the withdrawal of the copies) — beside TOTP verifications (`verify_token` with the
//! right code of a fresh step, the `Valid` scenario of store_bench) on the same engine and
//! store, in alternating rounds (TOTP, passkey, TOTP, passkey …) whose sums are compared, so
//! that a change of the machine's speed during the run hits both alike.
//!
//! The floor beside them: webauthn-rs alone — the assertion's JSON parsed and
//! `Webauthn::finish_passkey_authentication` against a state held in memory, the credential's
//! counter updated — with no store and no otpkit, in the same alternating rounds.
//!
//! One verifier, sequential, on `MemoryStore` and on SQLite (a file, WAL). The assertions are
//! signed by 1Password's software authenticator (`passkey` crate) *outside* the measured
//! time, in batches: start an authentication for each of [`USERS`] users (timed separately:
//! the "start + finish" column adds it), sign each, then time the finishes.
//!
//! ```sh
//! passkey_bench [--secs 1.5] [--rounds 3] [--only memory,sqlite]
//! ```
//! Prints a Markdown table. See BENCHMARKS.md.
#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use otpkit::{DeviceStore, Engine, KeyRing, MemoryStore, Timestamp, UserId};
use otpkit_bench::{
    Engines, KEY_RING, Rate, Scenario, T0_SECS, TaskClock, create_devices, fmt_rate, settings,
    verify_rate,
};
use otpkit_sqlite::SqliteStore;
use otpkit_webauthn::webauthn_rs::prelude as wa;
use otpkit_webauthn::{CeremonyOutcome, PasskeySettings, Passkeys, RelyingParty, WebauthnDevice};
use otpkit_webauthn_testkit::SoftKey as Key;

/// Users with one passkey each: the batch of assertions signed ahead of a timed slice.
const USERS: usize = 64;
const ORIGIN: &str = "https://login.example.com";
const BINDING: &[u8] = b"bench session binding";

struct Args {
    dur: Duration,
    rounds: u32,
    only: Vec<String>,
}

fn args() -> Args {
    let mut a = Args {
        dur: Duration::from_millis(1500),
        rounds: 3,
        only: vec![],
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().unwrap_or_else(|| panic!("{k} needs a value"));
        match k.as_str() {
            "--secs" => a.dur = Duration::from_secs_f64(v.parse().expect("secs")),
            "--rounds" => a.rounds = v.parse().expect("rounds"),
            "--only" => a.only = v.split(',').map(str::to_owned).collect(),
            _ => panic!("unknown argument {k}"),
        }
    }
    a
}

/// One store: the engine (passkey kind registered, throttling off as in store_bench's
/// `Valid` runs), the ceremonies, the passkey users and keys, and the TOTP devices.
struct Rig {
    engines: Engines,
    passkeys: Passkeys,
    users: Vec<(UserId, Key)>,
    totp: Vec<otpkit_bench::Dev>,
}

async fn rig(store: Arc<dyn DeviceStore>) -> Rig {
    let engine = Engine::builder_arc(store, KeyRing::parse(KEY_RING).expect("key ring"))
        .settings(settings(false))
        .clock(TaskClock(Timestamp::from_secs(T0_SECS)))
        .register::<WebauthnDevice>()
        .build()
        .expect("engine");
    let rp = RelyingParty::new("example.com", ORIGIN);
    let passkeys = Passkeys::new(engine.clone(), PasskeySettings::new(rp)).expect("passkeys");
    let mut users = Vec::with_capacity(USERS);
    for i in 0..USERS {
        let user = UserId::new(format!("pk{i}")).expect("user");
        let mut key = Key::new();
        let started = passkeys
            .start_registration(&user, Some("Key"), BINDING)
            .await
            .expect("start registration");
        let response = key.register(ORIGIN, &started.options).await;
        let out = passkeys
            .finish_registration(&user, &started.persistent_id, &response, BINDING)
            .await
            .expect("finish registration");
        assert!(matches!(out, CeremonyOutcome::Accepted(_)), "{out:?}");
        users.push((user, key));
    }
    let totp = create_devices(&engine, "totp", 1).await;
    Rig {
        engines: Engines {
            off: engine.clone(),
            on: engine,
        },
        passkeys,
        users,
        totp,
    }
}

/// Passkey sign-ins until `dur` of finishes is measured: per batch, one start per user
/// (timed on its own), the assertions signed (not timed), then the finishes (timed).
/// Returns (finishes, starts).
async fn passkey_rate(r: &mut Rig, dur: Duration) -> (Rate, Rate) {
    let (mut finish, mut start) = (Rate::default(), Rate::default());
    while finish.secs < dur.as_secs_f64() {
        let t = Instant::now();
        let mut options = Vec::with_capacity(r.users.len());
        for (user, _) in &r.users {
            let o = r.passkeys.start_authentication(user, BINDING).await;
            options.push(o.expect("start").expect("a passkey"));
        }
        start.add(Rate {
            ops: options.len() as u64,
            secs: t.elapsed().as_secs_f64(),
            unexpected: 0,
        });
        let mut assertions = Vec::with_capacity(r.users.len());
        for ((_, key), o) in r.users.iter_mut().zip(&options) {
            assertions.push(key.assert(ORIGIN, o).await);
        }
        let t = Instant::now();
        let mut unexpected = 0;
        for ((user, _), a) in r.users.iter().zip(&assertions) {
            let out = r.passkeys.finish_authentication(user, a, BINDING).await;
            if let Some(other) = out.expect("finish").refused_or_other() {
                eprintln!("passkey finish not accepted: {other}");
                unexpected += 1;
            }
        }
        finish.add(Rate {
            ops: assertions.len() as u64,
            secs: t.elapsed().as_secs_f64(),
            unexpected,
        });
    }
    (finish, start)
}

/// What a finish that was not accepted answered, for stderr.
trait NotAccepted {
    fn refused_or_other(self) -> Option<String>;
}

impl NotAccepted for CeremonyOutcome {
    fn refused_or_other(self) -> Option<String> {
        match self {
            CeremonyOutcome::Accepted(_) => None,
            other => Some(format!("{other:?}")),
        }
    }
}

/// The floor: webauthn-rs on its own, its credentials and ceremony states in memory.
struct Bare {
    webauthn: wa::Webauthn,
    users: Vec<(wa::Passkey, Key)>,
}

async fn bare() -> Bare {
    let webauthn = RelyingParty::new("example.com", ORIGIN)
        .webauthn()
        .expect("webauthn");
    let mut users = Vec::with_capacity(USERS);
    for i in 0..USERS {
        let (options, state) = webauthn
            .start_passkey_registration(wa::Uuid::from_u128(i as u128 + 1), "u", "u", None)
            .expect("start registration");
        let mut key = Key::new();
        let response = key.register(ORIGIN, &options).await;
        let response: wa::RegisterPublicKeyCredential =
            serde_json::from_str(&response).expect("response");
        let pk = webauthn
            .finish_passkey_registration(&response, &state)
            .expect("finish registration");
        users.push((pk, key));
    }
    Bare { webauthn, users }
}

/// webauthn-rs alone until `dur` of finishes is measured (starts and signing not timed).
async fn bare_rate(b: &mut Bare, dur: Duration) -> Rate {
    let mut finish = Rate::default();
    while finish.secs < dur.as_secs_f64() {
        let mut batch = Vec::with_capacity(b.users.len());
        for (pk, key) in &mut b.users {
            let (options, state) = b
                .webauthn
                .start_passkey_authentication(std::slice::from_ref(pk))
                .expect("start");
            batch.push((key.assert(ORIGIN, &options).await, state));
        }
        let t = Instant::now();
        let mut unexpected = 0;
        for ((pk, _), (assertion, state)) in b.users.iter_mut().zip(&batch) {
            let done = serde_json::from_str::<wa::PublicKeyCredential>(assertion)
                .map_err(|e| e.to_string())
                .and_then(|c| {
                    let r = b.webauthn.finish_passkey_authentication(&c, state);
                    r.map_err(|e| e.to_string())
                });
            match done {
                Ok(result) => {
                    pk.update_credential(&result);
                }
                Err(e) => {
                    eprintln!("webauthn-rs alone refused: {e}");
                    unexpected += 1;
                }
            }
        }
        finish.add(Rate {
            ops: batch.len() as u64,
            secs: t.elapsed().as_secs_f64(),
            unexpected,
        });
    }
    finish
}

/// What one store's rounds add up to.
#[derive(Default)]
struct Sums {
    totp: Rate,
    finish: Rate,
    start: Rate,
    bare: Rate,
}

/// Alternating rounds on one store: TOTP, webauthn-rs alone, passkeys through otpkit.
async fn measure(r: &mut Rig, b: &mut Bare, a: &Args) -> Sums {
    let mut sums = Sums::default();
    // A short warm-up of each side (caches, the SQLite file), not counted.
    verify_rate(&r.engines, &r.totp, Scenario::Valid, 1, a.dur / 10).await;
    bare_rate(b, a.dur / 10).await;
    passkey_rate(r, a.dur / 10).await;
    for _ in 0..a.rounds {
        sums.totp
            .add(verify_rate(&r.engines, &r.totp, Scenario::Valid, 1, a.dur).await);
        sums.bare.add(bare_rate(b, a.dur).await);
        let (f, s) = passkey_rate(r, a.dur).await;
        sums.finish.add(f);
        sums.start.add(s);
    }
    sums
}

#[tokio::main]
async fn main() {
    let a = args();
    let wants = |p: &str| a.only.is_empty() || a.only.iter().any(|o| o == p);
    let mut rows = Vec::new();
    let mut b = bare().await;
    if wants("memory") {
        let mut r = rig(Arc::new(MemoryStore::new())).await;
        rows.push(("MemoryStore", measure(&mut r, &mut b, &a).await));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    if wants("sqlite") {
        let path = dir.path().join("passkeys.db");
        let store = SqliteStore::open_and_migrate(&format!("sqlite://{}", path.display()))
            .await
            .expect("open");
        let mut r = rig(Arc::new(store)).await;
        rows.push(("SQLite (file, WAL)", measure(&mut r, &mut b, &a).await));
    }
    println!("## Passkeys: assertions verified per second, beside TOTP");
    println!();
    println!(
        "{} rounds of {:.1} s per side, alternating; one verifier, sequential; the passkey's \
         assertions (ECDSA P-256, signed by a software authenticator outside the measured \
         time) through `Passkeys::finish_authentication`, TOTP codes through `verify_token`.",
        a.rounds,
        a.dur.as_secs_f64()
    );
    println!();
    println!(
        "| store | TOTP verified/s | latency | passkey assertions verified/s | latency | \
         start + finish/s | TOTP ÷ passkey | webauthn-rs alone/s | passkey ÷ webauthn-rs |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (name, s) in rows {
        // Every attempt must succeed; a refusal is printed on stderr where it happened.
        let refusals = (s.totp.unexpected, s.finish.unexpected, s.bare.unexpected);
        assert_eq!(
            refusals,
            (0, 0, 0),
            "{name}: refusals (TOTP, passkey, webauthn-rs)"
        );
        let full = 1e6 / (s.finish.micros_per_op() + s.start.micros_per_op());
        println!(
            "| {name} | {} | {:.0} µs | {} | {:.0} µs | {} | {:.1}× | {} | {:.2}× |",
            fmt_rate(s.totp.per_sec()),
            s.totp.micros_per_op(),
            fmt_rate(s.finish.per_sec()),
            s.finish.micros_per_op(),
            fmt_rate(full),
            s.totp.per_sec() / s.finish.per_sec(),
            fmt_rate(s.bare.per_sec()),
            s.finish.per_sec() / s.bare.per_sec()
        );
    }
}
