//! Stored device state (docs/behaviour.md §2.2, §2.9, REQ-07, REQ-14): a `DeviceRecord` whose kind
//! state is arbitrary text, run through the engine's load path — verification, match, confirm,
//! challenge, provisioning, info, key status and rotation — never panics; and a verification
//! either fails closed without writing anything, or changes the throttle exactly as §2.2 says.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use otpkit::device::NewDevice;
use otpkit::engine::{ChallengeOptions, VerifyOptions};
use otpkit::mailer::MemoryMailer;
use otpkit::store::{DeviceStore, DeviceStoreExt, Write};
use otpkit::{Engine, KeyRing, ManualClock, MemoryStore, Timestamp, UserId, VerifyOutcome};

const RING: &str = "fz:QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=,\
                    old:Q0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0M=";
const LABELS: [&str; 4] = [
    "otp_totp.totpdevice",
    "otp_hotp.hotpdevice",
    "otp_email.emaildevice",
    "otp_static.staticdevice",
];
const COUNTS: [u32; 4] = [0, 3, 100, u32::MAX];

fn rt() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
    })
}

fn ring() -> KeyRing {
    static R: OnceLock<KeyRing> = OnceLock::new();
    R.get_or_init(|| KeyRing::parse(RING).expect("the fixed ring parses"))
        .clone()
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    // state NUL token
    let (state, token) = match rest.iter().position(|&b| b == 0) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    };
    let state = String::from_utf8_lossy(state).into_owned();
    let token = String::from_utf8_lossy(token).into_owned();
    let label = LABELS[usize::from(sel & 3)];
    let count = COUNTS[usize::from((sel >> 2) & 3)];
    let confirmed = sel & 0x10 == 0;
    rt().block_on(run(label, state, &token, count, confirmed, sel));
});

async fn run(label: &str, state: String, token: &str, count: u32, confirmed: bool, sel: u8) {
    let now = Timestamp::from_secs(1_700_000_000);
    let clock = ManualClock::new(now);
    let store = MemoryStore::new();
    let engine = Engine::builder(store.clone(), ring())
        .clock(clock.clone())
        .mailer(MemoryMailer::new())
        .build()
        .expect("the engine builds");
    let alice = UserId::new("alice").expect("a valid user id");
    let rec = store
        .insert(
            NewDevice {
                user: alice.clone(),
                model_label: label.to_owned(),
                name: "fuzz".to_owned(),
                confirmed,
                created_at: now,
            },
            Box::new(move |_| Ok(state)),
        )
        .await
        .expect("the memory store inserts");
    let pid = rec.persistent_id();
    if count > 0 {
        let at = now.add_secs(-i64::from(sel >> 5));
        store
            .transition(rec.id, move |r| {
                r.throttle.failure_count = count;
                r.throttle.failure_timestamp = Some(at);
                (Write::Update, ())
            })
            .await
            .expect("the memory store updates");
    }

    // One verification: fails closed (nothing written) or follows docs/behaviour.md §2.2.
    let before = store
        .get(rec.id)
        .await
        .ok()
        .flatten()
        .expect("the device exists");
    let out = engine
        .verify_token_detailed(Some(&alice), &pid, token, &VerifyOptions::default())
        .await;
    let after = store
        .get(rec.id)
        .await
        .ok()
        .flatten()
        .expect("the device still exists");
    match &out {
        Err(_) | Ok(VerifyOutcome::NotFound | VerifyOutcome::NotAllowed(_)) => {
            assert!(
                after == before,
                "state changed without an evaluation: {out:?}"
            );
        }
        Ok(VerifyOutcome::Rejected(_)) => {
            assert_eq!(
                after.throttle.failure_count,
                before.throttle.failure_count.saturating_add(1),
                "a rejection adds exactly one failure"
            );
            assert_eq!(after.throttle.failure_timestamp, Some(now));
            assert_eq!(after.last_used_at, before.last_used_at);
        }
        Ok(VerifyOutcome::Accepted(_)) => {
            assert_eq!(after.throttle.failure_count, 0);
            assert_eq!(after.last_used_at, Some(now));
        }
    }
    if !confirmed {
        assert!(
            matches!(out, Ok(VerifyOutcome::NotFound)),
            "an unconfirmed device was evaluated by verify_token"
        );
    }

    // Every other path that loads the state.
    let _ = engine.match_token(Some(&alice), token).await;
    let _ = engine
        .confirm_device(&alice, &pid, token, &VerifyOptions::default())
        .await;
    let _ = engine
        .generate_challenge(&alice, &pid, &ChallengeOptions::default())
        .await;
    let _ = engine.provisioning(&pid).await;
    let _ = engine.current_totp(&pid).await;
    if let Ok(Some(d)) = engine.from_persistent_id(&pid).await {
        let _ = engine.info(&d);
        let _ = engine.verify_is_allowed(&d);
        let _ = engine.generate_is_allowed(&d);
        let _ = engine.policies(&d);
    }
    let _ = engine.devices_for_user(Some(&alice), None).await;
    let _ = engine.key_status().await;
    let _ = engine.rotate_keys().await;
    let _ = engine.generate_backup_codes(&alice, Some(1)).await;
    let _ = engine.add_static_token(&alice, Some(token)).await;
    let _ = engine.generate_token(&pid, 6, 300).await;
}
