//! The template reference in `src/templates.rs`'s module docs (issue 15) is true: every
//! embedded template has a section; every value a template reads is a common value or one
//! its section (or the section of a template it includes) documents; every value a section
//! documents is read by the template (or marked *(unused by the default)*); and the blocks
//! a section names are the blocks the template defines.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};

use minijinja::Environment;
use otpkit_axum::templates::EMBEDDED;

/// The module docs of templates.rs, as text.
const SOURCE: &str = include_str!("../src/templates.rs");

/// The functions the templates call: registered by otpkit (`t`, `ago`) or minijinja's own.
const FUNCTIONS: &[&str] = &["t", "ago", "range", "dict", "namespace", "debug"];

/// The marker of a documented value the default template does not read.
const UNUSED: &str = "*(unused by the default)*";

/// What the reference says about one template.
#[derive(Debug, Default)]
struct Section {
    /// Documented value → whether it is marked unused by the default.
    values: BTreeMap<String, bool>,
    blocks: BTreeSet<String>,
    /// Whether the section has a "Blocks:" line.
    has_blocks_line: bool,
}

/// The reference: the common values (with the `urls.` fields) and one section per template.
#[derive(Debug, Default)]
struct Reference {
    /// Common value (or `urls.` address) → whether it is marked unused by the default.
    common: BTreeMap<String, bool>,
    templates: BTreeMap<String, Section>,
}

