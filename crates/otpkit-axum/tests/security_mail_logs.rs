//! Security emails (docs/behaviour.md §7.10) and the logs: a mail that cannot be sent is
//! logged with its event and cause, never the address or the text. A test binary of its own:
//! a thread's `tracing` subscriber must not race with other tests' callsites.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;

#[derive(Clone, Default)]
struct Buf(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A mail that cannot be sent is logged with the event and the cause, never the address.
#[tokio::test(flavor = "current_thread")]
async fn a_failed_mail_is_logged_without_the_address() {
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let t = app();
    t.security_mailer.set_failing(true);
    t.engine
        .generate_backup_codes(&uid("alice"), None)
        .await
        .unwrap();
    t.security.idle().await;
    let logs = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("security email not sent"), "{logs}");
    assert!(logs.contains("backup_codes_generated"), "{logs}");
    assert!(logs.contains("the transport is unavailable"), "{logs}");
    assert!(!logs.contains("alice@example.com"), "{logs}");
    assert!(
        !logs.contains("backup codes were generated"),
        "no body: {logs}"
    );
}
