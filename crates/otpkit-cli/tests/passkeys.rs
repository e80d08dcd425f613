//! Passkeys in the `otpkit` binary (the `passkeys` feature): a passkey registered and used
//! through otpkit-webauthn with a software authenticator on the same SQLite file, then
//! listed, shown (never its public key, credential id or ceremony state) and removed by the
//! command; `verify` and `device confirm` do not treat it as a code device.
#![cfg(feature = "passkeys")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::Env;
use otpkit::{Settings, UserId};
use otpkit_cli::deploy::Deployment;
use otpkit_webauthn::{PasskeySettings, Passkeys, RelyingParty, WebauthnDevice};
use otpkit_webauthn_testkit::SoftKey as Key;

const ORIGIN: &str = "https://login.example.com";
const BINDING: &[u8] = b"the session's binding value";
/// Google Password Manager's AAGUID (a well-known model: its name is shown).
const GPM: [u8; 16] = [
    0xea, 0x9b, 0x8d, 0x66, 0x4d, 0x01, 0x1d, 0x21, 0x3c, 0xe4, 0xb6, 0xb4, 0x8c, 0xb5, 0x75, 0xd4,
];

/// The ceremonies on the database of `e`, with the key ring beside it.
async fn passkeys_on(e: &Env) -> Passkeys {
    e.ok(&["device", "list"]);
    let deployment = Deployment {
        database_url: format!("sqlite://{}", e.db.display()),
        ..Deployment::default()
    };
    let opened = deployment.open().await.unwrap();
    assert!(
        opened.created_key_file.is_none(),
        "the CLI made the key file"
    );
    let engine = opened
        .engine_builder()
        .settings(Settings::default())
        .register::<WebauthnDevice>()
        .build()
        .unwrap();
    let rp = RelyingParty::new("example.com", ORIGIN);
    Passkeys::new(engine, PasskeySettings::new(rp)).unwrap()
}

/// Registers `key` for `user` named `name`, then signs in with it `uses` times: the pid.
async fn enrol(p: &Passkeys, user: &UserId, key: &mut Key, name: &str, uses: u32) -> String {
    let started = p
        .start_registration(user, Some(name), BINDING)
        .await
        .unwrap();
    let response = key.register(ORIGIN, &started.options).await;
    let device = p
        .finish_registration(user, &started.persistent_id, &response, BINDING)
        .await
        .unwrap()
        .accepted()
        .expect("registered");
    for _ in 0..uses {
        let options = p
            .start_authentication(user, BINDING)
            .await
            .unwrap()
            .unwrap();
        let assertion = key.assert(ORIGIN, &options).await;
        let out = p
            .finish_authentication(user, &assertion, BINDING)
            .await
            .unwrap();
        assert!(out.accepted().is_some(), "signed in");
    }
    device.persistent_id()
}

/// Every string of the stored JSON `v` at least 16 characters long (keys, ids, challenges).
fn long_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) if s.len() >= 16 => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|i| long_strings(i, out)),
        serde_json::Value::Object(m) => m.values().for_each(|i| long_strings(i, out)),
        _ => {}
    }
}

/// The stored passkey state of `pid`.
async fn state(p: &Passkeys, pid: &str) -> (WebauthnDevice, String) {
    let d = p.engine().from_persistent_id(pid).await.unwrap().unwrap();
    let raw = d.record().state.clone();
    (WebauthnDevice::from_state(&raw).unwrap(), raw)
}

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap()
}

