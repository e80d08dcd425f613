//! The OpenAPI document of the JSON routes ([`crate::api`]), from the handlers'
//! `#[utoipa::path]` annotations, and its route (`GET {prefix}/openapi.json`).
//!
//! What every route shares is added here rather than on each handler: the refusals any
//! route may answer (413 `payload_too_large`, 503 `internal_error`; for a POST also 400
//! `bad_request` and 403 `csrf_failed`), the session cookie and, for a POST, the CSRF token
//! as security requirements, and the URL prefix of every path.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

use crate::api;
use crate::kit::OtpKit;

/// The session cookie's security scheme.
const SESSION: &str = "session";
/// The CSRF token's security scheme.
const CSRF: &str = "csrf";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "otpkit",
        description = "The JSON API of otpkit's routes: two-factor login, enrolment, the user's devices and the admin area. Every route also answers HTML; a client gets JSON by sending a JSON body or `Accept: application/json` (without `text/html`)."
    ),
    paths(
        super::logout::session,
        serve,
        super::login::login_get,
        super::login::login_post,
        super::login::admin_login_get,
        super::login::admin_login_post,
        super::verify::verify_get,
        super::verify::verify_post,
        super::logout::logout_post,
        super::enrol::setup::choose,
        super::enrol::setup::codes_post,
        super::enrol::setup::done,
        super::enrol::totp::totp_get,
        super::enrol::totp::totp_post,
        super::enrol::email::email_get,
        super::enrol::email::email_post,
        super::enrol::backup_codes::backup_codes_post,
        super::devices::list,
        super::devices::actions::rename,
        super::devices::actions::remove,
        super::devices::actions::unlock,
        super::devices::sessions::list,
        super::devices::sessions::end,
        super::devices::sessions::end_others,
        super::devices::trusted::list,
        super::devices::trusted::revoke,
        super::devices::trusted::revoke_all,
        super::admin::list,
        super::admin::actions::bulk_reset,
        super::admin::sessions::end_all,
        super::admin::compliance::list,
        super::devices::trusted::admin_revoke,
        super::admin::add::add_post,
        super::admin::device::device,
        super::admin::actions::edit,
        super::admin::actions::confirm,
        super::admin::actions::reset_throttling,
        super::admin::actions::remove,
        super::admin::actions::backup_codes,
    ),
    components(schemas(api::Refusal, api::ChallengeSent, crate::error::Code)),
    tags(
        (name = "session", description = "The session's state and this document."),
        (name = "login", description = "Sign in, the code step, sign out."),
        (name = "enrolment", description = "The guided setup and adding sign-in methods."),
        (name = "devices", description = "The signed-in user's sign-in methods and sessions."),
        (name = "admin", description = "The admin area (staff, verified)."),
    )
)]
struct Doc;

/// The OpenAPI 3.1 document of otpkit's JSON routes ([`crate::api`]) mounted under `prefix`
/// (`OTPKIT_URL_PREFIX`, e.g. `/otp`): every path carries the prefix. The routes serve it at
/// `GET {prefix}/openapi.json`.
///
/// ```
/// let doc = otpkit_axum::openapi("/otp");
/// assert!(doc.paths.paths.contains_key("/otp/verify/"));
/// println!("{}", doc.to_pretty_json().unwrap());
/// ```
pub fn document(prefix: &str) -> utoipa::openapi::OpenApi {
    let mut doc = Doc::openapi();
    env!("CARGO_PKG_VERSION").clone_into(&mut doc.info.version);
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        SESSION,
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            "id",
            "The session cookie (tower-sessions' `id`), set by any answer; `GET /session` makes one.",
        ))),
    );
    components.add_security_scheme(
        CSRF,
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "X-CSRF-Token",
            "The session's CSRF token (from `GET /session` or a login answer), on every POST; a form sends it as the field `csrf_token` instead.",
        ))),
    );
    let paths = std::mem::take(&mut doc.paths.paths);
    for (path, mut item) in paths {
        if let Some(op) = item.get.as_mut() {
            shared(op, false);
        }
        if let Some(op) = item.post.as_mut() {
            shared(op, true);
        }
        doc.paths.paths.insert(format!("{prefix}{path}"), item);
    }
    doc
}

/// What every operation shares: the refusals of every route and the security requirements.
fn shared(op: &mut Operation, post: bool) {
    let mut add = |status: &str, what: &str| {
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| refusal(what));
    };
    add(
        "413",
        "`payload_too_large`: the body is over `OTPKIT_MAX_BODY_BYTES`.",
    );
    add(
        "503",
        "`internal_error`: a storage or session failure (fail closed).",
    );
    if post {
        add(
            "400",
            "`bad_request`: a body that is not a JSON object of strings.",
        );
        add("403", "`csrf_failed`: a missing or wrong CSRF token.");
    }
    let session = SecurityRequirement::new(SESSION, Vec::<String>::new());
    op.security = Some(if post {
        vec![session.add(CSRF, Vec::<String>::new())]
    } else {
        vec![SecurityRequirement::default(), session]
    });
}

/// A refusal answer: [`api::Refusal`] in JSON.
fn refusal(description: &str) -> RefOr<utoipa::openapi::Response> {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("Refusal")))
        .build();
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content("application/json", content)
            .build(),
    )
}

