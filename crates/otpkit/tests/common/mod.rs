//! Helpers shared by the engine test binaries (`engine.rs`, `account.rs`): an engine on a
//! `MemoryStore` with an injected clock, mailer and notifier, and TOTP devices on the RFC 6238
//! key with codes computed independently of the engine.
#![allow(dead_code, clippy::unwrap_used, clippy::indexing_slicing)]

use otpkit::engine::{TotpOptions, VerifyOptions};
use otpkit::events::RecordingNotifier;
use otpkit::mailer::MemoryMailer;
use otpkit::oath::{Algorithm, Digits, OathKey, totp_at};
use otpkit::{
    Device, Engine, KeyRing, ManualClock, MemoryStore, SecretBytes, Settings, Timestamp, UserId,
    VerifyOutcome,
};

pub const RFC_KEY: &[u8] = b"12345678901234567890";

pub struct T {
    pub e: Engine,
    pub clock: ManualClock,
    pub mailer: MemoryMailer,
    pub notes: RecordingNotifier,
    pub store: MemoryStore,
}

/// An engine with `settings`, its clock at t = 0.
pub fn setup(settings: Settings) -> T {
    setup_at(settings, 0)
}

/// An engine with `settings`, its clock at `start_secs`.
pub fn setup_at(settings: Settings, start_secs: i64) -> T {
    let clock = ManualClock::new(Timestamp::from_secs(start_secs));
    let mailer = MemoryMailer::new();
    let notes = RecordingNotifier::new();
    let store = MemoryStore::new();
    let e = Engine::builder(store.clone(), KeyRing::random("k1").unwrap())
        .settings(settings)
        .clock(clock.clone())
        .mailer(mailer.clone())
        .notifier(notes.clone())
        .build()
        .unwrap();
    T {
        e,
        clock,
        mailer,
        notes,
        store,
    }
}

pub fn alice() -> UserId {
    UserId::new("alice").unwrap()
}

/// The RFC key's TOTP code for step `t`.
pub fn rfc_code(t: i64) -> String {
    totp_at(&OathKey::new(Algorithm::Sha1, RFC_KEY), t, Digits::SIX)
        .unwrap()
        .expose()
        .to_owned()
}

/// The RFC key's code for the engine clock's current step.
pub fn code_now(t: &T) -> String {
    rfc_code(t.e.now().as_secs() / 30)
}

/// A TOTP device of `user` on the RFC key; its persistent id.
pub async fn rfc_totp_of(t: &T, user: &UserId) -> String {
    t.e.create_totp(
        user,
        TotpOptions {
            key: Some(SecretBytes::new(RFC_KEY.to_vec())),
            ..TotpOptions::default()
        },
    )
    .await
    .unwrap()
    .persistent_id()
}

/// A TOTP device of alice on the RFC key; its persistent id.
pub async fn rfc_totp(t: &T) -> String {
    rfc_totp_of(t, &alice()).await
}

pub async fn verify(t: &T, pid: &str, token: &str) -> VerifyOutcome {
    t.e.verify_token_detailed(Some(&alice()), pid, token, &VerifyOptions::default())
        .await
        .unwrap()
}

pub async fn device(t: &T, pid: &str) -> Device {
    t.e.from_persistent_id(pid).await.unwrap().unwrap()
}

/// A well-formed token that matches none of the RFC key's candidates around step `t`.
pub fn wrong_code(t: i64) -> String {
    let near: Vec<String> = (t - 3..=t + 3).filter(|s| *s >= 0).map(rfc_code).collect();
    (0..)
        .map(|i| format!("{:06}", 111_111 * (i % 9) + i / 9))
        .find(|c| !near.contains(c))
        .unwrap()
}

/// [`wrong_code`] for the engine clock's current step.
pub fn wrong_now(t: &T) -> String {
    wrong_code(t.e.now().as_secs() / 30)
}
