//! The harness of the demo's process-level tests: the real `otpkit-demo` binary started as a
//! child process on a free loopback port and a temporary SQLite file, a cookie-keeping HTTP
//! client, HTML scraping and TOTP codes computed with otpkit's own OATH functions.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use otpkit::Clock;
use otpkit::oath::{Algorithm, Digits, OathKey, totp_at};

/// The demo binary cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_otpkit-demo");

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// `target/e2e/` of the workspace, where the tests leave their screenshots.
pub fn artifacts_dir() -> PathBuf {
    let dir = workspace_root().join("target").join("e2e");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Whether `var` is set to `1` or `true`.
pub fn env_flag(var: &str) -> bool {
    matches!(std::env::var(var).as_deref(), Ok("1" | "true"))
}

/// Reports a skipped test on the real standard error, which libtest does not capture, so
/// that `SKIPPED …` shows in a plain `cargo test` run.
pub fn skipped(message: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "SKIPPED {message}");
}

/// The first of `names` found on `PATH` (or an absolute path that exists).
pub fn which(names: &[&str]) -> Option<PathBuf> {
    for name in names {
        let p = Path::new(name);
        if p.is_absolute() {
            if p.is_file() {
                return Some(p.to_owned());
            }
            continue;
        }
        if let Some(paths) = std::env::var_os("PATH") {
            for dir in std::env::split_paths(&paths) {
                let candidate = dir.join(name);
                if candidate.is_file() {
                    return Some(candidate);
                }
            }
        }
    }
    None
}

/// A command with the parent's otpkit settings removed, so that a developer's environment
/// (OTPKIT_DATABASE_URL, OTPKIT_SMTP_URL, …) cannot leak into a test.
pub fn clean_command(program: &str) -> Command {
    let mut cmd = Command::new(program);
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if (k.starts_with("OTPKIT_") || k.starts_with("OTP_")) && !k.starts_with("OTPKIT_TEST_") {
            cmd.env_remove(k);
        }
    }
    cmd
}

/// A running demo server (the real binary) on a temporary SQLite database.
pub struct Demo {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub url: String,
    /// `OTPKIT_DATABASE_URL` of this server.
    pub db_url: String,
    /// Extra environment given to the server and its CLI.
    pub env: Vec<(String, String)>,
    /// The server's standard error (it carries the console mailer's output).
    pub stderr_path: PathBuf,
}

impl Demo {
    /// Starts the demo on `dir/demo.sqlite3` (created on first run) and a free port.
    pub fn start(dir: &Path, env: &[(&str, &str)]) -> Demo {
        let db_url = format!("sqlite://{}", dir.join("demo.sqlite3").display());
        Self::start_on(dir, &db_url, env)
    }

