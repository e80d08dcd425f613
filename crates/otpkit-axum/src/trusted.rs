//! Trusted browsers (docs/behaviour.md §7.12): "Trust this browser for 30 days" on the code
//! step of a sign-in. The browser gets a cookie holding a random token; the server keeps a
//! record per trusted browser in the kit's [`TrustStore`] — user, created, last seen,
//! expiry, a short description from the user agent — and only a keyed hash of the token.
//!
//! A later sign-in with the password from that browser skips the code step: the record is
//! used in one atomic step (the user's, not expired), and the session is verified by the
//! user's most recently used device, marked as *trusted* ([`OtpState::is_trusted`](crate::OtpState::is_trusted)). A
//! trusted session passes [`otp_required`](crate::otp_required) and
//! [`Verified`](crate::Verified), but never step-up ([`StepUp`](crate::StepUp), whose rule
//! otpkit's own device management and admin area use) nor the admin area, and it is not
//! "verified" for viewing the device list: there, the code is asked for.
//!
//! The cookie is `HttpOnly`, `SameSite=Lax`, host-only (no `Domain`), `Path=/`, with
//! `Max-Age` the trust's duration, and `Secure` unless the request's host is a loopback
//! name (`localhost`, `127.0.0.1`, `[::1]`).
//!
//! Users list and revoke their trusted browsers on the devices page; administrators revoke a
//! user's in the admin area. All of a user's records end when one of their devices is
//! removed, when a device's failures lock the account's method, and when the application
//! reports a password change ([`OtpKit::password_changed`]).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cookie::{Cookie, SameSite};
use http::{HeaderMap, HeaderValue, header};
use otpkit::trust::{NewTrustedBrowser, TrustStore, TrustedBrowser, trust_token_hashes};
use otpkit::{Device, UserId};
use tower_sessions::Session;

use crate::kit::OtpKit;
use crate::session::SessionAdapter;

/// The cookie of a trusted browser.
pub const TRUSTED_COOKIE: &str = "otpkit_trusted_browser";

/// The session key marking a session verified through a trusted browser: the instant of
/// that verification (a later verification with a code changes the session's instant, and
/// the mark no longer applies).
pub const TRUSTED_KEY: &str = "otpkit_trusted";

/// Why a user's trusted browsers were revoked (the audit record's `action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeReason {
    /// The user revoked one.
    User,
    /// The user's "Revoke all".
    UserAll,
    /// An administrator.
    Admin,
    /// A device of the user was removed.
    DeviceRemoved,
    /// A device of the user locked after failures.
    DeviceLocked,
    /// The application reported a password change.
    PasswordChanged,
}

impl RevokeReason {
    /// The audit record's `action`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RevokeReason::User => "trust_revoked",
            RevokeReason::UserAll => "trust_revoked_all",
            RevokeReason::Admin => "admin_trust_revoked",
            RevokeReason::DeviceRemoved => "device_removed",
            RevokeReason::DeviceLocked => "device_locked",
            RevokeReason::PasswordChanged => "password_changed",
        }
    }
}

/// The request's trusted-browser cookie value.
pub(crate) fn cookie_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == TRUSTED_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}

/// Whether the request's `Host` is a loopback name or address.
pub(crate) fn is_loopback(headers: &HeaderMap) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl OtpKit {
    /// The trust store, when trusted browsers are on (a store was given and
    /// `OTPKIT_TRUST_BROWSER_DAYS` is not 0).
    pub(crate) fn trust(&self) -> Option<&dyn TrustStore> {
        self.inner
            .trust
            .as_deref()
            .filter(|_| self.web_settings().trust_browser_days > 0)
    }

    /// Whether the kit has a trust store (trusted browsers on or not).
    pub(crate) fn has_trust_store(&self) -> bool {
        self.inner.trust.is_some()
    }

    /// Ends all of `user`'s trusted browsers, for `reason` (also when trusted browsers are
    /// switched off: records made before still end). Answers how many ended.
    pub async fn revoke_trusted_browsers(
        &self,
        user: &UserId,
        reason: RevokeReason,
        actor: Option<&UserId>,
    ) -> Result<u64, otpkit::store::StoreError> {
        let Some(store) = self.inner.trust.as_deref() else {
            return Ok(0);
        };
        let n = store.revoke_all_trusted(user).await?;
        if n > 0 {
            audit(reason.as_str(), actor, user, n);
        }
        Ok(n)
    }

    /// The application's report that `user` changed their password: every browser they
    /// trusted must give a code again.
    pub async fn password_changed(&self, user: &UserId) -> Result<u64, otpkit::store::StoreError> {
        self.revoke_trusted_browsers(user, RevokeReason::PasswordChanged, None)
            .await
    }
}

