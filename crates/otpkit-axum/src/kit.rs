//! [`OtpKit`]: everything the layer, guards and handlers share.

use std::fmt;
use std::sync::Arc;

use otpkit::trust::TrustStore;
use otpkit::{Engine, Rejection, Settings, UserId};
use otpkit_sessions::UserSessions;

use crate::auth::Authentication;
use crate::enforce_policy::EnforceRule;
use crate::error::{Code, Messages};
use crate::i18n::{Catalogue, CatalogueError};
use crate::session::PendingClaims;
use crate::settings::{WebSettings, WebSettingsError};
use crate::step::KindStep;
use crate::templates::Templates;

/// Hooks called by the login, verification and enrolment handlers, after the engine
/// committed. They speak the engine's vocabulary: a failure's `reason` is the engine's
/// [`Rejection`].
///
/// `verification_failed` is django-otp's `otp_verification_failed` signal: it runs only when
/// an allowed, chosen device evaluated a token and rejected it; a refusal before evaluation
/// (throttled, locked out, a kind's own refusal) is not a failure. Tokens are never passed to
/// hooks.
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use otpkit::{Rejection, UserId};
/// use otpkit_axum::VerificationHooks;
///
/// /// Counts replayed codes, for a dashboard.
/// #[derive(Default)]
/// struct Replays(AtomicU64);
///
/// impl VerificationHooks for Replays {
///     fn verification_failed(&self, _user: &UserId, _device: &str, reason: Rejection) {
///         if reason == Rejection::Replay {
///             self.0.fetch_add(1, Ordering::Relaxed);
///         }
///     }
/// }
///
/// let hooks = Replays::default();
/// hooks.verification_failed(&UserId::new("alice")?, "otp_totp.totpdevice/1", Rejection::Replay);
/// hooks.verification_succeeded(&UserId::new("alice")?, "otp_totp.totpdevice/1"); // the default: nothing
/// assert_eq!(hooks.0.load(Ordering::Relaxed), 1);
/// // OtpKit::builder(engine, auth).hooks(hooks).build()
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait VerificationHooks: Send + Sync + 'static {
    /// A chosen, allowed device evaluated a token and rejected it, for `reason`.
    fn verification_failed(&self, user: &UserId, device: &str, reason: Rejection) {
        let _ = (user, device, reason);
    }
    /// A device verified the session (login, re-verification or enrolment).
    fn verification_succeeded(&self, user: &UserId, device: &str) {
        let _ = (user, device);
    }
}

/// Hooks that do nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHooks;

impl VerificationHooks for NoHooks {}

pub(crate) struct KitInner {
    pub(crate) engine: Engine,
    pub(crate) auth: Arc<dyn Authentication>,
    pub(crate) templates: Templates,
    pub(crate) hooks: Arc<dyn VerificationHooks>,
    pub(crate) messages: Messages,
    pub(crate) catalogue: Catalogue,
    pub(crate) claims: PendingClaims,
    pub(crate) web: WebSettings,
    pub(crate) user_sessions: Option<Arc<dyn UserSessions>>,
    pub(crate) kind_steps: Vec<KindStep>,
    pub(crate) enforce_rule: Option<EnforceRule>,
    pub(crate) trust: Option<Arc<dyn TrustStore>>,
}

/// The otpkit web integration: the [`Engine`], the application's [`Authentication`], the
/// [`WebSettings`], templates, message texts and hooks. Cheap to clone.
#[derive(Clone)]
pub struct OtpKit {
    pub(crate) inner: Arc<KitInner>,
}

impl fmt::Debug for OtpKit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtpKit")
            .field("engine", &self.inner.engine)
            .finish_non_exhaustive()
    }
}

impl OtpKit {
    /// A kit with the default web settings, templates and messages, and no hooks.
    pub fn new(engine: Engine, auth: impl Authentication) -> Self {
        Self::builder(engine, auth).build()
    }

    /// Starts building a kit.
    pub fn builder(engine: Engine, auth: impl Authentication) -> OtpKitBuilder {
        OtpKitBuilder {
            engine,
            auth: Arc::new(auth),
            templates: None,
            hooks: Arc::new(NoHooks),
            messages: Messages::default(),
            catalogue: Catalogue::embedded(),
            web: WebSettings::default(),
            user_sessions: None,
            kind_steps: Vec::new(),
            enforce_rule: None,
            trust: None,
        }
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The engine's settings (device policy and kinds).
    pub fn settings(&self) -> &Settings {
        self.inner.engine.settings()
    }

    /// The web settings in force.
    pub fn web_settings(&self) -> &WebSettings {
        &self.inner.web
    }

    /// The application's first factor.
    pub fn auth(&self) -> &dyn Authentication {
        self.inner.auth.as_ref()
    }

    /// The templates.
    pub fn templates(&self) -> &Templates {
        &self.inner.templates
    }

    /// The message texts replaced with [`OtpKitBuilder::message`].
    pub fn messages(&self) -> &Messages {
        &self.inner.messages
    }

    /// The translations, with the default language of the web settings.
    pub fn catalogue(&self) -> &Catalogue {
        &self.inner.catalogue
    }

    /// The site's name (`OTPKIT_SITE_NAME`).
    pub fn site_name(&self) -> &str {
        &self.inner.web.site_name
    }

    /// `{url_prefix}{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.inner.web.url_prefix, path)
    }

