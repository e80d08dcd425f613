//! [`OtpLayer`]: the verified state of each request (docs/behaviour.md §7.1).
//!
//! The layer sits inside `tower_sessions::SessionManagerLayer`. For every request it puts
//! the [`OtpKit`] and a *lazy* OTP state into the request extensions; nothing is read until a
//! handler, extractor or guard asks for the state ([`OtpState`] as an extractor), so a
//! request that never reads it causes no device store access. Once computed, the state is
//! cached for the rest of the request.
//!
//! The session itself is read before the handler when the request carries a session cookie
//! (one session store read, which the handler's reads then share): when the session store
//! fails, the request is answered 503 `internal_error` — the message page, or JSON — instead
//! of going on as anonymous; [`SessionFaultLayer`](crate::SessionFaultLayer) does the same
//! for a failed write (`crate::fault`, docs/behaviour.md §7.1.1).
//!
//! Resolution of `otp_device_id` when the state is read:
//!
//! | session | result |
//! |---|---|
//! | anonymous (with or without the key) | unverified; the key is removed |
//! | authenticated, no key | unverified |
//! | id not found, deleted, another user's, unconfirmed | unverified; the key is removed |
//! | legacy id of the user's own confirmed device | verified; the key is rewritten canonically |
//! | the user's own confirmed device | verified (the throttle is not consulted) |
//! | storage or crypto error | *unavailable*: unverified, key kept; guards answer 503 |

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use http::request::Parts;
use otpkit::session::{DEVICE_KEY, PENDING_KEY, VERIFIED_AT_KEY};
use otpkit::{Device, PersistentId, Timestamp, UserId};
use tokio::sync::OnceCell;
use tower::Layer;
use tower_sessions::Session;

use crate::kit::OtpKit;
use crate::session::PendingLogin;
use crate::trusted::TRUSTED_KEY;

/// The authentication level of a request (docs/behaviour.md §1.5), plus *pending* for a
/// half-finished login (which grants nothing). In JSON, its name (`Level::as_str`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// No authenticated user.
    Anonymous,
    /// An anonymous session that passed the first factor and owes the second.
    Pending,
    /// First factor accepted; no device verified in this session.
    Authenticated,
    /// A confirmed device of the user verified in this session.
    Verified,
}

impl Level {
    /// `anonymous`, `pending`, `authenticated` or `verified`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Anonymous => "anonymous",
            Level::Pending => "pending",
            Level::Authenticated => "authenticated",
            Level::Verified => "verified",
        }
    }
}

/// The OTP state of a request. Use it as an extractor (it requires [`OtpLayer`] and a
/// session layer).
#[derive(Debug, Clone, Default)]
pub struct OtpState {
    user: Option<UserId>,
    device: Option<Device>,
    verified_at: Option<Timestamp>,
    trusted: bool,
    pending: Option<PendingLogin>,
    unavailable: bool,
}

