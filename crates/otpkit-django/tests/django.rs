//! End to end against the real django-otp 1.7.5: `tests/django/harness.py` lets django-otp's
//! own model methods populate a Django database (SQLite always, PostgreSQL with
//! `OTPKIT_TEST_POSTGRES_URL`); `otpkit_django::read` and `import` move it into an otpkit
//! engine on a fresh SQLite store; the imported devices then verify exactly as django-otp
//! says they would (codes computed by django-otp, throttling, replays, static tokens), a
//! second import writes nothing, and changes made in Django afterwards are reported.
//!
//! Python: the interpreter of a venv with `tests/django/requirements.txt`, named by
//! `OTPKIT_DJANGO_PYTHON`; without it both tests are skipped, unless
//! `OTPKIT_REQUIRE_DJANGO=1`. PostgreSQL without its URL: skipped unless `OTPKIT_REQUIRE_DB=1`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use otpkit::engine::{HotpOptions, TotpOptions, VerifyOptions};
use otpkit::policy::VerifyNotAllowed;
use otpkit::seal::KeyRing;
use otpkit::store::DeviceQuery;
use otpkit::{
    Device, DeviceRecord, Engine, ManualClock, Settings, Timestamp, UserId, VerifyOutcome,
};
use otpkit_django::{ImportOptions, KindCounts, Report, UserMapping, import, read};
use otpkit_sqlite::SqliteStore;
use serde_json::Value;

/// The instant of `harness.py make` (Unix seconds; a multiple of 30 and of 60).
const T0: i64 = 1_800_000_000;
/// The otpkit clock while importing and verifying.
const T: i64 = T0 + 60;
/// Inside the back-off of the devices django-otp failed at T0−5 and T0−4 (locked until T0−2).
const T_LOCKED: i64 = T0 - 3;
/// The instant of `harness.py mutate`.
const T_MUTATE: i64 = T0 + 120;

// --- the Python side -------------------------------------------------------------------

/// The interpreter in `OTPKIT_DJANGO_PYTHON`, or `None` (skip) unless
/// `OTPKIT_REQUIRE_DJANGO=1`.
fn python() -> Option<String> {
    match std::env::var("OTPKIT_DJANGO_PYTHON") {
        Ok(p) if !p.is_empty() => Some(p),
        _ => {
            assert!(
                std::env::var("OTPKIT_REQUIRE_DJANGO").as_deref() != Ok("1"),
                "OTPKIT_DJANGO_PYTHON is not set and OTPKIT_REQUIRE_DJANGO=1"
            );
            eprintln!(
                "skipped: OTPKIT_DJANGO_PYTHON is not set (a venv with tests/django/requirements.txt)"
            );
            None
        }
    }
}

/// `harness.py` on one Django database.
struct Harness {
    python: String,
    db: String,
}

impl Harness {
    /// Runs `harness.py CMD --db DB ARGS…` and parses the one JSON document it prints.
    fn run(&self, cmd: &str, args: &[&str]) -> Value {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/django/harness.py");
        let out = Command::new(&self.python)
            .arg(&script)
            .args([cmd, "--db", &self.db])
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("running {}: {e}", self.python));
        assert!(
            out.status.success(),
            "harness.py {cmd} {args:?} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "harness.py {cmd}: not JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    fn make(&self) -> Value {
        self.run("make", &["--now", &T0.to_string()])
    }

    fn codes(&self, at: i64) -> Value {
        self.run("codes", &["--at", &at.to_string()])
    }

    /// django-otp's `verify_token` at `at`, rolled back.
    fn accepts(&self, pid: &str, token: &str, at: i64) -> bool {
        let args = ["--at", &at.to_string(), "--pid", pid, "--token", token];
        self.run("verify", &args)["accepted"] == Value::Bool(true)
    }

    fn mutate(&self) -> Value {
        self.run("mutate", &["--now", &T_MUTATE.to_string()])
    }
}

// --- small helpers ---------------------------------------------------------------------

/// The model label of a persistent id (`otp_totp.totpdevice/3` → `otp_totp.totpdevice`).
fn label(pid: &str) -> &str {
    pid.split_once('/').map_or(pid, |(l, _)| l)
}

/// A harness instant (float seconds or null) in milliseconds, floored.
fn ms(v: &Value) -> Option<i64> {
    #[allow(clippy::cast_possible_truncation)]
    v.as_f64().map(|s| (s * 1000.0).floor() as i64)
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

fn pids(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| s(p).to_owned())
        .collect()
}

fn devices(manifest: &Value) -> &[Value] {
    manifest["devices"].as_array().unwrap()
}

/// The manifest's entry for `pid`.
fn entry<'a>(manifest: &'a Value, pid: &str) -> &'a Value {
    devices(manifest)
        .iter()
        .find(|d| d["pid"] == pid)
        .unwrap_or_else(|| panic!("{pid} is not in the manifest"))
}

