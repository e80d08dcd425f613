//! What a page reads from a request besides its context: the fields of a state-changing
//! request's body ([`Form`]: bounded, form or JSON, CSRF-checked) and of the query
//! ([`Query`]).

use std::convert::Infallible;

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request};
use http::request::Parts;
use http::{HeaderMap, header};

use super::context::Page;
use super::refusal::PageError;
use crate::error::Code;
use crate::flash::{EXPIRED_PARAM, path_of};
use crate::kit::OtpKit;
use crate::session::SessionFailure;
use crate::web::{is_safe_next, media_type, redirect_url};

/// Parsed request fields (form, JSON or query), in order, possibly repeated. `Debug` shows
/// the names only: values may be passwords or codes.
#[derive(Default, Clone)]
pub(crate) struct Fields(Vec<(String, String)>);

impl std::fmt::Debug for Fields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(k, _)| k))
            .finish()
    }
}

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
enum BodyError {
    TooLarge,
    Bad,
}

/// Reads and parses a body of at most `max` bytes: JSON (an object of strings, string
/// arrays or nulls) or `application/x-www-form-urlencoded`.
async fn read_fields(headers: &HeaderMap, body: Body, max: usize) -> Result<Fields, BodyError> {
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
        json_fields(&bytes)
    } else if ct == "application/x-www-form-urlencoded" || (ct.is_empty() && bytes.is_empty()) {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .map(Fields)
            .map_err(|_| BodyError::Bad)
    } else {
        Err(BodyError::Bad)
    }
}

/// The fields of a JSON object whose values are strings, arrays of strings or nulls.
fn json_fields(bytes: &[u8]) -> Result<Fields, BodyError> {
    let v: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(bytes).map_err(|_| BodyError::Bad)?;
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
}

/// The fields of a state-changing request: a body of at most `OTPKIT_MAX_BODY_BYTES`
/// (`application/x-www-form-urlencoded` or a JSON object), carrying the session's CSRF token
/// (field `csrf_token` or header `X-CSRF-Token`). Nothing is read from the session before
/// the body is known to fit. A body too large (413), malformed (400 `bad_request`) or
/// without the right token (403 `csrf_failed`) is refused without reading or creating any
/// session state.
#[derive(Debug)]
pub(crate) struct Form(pub(crate) Fields);

impl FromRequest<OtpKit> for Form {
    type Rejection = PageError;

    async fn from_request(req: Request, kit: &OtpKit) -> Result<Self, PageError> {
        let (mut parts, body) = req.into_parts();
        let page = Page::of(kit, &mut parts).ok_or(PageError::NoSession)?;
        let max = kit.web_settings().max_body_bytes;
        let fields = match read_fields(&parts.headers, body, max).await {
            Ok(f) => f,
            Err(BodyError::TooLarge) => return Err(PageError::Stateless(Code::PayloadTooLarge)),
            Err(BodyError::Bad) => return Err(PageError::Stateless(Code::BadRequest)),
        };
        let presented = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .or_else(|| fields.get("csrf_token"));
        match page.store().csrf_matches(presented).await {
            Ok(true) => Ok(Form(fields)),
            // Rendered without touching the session: a refused request changes nothing.
            Ok(false) if page.json => Err(PageError::Stateless(Code::CsrfFailed)),
            Ok(false) => Err(PageError::Expired {
                page: stale_target(kit, &page.path, &fields),
            }),
            Err(SessionFailure) => Err(PageError::Internal),
        }
    }
}

/// Where a stale HTML form (wrong or missing CSRF token) is sent: the page that shows the
/// form — the same path, or for an action that has no page of its own (`rename/`,
/// `remove/`, `unlock/` of a device, ending sessions; the admin's device actions) the page
/// its form is on —
/// with the form's `next`, if safe, and the `expired` marker ([`EXPIRED_PARAM`]).
pub(crate) fn stale_target(kit: &OtpKit, path_and_query: &str, fields: &Fields) -> String {
    let path = path_of(path_and_query);
    let prefix = &kit.web_settings().url_prefix;
    let rel = path.strip_prefix(prefix.as_str()).unwrap_or(path);
    let segments: Vec<&str> = rel.trim_matches('/').split('/').collect();
    let page = match segments.as_slice() {
        ["devices", _, _, "rename" | "remove" | "unlock"] => kit.url("/devices/"),
        ["devices", "sessions", ..] => kit.url("/devices/"),
        ["admin", "sessions", "end"] => kit.url("/admin/"),
        ["admin", "reset-throttling"] => kit.url("/admin/"),
        ["admin", "devices", label, id, _] if *label != "add" => {
            kit.url(&format!("/admin/devices/{label}/{id}/"))
        }
        _ => path.to_owned(),
    };
    let query = Query::parse(path_and_query.split_once('?').map_or("", |(_, q)| q));
    let next = fields
        .get("next")
        .filter(|n| is_safe_next(n))
        .or_else(|| query.get("next").filter(|n| is_safe_next(n)));
    let page = match next {
        Some(n) => redirect_url(&page, "next", n),
        None => page,
    };
    let sep = if page.contains('?') { '&' } else { '?' };
    format!("{page}{sep}{EXPIRED_PARAM}=1")
}

/// The query string's fields; a query that does not parse has none.
#[derive(Debug, Default)]
pub(crate) struct Query(pub(crate) Fields);

impl Query {
    /// The fields of a query string (none if it does not parse).
    pub(crate) fn parse(query: &str) -> Fields {
        Fields(serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Query {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Query(Query::parse(parts.uri.query().unwrap_or(""))))
    }
}
