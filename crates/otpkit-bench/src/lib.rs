//! Shared pieces of the otpkit benchmarks (issue 6): engines with an injectable per-task clock,
//! the verification scenarios, time-bounded concurrent runs, and the synchronous baselines.
//!
//! Benchmarks read the wall clock and are not library code: the workspace's `Instant::now`
//! ban and panic lints are relaxed here.
#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use otpkit::device::{DeviceId, NewDevice, ThrottleState};
use otpkit::engine::{TotpOptions, VerifyOptions};
use otpkit::oath::{Algorithm, Digits, OathKey};
use otpkit::settings::{ThrottleSettings, TotpSettings};
use otpkit::store::{
    Committed, DeviceQuery, DeviceStoreExt, InitState, Mutation, StoreError, UserCommitted,
    UserMutation, Write,
};
use otpkit::{
    Clock, DeviceRecord, DeviceStore, Engine, KeyRing, SecretBytes, Settings, Timestamp, UserId,
    VerifyOutcome,
};

/// The fixed "now" of every benchmark that does not move its clock (2023-11-14T22:13:20Z).
pub const T0_SECS: i64 = 1_700_000_000;
/// The OATH key of every benchmark device (RFC 4226's).
pub const KEY: &[u8] = b"12345678901234567890";
/// The key ring the engines seal with.
pub const KEY_RING: &str = "bench:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

tokio::task_local! {
    /// The instant a verifier task wants the engine to see.
    static NOW: Timestamp;
}

/// A clock that reads the calling task's `NOW` task-local (so that concurrent verifiers can each move
/// their own device through fresh TOTP steps) and otherwise returns a fixed instant.
#[derive(Debug, Clone, Copy)]
pub struct TaskClock(pub Timestamp);

impl Clock for TaskClock {
    fn now(&self) -> Timestamp {
        NOW.try_with(|t| *t).unwrap_or(self.0)
    }
}

/// Throttling off (wrong tokens keep being evaluated) or the defaults (on).
pub fn settings(throttling: bool) -> Settings {
    if throttling {
        Settings::default()
    } else {
        Settings {
            throttle: ThrottleSettings {
                lockout_threshold: 0,
                account_lockout_threshold: 0,
                ..Default::default()
            },
            totp: TotpSettings {
                throttle_factor: 0,
                ..Default::default()
            },
            ..Settings::default()
        }
    }
}

/// An engine on `store` with the task clock.
pub fn engine(store: Arc<dyn DeviceStore>, throttling: bool) -> Engine {
    Engine::builder_arc(store, KeyRing::parse(KEY_RING).expect("key ring"))
        .settings(settings(throttling))
        .clock(TaskClock(Timestamp::from_secs(T0_SECS)))
        .build()
        .expect("engine")
}

/// One benchmark device.
#[derive(Debug, Clone)]
pub struct Dev {
    pub user: UserId,
    pub pid: String,
    pub id: DeviceId,
}

/// Creates `n` confirmed TOTP devices (SHA-1, 6 digits, step 30, tolerance 1) for users
/// `{prefix}{i}` through the engine, so that their keys are sealed as in production.
pub async fn create_devices(engine: &Engine, prefix: &str, n: usize) -> Vec<Dev> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let user = UserId::new(format!("{prefix}{i}")).expect("user id");
        let d = engine
            .create_totp(
                &user,
                TotpOptions {
                    key: Some(SecretBytes::new(KEY.to_vec())),
                    ..TotpOptions::default()
                },
            )
            .await
            .expect("create device");
        out.push(Dev {
            user,
            pid: d.persistent_id(),
            id: d.id(),
        });
    }
    out
}

/// A 6-digit code that matches no step of the window around [`T0_SECS`] (tolerance 1, and
/// some margin).
pub fn wrong_token() -> String {
    let key = OathKey::new(Algorithm::Sha1, KEY);
    let t = (T0_SECS / 30) as u64;
    let window: Vec<String> = (t - 3..=t + 3)
        .map(|c| key.hotp(c, Digits::SIX).expose().to_owned())
        .collect();
    (0u32..)
        .map(|n| format!("{n:06}"))
        .find(|c| !window.contains(c))
        .expect("free code")
}

