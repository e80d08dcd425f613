//! `SideChannelDevice`: a token generated here and delivered out of band (docs/behaviour.md §2.3).
//!
//! [`SideChannel`] is the reusable piece a kind embeds in its state: the keyed hash of the
//! outstanding token and `valid_until`. It never stores a token in plaintext.

use serde::{Deserialize, Serialize};

use super::{ArgumentError, Context, KindError};
use crate::clock::Timestamp;
use crate::oath::Digits;
use crate::seal::KeyedHash;
use crate::secret::SecretString;
use crate::token::normalize_oath;

/// The outstanding side-channel token of a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SideChannel {
    /// The keyed hash of the token; `None` when no token is outstanding.
    pub token: Option<KeyedHash>,
    /// The token is accepted only strictly before this instant.
    pub valid_until: Timestamp,
    /// The number of digits of the outstanding token.
    #[serde(default = "six")]
    pub length: u8,
}

fn six() -> u8 {
    6
}

/// What [`SideChannel::verify_token`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SideChannelResult {
    /// Accepted and consumed.
    Accepted,
    /// The input is not a token of the outstanding length.
    Malformed,
    /// No token is outstanding, or it expired.
    NoneOutstanding,
    /// A token is outstanding and this is not it.
    Wrong,
}

impl SideChannel {
    /// A new device's side channel: `valid_until = created_at`, so no token is valid.
    pub fn new(created_at: Timestamp) -> Self {
        SideChannel {
            token: None,
            valid_until: created_at,
            length: 6,
        }
    }

    /// `generate_token(length, valid_secs)`: `length` 6–8 CSPRNG digits (leading zeros
    /// possible), valid `valid_secs` (1–600) from now. Stores only the keyed hash over
    /// (token, binding) and returns the plaintext exactly once. Out-of-range arguments are a
    /// typed error and change nothing. With the engine, `commit = true` is
    /// [`crate::Engine::generate_token`]; calling this on a loaded state is `commit = false`.
    pub fn generate_token(
        &mut self,
        ctx: &Context<'_>,
        length: u8,
        valid_secs: u32,
    ) -> Result<SecretString, KindError> {
        if !(6..=8).contains(&length) {
            return Err(ArgumentError::TokenLength(length).into());
        }
        if !(1..=600).contains(&valid_secs) {
            return Err(ArgumentError::TokenValidity(valid_secs).into());
        }
        let token = random_digits(length)?;
        let hash = ctx.hash(&[token.expose().as_bytes(), ctx.binding().unwrap_or_default()])?;
        self.token = Some(hash);
        self.length = length;
        self.valid_until = ctx.now().add_secs(i64::from(valid_secs));
        Ok(token)
    }

    /// `verify_token(token)`: accepted only if a hash is stored, the keyed hash of the
    /// normalised token equals it (constant time), and `now < valid_until` (strict). On
    /// success the hash is cleared and `valid_until = now`. A failure changes nothing here.
    pub fn verify_token(
        &mut self,
        ctx: &Context<'_>,
        token: &str,
    ) -> Result<SideChannelResult, KindError> {
        let digits = Digits::new(self.length).unwrap_or(Digits::SIX);
        let Ok(norm) = normalize_oath(token, digits) else {
            return Ok(SideChannelResult::Malformed);
        };
        let Some(stored) = &self.token else {
            return Ok(SideChannelResult::NoneOutstanding);
        };
        let matches = ctx.verify_hash(
            &[norm.expose().as_bytes(), ctx.binding().unwrap_or_default()],
            stored,
        )?;
        if ctx.now() >= self.valid_until {
            return Ok(SideChannelResult::NoneOutstanding);
        }
        if matches {
            self.token = None;
            self.valid_until = ctx.now();
            Ok(SideChannelResult::Accepted)
        } else {
            Ok(SideChannelResult::Wrong)
        }
    }
}

/// `n` decimal digits, each uniform, from the OS CSPRNG (rejection sampling, no modulo
/// bias).
pub(crate) fn random_digits(n: u8) -> Result<SecretString, KindError> {
    let mut out = String::with_capacity(usize::from(n));
    let mut buf = [0u8; 16];
    while out.len() < usize::from(n) {
        getrandom::fill(&mut buf).map_err(|_| KindError::Random)?;
        for b in buf {
            // 250 = 25 · 10: values 250..=255 are rejected to stay uniform.
            if b < 250 && out.len() < usize::from(n) {
                out.push(char::from(b'0' + b % 10));
            }
        }
    }
    Ok(SecretString::new(out))
}
