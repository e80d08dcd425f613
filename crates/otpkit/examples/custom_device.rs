//! A third-party device kind: the Rust face of django-otp's `CustomDevice` seed example.
//!
//! `CustomDevice` keeps a `secret_key`, gets timestamps and throttling (factor 1: 1 s, 2 s,
//! 4 s, … back-off) from the engine without implementing them, and needs no schema change.
//! A suspended device refuses verification with its own message (`KindRefusal`).
//!
//! Run: `cargo run -p otpkit --example custom_device`

use otpkit::engine::VerifyOutcome;
use otpkit::kind::{Context, DeviceKind, KindError, KindRefusal, Verdict, ct_eq};
use otpkit::policy::VerifyNotAllowed;
use otpkit::{Engine, KeyRing, ManualClock, MemoryStore, Settings, Timestamp, UserId};
use serde::{Deserialize, Serialize};

/// The device's own state: a shared secret, and whether its owner suspended it.
#[derive(Serialize, Deserialize)]
struct CustomDevice {
    secret_key: String,
    #[serde(default)]
    suspended: bool,
}

impl DeviceKind for CustomDevice {
    const MODEL_LABEL: &'static str = "myapp.customdevice";
    const VERBOSE_NAME: &'static str = "Custom device";

    fn throttle_factor(&self, _: &Settings) -> u32 {
        1 // 1 s base back-off; the engine applies it
    }

    fn verify_is_allowed(&self, _ctx: &Context<'_>) -> Result<(), KindRefusal> {
        // Checked before any token is looked at; not a failed attempt.
        if self.suspended {
            return Err(KindRefusal::new("This device is suspended by its owner."));
        }
        Ok(())
    }

    fn verify(&mut self, token: &str, _ctx: &mut Context<'_>) -> Result<Verdict, KindError> {
        // Policies (throttling, timestamps) are the engine's job: only the match is ours.
        Ok(
            if ct_eq(token.trim().as_bytes(), self.secret_key.as_bytes()) {
                Verdict::Accepted
            } else {
                Verdict::Invalid
            },
        )
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let clock = ManualClock::new(Timestamp::from_secs(1_767_261_600)); // 2026-01-01T10:00:00Z
    let engine = Engine::builder(MemoryStore::new(), KeyRing::random("k1")?)
        .clock(clock.clone())
        .register::<CustomDevice>()
        .build()?;
    let alice = UserId::new("alice")?;

    let device = engine
        .create_device(&alice, None, true, |_ctx| {
            Ok(CustomDevice {
                secret_key: "opensesame".into(),
                suspended: false,
            })
        })
        .await?;
    let pid = device.persistent_id();
    println!("created {device} as {pid}");
    let (throttling, cooldown) = engine.policies(&device);
    println!("throttling_enabled={throttling} cooldown_enabled={cooldown}");

    let opts = Default::default();
    let out = engine
        .verify_token_detailed(Some(&alice), &pid, "wrong", &opts)
        .await?;
    println!("wrong token            -> {out:?}");
    assert!(matches!(out, VerifyOutcome::Rejected(_)));

    clock.advance_millis(999);
    let out = engine
        .verify_token_detailed(Some(&alice), &pid, "opensesame", &opts)
        .await?;
    println!("right token at +0.999s -> {}", describe(&out));
    assert!(
        matches!(out, VerifyOutcome::NotAllowed(_)),
        "throttled: not even evaluated"
    );

    clock.advance_millis(1);
    let out = engine
        .verify_token_detailed(Some(&alice), &pid, "opensesame", &opts)
        .await?;
    println!("right token at +1.000s -> {}", describe(&out));
    let VerifyOutcome::Accepted(device) = out else {
        return Err("the correct token must be accepted once the back-off ended".into());
    };
    println!(
        "last_used_at={} failure_count={}",
        device
            .last_used_at()
            .map(|t| t.to_rfc3339())
            .unwrap_or_default(),
        device.throttle().failure_count
    );
    assert_eq!(device.last_used_at(), Some(clock_now(&clock)));
    assert_eq!(device.throttle().failure_count, 0);

    let suspended = engine
        .create_device(&alice, Some("spare"), true, |_ctx| {
            Ok(CustomDevice {
                secret_key: "opensesame".into(),
                suspended: true,
            })
        })
        .await?
        .persistent_id();
    let out = engine
        .verify_token_detailed(Some(&alice), &suspended, "opensesame", &opts)
        .await?;
    println!("suspended device       -> {}", describe(&out));
    let VerifyOutcome::NotAllowed(VerifyNotAllowed::Kind { refusal }) = out else {
        return Err("a suspended device refuses before evaluating the token".into());
    };
    assert_eq!(
        refusal.message(),
        Some("This device is suspended by its owner.")
    );
    println!("ok: custom kind verified with the engine's throttling and timestamps");
    Ok(())
}

fn clock_now(c: &ManualClock) -> Timestamp {
    use otpkit::Clock;
    c.now()
}

fn describe(o: &VerifyOutcome) -> String {
    match o {
        VerifyOutcome::Accepted(d) => format!("accepted ({})", d.persistent_id()),
        VerifyOutcome::NotAllowed(r) => format!(
            "not allowed: {}",
            serde_json::to_string(r).unwrap_or_default()
        ),
        other => format!("{other:?}"),
    }
}
