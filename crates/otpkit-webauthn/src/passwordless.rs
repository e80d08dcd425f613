//! Passwordless sign-in (opt-in, [`PasskeySettings::passwordless`]): a discoverable passkey
//! with user verification signs in in one step, without a user name or password.
//!
//! # Where the ceremony lives
//!
//! The sign-in starts before anyone is known, so its state ([`PendingSignIn`]) cannot sit on
//! a passkey yet: the caller keeps it server side (otpkit-axum's session store — never the
//! cookie or anything the client holds) and hands it back to
//! [`Passkeys::finish_passwordless`], which
//!
//! 1. reads the user handle and credential id the authenticator answered, and finds the
//!    passkey they name (the handle of a user's first passkey names that passkey's record;
//!    older handles are looked up among all passkeys);
//! 2. checks the signature against the sign-in's challenge *before* writing anything, so that
//!    an anonymous caller cannot count failures against somebody's passkey;
//! 3. puts the ceremony on that passkey in one atomic step, only if it was never put there
//!    before ([`WebauthnDevice::passwordless_used`] keeps the ids until they expire): a
//!    sign-in's ceremony reaches a passkey at most once, however many finishes race;
//! 4. finishes it through the engine's verify path, exactly as a second-factor
//!    authentication: throttle, lock-out, the signature counter, `last_used_at`, the events.
//!
//! An account whose only confirmed sign-in methods are passkeys signs in this way only with
//! [`Passwordless::PasskeyOnly`]; with [`Passwordless::WithFallback`] it is told to sign in
//! with the password and add another method first.

use otpkit::engine::VerifyOptions;
use otpkit::store::DeviceQuery;
use otpkit::{Device, Timestamp, UserId};
use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::{
    DiscoverableAuthentication, PublicKeyCredential, RequestChallengeResponse, Uuid, WebauthnError,
};

use crate::ceremony::{CeremonyOutcome, PasskeyError, Passkeys};
use crate::handle::anchor_of;
use crate::kind::{BINDING_TAG, Ceremony, MAX_RESPONSE_BYTES, MODEL_LABEL, Step, WebauthnDevice};
use crate::mode::Passwordless;
use crate::refusal::Refusal;
use crate::rp::RelyingParty;

/// A started passwordless sign-in, kept server side by the caller until the finish (and
/// removed there: it is single use). Nothing in it is secret; it must not reach the client.
#[derive(Clone, Serialize, Deserialize)]
pub struct PendingSignIn {
    id: String,
    expires_at: Timestamp,
    rp: RelyingParty,
    state: DiscoverableAuthentication,
}

impl std::fmt::Debug for PendingSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingSignIn")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// What a passwordless finish answered.
#[derive(Debug, Clone)]
pub enum SignInOutcome {
    /// The passkey of `user` signed in (committed like any verification).
    Accepted {
        /// Whose passkey it was.
        user: UserId,
        /// The passkey.
        device: Device,
    },
    /// The account's only sign-in methods are passkeys and the setting is
    /// [`Passwordless::WithFallback`]: nothing was written; the user signs in with the
    /// password and adds another method.
    NeedsFallback,
    /// Refused before evaluation by the passkey's throttle or lock-out; nothing written.
    NotAllowed(otpkit::policy::VerifyNotAllowed),
    /// Refused before anything was written. [`Refusal::UnknownCredential`] also answers an
    /// inactive account (no enumeration).
    Refused(Refusal),
    /// The passkey evaluated the assertion and refused it (e.g. a signature counter that did
    /// not advance): one failure counted on it, as at a second-factor step.
    Failed {
        /// Whose passkey it was.
        user: UserId,
        /// The passkey's persistent id.
        device: String,
        /// Why.
        refusal: Refusal,
    },
}

/// The most unexpired passwordless ceremonies one passkey remembers (each needs a real
/// assertion of that passkey to get there: far more than anyone signs in in 300 s).
const MAX_UNEXPIRED: usize = 64;

/// How many passkeys one page of the fallback search reads.
const SEARCH_PAGE: u32 = 500;

impl Passkeys {
    /// Starts a passwordless sign-in: the options for `navigator.credentials.get()` (no
    /// allowed credentials: the authenticator offers its passkeys for this site; user
    /// verification required) and the state to keep server side until the finish.
    pub async fn start_passwordless(
        &self,
    ) -> Result<(RequestChallengeResponse, PendingSignIn), PasskeyError> {
        if self.settings().passwordless == Passwordless::Off {
            return Err(PasskeyError::PasswordlessOff);
        }
        let rp = self.settings().rp.clone();
        let webauthn = rp.webauthn().map_err(PasskeyError::RelyingParty)?;
        let (mut options, state) = webauthn
            .start_discoverable_authentication()
            .map_err(PasskeyError::Start)?;
        // A button's modal request, not the autofill ("conditional") one webauthn-rs sets.
        options.mediation = None;
        let now = self.engine().now();
        let pending = PendingSignIn {
            id: Uuid::new_v4().to_string(),
            expires_at: now.add_secs(i64::from(self.settings().ceremony_secs)),
            rp,
            state,
        };
        Ok((options, pending))
    }

