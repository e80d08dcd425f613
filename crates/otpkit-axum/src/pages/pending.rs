//! Pending enrolments (SPEC §7.6; issue 12): one per user and kind, and none left behind by
//! a first code email that could not be sent.

use axum::response::Response;
use otpkit::store::Write;
use otpkit::{Device, UserId};

use crate::web::Ctx;

/// A new enrolment replaces the user's other pending ones of its kind (in every session):
/// [`otpkit::Engine::replace_pending`].
pub(crate) async fn replace(ctx: &Ctx, user: &UserId, device: &Device) -> Result<(), Response> {
    match ctx
        .kit
        .engine()
        .replace_pending(user, device.model_label(), device.id())
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => {
            tracing::error!(target: "otpkit_axum", error = %e, "replacing pending enrolments failed");
            Err(ctx.internal().await)
        }
    }
}

/// The first challenge of a new enrolment failed (delivery, send limit, cooldown): deletes
/// the device unless it was confirmed meanwhile. The session's enrolment (`otpkit_enrol`)
/// was never pointed at it; an earlier enrolment recorded there stays usable.
pub(crate) async fn abandon(ctx: &Ctx, device: &Device) -> Result<(), Response> {
    let deleted = ctx
        .kit
        .engine()
        .store()
        .update(
            device.id(),
            Box::new(|r| {
                if r.confirmed {
                    Write::None.into()
                } else {
                    Write::Delete.into()
                }
            }),
        )
        .await;
    if deleted.is_err() {
        return Err(ctx.internal().await);
    }
    Ok(())
}
