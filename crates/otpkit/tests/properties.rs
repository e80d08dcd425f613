//! Property tests of the engine's invariants under random sequences of attempts, clock
//! jumps (forwards and backwards) and administrator resets, on a `MemoryStore` and a
//! current-thread runtime (so that `oath::hmac_count()`, which is per thread, sees every
//! HMAC the engine computes):
//!
//! - REQ-04: a TOTP step, an HOTP counter and a backup code are accepted at most once; the
//!   TOTP `last_t` and the HOTP counter never go backwards.
//! - REQ-05: a device the throttle refuses is not evaluated (zero HMACs) and nothing of it
//!   changes; a failure count grows only by one per rejected attempt and returns to zero only
//!   on a success (or an administrator's reset). The account throttle
//!   (docs/behaviour.md §2.5.1) likewise: while the sum of the three devices' counts and
//!   their latest failure refuse, no device is evaluated; an attempt changes no other device.
//! - REQ-07: malformed tokens are ordinary failures.
//! - REQ-09: sealing round-trips, and any changed byte of a sealed value fails to open.
//!
//! The number of cases is `PROPTEST_CASES` (default 48 sequences of up to 60 operations).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashSet;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use otpkit::device::ThrottleState;
use otpkit::engine::{HotpOptions, TotpOptions, VerifyOptions};
use otpkit::kind::{HotpDevice, StaticDevice, TotpDevice};
use otpkit::oath::{Algorithm, Digits, OathKey, hmac_count, totp_at};
use otpkit::policy::Throttle;
use otpkit::seal::{KeyRing, SealError, Sealed};
use otpkit::{
    Clock, DeviceRecord, Engine, ManualClock, MemoryStore, Rejection, SecretBytes, Settings,
    Timestamp, UserId, VerifyOutcome,
};
use proptest::prelude::*;

const KEY: &[u8] = b"12345678901234567890";

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48)
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

/// Which token an attempt submits.
#[derive(Debug, Clone)]
enum Tok {
    /// The TOTP code at `T + offset` / the HOTP code at `counter + offset` (may be behind).
    Offset(i8),
    /// The code that was accepted last on this device (a replay).
    Replay,
    /// A random well-formed code.
    Random(u32),
    /// A malformed token.
    Malformed(String),
    /// A backup code of the batch, by index (static device only).
    Code(usize),
}

#[derive(Debug, Clone)]
enum Op {
    /// Move the clock by this many milliseconds (negative: the clock steps back).
    Advance(i64),
    /// An attempt on device 0 (TOTP), 1 (HOTP) or 2 (static).
    Verify(usize, Tok),
    /// An administrator's `throttle_reset` on a device.
    Reset(usize),
}

fn tok() -> impl Strategy<Value = Tok> {
    prop_oneof![
        4 => (-3i8..=3).prop_map(Tok::Offset),
        1 => Just(Tok::Replay),
        2 => (0u32..1_000_000).prop_map(Tok::Random),
        1 => prop_oneof![
            Just(String::new()),
            Just("   ".to_owned()),
            Just("+123456".to_owned()),
            Just("١٢٣٤٥٦".to_owned()),
            Just("１２３４５６".to_owned()),
            Just("1".repeat(65)),
            "\\PC{0,12}",
        ]
        .prop_map(Tok::Malformed),
        2 => (0usize..12).prop_map(Tok::Code),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => prop_oneof![
            -90_000i64..=90_000,
            0i64..=4_000_000,
            Just(1_000i64),
            Just(30_000i64),
        ]
        .prop_map(Op::Advance),
        8 => (0usize..3, tok()).prop_map(|(d, t)| Op::Verify(d, t)),
        1 => (0usize..3).prop_map(Op::Reset),
    ]
}

fn totp_state(r: &DeviceRecord) -> TotpDevice {
    serde_json::from_str(&r.state).unwrap()
}
fn hotp_state(r: &DeviceRecord) -> HotpDevice {
    serde_json::from_str(&r.state).unwrap()
}
fn codes_left(r: &DeviceRecord) -> usize {
    serde_json::from_str::<StaticDevice>(&r.state)
        .unwrap()
        .codes_left()
}

/// The device's own throttle as docs/behaviour.md §2.5 defines it, with the default settings.
fn throttle() -> Throttle {
    let s = Settings::default();
    Throttle {
        factor: 1,
        max_delay_secs: s.throttle.max_delay,
        lockout_threshold: s.throttle.lockout_threshold,
    }
}

struct World {
    engine: Engine,
    clock: ManualClock,
    store: MemoryStore,
    pids: [String; 3],
    ids: [i64; 3],
    codes: Vec<String>,
    user: UserId,
}

