//! The seed's `get_device_info`: a device's public description as JSON.
//!
//! Run: `cargo run -p otpkit --example device_info`

use otpkit::engine::TotpOptions;
use otpkit::{Device, Engine, KeyRing, ManualClock, MemoryStore, Timestamp, UserId};

/// id, name, type, confirmed, model_label, is_interactive, created_at, last_used_at,
/// throttling_enabled, cooldown_enabled.
fn get_device_info(engine: &Engine, device: &Device) -> serde_json::Value {
    let (throttling_enabled, cooldown_enabled) = engine.policies(device);
    serde_json::json!({
        "id": device.persistent_id(),
        "name": device.name(),
        "type": device.verbose_name(),
        "confirmed": device.confirmed(),
        "model_label": device.model_label(),
        "is_interactive": device.is_interactive(),
        "created_at": device.created_at(),
        "last_used_at": device.last_used_at(),
        "throttling_enabled": throttling_enabled,
        "cooldown_enabled": cooldown_enabled,
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let clock = ManualClock::new(Timestamp::from_secs(1_767_261_600));
    let engine = Engine::builder(MemoryStore::new(), KeyRing::random("k1")?)
        .clock(clock.clone())
        .build()?;
    let alice = UserId::new("alice")?;
    engine
        .create_totp(
            &alice,
            TotpOptions {
                name: Some("Phone".into()),
                ..TotpOptions::default()
            },
        )
        .await?;
    engine
        .create_email(
            &alice,
            Some("Work mail"),
            Some("alice@example.com".into()),
            true,
        )
        .await?;
    engine.generate_backup_codes(&alice, None).await?;
    let devices = engine.devices_for_user(Some(&alice), None).await?;
    let infos: Vec<_> = devices
        .iter()
        .map(|d| get_device_info(&engine, d))
        .collect();
    println!("{}", serde_json::to_string_pretty(&infos)?);
    assert_eq!(infos.len(), 3);
    let email = infos.get(1).ok_or("the email device is missing")?;
    assert_eq!(
        email.get("is_interactive"),
        Some(&serde_json::Value::Bool(true))
    );
    assert_eq!(
        email.get("cooldown_enabled"),
        Some(&serde_json::Value::Bool(true))
    );
    Ok(())
}
