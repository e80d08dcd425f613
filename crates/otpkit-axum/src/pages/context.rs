//! [`Page`]: the context of a request to one of otpkit's pages, as an extractor, and what
//! every page does with it: read the OTP state and the session, render a template, leave a
//! flash and follow Post/Redirect/Get.

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{StatusCode, header};
use minijinja::context;
use tower_sessions::Session;

use crate::error::{Code, Problem};
use crate::flash::{EXPIRED_PARAM, FLASH_KEY, Flash, path_of};
use crate::i18n::template::Translator;
use crate::i18n::{Arg, Lang};
use crate::kit::OtpKit;
use crate::middleware::{LazyOtp, OtpState};
use crate::session::{SessionFailure, Store};
use crate::web::{is_safe_next, path_and_query, secure, see_other, wants_json};

/// The context of a request to one of otpkit's pages: the kit, the session, the lazy OTP
/// state, whether the client wants JSON, and the path and query it asked for.
///
/// Extracting it reads nothing from the session. Every extraction within one request (the
/// handler's, the body's, the answer to a refusal) shares one value: the first puts it in
/// the request's extensions.
#[derive(Clone)]
pub(crate) struct Page {
    pub(crate) kit: OtpKit,
    pub(crate) session: Session,
    lazy: LazyOtp,
    /// Whether the answer is JSON ([`crate::wants_json`]).
    pub(crate) json: bool,
    /// The path and query as the client sent them.
    pub(crate) path: String,
    /// The language of the answer ([`crate::i18n`]).
    lang: Lang,
    /// The request's `User-Agent`, recorded when the session signs in ("Your sessions").
    pub(crate) agent: Option<String>,
    /// The request's trusted-browser cookie, if any ([`crate::trusted`]).
    pub(crate) trusted_cookie: Option<String>,
    /// Whether the request's host is a loopback name or address (cookies without `Secure`).
    pub(crate) loopback: bool,
}

/// The page extractor's refusal: the request has no tower-sessions `Session`, because
/// otpkit's routes are not inside `SessionManagerLayer` (a wiring mistake): 500.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NoSession;

impl IntoResponse for NoSession {
    fn into_response(self) -> Response {
        secure((StatusCode::INTERNAL_SERVER_ERROR, "session layer missing").into_response())
    }
}

impl FromRequestParts<OtpKit> for Page {
    type Rejection = NoSession;

    async fn from_request_parts(parts: &mut Parts, kit: &OtpKit) -> Result<Self, NoSession> {
        match Page::of(kit, parts) {
            Some(page) => Ok(page),
            None => {
                tracing::error!(
                    target: "otpkit_axum",
                    "no tower-sessions Session: wrap otpkit's routes in SessionManagerLayer"
                );
                Err(NoSession)
            }
        }
    }
}

impl Page {
    /// The context of a request (the one already extracted, if any); `None` without a
    /// session. Puts the lazy OTP state and the context in the request's extensions, so that
    /// everything reading them in this request shares them.
    pub(crate) fn of(kit: &OtpKit, parts: &mut Parts) -> Option<Page> {
        if let Some(page) = parts.extensions.get::<Page>() {
            return Some(page.clone());
        }
        let session = parts.extensions.get::<Session>().cloned()?;
        let lazy = LazyOtp::of(parts);
        parts.extensions.insert(lazy.clone());
        let page = Page {
            kit: kit.clone(),
            session,
            lazy,
            json: wants_json(&parts.headers),
            path: path_and_query(parts),
            lang: kit.catalogue().negotiate_headers(&parts.headers),
            agent: parts
                .headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            trusted_cookie: crate::trusted::cookie_of(&parts.headers),
            loopback: crate::trusted::is_loopback(&parts.headers),
        };
        parts.extensions.insert(page.clone());
        Some(page)
    }

