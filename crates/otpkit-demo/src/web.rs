//! The demo's web application: its own pages next to otpkit-axum's routes.
//!
//! | route | what |
//! |---|---|
//! | `GET /` | home: is this session anonymous, authenticated or verified, and what to try next |
//! | `GET, POST /signup/` | create an account (username, optional email, password); logs it in |
//! | `GET /protected/` | a page behind [`otp_required`]: verified sessions only |
//! | `GET /protected/recent/` | a page behind [`step_up`]`().max_age(60)`: a verification at most 60 s old |
//! | `GET /outbox/` | development mode only: the emails that were not sent |
//! | `GET /static/demo.css` | the demo's additions to otpkit's stylesheet |
//! | `/otp/…` | otpkit-axum: login, verification, logout, enrolment, devices, admin |
//!
//! The demo's pages use otpkit-axum's [`Templates`]: they extend `otpkit/base.html`, which
//! the demo overrides to add its navigation and the development-mode banner, so that every
//! page — otpkit's and the demo's — looks the same. No page has an inline style or script
//! (otpkit's `otpkit.js` is an external file); every response carries otpkit's
//! `Content-Security-Policy` (`default-src 'self'`, never framed, forms to this origin only).
//!
//! Every sentence comes from a Fluent catalogue, in the language otpkit-axum negotiates for
//! the request (its chooser, `Accept-Language`, the default language): otpkit's own messages
//! plus the demo's, `locales/{en,de,es,fr,pt}/demo.ftl`, added with
//! [`Catalogue::with_ftl`] (see [`catalogue`]).

use std::sync::Arc;

use anyhow::Context as _;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::request::Parts;
use http::{HeaderValue, StatusCode, header};
use minijinja::context;
use otpkit::mailer::Mailer;
use otpkit::session::CSRF_KEY;
use otpkit::{Engine, KeyRing, Settings};
use otpkit_axum::i18n::{Arg, Catalogue, CatalogueError, Lang};
use otpkit_axum::security_mail::{DirectoryContacts, SecurityMail};
use otpkit_axum::{
    OtpKit, OtpState, SessionPasswordAuth, Templates, Verified, WebSettings, otp_required, step_up,
};
use otpkit_cli::deploy::Deployment;
use otpkit_webauthn::{PasskeySettings, Passkeys, Passwordless, RelyingParty, WebauthnDevice};
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use crate::db::Database;
use crate::mail::{DevMailer, OUTBOX_CAPACITY, Outbox};
use crate::users::{DemoCredentials, DemoDirectory, UserStore};

mod signup;

/// The site name shown in page titles.
pub const SITE_NAME: &str = "otpkit demo";

const BASE: &str = include_str!("../templates/base.html");
const DEMO_TEMPLATES: &[(&str, &str)] = &[
    ("demo/home.html", include_str!("../templates/home.html")),
    ("demo/signup.html", include_str!("../templates/signup.html")),
    (
        "demo/protected.html",
        include_str!("../templates/protected.html"),
    ),
    ("demo/outbox.html", include_str!("../templates/outbox.html")),
    ("demo/error.html", include_str!("../templates/error.html")),
];
/// The demo's stylesheet, served at `/static/demo.css`.
pub const DEMO_CSS: &str = include_str!("../static/demo.css");

const DEV_NAV: &str = r#"<a href="/outbox/">{{ t("demo-nav-outbox") }}</a>"#;
const DEV_BANNER: &str = r#"<p class="devmode" role="note"><strong>{{ t("demo-devmode") }}</strong> {{ t("demo-devmode-banner") }} <a href="/outbox/">{{ t("demo-devmode-open-outbox") }}</a></p>"#;

/// The demo's own messages, by language (`locales/{lang}/demo.ftl`).
pub const DEMO_FTL: &[(&str, &str)] = &[
    ("en", include_str!("../locales/en/demo.ftl")),
    ("de", include_str!("../locales/de/demo.ftl")),
    ("es", include_str!("../locales/es/demo.ftl")),
    ("fr", include_str!("../locales/fr/demo.ftl")),
    ("pt", include_str!("../locales/pt/demo.ftl")),
];

