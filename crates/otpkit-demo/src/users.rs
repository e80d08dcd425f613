//! The demo's users: a `demo_user` table with argon2id password hashes, in the same
//! database as otpkit's devices.
//!
//! otpkit does not own users (docs/behaviour.md §1.1): it asks the application. This module is that
//! application side for the demo:
//!
//! * [`UserStore`] — create and look up users. On SQLite the table lives in the same file as
//!   otpkit's tables, on its own rusqlite connection (otpkit's store keeps a connection
//!   thread of its own); on PostgreSQL and MySQL/MariaDB it lives in the same database, on
//!   the device store's connection pool.
//! * [`DemoDirectory`] — otpkit's [`UserDirectory`]: whether a user exists, is active or
//!   staff, its email address (the default for email devices), and `USER` arguments of the
//!   embedded CLI resolved as usernames.
//! * [`DemoCredentials`] — otpkit-axum's [`CredentialChecker`]: the first factor. Unknown
//!   users, wrong passwords and inactive users are indistinguishable (REQ-17): an unknown
//!   user costs one argon2 verification of a dummy hash, like a known one.
//!
//! The user id otpkit stores is the username itself (usernames never change here).
//! Passwords are hashed with argon2id (the argon2 crate's defaults: 19 MiB, 2 passes, a
//! 16-byte salt from the OS RNG) on a blocking thread, never logged and never stored.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use async_trait::async_trait;
use otpkit::{Clock, SystemClock, UserDirectory, UserId, UserInfo};
use otpkit_axum::CredentialChecker;
use otpkit_axum::auth::AuthError;
use otpkit_sqlx::SqlxStore;
use otpkit_sqlx::sqlx::{self, MySqlPool, PgPool, Row};

/// Usernames: 1 to 150 characters of `A–Z a–z 0–9 @ . + - _` (Django's rule).
pub const USERNAME_MAX: usize = 150;
/// Passwords: at least this many characters.
pub const PASSWORD_MIN: usize = 8;
/// Passwords: at most this many bytes (argon2 accepts more; a bound keeps requests cheap).
pub const PASSWORD_MAX: usize = 1024;

/// Why a user operation failed.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// A field breaks a rule; its text says which and how to fix it.
    #[error("{0}")]
    Invalid(Rule),
    /// A user with that username exists already.
    #[error("a user with that username already exists")]
    Exists,
    /// The database or the password hasher failed.
    #[error("user store error: {0}")]
    Backend(String),
}

fn backend(e: impl fmt::Display) -> UserError {
    UserError::Backend(e.to_string())
}

/// A user as the demo knows it (the password hash stays inside [`UserStore`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The username, which is also otpkit's user id.
    pub username: String,
    /// The email address, if given: the default address of email devices.
    pub email: Option<String>,
    /// Whether the user may use the admin area (once verified).
    pub is_staff: bool,
    /// Whether the user may log in.
    pub is_active: bool,
    /// When the account was created (Unix milliseconds).
    pub created_at: i64,
}

/// A user to create.
#[derive(Clone)]
pub struct NewUser {
    /// The username.
    pub username: String,
    /// The password (hashed before it is stored).
    pub password: String,
    /// An optional email address.
    pub email: Option<String>,
    /// Staff (admin area).
    pub is_staff: bool,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("email", &self.email)
            .field("is_staff", &self.is_staff)
            .finish_non_exhaustive()
    }
}

/// The rule a sign-up field breaks. `Display` is the English sentence (the CLI prints it);
/// [`Rule::message_id`] names the sentence in the demo's catalogues, for the web page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// The username is empty or longer than [`USERNAME_MAX`].
    UsernameLength,
    /// The username has a character other than letters, digits and `@ . + - _`.
    UsernameCharacters,
    /// The password is shorter than [`PASSWORD_MIN`] characters.
    PasswordTooShort,
    /// The password is longer than [`PASSWORD_MAX`] bytes.
    PasswordTooLong,
    /// The email address is not a plain `name@example.com`.
    Email,
}

