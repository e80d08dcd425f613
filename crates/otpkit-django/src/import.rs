//! The import itself: django-otp's rows ([`DjangoData`]) become otpkit devices with their
//! persistent ids and state, one user at a time, atomically per user. (Skeleton: the
//! signatures are fixed; the bodies are being written.)

use std::collections::BTreeMap;

use otpkit::Engine;
use serde::Serialize;

use crate::model::DjangoData;

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
    /// Whether anything was skipped, failed or changed: the CLI's exit status.
    pub fn is_clean(&self) -> bool {
        self.skipped.is_empty() && self.failed_users.is_empty()
    }

    /// The report as text for a terminal.
    pub fn to_text(&self) -> String {
        String::new()
    }
}

/// Imports `data` into `engine`'s store (see the module docs).
pub async fn import(
    engine: &Engine,
    data: &DjangoData,
    options: &ImportOptions,
) -> Result<Report, ImportError> {
    let _ = (engine, data, options);
    Ok(Report::default())
}
