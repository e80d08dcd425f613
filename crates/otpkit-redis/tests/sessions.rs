//! The session store conformance suite (otpkit-sessions) on Redis
//! (`OTPKIT_TEST_REDIS_URL`, e.g. `redis://127.0.0.1:6379/`), and what is Redis's own: key
//! expiry, the index clean-up, connection errors. Every case gets two stores on two
//! connections under a key prefix of its own, whose keys are deleted afterwards; with neither
//! the URL nor `OTPKIT_REQUIRE_DB` set, the cases are skipped (and say so).
//!
//! The races repeat `OTPKIT_CONFORMANCE_REPETITIONS` times (default 200).
// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use otpkit::UserId;
use otpkit_redis::{ConnectError, RedisSessionStore};
use otpkit_sessions::conformance::Held;
use otpkit_sessions::{SessionConfig, UserSessions};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store;
use tower_sessions::{ExpiredDeletion, SessionStore};

/// Whether the environment insists on a real server.
fn require_db() -> bool {
    std::env::var("OTPKIT_REQUIRE_DB").is_ok_and(|v| {
        let v = v.trim();
        !(v.is_empty() || v == "0" || v.eq_ignore_ascii_case("false"))
    })
}

/// The server URL, or `None` (after saying so) when the test is to be skipped.
fn redis_url() -> Option<String> {
    match std::env::var("OTPKIT_TEST_REDIS_URL") {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ => {
            assert!(
                !require_db(),
                "OTPKIT_TEST_REDIS_URL is not set, but OTPKIT_REQUIRE_DB is: set it to a \
                 server URL, e.g. redis://127.0.0.1:6379/"
            );
            eprintln!(
                "SKIPPED (passes without running): OTPKIT_TEST_REDIS_URL is not set. Set it to \
                 run this test against a real server; set OTPKIT_REQUIRE_DB=1 to make a \
                 missing URL fail."
            );
            None
        }
    }
}

/// A key prefix no other test (or run) uses: the process id and a random session id (whose
/// alphabet has no glob characters).
fn fresh_prefix() -> String {
    format!("otpkit-test:{}:{}:", std::process::id(), Id::default())
}

/// Every key under the prefix (a blocking connection of its own).
/// A plain connection to the server, to look at (or break) the store's keys behind its back.
fn raw(url: &str) -> redis::Connection {
    redis::Client::open(url).unwrap().get_connection().unwrap()
}

fn keys_under(url: &str, prefix: &str) -> Vec<String> {
    let mut conn = raw(url);
    let mut keys = Vec::new();
    let mut cursor: u64 = 0;
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}*"))
            .arg("COUNT")
            .arg(1000)
            .query(&mut conn)
            .unwrap();
        keys.extend(batch);
        if next == 0 {
            return keys;
        }
        cursor = next;
    }
}

/// Deletes every key under its prefix when the last store of the case is gone.
struct Cleanup {
    url: String,
    prefix: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let keys = keys_under(&self.url, &self.prefix);
        if !keys.is_empty() {
            let _: i64 = redis::cmd("DEL")
                .arg(keys)
                .query(&mut raw(&self.url))
                .unwrap();
        }
    }
}

/// A session store that cleans its prefix up after the last handle is gone.
type Guarded = Held<RedisSessionStore, Cleanup>;

/// Two stores on two connections under one fresh prefix.
async fn pair(config: SessionConfig) -> Option<(Guarded, Guarded)> {
    let url = redis_url()?;
    let prefix = fresh_prefix();
    let cleanup = Arc::new(Cleanup {
        url: url.clone(),
        prefix: prefix.clone(),
    });
    let open = || async {
        let conn = redis::aio::ConnectionManager::new(redis::Client::open(url.as_str()).unwrap())
            .await
            .unwrap();
        let store = RedisSessionStore::with_config(conn, config.clone()).with_prefix(&prefix);
        Held::new(store, cleanup.clone())
    };
    Some((open().await, open().await))
}

mod redis_sessions {
    otpkit_sessions::session_store_conformance_tests!(crate::pair);
}

fn alice_record(clock: &otpkit::ManualClock, ttl: time::Duration) -> Record {
    use otpkit::Clock;
    let now = otpkit_sessions::codec::from_millis(clock.now().as_millis());
    Record {
        id: Id::default(),
        data: [(
            otpkit_sessions::DEFAULT_USER_KEY.to_owned(),
            serde_json::json!("alice"),
        )]
        .into(),
        expiry_date: now + ttl,
    }
}

/// Redis expires the keys by itself, at the record's expiry (tombstones at their end),
/// measured from the application's clock; the clock is at 2023, so a `PEXPIREAT` at the
/// expiry date would have removed them at once.
#[tokio::test]
async fn keys_carry_a_redis_expiry_from_the_application_clock() {
    let (clock, config) = otpkit_sessions::conformance::setup();
    let Some((a, _b)) = pair(config).await else {
        return;
    };
    let url = redis_url().unwrap();
    let mut conn = raw(&url);
    let mut r = alice_record(&clock, time::Duration::hours(1));
    a.create(&mut r).await.unwrap();
    let key = format!("{}session:{}", a.store.prefix(), r.id);
    let pttl: i64 = redis::cmd("PTTL").arg(&key).query(&mut conn).unwrap();
    assert!(0 < pttl && pttl <= 3_600_000, "{pttl}");
    a.delete(&r.id).await.unwrap();
    let pttl: i64 = redis::cmd("PTTL").arg(&key).query(&mut conn).unwrap();
    let day_and_hour = 25 * 3_600_000;
    assert!(
        day_and_hour - 60_000 < pttl && pttl <= day_and_hour,
        "{pttl}"
    );
}