/// What a verification run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// The right code of a fresh step every time (each verifier moves its own clock on by
    /// one step per attempt): accepted, state written.
    Valid,
    /// A wrong code with throttling off: evaluated (3 HMACs), one failure written.
    Wrong,
    /// A wrong code on a device whose back-off is running: refused before evaluation,
    /// nothing written.
    Throttled,
}

impl Scenario {
    pub const ALL: [Scenario; 3] = [Scenario::Valid, Scenario::Wrong, Scenario::Throttled];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::Valid => "valid token",
            Scenario::Wrong => "wrong token, throttling off",
            Scenario::Throttled => "throttled refusal",
        }
    }

    fn expected(self, o: &VerifyOutcome) -> bool {
        match self {
            Scenario::Valid => matches!(o, VerifyOutcome::Accepted(_)),
            Scenario::Wrong => matches!(o, VerifyOutcome::Rejected(_)),
            Scenario::Throttled => matches!(o, VerifyOutcome::NotAllowed(_)),
        }
    }
}

/// Engines for the scenarios: throttling off for `Valid` and `Wrong`, on for `Throttled`.
#[derive(Clone)]
pub struct Engines {
    pub off: Engine,
    pub on: Engine,
}

impl Engines {
    pub fn new(store: Arc<dyn DeviceStore>) -> Self {
        Engines {
            off: engine(store.clone(), false),
            on: engine(store, true),
        }
    }

    fn for_scenario(&self, s: Scenario) -> &Engine {
        if s == Scenario::Throttled {
            &self.on
        } else {
            &self.off
        }
    }
}

/// Sets every device's failure count (a running back-off at [`T0_SECS`] when `n > 0`).
pub async fn set_failures(store: &dyn DeviceStore, devices: &[Dev], n: u32) {
    for d in devices {
        store
            .transition(d.id, move |r: &mut DeviceRecord| {
                r.throttle = ThrottleState {
                    failure_count: n,
                    failure_timestamp: (n > 0).then(|| Timestamp::from_secs(T0_SECS)),
                };
                (Write::Update, ())
            })
            .await
            .expect("set failures");
    }
}

/// Each `Valid` run moves its clocks into a range of its own, so that the steps of a device
/// only ever rise across runs.
static VALID_EPOCH: AtomicI64 = AtomicI64::new(0);

/// The result of a time-bounded run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rate {
    pub ops: u64,
    pub secs: f64,
    /// Attempts whose outcome was not the scenario's (must be 0).
    pub unexpected: u64,
}

impl Rate {
    /// Adds another run's operations and time (runs measured in slices).
    pub fn add(&mut self, other: Rate) {
        self.ops += other.ops;
        self.secs += other.secs;
        self.unexpected += other.unexpected;
    }

    pub fn per_sec(&self) -> f64 {
        self.ops as f64 / self.secs
    }

    pub fn micros_per_op(&self) -> f64 {
        1e6 * self.secs / self.ops.max(1) as f64
    }
}

