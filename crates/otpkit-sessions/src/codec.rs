//! How a session [`Record`] is stored: the columns every SQL store of this family shares.
//!
//! | column | value |
//! |---|---|
//! | `id` | the session id's 16 bytes, big-endian ([`id_bytes`]) |
//! | `user_id` | the owner ([`SessionConfig::user_of`]), or NULL for an anonymous session |
//! | `data` | JSON of the session data and its exact expiry date ([`encode`]); NULL for a tombstone |
//! | `created_at`, `last_seen_at` | milliseconds since the Unix epoch: first and latest write |
//! | `expires_at` | milliseconds: the record's expiry date, or a tombstone's end |
//!
//! Ids are bytes, not their base64 text: no collation can fold two ids together.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tower_sessions_core::session::{Id, Record};
use tower_sessions_core::session_store::Error;

use crate::config::SessionConfig;
use crate::meta::SessionMeta;

/// A session's data, as tower-sessions keeps it (its own alias is private).
type Data = HashMap<String, serde_json::Value>;

/// A record as its columns, ready to be written.
#[non_exhaustive]
pub struct Encoded {
    /// The session id's bytes ([`id_bytes`]).
    pub id: [u8; 16],
    /// The owner, if the session has one.
    pub user_id: Option<String>,
    /// The session data and expiry date, as JSON text (a secret: never log it).
    pub data: String,
    /// The expiry date in milliseconds since the Unix epoch (rounded down).
    pub expires_at: i64,
}

/// What the `data` column holds.
#[derive(Serialize)]
struct StoredRef<'a> {
    data: &'a Data,
    expiry_date: OffsetDateTime,
}

#[derive(Deserialize)]
struct Stored {
    data: Data,
    expiry_date: OffsetDateTime,
}

/// A record's columns.
pub fn encode(config: &SessionConfig, record: &Record) -> Result<Encoded, Error> {
    let data = serde_json::to_string(&StoredRef {
        data: &record.data,
        expiry_date: record.expiry_date,
    })
    .map_err(|e| Error::Encode(e.to_string()))?;
    Ok(Encoded {
        id: id_bytes(&record.id),
        user_id: config.user_of(record).map(|u| u.as_str().to_owned()),
        data,
        expires_at: millis(record.expiry_date),
    })
}

/// The record stored under `id` with `data` (a non-tombstone `data` column).
pub fn decode(id: Id, data: &str) -> Result<Record, Error> {
    let stored: Stored = serde_json::from_str(data).map_err(|e| Error::Decode(e.to_string()))?;
    Ok(Record {
        id,
        data: stored.data,
        expiry_date: stored.expiry_date,
    })
}

/// A listing entry from a row: the id's bytes, created, last seen and expiry
/// (milliseconds), and the `data` column, from which [`SessionMeta::with_data`] reads the
/// user agent and the verifying device.
pub fn meta(
    id: &[u8],
    (created, seen, expires): (i64, i64, i64),
    data: &str,
) -> Result<SessionMeta, Error> {
    let id = id_from_bytes(id)?;
    let record = decode(id, data)?;
    let meta = SessionMeta::new(
        id,
        from_millis(created),
        from_millis(seen),
        from_millis(expires),
    );
    Ok(meta.with_data(&record.data))
}

/// The 16 bytes an id is stored as (big-endian).
pub fn id_bytes(id: &Id) -> [u8; 16] {
    id.0.to_be_bytes()
}

/// The id stored as `bytes`; anything but 16 bytes is a decoding error.
pub fn id_from_bytes(bytes: &[u8]) -> Result<Id, Error> {
    let b: [u8; 16] = bytes
        .try_into()
        .map_err(|_| Error::Decode(format!("a session id of {} bytes", bytes.len())))?;
    Ok(Id(i128::from_be_bytes(b)))
}

/// `t` in milliseconds since the Unix epoch (rounded down; saturating).
pub fn millis(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos().div_euclid(1_000_000)).unwrap_or(if t.year() < 1970 {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// The instant `ms` milliseconds after the Unix epoch (clamped to what [`OffsetDateTime`]
/// holds).
pub fn from_millis(ms: i64) -> OffsetDateTime {
    let nanos = i128::from(ms) * 1_000_000;
    OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or_else(|_| {
        if ms < 0 {
            time::PrimitiveDateTime::MIN.assume_utc()
        } else {
            time::PrimitiveDateTime::MAX.assume_utc()
        }
    })
}

/// A storage error as tower-sessions' [`Error::Backend`]: the request fails closed (the
/// session is neither treated as missing nor as present). The text is the error's own
/// message, which never holds session data.
pub fn backend(e: impl std::fmt::Display) -> Error {
    Error::Backend(e.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_record_round_trips_exactly() {
        let record = Record {
            id: Id(-12_345_678_901_234_567_890_123_456_789),
            data: HashMap::from([
                ("otpkit_auth_user".to_owned(), serde_json::json!("alice")),
                ("n".to_owned(), serde_json::json!([1, 2.5, null])),
            ]),
            expiry_date: OffsetDateTime::UNIX_EPOCH + time::Duration::nanoseconds(1_234_567_891),
        };
        let enc = encode(&SessionConfig::default(), &record).unwrap();
        assert_eq!(enc.user_id.as_deref(), Some("alice"));
        assert_eq!(enc.expires_at, 1_234);
        let back = decode(id_from_bytes(&enc.id).unwrap(), &enc.data).unwrap();
        assert_eq!(back, record);
        assert!(id_from_bytes(&[0; 15]).is_err());
        assert_eq!(
            from_millis(1_234),
            OffsetDateTime::UNIX_EPOCH + time::Duration::milliseconds(1_234)
        );
        assert_eq!(
            millis(OffsetDateTime::UNIX_EPOCH - time::Duration::nanoseconds(1)),
            -1
        );
        assert_eq!(
            from_millis(i64::MAX),
            time::PrimitiveDateTime::MAX.assume_utc()
        );
    }

    #[test]
    fn only_a_valid_string_id_makes_an_owner() {
        let config = SessionConfig::default().with_user_key("u");
        let mut record = Record {
            id: Id(1),
            data: HashMap::new(),
            expiry_date: OffsetDateTime::UNIX_EPOCH,
        };
        assert_eq!(config.user_of(&record), None);
        record.data.insert("u".into(), serde_json::json!(7));
        assert_eq!(config.user_of(&record), None);
        record.data.insert("u".into(), serde_json::json!("bob"));
        assert_eq!(config.user_of(&record).unwrap().as_str(), "bob");
        record
            .data
            .insert("otpkit_auth_user".into(), serde_json::json!("eve"));
        assert_eq!(config.user_of(&record).unwrap().as_str(), "bob");
    }
}
