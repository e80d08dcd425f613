//! The web piece (cargo feature `axum`): passkey routes an application merges beside
//! otpkit-axum's pieces, under the kit's URL prefix (default `/otp`). They use otpkit-axum's
//! public API — the session, its CSRF token and binding value, the OTP state, the freshness
//! rule, and [`OtpKit::complete_verification`], which does what otpkit's code step does on
//! success — so a passkey signs in exactly as a code does.
//!
//! | route | method | what |
//! |---|---|---|
//! | `/passkeys/verify/` | GET | "Use your security key": the passkey step of a pending login or a signed-in user (`?next=`); the code step links here |
//! | `/passkeys/new/` | GET | "Add a security key or passkey", with an optional name (default: the authenticator's model from its AAGUID, else "Passkey") |
//! | `/static/otpkit-webauthn.js` | GET | the pages' script ([`SCRIPT`]): `navigator.credentials.create()`/`get()` and the JSON endpoints below |
//! | `/passkeys/register/options` | POST | `{"name"?}` → `{"device", "options"}`: options for `navigator.credentials.create()` and the unconfirmed device; a signed-in user, with a fresh verification once they have a device (as every enrolment) |
//! | `/passkeys/register/finish` | POST | `{"device", "credential", "setup"?}` → `{"status": "registered", "device", "name", "csrf_token", "next"}`; the first device also verifies the session; with `"setup": true` (the page's script) the guided setup goes on as after any new method ([`OtpKit::enrolment_confirmed`]): `next` is its backup-codes step when the user has no backup codes, else its last page |
//! | `/passkeys/authenticate/options` | POST | → `{"options"}` for `navigator.credentials.get()`: the signed-in user's or the pending login's passkeys; 403 `no_device` without one |
//! | `/passkeys/authenticate/finish` | POST | `{"credential", "next"?}` → `{"status": "verified", "device", "next", "csrf_token"}`: the login (or re-verification) is complete |
//! | `/passkeys/sign-in/` | GET | "Sign in with a passkey" (passwordless, when [`PasskeySettings::passwordless`](crate::PasskeySettings::passwordless) allows it; the login page links here) |
//! | `/passkeys/sign-in/options` | POST | → `{"options"}` for `navigator.credentials.get()` with no allowed credentials (the authenticator offers its passkeys); the started sign-in is kept in the session store; 404 `not_found` when passwordless sign-in is off |
//! | `/passkeys/sign-in/finish` | POST | `{"credential", "next"?}` → `{"status": "verified", …}` as above: the session is signed in and verified; 403 `verification_not_allowed` with `reason: "needs_fallback"` for an account with only passkeys under [`Passwordless::WithFallback`](crate::Passwordless::WithFallback) |
//!
//! Every POST needs the session's CSRF token (`X-CSRF-Token`, or `csrf_token` in the body).
//! Refusals have otpkit-axum's shape, `{"error", "message", …}`: 401 `otp_required` (nobody
//! to enrol or sign in), 403 `reauth_required`, `csrf_failed`, `no_device`,
//! `device_locked`, 429 `n_failed_attempts`, 400 `bad_request`, 401 `invalid_token` with
//! `reason` (the [`Refusal`](crate::Refusal) code), 503 `internal_error` (fail closed).
//!
//! The pages are otpkit pages: their templates and sentences join the kit's ([`templates`],
//! [`catalogue`]), and [`kind_step`] makes the code step link to "Use your security key"
//! instead of offering a text field for a passkey.
//!
//! ```no_run
//! use otpkit_axum::i18n::Catalogue;
//! use otpkit_axum::{OtpKit, SessionPasswordAuth, Templates};
//! use otpkit_webauthn::{PasskeySettings, Passkeys, RelyingParty, web};
//!
//! # fn build(engine: otpkit::Engine, auth: SessionPasswordAuth) -> Result<axum::Router, Box<dyn std::error::Error>> {
//! let rp = RelyingParty::new("localhost", "http://localhost:3000");
//! let passkeys = Passkeys::new(engine.clone(), PasskeySettings::new(rp))?;
//! let kit = OtpKit::builder(engine, auth)
//!     .templates(web::templates(Templates::new()))
//!     .catalogue(web::catalogue(Catalogue::embedded())?)?
//!     .kind_step(web::kind_step(&passkeys))
//!     .build();
//! Ok(app(kit, passkeys))
//! # }
//!
//! fn app(kit: OtpKit, passkeys: Passkeys) -> axum::Router {
//!     axum::Router::new()
//!         .merge(otpkit_axum::routes(kit.clone()))
//!         .merge(web::router(kit.clone(), passkeys))
//!         .layer(kit.layer())
//!         .layer(otpkit_axum::session_layer(tower_sessions::MemoryStore::default()))
//! }
//! ```

mod json;
mod pages;
mod sign_in;

pub use pages::SCRIPT;
pub use sign_in::PENDING_SIGN_IN_KEY;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::response::Response;
use axum::routing::{get, post};
use http::{HeaderMap, HeaderValue, header};
use otpkit_axum::extension::KindStep;
use otpkit_axum::i18n::{Catalogue, CatalogueError};
use otpkit_axum::{Code, OtpKit, Problem, Templates};

