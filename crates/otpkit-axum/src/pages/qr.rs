//! The otpauth data of a TOTP/HOTP device as the web pages show it — with the site's name as
//! the issuer when no issuer is configured — and its QR code, for the enrolment and the admin
//! area.

use axum::response::{IntoResponse, Response};
use http::header;
use otpkit::secret::SecretString;
use otpkit::{OtpAuth, OtpAuthKind};

use super::context::Page;
use super::refusal::{OrInternal, PageError};
use crate::kit::OtpKit;
use crate::web::secure;

impl OtpKit {
    /// The otpauth data of TOTP/HOTP device `pid` ([`otpkit::Engine::provisioning`]), with
    /// an issuer by default: when `OTP_TOTP_ISSUER` (for TOTP) or `OTP_HOTP_ISSUER` (for
    /// HOTP) is unset, the issuer is the site name (`OTPKIT_SITE_NAME`, [`OtpKitBuilder::site_name`]), with
    /// every `:` removed, so that an authenticator app lists the account as
    /// "Site (alice)" (docs/behaviour.md §5.5). A configured issuer, fixed or a hook, is
    /// used as it is, even when it resolves to nothing for a user.
    ///
    /// ```
    /// # use otpkit::{Engine, KeyRing, MemoryStore, UserId};
    /// # use otpkit::engine::TotpOptions;
    /// # use otpkit_axum::{OtpKit, SessionPasswordAuth};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let engine = Engine::builder(MemoryStore::new(), KeyRing::random("k1").unwrap()).build().unwrap();
    /// let alice = UserId::new("alice").unwrap();
    /// let d = engine.create_totp(&alice, TotpOptions::default()).await.unwrap();
    /// let auth = SessionPasswordAuth::from_fn(|_, _| Box::pin(async { Ok(None) }));
    /// let kit = OtpKit::builder(engine, auth).site_name("Example: Shop").build();
    /// let auth = kit.provisioning(&d.persistent_id()).await.unwrap();
    /// assert_eq!(auth.issuer.as_deref(), Some("Example Shop"));
    /// assert!(auth.to_uri().expose().starts_with("otpauth://totp/Example%20Shop:alice?"));
    /// # });
    /// ```
    ///
    /// [`OtpKitBuilder::site_name`]: crate::OtpKitBuilder::site_name
    pub async fn provisioning(&self, pid: &str) -> Result<OtpAuth, otpkit::Error> {
        let mut auth = self.engine().provisioning(pid).await?;
        let s = self.settings();
        let configured = match auth.kind {
            OtpAuthKind::Totp { .. } => s.totp.issuer.is_some(),
            OtpAuthKind::Hotp { .. } => s.hotp.issuer.is_some(),
        };
        if !configured {
            let site = self.site_name().replace(':', "");
            auth.issuer = Some(site).filter(|i| !i.trim().is_empty());
        }
        Ok(auth)
    }

    /// The otpauth URI of device `pid` as [`OtpKit::provisioning`] makes it. It carries the
    /// secret.
    pub async fn config_url(&self, pid: &str) -> Result<SecretString, otpkit::Error> {
        Ok(self.provisioning(pid).await?.to_uri())
    }
}

/// An SVG QR code of device `pid`'s otpauth URI, never stored by a cache (`no-store`).
pub(crate) async fn qr_response(page: &Page, pid: &str) -> Result<Response, PageError> {
    let uri = page.kit.config_url(pid).await.or_internal()?;
    let svg = otpkit::qr::qr_svg(uri.expose()).or_internal()?;
    Ok(secure(
        (
            [
                (header::CONTENT_TYPE, "image/svg+xml"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            svg,
        )
            .into_response(),
    ))
}
