//! The import itself: django-otp's rows ([`DjangoData`]) become otpkit devices with their
//! persistent ids and state, one user at a time, atomically per user.
//!
//! For each row, in kind order then ascending id:
//! - it is converted ([`ImportDevice`]): its Django user must map to a valid otpkit user
//!   id, its key must be hex, its integers must fit otpkit's types,
//!   [`ImportDevice::check`] must accept it and its kind must be registered in the engine —
//!   otherwise it is **skipped** with the reason;
//!   a null `created_at` (rows older than django-otp 1.3) becomes `last_used_at`, or the
//!   engine clock's now for a device never used;
//! - a device already stored under its persistent id for the same user, imported, is
//!   **already imported**: left as it is, and compared with the row (see `changed`); stored
//!   under another user, or created in otpkit, the row is **skipped**;
//! - otherwise it is **imported**: all new devices of one otpkit user in one atomic
//!   [`Engine::import_devices`] call; a failure is a [`FailedUser`] and stores nothing of that
//!   user. A dry run makes no call and counts them as imported ("would be imported").
//!
//! Then the imported devices of the users read whose Django row no longer exists are listed
//! as `removed_in_django` (a user with no device left in Django is not read, so theirs are
//! not listed).

mod compare;
mod plan;
mod report;
mod skip;

use std::collections::{BTreeMap, BTreeSet};

use otpkit::engine::ImportDevice;
use otpkit::{Engine, UserId};
use serde::Serialize;

use crate::model::DjangoData;
use plan::Candidate;
pub use skip::SkipReason;

/// How to run an import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Check and report everything, write nothing.
    pub dry_run: bool,
}

/// Why the import as a whole could not run (a device that cannot be imported is a
/// [`Skipped`] entry of the report instead).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// Reading otpkit's devices failed (storage or crypto): nothing more was attempted.
    #[error("otpkit's store failed: {0}")]
    Engine(#[from] otpkit::Error),
}

/// What an import did, or would do with `dry_run`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Whether this was a dry run (nothing written).
    pub dry_run: bool,
    /// Per model label (`otp_totp.totpdevice`, …): the counts.
    pub kinds: BTreeMap<String, KindCounts>,
    /// Persistent ids of devices imported (or to be imported) with a legacy key shorter
    /// than 16 bytes: "re-enrol recommended".
    pub legacy_keys: Vec<String>,
    /// Devices not imported, with the reason.
    pub skipped: Vec<Skipped>,
    /// Devices imported by an earlier run that differ now in Django.
    pub changed: Vec<Changed>,
    /// Devices imported by an earlier run whose row is gone from Django.
    pub removed_in_django: Vec<String>,
    /// Users whose devices could not be stored (the whole user was rolled back).
    pub failed_users: Vec<FailedUser>,
}

/// Counts for one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct KindCounts {
    /// Rows read from Django.
    pub read: usize,
    /// Imported by this run (or, in a dry run, that would be).
    pub imported: usize,
    /// Imported by an earlier run (left as they are).
    pub already_imported: usize,
    /// Not imported (see `skipped`).
    pub skipped: usize,
}

/// A device that was not imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// Its persistent id in Django.
    pub persistent_id: String,
    /// Its Django user's primary key.
    pub django_user_id: i64,
    /// Why, in plain words (never a key or token).
    pub reason: String,
    /// The reason's stable code ([`SkipReason::code`]), e.g. `key_not_hex`.
    pub code: &'static str,
}

/// A device imported earlier that differs now in Django.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Changed {
    /// Its persistent id.
    pub persistent_id: String,
    /// The Django fields that differ (`name`, `confirmed`, `key`, `last_t`, …).
    pub fields: Vec<String>,
}

/// A user whose devices could not be stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedUser {
    /// The otpkit user id.
    pub user: String,
    /// Why (the store's error).
    pub reason: String,
}

impl Report {
    /// Whether nothing was skipped and no user failed: the CLI's exit status. (Changed and
    /// removed devices are information about an earlier import, not failures of this one.)
    pub fn is_clean(&self) -> bool {
        self.skipped.is_empty() && self.failed_users.is_empty()
    }

    /// The counts of `label` (created on first use).
    fn counts(&mut self, label: &str) -> &mut KindCounts {
        self.kinds.entry(label.to_owned()).or_default()
    }
}

