//! Human times: "2 minutes ago" in the request's language, with the exact time beside it.

use minijinja::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{Arg, Catalogue, Lang};

/// A point in time given to `ago()`: an RFC 3339 text or Unix seconds.
pub(crate) fn parse(v: &Value) -> Option<OffsetDateTime> {
    if let Some(s) = v.as_str() {
        return OffsetDateTime::parse(s, &Rfc3339).ok();
    }
    i64::try_from(v.clone())
        .ok()
        .and_then(|secs| OffsetDateTime::from_unix_timestamp(secs).ok())
}

/// The sentence for `at` seen from `now`: "just now", "3 minutes ago", "in 2 hours", …
pub(crate) fn relative(
    c: &Catalogue,
    lang: &Lang,
    at: OffsetDateTime,
    now: OffsetDateTime,
) -> String {
    let secs = (now - at).whole_seconds();
    let (future, secs) = (secs < 0, secs.unsigned_abs());
    let (id, n) = match secs {
        0..45 => return c.message(lang, "time-just-now", &[]),
        45..3_600 => ("minutes", secs.div_ceil(60).max(1)),
        3_600..86_400 => ("hours", secs / 3_600),
        86_400..2_592_000 => ("days", secs / 86_400),
        _ => {
            let date = format!(
                "{:04}-{:02}-{:02}",
                at.year(),
                u8::from(at.month()),
                at.day()
            );
            return c.message(lang, "time-on-date", &[("date", Arg::from(date))]);
        }
    };
    let id = format!("time-{id}-{}", if future { "from-now" } else { "ago" });
    c.message(lang, &id, &[("n", Arg::from(n))])
}

/// `<time datetime="…" title="…">2 minutes ago</time>`, or "never" for nothing. The output is
/// safe HTML: the sentence and the exact time are escaped.
pub(crate) fn ago(c: &Catalogue, lang: &Lang, v: &Value, now: OffsetDateTime) -> Value {
    let Some(at) = (!v.is_none() && !v.is_undefined())
        .then(|| parse(v))
        .flatten()
    else {
        let never = c.message(lang, "time-never", &[]);
        return Value::from_safe_string(escape(&never));
    };
    let at = at.to_offset(time::UtcOffset::UTC);
    let exact = at.format(&Rfc3339).unwrap_or_default();
    let title = format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    );
    let text = relative(c, lang, at, now);
    Value::from_safe_string(format!(
        "<time datetime=\"{}\" title=\"{}\">{}</time>",
        escape(&exact),
        escape(&title),
        escape(&text)
    ))
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences() {
        let c = Catalogue::embedded();
        let en = c.language("en").unwrap();
        let de = c.language("de").unwrap();
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let at = |d: i64| now - time::Duration::seconds(d);
        assert_eq!(relative(&c, &en, at(10), now), "just now");
        assert_eq!(relative(&c, &en, at(60), now), "1 minute ago");
        assert_eq!(relative(&c, &en, at(150), now), "3 minutes ago");
        assert_eq!(relative(&c, &en, at(7_200), now), "2 hours ago");
        assert_eq!(relative(&c, &en, at(-7_200), now), "in 2 hours");
        assert_eq!(relative(&c, &de, at(150), now), "vor 3 Minuten");
        assert_eq!(relative(&c, &en, at(86_400 * 40), now), "on 2026-12-06");
    }

    #[test]
    fn markup() {
        let c = Catalogue::embedded();
        let en = c.language("en").unwrap();
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let v = ago(&c, &en, &Value::from("2020-01-02T03:04:05Z"), now);
        let s = v.to_string();
        assert!(
            s.starts_with(
                "<time datetime=\"2020-01-02T03:04:05Z\" title=\"2020-01-02 03:04 UTC\">"
            ),
            "{s}"
        );
        assert_eq!(ago(&c, &en, &Value::from(()), now).to_string(), "never");
        assert_eq!(
            ago(&c, &en, &Value::from("not a time"), now).to_string(),
            "never"
        );
        let v = ago(&c, &en, &Value::from(1_800_000_000 - 120), now).to_string();
        assert!(v.ends_with(">2 minutes ago</time>"), "{v}");
    }
}
