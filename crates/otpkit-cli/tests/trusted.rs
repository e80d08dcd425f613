//! `otpkit trusted list|revoke USER` on a SQLite database: lists a user's live trusted
//! browsers without their token or hash, and revokes them all.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::Env;
use otpkit::trust::NewTrustedBrowser;
use otpkit::{Clock, SystemClock, UserId};
use otpkit_cli::deploy::Deployment;

#[tokio::test]
async fn an_administrator_lists_and_revokes_a_users_trusted_browsers() {
    let e = Env::new();
    e.ok(&["migrate"]);
    e.ok(&["device", "list"]); // makes the key file
    let deployment = Deployment {
        database_url: format!("sqlite://{}", e.db.display()),
        ..Deployment::default()
    };
    let opened = deployment.open().await.unwrap();
    let store = opened.store.trust_store();
    let alice = UserId::new("alice").unwrap();
    let now = SystemClock.now();
    for (token, days) in [("a", 30), ("b", -1)] {
        let h = opened
            .keys
            .hash(&[otpkit::trust::TRUST_TOKEN_DOMAIN, token.as_bytes()])
            .unwrap();
        let new = NewTrustedBrowser::new(
            alice.clone(),
            &h,
            now,
            now.add_secs(days * 86_400),
            "Firefox|Linux",
        );
        store.insert_trusted(new).await.unwrap();
    }
    let listed: serde_json::Value =
        serde_json::from_str(&e.ok(&["trusted", "list", "alice", "--json"])).unwrap();
    let rows = listed.as_array().unwrap();
    assert_eq!(rows.len(), 1, "the expired one is left out: {listed}");
    assert_eq!(rows[0]["description"], "Firefox / Linux");
    let text = e.ok(&["trusted", "list", "alice"]);
    let json = e.ok(&["trusted", "list", "alice", "--json"]);
    for b in store.list_trusted(&alice).await.unwrap() {
        assert!(!text.contains(&b.token_hash), "{text}");
        assert!(!json.contains(&b.token_hash), "{json}");
    }
    assert!(text.contains("Firefox / Linux"), "{text}");
    assert_eq!(e.ok(&["trusted", "revoke", "alice"]).trim(), "revoked 2");
    assert_eq!(e.ok(&["trusted", "list", "alice", "--json"]).trim(), "[]");
}