/// Index entries of sessions Redis expired by itself (here: deleted behind the store's
/// back) are dropped by the listing, and by `delete_expired` once their score has passed;
/// after that and the tombstones' end, nothing of the store is left in Redis.
#[tokio::test]
async fn indexes_are_pruned_when_redis_drops_a_session() {
    let (clock, config) = otpkit_sessions::conformance::setup();
    let Some((a, b)) = pair(config).await else {
        return;
    };
    let url = redis_url().unwrap();
    let prefix = a.store.prefix().to_owned();
    let mut conn = raw(&url);
    let alice = UserId::new("alice").unwrap();
    let user_key = format!("{prefix}user:alice");
    let mut gone = alice_record(&clock, time::Duration::hours(1));
    a.create(&mut gone).await.unwrap();
    let mut kept = alice_record(&clock, time::Duration::hours(2));
    a.create(&mut kept).await.unwrap();
    let mut ended = alice_record(&clock, time::Duration::hours(1));
    a.create(&mut ended).await.unwrap();
    b.end_session(&alice, &ended.id).await.unwrap();

    let _: i64 = redis::cmd("DEL")
        .arg(format!("{prefix}session:{}", gone.id))
        .query(&mut conn)
        .unwrap();
    let zcard = |conn: &mut redis::Connection| -> i64 {
        redis::cmd("ZCARD").arg(&user_key).query(conn).unwrap()
    };
    assert_eq!(zcard(&mut conn), 2, "the index before listing");
    let listed: Vec<Id> = b
        .list_sessions(&alice)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(listed, vec![kept.id]);
    assert_eq!(zcard(&mut conn), 1, "the listing kept a gone session");

    // A session Redis drops is still in the index until its score passes.
    let mut dropped = alice_record(&clock, time::Duration::hours(1));
    a.create(&mut dropped).await.unwrap();
    let _: i64 = redis::cmd("DEL")
        .arg(format!("{prefix}session:{}", dropped.id))
        .query(&mut conn)
        .unwrap();
    clock.advance_secs(3601);
    b.delete_expired().await.unwrap();
    assert_eq!(zcard(&mut conn), 1, "delete_expired kept an index entry");
    clock.advance_secs(2 * 86_400);
    b.delete_expired().await.unwrap();
    assert_eq!(keys_under(&url, &prefix), Vec::<String>::new());
}

/// A URL that is not one, and a server that is not there, are told apart; neither message
/// shows the URL.
#[tokio::test]
async fn connect_errors_say_what_failed() {
    let err = RedisSessionStore::connect("http://secret@example.invalid/")
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectError::Url(_)), "{err:?}");
    let err = RedisSessionStore::connect("redis://:hunter2@127.0.0.1:1/")
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectError::Connect(_)), "{err:?}");
    assert!(!err.to_string().contains("hunter2"), "{err}");
}

/// `Debug` shows the prefix and the configuration, never a session id or data.
#[tokio::test]
async fn debug_shows_no_ids_or_data() {
    let (clock, config) = otpkit_sessions::conformance::setup();
    let Some((a, _b)) = pair(config).await else {
        return;
    };
    let mut r = alice_record(&clock, time::Duration::hours(1));
    a.create(&mut r).await.unwrap();
    let shown = format!("{:?}", a.store);
    assert!(shown.starts_with("RedisSessionStore"), "{shown}");
    assert!(shown.contains(a.store.prefix()), "{shown}");
    assert!(
        !shown.contains(&r.id.to_string()) && !shown.contains("alice"),
        "{shown}"
    );
}

/// A Redis error (here: a key of the wrong type where a session or a user index should be)
/// fails closed: `Backend`, never "no session" or an empty listing, and the message holds no
/// session data.
#[tokio::test]
async fn storage_errors_fail_closed() {
    let (clock, config) = otpkit_sessions::conformance::setup();
    let Some((a, _b)) = pair(config).await else {
        return;
    };
    let url = redis_url().unwrap();
    let prefix = a.store.prefix().to_owned();
    let mut conn = raw(&url);
    let r = alice_record(&clock, time::Duration::hours(1));
    let _: () = redis::cmd("SET")
        .arg(format!("{prefix}session:{}", r.id))
        .arg("not a hash")
        .query(&mut conn)
        .unwrap();
    let _: () = redis::cmd("SET")
        .arg(format!("{prefix}user:alice"))
        .arg("not a sorted set")
        .query(&mut conn)
        .unwrap();
    let backend = |e: session_store::Error| {
        assert!(matches!(e, session_store::Error::Backend(_)), "{e:?}");
        assert!(!e.to_string().contains("alice"), "{e}");
    };
    backend(a.load(&r.id).await.unwrap_err());
    backend(a.save(&r).await.unwrap_err());
    backend(a.delete(&r.id).await.unwrap_err());
    let alice = UserId::new("alice").unwrap();
    backend(a.list_sessions(&alice).await.unwrap_err());
    backend(a.end_all_sessions(&alice, None).await.unwrap_err());
}