fn user(d: &Value) -> UserId {
    UserId::new(s(&d["user"])).unwrap()
}

/// The persistent ids of the manifest's devices passing `keep`.
fn pids_where(manifest: &Value, keep: impl Fn(&Value) -> bool) -> BTreeSet<String> {
    devices(manifest)
        .iter()
        .filter(|d| keep(d))
        .map(|d| s(&d["pid"]).to_owned())
        .collect()
}

/// Per model label: what a first import of `manifest` reads, imports and skips.
fn expected_counts(manifest: &Value) -> BTreeMap<String, KindCounts> {
    let mut kinds = BTreeMap::<String, KindCounts>::new();
    for d in devices(manifest) {
        let c = kinds.entry(label(s(&d["pid"])).to_owned()).or_default();
        c.read += 1;
        match d["invalid_key"] == Value::Bool(true) {
            true => c.skipped += 1,
            false => c.imported += 1,
        }
    }
    kinds
}

// --- the otpkit side -------------------------------------------------------------------

/// An engine on a fresh SQLite store in `dir`, its clock at `T`. The account throttle (new
/// in otpkit) is off: this test compares with django-otp's per-device throttle, and its
/// replays count failures on several devices of one user.
async fn engine(dir: &Path) -> (Engine, ManualClock) {
    let url = format!("sqlite://{}?mode=rwc", dir.join("otpkit.sqlite3").display());
    let store = SqliteStore::open_and_migrate(&url).await.unwrap();
    let clock = ManualClock::new(Timestamp::from_secs(T));
    let mut settings = Settings::default();
    settings.throttle.account_throttling = false;
    let engine = Engine::builder(store, KeyRing::random("k1").unwrap())
        .settings(settings)
        .clock(clock.clone())
        .build()
        .unwrap();
    (engine, clock)
}

/// Every record in the store, ascending id.
async fn snapshot(engine: &Engine) -> Vec<DeviceRecord> {
    let all = engine.list_devices(&DeviceQuery::default()).await.unwrap();
    all.iter().map(|d| d.record().clone()).collect()
}

async fn device(engine: &Engine, pid: &str) -> Device {
    let found = engine.from_persistent_id(pid).await.unwrap();
    found.unwrap_or_else(|| panic!("{pid}: not found in otpkit"))
}

async fn attempt(engine: &Engine, user: &UserId, pid: &str, token: &str) -> VerifyOutcome {
    let opts = VerifyOptions::default();
    engine
        .verify_token_detailed(Some(user), pid, token, &opts)
        .await
        .unwrap()
}

async fn run_import(engine: &Engine, url: &str, dry_run: bool) -> Report {
    let data = read(url, &UserMapping::Username).await.unwrap();
    let report = import(engine, &data, &ImportOptions { dry_run })
        .await
        .unwrap();
    assert_eq!(report.dry_run, dry_run, "{report:?}");
    report
}

// --- the checks ------------------------------------------------------------------------

