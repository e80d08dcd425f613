//! Passkeys and security keys (`otp_webauthn.webauthndevice`, the `otpkit-webauthn` kind)
//! in the command: registered when the `passkeys` feature is on (the default), shown without
//! key material, and kept out of the commands that would treat them as code devices.
//!
//! Without the feature the kind is not registered: the engine does not know passkey records,
//! so `device list` leaves them out and `device show/remove PID` answer "not found".

use otpkit::{Device, EngineBuilder};

use crate::failure::{Failure, Res};

/// The model label of passkeys (known even without the feature, to name it in messages).
pub(crate) const MODEL_LABEL: &str = "otp_webauthn.webauthndevice";

/// Registers the passkey kind on the engine (a no-op without the `passkeys` feature).
pub(crate) fn register(builder: EngineBuilder) -> EngineBuilder {
    #[cfg(feature = "passkeys")]
    let builder = builder.register::<otpkit_webauthn::WebauthnDevice>();
    builder
}

/// Whether `d` is a passkey.
pub(crate) fn is_passkey(d: &Device) -> bool {
    d.model_label() == MODEL_LABEL
}

/// What `device show` prints of a passkey's state: whether its registration finished, the
/// signature counter, the authenticator model (AAGUID, and its name when it is a well-known
/// one), the transports and the backup flags. Never the public key, the credential id or
/// the outstanding ceremony (challenge, session binding, relying party).
#[cfg(feature = "passkeys")]
pub(crate) fn details(d: &Device) -> Res<serde_json::Value> {
    let state =
        otpkit_webauthn::WebauthnDevice::from_state(&d.record().state).ok_or_else(|| {
            Failure::internal(format!(
                "device {}: the passkey state cannot be read",
                d.persistent_id()
            ))
        })?;
    Ok(serde_json::json!({
        "registered": state.credential.is_some(),
        "sign_count": state.sign_count,
        "aaguid": state.aaguid,
        "authenticator": state.aaguid.as_ref().and_then(otpkit_webauthn::authenticator_name),
        "transports": state.transports,
        "backup_eligible": state.backup_eligible,
        "backup_state": state.backup_state,
    }))
}

/// Without the feature no passkey reaches `device show` (the kind is not registered).
#[cfg(not(feature = "passkeys"))]
pub(crate) fn details(d: &Device) -> Res<serde_json::Value> {
    Err(Failure::input(format!(
        "device {} not found",
        d.persistent_id()
    )))
}

/// `verify` refuses a passkey before anything is evaluated or written: its "token" is the
/// browser's signed answer to a challenge, never a code typed on a command line.
pub(crate) fn refuse_verify(d: &Device) -> Res {
    if is_passkey(d) {
        return Err(Failure::input(format!(
            "device {} is a passkey: it is verified by the browser (WebAuthn), not with a code",
            d.persistent_id()
        )));
    }
    Ok(())
}

/// `device confirm` refuses a passkey whose registration never finished: confirming it by
/// hand would make a passkey without a credential.
pub(crate) fn refuse_confirm(d: &Device) -> Res {
    if is_passkey(d) && !registered(d) {
        return Err(Failure::input(format!(
            "device {} is a passkey whose registration has not finished: it cannot be confirmed by hand",
            d.persistent_id()
        )));
    }
    Ok(())
}

#[cfg(feature = "passkeys")]
fn registered(d: &Device) -> bool {
    otpkit_webauthn::WebauthnDevice::from_state(&d.record().state)
        .is_some_and(|s| s.credential.is_some())
}

#[cfg(not(feature = "passkeys"))]
fn registered(_: &Device) -> bool {
    false
}
