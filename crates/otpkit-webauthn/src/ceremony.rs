//! The ceremonies: [`Passkeys`] starts and finishes registrations and authentications on an
//! [`Engine`] (see the crate docs for where their state lives and why).

use otpkit::engine::VerifyOptions;
use otpkit::kind::{Context, KindError};
use otpkit::policy::VerifyNotAllowed;
use otpkit::{Device, Engine, UserId, VerifyOutcome};
use webauthn_rs::prelude::{
    CreationChallengeResponse, CredentialID, Passkey, PublicKeyCredential,
    RequestChallengeResponse, Uuid, WebauthnError,
};

use std::sync::{Arc, Mutex};

use crate::handle::anchored_handle;
use crate::kind::{
    BINDING_TAG, Ceremony, MAX_RESPONSE_BYTES, MODEL_LABEL, Step, WebauthnDevice,
    credential_id_text, state_error,
};
use crate::mode::Passwordless;
use crate::refusal::Refusal;
use crate::rp::RelyingParty;

/// How long a ceremony may take by default, in seconds.
pub const DEFAULT_CEREMONY_SECS: u32 = 300;

/// The settings of [`Passkeys`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeySettings {
    /// The relying party.
    pub rp: RelyingParty,
    /// How long a started ceremony may be finished, 1 to 600 s (default 300).
    pub ceremony_secs: u32,
    /// The base back-off of the throttle of new passkeys, 0 to 86400 s (default 1; 0
    /// disables the delay, the failure count and lock-out stay).
    pub throttle_factor: u32,
    /// Whether a passkey alone signs in, without a password (default
    /// [`Passwordless::Off`]).
    pub passwordless: Passwordless,
}

impl PasskeySettings {
    /// The defaults for `rp`: ceremonies valid 300 s, throttle factor 1.
    pub fn new(rp: RelyingParty) -> PasskeySettings {
        PasskeySettings {
            rp,
            ceremony_secs: DEFAULT_CEREMONY_SECS,
            throttle_factor: 1,
            passwordless: Passwordless::Off,
        }
    }

    /// These settings with `passwordless`.
    pub fn passwordless(mut self, passwordless: Passwordless) -> PasskeySettings {
        self.passwordless = passwordless;
        self
    }
}

