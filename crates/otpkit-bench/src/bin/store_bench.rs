//! Engine + store benchmarks (issue 6, parts 2 and 3): verifications per second on
//! `MemoryStore`, SQLite (file, WAL) and PostgreSQL with 1, 8 and 64 concurrent verifiers,
//! each beside the database's own rate for the same transaction measured in the same run;
//! then the same verification with 10^3, 10^5 and 10^6 devices in SQLite and PostgreSQL.
//!
//! ```sh
//! store_bench [--secs 1.5] [--pg postgres://postgres@127.0.0.1:5432/otpkit_bench]
//!             [--sqlx-sqlite RATE] [--only memory,sqlite,pg,scale] [--scale 1000,100000,1000000]
//! ```
//! Prints Markdown tables. See BENCHMARKS.md for the method.
#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use otpkit::{DeviceStore, MemoryStore};
use otpkit_bench::{
    Dev, Engines, Rate, Scenario, SyncSqlite, create_devices, fmt_rate, list_rate,
    sqlite_bare_rate, sqlite_fill, verify_rate,
};
use otpkit_sqlite::SqliteStore;
use otpkit_sqlx::postgres::PgStore;
use otpkit_sqlx::sqlx::postgres::{PgPool, PgPoolOptions};
use otpkit_sqlx::sqlx::{self, AssertSqlSafe, Row};

const CONCURRENCY: [usize; 3] = [1, 8, 64];
/// PostgreSQL: alternating rounds of the bare baseline and the scenarios.
const PG_ROUNDS: u32 = 5;

struct Args {
    dur: Duration,
    pg: String,
    sqlx_sqlite: Option<f64>,
    only: Vec<String>,
    scale: Vec<u64>,
}

fn args() -> Args {
    let mut a = Args {
        dur: Duration::from_millis(1500),
        pg: "postgres://postgres@127.0.0.1:5432/otpkit_bench".into(),
        sqlx_sqlite: None,
        only: vec![],
        scale: vec![1_000, 100_000, 1_000_000],
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().unwrap_or_else(|| panic!("{k} needs a value"));
        match k.as_str() {
            "--secs" => a.dur = Duration::from_secs_f64(v.parse().expect("secs")),
            "--pg" => a.pg = v,
            "--sqlx-sqlite" => a.sqlx_sqlite = Some(v.parse().expect("rate")),
            "--only" => a.only = v.split(',').map(str::to_owned).collect(),
            "--scale" => a.scale = v.split(',').map(|s| s.parse().expect("n")).collect(),
            _ => panic!("unknown argument {k}"),
        }
    }
    a
}

impl Args {
    fn wants(&self, part: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|p| p == part)
    }
}

fn ratio(a: f64, b: f64) -> String {
    format!("{:.2}×", a / b)
}

/// Flags runs with unexpected outcomes. A valid-token run may see a handful: when the codes of
/// two adjacent steps collide (p = 10^-6 per pair), the higher step is accepted and the drift
/// moves, so the next attempt replays once (docs/behaviour.md §4.2 behaviour, not an error).
fn check(r: &Rate, what: &str) {
    if r.unexpected * 10_000 > r.ops {
        println!(
            "\n**ERROR**: {what}: {} of {} attempts had an unexpected outcome\n",
            r.unexpected, r.ops
        );
    }
}

fn table_head() {
    println!("| scenario | verifiers | verifications/s | µs each | baseline (same run) | ratio |");
    println!("|---|---:|---:|---:|---|---:|");
}

async fn memory(a: &Args) {
    println!("\n### MemoryStore\n");
    let store: Arc<dyn DeviceStore> = Arc::new(MemoryStore::new());
    let engines = Engines::new(store);
    let devs = create_devices(&engines.off, "mem", 64).await;
    table_head();
    for s in Scenario::ALL {
        for c in CONCURRENCY {
            let r = verify_rate(&engines, &devs, s, c, a.dur).await;
            check(&r, s.name());
            println!(
                "| {} | {c} | {} | {:.1} | – | – |",
                s.name(),
                fmt_rate(r.per_sec()),
                r.micros_per_op()
            );
        }
    }
}

