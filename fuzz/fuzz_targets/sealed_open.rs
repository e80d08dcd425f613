//! Sealed blobs (docs/behaviour.md §5.7, REQ-09): `KeyRing::open` on arbitrary text never panics
//! and never opens anything but what was sealed; any change to a real sealed value fails.
//! Key-ring texts and keyed-hash texts are parsed on the way.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use otpkit::seal::{KeyRing, KeyedHash, Sealed};

/// Two fixed keys (`fz` active, `old`), so that seed files can hold real sealed values.
const RING: &str = "fz:QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=,\
                    old:Q0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0M=";
const PID: &str = "otp_totp.totpdevice/1";
const PLAINTEXT: &[u8] = b"12345678901234567890";

fn fixture() -> &'static (KeyRing, String) {
    static F: OnceLock<(KeyRing, String)> = OnceLock::new();
    F.get_or_init(|| {
        let ring = KeyRing::parse(RING).expect("the fixed ring parses");
        let sealed = ring.seal(PID, PLAINTEXT).expect("sealing works");
        (ring, sealed.into_string())
    })
}

fuzz_target!(|data: &[u8]| {
    let (ring, real) = fixture();
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        // Arbitrary text as a stored value: only ever the one plaintext sealed for PID.
        let text = String::from_utf8_lossy(rest).into_owned();
        let _ = text.parse::<KeyedHash>();
        let _ = KeyRing::parse(&text);
        let sealed = Sealed::from_stored(text);
        let _ = sealed.key_id();
        for pid in [PID, "otp_hotp.hotpdevice/1", "otp_totp.totpdevice/2", ""] {
            if let Ok(k) = ring.open(pid, &sealed) {
                assert_eq!(pid, PID, "opened for another device");
                assert_eq!(k.expose(), PLAINTEXT, "opened to something never sealed");
            }
        }
        let _ = ring.reseal(PID, &sealed);
    } else {
        // Tampering with a real sealed value: byte edits driven by the input.
        let mut bytes = real.clone().into_bytes();
        for chunk in rest.chunks(3) {
            match chunk {
                [op, pos, val] => {
                    let len = bytes.len();
                    let i = if len == 0 {
                        0
                    } else {
                        usize::from(*pos) % (len + 1)
                    };
                    match op % 4 {
                        0 if i < len => bytes[i] = *val,
                        1 if i < len => bytes[i] ^= val | 1,
                        2 => bytes.insert(i.min(len), *val),
                        _ => bytes.truncate(i),
                    }
                }
                _ => {}
            }
        }
        let Ok(text) = String::from_utf8(bytes) else {
            return;
        };
        let sealed = Sealed::from_stored(text.clone());
        let opened = ring.open(PID, &sealed);
        if text == *real {
            assert!(opened.is_ok(), "the untouched value must open");
        } else {
            assert!(opened.is_err(), "a tampered sealed value opened: {text:?}");
        }
    }
});
