//! The suite every backend runs: `store_suite!(PgStore)` in `tests/postgres.rs`,
//! `store_suite!(MySqlStore)` in `tests/mysql.rs`.
//!
//! [`TestStore`] is the plumbing (pools, raw SQL, reading rows), written once for both stores
//! in `common/mod.rs`. [`Facts`] is what a backend's test file states about its server: the
//! SQL that differs (triggers, catalogue queries) and the schema it expects. Every test body
//! is written once, here or in [`cases`](super::cases); a backend's file adds only the tests
//! that concern that server alone.

use otpkit_sqlx::sqlx;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use otpkit::DeviceRecord;
use otpkit::store::{DeviceQuery, DeviceStore, DeviceStoreExt, Mutation, StoreError, Write};
use otpkit_sqlx::{Backend, SqlxStore};
use sqlx::{Pool, Transaction};

use super::Server;
use super::cases::{self, add, user};

/// A store type the suite can open, migrate and inspect.
pub trait TestStore: DeviceStore + Clone + std::fmt::Debug + Send + Sync + 'static {
    /// The sqlx driver.
    type Db: sqlx_core::database::Database;
    /// The server it runs on.
    const SERVER: Server;
    /// `OTPKIT_DATABASE_URL` reports this backend.
    const BACKEND: Backend;

    /// A store on a new pool of at most `max` connections to `url`; `session` (if not
    /// empty) runs on each new connection.
    fn open(url: &str, max: u32, session: &'static str) -> impl Future<Output = Self> + Send;
    /// `connect(url)`.
    fn connect(url: &str) -> impl Future<Output = Self> + Send;
    /// The store's pool.
    fn pool(&self) -> &Pool<Self::Db>;
    /// `migrate()`.
    fn migrate(&self) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// This backend's store inside a `SqlxStore`.
    fn from_any(any: &SqlxStore) -> Option<&Self>;
    /// Runs `sql` (one or more statements) on the pool.
    fn exec(&self, sql: String) -> impl Future<Output = ()> + Send;
    /// Every row of `sql`, each column read as optional text.
    fn rows(&self, sql: &'static str) -> impl Future<Output = Vec<Vec<Option<String>>>> + Send;
    /// The highest device id.
    fn max_id(&self) -> impl Future<Output = i64> + Send;
    /// `otpkit_migrations`: (version, success), by version.
    fn applied(&self) -> impl Future<Output = Vec<(i64, bool)>> + Send;
    /// Takes device `id`'s row lock in `tx`.
    fn lock_row(
        tx: &mut Transaction<'static, Self::Db>,
        id: i64,
    ) -> impl Future<Output = ()> + Send;
}

/// What a backend's test file says about its server.
pub trait Facts: TestStore {
    /// The URL schemes that name this backend.
    const SCHEMES: [&'static str; 2];
    /// Session SQL under which a lock wait gives up quickly (a lock-wait timeout).
    const IMPATIENT: &'static str;
    /// How long to hold a lock so that the impatient store's first attempt times out but a
    /// retry gets it.
    const RELEASE_AFTER: Duration;
    /// A `user_id` expression that does not decode.
    const CORRUPT_USER_ID: &'static str;
    /// Triggers under which a transition of a device renamed to `retry-me` fails twice with
    /// a retryable error and then succeeds, `always-conflict` always fails so, and
    /// `fatal-error` fails with a plain error.
    const FAILING_TRANSITIONS: &'static str;
    /// A trigger that fails the first state update of a device named `retry-insert` with a
    /// retryable error.
    const FAILING_FIRST_STATE_UPDATE: &'static str;
    /// The indexes of `otpkit_device`, one text column each.
    const INDEXES_SQL: &'static str;
    /// … and what they must be, sorted.
    const INDEXES: &'static [&'static str];
    /// `otpkit_device`'s columns: name, type, nullable, collation.
    const COLUMNS_SQL: &'static str;
    /// … and what they must be (`name type nullable collation-or-dash`).
    const COLUMNS: &'static [&'static str];
}