impl Rule {
    /// The message id in the demo's catalogues (`locales/*/demo.ftl`).
    pub fn message_id(self) -> &'static str {
        match self {
            Rule::UsernameLength => "demo-signup-username-length",
            Rule::UsernameCharacters => "demo-signup-username-chars",
            Rule::PasswordTooShort => "demo-signup-password-short",
            Rule::PasswordTooLong => "demo-signup-password-long",
            Rule::Email => "demo-signup-email-invalid",
        }
    }

    /// The limit the message names (`$max` or `$min`), if any.
    pub fn limit(self) -> Option<(&'static str, usize)> {
        match self {
            Rule::UsernameLength => Some(("max", USERNAME_MAX)),
            Rule::PasswordTooShort => Some(("min", PASSWORD_MIN)),
            Rule::PasswordTooLong => Some(("max", PASSWORD_MAX)),
            Rule::UsernameCharacters | Rule::Email => None,
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::UsernameLength => write!(
                f,
                "The username must be 1 to {USERNAME_MAX} characters long."
            ),
            Rule::UsernameCharacters => {
                f.write_str("The username may contain only letters, digits and @ . + - _")
            }
            Rule::PasswordTooShort => write!(
                f,
                "The password must be at least {PASSWORD_MIN} characters long."
            ),
            Rule::PasswordTooLong => {
                write!(f, "The password must be at most {PASSWORD_MAX} bytes long.")
            }
            Rule::Email => {
                f.write_str("Enter a valid email address (name@example.com), or leave it empty.")
            }
        }
    }
}

/// Checks a username against the rule of [`USERNAME_MAX`].
pub fn validate_username(username: &str) -> Result<(), UserError> {
    let n = username.chars().count();
    if n == 0 || n > USERNAME_MAX {
        return Err(UserError::Invalid(Rule::UsernameLength));
    }
    if !username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '@' | '.' | '+' | '-' | '_'))
    {
        return Err(UserError::Invalid(Rule::UsernameCharacters));
    }
    Ok(())
}

/// Checks a password's length.
pub fn validate_password(password: &str) -> Result<(), UserError> {
    if password.chars().count() < PASSWORD_MIN {
        return Err(UserError::Invalid(Rule::PasswordTooShort));
    }
    if password.len() > PASSWORD_MAX {
        return Err(UserError::Invalid(Rule::PasswordTooLong));
    }
    Ok(())
}

/// Checks an email address (a plain `local@domain` without spaces, at most 254 characters).
pub fn validate_email(email: &str) -> Result<(), UserError> {
    let ok = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(email.split_once('@'), Some((l, d)) if !l.is_empty() && d.contains('.') && !d.contains('@') && !d.starts_with('.') && !d.ends_with('.'));
    if ok {
        Ok(())
    } else {
        Err(UserError::Invalid(Rule::Email))
    }
}

/// Hashes a password with argon2id and a fresh salt (a PHC string `$argon2id$v=19$…`).
pub fn hash_password(password: &str) -> Result<String, UserError> {
    let hash: PasswordHash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(backend)?;
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `hash`. A malformed hash matches nothing.
pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash of a random password, verified for unknown users so that they take as long as
/// known ones (REQ-17).
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut bytes = [0u8; 16];
        let seed = if getrandom::fill(&mut bytes).is_ok() {
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes)
        } else {
            "an unguessable fallback never used as a password".to_owned()
        };
        hash_password(&seed).unwrap_or_default()
    })
}

const SQLITE_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS demo_user (
    username TEXT NOT NULL PRIMARY KEY,
    password_hash TEXT NOT NULL,
    email TEXT,
    is_staff INTEGER NOT NULL DEFAULT 0,
    is_active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
)";

const PG_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS demo_user (
    username TEXT COLLATE \"C\" NOT NULL PRIMARY KEY,
    password_hash TEXT NOT NULL,
    email TEXT,
    is_staff BOOLEAN NOT NULL DEFAULT FALSE,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL
)";

