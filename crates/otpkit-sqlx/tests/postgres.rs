//! PostgreSQL: `OTPKIT_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test`.
//!
//! Every test runs on its own new database, with two stores (two pools) on it.
#![cfg(feature = "postgres")]
// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use otpkit_sqlx::sqlx;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use common::cases::{self, add, user};
use common::{Server, with_fresh_db};
use otpkit::store::{DeviceQuery, DeviceStore, StoreError, Write};
use otpkit_sqlx::postgres::PgStore;
use otpkit_sqlx::{Backend, SqlxStore};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection};

async fn pool_store(url: &str) -> PgStore {
    let pool = PgPoolOptions::new()
        .max_connections(8)
        .connect(url)
        .await
        .unwrap();
    PgStore::from_pool(pool)
}

/// Two stores on one migrated database.
async fn stores(url: &str) -> (PgStore, PgStore) {
    let a = pool_store(url).await;
    let b = pool_store(url).await;
    a.migrate().await.unwrap();
    (a, b)
}

async fn close(stores: &[&PgStore]) {
    for s in stores {
        s.pool().close().await;
    }
}

macro_rules! two_store_test {
    ($(#[$m:meta])* $name:ident => $case:path) => {
        $(#[$m])*
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $name() {
            with_fresh_db(Server::Postgres, |url| async move {
                let (a, b) = stores(&url).await;
                $case(&a, &b).await;
                close(&[&a, &b]).await;
            })
            .await;
        }
    };
}

macro_rules! one_store_test {
    ($(#[$m:meta])* $name:ident => $case:path) => {
        $(#[$m])*
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $name() {
            with_fresh_db(Server::Postgres, |url| async move {
                let (a, b) = stores(&url).await;
                $case(&a).await;
                close(&[&a, &b]).await;
            })
            .await;
        }
    };
}

one_store_test!(
    /// Every `DeviceRecord` field round-trips exactly.
    round_trip_every_field => cases::round_trip
);
one_store_test!(
    /// `update` on a missing id is `Ok(false)` and never calls the mutation.
    update_missing_id => cases::update_missing
);
one_store_test!(
    /// A failing `init` rolls the insert back.
    init_failure_rolls_back => cases::init_failure_rolls_back
);
one_store_test!(
    /// `update_user` sees all of the user's rows, in id order, and only them.
    update_user_sees_all_rows => cases::update_user_sees_all_rows
);
one_store_test!(
    /// User ids compare byte for byte.
    user_ids_are_byte_exact => cases::user_ids_are_byte_exact
);
one_store_test!(
    /// Listing filters agree with `DeviceQuery::matches`.
    list_filters => cases::list_filters
);
two_store_test!(
    /// Racing `update_user` and `update` lose nothing.
    update_user_races_update => cases::update_user_races_update
);
two_store_test!(
    /// Parallel inserts through two pools get distinct ids.
    parallel_inserts => cases::parallel_inserts
);

async fn fifty_parallel(a: &PgStore, b: &PgStore) {
    cases::parallel_updates(a, b, 50, 20).await;
}
two_store_test!(
    /// 50 parallel increments through two pools → exactly +50, 20 times over.
    parallel_updates_two_pools => fifty_parallel
);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn migrate_twice() {
    with_fresh_db(Server::Postgres, |url| async move {
        let a = pool_store(&url).await;
        let b = pool_store(&url).await;
        cases::missing_schema(&a).await;
        // Six migrators at once through two pools (they take turns on the advisory lock), then
        // again: no-ops.
        let mut racing = Vec::new();
        for i in 0..6 {
            let s = if i % 2 == 0 { a.clone() } else { b.clone() };
            racing.push(tokio::spawn(async move { s.migrate().await }));
        }
        for r in racing {
            r.await.unwrap().unwrap();
        }
        let d = add(&a, "alice", "otp_totp.totpdevice", "Phone").await;
        a.migrate().await.unwrap();
        b.migrate().await.unwrap();
        assert_eq!(b.get(d.id).await.unwrap(), Some(d));
        let applied: Vec<(i64, bool)> =
            sqlx::query_as("SELECT version, success FROM otpkit_migrations ORDER BY version")
                .fetch_all(a.pool())
                .await
                .unwrap();
        assert_eq!(applied, vec![(1, true)]);
        let indexes: Vec<(String,)> = sqlx::query_as(
            "SELECT indexname::text FROM pg_indexes WHERE tablename = 'otpkit_device' \
             ORDER BY indexname",
        )
        .fetch_all(a.pool())
        .await
        .unwrap();
        let names: Vec<&str> = indexes.iter().map(|(n,)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "otpkit_device_model_label",
                "otpkit_device_pkey",
                "otpkit_device_user_id"
            ]
        );
        close(&[&a, &b]).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn missing_table_is_schema_error() {
    with_fresh_db(Server::Postgres, |url| async move {
        let a = pool_store(&url).await;
        cases::missing_schema(&a).await;
        close(&[&a]).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn connect_by_url() {
    with_fresh_db(Server::Postgres, |url| async move {
        let direct = PgStore::connect(&url).await.unwrap();
        let any = SqlxStore::connect(&url).await.unwrap();
        assert_eq!(any.backend(), Backend::Postgres);
        any.migrate().await.unwrap();
        let d = add(&any, "alice", "otp_totp.totpdevice", "Phone").await;
        assert_eq!(direct.get(d.id).await.unwrap(), Some(d));
        assert!(!format!("{direct:?}").contains("postgres://"));
        let err = SqlxStore::connect("sqlite://secret-password@x")
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Backend(_)));
        assert!(!err.to_string().contains("secret"), "{err}");
        direct.pool().close().await;
        if let SqlxStore::Postgres(s) = &any {
            s.pool().close().await;
        }
    })
    .await;
}

/// A store whose connections give up waiting for a row lock after `ms` milliseconds.
async fn impatient_store(url: &str, ms: u32) -> PgStore {
    let opts = PgConnectOptions::from_str(url)
        .unwrap()
        .options([("lock_timeout", format!("{ms}ms"))]);
    PgStore::from_pool(
        PgPoolOptions::new()
            .max_connections(2)
            .connect_with(opts)
            .await
            .unwrap(),
    )
}

fn counting_increment(calls: &Arc<AtomicU32>) -> otpkit::store::Mutation {
    let c = calls.clone();
    Box::new(move |r| {
        c.fetch_add(1, Ordering::SeqCst);
        r.throttle.failure_count += 1;
        Write::Update
    })
}

/// SQLSTATE 55P03 (lock_timeout) is retried 3 times, then `Conflict`; the mutation never
/// ran without the lock. When the lock comes free during the retries, the update succeeds
/// and the mutation ran once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lock_timeout_retries_then_conflict() {
    with_fresh_db(Server::Postgres, |url| async move {
        let (a, b) = stores(&url).await;
        let d = add(&a, "alice", "otp_totp.totpdevice", "Phone").await;
        let slow = impatient_store(&url, 200).await;

        let mut holder = PgConnection::connect(&url).await.unwrap();
        let mut tx = holder.begin().await.unwrap();
        sqlx::query("SELECT id FROM otpkit_device WHERE id = $1 FOR UPDATE")
            .bind(d.id)
            .execute(&mut *tx)
            .await
            .unwrap();
        let calls = Arc::new(AtomicU32::new(0));
        let err = slow
            .update(d.id, counting_increment(&calls))
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict { retries: 3 }),
            "{err:?}"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 0);

        // Released during the retries: succeeds, mutation ran once.
        let calls2 = Arc::new(AtomicU32::new(0));
        let s2 = slow.clone();
        let m = counting_increment(&calls2);
        let pending = tokio::spawn(async move { s2.update(d.id, m).await });
        tokio::time::sleep(Duration::from_millis(300)).await;
        tx.commit().await.unwrap();
        assert!(pending.await.unwrap().unwrap());
        assert_eq!(calls2.load(Ordering::SeqCst), 1);
        let now = b.get(d.id).await.unwrap().unwrap();
        assert_eq!((now.throttle.failure_count, now.version), (1, 1));
        holder.close().await.unwrap();
        close(&[&a, &b, &slow]).await;
    })
    .await;
}

/// A deferred trigger fails `COMMIT` itself: with SQLSTATE 40001 the whole transaction is
/// retried (mutation rerun); with any other error the update fails closed, nothing written.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn commit_failures() {
    with_fresh_db(Server::Postgres, |url| async move {
        let (a, b) = stores(&url).await;
        sqlx::raw_sql(
            r#"
            CREATE SEQUENCE otpkit_test_fail;
            CREATE FUNCTION otpkit_test_fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.name = 'retry-me' AND nextval('otpkit_test_fail') <= 2 THEN
                    RAISE EXCEPTION 'simulated serialization failure' USING ERRCODE = '40001';
                END IF;
                IF NEW.name = 'always-conflict' THEN
                    RAISE EXCEPTION 'simulated serialization failure' USING ERRCODE = '40001';
                END IF;
                IF NEW.name = 'commit-fails' THEN
                    RAISE EXCEPTION 'simulated commit failure' USING ERRCODE = '23514';
                END IF;
                RETURN NULL;
            END $$;
            CREATE CONSTRAINT TRIGGER otpkit_test_fail_at_commit
                AFTER UPDATE ON otpkit_device DEFERRABLE INITIALLY DEFERRED
                FOR EACH ROW EXECUTE FUNCTION otpkit_test_fail_at_commit();
            "#,
        )
        .execute(a.pool())
        .await
        .unwrap();
        let d = add(&a, "alice", "otp_totp.totpdevice", "Phone").await;

        let rename = |name: &'static str, calls: &Arc<AtomicU32>| -> otpkit::store::Mutation {
            let c = calls.clone();
            Box::new(move |r| {
                c.fetch_add(1, Ordering::SeqCst);
                r.name = name.into();
                r.throttle.failure_count += 1;
                Write::Update
            })
        };

        let calls = Arc::new(AtomicU32::new(0));
        let err = b
            .update(d.id, rename("commit-fails", &calls))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Backend(_)), "{err:?}");
        assert_eq!(calls.load(Ordering::SeqCst), 1, "not retried");
        assert_eq!(
            a.get(d.id).await.unwrap().as_ref(),
            Some(&d),
            "nothing written"
        );

        let calls = Arc::new(AtomicU32::new(0));
        let err = b
            .update(d.id, rename("always-conflict", &calls))
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict { retries: 3 }),
            "{err:?}"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 4, "first attempt + 3 retries");
        assert_eq!(
            a.get(d.id).await.unwrap().as_ref(),
            Some(&d),
            "nothing written"
        );

        let calls = Arc::new(AtomicU32::new(0));
        assert!(b.update(d.id, rename("retry-me", &calls)).await.unwrap());
        assert_eq!(
            calls.load(Ordering::SeqCst),
            3,
            "two failed commits, then success"
        );
        let now = a.get(d.id).await.unwrap().unwrap();
        assert_eq!(
            (now.name.as_str(), now.throttle.failure_count, now.version),
            ("retry-me", 1, 1)
        );

        // update_user commits the same way.
        let calls = Arc::new(AtomicU32::new(0));
        let c = calls.clone();
        let err = a
            .update_user(
                &user("alice"),
                Box::new(move |recs, writes| {
                    c.fetch_add(1, Ordering::SeqCst);
                    recs[0].name = "always-conflict".into();
                    writes[0] = Write::Update;
                }),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict { retries: 3 }),
            "{err:?}"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 4);
        assert_eq!(a.get(d.id).await.unwrap().unwrap().name, "retry-me");
        close(&[&a, &b]).await;
    })
    .await;
}

