//! Devices brought in from another system with their ids ([`DeviceStore::import`]).
//!
//! [`DeviceStore::import`]: super::DeviceStore::import

use crate::clock::Timestamp;
use crate::record::{DeviceId, DeviceRecord, ThrottleState, validate_name};
use crate::user::UserId;

use super::StoreError;

/// One device to import: every stored field but the id and the version, which the store
/// assigns, and with the imported id its persistent id keeps.
#[derive(Clone, PartialEq, Eq)]
pub struct ImportedDevice {
    /// The number of its persistent id (`7` in `otp_totp.totpdevice/7`): positive.
    pub imported_id: DeviceId,
    /// The kind's model label, lower case.
    pub model_label: String,
    /// The name, 0 to 64 characters.
    pub name: String,
    /// Whether it counts for login.
    pub confirmed: bool,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last verified.
    pub last_used_at: Option<Timestamp>,
    /// Its throttling state, carried over.
    pub throttle: ThrottleState,
    /// The cooldown's last generation.
    pub last_generated_at: Option<Timestamp>,
    /// The kind's state, its secrets sealed to the persistent id
    /// `"{model_label}/{imported_id}"`.
    pub state: String,
}

impl std::fmt::Debug for ImportedDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportedDevice")
            .field("imported_id", &self.imported_id)
            .field("model_label", &self.model_label)
            .field("name", &self.name)
            .field("confirmed", &self.confirmed)
            .finish_non_exhaustive()
    }
}

impl ImportedDevice {
    /// The persistent id it keeps.
    pub fn persistent_id(&self) -> String {
        format!("{}/{}", self.model_label, self.imported_id)
    }

    /// The record a store keeps for it under the new `id`.
    pub fn into_record(self, user: &UserId, id: DeviceId) -> DeviceRecord {
        DeviceRecord {
            id,
            user: user.clone(),
            model_label: self.model_label,
            name: self.name,
            confirmed: self.confirmed,
            created_at: self.created_at,
            last_used_at: self.last_used_at,
            throttle: self.throttle,
            last_generated_at: self.last_generated_at,
            state: self.state,
            version: 0,
            imported_id: Some(self.imported_id),
        }
    }
}

/// The checks every store runs before an import: positive imported ids, valid names and
/// labels, no persistent id twice in one call.
pub fn check_import(devices: &[ImportedDevice]) -> Result<(), StoreError> {
    let mut seen = std::collections::BTreeSet::new();
    for d in devices {
        let pid = d.persistent_id();
        if d.imported_id <= 0 {
            return Err(StoreError::InvalidImport(format!(
                "{pid}: the id is not positive"
            )));
        }
        if crate::record::PersistentId::parse(&pid).is_none_or(|p| p.model_label() != d.model_label)
        {
            return Err(StoreError::InvalidImport(format!(
                "{pid}: not a persistent id"
            )));
        }
        if let Err(e) = validate_name(&d.name) {
            return Err(StoreError::InvalidImport(format!("{pid}: {e}")));
        }
        if !seen.insert(pid.clone()) {
            return Err(StoreError::InvalidImport(format!("{pid} appears twice")));
        }
    }
    Ok(())
}
