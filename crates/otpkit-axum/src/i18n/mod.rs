//! Translations: every sentence a person reads comes from a [Fluent](https://projectfluent.org)
//! catalogue.
//!
//! otpkit embeds complete catalogues in English (`en`, the source), German (`de`), Spanish
//! (`es`), French (`fr`) and Portuguese (`pt`) — django-otp's own locales. Each request is
//! answered in one [`Lang`], chosen in this order:
//!
//! 1. the `otpkit_lang` cookie, set by the language chooser at `{prefix}/language/`;
//! 2. the browser's `Accept-Language` header (`pt-BR` is answered in `pt`);
//! 3. `OTPKIT_DEFAULT_LANGUAGE` ([`crate::WebSettings::default_language`], default `en`).
//!
//! Templates call `t("message-id", name=value, …)`; handlers call [`Catalogue::message`]. A
//! message missing in the chosen language falls back to the default language, then to English,
//! then to the message id itself (logged), so a page never fails for a missing sentence; the
//! test suite makes sure no embedded message is missing.
//!
//! # Changing a sentence or adding a language
//!
//! An application replaces any message, in any language, or adds a whole language, with
//! Fluent source of its own — no fork needed. Later sources win over earlier ones:
//!
//! ```
//! use otpkit_axum::i18n::{Arg, Catalogue};
//!
//! let catalogue = Catalogue::embedded()
//!     // Say it your way in English…
//!     .with_ftl("en", "error-invalid_token = That code did not work. Try the newest one.")?
//!     // …and add Dutch (messages it lacks fall back to the default language).
//!     .with_ftl("nl", "error-invalid_token = Die code klopt niet.")?;
//!
//! let nl = catalogue.negotiate(None, Some("nl-BE, nl;q=0.9, en;q=0.5"));
//! assert_eq!(nl.as_str(), "nl");
//! assert_eq!(catalogue.message(&nl, "error-invalid_token", &[]), "Die code klopt niet.");
//!
//! let en = catalogue.language("en").expect("embedded");
//! assert_eq!(
//!     catalogue.message(&en, "error-invalid_token", &[]),
//!     "That code did not work. Try the newest one."
//! );
//!
//! // Arguments are named; numbers choose plural forms.
//! let de = catalogue.language("de").expect("embedded");
//! let text = catalogue.message(&de, "error-challenge_cooldown", &[("n", Arg::from(1u64))]);
//! assert!(text.contains("1 Sekunde"), "{text}");
//! # Ok::<(), otpkit_axum::i18n::CatalogueError>(())
//! ```
//!
//! Pass the catalogue to [`crate::OtpKitBuilder::catalogue`].

mod check;
mod embedded;
mod negotiate;
pub(crate) mod template;
mod time;

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

pub use check::literal_text;
pub use embedded::{EMBEDDED, LANGUAGES};
pub use negotiate::LANG_COOKIE;
pub(crate) use time::ago;

/// The context value `i18n` that the template functions `t()` and `ago()` read, for an
/// application's own pages rendered with [`crate::Templates`] (otpkit's pages add it
/// themselves): the catalogue, the request's language (e.g. from
/// [`Catalogue::negotiate_headers`]) and "now" for `ago()` (e.g. `kit.engine().now()`).
///
/// ```
/// use minijinja::context;
/// use otpkit_axum::Templates;
/// use otpkit_axum::i18n::{Catalogue, translator};
///
/// let catalogue = Catalogue::embedded();
/// let de = catalogue.language("de").expect("embedded");
/// let templates = Templates::new().with_override("app/hello.html", r#"{{ t("common-sign-in") }}"#);
/// let now = otpkit::Timestamp::from_secs(1_700_000_000);
/// let html = templates
///     .render("app/hello.html", context! { i18n => translator(&catalogue, &de, now) })
///     .expect("renders");
/// assert_eq!(html, "Anmelden");
/// ```
pub fn translator(catalogue: &Catalogue, lang: &Lang, now: otpkit::Timestamp) -> minijinja::Value {
    template::Translator::value(catalogue, lang, now)
}

