//! The built `otpkit` binary on a fresh SQLite file, shared by the CLI test binaries.
#![allow(dead_code, clippy::unwrap_used)]

use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::{Command, Output};

/// A temporary database, migrated, and the `otpkit` binary pointed at it with every
/// `OTPKIT_*`/`OTP_*` variable of the test's own environment removed.
pub struct Env {
    _dir: tempfile::TempDir,
    pub db: PathBuf,
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("otp.sqlite3");
        let e = Env { _dir: dir, db };
        assert_eq!(e.run(&["migrate"]).status.code(), Some(0));
        e
    }

    /// The key file created beside the database.
    pub fn keys(&self) -> PathBuf {
        PathBuf::from(format!("{}.keys", self.db.display()))
    }

    pub fn cmd<S: AsRef<OsStr>>(&self, args: &[S]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_otpkit"));
        c.arg("--database-url")
            .arg(format!("sqlite://{}", self.db.display()))
            .args(args);
        for (k, _) in std::env::vars() {
            if k.starts_with("OTPKIT_") || k.starts_with("OTP_") {
                c.env_remove(k);
            }
        }
        c
    }

    pub fn run<S: AsRef<OsStr>>(&self, args: &[S]) -> Output {
        self.cmd(args).output().unwrap()
    }

    /// Runs `args`, asserts exit 0, returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{args:?}: stdout={} stderr={}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    }

    /// Runs `args`, asserts exit `code`, returns stderr.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let o = self.run(args);
        assert_eq!(
            o.status.code(),
            Some(code),
            "{args:?}: stdout={} stderr={}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stderr).unwrap()
    }

    /// Every device as `device list --json` shows it.
    pub fn devices(&self) -> Vec<serde_json::Value> {
        serde_json::from_str(&self.ok(&["device", "list", "--json"])).unwrap()
    }
}
