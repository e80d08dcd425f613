//! Secrets at rest: the key ring, sealed OATH keys and keyed hashes (SPEC §5.7).
//!
//! # The key ring
//!
//! A [`KeyRing`] is the text of `OTPKIT_SECRET_KEYS` (or of the file named by
//! `OTPKIT_SECRET_KEYS_FILE`): comma-separated `id:base64` entries, each a key id matching
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

use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::{DecodePaddingMode, general_purpose::URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::secret::SecretBytes;

/// Length in bytes of a master secret in the key ring.
pub const MASTER_KEY_LEN: usize = 32;

/// Length in bytes of the XChaCha20-Poly1305 nonce stored in front of every ciphertext.
const NONCE_LEN: usize = 24;

/// Length in bytes of the Poly1305 tag at the end of every ciphertext.
const TAG_LEN: usize = 16;

/// Version prefix of the stored sealed form.
const SEALED_VERSION: &str = "v1";

/// HKDF info string of the sealing key.
const INFO_SEAL: &[u8] = b"otpkit/v1/seal";

/// HKDF info string of the hashing key.
const INFO_HASH: &[u8] = b"otpkit/v1/hash";

/// Key id used for the entry of a freshly created key ring file.
pub const DEFAULT_KEY_ID: &str = "k1";

/// Base64 with the standard alphabet, padding optional.
const STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Base64 with the URL-safe alphabet, padding optional.
const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

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

/// Why a key ring could not be parsed, generated, loaded or created.
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
    /// Reading or creating the key ring file failed.
    #[error("key ring file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
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

/// One ring entry: its id and the two keys derived from its master secret.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
struct Entry {
    #[zeroize(skip)]
    id: String,
    seal_key: [u8; 32],
    hash_key: [u8; 32],
}

impl Entry {
    fn derive(id: String, master: &[u8; MASTER_KEY_LEN]) -> Result<Entry, KeyRingError> {
        let hk = Hkdf::<Sha256>::new(None, master);
        let mut entry = Entry {
            id,
            seal_key: [0; 32],
            hash_key: [0; 32],
        };
        hk.expand(INFO_SEAL, &mut entry.seal_key)
            .map_err(|_| KeyRingError::KeyDerivation)?;
        hk.expand(INFO_HASH, &mut entry.hash_key)
            .map_err(|_| KeyRingError::KeyDerivation)?;
        Ok(entry)
    }

    fn mac(&self, parts: &[&[u8]]) -> Result<[u8; 32], SealError> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.hash_key)
            .map_err(|_| SealError::Invalid)?;
        for part in parts {
            let len = u32::try_from(part.len()).map_err(|_| SealError::InputTooLarge)?;
            mac.update(&len.to_be_bytes());
            mac.update(part);
        }
        Ok(mac.finalize().into_bytes().into())
    }

    fn cipher(&self) -> Result<XChaCha20Poly1305, SealError> {
        XChaCha20Poly1305::new_from_slice(&self.seal_key).map_err(|_| SealError::Invalid)
    }
}

/// The key ring: key ids and the keys derived from their 32-byte master secrets (SPEC §5.7).
///
/// The first entry is active for new seals and hashes. `Debug` shows key ids only; the keys are
/// zeroed on drop.
///
/// ```
/// use otpkit::seal::KeyRing;
/// let ring = KeyRing::parse(
///     "new:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=, old:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=",
/// )?;
/// assert_eq!(ring.active_id(), "new");
/// assert_eq!(ring.ids().collect::<Vec<_>>(), ["new", "old"]);
/// assert_eq!(format!("{ring:?}"), r#"KeyRing { active: "new", ids: ["new", "old"] }"#);
/// # Ok::<(), otpkit::seal::KeyRingError>(())
/// ```
#[derive(Clone)]
pub struct KeyRing {
    /// Never empty: the constructors refuse an empty ring.
    active: Entry,
    /// The remaining entries in ring order.
    others: Vec<Entry>,
}

