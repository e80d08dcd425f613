//! "Your sessions" (docs/behaviour.md §7.7.1): what the kit does with the session store's
//! index by user ([`OtpKit::user_sessions`]) besides the pages — the handle that names a
//! session in HTML and JSON, the user agent a session records when it becomes verified,
//! and ending the sessions a removed or locked device verified.
//!
//! A session id is the cookie's value, a bearer credential: it never leaves the server. A
//! page names a session by its **handle**, the first 16 bytes (hex) of SHA-256 over a fixed
//! domain tag and the id's 16 bytes, and resolves a handle by listing the user's own
//! sessions: a handle of another user's session is not found.

use otpkit::{Device, PersistentId, UserId};
use otpkit_sessions::{MAX_AGENT_BYTES, SessionMeta};
use sha2::{Digest, Sha256};
use tower_sessions::Session;
use tower_sessions::session::Id;
use tower_sessions::session_store;

use crate::kit::OtpKit;
use crate::session::SessionAdapter;
use crate::trusted::RevokeReason;

/// The domain tag of a session handle.
const HANDLE_TAG: &[u8] = b"otpkit-axum session handle v1\0";

/// The handle of the session `id`: 32 hex digits, from which the id cannot be found.
pub(crate) fn handle(id: &Id) -> String {
    let digest = Sha256::new()
        .chain_update(HANDLE_TAG)
        .chain_update(id.0.to_be_bytes())
        .finalize();
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// The user agent as a session records it: control characters dropped, at most
/// [`MAX_AGENT_BYTES`] bytes.
fn recorded(agent: &str) -> String {
    let mut out = String::new();
    for c in agent.chars().filter(|c| !c.is_control()) {
        if out.len() + c.len_utf8() > MAX_AGENT_BYTES {
            break;
        }
        out.push(c);
    }
    out
}

/// Records the request's user agent in the session ([`otpkit_sessions::AGENT_KEY`]), when
/// it becomes verified or signed in; without one, removes what an earlier sign-in left.
pub(crate) async fn record_agent(
    session: &Session,
    agent: Option<&str>,
) -> Result<(), tower_sessions::session::Error> {
    match agent.map(recorded).filter(|a| !a.is_empty()) {
        Some(a) => session
            .insert_value(otpkit_sessions::AGENT_KEY, serde_json::Value::String(a))
            .await
            .map(drop),
        None => session
            .remove_value(otpkit_sessions::AGENT_KEY)
            .await
            .map(drop),
    }
}

/// Whether the listed session was verified by the device `pid` (canonical), its stored id
/// read as [`PersistentId`] (a legacy form included).
fn verified_by(meta: &SessionMeta, pid: &str) -> bool {
    meta.device
        .as_deref()
        .and_then(|s| PersistentId::parse(s).or_else(|| PersistentId::parse_legacy(s)))
        .is_some_and(|p| p.to_string() == pid)
}

/// Ends `user`'s sessions that the device `pid` verified, except `except` (the current
/// session, which becomes unverified instead, docs/behaviour.md §7.7); how many it ended.
/// Nothing without an index.
pub(crate) async fn end_verified_by(
    kit: &OtpKit,
    user: &UserId,
    pid: &str,
    except: Option<&Id>,
) -> session_store::Result<u64> {
    let Some(index) = kit.user_sessions() else {
        return Ok(0);
    };
    let mut ended = 0;
    for meta in index.list_sessions(user).await? {
        if Some(&meta.id) != except
            && verified_by(&meta, pid)
            && index.end_session(user, &meta.id).await?
        {
            ended += 1;
        }
    }
    Ok(ended)
}

/// After a code was refused: ends the sessions verified by each of `user`'s devices that
/// is now locked out (docs/behaviour.md §2.5), except this one, which becomes unverified if a
/// locked device verified it, and revokes the user's trusted browsers if one is. Without an
/// index or a trust store, nothing (not even a device lookup).
pub(crate) async fn end_for_locked(
    kit: &OtpKit,
    session: &Session,
    user: &UserId,
    current: Option<&Device>,
) -> Result<(), ()> {
    if kit.user_sessions().is_none() && !kit.has_trust_store() {
        return Ok(());
    }
    let devices = kit
        .engine()
        .devices_for_user(Some(user), Some(true))
        .await
        .map_err(|e| tracing::error!(target: "otpkit_axum", error = %e, "device lookup failed"))?;
    let locked: Vec<&Device> = devices
        .iter()
        .filter(|d| {
            matches!(
                kit.engine().verify_is_allowed(d),
                Err(otpkit::policy::VerifyNotAllowed::LockedOut { .. })
            )
        })
        .collect();
    if !locked.is_empty() {
        // Every browser the user trusted asks for a code again (docs/behaviour.md §7.12).
        kit.revoke_trusted_browsers(user, RevokeReason::DeviceLocked, None)
            .await
            .map_err(
                |e| tracing::error!(target: "otpkit_axum", error = %e, "revoking trust failed"),
            )?;
    }
    if kit.user_sessions().is_none() {
        return Ok(());
    }
    let here = session.id();
    for d in locked {
        let pid = d.persistent_id();
        let n = end_verified_by(kit, user, &pid, here.as_ref())
            .await
            .map_err(
                |e| tracing::error!(target: "otpkit_axum", error = %e, "ending sessions failed"),
            )?;
        if n > 0 {
            audit_ended("device_locked", None, user, &pid, n);
        }
        if current.is_some_and(|c| c.persistent_id() == pid) {
            let adapter = SessionAdapter::new(session.clone());
            kit.engine().logout_otp(&adapter).await.map_err(drop)?;
        }
    }
    Ok(())
}

/// Records ended sessions in the audit log (target `otpkit::audit`, event
/// `sessions_ended`): why (`action`), who acted (empty for the library itself), whose
/// sessions, the device concerned (empty unless a removal or lock-out) and how many. Never a
/// session id or handle.
pub(crate) fn audit_ended(
    action: &str,
    actor: Option<&UserId>,
    user: &UserId,
    device: &str,
    count: u64,
) {
    tracing::info!(
        target: otpkit::events::AUDIT_TARGET,
        event = "sessions_ended",
        action,
        actor = actor.map(UserId::as_str).unwrap_or(""),
        user = user.as_str(),
        device,
        count,
        "otpkit sessions ended"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handle_is_stable_distinct_and_hides_the_id() {
        let id = Id(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        let h = handle(&id);
        assert_eq!(h.len(), 32);
        assert!(h.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(h, handle(&id));
        assert_ne!(h, handle(&Id(id.0 + 1)));
        assert!(!h.contains(&id.to_string()));
        assert!(!h.contains(&format!("{:032x}", id.0)));
    }

    #[test]
    fn the_recorded_agent_is_bounded_and_without_control_characters() {
        assert_eq!(recorded("Firefox\r\n/1\u{7f}"), "Firefox/1");
        let long = "é".repeat(MAX_AGENT_BYTES);
        let r = recorded(&long);
        assert!(r.len() <= MAX_AGENT_BYTES && r.len() >= MAX_AGENT_BYTES - 1);
    }

    #[test]
    fn legacy_device_ids_count_as_theirs() {
        let t = time::OffsetDateTime::UNIX_EPOCH;
        let data = |d: &str| {
            std::collections::HashMap::from([(
                otpkit_sessions::DEVICE_KEY.to_owned(),
                serde_json::json!(d),
            )])
        };
        let meta = |d: &str| SessionMeta::new(Id(1), t, t, t).with_data(&data(d));
        assert!(verified_by(
            &meta("otp_totp.totpdevice/5"),
            "otp_totp.totpdevice/5"
        ));
        assert!(verified_by(
            &meta("otp_totp.TOTPDevice/5"),
            "otp_totp.totpdevice/5"
        ));
        assert!(!verified_by(
            &meta("otp_totp.totpdevice/6"),
            "otp_totp.totpdevice/5"
        ));
        assert!(!verified_by(&meta("nonsense"), "otp_totp.totpdevice/5"));
    }
}
