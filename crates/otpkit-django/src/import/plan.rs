//! Django's rows become [`ImportDevice`]s, or the reason why not (a skip), before anything
//! is read from or written to otpkit's store.

use data_encoding::HEXLOWER_PERMISSIVE;
use otpkit::engine::{ImportDevice, ImportKind};
use otpkit::record::ThrottleState;
use otpkit::{SecretBytes, SecretString, Timestamp, UserId};

use super::SkipReason;
use crate::model::{DjangoData, DjangoDevice, DjangoEmail, DjangoHotp, DjangoStatic, DjangoTotp};

/// django-otp's model labels, in the order the report lists them.
pub(crate) const TOTP: &str = "otp_totp.totpdevice";
/// HOTP's label.
pub(crate) const HOTP: &str = "otp_hotp.hotpdevice";
/// The static device's label.
pub(crate) const STATIC: &str = "otp_static.staticdevice";
/// The email device's label.
pub(crate) const EMAIL: &str = "otp_email.emaildevice";

/// One Django row: who owns it, and the device to import or why it cannot be.
pub(crate) struct Candidate {
    /// Its model label.
    pub(crate) label: &'static str,
    /// `label/id`.
    pub(crate) persistent_id: String,
    /// The Django user's primary key.
    pub(crate) django_user_id: i64,
    /// The otpkit user and the device, or the reason for skipping it (never a secret).
    pub(crate) outcome: Result<(UserId, ImportDevice), SkipReason>,
}

/// Every row of `data`, in kind order then ascending id. `now` is the creation time of
/// rows whose `created_at` is null and that were never used.
pub(crate) fn candidates(data: &DjangoData, now: Timestamp) -> Vec<Candidate> {
    let mut out = Vec::new();
    for r in &data.totp {
        out.push(candidate(data, TOTP, &r.device, (now, None), || totp(r)));
    }
    for r in &data.hotp {
        out.push(candidate(data, HOTP, &r.device, (now, None), || hotp(r)));
    }
    for r in &data.static_devices {
        out.push(candidate(data, STATIC, &r.device, (now, None), || {
            Ok(statics(r))
        }));
    }
    for r in &data.email {
        let times = (now, r.last_generated_timestamp);
        out.push(candidate(data, EMAIL, &r.device, times, || Ok(email(r))));
    }
    out
}

fn candidate(
    data: &DjangoData,
    label: &'static str,
    d: &DjangoDevice,
    times: (Timestamp, Option<Timestamp>),
    kind: impl FnOnce() -> Result<ImportKind, SkipReason>,
) -> Candidate {
    let outcome = (|| {
        let user = user_of(data, d.user_id)?;
        let kind = kind()?;
        let dev = common(d, times, kind)?;
        dev.check()?;
        Ok((user, dev))
    })();
    Candidate {
        label,
        persistent_id: format!("{label}/{}", d.id),
        django_user_id: d.user_id,
        outcome,
    }
}

fn user_of(data: &DjangoData, django_user: i64) -> Result<UserId, SkipReason> {
    let Some(id) = data.users.get(&django_user) else {
        return Err(SkipReason::NoUser(django_user));
    };
    UserId::new(id.as_str()).map_err(|e| SkipReason::InvalidUser {
        django_user_id: django_user,
        problem: e.to_string(),
    })
}

/// The common columns. A null `created_at` (rows older than django-otp 1.3) becomes
/// `last_used_at` when the device was used, otherwise `now`: the earliest instant known for
/// certain to be after its creation. `times` is `(now, last_generated_timestamp)`.
fn common(
    d: &DjangoDevice,
    (now, last_generated_at): (Timestamp, Option<Timestamp>),
    kind: ImportKind,
) -> Result<ImportDevice, SkipReason> {
    Ok(ImportDevice {
        imported_id: d.id,
        name: d.name.clone(),
        confirmed: d.confirmed,
        created_at: d.created_at.or(d.last_used_at).unwrap_or(now),
        last_used_at: d.last_used_at,
        throttle: ThrottleState {
            failure_count: fit(d.throttling_failure_count, "throttling failure count")?,
            failure_timestamp: d.throttling_failure_timestamp,
        },
        last_generated_at,
        kind,
    })
}

/// `v` in the engine's type, or a skip reason naming `field`.
fn fit<T: TryFrom<i64>>(v: i64, field: &'static str) -> Result<T, SkipReason> {
    T::try_from(v).map_err(|_| SkipReason::OutOfRange { field, value: v })
}

/// django-otp's hex key (either case).
fn key(hex: &str) -> Result<SecretBytes, SkipReason> {
    HEXLOWER_PERMISSIVE
        .decode(hex.as_bytes())
        .map(SecretBytes::new)
        .map_err(|_| SkipReason::KeyNotHex)
}

fn totp(r: &DjangoTotp) -> Result<ImportKind, SkipReason> {
    Ok(ImportKind::Totp {
        key: key(&r.key)?,
        step: fit(r.step, "time step")?,
        t0: r.t0,
        digits: fit(r.digits, "number of digits")?,
        tolerance: fit(r.tolerance, "tolerance")?,
        drift: fit(r.drift, "drift")?,
        last_t: r.last_t,
    })
}

fn hotp(r: &DjangoHotp) -> Result<ImportKind, SkipReason> {
    Ok(ImportKind::Hotp {
        key: key(&r.key)?,
        digits: fit(r.digits, "number of digits")?,
        tolerance: fit(r.tolerance, "tolerance")?,
        counter: fit(r.counter, "counter")?,
    })
}

fn statics(r: &DjangoStatic) -> ImportKind {
    ImportKind::Static {
        codes: r
            .tokens
            .iter()
            .map(|t| SecretString::from(t.as_str()))
            .collect(),
    }
}

fn email(r: &DjangoEmail) -> ImportKind {
    ImportKind::Email {
        email: r.email.clone().filter(|e| !e.is_empty()),
    }
}