async fn world() -> World {
    let clock = ManualClock::new(Timestamp::from_secs(1_000_000));
    let store = MemoryStore::new();
    let engine = Engine::builder(store.clone(), KeyRing::random("k1").unwrap())
        .clock(clock.clone())
        .build()
        .unwrap();
    let user = UserId::new("alice").unwrap();
    let totp = engine
        .create_totp(
            &user,
            TotpOptions {
                key: Some(SecretBytes::new(KEY.to_vec())),
                ..TotpOptions::default()
            },
        )
        .await
        .unwrap();
    let hotp = engine
        .create_hotp(
            &user,
            HotpOptions {
                key: Some(SecretBytes::new(KEY.to_vec())),
                ..HotpOptions::default()
            },
        )
        .await
        .unwrap();
    let (st, codes) = engine.generate_backup_codes(&user, None).await.unwrap();
    World {
        engine,
        clock,
        store,
        pids: [
            totp.persistent_id(),
            hotp.persistent_id(),
            st.persistent_id(),
        ],
        ids: [totp.id(), hotp.id(), st.id()],
        codes: codes.iter().map(|c| c.expose().to_owned()).collect(),
        user,
    }
}

impl World {
    async fn rec(&self, i: usize) -> DeviceRecord {
        otpkit::DeviceStore::get(&self.store, self.ids[i])
            .await
            .unwrap()
            .unwrap()
    }
}

fn oath_key() -> OathKey {
    OathKey::new(Algorithm::Sha1, KEY)
}