/// Steps 3 and 4: a first import's report (dry or real) against the manifest.
fn check_first_report(r: &Report, manifest: &Value) {
    assert_eq!(r.kinds, expected_counts(manifest), "kinds: {r:?}");
    let legacy: BTreeSet<String> = r.legacy_keys.iter().cloned().collect();
    let want = pids_where(manifest, |d| d["legacy"] == Value::Bool(true));
    assert_eq!(legacy, want, "legacy_keys");
    assert_eq!(
        r.legacy_keys.len(),
        want.len(),
        "legacy_keys has duplicates: {r:?}"
    );
    let skipped: BTreeSet<String> = r.skipped.iter().map(|k| k.persistent_id.clone()).collect();
    let invalid = pids_where(manifest, |d| d["invalid_key"] == Value::Bool(true));
    assert_eq!(skipped, invalid, "skipped: {:?}", r.skipped);
    assert_eq!(invalid.len(), 2, "the manifest has two invalid keys");
    for k in &r.skipped {
        let d = entry(manifest, &k.persistent_id);
        assert_eq!(Some(k.django_user_id), d["user_id"].as_i64(), "{k:?}");
        assert!(
            k.reason.to_lowercase().contains("hexadecimal"),
            "skip reason: {k:?}"
        );
        assert_eq!(k.code, "key_not_hex", "skip code: {k:?}");
    }
    assert!(r.changed.is_empty(), "changed: {:?}", r.changed);
    assert!(
        r.removed_in_django.is_empty(),
        "removed: {:?}",
        r.removed_in_django
    );
    assert!(
        r.failed_users.is_empty(),
        "failed users: {:?}",
        r.failed_users
    );
}

/// Step 4: one manifest device as otpkit keeps it.
async fn check_imported(engine: &Engine, d: &Value) {
    let pid = s(&d["pid"]);
    if d["invalid_key"] == Value::Bool(true) {
        assert!(
            engine.from_persistent_id(pid).await.unwrap().is_none(),
            "{pid} imported"
        );
        return;
    }
    let dev = device(engine, pid).await;
    assert_eq!(dev.persistent_id(), pid);
    assert_eq!(dev.model_label(), label(pid));
    assert_eq!(dev.user().as_str(), s(&d["user"]), "{pid} user");
    assert_eq!(dev.name(), s(&d["name"]), "{pid} name");
    assert_eq!(
        Value::Bool(dev.confirmed()),
        d["confirmed"],
        "{pid} confirmed"
    );
    let th = dev.throttle();
    assert_eq!(
        Value::from(th.failure_count),
        d["throttling_failure_count"],
        "{pid}"
    );
    let ts = th.failure_timestamp.map(Timestamp::as_millis);
    assert_eq!(
        ts,
        ms(&d["throttling_failure_timestamp"]),
        "{pid} failure timestamp"
    );
    assert_eq!(
        Some(dev.created_at().as_millis()),
        ms(&d["created_at"]),
        "{pid} created_at"
    );
    let used = dev.last_used_at().map(Timestamp::as_millis);
    assert_eq!(used, ms(&d["last_used_at"]), "{pid} last_used_at");
    let info = engine.info(&dev).unwrap();
    let fields: &[&str] = match s(&d["kind"]) {
        "totp" => &["drift", "last_t", "step", "t0", "digits", "tolerance"],
        "hotp" => &["counter", "digits", "tolerance"],
        "email" => &["email"],
        _ => &[],
    };
    for f in fields {
        assert_eq!(info[*f], d[*f], "{pid} {f}: info {info}");
    }
    let legacy = info.get("legacy_key") == Some(&Value::Bool(true));
    assert_eq!(
        Value::Bool(legacy),
        d["legacy"],
        "{pid} legacy flag: info {info}"
    );
    if s(&d["kind"]) == "email" {
        let last = dev.last_generated_at().map(Timestamp::as_millis);
        assert_eq!(last, ms(&d["last_generated_timestamp"]), "{pid} cooldown");
    }
    if s(&d["kind"]) == "static" {
        let distinct: BTreeSet<&str> = d["tokens"].as_array().unwrap().iter().map(s).collect();
        assert_eq!(
            info["codes_left"],
            Value::from(distinct.len()),
            "{pid}: info {info}"
        );
    }
}

/// Step 5, a device django-otp reports throttled at `at`: otpkit refuses it the same way,
/// before evaluating the token (nothing is written).
async fn check_throttled(engine: &Engine, clock: &ManualClock, e: &Value, d: &Value, at: i64) {
    let pid = s(&e["pid"]);
    let thr = &e["throttle"];
    assert_eq!(thr["reason"], "N_FAILED_ATTEMPTS", "{pid}: {thr}");
    clock.set(Timestamp::from_secs(at));
    let token = e["code_at_t"].as_str().unwrap_or("00000000");
    match attempt(engine, &user(d), pid, token).await {
        VerifyOutcome::NotAllowed(VerifyNotAllowed::NFailedAttempts {
            failure_count,
            locked_until,
        }) => {
            assert_eq!(Value::from(failure_count), thr["failure_count"], "{pid}");
            assert_eq!(
                Some(locked_until.as_millis()),
                ms(&thr["locked_until"]),
                "{pid}"
            );
        }
        other => panic!("{pid} at {at}: django-otp says {thr}, otpkit {other:?}"),
    }
}

