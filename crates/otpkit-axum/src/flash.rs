//! Post/Redirect/Get: what an HTML form leaves for the page that shows its outcome.
//!
//! Every state-changing HTML form of otpkit answers its POST with a redirect, never with a
//! page, so that a refresh or the browser's Back button never offers to send the form again
//! ("Confirm Form Resubmission") — which, for a form that makes backup codes or sends an
//! email, would silently do it a second time. Success redirects to where the user goes next;
//! any other outcome (a wrong code, a code sent, a new batch of backup codes) is a **flash**:
//! a small value in the session, under `otpkit_flash`, naming the page that shows it. The
//! POST answers `303 See Other` to that page; its next `GET` shows the flash once and removes
//! it. A later GET shows the page as it is, without the message.
//!
//! A flash never holds a password or an authentication code. Backup codes, which the page
//! after their generation must show exactly once, and the key of a device an administrator
//! just added, travel sealed under the engine's key ring (the same XChaCha20-Poly1305
//! sealing as the authenticator keys), so a session store never holds them in plain text.
//!
//! JSON clients are not redirected: they get the answer in the POST's response, as before.

use std::collections::BTreeMap;

use otpkit::Sealed;
use serde::{Deserialize, Serialize};

use crate::error::Problem;

/// The session key of the flash.
pub(crate) const FLASH_KEY: &str = "otpkit_flash";

/// The query marker of a page reached from a stale form of its own (a missing or wrong CSRF
/// token): the page shows "This page expired" (see [`Flash::expired`]).
pub(crate) const EXPIRED_PARAM: &str = "expired";

/// The sealing context of the backup codes carried by a flash (the AAD's "device" part).
const CODES_CONTEXT: &str = "otpkit-axum/flash/backup-codes";

/// The sealing context of the device key carried by a flash.
const SECRET_CONTEXT: &str = "otpkit-axum/flash/secret";

/// The outcome of a form, kept for the next GET of `page`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Flash {
    /// The path (without query) of the page that shows it.
    pub(crate) page: String,
    /// The error's stable code, if the form failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) code: Option<String>,
    /// The error's message, as rendered when it happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
    /// The error's `Retry-After` (whole seconds), repeated on the page that shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) retry_after: Option<u64>,
    /// A message that is not an error (a code was sent, a device renamed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) info: Option<String>,
    /// Form values to show again (a chosen device, a username; never a secret).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) fields: BTreeMap<String, String>,
    /// A new batch of backup codes, sealed, to show exactly once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) codes: Option<Sealed>,
    /// A new device's key (base32), sealed, to show exactly once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) secret: Option<Sealed>,
}

impl Flash {
    /// An empty flash for `page`.
    pub(crate) fn to(page: &str) -> Flash {
        Flash {
            page: path_of(page).to_owned(),
            ..Flash::default()
        }
    }

    /// What a page reached from a stale form of its own shows: `message` ("This page
    /// expired. Please try again.") under the code `csrf_failed`. Never stored: it comes from
    /// the [`EXPIRED_PARAM`] marker of the page's address, so the refused POST changed
    /// nothing.
    pub(crate) fn expired(page: &str, message: String) -> Flash {
        Flash {
            code: Some(crate::error::Code::CsrfFailed.as_str().to_owned()),
            error: Some(message),
            ..Flash::to(page)
        }
    }

    /// Whether this is the notice of a stale form ([`Flash::expired`]); a stored flash
    /// never is (a refused form stores nothing).
    pub(crate) fn is_expired(&self) -> bool {
        self.code.as_deref() == Some(crate::error::Code::CsrfFailed.as_str())
    }

    /// A failed form's problem, for `page`.
    pub(crate) fn problem(page: &str, p: &Problem) -> Flash {
        Flash {
            code: Some(p.code.as_str().to_owned()),
            error: Some(p.message.clone()),
            retry_after: p.retry_after,
            ..Flash::to(page)
        }
    }

    /// A form's outcome for `page`: its problem, if it failed, and an informational message.
    pub(crate) fn outcome(page: &str, problem: Option<&Problem>, info: Option<String>) -> Flash {
        let flash = match problem {
            Some(p) => Flash::problem(page, p),
            None => Flash::to(page),
        };
        match info {
            Some(i) => flash.info(i),
            None => flash,
        }
    }