    /// Starts the demo on database `db_url` and a free port.
    pub fn start_on(dir: &Path, db_url: &str, env: &[(&str, &str)]) -> Demo {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let n = std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0);
        let stderr_path = dir.join(format!("server-{n}.stderr"));
        let stderr = std::fs::File::create(&stderr_path).unwrap();
        let mut child = clean_command(BIN)
            .args(["--addr", "127.0.0.1:0"])
            .env("OTPKIT_DATABASE_URL", db_url)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .spawn()
            .expect("start the demo binary");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.strip_prefix("otpkit demo listening on ") {
                    let _ = tx.send(url.trim_end_matches('/').to_owned());
                }
            }
        });
        let url = match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(u) => u,
            Err(_) => {
                let _ = child.kill();
                let err = std::fs::read_to_string(&stderr_path).unwrap_or_default();
                panic!("the demo did not print its URL; stderr:\n{err}");
            }
        };
        Demo {
            child: Some(child),
            url,
            db_url: db_url.to_owned(),
            env,
            stderr_path,
        }
    }

    /// An absolute URL on this server.
    pub fn at(&self, path: &str) -> String {
        format!("{}{}", self.url, path)
    }

    /// Stops the server with SIGTERM (a graceful shutdown) and waits for it.
    pub fn stop(mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        for _ in 0..100 {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the demo did not stop within 10 s of SIGTERM");
    }

    /// Kills the server with SIGKILL (`Child::kill` on Unix): no graceful shutdown, no
    /// flush, no destructor runs; then reaps it and checks that SIGKILL is what ended it.
    pub fn kill(mut self) {
        use std::os::unix::process::ExitStatusExt as _;
        let Some(mut child) = self.child.take() else {
            return;
        };
        child.kill().expect("SIGKILL the demo");
        let status = child.wait().expect("reap the demo");
        assert_eq!(
            status.signal(),
            Some(9),
            "the demo ended by {status}, not SIGKILL"
        );
    }

    /// The server's standard error so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// Runs `otpkit-demo ARGS` against this server's database.
    pub fn command(&self, args: &[&str], stdin: Option<&str>) -> Output {
        run_demo(&self.db_url, &self.env, args, stdin)
    }

    /// Runs `otpkit-demo otp ARGS` and returns stdout; panics unless it exits 0.
    pub fn otp(&self, args: &[&str]) -> String {
        let mut all = vec!["otp"];
        all.extend_from_slice(args);
        let out = self.command(&all, None);
        assert!(
            out.status.success(),
            "otp {args:?}: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Runs the demo binary with `args` on database `db_url`.
pub fn run_demo(
    db_url: &str,
    env: &[(String, String)],
    args: &[&str],
    stdin: Option<&str>,
) -> Output {
    use std::io::Write as _;
    let mut child = clean_command(BIN)
        .args(args)
        .env("OTPKIT_DATABASE_URL", db_url)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

/// One HTTP answer.
#[derive(Debug, Clone)]
pub struct Page {
    /// The status code.
    pub status: u16,
    /// The `Location` header of a redirect.
    pub location: Option<String>,
    /// The body.
    pub body: String,
    /// The path that was requested last (after redirects).
    pub path: String,
    /// The response headers (names in lower case).
    pub headers: Vec<(String, String)>,
}

impl Page {
    /// The first value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The page's CSRF token (the first `csrf_token` hidden field).
    pub fn csrf(&self) -> String {
        attr_after(&self.body, r#"name="csrf_token" value=""#)
            .unwrap_or_else(|| panic!("no csrf_token on {}:\n{}", self.path, self.body))
    }

    /// The text of the first element with class `class` (tags stripped, entities decoded).
    pub fn class_text(&self, class: &str) -> Option<String> {
        let start = self.body.find(&format!(r#"class="{class}""#))?;
        let open_end = start + self.body[start..].find('>')? + 1;
        let close = open_end + self.body[open_end..].find("</")?;
        Some(html_unescape(&strip_tags(&self.body[open_end..close])))
    }
}

/// The text after `prefix` up to the next `"`, HTML-unescaped.
pub fn attr_after(html: &str, prefix: &str) -> Option<String> {
    let start = html.find(prefix)? + prefix.len();
    let end = start + html[start..].find('"')?;
    Some(html_unescape(&html[start..end]))
}

/// Removes tags.
pub fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Decodes the entities minijinja's HTML escaping produces.
pub fn html_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&#x2F;", "/")
        .replace("&amp;", "&")
}

/// A cookie-keeping HTTP client for one browser-less session. Redirects are returned, not
/// followed, unless asked.
pub struct Http {
    agent: ureq::Agent,
    base: String,
    cookies: Arc<Mutex<BTreeMap<String, String>>>,
}

impl Http {
    /// A client for the server at `base` (`http://127.0.0.1:PORT`).
    pub fn new(base: &str) -> Http {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Http {
            agent,
            base: base.to_owned(),
            cookies: Arc::new(Mutex::new(BTreeMap::new())),
        }
    }

    /// A client for the server at `base` sharing this one's cookies, as one browser talks to
    /// two servers on the same host (cookies are not bound to a port).
    pub fn same_jar(&self, base: &str) -> Http {
        Http {
            agent: self.agent.clone(),
            base: base.to_owned(),
            cookies: Arc::clone(&self.cookies),
        }
    }

    /// The current value of cookie `name`.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    /// Sets cookie `name` to `value` (a browser carrying a cookie to a restarted server on
    /// another port).
    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies
            .lock()
            .unwrap()
            .insert(name.to_owned(), value.to_owned());
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn finish(&self, path: &str, resp: ureq::http::Response<ureq::Body>) -> Page {
        let (mut page, mut resp) = self.head(path, resp);
        page.body = resp.body_mut().read_to_string().unwrap_or_default();
        page
    }

    /// Keeps the cookies of `resp` and returns its status and headers (the body still
    /// unread).
    fn head(
        &self,
        path: &str,
        resp: ureq::http::Response<ureq::Body>,
    ) -> (Page, ureq::http::Response<ureq::Body>) {
        for v in resp.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap();
            let pair = v.split(';').next().unwrap();
            if let Some((k, val)) = pair.split_once('=') {
                let expired = v.to_ascii_lowercase().contains("max-age=0");
                let mut jar = self.cookies.lock().unwrap();
                if expired || val.is_empty() {
                    jar.remove(k.trim());
                } else {
                    jar.insert(k.trim().to_owned(), val.to_owned());
                }
            }
        }
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        let page = Page {
            status,
            location,
            body: String::new(),
            path: path.to_owned(),
            headers,
        };
        (page, resp)
    }

    /// Like `finish`, but a body that cannot be read to its end is an error: a `Page` is
    /// returned only for an answer received completely.
    fn try_finish(
        &self,
        path: &str,
        resp: ureq::http::Response<ureq::Body>,
    ) -> Result<Page, ureq::Error> {
        let (mut page, mut resp) = self.head(path, resp);
        page.body = resp.body_mut().read_to_string()?;
        Ok(page)
    }

    /// `GET path` accepting JSON only. A transport error (refused connection, connection
    /// reset, truncated answer) is returned, not a panic.
    pub fn try_get_json(&self, path: &str) -> Result<Page, ureq::Error> {
        let resp = self
            .agent
            .get(format!("{}{}", self.base, path))
            .header("Cookie", self.cookie_header())
            .header("Accept", "application/json")
            .call()?;
        self.try_finish(path, resp)
    }

    /// `POST path` with a JSON body and the CSRF token in `X-CSRF-Token`, as a JSON client
    /// sends it. A transport error is returned, not a panic; `Ok` means the whole answer
    /// was received.
    pub fn try_post_json(
        &self,
        path: &str,
        body: &serde_json::Value,
        csrf: &str,
    ) -> Result<Page, ureq::Error> {
        let resp = self
            .agent
            .post(format!("{}{}", self.base, path))
            .header("Cookie", self.cookie_header())
            .header("Accept", "application/json")
            .header("Content-Type", "application/json")
            .header("X-CSRF-Token", csrf)
            .send(body.to_string())?;
        self.try_finish(path, resp)
    }

    /// `GET path` (one request).
    pub fn get(&self, path: &str) -> Page {
        let resp = self
            .agent
            .get(format!("{}{}", self.base, path))
            .header("Cookie", self.cookie_header())
            .header("Accept", "text/html")
            .call()
            .unwrap();
        self.finish(path, resp)
    }

    /// `POST path` with form `fields` (one request).
    pub fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let resp = self
            .agent
            .post(format!("{}{}", self.base, path))
            .header("Cookie", self.cookie_header())
            .header("Accept", "text/html")
            .send_form(fields.iter().copied())
            .unwrap();
        self.finish(path, resp)
    }

    /// `POST path` with a body of the given content type, exactly as given (one request).
    pub fn post_bytes(&self, path: &str, content_type: &str, body: &[u8]) -> Page {
        let resp = self
            .agent
            .post(format!("{}{}", self.base, path))
            .header("Cookie", self.cookie_header())
            .header("Accept", "text/html")
            .header("Content-Type", content_type)
            .send(body)
            .unwrap();
        self.finish(path, resp)
    }

    /// Follows redirects (as GETs) from `page`.
    pub fn follow(&self, mut page: Page) -> Page {
        for _ in 0..10 {
            match (page.status, &page.location) {
                (301..=303 | 307 | 308, Some(loc)) => {
                    let loc = loc.strip_prefix(&self.base).unwrap_or(loc).to_owned();
                    page = self.get(&loc);
                }
                _ => return page,
            }
        }
        panic!("too many redirects");
    }

    /// `GET path`, following redirects.
    pub fn get_follow(&self, path: &str) -> Page {
        let p = self.get(path);
        self.follow(p)
    }

    /// `POST path` with the CSRF token of `form_page` added, following redirects.
    pub fn submit(&self, form_page: &Page, path: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = form_page.csrf();
        let mut all = vec![("csrf_token", csrf.as_str())];
        all.extend_from_slice(fields);
        let p = self.post(path, &all);
        self.follow(p)
    }

    /// The session state from `/otp/session` (`anonymous`, `pending`, `authenticated`,
    /// `verified`).
    pub fn level(&self) -> String {
        let resp = self
            .agent
            .get(format!("{}/otp/session", self.base))
            .header("Cookie", self.cookie_header())
            .header("Accept", "application/json")
            .call()
            .unwrap();
        let page = self.finish("/otp/session", resp);
        let v: serde_json::Value = serde_json::from_str(&page.body).unwrap();
        v["state"].as_str().unwrap().to_owned()
    }

    /// Signs up `username` (no email unless given) and returns the home page.
    pub fn sign_up(&self, username: &str, password: &str, email: Option<&str>) -> Page {
        let form = self.get("/signup/");
        let home = self.submit(
            &form,
            "/signup/",
            &[
                ("username", username),
                ("email", email.unwrap_or("")),
                ("password", password),
                ("password2", password),
            ],
        );
        assert_eq!(home.status, 200, "{}", home.body);
        assert_eq!(self.level(), "authenticated");
        home
    }

    /// Starts a TOTP enrolment; returns the page with the QR code, URI and secret.
    pub fn start_totp(&self) -> Page {
        let form = self.get_follow("/otp/devices/totp/new/");
        let page = self.submit(
            &form,
            "/otp/devices/totp/new/",
            &[("start", "1"), ("name", "Phone")],
        );
        assert!(page.body.contains("<svg"), "{}", page.body);
        page
    }

    /// Enrols a TOTP device ("Phone") with its first code: the session is then verified and
    /// the guided setup shows the first backup codes. Returns the code generator (its first
    /// code used) and that page.
    pub fn enrol_totp(&self) -> (TotpGen, Page) {
        let page = self.start_totp();
        let (secret, _) = enrolment_secret_and_uri(&page.body);
        let mut codes = TotpGen::new(&secret);
        let done = self.submit(
            &page,
            "/otp/devices/totp/new/",
            &[("otp_token", &codes.next_code())],
        );
        assert_eq!(done.path, "/otp/devices/new/backup-codes/", "{}", done.body);
        assert_eq!(self.level(), "verified");
        (codes, done)
    }
}

/// The base32 secret and otpauth URI shown on a TOTP enrolment page.
pub fn enrolment_secret_and_uri(html: &str) -> (String, String) {
    let page = Page {
        status: 200,
        location: None,
        body: html.to_owned(),
        path: String::new(),
        headers: Vec::new(),
    };
    let secret = page
        .class_text("secret")
        .expect("secret on the page")
        .split_whitespace()
        .collect::<String>();
    let uri = page.class_text("uri").expect("URI on the page");
    (secret, uri)
}

/// The current TOTP step (30 s) by the system clock.
pub fn current_step() -> i64 {
    otpkit::SystemClock.now().as_secs().div_euclid(30)
}

/// The 6-digit SHA-1 TOTP code of `secret` (base32) at step `t`.
pub fn totp(secret: &str, t: i64) -> String {
    let key = otpkit::encoding::decode_base32_secret(secret).unwrap();
    let k = OathKey::new(Algorithm::Sha1, key.expose());
    totp_at(&k, t, Digits::SIX).unwrap().expose().to_owned()
}

/// TOTP codes for one device, never reusing a step: the server refuses a step at or below
/// the last accepted one (replay), and accepts T−1…T+1.
pub struct TotpGen {
    /// The base32 secret.
    pub secret: String,
    last: i64,
}

impl TotpGen {
    /// A generator for `secret`.
    pub fn new(secret: &str) -> TotpGen {
        TotpGen {
            secret: secret.to_owned(),
            last: -1,
        }
    }

    /// The next usable code: the current step, or the one after the last used, waiting for
    /// the clock when that would be more than one step ahead.
    pub fn next_code(&mut self) -> String {
        loop {
            let now = current_step();
            let t = now.max(self.last + 1);
            if t <= now + 1 {
                self.last = t;
                return totp(&self.secret, t);
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// The code [`next_code`](Self::next_code) would return now, without using its step
    /// (for attempts the server refuses before evaluating them).
    pub fn peek(&self) -> String {
        let now = current_step();
        totp(&self.secret, now.max(self.last + 1).min(now + 1))
    }

    /// A 6-digit code that matches none of the steps T−2…T+2.
    pub fn wrong_code(&self) -> String {
        let now = current_step();
        let used: Vec<String> = (now - 2..=now + 2).map(|t| totp(&self.secret, t)).collect();
        (0u32..)
            .map(|i| format!("{:06}", (123_456 + i * 7_919) % 1_000_000))
            .find(|c| !used.contains(c))
            .unwrap()
    }
}

/// The latest email code in the outbox page's HTML (`Your verification code is NNNNNN.`).
pub fn code_from_outbox(html: &str) -> Option<String> {
    let start = html.find(r#"<pre class="body">"#)?;
    let text = &html[start..];
    let idx = text.find("verification code is ")? + "verification code is ".len();
    let code: String = text[idx..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    (code.len() >= 6).then_some(code)
}

/// The URL of a database server from `var` (`OTPKIT_TEST_POSTGRES_URL`,
/// `OTPKIT_TEST_MYSQL_URL`). Unset or empty: the test is skipped with a SKIPPED line, or
/// fails when `OTPKIT_REQUIRE_DB=1` (as `.ci/run` sets it).
pub fn server_url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ => {
            assert!(
                !env_flag("OTPKIT_REQUIRE_DB"),
                "{var} is not set, but OTPKIT_REQUIRE_DB is"
            );
            skipped(&format!("{var} is not set"));
            None
        }
    }
}

/// `base` with its database replaced by `name`.
pub fn with_database(base: &str, name: &str) -> String {
    let (scheme, rest) = base.split_once("://").unwrap();
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let query = tail.find('?').map_or("", |i| &tail[i..]);
    format!("{scheme}://{authority}/{name}{query}")
}

/// Creates (`create`) or drops a database on the server of `base`. On PostgreSQL the drop
/// is forced: a demo killed with SIGKILL may leave a backend that has not noticed yet.
pub fn admin_database(base: &str, name: &str, create: bool) {
    use otpkit_sqlx::sqlx::{self, AssertSqlSafe, Connection};
    let mysql = base.starts_with("mysql") || base.starts_with("mariadb");
    let sql = match (create, mysql) {
        (true, _) => format!("CREATE DATABASE {name}"),
        (false, true) => format!("DROP DATABASE IF EXISTS {name}"),
        (false, false) => format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        if mysql {
            let mut c = sqlx::MySqlConnection::connect(base).await.unwrap();
            sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(&mut c)
                .await
                .unwrap();
        } else {
            let mut c = sqlx::PgConnection::connect(base).await.unwrap();
            sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(&mut c)
                .await
                .unwrap();
        }
    });
}

/// A fresh database on the server named by an environment variable, dropped when this
/// value is dropped (the test passed or not).
pub struct FreshDatabase {
    base: String,
    name: String,
    /// The URL of the fresh database.
    pub url: String,
}

impl FreshDatabase {
    /// Creates `otpkit_demo_{random}` on the server of [`server_url`]`(var)`; `None` when
    /// that skips.
    pub fn create(var: &str) -> Option<FreshDatabase> {
        let base = server_url(var)?;
        let name = format!("otpkit_demo_{:016x}", getrandom::u64().unwrap());
        admin_database(&base, &name, true);
        let url = with_database(&base, &name);
        Some(FreshDatabase { base, name, url })
    }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        admin_database(&self.base, &self.name, false);
    }
}

/// A new key ring (`OTPKIT_SECRET_KEYS`) from `otp keys generate`, which a server database
/// needs.
pub fn generate_key_ring(db_url: &str) -> String {
    let out = run_demo(
        db_url,
        &[],
        &["otp", "keys", "generate", "--id", "k1"],
        None,
    );
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}
