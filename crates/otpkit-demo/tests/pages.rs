//! The demo's own pages and commands over HTTP and the command line, against the real binary:
//! security headers and CSP-clean HTML, sign-up rules and CSRF, the development outbox, the
//! guard on the protected page, `createuser` and the embedded `otp` CLI.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{Demo, Http, Page};

fn assert_secure_html(p: &Page) {
    assert_eq!(
        p.header("content-security-policy"),
        Some("default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
        "{}",
        p.path
    );
    assert_eq!(p.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(p.header("x-frame-options"), Some("DENY"));
    assert!(p.header("content-type").unwrap().starts_with("text/html"));
    for bad in ["style=", "<style", "javascript:"] {
        assert!(!p.body.contains(bad), "{bad} on {}", p.path);
    }
    // Scripts only from a file: `<script src=…></script>`, nothing between the tags.
    for (i, _) in p.body.match_indices("<script") {
        let end = p.body[i..].find('>').map_or(p.body.len(), |e| i + e + 1);
        assert!(
            p.body[i..end].contains(" src="),
            "inline <script on {}",
            p.path
        );
        assert!(
            p.body[end..].starts_with("</script>"),
            "inline script on {}",
            p.path
        );
    }
}

fn signup(http: &Http, fields: &[(&str, &str)]) -> Page {
    let form = http.get("/signup/");
    http.submit(&form, "/signup/", fields)
}

#[test]
fn pages_headers_guard_and_sign_up_rules() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path(), &[]);
    let http = Http::new(&demo.url);

    for path in ["/", "/signup/", "/outbox/", "/otp/login/"] {
        let p = http.get(path);
        assert_eq!(p.status, 200, "{path}");
        assert_secure_html(&p);
    }
    let home = http.get("/");
    assert!(home.body.contains(r#"data-level="anonymous""#));
    assert!(home.body.contains("Development mode"));
    let missing = http.get("/no/such/page");
    assert_eq!(missing.status, 404);
    assert_secure_html(&missing);
    let css = http.get("/static/demo.css");
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));

    // The protected page sends an anonymous visitor to the login page.
    let p = http.get("/protected/");
    assert_eq!(p.status, 302);
    assert_eq!(p.location.as_deref(), Some("/otp/login/?next=/protected/"));

    // Sign-up refuses a missing CSRF token, creates nothing, and shows the form again with a
    // fresh token and the reason (a stale form), never a bare refusal.
    let forged = http.post(
        "/signup/",
        &[
            ("username", "mallory"),
            ("password", "mallory-password"),
            ("password2", "mallory-password"),
        ],
    );
    assert_eq!(forged.status, 403);
    assert!(forged.body.contains("This page expired. Please try again."));
    assert!(
        forged.body.contains(r#"id="id_username""#),
        "{}",
        forged.body
    );
    assert!(!forged.csrf().is_empty());
    let out = demo.command(&["otp", "device", "list", "--user", "mallory"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains(r#"User "mallory" does not exist."#));

    // The rules, each with its message; the username is kept, the password never echoed.
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[
                ("username", "erin"),
                ("password", "erin-password"),
                ("password2", "other-password"),
            ],
            "The two passwords differ.",
        ),
        (
            &[
                ("username", "erin"),
                ("password", "short"),
                ("password2", "short"),
            ],
            "The password must be at least 8 characters long.",
        ),
        (
            &[
                ("username", "er in"),
                ("password", "erin-password"),
                ("password2", "erin-password"),
            ],
            "The username may contain only letters, digits and @ . + - _",
        ),
        (
            &[
                ("username", "erin"),
                ("email", "not-an-address"),
                ("password", "erin-password"),
                ("password2", "erin-password"),
            ],
            "Enter a valid email address",
        ),
    ];
    for (fields, message) in cases {
        let p = signup(&http, fields);
        assert_eq!(p.status, 400, "{message}");
        assert!(p.body.contains(message), "{message}\n{}", p.body);
        assert!(!p.body.contains("erin-password"));
        assert_secure_html(&p);
    }

    // A good sign-up logs in with a fresh session id.
    let cookie_before = http.cookie("otpkit_demo_session");
    let home = signup(
        &http,
        &[
            ("username", "erin"),
            ("email", "erin@example.com"),
            ("password", "erin-password"),
            ("password2", "erin-password"),
        ],
    );
    assert_eq!(home.path, "/");
    assert!(home.body.contains(r#"data-level="authenticated""#));
    assert!(cookie_before.is_some());
    assert_ne!(http.cookie("otpkit_demo_session"), cookie_before);
    assert_eq!(http.level(), "authenticated");
    // Signing up again while logged in is refused; so is a taken username.
    let p = signup(
        &http,
        &[
            ("username", "frank"),
            ("password", "frank-password"),
            ("password2", "frank-password"),
        ],
    );
    assert_eq!(p.status, 400);
    assert!(p.body.contains("Sign out to create another account."));
    let other = Http::new(&demo.url);
    let p = signup(
        &other,
        &[
            ("username", "erin"),
            ("password", "other-password"),
            ("password2", "other-password"),
        ],
    );
    assert_eq!(p.status, 400);
    assert!(p.body.contains("A user with that username already exists."));

    // A wrong password is otpkit's invalid_login, like an unknown user.
    let login = other.get("/otp/login/");
    let wrong = other.submit(
        &login,
        "/otp/login/",
        &[("username", "erin"), ("password", "not-her-password")],
    );
    let unknown = other.submit(
        &wrong,
        "/otp/login/",
        &[("username", "nobody"), ("password", "not-her-password")],
    );
    let msg = "The username or password is not correct.";
    assert!(wrong.body.contains(msg) && unknown.body.contains(msg));
    assert_eq!(other.level(), "anonymous");

    // The user directory: the email address is the email device's default.
    let email_page = http.get("/otp/devices/email/new/");
    assert!(
        email_page.body.contains(r#"value="erin@example.com""#),
        "{}",
        email_page.body
    );
    demo.stop();
}

#[test]
fn outbox_exists_only_in_development_mode() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path(), &[("OTPKIT_SMTP_URL", "smtp://127.0.0.1:2525")]);
    assert!(!demo.stderr().contains("DEVELOPMENT MODE"));
    let http = Http::new(&demo.url);
    let home = http.get("/");
    assert!(!home.body.contains("Development mode"));
    assert!(!home.body.contains("/outbox/"));
    let p = http.get("/outbox/");
    assert_eq!(p.status, 404);
    assert_secure_html(&p);
    demo.stop();
}

#[test]
fn createuser_and_the_embedded_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", dir.path().join("demo.sqlite3").display());
    let run = |args: &[&str], stdin: Option<&str>| common::run_demo(&db_url, &[], args, stdin);

    // A generated password, printed once, that logs in.
    let out = run(&["createuser", "gina"], None);
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("created user gina\n"), "{stdout}");
    let password = stdout
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .unwrap()
        .to_owned();
    assert_eq!(password.len(), 20);

    // Staff from stdin; refusals exit 1.
    let out = run(
        &["createuser", "hank", "--staff", "--password-stdin"],
        Some("hank-password\n"),
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "created staff user hank\n"
    );
    for (args, stdin) in [
        (
            &["createuser", "hank", "--password-stdin"][..],
            Some("another-password\n"),
        ),
        (&["createuser", "bad name"][..], None),
        (
            &["createuser", "ivan", "--password-stdin"][..],
            Some("short\n"),
        ),
        (&["createuser", "ivan", "--email", "nope"][..], None),
    ] {
        let out = run(args, stdin);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
    }

    // The embedded CLI resolves usernames through the demo's users.
    let out = run(&["otp", "addstatictoken", "hank"], None);
    assert!(out.status.success(), "{out:?}");
    let code = String::from_utf8(out.stdout).unwrap();
    assert_eq!(code.trim().len(), 11, "{code}");
    let out = run(&["otp", "addstatictoken", "nobody"], None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        r#"User "nobody" does not exist."#
    );
    let out = run(&["otp", "--help"], None);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("addstatictoken"));
    let out = run(&["otp", "keys", "generate", "--id", "k2"], None);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("k2:"));

    // The generated password and the staff bootstrap work on the running site.
    let demo = Demo::start(dir.path(), &[]);
    let http = Http::new(&demo.url);
    let login = http.get("/otp/login/");
    let home = http.submit(
        &login,
        "/otp/login/",
        &[("username", "gina"), ("password", &password)],
    );
    assert_eq!(home.path, "/");
    assert_eq!(http.level(), "authenticated");
    let admin = Http::new(&demo.url);
    let login = admin.get_follow("/otp/admin/");
    let list = admin.submit(
        &login,
        "/otp/admin/login/",
        &[
            ("username", "hank"),
            ("password", "hank-password"),
            ("otp_token", code.trim()),
            ("next", "/otp/admin/"),
        ],
    );
    assert_eq!(list.path, "/otp/admin/", "{}", list.body);
    assert!(list.body.contains("Sign-in methods of all users"));
    // gina is not staff: the admin login says so.
    let refused = http.get_follow("/otp/admin/");
    assert!(
        refused
            .body
            .contains("but this account may not use the administration"),
        "{}",
        refused.body
    );
    demo.stop();
}