/// Step 5, a TOTP or HOTP device django-otp allows at `T`: django-otp's own code is
/// accepted once, its last accepted code is refused.
async fn check_oath(engine: &Engine, clock: &ManualClock, h: &Harness, e: &Value, d: &Value) {
    let (pid, user) = (s(&e["pid"]), user(d));
    let code = s(&e["code_at_t"]);
    clock.set(Timestamp::from_secs(T));
    if d["confirmed"] == Value::Bool(false) {
        // Not for login: only the enrolment-confirm path takes it.
        let out = attempt(engine, &user, pid, code).await;
        assert!(
            matches!(out, VerifyOutcome::NotFound),
            "{pid} unconfirmed: {out:?}"
        );
        return;
    }
    assert!(
        h.accepts(pid, code, T),
        "{pid}: django-otp refuses its own code_at_t"
    );
    if let Some(last) = e["last_accepted"].as_str() {
        // Before anything else: the imported last_t / counter alone refuses it.
        let out = attempt(engine, &user, pid, last).await;
        assert!(
            matches!(out, VerifyOutcome::Rejected(_)),
            "{pid} last_accepted: {out:?}"
        );
        // Past the one-second back-off of that failure, within the window of code_at_t.
        clock.set(Timestamp::from_secs(T + 1));
    }
    let out = attempt(engine, &user, pid, code).await;
    assert!(
        matches!(out, VerifyOutcome::Accepted(_)),
        "{pid} code_at_t: {out:?}"
    );
    let again = attempt(engine, &user, pid, code).await;
    assert!(
        matches!(again, VerifyOutcome::Rejected(_)),
        "{pid} code_at_t again: {again:?}"
    );
    if s(&d["kind"]) == "hotp" {
        let info = engine.info(&device(engine, pid).await).unwrap();
        let next = d["counter"].as_i64().unwrap() + 1;
        assert_eq!(
            info["counter"],
            Value::from(next),
            "{pid} counter after code_at_t"
        );
    }
}

