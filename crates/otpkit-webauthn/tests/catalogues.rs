//! The pages' catalogues are complete: every message in every language (en, de, fr, es,
//! pt), every message the templates use exists, and the kit accepts them.
#![cfg(feature = "axum")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use otpkit_webauthn::web::{CATALOGUES, TEMPLATES};

fn ids(source: &str) -> BTreeSet<String> {
    source
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with(' '))
        .filter_map(|l| l.split_once(" = ").map(|(id, _)| id.trim().to_owned()))
        .collect()
}

#[test]
fn every_language_has_every_message() {
    let en = ids(CATALOGUES[0].1);
    assert!(en.len() >= 10, "{en:?}");
    for (tag, source) in CATALOGUES {
        assert_eq!(ids(source), en, "the messages of {tag}");
        for line in source.lines().filter(|l| l.contains(" = ")) {
            let text = line.split_once(" = ").unwrap().1;
            assert!(!text.trim().is_empty(), "{tag}: {line}");
        }
    }
    let tags: Vec<&str> = CATALOGUES.iter().map(|(t, _)| *t).collect();
    assert_eq!(tags, ["en", "de", "fr", "es", "pt"]);
}

#[test]
fn every_message_a_template_uses_exists() {
    let en = ids(CATALOGUES[0].1);
    let catalogue = otpkit_webauthn::web::catalogue(otpkit_axum::i18n::Catalogue::embedded())
        .expect("the catalogues parse");
    let lang = catalogue.default_language().clone();
    for (name, source) in TEMPLATES {
        for part in source.split("t(\"").skip(1) {
            let id = part.split('"').next().unwrap();
            let known = en.contains(id) || catalogue.message(&lang, id, &[]) != id;
            assert!(known, "{name} uses {id}, which no catalogue has");
        }
    }
}
