//! Every statement's SQL, written once, and its rendering for a dialect's placeholders.
//!
//! A template names its parameters `{n}` (1-based: the `n`-th argument the caller passes) or
//! `{n:type}` (the same, with a type PostgreSQL cannot infer). [`Statements::render`] turns
//! the templates into the text one server runs and the order its arguments are bound in:
//!
//! | style | `({1:text} IS NULL OR user_id = {1})` | arguments bound |
//! |---|---|---|
//! | [`Placeholders::Numbered`] (PostgreSQL) | `($1::text IS NULL OR user_id = $1)` | each once, 1, 2, … |
//! | [`Placeholders::Positional`] (MySQL) | `(? IS NULL OR user_id = ?)` | one per `?`: 1, 1, … |
//!
//! The one other difference in the text is what follows the `INSERT` that makes a new id
//! (PostgreSQL: ` RETURNING id`; MySQL reads `LAST_INSERT_ID()` from the result).

use crate::row::device_columns;

/// How a server writes statement parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placeholders {
    /// `$1`, `$2`, …: a parameter used twice is one argument; `{n:type}` becomes `$n::type`.
    Numbered,
    /// One `?` per use: a parameter used twice is bound twice; `:type` is dropped.
    #[cfg_attr(not(feature = "mysql"), allow(dead_code))]
    Positional,
}

/// One statement as a server runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Statement {
    /// The SQL text.
    pub(crate) text: String,
    /// Which of the caller's arguments (0-based) each bind is, in bind order.
    pub(crate) binds: Vec<usize>,
}

/// Every statement the store runs, rendered for one dialect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Statements {
    /// A device by id: `(id)`.
    pub(crate) select_one: Statement,
    /// A device by id, taking its row lock: `(id)`.
    pub(crate) select_one_for_update: Statement,
    /// A user's devices in id order: `(user)`.
    pub(crate) select_user: Statement,
    /// A user's devices in id order, taking their row locks in that order: `(user)`.
    pub(crate) select_user_for_update: Statement,
    /// One listing batch: `(user?, label?, confirmed?, created_before?, after_id, limit)`.
    pub(crate) select_list: Statement,
    /// A new device with a placeholder state, making its id:
    /// `(user, label, name, confirmed, created_at)`.
    pub(crate) insert: Statement,
    /// A new device whose id and state are known (an insert's retry):
    /// `(id, user, label, name, confirmed, created_at, state)`.
    pub(crate) insert_with_id: Statement,
    /// The state `init` computed: `(state, id)`.
    pub(crate) set_state: Statement,
    /// Every column but the id, with `version + 1`: `(user, label, name, confirmed,
    /// created_at, last_used_at, failure_count, failure_timestamp, last_generated_at, state,
    /// id)`.
    pub(crate) update: Statement,
    /// One device: `(id)`.
    pub(crate) delete_one: Statement,
    /// A user's devices: `(user)`.
    pub(crate) delete_user: Statement,
    /// The device imported as a label and number: `(label, imported_id)`.
    pub(crate) select_imported: Statement,
    /// How many devices have a persistent id (imported, or created here with that id):
    /// `(label, number)`.
    pub(crate) pid_taken: Statement,
    /// An imported device, making its id: `(user, label, name, confirmed, created_at,
    /// last_used_at, failure_count, failure_timestamp, last_generated_at, state, imported_id)`.
    pub(crate) insert_imported: Statement,
}

/// A `SELECT` of every device column, [`device_columns!`] order, then `$tail`.
macro_rules! select {
    ($tail:literal) => {
        concat!("SELECT ", device_columns!(), " FROM otpkit_device", $tail)
    };
}

const SELECT_ONE: &str = select!(" WHERE id = {1}");
const SELECT_ONE_FOR_UPDATE: &str = select!(" WHERE id = {1} FOR UPDATE");
const SELECT_USER: &str = select!(" WHERE user_id = {1} ORDER BY id");
const SELECT_USER_FOR_UPDATE: &str = select!(" WHERE user_id = {1} ORDER BY id FOR UPDATE");
const SELECT_LIST: &str = select!(
    " \
     WHERE ({1:text} IS NULL OR user_id = {1}) \
       AND ({2:text} IS NULL OR model_label = {2}) \
       AND ({3:boolean} IS NULL OR confirmed = {3}) \
       AND ({4:bigint} IS NULL OR created_at < {4}) \
       AND id > {5} \
     ORDER BY id LIMIT {6}"
);
const INSERT: &str = "INSERT INTO otpkit_device \
     (user_id, model_label, name, confirmed, created_at, last_used_at, failure_count, \
      failure_timestamp, last_generated_at, state, version) \
     VALUES ({1}, {2}, {3}, {4}, {5}, NULL, 0, NULL, NULL, '', 0)";
