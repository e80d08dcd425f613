//! Shared plumbing of the handlers: content negotiation, bounded body parsing, CSRF,
//! `next` handling, security headers and page rendering.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use minijinja::context;
use tower_sessions::Session;

use crate::error::{Code, Problem};
use crate::flash::{FLASH_KEY, Flash, path_of};
use crate::kit::OtpKit;
use crate::middleware::{LazyOtp, OtpState};
use crate::session::{SessionFailure, Store};

/// Whether the client gets JSON (SPEC §7 intro): an `application/json` body, or accepting
/// `application/json` but not `text/html`.
pub fn wants_json(headers: &HeaderMap) -> bool {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if media_type(ct) == "application/json" {
        return true;
    }
    let accept = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(media_type)
        .collect::<Vec<_>>();
    accept.iter().any(|m| m == "application/json") && !accept.iter().any(|m| m == "text/html")
}

fn media_type(s: &str) -> String {
    s.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Percent-encodes every byte except RFC 3986 unreserved characters and `/` (SPEC §7.2).
///
/// ```
/// assert_eq!(otpkit_axum::encode_next("/x?a=1"), "/x%3Fa%3D1");
/// assert_eq!(otpkit_axum::encode_next("/require-otp/"), "/require-otp/");
/// ```
pub fn encode_next(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push('%');
            for n in [b >> 4, b & 0x0F] {
                if let Some(&h) = HEX.get(usize::from(n)) {
                    out.push(char::from(h));
                }
            }
        }
    }
    out
}

/// Whether `next` may be followed: a relative path starting with exactly one `/`, not `//`
/// or `/\`, and with no backslash, whitespace or control character anywhere (browsers drop
/// tabs and newlines, which would turn `/\t/evil` into `//evil`).
///
/// ```
/// use otpkit_axum::is_safe_next;
/// assert!(is_safe_next("/account/?tab=1"));
/// for bad in ["//evil", "https://evil", "/\\evil", "evil", "", "/\t/evil"] {
///     assert!(!is_safe_next(bad), "{bad}");
/// }
/// ```
pub fn is_safe_next(next: &str) -> bool {
    next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\u{7f}')
}

/// `login_url` plus `?{field}=` (or `&{field}=`) and the encoded `next`.
pub(crate) fn redirect_url(login_url: &str, field: &str, next: &str) -> String {
    let sep = if login_url.contains('?') { '&' } else { '?' };
    format!("{login_url}{sep}{field}={}", encode_next(next))
}

/// The request's path and query as the client sent them (before any nesting).
pub(crate) fn path_and_query(parts: &Parts) -> String {
    let uri = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or(&parts.uri, |o| &o.0);
    uri.path_and_query()
        .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned())
}

/// otpkit's `Content-Security-Policy`: its own origin only (SPEC §7.5), never framed
/// (clickjacking), forms posting only to this origin, and no `<base>` that could redirect
/// relative URLs.
pub const CSP: &str =
    "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// The security headers of every otpkit page (SPEC §7.5).
pub(crate) fn secure(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

/// A 302 to `to` (never panics: a target that is not a valid header value, which the
/// callers' checks already exclude, becomes `/`).
pub(crate) fn found(to: &str) -> Response {
    let location = HeaderValue::from_str(to).unwrap_or_else(|_| HeaderValue::from_static("/"));
    let mut r = StatusCode::FOUND.into_response();
    r.headers_mut().insert(header::LOCATION, location);
    r
}

/// A 303 See Other to `to` (Post/Redirect/Get, see [`crate::flash`]).
pub(crate) fn see_other(to: &str) -> Response {
    let location = HeaderValue::from_str(to).unwrap_or_else(|_| HeaderValue::from_static("/"));
    let mut r = StatusCode::SEE_OTHER.into_response();
    r.headers_mut().insert(header::LOCATION, location);
    r
}

/// Parsed request fields (form or JSON), in order, possibly repeated.
#[derive(Debug, Default, Clone)]
pub(crate) struct Fields(Vec<(String, String)>);

impl Fields {
    /// The first value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    /// The first value of `name`, trimmed, if non-empty.
    pub(crate) fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.trim().is_empty())
    }
    /// Every value of `name`.
    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// Why a body could not be read.
pub(crate) enum BodyError {
    TooLarge,
    Bad,
}

