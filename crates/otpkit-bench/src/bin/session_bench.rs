//! Session store benchmark (issue 16): a request's session work — one `load` and one `save`
//! of a signed-in, verified session — per second through otpkit's durable session stores,
//! each beside the database's own rate for the same two operations measured in the same run:
//!
//! | store | bare baseline |
//! |---|---|
//! | `SqliteSessionStore` (file, WAL, on otpkit-sqlite's connection thread) | rusqlite on one connection, synchronously: `SELECT data` by id, then an `INSERT … ON CONFLICT DO UPDATE` of the same row (autocommit) |
//! | `RedisSessionStore` (one Lua script per save, the user index kept) | redis-rs on the same kind of `ConnectionManager`: `GET`, then `SET … PX` |
//!
//! Each row runs `workers` concurrent clients, each on its own session, in alternating rounds
//! (bare, otpkit, bare, otpkit …) whose sums are compared, so that a change of the machine's
//! speed during the run hits both alike.
//!
//! ```sh
//! session_bench [--secs 1.5] [--rounds 3] [--redis redis://127.0.0.1:6379/] [--only sqlite,redis]
//! ```
//! Prints a Markdown table. See BENCHMARKS.md.
#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use otpkit_bench::{Rate, fmt_rate, sqlite_connection};
use otpkit_redis::RedisSessionStore;
use otpkit_sqlite::{SqliteSessionStore, SqliteStore};
use redis::AsyncCommands as _;
use redis::aio::ConnectionManager;
use tower_sessions::SessionStore;
use tower_sessions::session::{Id, Record};

const WORKERS: [usize; 2] = [1, 16];
/// A session lives an hour: what the record's expiry and Redis' `PX` say.
const TTL_MS: u64 = 3_600_000;

struct Args {
    dur: Duration,
    rounds: u32,
    redis: String,
    only: Vec<String>,
}

fn args() -> Args {
    let mut a = Args {
        dur: Duration::from_millis(1500),
        rounds: 3,
        redis: "redis://127.0.0.1:6379/".into(),
        only: vec![],
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().unwrap_or_else(|| panic!("{k} needs a value"));
        match k.as_str() {
            "--secs" => a.dur = Duration::from_secs_f64(v.parse().expect("secs")),
            "--rounds" => a.rounds = v.parse().expect("rounds"),
            "--redis" => a.redis = v,
            "--only" => a.only = v.split(',').map(str::to_owned).collect(),
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

/// What a verified session of otpkit's demo holds (≈ 250 bytes of JSON).
fn record(n: usize) -> Record {
    let data = HashMap::from([
        (
            "otpkit_auth_user".to_owned(),
            serde_json::json!(format!("user{n}")),
        ),
        (
            "otp_device_id".to_owned(),
            serde_json::json!(format!("otp_totp.totpdevice/{n}")),
        ),
        (
            "otpkit_verified_at".to_owned(),
            serde_json::json!(1_765_000_000_000_i64),
        ),
        (
            "otpkit_csrf".to_owned(),
            serde_json::json!("Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5"),
        ),
        ("otpkit_lang".to_owned(), serde_json::json!("en")),
    ]);
    Record {
        id: Id::default(),
        data,
        expiry_date: time::OffsetDateTime::now_utc() + time::Duration::milliseconds(TTL_MS as i64),
    }
}

/// `workers` clients, each loading and saving its own session (a counter in its data moves
/// on each save), for `dur`.
async fn store_rate<S: SessionStore + Clone>(store: &S, ids: &[Id], dur: Duration) -> Rate {
    let start = Instant::now();
    let mut tasks = Vec::new();
    for &id in ids {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while start.elapsed() < dur {
                let mut rec = store.load(&id).await.expect("load").expect("session");
                rec.data.insert("n".into(), serde_json::json!(n));
                store.save(&rec).await.expect("save");
                n += 1;
            }
            n
        }));
    }
    let mut ops = 0;
    for t in tasks {
        ops += t.await.expect("worker");
    }
    Rate {
        ops,
        secs: start.elapsed().as_secs_f64(),
        unexpected: 0,
    }
}

async fn create_sessions<S: SessionStore>(store: &S, n: usize) -> Vec<Id> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let mut rec = record(i);
        store.create(&mut rec).await.expect("create");
        ids.push(rec.id);
    }
    ids
}

const KV_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS bare_session (id BLOB PRIMARY KEY, data TEXT NOT NULL, \
     expires_at INTEGER NOT NULL)";
const KV_SELECT: &str = "SELECT data FROM bare_session WHERE id = ?1";
const KV_UPSERT: &str = "INSERT INTO bare_session (id, data, expires_at) VALUES (?1, ?2, ?3) \
     ON CONFLICT(id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at";