/// The insert's retry path (`init` already ran): a trigger fails the first state `UPDATE`
/// with SQLSTATE 40001, the retry inserts the kept id and state directly.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn insert_retried_after_init() {
    with_fresh_db(Server::Postgres, |url| async move {
        let (a, b) = stores(&url).await;
        sqlx::raw_sql(
            r#"
            CREATE SEQUENCE otpkit_test_insert;
            CREATE FUNCTION otpkit_test_fail_state() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.name = 'retry-insert' AND nextval('otpkit_test_insert') <= 1 THEN
                    RAISE EXCEPTION 'simulated serialization failure' USING ERRCODE = '40001';
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER otpkit_test_fail_state BEFORE UPDATE ON otpkit_device
                FOR EACH ROW EXECUTE FUNCTION otpkit_test_fail_state();
            "#,
        )
        .execute(a.pool())
        .await
        .unwrap();
        cases::insert_retried_after_init(&b).await;
        close(&[&a, &b]).await;
    })
    .await;
}

/// A row that does not decode is `Corrupt`, never silently fixed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn corrupt_row() {
    with_fresh_db(Server::Postgres, |url| async move {
        let (a, b) = stores(&url).await;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO otpkit_device (user_id, model_label, name, confirmed, created_at, state) \
             VALUES ('bad' || chr(1), 'otp_totp.totpdevice', 'n', true, 0, '{}') RETURNING id",
        )
        .fetch_one(a.pool())
        .await
        .unwrap();
        assert!(matches!(a.get(id).await, Err(StoreError::Corrupt(_))));
        assert!(matches!(
            a.list(&DeviceQuery::default()).await,
            Err(StoreError::Corrupt(_))
        ));
        let calls = Arc::new(AtomicU32::new(0));
        let err = a.update(id, counting_increment(&calls)).await.unwrap_err();
        assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        close(&[&a, &b]).await;
    })
    .await;
}

