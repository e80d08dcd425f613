//! [`Engine::import_devices`]: devices imported from another system with their ids and state
//! (django-otp's, through `otpkit-django`; the types are in [`crate::import`]).
//!
//! The importer hands over plaintext keys and codes, as the other system stored them; the
//! engine seals every key and hashes every code to the device's persistent id on the way in,
//! and the store keeps each device's imported id, so that `otp_totp.totpdevice/7` stays
//! `otp_totp.totpdevice/7`.

use super::{Device, Engine, Error, Event, EventKind};
use crate::import::{ImportDevice, ImportKind, digits_of};
use crate::kind::email::EmailDevice;
use crate::kind::hotp::HotpDevice;
use crate::kind::static_token::StaticDevice;
use crate::kind::totp::TotpDevice;
use crate::kind::{Context, KindError};
use crate::oath::Algorithm;
use crate::record::DeviceRecord;
use crate::store::ImportedDevice;
use crate::user::UserId;

/// The kind's state of `d` as stored, its secrets sealed and hashed in `ctx`.
fn state(d: ImportDevice, ctx: &Context<'_>) -> Result<String, Error> {
    let legacy_key = d.legacy_key();
    let json = match d.kind {
        ImportKind::Totp {
            key,
            step,
            t0,
            digits,
            tolerance,
            drift,
            last_t,
        } => serde_json::to_string(&TotpDevice {
            key: ctx.seal(key.expose())?,
            algorithm: Algorithm::Sha1,
            step,
            t0,
            digits: digits_of(digits)?,
            tolerance,
            drift,
            last_t,
            legacy_key,
        }),
        ImportKind::Hotp {
            key,
            digits,
            tolerance,
            counter,
        } => serde_json::to_string(&HotpDevice {
            key: ctx.seal(key.expose())?,
            algorithm: Algorithm::Sha1,
            digits: digits_of(digits)?,
            tolerance,
            counter,
            legacy_key,
        }),
        ImportKind::Static { codes } => {
            let mut dev = StaticDevice::default();
            for code in &codes {
                dev.import_code(ctx, code.expose())?;
            }
            serde_json::to_string(&dev)
        }
        ImportKind::Email { email } => serde_json::to_string(&EmailDevice::new(email, ctx)),
    };
    Ok(json.map_err(KindError::StateEncode)?)
}

impl Engine {
    /// Whether `device` has a legacy key (shorter than [`MIN_KEY_BYTES`](crate::import::MIN_KEY_BYTES), imported from
    /// django-otp): it verifies, and its owner should set it up again.
    pub fn reenrolment_recommended(&self, device: &Device) -> bool {
        self.info(device).is_ok_and(|v| {
            v.get(crate::kind::LEGACY_KEY_INFO)
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false)
        })
    }

    /// Imports all of `user`'s devices at once: each is checked ([`ImportDevice::check`]),
    /// its key sealed and its codes hashed to the persistent id it keeps, and the store
    /// keeps them all or none ([`DeviceStore::import`](crate::store::DeviceStore::import):
    /// a persistent id already taken fails the whole call). Emits `device_created` for each.
    pub async fn import_devices(
        &self,
        user: &UserId,
        devices: Vec<ImportDevice>,
    ) -> Result<Vec<Device>, Error> {
        let mut rows = Vec::with_capacity(devices.len());
        for d in devices {
            d.check()?;
            let label = d.model_label();
            if self.inner.registry.get(label).is_none() {
                return Err(Error::UnknownKind(label.to_owned()));
            }
            let mut row = ImportedDevice {
                imported_id: d.imported_id,
                model_label: label.to_owned(),
                name: d.name.clone(),
                confirmed: d.confirmed,
                created_at: d.created_at,
                last_used_at: d.last_used_at,
                throttle: d.throttle,
                last_generated_at: d.last_generated_at,
                state: String::new(),
            };
            let rec: DeviceRecord = row.clone().into_record(user, 0);
            let pid = rec.persistent_id();
            let now = self.inner.clock.now();
            row.state = state(d, &self.inner.ctx(now, &rec, &pid, Default::default()))?;
            rows.push(row);
        }
        let stored = self.inner.store.import(user, rows).await?;
        let now = self.inner.clock.now();
        let mut out = Vec::with_capacity(stored.len());
        for rec in stored {
            let pid = rec.persistent_id();
            self.inner.emit(Event::new(
                EventKind::DeviceCreated,
                Some(user),
                Some(&pid),
                now,
            ));
            out.extend(self.inner.device(rec));
        }
        Ok(out)
    }
}
