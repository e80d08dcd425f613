//! The key ring: parsing its text, new entries, and the keys derived from each entry's
//! master secret.

use std::fmt;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::{KeyRingError, MASTER_KEY_LEN, is_valid_key_id};

/// HKDF info string of the sealing key.
const INFO_SEAL: &[u8] = b"otpkit/v1/seal";

/// HKDF info string of the hashing key.
const INFO_HASH: &[u8] = b"otpkit/v1/hash";

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

/// One ring entry: its id and the two keys derived from its master secret.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(super) struct Entry {
    #[zeroize(skip)]
    pub(super) id: String,
    pub(super) seal_key: [u8; 32],
    pub(super) hash_key: [u8; 32],
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
}

/// The key ring: key ids and the keys derived from their 32-byte master secrets (docs/behaviour.md
/// §5.7).
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
    pub(super) active: Entry,
    /// The remaining entries in ring order.
    pub(super) others: Vec<Entry>,
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

    /// Every entry in ring order, the active one first.
    pub(super) fn entries(&self) -> impl Iterator<Item = &Entry> {
        std::iter::once(&self.active).chain(self.others.iter())
    }

    /// The entry with this id.
    pub(super) fn entry(&self, key_id: &str) -> Option<&Entry> {
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

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::seal::sealed::split_sealed;

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
}