/// Reads and parses a body of at most `max` bytes: JSON (an object of strings, string
/// arrays or nulls) or `application/x-www-form-urlencoded`.
pub(crate) async fn read_fields(
    headers: &HeaderMap,
    body: Body,
    max: usize,
) -> Result<Fields, BodyError> {
    if let Some(len) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        && len > max as u64
    {
        return Err(BodyError::TooLarge);
    }
    let bytes = axum::body::to_bytes(body, max)
        .await
        .map_err(|_| BodyError::TooLarge)?;
    let ct = media_type(
        headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    );
    if ct == "application/json" {
        let v: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&bytes).map_err(|_| BodyError::Bad)?;
        let mut out = Vec::new();
        for (k, v) in v {
            match v {
                serde_json::Value::String(s) => out.push((k, s)),
                serde_json::Value::Null => {}
                serde_json::Value::Array(items) => {
                    for i in items {
                        match i {
                            serde_json::Value::String(s) => out.push((k.clone(), s)),
                            _ => return Err(BodyError::Bad),
                        }
                    }
                }
                _ => return Err(BodyError::Bad),
            }
        }
        Ok(Fields(out))
    } else if ct == "application/x-www-form-urlencoded" || (ct.is_empty() && bytes.is_empty()) {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .map(Fields)
            .map_err(|_| BodyError::Bad)
    } else {
        Err(BodyError::Bad)
    }
}

/// The per-request context of otpkit's handlers.
#[derive(Clone)]
pub(crate) struct Ctx {
    pub(crate) kit: OtpKit,
    pub(crate) session: Session,
    pub(crate) lazy: LazyOtp,
    pub(crate) json: bool,
    pub(crate) path: String,
}

impl Ctx {
    /// The context of a request; a missing session layer is a 500 (a wiring mistake).
    pub(crate) fn new(kit: &OtpKit, parts: &Parts) -> Result<Ctx, Response> {
        let json = wants_json(&parts.headers);
        let Some(session) = parts.extensions.get::<Session>().cloned() else {
            tracing::error!(
                target: "otpkit_axum",
                "no tower-sessions Session: wrap otpkit's routes in SessionManagerLayer"
            );
            return Err(secure(
                (StatusCode::INTERNAL_SERVER_ERROR, "session layer missing").into_response(),
            ));
        };
        Ok(Ctx {
            kit: kit.clone(),
            session,
            lazy: LazyOtp::of(parts),
            json,
            path: path_and_query(parts),
        })
    }

