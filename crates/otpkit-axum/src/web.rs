//! Shared plumbing of the guards and pages: content negotiation, `next` handling, redirects,
//! security headers and the audit record of web actions.

use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, StatusCode, header};

/// Whether the client gets JSON (docs/behaviour.md §7 intro): an `application/json` body, or
/// accepting `application/json` but not `text/html`.
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

/// The media type of a `Content-Type` or `Accept` item, lower case, without parameters.
pub(crate) fn media_type(s: &str) -> String {
    s.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Percent-encodes every byte except RFC 3986 unreserved characters and `/` (docs/behaviour.md
/// §7.2).
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

/// otpkit's `Content-Security-Policy`: its own origin only (docs/behaviour.md §7.5), never framed
/// (clickjacking), forms posting only to this origin, and no `<base>` that could redirect
/// relative URLs.
pub const CSP: &str =
    "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// The security headers of every otpkit page (docs/behaviour.md §7.5).
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