/// A store on a new pool of 8 connections.
pub async fn pool_store<S: TestStore>(url: &str) -> S {
    S::open(url, 8, "").await
}

/// Two stores on one migrated database.
pub async fn stores<S: TestStore>(url: &str) -> (S, S) {
    let a = pool_store::<S>(url).await;
    let b = pool_store::<S>(url).await;
    a.migrate().await.unwrap();
    (a, b)
}

/// Closes the stores' pools.
pub async fn close<S: TestStore>(stores: &[&S]) {
    for s in stores {
        s.pool().close().await;
    }
}

/// Runs `case` with two stores on the migrated database at `url`, then closes them.
pub async fn with_two<S, F, Fut>(url: String, case: F)
where
    S: TestStore,
    F: FnOnce(S, S) -> Fut,
    Fut: Future<Output = ()>,
{
    let (a, b) = stores::<S>(&url).await;
    case(a.clone(), b.clone()).await;
    close(&[&a, &b]).await;
}

pub async fn fifty_parallel<S: TestStore>(a: S, b: S) {
    cases::parallel_updates(&a, &b, 50, 20).await;
}

pub async fn migrate_twice<S: Facts>(url: String) {
    let a = pool_store::<S>(&url).await;
    let b = pool_store::<S>(&url).await;
    cases::missing_schema(&a).await;
    // Six migrators at once through two pools (they take turns on the backend's lock), then
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
    // 1: devices; 2, 3: trusted browsers and grace records; 4: imported ids.
    assert_eq!(
        a.applied().await,
        vec![(1, true), (2, true), (3, true), (4, true)]
    );
    let mut got: Vec<String> = a
        .rows(S::INDEXES_SQL)
        .await
        .into_iter()
        .map(|r| r.into_iter().flatten().collect())
        .collect();
    got.sort();
    assert_eq!(got, S::INDEXES);
    close(&[&a, &b]).await;
}

pub async fn missing_table_is_schema_error<S: TestStore>(url: String) {
    let a = pool_store::<S>(&url).await;
    cases::missing_schema(&a).await;
    close(&[&a]).await;
}

/// `SqlxStore::connect` by either scheme reaches the same database; neither `Debug` nor a
/// refused URL shows the URL.
pub async fn connect_by_url<S: Facts>(url: String) {
    let direct = S::connect(&url).await;
    let any = SqlxStore::connect(&url).await.unwrap();
    assert_eq!(any.backend(), S::BACKEND);
    any.migrate().await.unwrap();
    let d = add(&any, "alice", "otp_totp.totpdevice", "Phone").await;
    assert_eq!(direct.get(d.id).await.unwrap(), Some(d));
    assert!(!format!("{direct:?}").contains(&format!("{}://", S::SCHEMES[0])));
    let alias = url.replacen(
        &format!("{}://", S::SCHEMES[0]),
        &format!("{}://", S::SCHEMES[1]),
        1,
    );
    let via_alias = SqlxStore::connect(&alias).await.unwrap();
    assert_eq!(via_alias.backend(), S::BACKEND);
    let err = SqlxStore::connect("sqlite://secret-password@x")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Backend(_)));
    assert!(!err.to_string().contains("secret"), "{err}");
    for s in [&any, &via_alias] {
        close(&[S::from_any(s).unwrap()]).await;
    }
    close(&[&direct]).await;
}

fn counting_increment(calls: &Arc<AtomicU32>) -> Mutation {
    let c = calls.clone();
    Box::new(move |r| {
        c.fetch_add(1, Ordering::SeqCst);
        r.throttle.failure_count += 1;
        Write::Update.into()
    })
}