impl OtpState {
    /// The authenticated user (first factor), if any. A pending login is anonymous.
    pub fn user(&self) -> Option<&UserId> {
        self.user.as_ref()
    }
    /// The device that verified this session, if verified.
    pub fn device(&self) -> Option<&Device> {
        self.device.as_ref()
    }
    /// The instant of the last successful verification in this session.
    pub fn verified_at(&self) -> Option<Timestamp> {
        self.device.as_ref().and(self.verified_at)
    }
    /// Whether a confirmed device of the user verified this session.
    pub fn is_verified(&self) -> bool {
        self.user.is_some() && self.device.is_some()
    }
    /// Whether the session was verified by a trusted browser rather than a code since its
    /// last verification ([`crate::trusted`]): it passes `otp_required` and `Verified`,
    /// never step-up, the admin area or the device list's "verified" rule.
    pub fn is_trusted(&self) -> bool {
        self.is_verified() && self.trusted
    }
    /// Whether a device verified this session with a code (or a passkey) — not a trusted
    /// browser: what step-up, the freshness rule, the device list and the admin area ask for.
    pub fn is_verified_by_device(&self) -> bool {
        self.is_verified() && !self.trusted
    }
    /// Whether a user is authenticated (verified or not).
    pub fn is_authenticated(&self) -> bool {
        self.user.is_some()
    }
    /// Whether the authenticated user is active and staff in the kit's user directory
    /// (verified or not): who is shown the link to the admin area, which also needs a
    /// verified session (docs/behaviour.md §7.8).
    pub async fn is_staff(&self, kit: &OtpKit) -> bool {
        let Some(user) = self.user() else {
            return false;
        };
        kit.engine()
            .users()
            .lookup(user)
            .await
            .is_some_and(|i| i.is_active && i.is_staff)
    }
    /// The pending login of an anonymous session, if any and not expired when read.
    pub fn pending(&self) -> Option<&PendingLogin> {
        self.pending.as_ref()
    }
    /// Whether the state could not be determined (storage or crypto error). Handlers see
    /// an unverified state; guards answer 503 `internal_error`.
    pub fn is_unavailable(&self) -> bool {
        self.unavailable
    }
    /// The level.
    pub fn level(&self) -> Level {
        if self.is_verified() {
            Level::Verified
        } else if self.user.is_some() {
            Level::Authenticated
        } else if self.pending.is_some() {
            Level::Pending
        } else {
            Level::Anonymous
        }
    }

    fn unavailable(user: Option<UserId>) -> Self {
        OtpState {
            user,
            unavailable: true,
            ..OtpState::default()
        }
    }
}

/// The lazily computed state, shared by everything that reads it during one request.
#[derive(Clone, Debug)]
pub(crate) struct LazyOtp {
    session: Option<Session>,
    cell: Arc<OnceCell<OtpState>>,
}

impl LazyOtp {
    pub(crate) fn new(session: Option<Session>) -> Self {
        LazyOtp {
            session,
            cell: Arc::new(OnceCell::new()),
        }
    }

    /// Computes the state once per request.
    pub(crate) async fn get(&self, kit: &OtpKit) -> OtpState {
        self.cell
            .get_or_init(|| async {
                match &self.session {
                    Some(s) => resolve(kit, s).await,
                    None => {
                        tracing::error!(
                            target: "otpkit_axum",
                            "no tower-sessions Session in the request: put OtpLayer inside SessionManagerLayer"
                        );
                        OtpState::unavailable(None)
                    }
                }
            })
            .await
            .clone()
    }

    /// The lazy state of a request: the one [`OtpLayer`] installed, or a fresh one.
    pub(crate) fn of(parts: &Parts) -> LazyOtp {
        parts
            .extensions
            .get::<LazyOtp>()
            .cloned()
            .unwrap_or_else(|| LazyOtp::new(parts.extensions.get::<Session>().cloned()))
    }
}

/// Resolves the session per the table in the module docs.
pub(crate) async fn resolve(kit: &OtpKit, session: &Session) -> OtpState {
    let user = match kit.auth().current_user(session).await {
        Ok(u) => u,
        Err(e) => {
            tracing::error!(target: "otpkit_axum", error = %e, "authentication backend failed");
            return OtpState::unavailable(None);
        }
    };
    let raw = match session.get_value(DEVICE_KEY).await {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(target: "otpkit_axum", error = %e, "session store failed");
            return OtpState::unavailable(user);
        }
    };
    let Some(user) = user else {
        if raw.is_some() && forget(session).await.is_err() {
            return OtpState::unavailable(None);
        }
        let pending = match session.get_value(PENDING_KEY).await {
            Ok(v) => v
                .and_then(|v| serde_json::from_value::<PendingLogin>(v).ok())
                .filter(|p| !p.is_expired(kit.engine().now())),
            Err(_) => return OtpState::unavailable(None),
        };
        return OtpState {
            pending,
            ..OtpState::default()
        };
    };
    let authenticated = OtpState {
        user: Some(user.clone()),
        ..OtpState::default()
    };
    let Some(raw) = raw else {
        return authenticated;
    };
    let parsed = raw
        .as_str()
        .and_then(|s| PersistentId::parse(s).or_else(|| PersistentId::parse_legacy(s)));
    let Some(pid) = parsed else {
        return match forget(session).await {
            Ok(()) => authenticated,
            Err(()) => OtpState::unavailable(Some(user)),
        };
    };
    let canonical = pid.to_string();
    match kit.engine().from_persistent_id(&canonical).await {
        Err(e) => {
            tracing::error!(target: "otpkit_axum", error = %e, "device lookup failed");
            OtpState::unavailable(Some(user))
        }
        Ok(Some(d)) if d.user() == &user && d.confirmed() => {
            if raw.as_str() != Some(canonical.as_str())
                && session
                    .insert_value(DEVICE_KEY, serde_json::Value::String(canonical))
                    .await
                    .is_err()
            {
                return OtpState::unavailable(Some(user));
            }
            verified(session, user, d).await
        }
        Ok(_) => match forget(session).await {
            Ok(()) => authenticated,
            Err(()) => OtpState::unavailable(Some(user)),
        },
    }
}