    /// With an informational message.
    pub(crate) fn info(mut self, text: impl Into<String>) -> Flash {
        self.info = Some(text.into());
        self
    }

    /// With a form value to show again.
    pub(crate) fn field(mut self, name: &str, value: impl Into<String>) -> Flash {
        self.fields.insert(name.to_owned(), value.into());
        self
    }

    /// Adds the error's `Retry-After` to the page showing it.
    pub(crate) fn add_headers(&self, resp: &mut axum::response::Response) {
        if let Some(s) = self.retry_after
            && let Ok(v) = http::HeaderValue::from_str(&s.to_string())
        {
            resp.headers_mut().insert(http::header::RETRY_AFTER, v);
        }
    }

    /// A form value kept by [`Flash::field`].
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    /// With backup codes sealed under `keys`.
    pub(crate) fn seal_codes(
        mut self,
        keys: &otpkit::KeyRing,
        codes: &[String],
    ) -> Result<Flash, otpkit::SealError> {
        let text = codes.join("\n");
        self.codes = Some(keys.seal(CODES_CONTEXT, text.as_bytes())?);
        Ok(self)
    }

    /// The backup codes it carries, opened with `keys` (none if it carries none or they do
    /// not open).
    pub(crate) fn open_codes(&self, keys: &otpkit::KeyRing) -> Option<Vec<String>> {
        let sealed = self.codes.as_ref()?;
        let plain = keys.open(CODES_CONTEXT, sealed).ok()?;
        let text = std::str::from_utf8(plain.expose()).ok()?;
        Some(text.lines().map(str::to_owned).collect())
    }

    /// With a device key (base32 text) sealed under `keys`.
    pub(crate) fn seal_secret(
        mut self,
        keys: &otpkit::KeyRing,
        secret: &str,
    ) -> Result<Flash, otpkit::SealError> {
        self.secret = Some(keys.seal(SECRET_CONTEXT, secret.as_bytes())?);
        Ok(self)
    }

    /// The device key it carries, opened with `keys`.
    pub(crate) fn open_secret(&self, keys: &otpkit::KeyRing) -> Option<String> {
        let plain = keys.open(SECRET_CONTEXT, self.secret.as_ref()?).ok()?;
        std::str::from_utf8(plain.expose()).ok().map(str::to_owned)
    }
}

/// The path of a URL (without its query).
pub(crate) fn path_of(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;

    #[test]
    fn a_flash_names_its_page_without_the_query() {
        let f = Flash::problem("/otp/login/?next=/x", &Problem::new(Code::InvalidToken));
        assert_eq!(f.page, "/otp/login/");
        assert_eq!(f.code.as_deref(), Some("invalid_token"));
        let f = Flash::to("/otp/devices/")
            .info("done")
            .field("otp_device", "x/1");
        assert_eq!(f.info.as_deref(), Some("done"));
        assert_eq!(f.get("otp_device"), Some("x/1"));
    }

    #[test]
    fn backup_codes_travel_sealed() {
        let keys = otpkit::KeyRing::random("k1").unwrap();
        let codes = vec!["k7f2q-m3xza".to_owned(), "abcde-fghij".to_owned()];
        let f = Flash::to("/p/").seal_codes(&keys, &codes).unwrap();
        let json = serde_json::to_string(&f).unwrap();
        assert!(!json.contains("k7f2q"), "{json}");
        assert_eq!(f.open_codes(&keys), Some(codes));
        let other = otpkit::KeyRing::random("k1").unwrap();
        assert_eq!(f.open_codes(&other), None);
    }

    #[test]
    fn a_device_key_travels_sealed_and_apart_from_codes() {
        let keys = otpkit::KeyRing::random("k1").unwrap();
        let f = Flash::to("/p/").seal_secret(&keys, "GEZDGNBV").unwrap();
        let json = serde_json::to_string(&f).unwrap();
        assert!(!json.contains("GEZDGNBV"), "{json}");
        assert_eq!(f.open_secret(&keys).as_deref(), Some("GEZDGNBV"));
        assert_eq!(f.open_codes(&keys), None);
    }
}
