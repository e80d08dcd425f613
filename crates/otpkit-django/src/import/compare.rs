//! A device imported by an earlier run against its Django row now: the fields where they
//! differ, for the report's "changed in Django" section. Nothing is written.

use otpkit::engine::{ImportDevice, ImportKind};
use otpkit::token::normalize_static;
use otpkit::{Device, Engine, SecretString};

/// The Django fields of `django` that differ from the stored `existing`: `name`,
/// `confirmed`, `key` (TOTP/HOTP, read back through the key ring), and the state where
/// Django moved ahead of otpkit: `last_t` and `counter` greater in Django,
/// `throttling_failure_timestamp` later in Django, `token_set` when Django has fewer static
/// tokens than otpkit has codes; `email` when the address differs.
pub(crate) async fn changed_fields(
    engine: &Engine,
    existing: &Device,
    django: &ImportDevice,
) -> Result<Vec<String>, otpkit::Error> {
    let mut fields = Vec::new();
    if existing.name() != django.name {
        fields.push("name");
    }
    if existing.confirmed() != django.confirmed {
        fields.push("confirmed");
    }
    let stored = existing.throttle().failure_timestamp;
    if django.throttle.failure_timestamp > stored {
        fields.push("throttling_failure_timestamp");
    }
    let info = engine.info(existing)?;
    match &django.kind {
        ImportKind::Totp { key, last_t, .. } => {
            if key_differs(engine, existing, key).await? {
                fields.push("key");
            }
            if info.get("last_t").and_then(|v| v.as_i64()) < Some(*last_t) {
                fields.push("last_t");
            }
        }
        ImportKind::Hotp { key, counter, .. } => {
            if key_differs(engine, existing, key).await? {
                fields.push("key");
            }
            if info.get("counter").and_then(|v| v.as_u64()) < Some(*counter) {
                fields.push("counter");
            }
        }
        ImportKind::Static { codes } => {
            // Fewer in Django: codes used (or deleted) there since, still valid here. More
            // is not told apart from codes used here, so it is no change.
            let left = info.get("codes_left").and_then(|v| v.as_u64());
            if u64::try_from(distinct_codes(codes)).ok() < left {
                fields.push("token_set");
            }
        }
        ImportKind::Email { email } => {
            if info.get("email").and_then(|v| v.as_str()) != email.as_deref() {
                fields.push("email");
            }
        }
    }
    Ok(fields.into_iter().map(str::to_owned).collect())
}

/// How many codes the import keeps of `codes`: as [`StaticDevice::import_code`]
/// (otpkit::kind::static_token), one of each normalised code or trimmed literal, none
/// empty.
///
/// [`StaticDevice::import_code`]: otpkit::kind::static_token::StaticDevice::import_code
fn distinct_codes(codes: &[SecretString]) -> usize {
    let mut kept: Vec<SecretString> = Vec::with_capacity(codes.len());
    for code in codes {
        let key = match normalize_static(code.expose()) {
            Ok(norm) => SecretString::new(format!("n:{}", norm.expose())),
            Err(_) if code.expose().trim().is_empty() => continue,
            Err(_) => SecretString::new(format!("l:{}", code.expose().trim())),
        };
        if !kept.contains(&key) {
            kept.push(key);
        }
    }
    kept.len()
}

/// Whether the stored key (unsealed for the comparison only) differs from Django's.
async fn key_differs(
    engine: &Engine,
    existing: &Device,
    key: &otpkit::SecretBytes,
) -> Result<bool, otpkit::Error> {
    let auth = engine.provisioning(&existing.persistent_id()).await?;
    Ok(auth.secret != *key)
}