impl KeyRing {
    /// Parses the ring text: comma-separated `id:base64` entries.
    ///
    /// Whitespace (spaces, tabs, newlines) around the whole text and around each entry is
    /// ignored. The secret is base64 of exactly 32 bytes, in the standard (`+/`) or the
    /// URL-safe (`-_`) alphabet, with or without `=` padding. An empty ring, an empty entry, a
    /// missing `:`, an invalid id, bad base64, a wrong length or a repeated id is an error that
    /// names the entry (by id, or by position when the id itself is invalid) but never its
    /// secret.
    pub fn parse(text: &str) -> Result<KeyRing, KeyRingError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(KeyRingError::Empty);
        }
        let mut entries: Vec<Entry> = Vec::new();
        for (i, raw) in text.split(',').enumerate() {
            let position = i.saturating_add(1);
            let raw = raw.trim();
            if raw.is_empty() {
                return Err(KeyRingError::EmptyEntry { position });
            }
            let (id, secret) = raw
                .split_once(':')
                .ok_or(KeyRingError::MissingSeparator { position })?;
            let id = id.trim();
            if !is_valid_key_id(id) {
                return Err(KeyRingError::InvalidId { position });
            }
            if entries.iter().any(|e| e.id == id) {
                return Err(KeyRingError::DuplicateId { id: id.to_owned() });
            }
            let master = decode_master(id, secret.trim())?;
            entries.push(Entry::derive(id.to_owned(), &master)?);
        }
        let mut iter = entries.into_iter();
        let active = iter.next().ok_or(KeyRingError::Empty)?;
        Ok(KeyRing {
            active,
            others: iter.collect(),
        })
    }

    /// A new ring entry `id:base64` holding 32 bytes from the OS CSPRNG (REQ-01), in standard
    /// base64 with padding. This is what `otpkit keys generate --id ID` prints; put it
    /// **first** in the ring to make it active.
    ///
    /// ```
    /// use otpkit::seal::KeyRing;
    /// let entry = KeyRing::generate_entry("k2")?;
    /// assert!(entry.starts_with("k2:") && entry.len() == 3 + 44);
    /// assert!(KeyRing::generate_entry("bad id").is_err());
    /// # Ok::<(), otpkit::seal::KeyRingError>(())
    /// ```
    pub fn generate_entry(id: &str) -> Result<String, KeyRingError> {
        if !is_valid_key_id(id) {
            return Err(KeyRingError::InvalidNewId);
        }
        let mut master = Zeroizing::new([0u8; MASTER_KEY_LEN]);
        getrandom::fill(master.as_mut()).map_err(|_| KeyRingError::Random)?;
        Ok(format!("{id}:{}", STANDARD.encode(master.as_ref())))
    }

    /// A ring of one fresh random entry named `id`, kept only in memory (tests, ephemeral
    /// setups).
    pub fn random(id: &str) -> Result<KeyRing, KeyRingError> {
        let entry = Zeroizing::new(Self::generate_entry(id)?);
        Self::parse(&entry)
    }

    /// Reads and parses the ring file at `path`.
    pub fn load_file(path: impl AsRef<Path>) -> Result<KeyRing, KeyRingError> {
        let path = path.as_ref();
        let text =
            Zeroizing::new(
                std::fs::read_to_string(path).map_err(|source| KeyRingError::Io {
                    path: path.to_owned(),
                    source,
                })?,
            );
        warn_if_shared(path);
        Self::parse(&text)
    }

    /// Loads the ring file at `path`, or creates it when it does not exist (the embedded
    /// SQLite default of SPEC §5.7). Returns the ring and whether the file was created, so that
    /// the caller can announce it once.
    ///
    /// A new file holds one fresh entry with the id [`DEFAULT_KEY_ID`] (`k1`) and, on Unix,
    /// mode 0600. It appears atomically: the entry is written and synced to a temporary file
    /// beside it, which is then hard-linked to `path` only if `path` still does not exist. Two
    /// processes racing to create the ring thus end up with the same ring; a crash never
    /// leaves a half-written ring at `path`. On file systems without hard links the file is
    /// created directly with `create_new`.
    pub fn load_or_create_file(path: impl AsRef<Path>) -> Result<(KeyRing, bool), KeyRingError> {
        let path = path.as_ref();
        match std::fs::metadata(path) {
            Ok(_) => return Ok((Self::load_file(path)?, false)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(KeyRingError::Io {
                    path: path.to_owned(),
                    source,
                });
            }
        }
        let entry = Zeroizing::new(Self::generate_entry(DEFAULT_KEY_ID)?);
        let ring = Self::parse(&entry)?;
        let mut contents = Zeroizing::new(String::with_capacity(entry.len().saturating_add(1)));
        contents.push_str(&entry);
        contents.push('\n');
        if create_atomically(path, contents.as_bytes())? {
            Ok((ring, true))
        } else {
            // Someone else created it first: theirs wins.
            Ok((Self::load_file(path)?, false))
        }
    }

    /// The id of the active key (the first entry).
    pub fn active_id(&self) -> &str {
        &self.active.id
    }

    /// All key ids in ring order, the active one first.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.entries().map(|e| e.id.as_str())
    }

    /// Whether the ring holds a key with this id.
    pub fn contains(&self, key_id: &str) -> bool {
        self.entry(key_id).is_some()
    }

    /// Seals `plaintext` (a TOTP/HOTP key) for the device `persistent_id` under the active key:
    /// XChaCha20-Poly1305 with a fresh random 24-byte nonce and the AAD
    /// `otpkit/v1|{persistent_id}|key`.
    pub fn seal(&self, persistent_id: &str, plaintext: &[u8]) -> Result<Sealed, SealError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|_| SealError::Random)?;
        let aad = aad(persistent_id);
        let ciphertext = self
            .active
            .cipher()?
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| SealError::InputTooLarge)?;
        let mut raw = Vec::with_capacity(NONCE_LEN.saturating_add(ciphertext.len()));
        raw.extend_from_slice(&nonce);
        raw.extend_from_slice(&ciphertext);
        Ok(Sealed(format!(
            "{SEALED_VERSION}:{}:{}",
            self.active.id,
            URL_SAFE_NO_PAD.encode(raw)
        )))
    }

    /// Opens a value sealed for the device `persistent_id`, with the key its id names.
    ///
    /// Errors: [`SealError::Malformed`] for text that is not a sealed value (bad version,
    /// truncated, garbled); [`SealError::UnknownKey`] for a key id absent from the ring;
    /// [`SealError::Invalid`] when authentication fails (altered bytes, another device's
    /// value, a different key under the same id), without saying which.
    pub fn open(&self, persistent_id: &str, sealed: &Sealed) -> Result<SecretBytes, SealError> {
        let parsed = ParsedSealed::parse(&sealed.0)?;
        let entry = self
            .entry(parsed.key_id)
            .ok_or_else(|| SealError::UnknownKey {
                key_id: parsed.key_id.to_owned(),
            })?;
        let aad = aad(persistent_id);
        let plaintext = entry
            .cipher()?
            .decrypt(
                &XNonce::from(parsed.nonce),
                Payload {
                    msg: &parsed.ciphertext,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| SealError::Invalid)?;
        Ok(SecretBytes::new(plaintext))
    }

    /// Moves a sealed value to the active key: opens it and seals it again under the active
    /// key with a fresh nonce. Returns `None` when it already is under the active key (it is
    /// still opened, so a damaged value is reported rather than counted as current).
    ///
    /// ```
    /// use otpkit::seal::KeyRing;
    /// let old = KeyRing::parse("old:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=")?;
    /// let sealed = old.seal("otp_hotp.hotpdevice/3", b"key")?;
    /// let ring = KeyRing::parse(
    ///     "new:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,old:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=",
    /// )?;
    /// let moved = ring.reseal("otp_hotp.hotpdevice/3", &sealed)?.expect("was under `old`");
    /// assert_eq!(moved.key_id(), Some("new"));
    /// assert!(ring.reseal("otp_hotp.hotpdevice/3", &moved)?.is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reseal(
        &self,
        persistent_id: &str,
        sealed: &Sealed,
    ) -> Result<Option<Sealed>, SealError> {
        let plaintext = self.open(persistent_id, sealed)?;
        if sealed.key_id() == Some(self.active_id()) {
            return Ok(None);
        }
        self.seal(persistent_id, plaintext.expose()).map(Some)
    }

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
    /// up when codes hashed before a rotation must keep working (SPEC §5.7).
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

    fn entries(&self) -> impl Iterator<Item = &Entry> {
        std::iter::once(&self.active).chain(self.others.iter())
    }

    fn entry(&self, key_id: &str) -> Option<&Entry> {
        self.entries().find(|e| e.id == key_id)
    }
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("active", &self.active.id)
            .field("ids", &self.ids().collect::<Vec<_>>())
            .finish()
    }
}

