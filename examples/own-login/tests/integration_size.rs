//! Issue 15: the otpkit integration is at most 60 lines of the application's code. Counted
//! as `count.awk` counts them (see the README): every code line of `src/two_factor.rs`, and
//! in the other sources and templates the lines ending in `// otpkit` or `{# otpkit #}` and
//! the code lines between `// otpkit: begin` and `// otpkit: end`. The README states the
//! count; this test keeps it true.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::Path;

/// A line that is neither blank nor only a comment.
fn is_code(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && !t.starts_with("//")
}

/// The otpkit lines of one file.
fn count(path: &Path) -> usize {
    let text = fs::read_to_string(path).unwrap();
    let whole = path.ends_with("src/two_factor.rs");
    let mut block = false;
    let mut n = 0;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("// otpkit: begin") {
            assert!(!block, "{}: a block inside a block", path.display());
            block = true;
        } else if t.starts_with("// otpkit: end") {
            assert!(block, "{}: an end without a begin", path.display());
            block = false;
        } else if whole || block {
            n += usize::from(is_code(line));
        } else if t.ends_with("// otpkit") || t.ends_with("{# otpkit #}") {
            n += 1;
        }
    }
    assert!(!block, "{}: a block without an end", path.display());
    n
}

fn files(dir: &str, ext: &str) -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut all: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    all.sort();
    all
}

#[test]
fn the_otpkit_integration_is_at_most_60_lines_and_the_readme_says_how_many() {
    let mut total = 0;
    let mut per_file = Vec::new();
    for path in files("src", "rs")
        .into_iter()
        .chain(files("templates", "html"))
    {
        let n = count(&path);
        per_file.push(format!("{}: {n}", path.display()));
        total += n;
    }
    // Each kind of marking is there (the count is not vacuous).
    for name in ["two_factor.rs", "lib.rs", "login.rs", "settings.html"] {
        assert!(
            per_file
                .iter()
                .any(|f| f.contains(name) && !f.ends_with(": 0")),
            "{name}: {per_file:?}"
        );
    }
    assert!(total <= 60, "{total} lines: {per_file:#?}");
    let readme = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"));
    let said = format!("**{total} lines**");
    assert!(
        readme.unwrap().contains(&said),
        "README should say {said}: {per_file:#?}"
    );
}