/// Step 5, a static device: each distinct token, exactly as django-otp stores it, is
/// accepted once; the tokens django-otp already consumed are refused.
async fn check_static(engine: &Engine, clock: &ManualClock, manifest: &Value, d: &Value) {
    let (pid, user) = (s(&d["pid"]), user(d));
    let mut seen = BTreeSet::new();
    let tokens = d["tokens"].as_array().unwrap().iter().map(s);
    let mut at = T;
    for token in tokens.filter(|t| seen.insert(*t)) {
        // Each replay fails once (a one-second back-off): two seconds apart.
        clock.set(Timestamp::from_secs(at));
        at += 2;
        let out = attempt(engine, &user, pid, token).await;
        assert!(
            matches!(out, VerifyOutcome::Accepted(_)),
            "{pid} {token:?}: {out:?}"
        );
        let again = attempt(engine, &user, pid, token).await;
        assert!(
            matches!(again, VerifyOutcome::Rejected(_)),
            "{pid} {token:?} again: {again:?}"
        );
    }
    let consumed = manifest["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|ev| ev["pid"] == pid && ev["accepted"] == Value::Bool(true));
    for ev in consumed {
        clock.set(Timestamp::from_secs(at));
        at += 2;
        let out = attempt(engine, &user, pid, s(&ev["token"])).await;
        assert!(
            matches!(out, VerifyOutcome::Rejected(_)),
            "{pid} consumed: {out:?}"
        );
    }
    let info = engine.info(&device(engine, pid).await).unwrap();
    assert_eq!(info["codes_left"], 0, "{pid}: {info}");
}

/// Step 5: `harness.py codes` at `at`, device by device. Only the throttled ones are tried
/// at an instant other than `T`.
async fn check_codes(engine: &Engine, clock: &ManualClock, h: &Harness, m: &Value, at: i64) {
    let codes = h.codes(at);
    let mut throttled = 0;
    for e in codes["devices"].as_array().unwrap() {
        let d = entry(m, s(&e["pid"]));
        if d["invalid_key"] == Value::Bool(true) {
            assert_eq!(e["error"], "invalid key", "{e}");
            continue;
        }
        if e["throttle"]["allowed"] == Value::Bool(false) {
            throttled += 1;
            check_throttled(engine, clock, e, d, at).await;
            continue;
        }
        if at != T {
            continue;
        }
        match s(&d["kind"]) {
            "totp" | "hotp" => check_oath(engine, clock, h, e, d).await,
            "static" => check_static(engine, clock, m, d).await,
            _ => {}
        }
    }
    let want = if at == T { 0 } else { 2 };
    assert_eq!(
        throttled, want,
        "devices django-otp reports throttled at {at}"
    );
}

// --- the scenario ----------------------------------------------------------------------

/// Steps 1 to 5: make, dry run, import, verify. Returns the manifest and the first report.
async fn first_import(engine: &Engine, clock: &ManualClock, h: &Harness) -> (Value, Report) {
    let manifest = h.make();
    let dry = run_import(engine, &h.db, true).await;
    check_first_report(&dry, &manifest);
    let untouched = engine.list_devices(&DeviceQuery::default()).await.unwrap();
    assert!(
        untouched.is_empty(),
        "a dry run wrote {} devices",
        untouched.len()
    );
    let report = run_import(engine, &h.db, false).await;
    check_first_report(&report, &manifest);
    for d in devices(&manifest) {
        check_imported(engine, d).await;
    }
    check_codes(engine, clock, h, &manifest, T_LOCKED).await;
    check_codes(engine, clock, h, &manifest, T).await;
    clock.set(Timestamp::from_secs(T));
    (manifest, report)
}

/// Step 6: a second import writes nothing and reports nothing changed (what changed since
/// changed in otpkit, not in Django).
async fn reimport_unchanged(engine: &Engine, url: &str, first: &Report) {
    let before = snapshot(engine).await;
    let again = run_import(engine, url, false).await;
    for (label, c) in &first.kinds {
        let want = KindCounts {
            imported: 0,
            already_imported: c.imported,
            ..*c
        };
        assert_eq!(
            again.kinds.get(label),
            Some(&want),
            "second import, {label}: {again:?}"
        );
    }
    assert_eq!(again.kinds.len(), first.kinds.len(), "{again:?}");
    assert!(
        again.removed_in_django.is_empty(),
        "{:?}",
        again.removed_in_django
    );
    assert!(again.failed_users.is_empty(), "{:?}", again.failed_users);
    assert_eq!(again.skipped, first.skipped);
    let after = snapshot(engine).await;
    let versions =
        |v: &[DeviceRecord]| -> Vec<(i64, i64)> { v.iter().map(|r| (r.id, r.version)).collect() };
    assert_eq!(
        versions(&after),
        versions(&before),
        "the second import wrote"
    );
    assert!(after == before, "the second import changed a record");
    // Last: what otpkit did since the first import (codes accepted, failures) is no change
    // in Django.
    assert!(
        again.changed.is_empty(),
        "second import, changed: {:?}",
        again.changed
    );
}

/// Step 7: after `harness.py mutate`, the import reports its changed devices and imports
/// its new one.
async fn reimport_mutated(engine: &Engine, h: &Harness, first: &Report) -> BTreeSet<String> {
    let mutation = h.mutate();
    let (changed, added) = (pids(&mutation["changed"]), pids(&mutation["added"]));
    let r = run_import(engine, &h.db, false).await;
    let got: BTreeSet<String> = r.changed.iter().map(|c| c.persistent_id.clone()).collect();
    assert_eq!(got, changed, "changed: {:?}", r.changed);
    for c in &r.changed {
        let field = if label(&c.persistent_id) == "otp_totp.totpdevice" {
            "last_t"
        } else {
            "name"
        };
        assert!(c.fields.iter().any(|f| f == field), "{c:?} lacks {field}");
    }
    let imported: usize = r.kinds.values().map(|c| c.imported).sum();
    assert_eq!(imported, added.len(), "{r:?}");
    for (label, c) in &r.kinds {
        let before = first.kinds.get(label).copied().unwrap_or_default();
        let new = added.iter().filter(|p| self::label(p) == label).count();
        assert_eq!(c.imported, new, "{label}: {r:?}");
        assert_eq!(c.read, before.read + new, "{label}: {r:?}");
        assert_eq!(c.already_imported, before.imported, "{label}: {r:?}");
    }
    assert_eq!(r.skipped, first.skipped);
    assert!(
        r.removed_in_django.is_empty() && r.failed_users.is_empty(),
        "{r:?}"
    );
    for pid in &added {
        let dev = device(engine, pid).await;
        assert_eq!(
            (dev.user().as_str(), dev.name()),
            ("bob", "New phone"),
            "{pid}"
        );
    }
    added
}

/// Step 8: devices created in otpkit after the import get persistent ids of their own, and
/// every imported persistent id still names its imported device.
async fn check_new_devices(engine: &Engine, manifest: &Value, added: &BTreeSet<String>) {
    let mut imported = pids_where(manifest, |d| d["invalid_key"] == Value::Bool(false));
    imported.extend(added.iter().cloned());
    let erin = UserId::new("erin").unwrap();
    let totp = engine
        .create_totp(&erin, TotpOptions::default())
        .await
        .unwrap();
    let hotp = engine
        .create_hotp(&erin, HotpOptions::default())
        .await
        .unwrap();
    for new in [totp, hotp] {
        let pid = new.persistent_id();
        assert!(
            !imported.contains(&pid),
            "a new device took the imported id {pid}"
        );
        assert_eq!(device(engine, &pid).await.user(), &erin, "{pid}");
    }
    for pid in &imported {
        let dev = device(engine, pid).await;
        let want = match added.contains(pid) {
            true => "bob",
            false => s(&entry(manifest, pid)["user"]),
        };
        assert_eq!(dev.user().as_str(), want, "{pid} after new devices");
    }
}

/// The whole scenario on the Django database at `url`.
async fn scenario(python: String, url: String) {
    let dir = tempfile::tempdir().unwrap();
    let (engine, clock) = engine(dir.path()).await;
    let h = Harness { python, db: url };
    let (manifest, first) = first_import(&engine, &clock, &h).await;
    reimport_unchanged(&engine, &h.db, &first).await;
    let added = reimport_mutated(&engine, &h, &first).await;
    check_new_devices(&engine, &manifest, &added).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn django_on_sqlite() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("django.sqlite3").display());
    scenario(python, url).await;
}

