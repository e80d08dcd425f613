//! Test support for otpkit's passkeys (not published): [`SoftKey`], a software security key —
//! 1Password's `passkey` crate, a CTAP2 authenticator behind a WebAuthn client — that answers
//! the options of otpkit-webauthn's ceremonies the way a browser would, and
//! [`browser_json`], the JSON a browser posts for a credential.
//!
//! Used by otpkit-webauthn's and otpkit-cli's tests and by otpkit-bench's `passkey_bench`.
//! Like an assertion in a test, it panics when the authenticator refuses the options.
#![allow(clippy::expect_used)]

use base64::Engine as _;
use passkey::authenticator::{Authenticator, UiHint, UserCheck, UserValidationMethod};
use passkey::client::{Client, DefaultClientData};
use passkey::crypto::rust_crypto::RustCryptoBackend;
use passkey::types::Passkey;
use passkey::types::ctap2::{Aaguid, Ctap2Error};
use passkey::types::webauthn::{CredentialCreationOptions, CredentialRequestOptions};
use url::Url;
use webauthn_rs::prelude::{CreationChallengeResponse, RequestChallengeResponse};

/// The AAGUID of a [`SoftKey::new`] key: a model no table names.
pub const DEFAULT_AAGUID: [u8; 16] = [0x5a; 16];

/// User presence and verification always given (a person touching the key, PIN entered).
#[derive(Debug, Clone, Copy)]
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

/// A software security key of one model (AAGUID) holding one credential, with a signature
/// counter. A clone is a copy of the key as it is now (a cloned authenticator).
#[derive(Clone)]
pub struct SoftKey {
    aaguid: [u8; 16],
    credential: Option<Passkey>,
}

impl Default for SoftKey {
    fn default() -> Self {
        SoftKey::new()
    }
}

impl std::fmt::Debug for SoftKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoftKey")
            .field("aaguid", &self.aaguid)
            .field("counter", &self.counter())
            .finish_non_exhaustive()
    }
}

impl SoftKey {
    /// An empty key of model [`DEFAULT_AAGUID`].
    pub fn new() -> SoftKey {
        SoftKey::with_aaguid(DEFAULT_AAGUID)
    }

    /// An empty key of model `aaguid`.
    pub fn with_aaguid(aaguid: [u8; 16]) -> SoftKey {
        SoftKey {
            aaguid,
            credential: None,
        }
    }

    fn authenticator(&self) -> Authenticator<Option<Passkey>, Present, RustCryptoBackend> {
        let mut a = Authenticator::new(
            Aaguid::from(self.aaguid),
            self.credential.clone(),
            Present,
            RustCryptoBackend,
        );
        a.set_make_credentials_with_signature_counter(true);
        a
    }

    /// `navigator.credentials.create(options)` at `origin`: the response in JSON. The key
    /// then holds the new credential.
    pub async fn register(&mut self, origin: &str, options: &CreationChallengeResponse) -> String {
        let options: CredentialCreationOptions =
            serde_json::from_value(serde_json::to_value(options).expect("options as JSON"))
                .expect("creation options the passkey crate reads");
        let mut client = Client::new(self.authenticator());
        let created = client
            .register(origin_url(origin), options, DefaultClientData)
            .await
            .expect("the software key registers");
        self.credential = client.authenticator().store().clone();
        browser_json(&created)
    }

    /// `navigator.credentials.get(options)` at `origin`: the assertion in JSON.
    pub async fn assert(&mut self, origin: &str, options: &RequestChallengeResponse) -> String {
        let options = serde_json::to_value(options).expect("options as JSON");
        self.assert_value(origin, options).await
    }

    /// [`SoftKey::assert`] on options given as JSON (a test may change them first).
    pub async fn assert_value(&mut self, origin: &str, options: serde_json::Value) -> String {
        let options: CredentialRequestOptions =
            serde_json::from_value(options).expect("request options the passkey crate reads");
        let mut client = Client::new(self.authenticator());
        let got = client
            .authenticate(origin_url(origin), options, DefaultClientData)
            .await
            .expect("the software key signs");
        self.credential = client.authenticator().store().clone();
        browser_json(&got)
    }

    /// The key's signature counter (`None` before it holds a credential).
    pub fn counter(&self) -> Option<u32> {
        self.credential.as_ref().and_then(|p| p.counter)
    }

    /// Sets the key's signature counter (to make a clone taken earlier go back).
    pub fn set_counter(&mut self, c: u32) {
        if let Some(p) = self.credential.as_mut() {
            p.counter = Some(c);
        }
    }
}

fn origin_url(origin: &str) -> Url {
    Url::parse(origin).expect("an origin URL")
}

/// The JSON a browser sends for a credential (`PublicKeyCredential.toJSON()`): every byte
/// string base64url without padding, where the `passkey` crate writes number arrays.
pub fn browser_json(credential: &impl serde::Serialize) -> String {
    fn walk(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Array(items)
                if !items.is_empty()
                    && items.iter().all(|i| i.as_u64().is_some_and(|n| n < 256)) =>
            {
                let bytes: Vec<u8> = items
                    .iter()
                    .filter_map(|i| i.as_u64().and_then(|n| u8::try_from(n).ok()))
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
    let mut v = serde_json::to_value(credential).expect("a credential as JSON");
    walk(&mut v);
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_arrays_become_base64url_and_the_rest_stays() {
        let v = serde_json::json!({"id": [0, 255, 1], "n": 300, "s": "x", "e": []});
        let out: serde_json::Value = serde_json::from_str(&browser_json(&v)).expect("json");
        assert_eq!(out["id"], "AP8B");
        assert_eq!(out["n"], 300);
        assert_eq!(out["s"], "x");
        assert_eq!(out["e"], serde_json::json!([]));
    }
}