/// The table really is what the crate docs say.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn schema_matches_docs() {
    with_fresh_db(Server::Postgres, |url| async move {
        let (a, b) = stores(&url).await;
        let cols: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
            "SELECT column_name::text, data_type::text, is_nullable::text, collation_name::text \
             FROM information_schema.columns WHERE table_name = 'otpkit_device' \
             ORDER BY ordinal_position",
        )
        .fetch_all(a.pool())
        .await
        .unwrap();
        let got: Vec<String> = cols
            .iter()
            .map(|(n, t, null, coll)| format!("{n} {t} {null} {}", coll.as_deref().unwrap_or("-")))
            .collect();
        assert_eq!(
            got,
            [
                "id bigint NO -",
                "user_id character varying NO C",
                "model_label character varying NO C",
                "name character varying NO -",
                "confirmed boolean NO -",
                "created_at bigint NO -",
                "last_used_at bigint YES -",
                "failure_count bigint NO -",
                "failure_timestamp bigint YES -",
                "last_generated_at bigint YES -",
                "state text NO -",
                "version bigint NO -",
            ]
        );
        close(&[&a, &b]).await;
    })
    .await;
}

/// With `default_transaction_isolation = serializable` on the database, transitions still
/// begin at READ COMMITTED: 50 parallel increments are exact and none runs out of retries.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn serializable_default_is_overridden() {
    with_fresh_db(Server::Postgres, |url| async move {
        let mut c = PgConnection::connect(&url).await.unwrap();
        let (db,): (String,) = sqlx::query_as("SELECT current_database()::text")
            .fetch_one(&mut c)
            .await
            .unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "ALTER DATABASE \"{db}\" SET default_transaction_isolation = 'serializable'"
        )))
        .execute(&mut c)
        .await
        .unwrap();
        c.close().await.unwrap();
        let (a, b) = stores(&url).await;
        let (level,): (String,) = sqlx::query_as("SHOW default_transaction_isolation")
            .fetch_one(a.pool())
            .await
            .unwrap();
        assert_eq!(level, "serializable");
        cases::parallel_updates(&a, &b, 50, 5).await;
        close(&[&a, &b]).await;
    })
    .await;
}
