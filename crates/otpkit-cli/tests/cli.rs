//! The `otpkit` binary end to end on an embedded SQLite file, with real OTP and QR clients
//! (`oathtool`, `zbarimg`; `.ci/run` installs them and sets OTPKIT_REQUIRE_TOOLS=1).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::Path;
use std::process::Command;

use common::Env;

/// `device add totp --user USER --json`: the persistent id and the otpauth URI.
fn add_totp(e: &Env, user: &str) -> (String, String) {
    let out = e.ok(&["device", "add", "totp", "--user", user, "--json"]);
    assert_eq!(out.lines().count(), 1, "exactly one JSON object: {out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    (
        v["persistent_id"].as_str().unwrap().to_owned(),
        v["uri"].as_str().unwrap().to_owned(),
    )
}

fn tool(name: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found {
        assert!(
            std::env::var_os("OTPKIT_REQUIRE_TOOLS").is_none(),
            "{name} is required (OTPKIT_REQUIRE_TOOLS is set) but not installed"
        );
        eprintln!("SKIPPED: {name} is not installed (apt-get install oathtool zbar-tools)");
    }
    found
}

fn secret_of(uri: &str) -> String {
    let q = uri.split_once('?').unwrap().1;
    q.split('&')
        .find_map(|kv| kv.strip_prefix("secret="))
        .unwrap()
        .to_owned()
}

#[test]
fn migrate_is_idempotent_and_the_key_file_is_private() {
    let e = Env::new();
    e.ok(&["migrate"]);
    e.ok(&["device", "list"]);
    let mode = std::fs::metadata(e.keys()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(mode.permissions().mode() & 0o777, 0o600);
    }
    let _ = mode;
}

#[test]
fn oathtool_code_verifies_once() {
    let e = Env::new();
    let (pid, uri) = add_totp(&e, "alice");
    assert!(uri.starts_with("otpauth://totp/alice?secret="), "{uri}");
    if !tool("oathtool") {
        return;
    }
    let code = Command::new("oathtool")
        .args(["--totp", "-b", &secret_of(&uri)])
        .output()
        .unwrap();
    assert!(code.status.success());
    let code = String::from_utf8(code.stdout).unwrap().trim().to_owned();
    assert_eq!(code.len(), 6);
    assert_eq!(e.ok(&["verify", "alice", &pid, &code]).trim(), "accepted");
    let err = e.fails(&["verify", "alice", &pid, &code], 1);
    assert!(err.starts_with("rejected: "), "{err}");
}

#[test]
fn zbarimg_decodes_the_exact_uri() {
    let e = Env::new();
    let (pid, uri) = add_totp(&e, "bob@example.com");
    let png = e.db.with_extension("png");
    e.ok(&["device", "qr", &pid, "--png", png.to_str().unwrap()]);
    assert_eq!(e.ok(&["device", "uri", &pid]).trim(), uri);
    if !tool("zbarimg") {
        return;
    }
    let out = Command::new("zbarimg")
        .args(["--raw", "-q", png.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim_end(), uri);
}

#[test]
fn listing_and_showing_never_print_secrets() {
    let e = Env::new();
    let (pid, uri) = add_totp(&e, "carol");
    let secret = secret_of(&uri);
    let codes = e.ok(&["static", "generate", "carol"]);
    assert_eq!(codes.lines().count(), 10);
    let list = e.ok(&["device", "list", "--json"]);
    let rows: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2);
    assert_eq!(rows[0]["persistent_id"], pid);
    for key in [
        "persistent_id",
        "user",
        "model_label",
        "name",
        "confirmed",
        "created_at",
        "last_used_at",
        "failure_count",
        "locked",
    ] {
        assert!(rows[0].get(key).is_some(), "{key}");
    }
    let show = e.ok(&["device", "show", &pid, "--json"]);
    let table = e.ok(&["device", "list"]);
    for out in [&list, &show, &table] {
        assert!(!out.contains(&secret), "secret leaked: {out}");
        for c in codes.lines() {
            assert!(!out.contains(c));
        }
    }
    let v: serde_json::Value = serde_json::from_str(&show).unwrap();
    assert_eq!(v["kind_state"]["last_t"], -1);
    // The database file holds neither the key nor any code.
    let bytes = std::fs::read(&e.db).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains(&secret));
    for c in codes.lines() {
        assert!(!text.contains(c) && !text.contains(&c.replace('-', "")));
    }
}