const MYSQL_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS demo_user (
    username VARCHAR(150) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
    password_hash VARCHAR(255) NOT NULL,
    email VARCHAR(254) NULL,
    is_staff BOOLEAN NOT NULL DEFAULT FALSE,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL
)";

const COLUMNS: &str = "username, email, is_staff, is_active, created_at, password_hash";

const SQLITE_INSERT: &str = "INSERT INTO demo_user \
     (username, password_hash, email, is_staff, is_active, created_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (username) DO NOTHING";

const PG_INSERT: &str = "INSERT INTO demo_user \
     (username, password_hash, email, is_staff, is_active, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6)";

const MYSQL_INSERT: &str = "INSERT INTO demo_user \
     (username, password_hash, email, is_staff, is_active, created_at) \
     VALUES (?, ?, ?, ?, ?, ?)";

enum Backend {
    Sqlite(Arc<Mutex<rusqlite::Connection>>),
    Postgres(PgPool),
    MySql(MySqlPool),
}

/// The demo's user table. Cheap to clone.
#[derive(Clone)]
pub struct UserStore {
    backend: Arc<Backend>,
}

impl fmt::Debug for UserStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.backend.as_ref() {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
            Backend::MySql(_) => "mysql",
        };
        f.debug_struct("UserStore").field("backend", &kind).finish()
    }
}

/// One row: the user and its password hash.
type Row_ = (User, String);

fn sqlite_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row_> {
    Ok((
        User {
            username: r.get(0)?,
            email: r.get(1)?,
            is_staff: r.get(2)?,
            is_active: r.get(3)?,
            created_at: r.get(4)?,
        },
        r.get(5)?,
    ))
}

/// One row of a sqlx result (PostgreSQL or MySQL; the same column order as [`COLUMNS`]).
macro_rules! sqlx_row {
    ($r:expr) => {
        (|| -> Result<Row_, sqlx::Error> {
            let r = $r;
            Ok((
                User {
                    username: r.try_get(0)?,
                    email: r.try_get(1)?,
                    is_staff: r.try_get(2)?,
                    is_active: r.try_get(3)?,
                    created_at: r.try_get(4)?,
                },
                r.try_get(5)?,
            ))
        })()
    };
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
}

/// Whether a sqlx insert stored the row: `false` when the username is taken.
fn inserted<T>(r: Result<T, sqlx::Error>) -> Result<bool, UserError> {
    match r {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(backend(e)),
    }
}

/// The optional email address, trimmed (a blank one is none) and checked.
fn checked_email(email: Option<String>) -> Result<Option<String>, UserError> {
    let email = email.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty());
    if let Some(e) = &email {
        validate_email(e)?;
    }
    Ok(email)
}

impl UserStore {
    /// The table in the SQLite file `path` (created with the file if missing).
    pub async fn sqlite_file(path: &Path) -> Result<UserStore, UserError> {
        let path = path.to_owned();
        let conn = tokio::task::spawn_blocking(move || {
            let conn = rusqlite::Connection::open(&path)?;
            conn.busy_timeout(std::time::Duration::from_secs(10))?;
            conn.execute_batch(SQLITE_SCHEMA)?;
            Ok::<_, rusqlite::Error>(conn)
        })
        .await
        .map_err(backend)?
        .map_err(backend)?;
        Ok(Self::from_backend(Backend::Sqlite(Arc::new(Mutex::new(
            conn,
        )))))
    }

    /// The table in a private in-memory SQLite database (for `sqlite::memory:`; forgotten on
    /// exit).
    pub async fn sqlite_memory() -> Result<UserStore, UserError> {
        let conn = rusqlite::Connection::open_in_memory().map_err(backend)?;
        conn.execute_batch(SQLITE_SCHEMA).map_err(backend)?;
        Ok(Self::from_backend(Backend::Sqlite(Arc::new(Mutex::new(
            conn,
        )))))
    }

