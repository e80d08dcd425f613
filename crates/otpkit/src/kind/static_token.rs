//! Static backup codes (`otp_static.staticdevice`, docs/behaviour.md §5.3).
//!
//! The codes are stored only as keyed hashes (§5.7). A batch replaces every code of the
//! device; a used code is deleted in the same commit that accepts it.

use serde::{Deserialize, Serialize};

use super::{Context, DeviceKind, KeyIds, KindError, Verdict};
use crate::seal::KeyedHash;
use crate::secret::SecretString;
use crate::settings::Settings;
use crate::token::normalize_static;

/// The state of a static device: the keyed hashes of its remaining codes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StaticDevice {
    /// One keyed hash per remaining code, unique per device.
    pub codes: Vec<KeyedHash>,
    /// Codes imported from django-otp that otpkit's code syntax does not cover (`tok_en!`,
    /// `p@ss`): matched exactly as typed, surrounding whitespace trimmed, as django-otp
    /// matched them. Keyed hashes, like `codes`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub literal_codes: Vec<KeyedHash>,
}

/// The hash input of a literal code: a label keeps it apart from every normalised code.
fn literal_parts(trimmed: &str) -> [&[u8]; 2] {
    [b"literal", trimmed.as_bytes()]
}

/// Why an explicit static token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StaticTokenError {
    /// Not 6–16 characters of `[a-z0-9]` after normalisation.
    #[error("a static token must be 6 to 16 letters or digits")]
    Malformed,
    /// The device already has this code.
    #[error("the device already has this token")]
    DuplicateToken,
}

const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// A fresh backup code: 10 lower-case base32 characters (50 bits) from the OS CSPRNG, shown
/// as `xxxxx-xxxxx`.
pub fn random_code() -> Result<SecretString, KindError> {
    let mut bytes = [0u8; 10];
    getrandom::fill(&mut bytes).map_err(|_| KindError::Random)?;
    let mut s = String::with_capacity(11);
    for (i, b) in bytes.iter().enumerate() {
        if i == 5 {
            s.push('-');
        }
        // 32 divides 256: every character is uniform.
        let c = ALPHABET.get(usize::from(b & 31)).copied().unwrap_or(b'a');
        s.push(char::from(c));
    }
    Ok(SecretString::new(s))
}

impl StaticDevice {
    /// Replaces every code with `count` fresh ones; returns the plaintexts (shown once).
    pub fn generate_batch(
        &mut self,
        ctx: &Context<'_>,
        count: usize,
    ) -> Result<Vec<SecretString>, KindError> {
        let mut codes = Vec::with_capacity(count);
        let mut hashes = Vec::with_capacity(count);
        while codes.len() < count {
            let code = random_code()?;
            let norm = normalize_static(code.expose()).map_err(|_| KindError::GeneratedCode)?;
            // `==` on SecretString is constant time (REQ-08).
            if codes.iter().any(|c: &SecretString| c == &code) {
                continue; // a 2^-50 event; keep codes unique
            }
            hashes.push(ctx.hash(&[norm.expose().as_bytes()])?);
            codes.push(code);
        }
        self.codes = hashes;
        self.literal_codes.clear();
        Ok(codes)
    }

    /// Adds one explicit code (`addstatictoken -t`) to the existing ones.
    pub fn add_token(
        &mut self,
        ctx: &Context<'_>,
        token: &str,
    ) -> Result<Result<(), StaticTokenError>, KindError> {
        let Ok(norm) = normalize_static(token) else {
            return Ok(Err(StaticTokenError::Malformed));
        };
        if self.find(ctx, norm.expose())?.is_some() {
            return Ok(Err(StaticTokenError::DuplicateToken));
        }
        self.codes.push(ctx.hash(&[norm.expose().as_bytes()])?);
        Ok(Ok(()))
    }

    /// Imports one code of django-otp exactly as it was stored: a code otpkit's syntax
    /// covers is kept normalised (its original spelling still normalises to it); any other
    /// non-empty text is kept as a literal code. Returns `false` for a code the device
    /// already has (django-otp allowed duplicates; one is kept) or an empty one.
    pub fn import_code(&mut self, ctx: &Context<'_>, code: &str) -> Result<bool, KindError> {
        if let Ok(norm) = normalize_static(code) {
            if self.find(ctx, norm.expose())?.is_some() {
                return Ok(false);
            }
            self.codes.push(ctx.hash(&[norm.expose().as_bytes()])?);
            return Ok(true);
        }
        let trimmed = code.trim();
        if trimmed.is_empty()
            || find_in(&self.literal_codes, ctx, &literal_parts(trimmed))?.is_some()
        {
            return Ok(false);
        }
        self.literal_codes.push(ctx.hash(&literal_parts(trimmed))?);
        Ok(true)
    }

    /// Number of codes left.
    pub fn codes_left(&self) -> usize {
        self.codes.len() + self.literal_codes.len()
    }

    /// The index of the code matching `norm` (see [`find_in`]).
    fn find(&self, ctx: &Context<'_>, norm: &str) -> Result<Option<usize>, KindError> {
        find_in(&self.codes, ctx, &[norm.as_bytes()])
    }
}

/// The index of the hash in `hashes` matching `parts`; every stored hash is compared
/// (constant time per comparison, no early exit).
fn find_in(
    hashes: &[KeyedHash],
    ctx: &Context<'_>,
    parts: &[&[u8]],
) -> Result<Option<usize>, KindError> {
    let mut found = None;
    for (i, h) in hashes.iter().enumerate() {
        if ctx.verify_hash(parts, h)? && found.is_none() {
            found = Some(i);
        }
    }
    Ok(found)
}

impl DeviceKind for StaticDevice {
    const MODEL_LABEL: &'static str = "otp_static.staticdevice";
    const VERBOSE_NAME: &'static str = "Static device";

    fn throttle_factor(&self, settings: &Settings) -> u32 {
        settings.static_codes.throttle_factor
    }

    fn verify(&mut self, token: &str, ctx: &mut Context<'_>) -> Result<Verdict, KindError> {
        // Literal codes (imported) are compared as typed; a device without any skips that.
        let literal = match self.literal_codes.is_empty() || token.len() > 64 {
            true => None,
            false => find_in(&self.literal_codes, ctx, &literal_parts(token.trim()))?,
        };
        let Ok(norm) = normalize_static(token) else {
            return Ok(match literal {
                Some(i) => {
                    self.literal_codes.remove(i);
                    Verdict::Accepted
                }
                None if self.literal_codes.is_empty() => Verdict::Malformed,
                None => Verdict::Invalid,
            });
        };
        match (self.find(ctx, norm.expose())?, literal) {
            (Some(i), _) => {
                self.codes.remove(i);
                Ok(Verdict::Accepted)
            }
            (None, Some(i)) => {
                self.literal_codes.remove(i);
                Ok(Verdict::Accepted)
            }
            (None, None) => Ok(Verdict::Invalid),
        }
    }

    fn info(&self) -> serde_json::Value {
        serde_json::json!({ "codes_left": self.codes_left() })
    }

    fn key_ids(&self) -> KeyIds {
        KeyIds {
            sealed: Vec::new(),
            hashed: (self.codes.iter().chain(&self.literal_codes))
                .map(|h| h.key_id().to_owned())
                .collect(),
        }
    }
}
