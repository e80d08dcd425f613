//! The session store failing under a running demo: the test starts its own `redis-server`
//! on a free port, the demo on it (`OTPKIT_SESSION_URL`), signs in (verified), then makes
//! Redis unreachable. Every request then answers 503 — otpkit's message page, or the JSON
//! `internal_error` — never a redirect to the login page (anonymous) nor a page of a
//! signed-in user, and the session cookie is kept. When Redis is back, the same cookie is
//! verified again.
//!
//! Two faults: Redis stopped (SIGSTOP: connections stay open, nothing answers, requests
//! time out) and resumed (SIGCONT); Redis killed (SIGKILL: connections refused) and started
//! again on the same port, from its append-only file, so that the session is still there.
//!
//! The session *database* (sessions on SQLite, PostgreSQL or MariaDB) is not faulted here:
//! a SQLite file cannot become unreachable, and stopping the shared PostgreSQL server is not
//! the test's to do. Its failures take the same path in otpkit-axum (a store error on
//! reading or writing the session).
//!
//! Needs `redis-server` (`/usr/bin/redis-server` or on `PATH`): skipped with a SKIPPED line
//! without it, failing when `OTPKIT_REQUIRE_DB=1`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{Demo, Http, Page};

const SESSION_COOKIE: &str = "otpkit_demo_session";
const UNAVAILABLE: &str = "Signing in is unavailable right now. Please try again later.";

