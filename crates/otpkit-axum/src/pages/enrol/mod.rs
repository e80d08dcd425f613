//! Self-service enrolment (docs/behaviour.md §7.6), one module per kind: an authenticator app
//! ([`totp`], with its QR code), email codes ([`email`]) and backup codes ([`backup_codes`]);
//! and the guided setup around them ([`setup`]: choose a method, save the backup codes, done).
//!
//! A TOTP or email device is created unconfirmed, recorded in the session (`otpkit_enrol`),
//! and confirmed by its first code, which also verifies the session. Pending enrolments are
//! one per user and kind, and a first code email that could not be sent leaves none behind
//! (issue 12). What the kinds share is here.

pub(crate) mod backup_codes;
pub(crate) mod email;
pub(crate) mod setup;
pub(crate) mod totp;

use axum::response::Response;
use otpkit::engine::VerifyOptions;
use otpkit::session::ENROL_KEY;
use otpkit::store::{DeviceStoreExt, Write};
use otpkit::{Device, Error as OtpError, UserId};

use super::context::Page;
use super::login::complete::complete;
use super::outcome::{Step, map_verify};
use super::refusal::{OrInternal, PageError};
use crate::error::Problem;
use crate::session::Enrolment;

/// The enrolment in progress of this session for `user` and kind `label`, if still valid.
async fn current_enrolment(
    page: &Page,
    user: &UserId,
    label: &str,
) -> Result<Option<Device>, PageError> {
    let Some(e) = page.store().enrolment().await? else {
        return Ok(None);
    };
    let d = page
        .kit
        .engine()
        .from_persistent_id(&e.persistent_id)
        .await
        .or_internal()?;
    let ttl_ms = i64::from(page.kit.settings().enrolment.ttl) * 1000;
    let now = page.kit.engine().now();
    Ok(d.filter(|d| {
        d.user() == user
            && !d.confirmed()
            && d.model_label() == label
            && now.millis_since(d.created_at()) <= ttl_ms
    }))
}

/// Deletes a device unless it was confirmed meanwhile (no `device_removed` event: an
/// unconfirmed device never counted). `true` when it was deleted.
async fn delete_unconfirmed(page: &Page, d: &Device) -> Result<bool, otpkit::store::StoreError> {
    let done = page
        .kit
        .engine()
        .store()
        .transition(d.id(), |r| {
            let write = if r.confirmed {
                Write::None
            } else {
                Write::Delete
            };
            (write, ())
        })
        .await?;
    Ok(done.is_some_and(|c| c.write == Write::Delete))
}

/// Deletes this session's previous enrolment device and the user's expired unconfirmed
/// devices.
async fn clear_enrolments(page: &Page, user: &UserId) -> Result<(), OtpError> {
    let engine = page.kit.engine();
    let ttl_ms = i64::from(page.kit.settings().enrolment.ttl) * 1000;
    let now = engine.now();
    let previous = page
        .store()
        .enrolment()
        .await
        .ok()
        .flatten()
        .map(|e| e.persistent_id);
    for d in engine.devices_for_user(Some(user), Some(false)).await? {
        let pid = d.persistent_id();
        if previous.as_deref() == Some(pid.as_str()) || now.millis_since(d.created_at()) > ttl_ms {
            delete_unconfirmed(page, &d).await?;
        }
    }
    Ok(())
}

/// Makes `d` this session's enrolment.
async fn start_enrolment(page: &Page, d: &Device) -> Result<(), PageError> {
    let e = Enrolment {
        persistent_id: d.persistent_id(),
        started_at: page.kit.engine().now(),
    };
    Ok(page.store().set_enrolment(&e).await?)
}

/// A new enrolment replaces the user's other pending ones of its kind (in every session):
/// [`otpkit::Engine::replace_pending`].
async fn replace_pending(page: &Page, user: &UserId, device: &Device) -> Result<(), PageError> {
    match page
        .kit
        .engine()
        .replace_pending(user, device.model_label(), device.id())
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => {
            tracing::error!(target: "otpkit_axum", error = %e, "replacing pending enrolments failed");
            Err(PageError::Internal)
        }
    }
}

/// The first challenge of a new enrolment failed (delivery, send limit, cooldown): deletes
/// the device unless it was confirmed meanwhile. The session's enrolment (`otpkit_enrol`)
/// was never pointed at it; an earlier enrolment recorded there stays usable.
async fn abandon(page: &Page, device: &Device) -> Result<(), PageError> {
    delete_unconfirmed(page, device).await.or_internal()?;
    Ok(())
}

/// What the enrolment's first code came to.
enum Confirmation {
    /// The device is confirmed and the session verified: the answer.
    Done(Response),
    /// The code was refused.
    Refused(Problem),
}

/// The enrolment's first code: `confirm_device`, then the session is verified as by a login
/// (docs/behaviour.md §7.6). HTML goes on with the guided setup (the backup codes, made now
/// if the user has none, or the done page); JSON answers as before, with `next` the device
/// list.
async fn confirm(
    page: &Page,
    user: &UserId,
    device: &Device,
    token: &str,
) -> Result<Confirmation, PageError> {
    let binding = page.store().binding().await?;
    let pid = device.persistent_id();
    let res = page
        .kit
        .engine()
        .confirm_device(
            user,
            &pid,
            token,
            &VerifyOptions {
                binding: Some(binding),
            },
        )
        .await;
    match map_verify(page, user, &pid, res).await? {
        Step::Verified(d) => {
            page.store().remove(ENROL_KEY).await?;
            if page.json {
                let devices = page.kit.url("/devices/");
                return Ok(Confirmation::Done(
                    complete(page, user, &d, &devices).await?,
                ));
            }
            let (next, make_codes) = setup::next_after_confirm(&page.kit, user).await?;
            let resp = complete(page, user, &d, &next).await?;
            setup::after_confirmed(&page.kit, &page.session, user, &d, make_codes).await?;
            Ok(Confirmation::Done(resp))
        }
        Step::Failed(p) | Step::Challenge(p, _) => Ok(Confirmation::Refused(p)),
    }
}
