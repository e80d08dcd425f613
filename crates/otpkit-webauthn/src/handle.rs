//! WebAuthn user handles: random, the same for all of a user's passkeys, and — for a user's
//! first passkey — naming that passkey's record, so that a passwordless sign-in finds the
//! account in one lookup.

use webauthn_rs::prelude::Uuid;

/// The user handle of a user's first passkey: its record id (the low 48 bits) and random
/// bits, as a version 8 UUID, so that a passwordless sign-in reads where to look.
pub(crate) fn anchored_handle(pid: &str) -> Uuid {
    let id = pid
        .rsplit_once('/')
        .and_then(|(_, id)| id.parse::<u64>().ok())
        .filter(|id| *id < 1 << 48);
    let Some(id) = id else {
        return Uuid::new_v4();
    };
    let mut b = *Uuid::new_v4().as_bytes();
    b[..6].copy_from_slice(&id.to_be_bytes()[2..]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    Uuid::from_bytes(b)
}

/// The record id an [`anchored_handle`] names.
pub(crate) fn anchor_of(handle: &Uuid) -> Option<u64> {
    if handle.get_version_num() != 8 {
        return None;
    }
    let mut id = [0u8; 8];
    id[2..].copy_from_slice(&handle.as_bytes()[..6]);
    Some(u64::from_be_bytes(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_anchored_handle_names_its_record_and_is_a_version_8_uuid() {
        let h = anchored_handle("otp_webauthn.webauthndevice/123456789");
        assert_eq!(h.get_version_num(), 8);
        assert_eq!(anchor_of(&h), Some(123_456_789));
        assert_ne!(h, anchored_handle("otp_webauthn.webauthndevice/123456789"));
        assert_eq!(anchor_of(&Uuid::new_v4()), None);
        // An id beyond 48 bits gets a random handle (found by the search).
        let big = format!("x/{}", 1u64 << 50);
        assert_eq!(anchored_handle(&big).get_version_num(), 4);
    }
}
