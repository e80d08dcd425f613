//! Checks for templates: text a person would read that does not come from the catalogues.
//!
//! The default templates pass it (the test suite makes sure); an application can run it on its
//! own templates in its tests:
//!
//! ```
//! use otpkit_axum::i18n::literal_text;
//!
//! let ok = r#"<h1>{{ t("setup-title") }}</h1><input placeholder="{{ t("setup-name-hint") }}">"#;
//! assert!(literal_text(ok).is_empty());
//!
//! let bad = r#"<h1>Set up</h1><button aria-label="Copy key">{{ t("common-copy") }}</button>"#;
//! assert_eq!(literal_text(bad), ["Set up", "aria-label=\"Copy key\""]);
//! ```

/// The attributes whose values a person reads (or hears).
const READ_ATTRIBUTES: [&str; 5] = ["placeholder", "title", "aria-label", "alt", "value"];

/// Every piece of literal text a person would read in `template`: text between tags and
/// the values of `placeholder`, `title`, `aria-label`, `alt` (and `value` of buttons and
/// submit inputs) that hold a letter outside `{{ … }}`, `{% … %}` and `{# … #}`.
/// `<script>` and `<style>` contents are ignored.
pub fn literal_text(template: &str) -> Vec<String> {
    let source = strip_template_syntax(template);
    let mut found = Vec::new();
    let mut rest = source.as_str();
    while let Some(open) = rest.find('<') {
        push_text(&mut found, rest.get(..open).unwrap_or(""));
        let after = rest.get(open..).unwrap_or("");
        let close = after.find('>').map_or(after.len(), |i| i + 1);
        let tag = after.get(..close).unwrap_or("");
        check_attributes(&mut found, tag);
        rest = after.get(close..).unwrap_or("");
        for raw in ["script", "style"] {
            if tag.starts_with(&format!("<{raw}")) {
                let end = format!("</{raw}>");
                rest = rest.find(&end).map_or("", |i| rest.get(i..).unwrap_or(""));
            }
        }
    }
    push_text(&mut found, rest);
    found
}

/// `template` with every `{{ … }}`, `{% … %}` and `{# … #}` replaced by a space.
fn strip_template_syntax(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    loop {
        let next = ["{{", "{%", "{#"]
            .iter()
            .filter_map(|o| rest.find(o).map(|i| (i, *o)))
            .min_by_key(|(i, _)| *i);
        let Some((i, open)) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(rest.get(..i).unwrap_or(""));
        let close = match open {
            "{{" => "}}",
            "{%" => "%}",
            _ => "#}",
        };
        let body = rest.get(i + 2..).unwrap_or("");
        rest = body
            .find(close)
            .map_or("", |j| body.get(j + 2..).unwrap_or(""));
        out.push(' ');
    }
}

fn push_text(found: &mut Vec<String>, text: &str) {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().any(char::is_alphabetic) && !is_entity_only(&text) {
        found.push(text);
    }
}

/// `&nbsp;`, `&times;` and the like are not sentences.
fn is_entity_only(text: &str) -> bool {
    text.split_whitespace()
        .all(|w| w.starts_with('&') && w.ends_with(';'))
}

fn check_attributes(found: &mut Vec<String>, tag: &str) {
    let is_button_value = tag.starts_with("<button")
        || (tag.starts_with("<input")
            && (tag.contains("type=\"submit\"") || tag.contains("type=\"button\"")));
    for attr in READ_ATTRIBUTES {
        if attr == "value" && !is_button_value {
            continue;
        }
        let needle = format!(" {attr}=\"");
        let mut rest = tag;
        while let Some(i) = rest.find(&needle) {
            let value_start = rest.get(i + needle.len()..).unwrap_or("");
            let end = value_start.find('"').unwrap_or(value_start.len());
            let value = value_start.get(..end).unwrap_or("");
            if value.chars().any(char::is_alphabetic) {
                found.push(format!("{attr}=\"{value}\""));
            }
            rest = value_start.get(end..).unwrap_or("");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_text_and_attributes() {
        assert!(literal_text("{% block x %}{{ t(\"a\") }}{% endblock %}").is_empty());
        assert!(literal_text("<p>{{ n }} &middot; {{ m }}</p>").is_empty());
        assert_eq!(literal_text("<p>Hello {{ name }}</p>"), ["Hello"]);
        assert_eq!(literal_text("<img alt=\"QR code\">"), ["alt=\"QR code\""]);
        assert!(literal_text("<input type=\"hidden\" value=\"1\" name=\"start\">").is_empty());
        assert!(literal_text("<input type=\"hidden\" value=\"abc\">").is_empty());
        assert_eq!(
            literal_text("<button value=\"go\">{{ t(\"x\") }}</button>"),
            ["value=\"go\""]
        );
        assert!(literal_text("<script>var a = 'text';</script><style>a{}</style>").is_empty());
        assert!(literal_text("{# a comment with words #}").is_empty());
    }
}