/// The state of a session that device `d` of `user` verified: with the instant of that
/// verification and whether a trusted browser made it.
async fn verified(session: &Session, user: UserId, d: Device) -> OtpState {
    let read = |key: &'static str| async move {
        session
            .get_value(key)
            .await
            .map(|v| v.and_then(|v| serde_json::from_value::<Timestamp>(v).ok()))
    };
    let (Ok(verified_at), Ok(trusted_at)) = (read(VERIFIED_AT_KEY).await, read(TRUSTED_KEY).await)
    else {
        return OtpState::unavailable(Some(user));
    };
    OtpState {
        user: Some(user),
        device: Some(d),
        verified_at,
        trusted: trusted_at.is_some() && trusted_at == verified_at,
        pending: None,
        unavailable: false,
    }
}

/// Removes `otp_device_id` and `otpkit_verified_at`.
async fn forget(session: &Session) -> Result<(), ()> {
    session.remove_value(DEVICE_KEY).await.map_err(|_| ())?;
    session
        .remove_value(VERIFIED_AT_KEY)
        .await
        .map_err(|_| ())?;
    Ok(())
}

impl<S: Send + Sync> FromRequestParts<S> for OtpState {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(kit) = parts.extensions.get::<OtpKit>().cloned() else {
            tracing::error!(target: "otpkit_axum", "OtpState read without OtpLayer");
            return Ok(OtpState::unavailable(None));
        };
        Ok(LazyOtp::of(parts).get(&kit).await)
    }
}

/// The tower layer that installs the lazy OTP state (docs/behaviour.md §7.1). Place it inside
/// `tower_sessions::SessionManagerLayer`:
///
/// ```
/// # use otpkit_axum::{OtpKit, OtpLayer};
/// # fn app(kit: OtpKit) -> axum::Router {
/// use tower_sessions::{MemoryStore, SessionManagerLayer};
/// axum::Router::new()
///     .layer(OtpLayer::new(kit))
///     .layer(SessionManagerLayer::new(MemoryStore::default()))
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct OtpLayer {
    kit: OtpKit,
}

impl OtpLayer {
    /// A layer for `kit`.
    pub fn new(kit: OtpKit) -> Self {
        OtpLayer { kit }
    }
}

impl OtpKit {
    /// The [`OtpLayer`] for this kit.
    pub fn layer(&self) -> OtpLayer {
        OtpLayer::new(self.clone())
    }
}

impl<S> Layer<S> for OtpLayer {
    type Service = OtpService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        OtpService {
            inner,
            kit: self.kit.clone(),
        }
    }
}

/// The service of [`OtpLayer`]. Its `Service` impl (with the store fault handling: a session
/// that cannot be read answers 503) is in `crate::fault`.
#[derive(Debug, Clone)]
pub struct OtpService<S> {
    pub(crate) inner: S,
    pub(crate) kit: OtpKit,
}