    /// Finishes a passwordless sign-in started by [`Passkeys::start_passwordless`] with the
    /// browser's assertion (JSON), `binding` being the session's binding value (see the
    /// module docs for the steps).
    pub async fn finish_passwordless(
        &self,
        pending: PendingSignIn,
        assertion: &str,
        binding: &[u8],
    ) -> Result<SignInOutcome, PasskeyError> {
        use SignInOutcome::Refused as No;
        let mode = self.settings().passwordless;
        if mode == Passwordless::Off {
            return Err(PasskeyError::PasswordlessOff);
        }
        if self.engine().now() >= pending.expires_at {
            return Ok(No(Refusal::ChallengeExpired));
        }
        if assertion.len() > MAX_RESPONSE_BYTES {
            return Ok(No(Refusal::Malformed));
        }
        let Ok(cred) = serde_json::from_str::<PublicKeyCredential>(assertion) else {
            return Ok(No(Refusal::Malformed));
        };
        let webauthn = pending.rp.webauthn().map_err(PasskeyError::RelyingParty)?;
        let Ok((handle, _)) = webauthn.identify_discoverable_authentication(&cred) else {
            return Ok(No(Refusal::Malformed));
        };
        let Some((device, state)) = self.find_passkey(&handle, &cred.raw_id).await? else {
            return Ok(No(Refusal::UnknownCredential));
        };
        let Some(passkey) = state.credential.as_ref() else {
            return Ok(No(Refusal::UnknownCredential));
        };
        // A signature counter that did not advance is the passkey's to judge (and count):
        // the signature itself verified.
        match webauthn.finish_discoverable_authentication_v2(&cred, pending.state.clone(), passkey)
        {
            Ok(_) | Err(WebauthnError::CredentialPossibleCompromise) => {}
            Err(e) => return Ok(No(Refusal::from_webauthn(&e, false))),
        }
        let user = device.user().clone();
        let active = self
            .engine()
            .users()
            .lookup(&user)
            .await
            .is_some_and(|i| i.is_active);
        if !active {
            return Ok(No(Refusal::UnknownCredential));
        }
        if mode == Passwordless::WithFallback && !self.has_fallback(&user).await? {
            return Ok(SignInOutcome::NeedsFallback);
        }
        let pid = device.persistent_id();
        if !self.put_on(&pid, pending, binding).await? {
            return Ok(No(Refusal::NoChallenge));
        }
        let opts = VerifyOptions {
            binding: Some(binding.to_vec()),
        };
        let out = self
            .engine()
            .verify_token_detailed(Some(&user), &pid, assertion, &opts)
            .await?;
        Ok(match CeremonyOutcome::from_verify(out) {
            CeremonyOutcome::Accepted(device) => SignInOutcome::Accepted { user, device },
            CeremonyOutcome::NotAllowed(n) => SignInOutcome::NotAllowed(n),
            CeremonyOutcome::Refused(refusal) => SignInOutcome::Failed {
                user,
                device: pid,
                refusal,
            },
            CeremonyOutcome::NotFound => No(Refusal::UnknownCredential),
        })
    }

    /// Whether `user` has a confirmed sign-in method other than passkeys.
    async fn has_fallback(&self, user: &UserId) -> Result<bool, PasskeyError> {
        Ok(self
            .engine()
            .devices_for_user(Some(user), Some(true))
            .await?
            .iter()
            .any(|d| d.model_label() != MODEL_LABEL))
    }

    /// Puts the sign-in's ceremony on passkey `pid` if it was never put there (one atomic
    /// step); `false` if it was, or if the passkey holds too many unexpired ones.
    async fn put_on(
        &self,
        pid: &str,
        pending: PendingSignIn,
        binding: &[u8],
    ) -> Result<bool, PasskeyError> {
        let binding = binding.to_vec();
        let put = self
            .engine()
            .with_kind_state::<WebauthnDevice, _, _>(pid, move |k, ctx| {
                let now = ctx.now();
                k.passwordless_used.retain(|(_, expires)| *expires > now);
                let used = k.passwordless_used.iter().any(|(id, _)| *id == pending.id);
                if used || k.passwordless_used.len() >= MAX_UNEXPIRED {
                    return Ok(false);
                }
                let id = pending.id.as_bytes();
                k.ceremony = Some(Ceremony {
                    id: pending.id.clone(),
                    expires_at: pending.expires_at,
                    binding: ctx.hash(&[BINDING_TAG, id, &binding])?,
                    rp: pending.rp.clone(),
                    step: Step::Discoverable(pending.state.clone()),
                });
                k.passwordless_used
                    .push((pending.id.clone(), pending.expires_at));
                Ok(true)
            })
            .await?;
        Ok(put)
    }

    /// The confirmed passkey with credential id `raw_id` whose user handle is `handle`.
    async fn find_passkey(
        &self,
        handle: &Uuid,
        raw_id: &[u8],
    ) -> Result<Option<(Device, WebauthnDevice)>, PasskeyError> {
        let wanted = crate::kind::credential_id_text(raw_id);
        let is_it = |s: &WebauthnDevice| {
            s.user_handle == *handle && s.credential_id.as_deref() == Some(wanted.as_str())
        };
        if let Some(anchor) = anchor_of(handle) {
            let pid = format!("{MODEL_LABEL}/{anchor}");
            if let Some(d) = self.engine().from_persistent_id(&pid).await? {
                let found = self
                    .passkeys_of(d.user())
                    .await?
                    .into_iter()
                    .find(|(_, s)| is_it(s));
                if found.is_some() {
                    return Ok(found);
                }
            }
        }
        // A handle from before anchoring, or whose first passkey was removed: every
        // confirmed passkey, a page at a time.
        let mut query = DeviceQuery {
            model_label: Some(MODEL_LABEL.to_owned()),
            confirmed: Some(true),
            limit: Some(SEARCH_PAGE),
            ..DeviceQuery::default()
        };
        loop {
            let page = self.engine().list_devices(&query).await?;
            let Some(last) = page.last().map(Device::id) else {
                return Ok(None);
            };
            let found = page.into_iter().find_map(|d| {
                let s = WebauthnDevice::from_state(&d.record().state)?;
                is_it(&s).then_some((d, s))
            });
            if found.is_some() {
                return Ok(found);
            }
            query.after_id = Some(last);
        }
    }
}
