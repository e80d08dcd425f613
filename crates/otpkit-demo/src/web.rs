//! The demo's web application: its own pages next to otpkit-axum's routes.
//!
//! | route | what |
//! |---|---|
//! | `GET /` | home: is this session anonymous, authenticated or verified, and what to try next |
//! | `GET, POST /signup/` | create an account (username, optional email, password); logs it in |
//! | `GET /protected/` | a page behind [`otp_required`]: verified sessions only |
//! | `GET /outbox/` | development mode only: the emails that were not sent |
//! | `GET /static/demo.css` | the demo's additions to otpkit's stylesheet |
//! | `/otp/…` | otpkit-axum: login, verification, logout, enrolment, devices, admin |
//!
//! The demo's pages use otpkit-axum's [`Templates`]: they extend `otpkit/base.html`, which
//! the demo overrides to add its navigation and the development-mode banner, so that every
//! page — otpkit's and the demo's — looks the same. No page has an inline style or script;
//! every response carries otpkit's `Content-Security-Policy` (`default-src 'self'`, never framed,
//! forms to this origin only).

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{HeaderValue, StatusCode, header};
use minijinja::context;
use otpkit::mailer::Mailer;
use otpkit::session::{CSRF_KEY, DEVICE_KEY, ENROL_KEY, PENDING_KEY, VERIFIED_AT_KEY};
use otpkit::{Engine, KeyRing, Settings, UserId};
use otpkit_axum::{
    OtpKit, OtpState, SessionPasswordAuth, Templates, Verified, WebSettings, otp_required,
};
use otpkit_cli::deploy::Deployment;
use subtle::ConstantTimeEq;
use tower_sessions::{MemoryStore, Session};

use crate::db::Database;
use crate::mail::{DevMailer, OUTBOX_CAPACITY, Outbox};
use crate::users::{DemoCredentials, DemoDirectory, NewUser, UserError, UserStore};

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

const DEV_NAV: &str = r#"<a href="/outbox/">Outbox</a>"#;
const DEV_BANNER: &str = r#"<p class="devmode" role="note"><strong>Development mode:</strong> email codes are not sent. Read them in the <a href="/outbox/">outbox</a> or on the server console; set <code>OTPKIT_SMTP_URL</code> to send them.</p>"#;

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
        } = opts;
        let dev_mode = mail.is_dev();
        let (mailer, outbox): (Arc<dyn Mailer>, _) = match mail {
            Mail::Smtp(m) => (m, None),
            Mail::Dev(outbox) => (Arc::new(DevMailer::new(outbox.clone())), Some(outbox)),
        };
        let engine = Engine::builder_arc(db.store.clone(), keys)
            .settings(settings)
            .mailer_arc(mailer)
            .user_directory(DemoDirectory(db.users.clone()))
            .build()?;
        let auth = SessionPasswordAuth::new(DemoCredentials(db.users.clone()));
        let kit = OtpKit::builder(engine, auth)
            .web_settings(web)?
            .templates(templates(dev_mode))
            .site_name(SITE_NAME)
            .build();
        let demo = Demo {
            kit: kit.clone(),
            users: db.users.clone(),
            outbox: outbox.clone(),
        };
        let protected = Router::new()
            .route("/protected/", get(protected))
            .route_layer(otp_required());
        let pages = Router::new()
            .route("/", get(home))
            .route("/signup/", get(signup_get).post(signup_post))
            .route("/outbox/", get(outbox_page))
            .route("/static/demo.css", get(stylesheet))
            .merge(protected)
            .fallback(not_found)
            .layer(DefaultBodyLimit::max(kit.web_settings().max_body_bytes))
            .with_state(demo);
        let router = Router::new()
            .merge(otpkit_axum::routes(kit.clone()))
            .merge(pages)
            .layer(axum::middleware::map_response(security_headers))
            .layer(kit.layer())
            // Wrapped in otpkit's TombstoneStore: a request in flight never re-creates a
            // session that logout or a login's id rotation deleted.
            .layer(
                otpkit_axum::session_layer(MemoryStore::default())
                    .with_secure(false)
                    .with_name("otpkit_demo_session"),
            );
        Ok(App {
            router,
            kit,
            users: db.users,
            outbox,
        })
    }
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

impl Demo {
    fn urls(&self) -> minijinja::Value {
        let k = &self.kit;
        context! {
            login => k.url("/login/"),
            verify => k.url("/verify/"),
            logout => k.url("/logout/"),
            devices => k.url("/devices/"),
            totp_new => k.url("/devices/totp/new/"),
            email_new => k.url("/devices/email/new/"),
            backup_codes => k.url("/devices/backup-codes/"),
            admin => k.url("/admin/"),
            admin_login => k.url("/admin/login/"),
            css => k.url("/static/otpkit.css"),
            home => k.web_settings().login_redirect_url.clone(),
        }
    }

