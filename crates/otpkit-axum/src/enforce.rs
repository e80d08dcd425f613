//! Enforced two-step verification (docs/behaviour.md §7.11): a policy — `OTPKIT_ENFORCE_2FA`
//! `off`, `staff` or `everyone`, or an application's own rule
//! ([`OtpKitBuilder::enforce_for`](crate::OtpKitBuilder::enforce_for)) — makes a sign-in
//! method mandatory for the users it covers.
//!
//! A covered user who has no confirmed device is not refused at sign-in (no `no_device`
//! dead end): the password signs them in, unverified, and takes them into the guided setup
//! (`{prefix}/devices/new/`); every route guard sends them there too (HTML) or answers 403
//! `enrolment_required` with `setup_url` (JSON), until their first method is confirmed. With
//! a grace period (`OTPKIT_ENFORCE_GRACE_DAYS`), counted from their first sign-in under the
//! policy, they are let in meanwhile as if the policy did not cover them, with a reminder at
//! each sign-in.
//!
//! ```
//! use otpkit_axum::enforce::Enforce;
//! assert_eq!(Enforce::parse("staff"), Some(Enforce::Staff));
//! assert_eq!(Enforce::parse("sometimes"), None);
//! ```

use otpkit::{Timestamp, UserId};

use crate::kit::OtpKit;

pub use crate::enforce_policy::{Enforce, EnforceRule};

/// Where a user stands under the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compliance {
    /// The policy does not cover the user.
    NotCovered,
    /// Covered, with a confirmed sign-in method.
    Enrolled,
    /// Covered, without a method: the guided setup comes first, unless the session's sign-in
    /// found a grace period (`OTPKIT_ENFORCE_GRACE_DAYS`), which the guards read there.
    Required,
}

impl OtpKit {
    /// Whether the policy covers `user`: the application's rule if it gave one, else
    /// `OTPKIT_ENFORCE_2FA`. A user the directory does not know is covered only by
    /// `everyone`.
    pub async fn enforce_covers(&self, user: &UserId) -> bool {
        let rule = &self.inner.enforce_rule;
        let setting = self.web_settings().enforce_2fa;
        if rule.is_none() && setting == Enforce::Off {
            return false;
        }
        let info = self.engine().users().lookup(user).await;
        match (rule, info) {
            (Some(rule), Some(info)) => (rule.0)(user, &info),
            (Some(_), None) => false,
            (None, info) => match setting {
                Enforce::Off => false,
                Enforce::Staff => info.is_some_and(|i| i.is_staff),
                Enforce::Everyone => true,
            },
        }
    }

    /// Where `user` stands under the policy now. A covered user without a method is
    /// [`Compliance::Required`]: the grace period, when one is configured, is found at
    /// sign-in and kept in that session (the guards read it there).
    pub async fn compliance(&self, user: &UserId) -> Result<Compliance, otpkit::Error> {
        if !self.enforce_covers(user).await {
            return Ok(Compliance::NotCovered);
        }
        if self
            .engine()
            .user_has_device(Some(user), Some(true))
            .await?
        {
            return Ok(Compliance::Enrolled);
        }
        Ok(Compliance::Required)
    }
}

/// The session key holding the end of the signed-in user's grace period (set at sign-in).
pub(crate) const GRACE_KEY: &str = "otpkit_grace_until";

/// At the sign-in of a covered user without a method: the end of their grace period if it
/// has not passed — started now at their first sign-in under the policy (stored in the trust
/// store) — or `None` (no grace configured, or it is over).
pub(crate) async fn grace_at_sign_in(
    kit: &OtpKit,
    user: &UserId,
) -> Result<Option<Timestamp>, otpkit::store::StoreError> {
    let days = kit.web_settings().enforce_grace_days;
    let Some(store) = kit.inner.trust.as_deref().filter(|_| days > 0) else {
        return Ok(None);
    };
    let now = kit.engine().now();
    let start = store.grace_started(user, now).await?;
    let until = start.add_secs(i64::from(days) * 86_400);
    if start == now {
        audit("grace_started", user);
    }
    if now < until {
        return Ok(Some(until));
    }
    audit("grace_expired", user);
    Ok(None)
}

/// The end of the grace period this session's sign-in found, if it has not passed.
pub(crate) async fn session_grace(
    kit: &OtpKit,
    session: &tower_sessions::Session,
) -> Option<Timestamp> {
    let until = session.get_value(GRACE_KEY).await.ok().flatten()?;
    let until: Timestamp = serde_json::from_value(until).ok()?;
    (kit.engine().now() < until).then_some(until)
}

/// Records a policy step in the audit log (target `otpkit::audit`, event `policy`): what
/// happened (`action`) and to whom.
pub(crate) fn audit(action: &str, user: &UserId) {
    tracing::info!(
        target: otpkit::events::AUDIT_TARGET,
        event = "policy",
        action,
        user = user.as_str(),
        "otpkit two-step policy"
    );
}
