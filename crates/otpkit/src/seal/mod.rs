//! Secrets at rest: the key ring, sealed OATH keys and keyed hashes (docs/behaviour.md §5.7).
//!
//! | module | what |
//! |---|---|
//! | `ring` | [`KeyRing`]: parsing the ring text, new entries, the keys derived from each master secret |
//! | `sealed` | [`Sealed`]: [`KeyRing::seal`], [`KeyRing::open`], [`KeyRing::reseal`] |
//! | `hash` | [`KeyedHash`]: [`KeyRing::hash`], [`KeyRing::verify_hash`] and the lookups across keys |
//!
//! # The key ring
//!
//! A [`KeyRing`] is the text of `OTPKIT_SECRET_KEYS` (or of the file named by
//! `OTPKIT_SECRET_KEYS_FILE`, which the command line and the demo read: this crate reads no
//! file): comma-separated `id:base64` entries, each a key id matching
//! `[A-Za-z0-9_-]{1,32}` and 32 bytes of master secret. The **first** entry is *active*: new
//! seals and new hashes use it. The others stay in the ring so that values written under them
//! still open or verify, until `otpkit keys rotate` has moved every sealed value to the active
//! key and `otpkit keys status` shows no hashed codes left under them.
//!
//! From every master secret two independent 32-byte keys are derived with HKDF-SHA-256 (no
//! salt; the master is already uniformly random): the *seal key* (info `otpkit/v1/seal`) for
//! XChaCha20-Poly1305 and the *hash key* (info `otpkit/v1/hash`) for HMAC-SHA-256. The master
//! secret itself is not kept after parsing.
//!
//! # Sealed values
//!
//! [`KeyRing::seal`] encrypts a TOTP/HOTP key with XChaCha20-Poly1305 under the active seal key,
//! with a fresh random 24-byte nonce from the OS CSPRNG and the associated data
//! `otpkit/v1|{persistent_id}|key`. A value copied to another device therefore does not open
//! (REQ-09). The stored text form is
//!
//! ```text
//! v1:{key id}:{base64url without padding (nonce ‖ ciphertext ‖ tag)}
//! ```
//!
//! [`KeyRing::open`] fails closed: an unknown key id is [`SealError::UnknownKey`], a failed
//! authentication (wrong key, wrong persistent id, any altered byte) is [`SealError::Invalid`],
//! and text that is not of the form above is [`SealError::Malformed`]. Nothing panics on any
//! input.
//!
//! # Keyed hashes
//!
//! Static backup codes and email tokens are stored only as a [`KeyedHash`]: HMAC-SHA-256 under
//! the active hash key over the length-prefixed parts given by the caller, namely (kind label,
//! persistent id, normalised code\[, binding\]). The hash key never enters the database; a
//! database dump allows no offline guessing (REQ-10).
//!
//! ```
//! use otpkit::seal::KeyRing;
//!
//! let ring = KeyRing::parse(&KeyRing::generate_entry("k1")?)?;
//! let sealed = ring.seal("otp_totp.totpdevice/1", b"12345678901234567890")?;
//! assert_eq!(sealed.key_id(), Some("k1"));
//! let key = ring.open("otp_totp.totpdevice/1", &sealed)?;
//! assert_eq!(key.expose(), b"12345678901234567890");
//! assert!(ring.open("otp_totp.totpdevice/2", &sealed).is_err()); // bound to its device
//!
//! let h = ring.hash(&[b"otp_static.staticdevice", b"otp_static.staticdevice/7", b"k7f2qm3xza"])?;
//! assert!(ring.verify_hash(
//!     &[b"otp_static.staticdevice", b"otp_static.staticdevice/7", b"k7f2qm3xza"],
//!     &h,
//! )?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod hash;
mod ring;
mod sealed;

pub use hash::KeyedHash;
pub use ring::KeyRing;
pub use sealed::Sealed;

/// Length in bytes of a master secret in the key ring.
pub const MASTER_KEY_LEN: usize = 32;

