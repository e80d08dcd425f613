//! Authenticator models by AAGUID: the default name of a new passkey when its user gave
//! none. A short list of common models (from the FIDO metadata and the passkey providers'
//! published AAGUIDs); an unknown model is simply "Passkey".

use webauthn_rs::prelude::Uuid;

/// Known AAGUIDs and the model's name.
const MODELS: &[(&str, &str)] = &[
    (
        "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4",
        "Google Password Manager",
    ),
    ("adce0002-35bc-c60a-648b-0b25f1f05503", "Chrome on Mac"),
    ("fbfc3007-154e-4ecc-8c0b-6e020557d7bd", "iCloud Keychain"),
    ("dd4ec289-e01d-41c9-bb89-70fa845d4bf2", "iCloud Keychain"),
    ("08987058-cadc-4b81-b6e1-30de50dcbe96", "Windows Hello"),
    ("9ddd1817-af5a-4672-a2b9-3e3dd95000a9", "Windows Hello"),
    ("6028b017-b1d4-4c02-b4b3-afcdafc96bb2", "Windows Hello"),
    ("bada5566-a7aa-401f-bd96-45619a55120d", "1Password"),
    ("d548826e-79b4-db40-a3d8-11116f7e8349", "Bitwarden"),
    ("531126d6-e717-415c-9320-3d9aa6981239", "Dashlane"),
    ("cb69481e-8ff7-4039-93ec-0a2729a154a8", "YubiKey 5"),
    ("ee882879-721c-4913-9775-3dfcce97072a", "YubiKey 5"),
    ("fa2b99dc-9e39-4257-8f92-4a30d23c4118", "YubiKey 5 NFC"),
    ("2fc0579f-8113-47ea-b116-bb5a8db9202a", "YubiKey 5 NFC"),
    (
        "149a2021-8ef6-4133-96b8-81f8d5b7f1f5",
        "Security Key by Yubico",
    ),
    (
        "a4e9fc6d-4cbe-4758-b8ba-37598bb5bbaa",
        "Security Key NFC by Yubico",
    ),
];

/// The model's name for `aaguid`, if it is a known one.
///
/// ```
/// use otpkit_webauthn::webauthn_rs::prelude::Uuid;
/// let yubikey = Uuid::parse_str("cb69481e-8ff7-4039-93ec-0a2729a154a8").unwrap();
/// assert_eq!(otpkit_webauthn::model_name(&yubikey), Some("YubiKey 5"));
/// assert_eq!(otpkit_webauthn::model_name(&Uuid::nil()), None);
/// ```
pub fn model_name(aaguid: &Uuid) -> Option<&'static str> {
    let text = aaguid.hyphenated().to_string();
    MODELS
        .iter()
        .find(|(id, _)| *id == text)
        .map(|(_, name)| *name)
}