/// `GET /openapi.json`: this document, with the kit's URL prefix.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "session",
    operation_id = "openapi",
    responses((status = 200, description = "This OpenAPI document.", body = Object))
)]
pub(crate) async fn serve(State(kit): State<OtpKit>) -> Response {
    axum::Json(document(&kit.web_settings().url_prefix)).into_response()
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::BTreeSet;

    use axum::Router;
    use axum::body::Body;
    use http::{Method, Request, StatusCode, header};
    use otpkit::{Engine, KeyRing, MemoryStore};
    use tower::ServiceExt;

    use super::document;
    use crate::auth::SessionPasswordAuth;
    use crate::kit::OtpKit;
    use crate::pages::{At, every_piece, piece};

    /// The routes without a JSON answer, and why they are not in the document.
    const NOT_JSON: [(&str, &str, &str); 14] = [
        ("GET", "/static/otpkit.css", "the stylesheet"),
        ("GET", "/static/otpkit.js", "the script"),
        (
            "GET",
            "/language/",
            "the language chooser: a cookie and a redirect",
        ),
        ("GET", "/devices/totp/new/qrcode.svg", "an SVG image"),
        ("GET", "/admin/devices/{label}/{id}/qrcode/", "an SVG image"),
        (
            "GET",
            "/admin/devices/{label}/{id}/config/",
            "the QR code page",
        ),
        ("GET", "/logout/", "the sign-out form; JSON clients POST"),
        (
            "GET",
            "/devices/new/backup-codes/",
            "shows the POST's codes once",
        ),
        (
            "GET",
            "/devices/backup-codes/",
            "shows the POST's codes once",
        ),
        (
            "GET",
            "/devices/backup-codes/regenerate/",
            "a confirmation page",
        ),
        (
            "GET",
            "/devices/{label}/{id}/remove/",
            "a confirmation page",
        ),
        (
            "GET",
            "/admin/devices/add/",
            "the add form; JSON clients POST",
        ),
        (
            "GET",
            "/admin/devices/{label}/{id}/remove/",
            "a confirmation page",
        ),
        (
            "GET",
            "/admin/devices/{label}/{id}/backup-codes/",
            "a confirmation page",
        ),
    ];

    fn kit() -> OtpKit {
        let engine = Engine::builder(MemoryStore::new(), KeyRing::random("k1").unwrap())
            .build()
            .unwrap();
        let auth = SessionPasswordAuth::from_fn(|_, _| Box::pin(async { Ok(None) }));
        OtpKit::builder(engine, auth).build()
    }

    /// Every path the routes mount, as `every_piece` passes them to `at`.
    fn mounted_paths(kit: &OtpKit) -> BTreeSet<String> {
        let seen = RefCell::new(BTreeSet::new());
        let prefix = kit.web_settings().url_prefix.clone();
        let at = |p: &str| {
            seen.borrow_mut().insert(p.to_owned());
            format!("{prefix}{p}")
        };
        let record: At<'_> = &at;
        let _ = every_piece(Router::new(), record);
        seen.into_inner()
    }

    /// The methods of `path` (a route's path), from the `Allow` header of the 405 that a
    /// method no route has (`DELETE`) gets.
    async fn methods(app: &Router, prefix: &str, path: &str) -> Vec<String> {
        let concrete = path
            .replace("{label}", "otp_totp.totpdevice")
            .replace("{id}", "1");
        let req = Request::builder()
            .method(Method::DELETE)
            .uri(format!("{prefix}{concrete}"))
            .body(Body::empty())
            .unwrap();
        let resp = app.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
        let allow = resp.headers().get(header::ALLOW).unwrap().to_str().unwrap();
        allow
            .split(',')
            .map(|m| m.trim().to_owned())
            .filter(|m| m != "HEAD")
            .collect()
    }

    /// The document lists every route that answers JSON, and nothing else: the mounted
    /// routes come from the routers themselves, their methods from axum's `Allow`.
    #[tokio::test]
    async fn document_lists_every_json_route() {
        let kit = kit();
        let prefix = kit.web_settings().url_prefix.clone();
        let app: Router = piece(kit.clone(), every_piece);
        let mut mounted = BTreeSet::new();
        for path in mounted_paths(&kit) {
            for m in methods(&app, &prefix, &path).await {
                mounted.insert((m, path.clone()));
            }
        }
        let excluded: BTreeSet<_> = NOT_JSON
            .iter()
            .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()))
            .collect();
        let stale: Vec<_> = excluded.difference(&mounted).collect();
        assert!(stale.is_empty(), "excluded but not mounted: {stale:?}");
        let json: BTreeSet<_> = mounted.difference(&excluded).cloned().collect();
        let doc = document(&prefix);
        let mut documented = BTreeSet::new();
        for (path, item) in &doc.paths.paths {
            let rel = path.strip_prefix(&prefix).unwrap().to_owned();
            for (m, op) in [("GET", &item.get), ("POST", &item.post)] {
                if op.is_some() {
                    documented.insert((m.to_owned(), rel.clone()));
                }
            }
        }
        let missing: Vec<_> = json.difference(&documented).collect();
        assert!(
            missing.is_empty(),
            "JSON routes not in the document: {missing:?}"
        );
        let extra: Vec<_> = documented.difference(&json).collect();
        assert!(extra.is_empty(), "documented but not mounted: {extra:?}");
        assert!(json.len() > 25, "{json:?}");
    }

    /// The served document's paths carry the kit's prefix.
    #[test]
    fn paths_carry_the_prefix() {
        let doc = document("/auth/2fa");
        assert!(doc.paths.paths.contains_key("/auth/2fa/login/"));
        assert!(doc.paths.paths.keys().all(|p| p.starts_with("/auth/2fa/")));
    }
}