fn aad(persistent_id: &str) -> String {
    format!("otpkit/v1|{persistent_id}|key")
}

fn decode_master(id: &str, secret: &str) -> Result<Zeroizing<[u8; MASTER_KEY_LEN]>, KeyRingError> {
    let decoded = STANDARD_LENIENT
        .decode(secret)
        .or_else(|_| URL_SAFE_LENIENT.decode(secret))
        .map(Zeroizing::new)
        .map_err(|_| KeyRingError::InvalidBase64 { id: id.to_owned() })?;
    let array: [u8; MASTER_KEY_LEN] =
        decoded
            .as_slice()
            .try_into()
            .map_err(|_| KeyRingError::WrongLength {
                id: id.to_owned(),
                len: decoded.len(),
            })?;
    Ok(Zeroizing::new(array))
}

/// Creates `path` with `contents` if it does not exist. `Ok(false)` if it appeared meanwhile.
fn create_atomically(path: &Path, contents: &[u8]) -> Result<bool, KeyRingError> {
    let io_err = |source: io::Error| KeyRingError::Io {
        path: path.to_owned(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let file_name = path.file_name().ok_or_else(|| {
        io_err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a file name",
        ))
    })?;
    let mut suffix = [0u8; 8];
    getrandom::fill(&mut suffix).map_err(|_| KeyRingError::Random)?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(file_name);
    tmp_name.push(format!(".tmp-{}", URL_SAFE_NO_PAD.encode(suffix)));
    let tmp = dir.join(tmp_name);

    let write_new = |target: &Path| -> io::Result<()> {
        let mut file = new_private_file(target)?;
        file.write_all(contents)?;
        file.sync_all()
    };

    if let Err(e) = write_new(&tmp) {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_err(e));
    }
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(false),
        Err(_) => {
            // No hard links here (some network or FAT file systems): create in place.
            match write_new(path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(false),
                Err(e) => {
                    let _ = std::fs::remove_file(path);
                    return Err(io_err(e));
                }
            }
        }
    }
    // Make the new directory entry durable; best effort.
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(true)
}

