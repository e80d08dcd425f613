//! Test harness shared by `tests/postgres.rs` and `tests/mysql.rs`: the environment switches
//! and a fresh database per test.
//!
//! - `OTPKIT_TEST_POSTGRES_URL`, `OTPKIT_TEST_MYSQL_URL`: a server and a database to connect
//!   to for administration (`CREATE DATABASE` / `DROP DATABASE`).
//! - `OTPKIT_REQUIRE_DB`: when set (to anything but `0`, `false` or nothing), a missing URL
//!   fails the test instead of skipping it. A URL that is set but unreachable always fails.
#![allow(dead_code, unused_imports, unused_macros)]

pub mod cases;
pub mod suite;

use otpkit_sqlx::sqlx;
use std::future::Future;
use std::sync::Arc;

use otpkit::device::{DeviceId, DeviceRecord, NewDevice};
use otpkit::store::{
    Committed, DeviceQuery, DeviceStore, InitState, Mutation, StoreError, UserCommitted,
    UserMutation,
};
use otpkit::user::UserId;
use sqlx::{AssertSqlSafe, Connection};

/// Whether the environment insists on a real database.
pub fn require_db() -> bool {
    match std::env::var("OTPKIT_REQUIRE_DB") {
        Ok(v) => {
            let v = v.trim();
            !(v.is_empty() || v == "0" || v.eq_ignore_ascii_case("false"))
        }
        Err(_) => false,
    }
}

/// The base URL in `var`, or `None` (after saying so) when the test is to be skipped.
pub fn base_url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ => {
            let example = if var.contains("POSTGRES") {
                "postgres://postgres@127.0.0.1:5432/test"
            } else {
                "mysql://root@127.0.0.1:3306/test"
            };
            assert!(
                !require_db(),
                "{var} is not set, but OTPKIT_REQUIRE_DB is: set {var} to a server URL, \
                 e.g. {example}"
            );
            eprintln!(
                "SKIPPED (passes without running): {var} is not set. Set it to run this test \
                 against a real server; set OTPKIT_REQUIRE_DB=1 to make a missing URL fail."
            );
            None
        }
    }
}

/// A database name nobody else uses: `otpkit_t_<16 hex digits>`.
pub fn unique_name() -> String {
    format!("otpkit_t_{:016x}", getrandom::u64().unwrap())
}

/// `base` with its database path replaced by `name` (query string kept).
pub fn url_with_database(base: &str, name: &str) -> String {
    let (scheme, rest) = base.split_once("://").expect("a URL with a scheme");
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let query = tail.find('?').map_or("", |i| &tail[i..]);
    format!("{scheme}://{authority}/{name}{query}")
}

/// Which server a fresh database is made on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    Postgres,
    MySql,
}

impl Server {
    fn var(self) -> &'static str {
        match self {
            Server::Postgres => "OTPKIT_TEST_POSTGRES_URL",
            Server::MySql => "OTPKIT_TEST_MYSQL_URL",
        }
    }
}

/// `CREATE DATABASE` for a test database. MySQL's is latin1 on purpose: the migration must
/// not depend on the database's default charset.
fn create_sql(server: Server, name: &str) -> String {
    match server {
        Server::Postgres => format!("CREATE DATABASE \"{name}\""),
        Server::MySql => format!("CREATE DATABASE `{name}` CHARACTER SET latin1"),
    }
}

/// `DROP DATABASE` for a test database, closing what still uses it (PostgreSQL 13+).
fn drop_sql(server: Server, name: &str) -> String {
    match server {
        Server::Postgres => format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
        Server::MySql => format!("DROP DATABASE IF EXISTS `{name}`"),
    }
}

/// Runs one administrative statement on a connection of its own.
async fn admin_exec(server: Server, url: &str, sql: String) -> Result<(), sqlx::Error> {
    match server {
        #[cfg(feature = "postgres")]
        Server::Postgres => {
            let mut c = sqlx::PgConnection::connect(url).await?;
            sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut c).await?;
            c.close().await
        }
        #[cfg(feature = "mysql")]
        Server::MySql => {
            let mut c = sqlx::MySqlConnection::connect(url).await?;
            sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut c).await?;
            c.close().await
        }
        #[allow(unreachable_patterns)]
        _ => panic!("{server:?} support is not compiled in"),
    }
}

/// Runs `body` with the URL of a new, empty database on `server`, then drops the database —
/// also when `body` panics (the panic is passed on afterwards). Skips when the server's URL
/// is unset (see the module docs).
pub async fn with_fresh_db<F, Fut>(server: Server, body: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(base) = base_url(server.var()) else {
        return;
    };
    let name = unique_name();
    let url = url_with_database(&base, &name);
    let timer = Timer::start();
    admin_exec(server, &base, create_sql(server, &name))
        .await
        .unwrap_or_else(|e| panic!("cannot create a test database via {}: {e}", server.var()));
    let outcome = tokio::spawn(body(url)).await;
    if let Err(e) = admin_exec(server, &base, drop_sql(server, &name)).await {
        eprintln!("note: could not drop test database {name}: {e}");
    }
    timer.report();
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("test task failed: {e}");
    }
}