/// A language a request is answered in: one of the catalogue's languages.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Lang {
    id: LanguageIdentifier,
    tag: Arc<str>,
}

impl Lang {
    fn new(id: LanguageIdentifier) -> Lang {
        let tag = Arc::from(id.to_string());
        Lang { id, tag }
    }

    /// The language tag, e.g. `de` (for `<html lang>`).
    pub fn as_str(&self) -> &str {
        &self.tag
    }
}

impl fmt::Debug for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Lang").field(&self.as_str()).finish()
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An argument of a message: a text or a number (numbers choose plural forms).
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// A text, inserted as it is (templates escape the whole sentence).
    Text(String),
    /// A number.
    Number(f64),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Text(s.to_owned())
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Text(s)
    }
}

macro_rules! number_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Self {
                // Counts and seconds: far below 2^53, exact as f64.
                #[allow(clippy::cast_precision_loss)]
                Arg::Number(n as f64)
            }
        }
    )*};
}
number_arg!(u8, u16, u32, u64, usize, i32, i64);

/// Why a catalogue source was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogueError {
    /// The language tag is not a valid BCP 47 tag.
    #[error("`{tag}` is not a language tag (e.g. `de`, `pt-BR`)")]
    Language {
        /// The tag given.
        tag: String,
    },
    /// The Fluent source does not parse.
    #[error("the Fluent source for `{lang}` does not parse: {errors}")]
    Syntax {
        /// The language of the source.
        lang: String,
        /// The parser's messages.
        errors: String,
    },
}

/// One language's sources and the bundle built from them.
struct Language {
    lang: Lang,
    sources: Vec<Arc<str>>,
    bundle: FluentBundle<FluentResource>,
}

impl Language {
    fn build(lang: Lang, sources: Vec<Arc<str>>) -> Result<Language, CatalogueError> {
        let mut bundle = FluentBundle::new_concurrent(vec![lang.id.clone()]);
        // No Unicode isolation marks around arguments: they would end up in HTML attributes
        // and in plain-text emails.
        bundle.set_use_isolating(false);
        for source in &sources {
            let resource = FluentResource::try_new(source.to_string()).map_err(|(_, errs)| {
                CatalogueError::Syntax {
                    lang: lang.as_str().to_owned(),
                    errors: errs
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; "),
                }
            })?;
            bundle.add_resource_overriding(resource);
        }
        Ok(Language {
            lang,
            sources,
            bundle,
        })
    }
}

/// The messages of every language: the embedded ones and the application's.
///
/// Cheap to clone. See the [module documentation](self) for an example.
#[derive(Clone)]
pub struct Catalogue {
    languages: Arc<Vec<Language>>,
    default: Lang,
}

impl fmt::Debug for Catalogue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Catalogue")
            .field("languages", &self.languages().collect::<Vec<_>>())
            .field("default", &self.default)
            .finish()
    }
}

impl Default for Catalogue {
    fn default() -> Self {
        Self::embedded()
    }
}

fn parse_tag(tag: &str) -> Result<LanguageIdentifier, CatalogueError> {
    tag.trim()
        .parse::<LanguageIdentifier>()
        .map_err(|_| CatalogueError::Language {
            tag: tag.to_owned(),
        })
}

impl Catalogue {
    /// The embedded catalogues ([`LANGUAGES`]), English by default.
    pub fn embedded() -> Catalogue {
        let mut languages = Vec::new();
        for tag in LANGUAGES {
            let sources = EMBEDDED
                .iter()
                .filter(|(l, _, _)| *l == tag)
                .map(|(_, _, src)| Arc::from(*src))
                .collect();
            match parse_tag(tag).and_then(|id| Language::build(Lang::new(id), sources)) {
                Ok(l) => languages.push(l),
                // The embedded sources are checked by the test suite; never reached.
                Err(e) => tracing::error!(target: "otpkit_axum", error = %e, "embedded catalogue"),
            }
        }
        let default = Lang::new(LanguageIdentifier::default());
        let mut c = Catalogue {
            languages: Arc::new(languages),
            default,
        };
        if let Some(en) = c.language("en") {
            c.default = en;
        }
        c
    }

