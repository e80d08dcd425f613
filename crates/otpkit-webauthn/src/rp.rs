//! The relying party: the site passkeys are registered for.

use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::{Url, Webauthn, WebauthnBuilder, WebauthnError};

/// The relying party of the ceremonies: its id (a registrable domain, e.g. `example.com`),
/// the origin browsers report (e.g. `https://example.com`) and the name shown by the
/// authenticator. Stored with each ceremony, so that its finish checks against the relying
/// party it was started for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelyingParty {
    /// The relying-party id: the origin's host or a registrable suffix of it.
    pub id: String,
    /// The origin, scheme and host (and port): `https://example.com`.
    pub origin: String,
    /// The name authenticators show (default: the id).
    pub name: String,
}

impl RelyingParty {
    /// A relying party named after its id.
    ///
    /// ```
    /// let rp = otpkit_webauthn::RelyingParty::new("example.com", "https://example.com");
    /// assert!(rp.webauthn().is_ok());
    /// let wrong = otpkit_webauthn::RelyingParty::new("example.com", "https://example.org");
    /// assert!(wrong.webauthn().is_err());
    /// ```
    pub fn new(id: impl Into<String>, origin: impl Into<String>) -> RelyingParty {
        let id = id.into();
        RelyingParty {
            name: id.clone(),
            id,
            origin: origin.into(),
        }
    }

    /// webauthn-rs's relying party; an origin that is not a URL, or whose host is not the id
    /// or under it, is refused.
    pub fn webauthn(&self) -> Result<Webauthn, WebauthnError> {
        let origin = Url::parse(&self.origin).map_err(|_| WebauthnError::Configuration)?;
        WebauthnBuilder::new(&self.id, &origin)?
            .rp_name(&self.name)
            .build()
    }
}
