//! SIGKILL under load (REQ-14, docs/behaviour.md §2.2 step 6 and §2.9): the real demo binary is
//! killed with SIGKILL while many JSON clients are logging in and submitting tokens, then restarted
//! on the same database. Every device's counter and throttling state must be exactly what
//! the acknowledged answers imply, or that plus the one attempt whose answer was lost in the
//! kill: nothing acknowledged is forgotten (no counter goes back, no failure is lost, no
//! back-off or lock-out is lifted), nothing is invented, and no attempt is half applied.
//!
//! # Why the expected state is exact
//!
//! Each device is driven by exactly one client, which sends its next attempt only after it
//! has received the whole answer to the previous one. So the attempts on a device form one
//! sequence a1, a2, …, an, evaluated by the server in that order.
//!
//! - docs/behaviour.md §2.2 step 6: an outcome is reported only after its commit succeeded. Every
//!   acknowledged attempt a1 … ak was therefore committed before the kill, and a committed
//!   SQLite WAL transaction survives the death of the process (only an OS crash could lose
//!   it under `synchronous=NORMAL`).
//! - At most the last attempt is unacknowledged (sent, answer not received): the server may
//!   have committed it (and the answer died with it) or not (killed before the commit, or
//!   the request never got there).
//! - docs/behaviour.md §2.9: every attempt is one atomic transition; there is no partial state.
//!
//! Hence the stored state after the restart is `S` (the state the acknowledged answers
//! imply) or `T(S, pending)` (that state with the unacknowledged attempt applied), and
//! nothing else. [`Dev::step`] is `T`: HOTP with throttle factor 0 (every attempt evaluated)
//! and the hard lock-out at [`LOCKOUT`], TOTP with a back-off far longer than the test. Every
//! acknowledged answer is checked against it as it arrives, so `S` is known exactly.
//!
//! The bounds of issue #7 follow from this and are asserted as well:
//! - (a) stored counter ≥ highest acknowledged accepted counter + 1 (`S` has it; `T` only
//!   raises the counter), and that code is refused after the restart (checked with
//!   `otp verify`);
//! - (b) stored counter ≤ highest counter ever sent + 1 (no transition invents a counter);
//! - (c) failure count: with `F` = the failures acknowledged since the last acknowledged
//!   success (plus the count the round started with, if no success was acknowledged yet),
//!   a pending *wrong* code gives `F ≤ stored ≤ F + 1`; a pending *right* code gives
//!   `stored ∈ {F, 0}`, because a success resets the count, so the naive lower bound `F`
//!   does not hold; then the counter tells which happened (advanced ⇔ count 0), which is
//!   what the joint check of (counter, count) asserts;
//! - (d) the SQLite file passes `PRAGMA integrity_check` after each kill, and the restarted
//!   demo serves `GET /` with 200;
//! - (e) a device throttled before the kill (TOTP, back-off 900 s) is still throttled after
//!   the restart, with the same `failure_count` and the same `locked_until`; a device locked
//!   out before the kill is still locked out. Both keep refusing even their right code,
//!   under load, over the HTTP login flow.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use common::{Demo, Http, Page, TotpGen};
use otpkit::Clock as _;
use otpkit::oath::{Algorithm, Digits, OathKey};
use serde_json::{Value, json};

/// Users with a "count" HOTP device.
const COUNT_USERS: usize = 8;
/// Kill/restart rounds.
const ROUNDS: usize = 3;
/// Acknowledged token answers (all clients together) a round waits for before the kill.
const MIN_ACKED: usize = 500;
/// `OTPKIT_LOCKOUT_THRESHOLD` of the test server (low, so that lock-out comes quickly).
const LOCKOUT: u32 = 20;
/// The HOTP devices' tolerance: counters `counter ..= counter + TOLERANCE` are checked.
const TOLERANCE: u64 = 5;
/// A count device gets its right code once this many failures are outstanding, so that it
/// stays far from the lock-out.
const FORCE_RIGHT_AT: u32 = 8;
/// Gives up on a round (after killing the server) if it was not ready after this long.
const ROUND_DEADLINE: Duration = Duration::from_secs(60);
/// Every user's password.
const PASSWORD: &str = "kill-test-password-1";