/// otpkit's embedded catalogue with the passkey pages' messages (otpkit-webauthn) and the
/// demo's own added in every language.
pub fn catalogue() -> Result<Catalogue, CatalogueError> {
    let with_passkeys = otpkit_webauthn::web::catalogue(Catalogue::embedded())?;
    DEMO_FTL
        .iter()
        .try_fold(with_passkeys, |c, (lang, ftl)| c.with_ftl(lang, ftl))
}

/// Where email codes go.
#[derive(Clone)]
pub enum Mail {
    /// A real transport (`OTPKIT_SMTP_URL`).
    Smtp(Arc<dyn Mailer>),
    /// Development mode: the outbox page and the console.
    Dev(Arc<Outbox>),
}

impl std::fmt::Debug for Mail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Mail::Smtp(_) => "Mail::Smtp",
            Mail::Dev(_) => "Mail::Dev",
        })
    }
}

impl Mail {
    /// SMTP when `OTPKIT_SMTP_URL` is set, else development mode with a new outbox.
    pub fn from_deployment(deployment: &Deployment) -> anyhow::Result<Mail> {
        if deployment.smtp_url.is_some() {
            Ok(Mail::Smtp(deployment.mailer()?))
        } else {
            Ok(Mail::Dev(Arc::new(Outbox::new())))
        }
    }

    /// Whether this is development mode.
    pub fn is_dev(&self) -> bool {
        matches!(self, Mail::Dev(_))
    }
}

/// What the application is made of.
#[derive(Debug)]
pub struct AppOptions {
    /// The engine's settings: the device policy and the kinds', with the email templates'
    /// texts (see [`Deployment::read_email_templates`]).
    pub settings: Settings,
    /// The web settings (`OTPKIT_URL_PREFIX`, `OTPKIT_MAX_BODY_BYTES`, …).
    pub web: WebSettings,
    /// The open, migrated database.
    pub db: Database,
    /// The key ring.
    pub keys: KeyRing,
    /// Where email codes go.
    pub mail: Mail,
    /// The passkeys' settings: the relying party (`OTPKIT_WEBAUTHN_RP_ID`,
    /// `OTPKIT_WEBAUTHN_ORIGIN`; by default the demo's own address, see [`relying_party`])
    /// and passwordless sign-in (`OTPKIT_WEBAUTHN_PASSWORDLESS`, see [`passkey_settings`]).
    pub passkeys: PasskeySettings,
}

/// The relying party of the demo's passkeys: `OTPKIT_WEBAUTHN_RP_ID` and
/// `OTPKIT_WEBAUTHN_ORIGIN`, by default the demo's own address `local` as browsers accept it
/// (`localhost` for a loopback address: a relying-party id cannot be an IP address).
pub fn relying_party(local: std::net::SocketAddr) -> RelyingParty {
    let host = if local.ip().is_loopback() {
        "localhost".to_owned()
    } else {
        local.ip().to_string()
    };
    let id = std::env::var("OTPKIT_WEBAUTHN_RP_ID").unwrap_or(host);
    let origin = std::env::var("OTPKIT_WEBAUTHN_ORIGIN")
        .unwrap_or_else(|_| format!("http://{id}:{}", local.port()));
    RelyingParty::new(id, origin)
}

/// The demo's passkey settings at address `local`: the [`relying_party`], and passwordless
/// sign-in from `OTPKIT_WEBAUTHN_PASSWORDLESS` — `off`, `with-fallback` (the demo's
/// default: a passkey signs in by itself for accounts that also have another way to sign
/// in) or `passkey-only`.
pub fn passkey_settings(local: std::net::SocketAddr) -> anyhow::Result<PasskeySettings> {
    let passwordless = match std::env::var("OTPKIT_WEBAUTHN_PASSWORDLESS") {
        Ok(v) => Passwordless::parse(&v).with_context(|| {
            format!("OTPKIT_WEBAUTHN_PASSWORDLESS={v:?}: use off, with-fallback or passkey-only")
        })?,
        Err(_) => Passwordless::WithFallback,
    };
    Ok(PasskeySettings::new(relying_party(local)).passwordless(passwordless))
}

/// The demo application.
#[derive(Clone, Debug)]
pub struct App {
    /// The complete router, with the session and OTP layers.
    pub router: Router,
    /// The otpkit web integration.
    pub kit: OtpKit,
    /// The users.
    pub users: UserStore,
    /// The development outbox, unless SMTP is configured.
    pub outbox: Option<Arc<Outbox>>,
}

