//! The catalogues are complete and the templates speak only through them (issue 14): a key
//! missing in any language, a template using an unknown key, or a literal sentence in a
//! template fails here.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use otpkit_axum::Templates;
use otpkit_axum::i18n::{Catalogue, EMBEDDED, LANGUAGES, literal_text};

/// message id → the variables (`$name`) it uses, for one Fluent source.
fn messages(source: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in source.lines() {
        let starts_entry = line.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
        if starts_entry && let Some((id, _)) = line.split_once('=') {
            current = Some(id.trim().to_owned());
            out.entry(id.trim().to_owned()).or_default();
        } else if !line.starts_with(' ') {
            current = None;
        }
        if let Some(id) = &current {
            let vars = out.entry(id.clone()).or_default();
            let mut rest = line;
            while let Some(i) = rest.find('$') {
                let name: String = rest[i + 1..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                    .collect();
                vars.insert(name);
                rest = &rest[i + 1..];
            }
        }
    }
    out
}

#[test]
fn every_embedded_source_parses() {
    for (lang, area, source) in EMBEDDED {
        Catalogue::embedded()
            .with_ftl(lang, source)
            .unwrap_or_else(|e| panic!("locales/{lang}/{area}.ftl: {e}"));
    }
}

#[test]
fn every_language_has_every_message_with_the_same_variables() {
    let areas: BTreeSet<&str> = EMBEDDED.iter().map(|(_, a, _)| *a).collect();
    let mut problems = Vec::new();
    for area in areas {
        let of = |lang: &str| {
            EMBEDDED
                .iter()
                .find(|(l, a, _)| *l == lang && *a == area)
                .map(|(_, _, s)| messages(s))
                .unwrap_or_default()
        };
        let english = of("en");
        assert!(!english.is_empty(), "locales/en/{area}.ftl is empty");
        for lang in LANGUAGES.iter().filter(|l| **l != "en") {
            let other = of(lang);
            for (id, vars) in &english {
                match other.get(id) {
                    None => problems.push(format!("{lang}/{area}.ftl lacks {id}")),
                    Some(v) if v != vars => problems.push(format!(
                        "{lang}/{area}.ftl {id} uses {v:?}, English uses {vars:?}"
                    )),
                    Some(_) => {}
                }
            }
            for id in other.keys().filter(|id| !english.contains_key(*id)) {
                problems.push(format!("{lang}/{area}.ftl has {id}, English has not"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_message_id_the_code_uses_exists_in_english() {
    let catalogue = Catalogue::embedded();
    let en = catalogue.language("en").expect("en");
    let known: BTreeSet<String> = catalogue.message_ids(&en).into_iter().collect();
    let mut sources: Vec<(String, String)> = Vec::new();
    let templates = Templates::new();
    for name in templates.names() {
        let src = otpkit_axum::templates::EMBEDDED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| (*s).to_owned())
            .unwrap_or_default();
        sources.push((name.to_owned(), src));
    }
    collect_rust(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src").as_path(),
        &mut sources,
    );
    let mut missing = Vec::new();
    for (name, src) in &sources {
        for call in ["t(\"", "t_with(\"", "message_id(\""] {
            let mut rest = src.as_str();
            while let Some(i) = rest.find(call) {
                let tail = &rest[i + call.len()..];
                let id: String = tail.chars().take_while(|c| *c != '"').collect();
                let preceded_by_ident = i > 0
                    && rest[..i]
                        .chars()
                        .last()
                        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
                if !preceded_by_ident && !id.is_empty() && !known.contains(&id) {
                    missing.push(format!("{name}: {id}"));
                }
                rest = tail;
            }
        }
    }
    assert!(
        missing.is_empty(),
        "unknown message ids:\n{}",
        missing.join("\n")
    );
}

fn collect_rust(dir: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_rust(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            // Comments (and the examples in doc comments) are not the code's messages.
            let src = std::fs::read_to_string(&p)
                .unwrap_or_default()
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            out.push((p.display().to_string(), src));
        }
    }
}

#[test]
fn no_template_holds_a_literal_sentence() {
    let mut problems = Vec::new();
    for (name, src) in otpkit_axum::templates::EMBEDDED {
        let literals = literal_text(src);
        if !literals.is_empty() {
            problems.push(format!("{name}: {literals:?}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_code_has_a_sentence_in_every_language() {
    use otpkit_axum::Code;
    let catalogue = Catalogue::embedded();
    for lang in catalogue.languages() {
        for code in Code::ALL {
            assert!(
                catalogue.has_message(lang, &code.message_id()),
                "{lang}: {}",
                code.message_id()
            );
        }
    }
}