async fn sqlite(a: &Args) {
    println!("\n### SQLite (file, WAL, synchronous=NORMAL)\n");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bench.db");
    let store = SqliteStore::open_and_migrate(&format!("sqlite://{}", path.display()))
        .await
        .expect("open");
    let engines = Engines::new(Arc::new(store.clone()));
    let devs = create_devices(&engines.off, "sqlite", 64).await;
    let ids: Vec<i64> = devs.iter().map(|d| d.id).collect();
    let sync = Engines::new(Arc::new(SyncSqlite::open(&path)));

    let bare = tokio::task::block_in_place(|| sqlite_bare_rate(&path, &ids, a.dur));
    println!(
        "Database's own rate, rusqlite synchronous on one connection \
         (`BEGIN IMMEDIATE; SELECT; UPDATE; COMMIT`): **{}/s** ({:.1} µs each).",
        fmt_rate(bare.per_sec()),
        bare.micros_per_op()
    );
    if let Some(x) = a.sqlx_sqlite {
        println!(
            "sqlx's SQLite driver, the same bare transaction on one connection (separate \
             process, `bench/sqlx-sqlite`, same run): **{}/s**.",
            fmt_rate(x)
        );
    }
    println!();
    table_head();
    let mut summary = Vec::new();
    for s in Scenario::ALL {
        // The engine's own synchronous rate: the whole verification inside one synchronous
        // rusqlite transaction per attempt on the same file, one verifier.
        let own = tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(verify_rate(&sync, &devs, s, 1, a.dur))
        });
        check(&own, s.name());
        println!(
            "| {} | 1 (engine synchronous on rusqlite) | {} | {:.1} | bare txn {} | {} |",
            s.name(),
            fmt_rate(own.per_sec()),
            own.micros_per_op(),
            fmt_rate(bare.per_sec()),
            ratio(own.per_sec(), bare.per_sec())
        );
        let before = store.stats();
        for c in CONCURRENCY {
            let r = verify_rate(&engines, &devs, s, c, a.dur).await;
            check(&r, s.name());
            let (base, rt) = if c == 1
                && let Some(x) = a.sqlx_sqlite
            {
                (
                    format!("sqlx-sqlite bare {}", fmt_rate(x)),
                    ratio(r.per_sec(), x),
                )
            } else {
                (
                    format!("engine sync {}", fmt_rate(own.per_sec())),
                    ratio(r.per_sec(), own.per_sec()),
                )
            };
            println!(
                "| {} | {c} | {} | {:.1} | {base} | {rt} |",
                s.name(),
                fmt_rate(r.per_sec()),
                r.micros_per_op()
            );
            if c == 64 {
                summary.push((s, r.per_sec() / own.per_sec()));
            }
        }
        let after = store.stats();
        let groups = after.groups.saturating_sub(before.groups).max(1);
        let reqs = after.requests.saturating_sub(before.requests);
        println!(
            "| ↳ group commit | | mean group {:.1} requests, largest so far {} | | | |",
            reqs as f64 / groups as f64,
            after.largest_group
        );
    }
    println!();
    for (s, r) in summary {
        println!(
            "- target SQLite 64 verifiers ≥ 0.5× engine synchronous ({}): **{r:.2}×** {}",
            s.name(),
            if r >= 0.5 { "met" } else { "MISSED" }
        );
    }
}

// ----- PostgreSQL --------------------------------------------------------------------------

const PG_BEGIN: &str = "BEGIN ISOLATION LEVEL READ COMMITTED";
const PG_SELECT: &str = "SELECT id, user_id, model_label, name, confirmed, created_at, \
     last_used_at, failure_count, failure_timestamp, last_generated_at, state, version \
     FROM otpkit_device WHERE id = $1 FOR UPDATE";
const PG_UPDATE: &str = "UPDATE otpkit_device SET \
     user_id = $1, model_label = $2, name = $3, confirmed = $4, created_at = $5, \
     last_used_at = $6, failure_count = $7, failure_timestamp = $8, last_generated_at = $9, \
     state = $10, version = version + 1 \
     WHERE id = $11";

/// Creates the benchmark database if needed and empties it.
async fn pg_fresh(url: &str) -> PgPool {
    let (base, db) = url.rsplit_once('/').expect("database in url");
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect(&format!("{base}/postgres"))
        .await
        .expect("connect to postgres");
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(db)
        .fetch_optional(&admin)
        .await
        .expect("pg_database");
    if exists.is_none() {
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {db}")))
            .execute(&admin)
            .await
            .expect("create database");
    }
    admin.close().await;
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect(url)
        .await
        .expect("connect");
    sqlx::raw_sql("DROP TABLE IF EXISTS otpkit_device; DROP TABLE IF EXISTS otpkit_migrations")
        .execute(&pool)
        .await
        .expect("drop");
    PgStore::from_pool(pool.clone())
        .migrate()
        .await
        .expect("migrate");
    pool
}

async fn pg_pool(url: &str, size: u32) -> PgPool {
    PgPoolOptions::new()
        .max_connections(size)
        .min_connections(size)
        .connect(url)
        .await
        .expect("pool")
}