/// The templates: otpkit-axum's, with the demo's base and pages added.
pub fn templates(dev_mode: bool) -> Templates {
    let base = BASE
        .replace("__DEV_NAV__", if dev_mode { DEV_NAV } else { "" })
        .replace("__DEV_BANNER__", if dev_mode { DEV_BANNER } else { "" });
    DEMO_TEMPLATES.iter().fold(
        Templates::new().with_override("otpkit/base.html", base),
        |t, (name, source)| t.with_override(*name, *source),
    )
}

#[derive(Clone)]
struct Demo {
    kit: OtpKit,
    users: UserStore,
    outbox: Option<Arc<Outbox>>,
}

impl App {
    /// Builds the engine, the kit and the router.
    pub fn new(opts: AppOptions) -> anyhow::Result<App> {
        let AppOptions {
            settings,
            web,
            db,
            keys,
            mail,
            passkeys,
        } = opts;
        let dev_mode = mail.is_dev();
        let (mailer, outbox): (Arc<dyn Mailer>, _) = match mail {
            Mail::Smtp(m) => (m, None),
            Mail::Dev(outbox) => (Arc::new(DevMailer::new(outbox.clone())), Some(outbox)),
        };
        // Security emails (a method added or removed, new backup codes, a lock) go through the
        // same mailer: to the outbox in development mode.
        let security = SecurityMail::new(
            mailer.clone(),
            DirectoryContacts::new(DemoDirectory(db.users.clone())),
        )
        .sender(settings.email.sender())
        .site_name(SITE_NAME)
        .enabled(web.security_emails);
        let engine = Engine::builder_arc(db.store.clone(), keys)
            .settings(settings)
            .mailer_arc(mailer)
            .user_directory(DemoDirectory(db.users.clone()))
            .notifier(security)
            .register::<WebauthnDevice>()
            .build()?;
        let passkeys = Passkeys::new(engine.clone(), passkeys)?;
        let auth = SessionPasswordAuth::new(DemoCredentials(db.users.clone()));
        let kit = OtpKit::builder(engine, auth)
            .catalogue(catalogue()?)?
            .web_settings(web)?
            .templates(otpkit_webauthn::web::templates(templates(dev_mode)))
            .kind_step(otpkit_webauthn::web::kind_step(&passkeys))
            .site_name(SITE_NAME)
            .user_sessions(db.sessions.clone())
            .trust_store_arc(db.trust.clone())
            .build();
        let demo = Demo {
            kit: kit.clone(),
            users: db.users.clone(),
            outbox: outbox.clone(),
        };
        let pages = demo_pages(demo);
        let router = Router::new()
            .merge(otpkit_axum::routes(kit.clone()))
            .merge(otpkit_webauthn::web::router(kit.clone(), passkeys))
            .merge(pages)
            .layer(axum::middleware::map_response(security_headers))
            .layer(kit.layer())
            // Sessions in the database (they survive a restart); these stores never
            // re-create a deleted session by themselves, so no TombstoneStore around them.
            .layer(
                otpkit_axum::durable_session_layer(db.sessions.clone())
                    .with_secure(false)
                    .with_name("otpkit_demo_session"),
            )
            // A session that cannot be written (the store down): 503, not a bare 500.
            .layer(kit.session_fault_layer());
        Ok(App {
            router,
            kit,
            users: db.users,
            outbox,
        })
    }
}

/// The demo's own pages: home, sign-up, the outbox, the stylesheet and a guarded page.
fn demo_pages(demo: Demo) -> Router {
    let max_body = demo.kit.web_settings().max_body_bytes;
    let guarded = Router::new()
        .route("/protected/", get(protected))
        .route_layer(otp_required());
    // Step-up: a verification at most 60 s old.
    let recent = Router::new()
        .route("/protected/recent/", get(protected))
        .route_layer(step_up().max_age(60));
    Router::new()
        .route("/", get(home))
        .route(
            "/signup/",
            get(signup::signup_get).post(signup::signup_post),
        )
        .route("/outbox/", get(outbox_page))
        .route("/static/demo.css", get(stylesheet))
        .merge(guarded)
        .merge(recent)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(demo)
}