    /// The table in the PostgreSQL or MySQL database of `store`, on its pool.
    pub async fn for_sqlx(store: &SqlxStore) -> Result<UserStore, UserError> {
        let backend = match store {
            SqlxStore::Postgres(pg) => {
                let pool = pg.pool().clone();
                sqlx::raw_sql(PG_SCHEMA)
                    .execute(&pool)
                    .await
                    .map_err(backend)?;
                Backend::Postgres(pool)
            }
            SqlxStore::MySql(my) => {
                let pool = my.pool().clone();
                sqlx::raw_sql(MYSQL_SCHEMA)
                    .execute(&pool)
                    .await
                    .map_err(backend)?;
                Backend::MySql(pool)
            }
            _ => {
                return Err(UserError::Backend(
                    "this database backend is not supported by the demo".into(),
                ));
            }
        };
        Ok(Self::from_backend(backend))
    }

    fn from_backend(backend: Backend) -> UserStore {
        UserStore {
            backend: Arc::new(backend),
        }
    }

    /// Runs `f` on the SQLite connection on a blocking thread.
    async fn sqlite<T: Send + 'static>(
        conn: &Arc<Mutex<rusqlite::Connection>>,
        f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, UserError> {
        let conn = conn.clone();
        tokio::task::spawn_blocking(move || {
            let guard = conn
                .lock()
                .map_err(|_| UserError::Backend("the user table connection is poisoned".into()))?;
            f(&guard).map_err(backend)
        })
        .await
        .map_err(backend)?
    }

    /// Creates a user after checking every field; the password is hashed first.
    pub async fn create(&self, new: NewUser) -> Result<User, UserError> {
        validate_username(&new.username)?;
        validate_password(&new.password)?;
        let email = checked_email(new.email)?;
        let password = new.password;
        let hash = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(backend)??;
        let user = User {
            username: new.username,
            email,
            is_staff: new.is_staff,
            is_active: true,
            created_at: SystemClock.now().as_millis(),
        };
        if self.insert(&user, hash).await? {
            Ok(user)
        } else {
            Err(UserError::Exists)
        }
    }

    /// Inserts `user` with its password hash; `false` when the username is taken.
    async fn insert(&self, user: &User, hash: String) -> Result<bool, UserError> {
        match self.backend.as_ref() {
            Backend::Sqlite(conn) => {
                let u = user.clone();
                let n = Self::sqlite(conn, move |c| {
                    c.execute(
                        SQLITE_INSERT,
                        rusqlite::params![
                            u.username,
                            hash,
                            u.email,
                            u.is_staff,
                            u.is_active,
                            u.created_at
                        ],
                    )
                })
                .await?;
                Ok(n == 1)
            }
            Backend::Postgres(pool) => inserted(
                sqlx::query(PG_INSERT)
                    .bind(&user.username)
                    .bind(&hash)
                    .bind(&user.email)
                    .bind(user.is_staff)
                    .bind(user.is_active)
                    .bind(user.created_at)
                    .execute(pool)
                    .await,
            ),
            Backend::MySql(pool) => inserted(
                sqlx::query(MYSQL_INSERT)
                    .bind(&user.username)
                    .bind(&hash)
                    .bind(&user.email)
                    .bind(user.is_staff)
                    .bind(user.is_active)
                    .bind(user.created_at)
                    .execute(pool)
                    .await,
            ),
        }
    }