/// Why a ceremony could not be started or finished. Refusals of the response itself are not
/// errors: they are [`CeremonyOutcome::Refused`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PasskeyError {
    /// The engine has no passkey kind: register it with
    /// `Engine::builder(…).register::<WebauthnDevice>()`.
    #[error("the passkey kind is not registered with the engine")]
    KindNotRegistered,
    /// The relying party is invalid (the origin is not a URL, or its host is not the id or
    /// under it).
    #[error("the relying party is invalid: {0}")]
    RelyingParty(#[source] WebauthnError),
    /// A setting is out of range.
    #[error("{name} is out of range")]
    Setting {
        /// The setting's field name.
        name: &'static str,
    },
    /// webauthn-rs could not start the ceremony (e.g. a user name it refuses).
    #[error("the ceremony could not be started: {0}")]
    Start(#[source] WebauthnError),
    /// A passwordless sign-in was asked for, and [`PasskeySettings::passwordless`] is
    /// [`Passwordless::Off`].
    #[error("passwordless sign-in is switched off")]
    PasswordlessOff,
    /// The store or the engine failed; nothing was accepted (fail closed).
    #[error(transparent)]
    Engine(#[from] otpkit::Error),
}

/// What a finish answered.
#[derive(Debug, Clone)]
pub enum CeremonyOutcome {
    /// Accepted and committed: the new (now confirmed) device, or the device that signed in.
    Accepted(Device),
    /// No such ceremony's device for this user; nothing was written.
    NotFound,
    /// Refused before evaluation by the throttle or lock-out; nothing was written.
    NotAllowed(VerifyNotAllowed),
    /// Evaluated and refused: one failure was counted and the ceremony consumed, except for
    /// [`Refusal::UnknownCredential`] and a response that names no credential
    /// ([`Refusal::Malformed`]) at an authentication, which name no device of the user and
    /// write nothing.
    Refused(Refusal),
}

impl CeremonyOutcome {
    /// The device, if accepted.
    pub fn accepted(self) -> Option<Device> {
        match self {
            CeremonyOutcome::Accepted(d) => Some(d),
            _ => None,
        }
    }

    pub(crate) fn from_verify(out: VerifyOutcome) -> CeremonyOutcome {
        match out {
            VerifyOutcome::Accepted(d) => CeremonyOutcome::Accepted(d),
            VerifyOutcome::NotFound => CeremonyOutcome::NotFound,
            VerifyOutcome::NotAllowed(r) => CeremonyOutcome::NotAllowed(r),
            VerifyOutcome::Rejected(r) => CeremonyOutcome::Refused(Refusal::from_rejection(r)),
        }
    }
}

/// A started registration: the browser's options and the new unconfirmed device.
#[derive(Debug, Clone)]
pub struct RegistrationStart {
    /// The persistent id of the unconfirmed device the finish confirms.
    pub persistent_id: String,
    /// What `navigator.credentials.create()` takes (JSON-serialisable).
    pub options: CreationChallengeResponse,
}

/// Passkey ceremonies on an engine that has [`WebauthnDevice`] registered.
#[derive(Debug, Clone)]
pub struct Passkeys {
    engine: Engine,
    settings: PasskeySettings,
}

impl Passkeys {
    /// Checks the settings (the relying party builds, the ranges hold) and that the engine
    /// knows the kind.
    pub fn new(engine: Engine, settings: PasskeySettings) -> Result<Passkeys, PasskeyError> {
        if engine.registry().get(MODEL_LABEL).is_none() {
            return Err(PasskeyError::KindNotRegistered);
        }
        settings.rp.webauthn().map_err(PasskeyError::RelyingParty)?;
        if !(1..=600).contains(&settings.ceremony_secs) {
            return Err(PasskeyError::Setting {
                name: "ceremony_secs",
            });
        }
        if settings.throttle_factor > 86_400 {
            return Err(PasskeyError::Setting {
                name: "throttle_factor",
            });
        }
        Ok(Passkeys { engine, settings })
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The settings.
    pub fn settings(&self) -> &PasskeySettings {
        &self.settings
    }

    /// The user's passkey devices (confirmed ones) with their decoded state.
    pub(crate) async fn passkeys_of(
        &self,
        user: &UserId,
    ) -> Result<Vec<(Device, WebauthnDevice)>, PasskeyError> {
        Ok(self
            .engine
            .devices_of_kind::<WebauthnDevice>(user, Some(true))
            .await?
            .into_iter()
            .filter_map(|d| WebauthnDevice::from_state(&d.record().state).map(|s| (d, s)))
            .collect())
    }

    /// The name people see in their passkey manager: the user directory's display name (as
    /// the otpauth account name), else the user id.
    async fn display_name(&self, user: &UserId) -> String {
        self.engine
            .users()
            .lookup(user)
            .await
            .and_then(|i| i.display_name)
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| user.as_str().to_owned())
    }

    /// A new ceremony around webauthn-rs's `step`, bound to `binding` for this device.
    fn ceremony(
        &self,
        ctx: &Context<'_>,
        id: &str,
        binding: &[u8],
        step: Step,
    ) -> Result<Ceremony, KindError> {
        Ok(Ceremony {
            id: id.to_owned(),
            expires_at: ctx.now().add_secs(i64::from(self.settings.ceremony_secs)),
            binding: ctx.hash(&[BINDING_TAG, id.as_bytes(), binding])?,
            rp: self.settings.rp.clone(),
            step,
        })
    }

    /// Starts a registration for `user`: creates an unconfirmed device named `name`
    /// (default `Passkey or security key`) holding the ceremony, bound to `binding` (the
    /// caller's session binding value) and valid for `ceremony_secs`, and replaces the user's
    /// older pending passkey registrations. The user's registered passkeys are excluded, so
    /// that one authenticator is not registered twice.
    pub async fn start_registration(
        &self,
        user: &UserId,
        name: Option<&str>,
        binding: &[u8],
    ) -> Result<RegistrationStart, PasskeyError> {
        let existing = self.passkeys_of(user).await?;
        let handle = existing.first().map(|(_, s)| s.user_handle);
        let exclude: Vec<CredentialID> = existing
            .iter()
            .filter_map(|(_, s)| s.credential.as_ref().map(|c| c.cred_id().clone()))
            .collect();
        let display = self.display_name(user).await;
        let webauthn = self
            .settings
            .rp
            .webauthn()
            .map_err(PasskeyError::RelyingParty)?;
        let this = self.clone();
        let id = Uuid::new_v4().to_string();
        let binding = binding.to_vec();
        let factor = self.settings.throttle_factor;
        let discoverable = self.settings.passwordless != Passwordless::Off;
        // webauthn-rs's start needs the handle, which a first passkey takes from its new
        // record: it runs in the insert, and hands its options (or its error) out here.
        let started = Arc::new(Mutex::new(None));
        let out = started.clone();
        let created = self
            .engine
            .create_device::<WebauthnDevice, _>(user, name, false, move |ctx| {
                // A user's first passkey names the user's handle after its own record, so
                // that a passwordless sign-in finds the account at once.
                let handle = handle.unwrap_or_else(|| anchored_handle(ctx.persistent_id()));
                let start =
                    webauthn.start_passkey_registration(handle, &display, &display, Some(exclude));
                let (mut options, state) = match start {
                    Ok(s) => s,
                    Err(e) => {
                        if let Ok(mut slot) = out.lock() {
                            *slot = Some(Err(e));
                        }
                        return Err(state_error("the registration could not start"));
                    }
                };
                if discoverable {
                    ask_discoverable(&mut options);
                }
                if let Ok(mut slot) = out.lock() {
                    *slot = Some(Ok(options));
                }
                let ceremony = this.ceremony(ctx, &id, &binding, Step::Registration(state))?;
                Ok(WebauthnDevice::new(handle, factor, ceremony))
            })
            .await;
        let started = started.lock().ok().and_then(|mut o| o.take());
        let (device, options) = match (created, started) {
            (Ok(d), Some(Ok(o))) => (d, o),
            (_, Some(Err(e))) => return Err(PasskeyError::Start(e)),
            (Err(e), _) => return Err(e.into()),
            (Ok(_), None) => {
                let e = state_error("the registration options were not kept");
                return Err(PasskeyError::Engine(otpkit::Error::Kind(e)));
            }
        };
        self.engine
            .replace_pending(user, MODEL_LABEL, device.id())
            .await?;
        Ok(RegistrationStart {
            persistent_id: device.persistent_id(),
            options,
        })
    }

    /// Finishes the registration of device `pid` with the browser's response (the JSON of
    /// the `PublicKeyCredential` from `navigator.credentials.create()`), through the engine's
    /// `confirm_device`: one atomic transition consumes the ceremony and, on success, stores
    /// the credential and confirms the device.
    pub async fn finish_registration(
        &self,
        user: &UserId,
        pid: &str,
        response: &str,
        binding: &[u8],
    ) -> Result<CeremonyOutcome, PasskeyError> {
        if !is_passkey_pid(pid) {
            return Ok(CeremonyOutcome::NotFound);
        }
        let opts = VerifyOptions {
            binding: Some(binding.to_vec()),
        };
        let out = self
            .engine
            .confirm_device(user, pid, response, &opts)
            .await?;
        Ok(CeremonyOutcome::from_verify(out))
    }

    /// Starts an authentication of `user` with any of their passkeys: the options for
    /// `navigator.credentials.get()`, or `None` when the user has no passkey. The ceremony
    /// (one challenge) is stored on each of the user's passkeys, bound to `binding`; a new
    /// start replaces it.
    pub async fn start_authentication(
        &self,
        user: &UserId,
        binding: &[u8],
    ) -> Result<Option<RequestChallengeResponse>, PasskeyError> {
        let devices = self.passkeys_of(user).await?;
        let creds: Vec<Passkey> = devices
            .iter()
            .filter_map(|(_, s)| s.credential.clone())
            .collect();
        if creds.is_empty() {
            return Ok(None);
        }
        let webauthn = self
            .settings
            .rp
            .webauthn()
            .map_err(PasskeyError::RelyingParty)?;
        let (options, state) = webauthn
            .start_passkey_authentication(&creds)
            .map_err(PasskeyError::Start)?;
        let id = Uuid::new_v4().to_string();
        for (d, _) in &devices {
            let this = self.clone();
            let (id, binding, state) = (id.clone(), binding.to_vec(), state.clone());
            self.engine
                .with_kind_state::<WebauthnDevice, _, _>(&d.persistent_id(), move |k, ctx| {
                    if k.credential.is_some() {
                        let step = Step::Authentication(state.clone());
                        k.ceremony = Some(this.ceremony(ctx, &id, &binding, step)?);
                    }
                    Ok(())
                })
                .await?;
        }
        Ok(Some(options))
    }

    /// Finishes an authentication of `user` with the browser's assertion (the JSON of the
    /// `PublicKeyCredential` from `navigator.credentials.get()`): the passkey it names is
    /// verified through the engine's verify path, the assertion being the token — one atomic
    /// transition with the throttle, the per-account limit, lock-out, the signature counter,
    /// `last_used_at` and the audit events. The ceremony's copies on the user's other
    /// passkeys are withdrawn after it.
    pub async fn finish_authentication(
        &self,
        user: &UserId,
        assertion: &str,
        binding: &[u8],
    ) -> Result<CeremonyOutcome, PasskeyError> {
        if assertion.len() > MAX_RESPONSE_BYTES {
            return Ok(CeremonyOutcome::Refused(Refusal::Malformed));
        }
        let Ok(cred) = serde_json::from_str::<PublicKeyCredential>(assertion) else {
            return Ok(CeremonyOutcome::Refused(Refusal::Malformed));
        };
        let raw = credential_id_text(&cred.raw_id);
        let devices = self.passkeys_of(user).await?;
        let Some((device, state)) = devices
            .iter()
            .find(|(_, s)| s.credential_id.as_deref() == Some(raw.as_str()))
        else {
            return Ok(CeremonyOutcome::Refused(Refusal::UnknownCredential));
        };
        let opts = VerifyOptions {
            binding: Some(binding.to_vec()),
        };
        let out = self
            .engine
            .verify_token_detailed(Some(user), &device.persistent_id(), assertion, &opts)
            .await?;
        let evaluated = matches!(out, VerifyOutcome::Accepted(_) | VerifyOutcome::Rejected(_));
        if let (true, Some(c)) = (evaluated, &state.ceremony) {
            self.withdraw(&devices, device.id(), &c.id).await?;
        }
        Ok(CeremonyOutcome::from_verify(out))
    }

    /// The persistent id of the user's passkey that `assertion` names, if any.
    #[cfg(feature = "axum")]
    pub(crate) async fn pid_of(
        &self,
        user: &UserId,
        assertion: &str,
    ) -> Result<Option<String>, PasskeyError> {
        let Ok(cred) = serde_json::from_str::<PublicKeyCredential>(assertion) else {
            return Ok(None);
        };
        let raw = credential_id_text(&cred.raw_id);
        Ok(self
            .passkeys_of(user)
            .await?
            .into_iter()
            .find(|(_, s)| s.credential_id.as_deref() == Some(raw.as_str()))
            .map(|(d, _)| d.persistent_id()))
    }

    /// Withdraws ceremony `id` from the user's passkeys other than `used`.
    async fn withdraw(
        &self,
        devices: &[(Device, WebauthnDevice)],
        used: i64,
        id: &str,
    ) -> Result<(), PasskeyError> {
        for (d, s) in devices {
            if d.id() == used || s.ceremony.as_ref().is_none_or(|c| c.id != id) {
                continue;
            }
            let id = id.to_owned();
            self.engine
                .with_kind_state::<WebauthnDevice, _, _>(&d.persistent_id(), move |k, _| {
                    if k.ceremony.as_ref().is_some_and(|c| c.id == id) {
                        k.ceremony = None;
                    }
                    Ok(())
                })
                .await?;
        }
        Ok(())
    }
}

/// Asks the authenticator for a discoverable credential (a passkey that can sign in without
/// a user name) where it can make one: `residentKey: "preferred"` (webauthn-rs's passkey
/// registration says "discouraged" and does not export the type, hence through JSON).
fn ask_discoverable(options: &mut CreationChallengeResponse) {
    let Ok(mut v) = serde_json::to_value(&*options) else {
        return;
    };
    if let Some(sel) = v
        .get_mut("publicKey")
        .and_then(|p| p.get_mut("authenticatorSelection"))
        .and_then(serde_json::Value::as_object_mut)
    {
        sel.insert("residentKey".into(), "preferred".into());
        sel.insert("requireResidentKey".into(), false.into());
    }
    if let Ok(o) = serde_json::from_value(v) {
        *options = o;
    }
}

/// Whether `pid` names a passkey device (labels compare ASCII case-insensitively).
fn is_passkey_pid(pid: &str) -> bool {
    pid.rsplit_once('/')
        .is_some_and(|(label, _)| label.eq_ignore_ascii_case(MODEL_LABEL))
}
