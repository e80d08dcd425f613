//! Where the database lives: parsing `OTPKIT_DATABASE_URL` values for SQLite (docs/behaviour.md
//! §6).

use std::fmt;
use std::path::{Path, PathBuf};

/// Where a [`SqliteStore`](crate::SqliteStore) keeps its data, parsed from a database URL or
/// a plain path.
///
/// Accepted forms (docs/behaviour.md §6, `OTPKIT_DATABASE_URL`):
///
/// | input | meaning |
/// |---|---|
/// | `sqlite://otpkit.sqlite3` | file `otpkit.sqlite3`, relative to the working directory |
/// | `sqlite:///var/lib/app/otp.db` | absolute file `/var/lib/app/otp.db` |
/// | `sqlite:otp.db` | file `otp.db` (sqlx's short form) |
/// | `sqlite://otp.db?mode=rwc` | the same as without the query: the file is created if missing |
/// | `sqlite://otp.db?mode=rw` | the file must already exist |
/// | `otp.db`, `/abs/otp.db`, `./dir/otp.db` | a plain path |
/// | `:memory:`, `sqlite::memory:`, `sqlite://:memory:` | a private in-memory database (tests) |
///
/// The path is taken literally (no percent-decoding). Any other query parameter is refused,
/// so that a typo cannot silently change the meaning.
///
/// ```
/// use otpkit_sqlite::Location;
/// use std::path::Path;
///
/// let loc = Location::parse("sqlite://data/otp.db?mode=rwc").unwrap();
/// assert_eq!(loc.path(), Some(Path::new("data/otp.db")));
/// assert_eq!(Location::parse("sqlite:///var/otp.db").unwrap().path(), Some(Path::new("/var/otp.db")));
/// assert_eq!(Location::parse("sqlite::memory:").unwrap(), Location::Memory);
/// assert!(Location::parse("sqlite://otp.db?cache=shared").is_err());
/// assert!(Location::parse("postgres://localhost/otp").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A private in-memory database: it vanishes with the store, and two stores never share it.
    Memory,
    /// A database file.
    File {
        /// The file's path, relative to the working directory unless absolute.
        path: PathBuf,
        /// Whether a missing file is created (`true` unless the URL says `mode=rw`).
        create: bool,
    },
}

/// Why a database URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidUrl {
    /// The URL names another database system.
    #[error("`{scheme}://` is not a SQLite URL: use `sqlite://PATH` or a plain path")]
    NotSqlite {
        /// The scheme that was given.
        scheme: String,
    },
    /// The path is empty.
    #[error("the SQLite URL has no path: use `sqlite://PATH`")]
    EmptyPath,
    /// A query parameter other than `mode=rwc` or `mode=rw`.
    #[error("unsupported SQLite URL parameter `{0}`: only `mode=rwc` and `mode=rw` are accepted")]
    UnsupportedParameter(String),
}

impl Location {
    /// Parses a `sqlite:` URL, a plain path, or `:memory:`; see the type docs.
    pub fn parse(input: &str) -> Result<Location, InvalidUrl> {
        let rest = match input.strip_prefix("sqlite:") {
            Some(rest) => rest.strip_prefix("//").unwrap_or(rest),
            None => {
                if let Some((scheme, _)) = input.split_once("://") {
                    let plausible = !scheme.is_empty()
                        && scheme
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
                    if plausible {
                        return Err(InvalidUrl::NotSqlite {
                            scheme: scheme.to_owned(),
                        });
                    }
                }
                // A plain path: taken literally, query-like text included.
                return match input {
                    "" => Err(InvalidUrl::EmptyPath),
                    ":memory:" => Ok(Location::Memory),
                    _ => Ok(Location::File {
                        path: PathBuf::from(input),
                        create: true,
                    }),
                };
            }
        };
        let (path, query) = match rest.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (rest, None),
        };
        let mut create = true;
        for param in query.into_iter().flat_map(|q| q.split('&')) {
            match param {
                "" => {}
                "mode=rwc" => create = true,
                "mode=rw" => create = false,
                other => return Err(InvalidUrl::UnsupportedParameter(other.to_owned())),
            }
        }
        match path {
            "" => Err(InvalidUrl::EmptyPath),
            ":memory:" => Ok(Location::Memory),
            _ => Ok(Location::File {
                path: PathBuf::from(path),
                create,
            }),
        }
    }

    /// The database file, or `None` for an in-memory database. The CLI derives the default
    /// key file `{database file}.keys` from it (docs/behaviour.md §6).
    pub fn path(&self) -> Option<&Path> {
        match self {
            Location::Memory => None,
            Location::File { path, .. } => Some(path),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Memory => f.write_str("sqlite::memory:"),
            Location::File { path, .. } => write!(f, "sqlite://{}", path.display()),
        }
    }
}

impl std::str::FromStr for Location {
    type Err = InvalidUrl;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Location::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(p: &str, create: bool) -> Location {
        Location::File {
            path: PathBuf::from(p),
            create,
        }
    }

    #[test]
    fn forms() {
        let cases = [
            ("sqlite://otpkit.sqlite3", file("otpkit.sqlite3", true)),
            (
                "sqlite://otpkit.sqlite3?mode=rwc",
                file("otpkit.sqlite3", true),
            ),
            ("sqlite://a/b.db?mode=rw", file("a/b.db", false)),
            ("sqlite:///abs/b.db", file("/abs/b.db", true)),
            ("sqlite:rel.db", file("rel.db", true)),
            ("sqlite:/abs.db", file("/abs.db", true)),
            ("plain.db", file("plain.db", true)),
            ("/abs/plain.db", file("/abs/plain.db", true)),
            ("./dir/x?y.db", file("./dir/x?y.db", true)),
            (":memory:", Location::Memory),
            ("sqlite::memory:", Location::Memory),
            ("sqlite://:memory:", Location::Memory),
        ];
        for (input, want) in cases {
            assert_eq!(Location::parse(input).unwrap(), want, "{input}");
        }
        assert_eq!(Location::parse(""), Err(InvalidUrl::EmptyPath));
        assert_eq!(Location::parse("sqlite://"), Err(InvalidUrl::EmptyPath));
        assert_eq!(
            Location::parse("sqlite://?mode=rwc"),
            Err(InvalidUrl::EmptyPath)
        );
        assert!(matches!(
            Location::parse("sqlite://x.db?mode=ro"),
            Err(InvalidUrl::UnsupportedParameter(_))
        ));
        assert!(matches!(
            Location::parse("postgres://u@h/db"),
            Err(InvalidUrl::NotSqlite { .. })
        ));
        assert!(matches!(
            Location::parse("mysql://u@h/db"),
            Err(InvalidUrl::NotSqlite { .. })
        ));
        assert_eq!(file("a.db", true).to_string(), "sqlite://a.db");
    }
}
