//! The versioned database shape: embedded migrations, the SQL text, and the row type kept
//! apart from the domain's [`DeviceRecord`] (converted with `TryFrom`).

use otpkit::device::ThrottleState;
use otpkit::{DeviceRecord, Timestamp, UserId};
use rusqlite::{Connection, Row};

/// The schema version this build of `otpkit-sqlite` writes and expects
/// (`PRAGMA user_version`).
pub const SCHEMA_VERSION: u32 = 3;

/// The schema version of the device table as device requests read it (version 3 added the
/// imported id).
pub(crate) const DEVICE_SCHEMA_VERSION: u32 = 3;

/// The schema version that created the trusted-browser and grace tables (`trust.rs`).
pub(crate) const TRUST_SCHEMA_VERSION: u32 = 2;

/// The embedded migrations; migration `i` (0-based) takes the schema from version `i` to
/// `i + 1`. Never edit a released entry: append a new one.
const MIGRATIONS: &[&str] = &[
    // 1: the device table.
    "CREATE TABLE otpkit_device (
        id                INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id           TEXT    NOT NULL,
        model_label       TEXT    NOT NULL,
        name              TEXT    NOT NULL,
        confirmed         INTEGER NOT NULL CHECK (confirmed IN (0, 1)),
        created_at        INTEGER NOT NULL,
        last_used_at      INTEGER NULL,
        failure_count     INTEGER NOT NULL CHECK (failure_count BETWEEN 0 AND 4294967295),
        failure_timestamp INTEGER NULL,
        last_generated_at INTEGER NULL,
        state             TEXT    NOT NULL,
        version           INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX otpkit_device_user ON otpkit_device (user_id, id);
    CREATE INDEX otpkit_device_model_label ON otpkit_device (model_label, id);",
    // 2: trusted browsers and the grace records of enforced two-factor sign-in.
    "CREATE TABLE otpkit_trusted_browser (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id      TEXT    NOT NULL,
        token_hash   TEXT    NOT NULL UNIQUE,
        created_at   INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        expires_at   INTEGER NOT NULL,
        description  TEXT    NOT NULL CHECK (length(description) <= 128)
    ) STRICT;
    CREATE INDEX otpkit_trusted_browser_user ON otpkit_trusted_browser (user_id, created_at);
    CREATE INDEX otpkit_trusted_browser_expires ON otpkit_trusted_browser (expires_at);
    CREATE TABLE otpkit_policy_grace (
        user_id    TEXT    NOT NULL PRIMARY KEY,
        started_at INTEGER NOT NULL
    ) STRICT, WITHOUT ROWID;",
    // 3: the id a device had in the system it was imported from (django-otp), which its
    // persistent id keeps: one per label.
    "ALTER TABLE otpkit_device ADD COLUMN imported_id INTEGER NULL;
    CREATE UNIQUE INDEX otpkit_device_imported ON otpkit_device (model_label, imported_id)
        WHERE imported_id IS NOT NULL;",
];

/// Reads `PRAGMA user_version`.
pub(crate) fn user_version(conn: &Connection) -> rusqlite::Result<u32> {
    let v: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    Ok(u32::try_from(v).unwrap_or(0))
}

/// Applies the missing migrations inside the caller's transaction; returns how many ran.
pub(crate) fn apply_migrations(conn: &Connection) -> rusqlite::Result<u32> {
    let current = user_version(conn)?;
    let mut applied = 0;
    for (version, sql) in (1u32..).zip(MIGRATIONS.iter()) {
        if version <= current {
            continue;
        }
        conn.execute_batch(sql)?;
        conn.pragma_update(None, "user_version", version)?;
        applied += 1;
    }
    Ok(applied)
}

/// The column list of every SELECT, in [`RawDevice`] order.
macro_rules! columns {
    () => {
        "id, user_id, model_label, name, confirmed, created_at, last_used_at, failure_count, \
         failure_timestamp, last_generated_at, state, version, imported_id"
    };
}

pub(crate) const SELECT_BY_ID: &str =
    concat!("SELECT ", columns!(), " FROM otpkit_device WHERE id = ?1");
/// The owner's devices (every verification reads them: the account throttle).
///
/// `CAST(?1 AS TEXT)`, not a bare `?1`: this SQLite is built with `SQLITE_ENABLE_STAT4`,
/// under which a parameter compared with an indexed column marks the prepared statement
/// for recompilation whenever a new value is bound (the value might change the plan), so
/// `user_id = ?1` was parsed and planned again on every execution. The cast is the same
/// value and the same index search, without the recompilation (tested below).
pub(crate) const SELECT_BY_USER: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM otpkit_device WHERE user_id = CAST(?1 AS TEXT) ORDER BY id"
);
pub(crate) const SELECT_PREFIX: &str = concat!("SELECT ", columns!(), " FROM otpkit_device");
/// The device imported under a label and number.
pub(crate) const SELECT_IMPORTED: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM otpkit_device WHERE model_label = CAST(?1 AS TEXT) AND imported_id = ?2"
);
/// Whether a persistent id (label `?1`, number `?2`) is taken, by an imported device or one
/// created here.
pub(crate) const PID_TAKEN: &str = "SELECT EXISTS (SELECT 1 FROM otpkit_device \
     WHERE model_label = CAST(?1 AS TEXT) AND (imported_id = ?2 OR (imported_id IS NULL AND id = ?2)))";