#[tokio::test]
async fn passkeys_are_listed_shown_without_key_material_and_removed() {
    let e = Env::new();
    let alice = UserId::new("alice").unwrap();
    e.ok(&[
        "device", "add", "totp", "--user", "alice", "--name", "Phone",
    ]);
    let p = passkeys_on(&e).await;
    let mut key = Key::with_aaguid(GPM);
    let pid = enrol(&p, &alice, &mut key, "Office key", 2).await;
    // A second registration, never finished: an unconfirmed passkey holding its ceremony.
    let pending = p
        .start_registration(&alice, Some("Laptop"), BINDING)
        .await
        .unwrap()
        .persistent_id;

    // `device list` shows them with the other kinds.
    let rows = e.devices();
    assert_eq!(rows.len(), 3, "{rows:?}");
    let row = rows.iter().find(|r| r["persistent_id"] == pid).unwrap();
    assert_eq!(row["model_label"], "otp_webauthn.webauthndevice");
    assert_eq!(row["name"], "Office key");
    assert_eq!(row["confirmed"], true);
    assert!(!row["last_used_at"].is_null(), "{row}");
    let only = json(&e.ok(&["device", "list", "--kind", "passkey", "--json"]));
    let pids: Vec<_> = only
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["persistent_id"].clone())
        .collect();
    assert_eq!(pids.len(), 2);
    assert!(pids.contains(&pid.clone().into()) && pids.contains(&pending.clone().into()));
    let table = e.ok(&["device", "list", "--user", "alice"]);
    assert!(table.contains(&pid) && table.contains("Office key") && table.contains("Phone"));

    // `device show`: what a person needs, nothing of the key, the credential or a ceremony.
    let (stored, raw) = state(&p, &pid).await;
    let shown = e.ok(&["device", "show", &pid, "--json"]);
    let v = json(&shown);
    assert_eq!(v["name"], "Office key");
    assert_eq!(v["confirmed"], true);
    assert!(!v["created_at"].is_null() && !v["last_used_at"].is_null());
    let k = &v["kind_state"];
    assert_eq!(k["registered"], true);
    assert_eq!(k["sign_count"], 2);
    assert_eq!(k["aaguid"], "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4");
    assert_eq!(k["authenticator"], "Google Password Manager");
    assert_eq!(k["transports"], serde_json::json!(stored.transports));
    assert_eq!(k["backup_eligible"], stored.backup_eligible);
    assert_eq!(k["backup_state"], stored.backup_state);
    let mut keys: Vec<_> = k.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "aaguid",
            "authenticator",
            "backup_eligible",
            "backup_state",
            "registered",
            "sign_count",
            "transports"
        ]
    );
    let plain = e.ok(&["device", "show", &pid]);
    assert!(plain.contains("Google Password Manager"), "{plain}");
    let mut secrets = Vec::new();
    long_strings(&serde_json::from_str(&raw).unwrap(), &mut secrets);
    let credential_id = stored.credential_id.clone().unwrap();
    assert!(secrets.contains(&credential_id));
    let (pending_state, pending_raw) = state(&p, &pending).await;
    assert!(
        pending_state.ceremony.is_some(),
        "the registration is outstanding"
    );
    long_strings(&serde_json::from_str(&pending_raw).unwrap(), &mut secrets);
    let pending_shown = e.ok(&["device", "show", &pending, "--json"]);
    assert_eq!(json(&pending_shown)["kind_state"]["registered"], false);
    for out in [&shown, &plain, &pending_shown, &table] {
        for s in secrets
            .iter()
            .filter(|s| s.as_str() != "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4")
        {
            assert!(!out.contains(s.as_str()), "{s} leaked: {out}");
        }
        assert!(
            !out.contains("ceremony") && !out.contains("credential"),
            "{out}"
        );
    }

    // Not a code device: `verify` refuses it unevaluated (no failure counted) …
    let err = e.fails(&["verify", "alice", &pid, "123456"], 1);
    assert!(err.contains("is a passkey"), "{err}");
    let after = json(&e.ok(&["device", "show", &pid, "--json"]));
    assert_eq!(after["failure_count"], 0);
    assert_eq!(after["kind_state"]["sign_count"], 2);
    // … and an unfinished registration cannot be confirmed by hand.
    let err = e.fails(&["device", "confirm", &pending], 1);
    assert!(err.contains("registration has not finished"), "{err}");
    assert_eq!(
        json(&e.ok(&["device", "show", &pending, "--json"]))["confirmed"],
        false
    );

    // `device remove`: gone for the command and for the ceremonies.
    assert_eq!(
        e.ok(&["device", "remove", &pid, "--yes"]).trim(),
        format!("removed {pid}")
    );
    assert!(e.devices().iter().all(|r| r["persistent_id"] != pid));
    e.fails(&["device", "show", &pid], 1);
    assert!(
        p.start_authentication(&alice, BINDING)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_passkey_of_an_unknown_model_shows_its_aaguid_without_a_name() {
    let e = Env::new();
    let p = passkeys_on(&e).await;
    let mut key = Key::with_aaguid([0x5a; 16]);
    let pid = enrol(&p, &UserId::new("bob").unwrap(), &mut key, "Key", 0).await;
    let v = json(&e.ok(&["device", "show", &pid, "--json"]));
    assert_eq!(
        v["kind_state"]["aaguid"],
        "5a5a5a5a-5a5a-5a5a-5a5a-5a5a5a5a5a5a"
    );
    assert!(v["kind_state"]["authenticator"].is_null());
    assert_eq!(v["kind_state"]["sign_count"], 0, "never used");
}
