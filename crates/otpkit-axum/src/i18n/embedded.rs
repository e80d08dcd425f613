//! The embedded catalogues: one Fluent file per language and area.

/// The embedded languages: English (the source), German, Spanish, French, Portuguese.
pub const LANGUAGES: [&str; 5] = ["en", "de", "es", "fr", "pt"];

/// `(language, area, source)` for every language of each area.
macro_rules! areas {
    ($($area:literal),* $(,)?) => {
        &[$(
            ("en", $area, include_str!(concat!("../../locales/en/", $area, ".ftl"))),
            ("de", $area, include_str!(concat!("../../locales/de/", $area, ".ftl"))),
            ("es", $area, include_str!(concat!("../../locales/es/", $area, ".ftl"))),
            ("fr", $area, include_str!(concat!("../../locales/fr/", $area, ".ftl"))),
            ("pt", $area, include_str!(concat!("../../locales/pt/", $area, ".ftl"))),
        )*]
    };
}

/// Every embedded Fluent file: `(language, area, source)`. An area is one file per language
/// under `crates/otpkit-axum/locales/<language>/<area>.ftl`.
pub const EMBEDDED: &[(&str, &str, &str)] = areas![
    "common",
    "errors",
    "login",
    "setup",
    "devices",
    "admin",
    "security-email",
    "code-email"
];