/// The security headers of every page (otpkit's routes set them too; these fill in the
/// demo's own pages).
async fn security_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    let defaults = [
        (header::CONTENT_SECURITY_POLICY, otpkit_axum::CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    for (name, value) in defaults {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    }
    resp
}

/// The session's CSRF token (otpkit's, under `otpkit_csrf`), created when missing, so that
/// the demo's forms and otpkit's share one token.
async fn csrf_token(session: &Session) -> Result<String, tower_sessions::session::Error> {
    if let Some(serde_json::Value::String(t)) = session.get_value(CSRF_KEY).await?
        && !t.is_empty()
    {
        return Ok(t);
    }
    rotate_csrf(session).await
}

async fn rotate_csrf(session: &Session) -> Result<String, tower_sessions::session::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| {
        tower_sessions::session::Error::Store(tower_sessions::session_store::Error::Backend(
            e.to_string(),
        ))
    })?;
    let t = URL_SAFE_NO_PAD.encode(bytes);
    session
        .insert_value(CSRF_KEY, serde_json::Value::String(t.clone()))
        .await?;
    Ok(t)
}

async fn csrf_ok(session: &Session, presented: &str) -> bool {
    match session.get_value(CSRF_KEY).await {
        Ok(Some(serde_json::Value::String(t))) if !t.is_empty() => {
            t.len() == presented.len() && bool::from(t.as_bytes().ct_eq(presented.as_bytes()))
        }
        _ => false,
    }
}

/// What every demo page needs from its request: the session, the OTP state, the language
/// otpkit-axum negotiates for it, and its path (for the language chooser's `next`).
pub(crate) struct Req {
    session: Session,
    state: OtpState,
    lang: Lang,
    here: String,
}

impl FromRequestParts<Demo> for Req {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, d: &Demo) -> Result<Req, Response> {
        let session = Session::from_request_parts(parts, d)
            .await
            .map_err(IntoResponse::into_response)?;
        let Ok(state) = OtpState::from_request_parts(parts, d).await;
        let lang = d.kit.catalogue().negotiate_headers(&parts.headers);
        let here = parts
            .uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
        Ok(Req {
            session,
            state,
            lang,
            here,
        })
    }
}