const INSERT_WITH_ID: &str = "INSERT INTO otpkit_device \
     (id, user_id, model_label, name, confirmed, created_at, last_used_at, failure_count, \
      failure_timestamp, last_generated_at, state, version) \
     VALUES ({1}, {2}, {3}, {4}, {5}, {6}, NULL, 0, NULL, NULL, {7}, 0)";
const SET_STATE: &str = "UPDATE otpkit_device SET state = {1} WHERE id = {2}";
const UPDATE: &str = "UPDATE otpkit_device SET \
     user_id = {1}, model_label = {2}, name = {3}, confirmed = {4}, created_at = {5}, \
     last_used_at = {6}, failure_count = {7}, failure_timestamp = {8}, last_generated_at = {9}, \
     state = {10}, version = version + 1 \
     WHERE id = {11}";
const DELETE_ONE: &str = "DELETE FROM otpkit_device WHERE id = {1}";
const DELETE_USER: &str = "DELETE FROM otpkit_device WHERE user_id = {1}";
const SELECT_IMPORTED: &str = select!(" WHERE model_label = {1} AND imported_id = {2}");
const PID_TAKEN: &str = "SELECT COUNT(*) FROM otpkit_device WHERE model_label = {1} \
     AND (imported_id = {2} OR (imported_id IS NULL AND id = {2}))";
const INSERT_IMPORTED: &str = "INSERT INTO otpkit_device \
     (user_id, model_label, name, confirmed, created_at, last_used_at, failure_count, \
      failure_timestamp, last_generated_at, state, version, imported_id) \
     VALUES ({1}, {2}, {3}, {4}, {5}, {6}, {7}, {8}, {9}, {10}, 0, {11})";

impl Statements {
    /// Every template rendered in `style`; `returning_id` follows the id-making `INSERT`.
    pub(crate) fn render(style: Placeholders, returning_id: &str) -> Self {
        let r = |template| render(template, style);
        let mut insert = r(INSERT);
        insert.text.push_str(returning_id);
        let mut insert_imported = r(INSERT_IMPORTED);
        insert_imported.text.push_str(returning_id);
        Statements {
            select_one: r(SELECT_ONE),
            select_one_for_update: r(SELECT_ONE_FOR_UPDATE),
            select_user: r(SELECT_USER),
            select_user_for_update: r(SELECT_USER_FOR_UPDATE),
            select_list: r(SELECT_LIST),
            insert,
            insert_with_id: r(INSERT_WITH_ID),
            set_state: r(SET_STATE),
            update: r(UPDATE),
            delete_one: r(DELETE_ONE),
            delete_user: r(DELETE_USER),
            select_imported: r(SELECT_IMPORTED),
            pid_taken: r(PID_TAKEN),
            insert_imported,
        }
    }
}

/// Renders one template. Text that is not a well-formed `{n}` / `{n:type}` is copied as it
/// stands (the templates have none; the tests check every one).
fn render(template: &str, style: Placeholders) -> Statement {
    let mut text = String::with_capacity(template.len());
    let mut binds = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let (before, from_brace) = rest.split_at(open);
        text.push_str(before);
        let Some((param, after)) = parse_param(from_brace) else {
            text.push('{');
            rest = from_brace.get(1..).unwrap_or("");
            continue;
        };
        match style {
            Placeholders::Numbered => {
                text.push_str(&format!("${}", param.number));
                if let Some(ty) = param.ty {
                    text.push_str("::");
                    text.push_str(ty);
                }
                binds.push(param.number - 1);
            }
            Placeholders::Positional => {
                text.push('?');
                binds.push(param.number - 1);
            }
        }
        rest = after;
    }
    text.push_str(rest);
    if style == Placeholders::Numbered {
        // `$n` names argument n however often it is used: bind each once, in order.
        binds.sort_unstable();
        binds.dedup();
    }
    Statement { text, binds }
}

/// One `{n}` or `{n:type}` parameter.
struct Param<'a> {
    /// 1-based.
    number: usize,
    ty: Option<&'a str>,
}