/// The server's settings: HOTP evaluates every attempt (factor 0), TOTP backs off for 900 s
/// after one failure (so a throttle cannot expire while the test runs), lock-out at
/// [`LOCKOUT`].
fn server_env() -> Vec<(&'static str, String)> {
    vec![
        ("OTP_HOTP_THROTTLE_FACTOR", "0".to_owned()),
        ("OTP_TOTP_THROTTLE_FACTOR", "900".to_owned()),
        ("OTPKIT_LOCKOUT_THRESHOLD", LOCKOUT.to_string()),
        ("OTPKIT_HOTP_TOLERANCE", TOLERANCE.to_string()),
    ]
}

/// What a device's client does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// HOTP, factor 0: right codes (the next counter, or one ahead within the tolerance) and
    /// wrong codes, every one evaluated.
    Count,
    /// HOTP, factor 0: wrong codes until it is locked out, then its right code and wrong
    /// codes, all of which must be refused.
    Lockout,
    /// TOTP, factor 900: one wrong code, then its right code again and again, which must be
    /// refused with `n_failed_attempts`.
    Throttled,
}

/// The part of a device's stored state this test tracks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct State {
    /// The HOTP counter (the next counter expected); 0 for TOTP.
    counter: u64,
    /// `throttling_failure_count`.
    failures: u32,
}

/// The answer to one token attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// Verified; `counter` is the matched HOTP counter.
    Accepted { counter: u64 },
    /// `invalid_token`.
    Invalid,
    /// `device_locked`.
    Locked { failures: u32 },
    /// `n_failed_attempts`.
    Throttled { failures: u32 },
}

/// One device under test.
struct Dev {
    user: String,
    pid: String,
    role: Role,
    /// The HOTP key (HOTP roles).
    key: Option<OathKey>,
    /// The TOTP secret, base32 (the throttled role).
    totp_secret: String,
}

impl Dev {
    fn hotp(&self, counter: u64) -> String {
        self.key
            .as_ref()
            .unwrap()
            .hotp(counter, Digits::SIX)
            .expose()
            .to_owned()
    }

    /// The highest counter of the HOTP window of `s` whose code is `code` (docs/behaviour.md §5.2);
    /// none for the TOTP device.
    fn matching(&self, s: State, code: &str) -> Option<u64> {
        let key = self.key.as_ref()?;
        (s.counter..=s.counter + TOLERANCE)
            .rev()
            .find(|&k| key.hotp(k, Digits::SIX).expose() == code)
    }

    /// The model of one attempt (docs/behaviour.md §2.2, §2.5, §5.2): the answer to `code` in state
    /// `s` and the state after it. For the throttled TOTP device it is only asked about wrong
    /// codes at count 0 and about any code once the count is positive (refused unevaluated:
    /// the back-off is 900 s).
    fn step(&self, s: State, code: &str) -> (Outcome, State) {
        if s.failures >= LOCKOUT {
            return (
                Outcome::Locked {
                    failures: s.failures,
                },
                s,
            );
        }
        match self.role {
            Role::Count | Role::Lockout => match self.matching(s, code) {
                Some(m) => (
                    Outcome::Accepted { counter: m },
                    State {
                        counter: m + 1,
                        failures: 0,
                    },
                ),
                None => (
                    Outcome::Invalid,
                    State {
                        failures: s.failures + 1,
                        ..s
                    },
                ),
            },
            Role::Throttled if s.failures > 0 => (
                Outcome::Throttled {
                    failures: s.failures,
                },
                s,
            ),
            Role::Throttled => (
                Outcome::Invalid,
                State {
                    failures: s.failures + 1,
                    ..s
                },
            ),
        }
    }