/// Imports `data` into `engine`'s store (see the module docs). Errors only when reading
/// otpkit's store fails; everything else is in the report.
pub async fn import(
    engine: &Engine,
    data: &DjangoData,
    options: &ImportOptions,
) -> Result<Report, ImportError> {
    let mut report = Report {
        dry_run: options.dry_run,
        ..Report::default()
    };
    for label in [plan::TOTP, plan::HOTP, plan::STATIC, plan::EMAIL] {
        report.counts(label);
    }
    let candidates = plan::candidates(data, engine.now());
    let django_pids: BTreeSet<String> =
        candidates.iter().map(|c| c.persistent_id.clone()).collect();
    let mut pending: BTreeMap<UserId, Vec<ImportDevice>> = BTreeMap::new();
    for c in candidates {
        if let Some((user, dev)) = triage(engine, &mut report, c).await? {
            pending.entry(user).or_default().push(dev);
        }
    }
    for (user, devices) in pending {
        store_user(engine, options, &mut report, &user, devices).await;
    }
    removed(engine, data, &django_pids, &mut report).await?;
    Ok(report)
}

/// Counts `c` and returns it when it is to be imported; a skip, or a device already
/// imported (compared), is recorded in `report`.
async fn triage(
    engine: &Engine,
    report: &mut Report,
    c: Candidate,
) -> Result<Option<(UserId, ImportDevice)>, ImportError> {
    report.counts(c.label).read += 1;
    let (user, dev) = match c.outcome {
        Ok(ok) => ok,
        Err(reason) => {
            skip(report, &c.persistent_id, c.label, c.django_user_id, reason);
            return Ok(None);
        }
    };
    if engine.registry().get(c.label).is_none() {
        let reason = SkipReason::KindNotEnabled;
        skip(report, &c.persistent_id, c.label, c.django_user_id, reason);
        return Ok(None);
    }
    let Some(existing) = engine.from_persistent_id(&c.persistent_id).await? else {
        return Ok(Some((user, dev)));
    };
    if existing.user() != &user || existing.record().imported_id != Some(dev.imported_id) {
        let reason = SkipReason::IdTaken;
        skip(report, &c.persistent_id, c.label, c.django_user_id, reason);
        return Ok(None);
    }
    report.counts(c.label).already_imported += 1;
    let fields = compare::changed_fields(engine, &existing, &dev).await?;
    if !fields.is_empty() {
        report.changed.push(Changed {
            persistent_id: c.persistent_id,
            fields,
        });
    }
    Ok(None)
}

fn skip(report: &mut Report, pid: &str, label: &str, django_user_id: i64, reason: SkipReason) {
    report.counts(label).skipped += 1;
    report.skipped.push(Skipped {
        persistent_id: pid.to_owned(),
        django_user_id,
        reason: reason.to_string(),
        code: reason.code(),
    });
}

/// Imports all new devices of `user` in one call (none in a dry run) and counts them.
async fn store_user(
    engine: &Engine,
    options: &ImportOptions,
    report: &mut Report,
    user: &UserId,
    devices: Vec<ImportDevice>,
) {
    let labels: Vec<&'static str> = devices.iter().map(ImportDevice::model_label).collect();
    let legacy: Vec<String> = devices
        .iter()
        .filter(|d| d.legacy_key())
        .map(ImportDevice::persistent_id)
        .collect();
    if !options.dry_run
        && let Err(e) = engine.import_devices(user, devices).await
    {
        report.failed_users.push(FailedUser {
            user: user.as_str().to_owned(),
            reason: e.to_string(),
        });
        return;
    }
    for label in labels {
        report.counts(label).imported += 1;
    }
    report.legacy_keys.extend(legacy);
}

/// Lists the imported devices of the users read whose row is not in `django_pids`.
async fn removed(
    engine: &Engine,
    data: &DjangoData,
    django_pids: &BTreeSet<String>,
    report: &mut Report,
) -> Result<(), ImportError> {
    let users: BTreeSet<UserId> = data
        .users
        .values()
        .filter_map(|u| UserId::new(u.as_str()).ok())
        .collect();
    for user in &users {
        for d in engine.devices_for_user(Some(user), None).await? {
            let pid = d.persistent_id();
            if d.record().imported_id.is_some() && !django_pids.contains(&pid) {
                report.removed_in_django.push(pid);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
