//! Test harness: engines with the passkey kind on any store, and the software authenticator
//! of otpkit-webauthn-testkit (1Password's `passkey` crate behind a WebAuthn client) that
//! answers the options our ceremonies hand out, the way a browser would.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod suite;

use std::sync::Arc;

use otpkit::events::RecordingNotifier;
use otpkit::store::DeviceStore;
use otpkit::{Engine, KeyRing, ManualClock, MemoryStore, Settings, Timestamp, UserId};
use otpkit_webauthn::{PasskeySettings, Passkeys, Passwordless, RelyingParty, WebauthnDevice};

/// The relying party of the tests: id `example.com`, served at `https://login.example.com`.
pub const RP_ID: &str = "example.com";
pub const ORIGIN: &str = "https://login.example.com";
/// The AAGUID of the software authenticator.
pub const AAGUID: [u8; 16] = otpkit_webauthn_testkit::DEFAULT_AAGUID;

/// A fixed test key ring.
pub const TEST_KEYS: &str = "test1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

pub fn user(name: &str) -> UserId {
    UserId::new(name).unwrap()
}

/// An engine with the passkey kind on `store`, and its passkey ceremonies.
pub struct Rig {
    pub engine: Engine,
    pub passkeys: Passkeys,
    pub clock: ManualClock,
    pub notes: RecordingNotifier,
}

/// The passkey settings of the tests: throttle factor `factor`; passwordless sign-in for
/// every account ([`Passwordless::PasskeyOnly`]).
pub fn passkey_settings(factor: u32) -> PasskeySettings {
    PasskeySettings {
        throttle_factor: factor,
        ..PasskeySettings::new(RelyingParty::new(RP_ID, ORIGIN))
    }
    .passwordless(Passwordless::PasskeyOnly)
}

/// A rig on `store` sharing `clock` (two rigs on two stores of one database are two nodes).
pub fn rig_on(store: Arc<dyn DeviceStore>, clock: &ManualClock, factor: u32) -> Rig {
    let notes = RecordingNotifier::new();
    let engine = Engine::builder_arc(store, KeyRing::parse(TEST_KEYS).unwrap())
        .settings(Settings::default())
        .clock(clock.clone())
        .notifier(notes.clone())
        .register::<WebauthnDevice>()
        .build()
        .unwrap();
    let passkeys = Passkeys::new(engine.clone(), passkey_settings(factor)).unwrap();
    Rig {
        engine,
        passkeys,
        clock: clock.clone(),
        notes,
    }
}

/// A rig on a fresh `MemoryStore`, its clock at a fixed instant.
pub fn rig(factor: u32) -> Rig {
    let clock = ManualClock::new(Timestamp::from_secs(1_767_261_600));
    rig_on(Arc::new(MemoryStore::new()), &clock, factor)
}

/// The software authenticator of the tests (otpkit-webauthn-testkit).
pub use otpkit_webauthn_testkit::SoftKey as Key;

/// Registers `key` for `user` on `rig` (binding `binding`): the confirmed device's pid.
pub async fn enrol(rig: &Rig, user: &UserId, key: &mut Key, binding: &[u8]) -> String {
    let started = rig
        .passkeys
        .start_registration(user, Some("Test key"), binding)
        .await
        .unwrap();
    let response = key.register(ORIGIN, &started.options).await;
    let out = rig
        .passkeys
        .finish_registration(user, &started.persistent_id, &response, binding)
        .await
        .unwrap();
    let device = match out {
        otpkit_webauthn::CeremonyOutcome::Accepted(d) => d,
        other => panic!("registration not accepted: {other:?}"),
    };
    assert!(device.confirmed());
    device.persistent_id()
}

/// The device `pid` as stored now: its failure count, version and kind state.
pub async fn stored(rig: &Rig, pid: &str) -> (u32, i64, WebauthnDevice) {
    let d = rig.engine.from_persistent_id(pid).await.unwrap().unwrap();
    let state = WebauthnDevice::from_state(&d.record().state).unwrap();
    (d.throttle().failure_count, d.record().version, state)
}