    /// A 6-digit code that matches no counter of the window of `s`.
    fn wrong_hotp(&self, s: State, rng: &mut Rng) -> String {
        loop {
            let code = format!("{:06}", rng.next() % 1_000_000);
            if self.matching(s, &code).is_none() {
                return code;
            }
        }
    }

    /// The next code this device's client sends in state `s`.
    fn choose(&self, s: State, rng: &mut Rng) -> String {
        match self.role {
            Role::Count => {
                let r = rng.next() % 10;
                if s.failures >= FORCE_RIGHT_AT || r >= 5 {
                    // Mostly the next counter; sometimes one ahead, within the window.
                    let k = if r >= 8 {
                        s.counter + 1 + rng.next() % TOLERANCE
                    } else {
                        s.counter
                    };
                    self.hotp(k)
                } else {
                    self.wrong_hotp(s, rng)
                }
            }
            Role::Lockout => {
                if s.failures >= LOCKOUT && rng.next().is_multiple_of(2) {
                    self.hotp(s.counter)
                } else {
                    self.wrong_hotp(s, rng)
                }
            }
            Role::Throttled => {
                let codes = TotpGen::new(&self.totp_secret);
                if s.failures == 0 {
                    codes.wrong_code()
                } else {
                    codes.peek()
                }
            }
        }
    }
}

/// Wall-clock time since a start, by otpkit's system clock (the workspace reads the clock
/// only through `otpkit::Clock`).
struct Stopwatch(otpkit::Timestamp);

impl Stopwatch {
    fn start() -> Stopwatch {
        Stopwatch(otpkit::SystemClock.now())
    }

    fn elapsed(&self) -> Duration {
        let ms = otpkit::SystemClock.now().millis_since(self.0);
        Duration::from_millis(u64::try_from(ms).unwrap_or(0))
    }
}

/// xorshift64*: a deterministic mix of right and wrong codes per client and round.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// What all clients of a round share with the thread that kills the server.
#[derive(Default)]
struct Shared {
    /// Acknowledged token answers.
    acked: AtomicUsize,
    /// The locked-out device answered `device_locked` in this round.
    locked_seen: AtomicBool,
    /// The throttled device answered `n_failed_attempts` in this round.
    throttled_seen: AtomicBool,
    /// A client saw something the model does not allow: kill now and report.
    abort: AtomicBool,
}

/// Sets [`Shared::abort`] if a client panics, so that the server is killed at once.
struct AbortOnPanic<'a>(&'a Shared);

impl Drop for AbortOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.abort.store(true, Ordering::SeqCst);
        }
    }
}

/// What one client did in one round.
#[derive(Debug, Default)]
struct Log {
    /// The state the acknowledged answers imply.
    state: State,
    /// The code of the attempt that was sent but whose answer was not received.
    pending: Option<String>,
    /// Acknowledged token answers.
    acked: usize,
    accepted: usize,
    invalid: usize,
    refused: usize,
    /// `internal_error` answers (fail closed, nothing changed).
    fail_closed: usize,
    /// The highest matched counter of an acknowledged acceptance.
    max_accepted: Option<u64>,
    /// The highest counter the code of any attempt sent matched (acknowledged or not).
    max_sent: Option<u64>,
    /// `locked_until` of the `n_failed_attempts` answers.
    locked_until: Option<String>,
    /// What the model did not allow (the round is aborted).
    errors: Vec<String>,
}

