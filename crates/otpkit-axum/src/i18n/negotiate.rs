//! Choosing the language of a request: the language cookie, then `Accept-Language`, then the
//! default.

use fluent_langneg::{NegotiationStrategy, negotiate_languages};
use http::{HeaderMap, header};
use unic_langid::LanguageIdentifier;

use super::{Catalogue, Lang};

/// The cookie that keeps the language a person chose (`{prefix}/language/`).
pub const LANG_COOKIE: &str = "otpkit_lang";

/// The languages of an `Accept-Language` header, best first (by `q`, then by order); at most
/// 16, a `q` of 0 or an unparsable tag skipped.
fn by_quality(header: &str) -> Vec<LanguageIdentifier> {
    let mut items: Vec<(u16, usize, LanguageIdentifier)> = header
        .split(',')
        .take(32)
        .enumerate()
        .filter_map(|(i, item)| {
            let mut parts = item.split(';');
            let tag = parts.next()?.trim();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .next()
                .map_or(Some(1000), |q| {
                    q.trim()
                        .parse::<f32>()
                        .ok()
                        .filter(|q| (0.0..=1.0).contains(q))
                        .map(
                            // In [0, 1000]: the cast cannot truncate.
                            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                            |q| (q * 1000.0).round() as u16,
                        )
                })?;
            let id = (tag != "*").then(|| tag.parse::<LanguageIdentifier>().ok())??;
            (q > 0).then_some((q, i, id))
        })
        .collect();
    items.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    items.into_iter().take(16).map(|(_, _, id)| id).collect()
}

impl Catalogue {
    /// The language to answer in: `cookie` (a tag the catalogue has, exactly or by its
    /// language), else the best match of the `accept_language` header, else the default.
    pub fn negotiate(&self, cookie: Option<&str>, accept_language: Option<&str>) -> Lang {
        let available: Vec<LanguageIdentifier> = self.languages().map(|l| l.id.clone()).collect();
        let mut requested: Vec<LanguageIdentifier> = Vec::new();
        if let Some(c) = cookie.and_then(|c| c.trim().parse::<LanguageIdentifier>().ok()) {
            requested.push(c);
        }
        if let Some(header) = accept_language {
            // Accept-Language is capped: a hostile header must not cost more than a short one.
            let header = header.get(..header.len().min(512)).unwrap_or("");
            requested.extend(by_quality(header));
        }
        let chosen = negotiate_languages(&requested, &available, None, NegotiationStrategy::Lookup);
        chosen
            .first()
            .and_then(|id| self.languages().find(|l| &l.id == *id).cloned())
            .unwrap_or_else(|| self.default.clone())
    }

    /// The language of a request with these headers (its `Cookie` and `Accept-Language`).
    pub fn negotiate_headers(&self, headers: &HeaderMap) -> Lang {
        let cookie = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(cookie::Cookie::split_parse)
            .filter_map(Result::ok)
            .find(|c| c.name() == LANG_COOKIE)
            .map(|c| c.value().to_owned());
        let accept = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        self.negotiate(cookie.as_deref(), accept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(c: &Catalogue, cookie: Option<&str>, accept: Option<&str>) -> String {
        c.negotiate(cookie, accept).as_str().to_owned()
    }

    #[test]
    fn order_cookie_header_default() {
        let c = Catalogue::embedded();
        assert_eq!(tag(&c, None, None), "en");
        assert_eq!(tag(&c, None, Some("de-DE,de;q=0.9,en;q=0.8")), "de");
        assert_eq!(tag(&c, None, Some("pt-BR")), "pt");
        assert_eq!(tag(&c, None, Some("fr-CA;q=0.5, es;q=0.9")), "es");
        assert_eq!(tag(&c, Some("fr"), Some("de")), "fr");
        assert_eq!(tag(&c, Some("xx-garbage!"), Some("de")), "de");
        assert_eq!(tag(&c, None, Some("ja, zh")), "en");
        assert_eq!(tag(&c, None, Some("*")), "en");
        assert_eq!(tag(&c, None, Some("de;q=0, fr;q=0.1")), "fr");
        assert_eq!(tag(&c, None, Some("de;q=2, es")), "es");
    }

    #[test]
    fn default_language_answers_the_unknown() {
        let c = Catalogue::embedded().with_default_language("de").unwrap();
        assert_eq!(tag(&c, None, Some("ja")), "de");
        assert!(Catalogue::embedded().with_default_language("ja").is_err());
    }

    #[test]
    fn hostile_headers_are_cheap_and_harmless() {
        let c = Catalogue::embedded();
        let long = "de;q=0.1,".repeat(10_000);
        assert_eq!(tag(&c, None, Some(&long)), "de");
        assert_eq!(tag(&c, None, Some(";;;,,,q=")), "en");
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=b; otpkit_lang=es; c=d".parse().unwrap());
        h.insert(header::ACCEPT_LANGUAGE, "de".parse().unwrap());
        assert_eq!(c.negotiate_headers(&h).as_str(), "es");
    }
}
