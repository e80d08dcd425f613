//! The HTTP bench server (issue 6, part 4): a thin JSON verify route calling the engine, and
//! an axum "hello" route, on one server.
//!
//! ```sh
//! bench_server [--db sqlite|memory] [--port 18080] [--devices 64] [--lua PATH]
//!              [--inproc 1,8,64] [--secs 2]
//! ```
//!
//! At start it creates the devices (TOTP, throttling off, a fixed clock), writes a `wrk` Lua
//! script that spreads `POST /verify` requests over them round robin with a wrong token, then
//! measures the in-process verification rate (the same engine, database, token and device
//! spread) at each `--inproc` concurrency, prints `inproc C RATE` lines, and finally serves
//! on 127.0.0.1 and prints `READY`.
//!
//! `POST /inproc/{c}/{ms}` measures the in-process rate again, on demand, at concurrency `c`
//! for `ms` milliseconds and answers it as text: `bench/run` alternates it with the `wrk`
//! runs, so that the ratios compare measurements taken seconds apart.
//!
//! Routes:
//! - `POST /verify` `{"user": "...", "device": "<persistent id>", "token": "123456"}` →
//!   `engine.verify_token_detailed` → 200 `{"status":"verified"}`, 401
//!   `{"status":"invalid_token"}`, 429 `{"status":"not_allowed"}`, 404 `{"status":"not_found"}`.
//! - `GET /hello` → `hello`.
//! - `POST /parse`: the verify route without the engine (the same JSON parsed, the same
//!   `invalid_token` answer); `POST /body`: the body read and dropped, 401. `bench/http_cpu`
//!   uses both to split the CPU time of an HTTP verification.
#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use otpkit::engine::VerifyOptions;
use otpkit::{DeviceStore, Engine, MemoryStore, UserId, VerifyOutcome};
use otpkit_bench::{Dev, Engines, Scenario, create_devices, verify_rate, wrong_token};
use otpkit_sqlite::SqliteStore;
use serde::Deserialize;

#[derive(Deserialize)]
struct VerifyRequest {
    user: String,
    device: String,
    token: String,
}

/// The JSON answer of `/verify` and `/parse`: `{"status": ...}` with `code`.
type Answer = (StatusCode, Json<serde_json::Value>);

fn answer(code: StatusCode, status: &str) -> Answer {
    (code, Json(serde_json::json!({ "status": status })))
}

async fn verify(State(engine): State<Engine>, Json(req): Json<VerifyRequest>) -> Answer {
    let Ok(user) = UserId::new(req.user) else {
        return answer(StatusCode::BAD_REQUEST, "bad_request");
    };
    let out = engine
        .verify_token_detailed(
            Some(&user),
            &req.device,
            &req.token,
            &VerifyOptions::default(),
        )
        .await;
    match out {
        Ok(VerifyOutcome::Accepted(_)) => answer(StatusCode::OK, "verified"),
        Ok(VerifyOutcome::Rejected(_)) => answer(StatusCode::UNAUTHORIZED, "invalid_token"),
        Ok(VerifyOutcome::NotAllowed(_)) => answer(StatusCode::TOO_MANY_REQUESTS, "not_allowed"),
        Ok(_) => answer(StatusCode::NOT_FOUND, "not_found"),
        Err(_) => answer(StatusCode::SERVICE_UNAVAILABLE, "error"),
    }
}

/// The verify route's web layer alone: the same JSON in and the same answer out, no engine.
async fn parse(Json(req): Json<VerifyRequest>) -> Answer {
    std::hint::black_box((UserId::new(req.user).is_ok(), &req.device, &req.token));
    answer(StatusCode::UNAUTHORIZED, "invalid_token")
}

/// A POST whose body is read and dropped: the request and answer sizes' share of the cost.
async fn body(b: axum::body::Bytes) -> StatusCode {
    std::hint::black_box(b);
    StatusCode::UNAUTHORIZED
}

async fn hello() -> &'static str {
    "hello"
}

/// What `/inproc` measures with: the engines and the devices the server created.
#[derive(Clone)]
struct Inproc {
    engines: Arc<Engines>,
    devs: Arc<Vec<Dev>>,
}

impl Inproc {
    /// Verifications per second in process with `c` concurrent verifiers (at most one per
    /// device) for `time`.
    async fn rate(&self, c: usize, time: Duration) -> f64 {
        let r = verify_rate(
            &self.engines,
            &self.devs,
            Scenario::Wrong,
            c.clamp(1, self.devs.len()),
            time,
        )
        .await;
        assert_eq!(r.unexpected, 0, "unexpected outcomes in process");
        r.per_sec()
    }
}

async fn inproc_rate(State(s): State<Inproc>, Path((c, ms)): Path<(usize, u64)>) -> String {
    format!("{:.0}\n", s.rate(c, Duration::from_millis(ms)).await)
}

fn main() {
    let mut db = "sqlite".to_owned();
    let mut port: u16 = 18080;
    let mut n_devices = 64usize;
    let mut lua = std::env::temp_dir().join("otpkit-verify.lua");
    let mut inproc: Vec<usize> = vec![64];
    let mut secs = 2.0f64;
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().unwrap_or_else(|| panic!("{k} needs a value"));
        match k.as_str() {
            "--db" => db = v,
            "--port" => port = v.parse().expect("port"),
            "--devices" => n_devices = v.parse().expect("devices"),
            "--lua" => lua = v.into(),
            "--inproc" => inproc = v.split(',').map(|s| s.parse().expect("c")).collect(),
            "--secs" => secs = v.parse().expect("secs"),
            _ => panic!("unknown argument {k}"),
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let dir = tempfile::tempdir().expect("tempdir");
        let store: Arc<dyn DeviceStore> = match db.as_str() {
            "memory" => Arc::new(MemoryStore::new()),
            "sqlite" => Arc::new(
                SqliteStore::open_and_migrate(&format!(
                    "sqlite://{}",
                    dir.path().join("server.db").display()
                ))
                .await
                .expect("open"),
            ),
            other => panic!("unknown --db {other}"),
        };
        let engines = Engines::new(store);
        let devs = create_devices(&engines.off, "http", n_devices).await;
        let token = wrong_token();

        let mut script = String::from("local bodies = {\n");
        for d in &devs {
            let body =
                serde_json::json!({"user": d.user.as_str(), "device": d.pid, "token": token});
            let _ = writeln!(script, "  [[{body}]],");
        }
        script.push_str(
            "}\nlocal i = 0\nwrk.method = \"POST\"\n\
             wrk.headers[\"Content-Type\"] = \"application/json\"\n\
             request = function()\n  i = i % #bodies + 1\n  \
             return wrk.format(nil, \"/verify\", nil, bodies[i])\nend\n",
        );
        std::fs::write(&lua, script).expect("write lua");

        let measure = Inproc {
            engines: Arc::new(engines),
            devs: Arc::new(devs),
        };
        for c in inproc {
            let r = measure.rate(c, Duration::from_secs_f64(secs)).await;
            println!("inproc {c} {r:.0}");
        }
        let app = axum::Router::new()
            .route("/verify", post(verify))
            .route("/hello", get(hello))
            .route("/parse", post(parse))
            .route("/body", post(body))
            .with_state(measure.engines.off.clone())
            .merge(
                axum::Router::new()
                    .route("/inproc/{c}/{ms}", post(inproc_rate))
                    .with_state(measure),
            );
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind");
        println!("READY {}", std::process::id());
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .expect("serve");
        drop(dir);
    });
}