/// The backticked names of `text`, in order.
fn backticked(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn reference() -> Reference {
    let mut r = Reference::default();
    // None before the first heading; Some("") in the common section.
    let mut current: Option<String> = None;
    for line in SOURCE.lines() {
        let Some(doc) = line.strip_prefix("//!") else {
            continue;
        };
        let doc = doc.trim();
        if doc == "## What every template sees" {
            current = Some(String::new());
        } else if doc == "## The templates" {
            current = None;
        } else if let Some(h) = doc.strip_prefix("### ") {
            let name = backticked(h)
                .first()
                .cloned()
                .expect("a template's heading");
            r.templates.entry(name.clone()).or_default();
            current = Some(name);
        } else if let Some(row) = doc.strip_prefix("| `") {
            let name = row.split('`').next().unwrap_or_default().to_owned();
            let unused = doc.contains(UNUSED);
            match current.as_deref() {
                Some("") => {
                    r.common.insert(name, unused);
                }
                Some(t) => {
                    r.templates.get_mut(t).unwrap().values.insert(name, unused);
                }
                None => {}
            }
        } else if let Some(rest) = doc.strip_prefix("Blocks:")
            && let Some(t) = current.as_deref().filter(|t| !t.is_empty())
        {
            let s = r.templates.get_mut(t).unwrap();
            s.has_blocks_line = true;
            s.blocks.extend(backticked(rest));
        }
    }
    r
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    for (name, source) in EMBEDDED {
        env.add_template(name, source).unwrap();
    }
    env
}

/// The values `name` reads, top level and dotted (`urls.login`), without the functions.
fn reads(env: &Environment<'_>, name: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let t = env.get_template(name).unwrap();
    let top = t
        .undeclared_variables(false)
        .into_iter()
        .filter(|v| !FUNCTIONS.contains(&v.as_str()))
        .collect();
    let nested = t.undeclared_variables(true).into_iter().collect();
    (top, nested)
}

/// The templates `source` includes or extends, by name.
fn includes(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    for keyword in ["{% include \"", "{% extends \""] {
        for part in source.split(keyword).skip(1) {
            out.push(part.split('"').next().unwrap_or_default().to_owned());
        }
    }
    out
}

/// The templates `name` includes, directly or not (not those it extends).
fn included(name: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut todo = vec![name.to_owned()];
    while let Some(n) = todo.pop() {
        let source = EMBEDDED.iter().find(|(t, _)| *t == n).unwrap().1;
        for i in includes(source) {
            if i != "otpkit/base.html" && out.insert(i.clone()) {
                todo.push(i);
            }
        }
    }
    out
}

/// The blocks `source` defines.
fn blocks(source: &str) -> BTreeSet<String> {
    source
        .split("{% block ")
        .skip(1)
        .map(|p| p.split_whitespace().next().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn every_embedded_template_has_a_section_and_every_section_a_template() {
    let r = reference();
    let embedded: BTreeSet<String> = EMBEDDED.iter().map(|(n, _)| (*n).to_owned()).collect();
    let documented: BTreeSet<String> = r.templates.keys().cloned().collect();
    assert_eq!(
        embedded, documented,
        "templates without a section, or sections without a template"
    );
    for (name, s) in &r.templates {
        assert!(
            s.has_blocks_line,
            "{name}: its section says nothing of blocks"
        );
    }
    assert!(r.common.contains_key("csrf_token") && r.common.contains_key("urls.login"));
}

#[test]
fn every_value_a_template_reads_is_documented() {
    let r = reference();
    let env = environment();
    let mut problems = Vec::new();
    for (name, _) in EMBEDDED {
        let mut allowed: BTreeSet<String> = r.common.keys().cloned().collect();
        for t in std::iter::once((*name).to_owned()).chain(included(name)) {
            allowed.extend(r.templates[&t].values.keys().cloned());
        }
        let (top, nested) = reads(&env, name);
        for v in top.difference(&allowed) {
            problems.push(format!(
                "{name} reads `{v}`, documented neither for it nor for every template"
            ));
        }
        // The addresses are documented one by one.
        for v in nested.iter().filter(|v| v.starts_with("urls.")) {
            if !r.common.contains_key(v) {
                problems.push(format!("{name} reads `{v}`, not in the addresses' table"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_documented_value_is_read_by_its_template() {
    let r = reference();
    let env = environment();
    let mut problems = Vec::new();
    for (name, section) in &r.templates {
        let mut read: BTreeSet<String> = reads(&env, name).0;
        for t in included(name) {
            read.extend(reads(&env, &t).0);
        }
        for (v, unused) in &section.values {
            match (read.contains(v), unused) {
                (false, false) => {
                    problems.push(format!("{name}: `{v}` is documented but not read"))
                }
                (true, true) => {
                    problems.push(format!("{name}: `{v}` is marked unused but is read"))
                }
                _ => {}
            }
        }
    }
    // Each common value is read by some template, or by t() and ago() (`i18n`).
    let mut everything: BTreeSet<String> = BTreeSet::from(["i18n".to_owned()]);
    for (name, _) in EMBEDDED {
        let (top, nested) = reads(&env, name);
        everything.extend(top);
        everything.extend(nested);
    }
    for (v, unused) in &r.common {
        match (everything.contains(v), unused) {
            (false, false) => {
                problems.push(format!("the common value `{v}` is read by no template"))
            }
            (true, true) => problems.push(format!(
                "the common value `{v}` is marked unused but is read"
            )),
            _ => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_documented_blocks_are_the_defined_ones() {
    let r = reference();
    for (name, source) in EMBEDDED {
        assert_eq!(
            r.templates[*name].blocks,
            blocks(source),
            "{name}: the blocks its section names"
        );
    }
}

#[test]
fn the_reference_is_not_empty() {
    // A parsing slip (a renamed heading) must not make the checks above vacuous.
    let r = reference();
    assert!(r.common.len() >= 20, "common values: {:?}", r.common);
    assert!(r.templates["otpkit/login.html"].values.contains_key("step"));
    assert!(r.templates["otpkit/base.html"].blocks.contains("title"));
    assert!(r.templates["otpkit/totp_new.html"].values["qr_url"]);
    // And the templates' reads are found: a value, a dotted address, an included partial.
    let env = environment();
    let (top, nested) = reads(&env, "otpkit/login.html");
    assert!(top.contains("step") && !top.contains("t"), "{top:?}");
    assert!(nested.contains("urls.setup"), "{nested:?}");
    assert!(included("otpkit/login.html").contains("otpkit/code_step_form.html"));
    assert_eq!(blocks(EMBEDDED[0].1).len(), 5);
}