/// SQLite's own rate: one connection, synchronously, a `SELECT` and an upsert per operation
/// (the same JSON text size as the store's records), round-robin over `n` rows.
fn sqlite_bare_sessions(path: &Path, n: usize, dur: Duration) -> Rate {
    let conn = sqlite_connection(path);
    conn.execute_batch(KV_SCHEMA).expect("schema");
    let body = serde_json::to_string(&record(0).data).expect("json");
    for i in 0..n {
        conn.execute(KV_UPSERT, rusqlite::params![i.to_be_bytes(), body, 0])
            .expect("fill");
    }
    let start = Instant::now();
    let mut ops = 0u64;
    while start.elapsed() < dur {
        for i in 0..n {
            let data: String = conn
                .prepare_cached(KV_SELECT)
                .expect("prepare")
                .query_row([i.to_be_bytes()], |r| r.get(0))
                .expect("select");
            conn.prepare_cached(KV_UPSERT)
                .expect("prepare")
                .execute(rusqlite::params![i.to_be_bytes(), data, ops as i64])
                .expect("upsert");
            ops += 1;
        }
    }
    Rate {
        ops,
        secs: start.elapsed().as_secs_f64(),
        unexpected: 0,
    }
}

/// Redis' own rate: `workers` clients on one `ConnectionManager`, each `GET` then `SET … PX`
/// on its own key, for `dur`.
async fn redis_bare(conn: &ConnectionManager, keys: &[String], dur: Duration) -> Rate {
    let start = Instant::now();
    let mut tasks = Vec::new();
    for key in keys {
        let mut conn = conn.clone();
        let key = key.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while start.elapsed() < dur {
                let data: String = conn.get(&key).await.expect("GET");
                let _: () = conn.pset_ex(&key, data, TTL_MS).await.expect("SET");
                n += 1;
            }
            n
        }));
    }
    let mut ops = 0;
    for t in tasks {
        ops += t.await.expect("worker");
    }
    Rate {
        ops,
        secs: start.elapsed().as_secs_f64(),
        unexpected: 0,
    }
}

fn row(store: &str, workers: usize, ours: Rate, bare: Rate, bare_name: &str) {
    println!(
        "| {store} | {workers} | {} | {} | {bare_name} {} | {:.2}× |",
        fmt_rate(ours.per_sec()),
        format_args!("{:.0} µs", ours.micros_per_op() * workers as f64),
        fmt_rate(bare.per_sec()),
        ours.per_sec() / bare.per_sec(),
    );
}

async fn sqlite(a: &Args) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("sessions.sqlite3").display());
    let store = SqliteSessionStore::new(SqliteStore::open(&url).expect("open"));
    store.migrate().await.expect("migrate");
    let bare_path = dir.path().join("bare.sqlite3");
    for workers in WORKERS {
        let ids = create_sessions(&store, workers).await;
        let (mut ours, mut bare) = (Rate::default(), Rate::default());
        for _ in 0..a.rounds {
            let (p, d) = (bare_path.clone(), a.dur);
            bare.add(
                tokio::task::spawn_blocking(move || sqlite_bare_sessions(&p, workers, d))
                    .await
                    .expect("bare"),
            );
            ours.add(store_rate(&store, &ids, a.dur).await);
        }
        row(
            "SQLite file (`SqliteSessionStore`)",
            workers,
            ours,
            bare,
            "rusqlite SELECT + upsert, 1 connection:",
        );
    }
}

async fn redis(a: &Args) {
    let client = redis::Client::open(a.redis.as_str()).expect("redis url");
    let conn = ConnectionManager::new(client).await.expect("redis");
    let prefix = format!("otpkit-bench-{}:", std::process::id());
    let store = RedisSessionStore::new(conn.clone()).with_prefix(prefix.clone());
    let body = serde_json::to_string(&record(0).data).expect("json");
    for workers in WORKERS {
        let ids = create_sessions(&store, workers).await;
        let keys: Vec<String> = (0..workers).map(|i| format!("{prefix}bare:{i}")).collect();
        for k in &keys {
            let _: () = conn.clone().pset_ex(k, &body, TTL_MS).await.expect("SET");
        }
        let (mut ours, mut bare) = (Rate::default(), Rate::default());
        for _ in 0..a.rounds {
            bare.add(redis_bare(&conn, &keys, a.dur).await);
            ours.add(store_rate(&store, &ids, a.dur).await);
        }
        row(
            "Redis (`RedisSessionStore`)",
            workers,
            ours,
            bare,
            "redis-rs GET + SET PX:",
        );
    }
    // The run's keys: every one under the run's own prefix.
    let mut conn = conn;
    let keys: Vec<String> = conn
        .keys(format!("{prefix}*"))
        .await
        .expect("KEYS (the run's own prefix)");
    if !keys.is_empty() {
        let _: () = conn.del(keys).await.expect("DEL");
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let a = args();
    println!("## Session stores: load + save per second");
    println!();
    println!(
        "{} rounds of {:.1} s per side, alternating; each worker loads and saves its own \
         session (≈ 250 bytes of JSON); latency = time per load + save as one worker sees it.",
        a.rounds,
        a.dur.as_secs_f64()
    );
    println!();
    println!("| store | workers | otpkit load + save/s | latency | bare baseline/s | ratio |");
    println!("|---|---:|---:|---:|---|---:|");
    if a.wants("sqlite") {
        sqlite(&a).await;
    }
    if a.wants("redis") {
        redis(&a).await;
    }
}