    /// The session operations of the handlers.
    pub(crate) fn store(&self) -> Store<'_> {
        Store(&self.session)
    }

    /// The OTP state (computed once per request).
    pub(crate) async fn state(&self) -> OtpState {
        self.lazy.get(&self.kit).await
    }

    /// A problem of `code` with argument `arg` and number `n`, in the request's language.
    pub(crate) fn problem(&self, code: Code, arg: &str, n: u64) -> Problem {
        Problem::localised(
            self.kit.messages(),
            self.kit.catalogue(),
            &self.lang,
            code,
            arg,
            n,
        )
    }

    /// The message `id` in the request's language.
    pub(crate) fn t(&self, id: &str) -> String {
        self.kit.catalogue().message(&self.lang, id, &[])
    }

    /// The extra context of a code email in the request's language: the translated subject
    /// and body, used unless the operator configured their own ([`otpkit::mailer::LOCALISED_KEY`]).
    pub(crate) fn code_email(&self) -> serde_json::Value {
        let token = [("token", Arg::from("{{ token }}"))];
        serde_json::json!({
            otpkit::mailer::LOCALISED_KEY: {
                "subject": self.t("code-email-subject"),
                "text": self.t_with("code-email-text", &token),
            }
        })
    }

    /// The message `id` with named `args` in the request's language.
    pub(crate) fn t_with(&self, id: &str, args: &[(&str, Arg)]) -> String {
        self.kit.catalogue().message(&self.lang, id, args)
    }

    /// What every template's context holds besides the page's own values: the language, the
    /// translator, the site's name, the languages to choose from and the URLs.
    pub(crate) fn common(&self) -> minijinja::Value {
        let languages: Vec<minijinja::Value> = self
            .kit
            .catalogue()
            .languages()
            .map(|l| {
                context! {
                    tag => l.as_str(),
                    name => self.t(&format!("language-{}", l.as_str())),
                    current => l == &self.lang,
                }
            })
            .collect();
        context! {
            lang => self.lang.as_str(),
            i18n => Translator::value(self.kit.catalogue(), &self.lang, self.kit.engine().now()),
            site_name => self.kit.site_name(),
            languages => languages,
            here => self.path.clone(),
            urls => self.urls(),
        }
    }

    /// A problem answered on its own: JSON, or the message page.
    pub(crate) async fn message(&self, p: Problem) -> Response {
        if self.json {
            return secure(p.into_json());
        }
        let status = p.status();
        let mut resp = self
            .render(
                status,
                "otpkit/message.html",
                &self.t("common-error-title"),
                context! { error => p.message.clone(), code => p.code.as_str() },
            )
            .await;
        p.add_headers(&mut resp);
        resp
    }

    /// A problem answered without reading, creating or changing any session state (a refused
    /// body; the store failing).
    pub(crate) fn stateless(&self, code: Code) -> Response {
        let p = self.problem(code, "", 0);
        if self.json {
            return secure(p.into_json());
        }
        let ctx = context! {
            title => self.t("common-error-title"),
            csrf_token => "",
            level => "anonymous",
            error => p.message.clone(),
            code => p.code.as_str(),
            ..self.common()
        };
        let html = self
            .kit
            .templates()
            .render("otpkit/message.html", ctx)
            .unwrap_or_else(|_| p.message.clone());
        secure(
            (
                p.status(),
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                html,
            )
                .into_response(),
        )
    }

    /// Renders a page with the common context (URLs, CSRF token, state).
    pub(crate) async fn render(
        &self,
        status: StatusCode,
        template: &str,
        title: &str,
        extra: minijinja::Value,
    ) -> Response {
        let csrf: String = self.store().csrf_token().await.unwrap_or_default();
        let state = self.state().await;
        let own = context! {
            title => title,
            csrf_token => csrf,
            level => state.level().as_str(),
            user => state.user().map(|u| u.as_str().to_owned()),
            is_staff => state.is_staff(&self.kit).await,
        };
        // The page's own values first: they win over the common ones.
        let ctx = minijinja::value::merge_maps([own, extra, self.common()]);
        match self.kit.templates().render(template, ctx) {
            Ok(html) => secure(
                (
                    status,
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    html,
                )
                    .into_response(),
            ),
            Err(e) => {
                tracing::error!(target: "otpkit_axum", template, error = %e, "template failed");
                secure((StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response())
            }
        }
    }

    /// The URLs every template may link to.
    pub(crate) fn urls(&self) -> minijinja::Value {
        let k = &self.kit;
        context! {
            login => k.web_settings().login_url(),
            verify => k.url("/verify/"),
            logout => k.url("/logout/"),
            devices => k.url("/devices/"),
            setup => k.url("/devices/new/"),
            totp_new => k.url("/devices/totp/new/"),
            email_new => k.url("/devices/email/new/"),
            backup_codes => k.url("/devices/backup-codes/"),
            admin => k.url("/admin/"),
            admin_login => k.url("/admin/login/"),
            css => k.url("/static/otpkit.css"),
            js => k.url("/static/otpkit.js"),
            language => k.url("/language/"),
            home => k.web_settings().login_redirect_url.clone(),
        }
    }

    /// Leaves `flash` for the next GET of its page and answers 303 to `to` (which should
    /// be that page, with its query).
    pub(crate) async fn see_other(
        &self,
        to: &str,
        flash: Flash,
    ) -> Result<Response, SessionFailure> {
        self.leave(&flash).await?;
        Ok(secure(see_other(to)))
    }

    /// Leaves `flash` for the next GET of its page.
    pub(crate) async fn leave(&self, flash: &Flash) -> Result<(), SessionFailure> {
        let v = serde_json::to_value(flash).map_err(|_| SessionFailure)?;
        self.session
            .insert_value(FLASH_KEY, v)
            .await
            .map_err(|_| SessionFailure)?;
        Ok(())
    }

    /// The flash left for this page, removed from the session; a flash for another page is
    /// left alone, an unreadable one dropped. Without one, a page reached from a stale form
    /// of its own (the [`EXPIRED_PARAM`] marker) gets the "This page expired" notice
    /// ([`Flash::expired`]).
    pub(crate) async fn take_flash(&self) -> Result<Option<Flash>, SessionFailure> {
        let stored = self.take_stored_flash().await?;
        if stored.is_some() || !self.query_has(EXPIRED_PARAM) {
            return Ok(stored);
        }
        let message = self.problem(Code::CsrfFailed, "", 0).message;
        Ok(Some(Flash::expired(&self.path, message)))
    }

    /// Whether this GET is the answer to a stale form of its own page with nothing else to
    /// show: `flash` (from [`Page::take_flash`]) is the "This page expired" notice. A
    /// double submission's second click lands here, after the first replaced the session.
    pub(crate) fn came_back(&self, flash: Option<&Flash>) -> bool {
        flash.is_some_and(Flash::is_expired)
    }

    /// Whether the request's query has the field `name`.
    fn query_has(&self, name: &str) -> bool {
        let query = self.path.split_once('?').map_or("", |(_, q)| q);
        serde_urlencoded::from_str::<Vec<(String, String)>>(query)
            .is_ok_and(|fields| fields.iter().any(|(k, _)| k == name))
    }

    /// The flash stored for this page, removed from the session.
    async fn take_stored_flash(&self) -> Result<Option<Flash>, SessionFailure> {
        let Some(v) = self.session.get_value(FLASH_KEY).await? else {
            return Ok(None);
        };
        let flash = serde_json::from_value::<Flash>(v).ok();
        let here = path_of(&self.path);
        match flash {
            Some(f) if f.page != here => Ok(None),
            f => {
                self.session.remove_value(FLASH_KEY).await?;
                Ok(f)
            }
        }
    }

    /// The safe `next` target, or `OTPKIT_LOGIN_REDIRECT_URL`.
    pub(crate) fn next_or_default(&self, next: Option<&str>) -> String {
        match next {
            Some(n) if is_safe_next(n) => n.to_owned(),
            _ => self.kit.web_settings().login_redirect_url.clone(),
        }
    }
}