/// Prints how long a test took (run with `--nocapture` to see it).
struct Timer(std::time::Instant);

impl Timer {
    #[allow(clippy::disallowed_methods, reason = "test timing, not a policy clock")]
    fn start() -> Self {
        Timer(std::time::Instant::now())
    }

    fn report(&self) {
        let test = std::thread::current().name().unwrap_or("?").to_owned();
        eprintln!("timing: {test}: {} ms", self.0.elapsed().as_millis());
    }
}

/// A database made for one test, dropped (synchronously) when the last store using it goes.
pub struct DropOnExit {
    server: Server,
    admin_url: String,
    name: String,
    timer: Timer,
}

impl Drop for DropOnExit {
    fn drop(&mut self) {
        self.timer.report();
        let (server, admin_url, name) = (self.server, self.admin_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime, which must not block on a future; a helper
        // thread with its own runtime does the async work and is joined.
        let done = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Err(e) = admin_exec(server, &admin_url, drop_sql(server, &name)).await {
                    eprintln!("note: could not drop test database {name}: {e}");
                }
            });
        });
        let _ = done.join();
    }
}

/// A store that keeps its test database alive; the database is dropped after the last one.
pub struct Guarded<S> {
    store: S,
    _db: std::sync::Arc<DropOnExit>,
}

#[async_trait::async_trait]
impl<S: DeviceStore> DeviceStore for Guarded<S> {
    async fn insert(&self, new: NewDevice, init: InitState) -> Result<DeviceRecord, StoreError> {
        self.store.insert(new, init).await
    }
    async fn get(&self, id: DeviceId) -> Result<Option<DeviceRecord>, StoreError> {
        self.store.get(id).await
    }
    async fn list_for_user(&self, user: &UserId) -> Result<Vec<DeviceRecord>, StoreError> {
        self.store.list_for_user(user).await
    }
    async fn list(&self, query: &DeviceQuery) -> Result<Vec<DeviceRecord>, StoreError> {
        self.store.list(query).await
    }
    async fn update(
        &self,
        id: DeviceId,
        mutation: Mutation,
    ) -> Result<Option<Committed>, StoreError> {
        self.store.update(id, mutation).await
    }
    async fn update_user(
        &self,
        user: &UserId,
        mutation: UserMutation,
    ) -> Result<UserCommitted, StoreError> {
        self.store.update_user(user, mutation).await
    }
    async fn delete_for_user(&self, user: &UserId) -> Result<u64, StoreError> {
        self.store.delete_for_user(user).await
    }
    async fn get_imported(
        &self,
        label: &str,
        imported_id: otpkit::DeviceId,
    ) -> Result<Option<DeviceRecord>, StoreError> {
        self.store.get_imported(label, imported_id).await
    }
    async fn import(
        &self,
        user: &UserId,
        devices: Vec<otpkit::store::ImportedDevice>,
    ) -> Result<Vec<DeviceRecord>, StoreError> {
        self.store.import(user, devices).await
    }
}

/// A new, empty database on `server`: its URL and the guard that drops it once the last
/// clone is gone. `None` (after saying so) when the server's URL is unset and
/// `OTPKIT_REQUIRE_DB` is not.
pub async fn fresh_database(server: Server) -> Option<(String, Arc<DropOnExit>)> {
    let base = base_url(server.var())?;
    let name = unique_name();
    let url = url_with_database(&base, &name);
    admin_exec(server, &base, create_sql(server, &name))
        .await
        .unwrap_or_else(|e| panic!("cannot create a test database via {}: {e}", server.var()));
    let guard = Arc::new(DropOnExit {
        server,
        admin_url: base,
        name,
        timer: Timer::start(),
    });
    Some((url, guard))
}

