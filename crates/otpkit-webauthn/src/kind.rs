//! The passkey / security-key kind, `otp_webauthn.webauthndevice`: its state in the device
//! record and its half of each ceremony's finish (see the crate docs for the design).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use otpkit::kind::{Context, DeviceKind, KeyIds, KindError, Verdict};
use otpkit::seal::KeyedHash;
use otpkit::{Settings, Timestamp};
use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::{
    AuthenticationResult, DiscoverableAuthentication, Passkey, PasskeyAuthentication,
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential, Uuid, Webauthn,
    WebauthnError,
};

use crate::refusal::Refusal;
use crate::rp::RelyingParty;

/// The model label of passkeys and security keys.
pub const MODEL_LABEL: &str = "otp_webauthn.webauthndevice";

/// The domain separation tag of a ceremony's binding hash.
pub(crate) const BINDING_TAG: &[u8] = b"otpkit-webauthn/binding";

/// The longest response (JSON) a finish reads; a longer one is malformed unread.
pub const MAX_RESPONSE_BYTES: usize = 16 * 1024;

/// The state of one passkey or security key, stored in its device record (no schema change).
///
/// Nothing here is secret: the credential holds a *public* key, and a ceremony's challenge is
/// sent to the browser anyway. The binding of a ceremony to the session that started it is
/// stored only as a keyed hash (the session's binding value never enters the database).
#[derive(Clone, Serialize, Deserialize)]
pub struct WebauthnDevice {
    /// The WebAuthn user handle: random, the same for all of a user's passkeys, never the
    /// user id.
    pub user_handle: Uuid,
    /// The registered credential (webauthn-rs's `Passkey`: credential id, public key,
    /// counter, backup flags); `None` until the registration finished.
    #[serde(default)]
    pub credential: Option<Passkey>,
    /// The credential id, base64url without padding (looked up at authentication).
    #[serde(default)]
    pub credential_id: Option<String>,
    /// The highest signature counter seen; 0 for authenticators without a counter.
    #[serde(default)]
    pub sign_count: u32,
    /// The transports the browser reported at registration (`usb`, `internal`, `hybrid`, …).
    #[serde(default)]
    pub transports: Vec<String>,
    /// The authenticator's model (AAGUID), when it told one (all zeros is "none").
    #[serde(default)]
    pub aaguid: Option<Uuid>,
    /// Whether the credential may be backed up (a synced passkey).
    #[serde(default)]
    pub backup_eligible: bool,
    /// Whether the credential is backed up now.
    #[serde(default)]
    pub backup_state: bool,
    /// The base back-off of the throttle in seconds (docs/behaviour.md §2.5), fixed when the
    /// device was registered ([`PasskeySettings::throttle_factor`](crate::PasskeySettings)).
    #[serde(default = "one")]
    pub throttle_factor: u32,
    /// The outstanding ceremony, consumed by the next finish whatever its result.
    #[serde(default)]
    pub ceremony: Option<Ceremony>,
    /// The passwordless sign-in ceremonies put on this passkey that have not expired yet
    /// (id, expiry): one is put on a passkey only if it is not among them, so that each is
    /// finished at most once (see [`PendingSignIn`](crate::PendingSignIn)).
    #[serde(default)]
    pub passwordless_used: Vec<(String, Timestamp)>,
}

fn one() -> u32 {
    1
}

impl fmt::Debug for WebauthnDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebauthnDevice")
            .field("credential_id", &self.credential_id)
            .field("sign_count", &self.sign_count)
            .field("aaguid", &self.aaguid)
            .field("ceremony", &self.ceremony)
            .finish_non_exhaustive()
    }
}

/// An outstanding ceremony: webauthn-rs's state, server side only, single use.
#[derive(Clone, Serialize, Deserialize)]
pub struct Ceremony {
    /// Names this ceremony; an authentication's copies on the user's other passkeys carry
    /// the same id and are withdrawn with it.
    pub id: String,
    /// The ceremony is refused from this instant on.
    pub expires_at: Timestamp,
    /// The keyed hash of (ceremony id, the caller's binding value).
    pub binding: KeyedHash,
    /// The relying party the ceremony was started for (checked again at the finish).
    pub rp: RelyingParty,
    /// webauthn-rs's state of the ceremony.
    pub step: Step,
}

