//! Reading a Django database: django-otp's device tables and the users that own them, from
//! SQLite, PostgreSQL or MySQL/MariaDB, read-only and in one consistent snapshot.
//!
//! [`read`] opens the database at a URL, starts a read-only transaction (SQLite: one `BEGIN`
//! on a connection opened read-only; PostgreSQL: `REPEATABLE READ, READ ONLY`; MySQL:
//! `WITH CONSISTENT SNAPSHOT, READ ONLY` at repeatable read, session time zone `+00:00`),
//! reads every table and rolls back. Nothing is written.
//!
//! Tables are django-otp 1.3 or later's (all created by `manage.py migrate`): a table that
//! does not exist is read as no devices of its kind; a table missing a column is
//! [`SourceError::Schema`]. Datetimes are converted to milliseconds in SQL, the
//! sub-millisecond part dropped.

mod server;
mod sqlite;
mod tables;

use crate::model::DjangoData;
use tables::BoxError;

/// How a Django user becomes an otpkit user id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserMapping {
    /// `auth_user.username` (the default).
    Username,
    /// The Django user's primary key in decimal (`"42"`).
    Id,
    /// An application query returning two columns per user: the Django user's primary key
    /// (an integer) and the otpkit user id (text), e.g.
    /// `SELECT id, email FROM accounts_customuser`.
    Query(String),
}

/// Why the Django database could not be read. No variant holds a key, a token or the URL's
/// password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The URL could not be parsed (the URL itself is not repeated: it may hold a password).
    #[error("the database URL is not valid: {reason}")]
    Url {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The URL's scheme is none of `sqlite`, `postgres`, `postgresql`, `mysql`, `mariadb`.
    #[error(
        "unsupported database URL scheme `{scheme}` (expected sqlite://, postgres://, \
         postgresql://, mysql:// or mariadb://)"
    )]
    Scheme {
        /// The scheme given.
        scheme: String,
    },
    /// The database could not be opened or connected to.
    #[error("could not connect to the database")]
    Connect {
        /// The driver's error.
        #[source]
        source: BoxError,
    },
    /// Starting or ending the read-only transaction failed.
    #[error("could not start or end the read-only transaction")]
    Transaction {
        /// The driver's error.
        #[source]
        source: BoxError,
    },
    /// Reading a table failed.
    #[error("reading `{table}` failed")]
    Query {
        /// The table.
        table: &'static str,
        /// The driver's error.
        #[source]
        source: BoxError,
    },
    /// A django-otp table lacks a column this importer reads: its schema is older.
    #[error(
        "`{table}` has no column `{column}`: the database has an older django-otp schema; \
         run Django's `manage.py migrate` with django-otp 1.3 or later first"
    )]
    Schema {
        /// The table.
        table: &'static str,
        /// The missing column.
        column: &'static str,
    },
    /// [`UserMapping::Username`] but the database has no `auth_user` table (a custom user
    /// model): map users with [`UserMapping::Query`] or [`UserMapping::Id`].
    #[error(
        "there is no `auth_user` table (a custom user model?): map users with a query or by id"
    )]
    NoUserTable,
    /// The application's user query ([`UserMapping::Query`]) failed.
    #[error("the user query failed")]
    UserQuery {
        /// The driver's error.
        #[source]
        source: BoxError,
    },
    /// A value is null, of the wrong type or out of range (the value itself is not shown).
    #[error("`{table}` row {}: column `{column}` {problem}", DisplayId(*.id))]
    Value {
        /// The table (`(user query)` for the application's query).
        table: &'static str,
        /// The row's `id`, when it could be read.
        id: Option<i64>,
        /// The column.
        column: &'static str,
        /// What is wrong.
        problem: &'static str,
    },
    /// [`read`] was called outside a Tokio runtime (SQLite is read on its blocking pool).
    #[error("reading a SQLite database needs a Tokio runtime")]
    Runtime,
    /// The blocking task reading SQLite did not finish (the runtime is shutting down).
    #[error("the SQLite reading task did not finish")]
    Task {
        /// The task's error.
        #[source]
        source: tokio::task::JoinError,
    },
}

/// A row id in an error message (`?` when unknown).
struct DisplayId(Option<i64>);

impl std::fmt::Display for DisplayId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(id) => write!(f, "{id}"),
            None => f.write_str("?"),
        }
    }
}