/// `concurrency` verifiers, each on its own device, for `dur` (the last attempts finish).
pub async fn verify_rate(
    engines: &Engines,
    devices: &[Dev],
    scenario: Scenario,
    concurrency: usize,
    dur: Duration,
) -> Rate {
    assert!(concurrency <= devices.len(), "one device per verifier");
    if scenario == Scenario::Throttled {
        set_failures(engines.on.store().as_ref(), &devices[..concurrency], 50).await;
    }
    let engine = engines.for_scenario(scenario).clone();
    let epoch = VALID_EPOCH.fetch_add(1, Ordering::Relaxed);
    let wrong = Arc::<str>::from(wrong_token());
    let ops = Arc::new(AtomicU64::new(0));
    let unexpected = Arc::new(AtomicU64::new(0));
    let key = Arc::new(OathKey::new(Algorithm::Sha1, KEY));
    let start = Instant::now();
    // Every task checks the deadline itself: a busy runtime may not run timers.
    let deadline = start + dur;
    let mut tasks = Vec::with_capacity(concurrency);
    for d in devices.iter().take(concurrency).cloned() {
        let (engine, wrong, ops, unexpected, key) = (
            engine.clone(),
            wrong.clone(),
            ops.clone(),
            unexpected.clone(),
            key.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let opts = VerifyOptions::default();
            // Steps far above T0, a range of 10^8 per run.
            let mut step = T0_SECS / 30 + 1_000_000 + epoch * 100_000_000;
            let mut n = 0u64;
            while Instant::now() < deadline {
                let out = match scenario {
                    Scenario::Valid => {
                        step += 1;
                        let code = key.hotp(step as u64, Digits::SIX);
                        let now = Timestamp::from_secs(step * 30);
                        NOW.scope(
                            now,
                            engine.verify_token_detailed(
                                Some(&d.user),
                                &d.pid,
                                code.expose(),
                                &opts,
                            ),
                        )
                        .await
                    }
                    _ => {
                        engine
                            .verify_token_detailed(Some(&d.user), &d.pid, &wrong, &opts)
                            .await
                    }
                };
                let out = out.expect("verification error");
                if !scenario.expected(&out) {
                    unexpected.fetch_add(1, Ordering::Relaxed);
                }
                n += 1;
            }
            ops.fetch_add(n, Ordering::Relaxed);
        }));
    }
    for t in tasks {
        t.await.expect("verifier task");
    }
    let secs = start.elapsed().as_secs_f64();
    if scenario == Scenario::Throttled {
        set_failures(engines.on.store().as_ref(), &devices[..concurrency], 0).await;
    }
    Rate {
        ops: ops.load(Ordering::Relaxed),
        secs,
        unexpected: unexpected.load(Ordering::Relaxed),
    }
}

/// `concurrency` tasks calling `engine.devices_for_user` for `dur`.
pub async fn list_rate(
    engine: &Engine,
    devices: &[Dev],
    concurrency: usize,
    dur: Duration,
) -> Rate {
    let ops = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    // Every task checks the deadline itself: a busy runtime may not run timers.
    let deadline = start + dur;
    let mut tasks = Vec::new();
    for d in devices.iter().take(concurrency).cloned() {
        let (engine, ops) = (engine.clone(), ops.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                let v = engine
                    .devices_for_user(Some(&d.user), Some(true))
                    .await
                    .expect("list");
                assert_eq!(v.len(), 1);
                n += 1;
            }
            ops.fetch_add(n, Ordering::Relaxed);
        }));
    }
    for t in tasks {
        t.await.expect("list task");
    }
    Rate {
        ops: ops.load(Ordering::Relaxed),
        secs: start.elapsed().as_secs_f64(),
        unexpected: 0,
    }
}

// ----- SQLite baselines -----------------------------------------------------------------------

/// The columns of every device SELECT (the stores' order).
pub const COLUMNS: &str = "id, user_id, model_label, name, confirmed, created_at, last_used_at, \
     failure_count, failure_timestamp, last_generated_at, state, version, imported_id";

const SQLITE_SELECT: &str = "SELECT id, user_id, model_label, name, confirmed, created_at, \
     last_used_at, failure_count, failure_timestamp, last_generated_at, state, version, \
     imported_id FROM otpkit_device WHERE id = ?1";
const SQLITE_SELECT_USER: &str = "SELECT id, user_id, model_label, name, confirmed, \
     created_at, last_used_at, failure_count, failure_timestamp, last_generated_at, state, \
     version, imported_id FROM otpkit_device WHERE user_id = CAST(?1 AS TEXT) ORDER BY id";
