//! What is read, written once for the three databases: django-otp's tables and columns, the
//! SQL each dialect reads them with, and the rows turned into [`DjangoData`].
//!
//! A backend ([`Backend`]) only lists a table's columns and runs a `SELECT`, returning plain
//! [`Cell`]s; every check (a missing table or column, a null or mistyped value) is made here.

use std::collections::{BTreeMap, BTreeSet};

use otpkit::Timestamp;

use super::{SourceError, UserMapping};
use crate::model::{DjangoData, DjangoDevice, DjangoEmail, DjangoHotp, DjangoStatic, DjangoTotp};

/// A driver's error, kept as the source of a [`SourceError`].
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The SQL dialect of a backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// SQLite (Django's text datetimes, integer booleans).
    Sqlite,
    /// PostgreSQL (`timestamptz`, `boolean`).
    Postgres,
    /// MySQL or MariaDB (`datetime(6)`, `tinyint(1)`), session time zone `+00:00`.
    MySql,
}

impl Dialect {
    /// `col` as a quoted identifier (`key` is a reserved word in MySQL).
    fn quote(self, col: &str) -> String {
        match self {
            Dialect::MySql => format!("`{col}`"),
            Dialect::Sqlite | Dialect::Postgres => format!("\"{col}\""),
        }
    }

    /// An integer column as a 64-bit integer.
    fn int(self, col: &str) -> String {
        let q = self.quote(col);
        match self {
            Dialect::Sqlite => q,
            Dialect::Postgres => format!("CAST({q} AS bigint)"),
            Dialect::MySql => format!("CAST({q} AS SIGNED)"),
        }
    }

    /// A boolean column as the integer 0 or 1.
    fn boolean(self, col: &str) -> String {
        let q = self.quote(col);
        match self {
            Dialect::Sqlite => q,
            Dialect::Postgres => format!("CAST(CAST({q} AS integer) AS bigint)"),
            Dialect::MySql => format!("CAST({q} AS SIGNED)"),
        }
    }

    /// A nullable datetime column as milliseconds since the Unix epoch, the sub-millisecond
    /// part dropped.
    ///
    /// SQLite: Django stores UTC text, `YYYY-MM-DD HH:MM:SS[.ffffff]`. SQLite's own date
    /// functions round to the nearest millisecond (`.9996` would become the next second), so
    /// the whole seconds (`strftime('%s')` of the first 19 characters) and the first three
    /// digits of the fraction are taken apart, exactly. A value SQLite cannot parse becomes
    /// the text `'invalid'`, which the reader reports rather than reading it as null.
    fn time(self, col: &str) -> String {
        let q = self.quote(col);
        match self {
            Dialect::Sqlite => format!(
                "CASE WHEN {q} IS NULL THEN NULL ELSE COALESCE(\
                 CAST(strftime('%s', substr({q}, 1, 19)) AS INTEGER) * 1000 + \
                 CASE WHEN substr({q}, 20, 1) = '.' \
                 THEN CAST(substr(substr({q}, 21) || '00', 1, 3) AS INTEGER) ELSE 0 END, \
                 'invalid') END"
            ),
            Dialect::Postgres => format!("CAST(floor(extract(epoch from {q}) * 1000) AS bigint)"),
            Dialect::MySql => format!("CAST(floor(UNIX_TIMESTAMP({q}) * 1000) AS SIGNED)"),
        }
    }

    /// The SQL expression reading `col` as `kind`.
    fn expr(self, col: &Col) -> String {
        match col.kind {
            Kind::Int => self.int(col.name),
            Kind::Bool => self.boolean(col.name),
            Kind::Text | Kind::OptText => self.quote(col.name),
            Kind::OptTime => self.time(col.name),
        }
    }

    /// `SELECT` of `cols` from `table`, ascending `order`.
    fn select(self, table: &str, cols: &[Col], order: &str) -> String {
        let exprs: Vec<String> = cols.iter().map(|c| self.expr(c)).collect();
        format!(
            "SELECT {} FROM {} ORDER BY {}",
            exprs.join(", "),
            self.quote(table),
            order
        )
    }
}

/// How a backend decodes a column: as an integer or as text (either may be null).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    /// A 64-bit integer (integers, booleans, instants).
    Int,
    /// Text.
    Text,
}

