//! The store conformance suite: one generic set of cases every [`DeviceStore`] must pass,
//! from the storage contract up to the engine's concurrency requirements (docs/behaviour.md §2.9,
//! REQ-04, REQ-05). Each backend instantiates it with `store_conformance_tests!`,
//! giving a factory for **two store instances on one fresh database** (two pools, or two
//! application instances); the concurrent cases spread their tasks over both.
//!
//! The concurrency cases repeat `OTPKIT_CONFORMANCE_REPETITIONS` times (default 200, as
//! docs/behaviour.md §10 asks) and fail on the first violation.
//!
//! This is test code compiled into the library (behind the `conformance` feature) so that
//! backends in other crates can run it: like any test, it panics on a violation.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::sync::Arc;

use crate::clock::{ManualClock, Timestamp};
use crate::engine::{Engine, HotpOptions, TotpOptions, VerifyOptions, VerifyOutcome};
use crate::mailer::MemoryMailer;
use crate::oath::{Algorithm, Digits, OathKey};
use crate::policy::VerifyNotAllowed;
use crate::record::{DeviceId, DeviceRecord, NewDevice, ThrottleState};
use crate::seal::KeyRing;
use crate::secret::SecretBytes;
use crate::settings::Settings;
use crate::settings::{
    EmailSettings, HotpSettings, StaticSettings, ThrottleSettings, TotpSettings,
};
use crate::store::{DeviceQuery, DeviceStore, DeviceStoreExt, StoreError, Write};
use crate::user::UserId;

mod concurrency;
mod contract;
mod import;
pub mod trust;
mod verification;

pub use concurrency::*;
pub use contract::*;
pub use import::*;
pub use verification::*;

/// A fixed test key ring (never use it for real data).
pub const TEST_KEYS: &str = "test1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// The RFC 4226 test key.
pub const RFC_KEY: &[u8] = b"12345678901234567890";

/// How many times each concurrency case runs.
pub fn repetitions() -> usize {
    std::env::var("OTPKIT_CONFORMANCE_REPETITIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

fn user(name: &str) -> UserId {
    UserId::new(name).expect("valid user id")
}

fn new_device(u: &str, label: &str, confirmed: bool, at: i64) -> NewDevice {
    NewDevice {
        user: user(u),
        model_label: label.into(),
        name: format!("{label} of {u}"),
        confirmed,
        created_at: Timestamp::from_millis(at),
    }
}

async fn insert(
    s: &dyn DeviceStore,
    u: &str,
    label: &str,
    confirmed: bool,
    at: i64,
) -> DeviceRecord {
    s.insert(
        new_device(u, label, confirmed, at),
        Box::new(|id| Ok(format!("{{\"n\":{id}}}"))),
    )
    .await
    .expect("insert")
}

/// Two engines (one per store instance) sharing a clock, key ring, mailer and settings.
pub struct Pair {
    /// The engine on the first instance.
    pub a: Engine,
    /// The engine on the second instance.
    pub b: Engine,
    /// The shared clock.
    pub clock: ManualClock,
    /// The shared outbox.
    pub mailer: MemoryMailer,
}

/// Builds a [`Pair`] on two store instances.
pub fn engines(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>, settings: Settings) -> Pair {
    let keys = KeyRing::parse(TEST_KEYS).expect("test ring");
    let clock = ManualClock::new(Timestamp::from_secs(1_700_000_000));
    let mailer = MemoryMailer::new();
    let build = |s: Arc<dyn DeviceStore>| {
        Engine::builder_arc(s, keys.clone())
            .settings(settings.clone())
            .clock(clock.clone())
            .mailer(mailer.clone())
            .build()
            .expect("engine")
    };
    Pair {
        a: build(a),
        b: build(b),
        clock,
        mailer,
    }
}

/// Options for a TOTP device with the RFC 6238 test key.
fn rfc_totp() -> TotpOptions {
    TotpOptions {
        key: Some(SecretBytes::new(RFC_KEY.to_vec())),
        ..TotpOptions::default()
    }
}

/// The RFC 6238 SHA-1 code of step `t`.
fn code_at(t: i64) -> String {
    let key = OathKey::new(Algorithm::Sha1, RFC_KEY);
    crate::oath::totp_at(&key, t, Digits::SIX)
        .expect("step ≥ 0")
        .expose()
        .to_owned()
}

fn no_throttle() -> Settings {
    Settings {
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
    }
}

/// Instantiates the conformance suite for a backend: one `#[tokio::test]` per case.
/// `$make` is an expression evaluating to a future of two store instances on one fresh
/// database, `(Arc<dyn DeviceStore>, Arc<dyn DeviceStore>)`.
///
/// `crates/otpkit/tests/memory_conformance.rs` is a complete instantiation:
///
/// ```text
/// otpkit::store_conformance_tests!(async {
///     let s = otpkit::MemoryStore::new();
///     (Arc::new(s.clone()) as Arc<dyn otpkit::DeviceStore>, Arc::new(s) as Arc<dyn otpkit::DeviceStore>)
/// });
/// ```
#[macro_export]
macro_rules! store_conformance_tests {
    ($make:expr) => {
        $crate::store_conformance_tests!(@cases $make;
            insert_and_round_trip, missing_devices, writes, init_failure_stores_nothing,
            listing, user_transitions, transition_results, user_transition_results,
            concurrent_transition_values, engine_totp, engine_throttle_boundary, engine_hotp,
            concurrent_totp_single_use, concurrent_hotp_single_use,
            concurrent_backup_code_single_use, concurrent_email_single_use,
            concurrent_failures_all_counted, concurrent_failures_throttled,
            concurrent_account_failures_all_counted, concurrent_account_failures_throttled,
            concurrent_match_token, engine_purge_abandoned_enrolments,
            import_keeps_persistent_ids, import_is_all_or_nothing, imported_ids_are_never_reused,
            concurrent_imports_store_once, imported_devices_verify_once);
    };
    (@cases $make:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let (a, b): (
                    ::std::sync::Arc<dyn $crate::store::DeviceStore>,
                    ::std::sync::Arc<dyn $crate::store::DeviceStore>,
                ) = $make.await;
                $crate::conformance::$case(a, b).await;
            }
        )*
    };
}

fn otpkit_now(c: &ManualClock) -> Timestamp {
    use crate::clock::Clock;
    c.now()
}