/// Issue 12 item 4: the sign-up answers a body it cannot read (another content type, a
/// body too large, repeated fields) with its own message, never with the framework's
/// rejection text ("Form requests must have…", "duplicate field").
#[test]
fn the_sign_up_answers_its_own_messages() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(dir.path(), &[]);
    let http = Http::new(&demo.url);
    let form = http.get("/signup/");
    let csrf = form.csrf();
    let own = "The sign-up form could not be read.";
    for (ct, body) in [
        ("text/plain", format!("csrf_token={csrf}&username=zed")),
        ("application/json", format!(r#"{{"csrf_token":"{csrf}"}}"#)),
        ("application/x-www-form-urlencoded", "x".repeat(20_000)),
    ] {
        let p = http.post_bytes("/signup/", ct, body.as_bytes());
        assert_eq!(p.status, 400, "{ct}: {}", p.body);
        assert!(p.body.contains(own), "{ct}: {}", p.body);
        assert!(!p.body.contains("Form requests must have"), "{ct}");
        assert_secure_html(&p);
    }
    // A repeated field counts once: the second username is ignored, not a raw error.
    let body = format!(
        "csrf_token={csrf}&username=zed&username=zoe&password=zed-password&password2=zed-password"
    );
    let p = http.post_bytes(
        "/signup/",
        "application/x-www-form-urlencoded",
        body.as_bytes(),
    );
    assert!(!p.body.contains("duplicate field"), "{}", p.body);
    let home = http.follow(p);
    assert_eq!(home.path, "/");
    assert!(home.body.contains(r#"data-level="authenticated""#));
    // The database files are the owner's only.
    #[cfg(unix)]
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        use std::os::unix::fs::PermissionsExt;
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        if name.contains("sqlite3") {
            let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{name}");
        }
    }
}
