//! MySQL/MariaDB: `OTPKIT_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306/test`.
//!
//! Every test runs on its own new database, with two stores (two pools) on it. The shared
//! suite ([`common::suite`]) runs here with MySQL's [`Facts`]; the one test below is about
//! InnoDB alone.
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
use std::time::Duration;

use common::suite::{Facts, TestStore, close, stores};
use common::{Server, cases, with_fresh_db};
use otpkit::store::DeviceStore;
use otpkit_sqlx::mysql::MySqlStore;

impl Facts for MySqlStore {
    const INDEXES: &'static [&'static str] = &[
        "PRIMARY(id)",
        "otpkit_device_imported(model_label,imported_id)",
        "otpkit_device_model_label(model_label,id)",
        "otpkit_device_user_id(user_id,id)",
    ];
    const INDEXES_SQL: &'static str = "SELECT CAST(CONCAT(index_name, '(', \
                GROUP_CONCAT(column_name ORDER BY seq_in_index), ')') AS CHAR) \
         FROM information_schema.statistics \
         WHERE table_schema = DATABASE() AND table_name = 'otpkit_device' \
         GROUP BY index_name ORDER BY index_name";
    /// The table ignores the database's latin1 default.
    const COLUMNS: &'static [&'static str] = &[
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
        "imported_id bigint YES -",
    ];
    const COLUMNS_SQL: &'static str = "SELECT CAST(column_name AS CHAR), \
                CAST(column_type AS CHAR), CAST(is_nullable AS CHAR), \
                CAST(collation_name AS CHAR) \
         FROM information_schema.columns \
         WHERE table_schema = DATABASE() AND table_name = 'otpkit_device' \
         ORDER BY ordinal_position";
    /// Not UTF-8.
    const CORRUPT_USER_ID: &'static str = "X'61FF'";
    /// Error 1205 after 1 s.
    const IMPATIENT: &'static str = "SET SESSION innodb_lock_wait_timeout = 1";
    const RELEASE_AFTER: Duration = Duration::from_millis(1500);
    /// A trigger raises error 1213 (deadlock) on the `UPDATE`, or 45000. A MyISAM counter
    /// (not rolled back) lets it fail only the first two attempts of `retry-me`.
    const FAILING_TRANSITIONS: &'static str =
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
             IF NEW.name = 'fatal-error' THEN
                 SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'simulated failure';
             END IF;
         END";
    /// Error 1213 on the first state `UPDATE` (a MyISAM counter is not rolled back).
    const FAILING_FIRST_STATE_UPDATE: &'static str =
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
         END";
    const SCHEMES: [&'static str; 2] = ["mysql", "mariadb"];
}

common::suite::store_suite!(MySqlStore);

/// The locking read serialises transitions at every InnoDB isolation level: 50 parallel
/// increments through two pools are exact at READ COMMITTED, REPEATABLE READ and
/// SERIALIZABLE.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_isolation_level() {
    with_fresh_db(Server::MySql, |url| async move {
        stores::<MySqlStore>(&url).await; // migrates
        for level in ["READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"] {
            let set: &'static str = match level {
                "READ COMMITTED" => "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
                "REPEATABLE READ" => "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
                _ => "SET SESSION TRANSACTION ISOLATION LEVEL SERIALIZABLE",
            };
            let a = MySqlStore::open(&url, 8, set).await;
            let b = MySqlStore::open(&url, 8, set).await;
            let (got,): (String,) = sqlx::query_as("SELECT CAST(@@tx_isolation AS CHAR)")
                .fetch_one(a.pool())
                .await
                .unwrap();
            assert_eq!(got.replace('-', " "), level);
            cases::parallel_updates(&a, &b, 50, 3).await;
            b.delete_for_user(&cases::user("alice")).await.unwrap();
            close(&[&a, &b]).await;
        }
    })
    .await;
}
