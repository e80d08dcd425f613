//! Trusted browsers and grace records on PostgreSQL (`OTPKIT_TEST_POSTGRES_URL`) and
//! MariaDB/MySQL (`OTPKIT_TEST_MYSQL_URL`): otpkit's trust store conformance suite (two stores,
//! two pools, on one new database per case, dropped afterwards), the upgrade of a database
//! migrated by an older otpkit (device table only), and what a dump of the table holds.
//! Without a URL (and without `OTPKIT_REQUIRE_DB`) the cases say SKIPPED and pass.
// Test code: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;

use otpkit::conformance::trust::Held;
use otpkit::store::StoreError;
use otpkit::trust::{NewTrustedBrowser, TrustStore, trust_token_hash, trust_token_hashes};
use otpkit::{DeviceStore, KeyRing, Timestamp, UserId};
use otpkit_sqlx::sqlx;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AssertSqlSafe, Row, SqlStr};

use common::Server;

type Pair = Option<(Arc<dyn TrustStore>, Arc<dyn TrustStore>)>;

/// Two stores (two pools) on one new database, migrated by the first.
macro_rules! pair {
    ($server:expr, $store:ty) => {{
        let (url, db) = common::fresh_database($server).await?;
        let a = <$store>::connect(&url).await.unwrap();
        a.migrate().await.unwrap();
        let b = <$store>::connect(&url).await.unwrap();
        Some((
            Held::new(Arc::new(a), db.clone()) as Arc<dyn TrustStore>,
            Held::new(Arc::new(b), db) as Arc<dyn TrustStore>,
        ))
    }};
}

#[cfg(feature = "postgres")]
async fn postgres() -> Pair {
    pair!(Server::Postgres, otpkit_sqlx::postgres::PgStore)
}

#[cfg(feature = "mysql")]
async fn mysql() -> Pair {
    pair!(Server::MySql, otpkit_sqlx::mysql::MySqlStore)
}

#[cfg(feature = "postgres")]
mod postgres_conformance {
    otpkit::trust_store_conformance_tests!(super::postgres());
}

#[cfg(feature = "mysql")]
mod mysql_conformance {
    otpkit::trust_store_conformance_tests!(super::mysql());
}

const T0: Timestamp = Timestamp::from_secs(1_700_000_000);

fn user(s: &str) -> UserId {
    UserId::new(s).unwrap()
}

/// What an older otpkit's `migrate` did: migration 1 only, recorded in otpkit's table.
fn version_1(sql: &'static str) -> Migrator {
    let first = Migration::new(
        1,
        "otpkit_device".into(),
        MigrationType::Simple,
        SqlStr::from_static(sql),
        false,
    );
    let mut m = Migrator::with_migrations(vec![first]);
    m.dangerous_set_table_name(otpkit_sqlx::MIGRATIONS_TABLE);
    m.set_locking(false);
    m
}

/// On a database with the device table of migration 1 only: device requests (which read the
/// imported id of migration 4) and trust requests say the schema is missing; `migrate` adds
/// what is missing (and is a no-op the second time).
async fn upgrade<S>(store: S)
where
    S: TrustStore + DeviceStore,
{
    let alice = user("alice");
    assert!(matches!(
        store.list_for_user(&alice).await,
        Err(StoreError::Schema)
    ));
    assert!(matches!(
        store.grace_started(&alice, T0).await,
        Err(StoreError::Schema)
    ));
    assert!(matches!(
        store.list_trusted(&alice).await,
        Err(StoreError::Schema)
    ));
    let cands = vec!["k:x".to_owned()];
    assert!(matches!(
        store.use_trusted(&cands, &alice, T0).await,
        Err(StoreError::Schema)
    ));
}