pub(crate) const INSERT_IMPORTED: &str = "INSERT INTO otpkit_device (user_id, model_label, \
     name, confirmed, created_at, last_used_at, failure_count, failure_timestamp, \
     last_generated_at, state, version, imported_id) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0, ?11)";
/// Raises `AUTOINCREMENT`'s high-water mark to `?1` at least: new devices get ids above it.
pub(crate) const RAISE_SEQUENCE: &str =
    "UPDATE sqlite_sequence SET seq = max(seq, ?1) WHERE name = 'otpkit_device'";
pub(crate) const INSERT: &str = "INSERT INTO otpkit_device (user_id, model_label, name, \
     confirmed, created_at, last_used_at, failure_count, failure_timestamp, last_generated_at, \
     state, version) VALUES (?1, ?2, ?3, ?4, ?5, NULL, 0, NULL, NULL, '', 0)";
pub(crate) const SET_STATE: &str = "UPDATE otpkit_device SET state = ?2 WHERE id = ?1";
pub(crate) const UPDATE: &str = "UPDATE otpkit_device SET user_id = ?2, model_label = ?3, \
     name = ?4, confirmed = ?5, created_at = ?6, last_used_at = ?7, failure_count = ?8, \
     failure_timestamp = ?9, last_generated_at = ?10, state = ?11, version = version + 1 \
     WHERE id = ?1";
/// [`UPDATE`] without the indexed columns (`user_id`, `model_label`) and `created_at`, for a
/// mutation that left those as they were (every verification): SQLite rewrites the index
/// entries of every indexed column in the `SET` list, even when its value is unchanged, so
/// leaving them out spares two index B-trees and their pages in the WAL.
///
/// It takes [`UPDATE`]'s parameters (SQLite numbers them up to `?11`; the unused `?2`, `?3`
/// and `?6` are bound and ignored), so that one parameter list serves both.
pub(crate) const UPDATE_UNINDEXED: &str = "UPDATE otpkit_device SET name = ?4, \
     confirmed = ?5, last_used_at = ?7, failure_count = ?8, failure_timestamp = ?9, \
     last_generated_at = ?10, state = ?11, version = version + 1 WHERE id = ?1";
pub(crate) const DELETE_BY_ID: &str = "DELETE FROM otpkit_device WHERE id = ?1";
/// `CAST`: see [`SELECT_BY_USER`].
pub(crate) const DELETE_BY_USER: &str =
    "DELETE FROM otpkit_device WHERE user_id = CAST(?1 AS TEXT)";

/// One row exactly as stored.
pub(crate) struct RawDevice {
    id: i64,
    user_id: String,
    model_label: String,
    name: String,
    confirmed: i64,
    created_at: i64,
    last_used_at: Option<i64>,
    failure_count: i64,
    failure_timestamp: Option<i64>,
    last_generated_at: Option<i64>,
    state: String,
    version: i64,
    imported_id: Option<i64>,
}

impl RawDevice {
    /// Reads a row selected with the standard column list.
    pub(crate) fn from_row(row: &Row<'_>) -> rusqlite::Result<RawDevice> {
        Ok(RawDevice {
            id: row.get(0)?,
            user_id: row.get(1)?,
            model_label: row.get(2)?,
            name: row.get(3)?,
            confirmed: row.get(4)?,
            created_at: row.get(5)?,
            last_used_at: row.get(6)?,
            failure_count: row.get(7)?,
            failure_timestamp: row.get(8)?,
            last_generated_at: row.get(9)?,
            state: row.get(10)?,
            version: row.get(11)?,
            imported_id: row.get(12)?,
        })
    }
}

/// Why a stored row is not a valid [`DeviceRecord`].
#[derive(Debug)]
pub(crate) struct CorruptRow(pub(crate) String);

impl TryFrom<RawDevice> for DeviceRecord {
    type Error = CorruptRow;

