//! How devices are shown: the JSON summary, the state column, plain values.

use otpkit::policy::VerifyNotAllowed;
use otpkit::{Device, Engine};

/// A device as `device list --json` and `device show` print it (never secrets).
pub(crate) fn summary(engine: &Engine, d: &Device) -> serde_json::Value {
    let locked = matches!(
        engine.verify_is_allowed(d),
        Err(VerifyNotAllowed::LockedOut { .. })
    );
    serde_json::json!({
        "persistent_id": d.persistent_id(),
        "user": d.user(),
        "model_label": d.model_label(),
        "name": d.name(),
        "confirmed": d.confirmed(),
        "created_at": d.created_at(),
        "last_used_at": d.last_used_at(),
        "failure_count": d.throttle().failure_count,
        "locked": locked,
        "reenrolment_recommended": engine.reenrolment_recommended(d),
    })
}

/// The STATE column of `device list`: ok, locked, throttled until …, or the kind's refusal;
/// "re-enrol recommended" added for a legacy key imported from django-otp.
pub(crate) fn state_text(engine: &Engine, d: &Device) -> String {
    let state = allowed_text(engine, d);
    match engine.reenrolment_recommended(d) {
        true => format!("{state}, re-enrol recommended (key shorter than 16 bytes)"),
        false => state,
    }
}

fn allowed_text(engine: &Engine, d: &Device) -> String {
    match engine.verify_is_allowed(d) {
        Ok(()) => "ok".into(),
        Err(VerifyNotAllowed::LockedOut { .. }) => "locked".into(),
        Err(VerifyNotAllowed::NFailedAttempts { locked_until, .. }) => {
            format!("throttled until {locked_until}")
        }
        Err(VerifyNotAllowed::Kind { refusal }) => refusal.message().unwrap_or_default().into(),
    }
}

/// A JSON value as `device show` prints it without `--json`.
pub(crate) fn plain(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "-".into(),
        other => other.to_string(),
    }
}