impl Demo {
    fn urls(&self) -> minijinja::Value {
        let k = &self.kit;
        context! {
            login => k.url("/login/"),
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

    /// The message `id` in the request's language.
    fn t(&self, req: &Req, id: &str) -> String {
        self.kit.catalogue().message(&req.lang, id, &[])
    }

    /// The message `id` with `args` in the request's language.
    fn t_with(&self, req: &Req, id: &str, args: &[(&str, Arg)]) -> String {
        self.kit.catalogue().message(&req.lang, id, args)
    }

    /// Renders one of the demo's pages, titled by the message `title`, with the context every
    /// page shares (the same names as otpkit-axum's pages: `lang`, `languages`, `here`, …).
    async fn page(
        &self,
        req: &Req,
        status: StatusCode,
        template: &str,
        title: &str,
        extra: minijinja::Value,
    ) -> Response {
        let csrf = match csrf_token(&req.session).await {
            Ok(t) => t,
            Err(e) => {
                tracing::error!(target: "otpkit_demo", error = %e, "session store failure");
                return (StatusCode::SERVICE_UNAVAILABLE, "session store failure").into_response();
            }
        };
        let catalogue = self.kit.catalogue();
        let languages: Vec<minijinja::Value> = catalogue
            .languages()
            .map(|l| {
                context! {
                    tag => l.as_str(),
                    name => self.t(req, &format!("language-{}", l.as_str())),
                    current => l == &req.lang,
                }
            })
            .collect();
        let ctx = context! {
            title => self.t(req, title),
            site_name => self.kit.site_name(),
            lang => req.lang.as_str(),
            i18n => otpkit_axum::i18n::translator(catalogue, &req.lang, self.kit.engine().now()),
            languages => languages,
            here => req.here.clone(),
            csrf_token => csrf,
            level => req.state.level().as_str(),
            user => req.state.user().map(|u| u.as_str().to_owned()),
            is_staff => req.state.is_staff(&self.kit).await,
            urls => self.urls(),
            dev_mode => self.outbox.is_some(),
            ..extra
        };
        match self.kit.templates().render(template, ctx) {
            Ok(html) => (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                html,
            )
                .into_response(),
            Err(e) => {
                tracing::error!(target: "otpkit_demo", template, error = %e, "template failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
            }
        }
    }

    /// The error page: the title and the message are message ids.
    async fn error(&self, req: &Req, status: StatusCode, title: &str, message: &str) -> Response {
        let message = self.t(req, message);
        self.page(
            req,
            status,
            "demo/error.html",
            title,
            context! { message => message },
        )
        .await
    }
}

async fn home(State(d): State<Demo>, req: Req) -> Response {
    let mut has_device = false;
    if let Some(user) = req.state.user() {
        has_device = d
            .kit
            .engine()
            .user_has_device(Some(user), Some(true))
            .await
            .unwrap_or(false);
    }
    let extra = context! {
        device => req.state.device().map(|dev| dev.name().to_owned()),
        verified_at => req.state.verified_at().map(|t| t.to_rfc3339()),
        has_device => has_device,
        passkey_new => d.kit.url("/passkeys/new/"),
    };
    d.page(
        &req,
        StatusCode::OK,
        "demo/home.html",
        "demo-title-home",
        extra,
    )
    .await
}

/// `/protected/` and `/protected/recent/` (behind `step_up().max_age(60)`: it also says how
/// long ago the session was verified).
async fn protected(State(d): State<Demo>, req: Req, v: Verified) -> Response {
    let recent = req.here.starts_with("/protected/recent/");
    let secs = v
        .verified_at
        .filter(|_| recent)
        .map(|t| d.kit.engine().now().millis_since(t).max(0) / 1000);
    let extra = context! { device => v.device.name().to_owned(), recent_secs => secs };
    d.page(
        &req,
        StatusCode::OK,
        "demo/protected.html",
        "demo-title-protected",
        extra,
    )
    .await
}

async fn outbox_page(State(d): State<Demo>, req: Req) -> Response {
    let Some(outbox) = &d.outbox else {
        return d
            .error(
                &req,
                StatusCode::NOT_FOUND,
                "demo-title-not-found",
                "demo-outbox-none",
            )
            .await;
    };
    let messages: Vec<_> = outbox
        .messages()
        .into_iter()
        .map(|m| {
            context! {
                at => m.at.to_rfc3339(),
                to => m.to,
                from => m.from,
                subject => m.subject,
                text => m.text,
            }
        })
        .collect();
    d.page(
        &req,
        StatusCode::OK,
        "demo/outbox.html",
        "demo-title-outbox",
        context! { messages => messages, capacity => OUTBOX_CAPACITY },
    )
    .await
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        DEMO_CSS,
    )
        .into_response()
}

async fn not_found(State(d): State<Demo>, req: Req) -> Response {
    d.error(
        &req,
        StatusCode::NOT_FOUND,
        "demo-title-not-found",
        "demo-not-found",
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ` on…=` attributes (onclick, onload, …).
    fn has_inline_handler(html: &str) -> bool {
        html.match_indices(" on").any(|(i, _)| {
            let rest = &html[i + 3..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect();
            !name.is_empty() && rest[name.len()..].starts_with('=')
        })
    }

    /// The context of a page in `lang`, for a verified alice with one outbox message.
    fn sample(lang: &str) -> minijinja::Value {
        let catalogue = catalogue().unwrap();
        let lang = catalogue.language(lang).unwrap();
        context! {
            title => "T", site_name => SITE_NAME, csrf_token => "x",
            lang => lang.as_str(),
            i18n => otpkit_axum::i18n::translator(
                &catalogue,
                &lang,
                otpkit::Timestamp::from_secs(1_767_225_600),
            ),
            languages => vec![context! { tag => "en", name => "English", current => true }],
            here => "/",
            level => "verified", user => "alice", device => "Phone", is_staff => true,
            verified_at => "2026-01-01T00:00:00Z", capacity => 50,
            urls => context! {
                css => "/otp/static/otpkit.css",
                js => "/otp/static/otpkit.js",
                language => "/otp/language/",
            },
            messages => vec![context! {
                at => "2026-01-01T00:00:00Z", to => "a@b.c", subject => "S", text => "123456",
            }],
            errors => vec!["E"],
        }
    }

    #[test]
    fn templates_render_without_inline_code() {
        for dev in [true, false] {
            let t = templates(dev);
            for (name, _) in DEMO_TEMPLATES {
                let html = t.render(name, sample("en")).unwrap();
                assert!(!html.contains("style="), "{name}");
                assert!(!html.contains("<style"), "{name}");
                // One external script (otpkit.js), no inline code.
                for (i, _) in html.match_indices("<script") {
                    let tag = &html[i..];
                    let end = tag.find("</script>").unwrap();
                    let open = &tag[..tag.find('>').unwrap() + 1];
                    assert!(
                        open.contains(" src=\"") && open.contains("otpkit.js\""),
                        "{name}: {open}"
                    );
                    assert_eq!(end, open.len(), "{name}: inline code in {open}");
                }
                assert!(!has_inline_handler(&html), "{name}");
                assert_eq!(html.contains("/outbox/"), dev, "{name}");
            }
        }
    }

    /// The demo's templates, with the development-mode pieces filled in.
    fn sources() -> Vec<(String, String)> {
        let base = BASE
            .replace("__DEV_NAV__", DEV_NAV)
            .replace("__DEV_BANNER__", DEV_BANNER);
        std::iter::once(("demo/base.html".to_owned(), base))
            .chain(
                DEMO_TEMPLATES
                    .iter()
                    .map(|(n, s)| ((*n).to_owned(), (*s).to_owned())),
            )
            .collect()
    }

    /// Every `t("id"` of `source`.
    fn message_ids(source: &str) -> Vec<String> {
        source
            .split("t(\"")
            .skip(1)
            .filter_map(|rest| rest.split_once('"').map(|(id, _)| id.to_owned()))
            .collect()
    }

    #[test]
    fn templates_have_no_literal_sentence() {
        for (name, source) in sources() {
            let literal = otpkit_axum::i18n::literal_text(&source);
            assert!(literal.is_empty(), "{name}: {literal:?}");
        }
    }

    #[test]
    fn every_message_the_demo_uses_exists_in_every_language() {
        let catalogue = catalogue().unwrap();
        let mut ids: Vec<String> = sources().iter().flat_map(|(_, s)| message_ids(s)).collect();
        // The messages web.rs and signup.rs name.
        ids.extend(
            [
                include_str!("web.rs"),
                include_str!("web/signup.rs"),
                include_str!("users.rs"),
            ]
            .iter()
            .flat_map(|src| {
                src.split('"')
                    .filter(|s| {
                        s.len() > 5
                            && s.starts_with("demo-")
                            && s.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                    })
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            }),
        );
        assert!(ids.len() > 60, "{ids:?}");
        for lang in ["en", "de", "es", "fr", "pt"] {
            let l = catalogue.language(lang).unwrap();
            for id in &ids {
                assert!(catalogue.has_message(&l, id), "{lang}: {id} is missing");
            }
        }
    }

    #[test]
    fn every_language_has_the_same_demo_messages() {
        let ids = |src: &str| -> Vec<String> {
            src.lines()
                .filter(|l| l.starts_with("demo-"))
                .filter_map(|l| l.split_once(" =").map(|(id, _)| id.to_owned()))
                .collect()
        };
        let en = ids(DEMO_FTL[0].1);
        assert!(en.len() > 70, "{}", en.len());
        for (lang, src) in DEMO_FTL {
            assert_eq!(ids(src), en, "{lang}");
            catalogue().unwrap().with_ftl(lang, src).unwrap();
        }
    }

    #[test]
    fn pages_speak_the_request_language() {
        let t = templates(true);
        let home = t.render("demo/home.html", sample("de")).unwrap();
        assert!(home.contains(r#"<html lang="de">"#), "{home}");
        assert!(home.contains("Du bist als alice angemeldet"), "{home}");
        assert!(home.contains("Entwicklungsmodus"), "{home}");
        let signup = t.render("demo/signup.html", sample("fr")).unwrap();
        assert!(
            signup.contains("Vous êtes connecté en tant que alice"),
            "{signup}"
        );
    }
}
