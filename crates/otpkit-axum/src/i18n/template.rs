//! The template functions `t()` and `ago()`: they read the request's catalogue and language
//! from the context value `i18n`, which every page renders with.

use std::sync::Arc;

use minijinja::value::{Kwargs, Object};
use minijinja::{Environment, Error, ErrorKind, State, Value};
use otpkit::Timestamp;
use time::OffsetDateTime;

use super::{Arg, Catalogue, Lang};

/// The catalogue and language of one rendering, as the context value `i18n`.
#[derive(Debug)]
pub(crate) struct Translator {
    pub(crate) catalogue: Catalogue,
    pub(crate) lang: Lang,
    /// "Now" for `ago()`: the engine's clock at rendering.
    pub(crate) now: OffsetDateTime,
}

impl Object for Translator {}

impl Translator {
    /// The context value.
    pub(crate) fn value(catalogue: &Catalogue, lang: &Lang, now: Timestamp) -> Value {
        let now = OffsetDateTime::from_unix_timestamp(now.as_secs())
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        Value::from_object(Translator {
            catalogue: catalogue.clone(),
            lang: lang.clone(),
            now,
        })
    }
}

fn translator(state: &State) -> Result<Arc<Translator>, Error> {
    state
        .lookup("i18n")
        .and_then(|v| v.downcast_object::<Translator>())
        .ok_or_else(|| {
            Error::new(
                ErrorKind::UndefinedError,
                "`i18n` is missing from the context: render through otpkit's pages",
            )
        })
}

/// `t("id", name=value, …)`: the message in the request's language.
fn t(state: &State, id: &str, kwargs: Kwargs) -> Result<String, Error> {
    let tr = translator(state)?;
    let mut args: Vec<(String, Arg)> = Vec::new();
    for name in kwargs.args() {
        let v: Value = kwargs.get(name)?;
        let arg = match f64::try_from(v.clone()) {
            Ok(n) if v.as_str().is_none() => Arg::Number(n),
            _ => Arg::Text(v.to_string()),
        };
        args.push((name.to_owned(), arg));
    }
    let args: Vec<(&str, Arg)> = args.iter().map(|(n, a)| (n.as_str(), a.clone())).collect();
    Ok(tr.catalogue.message(&tr.lang, id, &args))
}

/// `ago(time)`: "2 minutes ago" in a `<time>` element ("never" for `none`).
fn ago(state: &State, at: Value) -> Result<Value, Error> {
    let tr = translator(state)?;
    Ok(super::ago(&tr.catalogue, &tr.lang, &at, tr.now))
}

/// Registers `t` and `ago` in `env`.
pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_function("t", t);
    env.add_function("ago", ago);
}