// --- PostgreSQL ------------------------------------------------------------------------

/// The server URL in `OTPKIT_TEST_POSTGRES_URL`, or `None` (skip) unless `OTPKIT_REQUIRE_DB=1`.
fn postgres_url() -> Option<String> {
    match std::env::var("OTPKIT_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("OTPKIT_REQUIRE_DB").as_deref() != Ok("1"),
                "OTPKIT_TEST_POSTGRES_URL is not set and OTPKIT_REQUIRE_DB=1"
            );
            eprintln!("skipped: OTPKIT_TEST_POSTGRES_URL is not set");
            None
        }
    }
}

/// Runs `sql` on `url`, one statement at a time (`CREATE DATABASE` refuses a transaction).
async fn run_pg(url: &str, sql: &str) {
    use sqlx_core::connection::Connection;
    use sqlx_core::raw_sql::raw_sql;
    use sqlx_core::sql_str::AssertSqlSafe;
    let mut c = sqlx_postgres::PgConnection::connect(url).await.unwrap();
    for stmt in sql.split(';').filter(|s| !s.trim().is_empty()) {
        raw_sql(AssertSqlSafe(stmt.to_owned()))
            .execute(&mut c)
            .await
            .unwrap();
    }
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn django_on_postgres() {
    let Some(base) = postgres_url() else { return };
    let Some(python) = python() else { return };
    // A random name (no clock: clippy.toml forbids reading it), dropped at the end.
    let random = {
        use std::hash::{BuildHasher, Hasher};
        std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
    };
    let name = format!("otpkit_dj_{random:016x}");
    run_pg(&base, &format!("CREATE DATABASE {name}")).await;
    let mut url = url::Url::parse(&base).unwrap();
    url.set_path(&format!("/{name}"));
    // The scenario runs as its own task so that the database is dropped even when it fails.
    let outcome = tokio::spawn(scenario(python, url.to_string())).await;
    run_pg(&base, &format!("DROP DATABASE {name} WITH (FORCE)")).await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