/// A `redis-server` of the test's own, on a free port, persisting to an append-only file in
/// its directory (so that a restart keeps the sessions).
struct OwnRedis {
    server: PathBuf,
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl OwnRedis {
    /// `None` (skipped) when there is no `redis-server`, unless `OTPKIT_REQUIRE_DB=1`.
    fn start(dir: &Path) -> Option<OwnRedis> {
        let Some(server) = common::which(&["redis-server", "/usr/bin/redis-server"]) else {
            assert!(
                !common::env_flag("OTPKIT_REQUIRE_DB"),
                "redis-server not found, but OTPKIT_REQUIRE_DB is set"
            );
            common::skipped("redis-server not found");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut redis = OwnRedis {
            server,
            dir: dir.to_owned(),
            port,
            child: None,
        };
        redis.spawn();
        Some(redis)
    }

    /// `redis://127.0.0.1:PORT/`.
    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Starts the server (again) on its port and waits until it answers.
    fn spawn(&mut self) {
        let child = Command::new(&self.server)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ])
            .arg("--dir")
            .arg(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        self.child = Some(child);
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port))
                .and_then(|mut s| {
                    use std::io::{Read as _, Write as _};
                    s.set_read_timeout(Some(Duration::from_secs(1)))?;
                    s.write_all(b"PING\r\n")?;
                    let mut buf = [0u8; 7];
                    s.read_exact(&mut buf)?;
                    Ok(buf == *b"+PONG\r\n")
                })
                .unwrap_or(false)
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("redis-server did not answer on port {}", self.port);
    }

    /// Sends `signal` (`STOP`, `CONT`) to the server.
    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().unwrap().id().to_string();
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap();
        assert!(status.success(), "kill -{signal} {pid}");
    }

    /// Kills the server (SIGKILL) and reaps it: its port refuses connections.
    fn kill(&mut self) {
        let mut child = self.child.take().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-CONT", &c.id().to_string()])
                .status();
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Asserts that `page` is the 503 `internal_error` message page: HTML, the sentence, no
/// redirect, no page of a signed-in user, no cookie change.
fn assert_unavailable_page(page: &Page) {
    assert_eq!(page.status, 503, "{}: {}", page.path, page.body);
    assert!(page.location.is_none(), "{page:?}");
    assert!(
        page.header("content-type")
            .is_some_and(|t| t.starts_with("text/html")),
        "{page:?}"
    );
    assert!(page.body.contains(UNAVAILABLE), "{}", page.body);
    assert!(
        page.body.contains(r#"data-code="internal_error""#),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Sign out"), "{}", page.body);
    assert!(page.header("set-cookie").is_none(), "{page:?}");
}

/// Asserts that `page` is the JSON 503 `internal_error`.
fn assert_unavailable_json(page: &Page) {
    assert_eq!(page.status, 503, "{}: {}", page.path, page.body);
    let v: serde_json::Value = serde_json::from_str(&page.body).unwrap();
    assert_eq!(v["error"], "internal_error", "{v}");
    assert_eq!(v["message"], UNAVAILABLE, "{v}");
    assert!(page.header("set-cookie").is_none(), "{page:?}");
}

/// Every kind of request refused while the store is unreachable, for the verified browser
/// `http` (cookie `cookie`) and a new one.
fn assert_refused_while_down(demo: &Demo, http: &Http, cookie: &str) {
    // Pages of the demo and of otpkit, HTML and JSON, reads and a form post.
    assert_unavailable_page(&http.get("/"));
    assert_unavailable_page(&http.get("/protected/"));
    assert_unavailable_page(&http.get("/otp/devices/"));
    assert_unavailable_page(&http.post("/otp/logout/", &[("csrf_token", "x")]));
    assert_unavailable_json(&http.try_get_json("/otp/session").unwrap());
    assert_unavailable_json(&http.try_get_json("/otp/devices/").unwrap());
    assert_unavailable_json(
        &http
            .try_post_json("/otp/logout/", &serde_json::json!({}), "x")
            .unwrap(),
    );
    // The browser keeps its cookie.
    assert_eq!(http.cookie(SESSION_COOKIE).as_deref(), Some(cookie));
    // A browser without a session: the login page needs one (its CSRF token), which cannot
    // be written.
    let new = Http::new(&demo.url);
    assert_unavailable_page(&new.get("/otp/login/"));
    assert_eq!(new.cookie(SESSION_COOKIE), None);
}

/// `GET /otp/session` until it answers 200 (the store reconnected); its state.
fn level_once_back(http: &Http) -> String {
    for _ in 0..100 {
        let page = http.try_get_json("/otp/session").unwrap();
        if page.status == 200 {
            let v: serde_json::Value = serde_json::from_str(&page.body).unwrap();
            return v["state"].as_str().unwrap().to_owned();
        }
        assert_unavailable_json(&page);
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the demo did not answer again after Redis came back");
}

#[test]
fn redis_unreachable_answers_503_and_loses_no_session() {
    let dir = tempfile::tempdir().unwrap();
    let redis_dir = dir.path().join("redis");
    std::fs::create_dir(&redis_dir).unwrap();
    let demo_dir = dir.path().join("demo");
    std::fs::create_dir(&demo_dir).unwrap();
    let Some(mut redis) = OwnRedis::start(&redis_dir) else {
        return;
    };
    let url = redis.url();
    let demo = Demo::start(&demo_dir, &[("OTPKIT_SESSION_URL", url.as_str())]);

    // Signed in and verified, the session in Redis.
    let http = Http::new(&demo.url);
    http.sign_up("fay", "fay-password-1", None);
    http.enrol_totp();
    let cookie = http.cookie(SESSION_COOKIE).expect("a session cookie");

    // Redis stops answering (its connections stay open): 503 everywhere.
    redis.signal("STOP");
    assert_refused_while_down(&demo, &http, &cookie);
    // Back: the same cookie is verified again.
    redis.signal("CONT");
    assert_eq!(level_once_back(&http), "verified");
    assert_eq!(http.get("/protected/").status, 200);

    // Redis gone (connections refused): 503 everywhere.
    redis.kill();
    assert_refused_while_down(&demo, &http, &cookie);
    // Started again on the same port from its append-only file: the demo reconnects, and
    // the same cookie is verified.
    redis.spawn();
    assert_eq!(level_once_back(&http), "verified");
    let protected = http.get("/protected/");
    assert_eq!(protected.status, 200, "{}", protected.body);
    assert_eq!(
        http.cookie(SESSION_COOKIE).as_deref(),
        Some(cookie.as_str())
    );
    demo.stop();
}
