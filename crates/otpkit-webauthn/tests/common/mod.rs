//! Test harness: engines with the passkey kind on any store, and a software authenticator
//! (1Password's `passkey` crate: a CTAP2 authenticator behind a WebAuthn client) that answers
//! the options our ceremonies hand out, the way a browser would.
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
use otpkit_webauthn::webauthn_rs::prelude::{CreationChallengeResponse, RequestChallengeResponse};
use otpkit_webauthn::{PasskeySettings, Passkeys, RelyingParty, WebauthnDevice};
use passkey::authenticator::{Authenticator, UiHint, UserCheck, UserValidationMethod};
use passkey::client::{Client, DefaultClientData};
use passkey::crypto::rust_crypto::RustCryptoBackend;
use passkey::types::Passkey;
use passkey::types::ctap2::{Aaguid, Ctap2Error};
use passkey::types::webauthn::{CredentialCreationOptions, CredentialRequestOptions};
use url::Url;

/// The relying party of the tests: id `example.com`, served at `https://login.example.com`.
pub const RP_ID: &str = "example.com";
pub const ORIGIN: &str = "https://login.example.com";
/// The AAGUID of the software authenticator.
pub const AAGUID: [u8; 16] = [0x5a; 16];

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

/// The passkey settings of the tests: throttle factor `factor`.
pub fn passkey_settings(factor: u32) -> PasskeySettings {
    PasskeySettings {
        throttle_factor: factor,
        ..PasskeySettings::new(RelyingParty::new(RP_ID, ORIGIN))
    }
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

/// User presence and verification always given (a person touching the key, PIN entered).
pub struct Present;

#[async_trait::async_trait]
impl UserValidationMethod for Present {
    type PasskeyItem = Passkey;

    async fn check_user<'a>(
        &self,
        _hint: UiHint<'a, Self::PasskeyItem>,
        _presence: bool,
        _verification: bool,
    ) -> Result<UserCheck, Ctap2Error> {
        Ok(UserCheck {
            presence: true,
            verification: true,
        })
    }

    fn is_verification_enabled(&self) -> Option<bool> {
        Some(true)
    }

    fn is_presence_enabled(&self) -> bool {
        true
    }
}

/// A software security key holding one credential, with a signature counter.
#[derive(Clone, Default)]
pub struct Key {
    pub store: Option<Passkey>,
}

impl Key {
    pub fn new() -> Key {
        Key::default()
    }

    fn authenticator(&self) -> Authenticator<Option<Passkey>, Present, RustCryptoBackend> {
        let mut a = Authenticator::new(
            Aaguid::from(AAGUID),
            self.store.clone(),
            Present,
            RustCryptoBackend,
        );
        a.set_make_credentials_with_signature_counter(true);
        a
    }

    /// `navigator.credentials.create(options)` at `origin`: the response in JSON.
    pub async fn register(&mut self, origin: &str, options: &CreationChallengeResponse) -> String {
        let options: CredentialCreationOptions =
            serde_json::from_value(serde_json::to_value(options).unwrap()).unwrap();
        let mut client = Client::new(self.authenticator());
        let created = client
            .register(Url::parse(origin).unwrap(), options, DefaultClientData)
            .await
            .unwrap();
        self.store = client.authenticator().store().clone();
        browser_json(&created)
    }

    /// `navigator.credentials.get(options)` at `origin`: the assertion in JSON.
    pub async fn assert(&mut self, origin: &str, options: &RequestChallengeResponse) -> String {
        let options = serde_json::to_value(options).unwrap();
        self.assert_value(origin, options).await
    }

    /// [`Key::assert`] on options given as JSON (a test may change them first).
    pub async fn assert_value(&mut self, origin: &str, options: serde_json::Value) -> String {
        let options: CredentialRequestOptions = serde_json::from_value(options).unwrap();
        let mut client = Client::new(self.authenticator());
        let got = client
            .authenticate(Url::parse(origin).unwrap(), options, DefaultClientData)
            .await
            .unwrap();
        self.store = client.authenticator().store().clone();
        browser_json(&got)
    }

    /// The key's signature counter.
    pub fn counter(&self) -> Option<u32> {
        self.store.as_ref().and_then(|p| p.counter)
    }

    /// Sets the key's signature counter (a clone of the key taken earlier).
    pub fn set_counter(&mut self, c: u32) {
        if let Some(p) = self.store.as_mut() {
            p.counter = Some(c);
        }
    }
}

/// The JSON a browser sends for a credential (`PublicKeyCredential.toJSON()`): every byte
/// string base64url without padding. The `passkey` crate serialises bytes as number arrays.
pub fn browser_json(credential: &impl serde::Serialize) -> String {
    use base64::Engine as _;
    fn walk(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Array(items)
                if !items.is_empty()
                    && items.iter().all(|i| i.as_u64().is_some_and(|n| n < 256)) =>
            {
                let bytes: Vec<u8> = items
                    .iter()
                    .filter_map(|i| i.as_u64())
                    .map(|n| n as u8)
                    .collect();
                *v = serde_json::Value::String(
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes),
                );
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(walk),
            serde_json::Value::Object(map) => map.values_mut().for_each(walk),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(credential).unwrap();
    walk(&mut v);
    v.to_string()
}

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
