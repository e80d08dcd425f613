//! The embedded migrations and the runner both backends share.
//!
//! The SQL lives in `migrations/postgres/` and `migrations/mysql/` and is compiled into the
//! binary. sqlx's [`Migrator`] applies it under a database lock (two processes migrating at
//! once is safe), records every applied version with a checksum in its own table,
//! [`MIGRATIONS_TABLE`], and skips what is already there: running it again is a no-op. The
//! table is not sqlx's default `_sqlx_migrations`, so an application that runs its own sqlx
//! migrations in the same database keeps its history apart from otpkit's.

use crate::sqlx;
use std::borrow::Cow;

use sqlx::SqlStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

/// The table that records otpkit's applied migrations.
pub const MIGRATIONS_TABLE: &str = "otpkit_migrations";

/// One embedded migration: version, description, SQL.
pub(crate) type Embedded = (i64, &'static str, &'static str);

/// A backend's embedded migrations, from `migrations/<backend>/`.
macro_rules! embedded {
    ($backend:literal) => {
        &[
            (
                1,
                "otpkit_device",
                include_str!(concat!(
                    "../migrations/",
                    $backend,
                    "/0001_otpkit_device.sql"
                )),
            ),
            (
                2,
                "otpkit_trusted_browser",
                include_str!(concat!(
                    "../migrations/",
                    $backend,
                    "/0002_otpkit_trusted_browser.sql"
                )),
            ),
            (
                3,
                "otpkit_policy_grace",
                include_str!(concat!(
                    "../migrations/",
                    $backend,
                    "/0003_otpkit_policy_grace.sql"
                )),
            ),
            (
                4,
                "otpkit_device_imported_id",
                include_str!(concat!(
                    "../migrations/",
                    $backend,
                    "/0004_otpkit_device_imported_id.sql"
                )),
            ),
        ]
    };
}
pub(crate) use embedded;

/// A migrator for `migrations`, recording into [`MIGRATIONS_TABLE`].
pub(crate) fn migrator(migrations: &[Embedded]) -> Migrator {
    migrator_into(migrations, MIGRATIONS_TABLE)
}

/// A migrator for `migrations`, recording into `table` (the device store's
/// [`MIGRATIONS_TABLE`], or the session store's own).
pub(crate) fn migrator_into(migrations: &[Embedded], table: &'static str) -> Migrator {
    let list = migrations
        .iter()
        .map(|&(version, description, sql)| {
            Migration::new(
                version,
                Cow::Borrowed(description),
                MigrationType::Simple,
                SqlStr::from_static(sql),
                false,
            )
        })
        .collect();
    let mut m = Migrator::with_migrations(list);
    m.dangerous_set_table_name(table);
    m
}
