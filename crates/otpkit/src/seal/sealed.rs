//! Sealed values: OATH keys encrypted under the ring's active key, bound to their device.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};

use super::ring::{Entry, KeyRing};
use super::{SealError, is_valid_key_id};
use crate::secret::SecretBytes;

/// Length in bytes of the XChaCha20-Poly1305 nonce stored in front of every ciphertext.
const NONCE_LEN: usize = 24;

/// Length in bytes of the Poly1305 tag at the end of every ciphertext.
const TAG_LEN: usize = 16;

/// Version prefix of the stored sealed form.
const SEALED_VERSION: &str = "v1";

impl Entry {
    /// The XChaCha20-Poly1305 cipher under the entry's seal key.
    pub(super) fn cipher(&self) -> Result<XChaCha20Poly1305, SealError> {
        XChaCha20Poly1305::new_from_slice(&self.seal_key).map_err(|_| SealError::Invalid)
    }
}

impl KeyRing {
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
}

fn aad(persistent_id: &str) -> String {
    format!("otpkit/v1|{persistent_id}|key")
}

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
pub(super) fn split_sealed(s: &str) -> Option<(&str, &str)> {
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

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::seal::KeyedHash;

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