/// One value as a backend read it. No `Debug`: a cell may hold a key or a token.
pub(crate) enum Cell {
    /// SQL `NULL`.
    Null,
    /// An integer.
    Int(i64),
    /// Text.
    Text(String),
    /// Anything else (a blob, a float, an integer out of range): reported as mistyped.
    Other,
}

/// A database the importer reads from.
pub(crate) trait Backend {
    /// Its SQL dialect.
    fn dialect(&self) -> Dialect;

    /// The columns of `table` (empty when the table does not exist).
    async fn columns(&mut self, table: &'static str) -> Result<Vec<String>, BoxError>;

    /// Every row of `sql`, each column decoded as `want` says.
    async fn rows(&mut self, sql: &str, want: &[Want]) -> Result<Vec<Vec<Cell>>, BoxError>;
}

/// What a column holds, and so how it is selected and checked.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Int,
    Bool,
    Text,
    OptText,
    OptTime,
}

/// A column read from a table.
#[derive(Debug, Clone, Copy)]
struct Col {
    name: &'static str,
    kind: Kind,
}

impl Col {
    const fn new(name: &'static str, kind: Kind) -> Self {
        Col { name, kind }
    }

    const fn want(self) -> Want {
        match self.kind {
            Kind::Int | Kind::Bool | Kind::OptTime => Want::Int,
            Kind::Text | Kind::OptText => Want::Text,
        }
    }
}

/// A table read, its columns in [`Cursor`] order.
struct Table {
    name: &'static str,
    cols: &'static [Col],
    order: &'static str,
}

/// The columns every device table has, then the table's own.
macro_rules! device_cols {
    ($($name:literal: $kind:ident),*) => {
        &[
            Col::new("id", Kind::Int),
            Col::new("user_id", Kind::Int),
            Col::new("name", Kind::Text),
            Col::new("confirmed", Kind::Bool),
            Col::new("created_at", Kind::OptTime),
            Col::new("last_used_at", Kind::OptTime),
            Col::new("throttling_failure_timestamp", Kind::OptTime),
            Col::new("throttling_failure_count", Kind::Int),
            $(Col::new($name, Kind::$kind)),*
        ]
    };
}

const TOTP: Table = Table {
    name: "otp_totp_totpdevice",
    cols: device_cols!("key": Text, "step": Int, "t0": Int, "digits": Int, "tolerance": Int,
        "drift": Int, "last_t": Int),
    order: "1",
};

const HOTP: Table = Table {
    name: "otp_hotp_hotpdevice",
    cols: device_cols!("key": Text, "digits": Int, "tolerance": Int, "counter": Int),
    order: "1",
};

const STATIC: Table = Table {
    name: "otp_static_staticdevice",
    cols: device_cols!(),
    order: "1",
};

const STATIC_TOKEN: Table = Table {
    name: "otp_static_statictoken",
    cols: &[
        Col::new("id", Kind::Int),
        Col::new("device_id", Kind::Int),
        Col::new("token", Kind::Text),
    ],
    order: "2, 1",
};

const EMAIL: Table = Table {
    name: "otp_email_emaildevice",
    cols: device_cols!("email": OptText, "last_generated_timestamp": OptTime),
    order: "1",
};

const AUTH_USER: Table = Table {
    name: "auth_user",
    cols: &[Col::new("id", Kind::Int), Col::new("username", Kind::Text)],
    order: "1",
};

/// The `table` named in a [`SourceError::Value`] from the application's user query.
const USER_QUERY: &str = "(user query)";

/// The user query's two columns, as a [`SourceError::Value`] names them.
const USER_QUERY_COLS: &[Col] = &[
    Col::new("1 (the Django user id)", Kind::Int),
    Col::new("2 (the otpkit user id)", Kind::Text),
];

/// One row's cells, taken in column order with their checks.
struct Cursor {
    table: &'static str,
    id: Option<i64>,
    cols: std::slice::Iter<'static, Col>,
    cells: std::vec::IntoIter<Cell>,
}

impl Cursor {
    fn new(table: &'static str, cols: &'static [Col], cells: Vec<Cell>) -> Self {
        let id = match cells.first() {
            Some(Cell::Int(id)) => Some(*id),
            _ => None,
        };
        Cursor {
            table,
            id,
            cols: cols.iter(),
            cells: cells.into_iter(),
        }
    }

    fn bad(&self, column: &'static str, problem: &'static str) -> SourceError {
        SourceError::Value {
            table: self.table,
            id: self.id,
            column,
            problem,
        }
    }