/// Whether `id` is a valid key id: `[A-Za-z0-9_-]{1,32}`.
///
/// ```
/// use otpkit::seal::is_valid_key_id;
/// assert!(is_valid_key_id("k1"));
/// assert!(is_valid_key_id("2026-01_primary"));
/// assert!(!is_valid_key_id(""));
/// assert!(!is_valid_key_id("a:b"));
/// assert!(!is_valid_key_id(&"x".repeat(33)));
/// ```
pub fn is_valid_key_id(id: &str) -> bool {
    (1..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Why a key ring could not be parsed or generated.
///
/// No message ever contains key material. Where an entry cannot be trusted to have a valid id
/// (it might be a misplaced secret), it is named by its 1-based position only.
#[derive(Debug, thiserror::Error)]
pub enum KeyRingError {
    /// The ring has no entries.
    #[error("the key ring is empty: it needs at least one `id:base64` entry")]
    Empty,
    /// An entry between two commas is empty.
    #[error("key ring entry {position} is empty (stray comma?)")]
    EmptyEntry {
        /// 1-based position of the entry.
        position: usize,
    },
    /// An entry has no `:` between id and secret.
    #[error("key ring entry {position} is not of the form `id:base64`")]
    MissingSeparator {
        /// 1-based position of the entry.
        position: usize,
    },
    /// An entry's id does not match `[A-Za-z0-9_-]{1,32}`.
    #[error("key ring entry {position} has an invalid key id: it must match [A-Za-z0-9_-]{{1,32}}")]
    InvalidId {
        /// 1-based position of the entry.
        position: usize,
    },
    /// A key id given to [`KeyRing::generate_entry`] or [`KeyRing::random`] is invalid.
    #[error("invalid key id: it must match [A-Za-z0-9_-]{{1,32}}")]
    InvalidNewId,
    /// The secret of an entry is not base64 (standard or URL-safe alphabet).
    #[error("the secret of key `{id}` is not valid base64")]
    InvalidBase64 {
        /// The entry's key id.
        id: String,
    },
    /// The secret of an entry does not decode to 32 bytes.
    #[error("the secret of key `{id}` is {len} bytes long; it must be exactly 32 bytes")]
    WrongLength {
        /// The entry's key id.
        id: String,
        /// The decoded length.
        len: usize,
    },
    /// Two entries share a key id.
    #[error("the key id `{id}` appears more than once in the key ring")]
    DuplicateId {
        /// The repeated key id.
        id: String,
    },
    /// The OS random number generator failed.
    #[error("the operating system's random number generator failed")]
    Random,
    /// Deriving the seal or hash key failed (not expected to happen).
    #[error("deriving keys from the key ring failed")]
    KeyDerivation,
}

/// Why sealing, opening or hashing failed. No message says more than the variant, and none
/// contains key material, plaintext or the stored value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// The value was written under a key id that is not in the ring. Add the key back to the
    /// ring (it must not leave the ring while rows still use it).
    #[error("the key id `{key_id}` is not in the key ring")]
    UnknownKey {
        /// The key id named by the stored value.
        key_id: String,
    },
    /// Authentication failed: the value was altered, belongs to another device, or the key
    /// under its id is not the one it was sealed with. Deliberately says no more.
    #[error("the sealed value failed authentication")]
    Invalid,
    /// The stored text is not a well-formed sealed value or keyed hash.
    #[error("the stored value is not a well-formed otpkit sealed value or keyed hash")]
    Malformed,
    /// An input is too large to seal or hash.
    #[error("the value is too large to seal or hash")]
    InputTooLarge,
    /// The OS random number generator failed.
    #[error("the operating system's random number generator failed")]
    Random,
}

#[cfg(test)]
mod testing {
    //! What the tests of every part share: two rings and a device.
    use super::KeyRing;

    pub(super) const K_NEW: &str = "new:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    pub(super) const OLD_B64: &str = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
    pub(super) const PID: &str = "otp_totp.totpdevice/1";
    pub(super) const KEY20: &[u8] = b"12345678901234567890";

    pub(super) fn ring_old() -> KeyRing {
        KeyRing::parse(&format!("old:{OLD_B64}")).unwrap()
    }

    pub(super) fn ring_new_old() -> KeyRing {
        KeyRing::parse(&format!("{K_NEW},old:{OLD_B64}")).unwrap()
    }
}