/// Where a URL points. No `Debug`: a server URL may hold a password.
enum Target {
    /// An SQLite file.
    Sqlite(String),
    /// A PostgreSQL URL.
    Postgres(String),
    /// A MySQL URL (`mariadb://` rewritten to `mysql://`).
    MySql(String),
}

/// Splits `url` into its target. `sqlite://PATH` is a relative path, `sqlite:///abs/path` an
/// absolute one.
fn parse_url(url: &str) -> Result<Target, SourceError> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(SourceError::Url {
            reason: "no scheme (expected e.g. postgres://… or sqlite:///path/db.sqlite3)",
        });
    };
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return Err(SourceError::Url {
            reason: "the scheme is not valid",
        });
    }
    match scheme.to_ascii_lowercase().as_str() {
        "sqlite" if rest.is_empty() => Err(SourceError::Url {
            reason: "no SQLite file path",
        }),
        "sqlite" => Ok(Target::Sqlite(rest.to_owned())),
        "postgres" | "postgresql" => Ok(Target::Postgres(url.to_owned())),
        "mysql" => Ok(Target::MySql(url.to_owned())),
        "mariadb" => Ok(Target::MySql(format!("mysql://{rest}"))),
        other => Err(SourceError::Scheme {
            scheme: other.to_owned(),
        }),
    }
}

/// Reads django-otp's devices and the user mapping from the database at `url`.
///
/// `url` is `sqlite://PATH` (relative) or `sqlite:///abs/path`, `postgres://…` or
/// `postgresql://…`, `mysql://…` or `mariadb://…`. The database is only read, in one
/// read-only transaction rolled back at the end. Devices are returned in ascending id; a
/// device whose user `users` does not map has no entry in [`DjangoData::users`].
///
/// ```no_run
/// # async fn demo() -> Result<(), otpkit_django::SourceError> {
/// use otpkit_django::{UserMapping, read};
///
/// let data = read("sqlite:///srv/app/db.sqlite3", &UserMapping::Username).await?;
/// println!("{} TOTP devices, {} users", data.totp.len(), data.users.len());
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// [`SourceError`]: a bad URL or scheme, a failed connection or query, an old django-otp
/// schema, a failed user query, or a null or mistyped value.
pub async fn read(url: &str, users: &UserMapping) -> Result<DjangoData, SourceError> {
    match parse_url(url)? {
        Target::Sqlite(path) => sqlite::read(path, users.clone()).await,
        Target::Postgres(url) => server::read_postgres(&url, users).await,
        Target::MySql(url) => server::read_mysql(&url, users).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str) -> Result<(&'static str, String), SourceError> {
        Ok(match parse_url(url)? {
            Target::Sqlite(p) => ("sqlite", p),
            Target::Postgres(u) => ("postgres", u),
            Target::MySql(u) => ("mysql", u),
        })
    }

    #[test]
    fn urls() {
        assert_eq!(
            target("sqlite://db.sqlite3").unwrap(),
            ("sqlite", "db.sqlite3".into())
        );
        assert_eq!(
            target("sqlite:///a/b.db").unwrap(),
            ("sqlite", "/a/b.db".into())
        );
        assert_eq!(target("postgresql://u@h/d").unwrap().0, "postgres");
        assert_eq!(target("postgres://u@h/d").unwrap().0, "postgres");
        assert_eq!(
            target("mysql://u@h/d").unwrap(),
            ("mysql", "mysql://u@h/d".into())
        );
        assert_eq!(
            target("mariadb://u:p@h/d").unwrap(),
            ("mysql", "mysql://u:p@h/d".into())
        );
    }

    #[test]
    fn bad_urls_do_not_echo_the_password() {
        for url in [
            "u:secret@host/db",
            "oracle://u:secret@h/d",
            "sqlite://",
            "p@ss:secret://x",
        ] {
            let err = target(url).err().unwrap();
            assert!(!err.to_string().contains("secret"), "{err}");
            assert!(!format!("{err:?}").contains("secret"), "{err:?}");
        }
        assert!(matches!(
            target("oracle://u@h/d"),
            Err(SourceError::Scheme { scheme }) if scheme == "oracle"
        ));
    }

    #[test]
    fn value_error_message() {
        let e = SourceError::Value {
            table: "t",
            id: None,
            column: "c",
            problem: "is null",
        };
        assert_eq!(e.to_string(), "`t` row ?: column `c` is null");
    }
}