async fn after_upgrade<S: TrustStore + DeviceStore>(store: &S) {
    let alice = user("alice");
    assert!(store.list_for_user(&alice).await.unwrap().is_empty());
    assert_eq!(store.grace_started(&alice, T0).await.unwrap(), T0);
    assert!(store.list_trusted(&alice).await.unwrap().is_empty());
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_migrate_adds_the_trust_tables() {
    use otpkit_sqlx::postgres::PgStore;
    let Some((url, _db)) = common::fresh_database(Server::Postgres).await else {
        return;
    };
    let store = PgStore::connect(&url).await.unwrap();
    version_1(include_str!(
        "../migrations/postgres/0001_otpkit_device.sql"
    ))
    .run(store.pool())
    .await
    .unwrap();
    upgrade(store.clone()).await;
    store.migrate().await.unwrap();
    after_upgrade(&store).await;
    store.migrate().await.unwrap();
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM otpkit_migrations ORDER BY version")
            .fetch_all(store.pool())
            .await
            .unwrap();
    assert_eq!(applied, vec![1, 2, 3, 4]);
}

#[cfg(feature = "mysql")]
#[tokio::test]
async fn mysql_migrate_adds_the_trust_tables() {
    use otpkit_sqlx::mysql::MySqlStore;
    let Some((url, _db)) = common::fresh_database(Server::MySql).await else {
        return;
    };
    let store = MySqlStore::connect(&url).await.unwrap();
    version_1(include_str!("../migrations/mysql/0001_otpkit_device.sql"))
        .run(store.pool())
        .await
        .unwrap();
    upgrade(store.clone()).await;
    store.migrate().await.unwrap();
    after_upgrade(&store).await;
    store.migrate().await.unwrap();
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM otpkit_migrations ORDER BY version")
            .fetch_all(store.pool())
            .await
            .unwrap();
    assert_eq!(applied, vec![1, 2, 3, 4]);
}

/// A token with a recognisable text, its cookie form (base64url), and its stored hash.
struct Known {
    keys: KeyRing,
    token: &'static [u8],
    cookie: String,
    hash: String,
}

fn known() -> Known {
    let keys = KeyRing::random("k1").unwrap();
    let token: &'static [u8] = b"COOKIE-TOKEN-do-not-store-0123456789";
    let cookie = base64url(token);
    let hash = trust_token_hash(&keys, token).unwrap();
    Known {
        keys,
        token,
        cookie,
        hash,
    }
}

/// RFC 4648 §5 without padding (what a cookie carries), written out to need no crate.
fn base64url(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

async fn insert_known<S: TrustStore>(store: &S, k: &Known) {
    let alice = user("alice");
    let new = NewTrustedBrowser::new(
        alice.clone(),
        &k.hash.parse().unwrap(),
        T0,
        T0.add_secs(86_400),
        "Firefox on Linux",
    );
    store.insert_trusted(new).await.unwrap();
    let cands = trust_token_hashes(&k.keys, k.token).unwrap();
    assert!(
        store
            .use_trusted(&cands, &alice, T0.add_secs(1))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(store.grace_started(&alice, T0).await.unwrap(), T0);
}

fn assert_clean(dump: &str, k: &Known) {
    let token = std::str::from_utf8(k.token).unwrap();
    assert!(!dump.contains(token), "the raw token is in the dump");
    assert!(!dump.contains(&k.cookie), "the cookie value is in the dump");
    assert!(
        dump.contains(&k.hash),
        "the keyed hash is not in the dump: {dump}"
    );
}

/// Every row of every table of the database, as text (`SELECT t::text FROM t`).
#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_dump_holds_no_cookie_token() {
    use otpkit_sqlx::postgres::PgStore;
    let Some((url, _db)) = common::fresh_database(Server::Postgres).await else {
        return;
    };
    let store = PgStore::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    let k = known();
    insert_known(&store, &k).await;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert!(
        tables.iter().any(|t| t == "otpkit_trusted_browser"),
        "{tables:?}"
    );
    let mut dump = String::new();
    for t in &tables {
        let sql = format!("SELECT r::text FROM \"{t}\" r");
        let rows: Vec<String> = sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_all(store.pool())
            .await
            .unwrap();
        dump.push_str(&rows.join("\n"));
        dump.push('\n');
    }
    assert_clean(&dump, &k);
}

/// Every column of every row of every table, cast to bytes and joined.
#[cfg(feature = "mysql")]
#[tokio::test]
async fn mysql_dump_holds_no_cookie_token() {
    use otpkit_sqlx::mysql::MySqlStore;
    let Some((url, _db)) = common::fresh_database(Server::MySql).await else {
        return;
    };
    let store = MySqlStore::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    let k = known();
    insert_known(&store, &k).await;
    let columns = sqlx::query(
        "SELECT CAST(table_name AS CHAR), CAST(column_name AS CHAR) FROM information_schema.columns \
         WHERE table_schema = DATABASE() ORDER BY table_name, ordinal_position",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let mut by_table: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for r in &columns {
        let (t, c): (String, String) = (r.try_get(0).unwrap(), r.try_get(1).unwrap());
        by_table.entry(t).or_default().push(c);
    }
    assert!(
        by_table.contains_key("otpkit_trusted_browser"),
        "{by_table:?}"
    );
    let mut dump = String::new();
    for (t, cols) in &by_table {
        let cast: Vec<String> = cols
            .iter()
            .map(|c| format!("CAST(`{c}` AS BINARY)"))
            .collect();
        let sql = format!("SELECT CONCAT_WS(0x7c, {}) FROM `{t}`", cast.join(", "));
        let rows: Vec<Option<Vec<u8>>> = sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_all(store.pool())
            .await
            .unwrap();
        for r in rows.into_iter().flatten() {
            dump.push_str(&String::from_utf8_lossy(&r));
            dump.push('\n');
        }
    }
    assert_clean(&dump, &k);
}
