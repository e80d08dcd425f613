//! MySQL/MariaDB: `OTPKIT_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306/test`.
//!
//! Every test runs on its own new database, with two stores (two pools) on it.
#![cfg(feature = "mysql")]
// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use otpkit_sqlx::sqlx;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use common::cases::{self, add, user};
use common::{Server, with_fresh_db};
use otpkit::store::{DeviceQuery, DeviceStore, StoreError, Write};
use otpkit_sqlx::mysql::MySqlStore;
use otpkit_sqlx::{Backend, SqlxStore};
use sqlx::mysql::MySqlPoolOptions;
use sqlx::{Connection, Executor, MySqlConnection};

async fn pool_store(url: &str) -> MySqlStore {
    let pool = MySqlPoolOptions::new()
        .max_connections(8)
        .connect(url)
        .await
        .unwrap();
    MySqlStore::from_pool(pool)
}

/// Two stores on one migrated database.
async fn stores(url: &str) -> (MySqlStore, MySqlStore) {
    let a = pool_store(url).await;
    let b = pool_store(url).await;
    a.migrate().await.unwrap();
    (a, b)
}

async fn close(stores: &[&MySqlStore]) {
    for s in stores {
        s.pool().close().await;
    }
}

macro_rules! two_store_test {
    ($(#[$m:meta])* $name:ident => $case:path) => {
        $(#[$m])*
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $name() {
            with_fresh_db(Server::MySql, |url| async move {
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
            with_fresh_db(Server::MySql, |url| async move {
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

async fn fifty_parallel(a: &MySqlStore, b: &MySqlStore) {
    cases::parallel_updates(a, b, 50, 20).await;
}
two_store_test!(
    /// 50 parallel increments through two pools → exactly +50, 20 times over.
    parallel_updates_two_pools => fifty_parallel
);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn migrate_twice() {
    with_fresh_db(Server::MySql, |url| async move {
        let a = pool_store(&url).await;
        let b = pool_store(&url).await;
        cases::missing_schema(&a).await;
        // Six migrators at once through two pools (they take turns on GET_LOCK), then
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
        let indexes: Vec<(String, String)> = sqlx::query_as(
            "SELECT CAST(index_name AS CHAR), \
                    CAST(GROUP_CONCAT(column_name ORDER BY seq_in_index) AS CHAR) \
             FROM information_schema.statistics \
             WHERE table_schema = DATABASE() AND table_name = 'otpkit_device' \
             GROUP BY index_name ORDER BY index_name",
        )
        .fetch_all(a.pool())
        .await
        .unwrap();
        let mut got: Vec<String> = indexes.iter().map(|(n, c)| format!("{n}({c})")).collect();
        got.sort();
        assert_eq!(
            got,
            [
                "PRIMARY(id)",
                "otpkit_device_model_label(model_label,id)",
                "otpkit_device_user_id(user_id,id)"
            ]
        );
        close(&[&a, &b]).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn missing_table_is_schema_error() {
    with_fresh_db(Server::MySql, |url| async move {
        let a = pool_store(&url).await;
        cases::missing_schema(&a).await;
        close(&[&a]).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn connect_by_url() {
    with_fresh_db(Server::MySql, |url| async move {
        let direct = MySqlStore::connect(&url).await.unwrap();
        let any = SqlxStore::connect(&url).await.unwrap();
        assert_eq!(any.backend(), Backend::MySql);
        any.migrate().await.unwrap();
        let d = add(&any, "alice", "otp_totp.totpdevice", "Phone").await;
        assert_eq!(direct.get(d.id).await.unwrap(), Some(d));
        assert!(!format!("{direct:?}").contains("mysql://"));
        let mariadb = url.replacen("mysql://", "mariadb://", 1);
        let via_mariadb = SqlxStore::connect(&mariadb).await.unwrap();
        assert_eq!(via_mariadb.backend(), Backend::MySql);
        for s in [&any, &via_mariadb] {
            if let SqlxStore::MySql(s) = s {
                s.pool().close().await;
            }
        }
        direct.pool().close().await;
    })
    .await;
}

fn counting_increment(calls: &Arc<AtomicU32>) -> otpkit::store::Mutation {
    let c = calls.clone();
    Box::new(move |r| {
        c.fetch_add(1, Ordering::SeqCst);
        r.throttle.failure_count += 1;
        Write::Update
    })
}

/// Error 1205 (lock-wait timeout, here after 1 s) is retried 3 times, then `Conflict`; the
/// mutation never ran without the lock. When the lock comes free during the retries, the
/// update succeeds and the mutation ran once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lock_wait_timeout_retries_then_conflict() {
    with_fresh_db(Server::MySql, |url| async move {
        let (a, b) = stores(&url).await;
        let d = add(&a, "alice", "otp_totp.totpdevice", "Phone").await;
        let slow = MySqlStore::from_pool(
            MySqlPoolOptions::new()
                .max_connections(2)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute("SET SESSION innodb_lock_wait_timeout = 1")
                            .await?;
                        Ok(())
                    })
                })
                .connect(&url)
                .await
                .unwrap(),
        );

        let mut holder = MySqlConnection::connect(&url).await.unwrap();
        let mut tx = holder.begin().await.unwrap();
        sqlx::query("SELECT id FROM otpkit_device WHERE id = ? FOR UPDATE")
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

        let calls2 = Arc::new(AtomicU32::new(0));
        let s2 = slow.clone();
        let m = counting_increment(&calls2);
        let pending = tokio::spawn(async move { s2.update(d.id, m).await });
        tokio::time::sleep(Duration::from_millis(1500)).await;
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

/// A trigger raises error 1213 (deadlock) on the `UPDATE`: the whole transaction is retried
/// with the mutation rerun; any other error fails closed at once, nothing written. A MyISAM
/// counter (not rolled back) lets the trigger fail only the first two attempts.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deadlocks_are_retried() {
    with_fresh_db(Server::MySql, |url| async move {
        let (a, b) = stores(&url).await;
        sqlx::raw_sql(
            "CREATE TABLE otpkit_test_fail (n INT NOT NULL) ENGINE = MyISAM;
             INSERT INTO otpkit_test_fail VALUES (0);
             CREATE TRIGGER otpkit_test_fail BEFORE UPDATE ON otpkit_device FOR EACH ROW
             BEGIN
                 IF NEW.name = 'retry-me' THEN
                     UPDATE otpkit_test_fail SET n = n + 1;
                     IF (SELECT n FROM otpkit_test_fail) <= 2 THEN
                         SIGNAL SQLSTATE '40001'
                             SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'simulated deadlock';
                     END IF;
                 END IF;
                 IF NEW.name = 'always-conflict' THEN
                     SIGNAL SQLSTATE '40001'
                         SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'simulated deadlock';
                 END IF;
                 IF NEW.name = 'other-error' THEN
                     SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'simulated failure';
                 END IF;
             END",
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
            .update(d.id, rename("other-error", &calls))
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
            "two deadlocks, then success"
        );
        let now = a.get(d.id).await.unwrap().unwrap();
        assert_eq!(
            (now.name.as_str(), now.throttle.failure_count, now.version),
            ("retry-me", 1, 1)
        );

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
/// with error 1213, the retry inserts the kept id and state directly. (A MyISAM counter is
/// not rolled back.)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn insert_retried_after_init() {
    with_fresh_db(Server::MySql, |url| async move {
        let (a, b) = stores(&url).await;
        sqlx::raw_sql(
            "CREATE TABLE otpkit_test_insert (n INT NOT NULL) ENGINE = MyISAM;
             INSERT INTO otpkit_test_insert VALUES (0);
             CREATE TRIGGER otpkit_test_fail_state BEFORE UPDATE ON otpkit_device FOR EACH ROW
             BEGIN
                 IF NEW.name = 'retry-insert' THEN
                     UPDATE otpkit_test_insert SET n = n + 1;
                     IF (SELECT n FROM otpkit_test_insert) <= 1 THEN
                         SIGNAL SQLSTATE '40001'
                             SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'simulated deadlock';
                     END IF;
                 END IF;
             END",
        )
        .execute(a.pool())
        .await
        .unwrap();
        cases::insert_retried_after_init(&b).await;
        close(&[&a, &b]).await;
    })
    .await;
}

/// A row that does not decode (user id not UTF-8) is `Corrupt`, never silently fixed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn corrupt_row() {
    with_fresh_db(Server::MySql, |url| async move {
        let (a, b) = stores(&url).await;
        let done = sqlx::query(
            "INSERT INTO otpkit_device (user_id, model_label, name, confirmed, created_at, state) \
             VALUES (X'61FF', 'otp_totp.totpdevice', 'n', TRUE, 0, '{}')",
        )
        .execute(a.pool())
        .await
        .unwrap();
        let id = i64::try_from(done.last_insert_id()).unwrap();
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

/// The table really is what the crate docs say (and ignores the database's latin1 default).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn schema_matches_docs() {
    with_fresh_db(Server::MySql, |url| async move {
        let (a, b) = stores(&url).await;
        let cols: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
            "SELECT CAST(column_name AS CHAR), CAST(column_type AS CHAR), \
                    CAST(is_nullable AS CHAR), CAST(collation_name AS CHAR) \
             FROM information_schema.columns \
             WHERE table_schema = DATABASE() AND table_name = 'otpkit_device' \
             ORDER BY ordinal_position",
        )
        .fetch_all(a.pool())
        .await
        .unwrap();
        let got: Vec<String> = cols
            .iter()
            .map(|(n, t, null, coll)| {
                // MySQL 8.0.19+ no longer shows integer display widths; MariaDB does.
                let t = t.replace("bigint(20)", "bigint");
                format!("{n} {t} {null} {}", coll.as_deref().unwrap_or("-"))
            })
            .collect();
        assert_eq!(
            got,
            [
                "id bigint NO -",
                "user_id varbinary(255) NO -",
                "model_label varbinary(255) NO -",
                "name varchar(255) NO utf8mb4_bin",
                "confirmed tinyint(1) NO -",
                "created_at bigint NO -",
                "last_used_at bigint YES -",
                "failure_count bigint NO -",
                "failure_timestamp bigint YES -",
                "last_generated_at bigint YES -",
                "state longtext NO utf8mb4_bin",
                "version bigint NO -",
            ]
        );
        close(&[&a, &b]).await;
    })
    .await;
}

/// The locking read serialises transitions at every InnoDB isolation level: 50 parallel
/// increments through two pools are exact at READ COMMITTED, REPEATABLE READ and
/// SERIALIZABLE.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_isolation_level() {
    with_fresh_db(Server::MySql, |url| async move {
        stores(&url).await; // migrates
        for level in ["READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"] {
            let set: &'static str = match level {
                "READ COMMITTED" => "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
                "REPEATABLE READ" => "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
                _ => "SET SESSION TRANSACTION ISOLATION LEVEL SERIALIZABLE",
            };
            let open = || async {
                MySqlStore::from_pool(
                    MySqlPoolOptions::new()
                        .max_connections(8)
                        .after_connect(move |conn, _| {
                            Box::pin(async move {
                                conn.execute(set).await?;
                                Ok(())
                            })
                        })
                        .connect(&url)
                        .await
                        .unwrap(),
                )
            };
            let (a, b) = (open().await, open().await);
            let (got,): (String,) = sqlx::query_as("SELECT CAST(@@tx_isolation AS CHAR)")
                .fetch_one(a.pool())
                .await
                .unwrap();
            assert_eq!(got.replace('-', " "), level);
            cases::parallel_updates(&a, &b, 50, 3).await;
            b.delete_for_user(&user("alice")).await.unwrap();
            close(&[&a, &b]).await;
        }
    })
    .await;
}