/// The parameter at the start of `s` (which starts with `{`) and the text after it.
fn parse_param(s: &str) -> Option<(Param<'_>, &str)> {
    let inner_and_rest = s.strip_prefix('{')?;
    let (inner, after) = inner_and_rest.split_once('}')?;
    let (number, ty) = match inner.split_once(':') {
        Some((n, ty)) if !ty.is_empty() && ty.bytes().all(|b| b.is_ascii_alphabetic()) => {
            (n, Some(ty))
        }
        Some(_) => return None,
        None => (inner, None),
    };
    let number: usize = number.parse().ok().filter(|&n| n >= 1)?;
    Some((Param { number, ty }, after))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(s: &Statements) -> [&Statement; 14] {
        [
            &s.select_one,
            &s.select_one_for_update,
            &s.select_user,
            &s.select_user_for_update,
            &s.select_list,
            &s.insert,
            &s.insert_with_id,
            &s.set_state,
            &s.update,
            &s.delete_one,
            &s.delete_user,
            &s.select_imported,
            &s.pid_taken,
            &s.insert_imported,
        ]
    }

    #[test]
    fn list_in_both_styles() {
        let pg = Statements::render(Placeholders::Numbered, " RETURNING id").select_list;
        assert!(pg.text.ends_with(
            " FROM otpkit_device \
             WHERE ($1::text IS NULL OR user_id = $1) \
               AND ($2::text IS NULL OR model_label = $2) \
               AND ($3::boolean IS NULL OR confirmed = $3) \
               AND ($4::bigint IS NULL OR created_at < $4) \
               AND id > $5 \
             ORDER BY id LIMIT $6"
        ));
        assert_eq!(pg.binds, [0, 1, 2, 3, 4, 5]);
        let my = Statements::render(Placeholders::Positional, "").select_list;
        assert!(my.text.ends_with(
            " FROM otpkit_device \
             WHERE (? IS NULL OR user_id = ?) \
               AND (? IS NULL OR model_label = ?) \
               AND (? IS NULL OR confirmed = ?) \
               AND (? IS NULL OR created_at < ?) \
               AND id > ? \
             ORDER BY id LIMIT ?"
        ));
        assert_eq!(my.binds, [0, 0, 1, 1, 2, 2, 3, 3, 4, 5]);
    }

    #[test]
    fn inserts_in_both_styles() {
        let pg = Statements::render(Placeholders::Numbered, " RETURNING id");
        assert!(
            pg.insert
                .text
                .ends_with("VALUES ($1, $2, $3, $4, $5, NULL, 0, NULL, NULL, '', 0) RETURNING id")
        );
        assert!(
            pg.insert_with_id
                .text
                .ends_with("VALUES ($1, $2, $3, $4, $5, $6, NULL, 0, NULL, NULL, $7, 0)")
        );
        let my = Statements::render(Placeholders::Positional, "");
        assert!(
            my.insert
                .text
                .ends_with("VALUES (?, ?, ?, ?, ?, NULL, 0, NULL, NULL, '', 0)")
        );
        assert_eq!(my.update.binds, (0..11).collect::<Vec<_>>());
    }

    /// Every parameter of every template is well formed and numbered 1, 2, … without gaps, so
    /// that both styles bind the same arguments.
    #[test]
    fn every_template_is_well_formed() {
        let pg = Statements::render(Placeholders::Numbered, "");
        let my = Statements::render(Placeholders::Positional, "");
        for (p, m) in all(&pg).into_iter().zip(all(&my)) {
            assert!(!p.text.contains(['{', '}', '?']), "{}", p.text);
            assert!(!m.text.contains(['{', '}', '$']), "{}", m.text);
            let arity = p.binds.len();
            assert_eq!(p.binds, (0..arity).collect::<Vec<_>>(), "{}", p.text);
            let mut used = m.binds.clone();
            used.sort_unstable();
            used.dedup();
            assert_eq!(used, p.binds, "{}", m.text);
            assert_eq!(m.text.matches('?').count(), m.binds.len());
        }
    }

    #[test]
    fn malformed_braces_are_text() {
        for t in ["{", "{x}", "{0}", "{1:}", "{1:te xt}", "a}b"] {
            let s = render(t, Placeholders::Numbered);
            assert_eq!((s.text.as_str(), s.binds.len()), (t, 0));
        }
    }
}