/// One client: logs `dev`'s user in over the JSON API and submits tokens until the server
/// dies. Token attempts are sequential, so at most the last one is unacknowledged. `busy`
/// is set while a token attempt is on the wire (read by the killer just before the kill).
fn drive(
    base: &str,
    dev: &Dev,
    start: State,
    seed: u64,
    shared: &Shared,
    busy: &AtomicBool,
) -> Log {
    let _guard = AbortOnPanic(shared);
    let mut log = Log {
        state: start,
        ..Log::default()
    };
    let http = Http::new(base);
    let mut rng = Rng::new(seed);
    let fail = |errors: &mut Vec<String>, msg: String| {
        errors.push(format!("{}: {msg}", dev.user));
        shared.abort.store(true, Ordering::SeqCst);
    };
    // The session and its CSRF token, then the password step. Neither touches the device,
    // so a transport error here just ends the client.
    let Ok(page) = http.try_get_json("/otp/session") else {
        return log;
    };
    let Some(mut csrf) = csrf_of(&page) else {
        fail(&mut log.errors, format!("no CSRF token: {}", page.body));
        return log;
    };
    let credentials = json!({"username": dev.user, "password": PASSWORD});
    let Ok(page) = http.try_post_json("/otp/login/", &credentials, &csrf) else {
        return log;
    };
    match (
        page.status,
        json_of(&page)["error"].as_str(),
        csrf_of(&page),
    ) {
        (400, Some("token_required"), Some(t)) => csrf = t,
        _ => {
            fail(
                &mut log.errors,
                format!("password step: {} {}", page.status, page.body),
            );
            return log;
        }
    }
    // The token step of the pending login, then (once verified) re-verification.
    let mut path = "/otp/login/";
    loop {
        let code = dev.choose(log.state, &mut rng);
        if let Some(m) = dev.matching(log.state, &code) {
            log.max_sent = log.max_sent.max(Some(m));
        }
        log.pending = Some(code.clone());
        busy.store(true, Ordering::SeqCst);
        let answer = http.try_post_json(
            path,
            &json!({"otp_device": dev.pid, "otp_token": code}),
            &csrf,
        );
        busy.store(false, Ordering::SeqCst);
        let Ok(page) = answer else {
            // Sent, answer not received: the server died (or never got it).
            return log;
        };
        log.pending = None;
        log.acked += 1;
        shared.acked.fetch_add(1, Ordering::SeqCst);
        let (expected, next) = dev.step(log.state, &code);
        let body = json_of(&page);
        let got = match (page.status, body["error"].as_str()) {
            (200, _) if body["status"] == "verified" && body["device"] == dev.pid.as_str() => {
                // The answer does not name the counter; the model's match is checked by
                // the counter stored after the restart.
                match expected {
                    Outcome::Accepted { .. } => Ok(expected.clone()),
                    _ => Err(format!("accepted, the model expects {expected:?}")),
                }
            }
            (401, Some("invalid_token")) => Ok(Outcome::Invalid),
            (403, Some("device_locked")) => Ok(Outcome::Locked {
                failures: failures_of(&body),
            }),
            (429, Some("n_failed_attempts")) => {
                let until = body["locked_until"].as_str().unwrap_or_default().to_owned();
                if log.locked_until.as_ref().is_some_and(|u| *u != until) {
                    fail(
                        &mut log.errors,
                        format!(
                            "locked_until moved: {} → {until}",
                            log.locked_until.clone().unwrap_or_default()
                        ),
                    );
                    return log;
                }
                log.locked_until = Some(until);
                Ok(Outcome::Throttled {
                    failures: failures_of(&body),
                })
            }
            (503, Some("internal_error")) => {
                // Failing closed changes nothing (§2.9); the model state stays.
                log.fail_closed += 1;
                let Ok(p) = http.try_get_json("/otp/session") else {
                    return log;
                };
                let Some(t) = csrf_of(&p) else { return log };
                csrf = t;
                continue;
            }
            _ => Err(format!("unexpected answer {} {}", page.status, page.body)),
        };
        match got {
            Ok(o) if o == expected => {}
            Ok(o) => {
                fail(
                    &mut log.errors,
                    format!(
                        "answer {o:?}, the model expects {expected:?} in {:?}",
                        log.state
                    ),
                );
                return log;
            }
            Err(e) => {
                fail(&mut log.errors, format!("{e} in {:?}", log.state));
                return log;
            }
        }
        log.state = next;
        match expected {
            Outcome::Accepted { counter } => {
                log.accepted += 1;
                log.max_accepted = log.max_accepted.max(Some(counter));
                // Verified now: the CSRF token was rotated (not in the answer), and further
                // attempts go to re-verification.
                path = "/otp/verify/";
                let Ok(p) = http.try_get_json("/otp/session") else {
                    return log;
                };
                let Some(t) = csrf_of(&p) else {
                    fail(&mut log.errors, format!("no CSRF token: {}", p.body));
                    return log;
                };
                csrf = t;
                continue;
            }
            Outcome::Invalid => log.invalid += 1,
            Outcome::Locked { .. } => {
                log.refused += 1;
                shared.locked_seen.store(true, Ordering::SeqCst);
            }
            Outcome::Throttled { .. } => {
                log.refused += 1;
                shared.throttled_seen.store(true, Ordering::SeqCst);
            }
        }
        match csrf_of(&page) {
            Some(t) => csrf = t,
            None => {
                fail(&mut log.errors, format!("no CSRF token: {}", page.body));
                return log;
            }
        }
    }
}

