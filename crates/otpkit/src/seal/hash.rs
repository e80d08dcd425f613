//! Keyed hashes: codes stored as HMAC-SHA-256 under the ring's hash keys.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::ring::{Entry, KeyRing};
use super::{SealError, is_valid_key_id};

impl Entry {
    /// HMAC-SHA-256 under the entry's hash key over the length-prefixed `parts`.
    pub(super) fn mac(&self, parts: &[&[u8]]) -> Result<[u8; 32], SealError> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.hash_key)
            .map_err(|_| SealError::Invalid)?;
        for part in parts {
            let len = u32::try_from(part.len()).map_err(|_| SealError::InputTooLarge)?;
            mac.update(&len.to_be_bytes());
            mac.update(part);
        }
        Ok(mac.finalize().into_bytes().into())
    }
}

impl KeyRing {
    /// HMAC-SHA-256 under the active hash key over `parts`, each prefixed by its length as a
    /// 32-bit big-endian integer (so no two different part lists share an encoding).
    ///
    /// Callers pass (kind label, persistent id, normalised code\[, binding\]), e.g.
    /// `[b"otp_static.staticdevice", b"otp_static.staticdevice/7", b"k7f2qm3xza"]`.
    pub fn hash(&self, parts: &[&[u8]]) -> Result<KeyedHash, SealError> {
        Ok(KeyedHash {
            key_id: self.active.id.clone(),
            mac: self.active.mac(parts)?,
        })
    }

    /// The hash of `parts` under the key `key_id` (for example to look a stored code up by
    /// its hash under each key of the ring). Unknown id → [`SealError::UnknownKey`].
    pub fn hash_with_key(&self, key_id: &str, parts: &[&[u8]]) -> Result<KeyedHash, SealError> {
        let entry = self.entry(key_id).ok_or_else(|| SealError::UnknownKey {
            key_id: key_id.to_owned(),
        })?;
        Ok(KeyedHash {
            key_id: entry.id.clone(),
            mac: entry.mac(parts)?,
        })
    }

    /// The hash of `parts` under every key of the ring, active first: the candidates to look
    /// up when codes hashed before a rotation must keep working (docs/behaviour.md §5.7).
    pub fn hash_all_keys(&self, parts: &[&[u8]]) -> Result<Vec<KeyedHash>, SealError> {
        self.entries()
            .map(|entry| {
                Ok(KeyedHash {
                    key_id: entry.id.clone(),
                    mac: entry.mac(parts)?,
                })
            })
            .collect()
    }

    /// Whether `hash` is the keyed hash of `parts` under the key its id names, compared in
    /// constant time. A key id absent from the ring is [`SealError::UnknownKey`] (fail closed).
    pub fn verify_hash(&self, parts: &[&[u8]], hash: &KeyedHash) -> Result<bool, SealError> {
        let expected = self.hash_with_key(&hash.key_id, parts)?;
        Ok(bool::from(expected.mac.ct_eq(&hash.mac)))
    }
}

/// A keyed hash of a code: the key id and HMAC-SHA-256 under that id's hash key.
///
/// Stored as the string `{key id}:{base64url without padding (mac)}`; [`FromStr`] and serde
/// check that form. Equality compares the MAC in constant time. `Debug` shows only the key id.
///
/// ```
/// use otpkit::seal::KeyedHash;
/// let text = "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
/// let h: KeyedHash = text.parse()?;
/// assert_eq!(h.key_id(), "k1");
/// assert_eq!(h.to_string(), text);
/// assert!("k1:AAAA".parse::<KeyedHash>().is_err());
/// # Ok::<(), otpkit::seal::SealError>(())
/// ```
#[derive(Clone)]
pub struct KeyedHash {
    key_id: String,
    mac: [u8; 32],
}

impl KeyedHash {
    /// The id of the key the hash was made with.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The raw MAC, e.g. for a binary column.
    pub fn mac(&self) -> &[u8; 32] {
        &self.mac
    }

    /// Builds a hash from its key id and raw MAC (the inverse of [`key_id`](Self::key_id) and
    /// [`mac`](Self::mac)). An invalid key id is [`SealError::Malformed`].
    pub fn from_parts(key_id: &str, mac: [u8; 32]) -> Result<Self, SealError> {
        if !is_valid_key_id(key_id) {
            return Err(SealError::Malformed);
        }
        Ok(KeyedHash {
            key_id: key_id.to_owned(),
            mac,
        })
    }
}

impl PartialEq for KeyedHash {
    fn eq(&self, other: &Self) -> bool {
        self.key_id == other.key_id && bool::from(self.mac.ct_eq(&other.mac))
    }
}

impl Eq for KeyedHash {}

impl fmt::Debug for KeyedHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyedHash")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for KeyedHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.key_id, URL_SAFE_NO_PAD.encode(self.mac))
    }
}

impl FromStr for KeyedHash {
    type Err = SealError;

    fn from_str(s: &str) -> Result<Self, SealError> {
        let (key_id, mac) = s.split_once(':').ok_or(SealError::Malformed)?;
        let mac = URL_SAFE_NO_PAD
            .decode(mac)
            .map_err(|_| SealError::Malformed)?;
        let mac: [u8; 32] = mac
            .as_slice()
            .try_into()
            .map_err(|_| SealError::Malformed)?;
        Self::from_parts(key_id, mac)
    }
}