    /// The next column's name and cell (a backend returns one cell per column asked for).
    fn next(&mut self) -> Result<(&'static str, Cell), SourceError> {
        let name = self.cols.next().map_or("?", |c| c.name);
        match self.cells.next() {
            Some(cell) => Ok((name, cell)),
            None => Err(self.bad(name, "is missing from the result")),
        }
    }

    fn opt_int(&mut self) -> Result<(&'static str, Option<i64>), SourceError> {
        match self.next()? {
            (name, Cell::Int(v)) => Ok((name, Some(v))),
            (name, Cell::Null) => Ok((name, None)),
            (name, _) => Err(self.bad(name, "is not an integer")),
        }
    }

    fn int(&mut self) -> Result<i64, SourceError> {
        match self.opt_int()? {
            (_, Some(v)) => Ok(v),
            (name, None) => Err(self.bad(name, "is null")),
        }
    }

    fn boolean(&mut self) -> Result<bool, SourceError> {
        match self.opt_int()? {
            (_, Some(0)) => Ok(false),
            (_, Some(1)) => Ok(true),
            (name, Some(_)) => Err(self.bad(name, "is neither 0 nor 1")),
            (name, None) => Err(self.bad(name, "is null")),
        }
    }

    fn opt_time(&mut self) -> Result<Option<Timestamp>, SourceError> {
        match self.next()? {
            (_, Cell::Int(ms)) => Ok(Some(Timestamp::from_millis(ms))),
            (_, Cell::Null) => Ok(None),
            (name, _) => Err(self.bad(name, "is not a valid datetime")),
        }
    }

    fn opt_text(&mut self) -> Result<Option<String>, SourceError> {
        match self.next()? {
            (_, Cell::Text(s)) => Ok(Some(s)),
            (_, Cell::Null) => Ok(None),
            (name, _) => Err(self.bad(name, "is not text")),
        }
    }

    fn text(&mut self) -> Result<String, SourceError> {
        match self.next()? {
            (_, Cell::Text(s)) => Ok(s),
            (name, Cell::Null) => Err(self.bad(name, "is null")),
            (name, _) => Err(self.bad(name, "is not text")),
        }
    }

    /// The columns every device has, in [`device_cols`] order.
    fn device(&mut self) -> Result<DjangoDevice, SourceError> {
        Ok(DjangoDevice {
            id: self.int()?,
            user_id: self.int()?,
            name: self.text()?,
            confirmed: self.boolean()?,
            created_at: self.opt_time()?,
            last_used_at: self.opt_time()?,
            throttling_failure_timestamp: self.opt_time()?,
            throttling_failure_count: self.int()?,
        })
    }
}

/// The rows of `table` as cursors, or `None` when the table does not exist.
async fn read_table<B: Backend>(
    db: &mut B,
    table: &Table,
) -> Result<Option<Vec<Cursor>>, SourceError> {
    let query_err = |source| SourceError::Query {
        table: table.name,
        source,
    };
    let present = db.columns(table.name).await.map_err(query_err)?;
    if present.is_empty() {
        return Ok(None);
    }
    if let Some(col) = table
        .cols
        .iter()
        .find(|c| !present.iter().any(|p| p.eq_ignore_ascii_case(c.name)))
    {
        return Err(SourceError::Schema {
            table: table.name,
            column: col.name,
        });
    }
    let d = db.dialect();
    let want: Vec<Want> = table.cols.iter().map(|c| c.want()).collect();
    let sql = d.select(table.name, table.cols, table.order);
    let rows = db.rows(&sql, &want).await.map_err(query_err)?;
    Ok(Some(
        rows.into_iter()
            .map(|cells| Cursor::new(table.name, table.cols, cells))
            .collect(),
    ))
}

/// Every row of `table` through `parse` (none when the table does not exist).
async fn read_rows<B: Backend, T>(
    db: &mut B,
    table: &Table,
    parse: fn(&mut Cursor) -> Result<T, SourceError>,
) -> Result<Vec<T>, SourceError> {
    read_table(db, table)
        .await?
        .unwrap_or_default()
        .iter_mut()
        .map(parse)
        .collect()
}

fn totp(c: &mut Cursor) -> Result<DjangoTotp, SourceError> {
    Ok(DjangoTotp {
        device: c.device()?,
        key: c.text()?,
        step: c.int()?,
        t0: c.int()?,
        digits: c.int()?,
        tolerance: c.int()?,
        drift: c.int()?,
        last_t: c.int()?,
    })
}