#[test]
fn static_tokens_and_the_addstatictoken_alias() {
    let e = Env::new();
    assert_eq!(
        e.ok(&["addstatictoken", "-t", "abcd1234", "dave"]).trim(),
        "abcd1234"
    );
    let one = e.ok(&["static", "add-token", "dave"]);
    assert_eq!(one.trim().len(), 11);
    let err = e.fails(&["static", "add-token", "dave", "--token", "ABCD-1234"], 1);
    assert!(err.contains("already has this token"), "{err}");
    let pid = {
        let v: serde_json::Value =
            serde_json::from_str(&e.ok(&["device", "list", "--user", "dave", "--json"])).unwrap();
        assert_eq!(v[0]["name"], "Backup Code");
        v[0]["persistent_id"].as_str().unwrap().to_owned()
    };
    assert_eq!(
        e.ok(&["verify", "dave", &pid, "ABCD 1234"]).trim(),
        "accepted"
    );
    e.fails(&["verify", "dave", &pid, "abcd1234"], 1);
}

#[test]
fn bad_input_creates_nothing() {
    let e = Env::new();
    for args in [
        vec!["device", "add", "totp", "--user", "erin", "--digits", "9"],
        vec!["device", "add", "totp", "--user", "erin", "--step", "121"],
        vec![
            "device",
            "add",
            "totp",
            "--user",
            "erin",
            "--secret",
            "not base32!",
        ],
        vec![
            "device",
            "add",
            "totp",
            "--user",
            "erin",
            "--secret",
            "GEZDGNBVGY3TQOJ",
        ],
        vec![
            "device",
            "add",
            "hotp",
            "--user",
            "erin",
            "--key-hex",
            "abc",
        ],
        vec![
            "device",
            "add",
            "totp",
            "--user",
            "erin",
            "--uri",
            "otpauth://totp/x?secret=AA",
        ],
        vec![
            "device",
            "add",
            "totp",
            "--user",
            "erin",
            "--name",
            &"n".repeat(65),
        ],
        vec!["device", "add", "static", "--user", "erin", "--digits", "6"],
        vec!["device", "add", "totp", "--user", ""],
    ] {
        e.fails(&args, 1);
    }
    assert_eq!(e.ok(&["device", "list", "--json"]).trim(), "[]");
    e.fails(&["device", "show", "otp_totp.totpdevice/99"], 1);
    e.fails(&["device", "show", "garbage"], 1);
    e.fails(&["verify", "erin", "otp_totp.totpdevice/1", "123456"], 1);
    e.fails(&["no-such-command"], 2);
    e.fails(&["device", "add", "totp"], 2);
}

