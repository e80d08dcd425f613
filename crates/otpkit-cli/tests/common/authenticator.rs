//! A software security key (1Password's `passkey` crate: a CTAP2 authenticator behind a
//! WebAuthn client) that answers the options of otpkit-webauthn's ceremonies the way a
//! browser would; a compact copy of otpkit-webauthn's test harness.
#![allow(dead_code, clippy::unwrap_used)]

use otpkit_webauthn::webauthn_rs::prelude::{CreationChallengeResponse, RequestChallengeResponse};
use passkey::authenticator::{Authenticator, UiHint, UserCheck, UserValidationMethod};
use passkey::client::{Client, DefaultClientData};
use passkey::crypto::rust_crypto::RustCryptoBackend;
use passkey::types::Passkey;
use passkey::types::ctap2::{Aaguid, Ctap2Error};
use passkey::types::webauthn::{CredentialCreationOptions, CredentialRequestOptions};
use url::Url;

/// User presence and verification always given.
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

/// A software key of model `aaguid` holding one credential, with a signature counter.
pub struct Key {
    aaguid: [u8; 16],
    store: Option<Passkey>,
}

impl Key {
    pub fn new(aaguid: [u8; 16]) -> Key {
        Key {
            aaguid,
            store: None,
        }
    }

    fn authenticator(&self) -> Authenticator<Option<Passkey>, Present, RustCryptoBackend> {
        let mut a = Authenticator::new(
            Aaguid::from(self.aaguid),
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
        browser_json(serde_json::to_value(&created).unwrap())
    }

    /// `navigator.credentials.get(options)` at `origin`: the assertion in JSON.
    pub async fn assert(&mut self, origin: &str, options: &RequestChallengeResponse) -> String {
        let options: CredentialRequestOptions =
            serde_json::from_value(serde_json::to_value(options).unwrap()).unwrap();
        let mut client = Client::new(self.authenticator());
        let got = client
            .authenticate(Url::parse(origin).unwrap(), options, DefaultClientData)
            .await
            .unwrap();
        self.store = client.authenticator().store().clone();
        browser_json(serde_json::to_value(&got).unwrap())
    }
}

/// The JSON a browser sends (`PublicKeyCredential.toJSON()`): byte strings in base64url
/// without padding, where the `passkey` crate writes number arrays.
pub fn browser_json(mut v: serde_json::Value) -> String {
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
    walk(&mut v);
    v.to_string()
}