/// A lock-wait timeout is retried 3 times, then `Conflict`; the mutation never ran without
/// the lock. When the lock comes free during the retries, the update succeeds and the
/// mutation ran once.
pub async fn lock_wait_timeout_retries_then_conflict<S: Facts>(url: String) {
    let (a, b) = stores::<S>(&url).await;
    let d = add(&a, "alice", "otp_totp.totpdevice", "Phone").await;
    let slow = S::open(&url, 2, S::IMPATIENT).await;

    let holder = S::open(&url, 1, "").await;
    let mut tx = holder.pool().begin().await.unwrap();
    S::lock_row(&mut tx, d.id).await;
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
    tokio::time::sleep(S::RELEASE_AFTER).await;
    tx.commit().await.unwrap();
    assert!(pending.await.unwrap().unwrap().is_some());
    assert_eq!(calls2.load(Ordering::SeqCst), 1);
    let now = b.get(d.id).await.unwrap().unwrap();
    assert_eq!((now.throttle.failure_count, now.version), (1, 1));
    close(&[&a, &b, &slow, &holder]).await;
}

/// Renames the device and counts a failure; returns which run of the closure this is.
fn rename(
    name: &'static str,
    calls: &Arc<AtomicU32>,
) -> impl FnMut(&mut DeviceRecord) -> (Write, u32) + Send + 'static {
    let c = calls.clone();
    move |r| {
        let run = c.fetch_add(1, Ordering::SeqCst) + 1;
        r.name = name.into();
        r.throttle.failure_count += 1;
        (Write::Update, run)
    }
}