    pub(crate) fn store(&self) -> Store<'_> {
        Store(&self.session)
    }

    pub(crate) async fn state(&self) -> OtpState {
        self.lazy.get(&self.kit).await
    }

    /// A problem of `code` with argument `arg` and count `n`.
    pub(crate) fn problem(&self, code: Code, arg: &str, n: u64) -> Problem {
        Problem::with(self.kit.messages(), code, arg, n)
    }

    /// A problem answered on its own (JSON, or the message page).
    pub(crate) async fn fail(&self, p: Problem) -> Response {
        if self.json {
            return secure(p.into_json());
        }
        let status = p.status();
        let mut resp = self
            .page(
                status,
                "otpkit/message.html",
                "Error",
                context! { error => p.message.clone(), code => p.code.as_str() },
            )
            .await;
        p.add_headers(&mut resp);
        resp
    }

    /// A problem answered without reading or creating any session state (a refused body).
    pub(crate) fn fail_stateless(&self, code: Code) -> Response {
        let p = self.problem(code, "", 0);
        if self.json {
            return secure(p.into_json());
        }
        let ctx = context! {
            title => "Error",
            site_name => self.kit.inner.site_name.clone(),
            csrf_token => "",
            level => "anonymous",
            urls => self.urls(),
            error => p.message.clone(),
            code => p.code.as_str(),
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

    pub(crate) async fn fail_code(&self, code: Code) -> Response {
        let p = self.problem(code, "", 0);
        self.fail(p).await
    }

    /// 503 `internal_error`.
    pub(crate) async fn internal(&self) -> Response {
        self.fail_code(Code::InternalError).await
    }

    /// Renders a page with the common context (URLs, CSRF token, state).
    pub(crate) async fn page(
        &self,
        status: StatusCode,
        template: &str,
        title: &str,
        extra: minijinja::Value,
    ) -> Response {
        let csrf: String = self.store().csrf_token().await.unwrap_or_default();
        let state = self.state().await;
        let ctx = context! {
            title => title,
            site_name => self.kit.inner.site_name.clone(),
            csrf_token => csrf,
            level => state.level().as_str(),
            user => state.user().map(|u| u.as_str().to_owned()),
            urls => self.urls(),
            ..extra
        };
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

    pub(crate) fn urls(&self) -> minijinja::Value {
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

    /// Reads the body of a state-changing request and checks its CSRF token (form field
    /// `csrf_token` or header `X-CSRF-Token`). Nothing is read from the session before the
    /// body is known to fit.
    pub(crate) async fn form(&self, headers: &HeaderMap, body: Body) -> Result<Fields, Response> {
        let fields = match read_fields(headers, body, self.kit.web_settings().max_body_bytes).await
        {
            Ok(f) => f,
            Err(BodyError::TooLarge) => return Err(self.fail_stateless(Code::PayloadTooLarge)),
            Err(BodyError::Bad) => return Err(self.fail_stateless(Code::BadRequest)),
        };
        let presented = headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .or_else(|| fields.get("csrf_token"));
        match self.store().csrf_matches(presented).await {
            Ok(true) => Ok(fields),
            // Rendered without touching the session: a refused request changes nothing.
            Ok(false) => Err(self.fail_stateless(Code::CsrfFailed)),
            Err(SessionFailure) => Err(self.internal().await),
        }
    }

    /// Leaves `flash` for the next GET of its page and answers 303 to `to` (which should
    /// be that page, with its query).
    pub(crate) async fn see_other(&self, to: &str, flash: Flash) -> Response {
        let Ok(v) = serde_json::to_value(&flash) else {
            return self.internal().await;
        };
        if self.session.insert_value(FLASH_KEY, v).await.is_err() {
            return self.internal().await;
        }
        secure(see_other(to))
    }

    /// A refused form: the problem in JSON, or a 303 to `page` showing it once
    /// (Post/Redirect/Get).
    pub(crate) async fn refuse(&self, page: &str, p: Problem) -> Response {
        if self.json {
            return self.fail(p).await;
        }
        self.see_other(page, Flash::problem(page, &p)).await
    }

    /// The flash left for this page, removed from the session; a flash for another page is
    /// left alone, an unreadable one dropped.
    pub(crate) async fn take_flash(&self) -> Result<Option<Flash>, SessionFailure> {
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

    /// Refuses a request that needs an authenticated user: 302 to the login page with
    /// `next` (HTML) or 401 `otp_required` (JSON).
    pub(crate) async fn to_login(&self, login_url: &str, next: &str) -> Response {
        let url = redirect_url(login_url, "next", next);
        if self.json {
            let mut p = self.problem(Code::OtpRequired, "", 0);
            p.extra.insert("login_url".into(), url.into());
            return secure(p.into_json());
        }
        secure(found(&url))
    }
}

/// The `next` value of a query string.
pub(crate) fn query_next(parts: &Parts, field: &str) -> Option<String> {
    let q = parts.uri.query()?;
    serde_urlencoded::from_str::<Vec<(String, String)>>(q)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == field)
        .map(|(_, v)| v)
}

/// A query string's fields.
pub(crate) fn query_fields(parts: &Parts) -> Fields {
    Fields(
        parts
            .uri
            .query()
            .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
            .unwrap_or_default(),
    )
}

/// Records an action of the web layer in the audit log (target `otpkit::audit`), next to the
/// engine's own events: who did what to which device. Never carries a token, code or secret.
pub(crate) fn audit(action: &str, actor: Option<&otpkit::UserId>, device: &str) {
    tracing::info!(
        target: otpkit::events::AUDIT_TARGET,
        event = "web_action",
        action,
        actor = actor.map(otpkit::UserId::as_str).unwrap_or(""),
        device,
        "otpkit web action"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn negotiation_follows_spec_7() {
        assert!(wants_json(&headers(&[(
            "content-type",
            "application/json"
        )])));
        assert!(wants_json(&headers(&[(
            "content-type",
            "Application/JSON; charset=utf-8"
        )])));
        assert!(wants_json(&headers(&[("accept", "application/json")])));
        assert!(wants_json(&headers(&[(
            "accept",
            "application/json, */*;q=0.1"
        )])));
        assert!(!wants_json(&headers(&[(
            "accept",
            "text/html, application/json"
        )])));
        assert!(!wants_json(&headers(&[(
            "accept",
            "text/html,application/xhtml+xml,*/*;q=0.8"
        )])));
        assert!(!wants_json(&headers(&[])));
        assert!(!wants_json(&headers(&[(
            "content-type",
            "application/x-www-form-urlencoded"
        )])));
    }

    #[test]
    fn redirect_urls() {
        assert_eq!(
            redirect_url("/otp/login/", "next", "/x?a=1"),
            "/otp/login/?next=/x%3Fa%3D1"
        );
        assert_eq!(
            redirect_url("/custom/?x=1", "to", "/x"),
            "/custom/?x=1&to=/x"
        );
        assert_eq!(encode_next("/é ~"), "/%C3%A9%20~");
    }
}
