//! [`Report::to_text`]: the report as text for a terminal.

use std::fmt::Write as _;

use super::Report;

impl Report {
    /// The report as text for a terminal: a header, one line of counts per kind, then a
    /// section for each non-empty list (legacy keys, skipped, changed, gone, failed).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        if self.dry_run {
            out.push_str("Dry run: nothing was written.\n");
        } else {
            out.push_str("Import from django-otp:\n");
        }
        let verb = if self.dry_run {
            "would be imported"
        } else {
            "imported"
        };
        for (label, c) in &self.kinds {
            let _ = writeln!(
                out,
                "{label}: {} read, {} {verb}, {} already imported, {} skipped",
                c.read, c.imported, c.already_imported, c.skipped
            );
        }
        section(
            &mut out,
            "Re-enrolment recommended (keys shorter than 16 bytes):",
            self.legacy_keys.iter().cloned(),
        );
        section(
            &mut out,
            "Skipped:",
            self.skipped.iter().map(|s| {
                format!(
                    "{} (Django user {}): {}",
                    s.persistent_id, s.django_user_id, s.reason
                )
            }),
        );
        section(
            &mut out,
            "Changed in Django since the first import:",
            self.changed
                .iter()
                .map(|c| format!("{}: {}", c.persistent_id, c.fields.join(", "))),
        );
        section(
            &mut out,
            "Gone from Django:",
            self.removed_in_django.iter().cloned(),
        );
        section(
            &mut out,
            "Failed:",
            self.failed_users
                .iter()
                .map(|f| format!("user {}: {}", f.user, f.reason)),
        );
        out
    }
}

/// `title` and one indented line per item, after a blank line; nothing when empty.
fn section(out: &mut String, title: &str, items: impl Iterator<Item = String>) {
    let mut items = items.peekable();
    if items.peek().is_none() {
        return;
    }
    let _ = write!(out, "\n{title}\n");
    for item in items {
        let _ = writeln!(out, "  {item}");
    }
}