    /// The session store's index by user, if the application gave one
    /// ([`OtpKitBuilder::user_sessions`]).
    pub fn user_sessions(&self) -> Option<&dyn UserSessions> {
        self.inner.user_sessions.as_deref()
    }

    /// The sign-in methods with a web step of their own ([`OtpKitBuilder::kind_step`]).
    pub fn kind_steps(&self) -> &[KindStep] {
        &self.inner.kind_steps
    }

    /// The verification hooks.
    pub(crate) fn hooks(&self) -> &dyn VerificationHooks {
        self.inner.hooks.as_ref()
    }
}

/// Builds an [`OtpKit`].
pub struct OtpKitBuilder {
    engine: Engine,
    auth: Arc<dyn Authentication>,
    templates: Option<Templates>,
    hooks: Arc<dyn VerificationHooks>,
    messages: Messages,
    catalogue: Catalogue,
    web: WebSettings,
    user_sessions: Option<Arc<dyn UserSessions>>,
    kind_steps: Vec<KindStep>,
    enforce_rule: Option<EnforceRule>,
    trust: Option<Arc<dyn TrustStore>>,
}

impl fmt::Debug for OtpKitBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtpKitBuilder").finish_non_exhaustive()
    }
}

impl OtpKitBuilder {
    /// Uses these templates (default: [`Templates::new`], the embedded ones).
    pub fn templates(mut self, templates: Templates) -> Self {
        self.templates = Some(templates);
        self
    }

    /// The web settings (default: [`WebSettings::default`]; read them with
    /// [`WebSettings::from_env`]). They are checked here: an invalid value is refused with
    /// the error naming it.
    ///
    /// ```
    /// # use otpkit_axum::{OtpKit, SessionPasswordAuth, WebSettings};
    /// # fn kit(engine: otpkit::Engine, auth: SessionPasswordAuth) -> Result<OtpKit, Box<dyn std::error::Error>> {
    /// let kit = OtpKit::builder(engine, auth)
    ///     .web_settings(WebSettings::from_env()?)?
    ///     .build();
    /// # Ok(kit)
    /// # }
    /// ```
    pub fn web_settings(mut self, web: WebSettings) -> Result<Self, WebSettingsError> {
        web.validate()?;
        self.catalogue = self
            .catalogue
            .with_default_language(&web.default_language)
            .map_err(|_| WebSettingsError::DefaultLanguage)?;
        self.web = web;
        Ok(self)
    }

    /// The translations (default: [`Catalogue::embedded`]): the application's own sentences
    /// and languages ([`Catalogue::with_ftl`]). The web settings' default language must be one
    /// of its languages; set the catalogue first when the default is a language it adds.
    ///
    /// ```
    /// # use otpkit_axum::{OtpKit, SessionPasswordAuth};
    /// # use otpkit_axum::i18n::Catalogue;
    /// # fn kit(engine: otpkit::Engine, auth: SessionPasswordAuth) -> Result<OtpKit, Box<dyn std::error::Error>> {
    /// let catalogue = Catalogue::embedded()
    ///     .with_ftl("en", "error-invalid_token = Wrong code, try again.")?;
    /// let kit = OtpKit::builder(engine, auth).catalogue(catalogue)?.build();
    /// # Ok(kit)
    /// # }
    /// ```
    pub fn catalogue(mut self, catalogue: Catalogue) -> Result<Self, CatalogueError> {
        self.catalogue = catalogue.with_default_language(&self.web.default_language)?;
        Ok(self)
    }

    /// Verification hooks (default: none).
    pub fn hooks(mut self, hooks: impl VerificationHooks) -> Self {
        self.hooks = Arc::new(hooks);
        self
    }

    /// Replaces the message of `code` in every language (`{0}` is its argument). Codes never
    /// change. To replace a sentence in one language only, or any other sentence, use
    /// [`OtpKitBuilder::catalogue`] with the message id `error-<code>`.
    pub fn message(mut self, code: Code, text: impl Into<String>) -> Self {
        self.messages.set(code, text);
        self
    }

    /// The site name shown in page titles and used as the default issuer (default `otpkit`;
    /// the same as [`WebSettings::site_name`], `OTPKIT_SITE_NAME`: the later call wins).
    pub fn site_name(mut self, name: impl Into<String>) -> Self {
        self.web.site_name = name.into();
        self
    }