use crate::Passkeys;
use crate::kind::MAX_RESPONSE_BYTES;

/// What the handlers share.
#[derive(Clone, Debug)]
pub(crate) struct Web {
    pub(crate) kit: OtpKit,
    pub(crate) passkeys: Passkeys,
}

/// The passkey routes under the kit's URL prefix (see the module docs), for an application
/// that wraps them, like otpkit's, in `kit.layer()` and a session layer.
pub fn router<S>(kit: OtpKit, passkeys: Passkeys) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let at = |path: &str| kit.url(path);
    Router::new()
        .route(&at("/passkeys/verify/"), get(pages::verify_page))
        .route(&at("/passkeys/new/"), get(pages::new_page))
        .route(&at("/static/otpkit-webauthn.js"), get(pages::script))
        .route(
            &at("/passkeys/register/options"),
            post(json::register_options),
        )
        .route(
            &at("/passkeys/register/finish"),
            post(json::register_finish),
        )
        .route(
            &at("/passkeys/authenticate/options"),
            post(json::authenticate_options),
        )
        .route(
            &at("/passkeys/authenticate/finish"),
            post(json::authenticate_finish),
        )
        .route(&at("/passkeys/sign-in/"), get(sign_in::page))
        .route(&at("/passkeys/sign-in/options"), post(sign_in::options))
        .route(&at("/passkeys/sign-in/finish"), post(sign_in::finish))
        // A response plus its envelope; a larger body is refused unread (413).
        .layer(DefaultBodyLimit::max(2 * MAX_RESPONSE_BYTES))
        .layer(middleware::map_response(secure))
        .with_state(Web { kit, passkeys })
}

/// The template of "Use your security key".
pub const VERIFY_TEMPLATE: &str = "otpkit_webauthn/passkey_verify.html";
/// The template of "Add a security key or passkey".
pub const NEW_TEMPLATE: &str = "otpkit_webauthn/passkey_new.html";

/// The pages' templates (name, source); they extend `otpkit/base.html`.
pub const TEMPLATES: [(&str, &str); 2] = [
    (
        VERIFY_TEMPLATE,
        include_str!("../../templates/passkey_verify.html"),
    ),
    (
        NEW_TEMPLATE,
        include_str!("../../templates/passkey_new.html"),
    ),
];

/// The sentences of the pages, per language (tag, Fluent source): en, de, fr, es, pt.
pub const CATALOGUES: [(&str, &str); 5] = [
    ("en", include_str!("../../locales/en/passkeys.ftl")),
    ("de", include_str!("../../locales/de/passkeys.ftl")),
    ("fr", include_str!("../../locales/fr/passkeys.ftl")),
    ("es", include_str!("../../locales/es/passkeys.ftl")),
    ("pt", include_str!("../../locales/pt/passkeys.ftl")),
];

/// `templates` with the pages' templates added (an application's own override of one of
/// them, added after, wins).
pub fn templates(templates: Templates) -> Templates {
    TEMPLATES
        .into_iter()
        .fold(templates, |t, (name, source)| t.with_override(name, source))
}

/// `catalogue` with the pages' sentences (`passkey-…`) added in en, de, fr, es and pt. Add
/// the application's own replacements after this.
pub fn catalogue(catalogue: Catalogue) -> Result<Catalogue, CatalogueError> {
    CATALOGUES
        .into_iter()
        .try_fold(catalogue, |c, (tag, source)| c.with_ftl(tag, source))
}

/// The code step's link to "Use your security key" for the user's passkeys, "Add a
/// security key or passkey" on the guided setup's "choose a method" page, and, when
/// `passkeys` allow passwordless sign-in, the login page's "Sign in with a passkey"
/// ([`OtpKitBuilder::kind_step`](otpkit_axum::OtpKitBuilder::kind_step)).
pub fn kind_step(passkeys: &Passkeys) -> KindStep {
    let step = KindStep::new(crate::MODEL_LABEL, "/passkeys/verify/", "passkey-use").enrolment(
        "/passkeys/new/",
        "passkey-new-title",
        "passkey-new-intro",
    );
    if passkeys.settings().passwordless == crate::Passwordless::Off {
        return step;
    }
    step.sign_in("/passkeys/sign-in/", "passkey-sign-in-link")
}

/// otpkit's security headers (docs/behaviour.md §7.5) on every answer.
async fn secure(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    let set = |h: &mut HeaderMap, name, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(h, header::CONTENT_SECURITY_POLICY, otpkit_axum::CSP);
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "same-origin");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    // Pages and JSON are never stored; the script says its own (an hour, public).
    if !h.contains_key(header::CACHE_CONTROL) {
        set(h, header::CACHE_CONTROL, "no-store");
    }
    resp
}

/// The refusal of `code` in the request's language.
pub(crate) fn problem(kit: &OtpKit, headers: &HeaderMap, code: Code) -> Problem {
    let lang = kit.catalogue().negotiate_headers(headers);
    Problem::localised(kit.messages(), kit.catalogue(), &lang, code, "", 0)
}