impl Serialize for KeyedHash {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for KeyedHash {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    fn parts(code: &[u8]) -> [&[u8]; 3] {
        [
            b"otp_static.staticdevice",
            b"otp_static.staticdevice/7",
            code,
        ]
    }

    #[test]
    fn hash_and_verify() {
        let ring = ring_new_old();
        let h = ring.hash(&parts(b"k7f2qm3xza")).unwrap();
        assert_eq!(h.key_id(), "new");
        assert!(ring.verify_hash(&parts(b"k7f2qm3xza"), &h).unwrap());
        assert!(!ring.verify_hash(&parts(b"k7f2qm3xzb"), &h).unwrap());
        // Deterministic.
        assert_eq!(ring.hash(&parts(b"k7f2qm3xza")).unwrap(), h);
        // Pinned: HMAC-SHA-256 over u32-BE length-prefixed parts.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&ring.active.hash_key).unwrap();
        for p in parts(b"k7f2qm3xza") {
            mac.update(&(p.len() as u32).to_be_bytes());
            mac.update(p);
        }
        let expected: [u8; 32] = mac.finalize().into_bytes().into();
        assert_eq!(h.mac(), &expected);
        // The hash key is not the seal key.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&ring.active.seal_key).unwrap();
        for p in parts(b"k7f2qm3xza") {
            mac.update(&(p.len() as u32).to_be_bytes());
            mac.update(p);
        }
        let with_seal_key: [u8; 32] = mac.finalize().into_bytes().into();
        assert_ne!(h.mac(), &with_seal_key);
    }

    #[test]
    fn hash_encoding_is_unambiguous() {
        let ring = ring_old();
        let a = ring.hash(&[b"ab", b"c"]).unwrap();
        let b = ring.hash(&[b"a", b"bc"]).unwrap();
        let c = ring.hash(&[b"abc"]).unwrap();
        let d = ring.hash(&[b"abc", b""]).unwrap();
        let e = ring.hash(&[]).unwrap();
        let all = [&a, &b, &c, &d, &e];
        for (i, x) in all.iter().enumerate() {
            for (j, y) in all.iter().enumerate() {
                assert_eq!(i == j, x == y, "{i} vs {j}");
            }
        }
    }

    #[test]
    fn hash_verification_across_rotation() {
        let old = ring_old();
        let h_old = old.hash(&parts(b"code123456")).unwrap();
        let ring = ring_new_old();
        // Stored under "old", still verifies after "new" became active.
        assert!(ring.verify_hash(&parts(b"code123456"), &h_old).unwrap());
        assert!(!ring.verify_hash(&parts(b"code123457"), &h_old).unwrap());
        // New hashes use the active key and differ from the old one.
        let h_new = ring.hash(&parts(b"code123456")).unwrap();
        assert_eq!(h_new.key_id(), "new");
        assert_ne!(h_new, h_old);
        // Lookup candidates: one per key, active first.
        let all = ring.hash_all_keys(&parts(b"code123456")).unwrap();
        assert_eq!(all, vec![h_new.clone(), h_old.clone()]);
        assert_eq!(
            ring.hash_with_key("old", &parts(b"code123456")).unwrap(),
            h_old
        );
        // Once "old" leaves the ring, its hashes fail closed.
        let new_only = KeyRing::parse(K_NEW).unwrap();
        assert_eq!(
            new_only.verify_hash(&parts(b"code123456"), &h_old),
            Err(SealError::UnknownKey {
                key_id: "old".into()
            })
        );
        assert!(new_only.verify_hash(&parts(b"code123456"), &h_new).unwrap());
        // A MAC relabelled with another key id does not verify.
        let relabelled = KeyedHash::from_parts("new", *h_old.mac()).unwrap();
        assert!(
            !ring
                .verify_hash(&parts(b"code123456"), &relabelled)
                .unwrap()
        );
    }

    #[test]
    fn keyed_hash_text_form() {
        let ring = ring_old();
        let h = ring.hash(&parts(b"abcdef")).unwrap();
        let text = h.to_string();
        assert!(text.starts_with("old:"));
        assert_eq!(text.len(), 4 + 43);
        assert_eq!(text.parse::<KeyedHash>().unwrap(), h);
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(json, format!("\"{text}\""));
        assert_eq!(serde_json::from_str::<KeyedHash>(&json).unwrap(), h);
        for bad in [
            "",
            "old",
            "old:",
            ":AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "o d:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "old:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "old:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "old:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            "old:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB",
        ] {
            assert_eq!(
                bad.parse::<KeyedHash>(),
                Err(SealError::Malformed),
                "{bad:?}"
            );
            assert!(serde_json::from_str::<KeyedHash>(&format!("\"{bad}\"")).is_err());
        }
        assert!(serde_json::from_str::<KeyedHash>("42").is_err());
        let dbg = format!("{h:?}");
        assert_eq!(dbg, r#"KeyedHash { key_id: "old", .. }"#);
    }
}
