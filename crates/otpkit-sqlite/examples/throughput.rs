//! A quick throughput check of the verify-shaped transition (read a device, decide, write
//! it back): raw synchronous rusqlite, one transaction per attempt, against `SqliteStore`
//! with 64 concurrent async callers; then full engine verifications (TOTP, wrong code,
//! throttling off: HMACs, unsealing and a state write per attempt) by 64 concurrent
//! verifiers on `SqliteStore` and on `MemoryStore`.
//!
//! ```sh
//! cargo run --release -p otpkit-sqlite --example throughput [-- ATTEMPTS_PER_TASK]
//! ```
#![allow(clippy::disallowed_methods)] // a benchmark reads the wall clock

use std::error::Error;
use std::time::Instant;

use otpkit::device::NewDevice;
use otpkit::engine::{TotpOptions, VerifyOptions};
use otpkit::settings::{ThrottleSettings, TotpSettings};
use otpkit::store::Write;
use otpkit::{DeviceStore as _, Engine, KeyRing, SecretBytes, Settings, Timestamp, UserId};
use otpkit_sqlite::SqliteStore;

const TASKS: usize = 64;

fn new_device(i: usize) -> Result<NewDevice, Box<dyn Error>> {
    Ok(NewDevice {
        user: UserId::new(format!("user{i}"))?,
        model_label: "otp_totp.totpdevice".into(),
        name: "Phone".into(),
        confirmed: true,
        created_at: Timestamp::from_secs(1_700_000_000),
    })
}

/// The baseline: one connection, `BEGIN IMMEDIATE; SELECT; UPDATE; COMMIT` per attempt.
fn raw(path: &std::path::Path, ids: &[i64], attempts: usize) -> Result<f64, Box<dyn Error>> {
    let conn = rusqlite::Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    let start = Instant::now();
    for n in 0..attempts {
        let Some(&id) = ids.get(n % ids.len()) else {
            break;
        };
        conn.execute_batch("BEGIN IMMEDIATE")?;
        // The same row shape as the store: every column read, every column written.
        type Row = (
            String,
            String,
            String,
            bool,
            i64,
            Option<i64>,
            i64,
            Option<i64>,
            Option<i64>,
            String,
        );
        let row: Row = conn
            .prepare_cached(
                "SELECT user_id, model_label, name, confirmed, created_at, last_used_at, \
                 failure_count, failure_timestamp, last_generated_at, state \
                 FROM otpkit_device WHERE id = ?1",
            )?
            .query_row([id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                ))
            })?;
        conn.prepare_cached(
            "UPDATE otpkit_device SET user_id = ?2, model_label = ?3, name = ?4, \
             confirmed = ?5, created_at = ?6, last_used_at = ?7, failure_count = ?8, \
             failure_timestamp = ?9, last_generated_at = ?10, state = ?11, \
             version = version + 1 WHERE id = ?1",
        )?
        .execute(rusqlite::params![
            id,
            row.0,
            row.1,
            row.2,
            row.3,
            row.4,
            row.5,
            row.6 + 1,
            row.7,
            row.8,
            row.9
        ])?;
        conn.execute_batch("COMMIT")?;
    }
    Ok(attempts as f64 / start.elapsed().as_secs_f64())
}

async fn store_run(
    store: &SqliteStore,
    ids: &[i64],
    per_task: usize,
) -> Result<f64, Box<dyn Error>> {
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(TASKS);
    for &id in ids {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..per_task {
                let mutation = Box::new(|r: &mut otpkit::DeviceRecord| {
                    r.throttle.failure_count = r.throttle.failure_count.saturating_add(1);
                    Write::Update.into()
                });
                s.update(id, mutation).await?;
            }
            Ok::<_, otpkit::store::StoreError>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok((TASKS * per_task) as f64 / start.elapsed().as_secs_f64())
}

/// 64 verifiers, each on its own TOTP device, `per_task` wrong codes each.
async fn engine_run(engine: &Engine, per_task: usize) -> Result<f64, Box<dyn Error>> {
    let mut devices = Vec::with_capacity(TASKS);
    for i in 0..TASKS {
        let u = UserId::new(format!("verifier{i}"))?;
        let opts = TotpOptions {
            key: Some(SecretBytes::new(b"12345678901234567890".to_vec())),
            ..TotpOptions::default()
        };
        let d = engine.create_totp(&u, opts).await?;
        devices.push((u, d.persistent_id()));
    }
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(TASKS);
    for (u, pid) in devices {
        let e = engine.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..per_task {
                e.verify_token_detailed(Some(&u), &pid, "abcdef", &VerifyOptions::default())
                    .await?;
            }
            Ok::<_, otpkit::Error>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok((TASKS * per_task) as f64 / start.elapsed().as_secs_f64())
}

fn engine_on(store: impl otpkit::DeviceStore) -> Result<Engine, Box<dyn Error>> {
    let keys = KeyRing::parse("bench:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")?;
    let settings = Settings {
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
    };
    Ok(Engine::builder(store, keys).settings(settings).build()?)
}

fn main() -> Result<(), Box<dyn Error>> {
    let per_task: usize = std::env::args().nth(1).map_or(Ok(500), |s| s.parse())?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.db");
    let url = format!("sqlite://{}", path.display());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let store = SqliteStore::open_and_migrate(&url).await?;
        let mut ids = Vec::with_capacity(TASKS);
        for i in 0..TASKS {
            let rec = store
                .insert(
                    new_device(i)?,
                    Box::new(|_| Ok("{\"k\":\"sealed\"}".into())),
                )
                .await?;
            ids.push(rec.id);
        }
        // Warm up, then measure.
        store_run(&store, &ids, per_task / 10 + 1).await?;
        let before = store.stats();
        let store_rate = store_run(&store, &ids, per_task).await?;
        let after = store.stats();
        drop(store);
        let raw_rate = raw(&path, &ids, TASKS * per_task)?;
        let groups = after.groups.saturating_sub(before.groups).max(1);
        let requests = after.requests.saturating_sub(before.requests);
        println!("raw rusqlite, 1 txn per attempt:      {raw_rate:>10.0} attempts/s");
        println!("SqliteStore, {TASKS} concurrent callers: {store_rate:>10.0} attempts/s");
        println!(
            "ratio {:.2}; mean group {:.1}, largest {}",
            store_rate / raw_rate,
            requests as f64 / groups as f64,
            after.largest_group
        );

        let sqlite = SqliteStore::open_and_migrate(&format!(
            "sqlite://{}",
            dir.path().join("engine.db").display()
        ))
        .await?;
        let stats = sqlite.clone();
        let on_sqlite = engine_run(&engine_on(sqlite)?, per_task).await?;
        let on_memory = engine_run(&engine_on(otpkit::MemoryStore::new())?, per_task).await?;
        let s = stats.stats();
        println!("engine verify on SqliteStore, {TASKS} verifiers: {on_sqlite:>10.0} attempts/s");
        println!("engine verify on MemoryStore, {TASKS} verifiers: {on_memory:>10.0} attempts/s");
        println!(
            "mean group {:.1}",
            s.requests as f64 / s.groups.max(1) as f64
        );
        Ok(())
    })
}