/// Runs one random sequence and checks every invariant after every operation.
async fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let w = world().await;
    let mut accepted_steps: HashSet<i64> = HashSet::new();
    let mut accepted_counters: HashSet<u64> = HashSet::new();
    let mut used_codes: HashSet<usize> = HashSet::new();
    let mut last_code: [Option<String>; 3] = [None, None, None];
    let mut max_last_t = totp_state(&w.rec(0).await).last_t;
    let mut max_counter = hotp_state(&w.rec(1).await).counter;
    for op in ops {
        match op {
            Op::Advance(ms) => {
                let now = w.clock.now().as_millis();
                w.clock
                    .set(Timestamp::from_millis(now.saturating_add(ms).max(0)));
            }
            Op::Reset(d) => {
                w.engine.throttle_reset(&w.pids[d]).await.unwrap();
                prop_assert_eq!(w.rec(d).await.throttle.failure_count, 0);
            }
            Op::Verify(d, t) => {
                let before = w.rec(d).await;
                let now = w.clock.now();
                let token = match (&t, d) {
                    (Tok::Offset(o), 0) => {
                        let step = now.as_secs() / 30 + i64::from(*o);
                        totp_at(&oath_key(), step, Digits::SIX)
                            .map(|c| c.expose().to_owned())
                            .unwrap_or_default()
                    }
                    (Tok::Offset(o), 1) => {
                        let c = hotp_state(&before).counter;
                        let at = c.saturating_add_signed(i64::from(*o));
                        oath_key().hotp(at, Digits::SIX).expose().to_owned()
                    }
                    (Tok::Offset(_) | Tok::Code(_), 2) => {
                        let i = match t {
                            Tok::Code(i) => i,
                            _ => 0,
                        };
                        w.codes[i % w.codes.len()].clone()
                    }
                    (Tok::Replay, _) => last_code[d].clone().unwrap_or_default(),
                    (Tok::Random(n), _) => format!("{n:06}"),
                    (Tok::Malformed(s), _) => s.clone(),
                    (Tok::Code(i), _) => format!("{:06}", i * 7),
                    (Tok::Offset(_), _) => unreachable!(),
                };
                let mut others = Vec::new();
                let mut account = ThrottleState::default();
                for i in 0..3 {
                    let r = w.rec(i).await;
                    account.failure_count += r.throttle.failure_count;
                    account.failure_timestamp =
                        account.failure_timestamp.max(r.throttle.failure_timestamp);
                    if i != d {
                        others.push(r);
                    }
                }
                let account_throttle = Throttle {
                    lockout_threshold: Settings::default().throttle.account_lockout_threshold,
                    ..throttle()
                };
                let refused = throttle().check(&before.throttle, now).is_err()
                    || account_throttle.check(&account, now).is_err();
                let h0 = hmac_count();
                let out = w
                    .engine
                    .verify_token_detailed(
                        Some(&w.user),
                        &w.pids[d],
                        &token,
                        &VerifyOptions::default(),
                    )
                    .await
                    .unwrap();
                let hmacs = hmac_count() - h0;
                let after = w.rec(d).await;
                if refused {
                    prop_assert!(
                        matches!(out, VerifyOutcome::NotAllowed(_)),
                        "a throttled device was evaluated: {out:?}"
                    );
                }
                match &out {
                    VerifyOutcome::NotAllowed(_) => {
                        prop_assert_eq!(hmacs, 0, "HMACs computed while refused");
                        prop_assert!(after == before, "a refused attempt changed the device");
                    }
                    VerifyOutcome::Rejected(why) => {
                        prop_assert_eq!(
                            after.throttle.failure_count,
                            before.throttle.failure_count + 1
                        );
                        prop_assert_eq!(after.throttle.failure_timestamp, Some(now));
                        prop_assert_eq!(after.last_used_at, before.last_used_at);
                        if *why == Rejection::Replay {
                            prop_assert_eq!(d, 0, "only TOTP reports replays");
                        }
                        if *why == Rejection::Malformed {
                            prop_assert_eq!(hmacs, 0, "a malformed token was evaluated");
                        }
                    }
                    VerifyOutcome::Accepted(_) => {
                        prop_assert_eq!(after.throttle.failure_count, 0);
                        prop_assert_eq!(after.throttle.failure_timestamp, None);
                        prop_assert_eq!(after.last_used_at, Some(now));
                        last_code[d] = Some(token.clone());
                        match d {
                            0 => {
                                let step = totp_state(&after).last_t;
                                prop_assert!(step > totp_state(&before).last_t);
                                prop_assert!(
                                    accepted_steps.insert(step),
                                    "step {step} accepted twice"
                                );
                            }
                            1 => {
                                let used = hotp_state(&after).counter - 1;
                                prop_assert!(used >= hotp_state(&before).counter);
                                prop_assert!(
                                    accepted_counters.insert(used),
                                    "counter {used} accepted twice"
                                );
                            }
                            _ => {
                                prop_assert_eq!(codes_left(&after), codes_left(&before) - 1);
                                let i = w.codes.iter().position(|c| *c == token);
                                let i = i.expect("only batch codes can be accepted");
                                prop_assert!(used_codes.insert(i), "backup code {i} used twice");
                            }
                        }
                    }
                    VerifyOutcome::NotFound => prop_assert!(false, "the device vanished"),
                }
                // An attempt on one device never touches another.
                let mut now_others = Vec::new();
                for i in (0..3).filter(|&i| i != d) {
                    now_others.push(w.rec(i).await);
                }
                prop_assert!(now_others == others, "another device changed");
                // The failure count moves only by the rules above.
                if !matches!(out, VerifyOutcome::Rejected(_) | VerifyOutcome::Accepted(_)) {
                    prop_assert_eq!(after.throttle, before.throttle);
                }
            }
        }
        // Never backwards, whatever happened (clock steps back, resets, replays).
        let t = totp_state(&w.rec(0).await).last_t;
        let c = hotp_state(&w.rec(1).await).counter;
        prop_assert!(t >= max_last_t, "last_t went back from {max_last_t} to {t}");
        prop_assert!(
            c >= max_counter,
            "counter went back from {max_counter} to {c}"
        );
        max_last_t = t;
        max_counter = c;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// REQ-04, REQ-05, REQ-07 over random sequences of attempts and clock jumps.
    #[test]
    fn engine_invariants_hold_over_random_sequences(ops in proptest::collection::vec(op(), 1..60)) {
        rt().block_on(run(ops))?;
    }

    /// REQ-09: seal/open round trip; another device's persistent id does not open it.
    #[test]
    fn sealing_round_trips(
        plain in proptest::collection::vec(any::<u8>(), 0..96),
        id in 1i64..i64::MAX,
        other in 1i64..i64::MAX,
    ) {
        let ring = KeyRing::random("k1").unwrap();
        let pid = format!("otp_totp.totpdevice/{id}");
        let sealed = ring.seal(&pid, &plain).unwrap();
        let opened = ring.open(&pid, &sealed).unwrap();
        prop_assert_eq!(opened.expose(), &plain[..]);
        if other != id {
            let pid2 = format!("otp_totp.totpdevice/{other}");
            prop_assert_eq!(ring.open(&pid2, &sealed).unwrap_err(), SealError::Invalid);
        }
        let pid3 = format!("otp_hotp.hotpdevice/{id}");
        prop_assert_eq!(ring.open(&pid3, &sealed).unwrap_err(), SealError::Invalid);
    }

    /// REQ-09: any changed character of the stored text fails to open, and so does any
    /// flipped bit of the decoded nonce, ciphertext or tag.
    #[test]
    fn any_tampered_byte_fails(
        plain in proptest::collection::vec(any::<u8>(), 16..=64),
        pos in any::<prop::sample::Index>(),
        replacement in 0x21u8..0x7f,
        bit in 0u8..8,
    ) {
        let ring = KeyRing::parse(
            "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,k2:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=",
        )
        .unwrap();
        let pid = "otp_totp.totpdevice/1";
        let sealed = ring.seal(pid, &plain).unwrap();
        let text = sealed.as_str().to_owned();
        // One character of the text.
        let i = pos.index(text.len());
        let mut bytes = text.clone().into_bytes();
        if bytes[i] != replacement {
            bytes[i] = replacement;
            let changed = Sealed::from_stored(String::from_utf8(bytes).unwrap());
            prop_assert!(ring.open(pid, &changed).is_err(), "{}", changed.as_str());
        }
        // One bit of the binary body.
        let (head, body) = text.rsplit_once(':').unwrap();
        let mut raw = URL_SAFE_NO_PAD.decode(body).unwrap();
        let j = pos.index(raw.len());
        raw[j] ^= 1 << bit;
        let changed = Sealed::from_stored(format!("{head}:{}", URL_SAFE_NO_PAD.encode(&raw)));
        prop_assert_eq!(ring.open(pid, &changed).unwrap_err(), SealError::Invalid);
        // Truncation.
        let cut = Sealed::from_stored(text[..pos.index(text.len())].to_owned());
        prop_assert!(ring.open(pid, &cut).is_err());
    }
}
