//! The development mailers: `FileMailer` writes parsable `.eml` files an engine's code can
//! be read back from; `ConsoleMailer` is exercised in its unit tests.

use mail_parser::MessageParser;
use otpkit::engine::{ChallengeOptions, ChallengeOutcome, VerifyOptions};
use otpkit::{Engine, KeyRing, MemoryStore, UserId, VerifyOutcome};
use otpkit_smtp::FileMailer;

#[tokio::test]
async fn file_mailer_writes_one_eml_per_challenge() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("otpkit-smtp-file-mailer-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mailer = FileMailer::new(dir.join("nested")).unwrap();
    assert!(mailer.dir().is_dir());

    let engine = Engine::builder(MemoryStore::new(), KeyRing::random("k1").unwrap())
        .mailer(mailer.clone())
        .build()
        .unwrap();
    let alice = UserId::new("alice").unwrap();
    let pid = engine
        .create_email(&alice, None, Some("alice@example.com".into()), true)
        .await
        .unwrap()
        .persistent_id();
    let outcome = engine
        .generate_challenge(&alice, &pid, &ChallengeOptions::default())
        .await
        .unwrap();
    assert!(
        matches!(outcome, ChallengeOutcome::Sent { .. }),
        "{outcome:?}"
    );

    let files: Vec<_> = std::fs::read_dir(mailer.dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let path = &files[0];
    assert_eq!(path.extension().and_then(|e| e.to_str()), Some("eml"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    let raw = std::fs::read(path).unwrap();
    let mail = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(mail.subject(), Some("OTP token"));
    let text = mail.body_text(0).unwrap();
    let code = text
        .trim_end()
        .strip_prefix("Your verification code is ")
        .and_then(|s| s.strip_suffix('.'))
        .unwrap()
        .to_owned();
    assert_eq!(code.len(), 6);
    let outcome = engine
        .verify_token_detailed(Some(&alice), &pid, &code, &VerifyOptions::default())
        .await
        .unwrap();
    assert!(matches!(outcome, VerifyOutcome::Accepted(_)), "{outcome:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}