/// Two store instances (two pools) on one new, migrated database: the factory for
/// `otpkit::store_conformance_tests!`. The database is dropped once both stores are.
///
/// When the server's URL is unset and `OTPKIT_REQUIRE_DB` is not, the suite cannot be
/// skipped from here (the macro owns the test bodies), so it says so loudly and hands out
/// two `MemoryStore` handles instead: the case passes without touching a server.
pub async fn fresh_pair(server: Server) -> (Arc<dyn DeviceStore>, Arc<dyn DeviceStore>) {
    let Some(base) = base_url(server.var()) else {
        eprintln!(
            "SKIPPED {}: no server, so this conformance case ran on MemoryStore and says \
             nothing about this backend",
            server.var()
        );
        let s = otpkit::MemoryStore::new();
        return (Arc::new(s.clone()), Arc::new(s));
    };
    let name = unique_name();
    let url = url_with_database(&base, &name);
    admin_exec(server, &base, create_sql(server, &name))
        .await
        .unwrap_or_else(|e| panic!("cannot create a test database via {}: {e}", server.var()));
    let guard = Arc::new(DropOnExit {
        server,
        admin_url: base,
        name,
        timer: Timer::start(),
    });
    macro_rules! pair {
        ($store:ty) => {{
            let (a, b) = (
                <$store as suite::TestStore>::open(&url, 10, "").await,
                <$store as suite::TestStore>::open(&url, 10, "").await,
            );
            suite::TestStore::migrate(&a).await.unwrap();
            (
                Arc::new(Guarded {
                    store: a,
                    _db: guard.clone(),
                }) as Arc<dyn DeviceStore>,
                Arc::new(Guarded {
                    store: b,
                    _db: guard,
                }) as Arc<dyn DeviceStore>,
            )
        }};
    }
    match server {
        #[cfg(feature = "postgres")]
        Server::Postgres => pair!(otpkit_sqlx::postgres::PgStore),
        #[cfg(feature = "mysql")]
        Server::MySql => pair!(otpkit_sqlx::mysql::MySqlStore),
        #[allow(unreachable_patterns)]
        _ => unreachable!("backend feature is off"),
    }
}

/// [`suite::TestStore`] for a store type of otpkit-sqlx.
macro_rules! test_store {
    ($store:ty, $db:ty, $server:expr, $backend:expr, $variant:path) => {
        impl suite::TestStore for $store {
            type Db = $db;
            const SERVER: Server = $server;
            const BACKEND: otpkit_sqlx::Backend = $backend;

            async fn open(url: &str, max: u32, session: &'static str) -> Self {
                let mut options = sqlx::pool::PoolOptions::<$db>::new().max_connections(max);
                if !session.is_empty() {
                    options = options.after_connect(move |conn, _| {
                        Box::pin(async move {
                            sqlx::Executor::execute(conn, session).await?;
                            Ok(())
                        })
                    });
                }
                <$store>::from_pool(options.connect(url).await.unwrap())
            }

            async fn connect(url: &str) -> Self {
                <$store>::connect(url).await.unwrap()
            }

            fn pool(&self) -> &sqlx::Pool<$db> {
                <$store>::pool(self)
            }

            async fn migrate(&self) -> Result<(), StoreError> {
                <$store>::migrate(self).await
            }

            fn from_any(any: &otpkit_sqlx::SqlxStore) -> Option<&Self> {
                #[allow(unreachable_patterns)]
                match any {
                    $variant(s) => Some(s),
                    _ => None,
                }
            }

            async fn exec(&self, sql: String) {
                sqlx::raw_sql(AssertSqlSafe(sql))
                    .execute(self.pool())
                    .await
                    .unwrap();
            }

            async fn rows(&self, sql: &'static str) -> Vec<Vec<Option<String>>> {
                let rows = sqlx::query(sql).fetch_all(self.pool()).await.unwrap();
                rows.iter()
                    .map(|r| {
                        (0..sqlx::Row::len(r))
                            .map(|i| sqlx::Row::try_get(r, i).unwrap())
                            .collect()
                    })
                    .collect()
            }

            async fn max_id(&self) -> i64 {
                sqlx::query_scalar("SELECT MAX(id) FROM otpkit_device")
                    .fetch_one(self.pool())
                    .await
                    .unwrap()
            }

            async fn applied(&self) -> Vec<(i64, bool)> {
                sqlx::query_as("SELECT version, success FROM otpkit_migrations ORDER BY version")
                    .fetch_all(self.pool())
                    .await
                    .unwrap()
            }

            async fn lock_row(tx: &mut sqlx::Transaction<'static, $db>, id: i64) {
                let sql = format!("SELECT id FROM otpkit_device WHERE id = {id} FOR UPDATE");
                sqlx::query(AssertSqlSafe(sql))
                    .execute(&mut **tx)
                    .await
                    .unwrap();
            }
        }
    };
}

#[cfg(feature = "postgres")]
test_store!(
    otpkit_sqlx::postgres::PgStore,
    sqlx::Postgres,
    Server::Postgres,
    otpkit_sqlx::Backend::Postgres,
    otpkit_sqlx::SqlxStore::Postgres
);
#[cfg(feature = "mysql")]
test_store!(
    otpkit_sqlx::mysql::MySqlStore,
    sqlx::MySql,
    Server::MySql,
    otpkit_sqlx::Backend::MySql,
    otpkit_sqlx::SqlxStore::MySql
);