    /// The index by user of the session store behind the session layer (default: none), so
    /// that the kit can list a user's signed-in sessions and end them: the durable stores
    /// of otpkit-sqlite (`SqliteSessionStore`) and otpkit-sqlx (`PgSessionStore`,
    /// `MySqlSessionStore`) implement [`UserSessions`]. Give the same store to
    /// [`session_layer`](crate::session_layer), configured with the default user key
    /// ([`otpkit_sessions::DEFAULT_USER_KEY`], which is [`AUTH_USER_KEY`](crate::auth::AUTH_USER_KEY)).
    ///
    /// ```
    /// use otpkit_axum::{OtpKit, SessionPasswordAuth};
    /// use otpkit_sqlite::{SqliteSessionStore, SqliteStore};
    ///
    /// # async fn app(engine: otpkit::Engine, auth: SessionPasswordAuth) -> Result<axum::Router, Box<dyn std::error::Error>> {
    /// let devices = SqliteStore::open_and_migrate("sqlite://app.sqlite3").await?;
    /// let sessions = SqliteSessionStore::new(devices);
    /// sessions.migrate().await?;
    /// let kit = OtpKit::builder(engine, auth).user_sessions(sessions.clone()).build();
    /// let app = otpkit_axum::routes(kit.clone())
    ///     .layer(kit.layer())
    ///     .layer(otpkit_axum::session_layer(sessions));
    /// # Ok(app)
    /// # }
    /// ```
    pub fn user_sessions(mut self, sessions: impl UserSessions + 'static) -> Self {
        self.user_sessions = Some(Arc::new(sessions));
        self
    }

    /// A sign-in method with a web step of its own (a kind that is not typed, such as a
    /// passkey): the code step links to the step instead of offering a text field for the
    /// user's devices of that kind ([`KindStep`]). The crate of the kind documents what to
    /// pass, and mounts the step's routes.
    pub fn kind_step(mut self, step: KindStep) -> Self {
        self.kind_steps.push(step);
        self
    }

    /// The application's rule of whom two-step verification is mandatory for (e.g. per role
    /// or tenant), given the user directory's [`UserInfo`](otpkit::UserInfo); it replaces
    /// `OTPKIT_ENFORCE_2FA` ([`crate::enforce`]).
    ///
    /// ```
    /// # use otpkit_axum::{OtpKit, SessionPasswordAuth};
    /// # fn kit(engine: otpkit::Engine, auth: SessionPasswordAuth) -> OtpKit {
    /// // Staff and everyone of the "bank" tenant (the directory's display name here).
    /// OtpKit::builder(engine, auth)
    ///     .enforce_for(|_user, info| {
    ///         info.is_staff || info.display_name.as_deref().is_some_and(|n| n.ends_with("@bank"))
    ///     })
    ///     .build()
    /// # }
    /// ```
    pub fn enforce_for(
        mut self,
        rule: impl Fn(&UserId, &otpkit::UserInfo) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.enforce_rule = Some(EnforceRule(Arc::new(rule)));
        self
    }

    /// The store of trusted browsers and of the two-step policy's grace periods (default:
    /// none — "Trust this browser" is not offered and `OTPKIT_ENFORCE_GRACE_DAYS` has no
    /// effect). otpkit-sqlite's `SqliteStore` and otpkit-sqlx's `SqlxStore` implement
    /// [`TrustStore`] on the devices' database; [`otpkit::trust::MemoryTrustStore`] keeps
    /// them in memory.
    ///
    /// ```
    /// # use otpkit_axum::{OtpKit, SessionPasswordAuth};
    /// # fn kit(engine: otpkit::Engine, auth: SessionPasswordAuth) -> OtpKit {
    /// OtpKit::builder(engine, auth)
    ///     .trust_store(otpkit::trust::MemoryTrustStore::new())
    ///     .build()
    /// # }
    /// ```
    pub fn trust_store(self, store: impl TrustStore) -> Self {
        self.trust_store_arc(Arc::new(store))
    }

    /// [`OtpKitBuilder::trust_store`] with a store already shared.
    pub fn trust_store_arc(mut self, store: Arc<dyn TrustStore>) -> Self {
        self.trust = Some(store);
        self
    }

    /// Builds the kit.
    pub fn build(self) -> OtpKit {
        OtpKit {
            inner: Arc::new(KitInner {
                engine: self.engine,
                auth: self.auth,
                templates: self.templates.unwrap_or_default(),
                hooks: self.hooks,
                messages: self.messages,
                catalogue: self.catalogue,
                claims: PendingClaims::default(),
                web: self.web,
                user_sessions: self.user_sessions,
                kind_steps: self.kind_steps,
                enforce_rule: self.enforce_rule,
                trust: self.trust,
            }),
        }
    }
}
