//! Every OATH code otpkit computes equals one computed independently: the RustCrypto `hmac`
//! crate used directly (keyed afresh for each code) and RFC 4226 §5.3 dynamic truncation
//! written out here, for random keys of 0–200 bytes, SHA-1, SHA-256 and SHA-512, 6, 7 and 8
//! digits and random counters and TOTP steps (the RFC 4226/6238 vectors are unit tests in
//! `src/oath.rs`).
//!
//! Checked per case: `oath::hotp` (raw key), `OathKey::hotp`, `totp_at`, and that
//! `verify_hotp` / `verify_totp` accept the reference code where the reference says it
//! matches (the highest matching candidate of the window, computed here from reference
//! codes) and nothing else. The number of cases is `PROPTEST_CASES` (default 512).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use hmac::{Hmac, KeyInit, Mac};
use otpkit::oath::{
    Algorithm, Digits, OathKey, TotpMatch, hmac_count, hotp, totp_at, verify_hotp, verify_totp,
};
use proptest::prelude::*;
use sha1::Sha1;
use sha2::{Sha256, Sha512};

/// HMAC(key, counter as 8 bytes big-endian) with the `hmac` crate, keyed for this one call.
fn reference_hmac(alg: Algorithm, key: &[u8], counter: u64) -> Vec<u8> {
    fn direct<M: Mac + KeyInit>(key: &[u8], msg: &[u8]) -> Vec<u8> {
        let mut m = <M as KeyInit>::new_from_slice(key).unwrap();
        m.update(msg);
        m.finalize().into_bytes().to_vec()
    }
    let msg = counter.to_be_bytes();
    match alg {
        Algorithm::Sha1 => direct::<Hmac<Sha1>>(key, &msg),
        Algorithm::Sha256 => direct::<Hmac<Sha256>>(key, &msg),
        Algorithm::Sha512 => direct::<Hmac<Sha512>>(key, &msg),
    }
}

/// RFC 4226 §5.3/§5.4: offset from the low nibble of the last byte, 31 bits big-endian
/// from there, `mod 10^digits`, left-padded with zeros.
fn reference_code(alg: Algorithm, key: &[u8], counter: u64, digits: u8) -> String {
    let hs = reference_hmac(alg, key, counter);
    let offset = (hs[hs.len() - 1] & 0x0f) as usize;
    let bin_code = (u32::from(hs[offset]) & 0x7f) << 24
        | u32::from(hs[offset + 1]) << 16
        | u32::from(hs[offset + 2]) << 8
        | u32::from(hs[offset + 3]);
    let width = usize::from(digits);
    format!("{:0width$}", bin_code % 10u32.pow(u32::from(digits)))
}

fn algorithm() -> impl Strategy<Value = Algorithm> {
    prop_oneof![
        Just(Algorithm::Sha1),
        Just(Algorithm::Sha256),
        Just(Algorithm::Sha512)
    ]
}

/// Counters anywhere in `u64`, with the edges and the TOTP range (≤ i64::MAX) well covered.
fn counter() -> impl Strategy<Value = u64> {
    prop_oneof![
        any::<u64>(),
        0u64..1_000,
        (i64::MAX as u64 - 50)..=(i64::MAX as u64 + 50),
        (u64::MAX - 50)..=u64::MAX,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512)
    ))]

    /// HOTP and TOTP codes of every kind of call equal the reference, and verification
    /// accepts exactly what the reference codes say it must.
    #[test]
    fn every_code_equals_the_hmac_crate_with_rfc4226_truncation(
        key in proptest::collection::vec(any::<u8>(), 0..=200),
        alg in algorithm(),
        digits in 6u8..=8,
        counter in counter(),
        step in 0i64..=i64::MAX,
        tolerance in 0u8..=3,
        pick in any::<prop::sample::Index>(),
    ) {
        let d = Digits::new(digits).unwrap();
        let prepared = OathKey::new(alg, &key);

        // HOTP, from the raw key and from the prepared key.
        let want = reference_code(alg, &key, counter, digits);
        let raw_code = hotp(&key, counter, d, alg);
        prop_assert_eq!(raw_code.expose(), want.as_str());
        let prepared_code = prepared.hotp(counter, d);
        prop_assert_eq!(prepared_code.expose(), want.as_str());

        // TOTP: the code of step `step`.
        let want_t = reference_code(alg, &key, step as u64, digits);
        let totp_code = totp_at(&prepared, step, d).unwrap();
        prop_assert_eq!(totp_code.expose(), want_t.as_str());

        // HOTP verification: counters `counter ..= counter + tolerance` up to 2^63 − 1; the
        // token is the reference code of one of them (if any exists); the highest counter
        // whose reference code equals it must win.
        let last = counter.saturating_add(u64::from(tolerance)).min(i64::MAX as u64);
        let window: Vec<u64> = (counter..=last).collect();
        if !window.is_empty() {
            let chosen = window[pick.index(window.len())];
            let token = reference_code(alg, &key, chosen, digits);
            let expected = window
                .iter()
                .copied()
                .filter(|&c| reference_code(alg, &key, c, digits) == token)
                .max();
            let before = hmac_count();
            prop_assert_eq!(verify_hotp(&prepared, &token, d, counter, tolerance), expected);
            prop_assert_eq!(hmac_count() - before, window.len() as u64);
        }

        // TOTP verification at step `step`: candidates `step ± tolerance` (≥ 0, ≤ i64::MAX),
        // all acceptable (min_t 0); the token is one candidate's reference code.
        let tol = i64::from(tolerance);
        let steps: Vec<i64> = ((step - tol).max(0)..=step.saturating_add(tol)).collect();
        let chosen = steps[pick.index(steps.len())];
        let token = reference_code(alg, &key, chosen as u64, digits);
        let best = steps
            .iter()
            .copied()
            .filter(|&t| reference_code(alg, &key, t as u64, digits) == token)
            .max()
            .unwrap();
        let before = hmac_count();
        prop_assert_eq!(
            verify_totp(&prepared, &token, d, step, tolerance, 0),
            TotpMatch::Accepted { step: best, offset: best - step }
        );
        prop_assert_eq!(hmac_count() - before, steps.len() as u64);
    }
}