    /// Renders one of the demo's pages with the context every page shares.
    async fn page(
        &self,
        session: &Session,
        state: &OtpState,
        status: StatusCode,
        template: &str,
        title: &str,
        extra: minijinja::Value,
    ) -> Response {
        let csrf = match csrf_token(session).await {
            Ok(t) => t,
            Err(e) => {
                tracing::error!(target: "otpkit_demo", error = %e, "session store failure");
                return (StatusCode::SERVICE_UNAVAILABLE, "session store failure").into_response();
            }
        };
        let ctx = context! {
            title => title,
            site_name => SITE_NAME,
            csrf_token => csrf,
            level => state.level().as_str(),
            user => state.user().map(|u| u.as_str().to_owned()),
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

    async fn error(
        &self,
        session: &Session,
        state: &OtpState,
        status: StatusCode,
        title: &str,
        message: &str,
    ) -> Response {
        self.page(
            session,
            state,
            status,
            "demo/error.html",
            title,
            context! { message => message },
        )
        .await
    }
}

async fn home(State(d): State<Demo>, session: Session, state: OtpState) -> Response {
    let mut has_device = false;
    let mut is_staff = false;
    if let Some(user) = state.user() {
        has_device = d
            .kit
            .engine()
            .user_has_device(Some(user), Some(true))
            .await
            .unwrap_or(false);
        is_staff = matches!(d.users.get(user.as_str()).await, Ok(Some(u)) if u.is_staff);
    }
    let extra = context! {
        device => state.device().map(|dev| dev.name().to_owned()),
        verified_at => state.verified_at().map(|t| t.to_rfc3339()),
        has_device => has_device,
        is_staff => is_staff,
    };
    d.page(
        &session,
        &state,
        StatusCode::OK,
        "demo/home.html",
        "Home",
        extra,
    )
    .await
}

async fn protected(
    State(d): State<Demo>,
    session: Session,
    state: OtpState,
    v: Verified,
) -> Response {
    let extra = context! { device => v.device.name().to_owned() };
    d.page(
        &session,
        &state,
        StatusCode::OK,
        "demo/protected.html",
        "Protected page",
        extra,
    )
    .await
}

async fn outbox_page(State(d): State<Demo>, session: Session, state: OtpState) -> Response {
    let Some(outbox) = &d.outbox else {
        return d
            .error(
                &session,
                &state,
                StatusCode::NOT_FOUND,
                "Not found",
                "There is no outbox: email is sent by SMTP (OTPKIT_SMTP_URL).",
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
        &session,
        &state,
        StatusCode::OK,
        "demo/outbox.html",
        "Outbox",
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

async fn not_found(State(d): State<Demo>, session: Session, state: OtpState) -> Response {
    d.error(
        &session,
        &state,
        StatusCode::NOT_FOUND,
        "Not found",
        "There is no page at this address.",
    )
    .await
}

async fn signup_get(State(d): State<Demo>, session: Session, state: OtpState) -> Response {
    d.page(
        &session,
        &state,
        StatusCode::OK,
        "demo/signup.html",
        "Sign up",
        context! { username => "", email => "" },
    )
    .await
}

/// The sign-up form.
#[derive(Debug, Default)]
struct SignupForm {
    csrf_token: String,
    username: String,
    email: String,
    password: String,
    password2: String,
}

/// The largest sign-up body read (four short fields and a CSRF token).
const SIGNUP_MAX_BYTES: usize = 16 * 1024;

impl SignupForm {
    /// Reads the form from an `application/x-www-form-urlencoded` body of at most
    /// [`SIGNUP_MAX_BYTES`]; a repeated field counts once (its first value), unknown ones are
    /// ignored. `None` for any other body: the caller answers with its own message, never
    /// with the framework's rejection text.
    async fn read(headers: &http::HeaderMap, body: axum::body::Body) -> Option<SignupForm> {
        let form_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| {
                m.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            });
        if !form_type {
            return None;
        }
        let bytes = axum::body::to_bytes(body, SIGNUP_MAX_BYTES).await.ok()?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).ok()?;
        let mut form = SignupForm::default();
        let mut seen = std::collections::HashSet::new();
        for (k, v) in pairs {
            if !seen.insert(k.clone()) {
                continue;
            }
            match k.as_str() {
                "csrf_token" => form.csrf_token = v,
                "username" => form.username = v,
                "email" => form.email = v,
                "password" => form.password = v,
                "password2" => form.password2 = v,
                _ => {}
            }
        }
        Some(form)
    }
}

async fn signup_post(
    State(d): State<Demo>,
    session: Session,
    state: OtpState,
    headers: http::HeaderMap,
    body: axum::body::Body,
) -> Response {
    let Some(form) = SignupForm::read(&headers, body).await else {
        return d
            .error(
                &session,
                &state,
                StatusCode::BAD_REQUEST,
                "Sign up",
                "The sign-up form could not be read. Please go back and fill it in again.",
            )
            .await;
    };
    if !csrf_ok(&session, &form.csrf_token).await {
        return d
            .error(
                &session,
                &state,
                StatusCode::FORBIDDEN,
                "Forbidden",
                "This page expired. Please try again.",
            )
            .await;
    }
    let again = |errors: Vec<String>, status: StatusCode| {
        let d = d.clone();
        let session = session.clone();
        let state = state.clone();
        let username = form.username.clone();
        let email = form.email.clone();
        async move {
            d.page(
                &session,
                &state,
                status,
                "demo/signup.html",
                "Sign up",
                context! { errors => errors, username => username, email => email },
            )
            .await
        }
    };
    if let Some(msg) = form_problem(&state, &form) {
        return again(vec![msg.to_owned()], StatusCode::BAD_REQUEST).await;
    }
    let user = match create_account(&d.users, &form).await {
        Ok(u) => u,
        Err(Refusal::Form(msg)) => return again(vec![msg], StatusCode::BAD_REQUEST).await,
        Err(Refusal::Storage(e)) => {
            tracing::error!(target: "otpkit_demo", error = %e, "sign-up failed");
            return d
                .error(
                    &session,
                    &state,
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Error",
                    "The account could not be created. Please try again later.",
                )
                .await;
        }
    };
    tracing::info!(target: "otpkit_demo", user = %user.username, "signed up");
    match log_in_new_user(&d.kit, &session, &user.username).await {
        Ok(()) => Redirect::to("/").into_response(),
        Err(e) => {
            tracing::error!(target: "otpkit_demo", error = %e, "log-in after sign-up failed");
            Redirect::to(&d.kit.url("/login/")).into_response()
        }
    }
}

/// What is wrong with a sign-up before the user table is asked.
fn form_problem(state: &OtpState, form: &SignupForm) -> Option<&'static str> {
    if state.user().is_some() {
        return Some("You are logged in. Log out to create another account.");
    }
    (form.password != form.password2).then_some("The two passwords differ.")
}

/// Why a sign-up created nothing.
enum Refusal {
    /// The form is wrong; the message says why.
    Form(String),
    /// The user table failed.
    Storage(UserError),
}

/// Creates the account the form describes.
async fn create_account(
    users: &UserStore,
    form: &SignupForm,
) -> Result<crate::users::User, Refusal> {
    let email = Some(form.email.trim().to_owned()).filter(|e| !e.is_empty());
    let created = users
        .create(NewUser {
            username: form.username.trim().to_owned(),
            password: form.password.clone(),
            email,
            is_staff: false,
        })
        .await;
    match created {
        Ok(u) => Ok(u),
        Err(UserError::Exists) => Err(Refusal::Form(
            "A user with that username already exists.".to_owned(),
        )),
        Err(e @ UserError::Invalid(_)) => Err(Refusal::Form(e.to_string())),
        Err(e) => Err(Refusal::Storage(e)),
    }
}

/// Logs a just-created user in (first factor only: a new account has no device), the way
/// otpkit's login handler does for a user without a device: a fresh session id, no OTP
/// state of an earlier login, a new CSRF token.
async fn log_in_new_user(kit: &OtpKit, session: &Session, username: &str) -> anyhow::Result<()> {
    let user = UserId::new(username)?;
    for k in [DEVICE_KEY, VERIFIED_AT_KEY, ENROL_KEY, PENDING_KEY] {
        session.remove_value(k).await?;
    }
    session.cycle_id().await?;
    kit.auth()
        .login(session, &user)
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    rotate_csrf(session).await?;
    Ok(())
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

    #[test]
    fn templates_render_without_inline_code() {
        for dev in [true, false] {
            let t = templates(dev);
            for (name, _) in DEMO_TEMPLATES {
                let html = t
                    .render(
                        name,
                        context! {
                            title => "T", site_name => SITE_NAME, csrf_token => "x",
                            level => "verified", user => "alice",
                            urls => context! { css => "/otp/static/otpkit.css" },
                            messages => vec![context! { to => "a@b.c", text => "123456" }],
                        },
                    )
                    .unwrap();
                assert!(!html.contains("style="), "{name}");
                assert!(!html.contains("<style"), "{name}");
                assert!(!html.contains("<script"), "{name}");
                assert!(!has_inline_handler(&html), "{name}");
                assert_eq!(html.contains("/outbox/"), dev, "{name}");
            }
        }
    }
}