/// The UPDATE `otpkit-sqlite` runs when a mutation leaves the indexed columns as they were,
/// which every verification does (`UPDATE_UNINDEXED` in its schema module).
const SQLITE_UPDATE: &str = "UPDATE otpkit_device SET name = ?2, confirmed = ?3, \
     last_used_at = ?4, failure_count = ?5, failure_timestamp = ?6, last_generated_at = ?7, \
     state = ?8, version = version + 1 WHERE id = ?1";

/// Opens `path` as the store does (WAL, `synchronous=NORMAL`).
pub fn sqlite_connection(path: &std::path::Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).expect("open");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    conn.pragma_update(None, "synchronous", "NORMAL")
        .expect("sync");
    conn.busy_timeout(Duration::from_secs(5)).expect("busy");
    conn
}

fn read_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceRecord> {
    Ok(DeviceRecord {
        id: r.get(0)?,
        user: UserId::new(r.get::<_, String>(1)?).expect("user"),
        model_label: r.get(2)?,
        name: r.get(3)?,
        confirmed: r.get(4)?,
        created_at: Timestamp::from_millis(r.get(5)?),
        last_used_at: r.get::<_, Option<i64>>(6)?.map(Timestamp::from_millis),
        throttle: ThrottleState {
            failure_count: r.get(7)?,
            failure_timestamp: r.get::<_, Option<i64>>(8)?.map(Timestamp::from_millis),
        },
        last_generated_at: r.get::<_, Option<i64>>(9)?.map(Timestamp::from_millis),
        state: r.get(10)?,
        version: r.get(11)?,
        imported_id: r.get(12)?,
    })
}

fn write_record(conn: &rusqlite::Connection, rec: &DeviceRecord) -> rusqlite::Result<usize> {
    conn.prepare_cached(SQLITE_UPDATE)?
        .execute(rusqlite::params![
            rec.id,
            rec.name,
            rec.confirmed,
            rec.last_used_at.map(Timestamp::as_millis),
            rec.throttle.failure_count,
            rec.throttle.failure_timestamp.map(Timestamp::as_millis),
            rec.last_generated_at.map(Timestamp::as_millis),
            rec.state,
        ])
}

/// The database's own rate for the verify transaction: rusqlite, synchronously, one
/// connection, `BEGIN IMMEDIATE; SELECT; UPDATE; COMMIT` (the failure count +1), for `dur`.
pub fn sqlite_bare_rate(path: &std::path::Path, ids: &[DeviceId], dur: Duration) -> Rate {
    let conn = sqlite_connection(path);
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < dur {
        for &id in ids {
            conn.execute_batch("BEGIN IMMEDIATE").expect("begin");
            let mut rec = conn
                .prepare_cached(SQLITE_SELECT)
                .expect("prepare")
                .query_row([id], read_record)
                .expect("select");
            rec.throttle.failure_count = rec.throttle.failure_count.saturating_add(1);
            write_record(&conn, &rec).expect("update");
            conn.execute_batch("COMMIT").expect("commit");
            n += 1;
        }
    }
    Rate {
        ops: n,
        secs: start.elapsed().as_secs_f64(),
        unexpected: 0,
    }
}

/// A `DeviceStore` that runs each transition synchronously on the caller's thread, on one
/// rusqlite connection: `BEGIN IMMEDIATE; SELECT; mutation; UPDATE; COMMIT`. With it, one
/// verifier measures **the engine's own synchronous rate** on a file — all of the engine's
/// work plus the bare transaction, with no thread hop and no batching. Only `update` and
/// `update_user` are supported (devices are created with [`otpkit_sqlite::SqliteStore`]);
/// the engine verifies through `update_user` when the account throttle is on (the default).
pub struct SyncSqlite(Mutex<rusqlite::Connection>);

impl SyncSqlite {
    pub fn open(path: &std::path::Path) -> Self {
        SyncSqlite(Mutex::new(sqlite_connection(path)))
    }