/// The bare transaction through sqlx directly: `concurrency` tasks on a pool of as many
/// connections, each on its own row: `BEGIN; SELECT … FOR UPDATE; UPDATE; COMMIT`.
async fn pg_bare_rate(pool: &PgPool, ids: &[i64], concurrency: usize, dur: Duration) -> Rate {
    let ops = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    // Every task checks the deadline itself: a busy runtime may not run timers.
    let deadline = start + dur;
    let mut tasks = Vec::new();
    for &id in ids.iter().take(concurrency) {
        let (pool, ops) = (pool.clone(), ops.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                let mut tx = pool.begin_with(PG_BEGIN).await.expect("begin");
                let row = sqlx::query(PG_SELECT)
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await
                    .expect("select");
                let user_id: String = row.try_get("user_id").expect("col");
                let model_label: String = row.try_get("model_label").expect("col");
                let name: String = row.try_get("name").expect("col");
                let confirmed: bool = row.try_get("confirmed").expect("col");
                let created_at: i64 = row.try_get("created_at").expect("col");
                let last_used_at: Option<i64> = row.try_get("last_used_at").expect("col");
                let failure_count: i64 = row.try_get("failure_count").expect("col");
                let failure_timestamp: Option<i64> = row.try_get("failure_timestamp").expect("col");
                let last_generated_at: Option<i64> = row.try_get("last_generated_at").expect("col");
                let state: String = row.try_get("state").expect("col");
                let _version: i64 = row.try_get("version").expect("col");
                sqlx::query(PG_UPDATE)
                    .bind(user_id)
                    .bind(model_label)
                    .bind(name)
                    .bind(confirmed)
                    .bind(created_at)
                    .bind(last_used_at)
                    .bind((failure_count + 1) % 1_000_000_000)
                    .bind(failure_timestamp)
                    .bind(last_generated_at)
                    .bind(state)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .expect("update");
                tx.commit().await.expect("commit");
                n += 1;
            }
            ops.fetch_add(n, Ordering::Relaxed);
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    Rate {
        ops: ops.load(Ordering::Relaxed),
        secs: start.elapsed().as_secs_f64(),
        unexpected: 0,
    }
}

async fn postgres(a: &Args) {
    println!("\n### PostgreSQL (127.0.0.1, READ COMMITTED, `SELECT … FOR UPDATE`)\n");
    let setup = pg_fresh(&a.pg).await;
    let devs = {
        let engines = Engines::new(Arc::new(PgStore::from_pool(setup.clone())));
        create_devices(&engines.off, "pg", 64).await
    };
    setup.close().await;
    let ids: Vec<i64> = devs.iter().map(|d| d.id).collect();
    println!(
        "Baseline: the same statements through sqlx directly, on a pool of as many \
         connections as verifiers (the engine's PgStore gets an identical pool). The baseline \
         and the three scenarios are measured in {PG_ROUNDS} alternating rounds of a fifth of \
         the time each (bare, valid, wrong, throttled, bare, …) and summed, so that a change \
         of the machine's load during the run hits all of them alike.\n"
    );
    table_head();
    let mut summary = Vec::new();
    let slice = a.dur / PG_ROUNDS;
    for c in CONCURRENCY {
        let pool = pg_pool(&a.pg, c as u32).await;
        let engines = Engines::new(Arc::new(PgStore::from_pool(pool.clone())));
        let mut bare = Rate::default();
        let mut rates = [Rate::default(); 3];
        for _ in 0..PG_ROUNDS {
            bare.add(pg_bare_rate(&pool, &ids, c, slice).await);
            for (s, total) in Scenario::ALL.into_iter().zip(rates.iter_mut()) {
                total.add(verify_rate(&engines, &devs, s, c, slice).await);
            }
        }
        println!(
            "| bare sqlx transaction | {c} | {} | {:.1} | – | – |",
            fmt_rate(bare.per_sec()),
            bare.micros_per_op()
        );
        for (s, r) in Scenario::ALL.into_iter().zip(rates) {
            check(&r, s.name());
            println!(
                "| {} | {c} | {} | {:.1} | bare sqlx {} | {} |",
                s.name(),
                fmt_rate(r.per_sec()),
                r.micros_per_op(),
                fmt_rate(bare.per_sec()),
                ratio(r.per_sec(), bare.per_sec())
            );
            summary.push((s, c, r.per_sec() / bare.per_sec()));
        }
        pool.close().await;
    }
    println!();
    for (s, c, r) in summary {
        if s == Scenario::Throttled {
            // A refusal writes nothing: it is not the bare write transaction's work.
            continue;
        }
        println!(
            "- target PostgreSQL ≥ 0.8× bare sqlx ({}, {c} verifiers): **{r:.2}×** {}",
            s.name(),
            if r >= 0.8 { "met" } else { "MISSED" }
        );
    }
}

// ----- scale -------------------------------------------------------------------------------

async fn scale_row(db: &str, n: u64, engines: &Engines, devs: &[Dev], a: &Args) -> (f64, f64) {
    let one = verify_rate(engines, devs, Scenario::Wrong, 1, a.dur).await;
    check(&one, "scale");
    let many = verify_rate(engines, devs, Scenario::Wrong, 64, a.dur).await;
    check(&many, "scale");
    let list = list_rate(&engines.off, devs, 1, a.dur).await;
    println!(
        "| {db} | {n} | {} | {:.1} | {} | {:.1} |",
        fmt_rate(one.per_sec()),
        one.micros_per_op(),
        fmt_rate(many.per_sec()),
        list.micros_per_op()
    );
    (one.micros_per_op(), many.micros_per_op())
}

async fn scale(a: &Args) {
    println!("\n### Scale: devices in the table\n");
    println!(
        "Wrong token, throttling off (one write per attempt); verify by persistent id \
         (with the account throttle on, the owner's rows are locked through the index on \
         `user_id, id`) and `devices_for_user` (the same index). Filler rows are \
         bulk-loaded with one SQL statement; the 64 benchmark devices are created through \
         the engine after them.\n"
    );
    println!(
        "| database | devices | 1 verifier /s | µs per verification | 64 verifiers /s | \
         µs per devices_for_user |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    let mut flat: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    if a.wants("sqlite") || a.wants("scale") {
        let mut v = Vec::new();
        for &n in &a.scale {
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join("scale.db");
            let store = SqliteStore::open_and_migrate(&format!("sqlite://{}", path.display()))
                .await
                .expect("open");
            let t = Instant::now();
            tokio::task::block_in_place(|| sqlite_fill(&path, n.saturating_sub(64)));
            eprintln!(
                "sqlite: {n} rows loaded in {:.1} s",
                t.elapsed().as_secs_f64()
            );
            let engines = Engines::new(Arc::new(store));
            let devs = create_devices(&engines.off, "scale", 64).await;
            v.push(scale_row("SQLite", n, &engines, &devs, a).await);
        }
        flat.push(("SQLite".into(), v));
    }
    if a.wants("pg") || a.wants("scale") {
        let mut v = Vec::new();
        for &n in &a.scale {
            let setup = pg_fresh(&a.pg).await;
            let t = Instant::now();
            sqlx::query(
                "INSERT INTO otpkit_device (user_id, model_label, name, confirmed, created_at, \
                 last_used_at, failure_count, failure_timestamp, last_generated_at, state, \
                 version) SELECT 'filler' || x, 'otp_totp.totpdevice', 'Phone', true, \
                 1700000000000, NULL, 0, NULL, NULL, '{}', 0 FROM generate_series(1, $1) x",
            )
            .bind(n.saturating_sub(64) as i64)
            .execute(&setup)
            .await
            .expect("fill");
            sqlx::raw_sql("VACUUM ANALYZE otpkit_device")
                .execute(&setup)
                .await
                .expect("analyze");
            eprintln!("pg: {n} rows loaded in {:.1} s", t.elapsed().as_secs_f64());
            setup.close().await;
            let pool = pg_pool(&a.pg, 64).await;
            let engines = Engines::new(Arc::new(PgStore::from_pool(pool.clone())));
            let devs = create_devices(&engines.off, "scale", 64).await;
            v.push(scale_row("PostgreSQL", n, &engines, &devs, a).await);
            pool.close().await;
        }
        flat.push(("PostgreSQL".into(), v));
    }
    println!();
    for (db, v) in flat {
        let one: Vec<f64> = v.iter().map(|x| x.0).collect();
        let lo = one.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = one.iter().copied().fold(0.0, f64::max);
        println!(
            "- target {db} cost per verification flat within 2× from {} to {} devices: \
             max/min = **{:.2}×** {}",
            a.scale.first().unwrap_or(&0),
            a.scale.last().unwrap_or(&0),
            hi / lo,
            if hi / lo <= 2.0 { "met" } else { "MISSED" }
        );
    }
}

fn main() {
    let a = args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        println!(
            "_{} s per measurement; tokio multi-thread runtime ({} workers)._",
            a.dur.as_secs_f64(),
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        if a.wants("memory") {
            memory(&a).await;
        }
        if a.wants("sqlite") {
            sqlite(&a).await;
        }
        if a.wants("pg") {
            postgres(&a).await;
        }
        if a.wants("scale") {
            scale(&a).await;
        }
    });
}