    fn try_from(r: RawDevice) -> Result<Self, Self::Error> {
        let id = r.id;
        let user = UserId::new(r.user_id)
            .map_err(|e| CorruptRow(format!("device {id}: invalid user id: {e}")))?;
        let confirmed = match r.confirmed {
            0 => false,
            1 => true,
            other => return Err(CorruptRow(format!("device {id}: confirmed = {other}"))),
        };
        let failure_count = u32::try_from(r.failure_count)
            .map_err(|_| CorruptRow(format!("device {id}: failure_count = {}", r.failure_count)))?;
        Ok(DeviceRecord {
            id,
            user,
            model_label: r.model_label,
            name: r.name,
            confirmed,
            created_at: Timestamp::from_millis(r.created_at),
            last_used_at: r.last_used_at.map(Timestamp::from_millis),
            throttle: ThrottleState {
                failure_count,
                failure_timestamp: r.failure_timestamp.map(Timestamp::from_millis),
            },
            last_generated_at: r.last_generated_at.map(Timestamp::from_millis),
            state: r.state,
            version: r.version,
            imported_id: r.imported_id,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn migrations_are_idempotent() {
        let conn = Connection::open_in_memory().unwrap();
        assert_eq!(user_version(&conn).unwrap(), 0);
        assert_eq!(apply_migrations(&conn).unwrap(), SCHEMA_VERSION);
        assert_eq!(user_version(&conn).unwrap(), SCHEMA_VERSION);
        assert_eq!(apply_migrations(&conn).unwrap(), 0);
        // Every statement prepares against the migrated schema.
        for sql in [
            SELECT_BY_ID,
            SELECT_BY_USER,
            SELECT_PREFIX,
            INSERT,
            SET_STATE,
            UPDATE,
            UPDATE_UNINDEXED,
            DELETE_BY_ID,
            DELETE_BY_USER,
            SELECT_IMPORTED,
            PID_TAKEN,
            INSERT_IMPORTED,
        ] {
            conn.prepare(sql).unwrap();
        }
    }

    /// Runs `sql` (one parameter) with each of `values` and returns how often SQLite
    /// recompiled it, and its query plan.
    pub(crate) fn reprepares(
        conn: &Connection,
        sql: &str,
        values: &[rusqlite::types::Value],
    ) -> (i32, String) {
        for v in values {
            let mut stmt = conn.prepare_cached(sql).unwrap();
            if stmt.readonly() {
                stmt.query_map([v], |_| Ok(())).unwrap().for_each(drop);
            } else {
                stmt.execute([v]).unwrap();
            }
        }
        let status = conn
            .prepare_cached(sql)
            .unwrap()
            .get_status(rusqlite::StatementStatus::RePrepare);
        let plan = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap()
            .query_map([&values[0]], |r| r.get::<_, String>(3))
            .unwrap()
            .map(Result::unwrap)
            .collect::<Vec<_>>()
            .join("; ");
        (status, plan)
    }

    #[test]
    fn the_owner_lookup_is_compiled_once_and_uses_the_index() {
        let conn = Connection::open_in_memory().unwrap();
        apply_migrations(&conn).unwrap();
        for i in 0..50 {
            conn.execute(
                "INSERT INTO otpkit_device (user_id, model_label, name, confirmed, created_at, \
                 failure_count, state, version) VALUES (?1, 'a.b', '', 1, 0, 0, '{}', 0)",
                [format!("user{i}")],
            )
            .unwrap();
        }
        let users: Vec<rusqlite::types::Value> =
            (0..20).map(|i| format!("user{i}").into()).collect();
        let (n, plan) = reprepares(&conn, SELECT_BY_USER, &users);
        assert_eq!(n, 0, "{SELECT_BY_USER}");
        assert!(plan.contains("USING INDEX otpkit_device_user"), "{plan}");
        let (n, _) = reprepares(&conn, DELETE_BY_USER, &users);
        assert_eq!(n, 0, "{DELETE_BY_USER}");
        // The reason for the cast: the bare parameter is recompiled on every new value.
        let bare = SELECT_BY_USER.replace("CAST(?1 AS TEXT)", "?1");
        assert!(reprepares(&conn, &bare, &users).0 > 0);
    }

    #[test]
    fn corrupt_rows_are_reported() {
        let raw = || RawDevice {
            id: 1,
            user_id: "alice".into(),
            model_label: "a.b".into(),
            name: String::new(),
            confirmed: 1,
            created_at: 0,
            last_used_at: None,
            failure_count: 0,
            failure_timestamp: None,
            last_generated_at: None,
            state: "{}".into(),
            version: 0,
            imported_id: None,
        };
        assert!(DeviceRecord::try_from(raw()).is_ok());
        let mut r = raw();
        r.user_id = String::new();
        assert!(DeviceRecord::try_from(r).is_err());
        let mut r = raw();
        r.confirmed = 2;
        assert!(DeviceRecord::try_from(r).is_err());
        let mut r = raw();
        r.failure_count = -1;
        assert!(DeviceRecord::try_from(r).is_err());
    }
}
