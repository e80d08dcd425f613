//! The settings in layers: the core's device policy and kinds (`otpkit::Settings`), the web
//! pages' (`otpkit_axum::WebSettings`) and the deployment's (`otpkit_cli::deploy::Deployment`)
//! together read exactly the environment variables that the one flat `Settings` used to read,
//! each in one layer only. The demo is where all three meet.

use std::collections::BTreeSet;

use otpkit::settings::SETTING_NAMES;
use otpkit_axum::settings::WEB_SETTING_NAMES;
use otpkit_cli::deploy::DEPLOYMENT_SETTING_NAMES;

/// Every setting name of the former flat `otpkit::Settings`, in the order of its table.
const FORMER_SETTING_NAMES: [&str; 46] = [
    "OTP_LOGIN_URL",
    "OTP_ADMIN_HIDE_SENSITIVE_DATA",
    "OTP_TOTP_ISSUER",
    "OTP_TOTP_IMAGE",
    "OTP_TOTP_SYNC",
    "OTP_TOTP_THROTTLE_FACTOR",
    "OTP_HOTP_ISSUER",
    "OTP_HOTP_THROTTLE_FACTOR",
    "OTP_STATIC_THROTTLE_FACTOR",
    "OTP_EMAIL_SENDER",
    "OTP_EMAIL_SUBJECT",
    "OTP_EMAIL_BODY_TEMPLATE",
    "OTP_EMAIL_BODY_TEMPLATE_PATH",
    "OTP_EMAIL_BODY_HTML_TEMPLATE",
    "OTP_EMAIL_BODY_HTML_TEMPLATE_PATH",
    "OTP_EMAIL_TOKEN_VALIDITY",
    "OTP_EMAIL_THROTTLE_FACTOR",
    "OTP_EMAIL_COOLDOWN_DURATION",
    "OTPKIT_DATABASE_URL",
    "OTPKIT_SECRET_KEYS",
    "OTPKIT_SECRET_KEYS_FILE",
    "OTPKIT_DEVICE_KINDS",
    "OTPKIT_THROTTLE_MAX_DELAY",
    "OTPKIT_LOCKOUT_THRESHOLD",
    "OTPKIT_ACCOUNT_THROTTLING",
    "OTPKIT_ACCOUNT_LOCKOUT_THRESHOLD",
    "OTPKIT_TOTP_ALGORITHM",
    "OTPKIT_TOTP_DIGITS",
    "OTPKIT_TOTP_STEP",
    "OTPKIT_TOTP_TOLERANCE",
    "OTPKIT_HOTP_TOLERANCE",
    "OTPKIT_STATIC_BATCH_SIZE",
    "OTPKIT_EMAIL_TOKEN_LENGTH",
    "OTPKIT_EMAIL_MAX_ATTEMPTS",
    "OTPKIT_EMAIL_ACCOUNT_COOLDOWN",
    "OTPKIT_EMAIL_HOURLY_LIMIT",
    "OTPKIT_EMAIL_ADDRESS_HOURLY_LIMIT",
    "OTPKIT_DEFAULT_FROM_EMAIL",
    "OTPKIT_SMTP_URL",
    "OTPKIT_URL_PREFIX",
    "OTPKIT_LOGIN_REDIRECT_URL",
    "OTPKIT_LOGIN_OTP_OPTIONAL",
    "OTPKIT_PENDING_LOGIN_TTL",
    "OTPKIT_REAUTH_MAX_AGE",
    "OTPKIT_ENROLMENT_TTL",
    "OTPKIT_MAX_BODY_BYTES",
];

/// The settings added since the layers were split (issue 14 onwards), each read by one layer.
const ADDED_SETTING_NAMES: [&str; 6] = [
    "OTPKIT_SITE_NAME",
    "OTPKIT_DEFAULT_LANGUAGE",
    "OTPKIT_SECURITY_EMAILS",
    "OTPKIT_ENFORCE_2FA",
    "OTPKIT_ENFORCE_GRACE_DAYS",
    "OTPKIT_TRUST_BROWSER_DAYS",
];

#[test]
fn the_layers_together_read_exactly_the_former_names_each_once() {
    let layers: [(&str, &[&str]); 3] = [
        ("otpkit::Settings", &SETTING_NAMES),
        ("otpkit_axum::WebSettings", &WEB_SETTING_NAMES),
        ("otpkit_cli::deploy::Deployment", &DEPLOYMENT_SETTING_NAMES),
    ];
    let mut seen = BTreeSet::new();
    for (layer, names) in layers {
        for name in names {
            assert!(
                seen.insert(*name),
                "{name} is read by {layer} and another layer"
            );
        }
    }
    let former: BTreeSet<&str> = FORMER_SETTING_NAMES.into_iter().collect();
    assert_eq!(former.len(), 46);
    let added: BTreeSet<&str> = ADDED_SETTING_NAMES.into_iter().collect();
    assert!(former.is_disjoint(&added));
    let all: BTreeSet<&str> = former.union(&added).copied().collect();
    assert_eq!(seen, all);
    assert_eq!(
        SETTING_NAMES.len() + WEB_SETTING_NAMES.len() + DEPLOYMENT_SETTING_NAMES.len(),
        all.len()
    );
}

#[test]
fn the_core_neither_needs_nor_checks_the_deployment_settings() {
    // Values that the deployment refuses (an unknown database scheme, a ring that is not
    // one, an SMTP URL that is not SMTP, an empty template path) and web values the web
    // settings refuse: the core's settings do not read them, and are the defaults.
    let others = [
        ("OTPKIT_DATABASE_URL", "redis://x"),
        ("OTPKIT_SECRET_KEYS", "k1:short"),
        ("OTPKIT_SECRET_KEYS_FILE", "/no/such/file"),
        ("OTPKIT_SMTP_URL", "http://mail"),
        ("OTP_EMAIL_BODY_TEMPLATE_PATH", ""),
        (
            "OTP_EMAIL_BODY_HTML_TEMPLATE_PATH",
            "/no/such/template.html",
        ),
        ("OTPKIT_URL_PREFIX", "otp/"),
        ("OTPKIT_MAX_BODY_BYTES", "0"),
    ];
    let lookup = |name: &str| {
        others
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    };
    let core = otpkit::Settings::from_lookup(lookup).unwrap();
    assert_eq!(
        format!("{core:?}"),
        format!("{:?}", otpkit::Settings::default())
    );
    // The layers that own them do refuse them.
    assert_eq!(
        otpkit_cli::deploy::Deployment::from_lookup(lookup)
            .unwrap_err()
            .name(),
        "OTP_EMAIL_BODY_TEMPLATE_PATH"
    );
    assert_eq!(
        otpkit_axum::WebSettings::from_lookup(lookup)
            .unwrap_err()
            .name(),
        "OTPKIT_MAX_BODY_BYTES"
    );
    // An engine builds from the core's settings alone: no database URL, no key file, no
    // SMTP URL, no template file.
    let engine = otpkit::Engine::builder(
        otpkit::MemoryStore::new(),
        otpkit::KeyRing::random("k1").unwrap(),
    )
    .settings(core)
    .build();
    assert!(engine.is_ok());
}
