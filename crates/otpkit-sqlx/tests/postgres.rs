//! PostgreSQL: `OTPKIT_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test`.
//!
//! Every test runs on its own new database, with two stores (two pools) on it. The shared
//! suite ([`common::suite`]) runs here with PostgreSQL's [`Facts`]; the one test below is
//! about PostgreSQL alone.
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
use std::time::Duration;

use common::suite::{Facts, close, stores};
use common::{Server, cases, with_fresh_db};
use otpkit_sqlx::postgres::PgStore;
use sqlx::{Connection, PgConnection};

impl Facts for PgStore {
    const SCHEMES: [&'static str; 2] = ["postgres", "postgresql"];
    /// SQLSTATE 55P03 after 200 ms.
    const IMPATIENT: &'static str = "SET lock_timeout = '200ms'";
    const RELEASE_AFTER: Duration = Duration::from_millis(300);
    const CORRUPT_USER_ID: &'static str = "'bad' || chr(1)";
    /// A deferred trigger fails `COMMIT` itself: with SQLSTATE 40001 (retried) or 23514.
    const FAILING_TRANSITIONS: &'static str = r#"
        CREATE SEQUENCE otpkit_test_fail;
        CREATE FUNCTION otpkit_test_fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.name = 'retry-me' AND nextval('otpkit_test_fail') <= 2 THEN
                RAISE EXCEPTION 'simulated serialization failure' USING ERRCODE = '40001';
            END IF;
            IF NEW.name = 'always-conflict' THEN
                RAISE EXCEPTION 'simulated serialization failure' USING ERRCODE = '40001';
            END IF;
            IF NEW.name = 'fatal-error' THEN
                RAISE EXCEPTION 'simulated commit failure' USING ERRCODE = '23514';
            END IF;
            RETURN NULL;
        END $$;
        CREATE CONSTRAINT TRIGGER otpkit_test_fail_at_commit
            AFTER UPDATE ON otpkit_device DEFERRABLE INITIALLY DEFERRED
            FOR EACH ROW EXECUTE FUNCTION otpkit_test_fail_at_commit();
        "#;
    /// SQLSTATE 40001 on the first state `UPDATE`.
    const FAILING_FIRST_STATE_UPDATE: &'static str = r#"
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
        "#;
    const INDEXES_SQL: &'static str = "SELECT indexname::text FROM pg_indexes \
         WHERE tablename = 'otpkit_device' ORDER BY indexname";
    const INDEXES: &'static [&'static str] = &[
        "otpkit_device_imported",
        "otpkit_device_model_label",
        "otpkit_device_pkey",
        "otpkit_device_user_id",
    ];
    const COLUMNS_SQL: &'static str = "SELECT column_name::text, data_type::text, is_nullable::text, collation_name::text \
         FROM information_schema.columns WHERE table_name = 'otpkit_device' \
         ORDER BY ordinal_position";
    const COLUMNS: &'static [&'static str] = &[
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
        "imported_id bigint YES -",
    ];
}

common::suite::store_suite!(PgStore);

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
        let (a, b) = stores::<PgStore>(&url).await;
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