/// Under [`Facts::FAILING_TRANSITIONS`]: a retryable failure reruns the whole transaction
/// (mutation included); any other error fails closed at once, nothing written.
pub async fn retryable_failures_are_retried<S: Facts>(url: String) {
    let (a, b) = stores::<S>(&url).await;
    a.exec(S::FAILING_TRANSITIONS.into()).await;
    let d = add(&a, "alice", "otp_totp.totpdevice", "Phone").await;

    let calls = Arc::new(AtomicU32::new(0));
    let err = b
        .transition(d.id, rename("fatal-error", &calls))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Backend(_)), "{err:?}");
    assert_eq!(calls.load(Ordering::SeqCst), 1, "not retried");
    let unchanged = a.get(d.id).await.unwrap();
    assert_eq!(unchanged.as_ref(), Some(&d), "nothing written");

    let calls = Arc::new(AtomicU32::new(0));
    let err = b
        .transition(d.id, rename("always-conflict", &calls))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { retries: 3 }),
        "{err:?}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 4, "first attempt + 3 retries");
    let unchanged = a.get(d.id).await.unwrap();
    assert_eq!(unchanged.as_ref(), Some(&d), "nothing written");

    let calls = Arc::new(AtomicU32::new(0));
    let done = b
        .transition(d.id, rename("retry-me", &calls))
        .await
        .unwrap()
        .expect("the device exists");
    let n = calls.load(Ordering::SeqCst);
    assert_eq!(n, 3, "two retryable failures, then success");
    assert_eq!(done.value, 3, "the value of the run that committed");
    assert_eq!(
        (done.record.name.as_str(), done.record.version),
        ("retry-me", 1)
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
        .transition_user(&user("alice"), move |recs, writes| {
            c.fetch_add(1, Ordering::SeqCst);
            recs[0].name = "always-conflict".into();
            writes[0] = Write::Update;
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { retries: 3 }),
        "{err:?}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    assert_eq!(a.get(d.id).await.unwrap().unwrap().name, "retry-me");
    close(&[&a, &b]).await;
}

/// Under [`Facts::FAILING_FIRST_STATE_UPDATE`]: the insert's retry path (`init` already
/// ran) inserts the kept id and state directly.
pub async fn insert_retried_after_init<S: Facts>(url: String) {
    let (a, b) = stores::<S>(&url).await;
    a.exec(S::FAILING_FIRST_STATE_UPDATE.into()).await;
    cases::insert_retried_after_init(&b).await;
    close(&[&a, &b]).await;
}

/// A row that does not decode is `Corrupt`, never silently fixed.
pub async fn corrupt_row<S: Facts>(url: String) {
    let (a, b) = stores::<S>(&url).await;
    a.exec(format!(
        "INSERT INTO otpkit_device (user_id, model_label, name, confirmed, created_at, state) \
         VALUES ({}, 'otp_totp.totpdevice', 'n', TRUE, 0, '{{}}')",
        S::CORRUPT_USER_ID
    ))
    .await;
    let id = a.max_id().await;
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
}

/// The table really is what the crate docs say.
pub async fn schema_matches_docs<S: Facts>(url: String) {
    let (a, b) = stores::<S>(&url).await;
    let got: Vec<String> = a
        .rows(S::COLUMNS_SQL)
        .await
        .iter()
        .map(|r| {
            let col = |i: usize| r[i].as_deref().unwrap_or("-");
            // MySQL 8.0.19+ no longer shows integer display widths; MariaDB does.
            let ty = col(1).replace("bigint(20)", "bigint");
            format!("{} {ty} {} {}", col(0), col(2), col(3))
        })
        .collect();
    assert_eq!(got, S::COLUMNS);
    close(&[&a, &b]).await;
}

/// A test on its own new database: `$case(url)`.
macro_rules! db_test {
    ($store:ty, $(#[$m:meta])* $name:ident => $case:expr) => {
        $(#[$m])*
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $name() {
            $crate::common::with_fresh_db(
                <$store as $crate::common::suite::TestStore>::SERVER,
                $case,
            )
            .await;
        }
    };
}
pub(crate) use db_test;

/// A test with two stores on a new migrated database: `$case(a, b)`.
macro_rules! two_store_test {
    ($store:ty, $(#[$m:meta])* $name:ident => $case:expr) => {
        $crate::common::suite::db_test!($store, $(#[$m])* $name => |url| {
            $crate::common::suite::with_two::<$store, _, _>(url, $case)
        });
    };
}
pub(crate) use two_store_test;

/// Every shared test, for `$store`.
macro_rules! store_suite {
    ($store:ty) => {
        use $crate::common::cases as c;
        use $crate::common::suite::{self as s, db_test, two_store_test};

        two_store_test!($store,
            /// Every `DeviceRecord` field round-trips exactly.
            round_trip_every_field => |a, _| async move { c::round_trip(&a).await });
        two_store_test!($store,
            /// `update` on a missing id is `Ok(false)` and never calls the mutation.
            update_missing_id => |a, _| async move { c::update_missing(&a).await });
        two_store_test!($store,
            /// A failing `init` rolls the insert back.
            init_failure_rolls_back => |a, _| async move { c::init_failure_rolls_back(&a).await });
        two_store_test!($store,
            /// `update_user` sees all of the user's rows, in id order, and only them.
            update_user_sees_all_rows => |a, _| async move { c::update_user_sees_all_rows(&a).await });
        two_store_test!($store,
            /// User ids compare byte for byte.
            user_ids_are_byte_exact => |a, _| async move { c::user_ids_are_byte_exact(&a).await });
        two_store_test!($store,
            /// Listing filters agree with `DeviceQuery::matches`.
            list_filters => |a, _| async move { c::list_filters(&a).await });
        two_store_test!($store,
            /// Racing `update_user` and `update` lose nothing.
            update_user_races_update => |a, b| async move { c::update_user_races_update(&a, &b).await });
        two_store_test!($store,
            /// Parallel inserts through two pools get distinct ids.
            parallel_inserts => |a, b| async move { c::parallel_inserts(&a, &b).await });
        two_store_test!($store,
            /// 50 parallel increments through two pools → exactly +50, 20 times over.
            parallel_updates_two_pools => s::fifty_parallel::<$store>);
        db_test!($store,
            /// Racing migrators, then again: no-ops; the indexes are there.
            migrate_twice => s::migrate_twice::<$store>);
        db_test!($store, missing_table_is_schema_error => s::missing_table_is_schema_error::<$store>);
        db_test!($store, connect_by_url => s::connect_by_url::<$store>);
        db_test!($store, lock_wait_timeout_retries_then_conflict =>
            s::lock_wait_timeout_retries_then_conflict::<$store>);
        db_test!($store, retryable_failures_are_retried => s::retryable_failures_are_retried::<$store>);
        db_test!($store, insert_retried_after_init => s::insert_retried_after_init::<$store>);
        db_test!($store, corrupt_row => s::corrupt_row::<$store>);
        db_test!($store, schema_matches_docs => s::schema_matches_docs::<$store>);
    };
}
pub(crate) use store_suite;