fn hotp(c: &mut Cursor) -> Result<DjangoHotp, SourceError> {
    Ok(DjangoHotp {
        device: c.device()?,
        key: c.text()?,
        digits: c.int()?,
        tolerance: c.int()?,
        counter: c.int()?,
    })
}

fn static_device(c: &mut Cursor) -> Result<DjangoStatic, SourceError> {
    Ok(DjangoStatic {
        device: c.device()?,
        tokens: Vec::new(),
    })
}

fn static_token(c: &mut Cursor) -> Result<(i64, String), SourceError> {
    c.int()?;
    Ok((c.int()?, c.text()?))
}

fn email(c: &mut Cursor) -> Result<DjangoEmail, SourceError> {
    Ok(DjangoEmail {
        device: c.device()?,
        email: c.opt_text()?,
        last_generated_timestamp: c.opt_time()?,
    })
}

/// Reads every device table, the static tokens and the users, in one transaction the caller
/// has opened.
pub(crate) async fn read_all<B: Backend>(
    db: &mut B,
    users: &UserMapping,
) -> Result<DjangoData, SourceError> {
    let mut data = DjangoData {
        totp: read_rows(db, &TOTP, totp).await?,
        hotp: read_rows(db, &HOTP, hotp).await?,
        static_devices: read_rows(db, &STATIC, static_device).await?,
        email: read_rows(db, &EMAIL, email).await?,
        users: BTreeMap::new(),
    };
    if !data.static_devices.is_empty() {
        let mut by_device: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for (device, token) in read_rows(db, &STATIC_TOKEN, static_token).await? {
            by_device.entry(device).or_default().push(token);
        }
        for dev in &mut data.static_devices {
            if let Some(tokens) = by_device.remove(&dev.device.id) {
                dev.tokens = tokens;
            }
        }
    }
    let owners: BTreeSet<i64> = data
        .totp
        .iter()
        .map(|d| d.device.user_id)
        .chain(data.hotp.iter().map(|d| d.device.user_id))
        .chain(data.static_devices.iter().map(|d| d.device.user_id))
        .chain(data.email.iter().map(|d| d.device.user_id))
        .collect();
    data.users = read_users(db, users, &owners).await?;
    Ok(data)
}

/// Django user primary key → otpkit user id, for `owners`.
async fn read_users<B: Backend>(
    db: &mut B,
    users: &UserMapping,
    owners: &BTreeSet<i64>,
) -> Result<BTreeMap<i64, String>, SourceError> {
    if owners.is_empty() {
        return Ok(BTreeMap::new());
    }
    let rows = match users {
        UserMapping::Id => return Ok(owners.iter().map(|&id| (id, id.to_string())).collect()),
        UserMapping::Username => read_table(db, &AUTH_USER)
            .await?
            .ok_or(SourceError::NoUserTable)?,
        UserMapping::Query(sql) => {
            let want = [Want::Int, Want::Text];
            let rows = db.rows(sql, &want).await;
            let rows = rows.map_err(|source| SourceError::UserQuery { source })?;
            rows.into_iter()
                .map(|cells| Cursor::new(USER_QUERY, USER_QUERY_COLS, cells))
                .collect()
        }
    };
    let mut map = BTreeMap::new();
    for mut c in rows {
        let id = c.int()?;
        let user = match c.next()? {
            (_, Cell::Text(s)) => s,
            // An application's query may return an integer user id: its decimal text.
            (_, Cell::Int(n)) => n.to_string(),
            (name, Cell::Null) => return Err(c.bad(name, "is null")),
            (name, Cell::Other) => return Err(c.bad(name, "is not text")),
        };
        if owners.contains(&id) {
            map.insert(id, user);
        }
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mysql_quotes_the_reserved_key_column() {
        let sql = Dialect::MySql.select(HOTP.name, HOTP.cols, HOTP.order);
        assert!(sql.contains("`key`"), "{sql}");
        assert!(sql.starts_with("SELECT CAST(`id` AS SIGNED)"), "{sql}");
    }

    #[test]
    fn every_device_table_starts_with_the_common_columns() {
        for t in [TOTP, HOTP, STATIC, EMAIL] {
            let names: Vec<&str> = t.cols.iter().take(8).map(|c| c.name).collect();
            assert_eq!(names.first(), Some(&"id"));
            assert_eq!(names.get(7), Some(&"throttling_failure_count"));
        }
    }
}