fn json_of(page: &Page) -> Value {
    serde_json::from_str(&page.body).unwrap_or(Value::Null)
}

fn csrf_of(page: &Page) -> Option<String> {
    json_of(page)["csrf_token"].as_str().map(str::to_owned)
}

fn failures_of(v: &Value) -> u32 {
    v["failure_count"]
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(u32::MAX)
}

/// `f(i, item)` for every item, each on its own thread (the CLI processes they start mostly
/// wait for the database).
fn parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(usize, &T) -> R + Sync) -> Vec<R> {
    std::thread::scope(|scope| {
        let f = &f;
        let handles: Vec<_> = items
            .iter()
            .enumerate()
            .map(|(i, item)| scope.spawn(move || f(i, item)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// A device as `otp device show --json` reports it.
struct Stored {
    state: State,
    locked: bool,
    throttled_until: Option<String>,
    last_t: Value,
}

fn show(demo: &Demo, dev: &Dev) -> Stored {
    let v: Value = serde_json::from_str(&demo.otp(&["device", "show", &dev.pid, "--json"]))
        .unwrap_or_else(|e| panic!("device show {}: {e}", dev.pid));
    Stored {
        state: State {
            counter: v["kind_state"]["counter"].as_u64().unwrap_or(0),
            failures: failures_of(&v),
        },
        locked: v["locked"].as_bool().unwrap(),
        throttled_until: v["throttled_until"].as_str().map(str::to_owned),
        last_t: v["kind_state"]["last_t"].clone(),
    }
}

/// Creates a user with one device of `role` through the demo's CLI.
fn create(demo: &Demo, user: &str, role: Role) -> Dev {
    let out = demo.command(
        &["createuser", user, "--password-stdin"],
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(out.status.success(), "createuser {user}: {out:?}");
    let kind = if role == Role::Throttled {
        "totp"
    } else {
        "hotp"
    };
    let added: Value =
        serde_json::from_str(&demo.otp(&["device", "add", kind, "--user", user, "--json"]))
            .unwrap();
    let uri = added["uri"].as_str().unwrap();
    let secret = uri
        .split("secret=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let key = otpkit::encoding::decode_base32_secret(&secret).unwrap();
    Dev {
        user: user.to_owned(),
        pid: added["persistent_id"].as_str().unwrap().to_owned(),
        role,
        key: (role != Role::Throttled).then(|| OathKey::new(Algorithm::Sha1, key.expose())),
        totp_secret: secret,
    }
}

/// Runs `otp verify` with `code` against the model in state `s`; returns the state after.
fn probe(demo: &Demo, dev: &Dev, s: State, code: &str) -> State {
    let (expected, next) = dev.step(s, code);
    let out = demo.command(&["otp", "verify", &dev.user, &dev.pid, code], None);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let ok = match &expected {
        Outcome::Accepted { .. } => out.status.code() == Some(0) && stdout.trim() == "accepted",
        Outcome::Invalid => {
            out.status.code() == Some(1) && stderr.contains("rejected: invalid_token")
        }
        Outcome::Locked { failures } => {
            out.status.code() == Some(1)
                && stderr.contains(&format!("rejected: device_locked failure_count={failures}"))
        }
        Outcome::Throttled { failures } => {
            out.status.code() == Some(1)
                && stderr.contains(&format!(
                    "rejected: n_failed_attempts failure_count={failures} "
                ))
        }
    };
    assert!(
        ok,
        "{}: otp verify after the restart: expected {expected:?} in {s:?}, got {}: {stdout}{stderr}",
        dev.user, out.status
    );
    next
}

/// Everything learned about one device over all rounds.
#[derive(Debug, Default, Clone)]
struct History {
    max_accepted: Option<u64>,
    max_sent: Option<u64>,
    locked_until: Option<String>,
}

/// Checks the restarted server's state of `dev` against what its client saw; returns it,
/// and whether it includes the attempt whose answer was lost.
fn check(
    dev: &Dev,
    log: &Log,
    hist: &History,
    stored: &Stored,
    start: State,
    round: usize,
) -> (State, bool) {
    let who = format!("round {round}, {} ({:?})", dev.user, dev.role);
    let acked = log.state;
    let s = stored.state;
    // The exact check: the acknowledged state, or that with the pending attempt applied.
    let mut candidates = vec![acked];
    if let Some(code) = &log.pending {
        let (_, after) = dev.step(acked, code);
        if after != acked {
            candidates.push(after);
        }
    }
    assert!(
        candidates.contains(&s),
        "{who}: stored {s:?}, but the acknowledged answers give {acked:?} and the pending \
         attempt ({:?}) could only add {:?}; log {log:?}",
        log.pending,
        candidates.get(1)
    );
    // (a) every acknowledged success persisted.
    if let Some(m) = hist.max_accepted {
        assert!(
            s.counter > m,
            "{who}: counter {} ≤ acknowledged {m}",
            s.counter
        );
    }
    // (b) nothing invented.
    let ceiling = hist
        .max_sent
        .map_or(start.counter, |m| (m + 1).max(start.counter));
    assert!(
        s.counter <= ceiling,
        "{who}: counter {} > {ceiling}",
        s.counter
    );
    // (c) failure counts: see the module documentation.
    let pending_success = log
        .pending
        .as_ref()
        .is_some_and(|c| matches!(dev.step(acked, c).0, Outcome::Accepted { .. }));
    let pending_failure = log
        .pending
        .as_ref()
        .is_some_and(|c| dev.step(acked, c).0 == Outcome::Invalid);
    if pending_success {
        assert!(
            (s.failures == acked.failures && s.counter == acked.counter)
                || (s.failures == 0 && s.counter > acked.counter),
            "{who}: {s:?} after {acked:?} and a pending right code"
        );
    } else {
        let max = acked.failures + u32::from(pending_failure);
        assert!(
            (acked.failures..=max).contains(&s.failures),
            "{who}: failure count {} outside {}..={max}",
            s.failures,
            acked.failures
        );
    }
    assert_eq!(stored.locked, s.failures >= LOCKOUT, "{who}: locked flag");
    (s, s != acked)
}

/// A `u64` from the OS, to vary the seeds between runs.
fn seed() -> u64 {
    getrandom::u64().unwrap()
}

fn integrity_check(file: &Path) {
    let conn = rusqlite::Connection::open(file).unwrap();
    let result: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(result, "ok", "SQLite integrity_check after SIGKILL");
}

/// Starts the demo, checks that it serves `GET /`.
fn start(dir: &Path, db_url: &str, env: &[(&str, &str)]) -> Demo {
    let demo = Demo::start_on(dir, db_url, env);
    let home = Http::new(&demo.url).get("/");
    assert_eq!(home.status, 200, "GET / after start: {}", home.body);
    demo
}

/// The whole test on `db_url`; `sqlite` is the database file when there is one.
fn kill_under_load(dir: &Path, db_url: &str, extra_env: &[(&str, &str)], sqlite: Option<&Path>) {
    let test_start = Stopwatch::start();
    let owned = server_env();
    let mut env: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.extend_from_slice(extra_env);

    let demo = start(dir, db_url, &env);
    let mut users: Vec<(String, Role)> = (0..COUNT_USERS)
        .map(|i| (format!("count{i}"), Role::Count))
        .collect();
    users.push(("locker".to_owned(), Role::Lockout));
    users.push(("throttled".to_owned(), Role::Throttled));
    let devs: Vec<Dev> = parallel(&users, |_, (user, role)| create(&demo, user, *role));
    let initial: Vec<Stored> = parallel(&devs, |_, dev| show(&demo, dev));
    let mut states: Vec<State> = initial.iter().map(|s| s.state).collect();
    assert!(states.iter().all(|s| *s == State::default()), "{states:?}");
    let mut hist = vec![History::default(); devs.len()];
    let base_seed = seed();
    let backend = db_url.split(':').next().unwrap_or("");
    eprintln!("kill test on {backend}: seed {base_seed:#018x}");

    let mut demo = Some(demo);
    for round in 1..=ROUNDS {
        let server = demo.take().unwrap();
        let url = server.url.clone();
        let shared = Shared::default();
        let busy: Vec<AtomicBool> = devs.iter().map(|_| AtomicBool::new(false)).collect();
        let round_start = Stopwatch::start();
        let (logs, in_flight, acked_at_kill) = std::thread::scope(|scope| {
            let handles: Vec<_> = devs
                .iter()
                .zip(&states)
                .zip(&busy)
                .enumerate()
                .map(|(i, ((dev, st), busy))| {
                    let (url, shared) = (&url, &shared);
                    let seed = base_seed ^ ((round as u64) << 32) ^ i as u64;
                    scope.spawn(move || drive(url, dev, *st, seed, shared, busy))
                })
                .collect();
            // Wait for enough acknowledged answers, with the throttled device refused and the
            // lock-out device locked in this round, then SIGKILL the server at once. No
            // panic in here: the clients only stop once the server is dead.
            loop {
                let ready = shared.acked.load(Ordering::SeqCst) >= MIN_ACKED
                    && shared.locked_seen.load(Ordering::SeqCst)
                    && shared.throttled_seen.load(Ordering::SeqCst);
                if ready
                    || shared.abort.load(Ordering::SeqCst)
                    || round_start.elapsed() > ROUND_DEADLINE
                {
                    break;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            let in_flight = busy.iter().filter(|b| b.load(Ordering::SeqCst)).count();
            let acked_at_kill = shared.acked.load(Ordering::SeqCst);
            server.kill();
            let logs: Vec<Log> = handles.into_iter().map(|h| h.join().unwrap()).collect();
            (logs, in_flight, acked_at_kill)
        });
        let load_time = round_start.elapsed();
        let errors: Vec<&String> = logs.iter().flat_map(|l| &l.errors).collect();
        assert!(errors.is_empty(), "round {round}: {errors:#?}");
        assert!(
            shared.locked_seen.load(Ordering::SeqCst)
                && shared.throttled_seen.load(Ordering::SeqCst),
            "round {round}: not ready after {ROUND_DEADLINE:?}: {logs:#?}"
        );
        // The kill really hit a server under load.
        assert!(
            acked_at_kill >= MIN_ACKED,
            "round {round}: {acked_at_kill} acknowledged"
        );
        assert!(
            in_flight > 0,
            "round {round}: no token attempt in flight at the kill"
        );

        // (d) the database is sound, and the demo comes back on it.
        if let Some(file) = sqlite {
            integrity_check(file);
        }
        let server = start(dir, db_url, &env);

        let stored_all = parallel(&devs, |_, dev| show(&server, dev));
        let mut committed_unanswered = 0;
        let mut probes: Vec<(State, String)> = Vec::new();
        for (i, dev) in devs.iter().enumerate() {
            let log = &logs[i];
            let h = &mut hist[i];
            h.max_accepted = h.max_accepted.max(log.max_accepted);
            h.max_sent = h.max_sent.max(log.max_sent);
            if let Some(u) = &log.locked_until {
                assert!(
                    h.locked_until.as_ref().is_none_or(|old| old == u),
                    "{}: locked_until moved between rounds: {:?} → {u}",
                    dev.user,
                    h.locked_until
                );
                h.locked_until = Some(u.clone());
            }
            let stored = &stored_all[i];
            let (s, applied) = check(dev, log, h, stored, states[i], round);
            committed_unanswered += usize::from(applied);
            let code = match dev.role {
                Role::Count => {
                    // (a) the highest acknowledged code is refused now: a replay.
                    let m = h.max_accepted;
                    m.map_or_else(|| dev.wrong_hotp(s, &mut Rng::new(seed())), |m| dev.hotp(m))
                }
                Role::Lockout => {
                    // (e) locked before the kill, locked after it: even the right code is
                    // refused.
                    assert!(
                        stored.locked && s.failures == LOCKOUT,
                        "{}: {s:?}",
                        dev.user
                    );
                    dev.hotp(s.counter)
                }
                Role::Throttled => {
                    // (e) throttled before the kill (it answered n_failed_attempts in this
                    // round), still throttled after it: same count, same locked_until.
                    assert_eq!(s.failures, 1, "{}", dev.user);
                    assert_eq!(stored.throttled_until, h.locked_until, "{}", dev.user);
                    assert_eq!(stored.last_t, initial[i].last_t, "{}: last_t", dev.user);
                    TotpGen::new(&dev.totp_secret).peek()
                }
            };
            probes.push((s, code));
        }
        states = parallel(&devs, |i, dev| {
            probe(&server, dev, probes[i].0, &probes[i].1)
        });

        let total: usize = logs.iter().map(|l| l.acked).sum();
        let pending = logs.iter().filter(|l| l.pending.is_some()).count();
        let sum = |f: fn(&Log) -> usize| -> usize { logs.iter().map(f).sum() };
        eprintln!(
            "{backend} round {round}: {total} token answers acknowledged ({} accepted, {} invalid, {} \
             refused, {} internal_error) in {load_time:.2?}; {in_flight} attempts in flight \
             just before SIGKILL, {pending} sent and never answered, of which \
             {committed_unanswered} committed",
            sum(|l| l.accepted),
            sum(|l| l.invalid),
            sum(|l| l.refused),
            sum(|l| l.fail_closed),
        );
        demo = Some(server);
    }

    // The probes of the last restart landed as the model says.
    let server = demo.take().unwrap();
    let last = parallel(&devs, |_, dev| show(&server, dev));
    for ((dev, s), stored) in devs.iter().zip(&states).zip(&last) {
        assert_eq!(stored.state, *s, "{} after the last probe", dev.user);
    }
    server.stop();
    eprintln!(
        "kill test on {backend}: {:.2?} in all",
        test_start.elapsed()
    );
}

#[test]
fn sigkill_under_load_keeps_exactly_the_acknowledged_state_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo.sqlite3");
    let db_url = format!("sqlite://{}", file.display());
    kill_under_load(dir.path(), &db_url, &[], Some(&file));
}

/// The same on PostgreSQL, when `OTPKIT_TEST_POSTGRES_URL` names a server (skipped
/// otherwise, failing instead under `OTPKIT_REQUIRE_DB=1`): the killed server's connections
/// die with it, and PostgreSQL rolls back whatever was not committed.
#[test]
fn sigkill_under_load_keeps_exactly_the_acknowledged_state_postgres() {
    let Some(fresh) = common::FreshDatabase::create("OTPKIT_TEST_POSTGRES_URL") else {
        return;
    };
    let keys = common::generate_key_ring(&fresh.url);
    let dir = tempfile::tempdir().unwrap();
    kill_under_load(
        dir.path(),
        &fresh.url,
        &[("OTPKIT_SECRET_KEYS", keys.as_str())],
        None,
    );
}
