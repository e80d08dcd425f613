//! Fault injection through the engine on PostgreSQL (docs/behaviour.md §2.9, REQ-14 F1/F3): the
//! backend running a verification is terminated (`pg_terminate_backend`) while the verification is
//! inside its transaction, blocked in `SELECT … FOR UPDATE` on a row another connection
//! holds. The engine answers with an internal error — not "wrong token" — nothing of the
//! attempt is stored, and a retry with the same code succeeds exactly once.
//!
//! `OTPKIT_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test`.
#![cfg(feature = "postgres")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::Duration;

use common::{Server, with_fresh_db};
use otpkit::engine::{TotpOptions, VerifyOptions};
use otpkit::oath::{Algorithm, Digits, OathKey, totp_at};
use otpkit::store::DeviceStore;
use otpkit::{
    Clock, Engine, KeyRing, ManualClock, Rejection, SecretBytes, Timestamp, UserId, VerifyOutcome,
};
use otpkit_sqlx::postgres::PgStore;
use otpkit_sqlx::sqlx;
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgConnection, Row};

const KEY: &[u8] = b"12345678901234567890";

fn code_at(step: i64) -> String {
    totp_at(&OathKey::new(Algorithm::Sha1, KEY), step, Digits::SIX)
        .unwrap()
        .expose()
        .to_owned()
}

/// The TOTP device's `last_t`, from its non-secret info.
async fn last_t(engine: &Engine, pid: &str) -> i64 {
    let d = engine.from_persistent_id(pid).await.unwrap().unwrap();
    engine.info(&d).unwrap()["last_t"].as_i64().unwrap()
}

/// Waits until a backend of this database blocks on a lock in a `FOR UPDATE` query, and
/// returns its pid.
async fn blocked_backend(admin: &mut PgConnection) -> i32 {
    for _ in 0..200 {
        let row = sqlx::query(
            "SELECT pid FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid() \
               AND wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE%'",
        )
        .fetch_optional(&mut *admin)
        .await
        .unwrap();
        if let Some(row) = row {
            return row.get::<i32, _>("pid");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the verification never blocked on the row lock");
}

/// Runs one verification of `token` while `holder` keeps the device row locked, terminates
/// the verification's backend, and returns what the engine answered.
async fn verify_and_terminate(
    url: &str,
    engine: &Engine,
    user: &UserId,
    pid: &str,
    id: i64,
    token: &str,
) -> Result<VerifyOutcome, otpkit::Error> {
    let mut holder = PgConnection::connect(url).await.unwrap();
    let mut admin = PgConnection::connect(url).await.unwrap();
    let mut tx = holder.begin().await.unwrap();
    sqlx::query("SELECT id FROM otpkit_device WHERE id = $1 FOR UPDATE")
        .bind(id)
        .execute(&mut *tx)
        .await
        .unwrap();
    let (e, u, p, t) = (
        engine.clone(),
        user.clone(),
        pid.to_owned(),
        token.to_owned(),
    );
    let attempt = tokio::spawn(async move {
        e.verify_token_detailed(Some(&u), &p, &t, &VerifyOptions::default())
            .await
    });
    let victim = blocked_backend(&mut admin).await;
    let killed: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
        .bind(victim)
        .fetch_one(&mut admin)
        .await
        .unwrap();
    assert!(killed);
    let out = tokio::time::timeout(Duration::from_secs(20), attempt)
        .await
        .expect("the verification hung after its backend died")
        .unwrap();
    // The holder's transaction wrote nothing; release it.
    tx.rollback().await.unwrap();
    holder.close().await.unwrap();
    admin.close().await.unwrap();
    out
}

/// REQ-14 F1 (cut mid-transaction, before the write) and F3 (a wrong guess while the
/// database fails): internal error, no partial state, and the same code then succeeds once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn terminated_backend_fails_verification_closed() {
    with_fresh_db(Server::Postgres, |url| async move {
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .connect(&url)
            .await
            .unwrap();
        let store = PgStore::from_pool(pool);
        store.migrate().await.unwrap();
        let clock = ManualClock::new(Timestamp::from_secs(1_767_261_600));
        let engine = Engine::builder(store.clone(), KeyRing::random("k1").unwrap())
            .clock(clock.clone())
            .build()
            .unwrap();
        let alice = UserId::new("alice").unwrap();
        let dev = engine
            .create_totp(
                &alice,
                TotpOptions {
                    key: Some(SecretBytes::new(KEY.to_vec())),
                    ..TotpOptions::default()
                },
            )
            .await
            .unwrap();
        let (pid, id) = (dev.persistent_id(), dev.id());
        let step = clock.now().as_secs() / 30;
        let good = code_at(step);
        let before = store.get(id).await.unwrap().unwrap();

        // F3: a wrong guess whose connection dies is an internal error, not `invalid_token`,
        // and the failure is not counted.
        let out = verify_and_terminate(&url, &engine, &alice, &pid, id, "000000").await;
        let e = out.expect_err("a dead connection must not answer");
        assert!(e.is_internal(), "{e:?}");
        eprintln!("F3 answered: {e}");
        assert!(
            store.get(id).await.unwrap().unwrap() == before,
            "partial state (F3)"
        );

        // F1: the right code whose connection dies: not verified, `last_t` unchanged.
        let out = verify_and_terminate(&url, &engine, &alice, &pid, id, &good).await;
        let e = out.expect_err("a dead connection must not answer");
        assert!(e.is_internal(), "{e:?}");
        eprintln!("F1 answered: {e}");
        let after = store.get(id).await.unwrap().unwrap();
        assert!(after == before, "partial state (F1)");
        assert_eq!(last_t(&engine, &pid).await, -1);

        // The retry with the same code succeeds once; a second use is a replay.
        let out = engine
            .verify_token_detailed(Some(&alice), &pid, &good, &VerifyOptions::default())
            .await
            .unwrap();
        assert!(matches!(out, VerifyOutcome::Accepted(_)), "{out:?}");
        let out = engine
            .verify_token_detailed(Some(&alice), &pid, &good, &VerifyOptions::default())
            .await
            .unwrap();
        assert!(
            matches!(out, VerifyOutcome::Rejected(Rejection::Replay)),
            "{out:?}"
        );
        assert_eq!(last_t(&engine, &pid).await, step);
        store.pool().close().await;
    })
    .await;
}