    async fn row(&self, username: &str) -> Result<Option<Row_>, UserError> {
        match self.backend.as_ref() {
            Backend::Sqlite(conn) => {
                let name = username.to_owned();
                Self::sqlite(conn, move |c| {
                    let mut st = c.prepare_cached(&format!(
                        "SELECT {COLUMNS} FROM demo_user WHERE username = ?1"
                    ))?;
                    let mut rows = st.query_map([name], sqlite_row)?;
                    rows.next().transpose()
                })
                .await
            }
            Backend::Postgres(pool) => {
                let r = sqlx::query(
                    "SELECT username, email, is_staff, is_active, created_at, password_hash \
                     FROM demo_user WHERE username = $1",
                )
                .bind(username)
                .fetch_optional(pool)
                .await
                .map_err(backend)?;
                r.map(|r| sqlx_row!(&r)).transpose().map_err(backend)
            }
            Backend::MySql(pool) => {
                let r = sqlx::query(
                    "SELECT username, email, is_staff, is_active, created_at, password_hash \
                     FROM demo_user WHERE username = ?",
                )
                .bind(username)
                .fetch_optional(pool)
                .await
                .map_err(backend)?;
                r.map(|r| sqlx_row!(&r)).transpose().map_err(backend)
            }
        }
    }

    /// The user named `username`, if any.
    pub async fn get(&self, username: &str) -> Result<Option<User>, UserError> {
        if validate_username(username).is_err() {
            return Ok(None);
        }
        Ok(self.row(username).await?.map(|(u, _)| u))
    }

    /// The user if `username` exists, is active and `password` is right; `None` otherwise,
    /// after the same amount of argon2 work in every case.
    pub async fn check_password(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Option<User>, UserError> {
        let row = if validate_username(username).is_ok() && password.len() <= PASSWORD_MAX {
            self.row(username).await?
        } else {
            None
        };
        let (user, hash) = match row {
            Some((u, h)) => (Some(u), h),
            None => (None, dummy_hash().to_owned()),
        };
        let password = password.to_owned();
        let ok = tokio::task::spawn_blocking(move || {
            password.len() <= PASSWORD_MAX && verify_password(&password, &hash)
        })
        .await
        .map_err(backend)?;
        Ok(user.filter(|u| ok && u.is_active))
    }

    /// Up to `limit` usernames in ascending order, after `after`.
    pub async fn usernames(&self, after: &str, limit: u32) -> Result<Vec<String>, UserError> {
        const SQL: &str =
            "SELECT username FROM demo_user WHERE username > ? ORDER BY username LIMIT ?";
        let limit = i64::from(limit);
        match self.backend.as_ref() {
            Backend::Sqlite(conn) => {
                let after = after.to_owned();
                Self::sqlite(conn, move |c| {
                    let mut st = c.prepare(SQL)?;
                    let rows = st.query_map(rusqlite::params![after, limit], |r| r.get(0))?;
                    rows.collect::<Result<Vec<String>, _>>()
                })
                .await
            }
            Backend::Postgres(pool) => sqlx::query_scalar::<_, String>(
                "SELECT username FROM demo_user WHERE username > $1 ORDER BY username LIMIT $2",
            )
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await
            .map_err(backend),
            Backend::MySql(pool) => sqlx::query_scalar::<_, String>(SQL)
                .bind(after)
                .bind(limit)
                .fetch_all(pool)
                .await
                .map_err(backend),
        }
    }

    /// The number of users.
    pub async fn count(&self) -> Result<u64, UserError> {
        match self.backend.as_ref() {
            Backend::Sqlite(conn) => Self::sqlite(conn, |c| {
                c.query_row("SELECT COUNT(*) FROM demo_user", [], |r| r.get::<_, i64>(0))
            })
            .await
            .map(|n| u64::try_from(n).unwrap_or(0)),
            Backend::Postgres(pool) => {
                sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM demo_user")
                    .fetch_one(pool)
                    .await
                    .map(|n| u64::try_from(n).unwrap_or(0))
                    .map_err(backend)
            }
            Backend::MySql(pool) => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM demo_user")
                .fetch_one(pool)
                .await
                .map(|n| u64::try_from(n).unwrap_or(0))
                .map_err(backend),
        }
    }
}

/// otpkit's [`UserDirectory`] over the demo's users: existence, display name (the
/// username, shown in authenticator apps), email address, active and staff flags; the
/// embedded CLI's `USER` arguments are usernames.
#[derive(Debug, Clone)]
pub struct DemoDirectory(pub UserStore);

#[async_trait]
impl UserDirectory for DemoDirectory {
    async fn lookup(&self, user: &UserId) -> Option<UserInfo> {
        match self.0.get(user.as_str()).await {
            Ok(Some(u)) => Some(UserInfo {
                display_name: Some(u.username),
                email: u.email,
                is_active: u.is_active,
                is_staff: u.is_staff,
            }),
            Ok(None) => None,
            Err(e) => {
                tracing::error!(target: "otpkit_demo", error = %e, "user lookup failed");
                None
            }
        }
    }

