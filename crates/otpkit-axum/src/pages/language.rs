//! The language chooser: `GET {prefix}/language/?lang=de&next=/somewhere` keeps the choice
//! in the `otpkit_lang` cookie for a year and goes back to `next` (docs/behaviour.md §7.9).

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use cookie::{Cookie, SameSite};
use http::{HeaderValue, header};
use serde::Deserialize;

use crate::i18n::LANG_COOKIE;
use crate::kit::OtpKit;
use crate::web::{is_safe_next, secure, see_other};

/// The chooser's query.
#[derive(Debug, Deserialize)]
pub(crate) struct Choice {
    lang: Option<String>,
    next: Option<String>,
}

/// Sets the language cookie (a language the catalogue has; anything else changes nothing)
/// and answers 303 to a safe `next`, else the login redirect.
pub(crate) async fn choose(State(kit): State<OtpKit>, Query(choice): Query<Choice>) -> Response {
    let to = match choice.next.as_deref() {
        Some(n) if is_safe_next(n) => n.to_owned(),
        _ => kit.web_settings().login_redirect_url.clone(),
    };
    let mut resp = see_other(&to);
    if let Some(lang) = choice
        .lang
        .as_deref()
        .and_then(|t| kit.catalogue().language(t))
    {
        let cookie = Cookie::build((LANG_COOKIE, lang.as_str().to_owned()))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .max_age(cookie::time::Duration::days(365))
            .build();
        if let Ok(v) = HeaderValue::from_str(&cookie.to_string()) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    secure(resp)
}

/// A static asset, cacheable for an hour.
pub(crate) fn asset(content_type: &'static str, body: &'static str) -> Response {
    secure(
        (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            body,
        )
            .into_response(),
    )
}
