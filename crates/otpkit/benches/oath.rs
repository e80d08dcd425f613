//! Token maths (issue 6, part 1): HOTP generation and TOTP verification, side by side in the
//! same run with `totp-rs` doing the same work, and a bare `hmac` HMAC-SHA1 as the floor.
//!
//! ```sh
//! cargo bench -p otpkit --bench oath
//! ```
//!
//! Bench ids (`group/function/parameter`):
//! - `floor/hmac-sha1/keyed-per-call`: `Hmac::<Sha1>::new_from_slice(key)`, 8-byte counter,
//!   finalize — what one HOTP costs at least when nothing is precomputed (4 SHA-1 blocks).
//! - `floor/hmac-sha1/prekeyed`: the same from a cloned keyed state (2 SHA-1 blocks).
//! - `hotp/{otpkit,otpkit-prekeyed,totp-rs}/{SHA1,SHA256,SHA512}`: one code from the raw key
//!   (`oath::hotp`: keying included, as totp-rs keys on every call), from a prepared
//!   [`OathKey`], and totp-rs's `generate` (its `Token` value, not formatted).
//! - `totp/{SHA1,SHA256,SHA512}-tol{0,1,3}-{current,none}/{otpkit,otpkit-prekeyed,totp-rs}`:
//!   one verification of a token that matches the current step or no step of the window.
//!   `otpkit` keys an [`OathKey`] from the raw key and calls [`verify_totp`] (the work of one
//!   engine verification once the key is unsealed: every candidate computed); `totp-rs` is
//!   `Totp::check(token, time)` with `skew = tolerance` (its secret is stored raw and it
//!   re-keys HMAC for every candidate, stopping at the first match).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use otpkit::oath::{self, Algorithm, Digits, OathKey, verify_totp};
use sha1::Sha1;

/// RFC 6238 Appendix B seeds: 20, 32 and 64 bytes.
fn seed(alg: Algorithm) -> &'static [u8] {
    match alg {
        Algorithm::Sha1 => b"12345678901234567890",
        Algorithm::Sha256 => b"12345678901234567890123456789012",
        _ => b"1234567890123456789012345678901234567890123456789012345678901234",
    }
}

fn totp_rs(alg: Algorithm, skew: u16) -> totp_rs::Totp {
    let a = match alg {
        Algorithm::Sha1 => totp_rs::Algorithm::SHA1,
        Algorithm::Sha256 => totp_rs::Algorithm::SHA256,
        _ => totp_rs::Algorithm::SHA512,
    };
    totp_rs::Builder::new()
        .with_algorithm(a)
        .with_digits(6)
        .with_skew(skew)
        .with_secret(seed(alg).to_vec())
        .build()
        .expect("valid totp-rs parameters")
}

const STEP: u64 = 30;
/// The current step of the benchmarks (2023-11-14).
const T: u64 = 1_700_000_000 / STEP;

/// A 6-digit code that matches none of the steps `T − 3 ..= T + 3`.
fn no_match_token(key: &OathKey) -> String {
    let window: Vec<String> = (T - 3..=T + 3)
        .map(|c| key.hotp(c, Digits::SIX).expose().to_owned())
        .collect();
    (0u32..)
        .map(|n| format!("{n:06}"))
        .find(|c| !window.contains(c))
        .expect("a free code")
}

fn floor(c: &mut Criterion) {
    let mut g = c.benchmark_group("floor");
    let key = seed(Algorithm::Sha1);
    g.bench_function("hmac-sha1/keyed-per-call", |b| {
        let mut counter = T;
        b.iter(|| {
            counter += 1;
            let mut m = <Hmac<Sha1> as KeyInit>::new_from_slice(black_box(key)).unwrap();
            m.update(&counter.to_be_bytes());
            m.finalize().into_bytes()
        })
    });
    let keyed = <Hmac<Sha1> as KeyInit>::new_from_slice(key).unwrap();
    g.bench_function("hmac-sha1/prekeyed", |b| {
        let mut counter = T;
        b.iter(|| {
            counter += 1;
            let mut m = black_box(&keyed).clone();
            m.update(&counter.to_be_bytes());
            m.finalize().into_bytes()
        })
    });
    g.finish();
}

fn hotp(c: &mut Criterion) {
    let mut g = c.benchmark_group("hotp");
    for alg in Algorithm::ALL {
        let raw = seed(alg);
        g.bench_with_input(BenchmarkId::new("otpkit", alg), &alg, |b, &alg| {
            let mut counter = T;
            b.iter(|| {
                counter += 1;
                oath::hotp(black_box(raw), counter, Digits::SIX, alg)
            })
        });
        let key = OathKey::new(alg, raw);
        g.bench_with_input(BenchmarkId::new("otpkit-prekeyed", alg), &alg, |b, _| {
            let mut counter = T;
            b.iter(|| {
                counter += 1;
                black_box(&key).hotp(counter, Digits::SIX)
            })
        });
        let reference = totp_rs(alg, 0);
        g.bench_with_input(BenchmarkId::new("totp-rs", alg), &alg, |b, _| {
            let mut counter = T;
            b.iter(|| {
                counter += 1;
                black_box(&reference).generate(counter * STEP)
            })
        });
    }
    g.finish();
}

fn totp(c: &mut Criterion) {
    let mut g = c.benchmark_group("totp");
    for alg in Algorithm::ALL {
        let raw = seed(alg);
        let key = OathKey::new(alg, raw);
        let current = key.hotp(T, Digits::SIX).expose().to_owned();
        let none = no_match_token(&key);
        for tol in [0u8, 1, 3] {
            let reference = totp_rs(alg, u16::from(tol));
            for (case, token) in [("current", &current), ("none", &none)] {
                // Check once that both libraries agree on the outcome.
                let ours = verify_totp(&key, token, Digits::SIX, T as i64, tol, 0);
                let theirs = reference.check(token, T * STEP);
                assert_eq!(
                    matches!(ours, oath::TotpMatch::Accepted { .. }),
                    theirs.is_some()
                );
                let id = format!("{alg}-tol{tol}-{case}");
                g.bench_function(BenchmarkId::new(&id, "otpkit"), |b| {
                    b.iter(|| {
                        let k = OathKey::new(alg, black_box(raw));
                        verify_totp(&k, black_box(token), Digits::SIX, T as i64, tol, 0)
                    })
                });
                g.bench_function(BenchmarkId::new(&id, "otpkit-prekeyed"), |b| {
                    b.iter(|| {
                        verify_totp(
                            black_box(&key),
                            black_box(token),
                            Digits::SIX,
                            T as i64,
                            tol,
                            0,
                        )
                    })
                });
                g.bench_function(BenchmarkId::new(&id, "totp-rs"), |b| {
                    b.iter(|| black_box(&reference).check(black_box(token), T * STEP))
                });
            }
        }
    }
    g.finish();
}

fn config() -> Criterion {
    // Short runs: the whole suite (66 functions) must fit in the time of `bench/run`.
    Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(1200))
        .sample_size(40)
        .without_plots()
}

criterion_group! {
    name = benches;
    config = config();
    targets = floor, hotp, totp
}
criterion_main!(benches);