#[cfg(unix)]
fn new_private_file(path: &Path) -> io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn new_private_file(path: &Path) -> io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(unix)]
fn warn_if_shared(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            path = %path.display(),
            "the key ring file is readable or writable by group or others; use mode 0600"
        );
    }
}

#[cfg(not(unix))]
fn warn_if_shared(_path: &Path) {}

/// The parts of a well-formed stored sealed value.
struct ParsedSealed<'a> {
    key_id: &'a str,
    nonce: [u8; NONCE_LEN],
    ciphertext: Vec<u8>,
}

impl<'a> ParsedSealed<'a> {
    fn parse(s: &'a str) -> Result<Self, SealError> {
        let (key_id, body) = split_sealed(s).ok_or(SealError::Malformed)?;
        let raw = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| SealError::Malformed)?;
        let (nonce, ciphertext) = raw
            .split_first_chunk::<NONCE_LEN>()
            .ok_or(SealError::Malformed)?;
        if ciphertext.len() < TAG_LEN {
            return Err(SealError::Malformed);
        }
        Ok(ParsedSealed {
            key_id,
            nonce: *nonce,
            ciphertext: ciphertext.to_vec(),
        })
    }
}

/// Splits `v1:{kid}:{body}` into key id and body, checking the version and the id.
fn split_sealed(s: &str) -> Option<(&str, &str)> {
    let rest = s.strip_prefix(SEALED_VERSION)?.strip_prefix(':')?;
    let (key_id, body) = rest.split_once(':')?;
    is_valid_key_id(key_id).then_some((key_id, body))
}

/// A sealed secret as stored: `v1:{key id}:{base64url(nonce ‖ ciphertext ‖ tag)}`.
///
/// Serialises as that string. `Debug` shows only the key id. Whether the text is well formed
/// is checked when it is opened.
///
/// ```
/// use otpkit::seal::Sealed;
/// let s = Sealed::from_stored("v1:k1:AAAA".to_owned());
/// assert_eq!(s.key_id(), Some("k1"));
/// assert_eq!(format!("{s:?}"), r#"Sealed { key_id: Some("k1") }"#);
/// assert_eq!(Sealed::from_stored("garbage".into()).key_id(), None);
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sealed(String);

impl Sealed {
    /// Wraps a value read back from storage.
    pub fn from_stored(stored: String) -> Self {
        Sealed(stored)
    }

    /// The stored text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The stored text, by value.
    pub fn into_string(self) -> String {
        self.0
    }

    /// The key id the value claims to be sealed under, if the text is well formed enough to
    /// name one.
    pub fn key_id(&self) -> Option<&str> {
        split_sealed(&self.0).map(|(kid, _)| kid)
    }
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealed")
            .field("key_id", &self.key_id())
            .finish()
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
    use super::*;

    const K_NEW: &str = "new:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    const OLD_B64: &str = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
    const PID: &str = "otp_totp.totpdevice/1";
    const KEY20: &[u8] = b"12345678901234567890";

    fn ring_old() -> KeyRing {
        KeyRing::parse(&format!("old:{OLD_B64}")).unwrap()
    }

    fn ring_new_old() -> KeyRing {
        KeyRing::parse(&format!("{K_NEW},old:{OLD_B64}")).unwrap()
    }

    /// Every character that could replace another in a stored value: base64url, the
    /// separator, and a few outsiders.
    fn replacement_chars() -> Vec<char> {
        let mut v: Vec<char> =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_:=+/ .é\0"
                .chars()
                .collect();
        v.push('\u{1F600}');
        v
    }

    #[test]
    fn round_trip() {
        let ring = ring_new_old();
        for len in [0usize, 1, 16, 20, 32, 64, 1000] {
            let pt: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let sealed = ring.seal(PID, &pt).unwrap();
            assert_eq!(sealed.key_id(), Some("new"));
            assert!(sealed.as_str().starts_with("v1:new:"));
            assert_eq!(ring.open(PID, &sealed).unwrap().expose(), &pt[..]);
        }
    }