impl fmt::Debug for Ceremony {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ceremony")
            .field("step", &self.step.name())
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Which ceremony, with webauthn-rs's state.
#[derive(Clone, Serialize, Deserialize)]
#[serde(tag = "step", content = "state", rename_all = "snake_case")]
pub enum Step {
    /// A registration (enrolment) on the unconfirmed device it creates.
    Registration(PasskeyRegistration),
    /// An authentication, on each of the user's confirmed passkeys.
    Authentication(PasskeyAuthentication),
    /// A passwordless sign-in (a discoverable passkey), put on the passkey the assertion
    /// named just before its finish.
    Discoverable(DiscoverableAuthentication),
}

impl Step {
    /// `registration`, `authentication` or `passwordless`.
    pub fn name(&self) -> &'static str {
        match self {
            Step::Registration(_) => "registration",
            Step::Authentication(_) => "authentication",
            Step::Discoverable(_) => "passwordless",
        }
    }
}

/// The base64url form of a credential id.
pub(crate) fn credential_id_text(id: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(id)
}

fn refused(r: Refusal) -> Verdict {
    match r {
        Refusal::CounterRegression => Verdict::CounterRegressed,
        r => Verdict::Refused(r.code()),
    }
}

/// A stored ceremony that cannot be used fails closed as a state error.
pub(crate) fn state_error(what: &str) -> KindError {
    KindError::StateDecode(<serde_json::Error as serde::de::Error>::custom(what))
}

impl WebauthnDevice {
    /// A passkey being registered: user handle `handle`, throttle factor `factor`, the
    /// registration `ceremony` outstanding.
    pub(crate) fn new(handle: Uuid, factor: u32, ceremony: Ceremony) -> WebauthnDevice {
        WebauthnDevice {
            user_handle: handle,
            credential: None,
            credential_id: None,
            sign_count: 0,
            transports: Vec::new(),
            aaguid: None,
            backup_eligible: false,
            backup_state: false,
            throttle_factor: factor,
            ceremony: Some(ceremony),
            passwordless_used: Vec::new(),
        }
    }

    /// The state of a passkey device, decoded from its record (`None` if it is not one).
    pub fn from_state(state: &str) -> Option<WebauthnDevice> {
        serde_json::from_str(state).ok()
    }

    fn finish_registration(
        &mut self,
        webauthn: &Webauthn,
        state: &PasskeyRegistration,
        token: &str,
    ) -> Verdict {
        if self.credential.is_some() {
            return refused(Refusal::NoChallenge);
        }
        let Ok(reg) = serde_json::from_str::<RegisterPublicKeyCredential>(token) else {
            return refused(Refusal::Malformed);
        };
        let passkey = match webauthn.finish_passkey_registration(&reg, state) {
            Ok(p) => p,
            Err(e) => return refused(Refusal::from_webauthn(&e, true)),
        };
        let summary = Summary::of(&passkey);
        self.credential_id = Some(credential_id_text(passkey.cred_id()));
        self.sign_count = summary.counter;
        self.backup_eligible = summary.backup_eligible;
        self.backup_state = summary.backup_state;
        self.transports = reg
            .response
            .transports
            .iter()
            .flatten()
            .filter_map(|t| serde_json::to_value(t).ok())
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        self.aaguid = aaguid(&reg.response.attestation_object);
        self.credential = Some(passkey);
        Verdict::Accepted
    }

    /// The finish of an authentication: `check` is webauthn-rs's verification of the
    /// assertion against the ceremony's state and this passkey.
    fn finish_authentication(
        &mut self,
        token: &str,
        check: impl FnOnce(
            &PublicKeyCredential,
            &Passkey,
        ) -> Result<AuthenticationResult, WebauthnError>,
    ) -> Verdict {
        let Some(passkey) = self.credential.as_mut() else {
            return refused(Refusal::NoChallenge);
        };
        let Ok(cred) = serde_json::from_str::<PublicKeyCredential>(token) else {
            return refused(Refusal::Malformed);
        };
        // The ceremony's state allows all of the user's credentials; this device answers
        // only for its own.
        if cred.raw_id.as_slice() != passkey.cred_id().as_slice() {
            return refused(Refusal::UnknownCredential);
        }
        let result = match check(&cred, passkey) {
            Ok(r) => r,
            Err(WebauthnError::CredentialPossibleCompromise) => {
                return Verdict::CounterRegressed;
            }
            Err(e) => return refused(Refusal::from_webauthn(&e, false)),
        };
        // webauthn-rs compares with the counter captured when the ceremony started; this is
        // the counter as stored now (WebAuthn §7.2 step 21).
        let counter = result.counter();
        if (counter > 0 || self.sign_count > 0) && counter <= self.sign_count {
            return Verdict::CounterRegressed;
        }
        passkey.update_credential(&result);
        self.sign_count = counter;
        self.backup_eligible = result.backup_eligible();
        self.backup_state = result.backup_state();
        Verdict::Accepted
    }
}