#[test]
fn imports_from_uri_hex_and_base32() {
    let e = Env::new();
    let uri = "otpauth://totp/Example:frank?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=8&period=60&issuer=Example";
    let out = e.ok(&[
        "device", "add", "totp", "--user", "frank", "--uri", uri, "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let got = v["uri"].as_str().unwrap();
    assert!(
        got.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=8&period=60"),
        "{got}"
    );
    let out = e.ok(&[
        "device",
        "add",
        "hotp",
        "--user",
        "frank",
        "--key-hex",
        "3132333435363738393031323334353637383930",
        "--counter",
        "3",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let pid = v["persistent_id"].as_str().unwrap();
    assert_eq!(e.ok(&["verify", "frank", pid, "969429"]).trim(), "accepted");
}

#[test]
fn throttling_is_reported_and_reset() {
    let e = Env::new();
    let out = e.ok(&[
        "device",
        "add",
        "hotp",
        "--user",
        "gina",
        "--secret",
        "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let pid = v["persistent_id"].as_str().unwrap().to_owned();
    e.fails(&["verify", "gina", &pid, "000000"], 1);
    let err = e.fails(&["verify", "gina", &pid, "755224"], 1);
    assert!(
        err.starts_with("rejected: n_failed_attempts failure_count=1 locked_until="),
        "{err}"
    );
    let show: serde_json::Value =
        serde_json::from_str(&e.ok(&["device", "show", &pid, "--json"])).unwrap();
    assert_eq!(show["failure_count"], 1);
    e.ok(&["throttle", "reset", &pid]);
    assert_eq!(e.ok(&["verify", "gina", &pid, "755224"]).trim(), "accepted");
}

/// The account throttle (docs/behaviour.md §2.5.1): a failure on one of a user's devices
/// throttles the others; `throttle reset --user` clears every device of the user; a persistent
/// id and --user together, or neither, is a usage error that changes nothing.
#[test]
fn the_account_throttle_is_reported_and_reset_per_user() {
    let e = Env::new();
    let mut pids = Vec::new();
    for secret in [
        "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
        "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
    ] {
        let out = e.ok(&[
            "device", "add", "hotp", "--user", "ivan", "--secret", secret, "--json",
        ]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        pids.push(v["persistent_id"].as_str().unwrap().to_owned());
    }
    e.fails(&["verify", "ivan", &pids[0], "000000"], 1);
    // The second device was never tried, yet the account's failure throttles it.
    let err = e.fails(&["verify", "ivan", &pids[1], "755224"], 1);
    assert!(
        err.starts_with("rejected: n_failed_attempts failure_count=1 locked_until="),
        "{err}"
    );
    e.fails(&["throttle", "reset", &pids[0], "--user", "ivan"], 2);
    e.fails(&["throttle", "reset"], 2);
    let out = e.ok(&["throttle", "reset", "--user", "ivan"]);
    assert_eq!(
        out,
        format!(
            "throttle reset for {}\n1 device(s) of ivan reset\n",
            pids[0]
        )
    );
    assert_eq!(
        e.ok(&["verify", "ivan", &pids[1], "755224"]).trim(),
        "accepted"
    );
}

#[test]
fn confirm_remove_and_prune() {
    let e = Env::new();
    let out = e.ok(&[
        "device",
        "add",
        "email",
        "--user",
        "hank",
        "--email",
        "h@example.com",
        "--unconfirmed",
    ]);
    let pid = out.trim().strip_prefix("created ").unwrap().to_owned();
    let v: serde_json::Value =
        serde_json::from_str(&e.ok(&["device", "list", "--unconfirmed", "--json"])).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    e.ok(&["device", "confirm", &pid]);
    let v: serde_json::Value =
        serde_json::from_str(&e.ok(&["device", "list", "--confirmed", "--json"])).unwrap();
    assert_eq!(v[0]["confirmed"], true);
    assert_eq!(e.ok(&["device", "prune"]).trim(), "0");
    // Without --yes and with "n" on stdin nothing is removed.
    let mut child = e.cmd(&["device", "remove", &pid]);
    let o = child.stdin(std::process::Stdio::null()).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    e.ok(&["device", "remove", &pid, "--yes"]);
    e.fails(&["device", "remove", &pid, "--yes"], 1);
}

#[test]
fn key_rotation_and_status() {
    let e = Env::new();
    let (pid, uri) = add_totp(&e, "ivy");
    e.ok(&["static", "generate", "ivy", "--count", "3"]);
    let status = e.ok(&["keys", "status"]);
    assert!(status.contains("active"), "{status}");
    // Prepend a new active key to the ring file, then rotate twice.
    let new_entry = e.ok(&["keys", "generate", "--id", "k2"]).trim().to_owned();
    assert!(new_entry.starts_with("k2:"));
    let old = std::fs::read_to_string(e.keys()).unwrap();
    std::fs::write(e.keys(), format!("{new_entry},{}", old.trim())).unwrap();
    assert_eq!(
        e.ok(&["keys", "rotate"]).trim(),
        "resealed 1, current 0, failed 0"
    );
    assert_eq!(
        e.ok(&["keys", "rotate"]).trim(),
        "resealed 0, current 1, failed 0"
    );
    assert_eq!(
        e.ok(&["device", "uri", &pid]).trim(),
        uri,
        "same key after rotation"
    );
    // Remove the old key while backup codes still use it: status says so and exits 3.
    std::fs::write(e.keys(), &new_entry).unwrap();
    let err = e.fails(&["keys", "status"], 3);
    assert!(err.contains("absent from the ring"), "{err}");
}

#[test]
fn storage_and_key_errors_exit_3() {
    let e = Env::new();
    let (pid, _) = add_totp(&e, "jack");
    let other = tempfile::tempdir().unwrap();
    let wrong = other.path().join("wrong.keys");
    let entry = e.ok(&["keys", "generate", "--id", "k1"]);
    std::fs::write(&wrong, entry.trim()).unwrap();
    let o = e
        .cmd(&[
            "--keys-file",
            wrong.to_str().unwrap(),
            "verify",
            "jack",
            &pid,
            "123456",
        ])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = Command::new(env!("CARGO_BIN_EXE_otpkit"))
        .args([
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
            "device",
            "list",
        ])
        .env(
            "OTPKIT_SECRET_KEYS",
            "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        )
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let _ = Path::new("/");
}