    async fn resolve_username(&self, username: &str) -> Option<UserId> {
        UserId::new(username).ok()
    }

    async fn list_users(&self, after: Option<&UserId>, limit: u32) -> Option<Vec<UserId>> {
        let after = after.map_or("", UserId::as_str);
        match self.0.usernames(after, limit).await {
            Ok(names) => Some(
                names
                    .into_iter()
                    .filter_map(|n| UserId::new(n).ok())
                    .collect(),
            ),
            Err(e) => {
                tracing::error!(target: "otpkit_demo", error = %e, "user listing failed");
                None
            }
        }
    }
}

/// otpkit-axum's [`CredentialChecker`] over the demo's users (the first factor).
#[derive(Debug, Clone)]
pub struct DemoCredentials(pub UserStore);

#[async_trait]
impl CredentialChecker for DemoCredentials {
    async fn check(&self, username: &str, password: &str) -> Result<Option<UserId>, AuthError> {
        match self.0.check_password(username, password).await {
            Ok(Some(u)) => Ok(UserId::new(u.username).ok()),
            Ok(None) => Ok(None),
            Err(e) => Err(AuthError::backend(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(validate_username("alice").is_ok());
        assert!(validate_username("a.b+c@d-e_f").is_ok());
        assert!(validate_username("").is_err());
        assert!(validate_username("al ice").is_err());
        assert!(validate_username(&"a".repeat(151)).is_err());
        assert!(validate_password("1234567").is_err());
        assert!(validate_password("12345678").is_ok());
        assert!(validate_email("a@example.com").is_ok());
        assert!(validate_email("a@b").is_err());
        assert!(validate_email("a b@example.com").is_err());
    }

    #[test]
    fn argon2_round_trip() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
        assert!(!verify_password("x", "not a hash"));
        assert_ne!(h, hash_password("correct horse").unwrap(), "fresh salt");
    }

    #[tokio::test]
    async fn sqlite_users() {
        let dir = tempfile::tempdir().unwrap();
        let store = UserStore::sqlite_file(&dir.path().join("u.sqlite3"))
            .await
            .unwrap();
        let u = store
            .create(NewUser {
                username: "alice".into(),
                password: "wonderland".into(),
                email: Some("alice@example.com".into()),
                is_staff: true,
            })
            .await
            .unwrap();
        assert!(u.is_staff);
        let again = store
            .create(NewUser {
                username: "alice".into(),
                password: "wonderland2".into(),
                email: None,
                is_staff: false,
            })
            .await;
        assert!(matches!(again, Err(UserError::Exists)));
        assert_eq!(store.get("alice").await.unwrap(), Some(u.clone()));
        assert_eq!(store.get("bob").await.unwrap(), None);
        assert_eq!(
            store.check_password("alice", "wonderland").await.unwrap(),
            Some(u)
        );
        assert_eq!(store.check_password("alice", "nope").await.unwrap(), None);
        assert_eq!(
            store.check_password("bob", "wonderland").await.unwrap(),
            None
        );
        assert_eq!(store.count().await.unwrap(), 1);
        let dir2 = DemoDirectory(store.clone());
        let info = dir2.lookup(&UserId::new("alice").unwrap()).await.unwrap();
        assert_eq!(info.email.as_deref(), Some("alice@example.com"));
        assert!(info.is_staff && info.is_active);
        assert!(dir2.lookup(&UserId::new("bob").unwrap()).await.is_none());
    }
}
