//! Sessions (docs/behaviour.md §3 `login`, `logout_otp`): the verified state of a session.

use crate::session;
use crate::session::{OtpSession, SessionError};
use crate::user::UserId;

use super::{Device, Engine};

impl Engine {
    /// `login(session, user, device)` (§3): if the device is the user's and confirmed, stores
    /// `otp_device_id` and `otpkit_verified_at`, removes `otpkit_pending`, rotates the session
    /// id and returns `true`; otherwise does nothing and returns `false`.
    pub async fn login(
        &self,
        session: &dyn OtpSession,
        user: &UserId,
        device: &Device,
    ) -> Result<bool, SessionError> {
        if device.user() != user || !device.confirmed() {
            return Ok(false);
        }
        session
            .insert_value(
                session::DEVICE_KEY,
                serde_json::Value::String(device.persistent_id()),
            )
            .await?;
        session
            .insert_value(
                session::VERIFIED_AT_KEY,
                serde_json::Value::String(self.now().to_rfc3339()),
            )
            .await?;
        session.remove_value(session::PENDING_KEY).await?;
        session.cycle_id().await?;
        Ok(true)
    }

    /// `logout_otp(session)`: removes `otp_device_id` and `otpkit_verified_at`.
    pub async fn logout_otp(&self, session: &dyn OtpSession) -> Result<(), SessionError> {
        session.remove_value(session::DEVICE_KEY).await?;
        session.remove_value(session::VERIFIED_AT_KEY).await
    }
}