    fn run(&self, id: DeviceId, mut m: Mutation) -> rusqlite::Result<Option<Committed>> {
        let conn = self.0.lock().expect("lock");
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let read = conn
            .prepare_cached(SQLITE_SELECT)?
            .query_row([id], read_record);
        let read = match read {
            Ok(r) => r,
            Err(rusqlite::Error::QueryReturnedNoRows) => {
                conn.execute_batch("ROLLBACK")?;
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let mut rec = read.clone();
        let decision = m(&mut rec);
        write_one(&conn, &rec, decision.write())?;
        conn.execute_batch("COMMIT")?;
        Ok(Some(Committed::new(decision, read, rec)))
    }
}

/// Writes what a mutation decided (deletes are not supported: the engine never asks for one
/// while verifying).
fn write_one(conn: &rusqlite::Connection, rec: &DeviceRecord, w: Write) -> rusqlite::Result<()> {
    match w {
        Write::Update => {
            write_record(conn, rec)?;
        }
        Write::None => {}
        Write::Delete => panic!("not supported"),
    }
    Ok(())
}

impl SyncSqlite {
    fn run_user(&self, user: &UserId, mut m: UserMutation) -> rusqlite::Result<UserCommitted> {
        let conn = self.0.lock().expect("lock");
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let read = conn
            .prepare_cached(SQLITE_SELECT_USER)?
            .query_map([user.as_str()], read_record)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut recs = read.clone();
        let mut writes = vec![Write::None; recs.len()];
        let value = m(&mut recs, &mut writes);
        for (rec, w) in recs.iter().zip(&writes) {
            write_one(&conn, rec, *w)?;
        }
        conn.execute_batch("COMMIT")?;
        Ok(UserCommitted::new(value, read, recs, writes))
    }
}

fn unsupported() -> StoreError {
    StoreError::Backend("SyncSqlite supports update and update_user only".into())
}

#[async_trait]
impl DeviceStore for SyncSqlite {
    async fn insert(&self, _: NewDevice, _: InitState) -> Result<DeviceRecord, StoreError> {
        Err(unsupported())
    }
    async fn get(&self, _: DeviceId) -> Result<Option<DeviceRecord>, StoreError> {
        Err(unsupported())
    }
    async fn list_for_user(&self, _: &UserId) -> Result<Vec<DeviceRecord>, StoreError> {
        Err(unsupported())
    }
    async fn list(&self, _: &DeviceQuery) -> Result<Vec<DeviceRecord>, StoreError> {
        Err(unsupported())
    }
    async fn update(
        &self,
        id: DeviceId,
        mutation: Mutation,
    ) -> Result<Option<Committed>, StoreError> {
        self.run(id, mutation).map_err(StoreError::backend)
    }
    async fn update_user(
        &self,
        user: &UserId,
        mutation: UserMutation,
    ) -> Result<UserCommitted, StoreError> {
        self.run_user(user, mutation).map_err(StoreError::backend)
    }
    async fn delete_for_user(&self, _: &UserId) -> Result<u64, StoreError> {
        Err(unsupported())
    }
}

/// Inserts filler devices (never verified; their state is a placeholder) with one
/// statement, so that the table holds `n` rows in all after the benchmark devices.
pub fn sqlite_fill(path: &std::path::Path, n: u64) {
    let conn = sqlite_connection(path);
    conn.execute(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?1) \
         INSERT INTO otpkit_device (user_id, model_label, name, confirmed, created_at, \
         last_used_at, failure_count, failure_timestamp, last_generated_at, state, version) \
         SELECT 'filler' || x, 'otp_totp.totpdevice', 'Phone', 1, 1700000000000, NULL, 0, \
         NULL, NULL, '{}', 0 FROM c",
        [i64::try_from(n).expect("row count")],
    )
    .expect("fill");
    conn.execute_batch("ANALYZE").expect("analyze");
}

/// Formats a rate for the tables.
pub fn fmt_rate(r: f64) -> String {
    if r >= 100.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}
