//! The bare verify transaction through sqlx's SQLite driver, one connection, synchronous
//! from the caller's point of view (each call awaited before the next):
//! `BEGIN IMMEDIATE; SELECT <all columns>; UPDATE <the mutable columns>; COMMIT` (the
//! statements otpkit-sqlite runs for a verification), on a fresh file
//! with the otpkit-sqlite schema (WAL, synchronous=NORMAL), 64 rows used round robin.
//!
//! `sqlx-sqlite-bench [SECS]` prints the rate as its last line.
use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Row};

const SCHEMA: &str = "CREATE TABLE otpkit_device (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id           TEXT    NOT NULL,
    model_label       TEXT    NOT NULL,
    name              TEXT    NOT NULL,
    confirmed         INTEGER NOT NULL CHECK (confirmed IN (0, 1)),
    created_at        INTEGER NOT NULL,
    last_used_at      INTEGER NULL,
    failure_count     INTEGER NOT NULL CHECK (failure_count BETWEEN 0 AND 4294967295),
    failure_timestamp INTEGER NULL,
    last_generated_at INTEGER NULL,
    state             TEXT    NOT NULL,
    version           INTEGER NOT NULL
) STRICT;
CREATE INDEX otpkit_device_user ON otpkit_device (user_id, id);
CREATE INDEX otpkit_device_model_label ON otpkit_device (model_label, id);";

const SELECT: &str = "SELECT id, user_id, model_label, name, confirmed, created_at, \
     last_used_at, failure_count, failure_timestamp, last_generated_at, state, version \
     FROM otpkit_device WHERE id = ?1";
const UPDATE: &str = "UPDATE otpkit_device SET name = ?2, confirmed = ?3, \
     last_used_at = ?4, failure_count = ?5, failure_timestamp = ?6, last_generated_at = ?7, \
     state = ?8, version = version + 1 WHERE id = ?1";

#[tokio::main]
async fn main() -> Result<(), sqlx::Error> {
    let secs: f64 = std::env::args().nth(1).map_or(1.5, |s| s.parse().expect("seconds"));
    let dir = std::env::temp_dir().join(format!("sqlx-sqlite-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("bench.db");
    let mut conn = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .connect()
        .await?;
    sqlx::raw_sql(SCHEMA).execute(&mut conn).await?;
    let state = format!("{{\"key\":\"{}\",\"algorithm\":\"SHA1\"}}", "x".repeat(120));
    for i in 0..64 {
        sqlx::query(
            "INSERT INTO otpkit_device (user_id, model_label, name, confirmed, created_at, \
             last_used_at, failure_count, failure_timestamp, last_generated_at, state, version) \
             VALUES (?1, 'otp_totp.totpdevice', 'Phone', 1, 1700000000000, NULL, 0, NULL, NULL, ?2, 0)",
        )
        .bind(format!("sqlx{i}"))
        .bind(&state)
        .execute(&mut conn)
        .await?;
    }
    let mut run = async |d: Duration| -> Result<(u64, f64), sqlx::Error> {
        let start = Instant::now();
        let mut n = 0u64;
        while start.elapsed() < d {
            for id in 1..=64i64 {
                sqlx::query("BEGIN IMMEDIATE").execute(&mut conn).await?;
                let r = sqlx::query(SELECT).bind(id).fetch_one(&mut conn).await?;
                let failure_count: i64 = r.try_get(7)?;
                sqlx::query(UPDATE)
                    .bind(id)
                    .bind(r.try_get::<String, _>(3)?)
                    .bind(r.try_get::<bool, _>(4)?)
                    .bind(r.try_get::<Option<i64>, _>(6)?)
                    .bind(failure_count + 1)
                    .bind(r.try_get::<Option<i64>, _>(8)?)
                    .bind(r.try_get::<Option<i64>, _>(9)?)
                    .bind(r.try_get::<String, _>(10)?)
                    .execute(&mut conn)
                    .await?;
                sqlx::query("COMMIT").execute(&mut conn).await?;
                n += 1;
            }
        }
        Ok((n, start.elapsed().as_secs_f64()))
    };
    run(Duration::from_millis(200)).await?;
    let (n, s) = run(Duration::from_secs_f64(secs)).await?;
    drop(conn);
    let _ = std::fs::remove_dir_all(&dir);
    println!("sqlx-sqlite bare transaction, 1 connection: {n} in {s:.2} s");
    println!("{:.0}", n as f64 / s);
    Ok(())
}