    #[test]
    fn fresh_nonce_per_seal() {
        let ring = ring_old();
        let a = ring.seal(PID, KEY20).unwrap();
        let b = ring.seal(PID, KEY20).unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn serde_transparent() {
        let ring = ring_old();
        let sealed = ring.seal(PID, KEY20).unwrap();
        let json = serde_json::to_string(&sealed).unwrap();
        assert_eq!(json, format!("\"{}\"", sealed.as_str()));
        let back: Sealed = serde_json::from_str(&json).unwrap();
        assert_eq!(back, sealed);
        assert_eq!(back.into_string(), sealed.as_str());
    }

    #[test]
    fn another_persistent_id_does_not_open() {
        // REQ-09: a ciphertext moved to another device fails to open.
        let ring = ring_old();
        let sealed = ring.seal(PID, KEY20).unwrap();
        for other in [
            "otp_totp.totpdevice/2",
            "otp_hotp.hotpdevice/1",
            "otp_totp.TOTPDevice/1",
            "",
            "otp_totp.totpdevice/1 ",
        ] {
            assert_eq!(
                ring.open(other, &sealed),
                Err(SealError::Invalid),
                "{other}"
            );
        }
    }

    #[test]
    fn aad_is_exact() {
        // Decrypt by hand with the documented AAD to pin the format.
        let ring = ring_old();
        let sealed = ring.seal(PID, KEY20).unwrap();
        let parsed = ParsedSealed::parse(sealed.as_str()).unwrap();
        let pt = ring
            .active
            .cipher()
            .unwrap()
            .decrypt(
                &XNonce::from(parsed.nonce),
                Payload {
                    msg: &parsed.ciphertext,
                    aad: b"otpkit/v1|otp_totp.totpdevice/1|key",
                },
            )
            .unwrap();
        assert_eq!(pt, KEY20);
        assert_eq!(parsed.ciphertext.len(), KEY20.len() + TAG_LEN);
    }

    #[test]
    fn derived_keys_are_separate_and_pinned() {
        // HKDF-SHA-256, no salt, info strings as documented; master = 32 zero bytes.
        let ring = KeyRing::parse(K_NEW).unwrap();
        let hk = Hkdf::<Sha256>::new(None, &[0u8; 32]);
        let mut seal = [0u8; 32];
        let mut hash = [0u8; 32];
        hk.expand(b"otpkit/v1/seal", &mut seal).unwrap();
        hk.expand(b"otpkit/v1/hash", &mut hash).unwrap();
        assert_eq!(ring.active.seal_key, seal);
        assert_eq!(ring.active.hash_key, hash);
        assert_ne!(seal, hash);
        assert_ne!(seal, [0u8; 32]);
    }

    #[test]
    fn every_single_tampered_byte_fails_closed() {
        let ring = ring_old();
        let sealed = ring.seal(PID, KEY20).unwrap();
        let original: Vec<char> = sealed.as_str().chars().collect();
        let mut tried = 0;
        for i in 0..original.len() {
            for &c in &replacement_chars() {
                if c == original[i] {
                    continue;
                }
                let mut t = original.clone();
                t[i] = c;
                let tampered = Sealed::from_stored(t.into_iter().collect());
                let r = ring.open(PID, &tampered);
                assert!(r.is_err(), "tampered index {i} with {c:?} opened");
                tried += 1;
            }
            // Deleting and duplicating the character fail too.
            let mut del = original.clone();
            del.remove(i);
            assert!(
                ring.open(PID, &Sealed::from_stored(del.into_iter().collect()))
                    .is_err()
            );
            let mut dup = original.clone();
            dup.insert(i, original[i]);
            assert!(
                ring.open(PID, &Sealed::from_stored(dup.into_iter().collect()))
                    .is_err()
            );
        }
        assert!(tried > 1000);
    }

    #[test]
    fn every_flipped_bit_of_the_raw_bytes_fails_as_invalid() {
        let ring = ring_old();
        let sealed = ring.seal(PID, KEY20).unwrap();
        let (kid, body) = split_sealed(sealed.as_str()).unwrap();
        let raw = URL_SAFE_NO_PAD.decode(body).unwrap();
        for i in 0..raw.len() {
            for bit in 0..8 {
                let mut t = raw.clone();
                t[i] ^= 1 << bit;
                let s = Sealed::from_stored(format!("v1:{kid}:{}", URL_SAFE_NO_PAD.encode(&t)));
                assert_eq!(ring.open(PID, &s), Err(SealError::Invalid));
            }
        }
    }

    #[test]
    fn truncation_at_every_length_fails() {
        let ring = ring_old();
        let sealed = ring.seal(PID, KEY20).unwrap();
        let s = sealed.as_str();
        for len in 0..s.len() {
            let t = Sealed::from_stored(s[..len].to_owned());
            assert!(ring.open(PID, &t).is_err(), "prefix of {len} opened");
        }
        // Cut in the raw bytes: too short for nonce + tag is Malformed, otherwise Invalid.
        let (_, body) = split_sealed(s).unwrap();
        let raw = URL_SAFE_NO_PAD.decode(body).unwrap();
        for len in 0..raw.len() {
            let t = Sealed::from_stored(format!("v1:old:{}", URL_SAFE_NO_PAD.encode(&raw[..len])));
            let expected = if len < NONCE_LEN + TAG_LEN {
                SealError::Malformed
            } else {
                SealError::Invalid
            };
            assert_eq!(ring.open(PID, &t), Err(expected), "raw length {len}");
        }
    }

    #[test]
    fn malformed_inputs() {
        let ring = ring_old();
        let good = ring.seal(PID, KEY20).unwrap();
        let (_, body) = split_sealed(good.as_str()).unwrap();
        for bad in [
            String::new(),
            "v1".into(),
            "v1:".into(),
            "v1:old".into(),
            "v1:old:".into(),
            format!("v2:old:{body}"),
            format!("V1:old:{body}"),
            format!("v1::{body}"),
            format!("v1:o d:{body}"),
            format!("v1:{}:{body}", "x".repeat(33)),
            format!("v1:old:{body}="),
            format!("v1:old:{body}:"),
            format!(" v1:old:{body}"),
            format!("v1:old:{}+", &body[..body.len() - 1]),
            "v1:old:!!!!".into(),
            "\u{1F600}".into(),
        ] {
            let s = Sealed::from_stored(bad.clone());
            assert_eq!(ring.open(PID, &s), Err(SealError::Malformed), "{bad:?}");
        }
    }

    #[test]
    fn unknown_key_id() {
        let sealed = ring_new_old().seal(PID, KEY20).unwrap();
        let err = ring_old().open(PID, &sealed).unwrap_err();
        assert_eq!(
            err,
            SealError::UnknownKey {
                key_id: "new".into()
            }
        );
        assert_eq!(err.to_string(), "the key id `new` is not in the key ring");
        assert_eq!(
            ring_old().reseal(PID, &sealed),
            Err(SealError::UnknownKey {
                key_id: "new".into()
            })
        );
    }

    #[test]
    fn same_id_different_key_is_invalid() {
        let a = KeyRing::random("k1").unwrap();
        let b = KeyRing::random("k1").unwrap();
        let sealed = a.seal(PID, KEY20).unwrap();
        assert_eq!(b.open(PID, &sealed), Err(SealError::Invalid));
    }

    #[test]
    fn rotation() {
        let old = ring_old();
        let sealed_old = old.seal(PID, KEY20).unwrap();
        let ring = ring_new_old();
        assert_eq!(ring.active_id(), "new");
        // The new ring opens values sealed under "old".
        assert_eq!(ring.open(PID, &sealed_old).unwrap().expose(), KEY20);
        // Reseal moves them to "new".
        let moved = ring.reseal(PID, &sealed_old).unwrap().unwrap();
        assert_eq!(moved.key_id(), Some("new"));
        assert_eq!(ring.open(PID, &moved).unwrap().expose(), KEY20);
        // A ring without "old" still opens the moved value.
        let new_only = KeyRing::parse(K_NEW).unwrap();
        assert_eq!(new_only.open(PID, &moved).unwrap().expose(), KEY20);
        // Resealing an active-key value is a no-op.
        assert_eq!(ring.reseal(PID, &moved).unwrap(), None);
        // Reseal is bound to the persistent id as well.
        assert_eq!(
            ring.reseal("otp_totp.totpdevice/2", &sealed_old),
            Err(SealError::Invalid)
        );
        assert_eq!(
            ring.reseal("otp_totp.totpdevice/2", &moved),
            Err(SealError::Invalid)
        );
        assert_eq!(
            ring.reseal(PID, &Sealed::from_stored("v1:new:xx".into())),
            Err(SealError::Malformed)
        );
    }

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

    #[test]
    fn parse_accepts_documented_forms() {
        let std_pad = format!("old:{OLD_B64}");
        let std_nopad = format!("old:{}", OLD_B64.trim_end_matches('='));
        // 0xfb bytes give '+' / '/' in standard and '-' / '_' in URL-safe base64.
        let bytes = [0xfbu8; 32];
        let std_sym = format!("sym:{}", STANDARD.encode(bytes));
        let url_sym = format!(
            "sym:{}",
            base64::engine::general_purpose::URL_SAFE.encode(bytes)
        );
        assert!(std_sym.contains('+') || std_sym.contains('/'));
        assert!(url_sym.contains('-') || url_sym.contains('_'));
        for text in [std_pad.clone(), std_nopad, format!("  \n{std_pad} \n\n")] {
            let ring = KeyRing::parse(&text).unwrap();
            assert_eq!(ring.active_id(), "old");
        }
        let a = KeyRing::parse(&std_sym).unwrap();
        let b = KeyRing::parse(&url_sym).unwrap();
        assert_eq!(a.active.seal_key, b.active.seal_key);
        let ring = KeyRing::parse(&format!(" {K_NEW} ,\n old : {OLD_B64} \n")).unwrap();
        assert_eq!(ring.ids().collect::<Vec<_>>(), ["new", "old"]);
        assert!(ring.contains("new") && ring.contains("old") && !ring.contains("k1"));
        let max_id = "A-_z09".repeat(5) + "ab";
        assert_eq!(max_id.len(), 32);
        assert!(KeyRing::parse(&format!("{max_id}:{OLD_B64}")).is_ok());
    }

    #[test]
    fn parse_errors() {
        let b31 = STANDARD.encode([7u8; 31]);
        let b33 = STANDARD.encode([7u8; 33]);
        let cases: Vec<(String, &str)> = vec![
            (String::new(), "Empty"),
            ("  \n ".into(), "Empty"),
            (format!("{K_NEW},"), "EmptyEntry"),
            (format!(",{K_NEW}"), "EmptyEntry"),
            (format!("{K_NEW},,old:{OLD_B64}"), "EmptyEntry"),
            (OLD_B64.into(), "MissingSeparator"),
            (format!(":{OLD_B64}"), "InvalidId"),
            (format!("a b:{OLD_B64}"), "InvalidId"),
            (format!("{}:{OLD_B64}", "x".repeat(33)), "InvalidId"),
            (format!("é:{OLD_B64}"), "InvalidId"),
            // A secret pasted in place of the id (base64 has `+/=`) is an invalid id.
            (format!("{OLD_B64}:k1"), "InvalidId"),
            ("k1:not base64!".into(), "InvalidBase64"),
            ("k1:".into(), "WrongLength"),
            (format!("k1:{b31}"), "WrongLength"),
            (format!("k1:{b33}"), "WrongLength"),
            (format!("k1:{OLD_B64},k1:{OLD_B64}"), "DuplicateId"),
            (format!("k1:{OLD_B64},k2:{OLD_B64},k1:{b31}"), "DuplicateId"),
        ];
        for (text, variant) in cases {
            let err = KeyRing::parse(&text).unwrap_err();
            assert!(format!("{err:?}").starts_with(variant), "{text:?}: {err:?}");
            let msg = err.to_string();
            for secret in [OLD_B64, OLD_B64.trim_end_matches('='), &b31, &b33] {
                assert!(!msg.contains(secret), "{msg}");
            }
        }
        let err = KeyRing::parse(&format!("k1:{OLD_B64},k2:{b31}")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the secret of key `k2` is 31 bytes long; it must be exactly 32 bytes"
        );
        let err = KeyRing::parse(&format!("k1:{OLD_B64},{OLD_B64}:k2")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "key ring entry 2 has an invalid key id: it must match [A-Za-z0-9_-]{1,32}"
        );
    }

    #[test]
    fn generate_entry_is_random_and_parses() {
        let a = KeyRing::generate_entry("k2").unwrap();
        let b = KeyRing::generate_entry("k2").unwrap();
        assert_ne!(a, b);
        let (id, secret) = a.split_once(':').unwrap();
        assert_eq!(id, "k2");
        assert_eq!(STANDARD.decode(secret).unwrap().len(), 32);
        assert_eq!(KeyRing::parse(&a).unwrap().active_id(), "k2");
        for bad in ["", "a:b", "a b", &"x".repeat(33)] {
            assert!(matches!(
                KeyRing::generate_entry(bad),
                Err(KeyRingError::InvalidNewId)
            ));
            assert!(KeyRing::random(bad).is_err());
        }
    }

    #[test]
    fn debug_shows_no_key_material() {
        let master_b64 = OLD_B64;
        let ring = ring_new_old();
        let dbg = format!("{ring:?} {ring:#?}");
        assert_eq!(
            format!("{ring:?}"),
            r#"KeyRing { active: "new", ids: ["new", "old"] }"#
        );
        assert!(!dbg.contains(master_b64));
        assert!(!dbg.contains(master_b64.trim_end_matches('=')));
        for e in ring.entries() {
            for key in [e.seal_key, e.hash_key] {
                assert!(!dbg.contains(&STANDARD.encode(key)));
                assert!(!dbg.contains(&format!("{key:?}")));
            }
        }
        let sealed = ring.seal(PID, KEY20).unwrap();
        let dbg = format!("{sealed:?} {sealed:#?}");
        assert_eq!(format!("{sealed:?}"), r#"Sealed { key_id: Some("new") }"#);
        let (_, body) = split_sealed(sealed.as_str()).unwrap();
        assert!(!dbg.contains(body));
        let opened = ring.open(PID, &sealed).unwrap();
        assert_eq!(format!("{opened:?}"), "SecretBytes([REDACTED; 20])");
    }

    #[test]
    fn error_messages_reveal_nothing() {
        let ring = ring_old();
        let sealed = ring.seal(PID, KEY20).unwrap();
        let (_, body) = split_sealed(sealed.as_str()).unwrap();
        for e in [
            SealError::Invalid,
            SealError::Malformed,
            SealError::InputTooLarge,
            SealError::Random,
            SealError::UnknownKey {
                key_id: "old".into(),
            },
        ] {
            let m = format!("{e} {e:?}");
            assert!(!m.contains(body) && !m.contains(OLD_B64) && !m.contains(PID));
        }
        // "Invalid" does not say whether the tag or the AAD was wrong.
        assert_eq!(
            SealError::Invalid.to_string(),
            "the sealed value failed authentication"
        );
    }

    fn temp_dir(name: &str) -> PathBuf {
        let mut suffix = [0u8; 6];
        getrandom::fill(&mut suffix).unwrap();
        let dir = std::env::temp_dir().join(format!(
            "otpkit-seal-{name}-{}",
            URL_SAFE_NO_PAD.encode(suffix)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn file_creation_and_reuse() {
        let dir = temp_dir("create");
        let path = dir.join("otpkit.sqlite3.keys");
        let (ring, created) = KeyRing::load_or_create_file(&path).unwrap();
        assert!(created);
        assert_eq!(ring.active_id(), DEFAULT_KEY_ID);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("k1:") && text.ends_with('\n'));
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        // Second use: same ring, not recreated.
        let sealed = ring.seal(PID, KEY20).unwrap();
        let (again, created) = KeyRing::load_or_create_file(&path).unwrap();
        assert!(!created);
        assert_eq!(again.open(PID, &sealed).unwrap().expose(), KEY20);
        let loaded = KeyRing::load_file(&path).unwrap();
        assert_eq!(loaded.open(PID, &sealed).unwrap().expose(), KEY20);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn file_errors() {
        let dir = temp_dir("errors");
        let missing = dir.join("missing.keys");
        let err = KeyRing::load_file(&missing).unwrap_err();
        assert!(matches!(err, KeyRingError::Io { .. }));
        assert!(err.to_string().contains("missing.keys"));
        // An existing malformed file is an error, never overwritten.
        let bad = dir.join("bad.keys");
        std::fs::write(&bad, "k1:AAAA").unwrap();
        assert!(matches!(
            KeyRing::load_or_create_file(&bad),
            Err(KeyRingError::WrongLength { .. })
        ));
        assert_eq!(std::fs::read_to_string(&bad).unwrap(), "k1:AAAA");
        // A missing parent directory is an I/O error.
        let nested = dir.join("no/such/dir/x.keys");
        assert!(matches!(
            KeyRing::load_or_create_file(&nested),
            Err(KeyRingError::Io { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn concurrent_creation_yields_one_ring() {
        let dir = temp_dir("race");
        let path = dir.join("race.keys");
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || KeyRing::load_or_create_file(&path).unwrap())
            })
            .collect();
        let results: Vec<(KeyRing, bool)> =
            handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(results.iter().filter(|(_, c)| *c).count(), 1);
        let sealed = results[0].0.seal(PID, KEY20).unwrap();
        for (ring, _) in &results {
            assert_eq!(ring.open(PID, &sealed).unwrap().expose(), KEY20);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    mod prop {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn any_tampered_byte_fails(
                plaintext in proptest::collection::vec(any::<u8>(), 0..80),
                index in any::<proptest::sample::Index>(),
                replacement in any::<char>(),
            ) {
                let ring = ring_old();
                let sealed = ring.seal(PID, &plaintext).unwrap();
                let opened = ring.open(PID, &sealed).unwrap();
                prop_assert_eq!(opened.expose(), &plaintext[..]);
                let mut chars: Vec<char> = sealed.as_str().chars().collect();
                let i = index.index(chars.len());
                prop_assume!(chars[i] != replacement);
                chars[i] = replacement;
                let tampered = Sealed::from_stored(chars.into_iter().collect());
                prop_assert!(ring.open(PID, &tampered).is_err());
            }

            #[test]
            fn arbitrary_text_never_panics(text in ".{0,200}") {
                let ring = ring_old();
                let _ = ring.open(PID, &Sealed::from_stored(text.clone()));
                let _ = ring.reseal(PID, &Sealed::from_stored(text.clone()));
                let _ = text.parse::<KeyedHash>();
                let _ = KeyRing::parse(&text);
            }

            #[test]
            fn any_raw_byte_flip_is_invalid(
                plaintext in proptest::collection::vec(any::<u8>(), 0..80),
                index in any::<proptest::sample::Index>(),
                flip in 1u8..=255,
            ) {
                let ring = ring_old();
                let sealed = ring.seal(PID, &plaintext).unwrap();
                let (kid, body) = split_sealed(sealed.as_str()).unwrap();
                let mut raw = URL_SAFE_NO_PAD.decode(body).unwrap();
                let i = index.index(raw.len());
                raw[i] ^= flip;
                let s = Sealed::from_stored(format!("v1:{kid}:{}", URL_SAFE_NO_PAD.encode(&raw)));
                prop_assert_eq!(ring.open(PID, &s), Err(SealError::Invalid));
            }
        }
    }
}