    /// Adds Fluent `source` to language `tag`: its messages replace those of the same id;
    /// a language the catalogue does not have yet is added.
    pub fn with_ftl(self, tag: &str, source: &str) -> Result<Catalogue, CatalogueError> {
        let id = parse_tag(tag)?;
        let mut languages: Vec<Language> = Vec::with_capacity(self.languages.len() + 1);
        let mut found = false;
        for l in self.languages.iter() {
            let mut sources = l.sources.clone();
            if l.lang.id == id {
                sources.push(Arc::from(source));
                found = true;
            }
            languages.push(Language::build(l.lang.clone(), sources)?);
        }
        if !found {
            languages.push(Language::build(Lang::new(id), vec![Arc::from(source)])?);
        }
        Ok(Catalogue {
            languages: Arc::new(languages),
            default: self.default,
        })
    }

    /// Answers in `tag` when nothing else decides (default `en`); a tag the catalogue does
    /// not have is refused.
    pub fn with_default_language(mut self, tag: &str) -> Result<Catalogue, CatalogueError> {
        self.default = self.language(tag).ok_or_else(|| CatalogueError::Language {
            tag: tag.to_owned(),
        })?;
        Ok(self)
    }

    /// The default language.
    pub fn default_language(&self) -> &Lang {
        &self.default
    }

    /// The catalogue's languages, in the order they were added.
    pub fn languages(&self) -> impl Iterator<Item = &Lang> {
        self.languages.iter().map(|l| &l.lang)
    }

    /// The catalogue's language `tag` (exactly, e.g. `de`), if it has it.
    pub fn language(&self, tag: &str) -> Option<Lang> {
        let id = parse_tag(tag).ok()?;
        self.languages().find(|l| l.id == id).cloned()
    }

    /// Whether `lang` has its own message `id` (no fallback).
    pub fn has_message(&self, lang: &Lang, id: &str) -> bool {
        self.bundle(lang).is_some_and(|b| b.has_message(id))
    }

    /// The message ids of `lang` (its own, no fallback), sorted.
    pub fn message_ids(&self, lang: &Lang) -> Vec<String> {
        let Some(l) = self.languages.iter().find(|l| &l.lang == lang) else {
            return Vec::new();
        };
        let mut ids: Vec<String> = l
            .sources
            .iter()
            .filter_map(|s| FluentResource::try_new(s.to_string()).ok())
            .flat_map(|r| {
                r.entries()
                    .filter_map(|e| match e {
                        fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    fn bundle(&self, lang: &Lang) -> Option<&FluentBundle<FluentResource>> {
        self.languages
            .iter()
            .find(|l| &l.lang == lang)
            .map(|l| &l.bundle)
    }

    /// The message `id` in `lang` with named `args`; falls back to the default language,
    /// then English, then the id itself.
    pub fn message(&self, lang: &Lang, id: &str, args: &[(&str, Arg)]) -> String {
        let english = self.language("en");
        let chain = [Some(lang), Some(&self.default), english.as_ref()];
        for l in chain.into_iter().flatten() {
            if let Some(text) = self.format(l, id, args) {
                return text;
            }
        }
        tracing::warn!(target: "otpkit_axum", id, lang = %lang, "missing message");
        id.to_owned()
    }

    fn format(&self, lang: &Lang, id: &str, args: &[(&str, Arg)]) -> Option<String> {
        let bundle = self.bundle(lang)?;
        let pattern = bundle.get_message(id)?.value()?;
        let mut fargs = FluentArgs::new();
        for (name, value) in args {
            match value {
                Arg::Text(s) => fargs.set(*name, FluentValue::String(Cow::Borrowed(s.as_str()))),
                Arg::Number(n) => fargs.set(*name, FluentValue::from(*n)),
            }
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fargs), &mut errors);
        if !errors.is_empty() {
            tracing::warn!(target: "otpkit_axum", id, lang = %lang, "message arguments missing");
        }
        Some(text.into_owned())
    }
}
