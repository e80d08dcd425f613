//! Runs one token-maths operation `n` times, for instruction counts under callgrind (issue 6):
//! the Ir of a run with `n` minus the Ir of a run with 0 is the cost of `n` operations.
//!
//! ```sh
//! cargo build --release -p otpkit --example oath_ops
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/oath_ops totp-current otpkit SHA1 10000
//! ```
//!
//! Arguments: `OP LIB ALG N` with OP `hotp` (generation from the raw key), `totp-current` /
//! `totp-none` (tolerance 1, a token matching the current step / no step; otpkit keys an
//! `OathKey` from the raw key first, as the engine does), LIB `otpkit` or `totp-rs`, ALG
//! `SHA1`, `SHA256` or `SHA512`. With `--time` it prints the best of 15 timed rounds of `N`
//! operations (ns per operation) instead of running once; LIB `both` alternates 15 rounds of
//! each library and prints both bests and the speed ratio (totp-rs time / otpkit time).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::disallowed_methods
)]

use std::hint::black_box;

use otpkit::oath::{self, Algorithm, Digits, OathKey, verify_totp};

fn seed(alg: Algorithm) -> &'static [u8] {
    match alg {
        Algorithm::Sha1 => b"12345678901234567890",
        Algorithm::Sha256 => b"12345678901234567890123456789012",
        _ => b"1234567890123456789012345678901234567890123456789012345678901234",
    }
}

const STEP: u64 = 30;
const T: u64 = 1_700_000_000 / STEP;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let time = args.iter().any(|a| a == "--time");
    let args: Vec<&str> = args
        .iter()
        .filter(|a| *a != "--time")
        .map(String::as_str)
        .collect();
    let [op, lib, alg, n] = args[..] else {
        panic!("usage: oath_ops [--time] OP LIB ALG N");
    };
    let alg: Algorithm = alg.parse().expect("algorithm");
    let n: u64 = n.parse().expect("count");
    let raw = seed(alg);
    let key = OathKey::new(alg, raw);
    let current = key.hotp(T, Digits::SIX).expose().to_owned();
    let window: Vec<String> = (T - 3..=T + 3)
        .map(|c| key.hotp(c, Digits::SIX).expose().to_owned())
        .collect();
    let none = (0u32..)
        .map(|n| format!("{n:06}"))
        .find(|c| !window.contains(c))
        .unwrap();
    let reference = totp_rs::Builder::new()
        .with_algorithm(match alg {
            Algorithm::Sha1 => totp_rs::Algorithm::SHA1,
            Algorithm::Sha256 => totp_rs::Algorithm::SHA256,
            _ => totp_rs::Algorithm::SHA512,
        })
        .with_digits(6)
        .with_skew(1)
        .with_secret(raw.to_vec())
        .build()
        .unwrap();
    let run = |lib: &str, n: u64| {
        let mut acc = 0u64;
        match (op, lib) {
            ("hotp", "otpkit") => {
                for c in T..T + n {
                    // The code itself, as totp-rs's `Token` below (neither is formatted).
                    let _ = black_box(oath::hotp(black_box(raw), c, Digits::SIX, alg));
                    acc += 1;
                }
            }
            ("hotp", "totp-rs") => {
                for c in T..T + n {
                    let tok = black_box(&reference).generate(c * STEP);
                    black_box(tok);
                    acc += 1;
                }
            }
            ("totp-current" | "totp-none", "otpkit") => {
                let token = if op == "totp-current" {
                    &current
                } else {
                    &none
                };
                for _ in 0..n {
                    let k = OathKey::new(alg, black_box(raw));
                    let r = verify_totp(&k, black_box(token), Digits::SIX, T as i64, 1, 0);
                    acc += u64::from(matches!(r, oath::TotpMatch::Accepted { .. }));
                }
            }
            ("totp-current" | "totp-none", "totp-rs") => {
                let token = if op == "totp-current" {
                    &current
                } else {
                    &none
                };
                for _ in 0..n {
                    let r = black_box(&reference).check(black_box(token), T * STEP);
                    acc += u64::from(r.is_some());
                }
            }
            _ => panic!("unknown OP/LIB"),
        }
        black_box(acc)
    };
    let timed = |lib: &str| {
        let start = std::time::Instant::now();
        run(lib, n);
        start.elapsed().as_nanos() as f64 / n as f64
    };
    if lib == "both" {
        // Alternating rounds, so that both see the same machine load.
        let (mut ours, mut theirs) = (f64::INFINITY, f64::INFINITY);
        for _ in 0..15 {
            ours = ours.min(timed("otpkit"));
            theirs = theirs.min(timed("totp-rs"));
        }
        println!(
            "otpkit {ours:.1} ns, totp-rs {theirs:.1} ns, {:.2}x",
            theirs / ours
        );
    } else if time {
        let best = (0..15).map(|_| timed(lib)).fold(f64::INFINITY, f64::min);
        println!("{best:.1}");
    } else {
        run(lib, n);
    }
}