/// What the `Passkey` holds that we show, read from its stable serialised form.
struct Summary {
    counter: u32,
    backup_eligible: bool,
    backup_state: bool,
}

impl Summary {
    fn of(passkey: &Passkey) -> Summary {
        let v = serde_json::to_value(passkey).unwrap_or_default();
        let field = |name: &str| v.get("cred").and_then(|c| c.get(name)).cloned();
        Summary {
            counter: field("counter")
                .and_then(|c| c.as_u64())
                .and_then(|c| u32::try_from(c).ok())
                .unwrap_or(0),
            backup_eligible: field("backup_eligible")
                .and_then(|b| b.as_bool())
                .unwrap_or(false),
            backup_state: field("backup_state")
                .and_then(|b| b.as_bool())
                .unwrap_or(false),
        }
    }
}

/// The AAGUID in a registration's attestation object: authenticator data bytes 37..53
/// (after the RP id hash, the flags and the counter), when attested credential data is
/// present (flag 0x40). All zeros means the authenticator named no model.
fn aaguid(attestation_object: &[u8]) -> Option<Uuid> {
    use serde_cbor_2::Value;
    let Value::Map(map) = serde_cbor_2::from_slice::<Value>(attestation_object).ok()? else {
        return None;
    };
    let auth_data = map.iter().find_map(|(k, v)| match (k, v) {
        (Value::Text(k), Value::Bytes(b)) if k == "authData" => Some(b),
        _ => None,
    })?;
    let flags = *auth_data.get(32)?;
    if flags & 0x40 == 0 {
        return None;
    }
    let bytes: [u8; 16] = auth_data.get(37..53)?.try_into().ok()?;
    Some(Uuid::from_bytes(bytes)).filter(|u| !u.is_nil())
}

impl DeviceKind for WebauthnDevice {
    const MODEL_LABEL: &'static str = MODEL_LABEL;
    const VERBOSE_NAME: &'static str = "Passkey or security key";
    const MAX_TOKEN_BYTES: usize = MAX_RESPONSE_BYTES;
    // An assertion is never typed: a typed code must not count against a passkey.
    const MATCHABLE: bool = false;

    fn throttle_factor(&self, _settings: &Settings) -> u32 {
        self.throttle_factor
    }

    /// The finish of the outstanding ceremony, `token` being the browser's response in JSON.
    /// The ceremony is consumed whatever the result (it is written back with the failure
    /// count), so that no challenge is ever used twice.
    fn verify(&mut self, token: &str, ctx: &mut Context<'_>) -> Result<Verdict, KindError> {
        let Some(c) = self.ceremony.take() else {
            return Ok(refused(Refusal::NoChallenge));
        };
        if ctx.now() >= c.expires_at {
            return Ok(refused(Refusal::ChallengeExpired));
        }
        let binding = ctx.binding().unwrap_or_default();
        if !ctx.verify_hash(&[BINDING_TAG, c.id.as_bytes(), binding], &c.binding)? {
            return Ok(refused(Refusal::SessionMismatch));
        }
        let webauthn =
            c.rp.webauthn()
                .map_err(|_| state_error("the stored relying party is invalid"))?;
        Ok(match &c.step {
            Step::Registration(state) => self.finish_registration(&webauthn, state, token),
            Step::Authentication(state) => self.finish_authentication(token, |cred, _| {
                webauthn.finish_passkey_authentication(cred, state)
            }),
            Step::Discoverable(state) => self.finish_authentication(token, |cred, passkey| {
                webauthn.finish_discoverable_authentication_v2(cred, state.clone(), passkey)
            }),
        })
    }

    /// What the admin area and `otpkit device show --json` show: the model, the counter, the
    /// transports and backup flags, an outstanding ceremony's kind and expiry. No key
    /// material, no credential id, no challenge.
    fn info(&self) -> serde_json::Value {
        serde_json::json!({
            "registered": self.credential.is_some(),
            "model": self.aaguid.as_ref().and_then(crate::authenticator_name),
            "aaguid": self.aaguid,
            "sign_count": self.sign_count,
            "transports": self.transports.join(", "),
            "backup_eligible": self.backup_eligible,
            "backed_up": self.backup_state,
            "ceremony": self.ceremony.as_ref().map(|c| {
                format!("{} until {}", c.step.name(), c.expires_at.to_rfc3339())
            }),
        })
    }

    fn key_ids(&self) -> KeyIds {
        KeyIds {
            sealed: Vec::new(),
            hashed: self
                .ceremony
                .iter()
                .map(|c| c.binding.key_id().to_owned())
                .collect(),
        }
    }
}