/// Trusts this browser for `user`: stores the record and answers the cookie to set.
pub(crate) async fn trust(
    kit: &OtpKit,
    user: &UserId,
    agent: Option<&str>,
    loopback: bool,
) -> Result<Option<HeaderValue>, ()> {
    let Some(store) = kit.trust() else {
        return Ok(None);
    };
    let mut token = [0u8; 32];
    getrandom::fill(&mut token).map_err(drop)?;
    let keys = kit.engine().keys();
    let hash = keys
        .hash(&[otpkit::trust::TRUST_TOKEN_DOMAIN, &token])
        .map_err(drop)?;
    let days = kit.web_settings().trust_browser_days;
    let now = kit.engine().now();
    let expires = now.add_secs(i64::from(days) * 86_400);
    let description = crate::user_agent::describe(agent.unwrap_or("")).summary();
    let new = NewTrustedBrowser::new(user.clone(), &hash, now, expires, &description);
    store.insert_trusted(new).await.map_err(drop)?;
    audit("browser_trusted", Some(user), user, 1);
    let cookie = Cookie::build((TRUSTED_COOKIE, URL_SAFE_NO_PAD.encode(token)))
        .path("/")
        .http_only(true)
        .secure(!loopback)
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::days(i64::from(days)))
        .build();
    Ok(HeaderValue::from_str(&cookie.to_string()).ok())
}

/// The live record this browser's cookie names for `user`, marked as seen now (one atomic
/// step); `None` without a cookie, or for an expired, revoked or another user's record.
pub(crate) async fn used(
    kit: &OtpKit,
    cookie: Option<&str>,
    user: &UserId,
) -> Result<Option<TrustedBrowser>, ()> {
    let (Some(store), Some(cookie)) = (kit.trust(), cookie) else {
        return Ok(None);
    };
    let Ok(token) = URL_SAFE_NO_PAD.decode(cookie) else {
        return Ok(None);
    };
    let hashes = trust_token_hashes(kit.engine().keys(), &token).map_err(drop)?;
    let now = kit.engine().now();
    let record = store.use_trusted(&hashes, user, now).await.map_err(drop)?;
    if record.is_some() {
        audit("trust_used", Some(user), user, 1);
    }
    Ok(record)
}

/// Signs `user` in on a trusted browser: authenticated, verified by `device`, marked as
/// trusted.
pub(crate) async fn sign_in(
    kit: &OtpKit,
    session: &Session,
    user: &UserId,
    device: &Device,
) -> Result<(), ()> {
    if kit
        .auth()
        .current_user(session)
        .await
        .map_err(drop)?
        .as_ref()
        != Some(user)
    {
        kit.auth().login(session, user).await.map_err(drop)?;
    }
    let adapter = SessionAdapter::new(session.clone());
    if !kit
        .engine()
        .login(&adapter, user, device)
        .await
        .map_err(drop)?
    {
        return Err(());
    }
    let at = session
        .get_value(otpkit::session::VERIFIED_AT_KEY)
        .await
        .map_err(drop)?
        .ok_or(())?;
    session.insert_value(TRUSTED_KEY, at).await.map_err(drop)?;
    Ok(())
}

/// Records a trusted-browser step in the audit log (target `otpkit::audit`, event `trust`).
pub(crate) fn audit(action: &str, actor: Option<&UserId>, user: &UserId, count: u64) {
    tracing::info!(
        target: otpkit::events::AUDIT_TARGET,
        event = "trust",
        action,
        actor = actor.map(UserId::as_str).unwrap_or(""),
        user = user.as_str(),
        count,
        "otpkit trusted browser"
    );
}
